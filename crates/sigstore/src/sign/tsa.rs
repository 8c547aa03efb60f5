//! RFC 3161 time-stamp requests and the checks sigil makes on a TSA's answer before the token
//! goes into a bundle: status granted, a SHA-256 imprint of our signature, our nonce. The
//! token's CMS signature and certificate chain are verified afterwards with the whole bundle.

/// Largest TSA answer accepted.
pub const MAX_TSA_RESPONSE: usize = 256 * 1024;

/// Why a TSA answer is refused.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TsaError {
    /// Not the DER structure of a `TimeStampResp` holding a `TSTInfo`.
    #[error("timestamp response is malformed: {0}")]
    Malformed(&'static str),
    /// The status is not granted (0) or granted with modifications (1).
    #[error("timestamp authority refused the request (status {0})")]
    Refused(u64),
    /// The token stamps other bytes than our signature.
    #[error(
        "timestamp covers other bytes than the signature (imprint {got}, expected {expected})"
    )]
    Imprint {
        /// Hex SHA-256 of our signature.
        expected: String,
        /// Hex of the imprint in the token.
        got: String,
    },
    /// The token answers another request.
    #[error("timestamp nonce is not the one sent")]
    Nonce,
}

/// One DER TLV: (tag, content, rest). Definite lengths only, as DER requires.
fn tlv(b: &[u8]) -> Result<(u8, &[u8], &[u8]), TsaError> {
    let bad = TsaError::Malformed("truncated or indefinite DER");
    let tag = *b.first().ok_or_else(|| bad.clone())?;
    let l0 = *b.get(1).ok_or_else(|| bad.clone())? as usize;
    let (len, hl) = if l0 < 0x80 {
        (l0, 2)
    } else {
        let n = l0 & 0x7f;
        if n == 0 || n > 4 {
            return Err(bad);
        }
        let mut len = 0usize;
        for i in 0..n {
            len = len << 8 | *b.get(2 + i).ok_or_else(|| bad.clone())? as usize;
        }
        (len, 2 + n)
    };
    let end = hl.checked_add(len).ok_or_else(|| bad.clone())?;
    Ok((
        tag,
        b.get(hl..end).ok_or_else(|| bad.clone())?,
        b.get(end..).ok_or(bad)?,
    ))
}

fn expect<'a>(b: &'a [u8], tag: u8, what: &'static str) -> Result<(&'a [u8], &'a [u8]), TsaError> {
    let (t, c, r) = tlv(b)?;
    if t != tag {
        return Err(TsaError::Malformed(what));
    }
    Ok((c, r))
}

const SHA256_OID: [u8; 11] = [
    0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
];
const SIGNED_DATA_OID: [u8; 9] = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
const TST_INFO_OID: [u8; 11] = [
    0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x04,
];

fn len_bytes(n: usize) -> Vec<u8> {
    if n < 0x80 {
        vec![n as u8]
    } else if n < 0x100 {
        vec![0x81, n as u8]
    } else {
        vec![0x82, (n >> 8) as u8, n as u8]
    }
}

fn wrap(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    v.extend(len_bytes(content.len()));
    v.extend_from_slice(content);
    v
}

/// A DER `TimeStampReq` v1: SHA-256 imprint `digest`, `nonce` (8 bytes, top bit cleared so the
/// INTEGER is positive), `certReq` true.
pub fn request(digest: &[u8; 32], nonce: [u8; 8]) -> Vec<u8> {
    let mut alg = SHA256_OID.to_vec();
    alg.extend_from_slice(&[0x05, 0x00]);
    let mut imprint = wrap(0x30, &alg);
    imprint.extend(wrap(0x04, digest));
    let mut body = vec![0x02, 0x01, 0x01];
    body.extend(wrap(0x30, &imprint));
    body.extend(wrap(0x02, &positive(nonce)));
    body.extend_from_slice(&[0x01, 0x01, 0xff]);
    wrap(0x30, &body)
}

/// The nonce as a minimal positive INTEGER body.
fn positive(mut nonce: [u8; 8]) -> Vec<u8> {
    nonce[0] &= 0x7f;
    let first = nonce.iter().position(|b| *b != 0).unwrap_or(7);
    let mut v = nonce[first..].to_vec();
    if v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    v
}

/// Checks a DER `TimeStampResp` for `digest` (SHA-256 of our signature) and `nonce`.
pub fn check_response(der: &[u8], digest: &[u8; 32], nonce: [u8; 8]) -> Result<(), TsaError> {
    if der.len() > MAX_TSA_RESPONSE {
        return Err(TsaError::Malformed("larger than 256 KiB"));
    }
    let (resp, _) = expect(der, 0x30, "not a TimeStampResp")?;
    let (status_info, rest) = expect(resp, 0x30, "no PKIStatusInfo")?;
    let (status, _) = expect(status_info, 0x02, "no status")?;
    if status.is_empty() || status.len() > 2 {
        return Err(TsaError::Malformed("status is not a small integer"));
    }
    let status = status.iter().fold(0u64, |a, b| a << 8 | u64::from(*b));
    if status > 1 {
        return Err(TsaError::Refused(status));
    }
    let (content_info, _) = expect(rest, 0x30, "granted without a token")?;
    let (oid, rest) = expect(content_info, 0x06, "token has no content type")?;
    if oid != SIGNED_DATA_OID {
        return Err(TsaError::Malformed("token is not CMS SignedData"));
    }
    let (explicit, _) = expect(rest, 0xa0, "token has no content")?;
    let (signed_data, _) = expect(explicit, 0x30, "SignedData is not a sequence")?;
    let (_, rest) = expect(signed_data, 0x02, "SignedData has no version")?;
    let (_, rest) = expect(rest, 0x31, "SignedData has no digest algorithms")?;
    let (encap, _) = expect(rest, 0x30, "SignedData has no encapsulated content")?;
    let (oid, rest) = expect(encap, 0x06, "encapsulated content has no type")?;
    if oid != TST_INFO_OID {
        return Err(TsaError::Malformed("token does not hold a TSTInfo"));
    }
    let (explicit, _) = expect(rest, 0xa0, "TSTInfo is detached")?;
    let (octets, _) = expect(explicit, 0x04, "TSTInfo is not an octet string")?;
    let (info, _) = expect(octets, 0x30, "TSTInfo is not a sequence")?;
    let (_, rest) = expect(info, 0x02, "TSTInfo has no version")?;
    let (_, rest) = expect(rest, 0x06, "TSTInfo has no policy")?;
    let (imprint, mut rest) = expect(rest, 0x30, "TSTInfo has no message imprint")?;
    let (alg, after) = expect(imprint, 0x30, "imprint has no algorithm")?;
    let (hash, _) = expect(after, 0x04, "imprint has no hash")?;
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    if !alg.starts_with(&SHA256_OID) || hash != digest {
        return Err(TsaError::Imprint {
            expected: hex(digest),
            got: hex(hash),
        });
    }
    // serialNumber, genTime, then optional accuracy, ordering, nonce...
    let (_, r) = expect(rest, 0x02, "TSTInfo has no serial number")?;
    let (_, r) = expect(r, 0x18, "TSTInfo has no genTime")?;
    rest = r;
    let want = positive(nonce);
    while !rest.is_empty() {
        let (tag, content, r) = tlv(rest)?;
        if tag == 0x02 {
            return if content == want.as_slice() {
                Ok(())
            } else {
                Err(TsaError::Nonce)
            };
        }
        rest = r;
    }
    Err(TsaError::Nonce)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn request_is_der_with_the_imprint_and_nonce() {
        let r = request(&[7; 32], [0xff, 0, 0, 0, 0, 0, 0, 1]);
        let (body, rest) = expect(&r, 0x30, "x").unwrap();
        assert!(rest.is_empty());
        assert!(body.windows(32).any(|w| w == [7; 32]));
        assert!(body.ends_with(&[0x02, 0x08, 0x7f, 0, 0, 0, 0, 0, 0, 1, 0x01, 0x01, 0xff]));
        assert_eq!(positive([0, 0, 0, 0, 0, 0, 0x80, 1]), vec![0, 0x80, 1]);
    }

    #[test]
    fn junk_is_malformed_not_a_panic() {
        for junk in [
            &b""[..],
            b"\x30",
            b"\x30\x85\0\0\0\0\0",
            b"\x30\x03\x30\x01\x02",
            b"\x02\x01\x00",
        ] {
            assert!(check_response(junk, &[0; 32], [1; 8]).is_err());
        }
        // A refusal: status 2 (rejection).
        assert_eq!(
            check_response(b"\x30\x05\x30\x03\x02\x01\x02", &[0; 32], [1; 8]),
            Err(TsaError::Refused(2))
        );
    }
}
