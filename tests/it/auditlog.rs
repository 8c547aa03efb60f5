//! The audit log: `sigil log list|verify`, tampering with the sqlite3 CLI, parallel writers
//! (issue 7).

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{json_doc, sigil};

struct Fx {
    dir: tempfile::TempDir,
    policy: PathBuf,
    good: PathBuf,
    bad: PathBuf,
}

impl Fx {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("k");
        sigil()
            .args(["key", "generate", "--no-password", "--out"])
            .arg(&key)
            .assert()
            .code(0);
        let good = dir.path().join("good");
        std::fs::write(&good, b"good").unwrap();
        sigil()
            .arg("sign")
            .arg("--key")
            .arg(key.with_extension("key"))
            .arg(&good)
            .assert()
            .code(0);
        let bad = dir.path().join("bad");
        std::fs::write(&bad, b"unsigned").unwrap();
        let policy = dir.path().join("p.toml");
        std::fs::write(&policy, "schema = 1\n[trust]\nkeys = [\"k.pub\"]\n").unwrap();
        Self {
            dir,
            policy,
            good,
            bad,
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("audit.db")
    }

    fn verify(&self, file: &Path, code: i32) {
        sigil()
            .arg("verify")
            .arg("--policy")
            .arg(&self.policy)
            .arg(file)
            .arg("--audit-db")
            .arg(self.db())
            .assert()
            .code(code);
    }

    fn log(&self, args: &[&str]) -> std::process::Output {
        sigil()
            .env("SIGIL_AUDIT_DB", self.db())
            .arg("log")
            .args(args)
            .output()
            .unwrap()
    }

    fn sqlite(&self, sql: &str) {
        let Some(sqlite3) = support::tool("sqlite3") else {
            return;
        };
        let o = Command::new(sqlite3)
            .arg(self.db())
            .arg(sql)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

fn lines(o: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn one_entry_per_decision() {
    let fx = Fx::new();
    fx.verify(&fx.good, 0);
    fx.verify(&fx.bad, 1);
    fx.verify(&fx.good, 0);
    let o = fx.log(&["list", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let doc = json_doc(&o);
    let entries = doc["result"]["entries"].as_array().unwrap();
    let got: Vec<(i64, &str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["seq"].as_i64().unwrap(),
                e["command"].as_str().unwrap(),
                e["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "verify", "allow"),
            (2, "verify", "deny"),
            (3, "verify", "allow")
        ]
    );
    assert_eq!(entries[1]["findings"][0]["code"], "signature-missing");
    assert_eq!(
        entries[0]["artifact_sha256"],
        "770e607624d689265ca6c44884d0807d9b054d23c473c106c72be9de08b7376c"
    );
    assert_eq!(entries[0]["source"], fx.good.display().to_string());
    assert_eq!(entries[0]["policy_sha256"].as_str().unwrap().len(), 64);
    // Human listing, and --since.
    let l = lines(&fx.log(&["list"]));
    assert_eq!(l.len(), 3);
    assert!(
        l[1].contains(" verify  deny   ")
            && l[1].ends_with(&format!(
                "[signature-missing] {}",
                l[1].rsplit("] ").next().unwrap()
            )),
        "{l:?}"
    );
    assert_eq!(
        lines(&fx.log(&["list", "--since", "2999-01-01"])),
        ["no entries"]
    );
    assert_eq!(lines(&fx.log(&["list", "--since", "1h"])).len(), 3);
    let o = fx.log(&["list", "--since", "yesterday"]);
    assert_eq!(o.status.code(), Some(2));
    // Intact.
    let o = fx.log(&["verify"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        lines(&o)[0].starts_with("audit log intact: 3 entries, head "),
        "{:?}",
        lines(&o)
    );
}

/// Builds a 4-entry log, tampers with it through the sqlite3 CLI, and expects `log verify` to
/// exit 1 with exactly these problem lines.
fn tampered(sql: &str, expect: &[&str]) {
    let fx = Fx::new();
    for f in [&fx.good, &fx.bad, &fx.good, &fx.bad] {
        fx.verify(f, if f == &fx.good { 0 } else { 1 });
    }
    if support::tool("sqlite3").is_none() {
        return;
    }
    // The triggers refuse changes until they are dropped.
    let o = Command::new("sqlite3")
        .arg(fx.db())
        .arg("UPDATE audit_log SET verdict = 'allow' WHERE seq = 2;")
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("the sigil audit log is append-only"));
    fx.sqlite(&format!(
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; {sql}"
    ));
    let o = fx.log(&["verify"]);
    assert_eq!(o.status.code(), Some(1), "{sql}");
    let mut want: Vec<String> = expect.iter().map(|s| (*s).to_owned()).collect();
    want.push("audit log: the append-only triggers were removed".to_owned());
    let n = want.len();
    want.push(format!(
        "audit log tampered: {n} problems in {} entries",
        if sql.contains("DELETE") { 3 } else { 4 }
    ));
    assert_eq!(lines(&o), want, "{sql}");
    let doc = json_doc(&fx.log(&["verify", "--format", "json"]));
    assert_eq!(doc["exit_code"], 1);
    assert_eq!(doc["status"], "not-verified");
}

const EDITED: &str = "contents do not match the row's hash (edited)";
const UNLINKED: &str =
    "does not follow the previous row's hash (a row before it was deleted, edited or reordered)";

#[test]
fn edited_row_is_detected() {
    tampered(
        "UPDATE audit_log SET verdict = 'allow', findings = '[]' WHERE seq = 2;",
        &[&format!("row 2: {EDITED}")],
    );
}

#[test]
fn edited_row_with_recomputed_looking_hash_breaks_the_next_link() {
    // Changing a row's hash to hide an edit breaks the link from the row after it.
    tampered(
        "UPDATE audit_log SET verdict = 'allow', hash = 'aaaa' WHERE seq = 2;",
        &[&format!("row 2: {EDITED}"), &format!("row 3: {UNLINKED}")],
    );
}

#[test]
fn deleted_row_is_detected() {
    tampered(
        "DELETE FROM audit_log WHERE seq = 2;",
        &[
            "row 3: rows 2..2 are missing (deleted)",
            &format!("row 3: {UNLINKED}"),
        ],
    );
}

#[test]
fn reordered_rows_are_detected() {
    tampered(
        "UPDATE audit_log SET seq = 100 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 3; UPDATE audit_log SET seq = 3 WHERE seq = 100;",
        &[&format!("row 2: {UNLINKED}"), &format!("row 2: {EDITED}"), &format!("row 3: {UNLINKED}"), &format!("row 3: {EDITED}"), &format!("row 4: {UNLINKED}")],
    );
}

#[test]
fn parallel_processes_lose_no_entry() {
    let fx = Fx::new();
    let bin = assert_cmd::cargo::cargo_bin("sigil");
    let per = 5;
    let children: Vec<_> = (0..8)
        .map(|i| {
            let file = if i % 2 == 0 {
                fx.good.clone()
            } else {
                fx.bad.clone()
            };
            let (bin, policy, db) = (bin.clone(), fx.policy.clone(), fx.db());
            std::thread::spawn(move || {
                for _ in 0..per {
                    let o = Command::new(&bin)
                        .arg("verify")
                        .arg("--policy")
                        .arg(&policy)
                        .arg(&file)
                        .arg("--audit-db")
                        .arg(&db)
                        .output()
                        .unwrap();
                    assert!(
                        matches!(o.status.code(), Some(0 | 1)),
                        "{}",
                        String::from_utf8_lossy(&o.stderr)
                    );
                }
            })
        })
        .collect();
    for c in children {
        c.join().unwrap();
    }
    let doc = json_doc(&fx.log(&["list", "--format", "json"]));
    let entries = doc["result"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 8 * per);
    let seqs: Vec<i64> = entries.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=40).collect::<Vec<_>>());
    assert_eq!(
        entries.iter().filter(|e| e["verdict"] == "allow").count(),
        20
    );
    let o = fx.log(&["verify"]);
    assert_eq!(o.status.code(), Some(0), "{:?}", lines(&o));
}
