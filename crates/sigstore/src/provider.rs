//! A pure-Rust [`CryptoProvider`] for `sigstore-crypto`, so the C library behind its default
//! `aws-lc-rs` backend is not built.
//!
//! Verification only: SHA-2 hashing (`sha2`, SHA-NI when present), ECDSA P-256/P-384 (`p256`,
//! `p384`), Ed25519 (`ed25519-dalek`, strict verification) and RSA PKCS#1 v1.5 and PSS (`rsa`).
//! ML-DSA is reported as unsupported, so a bundle using it is "not verified". Key generation and
//! signing keep the trait's defaults, which refuse.

use sha2::{Digest as _, Sha256, Sha384, Sha512};
use sigstore_verify::crypto::{self, CryptoProvider, HashContext, SigningScheme};
use sigstore_verify::types::HashAlgorithm;

/// The provider; stateless.
#[derive(Debug)]
pub(crate) struct RustCryptoProvider;

static PROVIDER: RustCryptoProvider = RustCryptoProvider;

/// Installs the provider process-wide unless one is already installed (by us or an embedder,
/// whose choice then stands). Called by every entry point before any cryptography runs.
pub(crate) fn ensure_installed() {
    if crypto::try_default_provider().is_none() {
        // Err means another thread installed one first: either is fine.
        let _ = crypto::install_default_provider(&PROVIDER);
    }
}

enum Hasher {
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(Sha512),
}

impl HashContext for Hasher {
    fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    fn finalize(self: Box<Self>) -> Vec<u8> {
        match *self {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

fn hash(algorithm: HashAlgorithm, data: &[u8]) -> crypto::Result<Vec<u8>> {
    Ok(match algorithm {
        HashAlgorithm::Sha2256 => Sha256::digest(data).to_vec(),
        HashAlgorithm::Sha2384 => Sha384::digest(data).to_vec(),
        HashAlgorithm::Sha2512 => Sha512::digest(data).to_vec(),
        other => {
            return Err(crypto::Error::UnsupportedAlgorithm(format!(
                "cannot compute {other} digests"
            )))
        }
    })
}

fn invalid(scheme: SigningScheme) -> crypto::Error {
    crypto::Error::Verification(format!("{} signature invalid", scheme.name()))
}

fn verify_ecdsa_prehash(
    scheme: SigningScheme,
    key: &[u8],
    digest: &[u8],
    sig: &[u8],
) -> crypto::Result<()> {
    use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
    let ok = match scheme {
        SigningScheme::EcdsaP256Sha256 | SigningScheme::EcdsaP256Sha384 => {
            let vk =
                p256::ecdsa::VerifyingKey::from_sec1_bytes(key).map_err(|_| bad_key(scheme))?;
            let s = p256::ecdsa::Signature::from_der(sig).map_err(|_| invalid(scheme))?;
            vk.verify_prehash(digest, &s).is_ok()
        }
        _ => {
            let vk =
                p384::ecdsa::VerifyingKey::from_sec1_bytes(key).map_err(|_| bad_key(scheme))?;
            let s = p384::ecdsa::Signature::from_der(sig).map_err(|_| invalid(scheme))?;
            vk.verify_prehash(digest, &s).is_ok()
        }
    };
    if ok {
        Ok(())
    } else {
        Err(invalid(scheme))
    }
}

fn verify_rsa_prehash(
    scheme: SigningScheme,
    key: &[u8],
    digest: &[u8],
    sig: &[u8],
) -> crypto::Result<()> {
    use rsa::pkcs1::DecodeRsaPublicKey as _;
    use rsa::signature::hazmat::PrehashVerifier as _;
    let key = rsa::RsaPublicKey::from_pkcs1_der(key).map_err(|_| bad_key(scheme))?;
    let ok = match scheme {
        SigningScheme::RsaPkcs1Sha256
        | SigningScheme::RsaPkcs1Sha384
        | SigningScheme::RsaPkcs1Sha512 => {
            let s = rsa::pkcs1v15::Signature::try_from(sig).map_err(|_| invalid(scheme))?;
            match scheme {
                SigningScheme::RsaPkcs1Sha256 => {
                    rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key).verify_prehash(digest, &s)
                }
                SigningScheme::RsaPkcs1Sha384 => {
                    rsa::pkcs1v15::VerifyingKey::<Sha384>::new(key).verify_prehash(digest, &s)
                }
                _ => rsa::pkcs1v15::VerifyingKey::<Sha512>::new(key).verify_prehash(digest, &s),
            }
        }
        _ => {
            let s = rsa::pss::Signature::try_from(sig).map_err(|_| invalid(scheme))?;
            match scheme {
                SigningScheme::RsaPssSha256 => {
                    rsa::pss::VerifyingKey::<Sha256>::new(key).verify_prehash(digest, &s)
                }
                SigningScheme::RsaPssSha384 => {
                    rsa::pss::VerifyingKey::<Sha384>::new(key).verify_prehash(digest, &s)
                }
                _ => rsa::pss::VerifyingKey::<Sha512>::new(key).verify_prehash(digest, &s),
            }
        }
    };
    ok.map_err(|_| invalid(scheme))
}

fn bad_key(scheme: SigningScheme) -> crypto::Error {
    crypto::Error::InvalidKey(format!("invalid {} public key", scheme.name()))
}

fn unsupported(scheme: SigningScheme) -> crypto::Error {
    crypto::Error::UnsupportedAlgorithm(format!("{} signatures are not supported", scheme.name()))
}

impl CryptoProvider for RustCryptoProvider {
    fn hash(&self, algorithm: HashAlgorithm) -> crypto::Result<Box<dyn HashContext>> {
        Ok(Box::new(match algorithm {
            HashAlgorithm::Sha2256 => Hasher::Sha256(Sha256::new()),
            HashAlgorithm::Sha2384 => Hasher::Sha384(Sha384::new()),
            HashAlgorithm::Sha2512 => Hasher::Sha512(Sha512::new()),
            other => {
                return Err(crypto::Error::UnsupportedAlgorithm(format!(
                    "cannot compute {other} digests"
                )))
            }
        }))
    }

    fn sha256(&self, data: &[u8]) -> [u8; 32] {
        Sha256::digest(data).into()
    }

    fn sha384(&self, data: &[u8]) -> [u8; 48] {
        Sha384::digest(data).into()
    }

    fn sha512(&self, data: &[u8]) -> [u8; 64] {
        Sha512::digest(data).into()
    }

    fn verify_raw(
        &self,
        scheme: SigningScheme,
        key: &[u8],
        data: &[u8],
        signature: &[u8],
    ) -> crypto::Result<()> {
        match scheme {
            SigningScheme::Ed25519 => {
                let key: &[u8; 32] = key.try_into().map_err(|_| bad_key(scheme))?;
                let vk =
                    ed25519_dalek::VerifyingKey::from_bytes(key).map_err(|_| bad_key(scheme))?;
                let sig =
                    ed25519_dalek::Signature::from_slice(signature).map_err(|_| invalid(scheme))?;
                vk.verify_strict(data, &sig).map_err(|_| invalid(scheme))
            }
            SigningScheme::MlDsa44 | SigningScheme::MlDsa65 | SigningScheme::MlDsa87 => {
                Err(unsupported(scheme))
            }
            _ => {
                let algorithm = scheme.hash_algorithm().ok_or_else(|| unsupported(scheme))?;
                self.verify_prehashed(scheme, key, &hash(algorithm, data)?, signature)
            }
        }
    }

    fn verify_prehashed(
        &self,
        scheme: SigningScheme,
        key: &[u8],
        digest: &[u8],
        signature: &[u8],
    ) -> crypto::Result<()> {
        match scheme {
            SigningScheme::EcdsaP256Sha256
            | SigningScheme::EcdsaP256Sha384
            | SigningScheme::EcdsaP384Sha256
            | SigningScheme::EcdsaP384Sha384 => {
                verify_ecdsa_prehash(scheme, key, digest, signature)
            }
            SigningScheme::RsaPkcs1Sha256
            | SigningScheme::RsaPkcs1Sha384
            | SigningScheme::RsaPkcs1Sha512
            | SigningScheme::RsaPssSha256
            | SigningScheme::RsaPssSha384
            | SigningScheme::RsaPssSha512 => verify_rsa_prehash(scheme, key, digest, signature),
            _ => Err(unsupported(scheme)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer as _;

    fn check(scheme: SigningScheme, key: &[u8], data: &[u8], sig: &[u8], expect: bool) {
        assert_eq!(
            RustCryptoProvider
                .verify_raw(scheme, key, data, sig)
                .is_ok(),
            expect,
            "{scheme:?}"
        );
    }

    #[test]
    fn ecdsa_p256_round_trip_and_tamper() {
        let sk = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).expect("valid scalar");
        let sig: p256::ecdsa::Signature = sk.sign(b"hello");
        let der = sig.to_der();
        let pk = sk.verifying_key().to_encoded_point(false);
        check(
            SigningScheme::EcdsaP256Sha256,
            pk.as_bytes(),
            b"hello",
            der.as_bytes(),
            true,
        );
        check(
            SigningScheme::EcdsaP256Sha256,
            pk.as_bytes(),
            b"hellO",
            der.as_bytes(),
            false,
        );
        check(
            SigningScheme::EcdsaP256Sha256,
            pk.as_bytes(),
            b"hello",
            &der.as_bytes()[1..],
            false,
        );
        check(
            SigningScheme::EcdsaP256Sha256,
            &pk.as_bytes()[1..],
            b"hello",
            der.as_bytes(),
            false,
        );
    }

    #[test]
    fn ed25519_round_trip_and_tamper() {
        use ed25519_dalek::Signer as _;
        let sk = ed25519_dalek::SigningKey::from_bytes(&[9u8; 32]);
        let sig = sk.sign(b"data").to_bytes();
        let pk = sk.verifying_key().to_bytes();
        check(SigningScheme::Ed25519, &pk, b"data", &sig, true);
        check(SigningScheme::Ed25519, &pk, b"datA", &sig, false);
        check(SigningScheme::Ed25519, &pk[..31], b"data", &sig, false);
    }

    #[test]
    fn ml_dsa_is_unsupported_not_accepted() {
        check(
            SigningScheme::MlDsa44,
            &[0u8; 1312],
            b"x",
            &[0u8; 2420],
            false,
        );
    }

    #[test]
    fn hashes_match_known_answers() {
        let h = RustCryptoProvider
            .hash(HashAlgorithm::Sha2256)
            .expect("sha256");
        let mut h = h;
        h.update(b"abc");
        let out = h.finalize();
        assert_eq!(
            sigil_core::hex::encode(&out),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
