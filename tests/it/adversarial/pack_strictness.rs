//! Threat: pack_strictness. `pack verify` (and `pack check`) accepted trees that `pack sign`
//! would not have produced: `.sigil` as a symlink to a directory outside the pack, extra
//! empty directories, world-writable directories. Verify is at least as strict as sign now,
//! and sign refuses the same trees.

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use serde_json::Value;

use crate::pack_util::*;
use crate::support;

/// `pack verify` and `pack check` (human, then JSON): exit 1 and the given problem lines.
fn verify_refused(env: &Env, dir: &Path, problems: &[(&str, &str, &str)]) {
    for cmd in ["verify", "check"] {
        let out = support::sigil()
            .args(["pack", cmd])
            .arg(dir)
            .arg("--key")
            .arg(env.pubkey())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        let mut expect: String = problems
            .iter()
            .map(|(p, code, detail)| format!("{p}: {code} ({detail})\n"))
            .collect();
        expect.push_str(&format!(
            "pack demo 1.0.0 at {} does not match its signed manifest: {} problem(s)\n",
            dir.display(),
            problems.len()
        ));
        assert_eq!(String::from_utf8_lossy(&out.stdout), expect, "{cmd}");

        let out = support::sigil()
            .args(["--format", "json", "pack", cmd])
            .arg(dir)
            .arg("--key")
            .arg(env.pubkey())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["status"], "not-verified");
        let kinds: Vec<&str> = doc["result"]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["kind"].as_str().unwrap())
            .collect();
        let want: Vec<&str> = problems.iter().map(|p| p.1).collect();
        assert_eq!(kinds, want);
    }
}

fn sign(env: &Env, dir: &Path) -> std::process::Output {
    support::sigil()
        .args(["pack", "sign"])
        .arg(dir)
        .arg("--key")
        .arg(env.key())
        .args(["--name", "demo", "--version", "1.0.0"])
        .output()
        .unwrap()
}

#[test]
fn sigil_dir_symlinked_outside_the_pack_is_refused() {
    let env = Env::new();
    let dir = env.pack("p", "1.0.0", &[("a.txt", b"data\n")]);
    fs::rename(dir.join(".sigil"), env.path("elsewhere")).unwrap();
    std::os::unix::fs::symlink(env.path("elsewhere"), dir.join(".sigil")).unwrap();
    for cmd in ["verify", "check"] {
        let out = support::sigil()
            .args(["pack", cmd])
            .arg(&dir)
            .arg("--key")
            .arg(env.pubkey())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!(
                "error: {}: .sigil is a symlink, not a directory (a pack's manifest is never read through a link)\n",
                dir.display()
            )
        );
        let out = support::sigil()
            .args(["--format", "json", "pack", cmd])
            .arg(&dir)
            .arg("--key")
            .arg(env.pubkey())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["status"], "not-verified");
        assert!(doc["error"]["message"]
            .as_str()
            .unwrap()
            .contains(".sigil is a symlink"));
    }
}

#[test]
fn extra_empty_directories_are_refused() {
    let env = Env::new();
    let dir = env.pack("p", "1.0.0", &[("a.txt", b"data\n")]);
    fs::create_dir_all(dir.join("hidden/deeper")).unwrap();
    verify_refused(
        &env,
        &dir,
        &[
            ("hidden", "empty-directory", "directory holds no file"),
            (
                "hidden/deeper",
                "empty-directory",
                "directory holds no file",
            ),
        ],
    );
    // Sign refuses the same tree.
    let out = sign(&env, &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("hidden/deeper: directory holds no file [empty-directory]\n"));
}

#[test]
fn world_writable_directories_are_refused() {
    let env = Env::new();
    let dir = env.pack("p", "1.0.0", &[("docs/a.txt", b"data\n")]);
    fs::set_permissions(dir.join("docs"), fs::Permissions::from_mode(0o777)).unwrap();
    verify_refused(
        &env,
        &dir,
        &[(
            "docs",
            "directory-mode",
            "directory mode 0777 is writable by every user or has special bits",
        )],
    );
    let out = sign(&env, &dir);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains(
        "docs: directory mode 0777 is writable by every user or has special bits [directory-mode]\n"
    ));
    // The pack root too.
    fs::set_permissions(dir.join("docs"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o1777)).unwrap();
    verify_refused(
        &env,
        &dir,
        &[(
            ".",
            "directory-mode",
            "directory mode 1777 is writable by every user or has special bits",
        )],
    );
}

#[test]
fn file_over_the_single_file_limit_is_refused_as_sign_refuses_it() {
    let env = Env::new();
    let dir = env.pack("p", "1.0.0", &[("a.txt", b"0123456789")]);
    for cmd in ["verify", "check"] {
        let out = support::sigil()
            .args(["pack", cmd])
            .arg(&dir)
            .arg("--key")
            .arg(env.pubkey())
            .args(["--max-file-bytes", "5"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{cmd}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!(
                "a.txt: file-too-large (10 bytes is over the 5-byte file limit)\npack demo 1.0.0 at {} does not match its signed manifest: 1 problem(s)\n",
                dir.display()
            )
        );
    }
    // Sign with the same limit refuses the same tree.
    let out = support::sigil()
        .args(["pack", "sign"])
        .arg(&dir)
        .arg("--key")
        .arg(env.key())
        .args([
            "--name",
            "demo",
            "--version",
            "1.0.0",
            "--max-file-bytes",
            "5",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("a.txt: 10 bytes is over the 5-byte file limit [file-too-large]\n"));
}
