//! Threat: data_only. "Data-only" meant "no execute bits": an ELF binary renamed
//! `tool.json`, a `#!/bin/sh` script or UTF-16 text signed as a data pack, and secrets
//! hidden in gzip members or base64 blocks went through. Contents are checked now, on sign
//! and again on verify and install, with exceptions only through the allowlist with a reason.
//! Fake secrets are assembled at run time.

use std::fs;
use std::io::Write as _;
use std::path::Path;

use serde_json::Value;

use crate::pack_util::*;
use crate::support;

const ELF: &[u8] = b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0\x02\0\x3e\0";

fn token() -> String {
    // Deterministic characters, never a real key.
    let alnum = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let tail: String = (0..36)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alnum[(x % 62) as usize] as char
        })
        .collect();
    format!("{}{tail}", "ghp_")
}

fn b64(data: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(data)
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn utf16le(s: &str, bom: bool) -> Vec<u8> {
    let mut v = if bom { vec![0xff, 0xfe] } else { Vec::new() };
    for u in s.encode_utf16() {
        v.extend_from_slice(&u.to_le_bytes());
    }
    v
}

/// `sigil pack sign DIR` (human and JSON): exit 1, exactly these violation lines (then the
/// summary), and no manifest written.
fn sign_refused(env: &Env, dir: &Path, lines: &[String], rules: &[&str], secrets: usize) {
    let out = support::sigil()
        .args(["pack", "sign"])
        .arg(dir)
        .arg("--key")
        .arg(env.key())
        .args(["--name", "demo", "--version", "1.0.0"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut expect: String = lines.iter().map(|l| format!("{l}\n")).collect();
    expect.push_str(&format!(
        "refused to sign {}: {} data-only violation(s), {secrets} secret(s)\n",
        dir.display(),
        rules.len()
    ));
    assert_eq!(stdout, expect);
    assert!(!dir.join(".sigil/SHA256SUMS").exists());

    let out = support::sigil()
        .args(["--format", "json", "pack", "sign"])
        .arg(dir)
        .arg("--key")
        .arg(env.key())
        .args(["--name", "demo", "--version", "1.0.0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["status"], "not-verified");
    let got: Vec<&str> = doc["result"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["rule"].as_str().unwrap())
        .collect();
    assert_eq!(got, rules);
    assert_eq!(doc["result"]["secrets"].as_array().unwrap().len(), secrets);
}

#[test]
fn elf_binary_named_json_is_refused() {
    let env = Env::new();
    let dir = env.write_tree("p", &[("tool.json", ELF), ("ok.txt", b"fine\n")]);
    sign_refused(
        &env,
        &dir,
        &["tool.json: ELF executable or library: executable content is not allowed in a data pack [executable-content]".into()],
        &["executable-content"],
        0,
    );
}

#[test]
fn executables_of_every_format_are_refused_by_content() {
    let env = Env::new();
    let dir = env.write_tree(
        "p",
        &[
            ("a.bin", &[0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]),
            ("b.dat", &[0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]),
            ("c.png", b"MZ\x90\0\x03\0\0\0\x04\0"),
            ("install.md", b"#!/bin/sh\ncurl x | sh\n"),
        ],
    );
    sign_refused(
        &env,
        &dir,
        &[
            "a.bin: Mach-O executable (64-bit): executable content is not allowed in a data pack [executable-content]".into(),
            "b.dat: Mach-O universal binary or Java class file: executable content is not allowed in a data pack [executable-content]".into(),
            "c.png: PE or DOS executable (MZ): executable content is not allowed in a data pack [executable-content]".into(),
            "install.md: script with an interpreter line (#!): executable content is not allowed in a data pack [executable-content]".into(),
        ],
        &["executable-content"; 4],
        0,
    );
}

#[test]
fn text_that_is_not_utf8_and_json_that_does_not_parse_are_refused() {
    let env = Env::new();
    let with_bom = utf16le("hello\n", true);
    let without_bom = utf16le("key: value\n", false);
    let dir = env.write_tree(
        "p",
        &[
            ("notes.txt", &with_bom),
            ("prompt.yaml", &without_bom),
            ("latin1.md", b"caf\xe9\n"),
            ("data.json", b"{\"a\": 1,}"),
            ("good.json", b"{\"a\": [1, 2]}\n"),
        ],
    );
    sign_refused(
        &env,
        &dir,
        &[
            "data.json: not valid JSON: expected a string key at byte offset 8 [content-mismatch]".into(),
            "latin1.md: not UTF-8 (at byte offset 3): text files must be UTF-8 [content-mismatch]".into(),
            "notes.txt: UTF-16 text (byte order mark): text files must be UTF-8 [content-mismatch]".into(),
            "prompt.yaml: NUL byte at offset 1 (UTF-16 or binary data): text files must be UTF-8 without NUL [content-mismatch]".into(),
        ],
        &["content-mismatch"; 4],
        0,
    );
}

#[test]
fn secrets_in_gzip_members_and_base64_blocks_are_found() {
    let env = Env::new();
    let t = token();
    let hidden = format!("config: {}\n", b64(format!("token={t}\n").as_bytes()));
    // Two gzip members; the second holds a base64 block hiding the token.
    let mut member2 = gzip(b"first member\n");
    member2.extend(gzip(
        format!("line two\n{}\n", b64(format!("token={t}").as_bytes())).as_bytes(),
    ));
    let dir = env.write_tree(
        "p",
        &[
            ("a.yaml", hidden.as_bytes()),
            ("b.gz", &member2),
            ("ok.txt", b"fine\n"),
        ],
    );
    let out = support::sigil()
        .args(["--format", "json", "pack", "sign"])
        .arg(&dir)
        .arg("--key")
        .arg(env.key())
        .args(["--name", "demo", "--version", "1.0.0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let secrets: Vec<(String, String, u64, u64)> = doc["result"]["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !s["inside"].is_null())
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_owned(),
                s["inside"].as_str().unwrap().to_owned(),
                s["line"].as_u64().unwrap(),
                s["column"].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(
        secrets.contains(&("a.yaml".into(), "base64 line 1 column 7".into(), 1, 9)),
        "{secrets:?}"
    );
    assert!(
        secrets.contains(&(
            "b.gz".into(),
            "gzip line 3 column 1 > base64 line 1 column 7".into(),
            1,
            1
        )),
        "{secrets:?}"
    );
    assert!(!dir.join(".sigil/SHA256SUMS").exists());

    // The human line names the path, the position and the place inside.
    let out = support::sigil()
        .args(["pack", "sign"])
        .arg(&dir)
        .arg("--key")
        .arg(env.key())
        .args(["--name", "demo", "--version", "1.0.0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "a.yaml:1:9: github-token: ghp_\u{2026}(40 chars) (inside: base64 line 1 column 7)\n"
        ),
        "{stdout}"
    );
}

/// A pack holding an ELF file as `tool.bin`, signed with a `content` exception.
fn excepted_pack(env: &Env) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = env.write_tree("p", &[("tool.bin", ELF), ("ok.txt", b"fine\n")]);
    let allow = env.path("allow.txt");
    fs::write(
        &allow,
        "content tool.bin vendored test fixture, reviewed by the release team\n",
    )
    .unwrap();
    support::sigil()
        .args(["pack", "sign"])
        .arg(&dir)
        .arg("--key")
        .arg(env.key())
        .args(["--name", "demo", "--version", "1.0.0", "--allowlist"])
        .arg(&allow)
        .assert()
        .code(0);
    (dir, allow)
}

#[test]
fn content_exception_needs_a_reason() {
    let env = Env::new();
    let dir = env.write_tree("p", &[("tool.bin", ELF)]);
    let allow = env.path("allow.txt");
    fs::write(&allow, "content tool.bin\n").unwrap();
    let out = support::sigil()
        .args(["pack", "sign"])
        .arg(&dir)
        .arg("--key")
        .arg(env.key())
        .args(["--name", "demo", "--version", "1.0.0", "--allowlist"])
        .arg(&allow)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: {}: line 1: `content GLOB REASON` needs a reason after the glob\n",
            allow.display()
        )
    );
}

#[test]
fn verify_is_as_strict_as_sign_about_contents() {
    let env = Env::new();
    let (dir, allow) = excepted_pack(&env);
    // Without the exception, verify refuses what sign refused.
    let out = support::sigil()
        .args(["pack", "verify"])
        .arg(&dir)
        .arg("--key")
        .arg(env.pubkey())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "tool.bin: executable-content (ELF executable or library: executable content is not allowed in a data pack)\npack demo 1.0.0 at {} does not match its signed manifest: 1 problem(s)\n",
            dir.display()
        )
    );
    let out = support::sigil()
        .args(["--format", "json", "pack", "check"])
        .arg(&dir)
        .arg("--key")
        .arg(env.pubkey())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["result"]["problems"][0]["kind"], "executable-content");
    // With it, verify accepts.
    support::sigil()
        .args(["pack", "verify"])
        .arg(&dir)
        .arg("--key")
        .arg(env.pubkey())
        .arg("--allowlist")
        .arg(&allow)
        .assert()
        .code(0);
}

#[test]
fn install_is_as_strict_as_sign_about_contents() {
    let env = Env::new();
    let (dir, allow) = excepted_pack(&env);
    let archive = env.archive(&dir, "p.tar.gz");
    fs::create_dir_all(env.path("inst")).unwrap();
    let dest = env.path("inst/dest");
    let out = env.install(&archive, &dest, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "error: {}: archive refused: tool.bin: ELF executable or library: executable content is not allowed in a data pack [executable-content]; {} left unchanged\n",
            archive.display(),
            dest.display()
        )
    );
    assert!(!dest.exists());
    assert_eq!(staging_left(&env.path("inst")), Vec::<String>::new());
    let allow_arg = allow.to_string_lossy().into_owned();
    let out = env.install(&archive, &dest, &["--allowlist", &allow_arg]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fs::read(dest.join("tool.bin")).unwrap(), ELF);
}
