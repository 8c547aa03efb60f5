//! Trusted roots: the embedded public-good and staging roots, or a `trusted_root.json`.

use std::fmt;

use sigstore_verify::trust_root::{
    TrustedRoot, SIGSTORE_PRODUCTION_TRUSTED_ROOT, SIGSTORE_STAGING_TRUSTED_ROOT,
};
use sigstore_verify::Verifier;

use crate::provider;

/// Media type of a sigstore-python style `ClientTrustConfig`, which wraps a trusted root.
const CLIENT_TRUST_CONFIG: &str = "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json";

/// Where a [`TrustRoot`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustRootSource {
    /// The embedded Sigstore public-good root.
    PublicGood,
    /// The embedded Sigstore staging root.
    Staging,
    /// A document supplied by the caller.
    Supplied,
}

impl TrustRootSource {
    /// A short stable name: `public-good`, `staging` or `supplied`.
    pub fn as_str(self) -> &'static str {
        match self {
            TrustRootSource::PublicGood => "public-good",
            TrustRootSource::Staging => "staging",
            TrustRootSource::Supplied => "supplied",
        }
    }
}

/// Why a trusted root could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrustRootError {
    /// Not a `trusted_root.json` (or `ClientTrustConfig`) document.
    #[error("trusted root is malformed")]
    Malformed {
        /// The parser's complaint.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Parsed, but its keys, certificates or validity windows cannot be used.
    #[error("trusted root cannot be used")]
    Unusable {
        /// What is wrong with it.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// A Sigstore trusted root, prepared for verification: Fulcio CAs, Rekor logs, CT logs and
/// timestamp authorities with their validity windows.
pub struct TrustRoot {
    pub(crate) verifier: Verifier,
    source: TrustRootSource,
    /// The root lists CT logs: certificates must carry a verified SCT. GitHub's own instance
    /// (private repositories) lists none and its certificates carry none, as `gh attestation
    /// verify` expects for it.
    pub(crate) requires_sct: bool,
    /// The root lists transparency logs: a bundle must carry a verified entry of one. GitHub's
    /// own instance lists none (RFC 3161 timestamps from its TSA prove the signing time).
    pub(crate) requires_tlog: bool,
}

impl fmt::Debug for TrustRoot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TrustRoot")
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl TrustRoot {
    /// The embedded Sigstore public-good root (`tuf-repo-cdn.sigstore.dev` `trusted_root.json`,
    /// as shipped in `sigstore-trust-root` 0.15.1; sha256 [`PUBLIC_GOOD_SHA256`]).
    pub fn public_good() -> Result<Self, TrustRootError> {
        Self::build(
            SIGSTORE_PRODUCTION_TRUSTED_ROOT,
            TrustRootSource::PublicGood,
        )
    }

    /// The embedded Sigstore staging root (`tuf-repo-cdn.sigstage.dev` `trusted_root.json`,
    /// as shipped in `sigstore-trust-root` 0.15.1; sha256 [`STAGING_SHA256`]).
    pub fn staging() -> Result<Self, TrustRootError> {
        Self::build(SIGSTORE_STAGING_TRUSTED_ROOT, TrustRootSource::Staging)
    }

    /// A `trusted_root.json` document (media type
    /// `application/vnd.dev.sigstore.trustedroot+json;version=0.1`), or a `ClientTrustConfig`
    /// (sigstore-python's `--trust-config`), whose `trustedRoot` is used.
    pub fn from_json(json: &str) -> Result<Self, TrustRootError> {
        let value: serde_json::Value =
            serde_json::from_str(json).map_err(|e| TrustRootError::Malformed {
                source: Box::new(e),
            })?;
        if value.get("mediaType").and_then(|m| m.as_str()) == Some(CLIENT_TRUST_CONFIG) {
            let inner = value
                .get("trustedRoot")
                .ok_or_else(|| TrustRootError::Malformed {
                    source: "client trust config has no trustedRoot".into(),
                })?;
            return Self::build(&inner.to_string(), TrustRootSource::Supplied);
        }
        Self::build(json, TrustRootSource::Supplied)
    }

    fn build(json: &str, source: TrustRootSource) -> Result<Self, TrustRootError> {
        provider::ensure_installed();
        let root = TrustedRoot::from_json(json).map_err(|e| TrustRootError::Malformed {
            source: Box::new(e),
        })?;
        let verifier = Verifier::new(&root).map_err(|e| TrustRootError::Unusable {
            source: Box::new(e),
        })?;
        let lists = |key: &str| {
            serde_json::from_str::<serde_json::Value>(json)
                .ok()
                .and_then(|v| v.get(key).and_then(|l| l.as_array()).map(|l| !l.is_empty()))
                .unwrap_or(false)
        };
        Ok(Self {
            verifier,
            source,
            requires_sct: lists("ctlogs"),
            requires_tlog: lists("tlogs"),
        })
    }

    /// Where this root came from.
    pub fn source(&self) -> TrustRootSource {
        self.source
    }
}

/// SHA-256 of the embedded public-good `trusted_root.json`.
pub const PUBLIC_GOOD_SHA256: &str =
    "6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66";
/// SHA-256 of the embedded staging `trusted_root.json`.
pub const STAGING_SHA256: &str = "44deb991d4bbf2150751ccee235d9810bce4434383c26d8898c1bcadbace6ed8";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_roots_are_the_documented_ones() {
        let hex = |s: &str| sigil_core::Sha256Digest::of(s.as_bytes()).to_hex();
        assert_eq!(hex(SIGSTORE_PRODUCTION_TRUSTED_ROOT), PUBLIC_GOOD_SHA256);
        assert_eq!(hex(SIGSTORE_STAGING_TRUSTED_ROOT), STAGING_SHA256);
        assert_eq!(
            TrustRoot::public_good().map(|r| r.source()).ok(),
            Some(TrustRootSource::PublicGood)
        );
        assert_eq!(
            TrustRoot::staging().map(|r| r.source()).ok(),
            Some(TrustRootSource::Staging)
        );
    }

    fn check(input: &str, expect: &str) {
        let got = match TrustRoot::from_json(input) {
            Ok(r) => r.source().as_str().to_owned(),
            Err(e) => e.to_string(),
        };
        assert_eq!(got, expect, "{input}");
    }

    #[test]
    fn bad_documents_are_errors() {
        check("", "trusted root is malformed");
        check("[]", "trusted root is malformed");
        check(
            r#"{"mediaType":"application/vnd.dev.sigstore.clienttrustconfig.v0.1+json"}"#,
            "trusted root is malformed",
        );
        check(SIGSTORE_PRODUCTION_TRUSTED_ROOT, "supplied");
    }
}
