//! Offline verification of Sigstore bundles, wrapping `sigstore-verify` from the
//! sigstore/sigstore-rust workspace (which passes the official conformance suite offline).
//!
//! What it does:
//! - parses bundles v0.1, v0.2 and v0.3 (both v0.3 media types), alone, as JSON Lines, or inside
//!   an npm registry attestations document ([`parse_bundles`], [`Bundle::parse`]);
//! - verifies message signatures and DSSE envelopes, keyless ([`SignerPolicy::Keyless`]: Fulcio
//!   certificate chain and validity at the verified signing time, SCT, SAN identity and OIDC
//!   issuer, exact or regex) or with a managed key ([`SignerPolicy::PublicKey`]); Rekor v1 and v2
//!   entries, inclusion proofs, checkpoints, signed entry timestamps, RFC 3161 timestamps,
//!   trusted-root validity windows, and the binding to the artifact (digest, or an in-toto
//!   subject for DSSE) ([`verify`]);
//! - for attestations, [`verify_dsse`] returns the verified payload type and payload bytes with
//!   the signer: identity (SAN), issuer and the other Fulcio claims ([`PublisherFacts`]: build
//!   signer URI, source repository URI/ref/digest, workflow ref, trigger, run URI...).
//!
//! - many artifacts at once: [`batch`] pairs each artifact with its bundle file (or every
//!   `X.sigstore.json` beside `X` in a directory) and verifies them on every core with one
//!   trusted root ([`verify_many`]).
//!
//! Trust comes from a [`TrustRoot`]: the embedded Sigstore public-good root
//! ([`TrustRoot::public_good`]) or staging root ([`TrustRoot::staging`]), both the
//! `trusted_root.json` documents shipped in `sigstore-trust-root` 0.15.1 (its "refresh embedded
//! TUF data" release; taken from the TUF repositories `tuf-repo-cdn.sigstore.dev` and
//! `tuf-repo-cdn.sigstage.dev`; sha256 [`trust::PUBLIC_GOOD_SHA256`] and
//! [`trust::STAGING_SHA256`]), or a caller-supplied `trusted_root.json` ([`TrustRoot::from_json`]).
//!
//! What it does not do: no network (no TUF refresh, no Rekor lookups: a bundle must carry its
//! own proofs), no clock (times come from the verified evidence), no signing, and no policy
//! over DSSE payload contents (the attestation crate reads the statement). ML-DSA signatures are
//! reported as unsupported. Cryptography runs on a pure-Rust provider (RustCrypto `p256`,
//! `p384`, `rsa`, `ed25519-dalek`, `sha2`) installed process-wide into `sigstore-crypto` unless
//! the embedding program installed its own first.
//!
//! ```no_run
//! use sigil_sigstore::{parse_bundles, verify_dsse, Artifact, Matcher, SignerPolicy, TrustRoot};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let root = TrustRoot::public_good()?;
//! let bundle = &parse_bundles(&std::fs::read("MODULE.bazel.intoto.jsonl")?)?[0];
//! let policy = SignerPolicy::Keyless {
//!     identity: Matcher::regex(r"^https://github\.com/bazel-contrib/publish-to-bcr/")?,
//!     issuer: Matcher::exact("https://token.actions.githubusercontent.com"),
//! };
//! let artifact = std::fs::read("MODULE.bazel")?;
//! let (verified, payload_type, statement) = verify_dsse(&root, bundle, Artifact::Bytes(&artifact), &policy)?;
//! # let _ = (verified, payload_type, statement);
//! # Ok(())
//! # }
//! ```

pub mod batch;
mod bundle;
pub mod cosign;
pub mod extensions;
pub mod pep740;
mod provider;
pub mod report;
pub mod sign;
pub mod trust;
mod verify;

pub use batch::{verify_many, Pair, PairError, Passed, Subject};
#[cfg(test)]
#[allow(clippy::print_stderr, clippy::unwrap_used)]
mod vector_tests;

pub use bundle::{
    parse_bundles, Bundle, BundleParseError, BundleShapeError, ContentKind, SignerKind,
    MAX_BUNDLE_FILE, MEDIA_TYPES,
};
pub use extensions::{ClaimMismatch, PublisherFacts, PublisherPolicy};
pub use trust::{TrustRoot, TrustRootError, TrustRootSource};

/// Installs sigil's pure-Rust provider into `sigstore-crypto` unless one is installed already,
/// for sibling crates that verify with it (sigil-tuf's TUF metadata signatures).
pub fn install_crypto_provider() {
    provider::ensure_installed();
}
pub use verify::{
    verify, verify_dsse, Artifact, BundleReason, BundleSigner, BundleVerifyError, Cause, Content,
    LogEntry, Matcher, PatternError, PublicKey, PublicKeyParseError, SignerPolicy, Time, Verified,
};
