//! Threat: the audit log's hash chain has no key. Whoever can write the database drops the
//! triggers, edits or cuts rows, recomputes every hash and restores the triggers, and plain
//! `sigil log verify` says "intact". What catches it is an anchor kept elsewhere:
//! `log verify --expect-head HEX`, or a checkpoint signed with `log checkpoint --key K` and
//! checked with `log verify --key PUB`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sigil_gate::decision_log::{DecisionLog, GENESIS};

use crate::gate_util::Fx;
use crate::support::{self, json_doc};

const TRIGGERS: &str = "
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the sigil audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the sigil audit log is append-only'); END;";

struct Log {
    fx: Fx,
    key: PathBuf,
}

impl Log {
    /// Four decisions: allow, deny, allow, deny.
    fn new() -> Self {
        let fx = Fx::new();
        let key = fx.key("k");
        let good = fx.write("good", b"good");
        fx.sign(&key, &good);
        let bad = fx.write("bad", b"unsigned");
        let policy = fx.policy("p.toml", &[&key], "");
        for (f, code) in [(&good, 0), (&bad, 1), (&good, 0), (&bad, 1)] {
            fx.cmd()
                .arg("verify")
                .arg("--policy")
                .arg(&policy)
                .arg(f)
                .assert()
                .code(code);
        }
        Self { fx, key }
    }

    fn db(&self) -> PathBuf {
        self.fx.p("audit.db")
    }

    fn log(&self, args: &[&str]) -> Output {
        self.fx.cmd().arg("log").args(args).output().unwrap()
    }

    fn head(&self) -> String {
        let doc = json_doc(&self.log(&["verify", "--format", "json"]));
        assert_eq!(doc["exit_code"], 0, "{doc}");
        doc["result"]["head"].as_str().unwrap().to_owned()
    }

    fn checkpoint(&self) {
        let o = self.log(&["checkpoint", "--key", &key_path(&self.key, "key")]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }

    /// The attack, with the sqlite3 CLI: drop the triggers, run `sql`, recompute every
    /// row's links and hashes, restore the triggers. Returns false when sqlite3 is missing.
    fn rewrite(&self, sql: &str) -> bool {
        let Some(sqlite3) = support::tool("sqlite3") else {
            return false;
        };
        sqlite(
            &sqlite3,
            &self.db(),
            &format!("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; {sql}"),
        );
        let rows = DecisionLog::open_existing(&self.db())
            .unwrap()
            .list(None)
            .unwrap();
        let mut prev = GENESIS.to_owned();
        let mut fix = String::new();
        for mut r in rows {
            r.prev_hash = prev;
            r.hash = r.compute_hash();
            fix.push_str(&format!(
                "UPDATE audit_log SET prev_hash = '{}', hash = '{}' WHERE seq = {};",
                r.prev_hash, r.hash, r.seq
            ));
            prev = r.hash;
        }
        sqlite(&sqlite3, &self.db(), &format!("{fix}{TRIGGERS}"));
        true
    }
}

fn key_path(prefix: &Path, ext: &str) -> String {
    prefix.with_extension(ext).display().to_string()
}

fn sqlite(sqlite3: &Path, db: &Path, sql: &str) {
    let o = Command::new(sqlite3).arg(db).arg(sql).output().unwrap();
    assert!(o.status.success(), "{sql}: {}", stderr(&o));
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn lines(o: &Output) -> Vec<String> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

const FLIP_DENY_TO_ALLOW: &str = "UPDATE audit_log SET verdict = 'allow' WHERE seq = 2;";

#[test]
fn a_rechained_rewrite_passes_plain_verify_but_not_the_expected_head() {
    let log = Log::new();
    let head = log.head();
    if !log.rewrite(FLIP_DENY_TO_ALLOW) {
        return;
    }
    let new_head = log.head();
    assert_ne!(new_head, head);

    // Without an anchor the rewrite is invisible: this is what the chain alone proves.
    let o = log.log(&["verify"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        lines(&o),
        [format!("audit log intact: 4 entries, head {new_head}")]
    );

    let o = log.log(&["verify", "--expect-head", &head]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        lines(&o),
        [
            format!(
                "audit log: head is {new_head} but {head} was expected: the log was rewritten or cut"
            ),
            "audit log tampered: 1 problems in 4 entries".to_owned(),
        ]
    );
    let doc = json_doc(&log.log(&["verify", "--format", "json", "--expect-head", &head]));
    assert_eq!(doc["exit_code"], 1);
    assert_eq!(doc["status"], "not-verified");
    assert_eq!(doc["result"]["problems"][0]["seq"], 0);

    // The head it now has is accepted, in either case.
    let o = log.log(&["verify", "--expect-head", &new_head.to_uppercase()]);
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn an_expected_head_that_is_not_a_hash_is_a_usage_error() {
    let log = Log::new();
    let o = log.log(&["verify", "--expect-head", "abc"]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        "error: --expect-head \"abc\" is not a SHA-256 hash in hex\n"
    );
}

#[test]
fn a_rechained_rewrite_fails_the_signed_checkpoint() {
    let log = Log::new();
    let head = log.head();
    log.checkpoint();
    assert_eq!(
        support::read(log.fx.p("audit.db.checkpoint")),
        format!("sigil-audit-checkpoint-v1\nrows 4\nhead {head}\n")
    );
    let pubkey = key_path(&log.key, "pub");
    let o = log.log(&["verify", "--key", &pubkey]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));

    if !log.rewrite(FLIP_DENY_TO_ALLOW) {
        return;
    }
    let new_head = log.head();
    let o = log.log(&["verify", "--key", &pubkey]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        lines(&o),
        [
            format!(
                "row 4: hash {new_head} differs from the signed checkpoint's {head}: rows up to here were rewritten"
            ),
            "audit log tampered: 1 problems in 4 entries".to_owned(),
        ]
    );
    let doc = json_doc(&log.log(&["verify", "--format", "json", "--key", &pubkey]));
    assert_eq!(doc["exit_code"], 1);
    assert_eq!(doc["result"]["checkpoint"]["rows"], 4);
    assert_eq!(doc["result"]["checkpoint"]["head"], head.as_str());
}

#[test]
fn a_truncated_log_fails_the_signed_checkpoint() {
    let log = Log::new();
    log.checkpoint();
    if !log.rewrite("DELETE FROM audit_log WHERE seq > 2;") {
        return;
    }
    let o = log.log(&["verify"]);
    assert_eq!(o.status.code(), Some(0), "a cut chain is still a chain");
    let o = log.log(&["verify", "--key", &key_path(&log.key, "pub")]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        lines(&o),
        [
            "audit log: the checkpoint covers 4 rows but the log has 2: rows were cut from the end",
            "audit log tampered: 1 problems in 2 entries",
        ]
    );
}

#[test]
fn a_missing_checkpoint_is_missing_evidence() {
    let log = Log::new();
    let o = log.log(&["verify", "--key", &key_path(&log.key, "pub")]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        lines(&o),
        [
            format!(
                "audit log: no usable checkpoint: {}: No such file or directory",
                log.fx.p("audit.db.checkpoint").display()
            ),
            "audit log tampered: 1 problems in 4 entries".to_owned(),
        ]
    );
}

#[test]
fn a_checkpoint_from_another_key_does_not_verify() {
    let log = Log::new();
    log.checkpoint();
    let other = log.fx.key("other");
    let o = log.log(&["verify", "--key", &key_path(&other, "pub")]);
    assert_eq!(o.status.code(), Some(1));
    let out = lines(&o);
    assert!(
        out[0].starts_with("audit log: checkpoint signature: signature was made by key "),
        "{out:?}"
    );
}
