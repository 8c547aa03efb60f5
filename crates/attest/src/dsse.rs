//! DSSE envelopes (Dead Simple Signing Envelope, v1.0).
//!
//! ```json
//! {"payload": "<base64(body)>", "payloadType": "<type>", "signatures": [{"keyid": "<hint>", "sig": "<base64>"}]}
//! ```
//!
//! Every signature is over the pre-authentication encoding
//! `PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, with lengths as ASCII
//! decimal byte counts. Base64 may be standard or URL-safe, padded or not, as the spec allows;
//! sigil writes standard padded base64. `keyid` is an unauthenticated hint: sigil writes
//! [`sigil_keys::PublicKey::fingerprint`] there (lower-case hex SHA-256 of the key's DER
//! SubjectPublicKeyInfo) and, when verifying, tries every trusted key whatever the hint says.

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sigil_keys::{PublicKey, SecretKey};
use thiserror::Error;

/// The payload type of an in-toto Statement.
pub const INTOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// Largest envelope accepted when parsing (a provenance with a full GitHub event payload is
/// a few hundred kilobytes).
pub const MAX_ENVELOPE_BYTES: usize = 16 * 1024 * 1024;

/// At most this many signatures are looked at in one envelope.
pub const MAX_SIGNATURES: usize = 64;

const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// Decodes base64 in either alphabet, padded or not.
pub(crate) fn decode_base64(s: &str) -> Option<Vec<u8>> {
    STANDARD_LENIENT
        .decode(s)
        .ok()
        .or_else(|| URL_SAFE_LENIENT.decode(s).ok())
}

/// The pre-authentication encoding that DSSE signatures cover.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload_type.len() + payload.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// One signature of an envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeSignature {
    /// The unauthenticated key hint; empty when unset.
    pub keyid: String,
    /// Raw signature bytes.
    pub sig: Vec<u8>,
}

/// A parsed DSSE envelope. Nothing in it is trusted until [`Envelope::verify`] says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// How to interpret the payload (authenticated).
    pub payload_type: String,
    /// The serialized body (authenticated).
    pub payload: Vec<u8>,
    /// Signatures in file order.
    pub signatures: Vec<EnvelopeSignature>,
}

/// Why an envelope did not parse. Callers treat every variant as "not verified".
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvelopeParseError {
    /// Larger than [`MAX_ENVELOPE_BYTES`].
    #[error("DSSE envelope is larger than {MAX_ENVELOPE_BYTES} bytes")]
    TooLarge,
    /// Not JSON, or a required field is missing or has the wrong type.
    #[error("malformed DSSE envelope: {0}")]
    Json(String),
    /// `payload` is not base64.
    #[error("malformed DSSE envelope: payload is not valid base64")]
    PayloadBase64,
    /// A `sig` is not base64.
    #[error("malformed DSSE envelope: signature {index} is not valid base64")]
    SignatureBase64 {
        /// Position in `signatures`, from 0.
        index: usize,
    },
    /// More than [`MAX_SIGNATURES`] signatures.
    #[error("DSSE envelope has {0} signatures, more than {MAX_SIGNATURES}")]
    TooManySignatures(usize),
}

/// Why an envelope did not verify.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvelopeVerifyError {
    /// The envelope carries no signature at all.
    #[error("DSSE envelope has no signatures")]
    NoSignatures,
    /// No trusted key was given.
    #[error("no trusted keys to verify with")]
    NoTrustedKeys,
    /// No signature verified with any trusted key.
    #[error("no signature verifies with a trusted key ({signatures} signature(s), {keys} trusted key(s); key id hints: {hints})")]
    NoValidSignature {
        /// Number of signatures in the envelope.
        signatures: usize,
        /// Number of trusted keys tried.
        keys: usize,
        /// The signatures' key id hints, for the message only.
        hints: String,
    },
    /// Some signature verifies with a trusted key, but this one verifies with none. sigil
    /// requires every signature of an envelope to verify with a trusted key: a bad or
    /// unknown signature beside a good one denies, as it would alone.
    #[error("signature {index} of {signatures} (key id hint {hint}) does not verify with any trusted key; every signature of an envelope must")]
    UnverifiedSignature {
        /// Position of the first such signature in `signatures`, from 0.
        index: usize,
        /// Number of signatures in the envelope.
        signatures: usize,
        /// Its key id hint (`(none)` when empty), for messages and for telling a changed
        /// envelope (the hint names a trusted key) from a foreign signature.
        hint: String,
    },
}

/// A verified envelope: the payload and the trusted key(s) that signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedEnvelope {
    /// The authenticated payload type.
    pub payload_type: String,
    /// The authenticated payload.
    pub payload: Vec<u8>,
    /// Fingerprints of the trusted keys that produced a valid signature, in trusted-key order.
    pub signers: Vec<String>,
}

#[derive(Deserialize)]
struct WireSig {
    #[serde(default)]
    keyid: Option<String>,
    sig: String,
}

#[derive(Deserialize)]
struct WireEnvelope {
    payload: String,
    #[serde(rename = "payloadType")]
    payload_type: String,
    signatures: Vec<WireSig>,
}

#[derive(Serialize)]
struct WireSigOut<'a> {
    keyid: &'a str,
    sig: String,
}

#[derive(Serialize)]
struct WireEnvelopeOut<'a> {
    payload: String,
    #[serde(rename = "payloadType")]
    payload_type: &'a str,
    signatures: Vec<WireSigOut<'a>>,
}

impl Envelope {
    /// Parses the JSON envelope. Unknown fields are ignored, as the spec requires; an unset
    /// `keyid` is the same as an empty one.
    pub fn parse(json: &str) -> Result<Self, EnvelopeParseError> {
        if json.len() > MAX_ENVELOPE_BYTES {
            return Err(EnvelopeParseError::TooLarge);
        }
        // Strict: a key named twice is refused, so every reader sees the same envelope.
        let wire: WireEnvelope = sigil_core::json::from_slice(json.as_bytes())
            .map_err(|e| EnvelopeParseError::Json(e.to_string()))?;
        Self::from_wire(wire)
    }

    /// Builds an envelope from an already-parsed JSON value (the `dsseEnvelope` of a bundle).
    pub fn from_value(v: &serde_json::Value) -> Result<Self, EnvelopeParseError> {
        let wire: WireEnvelope =
            WireEnvelope::deserialize(v).map_err(|e| EnvelopeParseError::Json(e.to_string()))?;
        Self::from_wire(wire)
    }

    fn from_wire(wire: WireEnvelope) -> Result<Self, EnvelopeParseError> {
        if wire.signatures.len() > MAX_SIGNATURES {
            return Err(EnvelopeParseError::TooManySignatures(wire.signatures.len()));
        }
        let payload = decode_base64(&wire.payload).ok_or(EnvelopeParseError::PayloadBase64)?;
        let signatures = wire
            .signatures
            .into_iter()
            .enumerate()
            .map(|(index, s)| {
                let sig =
                    decode_base64(&s.sig).ok_or(EnvelopeParseError::SignatureBase64 { index })?;
                Ok(EnvelopeSignature {
                    keyid: s.keyid.unwrap_or_default(),
                    sig,
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self {
            payload_type: wire.payload_type,
            payload,
            signatures,
        })
    }

    /// Signs `payload` with `key`; the signature's `keyid` is the key's fingerprint.
    pub fn sign(key: &SecretKey, payload_type: &str, payload: Vec<u8>) -> Self {
        let sig = key.sign(&pae(payload_type, &payload)).to_vec();
        Self {
            payload_type: payload_type.to_owned(),
            payload,
            signatures: vec![EnvelopeSignature {
                keyid: key.public().fingerprint(),
                sig,
            }],
        }
    }

    /// The envelope as one line of compact JSON (no trailing newline), standard base64.
    pub fn to_json(&self) -> String {
        let out = WireEnvelopeOut {
            payload: STANDARD.encode(&self.payload),
            payload_type: &self.payload_type,
            signatures: self
                .signatures
                .iter()
                .map(|s| WireSigOut {
                    keyid: &s.keyid,
                    sig: STANDARD.encode(&s.sig),
                })
                .collect(),
        };
        // Serialising plain strings and vectors cannot fail.
        serde_json::to_string(&out).unwrap_or_default()
    }

    /// The bytes every signature covers.
    pub fn pae(&self) -> Vec<u8> {
        pae(&self.payload_type, &self.payload)
    }

    /// Verifies the envelope against trusted Ed25519 keys. The `keyid` hints are never used to
    /// decide: every signature is tried with every trusted key. Every signature must verify
    /// with a trusted key (sigil's rule, stricter than DSSE's threshold, which ignores the
    /// others): one bad or untrusted signature denies the envelope even when another verifies.
    pub fn verify(&self, trusted: &[PublicKey]) -> Result<VerifiedEnvelope, EnvelopeVerifyError> {
        if self.signatures.is_empty() {
            return Err(EnvelopeVerifyError::NoSignatures);
        }
        if trusted.is_empty() {
            return Err(EnvelopeVerifyError::NoTrustedKeys);
        }
        let msg = self.pae();
        let hint = |s: &EnvelopeSignature| {
            if s.keyid.is_empty() {
                "(none)".to_owned()
            } else {
                s.keyid.chars().take(80).collect()
            }
        };
        // For each signature, the first trusted key that verifies it.
        let by_signature: Vec<Option<usize>> = self
            .signatures
            .iter()
            .map(|s| {
                let sig = <&[u8; 64]>::try_from(s.sig.as_slice()).ok()?;
                trusted.iter().position(|k| k.verify(&msg, sig))
            })
            .collect();
        if by_signature.iter().all(Option::is_none) {
            let hints = self
                .signatures
                .iter()
                .map(hint)
                .collect::<Vec<_>>()
                .join(", ");
            return Err(EnvelopeVerifyError::NoValidSignature {
                signatures: self.signatures.len(),
                keys: trusted.len(),
                hints,
            });
        }
        if let Some(index) = by_signature.iter().position(Option::is_none) {
            return Err(EnvelopeVerifyError::UnverifiedSignature {
                index,
                signatures: self.signatures.len(),
                hint: self.signatures.get(index).map(hint).unwrap_or_default(),
            });
        }
        // Distinct trusted keys, in trusted-key order.
        let signers: Vec<String> = trusted
            .iter()
            .enumerate()
            .filter(|(i, _)| by_signature.contains(&Some(*i)))
            .map(|(_, k)| k.fingerprint())
            .collect();
        Ok(VerifiedEnvelope {
            payload_type: self.payload_type.clone(),
            payload: self.payload.clone(),
            signers,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(input: &str, expect: Result<(&str, &[u8], usize), EnvelopeParseError>) {
        let got = Envelope::parse(input);
        match (got, expect) {
            (Ok(e), Ok((t, p, n))) => {
                assert_eq!(e.payload_type, t, "{input}");
                assert_eq!(e.payload, p, "{input}");
                assert_eq!(e.signatures.len(), n, "{input}");
            }
            (Err(e), Err(x)) => assert_eq!(e, x, "{input}"),
            (g, x) => panic!("{input}: got {g:?}, expected {x:?}"),
        }
    }

    #[test]
    fn pae_matches_the_spec_example() {
        // From the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn parses_envelopes() {
        check(
            r#"{"payload":"aGk=","payloadType":"t","signatures":[]}"#,
            Ok(("t", b"hi", 0)),
        );
        // URL-safe, unpadded, unknown fields and a missing keyid are all fine.
        check(
            r#"{"payload":"_-8","payloadType":"t","signatures":[{"sig":"AA"}],"x":1}"#,
            Ok(("t", &[0xff, 0xef], 1)),
        );
        check(
            r#"{"payload":"!!","payloadType":"t","signatures":[]}"#,
            Err(EnvelopeParseError::PayloadBase64),
        );
        check(
            r#"{"payload":"","payloadType":"t","signatures":[{"keyid":"k","sig":"*"}]}"#,
            Err(EnvelopeParseError::SignatureBase64 { index: 0 }),
        );
        assert!(matches!(
            Envelope::parse(r#"{"payload":"","signatures":[]}"#),
            Err(EnvelopeParseError::Json(_))
        ));
        assert!(matches!(
            Envelope::parse("[]"),
            Err(EnvelopeParseError::Json(_))
        ));
        assert!(matches!(
            Envelope::parse(r#"{"payload":1,"payloadType":"t","signatures":[]}"#),
            Err(EnvelopeParseError::Json(_))
        ));
        // Duplicate fields are refused rather than resolved silently.
        assert!(matches!(
            Envelope::parse(r#"{"payload":"","payload":"aGk=","payloadType":"t","signatures":[]}"#),
            Err(EnvelopeParseError::Json(_))
        ));
    }

    #[test]
    fn sign_verify_and_tamper() {
        let k = SecretKey::generate();
        let other = SecretKey::generate();
        let env = Envelope::sign(&k, INTOTO_PAYLOAD_TYPE, b"{}".to_vec());
        assert_eq!(env.signatures[0].keyid, k.public().fingerprint());
        let back = Envelope::parse(&env.to_json()).unwrap();
        assert_eq!(back, env);
        let v = back.verify(&[other.public(), k.public()]).unwrap();
        assert_eq!(v.signers, vec![k.public().fingerprint()]);

        // keyid is only a hint: a wrong one does not stop verification.
        let mut hinted = env.clone();
        hinted.signatures[0].keyid = "nonsense".into();
        assert!(hinted.verify(&[k.public()]).is_ok());

        let mut t = env.clone();
        t.payload_type = "application/json".into();
        assert!(matches!(
            t.verify(&[k.public()]),
            Err(EnvelopeVerifyError::NoValidSignature { .. })
        ));
        let mut t = env.clone();
        t.payload[0] ^= 1;
        assert!(t.verify(&[k.public()]).is_err());
        let mut t = env.clone();
        t.signatures[0].sig[5] ^= 1;
        assert!(t.verify(&[k.public()]).is_err());
        let mut t = env.clone();
        t.signatures[0].sig.pop();
        assert!(t.verify(&[k.public()]).is_err());
        assert!(matches!(
            env.verify(&[other.public()]),
            Err(EnvelopeVerifyError::NoValidSignature { .. })
        ));
        assert_eq!(env.verify(&[]), Err(EnvelopeVerifyError::NoTrustedKeys));
        let mut t = env.clone();
        t.signatures.clear();
        assert_eq!(
            t.verify(&[k.public()]),
            Err(EnvelopeVerifyError::NoSignatures)
        );
    }

    #[test]
    fn every_signature_must_verify_with_a_trusted_key() {
        let k = SecretKey::generate();
        let k2 = SecretKey::generate();
        let stranger = SecretKey::generate();
        let env = Envelope::sign(&k, INTOTO_PAYLOAD_TYPE, b"{}".to_vec());
        let cosign = |by: &SecretKey| {
            let mut e = env.clone();
            e.signatures.push(EnvelopeSignature {
                keyid: by.public().fingerprint(),
                sig: by.sign(&e.pae()).to_vec(),
            });
            e
        };
        // Two trusted signers: both count, once each.
        let both = cosign(&k2);
        let v = both.verify(&[k2.public(), k.public()]).unwrap();
        assert_eq!(
            v.signers,
            vec![k2.public().fingerprint(), k.public().fingerprint()]
        );
        // A valid signature by a key the verifier does not trust denies, beside a good one.
        assert_eq!(
            both.verify(&[k.public()]),
            Err(EnvelopeVerifyError::UnverifiedSignature {
                index: 1,
                signatures: 2,
                hint: k2.public().fingerprint(),
            })
        );
        let foreign = cosign(&stranger);
        assert!(matches!(
            foreign.verify(&[k.public()]),
            Err(EnvelopeVerifyError::UnverifiedSignature { index: 1, .. })
        ));
        // A broken signature beside a good one denies, wherever it stands.
        let mut broken = both.clone();
        broken.signatures[1].sig[3] ^= 1;
        broken.signatures.swap(0, 1);
        assert!(matches!(
            broken.verify(&[k.public(), k2.public()]),
            Err(EnvelopeVerifyError::UnverifiedSignature {
                index: 0,
                signatures: 2,
                ..
            })
        ));
        // The same good signature twice is one signer.
        let mut twice = env.clone();
        twice.signatures.push(env.signatures[0].clone());
        assert_eq!(
            twice.verify(&[k.public()]).unwrap().signers,
            vec![k.public().fingerprint()]
        );
        // Alone, a bad signature is the old error.
        assert!(matches!(
            env.verify(&[stranger.public()]),
            Err(EnvelopeVerifyError::NoValidSignature { .. })
        ));
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in ".{0,300}") {
            let _ = Envelope::parse(&s);
        }

        #[test]
        fn roundtrip(t in ".{0,40}", p in proptest::collection::vec(any::<u8>(), 0..200), id in "[a-f0-9]{0,64}") {
            let env = Envelope { payload_type: t, payload: p, signatures: vec![EnvelopeSignature { keyid: id, sig: vec![7; 64] }] };
            prop_assert_eq!(Envelope::parse(&env.to_json()).unwrap(), env);
        }
    }
}
