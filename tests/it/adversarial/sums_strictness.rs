//! Threat: a signed `SHA256SUMS` makes `sums verify` read files outside the list's directory
//! by following symlinks there (a planted `link -> /home/user/.ssh`). The list is only
//! trusted for its own directory: a listed path whose resolution leaves it is refused, a
//! symlink that stays inside is followed.

use std::fs;
use std::path::Path;

use crate::support::{json_doc, sigil};

fn sha256_hex(bytes: &[u8]) -> String {
    sigil_core::sha256_reader(bytes).unwrap().0.to_hex()
}

fn signed_list(dir: &Path, entries: &[(&str, &[u8])]) -> std::path::PathBuf {
    sigil()
        .args(["key", "generate", "--no-password", "--out"])
        .arg(dir.join("k"))
        .assert()
        .code(0);
    let list = dir.join("rel/SHA256SUMS");
    let text: String = entries
        .iter()
        .map(|(name, bytes)| format!("{}  {name}\n", sha256_hex(bytes)))
        .collect();
    fs::write(&list, text).unwrap();
    sigil()
        .args(["sign", "-k"])
        .arg(dir.join("k.key"))
        .arg(&list)
        .assert()
        .code(0);
    list
}

fn verify(dir: &Path, list: &Path, json: bool) -> std::process::Output {
    let mut c = sigil();
    if json {
        c.args(["--format", "json"]);
    }
    c.args(["sums", "verify", "-k"])
        .arg(dir.join("k.pub"))
        .arg(list)
        .output()
        .unwrap()
}

#[test]
fn sums_verify_does_not_follow_symlinks_out_of_the_list_directory() {
    let t = tempfile::tempdir().unwrap();
    let (rel, secret) = (t.path().join("rel"), t.path().join("home/.ssh"));
    fs::create_dir_all(rel.join("docs")).unwrap();
    fs::create_dir_all(&secret).unwrap();
    fs::write(secret.join("id_ed25519"), b"PRIVATE").unwrap();
    fs::write(rel.join("docs/readme.txt"), b"hello").unwrap();
    std::os::unix::fs::symlink(&secret, rel.join("ssh")).unwrap();
    std::os::unix::fs::symlink(secret.join("id_ed25519"), rel.join("key")).unwrap();
    std::os::unix::fs::symlink("docs/readme.txt", rel.join("readme")).unwrap();
    let list = signed_list(
        t.path(),
        &[
            ("docs/readme.txt", b"hello"),
            ("key", b"PRIVATE"),
            ("readme", b"hello"),
            ("ssh/id_ed25519", b"PRIVATE"),
        ],
    );

    let out = verify(t.path(), &list, false);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.starts_with("trusted comment"))
        .collect();
    assert_eq!(
        lines,
        [
            "docs/readme.txt: OK",
            "key: UNSAFE-PATH path leaves the list's directory through a symlink",
            "readme: OK",
            "ssh/id_ed25519: UNSAFE-PATH path leaves the list's directory through a symlink",
            "2 of 4 files did not verify",
        ]
    );

    let out = verify(t.path(), &list, true);
    assert_eq!(out.status.code(), Some(1));
    let doc = json_doc(&out);
    let statuses: Vec<(&str, &str)> = doc["result"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["name"].as_str().unwrap(), f["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            ("docs/readme.txt", "ok"),
            ("key", "unsafe-path"),
            ("readme", "ok"),
            ("ssh/id_ed25519", "unsafe-path"),
        ]
    );
    assert_eq!(doc["result"]["failed"], 2);
}

#[test]
fn sums_verify_refuses_a_symlinked_directory_even_when_the_hash_matches() {
    // The same bytes outside: only the path rule can refuse it, not the digest.
    let t = tempfile::tempdir().unwrap();
    let (rel, outside) = (t.path().join("rel"), t.path().join("outside"));
    fs::create_dir_all(&rel).unwrap();
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("data.json"), b"{}").unwrap();
    std::os::unix::fs::symlink(&outside, rel.join("data")).unwrap();
    let list = signed_list(t.path(), &[("data/data.json", b"{}")]);
    let out = verify(t.path(), &list, false);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains(
            "data/data.json: UNSAFE-PATH path leaves the list's directory through a symlink"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("1 of 1 files did not verify"), "{stdout}");
}
