//! `sigil verify --bundle` (issue 4): the public Sigstore vectors with the verdicts their README
//! states, named mismatches, the SLSA vectors' bundles, and interop with sigstore-python.

use crate::support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{json_doc, sigil};

const ID: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const GHA: &str = "https://token.actions.githubusercontent.com";
const A_TXT_SHA256: &str = "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";

fn vectors() -> Option<PathBuf> {
    support::shared().map(|s| s.join("vectors"))
}

/// `sigil verify --bundle` with the keyless flags; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = sigil().args(args).output().expect("sigil runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn keyless(dir: &Path, bundle: &str, id: &str, issuer: &str, file: &str) -> (i32, String, String) {
    let b = dir.join(bundle);
    let root = dir.join("trusted_root.json");
    let f = if file.contains(':') {
        file.to_owned()
    } else {
        dir.join(file).display().to_string()
    };
    run(&[
        "verify",
        "--bundle",
        &b.display().to_string(),
        "--trusted-root",
        &root.display().to_string(),
        "--certificate-identity",
        id,
        "--certificate-oidc-issuer",
        issuer,
        &f,
    ])
}

/// `(file, PASS?)` for every bundle row of the vectors README's table.
fn readme_verdicts(dir: &Path) -> Vec<(String, bool)> {
    support::read(dir.join("README.md"))
        .lines()
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            let file = cells.get(1)?.trim_matches('`').to_owned();
            let expected = *cells.get(4)?;
            match expected {
                "**PASS**" => Some((file, true)),
                "**FAIL**" => Some((file, false)),
                _ => None,
            }
        })
        .collect()
}

/// The reason each `_fail` vector is rejected, as sigil words it.
fn fail_reason(file: &str) -> &'static str {
    match file {
        "signature-mismatch_fail.sigstore.json" => {
            "signature does not verify: signature verification failed: Verification error: ECDSA_P256_SHA256 signature invalid"
        }
        "checkpoint-wrong-roothash_fail.sigstore.json" => {
            "transparency log evidence rejected: Bundle error: inclusion proof root hash does not match checkpoint root hash"
        }
        "set-invalid-signature_fail.sigstore.json" => {
            "transparency log evidence rejected: invalid inclusion promise: SET verification failed: Verification error: ECDSA_P256_SHA256 signature invalid"
        }
        other => panic!("no expected reason recorded for {other}"),
    }
}

#[test]
fn every_sigstore_vector_gets_its_readme_verdict() {
    let Some(v) = vectors() else { return };
    let dir = v.join("sigstore");
    let verdicts = readme_verdicts(&dir);
    // Every bundle file in the directory is in the README's table, and vice versa.
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .expect("vectors dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".sigstore.json"))
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = verdicts.iter().map(|(f, _)| f.clone()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "README table and directory disagree");
    assert_eq!(verdicts.iter().filter(|(_, pass)| *pass).count(), 3);
    assert_eq!(verdicts.iter().filter(|(_, pass)| !*pass).count(), 3);

    for (file, pass) in verdicts {
        let (code, stdout, stderr) = keyless(&dir, &file, ID, GHA, "a.txt");
        if pass {
            assert_eq!(code, 0, "{file}: {stderr}");
            let content = if file.contains("dsse") {
                "dsse"
            } else {
                "message-signature"
            };
            assert!(
                stdout.starts_with(&format!(
                    "verified {} with Sigstore bundle {} ({content})\n",
                    dir.join("a.txt").display(),
                    dir.join(&file).display()
                )),
                "{file}: {stdout}"
            );
            assert!(
                stdout.contains(&format!("\nidentity: {ID}\nissuer: {GHA}\nlog index: ")),
                "{file}: {stdout}"
            );
            assert!(stdout.contains("\nintegrated time: 20"), "{file}: {stdout}");
            assert_eq!(stderr, "");
        } else {
            assert_eq!(code, 1, "{file}: {stdout} {stderr}");
            assert_eq!(stdout, "");
            assert_eq!(
                stderr,
                format!(
                    "error: {}: {}\n",
                    dir.join(&file).display(),
                    fail_reason(&file)
                )
            );
        }
    }
}

#[test]
fn json_carries_identity_issuer_log_index_and_time() {
    let Some(v) = vectors() else { return };
    let dir = v.join("sigstore");
    let out = sigil()
        .args(["--format", "json", "verify", "--bundle"])
        .arg(dir.join("happy-path-v0.1.sigstore.json"))
        .arg("--trusted-root")
        .arg(dir.join("trusted_root.json"))
        .args([
            "--certificate-identity",
            ID,
            "--certificate-oidc-issuer",
            GHA,
        ])
        .arg(dir.join("a.txt"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let doc = json_doc(&out);
    assert_eq!(doc["status"], "verified");
    assert_eq!(doc["exit_code"], 0);
    let r = &doc["result"];
    assert_eq!(r["signer"]["kind"], "keyless");
    assert_eq!(r["signer"]["identity"], ID);
    assert_eq!(r["signer"]["issuer"], GHA);
    assert_eq!(r["log_index"], 27246492);
    assert_eq!(r["integrated_time"], "2023-07-12T15:56:36Z");
    assert_eq!(
        r["media_type"],
        "application/vnd.dev.sigstore.bundle+json;version=0.1"
    );
    assert_eq!(r["content"], "message-signature");
    assert_eq!(r["log_entries"][0]["kind"], "hashedrekord/0.0.1");
}

#[test]
fn json_failure_carries_the_reason() {
    let Some(v) = vectors() else { return };
    let dir = v.join("sigstore");
    let out = sigil()
        .args(["--format", "json", "verify", "--bundle"])
        .arg(dir.join("set-invalid-signature_fail.sigstore.json"))
        .arg("--trusted-root")
        .arg(dir.join("trusted_root.json"))
        .args([
            "--certificate-identity",
            ID,
            "--certificate-oidc-issuer",
            GHA,
        ])
        .arg(dir.join("a.txt"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let doc = json_doc(&out);
    assert_eq!(doc["status"], "not-verified");
    assert_eq!(doc["error"]["kind"], "not-verified");
    assert_eq!(doc["error"]["details"]["reason"], "tlog-rejected");
    assert_eq!(
        doc["error"]["message"],
        format!(
            "{}: {}",
            dir.join("set-invalid-signature_fail.sigstore.json")
                .display(),
            fail_reason("set-invalid-signature_fail.sigstore.json")
        )
    );
}

#[test]
fn wrong_identity_is_named() {
    let Some(v) = vectors() else { return };
    let dir = v.join("sigstore");
    let (code, stdout, stderr) = keyless(
        &dir,
        "happy-path-v0.3.sigstore.json",
        "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1",
        GHA,
        "a.txt",
    );
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(
        stderr,
        format!(
            "error: {}: certificate identity mismatch: expected \"https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1\", got \"{ID}\"\n",
            dir.join("happy-path-v0.3.sigstore.json").display()
        )
    );
}

#[test]
fn wrong_issuer_is_named() {
    let Some(v) = vectors() else { return };
    let dir = v.join("sigstore");
    let (code, stdout, stderr) = keyless(
        &dir,
        "happy-path-v0.3.sigstore.json",
        ID,
        "https://accounts.google.com",
        "a.txt",
    );
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(
        stderr,
        format!(
            "error: {}: oidc issuer mismatch: expected \"https://accounts.google.com\", got \"{GHA}\"\n",
            dir.join("happy-path-v0.3.sigstore.json").display()
        )
    );
}

#[test]
fn different_artifact_is_named() {
    let Some(v) = vectors() else { return };
    let dir = v.join("sigstore");
    for (bundle, detail) in [
        (
            "happy-path-v0.3.sigstore.json",
            "message digest in bundle does not match artifact hash",
        ),
        (
            "happy-path-v0.1.sigstore.json",
            "message digest in bundle does not match artifact hash",
        ),
        (
            "happy-path-intoto-in-dsse-v3.sigstore.json",
            "artifact hash does not match any subject in attestation",
        ),
    ] {
        let (code, stdout, stderr) = keyless(&dir, bundle, ID, GHA, "README.md");
        assert_eq!((code, stdout.as_str()), (1, ""), "{bundle}");
        assert_eq!(
            stderr,
            format!(
                "error: {}: artifact mismatch: {detail}\n",
                dir.join(bundle).display()
            )
        );
    }
}

#[test]
fn regexp_flags_match_unanchored_like_cosign() {
    let Some(v) = vectors() else { return };
    let dir = v.join("sigstore");
    let base = |id_re: &str, iss_re: &str| {
        run(&[
            "verify",
            "--bundle",
            &dir.join("happy-path-v0.3.sigstore.json")
                .display()
                .to_string(),
            "--trusted-root",
            &dir.join("trusted_root.json").display().to_string(),
            "--certificate-identity-regexp",
            id_re,
            "--certificate-oidc-issuer-regexp",
            iss_re,
            &dir.join("a.txt").display().to_string(),
        ])
    };
    assert_eq!(
        base(
            "extremely-dangerous-oidc-beacon\\.yml@refs/heads/main$",
            "^https://token\\.actions\\."
        )
        .0,
        0
    );
    let (code, _, stderr) = base("^https://github\\.com/acme/", "^https://token\\.actions\\.");
    assert_eq!(code, 1);
    assert!(stderr.contains(&format!("certificate identity mismatch: expected a match for regex \"^https://github\\\\.com/acme/\", got \"{ID}\"")), "{stderr}");
    let (code, _, stderr) = base("(", "x");
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("error: invalid regular expression \"(\""),
        "{stderr}"
    );
}

#[test]
fn digest_subjects_and_embedded_root() {
    let Some(v) = vectors() else { return };
    let dir = v.join("sigstore");
    // The conformance protocol's `sha256:<hex>` form, for both a message signature and DSSE.
    for bundle in [
        "happy-path-v0.3.sigstore.json",
        "happy-path-intoto-in-dsse-v3.sigstore.json",
    ] {
        let (code, stdout, stderr) =
            keyless(&dir, bundle, ID, GHA, &format!("sha256:{A_TXT_SHA256}"));
        assert_eq!(code, 0, "{bundle}: {stderr}");
        assert!(
            stdout.starts_with(&format!(
                "verified sha256:{A_TXT_SHA256} with Sigstore bundle"
            )),
            "{stdout}"
        );
    }
    let (code, _, stderr) = keyless(
        &dir,
        "happy-path-v0.3.sigstore.json",
        ID,
        GHA,
        &format!("sha256:{}", "0".repeat(64)),
    );
    assert_eq!(code, 1);
    assert!(
        stderr.ends_with(
            ": artifact mismatch: message digest in bundle does not match artifact hash\n"
        ),
        "{stderr}"
    );
    let (code, _, stderr) = keyless(&dir, "happy-path-v0.3.sigstore.json", ID, GHA, "sha256:abc");
    assert_eq!((code, stderr.as_str()), (2, "error: sha256:abc: not a sha256 digest\nhint: write sha256:<hex> with the full lower-case hex digest\n"));

    // Without --trusted-root the embedded public-good root verifies the same bundle.
    let out = sigil()
        .args(["--format", "json", "verify", "--bundle"])
        .arg(dir.join("happy-path-v0.3.sigstore.json"))
        .args([
            "--certificate-identity",
            ID,
            "--certificate-oidc-issuer",
            GHA,
        ])
        .arg(dir.join("a.txt"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_doc(&out)["result"]["trusted_root"], "public-good");
    // The staging root does not trust the public-good log (or its certificates).
    let out = sigil()
        .args(["verify", "--staging", "--bundle"])
        .arg(dir.join("happy-path-v0.3.sigstore.json"))
        .args([
            "--certificate-identity",
            ID,
            "--certificate-oidc-issuer",
            GHA,
        ])
        .arg(dir.join("a.txt"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(": transparency log evidence rejected: invalid inclusion promise: No log key valid at integrated time"), "{stderr}");
}

#[test]
fn usage_and_malformed_input() {
    let Some(v) = vectors() else { return };
    let dir = v.join("sigstore");
    let b = dir
        .join("happy-path-v0.3.sigstore.json")
        .display()
        .to_string();
    let a = dir.join("a.txt").display().to_string();
    // Missing issuer: a usage error with a hint.
    let (code, stdout, stderr) = run(&["verify", "--bundle", &b, "--certificate-identity", ID, &a]);
    assert_eq!((code, stdout.as_str()), (2, ""));
    assert_eq!(
        stderr,
        "error: a keyless bundle needs the expected oidc issuer\nhint: pass --certificate-oidc-issuer or --certificate-oidc-issuer-regexp (or --key PEM for a managed-key bundle)\n"
    );
    // A bad trusted root is a setup error.
    let (code, _, stderr) = run(&[
        "verify",
        "--bundle",
        &b,
        "--trusted-root",
        &a,
        "--certificate-identity",
        ID,
        "--certificate-oidc-issuer",
        GHA,
        &a,
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with(&format!("error: {a}: trusted root is malformed: ")),
        "{stderr}"
    );
    // A file that is not a bundle is "not verified".
    let (code, _, stderr) = run(&[
        "verify",
        "--bundle",
        &a,
        "--certificate-identity",
        ID,
        "--certificate-oidc-issuer",
        GHA,
        &a,
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.starts_with(&format!(
            "error: {a}: line 1 is not a valid sigstore bundle: "
        )),
        "{stderr}"
    );
    // A truncated bundle too.
    let tmp = tempfile::tempdir().expect("tempdir");
    let cut = tmp.path().join("cut.sigstore.json");
    let text = support::read(&b);
    std::fs::write(&cut, &text[..text.len() / 2]).expect("write");
    let (code, _, stderr) = run(&[
        "verify",
        "--bundle",
        &cut.display().to_string(),
        "--certificate-identity",
        ID,
        "--certificate-oidc-issuer",
        GHA,
        &a,
    ]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("is not a valid sigstore bundle"),
        "{stderr}"
    );
    // A missing artifact is an I/O error.
    let (code, _, _) = run(&[
        "verify",
        "--bundle",
        &b,
        "--certificate-identity",
        ID,
        "--certificate-oidc-issuer",
        GHA,
        "/nonexistent/a.txt",
    ]);
    assert_eq!(code, 2);
}

#[test]
fn managed_key_mode() {
    let Some(v) = vectors() else { return };
    let dir = v.join("sigstore");
    let tmp = tempfile::tempdir().expect("tempdir");
    // A P-256 SPKI PEM that signed none of these bundles.
    let key = tmp.path().join("other.pub");
    std::fs::write(
        &key,
        "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEVcJQ5fEcQ7726y5o8W98PSXHPfle\nNYxDXJMuUMndNb/wHMWSVBhjS82K5vwF8Ob4ExFSYZCYKfIhtGDEOgSZgw==\n-----END PUBLIC KEY-----\n",
    )
    .expect("write");
    let k = key.display().to_string();
    // A keyless bundle given a key: named, with a hint.
    let b = dir
        .join("happy-path-v0.3.sigstore.json")
        .display()
        .to_string();
    let (code, _, stderr) = run(&[
        "verify",
        "--bundle",
        &b,
        "--key",
        &k,
        &dir.join("a.txt").display().to_string(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(stderr, format!("error: {b}: no managed-key bundle to verify (the bundle is keyless)\nhint: verify it with --certificate-identity and --certificate-oidc-issuer\n"));
    // The npm document's publish attestation is the managed-key candidate; the wrong key fails.
    let slsa = v.join("slsa");
    let npm = slsa
        .join("gundam-visor-cli-v1-tag.tgz.json")
        .display()
        .to_string();
    let (code, _, stderr) = run(&[
        "verify",
        "--bundle",
        &npm,
        "--key",
        &k,
        &slsa
            .join("gundam-visor-cli-v1-tag.tgz")
            .display()
            .to_string(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(stderr, format!("error: {npm}: signature does not verify: DSSE signature verification failed: Verification error: ECDSA_P256_SHA256 signature invalid\n"));
    // --key with identity flags is a usage error.
    let (code, _, _) = run(&[
        "verify",
        "--bundle",
        &b,
        "--key",
        &k,
        "--certificate-identity",
        ID,
        &dir.join("a.txt").display().to_string(),
    ]);
    assert_eq!(code, 2);
}

/// Issue 4, done-when 3: the Sigstore bundles among the SLSA vectors verify against the shared
/// trusted root and report their signer identities.
#[test]
fn slsa_vector_bundles_verify_with_their_signers() {
    let Some(v) = vectors() else { return };
    let slsa = v.join("slsa");
    let root = v.join("sigstore/trusted_root.json");
    let tmp = tempfile::tempdir().expect("tempdir");
    let hello = tmp.path().join("binary-linux-amd64-workflow_dispatch");
    std::fs::write(&hello, b"hello\n").expect("write");
    let cases: [(&str, PathBuf, &str, &str, u64); 3] = [
        (
            "MODULE.bazel.intoto.jsonl",
            slsa.join("MODULE.bazel"),
            "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1",
            "https://github.com/aspect-build/rules_lint",
            188622862,
        ),
        (
            "binary-linux-amd64-workflow_dispatch.build.slsa",
            hello.clone(),
            "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/delegator_generic_slsa3.yml@refs/tags/v1.10.0",
            "https://github.com/slsa-framework/example-package",
            80019145,
        ),
        (
            "gundam-visor-cli-v1-tag.tgz.json",
            slsa.join("gundam-visor-cli-v1-tag.tgz"),
            "https://github.com/ramonpetgrave64/gundam-visor/.github/workflows/npm-publish.yml@refs/tags/v1.0.1",
            "https://github.com/ramonpetgrave64/gundam-visor",
            99434462,
        ),
    ];
    for (bundle, artifact, identity, repo, index) in cases {
        let out = sigil()
            .args(["--format", "json", "verify", "--bundle"])
            .arg(slsa.join(bundle))
            .arg("--trusted-root")
            .arg(&root)
            .args([
                "--certificate-identity",
                identity,
                "--certificate-oidc-issuer",
                GHA,
            ])
            .arg(&artifact)
            .output()
            .expect("runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{bundle}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc = json_doc(&out);
        let r = &doc["result"];
        assert_eq!(r["content"], "dsse", "{bundle}");
        assert_eq!(r["payload_type"], "application/vnd.in-toto+json");
        assert_eq!(r["signer"]["identity"], identity);
        assert_eq!(r["signer"]["issuer"], GHA);
        assert_eq!(r["log_index"], index, "{bundle}");
        let claims = &r["signer"]["claims"];
        let repo_claim = claims
            .get("source-repository-uri")
            .or_else(|| claims.get("github-workflow-repository"));
        let repo_claim = repo_claim.and_then(Value::as_str).unwrap_or_default();
        assert!(
            repo.ends_with(repo_claim) && !repo_claim.is_empty(),
            "{bundle}: {claims}"
        );
    }

    // The npm document lists the provenance bundle under its predicate type.
    let out = sigil()
        .args(["--format", "json", "verify", "--bundle"])
        .arg(slsa.join("gundam-visor-cli-v1-tag.tgz.json"))
        .arg("--trusted-root")
        .arg(&root)
        .args([
            "--certificate-identity-regexp",
            "^https://github\\.com/ramonpetgrave64/gundam-visor/",
            "--certificate-oidc-issuer",
            GHA,
        ])
        .arg(slsa.join("gundam-visor-cli-v1-tag.tgz"))
        .output()
        .expect("runs");
    assert_eq!(
        json_doc(&out)["result"]["predicate_type"],
        "https://slsa.dev/provenance/v1"
    );

    // Valid signature, valid digest, wrong signer: rejected, naming the real signer.
    let wrong = slsa.join("MODULE-wrong-signer.bazel.intoto.jsonl");
    let (code, _, stderr) = run(&[
        "verify",
        "--bundle",
        &wrong.display().to_string(),
        "--trusted-root",
        &root.display().to_string(),
        "--certificate-identity",
        "https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1",
        "--certificate-oidc-issuer",
        GHA,
        &slsa.join("MODULE.bazel").display().to_string(),
    ]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        format!(
            "error: {}: certificate identity mismatch: expected \"https://github.com/bazel-contrib/publish-to-bcr/.github/workflows/publish.yaml@refs/tags/v0.0.1\", got \"https://github.com/loosebazooka/aa-test/.github/workflows/malicious_attestation.yaml@refs/heads/main\"\n",
            wrong.display()
        )
    );
}

/// Writes a sigstore-python `ClientTrustConfig` wrapping the shared trusted root. The signing
/// config is required by the format but unused by offline verification.
fn trust_config(root: &Path, dir: &Path) -> PathBuf {
    let root: Value = serde_json::from_str(&support::read(root)).expect("trusted root JSON");
    let service = |url: &str, start: &str| serde_json::json!({ "url": url, "majorApiVersion": 1, "validFor": { "start": start }, "operator": "sigstore.dev" });
    let config = serde_json::json!({
        "mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
        "trustedRoot": root,
        "signingConfig": {
            "mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
            "caUrls": [service("https://fulcio.sigstore.dev", "2022-04-13T20:06:15.000Z")],
            "oidcUrls": [],
            "rekorTlogUrls": [service("https://rekor.sigstore.dev", "2021-01-12T11:53:27.000Z")],
            "tsaUrls": [],
            "rekorTlogConfig": { "selector": "ANY" },
            "tsaConfig": { "selector": "ANY" }
        }
    });
    let p = dir.join("trust_config.json");
    std::fs::write(&p, serde_json::to_vec(&config).expect("json")).expect("write");
    p
}

/// Issue 4, done-when 2: sigstore-python (`verify identity --offline`) and sigil agree on every
/// vector, including the named-mismatch cases. sigil also accepts the same trust config file.
#[test]
fn interop_sigstore_python_agrees_on_every_vector() {
    let Some(v) = vectors() else { return };
    let Some(sigstore) = support::tool("sigstore") else {
        return;
    };
    let dir = v.join("sigstore");
    let tmp = tempfile::tempdir().expect("tempdir");
    let tc = trust_config(&dir.join("trusted_root.json"), tmp.path());
    let a = dir.join("a.txt").display().to_string();
    let readme = support::read(dir.join("README.md"));
    let mut cases: Vec<(String, String, String, String, bool)> = readme_verdicts(&dir)
        .into_iter()
        .map(|(f, pass)| (f, ID.to_owned(), GHA.to_owned(), a.clone(), pass))
        .collect();
    assert!(readme.contains("with a different identity or issuer → **FAIL**"));
    cases.push((
        "happy-path-v0.3.sigstore.json".into(),
        "https://example.com/other".into(),
        GHA.into(),
        a.clone(),
        false,
    ));
    cases.push((
        "happy-path-v0.3.sigstore.json".into(),
        ID.into(),
        "https://accounts.google.com".into(),
        a.clone(),
        false,
    ));
    cases.push((
        "happy-path-v0.3.sigstore.json".into(),
        ID.into(),
        GHA.into(),
        dir.join("README.md").display().to_string(),
        false,
    ));
    cases.push((
        "happy-path-v0.3.sigstore.json".into(),
        ID.into(),
        GHA.into(),
        format!("sha256:{A_TXT_SHA256}"),
        true,
    ));
    for (file, id, issuer, artifact, pass) in cases {
        let b = dir.join(&file).display().to_string();
        let py = std::process::Command::new(&sigstore)
            .args([
                "--trust-config",
                &tc.display().to_string(),
                "verify",
                "identity",
                "--offline",
                "--bundle",
                &b,
            ])
            .args([
                "--cert-identity",
                &id,
                "--cert-oidc-issuer",
                &issuer,
                &artifact,
            ])
            .output()
            .expect("sigstore-python runs");
        let ours = sigil()
            .args([
                "verify",
                "--bundle",
                &b,
                "--trusted-root",
                &tc.display().to_string(),
            ])
            .args([
                "--certificate-identity",
                &id,
                "--certificate-oidc-issuer",
                &issuer,
                &artifact,
            ])
            .output()
            .expect("sigil runs");
        let expected = if pass { 0 } else { 1 };
        assert_eq!(
            py.status.code(),
            Some(expected),
            "sigstore-python on {file} ({id}, {issuer}, {artifact}): {}",
            String::from_utf8_lossy(&py.stderr)
        );
        assert_eq!(
            ours.status.code(),
            Some(expected),
            "sigil on {file} ({id}, {issuer}, {artifact}): {}",
            String::from_utf8_lossy(&ours.stderr)
        );
    }
}

/// A directory of `n` artifacts `a<i>.bin`, each with `a<i>.bin.sigstore.json` minted by the
/// test Sigstore for a GitHub workflow identity, and that instance's `trusted_root.json`
/// (outside the directory). Returns (temp dir, artifacts dir, trusted root, identity).
fn minted(n: usize) -> (tempfile::TempDir, PathBuf, PathBuf, String) {
    use sigil_test_sigstore::{Identity, TestSigstore};
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut sigstore = TestSigstore::new().expect("test sigstore");
    let trust = sigstore.write_trust_files(tmp.path()).expect("trust files");
    let dir = tmp.path().join("assets");
    std::fs::create_dir(&dir).expect("mkdir");
    let id = Identity::github(
        "acme/widget",
        ".github/workflows/release.yml",
        "refs/tags/v1",
    );
    for i in 0..n {
        let body = format!("release asset {i}\n");
        let b = sigstore.sign_blob(&id, body.as_bytes()).expect("sign");
        std::fs::write(dir.join(format!("a{i}.bin")), body).expect("write");
        std::fs::write(dir.join(format!("a{i}.bin.sigstore.json")), b.to_json()).expect("write");
    }
    (tmp, dir, trust.trusted_root, id.san.as_str().to_owned())
}

fn batch_args(root: &Path, id: &str) -> Vec<String> {
    vec![
        "--trusted-root".into(),
        root.display().to_string(),
        "--certificate-identity".into(),
        id.into(),
        "--certificate-oidc-issuer".into(),
        GHA.into(),
    ]
}

#[test]
fn a_bundle_dir_verifies_every_artifact_beside_its_bundle() {
    let (_tmp, dir, root, id) = minted(3);
    let out = sigil()
        .args(["verify", "--bundle-dir"])
        .arg(&dir)
        .args(batch_args(&root, &id))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let d = dir.display();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("verified {d}/a0.bin\nverified {d}/a1.bin\nverified {d}/a2.bin\n3 of 3 artifacts verified with Sigstore bundles\n")
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn one_failing_artifact_in_a_batch_exits_1_with_its_reason_and_the_rest_verify() {
    let (_tmp, dir, root, id) = minted(4);
    // a1 is changed after signing; a2's bundle is not a bundle; a3 is gone.
    std::fs::write(dir.join("a1.bin"), "release asset 1, changed\n").expect("write");
    std::fs::write(dir.join("a2.bin.sigstore.json"), "{}").expect("write");
    std::fs::remove_file(dir.join("a3.bin")).expect("rm");
    let d = dir.display();
    let out = sigil()
        .args(["verify", "--bundle-dir"])
        .arg(&dir)
        .args(batch_args(&root, &id))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], format!("verified {d}/a0.bin"));
    assert_eq!(
        lines[1],
        format!("not verified {d}/a1.bin: artifact-mismatch: artifact mismatch: message digest in bundle does not match artifact hash")
    );
    assert_eq!(
        lines[2],
        format!("not verified {d}/a2.bin: bundle-malformed: is not a valid sigstore bundle: bundle has no mediaType")
    );
    assert_eq!(
        lines[3],
        format!("not verified {d}/a3.bin: read-error: cannot read {d}/a3.bin: No such file or directory (os error 2)")
    );
    assert_eq!(lines[4], "1 of 4 artifacts verified with Sigstore bundles");
    assert_eq!(lines.len(), 5);

    // JSON: one document, one entry per artifact in order, with each reason.
    let out = sigil()
        .args(["--format", "json", "verify", "--bundle-dir"])
        .arg(&dir)
        .args(batch_args(&root, &id))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let doc = json_doc(&out);
    assert_eq!(doc["status"], "not-verified");
    assert_eq!(doc["exit_code"], 1);
    assert_eq!(
        doc["error"]["message"],
        "1 of 4 artifacts verified with Sigstore bundles"
    );
    let r = &doc["result"];
    assert_eq!(
        (
            r["total"].as_u64(),
            r["verified"].as_u64(),
            r["not_verified"].as_u64()
        ),
        (Some(4), Some(1), Some(3))
    );
    assert_eq!(r["trusted_root"], root.display().to_string());
    let items = r["artifacts"].as_array().expect("artifacts");
    let got: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|i| {
            (
                i["file"].as_str().unwrap_or_default(),
                i["status"].as_str().unwrap_or_default(),
                i["reason"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    let f = |n: u8| format!("{d}/a{n}.bin");
    assert_eq!(
        got,
        [
            (f(0).as_str(), "verified", "-"),
            (f(1).as_str(), "not-verified", "artifact-mismatch"),
            (f(2).as_str(), "not-verified", "bundle-malformed"),
            (f(3).as_str(), "not-verified", "read-error"),
        ]
    );
    assert_eq!(items[0]["signer"]["identity"], id);
    assert_eq!(items[0]["bundle"], format!("{d}/a0.bin.sigstore.json"));
    assert_eq!(
        items[1]["message"],
        "artifact mismatch: message digest in bundle does not match artifact hash"
    );
}

#[test]
fn repeated_file_and_bundle_pairs_verify_in_order_under_one_identity() {
    let (_tmp, dir, root, id) = minted(2);
    let a = |n: u8| dir.join(format!("a{n}.bin")).display().to_string();
    let b = |n: u8| {
        dir.join(format!("a{n}.bin.sigstore.json"))
            .display()
            .to_string()
    };
    // Bundles given in the order of the files; the second pair is crossed on purpose below.
    let out = sigil()
        .args(["verify", &a(0), "--bundle", &b(0), &a(1), "--bundle", &b(1)])
        .args(batch_args(&root, &id))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "verified {}\nverified {}\n2 of 2 artifacts verified with Sigstore bundles\n",
            a(0),
            a(1)
        )
    );
    let out = sigil()
        .args(["verify", &a(0), "--bundle", &b(1), &a(1), "--bundle", &b(1)])
        .args(batch_args(&root, &id))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .starts_with(&format!("not verified {}: artifact-mismatch: ", a(0))),
        "{out:?}"
    );
    // The identity applies to every pair.
    let out = sigil()
        .args(["verify", &a(0), "--bundle", &b(0), &a(1), "--bundle", &b(1)])
        .args(batch_args(
            &root,
            "https://github.com/acme/other/.github/workflows/x.yml@refs/tags/v1",
        ))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout
            .matches(": identity-mismatch: certificate identity mismatch: ")
            .count(),
        2,
        "{stdout}"
    );
}

#[test]
fn batch_usage_errors_exit_2() {
    let (_tmp, dir, root, id) = minted(1);
    let a = dir.join("a0.bin").display().to_string();
    let b = dir.join("a0.bin.sigstore.json").display().to_string();
    let run_batch = |args: &[&str]| {
        let out = sigil()
            .args(args)
            .args(batch_args(&root, &id))
            .output()
            .expect("runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(
        run_batch(&["verify", &a, &a, "--bundle", &b]),
        (
            Some(2),
            String::new(),
            "error: 2 FILE for 1 --bundle\nhint: give one --bundle per FILE, in the same order\n"
                .to_owned()
        )
    );
    let empty = dir.join("empty");
    std::fs::create_dir(&empty).expect("mkdir");
    assert_eq!(
        run_batch(&["verify", "--bundle-dir", &empty.display().to_string()]),
        (Some(2), String::new(), format!("error: {}: no bundle (*.sigstore.json) to verify\nhint: each bundle X.sigstore.json sits beside its artifact X\n", empty.display()))
    );
    let (code, _, stderr) = run_batch(&["verify", "--bundle-dir", "/nonexistent/assets"]);
    assert_eq!(
        (code, stderr.as_str()),
        (
            Some(2),
            "error: /nonexistent/assets: No such file or directory\n"
        )
    );
    let (code, _, stderr) = run_batch(&["verify", "--bundle-dir", &dir.display().to_string(), &a]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("cannot be used with"), "{stderr}");
    // A minisign verification still takes one FILE.
    let out = sigil()
        .args(["verify", "--key", &a, &a, &a])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: one FILE at a time\nhint: several FILEs need one --bundle each\n"
    );
}
