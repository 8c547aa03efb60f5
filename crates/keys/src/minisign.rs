//! minisign key file formats.
//!
//! Public key: `"Ed" || keynum(8) || pk(32)`, base64 on the line after an untrusted comment.
//! Secret key: `sig_alg(2) || kdf_alg(2) || chk_alg(2) || salt(32) || opslimit(8 LE) ||
//! memlimit(8 LE) || [keynum(8) || sk(64) || chk(32)]`, where the bracketed part is XORed
//! with scrypt output when `kdf_alg` is `"Sc"`, and `chk` is BLAKE2b-256 over
//! `sig_alg || keynum || sk`. Debian's minisign 0.11 writes unencrypted (`-W`) keys with an
//! all-zero `chk`; such keys are accepted, any other mismatch is rejected.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use ed25519_dalek::SigningKey;
use thiserror::Error;
use zeroize::{Zeroize, Zeroizing};

use crate::{KeyId, Password, PublicKey, PublicKeyParseError, SecretKey};

const COMMENT_PREFIX: &str = "untrusted comment: ";
const SK_LEN: usize = 158;
const SK_SECRET_OFFSET: usize = 54;
const SK_SECRET_LEN: usize = 104;

/// scrypt cost as minisign stores it: libsodium `opslimit` and `memlimit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// libsodium `opslimit`.
    pub opslimit: u64,
    /// libsodium `memlimit` in bytes.
    pub memlimit: u64,
}

impl Default for KdfParams {
    /// minisign's own choice: `crypto_pwhash_scryptsalsa208sha256_{OPS,MEM}LIMIT_SENSITIVE`,
    /// which libsodium maps to N = 2^20, r = 8, p = 1 (1 GiB, about a second).
    fn default() -> Self {
        Self {
            opslimit: 33_554_432,
            memlimit: 1_073_741_824,
        }
    }
}

impl KdfParams {
    /// libsodium's `pickparams`: (log2 N, r, p) from opslimit and memlimit.
    fn scrypt_params(self) -> (u8, u32, u32) {
        let opslimit = self.opslimit.max(32_768);
        let r: u64 = 8;
        let mut n_log2: u32 = 1;
        let p: u64;
        if opslimit < self.memlimit / 32 {
            p = 1;
            let max_n = opslimit / (r * 4);
            while n_log2 < 63 && (1u64 << n_log2) <= max_n / 2 {
                n_log2 += 1;
            }
        } else {
            let max_n = self.memlimit / (r * 128);
            while n_log2 < 63 && (1u64 << n_log2) <= max_n / 2 {
                n_log2 += 1;
            }
            let maxrp = ((opslimit / 4) / (1u64 << n_log2)).min(0x3fff_ffff);
            p = maxrp / r;
        }
        (n_log2 as u8, r as u32, p.max(1) as u32)
    }
}

/// Why a secret key could not be loaded.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SecretKeyParseError {
    /// The file does not have minisign's two lines.
    #[error(
        "not a minisign secret key file (expected an untrusted comment line and a base64 line)"
    )]
    Format,
    /// The key line is not base64.
    #[error("secret key is not valid base64")]
    Base64,
    /// Decoded to the wrong size.
    #[error("secret key has {0} bytes, expected 158")]
    Length(usize),
    /// Unknown signature, KDF or checksum algorithm.
    #[error("unsupported secret key algorithm {0:?}")]
    Algorithm(String),
    /// The key is encrypted and no password was given.
    #[error("secret key is encrypted and no password was given")]
    PasswordRequired,
    /// The checksum does not match: a wrong password, or a corrupt file.
    #[error("wrong password or corrupt secret key (checksum mismatch)")]
    WrongPassword,
    /// The scrypt parameters in the file are out of range.
    #[error(
        "secret key has unusable scrypt parameters (opslimit {opslimit}, memlimit {memlimit})"
    )]
    KdfParams {
        /// Stored opslimit.
        opslimit: u64,
        /// Stored memlimit.
        memlimit: u64,
    },
    /// The embedded public half does not match the secret half.
    #[error("secret key is inconsistent (public half does not match)")]
    Inconsistent,
}

/// Splits a minisign key or signature file into (untrusted comment, base64 line).
/// A bare base64 line is accepted with an empty comment.
pub(crate) fn split_comment(text: &str) -> Option<(&str, &str)> {
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    let first = lines.next()?;
    if let Some(comment) = first.strip_prefix(COMMENT_PREFIX) {
        let data = lines.next()?.trim();
        Some((comment, data))
    } else if !first.trim().is_empty() && lines.all(|l| l.trim().is_empty()) {
        Some(("", first.trim()))
    } else {
        None
    }
}

pub(crate) fn parse_public(text: &str) -> Result<PublicKey, PublicKeyParseError> {
    let (_, data) = split_comment(text).ok_or(PublicKeyParseError::UnknownFormat)?;
    let bytes = B64.decode(data).map_err(|_| PublicKeyParseError::Base64)?;
    if bytes.len() != 42 {
        return Err(PublicKeyParseError::Length {
            expected: 42,
            actual: bytes.len(),
        });
    }
    if &bytes[..2] != b"Ed" {
        return Err(PublicKeyParseError::Algorithm(
            String::from_utf8_lossy(&bytes[..2]).into_owned(),
        ));
    }
    let mut id = [0u8; 8];
    id.copy_from_slice(&bytes[2..10]);
    let mut raw = [0u8; 32];
    raw.copy_from_slice(&bytes[10..42]);
    PublicKey::from_parts(KeyId(id), raw)
}

pub(crate) fn format_public(pk: &PublicKey) -> String {
    let mut bytes = Vec::with_capacity(42);
    bytes.extend_from_slice(b"Ed");
    bytes.extend_from_slice(&pk.key_id().0);
    bytes.extend_from_slice(&pk.raw());
    format!(
        "{COMMENT_PREFIX}minisign public key {}\n{}\n",
        pk.key_id(),
        B64.encode(bytes)
    )
}

fn checksum(sig_alg: &[u8], keynum: &[u8], sk: &[u8]) -> [u8; 32] {
    let mut h = blake2b_simd::Params::new().hash_length(32).to_state();
    h.update(sig_alg);
    h.update(keynum);
    h.update(sk);
    let mut out = [0u8; 32];
    out.copy_from_slice(h.finalize().as_bytes());
    out
}

fn scrypt_stream(
    password: &Password,
    salt: &[u8],
    params: KdfParams,
) -> Result<Zeroizing<[u8; SK_SECRET_LEN]>, SecretKeyParseError> {
    let bad = SecretKeyParseError::KdfParams {
        opslimit: params.opslimit,
        memlimit: params.memlimit,
    };
    let (log_n, r, p) = params.scrypt_params();
    // Refuse parameters that would need more than 2 GiB or are nonsensical.
    if !(1..=21).contains(&log_n) || p > 16 {
        return Err(bad);
    }
    let sp = scrypt::Params::new(log_n, r, p, scrypt::Params::RECOMMENDED_LEN).map_err(|_| bad)?;
    let mut out = Zeroizing::new([0u8; SK_SECRET_LEN]);
    scrypt::scrypt(password.as_bytes(), salt, &sp, &mut out[..]).map_err(|_| {
        SecretKeyParseError::KdfParams {
            opslimit: params.opslimit,
            memlimit: params.memlimit,
        }
    })?;
    Ok(out)
}

fn decode_secret(text: &str) -> Result<Zeroizing<Vec<u8>>, SecretKeyParseError> {
    let (_, data) = split_comment(text).ok_or(SecretKeyParseError::Format)?;
    let bytes = Zeroizing::new(B64.decode(data).map_err(|_| SecretKeyParseError::Base64)?);
    if bytes.len() != SK_LEN {
        return Err(SecretKeyParseError::Length(bytes.len()));
    }
    if &bytes[..2] != b"Ed" || &bytes[4..6] != b"B2" {
        return Err(SecretKeyParseError::Algorithm(
            String::from_utf8_lossy(&[&bytes[..2], &bytes[4..6]].concat()).into_owned(),
        ));
    }
    match &bytes[2..4] {
        b"Sc" | [0, 0] => Ok(bytes),
        other => Err(SecretKeyParseError::Algorithm(
            String::from_utf8_lossy(other).into_owned(),
        )),
    }
}

pub(crate) fn secret_is_encrypted(text: &str) -> Result<bool, SecretKeyParseError> {
    Ok(&decode_secret(text)?[2..4] == b"Sc")
}

pub(crate) fn parse_secret(
    text: &str,
    password: Option<&Password>,
) -> Result<SecretKey, SecretKeyParseError> {
    let mut bytes = decode_secret(text)?;
    let encrypted = &bytes[2..4] == b"Sc";
    if encrypted {
        let password = password.ok_or(SecretKeyParseError::PasswordRequired)?;
        let salt: [u8; 32] = bytes[6..38]
            .try_into()
            .map_err(|_| SecretKeyParseError::Format)?;
        let le = |r: std::ops::Range<usize>| -> u64 {
            let mut b = [0u8; 8];
            b.copy_from_slice(&bytes[r]);
            u64::from_le_bytes(b)
        };
        let params = KdfParams {
            opslimit: le(38..46),
            memlimit: le(46..54),
        };
        let stream = scrypt_stream(password, &salt, params)?;
        for (b, s) in bytes[SK_SECRET_OFFSET..].iter_mut().zip(stream.iter()) {
            *b ^= s;
        }
    }
    let secret = &bytes[SK_SECRET_OFFSET..];
    let (keynum, rest) = secret.split_at(8);
    let (sk, chk) = rest.split_at(64);
    let expect = checksum(&bytes[..2], keynum, sk);
    let zero_chk_allowed = !encrypted && chk.iter().all(|&b| b == 0);
    if !zero_chk_allowed && expect[..] != chk[..] {
        return Err(SecretKeyParseError::WrongPassword);
    }
    let mut pair = Zeroizing::new([0u8; 64]);
    pair.copy_from_slice(sk);
    let signing = SigningKey::from_keypair_bytes(&pair).map_err(|_| {
        if encrypted {
            SecretKeyParseError::WrongPassword
        } else {
            SecretKeyParseError::Inconsistent
        }
    })?;
    let mut id = [0u8; 8];
    id.copy_from_slice(keynum);
    bytes.zeroize();
    Ok(SecretKey::from_parts(KeyId(id), signing))
}

pub(crate) fn format_secret(
    sk: &SecretKey,
    password: Option<&Password>,
    params: KdfParams,
) -> Result<Zeroizing<String>, SecretKeyParseError> {
    let mut bytes = Zeroizing::new(vec![0u8; SK_LEN]);
    bytes[..2].copy_from_slice(b"Ed");
    bytes[4..6].copy_from_slice(b"B2");
    let pair = sk.keypair_bytes();
    let chk = checksum(b"Ed", &sk.key_id().0, &pair[..]);
    bytes[54..62].copy_from_slice(&sk.key_id().0);
    bytes[62..126].copy_from_slice(&pair[..]);
    bytes[126..158].copy_from_slice(&chk);
    let comment = match password {
        Some(pw) => {
            bytes[2..4].copy_from_slice(b"Sc");
            let mut salt = [0u8; 32];
            rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut salt);
            bytes[6..38].copy_from_slice(&salt);
            bytes[38..46].copy_from_slice(&params.opslimit.to_le_bytes());
            bytes[46..54].copy_from_slice(&params.memlimit.to_le_bytes());
            let stream = scrypt_stream(pw, &salt, params)?;
            for (b, s) in bytes[SK_SECRET_OFFSET..].iter_mut().zip(stream.iter()) {
                *b ^= s;
            }
            "minisign encrypted secret key"
        }
        None => "minisign unencrypted secret key",
    };
    Ok(Zeroizing::new(format!(
        "{COMMENT_PREFIX}{comment}\n{}\n",
        B64.encode(&bytes[..])
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Cheap parameters so the tests run fast: N = 2^10.
    const CHEAP: KdfParams = KdfParams {
        opslimit: 32_768,
        memlimit: 16 * 1024 * 1024,
    };

    #[test]
    fn libsodium_pickparams() {
        assert_eq!(KdfParams::default().scrypt_params(), (20, 8, 1));
        assert_eq!(CHEAP.scrypt_params(), (10, 8, 1));
    }

    #[test]
    fn encrypted_roundtrip_and_wrong_password() {
        let sk = SecretKey::generate();
        let pw = Password::new("correct horse".into());
        let text = format_secret(&sk, Some(&pw), CHEAP).unwrap();
        assert!(secret_is_encrypted(&text).unwrap());
        let back = parse_secret(&text, Some(&pw)).unwrap();
        assert_eq!(back.public(), sk.public());
        assert!(matches!(
            parse_secret(&text, Some(&Password::new("wrong".into()))),
            Err(SecretKeyParseError::WrongPassword)
        ));
        assert!(matches!(
            parse_secret(&text, None),
            Err(SecretKeyParseError::PasswordRequired)
        ));
    }

    #[test]
    fn unencrypted_with_zero_checksum_loads() {
        let sk = SecretKey::generate();
        let text = format_secret(&sk, None, CHEAP).unwrap();
        let (_, data) = split_comment(&text).unwrap();
        let mut bytes = B64.decode(data).unwrap();
        bytes[126..158].fill(0);
        let zeroed = format!("untrusted comment: x\n{}\n", B64.encode(&bytes));
        assert_eq!(parse_secret(&zeroed, None).unwrap().public(), sk.public());
        // A non-zero wrong checksum is still rejected.
        bytes[126] = 1;
        let bad = format!("untrusted comment: x\n{}\n", B64.encode(&bytes));
        assert!(matches!(
            parse_secret(&bad, None),
            Err(SecretKeyParseError::WrongPassword)
        ));
    }

    #[test]
    fn rejects_bad_files() {
        assert!(matches!(
            parse_secret("", None),
            Err(SecretKeyParseError::Format)
        ));
        assert!(matches!(
            parse_secret("untrusted comment: x\n!!!\n", None),
            Err(SecretKeyParseError::Base64)
        ));
        assert!(matches!(
            parse_secret("untrusted comment: x\nAAAA\n", None),
            Err(SecretKeyParseError::Length(3))
        ));
        assert_eq!(
            parse_public("untrusted comment: x\nRWQ=\n"),
            Err(PublicKeyParseError::Length {
                expected: 42,
                actual: 2
            })
        );
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC*") {
            let _ = parse_public(&s);
            let _ = parse_secret(&s, None);
        }

        #[test]
        fn parsers_never_panic_on_base64_payloads(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let text = format!("untrusted comment: x\n{}\n", B64.encode(&bytes));
            let _ = parse_public(&text);
            let _ = parse_secret(&text, None);
        }
    }
}
