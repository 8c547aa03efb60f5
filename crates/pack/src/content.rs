//! Data-only rules on file contents, not just modes: a pack holds no executable format
//! under any name, and a file whose extension promises text (or JSON) holds that.
//!
//! - [`code::EXECUTABLE_CONTENT`]: ELF, Mach-O (32/64-bit, both byte orders, fat/universal,
//!   which shares its magic with Java class files), PE/DOS (`MZ` with a binary DOS header),
//!   and scripts starting with `#!`, whatever the file is called.
//! - [`code::CONTENT_MISMATCH`]: a text file (by extension, see [`TEXT_EXTENSIONS`]) that
//!   is not UTF-8 or holds NUL bytes (UTF-16 with or without a byte order mark is refused
//!   here), and a `.json` file that is not exactly one JSON value (RFC 8259; no BOM).
//!
//! [`ContentCheck`] is fed the bytes of a file in the one pass that hashes them (in any
//! chunking) and keeps constant memory apart from the JSON nesting stack, which is bounded.
//! Exceptions: a `content GLOB REASON` line in the scan allowlist (see `docs/pack.md`).

use crate::rules::code;

/// Extensions (lower case, without the dot) whose files must be UTF-8 text without NUL.
pub const TEXT_EXTENSIONS: &[&str] = &[
    "txt",
    "text",
    "md",
    "markdown",
    "mdx",
    "rst",
    "adoc",
    "yaml",
    "yml",
    "toml",
    "json",
    "jsonl",
    "ndjson",
    "json5",
    "csv",
    "tsv",
    "ini",
    "cfg",
    "conf",
    "xml",
    "html",
    "htm",
    "svg",
    "prompt",
    "prompty",
    "tmpl",
    "tpl",
    "j2",
    "jinja",
    "jinja2",
    "mustache",
    "hbs",
    "liquid",
    "tex",
    "properties",
    "env",
];

/// Deepest JSON nesting accepted (as deep as common parsers go by default).
pub const MAX_JSON_DEPTH: usize = 1024;

/// How many leading bytes the format sniffing looks at.
const HEAD: usize = 64;

/// A content rule broken by a file: a code from [`code`] and a detail for people.
pub type ContentViolation = (&'static str, String);

/// What the extension promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Any,
    Text,
    Json,
}

/// Streaming content checks for one file; see the module docs.
#[derive(Debug)]
pub struct ContentCheck {
    expect: Expect,
    head: Vec<u8>,
    total: u64,
    utf8: Utf8,
    nul_at: Option<u64>,
    json: Option<Json>,
}

impl ContentCheck {
    /// The checks for a file at `path` (relative, `/`-separated).
    pub fn for_path(path: &str) -> Self {
        let name = path.rsplit('/').next().unwrap_or(path);
        // Compared without case, and without a lowercase copy for every file.
        let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
        let expect = if ext.eq_ignore_ascii_case("json") {
            Expect::Json
        } else if TEXT_EXTENSIONS.iter().any(|t| t.eq_ignore_ascii_case(ext)) {
            Expect::Text
        } else {
            Expect::Any
        };
        Self {
            expect,
            head: Vec::with_capacity(HEAD),
            total: 0,
            utf8: Utf8::default(),
            nul_at: None,
            json: (expect == Expect::Json).then(Json::default),
        }
    }

    /// Feeds the next bytes of the file.
    pub fn update(&mut self, bytes: &[u8]) {
        if self.head.len() < HEAD {
            let n = (HEAD - self.head.len()).min(bytes.len());
            self.head.extend_from_slice(&bytes[..n]);
        }
        if self.expect != Expect::Any {
            if self.nul_at.is_none() {
                if let Some(i) = bytes.iter().position(|&b| b == 0) {
                    self.nul_at = Some(self.total + i as u64);
                }
            }
            self.utf8.update(bytes, self.total);
            if let Some(j) = self.json.as_mut() {
                j.update(bytes, self.total);
            }
        }
        self.total += bytes.len() as u64;
    }

    /// The verdict once every byte was fed: `None` when the file keeps the rules.
    pub fn finish(mut self) -> Option<ContentViolation> {
        if let Some(what) = executable_format(&self.head) {
            return Some((
                code::EXECUTABLE_CONTENT,
                format!("{what}: executable content is not allowed in a data pack"),
            ));
        }
        if self.expect == Expect::Any {
            return None;
        }
        let h = &self.head;
        if h.starts_with(&[0xff, 0xfe]) || h.starts_with(&[0xfe, 0xff]) {
            return Some((
                code::CONTENT_MISMATCH,
                "UTF-16 text (byte order mark): text files must be UTF-8".into(),
            ));
        }
        if let Some(at) = self.nul_at {
            return Some((
                code::CONTENT_MISMATCH,
                format!("NUL byte at offset {at} (UTF-16 or binary data): text files must be UTF-8 without NUL"),
            ));
        }
        if let Some(at) = self.utf8.finish(self.total) {
            return Some((
                code::CONTENT_MISMATCH,
                format!("not UTF-8 (at byte offset {at}): text files must be UTF-8"),
            ));
        }
        if let Some(mut j) = self.json.take() {
            if let Some(e) = j.finish(self.total) {
                return Some((code::CONTENT_MISMATCH, format!("not valid JSON: {e}")));
            }
        }
        None
    }
}

/// Checks a whole file in memory.
pub fn check_bytes(path: &str, bytes: &[u8]) -> Option<ContentViolation> {
    let mut c = ContentCheck::for_path(path);
    c.update(bytes);
    c.finish()
}

/// The executable format whose magic `head` starts with, if any.
pub fn executable_format(head: &[u8]) -> Option<&'static str> {
    const MAGICS: &[(&[u8], &str)] = &[
        (b"\x7fELF", "ELF executable or library"),
        (&[0xfe, 0xed, 0xfa, 0xce], "Mach-O executable (32-bit)"),
        (&[0xce, 0xfa, 0xed, 0xfe], "Mach-O executable (32-bit)"),
        (&[0xfe, 0xed, 0xfa, 0xcf], "Mach-O executable (64-bit)"),
        (&[0xcf, 0xfa, 0xed, 0xfe], "Mach-O executable (64-bit)"),
        (
            &[0xca, 0xfe, 0xba, 0xbe],
            "Mach-O universal binary or Java class file",
        ),
        (&[0xbe, 0xba, 0xfe, 0xca], "Mach-O universal binary"),
        (
            &[0xca, 0xfe, 0xba, 0xbf],
            "Mach-O universal binary (64-bit)",
        ),
        (
            &[0xbf, 0xba, 0xfe, 0xca],
            "Mach-O universal binary (64-bit)",
        ),
        (b"#!", "script with an interpreter line (#!)"),
    ];
    for (magic, what) in MAGICS {
        if head.starts_with(magic) {
            return Some(what);
        }
    }
    // `MZ` then a DOS header, which has NUL bytes where text has none.
    if head.starts_with(b"MZ") && head.len() >= 4 && head[2..head.len().min(HEAD)].contains(&0) {
        return Some("PE or DOS executable (MZ)");
    }
    None
}

/// Streaming UTF-8 validation across chunk boundaries.
#[derive(Debug, Default)]
struct Utf8 {
    pending: [u8; 4],
    len: usize,
    /// Offset of the first byte of the first invalid sequence.
    bad: Option<u64>,
}

fn seq_len(lead: u8) -> usize {
    match lead {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => 1,
    }
}

impl Utf8 {
    fn update(&mut self, mut b: &[u8], mut offset: u64) {
        if self.bad.is_some() {
            return;
        }
        if self.len > 0 {
            let want = seq_len(self.pending[0]);
            let take = (want - self.len).min(b.len());
            self.pending[self.len..self.len + take].copy_from_slice(&b[..take]);
            self.len += take;
            b = &b[take..];
            let start = offset - (self.len - take) as u64;
            offset += take as u64;
            if self.len < want {
                // Still incomplete, unless what is there is already wrong.
                if let Err(e) = std::str::from_utf8(&self.pending[..self.len]) {
                    if e.error_len().is_some() {
                        self.bad = Some(start);
                    }
                }
                return;
            }
            if std::str::from_utf8(&self.pending[..self.len]).is_err() {
                self.bad = Some(start);
                return;
            }
            self.len = 0;
        }
        if let Err(e) = std::str::from_utf8(b) {
            let at = e.valid_up_to();
            match e.error_len() {
                Some(_) => self.bad = Some(offset + at as u64),
                None => {
                    let rest = &b[at..];
                    self.pending[..rest.len()].copy_from_slice(rest);
                    self.len = rest.len();
                }
            }
        }
    }

    fn finish(&self, total: u64) -> Option<u64> {
        self.bad.or((self.len > 0).then(|| total - self.len as u64))
    }
}

/// Where a push JSON validator is in the grammar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum J {
    #[default]
    Value,
    ValueOrEnd,
    KeyOrEnd,
    Key,
    Colon,
    After,
    Str {
        key: bool,
    },
    Esc {
        key: bool,
    },
    Hex {
        key: bool,
        left: u8,
    },
    Num(N),
    Lit {
        word: &'static [u8],
        at: u8,
    },
    End,
}

/// Number states (RFC 8259 grammar).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum N {
    Minus,
    Zero,
    Int,
    Dot,
    Frac,
    E,
    ESign,
    Exp,
}

impl N {
    fn complete(self) -> bool {
        matches!(self, N::Zero | N::Int | N::Frac | N::Exp)
    }
}

/// A push validator for one JSON text (RFC 8259): bounded memory (the nesting stack is
/// limited to [`MAX_JSON_DEPTH`]).
#[derive(Debug, Default)]
struct Json {
    st: J,
    stack: Vec<u8>,
    bad: Option<String>,
}

fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

impl Json {
    fn update(&mut self, bytes: &[u8], offset: u64) {
        if self.bad.is_some() {
            return;
        }
        for (i, &b) in bytes.iter().enumerate() {
            if let Err(e) = self.step(b) {
                self.bad = Some(format!("{e} at byte offset {}", offset + i as u64));
                return;
            }
        }
    }

    fn value_done(&mut self) {
        self.st = if self.stack.is_empty() {
            J::End
        } else {
            J::After
        };
    }

    fn open(&mut self, b: u8, next: J) -> Result<(), &'static str> {
        if self.stack.len() >= MAX_JSON_DEPTH {
            return Err("nested too deeply");
        }
        self.stack.push(b);
        self.st = next;
        Ok(())
    }

    fn step(&mut self, b: u8) -> Result<(), &'static str> {
        loop {
            match self.st {
                J::Value | J::ValueOrEnd => {
                    if is_ws(b) {
                        return Ok(());
                    }
                    if b == b']' && self.st == J::ValueOrEnd {
                        self.stack.pop();
                        self.value_done();
                        return Ok(());
                    }
                    return match b {
                        b'{' => self.open(b, J::KeyOrEnd),
                        b'[' => self.open(b, J::ValueOrEnd),
                        b'"' => {
                            self.st = J::Str { key: false };
                            Ok(())
                        }
                        b'-' => {
                            self.st = J::Num(N::Minus);
                            Ok(())
                        }
                        b'0' => {
                            self.st = J::Num(N::Zero);
                            Ok(())
                        }
                        b'1'..=b'9' => {
                            self.st = J::Num(N::Int);
                            Ok(())
                        }
                        b't' | b'f' | b'n' => {
                            let word: &'static [u8] = match b {
                                b't' => b"true",
                                b'f' => b"false",
                                _ => b"null",
                            };
                            self.st = J::Lit { word, at: 1 };
                            Ok(())
                        }
                        _ => Err("expected a value"),
                    };
                }
                J::KeyOrEnd | J::Key => {
                    if is_ws(b) {
                        return Ok(());
                    }
                    if b == b'}' && self.st == J::KeyOrEnd {
                        self.stack.pop();
                        self.value_done();
                        return Ok(());
                    }
                    if b == b'"' {
                        self.st = J::Str { key: true };
                        return Ok(());
                    }
                    return Err("expected a string key");
                }
                J::Colon => {
                    if is_ws(b) {
                        return Ok(());
                    }
                    if b == b':' {
                        self.st = J::Value;
                        return Ok(());
                    }
                    return Err("expected `:`");
                }
                J::After => {
                    if is_ws(b) {
                        return Ok(());
                    }
                    let top = self.stack.last().copied();
                    return match (b, top) {
                        (b',', Some(b'{')) => {
                            self.st = J::Key;
                            Ok(())
                        }
                        (b',', _) => {
                            self.st = J::Value;
                            Ok(())
                        }
                        (b'}', Some(b'{')) | (b']', Some(b'[')) => {
                            self.stack.pop();
                            self.value_done();
                            Ok(())
                        }
                        _ => Err("expected `,` or the end of the array or object"),
                    };
                }
                J::Str { key } => {
                    match b {
                        b'"' => {
                            if key {
                                self.st = J::Colon;
                            } else {
                                self.value_done();
                            }
                        }
                        b'\\' => self.st = J::Esc { key },
                        0..=0x1f => return Err("control character in a string"),
                        _ => {}
                    }
                    return Ok(());
                }
                J::Esc { key } => {
                    self.st = match b {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => J::Str { key },
                        b'u' => J::Hex { key, left: 4 },
                        _ => return Err("bad escape in a string"),
                    };
                    return Ok(());
                }
                J::Hex { key, left } => {
                    if !b.is_ascii_hexdigit() {
                        return Err("bad \\u escape in a string");
                    }
                    self.st = if left == 1 {
                        J::Str { key }
                    } else {
                        J::Hex {
                            key,
                            left: left - 1,
                        }
                    };
                    return Ok(());
                }
                J::Num(n) => {
                    let next = match (n, b) {
                        (N::Minus, b'0') => Some(N::Zero),
                        (N::Minus, b'1'..=b'9') => Some(N::Int),
                        (N::Int, b'0'..=b'9') => Some(N::Int),
                        (N::Zero | N::Int, b'.') => Some(N::Dot),
                        (N::Dot | N::Frac, b'0'..=b'9') => Some(N::Frac),
                        (N::Zero | N::Int | N::Frac, b'e' | b'E') => Some(N::E),
                        (N::E, b'+' | b'-') => Some(N::ESign),
                        (N::E | N::ESign | N::Exp, b'0'..=b'9') => Some(N::Exp),
                        _ => None,
                    };
                    match next {
                        Some(n) => {
                            self.st = J::Num(n);
                            return Ok(());
                        }
                        None if n.complete() => {
                            // The byte ends the number: handle it in the next state.
                            self.value_done();
                            continue;
                        }
                        None => return Err("bad number"),
                    }
                }
                J::Lit { word, at } => {
                    if word.get(usize::from(at)) != Some(&b) {
                        return Err("bad literal (expected true, false or null)");
                    }
                    if usize::from(at) + 1 == word.len() {
                        self.value_done();
                    } else {
                        self.st = J::Lit { word, at: at + 1 };
                    }
                    return Ok(());
                }
                J::End => {
                    if is_ws(b) {
                        return Ok(());
                    }
                    return Err("data after the JSON value");
                }
            }
        }
    }

    fn finish(&mut self, total: u64) -> Option<String> {
        if let Some(e) = self.bad.take() {
            return Some(e);
        }
        match self.st {
            J::End => None,
            J::Num(n) if n.complete() && self.stack.is_empty() => None,
            J::Value if total == 0 => Some("empty file".into()),
            _ => Some("unexpected end of file".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(path: &str, bytes: &[u8], expect: Option<(&str, &str)>) {
        // Whole, and one byte at a time (chunk boundaries anywhere).
        let whole = check_bytes(path, bytes);
        let mut c = ContentCheck::for_path(path);
        for b in bytes {
            c.update(std::slice::from_ref(b));
        }
        let bytewise = c.finish();
        assert_eq!(whole, bytewise, "{path}: chunking changed the verdict");
        match (whole, expect) {
            (None, None) => {}
            (Some((rule, detail)), Some((er, ed))) => {
                assert_eq!(rule, er, "{path}: {detail}");
                assert!(detail.contains(ed), "{path}: {detail:?} lacks {ed:?}");
            }
            (got, _) => panic!("{path}: got {got:?}, expected {expect:?}"),
        }
    }

    const EXEC: &str = code::EXECUTABLE_CONTENT;
    const MISMATCH: &str = code::CONTENT_MISMATCH;

    #[test]
    fn executable_formats_are_refused_under_any_name() {
        check(
            "tool.json",
            b"\x7fELF\x02\x01\x01\0\0\0",
            Some((EXEC, "ELF")),
        );
        check(
            "a.bin",
            &[0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1],
            Some((EXEC, "Mach-O")),
        );
        check("a.bin", &[0xfe, 0xed, 0xfa, 0xce], Some((EXEC, "Mach-O")));
        check(
            "a.bin",
            &[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2],
            Some((EXEC, "universal")),
        );
        check(
            "a.bin",
            &[0xbf, 0xba, 0xfe, 0xca],
            Some((EXEC, "universal")),
        );
        check("x.dat", b"MZ\x90\0\x03\0\0\0", Some((EXEC, "MZ")));
        check("run.txt", b"#!/bin/sh\nrm -rf ~\n", Some((EXEC, "#!")));
        check("noext", b"#!/usr/bin/env python3\n", Some((EXEC, "#!")));
        // Text that merely starts like a magic is text.
        check("names.txt", b"MZ is a postcode prefix\n", None);
        check("x.md", b"# #! is a shebang\n", None);
        check("data.bin", &[0, 1, 2, 3, 0xff], None);
    }

    #[test]
    fn text_must_be_utf8_without_nul() {
        check("a.txt", "héllo wörld ✓ 🙂\n".as_bytes(), None);
        check("a.md", b"\xef\xbb\xbfBOM is fine in UTF-8\n", None);
        check("a.txt", b"\xff\xfeh\0i\0", Some((MISMATCH, "UTF-16")));
        check("a.yaml", b"\xfe\xff\0h\0i", Some((MISMATCH, "UTF-16")));
        check(
            "a.yaml",
            b"h\0i\0\n\0",
            Some((MISMATCH, "NUL byte at offset 1")),
        );
        check("a.toml", b"caf\xe9\n", Some((MISMATCH, "offset 3")));
        check("a.prompt", b"ok \xe2\x82", Some((MISMATCH, "offset 3")));
        check("a.txt", b"\xed\xa0\x80", Some((MISMATCH, "offset 0")));
        check("A.TXT", b"\xc0\x80", Some((MISMATCH, "not UTF-8")));
        check("x.bin", b"\xff\xfeh\0i\0", None);
    }

    #[test]
    fn json_must_parse() {
        for ok in [
            "{}",
            "[]",
            " {\"a\": [1, -0.5e+10, true, false, null, \"s\\\"\\u00e9\"], \"b\": {}} \n",
            "0",
            "-12.5E3",
            "\"x\"",
            "[[[]]]",
        ] {
            check("a.json", ok.as_bytes(), None);
        }
        for (bad, why) in [
            ("", "empty file"),
            ("{", "unexpected end"),
            ("{\"a\" 1}", "expected `:`"),
            ("{'a': 1}", "expected a string key"),
            ("[1,]", "expected a value"),
            ("[1 2]", "expected `,`"),
            ("01", "data after"),
            ("1.", "unexpected end"),
            ("tru", "unexpected end"),
            ("nul!", "bad literal"),
            ("\"a\nb\"", "control character"),
            ("\"\\x\"", "bad escape"),
            ("{} {}", "data after"),
            ("[1}", "expected `,`"),
            ("\u{feff}{}", "expected a value"),
        ] {
            check("a.json", bad.as_bytes(), Some((MISMATCH, why)));
        }
        let deep = "[".repeat(MAX_JSON_DEPTH + 1);
        check(
            "a.json",
            deep.as_bytes(),
            Some((MISMATCH, "nested too deeply")),
        );
        let ok_deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        check("a.json", ok_deep.as_bytes(), None);
    }

    #[test]
    fn json_validator_agrees_with_serde_json_on_mutations() {
        // Every one-byte deletion, and insertion of a grammar byte at every position, of a
        // valid document: the push validator and serde_json must agree on valid or not.
        let doc = br#"{"k": [1, -2.5e3, "v\n", {"x": null}], "t": true, "f": false}"#;
        let mut cases = Vec::new();
        for i in 0..doc.len() {
            let mut m = doc.to_vec();
            m.remove(i);
            cases.push(m);
            for b in b"{}[],:\"-0.eE+ tn\\x" {
                let mut m = doc.to_vec();
                m.insert(i, *b);
                cases.push(m);
            }
        }
        for m in cases {
            let ours = check_bytes("m.json", &m).is_none();
            let reference = serde_json::from_slice::<serde_json::Value>(&m).is_ok();
            assert_eq!(ours, reference, "{:?}", String::from_utf8_lossy(&m));
        }
    }
}
