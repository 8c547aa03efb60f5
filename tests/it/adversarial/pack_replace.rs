//! Threat: pack_replace. `pack install --replace` and the cleanup of stale staging delete
//! directories. They must delete only what a pack install put there: never a user's
//! directory that happens to be at DEST, never a file added to an installed pack, never a
//! directory that merely looks like staging or belongs to an install still running.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::pack_util::*;
use crate::support;

struct Case {
    env: Env,
    archive: PathBuf,
    dest: PathBuf,
}

fn case() -> Case {
    let env = Env::new();
    let v2 = env.pack("v2", "2.0.0", &[("a.txt", b"version two\n")]);
    let archive = env.archive(&v2, "v2.tar.gz");
    fs::create_dir_all(env.path("inst")).unwrap();
    let dest = env.path("inst/dest");
    Case { env, archive, dest }
}

impl Case {
    /// Installs v1 at DEST.
    fn install_v1(&self) {
        let v1 = self.env.pack("v1", "1.0.0", &[("a.txt", b"version one\n")]);
        let a1 = self.env.archive(&v1, "v1.tar.gz");
        assert_eq!(
            self.env.install(&a1, &self.dest, &[]).status.code(),
            Some(0)
        );
    }

    /// `--replace` is refused with exit 2 naming `path: reason`, human and JSON; DEST stays.
    fn replace_refused(&self, path: &str, reason: &str) {
        let before = snapshot(&self.dest);
        let out = self.env.install(&self.archive, &self.dest, &["--replace"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        let message = format!(
            "{}: not replaced: it does not hold only an installed pack ({path}: {reason})",
            self.dest.display()
        );
        assert_eq!(
            stderr,
            format!("error: {message}\nhint: --replace only replaces an unchanged installed pack; move the other files away first\n")
        );
        assert_eq!(snapshot(&self.dest), before, "DEST changed");
        assert_eq!(staging_left(&self.env.path("inst")), Vec::<String>::new());

        let out = support::sigil()
            .args(["--format", "json", "pack", "install"])
            .arg(&self.archive)
            .arg("--key")
            .arg(self.env.pubkey())
            .arg("--to")
            .arg(&self.dest)
            .arg("--replace")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["status"], "error");
        assert_eq!(doc["error"]["kind"], "usage");
        assert_eq!(doc["error"]["message"], message.as_str());
        assert_eq!(snapshot(&self.dest), before, "DEST changed");
    }
}

#[test]
fn replace_leaves_a_directory_that_is_not_a_pack() {
    let c = case();
    c.env
        .write_tree("inst/dest", &[("thesis.txt", b"four years of work\n")]);
    c.replace_refused(".sigil", "no .sigil directory: not an installed pack");
    assert_eq!(
        fs::read(c.dest.join("thesis.txt")).unwrap(),
        b"four years of work\n"
    );
}

#[test]
fn replace_leaves_a_pack_with_a_file_the_user_added() {
    let c = case();
    c.install_v1();
    fs::write(c.dest.join("notes.txt"), "mine\n").unwrap();
    c.replace_refused("notes.txt", "file not listed in the pack's manifest");
    assert_eq!(fs::read(c.dest.join("notes.txt")).unwrap(), b"mine\n");
}

#[test]
fn replace_swaps_an_installed_pack_even_with_listed_files_changed() {
    let c = case();
    c.install_v1();
    // The pack's own files are the pack's: replacing repairs them.
    fs::write(c.dest.join("a.txt"), "tampered\n").unwrap();
    let out = c.env.install(&c.archive, &c.dest, &["--replace"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.lines().any(|l| l.ends_with("(replaced)")),
        "{stdout}"
    );
    assert_eq!(fs::read(c.dest.join("a.txt")).unwrap(), b"version two\n");
    assert_eq!(staging_left(&c.env.path("inst")), Vec::<String>::new());
}

fn boot_id() -> String {
    fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .unwrap()
        .trim()
        .to_owned()
}

fn start_time(pid: u32) -> u64 {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let rest = &stat[stat.rfind(')').unwrap() + 1..];
    rest.split_whitespace().nth(19).unwrap().parse().unwrap()
}

/// A staging-named directory holding a file, and an owner record when given.
fn fake_staging(parent: &Path, name: &str, owner: Option<String>) -> PathBuf {
    let dir = parent.join(name);
    fs::create_dir_all(dir.join("pack")).unwrap();
    fs::write(dir.join("pack/work.txt"), "someone's work\n").unwrap();
    if let Some(o) = owner {
        fs::write(dir.join("owner"), o).unwrap();
    }
    dir
}

fn install_json(c: &Case) -> Value {
    let out = support::sigil()
        .args(["--format", "json", "pack", "install"])
        .arg(&c.archive)
        .arg("--key")
        .arg(c.env.pubkey())
        .arg("--to")
        .arg(&c.dest)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn stale_cleanup_leaves_staging_it_cannot_prove_dead() {
    let c = case();
    let parent = c.env.path("inst");
    // No owner record: not provably ours.
    let foreign = fake_staging(&parent, ".dest.sigil-staging-handmade", None);
    // A record naming a process that is running (this test).
    let me = std::process::id();
    let live = fake_staging(
        &parent,
        ".dest.sigil-staging-running",
        Some(format!(
            "sigil-pack-staging pid={me} start={} boot={}\n",
            start_time(me),
            boot_id()
        )),
    );
    // A record that does not parse.
    let garbled = fake_staging(
        &parent,
        ".other.sigil-staging-garbled",
        Some("pid=1\n".into()),
    );
    let doc = install_json(&c);
    assert_eq!(
        doc["result"]["removed_stale_staging"],
        serde_json::json!([])
    );
    for d in [&foreign, &live, &garbled] {
        assert_eq!(
            fs::read(d.join("pack/work.txt")).unwrap(),
            b"someone's work\n",
            "{} was deleted",
            d.display()
        );
    }
}

#[test]
fn stale_cleanup_removes_staging_whose_owner_died() {
    let c = case();
    let parent = c.env.path("inst");
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    let dead = fake_staging(
        &parent,
        ".dest.sigil-staging-killed",
        Some(format!(
            "sigil-pack-staging pid={pid} start=1 boot={}\n",
            boot_id()
        )),
    );
    let rebooted = fake_staging(
        &parent,
        ".dest.sigil-staging-before-reboot",
        Some(format!(
            "sigil-pack-staging pid={} start={} boot=00000000-0000-0000-0000-000000000000\n",
            std::process::id(),
            start_time(std::process::id())
        )),
    );
    let doc = install_json(&c);
    let mut removed: Vec<String> = doc["result"]["removed_stale_staging"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    removed.sort();
    let mut expect = vec![
        rebooted.to_string_lossy().into_owned(),
        dead.to_string_lossy().into_owned(),
    ];
    expect.sort();
    assert_eq!(removed, expect);
    assert!(!dead.exists() && !rebooted.exists());
}
