//! `sigil repo`: TUF repositories of packs, for any static host.

use std::path::PathBuf;
use std::time::SystemTime;

use sigil_tuf::repo;
use sigil_tuf::report::{self, repo_setup};

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

/// `sigil repo publish`, and the repository of `add` and `rotate`.
#[derive(Debug, clap::Args)]
pub struct DirArgs {
    /// The repository directory.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
}

/// `sigil repo add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    #[command(flatten)]
    repo: DirArgs,
    /// Pack archives; each is added under its file name, with any sidecar beside it
    /// (`.minisig`, `.1.minisig`..., `.sigstore.json`, `.intoto.jsonl`) that exists.
    #[arg(required = true, value_name = "PACK")]
    packs: Vec<PathBuf>,
}

/// `sigil repo rotate`.
#[derive(Debug, clap::Args)]
pub struct RotateArgs {
    #[command(flatten)]
    repo: DirArgs,
    /// The role whose key is replaced: root, targets, snapshot or timestamp.
    #[arg(long, value_name = "ROLE")]
    role: String,
}

/// Runs `sigil repo`.
pub fn run(c: RepoCommand) -> Result<Report, Failure> {
    let now = SystemTime::now();
    match c {
        RepoCommand::Init(a) => {
            let expiry = a.expiry.iter().map(|e| repo::parse_expiry(e));
            let expiry = expiry.collect::<Result<Vec<_>, _>>().map_err(repo_setup)?;
            let root = repo::init(&a.dir, now, &expiry).map_err(repo_setup)?;
            Ok(report::repo_init(&a.dir, &root))
        }
        RepoCommand::Add(a) => {
            let added = repo::add_packs(&a.repo.dir, &a.packs).map_err(repo_setup)?;
            Ok(report::repo_added(&added))
        }
        RepoCommand::Publish(a) => Ok(report::repo_published(&a.dir, &repo::publish(&a.dir, now)?)),
        RepoCommand::Rotate(a) => {
            let root = repo::rotate(&a.repo.dir, &a.role, now)?;
            Ok(report::repo_rotated(&a.role, &root))
        }
    }
}
