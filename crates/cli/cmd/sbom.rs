//! `sigil sbom cargo|pack|binary|diff`: CycloneDX 1.6/1.5 and SPDX 2.3 SBOMs, and SBOM diffs;
//! what each answers is [`sigil_sbom::report`].

use std::path::{Path, PathBuf};

use sigil_sbom::binary::MAX_BINARY_BYTES;
use sigil_sbom::cargo::CargoOptions;
use sigil_sbom::diff::{self, Inventory, MAX_SBOM_BYTES};
use sigil_sbom::lockfile::MAX_LOCK_BYTES;
use sigil_sbom::report::{self, Origin};
use sigil_sbom::{RenderOptions, Sbom, Spec, Tool};

use crate::output::{Failure, Output, Report};

/// SBOMs.
#[derive(Debug, clap::Subcommand)]
pub enum SbomCommand {
    /// SBOM of a Cargo workspace (runs `cargo metadata --locked` for the host platform).
    Cargo(CargoArgs),
    /// SBOM of a data pack: every regular file with its SHA-256 (`.sigil/` excluded).
    Pack(PackArgs),
    /// SBOM of a binary from the dependency list `cargo auditable build` embeds.
    Binary(BinaryArgs),
    /// Components added, removed and changed between two SBOMs (CycloneDX or SPDX JSON).
    Diff(DiffArgs),
}

/// `--spec` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SpecArg {
    /// CycloneDX 1.6 JSON.
    #[value(name = "cyclonedx-1.6")]
    CycloneDx16,
    /// CycloneDX 1.5 JSON.
    #[value(name = "cyclonedx-1.5")]
    CycloneDx15,
    /// SPDX 2.3 JSON.
    #[value(name = "spdx-2.3")]
    Spdx23,
}

/// Where and how to write the SBOM.
#[derive(Debug, clap::Args)]
pub struct OutArgs {
    /// Document format.
    #[arg(long, value_enum, default_value = "cyclonedx-1.6")]
    spec: SpecArg,
    /// Write the SBOM here; default stdout.
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    output: Option<PathBuf>,
}

/// `sigil sbom cargo`.
#[derive(Debug, clap::Args)]
pub struct CargoArgs {
    /// The workspace's Cargo.toml; default: found from the current directory.
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Also list dev-dependencies of workspace members.
    #[arg(long)]
    include_dev: bool,
    #[command(flatten)]
    out: OutArgs,
}

/// `sigil sbom pack`.
#[derive(Debug, clap::Args)]
pub struct PackArgs {
    /// The pack directory.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Name of the root component; default the directory's name.
    #[arg(long)]
    name: Option<String>,
    /// Version of the root component.
    #[arg(long, value_name = "VERSION")]
    pack_version: Option<String>,
    #[command(flatten)]
    out: OutArgs,
}

/// `sigil sbom binary`.
#[derive(Debug, clap::Args)]
pub struct BinaryArgs {
    /// A binary built with `cargo auditable build`.
    #[arg(value_name = "BIN")]
    binary: PathBuf,
    #[command(flatten)]
    out: OutArgs,
}

/// `sigil sbom diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The old SBOM.
    #[arg(value_name = "A")]
    a: PathBuf,
    /// The new SBOM.
    #[arg(value_name = "B")]
    b: PathBuf,
}

/// Runs an sbom subcommand.
pub fn run(out: &Output, cmd: SbomCommand) -> Result<Report, Failure> {
    match cmd {
        SbomCommand::Cargo(a) => {
            let (meta, host) = sigil_gate::sbom::workspace_metadata(a.manifest_path.as_deref())?;
            let lock_path = meta.workspace_root.join("Cargo.lock");
            let lock = super::read_text(lock_path.as_std_path(), MAX_LOCK_BYTES, "Cargo.lock")?;
            let (platform, include_dev) = (host.as_str(), a.include_dev);
            let sbom =
                sigil_sbom::cargo::from_metadata(&meta, &lock, &CargoOptions { include_dev })?;
            let origin = Origin::Cargo {
                platform,
                include_dev,
            };
            emit(&sbom, &a.out, origin)
        }
        SbomCommand::Pack(a) => {
            let info = sigil_gate::sbom::pack_info(&a.dir, a.name, a.pack_version)?;
            let got =
                sigil_gate::sbom::pack(&a.dir, &info, |rel, len| super::progress(out, rel, len))
                    .map_err(|e| Failure::io(Failure::chain(&e)))?;
            let skipped: Vec<_> = got.skipped.iter().map(|(p, _)| p.as_str()).collect();
            report::skipped_warnings(&skipped).for_each(|w| out.warn(w));
            emit(&got.sbom, &a.out, Origin::Pack { skipped: &skipped })
        }
        SbomCommand::Binary(a) => {
            let (f, _) = super::open_input(&a.binary)?;
            let bytes = sigil_core::input::read_bounded(f, MAX_BINARY_BYTES)
                .map_err(|e| report::binary_unreadable(&a.binary, e, MAX_BINARY_BYTES))?;
            let sbom = report::binary_sbom(&a.binary, &bytes)?;
            emit(&sbom, &a.out, Origin::Binary { path: &a.binary })
        }
        SbomCommand::Diff(a) => {
            let (x, y) = (read_inventory(&a.a)?, read_inventory(&a.b)?);
            Ok(report::diff(&diff::diff(&x, &y), (&a.a, &x), (&a.b, &y)))
        }
    }
}

/// `SOURCE_DATE_EPOCH` when set, else the current time ([`report::timestamp`]).
pub fn now() -> Result<sigil_sbom::Timestamp, Failure> {
    report::timestamp(super::now_or_source_date_epoch()?)
}

/// Renders the SBOM (stamped `SOURCE_DATE_EPOCH` or now) and writes it, or puts it on stdout.
fn emit(sbom: &Sbom, out: &OutArgs, origin: Origin<'_>) -> Result<Report, Failure> {
    let spec = match out.spec {
        SpecArg::CycloneDx16 => Spec::CycloneDx16,
        SpecArg::CycloneDx15 => Spec::CycloneDx15,
        SpecArg::Spdx23 => Spec::Spdx23,
    };
    let opts = RenderOptions {
        timestamp: now()?,
        tool: Tool {
            name: "sigil".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
    };
    let text = sigil_sbom::render(sbom, spec, &opts)?;
    if let Some(path) = &out.output {
        super::advisory::write_output(path, &text, true)?;
    }
    report::emitted(sbom, spec, text, out.output.as_deref(), origin)
}

fn read_inventory(path: &Path) -> Result<Inventory, Failure> {
    let text = super::read_text(path, MAX_SBOM_BYTES, "SBOM")?;
    Inventory::parse(&text).map_err(|e| report::unparsable(path, &e))
}
