//! Walking a pack directory under the data-only rules, and hashing its files in parallel.
//!
//! The walk streams, directory by directory. Each directory is opened relative to its
//! parent's descriptor without following a symlink, listed with `getdents` (each entry's
//! type comes from the entry itself: no `stat` per entry) and sorted. Its regular files
//! are then looked at in parallel, each relative to the directory's descriptor: a
//! `statat`, or, for a file the caller wants hashed, an `openat` that refuses symlinks and
//! does not block, one `fstat` and the hash (one `read` for a small file). Last, one thread
//! applies every data-only rule and the limits in walk order, so results do not depend on
//! scheduling, and hands each entry to the caller before the next directory is read:
//! memory holds the directories on the current path, not the tree.
//!
//! Two orders: [`walk`] goes depth first with names sorted (a directory's contents right
//! after it); [`walk_streaming`] goes in byte order of the relative paths, the order of a
//! pack manifest, so a caller can merge the tree with a manifest as it goes.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use rustix::fs::{AtFlags, FileType, Mode, OFlags, RawDir, CWD};
use rustix::io::Errno;
use sigil_core::digest::Sha256Hasher;
use sigil_core::{Sha256Digest, HASH_BUFFER_SIZE};

use crate::content::{ContentCheck, ContentViolation};
use crate::manifest::SIGIL_DIR;
use crate::rules::{self, code, Limits, NodeKind, Siblings, Violation};

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
    /// The SHA-256 and byte count read, for a file the walk was asked to hash.
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

/// Called as a long pack operation goes on with (files done, files in all), from any thread
/// (for a progress display).
pub type Progress<'a> = &'a (dyn Fn(u64, u64) + Sync);

/// A regular file as [`walk_streaming`] hands it over.
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    /// Path relative to the pack root.
    pub rel: &'a str,
    /// Size (from `fstat` or `statat`).
    pub size: u64,
    /// SHA-256 and bytes read, when the caller asked for the hash.
    pub hashed: Option<(Sha256Digest, u64)>,
    /// Whether it lies in the top-level `.sigil` (or is named `.sigil`).
    pub in_sigil: bool,
    dev: u64,
    ino: u64,
}

/// What [`walk_streaming`] hands its caller, in walk order (byte order of paths).
pub trait Visit {
    /// Of the regular files of the directory `prefix` (`""` for the root, otherwise ending
    /// in `/`), `names` in walk order, which to hash (and put through the content rules):
    /// set `hash[i]`. Called before any of them is handed over.
    fn select(&mut self, prefix: &str, names: &[&str], hash: &mut [bool]);
    /// A data-only rule broken (limits and empty directories come last, in byte order).
    fn violation(&mut self, v: Violation);
    /// A directory (its contents follow later, at the place of `rel/`).
    fn dir(&mut self, rel: &str);
    /// A regular file.
    fn file(&mut self, f: Found<'_>);
    /// Anything else: `symlink`, `device`, `fifo`, `socket` or `non-UTF-8 name` (then
    /// `rel` is the lossy form of the path).
    fn other(&mut self, rel: &str, kind: &'static str);
    /// Regular files looked at so far.
    fn progress(&mut self, _done: u64) {}
}

/// Walks `root` without following symlinks, applying every data-only rule and the limits.
pub fn walk(root: &Path, limits: &Limits) -> Result<Tree, TreeIoError> {
    let mut sink = TreeSink {
        root,
        tree: Tree::default(),
    };
    Walker::new(root, limits, Order::Names, &mut sink).run()?;
    let mut tree = sink.tree;
    tree.files
        .sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    tree.sigil
        .sort_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    Ok(tree)
}

/// Walks `root` as [`walk`] does (same rules and limits, same checks of what is opened),
/// handing every entry to `visit` in byte order of the relative paths instead of
/// collecting a [`Tree`]: nothing is held per file once it is handed over.
pub fn walk_streaming(
    root: &Path,
    limits: &Limits,
    visit: &mut dyn Visit,
) -> Result<(), TreeIoError> {
    Walker::new(root, limits, Order::Bytes, visit).run()
}

/// Collects a [`Tree`].
struct TreeSink<'a> {
    root: &'a Path,
    tree: Tree,
}

impl Visit for TreeSink<'_> {
    fn select(&mut self, _: &str, _: &[&str], _: &mut [bool]) {}
    fn violation(&mut self, v: Violation) {
        self.tree.violations.push(v);
    }
    fn dir(&mut self, rel: &str) {
        self.tree.dirs.insert(rel.to_owned());
    }
    fn file(&mut self, f: Found<'_>) {
        let file = TreeFile {
            rel: f.rel.to_owned(),
            path: self.root.join(f.rel),
            size: f.size,
            dev: f.dev,
            ino: f.ino,
            hashed: f.hashed,
        };
        if f.in_sigil {
            self.tree.sigil.push(file);
        } else {
            self.tree.bytes += f.size;
            self.tree.files.push(file);
        }
    }
    fn other(&mut self, rel: &str, kind: &'static str) {
        self.tree.others.push((rel.to_owned(), kind));
    }
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

/// What the rules need of a file's metadata.
#[derive(Debug, Clone, Copy)]
struct Stat {
    ft: FileType,
    mode: u32,
    nlink: u64,
    len: u64,
    dev: u64,
    ino: u64,
}

impl From<rustix::fs::Stat> for Stat {
    fn from(s: rustix::fs::Stat) -> Self {
        #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
        Self {
            ft: FileType::from_raw_mode(s.st_mode as _),
            mode: s.st_mode as u32,
            nlink: s.st_nlink as u64,
            len: u64::try_from(s.st_size).unwrap_or(0),
            dev: s.st_dev as u64,
            ino: s.st_ino as u64,
        }
    }
}

enum Probe {
    /// Metadata without following a symlink (`statat`, or `fstat` of a file opened with
    /// `O_NOFOLLOW`).
    Meta(Stat),
    /// `fstat` of the opened file, its SHA-256, the bytes read to end of file, and the
    /// content rule it breaks, if any.
    Hashed(Stat, Sha256Digest, u64, Option<ContentViolation>),
}

/// The order entries are handed over in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// Depth first, each directory's names sorted by bytes, its contents right after it.
    Names,
    /// Byte order of the relative paths (a directory's contents come where `name/` sorts).
    Bytes,
}

/// One directory entry.
#[derive(Debug, Clone, Copy)]
struct Ent {
    /// Where its name is in the listing's name buffer.
    start: usize,
    len: usize,
    ft: FileType,
    ino: u64,
    utf8: bool,
}

/// One directory, listed.
struct Listing {
    names: Vec<u8>,
    ents: Vec<Ent>,
}

impl Listing {
    fn raw(&self, e: &Ent) -> &[u8] {
        &self.names[e.start..e.start + e.len]
    }
    /// The name of an entry whose name is UTF-8 (checked when listed).
    fn name(&self, e: &Ent) -> &str {
        std::str::from_utf8(self.raw(e)).unwrap_or_default()
    }
}

/// One step of a directory's walk: an entry, or (a directory's) descent into it.
#[derive(Debug, Clone, Copy)]
struct Step {
    ent: usize,
    descend: bool,
}

/// What a directory entry's marker learnt for its descent.
struct DirSeen {
    ino: u64,
    /// The name-collision detail every path below inherits, when the directory collides.
    collided: Option<String>,
}

/// Bytes of directory entries read per `getdents`.
const DENTS_BUFFER: usize = 32 * 1024;

/// Directories with fewer regular files than this are looked at on this thread.
const PARALLEL_MIN: usize = 8;

struct Walker<'w> {
    root: &'w Path,
    limits: &'w Limits,
    order: Order,
    visit: &'w mut dyn Visit,
    files: u64,
    bytes: u64,
    over_count: bool,
    over_total: bool,
    done: u64,
    /// Directories holding no regular file at any depth (`.sigil` aside).
    empty: Vec<String>,
    dents: Vec<u8>,
    /// Whether inode numbers of directory entries may be trusted where a sample agrees
    /// (tests turn it off to take the other path).
    entry_inodes: bool,
    /// Called with each directory's prefix once it is listed, before its files are
    /// looked at (tests swap files there).
    after_listing: &'w dyn Fn(&str),
}

fn io_at(path: PathBuf) -> impl FnOnce(Errno) -> TreeIoError {
    move |e| TreeIoError {
        path,
        source: e.into(),
    }
}

fn changed(path: &Path) -> TreeIoError {
    TreeIoError {
        path: path.to_owned(),
        source: io::Error::other("file was replaced while the pack was being read"),
    }
}

/// Retries a system call interrupted by a signal.
fn retry<T>(mut f: impl FnMut() -> Result<T, Errno>) -> Result<T, Errno> {
    loop {
        match f() {
            Err(Errno::INTR) => continue,
            r => return r,
        }
    }
}

impl<'w> Walker<'w> {
    fn new(root: &'w Path, limits: &'w Limits, order: Order, visit: &'w mut dyn Visit) -> Self {
        Self {
            root,
            limits,
            order,
            visit,
            files: 0,
            bytes: 0,
            over_count: false,
            over_total: false,
            done: 0,
            empty: Vec::new(),
            dents: Vec::with_capacity(DENTS_BUFFER),
            entry_inodes: true,
            after_listing: &|_| {},
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        if rel.is_empty() {
            self.root.to_owned()
        } else {
            self.root.join(rel)
        }
    }

    fn run(mut self) -> Result<(), TreeIoError> {
        let root = self.root;
        // The root itself may be reached through a symlink; its mode is the link's.
        let fd = retry(|| {
            rustix::fs::openat(
                CWD,
                root,
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )
        })
        .map_err(io_at(root.to_owned()))?;
        let st = rustix::fs::fstat(&fd).map_err(io_at(root.to_owned()))?;
        let mode = rustix::fs::statat(CWD, root, AtFlags::SYMLINK_NOFOLLOW)
            .map_err(io_at(root.to_owned()))?
            .st_mode;
        #[allow(clippy::unnecessary_cast)]
        if let Some(v) = dir_mode_violation(".", mode as u32) {
            self.visit.violation(v);
        }
        #[allow(clippy::unnecessary_cast, clippy::useless_conversion)]
        self.directory(fd, "", st.st_dev as u64, None)?;
        // Directories with no regular file anywhere below them, in byte order.
        let mut empty = std::mem::take(&mut self.empty);
        empty.sort_unstable();
        for d in empty {
            self.visit.violation(Violation::new(
                d,
                code::EMPTY_DIRECTORY,
                "directory holds no file",
            ));
        }
        Ok(())
    }

    /// Lists a directory: every entry but `.` and `..`, with its type (a `statat` only
    /// where the file system gives none), sorted in walk order.
    fn list(
        &mut self,
        fd: BorrowedFd<'_>,
        prefix: &str,
    ) -> Result<(Listing, Vec<Step>), TreeIoError> {
        let mut l = Listing {
            names: Vec::new(),
            ents: Vec::new(),
        };
        let mut dents = std::mem::take(&mut self.dents);
        let mut untyped = Vec::new();
        let mut failed = None;
        let mut it = RawDir::new(fd, dents.spare_capacity_mut());
        while let Some(e) = it.next() {
            let e = match e {
                Ok(e) => e,
                Err(Errno::INTR) => continue,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            };
            let raw = e.file_name().to_bytes();
            if raw == b"." || raw == b".." {
                continue;
            }
            let start = l.names.len();
            l.names.extend_from_slice(raw);
            if e.file_type() == FileType::Unknown {
                untyped.push(l.ents.len());
            }
            l.ents.push(Ent {
                start,
                len: raw.len(),
                ft: e.file_type(),
                ino: e.ino(),
                utf8: std::str::from_utf8(raw).is_ok(),
            });
        }
        // The buffer is kept for the next directory.
        self.dents = dents;
        if let Some(e) = failed {
            return Err(io_at(self.path(prefix.strip_suffix('/').unwrap_or(prefix)))(e));
        }
        for i in untyped {
            let e = l.ents[i];
            let st = retry(|| rustix::fs::statat(fd, l.raw(&e), AtFlags::SYMLINK_NOFOLLOW))
                .map_err(|err| {
                    io_at(self.path(&format!("{prefix}{}", String::from_utf8_lossy(l.raw(&e)))))(
                        err,
                    )
                })?;
            l.ents[i].ft = Stat::from(st).ft;
        }
        let mut steps: Vec<Step> = Vec::with_capacity(l.ents.len() + 16);
        for (i, e) in l.ents.iter().enumerate() {
            steps.push(Step {
                ent: i,
                descend: false,
            });
            if e.utf8 && e.ft == FileType::Directory {
                steps.push(Step {
                    ent: i,
                    descend: true,
                });
            }
        }
        match self.order {
            Order::Names => steps.sort_by(|a, b| {
                l.raw(&l.ents[a.ent])
                    .cmp(l.raw(&l.ents[b.ent]))
                    .then(a.descend.cmp(&b.descend))
            }),
            // The key of a name is its lossy form (the path a caller is handed), followed
            // by `/` for a descent; equal keys put the UTF-8 name first.
            Order::Bytes => steps.sort_by(|a, b| {
                let (ea, eb) = (&l.ents[a.ent], &l.ents[b.ent]);
                let slash = |s: &Step| if s.descend { &b"/"[..] } else { &b""[..] };
                let (ka, kb) = if ea.utf8 && eb.utf8 {
                    (Cow::Borrowed(l.raw(ea)), Cow::Borrowed(l.raw(eb)))
                } else {
                    let lossy = |e: &Ent| match String::from_utf8_lossy(l.raw(e)) {
                        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
                        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
                    };
                    (lossy(ea), lossy(eb))
                };
                ka.iter()
                    .chain(slash(a))
                    .cmp(kb.iter().chain(slash(b)))
                    .then(eb.utf8.cmp(&ea.utf8))
                    .then(l.raw(ea).cmp(l.raw(eb)))
            }),
        }
        Ok((l, steps))
    }

    /// Walks one open directory (`prefix` is `""` or ends in `/`); returns whether a
    /// regular file lies anywhere below it.
    fn directory(
        &mut self,
        fd: OwnedFd,
        prefix: &str,
        dev: u64,
        collided: Option<&str>,
    ) -> Result<bool, TreeIoError> {
        let (l, steps) = self.list(fd.as_fd(), prefix)?;
        // Trust directory-entry inode numbers only where one file's `statat` agrees (some
        // file systems, FUSE or overlays of several, number them differently).
        let regular = |e: &Ent| e.utf8 && e.ft == FileType::RegularFile;
        let sample = steps.iter().map(|s| &l.ents[s.ent]).find(|e| regular(e));
        let trusted = self.entry_inodes
            && match sample {
                Some(e) => retry(|| rustix::fs::statat(&fd, l.raw(e), AtFlags::SYMLINK_NOFOLLOW))
                    .is_ok_and(|st| {
                        let st = Stat::from(st);
                        (st.dev, st.ino) == (dev, e.ino)
                    }),
                None => true,
            };
        (self.after_listing)(prefix);
        // The regular files, in walk order, and which of them to hash.
        let files: Vec<usize> = steps
            .iter()
            .filter(|s| !s.descend && regular(&l.ents[s.ent]))
            .map(|s| s.ent)
            .collect();
        let names: Vec<&str> = files.iter().map(|&i| l.name(&l.ents[i])).collect();
        let mut hash = vec![false; files.len()];
        self.visit.select(prefix, &names, &mut hash);
        let root = self.root;
        let probe = |k: usize| {
            let e = &l.ents[files[k]];
            let id = trusted.then_some((dev, e.ino));
            let at = || root.join(format!("{prefix}{}", names[k]));
            if hash[k] {
                BUF.with(|b| probe_hash(fd.as_fd(), names[k], id, &mut b.borrow_mut()))
                    .map_err(|err| err.at(at()))
            } else {
                retry(|| rustix::fs::statat(&fd, names[k], AtFlags::SYMLINK_NOFOLLOW))
                    .map(|st| Probe::Meta(st.into()))
                    .map_err(|e| ProbeError::from(e).at(at()))
            }
        };
        let mut probes: Vec<Result<Probe, TreeIoError>> = Vec::with_capacity(files.len());
        if files.len() < PARALLEL_MIN {
            probes.extend((0..files.len()).map(probe));
        } else {
            (0..files.len())
                .into_par_iter()
                .map(probe)
                .collect_into_vec(&mut probes);
        }
        drop(names);
        self.done += files.len() as u64;
        self.visit.progress(self.done);
        // Probe results by entry.
        let mut slot = vec![usize::MAX; l.ents.len()];
        for (k, &i) in files.iter().enumerate() {
            slot[i] = k;
        }
        let mut probes: Vec<Option<Result<Probe, TreeIoError>>> =
            probes.into_iter().map(Some).collect();
        let mut siblings = Siblings::default();
        let mut seen: Vec<Option<DirSeen>> = Vec::new();
        let mut holds = false;
        let mut rel = String::with_capacity(prefix.len() + 64);
        for step in &steps {
            let e = &l.ents[step.ent];
            if !e.utf8 {
                let lossy = format!("{prefix}{}", String::from_utf8_lossy(l.raw(e)));
                self.visit.violation(Violation::new(
                    &lossy,
                    code::NAME_NOT_UTF8,
                    "name is not UTF-8",
                ));
                self.visit.other(&lossy, "non-UTF-8 name");
                continue;
            }
            let name = l.name(e);
            rel.clear();
            rel.push_str(prefix);
            rel.push_str(name);
            if step.descend {
                let Some(d) = seen.get_mut(step.ent).and_then(Option::take) else {
                    return Err(changed(&self.path(&rel)));
                };
                let path = self.path(&rel);
                let sub = retry(|| {
                    rustix::fs::openat(
                        &fd,
                        name,
                        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                        Mode::empty(),
                    )
                })
                .map_err(|err| match err {
                    Errno::LOOP | Errno::NOTDIR => changed(&path),
                    err => io_at(path.clone())(err),
                })?;
                let st = Stat::from(rustix::fs::fstat(&sub).map_err(io_at(path.clone()))?);
                if st.ino != d.ino {
                    return Err(changed(&path));
                }
                let inherited = d.collided.as_deref().or(collided);
                holds |= self.directory(sub, &format!("{rel}/"), st.dev, inherited)?;
                continue;
            }
            if let Err(v) = rules::check_path(&rel) {
                self.visit.violation(v);
            }
            if e.ft == FileType::Directory {
                let st = retry(|| rustix::fs::statat(&fd, name, AtFlags::SYMLINK_NOFOLLOW))
                    .map_err(io_at(self.path(&rel)))?;
                let st = Stat::from(st);
                if st.ft != FileType::Directory {
                    return Err(changed(&self.path(&rel)));
                }
                if let Some(v) = dir_mode_violation(&rel, st.mode) {
                    self.visit.violation(v);
                }
                self.visit.dir(&rel);
                let collision =
                    self.collision(&mut siblings, prefix, name, &rel, NodeKind::Dir, collided);
                if seen.len() <= step.ent {
                    seen.resize_with(step.ent + 1, || None);
                }
                seen[step.ent] = Some(DirSeen {
                    ino: st.ino,
                    collided: collision,
                });
                continue;
            }
            let probe = match slot[step.ent] {
                usize::MAX => None,
                k => probes[k].take(),
            };
            if self.entry(e.ft, probe, name, &rel, prefix, &mut siblings, collided)? {
                holds = true;
            }
        }
        let dir_rel = prefix.strip_suffix('/').unwrap_or(prefix);
        if !holds && !dir_rel.is_empty() && dir_rel != SIGIL_DIR {
            self.empty.push(dir_rel.to_owned());
        }
        Ok(holds)
    }

    /// Checks a name against its siblings (or the collision above it), reporting a
    /// violation; returns the detail paths below inherit when a directory collides.
    fn collision<'n>(
        &mut self,
        siblings: &mut Siblings<'n>,
        prefix: &str,
        name: &'n str,
        rel: &str,
        kind: NodeKind,
        collided: Option<&str>,
    ) -> Option<String> {
        let detail = match collided {
            Some(above) => above.to_owned(),
            None => {
                let (earlier, was) = siblings.insert(name, kind).err()?;
                if was != kind && earlier == name {
                    let v = Violation::new(
                        rel,
                        code::DUPLICATE_ENTRY,
                        format!("{rel:?} is both a file and a directory"),
                    );
                    self.visit.violation(v);
                    return None;
                }
                format!(
                    "{rel:?} and {:?} are the same name on case-insensitive or normalising file systems",
                    format!("{prefix}{earlier}")
                )
            }
        };
        self.visit
            .violation(Violation::new(rel, code::NAME_COLLISION, detail.clone()));
        (kind == NodeKind::Dir).then_some(detail)
    }

    /// Applies the rules to one entry that is not a directory; returns whether it is a
    /// regular file.
    #[allow(clippy::too_many_arguments)]
    fn entry<'n>(
        &mut self,
        listed: FileType,
        probe: Option<Result<Probe, TreeIoError>>,
        name: &'n str,
        rel: &str,
        prefix: &str,
        siblings: &mut Siblings<'n>,
        collided: Option<&str>,
    ) -> Result<bool, TreeIoError> {
        let (meta, hashed, content) = match probe.transpose()? {
            None => (None, None, None),
            Some(Probe::Meta(m)) => (Some(m), None, None),
            Some(Probe::Hashed(m, d, n, c)) => (Some(m), Some((d, n)), c),
        };
        if let Some((rule, detail)) = content {
            self.visit.violation(Violation::new(rel, rule, detail));
        }
        let ft = meta.as_ref().map_or(listed, |m| m.ft);
        let kind = match ft {
            FileType::RegularFile => None,
            // A file when listed, a directory now.
            FileType::Directory => return Err(changed(&self.path(rel))),
            FileType::Symlink => Some((
                code::SYMLINK,
                "symlink",
                "symbolic links are not allowed in a pack",
            )),
            FileType::BlockDevice | FileType::CharacterDevice => Some((
                code::DEVICE,
                "device",
                "device files are not allowed in a pack",
            )),
            FileType::Fifo => Some((code::FIFO, "fifo", "named pipes are not allowed in a pack")),
            _ => Some((code::SOCKET, "socket", "sockets are not allowed in a pack")),
        };
        if let Some((rule, kind, detail)) = kind {
            self.visit.violation(Violation::new(rel, rule, detail));
            self.visit.other(rel, kind);
            return Ok(false);
        }
        // Every regular file was probed.
        let Some(meta) = meta else {
            return Err(changed(&self.path(rel)));
        };
        self.collision(siblings, prefix, name, rel, NodeKind::File, collided);
        if meta.nlink > 1 {
            self.visit.violation(Violation::new(
                rel,
                code::HARD_LINK,
                format!("file has {} hard links", meta.nlink),
            ));
        }
        if meta.mode & 0o7111 != 0 {
            self.visit.violation(Violation::new(
                rel,
                code::EXECUTABLE,
                format!(
                    "mode {:04o} has execute or special bits",
                    meta.mode & 0o7777
                ),
            ));
        }
        let in_sigil = rel == SIGIL_DIR || rel.starts_with(".sigil/");
        self.visit.file(Found {
            rel,
            size: meta.len,
            hashed,
            in_sigil,
            dev: meta.dev,
            ino: meta.ino,
        });
        if in_sigil {
            return Ok(true);
        }
        if meta.len > self.limits.max_file_bytes {
            self.visit.violation(Violation::new(
                rel,
                code::FILE_TOO_LARGE,
                format!(
                    "{} bytes is over the {}-byte file limit",
                    meta.len, self.limits.max_file_bytes
                ),
            ));
        }
        self.bytes = self.bytes.saturating_add(meta.len);
        self.files += 1;
        if self.files > self.limits.max_files && !self.over_count {
            self.over_count = true;
            self.visit.violation(Violation::new(
                "",
                code::TOO_MANY_FILES,
                format!("more than {} files", self.limits.max_files),
            ));
        }
        if self.bytes > self.limits.max_total_bytes && !self.over_total {
            self.over_total = true;
            self.visit.violation(Violation::new(
                "",
                code::TOTAL_TOO_LARGE,
                format!(
                    "files add up to more than the {}-byte total limit",
                    self.limits.max_total_bytes
                ),
            ));
        }
        Ok(true)
    }
}

thread_local! {
    /// Each thread's read buffer for hashing.
    static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Why a probe failed, before its path is known.
enum ProbeError {
    Io(io::Error),
    Changed,
}

impl ProbeError {
    fn at(self, path: PathBuf) -> TreeIoError {
        match self {
            ProbeError::Io(source) => TreeIoError { path, source },
            ProbeError::Changed => changed(&path),
        }
    }
}

impl From<Errno> for ProbeError {
    fn from(e: Errno) -> Self {
        ProbeError::Io(e.into())
    }
}

/// Opens a file relative to a directory without following a symlink at its name and
/// without blocking on a FIFO or a device that took its place.
fn open_nofollow_at(dir: BorrowedFd<'_>, name: &str) -> Result<OwnedFd, Errno> {
    retry(|| {
        rustix::fs::openat(
            dir,
            name,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC,
            Mode::empty(),
        )
    })
}

/// Opens a listed file without following symlinks, checks it with one `fstat` and hashes
/// it. What is there now decides: a symlink or a special file is returned as its metadata
/// (and never read); a regular file other than the one listed is an error.
fn probe_hash(
    dir: BorrowedFd<'_>,
    name: &str,
    id: Option<(u64, u64)>,
    buf: &mut Vec<u8>,
) -> Result<Probe, ProbeError> {
    let id = match id {
        Some(id) => id,
        None => {
            let before = Stat::from(retry(|| {
                rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)
            })?);
            if before.ft != FileType::RegularFile {
                return Ok(Probe::Meta(before));
            }
            (before.dev, before.ino)
        }
    };
    let file = match open_nofollow_at(dir, name) {
        Ok(f) => f,
        // ELOOP: the name is a symlink now (O_NOFOLLOW). Report what is there.
        Err(Errno::LOOP) => {
            let meta = Stat::from(retry(|| {
                rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)
            })?);
            if meta.ft == FileType::RegularFile {
                return Err(Errno::LOOP.into());
            }
            return Ok(Probe::Meta(meta));
        }
        Err(e) => return Err(e.into()),
    };
    let meta = Stat::from(rustix::fs::fstat(&file)?);
    if meta.ft != FileType::RegularFile {
        return Ok(Probe::Meta(meta));
    }
    if (meta.dev, meta.ino) != id {
        return Err(ProbeError::Changed);
    }
    // The content rules look at the name's extension only.
    let mut content = ContentCheck::for_path(name);
    let (d, n) = hash_fd(&file, meta.len, buf, |b| content.update(b))?;
    Ok(Probe::Hashed(meta, d, n, content.finish()))
}

/// Reads an open regular file to its end into a SHA-256, handing every byte read to
/// `on_bytes`. A short read that brings the count to the size `fstat` gave is the end
/// (so a small file takes one `read`); otherwise reading goes on until it returns 0.
fn hash_fd(
    file: &OwnedFd,
    size: u64,
    buf: &mut Vec<u8>,
    mut on_bytes: impl FnMut(&[u8]),
) -> Result<(Sha256Digest, u64), Errno> {
    if buf.is_empty() {
        buf.resize(HASH_BUFFER_SIZE, 0);
    }
    let mut h = Sha256Hasher::default();
    let mut total = 0u64;
    loop {
        let n = retry(|| rustix::io::read(file, &mut buf[..]))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        on_bytes(&buf[..n]);
        total += n as u64;
        if n < buf.len() && total == size {
            break;
        }
    }
    Ok((h.finalize(), total))
}

/// Opens a file without following a symlink at its name and without blocking on a FIFO
/// or a device that took its place.
fn open_nofollow(path: &Path) -> io::Result<fs::File> {
    fs::OpenOptions::new()
        .read(true)
        .custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32)
        .open(path)
}

/// Opens a walked file, making sure it is still the same regular file. A symlink put in
/// its place is not followed, and a FIFO put in its place does not block.
pub fn open_walked(f: &TreeFile) -> Result<fs::File, TreeIoError> {
    let err = |source| TreeIoError {
        path: f.path.clone(),
        source,
    };
    let file = open_nofollow(&f.path).map_err(|e| {
        if e.raw_os_error() == Some(Errno::LOOP.raw_os_error()) {
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
            let size = f.size;
            hash_fd(&OwnedFd::from(file), size, buf, |_| {}).map_err(|e| TreeIoError {
                path: f.path.clone(),
                source: e.into(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// Records what a streaming walk hands over, hashing what `hash` accepts.
    struct Record<'a> {
        hash: &'a dyn Fn(&str) -> bool,
        seen: Vec<String>,
        files: Vec<(String, Option<(Sha256Digest, u64)>)>,
        others: Vec<(String, &'static str)>,
        violations: Vec<(String, &'static str)>,
    }

    impl Visit for Record<'_> {
        fn select(&mut self, prefix: &str, names: &[&str], hash: &mut [bool]) {
            for (n, h) in names.iter().zip(hash) {
                *h = (self.hash)(&format!("{prefix}{n}"));
            }
        }
        fn violation(&mut self, v: Violation) {
            self.violations.push((v.path, v.rule));
        }
        fn dir(&mut self, rel: &str) {
            self.seen.push(format!("{rel}/"));
        }
        fn file(&mut self, f: Found<'_>) {
            self.seen.push(f.rel.to_owned());
            self.files.push((f.rel.to_owned(), f.hashed));
        }
        fn other(&mut self, rel: &str, kind: &'static str) {
            self.seen.push(rel.to_owned());
            self.others.push((rel.to_owned(), kind));
        }
    }

    fn record<'a>(hash: &'a dyn Fn(&str) -> bool) -> Record<'a> {
        Record {
            hash,
            seen: Vec::new(),
            files: Vec::new(),
            others: Vec::new(),
            violations: Vec::new(),
        }
    }

    fn all(_: &str) -> bool {
        true
    }

    /// A streaming walk of `root` hashing everything, with `after_listing` run once each
    /// directory is listed and `entry_inodes` as given.
    fn streamed(
        root: &Path,
        after_listing: &dyn Fn(&str),
        entry_inodes: bool,
    ) -> Result<Record<'static>, TreeIoError> {
        let mut r = record(&all);
        let limits = Limits::default();
        let mut w = Walker::new(root, &limits, Order::Bytes, &mut r);
        w.after_listing = after_listing;
        w.entry_inodes = entry_inodes;
        w.run()?;
        Ok(r)
    }

    #[test]
    fn walks_go_in_name_order_or_in_byte_order_and_hash_what_is_asked() {
        let d = tempfile::tempdir().unwrap();
        for dir in ["b", "a/z", "a/c", "c"] {
            fs::create_dir_all(d.path().join(dir)).unwrap();
        }
        for f in ["b/1", "a/z/2", "a/c/3", "a/4", "5", "c/6", "a-b", "a.c"] {
            fs::write(d.path().join(f), f).unwrap();
        }
        let t = walk(d.path(), &Limits::default()).unwrap();
        let dirs: Vec<&str> = t.dirs.iter().map(String::as_str).collect();
        assert_eq!(dirs, ["a", "a/c", "a/z", "b", "c"]);
        let files: Vec<&str> = t.files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(
            files,
            ["5", "a-b", "a.c", "a/4", "a/c/3", "a/z/2", "b/1", "c/6"]
        );
        assert!(t.files.iter().all(|f| f.digest().is_none()));
        assert!(t.violations.is_empty());
        // Byte order: a directory where its name sorts, its contents where `name/` does.
        let not_5 = |r: &str| r != "5";
        let mut r = record(&not_5);
        walk_streaming(d.path(), &Limits::default(), &mut r).unwrap();
        assert_eq!(
            r.seen,
            [
                "5", "a/", "a-b", "a.c", "a/4", "a/c/", "a/c/3", "a/z/", "a/z/2", "b/", "b/1",
                "c/", "c/6"
            ]
        );
        let hashed: Vec<(&str, bool)> = r
            .files
            .iter()
            .map(|(f, h)| (f.as_str(), h.is_some()))
            .collect();
        assert_eq!(hashed[0], ("5", false));
        assert!(hashed[1..].iter().all(|(_, h)| *h));
        assert_eq!(r.files[3].1, Some((Sha256Digest::of(b"a/4"), 3)));
        assert!(r.violations.is_empty());
    }

    #[test]
    fn small_and_large_files_hash_to_their_digest() {
        let d = tempfile::tempdir().unwrap();
        let big: Vec<u8> = (0..HASH_BUFFER_SIZE * 2 + 17).map(|i| i as u8).collect();
        fs::write(d.path().join("big"), &big).unwrap();
        fs::write(d.path().join("empty"), b"").unwrap();
        fs::write(d.path().join("exact"), vec![7u8; HASH_BUFFER_SIZE]).unwrap();
        let r = streamed(d.path(), &|_| {}, true).unwrap();
        assert_eq!(
            r.files,
            [
                (
                    "big".to_owned(),
                    Some((Sha256Digest::of(&big), big.len() as u64))
                ),
                ("empty".to_owned(), Some((Sha256Digest::of(b""), 0))),
                (
                    "exact".to_owned(),
                    Some((
                        Sha256Digest::of(&vec![7u8; HASH_BUFFER_SIZE]),
                        HASH_BUFFER_SIZE as u64
                    ))
                ),
            ]
        );
    }

    #[test]
    fn file_swapped_for_symlink_after_listing_is_reported_not_followed() {
        let d = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("secret"), "outside").unwrap();
        fs::write(d.path().join("a.txt"), "data").unwrap();
        let swap = |_: &str| {
            fs::remove_file(d.path().join("a.txt")).unwrap();
            symlink(outside.path().join("secret"), d.path().join("a.txt")).unwrap();
        };
        let r = streamed(d.path(), &swap, true).unwrap();
        assert!(r.files.is_empty());
        assert_eq!(r.others, [("a.txt".to_owned(), "symlink")]);
        assert_eq!(r.violations, [("a.txt".to_owned(), code::SYMLINK)]);
    }

    #[test]
    fn file_swapped_for_fifo_after_listing_is_reported_without_blocking() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("a.txt"), "data").unwrap();
        let swap = |_: &str| {
            fs::remove_file(d.path().join("a.txt")).unwrap();
            rustix::fs::mknodat(
                CWD,
                d.path().join("a.txt"),
                FileType::Fifo,
                Mode::from_raw_mode(0o644),
                0,
            )
            .unwrap();
        };
        let r = streamed(d.path(), &swap, true).unwrap();
        assert_eq!(r.others, [("a.txt".to_owned(), "fifo")]);
    }

    #[test]
    fn file_swapped_for_another_file_after_listing_is_an_error() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("a.txt"), "data").unwrap();
        fs::write(d.path().join("c.txt"), "data").unwrap();
        let swap = |_: &str| {
            fs::write(d.path().join("b.txt"), "other").unwrap();
            fs::rename(d.path().join("b.txt"), d.path().join("a.txt")).unwrap();
        };
        assert_replaced(d.path(), &swap, "a.txt");
    }

    #[test]
    fn directory_swapped_for_symlink_after_listing_is_an_error() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir(d.path().join("sub")).unwrap();
        fs::write(d.path().join("sub/a.txt"), "data").unwrap();
        let swap = |prefix: &str| {
            if prefix.is_empty() {
                fs::rename(d.path().join("sub"), d.path().join("moved")).unwrap();
                symlink("moved", d.path().join("sub")).unwrap();
            }
        };
        assert_replaced(d.path(), &swap, "sub");
    }

    /// The walk of `root`, swapping with `swap` once a directory is listed, fails at `rel`
    /// as a replaced file.
    fn assert_replaced(root: &Path, swap: &dyn Fn(&str), rel: &str) {
        let e = streamed(root, swap, true).err().unwrap();
        assert_eq!(e.path, root.join(rel));
        assert_eq!(
            e.source.to_string(),
            "file was replaced while the pack was being read"
        );
    }

    #[test]
    fn without_entry_inodes_a_swap_is_still_caught() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("a.txt"), "data").unwrap();
        fs::write(d.path().join("b.txt"), "data").unwrap();
        let r = streamed(d.path(), &|_| {}, false).unwrap();
        assert_eq!(r.files.len(), 2);
        assert!(r.files.iter().all(|(_, h)| h.is_some()));
        let swap = |_: &str| {
            fs::remove_file(d.path().join("a.txt")).unwrap();
            symlink("b.txt", d.path().join("a.txt")).unwrap();
        };
        let r = streamed(d.path(), &swap, false).unwrap();
        assert_eq!(r.others, [("a.txt".to_owned(), "symlink")]);
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
        let mut r = record(&all);
        walk_streaming(d.path(), &limits, &mut r).unwrap();
        assert_eq!(
            r.violations,
            [
                ("x".to_owned(), code::HARD_LINK),
                ("x".to_owned(), code::EXECUTABLE),
                ("x".to_owned(), code::FILE_TOO_LARGE),
                ("y".to_owned(), code::HARD_LINK),
                ("y".to_owned(), code::EXECUTABLE),
                ("y".to_owned(), code::FILE_TOO_LARGE),
                ("".to_owned(), code::TOO_MANY_FILES),
                ("".to_owned(), code::TOTAL_TOO_LARGE),
            ]
        );
        let t = walk(d.path(), &limits).unwrap();
        let got: Vec<(String, &str)> = t.violations.into_iter().map(|v| (v.path, v.rule)).collect();
        assert_eq!(got, r.violations);
    }

    #[test]
    fn names_colliding_under_case_folding_are_reported_with_everything_below() {
        let d = tempfile::tempdir().unwrap();
        for f in [
            "Docs/a.md",
            "docs/y/z.md",
            "docs/b.md",
            "x/File.txt",
            "x/file.txt",
        ] {
            let p = d.path().join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, "x").unwrap();
        }
        let t = walk(d.path(), &Limits::default()).unwrap();
        let got: Vec<(&str, &str, &str)> = t
            .violations
            .iter()
            .map(|v| (v.path.as_str(), v.rule, v.detail.as_str()))
            .collect();
        let docs = "\"docs\" and \"Docs\" are the same name on case-insensitive or normalising file systems";
        assert_eq!(
            got,
            [
                ("docs", code::NAME_COLLISION, docs),
                ("docs/b.md", code::NAME_COLLISION, docs),
                ("docs/y", code::NAME_COLLISION, docs),
                ("docs/y/z.md", code::NAME_COLLISION, docs),
                (
                    "x/file.txt",
                    code::NAME_COLLISION,
                    "\"x/file.txt\" and \"x/File.txt\" are the same name on case-insensitive or normalising file systems"
                ),
            ]
        );
    }

    #[test]
    fn hashed_files_get_the_content_rules() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("t.json"), b"#!/bin/sh\n").unwrap();
        fs::write(d.path().join("u.txt"), b"ok\n").unwrap();
        let r = streamed(d.path(), &|_| {}, true).unwrap();
        assert_eq!(
            r.violations,
            [("t.json".to_owned(), code::EXECUTABLE_CONTENT)]
        );
    }

    #[test]
    fn names_that_are_not_utf8_are_reported_not_walked() {
        use std::os::unix::ffi::OsStrExt as _;
        let d = tempfile::tempdir().unwrap();
        let odd = std::ffi::OsStr::from_bytes(b"b\xff");
        fs::create_dir(d.path().join(odd)).unwrap();
        fs::write(d.path().join(odd).join("inside"), "x").unwrap();
        fs::write(d.path().join("a"), "x").unwrap();
        let r = streamed(d.path(), &|_| {}, true).unwrap();
        assert_eq!(r.seen, ["a", "b\u{fffd}"]);
        assert_eq!(r.others, [("b\u{fffd}".to_owned(), "non-UTF-8 name")]);
        assert_eq!(
            r.violations,
            [("b\u{fffd}".to_owned(), code::NAME_NOT_UTF8)]
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
}
