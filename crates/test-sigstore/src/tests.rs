//! What this crate mints verifies with sigil's verifier (`sigil-sigstore`, over
//! `sigstore-verify`), and each fault is rejected for its own reason.

use sigil_sigstore::{
    verify, verify_dsse, Artifact, Bundle as Parsed, BundleSigner, BundleVerifyError, Matcher,
    SignerPolicy, TrustRoot,
};

use super::*;

const REPO: &str = "acme/widget";
const WORKFLOW: &str = ".github/workflows/release.yml";
const REF: &str = "refs/tags/v1.0.0";
const SAN: &str = "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1.0.0";

fn identity() -> Identity {
    Identity::github(REPO, WORKFLOW, REF)
}

fn policy(san: &str, issuer: &str) -> SignerPolicy {
    SignerPolicy::Keyless {
        identity: Matcher::exact(san),
        issuer: Matcher::exact(issuer),
    }
}

fn root(s: &TestSigstore) -> TrustRoot {
    TrustRoot::from_json(&s.trusted_root().to_string()).expect("trusted root parses")
}

fn parse(b: &Bundle) -> Parsed {
    Parsed::parse(b.to_json().as_bytes()).expect("bundle parses")
}

fn check_blob(faults: &[Fault]) -> Result<sigil_sigstore::Verified, BundleVerifyError> {
    let mut s = TestSigstore::new().unwrap();
    let b = s.sign_blob_with(&identity(), b"hello", faults).unwrap();
    verify(
        &root(&s),
        &parse(&b),
        Artifact::Bytes(b"hello"),
        &policy(SAN, GITHUB_ACTIONS_ISSUER),
    )
}

fn check_dsse(faults: &[Fault]) -> Result<sigil_sigstore::Verified, BundleVerifyError> {
    let mut s = TestSigstore::new().unwrap();
    let st = github_provenance("widget.tar.gz", b"widget", REPO, WORKFLOW, REF);
    let b = s.attest_with(&identity(), &st, faults).unwrap();
    verify_dsse(
        &root(&s),
        &parse(&b),
        Artifact::Bytes(b"widget"),
        &policy(SAN, GITHUB_ACTIONS_ISSUER),
    )
    .map(|(v, _, _)| v)
}

#[test]
fn blob_bundle_verifies_with_identity_issuer_and_claims() {
    let v = check_blob(&[]).expect("verifies");
    let BundleSigner::Certificate {
        identity,
        issuer,
        claims,
        not_before,
        not_after,
    } = v.signer
    else {
        panic!("keyless signer expected")
    };
    assert_eq!(identity, SAN);
    assert_eq!(issuer, GITHUB_ACTIONS_ISSUER);
    assert_eq!(not_after.unix - not_before.unix, 600);
    assert_eq!(claims.build_signer_uri.as_deref(), Some(SAN));
    assert_eq!(
        claims.source_repository_uri.as_deref(),
        Some("https://github.com/acme/widget")
    );
    assert_eq!(claims.source_repository_ref.as_deref(), Some(REF));
    assert_eq!(claims.runner_environment.as_deref(), Some("github-hosted"));
    assert_eq!(
        claims.source_repository_visibility.as_deref(),
        Some("public")
    );
    assert_eq!(claims.github_workflow_repository.as_deref(), Some(REPO));
    assert_eq!(v.log_entries.len(), 1);
    assert_eq!(v.log_entries[0].kind, "hashedrekord/0.0.1");
    assert_eq!(v.log_entries[0].log_index, 5);
}

#[test]
fn dsse_bundle_verifies_and_returns_the_statement() {
    let mut s = TestSigstore::new().unwrap();
    let st = github_provenance("widget.tar.gz", b"widget", REPO, WORKFLOW, REF);
    let b = s.attest(&identity(), &st).unwrap();
    let (v, payload_type, payload) = verify_dsse(
        &root(&s),
        &parse(&b),
        Artifact::Bytes(b"widget"),
        &policy(SAN, GITHUB_ACTIONS_ISSUER),
    )
    .expect("verifies");
    assert_eq!(payload_type, IN_TOTO_PAYLOAD_TYPE);
    assert_eq!(payload, st);
    assert_eq!(v.log_entries[0].kind, "dsse/0.0.1");
}

#[test]
fn email_identity_verifies_and_other_artifact_does_not() {
    let mut s = TestSigstore::new().unwrap();
    let id = Identity::email("dev@sigil.test", "https://accounts.sigil.test");
    let b = s.sign_blob(&id, b"hello").unwrap();
    let p = policy("dev@sigil.test", "https://accounts.sigil.test");
    verify(&root(&s), &parse(&b), Artifact::Bytes(b"hello"), &p).expect("verifies");
    let e = verify(&root(&s), &parse(&b), Artifact::Bytes(b"hellp"), &p).unwrap_err();
    assert!(matches!(e, BundleVerifyError::ArtifactMismatch(_)), "{e:?}");
}

#[test]
fn several_bundles_from_one_log_verify() {
    let mut s = TestSigstore::new().unwrap();
    let bundles: Vec<Bundle> = (0..4)
        .map(|i| {
            s.sign_blob(&identity(), format!("a{i}").as_bytes())
                .unwrap()
        })
        .collect();
    for (i, b) in bundles.iter().enumerate() {
        let data = format!("a{i}");
        verify(
            &root(&s),
            &parse(b),
            Artifact::Bytes(data.as_bytes()),
            &policy(SAN, GITHUB_ACTIONS_ISSUER),
        )
        .expect("verifies");
    }
}

#[test]
fn wrong_identity_and_issuer_are_mismatches() {
    let mut s = TestSigstore::new().unwrap();
    let b = s.sign_blob(&identity(), b"hello").unwrap();
    let e = verify(
        &root(&s),
        &parse(&b),
        Artifact::Bytes(b"hello"),
        &policy("https://github.com/evil/widget", GITHUB_ACTIONS_ISSUER),
    )
    .unwrap_err();
    assert!(
        matches!(e, BundleVerifyError::IdentityMismatch { .. }),
        "{e:?}"
    );
    let e = verify(
        &root(&s),
        &parse(&b),
        Artifact::Bytes(b"hello"),
        &policy(SAN, "https://accounts.sigil.test"),
    )
    .unwrap_err();
    assert!(
        matches!(e, BundleVerifyError::IssuerMismatch { .. }),
        "{e:?}"
    );
}

#[test]
fn another_instance_root_does_not_trust_the_bundle() {
    let mut s = TestSigstore::new().unwrap();
    let other = TestSigstore::new().unwrap();
    let b = s.sign_blob(&identity(), b"hello").unwrap();
    let e = verify(
        &root(&other),
        &parse(&b),
        Artifact::Bytes(b"hello"),
        &policy(SAN, GITHUB_ACTIONS_ISSUER),
    )
    .unwrap_err();
    assert!(matches!(e, BundleVerifyError::TransparencyLog(_)), "{e:?}");
}

#[test]
fn each_fault_is_rejected_for_its_cause() {
    for (fault, want) in [
        (Fault::ExpiredCertificate, "certificate"),
        (Fault::CertificateForAnotherKey, "signature"),
        (Fault::EntryForAnotherBody, "artifact"),
        (Fault::BadInclusionProof, "tlog"),
        (Fault::BadSet, "tlog"),
        (Fault::BadCheckpoint, "tlog"),
        (Fault::NoSct, "certificate"),
        (Fault::WrongIdentity, "identity"),
    ] {
        for (kind, r) in [
            ("blob", check_blob(&[fault])),
            ("dsse", check_dsse(&[fault])),
        ] {
            let e = r.expect_err(&format!("{fault:?} {kind} must not verify"));
            let got = match &e {
                BundleVerifyError::Certificate(_) => "certificate",
                BundleVerifyError::SignatureInvalid(_) => "signature",
                BundleVerifyError::ArtifactMismatch(_) => "artifact",
                BundleVerifyError::TransparencyLog(_) => "tlog",
                BundleVerifyError::IdentityMismatch { actual, .. } => {
                    assert_eq!(actual.as_deref(), Some(IMPOSTOR_URI));
                    "identity"
                }
                _ => "other",
            };
            // A DSSE entry for another payload is a log-entry inconsistency, not an artifact
            // mismatch: the envelope itself is about the artifact.
            let want = match (fault, kind) {
                (Fault::EntryForAnotherBody, "dsse") => "tlog",
                _ => want,
            };
            assert_eq!(got, want, "{fault:?} {kind}: {e:?}: {}", chain(&e));
        }
    }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

#[test]
fn timestamped_bundle_verifies_with_both_times_and_a_bad_timestamp_does_not() {
    let mut s = TestSigstore::new().unwrap();
    let mut b = s.sign_blob(&identity(), b"hello").unwrap();
    s.add_timestamp(&mut b, true).unwrap();
    let v = verify(
        &root(&s),
        &parse(&b),
        Artifact::Bytes(b"hello"),
        &policy(SAN, GITHUB_ACTIONS_ISSUER),
    )
    .expect("verifies");
    let times: Vec<i64> = v.verified_times.iter().map(|t| t.unix).collect();
    assert_eq!(times, vec![s.now() + 1, s.now() + 1]);

    s.add_timestamp(&mut b, false).unwrap();
    let e = verify(
        &root(&s),
        &parse(&b),
        Artifact::Bytes(b"hello"),
        &policy(SAN, GITHUB_ACTIONS_ISSUER),
    )
    .unwrap_err();
    assert!(
        matches!(e, BundleVerifyError::Timestamp(_)),
        "{e:?}: {}",
        chain(&e)
    );
}
