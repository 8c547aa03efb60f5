//! Sigstore bundle parsing (one bundle, JSON Lines, npm attestations documents), then full
//! verification of whatever parses against the embedded public-good root: never a panic.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sigil_sigstore::{parse_bundles, verify, Artifact, Matcher, SignerPolicy, TrustRoot};

fn root() -> Option<&'static TrustRoot> {
    static ROOT: OnceLock<Option<TrustRoot>> = OnceLock::new();
    ROOT.get_or_init(|| TrustRoot::public_good().ok()).as_ref()
}

fuzz_target!(|data: &[u8]| {
    let _ = sigil_sigstore::Bundle::parse(data);
    let Ok(bundles) = parse_bundles(data) else { return };
    let Some(root) = root() else { return };
    let policy = SignerPolicy::Keyless { identity: Matcher::exact("a"), issuer: Matcher::exact("b") };
    let key = SignerPolicy::PublicKey(sigil_sigstore::PublicKey::from_spki_der(data));
    for b in bundles.iter().take(4) {
        let _ = verify(root, b, Artifact::Bytes(b"a"), &policy);
        let _ = verify(root, b, Artifact::Bytes(b"a"), &key);
    }
});
