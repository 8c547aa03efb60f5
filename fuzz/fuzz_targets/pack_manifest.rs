#![no_main]
//! The pack manifest (`.sigil/SHA256SUMS`) and the signed pack comment.
use libfuzzer_sys::fuzz_target;
use sigil_pack::manifest::{Manifest, PackComment};

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(m) = Manifest::parse(s) {
            // Accepted manifests are canonical: they print back to the same text.
            assert_eq!(m.to_text(), s);
            for name in m.names() {
                assert!(sigil_pack::rules::check_path(name).is_ok());
            }
        }
        if let Ok(c) = PackComment::parse(s) {
            assert_eq!(c.to_string(), s);
        }
    }
});
