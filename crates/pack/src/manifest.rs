//! The pack manifest `.sigil/SHA256SUMS` and the signed trusted comment that names the pack.
//!
//! The manifest is a GNU `SHA256SUMS` list (so `sha256sum -c .sigil/SHA256SUMS` checks it
//! from the pack root) with one line per regular file outside `.sigil/`, names relative
//! with `/`, sorted by bytes, each name passing the data-only path rules.
//!
//! The signature's trusted comment is
//! `sigil-pack name=<name> version=<version> files=<count> bytes=<total size>`.

use std::fmt;

use sigil_core::Sha256Digest;
use sigil_sign::sums::{self, SumsFile, SumsParseError};
use thiserror::Error;

use crate::rules::{self, NameSet, NodeKind, Siblings, Violation};

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

/// Whether `text` is exactly the GNU text of `entries` (what [`text_of`] writes),
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

/// The manifest text of `entries` (sorted by name bytes): GNU lines, what `sha256sum`
/// writes.
pub fn text_of(entries: &[sums::Entry]) -> String {
    entries
        .iter()
        .map(|e| sums::format_line(&e.digest, &e.name))
        .collect()
}

/// Length of a line's digest and the two spaces after it.
const NAME_AT: usize = 66;

/// A parsed, checked manifest: its text, and where each line starts. Names are borrowed
/// from the text, not copied (a pack of a million files holds one copy of its manifest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    text: String,
    /// Byte offset of each line, in order.
    lines: Vec<usize>,
}

impl Manifest {
    /// Parses and checks a manifest: canonical GNU text, safe unique names outside
    /// `.sigil/`, sorted by bytes, no two names colliding under case folding or NFC.
    pub fn parse(text: &str) -> Result<Self, ManifestParseError> {
        Self::parse_owned(text.to_owned())
    }

    /// [`Manifest::parse`], keeping `text` as it is (no copy).
    pub fn parse_owned(text: String) -> Result<Self, ManifestParseError> {
        match index(&text) {
            Some(lines) => Ok(Self { text, lines }),
            // Not the common shape: the full parse names the first problem (or, if there is
            // none, accepts the text as it is).
            None => {
                check_slowly(&text)?;
                let lines = line_starts(&text);
                Ok(Self { text, lines })
            }
        }
    }

    /// A manifest of `text` as it is, unchecked (tests of what uses a manifest).
    #[cfg(test)]
    pub(crate) fn unchecked(text: String) -> Self {
        let lines = line_starts(&text);
        Self { text, lines }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether there is no entry (a parsed manifest always has one).
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    fn line(&self, i: usize) -> &str {
        let start = self.lines[i];
        let end = self.lines.get(i + 1).map_or(self.text.len(), |&e| e);
        // Lines end in `\n` (canonical text).
        &self.text[start..end - 1]
    }

    /// The name of entry `i` (panics when `i` is out of range, as indexing does).
    pub fn name(&self, i: usize) -> &str {
        &self.line(i)[NAME_AT..]
    }

    /// The signed digest of entry `i`.
    pub fn digest(&self, i: usize) -> Sha256Digest {
        let mut d = [0u8; 32];
        let hex = &self.line(i).as_bytes()[..64];
        for (out, pair) in d.iter_mut().zip(hex.chunks_exact(2)) {
            *out = (nibble(pair[0]) << 4) | nibble(pair[1]);
        }
        Sha256Digest(d)
    }

    /// The names, in order.
    pub fn names(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.name(i))
    }

    /// The first entry whose name is not below `name` in byte order, searching from
    /// entry `from` on (galloping: cheap when it is near). `name` is `prefix` followed by
    /// `rest`, compared without joining them.
    pub(crate) fn seek(&self, from: usize, prefix: &str, rest: &str) -> usize {
        let below = |i: usize| cmp_joined(self.name(i), prefix, rest).is_lt();
        let (mut lo, mut step) = (from, 1);
        // Invariant: every entry before `lo` is below.
        let mut hi = loop {
            let probe = lo + step - 1;
            if probe >= self.len() {
                break self.len();
            }
            if !below(probe) {
                break probe;
            }
            lo = probe + 1;
            step *= 2;
        };
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if below(mid) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The manifest's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The manifest's text, as a new string.
    pub fn to_text(&self) -> String {
        self.text.clone()
    }
}

/// `name` against `prefix` followed by `rest`, in byte order.
fn cmp_joined(name: &str, prefix: &str, rest: &str) -> std::cmp::Ordering {
    let (n, p) = (name.as_bytes(), prefix.as_bytes());
    let k = n.len().min(p.len());
    match n[..k].cmp(&p[..k]) {
        std::cmp::Ordering::Equal if n.len() >= p.len() => n[p.len()..].cmp(rest.as_bytes()),
        std::cmp::Ordering::Equal => n[k..].iter().cmp(p[k..].iter().chain(rest.as_bytes())),
        o => o,
    }
}

fn nibble(h: u8) -> u8 {
    match h {
        b'0'..=b'9' => h - b'0',
        b'a'..=b'f' => h - b'a' + 10,
        // Checked when parsed: lowercase hex only.
        _ => 0,
    }
}

fn line_starts(text: &str) -> Vec<usize> {
    let mut starts = vec![0];
    starts.extend(
        text.bytes()
            .enumerate()
            .filter(|&(i, b)| b == b'\n' && i + 1 < text.len())
            .map(|(i, _)| i + 1),
    );
    starts
}

/// The line starts of a manifest in the shape sigil writes, checked in one pass without
/// copying a name: canonical lines (lowercase hex, two spaces, a name needing no escape),
/// names passing the path rules, outside `.sigil/`, strictly increasing (so none twice),
/// and no two siblings colliding (a set per directory on the current path, see
/// [`Siblings`]). `None` when any of it fails: [`check_slowly`] then names the problem.
fn index(text: &str) -> Option<Vec<usize>> {
    if text.is_empty() || !text.ends_with('\n') {
        return None;
    }
    let mut lines = Vec::with_capacity(text.bytes().filter(|&b| b == b'\n').count());
    // Open directories: (path with its trailing `/`, its children).
    let mut open: Vec<(&str, Siblings<'_>)> = vec![("", Siblings::default())];
    let mut prev: Option<&str> = None;
    let mut at = 0;
    for line in text[..text.len() - 1].split('\n') {
        lines.push(at);
        at += line.len() + 1;
        let b = line.as_bytes();
        if b.len() <= NAME_AT
            || !b[..64]
                .iter()
                .all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
            || &b[64..NAME_AT] != b"  "
        {
            return None;
        }
        let name = &line[NAME_AT..];
        if name.contains(['\\', '\r'])
            || rules::check_path(name).is_err()
            || name == SIGIL_DIR
            || name.starts_with(".sigil/")
            || prev.is_some_and(|p| p.as_bytes() >= name.as_bytes())
        {
            return None;
        }
        prev = Some(name);
        // Leave the directories this name is not in (each directory's names are
        // contiguous in byte order: it is never entered again).
        while open.len() > 1 && !name.starts_with(open[open.len() - 1].0) {
            open.pop();
        }
        let mut start = open[open.len() - 1].0.len();
        while let Some(slash) = name[start..].find('/') {
            let end = start + slash;
            let (_, set) = open.last_mut()?;
            set.insert(&name[start..end], NodeKind::Dir).ok()?;
            open.push((&name[..=end], Siblings::default()));
            start = end + 1;
        }
        let (_, set) = open.last_mut()?;
        set.insert(&name[start..], NodeKind::File).ok()?;
    }
    Some(lines)
}

/// The full checks, one after the other, for the first problem of a manifest that
/// [`index`] did not accept.
fn check_slowly(text: &str) -> Result<(), ManifestParseError> {
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const D: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    fn check(input: &str, expect: Result<Vec<&str>, &str>) {
        let got = Manifest::parse(input)
            .map(|m| m.names().map(str::to_owned).collect::<Vec<_>>())
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
            prop_assert_eq!(m.len(), names.len());
            prop_assert_eq!(m.to_text(), text);
        }

        /// The one-pass check accepts exactly what the full checks accept, on lists of
        /// names that share directories, differ in case, or are both a file and a
        /// directory; sorted or not.
        #[test]
        fn one_pass_index_agrees_with_the_full_checks(
            names in proptest::collection::vec("([aAbé]{1,2}/){0,2}[aAbé.]{1,2}", 1..8),
            sort: bool,
        ) {
            let mut names = names;
            if sort {
                names.sort();
            }
            let text: String = names.iter().map(|n| format!("{D}  {n}\n")).collect();
            prop_assert_eq!(index(&text).is_some(), check_slowly(&text).is_ok(), "{}", text);
            let m = Manifest::parse(&text);
            if let Ok(m) = m {
                let got: Vec<&str> = m.names().collect();
                prop_assert_eq!(got, names.iter().map(String::as_str).collect::<Vec<_>>());
                prop_assert_eq!(m.digest(0).to_hex(), D);
            }
        }
    }
}
