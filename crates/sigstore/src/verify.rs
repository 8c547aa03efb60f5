//! Verifying a bundle against an artifact, a trusted root and a signer policy.

use std::fmt;
use std::io::Read;

use sigil_core::{Sha256Digest, Sha512Digest};
use sigstore_verify::types::{ArtifactDigest, DerPublicKey, HashAlgorithm, SignatureContent};
use sigstore_verify::{PublicKeyVerificationPolicy, VerificationPolicy};

use crate::bundle::{Bundle, ContentKind, SignerKind};
use crate::extensions::PublisherFacts;
use crate::provider;
use crate::trust::TrustRoot;

/// How an expected identity or issuer is matched.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Matcher {
    /// Equal, byte for byte.
    Exact(String),
    /// A regular expression (Rust `regex` syntax, close to Go's RE2 that cosign uses), searched
    /// unanchored like cosign's `--certificate-identity-regexp`: anchor it with `^...$`.
    Regex(regex::Regex),
}

/// A regular expression that does not compile.
#[derive(Debug, thiserror::Error)]
#[error("invalid regular expression {pattern:?}")]
#[non_exhaustive]
pub struct PatternError {
    /// The pattern as given.
    pub pattern: String,
    /// The compiler's complaint.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

impl Matcher {
    /// An exact match.
    pub fn exact(value: impl Into<String>) -> Self {
        Matcher::Exact(value.into())
    }

    /// A regular-expression match.
    pub fn regex(pattern: &str) -> Result<Self, PatternError> {
        regex::Regex::new(pattern)
            .map(Matcher::Regex)
            .map_err(|e| PatternError {
                pattern: pattern.to_owned(),
                source: Box::new(e),
            })
    }

    /// Whether `value` satisfies this matcher.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(s) => s == value,
            Matcher::Regex(r) => r.is_match(value),
        }
    }
}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Matcher::Exact(s) => write!(f, "{s:?}"),
            Matcher::Regex(r) => write!(f, "a match for regex {:?}", r.as_str()),
        }
    }
}

/// A managed (non-keyless) public key, for bundles whose verification material is a key hint.
#[derive(Clone)]
pub struct PublicKey(DerPublicKey);

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PublicKey(..)")
    }
}

/// A public key file that is not a PEM `PUBLIC KEY` (SPKI).
#[derive(Debug, thiserror::Error)]
#[error("not a PEM SPKI public key")]
#[non_exhaustive]
pub struct PublicKeyParseError {
    /// The parser's complaint.
    #[source]
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

impl PublicKey {
    /// Parses a PEM `-----BEGIN PUBLIC KEY-----` (ECDSA P-256/P-384, Ed25519 or RSA SPKI).
    pub fn from_pem(pem: &str) -> Result<Self, PublicKeyParseError> {
        DerPublicKey::from_pem(pem)
            .map(PublicKey)
            .map_err(|e| PublicKeyParseError {
                source: Box::new(e),
            })
    }

    /// Wraps DER SPKI bytes.
    pub fn from_spki_der(der: &[u8]) -> Self {
        PublicKey(DerPublicKey::new(der.to_vec()))
    }
}

/// Who must have signed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SignerPolicy {
    /// A keyless signature whose Fulcio certificate has a matching SAN identity and OIDC issuer.
    Keyless {
        /// Expected SAN (URI or email).
        identity: Matcher,
        /// Expected OIDC issuer (extension 1.3.6.1.4.1.57264.1.8, or the deprecated .1.1).
        issuer: Matcher,
    },
    /// A managed-key signature by this key.
    PublicKey(PublicKey),
    /// A keyless signature whose certificate claims (repository, owner, signer workflow, ref,
    /// digest, runner, issuer; the SAN when given) are what `gh attestation verify`'s flags ask.
    Publisher(Box<crate::extensions::PublisherPolicy>),
}

/// The artifact the bundle must be about.
#[non_exhaustive]
pub enum Artifact<'a> {
    /// The artifact's bytes.
    Bytes(&'a [u8]),
    /// A reader over the artifact, hashed in constant memory (read into memory only for
    /// Ed25519 message signatures, which cannot be checked from a digest).
    Reader(&'a mut dyn Read),
    /// A precomputed SHA-256 digest.
    Sha256(Sha256Digest),
    /// A precomputed SHA-512 digest (npm attestations name only SHA-512).
    Sha512(Sha512Digest),
}

impl fmt::Debug for Artifact<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Artifact::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            Artifact::Reader(_) => f.write_str("Reader"),
            Artifact::Sha256(d) => write!(f, "{d:?}"),
            Artifact::Sha512(d) => write!(f, "{d:?}"),
        }
    }
}

/// A point in time from verified evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Time {
    /// Seconds since the Unix epoch.
    pub unix: i64,
    /// RFC 3339, UTC.
    pub rfc3339: String,
}

fn time(t: impl fmt::Display + Copy, unix: i64) -> Time {
    Time {
        unix,
        rfc3339: t.to_string(),
    }
}

/// The verified signer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BundleSigner {
    /// A Fulcio certificate that chains to the trusted root and was valid at signing time.
    Certificate {
        /// The SAN (URI or email) the policy matched.
        identity: String,
        /// The OIDC issuer the policy matched.
        issuer: String,
        /// Certificate validity start.
        not_before: Time,
        /// Certificate validity end.
        not_after: Time,
        /// Further CI claims.
        claims: Box<PublisherFacts>,
    },
    /// The managed key in the policy.
    PublicKey,
}

/// A transparency-log entry whose inclusion was verified.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogEntry {
    /// Index in the log.
    pub log_index: u64,
    /// Log ID (hex SHA-256 of the log's key).
    pub log_id: String,
    /// Entry kind and version, e.g. `hashedrekord/0.0.1`, `dsse/0.0.1`, `intoto/0.0.2`.
    pub kind: String,
    /// Integrated time for Rekor v1 entries (covered by the SET or inclusion proof).
    pub integrated_time: Option<Time>,
}

/// What was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Content {
    /// A signature over the artifact.
    MessageSignature,
    /// A DSSE envelope whose signature (over the PAE) verified; the artifact matched one of the
    /// in-toto statement's subjects.
    Dsse {
        /// `payloadType`, always `application/vnd.in-toto+json` today.
        payload_type: String,
        /// The verified payload bytes (the in-toto statement).
        payload: Vec<u8>,
    },
}

/// A bundle that verified. Only constructed when every check passed.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Verified {
    /// The bundle's media type.
    pub media_type: &'static str,
    /// Who signed.
    pub signer: BundleSigner,
    /// What was signed (with the DSSE payload).
    pub content: Content,
    /// Transparency-log entries.
    pub log_entries: Vec<LogEntry>,
    /// The authenticated Rekor v1 integrated time, if any.
    pub integrated_time: Option<Time>,
    /// Every authenticated signing time (integrated times and RFC 3161 timestamps).
    pub verified_times: Vec<Time>,
    /// The verified certificate's publisher facts (extensions and SAN); `None` for a managed
    /// key.
    pub publisher: Option<Box<crate::extensions::PublisherFacts>>,
}

/// Why a bundle did not verify. Every variant means "not verified"; only [`BundleVerifyError::Read`]
/// is an I/O problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleVerifyError {
    /// The certificate's SAN is not the expected identity.
    #[error(
        "certificate identity mismatch: expected {expected}, got {}",
        opt(actual)
    )]
    IdentityMismatch {
        /// What the policy asked for.
        expected: String,
        /// The certificate's SAN.
        actual: Option<String>,
    },
    /// The certificate's OIDC issuer is not the expected one.
    #[error("oidc issuer mismatch: expected {expected}, got {}", opt(actual))]
    IssuerMismatch {
        /// What the policy asked for.
        expected: String,
        /// The certificate's issuer extension.
        actual: Option<String>,
    },
    /// The certificate's two OIDC-issuer extensions (1.3.6.1.4.1.57264.1.1 and .1.8) name
    /// different issuers: which one is meant cannot be decided, so the certificate is refused.
    #[error("certificate names two oidc issuers: {legacy:?} (1.3.6.1.4.1.57264.1.1) and {current:?} (1.3.6.1.4.1.57264.1.8)")]
    IssuerConflict {
        /// The deprecated extension 1.1.
        legacy: String,
        /// The current extension 1.8.
        current: String,
    },
    /// A keyless bundle given a key, or a managed-key bundle given identity rules.
    #[error("{found:?} bundle cannot be verified with a {expected:?} policy")]
    WrongSignerKind {
        /// What the policy verifies.
        expected: SignerKind,
        /// What the bundle carries.
        found: SignerKind,
    },
    /// [`verify_dsse`] on a message-signature bundle.
    #[error("bundle carries a message signature, not a dsse envelope")]
    NotDsse,
    /// The bundle is about another artifact (digest or in-toto subject mismatch).
    #[error("artifact mismatch")]
    ArtifactMismatch(#[source] Cause),
    /// The signature does not verify with the certificate's or policy's key.
    #[error("signature does not verify")]
    SignatureInvalid(#[source] Cause),
    /// The certificate does not chain to the trusted root, was not valid at signing time, or
    /// lacks a valid SCT.
    #[error("certificate rejected")]
    Certificate(#[source] Cause),
    /// Inclusion proof, checkpoint, SET or log-entry consistency failed.
    #[error("transparency log evidence rejected")]
    TransparencyLog(#[source] Cause),
    /// An RFC 3161 timestamp failed, or no trusted signing time exists.
    #[error("timestamp rejected")]
    Timestamp(#[source] Cause),
    /// The bundle is internally inconsistent, or uses something this verifier cannot check.
    #[error("bundle rejected")]
    Bundle(#[source] Cause),
    /// Reading the artifact failed.
    #[error("cannot read artifact")]
    Read(#[source] std::io::Error),
    /// A certificate claim is not what a [`SignerPolicy::Publisher`] asks.
    #[error(transparent)]
    ClaimMismatch(crate::extensions::ClaimMismatch),
}

sigil_core::finding_codes! {
    /// Why `sigil verify --bundle` did not verify a bundle (`error.details.reason`): one code per
    /// [`BundleVerifyError`] variant ([`BundleVerifyError::reason`]), and `bundle-malformed` for a bundle
    /// that does not parse.
    pub enum BundleReason {
        /// The certificate's SAN is not the expected identity.
        IdentityMismatch = "identity-mismatch",
        /// The certificate's OIDC issuer is not the expected one.
        IssuerMismatch = "issuer-mismatch",
        /// The certificate's two OIDC-issuer extensions name different issuers.
        IssuerConflict = "issuer-conflict",
        /// A certificate claim is not what the publisher flags ask.
        ClaimMismatch = "claim-mismatch",
        /// A keyless bundle given a key, or a managed-key bundle given identity rules.
        WrongSignerKind = "wrong-signer-kind",
        /// A message-signature bundle where a DSSE envelope was expected.
        NotDsse = "not-dsse",
        /// The bundle is about another artifact.
        ArtifactMismatch = "artifact-mismatch",
        /// The signature does not verify.
        SignatureInvalid = "signature-invalid",
        /// The certificate does not chain, was not valid at signing time, or lacks a valid SCT.
        CertificateRejected = "certificate-rejected",
        /// Inclusion proof, checkpoint, SET or log-entry consistency failed.
        TlogRejected = "tlog-rejected",
        /// An RFC 3161 timestamp failed, or no trusted signing time exists.
        TimestampRejected = "timestamp-rejected",
        /// The artifact could not be read.
        ReadError = "read-error",
        /// The bundle is inconsistent or uses something this verifier cannot check.
        BundleRejected = "bundle-rejected",
        /// The bundle does not parse.
        BundleMalformed = "bundle-malformed",
    }
}

impl BundleVerifyError {
    /// The stable reason code of this failure.
    pub fn reason(&self) -> BundleReason {
        match self {
            BundleVerifyError::IdentityMismatch { .. } => BundleReason::IdentityMismatch,
            BundleVerifyError::IssuerMismatch { .. } => BundleReason::IssuerMismatch,
            BundleVerifyError::IssuerConflict { .. } => BundleReason::IssuerConflict,
            BundleVerifyError::ClaimMismatch(_) => BundleReason::ClaimMismatch,
            BundleVerifyError::WrongSignerKind { .. } => BundleReason::WrongSignerKind,
            BundleVerifyError::NotDsse => BundleReason::NotDsse,
            BundleVerifyError::ArtifactMismatch(_) => BundleReason::ArtifactMismatch,
            BundleVerifyError::SignatureInvalid(_) => BundleReason::SignatureInvalid,
            BundleVerifyError::Certificate(_) => BundleReason::CertificateRejected,
            BundleVerifyError::TransparencyLog(_) => BundleReason::TlogRejected,
            BundleVerifyError::Timestamp(_) => BundleReason::TimestampRejected,
            BundleVerifyError::Read(_) => BundleReason::ReadError,
            BundleVerifyError::Bundle(_) => BundleReason::BundleRejected,
        }
    }
}

fn opt(v: &Option<String>) -> String {
    match v {
        Some(s) => format!("{s:?}"),
        None => "none".to_owned(),
    }
}

/// The underlying verifier's explanation, kept opaque so its types are not our API.
#[derive(Debug)]
pub struct Cause(sigstore_verify::Error);

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use sigstore_verify::Error as E;
        // The variant already names the category; show only the detail.
        match &self.0 {
            E::ArtifactMismatch(s)
            | E::SignatureInvalid(s)
            | E::InvalidBundle(s)
            | E::UnsupportedBundle(s)
            | E::UnsupportedArtifact(s) => f.write_str(s),
            other => other.fmt(f),
        }
    }
}

impl std::error::Error for Cause {}

impl Cause {
    /// A bundle that is not what it should be (used by the signer's own checks).
    pub(crate) fn invalid(what: String) -> Self {
        Cause(sigstore_verify::Error::InvalidBundle(what))
    }
}

fn classify(e: sigstore_verify::Error) -> BundleVerifyError {
    use sigstore_verify::bundle::Error as B;
    use sigstore_verify::Error as E;
    match e {
        E::Bundle(
            B::MissingInclusionPromise(_)
            | B::MissingInclusionProof(_)
            | B::MissingCheckpoint
            | B::LogIndexOutOfRange { .. }
            | B::CheckpointRootMismatch,
        ) => BundleVerifyError::TransparencyLog(Cause(e)),
        E::Bundle(B::MissingTimestamp | B::MissingSigningTimeEvidence) => {
            BundleVerifyError::Timestamp(Cause(e))
        }
        E::ArtifactRead(io) => BundleVerifyError::Read(io),
        E::ArtifactMismatch(_) => BundleVerifyError::ArtifactMismatch(Cause(e)),
        E::SignatureInvalid(_) => BundleVerifyError::SignatureInvalid(Cause(e)),
        E::Certificate(_) => BundleVerifyError::Certificate(Cause(e)),
        E::TransparencyLog(_) => BundleVerifyError::TransparencyLog(Cause(e)),
        E::Timestamp(_) => BundleVerifyError::Timestamp(Cause(e)),
        other => BundleVerifyError::Bundle(Cause(other)),
    }
}

/// Whether the message signature must be checked over the whole artifact (Ed25519, ML-DSA),
/// so a reader has to be read into memory.
fn needs_blob(bundle: &Bundle, policy: &SignerPolicy) -> bool {
    use sigstore_verify::crypto::{parse_certificate_info, KeyAlgorithm};
    if bundle.content_kind() != ContentKind::MessageSignature {
        return false;
    }
    let alg = match policy {
        SignerPolicy::PublicKey(PublicKey(der)) => {
            // Ed25519 SPKI: OID 1.3.101.112 (06 03 2b 65 70).
            return der
                .as_bytes()
                .windows(5)
                .any(|w| w == [0x06, 0x03, 0x2b, 0x65, 0x70]);
        }
        SignerPolicy::Keyless { .. } | SignerPolicy::Publisher(_) => bundle
            .inner
            .signing_certificate()
            .and_then(|c| parse_certificate_info(c).ok())
            .map(|i| i.key_algorithm),
    };
    matches!(alg, Some(KeyAlgorithm::Ed25519))
}

/// Verifies `bundle` for `artifact` under `policy` against `root`, fully offline: certificate
/// chain and validity at the verified signing time, SCT, inclusion proof and checkpoint, SET,
/// RFC 3161 timestamps, log-entry consistency, the signature (message or DSSE over the PAE) and
/// the artifact binding (digest, or in-toto subject for DSSE), then the identity and issuer.
pub fn verify(
    root: &TrustRoot,
    bundle: &Bundle,
    artifact: Artifact<'_>,
    policy: &SignerPolicy,
) -> Result<Verified, BundleVerifyError> {
    provider::ensure_installed();
    if let SignerPolicy::Publisher(p) = policy {
        return verify_publisher(root, bundle, artifact, p);
    }
    let found = bundle.signer_kind();
    let expected = match policy {
        SignerPolicy::Keyless { .. } | SignerPolicy::Publisher(_) => SignerKind::Certificate,
        SignerPolicy::PublicKey(_) => SignerKind::PublicKey,
    };
    if found != expected {
        return Err(BundleVerifyError::WrongSignerKind { expected, found });
    }
    let v = &root.verifier;
    let raw = &bundle.inner;
    // A root without CT logs (or transparency logs) is an instance that has none, like
    // GitHub's own: its certificates carry no SCT and its bundles no log entry, and its RFC
    // 3161 timestamps are then the only signing-time evidence (still required).
    let mut cert_policy = VerificationPolicy::any_identity();
    if !root.requires_sct {
        cert_policy = cert_policy.skip_sct();
    }
    if !root.requires_tlog {
        cert_policy = cert_policy.skip_tlog_unsafe();
    }
    if root.requires_tlog && raw.verification_material.tlog_entries.is_empty() {
        return Err(BundleVerifyError::TransparencyLog(Cause(
            sigstore_verify::Error::InvalidBundle(
                "the trusted root lists transparency logs but the bundle has no log entry".into(),
            ),
        )));
    }
    let key_policy;
    let p: &dyn sigstore_verify::Policy = match policy {
        SignerPolicy::Keyless { .. } | SignerPolicy::Publisher(_) => &cert_policy,
        SignerPolicy::PublicKey(PublicKey(der)) => {
            key_policy = PublicKeyVerificationPolicy::new(der.clone());
            &key_policy
        }
    };
    let result = match artifact {
        Artifact::Bytes(b) => v.verify(b, raw, p),
        Artifact::Reader(r) if needs_blob(bundle, policy) => {
            let mut buf = Vec::new();
            r.read_to_end(&mut buf).map_err(BundleVerifyError::Read)?;
            v.verify(buf.as_slice(), raw, p)
        }
        Artifact::Reader(r) => v.verify_reader(r, raw, p),
        Artifact::Sha256(d) => v.verify(ArtifactDigest::sha256(d.0.into()), raw, p),
        Artifact::Sha512(d) => {
            let digest = ArtifactDigest::new(HashAlgorithm::Sha2512, d.0.to_vec())
                .map_err(|e| classify(e.into()))?;
            v.verify(digest, raw, p)
        }
    }
    .map_err(classify)?;

    let signer = match policy {
        SignerPolicy::PublicKey(_) | SignerPolicy::Publisher(_) => BundleSigner::PublicKey,
        SignerPolicy::Keyless { identity, issuer } => {
            let actual_id = result.identity().map(|s| s.as_str().to_owned());
            let actual_issuer = result.issuer().map(str::to_owned);
            let (Some(id), Some(iss)) = (
                actual_id.clone().filter(|a| identity.matches(a)),
                actual_issuer.clone(),
            ) else {
                return Err(BundleVerifyError::IdentityMismatch {
                    expected: identity.to_string(),
                    actual: actual_id,
                });
            };
            if let Some(der) = bundle.inner.signing_certificate() {
                check_issuers_agree(der.as_bytes())?;
            }
            if !issuer.matches(&iss) {
                return Err(BundleVerifyError::IssuerMismatch {
                    expected: issuer.to_string(),
                    actual: actual_issuer,
                });
            }
            let cert = result.certificate().ok_or_else(|| {
                BundleVerifyError::Certificate(Cause(sigstore_verify::Error::InvalidBundle(
                    "no verified certificate".into(),
                )))
            })?;
            if !result.certificate_verified() || (root.requires_sct && !result.sct_verified()) {
                return Err(BundleVerifyError::Certificate(Cause(
                    sigstore_verify::Error::InvalidBundle(
                        "certificate or sct was not verified".into(),
                    ),
                )));
            }
            let c = &cert.ci_claims;
            let g = &c.deprecated_github;
            BundleSigner::Certificate {
                identity: id.clone(),
                issuer: iss.clone(),
                not_before: time(cert.not_before, cert.not_before.as_second()),
                not_after: time(cert.not_after, cert.not_after.as_second()),
                claims: Box::new(PublisherFacts {
                    san: Some(id.clone()),
                    issuer: Some(iss.clone()),
                    build_signer_uri: c.build_signer_uri.clone(),
                    build_signer_digest: c.build_signer_digest.clone(),
                    runner_environment: c.runner_environment.clone(),
                    source_repository_uri: c.source_repository_uri.clone(),
                    source_repository_digest: c.source_repository_digest.clone(),
                    source_repository_ref: c.source_repository_ref.clone(),
                    source_repository_identifier: c.source_repository_identifier.clone(),
                    source_repository_owner_uri: c.source_repository_owner_uri.clone(),
                    source_repository_owner_identifier: c
                        .source_repository_owner_identifier
                        .clone(),
                    build_config_uri: c.build_config_uri.clone(),
                    build_config_digest: c.build_config_digest.clone(),
                    build_trigger: c.build_trigger.clone(),
                    run_invocation_uri: c.run_invocation_uri.clone(),
                    source_repository_visibility: c.source_repository_visibility_at_signing.clone(),
                    github_workflow_ref: g.workflow_ref.clone(),
                    github_workflow_repository: g.workflow_repository.clone(),
                    github_workflow_sha: g.workflow_sha.clone(),
                    github_workflow_trigger: g.workflow_trigger.clone(),
                    github_workflow_name: g.workflow_name.clone(),
                    legacy_issuer: None,
                }),
            }
        }
    };
    if root.requires_tlog && !result.tlog_verified() {
        return Err(BundleVerifyError::TransparencyLog(Cause(
            sigstore_verify::Error::InvalidBundle(
                "transparency log inclusion was not verified".into(),
            ),
        )));
    }
    let content = match &raw.content {
        SignatureContent::DsseEnvelope(env) => Content::Dsse {
            payload_type: env.payload_type.clone(),
            payload: env.payload.as_bytes().to_vec(),
        },
        _ => Content::MessageSignature,
    };
    let log_entries = raw
        .verification_material
        .tlog_entries
        .iter()
        .map(|e| LogEntry {
            log_index: e.log_index.get(),
            log_id: sigil_core::hex::encode(e.log_id.key_id.as_bytes()),
            kind: format!("{}/{}", e.kind_version.kind(), e.kind_version.version()),
            integrated_time: e.integrated_time.map(|t| time(t, t.as_second())),
        })
        .collect();
    let publisher = match &signer {
        BundleSigner::Certificate { .. } => bundle
            .inner
            .signing_certificate()
            .and_then(|der| crate::extensions::PublisherFacts::from_der(der.as_bytes()).ok())
            .map(Box::new),
        BundleSigner::PublicKey => None,
    };
    Ok(Verified {
        publisher,
        media_type: bundle.media_type(),
        signer,
        content,
        log_entries,
        integrated_time: result.integrated_time().map(|t| time(t, t.as_second())),
        verified_times: result
            .verified_timestamps()
            .iter()
            .map(|t| time(*t, t.as_second()))
            .collect(),
    })
}

/// [`verify`] under a [`SignerPolicy::Publisher`]: the chain, proofs and signature as for any keyless
/// bundle, the issuer (and SAN when given), then every claim the policy names.
fn verify_publisher(
    root: &TrustRoot,
    bundle: &Bundle,
    artifact: Artifact<'_>,
    p: &crate::extensions::PublisherPolicy,
) -> Result<Verified, BundleVerifyError> {
    let identity = match &p.identity {
        Some(m) => m.clone(),
        None => Matcher::Regex(regex::Regex::new("").map_err(|e| {
            BundleVerifyError::Bundle(Cause(sigstore_verify::Error::InvalidBundle(e.to_string())))
        })?),
    };
    let keyless = SignerPolicy::Keyless {
        identity,
        issuer: p.issuer.clone(),
    };
    let v = verify(root, bundle, artifact, &keyless)?;
    let Some(facts) = &v.publisher else {
        return Err(BundleVerifyError::Certificate(Cause(
            sigstore_verify::Error::InvalidBundle(
                "certificate extensions could not be read".into(),
            ),
        )));
    };
    p.check(facts).map_err(BundleVerifyError::ClaimMismatch)?;
    Ok(v)
}

/// The OIDC issuer extensions of a DER certificate: (deprecated 1.1, current 1.8). The 1.1
/// value is raw UTF-8 (a DER UTF8String is accepted too); 1.8 is a DER UTF8String.
pub(crate) fn issuer_extensions(der: &[u8]) -> (Option<String>, Option<String>) {
    use x509_cert::der::asn1::{ObjectIdentifier, Utf8StringRef};
    use x509_cert::der::Decode as _;
    const LEGACY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1");
    const CURRENT: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8");
    let Ok(cert) = x509_cert::Certificate::from_der(der) else {
        return (None, None);
    };
    let utf8 = |b: &[u8]| {
        Utf8StringRef::from_der(b)
            .ok()
            .map(|s| s.as_str().to_owned())
    };
    let (mut legacy, mut current) = (None, None);
    for ext in cert.tbs_certificate.extensions.iter().flatten() {
        let bytes = ext.extn_value.as_bytes();
        if ext.extn_id == LEGACY {
            legacy = utf8(bytes).or_else(|| std::str::from_utf8(bytes).ok().map(str::to_owned));
        } else if ext.extn_id == CURRENT {
            current = utf8(bytes);
        }
    }
    (legacy, current)
}

/// Refuses a certificate whose two issuer extensions are both present and differ.
fn issuers_agree(legacy: Option<String>, current: Option<String>) -> Result<(), BundleVerifyError> {
    match (legacy, current) {
        (Some(legacy), Some(current)) if legacy != current => {
            Err(BundleVerifyError::IssuerConflict { legacy, current })
        }
        _ => Ok(()),
    }
}

fn check_issuers_agree(der: &[u8]) -> Result<(), BundleVerifyError> {
    let (legacy, current) = issuer_extensions(der);
    issuers_agree(legacy, current)
}

/// [`verify`] for a bundle that must carry a DSSE envelope (keyless attestations, GitHub
/// artifact attestations, npm provenance). Returns the verification with the payload type and
/// the verified payload bytes; the artifact must match one of the statement's subjects.
pub fn verify_dsse(
    root: &TrustRoot,
    bundle: &Bundle,
    artifact: Artifact<'_>,
    policy: &SignerPolicy,
) -> Result<(Verified, String, Vec<u8>), BundleVerifyError> {
    if bundle.content_kind() != ContentKind::Dsse {
        return Err(BundleVerifyError::NotDsse);
    }
    let v = verify(root, bundle, artifact, policy)?;
    match &v.content {
        Content::Dsse {
            payload_type,
            payload,
        } => {
            let (t, p) = (payload_type.clone(), payload.clone());
            Ok((v, t, p))
        }
        Content::MessageSignature => Err(BundleVerifyError::NotDsse),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use x509_cert::der::asn1::{BitString, ObjectIdentifier, OctetString, UtcTime, Utf8StringRef};
    use x509_cert::der::Encode as _;
    use x509_cert::ext::Extension;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
    use x509_cert::time::{Time, Validity};
    use x509_cert::{Certificate, TbsCertificate};

    const GH: &str = "https://token.actions.githubusercontent.com";

    /// A certificate (unsigned: only its extensions matter here) with the issuer extensions
    /// given: 1.1 as raw bytes, 1.8 as a DER UTF8String.
    fn cert(legacy: Option<&str>, current: Option<&str>) -> Vec<u8> {
        let alg = AlgorithmIdentifierOwned {
            oid: ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2"),
            parameters: None,
        };
        let t = Time::UtcTime(
            UtcTime::from_unix_duration(std::time::Duration::from_secs(1_700_000_000)).unwrap(),
        );
        let mut extensions = Vec::new();
        if let Some(l) = legacy {
            extensions.push(Extension {
                extn_id: ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.1"),
                critical: false,
                extn_value: OctetString::new(l.as_bytes()).unwrap(),
            });
        }
        if let Some(c) = current {
            extensions.push(Extension {
                extn_id: ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.8"),
                critical: false,
                extn_value: OctetString::new(Utf8StringRef::new(c).unwrap().to_der().unwrap())
                    .unwrap(),
            });
        }
        let tbs = TbsCertificate {
            version: x509_cert::Version::V3,
            serial_number: SerialNumber::new(&[1]).unwrap(),
            signature: alg.clone(),
            issuer: Default::default(),
            validity: Validity {
                not_before: t,
                not_after: t,
            },
            subject: Default::default(),
            subject_public_key_info: SubjectPublicKeyInfoOwned {
                algorithm: alg.clone(),
                subject_public_key: BitString::from_bytes(&[4; 65]).unwrap(),
            },
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(extensions),
        };
        Certificate {
            tbs_certificate: tbs,
            signature_algorithm: alg,
            signature: BitString::from_bytes(&[0; 8]).unwrap(),
        }
        .to_der()
        .unwrap()
    }

    #[test]
    fn certificate_with_two_different_issuers_is_refused() {
        let both = cert(Some(GH), Some("https://accounts.example"));
        assert_eq!(
            issuer_extensions(&both),
            (
                Some(GH.to_owned()),
                Some("https://accounts.example".to_owned())
            )
        );
        let e = check_issuers_agree(&both).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("certificate names two oidc issuers: {GH:?} (1.3.6.1.4.1.57264.1.1) and \"https://accounts.example\" (1.3.6.1.4.1.57264.1.8)")
        );
        // Agreeing, or only one of them: accepted.
        for (l, c) in [
            (Some(GH), Some(GH)),
            (Some(GH), None),
            (None, Some(GH)),
            (None, None),
        ] {
            assert!(check_issuers_agree(&cert(l, c)).is_ok(), "{l:?} {c:?}");
        }
        // Not a certificate: nothing to compare (chain verification refuses it elsewhere).
        assert!(check_issuers_agree(b"junk").is_ok());
    }
}
