//! in-toto Statements: v1 (written and read) and v0.1 (read).
//!
//! ```json
//! {"_type": "https://in-toto.io/Statement/v1",
//!  "subject": [{"name": "app.tar.gz", "digest": {"sha256": "<hex>"}}],
//!  "predicateType": "https://slsa.dev/provenance/v1",
//!  "predicate": {...}}
//! ```
//!
//! Parsing is strict where it matters for matching: `subject` must be a non-empty list, each
//! with a `digest` object of strings, and `predicateType` a non-empty string. `predicate` may
//! be any JSON object (or absent). Unknown top-level fields are ignored, as the in-toto
//! specification asks of consumers.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use sigil_core::{Sha256Digest, Sha512Digest};
use thiserror::Error;

/// `_type` of an in-toto Statement v1.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// `_type` of an in-toto Statement v0.1.
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";

/// Which Statement layer version a statement uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementVersion {
    /// `https://in-toto.io/Statement/v0.1`.
    V01,
    /// `https://in-toto.io/Statement/v1`.
    V1,
}

impl StatementVersion {
    /// The `_type` URI.
    pub fn as_str(self) -> &'static str {
        match self {
            StatementVersion::V01 => STATEMENT_V01,
            StatementVersion::V1 => STATEMENT_V1,
        }
    }
}

/// One subject: a name and its digests (algorithm name to lower-case hex).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Subject {
    /// The artifact's name (may be empty).
    pub name: String,
    /// Digests by algorithm (`sha256`, `sha512`, ...).
    #[serde(rename = "digest")]
    pub digests: BTreeMap<String, String>,
}

impl Subject {
    /// A subject with one SHA-256 digest.
    pub fn sha256(name: impl Into<String>, d: &Sha256Digest) -> Self {
        Self {
            name: name.into(),
            digests: BTreeMap::from([("sha256".to_owned(), d.to_hex())]),
        }
    }

    /// A subject with one SHA-512 digest.
    pub fn sha512(name: impl Into<String>, d: &Sha512Digest) -> Self {
        Self {
            name: name.into(),
            digests: BTreeMap::from([("sha512".to_owned(), d.to_hex())]),
        }
    }

    /// Whether this subject names the artifact with these digests: at least one of its
    /// `sha256`/`sha512` entries is present and every one present equals the artifact's.
    /// Other algorithms are not considered (they cannot be checked).
    pub fn matches(&self, sha256: &Sha256Digest, sha512: &Sha512Digest) -> bool {
        let mut seen = false;
        for (alg, want) in [("sha256", sha256.to_hex()), ("sha512", sha512.to_hex())] {
            if let Some(got) = self.digests.get(alg) {
                if !got.eq_ignore_ascii_case(&want) {
                    return false;
                }
                seen = true;
            }
        }
        seen
    }
}

/// A parsed in-toto Statement.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The `_type`.
    pub version: StatementVersion,
    /// Subjects, in order; never empty.
    pub subjects: Vec<Subject>,
    /// `predicateType`.
    pub predicate_type: String,
    /// `predicate` (`null` when absent).
    pub predicate: Value,
}

/// Why a payload is not an in-toto Statement. Callers treat every variant as "not verified".
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum StatementParseError {
    /// Not a JSON object.
    #[error("statement is not a strict JSON object: {0}")]
    Json(String),
    /// `_type` is missing or not an in-toto Statement type.
    #[error("statement _type {0:?} is not https://in-toto.io/Statement/v1 or v0.1")]
    Type(String),
    /// `subject` is missing, empty or not a list.
    #[error("statement has no subjects")]
    NoSubjects,
    /// A subject is malformed.
    #[error("statement subject {index}: {reason}")]
    Subject {
        /// Position in `subject`, from 0.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// `predicateType` is missing, empty or not a string.
    #[error("statement has no predicateType")]
    PredicateType,
    /// `predicate` is present but not an object.
    #[error("statement predicate is not a JSON object")]
    Predicate,
}

impl Statement {
    /// Builds a v1 statement.
    pub fn new(
        subjects: Vec<Subject>,
        predicate_type: impl Into<String>,
        predicate: Value,
    ) -> Self {
        Self {
            version: StatementVersion::V1,
            subjects,
            predicate_type: predicate_type.into(),
            predicate,
        }
    }

    /// Whether a JSON document looks like a Statement (has an in-toto `_type`).
    pub fn is_statement(v: &Value) -> bool {
        matches!(
            v.get("_type").and_then(Value::as_str),
            Some(STATEMENT_V1 | STATEMENT_V01)
        )
    }

    /// Parses a statement from payload bytes, strictly: a key named twice in any object is
    /// refused (serde_json would keep the last one, another reader the first).
    pub fn parse(payload: &[u8]) -> Result<Self, StatementParseError> {
        let v: Value = sigil_core::json::parse(payload)
            .map_err(|e| StatementParseError::Json(e.to_string()))?;
        Self::from_value(v)
    }

    /// Parses a statement from a JSON value.
    pub fn from_value(mut v: Value) -> Result<Self, StatementParseError> {
        let obj = v
            .as_object_mut()
            .ok_or_else(|| StatementParseError::Json("expected an object".into()))?;
        let version = match obj.get("_type").and_then(Value::as_str) {
            Some(STATEMENT_V1) => StatementVersion::V1,
            Some(STATEMENT_V01) => StatementVersion::V01,
            Some(other) => {
                return Err(StatementParseError::Type(other.chars().take(200).collect()))
            }
            None => return Err(StatementParseError::Type(String::new())),
        };
        let subjects = match obj.get("subject") {
            Some(Value::Array(list)) if !list.is_empty() => list
                .iter()
                .enumerate()
                .map(|(index, s)| parse_subject(index, s))
                .collect::<Result<Vec<_>, _>>()?,
            _ => return Err(StatementParseError::NoSubjects),
        };
        let predicate_type = match obj.get("predicateType") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(StatementParseError::PredicateType),
        };
        let predicate = match obj.remove("predicate") {
            None | Some(Value::Null) => Value::Null,
            Some(p @ Value::Object(_)) => p,
            Some(_) => return Err(StatementParseError::Predicate),
        };
        Ok(Self {
            version,
            subjects,
            predicate_type,
            predicate,
        })
    }

    /// The index of the first subject naming the artifact with these digests.
    pub fn matching_subject(&self, sha256: &Sha256Digest, sha512: &Sha512Digest) -> Option<usize> {
        self.subjects.iter().position(|s| s.matches(sha256, sha512))
    }

    /// Compact JSON, fields in the order the specification lists them.
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct Wire<'a> {
            #[serde(rename = "_type")]
            ty: &'static str,
            subject: &'a [Subject],
            #[serde(rename = "predicateType")]
            predicate_type: &'a str,
            #[serde(skip_serializing_if = "Value::is_null")]
            predicate: &'a Value,
        }
        let w = Wire {
            ty: self.version.as_str(),
            subject: &self.subjects,
            predicate_type: &self.predicate_type,
            predicate: &self.predicate,
        };
        // Strings, maps and JSON values always serialise.
        serde_json::to_string(&w).unwrap_or_default()
    }

    /// Pretty JSON with a trailing newline, for files people read.
    pub fn to_json_pretty(&self) -> String {
        let v: Value = serde_json::from_str(&self.to_json()).unwrap_or(Value::Null);
        let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
        s.push('\n');
        s
    }
}

fn parse_subject(index: usize, s: &Value) -> Result<Subject, StatementParseError> {
    let err = |reason| StatementParseError::Subject { index, reason };
    let obj = s.as_object().ok_or(err("not an object"))?;
    let name = match obj.get("name") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(n)) => n.clone(),
        Some(_) => return Err(err("name is not a string")),
    };
    let digest = obj
        .get("digest")
        .and_then(Value::as_object)
        .ok_or(err("digest is missing or not an object"))?;
    let mut digests = BTreeMap::new();
    for (alg, val) in digest {
        let val = val.as_str().ok_or(err("digest value is not a string"))?;
        digests.insert(alg.clone(), val.to_owned());
    }
    if digests.is_empty() {
        return Err(err("digest is empty"));
    }
    Ok(Subject { name, digests })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn check(input: Value, expect: Result<(StatementVersion, usize, &str), StatementParseError>) {
        let got = Statement::parse(input.to_string().as_bytes())
            .map(|s| (s.version, s.subjects.len(), s.predicate_type));
        assert_eq!(got, expect.map(|(v, n, t)| (v, n, t.to_owned())), "{input}");
    }

    #[test]
    fn parses_v1_and_v01() {
        let sub = json!([{"name": "a", "digest": {"sha256": "00"}}]);
        check(
            json!({"_type": STATEMENT_V1, "subject": sub, "predicateType": "p", "predicate": {}}),
            Ok((StatementVersion::V1, 1, "p")),
        );
        check(
            json!({"_type": STATEMENT_V01, "subject": sub, "predicateType": "p"}),
            Ok((StatementVersion::V01, 1, "p")),
        );
        check(
            json!({"_type": "https://in-toto.io/Statement/v2", "subject": sub, "predicateType": "p"}),
            Err(StatementParseError::Type(
                "https://in-toto.io/Statement/v2".into(),
            )),
        );
        check(
            json!({"subject": sub, "predicateType": "p"}),
            Err(StatementParseError::Type(String::new())),
        );
        check(
            json!({"_type": STATEMENT_V1, "subject": [], "predicateType": "p"}),
            Err(StatementParseError::NoSubjects),
        );
        check(
            json!({"_type": STATEMENT_V1, "subject": sub, "predicateType": ""}),
            Err(StatementParseError::PredicateType),
        );
        check(
            json!({"_type": STATEMENT_V1, "subject": sub, "predicateType": "p", "predicate": []}),
            Err(StatementParseError::Predicate),
        );
        check(
            json!({"_type": STATEMENT_V1, "subject": [{"name": "a", "digest": {}}], "predicateType": "p"}),
            Err(StatementParseError::Subject {
                index: 0,
                reason: "digest is empty",
            }),
        );
        check(
            json!({"_type": STATEMENT_V1, "subject": [{"name": "a", "digest": {"sha256": 1}}], "predicateType": "p"}),
            Err(StatementParseError::Subject {
                index: 0,
                reason: "digest value is not a string",
            }),
        );
        assert!(matches!(
            Statement::parse(b"nope"),
            Err(StatementParseError::Json(_))
        ));
    }

    #[test]
    fn subject_matching() {
        let d256 = Sha256Digest::of(b"x");
        let d512 = Sha512Digest::of(b"x");
        let other = Sha256Digest::of(b"y");
        assert!(Subject::sha256("a", &d256).matches(&d256, &d512));
        assert!(Subject::sha512("a", &d512).matches(&d256, &d512));
        assert!(!Subject::sha256("a", &other).matches(&d256, &d512));
        let mut both = Subject::sha256("a", &d256);
        both.digests
            .insert("sha512".into(), Sha512Digest::of(b"y").to_hex());
        assert!(
            !both.matches(&d256, &d512),
            "one mismatching digest spoils the subject"
        );
        let mut upper = Subject::sha256("a", &d256);
        upper
            .digests
            .insert("sha256".into(), d256.to_hex().to_uppercase());
        assert!(upper.matches(&d256, &d512));
        let only_sha1 = Subject {
            name: "a".into(),
            digests: BTreeMap::from([("sha1".into(), "00".into())]),
        };
        assert!(!only_sha1.matches(&d256, &d512));
    }

    #[test]
    fn writes_v1() {
        let s = Statement::new(
            vec![Subject::sha256("a", &Sha256Digest::of(b""))],
            "https://example.com/p",
            json!({"k": 1}),
        );
        let text = s.to_json();
        assert!(text.starts_with(r#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"e3b0"#), "{text}");
        assert_eq!(Statement::parse(text.as_bytes()).unwrap(), s);
        assert_eq!(Statement::parse(s.to_json_pretty().as_bytes()).unwrap(), s);
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in ".{0,300}") {
            let _ = Statement::parse(s.as_bytes());
        }

        #[test]
        fn roundtrip(names in proptest::collection::vec(".{0,20}", 1..4), pt in ".{1,30}") {
            let subjects = names.iter().map(|n| Subject::sha256(n.clone(), &Sha256Digest::of(n.as_bytes()))).collect();
            let s = Statement::new(subjects, pt, json!({"a": [1, "b"]}));
            prop_assert_eq!(Statement::parse(s.to_json().as_bytes()).unwrap(), s);
        }
    }
}
