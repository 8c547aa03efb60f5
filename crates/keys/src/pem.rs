//! SPKI PEM for Ed25519 public keys (RFC 8410), through `ed25519-dalek`'s `pkcs8` support.

use ed25519_dalek::pkcs8::{DecodePublicKey as _, EncodePublicKey as _};
use ed25519_dalek::VerifyingKey;

use crate::{PublicKey, PublicKeyParseError};

/// DER prefix of an Ed25519 SubjectPublicKeyInfo; the 32 key bytes follow.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

pub(crate) fn spki_der(raw: &[u8; 32]) -> Vec<u8> {
    let mut der = SPKI_PREFIX.to_vec();
    der.extend_from_slice(raw);
    der
}

pub(crate) fn parse_public(text: &str) -> Result<PublicKey, PublicKeyParseError> {
    let begin = text
        .find("-----BEGIN PUBLIC KEY-----")
        .ok_or(PublicKeyParseError::Pem)?;
    let key = VerifyingKey::from_public_key_pem(text[begin..].trim())
        .map_err(|_| PublicKeyParseError::Pem)?;
    PublicKey::from_raw(key.to_bytes())
}

pub(crate) fn format_public(raw: &[u8; 32]) -> String {
    VerifyingKey::from_bytes(raw)
        .ok()
        .and_then(|k| k.to_public_key_pem(Default::default()).ok())
        // A PublicKey always holds a valid point, so encoding cannot fail; keep a manual
        // encoding as the fallback rather than panicking.
        .unwrap_or_else(|| {
            use base64::Engine as _;
            let b64 = base64::engine::general_purpose::STANDARD.encode(spki_der(raw));
            format!("-----BEGIN PUBLIC KEY-----\n{b64}\n-----END PUBLIC KEY-----\n")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_openssl_layout() {
        // RFC 8410 example key.
        let pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n";
        let pk = parse_public(pem).unwrap();
        assert_eq!(format_public(&pk.raw()), pem);
        assert_eq!(&spki_der(&pk.raw())[..12], &SPKI_PREFIX);
        assert_eq!(
            parse_public("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
            Err(PublicKeyParseError::Pem)
        );
    }
}
