//! Strict JSON for signed documents: one parse that refuses duplicate object keys.
//!
//! `serde_json` keeps the last of two equal keys, so `{"a":1,"a":2}` reads as `{"a":2}` while
//! another reader of the same signed bytes may take the first. Signed JSON (DSSE envelopes,
//! in-toto statements, Sigstore bundles) must mean one thing to every reader, so sigil parses it
//! with [`parse`], which refuses any object that names a key twice, at any depth. Keys are
//! compared after unescaping, so `"a"` and `"\u0061"` are the same key.
//!
//! The parse is a single pass over the input: each key is looked up once in the map being
//! built (a `BTreeMap` or `IndexMap` lookup, as `serde_json` would do to insert it), so it costs
//! about what `serde_json::from_slice::<Value>` costs. `serde_json`'s nesting limit (128) holds.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Value};

/// Why bytes are not strict JSON.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StrictJsonError {
    /// An object names a key twice (compared after unescaping).
    #[error("duplicate key {key:?} at line {line} column {column}")]
    DuplicateKey {
        /// The key, unescaped, cut to 64 characters.
        key: String,
        /// 1-based line where the second one ends.
        line: usize,
        /// 1-based column (in bytes) where the second one ends.
        column: usize,
    },
    /// Not JSON: a syntax error, trailing data, or nesting deeper than 128.
    #[error("{0}")]
    Syntax(#[source] serde_json::Error),
    /// Valid JSON that does not have the expected shape.
    #[error("{0}")]
    Shape(#[source] serde_json::Error),
}

/// JSON that did not parse or did not have the expected shape, with where: serde's message
/// without its " at line L column C" tail, which the fields carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {message}")]
pub struct JsonAt {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What serde said.
    pub message: String,
}

impl From<serde_json::Error> for JsonAt {
    fn from(e: serde_json::Error) -> Self {
        let message = e.to_string();
        let message = match message.rfind(" at line ") {
            Some(i) => message[..i].to_owned(),
            None => message,
        };
        JsonAt {
            line: e.line(),
            column: e.column(),
            message,
        }
    }
}

impl StrictJsonError {
    /// Whether the input named a key twice in one object.
    pub fn is_duplicate_key(&self) -> bool {
        matches!(self, StrictJsonError::DuplicateKey { .. })
    }
}

/// Parses `bytes` as one JSON value, refusing duplicate keys in any object.
pub fn parse(bytes: &[u8]) -> Result<Value, StrictJsonError> {
    let duplicate = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = StrictValue(&duplicate)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    v.map_err(|e| match duplicate.into_inner() {
        Some(key) => StrictJsonError::DuplicateKey {
            key,
            line: e.line(),
            column: e.column(),
        },
        None => StrictJsonError::Syntax(e),
    })
}

/// [`parse`] for text.
pub fn parse_str(text: &str) -> Result<Value, StrictJsonError> {
    parse(text.as_bytes())
}

/// Parses `bytes` strictly (as [`parse`]) into `T`.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, StrictJsonError> {
    let v = parse(bytes)?;
    T::deserialize(v).map_err(StrictJsonError::Shape)
}

/// Builds a `serde_json::Value`, refusing an object key seen before in the same object (and
/// noting it in the cell, so the error can say so with typed fields).
#[derive(Clone, Copy)]
struct StrictValue<'a>(&'a RefCell<Option<String>>);

impl<'de> DeserializeSeed<'de> for StrictValue<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element_seed(self)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key_seed(Key)? {
            if out.contains_key(key.as_ref()) {
                *self.0.borrow_mut() = Some(key.chars().take(64).collect());
                return Err(de::Error::custom("duplicate key"));
            }
            let v = map.next_value_seed(self)?;
            out.insert(key.into_owned(), v);
        }
        Ok(Value::Object(out))
    }
}

/// An object key, borrowed from the input when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: &str) {
        let got = match parse_str(input) {
            Ok(v) => v.to_string(),
            Err(e) => e.to_string(),
        };
        assert_eq!(got, expect, "{input}");
    }

    #[test]
    fn accepts_what_serde_json_accepts_without_duplicates() {
        check(
            r#"{"a":1,"b":[true,null,"x",-2,1.5]}"#,
            r#"{"a":1,"b":[true,null,"x",-2,1.5]}"#,
        );
        check("  [] ", "[]");
        check(r#"{"a":{"a":{"a":1}}}"#, r#"{"a":{"a":{"a":1}}}"#);
        // The same key in sibling objects is fine.
        check(r#"[{"k":1},{"k":2}]"#, r#"[{"k":1},{"k":2}]"#);
        check(
            r#"{"x":{"k":1},"y":{"k":2}}"#,
            r#"{"x":{"k":1},"y":{"k":2}}"#,
        );
        check(r#"{"A":1,"a":2}"#, r#"{"A":1,"a":2}"#);
    }

    #[test]
    fn refuses_duplicate_keys_at_any_depth() {
        check(
            r#"{"a":1,"a":2}"#,
            r#"duplicate key "a" at line 1 column 10"#,
        );
        check(
            r#"{"o":{"p":[{"q":1,"r":2,"q":3}]}}"#,
            r#"duplicate key "q" at line 1 column 27"#,
        );
        check(
            "{\n \"a\": 1,\n \"a\": 1\n}",
            r#"duplicate key "a" at line 3 column 4"#,
        );
    }

    #[test]
    fn compares_keys_after_unescaping() {
        check(
            r#"{"a":1,"\u0061":2}"#,
            r#"duplicate key "a" at line 1 column 15"#,
        );
        check(
            r#"{"\u0061":1,"a":2}"#,
            r#"duplicate key "a" at line 1 column 15"#,
        );
        check(
            r#"{"\/":1,"/":2}"#,
            r#"duplicate key "/" at line 1 column 11"#,
        );
        check(
            r#"{"é":1,"\u00e9":2}"#,
            r#"duplicate key "é" at line 1 column 16"#,
        );
        // A surrogate pair and its UTF-8 spelling.
        check(
            r#"{"😀":1,"\ud83d\ude00":2}"#,
            r#"duplicate key "😀" at line 1 column 24"#,
        );
        assert!(parse_str(r#"{"a":1,"a":2}"#)
            .unwrap_err()
            .is_duplicate_key());
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        assert!(parse_str("").is_err());
        assert!(parse_str("{} {}").is_err());
        assert!(parse_str("{\"a\":1,}").is_err());
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(parse_str(&deep).is_err());
        assert!(!parse_str("{} x").unwrap_err().is_duplicate_key());
    }

    #[test]
    fn typed_parse_is_strict_too() {
        #[derive(serde::Deserialize, Debug)]
        struct T {
            #[allow(dead_code)]
            a: u8,
        }
        assert!(from_slice::<T>(br#"{"a":1}"#).is_ok());
        let e = from_slice::<T>(br#"{"a":1,"a":1}"#).unwrap_err();
        assert!(e.is_duplicate_key(), "{e}");
        assert!(matches!(
            from_slice::<T>(br#"{"a":"x"}"#),
            Err(StrictJsonError::Shape(_))
        ));
    }

    proptest::proptest! {
        #[test]
        fn agrees_with_serde_json_when_keys_are_distinct(s in "[\\[\\]{}\",:a-c0-9 ]{0,40}") {
            let strict = parse_str(&s);
            let loose = serde_json::from_str::<Value>(&s);
            match (&strict, &loose) {
                (Ok(a), Ok(b)) => proptest::prop_assert_eq!(a, b),
                (Err(e), Ok(_)) => proptest::prop_assert!(e.is_duplicate_key(), "{}", e),
                (Ok(_), Err(e)) => proptest::prop_assert!(false, "strict accepted what serde_json refused: {}", e),
                (Err(_), Err(_)) => {}
            }
        }
    }
}
