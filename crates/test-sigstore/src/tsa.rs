//! An RFC 3161 timestamp authority: a P-384 root, a P-256 signing certificate with the
//! critical `timeStamping` EKU, and `TimeStampResp` documents whose token is a CMS SignedData
//! over a TSTInfo imprinting the SHA-256 of a signature.

use std::time::Duration;

use p256::ecdsa::signature::Signer as _;
use sha2::{Digest, Sha256};
use x509_cert::der::asn1::{GeneralizedTime, ObjectIdentifier as Oid, OctetString};
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::{ExtendedKeyUsage, KeyUsage, KeyUsages};
use x509_cert::Certificate;

use crate::x509::{
    ext, name, p256_spki, ski, Authority, LeafValidity, ID_CE_EXT_KEY_USAGE, ID_CE_KEY_USAGE,
};
use crate::Error;

const ID_KP_TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
const ID_SHA256: Oid = Oid::new_unwrap("2.16.840.1.101.3.4.2.1");
const ECDSA_WITH_SHA256: Oid = Oid::new_unwrap("1.2.840.10045.4.3.2");
const ID_SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
const ID_CT_TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
const ID_CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
/// The policy our TSA stamps under (Sigstore's TSA policy arc, `.2`, with a test suffix).
const POLICY: Oid = Oid::new_unwrap("1.3.6.1.4.1.57264.2.99");

/// The test timestamp authority.
pub struct Tsa {
    root: Authority,
    key: p256::ecdsa::SigningKey,
    cert_der: Vec<u8>,
}

impl std::fmt::Debug for Tsa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tsa(..)")
    }
}

/// A DER TLV with definite length.
fn tlv(tag: u8, parts: &[&[u8]]) -> Vec<u8> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let mut v = vec![tag];
    if len < 0x80 {
        v.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        v.push(0x80 | (bytes.len() - skip) as u8);
        v.extend_from_slice(&bytes[skip..]);
    }
    for p in parts {
        v.extend_from_slice(p);
    }
    v
}

fn alg(oid: Oid) -> Result<Vec<u8>, Error> {
    Ok(tlv(0x30, &[&oid.to_der()?]))
}

impl Tsa {
    /// A TSA whose root and signing certificate are valid from `not_before` for ten years.
    pub fn new(not_before: i64) -> Result<Self, Error> {
        let root = Authority::root("CN=sigil-test-tsa-root,O=sigil.test", not_before)?;
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let spki = p256_spki(key.verifying_key())?;
        let exts = vec![
            ext(
                ID_CE_KEY_USAGE,
                true,
                &KeyUsage(KeyUsages::DigitalSignature.into()),
            )?,
            // RFC 3161 §2.3: the only EKU, and critical.
            ext(
                ID_CE_EXT_KEY_USAGE,
                true,
                &ExtendedKeyUsage(vec![ID_KP_TIME_STAMPING]),
            )?,
            ski(&spki)?,
            root.aki()?,
        ];
        let cert_der = root.sign(
            name("CN=sigil-test-tsa,O=sigil.test")?,
            spki,
            LeafValidity {
                not_before,
                not_after: not_before + 10 * 365 * 86_400,
            },
            exts,
        )?;
        Ok(Tsa {
            root,
            key,
            cert_der,
        })
    }

    /// The chain a trusted root lists for this TSA: `[signing certificate, root]`.
    pub fn chain_der(&self) -> Vec<Vec<u8>> {
        vec![self.cert_der.clone(), self.root.der.clone()]
    }

    /// A DER `TimeStampResp` (status granted) stamping `message` (for Sigstore: the
    /// signature bytes) at `time`: TSTInfo v1 with a SHA-256 imprint, in a CMS SignedData
    /// signed by the TSA certificate (signed attributes content-type and message-digest).
    pub fn timestamp(&self, message: &[u8], time: i64, serial: u64) -> Result<Vec<u8>, Error> {
        self.timestamp_digest(&Sha256::digest(message).into(), None, time, serial)
    }

    /// [`Tsa::timestamp`] for a SHA-256 `digest` taken from a request, echoing the request's
    /// `nonce` (a DER INTEGER, copied as given) when there is one.
    pub fn timestamp_digest(
        &self,
        digest: &[u8; 32],
        nonce_der: Option<&[u8]>,
        time: i64,
        serial: u64,
    ) -> Result<Vec<u8>, Error> {
        let secs = u64::try_from(time).map_err(|_| Error::Time(time))?;
        let gen_time = GeneralizedTime::from_unix_duration(Duration::from_secs(secs))?;
        let imprint = tlv(
            0x30,
            &[
                &alg(ID_SHA256)?,
                &OctetString::new(digest.to_vec())?.to_der()?,
            ],
        );
        let (version, policy, serial, gen_time) = (
            1u8.to_der()?,
            POLICY.to_der()?,
            serial.to_der()?,
            gen_time.to_der()?,
        );
        let mut fields: Vec<&[u8]> = vec![&version, &policy, &imprint, &serial, &gen_time];
        if let Some(nonce) = nonce_der {
            fields.push(nonce);
        }
        let tst_info = tlv(0x30, &fields);
        let encap = tlv(
            0x30,
            &[
                &ID_CT_TST_INFO.to_der()?,
                &tlv(0xa0, &[&OctetString::new(tst_info.clone())?.to_der()?]),
            ],
        );

        let mut attrs = [
            tlv(
                0x30,
                &[
                    &ID_CONTENT_TYPE.to_der()?,
                    &tlv(0x31, &[&ID_CT_TST_INFO.to_der()?]),
                ],
            ),
            tlv(
                0x30,
                &[
                    &ID_MESSAGE_DIGEST.to_der()?,
                    &tlv(
                        0x31,
                        &[&OctetString::new(Sha256::digest(&tst_info).to_vec())?.to_der()?],
                    ),
                ],
            ),
        ];
        attrs.sort(); // DER SET OF: ordered by encoding
        let attr_refs: Vec<&[u8]> = attrs.iter().map(Vec::as_slice).collect();
        let sig: p256::ecdsa::Signature = self.key.sign(&tlv(0x31, &attr_refs));

        let cert = Certificate::from_der(&self.cert_der)?;
        let sid = tlv(
            0x30,
            &[
                &cert.tbs_certificate.issuer.to_der()?,
                &cert.tbs_certificate.serial_number.to_der()?,
            ],
        );
        let signer_info = tlv(
            0x30,
            &[
                &1u8.to_der()?,
                &sid,
                &alg(ID_SHA256)?,
                &tlv(0xa0, &attr_refs),
                &alg(ECDSA_WITH_SHA256)?,
                &OctetString::new(sig.to_der().as_bytes())?.to_der()?,
            ],
        );
        let signed_data = tlv(
            0x30,
            &[
                &3u8.to_der()?,
                &tlv(0x31, &[&alg(ID_SHA256)?]),
                &encap,
                &tlv(0xa0, &[&self.cert_der]),
                &tlv(0x31, &[&signer_info]),
            ],
        );
        let token = tlv(
            0x30,
            &[&ID_SIGNED_DATA.to_der()?, &tlv(0xa0, &[&signed_data])],
        );
        let status = tlv(0x30, &[&0u8.to_der()?]);
        Ok(tlv(0x30, &[&status, &token]))
    }
}
