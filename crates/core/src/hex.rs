//! Lower-case hex encoding and strict decoding.

use thiserror::Error;

/// Why a hex string did not decode.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum HexDecodeError {
    /// The string has an odd number of characters.
    #[error("hex string has odd length {0}")]
    OddLength(usize),
    /// A character outside `0-9a-fA-F`.
    #[error("invalid hex character at position {0}")]
    InvalidChar(usize),
    /// The decoded length is not the one required.
    #[error("expected {expected} hex characters, found {actual}")]
    WrongLength {
        /// Required number of characters.
        expected: usize,
        /// Number found.
        actual: usize,
    },
}

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Encodes bytes as lower-case hex.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 0xf)] as char);
    }
    out
}

fn nibble(c: u8, pos: usize) -> Result<u8, HexDecodeError> {
    match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        b'A'..=b'F' => Ok(c - b'A' + 10),
        _ => Err(HexDecodeError::InvalidChar(pos)),
    }
}

/// Decodes hex (either case) into bytes.
pub fn decode(s: &str) -> Result<Vec<u8>, HexDecodeError> {
    let b = s.as_bytes();
    if b.len() % 2 != 0 {
        return Err(HexDecodeError::OddLength(b.len()));
    }
    b.chunks_exact(2)
        .enumerate()
        .map(|(i, pair)| Ok(nibble(pair[0], 2 * i)? << 4 | nibble(pair[1], 2 * i + 1)?))
        .collect()
}

/// Decodes hex into exactly `N` bytes.
pub fn decode_array<const N: usize>(s: &str) -> Result<[u8; N], HexDecodeError> {
    if s.len() != 2 * N {
        return Err(HexDecodeError::WrongLength {
            expected: 2 * N,
            actual: s.len(),
        });
    }
    let v = decode(s)?;
    let mut out = [0u8; N];
    out.copy_from_slice(&v);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(input: &str, expect: Result<Vec<u8>, HexDecodeError>) {
        assert_eq!(decode(input), expect, "input {input:?}");
    }

    #[test]
    fn decodes_and_rejects() {
        check("", Ok(vec![]));
        check("00ff", Ok(vec![0, 255]));
        check("ABcd", Ok(vec![0xab, 0xcd]));
        check("abc", Err(HexDecodeError::OddLength(3)));
        check("zz", Err(HexDecodeError::InvalidChar(0)));
        check("0g", Err(HexDecodeError::InvalidChar(1)));
        assert_eq!(
            decode_array::<2>("00"),
            Err(HexDecodeError::WrongLength {
                expected: 4,
                actual: 2
            })
        );
    }

    proptest! {
        #[test]
        fn roundtrip(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            prop_assert_eq!(decode(&encode(&bytes)).unwrap(), bytes);
        }

        #[test]
        fn decode_never_panics(s in "\\PC*") {
            let _ = decode(&s);
        }
    }
}
