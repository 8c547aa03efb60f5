//! `sigil audit`: packages from an SBOM or a Cargo.lock against OSV advisories and a RustSec
//! advisory-db checkout, with OpenVEX statements applied.

use std::path::PathBuf;

use sigil_advisory::audit_text::Gate;
use sigil_advisory::cvss::Severity;
use sigil_advisory::inventory::MAX_INVENTORY_BYTES;
use sigil_advisory::{report, vex};

use crate::output::{Failure, Report};

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

/// Runs `sigil audit`.
pub fn run(a: AuditArgs) -> Result<Report, Failure> {
    let threshold = match a.fail_on {
        FailOn::Low => Severity::Low,
        FailOn::Medium => Severity::Medium,
        FailOn::High => Severity::High,
        FailOn::Critical => Severity::Critical,
    };
    let products = report::products(&a.product)?;
    let (target, what) = match (&a.sbom, &a.lockfile) {
        (Some(p), _) => (p, "SBOM"),
        (None, Some(p)) => (p, "lockfile"),
        (None, None) => return Err(Failure::usage("give --sbom BOM or --lockfile Cargo.lock")),
    };
    let text = super::read_text(target, MAX_INVENTORY_BYTES as u64, what)?;
    let inv = report::audit_input(target, &text, a.sbom.is_some(), products)?;
    let advisories = report::load_advisories(&a.advisories)?;
    let mut docs = Vec::new();
    for p in &a.vex {
        let text = super::read_text(p, vex::MAX_VEX_BYTES as u64, "VEX document")?;
        docs.push(report::parse_vex(p, &text)?);
    }
    let audited = sigil_advisory::audit(&inv.components, &inv.products, &advisories, &docs);
    let (unaudited, informational) = (a.insecure_allow_unaudited, a.fail_on_informational);
    let gate = Gate::new(threshold, unaudited, informational);
    Ok(report::audited(&audited, target, gate))
}
