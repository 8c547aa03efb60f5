//! Attestation files in the shapes found in the wild, split into individual attestations:
//!
//! - `.intoto.jsonl`: one JSON document per line (DSSE envelopes or Sigstore bundles);
//! - a single DSSE envelope or a single Sigstore bundle (pretty-printed or not);
//! - npm's attestations document `{"attestations": [{"predicateType": ..., "bundle": {...}}]}`.
//!
//! Nothing here checks a signature: an [`Attestation`] is untrusted until verified. Every
//! document is parsed strictly ([`sigil_core::json::parse`]): a key named twice is refused.

use serde_json::Value;
use thiserror::Error;

use crate::dsse::{Envelope, EnvelopeParseError};

/// Largest attestation file accepted.
pub const MAX_DOCUMENT_BYTES: usize = 64 * 1024 * 1024;
/// At most this many attestations are read from one file.
pub const MAX_ATTESTATIONS: usize = 4096;

/// One attestation, not yet verified.
#[derive(Debug, Clone, PartialEq)]
pub enum Attestation {
    /// A bare DSSE envelope (key-signed).
    Dsse(Envelope),
    /// A Sigstore bundle whose content is a DSSE envelope.
    Bundle {
        /// The bundle as JSON text, for the Sigstore verifier.
        json: String,
        /// The bundle's `mediaType`.
        media_type: String,
        /// Its `dsseEnvelope`, parsed.
        envelope: Envelope,
    },
}

impl Attestation {
    /// The envelope, whatever carries it.
    pub fn envelope(&self) -> &Envelope {
        match self {
            Attestation::Dsse(e) | Attestation::Bundle { envelope: e, .. } => e,
        }
    }

    /// `dsse` or `sigstore-bundle`.
    pub fn kind(&self) -> &'static str {
        match self {
            Attestation::Dsse(_) => "dsse",
            Attestation::Bundle { .. } => "sigstore-bundle",
        }
    }
}

/// An attestation with where it was found (`line 2`, `attestations[1]`, `document`).
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// Where in the file.
    pub location: String,
    /// The attestation, or why this entry is not one.
    pub item: Result<Attestation, DocumentError>,
}

/// Why a file or an entry is not an attestation.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum DocumentError {
    /// Larger than [`MAX_DOCUMENT_BYTES`].
    #[error("attestation file is larger than {MAX_DOCUMENT_BYTES} bytes")]
    TooLarge,
    /// More than [`MAX_ATTESTATIONS`] entries.
    #[error("attestation file has more than {MAX_ATTESTATIONS} entries")]
    TooMany,
    /// Nothing in the file.
    #[error("attestation file is empty")]
    Empty,
    /// Not JSON.
    #[error("not JSON: {0}")]
    Json(String),
    /// JSON, but neither a DSSE envelope, a Sigstore bundle nor an npm attestations document.
    #[error("not a DSSE envelope, Sigstore bundle or npm attestations document")]
    Unrecognised,
    /// A Sigstore bundle that signs a message, not a DSSE envelope.
    #[error("Sigstore bundle carries no DSSE envelope")]
    NoEnvelope,
    /// The DSSE envelope is malformed.
    #[error(transparent)]
    Envelope(#[from] EnvelopeParseError),
}

fn classify(v: Value) -> Result<Attestation, DocumentError> {
    // cosign `attest-blob --bundle` output: the Sigstore bundle v0.1 it stands for.
    if sigil_sigstore::cosign::is_cosign_bundle(&v) {
        let json = sigil_sigstore::cosign::to_bundle_json(&v)
            .map_err(|e| DocumentError::Json(e.to_string()))?;
        let bundle =
            sigil_core::json::parse_str(&json).map_err(|e| DocumentError::Json(e.to_string()))?;
        return classify(bundle);
    }
    let obj = v.as_object().ok_or(DocumentError::Unrecognised)?;
    if obj.contains_key("verificationMaterial") || obj.contains_key("mediaType") {
        let media_type = obj
            .get("mediaType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let env = obj.get("dsseEnvelope").ok_or(DocumentError::NoEnvelope)?;
        let envelope = Envelope::from_value(env)?;
        let json = serde_json::to_string(&v).map_err(|e| DocumentError::Json(e.to_string()))?;
        return Ok(Attestation::Bundle {
            json,
            media_type,
            envelope,
        });
    }
    if obj.contains_key("payload") && obj.contains_key("payloadType") {
        return Ok(Attestation::Dsse(Envelope::from_value(&v)?));
    }
    Err(DocumentError::Unrecognised)
}

/// Splits an attestation file into attestations. A file-level problem is an `Err`; a bad
/// entry among good ones is reported in its [`Located::item`].
pub fn read(text: &str) -> Result<Vec<Located>, DocumentError> {
    if text.len() > MAX_DOCUMENT_BYTES {
        return Err(DocumentError::TooLarge);
    }
    if text.trim().is_empty() {
        return Err(DocumentError::Empty);
    }
    // One JSON document (possibly pretty-printed) first, then JSON Lines.
    if let Ok(v) = sigil_core::json::parse_str(text) {
        if let Some(list) = v.get("attestations").and_then(Value::as_array) {
            if list.len() > MAX_ATTESTATIONS {
                return Err(DocumentError::TooMany);
            }
            return Ok(list
                .iter()
                .enumerate()
                .map(|(i, a)| Located {
                    location: format!("attestations[{i}]"),
                    item: a
                        .get("bundle")
                        .cloned()
                        .ok_or(DocumentError::Unrecognised)
                        .and_then(classify),
                })
                .collect());
        }
        return Ok(vec![Located {
            location: "document".into(),
            item: classify(v),
        }]);
    }
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        if out.len() == MAX_ATTESTATIONS {
            return Err(DocumentError::TooMany);
        }
        let item = sigil_core::json::parse_str(line)
            .map_err(|e| DocumentError::Json(e.to_string()))
            .and_then(classify);
        out.push(Located {
            location: format!("line {}", n + 1),
            item,
        });
    }
    if out
        .iter()
        .all(|l| matches!(l.item, Err(DocumentError::Json(_))))
    {
        // Not JSON Lines either: report the whole-document parse error.
        let e = sigil_core::json::parse_str(text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        return Err(DocumentError::Json(e));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ENV: &str = r#"{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"keyid":"","sig":"AA=="}]}"#;

    fn check(input: &str, expect: Result<Vec<(&str, Result<&str, DocumentError>)>, DocumentError>) {
        let got = read(input).map(|v| {
            v.into_iter()
                .map(|l| (l.location, l.item.map(|a| a.kind())))
                .collect::<Vec<_>>()
        });
        let expect = expect.map(|v| {
            v.into_iter()
                .map(|(l, k)| (l.to_owned(), k))
                .collect::<Vec<_>>()
        });
        assert_eq!(got, expect, "{input}");
    }

    #[test]
    fn shapes() {
        check(ENV, Ok(vec![("document", Ok("dsse"))]));
        check(
            &format!("{ENV}\n\n{ENV}\n"),
            Ok(vec![("line 1", Ok("dsse")), ("line 3", Ok("dsse"))]),
        );
        let bundle = format!(
            r#"{{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{{}},"dsseEnvelope":{ENV}}}"#
        );
        check(&bundle, Ok(vec![("document", Ok("sigstore-bundle"))]));
        check(
            &format!("{bundle}\n{ENV}"),
            Ok(vec![
                ("line 1", Ok("sigstore-bundle")),
                ("line 2", Ok("dsse")),
            ]),
        );
        let npm = format!(
            r#"{{"attestations":[{{"predicateType":"p","bundle":{bundle}}},{{"predicateType":"q"}}]}}"#
        );
        check(
            &npm,
            Ok(vec![
                ("attestations[0]", Ok("sigstore-bundle")),
                ("attestations[1]", Err(DocumentError::Unrecognised)),
            ]),
        );
        check(
            r#"{"mediaType":"m","messageSignature":{}}"#,
            Ok(vec![("document", Err(DocumentError::NoEnvelope))]),
        );
        check(
            r#"{"a":1}"#,
            Ok(vec![("document", Err(DocumentError::Unrecognised))]),
        );
        check("  \n", Err(DocumentError::Empty));
        assert!(matches!(read("not json"), Err(DocumentError::Json(_))));
        let partly = read(&format!("{ENV}\nnot json")).unwrap();
        assert!(partly[0].item.is_ok() && matches!(partly[1].item, Err(DocumentError::Json(_))));
    }

    #[test]
    fn duplicate_keys_are_refused_in_files_envelopes_and_statements() {
        // The envelope names `payload` twice (the second spelled with an escape).
        let dup_env = ENV.replacen("{", r#"{"p\u0061yload":"e30=","#, 1);
        assert_eq!(
            read(&dup_env),
            Err(DocumentError::Json(
                "duplicate key \"payload\" at line 1 column 32".into()
            ))
        );
        let lines = read(&format!("{ENV}\n{dup_env}\n")).unwrap();
        assert!(lines[0].item.is_ok());
        assert_eq!(
            lines[1].item,
            Err(DocumentError::Json(
                "duplicate key \"payload\" at line 1 column 32".into()
            ))
        );
        assert_eq!(
            Envelope::parse(&dup_env).err().map(|e| e.to_string()),
            Some("malformed DSSE envelope: duplicate key \"payload\" at line 1 column 32".into())
        );
        // Pretty-printed, so the JSON Lines fallback sees broken lines: the whole-document
        // error is the one reported.
        let pretty = "{\n \"payload\": \"e30=\",\n \"payload\": \"e30=\"\n}\n";
        assert_eq!(
            read(pretty),
            Err(DocumentError::Json(
                "duplicate key \"payload\" at line 3 column 10".into()
            ))
        );
        // The statement inside: a second `subject` would replace the first for serde_json.
        let st = br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"00"}}],"predicateType":"p","subject":[]}"#;
        assert_eq!(
            crate::Statement::parse(st).err().map(|e| e.to_string()),
            Some("statement is not a strict JSON object: duplicate key \"subject\" at line 1 column 122".into())
        );
    }

    proptest! {
        #[test]
        fn read_never_panics(s in ".{0,400}") {
            let _ = read(&s);
        }
    }
}
