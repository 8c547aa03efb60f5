//! Fulcio certificate extensions (1.3.6.1.4.1.57264.1.1-.22) and the SAN read from DER, then
//! held against a publisher policy: never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil_sigstore::{Matcher, PublisherFacts, PublisherPolicy};

fuzz_target!(|data: &[u8]| {
    let Ok(facts) = PublisherFacts::from_der(data) else { return };
    let mut p = PublisherPolicy::new(Matcher::exact("https://token.actions.githubusercontent.com"));
    p.owner = Some("o".into());
    p.repository = Some("o/r".into());
    p.signer_workflow = Some("o/r/.github/workflows/w.yml".into());
    p.deny_self_hosted_runners = true;
    let _ = p.check(&facts);
    let _ = facts.pairs();
});
