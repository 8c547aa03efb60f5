//! The allowlist file: one directive per line, `#` starts a comment.
//!
//! ```text
//! path docs/examples/**      # skip files whose label matches the glob (`*`, `?`, `**`)
//! rule generic-secret-assignment
//! fingerprint 3f2a9c01d4e5b6a7   # one secret, by the fingerprint printed with its finding
//! content tools/fixture.bin vendored test fixture, reviewed   # GLOB then a reason
//! ```
//!
//! `content` lines are not used by the secret scan: they are exceptions to the data-only
//! content rules of packs (`executable-content`, `content-mismatch`) for files matching the
//! glob, and must say why (everything after the glob is the reason).

use thiserror::Error;

/// Why an allowlist did not parse. Lines start at 1.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum AllowlistParseError {
    /// Not `path`, `rule` or `fingerprint`.
    #[error(
        "line {line}: unknown directive {directive:?} (expected path, rule, fingerprint or content)"
    )]
    UnknownDirective {
        /// Line number.
        line: usize,
        /// What the line starts with.
        directive: String,
    },
    /// A directive without a value, or with more than one.
    #[error("line {line}: expected one value after {directive:?}")]
    Value {
        /// Line number.
        line: usize,
        /// The directive.
        directive: String,
    },
    /// A rule id that no rule has.
    #[error("line {line}: unknown rule {rule:?}")]
    UnknownRule {
        /// Line number.
        line: usize,
        /// The id.
        rule: String,
    },
    /// A `content` exception without a reason.
    #[error("line {line}: `content GLOB REASON` needs a reason after the glob")]
    Reason {
        /// Line number.
        line: usize,
    },
    /// A fingerprint that is not 16 lowercase hex digits.
    #[error("line {line}: fingerprint must be 16 lowercase hex digits")]
    Fingerprint {
        /// Line number.
        line: usize,
    },
}

/// Paths, rules and individual secrets that are not reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    paths: Vec<String>,
    rules: Vec<String>,
    fingerprints: Vec<String>,
    content: Vec<ContentException>,
}

/// An exception to the pack content rules: files matching `glob`, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentException {
    /// The path glob.
    pub glob: String,
    /// Why the exception is there.
    pub reason: String,
}

impl Allowlist {
    /// Parses an allowlist file.
    pub fn parse(text: &str) -> Result<Self, AllowlistParseError> {
        let mut out = Self::default();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let body = raw.split_once('#').map_or(raw, |(b, _)| b).trim();
            if body.is_empty() {
                continue;
            }
            let mut words = body.split_whitespace();
            let directive = words.next().unwrap_or_default();
            if directive == "content" {
                let Some(glob) = words.next() else {
                    return Err(AllowlistParseError::Value {
                        line,
                        directive: directive.to_owned(),
                    });
                };
                let reason = words.collect::<Vec<_>>().join(" ");
                if reason.is_empty() {
                    return Err(AllowlistParseError::Reason { line });
                }
                out.content.push(ContentException {
                    glob: glob.to_owned(),
                    reason,
                });
                continue;
            }
            let value = words.next();
            let (Some(value), None) = (value, words.next()) else {
                return Err(AllowlistParseError::Value {
                    line,
                    directive: directive.to_owned(),
                });
            };
            match directive {
                "path" => out.paths.push(value.to_owned()),
                "rule" if crate::ScanRule::parse(value).is_some() => {
                    out.rules.push(value.to_owned())
                }
                "rule" => {
                    return Err(AllowlistParseError::UnknownRule {
                        line,
                        rule: value.to_owned(),
                    })
                }
                "fingerprint" => {
                    if value.len() != 16
                        || !value
                            .bytes()
                            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                    {
                        return Err(AllowlistParseError::Fingerprint { line });
                    }
                    out.fingerprints.push(value.to_owned());
                }
                other => {
                    return Err(AllowlistParseError::UnknownDirective {
                        line,
                        directive: other.to_owned(),
                    })
                }
            }
        }
        Ok(out)
    }

    /// Whether a file label matches a `path` glob.
    pub fn allows_path(&self, label: &str) -> bool {
        self.paths.iter().any(|g| glob_match(g, label))
    }

    /// Whether a rule is switched off.
    pub fn allows_rule(&self, rule: &str) -> bool {
        self.rules.iter().any(|r| r == rule)
    }

    /// The content-rule exception covering a pack path, if any.
    pub fn content_exception(&self, path: &str) -> Option<&ContentException> {
        self.content.iter().find(|c| glob_match(&c.glob, path))
    }

    /// Whether one secret is allowed.
    pub fn allows_fingerprint(&self, fp: &str) -> bool {
        self.fingerprints.iter().any(|f| f == fp)
    }
}

/// Glob over `/`-separated paths: `*` and `?` stay within a segment, `**` spans segments.
pub fn glob_match(glob: &str, path: &str) -> bool {
    let g: Vec<&str> = glob.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    match_segments(&g, &p)
}

fn match_segments(g: &[&str], p: &[&str]) -> bool {
    match g.split_first() {
        None => p.is_empty(),
        Some((&"**", rest)) => (0..=p.len()).any(|i| match_segments(rest, &p[i..])),
        Some((first, rest)) => match p.split_first() {
            Some((seg, prest)) => {
                match_segment(first.as_bytes(), seg.as_bytes()) && match_segments(rest, prest)
            }
            None => false,
        },
    }
}

fn match_segment(g: &[u8], s: &[u8]) -> bool {
    // Iterative wildcard matching with one backtrack point: linear enough for path segments.
    let (mut gi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if gi < g.len() && (g[gi] == b'?' || g[gi] == s[si]) {
            gi += 1;
            si += 1;
        } else if gi < g.len() && g[gi] == b'*' {
            star = Some((gi, si));
            gi += 1;
        } else if let Some((sg, ss)) = star {
            gi = sg + 1;
            si = ss + 1;
            star = Some((sg, ss + 1));
        } else {
            return false;
        }
    }
    while gi < g.len() && g[gi] == b'*' {
        gi += 1;
    }
    gi == g.len()
}
