//! `sigil run`: verify the exact bytes under a policy, then execute them.

use std::ffi::OsString;
use std::path::PathBuf;

use sigil_gate::run::{self, ProgramStdout};
use sigil_gate::{decision_log, report};
use sigil_policy::{evaluate, Purpose};

use super::gate::DecisionLogArgs;
use crate::output::{Failure, Format, Output, Report};

/// `sigil run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The policy to enforce (it must say `[run] allow = true`).
    #[arg(long, value_name = "P")]
    policy: PathBuf,
    #[command(flatten)]
    audit: DecisionLogArgs,
    /// The program to verify and run.
    #[arg(value_name = "ARTIFACT")]
    artifact: PathBuf,
    /// Arguments for the program (after `--`).
    #[arg(
        value_name = "ARGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    args: Vec<OsString>,
}

/// `sigil run`: on allow, exits with the program's exit code (stdout belongs to the program).
///
/// Allowed: the program runs and its exit code is sigil's. With `--format json` the program's
/// stdout goes to stderr and sigil prints the one decision document (with the program's exit
/// code) when it ends; in human format nothing but the program's own output is printed.
pub fn run(out: &Output, a: RunArgs) -> Result<Report, Failure> {
    let policy = super::policy::load_policy(out, &a.policy)?;
    let mut log = a.audit.open(true)?;
    let source = a.artifact.display().to_string();
    let io = |e: &dyn std::error::Error| Failure::io(Failure::chain(e));
    let sealed = run::seal_copy(&a.artifact).map_err(|e| {
        let _ = log.record("run", &source, None, &policy, Err(&Failure::chain(&e)));
        io(&e)
    })?;
    // Evidence is checked against the sealed copy: the bytes that will run.
    let none = sigil_sign::binding::Expect::NONE;
    let content = Some(sealed.path());
    let ev = sigil_gate::gather_path(&policy, &a.artifact, content, Purpose::Run, &none)?;
    let d = evaluate(&policy, &ev, decision_log::now());
    let seq = log.record("run", &source, Some(&ev.subject), &policy, Ok(&d))?;
    let audit = report::audit_json(log.path(), Some(seq));
    drop(log);
    let code = match d.allowed() {
        false => None,
        true => {
            let stdout = match out.format {
                Format::Json => ProgramStdout::ToStderr,
                _ => ProgramStdout::Inherit,
            };
            let (digest, name) = (&ev.subject.sha256, &ev.subject.name);
            Some(run::exec(&sealed, digest, name, &a.args, stdout).map_err(|e| io(&e))?)
        }
    };
    Ok(report::ran(&d, &ev.subject, &source, &policy, audit, code))
}
