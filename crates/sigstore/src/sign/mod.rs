//! Keyless signing: the Sigstore client protocol without a transport.
//!
//! A [`Session`] holds a fresh P-256 key that never leaves memory, asks Fulcio (through the
//! caller's [`Transport`]) for a certificate with a self-signed CSR as proof of possession, and
//! then signs any number of artifacts: a message signature logged as `hashedrekord`, or a DSSE
//! envelope logged as `dsse`, each with RFC 3161 timestamps and Rekor v1 entries. Every answer
//! is checked before it is used:
//!
//! - the certificate must be for our key, name the identity and issuer the token stands for,
//!   and be valid now;
//! - each log entry must be for our signature, our certificate and our digest or payload;
//! - each timestamp must be granted, stamp the SHA-256 of our signature and echo our nonce;
//! - then the finished v0.3 bundle is verified by [`crate::verify`] against the trusted root and
//!   the token's identity (certificate chain and SCT, inclusion proof, checkpoint, SET,
//!   timestamps, signature, artifact binding) before it is returned.
//!
//! Nothing here opens a socket, reads the clock or the environment: the transport, the time
//! and the random generator are passed in (`sigil-gate` provides HTTPS).
//!
//! Why not `sigstore-sign` (sigstore/sigstore-rust): its clients perform the HTTP themselves
//! (async, through `sigstore-fulcio`/`-rekor`/`-tsa`), which would put network code below
//! `sigil-gate` and a second HTTP stack in the binary, and it does not offer the
//! check-every-answer-then-verify flow above.

pub mod config;
pub mod token;
pub mod tsa;

#[cfg(test)]
mod tests;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use p256::ecdsa::signature::hazmat::PrehashSigner as _;
use p256::ecdsa::signature::Signer as _;
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};
use x509_cert::der::Decode as _;

pub use config::{ConfigError, Services};
pub use token::{IdentityToken, TokenError};
pub use tsa::TsaError;

use crate::{Artifact, Bundle, BundleVerifyError, Matcher, SignerPolicy, TrustRoot};

/// Media type of the bundles sigil writes.
pub const BUNDLE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// DSSE payload type of in-toto statements.
pub const IN_TOTO: &str = "application/vnd.in-toto+json";
/// How far Fulcio's clock may run ahead of ours: a certificate that starts this many seconds
/// after `now` is still taken as valid now (it ends ten minutes later at Fulcio).
pub const CLOCK_SKEW: i64 = 60;
/// Largest Fulcio or Rekor answer accepted.
pub const MAX_SERVICE_RESPONSE: usize = 1024 * 1024;

/// A Sigstore service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Service {
    /// Fulcio, the certificate authority.
    Fulcio,
    /// Rekor, the transparency log.
    Rekor,
    /// An RFC 3161 timestamp authority.
    Tsa,
}

impl Service {
    /// `fulcio`, `rekor`, `tsa`.
    pub fn as_str(self) -> &'static str {
        match self {
            Service::Fulcio => "fulcio",
            Service::Rekor => "rekor",
            Service::Tsa => "tsa",
        }
    }
}

/// A failed exchange with a service (connection, timeout, HTTP error status).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[error("{url}: {message}")]
#[non_exhaustive]
pub struct TransportError {
    /// The URL asked.
    pub url: String,
    /// The HTTP status, when one came.
    pub status: Option<u16>,
    /// What went wrong (for an HTTP error, the service's message).
    pub message: String,
}

impl TransportError {
    /// A new transport error.
    pub fn new(url: impl Into<String>, status: Option<u16>, message: impl Into<String>) -> Self {
        TransportError {
            url: url.into(),
            status,
            message: message.into(),
        }
    }
}

/// How a [`Session`] reaches the services: one POST, the answer's body back.
pub trait Transport {
    /// POSTs `body` with `content_type` to `url`; returns the body of a 2xx answer.
    fn post(
        &mut self,
        service: Service,
        url: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, TransportError>;
}

/// Why keyless signing failed. Every variant means no bundle; none carries the token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeylessError {
    /// A service could not be reached or answered with an error.
    #[error("{} failed: {source}", service.as_str())]
    Service {
        /// Which service.
        service: Service,
        /// The exchange.
        #[source]
        source: TransportError,
    },
    /// A service's answer could not be understood.
    #[error("{} answer is malformed: {what}", service.as_str())]
    Malformed {
        /// Which service.
        service: Service,
        /// What was wrong.
        what: String,
    },
    /// Fulcio certified another key than ours.
    #[error("fulcio certified another key than the one that signs")]
    CertificateForAnotherKey,
    /// Fulcio certified another identity than the token's.
    #[error("fulcio certified identity {actual:?}, but the token stands for {expected:?}")]
    CertificateIdentity {
        /// The token's identity.
        expected: String,
        /// The certificate's SAN.
        actual: String,
    },
    /// Fulcio certified another OIDC issuer than the token's.
    #[error("fulcio certified oidc issuer {actual:?}, but the token was issued by {expected:?}")]
    CertificateIssuer {
        /// The token's issuer.
        expected: String,
        /// The certificate's issuer extension.
        actual: String,
    },
    /// The certificate is not valid now.
    #[error("fulcio certificate is not valid now (valid from unix {not_before} to {not_after}, now {now})")]
    CertificateNotValidNow {
        /// Validity start.
        not_before: i64,
        /// Validity end.
        not_after: i64,
        /// The time checked.
        now: i64,
    },
    /// Fulcio answered with a detached SCT, which a v0.3 bundle cannot carry.
    #[error("fulcio answered with a detached sct; only embedded scts are supported")]
    DetachedSct,
    /// Rekor logged something else than what was proposed.
    #[error("rekor logged another entry than proposed: {0}")]
    LogEntryMismatch(String),
    /// A timestamp authority's answer does not stamp our signature.
    #[error("timestamp authority answer refused: {0}")]
    Timestamp(#[from] TsaError),
    /// The assembled bundle did not verify against the trusted root and the token's identity.
    #[error("the new bundle does not verify: {0}")]
    NotVerified(#[source] BundleVerifyError),
}

sigil_core::finding_codes! {
    /// Why keyless signing made no bundle (`error.details.reason`; `docs/codes.md`).
    pub enum KeylessReason {
        /// A service could not be reached or answered with an error.
        ServiceFailed = "service-failed",
        /// A service's answer could not be understood.
        ServiceAnswerMalformed = "service-answer-malformed",
        /// Fulcio certified another key than ours.
        CertificateForAnotherKey = "certificate-for-another-key",
        /// Fulcio certified another identity than the token's.
        CertificateIdentityMismatch = "certificate-identity-mismatch",
        /// Fulcio certified another OIDC issuer than the token's.
        CertificateIssuerMismatch = "certificate-issuer-mismatch",
        /// The certificate is not valid now.
        CertificateNotValidNow = "certificate-not-valid-now",
        /// Fulcio answered with a detached SCT.
        DetachedSctUnsupported = "detached-sct-unsupported",
        /// Rekor logged something else than what was proposed.
        LogEntryMismatch = "log-entry-mismatch",
        /// A timestamp authority refused to stamp.
        TimestampRefused = "timestamp-refused",
        /// A timestamp authority's answer does not stamp our signature or echo our nonce.
        TimestampMismatch = "timestamp-mismatch",
        /// The new bundle's transparency log evidence did not verify.
        TlogRejected = "tlog-rejected",
        /// The new bundle's timestamps did not verify.
        TimestampRejected = "timestamp-rejected",
        /// The new bundle's certificate did not verify.
        CertificateRejected = "certificate-rejected",
        /// The new bundle did not verify for another reason.
        BundleNotVerified = "bundle-not-verified",
    }
}

impl KeylessError {
    /// The stable reason (`error.details.reason` in the CLI's JSON).
    pub fn reason(&self) -> KeylessReason {
        use KeylessReason as R;
        match self {
            KeylessError::Service { .. } => R::ServiceFailed,
            KeylessError::Malformed { .. } => R::ServiceAnswerMalformed,
            KeylessError::CertificateForAnotherKey => R::CertificateForAnotherKey,
            KeylessError::CertificateIdentity { .. } => R::CertificateIdentityMismatch,
            KeylessError::CertificateIssuer { .. } => R::CertificateIssuerMismatch,
            KeylessError::CertificateNotValidNow { .. } => R::CertificateNotValidNow,
            KeylessError::DetachedSct => R::DetachedSctUnsupported,
            KeylessError::LogEntryMismatch(_) => R::LogEntryMismatch,
            KeylessError::Timestamp(TsaError::Refused(_)) => R::TimestampRefused,
            KeylessError::Timestamp(_) => R::TimestampMismatch,
            KeylessError::NotVerified(BundleVerifyError::TransparencyLog(_)) => R::TlogRejected,
            KeylessError::NotVerified(BundleVerifyError::Timestamp(_)) => R::TimestampRejected,
            KeylessError::NotVerified(BundleVerifyError::Certificate(_)) => R::CertificateRejected,
            KeylessError::NotVerified(_) => R::BundleNotVerified,
        }
    }
}

fn malformed(service: Service, what: impl Into<String>) -> KeylessError {
    KeylessError::Malformed {
        service,
        what: what.into(),
    }
}

/// What to sign.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum ToSign<'a> {
    /// A message signature over an artifact with this SHA-256 (the whole file hashed by the
    /// caller, in constant memory); logged as `hashedrekord`.
    Digest([u8; 32]),
    /// A DSSE envelope over an in-toto statement; logged as `dsse`. `subject` is the SHA-256 of
    /// one of the statement's subjects, for the verification before the bundle is returned.
    Dsse {
        /// The payload type.
        payload_type: &'a str,
        /// The statement bytes.
        payload: &'a [u8],
        /// SHA-256 of a subject the statement names.
        subject: [u8; 32],
    },
}

/// A signed, verified bundle.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Signed {
    /// The v0.3 bundle, JSON.
    pub bundle: Vec<u8>,
    /// The certificate's identity (SAN).
    pub identity: String,
    /// The certificate's OIDC issuer.
    pub issuer: String,
    /// Rekor log indexes, one per log.
    pub log_indexes: Vec<u64>,
    /// Number of RFC 3161 timestamps.
    pub timestamps: usize,
}

const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a,
    0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

fn pem(label: &str, der: &[u8]) -> String {
    let b = B64.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b.as_bytes().chunks(64) {
        s.push_str(&String::from_utf8_lossy(chunk));
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

/// The DER of every PEM block labelled `label` in `text`.
fn pem_blocks(text: &str, label: &str) -> Option<Vec<Vec<u8>>> {
    let (begin, end) = (
        format!("-----BEGIN {label}-----"),
        format!("-----END {label}-----"),
    );
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(&begin) {
        let after = &rest[i + begin.len()..];
        let j = after.find(&end)?;
        let b64: String = after[..j].chars().filter(|c| !c.is_whitespace()).collect();
        out.push(B64.decode(b64).ok()?);
        rest = &after[j + end.len()..];
    }
    Some(out)
}

fn hex(b: &[u8]) -> String {
    sigil_core::hex::encode(b)
}

/// The SAN (URI or email) and validity of a certificate, and whether its key is `point`.
struct LeafFacts {
    san: Option<String>,
    key_matches: bool,
    not_before: i64,
    not_after: i64,
}

fn leaf_facts(der: &[u8], point: &[u8]) -> Option<LeafFacts> {
    use x509_cert::ext::pkix::name::GeneralName;
    use x509_cert::ext::pkix::SubjectAltName;
    let cert = x509_cert::Certificate::from_der(der).ok()?;
    let tbs = &cert.tbs_certificate;
    let key_matches = tbs.subject_public_key_info.subject_public_key.raw_bytes() == point;
    let mut san = None;
    for ext in tbs.extensions.iter().flatten() {
        if ext.extn_id == x509_cert::der::oid::db::rfc5280::ID_CE_SUBJECT_ALT_NAME {
            let names = SubjectAltName::from_der(ext.extn_value.as_bytes()).ok()?;
            san = names.0.iter().find_map(|n| match n {
                GeneralName::UniformResourceIdentifier(u) => Some(u.as_str().to_owned()),
                GeneralName::Rfc822Name(e) => Some(e.as_str().to_owned()),
                _ => None,
            });
        }
    }
    let secs = |t: &x509_cert::time::Time| i64::try_from(t.to_unix_duration().as_secs()).ok();
    Some(LeafFacts {
        san,
        key_matches,
        not_before: secs(&tbs.validity.not_before)?,
        not_after: secs(&tbs.validity.not_after)?,
    })
}

/// The Fulcio v2 `signingCert` request for `token`, with a CSR signed by `key` as proof of
/// possession.
pub fn fulcio_request(key: &p256::ecdsa::SigningKey, token: &IdentityToken) -> Vec<u8> {
    json!({
        "credentials": { "oidcIdentityToken": token.expose() },
        "certificateSigningRequest": B64.encode(pem("CERTIFICATE REQUEST", &csr(key))),
    })
    .to_string()
    .into_bytes()
}

/// A PKCS#10 request with an empty subject, self-signed with ECDSA P-256 SHA-256.
fn csr(key: &p256::ecdsa::SigningKey) -> Vec<u8> {
    // CertificationRequestInfo ::= SEQUENCE { version 0, subject Name (empty), spki, [0] {} }
    let point = key.verifying_key().to_encoded_point(false);
    let mut spki = P256_SPKI_PREFIX.to_vec();
    spki.extend_from_slice(point.as_bytes());
    let mut info = vec![0x02, 0x01, 0x00, 0x30, 0x00];
    info.extend_from_slice(&spki);
    info.extend_from_slice(&[0xa0, 0x00]);
    let info = der_wrap(0x30, &info);
    let sig: p256::ecdsa::Signature = key.sign(&info);
    let sig = sig.to_der();
    let mut bits = vec![0x00];
    bits.extend_from_slice(sig.as_bytes());
    let mut body = info;
    // ecdsa-with-SHA256
    body.extend_from_slice(&[
        0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02,
    ]);
    body.extend(der_wrap(0x03, &bits));
    der_wrap(0x30, &body)
}

fn der_wrap(tag: u8, content: &[u8]) -> Vec<u8> {
    let n = content.len();
    let mut v = vec![tag];
    if n < 0x80 {
        v.push(n as u8);
    } else if n < 0x100 {
        v.extend_from_slice(&[0x81, n as u8]);
    } else {
        v.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    }
    v.extend_from_slice(content);
    v
}

/// Reads Fulcio's answer and checks the leaf: our key, the token's identity and issuer, valid
/// at `now` (with [`CLOCK_SKEW`] for its start). Returns the chain, leaf first, DER.
pub fn check_fulcio_response(
    body: &[u8],
    key: &p256::ecdsa::VerifyingKey,
    token: &IdentityToken,
    now: i64,
) -> Result<Vec<Vec<u8>>, KeylessError> {
    let f = Service::Fulcio;
    if body.len() > MAX_SERVICE_RESPONSE {
        return Err(malformed(f, "larger than 1 MiB"));
    }
    let v = sigil_core::json::parse(body).map_err(|e| malformed(f, e.to_string()))?;
    if v.get("signedCertificateDetachedSct").is_some() {
        return Err(KeylessError::DetachedSct);
    }
    let certs = v["signedCertificateEmbeddedSct"]["chain"]["certificates"]
        .as_array()
        .ok_or_else(|| malformed(f, "no signedCertificateEmbeddedSct.chain.certificates"))?;
    let mut chain = Vec::new();
    for c in certs {
        let text = c
            .as_str()
            .ok_or_else(|| malformed(f, "a certificate is not a string"))?;
        let blocks = pem_blocks(text, "CERTIFICATE")
            .ok_or_else(|| malformed(f, "a certificate is not PEM"))?;
        chain.extend(blocks);
    }
    let leaf = chain
        .first()
        .ok_or_else(|| malformed(f, "empty certificate chain"))?;
    let point = key.to_encoded_point(false);
    let facts = leaf_facts(leaf, point.as_bytes())
        .ok_or_else(|| malformed(f, "leaf certificate does not parse"))?;
    if !facts.key_matches {
        return Err(KeylessError::CertificateForAnotherKey);
    }
    let san = facts.san.unwrap_or_default();
    if san != token.expected_identity {
        return Err(KeylessError::CertificateIdentity {
            expected: token.expected_identity.clone(),
            actual: san,
        });
    }
    let (legacy, current) = crate::verify::issuer_extensions(leaf);
    let issuer = current.or(legacy).unwrap_or_default();
    if issuer != token.expected_issuer {
        return Err(KeylessError::CertificateIssuer {
            expected: token.expected_issuer.clone(),
            actual: issuer,
        });
    }
    if now < facts.not_before.saturating_sub(CLOCK_SKEW) || now > facts.not_after {
        return Err(KeylessError::CertificateNotValidNow {
            not_before: facts.not_before,
            not_after: facts.not_after,
            now,
        });
    }
    Ok(chain)
}

/// The proposed Rekor v1 entry for `what`, signed as `signature` by `cert`.
fn proposed_entry(what: &ToSign<'_>, signature: &[u8], cert: &[u8]) -> Value {
    let cert_pem_b64 = B64.encode(pem("CERTIFICATE", cert));
    match what {
        ToSign::Digest(d) => json!({
            "apiVersion": "0.0.1",
            "kind": "hashedrekord",
            "spec": {
                "data": { "hash": { "algorithm": "sha256", "value": hex(d) } },
                "signature": { "content": B64.encode(signature), "publicKey": { "content": cert_pem_b64 } },
            },
        }),
        ToSign::Dsse {
            payload_type,
            payload,
            ..
        } => json!({
            "apiVersion": "0.0.1",
            "kind": "dsse",
            "spec": { "proposedContent": {
                "envelope": envelope(payload_type, payload, signature).to_string(),
                "verifiers": [cert_pem_b64],
            } },
        }),
    }
}

fn envelope(payload_type: &str, payload: &[u8], signature: &[u8]) -> Value {
    json!({
        "payload": B64.encode(payload),
        "payloadType": payload_type,
        "signatures": [{ "sig": B64.encode(signature), "keyid": "" }],
    })
}

fn pem_b64_is_cert(v: &Value, cert: &[u8]) -> bool {
    v.as_str()
        .and_then(|s| B64.decode(s).ok())
        .and_then(|p| String::from_utf8(p).ok())
        .and_then(|p| pem_blocks(&p, "CERTIFICATE"))
        .is_some_and(|b| b.len() == 1 && b[0] == cert)
}

/// Reads Rekor v1's answer to a proposed entry and checks that the logged body is ours: kind,
/// digest or payload hash, signature and certificate. Returns the bundle's `tlogEntries[]`
/// item (inclusion proof, checkpoint, SET), verified later with the whole bundle.
pub fn check_rekor_response(
    body: &[u8],
    what: &ToSign<'_>,
    signature: &[u8],
    cert: &[u8],
) -> Result<Value, KeylessError> {
    let r = Service::Rekor;
    if body.len() > MAX_SERVICE_RESPONSE {
        return Err(malformed(r, "larger than 1 MiB"));
    }
    let v = sigil_core::json::parse(body).map_err(|e| malformed(r, e.to_string()))?;
    let map = v
        .as_object()
        .ok_or_else(|| malformed(r, "not a JSON object"))?;
    let [(_, e)] = map.iter().collect::<Vec<_>>()[..] else {
        return Err(malformed(r, "not exactly one entry"));
    };
    let body_b64 = e["body"]
        .as_str()
        .ok_or_else(|| malformed(r, "entry has no body"))?;
    let logged = B64
        .decode(body_b64)
        .ok()
        .and_then(|b| sigil_core::json::parse(&b).ok())
        .ok_or_else(|| malformed(r, "entry body is not base64 JSON"))?;
    let mismatch = |what: &str| Err(KeylessError::LogEntryMismatch(what.to_owned()));
    let spec = &logged["spec"];
    let kind = match what {
        ToSign::Digest(d) => {
            if logged["kind"] != "hashedrekord" {
                return mismatch("the entry is not a hashedrekord");
            }
            if spec["data"]["hash"]["algorithm"] != "sha256"
                || spec["data"]["hash"]["value"] != hex(d).as_str()
            {
                return mismatch("the entry is for another artifact digest");
            }
            if spec["signature"]["content"] != B64.encode(signature).as_str() {
                return mismatch("the entry holds another signature");
            }
            if !pem_b64_is_cert(&spec["signature"]["publicKey"]["content"], cert) {
                return mismatch("the entry holds another certificate");
            }
            "hashedrekord"
        }
        ToSign::Dsse { payload, .. } => {
            if logged["kind"] != "dsse" {
                return mismatch("the entry is not a dsse entry");
            }
            if spec["payloadHash"]["algorithm"] != "sha256"
                || spec["payloadHash"]["value"] != hex(&Sha256::digest(payload)).as_str()
            {
                return mismatch("the entry is for another payload");
            }
            let sigs = spec["signatures"].as_array().map(Vec::as_slice);
            let [s] = sigs.unwrap_or(&[]) else {
                return mismatch("the entry does not hold exactly one signature");
            };
            if s["signature"] != B64.encode(signature).as_str() {
                return mismatch("the entry holds another signature");
            }
            if !pem_b64_is_cert(&s["verifier"], cert) {
                return mismatch("the entry holds another certificate");
            }
            "dsse"
        }
    };
    let version = logged["apiVersion"].as_str().unwrap_or("0.0.1").to_owned();
    let num = |v: &Value, what: &str| {
        v.as_u64()
            .map(|n| n.to_string())
            .ok_or_else(|| malformed(r, format!("{what} is not a number")))
    };
    let hex_b64 = |v: &Value, what: &str| {
        v.as_str()
            .and_then(|h| sigil_core::hex::decode(h).ok())
            .map(|b| B64.encode(b))
            .ok_or_else(|| malformed(r, format!("{what} is not hex")))
    };
    let p = &e["verification"]["inclusionProof"];
    let hashes = p["hashes"]
        .as_array()
        .ok_or_else(|| malformed(r, "inclusion proof has no hashes"))?
        .iter()
        .map(|h| hex_b64(h, "an inclusion proof hash"))
        .collect::<Result<Vec<_>, _>>()?;
    let set = e["verification"]["signedEntryTimestamp"]
        .as_str()
        .ok_or_else(|| malformed(r, "no signedEntryTimestamp"))?;
    let checkpoint = p["checkpoint"]
        .as_str()
        .ok_or_else(|| malformed(r, "inclusion proof has no checkpoint"))?;
    Ok(json!({
        "logIndex": num(&e["logIndex"], "logIndex")?,
        "logId": { "keyId": hex_b64(&e["logID"], "logID")? },
        "kindVersion": { "kind": kind, "version": version },
        "integratedTime": num(&e["integratedTime"], "integratedTime")?,
        "inclusionPromise": { "signedEntryTimestamp": set },
        "inclusionProof": {
            "logIndex": num(&p["logIndex"], "inclusionProof.logIndex")?,
            "rootHash": hex_b64(&p["rootHash"], "rootHash")?,
            "treeSize": num(&p["treeSize"], "treeSize")?,
            "hashes": hashes,
            "checkpoint": { "envelope": checkpoint },
        },
        "canonicalizedBody": body_b64,
    }))
}

/// One signing run: a fresh key and its Fulcio certificate, used for every artifact.
pub struct Session<'a, T: Transport> {
    transport: &'a mut T,
    services: &'a Services,
    root: &'a TrustRoot,
    key: p256::ecdsa::SigningKey,
    chain: Vec<Vec<u8>>,
    identity: String,
    issuer: String,
    token: &'a IdentityToken,
}

impl<T: Transport> std::fmt::Debug for Session<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("identity", &self.identity)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

impl<'a, T: Transport> Session<'a, T> {
    /// Makes a key with `rng` and gets its certificate from Fulcio, checked at `now`.
    pub fn start(
        transport: &'a mut T,
        services: &'a Services,
        root: &'a TrustRoot,
        token: &'a IdentityToken,
        rng: &mut impl rand_core::CryptoRngCore,
        now: i64,
    ) -> Result<Self, KeylessError> {
        let key = p256::ecdsa::SigningKey::random(rng);
        let url = format!(
            "{}/api/v2/signingCert",
            services.fulcio.trim_end_matches('/')
        );
        let body = transport
            .post(
                Service::Fulcio,
                &url,
                "application/json",
                &fulcio_request(&key, token),
            )
            .map_err(|e| KeylessError::Service {
                service: Service::Fulcio,
                source: TransportError {
                    message: token.scrub(&e.message),
                    ..e
                },
            })?;
        let chain = check_fulcio_response(&body, key.verifying_key(), token, now)?;
        Ok(Session {
            transport,
            services,
            root,
            key,
            chain,
            identity: token.expected_identity.clone(),
            issuer: token.expected_issuer.clone(),
            token,
        })
    }

    /// The certified identity (SAN).
    pub fn identity(&self) -> &str {
        &self.identity
    }

    fn post(
        &mut self,
        service: Service,
        url: &str,
        ctype: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, KeylessError> {
        self.transport
            .post(service, url, ctype, body)
            .map_err(|e| KeylessError::Service {
                service,
                source: TransportError {
                    message: self.token.scrub(&e.message),
                    ..e
                },
            })
    }

    /// Signs `what`, timestamps and logs the signature, assembles the v0.3 bundle and verifies
    /// it. `nonce` seeds the timestamp requests (fresh random bytes from the caller).
    pub fn sign(&mut self, what: ToSign<'_>, nonce: [u8; 8]) -> Result<Signed, KeylessError> {
        let signature = match what {
            ToSign::Digest(d) => {
                let s: p256::ecdsa::Signature = self
                    .key
                    .sign_prehash(&d)
                    .map_err(|_| malformed(Service::Fulcio, "cannot sign the digest"))?;
                s
            }
            ToSign::Dsse {
                payload_type,
                payload,
                ..
            } => self.key.sign(&pae(payload_type, payload)),
        };
        let signature = signature.to_der().as_bytes().to_vec();
        let cert = self.chain.first().cloned().unwrap_or_default();
        let sig_digest: [u8; 32] = Sha256::digest(&signature).into();
        let mut timestamps = Vec::new();
        for (i, url) in self.services.tsa.clone().iter().enumerate() {
            let mut n = nonce;
            n[7] = n[7].wrapping_add(i as u8);
            let body = self.post(
                Service::Tsa,
                url,
                "application/timestamp-query",
                &tsa::request(&sig_digest, n),
            )?;
            tsa::check_response(&body, &sig_digest, n)?;
            timestamps.push(json!({ "signedTimestamp": B64.encode(&body) }));
        }
        let proposed = proposed_entry(&what, &signature, &cert).to_string();
        let mut entries = Vec::new();
        for url in self.services.rekor.clone() {
            let url = format!("{}/api/v1/log/entries", url.trim_end_matches('/'));
            let body = self.post(
                Service::Rekor,
                &url,
                "application/json",
                proposed.as_bytes(),
            )?;
            entries.push(check_rekor_response(&body, &what, &signature, &cert)?);
        }
        let mut bundle = json!({
            "mediaType": BUNDLE_V03,
            "verificationMaterial": {
                "certificate": { "rawBytes": B64.encode(&cert) },
                "tlogEntries": entries,
                "timestampVerificationData": {},
            },
        });
        if !timestamps.is_empty() {
            bundle["verificationMaterial"]["timestampVerificationData"] =
                json!({ "rfc3161Timestamps": timestamps });
        }
        let subject = match what {
            ToSign::Digest(d) => {
                bundle["messageSignature"] = json!({
                    "messageDigest": { "algorithm": "SHA2_256", "digest": B64.encode(d) },
                    "signature": B64.encode(&signature),
                });
                d
            }
            ToSign::Dsse {
                payload_type,
                payload,
                subject,
            } => {
                bundle["dsseEnvelope"] = envelope(payload_type, payload, &signature);
                subject
            }
        };
        let mut bytes = serde_json::to_vec_pretty(&bundle)
            .map_err(|e| malformed(Service::Rekor, e.to_string()))?;
        bytes.push(b'\n');
        let parsed = Bundle::parse(&bytes).map_err(|e| {
            KeylessError::NotVerified(BundleVerifyError::Bundle(crate::verify::Cause::invalid(
                e.to_string(),
            )))
        })?;
        let policy = SignerPolicy::Keyless {
            identity: Matcher::exact(self.identity.clone()),
            issuer: Matcher::exact(self.issuer.clone()),
        };
        let verified = crate::verify(
            self.root,
            &parsed,
            Artifact::Sha256(sigil_core::Sha256Digest(subject)),
            &policy,
        )
        .map_err(KeylessError::NotVerified)?;
        Ok(Signed {
            bundle: bytes,
            identity: self.identity.clone(),
            issuer: self.issuer.clone(),
            log_indexes: verified.log_entries.iter().map(|e| e.log_index).collect(),
            timestamps: timestamps.len(),
        })
    }
}

/// DSSE pre-authentication encoding.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    v.extend_from_slice(payload);
    v
}
