//! Secret scanning: finds credentials in files and trees before they are published.
//!
//! Rules (stable ids, see `docs/scan.md`): `anthropic-api-key`, `openai-api-key`,
//! `aws-access-key-id`, `aws-secret-access-key`, `github-token`, `gitlab-token`,
//! `google-api-key`, `google-oauth-client-secret`, `slack-token`, `slack-webhook-url`,
//! `stripe-secret-key`, `huggingface-token`, `private-key` (PEM blocks),
//! `minisign-secret-key`, and `generic-secret-assignment` (a long, high-entropy value
//! assigned to a name such as `api_key`, `token`, `secret` or `password`).
//!
//! Every finding is a [`Kind::Leak`] or a [`Kind::Placeholder`] (documentation values such
//! as `sk-ant-your-key-here`, `xxxx`, `<your-key>`, `${VAR}`). Excerpts are always redacted
//! (first four characters, an ellipsis and the length): a secret is never returned in full.
//! A finding is suppressed by an inline `sigil:allow` marker on its line (or
//! `sigil:allow-next-line` on the line before), or by an [`Allowlist`].
//!
//! Encoded content is scanned too: a file that is gzip (all members), and every base64
//! block of at least [`MIN_BASE64_CHARS`] characters (standard or URL-safe alphabet, lines
//! joined), are decoded and scanned, two levels deep (base64 inside gzip, gzip inside
//! base64). Decoding is bounded: at most [`MAX_DECODED_BYTES`] per file; past that the
//! scan reports a `decode-limit` leak rather than pass what it did not read. Findings inside
//! decoded data carry [`Finding::inside`] (`gzip line 3 column 7`, `base64 line 1 column 9`)
//! with the outer file's line and column of the block.
//!
//! What it does not do: it does not open archives other than gzip (tar, zip), and it does not
//! ask any provider whether a key is live. It reads files and readers only; no network,
//! clock or environment.

mod allowlist;
pub mod report;
mod rules;

use std::fs;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

pub use allowlist::{Allowlist, AllowlistParseError, ContentException};
use rules::{Class, Rule};
use thiserror::Error;

/// What a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A credential in a real format: publishing it leaks it.
    Leak,
    /// A documentation placeholder in a credential's place: reported, never a failure.
    Placeholder,
}

impl Kind {
    /// `leak` or `placeholder`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Leak => "leak",
            Kind::Placeholder => "placeholder",
        }
    }
}

/// One finding. It never holds the secret itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file, as the caller labelled it.
    pub path: String,
    /// Line, from 1.
    pub line: usize,
    /// Byte column of the secret on its line, from 1.
    pub column: usize,
    /// Stable rule id (kebab-case).
    pub rule: &'static str,
    /// Leak or placeholder.
    pub kind: Kind,
    /// Redacted excerpt, e.g. `sk-a…(108 chars)` or `api_key = 9f2K…(40 chars)`.
    pub excerpt: String,
    /// First 16 hex digits of the SHA-256 of the secret: names it in an allowlist.
    pub fingerprint: String,
    /// Where inside decoded data the secret is (`base64 line 1 column 9`, `gzip line 2
    /// column 1`, nested with ` > `); `None` for a secret in the file's own bytes.
    pub inside: Option<String>,
}

/// Why scanning a path failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ScanError {
    /// A file or directory could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

/// A path that was not scanned, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The path.
    pub path: PathBuf,
    /// Why (`symlink`, `special file`, `allowlisted`).
    pub reason: &'static str,
}

/// The result of scanning paths.
#[derive(Debug, Default)]
pub struct ScanReport {
    /// Findings, by path then line.
    pub findings: Vec<Finding>,
    /// Files read.
    pub files: usize,
    /// Bytes read.
    pub bytes: u64,
    /// Paths not read.
    pub skipped: Vec<Skipped>,
}

impl ScanReport {
    /// Whether any finding is a leak.
    pub fn has_leaks(&self) -> bool {
        self.findings.iter().any(|f| f.kind == Kind::Leak)
    }
}

/// Bytes scanned per step; memory stays bounded whatever the file size.
const CHUNK: usize = 4 << 20;
/// Longest candidate plus context: a match may reach this far past a chunk's scan end.
const LOOKAHEAD: usize = 8 << 10;
/// Context kept before a chunk, so boundaries and inline markers see the previous line.
const LOOKBEHIND: usize = 4 << 10;

/// Shortest base64 block that is decoded and scanned (18 bytes decoded).
pub const MIN_BASE64_CHARS: usize = 24;
/// Most bytes decoded (gzip and base64 together) per scanned file.
pub const MAX_DECODED_BYTES: u64 = 16 << 20;
/// Levels of decoding: base64 inside gzip and the reverse, no deeper.
const MAX_DEPTH: u8 = 2;
/// The rule id of the finding for data that was not fully decoded.
pub const DECODE_LIMIT_RULE: &str = ScanRule::DecodeLimit.code();

/// The inline allow marker.
pub const ALLOW_MARKER: &str = "sigil:allow";
/// The inline marker that allows the following line.
pub const ALLOW_NEXT_LINE_MARKER: &str = "sigil:allow-next-line";

/// A compiled set of rules plus an allowlist.
pub struct Scanner {
    rules: Vec<Rule>,
    allow: Allowlist,
}

impl Default for Scanner {
    fn default() -> Self {
        Self::new(Allowlist::default())
    }
}

impl std::fmt::Debug for Scanner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scanner")
            .field("rules", &self.rules.len())
            .field("allow", &self.allow)
            .finish()
    }
}

sigil_core::finding_codes! {
    /// The rule behind a finding (JSON `rule`; listed in `docs/codes.md` and `docs/scan.md`):
    /// the built-in rules in the order they run, then `decode-limit` for encoded data past the
    /// decoding bound.
    pub enum ScanRule {
        /// `sk-ant-<kind><nn>-...`
        AnthropicApiKey = "anthropic-api-key",
        /// `sk-proj-`, `sk-svcacct-`, `sk-admin-` keys and legacy `sk-...T3BlbkFJ...` keys
        OpenaiApiKey = "openai-api-key",
        /// `AKIA`/`ASIA`/`ABIA`/`ACCA` + 16 base32 characters
        AwsAccessKeyId = "aws-access-key-id",
        /// 40 characters assigned to `aws_secret_access_key`
        AwsSecretAccessKey = "aws-secret-access-key",
        /// `ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`
        GithubToken = "github-token",
        /// `glpat-`, `gldt-`, `glrt-`, `glptt-` and the other `gl*-` tokens
        GitlabToken = "gitlab-token",
        /// `AIza` + 35 characters
        GoogleApiKey = "google-api-key",
        /// `GOCSPX-` + 28 characters
        GoogleOauthClientSecret = "google-oauth-client-secret",
        /// `xoxb-`/`xoxp-`/`xoxa-`/... and `xapp-` tokens
        SlackToken = "slack-token",
        /// `https://hooks.slack.com/services/T.../B.../...`
        SlackWebhookUrl = "slack-webhook-url",
        /// `sk_live_`, `sk_test_`, `rk_live_`, `rk_test_`, `whsec_`
        StripeSecretKey = "stripe-secret-key",
        /// `hf_` and `api_org_` tokens
        HuggingfaceToken = "huggingface-token",
        /// `-----BEGIN ... PRIVATE KEY-----` followed by a base64 body (also inside JSON strings)
        PrivateKey = "private-key",
        /// a minisign secret key line (encrypted or not)
        MinisignSecretKey = "minisign-secret-key",
        /// a value of 16+ characters with letters and digits and at least 3.5 bits of entropy per character, assigned to a name containing `api_key`, `apikey`, `secret`, `token`, `password`, `passwd`, `auth_key`, `access_key`, `private_key` or `credential`
        GenericSecretAssignment = "generic-secret-assignment",
        /// Encoded data (base64, gzip) larger than the decoding bound: reported instead of
        /// passing what was not read.
        DecodeLimit = "decode-limit",
    }
}

/// The ids of every built-in rule, in the order they run.
pub fn rule_ids() -> impl Iterator<Item = &'static str> {
    ScanRule::ALL
        .iter()
        .filter(|r| **r != ScanRule::DecodeLimit)
        .map(|r| r.code())
}

/// Redacts a secret: first four characters, an ellipsis, and the length in characters.
pub fn redact(secret: &[u8]) -> String {
    let s = String::from_utf8_lossy(secret);
    let n = s.chars().count();
    let head: String = s.chars().take(4.min(n / 4)).collect();
    format!("{head}\u{2026}({n} chars)")
}

fn fingerprint(secret: &[u8]) -> String {
    let mut hex = sigil_core::Sha256Digest::of(secret).to_hex();
    hex.truncate(16);
    hex
}

/// A raw match inside the current buffer.
struct Hit {
    /// Where the secret starts in the buffer.
    start: usize,
    rule: &'static str,
    kind: Kind,
    excerpt: String,
    fingerprint: String,
    inside: Option<String>,
}

/// What decoding may still do for one top-level file, and what it found in base64 blocks.
struct Budget {
    left: u64,
    exceeded: bool,
    seen: std::collections::HashSet<(&'static str, String)>,
}

/// Characters of a long base64 block decoded again in the next window, so a secret across
/// the previous window's end is whole in one of the two decodes.
const B64_OVERLAP: usize = 1024;

/// Collects decoded bytes up to the budget; fails once past it (stopping the decoder).
struct Capped {
    out: Vec<u8>,
    left: u64,
    exceeded: bool,
}

impl io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() as u64 > self.left {
            self.exceeded = true;
            return Err(io::Error::other("decoded size limit"));
        }
        self.left -= buf.len() as u64;
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn b64_regex() -> &'static regex::bytes::Regex {
    static RE: std::sync::OnceLock<regex::bytes::Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        let pat = format!(
            r"[A-Za-z0-9+/_\-]{{{n},}}={{0,2}}(?:\r?\n[A-Za-z0-9+/_\-]{{4,}}={{0,2}})*",
            n = MIN_BASE64_CHARS
        );
        // The pattern is a constant; it compiles.
        regex::bytes::Regex::new(&pat).unwrap_or_else(|_| unreachable!())
    })
}

fn is_b64_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'_' | b'-')
}

/// Decodes a base64 block (lines joined, padding optional, one alphabet), or `None`.
fn decode_b64(block: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine as _;
    let mut s: Vec<u8> = block
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\r' | b'\n' | b'='))
        .collect();
    if s.len() % 4 == 1 {
        s.pop();
    }
    let url = s.iter().any(|b| matches!(b, b'-' | b'_'));
    let std = s.iter().any(|b| matches!(b, b'+' | b'/'));
    if url && std {
        return None;
    }
    let engine = if url {
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
    } else {
        &base64::engine::general_purpose::STANDARD_NO_PAD
    };
    engine.decode(&s).ok()
}

fn nest(outer: String, inner: Option<String>) -> String {
    match inner {
        Some(i) => format!("{outer} > {i}"),
        None => outer,
    }
}

fn line_bounds(buf: &[u8], at: usize) -> (usize, usize) {
    let start = buf[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let end = buf[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(buf.len(), |i| at + i);
    (start, end)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Whether an inline marker allows the line holding `at`.
fn inline_allowed(buf: &[u8], at: usize) -> bool {
    let (start, end) = line_bounds(buf, at);
    let line = &buf[start..end];
    if contains(line, ALLOW_MARKER.as_bytes()) && !contains(line, ALLOW_NEXT_LINE_MARKER.as_bytes())
    {
        return true;
    }
    if start == 0 {
        return false;
    }
    let (pstart, pend) = line_bounds(buf, start - 1);
    contains(&buf[pstart..pend], ALLOW_NEXT_LINE_MARKER.as_bytes())
}

/// The base64 body after a PEM header, skipping blank lines, literal `\n` escapes and
/// RFC 1421 header lines.
fn pem_body(after: &[u8]) -> &[u8] {
    let mut i = 0;
    loop {
        while i < after.len() && matches!(after[i], b'\r' | b'\n' | b' ' | b'\t') {
            i += 1;
        }
        if after[i..].starts_with(b"\\n") || after[i..].starts_with(b"\\r") {
            i += 2;
            continue;
        }
        let line_end = after[i..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(after.len(), |p| i + p);
        let line = &after[i..line_end];
        if line.starts_with(b"Proc-Type:")
            || line.starts_with(b"DEK-Info:")
            || line.starts_with(b"Comment:")
        {
            i = line_end;
            continue;
        }
        break;
    }
    let run = after[i..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'+' || **b == b'/' || **b == b'=')
        .count();
    &after[i..i + run]
}

impl Scanner {
    /// Built-in rules with an allowlist.
    pub fn new(allow: Allowlist) -> Self {
        Self {
            rules: rules::builtin(),
            allow,
        }
    }

    /// The allowlist.
    pub fn allowlist(&self) -> &Allowlist {
        &self.allow
    }

    /// Whether the allowlist skips this path label entirely.
    pub fn path_allowed(&self, label: &str) -> bool {
        self.allow.allows_path(label)
    }

    /// Finds hits whose secret starts in `[from, to)` of `buf`.
    fn scan_window(&self, buf: &[u8], from: usize, to: usize, hits: &mut Vec<Hit>) {
        for rule in &self.rules {
            let mut locs = rule.find.capture_locations();
            // Start early enough that an assignment whose name precedes `from` is seen.
            let mut pos = from.saturating_sub(512);
            while pos < to {
                let Some(m) = rule.find.captures_read_at(&mut locs, buf, pos) else {
                    break;
                };
                pos = m.end().max(m.start() + 1);
                let hit = match &rule.class {
                    Class::Token { .. } => {
                        let Some((s, e)) = locs.get(1) else { continue };
                        let tok = &buf[s..e];
                        rule.classify_token(tok, rules::prefix_len(tok))
                            .map(|kind| {
                                let secret = rules::trim_trailing(tok);
                                (s, kind, redact(secret), fingerprint(secret))
                            })
                    }
                    Class::PemBlock => {
                        let Some((s, e)) = locs.get(1) else { continue };
                        let body = pem_body(&buf[e..buf.len().min(e + 512)]);
                        let kind = if body.len() >= 16 && !rules::is_placeholder(body) {
                            Kind::Leak
                        } else {
                            Kind::Placeholder
                        };
                        let header = String::from_utf8_lossy(&buf[s..e]);
                        Some((
                            s,
                            kind,
                            format!("{header} [body redacted]"),
                            fingerprint(body),
                        ))
                    }
                    Class::Assignment { .. } => {
                        let (Some((ns, ne)), Some((qs, qe)), Some((vs, ve))) =
                            (locs.get(1), locs.get(2), locs.get(3))
                        else {
                            continue;
                        };
                        let val = &buf[vs..ve];
                        rule.classify_value(val, qe > qs).map(|kind| {
                            let secret = rules::trim_trailing(val);
                            let name = String::from_utf8_lossy(&buf[ns..ne]);
                            (
                                vs,
                                kind,
                                format!("{name} = {}", redact(secret)),
                                fingerprint(secret),
                            )
                        })
                    }
                };
                let Some((start, kind, excerpt, fingerprint)) = hit else {
                    continue;
                };
                if start < from {
                    continue;
                }
                if start >= to {
                    break;
                }
                // One secret, one finding: a provider rule wins over the generic rule.
                if hits.iter().any(|h| h.start == start) {
                    continue;
                }
                if inline_allowed(buf, start)
                    || self.allow.allows_rule(rule.id.code())
                    || self.allow.allows_fingerprint(&fingerprint)
                {
                    continue;
                }
                hits.push(Hit {
                    start,
                    rule: rule.id.code(),
                    kind,
                    excerpt,
                    fingerprint,
                    inside: None,
                });
            }
        }
    }

    /// Base64 blocks starting in `[from, to)`: decoded, scanned, reported as hits at the
    /// block's start.
    fn scan_base64(
        &self,
        buf: &[u8],
        from: usize,
        to: usize,
        depth: u8,
        budget: &mut Budget,
        hits: &mut Vec<Hit>,
    ) {
        if depth >= MAX_DEPTH {
            return;
        }
        for m in b64_regex().find_iter(&buf[from..]) {
            let start = from + m.start();
            if start >= to || budget.exceeded {
                break;
            }
            if inline_allowed(buf, start) {
                continue;
            }
            // A block that started before this window was decoded up to the previous
            // window's end (`from + LOOKAHEAD`); decode the rest from a little before that,
            // at all four alignments (where the block started is no longer known).
            let continued = start > 0 && is_b64_char(buf[start - 1]);
            let (at_start, candidates) = if continued {
                let seg_start = (from + LOOKAHEAD).saturating_sub(B64_OVERLAP).max(start);
                let end = start + m.len();
                if end <= seg_start {
                    continue;
                }
                let seg: Vec<u8> = buf[seg_start..end]
                    .iter()
                    .copied()
                    .filter(|b| !matches!(b, b'\r' | b'\n' | b'='))
                    .collect();
                let c: Vec<Vec<u8>> = (0..4)
                    .filter_map(|skip| seg.get(skip..).and_then(decode_b64))
                    .collect();
                (seg_start, c)
            } else {
                (start, decode_b64(m.as_bytes()).into_iter().collect())
            };
            for decoded in candidates {
                if decoded.len() as u64 > budget.left {
                    budget.exceeded = true;
                    return;
                }
                budget.left -= decoded.len() as u64;
                self.report_b64(&decoded, at_start, continued, depth, budget, hits);
            }
        }
    }

    /// Scans one decoded base64 block and adds its findings as hits at `start`.
    fn report_b64(
        &self,
        decoded: &[u8],
        start: usize,
        continued: bool,
        depth: u8,
        budget: &mut Budget,
        hits: &mut Vec<Hit>,
    ) {
        for f in self.scan_decoded(decoded, depth + 1, budget) {
            // The overlap with the previous window may find a secret again.
            if continued && budget.seen.contains(&(f.rule, f.fingerprint.clone())) {
                continue;
            }
            budget.seen.insert((f.rule, f.fingerprint.clone()));
            let what = if continued {
                "base64 (continued)"
            } else {
                "base64"
            };
            let at = format!("{what} line {} column {}", f.line, f.column);
            hits.push(Hit {
                start,
                rule: f.rule,
                kind: f.kind,
                excerpt: f.excerpt,
                fingerprint: f.fingerprint,
                inside: Some(nest(at, f.inside)),
            });
        }
    }

    /// Scans decoded bytes (one level deeper).
    fn scan_decoded(&self, data: &[u8], depth: u8, budget: &mut Budget) -> Vec<Finding> {
        // Reading from a slice cannot fail.
        self.scan_inner("", data, |_| {}, depth, budget)
            .unwrap_or_default()
    }

    /// Scans bytes in memory.
    pub fn scan_bytes(&self, label: &str, bytes: &[u8]) -> Vec<Finding> {
        // Reading from a slice cannot fail.
        self.scan_reader(label, bytes, |_| {}).unwrap_or_default()
    }

    /// Scans a reader in bounded memory (decoded data: at most [`MAX_DECODED_BYTES`]).
    /// `on_bytes` sees every byte read exactly once, in order, so callers can hash the same
    /// pass.
    pub fn scan_reader<R: Read>(
        &self,
        label: &str,
        reader: R,
        on_bytes: impl FnMut(&[u8]),
    ) -> io::Result<Vec<Finding>> {
        let mut budget = Budget {
            left: MAX_DECODED_BYTES,
            exceeded: false,
            seen: Default::default(),
        };
        if self.allow.allows_path(label) {
            sigil_core::digest::stream(reader, on_bytes, |_| {})?;
            return Ok(Vec::new());
        }
        let mut findings = self.scan_inner(label, reader, on_bytes, 0, &mut budget)?;
        if budget.exceeded {
            let fingerprint = fingerprint(label.as_bytes());
            if !self.allow.allows_rule(DECODE_LIMIT_RULE)
                && !self.allow.allows_fingerprint(&fingerprint)
            {
                findings.push(Finding {
                    path: label.to_owned(),
                    line: 1,
                    column: 1,
                    rule: DECODE_LIMIT_RULE,
                    kind: Kind::Leak,
                    excerpt: format!(
                        "encoded data decodes to more than {MAX_DECODED_BYTES} bytes; the rest was not scanned"
                    ),
                    fingerprint,
                    inside: None,
                });
            }
        }
        Ok(findings)
    }

    fn scan_inner<R: Read>(
        &self,
        label: &str,
        mut reader: R,
        mut on_bytes: impl FnMut(&[u8]),
        depth: u8,
        budget: &mut Budget,
    ) -> io::Result<Vec<Finding>> {
        let mut findings = Vec::new();
        // A gzip file: decompressed alongside the plain scan, scanned at the end.
        let mut gz: Option<flate2::write::MultiGzDecoder<Capped>> = None;
        // Set when the decoder failed (corrupt, or over the budget): no more input for it.
        let mut gz_stopped = false;
        let mut first = true;
        // Grows as needed (up to one chunk plus context): small inputs stay cheap.
        let mut buf: Vec<u8> = Vec::new();
        let mut line_at_buf = 1usize;
        let mut scan_from = 0usize;
        let mut eof = false;
        let mut tmp = vec![0u8; 64 << 10];
        loop {
            while !eof && buf.len() < scan_from + CHUNK + LOOKAHEAD {
                let want = (scan_from + CHUNK + LOOKAHEAD - buf.len()).min(tmp.len());
                match reader.read(&mut tmp[..want]) {
                    Ok(0) => eof = true,
                    Ok(n) => {
                        on_bytes(&tmp[..n]);
                        buf.extend_from_slice(&tmp[..n]);
                        if first && depth < MAX_DEPTH && buf.len() >= 2 {
                            first = false;
                            if buf.starts_with(&[0x1f, 0x8b]) {
                                let mut d = flate2::write::MultiGzDecoder::new(Capped {
                                    out: Vec::new(),
                                    left: budget.left,
                                    exceeded: false,
                                });
                                gz_stopped = io::Write::write_all(&mut d, &buf).is_err();
                                gz = Some(d);
                                continue;
                            }
                        }
                        if let Some(d) = gz.as_mut().filter(|_| !gz_stopped) {
                            gz_stopped = io::Write::write_all(d, &tmp[..n]).is_err();
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            let scan_to = if eof {
                buf.len()
            } else {
                buf.len() - LOOKAHEAD
            };
            let mut hits = Vec::new();
            self.scan_window(&buf, scan_from, scan_to, &mut hits);
            self.scan_base64(&buf, scan_from, scan_to, depth, budget, &mut hits);
            hits.sort_by_key(|h| h.start);
            let (mut line, mut counted) = (line_at_buf, 0usize);
            for h in hits {
                line += buf[counted..h.start]
                    .iter()
                    .filter(|&&b| b == b'\n')
                    .count();
                counted = h.start;
                let (ls, _) = line_bounds(&buf, h.start);
                findings.push(Finding {
                    path: label.to_owned(),
                    line,
                    column: h.start - ls + 1,
                    rule: h.rule,
                    kind: h.kind,
                    excerpt: h.excerpt,
                    fingerprint: h.fingerprint,
                    inside: h.inside,
                });
            }
            if eof {
                if let Some(mut d) = gz.take() {
                    if !gz_stopped {
                        // A truncated or corrupt end: scan what came out anyway.
                        let _ = d.try_finish();
                    }
                    if d.get_ref().exceeded {
                        budget.exceeded = true;
                    }
                    let data = std::mem::take(&mut d.get_mut().out);
                    budget.left = budget.left.saturating_sub(data.len() as u64);
                    for f in self.scan_decoded(&data, depth + 1, budget) {
                        let at = format!("gzip line {} column {}", f.line, f.column);
                        findings.push(Finding {
                            path: label.to_owned(),
                            line: 1,
                            column: 1,
                            inside: Some(nest(at, f.inside)),
                            ..f
                        });
                    }
                }
                return Ok(findings);
            }
            let keep_from = scan_to.saturating_sub(LOOKBEHIND);
            line_at_buf += buf[..keep_from].iter().filter(|&&b| b == b'\n').count();
            buf.drain(..keep_from);
            scan_from = scan_to - keep_from;
        }
    }

    /// Scans one file.
    pub fn scan_file(&self, path: &Path, label: &str) -> Result<(Vec<Finding>, u64), ScanError> {
        let io = |source| ScanError::Io {
            path: path.to_owned(),
            source,
        };
        let (f, _) = sigil_core::input::open(path).map_err(io)?;
        let mut n = 0u64;
        let findings = self
            .scan_reader(label, f, |b| n += b.len() as u64)
            .map_err(io)?;
        Ok((findings, n))
    }

    /// Scans files and directory trees. Symlinks are not followed and `.git` directories
    /// are not entered; both are listed in [`ScanReport::skipped`].
    pub fn scan_paths(&self, paths: &[PathBuf]) -> Result<ScanReport, ScanError> {
        let mut report = ScanReport::default();
        for p in paths {
            self.scan_one(p, &mut report)?;
        }
        report
            .findings
            .sort_by(|a, b| (&a.path, a.line, a.column).cmp(&(&b.path, b.line, b.column)));
        Ok(report)
    }

    fn scan_one(&self, path: &Path, report: &mut ScanReport) -> Result<(), ScanError> {
        let io = |source| ScanError::Io {
            path: path.to_owned(),
            source,
        };
        let meta = fs::symlink_metadata(path).map_err(io)?;
        let label = path.to_string_lossy().into_owned();
        let label = label.strip_prefix("./").unwrap_or(&label).to_owned();
        if self.allow.allows_path(&label) {
            report.skipped.push(Skipped {
                path: path.to_owned(),
                reason: "allowlisted",
            });
            return Ok(());
        }
        let ft = meta.file_type();
        if ft.is_symlink() {
            report.skipped.push(Skipped {
                path: path.to_owned(),
                reason: "symlink",
            });
        } else if ft.is_dir() {
            let mut entries: Vec<_> = fs::read_dir(path)
                .map_err(io)?
                .collect::<Result<_, _>>()
                .map_err(io)?;
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                if e.file_name() == ".git" {
                    report.skipped.push(Skipped {
                        path: e.path(),
                        reason: "git directory",
                    });
                    continue;
                }
                self.scan_one(&e.path(), report)?;
            }
        } else if ft.is_file() {
            let (mut findings, n) = self.scan_file(path, &label)?;
            report.files += 1;
            report.bytes += n;
            report.findings.append(&mut findings);
        } else {
            report.skipped.push(Skipped {
                path: path.to_owned(),
                reason: "special file",
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
