//! Gate outcomes as command reports: a policy decision (`verify --policy`, `install`, `run`),
//! the decision log (`sigil log`), and the gate's errors as failures with their hints.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sigil_core::report::{Failure, Report};
use sigil_policy::{Decision, Policy, Subject, Timestamp};
use sigil_tuf::report::update_hint;
use sigil_tuf::trust::Instance;

use crate::decision_log::{self, Checkpoint, DecisionLog, DecisionLogError, Entry, Verification};
use crate::fetch::{FetchError, UrlError};
use crate::install::InstallError;
use crate::tuf::{RootError, StageError};
use crate::{decision, GatherError};

/// The decision as a report: every rule's verdict, then every finding; `extra` joins the data.
/// Exit 0 with `ok_word` when allowed, else not verified, summarised by its verdict line.
pub fn decision(
    ok_word: &'static str,
    d: &Decision,
    subject: Option<&Subject>,
    source: &str,
    policy: &Policy,
    extra: Value,
) -> Report {
    let mut data = decision::to_json(d, subject, source, policy);
    if let (Value::Object(m), Value::Object(e)) = (&mut data, extra) {
        m.extend(e);
    }
    let mut r = if d.allowed() {
        Report::ok(ok_word, data)
    } else {
        Report::not_verified(data)
    };
    r.human = decision::lines(d, subject, source);
    r.summary = r.human.first().cloned();
    r
}

/// Where a decision was recorded, for a report's data: `{"audit": {"db": ..., "seq": ...}}`.
pub fn audit_json(db: &Path, seq: Option<i64>) -> Value {
    json!({ "audit": { "db": db, "seq": seq } })
}

/// `sigil install`: the decision, then what was installed (or that nothing was).
pub fn installed(
    done: &crate::install::Installed,
    source: &str,
    policy: &Policy,
    dest: &Path,
    audit: Value,
) -> Report {
    let mut extra = audit;
    extra["installed"] = json!(done.path);
    let subject = done.subject.as_ref();
    let r = decision("installed", &done.decision, subject, source, policy, extra);
    r.line(match &done.path {
        Some(p) => format!("installed {}", p.display()),
        None => format!("nothing installed; {} is unchanged", dest.display()),
    })
}

/// `sigil run`: a denial ("nothing was run"), or the program's exit code passed through with
/// no line of sigil's own (the program's output is the output).
pub fn ran(
    d: &Decision,
    subject: &Subject,
    source: &str,
    policy: &Policy,
    audit: Value,
    exit_code: Option<i32>,
) -> Report {
    let Some(code) = exit_code else {
        return decision("allowed", d, Some(subject), source, policy, audit)
            .line("nothing was run");
    };
    let mut extra = audit;
    extra["program"] = json!({ "exit_code": code });
    let mut r = decision("allowed", d, Some(subject), source, policy, extra);
    r.human.clear();
    r.exit = Some(u8::try_from(code).unwrap_or(255));
    r
}

/// Evidence that could not be gathered: a path without a file name is a usage error, the
/// rest I/O.
impl From<GatherError> for Failure {
    fn from(e: GatherError) -> Self {
        match e {
            GatherError::NoName { .. } => Failure::usage(e),
            _ => Failure::io(Failure::chain(&e)),
        }
    }
}

/// The decision log could not be opened, read or written.
impl From<DecisionLogError> for Failure {
    fn from(e: DecisionLogError) -> Self {
        Failure::io(Failure::chain(&e))
    }
}

/// Why `sigil install` failed before or after deciding. A URL sigil cannot use at all is a
/// usage error; one the download rules refuse (plain http, http off loopback), given or
/// reached by a redirect, is not verified.
impl From<InstallError> for Failure {
    fn from(e: InstallError) -> Self {
        let msg = Failure::chain(&e);
        match e {
            InstallError::Fetch(FetchError::Url(u @ (UrlError::Invalid { .. } | UrlError::Scheme { .. }))) => {
                Failure::usage(u).hint("use an https:// URL")
            }
            InstallError::Fetch(FetchError::Url(u)) => Failure::not_verified(u)
                .hint("use an https:// URL; --insecure-allow-http allows http:// to 127.0.0.1 or [::1] only, for tests and local mirrors"),
            InstallError::Fetch(FetchError::Redirect(_)) => Failure::not_verified(msg).hint("redirects must stay on https://"),
            InstallError::NoName { .. } | InstallError::NoDestDir { .. } => Failure::usage(msg),
            InstallError::DestExists { .. } => Failure::usage(msg)
                .hint("a pack installs into a new directory: choose a DEST that does not exist, or pass --replace"),
            InstallError::FileExists { .. } => Failure::usage(format!("{msg}; nothing was installed and it is unchanged"))
                .hint("pass --replace to replace it (atomically: the old file stays until the new one is in place)"),
            _ => Failure::io(msg),
        }
    }
}

/// Opens the decision log at `db`, else at [`decision_log::default_path`] from `env`; creates
/// it when `create` (verify, install, run), else it must exist (`sigil log`).
pub fn open_log(
    db: Option<&Path>,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
    create: bool,
) -> Result<DecisionLog, Failure> {
    let path = match db {
        Some(p) => p.to_path_buf(),
        None => decision_log::default_path(env).ok_or_else(|| {
            Failure::usage("no place for the audit log")
                .hint("set HOME, XDG_DATA_HOME or SIGIL_AUDIT_DB, or pass --audit-db")
        })?,
    };
    if create {
        return Ok(DecisionLog::open(&path)?);
    }
    DecisionLog::open_existing(&path).map_err(|e| {
        Failure::from(e).hint("the log is created by the first verify, install or run")
    })
}

/// `--since T` for `sigil log list`, relative to `now`.
pub fn since(s: &str, now: Timestamp) -> Result<Timestamp, Failure> {
    decision_log::parse_since(s, now).ok_or_else(|| {
        Failure::usage(format!("--since {s:?} is not a time")).hint(
            "use RFC 3339 (2026-01-02T03:04:05Z), a date (2026-01-02) or an age (30m, 24h, 7d)",
        )
    })
}

/// `sigil log list`: one line per entry, or "no entries".
pub fn log_list(db: &Path, rows: &[Entry]) -> Report {
    let entries: Vec<_> = rows.iter().map(Entry::to_json).collect();
    let mut report = Report::ok("ok", json!({ "db": db, "entries": entries }));
    report.human = rows.iter().map(Entry::line).collect();
    if rows.is_empty() {
        report = report.line("no entries");
    }
    report
}

/// `--expect-head HEX` must be a SHA-256 hash in hex.
pub fn expect_head(h: &str) -> Result<&str, Failure> {
    match sigil_core::hex::decode_array::<32>(h.trim()) {
        Ok(_) => Ok(h),
        Err(_) => Err(Failure::usage(format!(
            "--expect-head {h:?} is not a SHA-256 hash in hex"
        ))),
    }
}

/// `sigil log verify`: intact (exit 0) or each problem (exit 1), with the checkpoint that was
/// checked, if any.
pub fn log_verify(db: &Path, v: &Verification, checkpoint: Option<(&Path, &Checkpoint)>) -> Report {
    let mut data = v.to_json();
    data["db"] = json!(db);
    data["checkpoint"] = match checkpoint {
        Some((file, cp)) => json!({ "file": file, "rows": cp.rows, "head": cp.head }),
        None => Value::Null,
    };
    let mut r = match v.problems.is_empty() {
        true => Report::ok("verified", data),
        false => Report::not_verified(data),
    };
    r.human = v.lines();
    r
}

/// `sigil log checkpoint` on a log whose chain is broken: nothing is signed.
pub fn not_checkpointed(db: &Path, v: &Verification) -> Failure {
    Failure::not_verified(format!(
        "{}: the chain has {} problems; a broken log is not checkpointed",
        db.display(),
        v.problems.len()
    ))
    .hint("run `sigil log verify` to see them")
}

/// `sigil log checkpoint`: what was signed, by which key, where.
pub fn log_checkpoint(
    db: &Path,
    cp: &Checkpoint,
    file: &Path,
    signature: &Path,
    key_id: &str,
) -> Report {
    Report::ok(
        "ok",
        json!({ "db": db, "rows": cp.rows, "head": cp.head, "checkpoint": file, "signature": signature, "key_id": key_id }),
    )
    .line(format!(
        "checkpoint: {} entries, head {}, signed by key {key_id} in {}",
        cp.rows,
        cp.head,
        file.display()
    ))
}

/// The warning when the cached trusted root of `inst` is used although its TUF metadata
/// expired at `at`.
pub fn expired_root_warning(inst: Instance, at: &str) -> String {
    format!(
        "the cached {} trusted root's TUF metadata expired at {at}; {}",
        inst.name(),
        update_hint(inst)
    )
}

/// A damaged trust cache: the TUF failure with the update that repairs it.
pub fn cache_failure(e: sigil_tuf::TufError, inst: Instance) -> Failure {
    Failure::from(e).hint(update_hint(inst))
}

/// No trusted root for `inst`: a damaged cache or a missing one is fixed by an update; an
/// embedded root that does not load is a setup error with no hint.
pub fn root_failure(e: RootError, inst: Instance) -> Failure {
    match e {
        RootError::Cache(e) => cache_failure(e, inst),
        e @ RootError::Embedded(_) => Failure::usage(Failure::chain(&e)),
        e => Failure::usage(Failure::chain(&e)).hint(update_hint(inst)),
    }
}

/// A `tuf+` install source that could not be staged; after a refusal, DEST is unchanged.
pub fn stage_failure(e: StageError) -> Failure {
    match e {
        StageError::Tuf(e) if e.is_refusal() => {
            Failure::from(e).hint("nothing was installed; DEST is unchanged")
        }
        StageError::Tuf(e) => e.into(),
        StageError::TempDir(e) => Failure::io(format!(
            "temporary directory: {}",
            sigil_core::report::io_reason(&e)
        )),
        e => Failure::usage(e),
    }
}

/// The trust cache directory ([`crate::tuf::trust_cache_dir`]), or a usage failure.
pub fn trust_cache_dir() -> Result<PathBuf, Failure> {
    crate::tuf::trust_cache_dir()
        .ok_or_else(|| Failure::usage("neither XDG_CACHE_HOME nor HOME is set: no cache directory"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decision_log::row_tests::denied;

    #[test]
    fn a_denied_decision_is_not_verified_and_summarised_by_its_verdict_line() {
        let (_d, policy, subject, d) = denied();
        let r = decision(
            "verified",
            &d,
            Some(&subject),
            "a.bin",
            &policy,
            audit_json(Path::new("db"), Some(3)),
        );
        assert_eq!(r.exit_code(), 1);
        assert_eq!(r.human, decision::lines(&d, Some(&subject), "a.bin"));
        let verdict = format!("deny: a.bin (sha256 {})", subject.sha256.to_hex());
        assert_eq!(r.summary.as_deref(), Some(verdict.as_str()));
        assert_eq!(r.data["audit"], json!({"db": "db", "seq": 3}));
        assert_eq!(r.data["verdict"], "deny");
        let ran = ran(
            &d,
            &subject,
            "a.bin",
            &policy,
            audit_json(Path::new("db"), Some(3)),
            None,
        );
        assert_eq!(
            ran.human.last().map(String::as_str),
            Some("nothing was run")
        );
        let inst = crate::install::Installed {
            decision: d.clone(),
            subject: Some(subject),
            path: None,
        };
        let i = installed(
            &inst,
            "a.bin",
            &policy,
            Path::new("dest"),
            audit_json(Path::new("db"), None),
        );
        assert_eq!(
            i.human.last().map(String::as_str),
            Some("nothing installed; dest is unchanged")
        );
        assert_eq!(i.data["installed"], Value::Null);
        assert_eq!(i.data["audit"]["seq"], Value::Null);
    }

    #[test]
    fn an_allowed_run_passes_the_program_exit_code_through_silently() {
        let (_d, policy, subject, mut d) = denied();
        d.verdict = sigil_policy::Verdict::Allow;
        let r = ran(
            &d,
            &subject,
            "a.bin",
            &policy,
            audit_json(Path::new("db"), Some(1)),
            Some(300),
        );
        assert!(r.human.is_empty());
        assert_eq!(r.exit_code(), 255);
        assert_eq!(r.data["program"], json!({"exit_code": 300}));
        assert_eq!(r.envelope("run")["status"], "allowed");
    }

    #[test]
    fn install_failures_sort_urls_destinations_and_io() {
        let usage = Failure::from(InstallError::Fetch(FetchError::Url(UrlError::Invalid {
            url: "x".into(),
        })));
        assert_eq!(
            (usage.kind.as_str(), usage.message.as_str()),
            ("usage", "\"x\" is not a valid URL")
        );
        assert_eq!(usage.hint.as_deref(), Some("use an https:// URL"));
        let http = Failure::from(InstallError::Fetch(FetchError::Url(UrlError::Http {
            url: "http://h/".into(),
        })));
        assert_eq!(
            (http.kind.as_str(), http.message.as_str()),
            ("not-verified", "http://h/ is plain http, which is refused")
        );
        let redirect = Failure::from(InstallError::Fetch(FetchError::Redirect(UrlError::Http {
            url: "http://h/".into(),
        })));
        assert_eq!(
            redirect.message,
            "redirect refused: http://h/ is plain http, which is refused"
        );
        assert_eq!(
            redirect.hint.as_deref(),
            Some("redirects must stay on https://")
        );
        let exists = Failure::from(InstallError::FileExists { path: "d/f".into() });
        assert_eq!(
            exists.message,
            "d/f: destination file exists; nothing was installed and it is unchanged"
        );
        assert_eq!(exists.kind.as_str(), "usage");
        let record = Failure::from(InstallError::Record("full".into()));
        assert_eq!(
            (record.kind.as_str(), record.message.as_str()),
            ("io", "cannot record the decision: full")
        );
        let gather = Failure::from(GatherError::NoName { path: "/".into() });
        assert_eq!(
            (gather.kind.as_str(), gather.message.as_str()),
            ("usage", "/: cannot tell the artifact's file name")
        );
    }

    #[test]
    fn the_log_opens_where_asked_and_is_required_to_exist_for_reading() {
        let d = tempfile::tempdir().expect("tempdir");
        let db = d.path().join("a.db");
        let none = open_log(None, |_| None, true).expect_err("no place");
        assert_eq!(
            (none.kind.as_str(), none.message.as_str()),
            ("usage", "no place for the audit log")
        );
        let missing = open_log(Some(&db), |_| None, false).expect_err("not created yet");
        assert_eq!(
            missing.hint.as_deref(),
            Some("the log is created by the first verify, install or run")
        );
        let log = open_log(Some(&db), |_| None, true).expect("created");
        assert_eq!(log.path(), db);
        assert!(open_log(Some(&db), |_| None, false).is_ok());
        let empty = log_list(&db, &[]);
        assert_eq!(empty.human, ["no entries"]);
        assert_eq!(empty.data["entries"], json!([]));
    }

    #[test]
    fn log_arguments_are_checked_before_the_log_is_read() {
        let e = since("soon", Timestamp(0)).expect_err("not a time");
        assert_eq!(e.message, "--since \"soon\" is not a time");
        assert!(since("2026-01-02", Timestamp(0)).is_ok());
        assert_eq!(
            expect_head("xyz").expect_err("not hex").message,
            "--expect-head \"xyz\" is not a SHA-256 hash in hex"
        );
        assert!(expect_head(&"ab".repeat(32)).is_ok());
    }

    #[test]
    fn log_verification_and_checkpoints_report_rows_head_and_problems() {
        let mut v = Verification {
            rows: 2,
            head: "h".into(),
            problems: vec![],
            hashes: vec![],
        };
        let cp = Checkpoint {
            rows: 2,
            head: "h".into(),
        };
        let ok = log_verify(Path::new("db"), &v, Some((Path::new("db.checkpoint"), &cp)));
        assert_eq!(ok.exit_code(), 0);
        assert_eq!(ok.human, ["audit log intact: 2 entries, head h"]);
        assert_eq!(
            ok.data["checkpoint"],
            json!({"file": "db.checkpoint", "rows": 2, "head": "h"})
        );
        v.problems.push(decision_log::ChainProblem {
            seq: 2,
            message: "edited".into(),
        });
        let bad = log_verify(Path::new("db"), &v, None);
        assert_eq!(bad.exit_code(), 1);
        assert_eq!(
            bad.human,
            [
                "row 2: edited",
                "audit log tampered: 1 problems in 2 entries"
            ]
        );
        assert_eq!(bad.data["checkpoint"], Value::Null);
        assert_eq!(
            not_checkpointed(Path::new("db"), &v).message,
            "db: the chain has 1 problems; a broken log is not checkpointed"
        );
        let c = log_checkpoint(
            Path::new("db"),
            &cp,
            Path::new("c"),
            Path::new("c.minisig"),
            "K",
        );
        assert_eq!(
            c.human,
            ["checkpoint: 2 entries, head h, signed by key K in c"]
        );
        assert_eq!(
            c.data,
            json!({"db": "db", "rows": 2, "head": "h", "checkpoint": "c", "signature": "c.minisig", "key_id": "K"})
        );
    }

    #[test]
    fn trust_failures_name_the_update_that_repairs_them() {
        assert_eq!(
            expired_root_warning(Instance::Staging, "2026-01-01T00:00:00Z"),
            "the cached staging trusted root's TUF metadata expired at 2026-01-01T00:00:00Z; run `sigil trust update --instance staging`"
        );
        let none = root_failure(RootError::NoneCached, Instance::GitHub);
        assert_eq!(
            none.message,
            "no trusted root for GitHub's Sigstore instance is cached"
        );
        assert_eq!(
            none.hint.as_deref(),
            Some("run `sigil trust update --instance github`")
        );
        let src = stage_failure(StageError::Source("bad source".into()));
        assert_eq!(
            (src.kind.as_str(), src.message.as_str()),
            ("usage", "bad source")
        );
        let tmp = stage_failure(StageError::TempDir(std::io::Error::other("full")));
        assert_eq!(
            (tmp.kind.as_str(), tmp.message.as_str()),
            ("io", "temporary directory: full")
        );
    }
}
