//! `sigil repo`: TUF repositories of packs, for any static host.

use std::path::PathBuf;
use std::time::SystemTime;

use serde_json::json;
use sigil_tuf::repo;

use super::trust::tuf_error;
use crate::output::{Failure, Report};

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

/// Runs `sigil repo`.
pub fn run(c: RepoCommand) -> Result<Report, Failure> {
    let now = SystemTime::now();
    // Repository trouble is a setup error whatever its kind; publish and rotate keep theirs.
    let setup = |e: sigil_tuf::TufError| Failure::usage(tuf_error(e).message);
    match c {
        RepoCommand::Init(a) => {
            let expiry = a.expiry.iter().map(|e| repo::parse_expiry(e));
            let expiry = expiry.collect::<Result<Vec<_>, _>>().map_err(setup)?;
            let root = repo::init(&a.dir, now, &expiry).map_err(setup)?;
            let root_path = repo::metadata_dir(&a.dir).join("1.root.json");
            let sha256 = sigil_tuf::sha256_hex(&root);
            Ok(Report::ok(
                "initialised",
                json!({ "dir": a.dir, "root": root_path, "root_sha256": sha256 }),
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
            let mut r = Report::ok("added", json!(null));
            let mut added = Vec::new();
            for pack in &a.packs {
                for (target, e) in repo::add_pack(&a.dir, pack).map_err(setup)? {
                    let (length, sha256) = (e.length, &e.sha256);
                    r = r.line(format!("added {target} ({length} bytes, sha256 {sha256})"));
                    added.push(json!({ "target": target, "length": length, "sha256": sha256 }));
                }
            }
            r.data = json!({ "added": added });
            Ok(r.line("run `sigil repo publish` to sign them into the repository"))
        }
        RepoCommand::Publish(a) => {
            let p = repo::publish(&a.dir, now).map_err(tuf_error)?;
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
            let root = repo::rotate(&a.dir, &a.role, now).map_err(tuf_error)?;
            let version = repo::root_version(&root);
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
