//! minisign signatures (`.minisig`).
//!
//! ```text
//! untrusted comment: <free text, not signed>
//! base64(sig_alg(2) || keynum(8) || signature(64))
//! trusted comment: <signed text>
//! base64(global_signature(64))
//! ```
//!
//! `sig_alg` `ED` signs BLAKE2b-512 of the content (prehashed, streamed in constant memory);
//! legacy `Ed` signs the content itself (verified streaming too: pure Ed25519 hashes the
//! content with SHA-512, so it never has to be held in memory). The global signature covers
//! `signature || trusted_comment`, so the trusted comment cannot be changed or moved to
//! another signature.

use std::fmt;
use std::io::{self, Read};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use sigil_keys::{KeyId, PublicKey, SecretKey};
use thiserror::Error;

const UNTRUSTED_PREFIX: &str = "untrusted comment: ";
const TRUSTED_PREFIX: &str = "trusted comment: ";

/// Largest signature file accepted; real ones are a few hundred bytes.
pub const MAX_SIGNATURE_FILE: usize = 64 * 1024;

/// Whether the content was hashed before signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// `ED`: Ed25519 over BLAKE2b-512 of the content. The default.
    Prehashed,
    /// `Ed`: Ed25519 over the content. Read for compatibility; verified streaming, in constant
    /// memory like `ED`.
    Legacy,
}

impl Algorithm {
    fn id(self) -> &'static [u8; 2] {
        match self {
            Algorithm::Prehashed => b"ED",
            Algorithm::Legacy => b"Ed",
        }
    }

    /// The two-letter id as minisign writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Prehashed => "ED",
            Algorithm::Legacy => "Ed",
        }
    }
}

/// Why a signature file did not parse. Callers treat every variant as "not verified".
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignatureParseError {
    /// Not the four lines minisign writes.
    #[error("malformed signature: {0}")]
    Structure(&'static str),
    /// A base64 line does not decode.
    #[error("malformed signature: {0} is not valid base64")]
    Base64(&'static str),
    /// The decoded signature line has the wrong size.
    #[error("malformed signature: signature line has {0} bytes, expected 74")]
    Length(usize),
    /// The global signature has the wrong size.
    #[error("malformed signature: trusted comment signature has {0} bytes, expected 64")]
    GlobalLength(usize),
    /// Neither `ED` nor `Ed`.
    #[error("unsupported signature algorithm {0:?} (expected \"ED\" or \"Ed\")")]
    Algorithm(String),
    /// Larger than any signature file.
    #[error("malformed signature: file is larger than {MAX_SIGNATURE_FILE} bytes")]
    TooLarge,
}

/// A parsed minisign signature.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    /// Prehashed or legacy.
    pub algorithm: Algorithm,
    /// Key id of the signer, as recorded in the signature.
    pub key_id: KeyId,
    /// Signature over the content (or its BLAKE2b-512).
    pub signature: [u8; 64],
    /// The untrusted comment (not covered by any signature).
    pub untrusted_comment: String,
    /// The trusted comment (covered by the global signature).
    pub trusted_comment: String,
    /// Signature over `signature || trusted_comment`.
    pub global_signature: [u8; 64],
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signature")
            .field("algorithm", &self.algorithm)
            .field("key_id", &self.key_id)
            .field("trusted_comment", &self.trusted_comment)
            .finish_non_exhaustive()
    }
}

impl Signature {
    /// Parses a `.minisig` file.
    pub fn parse(text: &str) -> Result<Self, SignatureParseError> {
        if text.len() > MAX_SIGNATURE_FILE {
            return Err(SignatureParseError::TooLarge);
        }
        let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
        let untrusted = lines
            .next()
            .and_then(|l| l.strip_prefix(UNTRUSTED_PREFIX))
            .ok_or(SignatureParseError::Structure(
                "first line must start with \"untrusted comment: \"",
            ))?;
        let sig_line = lines
            .next()
            .ok_or(SignatureParseError::Structure("missing signature line"))?;
        let trusted = lines
            .next()
            .and_then(|l| l.strip_prefix(TRUSTED_PREFIX))
            .ok_or(SignatureParseError::Structure(
                "third line must start with \"trusted comment: \"",
            ))?;
        let global_line = lines.next().ok_or(SignatureParseError::Structure(
            "missing trusted comment signature",
        ))?;
        if lines.any(|l| !l.is_empty()) {
            return Err(SignatureParseError::Structure(
                "unexpected data after the signature",
            ));
        }
        let raw = B64
            .decode(sig_line)
            .map_err(|_| SignatureParseError::Base64("signature line"))?;
        if raw.len() != 74 {
            return Err(SignatureParseError::Length(raw.len()));
        }
        let algorithm = match &raw[..2] {
            b"ED" => Algorithm::Prehashed,
            b"Ed" => Algorithm::Legacy,
            other => {
                return Err(SignatureParseError::Algorithm(
                    String::from_utf8_lossy(other).into_owned(),
                ))
            }
        };
        let global = B64
            .decode(global_line)
            .map_err(|_| SignatureParseError::Base64("trusted comment signature"))?;
        let global_signature: [u8; 64] = global
            .as_slice()
            .try_into()
            .map_err(|_| SignatureParseError::GlobalLength(global.len()))?;
        let mut key_id = [0u8; 8];
        key_id.copy_from_slice(&raw[2..10]);
        let mut signature = [0u8; 64];
        signature.copy_from_slice(&raw[10..74]);
        Ok(Self {
            algorithm,
            key_id: KeyId(key_id),
            signature,
            untrusted_comment: untrusted.to_owned(),
            trusted_comment: trusted.to_owned(),
            global_signature,
        })
    }

    /// Writes the four-line `.minisig` form.
    pub fn to_text(&self) -> String {
        let mut raw = Vec::with_capacity(74);
        raw.extend_from_slice(self.algorithm.id());
        raw.extend_from_slice(&self.key_id.0);
        raw.extend_from_slice(&self.signature);
        format!(
            "{UNTRUSTED_PREFIX}{}\n{}\n{TRUSTED_PREFIX}{}\n{}\n",
            self.untrusted_comment,
            B64.encode(raw),
            self.trusted_comment,
            B64.encode(self.global_signature)
        )
    }

    fn global_message(&self) -> Vec<u8> {
        let mut m = self.signature.to_vec();
        m.extend_from_slice(self.trusted_comment.as_bytes());
        m
    }
}

/// Why signing failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SignError {
    /// Comments are single lines.
    #[error("{0} comment must be a single line")]
    CommentHasNewline(&'static str),
    /// Reading the content failed.
    #[error("reading content: {0}")]
    Io(#[source] io::Error),
}

/// Why verification failed. Every variant means "not verified" except [`VerifyError::Io`].
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The signature names another key.
    #[error("signature was made by key {actual}, not by the trusted key {expected}")]
    KeyIdMismatch {
        /// The trusted key's id.
        expected: KeyId,
        /// The id in the signature.
        actual: KeyId,
    },
    /// The content signature does not verify: the content changed or the key is wrong.
    #[error("signature verification failed: content does not match the signature")]
    Content,
    /// The trusted comment does not verify: it was changed.
    #[error("signature verification failed: trusted comment was modified")]
    TrustedComment,
    /// Reading the content failed.
    #[error("reading content: {0}")]
    Io(#[source] io::Error),
}

/// What a successful verification proved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The verifying key's id.
    pub key_id: KeyId,
    /// Prehashed or legacy.
    pub algorithm: Algorithm,
    /// The authenticated trusted comment.
    pub trusted_comment: String,
    /// How many content bytes were verified.
    pub bytes: u64,
}

/// BLAKE2b-512 of a reader in constant memory, with progress callbacks.
pub fn prehash<R: Read>(reader: R, on_progress: impl FnMut(u64)) -> io::Result<([u8; 64], u64)> {
    let mut h = blake2b_simd::Params::new().hash_length(64).to_state();
    let n = sigil_core::digest::stream(
        reader,
        |b| {
            h.update(b);
        },
        on_progress,
    )?;
    let mut out = [0u8; 64];
    out.copy_from_slice(h.finalize().as_bytes());
    Ok((out, n))
}

fn check_comment(c: &str, which: &'static str) -> Result<(), SignError> {
    if c.contains(['\n', '\r']) {
        Err(SignError::CommentHasNewline(which))
    } else {
        Ok(())
    }
}

/// Signs a reader's content, prehashed (`ED`), in constant memory.
pub fn sign<R: Read>(
    key: &SecretKey,
    reader: R,
    trusted_comment: &str,
    untrusted_comment: &str,
    on_progress: impl FnMut(u64),
) -> Result<Signature, SignError> {
    check_comment(trusted_comment, "trusted")?;
    check_comment(untrusted_comment, "untrusted")?;
    let (hash, _) = prehash(reader, on_progress).map_err(SignError::Io)?;
    let signature = key.sign(&hash);
    let mut sig = Signature {
        algorithm: Algorithm::Prehashed,
        key_id: key.key_id(),
        signature,
        untrusted_comment: untrusted_comment.to_owned(),
        trusted_comment: trusted_comment.to_owned(),
        global_signature: [0u8; 64],
    };
    sig.global_signature = key.sign(&sig.global_message());
    Ok(sig)
}

/// Verifies content against a signature and a trusted public key.
///
/// The key id must match unless the key came from PEM (which carries no id). The content
/// signature and then the trusted-comment signature must both verify.
pub fn verify<R: Read>(
    key: &PublicKey,
    signature: &Signature,
    reader: R,
    on_progress: impl FnMut(u64),
) -> Result<Verified, VerifyError> {
    if !key.key_id_is_derived() && key.key_id() != signature.key_id {
        return Err(VerifyError::KeyIdMismatch {
            expected: key.key_id(),
            actual: signature.key_id,
        });
    }
    let (ok, bytes) = match signature.algorithm {
        Algorithm::Prehashed => {
            let (hash, n) = prehash(reader, on_progress).map_err(VerifyError::Io)?;
            (key.verify(&hash, &signature.signature), n)
        }
        Algorithm::Legacy => {
            // Pure Ed25519 hashes R || A || content with SHA-512, so it streams too.
            let mut v = key.verify_stream(&signature.signature);
            let n = sigil_core::digest::stream(reader, |b| v.update(b), on_progress)
                .map_err(VerifyError::Io)?;
            (v.finish(), n)
        }
    };
    if !ok {
        return Err(VerifyError::Content);
    }
    if !key.verify(&signature.global_message(), &signature.global_signature) {
        return Err(VerifyError::TrustedComment);
    }
    Ok(Verified {
        key_id: key.key_id(),
        algorithm: signature.algorithm,
        trusted_comment: signature.trusted_comment.clone(),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn signed(content: &[u8], tc: &str) -> (SecretKey, Signature) {
        let sk = SecretKey::generate();
        let sig = sign(&sk, content, tc, "signature from sigil secret key", |_| {}).unwrap();
        (sk, sig)
    }

    #[test]
    fn sign_verify_roundtrip_through_text() {
        let (sk, sig) = signed(b"data", "timestamp:1\tfile:x\thashed");
        let parsed = Signature::parse(&sig.to_text()).unwrap();
        assert_eq!(parsed, sig);
        let v = verify(&sk.public(), &parsed, &b"data"[..], |_| {}).unwrap();
        assert_eq!(v.trusted_comment, "timestamp:1\tfile:x\thashed");
        assert_eq!(v.bytes, 4);
    }

    #[test]
    fn signature_file_size_limit_is_inclusive() {
        let over = "x".repeat(MAX_SIGNATURE_FILE + 1);
        assert!(matches!(
            Signature::parse(&over),
            Err(SignatureParseError::TooLarge)
        ));
        // Exactly at the limit is parsed (and refused for its structure, not its size).
        let at = "x".repeat(MAX_SIGNATURE_FILE);
        assert!(matches!(
            Signature::parse(&at),
            Err(SignatureParseError::Structure(_))
        ));
    }

    /// A reader of `len` generated bytes that records the largest read it was asked for and
    /// never holds the content.
    struct Generated {
        pos: usize,
        len: usize,
        largest_read: usize,
    }

    impl Read for Generated {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.largest_read = self.largest_read.max(buf.len());
            let n = buf.len().min(self.len - self.pos);
            for (i, b) in buf[..n].iter_mut().enumerate() {
                *b = ((self.pos + i) % 251) as u8;
            }
            self.pos += n;
            Ok(n)
        }
    }

    #[test]
    fn legacy_signatures_verify_streaming_with_a_bounded_buffer() {
        let len = sigil_core::HASH_BUFFER_SIZE * 3 + 17;
        let content: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        let sk = SecretKey::generate();
        let mut sig = Signature {
            algorithm: Algorithm::Legacy,
            key_id: sk.key_id(),
            signature: sk.sign(&content),
            untrusted_comment: "u".into(),
            trusted_comment: "t".into(),
            global_signature: [0; 64],
        };
        sig.global_signature = sk.sign(&sig.global_message());
        drop(content);
        let mut progress = Vec::new();
        let mut reader = Generated {
            pos: 0,
            len,
            largest_read: 0,
        };
        let v = verify(&sk.public(), &sig, &mut reader, |n| progress.push(n)).unwrap();
        assert_eq!(v.bytes, len as u64);
        assert_eq!(v.algorithm, Algorithm::Legacy);
        assert!(reader.largest_read <= sigil_core::HASH_BUFFER_SIZE);
        assert_eq!(progress.len(), 4);
        // One byte more or less and the same signature fails.
        for len in [len - 1, len + 1] {
            let r = Generated {
                pos: 0,
                len,
                largest_read: 0,
            };
            assert!(matches!(
                verify(&sk.public(), &sig, r, |_| {}),
                Err(VerifyError::Content)
            ));
        }
    }

    #[test]
    fn tampering_is_detected() {
        let (sk, sig) = signed(b"data", "tc");
        assert!(matches!(
            verify(&sk.public(), &sig, &b"datA"[..], |_| {}),
            Err(VerifyError::Content)
        ));
        let mut changed = sig.clone();
        changed.trusted_comment = "tc2".into();
        assert!(matches!(
            verify(&sk.public(), &changed, &b"data"[..], |_| {}),
            Err(VerifyError::TrustedComment)
        ));
        let other = SecretKey::generate();
        assert!(matches!(
            verify(&other.public(), &sig, &b"data"[..], |_| {}),
            Err(VerifyError::KeyIdMismatch { .. })
        ));
        // A PEM key has no id: the maths decides.
        let pem = PublicKey::parse(&other.public().to_pem()).unwrap();
        assert!(matches!(
            verify(&pem, &sig, &b"data"[..], |_| {}),
            Err(VerifyError::Content)
        ));
        let good_pem = PublicKey::parse(&sk.public().to_pem()).unwrap();
        assert!(verify(&good_pem, &sig, &b"data"[..], |_| {}).is_ok());
    }

    #[test]
    fn prehash_is_blake2b_512() {
        let (h, n) = prehash(&b"abc"[..], |_| {}).unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            sigil_core::hex::encode(&h),
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d1\
             7d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923"
        );
    }

    #[test]
    fn legacy_signatures_verify() {
        let sk = SecretKey::generate();
        let mut sig = Signature {
            algorithm: Algorithm::Legacy,
            key_id: sk.key_id(),
            signature: sk.sign(b"legacy"),
            untrusted_comment: String::new(),
            trusted_comment: "t".into(),
            global_signature: [0; 64],
        };
        sig.global_signature = sk.sign(&sig.global_message());
        assert_eq!(
            verify(&sk.public(), &sig, &b"legacy"[..], |_| {})
                .unwrap()
                .algorithm,
            Algorithm::Legacy
        );
    }

    #[test]
    fn comments_must_be_single_lines() {
        let sk = SecretKey::generate();
        assert!(matches!(
            sign(&sk, &b""[..], "a\nb", "", |_| {}),
            Err(SignError::CommentHasNewline("trusted"))
        ));
    }

    #[test]
    fn malformed_signatures_are_rejected() {
        fn check(input: &str, expect: SignatureParseError) {
            assert_eq!(Signature::parse(input), Err(expect), "input {input:?}");
        }
        let (_, sig) = signed(b"x", "tc");
        let text = sig.to_text();
        let lines: Vec<&str> = text.lines().collect();
        check(
            "",
            SignatureParseError::Structure("first line must start with \"untrusted comment: \""),
        );
        check(
            &lines[..2].join("\n"),
            SignatureParseError::Structure("third line must start with \"trusted comment: \""),
        );
        check(
            &format!("{}\n!!\n{}\n{}", lines[0], lines[2], lines[3]),
            SignatureParseError::Base64("signature line"),
        );
        check(
            &format!("{}\nRUQ=\n{}\n{}", lines[0], lines[2], lines[3]),
            SignatureParseError::Length(2),
        );
        let mut raw = B64.decode(lines[1]).unwrap();
        raw[..2].copy_from_slice(b"XX");
        check(
            &format!(
                "{}\n{}\n{}\n{}",
                lines[0],
                B64.encode(&raw),
                lines[2],
                lines[3]
            ),
            SignatureParseError::Algorithm("XX".into()),
        );
        check(
            &format!("{}\n{}\n{}\nAAAA", lines[0], lines[1], lines[2]),
            SignatureParseError::GlobalLength(3),
        );
        check(
            &format!("{text}junk\n"),
            SignatureParseError::Structure("unexpected data after the signature"),
        );
        // Whitespace is not silently accepted where minisign refuses it (found by the
        // release tamper check: a final newline turned into a vertical tab).
        check(
            &format!("{}\x0b", text.trim_end()),
            SignatureParseError::Base64("trusted comment signature"),
        );
        check(
            &format!("{text}\x0b\n"),
            SignatureParseError::Structure("unexpected data after the signature"),
        );
        check(
            &format!("{}\n {}\n{}\n{}\n", lines[0], lines[1], lines[2], lines[3]),
            SignatureParseError::Base64("signature line"),
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC*") {
            let _ = Signature::parse(&s);
        }

        #[test]
        fn any_content_roundtrips(content in proptest::collection::vec(any::<u8>(), 0..512), tc in "[^\r\n]{0,40}") {
            let (sk, sig) = signed(&content, &tc);
            let parsed = Signature::parse(&sig.to_text()).unwrap();
            let ok = verify(&sk.public(), &parsed, &content[..], |_| {}).is_ok();
            prop_assert!(ok);
        }
    }
}
