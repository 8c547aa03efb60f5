#![no_main]
//! The secret scanner over arbitrary bytes, and the allowlist parser.
use libfuzzer_sys::fuzz_target;
use sigil_scan::{Allowlist, Scanner};

thread_local! {
    static SCANNER: Scanner = Scanner::default();
}

fuzz_target!(|data: &[u8]| {
    SCANNER.with(|s| {
        for f in s.scan_bytes("fuzz", data) {
            assert!(f.line >= 1 && f.column >= 1);
            assert!(f.excerpt.contains('\u{2026}') || f.excerpt.contains("[body redacted]"));
        }
    });
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Allowlist::parse(text);
    }
});
