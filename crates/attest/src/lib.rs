//! Attestations for sigil: DSSE envelopes signed with Ed25519 keys, in-toto Statements (v1
//! written, v1 and v0.1 read), SLSA Provenance v1 generated from a CI environment, and
//! slsa-verifier-grade checks of what an authenticated statement says.
//!
//! - [`dsse`]: the envelope, its pre-authentication encoding, signing and key verification
//!   (the `keyid` is the key's fingerprint and only ever a hint);
//! - [`statement`]: in-toto Statements and subject matching (sha256 and sha512);
//! - [`provenance`]: SLSA v1 provenance for GitHub Actions, GitLab CI and local builds, and
//!   the fields verification reads;
//! - [`verify`]: subject, predicate type, builder bound to the signer, every source fact and
//!   the ref, each finding reported ([`verify::assess`]);
//! - [`document`]: `.intoto.jsonl`, single envelopes, Sigstore bundles and npm's
//!   attestations document, split into attestations.
//!
//! What it does not do: verify Sigstore bundles (that is `sigil-sigstore`; the CLI passes the
//! certificate identity it returns into [`verify::check`]), read files, environment or clock
//! (callers pass readers, environment maps and times in), or touch the network.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::type_complexity))]

pub mod document;
pub mod dsse;
pub mod provenance;
pub mod report;
pub mod statement;
pub mod verify;

use std::io::{self, Read};

use serde_json::Value;
use sha2::{Digest as _, Sha256, Sha512};
use sigil_core::{Sha256Digest, Sha512Digest};
use thiserror::Error;

pub use document::{Attestation, DocumentError, Located};
pub use dsse::{
    Envelope, EnvelopeParseError, EnvelopeVerifyError, VerifiedEnvelope, INTOTO_PAYLOAD_TYPE,
};
pub use provenance::{GitFacts, ProvenanceOptions, SLSA_PROVENANCE_V1};
pub use statement::{Statement, StatementParseError, Subject};
pub use verify::{
    Assessment, AttestReason, CertificateIdentity, CheckError, Checked, Expectations,
    StatementSigner,
};

/// Both digests of an artifact, from one pass over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArtifactDigests {
    /// SHA-256.
    pub sha256: Sha256Digest,
    /// SHA-512.
    pub sha512: Sha512Digest,
    /// Bytes read.
    pub len: u64,
}

/// SHA-256 and SHA-512 of everything `reader` yields, in constant memory.
pub fn digests<R: Read>(reader: R, on_progress: impl FnMut(u64)) -> io::Result<ArtifactDigests> {
    let (mut a, mut b) = (Sha256::new(), Sha512::new());
    let len = sigil_core::digest::stream(
        reader,
        |chunk| {
            a.update(chunk);
            b.update(chunk);
        },
        on_progress,
    )?;
    Ok(ArtifactDigests {
        sha256: Sha256Digest(a.finalize().into()),
        sha512: Sha512Digest(b.finalize().into()),
        len,
    })
}

/// The fingerprint of any PEM public key (ECDSA, RSA, Ed25519): lower-case hex SHA-256 of the
/// DER of its first `-----BEGIN ...-----` block, the same value
/// [`sigil_keys::PublicKey::fingerprint`] gives for Ed25519 keys. `None` when not PEM.
pub fn pem_fingerprint(pem: &str) -> Option<String> {
    let start = pem.find("-----BEGIN ")?;
    let rest = &pem[start..];
    let body_start = rest.find('\n')? + 1;
    let end = rest.find("-----END ")?;
    let body: String = rest
        .get(body_start..end)?
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = dsse::decode_base64(&body)?;
    Some(sigil_core::hex::encode(&Sha256::digest(der)))
}

/// Largest `--predicate` file `sigil attest` reads.
pub const MAX_PREDICATE_BYTES: u64 = 16 * 1024 * 1024;

/// Which digest subjects carry when sigil writes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectDigest {
    /// `sha256` (the default).
    Sha256,
    /// `sha512`.
    Sha512,
}

/// Why a statement could not be built for `sigil attest`.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttestError {
    /// The predicate file is not JSON.
    #[error("predicate is not JSON: {0}")]
    PredicateJson(String),
    /// The predicate is JSON but not an object.
    #[error("predicate is not a JSON object")]
    PredicateNotObject,
    /// The predicate is a Statement that does not parse.
    #[error("predicate is an in-toto Statement but invalid: {0}")]
    Statement(#[source] StatementParseError),
    /// The predicate is a Statement whose predicate type is not `--predicate-type`.
    #[error("the statement's predicateType is {actual:?}, not {expected:?}")]
    PredicateType {
        /// `--predicate-type`.
        expected: String,
        /// The statement's.
        actual: String,
    },
    /// The predicate is a Statement that does not list a given subject.
    #[error("the statement has no subject with the digest of {name}")]
    SubjectNotInStatement {
        /// The subject file's name.
        name: String,
    },
    /// No subjects.
    #[error("no subjects")]
    NoSubjects,
}

/// The payload `sigil attest` signs.
///
/// When `predicate` is itself an in-toto Statement (for example the output of
/// `sigil provenance`), it is taken as the statement: its predicate type must be
/// `predicate_type` and each subject's digests must appear among its subjects; its bytes are
/// signed unchanged. Otherwise a Statement v1 is built around `predicate`.
pub fn attest_payload(
    predicate_type: &str,
    predicate: &[u8],
    subjects: &[(String, ArtifactDigests)],
    digest: SubjectDigest,
) -> Result<(Vec<u8>, Statement), AttestError> {
    if subjects.is_empty() {
        return Err(AttestError::NoSubjects);
    }
    let v: Value = sigil_core::json::parse(predicate)
        .map_err(|e| AttestError::PredicateJson(e.to_string()))?;
    if !v.is_object() {
        return Err(AttestError::PredicateNotObject);
    }
    if Statement::is_statement(&v) {
        let st = Statement::from_value(v).map_err(AttestError::Statement)?;
        if st.predicate_type != predicate_type {
            return Err(AttestError::PredicateType {
                expected: predicate_type.to_owned(),
                actual: st.predicate_type,
            });
        }
        for (name, d) in subjects {
            if st.matching_subject(&d.sha256, &d.sha512).is_none() {
                return Err(AttestError::SubjectNotInStatement { name: name.clone() });
            }
        }
        return Ok((predicate.to_vec(), st));
    }
    let subs = subjects
        .iter()
        .map(|(name, d)| match digest {
            SubjectDigest::Sha256 => Subject::sha256(name.clone(), &d.sha256),
            SubjectDigest::Sha512 => Subject::sha512(name.clone(), &d.sha512),
        })
        .collect();
    let st = Statement::new(subs, predicate_type, v);
    Ok((st.to_json().into_bytes(), st))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(bytes: &[u8]) -> ArtifactDigests {
        digests(bytes, |_| {}).unwrap()
    }

    fn check(pt: &str, predicate: &str, digest: SubjectDigest, expect: Result<&str, AttestError>) {
        let subjects = vec![("a.bin".to_owned(), d(b"a"))];
        let got = attest_payload(pt, predicate.as_bytes(), &subjects, digest)
            .map(|(p, _)| String::from_utf8(p).unwrap());
        assert_eq!(
            got.as_deref().map_err(|e| e.to_string()),
            expect.map_err(|e| e.to_string()),
            "{predicate}"
        );
    }

    #[test]
    fn builds_or_takes_statements() {
        let a256 = d(b"a").sha256.to_hex();
        let a512 = d(b"a").sha512.to_hex();
        let built = format!(
            r#"{{"_type":"https://in-toto.io/Statement/v1","subject":[{{"name":"a.bin","digest":{{"sha256":"{a256}"}}}}],"predicateType":"p","predicate":{{"k":1}}}}"#
        );
        check("p", r#"{"k":1}"#, SubjectDigest::Sha256, Ok(&built));
        let built512 = built.replace(
            &format!(r#""sha256":"{a256}""#),
            &format!(r#""sha512":"{a512}""#),
        );
        check("p", r#"{"k":1}"#, SubjectDigest::Sha512, Ok(&built512));
        // A statement given as the predicate is signed unchanged.
        let pretty = format!("{{\n \"_type\": \"https://in-toto.io/Statement/v1\", \"subject\": [{{\"name\": \"x\", \"digest\": {{\"sha256\": \"{a256}\"}}}}], \"predicateType\": \"p\", \"predicate\": {{}}}}\n");
        check("p", &pretty, SubjectDigest::Sha256, Ok(&pretty));
        check(
            "q",
            &pretty,
            SubjectDigest::Sha256,
            Err(AttestError::PredicateType {
                expected: "q".into(),
                actual: "p".into(),
            }),
        );
        let other = pretty.replace(&a256, &d(b"b").sha256.to_hex());
        check(
            "p",
            &other,
            SubjectDigest::Sha256,
            Err(AttestError::SubjectNotInStatement {
                name: "a.bin".into(),
            }),
        );
        check(
            "p",
            "[1]",
            SubjectDigest::Sha256,
            Err(AttestError::PredicateNotObject),
        );
        assert!(matches!(
            attest_payload("p", b"{", &[("a".into(), d(b"a"))], SubjectDigest::Sha256),
            Err(AttestError::PredicateJson(_))
        ));
        assert_eq!(
            attest_payload("p", b"{}", &[], SubjectDigest::Sha256).err(),
            Some(AttestError::NoSubjects)
        );
    }

    #[test]
    fn pem_fingerprints_match_key_fingerprints() {
        let k = sigil_keys::SecretKey::generate().public();
        assert_eq!(pem_fingerprint(&k.to_pem()), Some(k.fingerprint()));
        assert_eq!(pem_fingerprint("not pem"), None);
        assert_eq!(
            pem_fingerprint("-----BEGIN PUBLIC KEY-----\n!!\n-----END PUBLIC KEY-----\n"),
            None
        );
    }

    #[test]
    fn digests_known_answers() {
        let x = d(b"abc");
        assert_eq!(x.len, 3);
        assert_eq!(
            x.sha256.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(x.sha512.to_hex().starts_with("ddaf35a193617aba"));
    }
}
