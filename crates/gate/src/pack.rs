//! Packs under a policy: pack archives (`.tar.gz`, `.tgz`, `.zip`, only when the policy has a
//! `[pack]` table) and pack directories (with `.sigil/SHA256SUMS`).
//!
//! - An archive's trust comes from its own signatures, like any file's. Its entries are read
//!   (in memory, never written) with `sigil-pack`'s strict checks and the policy's limits; the
//!   manifest inside must be signed by a policy key (a [`SignatureVia::PackManifest`] signature:
//!   checked for trust, revocation and validity, not counted towards the threshold) and must list
//!   exactly the files the archive holds.
//! - A directory's trust comes from its manifest signature `.sigil/SHA256SUMS.minisig` plus any
//!   signatures over the manifest beside the directory (`DIR.minisig`, `DIR.<label>.minisig`);
//!   its subject digest is the manifest's SHA-256. The tree must match the manifest exactly.
//! - Install hands the staged archive to `sigil_pack::install_archive` with an
//!   [`ArchiveVerifier`] that accepts exactly the bytes the policy allowed, and the policy's
//!   usable keys for the manifest.

use std::collections::BTreeMap;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use sigil_core::Sha256Digest;
use sigil_pack::extract::{self, ExtractError, Sink};
use sigil_pack::install::{ArchiveTrust, ArchiveVerifier};
use sigil_pack::manifest::PackComment;
use sigil_pack::manifest::MAX_MANIFEST_BYTES;
use sigil_pack::rules::code;
use sigil_pack::verify::{self as pverify, Actual, PackVerifyError};
use sigil_pack::{Limits, MANIFEST_PATH, SIGNATURE_PATH};
use sigil_policy::{
    Code, Evidence, PackFacts, Policy, Problem, Purpose, SignatureEvidence, SignatureOutcome,
    SignatureVia, SubjectKind,
};
use sigil_sign::binding::{Expect, Statement};
use sigil_sign::minisig::MAX_SIGNATURE_FILE;

use crate::evidence::{self, GatherError, Target};

/// Whether `name` looks like a pack archive.
pub fn is_archive_name(name: &str) -> bool {
    name.ends_with(".tar.gz") || name.ends_with(".tgz") || name.ends_with(".zip")
}

/// Whether an artifact called `name` is verified as a pack under `policy`: an archive name,
/// and the policy has a `[pack]` table. Otherwise archives are plain files (a release archive
/// holding an executable is not a pack).
pub fn is_pack(policy: &Policy, name: &str) -> bool {
    policy.pack.present && is_archive_name(name)
}

/// `sigil-pack` limits for reading a pack under `policy`: the policy's counts plus room for
/// `.sigil/` (the policy counts only the files the manifest lists, and evaluation checks those
/// exactly); `sigil-pack`'s defaults where the policy says nothing.
pub fn limits(policy: &Policy) -> Limits {
    let d = Limits::default();
    let files = policy.pack.max_files.unwrap_or(d.max_files);
    let total = policy.pack.max_total_bytes.unwrap_or(d.max_total_bytes);
    Limits {
        max_files: files.saturating_add(2),
        max_file_bytes: match policy.pack.max_total_bytes {
            Some(t) => t.max(MAX_MANIFEST_BYTES),
            None => d.max_file_bytes,
        },
        max_total_bytes: total
            .saturating_add(MAX_MANIFEST_BYTES)
            .saturating_add(MAX_SIGNATURE_FILE as u64),
    }
}

fn problem(ev: &mut Evidence, code: Code, source: &str, message: String) {
    ev.problems.push(Problem {
        code,
        source: source.to_owned(),
        message,
    });
}

fn is_limit(rule: &str) -> bool {
    [
        code::TOO_MANY_FILES,
        code::FILE_TOO_LARGE,
        code::TOTAL_TOO_LARGE,
        code::DECOMPRESSED_TOO_LARGE,
    ]
    .contains(&rule)
}

/// Turns a pack verification failure into a finding (or an I/O error).
fn verify_problem(e: PackVerifyError, source: &str, ev: &mut Evidence) -> Result<(), GatherError> {
    match e {
        PackVerifyError::Io { path, source } => Err(GatherError::Io { path, source }),
        PackVerifyError::Limit(v) => {
            problem(ev, Code::PackLimitExceeded, source, v.detail.clone());
            Ok(())
        }
        PackVerifyError::Tree { comment, problems } => {
            let shown: Vec<String> = problems
                .iter()
                .take(20)
                .map(|p| format!("{} {}", p.kind.code(), p.path))
                .collect();
            let more = problems.len().saturating_sub(shown.len());
            let tail = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            problem(
                ev,
                Code::PackInvalid,
                source,
                format!(
                    "pack {} {} does not match its signed manifest: {}{tail}",
                    comment.name,
                    comment.version,
                    shown.join(", ")
                ),
            );
            Ok(())
        }
        other => {
            problem(ev, Code::PackInvalid, source, other.to_string());
            Ok(())
        }
    }
}

/// Checks a manifest signature against the policy's keys as trust evidence; when it verifies,
/// the pack name and version it signs become a statement to bind.
fn manifest_signature(
    policy: &Policy,
    manifest: &[u8],
    signature: &[u8],
    via: SignatureVia,
    ev: &mut Evidence,
    statements: &mut Vec<Statement>,
) -> Result<(), GatherError> {
    let path = Path::new(SIGNATURE_PATH);
    let Some(sig) = evidence::parse_signature(signature, path, &mut ev.problems) else {
        return Ok(());
    };
    let outcome = evidence::check_signature(policy, &sig, path, || {
        Ok(Box::new(manifest) as Box<dyn Read + '_>)
    })?;
    if matches!(outcome, SignatureOutcome::Verified { .. }) {
        evidence::record_comment(ev, SIGNATURE_PATH, &sig);
        // A comment that is not a pack comment fails the manifest check (`pack-invalid`).
        if let Ok(c) = PackComment::parse(&sig.trusted_comment) {
            statements.push(Statement {
                source: SIGNATURE_PATH.to_owned(),
                file: None,
                name: Some(c.name),
                version: Some(c.version),
            });
        }
    }
    ev.signatures.push(SignatureEvidence {
        source: SIGNATURE_PATH.to_owned(),
        via,
        key_id: sig.key_id,
        outcome,
    });
    Ok(())
}

fn all_keys(policy: &Policy) -> Vec<sigil_keys::PublicKey> {
    policy.keys.iter().map(|k| k.key.clone()).collect()
}

/// Hashes every entry, keeping the manifest and its signature.
#[derive(Default)]
struct ManifestSink {
    manifest: Option<Vec<u8>>,
    signature: Option<Vec<u8>>,
}

impl Sink for ManifestSink {
    fn dir(&mut self, _path: &str) -> io::Result<()> {
        Ok(())
    }

    fn file(&mut self, path: &str, data: &mut dyn Read) -> io::Result<(Sha256Digest, u64)> {
        let keep = if path == MANIFEST_PATH {
            Some(&mut self.manifest)
        } else if path == SIGNATURE_PATH {
            Some(&mut self.signature)
        } else {
            None
        };
        match keep {
            Some(slot) => {
                let mut buf = Vec::new();
                data.take(MAX_MANIFEST_BYTES + 1).read_to_end(&mut buf)?;
                let d = sigil_core::sha256_reader(&buf[..])?;
                *slot = Some(buf);
                Ok(d)
            }
            None => sigil_core::sha256_reader(data),
        }
    }
}

/// The pack inside an archive at `path`: entries read with the policy's limits (nothing is
/// written), the manifest signature checked as trust evidence, and the manifest compared with
/// the entries. Adds pack facts, or findings.
pub fn archive_evidence(
    policy: &Policy,
    path: &Path,
    ev: &mut Evidence,
    statements: &mut Vec<Statement>,
) -> Result<(), GatherError> {
    let source = ev.subject.name.clone();
    let io_err = |source| GatherError::Io {
        path: path.to_path_buf(),
        source,
    };
    let limits = limits(policy);
    let (mut file, _) = sigil_core::input::open(path).map_err(io_err)?;
    let mut magic = [0u8; 4];
    let got = file.read(&mut magic).map_err(io_err)?;
    file.seek(SeekFrom::Start(0)).map_err(io_err)?;
    let mut sink = ManifestSink::default();
    let extracted = match &magic[..got] {
        [0x1f, 0x8b, ..] => extract::extract_tar_gz(&mut file, &limits, &mut sink),
        [b'P', b'K', 3, 4] | [b'P', b'K', 5, 6] => {
            extract::extract_zip(&mut file, &limits, &mut sink)
        }
        _ => {
            problem(
                ev,
                Code::PackInvalid,
                &source,
                "not a gzip-compressed tar or a zip archive".into(),
            );
            return Ok(());
        }
    };
    let extracted = match extracted {
        Ok(x) => x,
        Err(ExtractError::Refused(v)) => {
            let code = if is_limit(v.rule) {
                Code::PackLimitExceeded
            } else {
                Code::PackInvalid
            };
            problem(ev, code, &source, format!("archive refused: {v}"));
            return Ok(());
        }
        Err(e @ ExtractError::Io { .. }) => {
            problem(
                ev,
                Code::PackInvalid,
                &source,
                format!("archive unreadable: {e}"),
            );
            return Ok(());
        }
        Err(e) => {
            problem(ev, Code::PackInvalid, &source, e.to_string());
            return Ok(());
        }
    };
    let (Some(manifest), Some(signature)) = (sink.manifest, sink.signature) else {
        problem(
            ev,
            Code::PackInvalid,
            &source,
            format!("the archive holds no {MANIFEST_PATH} and {SIGNATURE_PATH}: it is not a signed pack"),
        );
        return Ok(());
    };
    manifest_signature(
        policy,
        &manifest,
        &signature,
        SignatureVia::PackManifest,
        ev,
        statements,
    )?;
    let v = match pverify::verify_manifest(&manifest, &signature, &all_keys(policy), &limits) {
        Ok(v) => v,
        Err(e) => return verify_problem(e, &source, ev),
    };
    let mut present = BTreeMap::new();
    let mut sigil_extra = Vec::new();
    for (p, (d, n)) in &extracted.files {
        if p == MANIFEST_PATH || p == SIGNATURE_PATH {
            continue;
        }
        if p.starts_with(".sigil/") {
            sigil_extra.push(p.clone());
            continue;
        }
        present.insert(p.clone(), Actual::File(*d, *n));
    }
    if let Err(e) = pverify::compare(&v, &present, &sigil_extra, Vec::new()) {
        return verify_problem(e, &source, ev);
    }
    ev.pack = Some(PackFacts {
        files: v.comment.files,
        total_bytes: v.comment.bytes,
    });
    Ok(())
}

/// Gathers the evidence for a pack directory (see the module docs). The signed pack name and
/// version must be `expect`'s, when given.
pub fn gather_dir(
    policy: &Policy,
    dir: &Path,
    purpose: Purpose,
    expect: &Expect,
) -> Result<Evidence, GatherError> {
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("pack")
        .to_owned();
    let parent = dir
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let manifest_path = dir.join(MANIFEST_PATH);
    let manifest_ok = std::fs::symlink_metadata(&manifest_path).is_ok_and(|m| m.is_file());
    if !manifest_ok {
        // Nothing to hash: decide about an empty subject, and say why.
        let empty = tempfile::NamedTempFile::new().map_err(|source| GatherError::Io {
            path: std::env::temp_dir(),
            source,
        })?;
        let target = Target {
            content: empty.path(),
            name: &name,
            sidecar_dir: parent,
            kind: SubjectKind::Pack,
            expect,
        };
        let mut ev = evidence::gather_common(policy, &target, purpose, &mut Vec::new())?;
        problem(
            &mut ev,
            Code::PackInvalid,
            &name,
            format!("{MANIFEST_PATH} is missing or not a regular file: not a signed pack"),
        );
        return Ok(ev);
    }
    let target = Target {
        content: &manifest_path,
        name: &name,
        sidecar_dir: parent,
        kind: SubjectKind::Pack,
        expect,
    };
    let mut statements = Vec::new();
    let mut ev = evidence::gather_common(policy, &target, purpose, &mut statements)?;
    // Signatures beside a pack directory sign its manifest, whatever the directory is called:
    // their file names bind nothing here; the manifest's pack name and version do.
    for s in &mut statements {
        s.file = None;
    }
    let manifest = sigil_core::input::read(&manifest_path).map_err(|source| GatherError::Io {
        path: manifest_path.clone(),
        source,
    })?;
    let sig_path = dir.join(SIGNATURE_PATH);
    if std::fs::symlink_metadata(&sig_path).is_ok_and(|m| m.is_file()) {
        let signature = sigil_core::input::read(&sig_path).map_err(|source| GatherError::Io {
            path: sig_path.clone(),
            source,
        })?;
        manifest_signature(
            policy,
            &manifest,
            &signature,
            SignatureVia::Sidecar,
            &mut ev,
            &mut statements,
        )?;
    }
    let expect = Expect {
        file: None,
        ..expect.clone()
    };
    evidence::bind(&mut ev, sigil_sign::binding::check(&statements, &expect));
    match pverify::verify_dir(dir, &all_keys(policy), &limits(policy)) {
        Ok(v) => {
            ev.pack = Some(PackFacts {
                files: v.comment.files,
                total_bytes: v.comment.bytes,
            });
        }
        Err(e) => verify_problem(e, &name, &mut ev)?,
    }
    Ok(ev)
}

/// Accepts exactly the archive bytes the policy allowed (the policy already checked their
/// signatures, threshold, revocation and the pack inside).
#[derive(Debug)]
pub struct AllowedBytes {
    /// SHA-256 of the allowed bytes.
    pub sha256: Sha256Digest,
}

/// The archive is not the one the policy allowed.
#[derive(Debug, thiserror::Error)]
#[error("archive sha256 {actual} is not the {allowed} the policy allowed")]
pub struct NotAllowed {
    /// What the policy allowed.
    pub allowed: String,
    /// What was read.
    pub actual: String,
}

impl ArchiveVerifier for AllowedBytes {
    fn verify_archive(
        &self,
        archive: &mut dyn Read,
    ) -> Result<ArchiveTrust, Box<dyn std::error::Error + Send + Sync>> {
        let (d, _) = sigil_core::sha256_reader(archive)?;
        if d != self.sha256 {
            return Err(Box::new(NotAllowed {
                allowed: self.sha256.to_hex(),
                actual: d.to_hex(),
            }));
        }
        Ok(ArchiveTrust {
            key_id: None,
            trusted_comment: "allowed by policy".to_owned(),
        })
    }
}
