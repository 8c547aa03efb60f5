//! Walking a pack directory under the data-only rules, and hashing its files in parallel.
//!
//! A walk has three phases. Directories are listed in parallel, taking each entry's type
//! from the directory entry itself (no `stat`). Then every regular file is looked at in
//! parallel: a `lstat`, or, for a file the caller wants hashed, an `open` that refuses
//! symlinks, one `fstat` on the open file and the hash. Last, one thread applies every
//! data-only rule and the limits in walk order (depth first, names sorted), so results do
//! not depend on scheduling.

use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Read as _};
use std::os::unix::fs::{
    DirEntryExt as _, FileTypeExt as _, MetadataExt as _, OpenOptionsExt as _,
};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sigil_core::digest::Sha256Hasher;
use sigil_core::{Sha256Digest, HASH_BUFFER_SIZE};

use crate::content::{ContentCheck, ContentViolation};
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
    hashed: Option<(Sha256Digest, u64)>,
}

impl TreeFile {
    /// The SHA-256 and byte count read, for a file [`walk_hashing`] was asked to hash.
    pub fn digest(&self) -> Option<(Sha256Digest, u64)> {
        self.hashed
    }
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

/// One directory entry from the listing phase.
struct Listed {
    /// The relative path, or its lossy form when the name is not UTF-8.
    rel: Result<String, String>,
    path: PathBuf,
    /// The type from the directory entry (`d_type`; std falls back to `lstat`).
    ft: io::Result<fs::FileType>,
    /// Device and inode the file must have when opened: the directory's device and the
    /// entry's inode number, or `None` where directory entries do not give `stat`'s inode
    /// numbers (then a `lstat` before the open gives them).
    id: Option<(u64, u64)>,
}

/// Entries probed at once (bounds the memory the probes take).
const PROBE_CHUNK: usize = 4096;

impl Listed {
    /// Moves the entry out, leaving an empty one behind.
    fn take(&mut self) -> Listed {
        Listed {
            rel: std::mem::replace(&mut self.rel, Ok(String::new())),
            path: std::mem::take(&mut self.path),
            ft: std::mem::replace(&mut self.ft, Err(io::ErrorKind::NotFound.into())),
            id: self.id,
        }
    }
}

/// What the assembly phase needs of a file's metadata: 48 bytes, where `fs::Metadata` takes
/// several times that (it is held for every file of a pack until assembly).
#[derive(Debug, Clone, Copy)]
struct Stat {
    ft: fs::FileType,
    mode: u32,
    nlink: u64,
    len: u64,
    dev: u64,
    ino: u64,
}

impl From<fs::Metadata> for Stat {
    fn from(m: fs::Metadata) -> Self {
        Self {
            ft: m.file_type(),
            mode: m.mode(),
            nlink: m.nlink(),
            len: m.len(),
            dev: m.dev(),
            ino: m.ino(),
        }
    }
}

impl Stat {
    fn file_type(&self) -> fs::FileType {
        self.ft
    }
    fn mode(&self) -> u32 {
        self.mode
    }
    fn nlink(&self) -> u64 {
        self.nlink
    }
    fn len(&self) -> u64 {
        self.len
    }
    fn dev(&self) -> u64 {
        self.dev
    }
    fn ino(&self) -> u64 {
        self.ino
    }
}

enum Probe {
    /// Metadata without following a symlink (`lstat`, or `fstat` of a file opened with
    /// `O_NOFOLLOW`).
    Meta(Stat),
    /// `fstat` of the opened file, its SHA-256, the bytes read to end of file, and the
    /// content rule it breaks, if any.
    Hashed(Stat, Sha256Digest, u64, Option<ContentViolation>),
}

/// Walks `root` without following symlinks, applying every data-only rule and the limits.
pub fn walk(root: &Path, limits: &Limits) -> Result<Tree, TreeIoError> {
    walk_inner(root, limits, None, &|_, _| {})
}

/// [`walk`], also hashing (in parallel) every regular file whose relative path `hash`
/// accepts; [`TreeFile::digest`] gives the result. Hashed files are also put through the
/// content rules ([`crate::content`]) in the same read; what they break is a violation. A file that became a symlink, a FIFO,
/// a device or a socket after the listing is reported as that kind, never followed or
/// read; one replaced by another file is an I/O error.
pub fn walk_hashing(
    root: &Path,
    limits: &Limits,
    hash: &(dyn Fn(&str) -> bool + Sync),
) -> Result<Tree, TreeIoError> {
    walk_inner(root, limits, Some(hash), &|_, _| {})
}

/// Called as a long pack operation goes on with (files done, files in all), from any thread
/// (for a progress display).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// [`walk_hashing`], reporting the files probed so far to `progress`.
pub fn walk_hashing_progress(
    root: &Path,
    limits: &Limits,
    hash: &(dyn Fn(&str) -> bool + Sync),
    progress: Progress<'_>,
) -> Result<Tree, TreeIoError> {
    walk_inner(root, limits, Some(hash), progress)
}

fn walk_inner(
    root: &Path,
    limits: &Limits,
    hash: Option<&(dyn Fn(&str) -> bool + Sync)>,
    progress: Progress<'_>,
) -> Result<Tree, TreeIoError> {
    let root_dev = fs::metadata(root)
        .map_err(|source| TreeIoError {
            path: root.to_owned(),
            source,
        })?
        .dev();
    let root_mode = fs::symlink_metadata(root)
        .map_err(|source| TreeIoError {
            path: root.to_owned(),
            source,
        })?
        .mode();
    let listed = list(root, "", root_dev)?;
    let mut tree = finish(listed, limits, hash, progress)?;
    if let Some(v) = dir_mode_violation(".", root_mode) {
        tree.violations.insert(0, v);
    }
    Ok(tree)
}

/// Modes a directory in a pack must not have: writable by every user, setuid, setgid, sticky.
pub const FORBIDDEN_DIR_MODE: u32 = 0o7002;

fn dir_mode_violation(rel: &str, mode: u32) -> Option<Violation> {
    (mode & FORBIDDEN_DIR_MODE != 0).then(|| {
        Violation::new(
            rel,
            code::DIRECTORY_MODE,
            format!(
                "directory mode {:04o} is writable by every user or has special bits",
                mode & 0o7777
            ),
        )
    })
}

/// The probe and assembly phases over a listing.
fn finish(
    listed: Vec<Listed>,
    limits: &Limits,
    hash: Option<&(dyn Fn(&str) -> bool + Sync)>,
    progress: Progress<'_>,
) -> Result<Tree, TreeIoError> {
    let mut a = Assembler {
        limits,
        names: NameSet::default(),
        tree: Tree::default(),
        over_count: false,
        over_total: false,
    };
    let regular = |l: &Listed| l.rel.is_ok() && l.ft.as_ref().is_ok_and(|t| t.is_file());
    let total = listed.iter().filter(|l| regular(l)).count();
    a.tree.files.reserve_exact(total);
    let mut done = 0;
    // Probed in parallel a chunk at a time, then assembled in walk order: the probes of one
    // chunk are held at once, not those of the whole tree.
    let mut listed = listed;
    let mut probes = Vec::with_capacity(PROBE_CHUNK);
    for chunk in listed.chunks_mut(PROBE_CHUNK) {
        chunk
            .par_iter()
            .map_init(Vec::new, |buf, l| {
                let (Ok(rel), Ok(ft)) = (&l.rel, &l.ft) else {
                    return None;
                };
                if !ft.is_file() {
                    return None;
                }
                Some(match hash {
                    Some(h) if h(rel) => probe_hash(l, buf),
                    _ => fs::symlink_metadata(&l.path)
                        .map(|m| Probe::Meta(m.into()))
                        .map_err(|source| TreeIoError {
                            path: l.path.clone(),
                            source,
                        }),
                })
            })
            .collect_into_vec(&mut probes);
        for (l, p) in chunk.iter_mut().zip(probes.drain(..)) {
            done += usize::from(regular(l));
            a.entry(l.take(), p)?;
        }
        progress(done as u64, total as u64);
    }
    drop(listed);
    // Directories with no regular file anywhere below them (`.sigil` aside).
    let mut holding: BTreeSet<&str> = BTreeSet::new();
    for f in a.tree.files.iter().chain(a.tree.sigil.iter()) {
        let mut rel = f.rel.as_str();
        while let Some((parent, _)) = rel.rsplit_once('/') {
            if !holding.insert(parent) {
                break;
            }
            rel = parent;
        }
    }
    let empty: Vec<Violation> = a
        .tree
        .dirs
        .iter()
        .filter(|d| d.as_str() != SIGIL_DIR && !holding.contains(d.as_str()))
        .map(|d| Violation::new(d, code::EMPTY_DIRECTORY, "directory holds no file"))
        .collect();
    a.tree.violations.extend(empty);
    a.tree
        .files
        .sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    a.tree
        .sigil
        .sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    Ok(a.tree)
}

/// Lists `dir` and, in parallel, its subdirectories: entries depth first, names sorted.
fn list(dir: &Path, prefix: &str, dev: u64) -> Result<Vec<Listed>, TreeIoError> {
    let io = |source| TreeIoError {
        path: dir.to_owned(),
        source,
    };
    let mut entries: Vec<fs::DirEntry> = fs::read_dir(dir)
        .map_err(io)?
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort_by_key(|e| e.file_name());
    let mut out = Vec::with_capacity(entries.len());
    let mut subdirs = Vec::new();
    for e in entries {
        let name = e.file_name();
        let rel = match name.to_str() {
            Some(name) => Ok(format!("{prefix}{name}")),
            None => Err(format!("{prefix}{}", name.to_string_lossy())),
        };
        let ft = e.file_type();
        if rel.is_ok() && ft.as_ref().is_ok_and(|t| t.is_dir()) {
            subdirs.push(out.len());
        }
        out.push(Listed {
            rel,
            path: e.path(),
            ft,
            id: Some((dev, e.ino())),
        });
    }
    // Trust directory-entry inode numbers only where one file's `lstat` agrees (some
    // file systems, FUSE or overlays of several, number them differently).
    let sample = out
        .iter()
        .find(|l| l.rel.is_ok() && l.ft.as_ref().is_ok_and(|t| t.is_file()));
    if let Some(l) = sample {
        let agrees = fs::symlink_metadata(&l.path).is_ok_and(|m| Some((m.dev(), m.ino())) == l.id);
        if !agrees {
            for l in &mut out {
                l.id = None;
            }
        }
    }
    if subdirs.is_empty() {
        return Ok(out);
    }
    let mut below: Vec<Result<Vec<Listed>, TreeIoError>> = subdirs
        .par_iter()
        .map(|&i| {
            let d = &out[i];
            let meta = fs::symlink_metadata(&d.path).map_err(|source| TreeIoError {
                path: d.path.clone(),
                source,
            })?;
            if !meta.is_dir() {
                return Err(changed(&d.path));
            }
            let rel = d.rel.as_deref().unwrap_or_default();
            list(&d.path, &format!("{rel}/"), meta.dev())
        })
        .collect();
    let mut merged = Vec::with_capacity(out.len());
    let mut next = subdirs.iter().zip(below.iter_mut()).peekable();
    for (i, l) in out.into_iter().enumerate() {
        merged.push(l);
        if let Some((_, r)) = next.next_if(|(&s, _)| s == i) {
            merged.append(&mut std::mem::replace(r, Ok(Vec::new()))?);
        }
    }
    Ok(merged)
}

fn changed(path: &Path) -> TreeIoError {
    TreeIoError {
        path: path.to_owned(),
        source: io::Error::other("file was replaced while the pack was being read"),
    }
}

/// Opens a file without following a symlink at its name and without blocking on a FIFO
/// or a device that took its place.
fn open_nofollow(path: &Path) -> io::Result<fs::File> {
    use rustix::fs::OFlags;
    fs::OpenOptions::new()
        .read(true)
        .custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32)
        .open(path)
}

/// Reads a file to end of file into a SHA-256, reusing `buf`.
fn hash_to_eof(file: &fs::File, buf: &mut Vec<u8>) -> io::Result<(Sha256Digest, u64)> {
    hash_to_eof_with(file, buf, |_| {})
}

/// [`hash_to_eof`], also handing every byte read to `on_bytes`.
fn hash_to_eof_with(
    mut file: &fs::File,
    buf: &mut Vec<u8>,
    mut on_bytes: impl FnMut(&[u8]),
) -> io::Result<(Sha256Digest, u64)> {
    if buf.is_empty() {
        buf.resize(HASH_BUFFER_SIZE, 0);
    }
    let mut h = Sha256Hasher::default();
    let mut total = 0u64;
    loop {
        let n = match file.read(buf) {
            Ok(0) => return Ok((h.finalize(), total)),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..n]);
        on_bytes(&buf[..n]);
        total += n as u64;
    }
}

/// Opens a listed file without following symlinks, checks it with one `fstat` and hashes
/// it. What is there now decides: a symlink or a special file is returned as its metadata
/// (and never read); a regular file other than the one listed is an error.
fn probe_hash(l: &Listed, buf: &mut Vec<u8>) -> Result<Probe, TreeIoError> {
    let err = |source| TreeIoError {
        path: l.path.clone(),
        source,
    };
    let id = match l.id {
        Some(id) => id,
        None => {
            let before = fs::symlink_metadata(&l.path).map_err(err)?;
            if !before.is_file() {
                return Ok(Probe::Meta(before.into()));
            }
            (before.dev(), before.ino())
        }
    };
    let file = match open_nofollow(&l.path) {
        Ok(f) => f,
        // ELOOP: the name is a symlink now (O_NOFOLLOW). Report what is there.
        Err(e) if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) => {
            let meta = fs::symlink_metadata(&l.path).map_err(err)?;
            if meta.is_file() {
                return Err(err(e));
            }
            return Ok(Probe::Meta(meta.into()));
        }
        Err(e) => return Err(err(e)),
    };
    let meta = file.metadata().map_err(err)?;
    if !meta.is_file() {
        return Ok(Probe::Meta(meta.into()));
    }
    if (meta.dev(), meta.ino()) != id {
        return Err(changed(&l.path));
    }
    let rel = l.rel.as_deref().unwrap_or_default();
    let mut content = ContentCheck::for_path(rel);
    let (d, n) = hash_to_eof_with(&file, buf, |b| content.update(b)).map_err(err)?;
    Ok(Probe::Hashed(meta.into(), d, n, content.finish()))
}

struct Assembler<'a> {
    limits: &'a Limits,
    names: NameSet,
    tree: Tree,
    over_count: bool,
    over_total: bool,
}

impl Assembler<'_> {
    fn entry(
        &mut self,
        l: Listed,
        probe: Option<Result<Probe, TreeIoError>>,
    ) -> Result<(), TreeIoError> {
        let rel = match l.rel {
            Ok(rel) => rel,
            Err(lossy) => {
                self.tree.violations.push(Violation::new(
                    &lossy,
                    code::NAME_NOT_UTF8,
                    "name is not UTF-8",
                ));
                self.tree.others.push((lossy, "non-UTF-8 name"));
                return Ok(());
            }
        };
        if let Err(v) = rules::check_path(&rel) {
            self.tree.violations.push(v);
        }
        let ft = l.ft.map_err(|source| TreeIoError {
            path: l.path.clone(),
            source,
        })?;
        let in_sigil = rel == SIGIL_DIR || rel.starts_with(".sigil/");
        if ft.is_dir() {
            let mode = fs::symlink_metadata(&l.path)
                .map_err(|source| TreeIoError {
                    path: l.path.clone(),
                    source,
                })?
                .mode();
            if let Some(v) = dir_mode_violation(&rel, mode) {
                self.tree.violations.push(v);
            }
            // Its entries follow it in the listing.
            self.tree.dirs.insert(rel.clone());
            if let Err(v) = self.names.insert(&rel, NodeKind::Dir) {
                self.tree.violations.push(v);
            }
            return Ok(());
        }
        let (meta, hashed, content) = match probe.transpose()? {
            None => (None, None, None),
            Some(Probe::Meta(m)) => (Some(m), None, None),
            Some(Probe::Hashed(m, d, n, c)) => (Some(m), Some((d, n)), c),
        };
        if let Some((rule, detail)) = content {
            self.tree
                .violations
                .push(Violation::new(&rel, rule, detail));
        }
        let ft = meta.as_ref().map_or(ft, |m| m.file_type());
        let kind = if ft.is_file() {
            None
        } else if ft.is_dir() {
            // A file when listed, a directory now.
            return Err(changed(&l.path));
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
            return Ok(());
        }
        // Every regular file was probed.
        let Some(meta) = meta else {
            return Err(changed(&l.path));
        };
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
            path: l.path,
            size: meta.len(),
            dev: meta.dev(),
            ino: meta.ino(),
            hashed,
        };
        if in_sigil {
            self.tree.sigil.push(file);
            return Ok(());
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
        Ok(())
    }
}

/// Opens a walked file, making sure it is still the same regular file. A symlink put in
/// its place is not followed, and a FIFO put in its place does not block.
pub fn open_walked(f: &TreeFile) -> Result<fs::File, TreeIoError> {
    let err = |source| TreeIoError {
        path: f.path.clone(),
        source,
    };
    let file = open_nofollow(&f.path).map_err(|e| {
        if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
            changed(&f.path)
        } else {
            err(e)
        }
    })?;
    let meta = file.metadata().map_err(err)?;
    if !meta.is_file() || meta.dev() != f.dev || meta.ino() != f.ino {
        return Err(changed(&f.path));
    }
    Ok(file)
}

/// SHA-256 of each file, in parallel across cores, in the input order.
pub fn hash_files(files: &[TreeFile]) -> Vec<Result<(Sha256Digest, u64), TreeIoError>> {
    files
        .par_iter()
        .map_init(Vec::new, |buf, f| {
            let file = open_walked(f)?;
            hash_to_eof(&file, buf).map_err(|source| TreeIoError {
                path: f.path.clone(),
                source,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn listing(root: &Path) -> Vec<Listed> {
        list(root, "", fs::metadata(root).unwrap().dev()).unwrap()
    }

    fn all(_: &str) -> bool {
        true
    }

    #[test]
    fn parallel_walk_keeps_walk_order_and_hashes() {
        let d = tempfile::tempdir().unwrap();
        for dir in ["b", "a/z", "a/c", "c"] {
            fs::create_dir_all(d.path().join(dir)).unwrap();
        }
        for f in ["b/1", "a/z/2", "a/c/3", "a/4", "5", "c/6"] {
            fs::write(d.path().join(f), f).unwrap();
        }
        let rels: Vec<String> = listing(d.path())
            .into_iter()
            .map(|l| l.rel.unwrap())
            .collect();
        assert_eq!(
            rels,
            ["5", "a", "a/4", "a/c", "a/c/3", "a/z", "a/z/2", "b", "b/1", "c", "c/6"]
        );
        let t = walk_hashing(d.path(), &Limits::default(), &|r| r != "5").unwrap();
        let files: Vec<(&str, bool)> = t
            .files
            .iter()
            .map(|f| (f.rel.as_str(), f.digest().is_some()))
            .collect();
        assert_eq!(
            files,
            [
                ("5", false),
                ("a/4", true),
                ("a/c/3", true),
                ("a/z/2", true),
                ("b/1", true),
                ("c/6", true)
            ]
        );
        let f = &t.files[1];
        assert_eq!(f.digest(), Some((Sha256Digest::of(b"a/4"), 3)));
        assert!(t.violations.is_empty());
    }

    #[test]
    fn file_swapped_for_symlink_after_listing_is_reported_not_followed() {
        let d = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret"), "outside").unwrap();
        fs::write(d.path().join("a.txt"), "data").unwrap();
        let listed = listing(d.path());
        fs::remove_file(d.path().join("a.txt")).unwrap();
        symlink(outside.path().join("secret"), d.path().join("a.txt")).unwrap();
        let t = finish(listed, &Limits::default(), Some(&all), &|_, _| {}).unwrap();
        assert!(t.files.is_empty());
        assert_eq!(t.others, [("a.txt".to_owned(), "symlink")]);
        assert_eq!(t.violations[0].rule, code::SYMLINK);
    }

    #[test]
    fn file_swapped_for_fifo_after_listing_is_reported_without_blocking() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("a.txt"), "data").unwrap();
        let listed = listing(d.path());
        fs::remove_file(d.path().join("a.txt")).unwrap();
        rustix::fs::mknodat(
            rustix::fs::CWD,
            d.path().join("a.txt"),
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o644),
            0,
        )
        .unwrap();
        let t = finish(listed, &Limits::default(), Some(&all), &|_, _| {}).unwrap();
        assert_eq!(t.others, [("a.txt".to_owned(), "fifo")]);
    }

    #[test]
    fn file_swapped_for_another_file_after_listing_is_an_error() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("a.txt"), "data").unwrap();
        let listed = listing(d.path());
        fs::write(d.path().join("b.txt"), "other").unwrap();
        fs::rename(d.path().join("b.txt"), d.path().join("a.txt")).unwrap();
        let e = finish(listed, &Limits::default(), Some(&all), &|_, _| {}).unwrap_err();
        assert!(e.source.to_string().contains("replaced"), "{e:?}");
    }

    #[test]
    fn without_entry_inodes_a_swap_is_still_caught() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("a.txt"), "data").unwrap();
        fs::write(d.path().join("b.txt"), "data").unwrap();
        let mut listed = listing(d.path());
        for l in &mut listed {
            l.id = None;
        }
        let t = finish(listed, &Limits::default(), Some(&all), &|_, _| {}).unwrap();
        assert_eq!(t.files.len(), 2);
        assert!(t.files.iter().all(|f| f.digest().is_some()));
        let mut listed = listing(d.path());
        for l in &mut listed {
            l.id = None;
        }
        fs::remove_file(d.path().join("a.txt")).unwrap();
        symlink("b.txt", d.path().join("a.txt")).unwrap();
        let t = finish(listed, &Limits::default(), Some(&all), &|_, _| {}).unwrap();
        assert_eq!(t.others, [("a.txt".to_owned(), "symlink")]);
    }

    #[test]
    fn rules_still_apply_to_hashed_files() {
        use std::os::unix::fs::PermissionsExt as _;
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("x"), "x").unwrap();
        fs::set_permissions(d.path().join("x"), fs::Permissions::from_mode(0o755)).unwrap();
        fs::hard_link(d.path().join("x"), d.path().join("y")).unwrap();
        let limits = Limits {
            max_files: 1,
            max_file_bytes: 0,
            max_total_bytes: 1,
        };
        let t = walk_hashing(d.path(), &limits, &all).unwrap();
        let rules: Vec<(&str, &str)> = t
            .violations
            .iter()
            .map(|v| (v.path.as_str(), v.rule))
            .collect();
        assert_eq!(
            rules,
            [
                ("x", code::HARD_LINK),
                ("x", code::EXECUTABLE),
                ("x", code::FILE_TOO_LARGE),
                ("y", code::HARD_LINK),
                ("y", code::EXECUTABLE),
                ("y", code::FILE_TOO_LARGE),
                ("", code::TOO_MANY_FILES),
                ("", code::TOTAL_TOO_LARGE),
            ]
        );
    }
}

#[cfg(test)]
mod dir_rule_tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn empty_and_world_writable_directories_are_violations() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("a/empty")).unwrap();
        fs::create_dir_all(d.path().join("w")).unwrap();
        fs::write(d.path().join("a/f.txt"), "x").unwrap();
        fs::write(d.path().join("w/f.txt"), "x").unwrap();
        fs::set_permissions(d.path().join("w"), fs::Permissions::from_mode(0o777)).unwrap();
        fs::set_permissions(d.path(), fs::Permissions::from_mode(0o700)).unwrap();
        let t = walk(d.path(), &Limits::default()).unwrap();
        let got: Vec<(&str, &str)> = t
            .violations
            .iter()
            .map(|v| (v.path.as_str(), v.rule))
            .collect();
        assert_eq!(
            got,
            [
                ("w", code::DIRECTORY_MODE),
                ("a/empty", code::EMPTY_DIRECTORY)
            ]
        );
        fs::set_permissions(d.path(), fs::Permissions::from_mode(0o1755)).unwrap();
        let t = walk(d.path(), &Limits::default()).unwrap();
        assert_eq!(t.violations[0].path, ".");
        assert_eq!(t.violations[0].rule, code::DIRECTORY_MODE);
    }

    #[test]
    fn hashed_files_get_the_content_rules() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("t.json"), b"#!/bin/sh\n").unwrap();
        fs::write(d.path().join("u.txt"), b"ok\n").unwrap();
        let t = walk_hashing(d.path(), &Limits::default(), &|_| true).unwrap();
        let got: Vec<(&str, &str)> = t
            .violations
            .iter()
            .map(|v| (v.path.as_str(), v.rule))
            .collect();
        assert_eq!(got, [("t.json", code::EXECUTABLE_CONTENT)]);
    }
}
