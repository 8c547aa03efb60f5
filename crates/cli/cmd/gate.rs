//! What the gate commands share (`verify --policy`, `install`, `run`, `log`): the decision
//! log's place, and `verify --policy`.
//!
//! Every verify, install and run decision (and every install or run that failed before
//! deciding) is appended to the decision log: `--audit-db`, else `SIGIL_AUDIT_DB`, else
//! `$XDG_DATA_HOME/sigil/audit.db` or `~/.local/share/sigil/audit.db`.

use std::path::{Path, PathBuf};

use sigil_gate::decision_log::{self, DecisionLog};
use sigil_gate::report;
use sigil_policy::{evaluate, Purpose};

use crate::output::{Failure, Output, Report};

/// `--audit-db`, shared by the gate commands.
#[derive(Debug, Clone, clap::Args)]
pub struct DecisionLogArgs {
    /// Audit log database; default $XDG_DATA_HOME/sigil/audit.db (or ~/.local/share/sigil/audit.db).
    #[arg(long, value_name = "DB", env = "SIGIL_AUDIT_DB")]
    pub audit_db: Option<PathBuf>,
}

impl DecisionLogArgs {
    /// Opens the log, creating it when `create` ([`sigil_gate::report::open_log`]).
    pub fn open(&self, create: bool) -> Result<DecisionLog, Failure> {
        report::open_log(self.audit_db.as_deref(), |k| std::env::var_os(k), create)
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
    let ev = sigil_gate::gather_path(&policy, artifact, None, Purpose::Verify, expect)?;
    let d = evaluate(&policy, &ev, decision_log::now());
    let source = artifact.display().to_string();
    let seq = log.record("verify", &source, Some(&ev.subject), &policy, Ok(&d))?;
    let audit = report::audit_json(log.path(), Some(seq));
    let subject = Some(&ev.subject);
    Ok(report::decision(
        "verified", &d, subject, &source, &policy, audit,
    ))
}
