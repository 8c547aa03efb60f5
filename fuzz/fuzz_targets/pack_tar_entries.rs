#![no_main]
//! The archive entry checks over tar (first byte 0) or tar.gz (otherwise), in memory.
use libfuzzer_sys::fuzz_target;
use sigil_pack::extract::{extract_tar, extract_tar_gz, HashSink};
use sigil_pack::rules::{check_path, Limits};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let limits = Limits {
        max_files: 64,
        max_file_bytes: 1 << 20,
        max_total_bytes: 4 << 20,
    };
    let r = if mode == 0 {
        extract_tar(rest, &limits, &mut HashSink)
    } else {
        extract_tar_gz(rest, &limits, &mut HashSink)
    };
    if let Ok(x) = r {
        // Whatever was accepted keeps every rule.
        assert!(x.files.len() as u64 <= limits.max_files + 2);
        for (path, (_, len)) in &x.files {
            assert!(check_path(path).is_ok(), "{path:?}");
            assert!(*len <= limits.max_file_bytes || path.starts_with(".sigil/"));
        }
    }
});
