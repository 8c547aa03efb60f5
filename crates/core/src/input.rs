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
    let meta = f.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            NotRegularFile {
                kind: kind_of(&meta),
            },
        ));
    }
    let flags = rustix::fs::fcntl_getfl(&f)?;
    rustix::fs::fcntl_setfl(&f, flags - OFlags::NONBLOCK)?;
    Ok((f, meta))
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
