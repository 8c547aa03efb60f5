//! OIDC identity token claims and Sigstore signing configs, as the keyless signer reads them.
//! Never a panic; a token's text never appears in an error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Err(e) = sigil_sigstore::sign::IdentityToken::parse(s, 1_700_000_000) {
            let msg = e.to_string();
            assert!(!s.trim().contains('.') || !msg.contains(s.trim()));
        }
    }
    let _ = sigil_sigstore::sign::config::select(data, 1_700_000_000);
});
