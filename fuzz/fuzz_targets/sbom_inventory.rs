#![no_main]
use libfuzzer_sys::fuzz_target;
use sigil_sbom::diff::{diff, Inventory};

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(inv) = Inventory::parse(s) {
            // A document never differs from itself.
            assert!(diff(&inv, &inv).is_empty());
        }
    }
});
