//! `sigil audit`: packages from an SBOM or a Cargo.lock against OSV advisories and a RustSec
//! advisory-db checkout, with OpenVEX statements applied.

use std::path::PathBuf;

use serde_json::json;
use sigil_advisory::audit::{self, Advisories, LoadError};
use sigil_advisory::cvss::Severity;
use sigil_advisory::inventory::{self, MAX_INVENTORY_BYTES};
use sigil_advisory::purl::Purl;
use sigil_advisory::vex;

use crate::output::{CliError, Report};

/// Severity thresholds for `--fail-on`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FailOn {
    /// Any finding with a score of 0.1 or more.
    Low,
    /// 4.0 or more.
    Medium,
    /// 7.0 or more.
    High,
    /// 9.0 or more.
    Critical,
}

/// `sigil audit`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["sbom", "lockfile"])))]
pub struct AuditArgs {
    /// CycloneDX or SPDX JSON SBOM to audit.
    #[arg(long, value_name = "BOM")]
    sbom: Option<PathBuf>,
    /// Cargo.lock to audit.
    #[arg(long, value_name = "Cargo.lock")]
    lockfile: Option<PathBuf>,
    /// Directory of OSV JSON advisories (any depth), or a RustSec advisory-db checkout.
    #[arg(long, value_name = "DIR")]
    advisories: PathBuf,
    /// OpenVEX documents to apply. Repeatable.
    #[arg(long, value_name = "FILE", num_args = 1..)]
    vex: Vec<PathBuf>,
    /// Fail (exit 1) when a finding at or above this severity remains. Unscored and
    /// undecidable findings always count, and so do unaudited components unless
    /// --insecure-allow-unaudited.
    #[arg(long, value_enum, default_value = "low")]
    fail_on: FailOn,
    /// The audited product's package URL, which VEX statements about subcomponents must name.
    /// Repeatable. Default: the SBOM's described component (CycloneDX `metadata.component`,
    /// SPDX `DESCRIBES`); a lockfile has none.
    #[arg(long, value_name = "PURL")]
    product: Vec<String>,
    /// Report components that could not be audited (no purl, no version...) without failing.
    #[arg(long)]
    insecure_allow_unaudited: bool,
    /// Also fail (exit 1) on findings of informational advisories (unmaintained, unsound,
    /// notice), which are otherwise reported apart without failing.
    #[arg(long)]
    fail_on_informational: bool,
}

fn load_error(e: LoadError) -> CliError {
    match e {
        LoadError::Io { path, source } => {
            CliError::io(format!("{}: {}", path.display(), super::io_reason(&source)))
        }
        LoadError::Rustsec(sigil_advisory::rustsec_db::RustsecDbError::Io { path, source }) => {
            CliError::io(format!("{}: {}", path.display(), super::io_reason(&source)))
        }
        other => CliError::not_verified(CliError::chain(&other)),
    }
}

/// Runs `sigil audit`.
pub fn run(a: AuditArgs) -> Result<Report, CliError> {
    let threshold = match a.fail_on {
        FailOn::Low => Severity::Low,
        FailOn::Medium => Severity::Medium,
        FailOn::High => Severity::High,
        FailOn::Critical => Severity::Critical,
    };
    let mut products = Vec::new();
    for p in &a.product {
        products
            .push(Purl::parse(p).map_err(|e| CliError::usage(format!("--product {p:?}: {e}")))?);
    }
    let (target, components) = match (&a.sbom, &a.lockfile) {
        (Some(p), _) => {
            let text = super::read_text(p, MAX_INVENTORY_BYTES as u64, "SBOM")?;
            let inv = inventory::read_sbom(&text)
                .map_err(|e| CliError::not_verified(format!("{}: {e}", p.display())))?;
            if a.product.is_empty() {
                products = inv.products;
            }
            (p, inv.components)
        }
        (None, Some(p)) => {
            let text = super::read_text(p, MAX_INVENTORY_BYTES as u64, "lockfile")?;
            (
                p,
                inventory::from_lockfile(&text)
                    .map_err(|e| CliError::not_verified(format!("{}: {e}", p.display())))?,
            )
        }
        (None, None) => return Err(CliError::usage("give --sbom BOM or --lockfile Cargo.lock")),
    };
    if !a.advisories.is_dir() {
        return Err(CliError::io(format!("{}: not a directory", a.advisories.display())).hint("--advisories takes a directory of OSV JSON files or a RustSec advisory-db checkout"));
    }
    let advisories = Advisories::load_dir(&a.advisories).map_err(load_error)?;
    let mut docs = Vec::new();
    for p in &a.vex {
        let text = super::read_text(p, vex::MAX_VEX_BYTES as u64, "VEX document")?;
        docs.push(vex::Document::from_json(&text).map_err(|e| {
            CliError::not_verified(format!("{}: not an OpenVEX 0.2 document: {e}", p.display()))
        })?);
    }
    let report = audit::audit(&components, &products, &advisories, &docs);
    let failing = report.failing(threshold).count();
    let suppressed = report.findings.iter().filter(|f| f.suppressed).count();

    let mut lines = vec![format!(
        "audited {} package(s) from {} against {} advisories",
        report.components,
        target.display(),
        report.advisories
    )];
    if !report.products.is_empty() {
        lines.push(format!("product: {}", report.products.join(", ")));
    }
    if !report.withdrawn.is_empty() {
        lines.push(format!(
            "skipped withdrawn: {}",
            report.withdrawn.join(", ")
        ));
    }
    if !report.informational.is_empty() {
        lines.push(format!(
            "informational advisories (reported apart): {}",
            report.informational.len()
        ));
    }
    for f in &report.findings {
        let sev = f.severity.map_or("unknown", Severity::as_str);
        let score = f.score.map(|s| format!(" {s:.1}")).unwrap_or_default();
        let summary = f
            .summary
            .as_deref()
            .map(|s| format!(": {s}"))
            .unwrap_or_default();
        let head = format!(
            "{}{score} {} {} {}{summary}",
            sev.to_uppercase(),
            f.id,
            f.package,
            f.version
        );
        match &f.vex {
            Some(v) if f.suppressed => {
                lines.push(format!("suppressed {head}"));
                lines.push(format!("  vex {}: {}", v.status, v.reason()));
            }
            Some(v) => {
                lines.push(head);
                lines.push(format!("  fix: {}", f.remediation));
                lines.push(format!("  vex {}: {}", v.status, v.reason()));
            }
            None => {
                lines.push(head);
                lines.push(format!("  fix: {}", f.remediation));
            }
        }
        if let Some(why) = &f.indeterminate {
            lines.push(format!("  indeterminate: {why}"));
        }
    }
    for f in &report.informational_findings {
        let kind = f.informational.as_deref().unwrap_or("informational");
        let summary = f
            .summary
            .as_deref()
            .map(|s| format!(": {s}"))
            .unwrap_or_default();
        let head = format!("INFO {kind} {} {} {}{summary}", f.id, f.package, f.version);
        match &f.vex {
            Some(v) if f.suppressed => {
                lines.push(format!("suppressed {head}"));
                lines.push(format!("  vex {}: {}", v.status, v.reason()));
            }
            Some(v) => {
                lines.push(head);
                lines.push(format!("  vex {}: {}", v.status, v.reason()));
            }
            None => lines.push(head),
        }
    }
    for u in &report.unaudited {
        let version = u
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        lines.push(format!(
            "UNAUDITED {} {}{version}: {}",
            u.code, u.package, u.message
        ));
    }
    let fail_word = match a.fail_on {
        FailOn::Low => "low",
        FailOn::Medium => "medium",
        FailOn::High => "high",
        FailOn::Critical => "critical",
    };
    if !report.informational_findings.is_empty() {
        lines.push(format!(
            "{} informational finding(s){}",
            report.informational_findings.len(),
            if a.fail_on_informational {
                " (failing: --fail-on-informational)"
            } else {
                ", not failing (--fail-on-informational to fail)"
            }
        ));
    }
    lines.push(format!(
        "{} finding(s), {failing} at or above {fail_word}, {suppressed} suppressed by VEX",
        report.findings.len()
    ));
    if !report.unaudited.is_empty() {
        lines.push(format!(
            "{} component(s) not audited{}",
            report.unaudited.len(),
            if a.insecure_allow_unaudited {
                " (allowed by --insecure-allow-unaudited)"
            } else {
                ""
            }
        ));
    }
    let data = json!({
        "target": target,
        "fail_on": fail_word,
        "components": report.components,
        "advisories": report.advisories,
        "withdrawn": report.withdrawn,
        "informational": report.informational,
        "failing": failing,
        "suppressed": suppressed,
        "findings": report.findings,
        "informational_findings": report.informational_findings,
        "fail_on_informational": a.fail_on_informational,
        "products": report.products,
        "unaudited": report.unaudited,
        "insecure_allow_unaudited": a.insecure_allow_unaudited,
    });
    let mut r = if !report.passes_with(
        threshold,
        a.insecure_allow_unaudited,
        a.fail_on_informational,
    ) {
        Report::not_verified(data)
    } else {
        Report::ok("ok", data)
    };
    r.human = lines;
    Ok(r)
}
