//! Stable finding codes and the rules they belong to. Codes are never renamed; every code
//! is documented in `docs/codes.md` (a test keeps the two in step).

use std::fmt;

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $s:literal, $rule:ident, $waivable:literal; )*) => {
        /// A finding's stable kebab-case code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in documentation order.
            pub const ALL: &'static [Code] = &[$(Code::$variant),*];

            /// The kebab-case code.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $s,)* }
            }

            /// The rule a finding with this code belongs to.
            pub fn rule(self) -> Rule {
                match self { $(Code::$variant => Rule::$rule,)* }
            }

            /// Whether a policy exception may waive it. Integrity failures (tampered content,
            /// broken signatures, malformed evidence) never can, nor can the findings that say
            /// the artifact is not signed as the policy requires (`signature-missing`,
            /// `threshold-not-met`, `key-role-missing`): waiving those would allow what the
            /// policy's `[trust]` says it refuses.
            pub fn waivable(self) -> bool {
                match self { $(Code::$variant => $waivable,)* }
            }

            /// The code for a kebab-case string.
            pub fn parse(s: &str) -> Option<Code> {
                match s { $($s => Some(Code::$variant),)* _ => None }
            }
        }
    };
}

codes! {
    /// No signature, signed checksum list or keyless bundle was found for the artifact.
    SignatureMissing = "signature-missing", Trust, false;
    /// A signature by a trusted key does not verify: the content or the signature was changed.
    SignatureInvalid = "signature-invalid", Trust, false;
    /// A signature was made by a key the policy does not trust.
    KeyUntrusted = "key-untrusted", Trust, true;
    /// A signature was made by a key on the policy's revocation list.
    KeyRevoked = "key-revoked", Trust, true;
    /// A signature was made by a trusted key whose `not-after` has passed.
    KeyExpired = "key-expired", Trust, true;
    /// A signature was made by a trusted key whose `not-before` has not come yet.
    KeyNotYetValid = "key-not-yet-valid", Trust, true;
    /// Fewer distinct trusted signers than the policy's `threshold`.
    ThresholdNotMet = "threshold-not-met", Trust, false;
    /// A signed SHA256SUMS lists the artifact with another digest.
    DigestMismatch = "digest-mismatch", Trust, false;
    /// A Sigstore bundle verified, but its identity matches no `[[trust.identities]]` entry.
    IdentityMismatch = "identity-mismatch", Trust, true;
    /// A Sigstore bundle does not verify.
    BundleInvalid = "bundle-invalid", Trust, false;
    /// A Sigstore bundle is present but this build cannot verify bundles.
    KeylessUnsupported = "keyless-unsupported", Trust, true;
    /// Evidence beside the artifact (a signature, list, bundle or attestation) could not be parsed.
    EvidenceMalformed = "evidence-malformed", Evidence, false;
    /// A download was larger than the policy's `max-download-bytes`.
    DownloadTooLarge = "download-too-large", Evidence, false;
    /// The policy requires provenance and no trusted SLSA provenance names the artifact.
    ProvenanceMissing = "provenance-missing", Provenance, true;
    /// Provenance is required but attestations cannot be verified by this build.
    ProvenanceUnsupported = "provenance-unsupported", Provenance, true;
    /// An attestation by a trusted signer does not verify, or what it says cannot be checked
    /// (malformed statement or provenance, keyless signer that is not the builder).
    AttestationInvalid = "attestation-invalid", Evidence, false;
    /// Trusted provenance names another builder.
    BuilderMismatch = "builder-mismatch", Provenance, true;
    /// Trusted provenance names another source repository.
    SourceMismatch = "source-mismatch", Provenance, true;
    /// Trusted provenance names another source ref.
    RefMismatch = "ref-mismatch", Provenance, true;
    /// The policy requires an SBOM attestation and none from a trusted signer names the artifact.
    SbomMissing = "sbom-missing", Sbom, true;
    /// An SBOM is required but attestations cannot be verified by this build.
    SbomUnsupported = "sbom-unsupported", Sbom, true;
    /// A pack has more files or bytes than `[pack]` allows.
    PackLimitExceeded = "pack-limit-exceeded", Pack, true;
    /// A pack's manifest or tree did not verify.
    PackInvalid = "pack-invalid", Pack, false;
    /// The artifact is a pack but this build cannot verify packs.
    PackUnsupported = "pack-unsupported", Pack, true;
    /// `sigil run` was asked to execute an artifact under a policy without `[run] allow = true`.
    RunNotAllowed = "run-not-allowed", Run, true;
    /// A policy exception matched no finding (a warning: it does not deny).
    UnusedException = "unused-exception", Exceptions, false;
    /// A policy exception is past its `expires` date and was not applied (a warning).
    ExceptionExpired = "exception-expired", Exceptions, false;
    /// An authenticated attestation beside the artifact names other artifacts, not this one.
    AttestationSubjectMismatch = "attestation-subject-mismatch", Evidence, true;
    /// A trusted signature was made for another file name (the `file:` of its trusted comment),
    /// or does not state the `--expect-name` given: a renamed artifact, or a replayed list.
    SignedNameMismatch = "signed-name-mismatch", Trust, true;
    /// A trusted signature states another version than the one expected (`--expect-version`, or
    /// the version in a pack archive's `NAME-VERSION` file name), or states none when one is
    /// expected: an old release replayed as a new one.
    SignedVersionMismatch = "signed-version-mismatch", Trust, true;
    /// A trusted key signed evidence of a kind its `roles` do not include (an artifact signature
    /// by a key without `artifact`, provenance by a key without `provenance`, an SBOM by a key
    /// without `sbom`); it does not count.
    KeyRoleMissing = "key-role-missing", Trust, false;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A group of checks; each gets its own verdict in a [`crate::Decision`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Rule {
    /// The evidence itself is well-formed and within limits.
    Evidence,
    /// Signatures: trusted keys, identities and the threshold.
    Trust,
    /// `[provenance]`.
    Provenance,
    /// `[sbom]`.
    Sbom,
    /// `[pack]`.
    Pack,
    /// `[run]`.
    Run,
    /// `[[exceptions]]` bookkeeping.
    Exceptions,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: &'static [Rule] = &[
        Rule::Evidence,
        Rule::Trust,
        Rule::Provenance,
        Rule::Sbom,
        Rule::Pack,
        Rule::Run,
        Rule::Exceptions,
    ];

    /// The rule's name as reports print it.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::Evidence => "evidence",
            Rule::Trust => "trust",
            Rule::Provenance => "provenance",
            Rule::Sbom => "sbom",
            Rule::Pack => "pack",
            Rule::Run => "run",
            Rule::Exceptions => "exceptions",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_roundtrip() {
        let mut seen = std::collections::HashSet::new();
        for c in Code::ALL {
            let s = c.as_str();
            assert!(
                s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{s}"
            );
            assert!(seen.insert(s), "duplicate {s}");
            assert_eq!(Code::parse(s), Some(*c));
        }
        assert_eq!(Code::parse("Key-Untrusted"), None);
    }
}
