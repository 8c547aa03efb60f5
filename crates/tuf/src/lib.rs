//! The Update Framework (TUF) for sigil.
//!
//! - A client ([`Client`]) following the TUF client workflow (root chain, timestamp, snapshot,
//!   targets, delegations, consistent snapshots) through `sigstore-tuf` (sigstore/sigstore-rust),
//!   over any [`Transport`]: this crate does no network itself (sigil-gate passes its HTTPS
//!   fetcher in) and reads no clock (callers pass `now`). Every refusal carries a stable finding
//!   code ([`TufError::code`], listed in `docs/codes.md`).
//! - Trust roots that update themselves ([`trust`]): the TUF roots of Sigstore's public-good
//!   and staging instances and of GitHub's instance are embedded, and `trusted_root.json` is
//!   refreshed through TUF into a cache directory the caller names.
//! - A repository writer for packs ([`repo`]): four top-level roles with keys of their own,
//!   consistent snapshots, expiry per role, and root rotation signed by old and new keys.
//!
//! Signatures are checked with sigil-sigstore's pure-Rust provider (Ed25519, ECDSA P-256/P-384,
//! RSA-PSS); key ids declared in metadata are authoritative, as in python-tuf and go-tuf.

mod client;
pub mod conformance;
pub mod repo;
pub mod report;
pub mod trust;

pub use client::{matches_target, Client, Limits, MetadataDir};
pub use sigstore_tuf::FileStore;

use std::future::Future;
use std::task::{Context, Poll, Waker};

/// Fetches a URL, returning at most `max_length` bytes; `Ok(None)` when the server says the
/// file does not exist (404/410, or 403 as object stores answer for missing keys).
pub trait Transport: Send + Sync {
    /// Fetches `url`.
    fn fetch(&self, url: &str, max_length: u64) -> Result<Option<Vec<u8>>, FetchFailure>;
}

/// Why a fetch failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchFailure {
    /// The body was larger than allowed (an endless-data attack, or a wrong limit).
    #[error("{url}: larger than the {limit}-byte limit")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// Anything else: refused URL, network trouble, timeouts, other statuses.
    #[error("{url}: {message}")]
    Other {
        /// The URL.
        url: String,
        /// What went wrong.
        message: String,
    },
}

/// Why a TUF operation failed: a refusal with its finding code, or a setup problem.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TufError {
    /// The repository's metadata or a target failed a TUF check (not verified).
    #[error("{message}")]
    Refused {
        /// Stable finding code (`docs/codes.md`).
        code: TufCode,
        /// What was refused and why.
        message: String,
    },
    /// The repository could not be reached (network, status, refused URL).
    #[error("{message}")]
    Unreachable {
        /// What failed.
        message: String,
    },
    /// Local files could not be read or written, or an argument is unusable.
    #[error("{message}")]
    Setup {
        /// What failed.
        message: String,
    },
}

impl TufError {
    /// The finding code: one of the `tuf-*` codes for refusals, `tuf-unreachable` or
    /// `tuf-setup` otherwise.
    pub fn reason(&self) -> TufCode {
        match self {
            TufError::Refused { code, .. } => *code,
            TufError::Unreachable { .. } => TufCode::Unreachable,
            TufError::Setup { .. } => TufCode::Setup,
        }
    }

    /// [`TufError::reason`]'s code.
    pub fn code(&self) -> &'static str {
        self.reason().code()
    }

    /// True for a refusal (exit 1, "not verified"); false for setup or transport trouble (exit 2).
    pub fn is_refusal(&self) -> bool {
        matches!(self, TufError::Refused { .. })
    }

    pub(crate) fn setup(message: impl Into<String>) -> Self {
        TufError::Setup {
            message: message.into(),
        }
    }
}

sigil_core::finding_codes! {
    /// Why a TUF repository's metadata or a target was refused, or could not be checked
    /// (`docs/codes.md`).
    pub enum TufCode {
        /// Metadata older than what the client already trusts.
        Rollback = "tuf-rollback",
        /// Metadata past its `expires` time.
        Expired = "tuf-expired",
        /// Fewer valid signatures than the role's threshold.
        ThresholdNotMet = "tuf-threshold-not-met",
        /// A file's length or hash differs from what the signed metadata pins.
        IntegrityMismatch = "tuf-integrity-mismatch",
        /// A file is longer than its limit.
        TooLarge = "tuf-too-large",
        /// No trusted targets role lists the requested target.
        TargetNotFound = "tuf-target-not-found",
        /// Metadata that does not parse or is not TUF.
        Malformed = "tuf-malformed",
        /// The repository could not be reached.
        Unreachable = "tuf-unreachable",
        /// Local trouble: cache, repository directory, key files or the policy.
        Setup = "tuf-setup",
    }
}

/// The targets URL of a TUF repository whose metadata is at `metadata_url`: the sibling
/// `targets` of a URL ending in `/metadata`, else `METADATA_URL/targets`.
pub fn targets_url(metadata_url: &str) -> String {
    let base = metadata_url.trim_end_matches('/');
    match base.strip_suffix("/metadata") {
        Some(parent) => format!("{parent}/targets"),
        None => format!("{base}/targets"),
    }
}

impl From<sigstore_tuf::Error> for TufError {
    fn from(e: sigstore_tuf::Error) -> Self {
        use sigstore_tuf::Error as E;
        let message = sigil_core::error::chain(&e);
        let code = match &e {
            E::Rollback { .. } | E::BadRootVersion { .. } => TufCode::Rollback,
            E::Expired { .. } => TufCode::Expired,
            E::ThresholdNotMet { .. } | E::DuplicateSignature { .. } => TufCode::ThresholdNotMet,
            E::IntegrityMismatch(_) => TufCode::IntegrityMismatch,
            E::TargetNotFound(_) => TufCode::TargetNotFound,
            E::Io { .. } => return TufError::Setup { message },
            E::Transport { source, .. } => {
                let too_large = source
                    .as_deref()
                    .and_then(|s| s.downcast_ref::<FetchFailure>())
                    .is_some_and(|f| matches!(f, FetchFailure::TooLarge { .. }));
                if too_large {
                    TufCode::TooLarge
                } else {
                    return TufError::Unreachable { message };
                }
            }
            _ => TufCode::Malformed,
        };
        TufError::Refused { code, message }
    }
}

/// Runs a future to completion on this thread. The futures here never wait on anything (the
/// transport is blocking), so they are ready at their first poll; the loop is a safety net.
pub(crate) fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = std::pin::pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
        std::thread::yield_now();
    }
}

/// SHA-256 of `bytes` in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sigil_core::Sha256Digest::of(bytes).to_hex()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_their_codes() {
        let e: TufError = sigstore_tuf::Error::TargetNotFound("a".into()).into();
        assert_eq!(e.code(), "tuf-target-not-found");
        assert!(e.is_refusal());
        let e: TufError = sigstore_tuf::Error::transport_with_source(
            "GET x",
            FetchFailure::TooLarge {
                url: "x".into(),
                limit: 3,
            },
        )
        .into();
        assert_eq!(e.code(), "tuf-too-large");
        let e: TufError = sigstore_tuf::Error::transport("down").into();
        assert_eq!(e.code(), "tuf-unreachable");
        assert!(!e.is_refusal());
        for c in TufCode::ALL {
            assert!(c.code().starts_with("tuf-"));
        }
    }
}
