#![no_main]
//! TUF metadata as a client meets it: a root to start from, and every role's update against
//! a trusted root (sigil-tuf's client is sigstore-tuf's verifier); and canonical JSON, which
//! every signature covers.
use libfuzzer_sys::fuzz_target;
use sigstore_tuf::TrustedMetadataSet;

fuzz_target!(|data: &[u8]| {
    sigil_sigstore::install_crypto_provider();
    let _ = TrustedMetadataSet::from_root(data);
    let now = jiff::Timestamp::UNIX_EPOCH;
    let root = sigil_tuf::trust::Instance::PublicGood.embedded_root();
    let mut set = TrustedMetadataSet::from_root(root).expect("the embedded root verifies");
    let _ = set.update_root(data);
    let _ = set.update_timestamp(data, now);
    let _ = set.update_snapshot(data, now);
    let _ = set.update_targets(data, now);
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) {
        if let Ok(c) = sigil_tuf::repo::canonical(&v) {
            // Canonical JSON keeps control characters raw, which strict JSON refuses; where it
            // does parse back, encoding again gives the same bytes.
            if let Ok(again) = serde_json::from_slice::<serde_json::Value>(&c) {
                assert_eq!(sigil_tuf::repo::canonical(&again).ok(), Some(c));
            }
        }
    }
});
