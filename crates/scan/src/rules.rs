//! The detection rules: one regex per rule finds candidates, then a classifier decides
//! whether a candidate is a leak, a documentation placeholder, or nothing.
//!
//! Token rules match a provider prefix followed by token characters. A candidate is a
//! placeholder when the part after the prefix carries a placeholder marker (`your`, `xxxx`,
//! `<...>`, `${...}`, ...), a leak when it matches the provider's strict format, and is
//! ignored otherwise (prose that mentions a prefix, truncated examples).

use regex::bytes::Regex;

use crate::{Kind, ScanRule};

/// How a rule's candidates are classified.
pub(crate) enum Class {
    /// Provider token: `strict` are whole-token formats; `exclude` are prefixes owned by
    /// another rule (`sk-ant-` is Anthropic, not OpenAI).
    Token {
        strict: Vec<Regex>,
        exclude: &'static [&'static [u8]],
    },
    /// `-----BEGIN ... PRIVATE KEY-----`: a leak when a base64 body follows.
    PemBlock,
    /// `name = value`: `strict` (if any) is the value's required format; otherwise a
    /// value is a leak when it is long and high-entropy.
    Assignment { strict: Option<Regex> },
}

/// One rule.
pub(crate) struct Rule {
    /// Stable kebab-case id, printed with every finding (never renamed).
    pub id: ScanRule,
    /// Finds candidates; group `tok` is the token (or `val` the assigned value).
    pub find: Regex,
    /// Classifier.
    pub class: Class,
}

/// Characters a candidate token may hold: token characters plus the ones placeholders use.
const CAND: &str = r"[A-Za-z0-9_\-<>{}$.*%]{0,300}";
/// What may stand right before a token (anything but a token character).
const LEFT: &str = r"(?:^|[^A-Za-z0-9_+/\-])";

fn re(s: &str) -> Regex {
    // Invariant: every pattern below is a constant that the unit tests compile.
    #[allow(clippy::expect_used)]
    Regex::new(s).expect("built-in rule pattern compiles")
}

fn token(id: ScanRule, prefix: &str, strict: &[&str], exclude: &'static [&'static [u8]]) -> Rule {
    token_with(id, prefix, CAND, strict, exclude)
}

fn token_with(
    id: ScanRule,
    prefix: &str,
    cand: &str,
    strict: &[&str],
    exclude: &'static [&'static [u8]],
) -> Rule {
    Rule {
        id,
        find: re(&format!(r"(?m-u){LEFT}(?P<tok>(?:{prefix}){cand})")),
        class: Class::Token {
            strict: strict
                .iter()
                .map(|s| re(&format!("(?-u)^(?:{s})$")))
                .collect(),
            exclude,
        },
    }
}

fn assignment(id: ScanRule, names: &str, strict: Option<&str>) -> Rule {
    Rule {
        id,
        find: re(&format!(
            r#"(?m-u)(?:^|[^A-Za-z0-9_.\-])(?P<name>[A-Za-z0-9_.\-]{{0,40}}(?i:{names})[A-Za-z0-9_.\-]{{0,40}})["']?[ \t]{{0,8}}(?::=|=>|=|:)[ \t]{{0,8}}(?P<q>["'`]?)(?P<val>[^\s"'`,;]{{1,300}})"#
        )),
        class: Class::Assignment {
            strict: strict.map(|s| re(&format!("(?-u)^(?:{s})$"))),
        },
    }
}

/// Every built-in rule, providers first, the generic assignment rule last.
pub(crate) fn builtin() -> Vec<Rule> {
    vec![
        token(
            ScanRule::AnthropicApiKey,
            "sk-ant-",
            &[r"sk-ant-[a-z]{2,8}[0-9]{2}-[A-Za-z0-9_\-]{32,250}"],
            &[],
        ),
        token(
            ScanRule::OpenaiApiKey,
            "sk-",
            &[
                r"sk-(?:proj|svcacct|admin|None)-[A-Za-z0-9_\-]{32,250}",
                r"sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}",
                r"sk-[A-Za-z0-9]{48}",
            ],
            &[b"sk-ant-"],
        ),
        token(
            ScanRule::AwsAccessKeyId,
            "AKIA|ASIA|ABIA|ACCA",
            &[r"(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}"],
            &[],
        ),
        assignment(
            ScanRule::AwsSecretAccessKey,
            r"aws_?secret_?access_?key",
            Some(r"[A-Za-z0-9/+]{40}"),
        ),
        token(
            ScanRule::GithubToken,
            "gh[pousr]_|github_pat_",
            &[
                r"gh[pousr]_[A-Za-z0-9]{36,251}",
                r"github_pat_[A-Za-z0-9_]{50,240}",
            ],
            &[],
        ),
        token(
            ScanRule::GitlabToken,
            "gl(?:pat|dt|rt|ptt|cbt|imt|oas|ft|soat|agent|ffct)-",
            &[r"gl[a-z]{2,5}-[A-Za-z0-9_\-]{20,250}"],
            &[],
        ),
        token(
            ScanRule::GoogleApiKey,
            "AIza",
            &[r"AIza[0-9A-Za-z_\-]{35}"],
            &[],
        ),
        token(
            ScanRule::GoogleOauthClientSecret,
            "GOCSPX-",
            &[r"GOCSPX-[A-Za-z0-9_\-]{28}"],
            &[],
        ),
        token(
            ScanRule::SlackToken,
            "xox[abposr]-|xapp-",
            &[
                r"xox[abposr]-[0-9]{6,}-[A-Za-z0-9\-]{8,250}",
                r"xapp-[0-9]-[A-Z0-9]{6,}-[0-9]{6,}-[A-Za-z0-9]{32,250}",
            ],
            &[],
        ),
        Rule {
            id: ScanRule::SlackWebhookUrl,
            find: re(
                r"(?m-u)(?P<tok>https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9_\-<>{}$.*%/]{0,300})",
            ),
            class: Class::Token {
                strict: vec![re(
                    r"(?-u)^https://hooks\.slack\.com/(?:services|workflows)/T[A-Z0-9]{6,}/[AB][A-Z0-9]{6,}/[A-Za-z0-9]{20,}$",
                )],
                exclude: &[],
            },
        },
        token(
            ScanRule::StripeSecretKey,
            "sk_live_|sk_test_|rk_live_|rk_test_|whsec_",
            &[
                r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{20,250}",
                r"whsec_[A-Za-z0-9+/=]{32,250}",
            ],
            &[],
        ),
        token(
            ScanRule::HuggingfaceToken,
            "hf_|api_org_",
            &[r"(?:hf|api_org)_[A-Za-z0-9]{30,250}"],
            &[],
        ),
        Rule {
            id: ScanRule::PrivateKey,
            find: re(r"(?m-u)(?P<tok>-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)"),
            class: Class::PemBlock,
        },
        token_with(
            ScanRule::MinisignSecretKey,
            "RWRTY0Iy|RWQAAEIy",
            r"[A-Za-z0-9+/=_\-<>{}$.*%]{0,300}",
            &[r"RW(?:RTY0Iy|QAAEIy)[A-Za-z0-9+/]{100,250}={0,2}"],
            &[],
        ),
        assignment(
            ScanRule::GenericSecretAssignment,
            r"api[_.\-]?key|apikey|secret|token|passw(?:or)?d|passwd|auth[_.\-]?key|access[_.\-]?key|private[_.\-]?key|credentials?",
            None,
        ),
    ]
}

/// Shannon entropy in bits per byte.
pub(crate) fn entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Words and shapes that documentation uses in place of a real secret.
const MARKERS: &[&[u8]] = &[
    b"your",
    b"example",
    b"xxxx",
    b"placeholder",
    b"changeme",
    b"change-me",
    b"change_me",
    b"replace",
    b"redacted",
    b"dummy",
    b"sample",
    b"insert",
    b"here",
    b"<",
    b">",
    b"${",
    b"{{",
    b"...",
    b"****",
    b"todo",
    b"fixme",
    "\u{2026}".as_bytes(),
];

/// Whether a token (after its provider prefix) or an assigned value reads as a placeholder.
pub(crate) fn is_placeholder(s: &[u8]) -> bool {
    let lower = s.to_ascii_lowercase();
    if MARKERS
        .iter()
        .any(|m| lower.windows(m.len()).any(|w| w == *m))
    {
        return true;
    }
    // `$VAR`, `%VAR%`: a reference to the environment, not a value.
    if s.len() > 1 && (s[0] == b'$' || (s[0] == b'%' && s.ends_with(b"%"))) {
        return true;
    }
    // A run of eight identical characters (`00000000`, `aaaaaaaa`) never occurs in a real key.
    s.windows(8).any(|w| w.iter().all(|&b| b == w[0]))
}

/// Whether an unquoted value is code (a variable, a call) rather than a literal.
fn looks_like_code(v: &[u8], quoted: bool) -> bool {
    if v.iter().any(|b| b"()[]{}".contains(b)) {
        return true;
    }
    // snake_case or SCREAMING_SNAKE identifiers and dotted paths.
    let ident = v
        .iter()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'.')
        || v.iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_' || *b == b'.');
    (ident && v.iter().any(|b| *b == b'_' || *b == b'.'))
        || (!quoted && v.contains(&b'.') && v.first().is_some_and(u8::is_ascii_alphabetic))
}

impl Rule {
    /// Classifies a token-rule candidate.
    pub(crate) fn classify_token(&self, tok: &[u8], prefix_len: usize) -> Option<Kind> {
        let Class::Token { strict, exclude } = &self.class else {
            return None;
        };
        if exclude.iter().any(|e| tok.starts_with(e)) {
            return None;
        }
        let rest = &tok[prefix_len.min(tok.len())..];
        if rest.is_empty() {
            return None;
        }
        if is_placeholder(rest) {
            return Some(Kind::Placeholder);
        }
        let trimmed = trim_trailing(tok);
        if strict.iter().any(|r| r.is_match(trimmed)) {
            return Some(
                if entropy(&trimmed[prefix_len.min(trimmed.len())..]) < 2.5 {
                    Kind::Placeholder
                } else {
                    Kind::Leak
                },
            );
        }
        None
    }

    /// Classifies an assigned value.
    pub(crate) fn classify_value(&self, val: &[u8], quoted: bool) -> Option<Kind> {
        let Class::Assignment { strict } = &self.class else {
            return None;
        };
        // A URL assigned to `TOKEN_URL` is configuration, not a credential.
        if val.windows(3).any(|w| w == b"://") {
            return None;
        }
        if is_placeholder(val) {
            return Some(Kind::Placeholder);
        }
        let v = trim_trailing(val);
        if let Some(strict) = strict {
            return strict.is_match(v).then_some(Kind::Leak);
        }
        if looks_like_code(v, quoted) || v.len() < 16 {
            return None;
        }
        let letters = v.iter().any(u8::is_ascii_alphabetic);
        let digits = v.iter().any(u8::is_ascii_digit);
        (letters && digits && entropy(v) >= 3.5).then_some(Kind::Leak)
    }
}

/// Sentence punctuation after a token is not part of it.
pub(crate) fn trim_trailing(s: &[u8]) -> &[u8] {
    let mut end = s.len();
    while end > 0 && matches!(s[end - 1], b'.' | b'*' | b'%' | b'>' | b'}' | b')' | b'$') {
        end -= 1;
    }
    &s[..end]
}

/// The length of the provider prefix at the start of `tok`, as the `find` regex matched it.
pub(crate) fn prefix_len(tok: &[u8]) -> usize {
    const PREFIXES: &[&[u8]] = &[
        b"sk-ant-",
        b"github_pat_",
        b"https://hooks.slack.com/services/",
        b"https://hooks.slack.com/workflows/",
        b"sk_live_",
        b"sk_test_",
        b"rk_live_",
        b"rk_test_",
        b"whsec_",
        b"api_org_",
        b"GOCSPX-",
        b"RWRTY0Iy",
        b"RWQAAEIy",
        b"xapp-",
        b"AKIA",
        b"ASIA",
        b"ABIA",
        b"ACCA",
        b"AIza",
        b"hf_",
        b"sk-",
    ];
    if let Some(p) = PREFIXES.iter().find(|p| tok.starts_with(p)) {
        return p.len();
    }
    // gl<kind>-, xox<k>-, gh<k>_: up to the first separator.
    tok.iter()
        .position(|b| *b == b'-' || *b == b'_')
        .map_or(0, |i| i + 1)
}
