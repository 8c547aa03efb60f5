//! The pack manifest `.sigil/SHA256SUMS` and the signed trusted comment that names the pack.
//!
//! The manifest is a GNU `SHA256SUMS` list (so `sha256sum -c .sigil/SHA256SUMS` checks it
//! from the pack root) with one line per regular file outside `.sigil/`, names relative
//! with `/`, sorted by bytes, each name passing the data-only path rules.
//!
//! The signature's trusted comment is
//! `sigil-pack name=<name> version=<version> files=<count> bytes=<total size>`.

use std::fmt;

use sigil_sign::sums::{self, SumsFile, SumsParseError};
use thiserror::Error;

use crate::rules::{self, NameSet, NodeKind, Violation};

/// Where the manifest lives in a pack.
pub const MANIFEST_PATH: &str = ".sigil/SHA256SUMS";
/// Where its signature lives.
pub const SIGNATURE_PATH: &str = ".sigil/SHA256SUMS.minisig";
/// The directory holding both.
pub const SIGIL_DIR: &str = ".sigil";
/// Largest manifest read (a 10,000-file pack's manifest is about 1 MiB; a 1,000,000-file
/// pack's, with short names, about 90 MiB).
pub const MAX_MANIFEST_BYTES: u64 = 256 << 20;

const COMMENT_PREFIX: &str = "sigil-pack";

/// The signed statement about a pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackComment {
    /// Pack name: 1 to 128 of `A-Z a-z 0-9 . _ - + @ /`.
    pub name: String,
    /// Pack version: 1 to 64 of `A-Z a-z 0-9 . _ - +`.
    pub version: String,
    /// Regular files listed in the manifest.
    pub files: u64,
    /// Sum of their sizes.
    pub bytes: u64,
}

/// Why a trusted comment is not a pack comment.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommentParseError {
    /// Not `sigil-pack name=... version=... files=... bytes=...`.
    #[error(
        "trusted comment is not `sigil-pack name=<n> version=<v> files=<n> bytes=<n>`: {comment:?}"
    )]
    Format {
        /// The comment as signed.
        comment: String,
    },
    /// A name or version with characters outside the allowed set.
    #[error(
        "pack {field} {value:?} is empty, too long or has characters outside [A-Za-z0-9._+@/-]"
    )]
    Field {
        /// `name` or `version`.
        field: &'static str,
        /// The value.
        value: String,
    },
}

/// Checks a pack name.
pub fn check_name(name: &str) -> Result<(), CommentParseError> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-+@/".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(CommentParseError::Field {
            field: "name",
            value: name.to_owned(),
        })
    }
}

/// Checks a pack version.
pub fn check_version(version: &str) -> Result<(), CommentParseError> {
    let ok = !version.is_empty()
        && version.len() <= 64
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-+".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(CommentParseError::Field {
            field: "version",
            value: version.to_owned(),
        })
    }
}

impl PackComment {
    /// Parses a trusted comment. Strict: fixed order, single spaces, decimal numbers
    /// without leading zeros.
    pub fn parse(comment: &str) -> Result<Self, CommentParseError> {
        let bad = || CommentParseError::Format {
            comment: comment.to_owned(),
        };
        let mut it = comment.split(' ');
        if it.next() != Some(COMMENT_PREFIX) {
            return Err(bad());
        }
        let mut field = |key: &str| -> Result<&str, CommentParseError> {
            it.next()
                .and_then(|kv| kv.strip_prefix(key))
                .and_then(|v| v.strip_prefix('='))
                .ok_or_else(bad)
        };
        let name = field("name")?.to_owned();
        let version = field("version")?.to_owned();
        let number = |s: &str| -> Result<u64, CommentParseError> {
            if s.is_empty()
                || (s.len() > 1 && s.starts_with('0'))
                || !s.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(bad());
            }
            s.parse().map_err(|_| bad())
        };
        let files = number(field("files")?)?;
        let bytes = number(field("bytes")?)?;
        if it.next().is_some() {
            return Err(bad());
        }
        check_name(&name)?;
        check_version(&version)?;
        Ok(Self {
            name,
            version,
            files,
            bytes,
        })
    }
}

impl fmt::Display for PackComment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{COMMENT_PREFIX} name={} version={} files={} bytes={}",
            self.name, self.version, self.files, self.bytes
        )
    }
}

/// Why a manifest is not acceptable.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManifestParseError {
    /// Not a SHA256SUMS list.
    #[error("{MANIFEST_PATH}: {0}")]
    Sums(#[source] SumsParseError),
    /// A name that breaks the path rules, or lies under `.sigil/`.
    #[error("{MANIFEST_PATH} line {line}: {violation}")]
    Name {
        /// Line number.
        line: usize,
        /// What is wrong.
        violation: Violation,
    },
    /// Names out of byte order.
    #[error("{MANIFEST_PATH} line {line}: {name:?} is out of order (names are sorted by bytes)")]
    Unsorted {
        /// Line number.
        line: usize,
        /// The name.
        name: String,
    },
    /// Not the GNU text sigil writes (BSD tags, `*` binary markers, escapes, blank lines).
    #[error("{MANIFEST_PATH}: not in canonical form (GNU lines `<hex>  <name>`, lowercase hex, one per line)")]
    NotCanonical,
}

/// Whether `text` is exactly the GNU text of `entries` (what [`Manifest::to_text`] writes),
/// compared line by line without writing a second copy of the manifest.
fn is_canonical(entries: &[sums::Entry], text: &str) -> bool {
    let mut rest = text;
    for e in entries {
        let line = sums::format_line(&e.digest, &e.name);
        match rest.strip_prefix(line.as_str()) {
            Some(r) => rest = r,
            None => return false,
        }
    }
    rest.is_empty()
}

/// A parsed, checked manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// Entries sorted by name bytes.
    pub entries: Vec<sums::Entry>,
}

impl Manifest {
    /// Parses and checks a manifest: canonical GNU text, safe unique names outside
    /// `.sigil/`, sorted by bytes, no two names colliding under case folding or NFC.
    pub fn parse(text: &str) -> Result<Self, ManifestParseError> {
        let list = SumsFile::parse(text).map_err(ManifestParseError::Sums)?;
        let mut names = NameSet::default();
        for (i, e) in list.entries.iter().enumerate() {
            let line = i + 1;
            rules::check_path(&e.name)
                .map_err(|violation| ManifestParseError::Name { line, violation })?;
            if e.name == SIGIL_DIR || e.name.starts_with(".sigil/") {
                let violation = Violation::new(
                    &e.name,
                    rules::code::DUPLICATE_ENTRY,
                    "the manifest cannot list files under .sigil/",
                );
                return Err(ManifestParseError::Name { line, violation });
            }
            names
                .insert(&e.name, NodeKind::File)
                .map_err(|violation| ManifestParseError::Name { line, violation })?;
            if i > 0 && list.entries[i - 1].name.as_bytes() >= e.name.as_bytes() {
                return Err(ManifestParseError::Unsorted {
                    line,
                    name: e.name.clone(),
                });
            }
        }
        if !is_canonical(&list.entries, text) {
            return Err(ManifestParseError::NotCanonical);
        }
        Ok(Self {
            entries: list.entries,
        })
    }

    /// The manifest's text.
    pub fn to_text(&self) -> String {
        SumsFile {
            entries: self.entries.clone(),
        }
        .to_text()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const D: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    fn check(input: &str, expect: Result<Vec<&str>, &str>) {
        let got = Manifest::parse(input)
            .map(|m| m.entries.into_iter().map(|e| e.name).collect::<Vec<_>>())
            .map_err(|e| e.to_string());
        let expect = expect
            .map(|v| v.into_iter().map(str::to_owned).collect::<Vec<_>>())
            .map_err(str::to_owned);
        assert_eq!(got, expect, "input {input:?}");
    }

    #[test]
    fn manifests() {
        check(
            &format!("{D}  a.txt\n{D}  b/c.md\n"),
            Ok(vec!["a.txt", "b/c.md"]),
        );
        check(
            &format!("{D}  b\n{D}  a\n"),
            Err(".sigil/SHA256SUMS line 2: \"a\" is out of order (names are sorted by bytes)"),
        );
        check(
            &format!("{D}  ../x\n"),
            Err(".sigil/SHA256SUMS line 1: ../x: path contains `..` [parent-dir]"),
        );
        check(
            &format!("{D}  /x\n"),
            Err(".sigil/SHA256SUMS line 1: /x: absolute path [absolute-path]"),
        );
        check(&format!("{D}  .sigil/x\n"), Err(".sigil/SHA256SUMS line 1: .sigil/x: the manifest cannot list files under .sigil/ [duplicate-entry]"));
        check(
            &format!("{D}  A\n{D}  a\n"),
            Err(".sigil/SHA256SUMS line 2: a: \"a\" and \"A\" are the same name on case-insensitive or normalising file systems [name-collision]"),
        );
        check(&format!("{D} *a\n"), Err(".sigil/SHA256SUMS: not in canonical form (GNU lines `<hex>  <name>`, lowercase hex, one per line)"));
        check(&format!("{D}  a"), Err(".sigil/SHA256SUMS: not in canonical form (GNU lines `<hex>  <name>`, lowercase hex, one per line)"));
        check("", Err(".sigil/SHA256SUMS: checksum list has no entries"));
    }

    #[test]
    fn comments() {
        let c = PackComment {
            name: "@acme/prompts".into(),
            version: "1.2.0-rc.1".into(),
            files: 3,
            bytes: 1024,
        };
        assert_eq!(
            c.to_string(),
            "sigil-pack name=@acme/prompts version=1.2.0-rc.1 files=3 bytes=1024"
        );
        assert_eq!(PackComment::parse(&c.to_string()), Ok(c));
        for bad in [
            "sigil-pack name=a version=1 files=1",
            "sigil-pack name=a version=1 files=01 bytes=1",
            "sigil-pack name=a version=1 files=1 bytes=1 extra=1",
            "sigil-pack  name=a version=1 files=1 bytes=1",
            "sigil-pack version=1 name=a files=1 bytes=1",
            "timestamp:1\tfile:x",
        ] {
            assert!(
                matches!(
                    PackComment::parse(bad),
                    Err(CommentParseError::Format { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            PackComment::parse("sigil-pack name=a\tb version=1 files=1 bytes=1"),
            Err(CommentParseError::Field { field: "name", .. })
        ));
    }

    proptest! {
        #[test]
        fn comment_roundtrip(name in "[A-Za-z0-9._+@/-]{1,20}", version in "[A-Za-z0-9._+-]{1,10}", files: u64, bytes: u64) {
            let c = PackComment { name, version, files, bytes };
            prop_assert_eq!(PackComment::parse(&c.to_string()), Ok(c));
        }

        #[test]
        fn parse_never_panics(s in "\\PC*") {
            let _ = Manifest::parse(&s);
            let _ = PackComment::parse(&s);
        }

        #[test]
        /// Directories start with `d` and files with `f`, so no file is also a directory
        /// and every generated manifest is valid: it must parse, and print back the same.
        #[test]
        fn valid_manifests_parse_and_roundtrip(names in proptest::collection::btree_set("(d[a-z]{1,3}/){0,2}f[a-z]{1,3}", 1..8)) {
            let text: String = names.iter().map(|n| format!("{D}  {n}\n")).collect();
            let m = Manifest::parse(&text).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            prop_assert_eq!(m.entries.len(), names.len());
            prop_assert_eq!(m.to_text(), text);
        }
    }
}
