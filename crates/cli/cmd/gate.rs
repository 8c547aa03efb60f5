//! What the gate commands share (`verify --policy`, `install`, `run`, `log`): the decision
//! log's place and a decision as a report.
//!
//! Every verify, install and run decision (and every install or run that failed before
//! deciding) is appended to the decision log: `--audit-db`, else `SIGIL_AUDIT_DB`, else
//! `$XDG_DATA_HOME/sigil/audit.db` or `~/.local/share/sigil/audit.db`.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sigil_gate::decision_log::{self, DecisionLog};
use sigil_gate::{decision, GatherError};
use sigil_policy::{evaluate, Decision, Policy, Purpose, Subject};

use crate::output::{Failure, Output, Report};

/// `--audit-db`, shared by the gate commands.
#[derive(Debug, Clone, clap::Args)]
pub struct DecisionLogArgs {
    /// Audit log database; default $XDG_DATA_HOME/sigil/audit.db (or ~/.local/share/sigil/audit.db).
    #[arg(long, value_name = "DB", env = "SIGIL_AUDIT_DB")]
    pub audit_db: Option<PathBuf>,
}

impl DecisionLogArgs {
    /// Opens the log, creating it when `create`.
    pub fn open(&self, create: bool) -> Result<DecisionLog, Failure> {
        let path = match &self.audit_db {
            Some(p) => p.clone(),
            None => decision_log::default_path(|k| std::env::var_os(k)).ok_or_else(|| {
                Failure::usage("no place for the audit log")
                    .hint("set HOME, XDG_DATA_HOME or SIGIL_AUDIT_DB, or pass --audit-db")
            })?,
        };
        if create {
            return DecisionLog::open(&path).map_err(|e| Failure::io(Failure::chain(&e)));
        }
        DecisionLog::open_existing(&path).map_err(|e| {
            Failure::io(Failure::chain(&e))
                .hint("the log is created by the first verify, install or run")
        })
    }
}

/// The decision as a report: every rule's verdict, then every finding; `extra` joins the data.
pub fn report(
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

/// Why evidence could not be gathered, as an error.
pub fn gather_error(e: GatherError) -> Failure {
    match e {
        GatherError::NoName { .. } => Failure::usage(e),
        _ => Failure::io(Failure::chain(&e)),
    }
}

/// `sigil verify --policy P ARTIFACT`.
pub fn verify_policy(
    out: &Output,
    policy_path: &Path,
    artifact: &Path,
    expect: &sigil_sign::binding::Expect,
    log_args: &DecisionLogArgs,
) -> Result<Report, Failure> {
    let policy = super::policy::load_policy(out, policy_path)?;
    let mut log = log_args.open(true)?;
    if !artifact.is_dir() && artifact.file_name().is_some() {
        super::open_input(artifact)?;
    }
    let ev = sigil_gate::gather_path(&policy, artifact, None, Purpose::Verify, expect)
        .map_err(gather_error)?;
    let d = evaluate(&policy, &ev, decision_log::now());
    let source = artifact.display().to_string();
    let seq = log
        .record("verify", &source, Some(&ev.subject), &policy, Ok(&d))
        .map_err(|e| Failure::io(Failure::chain(&e)))?;
    let extra = json!({ "audit": { "db": log.path(), "seq": seq } });
    Ok(report(
        "verified",
        &d,
        Some(&ev.subject),
        &source,
        &policy,
        extra,
    ))
}
