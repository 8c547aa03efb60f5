//! Issue 3, done-when 4: `sigil scan` finds one realistic sample per provider, treats
//! documentation placeholders as placeholders, and stays silent on ordinary files.
//!
//! Every fake credential here is assembled at run time from a provider prefix and
//! generated characters, so this file holds nothing that looks like a secret: running
//! `sigil scan` over the repository's tests reports no leak (checked below).

use crate::support;

use std::collections::BTreeSet;
use std::fs;

const ALNUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64URL: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const B64: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const HEX: &str = "0123456789abcdef";
const UPPER_B32: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const UPPER_NUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const DIGITS: &str = "0123456789";

/// Deterministic generated characters (xorshift): never a real key.
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

fn uuid(seed: u64) -> String {
    let h = gen(seed, 32, HEX);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..]
    )
}

/// (file name, content, rule it must trigger).
fn provider_corpus() -> Vec<(&'static str, String, &'static str)> {
    vec![
        (
            "anthropic.env",
            format!(
                "ANTHROPIC_API_KEY={}{}{}AA\n",
                "sk-ant-",
                "api03-",
                gen(1, 93, B64URL)
            ),
            "anthropic-api-key",
        ),
        (
            "openai.py",
            format!(
                "client = OpenAI(api_key=\"{}{}\")\n",
                "sk-proj-",
                gen(2, 156, B64URL)
            ),
            "openai-api-key",
        ),
        (
            "aws.ini",
            format!(
                "[default]\naws_access_key_id = {}{}\n",
                "AKIA",
                gen(3, 16, UPPER_B32)
            ),
            "aws-access-key-id",
        ),
        (
            "aws2.ini",
            format!("[default]\naws_secret_access_key = {}\n", gen(4, 40, B64)),
            "aws-secret-access-key",
        ),
        (
            "github.yml",
            format!("env:\n  GH_TOKEN: {}{}\n", "ghp_", gen(5, 36, ALNUM)),
            "github-token",
        ),
        (
            "gitlab.sh",
            format!(
                "curl -H \"PRIVATE-TOKEN: {}{}\" https://gitlab.example/api\n",
                "glpat-",
                gen(6, 20, B64URL)
            ),
            "gitlab-token",
        ),
        (
            "google.js",
            format!(
                "const maps = loadMaps({{ key: '{}{}' }});\n",
                "AIza",
                gen(7, 35, B64URL)
            ),
            "google-api-key",
        ),
        (
            "google.json",
            format!(
                "{{\"client_id\": \"x.apps\", \"client_secret\": \"{}{}\"}}\n",
                "GOCSPX-",
                gen(8, 28, B64URL)
            ),
            "google-oauth-client-secret",
        ),
        (
            "slack.txt",
            format!(
                "bot: {}{}-{}-{}\n",
                "xoxb-",
                gen(9, 12, DIGITS),
                gen(10, 13, DIGITS),
                gen(11, 24, ALNUM)
            ),
            "slack-token",
        ),
        (
            "slack-hook.md",
            format!(
                "Post to {}T{}/B{}/{}\n",
                "https://hooks.slack.com/services/",
                gen(12, 10, UPPER_NUM),
                gen(13, 10, UPPER_NUM),
                gen(14, 24, ALNUM)
            ),
            "slack-webhook-url",
        ),
        (
            "stripe.rb",
            format!("Stripe.api_key = '{}{}'\n", "sk_live_", gen(15, 99, ALNUM)),
            "stripe-secret-key",
        ),
        (
            "hf.ipynb",
            format!(
                "{{\"source\": [\"login(token='{}{}')\"]}}\n",
                "hf_",
                gen(16, 34, ALNUM)
            ),
            "huggingface-token",
        ),
        (
            "id_rsa",
            format!(
                "-----BEGIN {}-----\n{}\n{}\n-----END {}-----\n",
                "RSA PRIVATE KEY",
                gen(17, 64, B64),
                gen(18, 64, B64),
                "RSA PRIVATE KEY"
            ),
            "private-key",
        ),
        (
            "service-account.json",
            format!(
                "{{\"private_key\": \"-----BEGIN {}-----\\n{}\\n-----END PRIVATE KEY-----\\n\"}}\n",
                "PRIVATE KEY",
                gen(19, 64, B64)
            ),
            "private-key",
        ),
        (
            "release.key",
            format!(
                "untrusted comment: minisign encrypted secret key\n{}{}\n",
                "RWRTY0Iy",
                gen(20, 150, B64)
            ),
            "minisign-secret-key",
        ),
        (
            "settings.toml",
            format!("[service]\napi_key = \"{}\"\n", gen(21, 32, ALNUM)),
            "generic-secret-assignment",
        ),
    ]
}

fn scan_json(args: &[&std::path::Path], extra: &[&str]) -> (i32, serde_json::Value) {
    let out = support::sigil()
        .args(["--format", "json", "scan"])
        .args(args)
        .args(extra)
        .output()
        .unwrap();
    (out.status.code().unwrap(), support::json_doc(&out))
}

#[test]
fn every_provider_sample_is_detected_and_redacted() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = provider_corpus();
    for (name, content, _) in &corpus {
        fs::write(dir.path().join(name), content).unwrap();
    }
    let (code, doc) = scan_json(&[dir.path()], &[]);
    assert_eq!(code, 1);
    assert_eq!(doc["status"], "not-verified");
    let findings = doc["result"]["findings"].as_array().unwrap();
    let got: BTreeSet<(String, String, String)> = findings
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            let name = path.rsplit('/').next().unwrap().to_owned();
            (
                name,
                f["rule"].as_str().unwrap().to_owned(),
                f["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String, String)> = corpus
        .iter()
        .map(|(n, _, r)| (n.to_string(), r.to_string(), "leak".to_owned()))
        .collect();
    assert_eq!(got, want);
    assert_eq!(doc["result"]["leaks"], corpus.len());
    // Every rule is exercised.
    let rules: BTreeSet<&str> = corpus.iter().map(|(_, _, r)| *r).collect();
    assert_eq!(rules.len(), 15);
    // No excerpt, and nothing in the whole document, holds a secret body.
    let text = doc.to_string();
    for (_, content, _) in &corpus {
        for word in content
            .split(|c: char| !c.is_ascii_alphanumeric())
            .filter(|w| w.len() >= 24)
        {
            assert!(
                !text.contains(&word[4..]),
                "secret material {word:?} in output"
            );
        }
    }

    // Human output: path:line:column: rule: excerpt.
    let out = support::sigil()
        .arg("scan")
        .arg(dir.path().join("github.yml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{}:2:13: github-token: ghp_\u{2026}(40 chars)\n1 secret(s), 0 placeholder(s) in 1 file(s), 58 bytes\n", dir.path().join("github.yml").display())
    );
}

#[test]
fn placeholders_are_reported_but_are_not_leaks() {
    let dir = tempfile::tempdir().unwrap();
    let env_example = "\
# Copy to .env and fill in.
ANTHROPIC_API_KEY=sk-ant-your-key-here
OPENAI_API_KEY=sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
AWS_SECRET_ACCESS_KEY=<your-secret-access-key>
GITHUB_TOKEN=${GITHUB_TOKEN}
HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
STRIPE_KEY=sk_live_...
";
    fs::write(dir.path().join(".env.example"), env_example).unwrap();
    let (code, doc) = scan_json(&[dir.path()], &[]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["status"], "ok");
    assert_eq!(doc["result"]["leaks"], 0);
    let got: Vec<(u64, String, String)> = doc["result"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["line"].as_u64().unwrap(),
                f["rule"].as_str().unwrap().to_owned(),
                f["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: Vec<(u64, String, String)> = [
        (2, "anthropic-api-key"),
        (3, "openai-api-key"),
        (4, "aws-access-key-id"),
        (5, "aws-secret-access-key"),
        (6, "generic-secret-assignment"),
        (7, "huggingface-token"),
        (8, "stripe-secret-key"),
    ]
    .into_iter()
    .map(|(l, r)| (l, r.to_owned(), "placeholder".to_owned()))
    .collect();
    assert_eq!(got, want);
}

fn clean_corpus() -> Vec<(&'static str, String)> {
    let uuids: String = (0..40)
        .map(|i| {
            format!(
                "request_id: {}\n\"id\": \"{}\"\n",
                uuid(100 + i),
                uuid(200 + i)
            )
        })
        .collect();
    let digests: String = (0..40)
        .map(|i| {
            format!(
                "{}  dist/pkg-{i}.tar.gz\ncommit {}\nsha512-{}==\n",
                gen(300 + i, 64, HEX),
                gen(400 + i, 40, HEX),
                gen(500 + i, 86, B64)
            )
        })
        .collect();
    let cargo_lock: String = (0..30)
        .map(|i| {
            format!(
                "[[package]]\nname = \"crate-{i}\"\nversion = \"1.{i}.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{}\"\n\n",
                gen(600 + i, 64, HEX)
            )
        })
        .collect();
    let npm_lock: String = (0..30)
        .map(|i| {
            format!(
                "    \"node_modules/js-tokens-{i}\": {{\n      \"version\": \"4.0.{i}\",\n      \"resolved\": \"https://registry.example/js-tokens/-/js-tokens-4.0.{i}.tgz\",\n      \"integrity\": \"sha512-{}==\"\n    }},\n",
                gen(700 + i, 86, B64)
            )
        })
        .collect();
    let image = format!(
        "<p>Logo:</p>\n<img alt=\"logo\" src=\"data:image/png;base64,iVBORw0KGgo{}=\">\n{{\"thumbnail\": \"/9j/{}\"}}\n",
        gen(800, 60_000, B64),
        gen(801, 20_000, B64)
    );
    vec![
        (
            "prose.md",
            "# Tokens and secrets\n\nA token is a unit of text; the tokenizer splits prose into tokens. Keep your password secret and rotate \
             API keys regularly. The secret to good prompts is clarity.\n\nPassword: use a passphrase manager.\nToken budget: 4096.\n"
                .to_owned(),
        ),
        (
            "lexer.rs",
            "fn next(&mut self) -> Token {\n    let token = self.next_token();\n    let max_tokens: usize = 4096;\n    let password = prompt_password(\"db\")?;\n    \
             let secret_ref = vault.secret(\"prod/db/credentials\");\n    token\n}\n"
                .to_owned(),
        ),
        (
            "settings.py",
            "import os\nAPI_KEY = os.environ.get(\"API_KEY\")\nSECRET_KEY = os.environ[\"SECRET_KEY\"]\nTOKEN_URL = \"https://auth.example/token\"\n\
             password_hash = make_password(raw)\nAUTH_TOKEN_HEADER = \"X-Auth-Token\"\n"
                .to_owned(),
        ),
        ("uuids.yaml", uuids),
        ("SHA256SUMS.txt", digests),
        ("Cargo.lock", cargo_lock),
        ("package-lock.json", npm_lock),
        ("page.html", image),
    ]
}

#[test]
fn ordinary_files_give_no_finding() {
    let dir = tempfile::tempdir().unwrap();
    for (name, content) in clean_corpus() {
        fs::write(dir.path().join(name), content).unwrap();
    }
    let (code, doc) = scan_json(&[dir.path()], &[]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["result"]["findings"], serde_json::json!([]));
    assert_eq!(doc["result"]["files"], 8);
}

#[test]
fn allowlist_and_inline_markers() {
    let dir = tempfile::tempdir().unwrap();
    let token = format!("{}{}", "ghp_", gen(900, 36, ALNUM));
    fs::write(
        dir.path().join("a.txt"),
        format!("t = {token}  # sigil:allow\n"),
    )
    .unwrap();
    fs::write(
        dir.path().join("b.txt"),
        format!("# sigil:allow-next-line\nt = {token}\n"),
    )
    .unwrap();
    fs::write(dir.path().join("c.txt"), format!("t = {token}\n")).unwrap();
    let (code, doc) = scan_json(&[dir.path()], &[]);
    assert_eq!(code, 1);
    let findings = doc["result"]["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert!(findings[0]["path"].as_str().unwrap().ends_with("c.txt"));
    let fp = findings[0]["fingerprint"].as_str().unwrap().to_owned();

    let allow = dir.path().join("allow.txt");
    fs::write(
        &allow,
        format!("# test fixture\nfingerprint {fp}  # known test token\n"),
    )
    .unwrap();
    let (code, doc) = scan_json(
        &[&dir.path().join("c.txt")],
        &["--allowlist", allow.to_str().unwrap()],
    );
    assert_eq!(code, 0, "{doc}");
    fs::write(&allow, "path **/c.txt\n").unwrap();
    let (code, _) = scan_json(&[dir.path()], &["--allowlist", allow.to_str().unwrap()]);
    assert_eq!(code, 0);

    fs::write(&allow, "rule no-such-rule\n").unwrap();
    let out = support::sigil()
        .arg("scan")
        .arg(dir.path())
        .arg("--allowlist")
        .arg(&allow)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: {}: line 1: unknown rule \"no-such-rule\"\n",
            allow.display()
        )
    );
}

#[test]
fn the_repository_tests_hold_no_leak() {
    // This file and the other pack/scan tests build their fake keys at run time.
    let root = support::root();
    let paths: Vec<std::path::PathBuf> = [
        "tests/it/scan.rs",
        "tests/it/pack.rs",
        "tests/it/pack_attacks.rs",
        "tests/it/pack_crash.rs",
        "tests/it/pack_util",
        "crates/scan/src",
    ]
    .iter()
    .map(|p| root.join(p))
    .collect();
    let refs: Vec<&std::path::Path> = paths.iter().map(|p| p.as_path()).collect();
    let (code, doc) = scan_json(&refs, &[]);
    assert_eq!(doc["result"]["leaks"], 0, "{doc}");
    assert_eq!(code, 0);
}
