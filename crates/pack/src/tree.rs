//! Walking a pack directory under the data-only rules, and hashing its files in parallel.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sigil_core::Sha256Digest;

use crate::manifest::SIGIL_DIR;
use crate::rules::{self, code, Limits, NameSet, NodeKind, Violation};

/// A regular file found by the walk.
#[derive(Debug, Clone)]
pub struct TreeFile {
    /// Path relative to the pack root, `/`-separated.
    pub rel: String,
    /// Path on disk.
    pub path: PathBuf,
    /// Size at walk time.
    pub size: u64,
    dev: u64,
    ino: u64,
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Tree {
    /// Regular files outside `.sigil/`, sorted by path bytes.
    pub files: Vec<TreeFile>,
    /// Regular files inside the top-level `.sigil/`.
    pub sigil: Vec<TreeFile>,
    /// Entries that are neither regular files nor directories, with their kind.
    pub others: Vec<(String, &'static str)>,
    /// Directories (relative paths).
    pub dirs: BTreeSet<String>,
    /// Data-only rule violations.
    pub violations: Vec<Violation>,
    /// Sum of file sizes outside `.sigil/`.
    pub bytes: u64,
}

/// An I/O failure during a walk or a hash, with its path.
#[derive(Debug)]
pub struct TreeIoError {
    /// The path.
    pub path: PathBuf,
    /// The cause.
    pub source: io::Error,
}

struct Walker<'a> {
    limits: &'a Limits,
    names: NameSet,
    tree: Tree,
    over_count: bool,
    over_total: bool,
}

/// Walks `root` without following symlinks, applying every data-only rule and the limits.
pub fn walk(root: &Path, limits: &Limits) -> Result<Tree, TreeIoError> {
    let mut w = Walker {
        limits,
        names: NameSet::default(),
        tree: Tree::default(),
        over_count: false,
        over_total: false,
    };
    w.dir(root, "")?;
    w.tree
        .files
        .sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    w.tree
        .sigil
        .sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    Ok(w.tree)
}

impl Walker<'_> {
    fn dir(&mut self, dir: &Path, prefix: &str) -> Result<(), TreeIoError> {
        let io = |source| TreeIoError {
            path: dir.to_owned(),
            source,
        };
        let mut entries: Vec<fs::DirEntry> = fs::read_dir(dir)
            .map_err(io)?
            .collect::<Result<_, _>>()
            .map_err(io)?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            let name = e.file_name();
            let Some(name) = name.to_str() else {
                let lossy = format!("{prefix}{}", name.to_string_lossy());
                self.tree.violations.push(Violation::new(
                    &lossy,
                    code::NAME_NOT_UTF8,
                    "name is not UTF-8",
                ));
                self.tree.others.push((lossy, "non-UTF-8 name"));
                continue;
            };
            let rel = format!("{prefix}{name}");
            if let Err(v) = rules::check_path(&rel) {
                self.tree.violations.push(v);
            }
            let meta = fs::symlink_metadata(&path).map_err(|source| TreeIoError {
                path: path.clone(),
                source,
            })?;
            let ft = meta.file_type();
            let in_sigil = rel == SIGIL_DIR || rel.starts_with(".sigil/");
            if ft.is_dir() {
                self.tree.dirs.insert(rel.clone());
                if let Err(v) = self.names.insert(&rel, NodeKind::Dir) {
                    self.tree.violations.push(v);
                }
                self.dir(&path, &format!("{rel}/"))?;
                continue;
            }
            let kind = if ft.is_file() {
                None
            } else if ft.is_symlink() {
                Some((
                    code::SYMLINK,
                    "symlink",
                    "symbolic links are not allowed in a pack",
                ))
            } else if ft.is_block_device() || ft.is_char_device() {
                Some((
                    code::DEVICE,
                    "device",
                    "device files are not allowed in a pack",
                ))
            } else if ft.is_fifo() {
                Some((code::FIFO, "fifo", "named pipes are not allowed in a pack"))
            } else {
                Some((code::SOCKET, "socket", "sockets are not allowed in a pack"))
            };
            if let Some((rule, kind, detail)) = kind {
                self.tree
                    .violations
                    .push(Violation::new(&rel, rule, detail));
                self.tree.others.push((rel, kind));
                continue;
            }
            if let Err(v) = self.names.insert(&rel, NodeKind::File) {
                self.tree.violations.push(v);
            }
            if meta.nlink() > 1 {
                self.tree.violations.push(Violation::new(
                    &rel,
                    code::HARD_LINK,
                    format!("file has {} hard links", meta.nlink()),
                ));
            }
            if meta.mode() & 0o7111 != 0 {
                self.tree.violations.push(Violation::new(
                    &rel,
                    code::EXECUTABLE,
                    format!(
                        "mode {:04o} has execute or special bits",
                        meta.mode() & 0o7777
                    ),
                ));
            }
            let file = TreeFile {
                rel: rel.clone(),
                path,
                size: meta.len(),
                dev: meta.dev(),
                ino: meta.ino(),
            };
            if in_sigil {
                self.tree.sigil.push(file);
                continue;
            }
            if meta.len() > self.limits.max_file_bytes {
                self.tree.violations.push(Violation::new(
                    &rel,
                    code::FILE_TOO_LARGE,
                    format!(
                        "{} bytes is over the {}-byte file limit",
                        meta.len(),
                        self.limits.max_file_bytes
                    ),
                ));
            }
            self.tree.bytes += meta.len();
            self.tree.files.push(file);
            if self.tree.files.len() as u64 > self.limits.max_files && !self.over_count {
                self.over_count = true;
                self.tree.violations.push(Violation::new(
                    "",
                    code::TOO_MANY_FILES,
                    format!("more than {} files", self.limits.max_files),
                ));
            }
            if self.tree.bytes > self.limits.max_total_bytes && !self.over_total {
                self.over_total = true;
                self.tree.violations.push(Violation::new(
                    "",
                    code::TOTAL_TOO_LARGE,
                    format!(
                        "files add up to more than the {}-byte total limit",
                        self.limits.max_total_bytes
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// Opens a walked file, making sure it is still the same regular file.
pub fn open_walked(f: &TreeFile) -> Result<fs::File, TreeIoError> {
    let err = |source| TreeIoError {
        path: f.path.clone(),
        source,
    };
    let file = fs::File::open(&f.path).map_err(err)?;
    let meta = file.metadata().map_err(err)?;
    if !meta.is_file() || meta.dev() != f.dev || meta.ino() != f.ino {
        return Err(err(io::Error::other(
            "file was replaced while the pack was being read",
        )));
    }
    Ok(file)
}

/// SHA-256 of each file, in parallel across cores, in the input order.
pub fn hash_files(files: &[TreeFile]) -> Vec<Result<(Sha256Digest, u64), TreeIoError>> {
    files
        .par_iter()
        .map(|f| {
            let file = open_walked(f)?;
            sigil_core::sha256_reader(file).map_err(|source| TreeIoError {
                path: f.path.clone(),
                source,
            })
        })
        .collect()
}
