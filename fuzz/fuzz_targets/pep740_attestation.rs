//! PEP 740 attestation objects, rewritten as the Sigstore bundles they stand for, and the
//! statement rules (one subject, distribution names, predicate): never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil_core::Sha256Digest;
use sigil_sigstore::pep740;

fuzz_target!(|data: &[u8]| {
    if let Ok(atts) = pep740::parse(data) {
        for a in atts.iter().take(4) {
            let _ = a.bundle.as_ref().map(|b| b.media_type());
        }
    }
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = pep740::parse_dist_name(s);
        let _ = pep740::normalize_version(s);
        let _ = pep740::check_statement(data, "a-1.0.tar.gz", &Sha256Digest([0; 32]));
    }
});
