#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(pk) = sigil_keys::PublicKey::parse(s) {
            // Whatever parses must survive a round trip through both formats.
            let again = sigil_keys::PublicKey::parse(&pk.to_minisign()).expect("own minisign output parses");
            assert_eq!(again.raw(), pk.raw());
            let pem = sigil_keys::PublicKey::parse(&pk.to_pem()).expect("own PEM output parses");
            assert_eq!(pem.raw(), pk.raw());
        }
    }
});
