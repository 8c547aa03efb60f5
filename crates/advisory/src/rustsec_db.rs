//! Reading a RustSec advisory-db checkout (`crates/<name>/RUSTSEC-YYYY-NNNN.md`) through the
//! `rustsec` crate, with the same layout checks `rustsec::Database::open` makes.

use std::path::{Path, PathBuf};

/// Largest advisory file read.
pub const MAX_RUSTSEC_BYTES: u64 = 1 << 20;

/// Why a checkout could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RustsecDbError {
    /// File system trouble.
    #[error("{path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// An advisory file is malformed or misplaced.
    #[error("{path}: {reason}")]
    Advisory {
        /// Which.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

/// Whether `dir` looks like a RustSec advisory-db checkout (it has a `crates/` directory).
pub fn is_checkout(dir: &Path) -> bool {
    dir.join("crates").is_dir()
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> RustsecDbError + '_ {
    move |source| RustsecDbError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Parses one RustSec advisory (Markdown with TOML front matter).
pub fn parse_advisory(text: &str) -> Result<rustsec::Advisory, String> {
    // rustsec slices the first 20 bytes for its error message; refuse early instead.
    if !text.starts_with("```toml") {
        return Err("a RustSec advisory starts with a ```toml front matter block".to_owned());
    }
    text.parse::<rustsec::Advisory>().map_err(|e| e.to_string())
}

/// Loads every advisory under `dir/crates`, skipping `RUSTSEC-0000-0000` drafts.
pub fn load(dir: &Path) -> Result<Vec<(PathBuf, rustsec::Advisory)>, RustsecDbError> {
    let crates = dir.join("crates");
    let mut pkg_dirs: Vec<PathBuf> = std::fs::read_dir(&crates)
        .map_err(io(&crates))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(io(&crates))?;
    pkg_dirs.sort();
    let mut paths: Vec<(PathBuf, PathBuf)> = Vec::new();
    for pkg_dir in pkg_dirs {
        if !pkg_dir.is_dir() {
            continue;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&pkg_dir)
            .map_err(io(&pkg_dir))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()
            .map_err(io(&pkg_dir))?;
        files.sort();
        for path in files {
            let Some(file_name) = path.file_name().and_then(|n| n.to_str()) else {
                continue;
            };
            if file_name.starts_with('.') || !file_name.ends_with(".md") {
                continue;
            }
            if rustsec::Advisory::is_draft(&path) {
                continue;
            }
            paths.push((pkg_dir.clone(), path));
        }
    }
    // Read and parsed on every core; errors are reported for the first file in order.
    use rayon::prelude::*;
    let parsed: Vec<Result<(PathBuf, rustsec::Advisory), RustsecDbError>> = paths
        .into_par_iter()
        .map(|(pkg_dir, path)| load_one(&pkg_dir, path))
        .collect();
    let out = parsed.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok(out)
}

fn load_one(pkg_dir: &Path, path: PathBuf) -> Result<(PathBuf, rustsec::Advisory), RustsecDbError> {
    let file_name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_owned();
    let bad = |reason: String| RustsecDbError::Advisory {
        path: path.clone(),
        reason,
    };
    let meta = std::fs::metadata(&path).map_err(io(&path))?;
    if meta.len() > MAX_RUSTSEC_BYTES {
        return Err(bad(format!("larger than {MAX_RUSTSEC_BYTES} bytes")));
    }
    let text = sigil_core::input::read_to_string(&path).map_err(io(&path))?;
    let adv = parse_advisory(&text).map_err(bad)?;
    if file_name != format!("{}.md", adv.metadata.id) {
        return Err(bad(format!(
            "expected the file to be named {}.md",
            adv.metadata.id
        )));
    }
    let dir_name = pkg_dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    if dir_name != adv.metadata.package.as_str() {
        return Err(bad(format!(
            "advisory for {} is in the {dir_name:?} directory",
            adv.metadata.package
        )));
    }
    Ok((path, adv))
}
