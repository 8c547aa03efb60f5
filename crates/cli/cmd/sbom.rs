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
use std::process::Command;

use serde_json::{json, Value};
use sigil_sbom::cargo::CargoOptions;
use sigil_sbom::cargo_metadata::{self, MetadataCommand};
use sigil_sbom::diff::{self, Entry, Inventory};
use sigil_sbom::pack::{FileHasher, PackFile, PackInfo};
use sigil_sbom::{RenderOptions, Sbom, Spec, Timestamp, Tool};

use crate::output::{CliError, Output, Report};

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
pub fn run(out: &Output, cmd: SbomCommand) -> Result<Report, CliError> {
    match cmd {
        SbomCommand::Cargo(a) => cargo(a),
        SbomCommand::Pack(a) => pack(out, a),
        SbomCommand::Binary(a) => binary(a),
        SbomCommand::Diff(a) => diff_cmd(a),
    }
}

/// `SOURCE_DATE_EPOCH` when set (reproducible builds), else the current time.
fn timestamp() -> Result<Timestamp, CliError> {
    let secs = i64::try_from(super::now_or_source_date_epoch()?)
        .map_err(|_| CliError::usage("SOURCE_DATE_EPOCH is out of range"))?;
    Timestamp::from_unix_seconds(secs)
        .map_err(|e| CliError::usage(format!("SOURCE_DATE_EPOCH: {e}")))
}

/// Renders and writes the SBOM, or puts it on stdout.
fn emit(sbom: &Sbom, out: &OutArgs, mut summary: Value) -> Result<Report, CliError> {
    let spec = Spec::from(out.spec);
    let opts = RenderOptions {
        timestamp: timestamp()?,
        tool: Tool {
            name: "sigil".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
        },
    };
    let text =
        sigil_sbom::render(sbom, spec, &opts).map_err(|e| CliError::io(CliError::chain(&e)))?;
    summary["spec"] = json!(spec.name());
    summary["components"] = json!(sbom.components.len());
    summary["root"] = json!({ "name": sbom.root.name, "version": sbom.root.version });
    match &out.output {
        Some(path) => {
            std::fs::write(path, text.as_bytes()).map_err(|e| {
                CliError::io(format!(
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
                serde_json::from_str(&text).map_err(|e| CliError::io(format!("internal: {e}")))?;
            summary["sbom"] = doc;
            let mut r = Report::ok("ok", summary);
            r.document = Some(text.clone());
            Ok(r)
        }
    }
}

/// The host triple from `rustc -vV` (`RUSTC` when set).
fn host_triple() -> Result<String, CliError> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let o = Command::new(&rustc).arg("-vV").output().map_err(|e| {
        CliError::io(format!(
            "cannot run {}: {}",
            Path::new(&rustc).display(),
            super::io_reason(&e)
        ))
    })?;
    let text = String::from_utf8_lossy(&o.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(|h| h.trim().to_owned())
        .filter(|h| o.status.success() && !h.is_empty())
        .ok_or_else(|| CliError::io("`rustc -vV` did not name the host platform"))
}

fn metadata_error(e: cargo_metadata::Error) -> CliError {
    match e {
        cargo_metadata::Error::CargoMetadata { stderr } => {
            let first = stderr
                .lines()
                .find(|l| l.starts_with("error"))
                .unwrap_or(stderr.trim())
                .to_owned();
            let first = first.strip_prefix("error: ").unwrap_or(&first).to_owned();
            let err = CliError::usage(format!("cargo metadata failed: {first}"));
            if stderr.contains("--locked") || stderr.contains("lock file") {
                err.hint("update Cargo.lock (`cargo update -w`) and commit it; the SBOM is built from the locked versions")
            } else {
                err
            }
        }
        cargo_metadata::Error::Io(io) => {
            CliError::io(format!("cannot run cargo: {}", super::io_reason(&io)))
        }
        other => CliError::io(format!("cargo metadata: {other}")),
    }
}

fn cargo(a: CargoArgs) -> Result<Report, CliError> {
    let host = host_triple()?;
    let mut cmd = MetadataCommand::new();
    if let Some(cargo) = std::env::var_os("CARGO") {
        cmd.cargo_path(cargo);
    }
    if let Some(p) = &a.manifest_path {
        cmd.manifest_path(p);
    }
    cmd.other_options(vec![
        "--locked".to_owned(),
        "--filter-platform".to_owned(),
        host.clone(),
    ]);
    let meta = cmd.exec().map_err(metadata_error)?;
    let lock_path = meta.workspace_root.join("Cargo.lock");
    let lock = super::read_text(lock_path.as_std_path(), MAX_LOCK, "Cargo.lock")?;
    let sbom = sigil_sbom::cargo::from_metadata(
        &meta,
        &lock,
        &CargoOptions {
            include_dev: a.include_dev,
        },
    )
    .map_err(|e| CliError::usage(CliError::chain(&e)))?;
    emit(
        &sbom,
        &a.out,
        json!({ "platform": host, "include_dev": a.include_dev }),
    )
}

/// Every regular file under `dir` (`.sigil/` at the top excluded), as (relative path, path);
/// anything else (symlinks, sockets) goes to `skipped`.
fn walk(
    root: &Path,
    rel: &str,
    files: &mut Vec<(String, PathBuf)>,
    skipped: &mut Vec<String>,
) -> Result<(), CliError> {
    let dir = if rel.is_empty() {
        root.to_path_buf()
    } else {
        root.join(rel)
    };
    let entries = std::fs::read_dir(&dir).map_err(|e| {
        CliError::io(format!(
            "cannot read {}: {}",
            dir.display(),
            super::io_reason(&e)
        ))
    })?;
    for entry in entries {
        let entry = entry.map_err(|e| {
            CliError::io(format!(
                "cannot read {}: {}",
                dir.display(),
                super::io_reason(&e)
            ))
        })?;
        let name = entry.file_name();
        let name = name.to_str().ok_or_else(|| {
            CliError::usage(format!("{}: a file name is not UTF-8", dir.display()))
        })?;
        let path = if rel.is_empty() {
            name.to_owned()
        } else {
            format!("{rel}/{name}")
        };
        if sigil_sbom::pack::is_metadata(&path) {
            continue;
        }
        let ft = entry.file_type().map_err(|e| {
            CliError::io(format!(
                "{}: {}",
                entry.path().display(),
                super::io_reason(&e)
            ))
        })?;
        if ft.is_dir() {
            walk(root, &path, files, skipped)?;
        } else if ft.is_file() {
            files.push((path, entry.path()));
        } else {
            skipped.push(path);
        }
    }
    Ok(())
}

fn pack(out: &Output, a: PackArgs) -> Result<Report, CliError> {
    let meta = std::fs::metadata(&a.dir).map_err(|e| {
        CliError::io(format!(
            "cannot open {}: {}",
            a.dir.display(),
            super::io_reason(&e)
        ))
    })?;
    if !meta.is_dir() {
        return Err(
            CliError::usage(format!("{} is not a directory", a.dir.display()))
                .hint("`sigil sbom pack` takes the pack's directory"),
        );
    }
    let name = match a.name {
        Some(n) => n,
        None => std::fs::canonicalize(&a.dir)
            .ok()
            .and_then(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_owned))
            .ok_or_else(|| {
                CliError::usage("cannot name the pack from its directory").hint("pass --name")
            })?,
    };
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    walk(&a.dir, "", &mut found, &mut skipped)?;
    skipped.sort();
    for s in &skipped {
        out.warn(format!("{s}: not a regular file, not listed"));
    }
    let mut files = Vec::with_capacity(found.len());
    for (rel, path) in found {
        let (f, len) = super::open_input(&path)?;
        let mut progress = super::progress(out, &rel, len);
        let mut h = FileHasher::default();
        sigil_core::digest::stream(f, |b| h.update(b), &mut progress)
            .map_err(|e| CliError::io(format!("{}: {}", path.display(), super::io_reason(&e))))?;
        let (sha256, sha1) = h.finalize();
        files.push(PackFile {
            path: rel,
            sha256,
            sha1,
        });
    }
    let sbom = sigil_sbom::pack::from_files(
        &PackInfo {
            name,
            version: a.pack_version,
        },
        files,
    )
    .map_err(|e| CliError::usage(CliError::chain(&e)))?;
    emit(&sbom, &a.out, json!({ "skipped": skipped }))
}

fn binary(a: BinaryArgs) -> Result<Report, CliError> {
    let (f, _) = super::open_input(&a.binary)?;
    let bytes = sigil_core::input::read_bounded(f, MAX_BINARY).map_err(|e| match e {
        sigil_core::input::ReadBoundedError::TooLarge { .. } => CliError::not_verified(format!(
            "{} is larger than {MAX_BINARY} bytes",
            a.binary.display()
        )),
        e => CliError::io(format!(
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
        let msg = format!("{}: {}", a.binary.display(), CliError::chain(&e));
        match e {
            sigil_sbom::binary::BinarySbomError::NoAuditData => CliError::not_verified(msg)
                .hint("build it with `cargo auditable build` (cargo install cargo-auditable) and do not strip the .dep-v0 section"),
            _ => CliError::not_verified(msg),
        }
    })?;
    emit(
        &sbom,
        &a.out,
        json!({ "binary": a.binary, "sha256": sbom.root.sha256.map(|d| d.to_hex()) }),
    )
}

fn read_inventory(path: &Path) -> Result<Inventory, CliError> {
    let text = super::read_text(path, MAX_SBOM, "SBOM")?;
    Inventory::parse(&text)
        .map_err(|e| CliError::not_verified(format!("{}: {}", path.display(), CliError::chain(&e))))
}

fn entry_json(e: &Entry) -> Value {
    json!({ "name": e.name, "version": e.version, "purl": e.purl })
}

fn label(e: &Entry) -> String {
    match &e.version {
        Some(v) => format!("{} {v}", e.name),
        None => e.name.clone(),
    }
}

fn diff_cmd(a: DiffArgs) -> Result<Report, CliError> {
    let (x, y) = (read_inventory(&a.a)?, read_inventory(&a.b)?);
    let d = diff::diff(&x, &y);
    let mut r = Report::ok("ok", Value::Null);
    for e in &d.removed {
        r = r.line(format!("- {}", label(e)));
    }
    for e in &d.added {
        r = r.line(format!("+ {}", label(e)));
    }
    for c in &d.changed {
        if c.version_changed {
            let to = c.to.version.as_deref().unwrap_or("(no version)");
            r = r.line(format!("~ {} -> {to}", label(&c.from)));
        } else {
            let algs = c
                .hashes_changed
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect::<Vec<_>>()
                .join(", ");
            r = r.line(format!("~ {} ({algs} changed)", label(&c.from)));
        }
    }
    r = r.line(if d.is_empty() {
        "no differences".to_owned()
    } else {
        format!(
            "{} added, {} removed, {} changed",
            d.added.len(),
            d.removed.len(),
            d.changed.len()
        )
    });
    let side = |p: &Path, i: &Inventory| json!({ "path": p, "format": i.format, "components": i.entries.len() });
    r.data = json!({
        "a": side(&a.a, &x),
        "b": side(&a.b, &y),
        "identical": d.is_empty(),
        "added": d.added.iter().map(entry_json).collect::<Vec<_>>(),
        "removed": d.removed.iter().map(entry_json).collect::<Vec<_>>(),
        "changed": d.changed.iter().map(|c| json!({
            "name": c.from.name,
            "from": entry_json(&c.from),
            "to": entry_json(&c.to),
            "version_changed": c.version_changed,
            "hashes_changed": c.hashes_changed,
        })).collect::<Vec<_>>(),
    });
    Ok(r)
}
