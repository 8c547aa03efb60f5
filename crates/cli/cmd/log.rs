//! `sigil log list|verify|checkpoint`: the decision log of the gate commands.

use std::path::PathBuf;

use sigil_gate::decision_log::{self, Checkpoint};
use sigil_gate::report;

use super::gate::DecisionLogArgs;
use crate::output::{Failure, Report};

/// The audit log.
#[derive(Debug, clap::Subcommand)]
pub enum LogCommand {
    /// Show recorded decisions.
    List(ListArgs),
    /// Check the hash chain: exit 1 when a row was edited, deleted or reordered. Without an
    /// anchor (--expect-head or --key) this cannot catch a rewrite that recomputed the chain.
    Verify(LogVerifyArgs),
    /// Sign the current head (rows and hash) with a minisign key, as a checkpoint that
    /// `log verify --key` checks later.
    Checkpoint(LogCheckpointArgs),
}

/// `sigil log verify`.
#[derive(Debug, clap::Args)]
pub struct LogVerifyArgs {
    #[command(flatten)]
    audit: DecisionLogArgs,
    /// Exit 1 unless the head hash is exactly HEX (as printed by an earlier `log verify`).
    #[arg(long, value_name = "HEX")]
    expect_head: Option<String>,
    /// Check the signed checkpoint with this public key: the checkpointed head must still be
    /// the hash of the row at the same position. A missing checkpoint is exit 1.
    #[arg(long, value_name = "PUB")]
    key: Option<PathBuf>,
    /// Checkpoint file (its signature is FILE.minisig); default DB.checkpoint.
    #[arg(long, value_name = "FILE", requires = "key")]
    checkpoint: Option<PathBuf>,
}

/// `sigil log checkpoint`.
#[derive(Debug, clap::Args)]
pub struct LogCheckpointArgs {
    #[command(flatten)]
    audit: DecisionLogArgs,
    /// Minisign secret key to sign the checkpoint with.
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// Where to write the checkpoint (and FILE.minisig); default DB.checkpoint. Keep a copy
    /// where whoever can write the log cannot.
    #[arg(long = "out", short = 'o', value_name = "FILE")]
    out: Option<PathBuf>,
}

/// `sigil log list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only entries at or after T: RFC 3339 (2026-01-02T03:04:05Z), a date, or an age (30m, 24h, 7d).
    #[arg(long, value_name = "T")]
    since: Option<String>,
    #[command(flatten)]
    audit: DecisionLogArgs,
}

/// `sigil log list|verify|checkpoint`.
pub fn log(cmd: LogCommand) -> Result<Report, Failure> {
    match cmd {
        LogCommand::List(a) => {
            let now = decision_log::now();
            let since = a.since.as_deref().map(|s| report::since(s, now));
            let since = since.transpose()?;
            let log = a.audit.open(false)?;
            Ok(report::log_list(log.path(), &log.list(since)?))
        }
        LogCommand::Checkpoint(a) => checkpoint(&a),
        LogCommand::Verify(a) => verify(&a),
    }
}

fn verify(a: &LogVerifyArgs) -> Result<Report, Failure> {
    let head = a.expect_head.as_deref().map(report::expect_head);
    let head = head.transpose()?;
    let key = a.key.as_deref().map(super::load_public_key).transpose()?;
    let log = a.audit.open(false)?;
    let mut v = log.verify()?;
    let file = (a.checkpoint.clone()).unwrap_or_else(|| Checkpoint::default_path(log.path()));
    let cp = v.anchor(head, key.as_ref().map(|k| (k, file.as_path())));
    Ok(report::log_verify(
        log.path(),
        &v,
        cp.as_ref().map(|c| (file.as_path(), c)),
    ))
}

fn checkpoint(a: &LogCheckpointArgs) -> Result<Report, Failure> {
    let sk = super::load_secret_key(&a.key)?;
    let log = a.audit.open(false)?;
    let v = log.verify()?;
    let cp = Checkpoint::of(&v).ok_or_else(|| report::not_checkpointed(log.path(), &v))?;
    let sig = cp.sign(&sk, decision_log::now().0);
    let sig = sig.map_err(|e| Failure::io(Failure::chain(&e)))?;
    let file = (a.out.clone()).unwrap_or_else(|| Checkpoint::default_path(log.path()));
    let sig_path = cp.write(&sig, &file).map_err(super::key_file_error)?;
    let key_id = sk.key_id().to_string();
    Ok(report::log_checkpoint(
        log.path(),
        &cp,
        &file,
        &sig_path,
        &key_id,
    ))
}
