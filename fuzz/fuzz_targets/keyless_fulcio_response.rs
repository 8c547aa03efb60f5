//! Fulcio `signingCert` answers as the keyless signer reads them: JSON, PEM chains, the leaf's
//! key, SAN, issuer extensions and validity. Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil_sigstore::sign::{check_fulcio_response, IdentityToken};

fn token() -> Option<IdentityToken> {
    // {"iss":"https://i","sub":"s","aud":"sigstore","exp":4102444800}
    IdentityToken::parse(
        "e30.eyJpc3MiOiJodHRwczovL2kiLCJzdWIiOiJzIiwiYXVkIjoic2lnc3RvcmUiLCJleHAiOjQxMDI0NDQ4MDB9.c2ln",
        0,
    )
    .ok()
}

fuzz_target!(|data: &[u8]| {
    let Ok(key) = p256::ecdsa::SigningKey::from_slice(&[7; 32]) else { return };
    let Some(t) = token() else { return };
    let _ = check_fulcio_response(data, key.verifying_key(), &t, 1_700_000_000);
});
