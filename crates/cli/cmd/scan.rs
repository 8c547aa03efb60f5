//! `sigil scan`: secrets in files and trees.

use std::path::PathBuf;

use serde_json::{json, Value};
use sigil_scan::{Allowlist, Finding, Kind, Scanner};

use crate::output::{Failure, Report, Status};

/// `sigil scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Files or directories to scan (symlinks are not followed, `.git` is skipped).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Allowlist file: `path GLOB`, `rule ID` or `fingerprint HEX` per line.
    #[arg(long, value_name = "FILE")]
    allowlist: Option<PathBuf>,
}

/// Loads an allowlist file (a bad one is a usage error).
pub fn load_allowlist(path: Option<&PathBuf>) -> Result<Allowlist, Failure> {
    let Some(path) = path else {
        return Ok(Allowlist::default());
    };
    let text =
        super::read_text(path, 1 << 20, "allowlist").map_err(|e| Failure::usage(e.message))?;
    Allowlist::parse(&text).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
}

/// One finding as a human line.
pub fn finding_line(f: &Finding) -> String {
    let tag = match f.kind {
        Kind::Leak => "",
        Kind::Placeholder => " (placeholder, not a leak)",
    };
    let inside = f
        .inside
        .as_ref()
        .map(|i| format!(" (inside: {i})"))
        .unwrap_or_default();
    format!(
        "{}:{}:{}: {}: {}{tag}{inside}",
        f.path, f.line, f.column, f.rule, f.excerpt
    )
}

/// One finding as JSON.
pub fn finding_json(f: &Finding) -> Value {
    json!({
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "rule": f.rule,
        "kind": f.kind.as_str(),
        "excerpt": f.excerpt,
        "fingerprint": f.fingerprint,
        "inside": f.inside,
    })
}

/// Runs `sigil scan`.
pub fn run(a: ScanArgs) -> Result<Report, Failure> {
    let scanner = Scanner::new(load_allowlist(a.allowlist.as_ref())?);
    let r = scanner
        .scan_paths(&a.paths)
        .map_err(|e| Failure::io(Failure::chain(&e)))?;
    let leaks = r.findings.iter().filter(|f| f.kind == Kind::Leak).count();
    let placeholders = r.findings.len() - leaks;
    let mut report = Report::ok("ok", json!(null));
    for f in &r.findings {
        report = report.line(finding_line(f));
    }
    report = report.line(format!(
        "{leaks} secret(s), {placeholders} placeholder(s) in {} file(s), {} bytes",
        r.files, r.bytes
    ));
    report.data = json!({
        "findings": r.findings.iter().map(finding_json).collect::<Vec<_>>(),
        "leaks": leaks,
        "placeholders": placeholders,
        "files": r.files,
        "bytes": r.bytes,
        "skipped": r.skipped.iter().map(|s| json!({ "path": s.path, "reason": s.reason })).collect::<Vec<_>>(),
    });
    if leaks > 0 {
        report.status = Status::NotVerified;
    }
    Ok(report)
}
