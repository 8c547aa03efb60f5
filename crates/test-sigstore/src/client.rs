//! A keyless signer speaking HTTP to a [`Server`](crate::Server) with `std::net` only, the way
//! a Sigstore client does: token → Fulcio (public key plus proof of possession) → signature
//! → TSA → Rekor → v0.3 bundle. Tests use it where no reference client is installed, and to
//! look at each service's raw answers.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use p256::ecdsa::signature::Signer as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::{p256_spki_der, pem, BUNDLE_MEDIA_TYPE};

/// Why a keyless signing step failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The connection failed or timed out.
    #[error("{path}: {source}")]
    Io {
        /// The request path.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The service answered with an error status.
    #[error("{path}: http {status}: {message}")]
    Status {
        /// The request path.
        path: String,
        /// The HTTP status.
        status: u16,
        /// The `message` of the JSON error body.
        message: String,
    },
    /// The answer could not be understood.
    #[error("{path}: malformed answer: {what}")]
    Malformed {
        /// The request path.
        path: String,
        /// What was wrong.
        what: String,
    },
}

/// A raw HTTP answer.
#[derive(Debug, Clone)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Body.
    pub body: Vec<u8>,
}

/// One HTTP/1.1 request (`Connection: close`) to `addr`, with a read/write `timeout`.
pub fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout: Duration,
) -> std::io::Result<HttpResponse> {
    let mut s = TcpStream::connect_timeout(&addr, timeout)?;
    s.set_read_timeout(Some(timeout))?;
    s.set_write_timeout(Some(timeout))?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no http header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]);
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no http status"))?;
    Ok(HttpResponse {
        status,
        body: raw[split + 4..].to_vec(),
    })
}

/// A keyless signer with a fresh P-256 key.
pub struct HttpSigner {
    addr: SocketAddr,
    key: p256::ecdsa::SigningKey,
    /// Read/write timeout of every request (default ten seconds).
    pub timeout: Duration,
}

impl std::fmt::Debug for HttpSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HttpSigner({})", self.addr)
    }
}

fn sub_of(token: &str) -> String {
    token
        .split('.')
        .nth(1)
        .and_then(|c| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(c)
                .ok()
        })
        .and_then(|c| serde_json::from_slice::<Value>(&c).ok())
        .and_then(|c| c["sub"].as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn der_of_pem(p: &str) -> Option<Vec<u8>> {
    let b: String = p
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect();
    B64.decode(b).ok()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// A DER `TimeStampReq` (v1, SHA-256 imprint of `message`, a nonce, certReq true).
pub fn timestamp_request(message: &[u8]) -> Vec<u8> {
    let digest = Sha256::digest(message);
    let mut imprint = vec![
        0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00,
        0x04, 0x20,
    ];
    imprint.extend_from_slice(&digest);
    let mut body = vec![0x02, 0x01, 0x01, 0x30, imprint.len() as u8];
    body.extend_from_slice(&imprint);
    body.extend_from_slice(&[0x02, 0x08, 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0]);
    body.extend_from_slice(&[0x01, 0x01, 0xff]);
    let mut req = vec![0x30, body.len() as u8];
    req.extend_from_slice(&body);
    req
}

impl HttpSigner {
    /// A signer for the server at `addr` with a fresh key.
    pub fn new(addr: SocketAddr) -> Self {
        HttpSigner {
            addr,
            key: p256::ecdsa::SigningKey::random(&mut rand_core::OsRng),
            timeout: Duration::from_secs(10),
        }
    }

    /// The signer's public key.
    pub fn verifying_key(&self) -> &p256::ecdsa::VerifyingKey {
        self.key.verifying_key()
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        ctype: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, ClientError> {
        let r = http(
            self.addr,
            method,
            path,
            &[("Content-Type", ctype)],
            body,
            self.timeout,
        )
        .map_err(|source| ClientError::Io {
            path: path.to_owned(),
            source,
        })?;
        if r.status >= 300 {
            let message = serde_json::from_slice::<Value>(&r.body)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or_default();
            return Err(ClientError::Status {
                path: path.to_owned(),
                status: r.status,
                message,
            });
        }
        Ok(r.body)
    }

    fn malformed(path: &str, what: &str) -> ClientError {
        ClientError::Malformed {
            path: path.to_owned(),
            what: what.to_owned(),
        }
    }

    /// The Fulcio request body for `token`: this key as PEM and a proof of possession
    /// (signature over `proof_subject`, normally the token's `sub`).
    pub fn signing_cert_request(&self, token: &str, proof_subject: &str) -> Value {
        let spki = p256_spki_der(self.key.verifying_key()).unwrap_or_default();
        let pop: p256::ecdsa::Signature = self.key.sign(proof_subject.as_bytes());
        json!({
            "credentials": { "oidcIdentityToken": token },
            "publicKeyRequest": {
                "publicKey": { "algorithm": "ECDSA", "content": pem("PUBLIC KEY", &spki) },
                "proofOfPossession": B64.encode(pop.to_der().as_bytes()),
            },
        })
    }

    /// Posts a Fulcio request; returns the chain (leaf first), DER.
    pub fn post_signing_cert(&self, request: &Value) -> Result<Vec<Vec<u8>>, ClientError> {
        let path = "/api/v2/signingCert";
        let body = self.call(
            "POST",
            path,
            "application/json",
            request.to_string().as_bytes(),
        )?;
        let v: Value =
            serde_json::from_slice(&body).map_err(|_| Self::malformed(path, "not json"))?;
        v["signedCertificateEmbeddedSct"]["chain"]["certificates"]
            .as_array()
            .and_then(|a| {
                a.iter()
                    .map(|c| c.as_str().and_then(der_of_pem))
                    .collect::<Option<Vec<_>>>()
            })
            .filter(|c| !c.is_empty())
            .ok_or_else(|| Self::malformed(path, "no certificate chain"))
    }

    /// A certificate for this key and `token`'s identity (leaf, DER).
    pub fn signing_cert(&self, token: &str) -> Result<Vec<u8>, ClientError> {
        let req = self.signing_cert_request(token, &sub_of(token));
        Ok(self.post_signing_cert(&req)?.swap_remove(0))
    }

    /// The TSA's `TimeStampResp` for `signature`.
    pub fn timestamp(&self, signature: &[u8]) -> Result<Vec<u8>, ClientError> {
        self.call(
            "POST",
            "/api/v1/timestamp",
            "application/timestamp-query",
            &timestamp_request(signature),
        )
    }

    /// Posts a proposed Rekor entry; returns the bundle's `tlogEntries[]` item.
    pub fn post_entry(&self, proposed: &Value) -> Result<Value, ClientError> {
        let path = "/api/v1/log/entries";
        let body = self.call(
            "POST",
            path,
            "application/json",
            proposed.to_string().as_bytes(),
        )?;
        let v: Value =
            serde_json::from_slice(&body).map_err(|_| Self::malformed(path, "not json"))?;
        let (_, e) = v
            .as_object()
            .and_then(|m| m.iter().next())
            .ok_or_else(|| Self::malformed(path, "no entry"))?;
        let hexes = |v: &Value| v.as_str().and_then(unhex).map(|b| B64.encode(b));
        let body_b64 = e["body"].as_str().unwrap_or("");
        let kind = B64
            .decode(body_b64)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .map(|b| b["kind"].clone())
            .unwrap_or(Value::Null);
        let p = &e["verification"]["inclusionProof"];
        Ok(json!({
            "logIndex": e["logIndex"].as_u64().unwrap_or(0).to_string(),
            "logId": { "keyId": hexes(&e["logID"]) },
            "kindVersion": { "kind": kind, "version": "0.0.1" },
            "integratedTime": e["integratedTime"].as_i64().unwrap_or(0).to_string(),
            "inclusionPromise": { "signedEntryTimestamp": e["verification"]["signedEntryTimestamp"] },
            "inclusionProof": {
                "logIndex": p["logIndex"].as_u64().unwrap_or(0).to_string(),
                "rootHash": hexes(&p["rootHash"]),
                "treeSize": p["treeSize"].as_u64().unwrap_or(0).to_string(),
                "hashes": p["hashes"].as_array().map(|h| h.iter().filter_map(hexes).collect::<Vec<_>>()),
                "checkpoint": { "envelope": p["checkpoint"] },
            },
            "canonicalizedBody": body_b64,
        }))
    }

    /// The whole keyless flow for `blob`: certificate, signature, optional timestamp,
    /// `hashedrekord` entry; returns the v0.3 bundle.
    pub fn sign_blob(
        &self,
        token: &str,
        blob: &[u8],
        with_timestamp: bool,
    ) -> Result<Value, ClientError> {
        let cert = self.signing_cert(token)?;
        let sig: p256::ecdsa::Signature = self.key.sign(blob);
        let sig = sig.to_der().as_bytes().to_vec();
        let digest = Sha256::digest(blob);
        let tsv = if with_timestamp {
            json!({ "rfc3161Timestamps": [{ "signedTimestamp": B64.encode(self.timestamp(&sig)?) }] })
        } else {
            json!({})
        };
        let proposed = json!({
            "apiVersion": "0.0.1",
            "kind": "hashedrekord",
            "spec": {
                "data": { "hash": { "algorithm": "sha256", "value": crate::log::hex(&digest) } },
                "signature": {
                    "content": B64.encode(&sig),
                    "publicKey": { "content": B64.encode(pem("CERTIFICATE", &cert)) },
                },
            },
        });
        let entry = self.post_entry(&proposed)?;
        Ok(json!({
            "mediaType": BUNDLE_MEDIA_TYPE,
            "verificationMaterial": {
                "certificate": { "rawBytes": B64.encode(&cert) },
                "tlogEntries": [entry],
                "timestampVerificationData": tsv,
            },
            "messageSignature": {
                "messageDigest": { "algorithm": "SHA2_256", "digest": B64.encode(digest) },
                "signature": B64.encode(&sig),
            },
        }))
    }
}
