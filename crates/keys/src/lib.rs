//! Ed25519 keys for sigil: minisign public and secret key files, SPKI PEM public keys,
//! scrypt encryption of secret keys at rest, key ids, and secret-key files that are created
//! 0600 and refused when other users can read them.
//!
//! This crate knows nothing about what is signed; `sigil-sign` builds signatures from the
//! raw [`SecretKey::sign`] and [`PublicKey::verify`] operations here.
//! It does no network access and reads no environment: passwords are passed in.

mod file;
mod minisign;
mod pem;
pub mod report;

use std::fmt;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};
use thiserror::Error;
pub use zeroize::Zeroizing;

pub use file::{
    read_public_key, read_secret_key_file, write_new_file, write_secret_key_file, KeyFileError,
};
pub use minisign::{KdfParams, SecretKeyParseError};

/// A minisign key number: 8 bytes stored in files, shown as 16 upper-case hex digits of the
/// little-endian integer, exactly as `minisign` prints it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyId(pub [u8; 8]);

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016X}", u64::from_le_bytes(self.0))
    }
}

impl KeyId {
    /// Parses the 16 hex digits minisign prints (either case).
    pub fn parse(s: &str) -> Option<Self> {
        if s.len() != 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u64::from_str_radix(s, 16)
            .ok()
            .map(|n| KeyId(n.to_le_bytes()))
    }
}

/// Why a public key cannot be written as a minisign public key file.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum MinisignExportError {
    /// The key came from PEM, which has no key id, and none was given: an invented id would
    /// not match the key id in any signature the key made.
    #[error("a PEM key carries no minisign key id, and an invented one would not match any existing signature")]
    NoKeyId,
    /// The id given is not the one the key file already has.
    #[error("key id {given} differs from the key file's key id {actual}")]
    KeyIdConflict {
        /// The key's own id.
        actual: KeyId,
        /// The id asked for.
        given: KeyId,
    },
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

/// A password that is wiped from memory when dropped and never printed.
pub struct Password(Zeroizing<String>);

impl Password {
    /// Wraps a password.
    pub fn new(s: String) -> Self {
        Self(Zeroizing::new(s))
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// Compares two passwords without an early exit on the first differing byte.
    pub fn eq_constant_time(&self, other: &Password) -> bool {
        let (a, b) = (self.as_bytes(), other.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }

    /// Whether the password is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Why a public key did not parse.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublicKeyParseError {
    /// Neither a minisign public key nor a PEM `PUBLIC KEY` block.
    #[error("not a minisign or PEM public key")]
    UnknownFormat,
    /// The base64 line does not decode.
    #[error("public key is not valid base64")]
    Base64,
    /// Decoded to the wrong number of bytes.
    #[error("public key has {actual} bytes, expected {expected}")]
    Length {
        /// Bytes required.
        expected: usize,
        /// Bytes found.
        actual: usize,
    },
    /// The algorithm id is not `Ed`.
    #[error("unsupported public key algorithm {0:?} (expected \"Ed\")")]
    Algorithm(String),
    /// The PEM block is not an Ed25519 SubjectPublicKeyInfo.
    #[error("PEM public key is not an Ed25519 SubjectPublicKeyInfo")]
    Pem,
    /// The 32 bytes are not a valid Ed25519 point.
    #[error("public key is not a valid Ed25519 point")]
    Point,
}

/// An Ed25519 public key with its minisign key id.
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    id: KeyId,
    id_derived: bool,
    key: VerifyingKey,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.id)
    }
}

impl PublicKey {
    /// Builds a key from raw parts, with a key id from a minisign file.
    pub fn from_parts(id: KeyId, raw: [u8; 32]) -> Result<Self, PublicKeyParseError> {
        let key = VerifyingKey::from_bytes(&raw).map_err(|_| PublicKeyParseError::Point)?;
        Ok(Self {
            id,
            id_derived: false,
            key,
        })
    }

    /// Builds a key that came without a key id (PEM): the id is the first 8 bytes of the
    /// SHA-256 of the raw public key, and signatures are not required to carry it.
    pub fn from_raw(raw: [u8; 32]) -> Result<Self, PublicKeyParseError> {
        let key = VerifyingKey::from_bytes(&raw).map_err(|_| PublicKeyParseError::Point)?;
        let h = Sha256::digest(raw);
        let mut id = [0u8; 8];
        id.copy_from_slice(&h[..8]);
        Ok(Self {
            id: KeyId(id),
            id_derived: true,
            key,
        })
    }

    /// Parses a minisign public key file (or its bare base64 line) or a PEM SPKI block.
    pub fn parse(text: &str) -> Result<Self, PublicKeyParseError> {
        if text.contains("-----BEGIN") {
            pem::parse_public(text)
        } else {
            minisign::parse_public(text)
        }
    }

    /// The key id.
    pub fn key_id(&self) -> KeyId {
        self.id
    }

    /// Whether the key id was derived (the key came from PEM) rather than read from a
    /// minisign file. Derived ids are not compared with a signature's key id.
    pub fn key_id_is_derived(&self) -> bool {
        self.id_derived
    }

    /// The raw 32 public key bytes.
    pub fn raw(&self) -> [u8; 32] {
        self.key.to_bytes()
    }

    /// A fingerprint that names the key independently of format: lower-case hex SHA-256 of
    /// the DER SubjectPublicKeyInfo (what `openssl pkey -pubin -outform DER | sha256sum` prints).
    pub fn fingerprint(&self) -> String {
        sigil_core::hex::encode(&Sha256::digest(pem::spki_der(&self.raw())))
    }

    /// The minisign public key file: comment line and base64 line. For a key from PEM this
    /// writes the derived id; use [`PublicKey::to_minisign_keeping_id`] to export keys.
    pub fn to_minisign(&self) -> String {
        minisign::format_public(self)
    }

    /// The minisign public key file for a key that must keep verifying the signatures it made:
    /// a minisign key keeps its own id (`id`, if given, must be that id); a PEM key takes `id`,
    /// the id of the minisign key it was exported from, and is refused without one rather than
    /// given an id no signature carries.
    pub fn to_minisign_keeping_id(&self, id: Option<KeyId>) -> Result<String, MinisignExportError> {
        match (self.id_derived, id) {
            (true, None) => Err(MinisignExportError::NoKeyId),
            (true, Some(id)) => Ok(minisign::format_public(&Self {
                id,
                id_derived: false,
                key: self.key,
            })),
            (false, Some(given)) if given != self.id => Err(MinisignExportError::KeyIdConflict {
                actual: self.id,
                given,
            }),
            (false, _) => Ok(minisign::format_public(self)),
        }
    }

    /// SPKI PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn to_pem(&self) -> String {
        pem::format_public(&self.raw())
    }

    /// Verifies an Ed25519 signature over `msg` with strict (libsodium-like) checks:
    /// non-canonical encodings and small-order keys are rejected.
    pub fn verify(&self, msg: &[u8], sig: &[u8; 64]) -> bool {
        self.key
            .verify_strict(msg, &Signature::from_bytes(sig))
            .is_ok()
    }

    /// Starts verifying an Ed25519 signature over a message fed in chunks, with the same
    /// strict checks as [`PublicKey::verify`], in constant memory.
    pub fn verify_stream(&self, sig: &[u8; 64]) -> StreamVerifier {
        // The checks `verify_strict` makes before hashing: the key and R must not be of
        // small order, and R must decode to a point. `verify_stream` checks S and compares R.
        let mut r = [0u8; 32];
        r.copy_from_slice(&sig[..32]);
        let r_ok = VerifyingKey::from_bytes(&r).is_ok_and(|r| !r.is_weak());
        let inner = (r_ok && !self.key.is_weak())
            .then(|| self.key.verify_stream(&Signature::from_bytes(sig)).ok())
            .flatten();
        StreamVerifier { inner }
    }
}

/// A strict Ed25519 verification in progress; see [`PublicKey::verify_stream`].
pub struct StreamVerifier {
    /// `None` when the signature or key was already refused.
    inner: Option<ed25519_dalek::StreamVerifier>,
}

impl fmt::Debug for StreamVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StreamVerifier")
    }
}

impl StreamVerifier {
    /// Feeds the next chunk of the message.
    pub fn update(&mut self, chunk: &[u8]) {
        if let Some(v) = &mut self.inner {
            v.update(chunk);
        }
    }

    /// Whether the signature holds over everything fed.
    pub fn finish(self) -> bool {
        self.inner.is_some_and(|v| v.finalize_and_verify().is_ok())
    }
}

/// An Ed25519 secret key with its minisign key id. Wiped from memory on drop; `Debug`
/// shows only the key id.
pub struct SecretKey {
    id: KeyId,
    key: SigningKey,
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({}, <redacted>)", self.id)
    }
}

impl SecretKey {
    /// Generates a fresh key and key id from the operating system's randomness.
    pub fn generate() -> Self {
        let mut rng = rand_core::OsRng;
        let key = SigningKey::generate(&mut rng);
        let mut id = [0u8; 8];
        rand_core::RngCore::fill_bytes(&mut rng, &mut id);
        Self { id: KeyId(id), key }
    }

    /// Parses a minisign secret key file, decrypting it with `password` when it is encrypted.
    pub fn parse_minisign(
        text: &str,
        password: Option<&Password>,
    ) -> Result<Self, SecretKeyParseError> {
        minisign::parse_secret(text, password)
    }

    /// Whether a minisign secret key file is encrypted (needs a password).
    pub fn minisign_is_encrypted(text: &str) -> Result<bool, SecretKeyParseError> {
        minisign::secret_is_encrypted(text)
    }

    /// Serialises as a minisign secret key file; encrypted with scrypt when a password is
    /// given, using `params` (minisign's defaults when `None`).
    pub fn to_minisign(
        &self,
        password: Option<&Password>,
        params: Option<KdfParams>,
    ) -> Result<Zeroizing<String>, SecretKeyParseError> {
        minisign::format_secret(self, password, params.unwrap_or_default())
    }

    /// The key id.
    pub fn key_id(&self) -> KeyId {
        self.id
    }

    /// The matching public key.
    pub fn public(&self) -> PublicKey {
        PublicKey {
            id: self.id,
            id_derived: false,
            key: self.key.verifying_key(),
        }
    }

    /// Signs `msg` with pure Ed25519.
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        self.key.sign(msg).to_bytes()
    }

    pub(crate) fn from_parts(id: KeyId, key: SigningKey) -> Self {
        Self { id, key }
    }

    pub(crate) fn keypair_bytes(&self) -> Zeroizing<[u8; 64]> {
        Zeroizing::new(self.key.to_keypair_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_id_displays_like_minisign() {
        // minisign prints le64_load(keynum) as %016X.
        let id = KeyId([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08]);
        assert_eq!(id.to_string(), "0807060504030201");
    }

    #[test]
    fn sign_verify_and_formats_roundtrip() {
        let sk = SecretKey::generate();
        let pk = sk.public();
        let sig = sk.sign(b"hello");
        assert!(pk.verify(b"hello", &sig));
        assert!(!pk.verify(b"hellp", &sig));
        let back = PublicKey::parse(&pk.to_minisign()).unwrap();
        assert_eq!(back, pk);
        let from_pem = PublicKey::parse(&pk.to_pem()).unwrap();
        assert_eq!(from_pem.raw(), pk.raw());
        assert!(from_pem.key_id_is_derived());
        assert_eq!(pk.fingerprint().len(), 64);
    }

    #[test]
    fn streaming_verification_agrees_with_strict_verification() {
        let sk = SecretKey::generate();
        let pk = sk.public();
        let msg: Vec<u8> = (0..10_000u32).map(|i| (i * 7) as u8).collect();
        let sig = sk.sign(&msg);
        let stream = |key: &PublicKey, msg: &[u8], sig: &[u8; 64]| {
            let mut v = key.verify_stream(sig);
            for chunk in msg.chunks(997) {
                v.update(chunk);
            }
            v.finish()
        };
        let mut cases = vec![(pk.clone(), msg.clone(), sig)];
        let mut changed = msg.clone();
        changed[5000] ^= 1;
        cases.push((pk.clone(), changed, sig));
        for byte in [0usize, 31, 32, 63] {
            let mut bad = sig;
            bad[byte] ^= 0x40;
            cases.push((pk.clone(), msg.clone(), bad));
        }
        // S >= the group order is refused.
        let mut high_s = sig;
        high_s[63] |= 0xf0;
        cases.push((pk.clone(), msg.clone(), high_s));
        // The identity as R and as a key (small order): refused by both.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let mut small_r = sig;
        small_r[..32].copy_from_slice(&identity);
        cases.push((pk.clone(), msg.clone(), small_r));
        let weak = PublicKey::from_raw(identity).unwrap();
        cases.push((weak, msg.clone(), small_r));
        let mut verified = 0;
        for (key, m, s) in &cases {
            assert_eq!(stream(key, m, s), key.verify(m, s));
            verified += usize::from(key.verify(m, s));
        }
        assert_eq!(verified, 1);
        assert!(stream(&pk, b"", &sk.sign(b"")));
    }

    #[test]
    fn exporting_to_minisign_never_invents_a_key_id() {
        let sk = SecretKey::generate();
        let pk = sk.public();
        let id = pk.key_id();
        assert_eq!(KeyId::parse(&id.to_string()), Some(id));
        assert_eq!(KeyId::parse(&id.to_string().to_lowercase()), Some(id));
        for bad in [
            "",
            "0123",
            "0123456789ABCDEFF",
            "0123456789ABCDEG",
            "+123456789ABCDEF",
        ] {
            assert_eq!(KeyId::parse(bad), None, "{bad:?}");
        }
        assert_eq!(pk.to_minisign_keeping_id(None), Ok(pk.to_minisign()));
        assert_eq!(pk.to_minisign_keeping_id(Some(id)), Ok(pk.to_minisign()));
        let other = KeyId([9; 8]);
        assert_eq!(
            pk.to_minisign_keeping_id(Some(other)),
            Err(MinisignExportError::KeyIdConflict {
                actual: id,
                given: other
            })
        );
        let from_pem = PublicKey::parse(&pk.to_pem()).unwrap();
        assert_eq!(
            from_pem.to_minisign_keeping_id(None),
            Err(MinisignExportError::NoKeyId)
        );
        // The round trip gives back the original file, so its signatures still verify.
        assert_eq!(
            from_pem.to_minisign_keeping_id(Some(id)),
            Ok(pk.to_minisign())
        );
    }

    #[test]
    fn debug_never_shows_secret() {
        let sk = SecretKey::generate();
        let dbg = format!("{sk:?}");
        assert!(dbg.contains("redacted"));
        assert!(!dbg.contains(&sigil_core::hex::encode(&sk.keypair_bytes()[..8])));
        assert_eq!(
            format!("{:?}", Password::new("hunter2".into())),
            "Password(<redacted>)"
        );
    }
}
