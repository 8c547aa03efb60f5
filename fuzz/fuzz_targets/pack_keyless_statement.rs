//! The in-toto statement of a keyless pack bundle (`sigil_pack::keyless::comment_of`), as
//! `pack verify` reads it after the bundle verified. Never a panic; a statement it accepts
//! names a valid pack.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(c) = sigil_pack::keyless::comment_of(data) {
        assert!(sigil_pack::manifest::check_name(&c.name).is_ok());
        assert!(sigil_pack::manifest::check_version(&c.version).is_ok());
    }
});
