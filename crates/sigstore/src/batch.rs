//! Verifying artifacts against bundle files: what a command line names as the artifact
//! ([`Subject`]), the bundles of one file tried in turn ([`verify_candidates`]), and many
//! (artifact, bundle file) pairs in one call, spread over every core ([`verify_many`]), such as
//! every `X.sigstore.json` beside its `X` in a directory ([`pairs_in_dir`]).
//!
//! The trusted root and the policy are shared by every pair; each pair is read, parsed and
//! verified on its own, and one pair's failure never stops or changes another's verdict.

use std::ffi::OsStr;
use std::fmt;
use std::io::{self, Read as _};
use std::os::unix::ffi::OsStrExt as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use sigil_core::{Sha256Digest, Sha512Digest};

use crate::bundle::{parse_bundles, Bundle, BundleParseError, SignerKind, MAX_BUNDLE_FILE};
use crate::trust::TrustRoot;
use crate::verify::{verify, Artifact, BundleReason, BundleVerifyError, SignerPolicy, Verified};

/// The file name suffix of a bundle beside its artifact (`X.sigstore.json` for `X`), as
/// `sigil sign --keyless`, cosign and sigstore-python write it.
pub const BUNDLE_SUFFIX: &str = ".sigstore.json";

/// What a bundle must be about: a file, or a digest given as `sha256:<hex>` / `sha512:<hex>`
/// (the conformance protocol's form).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A file, hashed while verifying.
    Path(PathBuf),
    /// A SHA-256 digest.
    Sha256(Sha256Digest),
    /// A SHA-512 digest.
    Sha512(Sha512Digest),
}

/// A `sha256:` or `sha512:` subject whose hex is not a full lower-case digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text}: not a {algorithm} digest")]
#[non_exhaustive]
pub struct SubjectError {
    /// The subject as given.
    pub text: String,
    /// `sha256` or `sha512`.
    pub algorithm: &'static str,
}

impl Subject {
    /// Reads a command line's artifact: `sha256:<hex>` and `sha512:<hex>` are digests, anything
    /// else is a path.
    pub fn parse(arg: &Path) -> Result<Self, SubjectError> {
        let text = arg.to_string_lossy();
        let bad = |algorithm| SubjectError {
            text: text.clone().into_owned(),
            algorithm,
        };
        if let Some(hex) = text.strip_prefix("sha256:") {
            return Sha256Digest::from_hex(hex)
                .map(Subject::Sha256)
                .map_err(|_| bad("sha256"));
        }
        if let Some(hex) = text.strip_prefix("sha512:") {
            return Sha512Digest::from_hex(hex)
                .map(Subject::Sha512)
                .map_err(|_| bad("sha512"));
        }
        Ok(Subject::Path(arg.to_owned()))
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Subject::Path(p) => write!(f, "{}", p.display()),
            Subject::Sha256(d) => write!(f, "sha256:{}", d.to_hex()),
            Subject::Sha512(d) => write!(f, "sha512:{}", d.to_hex()),
        }
    }
}

/// Why an artifact did not verify against a bundle file. Every variant is "not verified" for
/// that pair; [`PairError::Read`] is also an I/O problem, which a single verification reports
/// as such.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PairError {
    /// The bundle file or the artifact cannot be opened or read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The bundle file holds no valid bundle.
    #[error(transparent)]
    Malformed(BundleParseError),
    /// The file's bundles are all of the other signer kind than the policy verifies.
    #[error("no {} bundle to verify (the bundle is {})", kind_word(*.want), kind_word(*.found))]
    NoCandidate {
        /// What the policy verifies.
        want: SignerKind,
        /// What the bundles are.
        found: SignerKind,
    },
    /// No candidate verified; the first one's reason.
    #[error(transparent)]
    Verify(BundleVerifyError),
}

/// `keyless` or `managed-key`.
pub fn kind_word(k: SignerKind) -> &'static str {
    match k {
        SignerKind::PublicKey => "managed-key",
        SignerKind::Certificate => "keyless",
    }
}

impl PairError {
    /// The reason's code (`docs/codes.md`, `BundleReason`).
    pub fn reason(&self) -> BundleReason {
        match self {
            PairError::Read { .. } => BundleReason::ReadError,
            PairError::Malformed(_) => BundleReason::BundleMalformed,
            PairError::NoCandidate { .. } => BundleReason::WrongSignerKind,
            PairError::Verify(e) => e.reason(),
        }
    }

    /// [`PairError::reason`]'s kebab-case code.
    pub fn code(&self) -> &'static str {
        self.reason().code()
    }
}

/// A bundle that verified for the artifact.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Passed {
    /// What verified.
    pub verified: Verified,
    /// The npm `predicateType` the bundle was listed under (unauthenticated label).
    pub predicate_type: Option<String>,
}

/// Reads and parses a bundle file (one bundle, JSON Lines, an npm attestations document...),
/// at most [`MAX_BUNDLE_FILE`] bytes.
pub fn read_bundles(path: &Path) -> Result<Vec<Bundle>, PairError> {
    let read = |source| PairError::Read {
        path: path.to_owned(),
        source,
    };
    let (f, _) = sigil_core::input::open(path).map_err(read)?;
    let mut bytes = Vec::new();
    f.take(MAX_BUNDLE_FILE as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(read)?;
    parse_bundles(&bytes).map_err(PairError::Malformed)
}

fn verify_one(
    root: &TrustRoot,
    bundle: &Bundle,
    subject: &Subject,
    policy: &SignerPolicy,
) -> Result<Verified, PairError> {
    let r = match subject {
        Subject::Sha256(d) => verify(root, bundle, Artifact::Sha256(*d), policy),
        Subject::Sha512(d) => verify(root, bundle, Artifact::Sha512(*d), policy),
        Subject::Path(p) => {
            let (mut f, _) = sigil_core::input::open(p).map_err(|source| PairError::Read {
                path: p.clone(),
                source,
            })?;
            verify(root, bundle, Artifact::Reader(&mut f), policy)
        }
    };
    r.map_err(|e| match e {
        BundleVerifyError::Read(source) => PairError::Read {
            path: PathBuf::from(subject.to_string()),
            source,
        },
        other => PairError::Verify(other),
    })
}

/// Tries the bundles of the policy's signer kind in order; the first that verifies wins. When
/// none does, the first one's reason is returned; an artifact that cannot be read stops at once.
pub fn verify_candidates(
    root: &TrustRoot,
    bundles: &[Bundle],
    subject: &Subject,
    policy: &SignerPolicy,
) -> Result<Passed, PairError> {
    let want = match policy {
        SignerPolicy::PublicKey(_) => SignerKind::PublicKey,
        _ => SignerKind::Certificate,
    };
    let mut first_err = None;
    for b in bundles.iter().filter(|b| b.signer_kind() == want) {
        match verify_one(root, b, subject, policy) {
            Ok(verified) => {
                return Ok(Passed {
                    verified,
                    predicate_type: b.listed_predicate_type().map(str::to_owned),
                })
            }
            Err(e @ PairError::Read { .. }) => return Err(e),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(first_err.unwrap_or(PairError::NoCandidate {
        want,
        found: match want {
            SignerKind::PublicKey => SignerKind::Certificate,
            _ => SignerKind::PublicKey,
        },
    }))
}

/// One artifact and the bundle file to verify it with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    /// The artifact.
    pub subject: Subject,
    /// The bundle file.
    pub bundle: PathBuf,
}

/// Reads the bundle file and verifies the artifact with its candidates.
pub fn verify_pair(
    root: &TrustRoot,
    pair: &Pair,
    policy: &SignerPolicy,
) -> Result<Passed, PairError> {
    let bundles = read_bundles(&pair.bundle)?;
    verify_candidates(root, &bundles, &pair.subject, policy)
}

/// Why the pairs a command line asks for cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PairsError {
    /// The directory cannot be listed.
    #[error("{}: {}", dir.display(), sigil_core::report::io_reason(reason))]
    ReadDir {
        /// The directory.
        dir: PathBuf,
        /// Why (printed, not chained).
        reason: io::Error,
    },
    /// The directory holds no bundle.
    #[error("{}: no bundle (*{BUNDLE_SUFFIX}) to verify", dir.display())]
    NoBundle {
        /// The directory.
        dir: PathBuf,
    },
    /// Not one bundle per artifact.
    #[error("{files} FILE for {bundles} --bundle")]
    Count {
        /// Artifacts given.
        files: usize,
        /// Bundles given.
        bundles: usize,
    },
    /// An artifact is a malformed digest.
    #[error(transparent)]
    Subject(SubjectError),
}

/// The pairs asked for: every `X.sigstore.json` of `dir` ([`pairs_in_dir`], at least one), or
/// each of `files` (paths or digests, [`Subject::parse`]) with the bundle in the same place
/// of `bundles`.
pub fn pairs(
    files: &[PathBuf],
    bundles: &[PathBuf],
    dir: Option<&Path>,
) -> Result<Vec<Pair>, PairsError> {
    if let Some(dir) = dir {
        let pairs = pairs_in_dir(dir).map_err(|reason| PairsError::ReadDir {
            dir: dir.to_owned(),
            reason,
        })?;
        return match pairs.is_empty() {
            true => Err(PairsError::NoBundle {
                dir: dir.to_owned(),
            }),
            false => Ok(pairs),
        };
    }
    if files.len() != bundles.len() {
        return Err(PairsError::Count {
            files: files.len(),
            bundles: bundles.len(),
        });
    }
    let pair = |(f, b): (&PathBuf, &PathBuf)| {
        Ok(Pair {
            subject: Subject::parse(f).map_err(PairsError::Subject)?,
            bundle: b.clone(),
        })
    };
    files.iter().zip(bundles).map(pair).collect()
}

/// Every `X.sigstore.json` in `dir` (not below it) with the artifact `X` beside it, sorted by
/// name. A bundle whose artifact is missing is still listed: its verification fails with
/// `read-error`, it is never skipped. Files without the suffix are not looked at.
pub fn pairs_in_dir(dir: &Path) -> io::Result<Vec<Pair>> {
    let mut pairs = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let name = entry?.file_name();
        let bytes = name.as_bytes();
        let Some(stem) = bytes.strip_suffix(BUNDLE_SUFFIX.as_bytes()) else {
            continue;
        };
        if stem.is_empty() {
            continue;
        }
        pairs.push(Pair {
            subject: Subject::Path(dir.join(OsStr::from_bytes(stem))),
            bundle: dir.join(&name),
        });
    }
    pairs.sort_by(|a, b| a.bundle.cmp(&b.bundle));
    Ok(pairs)
}

/// Verifies every pair against one trusted root and one policy, on every core; the results are
/// in the order of `pairs`.
pub fn verify_many(
    root: &TrustRoot,
    pairs: &[Pair],
    policy: &SignerPolicy,
) -> Vec<Result<Passed, PairError>> {
    pairs
        .par_iter()
        .map(|p| verify_pair(root, p, policy))
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::verify::Matcher;
    use sigil_test_sigstore::{Identity, TestSigstore};

    const REPO: &str = "acme/widget";
    const WF: &str = ".github/workflows/release.yml";

    fn id() -> Identity {
        Identity::github(REPO, WF, "refs/tags/v1")
    }

    fn keyless(identity: &str) -> SignerPolicy {
        SignerPolicy::Keyless {
            identity: Matcher::exact(identity),
            issuer: Matcher::exact(sigil_test_sigstore::GITHUB_ACTIONS_ISSUER),
        }
    }

    /// A directory with `n` artifacts `a<i>.bin`, each with its bundle, and the root.
    fn signed_dir(n: usize) -> (tempfile::TempDir, TrustRoot, String) {
        let mut s = TestSigstore::new().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let identity = id();
        for i in 0..n {
            let body = format!("artifact {i}\n");
            let b = s.sign_blob(&identity, body.as_bytes()).unwrap();
            std::fs::write(dir.path().join(format!("a{i}.bin")), body).unwrap();
            std::fs::write(
                dir.path().join(format!("a{i}.bin.sigstore.json")),
                b.to_json(),
            )
            .unwrap();
        }
        let root = TrustRoot::from_json(&s.trusted_root().to_string()).unwrap();
        (dir, root, identity.san.as_str().to_owned())
    }

    fn check_subject(arg: &str, expect: Result<&str, &str>) {
        let got = Subject::parse(Path::new(arg))
            .map(|s| s.to_string())
            .map_err(|e| e.to_string());
        assert_eq!(
            got,
            expect.map(str::to_owned).map_err(str::to_owned),
            "{arg}"
        );
    }

    #[test]
    fn subjects_are_paths_or_full_digests() {
        let hex = "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";
        check_subject("dist/a.txt", Ok("dist/a.txt"));
        check_subject(&format!("sha256:{hex}"), Ok(&format!("sha256:{hex}")));
        assert!(matches!(
            Subject::parse(Path::new(&format!("sha256:{hex}"))),
            Ok(Subject::Sha256(_))
        ));
        check_subject("sha256:abc", Err("sha256:abc: not a sha256 digest"));
        check_subject(
            &format!("sha512:{hex}"),
            Err(&format!("sha512:{hex}: not a sha512 digest")),
        );
        // Upper-case hex is the same digest, shown in lower case.
        check_subject(
            &format!("sha256:{}", hex.to_uppercase()),
            Ok(&format!("sha256:{hex}")),
        );
        check_subject("sha256:", Err("sha256:: not a sha256 digest"));
    }

    #[test]
    fn a_directory_pairs_each_bundle_with_the_file_beside_it() {
        let dir = tempfile::tempdir().unwrap();
        for f in [
            "b.tar.gz.sigstore.json",
            "a.whl.sigstore.json",
            "a.whl",
            "README",
            ".sigstore.json",
            "c.sigstore.jsonl",
        ] {
            std::fs::write(dir.path().join(f), b"x").unwrap();
        }
        let got: Vec<(String, String)> = pairs_in_dir(dir.path())
            .unwrap()
            .into_iter()
            .map(|p| {
                let rel = |q: &Path| q.strip_prefix(dir.path()).unwrap().display().to_string();
                let Subject::Path(a) = &p.subject else {
                    panic!("{p:?}")
                };
                (rel(a), rel(&p.bundle))
            })
            .collect();
        assert_eq!(
            got,
            [
                ("a.whl".to_owned(), "a.whl.sigstore.json".to_owned()),
                ("b.tar.gz".to_owned(), "b.tar.gz.sigstore.json".to_owned()),
            ]
        );
        let missing = pairs_in_dir(&dir.path().join("nope")).unwrap_err();
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn many_pairs_verify_in_order_and_each_failure_keeps_its_reason() {
        let (dir, root, san) = signed_dir(6);
        let d = dir.path();
        // a1: another artifact's bundle; a2: its artifact is gone; a3: not a bundle;
        // a4: a bundle with a changed byte in its signature.
        std::fs::copy(
            d.join("a0.bin.sigstore.json"),
            d.join("a1.bin.sigstore.json"),
        )
        .unwrap();
        std::fs::remove_file(d.join("a2.bin")).unwrap();
        std::fs::write(d.join("a3.bin.sigstore.json"), b"{}").unwrap();
        let text = std::fs::read_to_string(d.join("a4.bin.sigstore.json")).unwrap();
        let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let sig = doc["messageSignature"]["signature"]
            .as_str()
            .unwrap()
            .to_owned();
        let flipped = if sig.starts_with('M') { "N" } else { "M" };
        doc["messageSignature"]["signature"] = format!("{flipped}{}", &sig[1..]).into();
        std::fs::write(d.join("a4.bin.sigstore.json"), doc.to_string()).unwrap();

        let pairs = pairs_in_dir(d).unwrap();
        assert_eq!(pairs.len(), 6);
        let results = verify_many(&root, &pairs, &keyless(&san));
        let codes: Vec<&str> = results
            .iter()
            .map(|r| r.as_ref().map_or_else(PairError::code, |_| "verified"))
            .collect();
        assert_eq!(
            codes,
            [
                "verified",
                "artifact-mismatch",
                "read-error",
                "bundle-malformed",
                "signature-invalid",
                "verified"
            ]
        );
        let Err(e) = &results[2] else { panic!() };
        assert_eq!(
            sigil_core::error::chain(e),
            format!(
                "cannot read {}: No such file or directory (os error 2)",
                d.join("a2.bin").display()
            )
        );
        // The same policy refuses them all for another signer.
        let other = verify_many(&root, &pairs[..1], &keyless("https://example.com/other"));
        assert_eq!(
            other[0].as_ref().map(|_| ()).unwrap_err().code(),
            "identity-mismatch"
        );
    }

    #[test]
    fn candidates_of_the_other_signer_kind_are_named() {
        let (dir, root, _) = signed_dir(1);
        let bundles = read_bundles(&dir.path().join("a0.bin.sigstore.json")).unwrap();
        let key = crate::verify::PublicKey::from_spki_der(&[0; 8]);
        let e = verify_candidates(
            &root,
            &bundles,
            &Subject::Path(dir.path().join("a0.bin")),
            &SignerPolicy::PublicKey(key),
        )
        .unwrap_err();
        assert_eq!(e.code(), "wrong-signer-kind");
        assert_eq!(
            e.to_string(),
            "no managed-key bundle to verify (the bundle is keyless)"
        );
    }

    #[test]
    fn a_digest_subject_verifies_without_the_file() {
        let (dir, root, san) = signed_dir(1);
        let digest = Sha256Digest::of(b"artifact 0\n");
        let pair = Pair {
            subject: Subject::Sha256(digest),
            bundle: dir.path().join("a0.bin.sigstore.json"),
        };
        let passed = verify_pair(&root, &pair, &keyless(&san)).unwrap();
        assert!(matches!(
            passed.verified.signer,
            crate::verify::BundleSigner::Certificate { .. }
        ));
        assert_eq!(passed.predicate_type, None);
    }
}
