//! `install_archive`: verify an archive, extract it into private staging, verify the pack
//! inside, then move it into place atomically.
//!
//! Order of events:
//! 1. Lock DEST's parent directory (`flock`): one install per parent at a time. A
//!    `.<name>.sigil-staging-*` directory found there now is removed only when it holds an
//!    owner record ([`OWNER_RECORD`]: process id, its start time and the boot id) naming a
//!    process that is no longer running: staging of a killed install. Anything else under
//!    such a name (no record, a live owner, not a directory) is left alone.
//! 2. Refuse an existing DEST unless `replace`, and with `replace` unless DEST holds an
//!    installed pack and nothing else ([`check_replaceable`]): `.sigil/` with exactly
//!    `SHA256SUMS` and `SHA256SUMS.minisig`, every other file listed in that manifest, no
//!    symlinks or special files. A file the pack did not list (a user's) is never deleted
//!    by `--replace`; a changed listed file is the pack's and is replaced.
//! 3. Hand the archive's bytes to the [`ArchiveVerifier`] (for minisign: `ARCHIVE.minisig`)
//!    while hashing them; nothing is extracted before it accepts every byte.
//! 4. Create the staging directory beside DEST (mode 0700, random name) and extract into it,
//!    checking every entry (see [`crate::extract`]). The bytes extracted are hashed again and
//!    must equal the verified bytes, so swapping the file after step 3 is detected.
//!    zip archives are copied into staging during step 3 and read from that private copy.
//! 5. Verify `.sigil/SHA256SUMS` in staging with the trusted keys and compare it with the
//!    extracted files (exactly: nothing missing, extra or changed).
//! 6. `renameat2(RENAME_NOREPLACE)` into DEST, or with `replace` `RENAME_EXCHANGE` (the old
//!    tree lands in staging). The old tree is checked again ([`check_replaceable`]: a file
//!    added to it during the install is not lost): if it no longer qualifies the two are
//!    exchanged back and the install fails; otherwise it is removed with staging. Where the
//!    kernel or file system lacks renameat2, a plain rename is used (still atomic for a new
//!    DEST; for replace, the old tree is moved aside first and put back if the second rename
//!    fails).
//!
//! Any failure removes staging and leaves DEST as it was. A process killed at any point
//! leaves DEST either old or new, never partial; its staging is removed by the next install
//! into the same parent.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Path, PathBuf};

use sigil_core::digest::Sha256Hasher;
use sigil_core::Sha256Digest;
use sigil_keys::{KeyId, PublicKey};
use sigil_scan::Allowlist;
use sigil_sign::minisig::{self, Signature};
use thiserror::Error;

use crate::extract::{self, DirSink, ExtractError, Extracted};
use crate::manifest::{Manifest, MANIFEST_PATH, MAX_MANIFEST_BYTES, SIGIL_DIR, SIGNATURE_PATH};
use crate::rules::{Limits, Violation};
use crate::tree::{self, Progress};
use crate::verify::{self, Actual, PackVerifyError, VerifiedPack};

/// Marker in staging directory names: `.<dest name>.sigil-staging-<random>`.
pub const STAGING_MARKER: &str = ".sigil-staging-";
/// The owner record inside a staging directory, written right after it is created:
/// `sigil-pack-staging pid=<pid> start=<start time in clock ticks since boot> boot=<boot id>`.
pub const OWNER_RECORD: &str = "owner";
/// First word of an owner record.
const OWNER_MAGIC: &str = "sigil-pack-staging";

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
    Pack(#[source] PackVerifyError),
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
    /// `replace` was asked for, but DEST holds more than an installed pack (or no pack):
    /// replacing it would delete data that no pack put there.
    #[error("{}: not replaced: it does not hold only an installed pack ({path}: {reason})", dest.display())]
    DestNotPack {
        /// DEST.
        dest: PathBuf,
        /// The first path that disqualifies it, relative to DEST.
        path: String,
        /// Why.
        reason: &'static str,
    },
    /// DEST is not something a pack can replace.
    #[error("{}: destination is not a directory", dest.display())]
    DestNotDir {
        /// DEST.
        dest: PathBuf,
    },
    /// DEST has no usable name or parent.
    #[error("{}: destination must name a directory whose parents are directories", dest.display())]
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

/// Hashes everything read through it (and optionally copies it), reporting the bytes read.
struct Tee<'a, R> {
    inner: R,
    hasher: Sha256Hasher,
    copy: Option<&'a mut File>,
    copy_error: Option<io::Error>,
    /// The progress display, the bytes read before this pass and the bytes of all passes.
    progress: (Progress<'a>, u64, u64),
}

impl<R: Read> Read for Tee<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        let (progress, read, total) = &mut self.progress;
        *read += n as u64;
        progress((*read).min(*total), *total);
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

/// Who made a staging directory: this process, identified across pid reuse and reboots.
fn owner_record() -> Option<String> {
    let pid = std::process::id();
    let start = process_start(pid)?;
    let boot = boot_id()?;
    Some(format!(
        "{OWNER_MAGIC} pid={pid} start={start} boot={boot}\n"
    ))
}

/// The kernel's boot id (changes at every boot).
fn boot_id() -> Option<String> {
    let s = fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let s = s.trim();
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')).then(|| s.to_owned())
}

/// A process's start time (clock ticks after boot, field 22 of `/proc/PID/stat`).
fn process_start(pid: u32) -> Option<u64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: fields follow the last `)`.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(19)?.parse().ok()
}

/// What an owner record says about its process.
#[derive(Debug, PartialEq, Eq)]
enum Owner {
    /// The recorded process is gone (no such pid, another start time, or another boot).
    Dead,
    /// Still running, or cannot be told: keep the directory.
    AliveOrUnknown,
}

fn parse_owner(text: &str) -> Option<(u32, u64, String)> {
    let mut w = text.trim_end_matches('\n').split(' ');
    if w.next()? != OWNER_MAGIC {
        return None;
    }
    let pid = w.next()?.strip_prefix("pid=")?.parse().ok()?;
    let start = w.next()?.strip_prefix("start=")?.parse().ok()?;
    let boot = w.next()?.strip_prefix("boot=")?.to_owned();
    if w.next().is_some() || text.lines().count() != 1 {
        return None;
    }
    Some((pid, start, boot))
}

fn owner_state(pid: u32, start: u64, boot: &str) -> Owner {
    match boot_id() {
        Some(now) if now != boot => return Owner::Dead,
        Some(_) => {}
        None => return Owner::AliveOrUnknown,
    }
    match process_start(pid) {
        Some(s) if s == start => Owner::AliveOrUnknown,
        Some(_) => Owner::Dead,
        None if std::path::Path::new("/proc/self/stat").exists() => Owner::Dead,
        None => Owner::AliveOrUnknown,
    }
}

/// Whether the directory at `path` is staging whose recorded owner is dead. Reads the record
/// without following symlinks and with a size limit.
fn stale_staging(path: &Path) -> bool {
    let record = path.join(OWNER_RECORD);
    let Ok(bytes) = verify::read_small(&record, 512) else {
        return false;
    };
    let Some((pid, start, boot)) = std::str::from_utf8(&bytes).ok().and_then(parse_owner) else {
        return false;
    };
    pid != std::process::id() && owner_state(pid, start, &boot) == Owner::Dead
}

/// Removes staging directories in `parent` left by installs that died; call only while
/// holding the parent lock. See the module docs for what counts.
fn clean_stale(parent: &Path) -> Result<Vec<PathBuf>, InstallError> {
    let mut removed = Vec::new();
    for e in fs::read_dir(parent).map_err(io_err(parent))? {
        let e = e.map_err(io_err(parent))?;
        let Some(entry_name) = e.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if !is_staging_name(&entry_name) {
            continue;
        }
        // Never follow a symlink planted under a staging name; leave anything but a directory.
        let ft = e.file_type().map_err(io_err(&e.path()))?;
        if !ft.is_dir() || !stale_staging(&e.path()) {
            continue;
        }
        fs::remove_dir_all(e.path()).map_err(io_err(&e.path()))?;
        removed.push(e.path());
    }
    Ok(removed)
}

/// Checks that `dest` holds an installed pack and nothing else, so that replacing it loses
/// nothing a pack did not put there: `.sigil/` is a directory holding exactly `SHA256SUMS`
/// and `SHA256SUMS.minisig` (regular files), the manifest parses, every regular file outside
/// `.sigil/` is listed in it, and there is nothing but regular files and directories. Listed
/// files may have changed (replacing repairs a tampered pack); a file the manifest does not
/// list is someone else's and stops the replace. The signature is not checked (trust is not
/// the question here, data loss is).
pub fn check_replaceable(dest: &Path) -> Result<(), InstallError> {
    let not_pack = |path: &str, reason: &'static str| InstallError::DestNotPack {
        dest: dest.to_owned(),
        path: path.to_owned(),
        reason,
    };
    match fs::symlink_metadata(dest.join(SIGIL_DIR)) {
        Ok(m) if m.is_dir() => {}
        _ => {
            return Err(not_pack(
                SIGIL_DIR,
                "no .sigil directory: not an installed pack",
            ))
        }
    }
    let manifest = match verify::read_small(&dest.join(MANIFEST_PATH), MAX_MANIFEST_BYTES) {
        Ok(m) => m,
        Err(PackVerifyError::Io { path, source }) => return Err(InstallError::Io { path, source }),
        Err(_) => {
            return Err(not_pack(
                MANIFEST_PATH,
                "missing, not a regular file or too large",
            ))
        }
    };
    let parsed = std::str::from_utf8(&manifest)
        .ok()
        .and_then(|t| Manifest::parse(t).ok())
        .ok_or_else(|| not_pack(MANIFEST_PATH, "not a pack manifest"))?;
    let listed: BTreeSet<&str> = parsed.names().collect();
    let unlimited = Limits {
        max_files: u64::MAX,
        max_file_bytes: u64::MAX,
        max_total_bytes: u64::MAX,
    };
    let t = tree::walk(dest, &unlimited).map_err(|e| InstallError::Io {
        path: e.path,
        source: e.source,
    })?;
    if let Some((p, _)) = t.others.first() {
        return Err(not_pack(p, "not a regular file or directory"));
    }
    if let Some(d) = t.dirs.iter().find(|d| d.starts_with(".sigil/")) {
        return Err(not_pack(d, "directory inside .sigil/"));
    }
    let sigil: Vec<&str> = t.sigil.iter().map(|f| f.rel.as_str()).collect();
    if let Some(p) = sigil
        .iter()
        .find(|p| **p != MANIFEST_PATH && **p != SIGNATURE_PATH)
    {
        return Err(not_pack(
            p,
            "file in .sigil/ that is not the manifest or its signature",
        ));
    }
    if !sigil.contains(&SIGNATURE_PATH) {
        return Err(not_pack(SIGNATURE_PATH, "missing or not a regular file"));
    }
    if let Some(f) = t.files.iter().find(|f| !listed.contains(f.rel.as_str())) {
        return Err(not_pack(&f.rel, "file not listed in the pack's manifest"));
    }
    Ok(())
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
    install_archive_allowing(
        archive,
        verifier,
        manifest_keys,
        dest,
        opts,
        &Allowlist::default(),
    )
}

/// [`install_archive`] with exceptions to the content rules (`content` lines of `allow`).
pub fn install_archive_allowing(
    archive: &Path,
    verifier: &dyn ArchiveVerifier,
    manifest_keys: &[PublicKey],
    dest: &Path,
    opts: &InstallOptions,
    allow: &Allowlist,
) -> Result<InstalledPack, InstallError> {
    install_archive_checked(
        archive,
        verifier,
        manifest_keys,
        dest,
        opts,
        allow,
        &|_, _| Ok(()),
    )
}

/// A last check on what the archive signature vouched for and the verified pack (for example
/// that the signed name and version are the ones expected), made before DEST changes.
pub type PackCheck<'a> = &'a dyn Fn(
    &ArchiveTrust,
    &VerifiedPack,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// [`install_archive_allowing`], with `check` called after step 5 and before step 6: its
/// refusal is [`InstallError::Rejected`] and leaves DEST unchanged.
///
/// Missing parent directories of DEST are made first (mode 0755 less the umask), as
/// `install -D` and `cargo install --root` do; when the install fails they are removed again,
/// so a refused install leaves the file system as it was.
pub fn install_archive_checked(
    archive: &Path,
    verifier: &dyn ArchiveVerifier,
    manifest_keys: &[PublicKey],
    dest: &Path,
    opts: &InstallOptions,
    allow: &Allowlist,
    check: PackCheck<'_>,
) -> Result<InstalledPack, InstallError> {
    let hooks = InstallHooks {
        allow,
        check,
        progress: &|_, _| {},
    };
    install_archive_hooks(archive, verifier, manifest_keys, dest, opts, &hooks)
}

/// What a caller adds to an install: exceptions to the content rules, a last check (see
/// [`install_archive_checked`]) and a progress display.
#[derive(Clone, Copy)]
pub struct InstallHooks<'a> {
    /// `content` exceptions.
    pub allow: &'a Allowlist,
    /// Called after the pack inside verified, before DEST changes.
    pub check: PackCheck<'a>,
    /// (archive bytes read, twice the archive's size): it is read once to verify its
    /// signature and once to extract it.
    pub progress: Progress<'a>,
}

/// [`install_archive_checked`] with a progress display.
pub fn install_archive_hooks(
    archive: &Path,
    verifier: &dyn ArchiveVerifier,
    manifest_keys: &[PublicKey],
    dest: &Path,
    opts: &InstallOptions,
    hooks: &InstallHooks<'_>,
) -> Result<InstalledPack, InstallError> {
    let made = make_parents(dest)?;
    let result = install_into_existing_parent(archive, verifier, manifest_keys, dest, opts, hooks);
    if result.is_err() {
        remove_made(&made);
    }
    result
}

/// Makes DEST's missing ancestors, outermost first; returns the directories made. An ancestor
/// that exists but is not a directory is [`InstallError::DestInvalid`].
fn make_parents(dest: &Path) -> Result<Vec<PathBuf>, InstallError> {
    let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) else {
        return Ok(Vec::new());
    };
    let mut missing = Vec::new();
    for a in parent.ancestors().filter(|a| !a.as_os_str().is_empty()) {
        match fs::symlink_metadata(a) {
            Ok(_) if a.is_dir() => break,
            Ok(_) => {
                return Err(InstallError::DestInvalid {
                    dest: dest.to_owned(),
                })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => missing.push(a.to_owned()),
            // A regular file further up (`file/sub`).
            Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
                return Err(InstallError::DestInvalid {
                    dest: dest.to_owned(),
                })
            }
            Err(e) => {
                return Err(InstallError::Io {
                    path: a.to_owned(),
                    source: e,
                })
            }
        }
    }
    let mut made = Vec::new();
    for d in missing.into_iter().rev() {
        if let Err(e) = fs::DirBuilder::new().mode(0o755).create(&d) {
            remove_made(&made);
            return Err(InstallError::Io { path: d, source: e });
        }
        made.push(d);
    }
    Ok(made)
}

/// Removes directories [`make_parents`] made, innermost first, if they are still empty.
fn remove_made(made: &[PathBuf]) {
    for d in made.iter().rev() {
        let _ = fs::remove_dir(d);
    }
}

fn install_into_existing_parent(
    archive: &Path,
    verifier: &dyn ArchiveVerifier,
    manifest_keys: &[PublicKey],
    dest: &Path,
    opts: &InstallOptions,
    hooks: &InstallHooks<'_>,
) -> Result<InstalledPack, InstallError> {
    let InstallHooks {
        allow,
        check,
        progress,
    } = *hooks;
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
    if existing {
        check_replaceable(dest)?;
    }

    let (mut file, meta) = sigil_core::input::open(archive).map_err(io_err(archive))?;
    let (len, total) = (meta.len(), meta.len().saturating_mul(2));
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
    // Without a record (no /proc), nobody will ever clean this up as stale: only this run.
    if let Some(record) = owner_record() {
        let path = staging.path().join(OWNER_RECORD);
        sigil_keys::write_new_file(&path, record.as_bytes(), 0o600, false).map_err(|e| {
            InstallError::Io {
                path: path.clone(),
                source: io::Error::other(e.to_string()),
            }
        })?;
    }
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
            progress: (progress, 0, total),
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
    let mut sink = DirSink::new(&root).map_err(io_err(&root))?;
    let extracted = match format {
        Format::TarGz => {
            file.seek(SeekFrom::Start(0)).map_err(io_err(archive))?;
            let mut tee = Tee {
                inner: &mut file,
                hasher: Sha256Hasher::default(),
                copy: None,
                copy_error: None,
                progress: (progress, len, total),
            };
            let r = extract::extract_tar_gz_pipelined_allowing(
                &mut tee,
                &opts.limits,
                allow,
                &mut sink,
            );
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
            extract::extract_zip_allowing(&mut copy, &opts.limits, allow, &mut sink)
                .map_err(|e| extract_error(e, &root))?
        }
    };

    // Step 5: the pack inside, against its own signed manifest.
    let pack = verify_extracted(&root, extracted, manifest_keys, &opts.limits)
        .map_err(InstallError::Pack)?;
    check(&trust, &pack).map_err(InstallError::Rejected)?;

    // Step 6: into place.
    let replaced = if existing {
        let old = exchange(&root, dest)?;
        // DEST was checked before the (long) extraction; check what was really swapped out.
        if let Err(e) = check_replaceable(&old) {
            exchange_back(&old, dest)?;
            return Err(match e {
                InstallError::DestNotPack { path, reason, .. } => InstallError::DestNotPack {
                    dest: dest.to_owned(),
                    path,
                    reason,
                },
                other => other,
            });
        }
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
    x: Extracted,
    keys: &[PublicKey],
    limits: &Limits,
) -> Result<VerifiedPack, PackVerifyError> {
    let manifest = verify::read_small(
        &root.join(MANIFEST_PATH),
        crate::manifest::MAX_MANIFEST_BYTES,
    )?;
    let signature = verify::read_small(
        &root.join(SIGNATURE_PATH),
        minisig::MAX_SIGNATURE_FILE as u64,
    )?;
    let v = verify::verify_manifest(&manifest, &signature, keys, limits)?;
    let mut sigil_extra = Vec::new();
    // The paths move out of `x` in byte order: the map is built in one pass, with no copies.
    let present: BTreeMap<String, Actual> = x
        .files
        .into_iter()
        .filter_map(|(path, (d, n))| {
            if path == MANIFEST_PATH || path == SIGNATURE_PATH {
                return None;
            }
            if path.starts_with(".sigil/") {
                sigil_extra.push(path);
                return None;
            }
            Some((path, Actual::File(d, n)))
        })
        .collect();
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

/// Swaps `from` (new tree) and `to` (old tree) atomically; returns where the old tree is now.
fn exchange(from: &Path, to: &Path) -> Result<PathBuf, InstallError> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    match renameat_with(CWD, from, CWD, to, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(from.to_owned()),
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
            Ok(aside)
        }
        Err(e) => Err(InstallError::Io {
            path: to.to_owned(),
            source: e.into(),
        }),
    }
}

/// Puts the old tree (at `old`, in staging) back at `dest`; the new tree goes back to staging.
fn exchange_back(old: &Path, dest: &Path) -> Result<(), InstallError> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    match renameat_with(CWD, old, CWD, dest, RenameFlags::EXCHANGE) {
        Ok(()) => Ok(()),
        Err(rustix::io::Errno::INVAL) | Err(rustix::io::Errno::NOSYS) => {
            let new_aside = old.with_file_name("new");
            fs::rename(dest, &new_aside).map_err(io_err(dest))?;
            fs::rename(old, dest).map_err(io_err(dest))
        }
        Err(e) => Err(InstallError::Io {
            path: dest.to_owned(),
            source: e.into(),
        }),
    }
}

/// Re-verifies an installed pack (same as [`crate::verify_dir`]).
pub fn check_installed(
    dest: &Path,
    keys: &[PublicKey],
    limits: &Limits,
) -> Result<VerifiedPack, PackVerifyError> {
    verify::verify_dir(dest, keys, limits)
}

/// SHA-256 of a whole file, for callers that pin archives.
pub fn file_digest(path: &Path) -> io::Result<Sha256Digest> {
    Ok(sigil_core::sha256_reader(sigil_core::input::open(path)?.0)?.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree that looks like an installed pack of `files` (the signature is not checked).
    fn installed(files: &[(&str, &[u8])]) -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        let mut manifest = String::new();
        let mut names: Vec<_> = files.to_vec();
        names.sort();
        for (name, data) in &names {
            let p = d.path().join(name);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, data).unwrap();
            manifest.push_str(&format!("{}  {name}\n", Sha256Digest::of(data).to_hex()));
        }
        fs::create_dir(d.path().join(SIGIL_DIR)).unwrap();
        fs::write(d.path().join(MANIFEST_PATH), manifest).unwrap();
        fs::write(d.path().join(SIGNATURE_PATH), "sig").unwrap();
        d
    }

    fn check(dir: &Path, expect: Result<(), (&str, &str)>) {
        match (check_replaceable(dir), expect) {
            (Ok(()), Ok(())) => {}
            (Err(InstallError::DestNotPack { path, reason, .. }), Err((p, r))) => {
                assert_eq!((path.as_str(), reason), (p, r));
            }
            (got, expect) => panic!("got {got:?}, expected {expect:?}"),
        }
    }

    #[test]
    fn only_an_installed_pack_and_nothing_else_is_replaceable() {
        let d = installed(&[("a.txt", b"a"), ("docs/b.md", b"b")]);
        check(d.path(), Ok(()));
        // A listed file that changed is still the pack's.
        fs::write(d.path().join("a.txt"), "tampered").unwrap();
        check(d.path(), Ok(()));
        fs::write(d.path().join("docs/notes.txt"), "mine").unwrap();
        check(
            d.path(),
            Err(("docs/notes.txt", "file not listed in the pack's manifest")),
        );
        fs::remove_file(d.path().join("docs/notes.txt")).unwrap();
        std::os::unix::fs::symlink("/etc", d.path().join("link")).unwrap();
        check(d.path(), Err(("link", "not a regular file or directory")));
        fs::remove_file(d.path().join("link")).unwrap();
        fs::write(d.path().join(".sigil/extra"), "x").unwrap();
        check(
            d.path(),
            Err((
                ".sigil/extra",
                "file in .sigil/ that is not the manifest or its signature",
            )),
        );
        fs::remove_file(d.path().join(".sigil/extra")).unwrap();
        fs::write(d.path().join(MANIFEST_PATH), "not a manifest").unwrap();
        check(d.path(), Err((MANIFEST_PATH, "not a pack manifest")));

        let plain = tempfile::tempdir().unwrap();
        fs::write(plain.path().join("thesis.txt"), "work").unwrap();
        check(
            plain.path(),
            Err((SIGIL_DIR, "no .sigil directory: not an installed pack")),
        );
    }

    #[test]
    fn owner_records_name_live_and_dead_processes() {
        let record = owner_record().expect("/proc is mounted");
        let (pid, start, boot) = parse_owner(&record).unwrap();
        assert_eq!(pid, std::process::id());
        assert_eq!(owner_state(pid, start, &boot), Owner::AliveOrUnknown);
        assert_eq!(owner_state(pid, start + 1, &boot), Owner::Dead);
        assert_eq!(owner_state(pid, start, "another-boot"), Owner::Dead);
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        assert_eq!(owner_state(dead, 1, &boot), Owner::Dead);
        for bad in [
            "",
            "pid=1 start=2 boot=x\n",
            "sigil-pack-staging pid=1 start=2\n",
            "sigil-pack-staging pid=1 start=2 boot=x extra\n",
            "sigil-pack-staging pid=x start=2 boot=x\n",
        ] {
            assert_eq!(parse_owner(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn only_staging_with_a_dead_owner_is_stale() {
        let parent = tempfile::tempdir().unwrap();
        let boot = boot_id().unwrap();
        let mk = |name: &str, record: Option<String>| {
            let p = parent.path().join(name);
            fs::create_dir(&p).unwrap();
            if let Some(r) = record {
                fs::write(p.join(OWNER_RECORD), r).unwrap();
            }
            p
        };
        let none = mk(".d.sigil-staging-a", None);
        let me = std::process::id();
        let live = mk(
            ".d.sigil-staging-b",
            Some(format!(
                "{OWNER_MAGIC} pid={me} start={} boot={boot}\n",
                process_start(me).unwrap()
            )),
        );
        let dead = mk(
            ".d.sigil-staging-c",
            Some(format!("{OWNER_MAGIC} pid={me} start=0 boot=gone\n")),
        );
        let other = mk(".d.unrelated", None);
        let removed = clean_stale(parent.path()).unwrap();
        // Our own pid is never stale, whatever the record says.
        assert_eq!(removed, Vec::<PathBuf>::new());
        assert!(none.exists() && live.exists() && dead.exists() && other.exists());
        fs::write(
            dead.join(OWNER_RECORD),
            format!("{OWNER_MAGIC} pid=999999999 start=0 boot=gone\n"),
        )
        .unwrap();
        assert_eq!(clean_stale(parent.path()).unwrap(), vec![dead.clone()]);
        assert!(!dead.exists() && none.exists() && live.exists());
    }
}
