//! Keyless signing against a Sigstore of our own served on 127.0.0.1 (`sigil_test_sigstore::
//! Server`: OIDC issuer, Fulcio, Rekor v1, TSA). A client nobody here wrote (sigstore-python)
//! signs and attests through the services, and both sigil and sigstore-python accept the
//! bundle offline and refuse a changed byte. Bundles made while a service lies (an impostor
//! certificate, an expired certificate, a log entry for another body, a bad inclusion proof or
//! SET, a timestamp over other bytes) are "not verified" with the cause named. A failing
//! Fulcio, or Rekor refusing a signature its certificate does not verify, leaves no bundle; a
//! stalled service ends the signer's request at its timeout.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use sigil_test_sigstore::{
    root_from_inclusion_path, Identity, Server, Service, ServiceFault, TrustFiles,
    GITHUB_ACTIONS_ISSUER, IMPOSTOR_URI,
};

use crate::support::{self, json_doc, sigil};

const SAN: &str = "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1.0.0";
const ARTIFACT: &[u8] = b"widget 1.0.0 release archive\n";

struct Local {
    dir: tempfile::TempDir,
    server: Server,
    trust: TrustFiles,
    artifact: PathBuf,
}

fn local() -> Local {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start().unwrap();
    let trust = server.write_trust_files(dir.path()).unwrap();
    let artifact = dir.path().join("widget.tar.gz");
    std::fs::write(&artifact, ARTIFACT).unwrap();
    Local {
        dir,
        server,
        trust,
        artifact,
    }
}

fn identity() -> Identity {
    Identity::github(
        "acme/widget",
        ".github/workflows/release.yml",
        "refs/tags/v1.0.0",
    )
}

/// `sigil [--format json] verify --bundle B --trusted-root R` with the identity flags:
/// (exit code, stdout, stderr, output).
fn sigil_verify(
    l: &Local,
    bundle: &Path,
    file: &Path,
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
        .arg(&l.trust.trusted_root)
        .args([
            "--certificate-identity",
            SAN,
            "--certificate-oidc-issuer",
            GITHUB_ACTIONS_ISSUER,
        ])
        .arg(file)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out,
    )
}

/// `sigstore --trust-config TC sign --identity-token T --bundle B FILE`.
fn python_sign(sigstore: &Path, l: &Local, bundle: &Path) -> std::process::Output {
    std::process::Command::new(sigstore)
        .arg("--trust-config")
        .arg(&l.trust.client_trust_config)
        .args(["sign", "--identity-token"])
        .arg(l.server.token(&identity()))
        .arg("--bundle")
        .arg(bundle)
        .arg(&l.artifact)
        .output()
        .unwrap()
}

/// `sigstore --trust-config TC verify identity --offline --bundle B ... FILE`.
fn python_verify(sigstore: &Path, l: &Local, bundle: &Path, file: &Path) -> std::process::Output {
    std::process::Command::new(sigstore)
        .arg("--trust-config")
        .arg(&l.trust.client_trust_config)
        .args(["verify", "identity", "--offline", "--bundle"])
        .arg(bundle)
        .args([
            "--cert-identity",
            SAN,
            "--cert-oidc-issuer",
            GITHUB_ACTIONS_ISSUER,
        ])
        .arg(file)
        .output()
        .unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn write_bundle(l: &Local, bundle: &Value) -> PathBuf {
    let p = l.dir.path().join("widget.tar.gz.sigstore.json");
    std::fs::write(&p, serde_json::to_vec_pretty(bundle).unwrap()).unwrap();
    p
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn b64(v: &Value) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(v.as_str().unwrap())
        .unwrap()
}

#[test]
fn sigstore_python_signs_with_local_services_and_both_verifiers_accept_it() {
    let Some(sigstore) = support::tool("sigstore") else {
        return;
    };
    let l = local();
    let bundle = l.dir.path().join("widget.tar.gz.sigstore.json");
    let out = python_sign(&sigstore, &l, &bundle);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    let entry = &doc["verificationMaterial"]["tlogEntries"][0];
    assert_eq!(entry["kindVersion"]["kind"], "hashedrekord");
    assert_eq!(
        entry["logIndex"], "5",
        "the log is prefilled with five entries"
    );
    assert_eq!(
        doc["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
            .as_array()
            .map(Vec::len),
        Some(1),
        "sigstore-python asked our TSA"
    );

    let (code, out, err, _) = sigil_verify(&l, &bundle, &l.artifact, false);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(&format!(
            "verified {} with Sigstore bundle {} (message-signature)\nidentity: {SAN}\nissuer: {GITHUB_ACTIONS_ISSUER}\nlog index: 5 (hashedrekord/0.0.1)\n",
            l.artifact.display(),
            bundle.display()
        )),
        "{out}"
    );
    let out = python_verify(&sigstore, &l, &bundle, &l.artifact);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("OK: {}", l.artifact.display())),
        "{}",
        stderr(&out)
    );

    // One byte changed: both refuse.
    let mut changed = ARTIFACT.to_vec();
    changed[0] ^= 0x20;
    let other = l.dir.path().join("changed.tar.gz");
    std::fs::write(&other, &changed).unwrap();
    let (code, out, err, _) = sigil_verify(&l, &bundle, &other, false);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out, "");
    assert_eq!(
        err,
        format!(
            "error: {}: artifact mismatch: message digest in bundle does not match artifact hash\n",
            bundle.display()
        )
    );
    let (code, _, _, out) = sigil_verify(&l, &bundle, &other, true);
    assert_eq!(code, 1);
    let doc = json_doc(&out);
    assert_eq!(doc["status"], "not-verified");
    assert_eq!(doc["error"]["details"]["reason"], "artifact-mismatch");
    let out = python_verify(&sigstore, &l, &bundle, &other);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("FAIL: {}", other.display())),
        "{}",
        stderr(&out)
    );
}

#[test]
fn impostor_certificate_from_the_local_fulcio_is_refused_by_both_verifiers() {
    let Some(sigstore) = support::tool("sigstore") else {
        return;
    };
    let l = local();
    l.server.set_faults(&[ServiceFault::WrongIdentity]);
    let bundle = l.dir.path().join("widget.tar.gz.sigstore.json");
    let out = python_sign(&sigstore, &l, &bundle);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let (code, out, err, _) = sigil_verify(&l, &bundle, &l.artifact, false);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out, "");
    assert_eq!(
        err,
        format!(
            "error: {}: certificate identity mismatch: expected {SAN:?}, got {IMPOSTOR_URI:?}\n",
            bundle.display()
        )
    );
    let out = python_verify(&sigstore, &l, &bundle, &l.artifact);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("FAIL: {}", l.artifact.display())),
        "{}",
        stderr(&out)
    );
}

#[test]
fn sigstore_python_gets_no_bundle_when_fulcio_fails() {
    let Some(sigstore) = support::tool("sigstore") else {
        return;
    };
    let l = local();
    l.server
        .set_faults(&[ServiceFault::Http500(Service::Fulcio)]);
    let bundle = l.dir.path().join("widget.tar.gz.sigstore.json");
    let out = python_sign(&sigstore, &l, &bundle);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // sigstore-python 4.x reports a 5xx from Fulcio as an uncaught FulcioClientError.
    assert!(
        stderr(&out).contains("500 Server Error") && stderr(&out).contains("FulcioClientError"),
        "{}",
        stderr(&out)
    );
    assert!(!bundle.exists());
}

/// Signs `ARTIFACT` with the std::net client while `faults` are on; returns the bundle file
/// and document.
fn signed_while(l: &Local, faults: &[ServiceFault], with_timestamp: bool) -> (PathBuf, Value) {
    l.server.set_faults(faults);
    let signer = sigil_test_sigstore::HttpSigner::new(l.server.addr());
    let token = l.server.token(&identity());
    let doc = signer.sign_blob(&token, ARTIFACT, with_timestamp).unwrap();
    l.server.set_faults(&[]);
    (write_bundle(l, &doc), doc)
}

fn refused(l: &Local, bundle: &Path, reason: &str, message: &str) {
    let (code, out, err, _) = sigil_verify(l, bundle, &l.artifact, false);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out, "");
    assert_eq!(err, format!("error: {}: {message}\n", bundle.display()));
    let (code, _, _, out) = sigil_verify(l, bundle, &l.artifact, true);
    assert_eq!(code, 1);
    let doc = json_doc(&out);
    assert_eq!(doc["status"], "not-verified");
    assert_eq!(doc["error"]["details"]["reason"], reason);
}

#[test]
fn std_client_bundle_from_the_local_services_verifies_with_sigil() {
    let l = local();
    let (bundle, _) = signed_while(&l, &[], true);
    let (code, _, err, out) = sigil_verify(&l, &bundle, &l.artifact, true);
    assert_eq!(code, 0, "{err}");
    let doc = json_doc(&out);
    assert_eq!(doc["status"], "verified");
    assert_eq!(doc["result"]["signer"]["identity"], SAN);
}

#[test]
fn log_entry_for_another_body_from_the_local_rekor_is_not_verified() {
    let l = local();
    let (bundle, _) = signed_while(&l, &[ServiceFault::EntryForAnotherBody], false);
    refused(
        &l,
        &bundle,
        "artifact-mismatch",
        "artifact mismatch: artifact hash mismatch for hashedrekord entry",
    );
}

#[test]
fn bad_set_from_the_local_rekor_is_not_verified() {
    let l = local();
    let (bundle, _) = signed_while(&l, &[ServiceFault::BadSet], false);
    refused(
        &l,
        &bundle,
        "tlog-rejected",
        "transparency log evidence rejected: invalid inclusion promise: SET verification failed: Verification error: ECDSA_P256_SHA256 signature invalid",
    );
}

#[test]
fn bad_inclusion_proof_from_the_local_rekor_is_not_verified() {
    let l = local();
    let (bundle, doc) = signed_while(&l, &[ServiceFault::BadInclusionProof], false);
    let e = &doc["verificationMaterial"]["tlogEntries"][0];
    let p = &e["inclusionProof"];
    let hashes: Vec<[u8; 32]> = p["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| b64(h).try_into().unwrap())
        .collect();
    let computed = root_from_inclusion_path(
        p["logIndex"].as_str().unwrap().parse().unwrap(),
        p["treeSize"].as_str().unwrap().parse().unwrap(),
        sigil_test_sigstore::leaf_hash(&b64(&e["canonicalizedBody"])),
        &hashes,
    )
    .unwrap();
    refused(
        &l,
        &bundle,
        "tlog-rejected",
        &format!(
            "transparency log evidence rejected: invalid inclusion proof: inclusion proof verification failed: root hash mismatch: expected {}, computed {}",
            hex(&b64(&p["rootHash"])),
            hex(&computed)
        ),
    );
}

#[test]
fn expired_certificate_from_the_local_fulcio_is_not_verified() {
    let l = local();
    let (bundle, doc) = signed_while(&l, &[ServiceFault::ExpiredCertificate], false);
    let integrated = doc["verificationMaterial"]["tlogEntries"][0]["integratedTime"]
        .as_str()
        .unwrap()
        .to_owned();
    let (code, out, err, _) = sigil_verify(&l, &bundle, &l.artifact, false);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out, "");
    // The leaf ended 600 s before it was issued, a second or so before integration.
    let prefix = format!(
        "error: {}: certificate rejected: certificate chain is invalid: certificate chain validation failed: CertExpired {{ time: UnixTime({integrated}), not_after: UnixTime(",
        bundle.display()
    );
    assert!(err.starts_with(&prefix), "{err}");
    let (code, _, _, out) = sigil_verify(&l, &bundle, &l.artifact, true);
    assert_eq!(code, 1);
    assert_eq!(
        json_doc(&out)["error"]["details"]["reason"],
        "certificate-rejected"
    );
}

#[test]
fn timestamp_over_other_bytes_from_the_local_tsa_is_no_signing_time() {
    let l = local();
    let (_, mut doc) = signed_while(&l, &[ServiceFault::BadTimestamp], true);
    // Without the SET, the timestamp is the only signing time left.
    doc["verificationMaterial"]["tlogEntries"][0]
        .as_object_mut()
        .unwrap()
        .remove("inclusionPromise");
    let bundle = write_bundle(&l, &doc);
    let sig = b64(&doc["messageSignature"]["signature"]);
    let digest = sigil_test_sigstore::sha256(&sig);
    let (code, out, err, _) = sigil_verify(&l, &bundle, &l.artifact, false);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        err,
        format!(
            "error: {}: timestamp rejected: invalid RFC 3161 timestamp: TSA timestamp verification failed: Timestamp message hash mismatch: expected {}, got {}\n",
            bundle.display(),
            hex(&sigil_test_sigstore::sha256(&digest)),
            hex(&digest)
        )
    );
}

#[test]
fn stalled_rekor_ends_the_signer_at_its_timeout() {
    let l = local();
    l.server
        .set_faults(&[ServiceFault::Stall(Service::Rekor, Duration::from_secs(3))]);
    let mut signer = sigil_test_sigstore::HttpSigner::new(l.server.addr());
    signer.timeout = Duration::from_millis(500);
    let token = l.server.token(&identity());
    let start = std::time::Instant::now();
    let err = signer.sign_blob(&token, ARTIFACT, false).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(3));
    assert!(
        err.to_string().starts_with("/api/v1/log/entries: "),
        "{err}"
    );
}

#[test]
fn sigstore_python_attests_through_the_local_rekor_dsse_and_sigil_verifies_the_provenance() {
    let Some(sigstore) = support::tool("sigstore") else {
        return;
    };
    let l = local();
    let statement: Value = serde_json::from_slice(&sigil_test_sigstore::github_provenance(
        "widget.tar.gz",
        ARTIFACT,
        "acme/widget",
        ".github/workflows/release.yml",
        "refs/tags/v1.0.0",
    ))
    .unwrap();
    let predicate = l.dir.path().join("predicate.json");
    std::fs::write(&predicate, statement["predicate"].to_string()).unwrap();
    let bundle = l.dir.path().join("widget.intoto.sigstore.json");
    let out = std::process::Command::new(&sigstore)
        .arg("--trust-config")
        .arg(&l.trust.client_trust_config)
        .args(["attest", "--predicate"])
        .arg(&predicate)
        .args(["--predicate-type", "https://slsa.dev/provenance/v1"])
        .arg("--identity-token")
        .arg(l.server.token(&identity()))
        .arg("--bundle")
        .arg(&bundle)
        .arg(&l.artifact)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: Value = serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    assert_eq!(
        doc["verificationMaterial"]["tlogEntries"][0]["kindVersion"]["kind"],
        "dsse"
    );

    let run = |file: &Path| {
        let out = sigil()
            .arg("verify-attestation")
            .arg(file)
            .arg("--attestation")
            .arg(&bundle)
            .arg("--trusted-root")
            .arg(&l.trust.trusted_root)
            .args([
                "--certificate-identity",
                SAN,
                "--certificate-oidc-issuer",
                GITHUB_ACTIONS_ISSUER,
                "--builder-id",
                "https://github.com/actions/runner/github-hosted",
            ])
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(&l.artifact);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("signer: {SAN} (issuer {GITHUB_ACTIONS_ISSUER})")),
        "{out}"
    );
    assert!(
        out.contains("  source: https://github.com/acme/widget @ refs/tags/v1.0.0 (commit 0123456789abcdef0123456789abcdef01234567)\n"),
        "{out}"
    );
    let out = python_verify(&sigstore, &l, &bundle, &l.artifact);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let mut changed = ARTIFACT.to_vec();
    changed[0] ^= 0x20;
    let other = l.dir.path().join("changed.tar.gz");
    std::fs::write(&other, &changed).unwrap();
    let (code, out, err) = run(&other);
    assert_eq!(code, 1, "{out}");
    assert_eq!(out, "");
    assert_eq!(
        err,
        format!(
            "error: {} (document): artifact mismatch: artifact hash does not match any subject in attestation\n",
            bundle.display()
        )
    );
}

/// sigstore-python does not check what Rekor hands back when it signs: under each log fault
/// it writes a bundle, and both verifiers refuse that bundle, sigil with the reason named. An
/// expired certificate from Fulcio it refuses itself, writing no bundle.
#[test]
fn bundles_sigstore_python_made_from_lying_services_are_refused_by_both_verifiers() {
    let Some(sigstore) = support::tool("sigstore") else {
        return;
    };
    for (fault, reason) in [
        (ServiceFault::BadSet, "tlog-rejected"),
        (ServiceFault::BadInclusionProof, "tlog-rejected"),
        (ServiceFault::EntryForAnotherBody, "artifact-mismatch"),
    ] {
        let l = local();
        l.server.set_faults(&[fault]);
        let bundle = l.dir.path().join("widget.tar.gz.sigstore.json");
        let out = python_sign(&sigstore, &l, &bundle);
        assert_eq!(out.status.code(), Some(0), "{fault:?}: {}", stderr(&out));

        let (code, _, err, out) = sigil_verify(&l, &bundle, &l.artifact, true);
        assert_eq!(code, 1, "{fault:?}: {err}");
        let doc = json_doc(&out);
        assert_eq!(doc["status"], "not-verified", "{fault:?}");
        assert_eq!(doc["error"]["details"]["reason"], reason, "{fault:?}");
        let out = python_verify(&sigstore, &l, &bundle, &l.artifact);
        assert_eq!(out.status.code(), Some(1), "{fault:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("FAIL: {}", l.artifact.display())),
            "{fault:?}: {}",
            stderr(&out)
        );
    }

    let l = local();
    l.server.set_faults(&[ServiceFault::ExpiredCertificate]);
    let bundle = l.dir.path().join("widget.tar.gz.sigstore.json");
    let out = python_sign(&sigstore, &l, &bundle);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("fulcio.client.ExpiredCertificate"),
        "{}",
        stderr(&out)
    );
    assert!(!bundle.exists());
}

#[test]
fn rekor_refuses_what_sigstore_python_signed_under_a_certificate_for_another_key() {
    let Some(sigstore) = support::tool("sigstore") else {
        return;
    };
    let l = local();
    l.server
        .set_faults(&[ServiceFault::CertificateForAnotherKey]);
    let bundle = l.dir.path().join("widget.tar.gz.sigstore.json");
    let out = python_sign(&sigstore, &l, &bundle);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("400 Client Error") && stderr(&out).contains("RekorClientError"),
        "{}",
        stderr(&out)
    );
    assert!(!bundle.exists());
}

#[test]
fn stalled_tsa_costs_sigstore_python_its_timestamp_but_not_the_bundle() {
    let Some(sigstore) = support::tool("sigstore") else {
        return;
    };
    let l = local();
    // sigstore-python gives the TSA 5 s; the stall outlasts that and then ends.
    l.server
        .set_faults(&[ServiceFault::Stall(Service::Tsa, Duration::from_secs(7))]);
    let bundle = l.dir.path().join("widget.tar.gz.sigstore.json");
    let out = python_sign(&sigstore, &l, &bundle);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        // (rich wraps the warning; these pieces stay on one line each)
        stderr(&out).contains("Unable to use") && stderr(&out).contains("Read timed out"),
        "{}",
        stderr(&out)
    );
    let doc: Value = serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    assert_eq!(
        doc["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
            .as_array()
            .map_or(0, Vec::len),
        0
    );
    // The SET alone is the signing time.
    let (code, _, err, out) = sigil_verify(&l, &bundle, &l.artifact, true);
    assert_eq!(code, 0, "{err}");
    assert_eq!(json_doc(&out)["status"], "verified");
}
