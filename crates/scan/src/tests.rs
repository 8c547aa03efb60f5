//! Unit tests. Fake credentials are assembled at run time from a prefix and generated
//! characters, so this file holds nothing that looks like a secret to any scanner.

use super::*;
use proptest::prelude::*;

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const UPPER_B32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const UPPER_NUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Deterministic generated characters (xorshift), never a real key.
fn gen(seed: u64, len: usize, alphabet: &str) -> String {
    let a = alphabet.as_bytes();
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            a[(x % a.len() as u64) as usize] as char
        })
        .collect()
}

/// One realistic-format sample per rule.
pub(crate) fn samples() -> Vec<(&'static str, String)> {
    vec![
        (
            "anthropic-api-key",
            format!("{}{}{}AA", "sk-ant-", "api03-", gen(1, 93, B64URL)),
        ),
        (
            "openai-api-key",
            format!("{}{}", "sk-proj-", gen(2, 156, B64URL)),
        ),
        (
            "openai-api-key",
            format!(
                "sk-{}{}{}{}",
                gen(3, 20, ALNUM),
                "T3Blbk",
                "FJ",
                gen(4, 20, ALNUM)
            ),
        ),
        (
            "aws-access-key-id",
            format!("{}{}", "AKIA", gen(5, 16, UPPER_B32)),
        ),
        (
            "aws-secret-access-key",
            format!("aws_secret_access_key = {}", gen(6, 40, B64)),
        ),
        ("github-token", format!("{}{}", "ghp_", gen(7, 36, ALNUM))),
        (
            "github-token",
            format!(
                "{}{}_{}",
                "github_pat_",
                gen(8, 22, ALNUM),
                gen(9, 59, ALNUM)
            ),
        ),
        (
            "gitlab-token",
            format!("{}{}", "glpat-", gen(10, 20, B64URL)),
        ),
        (
            "google-api-key",
            format!("{}{}", "AIza", gen(11, 35, B64URL)),
        ),
        (
            "google-oauth-client-secret",
            format!("{}{}", "GOCSPX-", gen(12, 28, B64URL)),
        ),
        (
            "slack-token",
            format!(
                "{}{}-{}-{}",
                "xoxb-",
                gen(13, 12, "0123456789"),
                gen(14, 13, "0123456789"),
                gen(15, 24, ALNUM)
            ),
        ),
        (
            "slack-webhook-url",
            format!(
                "{}T{}/B{}/{}",
                "https://hooks.slack.com/services/",
                gen(16, 10, UPPER_NUM),
                gen(17, 10, UPPER_NUM),
                gen(18, 24, ALNUM)
            ),
        ),
        (
            "stripe-secret-key",
            format!("{}{}", "sk_live_", gen(19, 99, ALNUM)),
        ),
        (
            "huggingface-token",
            format!("{}{}", "hf_", gen(20, 34, ALNUM)),
        ),
        (
            "private-key",
            format!(
                "-----BEGIN {}-----\n{}\n{}\n-----END RSA PRIVATE KEY-----",
                "RSA PRIVATE KEY",
                gen(21, 64, B64),
                gen(22, 64, B64)
            ),
        ),
        (
            "minisign-secret-key",
            format!("{}{}", "RWRTY0Iy", gen(23, 150, B64)),
        ),
        (
            "generic-secret-assignment",
            format!("api_key = \"{}\"", gen(24, 32, ALNUM)),
        ),
    ]
}

type Expect<'a> = &'a [(&'a str, Kind, usize)];

fn check(input: &str, expect: Expect<'_>) {
    let got: Vec<_> = Scanner::default()
        .scan_bytes("f", input.as_bytes())
        .into_iter()
        .map(|f| (f.rule, f.kind, f.line))
        .collect();
    let expect: Vec<_> = expect.iter().map(|&(r, k, l)| (r, k, l)).collect();
    assert_eq!(got, expect, "input {input:?}");
}

#[test]
fn patterns_compile_and_ids_are_kebab_case() {
    let built: Vec<&str> = rules::builtin().iter().map(|r| r.id.code()).collect();
    assert_eq!(built, rule_ids().collect::<Vec<_>>());
    for id in rule_ids() {
        assert!(
            id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{id}"
        );
    }
}

#[test]
fn every_provider_sample_is_a_leak() {
    for (rule, sample) in samples() {
        check(
            &format!("config:\n  value: {sample}\n"),
            &[(rule, Kind::Leak, 2)],
        );
        // Quoted, in JSON, at the end of a sentence.
        check(
            &format!("{{\"k\": \"{sample}\"}}"),
            &[(rule, Kind::Leak, 1)],
        );
        if !sample.contains('\n') {
            check(&format!("the key is {sample}."), &[(rule, Kind::Leak, 1)]);
        }
    }
}

#[test]
fn placeholders_are_not_leaks() {
    let p = Kind::Placeholder;
    check(
        "export ANTHROPIC_API_KEY=sk-ant-your-key-here",
        &[("anthropic-api-key", p, 1)],
    );
    check(
        "OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxx",
        &[("openai-api-key", p, 1)],
    );
    check("key: sk-...", &[("openai-api-key", p, 1)]);
    check(
        &format!("aws_access_key_id = {}{}", "AKIA", "IOSFODNN7EXAMPLE"),
        &[("aws-access-key-id", p, 1)],
    );
    check(
        "token: <your-token>",
        &[("generic-secret-assignment", p, 1)],
    );
    check(
        "api_key = \"${OPENAI_API_KEY}\"",
        &[("generic-secret-assignment", p, 1)],
    );
    check(
        "password: $DB_PASSWORD",
        &[("generic-secret-assignment", p, 1)],
    );
    check(
        &format!("{}{}", "ghp_", "x".repeat(36)),
        &[("github-token", p, 1)],
    );
    check(
        &format!("-----BEGIN {}-----\n...\n", "PRIVATE KEY"),
        &[("private-key", p, 1)],
    );
}

#[test]
fn ordinary_text_is_clean() {
    check(
        "The tokenizer splits text into tokens; max_tokens = 4096.",
        &[],
    );
    check("id = \"123e4567-e89b-12d3-a456-426614174000\"", &[]);
    check(
        "sha256 = \"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"",
        &[],
    );
    check(
        "token = os.environ[\"TOKEN\"]\npassword = get_password()\nsecret = config.secret_value",
        &[],
    );
    check("api_key = settings.OPENAI_API_KEY", &[]);
    check("let task-sk-ant-thing = 1; ask-ant-", &[]);
    check("mask_token_id = MASK_TOKEN_ID_FOR_MODEL", &[]);
    check("hf_hub_download(repo_id, filename)", &[]);
    check("password = \"hunter2\"", &[]);
    check("\"integrity\": \"sha512-Wx2zH8bYiuK3ZyZKl4zp/T1Ne9Uvkwb+QgLrU9wW6y4mGjIPYbX1PHoxQmxNd2Y5wLxd9Y0aKpxY6rjLU5uTQ==\"", &[]);
}

#[test]
fn base64_blobs_do_not_trigger_prefixes() {
    let blob = format!(
        "data:image/png;base64,{}AIza{}{}==",
        gen(30, 2000, B64),
        gen(31, 35, B64URL),
        gen(32, 2000, B64)
    );
    check(&blob, &[]);
    let blob = format!(
        "{}AKIA{}{}",
        gen(33, 100, B64),
        gen(34, 16, UPPER_B32),
        gen(35, 100, B64)
    );
    check(&blob, &[]);
}

#[test]
fn inline_markers_and_allowlist() {
    let leak = format!("{}{}", "ghp_", gen(40, 36, ALNUM));
    check(&format!("t = {leak} # sigil:allow"), &[]);
    check(
        &format!("# sigil:allow-next-line\nt = {leak}\nu = {leak}"),
        &[("github-token", Kind::Leak, 3)],
    );
    let fp = Scanner::default().scan_bytes("f", leak.as_bytes())[0]
        .fingerprint
        .clone();
    let allow = Allowlist::parse(&format!("# ok\nfingerprint {fp}  # test key\n")).unwrap();
    assert!(Scanner::new(allow)
        .scan_bytes("f", leak.as_bytes())
        .is_empty());
    let allow = Allowlist::parse("rule github-token\npath docs/**/*.md\n").unwrap();
    let s = Scanner::new(allow);
    assert!(s.scan_bytes("f", leak.as_bytes()).is_empty());
    assert!(s.path_allowed("docs/a/b/readme.md"));
    assert!(!s.path_allowed("src/readme.md"));
    assert_eq!(
        Allowlist::parse("rule nope"),
        Err(AllowlistParseError::UnknownRule {
            line: 1,
            rule: "nope".into()
        })
    );
    assert_eq!(
        Allowlist::parse("\nallow x"),
        Err(AllowlistParseError::UnknownDirective {
            line: 2,
            directive: "allow".into()
        })
    );
    assert_eq!(
        Allowlist::parse("path"),
        Err(AllowlistParseError::Value {
            line: 1,
            directive: "path".into()
        })
    );
    assert_eq!(
        Allowlist::parse("fingerprint XYZ"),
        Err(AllowlistParseError::Fingerprint { line: 1 })
    );
}

#[test]
fn excerpts_are_redacted() {
    for (rule, sample) in samples() {
        let secret = if rule == "private-key" {
            sample.lines().nth(1).unwrap()
        } else {
            sample.trim_end_matches('"')
        };
        let tail: String = secret.chars().skip(secret.chars().count() - 12).collect();
        for f in Scanner::default().scan_bytes("f", sample.as_bytes()) {
            assert!(
                !f.excerpt.contains(&tail),
                "{} leaks in {:?}",
                f.rule,
                f.excerpt
            );
            assert!(
                f.excerpt.contains('\u{2026}') || f.excerpt.contains("[body redacted]"),
                "{:?}",
                f.excerpt
            );
        }
    }
    assert_eq!(redact(b"abcdefghijklmnop"), "abcd\u{2026}(16 chars)");
}

#[test]
fn findings_across_chunk_boundaries_have_right_lines() {
    let leak = format!("{}{}", "ghp_", gen(50, 36, ALNUM));
    let filler = "lorem ipsum dolor sit amet\n".repeat(CHUNK / 27 + 1);
    // One leak straddling the first chunk's scan end, one far later, one at the very start.
    let mut text = format!("{leak}\n");
    text.push_str(&filler[..CHUNK - LOOKAHEAD - 10 - text.len()]);
    let line2 = text.matches('\n').count() + 1;
    text.push_str(&format!("api_key = \"{leak}\"\n"));
    text.push_str(&filler);
    text.push_str(&filler);
    let line3 = text.matches('\n').count() + 1;
    text.push_str(&leak);
    let got: Vec<_> = Scanner::default()
        .scan_bytes("f", text.as_bytes())
        .into_iter()
        .map(|f| (f.line, f.rule))
        .collect();
    assert_eq!(
        got,
        vec![
            (1, "github-token"),
            (line2, "github-token"),
            (line3, "github-token")
        ]
    );
}

#[test]
fn scan_paths_walks_trees_without_following_symlinks() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("a/.git")).unwrap();
    std::fs::write(
        dir.path().join("a/.git/config"),
        format!("{}{}", "ghp_", gen(60, 36, ALNUM)),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a/b.txt"),
        format!("x\n{}{}\n", "ghp_", gen(61, 36, ALNUM)),
    )
    .unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.path().join("a/link")).unwrap();
    let r = Scanner::default()
        .scan_paths(&[dir.path().join("a")])
        .unwrap();
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].line, 2);
    assert!(r.findings[0].path.ends_with("a/b.txt"));
    assert_eq!(r.files, 1);
    let reasons: Vec<_> = r.skipped.iter().map(|s| s.reason).collect();
    assert_eq!(reasons, vec!["git directory", "symlink"]);
}

proptest! {
    #[test]
    fn scanning_never_panics(s in proptest::collection::vec(any::<u8>(), 0..600)) {
        let _ = Scanner::default().scan_bytes("f", &s);
    }

    #[test]
    fn scanning_text_never_panics(s in "(sk-ant-|AKIA|ghp_|api_key=|-----BEGIN PRIVATE KEY-----|\\\\n|[ -~\n]){0,40}") {
        let _ = Scanner::default().scan_bytes("f", s.as_bytes());
    }

    #[test]
    fn allowlist_parse_never_panics(s in "\\PC*") {
        let _ = Allowlist::parse(&s);
    }

    #[test]
    fn glob_star_matches_within_segment(a in "[a-z]{0,8}", b in "[a-z]{0,8}") {
        let path = format!("{a}{b}.md");
        prop_assert!(allowlist::glob_match("*.md", &path));
        let prefix = format!("{a}*");
        let nested = format!("x/{path}");
        let deeper = format!("x/y/{path}");
        prop_assert!(allowlist::glob_match(&prefix, &path));
        prop_assert!(!allowlist::glob_match("*.md", &nested));
        prop_assert!(allowlist::glob_match("**/*.md", &deeper));
    }
}

fn b64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Findings in decoded data (a small gzip keeps a random token as literal bytes, which the
/// plain scan finds too).
fn found(findings: &[Finding]) -> Vec<(&'static str, usize, usize, Option<&str>)> {
    findings
        .iter()
        .filter(|f| f.inside.is_some() || f.rule == DECODE_LIMIT_RULE)
        .map(|f| (f.rule, f.line, f.column, f.inside.as_deref()))
        .collect()
}

#[test]
fn secrets_inside_base64_blocks_are_found() {
    let token = format!("{}{}", "ghp_", gen(7, 36, ALNUM));
    let text = format!(
        "intro\nconfig: \"{}\"\n",
        b64(format!("x\ntoken {token}\n").as_bytes())
    );
    let s = Scanner::default();
    let f = s.scan_bytes("f.yaml", text.as_bytes());
    assert_eq!(
        found(&f),
        [("github-token", 2, 10, Some("base64 line 2 column 7"))]
    );
    assert_eq!(f[0].excerpt, redact(token.as_bytes()));
    // Wrapped at 76 characters, as PEM and MIME do.
    let wrapped: String = b64(format!("{}token {token}\n", "padding ".repeat(20)).as_bytes())
        .as_bytes()
        .chunks(76)
        .map(|c| format!("{}\n", std::str::from_utf8(c).unwrap()))
        .collect();
    assert_eq!(s.scan_bytes("w", wrapped.as_bytes()).len(), 1);
    // Short blocks are not decoded, and an inline marker allows the block.
    let allowed = format!("{} # sigil:allow\n", b64(token.as_bytes()));
    assert!(s.scan_bytes("a", allowed.as_bytes()).is_empty());
}

#[test]
fn secrets_inside_gzip_files_are_found_two_levels_deep() {
    let token = format!("{}{}", "ghp_", gen(7, 36, ALNUM));
    let s = Scanner::default();
    let gz = gzip(format!("one\ntwo {token}\n").as_bytes());
    assert_eq!(
        found(&s.scan_bytes("notes.txt.gz", &gz)),
        [("github-token", 1, 1, Some("gzip line 2 column 5"))]
    );
    // Two gzip members, the secret in the second (as `gzip -d` reads them).
    let mut two = gzip(b"harmless\n");
    two.extend(gzip(token.as_bytes()));
    assert_eq!(found(&s.scan_bytes("two.gz", &two)).len(), 1);
    // base64 inside gzip, and gzip inside base64.
    let inner = gzip(format!("k: {}\n", b64(format!("t={token}").as_bytes())).as_bytes());
    assert!(found(&s.scan_bytes("a.gz", &inner)).contains(&(
        "github-token",
        1,
        1,
        Some("gzip line 1 column 4 > base64 line 1 column 3")
    )));
    let outer = format!("blob: {}\n", b64(&gzip(token.as_bytes())));
    assert!(found(&s.scan_bytes("b.txt", outer.as_bytes())).contains(&(
        "github-token",
        1,
        7,
        Some("base64 line 1 column 1 > gzip line 1 column 1")
    )));
    // A truncated stream: what came out is still scanned.
    let cut = gzip(format!("{token}\n{}", gen(9, 100_000, ALNUM)).as_bytes());
    assert_eq!(
        found(&s.scan_bytes("cut.gz", &cut[..cut.len() / 2])).len(),
        1
    );
}

#[test]
fn decoding_is_bounded_and_the_rest_is_reported() {
    let s = Scanner::default();
    let bomb = gzip(&vec![b'a'; (MAX_DECODED_BYTES + 1) as usize]);
    let f = s.scan_bytes("bomb.gz", &bomb);
    assert_eq!(found(&f), [(DECODE_LIMIT_RULE, 1, 1, None)]);
    assert_eq!(f[0].kind, Kind::Leak);
    // Allowed by rule or by the fingerprint it prints.
    let allow = Allowlist::parse(&format!("fingerprint {}\n", f[0].fingerprint)).unwrap();
    assert!(Scanner::new(allow).scan_bytes("bomb.gz", &bomb).is_empty());
    let allow = Allowlist::parse("rule decode-limit\n").unwrap();
    assert!(Scanner::new(allow).scan_bytes("bomb.gz", &bomb).is_empty());
}

#[test]
fn content_exceptions_need_a_reason() {
    let a = Allowlist::parse("content tools/*.bin vendored fixture, reviewed\n").unwrap();
    let e = a.content_exception("tools/x.bin").unwrap();
    assert_eq!(e.reason, "vendored fixture, reviewed");
    assert!(a.content_exception("x.bin").is_none());
    assert_eq!(
        Allowlist::parse("content tools/*.bin\n").unwrap_err(),
        AllowlistParseError::Reason { line: 1 }
    );
}

#[test]
fn base64_blocks_longer_than_a_scan_window_are_decoded_to_their_end() {
    let token = format!("{}{}", "ghp_", gen(7, 36, ALNUM));
    let mut data = "x".repeat(CHUNK - CHUNK / 8);
    data.push_str(&format!(" token={token} "));
    data.push_str(&"y".repeat(1000));
    let text = format!("blob: {}\n", b64(data.as_bytes()));
    assert!(text.len() > CHUNK + LOOKAHEAD);
    let s = Scanner::default();
    let all = s.scan_bytes("big.json", text.as_bytes());
    let f = found(&all);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0].0, "github-token");
    assert!(
        f[0].3
            .unwrap()
            .starts_with("base64 (continued) line 1 column "),
        "{f:?}"
    );
}
