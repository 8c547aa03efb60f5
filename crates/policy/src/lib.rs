//! sigil policies: the TOML policy model and its evaluation.
//!
//! [`Policy::load`] / [`Policy::parse`] read a strict TOML policy (unknown keys, wrong types,
//! missing exception reasons and regexes that do not compile are errors that name the file,
//! line and column). [`evaluate`] turns a policy and the [`Evidence`] the gate gathered into a
//! [`Decision`]: a verdict, a verdict per rule and findings with stable codes ([`Code`]).
//!
//! This crate does no cryptography on artifacts, no network, and reads no clock or
//! environment: `sigil-gate` verifies signatures and attestations against the policy's keys
//! and passes the results and the current time in. The only files it reads are the policy and
//! the key files the policy names.

mod codes;
mod evaluate;
mod evidence;
mod model;
pub mod report;
mod summary;

pub use codes::{Code, Rule};
pub use evaluate::{
    evaluate, normalize_source_uri, Decision, Finding, RuleResult, RuleVerdict, Severity, Verdict,
};
pub use evidence::{
    AttestationEvidence, Evidence, EvidenceSigner, KeylessEvidence, KeylessOutcome, PackFacts,
    Problem, ProvenanceFacts, ProvenanceFinding, PublisherClaims, Purpose, SignatureEvidence,
    SignatureOutcome, SignatureVia, SignedComment, Subject, SubjectKind,
};
pub use model::{
    matches_everything, parse_key_id, Exception, FsFiles, Identity, IdentityClaims, InstallRule,
    KeyOrigin, KeyRole, Location, PackRule, Policy, PolicyError, PolicyFiles, PolicyWarning,
    ProvenanceRule, RefMatch, SbomRule, SubjectMatch, TrustedKey, DEFAULT_FILE_MODE,
    DEFAULT_MAX_DOWNLOAD, DEFAULT_SBOM_TYPES, MAX_POLICY_BYTES, SCHEMA, SLSA_PROVENANCE_V1,
};
pub use sigil_core::time::{self, Timestamp};

#[cfg(test)]
mod tests;
