//! A Certificate Transparency log key that signs RFC 6962 precertificate SCTs.

use p256::ecdsa::signature::Signer as _;
use sha2::{Digest, Sha256};

use crate::x509::p256_spki_der;
use crate::Error;

/// The test CT log: a P-256 key; its log ID is the SHA-256 of its SubjectPublicKeyInfo.
pub struct CtLog {
    key: p256::ecdsa::SigningKey,
    spki_der: Vec<u8>,
    log_id: [u8; 32],
}

impl std::fmt::Debug for CtLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CtLog(..)")
    }
}

impl CtLog {
    /// A CT log with a fresh key.
    pub fn new() -> Result<Self, Error> {
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let spki_der = p256_spki_der(key.verifying_key())?;
        let log_id = Sha256::digest(&spki_der).into();
        Ok(CtLog {
            key,
            spki_der,
            log_id,
        })
    }

    /// The log's public key, DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki_der
    }

    /// The log ID (SHA-256 of the public key).
    pub fn log_id(&self) -> [u8; 32] {
        self.log_id
    }

    /// A TLS-encoded `SignedCertificateTimestampList` with one v1 SCT for a precertificate
    /// entry: the signature covers version, type, `timestamp_ms`, entry type 1, the issuer key
    /// hash and the precertificate TBS (RFC 6962 §3.2).
    pub fn sct_list(
        &self,
        precert_tbs: &[u8],
        issuer_key_hash: &[u8; 32],
        timestamp_ms: i64,
    ) -> Result<Vec<u8>, Error> {
        let ts = u64::try_from(timestamp_ms).map_err(|_| Error::Time(timestamp_ms))?;
        let tbs_len = u32::try_from(precert_tbs.len())
            .ok()
            .filter(|n| *n < 1 << 24)
            .ok_or(Error::TooLong("precertificate tbs"))?;
        let mut signed = vec![0u8, 0u8]; // v1, certificate_timestamp
        signed.extend_from_slice(&ts.to_be_bytes());
        signed.extend_from_slice(&1u16.to_be_bytes()); // precert_entry
        signed.extend_from_slice(issuer_key_hash);
        signed.extend_from_slice(&tbs_len.to_be_bytes()[1..]);
        signed.extend_from_slice(precert_tbs);
        signed.extend_from_slice(&0u16.to_be_bytes()); // no extensions
        let sig: p256::ecdsa::Signature = self.key.sign(&signed);
        let sig = sig.to_der();

        let mut sct = vec![0u8]; // v1
        sct.extend_from_slice(&self.log_id);
        sct.extend_from_slice(&ts.to_be_bytes());
        sct.extend_from_slice(&0u16.to_be_bytes());
        sct.extend_from_slice(&[4, 3]); // sha256, ecdsa
        sct.extend_from_slice(&u16_len(sig.as_bytes().len())?);
        sct.extend_from_slice(sig.as_bytes());

        let mut list = u16_len(sct.len() + 2)?.to_vec();
        list.extend_from_slice(&u16_len(sct.len())?);
        list.extend_from_slice(&sct);
        Ok(list)
    }
}

fn u16_len(n: usize) -> Result<[u8; 2], Error> {
    u16::try_from(n)
        .map(u16::to_be_bytes)
        .map_err(|_| Error::TooLong("sct"))
}
