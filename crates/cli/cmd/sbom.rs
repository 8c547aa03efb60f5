//! `sigil sbom cargo|pack|binary|diff`: CycloneDX 1.6/1.5 and SPDX 2.3 SBOMs, and SBOM diffs.
//!
//! The SBOM goes to `-o OUT` or to stdout (with `--format json`, inside the result document
//! as `result.sbom`). The timestamp is `SOURCE_DATE_EPOCH` when set, else now; the serial
//! number is derived from the content, so a fixed `SOURCE_DATE_EPOCH` gives identical bytes.
//!
//! Exit codes: 0 written (or diffed); 1 the evidence is missing or malformed (a binary with
//! no cargo-auditable data, an input SBOM that does not parse); 2 usage, setup or I/O
//! (`cargo metadata` fails, an unreadable file, a bad `SOURCE_DATE_EPOCH`).

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sigil_gate::sbom::WorkspaceSbomError;
use sigil_sbom::cargo::CargoOptions;
use sigil_sbom::diff::{self, Inventory};
use sigil_sbom::pack::PackInfo;
use sigil_sbom::{RenderOptions, Sbom, Spec, Timestamp, Tool};

use crate::output::{Failure, Output, Report};

/// Largest `Cargo.lock` read.
const MAX_LOCK: u64 = 64 * 1024 * 1024;
/// Largest SBOM read by `diff`.
const MAX_SBOM: u64 = 256 * 1024 * 1024;
/// Largest binary read (the whole file is parsed in memory).
const MAX_BINARY: u64 = 1024 * 1024 * 1024;

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

impl From<SpecArg> for Spec {
    fn from(s: SpecArg) -> Self {
        match s {
            SpecArg::CycloneDx16 => Spec::CycloneDx16,
            SpecArg::CycloneDx15 => Spec::CycloneDx15,
            SpecArg::Spdx23 => Spec::Spdx23,
        }
    }
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
        SbomCommand::Cargo(a) => cargo(a),
        SbomCommand::Pack(a) => pack(out, a),
        SbomCommand::Binary(a) => binary(a),
        SbomCommand::Diff(a) => diff_cmd(a),
    }
}

/// `SOURCE_DATE_EPOCH` when set (reproducible builds), else the current time.
fn timestamp() -> Result<Timestamp, Failure> {
    let secs = i64::try_from(super::now_or_source_date_epoch()?)
        .map_err(|_| Failure::usage("SOURCE_DATE_EPOCH is out of range"))?;
    Timestamp::from_unix_seconds(secs)
        .map_err(|e| Failure::usage(format!("SOURCE_DATE_EPOCH: {e}")))
}

/// Renders and writes the SBOM, or puts it on stdout.
fn emit(sbom: &Sbom, out: &OutArgs, mut summary: Value) -> Result<Report, Failure> {
    let spec = Spec::from(out.spec);
    let opts = RenderOptions {
        timestamp: timestamp()?,
        tool: Tool {
            name: "sigil".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
    };
    let text =
        sigil_sbom::render(sbom, spec, &opts).map_err(|e| Failure::io(Failure::chain(&e)))?;
    summary["spec"] = json!(spec.name());
    summary["components"] = json!(sbom.components.len());
    summary["root"] = json!({ "name": sbom.root.name, "version": sbom.root.version });
    match &out.output {
        Some(path) => {
            std::fs::write(path, text.as_bytes()).map_err(|e| {
                Failure::io(format!(
                    "cannot write {}: {}",
                    path.display(),
                    super::io_reason(&e)
                ))
            })?;
            summary["output"] = json!(path);
            Ok(Report::ok("ok", summary).line(format!(
                "wrote {} ({}, {} components)",
                path.display(),
                spec.name(),
                sbom.components.len()
            )))
        }
        None => {
            let doc: Value =
                serde_json::from_str(&text).map_err(|e| Failure::io(format!("internal: {e}")))?;
            summary["sbom"] = doc;
            let mut r = Report::ok("ok", summary);
            r.document = Some(text.clone());
            Ok(r)
        }
    }
}

fn cargo(a: CargoArgs) -> Result<Report, Failure> {
    let (meta, host) = sigil_gate::sbom::workspace_metadata(a.manifest_path.as_deref()).map_err(|e| match e {
        WorkspaceSbomError::Metadata { locked: true, .. } => Failure::usage(e).hint(
            "update Cargo.lock (`cargo update -w`) and commit it; the SBOM is built from the locked versions",
        ),
        WorkspaceSbomError::Metadata { .. } => Failure::usage(e),
        _ => Failure::io(e),
    })?;
    let lock_path = meta.workspace_root.join("Cargo.lock");
    let lock = super::read_text(lock_path.as_std_path(), MAX_LOCK, "Cargo.lock")?;
    let opts = CargoOptions {
        include_dev: a.include_dev,
    };
    let sbom = sigil_sbom::cargo::from_metadata(&meta, &lock, &opts)
        .map_err(|e| Failure::usage(Failure::chain(&e)))?;
    emit(
        &sbom,
        &a.out,
        json!({ "platform": host, "include_dev": a.include_dev }),
    )
}

fn pack(out: &Output, a: PackArgs) -> Result<Report, Failure> {
    if !std::fs::metadata(&a.dir)
        .map_err(|e| {
            Failure::io(format!(
                "cannot open {}: {}",
                a.dir.display(),
                super::io_reason(&e)
            ))
        })?
        .is_dir()
    {
        return Err(
            Failure::usage(format!("{} is not a directory", a.dir.display()))
                .hint("`sigil sbom pack` takes the pack's directory"),
        );
    }
    let dir_name = std::fs::canonicalize(&a.dir)
        .ok()
        .and_then(|p| p.file_name()?.to_str().map(str::to_owned));
    let name = a.name.or(dir_name).ok_or_else(|| {
        Failure::usage("cannot name the pack from its directory").hint("pass --name")
    })?;
    let info = PackInfo {
        name,
        version: a.pack_version,
    };
    let got = sigil_gate::sbom::pack(&a.dir, &info, |rel, len| super::progress(out, rel, len))
        .map_err(|e| Failure::io(Failure::chain(&e)))?;
    let skipped: Vec<_> = got.skipped.iter().map(|(p, _)| p).collect();
    for s in &skipped {
        out.warn(format!("{s}: not a regular file, not listed"));
    }
    emit(&got.sbom, &a.out, json!({ "skipped": skipped }))
}

fn binary(a: BinaryArgs) -> Result<Report, Failure> {
    let (f, _) = super::open_input(&a.binary)?;
    let bytes = sigil_core::input::read_bounded(f, MAX_BINARY).map_err(|e| match e {
        sigil_core::input::ReadBoundedError::TooLarge { .. } => Failure::not_verified(format!(
            "{} is larger than {MAX_BINARY} bytes",
            a.binary.display()
        )),
        e => Failure::io(format!(
            "{}: {}",
            a.binary.display(),
            super::io_reason(&e.into())
        )),
    })?;
    let file_name = a
        .binary
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("binary")
        .to_owned();
    let sbom = sigil_sbom::binary::from_binary(&bytes, &file_name).map_err(|e| {
        let msg = format!("{}: {}", a.binary.display(), Failure::chain(&e));
        match e {
            sigil_sbom::binary::BinarySbomError::NoAuditData => Failure::not_verified(msg)
                .hint("build it with `cargo auditable build` (cargo install cargo-auditable) and do not strip the .dep-v0 section"),
            _ => Failure::not_verified(msg),
        }
    })?;
    emit(
        &sbom,
        &a.out,
        json!({ "binary": a.binary, "sha256": sbom.root.sha256.map(|d| d.to_hex()) }),
    )
}

fn read_inventory(path: &Path) -> Result<Inventory, Failure> {
    let text = super::read_text(path, MAX_SBOM, "SBOM")?;
    Inventory::parse(&text)
        .map_err(|e| Failure::not_verified(format!("{}: {}", path.display(), Failure::chain(&e))))
}

fn diff_cmd(a: DiffArgs) -> Result<Report, Failure> {
    let (x, y) = (read_inventory(&a.a)?, read_inventory(&a.b)?);
    let d = diff::diff(&x, &y);
    let side = |p: &Path, i: &Inventory| json!({ "path": p, "format": i.format, "components": i.entries.len() });
    let mut data = d.to_json();
    data["a"] = side(&a.a, &x);
    data["b"] = side(&a.b, &y);
    let mut r = Report::ok("ok", data);
    r.human = d.lines();
    Ok(r)
}
