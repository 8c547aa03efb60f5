//! Parsing Sigstore bundles and the documents that carry them.

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
    let inner = RawBundle::from_json(text).map_err(|e| BundleParseError::Invalid {
        line,
        index,
        source: Box::new(e),
    })?;
    Ok(Bundle {
        inner,
        predicate_type: None,
    })
}

/// Parses every bundle in a file: a single bundle, JSON Lines of bundles (`.intoto.jsonl`,
/// `.sigstore.jsonl`), or an npm registry attestations document
/// (`{"attestations":[{"predicateType":..,"bundle":{..}},..]}`). Any invalid entry fails the
/// whole file: evidence is never silently skipped.
pub fn parse_bundles(bytes: &[u8]) -> Result<Vec<Bundle>, BundleParseError> {
    let text = text(bytes)?;
    if text.trim().is_empty() {
        return Err(BundleParseError::Empty);
    }
    // A whole-document parse first: one bundle or an npm document, pretty-printed or not.
    if let Ok(serde_json::Value::Object(doc)) = serde_json::from_str::<serde_json::Value>(text) {
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
