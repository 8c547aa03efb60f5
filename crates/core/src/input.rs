//! Opening files that a user or an attacker named: the one place sigil does it.
//!
//! A FIFO named as an artifact, a sidecar (`SHA256SUMS`, `*.minisig`) or a file listed in a
//! signed list would block `open(2)` forever waiting for a writer, and a device such as
//! `/dev/zero` never ends. [`open`] opens without blocking (`O_NONBLOCK`, cleared again
//! afterwards), looks at what it opened, and refuses anything that is not a regular file
//! with an [`io::Error`] of kind [`io::ErrorKind::InvalidInput`] whose inner error is a
//! [`NotRegularFile`]. Callers keep their own error types: this is an I/O error like any other,
//! and [`not_regular`] tells it apart when the exit code depends on it.

use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};
use std::path::Path;

use rustix::fs::OFlags;
use thiserror::Error;

/// The input is not a regular file.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
#[error("is a {kind}, not a regular file")]
pub struct NotRegularFile {
    /// `directory`, `fifo`, `socket`, `character device`, `block device` or `special file`.
    pub kind: &'static str,
}

fn kind_of(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        "directory"
    } else if t.is_fifo() {
        "fifo"
    } else if t.is_socket() {
        "socket"
    } else if t.is_char_device() {
        "character device"
    } else if t.is_block_device() {
        "block device"
    } else {
        "special file"
    }
}

/// Opens `path` for reading, following symlinks, and refuses anything that is not a regular
/// file without ever blocking on it. Returns the file and its metadata.
pub fn open(path: &Path) -> io::Result<(File, Metadata)> {
    let f = OpenOptions::new()
        .read(true)
        .custom_flags((OFlags::NONBLOCK | OFlags::NOCTTY).bits() as i32)
        .open(path)?;
    regular_and_blocking(f)
}

/// Refuses what is not a regular file, then clears `O_NONBLOCK` so reads block as usual.
fn regular_and_blocking(f: File) -> io::Result<(File, Metadata)> {
    let meta = regular(&f)?;
    let flags = rustix::fs::fcntl_getfl(&f)?;
    rustix::fs::fcntl_setfl(&f, flags - OFlags::NONBLOCK)?;
    Ok((f, meta))
}

/// The metadata of `f`, or a [`NotRegularFile`] error when it is not a regular file.
fn regular(f: &File) -> io::Result<Metadata> {
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            NotRegularFile {
                kind: kind_of(&meta),
            },
        ));
    }
    Ok(meta)
}

/// The path, through a symlink or `..`, resolves outside the directory it must stay in.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
#[error("resolves outside its directory")]
pub struct Escapes;

/// Opens `rel` inside `dir` as [`open`] does, refusing a path that resolves outside `dir` at
/// any step (a symlink to an outside file or directory, `..`, an absolute path) with an error
/// whose inner error is [`Escapes`]. Symlinks that stay inside `dir` are followed. The kernel
/// resolves the whole path beneath `dir` in one call (`openat2` with `RESOLVE_BENEATH`), so
/// nothing can be swapped between a check and the open. On kernels without `openat2`, every
/// symlink is refused instead (`O_NOFOLLOW` on the last step, and each directory above it
/// checked by `lstat`), which is stricter.
pub fn open_beneath(dir: &Path, rel: &Path) -> io::Result<(File, Metadata)> {
    let d = File::open(dir)?;
    open_beneath_at(&d, dir, rel)
}

/// [`open_beneath`] with `dir` already open as `d` (one handle for many files).
pub fn open_beneath_at(d: &File, dir: &Path, rel: &Path) -> io::Result<(File, Metadata)> {
    regular_and_blocking(openat_beneath(d, dir, rel)?)
}

/// The SHA-256 of the regular file `rel` inside `dir` (open as `d`), opened as
/// [`open_beneath_at`] opens it (same refusals and errors), with `buf` as the read buffer
/// (grown to [`crate::HASH_BUFFER_SIZE`] on first use; reuse it across files).
///
/// Made for many small files: one open, one `fstat`, as few reads as the file needs (a
/// short read at or past the size `fstat` gave is the end; no second read of zero bytes)
/// and one close. `O_NONBLOCK` is left set: once the file is known to be regular it changes
/// nothing about reads on Linux (mandatory locking, the one exception, is gone since 5.15;
/// an `EAGAIN` would still be an error, never a digest).
pub fn sha256_beneath_at(
    d: &File,
    dir: &Path,
    rel: &Path,
    buf: &mut Vec<u8>,
) -> io::Result<crate::Sha256Digest> {
    use io::Read as _;
    let mut f = openat_beneath(d, dir, rel)?;
    let size = regular(&f)?.len();
    if buf.is_empty() {
        buf.resize(crate::HASH_BUFFER_SIZE, 0);
    }
    let mut h = crate::digest::Sha256Hasher::default();
    let mut total = 0u64;
    loop {
        match f.read(buf) {
            Ok(0) => break,
            Ok(n) => {
                h.update(&buf[..n]);
                total += n as u64;
                // A file whose size is 0 (procfs) is read until a read gives nothing.
                if size > 0 && n < buf.len() && total >= size {
                    break;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(h.finalize())
}

/// Opens `rel` beneath `d` without blocking and without following anything out of it.
fn openat_beneath(d: &File, dir: &Path, rel: &Path) -> io::Result<File> {
    use rustix::fs::{Mode, ResolveFlags};
    let escapes = || io::Error::new(io::ErrorKind::PermissionDenied, Escapes);
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    let fd = match rustix::fs::openat2(
        d,
        rel,
        flags,
        Mode::empty(),
        ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS,
    ) {
        Ok(fd) => fd,
        Err(rustix::io::Errno::XDEV) => return Err(escapes()),
        Err(rustix::io::Errno::NOSYS) => {
            let mut at = dir.to_path_buf();
            let parts: Vec<_> = rel.components().collect();
            for (i, c) in parts.iter().enumerate() {
                let std::path::Component::Normal(name) = c else {
                    return Err(escapes());
                };
                at.push(name);
                if i + 1 < parts.len() && std::fs::symlink_metadata(&at)?.file_type().is_symlink() {
                    return Err(escapes());
                }
            }
            match rustix::fs::openat(d, rel, flags | OFlags::NOFOLLOW, Mode::empty()) {
                Ok(fd) => fd,
                Err(rustix::io::Errno::LOOP) => return Err(escapes()),
                Err(e) => return Err(e.into()),
            }
        }
        Err(e) => return Err(e.into()),
    };
    Ok(File::from(fd))
}

/// Whether an error from [`open_beneath`] means the path left its directory.
pub fn escapes(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<Escapes>())
}

/// Reads a whole file opened with [`open`] (for small inputs; large ones are streamed).
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    use io::Read as _;
    let (mut f, meta) = open(path)?;
    let mut buf = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0).min(1 << 20));
    f.read_to_end(&mut buf)?;
    Ok(buf)
}

/// Reads a whole file opened with [`open`] as UTF-8 text.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read(path)?).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Why [`read_bounded`] gave up.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReadBoundedError {
    /// Reading failed.
    #[error(transparent)]
    Io(#[from] io::Error),
    /// The input holds more than the limit.
    #[error("larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
}

impl From<ReadBoundedError> for io::Error {
    /// An I/O error as it was; a too-large input as [`io::ErrorKind::InvalidData`].
    fn from(e: ReadBoundedError) -> Self {
        match e {
            ReadBoundedError::Io(e) => e,
            e @ ReadBoundedError::TooLarge { .. } => io::Error::new(io::ErrorKind::InvalidData, e),
        }
    }
}

/// Reads `r` to its end, but never more than `limit` bytes plus one: an input longer than
/// `limit` is [`ReadBoundedError::TooLarge`], so a huge or endless input costs at most
/// `limit + 1` bytes of memory. The one home of bounded reads.
pub fn read_bounded(r: impl io::Read, limit: u64) -> Result<Vec<u8>, ReadBoundedError> {
    use io::Read as _;
    let mut buf = Vec::new();
    r.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(ReadBoundedError::TooLarge { limit });
    }
    Ok(buf)
}

/// The [`NotRegularFile`] inside an error from [`open`], if that is why it failed.
pub fn not_regular(e: &io::Error) -> Option<NotRegularFile> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<NotRegularFile>())
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_reads_stop_after_the_limit() {
        let check = |input: &str, limit: u64, expect: Result<&str, u64>| {
            let got = read_bounded(input.as_bytes(), limit).map_err(|e| match e {
                ReadBoundedError::TooLarge { limit } => limit,
                ReadBoundedError::Io(e) => panic!("{e}"),
            });
            assert_eq!(
                got,
                expect.map(|s| s.as_bytes().to_vec()),
                "{input:?} within {limit}"
            );
        };
        check("", 0, Ok(""));
        check("a", 0, Err(0));
        check("abc", 3, Ok("abc"));
        check("abcd", 3, Err(3));
        check("abc", u64::MAX, Ok("abc"));
        // An endless input is cut off after limit + 1 bytes.
        assert_eq!(
            read_bounded(io::repeat(7), 1024).map_err(|e| e.to_string()),
            Err("larger than 1024 bytes".to_owned())
        );
    }

    #[test]
    fn paths_beneath_a_directory_stay_beneath_it() {
        let t = tempfile::tempdir().unwrap();
        let (inside, outside) = (t.path().join("list"), t.path().join("secret"));
        std::fs::create_dir_all(inside.join("sub")).unwrap();
        std::fs::create_dir_all(&outside).unwrap();
        std::fs::write(inside.join("sub/a"), b"a").unwrap();
        std::fs::write(outside.join("key"), b"k").unwrap();
        std::os::unix::fs::symlink(&outside, inside.join("out")).unwrap();
        std::os::unix::fs::symlink(outside.join("key"), inside.join("key")).unwrap();
        std::os::unix::fs::symlink("sub/a", inside.join("alias")).unwrap();
        let (f, meta) = open_beneath(&inside, Path::new("sub/a")).unwrap();
        assert_eq!(meta.len(), 1);
        assert!(!rustix::fs::fcntl_getfl(&f)
            .unwrap()
            .contains(OFlags::NONBLOCK));
        assert_eq!(
            open_beneath(&inside, Path::new("alias")).unwrap().1.len(),
            1
        );
        for escaping in [
            "out/key",
            "key",
            "../secret/key",
            "/etc/hostname",
            "sub/../../secret/key",
        ] {
            let e = open_beneath(&inside, Path::new(escaping)).unwrap_err();
            assert!(escapes(&e), "{escaping}: {e}");
            assert_eq!(e.to_string(), "resolves outside its directory");
        }
        let e = open_beneath(&inside, Path::new("sub")).unwrap_err();
        assert_eq!(not_regular(&e), Some(NotRegularFile { kind: "directory" }));
    }

    #[test]
    fn hashing_beneath_a_directory_reads_to_the_end_and_refuses_as_opening_does() {
        let t = tempfile::tempdir().unwrap();
        let d = File::open(t.path()).unwrap();
        std::fs::write(t.path().join("seven"), b"abcdefg").unwrap();
        std::fs::write(t.path().join("empty"), b"").unwrap();
        std::os::unix::fs::symlink("/etc/hostname", t.path().join("out")).unwrap();
        // A 3-byte buffer: three reads, the last one short at the size fstat gave.
        for (name, mut buf) in [
            ("seven", vec![0; 3]),
            ("seven", Vec::new()),
            ("empty", Vec::new()),
        ] {
            let want = crate::Sha256Digest::of(&std::fs::read(t.path().join(name)).unwrap());
            let got = sha256_beneath_at(&d, t.path(), Path::new(name), &mut buf).unwrap();
            assert_eq!(got, want, "{name}");
        }
        let mut buf = Vec::new();
        let e = sha256_beneath_at(&d, t.path(), Path::new("out"), &mut buf).unwrap_err();
        assert!(escapes(&e), "{e}");
        let e = sha256_beneath_at(&d, t.path(), Path::new("missing"), &mut buf).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
        let e = sha256_beneath_at(&d, t.path(), Path::new("."), &mut buf).unwrap_err();
        assert_eq!(not_regular(&e), Some(NotRegularFile { kind: "directory" }));
    }

    #[test]
    fn regular_files_open_blocking_again() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, b"abc").unwrap();
        let (f, meta) = open(&p).unwrap();
        assert_eq!(meta.len(), 3);
        assert!(!rustix::fs::fcntl_getfl(&f)
            .unwrap()
            .contains(OFlags::NONBLOCK));
        assert_eq!(read(&p).unwrap(), b"abc");
    }

    #[test]
    fn fifos_directories_and_devices_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        for (p, kind) in [
            (fifo.as_path(), "fifo"),
            (dir.path(), "directory"),
            (Path::new("/dev/null"), "character device"),
        ] {
            let e = open(p).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{}", p.display());
            assert_eq!(not_regular(&e), Some(NotRegularFile { kind }));
            assert_eq!(e.to_string(), format!("is a {kind}, not a regular file"));
        }
        let missing = open(&dir.path().join("missing")).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        assert_eq!(not_regular(&missing), None);
    }
}
