//! `write_archive`: a deterministic `tar.gz` of a signed pack.
//!
//! Same tree, same bytes: entries sorted by path bytes (each directory right before its
//! contents), GNU headers with mtime 0 (or the `SOURCE_DATE_EPOCH` the caller passes),
//! uid/gid 0, empty user and group names, modes 0644 for files and 0755 for directories,
//! long names as GNU `././@LongLink` entries; gzip with mtime 0, no file name, OS 255
//! (unknown) and compression level 6. Only the files of the pack and its two `.sigil/`
//! files are archived, with the directories that hold them.

use std::io::{self, Read as _, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::SyncSender;

use flate2::{Compression, GzBuilder};
use thiserror::Error;

// The same chunking as the install's decompression pipeline.
use crate::extract::{PIPELINE_AHEAD, PIPELINE_CHUNK};
use crate::manifest::{MANIFEST_PATH, SIGNATURE_PATH};
use crate::rules::{code, Limits, Violation};
use crate::tree::{self, Progress, TreeFile, TreeIoError};

/// The gzip level (fixed: the bytes must not depend on a default).
pub const GZIP_LEVEL: u32 = 6;

/// What was archived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveSummary {
    /// Regular files, `.sigil/` included.
    pub files: u64,
    /// Directory entries.
    pub dirs: u64,
    /// Sum of file sizes.
    pub bytes: u64,
}

/// Why an archive was not written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ArchiveError {
    /// The tree breaks data-only rules.
    #[error("pack refused: {} data-only violation(s)", .0.len())]
    Refused(Vec<Violation>),
    /// No signed manifest.
    #[error("{}: not a signed pack ({MANIFEST_PATH} or {SIGNATURE_PATH} is missing)", dir.display())]
    NotSigned {
        /// The directory.
        dir: PathBuf,
    },
    /// Reading or writing failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

impl From<TreeIoError> for ArchiveError {
    fn from(e: TreeIoError) -> Self {
        ArchiveError::Io {
            path: e.path,
            source: e.source,
        }
    }
}

fn header(kind: tar::EntryType, mode: u32, size: u64, mtime: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(mtime);
    h.set_size(size);
    h
}

/// Writes the deterministic `tar.gz` of the signed pack at `dir` to `out`.
pub fn write_archive<W: Write>(
    dir: &Path,
    out: W,
    mtime: u64,
    limits: &Limits,
) -> Result<ArchiveSummary, ArchiveError> {
    write_archive_progress(dir, out, mtime, limits, &|_, _| {})
}

/// [`write_archive`], reporting the files archived so far to `progress`.
pub fn write_archive_progress<W: Write>(
    dir: &Path,
    out: W,
    mtime: u64,
    limits: &Limits,
    progress: Progress<'_>,
) -> Result<ArchiveSummary, ArchiveError> {
    let t = tree::walk(dir, limits)?;
    let mut violations = t.violations;
    for f in &t.sigil {
        if f.rel != MANIFEST_PATH && f.rel != SIGNATURE_PATH {
            violations.push(Violation::new(
                &f.rel,
                code::DUPLICATE_ENTRY,
                "only SHA256SUMS and SHA256SUMS.minisig belong in .sigil/",
            ));
        }
    }
    if !violations.is_empty() {
        return Err(ArchiveError::Refused(violations));
    }
    if t.sigil
        .iter()
        .filter(|f| f.rel == MANIFEST_PATH || f.rel == SIGNATURE_PATH)
        .count()
        != 2
    {
        return Err(ArchiveError::NotSigned {
            dir: dir.to_owned(),
        });
    }
    // Entry names: directories end in `/`, so in byte order each comes right before its
    // contents. With the files in byte order, a directory goes right before the first file
    // below it: the one before that file is below it exactly when it was written already.
    let mut files: Vec<&TreeFile> = t.files.iter().chain(t.sigil.iter()).collect();
    files.sort_unstable_by(|a, b| a.rel.as_bytes().cmp(b.rel.as_bytes()));
    let gz = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(out, Compression::new(GZIP_LEVEL));
    // The tar stream is built (files read) on a second thread, a few chunks ahead of the
    // compression here: the compressor's bytes depend only on the stream, not on the chunks.
    let (summary, gz) = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<u8>>(PIPELINE_AHEAD);
        let tar = scope.spawn(move || tar_stream(&files, mtime, progress, Chunks::new(tx)));
        let mut gz = gz;
        let mut failed = None;
        for chunk in rx.iter() {
            if let Err(e) = gz.write_all(&chunk) {
                failed = Some(e);
                break;
            }
        }
        // Closing the channel stops the tar thread at its next chunk.
        drop(rx);
        let summary = tar.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        match failed {
            Some(source) => Err(output_error(source)),
            None => summary.map(|s| (s, gz)),
        }
    })?;
    gz.finish()
        .map_err(output_error)?
        .flush()
        .map_err(output_error)?;
    Ok(summary)
}

fn output_error(source: io::Error) -> ArchiveError {
    ArchiveError::Io {
        path: PathBuf::from("<output>"),
        source,
    }
}

/// Collects written bytes into chunks for the compressor thread.
struct Chunks {
    tx: SyncSender<Vec<u8>>,
    buf: Vec<u8>,
}

impl Chunks {
    fn new(tx: SyncSender<Vec<u8>>) -> Self {
        Self {
            tx,
            buf: Vec::with_capacity(PIPELINE_CHUNK),
        }
    }

    fn send(&mut self) -> io::Result<()> {
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(PIPELINE_CHUNK));
        self.tx
            .send(chunk)
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "archive output stopped"))
    }
}

impl Write for Chunks {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= PIPELINE_CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.send()
    }
}

/// Writes the tar stream of `files` (sorted by path bytes) and their directories to `out`.
fn tar_stream(
    files: &[&TreeFile],
    mtime: u64,
    progress: Progress<'_>,
    out: Chunks,
) -> Result<ArchiveSummary, ArchiveError> {
    let mut b = tar::Builder::new(out);
    let mut summary = ArchiveSummary {
        files: 0,
        dirs: 0,
        bytes: 0,
    };
    let mut prev = "";
    for f in files {
        let rel = f.rel.as_str();
        let mut end = 0;
        while let Some(p) = rel[end..].find('/') {
            end += p + 1;
            let dir = &rel[..end];
            if prev.starts_with(dir) {
                continue;
            }
            let mut h = header(tar::EntryType::Directory, 0o755, 0, mtime);
            b.append_data(&mut h, dir, io::empty())
                .map_err(output_error)?;
            summary.dirs += 1;
        }
        let reader = tree::open_walked(f)?;
        let mut h = header(tar::EntryType::Regular, 0o644, f.size, mtime);
        // The size is fixed by the header; `take` keeps a growing file from overrunning it.
        b.append_data(&mut h, rel, reader.take(f.size))
            .map_err(|source| ArchiveError::Io {
                path: f.path.clone(),
                source,
            })?;
        summary.files += 1;
        summary.bytes += f.size;
        progress(summary.files, files.len() as u64);
        prev = rel;
    }
    b.into_inner()
        .and_then(|mut chunks| chunks.flush())
        .map_err(output_error)?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::fs;

    /// A tree with the two `.sigil/` files (their contents are not checked here).
    fn signed_tree(files: &[&str]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        for f in files.iter().chain([&MANIFEST_PATH, &SIGNATURE_PATH]) {
            let p = d.path().join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, f.as_bytes()).unwrap();
        }
        d
    }

    fn entries(archive: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut a = tar::Archive::new(flate2::read::GzDecoder::new(archive));
        a.entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let name = String::from_utf8(e.path_bytes().into_owned()).unwrap();
                let mut data = Vec::new();
                e.read_to_end(&mut data).unwrap();
                (name, data)
            })
            .collect()
    }

    #[test]
    fn entries_are_in_byte_order_with_each_directory_right_before_its_contents() {
        // '-' and '.' sort before '/', so "a-b/" and "a.txt" come between "a" and "a/".
        let files = [
            "a/b/c.txt",
            "a.txt",
            "a-b/x.md",
            "a/b.txt",
            "a/z/y.txt",
            "-first.txt",
            "z.txt",
            "a/b/a.txt",
        ];
        let d = signed_tree(&files);
        let mut out = Vec::new();
        let summary = write_archive(d.path(), &mut out, 0, &Limits::default()).unwrap();
        // The order by definition: every file and every directory holding one, by bytes.
        let mut want = BTreeSet::new();
        for f in files.iter().chain([&MANIFEST_PATH, &SIGNATURE_PATH]) {
            for (i, _) in f.match_indices('/') {
                want.insert(f[..=i].to_owned());
            }
            want.insert((*f).to_owned());
        }
        let got = entries(&out);
        let names: Vec<&str> = got.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, want.iter().map(String::as_str).collect::<Vec<_>>());
        for (name, data) in &got {
            let want: &[u8] = if name.ends_with('/') {
                b""
            } else {
                name.as_bytes()
            };
            assert_eq!(data, want, "{name}");
        }
        assert_eq!(
            summary,
            ArchiveSummary {
                files: 10,
                dirs: 5,
                bytes: files
                    .iter()
                    .chain([&MANIFEST_PATH, &SIGNATURE_PATH])
                    .map(|f| f.len() as u64)
                    .sum(),
            }
        );
        // Same tree, same bytes, however many chunks the stream takes.
        let mut again = Vec::new();
        write_archive(d.path(), &mut again, 0, &Limits::default()).unwrap();
        assert_eq!(out, again);
    }

    /// Accepts `left` bytes, then fails.
    struct Failing {
        left: usize,
    }

    impl Write for Failing {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.left == 0 {
                return Err(io::Error::other("disk full"));
            }
            let n = buf.len().min(self.left);
            self.left -= n;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failing_output_is_an_output_error() {
        // Enough incompressible data for the compressor to write before the end.
        let d = signed_tree(&["a.txt"]);
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..64 {
            let data: Vec<u8> = (0..64 << 10)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    b'a' + (x % 26) as u8
                })
                .collect();
            fs::write(d.path().join(format!("f{i}.txt")), data).unwrap();
        }
        for left in [0, 100, 1 << 20] {
            match write_archive(d.path(), Failing { left }, 0, &Limits::default()) {
                Err(ArchiveError::Io { path, source }) => {
                    assert_eq!(path, PathBuf::from("<output>"));
                    assert_eq!(source.to_string(), "disk full");
                }
                other => panic!("{left}: {other:?}"),
            }
        }
    }
}
