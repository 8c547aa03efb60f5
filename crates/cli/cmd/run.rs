//! `sigil run`: verify the exact bytes under a policy, then execute them.

use std::ffi::OsString;
use std::path::PathBuf;

use serde_json::json;
use sigil_gate::decision_log;
use sigil_gate::run::{self, ProgramStdout};
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
    let ev = sigil_gate::gather_path(
        &policy,
        &a.artifact,
        Some(sealed.path()),
        Purpose::Run,
        &none,
    )
    .map_err(super::gate::gather_error)?;
    let d = evaluate(&policy, &ev, decision_log::now());
    let seq = log
        .record("run", &source, Some(&ev.subject), &policy, Ok(&d))
        .map_err(|e| io(&e))?;
    let db = log.path().to_path_buf();
    drop(log);
    let report =
        |extra| super::gate::report("allowed", &d, Some(&ev.subject), &source, &policy, extra);
    if !d.allowed() {
        return Ok(report(json!({ "audit": { "db": db, "seq": seq } })).line("nothing was run"));
    }
    let stdout = match out.format {
        Format::Json => ProgramStdout::ToStderr,
        _ => ProgramStdout::Inherit,
    };
    let name = ev.subject.name.clone();
    let code =
        run::exec(&sealed, &ev.subject.sha256, &name, &a.args, stdout).map_err(|e| io(&e))?;
    let mut r =
        report(json!({ "audit": { "db": db, "seq": seq }, "program": { "exit_code": code } }));
    r.human.clear();
    r.exit = Some(u8::try_from(code).unwrap_or(255));
    Ok(r)
}
