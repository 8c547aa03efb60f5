//! `sigil advisory new|validate|export` and `sigil vex new`.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sigil_advisory::author::{self, NewAdvisory};
use sigil_advisory::batch;
use sigil_advisory::osv::{Advisory, RangeType, MAX_ADVISORY_BYTES};
use sigil_advisory::validate;
use sigil_advisory::vex;

use crate::output::{Failure, Report};

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
fn now() -> Result<i64, Failure> {
    i64::try_from(super::now_or_source_date_epoch()?)
        .map_err(|_| Failure::usage("SOURCE_DATE_EPOCH is out of range"))
}

/// Writes `text` to `path`, refusing to replace an existing file unless `force`.
pub fn write_output(path: &Path, text: &str, force: bool) -> Result<(), Failure> {
    if !force && path.exists() {
        return Err(
            Failure::usage(format!("{}: already exists", path.display()))
                .hint("use --force to overwrite"),
        );
    }
    std::fs::write(path, text).map_err(|e| {
        Failure::io(format!(
            "cannot write {}: {}",
            path.display(),
            super::io_reason(&e)
        ))
    })
}

/// Reads and parses an OSV advisory file; a malformed one is "not verified" (exit 1).
pub fn read_advisory(path: &Path) -> Result<Advisory, Failure> {
    let text = super::read_text(path, MAX_ADVISORY_BYTES as u64, "advisory")?;
    Advisory::from_json(&text)
        .map_err(|e| Failure::not_verified(format!("{}: not an OSV advisory: {e}", path.display())))
}

/// Runs an advisory subcommand.
pub fn run(cmd: AdvisoryCommand, export_format: ExportFormat) -> Result<Report, Failure> {
    match cmd {
        AdvisoryCommand::New(a) => new(*a),
        AdvisoryCommand::Validate(a) => validate_files(a),
        AdvisoryCommand::Export(a) => export(a, export_format),
    }
}

fn prompt(label: &str, default: Option<&str>) -> Result<Option<String>, Failure> {
    let mut err = std::io::stderr().lock();
    let shown = default.map(|d| format!(" [{d}]")).unwrap_or_default();
    let _ = write!(err, "{label}{shown}: ");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::io(format!("reading stdin: {e}")))?;
    let line = line.trim().to_owned();
    Ok(if line.is_empty() {
        default.map(str::to_owned)
    } else {
        Some(line)
    })
}

fn new(mut a: NewArgs) -> Result<Report, Failure> {
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
        let no_range = a.range.is_empty() && a.affected_version.is_empty();
        if no_range && a.introduced.is_none() && a.fixed.is_none() && a.last_affected.is_none() {
            a.introduced = prompt("introduced in", Some("0"))?;
            a.fixed = prompt("fixed in (empty if not fixed)", None)?;
        }
        if a.severity.is_none() {
            a.severity = prompt("CVSS vector (empty for none)", None)?;
        }
    } else if !has_package {
        return Err(
            Failure::usage("missing --package PURL (or --ecosystem and --name)").hint(
                "stdin is not a terminal, so sigil does not prompt: give every field as a flag",
            ),
        );
    }
    let mut n = NewAdvisory::default();
    n.details = match &a.details_file {
        Some(p) => Some(super::read_text(p, 1 << 20, "details")?),
        None => a.details,
    };
    (n.id, n.summary, n.purl, n.ecosystem, n.name) = (
        a.id.unwrap_or_default(),
        a.summary,
        a.package,
        a.ecosystem,
        a.name,
    );
    (n.ranges, n.introduced, n.fixed, n.last_affected) =
        (a.range, a.introduced, a.fixed, a.last_affected);
    n.range_type = a.range_type.map(|t| match t {
        RangeTypeArg::Semver => RangeType::SEMVER,
        RangeTypeArg::Ecosystem => RangeType::ECOSYSTEM,
    });
    (n.versions, n.severity, n.aliases) = (a.affected_version, a.severity, a.alias);
    (n.references, n.credits, n.now) = (a.reference, a.credit, now()?);
    let adv = author::new_advisory(&n).map_err(|e| Failure::usage(e.to_string()))?;
    let score = adv.best_cvss(adv.affected.first());
    let draft = validate::is_draft_id(&adv.id);
    let mut data = json!({ "id": adv.id, "draft": draft, "advisory": adv });
    if let Some(c) = &score {
        data["score"] = json!(c.score);
        data["severity"] = json!(c.severity().as_str());
        data["cvss"] = json!(c.vector);
    }
    let Some(path) = &a.out else {
        return Ok(document(data, adv.to_json()));
    };
    write_output(path, &adv.to_json(), a.force)?;
    data["file"] = json!(path);
    let r = Report::ok("ok", data).line(format!("wrote {}: {}", path.display(), adv.id));
    let r = r.line(match &score {
        Some(c) => format!(
            "severity: {:.1} {} ({})",
            c.score,
            c.severity(),
            c.nomenclature()
        ),
        None => "severity: not scored".to_owned(),
    });
    Ok(match draft {
        true => r.line(format!(
            "note: {} is a draft id; `sigil advisory validate --final` rejects it",
            adv.id
        )),
        false => r,
    })
}

/// A report whose result is the document `text` itself (written to stdout).
fn document(data: Value, text: String) -> Report {
    let mut r = Report::ok("ok", data);
    r.document = Some(text);
    r
}

fn validate_files(a: ValidateArgs) -> Result<Report, Failure> {
    let mut files = Vec::new();
    for path in &a.files {
        let text = match super::read_text(path, MAX_ADVISORY_BYTES as u64, "advisory") {
            Ok(t) => Ok(t),
            // Unreadable files are I/O errors; oversized or non-UTF-8 ones are invalid advisories.
            Err(e) if e.kind == sigil_core::report::FailureKind::NotVerified => Err(e.message),
            Err(e) => return Err(e),
        };
        files.push((path.display().to_string(), text));
    }
    let set = batch::validate_files(files, validate::Options::new(a.final_));
    let data = serde_json::to_value(&set).unwrap_or(Value::Null);
    let mut r = match set.valid {
        true => Report::ok("ok", data),
        false => Report::not_verified(data),
    };
    r.human = set.lines();
    Ok(r)
}

fn export(a: ExportArgs, fmt: ExportFormat) -> Result<Report, Failure> {
    if fmt == ExportFormat::Unset {
        return Err(Failure::usage(
            "`sigil advisory export` needs --format rustsec or --format markdown",
        )
        .hint("--format json gives both inside one JSON document"));
    }
    let adv = read_advisory(&a.file)?;
    let errors = sigil_advisory::export::blockers(&adv);
    if !errors.is_empty() {
        return Err(Failure::not_verified(format!(
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
                Failure::usage(format!(
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
    let Some(path) = &a.out else {
        return Ok(document(
            json!({ "id": adv.id, "format": name, "text": text }),
            text,
        ));
    };
    write_output(path, &text, a.force)?;
    Ok(
        Report::ok("ok", json!({ "id": adv.id, "format": name, "file": path })).line(format!(
            "wrote {} ({name}) for {}",
            path.display(),
            adv.id
        )),
    )
}

/// Runs a VEX subcommand.
pub fn run_vex(cmd: VexCommand) -> Result<Report, Failure> {
    let VexCommand::New(a) = cmd;
    let status = vex::Status::parse(&a.status).ok_or_else(|| {
        Failure::usage(format!("unknown status {:?}", a.status))
            .hint("use not_affected, affected, fixed or under_investigation")
    })?;
    let justification = match &a.justification {
        Some(j) => Some(vex::Justification::parse(j).ok_or_else(|| {
            Failure::usage(format!("unknown justification {j:?}")).hint(
                "use component_not_present, vulnerable_code_not_present, vulnerable_code_not_in_execute_path, vulnerable_code_cannot_be_controlled_by_adversary or inline_mitigations_already_exist",
            )
        })?),
        None => None,
    };
    for p in &a.product {
        sigil_advisory::purl::Purl::parse(p)
            .map_err(|e| Failure::usage(format!("--product {p:?}: {e}")))?;
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
        Failure::usage(e.to_string()).hint(hint)
    })?;
    let text = doc.to_json();
    let Some(path) = &a.out else {
        return Ok(document(json!({ "id": doc.id, "vex": doc }), text));
    };
    write_output(path, &text, a.force)?;
    let (vuln, status, products) = (&a.vulnerability, status.as_str(), a.product.join(", "));
    Ok(
        Report::ok("ok", json!({ "id": doc.id, "file": path, "vex": doc })).line(format!(
            "wrote {}: {vuln} is {status} for {products}",
            path.display()
        )),
    )
}
