//! Evidence gathering by convention, for a file whose bytes are at `content` and whose
//! sidecars sit in `sidecar_dir` under the artifact's `name`:
//!
//! - `NAME.minisig`, plus extra signatures `NAME.<label>.minisig` (label: ASCII letters,
//!   digits, `-`, `_`), one per signer, for k-of-n thresholds;
//! - `SHA256SUMS` with `SHA256SUMS.minisig` beside the artifact, when the list names it;
//! - `NAME.sigstore.json` (Sigstore bundle) and `NAME.intoto.jsonl` (attestations);
//! - `NAME.publish.attestation` and `NAME.provenance` (PEP 740, as PyPI publishes them);
//! - for packs, the manifest inside (see [`crate::pack`]).
//!
//! Every signature is checked against the policy's keys here; trust decisions (revocation,
//! validity windows, thresholds) are the policy crate's. The trusted comment of every signature
//! that verified is bound to what is verified (see [`sigil_sign::binding`]): a sidecar's
//! `file:` must be the artifact's name (or [`Target::expect`]'s), a list's `file:` must be
//! `SHA256SUMS` and the list must name the artifact, a pack's signed name and version must be
//! the expected ones. A mismatch is a `signed-name-mismatch` or `signed-version-mismatch`
//! problem; the comments themselves go into the evidence for every verdict to show.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sigil_core::Sha256Digest;
use sigil_policy::{
    Code, Evidence, Policy, Problem, Purpose, SignatureEvidence, SignatureOutcome, SignatureVia,
    SignedComment, Subject, SubjectKind,
};
use sigil_sign::binding::{self, Claims, Expect, FileBinding, Statement};
use sigil_sign::minisig::{self, Signature, MAX_SIGNATURE_FILE};
use sigil_sign::SumsFile;
use thiserror::Error;

/// Largest checksum list, bundle or attestation file read.
pub const MAX_SIDECAR: u64 = 16 * 1024 * 1024;
/// The checksum list name looked for beside the artifact.
pub const SUMS_NAME: &str = "SHA256SUMS";

/// Why evidence could not be gathered (as opposed to evidence that is bad, which becomes a
/// finding).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum GatherError {
    /// The artifact or a sidecar could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The artifact's path has no file name sidecars could be named after.
    #[error("{}: cannot tell the artifact's file name", path.display())]
    NoName {
        /// The path given.
        path: PathBuf,
    },
}

/// What to gather evidence for.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// Where the exact bytes to verify are (a private staging copy, a sealed memfd, or the file).
    pub content: &'a Path,
    /// The artifact's file name, as sidecars and checksum lists call it.
    pub name: &'a str,
    /// The directory holding the sidecars.
    pub sidecar_dir: &'a Path,
    /// File or pack.
    pub kind: SubjectKind,
    /// What the signed comments must state (`--expect-name`, `--expect-version`). For a file,
    /// `file` replaces the artifact's name as the name signatures and lists must give it and
    /// `name` is not used; for a pack, `name` is the pack name and `file` is not used.
    pub expect: &'a Expect,
}

impl Target<'_> {
    /// The name a signature over this artifact must give it.
    fn signed_name(&self) -> &str {
        match (self.kind, &self.expect.file) {
            (SubjectKind::File, Some(n)) => n,
            _ => self.name,
        }
    }
}

/// Records a verified signature's trusted comment for the verdict.
pub(crate) fn record_comment(ev: &mut Evidence, source: &str, sig: &Signature) {
    ev.signed_comments.push(SignedComment {
        source: source.to_owned(),
        trusted_comment: sig.trusted_comment.clone(),
    });
}

/// Turns binding mismatches into problems.
pub(crate) fn bind(ev: &mut Evidence, mismatches: Vec<binding::Mismatch>) {
    for m in mismatches {
        let code = match m.field {
            binding::Field::Name => Code::SignedNameMismatch,
            binding::Field::Version => Code::SignedVersionMismatch,
        };
        let source = m.source.clone().unwrap_or_else(|| ev.subject.name.clone());
        ev.problems.push(Problem {
            code,
            source,
            message: m.to_string(),
        });
    }
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> GatherError + '_ {
    move |source| GatherError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Reads a sidecar: `Ok(None)` when absent, `Err(Some(problem))`-style size refusals become
/// evidence problems.
fn read_sidecar(
    path: &Path,
    limit: u64,
    problems: &mut Vec<Problem>,
) -> Result<Option<Vec<u8>>, GatherError> {
    let f = match sigil_core::input::open(path) {
        Ok((f, _)) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => match sigil_core::input::not_regular(&e) {
            Some(n) if n.kind == "directory" => return Ok(None),
            // A FIFO or device would block or never end: bad evidence, never read.
            Some(_) => {
                problems.push(Problem {
                    code: Code::EvidenceMalformed,
                    source: display_name(path),
                    message: e.to_string(),
                });
                return Ok(None);
            }
            None => return Err(io_err(path)(e)),
        },
    };
    match sigil_core::input::read_bounded(f, limit) {
        Ok(buf) => Ok(Some(buf)),
        Err(e @ sigil_core::input::ReadBoundedError::TooLarge { .. }) => {
            problems.push(Problem {
                code: Code::EvidenceMalformed,
                source: display_name(path),
                message: e.to_string(),
            });
            Ok(None)
        }
        Err(e) => Err(io_err(path)(e.into())),
    }
}

fn display_name(p: &Path) -> String {
    p.file_name().map_or_else(
        || p.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Whether `label` may appear in `NAME.<label>.minisig`.
fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The signature sidecars of `name` present in `dir`: `NAME.minisig` first, then
/// `NAME.<label>.minisig` sorted by name.
pub fn signature_sidecars(dir: &Path, name: &str) -> Result<Vec<PathBuf>, GatherError> {
    let mut extra = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_err(dir)(e)),
    };
    let mut main = None;
    let prefix = format!("{name}.");
    for entry in entries {
        let entry = entry.map_err(io_err(dir))?;
        let Some(file) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if file == format!("{name}.minisig") {
            main = Some(entry.path());
        } else if let Some(label) = file
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(".minisig"))
        {
            if is_label(label) {
                extra.push(entry.path());
            }
        }
    }
    extra.sort();
    Ok(main.into_iter().chain(extra).collect())
}

/// SHA-256 and length of a file, in constant memory.
pub fn hash_file(path: &Path) -> Result<(Sha256Digest, u64), GatherError> {
    let (f, _) = sigil_core::input::open(path).map_err(io_err(path))?;
    sigil_core::sha256_reader(f).map_err(io_err(path))
}

/// Checks a minisign signature against every policy key that could have made it; `open`
/// gives a fresh reader over the signed bytes for each try.
pub(crate) fn check_signature<'r>(
    policy: &Policy,
    sig: &Signature,
    path: &Path,
    mut open: impl FnMut() -> io::Result<Box<dyn Read + 'r>>,
) -> Result<SignatureOutcome, GatherError> {
    let mut outcome = SignatureOutcome::UnknownKey;
    for k in policy
        .keys
        .iter()
        .filter(|k| k.key.key_id() == sig.key_id || k.key.key_id_is_derived())
    {
        match minisig::verify(&k.key, sig, open().map_err(io_err(path))?, |_| {}) {
            Ok(_) => return Ok(SignatureOutcome::Verified { key: k.key.raw() }),
            Err(minisig::VerifyError::Io(e)) => return Err(io_err(path)(e)),
            // A PEM key carries no id, so its failure only means "not this key".
            Err(_) if k.key.key_id_is_derived() => {}
            Err(e) => {
                outcome = SignatureOutcome::Invalid {
                    reason: e.to_string(),
                }
            }
        }
    }
    Ok(outcome)
}

pub(crate) fn parse_signature(
    bytes: &[u8],
    source: &Path,
    problems: &mut Vec<Problem>,
) -> Option<Signature> {
    let parsed = std::str::from_utf8(bytes)
        .map_err(|_| "not UTF-8 text".to_owned())
        .and_then(|t| Signature::parse(t).map_err(|e| e.to_string()));
    match parsed {
        Ok(s) => Some(s),
        Err(message) => {
            problems.push(Problem {
                code: Code::EvidenceMalformed,
                source: display_name(source),
                message,
            });
            None
        }
    }
}

/// Gathers the evidence for the artifact at `artifact` as `sigil verify --policy` and
/// `sigil run` see it: a pack directory ([`crate::pack::gather_dir`]), a pack archive (a file
/// the policy's pack names match) or a file, with its sidecars in its directory.
///
/// `sealed` holds the exact bytes to judge when they are not at `artifact` (the sealed copy
/// `run` executes); those bytes are always judged as a file.
pub fn gather_path(
    policy: &Policy,
    artifact: &Path,
    sealed: Option<&Path>,
    purpose: Purpose,
    expect: &Expect,
) -> Result<Evidence, GatherError> {
    let name = artifact
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| GatherError::NoName {
            path: artifact.to_path_buf(),
        })?;
    if sealed.is_none() && artifact.is_dir() {
        return crate::pack::gather_dir(policy, artifact, purpose, expect);
    }
    let sidecar_dir = artifact
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let kind = if sealed.is_none() && crate::pack::is_pack(policy, name) {
        SubjectKind::Pack
    } else {
        SubjectKind::File
    };
    let target = Target {
        content: sealed.unwrap_or(artifact),
        name,
        sidecar_dir,
        kind,
        expect,
    };
    gather(policy, &target, purpose)
}

/// Gathers and checks all the evidence for `target` under `policy`.
///
/// Keyless bundles and attestations are checked by [`crate::attest`]; for a pack archive
/// (`target.kind` is [`SubjectKind::Pack`]) the pack inside is checked by [`crate::pack`].
/// Pack directories go through [`crate::pack::gather_dir`] instead.
pub fn gather(
    policy: &Policy,
    target: &Target<'_>,
    purpose: Purpose,
) -> Result<Evidence, GatherError> {
    let mut statements = Vec::new();
    let mut ev = gather_common(policy, target, purpose, &mut statements)?;
    // `--expect-name` is a file name for a file and a pack name for a pack.
    let mismatches = match target.kind {
        SubjectKind::File => binding::check(
            &statements,
            &Expect {
                name: None,
                ..target.expect.clone()
            },
        ),
        SubjectKind::Pack => {
            crate::pack::archive_evidence(policy, target.content, &mut ev, &mut statements)?;
            binding::check_pack(&statements, target.name, target.expect)
        }
    };
    bind(&mut ev, mismatches);
    Ok(ev)
}

/// The evidence every artifact gets: sidecar signatures, a signed checksum list, a keyless
/// bundle and attestations, all about the bytes at `target.content`.
///
/// The statements of the signatures that verified are added to `statements` (file names bound
/// to [`Target::signed_name`]); binding them is the caller's last step.
pub(crate) fn gather_common(
    policy: &Policy,
    target: &Target<'_>,
    purpose: Purpose,
    statements: &mut Vec<Statement>,
) -> Result<Evidence, GatherError> {
    let (sha256, bytes) = hash_file(target.content)?;
    let subject = Subject {
        name: target.name.to_owned(),
        sha256,
        bytes,
        kind: target.kind,
    };
    let mut ev = Evidence::new(subject, purpose);

    for path in signature_sidecars(target.sidecar_dir, target.name)? {
        let Some(bytes) = read_sidecar(&path, MAX_SIGNATURE_FILE as u64, &mut ev.problems)? else {
            continue;
        };
        let Some(sig) = parse_signature(&bytes, &path, &mut ev.problems) else {
            continue;
        };
        let content = target.content;
        let outcome = check_signature(policy, &sig, content, || {
            sigil_core::input::open(content).map(|(f, _)| Box::new(f) as Box<dyn Read>)
        })?;
        if matches!(outcome, SignatureOutcome::Verified { .. }) {
            let source = display_name(&path);
            record_comment(&mut ev, &source, &sig);
            let claims = Claims::parse(&sig.trusted_comment);
            statements.push(Statement {
                file: claims.file.map(|signed| FileBinding {
                    signed,
                    here: target.signed_name().to_owned(),
                }),
                name: claims.release_name,
                version: claims.release_version,
                source,
            });
        }
        ev.signatures.push(SignatureEvidence {
            source: display_name(&path),
            via: SignatureVia::Sidecar,
            key_id: sig.key_id,
            outcome,
        });
    }

    sums_evidence(policy, target, &mut ev, statements)?;
    crate::attest::keyless_evidence(policy, target, &mut ev)?;
    crate::attest::pep740_evidence(policy, target, &mut ev)?;
    crate::attest::attestation_evidence(policy, target, &mut ev)?;
    Ok(ev)
}

/// A signed `SHA256SUMS` beside the artifact that lists it.
fn sums_evidence(
    policy: &Policy,
    target: &Target<'_>,
    ev: &mut Evidence,
    statements: &mut Vec<Statement>,
) -> Result<(), GatherError> {
    let list_path = target.sidecar_dir.join(SUMS_NAME);
    let Some(list_bytes) = read_sidecar(&list_path, MAX_SIDECAR, &mut ev.problems)? else {
        return Ok(());
    };
    let Ok(text) = std::str::from_utf8(&list_bytes) else {
        ev.problems.push(Problem {
            code: Code::EvidenceMalformed,
            source: SUMS_NAME.into(),
            message: "not UTF-8 text".into(),
        });
        return Ok(());
    };
    let list = match SumsFile::parse(text) {
        Ok(l) => l,
        Err(e) => {
            ev.problems.push(Problem {
                code: Code::EvidenceMalformed,
                source: SUMS_NAME.into(),
                message: e.to_string(),
            });
            return Ok(());
        }
    };
    // A list that does not name the artifact (by the name it is expected to have) is not
    // evidence about it.
    let listed = target.signed_name();
    let Some(entry) = list
        .entries
        .iter()
        .find(|e| e.name == listed || e.name == format!("./{listed}"))
    else {
        return Ok(());
    };
    let sig_path = target.sidecar_dir.join(format!("{SUMS_NAME}.minisig"));
    let Some(sig_bytes) = read_sidecar(&sig_path, MAX_SIGNATURE_FILE as u64, &mut ev.problems)?
    else {
        return Ok(());
    };
    let Some(sig) = parse_signature(&sig_bytes, &sig_path, &mut ev.problems) else {
        return Ok(());
    };
    // Verify the exact bytes that were parsed, not the file again.
    let signed = &list_bytes[..];
    let tmp_outcome = check_signature(policy, &sig, &list_path, || {
        Ok(Box::new(signed) as Box<dyn Read>)
    })?;
    let outcome = match tmp_outcome {
        SignatureOutcome::Verified { .. } if entry.digest != ev.subject.sha256 => {
            SignatureOutcome::DigestMismatch {
                listed: entry.digest,
            }
        }
        o => o,
    };
    if matches!(outcome, SignatureOutcome::Verified { .. }) {
        let source = format!("{SUMS_NAME}.minisig");
        record_comment(ev, &source, &sig);
        let claims = Claims::parse(&sig.trusted_comment);
        // The list names the artifact; its comment must name the list, and may name a release.
        statements.push(Statement {
            source: source.clone(),
            file: Some(FileBinding {
                signed: listed.to_owned(),
                here: listed.to_owned(),
            }),
            name: claims.release_name,
            version: claims.release_version,
        });
        if let Some(signed) = claims.file {
            statements.push(Statement {
                source,
                file: Some(FileBinding {
                    signed,
                    here: SUMS_NAME.to_owned(),
                }),
                ..Statement::default()
            });
        }
    }
    ev.signatures.push(SignatureEvidence {
        source: format!("{SUMS_NAME}.minisig"),
        via: SignatureVia::ChecksumList,
        key_id: sig.key_id,
        outcome,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gather_path_judges_the_sealed_bytes_under_the_artifacts_name() {
        let (d, policy, _, _) = crate::decision_log::row_tests::denied();
        let artifact = d.path().join("a.bin");
        std::fs::write(&artifact, b"on disk").unwrap();
        let sealed = d.path().join("sealed");
        std::fs::write(&sealed, b"sealed bytes").unwrap();
        let none = Expect::NONE;
        let ev = gather_path(&policy, &artifact, None, Purpose::Verify, &none).unwrap();
        assert_eq!(ev.subject.name, "a.bin");
        assert_eq!(ev.subject.sha256, Sha256Digest::of(b"on disk"));
        assert_eq!(ev.subject.kind, SubjectKind::File);
        let ev = gather_path(&policy, &artifact, Some(&sealed), Purpose::Run, &none).unwrap();
        assert_eq!(ev.subject.name, "a.bin");
        assert_eq!(ev.subject.sha256, Sha256Digest::of(b"sealed bytes"));
        assert!(matches!(
            gather_path(&policy, Path::new("/"), None, Purpose::Verify, &none),
            Err(GatherError::NoName { .. })
        ));
    }

    fn check(name: &str, files: &[&str], expect: &[&str]) {
        let dir = tempfile::tempdir().unwrap();
        for f in files {
            std::fs::write(dir.path().join(f), b"x").unwrap();
        }
        let got: Vec<String> = signature_sidecars(dir.path(), name)
            .unwrap()
            .iter()
            .map(|p| display_name(p))
            .collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn sidecar_convention() {
        check(
            "w",
            &[
                "w",
                "w.minisig",
                "w.b.minisig",
                "w.a.minisig",
                "w.tar.gz.minisig",
                "w..minisig",
                "x.minisig",
            ],
            &["w.minisig", "w.a.minisig", "w.b.minisig"],
        );
        check("w", &["w.2.minisig"], &["w.2.minisig"]);
        check("w", &[], &[]);
    }
}
