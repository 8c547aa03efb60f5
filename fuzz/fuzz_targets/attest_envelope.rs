#![no_main]
//! DSSE envelopes, in-toto Statements, attestation documents and SLSA provenance views.
use libfuzzer_sys::fuzz_target;
use sigil_attest::{document, provenance, Envelope, Statement};

fuzz_target!(|data: &[u8]| {
    // Statements straight from bytes (a DSSE payload is arbitrary bytes).
    if let Ok(st) = Statement::parse(data) {
        let again = Statement::parse(st.to_json().as_bytes()).expect("own output parses");
        assert_eq!(again, st);
        let _ = provenance::view(&st);
    }
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(env) = Envelope::parse(text) {
        let again = Envelope::parse(&env.to_json()).expect("own output parses");
        assert_eq!(again, env);
        let _ = env.pae();
    }
    if let Ok(items) = document::read(text) {
        for item in items.into_iter().filter_map(|l| l.item.ok()) {
            if let Ok(st) = Statement::parse(&item.envelope().payload) {
                let _ = provenance::view(&st);
            }
        }
    }
});
