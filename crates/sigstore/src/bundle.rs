//! Parsing Sigstore bundles and the documents that carry them.
//!
//! Bundles are signed JSON, so they are parsed strictly ([`sigil_core::json::parse`]: a key named
//! twice is refused, here and in the in-toto payload of a DSSE bundle), and the protobuf-specs
//! rules serde alone would let through are checked: a `mediaType` of a known version is
//! required, and exactly one of `messageSignature` and `dsseEnvelope`.

use sigstore_verify::types::bundle::VerificationMaterialContent;
use sigstore_verify::types::{Bundle as RawBundle, SignatureContent};

/// Bundles (and documents holding several) larger than this are refused before parsing.
pub const MAX_BUNDLE_FILE: usize = 16 * 1024 * 1024;

/// Why bytes are not a Sigstore bundle. All of these mean "not verified".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleParseError {
    /// Over [`MAX_BUNDLE_FILE`].
    #[error("bundle is larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// Not UTF-8.
    #[error("bundle is not UTF-8 text")]
    NotUtf8,
    /// Empty, or only whitespace.
    #[error("bundle is empty")]
    Empty,
    /// Not a valid bundle of a known media type (v0.1, v0.2, v0.3).
    #[error("{}is not a valid sigstore bundle", where_(*line, *index))]
    Invalid {
        /// 1-based line, for JSON Lines input.
        line: Option<usize>,
        /// 0-based position in an npm attestations document.
        index: Option<usize>,
        /// The parser's complaint.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Why a JSON document is not a well-formed bundle, before the bundle types are even read:
/// the rules of the Sigstore protobuf-specs JSON encoding that serde alone does not hold.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleShapeError {
    /// Not strict JSON: a syntax error, or an object that names a key twice.
    #[error(transparent)]
    Json(#[from] sigil_core::json::StrictJsonError),
    /// Not a JSON object.
    #[error("a bundle is a JSON object")]
    NotObject,
    /// No `mediaType`: the version, and so the rules, would be a guess.
    #[error("bundle has no mediaType")]
    MissingMediaType,
    /// A `mediaType` that is not a bundle version sigil reads.
    #[error("unsupported bundle mediaType {found:?} (expected {})", MEDIA_TYPES.join(", "))]
    UnsupportedMediaType {
        /// What the bundle says, cut to 100 characters.
        found: String,
    },
    /// Both `messageSignature` and `dsseEnvelope` (the specs' `oneof content`).
    #[error("bundle has both messageSignature and dsseEnvelope; exactly one is allowed")]
    BothContents,
    /// Neither `messageSignature` nor `dsseEnvelope`.
    #[error("bundle has neither messageSignature nor dsseEnvelope")]
    NoContent,
    /// The in-toto payload of the DSSE envelope is not strict JSON.
    #[error("the in-toto statement in dsseEnvelope is not strict JSON")]
    Payload(#[source] sigil_core::json::StrictJsonError),
}

/// The bundle media types read: v0.1, v0.2 and v0.3 (and v0.3's older spelling, which the
/// protobuf-specs say clients must still accept).
pub const MEDIA_TYPES: &[&str] = &[
    "application/vnd.dev.sigstore.bundle+json;version=0.1",
    "application/vnd.dev.sigstore.bundle+json;version=0.2",
    "application/vnd.dev.sigstore.bundle.v0.3+json",
    "application/vnd.dev.sigstore.bundle+json;version=0.3",
];

/// The checks of [`BundleShapeError`] on a strictly parsed document.
fn check_shape(text: &str) -> Result<(), BundleShapeError> {
    let v = sigil_core::json::parse_str(text)?;
    let obj = v.as_object().ok_or(BundleShapeError::NotObject)?;
    match obj.get("mediaType") {
        None => return Err(BundleShapeError::MissingMediaType),
        Some(serde_json::Value::String(m)) if MEDIA_TYPES.contains(&m.as_str()) => {}
        Some(other) => {
            let shown = match other {
                serde_json::Value::String(s) => s.chars().take(100).collect(),
                o => o.to_string().chars().take(100).collect(),
            };
            return Err(BundleShapeError::UnsupportedMediaType { found: shown });
        }
    }
    match (
        obj.contains_key("messageSignature"),
        obj.contains_key("dsseEnvelope"),
    ) {
        (true, true) => Err(BundleShapeError::BothContents),
        (false, false) => Err(BundleShapeError::NoContent),
        _ => Ok(()),
    }
}

fn where_(line: Option<usize>, index: Option<usize>) -> String {
    match (line, index) {
        (Some(l), _) => format!("line {l} "),
        (None, Some(i)) => format!("attestations[{i}] "),
        (None, None) => String::new(),
    }
}

/// How the bundle's signer is identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignerKind {
    /// A Fulcio certificate (keyless).
    Certificate,
    /// A public key hint (managed key, supplied out of band).
    PublicKey,
}

/// What the bundle signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ContentKind {
    /// A signature over the artifact (hashedrekord).
    MessageSignature,
    /// A DSSE envelope (dsse or intoto entry), normally an in-toto statement about the artifact.
    Dsse,
}

/// A parsed, not yet verified, Sigstore bundle.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub(crate) inner: RawBundle,
    /// `predicateType` beside the bundle in an npm attestations document.
    predicate_type: Option<String>,
}

impl Bundle {
    /// Parses one bundle (JSON object).
    pub fn parse(bytes: &[u8]) -> Result<Self, BundleParseError> {
        let text = text(bytes)?;
        if text.trim().is_empty() {
            return Err(BundleParseError::Empty);
        }
        parse_one(text, None, None)
    }

    /// The bundle's media type, e.g. `application/vnd.dev.sigstore.bundle.v0.3+json`.
    pub fn media_type(&self) -> &'static str {
        self.inner.media_type.as_str()
    }

    /// Keyless or managed key, as the bundle claims.
    pub fn signer_kind(&self) -> SignerKind {
        match self.inner.verification_material.content {
            VerificationMaterialContent::PublicKey(_) => SignerKind::PublicKey,
            _ => SignerKind::Certificate,
        }
    }

    /// Message signature or DSSE envelope.
    pub fn content_kind(&self) -> ContentKind {
        match self.inner.content {
            SignatureContent::DsseEnvelope(_) => ContentKind::Dsse,
            _ => ContentKind::MessageSignature,
        }
    }

    /// The npm `predicateType` this bundle was listed under, if it came from an npm
    /// attestations document (unauthenticated label; the DSSE payload is what is signed).
    pub fn listed_predicate_type(&self) -> Option<&str> {
        self.predicate_type.as_deref()
    }
}

fn text(bytes: &[u8]) -> Result<&str, BundleParseError> {
    if bytes.len() > MAX_BUNDLE_FILE {
        return Err(BundleParseError::TooLarge {
            limit: MAX_BUNDLE_FILE,
        });
    }
    std::str::from_utf8(bytes).map_err(|_| BundleParseError::NotUtf8)
}

fn parse_one(
    text: &str,
    line: Option<usize>,
    index: Option<usize>,
) -> Result<Bundle, BundleParseError> {
    let invalid = |source: Box<dyn std::error::Error + Send + Sync>| BundleParseError::Invalid {
        line,
        index,
        source,
    };
    check_shape(text).map_err(|e| invalid(Box::new(e)))?;
    let inner = RawBundle::from_json(text).map_err(|e| invalid(Box::new(e)))?;
    // The statement a DSSE bundle carries is signed JSON too: strict, like the bundle.
    if let SignatureContent::DsseEnvelope(env) = &inner.content {
        if env.payload_type == "application/vnd.in-toto+json" {
            sigil_core::json::parse(env.payload.as_bytes())
                .map_err(|e| invalid(Box::new(BundleShapeError::Payload(e))))?;
        }
    }
    Ok(Bundle {
        inner,
        predicate_type: None,
    })
}

/// Parses every bundle in a file: a single bundle, JSON Lines of bundles (`.intoto.jsonl`,
/// `.sigstore.jsonl`, `gh attestation download` output), an npm registry attestations document
/// (`{"attestations":[{"predicateType":..,"bundle":{..}},..]}`), cosign's `--bundle` JSON
/// ([`crate::cosign`]) or a PEP 740 attestation object ([`crate::pep740`]). Any invalid entry fails the
/// whole file: evidence is never silently skipped.
pub fn parse_bundles(bytes: &[u8]) -> Result<Vec<Bundle>, BundleParseError> {
    let text = text(bytes)?;
    if text.trim().is_empty() {
        return Err(BundleParseError::Empty);
    }
    // A whole-document parse first: one bundle or an npm document, pretty-printed or not.
    // Strict, so a document that names a key twice is read as JSON Lines, where it fails.
    let whole = match sigil_core::json::parse_str(text) {
        Err(e) if e.is_duplicate_key() => {
            return Err(BundleParseError::Invalid {
                line: None,
                index: None,
                source: Box::new(BundleShapeError::Json(e)),
            })
        }
        other => other,
    };
    if let Ok(serde_json::Value::Object(doc)) = whole {
        if let (Some(serde_json::Value::Array(items)), false) =
            (doc.get("attestations"), doc.contains_key("mediaType"))
        {
            if items.is_empty() {
                return Err(BundleParseError::Empty);
            }
            return items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let bundle = item
                        .get("bundle")
                        .ok_or_else(|| BundleParseError::Invalid {
                            line: None,
                            index: Some(i),
                            source: "entry has no bundle".into(),
                        })?;
                    let mut b = parse_one(&bundle.to_string(), None, Some(i))?;
                    b.predicate_type = item
                        .get("predicateType")
                        .and_then(|p| p.as_str())
                        .map(str::to_owned);
                    Ok(b)
                })
                .collect();
        }
        // cosign's own `--bundle` JSON and PEP 740 attestation objects stand for one bundle.
        let value = serde_json::Value::Object(doc);
        if crate::cosign::is_cosign_bundle(&value) {
            let json =
                crate::cosign::to_bundle_json(&value).map_err(|e| BundleParseError::Invalid {
                    line: None,
                    index: None,
                    source: Box::new(e),
                })?;
            return parse_one(&json, None, None).map(|b| vec![b]);
        }
        if crate::pep740::is_attestation_object(&value) {
            let json = crate::pep740::attestation_bundle(&value).map_err(|e| {
                BundleParseError::Invalid {
                    line: None,
                    index: None,
                    source: Box::new(e),
                }
            })?;
            return parse_one(&json, None, None).map(|b| vec![b]);
        }
        return parse_one(text, None, None).map(|b| vec![b]);
    }
    // Otherwise JSON Lines: one bundle per non-blank line.
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(n, l)| parse_one(l, Some(n + 1), None))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: &str) {
        let got = match parse_bundles(input.as_bytes()) {
            Ok(v) => v
                .iter()
                .map(|b| format!("{:?}/{:?}", b.signer_kind(), b.content_kind()))
                .collect::<Vec<_>>()
                .join(","),
            Err(e) => e.to_string(),
        };
        assert_eq!(got, expect, "{input}");
    }

    #[test]
    fn accessors_report_what_the_bundle_holds() {
        const VM: &str = r#""verificationMaterial":{"publicKey":{"hint":"x"},"tlogEntries":[]}"#;
        const DS: &str = r#""dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AAAA","keyid":""}]}"#;
        const V3: &str = r#""mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json""#;
        let one = format!("{{{V3},{VM},{DS}}}");
        let b = Bundle::parse(one.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            b.media_type(),
            "application/vnd.dev.sigstore.bundle.v0.3+json"
        );
        assert_eq!(
            (b.signer_kind(), b.content_kind()),
            (SignerKind::PublicKey, ContentKind::Dsse)
        );
        assert_eq!(b.listed_predicate_type(), None);
        let listed = format!(
            "{{\"attestations\":[{{\"predicateType\":\"https://slsa.dev/provenance/v1\",\"bundle\":{one}}}]}}"
        );
        let v = parse_bundles(listed.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            v.iter()
                .map(Bundle::listed_predicate_type)
                .collect::<Vec<_>>(),
            [Some("https://slsa.dev/provenance/v1")]
        );
    }

    #[test]
    fn bundle_size_limit_is_inclusive() {
        let at = vec![b'a'; MAX_BUNDLE_FILE];
        assert!(text(&at).is_ok());
        let over = vec![b'a'; MAX_BUNDLE_FILE + 1];
        assert!(matches!(
            text(&over),
            Err(BundleParseError::TooLarge {
                limit: MAX_BUNDLE_FILE
            })
        ));
    }

    #[test]
    fn rejects_non_bundles() {
        check("", "bundle is empty");
        check(" \n\n", "bundle is empty");
        check("{}", "is not a valid sigstore bundle");
        check("[]", "line 1 is not a valid sigstore bundle");
        check("{\"attestations\":[]}", "bundle is empty");
        check(
            "{\"attestations\":[{}]}",
            "attestations[0] is not a valid sigstore bundle",
        );
        check(
            "{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=9\"}",
            "is not a valid sigstore bundle",
        );
        check("null\n{}", "line 1 is not a valid sigstore bundle");
        assert_eq!(
            parse_bundles(&[0xff, 0xfe]).err().map(|e| e.to_string()),
            Some("bundle is not UTF-8 text".to_owned())
        );
    }

    fn shape(input: &str) -> String {
        match Bundle::parse(input.as_bytes()) {
            Ok(_) => "ok".to_owned(),
            Err(e) => {
                let mut s = e.to_string();
                let mut cur = std::error::Error::source(&e);
                while let Some(c) = cur {
                    s.push_str(": ");
                    s.push_str(&c.to_string());
                    cur = c.source();
                }
                s
            }
        }
    }

    #[test]
    fn specs_rules_serde_would_let_through_are_refused() {
        const VM: &str = r#""verificationMaterial":{"publicKey":{"hint":"x"},"tlogEntries":[]}"#;
        const MS: &str = r#""messageSignature":{"signature":"AAAA"}"#;
        const DS: &str = r#""dsseEnvelope":{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AAAA","keyid":""}]}"#;
        const V3: &str = r#""mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json""#;
        assert_eq!(shape(&format!("{{{V3},{VM},{MS}}}")), "ok");
        assert_eq!(
            shape(&format!("{{{VM},{MS}}}")),
            "is not a valid sigstore bundle: bundle has no mediaType"
        );
        assert_eq!(
            shape(&format!("{{{V3},{VM},{MS},{DS}}}")),
            "is not a valid sigstore bundle: bundle has both messageSignature and dsseEnvelope; exactly one is allowed"
        );
        assert_eq!(
            shape(&format!("{{{V3},{VM}}}")),
            "is not a valid sigstore bundle: bundle has neither messageSignature nor dsseEnvelope"
        );
        assert!(shape(&format!(
            "{{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.4\",{VM},{MS}}}"
        ))
        .contains(
            "unsupported bundle mediaType \"application/vnd.dev.sigstore.bundle+json;version=0.4\""
        ));
        for m in MEDIA_TYPES {
            assert_eq!(
                shape(&format!("{{\"mediaType\":\"{m}\",{VM},{MS}}}")),
                "ok",
                "{m}"
            );
        }
        // A key named twice, even spelled with an escape, anywhere in the bundle.
        assert_eq!(
            shape(&format!("{{{V3},{VM},{MS},\"\\u006dediaType\":\"x\"}}")),
            "is not a valid sigstore bundle: duplicate key \"mediaType\" at line 1 column 184"
        );
        // And in the in-toto statement a DSSE bundle carries ({"a":1,"a":2}).
        let dup = DS.replace("e30=", "eyJhIjoxLCJhIjoyfQ==");
        assert_eq!(
            shape(&format!("{{{V3},{VM},{dup}}}")),
            "is not a valid sigstore bundle: the in-toto statement in dsseEnvelope is not strict JSON: duplicate key \"a\" at line 1 column 10"
        );
        assert_eq!(
            parse_bundles(format!("{{{V3},{VM},{MS},{MS}}}").as_bytes())
                .err()
                .map(|e| e.to_string()),
            Some("is not a valid sigstore bundle".to_owned())
        );
    }

    #[test]
    fn oversized_input_is_refused_before_parsing() {
        let big = vec![b' '; MAX_BUNDLE_FILE + 1];
        assert!(matches!(
            parse_bundles(&big),
            Err(BundleParseError::TooLarge { .. })
        ));
        assert!(matches!(
            Bundle::parse(&big),
            Err(BundleParseError::TooLarge { .. })
        ));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse_bundles(&bytes);
            let _ = Bundle::parse(&bytes);
        }

        #[test]
        fn never_panics_on_bundle_shaped_json(s in "\\{\"mediaType\":\"application/vnd\\.dev\\.sigstore\\.bundle\\.v0\\.3\\+json\",\"verificationMaterial\":\\{[a-z\":{}\\[\\],0-9]{0,80}\\}\\}") {
            let _ = parse_bundles(s.as_bytes());
        }
    }
}
