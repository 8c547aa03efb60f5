//! A Rekor-v1-like transparency log: an RFC 6962 Merkle tree over canonicalized entry bodies,
//! signed checkpoints (signed-note format), signed entry timestamps and inclusion proofs.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use p256::ecdsa::signature::Signer as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::x509::{p256_spki_der, pem};
use crate::Error;

/// RFC 6962 leaf hash: SHA-256(0x00 || data).
pub fn leaf_hash(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

fn node_hash(l: &[u8; 32], r: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(l);
    h.update(r);
    h.finalize().into()
}

/// Largest power of two strictly below `n` (n >= 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// RFC 6962 Merkle tree hash over leaf hashes.
pub fn root_hash(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => leaves[0],
        n => {
            let k = split(n);
            node_hash(&root_hash(&leaves[..k]), &root_hash(&leaves[k..]))
        }
    }
}

/// RFC 6962 audit path for leaf `m`, ordered from the leaf upwards.
pub fn inclusion_path(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = split(n);
    if m < k {
        let mut p = inclusion_path(m, &leaves[..k]);
        p.push(root_hash(&leaves[k..]));
        p
    } else {
        let mut p = inclusion_path(m - k, &leaves[k..]);
        p.push(root_hash(&leaves[..k]));
        p
    }
}

/// The root an audit path leads to from leaf hash `leaf` at `index` in a tree of `size`
/// (RFC 9162 §2.1.3.2), as verifiers recompute it; `None` when `index >= size`.
pub fn root_from_inclusion_path(
    index: u64,
    size: u64,
    leaf: [u8; 32],
    path: &[[u8; 32]],
) -> Option<[u8; 32]> {
    if index >= size {
        return None;
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = leaf;
    for p in path {
        if fnode % 2 == 1 || fnode == snode {
            r = node_hash(p, &r);
            while fnode % 2 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    Some(r)
}

/// One integrated entry, with everything a v0.3 bundle's `tlogEntries[]` needs.
#[derive(Debug, Clone)]
pub struct LogEntry {
    /// The canonicalized body (JSON bytes).
    pub body: Vec<u8>,
    /// `hashedrekord` or `dsse`.
    pub kind: &'static str,
    /// Index in the log.
    pub log_index: u64,
    /// Integrated time, Unix seconds.
    pub integrated_time: i64,
    /// Log ID (SHA-256 of the log key).
    pub log_id: [u8; 32],
    /// Signed entry timestamp (DER ECDSA signature).
    pub set: Vec<u8>,
    /// Tree size the proof is for.
    pub tree_size: u64,
    /// Root hash at `tree_size`.
    pub root_hash: [u8; 32],
    /// Audit path.
    pub hashes: Vec<[u8; 32]>,
    /// Signed checkpoint (signed note) for `tree_size` and `root_hash`.
    pub checkpoint: String,
}

impl LogEntry {
    /// The bundle JSON of this entry (`TransparencyLogEntry`, protobuf JSON mapping).
    pub fn to_json(&self) -> Value {
        json!({
            "logIndex": self.log_index.to_string(),
            "logId": { "keyId": B64.encode(self.log_id) },
            "kindVersion": { "kind": self.kind, "version": "0.0.1" },
            "integratedTime": self.integrated_time.to_string(),
            "inclusionPromise": { "signedEntryTimestamp": B64.encode(&self.set) },
            "inclusionProof": {
                "logIndex": self.log_index.to_string(),
                "rootHash": B64.encode(self.root_hash),
                "treeSize": self.tree_size.to_string(),
                "hashes": self.hashes.iter().map(|h| B64.encode(h)).collect::<Vec<_>>(),
                "checkpoint": { "envelope": self.checkpoint },
            },
            "canonicalizedBody": B64.encode(&self.body),
        })
    }
}

/// The test Rekor: a P-256 key, an origin line and the leaves so far.
pub struct Rekor {
    key: p256::ecdsa::SigningKey,
    spki_der: Vec<u8>,
    log_id: [u8; 32],
    origin: String,
    leaves: Vec<[u8; 32]>,
}

impl std::fmt::Debug for Rekor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rekor({:?}, {} entries)", self.origin, self.leaves.len())
    }
}

/// The host part of the origin names the checkpoint signer, as Rekor does.
const LOG_NAME: &str = "rekor.sigil.test";

impl Rekor {
    /// A log with a fresh key and `prefill` unrelated entries already in it (so proofs are
    /// not trivial).
    pub fn new(prefill: usize) -> Result<Self, Error> {
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let spki_der = p256_spki_der(key.verifying_key())?;
        let log_id: [u8; 32] = Sha256::digest(&spki_der).into();
        let tree_id = u64::from_be_bytes([
            log_id[0] & 0x7f,
            log_id[1],
            log_id[2],
            log_id[3],
            log_id[4],
            log_id[5],
            log_id[6],
            log_id[7],
        ]);
        let leaves = (0..prefill)
            .map(|i| leaf_hash(format!("sigil-test-sigstore filler entry {i}").as_bytes()))
            .collect();
        Ok(Rekor {
            key,
            spki_der,
            log_id,
            origin: format!("{LOG_NAME} - {tree_id}"),
            leaves,
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

    /// The checkpoint origin line.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Number of entries.
    pub fn size(&self) -> u64 {
        self.leaves.len() as u64
    }

    /// A signed checkpoint (signed note) for `size` and `root`: the note text, a blank line,
    /// and `— NAME base64(key hint || signature)` where the key hint is the log ID's first
    /// four bytes.
    pub fn checkpoint(&self, size: u64, root: &[u8; 32]) -> String {
        let note = format!("{}\n{size}\n{}\n", self.origin, B64.encode(root));
        let sig: p256::ecdsa::Signature = self.key.sign(note.as_bytes());
        let mut blob = self.log_id[..4].to_vec();
        blob.extend_from_slice(sig.to_der().as_bytes());
        format!("{note}\n\u{2014} {LOG_NAME} {}\n", B64.encode(blob))
    }

    /// The signed entry timestamp: a signature over the canonical JSON of body (base64),
    /// integratedTime, logID (hex) and logIndex.
    pub fn set(&self, body: &[u8], integrated_time: i64, log_index: u64) -> Vec<u8> {
        let payload = format!(
            r#"{{"body":"{}","integratedTime":{integrated_time},"logID":"{}","logIndex":{log_index}}}"#,
            B64.encode(body),
            hex(&self.log_id),
        );
        let sig: p256::ecdsa::Signature = self.key.sign(payload.as_bytes());
        sig.to_der().as_bytes().to_vec()
    }

    /// The root hash of the tree as it now is.
    pub fn current_root(&self) -> [u8; 32] {
        root_hash(&self.leaves)
    }

    /// Appends a canonicalized body and returns the entry with its SET, inclusion proof and
    /// checkpoint for the tree as it now is.
    pub fn append(&mut self, kind: &'static str, body: Vec<u8>, integrated_time: i64) -> LogEntry {
        let index = self.leaves.len();
        self.leaves.push(leaf_hash(&body));
        let root = root_hash(&self.leaves);
        let size = self.size();
        LogEntry {
            set: self.set(&body, integrated_time, index as u64),
            kind,
            log_index: index as u64,
            integrated_time,
            log_id: self.log_id,
            tree_size: size,
            root_hash: root,
            hashes: inclusion_path(index, &self.leaves),
            checkpoint: self.checkpoint(size, &root),
            body,
        }
    }
}

pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A `hashedrekord` v0.0.1 body, canonical (sorted keys, no spaces): the artifact's SHA-256,
/// the signature and the signing certificate as base64 PEM.
pub fn hashedrekord_body(sha256: &[u8; 32], signature: &[u8], cert_der: &[u8]) -> Vec<u8> {
    let v = json!({
        "apiVersion": "0.0.1",
        "kind": "hashedrekord",
        "spec": {
            "data": { "hash": { "algorithm": "sha256", "value": hex(sha256) } },
            "signature": {
                "content": B64.encode(signature),
                "publicKey": { "content": B64.encode(pem("CERTIFICATE", cert_der)) },
            },
        },
    });
    canonical(&v)
}

/// A `dsse` v0.0.1 body: hashes of the envelope and of the payload, and the signature with the
/// certificate (base64 PEM) as verifier.
pub fn dsse_body(
    envelope_json: &[u8],
    payload: &[u8],
    signature: &[u8],
    cert_der: &[u8],
) -> Vec<u8> {
    let v = json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "envelopeHash": { "algorithm": "sha256", "value": hex(&Sha256::digest(envelope_json)) },
            "payloadHash": { "algorithm": "sha256", "value": hex(&Sha256::digest(payload)) },
            "signatures": [{
                "signature": B64.encode(signature),
                "verifier": B64.encode(pem("CERTIFICATE", cert_der)),
            }],
        },
    });
    canonical(&v)
}

/// JSON with object keys sorted and no whitespace (RFC 8785 for the ASCII strings used here).
pub(crate) fn canonical(v: &Value) -> Vec<u8> {
    fn write(v: &Value, out: &mut String) {
        match v {
            Value::Object(m) => {
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                out.push('{');
                for (i, k) in keys.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Value::String((*k).clone()).to_string());
                    out.push(':');
                    write(&m[*k], out);
                }
                out.push('}');
            }
            Value::Array(a) => {
                out.push('[');
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write(x, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
    }
    let mut s = String::new();
    write(v, &mut s);
    s.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inclusion_paths_lead_to_the_root_for_every_leaf_and_size() {
        for n in 1..=17usize {
            let leaves: Vec<[u8; 32]> = (0..n).map(|i| leaf_hash(&[i as u8])).collect();
            let root = root_hash(&leaves);
            for m in 0..n {
                let p = inclusion_path(m, &leaves);
                assert_eq!(
                    root_from_inclusion_path(m as u64, n as u64, leaves[m], &p),
                    Some(root),
                    "leaf {m} of {n}"
                );
            }
        }
    }

    #[test]
    fn canonical_json_sorts_keys_without_spaces() {
        let v = json!({"b": 1, "a": {"d": [1, "x"], "c": null}});
        assert_eq!(
            canonical(&v),
            br#"{"a":{"c":null,"d":[1,"x"]},"b":1}"#.to_vec()
        );
    }
}
