//! The HTTP services: tokens, Fulcio's checks, Rekor's checks, the TSA, faults, and a whole
//! keyless flow over the wire that sigil's verifier accepts.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sigil_sigstore::{verify, Artifact, Bundle as Parsed, Matcher, SignerPolicy, TrustRoot};

use super::*;
use crate::service::identity_from_claims;

const SAN: &str = "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1.0.0";

fn identity() -> Identity {
    Identity::github(
        "acme/widget",
        ".github/workflows/release.yml",
        "refs/tags/v1.0.0",
    )
}

fn verified(
    server: &Server,
    bundle: &Value,
    blob: &[u8],
) -> Result<sigil_sigstore::Verified, String> {
    let root = TrustRoot::from_json(&server.sigstore().trusted_root().to_string())
        .map_err(|e| e.to_string())?;
    let parsed = Parsed::parse(bundle.to_string().as_bytes()).map_err(|e| e.to_string())?;
    verify(
        &root,
        &parsed,
        Artifact::Bytes(blob),
        &SignerPolicy::Keyless {
            identity: Matcher::exact(SAN),
            issuer: Matcher::exact(GITHUB_ACTIONS_ISSUER),
        },
    )
    .map_err(|e| format!("{e}: {e:?}"))
}

fn status(e: ClientError) -> (u16, String) {
    match e {
        ClientError::Status {
            status, message, ..
        } => (status, message),
        other => panic!("expected an http status, got {other}"),
    }
}

#[test]
fn github_identity_survives_token_and_fulcio_claims_mapping() {
    let server = Server::start().unwrap();
    let token = server.token(&identity());
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["iss"], GITHUB_ACTIONS_ISSUER);
    assert_eq!(claims["aud"], "sigstore");
    assert_eq!(claims["sub"], "repo:acme/widget:ref:refs/tags/v1.0.0");
    assert_eq!(
        claims["job_workflow_ref"],
        "acme/widget/.github/workflows/release.yml@refs/tags/v1.0.0"
    );
    assert_eq!(claims["runner_environment"], "github-hosted");
    let back = identity_from_claims(&claims).unwrap();
    assert_eq!(back.san, identity().san);
    let mut want = identity().extensions;
    let mut got = back.extensions;
    want.sort();
    got.sort();
    assert_eq!(got, want);
}

#[test]
fn openid_configuration_names_the_jwks() {
    let server = Server::start().unwrap();
    let r = http(
        server.addr(),
        "GET",
        "/.well-known/openid-configuration",
        &[],
        b"",
        Duration::from_secs(5),
    )
    .unwrap();
    assert_eq!(r.status, 200);
    let doc: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(doc["jwks_uri"], format!("{}/jwks", server.url()));
    let r = http(
        server.addr(),
        "GET",
        "/jwks",
        &[],
        b"",
        Duration::from_secs(5),
    )
    .unwrap();
    let jwks: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(jwks["keys"][0]["kty"], "EC");
    assert_eq!(jwks["keys"][0]["alg"], "ES256");
}

#[test]
fn keyless_flow_over_http_verifies_and_a_changed_byte_does_not() {
    let server = Server::start().unwrap();
    let signer = HttpSigner::new(server.addr());
    let bundle = signer
        .sign_blob(&server.token(&identity()), b"hello", true)
        .unwrap();
    let v = verified(&server, &bundle, b"hello").unwrap();
    let sigil_sigstore::BundleSigner::Certificate {
        identity,
        issuer,
        claims,
        not_before,
        not_after,
        ..
    } = v.signer
    else {
        panic!("keyless signer expected")
    };
    assert_eq!(
        (identity.as_str(), issuer.as_str()),
        (SAN, GITHUB_ACTIONS_ISSUER)
    );
    assert_eq!(not_after.unix - not_before.unix, 600);
    assert_eq!(claims.runner_environment.as_deref(), Some("github-hosted"));
    assert_eq!(
        v.verified_times.len(),
        2,
        "integrated time and the tsa timestamp"
    );
    assert_eq!(
        bundle["verificationMaterial"]["tlogEntries"][0]["logIndex"],
        "5"
    );
    assert!(verified(&server, &bundle, b"hellp").is_err());
    // The timestamp alone (no SET) is a signing time sigil accepts.
    let mut ts_only = bundle.clone();
    ts_only["verificationMaterial"]["tlogEntries"][0]
        .as_object_mut()
        .unwrap()
        .remove("inclusionPromise");
    verified(&server, &ts_only, b"hello").unwrap();
}

#[test]
fn fulcio_refuses_bad_tokens_and_proofs() {
    let server = Server::start().unwrap();
    let signer = HttpSigner::new(server.addr());
    let good = server.token(&identity());

    let expired = server.token_with(&identity(), 1_000, 2_000);
    assert_eq!(
        status(signer.signing_cert(&expired).unwrap_err()),
        (401, "identity token has expired".into())
    );

    // Claims changed after signing: the signature no longer covers them.
    let parts: Vec<&str> = good.split('.').collect();
    let mut claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap();
    claims["job_workflow_ref"] = json!("evil/widget/.github/workflows/release.yml@refs/heads/main");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(claims.to_string()),
        parts[2]
    );
    assert_eq!(
        status(signer.signing_cert(&forged).unwrap_err()),
        (401, "identity token signature is invalid".into())
    );

    // A token from another issuer key (another server).
    let other = Server::start().unwrap();
    let foreign = other.token(&identity());
    assert_eq!(
        status(signer.signing_cert(&foreign).unwrap_err()),
        (401, "identity token signature is invalid".into())
    );

    // The proof of possession signs another subject.
    let req = signer.signing_cert_request(&good, "someone-else");
    assert_eq!(
        status(signer.post_signing_cert(&req).unwrap_err()),
        (400, "proof of possession is invalid".into())
    );
}

#[test]
fn rekor_refuses_a_signature_the_certificate_does_not_verify() {
    let server = Server::start().unwrap();
    server.set_faults(&[ServiceFault::CertificateForAnotherKey]);
    let signer = HttpSigner::new(server.addr());
    let err = signer
        .sign_blob(&server.token(&identity()), b"hello", false)
        .unwrap_err();
    assert_eq!(
        status(err),
        (
            400,
            "signature does not verify against the certificate".into()
        )
    );
    let r = http(
        server.addr(),
        "GET",
        "/api/v1/log",
        &[],
        b"",
        Duration::from_secs(5),
    )
    .unwrap();
    let log: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(log["treeSize"], 5, "nothing was appended");
}

#[test]
fn faults_switch_on_and_off_while_running() {
    let server = Server::start().unwrap();
    let signer = HttpSigner::new(server.addr());
    let token = server.token(&identity());
    server.set_faults(&[ServiceFault::Http500(Service::Fulcio)]);
    assert_eq!(
        status(signer.sign_blob(&token, b"hello", false).unwrap_err()),
        (500, "injected fault".into())
    );
    server.set_faults(&[]);
    let b = signer.sign_blob(&token, b"hello", false).unwrap();
    verified(&server, &b, b"hello").unwrap();

    for (fault, want) in [
        (ServiceFault::WrongIdentity, "certificate identity mismatch"),
        (ServiceFault::ExpiredCertificate, "CertExpired"),
        (
            ServiceFault::EntryForAnotherBody,
            "artifact hash mismatch for hashedrekord entry",
        ),
        (ServiceFault::BadInclusionProof, "root hash mismatch"),
        (ServiceFault::BadSet, "SET verification failed"),
    ] {
        server.set_faults(&[fault]);
        let b = signer.sign_blob(&token, b"hello", false).unwrap();
        let err = verified(&server, &b, b"hello").unwrap_err();
        assert!(err.contains(want), "{fault:?}: {err}");
    }

    server.set_faults(&[ServiceFault::BadTimestamp]);
    let mut b = signer.sign_blob(&token, b"hello", true).unwrap();
    b["verificationMaterial"]["tlogEntries"][0]
        .as_object_mut()
        .unwrap()
        .remove("inclusionPromise");
    let err = verified(&server, &b, b"hello").unwrap_err();
    assert!(err.contains("Timestamp message hash mismatch"), "{err}");
}

#[test]
fn a_stall_outlasts_a_client_timeout_and_ends() {
    let server = Server::start().unwrap();
    server.set_faults(&[ServiceFault::Stall(Service::Rekor, Duration::from_secs(2))]);
    let mut signer = HttpSigner::new(server.addr());
    signer.timeout = Duration::from_millis(500);
    let token = server.token(&identity());
    let start = Instant::now();
    let err = signer.sign_blob(&token, b"hello", false).unwrap_err();
    assert!(
        matches!(err, ClientError::Io { ref path, .. } if path == "/api/v1/log/entries"),
        "{err}"
    );
    assert!(start.elapsed() < Duration::from_secs(2));
    // A stall longer than MAX_STALL is cut to it.
    assert_eq!(MAX_STALL, Duration::from_secs(30));
}

#[test]
fn timestamp_request_parses_with_imprint_and_nonce() {
    let req = timestamp_request(b"sig");
    let (digest, nonce) = parse_timestamp_request(&req).unwrap();
    assert_eq!(digest, sha256(b"sig"));
    assert_eq!(
        nonce.unwrap(),
        vec![0x02, 0x08, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]
    );
    assert!(parse_timestamp_request(&req[..req.len() - 3]).is_none());
    assert!(parse_timestamp_request(b"").is_none());
}

#[test]
fn email_identity_gets_an_email_certificate_over_http() {
    let server = Server::start().unwrap();
    let id = Identity::email("alice@sigil.test", "https://oauth2.sigil.test/auth");
    let signer = HttpSigner::new(server.addr());
    let bundle = signer
        .sign_blob(&server.token(&id), b"hello", false)
        .unwrap();
    let root = TrustRoot::from_json(&server.sigstore().trusted_root().to_string()).unwrap();
    let parsed = Parsed::parse(bundle.to_string().as_bytes()).unwrap();
    let policy = |who: &str| SignerPolicy::Keyless {
        identity: Matcher::exact(who),
        issuer: Matcher::exact("https://oauth2.sigil.test/auth"),
    };
    verify(
        &root,
        &parsed,
        Artifact::Bytes(b"hello"),
        &policy("alice@sigil.test"),
    )
    .unwrap();
    assert!(verify(
        &root,
        &parsed,
        Artifact::Bytes(b"hello"),
        &policy("bob@sigil.test")
    )
    .is_err());
}

#[test]
fn trust_files_name_the_server_and_a_dropped_server_stops_listening() {
    let server = Server::start().unwrap();
    let addr = server.addr();
    let base = server.url();
    let config = server.sigstore().signing_config();
    assert_eq!(config["caUrls"][0]["url"], base);
    assert_eq!(config["oidcUrls"][0]["url"], base);
    assert_eq!(config["rekorTlogUrls"][0]["url"], base);
    assert_eq!(
        config["tsaUrls"][0]["url"],
        format!("{base}/api/v1/timestamp")
    );
    assert_eq!(
        server.sigstore().trusted_root()["tlogs"][0]["baseUrl"],
        base
    );
    drop(server);
    assert!(std::net::TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err());
}
