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
    /// The verified certificate's publisher claims (`None`: not read), for identities with
    /// publisher keys.
    pub claims: Option<PublisherClaims>,
}

/// What a verified Fulcio certificate says about its publisher (its 1.3.6.1.4.1.57264.1.*
/// extensions), and for PEP 740 provenance the Trusted Publisher's environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublisherClaims {
    /// Source Repository URI (`https://github.com/o/r`).
    pub repository: Option<String>,
    /// Source Repository Owner URI (`https://github.com/o`).
    pub owner: Option<String>,
    /// The workflow that signed (Build Signer URI, or the SAN), without its `@ref`.
    pub signer_workflow: Option<String>,
    /// Source Repository Ref.
    pub source_ref: Option<String>,
    /// Runner Environment (`github-hosted`, `self-hosted`).
    pub runner_environment: Option<String>,
    /// The deployment environment a PEP 740 provenance object's publisher names.
    pub environment: Option<String>,
}

/// `OWNER/REPO` → `https://HOST/OWNER/REPO`; a full `https://` URL is kept.
fn url_of(s: &str, host: &str) -> String {
    let s = s.trim_end_matches('/');
    if s.starts_with("https://") {
        s.to_owned()
    } else {
        format!("https://{host}/{s}")
    }
}

/// Equal, or on github.com equal ignoring ASCII case (GitHub names are case-insensitive).
fn same_url(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim_end_matches('/'), b.trim_end_matches('/'));
    a == b
        || (a.to_ascii_lowercase().starts_with("https://github.com/") && a.eq_ignore_ascii_case(b))
}

fn under(url: &str, prefix: &str) -> bool {
    let p = format!("{}/", prefix.trim_end_matches('/'));
    url.get(..p.len()).is_some_and(|head| same_url(head, &p))
}

impl PublisherClaims {
    /// Whether these claims satisfy an identity's publisher keys. Short forms (`o/r`) name
    /// GitHub for GitHub Actions' issuer, else the issuer's host (`https://gitlab.com`).
    pub fn satisfy(&self, want: &crate::model::IdentityClaims, issuer: &str) -> bool {
        let host = if issuer == "https://token.actions.githubusercontent.com" {
            "github.com".to_owned()
        } else {
            issuer
                .strip_prefix("https://")
                .and_then(|h| h.split('/').next())
                .unwrap_or("github.com")
                .to_owned()
        };
        let eq = |got: &Option<String>, w: &str| got.as_deref().is_some_and(|g| same_url(g, w));
        if let Some(r) = &want.repository {
            if !eq(&self.repository, &url_of(r, &host)) {
                return false;
            }
        }
        if let Some(o) = &want.owner {
            if !eq(&self.owner, &url_of(o, &host)) {
                return false;
            }
        }
        match &want.signer_workflow {
            Some(w) => {
                let w = w.trim_start_matches("https://");
                let w = w.rsplit_once('@').map_or(w, |(x, _)| x);
                let first = w.split('/').next().unwrap_or_default();
                let url = if first.contains('.') && w.split('/').count() > 3 {
                    format!("https://{w}")
                } else {
                    format!("https://{host}/{w}")
                };
                if !eq(&self.signer_workflow, &url) {
                    return false;
                }
            }
            None => {
                // As `gh attestation verify`: the signing workflow lies in the repository
                // (or under the owner) named.
                let scope = want
                    .repository
                    .as_ref()
                    .or(want.owner.as_ref())
                    .map(|s| url_of(s, &host));
                if let Some(scope) = scope {
                    if !self
                        .signer_workflow
                        .as_deref()
                        .is_some_and(|w| under(w, &scope))
                    {
                        return false;
                    }
                }
            }
        }
        if let Some(r) = &want.source_ref {
            if self.source_ref.as_deref() != Some(r.as_str()) {
                return false;
            }
        }
        if let Some(e) = &want.environment {
            if self.environment.as_deref() != Some(e.as_str()) {
                return false;
            }
        }
        if want.self_hosted_runners == Some(false)
            && self.runner_environment.as_deref() != Some("github-hosted")
        {
            return false;
        }
        true
    }
}

/// Who signed an attestation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EvidenceSigner {
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
    pub signer: EvidenceSigner,
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

#[cfg(test)]
mod publisher_tests {
    use super::PublisherClaims;
    use crate::model::IdentityClaims;

    const GHA: &str = "https://token.actions.githubusercontent.com";

    fn facts() -> PublisherClaims {
        PublisherClaims {
            repository: Some("https://github.com/Acme/Widget".into()),
            owner: Some("https://github.com/Acme".into()),
            signer_workflow: Some(
                "https://github.com/Acme/Widget/.github/workflows/release.yml".into(),
            ),
            source_ref: Some("refs/tags/v1".into()),
            runner_environment: Some("github-hosted".into()),
            environment: None,
        }
    }

    #[test]
    fn publisher_keys_are_held_against_the_certificate_claims() {
        let f = facts();
        let ok = |c: IdentityClaims| f.satisfy(&c, GHA);
        assert!(ok(IdentityClaims {
            repository: Some("acme/widget".into()),
            ..Default::default()
        }));
        assert!(ok(IdentityClaims {
            owner: Some("acme".into()),
            signer_workflow: Some("github.com/acme/widget/.github/workflows/release.yml".into()),
            source_ref: Some("refs/tags/v1".into()),
            self_hosted_runners: Some(false),
            ..Default::default()
        }));
        for bad in [
            IdentityClaims {
                repository: Some("acme/other".into()),
                ..Default::default()
            },
            IdentityClaims {
                repository: Some("acme/widget-evil".into()),
                ..Default::default()
            },
            IdentityClaims {
                owner: Some("evil".into()),
                ..Default::default()
            },
            IdentityClaims {
                signer_workflow: Some("acme/widget/.github/workflows/other.yml".into()),
                ..Default::default()
            },
            IdentityClaims {
                repository: Some("acme/widget".into()),
                source_ref: Some("refs/heads/main".into()),
                ..Default::default()
            },
            // Only PEP 740 provenance says the environment: absent here, so no match.
            IdentityClaims {
                repository: Some("acme/widget".into()),
                environment: Some("pypi".into()),
                ..Default::default()
            },
        ] {
            assert!(!ok(bad.clone()), "{bad:?}");
        }
        let mut self_hosted = facts();
        self_hosted.runner_environment = Some("self-hosted".into());
        assert!(!self_hosted.satisfy(
            &IdentityClaims {
                repository: Some("acme/widget".into()),
                self_hosted_runners: Some(false),
                ..Default::default()
            },
            GHA
        ));
        // Another forge: short forms name the issuer's host.
        let gl = PublisherClaims {
            repository: Some("https://gitlab.com/group/project".into()),
            signer_workflow: Some("https://gitlab.com/group/project//.gitlab-ci.yml".into()),
            ..Default::default()
        };
        assert!(gl.satisfy(
            &IdentityClaims {
                repository: Some("group/project".into()),
                ..Default::default()
            },
            "https://gitlab.com"
        ));
    }
}
