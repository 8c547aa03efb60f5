//! Keyless verification against a Sigstore of our own (`sigil-test-sigstore`): bundles minted
//! by our CA and log verify with `sigil verify --bundle` and `sigil verify-attestation`, and with
//! sigstore-python offline; each fault the test instance can build in (expired certificate,
//! certificate for another key, log entry for another body, bad inclusion proof, bad SET) is
//! "not verified" (exit 1) with a message naming the cause; and provenance whose runner or
//! repository disagrees with the certificate's Fulcio extensions is refused.

use std::path::{Path, PathBuf};

use sigil_test_sigstore::{
    github_provenance, Bundle, Fault, Identity, TestSigstore, TrustFiles, GITHUB_ACTIONS_ISSUER,
};

use crate::support::{self, json_doc, sigil};

const REPO: &str = "acme/widget";
const WORKFLOW: &str = ".github/workflows/release.yml";
const REF: &str = "refs/tags/v1.0.0";
const SAN: &str = "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1.0.0";
const RUNNER_BUILDER: &str = "https://github.com/actions/runner/github-hosted";
const ARTIFACT: &[u8] = b"widget 1.0.0 release archive\n";

struct Instance {
    dir: tempfile::TempDir,
    sigstore: TestSigstore,
    trust: TrustFiles,
    artifact: PathBuf,
}

fn instance() -> Instance {
    let dir = tempfile::tempdir().unwrap();
    let sigstore = TestSigstore::new().unwrap();
    let trust = sigstore.write_trust_files(dir.path()).unwrap();
    let artifact = dir.path().join("widget.tar.gz");
    std::fs::write(&artifact, ARTIFACT).unwrap();
    Instance {
        dir,
        sigstore,
        trust,
        artifact,
    }
}

fn identity() -> Identity {
    Identity::github(REPO, WORKFLOW, REF)
}

fn write(dir: &Path, name: &str, b: &Bundle) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, b.to_json()).unwrap();
    p
}

/// `sigil [--format json] verify --bundle B --trusted-root R` with the identity flags.
fn verify(
    i: &Instance,
    bundle: &Path,
    id: &str,
    json: bool,
) -> (i32, String, String, std::process::Output) {
    let mut c = sigil();
    if json {
        c.args(["--format", "json"]);
    }
    let out = c
        .args(["verify", "--bundle"])
        .arg(bundle)
        .arg("--trusted-root")
        .arg(&i.trust.trusted_root)
        .args([
            "--certificate-identity",
            id,
            "--certificate-oidc-issuer",
            GITHUB_ACTIONS_ISSUER,
        ])
        .arg(&i.artifact)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out,
    )
}

#[test]
fn testca_blob_bundle_verifies_and_another_identity_is_refused() {
    let mut i = instance();
    let b = i.sigstore.sign_blob(&identity(), ARTIFACT).unwrap();
    let bundle = write(i.dir.path(), "widget.sigstore.json", &b);

    let (code, out, err, _) = verify(&i, &bundle, SAN, false);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!(
            "verified {} with Sigstore bundle {} (message-signature)\nidentity: {SAN}\nissuer: {GITHUB_ACTIONS_ISSUER}\nlog index: 5 (hashedrekord/0.0.1)\nintegrated time: ",
            i.artifact.display(),
            bundle.display()
        )),
        "{out}"
    );
    assert_eq!(err, "");

    let (code, _, _, out) = verify(&i, &bundle, SAN, true);
    assert_eq!(code, 0);
    let doc = json_doc(&out);
    assert_eq!(doc["status"], "verified");
    assert_eq!(doc["result"]["signer"]["identity"], SAN);
    assert_eq!(
        doc["result"]["signer"]["claims"]["source-repository-uri"],
        "https://github.com/acme/widget"
    );
    assert_eq!(
        doc["result"]["media_type"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );

    // sigstore-python's client trust config serves as the trusted root too.
    let out = sigil()
        .args(["verify", "--bundle"])
        .arg(&bundle)
        .arg("--trusted-root")
        .arg(&i.trust.client_trust_config)
        .args([
            "--certificate-identity",
            SAN,
            "--certificate-oidc-issuer",
            GITHUB_ACTIONS_ISSUER,
        ])
        .arg(&i.artifact)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let other = "https://github.com/evil/widget/.github/workflows/release.yml@refs/tags/v1.0.0";
    let (code, out, err, _) = verify(&i, &bundle, other, false);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out, "");
    assert_eq!(
        err,
        format!(
            "error: {}: certificate identity mismatch: expected {other:?}, got {SAN:?}\n",
            bundle.display()
        )
    );
    let (code, _, _, out) = verify(&i, &bundle, other, true);
    assert_eq!(code, 1);
    let doc = json_doc(&out);
    assert_eq!(doc["error"]["details"]["reason"], "identity-mismatch");
    assert_eq!(doc["error"]["details"]["actual"], SAN);
}

#[test]
fn testca_dsse_provenance_bundle_verifies_as_an_attestation() {
    let mut i = instance();
    let statement = github_provenance("widget.tar.gz", ARTIFACT, REPO, WORKFLOW, REF);
    let b = i.sigstore.attest(&identity(), &statement).unwrap();
    let bundle = write(i.dir.path(), "widget.intoto.sigstore.json", &b);

    let run = |id: &str| {
        let out = sigil()
            .arg("verify-attestation")
            .arg(&i.artifact)
            .arg("--attestation")
            .arg(&bundle)
            .arg("--trusted-root")
            .arg(&i.trust.trusted_root)
            .args([
                "--certificate-identity",
                id,
                "--certificate-oidc-issuer",
                GITHUB_ACTIONS_ISSUER,
                // attest-build-provenance names the runner as builder; sigil then requires
                // the provenance's source, ref, commit, workflow and run to equal the
                // certificate's Fulcio extensions.
                "--builder-id",
                RUNNER_BUILDER,
            ])
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(SAN);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("predicate type: https://slsa.dev/provenance/v1"),
        "{out}"
    );
    assert!(
        out.contains(&format!("signer: {SAN} (issuer {GITHUB_ACTIONS_ISSUER})")),
        "{out}"
    );
    assert!(
        out.contains(&format!("  builder: {RUNNER_BUILDER}\n")),
        "{out}"
    );
    assert!(
        out.contains("  source: https://github.com/acme/widget @ refs/tags/v1.0.0 (commit 0123456789abcdef0123456789abcdef01234567)\n"),
        "{out}"
    );

    // The same bundle through `sigil verify --bundle` (DSSE content).
    let (code, out, err, _) = verify(&i, &bundle, SAN, false);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(dsse)\n"), "{out}");

    let other = "https://github.com/evil/widget/.github/workflows/release.yml@refs/tags/v1.0.0";
    let (code, out, err) = run(other);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out, "");
    assert_eq!(
        err,
        format!(
            "error: {} (document): certificate identity mismatch: expected {other:?}, got {SAN:?}\n",
            bundle.display()
        )
    );
}

#[test]
fn sigstore_python_verifies_a_testca_bundle_offline_and_rejects_a_changed_byte() {
    let Some(sigstore) = support::tool("sigstore") else {
        return;
    };
    let mut i = instance();
    let b = i.sigstore.sign_blob(&identity(), ARTIFACT).unwrap();
    let bundle = write(i.dir.path(), "widget.sigstore.json", &b);
    let run = |file: &Path| {
        std::process::Command::new(&sigstore)
            .arg("--trust-config")
            .arg(&i.trust.client_trust_config)
            .args(["verify", "identity", "--offline", "--bundle"])
            .arg(&bundle)
            .args([
                "--cert-identity",
                SAN,
                "--cert-oidc-issuer",
                GITHUB_ACTIONS_ISSUER,
            ])
            .arg(file)
            .output()
            .unwrap()
    };
    let out = run(&i.artifact);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(&format!("OK: {}", i.artifact.display())),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut changed = ARTIFACT.to_vec();
    changed[0] ^= 0x20;
    let other = i.dir.path().join("changed.tar.gz");
    std::fs::write(&other, &changed).unwrap();
    std::fs::copy(&bundle, i.dir.path().join("changed.tar.gz.sigstore.json")).unwrap();
    let out = run(&other);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("FAIL"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A bundle whose only signing time is an RFC 3161 timestamp from the test TSA (the log
/// entry keeps its inclusion proof and checkpoint but loses its SET), with a good or a bad
/// timestamp.
fn timestamp_only_bundle(i: &mut Instance, good: bool) -> (PathBuf, Vec<u8>) {
    let mut b = i.sigstore.sign_blob(&identity(), ARTIFACT).unwrap();
    i.sigstore.add_timestamp(&mut b, good).unwrap();
    b.json["verificationMaterial"]["tlogEntries"][0]
        .as_object_mut()
        .unwrap()
        .remove("inclusionPromise");
    (write(i.dir.path(), "widget.sigstore.json", &b), b.signature)
}

fn sigstore_python(sigstore: &Path, i: &Instance, bundle: &Path) -> std::process::Output {
    std::process::Command::new(sigstore)
        .arg("--trust-config")
        .arg(&i.trust.client_trust_config)
        .args(["verify", "identity", "--offline", "--bundle"])
        .arg(bundle)
        .args([
            "--cert-identity",
            SAN,
            "--cert-oidc-issuer",
            GITHUB_ACTIONS_ISSUER,
        ])
        .arg(&i.artifact)
        .output()
        .unwrap()
}

#[test]
fn testca_timestamp_is_the_signing_time_for_sigil_and_sigstore_python() {
    let mut i = instance();
    let (bundle, _) = timestamp_only_bundle(&mut i, true);
    let (code, _, err, out) = verify(&i, &bundle, SAN, true);
    assert_eq!(code, 0, "{err}");
    let doc = json_doc(&out);
    assert_eq!(doc["status"], "verified");
    if let Some(sigstore) = support::tool("sigstore") {
        let out = sigstore_python(&sigstore, &i, &bundle);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // A timestamp over other bytes than the signature is no signing time at all.
    let (bundle, signature) = timestamp_only_bundle(&mut i, false);
    let (code, out, err, _) = verify(&i, &bundle, SAN, false);
    assert_eq!(code, 1, "{out}");
    let mut stamped = signature.clone();
    stamped.push(0);
    assert_eq!(
        err,
        format!(
            "error: {}: timestamp rejected: invalid RFC 3161 timestamp: TSA timestamp verification failed: Timestamp message hash mismatch: expected {}, got {}\n",
            bundle.display(),
            hex(&sigil_test_sigstore::sha256(&stamped)),
            hex(&sigil_test_sigstore::sha256(&signature))
        )
    );
    if let Some(sigstore) = support::tool("sigstore") {
        let out = sigstore_python(&sigstore, &i, &bundle);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("not enough sources of verified time"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Builds a blob bundle with `fault`, runs `sigil verify` in both formats, and checks exit 1,
/// the whole human message (`message` gets the bundle and the issuing time) and the JSON reason.
fn fault_is_not_verified(fault: Fault, reason: &str, message: impl Fn(&Bundle, i64) -> String) {
    let mut i = instance();
    let b = i
        .sigstore
        .sign_blob_with(&identity(), ARTIFACT, &[fault])
        .unwrap();
    let bundle = write(i.dir.path(), "widget.sigstore.json", &b);
    let (code, out, err, _) = verify(&i, &bundle, SAN, false);
    assert_eq!(code, 1, "{fault:?}: {out}");
    assert_eq!(out, "");
    assert_eq!(
        err,
        format!(
            "error: {}: {}\n",
            bundle.display(),
            message(&b, i.sigstore.now())
        ),
        "{fault:?}"
    );
    let (code, _, _, out) = verify(&i, &bundle, SAN, true);
    assert_eq!(code, 1);
    let doc = json_doc(&out);
    assert_eq!(doc["status"], "not-verified");
    assert_eq!(doc["error"]["details"]["reason"], reason, "{fault:?}");
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn expired_certificate_is_not_verified() {
    // The leaf expired ten minutes before the entry was integrated (at `now + 1`).
    fault_is_not_verified(
        Fault::ExpiredCertificate,
        "certificate-rejected",
        |_, now| {
            format!(
            "certificate rejected: certificate chain is invalid: certificate chain validation failed: CertExpired {{ time: UnixTime({}), not_after: UnixTime({}) }}",
            now + 1,
            now - 600
        )
        },
    );
}

#[test]
fn certificate_for_another_key_is_not_verified() {
    fault_is_not_verified(
        Fault::CertificateForAnotherKey,
        "signature-invalid",
        |_, _| {
            "signature does not verify: signature verification failed: Verification error: ECDSA_P256_SHA256 signature invalid".to_owned()
        },
    );
}

#[test]
fn log_entry_for_another_body_is_not_verified() {
    fault_is_not_verified(Fault::EntryForAnotherBody, "artifact-mismatch", |_, _| {
        "artifact mismatch: artifact hash mismatch for hashedrekord entry".to_owned()
    });
}

#[test]
fn bad_inclusion_proof_is_not_verified() {
    // The proof no longer leads to the checkpoint's root; the computed root is whatever the
    // altered path gives, recomputed here the way RFC 6962 does.
    fault_is_not_verified(Fault::BadInclusionProof, "tlog-rejected", |b, _| {
        let e = &b.entry;
        let computed = sigil_test_sigstore::root_from_inclusion_path(
            e.log_index,
            e.tree_size,
            sigil_test_sigstore::leaf_hash(&e.body),
            &e.hashes,
        )
        .unwrap();
        format!(
            "transparency log evidence rejected: invalid inclusion proof: inclusion proof verification failed: root hash mismatch: expected {}, computed {}",
            hex(&e.root_hash),
            hex(&computed)
        )
    });
}

#[test]
fn bad_set_is_not_verified() {
    fault_is_not_verified(Fault::BadSet, "tlog-rejected", |_, _| {
        "transparency log evidence rejected: invalid inclusion promise: SET verification failed: Verification error: ECDSA_P256_SHA256 signature invalid".to_owned()
    });
}

/// `verify-attestation` of a provenance bundle signed by `id`, with `--builder-id` the GitHub
/// runner and the identity flags of `id`.
fn verify_provenance(
    i: &mut Instance,
    id: &Identity,
    statement: &[u8],
) -> (i32, String, String, PathBuf) {
    let b = i.sigstore.attest(id, statement).unwrap();
    let bundle = write(i.dir.path(), "widget.intoto.sigstore.json", &b);
    let out = sigil()
        .arg("verify-attestation")
        .arg(&i.artifact)
        .arg("--attestation")
        .arg(&bundle)
        .arg("--trusted-root")
        .arg(&i.trust.trusted_root)
        .args([
            "--certificate-identity",
            id.san.as_str(),
            "--certificate-oidc-issuer",
            GITHUB_ACTIONS_ISSUER,
            "--builder-id",
            RUNNER_BUILDER,
        ])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        bundle,
    )
}

#[test]
fn self_hosted_runner_certificate_cannot_claim_the_github_hosted_builder() {
    let mut i = instance();
    let id = identity().with_extension(sigil_test_sigstore::oid::RUNNER_ENVIRONMENT, "self-hosted");
    let statement = github_provenance("widget.tar.gz", ARTIFACT, REPO, WORKFLOW, REF);
    let (code, out, err, bundle) = verify_provenance(&mut i, &id, &statement);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out, "");
    assert_eq!(
        err,
        format!(
            "error: {} (document): provenance runner environment \"github-hosted\" does not match the certificate's \"self-hosted\"\n",
            bundle.display()
        )
    );
}

#[test]
fn provenance_from_another_repository_than_the_certificate_is_refused() {
    let mut i = instance();
    // Signed by evil/widget's workflow, claiming to be acme/widget's build.
    let id = Identity::github("evil/widget", WORKFLOW, REF);
    let statement = github_provenance("widget.tar.gz", ARTIFACT, REPO, WORKFLOW, REF);
    let (code, out, err, bundle) = verify_provenance(&mut i, &id, &statement);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out, "");
    // Every certificate fact that disagrees is reported (trigger and dependency repository,
    // workflow, run), not only the first.
    assert_eq!(
        err,
        format!(
            "error: {} (document): {}\n",
            bundle.display(),
            [
                r#"provenance repository "https://github.com/acme/widget" does not match the certificate's "https://github.com/evil/widget""#,
                r#"provenance repository "https://github.com/acme/widget" does not match the certificate's "https://github.com/evil/widget""#,
                r#"provenance workflow "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1.0.0" does not match the certificate's "https://github.com/evil/widget/.github/workflows/release.yml@refs/tags/v1.0.0""#,
                r#"provenance invocation id "https://github.com/acme/widget/actions/runs/1/attempts/1" does not match the certificate's "https://github.com/evil/widget/actions/runs/1/attempts/1""#,
            ]
            .join("; ")
        )
    );
}

#[test]
fn dsse_log_entry_for_another_payload_is_not_verified() {
    let mut i = instance();
    let statement = github_provenance("widget.tar.gz", ARTIFACT, REPO, WORKFLOW, REF);
    let b = i
        .sigstore
        .attest_with(&identity(), &statement, &[Fault::EntryForAnotherBody])
        .unwrap();
    let bundle = write(i.dir.path(), "widget.intoto.sigstore.json", &b);
    let mut other = statement.clone();
    other.push(b' ');
    let (code, out, err, _) = verify(&i, &bundle, SAN, false);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out, "");
    assert_eq!(
        err,
        format!(
            "error: {}: transparency log evidence rejected: log entry does not match the bundle: DSSE payload hash mismatch: computed {}, expected {}\n",
            bundle.display(),
            hex(&sigil_test_sigstore::sha256(&statement)),
            hex(&sigil_test_sigstore::sha256(&other))
        )
    );
}

#[test]
fn certificate_for_another_identity_is_not_verified() {
    fault_is_not_verified(Fault::WrongIdentity, "identity-mismatch", |_, _| {
        format!(
            "certificate identity mismatch: expected {SAN:?}, got {:?}",
            sigil_test_sigstore::IMPOSTOR_URI
        )
    });
}
