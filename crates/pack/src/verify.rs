//! `verify_dir`: a pack directory against its signed manifest, exactly.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use sigil_core::Sha256Digest;
use sigil_keys::{KeyId, PublicKey};
use sigil_scan::Allowlist;
use sigil_sign::minisig::{self, Signature, SignatureParseError, MAX_SIGNATURE_FILE};
use thiserror::Error;

use crate::manifest::{
    CommentParseError, Manifest, ManifestParseError, PackComment, MANIFEST_PATH,
    MAX_MANIFEST_BYTES, SIGIL_DIR, SIGNATURE_PATH,
};
use crate::rules::{code, Limits, PackCode, Violation};
use crate::tree::{self, Found, Progress, TreeIoError, Visit};

/// What kind of difference a [`Problem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// Listed, not present.
    Missing,
    /// Present, not listed.
    Extra,
    /// Listed and present, different content.
    Changed,
    /// Listed as a file, present as something else.
    TypeChanged,
    /// A data-only rule is broken (exec bit added, hard link...): the rule code.
    Rule(&'static str),
}

impl ProblemKind {
    /// Stable code: `missing`, `extra`, `changed`, `type-changed` or the rule's code.
    pub fn code(self) -> &'static str {
        match self {
            ProblemKind::Missing => PackCode::Missing.code(),
            ProblemKind::Extra => PackCode::Extra.code(),
            ProblemKind::Changed => PackCode::Changed.code(),
            ProblemKind::TypeChanged => PackCode::TypeChanged.code(),
            ProblemKind::Rule(c) => c,
        }
    }
}

/// One difference between a tree and its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Relative path.
    pub path: String,
    /// The difference.
    pub kind: ProblemKind,
    /// Detail for people.
    pub detail: String,
}

/// Who signed a pack's manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackSigner {
    /// A minisign key (`.sigil/SHA256SUMS.minisig`).
    Key(KeyId),
    /// A keyless Sigstore identity (`.sigil/SHA256SUMS.sigstore.json`).
    Keyless {
        /// The certificate's identity (SAN).
        identity: String,
        /// The OIDC issuer.
        issuer: String,
    },
}

impl std::fmt::Display for PackSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PackSigner::Key(k) => write!(f, "key {k}"),
            PackSigner::Keyless { identity, issuer } => {
                write!(f, "keyless identity {identity} (issuer {issuer})")
            }
        }
    }
}

/// A pack that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedPack {
    /// The signed name, version, count and size.
    pub comment: PackComment,
    /// Who signed the manifest.
    pub signer: PackSigner,
    /// The verified manifest.
    pub manifest: Manifest,
}

/// Why a pack did not verify. Every variant is "not verified" except [`PackVerifyError::Io`].
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PackVerifyError {
    /// The manifest or its signature is absent or not a regular file.
    #[error("{path}: missing or not a regular file")]
    Missing {
        /// The path.
        path: PathBuf,
    },
    /// `.sigil` is a symlink or another non-directory: its contents are not read through it.
    #[error(
        ".sigil is a {found}, not a directory (a pack's manifest is never read through a link)"
    )]
    SigilNotDir {
        /// What `.sigil` is (`symlink`, `file`...).
        found: &'static str,
    },
    /// The manifest or signature is larger than allowed or not UTF-8.
    #[error("{path}: {reason}")]
    Unreadable {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: &'static str,
    },
    /// The signature file does not parse.
    #[error("{SIGNATURE_PATH}: {0}")]
    SignatureParse(#[source] SignatureParseError),
    /// No trusted key has the signature's key id.
    #[error("manifest is signed by key {key_id}, which is not a trusted key")]
    UntrustedKey {
        /// The signature's key id.
        key_id: KeyId,
    },
    /// The signature does not verify.
    #[error("{MANIFEST_PATH}: {0}")]
    Signature(#[source] minisig::VerifyError),
    /// The keyless bundle does not verify for the identity.
    #[error(".sigil/SHA256SUMS.sigstore.json: {0}")]
    Keyless(#[source] sigil_sigstore::BundleVerifyError),
    /// The keyless bundle's statement is not a pack statement.
    #[error("pack statement: {0}")]
    Statement(String),
    /// The trusted comment is not a pack comment.
    #[error(transparent)]
    Comment(CommentParseError),
    /// The manifest breaks the manifest rules.
    #[error(transparent)]
    Manifest(ManifestParseError),
    /// The signed count or size does not match the manifest or the files.
    #[error("signed {field} is {signed} but the pack has {actual}")]
    CommentMismatch {
        /// `files` or `bytes`.
        field: &'static str,
        /// What the signature says.
        signed: u64,
        /// What is there.
        actual: u64,
    },
    /// The manifest is over the limits.
    #[error("{0}")]
    Limit(Violation),
    /// The tree differs from the manifest.
    #[error("{} of pack {} {} differ from the signed manifest", problems.len(), comment.name, comment.version)]
    Tree {
        /// The signed comment (authentic: the signature verified).
        comment: PackComment,
        /// Every difference, by path.
        problems: Vec<Problem>,
    },
    /// Reading failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

impl From<TreeIoError> for PackVerifyError {
    fn from(e: TreeIoError) -> Self {
        PackVerifyError::Io {
            path: e.path,
            source: e.source,
        }
    }
}

/// Reads a small regular file without following a symlink at its name.
pub(crate) fn read_small(path: &Path, limit: u64) -> Result<Vec<u8>, PackVerifyError> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_file() => {}
        Ok(_) => {
            return Err(PackVerifyError::Missing {
                path: path.to_owned(),
            })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(PackVerifyError::Missing {
                path: path.to_owned(),
            })
        }
        Err(source) => {
            return Err(PackVerifyError::Io {
                path: path.to_owned(),
                source,
            })
        }
    }
    let (f, _) = sigil_core::input::open(path).map_err(|source| PackVerifyError::Io {
        path: path.to_owned(),
        source,
    })?;
    sigil_core::input::read_bounded(f, limit).map_err(|e| match e {
        sigil_core::input::ReadBoundedError::TooLarge { .. } => PackVerifyError::Unreadable {
            path: path.to_owned(),
            reason: "file is larger than allowed",
        },
        e => PackVerifyError::Io {
            path: path.to_owned(),
            source: e.into(),
        },
    })
}

/// Whether a content-rule violation has an exception in `allow`.
pub(crate) fn content_allowed(allow: &Allowlist, v: &Violation) -> bool {
    [code::EXECUTABLE_CONTENT, code::CONTENT_MISMATCH].contains(&v.rule)
        && allow.content_exception(&v.path).is_some()
}

/// `DIR/.sigil` must be a real directory (not followed when it is a symlink).
pub(crate) fn check_sigil_dir(dir: &Path) -> Result<(), PackVerifyError> {
    let path = dir.join(SIGIL_DIR);
    match fs::symlink_metadata(&path) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(m) => Err(PackVerifyError::SigilNotDir {
            found: if m.file_type().is_symlink() {
                "symlink"
            } else if m.is_file() {
                "file"
            } else {
                "special file"
            },
        }),
        // Absent: the manifest read reports it as missing.
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(PackVerifyError::Io { path, source }),
    }
}

/// Picks the trusted key for a signature: same key id, or a PEM key (which has none).
pub fn key_for<'a>(keys: &'a [PublicKey], sig: &Signature) -> Option<&'a PublicKey> {
    keys.iter()
        .find(|k| !k.key_id_is_derived() && k.key_id() == sig.key_id)
        .or_else(|| keys.iter().find(|k| k.key_id_is_derived()))
}

/// Verifies manifest bytes against signature text and trusted keys; parses both.
pub fn verify_manifest(
    manifest: &[u8],
    signature: &[u8],
    keys: &[PublicKey],
    limits: &Limits,
) -> Result<VerifiedPack, PackVerifyError> {
    let (comment, key_id) = check_signature(manifest, signature, keys)?;
    let text = std::str::from_utf8(manifest).map_err(|_| not_utf8())?;
    let manifest = Manifest::parse(text).map_err(PackVerifyError::Manifest)?;
    check_counts(comment, PackSigner::Key(key_id), manifest, limits)
}

/// [`verify_manifest`], keeping the bytes read as the manifest's text (no second copy).
fn verify_manifest_owned(
    manifest: Vec<u8>,
    signature: &[u8],
    keys: &[PublicKey],
    limits: &Limits,
) -> Result<VerifiedPack, PackVerifyError> {
    let (comment, key_id) = check_signature(&manifest, signature, keys)?;
    let text = String::from_utf8(manifest).map_err(|_| not_utf8())?;
    let manifest = Manifest::parse_owned(text).map_err(PackVerifyError::Manifest)?;
    check_counts(comment, PackSigner::Key(key_id), manifest, limits)
}

fn not_utf8() -> PackVerifyError {
    PackVerifyError::Unreadable {
        path: MANIFEST_PATH.into(),
        reason: "manifest is not UTF-8",
    }
}

/// The signature over the manifest by a trusted key, and its trusted comment.
fn check_signature(
    manifest: &[u8],
    signature: &[u8],
    keys: &[PublicKey],
) -> Result<(PackComment, KeyId), PackVerifyError> {
    let sig_text = std::str::from_utf8(signature).map_err(|_| PackVerifyError::Unreadable {
        path: SIGNATURE_PATH.into(),
        reason: "signature is not UTF-8",
    })?;
    let sig = Signature::parse(sig_text).map_err(PackVerifyError::SignatureParse)?;
    let key = key_for(keys, &sig).ok_or(PackVerifyError::UntrustedKey { key_id: sig.key_id })?;
    let v = minisig::verify(key, &sig, manifest, |_| {}).map_err(PackVerifyError::Signature)?;
    let comment = PackComment::parse(&v.trusted_comment).map_err(PackVerifyError::Comment)?;
    Ok((comment, v.key_id))
}

/// The signed count against the manifest, and both against the limits.
pub(crate) fn check_counts(
    comment: PackComment,
    signer: PackSigner,
    manifest: Manifest,
    limits: &Limits,
) -> Result<VerifiedPack, PackVerifyError> {
    let files = manifest.len() as u64;
    if comment.files != files {
        return Err(PackVerifyError::CommentMismatch {
            field: "files",
            signed: comment.files,
            actual: files,
        });
    }
    if files > limits.max_files {
        return Err(PackVerifyError::Limit(Violation::new(
            "",
            code::TOO_MANY_FILES,
            format!(
                "manifest lists {files} files, more than {}",
                limits.max_files
            ),
        )));
    }
    if comment.bytes > limits.max_total_bytes {
        return Err(PackVerifyError::Limit(Violation::new(
            "",
            code::TOTAL_TOO_LARGE,
            format!(
                "pack holds {} bytes, more than the {}-byte total limit",
                comment.bytes, limits.max_total_bytes
            ),
        )));
    }
    Ok(VerifiedPack {
        comment,
        signer,
        manifest,
    })
}

/// What is on disk (or came out of an archive) at a listed path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actual {
    /// A regular file with this digest and size.
    File(Sha256Digest, u64),
    /// Something else (`symlink`, `directory`, `fifo`...).
    Other(&'static str),
}

/// Compares the verified manifest with what is there. `present` holds every path outside
/// `.sigil/`; `sigil_extra` the unexpected names inside it.
pub fn compare(
    v: &VerifiedPack,
    present: &BTreeMap<String, Actual>,
    sigil_extra: &[String],
    problems: Vec<Problem>,
) -> Result<(), PackVerifyError> {
    // A `String` map iterates in byte order, the manifest's order.
    let mut m = Merge::new(&v.manifest, problems);
    for (p, a) in present {
        m.present(p, *a);
    }
    for p in sigil_extra {
        m.sigil_extra(p);
    }
    m.finish(&v.comment)
}

/// One merge of the sorted manifest with what is present, given in byte order of paths
/// (a stream: nothing present is held).
struct Merge<'m> {
    manifest: &'m Manifest,
    /// The first entry not yet matched or reported missing.
    next: usize,
    bytes: u64,
    problems: Vec<Problem>,
}

impl<'m> Merge<'m> {
    fn new(manifest: &'m Manifest, problems: Vec<Problem>) -> Self {
        Self {
            manifest,
            next: 0,
            bytes: 0,
            problems,
        }
    }

    /// Reports the entries listed before `path` as missing; whether `path` is listed
    /// (it is then matched).
    fn seek(&mut self, path: &str) -> Option<usize> {
        let m = self.manifest;
        while self.next < m.len() && m.name(self.next).as_bytes() < path.as_bytes() {
            self.problems.push(Problem {
                path: m.name(self.next).to_owned(),
                kind: ProblemKind::Missing,
                detail: "listed in the manifest, not present".into(),
            });
            self.next += 1;
        }
        (self.next < m.len() && m.name(self.next) == path).then(|| {
            self.next += 1;
            self.next - 1
        })
    }

    /// What is at `path` (outside `.sigil/`; paths in byte order, a path at most once
    /// unless lossy).
    fn present(&mut self, path: &str, a: Actual) {
        let Some(i) = self.seek(path) else {
            let detail = match a {
                Actual::Other("directory") => return,
                Actual::File(..) => "file not in the manifest".to_owned(),
                Actual::Other(kind) => format!("{kind} not in the manifest"),
            };
            self.problems.push(Problem {
                path: path.to_owned(),
                kind: ProblemKind::Extra,
                detail,
            });
            return;
        };
        let signed = self.manifest.digest(i);
        match a {
            Actual::Other(kind) => self.problems.push(Problem {
                path: path.to_owned(),
                kind: ProblemKind::TypeChanged,
                detail: format!("listed as a file, present as a {kind}"),
            }),
            Actual::File(d, n) if d == signed => self.bytes += n,
            Actual::File(d, _) => self.problems.push(Problem {
                path: path.to_owned(),
                kind: ProblemKind::Changed,
                detail: format!("sha256 {} (signed {})", d.to_hex(), signed.to_hex()),
            }),
        }
    }

    /// A name in `.sigil/` other than the manifest and its signatures.
    fn sigil_extra(&mut self, path: &str) {
        self.problems.push(Problem {
            path: path.to_owned(),
            kind: ProblemKind::Extra,
            detail: "only SHA256SUMS and SHA256SUMS.minisig belong in .sigil/".into(),
        });
    }

    /// The rest of the manifest is missing; then the verdict.
    fn finish(mut self, comment: &PackComment) -> Result<(), PackVerifyError> {
        let m = self.manifest;
        for i in self.next..m.len() {
            self.problems.push(Problem {
                path: m.name(i).to_owned(),
                kind: ProblemKind::Missing,
                detail: "listed in the manifest, not present".into(),
            });
        }
        let mut problems = self.problems;
        if !problems.is_empty() {
            problems.sort_by(|a, b| (&a.path, a.kind.code()).cmp(&(&b.path, b.kind.code())));
            problems.dedup_by(|a, b| a.path == b.path && a.kind == b.kind);
            return Err(PackVerifyError::Tree {
                comment: comment.clone(),
                problems,
            });
        }
        if self.bytes != comment.bytes {
            return Err(PackVerifyError::CommentMismatch {
                field: "bytes",
                signed: comment.bytes,
                actual: self.bytes,
            });
        }
        Ok(())
    }
}

/// Verifies a pack directory: `.sigil` a real directory, the manifest's signature by a
/// trusted key, the signed comment against the manifest, then the exact tree (nothing
/// missing, extra, changed or of another type, no data-only violation: modes, empty or
/// world-writable directories, contents). Files hash in parallel. At least as strict as
/// [`crate::sign_dir`]: whatever sign refuses, verify refuses.
pub fn verify_dir(
    dir: &Path,
    keys: &[PublicKey],
    limits: &Limits,
) -> Result<VerifiedPack, PackVerifyError> {
    verify_dir_allowing(dir, keys, limits, &Allowlist::default())
}

/// [`verify_dir`] with exceptions to the content rules: `content` lines of an allowlist
/// (the same file the publisher signed with, or the consumer's own).
pub fn verify_dir_allowing(
    dir: &Path,
    keys: &[PublicKey],
    limits: &Limits,
    allow: &Allowlist,
) -> Result<VerifiedPack, PackVerifyError> {
    verify_dir_progress(dir, keys, limits, allow, &|_, _| {})
}

/// [`verify_dir_allowing`], reporting the files hashed so far to `progress`.
pub fn verify_dir_progress(
    dir: &Path,
    keys: &[PublicKey],
    limits: &Limits,
    allow: &Allowlist,
    progress: Progress<'_>,
) -> Result<VerifiedPack, PackVerifyError> {
    check_sigil_dir(dir)?;
    let manifest = read_small(&dir.join(MANIFEST_PATH), MAX_MANIFEST_BYTES)?;
    let signature = read_small(&dir.join(SIGNATURE_PATH), MAX_SIGNATURE_FILE as u64)?;
    let v = verify_manifest_owned(manifest, &signature, keys, limits)?;
    verify_tree(dir, v, limits, allow, progress)
}

/// The tree of `dir` against a verified manifest (the walk of [`verify_dir_allowing`]),
/// merged as the walk goes: the walk hands over paths in the manifest's byte order, and
/// only listed files are hashed (and put through the content rules).
pub(crate) fn verify_tree(
    dir: &Path,
    v: VerifiedPack,
    limits: &Limits,
    allow: &Allowlist,
    progress: Progress<'_>,
) -> Result<VerifiedPack, PackVerifyError> {
    // Generous walk limits: differences are reported as problems, not as limit failures.
    let walk_limits = Limits {
        max_files: u64::MAX,
        max_file_bytes: u64::MAX,
        max_total_bytes: u64::MAX,
    };
    let mut check = TreeCheck {
        merge: Merge::new(&v.manifest, Vec::new()),
        limits,
        allow,
        progress,
    };
    tree::walk_streaming(dir, &walk_limits, &mut check)?;
    let total = v.manifest.len() as u64;
    progress(total, total);
    check.merge.finish(&v.comment)?;
    Ok(v)
}

/// The checks of [`verify_tree`], as the walk hands over each entry.
struct TreeCheck<'a> {
    merge: Merge<'a>,
    limits: &'a Limits,
    allow: &'a Allowlist,
    progress: Progress<'a>,
}

fn in_sigil(p: &str) -> bool {
    p == SIGIL_DIR || p.starts_with(".sigil/")
}

impl Visit for TreeCheck<'_> {
    fn select(&mut self, prefix: &str, names: &[&str], hash: &mut [bool]) {
        let m = self.merge.manifest;
        // The directory's listed files, searched from where its paths begin.
        let mut at = m.seek(0, prefix, "");
        for (name, hash) in names.iter().zip(hash) {
            at = m.seek(at, prefix, name);
            if at < m.len() && m.name(at).len() == prefix.len() + name.len() {
                // Not below and of the same length: the same path.
                *hash = m.name(at).ends_with(name) && m.name(at).starts_with(prefix);
            }
        }
    }

    fn violation(&mut self, v: Violation) {
        // Kinds are reported as extra or type-changed; the rest are rule problems.
        if [code::SYMLINK, code::DEVICE, code::FIFO, code::SOCKET].contains(&v.rule)
            || content_allowed(self.allow, &v)
        {
            return;
        }
        self.merge.problems.push(Problem {
            path: v.path,
            kind: ProblemKind::Rule(v.rule),
            detail: v.detail,
        });
    }

    fn dir(&mut self, rel: &str) {
        if !in_sigil(rel) {
            self.merge.present(rel, Actual::Other("directory"));
        } else if rel != SIGIL_DIR && !crate::sign::is_sigil_file(rel) {
            self.merge.sigil_extra(rel);
        }
    }

    fn file(&mut self, f: Found<'_>) {
        if f.in_sigil {
            if !crate::sign::is_sigil_file(f.rel) {
                self.merge.sigil_extra(f.rel);
            }
            return;
        }
        // The single-file limit, as sign applies it (the walk runs without limits).
        if f.size > self.limits.max_file_bytes {
            self.merge.problems.push(Problem {
                path: f.rel.to_owned(),
                kind: ProblemKind::Rule(code::FILE_TOO_LARGE),
                detail: format!(
                    "{} bytes is over the {}-byte file limit",
                    f.size, self.limits.max_file_bytes
                ),
            });
        }
        let actual = match f.hashed {
            Some((d, n)) => Actual::File(d, n),
            None => Actual::File(Sha256Digest([0; 32]), f.size),
        };
        self.merge.present(f.rel, actual);
    }

    fn other(&mut self, rel: &str, kind: &'static str) {
        if !in_sigil(rel) {
            self.merge.present(rel, Actual::Other(kind));
        } else if rel.starts_with(".sigil/") && !crate::sign::is_sigil_file(rel) {
            self.merge.sigil_extra(rel);
        }
    }

    fn progress(&mut self, done: u64) {
        let total = self.merge.manifest.len() as u64;
        (self.progress)(done.min(total), total);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sigil_sign::sums::Entry;

    fn pack(names: &[&str]) -> VerifiedPack {
        VerifiedPack {
            comment: PackComment {
                name: "p".into(),
                version: "1".into(),
                files: names.len() as u64,
                bytes: 2,
            },
            signer: PackSigner::Key(KeyId([0; 8])),
            manifest: Manifest::unchecked(crate::manifest::text_of(
                &names
                    .iter()
                    .map(|n| Entry {
                        digest: Sha256Digest::of(n.as_bytes()),
                        name: (*n).to_owned(),
                    })
                    .collect::<Vec<_>>(),
            )),
        }
    }

    fn problems(r: Result<(), PackVerifyError>) -> Vec<(String, &'static str)> {
        match r {
            Ok(()) => Vec::new(),
            Err(PackVerifyError::Tree { problems, .. }) => problems
                .into_iter()
                .map(|p| (p.path, p.kind.code()))
                .collect(),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn one_merge_finds_missing_extra_changed_and_retyped_paths() {
        let v = pack(&["a", "a-b", "a/c", "d", "e", "g"]);
        let file = |n: &str| Actual::File(Sha256Digest::of(n.as_bytes()), 1);
        let present: BTreeMap<String, Actual> = [
            ("a-b", file("a-b")),
            ("a/c", file("a/c")),
            // A directory at a listed name; "a-b" sorts between "a" and "a/c".
            ("a", Actual::Other("directory")),
            ("b", file("b")),
            ("d", Actual::File(Sha256Digest::of(b"other"), 1)),
            ("f", Actual::Other("symlink")),
            ("g", file("g")),
            ("z", Actual::Other("directory")),
        ]
        .into_iter()
        .map(|(p, a)| (p.to_owned(), a))
        .collect();
        let got = problems(compare(&v, &present, &[".sigil/x".into()], Vec::new()));
        let want: Vec<(String, &str)> = [
            (".sigil/x", "extra"),
            ("a", "type-changed"),
            ("b", "extra"),
            ("d", "changed"),
            ("e", "missing"),
            ("f", "extra"),
        ]
        .into_iter()
        .map(|(p, k)| (p.to_owned(), k))
        .collect();
        assert_eq!(got, want);
        // Without those differences the signed byte count decides.
        let v = pack(&["a-b", "g"]);
        let present: BTreeMap<String, Actual> = [("a-b", file("a-b")), ("g", file("g"))]
            .into_iter()
            .map(|(p, a)| (p.to_owned(), a))
            .collect();
        assert!(compare(&v, &present, &[], Vec::new()).is_ok());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Directories are `d` and one or two of `a b`; files add `-` or `.`, so a file
        /// sorts between a directory and its contents (`da`, `da-b`, `da/…`).
        #[test]
        fn the_streaming_merge_finds_exactly_the_extra_and_missing_names(
            present in proptest::collection::btree_set("(d[ab]{1,2}/){0,2}d[ab]{1,2}[-.][ab]?", 0..12),
            listed in proptest::collection::btree_set("(d[ab]{1,2}/){0,2}d[ab]{1,2}[-.][ab]?", 1..12),
        ) {
            let d = tempfile::tempdir().unwrap();
            for p in &present {
                let path = d.path().join(p);
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(&path, p).unwrap();
            }
            let entries: Vec<Entry> = listed
                .iter()
                .map(|n| Entry { digest: Sha256Digest::of(n.as_bytes()), name: n.clone() })
                .collect();
            let bytes = listed.intersection(&present).map(|n| n.len() as u64).sum();
            let v = VerifiedPack {
                comment: PackComment { name: "p".into(), version: "1".into(), files: listed.len() as u64, bytes },
                signer: PackSigner::Key(KeyId([0; 8])),
                manifest: Manifest::unchecked(crate::manifest::text_of(&entries)),
            };
            let got = match verify_tree(d.path(), v, &Limits::default(), &Allowlist::default(), &|_, _| {}) {
                Ok(_) => Vec::new(),
                Err(PackVerifyError::Tree { problems, .. }) => problems,
                Err(e) => panic!("{e}"),
            };
            let kinds = |k: ProblemKind| -> Vec<&str> {
                got.iter().filter(|p| p.kind == k).map(|p| p.path.as_str()).collect()
            };
            let extra: Vec<&str> = present.difference(&listed).map(String::as_str).collect();
            let missing: Vec<&str> = listed.difference(&present).map(String::as_str).collect();
            proptest::prop_assert_eq!(kinds(ProblemKind::Extra), extra);
            proptest::prop_assert_eq!(kinds(ProblemKind::Missing), missing);
            proptest::prop_assert_eq!(got.len(), kinds(ProblemKind::Extra).len() + kinds(ProblemKind::Missing).len());
        }
    }

    #[test]
    fn listed_names_that_are_directories_or_symlinks_changed_type() {
        let d = tempfile::tempdir().unwrap();
        fs::create_dir_all(d.path().join("a/b")).unwrap();
        fs::write(d.path().join("a/b/c"), "a/b/c").unwrap();
        fs::write(d.path().join("a-b"), "a-b").unwrap();
        std::os::unix::fs::symlink("a-b", d.path().join("l")).unwrap();
        let v = pack(&["a", "a-b", "a/b/c", "l", "m"]);
        let got = match verify_tree(
            d.path(),
            v,
            &Limits::default(),
            &Allowlist::default(),
            &|_, _| {},
        ) {
            Err(PackVerifyError::Tree { problems, .. }) => problems,
            r => panic!("{r:?}"),
        };
        let got: Vec<(&str, &str, &str)> = got
            .iter()
            .map(|p| (p.path.as_str(), p.kind.code(), p.detail.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "a",
                    "type-changed",
                    "listed as a file, present as a directory"
                ),
                (
                    "l",
                    "type-changed",
                    "listed as a file, present as a symlink"
                ),
                ("m", "missing", "listed in the manifest, not present"),
            ]
        );
    }
}
