//! `sigil run`: verify the exact bytes under a policy, then execute them.

use std::ffi::OsString;
use std::path::PathBuf;

use sigil_gate::run::{self, ProgramStdout};

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
    let log = a.audit.open(true)?;
    let stdout = match out.format {
        Format::Json => ProgramStdout::ToStderr,
        _ => ProgramStdout::Inherit,
    };
    let now = sigil_gate::decision_log::now();
    run::run_logged(&policy, &a.artifact, &a.args, stdout, log, now)
}
