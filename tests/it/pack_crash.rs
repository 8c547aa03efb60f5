//! Issue 3, done-when 3: an install killed with SIGKILL in the middle of extraction leaves
//! DEST exactly as it was; the next install of the same destination removes the stale
//! staging, succeeds, and leaves no staging behind.

use crate::pack_util;
use crate::support;

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pack_util::*;

/// `count` files of `size` bytes: compressible (so archiving stays quick) but all different.
fn big_tree(env: &Env, rel: &str, count: usize, size: usize) -> std::path::PathBuf {
    let dir = env.path(rel);
    fs::create_dir_all(dir.join("data")).unwrap();
    let mut block = [0u8; 4096];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for b in block.iter_mut() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        *b = b"abcdefghijklmnopqrstuvwxyz \n"[(x % 28) as usize];
    }
    for i in 0..count {
        let mut data = Vec::with_capacity(size);
        let mut n = 0u64;
        while data.len() < size {
            data.extend_from_slice(format!("{i:04} {n:012}\n").as_bytes());
            data.extend_from_slice(&block[..4096 - 18]);
            n += 1;
        }
        data.truncate(size);
        fs::write(dir.join(format!("data/part-{i:03}.txt")), &data).unwrap();
    }
    dir
}

fn has_files(dir: &Path) -> bool {
    let Ok(rd) = fs::read_dir(dir) else {
        return false;
    };
    rd.flatten().any(|e| {
        let p = e.path();
        if p.is_dir() {
            has_files(&p)
        } else {
            true
        }
    })
}

#[test]
fn install_killed_midway_leaves_dest_unchanged_and_next_install_succeeds() {
    let env = Env::new();
    let v1 = env.pack("v1", "1.0.0", &[("a.txt", b"version one\n")]);
    let archive1 = env.archive(&v1, "v1.tar.gz");
    let parent = env.path("inst");
    fs::create_dir_all(&parent).unwrap();
    let dest = parent.join("dest");
    assert_eq!(env.install(&archive1, &dest, &[]).status.code(), Some(0));
    let before = snapshot(&dest);

    let v2 = big_tree(&env, "v2", 48, 4 << 20);
    env.sign_pack(&v2, "demo", "2.0.0");
    let archive2 = env.archive(&v2, "v2.tar.gz");

    let mut child = Command::new(assert_cmd::cargo::cargo_bin("sigil"))
        .args(["pack", "install"])
        .arg(&archive2)
        .arg("--key")
        .arg(env.pubkey())
        .arg("--to")
        .arg(&dest)
        .arg("--replace")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        let staging = staging_left(&parent);
        if staging
            .iter()
            .any(|s| has_files(&parent.join(s).join("pack")))
        {
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("install finished ({status}) before it could be killed mid-extraction; make the archive larger");
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "install never started extracting"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success());

    assert_eq!(snapshot(&dest), before, "DEST changed by a killed install");
    let stale = staging_left(&parent);
    assert_eq!(
        stale.len(),
        1,
        "the killed run's staging is still there: {stale:?}"
    );
    assert!(stale[0].starts_with(".dest.sigil-staging-"), "{stale:?}");
    support::sigil()
        .args(["pack", "check"])
        .arg(&dest)
        .arg("--key")
        .arg(env.pubkey())
        .assert()
        .code(0);

    let out = support::sigil()
        .args(["--format", "json", "pack", "install"])
        .arg(&archive2)
        .arg("--key")
        .arg(env.pubkey())
        .arg("--to")
        .arg(&dest)
        .arg("--replace")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = support::json_doc(&out);
    assert_eq!(doc["result"]["replaced"], true);
    assert_eq!(doc["result"]["pack"]["version"], "2.0.0");
    assert_eq!(
        doc["result"]["removed_stale_staging"][0],
        parent.join(&stale[0]).to_string_lossy().as_ref()
    );
    assert_eq!(staging_left(&parent), Vec::<String>::new());
    let entries: Vec<_> = fs::read_dir(&parent)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(entries, ["dest"]);
    support::sigil()
        .args(["pack", "check"])
        .arg(&dest)
        .arg("--key")
        .arg(env.pubkey())
        .assert()
        .code(0);
}
