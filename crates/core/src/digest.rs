//! Streaming digests with constant memory.
//!
//! Readers are consumed in fixed [`HASH_BUFFER_SIZE`] chunks, so memory does not grow with
//! input size. `sha2` picks the SHA-NI implementation at run time when the CPU has it.

use std::fmt;
use std::io::{self, Read};

use sha2::{Digest as _, Sha256, Sha512};

use crate::hex;

/// Size of the buffer used when hashing a reader: large enough to amortise syscalls,
/// small enough to stay in L2 cache.
pub const HASH_BUFFER_SIZE: usize = 256 * 1024;

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sha256Digest(pub [u8; 32]);

/// A SHA-512 digest.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sha512Digest(pub [u8; 64]);

macro_rules! digest_common {
    ($t:ident, $n:expr) => {
        impl $t {
            /// Lower-case hex form.
            pub fn to_hex(&self) -> String {
                hex::encode(&self.0)
            }

            /// Parses the hex form (either case).
            pub fn from_hex(s: &str) -> Result<Self, hex::HexDecodeError> {
                hex::decode_array::<$n>(s).map(Self)
            }

            /// The raw digest bytes.
            pub fn as_bytes(&self) -> &[u8; $n] {
                &self.0
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($t), self.to_hex())
            }
        }
    };
}

digest_common!(Sha256Digest, 32);
digest_common!(Sha512Digest, 64);

impl Sha256Digest {
    /// Digest of an in-memory byte string.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }
}

impl Sha512Digest {
    /// Digest of an in-memory byte string.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha512::digest(bytes).into())
    }
}

/// An incremental SHA-256 for callers that drive their own reads.
#[derive(Clone, Default)]
pub struct Sha256Hasher(Sha256);

impl Sha256Hasher {
    /// Adds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// The digest of everything added.
    pub fn finalize(self) -> Sha256Digest {
        Sha256Digest(self.0.finalize().into())
    }
}

/// Feeds a reader through `update` in fixed-size chunks, returning the byte count.
///
/// `on_progress` is called with the running total after every chunk.
pub fn stream<R: Read>(
    mut reader: R,
    mut update: impl FnMut(&[u8]),
    mut on_progress: impl FnMut(u64),
) -> io::Result<u64> {
    let mut buf = vec![0u8; HASH_BUFFER_SIZE];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        update(&buf[..n]);
        total += n as u64;
        on_progress(total);
    }
}

/// SHA-256 of everything a reader yields, with its length.
pub fn sha256_reader<R: Read>(reader: R) -> io::Result<(Sha256Digest, u64)> {
    let mut h = Sha256::new();
    let n = stream(reader, |b| h.update(b), |_| {})?;
    Ok((Sha256Digest(h.finalize().into()), n))
}

/// SHA-512 of everything a reader yields, with its length.
pub fn sha512_reader<R: Read>(reader: R) -> io::Result<(Sha512Digest, u64)> {
    let mut h = Sha512::new();
    let n = stream(reader, |b| h.update(b), |_| {})?;
    Ok((Sha512Digest(h.finalize().into()), n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answers() {
        let (d, n) = sha256_reader(&b"abc"[..]).unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            d.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let (d, _) = sha512_reader(&b""[..]).unwrap();
        assert!(d.to_hex().starts_with("cf83e1357eefb8bdf1542850d66d8007"));
    }

    #[test]
    fn streaming_matches_one_shot_across_buffer_boundaries() {
        let data: Vec<u8> = (0..(HASH_BUFFER_SIZE * 2 + 17)).map(|i| i as u8).collect();
        let (d, n) = sha256_reader(&data[..]).unwrap();
        assert_eq!(n as usize, data.len());
        assert_eq!(d, Sha256Digest::of(&data));
    }

    #[test]
    fn hex_roundtrip() {
        let d = Sha256Digest::of(b"x");
        assert_eq!(
            Sha256Digest::from_hex(&d.to_hex().to_uppercase()).unwrap(),
            d
        );
        assert!(Sha256Digest::from_hex("00").is_err());
    }
}
