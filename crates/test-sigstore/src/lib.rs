//! A Sigstore instance of our own, for tests only: it is never shipped and no crate may depend
//! on it except as a dev-dependency (`tests/it/tidy.rs` holds that).
//!
//! Everything runs offline and in-process. [`TestSigstore`] holds:
//! - a Fulcio-like CA ([`Ca`]: root and intermediate, ECDSA P-384) issuing ten-minute leaf
//!   code-signing certificates for a P-256 key, with a URI or email SAN and any Fulcio
//!   extensions (`1.3.6.1.4.1.57264.1.1` raw, `.1.8`-`.1.22` DER UTF8String; [`Identity`]);
//! - a CT log key ([`CtLog`]) whose RFC 6962 precertificate SCT is embedded in each leaf;
//! - a Rekor-v1-like log ([`Rekor`]): RFC 6962 Merkle tree, signed checkpoints, signed entry
//!   timestamps, inclusion proofs, `hashedrekord` and `dsse` v0.0.1 bodies;
//! - writers for `trusted_root.json`, `signing_config.json` (v0.2) and the client trust config;
//! - bundle builders ([`TestSigstore::sign_blob`], [`TestSigstore::attest`]): v0.3 bundles with
//!   a message signature or a DSSE envelope over an in-toto statement, each with the leaf
//!   certificate and a log entry carrying inclusion proof, checkpoint and SET;
//! - faults on demand ([`Fault`]): expired certificate, certificate for another key, log entry
//!   for another body, bad inclusion proof, bad SET, bad checkpoint, missing SCT, wrong identity;
//! - an RFC 3161 timestamp authority ([`Tsa`], [`TestSigstore::add_timestamp`]).
//!
//! - HTTP services on 127.0.0.1 ([`Server`]): OIDC issuer, Fulcio, Rekor v1 and TSA, with
//!   faults switchable while running ([`ServiceFault`]).
//!
//! What it does not do (yet): TLS, Rekor v2.
//! Keys are fresh for every instance; nothing is written outside the directory a test names.
//!
//! ```
//! use sigil_test_sigstore::{Identity, TestSigstore};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut sigstore = TestSigstore::new()?;
//! let dir = std::env::temp_dir().join(format!("doc-{}", std::process::id()));
//! let files = sigstore.write_trust_files(&dir)?; // trusted_root.json, signing_config.json...
//! let id = Identity::github("acme/widget", ".github/workflows/release.yml", "refs/tags/v1.0.0");
//! let bundle = sigstore.sign_blob(&id, b"hello")?;
//! std::fs::write(dir.join("hello.sigstore.json"), bundle.to_json())?;
//! // sigil verify --bundle hello.sigstore.json --trusted-root {files.trusted_root}
//! //   --certificate-identity {id.san} --certificate-oidc-issuer {id.issuer} hello
//! # let _ = files; std::fs::remove_dir_all(dir)?;
//! # Ok(())
//! # }
//! ```

mod client;
mod ct;
mod log;
mod service;
mod trust;
mod tsa;
mod x509;

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use p256::ecdsa::signature::Signer as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub use client::{http, timestamp_request, ClientError, HttpResponse, HttpSigner};
pub use ct::CtLog;
pub use log::{
    dsse_body, hashedrekord_body, inclusion_path, leaf_hash, root_from_inclusion_path, root_hash,
    LogEntry, Rekor,
};
pub use service::{parse_timestamp_request, ServeError, Server, Service, ServiceFault, MAX_STALL};
pub use trust::{
    rfc3339, Urls, CLIENT_TRUST_CONFIG_MEDIA_TYPE, SIGNING_CONFIG_MEDIA_TYPE,
    TRUSTED_ROOT_MEDIA_TYPE,
};
pub use tsa::Tsa;
pub use x509::{oid, p256_spki_der, pem, Ca, Identity, LeafValidity, San, GITHUB_ACTIONS_ISSUER};

/// Media type of the bundles built here.
pub const BUNDLE_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";
/// DSSE payload type of in-toto statements.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// Why minting failed. Only caller-supplied values (a non-ASCII SAN, a bad OID, a time
/// before 1970) or an encoding limit can cause it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// DER encoding failed.
    #[error("der encoding failed")]
    Der(#[from] x509_cert::der::Error),
    /// A value that must be ASCII (IA5String) is not.
    #[error("{field} must be ascii: {value:?}")]
    NotAscii {
        /// Which value.
        field: &'static str,
        /// The value given.
        value: String,
    },
    /// Not a dotted OID.
    #[error("not an object identifier: {0:?}")]
    Oid(String),
    /// A time that cannot be encoded (before 1970, or after 2049 for UTCTime).
    #[error("unencodable time {0}")]
    Time(i64),
    /// A length over what the TLS encoding allows.
    #[error("{0} too long")]
    TooLong(&'static str),
    /// Writing a trust file failed.
    #[error("cannot write {path}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// A defect to build into a bundle, so a verifier's rejection can be tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// The leaf's validity ended ten minutes before the entry was integrated.
    ExpiredCertificate,
    /// The leaf certifies a different key than the one that made the signature.
    CertificateForAnotherKey,
    /// The log entry (with a valid proof, checkpoint and SET) records another artifact digest
    /// (message signature) or another payload (DSSE).
    EntryForAnotherBody,
    /// The first hash of the inclusion proof is altered.
    BadInclusionProof,
    /// The SET signs another integrated time than the entry states.
    BadSet,
    /// The checkpoint is signed by a key that is not the log's.
    BadCheckpoint,
    /// The leaf carries no SCT.
    NoSct,
    /// The leaf names another signer than the identity asked for ([`IMPOSTOR_URI`] or
    /// [`IMPOSTOR_EMAIL`] as SAN), as a CA that ignored the token would.
    WrongIdentity,
}

/// The SAN a [`Fault::WrongIdentity`] certificate carries for a URI identity.
pub const IMPOSTOR_URI: &str =
    "https://github.com/impostor/widget/.github/workflows/release.yml@refs/heads/main";
/// The SAN a [`Fault::WrongIdentity`] certificate carries for an email identity.
pub const IMPOSTOR_EMAIL: &str = "impostor@sigil.test";

/// Where [`TestSigstore::write_trust_files`] put the trust material.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustFiles {
    /// `trusted_root.json`.
    pub trusted_root: PathBuf,
    /// `signing_config.json` (v0.2).
    pub signing_config: PathBuf,
    /// `trust_config.json`: the client trust config sigstore-python's `--trust-config` reads.
    pub client_trust_config: PathBuf,
}

/// A v0.3 bundle, with the parts tests may want to look at or tamper with.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The bundle document.
    pub json: Value,
    /// The leaf certificate, DER.
    pub certificate_der: Vec<u8>,
    /// The transparency-log entry.
    pub entry: LogEntry,
    /// The signature (message signature, or the DSSE signature), DER.
    pub signature: Vec<u8>,
}

impl Bundle {
    /// The bundle as pretty JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.json).unwrap_or_default()
    }
}

/// The test Sigstore instance: CA, CT log and Rekor-like log, and the time it issues at.
pub struct TestSigstore {
    ca: Ca,
    ct: CtLog,
    rekor: Rekor,
    tsa: Tsa,
    urls: Urls,
    now: i64,
    trust_start: i64,
}

impl std::fmt::Debug for TestSigstore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TestSigstore(now={}, {:?})", self.now, self.rekor)
    }
}

fn system_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl TestSigstore {
    /// An instance issuing at two minutes ago (verifiers refuse integrated times in the
    /// future), with trust material valid from a day before that.
    pub fn new() -> Result<Self, Error> {
        Self::at(system_now() - 120)
    }

    /// An instance issuing certificates and log entries at `now` (Unix seconds). Verifiers
    /// compare integrated times with their clock, so `now` must not be in the future.
    pub fn at(now: i64) -> Result<Self, Error> {
        let trust_start = now - 86_400;
        Ok(TestSigstore {
            ca: Ca::new(trust_start)?,
            ct: CtLog::new()?,
            rekor: Rekor::new(5)?,
            tsa: Tsa::new(trust_start)?,
            urls: Urls::default(),
            now,
            trust_start,
        })
    }

    /// Replaces the service URLs written to the trust files.
    pub fn with_urls(mut self, urls: Urls) -> Self {
        self.urls = urls;
        self
    }

    /// The issuing time (Unix seconds).
    pub fn now(&self) -> i64 {
        self.now
    }

    /// The CA.
    pub fn ca(&self) -> &Ca {
        &self.ca
    }

    /// The CT log.
    pub fn ct(&self) -> &CtLog {
        &self.ct
    }

    /// The Rekor-like log.
    pub fn rekor(&self) -> &Rekor {
        &self.rekor
    }

    /// The timestamp authority.
    pub fn tsa(&self) -> &Tsa {
        &self.tsa
    }

    /// Adds an RFC 3161 timestamp of the bundle's signature, made at the issuing time plus
    /// one second, to `timestampVerificationData`. With `valid = false` the timestamp
    /// imprints other bytes than the signature (a bad timestamp).
    pub fn add_timestamp(&self, bundle: &mut Bundle, valid: bool) -> Result<(), Error> {
        let mut message = bundle.signature.clone();
        if !valid {
            message.push(0);
        }
        let resp = self.tsa.timestamp(&message, self.now + 1, 1)?;
        bundle.json["verificationMaterial"]["timestampVerificationData"] = json!({
            "rfc3161Timestamps": [{ "signedTimestamp": B64.encode(resp) }],
        });
        Ok(())
    }

    /// The log, to append entries by hand.
    pub fn rekor_mut(&mut self) -> &mut Rekor {
        &mut self.rekor
    }

    /// The `trusted_root.json` document: the CA chain, the log and CT keys and the TSA chain,
    /// valid from a day before the issuing time.
    pub fn trusted_root(&self) -> Value {
        let certs: Vec<Value> = self
            .ca
            .chain_der()
            .iter()
            .map(|d| json!({ "rawBytes": B64.encode(d) }))
            .collect();
        let tsa_certs: Vec<Value> = self
            .tsa
            .chain_der()
            .iter()
            .map(|d| json!({ "rawBytes": B64.encode(d) }))
            .collect();
        json!({
            "mediaType": TRUSTED_ROOT_MEDIA_TYPE,
            "tlogs": [trust::log_instance(&self.urls.rekor, self.rekor.spki_der(), &self.rekor.log_id(), self.trust_start)],
            "certificateAuthorities": [{
                "subject": { "organization": "sigil.test", "commonName": "sigil-test-sigstore" },
                "uri": self.urls.fulcio,
                "certChain": { "certificates": certs },
                "validFor": { "start": rfc3339(self.trust_start) },
            }],
            "ctlogs": [trust::log_instance(&self.urls.ctfe, self.ct.spki_der(), &self.ct.log_id(), self.trust_start)],
            "timestampAuthorities": [{
                "subject": { "organization": "sigil.test", "commonName": "sigil-test-tsa" },
                "uri": self.urls.tsa,
                "certChain": { "certificates": tsa_certs },
                "validFor": { "start": rfc3339(self.trust_start) },
            }],
        })
    }

    /// The v0.2 `signing_config.json` naming this instance's services.
    pub fn signing_config(&self) -> Value {
        let s = self.trust_start;
        json!({
            "mediaType": SIGNING_CONFIG_MEDIA_TYPE,
            "caUrls": [trust::service(&self.urls.fulcio, 1, s)],
            "oidcUrls": [trust::service(&self.urls.oidc, 1, s)],
            "rekorTlogUrls": [trust::service(&self.urls.rekor, 1, s)],
            "tsaUrls": [trust::service(&self.urls.tsa, 1, s)],
            "rekorTlogConfig": { "selector": "ANY" },
            "tsaConfig": { "selector": "ANY" },
        })
    }

    /// The client trust config (`trustedRoot` plus `signingConfig`).
    pub fn client_trust_config(&self) -> Value {
        json!({
            "mediaType": CLIENT_TRUST_CONFIG_MEDIA_TYPE,
            "trustedRoot": self.trusted_root(),
            "signingConfig": self.signing_config(),
        })
    }

    /// Writes `trusted_root.json`, `signing_config.json` and `trust_config.json` into `dir`
    /// (created if missing).
    pub fn write_trust_files(&self, dir: &Path) -> Result<TrustFiles, Error> {
        let write = |name: &str, v: Value| -> Result<PathBuf, Error> {
            let path = dir.join(name);
            std::fs::create_dir_all(dir)
                .and_then(|()| {
                    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap_or_default())
                })
                .map_err(|source| Error::Write {
                    path: path.clone(),
                    source,
                })?;
            Ok(path)
        };
        Ok(TrustFiles {
            trusted_root: write("trusted_root.json", self.trusted_root())?,
            signing_config: write("signing_config.json", self.signing_config())?,
            client_trust_config: write("trust_config.json", self.client_trust_config())?,
        })
    }

    /// A leaf certificate for `public_key` with an embedded SCT, valid for ten minutes from the
    /// issuing time (Fulcio's lifetime).
    pub fn issue(
        &self,
        public_key: &p256::ecdsa::VerifyingKey,
        identity: &Identity,
    ) -> Result<Vec<u8>, Error> {
        self.ca
            .issue(public_key, identity, self.validity(false), Some(&self.ct))
    }

    fn validity(&self, expired: bool) -> LeafValidity {
        if expired {
            LeafValidity {
                not_before: self.now - 1200,
                not_after: self.now - 600,
            }
        } else {
            LeafValidity {
                not_before: self.now,
                not_after: self.now + 600,
            }
        }
    }

    /// Signing key, and the certificate (DER) for it or, with the fault, for another key.
    fn signer(
        &self,
        identity: &Identity,
        faults: &[Fault],
    ) -> Result<(p256::ecdsa::SigningKey, Vec<u8>), Error> {
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let other;
        let certified = if faults.contains(&Fault::CertificateForAnotherKey) {
            other = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
            other.verifying_key()
        } else {
            key.verifying_key()
        };
        let ct = (!faults.contains(&Fault::NoSct)).then_some(&self.ct);
        let mut identity = identity.clone();
        if faults.contains(&Fault::WrongIdentity) {
            identity.san = match identity.san {
                San::Uri(_) => San::Uri(IMPOSTOR_URI.to_owned()),
                San::Email(_) => San::Email(IMPOSTOR_EMAIL.to_owned()),
            };
        }
        let cert = self.ca.issue(
            certified,
            &identity,
            self.validity(faults.contains(&Fault::ExpiredCertificate)),
            ct,
        )?;
        Ok((key, cert))
    }

    /// Appends `body` (or `other_body` with [`Fault::EntryForAnotherBody`]) and applies the
    /// log faults to the entry.
    fn log(
        &mut self,
        kind: &'static str,
        body: Vec<u8>,
        other_body: Vec<u8>,
        faults: &[Fault],
    ) -> LogEntry {
        let integrated = self.now + 1;
        let body = if faults.contains(&Fault::EntryForAnotherBody) {
            other_body
        } else {
            body
        };
        let mut entry = self.rekor.append(kind, body, integrated);
        if faults.contains(&Fault::BadInclusionProof) {
            if let Some(h) = entry.hashes.first_mut() {
                h[0] ^= 0x01;
            }
        }
        if faults.contains(&Fault::BadSet) {
            entry.set = self.rekor.set(&entry.body, integrated + 1, entry.log_index);
        }
        if faults.contains(&Fault::BadCheckpoint) {
            if let Ok(impostor) = Rekor::new(0) {
                entry.checkpoint = impostor
                    .checkpoint(entry.tree_size, &entry.root_hash)
                    .replace(impostor.origin(), self.rekor.origin());
            }
        }
        entry
    }

    /// A v0.3 bundle with a message signature over `blob` by a fresh key certified for
    /// `identity`, logged as `hashedrekord` v0.0.1.
    pub fn sign_blob(&mut self, identity: &Identity, blob: &[u8]) -> Result<Bundle, Error> {
        self.sign_blob_with(identity, blob, &[])
    }

    /// [`TestSigstore::sign_blob`] with faults built in.
    pub fn sign_blob_with(
        &mut self,
        identity: &Identity,
        blob: &[u8],
        faults: &[Fault],
    ) -> Result<Bundle, Error> {
        let (key, cert) = self.signer(identity, faults)?;
        let sig: p256::ecdsa::Signature = key.sign(blob);
        let sig = sig.to_der().as_bytes().to_vec();
        let digest: [u8; 32] = Sha256::digest(blob).into();
        let mut other = blob.to_vec();
        other.extend_from_slice(b" (another artifact)");
        let other_digest: [u8; 32] = Sha256::digest(&other).into();
        let entry = self.log(
            "hashedrekord",
            hashedrekord_body(&digest, &sig, &cert),
            hashedrekord_body(&other_digest, &sig, &cert),
            faults,
        );
        let json = json!({
            "mediaType": BUNDLE_MEDIA_TYPE,
            "verificationMaterial": {
                "certificate": { "rawBytes": B64.encode(&cert) },
                "tlogEntries": [entry.to_json()],
                "timestampVerificationData": {},
            },
            "messageSignature": {
                "messageDigest": { "algorithm": "SHA2_256", "digest": B64.encode(digest) },
                "signature": B64.encode(&sig),
            },
        });
        Ok(Bundle {
            json,
            certificate_der: cert,
            entry,
            signature: sig,
        })
    }

    /// A v0.3 bundle with a DSSE envelope (`application/vnd.in-toto+json`) over `statement`,
    /// signed by a fresh key certified for `identity` and logged as `dsse` v0.0.1, as
    /// `actions/attest-build-provenance` makes them.
    pub fn attest(&mut self, identity: &Identity, statement: &[u8]) -> Result<Bundle, Error> {
        self.attest_with(identity, statement, &[])
    }

    /// [`TestSigstore::attest`] with faults built in.
    pub fn attest_with(
        &mut self,
        identity: &Identity,
        statement: &[u8],
        faults: &[Fault],
    ) -> Result<Bundle, Error> {
        let (key, cert) = self.signer(identity, faults)?;
        let sig: p256::ecdsa::Signature = key.sign(&pae(IN_TOTO_PAYLOAD_TYPE, statement));
        let sig = sig.to_der().as_bytes().to_vec();
        let envelope = json!({
            "payload": B64.encode(statement),
            "payloadType": IN_TOTO_PAYLOAD_TYPE,
            "signatures": [{ "sig": B64.encode(&sig), "keyid": "" }],
        });
        let env_bytes = log::canonical(&envelope);
        let mut other = statement.to_vec();
        other.push(b' ');
        let entry = self.log(
            "dsse",
            dsse_body(&env_bytes, statement, &sig, &cert),
            dsse_body(&env_bytes, &other, &sig, &cert),
            faults,
        );
        let json = json!({
            "mediaType": BUNDLE_MEDIA_TYPE,
            "verificationMaterial": {
                "certificate": { "rawBytes": B64.encode(&cert) },
                "tlogEntries": [entry.to_json()],
                "timestampVerificationData": {},
            },
            "dsseEnvelope": envelope,
        });
        Ok(Bundle {
            json,
            certificate_der: cert,
            entry,
            signature: sig,
        })
    }
}

/// SHA-256 of `data` (for tests that predict digests in messages).
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// DSSE pre-authentication encoding.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    v.extend_from_slice(payload);
    v
}

/// An in-toto Statement v1 with one subject (`name`, SHA-256 of `content`) and a SLSA
/// Provenance v1 predicate shaped like `actions/attest-build-provenance` output for a GitHub
/// Actions run of `workflow` in `repo` at `git_ref`.
pub fn github_provenance(
    name: &str,
    content: &[u8],
    repo: &str,
    workflow: &str,
    git_ref: &str,
) -> Vec<u8> {
    let sha = "0123456789abcdef0123456789abcdef01234567";
    let statement = json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{ "name": name, "digest": { "sha256": log::hex(&Sha256::digest(content)) } }],
        "predicateType": "https://slsa.dev/provenance/v1",
        "predicate": {
            "buildDefinition": {
                "buildType": "https://actions.github.io/buildtypes/workflow/v1",
                "externalParameters": {
                    "workflow": { "ref": git_ref, "repository": format!("https://github.com/{repo}"), "path": workflow },
                },
                "internalParameters": {
                    "github": {
                        "event_name": "push",
                        "repository_id": "100001",
                        "repository_owner_id": "200002",
                        "runner_environment": "github-hosted",
                    },
                },
                "resolvedDependencies": [{
                    "uri": format!("git+https://github.com/{repo}@{git_ref}"),
                    "digest": { "gitCommit": sha },
                }],
            },
            "runDetails": {
                "builder": { "id": "https://github.com/actions/runner/github-hosted" },
                "metadata": { "invocationId": format!("https://github.com/{repo}/actions/runs/1/attempts/1") },
            },
        },
    });
    serde_json::to_vec(&statement).unwrap_or_default()
}

#[cfg(test)]
mod service_tests;
#[cfg(test)]
mod tests;
