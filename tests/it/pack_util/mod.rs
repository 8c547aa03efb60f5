//! Helpers for the pack tests: keys, packs, raw tar bytes for malicious archives, tree
//! snapshots. Fake secrets are assembled at run time (see `tests/it/scan.rs`).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::io::Write as _;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use crate::support;

/// A temporary workspace with a fresh unencrypted test key pair.
pub struct Env {
    pub tmp: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        support::sigil()
            .args(["key", "generate", "--no-password", "--out"])
            .arg(tmp.path().join("test"))
            .assert()
            .code(0);
        Self { tmp }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    pub fn key(&self) -> PathBuf {
        self.path("test.key")
    }

    pub fn pubkey(&self) -> PathBuf {
        self.path("test.pub")
    }

    /// Writes files under `rel` (parents created).
    pub fn write_tree(&self, rel: &str, files: &[(&str, &[u8])]) -> PathBuf {
        let dir = self.path(rel);
        fs::create_dir_all(&dir).unwrap();
        for (name, data) in files {
            let p = dir.join(name);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, data).unwrap();
            fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
        }
        dir
    }

    /// Signs a pack directory; asserts success.
    pub fn sign_pack(&self, dir: &Path, name: &str, version: &str) {
        support::sigil()
            .args(["pack", "sign"])
            .arg(dir)
            .arg("--key")
            .arg(self.key())
            .args(["--name", name, "--version", version])
            .assert()
            .code(0);
    }

    /// A signed pack with the given files.
    pub fn pack(&self, rel: &str, version: &str, files: &[(&str, &[u8])]) -> PathBuf {
        let dir = self.write_tree(rel, files);
        self.sign_pack(&dir, "demo", version);
        dir
    }

    /// Signs any file with `sigil sign` (FILE.minisig).
    pub fn sign_file(&self, file: &Path) {
        support::sigil()
            .arg("sign")
            .arg("--key")
            .arg(self.key())
            .arg(file)
            .assert()
            .code(0);
    }

    /// `sigil pack archive DIR -o OUT` then `sigil sign OUT`.
    pub fn archive(&self, dir: &Path, out: &str) -> PathBuf {
        let out = self.path(out);
        support::sigil()
            .args(["pack", "archive"])
            .arg(dir)
            .arg("-o")
            .arg(&out)
            .assert()
            .code(0);
        self.sign_file(&out);
        out
    }

    /// `sigil pack install ARCHIVE --key PUB --to DEST [extra]`.
    pub fn install(&self, archive: &Path, dest: &Path, extra: &[&str]) -> std::process::Output {
        support::sigil()
            .args(["pack", "install"])
            .arg(archive)
            .arg("--key")
            .arg(self.pubkey())
            .arg("--to")
            .arg(dest)
            .args(extra)
            .output()
            .unwrap()
    }
}

/// Every entry under `dir`: kind, mode and content digest, by relative path.
pub fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<_> = fs::read_dir(dir).unwrap().map(|e| e.unwrap()).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let m = fs::symlink_metadata(&p).unwrap();
            if m.is_dir() {
                out.insert(rel, format!("dir {:o}", m.mode() & 0o7777));
                walk(root, &p, out);
            } else if m.file_type().is_symlink() {
                out.insert(
                    rel,
                    format!("symlink {}", fs::read_link(&p).unwrap().display()),
                );
            } else {
                let data = fs::read(&p).unwrap();
                out.insert(
                    rel,
                    format!(
                        "file {:o} {} {}",
                        m.mode() & 0o7777,
                        data.len(),
                        simple_hash(&data)
                    ),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    if dir.exists() {
        walk(dir, dir, &mut out);
    }
    out
}

fn simple_hash(data: &[u8]) -> u64 {
    // FNV-1a: enough to tell trees apart in a test.
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Names in `dir` that look like install staging.
pub fn staging_left(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".sigil-staging-"))
        .collect()
}

/// One ustar header block with a correct checksum.
pub fn header(name: &[u8], typeflag: u8, size: u64, mode: u32, link: &[u8]) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len().min(100)].copy_from_slice(&name[..name.len().min(100)]);
    h[100..108].copy_from_slice(format!("{mode:07o}\0").as_bytes());
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{size:011o}\0").as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = typeflag;
    h[157..157 + link.len()].copy_from_slice(link);
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

fn pad(v: &mut Vec<u8>) {
    v.resize(v.len().div_ceil(512) * 512, 0);
}

/// A regular file entry.
pub fn file_entry(name: &str, data: &[u8]) -> Vec<u8> {
    let mut v = header(name.as_bytes(), b'0', data.len() as u64, 0o644, b"").to_vec();
    v.extend_from_slice(data);
    pad(&mut v);
    v
}

/// A non-file entry (link, device, fifo, directory).
pub fn special_entry(name: &str, typeflag: u8, link: &str) -> Vec<u8> {
    header(name.as_bytes(), typeflag, 0, 0o644, link.as_bytes()).to_vec()
}

/// A PAX extended header with the given records.
pub fn pax_entry(records: &[(&str, &str)]) -> Vec<u8> {
    let mut body = String::new();
    for (k, v) in records {
        let base = format!(" {k}={v}\n");
        let mut len = base.len() + 1;
        while format!("{len}{base}").len() != len {
            len += 1;
        }
        body.push_str(&format!("{len}{base}"));
    }
    let mut v = header(b"PaxHeaders/x", b'x', body.len() as u64, 0o644, b"").to_vec();
    v.extend_from_slice(body.as_bytes());
    pad(&mut v);
    v
}

/// The end-of-archive marker.
pub fn end() -> Vec<u8> {
    vec![0u8; 1024]
}

/// The files of a signed pack as raw tar entries (`.sigil/` first), so an attack entry can
/// ride along with a perfectly valid pack.
pub fn pack_entries(dir: &Path) -> Vec<u8> {
    let mut names = Vec::new();
    fn walk(root: &Path, dir: &Path, names: &mut Vec<String>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, names);
            } else {
                names.push(p.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    walk(dir, dir, &mut names);
    names.sort();
    let mut out = Vec::new();
    for n in names {
        out.extend(file_entry(&n, &fs::read(dir.join(&n)).unwrap()));
    }
    out
}

/// gzip at a fixed level.
pub fn gz(tar: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    e.write_all(tar).unwrap();
    e.finish().unwrap()
}
