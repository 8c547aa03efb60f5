//! What the gate found out about an artifact, after the cryptography: which keys verifiably
//! signed it, which identities, which attestations name it. Policy evaluation reads only this.

use sigil_core::Sha256Digest;
use sigil_keys::KeyId;

use crate::codes::Code;

/// What is being decided about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    /// A single file.
    File,
    /// A data pack (archive or directory with `.sigil/`).
    Pack,
}

/// The artifact.
#[derive(Debug, Clone)]
pub struct Subject {
    /// Its file name (what sidecars and checksum lists call it).
    pub name: String,
    /// SHA-256 of the exact bytes verified.
    pub sha256: Sha256Digest,
    /// Their length.
    pub bytes: u64,
    /// File or pack.
    pub kind: SubjectKind,
}

/// Which command asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `sigil verify --policy`.
    Verify,
    /// `sigil install`.
    Install,
    /// `sigil run`.
    Run,
}

impl Purpose {
    /// The command's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Verify => "verify",
            Purpose::Install => "install",
            Purpose::Run => "run",
        }
    }
}

/// How a signature reached the artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureVia {
    /// A `.minisig` over the artifact itself.
    Sidecar,
    /// A signed `SHA256SUMS` listing the artifact's digest.
    ChecksumList,
    /// The signature on the manifest inside a pack archive (`.sigil/SHA256SUMS.minisig`): its
    /// key must be trusted, but it does not count towards the threshold (the archive's own
    /// signatures do). A pack directory's manifest signature is a [`SignatureVia::Sidecar`].
    PackManifest,
}

/// What checking one minisign signature showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureOutcome {
    /// It verified with this public key (raw Ed25519 bytes) from the policy.
    Verified {
        /// The verifying key.
        key: [u8; 32],
    },
    /// The policy has a key with the signature's id but the signature does not verify.
    Invalid {
        /// Why.
        reason: String,
    },
    /// No policy key has the signature's key id.
    UnknownKey,
    /// A verified checksum list gives another digest for the artifact.
    DigestMismatch {
        /// What the list says.
        listed: Sha256Digest,
    },
}

/// One minisign signature.
#[derive(Debug, Clone)]
pub struct SignatureEvidence {
    /// The file it came from.
    pub source: String,
    /// Sidecar or checksum list.
    pub via: SignatureVia,
    /// The key id the signature names.
    pub key_id: KeyId,
    /// What checking it showed.
    pub outcome: SignatureOutcome,
}

/// What checking one Sigstore bundle showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeylessOutcome {
    /// It verified against the trusted root for this certificate identity.
    Verified {
        /// OIDC issuer.
        issuer: String,
        /// Certificate subject (SAN).
        subject: String,
    },
    /// It did not verify.
    Invalid {
        /// Why.
        reason: String,
    },
    /// This build cannot verify bundles.
    Unsupported,
}

/// One Sigstore bundle.
#[derive(Debug, Clone)]
pub struct KeylessEvidence {
    /// The file it came from.
    pub source: String,
    /// What checking it showed.
    pub outcome: KeylessOutcome,
}

/// Who signed an attestation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    /// A policy key (raw Ed25519 bytes).
    Key([u8; 32]),
    /// A keyless identity.
    Identity {
        /// OIDC issuer.
        issuer: String,
        /// Certificate subject.
        subject: String,
    },
}

/// Facts read from a verified SLSA provenance predicate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProvenanceFacts {
    /// `runDetails.builder.id`.
    pub builder_id: Option<String>,
    /// The source repository URI.
    pub source_uri: Option<String>,
    /// The source ref (`refs/tags/v1.2.3`).
    pub source_ref: Option<String>,
    /// What `sigil-attest`'s provenance checks found against the policy's `builder-id` and
    /// `source-uri` (every source fact, not only `source_uri`): `Some` when the producer ran
    /// them (sigil-gate always does), and then the policy takes these instead of comparing
    /// `builder_id` and `source_uri` itself. Empty when everything matched.
    pub findings: Option<Vec<ProvenanceFinding>>,
}

/// A builder, source or ref finding about one provenance attestation (waivable by a policy
/// exception for exactly its code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenanceFinding {
    /// `builder-mismatch`, `source-mismatch` or `ref-mismatch`.
    pub code: Code,
    /// What differs.
    pub message: String,
}

/// An attestation whose envelope verified and whose subject names the artifact's digest.
#[derive(Debug, Clone)]
pub struct AttestationEvidence {
    /// The file it came from.
    pub source: String,
    /// Who signed the envelope.
    pub signer: Signer,
    /// The statement's predicate type.
    pub predicate_type: String,
    /// Provenance facts when the predicate is SLSA provenance.
    pub provenance: Option<ProvenanceFacts>,
}

/// Counts from a verified pack manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackFacts {
    /// Regular files.
    pub files: u64,
    /// Their total size.
    pub total_bytes: u64,
}

/// The trusted comment of a signature that verified with a policy key, as signed. Shown in
/// every verdict, so the user sees what the signer said the artifact is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedComment {
    /// The signature file it came from.
    pub source: String,
    /// The trusted comment, exactly as signed.
    pub trusted_comment: String,
}

/// Something wrong with the evidence itself, found while gathering it.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The finding code it becomes.
    pub code: Code,
    /// The file concerned.
    pub source: String,
    /// What is wrong.
    pub message: String,
}

/// Everything the gate gathered about one artifact.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The artifact.
    pub subject: Subject,
    /// The asking command.
    pub purpose: Purpose,
    /// Minisign signatures (sidecars and signed checksum lists).
    pub signatures: Vec<SignatureEvidence>,
    /// Sigstore bundles.
    pub keyless: Vec<KeylessEvidence>,
    /// Verified attestations naming the artifact.
    pub attestations: Vec<AttestationEvidence>,
    /// An attestation file exists but cannot be verified (no longer set by `sigil-gate`,
    /// which verifies attestations; kept for other evidence producers).
    pub attestations_unsupported: bool,
    /// Pack counts, when the artifact is a pack whose manifest verified.
    pub pack: Option<PackFacts>,
    /// Problems found while gathering (including a signed name or version that does not bind
    /// to what is verified: `signed-name-mismatch`, `signed-version-mismatch`).
    pub problems: Vec<Problem>,
    /// The trusted comments of the signatures that verified with a policy key.
    pub signed_comments: Vec<SignedComment>,
}

impl Evidence {
    /// Evidence with nothing but the subject.
    pub fn new(subject: Subject, purpose: Purpose) -> Self {
        Self {
            subject,
            purpose,
            signatures: Vec::new(),
            keyless: Vec::new(),
            attestations: Vec::new(),
            attestations_unsupported: false,
            pack: None,
            problems: Vec::new(),
            signed_comments: Vec::new(),
        }
    }
}
