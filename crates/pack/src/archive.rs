//! `write_archive`: a deterministic `tar.gz` of a signed pack.
//!
//! Same tree, same bytes: entries sorted by path bytes (each directory right before its
//! contents), GNU headers with mtime 0 (or the `SOURCE_DATE_EPOCH` the caller passes),
//! uid/gid 0, empty user and group names, modes 0644 for files and 0755 for directories,
//! long names as GNU `././@LongLink` entries; gzip with mtime 0, no file name, OS 255
//! (unknown) and compression level 6. Only the files of the pack and its two `.sigil/`
//! files are archived, with the directories that hold them.

use std::collections::BTreeSet;
use std::io::{self, Read as _, Write};
use std::path::{Path, PathBuf};

use flate2::{Compression, GzBuilder};
use thiserror::Error;

use crate::manifest::{MANIFEST_PATH, SIGNATURE_PATH};
use crate::rules::{code, Limits, Violation};
use crate::tree::{self, Progress, TreeIoError};

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
    let files: Vec<_> = t.files.iter().chain(t.sigil.iter()).collect();
    // Entry names: directories end in `/`, so sorting by bytes puts each right before its contents.
    let mut names: BTreeSet<(Vec<u8>, Option<usize>)> = BTreeSet::new();
    for (i, f) in files.iter().enumerate() {
        let mut end = 0;
        while let Some(p) = f.rel[end..].find('/') {
            end += p + 1;
            names.insert((f.rel.as_bytes()[..end].to_vec(), None));
        }
        names.insert((f.rel.as_bytes().to_vec(), Some(i)));
    }
    let io_out = |source| ArchiveError::Io {
        path: PathBuf::from("<output>"),
        source,
    };
    let gz = GzBuilder::new()
        .mtime(0)
        .operating_system(255)
        .write(out, Compression::new(GZIP_LEVEL));
    let mut b = tar::Builder::new(gz);
    let mut summary = ArchiveSummary {
        files: 0,
        dirs: 0,
        bytes: 0,
    };
    for (name, file) in &names {
        let name_str = String::from_utf8_lossy(name);
        match file {
            None => {
                let mut h = header(tar::EntryType::Directory, 0o755, 0, mtime);
                b.append_data(&mut h, &*name_str, io::empty())
                    .map_err(io_out)?;
                summary.dirs += 1;
            }
            Some(i) => {
                let f = files[*i];
                let reader = tree::open_walked(f)?;
                let mut h = header(tar::EntryType::Regular, 0o644, f.size, mtime);
                // The size is fixed by the header; `take` keeps a growing file from overrunning it.
                b.append_data(&mut h, &*name_str, reader.take(f.size))
                    .map_err(|source| ArchiveError::Io {
                        path: f.path.clone(),
                        source,
                    })?;
                summary.files += 1;
                summary.bytes += f.size;
                progress(summary.files, files.len() as u64);
            }
        }
    }
    let gz = b.into_inner().map_err(io_out)?;
    gz.finish().map_err(io_out)?.flush().map_err(io_out)?;
    Ok(summary)
}
