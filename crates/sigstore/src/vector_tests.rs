//! The library against the public vectors in `../shared/vectors` (skipped loudly when absent).

use std::path::PathBuf;

use crate::{
    parse_bundles, verify, verify_dsse, Artifact, BundleSigner, BundleVerifyError, Content,
    Matcher, SignerPolicy, TrustRoot,
};

const ID: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const GHA: &str = "https://token.actions.githubusercontent.com";

fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("SIGIL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"));
    if dir.join("vectors").exists() {
        return Some(dir.join("vectors"));
    }
    assert!(
        std::env::var("CI").map_or(true, |v| v != "true"),
        "CI=true but {} is missing",
        dir.display()
    );
    eprintln!("SKIP: {} not found; vector tests skipped", dir.display());
    None
}

fn root(v: &std::path::Path) -> TrustRoot {
    TrustRoot::from_json(&std::fs::read_to_string(v.join("sigstore/trusted_root.json")).unwrap())
        .unwrap()
}

fn keyless(id: &str, issuer: &str) -> SignerPolicy {
    SignerPolicy::Keyless {
        identity: Matcher::exact(id),
        issuer: Matcher::exact(issuer),
    }
}

fn check(file: &str, artifact: &[u8], policy: &SignerPolicy, expect: &str) {
    let Some(v) = shared() else { return };
    let root = root(&v);
    let bundles = parse_bundles(&std::fs::read(v.join(file)).unwrap()).unwrap();
    let got = match verify(&root, &bundles[0], Artifact::Bytes(artifact), policy) {
        Ok(ok) => match ok.signer {
            BundleSigner::Certificate { identity, .. } => format!("ok {identity}"),
            other => format!("ok {other:?}"),
        },
        Err(e) => {
            let mut s = e.to_string();
            if let Some(c) = std::error::Error::source(&e) {
                s = format!("{s}: {c}");
            }
            s
        }
    };
    assert!(
        got.starts_with(expect),
        "{file}: got {got:?}, want prefix {expect:?}"
    );
}

fn a_txt() -> Vec<u8> {
    shared()
        .map(|v| std::fs::read(v.join("sigstore/a.txt")).unwrap())
        .unwrap_or_default()
}

#[test]
fn conformance_vectors_get_their_readme_verdicts() {
    let p = keyless(ID, GHA);
    let a = a_txt();
    check(
        "sigstore/happy-path-v0.1.sigstore.json",
        &a,
        &p,
        &format!("ok {ID}"),
    );
    check(
        "sigstore/happy-path-v0.3.sigstore.json",
        &a,
        &p,
        &format!("ok {ID}"),
    );
    check(
        "sigstore/happy-path-intoto-in-dsse-v3.sigstore.json",
        &a,
        &p,
        &format!("ok {ID}"),
    );
    check(
        "sigstore/signature-mismatch_fail.sigstore.json",
        &a,
        &p,
        "signature does not verify",
    );
    check(
        "sigstore/checkpoint-wrong-roothash_fail.sigstore.json",
        &a,
        &p,
        "transparency log evidence rejected",
    );
    check(
        "sigstore/set-invalid-signature_fail.sigstore.json",
        &a,
        &p,
        "transparency log evidence rejected",
    );
}

#[test]
fn mismatches_are_named() {
    let a = a_txt();
    check(
        "sigstore/happy-path-v0.3.sigstore.json",
        &a,
        &keyless("https://example.com/other", GHA),
        "certificate identity mismatch: expected \"https://example.com/other\", got",
    );
    check("sigstore/happy-path-v0.3.sigstore.json", &a, &keyless(ID, "https://accounts.google.com"), "oidc issuer mismatch: expected \"https://accounts.google.com\", got \"https://token.actions.githubusercontent.com\"");
    check(
        "sigstore/happy-path-v0.3.sigstore.json",
        b"other bytes",
        &keyless(ID, GHA),
        "artifact mismatch",
    );
    check(
        "sigstore/happy-path-intoto-in-dsse-v3.sigstore.json",
        b"other bytes",
        &keyless(ID, GHA),
        "artifact mismatch",
    );
}

#[test]
fn dsse_payload_and_claims_come_back() {
    let Some(v) = shared() else { return };
    let root = root(&v);
    let bundle = &parse_bundles(&std::fs::read(v.join("slsa/MODULE.bazel.intoto.jsonl")).unwrap())
        .unwrap()[0];
    let artifact = std::fs::read(v.join("slsa/MODULE.bazel")).unwrap();
    let policy = SignerPolicy::Keyless {
        identity: Matcher::regex(r"^https://github\.com/bazel-contrib/publish-to-bcr/").unwrap(),
        issuer: Matcher::exact(GHA),
    };
    let (verified, payload_type, payload) =
        verify_dsse(&root, bundle, Artifact::Bytes(&artifact), &policy).unwrap();
    assert_eq!(payload_type, "application/vnd.in-toto+json");
    let statement: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    assert_eq!(statement["predicateType"], "https://slsa.dev/provenance/v1");
    assert!(matches!(verified.content, Content::Dsse { .. }));
    let BundleSigner::Certificate {
        identity,
        issuer,
        claims,
        ..
    } = verified.signer
    else {
        panic!("keyless")
    };
    assert_eq!(identity, "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1");
    assert_eq!(issuer, GHA);
    assert_eq!(claims.build_signer_uri.as_deref(), Some(identity.as_str()));
    assert_eq!(
        claims.source_repository_uri.as_deref(),
        Some("https://github.com/aspect-build/rules_lint")
    );

    // The wrong-signer file: valid signature, valid digest, but the identity is someone else's.
    let wrong = &parse_bundles(
        &std::fs::read(v.join("slsa/MODULE-wrong-signer.bazel.intoto.jsonl")).unwrap(),
    )
    .unwrap()[0];
    match verify_dsse(&root, wrong, Artifact::Bytes(&artifact), &policy) {
        Err(BundleVerifyError::IdentityMismatch { actual, .. }) => assert_eq!(
            actual.as_deref(),
            Some("https://github.com/loosebazooka/aa-test/.github/workflows/malicious_attestation.yaml@refs/heads/main")
        ),
        other => panic!("{other:?}"),
    }
}
