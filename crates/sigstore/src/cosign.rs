//! cosign's own `--bundle` JSON, as `cosign sign-blob --bundle` and `cosign attest-blob
//! --bundle` write it (before the Sigstore bundle format):
//!
//! ```json
//! {"base64Signature": "...", "cert": "<base64 of the PEM certificate>",
//!  "rekorBundle": {"SignedEntryTimestamp": "...",
//!                  "Payload": {"body": "...", "integratedTime": 0, "logIndex": 0, "logID": "<hex>"}}}
//! ```
//!
//! For `sign-blob`, `base64Signature` is the signature over the blob (a `hashedrekord` entry);
//! for `attest-blob` it is the base64 of the whole DSSE envelope (an `intoto` or `dsse` entry).
//! [`to_bundle_json`] rewrites the document as the Sigstore bundle v0.1 it is equivalent to (a
//! v0.1 bundle may prove inclusion by the signed entry timestamp alone), so the one verifier
//! checks both: certificate chain and SCT, the SET over the entry, the entry against the
//! signature, and the signature against the artifact.

use base64::Engine as _;
use serde_json::{json, Map, Value};

/// Why a document is not a cosign bundle.
#[derive(Debug, thiserror::Error)]
#[error("not a cosign bundle: {0}")]
#[non_exhaustive]
pub struct CosignError(pub String);

fn err(m: impl Into<String>) -> CosignError {
    CosignError(m.into())
}

/// Whether a JSON value looks like a cosign `--bundle` document.
pub fn is_cosign_bundle(v: &Value) -> bool {
    v.get("base64Signature").is_some() && v.get("rekorBundle").is_some()
}

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn str_field<'a>(o: &'a Map<String, Value>, k: &str) -> Result<&'a str, CosignError> {
    o.get(k)
        .and_then(Value::as_str)
        .ok_or_else(|| err(format!("no {k}")))
}

fn int_field(o: &Map<String, Value>, k: &str) -> Result<u64, CosignError> {
    match o.get(k) {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .ok_or_else(|| err(format!("{k} is not a non-negative integer")))
}

/// The DER of a certificate given as PEM, or as base64 of PEM (what cosign writes).
fn certificate_der(cert: &str) -> Result<Vec<u8>, CosignError> {
    let pem = if cert.trim_start().starts_with("-----BEGIN") {
        cert.to_owned()
    } else {
        let bytes = B64
            .decode(cert.trim())
            .map_err(|_| err("cert is not base64"))?;
        String::from_utf8(bytes).map_err(|_| err("cert is not a PEM certificate"))?
    };
    let mut lines = pem.lines().map(str::trim).filter(|l| !l.is_empty());
    if lines.next() != Some("-----BEGIN CERTIFICATE-----") {
        return Err(err("cert is not a PEM certificate"));
    }
    let mut body = String::new();
    let mut ended = false;
    for l in lines.by_ref() {
        if l == "-----END CERTIFICATE-----" {
            ended = true;
            break;
        }
        body.push_str(l);
    }
    // One certificate: the leaf. A chain after it is not read (the trusted root has it).
    if !ended {
        return Err(err("cert is not a PEM certificate"));
    }
    B64.decode(body)
        .map_err(|_| err("cert is not a PEM certificate"))
}

/// Rewrites a cosign `--bundle` document as the equivalent Sigstore bundle v0.1 (JSON).
pub fn to_bundle_json(v: &Value) -> Result<String, CosignError> {
    let o = v.as_object().ok_or_else(|| err("not a JSON object"))?;
    let sig = str_field(o, "base64Signature")?;
    let sig_bytes = B64
        .decode(sig)
        .map_err(|_| err("base64Signature is not base64"))?;
    let cert = certificate_der(str_field(o, "cert")?)?;
    let rb = o
        .get("rekorBundle")
        .and_then(Value::as_object)
        .ok_or_else(|| err("rekorBundle is not an object"))?;
    let set = str_field(rb, "SignedEntryTimestamp")?;
    let payload = rb
        .get("Payload")
        .and_then(Value::as_object)
        .ok_or_else(|| err("rekorBundle has no Payload"))?;
    let body_b64 = str_field(payload, "body")?;
    let body: Value = B64
        .decode(body_b64)
        .ok()
        .and_then(|b| sigil_core::json::parse(&b).ok())
        .ok_or_else(|| err("Payload.body is not base64 JSON"))?;
    let kind = body
        .get("kind")
        .and_then(Value::as_str)
        .ok_or_else(|| err("Payload.body has no kind"))?;
    let version = body
        .get("apiVersion")
        .and_then(Value::as_str)
        .ok_or_else(|| err("Payload.body has no apiVersion"))?;
    let log_id = sigil_core::hex::decode(str_field(payload, "logID")?)
        .map_err(|_| err("Payload.logID is not hex"))?;
    let entry = json!({
        "logIndex": int_field(payload, "logIndex")?.to_string(),
        "logId": { "keyId": B64.encode(log_id) },
        "kindVersion": { "kind": kind, "version": version },
        "integratedTime": int_field(payload, "integratedTime")?.to_string(),
        "inclusionPromise": { "signedEntryTimestamp": set },
        "canonicalizedBody": body_b64,
    });
    let mut bundle = json!({
        "mediaType": "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "verificationMaterial": {
            "x509CertificateChain": { "certificates": [{ "rawBytes": B64.encode(cert) }] },
            "tlogEntries": [entry],
        },
    });
    let envelope = sigil_core::json::parse(&sig_bytes)
        .ok()
        .filter(|e| e.get("payloadType").is_some() && e.get("signatures").is_some());
    match (kind, envelope) {
        ("hashedrekord", _) => {
            let hash = body
                .pointer("/spec/data/hash")
                .ok_or_else(|| err("hashedrekord body has no spec.data.hash"))?;
            let alg = match hash.get("algorithm").and_then(Value::as_str) {
                Some("sha256") => "SHA2_256",
                Some("sha384") => "SHA2_384",
                Some("sha512") => "SHA2_512",
                _ => return Err(err("hashedrekord body names an unknown hash algorithm")),
            };
            let digest = hash
                .get("value")
                .and_then(Value::as_str)
                .and_then(|h| sigil_core::hex::decode(h).ok())
                .ok_or_else(|| err("hashedrekord body hash is not hex"))?;
            bundle["messageSignature"] = json!({
                "messageDigest": { "algorithm": alg, "digest": B64.encode(digest) },
                "signature": sig,
            });
        }
        ("intoto" | "dsse", Some(env)) => bundle["dsseEnvelope"] = env,
        ("intoto" | "dsse", None) => {
            return Err(err(
                "base64Signature of an attestation is not a DSSE envelope",
            ))
        }
        (other, _) => {
            return Err(err(format!(
                "unsupported Rekor entry kind {:?}",
                other.chars().take(40).collect::<String>()
            )))
        }
    }
    Ok(bundle.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_documents_are_errors() {
        let e = |s: &str| {
            let v: Value = serde_json::from_str(s).unwrap_or(Value::Null);
            to_bundle_json(&v).map_err(|e| e.to_string())
        };
        assert_eq!(
            e("[]"),
            Err("not a cosign bundle: not a JSON object".into())
        );
        assert_eq!(
            e(r#"{"base64Signature":"!!","rekorBundle":{}}"#),
            Err("not a cosign bundle: base64Signature is not base64".into())
        );
        assert_eq!(
            e(r#"{"base64Signature":"AA==","cert":"AA==","rekorBundle":{}}"#),
            Err("not a cosign bundle: cert is not a PEM certificate".into())
        );
        let pem = B64.encode("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assert_eq!(
            e(&format!(
                r#"{{"base64Signature":"AA==","cert":"{pem}","rekorBundle":{{"SignedEntryTimestamp":"AA==","Payload":{{"body":"e30=","integratedTime":1,"logIndex":1,"logID":"00"}}}}}}"#
            )),
            Err("not a cosign bundle: Payload.body has no kind".into())
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
                let _ = to_bundle_json(&v);
            }
        }
    }
}
