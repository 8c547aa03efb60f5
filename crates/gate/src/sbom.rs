//! SBOMs of what is on this machine: a Cargo workspace (through `rustc -vV` and
//! `cargo metadata --locked`, honouring `RUSTC` and `CARGO`) and a pack directory (through
//! sigil-pack's walk, so an SBOM lists exactly the files a pack manifest signs).

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use sigil_core::report::{io_reason, Failure};
use sigil_pack::Limits;
use sigil_sbom::cargo_metadata::{self, MetadataCommand};

use crate::evidence::GatherError;

/// Why a workspace SBOM could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WorkspaceSbomError {
    /// `rustc -vV` could not run.
    #[error("cannot run {}: {source}", rustc.display())]
    Rustc {
        /// The program (`RUSTC`, else `rustc`).
        rustc: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// `rustc -vV` ran but named no host platform.
    #[error("`rustc -vV` did not name the host platform")]
    NoHost,
    /// `cargo metadata` refused (its first error line); `locked` when the lock file is out of
    /// date or missing.
    #[error("cargo metadata failed: {message}")]
    Metadata {
        /// The first error line, without `error: `.
        message: String,
        /// Whether it is about `--locked` or the lock file.
        locked: bool,
    },
    /// cargo could not run.
    #[error("cannot run cargo: {0}")]
    Cargo(#[source] io::Error),
    /// Any other `cargo metadata` failure.
    #[error("cargo metadata: {0}")]
    Other(cargo_metadata::Error),
}

impl From<WorkspaceSbomError> for Failure {
    /// `cargo metadata` refusing is a usage error (a stale lock file has a hint); not being
    /// able to run the tools is an I/O error.
    fn from(e: WorkspaceSbomError) -> Self {
        match e {
            WorkspaceSbomError::Metadata { locked: true, .. } => Failure::usage(e).hint(
                "update Cargo.lock (`cargo update -w`) and commit it; the SBOM is built from the locked versions",
            ),
            WorkspaceSbomError::Metadata { .. } => Failure::usage(e),
            _ => Failure::io(e),
        }
    }
}

/// The host triple from `rustc -vV` (`RUSTC` when set).
fn host_triple() -> Result<String, WorkspaceSbomError> {
    let rustc = PathBuf::from(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()));
    let o = Command::new(&rustc)
        .arg("-vV")
        .output()
        .map_err(|source| WorkspaceSbomError::Rustc { rustc, source })?;
    let text = String::from_utf8_lossy(&o.stdout);
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(|h| h.trim().to_owned())
        .filter(|h| o.status.success() && !h.is_empty())
        .ok_or(WorkspaceSbomError::NoHost)
}

fn metadata_error(e: cargo_metadata::Error) -> WorkspaceSbomError {
    match e {
        cargo_metadata::Error::CargoMetadata { stderr } => {
            let first = stderr
                .lines()
                .find(|l| l.starts_with("error"))
                .unwrap_or(stderr.trim());
            WorkspaceSbomError::Metadata {
                message: first.strip_prefix("error: ").unwrap_or(first).to_owned(),
                locked: stderr.contains("--locked") || stderr.contains("lock file"),
            }
        }
        cargo_metadata::Error::Io(io) => WorkspaceSbomError::Cargo(io),
        other => WorkspaceSbomError::Other(other),
    }
}

/// `cargo metadata --locked` of the Cargo workspace at `manifest_path` (default: found from
/// the current directory) for the host platform, and the host triple. Its `Cargo.lock` is
/// at `workspace_root`; [`sigil_sbom::cargo::from_metadata`] makes the SBOM of the two.
pub fn workspace_metadata(
    manifest_path: Option<&Path>,
) -> Result<(cargo_metadata::Metadata, String), WorkspaceSbomError> {
    let host = host_triple()?;
    let mut cmd = MetadataCommand::new();
    if let Some(cargo) = std::env::var_os("CARGO") {
        cmd.cargo_path(cargo);
    }
    if let Some(p) = manifest_path {
        cmd.manifest_path(p);
    }
    let filter = vec![
        "--locked".to_owned(),
        "--filter-platform".to_owned(),
        host.clone(),
    ];
    cmd.other_options(filter);
    Ok((cmd.exec().map_err(metadata_error)?, host))
}

/// The root of `sigil sbom pack DIR`: `name`, else the directory's own name, with `version`.
/// `dir` must be a directory.
pub fn pack_info(
    dir: &Path,
    name: Option<String>,
    version: Option<String>,
) -> Result<sigil_sbom::pack::PackInfo, Failure> {
    let meta = std::fs::metadata(dir)
        .map_err(|e| Failure::io(format!("cannot open {}: {}", dir.display(), io_reason(&e))))?;
    if !meta.is_dir() {
        return Err(
            Failure::usage(format!("{} is not a directory", dir.display()))
                .hint("`sigil sbom pack` takes the pack's directory"),
        );
    }
    let dir_name = std::fs::canonicalize(dir)
        .ok()
        .and_then(|p| p.file_name()?.to_str().map(str::to_owned));
    let name = name.or(dir_name).ok_or_else(|| {
        Failure::usage("cannot name the pack from its directory").hint("pass --name")
    })?;
    Ok(sigil_sbom::pack::PackInfo { name, version })
}

/// The SBOM of a pack directory, and what it leaves out.
#[derive(Debug)]
pub struct DirSbom {
    /// The pack as the root, each listed file a component with its SHA-256 and SHA-1.
    pub sbom: sigil_sbom::Sbom,
    /// Entries that are not regular files (symlinks, sockets, names that are not UTF-8):
    /// `(path, kind)`, sorted by path; a pack manifest cannot sign them either.
    pub skipped: Vec<(String, &'static str)>,
}

/// The SBOM of the pack directory `dir`: exactly the files a pack manifest of `dir` signs,
/// as sigil-pack's walk finds them (regular files outside `.sigil/`, no symlink followed),
/// each hashed from the file the walk found. `progress(path, len)` makes the progress
/// reporter for one file.
pub fn pack<P: FnMut(u64)>(
    dir: &Path,
    info: &sigil_sbom::pack::PackInfo,
    mut progress: impl FnMut(&str, u64) -> P,
) -> Result<DirSbom, GatherError> {
    let io = |e: sigil_pack::tree::TreeIoError| GatherError::Io {
        path: e.path,
        source: e.source,
    };
    let unlimited = Limits {
        max_files: u64::MAX,
        max_file_bytes: u64::MAX,
        max_total_bytes: u64::MAX,
    };
    let tree = sigil_pack::tree::walk(dir, &unlimited).map_err(io)?;
    let mut files = Vec::with_capacity(tree.files.len());
    for f in &tree.files {
        let file = sigil_pack::tree::open_walked(f).map_err(io)?;
        let mut h = sigil_sbom::pack::FileHasher::default();
        sigil_core::digest::stream(file, |b| h.update(b), progress(&f.rel, f.size)).map_err(
            |source| GatherError::Io {
                path: f.path.clone(),
                source,
            },
        )?;
        let (sha256, sha1) = h.finalize();
        let path = f.rel.clone();
        files.push(sigil_sbom::pack::PackFile { path, sha256, sha1 });
    }
    // The walk gives clean, unique relative paths: the SBOM cannot refuse them.
    let sbom = sigil_sbom::pack::from_files(info, files).map_err(|e| GatherError::Io {
        path: dir.to_path_buf(),
        source: io::Error::other(e),
    })?;
    let mut skipped = tree.others;
    skipped.sort();
    Ok(DirSbom { sbom, skipped })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pack_sbom_lists_the_walked_regular_files_and_skips_the_rest() {
        use sigil_core::Sha256Digest;
        let d = tempfile::tempdir().unwrap();
        let p = d.path();
        std::fs::create_dir_all(p.join("sub/deeper")).unwrap();
        std::fs::create_dir_all(p.join(".sigil")).unwrap();
        std::fs::write(p.join("b.txt"), b"b").unwrap();
        std::fs::write(p.join("sub/deeper/a.json"), b"{}").unwrap();
        std::fs::write(p.join(".sigil/SHA256SUMS"), b"x").unwrap();
        std::os::unix::fs::symlink("b.txt", p.join("link")).unwrap();
        let info = sigil_sbom::pack::PackInfo {
            name: "p".into(),
            version: Some("1".into()),
        };
        let mut asked = Vec::new();
        let got = pack(p, &info, |rel, len| {
            asked.push((rel.to_owned(), len));
            |_| {}
        })
        .unwrap();
        let names: Vec<_> = got
            .sbom
            .components
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, ["b.txt", "sub/deeper/a.json"]);
        assert_eq!(got.sbom.components[0].sha256, Some(Sha256Digest::of(b"b")));
        assert_eq!(
            asked,
            [("b.txt".to_owned(), 1), ("sub/deeper/a.json".to_owned(), 2)]
        );
        assert_eq!(got.skipped, [("link".to_owned(), "symlink")]);
    }

    #[test]
    fn a_pack_is_named_after_its_directory_unless_named() {
        let d = tempfile::tempdir().unwrap();
        let dir = d.path().join("widget");
        std::fs::create_dir(&dir).unwrap();
        let info = pack_info(&dir, None, Some("2".into())).unwrap();
        assert_eq!(
            (info.name.as_str(), info.version.as_deref()),
            ("widget", Some("2"))
        );
        let info = pack_info(&dir, Some("other".into()), None).unwrap();
        assert_eq!((info.name.as_str(), info.version), ("other", None));
        let file = d.path().join("f");
        std::fs::write(&file, "x").unwrap();
        let e = pack_info(&file, None, None).unwrap_err();
        assert_eq!(e.kind.exit_code(), 2);
        assert_eq!(e.message, format!("{} is not a directory", file.display()));
        assert_eq!(
            e.hint.as_deref(),
            Some("`sigil sbom pack` takes the pack's directory")
        );
        let e = pack_info(&d.path().join("none"), None, None).unwrap_err();
        assert_eq!(e.kind, sigil_core::report::FailureKind::Io);
        assert!(
            e.message.ends_with("none: No such file or directory"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_stale_lock_file_is_a_usage_error_with_a_hint() {
        let e = Failure::from(WorkspaceSbomError::Metadata {
            message: "the lock file needs to be updated".into(),
            locked: true,
        });
        assert_eq!(e.kind.exit_code(), 2);
        assert_eq!(
            e.message,
            "cargo metadata failed: the lock file needs to be updated"
        );
        assert!(e.hint.unwrap().starts_with("update Cargo.lock"));
        let e = Failure::from(WorkspaceSbomError::NoHost);
        assert_eq!(e.kind, sigil_core::report::FailureKind::Io);
        assert_eq!(e.hint, None);
    }
}
