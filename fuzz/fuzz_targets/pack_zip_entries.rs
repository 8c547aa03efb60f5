#![no_main]
//! The archive entry checks over zip, in memory.
use libfuzzer_sys::fuzz_target;
use sigil_pack::extract::{extract_zip, HashSink};
use sigil_pack::rules::{check_path, Limits};

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_files: 64,
        max_file_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
    };
    if let Ok(x) = extract_zip(std::io::Cursor::new(data), &limits, &mut HashSink) {
        for path in x.files.keys() {
            assert!(check_path(path).is_ok(), "{path:?}");
        }
        // Whatever was extracted passed the raw structure checks first.
        let raw = sigil_pack::zip_raw::check_structure(
            &mut std::io::Cursor::new(data),
            limits.max_entries(),
        );
        assert!(raw.is_ok(), "{raw:?}");
    }
});
