//! The signer against the test Sigstore's HTTP services (127.0.0.1), through a std::net
//! transport: both kinds of bundle verify, and each lying service is refused with its reason.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use sigil_test_sigstore::{Identity, Server, ServiceFault};

use super::*;

struct StdTransport(std::net::SocketAddr);

impl Transport for StdTransport {
    fn post(
        &mut self,
        _s: Service,
        url: &str,
        ctype: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, TransportError> {
        let path = url
            .split_once("//")
            .and_then(|(_, r)| r.find('/').map(|i| r[i..].to_owned()))
            .unwrap();
        let r = sigil_test_sigstore::http(
            self.0,
            "POST",
            &path,
            &[("Content-Type", ctype)],
            body,
            Duration::from_secs(10),
        )
        .map_err(|e| TransportError::new(url, None, e.to_string()))?;
        if r.status >= 300 {
            return Err(TransportError::new(
                url,
                Some(r.status),
                format!("http {}", r.status),
            ));
        }
        Ok(r.body)
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn setup() -> (Server, Services, TrustRoot, IdentityToken) {
    let server = Server::start().unwrap();
    let root = TrustRoot::from_json(&server.sigstore().trusted_root().to_string()).unwrap();
    let services = config::select(
        server.sigstore().signing_config().to_string().as_bytes(),
        now(),
    )
    .unwrap();
    let id = Identity::github(
        "acme/widget",
        ".github/workflows/release.yml",
        "refs/tags/v1.0.0",
    );
    let token = IdentityToken::parse(&server.token(&id), now()).unwrap();
    (server, services, root, token)
}

fn sign_with(faults: &[ServiceFault], what: ToSign<'_>) -> Result<Signed, KeylessError> {
    let (server, services, root, token) = setup();
    server.set_faults(faults);
    let mut t = StdTransport(server.addr());
    let mut s = Session::start(
        &mut t,
        &services,
        &root,
        &token,
        &mut rand_core::OsRng,
        now(),
    )?;
    s.sign(what, [9; 8])
}

#[test]
fn message_and_dsse_bundles_are_made_and_verified() {
    let s = sign_with(&[], ToSign::Digest([5; 32])).unwrap();
    assert_eq!(
        s.identity,
        "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1.0.0"
    );
    assert_eq!(s.issuer, token::GITHUB_ACTIONS_ISSUER);
    assert_eq!(s.timestamps, 1);
    assert_eq!(s.log_indexes.len(), 1);
    let statement = serde_json::json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{ "name": "w", "digest": { "sha256": hex(&[6; 32]) } }],
        "predicateType": "https://example.com/p",
        "predicate": {},
    })
    .to_string();
    let d = sign_with(
        &[],
        ToSign::Dsse {
            payload_type: IN_TOTO,
            payload: statement.as_bytes(),
            subject: [6; 32],
        },
    )
    .unwrap();
    let b: Value = serde_json::from_slice(&d.bundle).unwrap();
    assert_eq!(
        b["verificationMaterial"]["tlogEntries"][0]["kindVersion"]["kind"],
        "dsse"
    );
}

#[test]
fn each_lying_service_is_refused_with_its_reason() {
    for (fault, reason) in [
        (
            ServiceFault::CertificateForAnotherKey,
            "certificate-for-another-key",
        ),
        (ServiceFault::WrongIdentity, "certificate-identity-mismatch"),
        (
            ServiceFault::ExpiredCertificate,
            "certificate-not-valid-now",
        ),
        (ServiceFault::EntryForAnotherBody, "log-entry-mismatch"),
        (ServiceFault::BadInclusionProof, "tlog-rejected"),
        (ServiceFault::BadSet, "tlog-rejected"),
        (ServiceFault::BadTimestamp, "timestamp-mismatch"),
        (
            ServiceFault::Http500(sigil_test_sigstore::Service::Rekor),
            "service-failed",
        ),
    ] {
        let e = sign_with(&[fault], ToSign::Digest([5; 32])).unwrap_err();
        assert_eq!(e.reason().code(), reason, "{fault:?}: {e}");
    }
}

#[test]
fn rekor_answer_must_be_for_our_signature_and_certificate() {
    let (server, services, root, token) = setup();
    let mut t = StdTransport(server.addr());
    let s = Session::start(
        &mut t,
        &services,
        &root,
        &token,
        &mut rand_core::OsRng,
        now(),
    )
    .unwrap();
    let cert = s.chain[0].clone();
    drop(s);
    let d = [5u8; 32];
    let entry = |sig: &[u8], cert: &[u8]| {
        let body = proposed_entry(&ToSign::Digest(d), sig, cert).to_string();
        serde_json::json!({ "u": {
            "body": B64.encode(body), "integratedTime": 1, "logID": "00", "logIndex": 0,
            "verification": { "signedEntryTimestamp": "", "inclusionProof": {
                "checkpoint": "c", "hashes": [], "logIndex": 0, "rootHash": "00", "treeSize": 1 } } } })
        .to_string()
    };
    assert!(check_rekor_response(
        entry(b"sig", &cert).as_bytes(),
        &ToSign::Digest(d),
        b"sig",
        &cert
    )
    .is_ok());
    let e = check_rekor_response(
        entry(b"other", &cert).as_bytes(),
        &ToSign::Digest(d),
        b"sig",
        &cert,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "rekor logged another entry than proposed: the entry holds another signature"
    );
    let e = check_rekor_response(
        entry(b"sig", b"x").as_bytes(),
        &ToSign::Digest(d),
        b"sig",
        &cert,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "rekor logged another entry than proposed: the entry holds another certificate"
    );
    let e = check_rekor_response(b"{}", &ToSign::Digest(d), b"sig", &cert).unwrap_err();
    assert_eq!(e.reason(), KeylessReason::ServiceAnswerMalformed);
}
