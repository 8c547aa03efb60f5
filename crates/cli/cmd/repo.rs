//! `sigil repo`: TUF repositories of packs, for any static host.

use std::path::PathBuf;
use std::time::SystemTime;

use serde_json::json;

use super::trust::tuf_error;
use crate::output::{CliError, Report};

/// `sigil repo ...`.
#[derive(Debug, clap::Subcommand)]
pub enum RepoCommand {
    /// Create a repository: a key per role (root, targets, snapshot, timestamp) and root v1.
    Init(InitArgs),
    /// Add packs (and the signatures beside them) as targets; `publish` makes them visible.
    Add(AddArgs),
    /// Sign new targets, snapshot and timestamp metadata; serve DIR/site from any static host.
    Publish(DirArgs),
    /// Replace a role's key: writes the next root version, signed by the old and new root keys.
    Rotate(RotateArgs),
}

impl RepoCommand {
    /// The command's name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            RepoCommand::Init(_) => "repo init",
            RepoCommand::Add(_) => "repo add",
            RepoCommand::Publish(_) => "repo publish",
            RepoCommand::Rotate(_) => "repo rotate",
        }
    }
}

/// `sigil repo init`.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The repository directory to create (must not exist, or be empty).
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Expiry period of a role, in days (repeatable); defaults: root=365, targets=90,
    /// snapshot=7, timestamp=1.
    #[arg(long = "expiry", value_name = "ROLE=DAYS")]
    expiry: Vec<String>,
}

/// `sigil repo publish`.
#[derive(Debug, clap::Args)]
pub struct DirArgs {
    /// The repository directory.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
}

/// `sigil repo add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The repository directory.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Pack archives; each is added under its file name, with any sidecar beside it
    /// (`.minisig`, `.1.minisig`..., `.sigstore.json`, `.intoto.jsonl`) that exists.
    #[arg(required = true, value_name = "PACK")]
    packs: Vec<PathBuf>,
}

/// `sigil repo rotate`.
#[derive(Debug, clap::Args)]
pub struct RotateArgs {
    /// The repository directory.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// The role whose key is replaced: root, targets, snapshot or timestamp.
    #[arg(long, value_name = "ROLE")]
    role: String,
}

/// Sidecars added with a pack when they exist beside it: those `sigil install` looks for
/// (`NAME.minisig`, numbered `NAME.N.minisig`, the bundle and the attestations).
const SIDECARS: &[&str] = &[
    ".minisig",
    ".1.minisig",
    ".2.minisig",
    ".3.minisig",
    ".4.minisig",
    ".5.minisig",
    ".6.minisig",
    ".7.minisig",
    ".8.minisig",
    ".9.minisig",
    ".sigstore.json",
    ".intoto.jsonl",
];

/// Runs `sigil repo`.
pub fn run(c: RepoCommand) -> Result<Report, CliError> {
    let now = SystemTime::now();
    match c {
        RepoCommand::Init(a) => {
            let mut expiry = Vec::new();
            for e in &a.expiry {
                let parsed = e
                    .split_once('=')
                    .and_then(|(r, d)| Some((r.to_owned(), d.parse::<u32>().ok()?)));
                let Some(pair) = parsed else {
                    return Err(CliError::usage(format!(
                        "--expiry {e}: expected ROLE=DAYS, e.g. timestamp=2"
                    )));
                };
                expiry.push(pair);
            }
            let root = sigil_tuf::repo::init(&a.dir, now, &expiry)
                .map_err(|e| CliError::usage(tuf_error(e).message))?;
            let root_path = sigil_tuf::repo::metadata_dir(&a.dir).join("1.root.json");
            Ok(Report::ok(
                "initialised",
                json!({ "dir": a.dir, "root": root_path, "root_sha256": sigil_tuf::sha256_hex(&root) }),
            )
            .line(format!(
                "created {} (keys in {}; serve {} only)",
                a.dir.display(),
                a.dir.join("keys").display(),
                a.dir.join("site").display()
            ))
            .line(format!("pin this root in clients: {}", root_path.display())))
        }
        RepoCommand::Add(a) => {
            let mut added = Vec::new();
            let mut report_lines = Vec::new();
            for pack in &a.packs {
                let name = pack
                    .file_name()
                    .and_then(|n| n.to_str())
                    .ok_or_else(|| CliError::usage(format!("{}: no file name", pack.display())))?
                    .to_owned();
                let mut files = vec![(pack.clone(), name.clone())];
                for ext in SIDECARS {
                    let side = pack.with_file_name(format!("{name}{ext}"));
                    if side.is_file() {
                        files.push((side, format!("{name}{ext}")));
                    }
                }
                for (path, target) in files {
                    let e = sigil_tuf::repo::add(&a.dir, &path, &target).map_err(|e| {
                        let c = tuf_error(e);
                        CliError::usage(c.message)
                    })?;
                    report_lines.push(format!(
                        "added {target} ({} bytes, sha256 {})",
                        e.length, e.sha256
                    ));
                    added.push(json!({ "target": target, "length": e.length, "sha256": e.sha256 }));
                }
            }
            let mut r = Report::ok("added", json!({ "added": added }));
            for l in report_lines {
                r = r.line(l);
            }
            Ok(r.line("run `sigil repo publish` to sign them into the repository"))
        }
        RepoCommand::Publish(a) => {
            let p = sigil_tuf::repo::publish(&a.dir, now).map_err(tuf_error)?;
            let mut r = Report::ok(
                "published",
                json!({ "versions": p.versions, "expires": p.expires, "targets": p.targets }),
            );
            for (role, v) in &p.versions {
                let exp = p.expires.get(role).map(String::as_str).unwrap_or("?");
                r = r.line(format!("{role} v{v}, expires {exp}"));
            }
            Ok(r.line(format!(
                "{} targets; copy {} to the host",
                p.targets,
                a.dir.join("site").display()
            )))
        }
        RepoCommand::Rotate(a) => {
            let root = sigil_tuf::repo::rotate(&a.dir, &a.role, now).map_err(tuf_error)?;
            let v: serde_json::Value = serde_json::from_slice(&root).unwrap_or_default();
            let version = v["signed"]["version"].as_u64().unwrap_or(0);
            Ok(Report::ok(
                "rotated",
                json!({ "role": a.role, "root_version": version }),
            )
            .line(format!(
                "new {} key; root v{version} written; run `sigil repo publish`",
                a.role
            )))
        }
    }
}
