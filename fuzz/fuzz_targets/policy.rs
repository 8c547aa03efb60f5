#![no_main]
//! The policy parser on arbitrary text: it must return a policy or an error with a location,
//! never panic. Key and trusted-root files are not read while fuzzing.
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use sigil_policy::{Policy, PolicyError, PolicyFiles};

struct NoFiles;

impl PolicyFiles for NoFiles {
    fn public_key(&self, _: &Path) -> Result<sigil_keys::PublicKey, String> {
        Err("no files while fuzzing".into())
    }
    fn text(&self, _: &Path) -> Result<String, String> {
        Err("no files while fuzzing".into())
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        match Policy::parse(s, Path::new("fuzz.toml"), &NoFiles) {
            Ok(p) => assert!(p.threshold >= 1),
            Err(PolicyError::Invalid { location, .. }) => assert!(location.line >= 1 && location.column >= 1),
            Err(_) => {}
        }
    }
});
