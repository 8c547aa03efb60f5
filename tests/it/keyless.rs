//! `sigil sign --keyless` (and the other keyless signers) against a Sigstore of our own on
//! 127.0.0.1 (`sigil_test_sigstore::Server`): the bundles verify in sigil and in sigstore-python
//! and are refused by both after a one-byte change; every lying or failing service leaves no
//! bundle, exit 1 with the reason in human and JSON output, and the token in no output.

use crate::support;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use serde_json::Value;
use sigil_test_sigstore::{
    Identity, Server, Service, ServiceFault, TrustFiles, GITHUB_ACTIONS_ISSUER,
};

use support::{json_doc, sigil};

const SAN: &str = "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1.0.0";
const ARTIFACT: &[u8] = b"widget 1.0.0 release archive\n";

struct Local {
    dir: tempfile::TempDir,
    server: Server,
    trust: TrustFiles,
    artifact: PathBuf,
    token: String,
}

fn identity() -> Identity {
    Identity::github(
        "acme/widget",
        ".github/workflows/release.yml",
        "refs/tags/v1.0.0",
    )
}

fn local() -> Local {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start().unwrap();
    let trust = server.write_trust_files(dir.path()).unwrap();
    let artifact = dir.path().join("widget.tar.gz");
    std::fs::write(&artifact, ARTIFACT).unwrap();
    let token = server.token(&identity());
    Local {
        dir,
        server,
        trust,
        artifact,
        token,
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The services and trust of `l`, as flags.
fn service_args(l: &Local) -> Vec<String> {
    vec![
        "--signing-config".into(),
        l.trust.signing_config.display().to_string(),
        "--trusted-root".into(),
        l.trust.trusted_root.display().to_string(),
        "--insecure-allow-http".into(),
    ]
}

/// `sigil [--format json] sign --keyless ... --identity-token T FILES`.
fn sign(l: &Local, json: bool, extra: &[&str], files: &[&Path]) -> Output {
    let mut c = sigil();
    c.env_remove("SIGSTORE_ID_TOKEN")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    if json {
        c.args(["--format", "json"]);
    }
    c.args(["sign", "--keyless"])
        .args(service_args(l))
        .args(["--identity-token", &l.token])
        .args(extra);
    for f in files {
        c.arg(f);
    }
    c.output().unwrap()
}

fn no_token_in(l: &Local, out: &Output) {
    let sig_part = l.token.rsplit('.').next().unwrap();
    for s in [text(&out.stdout), text(&out.stderr)] {
        assert!(!s.contains(&l.token), "token printed: {s}");
        assert!(!s.contains(sig_part), "token signature printed: {s}");
    }
}

fn bundle_of(p: &Path) -> PathBuf {
    let mut s = p.as_os_str().to_owned();
    s.push(".sigstore.json");
    PathBuf::from(s)
}

/// `sigil verify --bundle B --trusted-root R` with identity `san`.
fn verify(l: &Local, bundle: &Path, file: &Path, san: &str) -> Output {
    sigil()
        .args(["--format", "json", "verify", "--bundle"])
        .arg(bundle)
        .arg("--trusted-root")
        .arg(&l.trust.trusted_root)
        .args([
            "--certificate-identity",
            san,
            "--certificate-oidc-issuer",
            GITHUB_ACTIONS_ISSUER,
        ])
        .arg(file)
        .output()
        .unwrap()
}

fn python_verify(sigstore: &Path, l: &Local, bundle: &Path, file: &Path) -> Output {
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

fn changed_copy(l: &Local, file: &Path) -> PathBuf {
    let mut b = std::fs::read(file).unwrap();
    b[0] ^= 0x01;
    let p = l.dir.path().join("changed");
    std::fs::write(&p, b).unwrap();
    p
}

/// sigil and (when installed) sigstore-python accept `bundle` for `file` and refuse it for a
/// copy with one byte changed.
fn both_verifiers_accept_then_refuse_a_changed_byte(l: &Local, bundle: &Path, file: &Path) {
    let out = verify(l, bundle, file, SAN);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc = json_doc(&out);
    assert_eq!(doc["status"], "verified");
    assert_eq!(doc["result"]["signer"]["identity"], SAN);
    assert_eq!(doc["result"]["signer"]["issuer"], GITHUB_ACTIONS_ISSUER);
    let changed = changed_copy(l, file);
    let out = verify(l, bundle, &changed, SAN);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        json_doc(&out)["error"]["details"]["reason"],
        "artifact-mismatch"
    );
    let Some(py) = support::tool("sigstore") else {
        return;
    };
    let out = python_verify(&py, l, bundle, file);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(&format!("OK: {}", file.display())),
        "{}",
        text(&out.stderr)
    );
    let out = python_verify(&py, l, bundle, &changed);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(&format!("FAIL: {}", changed.display())),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn keyless_sign_writes_a_bundle_both_verifiers_accept() {
    let l = local();
    let out = sign(&l, false, &[], &[&l.artifact]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    no_token_in(&l, &out);
    let bundle = bundle_of(&l.artifact);
    let doc: Value = serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    assert_eq!(
        doc["mediaType"],
        "application/vnd.dev.sigstore.bundle.v0.3+json"
    );
    let entry = &doc["verificationMaterial"]["tlogEntries"][0];
    assert_eq!(entry["kindVersion"]["kind"], "hashedrekord");
    let index = entry["logIndex"].as_str().unwrap().to_owned();
    assert_eq!(
        doc["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        text(&out.stdout),
        format!(
            "signed {} -> {} (keyless)\nidentity: {SAN}\nissuer: {GITHUB_ACTIONS_ISSUER}\nlog index: {index}\n",
            l.artifact.display(),
            bundle.display()
        )
    );
    both_verifiers_accept_then_refuse_a_changed_byte(&l, &bundle, &l.artifact);

    // The right identity only.
    let other = "https://github.com/acme/widget/.github/workflows/other.yml@refs/tags/v1.0.0";
    let out = verify(&l, &bundle, &l.artifact, other);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        json_doc(&out)["error"]["details"]["reason"],
        "identity-mismatch"
    );

    // A second run refuses to overwrite, and signs nothing.
    let out = sign(&l, false, &[], &[&l.artifact]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: {}: bundle exists; nothing was signed and it is unchanged\nhint: pass --force to overwrite it\n",
            bundle.display()
        )
    );
}

#[test]
fn keyless_sign_of_several_files_uses_one_certificate_and_json_lists_them() {
    let l = local();
    let second = l.dir.path().join("widget.sbom.json");
    std::fs::write(&second, b"{}\n").unwrap();
    let out = sign(&l, true, &[], &[&l.artifact, &second]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    no_token_in(&l, &out);
    let doc = json_doc(&out);
    assert_eq!(doc["status"], "ok");
    let signed = doc["result"]["signed"].as_array().unwrap();
    assert_eq!(signed.len(), 2);
    assert_eq!(
        signed[1]["bundle"],
        bundle_of(&second).display().to_string()
    );
    assert_eq!(signed[1]["identity"], SAN);
    let cert = |p: &Path| {
        let d: Value = serde_json::from_slice(&std::fs::read(bundle_of(p)).unwrap()).unwrap();
        d["verificationMaterial"]["certificate"]["rawBytes"].clone()
    };
    assert_eq!(cert(&l.artifact), cert(&second));
    for f in [&l.artifact, &second] {
        let out = verify(&l, &bundle_of(f), f, SAN);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
}

/// A fault leaves no bundle: exit 1, the reason in human and JSON output, no token.
fn refused_while(faults: &[ServiceFault], reason: &str, message: &str, extra: &[&str]) {
    let l = local();
    l.server.set_faults(faults);
    let bundle = bundle_of(&l.artifact);
    let out = sign(&l, false, extra, &[&l.artifact]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{faults:?}: {}",
        text(&out.stderr)
    );
    assert_eq!(text(&out.stdout), "");
    let err = text(&out.stderr);
    let prefix = format!(
        "error: {}: keyless signing failed, no bundle written: {message}",
        l.artifact.display()
    );
    assert!(
        err.starts_with(&prefix),
        "{faults:?}:\n{err}\nwanted {prefix}"
    );
    no_token_in(&l, &out);
    assert!(!bundle.exists());
    let out = sign(&l, true, extra, &[&l.artifact]);
    assert_eq!(out.status.code(), Some(1));
    no_token_in(&l, &out);
    let doc = json_doc(&out);
    assert_eq!(doc["status"], "not-verified");
    assert_eq!(doc["error"]["details"]["reason"], reason, "{doc}");
    assert!(
        doc["error"]["message"].as_str().unwrap().contains(message),
        "{doc}"
    );
    assert!(!bundle.exists());
    assert_eq!(
        std::fs::read_dir(l.dir.path()).unwrap().count(),
        4,
        "only the artifact and trust files"
    );
}

#[test]
fn certificate_for_another_key_leaves_no_bundle() {
    refused_while(
        &[ServiceFault::CertificateForAnotherKey],
        "certificate-for-another-key",
        "fulcio certified another key than the one that signs",
        &[],
    );
}

#[test]
fn certificate_for_another_identity_leaves_no_bundle() {
    refused_while(
        &[ServiceFault::WrongIdentity],
        "certificate-identity-mismatch",
        &format!(
            "fulcio certified identity {:?}, but the token stands for {SAN:?}",
            sigil_test_sigstore::IMPOSTOR_URI
        ),
        &[],
    );
}

#[test]
fn expired_certificate_leaves_no_bundle() {
    refused_while(
        &[ServiceFault::ExpiredCertificate],
        "certificate-not-valid-now",
        "fulcio certificate is not valid now",
        &[],
    );
}

#[test]
fn log_entry_for_another_body_leaves_no_bundle() {
    refused_while(
        &[ServiceFault::EntryForAnotherBody],
        "log-entry-mismatch",
        "rekor logged another entry than proposed: the entry is for another artifact digest",
        &[],
    );
}

#[test]
fn bad_inclusion_proof_leaves_no_bundle() {
    refused_while(
        &[ServiceFault::BadInclusionProof],
        "tlog-rejected",
        "the new bundle does not verify: transparency log evidence rejected: invalid inclusion proof",
        &[],
    );
}

#[test]
fn bad_set_leaves_no_bundle() {
    refused_while(
        &[ServiceFault::BadSet],
        "tlog-rejected",
        "the new bundle does not verify: transparency log evidence rejected: invalid inclusion promise",
        &[],
    );
}

#[test]
fn timestamp_over_other_bytes_leaves_no_bundle() {
    refused_while(
        &[ServiceFault::BadTimestamp],
        "timestamp-mismatch",
        "timestamp authority answer refused: timestamp covers other bytes than the signature",
        &[],
    );
}

#[test]
fn http_500_from_each_service_leaves_no_bundle() {
    for (service, name) in [
        (Service::Fulcio, "fulcio"),
        (Service::Rekor, "rekor"),
        (Service::Tsa, "tsa"),
    ] {
        refused_while(
            &[ServiceFault::Http500(service)],
            "service-failed",
            &format!("{name} failed: http://127.0.0.1:"),
            &[],
        );
    }
}

#[test]
fn stalled_service_times_out_and_leaves_no_bundle() {
    let started = std::time::Instant::now();
    refused_while(
        &[ServiceFault::Stall(Service::Rekor, Duration::from_secs(8))],
        "service-failed",
        "rekor failed: http://127.0.0.1:",
        &["--service-timeout", "1"],
    );
    // Two runs (human and JSON), each cut at one second, not at the eight-second stall.
    assert!(
        started.elapsed() < Duration::from_secs(14),
        "{:?}",
        started.elapsed()
    );
}

#[test]
fn no_token_is_a_usage_error_naming_the_three_sources() {
    let l = local();
    let out = sigil()
        .env_remove("SIGSTORE_ID_TOKEN")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        .args(["sign", "--keyless"])
        .args(service_args(&l))
        .arg(&l.artifact)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "error: keyless signing needs an OIDC identity token\nhint: pass --identity-token TOKEN (or @FILE), set SIGSTORE_ID_TOKEN, or run in GitHub Actions with `permissions: id-token: write` (ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN)\n"
    );
    assert!(!bundle_of(&l.artifact).exists());
}

#[test]
fn expired_token_is_a_usage_error_without_the_token() {
    let l = local();
    let stale = l.server.token_with(&identity(), 1_000, 2_000);
    let out = sigil()
        .args(["--format", "json", "sign", "--keyless"])
        .args(service_args(&l))
        .args(["--identity-token", &stale])
        .arg(&l.artifact)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let doc = json_doc(&out);
    assert!(
        doc["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("identity token expired at unix time 2000 (now "),
        "{doc}"
    );
    for s in [text(&out.stdout), text(&out.stderr)] {
        assert!(!s.contains(&stale));
    }
}

#[test]
fn token_from_a_file_and_from_sigstore_id_token() {
    let l = local();
    let tf = l.dir.path().join("token");
    std::fs::write(&tf, format!("{}\n", l.token)).unwrap();
    let out = sigil()
        .env_remove("SIGSTORE_ID_TOKEN")
        .args(["sign", "--keyless"])
        .args(service_args(&l))
        .arg("--identity-token")
        .arg(format!("@{}", tf.display()))
        .arg(&l.artifact)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    no_token_in(&l, &out);
    std::fs::remove_file(bundle_of(&l.artifact)).unwrap();
    let out = sigil()
        .env("SIGSTORE_ID_TOKEN", &l.token)
        .env_remove("ACTIONS_ID_TOKEN_REQUEST_URL")
        .args(["sign", "--keyless"])
        .args(service_args(&l))
        .arg(&l.artifact)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    no_token_in(&l, &out);
    let out = verify(&l, &bundle_of(&l.artifact), &l.artifact, SAN);
    assert_eq!(out.status.code(), Some(0));
}

/// A one-shot stand-in for GitHub Actions' token endpoint: answers `{"value": token}` when
/// asked with the right bearer and audience; returns what it was asked.
fn actions_endpoint(
    token: String,
    bearer: &'static str,
) -> (String, std::thread::JoinHandle<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!(
        "http://{}/token?api-version=2.0",
        listener.local_addr().unwrap()
    );
    let h = std::thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        let mut r = BufReader::new(s.try_clone().unwrap());
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                break;
            }
            head.push_str(&line);
        }
        let ok = head.starts_with("GET /token?api-version=2.0&audience=sigstore ")
            && head
                .to_ascii_lowercase()
                .contains(&format!("authorization: bearer {bearer}\r\n"));
        let body = if ok {
            serde_json::json!({ "value": token }).to_string()
        } else {
            "{}".into()
        };
        let mut s = s;
        let _ = write!(
            s,
            "HTTP/1.1 {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            if ok { "200 OK" } else { "403 Forbidden" },
            body.len()
        );
        let mut rest = Vec::new();
        let _ = r.read_to_end(&mut rest);
        head
    });
    (url, h)
}

#[test]
fn github_actions_ambient_token_is_asked_for_audience_sigstore() {
    let l = local();
    let bearer = "runtime-request-token-0123456789";
    let (url, asked) = actions_endpoint(l.token.clone(), bearer);
    let out = sigil()
        .env_remove("SIGSTORE_ID_TOKEN")
        .env("ACTIONS_ID_TOKEN_REQUEST_URL", &url)
        .env("ACTIONS_ID_TOKEN_REQUEST_TOKEN", bearer)
        .args(["sign", "--keyless"])
        .args(service_args(&l))
        .arg(&l.artifact)
        .output()
        .unwrap();
    let head = asked.join().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\nasked:\n{head}",
        text(&out.stderr)
    );
    no_token_in(&l, &out);
    for s in [text(&out.stdout), text(&out.stderr)] {
        assert!(!s.contains(bearer));
    }
    let out = verify(&l, &bundle_of(&l.artifact), &l.artifact, SAN);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn plain_http_services_need_the_insecure_flag() {
    let l = local();
    let out = sigil()
        .args(["sign", "--keyless", "--signing-config"])
        .arg(&l.trust.signing_config)
        .arg("--trusted-root")
        .arg(&l.trust.trusted_root)
        .args(["--identity-token", &l.token])
        .arg(&l.artifact)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("fulcio failed: http://127.0.0.1:")
            && err.contains("is plain http, which is refused"),
        "{err}"
    );
    no_token_in(&l, &out);
    assert!(!bundle_of(&l.artifact).exists());
}

#[test]
fn one_keyless_bundle_covers_a_checksum_list_and_sums_verify_checks_every_file() {
    let l = local();
    let second = l.dir.path().join("widget.sbom.json");
    std::fs::write(&second, b"{}\n").unwrap();
    let list = l.dir.path().join("SHA256SUMS");
    let out = sigil()
        .args(["sums", "create"])
        .arg(&l.artifact)
        .arg(&second)
        .arg("-o")
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = sign(&l, false, &[], &[&list]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let bundle = bundle_of(&list);
    both_verifiers_accept_then_refuse_a_changed_byte(&l, &bundle, &list);

    let sums_verify = |san: &str, json: bool| {
        let mut c = sigil();
        if json {
            c.args(["--format", "json"]);
        }
        c.args(["sums", "verify"])
            .arg(&list)
            .arg("--trusted-root")
            .arg(&l.trust.trusted_root)
            .args([
                "--certificate-identity",
                san,
                "--certificate-oidc-issuer",
                GITHUB_ACTIONS_ISSUER,
            ])
            .output()
            .unwrap()
    };
    let out = sums_verify(SAN, false);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!("identity: {SAN}\nissuer: {GITHUB_ACTIONS_ISSUER}\nwidget.tar.gz: OK\nwidget.sbom.json: OK\nverified 2 files (list signed keyless by {SAN})\n")
    );
    let doc = json_doc(&sums_verify(SAN, true));
    assert_eq!(doc["result"]["identity"], SAN);
    assert_eq!(doc["result"]["bundle"], bundle.display().to_string());
    assert_eq!(doc["result"]["failed"], 0);

    // Another identity: not verified, and no file is read.
    let other = "https://github.com/acme/widget/.github/workflows/ci.yml@refs/heads/main";
    let out = sums_verify(other, true);
    assert_eq!(out.status.code(), Some(1));
    let doc = json_doc(&out);
    assert_eq!(doc["error"]["details"]["reason"], "identity-mismatch");

    // A changed release file under a good list: named, exit 1.
    std::fs::write(&second, b"{\"x\":1}\n").unwrap();
    let out = sums_verify(SAN, false);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).contains("widget.sbom.json: CHANGED sha256 "),
        "{}",
        text(&out.stdout)
    );

    // A changed list: the bundle no longer verifies.
    std::fs::write(
        &list,
        std::fs::read_to_string(&list)
            .unwrap()
            .replace("widget.sbom.json", "widget.sbom.jsom"),
    )
    .unwrap();
    let out = sums_verify(SAN, true);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        json_doc(&out)["error"]["details"]["reason"],
        "artifact-mismatch"
    );
}

#[test]
fn keyless_attestation_is_a_dsse_bundle_that_verify_attestation_and_sigstore_python_accept() {
    let l = local();
    let predicate = l.dir.path().join("predicate.json");
    std::fs::write(
        &predicate,
        br#"{"buildDefinition":{"buildType":"https://example.com/b"}}"#,
    )
    .unwrap();
    let att = l.dir.path().join("widget.intoto.jsonl");
    let out = sigil()
        .env_remove("SIGSTORE_ID_TOKEN")
        .args(["attest", "--keyless"])
        .args(service_args(&l))
        .args(["--identity-token", &l.token])
        .args([
            "--predicate-type",
            "https://example.com/predicate/v1",
            "--predicate",
        ])
        .arg(&predicate)
        .arg("-o")
        .arg(&att)
        .arg(&l.artifact)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    no_token_in(&l, &out);
    let lines = std::fs::read_to_string(&att).unwrap();
    assert_eq!(lines.lines().count(), 1);
    let b: Value = serde_json::from_str(lines.trim()).unwrap();
    assert_eq!(
        b["dsseEnvelope"]["payloadType"],
        "application/vnd.in-toto+json"
    );
    assert_eq!(
        b["verificationMaterial"]["tlogEntries"][0]["kindVersion"]["kind"],
        "dsse"
    );

    let verify_att = |file: &Path, san: &str| {
        sigil()
            .args(["--format", "json", "verify-attestation"])
            .arg(file)
            .arg("--attestation")
            .arg(&att)
            .arg("--trusted-root")
            .arg(&l.trust.trusted_root)
            .args([
                "--certificate-identity",
                san,
                "--certificate-oidc-issuer",
                GITHUB_ACTIONS_ISSUER,
            ])
            .args(["--predicate-type", "https://example.com/predicate/v1"])
            .output()
            .unwrap()
    };
    let out = verify_att(&l.artifact, SAN);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let out = verify_att(
        &l.artifact,
        "https://github.com/acme/widget/.github/workflows/ci.yml@refs/heads/main",
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let changed = changed_copy(&l, &l.artifact);
    let out = verify_att(&changed, SAN);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));

    // The same bundle on its own, for `verify --bundle` and sigstore-python.
    let single = l.dir.path().join("widget.att.sigstore.json");
    std::fs::write(&single, lines.trim()).unwrap();
    both_verifiers_accept_then_refuse_a_changed_byte(&l, &single, &l.artifact);
}

#[test]
fn sigstore_python_bundle_from_the_local_services_verifies_in_sigil_for_its_identity_only() {
    let Some(py) = support::tool("sigstore") else {
        return;
    };
    let l = local();
    let bundle = l.dir.path().join("py.sigstore.json");
    let out = std::process::Command::new(&py)
        .arg("--trust-config")
        .arg(&l.trust.client_trust_config)
        .args(["sign", "--identity-token", &l.token, "--bundle"])
        .arg(&bundle)
        .arg(&l.artifact)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = verify(&l, &bundle, &l.artifact, SAN);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = verify(
        &l,
        &bundle,
        &l.artifact,
        "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1.0.1",
    );
    assert_eq!(out.status.code(), Some(1));
    let doc = json_doc(&out);
    assert_eq!(doc["error"]["details"]["reason"], "identity-mismatch");
    let out = verify(&l, &bundle, &changed_copy(&l, &l.artifact), SAN);
    assert_eq!(out.status.code(), Some(1));
}

/// `policies/release.toml` with only `sigstore-trusted-root` added (the local Sigstore's root
/// instead of the public-good one): its `[[trust.identities]]` rule trusts sigil's release
/// workflow on a `v` tag as an alternative to the release key.
fn release_policy_for(l: &Local) -> PathBuf {
    let shipped = support::read(support::root().join("policies/release.toml"));
    let mut out = String::new();
    let mut added = 0;
    for line in shipped.lines() {
        out.push_str(line);
        out.push('\n');
        if line.starts_with("revoked = ") {
            out.push_str(&format!(
                "sigstore-trusted-root = {:?}\n",
                l.trust.trusted_root.display().to_string()
            ));
            added += 1;
        }
    }
    assert_eq!(added, 1);
    let p = l.dir.path().join("release.toml");
    std::fs::write(&p, out).unwrap();
    p
}

/// A keyless release of `archive` by `workflow_ref` (under a simulated GitHub Actions run of
/// sigil's repository): the archive's bundle and keyless provenance and SBOM attestations.
fn keyless_release(l: &Local, token: &str, archive: &Path, git_ref: &str) {
    let repo = "sigil-project/sigil";
    let prov = l.dir.path().join("provenance.json");
    let out = sigil()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", repo)
        .env("GITHUB_REF", git_ref)
        .env("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567") // what the test Fulcio certifies
        .env(
            "GITHUB_WORKFLOW_REF",
            format!("{repo}/.github/workflows/release.yml@{git_ref}"),
        )
        .env("GITHUB_EVENT_NAME", "push")
        .env("GITHUB_RUN_ID", "1")
        .env("GITHUB_RUN_ATTEMPT", "1")
        .env("RUNNER_ENVIRONMENT", "github-hosted")
        .current_dir(l.dir.path())
        .arg("provenance")
        .arg(archive)
        .arg("-o")
        .arg(&prov)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let sbom = l.dir.path().join("sigil.cdx.json");
    std::fs::write(
        &sbom,
        r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[]}"#,
    )
    .unwrap();
    let att = bundle_of(archive)
        .with_extension("")
        .with_extension("intoto.jsonl");
    for (ptype, pred) in [
        ("https://slsa.dev/provenance/v1", &prov),
        ("https://cyclonedx.org/bom", &sbom),
    ] {
        let out = sigil()
            .args(["attest", "--keyless"])
            .args(service_args(l))
            .args([
                "--identity-token",
                token,
                "--predicate-type",
                ptype,
                "--predicate",
            ])
            .arg(pred)
            .arg("-o")
            .arg(&att)
            .arg(archive)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }
    let out = sigil()
        .args(["sign", "--keyless"])
        .args(service_args(l))
        .args(["--identity-token", token])
        .arg(archive)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn release_policy_trusts_the_release_workflow_on_a_v_tag_keyless() {
    let l = local();
    let archive = l
        .dir
        .path()
        .join("sigil-0.1.0-x86_64-unknown-linux-gnu.tar.gz");
    std::fs::write(&archive, b"pretend this is sigil's release archive\n").unwrap();
    let git_ref = "refs/tags/v0.1.0";
    let id = Identity::github(
        "sigil-project/sigil",
        ".github/workflows/release.yml",
        git_ref,
    );
    keyless_release(&l, &l.server.token(&id), &archive, git_ref);
    let policy = release_policy_for(&l);
    let verify_policy = || {
        sigil()
            .env("SIGIL_AUDIT_DB", l.dir.path().join("audit.db"))
            .args(["--format", "json", "verify", "--policy"])
            .arg(&policy)
            .arg(&archive)
            .output()
            .unwrap()
    };
    let out = verify_policy();
    let doc = json_doc(&out);
    assert_eq!(out.status.code(), Some(0), "{doc}");
    assert_eq!(doc["result"]["verdict"], "allow", "{doc}");

    // The same workflow on a branch is not the release identity: no trusted signer at all.
    let branch = "refs/heads/main";
    let l2 = local();
    let archive2 = l2
        .dir
        .path()
        .join("sigil-0.1.0-x86_64-unknown-linux-gnu.tar.gz");
    std::fs::write(&archive2, b"pretend this is sigil's release archive\n").unwrap();
    let id = Identity::github(
        "sigil-project/sigil",
        ".github/workflows/release.yml",
        branch,
    );
    keyless_release(&l2, &l2.server.token(&id), &archive2, branch);
    let out = sigil()
        .env("SIGIL_AUDIT_DB", l2.dir.path().join("audit.db"))
        .args(["--format", "json", "verify", "--policy"])
        .arg(release_policy_for(&l2))
        .arg(&archive2)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json_doc(&out);
    assert_eq!(doc["result"]["verdict"], "deny", "{doc}");
    let codes: Vec<&str> = doc["result"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(codes.contains(&"identity-mismatch"), "{codes:?}");
}

/// A data pack of two files in `l`'s directory.
fn pack_dir(l: &Local) -> PathBuf {
    let dir = l.dir.path().join("prompts");
    std::fs::create_dir_all(dir.join("en")).unwrap();
    std::fs::write(dir.join("config.json"), b"{\"temperature\": 0.2}\n").unwrap();
    std::fs::write(dir.join("en/hello.txt"), b"Say hello politely.\n").unwrap();
    dir
}

/// `sigil [--format json] pack sign DIR --keyless ... --name prompts --version 1.2.0`.
fn pack_sign(l: &Local, dir: &Path, json: bool) -> Output {
    let mut c = sigil();
    c.env_remove("SIGSTORE_ID_TOKEN");
    if json {
        c.args(["--format", "json"]);
    }
    c.args(["pack", "sign"])
        .arg(dir)
        .args(["--keyless", "--identity-token", &l.token])
        .args(service_args(l))
        .args(["--name", "prompts", "--version", "1.2.0"])
        .output()
        .unwrap()
}

/// `sigil [--format json] pack verify DIR` with identity `san` and `extra` flags.
fn pack_verify(l: &Local, dir: &Path, san: &str, extra: &[&str]) -> Output {
    sigil()
        .args(["--format", "json", "pack", "verify"])
        .arg(dir)
        .arg("--trusted-root")
        .arg(&l.trust.trusted_root)
        .args(["--certificate-identity", san])
        .args(["--certificate-oidc-issuer", GITHUB_ACTIONS_ISSUER])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn keyless_pack_manifest_bundle_verifies_in_sigil_and_sigstore_python_for_its_identity_only() {
    let l = local();
    let dir = pack_dir(&l);
    let out = pack_sign(&l, &dir, false);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    no_token_in(&l, &out);
    assert_eq!(
        text(&out.stdout),
        format!("signed pack prompts 1.2.0 (2 files, 41 bytes) with keyless identity {SAN} (issuer {GITHUB_ACTIONS_ISSUER})\n")
    );
    let manifest = dir.join(".sigil/SHA256SUMS");
    let bundle = dir.join(".sigil/SHA256SUMS.sigstore.json");
    assert!(!dir.join(".sigil/SHA256SUMS.minisig").exists());
    let b: Value = serde_json::from_slice(&std::fs::read(&bundle).unwrap()).unwrap();
    assert_eq!(
        b["verificationMaterial"]["tlogEntries"][0]["kindVersion"]["kind"],
        "dsse"
    );

    // sigil: the pack, its signer and its signed name and version.
    let out = pack_verify(&l, &dir, SAN, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    let doc = json_doc(&out);
    assert_eq!(doc["result"]["pack"]["name"], "prompts");
    assert_eq!(doc["result"]["pack"]["version"], "1.2.0");
    assert_eq!(doc["result"]["pack"]["identity"], SAN);
    assert_eq!(doc["result"]["pack"]["issuer"], GITHUB_ACTIONS_ISSUER);
    let human = sigil()
        .args(["pack", "check"])
        .arg(&dir)
        .arg("--trusted-root")
        .arg(&l.trust.trusted_root)
        .args(["--certificate-identity", SAN])
        .args(["--certificate-oidc-issuer", GITHUB_ACTIONS_ISSUER])
        .output()
        .unwrap();
    assert_eq!(
        text(&human.stdout),
        format!(
            "check: pack prompts 1.2.0 at {} verified (2 files, 41 bytes, keyless identity {SAN} (issuer {GITHUB_ACTIONS_ISSUER}))\ntrusted comment: sigil-pack name=prompts version=1.2.0 files=2 bytes=41\n",
            dir.display()
        )
    );
    let out = pack_verify(&l, &dir, SAN, &["--expect-version", "2.0"]);
    assert_eq!(out.status.code(), Some(1));
    let doc = json_doc(&out);
    assert_eq!(doc["error"]["details"]["code"], "signed-version-mismatch");
    assert_eq!(
        doc["error"]["details"]["mismatches"][0]["message"],
        "signed for version \"1.2.0\", but \"2.0\" is expected"
    );
    let out = pack_verify(&l, &dir, SAN, &["--expect-name", "other"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        json_doc(&out)["error"]["details"]["code"],
        "signed-name-mismatch"
    );

    // Another identity is refused.
    let other = "https://github.com/acme/widget/.github/workflows/other.yml@refs/tags/v1.0.0";
    let out = pack_verify(&l, &dir, other, &[]);
    assert_eq!(out.status.code(), Some(1));
    let doc = json_doc(&out);
    assert_eq!(doc["error"]["details"]["reason"], "identity-mismatch");
    assert!(doc["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with(&format!(
            "{}: certificate identity mismatch",
            bundle.display()
        )));

    // sigstore-python verifies the bundle against the manifest file.
    if let Some(py) = support::tool("sigstore") {
        let out = python_verify(&py, &l, &bundle, &manifest);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        let changed = changed_copy(&l, &manifest);
        let out = python_verify(&py, &l, &bundle, &changed);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(&format!("FAIL: {}", changed.display())));
    }

    // A changed byte in a file, then in the manifest.
    let hello = dir.join("en/hello.txt");
    std::fs::write(&hello, b"Say hello politely!\n").unwrap();
    let out = pack_verify(&l, &dir, SAN, &[]);
    assert_eq!(out.status.code(), Some(1));
    let doc = json_doc(&out);
    assert_eq!(doc["result"]["problems"][0]["path"], "en/hello.txt");
    assert_eq!(doc["result"]["problems"][0]["kind"], "changed");
    std::fs::write(&hello, b"Say hello politely.\n").unwrap();
    let mut m = std::fs::read(&manifest).unwrap();
    m[0] ^= 0x01;
    std::fs::write(&manifest, m).unwrap();
    let out = pack_verify(&l, &dir, SAN, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        json_doc(&out)["error"]["details"]["reason"],
        "artifact-mismatch"
    );
}

#[test]
fn keyless_pack_sign_refuses_a_leaked_secret_and_writes_nothing() {
    let l = local();
    let dir = pack_dir(&l);
    // Assembled at run time: no literal in this file looks like a key.
    let body: String = (0..36u32)
        .map(|i| char::from(b"abcdefghijkLMNOPQRST0123456789uvwxyz"[(i * 7 % 36) as usize]))
        .collect();
    std::fs::write(
        dir.join("en/ci.yaml"),
        format!("github_token: ghp_{body}\n"),
    )
    .unwrap();
    let out = pack_sign(&l, &dir, true);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    no_token_in(&l, &out);
    let doc = json_doc(&out);
    assert_eq!(doc["status"], "not-verified");
    assert_eq!(doc["result"]["secrets"][0]["rule"], "github-token");
    assert!(!dir.join(".sigil").exists());
}

#[test]
fn keyless_pack_sign_failure_writes_nothing() {
    let l = local();
    l.server
        .set_faults(&[ServiceFault::Http500(Service::Rekor)]);
    let dir = pack_dir(&l);
    let out = pack_sign(&l, &dir, true);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    no_token_in(&l, &out);
    let doc = json_doc(&out);
    assert_eq!(doc["error"]["details"]["reason"], "service-failed");
    assert!(doc["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with(&format!(
            "{}: keyless signing failed, no bundle written: rekor failed: http://127.0.0.1:",
            dir.display()
        )));
    assert!(!dir.join(".sigil").exists());
}
