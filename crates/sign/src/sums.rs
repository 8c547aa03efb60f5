//! `SHA256SUMS` checksum lists in GNU coreutils format, with BSD tag lines accepted on read.
//!
//! GNU: `<64 hex><space><space or *><name>`. A name holding a backslash or a newline is
//! escaped (`\\`, `\n`) and the line is prefixed with a backslash, as `sha256sum` does.
//! BSD / `--tag`: `SHA256 (<name>) = <64 hex>`, with the same escaping rule.
//! Lines may end in CRLF: as `sha256sum -c` does, one carriage return before the newline is
//! dropped (a name that really ends in `\r` is written escaped, so nothing is lost).

use std::borrow::Cow;
use std::collections::HashSet;

use sigil_core::Sha256Digest;
use thiserror::Error;

/// One line of a checksum list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The expected digest.
    pub digest: Sha256Digest,
    /// The file name, unescaped, with `/` separators, relative to the list's directory.
    pub name: String,
}

/// A parsed checksum list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SumsFile {
    /// Entries in file order.
    pub entries: Vec<Entry>,
}

/// One line of a checksum list whose name is borrowed from the list's text (owned only when
/// the line escapes it): what checking a large list holds per entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRef<'a> {
    /// The expected digest.
    pub digest: Sha256Digest,
    /// The file name, unescaped, with `/` separators, relative to the list's directory.
    pub name: Cow<'a, str>,
}

/// A checksum list parsed as [`SumsFile::parse`] parses it (same entries, same errors), its
/// names borrowed from the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumsList<'a> {
    /// Entries in file order.
    pub entries: Vec<EntryRef<'a>>,
}

/// A listed file: its expected digest and its name ([`Entry`], [`EntryRef`]).
pub trait Listed {
    /// The expected digest.
    fn digest(&self) -> &Sha256Digest;
    /// The file name, unescaped.
    fn name(&self) -> &str;
}

impl Listed for Entry {
    fn digest(&self) -> &Sha256Digest {
        &self.digest
    }
    fn name(&self) -> &str {
        &self.name
    }
}

impl Listed for EntryRef<'_> {
    fn digest(&self) -> &Sha256Digest {
        &self.digest
    }
    fn name(&self) -> &str {
        &self.name
    }
}

/// Why a checksum list did not parse. Line numbers start at 1.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SumsParseError {
    /// Not a GNU or BSD SHA-256 line.
    #[error("line {line}: not a SHA-256 checksum line")]
    Malformed {
        /// Line number.
        line: usize,
    },
    /// A checksum line for another algorithm.
    #[error("line {line}: algorithm {algorithm} is not SHA256")]
    Algorithm {
        /// Line number.
        line: usize,
        /// What the line names.
        algorithm: String,
    },
    /// A backslash escape other than `\\`, `\n` or `\r`.
    #[error("line {line}: invalid escape in file name")]
    Escape {
        /// Line number.
        line: usize,
    },
    /// A name listed twice.
    #[error("line {line}: {name:?} is listed twice")]
    Duplicate {
        /// Line number of the second listing.
        line: usize,
        /// The name.
        name: String,
    },
    /// The list has no entries.
    #[error("checksum list has no entries")]
    Empty,
}

fn unescape(s: &str, line: usize) -> Result<String, SumsParseError> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('\\') => out.push('\\'),
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                _ => return Err(SumsParseError::Escape { line }),
            }
        } else {
            out.push(c);
        }
    }
    Ok(out)
}

fn needs_escape(name: &str) -> bool {
    name.contains(['\\', '\n', '\r'])
}

fn escape(name: &str) -> String {
    name.replace('\\', "\\\\")
        .replace('\n', "\\n")
        .replace('\r', "\\r")
}

/// Formats one GNU line (with its trailing newline), escaping as coreutils does.
pub fn format_line(digest: &Sha256Digest, name: &str) -> String {
    if needs_escape(name) {
        format!("\\{}  {}\n", digest.to_hex(), escape(name))
    } else {
        format!("{}  {}\n", digest.to_hex(), name)
    }
}

fn parse_line(raw: &str, line: usize) -> Result<(Sha256Digest, Cow<'_, str>), SumsParseError> {
    let (escaped, body) = match raw.strip_prefix('\\') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    let malformed = SumsParseError::Malformed { line };
    // BSD tag form: ALGO (name) = hex
    if let Some(open) = body.find(" (") {
        let algorithm = &body[..open];
        if !algorithm.is_empty()
            && algorithm
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            let close = body
                .rfind(") = ")
                .ok_or(SumsParseError::Malformed { line })?;
            if close < open + 2 {
                return Err(malformed);
            }
            if algorithm != "SHA256" {
                return Err(SumsParseError::Algorithm {
                    line,
                    algorithm: algorithm.to_owned(),
                });
            }
            let name = &body[open + 2..close];
            let hex = &body[close + 4..];
            let digest =
                Sha256Digest::from_hex(hex).map_err(|_| SumsParseError::Malformed { line })?;
            let name = if escaped {
                Cow::Owned(unescape(name, line)?)
            } else {
                Cow::Borrowed(name)
            };
            return finish(digest, name, line);
        }
    }
    // GNU form: 64 hex, space, space or '*', name.
    let bytes = body.as_bytes();
    if bytes.len() < 67 || bytes[64] != b' ' || !(bytes[65] == b' ' || bytes[65] == b'*') {
        return Err(malformed);
    }
    let digest =
        Sha256Digest::from_hex(&body[..64]).map_err(|_| SumsParseError::Malformed { line })?;
    let name = &body[66..];
    let name = if escaped {
        Cow::Owned(unescape(name, line)?)
    } else {
        Cow::Borrowed(name)
    };
    finish(digest, name, line)
}

fn finish(
    digest: Sha256Digest,
    name: Cow<'_, str>,
    line: usize,
) -> Result<(Sha256Digest, Cow<'_, str>), SumsParseError> {
    if name.is_empty() {
        return Err(SumsParseError::Malformed { line });
    }
    Ok((digest, name))
}

/// The non-blank lines of a list with their numbers, one `\r` before each line end dropped.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n')
        .enumerate()
        .map(|(i, raw)| (i + 1, raw.strip_suffix('\r').unwrap_or(raw)))
        .filter(|(_, raw)| !raw.is_empty())
}

/// The index of the first entry whose name an earlier entry has (a set that borrows the
/// names, not a second copy of them).
pub fn duplicate<E: Listed>(entries: &[E]) -> Option<usize> {
    let mut seen = HashSet::with_capacity(entries.len());
    entries.iter().position(|e| !seen.insert(e.name()))
}

/// The first name listed twice, as the error for its line.
fn first_duplicate<E: Listed>(text: &str, entries: &[E]) -> Option<SumsParseError> {
    let i = duplicate(entries)?;
    let (line, _) = lines(text).nth(i)?;
    Some(SumsParseError::Duplicate {
        line,
        name: entries[i].name().to_owned(),
    })
}

/// The entries of a list, each made by `make` from its digest and name. One `\r` before each
/// line end is dropped (CRLF lists, as coreutils reads them), blank lines are skipped, and
/// anything else must be a SHA-256 line; the first error by line is reported.
fn parse_entries<'a, E: Listed>(
    text: &'a str,
    make: impl Fn(Sha256Digest, Cow<'a, str>) -> E,
) -> Result<Vec<E>, SumsParseError> {
    // One entry per line at most: no growth (and no slack) for large lists.
    let mut entries = Vec::with_capacity(text.bytes().filter(|&b| b == b'\n').count() + 1);
    for (line, raw) in lines(text) {
        match parse_line(raw, line) {
            Ok((digest, name)) => entries.push(make(digest, name)),
            // A name listed twice on an earlier line is the first error.
            Err(e) => return Err(first_duplicate(text, &entries).unwrap_or(e)),
        }
    }
    if let Some(e) = first_duplicate(text, &entries) {
        return Err(e);
    }
    if entries.is_empty() {
        return Err(SumsParseError::Empty);
    }
    entries.shrink_to_fit();
    Ok(entries)
}

impl<'a> SumsList<'a> {
    /// Parses a list as [`SumsFile::parse`] does, borrowing the names from `text`.
    pub fn parse(text: &'a str) -> Result<Self, SumsParseError> {
        let entries = parse_entries(text, |digest, name| EntryRef { digest, name })?;
        Ok(Self { entries })
    }
}

impl SumsFile {
    /// Parses a list. One `\r` before each line end is dropped (CRLF lists, as coreutils
    /// reads them), blank lines are skipped, and anything else must be a SHA-256 line.
    pub fn parse(text: &str) -> Result<Self, SumsParseError> {
        let entries = parse_entries(text, |digest, name| Entry {
            digest,
            name: name.into_owned(),
        })?;
        Ok(Self { entries })
    }

    /// The GNU text of the list.
    pub fn to_text(&self) -> String {
        self.entries
            .iter()
            .map(|e| format_line(&e.digest, &e.name))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ABC: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

    fn check(input: &str, expect: Result<Vec<(&str, &str)>, SumsParseError>) {
        // The borrowing parser gives the same entries and errors.
        let borrowed = SumsList::parse(input).map(|s| {
            s.entries
                .into_iter()
                .map(|e| (e.digest.to_hex(), e.name.into_owned()))
                .collect::<Vec<_>>()
        });
        let got = SumsFile::parse(input).map(|s| {
            s.entries
                .into_iter()
                .map(|e| (e.digest.to_hex(), e.name))
                .collect::<Vec<_>>()
        });
        let expect = expect.map(|v| {
            v.into_iter()
                .map(|(d, n)| (d.to_owned(), n.to_owned()))
                .collect::<Vec<_>>()
        });
        assert_eq!(borrowed, got, "input {input:?}");
        assert_eq!(got, expect, "input {input:?}");
    }

    #[test]
    fn gnu_line_needs_two_separator_characters() {
        // A space then anything but a space or `*` is not the GNU separator.
        check(
            &format!("{ABC} xa.txt\n"),
            Err(SumsParseError::Malformed { line: 1 }),
        );
        check(
            &format!("{ABC}x a.txt\n"),
            Err(SumsParseError::Malformed { line: 1 }),
        );
    }

    #[test]
    fn gnu_bsd_and_escapes() {
        check(&format!("{ABC}  a.txt\n"), Ok(vec![(ABC, "a.txt")]));
        check(&format!("{ABC} *bin/a b\n"), Ok(vec![(ABC, "bin/a b")]));
        check(
            &format!("\\{ABC}  a\\nb\\\\c\n"),
            Ok(vec![(ABC, "a\nb\\c")]),
        );
        check(
            &format!("SHA256 (x (1).txt) = {ABC}\n"),
            Ok(vec![(ABC, "x (1).txt")]),
        );
        check(
            &format!("\\SHA256 (a\\\\b) = {}\n", ABC.to_uppercase()),
            Ok(vec![(ABC, "a\\b")]),
        );
        check(
            &format!("MD5 (a) = {ABC}\n"),
            Err(SumsParseError::Algorithm {
                line: 1,
                algorithm: "MD5".into(),
            }),
        );
        check(
            &format!("{ABC}  a\n{ABC}  a\n"),
            Err(SumsParseError::Duplicate {
                line: 2,
                name: "a".into(),
            }),
        );
        check(
            &format!("{ABC} a\n"),
            Err(SumsParseError::Malformed { line: 1 }),
        );
        check(
            &format!("{ABC}  \n"),
            Err(SumsParseError::Malformed { line: 1 }),
        );
        check(
            &format!("\\{ABC}  a\\qb\n"),
            Err(SumsParseError::Escape { line: 1 }),
        );
        check("\n\n", Err(SumsParseError::Empty));
    }

    #[test]
    fn the_first_error_by_line_is_reported() {
        // A name listed twice (line 4, after a blank line) comes before a bad line 5...
        check(
            &format!("{ABC}  a\n{ABC}  b\n\n{ABC}  a\nnot a line\n"),
            Err(SumsParseError::Duplicate {
                line: 4,
                name: "a".into(),
            }),
        );
        // ...and after a bad line 2, that line is the error.
        check(
            &format!("{ABC}  a\nnot a line\n{ABC}  a\n"),
            Err(SumsParseError::Malformed { line: 2 }),
        );
    }

    #[test]
    fn crlf_lines_are_read_as_coreutils_reads_them() {
        check(
            &format!("{ABC}  a.txt\r\n{ABC} *b c\r\n\r\n"),
            Ok(vec![(ABC, "a.txt"), (ABC, "b c")]),
        );
        check(&format!("SHA256 (a) = {ABC}\r\n"), Ok(vec![(ABC, "a")]));
        // Only one CR goes; an escaped `\r` stays part of the name.
        check(&format!("{ABC}  a\r\r\n"), Ok(vec![(ABC, "a\r")]));
        check(&format!("\\{ABC}  a\\r\r\n"), Ok(vec![(ABC, "a\r")]));
        check(
            &format!("{ABC}  \r\n"),
            Err(SumsParseError::Malformed { line: 1 }),
        );
    }

    #[test]
    fn names_are_borrowed_from_the_text_unless_escaped() {
        let text = format!("{ABC}  plain\n\\{ABC}  a\\nb\n");
        let list = SumsList::parse(&text).expect("list");
        assert!(matches!(&list.entries[0].name, Cow::Borrowed("plain")));
        assert!(matches!(&list.entries[1].name, Cow::Owned(n) if n == "a\nb"));
    }

    #[test]
    fn format_escapes_like_coreutils() {
        let d = Sha256Digest::from_hex(ABC).unwrap();
        assert_eq!(format_line(&d, "plain"), format!("{ABC}  plain\n"));
        assert_eq!(format_line(&d, "a\nb\\c"), format!("\\{ABC}  a\\nb\\\\c\n"));
    }

    proptest! {
        #[test]
        fn roundtrip(names in proptest::collection::btree_set("[a-z\\\\\n\r (). ]{1,12}", 1..6)) {
            let d = Sha256Digest::from_hex(ABC).unwrap();
            let file = SumsFile { entries: names.iter().map(|n| Entry { digest: d, name: n.clone() }).collect() };
            prop_assert_eq!(SumsFile::parse(&file.to_text()).unwrap(), file);
        }

        #[test]
        fn parse_never_panics(s in "\\PC*") {
            let _ = SumsFile::parse(&s);
        }
    }
}
