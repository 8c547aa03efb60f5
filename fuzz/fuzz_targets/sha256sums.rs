#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(list) = sigil_sign::SumsFile::parse(s) {
            let again = sigil_sign::SumsFile::parse(&list.to_text()).expect("own output parses");
            assert_eq!(again, list);
        }
    }
});
