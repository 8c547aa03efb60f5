//! PEP 740 provenance objects (`attestation_bundles[]` with their Trusted Publishers), and
//! each publisher held against empty certificate facts: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil_sigstore::{pep740, PublisherFacts};

fuzz_target!(|data: &[u8]| {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let wrapped = serde_json::json!({ "version": 1, "attestation_bundles": [v] });
    for doc in [&v, &wrapped] {
        if let Ok(atts) = pep740::parse_value(doc) {
            for a in atts.iter().take(4) {
                if let Some(p) = &a.publisher {
                    let _ = p.check(&PublisherFacts::default());
                }
            }
        }
    }
});
