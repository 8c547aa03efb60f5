//! `sigil log list|verify|checkpoint`: the decision log of the gate commands.

use std::path::PathBuf;

use serde_json::{json, Value};
use sigil_gate::decision_log::{self, Checkpoint};

use super::gate::DecisionLogArgs;
use crate::output::{Failure, Report, Status};

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

fn io(e: &dyn std::error::Error) -> Failure {
    Failure::io(Failure::chain(e))
}

/// `sigil log list|verify|checkpoint`.
pub fn log(cmd: LogCommand) -> Result<Report, Failure> {
    match cmd {
        LogCommand::List(a) => list(&a),
        LogCommand::Checkpoint(a) => checkpoint(&a),
        LogCommand::Verify(a) => verify(&a),
    }
}

fn list(a: &ListArgs) -> Result<Report, Failure> {
    let since = a.since.as_deref().map(|s| {
        decision_log::parse_since(s, decision_log::now()).ok_or_else(|| {
            Failure::usage(format!("--since {s:?} is not a time")).hint(
                "use RFC 3339 (2026-01-02T03:04:05Z), a date (2026-01-02) or an age (30m, 24h, 7d)",
            )
        })
    });
    let since = since.transpose()?;
    let log = a.audit.open(false)?;
    let rows = log.list(since).map_err(|e| io(&e))?;
    let entries: Vec<_> = rows.iter().map(decision_log::Entry::to_json).collect();
    let mut report = Report::ok("ok", json!({ "db": log.path(), "entries": entries }));
    report.human = rows.iter().map(decision_log::Entry::line).collect();
    if rows.is_empty() {
        report = report.line("no entries");
    }
    Ok(report)
}

fn verify(a: &LogVerifyArgs) -> Result<Report, Failure> {
    if let Some(h) = &a.expect_head {
        if sigil_core::hex::decode_array::<32>(h.trim()).is_err() {
            let msg = format!("--expect-head {h:?} is not a SHA-256 hash in hex");
            return Err(Failure::usage(msg));
        }
    }
    let key = a.key.as_deref().map(super::load_public_key).transpose()?;
    let log = a.audit.open(false)?;
    let mut v = log.verify().map_err(|e| io(&e))?;
    if let Some(h) = &a.expect_head {
        v.expect_head(h);
    }
    let mut checkpoint = Value::Null;
    if let Some(key) = &key {
        let default = || Checkpoint::default_path(log.path());
        let file = a.checkpoint.clone().unwrap_or_else(default);
        if let Some(cp) = v.check_checkpoint_file(key, &file) {
            checkpoint = json!({ "file": file, "rows": cp.rows, "head": cp.head });
        }
    }
    let mut data = v.to_json();
    data["db"] = json!(log.path());
    data["checkpoint"] = checkpoint;
    let mut r = Report::ok("verified", data);
    if !v.problems.is_empty() {
        r.status = Status::NotVerified;
    }
    r.human = v.lines();
    Ok(r)
}

fn checkpoint(a: &LogCheckpointArgs) -> Result<Report, Failure> {
    let sk = super::load_secret_key(&a.key)?;
    let log = a.audit.open(false)?;
    let v = log.verify().map_err(|e| io(&e))?;
    let Some(cp) = Checkpoint::of(&v) else {
        return Err(Failure::not_verified(format!(
            "{}: the chain has {} problems; a broken log is not checkpointed",
            log.path().display(),
            v.problems.len()
        ))
        .hint("run `sigil log verify` to see them"));
    };
    let sig = cp.sign(&sk, decision_log::now().0).map_err(|e| io(&e))?;
    let file = a
        .out
        .clone()
        .unwrap_or_else(|| Checkpoint::default_path(log.path()));
    let sig_path = cp.write(&sig, &file).map_err(super::key_file_error)?;
    Ok(Report::ok(
        "ok",
        json!({ "db": log.path(), "rows": cp.rows, "head": cp.head, "checkpoint": file, "signature": sig_path, "key_id": sk.key_id().to_string() }),
    )
    .line(format!(
        "checkpoint: {} entries, head {}, signed by key {} in {}",
        cp.rows,
        cp.head,
        sk.key_id(),
        file.display()
    )))
}
