#![no_main]
//! The raw zip structure checks (end records, central directory, local headers), in memory:
//! never a panic, and an accepted archive has entries with distinct names and local headers
//! before the central directory.
use libfuzzer_sys::fuzz_target;
use sigil_pack::zip_raw::check_structure;

fuzz_target!(|data: &[u8]| {
    if let Ok(entries) = check_structure(&mut std::io::Cursor::new(data), 1000) {
        let mut names: Vec<&[u8]> = entries.iter().map(|e| e.name.as_slice()).collect();
        names.sort();
        let n = names.len();
        names.dedup();
        assert_eq!(n, names.len(), "duplicate names accepted");
        for e in &entries {
            assert!(e.local_offset < data.len() as u64);
        }
    }
});
