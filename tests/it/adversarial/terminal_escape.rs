//! Threat: untrusted strings (file names, trusted comments) carry terminal escapes, a newline
//! or a bidi override, and printed raw they erase sigil's real verdict and draw a fake
//! "verified" line. Every human line is escaped (`sigil_core::terminal::escape`); JSON keeps
//! the exact strings.

use std::fs;

use crate::pack_util::Env;
use crate::support::{self, sigil};

/// Erases the current line, returns to column 1, draws a fake verdict, then starts a new line.
const EVIL: &str = "\u{1b}[2K\u{1b}[1Gverified: pack demo 1.0 (all files)\nok\u{202e}txt";
/// What people see instead.
const SHOWN: &str = "\\e[2K\\e[1Gverified: pack demo 1.0 (all files)\\nok\\u{202e}txt";

fn text(b: &[u8]) -> String {
    String::from_utf8(b.to_vec()).unwrap()
}

/// Nothing that a terminal would act on: no C0 control but the line ends, no DEL, C1 or bidi.
fn assert_inert(stream: &str) {
    for c in stream.chars() {
        assert!(
            c == '\n' || !sigil_core::terminal::is_unsafe(c),
            "raw {c:?} reached the terminal:\n{stream}"
        );
    }
}

/// Whether any string in a JSON document satisfies `f`.
fn has_string(v: &serde_json::Value, f: &dyn Fn(&str) -> bool) -> bool {
    match v {
        serde_json::Value::String(s) => f(s),
        serde_json::Value::Array(a) => a.iter().any(|x| has_string(x, f)),
        serde_json::Value::Object(o) => o.values().any(|x| has_string(x, f)),
        _ => false,
    }
}

#[test]
fn pack_verify_escapes_an_extra_file_name() {
    let env = Env::new();
    let dir = env.pack("p", "1.0", &[("a.txt", b"hello\n")]);
    fs::write(dir.join(EVIL), b"planted\n").unwrap();
    let out = sigil()
        .args(["pack", "verify"])
        .arg(&dir)
        .arg("--key")
        .arg(env.pubkey())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_inert(&stdout);
    assert_inert(&stderr);
    assert!(
        stdout.contains(&format!("{SHOWN}: extra (file not in the manifest)\n")),
        "{stdout}"
    );
    assert!(
        !stdout.lines().any(|l| l.starts_with("verified")),
        "{stdout}"
    );

    let out = sigil()
        .args(["--format", "json", "pack", "verify"])
        .arg(&dir)
        .arg("--key")
        .arg(env.pubkey())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = support::json_doc(&out);
    assert!(
        has_string(&doc, &|s| s.ends_with(EVIL)),
        "JSON keeps the exact name: {doc}"
    );
}

#[test]
fn scan_escapes_the_file_name_of_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    // Assembled at run time so this source holds nothing that looks like a secret.
    let secret = format!("aws_access_key_id = {}{}\n", "AKIA", "Z7XQ4MBR2KLT6WNP");
    fs::write(dir.path().join(EVIL), format!("[default]\n{secret}")).unwrap();
    let out = sigil().arg("scan").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert_inert(&stdout);
    assert_inert(&text(&out.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(
        lines[0].contains(&format!("{SHOWN}:2:")) && lines[0].contains("aws-access-key-id"),
        "{stdout}"
    );
    assert_eq!(
        lines[1],
        "1 secret(s), 0 placeholder(s) in 1 file(s), 51 bytes"
    );

    let out = sigil()
        .args(["--format", "json", "scan"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = support::json_doc(&out);
    let path = doc["result"]["findings"][0]["path"].as_str().unwrap();
    assert!(path.ends_with(EVIL), "JSON keeps the exact name: {path:?}");
}

#[test]
fn verify_escapes_a_signed_trusted_comment() {
    let env = Env::new();
    let file = env.path("release.bin");
    fs::write(&file, b"release\n").unwrap();
    let comment = "v1\u{1b}]0;title\u{7}\u{1b}[1A\u{1b}[2Kverified\u{9b}2J";
    sigil()
        .args(["sign", "--key"])
        .arg(env.key())
        .args(["--trusted-comment", comment])
        .arg(&file)
        .assert()
        .code(0);
    let out = sigil()
        .args(["verify", "--key"])
        .arg(env.pubkey())
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert_inert(&stdout);
    assert!(
        stdout.contains("v1\\e]0;title\\x07\\e[1A\\e[2Kverified\\u{009b}2J"),
        "{stdout}"
    );
}
