//! Rekor v1 answers to a proposed entry as the keyless signer reads them: the logged body
//! compared with what was proposed, then the bundle entry built from hex and numbers. Never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigil_sigstore::sign::{check_rekor_response, ToSign};

fuzz_target!(|data: &[u8]| {
    let _ = check_rekor_response(data, &ToSign::Digest([1; 32]), b"sig", b"cert");
    let dsse = ToSign::Dsse { payload_type: "application/vnd.in-toto+json", payload: b"{}", subject: [2; 32] };
    let _ = check_rekor_response(data, &dsse, b"sig", b"cert");
});
