//! cosign `--bundle` documents (sign-blob and attest-blob), rewritten as Sigstore bundles v0.1
//! and parsed: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    if let Ok(json) = sigil_sigstore::cosign::to_bundle_json(&v) {
        let _ = sigil_sigstore::Bundle::parse(json.as_bytes());
    }
    let _ = sigil_sigstore::parse_bundles(data);
});
