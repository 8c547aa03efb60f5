//! `install_archive`: verify an archive, extract it into private staging, verify the pack
//! inside, then move it into place atomically.
//!
//! Order of events:
//! 1. Lock DEST's parent directory (`flock`): one install per parent at a time. Any
//!    `.<name>.sigil-staging-*` directory found there now is from a killed run and is removed.
//! 2. Refuse an existing DEST unless `replace`.
//! 3. Hand the archive's bytes to the [`ArchiveVerifier`] (for minisign: `ARCHIVE.minisig`)
//!    while hashing them; nothing is extracted before it accepts every byte.
//! 4. Create the staging directory beside DEST (mode 0700, random name) and extract into it,
//!    checking every entry (see [`crate::extract`]). The bytes extracted are hashed again and
//!    must equal the verified bytes, so swapping the file after step 3 is detected.
//!    zip archives are copied into staging during step 3 and read from that private copy.
//! 5. Verify `.sigil/SHA256SUMS` in staging with the trusted keys and compare it with the
//!    extracted files (exactly: nothing missing, extra or changed).
//! 6. `renameat2(RENAME_NOREPLACE)` into DEST, or with `replace` `RENAME_EXCHANGE` (the old
//!    tree lands in staging and is removed). Where the kernel or file system lacks
//!    renameat2, a plain rename is used (still atomic for a new DEST; for replace, the old
//!    tree is moved aside first and put back if the second rename fails).
//!
//! Any failure removes staging and leaves DEST as it was. A process killed at any point
//! leaves DEST either old or new, never partial; its staging is removed by the next install
//! into the same parent.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Path, PathBuf};

use sigil_core::digest::Sha256Hasher;
use sigil_core::Sha256Digest;
use sigil_keys::{KeyId, PublicKey};
use sigil_sign::minisig::{self, Signature};
use thiserror::Error;

use crate::extract::{self, DirSink, ExtractError, Extracted};
use crate::manifest::{MANIFEST_PATH, SIGNATURE_PATH};
use crate::rules::{Limits, Violation};
use crate::verify::{self, Actual, VerifiedPack, VerifyError};

/// Marker in staging directory names: `.<dest name>.sigil-staging-<random>`.
pub const STAGING_MARKER: &str = ".sigil-staging-";

/// Decides whether an archive's bytes are trusted.
pub trait ArchiveVerifier {
    /// Reads `archive` to its end and accepts or refuses it. The install hashes exactly the
    /// bytes this reads, and refuses to go on unless it read them all.
    fn verify_archive(
        &self,
        archive: &mut dyn Read,
    ) -> Result<ArchiveTrust, Box<dyn std::error::Error + Send + Sync>>;
}

/// What an [`ArchiveVerifier`] vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveTrust {
    /// The key that signed the archive, when there is one.
    pub key_id: Option<KeyId>,
    /// The authenticated comment, when there is one.
    pub trusted_comment: String,
}

/// A minisign signature (`ARCHIVE.minisig`) by one of the trusted keys.
#[derive(Debug)]
pub struct MinisignVerifier<'a> {
    /// Trusted keys.
    pub keys: &'a [PublicKey],
    /// The parsed signature.
    pub signature: &'a Signature,
}

/// Why a minisign archive signature was refused.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum MinisignArchiveError {
    /// No trusted key has the signature's key id.
    #[error("archive is signed by key {0}, which is not a trusted key")]
    UntrustedKey(KeyId),
    /// The signature does not verify.
    #[error(transparent)]
    Verify(minisig::VerifyError),
}

impl ArchiveVerifier for MinisignVerifier<'_> {
    fn verify_archive(
        &self,
        archive: &mut dyn Read,
    ) -> Result<ArchiveTrust, Box<dyn std::error::Error + Send + Sync>> {
        let key = verify::key_for(self.keys, self.signature)
            .ok_or(MinisignArchiveError::UntrustedKey(self.signature.key_id))?;
        let v = minisig::verify(key, self.signature, archive, |_| {})
            .map_err(MinisignArchiveError::Verify)?;
        Ok(ArchiveTrust {
            key_id: Some(v.key_id),
            trusted_comment: v.trusted_comment,
        })
    }
}

/// How to install.
#[derive(Debug, Clone, Copy, Default)]
pub struct InstallOptions {
    /// Limits every entry and the whole pack must keep.
    pub limits: Limits,
    /// Replace an existing DEST (atomically).
    pub replace: bool,
}

/// An installed pack.
#[derive(Debug, Clone)]
pub struct InstalledPack {
    /// Where it is.
    pub dest: PathBuf,
    /// What the archive signature vouched for.
    pub archive: ArchiveTrust,
    /// The verified pack inside.
    pub pack: VerifiedPack,
    /// Whether an existing DEST was replaced.
    pub replaced: bool,
    /// Stale staging directories from killed runs that were removed first.
    pub removed_stale: Vec<PathBuf>,
}

/// Why an install did not happen. DEST is unchanged in every case.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum InstallError {
    /// The archive's signature (or other verifier) refused it.
    #[error("archive not verified: {0}")]
    Untrusted(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The verifier returned without reading the whole archive.
    #[error("archive verifier did not read the whole archive")]
    PartlyVerified,
    /// Neither a gzip-compressed tar nor a zip archive.
    #[error("{}: not a .tar.gz or .zip archive", path.display())]
    UnknownFormat {
        /// The archive.
        path: PathBuf,
    },
    /// An entry or the archive broke a rule.
    #[error("archive refused: {0}")]
    Refused(Violation),
    /// The pack inside did not verify.
    #[error("pack inside the archive did not verify: {0}")]
    Pack(#[source] VerifyError),
    /// The archive changed between verification and extraction.
    #[error("{}: archive changed while it was being installed", path.display())]
    Tampered {
        /// The archive.
        path: PathBuf,
    },
    /// DEST exists and `replace` was not asked for.
    #[error("{}: destination exists", dest.display())]
    DestExists {
        /// DEST.
        dest: PathBuf,
    },
    /// DEST is not something a pack can replace.
    #[error("{}: destination is not a directory", dest.display())]
    DestNotDir {
        /// DEST.
        dest: PathBuf,
    },
    /// DEST has no usable name or parent.
    #[error("{}: destination must name a directory inside an existing directory", dest.display())]
    DestInvalid {
        /// DEST.
        dest: PathBuf,
    },
    /// The caller's check (see [`install_archive_checked`]) refused the verified pack.
    #[error("{0}")]
    Rejected(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Another install into the same parent directory is running.
    #[error("{}: another install into this directory is in progress", parent.display())]
    Busy {
        /// DEST's parent.
        parent: PathBuf,
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

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> InstallError + '_ {
    move |source| InstallError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Hashes everything read through it (and optionally copies it).
struct Tee<'a, R> {
    inner: R,
    hasher: Sha256Hasher,
    copy: Option<&'a mut File>,
    copy_error: Option<io::Error>,
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        if let Some(c) = self.copy.as_mut() {
            if let Err(e) = c.write_all(&buf[..n]) {
                self.copy_error.get_or_insert(e);
            }
        }
        Ok(n)
    }
}

/// Splits DEST into (parent, file name).
fn split_dest(dest: &Path) -> Result<(PathBuf, String), InstallError> {
    let invalid = || InstallError::DestInvalid {
        dest: dest.to_owned(),
    };
    let name = dest
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| !n.is_empty() && *n != "." && *n != "..")
        .ok_or_else(invalid)?;
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(invalid());
    }
    Ok((parent, name.to_owned()))
}

/// Whether a name in DEST's parent is staging left by a killed install.
pub fn is_staging_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(STAGING_MARKER)
}

/// Removes stale staging directories in `parent`; call only while holding the parent lock.
fn clean_stale(parent: &Path) -> Result<Vec<PathBuf>, InstallError> {
    let mut removed = Vec::new();
    for e in fs::read_dir(parent).map_err(io_err(parent))? {
        let e = e.map_err(io_err(parent))?;
        let Some(name) = e.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if !is_staging_name(&name) {
            continue;
        }
        // Never follow a symlink planted under a staging name.
        let ft = e.file_type().map_err(io_err(&e.path()))?;
        if ft.is_dir() {
            fs::remove_dir_all(e.path()).map_err(io_err(&e.path()))?;
        } else {
            fs::remove_file(e.path()).map_err(io_err(&e.path()))?;
        }
        removed.push(e.path());
    }
    Ok(removed)
}

enum Format {
    TarGz,
    Zip,
}

/// Installs a signed pack archive into `dest`. See the module docs for the order of events.
///
/// `verifier` decides whether the archive bytes are trusted (use [`MinisignVerifier`] for
/// `ARCHIVE.minisig`); `manifest_keys` are the keys trusted to sign the pack manifest inside.
pub fn install_archive(
    archive: &Path,
    verifier: &dyn ArchiveVerifier,
    manifest_keys: &[PublicKey],
    dest: &Path,
    opts: &InstallOptions,
) -> Result<InstalledPack, InstallError> {
    install_archive_checked(archive, verifier, manifest_keys, dest, opts, &|_, _| Ok(()))
}

/// A last check on what the archive signature vouched for and the verified pack (for example
/// that the signed name and version are the ones expected), made before DEST changes.
pub type PackCheck<'a> = &'a dyn Fn(
    &ArchiveTrust,
    &VerifiedPack,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// [`install_archive`], with `check` called after step 5 and before step 6: its refusal is
/// [`InstallError::Rejected`] and leaves DEST unchanged.
pub fn install_archive_checked(
    archive: &Path,
    verifier: &dyn ArchiveVerifier,
    manifest_keys: &[PublicKey],
    dest: &Path,
    opts: &InstallOptions,
    check: PackCheck<'_>,
) -> Result<InstalledPack, InstallError> {
    let (parent, name) = split_dest(dest)?;
    let lock = File::open(&parent).map_err(io_err(&parent))?;
    // Released when `lock` is dropped, or by the kernel when the process dies.
    match rustix::fs::flock(&lock, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(rustix::io::Errno::WOULDBLOCK) => return Err(InstallError::Busy { parent }),
        Err(e) => {
            return Err(InstallError::Io {
                path: parent,
                source: e.into(),
            })
        }
    }
    let removed_stale = clean_stale(&parent)?;
    let existing = match fs::symlink_metadata(dest) {
        Ok(m) if m.is_dir() => true,
        Ok(_) => {
            return Err(InstallError::DestNotDir {
                dest: dest.to_owned(),
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => {
            return Err(InstallError::Io {
                path: dest.to_owned(),
                source: e,
            })
        }
    };
    if existing && !opts.replace {
        return Err(InstallError::DestExists {
            dest: dest.to_owned(),
        });
    }

    let (mut file, _) = sigil_core::input::open(archive).map_err(io_err(archive))?;
    let mut magic = [0u8; 4];
    let got = file.read(&mut magic).map_err(io_err(archive))?;
    let format = match &magic[..got] {
        [0x1f, 0x8b, ..] => Format::TarGz,
        [b'P', b'K', 3, 4] | [b'P', b'K', 5, 6] => Format::Zip,
        _ => {
            return Err(InstallError::UnknownFormat {
                path: archive.to_owned(),
            })
        }
    };
    file.seek(SeekFrom::Start(0)).map_err(io_err(archive))?;

    // Mode 0700, random name, removed on drop (any early return below).
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{name}{STAGING_MARKER}"))
        .rand_bytes(12)
        .tempdir_in(&parent)
        .map_err(io_err(&parent))?;
    let root = staging.path().join("pack");
    fs::DirBuilder::new()
        .mode(0o755)
        .create(&root)
        .map_err(io_err(&root))?;

    // Step 3: the verifier sees every byte first.
    let copy_path = staging.path().join("archive.zip");
    let mut copy = match format {
        Format::Zip => Some(
            fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&copy_path)
                .map_err(io_err(&copy_path))?,
        ),
        Format::TarGz => None,
    };
    let (trust, verified_digest) = {
        let mut tee = Tee {
            inner: &mut file,
            hasher: Sha256Hasher::default(),
            copy: copy.as_mut(),
            copy_error: None,
        };
        let trust = verifier
            .verify_archive(&mut tee)
            .map_err(InstallError::Untrusted)?;
        let mut probe = [0u8; 1];
        if tee.read(&mut probe).map_err(io_err(archive))? != 0 {
            return Err(InstallError::PartlyVerified);
        }
        if let Some(e) = tee.copy_error.take() {
            return Err(InstallError::Io {
                path: copy_path,
                source: e,
            });
        }
        (trust, tee.hasher.finalize())
    };

    // Step 4: extract with every entry checked.
    let mut sink = DirSink::new(&root);
    let extracted = match format {
        Format::TarGz => {
            file.seek(SeekFrom::Start(0)).map_err(io_err(archive))?;
            let mut tee = Tee {
                inner: &mut file,
                hasher: Sha256Hasher::default(),
                copy: None,
                copy_error: None,
            };
            let r = extract::extract_tar_gz_pipelined(&mut tee, &opts.limits, &mut sink);
            let extracted = r.map_err(|e| extract_error(e, &root))?;
            io::copy(&mut tee, &mut io::sink()).map_err(io_err(archive))?;
            if tee.hasher.finalize() != verified_digest {
                return Err(InstallError::Tampered {
                    path: archive.to_owned(),
                });
            }
            extracted
        }
        Format::Zip => {
            let mut copy = copy.take().ok_or(InstallError::UnknownFormat {
                path: archive.to_owned(),
            })?;
            copy.seek(SeekFrom::Start(0)).map_err(io_err(&copy_path))?;
            extract::extract_zip(&mut copy, &opts.limits, &mut sink)
                .map_err(|e| extract_error(e, &root))?
        }
    };

    // Step 5: the pack inside, against its own signed manifest.
    let pack = verify_extracted(&root, &extracted, manifest_keys, &opts.limits)
        .map_err(InstallError::Pack)?;
    check(&trust, &pack).map_err(InstallError::Rejected)?;

    // Step 6: into place.
    let replaced = if existing {
        exchange(&root, dest)?;
        true
    } else {
        rename_noreplace(&root, dest)?;
        false
    };
    let staging_path = staging.path().to_owned();
    staging.close().map_err(io_err(&staging_path))?;
    drop(lock);
    Ok(InstalledPack {
        dest: dest.to_owned(),
        archive: trust,
        pack,
        replaced,
        removed_stale,
    })
}

fn extract_error(e: ExtractError, root: &Path) -> InstallError {
    match e {
        ExtractError::Refused(v) => InstallError::Refused(v),
        ExtractError::Io { path, source } => InstallError::Io {
            path: root.join(path),
            source,
        },
    }
}

/// Step 5: the signed manifest in `root` against the digests taken while extracting.
fn verify_extracted(
    root: &Path,
    x: &Extracted,
    keys: &[PublicKey],
    limits: &Limits,
) -> Result<VerifiedPack, VerifyError> {
    let manifest = verify::read_small(
        &root.join(MANIFEST_PATH),
        crate::manifest::MAX_MANIFEST_BYTES,
    )?;
    let signature = verify::read_small(
        &root.join(SIGNATURE_PATH),
        minisig::MAX_SIGNATURE_FILE as u64,
    )?;
    let v = verify::verify_manifest(&manifest, &signature, keys, limits)?;
    let mut present = BTreeMap::new();
    let mut sigil_extra = Vec::new();
    for (path, (d, n)) in &x.files {
        if path == MANIFEST_PATH || path == SIGNATURE_PATH {
            continue;
        }
        if path.starts_with(".sigil/") {
            sigil_extra.push(path.clone());
            continue;
        }
        present.insert(path.clone(), Actual::File(*d, *n));
    }
    verify::compare(&v, &present, &sigil_extra, Vec::new())?;
    Ok(v)
}

fn rename_noreplace(from: &Path, to: &Path) -> Result<(), InstallError> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::EXIST) | Err(rustix::io::Errno::NOTEMPTY) => {
            Err(InstallError::DestExists {
                dest: to.to_owned(),
            })
        }
        Err(rustix::io::Errno::INVAL) | Err(rustix::io::Errno::NOSYS) => {
            // No renameat2 here. We hold the parent lock and saw DEST absent.
            if to.exists() {
                return Err(InstallError::DestExists {
                    dest: to.to_owned(),
                });
            }
            fs::rename(from, to).map_err(io_err(to))
        }
        Err(e) => Err(InstallError::Io {
            path: to.to_owned(),
            source: e.into(),
        }),
    }
}

/// Swaps `from` (new tree) and `to` (old tree) atomically; the old tree ends at `from`.
fn exchange(from: &Path, to: &Path) -> Result<(), InstallError> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    match renameat_with(CWD, from, CWD, to, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::INVAL) | Err(rustix::io::Errno::NOSYS) => {
            // Fallback: old aside (into staging), new in, put old back on failure.
            let aside = from.with_file_name("old");
            fs::rename(to, &aside).map_err(io_err(to))?;
            if let Err(e) = fs::rename(from, to) {
                let _ = fs::rename(&aside, to);
                return Err(InstallError::Io {
                    path: to.to_owned(),
                    source: e,
                });
            }
            Ok(())
        }
        Err(e) => Err(InstallError::Io {
            path: to.to_owned(),
            source: e.into(),
        }),
    }
}

/// Re-verifies an installed pack (same as [`crate::verify_dir`]).
pub fn check_installed(
    dest: &Path,
    keys: &[PublicKey],
    limits: &Limits,
) -> Result<VerifiedPack, VerifyError> {
    verify::verify_dir(dest, keys, limits)
}

/// SHA-256 of a whole file, for callers that pin archives.
pub fn file_digest(path: &Path) -> io::Result<Sha256Digest> {
    Ok(sigil_core::sha256_reader(sigil_core::input::open(path)?.0)?.0)
}
