#![no_main]
//! The content rules (executable magics, UTF-8 text, JSON): never a panic, and the verdict
//! does not depend on how the bytes are chunked.
use libfuzzer_sys::fuzz_target;
use sigil_pack::content::{check_bytes, ContentCheck};

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    for path in ["f.json", "f.txt", "f.bin"] {
        let whole = check_bytes(path, rest);
        let mut c = ContentCheck::for_path(path);
        let step = usize::from(split).max(1);
        for chunk in rest.chunks(step) {
            c.update(chunk);
        }
        assert_eq!(whole, c.finish(), "{path}: chunking changed the verdict");
    }
});
