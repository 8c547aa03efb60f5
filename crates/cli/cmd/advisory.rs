//! `sigil advisory new|validate|export` and `sigil vex new`.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sigil_advisory::author::{self, NewAdvisory};
use sigil_advisory::osv::{Advisory, RangeType, MAX_ADVISORY_BYTES};
use sigil_advisory::validate::{self, Level};
use sigil_advisory::vex;

use crate::output::{CliError, Report};

/// Advisory authoring and checking.
#[derive(Debug, clap::Subcommand)]
pub enum AdvisoryCommand {
    /// Write an OSV 1.7 advisory (flags, or prompts when stdin is a terminal).
    New(Box<NewArgs>),
    /// Check OSV advisories against the schema and the OSV specification's semantics.
    Validate(ValidateArgs),
    /// Export an advisory: `--format rustsec` (RustSec advisory-db) or `--format markdown`.
    Export(ExportArgs),
}

impl AdvisoryCommand {
    /// The command's name for JSON output.
    pub fn name(&self) -> &'static str {
        match self {
            AdvisoryCommand::New(_) => "advisory new",
            AdvisoryCommand::Validate(_) => "advisory validate",
            AdvisoryCommand::Export(_) => "advisory export",
        }
    }
}

/// Range types for `--range-type`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum RangeTypeArg {
    /// SemVer 2.0 versions.
    Semver,
    /// The ecosystem's own versions.
    Ecosystem,
}

/// `sigil advisory new`.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// Advisory id: GHSA-..., RUSTSEC-... or CVE-...; default a draft placeholder
    /// (RUSTSEC-0000-0000 for crates.io, else GHSA-xxxx-xxxx-xxxx).
    #[arg(long)]
    id: Option<String>,
    /// One-line summary.
    #[arg(long)]
    summary: Option<String>,
    /// Details (Markdown).
    #[arg(long, conflicts_with = "details_file")]
    details: Option<String>,
    /// Read the details (Markdown) from a file.
    #[arg(long, value_name = "FILE")]
    details_file: Option<PathBuf>,
    /// Affected package as a package URL (pkg:cargo/NAME, pkg:npm/NAME...).
    #[arg(long, value_name = "PURL")]
    package: Option<String>,
    /// Affected package's OSV ecosystem (with --name, instead of --package).
    #[arg(long)]
    ecosystem: Option<String>,
    /// Affected package's name (with --ecosystem).
    #[arg(long)]
    name: Option<String>,
    /// An affected range: `introduced=1.0.0,fixed=1.2.3` (also last_affected=, limit=). Repeatable.
    #[arg(long, value_name = "SPEC")]
    range: Vec<String>,
    /// Shorthand for one range: where it starts (default 0, all earlier versions).
    #[arg(long, value_name = "VERSION")]
    introduced: Option<String>,
    /// Shorthand for one range: the first fixed version.
    #[arg(long, value_name = "VERSION", conflicts_with = "last_affected")]
    fixed: Option<String>,
    /// Shorthand for one range: the last affected version.
    #[arg(long, value_name = "VERSION")]
    last_affected: Option<String>,
    /// Range type (default SEMVER for SemVer ecosystems such as crates.io, else ECOSYSTEM).
    #[arg(long, value_enum)]
    range_type: Option<RangeTypeArg>,
    /// An explicitly affected version. Repeatable.
    #[arg(long, value_name = "VERSION")]
    affected_version: Vec<String>,
    /// CVSS v3.1 or v4.0 vector; sigil computes and shows the score.
    #[arg(long, value_name = "VECTOR")]
    severity: Option<String>,
    /// Another id for the same vulnerability (CVE-..., GHSA-...). Repeatable.
    #[arg(long)]
    alias: Vec<String>,
    /// A reference: `TYPE:URL` (ADVISORY, FIX, REPORT, WEB...) or a URL. Repeatable.
    #[arg(long)]
    reference: Vec<String>,
    /// A credit: `TYPE:NAME` (FINDER, REPORTER...) or a name. Repeatable.
    #[arg(long)]
    credit: Vec<String>,
    /// Write the advisory here instead of stdout.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Overwrite --out if it exists.
    #[arg(long)]
    force: bool,
}

/// `sigil advisory validate`.
#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// OSV advisory JSON files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Reject draft placeholder ids (RUSTSEC-0000-0000, GHSA-xxxx-xxxx-xxxx...).
    #[arg(long = "final")]
    final_: bool,
}

/// `sigil advisory export`.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// OSV advisory JSON file.
    file: PathBuf,
    /// Write the export here instead of stdout.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Overwrite --out if it exists.
    #[arg(long)]
    force: bool,
}

/// What `advisory export` writes, from the global `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// RustSec advisory (TOML front matter and Markdown).
    Rustsec,
    /// Markdown notice.
    Markdown,
    /// Both, inside the JSON document.
    Json,
    /// Not chosen.
    Unset,
}

/// OpenVEX documents.
#[derive(Debug, clap::Subcommand)]
pub enum VexCommand {
    /// Write an OpenVEX 0.2 document with one statement.
    New(VexNewArgs),
}

/// `sigil vex new`.
#[derive(Debug, clap::Args)]
pub struct VexNewArgs {
    /// Product package URL the statement is about. Repeatable.
    #[arg(long, value_name = "PURL", required = true)]
    product: Vec<String>,
    /// Vulnerability id (CVE-..., GHSA-..., RUSTSEC-...).
    #[arg(long, value_name = "ID")]
    vulnerability: String,
    /// Other ids of the vulnerability. Repeatable.
    #[arg(long)]
    alias: Vec<String>,
    /// not_affected, affected, fixed or under_investigation.
    #[arg(long)]
    status: String,
    /// For not_affected: component_not_present, vulnerable_code_not_present,
    /// vulnerable_code_not_in_execute_path, vulnerable_code_cannot_be_controlled_by_adversary,
    /// inline_mitigations_already_exist.
    #[arg(long)]
    justification: Option<String>,
    /// For not_affected: why, in words.
    #[arg(long)]
    impact_statement: Option<String>,
    /// For affected (required there): what users should do.
    #[arg(long)]
    action_statement: Option<String>,
    /// How the status was determined.
    #[arg(long)]
    status_notes: Option<String>,
    /// Author of the statement.
    #[arg(long, default_value = "Unknown Author")]
    author: String,
    /// Document @id (default: derived from the content).
    #[arg(long)]
    id: Option<String>,
    /// Write the document here instead of stdout.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Overwrite --out if it exists.
    #[arg(long)]
    force: bool,
}

/// The time to record, as the advisory library wants it.
fn now() -> Result<i64, CliError> {
    i64::try_from(super::now_or_source_date_epoch()?)
        .map_err(|_| CliError::usage("SOURCE_DATE_EPOCH is out of range"))
}

/// Writes `text` to `path`, refusing to replace an existing file unless `force`.
pub fn write_output(path: &Path, text: &str, force: bool) -> Result<(), CliError> {
    if !force && path.exists() {
        return Err(
            CliError::usage(format!("{}: already exists", path.display()))
                .hint("use --force to overwrite"),
        );
    }
    std::fs::write(path, text).map_err(|e| {
        CliError::io(format!(
            "cannot write {}: {}",
            path.display(),
            super::io_reason(&e)
        ))
    })
}

/// Reads and parses an OSV advisory file; a malformed one is "not verified" (exit 1).
pub fn read_advisory(path: &Path) -> Result<Advisory, CliError> {
    let text = super::read_text(path, MAX_ADVISORY_BYTES as u64, "advisory")?;
    Advisory::from_json(&text).map_err(|e| {
        CliError::not_verified(format!("{}: not an OSV advisory: {e}", path.display()))
    })
}

/// Runs an advisory subcommand.
pub fn run(cmd: AdvisoryCommand, export_format: ExportFormat) -> Result<Report, CliError> {
    match cmd {
        AdvisoryCommand::New(a) => new(*a),
        AdvisoryCommand::Validate(a) => validate_files(a),
        AdvisoryCommand::Export(a) => export(a, export_format),
    }
}

fn prompt(label: &str, default: Option<&str>) -> Result<Option<String>, CliError> {
    let mut err = std::io::stderr().lock();
    let shown = default.map(|d| format!(" [{d}]")).unwrap_or_default();
    let _ = write!(err, "{label}{shown}: ");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::io(format!("reading stdin: {e}")))?;
    let line = line.trim().to_owned();
    Ok(if line.is_empty() {
        default.map(str::to_owned)
    } else {
        Some(line)
    })
}

fn new(mut a: NewArgs) -> Result<Report, CliError> {
    let has_package = a.package.is_some() || (a.ecosystem.is_some() && a.name.is_some());
    if std::io::stdin().is_terminal() && (!has_package || a.summary.is_none()) {
        if !has_package {
            a.package = prompt("package URL (e.g. pkg:cargo/NAME)", None)?;
        }
        if a.summary.is_none() {
            a.summary = prompt("summary", None)?;
        }
        if a.id.is_none() {
            let eco = a
                .package
                .as_deref()
                .and_then(|p| sigil_advisory::purl::Purl::parse(p).ok())
                .and_then(|p| p.osv_package().map(|x| x.0));
            a.id = prompt("id", Some(author::draft_id(eco)))?;
        }
        if a.range.is_empty()
            && a.introduced.is_none()
            && a.fixed.is_none()
            && a.last_affected.is_none()
            && a.affected_version.is_empty()
        {
            a.introduced = prompt("introduced in", Some("0"))?;
            a.fixed = prompt("fixed in (empty if not fixed)", None)?;
        }
        if a.severity.is_none() {
            a.severity = prompt("CVSS vector (empty for none)", None)?;
        }
    } else if !has_package {
        return Err(
            CliError::usage("missing --package PURL (or --ecosystem and --name)").hint(
                "stdin is not a terminal, so sigil does not prompt: give every field as a flag",
            ),
        );
    }
    let details = match &a.details_file {
        Some(p) => Some(super::read_text(p, 1 << 20, "details")?),
        None => a.details.clone(),
    };
    let mut ranges = a.range.clone();
    if a.introduced.is_some() || a.fixed.is_some() || a.last_affected.is_some() {
        let mut spec = format!("introduced={}", a.introduced.as_deref().unwrap_or("0"));
        if let Some(f) = &a.fixed {
            spec.push_str(&format!(",fixed={f}"));
        }
        if let Some(l) = &a.last_affected {
            spec.push_str(&format!(",last_affected={l}"));
        }
        ranges.push(spec);
    }
    let ecosystem = a.ecosystem.clone().or_else(|| {
        a.package
            .as_deref()
            .and_then(|p| sigil_advisory::purl::Purl::parse(p).ok())
            .and_then(|p| p.osv_package().map(|x| x.0.to_owned()))
    });
    let mut n = NewAdvisory::default();
    n.id =
        a.id.clone()
            .unwrap_or_else(|| author::draft_id(ecosystem.as_deref()).to_owned());
    n.summary = a.summary.clone();
    n.details = details;
    n.purl = a.package.clone();
    n.ecosystem = a.ecosystem.clone();
    n.name = a.name.clone();
    n.ranges = ranges;
    n.range_type = a.range_type.map(|t| match t {
        RangeTypeArg::Semver => RangeType::SEMVER,
        RangeTypeArg::Ecosystem => RangeType::ECOSYSTEM,
    });
    n.versions = a.affected_version.clone();
    n.severity = a.severity.clone().filter(|s| !s.is_empty());
    n.aliases = a.alias.clone();
    n.references = a.reference.clone();
    n.credits = a.credit.clone();
    n.now = now()?;
    let adv = author::new_advisory(&n).map_err(|e| CliError::usage(e.to_string()))?;
    let score = adv.best_cvss(adv.affected.first());
    let text = adv.to_json();
    let advisory_value: Value = serde_json::to_value(&adv).unwrap_or(Value::Null);
    let mut data = json!({
        "id": adv.id,
        "draft": validate::is_draft_id(&adv.id),
        "advisory": advisory_value,
    });
    if let Some(c) = &score {
        data["score"] = json!(c.score);
        data["severity"] = json!(c.severity().as_str());
        data["cvss"] = json!(c.vector);
    }
    let mut r = match &a.out {
        Some(path) => {
            write_output(path, &text, a.force)?;
            data["file"] = json!(path);
            Report::ok("ok", data).line(format!("wrote {}: {}", path.display(), adv.id))
        }
        None => {
            let mut r = Report::ok("ok", data);
            r.document = Some(text.clone());
            r
        }
    };
    if a.out.is_some() {
        r = match &score {
            Some(c) => r.line(format!(
                "severity: {:.1} {} ({})",
                c.score,
                c.severity(),
                c.nomenclature()
            )),
            None => r.line("severity: not scored"),
        };
        if validate::is_draft_id(&adv.id) {
            r = r.line(format!(
                "note: {} is a draft id; `sigil advisory validate --final` rejects it",
                adv.id
            ));
        }
    }
    Ok(r)
}

fn validate_files(a: ValidateArgs) -> Result<Report, CliError> {
    let opts = validate::Options::new(a.final_);
    let mut results: Vec<(PathBuf, Option<String>, Vec<validate::Finding>)> = Vec::new();
    for path in &a.files {
        let text = super::read_text(path, MAX_ADVISORY_BYTES as u64, "advisory");
        let (adv, findings) = match text {
            Ok(t) => validate::validate_text(&t, opts),
            // Unreadable files are I/O errors; oversized or non-UTF-8 ones are invalid advisories.
            Err(e) if e.kind == crate::output::ErrorKind::NotVerified => {
                (None, vec![parse_finding(e.message)])
            }
            Err(e) => return Err(e),
        };
        results.push((path.clone(), adv.map(|x| x.id), findings));
    }
    let dups =
        validate::duplicate_ids(results.iter().map(|(_, id, _)| id.as_deref().unwrap_or("")));
    for (id, idxs) in dups.iter().filter(|(id, _)| !id.is_empty()) {
        for &i in &idxs[1..] {
            let first = results[idxs[0]].0.display().to_string();
            results[i].2.push(dup_finding(id, &first));
        }
    }
    let errors = results
        .iter()
        .flat_map(|r| &r.2)
        .filter(|f| f.level == Level::Error)
        .count();
    let warnings = results
        .iter()
        .flat_map(|r| &r.2)
        .filter(|f| f.level == Level::Warning)
        .count();
    let mut lines = Vec::new();
    let mut files = Vec::new();
    for (path, id, findings) in &results {
        let ferr = findings.iter().filter(|f| f.level == Level::Error).count();
        let idtxt = id.as_deref().map(|i| format!(" ({i})")).unwrap_or_default();
        if ferr == 0 {
            lines.push(format!("{}: valid{idtxt}", path.display()));
        } else {
            lines.push(format!("{}: invalid{idtxt}", path.display()));
        }
        for f in findings {
            let lvl = if f.level == Level::Error {
                "error"
            } else {
                "warning"
            };
            let at = if f.path.is_empty() {
                String::new()
            } else {
                format!(" at {}", f.path)
            };
            lines.push(format!("  {lvl}[{}]{at}: {}", f.code, f.message));
        }
        files.push(json!({ "file": path, "id": id, "valid": ferr == 0, "findings": findings }));
    }
    lines.push(format!(
        "{} file(s): {errors} error(s), {warnings} warning(s)",
        results.len()
    ));
    let data = json!({ "valid": errors == 0, "final": a.final_, "errors": errors, "warnings": warnings, "files": files });
    let mut r = if errors == 0 {
        Report::ok("ok", data)
    } else {
        Report::not_verified(data)
    };
    r.human = lines;
    Ok(r)
}

fn parse_finding(message: String) -> validate::Finding {
    validate::Finding::error("osv-parse", "", message)
}

fn dup_finding(id: &str, first: &str) -> validate::Finding {
    validate::Finding::error(
        "id-duplicate",
        "id",
        format!("id {id} is also used by {first}"),
    )
}

fn export(a: ExportArgs, fmt: ExportFormat) -> Result<Report, CliError> {
    if fmt == ExportFormat::Unset {
        return Err(CliError::usage(
            "`sigil advisory export` needs --format rustsec or --format markdown",
        )
        .hint("--format json gives both inside one JSON document"));
    }
    let adv = read_advisory(&a.file)?;
    let errors: Vec<String> = validate::validate(&adv, validate::Options::default())
        .into_iter()
        .filter(|f| f.level == Level::Error)
        .map(|f| format!("{} ({})", f.message, f.code))
        .collect();
    if !errors.is_empty() {
        return Err(CliError::not_verified(format!(
            "{}: invalid advisory: {}",
            a.file.display(),
            errors.join("; ")
        ))
        .hint(format!(
            "run `sigil advisory validate {}`",
            a.file.display()
        )));
    }
    let rustsec = sigil_advisory::export::to_rustsec(&adv);
    let markdown = sigil_advisory::export::to_markdown(&adv);
    let (text, name) = match fmt {
        ExportFormat::Rustsec => (
            rustsec.map_err(|e| {
                CliError::usage(format!(
                    "{}: cannot export to RustSec: {e}",
                    a.file.display()
                ))
            })?,
            "rustsec",
        ),
        ExportFormat::Markdown => (markdown, "markdown"),
        _ => {
            let (rs, rs_err) = match rustsec {
                Ok(t) => (Some(t), None),
                Err(e) => (None, Some(e.to_string())),
            };
            return Ok(Report::ok(
                "ok",
                json!({ "id": adv.id, "rustsec": rs, "rustsec_error": rs_err, "markdown": markdown }),
            ));
        }
    };
    match &a.out {
        Some(path) => {
            write_output(path, &text, a.force)?;
            Ok(
                Report::ok("ok", json!({ "id": adv.id, "format": name, "file": path }))
                    .line(format!("wrote {} ({name}) for {}", path.display(), adv.id)),
            )
        }
        None => {
            let mut r = Report::ok("ok", json!({ "id": adv.id, "format": name, "text": text }));
            r.document = Some(text.clone());
            Ok(r)
        }
    }
}

/// Runs a VEX subcommand.
pub fn run_vex(cmd: VexCommand) -> Result<Report, CliError> {
    let VexCommand::New(a) = cmd;
    let status = vex::Status::parse(&a.status).ok_or_else(|| {
        CliError::usage(format!("unknown status {:?}", a.status))
            .hint("use not_affected, affected, fixed or under_investigation")
    })?;
    let justification = match &a.justification {
        Some(j) => Some(vex::Justification::parse(j).ok_or_else(|| {
            CliError::usage(format!("unknown justification {j:?}")).hint(
                "use component_not_present, vulnerable_code_not_present, vulnerable_code_not_in_execute_path, vulnerable_code_cannot_be_controlled_by_adversary or inline_mitigations_already_exist",
            )
        })?),
        None => None,
    };
    for p in &a.product {
        sigil_advisory::purl::Purl::parse(p)
            .map_err(|e| CliError::usage(format!("--product {p:?}: {e}")))?;
    }
    let mut st = vex::NewStatement::new(a.product.clone(), a.vulnerability.clone(), status);
    st.aliases = a.alias.clone();
    st.justification = justification;
    st.impact_statement = a.impact_statement.clone();
    st.action_statement = a.action_statement.clone();
    st.status_notes = a.status_notes.clone();
    let tooling = format!("sigil {}", env!("CARGO_PKG_VERSION"));
    let doc = vex::new_document(&a.author, st, now()?, a.id.clone(), &tooling).map_err(|e| {
        let hint = match status {
            vex::Status::NotAffected => "not_affected needs --justification or --impact-statement",
            vex::Status::Affected => "affected needs --action-statement",
            _ => "check the flags",
        };
        CliError::usage(e.to_string()).hint(hint)
    })?;
    let text = doc.to_json();
    let value: Value = serde_json::to_value(&doc).unwrap_or(Value::Null);
    match &a.out {
        Some(path) => {
            write_output(path, &text, a.force)?;
            Ok(
                Report::ok("ok", json!({ "id": doc.id, "file": path, "vex": value })).line(
                    format!(
                        "wrote {}: {} is {} for {}",
                        path.display(),
                        a.vulnerability,
                        status.as_str(),
                        a.product.join(", ")
                    ),
                ),
            )
        }
        None => {
            let mut r = Report::ok("ok", json!({ "id": doc.id, "vex": value }));
            r.document = Some(text.clone());
            Ok(r)
        }
    }
}
