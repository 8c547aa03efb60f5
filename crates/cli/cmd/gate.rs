//! The policy gate: `sigil verify --policy`, `sigil install`, `sigil run`, and `sigil log`.
//!
//! Every verify, install and run decision (and every install or run that failed before
//! deciding) is appended to the audit log: `--audit-db`, else `SIGIL_AUDIT_DB`, else
//! `$XDG_DATA_HOME/sigil/audit.db` or `~/.local/share/sigil/audit.db`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::{json, Value};
use sigil_gate::audit::{self, AuditLog, NewEntry};
use sigil_gate::fetch::{FetchError, FetchOptions, UrlError};
use sigil_gate::install::{self, InstallError, Source};
use sigil_gate::{GatherError, Target};
use sigil_policy::{
    evaluate, Decision, Policy, Purpose, RuleVerdict, Subject, SubjectKind, Timestamp,
};

use crate::output::{CliError, Output, Report, Status};

/// `--audit-db`, shared by the gate commands.
#[derive(Debug, Clone, clap::Args)]
pub struct AuditArgs {
    /// Audit log database; default $XDG_DATA_HOME/sigil/audit.db (or ~/.local/share/sigil/audit.db).
    #[arg(long, value_name = "DB", env = "SIGIL_AUDIT_DB")]
    pub audit_db: Option<PathBuf>,
}

/// `sigil install`.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// A local file or an https:// URL; its sidecars (signatures, bundle, attestations,
    /// SHA256SUMS) are looked for beside it.
    #[arg(value_name = "SOURCE")]
    source: String,
    /// The policy to enforce.
    #[arg(long, value_name = "P")]
    policy: PathBuf,
    /// Destination file, or an existing directory to install into.
    #[arg(long = "to", value_name = "DEST")]
    to: PathBuf,
    /// Replace an existing file (or pack directory) at DEST; the old one stays until the new
    /// one replaces it in one atomic rename.
    #[arg(long)]
    replace: bool,
    #[command(flatten)]
    expect: super::verify::ExpectArgs,
    /// Allow plain http://, and only to loopback IP addresses (test servers, local mirrors).
    #[arg(long)]
    insecure_allow_http: bool,
    /// Seconds to wait for a connection.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    connect_timeout: u64,
    /// Seconds to wait for the response or for any read of the body.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    read_timeout: u64,
    #[command(flatten)]
    audit: AuditArgs,
}

/// `sigil run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// The policy to enforce (it must say `[run] allow = true`).
    #[arg(long, value_name = "P")]
    policy: PathBuf,
    #[command(flatten)]
    audit: AuditArgs,
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
    audit: AuditArgs,
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
    audit: AuditArgs,
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
    audit: AuditArgs,
}

fn now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

fn audit_path(a: &AuditArgs) -> Result<PathBuf, CliError> {
    match &a.audit_db {
        Some(p) => Ok(p.clone()),
        None => audit::default_path(|k| std::env::var_os(k)).ok_or_else(|| {
            CliError::usage("no place for the audit log")
                .hint("set HOME, XDG_DATA_HOME or SIGIL_AUDIT_DB, or pass --audit-db")
        }),
    }
}

fn open_log(a: &AuditArgs) -> Result<AuditLog, CliError> {
    let path = audit_path(a)?;
    AuditLog::open(&path).map_err(|e| CliError::io(CliError::chain(&e)))
}

/// Opens an existing log without changing it (for `log list` and `log verify`).
fn open_log_read(a: &AuditArgs) -> Result<AuditLog, CliError> {
    let path = audit_path(a)?;
    AuditLog::open_existing(&path).map_err(|e| {
        CliError::io(CliError::chain(&e))
            .hint("the log is created by the first verify, install or run")
    })
}

fn findings_json(d: &Decision) -> Value {
    Value::Array(
        d.findings
            .iter()
            .map(|f| {
                json!({
                    "code": f.code.as_str(),
                    "rule": f.code.rule().as_str(),
                    "severity": f.severity.as_str(),
                    "message": f.message,
                    "source": f.source,
                    "waived": f.waived.is_some(),
                    "reason": f.waived,
                })
            })
            .collect(),
    )
}

/// Appends one decision (or an error, `decision: None`) to the log.
fn record(
    log: &mut AuditLog,
    command: &str,
    source: &str,
    subject: Option<&Subject>,
    policy: &Policy,
    outcome: Result<&Decision, &str>,
) -> Result<i64, String> {
    let (verdict, findings) = match outcome {
        Ok(d) => (d.verdict.as_str().to_owned(), findings_json(d).to_string()),
        Err(msg) => (
            "error".to_owned(),
            json!([{ "code": "error", "message": msg }]).to_string(),
        ),
    };
    let entry = NewEntry {
        time: now(),
        user: audit::current_user(|k| std::env::var_os(k)),
        command: command.to_owned(),
        source: source.to_owned(),
        artifact_sha256: subject.map(|s| s.sha256),
        policy_sha256: Some(policy.digest),
        verdict,
        findings,
    };
    log.append(&entry)
        .map(|e| e.seq)
        .map_err(|e| CliError::chain(&e))
}

/// The decision as a report: every rule's verdict, then every finding.
fn decision_report(
    ok_word: &'static str,
    d: &Decision,
    subject: Option<&Subject>,
    source: &str,
    policy: &Policy,
    extra: Value,
) -> Report {
    let artifact = subject.map(|s| json!({ "name": s.name, "sha256": s.sha256.to_hex(), "bytes": s.bytes, "kind": match s.kind { SubjectKind::File => "file", SubjectKind::Pack => "pack" } }));
    let signed: Vec<_> = d
        .signed_comments
        .iter()
        .map(|c| json!({ "source": c.source, "trusted_comment": c.trusted_comment }))
        .collect();
    let rules: Vec<_> = d.rules.iter().map(|r| json!({ "rule": r.rule.as_str(), "verdict": r.verdict.as_str(), "detail": r.detail })).collect();
    let mut data = json!({
        "source": source,
        "artifact": artifact,
        "policy": { "file": policy.file, "sha256": policy.digest.to_hex() },
        "verdict": d.verdict.as_str(),
        "rules": rules,
        "findings": findings_json(d),
        "signers": d.signers,
        "signed_comments": signed,
    });
    if let (Value::Object(m), Value::Object(e)) = (&mut data, extra) {
        m.extend(e);
    }
    let mut r = if d.allowed() {
        Report::ok(ok_word, data)
    } else {
        Report::not_verified(data)
    };
    let head = match subject {
        Some(s) => format!(
            "{}: {} (sha256 {})",
            d.verdict.as_str(),
            source,
            s.sha256.to_hex()
        ),
        None => format!("{}: {}", d.verdict.as_str(), source),
    };
    r.summary = Some(head.clone());
    r = r.line(head);
    for rule in &d.rules {
        let detail = if rule.verdict == RuleVerdict::NotRequired {
            String::new()
        } else {
            format!("  {}", rule.detail)
        };
        r = r.line(format!(
            "  {:<11} {:<12}{detail}",
            rule.rule.as_str(),
            rule.verdict.as_str()
        ));
    }
    for c in &d.signed_comments {
        r = r.line(format!(
            "  trusted comment ({}): {}",
            c.source, c.trusted_comment
        ));
    }
    for f in &d.findings {
        let src = f
            .source
            .as_deref()
            .map(|s| format!("{s}: "))
            .unwrap_or_default();
        let tag = match (&f.waived, f.severity) {
            (Some(reason), _) => format!(" (waived: {reason})"),
            (None, sigil_policy::Severity::Warning) => " (warning)".to_owned(),
            _ => String::new(),
        };
        r = r.line(format!("  {} {src}{}{tag}", f.code, f.message));
    }
    r
}

fn gather_error(e: GatherError) -> CliError {
    CliError::io(CliError::chain(&e))
}

/// `sigil verify --policy P ARTIFACT`.
pub fn verify_policy(
    out: &Output,
    policy_path: &Path,
    artifact: &Path,
    expect: &sigil_sign::binding::Expect,
    audit_args: &AuditArgs,
) -> Result<Report, CliError> {
    let _ = out;
    let policy = super::policy::load_policy(out, policy_path)?;
    let mut log = open_log(audit_args)?;
    let name = artifact
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| {
            CliError::usage(format!(
                "{}: cannot tell the artifact's file name",
                artifact.display()
            ))
        })?;
    let source = artifact.display().to_string();
    let ev = if artifact.is_dir() {
        // A pack directory: its manifest, signatures and tree.
        sigil_gate::pack::gather_dir(&policy, artifact, Purpose::Verify, expect)
            .map_err(gather_error)?
    } else {
        super::open_input(artifact)?;
        let dir = artifact
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let kind = if sigil_gate::pack::is_pack(&policy, name) {
            SubjectKind::Pack
        } else {
            SubjectKind::File
        };
        let target = Target {
            content: artifact,
            name,
            sidecar_dir: dir,
            kind,
            expect,
        };
        sigil_gate::gather(&policy, &target, Purpose::Verify).map_err(gather_error)?
    };
    let d = evaluate(&policy, &ev, now());
    let seq = record(
        &mut log,
        "verify",
        &source,
        Some(&ev.subject),
        &policy,
        Ok(&d),
    )
    .map_err(CliError::io)?;
    Ok(decision_report(
        "verified",
        &d,
        Some(&ev.subject),
        &source,
        &policy,
        json!({ "audit": { "db": log.path(), "seq": seq } }),
    ))
}

fn install_error(e: InstallError) -> CliError {
    let msg = CliError::chain(&e);
    match e {
        // A URL sigil cannot use at all is a usage error; one the download rules refuse
        // (plain http, http off loopback), given or reached by a redirect, is not verified.
        InstallError::Fetch(FetchError::Url(u @ (UrlError::Invalid { .. } | UrlError::Scheme { .. }))) => {
            CliError::usage(u).hint("use an https:// URL")
        }
        InstallError::Fetch(FetchError::Url(u)) => CliError::not_verified(u)
            .hint("use an https:// URL; --insecure-allow-http allows http:// to 127.0.0.1 or [::1] only, for tests and local mirrors"),
        InstallError::Fetch(FetchError::Redirect(_)) => CliError::not_verified(msg).hint("redirects must stay on https://"),
        InstallError::NoName { .. } | InstallError::NoDestDir { .. } => CliError::usage(msg),
        InstallError::DestExists { .. } => CliError::usage(msg)
            .hint("a pack installs into a new directory: choose a DEST that does not exist, or pass --replace"),
        InstallError::FileExists { .. } => CliError::usage(format!("{msg}; nothing was installed and it is unchanged"))
            .hint("pass --replace to replace it (atomically: the old file stays until the new one is in place)"),
        _ => CliError::io(msg),
    }
}

/// `sigil install`.
pub fn install(out: &Output, a: InstallArgs) -> Result<Report, CliError> {
    let _ = out;
    let policy = super::policy::load_policy(out, &a.policy)?;
    let mut log = open_log(&a.audit)?;
    let opts = FetchOptions {
        insecure_allow_http: a.insecure_allow_http,
        max_bytes: policy.install.max_download_bytes,
        connect_timeout: Duration::from_secs(a.connect_timeout.max(1)),
        read_timeout: Duration::from_secs(a.read_timeout.max(1)),
    };
    // `tuf+https://...#NAME@VERSION`: fetched through TUF first, then installed as a local file.
    let tuf_staged = match super::trust::stage_tuf_pack(&policy, &a.source, &opts) {
        Ok(s) => s,
        Err(e) => {
            // Recorded like any other failed install, so the log shows every attempt.
            let _ = record(
                &mut log,
                "install",
                &a.source,
                None,
                &policy,
                Err(&e.message),
            );
            return Err(e);
        }
    };
    let source = match &tuf_staged {
        Some((_, path)) => Source::Path(path.clone()),
        None => Source::parse(&a.source),
    };
    let mut seq = None;
    let result = {
        let mut recorder = |d: &Decision, s: Option<&Subject>| -> Result<(), String> {
            seq = Some(record(&mut log, "install", &a.source, s, &policy, Ok(d))?);
            Ok(())
        };
        let install_opts = install::InstallOptions {
            replace: a.replace,
            expect: a.expect.expect(),
        };
        install::install(
            &policy,
            &source,
            &a.to,
            &opts,
            &install_opts,
            now(),
            &mut recorder,
        )
    };
    match result {
        Ok(done) => {
            let extra =
                json!({ "installed": done.path, "audit": { "db": log.path(), "seq": seq } });
            let mut r = decision_report(
                "installed",
                &done.decision,
                done.subject.as_ref(),
                &a.source,
                &policy,
                extra,
            );
            if let Some(p) = &done.path {
                r = r.line(format!("installed {}", p.display()));
            } else {
                r = r.line(format!(
                    "nothing installed; {} is unchanged",
                    a.to.display()
                ));
            }
            Ok(r)
        }
        Err(e) => {
            if !matches!(e, InstallError::Audit(_)) {
                // Errors are recorded too, so the log shows every attempt.
                let _ = record(
                    &mut log,
                    "install",
                    &a.source,
                    None,
                    &policy,
                    Err(&CliError::chain(&e)),
                );
            }
            Err(install_error(e))
        }
    }
}

/// `sigil run`: on allow, exits with the program's exit code (stdout belongs to the program).
///
/// Allowed: the program runs and its exit code is sigil's. With `--format json` the program's
/// stdout goes to stderr and sigil prints the one decision document (with the program's exit
/// code) when it ends; in human format nothing but the program's own output is printed.
pub fn run(out: &Output, a: RunArgs) -> Result<Report, CliError> {
    let _ = out;
    let policy = super::policy::load_policy(out, &a.policy)?;
    let mut log = open_log(&a.audit)?;
    let source = a.artifact.display().to_string();
    let name = a
        .artifact
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| CliError::usage(format!("{source}: cannot tell the artifact's file name")))?
        .to_owned();
    let sealed = sigil_gate::run::seal_copy(&a.artifact).map_err(|e| {
        let _ = record(
            &mut log,
            "run",
            &source,
            None,
            &policy,
            Err(&CliError::chain(&e)),
        );
        CliError::io(CliError::chain(&e))
    })?;
    let dir = a
        .artifact
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // Evidence is checked against the sealed copy: the bytes that will run.
    let target = Target {
        content: sealed.path(),
        name: &name,
        sidecar_dir: dir,
        kind: SubjectKind::File,
        expect: &sigil_sign::binding::Expect::NONE,
    };
    let ev = sigil_gate::gather(&policy, &target, Purpose::Run).map_err(gather_error)?;
    let d = evaluate(&policy, &ev, now());
    let seq = record(&mut log, "run", &source, Some(&ev.subject), &policy, Ok(&d))
        .map_err(CliError::io)?;
    if !d.allowed() {
        return Ok(decision_report(
            "allowed",
            &d,
            Some(&ev.subject),
            &source,
            &policy,
            json!({ "audit": { "db": log.path(), "seq": seq } }),
        )
        .line("nothing was run"));
    }
    let db = log.path().to_path_buf();
    drop(log);
    let stdout = if out.format == crate::output::Format::Json {
        sigil_gate::run::ProgramStdout::ToStderr
    } else {
        sigil_gate::run::ProgramStdout::Inherit
    };
    let code = sigil_gate::run::exec(&sealed, &ev.subject.sha256, &name, &a.args, stdout)
        .map_err(|e| CliError::io(CliError::chain(&e)))?;
    let mut r = decision_report(
        "allowed",
        &d,
        Some(&ev.subject),
        &source,
        &policy,
        json!({ "audit": { "db": db, "seq": seq }, "program": { "exit_code": code } }),
    );
    r.human.clear();
    r.exit = Some(u8::try_from(code).unwrap_or(255));
    Ok(r)
}

/// Parses `--since`: RFC 3339, a date, or an age like `30m`, `24h`, `7d`.
pub fn parse_since(s: &str, now: Timestamp) -> Option<Timestamp> {
    if let Some(t) = Timestamp::parse_rfc3339(s) {
        return Some(t);
    }
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = num.parse().ok()?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    Some(Timestamp(now.0.saturating_sub(n.saturating_mul(mult))))
}

/// `sigil log list|verify`.
pub fn log(cmd: LogCommand) -> Result<Report, CliError> {
    match cmd {
        LogCommand::List(a) => {
            let since = match &a.since {
                None => None,
                Some(s) => Some(parse_since(s, now()).ok_or_else(|| {
                    CliError::usage(format!("--since {s:?} is not a time")).hint("use RFC 3339 (2026-01-02T03:04:05Z), a date (2026-01-02) or an age (30m, 24h, 7d)")
                })?),
            };
            let log = open_log_read(&a.audit)?;
            let rows = log
                .list(since)
                .map_err(|e| CliError::io(CliError::chain(&e)))?;
            let entries: Vec<_> = rows
                .iter()
                .map(|r| {
                    json!({
                        "seq": r.seq, "time": r.time, "user": r.user, "command": r.command, "source": r.source,
                        "artifact_sha256": r.artifact_sha256, "policy_sha256": r.policy_sha256, "verdict": r.verdict,
                        "findings": serde_json::from_str::<Value>(&r.findings).unwrap_or(Value::String(r.findings.clone())),
                        "hash": r.hash,
                    })
                })
                .collect();
            let mut report = Report::ok("ok", json!({ "db": log.path(), "entries": entries }));
            for r in &rows {
                let codes: Vec<String> = serde_json::from_str::<Value>(&r.findings)
                    .ok()
                    .and_then(|v| v.as_array().cloned())
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|f| f.get("code").and_then(Value::as_str).map(str::to_owned))
                    .collect();
                let digest = if r.artifact_sha256.is_empty() {
                    "-".to_owned()
                } else {
                    r.artifact_sha256.chars().take(16).collect()
                };
                report = report.line(format!(
                    "{:>5} {} {:<7} {:<6} {} {} [{}] {}",
                    r.seq,
                    r.time,
                    r.command,
                    r.verdict,
                    r.source,
                    digest,
                    codes.join(","),
                    r.user
                ));
            }
            if rows.is_empty() {
                report = report.line("no entries");
            }
            Ok(report)
        }
        LogCommand::Checkpoint(a) => log_checkpoint(&a),
        LogCommand::Verify(a) => {
            if let Some(h) = &a.expect_head {
                if sigil_core::hex::decode_array::<32>(h.trim()).is_err() {
                    return Err(CliError::usage(format!(
                        "--expect-head {h:?} is not a SHA-256 hash in hex"
                    )));
                }
            }
            let key = a.key.as_deref().map(super::load_public_key).transpose()?;
            let log = open_log_read(&a.audit)?;
            let mut v = log
                .verify()
                .map_err(|e| CliError::io(CliError::chain(&e)))?;
            if let Some(h) = &a.expect_head {
                v.expect_head(h);
            }
            let mut checkpoint = Value::Null;
            if let Some(key) = &key {
                let file = a
                    .checkpoint
                    .clone()
                    .unwrap_or_else(|| audit::Checkpoint::default_path(log.path()));
                if let Some(cp) = v.check_checkpoint_file(key, &file) {
                    checkpoint = json!({ "file": file, "rows": cp.rows, "head": cp.head });
                }
            }
            let problems: Vec<_> = v
                .problems
                .iter()
                .map(|p| json!({ "seq": p.seq, "message": p.message }))
                .collect();
            let data = json!({ "db": log.path(), "rows": v.rows, "head": v.head, "checkpoint": checkpoint, "problems": problems });
            let mut r = Report::ok("verified", data);
            if v.problems.is_empty() {
                r = r.line(format!(
                    "audit log intact: {} entries, head {}",
                    v.rows, v.head
                ));
            } else {
                r.status = Status::NotVerified;
                for p in &v.problems {
                    if p.seq == 0 {
                        r = r.line(format!("audit log: {}", p.message));
                    } else {
                        r = r.line(format!("row {}: {}", p.seq, p.message));
                    }
                }
                r = r.line(format!(
                    "audit log tampered: {} problems in {} entries",
                    v.problems.len(),
                    v.rows
                ));
            }
            Ok(r)
        }
    }
}

fn log_checkpoint(a: &LogCheckpointArgs) -> Result<Report, CliError> {
    let sk = super::load_secret_key(&a.key)?;
    let log = open_log_read(&a.audit)?;
    let v = log
        .verify()
        .map_err(|e| CliError::io(CliError::chain(&e)))?;
    let Some(cp) = audit::Checkpoint::of(&v) else {
        return Err(CliError::not_verified(format!(
            "{}: the chain has {} problems; a broken log is not checkpointed",
            log.path().display(),
            v.problems.len()
        ))
        .hint("run `sigil log verify` to see them"));
    };
    let sig = cp
        .sign(&sk, now().0)
        .map_err(|e| CliError::io(CliError::chain(&e)))?;
    let file = a
        .out
        .clone()
        .unwrap_or_else(|| audit::Checkpoint::default_path(log.path()));
    let sig_path = audit::Checkpoint::signature_path(&file);
    let write = |p: &Path, text: &str| {
        sigil_keys::write_new_file(p, text.as_bytes(), 0o644, true).map_err(super::key_file_error)
    };
    write(&file, &cp.to_text())?;
    write(&sig_path, &sig.to_text())?;
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
