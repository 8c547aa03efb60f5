//! What a verified statement must say: the subject, the predicate type, and for SLSA
//! provenance the builder (bound to the signer), the source repository and the ref.
//!
//! Signature checking happens before this module (DSSE with trusted keys, or a Sigstore
//! bundle); here the authenticated statement is held against the user's expectations and
//! against who signed it.
//!
//! Every provenance check runs and reports ([`check_provenance`] returns all findings, each
//! with its own code), so a caller that waives one code (a policy exception) never switches
//! another check off. `sigil verify-attestation` and `sigil verify --policy` both judge
//! provenance with [`check_provenance`].
//!
//! Builder binding, as slsa-verifier does it:
//! - signed with a trusted key: the key is the trust anchor; `--builder-id` is compared with
//!   the provenance's builder id (exactly, or up to its `@ref`);
//! - keyless, signed by an slsa-github-generator delegator workflow: the delegator is the
//!   signer and the provenance names the real builder, so `--builder-id` is required and is
//!   matched against it; the builder id must be pinned to a `refs/tags/v` tag;
//! - keyless, builder `https://github.com/actions/runner/{github,self}-hosted` (npm CLI
//!   provenance): `--builder-id` is required and must be exactly that id, the certificate's
//!   runner environment must agree, and the certificate must carry a source repository;
//! - keyless otherwise: the certificate identity IS the builder: the provenance's builder id
//!   must equal the certificate's subject, so a valid signature from another workflow is
//!   rejected (`signer-not-builder`).
//!
//! Source binding ([`check_source`]), the same for every signer:
//! - the source facts are the trigger repository (the workflow's repository), the first
//!   resolved dependency, and for keyless signers the certificate's Source Repository URI
//!   (1.3.6.1.4.1.57264.1.12, or the older 1.5);
//! - the trigger and the dependency must name the same repository, ref and commit where both
//!   say (`source-conflict`); in every keyless path the certificate's repository, ref (1.14)
//!   and commit (1.13), build config (1.18) and run (1.21) must be what the provenance claims
//!   (`certificate-mismatch`);
//! - `--source-uri` is held against every fact, and each that differs is reported
//!   (`source-mismatch`);
//! - repositories compare without scheme, `git+`, user, `.git`, trailing `/` or `@ref`; the
//!   host compares case-insensitively, and on `github.com` so do owner and repository names
//!   (GitHub treats them so); other paths, refs and workflow paths compare exactly; commits
//!   compare as case-insensitive hex.

use sigil_core::{Sha256Digest, Sha512Digest};
use thiserror::Error;

use crate::dsse::INTOTO_PAYLOAD_TYPE;
use crate::provenance::{
    self, ProvenanceReadError, ProvenanceView, SourceRef, SLSA_PROVENANCE_V02, SLSA_PROVENANCE_V1,
};
use crate::statement::{Statement, StatementParseError};

/// The OIDC issuer of GitHub Actions workflow identities.
pub const GITHUB_ACTIONS_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// slsa-github-generator's delegator workflows: they sign for builders that name themselves in
/// the provenance.
pub const DELEGATOR_WORKFLOWS: [&str; 2] = [
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/delegator_generic_slsa3.yml",
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/delegator_lowperms-generic_slsa3.yml",
];

/// Builder ids the npm CLI writes for GitHub-hosted and self-hosted runners.
pub const RUNNER_BUILDERS: [(&str, &str); 2] = [
    (
        "https://github.com/actions/runner/github-hosted",
        "github-hosted",
    ),
    (
        "https://github.com/actions/runner/self-hosted",
        "self-hosted",
    ),
];

/// A Fulcio certificate's identity and the GitHub workflow facts it carries
/// (OIDs 1.3.6.1.4.1.57264.1.8 onwards; the legacy 1.1-1.6 values fill gaps). A plain value:
/// `sigil-gate` fills it from a verified certificate, and tests construct it directly.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateIdentity {
    /// The subject alternative name (for GitHub: the signing workflow's URI and ref).
    pub identity: String,
    /// The OIDC issuer.
    pub issuer: String,
    /// Source Repository URI (1.12), e.g. `https://github.com/o/r`.
    pub source_repository_uri: Option<String>,
    /// Source Repository Ref (1.14).
    pub source_repository_ref: Option<String>,
    /// Source Repository Digest (1.13).
    pub source_repository_digest: Option<String>,
    /// Build Config URI (1.18): the top-level workflow `https://github.com/o/r/<path>@<ref>`.
    pub build_config_uri: Option<String>,
    /// Run Invocation URI (1.21).
    pub run_invocation_uri: Option<String>,
    /// Runner Environment (1.11): `github-hosted` or `self-hosted`.
    pub runner_environment: Option<String>,
}

/// Who signed a statement, as established by signature verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatementSigner {
    /// A trusted key, by fingerprint.
    Key {
        /// [`sigil_keys::PublicKey::fingerprint`].
        fingerprint: String,
    },
    /// A keyless (Fulcio) certificate that chained to the trusted root.
    Certificate(CertificateIdentity),
}

impl StatementSigner {
    /// A one-line description for output.
    pub fn describe(&self) -> String {
        match self {
            StatementSigner::Key { fingerprint } => format!("key {fingerprint}"),
            StatementSigner::Certificate(c) => format!("{} (issuer {})", c.identity, c.issuer),
        }
    }

    /// The signer as JSON (`kind` `key` or `certificate`, with the certificate's publisher
    /// claims).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            StatementSigner::Key { fingerprint } => {
                serde_json::json!({ "kind": "key", "fingerprint": fingerprint })
            }
            StatementSigner::Certificate(c) => serde_json::json!({
                "kind": "certificate",
                "identity": c.identity,
                "issuer": c.issuer,
                "source_repository_uri": c.source_repository_uri,
                "source_repository_ref": c.source_repository_ref,
                "source_repository_digest": c.source_repository_digest,
                "runner_environment": c.runner_environment,
                "publisher": {
                    "repository": c.source_repository_uri,
                    "workflow": c.identity,
                    "build_config": c.build_config_uri,
                    "ref": c.source_repository_ref,
                    "digest": c.source_repository_digest,
                    "runner_environment": c.runner_environment,
                    "run_url": c.run_invocation_uri,
                },
            }),
        }
    }

    fn certificate(&self) -> Option<&CertificateIdentity> {
        match self {
            StatementSigner::Key { .. } => None,
            StatementSigner::Certificate(c) => Some(c),
        }
    }
}

/// Public keys trusted for attestations: Ed25519 keys for DSSE envelopes, and PEM keys for
/// managed-key Sigstore bundles (each with the fingerprint to report).
#[derive(Debug, Default)]
pub struct TrustedKeys {
    /// Ed25519 keys (minisign files, or PEM Ed25519 SPKI).
    pub ed25519: Vec<sigil_keys::PublicKey>,
    /// Any PEM `PUBLIC KEY`, with its fingerprint.
    pub managed: Vec<(sigil_sigstore::PublicKey, String)>,
}

impl TrustedKeys {
    /// Adds the key in `text`: a minisign public key, or a PEM `PUBLIC KEY`. An Ed25519 PEM
    /// key is trusted both for envelopes and for managed-key bundles; any other PEM key for
    /// bundles only. Text that is neither is refused with the minisign parser's reason.
    pub fn add(&mut self, text: &str) -> Result<(), sigil_keys::PublicKeyParseError> {
        let ed = sigil_keys::PublicKey::parse(text);
        let pem = text
            .contains("-----BEGIN")
            .then(|| sigil_sigstore::PublicKey::from_pem(text).ok())
            .flatten();
        match (ed, pem) {
            (Ok(k), pem) => {
                if let Some(m) = pem {
                    self.managed.push((m, k.fingerprint()));
                }
                self.ed25519.push(k);
            }
            (Err(_), Some(m)) => {
                let fingerprint = crate::pem_fingerprint(text).unwrap_or_default();
                self.managed.push((m, fingerprint));
            }
            (Err(e), None) => return Err(e),
        }
        Ok(())
    }
}

/// What the user expects the attestation to say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expectations {
    /// `--predicate-type`.
    pub predicate_type: Option<String>,
    /// `--builder-id`.
    pub builder_id: Option<String>,
    /// `--source-uri` (`github.com/o/r`, `https://github.com/o/r`, `git+https://...` alike).
    pub source_uri: Option<String>,
    /// `--source-ref` (`refs/tags/v1`, or a short `v1`/`main` matching a tag or branch).
    pub source_ref: Option<String>,
    /// The certificate's publisher claims (repository, owner or signing workflow) were checked
    /// by the caller (`--owner`, `--repo`, `--signer-*`, as `gh attestation verify` does):
    /// provenance naming GitHub's runner as builder then needs no `--builder-id`.
    pub certificate_policy: bool,
}

impl Expectations {
    fn wants_provenance(&self) -> bool {
        self.builder_id.is_some() || self.source_uri.is_some() || self.source_ref.is_some()
    }
}

/// What was established about an authenticated statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The statement.
    pub statement: Statement,
    /// Index of the subject that names the artifact.
    pub subject_index: usize,
    /// The provenance fields, when the predicate is SLSA provenance.
    pub provenance: Option<ProvenanceView>,
}

impl Checked {
    /// The matching subject's name.
    pub fn subject_name(&self) -> &str {
        self.statement
            .subjects
            .get(self.subject_index)
            .map_or("", |s| s.name.as_str())
    }
}

/// An authenticated statement held against the expectations: what it says, and every
/// finding (empty when it passes).
#[derive(Debug, PartialEq)]
pub struct Assessment {
    /// The statement and, for provenance, its fields.
    pub checked: Checked,
    /// Every expectation or binding that does not hold, in check order.
    pub findings: Vec<CheckError>,
}

impl Assessment {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Why an authenticated attestation does not satisfy the expectations. Every variant means
/// "not verified"; [`CheckError::code`] gives a stable kebab-case code.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckError {
    /// The envelope's payload type is not an in-toto Statement.
    #[error("payload type {0:?} is not {INTOTO_PAYLOAD_TYPE}")]
    PayloadType(String),
    /// The payload is not a Statement.
    #[error(transparent)]
    Statement(#[from] StatementParseError),
    /// No subject carries the artifact's digest.
    #[error("no subject has the artifact's digest (sha256 {sha256})")]
    SubjectMismatch {
        /// The artifact's SHA-256, hex.
        sha256: String,
    },
    /// The predicate type differs from `--predicate-type`.
    #[error("predicate type is {actual:?}, expected {expected:?}")]
    PredicateType {
        /// Expected.
        expected: String,
        /// Found.
        actual: String,
    },
    /// Provenance checks were asked for, but the predicate is not SLSA provenance.
    #[error(transparent)]
    Provenance(#[from] ProvenanceReadError),
    /// The provenance's builder is not the expected one.
    #[error("builder id {actual:?} does not match the expected {expected:?}")]
    BuilderMismatch {
        /// `--builder-id`.
        expected: String,
        /// The provenance's builder id.
        actual: String,
    },
    /// The signer delegates to the builder named in the provenance, so the builder must be named.
    #[error("--builder-id is required to verify provenance signed by {signer}")]
    BuilderIdRequired {
        /// The certificate identity.
        signer: String,
    },
    /// The certificate that signed the provenance is not the builder it names.
    #[error("signer {signer:?} is not the builder {builder:?} named in the provenance")]
    SignerNotBuilder {
        /// The certificate identity.
        signer: String,
        /// The provenance's builder id.
        builder: String,
    },
    /// A builder-binding rule needs GitHub Actions identities.
    #[error("certificate issuer {0:?} is not the GitHub Actions issuer")]
    Issuer(String),
    /// The builder id or the delegator's ref is not pinned to a release tag.
    #[error("{what} {uri:?} is not pinned to a refs/tags/v... tag")]
    Unpinned {
        /// `builder id` or `signer`.
        what: &'static str,
        /// The URI.
        uri: String,
    },
    /// The provenance says something the certificate contradicts.
    #[error("provenance {field} {provenance:?} does not match the certificate's {certificate:?}")]
    CertificateMismatch {
        /// The field.
        field: &'static str,
        /// The provenance's value.
        provenance: String,
        /// The certificate's value.
        certificate: String,
    },
    /// One source fact differs from `--source-uri`.
    #[error("source {actual:?} does not match the expected {expected:?} ({fact})")]
    SourceMismatch {
        /// Which fact: `trigger repository`, `resolved dependency`,
        /// `certificate source repository`, or `source` when the provenance names none.
        fact: &'static str,
        /// `--source-uri`, normalised.
        expected: String,
        /// What the fact says, normalised (empty when absent).
        actual: String,
    },
    /// The provenance's trigger and its first resolved dependency name different sources.
    #[error("provenance names two sources: trigger {field} {trigger:?}, resolved dependency {field} {dependency:?}")]
    SourceConflict {
        /// `repository`, `ref` or `commit`.
        field: &'static str,
        /// The trigger's value.
        trigger: String,
        /// The first resolved dependency's value.
        dependency: String,
    },
    /// The ref differs from `--source-ref`.
    #[error("source ref {actual:?} does not match the expected {expected:?}")]
    RefMismatch {
        /// `--source-ref`.
        expected: String,
        /// What the provenance says.
        actual: String,
    },
}

sigil_core::finding_codes! {
    /// Why `sigil verify-attestation` did not accept an attestation (JSON `reason`; listed in
    /// `docs/codes.md`): authentication failures, then what [`CheckError`] finds.
    pub enum AttestReason {
        /// The entry is not an attestation, or its bundle does not parse.
        AttestationMalformed = "attestation-malformed",
        /// A DSSE signature does not verify with the trusted keys.
        SignatureInvalid = "signature-invalid",
        /// A bare DSSE envelope where only keyless bundles are trusted.
        NoCertificate = "no-certificate",
        /// A bundle no trusted key or identity can verify.
        WrongSignerKind = "wrong-signer-kind",
        /// The certificate's SAN is not the expected identity.
        IdentityMismatch = "identity-mismatch",
        /// The certificate's (or provenance's) OIDC issuer is not the expected one.
        IssuerMismatch = "issuer-mismatch",
        /// The certificate's two OIDC-issuer extensions name different issuers.
        IssuerConflict = "issuer-conflict",
        /// A certificate claim is not what the publisher flags ask.
        ClaimMismatch = "claim-mismatch",
        /// A message-signature bundle where a DSSE envelope is needed.
        NotDsse = "not-dsse",
        /// The certificate does not chain, was not valid at signing time, or lacks a valid SCT.
        CertificateRejected = "certificate-rejected",
        /// Transparency log evidence failed.
        TlogRejected = "tlog-rejected",
        /// An RFC 3161 timestamp failed, or no trusted signing time exists.
        TimestampRejected = "timestamp-rejected",
        /// The bundle is inconsistent, uses something this verifier cannot check, or no trusted
        /// root is loaded.
        BundleRejected = "bundle-rejected",
        /// The envelope's payload type is not in-toto's.
        PayloadType = "payload-type",
        /// The payload is not an in-toto statement (with a predicate type).
        StatementMalformed = "statement-malformed",
        /// No subject has the artifact's digest (the code of every artifact mismatch).
        ArtifactMismatch = "artifact-mismatch",
        /// The predicate type is not the expected one.
        PredicateTypeMismatch = "predicate-type-mismatch",
        /// The SLSA provenance does not parse.
        ProvenanceMalformed = "provenance-malformed",
        /// The provenance names another builder.
        BuilderMismatch = "builder-mismatch",
        /// The signer delegates to the builder the provenance names, and no `--builder-id` says
        /// which builder to trust.
        BuilderIdRequired = "builder-id-required",
        /// A keyless signer that is not the builder the provenance names.
        SignerNotBuilder = "signer-not-builder",
        /// The builder is not pinned to a commit or tag.
        BuilderUnpinned = "builder-unpinned",
        /// The certificate contradicts the provenance's repository, ref, commit, workflow, run or
        /// runner environment.
        CertificateMismatch = "certificate-mismatch",
        /// A source fact differs from `--source-uri`.
        SourceMismatch = "source-mismatch",
        /// The source ref differs from `--source-ref`.
        RefMismatch = "ref-mismatch",
        /// The provenance's trigger and first resolved dependency name different sources.
        SourceConflict = "source-conflict",
    }
}

impl AttestReason {
    /// The reason of a Sigstore verification failure of an attestation bundle (an artifact
    /// mismatch keeps its code: the digest is in no subject).
    pub fn from_bundle(r: sigil_sigstore::BundleReason) -> Self {
        use sigil_sigstore::BundleReason as B;
        match r {
            B::IdentityMismatch => AttestReason::IdentityMismatch,
            B::IssuerMismatch => AttestReason::IssuerMismatch,
            B::IssuerConflict => AttestReason::IssuerConflict,
            B::ClaimMismatch => AttestReason::ClaimMismatch,
            B::WrongSignerKind => AttestReason::WrongSignerKind,
            B::NotDsse => AttestReason::NotDsse,
            B::ArtifactMismatch => AttestReason::ArtifactMismatch,
            B::SignatureInvalid => AttestReason::SignatureInvalid,
            B::CertificateRejected => AttestReason::CertificateRejected,
            B::TlogRejected => AttestReason::TlogRejected,
            B::TimestampRejected => AttestReason::TimestampRejected,
            _ => AttestReason::BundleRejected,
        }
    }
}

impl CheckError {
    /// The stable reason code.
    pub fn reason(&self) -> AttestReason {
        match self {
            CheckError::PayloadType(_) => AttestReason::PayloadType,
            CheckError::Statement(_) => AttestReason::StatementMalformed,
            CheckError::SubjectMismatch { .. } => AttestReason::ArtifactMismatch,
            CheckError::PredicateType { .. } => AttestReason::PredicateTypeMismatch,
            CheckError::Provenance(_) => AttestReason::ProvenanceMalformed,
            CheckError::BuilderMismatch { .. } => AttestReason::BuilderMismatch,
            CheckError::BuilderIdRequired { .. } => AttestReason::BuilderIdRequired,
            CheckError::SignerNotBuilder { .. } => AttestReason::SignerNotBuilder,
            CheckError::Issuer(_) => AttestReason::IssuerMismatch,
            CheckError::Unpinned { .. } => AttestReason::BuilderUnpinned,
            CheckError::CertificateMismatch { .. } => AttestReason::CertificateMismatch,
            CheckError::SourceMismatch { .. } => AttestReason::SourceMismatch,
            CheckError::SourceConflict { .. } => AttestReason::SourceConflict,
            CheckError::RefMismatch { .. } => AttestReason::RefMismatch,
        }
    }

    /// [`CheckError::reason`]'s code.
    pub fn code(&self) -> &'static str {
        self.reason().code()
    }
}

/// Whether `actual` is the builder `expected` names: equal, or (when `expected` has no `@`)
/// equal up to `actual`'s `@ref`.
pub fn builder_id_matches(actual: &str, expected: &str) -> bool {
    if actual == expected {
        return true;
    }
    !expected.contains('@')
        && actual
            .strip_prefix(expected)
            .is_some_and(|rest| rest.starts_with('@'))
}

/// `git+https://github.com/o/r.git@ref`, `https://github.com/o/r/` and `github.com/o/r` all
/// become `github.com/o/r` (case kept; compare with [`same_repository`]).
pub fn normalize_source(uri: &str) -> String {
    let (repo, _) = provenance::split_git_uri(uri.trim());
    let r = repo.as_str();
    let r = r.split_once("://").map_or(r, |(_, rest)| rest);
    // Drop a `user@` from the authority.
    let (authority, path) = r.split_once('/').map_or((r, ""), |(a, p)| (a, p));
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let r = if path.is_empty() {
        authority.to_owned()
    } else {
        format!("{authority}/{path}")
    };
    let r = r.trim_end_matches('/');
    r.strip_suffix(".git").unwrap_or(r).to_owned()
}

/// The comparable form of a URL without scheme: host lower-cased, and on `github.com` the
/// owner and repository (the first two path segments) lower-cased too.
fn url_key(no_scheme: &str) -> String {
    let mut parts = no_scheme.splitn(4, '/');
    let host = parts.next().unwrap_or("").to_ascii_lowercase();
    let github = host == "github.com";
    let mut out = host;
    for (i, p) in parts.enumerate() {
        out.push('/');
        if github && i < 2 {
            out.push_str(&p.to_ascii_lowercase());
        } else {
            out.push_str(p);
        }
    }
    out
}

/// The key two repository URIs are compared by (see the module docs for the case rules).
pub fn repository_key(uri: &str) -> String {
    url_key(&normalize_source(uri))
}

/// Whether two URIs name the same repository: equal [`repository_key`]s.
pub fn same_repository(a: &str, b: &str) -> bool {
    repository_key(a) == repository_key(b)
}

/// Whether two `https://` URLs inside one repository (a workflow, a run) are the same, with
/// the repository's case rules.
fn same_url(a: &str, b: &str) -> bool {
    let strip = |u: &str| {
        let u = u.trim();
        u.split_once("://").map_or(u, |(_, r)| r).to_owned()
    };
    url_key(&strip(a)) == url_key(&strip(b))
}

fn ref_matches(actual: &str, expected: &str) -> bool {
    actual == expected
        || (!expected.starts_with("refs/")
            && (actual == format!("refs/heads/{expected}")
                || actual == format!("refs/tags/{expected}")))
}

fn name_and_ref(uri: &str) -> (&str, Option<&str>) {
    // The workflow path may not contain '@' in GitHub identities; the ref may.
    match uri.split_once('@') {
        Some((n, r)) => (n, Some(r)),
        None => (uri, None),
    }
}

/// The ref the provenance says was built: the trigger's, else the first resolved dependency's.
pub fn claimed_ref(view: &ProvenanceView) -> Option<&str> {
    view.trigger
        .as_ref()
        .and_then(|t| t.git_ref.as_deref())
        .or_else(|| view.source.as_ref().and_then(|s| s.git_ref.as_deref()))
}

/// The commit the provenance says was built: the dependency's, else the trigger's.
pub fn claimed_commit(view: &ProvenanceView) -> Option<&str> {
    view.source
        .as_ref()
        .and_then(|s| s.commit.as_deref())
        .or_else(|| view.trigger.as_ref().and_then(|t| t.commit.as_deref()))
}

/// The repository the provenance says was built: the trigger's, else the dependency's.
pub fn claimed_source(view: &ProvenanceView) -> Option<&SourceRef> {
    view.trigger.as_ref().or(view.source.as_ref())
}

/// Checks an authenticated payload against the expectations and the signer, stopping at the
/// first finding. See [`assess`] for every finding.
///
/// `payload_type` and `payload` must come from a verified envelope.
pub fn check(
    payload_type: &str,
    payload: &[u8],
    sha256: &Sha256Digest,
    sha512: &Sha512Digest,
    signer: &StatementSigner,
    exp: &Expectations,
) -> Result<Checked, CheckError> {
    let a = assess(payload_type, payload, sha256, sha512, signer, exp)?;
    match a.findings.into_iter().next() {
        Some(e) => Err(e),
        None => Ok(a.checked),
    }
}

/// Checks an authenticated payload against the expectations and the signer. `Err` when the
/// statement cannot be judged at all (payload type, statement, subject, predicate type,
/// unreadable provenance); otherwise every finding of [`check_provenance`].
///
/// `payload_type` and `payload` must come from a verified envelope.
pub fn assess(
    payload_type: &str,
    payload: &[u8],
    sha256: &Sha256Digest,
    sha512: &Sha512Digest,
    signer: &StatementSigner,
    exp: &Expectations,
) -> Result<Assessment, CheckError> {
    let checked = check_statement(payload_type, payload, sha256, sha512, exp)?;
    let findings = match &checked.provenance {
        Some(view) => check_provenance(view, signer, exp),
        None => Vec::new(),
    };
    Ok(Assessment { checked, findings })
}

/// The statement-level checks: payload type, statement, the artifact among the subjects, the
/// predicate type, and for SLSA provenance (or when provenance is expected) its fields.
pub fn check_statement(
    payload_type: &str,
    payload: &[u8],
    sha256: &Sha256Digest,
    sha512: &Sha512Digest,
    exp: &Expectations,
) -> Result<Checked, CheckError> {
    if payload_type != INTOTO_PAYLOAD_TYPE {
        return Err(CheckError::PayloadType(
            payload_type.chars().take(200).collect(),
        ));
    }
    let statement = Statement::parse(payload)?;
    let subject_index =
        statement
            .matching_subject(sha256, sha512)
            .ok_or_else(|| CheckError::SubjectMismatch {
                sha256: sha256.to_hex(),
            })?;
    if let Some(want) = &exp.predicate_type {
        if &statement.predicate_type != want {
            return Err(CheckError::PredicateType {
                expected: want.clone(),
                actual: statement.predicate_type.clone(),
            });
        }
    }
    let is_provenance = matches!(
        statement.predicate_type.as_str(),
        SLSA_PROVENANCE_V1 | SLSA_PROVENANCE_V02
    );
    let provenance = if is_provenance || exp.wants_provenance() {
        Some(provenance::view(&statement)?)
    } else {
        None
    };
    Ok(Checked {
        statement,
        subject_index,
        provenance,
    })
}

/// Every provenance check, each reported: the builder bound to the signer, the certificate's
/// claims against the provenance (keyless), the source facts against each other and against
/// `--source-uri`, and the ref against `--source-ref`. Empty when all hold.
pub fn check_provenance(
    view: &ProvenanceView,
    signer: &StatementSigner,
    exp: &Expectations,
) -> Vec<CheckError> {
    let mut out = check_builder(view, signer, exp);
    out.extend(check_source(view, signer.certificate(), exp));
    out
}

fn check_builder(
    view: &ProvenanceView,
    signer: &StatementSigner,
    exp: &Expectations,
) -> Vec<CheckError> {
    let mut out = Vec::new();
    let mismatch = |expected: &str| CheckError::BuilderMismatch {
        expected: expected.to_owned(),
        actual: view.builder_id.clone(),
    };
    let Some(cert) = signer.certificate() else {
        if let Some(b) = &exp.builder_id {
            if !builder_id_matches(&view.builder_id, b) {
                out.push(mismatch(b));
            }
        }
        return out;
    };
    let (signer_name, signer_ref) = name_and_ref(&cert.identity);
    let is_github = cert.issuer == GITHUB_ACTIONS_ISSUER;
    let require_github = |out: &mut Vec<CheckError>| {
        if !is_github {
            out.push(CheckError::Issuer(cert.issuer.clone()));
        }
    };

    if DELEGATOR_WORKFLOWS.contains(&signer_name) {
        require_github(&mut out);
        if !signer_ref.is_some_and(|r| r.starts_with("refs/tags/v")) {
            out.push(CheckError::Unpinned {
                what: "signer",
                uri: cert.identity.clone(),
            });
        }
        if !name_and_ref(&view.builder_id)
            .1
            .is_some_and(|r| r.starts_with("refs/tags/v"))
        {
            out.push(CheckError::Unpinned {
                what: "builder id",
                uri: view.builder_id.clone(),
            });
        }
        match exp.builder_id.as_deref() {
            None => out.push(CheckError::BuilderIdRequired {
                signer: cert.identity.clone(),
            }),
            Some(b) if !builder_id_matches(&view.builder_id, b) => out.push(mismatch(b)),
            Some(_) => {}
        }
        return out;
    }

    if let Some((runner, hosted)) = RUNNER_BUILDERS
        .iter()
        .find(|(id, _)| *id == view.builder_id)
    {
        require_github(&mut out);
        match exp.builder_id.as_deref() {
            None if exp.certificate_policy => {}
            None => out.push(CheckError::BuilderIdRequired {
                signer: cert.identity.clone(),
            }),
            Some(b) if b != *runner => out.push(mismatch(b)),
            Some(_) => {}
        }
        if let Some(env) = &cert.runner_environment {
            if env != hosted {
                out.push(CheckError::CertificateMismatch {
                    field: "runner environment",
                    provenance: (*hosted).to_owned(),
                    certificate: env.clone(),
                });
            }
        }
        // The runner does not sign: the certificate must say where the source is.
        if cert.source_repository_uri.is_none() {
            out.push(CheckError::CertificateMismatch {
                field: "repository",
                provenance: claimed_source(view).map_or_else(String::new, |s| s.uri.clone()),
                certificate: String::new(),
            });
        }
        return out;
    }

    if view.builder_id != cert.identity {
        out.push(CheckError::SignerNotBuilder {
            signer: cert.identity.clone(),
            builder: view.builder_id.clone(),
        });
    }
    if cert.identity.starts_with("https://github.com/") {
        require_github(&mut out);
    }
    if let Some(b) = &exp.builder_id {
        if !builder_id_matches(&view.builder_id, b) {
            out.push(mismatch(b));
        }
    }
    out
}

/// The one source check, used by `sigil verify-attestation` and by the policy gate alike.
/// It evaluates every source fact (the trigger repository, the first resolved dependency,
/// and for keyless signers the certificate's source repository, ref, commit, build config
/// and run) and reports each disagreement; nothing returns early. See the module docs for
/// the case rules.
pub fn check_source(
    view: &ProvenanceView,
    cert: Option<&CertificateIdentity>,
    exp: &Expectations,
) -> Vec<CheckError> {
    let mut out = Vec::new();
    let trigger = view.trigger.as_ref();
    let dependency = view.source.as_ref();

    // The provenance must not name two sources.
    if let (Some(t), Some(d)) = (trigger, dependency) {
        if !same_repository(&t.uri, &d.uri) {
            out.push(CheckError::SourceConflict {
                field: "repository",
                trigger: normalize_source(&t.uri),
                dependency: normalize_source(&d.uri),
            });
        }
        if let (Some(a), Some(b)) = (&t.git_ref, &d.git_ref) {
            if a != b {
                out.push(CheckError::SourceConflict {
                    field: "ref",
                    trigger: a.clone(),
                    dependency: b.clone(),
                });
            }
        }
        if let (Some(a), Some(b)) = (&t.commit, &d.commit) {
            if !a.eq_ignore_ascii_case(b) {
                out.push(CheckError::SourceConflict {
                    field: "commit",
                    trigger: a.clone(),
                    dependency: b.clone(),
                });
            }
        }
    }

    // What the certificate says must be what the provenance claims.
    if let Some(c) = cert {
        out.extend(certificate_binding(view, c));
    }

    // Every fact against the expected source.
    if let Some(want) = &exp.source_uri {
        let expected = normalize_source(want);
        let facts = [
            ("trigger repository", trigger.map(|t| t.uri.as_str())),
            ("resolved dependency", dependency.map(|d| d.uri.as_str())),
            (
                "certificate source repository",
                cert.and_then(|c| c.source_repository_uri.as_deref()),
            ),
        ];
        let mut any = false;
        for (fact, uri) in facts {
            let Some(uri) = uri else { continue };
            any = true;
            if !same_repository(uri, want) {
                out.push(CheckError::SourceMismatch {
                    fact,
                    expected: expected.clone(),
                    actual: normalize_source(uri),
                });
            }
        }
        if !any {
            out.push(CheckError::SourceMismatch {
                fact: "source",
                expected,
                actual: String::new(),
            });
        }
    }

    if let Some(want) = &exp.source_ref {
        let actual = claimed_ref(view).unwrap_or_default();
        if !ref_matches(actual, want) {
            out.push(CheckError::RefMismatch {
                expected: want.clone(),
                actual: actual.to_owned(),
            });
        }
    }
    out
}

/// For keyless signers: the certificate's repository, ref, commit, build config and run
/// against the provenance's claims, where the certificate carries them.
fn certificate_binding(view: &ProvenanceView, cert: &CertificateIdentity) -> Vec<CheckError> {
    let mut out = Vec::new();
    let differ = |field, p: &str, c: &str| CheckError::CertificateMismatch {
        field,
        provenance: p.to_owned(),
        certificate: c.to_owned(),
    };
    let source = claimed_source(view);
    if let Some(c) = &cert.source_repository_uri {
        for fact in [view.trigger.as_ref(), view.source.as_ref()]
            .into_iter()
            .flatten()
        {
            if !same_repository(&fact.uri, c) {
                out.push(differ("repository", &fact.uri, c));
            }
        }
        if source.is_none() {
            out.push(differ("repository", "", c));
        }
    }
    if let Some(c) = &cert.source_repository_ref {
        match claimed_ref(view) {
            Some(p) if p == c => {}
            p => out.push(differ("ref", p.unwrap_or_default(), c)),
        }
    }
    if let Some(c) = &cert.source_repository_digest {
        match claimed_commit(view) {
            Some(p) if p.eq_ignore_ascii_case(c) => {}
            p => out.push(differ("commit", p.unwrap_or_default(), c)),
        }
    }
    if let (Some(path), Some(t), Some(c)) =
        (&view.workflow_path, &view.trigger, &cert.build_config_uri)
    {
        if let Some(git_ref) = &t.git_ref {
            let claimed = format!("{}/{}@{}", t.uri.trim_end_matches('/'), path, git_ref);
            if !same_url(&claimed, c) {
                out.push(differ("workflow", &claimed, c));
            }
        }
    }
    if let (Some(p), Some(c)) = (&view.invocation_id, &cert.run_invocation_uri) {
        if !same_url(p, c) {
            out.push(differ("invocation id", p, c));
        }
    }
    out
}

#[cfg(test)]
mod trusted_keys_tests {
    use super::TrustedKeys;

    #[test]
    fn minisign_keys_verify_envelopes_only_and_garbage_is_refused() {
        let sk = sigil_keys::SecretKey::generate();
        let mut keys = TrustedKeys::default();
        keys.add(&sk.public().to_minisign()).unwrap();
        assert_eq!(keys.ed25519.len(), 1);
        assert!(keys.managed.is_empty());
        assert!(keys.add("not a key").is_err());
        assert_eq!((keys.ed25519.len(), keys.managed.len()), (1, 0));
    }

    #[test]
    fn an_ed25519_pem_key_counts_for_envelopes_and_bundles_with_one_fingerprint() {
        let sk = sigil_keys::SecretKey::generate();
        let mut keys = TrustedKeys::default();
        keys.add(&sk.public().to_pem()).unwrap();
        assert_eq!(keys.ed25519.len(), 1);
        assert_eq!(keys.managed.len(), 1);
        assert_eq!(keys.managed[0].1, sk.public().fingerprint());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provenance::{generate, GitFacts, ProvenanceOptions};
    use crate::statement::Subject;
    use std::collections::BTreeMap;

    const ART: &[u8] = b"artifact";

    fn gh_statement_env(builder: Option<&str>, repo: &str, git_ref: &str) -> Vec<u8> {
        let workflow_ref = format!("{repo}/.github/workflows/release.yml@{git_ref}");
        let env: BTreeMap<String, String> = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", repo),
            ("GITHUB_REF", git_ref),
            ("GITHUB_SHA", "0123"),
            ("GITHUB_WORKFLOW_REF", workflow_ref.as_str()),
            ("GITHUB_RUN_ID", "42"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let opts = ProvenanceOptions {
            builder_id: builder.map(str::to_owned),
            ..Default::default()
        };
        let g = generate(
            vec![Subject::sha256("a", &Sha256Digest::of(ART))],
            &env,
            &GitFacts::default(),
            &opts,
        )
        .unwrap();
        g.statement.to_json().into_bytes()
    }

    fn gh_statement(builder: Option<&str>) -> Vec<u8> {
        gh_statement_env(builder, "acme/widget", "refs/tags/v1.2.3")
    }

    const BUILDER: &str =
        "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1.2.3";
    const RUN: &str = "https://github.com/acme/widget/actions/runs/42/attempts/1";

    fn key() -> StatementSigner {
        StatementSigner::Key {
            fingerprint: "f".into(),
        }
    }

    fn cert(identity: &str) -> StatementSigner {
        StatementSigner::Certificate(CertificateIdentity {
            identity: identity.into(),
            issuer: GITHUB_ACTIONS_ISSUER.into(),
            source_repository_uri: Some("https://github.com/acme/widget".into()),
            ..Default::default()
        })
    }

    /// A certificate with every source extension, agreeing with `gh_statement`.
    fn full_cert(identity: &str) -> CertificateIdentity {
        CertificateIdentity {
            identity: identity.into(),
            issuer: GITHUB_ACTIONS_ISSUER.into(),
            source_repository_uri: Some("https://github.com/acme/widget".into()),
            source_repository_ref: Some("refs/tags/v1.2.3".into()),
            source_repository_digest: Some("0123".into()),
            build_config_uri: Some(BUILDER.into()),
            run_invocation_uri: Some(RUN.into()),
            runner_environment: Some("github-hosted".into()),
        }
    }

    /// Every finding code, or the code of the error that stops the check.
    fn codes(
        payload: &[u8],
        signer: &StatementSigner,
        exp: Expectations,
    ) -> Result<Vec<&'static str>, &'static str> {
        assess(
            INTOTO_PAYLOAD_TYPE,
            payload,
            &Sha256Digest::of(ART),
            &Sha512Digest::of(ART),
            signer,
            &exp,
        )
        .map(|a| a.findings.iter().map(CheckError::code).collect())
        .map_err(|e| e.code())
    }

    fn check_with(
        payload: &[u8],
        signer: &StatementSigner,
        exp: Expectations,
    ) -> Result<(), &'static str> {
        check(
            INTOTO_PAYLOAD_TYPE,
            payload,
            &Sha256Digest::of(ART),
            &Sha512Digest::of(ART),
            signer,
            &exp,
        )
        .map(|_| ())
        .map_err(|e| e.code())
    }

    fn exp(builder: Option<&str>, source: Option<&str>, r: Option<&str>) -> Expectations {
        Expectations {
            predicate_type: None,
            builder_id: builder.map(Into::into),
            source_uri: source.map(Into::into),
            source_ref: r.map(Into::into),
            certificate_policy: false,
        }
    }

    fn src(uri: &str, git_ref: Option<&str>, commit: Option<&str>) -> SourceRef {
        SourceRef {
            uri: uri.into(),
            git_ref: git_ref.map(Into::into),
            commit: commit.map(Into::into),
        }
    }

    fn view(trigger: Option<SourceRef>, dependency: Option<SourceRef>) -> ProvenanceView {
        ProvenanceView {
            builder_id: BUILDER.into(),
            build_type: provenance::GITHUB_BUILD_TYPE.into(),
            trigger,
            source: dependency,
            workflow_path: None,
            invocation_id: None,
        }
    }

    #[test]
    fn key_signed_provenance() {
        let p = gh_statement(None);
        assert_eq!(check_with(&p, &key(), exp(None, None, None)), Ok(()));
        assert_eq!(
            check_with(
                &p,
                &key(),
                exp(
                    Some("https://github.com/acme/widget/.github/workflows/release.yml"),
                    Some("github.com/acme/widget"),
                    Some("v1.2.3")
                )
            ),
            Ok(())
        );
        assert_eq!(
            check_with(
                &p,
                &key(),
                exp(
                    Some(BUILDER),
                    Some("git+https://github.com/acme/widget.git"),
                    Some("refs/tags/v1.2.3")
                )
            ),
            Ok(())
        );
        assert_eq!(
            check_with(
                &p,
                &key(),
                exp(
                    Some("https://github.com/acme/widget/.github/workflows/release"),
                    None,
                    None
                )
            ),
            Err("builder-mismatch")
        );
        assert_eq!(
            check_with(
                &p,
                &key(),
                exp(
                    Some(
                        "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1"
                    ),
                    None,
                    None
                )
            ),
            Err("builder-mismatch")
        );
        assert_eq!(
            check_with(&p, &key(), exp(None, Some("github.com/acme/widge"), None)),
            Err("source-mismatch")
        );
        assert_eq!(
            check_with(&p, &key(), exp(None, Some("github.com/acme/widget2"), None)),
            Err("source-mismatch")
        );
        assert_eq!(
            check_with(&p, &key(), exp(None, None, Some("main"))),
            Err("ref-mismatch")
        );
        let other = Expectations {
            predicate_type: Some("https://cyclonedx.org/bom".into()),
            ..Default::default()
        };
        assert_eq!(
            check_with(&p, &key(), other),
            Err("predicate-type-mismatch")
        );
        assert_eq!(
            check(
                INTOTO_PAYLOAD_TYPE,
                &p,
                &Sha256Digest::of(b"x"),
                &Sha512Digest::of(b"x"),
                &key(),
                &Expectations::default()
            )
            .map_err(|e| e.code())
            .err(),
            Some("artifact-mismatch")
        );
        assert_eq!(
            check(
                "application/json",
                &p,
                &Sha256Digest::of(ART),
                &Sha512Digest::of(ART),
                &key(),
                &Expectations::default()
            )
            .map_err(|e| e.code())
            .err(),
            Some("payload-type")
        );
    }

    #[test]
    fn every_check_runs_when_the_builder_is_wrong() {
        // A waived builder mismatch must not hide the source: both are reported.
        let p = gh_statement(None);
        assert_eq!(
            codes(
                &p,
                &key(),
                exp(
                    Some("https://github.com/acme/widget/.github/workflows/nightly.yml"),
                    Some("github.com/acme/gadget"),
                    Some("refs/heads/main")
                )
            ),
            Ok(vec![
                "builder-mismatch",
                "source-mismatch",
                "source-mismatch",
                "ref-mismatch"
            ])
        );
        let a = assess(
            INTOTO_PAYLOAD_TYPE,
            &p,
            &Sha256Digest::of(ART),
            &Sha512Digest::of(ART),
            &key(),
            &exp(None, Some("github.com/acme/gadget"), None),
        )
        .unwrap();
        assert_eq!(
            a.findings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            vec![
                r#"source "github.com/acme/widget" does not match the expected "github.com/acme/gadget" (trigger repository)"#,
                r#"source "github.com/acme/widget" does not match the expected "github.com/acme/gadget" (resolved dependency)"#,
            ]
        );
    }

    #[test]
    fn source_check_reports_every_fact_not_only_the_first() {
        // Trigger differs only in case; the dependency and the certificate name other
        // repositories. Each disagreement is its own finding.
        let v = view(
            Some(src(
                "https://github.com/ACME/widget",
                Some("refs/tags/v1"),
                None,
            )),
            Some(src(
                "https://github.com/evil/other",
                Some("refs/tags/v1"),
                Some("ab"),
            )),
        );
        let c = CertificateIdentity {
            identity: BUILDER.into(),
            issuer: GITHUB_ACTIONS_ISSUER.into(),
            source_repository_uri: Some("https://github.com/acme/sandbox".into()),
            ..Default::default()
        };
        let found = check_source(
            &v,
            Some(&c),
            &exp(None, Some("github.com/acme/widget"), None),
        );
        assert_eq!(
            found,
            vec![
                CheckError::SourceConflict {
                    field: "repository",
                    trigger: "github.com/ACME/widget".into(),
                    dependency: "github.com/evil/other".into(),
                },
                CheckError::CertificateMismatch {
                    field: "repository",
                    provenance: "https://github.com/ACME/widget".into(),
                    certificate: "https://github.com/acme/sandbox".into(),
                },
                CheckError::CertificateMismatch {
                    field: "repository",
                    provenance: "https://github.com/evil/other".into(),
                    certificate: "https://github.com/acme/sandbox".into(),
                },
                CheckError::SourceMismatch {
                    fact: "resolved dependency",
                    expected: "github.com/acme/widget".into(),
                    actual: "github.com/evil/other".into(),
                },
                CheckError::SourceMismatch {
                    fact: "certificate source repository",
                    expected: "github.com/acme/widget".into(),
                    actual: "github.com/acme/sandbox".into(),
                },
            ]
        );
        // Key-signed: no certificate facts, the rest still reported.
        let found = check_source(&v, None, &exp(None, Some("github.com/acme/widget"), None));
        assert_eq!(
            found.iter().map(CheckError::code).collect::<Vec<_>>(),
            vec!["source-conflict", "source-mismatch"]
        );
        // Without --source-uri the facts must still agree with each other.
        let found = check_source(&v, None, &Expectations::default());
        assert_eq!(
            found.iter().map(CheckError::code).collect::<Vec<_>>(),
            vec!["source-conflict"]
        );
        // The ref and the commit of trigger and dependency must agree too.
        let v = view(
            Some(src(
                "https://github.com/acme/widget",
                Some("refs/tags/v1"),
                Some("AB"),
            )),
            Some(src(
                "https://github.com/acme/widget",
                Some("refs/heads/x"),
                Some("ab"),
            )),
        );
        assert_eq!(
            check_source(&v, None, &Expectations::default()),
            vec![CheckError::SourceConflict {
                field: "ref",
                trigger: "refs/tags/v1".into(),
                dependency: "refs/heads/x".into(),
            }]
        );
        // Nothing names a source at all.
        let v = view(None, None);
        assert_eq!(
            check_source(&v, None, &exp(None, Some("github.com/acme/widget"), None)),
            vec![CheckError::SourceMismatch {
                fact: "source",
                expected: "github.com/acme/widget".into(),
                actual: String::new(),
            }]
        );
    }

    #[test]
    fn github_owner_and_repository_compare_case_insensitively() {
        for (a, b, same) in [
            (
                "https://github.com/ACME/Widget",
                "github.com/acme/widget",
                true,
            ),
            (
                "git+https://GitHub.com/acme/widget.git@refs/tags/v1",
                "github.com/ACME/WIDGET",
                true,
            ),
            (
                "git+ssh://git@github.com/acme/widget",
                "github.com/acme/widget",
                true,
            ),
            (
                "https://github.com/acme/widget",
                "github.com/acme/widget2",
                false,
            ),
            ("https://github.com/acme/widget", "github.com/acme", false),
            // Elsewhere only the host is case-insensitive.
            (
                "https://GitLab.example/Acme/widget",
                "gitlab.example/Acme/widget",
                true,
            ),
            (
                "https://gitlab.example/Acme/widget",
                "gitlab.example/acme/widget",
                false,
            ),
        ] {
            assert_eq!(same_repository(a, b), same, "{a} vs {b}");
            assert_eq!(same_repository(b, a), same, "{b} vs {a}");
        }
        // A provenance whose facts differ from the expectation only in case passes, for
        // keys and certificates alike.
        let v = view(
            Some(src(
                "https://github.com/ACME/widget",
                Some("refs/tags/v1"),
                None,
            )),
            Some(src(
                "https://github.com/acme/Widget",
                Some("refs/tags/v1"),
                Some("ab"),
            )),
        );
        let c = CertificateIdentity {
            identity: BUILDER.into(),
            issuer: GITHUB_ACTIONS_ISSUER.into(),
            source_repository_uri: Some("https://github.com/Acme/WIDGET".into()),
            source_repository_ref: Some("refs/tags/v1".into()),
            source_repository_digest: Some("AB".into()),
            ..Default::default()
        };
        assert_eq!(
            check_source(
                &v,
                Some(&c),
                &exp(None, Some("github.com/acme/widget"), None)
            ),
            vec![]
        );
        assert_eq!(
            check_source(&v, None, &exp(None, Some("github.com/acme/widget"), None)),
            vec![]
        );
    }

    #[test]
    fn keyless_signer_must_be_the_builder() {
        let p = gh_statement(None);
        assert_eq!(
            check_with(
                &p,
                &cert(BUILDER),
                exp(
                    Some("https://github.com/acme/widget/.github/workflows/release.yml"),
                    Some("github.com/acme/widget"),
                    None
                )
            ),
            Ok(())
        );
        assert_eq!(
            check_with(
                &p,
                &StatementSigner::Certificate(full_cert(BUILDER)),
                exp(
                    None,
                    Some("github.com/acme/widget"),
                    Some("refs/tags/v1.2.3")
                )
            ),
            Ok(())
        );
        assert_eq!(
            check_with(
                &p,
                &cert("https://github.com/evil/x/.github/workflows/a.yml@refs/heads/main"),
                exp(None, None, None)
            ),
            Err("signer-not-builder")
        );
        let mut wrong_issuer = cert(BUILDER);
        if let StatementSigner::Certificate(c) = &mut wrong_issuer {
            c.issuer = "https://accounts.google.com".into();
        }
        assert_eq!(
            check_with(&p, &wrong_issuer, exp(None, None, None)),
            Err("issuer-mismatch")
        );
        let mut other_repo = cert(BUILDER);
        if let StatementSigner::Certificate(c) = &mut other_repo {
            c.source_repository_uri = Some("https://github.com/evil/x".into());
        }
        assert_eq!(
            codes(
                &p,
                &other_repo,
                exp(None, Some("github.com/acme/widget"), None)
            ),
            Ok(vec![
                "certificate-mismatch",
                "certificate-mismatch",
                "source-mismatch"
            ])
        );
    }

    #[test]
    fn keyless_ref_and_commit_are_bound_to_the_certificate_when_the_signer_is_the_builder() {
        // The workflow ran on refs/heads/feature (certificate 1.14) but the provenance it
        // signed claims the release tag.
        let signer_id =
            "https://github.com/acme/widget/.github/workflows/release.yml@refs/heads/feature";
        let p = gh_statement_env(Some(signer_id), "acme/widget", "refs/tags/v1.0.0");
        let mut c = full_cert(signer_id);
        c.source_repository_ref = Some("refs/heads/feature".into());
        c.build_config_uri = None;
        let a = assess(
            INTOTO_PAYLOAD_TYPE,
            &p,
            &Sha256Digest::of(ART),
            &Sha512Digest::of(ART),
            &StatementSigner::Certificate(c.clone()),
            &exp(
                None,
                Some("github.com/acme/widget"),
                Some("refs/tags/v1.0.0"),
            ),
        )
        .unwrap();
        assert_eq!(
            a.findings,
            vec![CheckError::CertificateMismatch {
                field: "ref",
                provenance: "refs/tags/v1.0.0".into(),
                certificate: "refs/heads/feature".into(),
            }]
        );
        // The commit (1.13) too.
        c.source_repository_ref = Some("refs/tags/v1.0.0".into());
        c.source_repository_digest = Some("9999".into());
        assert_eq!(
            codes(
                &p,
                &StatementSigner::Certificate(c.clone()),
                exp(None, None, None)
            ),
            Ok(vec!["certificate-mismatch"])
        );
        // The build config (1.18) and the run (1.21), with GitHub's case rules.
        c.source_repository_digest = Some("0123".into());
        c.build_config_uri = Some(
            "https://github.com/ACME/widget/.github/workflows/release.yml@refs/tags/v1.0.0".into(),
        );
        assert_eq!(
            codes(
                &p,
                &StatementSigner::Certificate(c.clone()),
                exp(None, None, None)
            ),
            Ok(vec![])
        );
        c.build_config_uri = Some(
            "https://github.com/acme/widget/.github/workflows/other.yml@refs/tags/v1.0.0".into(),
        );
        c.run_invocation_uri =
            Some("https://github.com/acme/widget/actions/runs/43/attempts/1".into());
        assert_eq!(
            codes(&p, &StatementSigner::Certificate(c), exp(None, None, None)),
            Ok(vec!["certificate-mismatch", "certificate-mismatch"])
        );
    }

    #[test]
    fn delegator_and_runner_rules() {
        let trw = "https://github.com/acme/trw/.github/workflows/b.yml@refs/tags/v1.0.0";
        let p = gh_statement(Some(trw));
        let delegator = cert(&format!("{}@refs/tags/v1.10.0", DELEGATOR_WORKFLOWS[0]));
        assert_eq!(
            check_with(
                &p,
                &delegator,
                exp(
                    Some("https://github.com/acme/trw/.github/workflows/b.yml"),
                    None,
                    None
                )
            ),
            Ok(())
        );
        assert_eq!(
            check_with(&p, &delegator, exp(None, None, None)),
            Err("builder-id-required")
        );
        assert_eq!(
            check_with(
                &p,
                &delegator,
                exp(
                    Some("https://github.com/acme/trw/.github/workflows/c.yml"),
                    None,
                    None
                )
            ),
            Err("builder-mismatch")
        );
        let unpinned = cert(&format!("{}@refs/heads/main", DELEGATOR_WORKFLOWS[0]));
        assert_eq!(
            check_with(&p, &unpinned, exp(Some(trw), None, None)),
            Err("builder-unpinned")
        );
        // The delegator's certificate binds the ref too.
        let mut d = full_cert(&format!("{}@refs/tags/v1.10.0", DELEGATOR_WORKFLOWS[0]));
        d.build_config_uri = None;
        d.source_repository_ref = Some("refs/heads/main".into());
        assert_eq!(
            codes(
                &p,
                &StatementSigner::Certificate(d),
                exp(Some(trw), None, None)
            ),
            Ok(vec!["certificate-mismatch"])
        );

        let runner = RUNNER_BUILDERS[0].0;
        let p = gh_statement(Some(runner));
        let mut c = full_cert(BUILDER);
        assert_eq!(
            check_with(
                &p,
                &StatementSigner::Certificate(c.clone()),
                exp(Some(runner), Some("github.com/acme/widget"), None)
            ),
            Ok(())
        );
        assert_eq!(
            check_with(
                &p,
                &StatementSigner::Certificate(c.clone()),
                exp(None, None, None)
            ),
            Err("builder-id-required")
        );
        assert_eq!(
            check_with(
                &p,
                &StatementSigner::Certificate(c.clone()),
                exp(Some("https://github.com/actions/runner"), None, None)
            ),
            Err("builder-mismatch")
        );
        assert_eq!(
            check_with(
                &p,
                &StatementSigner::Certificate(c.clone()),
                exp(
                    Some("https://github.com/actions/runner/github-hosted2"),
                    None,
                    None
                )
            ),
            Err("builder-mismatch")
        );
        c.source_repository_digest = Some("9999".into());
        assert_eq!(
            check_with(
                &p,
                &StatementSigner::Certificate(c.clone()),
                exp(Some(runner), None, None)
            ),
            Err("certificate-mismatch")
        );
        c.source_repository_digest = Some("0123".into());
        c.runner_environment = Some("self-hosted".into());
        assert_eq!(
            check_with(
                &p,
                &StatementSigner::Certificate(c.clone()),
                exp(Some(runner), None, None)
            ),
            Err("certificate-mismatch")
        );
        // The runner does not sign: a certificate without a source repository proves nothing.
        c.runner_environment = Some("github-hosted".into());
        c.source_repository_uri = None;
        assert_eq!(
            codes(
                &p,
                &StatementSigner::Certificate(c),
                exp(Some(runner), None, None)
            ),
            Ok(vec!["certificate-mismatch"])
        );
    }

    #[test]
    fn other_predicates_and_builder_matching() {
        let s = Statement::new(
            vec![Subject::sha256("a", &Sha256Digest::of(ART))],
            "https://cyclonedx.org/bom",
            serde_json::json!({"bomFormat": "CycloneDX"}),
        );
        let p = s.to_json().into_bytes();
        assert_eq!(
            check_with(
                &p,
                &key(),
                Expectations {
                    predicate_type: Some("https://cyclonedx.org/bom".into()),
                    ..Default::default()
                }
            ),
            Ok(())
        );
        assert_eq!(
            check_with(&p, &key(), exp(Some("b"), None, None)),
            Err("provenance-malformed")
        );
        assert!(builder_id_matches(
            "https://x/w.yml@refs/tags/v1",
            "https://x/w.yml"
        ));
        assert!(!builder_id_matches(
            "https://x/w.yml@refs/tags/v1",
            "https://x/w"
        ));
        assert!(!builder_id_matches(
            "https://x/w.yml",
            "https://x/w.yml@refs/tags/v1"
        ));
        assert_eq!(
            normalize_source("git+https://github.com/a/b.git@refs/heads/main"),
            "github.com/a/b"
        );
        assert_eq!(
            normalize_source("https://github.com/a/b/"),
            "github.com/a/b"
        );
    }
}
