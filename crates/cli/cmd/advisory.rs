//! `sigil advisory new|validate|export` and `sigil vex new`.

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};

use sigil_advisory::author::{self, NewAdvisory};
use sigil_advisory::osv::{RangeType, MAX_ADVISORY_BYTES};
pub use sigil_advisory::report::ExportFormat;
use sigil_advisory::report::{self, Export};
use sigil_advisory::{batch, validate, vex};

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

/// Writes `text` to `path`, refusing to replace an existing file unless `force`.
pub fn write_output(path: &Path, text: impl AsRef<[u8]>, force: bool) -> Result<(), Failure> {
    if !force && path.exists() {
        return Err(
            Failure::usage(format!("{}: already exists", path.display()))
                .hint("use --force to overwrite"),
        );
    }
    std::fs::write(path, text).map_err(|e| {
        let reason = super::io_reason(&e);
        Failure::io(format!("cannot write {}: {reason}", path.display()))
    })
}

/// Runs an advisory subcommand.
pub fn run(cmd: AdvisoryCommand, export_format: Option<ExportFormat>) -> Result<Report, Failure> {
    let read = |p: &Path| super::read_text(p, MAX_ADVISORY_BYTES as u64, "advisory");
    match cmd {
        AdvisoryCommand::New(a) => new(*a),
        AdvisoryCommand::Validate(a) => {
            let files = a.files.iter().map(|p| report::validate_input(p, read(p)));
            let files = files.collect::<Result<Vec<_>, _>>()?;
            let set = batch::validate_files(files, validate::Options::new(a.final_));
            Ok(report::validated(&set))
        }
        AdvisoryCommand::Export(a) => {
            let adv = report::parse_advisory(&a.file, &read(&a.file)?)?;
            let export = report::export(&adv, &a.file, export_format)?;
            if let (Export::Text { text, .. }, Some(path)) = (&export, &a.out) {
                write_output(path, text, a.force)?;
            }
            Ok(export.report(a.out.as_deref()))
        }
    }
}

/// Asks for one field on the terminal; the line as typed.
fn prompt(label: &str, default: Option<&str>) -> Result<String, Failure> {
    let mut err = std::io::stderr().lock();
    let shown = default.map(|d| format!(" [{d}]")).unwrap_or_default();
    let _ = write!(err, "{label}{shown}: ").and_then(|()| err.flush());
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::io(format!("reading stdin: {e}")))?;
    Ok(line)
}

fn new(a: NewArgs) -> Result<Report, Failure> {
    let mut n = NewAdvisory::default();
    (n.id, n.summary, n.purl) = (a.id.unwrap_or_default(), a.summary, a.package);
    (n.ecosystem, n.name) = (a.ecosystem, a.name);
    (n.ranges, n.introduced, n.fixed, n.last_affected) =
        (a.range, a.introduced, a.fixed, a.last_affected);
    (n.versions, n.severity, n.aliases) = (a.affected_version, a.severity, a.alias);
    report::complete(&mut n, std::io::stdin().is_terminal(), prompt)?;
    n.details = match &a.details_file {
        Some(p) => Some(super::read_text(p, 1 << 20, "details")?),
        None => a.details,
    };
    n.range_type = a.range_type.map(|t| match t {
        RangeTypeArg::Semver => RangeType::SEMVER,
        RangeTypeArg::Ecosystem => RangeType::ECOSYSTEM,
    });
    (n.references, n.credits) = (a.reference, a.credit);
    n.now = super::sbom::now()?.unix_seconds();
    let adv = author::new_advisory(&n)?;
    if let Some(path) = &a.out {
        write_output(path, adv.to_json(), a.force)?;
    }
    Ok(report::new_advisory(&adv, a.out.as_deref()))
}

/// Runs a VEX subcommand.
pub fn run_vex(cmd: VexCommand) -> Result<Report, Failure> {
    let VexCommand::New(a) = cmd;
    let status = report::vex_status(&a.status)?;
    let justification = a.justification.as_deref().map(report::vex_justification);
    let justification = justification.transpose()?;
    report::products(&a.product)?;
    let mut st = vex::NewStatement::new(a.product, a.vulnerability, status);
    (st.aliases, st.justification) = (a.alias, justification);
    (st.impact_statement, st.action_statement) = (a.impact_statement, a.action_statement);
    st.status_notes = a.status_notes;
    let tooling = format!("sigil {}", env!("CARGO_PKG_VERSION"));
    let now = super::sbom::now()?.unix_seconds();
    let doc = vex::new_document(&a.author, st.clone(), now, a.id, &tooling)
        .map_err(|e| report::vex_refused(&e, status))?;
    if let Some(path) = &a.out {
        write_output(path, doc.to_json(), a.force)?;
    }
    Ok(report::vex_document(&doc, &st, a.out.as_deref()))
}
