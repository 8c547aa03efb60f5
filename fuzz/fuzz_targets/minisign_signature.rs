#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(sig) = sigil_sign::Signature::parse(s) {
            let again = sigil_sign::Signature::parse(&sig.to_text()).expect("own output parses");
            assert_eq!(again, sig);
        }
    }
});
