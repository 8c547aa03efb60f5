//! `sign_dir`: data-only rules and a secret scan, then the manifest and its signature.

use std::fs;
use std::io::{self, Read as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rayon::prelude::*;
use sigil_core::digest::Sha256Hasher;
use sigil_keys::SecretKey;
use sigil_scan::{Finding, Kind, Scanner};
use sigil_sign::minisig;
use sigil_sign::sums::Entry;
use thiserror::Error;

use crate::content::ContentCheck;
use crate::manifest::{
    self, CommentParseError, PackComment, MANIFEST_PATH, SIGIL_DIR, SIGNATURE_PATH,
};
use crate::rules::{code, Limits, Violation};
use crate::tree::{self, Progress, TreeIoError};
use crate::verify::PackSigner;

/// What to sign.
#[derive(Debug, Clone)]
pub struct SignOptions<'a> {
    /// Pack name.
    pub name: &'a str,
    /// Pack version.
    pub version: &'a str,
    /// Limits the pack must keep.
    pub limits: Limits,
    /// The secret scanner (with its allowlist).
    pub scanner: &'a Scanner,
    /// The untrusted comment line of the signature.
    pub untrusted_comment: &'a str,
}

/// A signed pack.
#[derive(Debug, Clone)]
pub struct SignedPack {
    /// What the signature states.
    pub comment: PackComment,
    /// Who signed: the key, or the keyless identity.
    pub signer: PackSigner,
    /// `DIR/.sigil/SHA256SUMS`.
    pub manifest_path: PathBuf,
    /// `DIR/.sigil/SHA256SUMS.minisig`, or `.sigstore.json` for a keyless pack.
    pub signature_path: PathBuf,
    /// Placeholders the scan saw (not leaks; reported only).
    pub placeholders: Vec<Finding>,
}

/// Why a pack was not signed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SignError {
    /// Data-only violations or leaked secrets: every one of them is listed.
    #[error("pack refused: {} data-only violation(s), {} secret(s) found", violations.len(), secrets.len())]
    Refused {
        /// Data-only violations.
        violations: Vec<Violation>,
        /// Secret-scan leaks (redacted).
        secrets: Vec<Finding>,
    },
    /// Bad name or version.
    #[error(transparent)]
    Name(CommentParseError),
    /// The directory has no files.
    #[error("{}: a pack needs at least one file", dir.display())]
    Empty {
        /// The directory.
        dir: PathBuf,
    },
    /// Signing failed.
    #[error("signing: {0}")]
    Sign(#[source] minisig::SignError),
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

impl From<TreeIoError> for SignError {
    fn from(e: TreeIoError) -> Self {
        SignError::Io {
            path: e.path,
            source: e.source,
        }
    }
}

/// A checked pack whose manifest is ready to sign (keyless signing signs it elsewhere).
#[derive(Debug, Clone)]
pub struct Unsigned {
    /// What the signature will state.
    pub comment: PackComment,
    /// The manifest text, `.sigil/SHA256SUMS`.
    pub manifest: String,
    /// Placeholders the scan saw (not leaks; reported only).
    pub placeholders: Vec<Finding>,
}

/// Whether `rel` is a file sign and verify expect under `.sigil/`.
pub(crate) fn is_sigil_file(rel: &str) -> bool {
    [MANIFEST_PATH, SIGNATURE_PATH, crate::keyless::BUNDLE_PATH].contains(&rel)
}

/// Walks `dir`, checks the data-only rules (modes, types, names, and contents: see
/// [`crate::content`]; the scanner's allowlist holds the `content` exceptions) and scans
/// every file for secrets (one read per file, hashing in the same pass, in parallel). Any violation or leak refuses with the
/// full list. Otherwise writes `.sigil/SHA256SUMS` and `.sigil/SHA256SUMS.minisig`.
pub fn sign_dir(
    dir: &Path,
    key: &SecretKey,
    opts: &SignOptions<'_>,
) -> Result<SignedPack, SignError> {
    sign_dir_progress(dir, key, opts, &|_, _| {})
}

/// [`sign_dir`], reporting the files scanned so far to `progress`.
pub fn sign_dir_progress(
    dir: &Path,
    key: &SecretKey,
    opts: &SignOptions<'_>,
    progress: Progress<'_>,
) -> Result<SignedPack, SignError> {
    let Unsigned {
        comment,
        manifest: text,
        placeholders,
    } = check_dir_progress(dir, opts, progress)?;
    let sig = minisig::sign(
        key,
        text.as_bytes(),
        &comment.to_string(),
        opts.untrusted_comment,
        |_| {},
    )
    .map_err(SignError::Sign)?;
    let sigil = dir.join(SIGIL_DIR);
    fs::create_dir_all(&sigil).map_err(|source| SignError::Io {
        path: sigil.clone(),
        source,
    })?;
    let manifest_path = dir.join(MANIFEST_PATH);
    let signature_path = dir.join(SIGNATURE_PATH);
    let write = |p: &Path, b: &[u8]| {
        sigil_keys::write_new_file(p, b, 0o644, true).map_err(|e| SignError::Io {
            path: p.to_owned(),
            source: io::Error::other(e.to_string()),
        })
    };
    write(&manifest_path, text.as_bytes())?;
    write(&signature_path, sig.to_text().as_bytes())?;
    // A keyless bundle from an earlier signing signs another manifest.
    let stale = dir.join(crate::keyless::BUNDLE_PATH);
    match fs::remove_file(&stale) {
        Err(source) if source.kind() != io::ErrorKind::NotFound => {
            return Err(SignError::Io {
                path: stale,
                source,
            })
        }
        _ => {}
    }
    Ok(SignedPack {
        comment,
        signer: PackSigner::Key(key.key_id()),
        manifest_path,
        signature_path,
        placeholders,
    })
}

/// The checks of [`sign_dir`] and the manifest, without signing or writing anything.
pub fn check_dir(dir: &Path, opts: &SignOptions<'_>) -> Result<Unsigned, SignError> {
    check_dir_progress(dir, opts, &|_, _| {})
}

/// [`check_dir`], reporting the files scanned so far to `progress`.
pub fn check_dir_progress(
    dir: &Path,
    opts: &SignOptions<'_>,
    progress: Progress<'_>,
) -> Result<Unsigned, SignError> {
    manifest::check_name(opts.name).map_err(SignError::Name)?;
    manifest::check_version(opts.version).map_err(SignError::Name)?;
    let sigil = dir.join(SIGIL_DIR);
    let mut violations = Vec::new();
    match fs::symlink_metadata(&sigil) {
        Ok(m) if !m.is_dir() => violations.push(Violation::new(
            SIGIL_DIR,
            code::SYMLINK,
            ".sigil must be a directory",
        )),
        _ => {}
    }
    let t = tree::walk(dir, &opts.limits)?;
    violations.extend(t.violations);
    for f in &t.sigil {
        if !is_sigil_file(&f.rel) {
            violations.push(Violation::new(
                &f.rel,
                code::DUPLICATE_ENTRY,
                "only SHA256SUMS and SHA256SUMS.minisig belong in .sigil/",
            ));
        }
    }
    for (p, _) in t.others.iter().filter(|(p, _)| p.starts_with(".sigil/")) {
        violations.push(Violation::new(
            p,
            code::DUPLICATE_ENTRY,
            "only SHA256SUMS and SHA256SUMS.minisig belong in .sigil/",
        ));
    }
    if t.files.is_empty() && violations.is_empty() {
        return Err(SignError::Empty {
            dir: dir.to_owned(),
        });
    }
    let count = AtomicU64::new(0);
    let scanned: Vec<_> = t
        .files
        .par_iter()
        .map(|f| -> Result<_, SignError> {
            let file = tree::open_walked(f)?;
            let mut h = Sha256Hasher::default();
            let mut n = 0u64;
            let mut content = ContentCheck::for_path(&f.rel);
            let findings = opts
                .scanner
                .scan_reader(&f.rel, file.take(u64::MAX), |b| {
                    h.update(b);
                    content.update(b);
                    n += b.len() as u64;
                })
                .map_err(|source| SignError::Io {
                    path: f.path.clone(),
                    source,
                })?;
            let done = count.fetch_add(1, Ordering::Relaxed) + 1;
            progress(done, t.files.len() as u64);
            Ok((h.finalize(), n, findings, content.finish()))
        })
        .collect();
    let allow = opts.scanner.allowlist();
    let mut entries = Vec::with_capacity(t.files.len());
    let mut secrets = Vec::new();
    let mut placeholders = Vec::new();
    let mut bytes = 0u64;
    // The walk's paths move into the manifest entries: one copy of each path, not two.
    for (f, r) in t.files.into_iter().zip(scanned) {
        let (digest, n, findings, content) = r?;
        bytes += n;
        if let Some((rule, detail)) = content {
            if allow.content_exception(&f.rel).is_none() {
                violations.push(Violation::new(&f.rel, rule, detail));
            }
        }
        for finding in findings {
            match finding.kind {
                Kind::Leak => secrets.push(finding),
                Kind::Placeholder => placeholders.push(finding),
            }
        }
        entries.push(Entry {
            digest,
            name: f.rel,
        });
    }
    if !violations.is_empty() || !secrets.is_empty() {
        return Err(SignError::Refused {
            violations,
            secrets,
        });
    }
    let text = manifest::text_of(&entries);
    let comment = PackComment {
        name: opts.name.to_owned(),
        version: opts.version.to_owned(),
        files: entries.len() as u64,
        bytes,
    };
    Ok(Unsigned {
        comment,
        manifest: text,
        placeholders,
    })
}
