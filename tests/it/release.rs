//! `policies/release.toml`, the policy that sigil's own releases must satisfy (issue 9).
//!
//! The shipped policy file is used as it is except for its one `keys = ` line, which names a
//! test key instead of the project's release key (whose secret half is not kept here). Evidence is made the way
//! `cargo xtask release` and `.github/workflows/release.yml` make it: a signature, a signed
//! SHA256SUMS, SLSA provenance from a simulated GitHub Actions run of the release workflow, and
//! the SBOM attestation, all beside the archive.

use crate::support;

use std::path::{Path, PathBuf};

use support::{json_doc, root, sigil};

const ARCHIVE: &str = "sigil-0.1.0-x86_64-unknown-linux-gnu.tar.gz";
const SLSA: &str = "https://slsa.dev/provenance/v1";
const CYCLONEDX: &str = "https://cyclonedx.org/bom";

/// A release directory beside a copy of `policies/release.toml` that trusts a test key.
struct Release {
    dir: tempfile::TempDir,
}

/// A simulated GitHub Actions run: repository, ref and workflow file.
struct Run<'a> {
    repo: &'a str,
    git_ref: &'a str,
    workflow: &'a str,
}

const RELEASE_RUN: Run<'static> = Run {
    repo: "sigil-project/sigil",
    git_ref: "refs/tags/v0.1.0",
    workflow: ".github/workflows/release.yml",
};

impl Release {
    fn new() -> Self {
        let r = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        for d in ["policies", "keys", "dist", "other"] {
            std::fs::create_dir(r.p(d)).unwrap();
        }
        r.keygen("keys/release-test");
        let test_key = support::read(r.p("keys/release-test.pub"));
        let shipped = support::read(root().join("policies/release.toml"));
        let mut replaced = 0;
        let policy: String = shipped
            .lines()
            .map(|l| {
                if l.starts_with("keys = ") {
                    replaced += 1;
                    format!(
                        "keys = [{{ public-key = {:?}, name = \"release test key\" }}]\n",
                        test_key.lines().nth(1).unwrap()
                    )
                } else {
                    format!("{l}\n")
                }
            })
            .collect();
        assert_eq!(replaced, 1, "policies/release.toml has one `keys = ` line");
        std::fs::write(r.p("policies/release.toml"), policy).unwrap();
        r.keygen("other/untrusted-test");
        std::fs::write(r.artifact(), b"pretend this is sigil's release archive\n").unwrap();
        r
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn artifact(&self) -> PathBuf {
        self.p(&format!("dist/{ARCHIVE}"))
    }

    fn attestations(&self) -> PathBuf {
        self.p(&format!("dist/{ARCHIVE}.intoto.jsonl"))
    }

    fn keygen(&self, prefix: &str) {
        sigil()
            .args(["key", "generate", "--no-password", "--out"])
            .arg(self.p(prefix))
            .assert()
            .code(0);
    }

    fn cmd(&self) -> assert_cmd::Command {
        let mut c = sigil();
        c.env("SIGIL_AUDIT_DB", self.p("audit.db"))
            .env("SOURCE_DATE_EPOCH", "1767225600")
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITLAB_CI");
        c
    }

    fn sign(&self, key: &str, file: &Path) {
        self.cmd()
            .arg("sign")
            .arg("--key")
            .arg(self.p(key))
            .arg(file)
            .assert()
            .code(0);
    }

    /// `sigil provenance` for the archive, under a simulated GitHub Actions run, or locally.
    fn provenance(&self, run: Option<&Run<'_>>) -> PathBuf {
        let out = self.p("provenance.json");
        let mut c = self.cmd();
        if let Some(run) = run {
            c.env("GITHUB_ACTIONS", "true")
                .env("GITHUB_SERVER_URL", "https://github.com")
                .env("GITHUB_REPOSITORY", run.repo)
                .env("GITHUB_REF", run.git_ref)
                .env("GITHUB_SHA", "5f3c0a1b2d4e6f708192a3b4c5d6e7f8091a2b3c")
                .env(
                    "GITHUB_WORKFLOW_REF",
                    format!("{}/{}@{}", run.repo, run.workflow, run.git_ref),
                )
                .env("GITHUB_EVENT_NAME", "push")
                .env("GITHUB_RUN_ID", "987654321")
                .env("GITHUB_RUN_ATTEMPT", "1")
                .env("RUNNER_ENVIRONMENT", "github-hosted");
        }
        // Outside any git checkout, so local provenance names no source.
        c.current_dir(self.dir.path())
            .arg("provenance")
            .arg(self.artifact())
            .arg("-o")
            .arg(&out)
            .assert()
            .code(0);
        out
    }

    /// `sigil attest` about the archive, appended to `ARCHIVE.intoto.jsonl`.
    fn attest(&self, key: &str, predicate_type: &str, predicate: &Path) {
        self.cmd()
            .arg("attest")
            .arg("--key")
            .arg(self.p(key))
            .args(["--predicate-type", predicate_type, "--predicate"])
            .arg(predicate)
            .arg(self.artifact())
            .arg("-o")
            .arg(self.attestations())
            .assert()
            .code(0);
    }

    fn sbom(&self) -> PathBuf {
        let out = self.p("dist/sigil-0.1.0.cdx.json");
        std::fs::write(
            &out,
            r#"{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[]}"#,
        )
        .unwrap();
        out
    }

    /// `sigil verify --policy policies/release.toml ARCHIVE --format json`: exit code, the
    /// codes of the findings that deny, and each rule's verdict.
    fn verify(&self) -> (Option<i32>, Vec<String>, Vec<(String, String)>) {
        let o = self
            .cmd()
            .args(["verify", "--format", "json", "--policy"])
            .arg(self.p("policies/release.toml"))
            .arg(self.artifact())
            .output()
            .unwrap();
        let doc = json_doc(&o);
        let codes = doc["result"]["findings"]
            .as_array()
            .map_or_else(Vec::new, |a| {
                a.iter()
                    .filter(|f| f["waived"] == false)
                    .map(|f| f["code"].as_str().unwrap().to_owned())
                    .collect()
            });
        let rules = doc["result"]["rules"]
            .as_array()
            .map_or_else(Vec::new, |a| {
                a.iter()
                    .map(|r| {
                        (
                            r["rule"].as_str().unwrap().to_owned(),
                            r["verdict"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect()
            });
        (o.status.code(), codes, rules)
    }

    fn reset_attestations(&self) {
        let _ = std::fs::remove_file(self.attestations());
    }
}

fn rules(want: &[(&str, &str)]) -> Vec<(String, String)> {
    want.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

fn codes(want: &[&str]) -> Vec<String> {
    want.iter().map(|c| (*c).to_owned()).collect()
}

#[test]
fn shipped_release_policy_is_valid_and_requires_all_three() {
    let o = sigil()
        .args(["policy", "check"])
        .arg(root().join("policies/release.toml"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("requires: 1 of 2 trusted signers, provenance, an SBOM attestation\n"),
        "{out}"
    );
    assert!(out.contains("run allowed: no\nexceptions: 0\n"), "{out}");
    // The key it trusts is the project's release key, keys/release.pub, documented in
    // keys/README.md.
    let readme = support::read(root().join("keys/README.md"));
    let key = support::read(root().join("keys/release.pub"));
    let id = key
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("untrusted comment: minisign public key "))
        .unwrap();
    let b64 = key.lines().nth(1).unwrap();
    let policy = support::read(root().join("policies/release.toml"));
    let keys_line = policy.lines().find(|l| l.starts_with("keys = ")).unwrap();
    assert_eq!(
        keys_line,
        format!("keys = [{{ public-key = {b64:?}, name = \"sigil release key {id}\" }}]")
    );
    assert!(
        readme.contains(&format!("`{id}`")),
        "keys/README.md lacks {id}"
    );
    assert!(
        readme.contains(&format!("`{b64}`")),
        "keys/README.md lacks {b64}"
    );
}

#[test]
fn release_policy_requires_signature_provenance_and_sbom() {
    let r = Release::new();

    // Nothing beside the archive: every requirement fails, each with its code.
    let (code, found, verdicts) = r.verify();
    assert_eq!(code, Some(1));
    assert_eq!(
        found,
        codes(&["signature-missing", "provenance-missing", "sbom-missing"])
    );
    assert_eq!(
        verdicts,
        rules(&[
            ("evidence", "pass"),
            ("trust", "fail"),
            ("provenance", "fail"),
            ("sbom", "fail"),
            ("pack", "not-required"),
            ("run", "not-required"),
            ("exceptions", "not-required"),
        ])
    );

    // Signed (sidecar and signed SHA256SUMS, as the release publishes): trust passes.
    r.sign("keys/release-test.key", &r.artifact());
    let sbom = r.sbom();
    r.cmd()
        .args(["sums", "create"])
        .arg(r.artifact())
        .arg(&sbom)
        .arg("-o")
        .arg(r.p("dist/SHA256SUMS"))
        .assert()
        .code(0);
    r.sign("keys/release-test.key", &r.p("dist/SHA256SUMS"));
    let (code, found, _) = r.verify();
    assert_eq!(
        (code, found),
        (Some(1), codes(&["provenance-missing", "sbom-missing"]))
    );

    // Provenance from the release workflow on a version tag: only the SBOM is missing.
    let prov = r.provenance(Some(&RELEASE_RUN));
    r.attest("keys/release-test.key", SLSA, &prov);
    let (code, found, _) = r.verify();
    assert_eq!((code, found), (Some(1), codes(&["sbom-missing"])));

    // And the SBOM attestation: verified, every rule passes.
    r.attest("keys/release-test.key", CYCLONEDX, &sbom);
    let (code, found, verdicts) = r.verify();
    assert_eq!((code, found), (Some(0), codes(&[])));
    assert_eq!(
        verdicts,
        rules(&[
            ("evidence", "pass"),
            ("trust", "pass"),
            ("provenance", "pass"),
            ("sbom", "pass"),
            ("pack", "not-required"),
            ("run", "not-required"),
            ("exceptions", "not-required"),
        ])
    );

    // One changed byte of the archive: the signatures and the list refuse it, and the
    // attestations no longer name it.
    let good = std::fs::read(r.artifact()).unwrap();
    let mut bad = good.clone();
    bad[0] ^= 1;
    std::fs::write(r.artifact(), &bad).unwrap();
    let (code, found, _) = r.verify();
    assert_eq!(code, Some(1));
    for want in [
        "signature-invalid",
        "digest-mismatch",
        "provenance-missing",
        "sbom-missing",
    ] {
        assert!(found.contains(&want.to_owned()), "{want} not in {found:?}");
    }
    std::fs::write(r.artifact(), &good).unwrap();
    assert_eq!(r.verify().0, Some(0));
}

#[test]
fn release_policy_rejects_provenance_from_another_builder_source_or_ref() {
    let r = Release::new();
    r.sign("keys/release-test.key", &r.artifact());
    let sbom = r.sbom();
    let case = |run: Option<&Run<'_>>, want: &[&str]| {
        r.reset_attestations();
        let prov = r.provenance(run);
        r.attest("keys/release-test.key", SLSA, &prov);
        r.attest("keys/release-test.key", CYCLONEDX, &sbom);
        let (code, found, _) = r.verify();
        assert_eq!(
            (code, found),
            (Some(1), codes(want)),
            "run {:?}",
            run.map(|r| r.workflow)
        );
    };
    // The CI workflow of the same repository is not the release builder.
    case(
        Some(&Run {
            workflow: ".github/workflows/ci.yml",
            ..RELEASE_RUN
        }),
        &["builder-mismatch"],
    );
    // A fork's release workflow: another builder and another source.
    case(
        Some(&Run {
            repo: "mallory/sigil",
            ..RELEASE_RUN
        }),
        &["builder-mismatch", "source-mismatch"],
    );
    // The release workflow run on a branch, not a version tag.
    case(
        Some(&Run {
            git_ref: "refs/heads/main",
            ..RELEASE_RUN
        }),
        &["ref-mismatch"],
    );
    // A local build (`cargo xtask release` without GitHub): the local builder, and no source.
    case(
        None,
        &["builder-mismatch", "source-mismatch", "ref-mismatch"],
    );

    // The right provenance and SBOM, attested by a key the policy does not trust: they do not
    // count, whoever made them, and each untrusted signature is a finding of its own.
    r.reset_attestations();
    let prov = r.provenance(Some(&RELEASE_RUN));
    r.attest("other/untrusted-test.key", SLSA, &prov);
    r.attest("other/untrusted-test.key", CYCLONEDX, &sbom);
    let (code, found, _) = r.verify();
    assert_eq!(
        (code, found),
        (
            Some(1),
            codes(&[
                "key-untrusted",
                "key-untrusted",
                "provenance-missing",
                "sbom-missing"
            ])
        )
    );

    // Signed by an untrusted key only: no trusted signer at all.
    std::fs::remove_file(r.p(&format!("dist/{ARCHIVE}.minisig"))).unwrap();
    r.sign("other/untrusted-test.key", &r.artifact());
    let (code, found, _) = r.verify();
    assert_eq!(
        (code, found),
        (
            Some(1),
            codes(&[
                "key-untrusted",
                "key-untrusted",
                "key-untrusted",
                "threshold-not-met",
                "provenance-missing",
                "sbom-missing"
            ])
        )
    );
}
