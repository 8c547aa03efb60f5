//! Keyless (Sigstore) bundles and in-toto attestations beside the artifact, verified with
//! `sigil-sigstore` and `sigil-attest`; what they establish goes to the policy as evidence.
//!
//! [`judge_document`] is the one accept/reject loop over an attestation document: it
//! authenticates each attestation (DSSE with trusted keys, every signature; Sigstore bundles
//! keyless or with managed keys) and holds what it says against the expectations with
//! `sigil-attest`'s [`verify::assess`]. `sigil verify-attestation` and the policy gate
//! ([`attestation_evidence`]) both call it, so they judge every attestation the same way.

use sigil_attest::document::{Attestation, Located};
use sigil_attest::provenance::ProvenanceView;
use sigil_attest::verify::{
    self, Assessment, CertificateIdentity, CheckError, Checked, Expectations,
};
use sigil_attest::{ArtifactDigests, AttestReason, EnvelopeVerifyError, StatementSigner};
use sigil_policy::{
    AttestationEvidence, Code, Evidence, EvidenceSigner, KeylessEvidence, KeylessOutcome, Policy,
    Problem, ProvenanceFacts, ProvenanceFinding,
};
use sigil_sigstore::{BundleVerifyError, TrustRoot};

use crate::evidence::{GatherError, Target, MAX_SIDECAR};

fn sidecar(target: &Target<'_>, suffix: &str) -> std::path::PathBuf {
    target.sidecar_dir.join(format!("{}{suffix}", target.name))
}

fn read_limited(path: &std::path::Path, ev: &mut Evidence) -> Result<Option<Vec<u8>>, GatherError> {
    let f = match sigil_core::input::open(path) {
        Ok((f, _)) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(GatherError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    match sigil_core::input::read_bounded(f, MAX_SIDECAR) {
        Ok(buf) => Ok(Some(buf)),
        Err(e @ sigil_core::input::ReadBoundedError::TooLarge { .. }) => {
            ev.problems.push(Problem {
                code: Code::EvidenceMalformed,
                source: name_of(path),
                message: e.to_string(),
            });
            Ok(None)
        }
        Err(e) => Err(GatherError::Io {
            path: path.to_path_buf(),
            source: e.into(),
        }),
    }
}

fn name_of(p: &std::path::Path) -> String {
    p.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// `NAME.sigstore.json`: verified against the Sigstore trusted root for any identity; the policy
/// then decides whether that identity is trusted. Ignored when the policy trusts no identity.
pub fn keyless_evidence(
    policy: &Policy,
    target: &Target<'_>,
    ev: &mut Evidence,
) -> Result<(), GatherError> {
    if policy.identities.is_empty() {
        return Ok(());
    }
    let path = sidecar(target, ".sigstore.json");
    let Some(bytes) = read_limited(&path, ev)? else {
        return Ok(());
    };
    let source = name_of(&path);
    let (outcome, claims) = verify_bundle(policy, target, &bytes);
    ev.keyless.push(KeylessEvidence {
        source,
        outcome,
        claims,
    });
    Ok(())
}

/// The policy's view of a verified certificate's publisher facts.
pub fn publisher_claims(f: &sigil_sigstore::PublisherFacts) -> sigil_policy::PublisherClaims {
    sigil_policy::PublisherClaims {
        repository: f.repository(),
        owner: f.owner(),
        signer_workflow: f.signer_workflow(),
        source_ref: f.source_ref(),
        runner_environment: f.runner_environment.clone(),
        environment: None,
    }
}

/// `NAME.publish.attestation` (a PEP 740 attestation object) and `NAME.provenance` (a PEP 740
/// provenance object, as PyPI's Integrity API serves it): each attestation verified by PyPI's
/// rules (one subject naming this distribution with its sha256; a provenance object's
/// publisher held against the certificate) for any identity, then judged by the policy's
/// identities like a `.sigstore.json` bundle. Ignored when the policy trusts no identity.
pub fn pep740_evidence(
    policy: &Policy,
    target: &Target<'_>,
    ev: &mut Evidence,
) -> Result<(), GatherError> {
    use sigil_sigstore::pep740::{self, Publisher};
    if policy.identities.is_empty() {
        return Ok(());
    }
    for suffix in [".publish.attestation", ".provenance"] {
        let path = sidecar(target, suffix);
        let Some(bytes) = read_limited(&path, ev)? else {
            continue;
        };
        let file = name_of(&path);
        let atts = match pep740::parse(&bytes) {
            Ok(a) => a,
            Err(e) => {
                problem(
                    ev,
                    Code::EvidenceMalformed,
                    &file,
                    sigil_core::error::chain(&e),
                );
                continue;
            }
        };
        let root = match &policy.sigstore_root {
            Some(json) => TrustRoot::from_json(json),
            None => TrustRoot::public_good(),
        };
        let (Ok(any_id), Ok(any_issuer)) = (
            sigil_sigstore::Matcher::regex(".*"),
            sigil_sigstore::Matcher::regex(".*"),
        ) else {
            continue;
        };
        let spol = sigil_sigstore::SignerPolicy::Keyless {
            identity: any_id,
            issuer: any_issuer,
        };
        for att in &atts {
            let source = if atts.len() == 1 {
                file.clone()
            } else {
                format!("{file} {}", att.location)
            };
            let result = match &root {
                Ok(root) => pep740::verify(root, att, target.name, &ev.subject.sha256, &spol)
                    .map_err(|e| format!("{} [{}]", sigil_core::error::chain(&e), e.code())),
                Err(e) => Err(format!("trusted root: {e}")),
            };
            let (outcome, claims) = match result {
                Ok(v) => match (&v.verified.signer, v.verified.publisher.as_deref()) {
                    (
                        sigil_sigstore::BundleSigner::Certificate {
                            identity, issuer, ..
                        },
                        Some(f),
                    ) => {
                        let mut claims = publisher_claims(f);
                        claims.environment = match &v.publisher {
                            Some(Publisher::GitHub { environment, .. })
                            | Some(Publisher::GitLab { environment, .. }) => environment.clone(),
                            _ => None,
                        };
                        (
                            KeylessOutcome::Verified {
                                issuer: issuer.clone(),
                                subject: identity.clone(),
                            },
                            Some(claims),
                        )
                    }
                    _ => (
                        KeylessOutcome::Invalid {
                            reason: "not signed with a Fulcio certificate".into(),
                        },
                        None,
                    ),
                },
                Err(reason) => (KeylessOutcome::Invalid { reason }, None),
            };
            ev.keyless.push(KeylessEvidence {
                source,
                outcome,
                claims,
            });
        }
    }
    Ok(())
}

fn verify_bundle(
    policy: &Policy,
    target: &Target<'_>,
    bytes: &[u8],
) -> (KeylessOutcome, Option<sigil_policy::PublisherClaims>) {
    let outcome = verify_bundle_outcome(policy, target, bytes);
    match outcome {
        Ok((o, facts)) => (o, facts.as_deref().map(publisher_claims)),
        Err(o) => (o, None),
    }
}

type BundleOutcome = (KeylessOutcome, Option<Box<sigil_sigstore::PublisherFacts>>);

fn verify_bundle_outcome(
    policy: &Policy,
    target: &Target<'_>,
    bytes: &[u8],
) -> Result<BundleOutcome, KeylessOutcome> {
    use sigil_sigstore::{Artifact, BundleSigner, Matcher, SignerPolicy, TrustRoot};
    let invalid = |reason: String| Err(KeylessOutcome::Invalid { reason });
    // One bundle, `gh attestation download` JSON Lines, an npm attestations document or a
    // cosign `--bundle` document: the first keyless bundle that verifies counts.
    let bundles = match sigil_sigstore::parse_bundles(bytes) {
        Ok(b) => b,
        Err(e) => return invalid(format!("bundle does not parse: {e}")),
    };
    let keyless: Vec<_> = bundles
        .iter()
        .filter(|b| b.signer_kind() == sigil_sigstore::SignerKind::Certificate)
        .collect();
    if keyless.is_empty() {
        return invalid("bundle is not signed with a Fulcio certificate".into());
    }
    let root = match &policy.sigstore_root {
        Some(json) => TrustRoot::from_json(json),
        None => TrustRoot::public_good(),
    };
    let root = match root {
        Ok(r) => r,
        Err(e) => return invalid(format!("trusted root: {e}")),
    };
    let (Ok(any_id), Ok(any_issuer)) = (Matcher::regex(".*"), Matcher::regex(".*")) else {
        return invalid("internal: matcher".into());
    };
    let d = match sigil_core::input::open(target.content)
        .and_then(|(f, _)| sigil_attest::digests(f, |_| {}))
    {
        Ok(d) => d,
        Err(e) => return invalid(format!("cannot read artifact: {e}")),
    };
    let spol = SignerPolicy::Keyless {
        identity: any_id,
        issuer: any_issuer,
    };
    let mut first_err = None;
    for bundle in keyless {
        let result = if bundle.content_kind() == sigil_sigstore::ContentKind::Dsse {
            // npm subjects name only sha512.
            match sigil_sigstore::verify(&root, bundle, Artifact::Sha256(d.sha256), &spol) {
                Err(sigil_sigstore::BundleVerifyError::ArtifactMismatch(_)) => {
                    sigil_sigstore::verify(&root, bundle, Artifact::Sha512(d.sha512), &spol)
                }
                other => other,
            }
        } else {
            // A message signature is checked over the bytes (Ed25519 needs them whole).
            match sigil_core::input::open(target.content) {
                Ok((mut f, _)) => {
                    sigil_sigstore::verify(&root, bundle, Artifact::Reader(&mut f), &spol)
                }
                Err(e) => return invalid(format!("cannot read artifact: {e}")),
            }
        };
        match result {
            Ok(v) => {
                if let BundleSigner::Certificate {
                    identity, issuer, ..
                } = v.signer
                {
                    return Ok((
                        KeylessOutcome::Verified {
                            issuer,
                            subject: identity,
                        },
                        v.publisher,
                    ));
                }
            }
            Err(e) => {
                first_err.get_or_insert_with(|| e.to_string());
            }
        }
    }
    invalid(first_err.unwrap_or_else(|| "bundle is not signed with a Fulcio certificate".into()))
}

/// What an attestation verifier trusts. Keep it plain: callers pass the keys they trust for
/// attestations (the policy's, or `--key`).
#[derive(Clone, Copy)]
pub struct AttestationTrust<'a> {
    /// Ed25519 keys for DSSE envelopes.
    pub keys: &'a [sigil_keys::PublicKey],
    /// PEM keys for managed-key Sigstore bundles, each with the fingerprint to report.
    pub managed: &'a [(sigil_sigstore::PublicKey, String)],
    /// The Sigstore trusted root, for any bundle.
    pub root: Option<&'a TrustRoot>,
    /// The certificate identity and issuer keyless bundles must have (`None`: keyless
    /// bundles are not trusted; bare DSSE envelopes are then checked with `keys`).
    pub keyless: Option<&'a sigil_sigstore::SignerPolicy>,
}

/// Why an attestation was not authenticated or cannot be judged.
#[derive(Debug)]
#[non_exhaustive]
pub enum Rejection {
    /// The entry is not an attestation.
    Malformed(String),
    /// The payload names no predicate type (only when a predicate filter is given).
    NoPredicateType,
    /// The DSSE envelope does not verify with the trusted keys.
    Envelope(EnvelopeVerifyError),
    /// A bare DSSE envelope where only keyless bundles are trusted.
    NoCertificate,
    /// A bundle where no key or identity could verify it.
    WrongSignerKind(String),
    /// The bundle does not parse.
    BundleMalformed(String),
    /// The bundle does not verify.
    Bundle(BundleVerifyError),
    /// A bundle, but no Sigstore trusted root could be loaded.
    NoTrustedRoot,
    /// The statement cannot be judged (payload type, statement, subject, predicate type,
    /// unreadable provenance).
    Check(CheckError),
}

impl Rejection {
    /// The reason `sigil verify-attestation` reports.
    pub fn reason(&self) -> AttestReason {
        match self {
            Rejection::Malformed(_) | Rejection::BundleMalformed(_) => {
                AttestReason::AttestationMalformed
            }
            Rejection::NoPredicateType => AttestReason::StatementMalformed,
            Rejection::Envelope(_) => AttestReason::SignatureInvalid,
            Rejection::NoCertificate => AttestReason::NoCertificate,
            Rejection::WrongSignerKind(_) => AttestReason::WrongSignerKind,
            Rejection::Bundle(e) => AttestReason::from_bundle(e.reason()),
            Rejection::NoTrustedRoot => AttestReason::BundleRejected,
            Rejection::Check(e) => e.reason(),
        }
    }

    /// [`Rejection::reason`]'s code (`docs/codes.md`).
    pub fn code(&self) -> &'static str {
        self.reason().code()
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rejection::Malformed(m) | Rejection::WrongSignerKind(m) => f.write_str(m),
            Rejection::BundleMalformed(m) => write!(f, "bundle does not parse: {m}"),
            Rejection::NoPredicateType => {
                f.write_str("payload is not an in-toto statement with a predicate type")
            }
            Rejection::Envelope(e) => write!(f, "{e}"),
            Rejection::NoCertificate => {
                f.write_str("a bare DSSE envelope carries no certificate; verify it with --key")
            }
            Rejection::Bundle(e) => write!(f, "{}", sigil_core::error::chain(e)),
            Rejection::NoTrustedRoot => f.write_str("no trusted root"),
            Rejection::Check(e) => write!(f, "{e}"),
        }
    }
}

/// What became of one attestation of a document.
#[derive(Debug)]
pub enum Outcome {
    /// Its predicate type is not one the caller asked about; not checked.
    Skipped,
    /// Not authenticated, or not judgeable.
    Rejected(Rejection),
    /// Authenticated and judged: it passes when `assessment.findings` is empty.
    Judged {
        /// Who signed: each distinct trusted key (DSSE), or the certificate or managed key.
        signers: Vec<StatementSigner>,
        /// The statement and every finding of `sigil-attest`'s checks.
        assessment: Box<Assessment>,
    },
}

/// One attestation of a document with what became of it.
#[derive(Debug)]
pub struct Judged {
    /// Where in the file (`line 2`, `attestations[1]`, `document`).
    pub location: String,
    /// `dsse` or `sigstore-bundle` (empty for an entry that is not an attestation).
    pub kind: &'static str,
    /// The predicate type the payload names (read before authentication, for filtering
    /// and messages only).
    pub predicate_type: Option<String>,
    /// The outcome.
    pub outcome: Outcome,
}

impl Judged {
    /// Whether it was authenticated and every check passed.
    pub fn passed(&self) -> bool {
        matches!(&self.outcome, Outcome::Judged { assessment, .. } if assessment.passed())
    }
}

/// The `predicateType` a payload names. Read before authentication only to decide whether the
/// attestation is worth checking: one that lies about it gains nothing, since a skipped
/// attestation counts for nothing.
pub fn predicate_type_of(payload: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(payload).ok()?;
    v.get("predicateType")?.as_str().map(str::to_owned)
}

/// What to hold attestations against.
#[derive(Clone, Copy)]
pub enum Ask<'a> {
    /// Every attestation, against these expectations (`sigil verify-attestation`).
    All(&'a Expectations),
    /// By the predicate type the payload names: `None` skips the attestation (and one naming
    /// no predicate type is rejected); `Some` gives its expectations (the policy gate).
    ByPredicate(&'a dyn Fn(&str) -> Option<Expectations>),
}

/// The one accept/reject loop over an attestation document: each entry is authenticated with
/// `trust` and judged against the artifact's digests and the expectations `ask` gives.
pub fn judge_document(
    items: Vec<Located>,
    trust: &AttestationTrust<'_>,
    d: &ArtifactDigests,
    ask: Ask<'_>,
) -> Vec<Judged> {
    items
        .into_iter()
        .map(|item| {
            let att = match item.item {
                Ok(a) => a,
                Err(e) => {
                    return Judged {
                        location: item.location,
                        kind: "",
                        predicate_type: None,
                        outcome: Outcome::Rejected(Rejection::Malformed(e.to_string())),
                    }
                }
            };
            let predicate_type = predicate_type_of(&att.envelope().payload);
            let outcome = match (ask, &predicate_type) {
                (Ask::All(exp), _) => judge(&att, trust, d, exp),
                (Ask::ByPredicate(_), None) => Outcome::Rejected(Rejection::NoPredicateType),
                (Ask::ByPredicate(f), Some(t)) => match f(t) {
                    Some(exp) => judge(&att, trust, d, &exp),
                    None => Outcome::Skipped,
                },
            };
            Judged {
                location: item.location,
                kind: att.kind(),
                predicate_type,
                outcome,
            }
        })
        .collect()
}

/// An attestation `sigil verify-attestation` accepted.
#[derive(Debug)]
pub struct Accepted {
    /// Where in the file.
    pub location: String,
    /// `dsse` or `sigstore-bundle`.
    pub kind: &'static str,
    /// The first signer.
    pub signer: StatementSigner,
    /// What the statement says.
    pub checked: Checked,
}

/// Why an attestation of the document was not accepted: every finding's code, and the
/// messages joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Where in the file.
    pub location: String,
    /// Every code, in order.
    pub codes: Vec<&'static str>,
    /// Every message, `; `-separated.
    pub message: String,
}

/// The code of a document nothing could be read from, and of a refusal without findings.
pub const MALFORMED: &str = "attestation-malformed";

impl Refusal {
    /// The first code (JSON `reason`; `reasons` has them all).
    pub fn code(&self) -> &'static str {
        self.codes.first().copied().unwrap_or(MALFORMED)
    }

    /// The refusal as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "location": self.location, "reason": self.code(), "reasons": self.codes, "message": self.message })
    }
}

/// What became of every attestation of a document: accepted, or refused with reasons.
#[derive(Debug, Default)]
pub struct DocumentVerdict {
    /// Authenticated and passing every check, in document order.
    pub accepted: Vec<Accepted>,
    /// Refused, in document order.
    pub rejected: Vec<Refusal>,
}

impl DocumentVerdict {
    /// The code of a document with nothing accepted: the first refusal's.
    pub fn reason(&self) -> &'static str {
        self.rejected.first().map_or(MALFORMED, Refusal::code)
    }

    /// Whether a refusal asks for a flag the caller did not give (`builder-id-required`: the
    /// signer delegates to a builder, and no `--builder-id` names it).
    pub fn needs_builder_id(&self) -> bool {
        self.rejected
            .iter()
            .any(|r| r.code() == "builder-id-required")
    }

    /// The verdict for people: each accepted attestation ([`Accepted::lines`]), then a
    /// `not used` line for each refusal.
    pub fn lines(&self, subject: &str, attestation: &str, d: &ArtifactDigests) -> Vec<String> {
        let accepted = self.accepted.iter();
        let mut out: Vec<String> = accepted
            .flat_map(|a| a.lines(subject, attestation, d))
            .collect();
        out.extend(self.rejected.iter().map(|r| {
            format!(
                "not used: {} ({}): {}",
                r.location,
                r.codes.join(", "),
                r.message
            )
        }));
        out
    }

    /// Why nothing in `attestation` was accepted, in one line.
    pub fn refusal_message(&self, attestation: &str) -> String {
        match self.rejected.as_slice() {
            [one] => format!("{attestation} ({}): {}", one.location, one.message),
            _ => {
                let all: Vec<_> = self
                    .rejected
                    .iter()
                    .map(|r| format!("{}: {}", r.location, r.message))
                    .collect();
                format!("{attestation}: no attestation verified: {}", all.join("; "))
            }
        }
    }
}

/// `sigil verify-attestation`'s verdict on a document: [`judge_document`] over every
/// attestation against `exp`; one passes with its first signer, any other is refused with
/// its findings' codes (or its rejection's).
pub fn verify_document(
    items: Vec<Located>,
    trust: &AttestationTrust<'_>,
    d: &ArtifactDigests,
    exp: &Expectations,
) -> DocumentVerdict {
    let mut v = DocumentVerdict::default();
    for j in judge_document(items, trust, d, Ask::All(exp)) {
        match j.outcome {
            Outcome::Judged {
                signers,
                assessment,
            } if assessment.passed() => {
                if let Some(signer) = signers.into_iter().next() {
                    v.accepted.push(Accepted {
                        location: j.location,
                        kind: j.kind,
                        signer,
                        checked: assessment.checked,
                    });
                }
            }
            Outcome::Judged { assessment, .. } => v.rejected.push(Refusal {
                location: j.location,
                codes: assessment.findings.iter().map(|f| f.code()).collect(),
                message: assessment
                    .findings
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            }),
            Outcome::Rejected(r) => v.rejected.push(Refusal {
                location: j.location,
                codes: vec![r.code()],
                message: r.to_string(),
            }),
            Outcome::Skipped => {}
        }
    }
    v
}

impl Accepted {
    /// The source the provenance names (the trigger, else the first resolved dependency) and
    /// its commit (the dependency's, else the trigger's).
    fn source(&self) -> Option<(&sigil_attest::provenance::SourceRef, Option<&str>)> {
        let p = self.checked.provenance.as_ref()?;
        let source = p.trigger.as_ref().or(p.source.as_ref())?;
        let commit = p
            .source
            .as_ref()
            .and_then(|s| s.commit.as_deref())
            .or_else(|| p.trigger.as_ref().and_then(|t| t.commit.as_deref()));
        Some((source, commit))
    }

    /// The accepted attestation as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        let c = &self.checked;
        let p = c.provenance.as_ref();
        let source = self.source().map(
            |(s, commit)| serde_json::json!({ "uri": s.uri, "ref": s.git_ref, "commit": commit }),
        );
        serde_json::json!({
            "location": self.location,
            "kind": self.kind,
            "statement_type": c.statement.version.as_str(),
            "predicate_type": c.statement.predicate_type,
            "subject_name": c.subject_name(),
            "builder_id": p.map(|p| p.builder_id.clone()),
            "build_type": p.map(|p| p.build_type.clone()),
            "source": source,
            "signer": self.signer.to_json(),
        })
    }

    /// The accepted attestation for people: what verified, the subject and the digest it
    /// names (sha256 when it has one, else sha512), builder, source and signer.
    pub fn lines(&self, subject: &str, attestation: &str, d: &ArtifactDigests) -> Vec<String> {
        let c = &self.checked;
        let has256 = c
            .statement
            .subjects
            .get(c.subject_index)
            .is_some_and(|s| s.digests.contains_key("sha256"));
        let digest = if has256 {
            format!("sha256 {}", d.sha256)
        } else {
            format!("sha512 {}", d.sha512)
        };
        let mut out = vec![
            format!(
                "verified {subject} against {attestation} ({}, {})",
                self.location, self.kind
            ),
            format!("  subject: {} ({digest})", c.subject_name()),
            format!("  predicate type: {}", c.statement.predicate_type),
        ];
        if let Some(p) = &c.provenance {
            out.push(format!("  builder: {}", p.builder_id));
            if let Some((s, commit)) = self.source() {
                let described =
                    sigil_attest::provenance::describe_source(&s.uri, s.git_ref.as_deref(), commit);
                out.push(format!("  source: {described}"));
            }
        }
        out.push(format!("  signer: {}", self.signer.describe()));
        out
    }
}

/// Authenticates one attestation and judges what it says.
pub fn judge(
    att: &Attestation,
    trust: &AttestationTrust<'_>,
    d: &ArtifactDigests,
    exp: &Expectations,
) -> Outcome {
    let (payload_type, payload, signers) = match authenticate(att, trust, d) {
        Ok(a) => a,
        Err(r) => return Outcome::Rejected(r),
    };
    let Some(first) = signers.first() else {
        return Outcome::Rejected(Rejection::Envelope(EnvelopeVerifyError::NoTrustedKeys));
    };
    match verify::assess(&payload_type, &payload, &d.sha256, &d.sha512, first, exp) {
        Ok(assessment) => Outcome::Judged {
            signers,
            assessment: Box::new(assessment),
        },
        Err(e) => Outcome::Rejected(Rejection::Check(e)),
    }
}

type Authenticated = (String, Vec<u8>, Vec<StatementSigner>);

fn authenticate(
    att: &Attestation,
    trust: &AttestationTrust<'_>,
    d: &ArtifactDigests,
) -> Result<Authenticated, Rejection> {
    match att {
        Attestation::Dsse(env) => {
            if trust.keys.is_empty() && trust.keyless.is_some() {
                return Err(Rejection::NoCertificate);
            }
            let v = env.verify(trust.keys).map_err(Rejection::Envelope)?;
            let signers = v
                .signers
                .into_iter()
                .map(|fingerprint| StatementSigner::Key { fingerprint })
                .collect();
            Ok((v.payload_type, v.payload, signers))
        }
        Attestation::Bundle { json, .. } => {
            let bundle = sigil_sigstore::Bundle::parse(json.as_bytes())
                .map_err(|e| Rejection::BundleMalformed(sigil_core::error::chain(&e)))?;
            if trust.keyless.is_none() && trust.managed.is_empty() {
                return Err(Rejection::WrongSignerKind(
                    "a Sigstore bundle needs a PEM public key or the keyless flags".to_owned(),
                ));
            }
            let Some(root) = trust.root else {
                return Err(Rejection::NoTrustedRoot);
            };
            if let Some(policy) = trust.keyless {
                return verify_dsse_bundle(root, &bundle, d, policy, None);
            }
            let mut last = Rejection::WrongSignerKind(
                "a Sigstore bundle needs a PEM public key or the keyless flags".to_owned(),
            );
            for (pk, fp) in trust.managed {
                let policy = sigil_sigstore::SignerPolicy::PublicKey(pk.clone());
                match verify_dsse_bundle(root, &bundle, d, &policy, Some(fp)) {
                    Ok(v) => return Ok(v),
                    Err(e) => last = e,
                }
            }
            Err(last)
        }
    }
}

/// A Sigstore bundle carrying DSSE, verified offline for the artifact's sha256 (else sha512).
fn verify_dsse_bundle(
    root: &TrustRoot,
    bundle: &sigil_sigstore::Bundle,
    d: &ArtifactDigests,
    policy: &sigil_sigstore::SignerPolicy,
    key_fingerprint: Option<&str>,
) -> Result<Authenticated, Rejection> {
    use sigil_sigstore::Artifact;
    let run = |a: Artifact<'_>| sigil_sigstore::verify_dsse(root, bundle, a, policy);
    let result = match run(Artifact::Sha256(d.sha256)) {
        Err(BundleVerifyError::ArtifactMismatch(_)) => run(Artifact::Sha512(d.sha512)),
        other => other,
    };
    let (v, payload_type, payload) = result.map_err(Rejection::Bundle)?;
    let signer = match v.signer {
        sigil_sigstore::BundleSigner::Certificate {
            identity,
            issuer,
            claims,
            ..
        } => StatementSigner::Certificate(certificate_identity(identity, issuer, &claims)),
        _ => StatementSigner::Key {
            fingerprint: key_fingerprint.unwrap_or_default().to_owned(),
        },
    };
    Ok((payload_type, payload, vec![signer]))
}

/// Whether a statement with this predicate type could satisfy the policy.
fn relevant(policy: &Policy, predicate_type: &str) -> bool {
    policy
        .provenance
        .as_ref()
        .is_some_and(|p| p.predicate_type == predicate_type)
        || policy
            .sbom
            .as_ref()
            .is_some_and(|s| s.predicate_types.iter().any(|t| t == predicate_type))
}

fn problem(ev: &mut Evidence, code: Code, source: &str, message: String) {
    ev.problems.push(Problem {
        code,
        source: source.to_owned(),
        message,
    });
}

/// The attestation checker's view of a Fulcio certificate: identity, issuer, and the source and
/// build claims (falling back to GitHub's older workflow extensions).
pub fn certificate_identity(
    identity: String,
    issuer: String,
    c: &sigil_sigstore::PublisherFacts,
) -> CertificateIdentity {
    CertificateIdentity {
        identity,
        issuer,
        source_repository_uri: c.repository(),
        source_repository_ref: c.source_ref(),
        source_repository_digest: c.source_digest(),
        build_config_uri: c.build_config_uri.clone(),
        run_invocation_uri: c.run_invocation_uri.clone(),
        runner_environment: c.runner_environment.clone(),
    }
}

fn facts_of(view: &ProvenanceView) -> ProvenanceFacts {
    ProvenanceFacts {
        builder_id: Some(view.builder_id.clone()),
        source_uri: verify::claimed_source(view).map(|s| s.uri.clone()),
        source_ref: verify::claimed_ref(view).map(str::to_owned),
        findings: None,
    }
}

/// The policy's builder and source findings (waivable, each its own code; several source
/// facts that differ are one `source-mismatch`), and the other findings, which are integrity
/// failures (`attestation-invalid`) whatever the policy says.
fn policy_findings(
    findings: &[CheckError],
    predicate_type: &str,
) -> (Vec<ProvenanceFinding>, Vec<String>) {
    let mut waivable = Vec::new();
    let mut integrity = Vec::new();
    let mut sources: Vec<(&'static str, &str)> = Vec::new();
    let mut expected_source = "";
    for f in findings {
        match f {
            CheckError::BuilderMismatch { expected, actual } => {
                waivable.push(ProvenanceFinding {
                    code: Code::BuilderMismatch,
                    message: format!("builder {actual:?}, expected {expected:?}"),
                });
            }
            CheckError::SourceMismatch {
                fact,
                expected,
                actual,
            } => {
                expected_source = expected;
                sources.push((fact, actual));
            }
            CheckError::RefMismatch { expected, actual } => waivable.push(ProvenanceFinding {
                code: Code::RefMismatch,
                message: format!("source ref {actual:?} does not match {expected:?}"),
            }),
            other => integrity.push(format!(
                "attestation ({predicate_type}): {other} [{}]",
                other.code()
            )),
        }
    }
    if let Some((_, first)) = sources.first() {
        let shown = |a: &str| {
            if a.is_empty() {
                "(none)".to_owned()
            } else {
                format!("{a:?}")
            }
        };
        let what = if sources.iter().all(|(_, a)| a == first) {
            shown(first)
        } else {
            sources
                .iter()
                .map(|(fact, a)| format!("{} ({fact})", shown(a)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        waivable.push(ProvenanceFinding {
            code: Code::SourceMismatch,
            message: format!("source {what}, expected {expected_source:?}"),
        });
    }
    (waivable, integrity)
}

/// Records what one judged attestation establishes for the policy.
fn record(
    policy: &Policy,
    j: Judged,
    d: &ArtifactDigests,
    root_error: Option<&str>,
    ev: &mut Evidence,
) {
    let source = j.location;
    let predicate_type = j.predicate_type.clone().unwrap_or_default();
    let (signers, assessment) = match j.outcome {
        Outcome::Skipped => return,
        Outcome::Judged {
            signers,
            assessment,
        } => (signers, assessment),
        Outcome::Rejected(r) => {
            rejected(policy, r, &source, &predicate_type, d, root_error, ev);
            return;
        }
    };
    let provenance = match &assessment.checked.provenance {
        Some(view) => {
            let (waivable, integrity) = policy_findings(&assessment.findings, &predicate_type);
            if !integrity.is_empty() {
                // It does not count; every finding is still reported, each with its own
                // code (an exception for one of them waives only that one).
                for m in integrity {
                    problem(ev, Code::AttestationInvalid, &source, m);
                }
                for f in waivable {
                    problem(ev, f.code, &source, f.message);
                }
                return;
            }
            Some(ProvenanceFacts {
                findings: Some(waivable),
                ..facts_of(view)
            })
        }
        None => None,
    };
    let role = policy.role_for_predicate(&predicate_type);
    for s in signers {
        let policy_signer = match &s {
            StatementSigner::Key { fingerprint } => {
                let Some(k) = policy
                    .keys
                    .iter()
                    .find(|k| &k.key.fingerprint() == fingerprint)
                else {
                    continue;
                };
                if let Some(role) = role.filter(|r| !k.has_role(*r)) {
                    // A trusted key outside its roles: it does not count, and says why.
                    problem(
                        ev,
                        Code::KeyRoleMissing,
                        &source,
                        format!(
                            "attestation ({predicate_type}): signed by key {}, whose roles ({}) do not include {role}, so it does not count",
                            k.label(),
                            k.roles_text()
                        ),
                    );
                    continue;
                }
                EvidenceSigner::Key(k.key.raw())
            }
            StatementSigner::Certificate(c) => EvidenceSigner::Identity {
                issuer: c.issuer.clone(),
                subject: c.identity.clone(),
            },
        };
        ev.attestations.push(AttestationEvidence {
            source: source.clone(),
            signer: policy_signer,
            predicate_type: predicate_type.clone(),
            provenance: provenance.clone(),
        });
    }
}

/// The policy's finding for an attestation that was not authenticated or cannot be judged.
fn rejected(
    policy: &Policy,
    r: Rejection,
    source: &str,
    predicate_type: &str,
    d: &ArtifactDigests,
    root_error: Option<&str>,
    ev: &mut Evidence,
) {
    // Whether a key id hint names a policy key (then a failing signature means the envelope
    // was changed, not that a stranger signed it).
    let names_policy_key = |hint: &str| {
        policy.keys.iter().find(|k| {
            hint.eq_ignore_ascii_case(&k.key.fingerprint())
                || hint.eq_ignore_ascii_case(&k.key.key_id().to_string())
        })
    };
    match r {
        Rejection::Malformed(m) => problem(ev, Code::EvidenceMalformed, source, m),
        Rejection::BundleMalformed(m) => problem(
            ev,
            Code::EvidenceMalformed,
            source,
            format!("bundle does not parse: {m}"),
        ),
        Rejection::NoPredicateType => problem(
            ev,
            Code::EvidenceMalformed,
            source,
            "payload is not an in-toto statement with a predicate type".into(),
        ),
        Rejection::Envelope(EnvelopeVerifyError::UnverifiedSignature { index, hint, .. }) => {
            match names_policy_key(&hint) {
                Some(k) => problem(
                    ev,
                    Code::AttestationInvalid,
                    source,
                    format!(
                        "attestation ({predicate_type}) signature {index} names key {} but does not verify: the envelope was changed",
                        k.label()
                    ),
                ),
                None => problem(
                    ev,
                    Code::KeyUntrusted,
                    source,
                    format!(
                        "attestation ({predicate_type}) signature {index} (key id hint {hint}) is not by a key the policy trusts; every signature of an envelope must verify with a trusted key"
                    ),
                ),
            }
        }
        Rejection::Envelope(e) => {
            // No signature verified: a hint naming a policy key means the envelope was changed.
            let hints = match &e {
                EnvelopeVerifyError::NoValidSignature { hints, .. } => hints.clone(),
                _ => String::new(),
            };
            match hints.split(", ").find_map(names_policy_key) {
                Some(k) => problem(
                    ev,
                    Code::AttestationInvalid,
                    source,
                    format!(
                        "attestation ({predicate_type}) names key {} but its signature does not verify: the envelope was changed",
                        k.label()
                    ),
                ),
                None => problem(
                    ev,
                    Code::KeyUntrusted,
                    source,
                    format!(
                        "attestation ({predicate_type}) is not signed by any key the policy trusts (key id hints: {})",
                        if hints.is_empty() { "none" } else { hints.as_str() }
                    ),
                ),
            }
        }
        Rejection::NoCertificate => problem(
            ev,
            Code::KeyUntrusted,
            source,
            format!("attestation ({predicate_type}) is not signed by any key the policy trusts (the policy trusts no keys)"),
        ),
        Rejection::NoTrustedRoot => problem(
            ev,
            Code::AttestationInvalid,
            source,
            format!("trusted root: {}", root_error.unwrap_or("none")),
        ),
        Rejection::WrongSignerKind(m) => problem(
            ev,
            Code::AttestationInvalid,
            source,
            format!("bundle does not verify: {m}"),
        ),
        Rejection::Bundle(BundleVerifyError::ArtifactMismatch(_))
        | Rejection::Check(CheckError::SubjectMismatch { .. }) => problem(
            ev,
            Code::AttestationSubjectMismatch,
            source,
            format!(
                "attestation ({predicate_type}) names other artifacts, not sha256 {}",
                d.sha256.to_hex()
            ),
        ),
        Rejection::Bundle(e) => problem(
            ev,
            Code::AttestationInvalid,
            source,
            format!("bundle does not verify: {}", sigil_core::error::chain(&e)),
        ),
        Rejection::Check(e) => problem(
            ev,
            Code::AttestationInvalid,
            source,
            format!("attestation ({predicate_type}): {e} [{}]", e.code()),
        ),
    }
}

/// `NAME.intoto.jsonl` (JSON Lines of DSSE envelopes or Sigstore bundles, a single envelope or
/// bundle, or npm's attestations document), read only when the policy requires provenance or an
/// SBOM. Each attestation whose predicate type could satisfy the policy is judged by
/// [`judge_document`], as `sigil verify-attestation` judges it: key-signed envelopes against the
/// policy keys (every signature must verify with one), bundles against the Sigstore trusted
/// root for any identity (the policy then decides whether the identity is trusted); then
/// `sigil-attest` checks that it names the artifact (sha256 or sha512), binds a keyless signer
/// to the builder, and holds the builder and every source fact against the policy's
/// `builder-id` and `source-uri`. Attestations with other predicate types are skipped.
pub fn attestation_evidence(
    policy: &Policy,
    target: &Target<'_>,
    ev: &mut Evidence,
) -> Result<(), GatherError> {
    if policy.provenance.is_none() && policy.sbom.is_none() {
        return Ok(());
    }
    let path = sidecar(target, ".intoto.jsonl");
    let Some(bytes) = read_limited(&path, ev)? else {
        return Ok(());
    };
    let file = name_of(&path);
    let Ok(text) = std::str::from_utf8(&bytes) else {
        problem(ev, Code::EvidenceMalformed, &file, "not UTF-8 text".into());
        return Ok(());
    };
    let items = match sigil_attest::document::read(text) {
        Ok(items) => items,
        Err(e) => {
            problem(ev, Code::EvidenceMalformed, &file, e.to_string());
            return Ok(());
        }
    };
    let wanted = |t: &str| relevant(policy, t);
    // Hash the artifact only when some attestation could count.
    let any = items.iter().any(|i| {
        i.item.as_ref().map_or(true, |a| {
            predicate_type_of(&a.envelope().payload).is_none_or(|t| wanted(&t))
        })
    });
    if !any {
        return Ok(());
    }
    let (f, _) = sigil_core::input::open(target.content).map_err(|source| GatherError::Io {
        path: target.content.to_path_buf(),
        source,
    })?;
    let d = sigil_attest::digests(f, |_| {}).map_err(|source| GatherError::Io {
        path: target.content.to_path_buf(),
        source,
    })?;
    let root = match &policy.sigstore_root {
        Some(json) => TrustRoot::from_json(json),
        None => TrustRoot::public_good(),
    };
    let root_error = root.as_ref().err().map(ToString::to_string);
    // Any identity: the policy decides afterwards whether it trusts the one that signed.
    let any_identity = match (
        sigil_sigstore::Matcher::regex(".*"),
        sigil_sigstore::Matcher::regex(".*"),
    ) {
        (Ok(identity), Ok(issuer)) => {
            Some(sigil_sigstore::SignerPolicy::Keyless { identity, issuer })
        }
        _ => None,
    };
    let keys: Vec<sigil_keys::PublicKey> = policy.keys.iter().map(|k| k.key.clone()).collect();
    let trust = AttestationTrust {
        keys: &keys,
        managed: &[],
        root: root.as_ref().ok(),
        keyless: any_identity.as_ref(),
    };
    let expectations = |t: &str| -> Option<Expectations> {
        if !wanted(t) {
            return None;
        }
        Some(match &policy.provenance {
            // Provenance of the policy's predicate type is judged against its builder and
            // every source fact; the policy matches the ref itself (exactly or by regex)
            // against the claimed ref, which sigil-attest binds to the certificate.
            Some(rule)
                if rule.predicate_type == t
                    && matches!(
                        t,
                        sigil_attest::provenance::SLSA_PROVENANCE_V1
                            | sigil_attest::provenance::SLSA_PROVENANCE_V02
                    ) =>
            {
                Expectations {
                    predicate_type: None,
                    builder_id: rule.builder_id.clone(),
                    source_uri: rule.source_uri.clone(),
                    source_ref: None,
                    certificate_policy: false,
                }
            }
            _ => Expectations::default(),
        })
    };
    for mut j in judge_document(items, &trust, &d, Ask::ByPredicate(&expectations)) {
        j.location = format!("{file} {}", j.location);
        record(policy, j, &d, root_error.as_deref(), ev);
    }
    Ok(())
}

/// Appends `line` to the JSON Lines file at `path` (created when missing), adding a newline
/// first if the file does not end with one; synced before it returns.
pub fn append_line(path: &std::path::Path, line: &str) -> std::io::Result<()> {
    use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)?;
    let len = f.metadata()?.len();
    let mut text = String::new();
    if len > 0 {
        f.seek(SeekFrom::Start(len - 1))?;
        let mut last = [0u8; 1];
        f.read_exact(&mut last)?;
        if last[0] != b'\n' {
            text.push('\n');
        }
    }
    text.push_str(line);
    text.push('\n');
    f.write_all(text.as_bytes())?;
    f.sync_all()
}

/// Whether two paths name the same file: the same device and inode (a hard link or another
/// spelling counts), or the same canonical path. An attestation appended to a file it
/// attests would change that artifact.
pub fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) if x.dev() == y.dev() && x.ino() == y.ino() => true,
        _ => matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(fact: &'static str, actual: &str) -> CheckError {
        CheckError::SourceMismatch {
            fact,
            expected: "github.com/acme/widget".into(),
            actual: actual.into(),
        }
    }

    #[test]
    fn policy_findings_keep_each_code_and_name_each_differing_fact() {
        let findings = [
            CheckError::BuilderMismatch {
                expected: "b".into(),
                actual: "x".into(),
            },
            CheckError::SourceConflict {
                field: "repository",
                trigger: "github.com/acme/widget".into(),
                dependency: "github.com/evil/other".into(),
            },
            source("resolved dependency", "github.com/evil/other"),
            source("certificate source repository", "github.com/acme/sandbox"),
        ];
        let (waivable, integrity) = policy_findings(&findings, "p");
        assert_eq!(
            waivable,
            vec![
                ProvenanceFinding {
                    code: Code::BuilderMismatch,
                    message: "builder \"x\", expected \"b\"".into(),
                },
                ProvenanceFinding {
                    code: Code::SourceMismatch,
                    message: "source \"github.com/evil/other\" (resolved dependency), \"github.com/acme/sandbox\" (certificate source repository), expected \"github.com/acme/widget\"".into(),
                },
            ]
        );
        assert_eq!(
            integrity,
            vec!["attestation (p): provenance names two sources: trigger repository \"github.com/acme/widget\", resolved dependency repository \"github.com/evil/other\" [source-conflict]"]
        );
        // The same value from several facts is said once; an absent source is "(none)".
        let (waivable, _) = policy_findings(
            &[
                source("trigger repository", "github.com/a/b"),
                source("resolved dependency", "github.com/a/b"),
            ],
            "p",
        );
        assert_eq!(
            waivable[0].message,
            "source \"github.com/a/b\", expected \"github.com/acme/widget\""
        );
        let (waivable, _) = policy_findings(&[source("source", "")], "p");
        assert_eq!(
            waivable[0].message,
            "source (none), expected \"github.com/acme/widget\""
        );
    }
}

#[cfg(test)]
mod file_tests {
    use super::*;

    /// A key-signed envelope about an artifact with `body`.
    fn envelope(key: &sigil_keys::SecretKey, body: &[u8]) -> String {
        let d = sigil_attest::digests(body, |_| {}).unwrap();
        let (payload, _) = sigil_attest::attest_payload(
            "https://example.com/p",
            b"{}",
            &[("a.bin".to_owned(), d)],
            sigil_attest::SubjectDigest::Sha256,
        )
        .unwrap();
        sigil_attest::Envelope::sign(key, sigil_attest::INTOTO_PAYLOAD_TYPE, payload).to_json()
    }

    #[test]
    fn a_document_verdict_accepts_the_good_and_says_why_the_rest_failed() {
        let (key, stranger) = (
            sigil_keys::SecretKey::generate(),
            sigil_keys::SecretKey::generate(),
        );
        let text = [
            envelope(&key, b"artifact"),
            envelope(&key, b"another artifact"),
            envelope(&stranger, b"artifact"),
        ]
        .join("\n");
        let keys = [key.public()];
        let trust = AttestationTrust {
            keys: &keys,
            managed: &[],
            root: None,
            keyless: None,
        };
        let d = sigil_attest::digests(&b"artifact"[..], |_| {}).unwrap();
        let items = sigil_attest::document::read(&text).unwrap();
        let v = verify_document(items, &trust, &d, &Expectations::default());
        assert_eq!(v.accepted.len(), 1);
        assert_eq!(v.accepted[0].location, "line 1");
        assert_eq!(v.accepted[0].to_json()["signer"]["kind"], "key");
        let lines = v.accepted[0].lines("a.bin", "a.jsonl", &d);
        assert_eq!(lines[0], "verified a.bin against a.jsonl (line 1, dsse)");
        assert_eq!(lines[1], format!("  subject: a.bin (sha256 {})", d.sha256));
        let codes: Vec<_> = v.rejected.iter().map(Refusal::code).collect();
        assert_eq!(codes, ["artifact-mismatch", "signature-invalid"]);
        assert_eq!(v.reason(), "artifact-mismatch");
        assert!(!v.needs_builder_id());
        assert_eq!(v.rejected[1].to_json()["location"], "line 3");
        assert!(v
            .refusal_message("a.jsonl")
            .starts_with("a.jsonl: no attestation verified: line 2: "));
        let all = v.lines("a.bin", "a.jsonl", &d);
        assert_eq!(all.len(), lines.len() + 2);
        assert!(
            all[lines.len()].starts_with("not used: line 2 (artifact-mismatch): "),
            "{all:?}"
        );
        let none = DocumentVerdict::default();
        assert_eq!(none.reason(), MALFORMED);
    }

    #[test]
    fn append_line_adds_a_missing_newline_and_keeps_earlier_lines() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.intoto.jsonl");
        append_line(&p, "{}").unwrap();
        std::fs::write(&p, "{\"a\":1}").unwrap();
        append_line(&p, "{\"b\":2}").unwrap();
        append_line(&p, "{\"c\":3}").unwrap();
        assert_eq!(
            std::fs::read_to_string(&p).unwrap(),
            "{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n"
        );
    }

    #[test]
    fn same_file_sees_hard_links_and_other_spellings() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a");
        std::fs::write(&a, "x").unwrap();
        std::fs::hard_link(&a, d.path().join("b")).unwrap();
        std::fs::write(d.path().join("c"), "x").unwrap();
        assert!(same_file(&a, &d.path().join("b")));
        assert!(same_file(&a, &d.path().join(".").join("a")));
        assert!(!same_file(&a, &d.path().join("c")));
        assert!(!same_file(&a, &d.path().join("missing")));
    }
}
