//! The certificate authority (root and intermediate, ECDSA P-384 as Fulcio uses) and the
//! short-lived leaf code-signing certificates it issues, with Fulcio's extensions and an
//! embedded RFC 6962 SCT.

use std::time::Duration;

use p256::ecdsa::signature::Signer as _;
use sha2::{Digest, Sha256};
use x509_cert::der::asn1::{
    Any, BitString, Ia5String, ObjectIdentifier as Oid, OctetString, UtcTime, Utf8StringRef,
};
use x509_cert::der::Encode;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, TbsCertificate, Version};

use crate::ct::CtLog;
use crate::Error;

const ID_EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const SECP256R1: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
const SECP384R1: Oid = Oid::new_unwrap("1.3.132.0.34");
const ECDSA_WITH_SHA384: Oid = Oid::new_unwrap("1.2.840.10045.4.3.3");
const ID_CE_SUBJECT_KEY_IDENTIFIER: Oid = Oid::new_unwrap("2.5.29.14");
pub(crate) const ID_CE_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.15");
const ID_CE_SUBJECT_ALT_NAME: Oid = Oid::new_unwrap("2.5.29.17");
const ID_CE_BASIC_CONSTRAINTS: Oid = Oid::new_unwrap("2.5.29.19");
const ID_CE_AUTHORITY_KEY_IDENTIFIER: Oid = Oid::new_unwrap("2.5.29.35");
pub(crate) const ID_CE_EXT_KEY_USAGE: Oid = Oid::new_unwrap("2.5.29.37");
const ID_KP_CODE_SIGNING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.3");
/// RFC 6962 embedded SCT list extension.
pub(crate) const CT_PRECERT_SCTS: Oid = Oid::new_unwrap("1.3.6.1.4.1.11129.2.4.2");

/// Fulcio's certificate extension OIDs (`1.3.6.1.4.1.57264.1.*`), as the Fulcio OID directory
/// lists them. `.1.1` to `.1.6` hold raw strings; `.1.8` to `.1.22` a DER UTF8String.
pub mod oid {
    /// Issuer (deprecated): raw string.
    pub const ISSUER_V1: &str = "1.3.6.1.4.1.57264.1.1";
    /// GitHub Workflow Trigger (deprecated): raw string.
    pub const GITHUB_WORKFLOW_TRIGGER: &str = "1.3.6.1.4.1.57264.1.2";
    /// GitHub Workflow SHA (deprecated): raw string.
    pub const GITHUB_WORKFLOW_SHA: &str = "1.3.6.1.4.1.57264.1.3";
    /// GitHub Workflow Name (deprecated): raw string.
    pub const GITHUB_WORKFLOW_NAME: &str = "1.3.6.1.4.1.57264.1.4";
    /// GitHub Workflow Repository (deprecated): raw string.
    pub const GITHUB_WORKFLOW_REPOSITORY: &str = "1.3.6.1.4.1.57264.1.5";
    /// GitHub Workflow Ref (deprecated): raw string.
    pub const GITHUB_WORKFLOW_REF: &str = "1.3.6.1.4.1.57264.1.6";
    /// Issuer (V2).
    pub const ISSUER_V2: &str = "1.3.6.1.4.1.57264.1.8";
    /// Build Signer URI.
    pub const BUILD_SIGNER_URI: &str = "1.3.6.1.4.1.57264.1.9";
    /// Build Signer Digest.
    pub const BUILD_SIGNER_DIGEST: &str = "1.3.6.1.4.1.57264.1.10";
    /// Runner Environment.
    pub const RUNNER_ENVIRONMENT: &str = "1.3.6.1.4.1.57264.1.11";
    /// Source Repository URI.
    pub const SOURCE_REPOSITORY_URI: &str = "1.3.6.1.4.1.57264.1.12";
    /// Source Repository Digest.
    pub const SOURCE_REPOSITORY_DIGEST: &str = "1.3.6.1.4.1.57264.1.13";
    /// Source Repository Ref.
    pub const SOURCE_REPOSITORY_REF: &str = "1.3.6.1.4.1.57264.1.14";
    /// Source Repository Identifier.
    pub const SOURCE_REPOSITORY_IDENTIFIER: &str = "1.3.6.1.4.1.57264.1.15";
    /// Source Repository Owner URI.
    pub const SOURCE_REPOSITORY_OWNER_URI: &str = "1.3.6.1.4.1.57264.1.16";
    /// Source Repository Owner Identifier.
    pub const SOURCE_REPOSITORY_OWNER_IDENTIFIER: &str = "1.3.6.1.4.1.57264.1.17";
    /// Build Config URI.
    pub const BUILD_CONFIG_URI: &str = "1.3.6.1.4.1.57264.1.18";
    /// Build Config Digest.
    pub const BUILD_CONFIG_DIGEST: &str = "1.3.6.1.4.1.57264.1.19";
    /// Build Trigger.
    pub const BUILD_TRIGGER: &str = "1.3.6.1.4.1.57264.1.20";
    /// Run Invocation URI.
    pub const RUN_INVOCATION_URI: &str = "1.3.6.1.4.1.57264.1.21";
    /// Source Repository Visibility At Signing.
    pub const SOURCE_REPOSITORY_VISIBILITY: &str = "1.3.6.1.4.1.57264.1.22";
}

/// The certificate's Subject Alternative Name: who signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum San {
    /// A URI, e.g. a GitHub Actions workflow ref.
    Uri(String),
    /// An email address.
    Email(String),
}

impl San {
    /// The SAN as a string (what `--certificate-identity` matches).
    pub fn as_str(&self) -> &str {
        match self {
            San::Uri(s) | San::Email(s) => s,
        }
    }
}

/// What a leaf certificate says about its signer: the SAN, the OIDC issuer and any Fulcio
/// extensions, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// Subject Alternative Name.
    pub san: San,
    /// OIDC issuer, written to `.1.8` (and to the legacy `.1.1` when `legacy_issuer`).
    pub issuer: String,
    /// Also write the deprecated raw-string issuer extension `.1.1`, as Fulcio does.
    pub legacy_issuer: bool,
    /// Further Fulcio extensions as `(dotted OID, value)`; see [`oid`].
    pub extensions: Vec<(String, String)>,
}

/// The OIDC issuer of GitHub Actions tokens.
pub const GITHUB_ACTIONS_ISSUER: &str = "https://token.actions.githubusercontent.com";

impl Identity {
    /// A URI SAN with this issuer and no further extensions.
    pub fn uri(uri: impl Into<String>, issuer: impl Into<String>) -> Self {
        Identity {
            san: San::Uri(uri.into()),
            issuer: issuer.into(),
            legacy_issuer: true,
            extensions: Vec::new(),
        }
    }

    /// An email SAN with this issuer.
    pub fn email(email: impl Into<String>, issuer: impl Into<String>) -> Self {
        Identity {
            san: San::Email(email.into()),
            ..Identity::uri(String::new(), issuer)
        }
    }

    /// A GitHub Actions workflow identity as Fulcio issues it: SAN
    /// `https://github.com/{repo}/{workflow}@{git_ref}`, issuer
    /// [`GITHUB_ACTIONS_ISSUER`], the deprecated `.1.2`-`.1.6` and all of `.1.9`-`.1.22`
    /// (commit `0123...`, runner `github-hosted`, trigger `push`, visibility `public`).
    pub fn github(repo: &str, workflow: &str, git_ref: &str) -> Self {
        let owner = repo.split('/').next().unwrap_or(repo);
        let san = format!("https://github.com/{repo}/{workflow}@{git_ref}");
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let mut id = Identity::uri(san.clone(), GITHUB_ACTIONS_ISSUER);
        for (k, v) in [
            (oid::GITHUB_WORKFLOW_TRIGGER, "push".to_owned()),
            (oid::GITHUB_WORKFLOW_SHA, sha.to_owned()),
            (oid::GITHUB_WORKFLOW_NAME, "release".to_owned()),
            (oid::GITHUB_WORKFLOW_REPOSITORY, repo.to_owned()),
            (oid::GITHUB_WORKFLOW_REF, git_ref.to_owned()),
            (oid::BUILD_SIGNER_URI, san.clone()),
            (oid::BUILD_SIGNER_DIGEST, sha.to_owned()),
            (oid::RUNNER_ENVIRONMENT, "github-hosted".to_owned()),
            (
                oid::SOURCE_REPOSITORY_URI,
                format!("https://github.com/{repo}"),
            ),
            (oid::SOURCE_REPOSITORY_DIGEST, sha.to_owned()),
            (oid::SOURCE_REPOSITORY_REF, git_ref.to_owned()),
            (oid::SOURCE_REPOSITORY_IDENTIFIER, "100001".to_owned()),
            (
                oid::SOURCE_REPOSITORY_OWNER_URI,
                format!("https://github.com/{owner}"),
            ),
            (oid::SOURCE_REPOSITORY_OWNER_IDENTIFIER, "200002".to_owned()),
            (oid::BUILD_CONFIG_URI, san.clone()),
            (oid::BUILD_CONFIG_DIGEST, sha.to_owned()),
            (oid::BUILD_TRIGGER, "push".to_owned()),
            (
                oid::RUN_INVOCATION_URI,
                format!("https://github.com/{repo}/actions/runs/1/attempts/1"),
            ),
            (oid::SOURCE_REPOSITORY_VISIBILITY, "public".to_owned()),
        ] {
            id.extensions.push((k.to_owned(), v));
        }
        id
    }

    /// Sets (or replaces) one Fulcio extension.
    pub fn with_extension(mut self, oid: &str, value: impl Into<String>) -> Self {
        self.extensions.retain(|(k, _)| k != oid);
        self.extensions.push((oid.to_owned(), value.into()));
        self
    }

    /// Removes one Fulcio extension.
    pub fn without_extension(mut self, oid: &str) -> Self {
        self.extensions.retain(|(k, _)| k != oid);
        self
    }
}

/// A P-384 CA key with its certificate.
pub(crate) struct Authority {
    pub(crate) key: p384::ecdsa::SigningKey,
    pub(crate) name: Name,
    pub(crate) der: Vec<u8>,
    pub(crate) key_id: Vec<u8>,
    pub(crate) spki_der: Vec<u8>,
}

impl Authority {
    /// A self-signed P-384 root named `subject` (RFC 4514), valid for ten years.
    pub(crate) fn root(subject: &str, not_before: i64) -> Result<Self, Error> {
        let validity = Validity {
            not_before: utc(not_before)?,
            not_after: utc(not_before + 10 * 365 * 86_400)?,
        };
        let key = p384::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let spki = p384_spki(key.verifying_key())?;
        let name = name(subject)?;
        let tbs = TbsCertificate {
            version: Version::V3,
            serial_number: serial()?,
            signature: AlgorithmIdentifierOwned {
                oid: ECDSA_WITH_SHA384,
                parameters: None,
            },
            issuer: name.clone(),
            validity,
            subject: name.clone(),
            subject_public_key_info: spki.clone(),
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(ca_extensions(&spki, None, Some(1))?),
        };
        let der = sign_tbs(&key, tbs)?;
        Ok(Authority {
            key_id: key_id(&spki),
            spki_der: spki.to_der()?,
            key,
            name,
            der,
        })
    }

    /// Signs a certificate for `spki` named `subject` with these extensions.
    pub(crate) fn sign(
        &self,
        subject: Name,
        spki: SubjectPublicKeyInfoOwned,
        validity: LeafValidity,
        extensions: Vec<Extension>,
    ) -> Result<Vec<u8>, Error> {
        let tbs = TbsCertificate {
            version: Version::V3,
            serial_number: serial()?,
            signature: AlgorithmIdentifierOwned {
                oid: ECDSA_WITH_SHA384,
                parameters: None,
            },
            issuer: self.name.clone(),
            validity: Validity {
                not_before: utc(validity.not_before)?,
                not_after: utc(validity.not_after)?,
            },
            subject,
            subject_public_key_info: spki,
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(extensions),
        };
        sign_tbs(&self.key, tbs)
    }

    /// The authority key identifier extension naming this authority.
    pub(crate) fn aki(&self) -> Result<Extension, Error> {
        ext(
            ID_CE_AUTHORITY_KEY_IDENTIFIER,
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(self.key_id.clone())?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
        )
    }
}

/// The subject key identifier extension for `spki`.
pub(crate) fn ski(spki: &SubjectPublicKeyInfoOwned) -> Result<Extension, Error> {
    ext(
        ID_CE_SUBJECT_KEY_IDENTIFIER,
        false,
        &SubjectKeyIdentifier(OctetString::new(key_id(spki))?),
    )
}

/// The test Fulcio: a self-signed root and an intermediate that issues leaves.
pub struct Ca {
    root: Authority,
    intermediate: Authority,
}

impl std::fmt::Debug for Ca {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ca(..)")
    }
}

pub(crate) fn utc(unix: i64) -> Result<Time, Error> {
    let secs = u64::try_from(unix).map_err(|_| Error::Time(unix))?;
    Ok(Time::UtcTime(UtcTime::from_unix_duration(
        Duration::from_secs(secs),
    )?))
}

pub(crate) fn p256_spki(
    key: &p256::ecdsa::VerifyingKey,
) -> Result<SubjectPublicKeyInfoOwned, Error> {
    ec_spki(SECP256R1, key.to_encoded_point(false).as_bytes())
}

fn p384_spki(key: &p384::ecdsa::VerifyingKey) -> Result<SubjectPublicKeyInfoOwned, Error> {
    ec_spki(SECP384R1, key.to_encoded_point(false).as_bytes())
}

fn ec_spki(curve: Oid, point: &[u8]) -> Result<SubjectPublicKeyInfoOwned, Error> {
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: AlgorithmIdentifierOwned {
            oid: ID_EC_PUBLIC_KEY,
            parameters: Some(Any::encode_from(&curve)?),
        },
        subject_public_key: BitString::from_bytes(point)?,
    })
}

/// DER SubjectPublicKeyInfo of a P-256 key (what trusted roots and log IDs use).
pub fn p256_spki_der(key: &p256::ecdsa::VerifyingKey) -> Result<Vec<u8>, Error> {
    Ok(p256_spki(key)?.to_der()?)
}

fn serial() -> Result<SerialNumber, Error> {
    let mut b = [0u8; 20];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut b);
    b[0] = (b[0] & 0x7f) | 0x01; // positive, 20 octets, never zero
    Ok(SerialNumber::new(&b)?)
}

pub(crate) fn ext(oid: Oid, critical: bool, value: &impl Encode) -> Result<Extension, Error> {
    Ok(Extension {
        extn_id: oid,
        critical,
        extn_value: OctetString::new(value.to_der()?)?,
    })
}

/// SHA-1-free key identifier: the first 20 bytes of SHA-256 over the public key bits.
fn key_id(spki: &SubjectPublicKeyInfoOwned) -> Vec<u8> {
    Sha256::digest(spki.subject_public_key.raw_bytes())[..20].to_vec()
}

fn sign_tbs(key: &p384::ecdsa::SigningKey, tbs: TbsCertificate) -> Result<Vec<u8>, Error> {
    let sig: p384::ecdsa::Signature = key.sign(&tbs.to_der()?);
    let cert = Certificate {
        tbs_certificate: tbs,
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: ECDSA_WITH_SHA384,
            parameters: None,
        },
        signature: BitString::from_bytes(sig.to_der().as_bytes())?,
    };
    Ok(cert.to_der()?)
}

fn ca_extensions(
    spki: &SubjectPublicKeyInfoOwned,
    issuer_key_id: Option<&[u8]>,
    path_len: Option<u8>,
) -> Result<Vec<Extension>, Error> {
    let mut v = vec![
        ext(
            ID_CE_KEY_USAGE,
            true,
            &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
        )?,
        ext(
            ID_CE_BASIC_CONSTRAINTS,
            true,
            &BasicConstraints {
                ca: true,
                path_len_constraint: path_len,
            },
        )?,
        ext(
            ID_CE_SUBJECT_KEY_IDENTIFIER,
            false,
            &SubjectKeyIdentifier(OctetString::new(key_id(spki))?),
        )?,
    ];
    if let Some(aki) = issuer_key_id {
        v.push(ext(
            ID_CE_AUTHORITY_KEY_IDENTIFIER,
            false,
            &AuthorityKeyIdentifier {
                key_identifier: Some(OctetString::new(aki)?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            },
        )?);
        // Fulcio's intermediate carries the code-signing EKU.
        v.push(ext(
            ID_CE_EXT_KEY_USAGE,
            false,
            &ExtendedKeyUsage(vec![ID_KP_CODE_SIGNING]),
        )?);
    }
    Ok(v)
}

pub(crate) fn name(s: &str) -> Result<Name, Error> {
    Ok(s.parse()?)
}

/// When a leaf is valid, in Unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeafValidity {
    /// notBefore.
    pub not_before: i64,
    /// notAfter.
    pub not_after: i64,
}

impl Ca {
    /// A new root (valid from `not_before` for ten years) and intermediate, with fresh keys.
    pub fn new(not_before: i64) -> Result<Self, Error> {
        let not_after = not_before + 10 * 365 * 86_400;
        let validity = Validity {
            not_before: utc(not_before)?,
            not_after: utc(not_after)?,
        };

        let root = Authority::root("CN=sigil-test-sigstore,O=sigil.test", not_before)?;

        let int_key = p384::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let int_spki = p384_spki(int_key.verifying_key())?;
        let int_name = name("CN=sigil-test-sigstore-intermediate,O=sigil.test")?;
        let int_tbs = TbsCertificate {
            version: Version::V3,
            serial_number: serial()?,
            signature: AlgorithmIdentifierOwned {
                oid: ECDSA_WITH_SHA384,
                parameters: None,
            },
            issuer: root.name.clone(),
            validity,
            subject: int_name.clone(),
            subject_public_key_info: int_spki.clone(),
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(ca_extensions(&int_spki, Some(&root.key_id), Some(0))?),
        };
        let int_der = sign_tbs(&root.key, int_tbs)?;
        let intermediate = Authority {
            key_id: key_id(&int_spki),
            spki_der: int_spki.to_der()?,
            key: int_key,
            name: int_name,
            der: int_der,
        };
        Ok(Ca { root, intermediate })
    }

    /// The root certificate, DER.
    pub fn root_der(&self) -> &[u8] {
        &self.root.der
    }

    /// The intermediate certificate, DER.
    pub fn intermediate_der(&self) -> &[u8] {
        &self.intermediate.der
    }

    /// The chain a trusted root lists, intermediate first: `[intermediate, root]`.
    pub fn chain_der(&self) -> Vec<Vec<u8>> {
        vec![self.intermediate.der.clone(), self.root.der.clone()]
    }

    /// Issues a leaf code-signing certificate for `public_key` with `identity`, valid over
    /// `validity`, like Fulcio: empty subject, critical SAN, critical key usage
    /// `digitalSignature`, EKU code signing, SKI/AKI, the identity's extensions, and (given a
    /// CT log) one embedded SCT over the precertificate TBS, timestamped at `not_before`.
    pub fn issue(
        &self,
        public_key: &p256::ecdsa::VerifyingKey,
        identity: &Identity,
        validity: LeafValidity,
        ct: Option<&CtLog>,
    ) -> Result<Vec<u8>, Error> {
        let spki = p256_spki(public_key)?;
        let san_name = match &identity.san {
            San::Uri(u) => GeneralName::UniformResourceIdentifier(ia5("SAN URI", u)?),
            San::Email(e) => GeneralName::Rfc822Name(ia5("SAN email", e)?),
        };
        let mut exts = vec![
            ext(
                ID_CE_KEY_USAGE,
                true,
                &KeyUsage(KeyUsages::DigitalSignature.into()),
            )?,
            ext(
                ID_CE_EXT_KEY_USAGE,
                false,
                &ExtendedKeyUsage(vec![ID_KP_CODE_SIGNING]),
            )?,
            ext(
                ID_CE_SUBJECT_KEY_IDENTIFIER,
                false,
                &SubjectKeyIdentifier(OctetString::new(key_id(&spki))?),
            )?,
            ext(
                ID_CE_AUTHORITY_KEY_IDENTIFIER,
                false,
                &AuthorityKeyIdentifier {
                    key_identifier: Some(OctetString::new(self.intermediate.key_id.clone())?),
                    authority_cert_issuer: None,
                    authority_cert_serial_number: None,
                },
            )?,
            ext(
                ID_CE_SUBJECT_ALT_NAME,
                true,
                &SubjectAltName(vec![san_name]),
            )?,
        ];
        let mut claims: Vec<(&str, &str)> = Vec::new();
        if identity.legacy_issuer {
            claims.push((oid::ISSUER_V1, &identity.issuer));
        }
        claims.push((oid::ISSUER_V2, &identity.issuer));
        for (k, v) in &identity.extensions {
            claims.push((k, v));
        }
        for (k, v) in claims {
            let id = Oid::new(k).map_err(|_| Error::Oid(k.to_owned()))?;
            exts.push(Extension {
                extn_id: id,
                critical: false,
                extn_value: OctetString::new(fulcio_value(k, v)?)?,
            });
        }
        let mut tbs = TbsCertificate {
            version: Version::V3,
            serial_number: serial()?,
            signature: AlgorithmIdentifierOwned {
                oid: ECDSA_WITH_SHA384,
                parameters: None,
            },
            issuer: self.intermediate.name.clone(),
            validity: Validity {
                not_before: utc(validity.not_before)?,
                not_after: utc(validity.not_after)?,
            },
            subject: Name::default(),
            subject_public_key_info: spki,
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(exts),
        };
        if let Some(ct) = ct {
            // RFC 6962 §3.2: the SCT covers the TBS without the SCT list extension, and the
            // SHA-256 of the issuer's SubjectPublicKeyInfo.
            let precert_tbs = tbs.to_der()?;
            let issuer_key_hash: [u8; 32] = Sha256::digest(&self.intermediate.spki_der).into();
            let list = ct.sct_list(
                &precert_tbs,
                &issuer_key_hash,
                validity.not_before.saturating_mul(1000),
            )?;
            if let Some(e) = tbs.extensions.as_mut() {
                e.push(Extension {
                    extn_id: CT_PRECERT_SCTS,
                    critical: false,
                    extn_value: OctetString::new(OctetString::new(list)?.to_der()?)?,
                });
            }
        }
        sign_tbs(&self.intermediate.key, tbs)
    }
}

fn ia5(field: &'static str, s: &str) -> Result<Ia5String, Error> {
    Ia5String::new(s).map_err(|_| Error::NotAscii {
        field,
        value: s.to_owned(),
    })
}

/// The extension value Fulcio writes: raw bytes for `.1.1`-`.1.6`, a DER UTF8String otherwise.
fn fulcio_value(oid: &str, value: &str) -> Result<Vec<u8>, Error> {
    let legacy = oid
        .strip_prefix("1.3.6.1.4.1.57264.1.")
        .and_then(|n| n.parse::<u32>().ok())
        .is_some_and(|n| (1..=6).contains(&n));
    if legacy {
        Ok(value.as_bytes().to_vec())
    } else {
        Ok(Utf8StringRef::new(value)?.to_der()?)
    }
}

/// PEM with 64-column lines and a final newline, as Rekor and `cryptography` write it.
pub fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut s = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        s.push_str(&String::from_utf8_lossy(chunk));
        s.push('\n');
    }
    s.push_str(&format!("-----END {label}-----\n"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_cert::der::Decode;

    #[test]
    fn fulcio_values_are_raw_up_to_1_6_and_utf8string_from_1_8() {
        assert_eq!(
            fulcio_value(oid::ISSUER_V1, "https://i").unwrap(),
            b"https://i"
        );
        assert_eq!(
            fulcio_value(oid::GITHUB_WORKFLOW_REF, "refs/x").unwrap(),
            b"refs/x"
        );
        assert_eq!(
            fulcio_value(oid::ISSUER_V2, "https://i").unwrap(),
            b"\x0c\x09https://i"
        );
        assert_eq!(
            fulcio_value(oid::SOURCE_REPOSITORY_VISIBILITY, "public").unwrap(),
            b"\x0c\x06public"
        );
    }

    #[test]
    fn leaf_has_fulcio_profile_and_one_sct_last() {
        let ca = Ca::new(1_700_000_000).unwrap();
        let ct = CtLog::new().unwrap();
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let id = Identity::email("dev@sigil.test", "https://accounts.sigil.test");
        let validity = LeafValidity {
            not_before: 1_700_000_100,
            not_after: 1_700_000_700,
        };
        let der = ca
            .issue(key.verifying_key(), &id, validity, Some(&ct))
            .unwrap();
        let cert = Certificate::from_der(&der).unwrap();
        let tbs = &cert.tbs_certificate;
        assert!(tbs.subject.0.is_empty(), "empty subject");
        let exts = tbs.extensions.as_ref().unwrap();
        let crit: Vec<String> = exts
            .iter()
            .filter(|e| e.critical)
            .map(|e| e.extn_id.to_string())
            .collect();
        assert_eq!(
            crit,
            ["2.5.29.15", "2.5.29.17"],
            "key usage and SAN critical"
        );
        assert_eq!(exts.last().unwrap().extn_id, CT_PRECERT_SCTS);
        assert_eq!(
            exts.iter().filter(|e| e.extn_id == CT_PRECERT_SCTS).count(),
            1
        );
        assert_eq!(
            tbs.issuer.to_der().unwrap(),
            ca.intermediate.name.to_der().unwrap()
        );
        let no_sct = ca.issue(key.verifying_key(), &id, validity, None).unwrap();
        let no_sct = Certificate::from_der(&no_sct).unwrap();
        assert!(no_sct
            .tbs_certificate
            .extensions
            .unwrap()
            .iter()
            .all(|e| e.extn_id != CT_PRECERT_SCTS));
    }
}
