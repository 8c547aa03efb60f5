//! Entry checks for untrusted archives, independent of where the bytes land.
//!
//! [`extract_tar_gz`], [`extract_tar`] and [`extract_zip`] check every entry (type, path,
//! mode, duplicates and collisions, counts, declared and real sizes, contents as
//! [`crate::content`] says, directories with no file) and hand the accepted
//! ones to a [`Sink`]. [`DirSink`] writes them under a directory it owns; [`HashSink`]
//! only hashes (for tests and fuzzing).

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::io::{self, Read, Seek, Write};
use std::os::fd::OwnedFd;
use std::path::Path;

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use rustix::io::Errno;

use sigil_core::digest::Sha256Hasher;
use sigil_core::Sha256Digest;
use thiserror::Error;

use sigil_scan::Allowlist;

use crate::content::ContentCheck;
use crate::manifest::{MANIFEST_PATH, MAX_MANIFEST_BYTES, SIGNATURE_PATH};
use crate::rules::{self, code, Limits, NameSet, NodeKind, Violation};
use crate::tar_read::{EntryKind, ReadError, TarReader};

/// Where accepted entries go.
pub trait Sink {
    /// Creates a directory (parents may not exist yet).
    fn dir(&mut self, path: &str) -> io::Result<()>;
    /// Creates a new file from `data`, returning its digest and length.
    fn file(&mut self, path: &str, data: &mut dyn Read) -> io::Result<(Sha256Digest, u64)>;
}

/// What an archive held.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Extracted {
    /// Every regular file with its digest and size, by path.
    pub files: BTreeMap<String, (Sha256Digest, u64)>,
    /// Directory entries seen.
    pub dirs: u64,
    /// Sum of file sizes.
    pub bytes: u64,
}

/// Why an archive was not extracted.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ExtractError {
    /// An entry or the archive breaks a rule.
    #[error("{0}")]
    Refused(Violation),
    /// Writing an accepted entry failed.
    #[error("{path}: {source}")]
    Io {
        /// The entry path.
        path: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

impl ExtractError {
    /// The violation, when the archive was refused.
    pub fn violation(&self) -> Option<&Violation> {
        match self {
            ExtractError::Refused(v) => Some(v),
            ExtractError::Io { .. } => None,
        }
    }
}

fn refused(path: &str, rule: &'static str, detail: impl Into<String>) -> ExtractError {
    ExtractError::Refused(Violation::new(path, rule, detail))
}

/// Counts bytes out of a decompressor and fails once they pass a limit.
pub struct Limited<R> {
    inner: R,
    count: u64,
    max: u64,
    /// Set once the limit was passed.
    pub exceeded: bool,
}

impl<R> Limited<R> {
    /// Wraps a reader.
    pub fn new(inner: R, max: u64) -> Self {
        Self {
            inner,
            count: 0,
            max,
            exceeded: false,
        }
    }
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count += n as u64;
        if self.count > self.max {
            self.exceeded = true;
            return Err(io::Error::other("decompressed size limit passed"));
        }
        Ok(n)
    }
}

/// Checks done for every entry, whatever the archive format.
struct Checker<'a> {
    limits: &'a Limits,
    allow: &'a Allowlist,
    names: NameSet,
    entries: u64,
    /// Files and bytes counted against the limits (the two manifest files are not).
    files: u64,
    bytes: u64,
    /// Directory entries, to refuse the empty ones at the end.
    dirs: Vec<String>,
    out: Extracted,
}

/// An entry's type, as the checker sees it.
#[derive(Clone, Copy)]
enum Kind {
    File { size: u64, mode: Option<u32> },
    Dir,
}

impl<'a> Checker<'a> {
    fn new(limits: &'a Limits, allow: &'a Allowlist) -> Self {
        Self {
            limits,
            allow,
            names: NameSet::default(),
            entries: 0,
            files: 0,
            bytes: 0,
            dirs: Vec::new(),
            out: Extracted::default(),
        }
    }

    /// Checks an entry's name and header; returns the path to use.
    fn admit(&mut self, raw: &[u8], kind: Kind) -> Result<String, ExtractError> {
        self.entries += 1;
        let lossy = || String::from_utf8_lossy(raw);
        if self.entries > self.limits.max_entries() {
            return Err(refused(
                &lossy(),
                code::TOO_MANY_FILES,
                format!("more than {} archive entries", self.limits.max_entries()),
            ));
        }
        let name = std::str::from_utf8(raw)
            .map_err(|_| refused(&lossy(), code::NAME_NOT_UTF8, "name is not UTF-8"))?;
        let path = match kind {
            Kind::Dir => name.strip_suffix('/').unwrap_or(name),
            Kind::File { .. } => name,
        };
        rules::check_path(path).map_err(ExtractError::Refused)?;
        match kind {
            Kind::Dir => {
                self.names
                    .insert(path, NodeKind::Dir)
                    .map_err(ExtractError::Refused)?;
                self.out.dirs += 1;
                self.dirs.push(path.to_owned());
            }
            Kind::File { size, mode } => {
                if let Some(mode) = mode {
                    if mode & 0o7111 != 0 {
                        return Err(refused(
                            path,
                            code::EXECUTABLE,
                            format!("mode {:04o} has execute or special bits", mode & 0o7777),
                        ));
                    }
                }
                self.names
                    .insert(path, NodeKind::File)
                    .map_err(ExtractError::Refused)?;
                if path == MANIFEST_PATH || path == SIGNATURE_PATH {
                    if size > MAX_MANIFEST_BYTES {
                        return Err(refused(
                            path,
                            code::FILE_TOO_LARGE,
                            format!(
                                "{size} bytes is over the {MAX_MANIFEST_BYTES}-byte manifest limit"
                            ),
                        ));
                    }
                    return Ok(path.to_owned());
                }
                self.files += 1;
                if self.files > self.limits.max_files {
                    return Err(refused(
                        path,
                        code::TOO_MANY_FILES,
                        format!("more than {} files", self.limits.max_files),
                    ));
                }
                if size > self.limits.max_file_bytes {
                    return Err(refused(
                        path,
                        code::FILE_TOO_LARGE,
                        format!(
                            "{size} bytes is over the {}-byte file limit",
                            self.limits.max_file_bytes
                        ),
                    ));
                }
                self.bytes = self.bytes.saturating_add(size);
                if self.bytes > self.limits.max_total_bytes {
                    return Err(refused(
                        path,
                        code::TOTAL_TOO_LARGE,
                        format!(
                            "files add up to more than the {}-byte total limit",
                            self.limits.max_total_bytes
                        ),
                    ));
                }
            }
        }
        Ok(path.to_owned())
    }

    /// The archive is complete: refuses a directory entry with no file below it (installed,
    /// it would be an empty directory that no manifest lists).
    fn finish(self) -> Result<Extracted, ExtractError> {
        let mut holding = HashSet::new();
        for f in self.out.files.keys() {
            let mut rel = f.as_str();
            while let Some((parent, _)) = rel.rsplit_once('/') {
                if !holding.insert(parent) {
                    break;
                }
                rel = parent;
            }
        }
        if let Some(d) = self.dirs.iter().find(|d| !holding.contains(d.as_str())) {
            return Err(refused(d, code::EMPTY_DIRECTORY, "directory holds no file"));
        }
        Ok(self.out)
    }

    /// The content verdict of a file read in full: refused unless allowlisted.
    fn content(&self, path: &str, check: ContentCheck) -> Result<(), ExtractError> {
        match check.finish() {
            Some((rule, detail)) => {
                let v = Violation::new(path, rule, detail);
                if crate::verify::content_allowed(self.allow, &v) {
                    Ok(())
                } else {
                    Err(ExtractError::Refused(v))
                }
            }
            None => Ok(()),
        }
    }

    fn record(&mut self, path: String, digest: Sha256Digest, len: u64) {
        self.out.bytes += len;
        self.out.files.insert(path, (digest, len));
    }
}

fn kind_violation(path: &str, kind: EntryKind, link: &[u8]) -> Option<ExtractError> {
    if matches!(kind, EntryKind::File | EntryKind::Dir) {
        return None;
    }
    let link = String::from_utf8_lossy(link);
    Some(match kind {
        EntryKind::File | EntryKind::Dir => return None,
        EntryKind::Symlink => refused(
            path,
            code::SYMLINK,
            format!("symbolic link to {link:?}: links are not allowed in a pack"),
        ),
        EntryKind::HardLink => refused(
            path,
            code::HARD_LINK,
            format!("hard link to {link:?}: links are not allowed in a pack"),
        ),
        EntryKind::CharDevice | EntryKind::BlockDevice => {
            refused(path, code::DEVICE, "device file")
        }
        EntryKind::Fifo => refused(path, code::FIFO, "named pipe"),
        EntryKind::Other(t) => refused(
            path,
            code::UNSUPPORTED_ENTRY,
            format!("entry type {:?} is not a file or directory", t as char),
        ),
    })
}

fn read_error(e: ReadError, exceeded: bool, limits: &Limits) -> ExtractError {
    if exceeded {
        return refused(
            "",
            code::DECOMPRESSED_TOO_LARGE,
            format!(
                "decompression produced more than {} bytes (limits: {} bytes of files)",
                limits.max_decompressed(),
                limits.max_total_bytes
            ),
        );
    }
    match e {
        ReadError::Refused(v) => ExtractError::Refused(v),
        ReadError::Io(e) => refused(
            "",
            code::MALFORMED_ARCHIVE,
            format!("cannot read archive: {e}"),
        ),
    }
}

/// Extracts an uncompressed tar stream through a decompression limit already in place.
fn tar_entries<R: Read>(
    t: &mut TarReader<&mut Limited<R>>,
    limits: &Limits,
    allow: &Allowlist,
    sink: &mut dyn Sink,
) -> Result<Extracted, ExtractError> {
    let mut c = Checker::new(limits, allow);
    loop {
        let entry = match t.next_entry() {
            Ok(Some(e)) => e,
            Ok(None) => return c.finish(),
            Err(e) => {
                let exceeded = t_exceeded(t);
                return Err(read_error(e, exceeded, limits));
            }
        };
        if let Some(v) = kind_violation(
            &String::from_utf8_lossy(&entry.path),
            entry.kind,
            &entry.link,
        ) {
            return Err(v);
        }
        if entry.kind == EntryKind::Dir {
            let path = c.admit(&entry.path, Kind::Dir)?;
            sink.dir(&path)
                .map_err(|source| ExtractError::Io { path, source })?;
            continue;
        }
        let path = c.admit(
            &entry.path,
            Kind::File {
                size: entry.size,
                mode: Some(entry.mode),
            },
        )?;
        let mut check = ContentCheck::for_path(&path);
        let result = sink.file(
            &path,
            &mut Inspect {
                inner: t.data(),
                check: &mut check,
            },
        );
        match result {
            Ok((digest, len)) if len == entry.size => {
                c.content(&path, check)?;
                c.record(path, digest, len)
            }
            Ok((_, len)) => {
                return Err(refused(
                    &path,
                    code::ENTRY_SIZE_MISMATCH,
                    format!("{len} bytes of data, header says {}", entry.size),
                ))
            }
            Err(source) => {
                if t_exceeded(t) {
                    return Err(read_error(ReadError::Io(source), true, limits));
                }
                if source.kind() == io::ErrorKind::UnexpectedEof
                    || source.kind() == io::ErrorKind::InvalidInput
                    || source.kind() == io::ErrorKind::InvalidData
                {
                    return Err(refused(
                        &path,
                        code::MALFORMED_ARCHIVE,
                        format!("cannot read entry data: {source}"),
                    ));
                }
                return Err(ExtractError::Io { path, source });
            }
        }
    }
}

fn t_exceeded<R>(t: &mut TarReader<&mut Limited<R>>) -> bool {
    t.inner_mut().exceeded
}

/// Checks and extracts an uncompressed tar stream.
pub fn extract_tar<R: Read>(
    reader: R,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<Extracted, ExtractError> {
    extract_tar_allowing(reader, limits, &Allowlist::default(), sink)
}

/// [`extract_tar`] with the `content` exceptions of an allowlist.
pub fn extract_tar_allowing<R: Read>(
    reader: R,
    limits: &Limits,
    allow: &Allowlist,
    sink: &mut dyn Sink,
) -> Result<Extracted, ExtractError> {
    let mut limited = Limited::new(reader, limits.max_decompressed());
    let mut t = TarReader::new(&mut limited);
    tar_entries(&mut t, limits, allow, sink)
}

/// Checks and extracts a gzip-compressed tar stream (all gzip members, as `gzip -d` does).
/// The whole input is consumed on success.
pub fn extract_tar_gz<R: Read>(
    reader: R,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<Extracted, ExtractError> {
    extract_tar(flate2::read::MultiGzDecoder::new(reader), limits, sink)
}

/// Like [`extract_tar_gz`], but decompresses on a second thread a few chunks ahead of the
/// entry checks, hashing and writing, so that installs use both cores as `tar xzf` (with its
/// `gzip` child) does. At most [`PIPELINE_AHEAD`] chunks of [`PIPELINE_CHUNK`] bytes are in
/// flight, so a decompression bomb still meets the limits after at most that much extra work.
pub fn extract_tar_gz_pipelined<R: Read + Send>(
    reader: R,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<Extracted, ExtractError> {
    extract_tar_gz_pipelined_allowing(reader, limits, &Allowlist::default(), sink)
}

/// [`extract_tar_gz_pipelined`] with the `content` exceptions of an allowlist.
pub fn extract_tar_gz_pipelined_allowing<R: Read + Send>(
    reader: R,
    limits: &Limits,
    allow: &Allowlist,
    sink: &mut dyn Sink,
) -> Result<Extracted, ExtractError> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<io::Result<Vec<u8>>>(PIPELINE_AHEAD);
        scope.spawn(move || {
            let mut gz = flate2::read::MultiGzDecoder::new(reader);
            loop {
                let mut buf = vec![0u8; PIPELINE_CHUNK];
                let chunk = match gz.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        buf.truncate(n);
                        Ok(buf)
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => Err(e),
                };
                let failed = chunk.is_err();
                // A closed channel means the checks stopped (done or refused): stop too.
                if tx.send(chunk).is_err() || failed {
                    break;
                }
            }
        });
        // The reader is dropped when extraction returns, which releases the decompressor.
        extract_tar_allowing(
            ChannelReader {
                rx,
                cur: Vec::new(),
                pos: 0,
            },
            limits,
            allow,
            sink,
        )
    })
}

/// Bytes per decompressed chunk handed between the two install threads.
pub const PIPELINE_CHUNK: usize = 256 * 1024;
/// Chunks the decompressor may run ahead of the checks.
pub const PIPELINE_AHEAD: usize = 4;

/// The consuming end of [`extract_tar_gz_pipelined`]'s channel.
struct ChannelReader {
    rx: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    cur: Vec<u8>,
    pos: usize,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.cur.len() {
            match self.rx.recv() {
                Ok(Ok(buf)) => {
                    self.cur = buf;
                    self.pos = 0;
                }
                Ok(Err(e)) => return Err(e),
                // The decompressor finished: end of stream.
                Err(_) => return Ok(0),
            }
        }
        let n = (self.cur.len() - self.pos).min(out.len());
        out[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Checks and extracts a zip archive. The raw structure is checked first
/// ([`crate::zip_raw::check_structure`]: no trailing data, local headers that agree with the
/// central directory, no duplicate names). Symlinks (by Unix mode), devices, FIFOs and sockets
/// are refused; names must be enclosed; real sizes must match the central directory.
pub fn extract_zip<R: Read + Seek>(
    reader: R,
    limits: &Limits,
    sink: &mut dyn Sink,
) -> Result<Extracted, ExtractError> {
    extract_zip_allowing(reader, limits, &Allowlist::default(), sink)
}

/// [`extract_zip`] with the `content` exceptions of an allowlist.
pub fn extract_zip_allowing<R: Read + Seek>(
    reader: R,
    limits: &Limits,
    allow: &Allowlist,
    sink: &mut dyn Sink,
) -> Result<Extracted, ExtractError> {
    let bad = |e: zip::result::ZipError| refused("", code::MALFORMED_ARCHIVE, format!("zip: {e}"));
    // The raw structure first: one end record at the very end, local headers that agree with
    // the central directory, no name twice (the crate would keep only one of them).
    let mut reader = reader;
    let central = crate::zip_raw::check_structure(&mut reader, limits.max_entries())
        .map_err(ExtractError::Refused)?;
    let mut za = zip::ZipArchive::new(reader).map_err(bad)?;
    if za.len() != central.len() || za.has_duplicate_names() {
        return Err(refused(
            "",
            code::DUPLICATE_ENTRY,
            format!(
                "the central directory holds {} entries, {} distinct names",
                central.len(),
                za.len()
            ),
        ));
    }
    let mut c = Checker::new(limits, allow);
    for i in 0..za.len() {
        let mut f = za.by_index(i).map_err(bad)?;
        let raw = f.name_raw().to_vec();
        let lossy = String::from_utf8_lossy(&raw).into_owned();
        let mode = f.unix_mode();
        let kind = match mode.map(|m| m & 0o170000) {
            _ if f.is_symlink() => EntryKind::Symlink,
            Some(0o120000) => EntryKind::Symlink,
            Some(0o020000) => EntryKind::CharDevice,
            Some(0o060000) => EntryKind::BlockDevice,
            Some(0o010000) => EntryKind::Fifo,
            Some(0o140000) => EntryKind::Other(b's'),
            _ if f.is_dir() => EntryKind::Dir,
            _ => EntryKind::File,
        };
        if kind == EntryKind::Other(b's') {
            return Err(refused(&lossy, code::SOCKET, "socket"));
        }
        if let Some(v) = kind_violation(&lossy, kind, b"") {
            return Err(v);
        }
        let declared = f.size();
        let ckind = if kind == EntryKind::Dir {
            Kind::Dir
        } else {
            Kind::File {
                size: declared,
                mode: mode.map(|m| m & 0o7777),
            }
        };
        let path = c.admit(&raw, ckind)?;
        if f.enclosed_name().is_none() {
            return Err(refused(
                &path,
                code::PARENT_DIR,
                "name is not enclosed in the destination",
            ));
        }
        if kind == EntryKind::Dir {
            sink.dir(&path)
                .map_err(|source| ExtractError::Io { path, source })?;
            continue;
        }
        // Read at most one byte past the declared size, so a lying header cannot run away.
        let mut check = ContentCheck::for_path(&path);
        let mut limited = Inspect {
            inner: (&mut f).take(declared.saturating_add(1)),
            check: &mut check,
        };
        match sink.file(&path, &mut limited) {
            Ok((digest, len)) if len == declared => {
                c.content(&path, check)?;
                c.record(path, digest, len)
            }
            Ok((_, len)) => {
                return Err(refused(
                    &path,
                    code::ENTRY_SIZE_MISMATCH,
                    format!("{len}+ bytes of data, header says {declared}"),
                ))
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::InvalidData
                        | io::ErrorKind::InvalidInput
                        | io::ErrorKind::UnexpectedEof
                        | io::ErrorKind::Other
                ) =>
            {
                return Err(refused(&path, code::MALFORMED_ARCHIVE, format!("zip: {e}")))
            }
            Err(source) => return Err(ExtractError::Io { path, source }),
        }
    }
    c.finish()
}

/// Hands every byte read through it to the content checks.
struct Inspect<'a, R> {
    inner: R,
    check: &'a mut ContentCheck,
}

impl<R: Read> Read for Inspect<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.check.update(&buf[..n]);
        Ok(n)
    }
}

/// Hashes entries without writing them.
#[derive(Debug, Default)]
pub struct HashSink;

/// Bytes of the copy buffer: large enough for big files, allocated once per sink.
const COPY_BUFFER: usize = 256 << 10;

fn hash_copy(
    data: &mut dyn Read,
    buf: &mut Vec<u8>,
    mut out: impl FnMut(&[u8]) -> io::Result<()>,
) -> io::Result<(Sha256Digest, u64)> {
    if buf.len() < COPY_BUFFER {
        buf.resize(COPY_BUFFER, 0);
    }
    let mut h = Sha256Hasher::default();
    let mut n = 0u64;
    loop {
        let k = match data.read(buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        h.update(&buf[..k]);
        out(&buf[..k])?;
        n += k as u64;
    }
    Ok((h.finalize(), n))
}

impl Sink for HashSink {
    fn dir(&mut self, _path: &str) -> io::Result<()> {
        Ok(())
    }

    fn file(&mut self, _path: &str, data: &mut dyn Read) -> io::Result<(Sha256Digest, u64)> {
        hash_copy(data, &mut Vec::new(), |_| Ok(()))
    }
}

/// Writes entries under a directory that only this process uses (the install staging
/// directory). Files are created new (never opened through an existing name) with mode
/// 0644, directories with 0755; nothing here ever creates a link, so no path can lead out.
///
/// Everything is created relative to directory descriptors, as `tar` does: the root's, and
/// that of the directory the last file went into (archives list a directory's files
/// together), so the kernel resolves one name per file, not the whole staging path.
#[derive(Debug)]
pub struct DirSink {
    root: OwnedFd,
    /// Directories this sink created, relative to the root: no other process writes in
    /// staging, so they need no second `mkdir`/`stat` for every file placed in them.
    made: HashSet<String>,
    /// The directory the last file went into (relative; empty for the root) and its
    /// descriptor, when it is not the root.
    cur: (String, Option<OwnedFd>),
    /// The copy buffer, reused for every file (a fresh 256 KiB buffer per file costs more
    /// than writing a small file).
    buf: Vec<u8>,
}

impl DirSink {
    /// A sink writing under `root`, which must be an existing directory (not a symlink).
    pub fn new(root: &Path) -> io::Result<Self> {
        let root = rustix::fs::open(
            root,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        Ok(Self {
            root,
            made: HashSet::new(),
            cur: (String::new(), None),
            buf: Vec::new(),
        })
    }

    /// Makes the directory `rel` (relative to the root) and its missing parents.
    fn ensure_dir(&mut self, rel: &str) -> io::Result<()> {
        if rel.is_empty() || self.made.contains(rel) {
            return Ok(());
        }
        let mut end = 0;
        for comp in rel.split('/') {
            end += comp.len() + usize::from(end > 0);
            let prefix = &rel[..end];
            if self.made.contains(prefix) {
                continue;
            }
            // 0755 whatever the umask adds: `pack check` refuses world-writable directories.
            match rustix::fs::mkdirat(&self.root, prefix, Mode::from_raw_mode(0o755)) {
                Ok(()) => {}
                Err(Errno::EXIST) => {
                    let st = rustix::fs::statat(&self.root, prefix, AtFlags::SYMLINK_NOFOLLOW)?;
                    if FileType::from_raw_mode(st.st_mode) != FileType::Directory {
                        return Err(Errno::EXIST.into());
                    }
                }
                Err(e) => return Err(e.into()),
            }
            self.made.insert(prefix.to_owned());
        }
        Ok(())
    }
}

impl Sink for DirSink {
    fn dir(&mut self, path: &str) -> io::Result<()> {
        self.ensure_dir(path)
    }

    fn file(&mut self, path: &str, data: &mut dyn Read) -> io::Result<(Sha256Digest, u64)> {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
        if self.cur.0 != dir {
            self.ensure_dir(dir)?;
            let fd = if dir.is_empty() {
                None
            } else {
                Some(rustix::fs::openat(
                    &self.root,
                    dir,
                    OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                )?)
            };
            self.cur = (dir.to_owned(), fd);
        }
        let at = self.cur.1.as_ref().unwrap_or(&self.root);
        let fd = rustix::fs::openat(
            at,
            name,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o644),
        )?;
        let mut f = fs::File::from(fd);
        let r = hash_copy(data, &mut self.buf, |b| f.write_all(b))?;
        f.flush()?;
        Ok(r)
    }
}

#[cfg(test)]
mod pipeline_tests {
    use super::*;

    fn tar_gz(files: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in files {
            let mut h = tar::Header::new_ustar();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append_data(&mut h, name, &data[..]).unwrap();
        }
        let tar = b.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&tar).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn pipelined_extraction_matches_the_plain_one() {
        // Files larger than a pipeline chunk, so entries straddle chunk boundaries.
        let big: Vec<u8> = (0..(PIPELINE_CHUNK * 3 + 123))
            .map(|i| (i % 251) as u8)
            .collect();
        let archive = tar_gz(&[
            ("a/big.bin", big),
            ("a/small.txt", b"hello".to_vec()),
            ("b.txt", vec![]),
        ]);
        let limits = Limits::default();
        let plain = extract_tar_gz(&archive[..], &limits, &mut HashSink).unwrap();
        let piped = extract_tar_gz_pipelined(&archive[..], &limits, &mut HashSink).unwrap();
        assert_eq!(plain.files, piped.files);
        assert_eq!(plain.bytes, piped.bytes);
        assert_eq!(piped.files.len(), 3);
    }

    #[test]
    fn pipelined_extraction_reports_corrupt_and_truncated_input() {
        let archive = tar_gz(&[("x.txt", vec![7u8; 100_000])]);
        let limits = Limits::default();
        assert!(
            extract_tar_gz_pipelined(&archive[..archive.len() / 2], &limits, &mut HashSink)
                .is_err()
        );
        let mut bad = archive.clone();
        let mid = bad.len() / 2;
        bad[mid] ^= 0xff;
        assert!(extract_tar_gz_pipelined(&bad[..], &limits, &mut HashSink).is_err());
        assert!(extract_tar_gz_pipelined(&b"not gzip"[..], &limits, &mut HashSink).is_err());
    }
}

#[cfg(test)]
mod rule_tests {
    use super::*;

    fn tar(entries: &[(&str, Option<&[u8]>)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, data) in entries {
            let mut h = tar::Header::new_ustar();
            match data {
                Some(d) => {
                    h.set_size(d.len() as u64);
                    h.set_mode(0o644);
                    h.set_cksum();
                    b.append_data(&mut h, name, &d[..]).unwrap();
                }
                None => {
                    h.set_entry_type(tar::EntryType::Directory);
                    h.set_size(0);
                    h.set_mode(0o755);
                    h.set_cksum();
                    b.append_data(&mut h, name, io::empty()).unwrap();
                }
            }
        }
        b.into_inner().unwrap()
    }

    fn rule(entries: &[(&str, Option<&[u8]>)], allow: &Allowlist) -> Option<&'static str> {
        extract_tar_allowing(&tar(entries)[..], &Limits::default(), allow, &mut HashSink)
            .err()
            .and_then(|e| e.violation().map(|v| v.rule))
    }

    #[test]
    fn archive_entries_get_the_content_and_directory_rules() {
        let none = Allowlist::default();
        assert_eq!(rule(&[("a/", None), ("a/b.txt", Some(b"hi"))], &none), None);
        assert_eq!(
            rule(
                &[("a/", None), ("e/", None), ("a/b.txt", Some(b"hi"))],
                &none
            ),
            Some(code::EMPTY_DIRECTORY)
        );
        let elf: &[u8] = b"\x7fELF\x02\x01";
        assert_eq!(
            rule(&[("x.json", Some(elf))], &none),
            Some(code::EXECUTABLE_CONTENT)
        );
        assert_eq!(
            rule(&[("x.json", Some(b"{"))], &none),
            Some(code::CONTENT_MISMATCH)
        );
        let allow = Allowlist::parse("content x.json fixture for a test\n").unwrap();
        assert_eq!(rule(&[("x.json", Some(elf))], &allow), None);
    }
}

#[cfg(test)]
mod dir_sink_tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn put(sink: &mut DirSink, path: &str, data: &[u8]) -> io::Result<(Sha256Digest, u64)> {
        sink.file(path, &mut &data[..])
    }

    #[test]
    fn files_land_under_the_root_in_any_order_with_their_directories() {
        let d = tempfile::tempdir().unwrap();
        let mut sink = DirSink::new(d.path()).unwrap();
        assert_eq!(
            put(&mut sink, "a/b/c.txt", b"one").unwrap(),
            (Sha256Digest::of(b"one"), 3)
        );
        put(&mut sink, "top.txt", b"two").unwrap();
        put(&mut sink, "a/d.txt", b"three").unwrap();
        // Back to a directory seen before, and a directory entry after its files.
        put(&mut sink, "a/b/e.txt", b"four").unwrap();
        sink.dir("a/b").unwrap();
        sink.dir("x/y").unwrap();
        put(&mut sink, "x/y/z.txt", b"five").unwrap();
        for (p, want) in [
            ("a/b/c.txt", "one"),
            ("top.txt", "two"),
            ("a/d.txt", "three"),
            ("a/b/e.txt", "four"),
            ("x/y/z.txt", "five"),
        ] {
            assert_eq!(fs::read_to_string(d.path().join(p)).unwrap(), want);
            let mode = fs::metadata(d.path().join(p)).unwrap().permissions().mode();
            assert_eq!(mode & 0o7111, 0, "{p}: {mode:o}");
        }
        for dir in ["a", "a/b", "x", "x/y"] {
            let m = fs::symlink_metadata(d.path().join(dir)).unwrap();
            assert!(m.is_dir(), "{dir}");
            assert_eq!(m.permissions().mode() & 0o7022, 0, "{dir}");
        }
    }

    #[test]
    fn existing_names_are_never_opened_or_followed() {
        let d = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let mut sink = DirSink::new(d.path()).unwrap();
        put(&mut sink, "a.txt", b"x").unwrap();
        assert_eq!(
            put(&mut sink, "a.txt", b"y").unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        assert_eq!(fs::read_to_string(d.path().join("a.txt")).unwrap(), "x");
        // A file where a directory should be.
        assert!(put(&mut sink, "a.txt/b.txt", b"y").is_err());
        assert!(sink.dir("a.txt").is_err());
        // A symlink planted in the root, to a directory or a file outside it.
        std::os::unix::fs::symlink(outside.path(), d.path().join("link")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("f"), d.path().join("flink")).unwrap();
        assert!(put(&mut sink, "link/x.txt", b"y").is_err());
        assert!(sink.dir("link").is_err());
        assert_eq!(
            put(&mut sink, "flink", b"y").unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0);
        // The root itself must not be a symlink.
        let root_link = outside.path().join("root");
        std::os::unix::fs::symlink(d.path(), &root_link).unwrap();
        assert!(DirSink::new(&root_link).is_err());
    }
}
