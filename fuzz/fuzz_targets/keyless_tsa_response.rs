//! RFC 3161 `TimeStampResp` DER as the keyless signer checks it (status, imprint, nonce).
//! Never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = sigil_sigstore::sign::tsa::check_response(data, &[3; 32], [4; 8]);
});
