//! `sigil policy check` and the shipped policies in `policies/` (issue 7).

use crate::support;

use std::path::{Path, PathBuf};

use support::{json_doc, root, sigil};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Copies a shipped policy into a temp dir and generates every key file it names
/// (`path = "keys/NAME.pub"`), so the policy can be exercised as a user would set it up.
fn setup(policy: &Path) -> (tempfile::TempDir, PathBuf, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(policy).unwrap();
    let mut keys = Vec::new();
    for part in text.split("path = \"").skip(1) {
        let rel = &part[..part.find('"').unwrap()];
        let prefix = dir.path().join(rel.trim_end_matches(".pub"));
        std::fs::create_dir_all(prefix.parent().unwrap()).unwrap();
        sigil()
            .args(["key", "generate", "--no-password", "--out"])
            .arg(&prefix)
            .assert()
            .code(0);
        keys.push(prefix);
    }
    let copy = dir.path().join(policy.file_name().unwrap());
    std::fs::write(&copy, text).unwrap();
    (dir, copy, keys)
}

fn verdict(o: &std::process::Output) -> (Option<i32>, Vec<String>) {
    let doc = json_doc(o);
    let codes = doc["result"]["findings"]
        .as_array()
        .map_or_else(Vec::new, |a| {
            a.iter()
                .filter(|f| f["waived"] == false)
                .map(|f| f["code"].as_str().unwrap().to_owned())
                .collect()
        });
    (o.status.code(), codes)
}

#[test]
fn every_shipped_policy_loads_and_decides() {
    let dir = root().join("policies");
    let mut seen = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        seen.push(name.clone());
        let (tmp, policy, keys) = setup(&path);
        let o = sigil()
            .args(["policy", "check", "--format", "json"])
            .arg(&policy)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        assert_eq!(json_doc(&o)["status"], "ok");
        let db = tmp.path().join("audit.db");
        let art = tmp.path().join(if name.contains("pack") {
            "widget-1.0.tar.gz"
        } else {
            "widget-1.0"
        });
        std::fs::write(&art, b"artifact").unwrap();
        let verify = || {
            sigil()
                .env("SIGIL_AUDIT_DB", &db)
                .args(["verify", "--format", "json", "--policy"])
                .arg(&policy)
                .arg(&art)
                .output()
                .unwrap()
        };
        // Unsigned: every shipped policy denies.
        let (code, codes) = verdict(&verify());
        assert_eq!(code, Some(1), "{name}");
        match name.as_str() {
            "data-only-pack.toml" => {
                assert_eq!(codes, ["pack-invalid", "signature-missing"]);
                // Signed by the publisher: trust passes, and the pack rule fails: the archive
                // is not a pack (tests/it/gate_pack.rs has real ones).
                sigil()
                    .arg("sign")
                    .arg("--key")
                    .arg(keys[0].with_extension("key"))
                    .arg(&art)
                    .assert()
                    .code(0);
                assert_eq!(
                    verdict(&verify()),
                    (Some(1), vec!["pack-invalid".to_owned()])
                );
                // And `sigil run` is never allowed under it.
                let o = sigil()
                    .env("SIGIL_AUDIT_DB", &db)
                    .args(["run", "--format", "json", "--policy"])
                    .arg(&policy)
                    .arg(&art)
                    .output()
                    .unwrap();
                assert_eq!(verdict(&o), (Some(1), vec!["run-not-allowed".to_owned()]));
            }
            "example-keyless.toml" => {
                assert_eq!(codes, ["signature-missing", "provenance-missing"]);
                // A bundle that is not a valid Sigstore bundle is an integrity failure.
                std::fs::write(tmp.path().join("widget-1.0.sigstore.json"), b"{}").unwrap();
                let (code, codes) = verdict(&verify());
                assert_eq!((code, codes[0].as_str()), (Some(1), "bundle-invalid"));
            }
            "example-two-maintainers.toml" => {
                // The exception waives sbom-missing for widget-* artifacts only.
                assert_eq!(codes, ["signature-missing"]);
                sigil()
                    .arg("sign")
                    .arg("--key")
                    .arg(keys[0].with_extension("key"))
                    .arg(&art)
                    .assert()
                    .code(0);
                assert_eq!(
                    verdict(&verify()),
                    (Some(1), vec!["threshold-not-met".to_owned()])
                );
                let waived = |o: &std::process::Output| -> Vec<String> {
                    let doc = json_doc(o);
                    let all = doc["result"]["findings"].as_array().unwrap().clone();
                    all.iter()
                        .filter(|f| f["waived"] == true)
                        .map(|f| f["code"].as_str().unwrap().to_owned())
                        .collect()
                };
                assert_eq!(waived(&verify()), ["sbom-missing"]);
                // A second distinct maintainer meets the threshold of 2.
                let copy = tmp.path().join("bob").join("widget-1.0");
                std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
                std::fs::copy(&art, &copy).unwrap();
                sigil()
                    .arg("sign")
                    .arg("--key")
                    .arg(keys[1].with_extension("key"))
                    .arg(&copy)
                    .assert()
                    .code(0);
                std::fs::copy(
                    copy.with_file_name("widget-1.0.minisig"),
                    tmp.path().join("widget-1.0.bob.minisig"),
                )
                .unwrap();
                let o = verify();
                assert_eq!(verdict(&o), (Some(0), vec![]));
                assert_eq!(waived(&o), ["sbom-missing"]);
                // Another artifact name is not covered by the exception.
                let gadget = tmp.path().join("gadget");
                std::fs::write(&gadget, b"g").unwrap();
                let o = sigil()
                    .env("SIGIL_AUDIT_DB", &db)
                    .args(["verify", "--format", "json", "--policy"])
                    .arg(&policy)
                    .arg(&gadget)
                    .output()
                    .unwrap();
                let (code, codes) = verdict(&o);
                assert_eq!(
                    (code, codes),
                    (
                        Some(1),
                        vec![
                            "signature-missing".to_owned(),
                            "sbom-missing".to_owned(),
                            "unused-exception".to_owned()
                        ]
                    )
                );
            }
            other => {
                // A policy added later (e.g. release.toml): it must at least deny an unsigned file.
                assert!(
                    codes.contains(&"signature-missing".to_owned())
                        || codes.contains(&"threshold-not-met".to_owned()),
                    "{other}: {codes:?}"
                );
            }
        }
    }
    for want in [
        "data-only-pack.toml",
        "example-keyless.toml",
        "example-two-maintainers.toml",
    ] {
        assert!(seen.iter().any(|s| s == want), "policies/{want} is missing");
    }
}

/// `sigil policy check` on `text`: exit 2 with exactly `first_line` and `hint`.
fn check_rejected(text: &str, first_line: &str, hint: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.toml");
    std::fs::write(&p, text).unwrap();
    let o = sigil().arg("policy").arg("check").arg(&p).output().unwrap();
    assert_eq!(o.status.code(), Some(2), "{text}");
    let err = stderr(&o);
    let prefix = format!("{}:", p.display());
    let first = err
        .lines()
        .next()
        .unwrap()
        .replace(&prefix, "bad.toml:")
        .replace(&dir.path().display().to_string(), "DIR");
    assert_eq!(first, format!("error: {first_line}"), "{err}");
    assert_eq!(
        err.lines().find_map(|l| l.strip_prefix("hint: ")),
        hint,
        "{err}"
    );
    // JSON carries the location as data.
    let o = sigil()
        .args(["policy", "check", "--format", "json"])
        .arg(&p)
        .output()
        .unwrap();
    let doc = json_doc(&o);
    assert_eq!(doc["exit_code"], 2);
    let loc = first_line.split(':').collect::<Vec<_>>();
    assert_eq!(doc["error"]["details"]["line"].to_string(), loc[1]);
    assert_eq!(doc["error"]["details"]["column"].to_string(), loc[2]);
}

const KEY: &str = "RWQTlp/0/vxze2SUsE8aHn9L4iTLhosQP0cAnf7piKJQxtA7t8Cu/eRa";

#[test]
fn bad_policies_are_rejected_with_their_location() {
    let base = format!("schema = 1\n[trust]\nkeys = [{{ public-key = \"{KEY}\" }}]\n");
    check_rejected(
        &format!("{base}[install]\nfile-mode = 0o644\nmode = 1\n"),
        "bad.toml:6:1: unknown field `mode`, expected `file-mode` or `max-download-bytes`",
        Some("remove the key or fix its spelling; docs/policy.md lists every key"),
    );
    check_rejected(
        &format!("{base}\n[[exceptions]]\ncode = \"sbom-missing\"\nexpires = 2030-01-01\n"),
        "bad.toml:5:1: missing field `reason`",
        Some("every exception needs a `reason` saying why the finding is acceptable"),
    );
    check_rejected(
        &format!("{base}[[trust.identities]]\nissuer = \"https://token.actions.githubusercontent.com\"\nsubject-regex = 'release\\.yml@refs/tags/v[0-9'\n"),
        "bad.toml:6:17: subject-regex does not compile: unclosed character class",
        Some("regexes use Rust `regex` syntax; escape literal dots and brackets with a backslash"),
    );
    check_rejected(
        &format!("{base}[provenance]\nsource-ref-regex = '(refs'\n"),
        "bad.toml:5:20: source-ref-regex does not compile: unclosed group",
        Some("regexes use Rust `regex` syntax; escape literal dots and brackets with a backslash"),
    );
    check_rejected(
        "schema = 1\n[trust]\nkeys = [\"missing.pub\"]\n",
        "bad.toml:3:9: key missing.pub: DIR/missing.pub: No such file or directory (os error 2)",
        None,
    );
    check_rejected(
        &base.replace("schema = 1", "schema = 3"),
        "bad.toml:1:10: unsupported policy schema 3 (this sigil reads schema 1)",
        Some("set `schema = 1`"),
    );
}

#[test]
fn policy_check_summarises_a_good_policy() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ok.toml");
    std::fs::write(&p, format!("schema = 1\n[trust]\nkeys = [{{ public-key = \"{KEY}\", name = \"rel\" }}]\n[run]\nallow = true\n")).unwrap();
    let o = sigil().arg("policy").arg("check").arg(&p).output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with(&format!("{}: ok (sha256 ", p.display())),
        "{out}"
    );
    assert_eq!(
        &lines[1..],
        [
            "requires: 1 of 1 trusted signers",
            "run allowed: yes",
            "exceptions: 0"
        ]
    );
}
