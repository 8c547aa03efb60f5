//! Threat: zip_confusion. A zip archive means different things to different readers when
//! its redundant parts disagree: two entries with one name, a local header that names
//! another path than the central directory, bytes after the end record. A signed pack must
//! mean one thing, so each of these is refused before anything is installed.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::pack_util::*;
use crate::support;

/// A stored zip of the signed pack at `dir`, plus `extra` (name, data) entries after it.
fn pack_zip(dir: &Path, extra: &[(&str, &[u8])]) -> Vec<u8> {
    let opts = zip::write::SimpleFileOptions::default()
        .unix_permissions(0o644)
        .compression_method(zip::CompressionMethod::Stored);
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, data) in extra.iter().take(1) {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    for rel in [".sigil/SHA256SUMS", ".sigil/SHA256SUMS.minisig", "a.txt"] {
        w.start_file(rel, opts).unwrap();
        w.write_all(&fs::read(dir.join(rel)).unwrap()).unwrap();
    }
    for (name, data) in extra.iter().skip(1) {
        w.start_file(*name, opts).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Replaces the `nth` occurrence (from 0) of `from` with `to` (same length).
fn patch(bytes: &mut [u8], from: &[u8], to: &[u8], nth: usize) {
    assert_eq!(from.len(), to.len());
    let at = bytes
        .windows(from.len())
        .enumerate()
        .filter(|(_, w)| *w == from)
        .nth(nth)
        .map(|(i, _)| i)
        .expect("pattern present");
    bytes[at..at + to.len()].copy_from_slice(to);
}

struct Case {
    env: Env,
    pack: PathBuf,
}

fn case() -> Case {
    let env = Env::new();
    let pack = env.pack("v1", "1.0.0", &[("a.txt", b"signed content\n")]);
    fs::create_dir_all(env.path("inst")).unwrap();
    Case { env, pack }
}

impl Case {
    /// Signs the bytes as an archive, checks the signature is valid, installs it (human and
    /// JSON) and checks the refusal: exit 1, the message, the rule, nothing installed.
    fn refused(&self, name: &str, bytes: &[u8], message: &str, rule: &str) {
        let archive = self.env.path(name);
        fs::write(&archive, bytes).unwrap();
        self.env.sign_file(&archive);
        support::sigil()
            .arg("verify")
            .arg("--key")
            .arg(self.env.pubkey())
            .arg(&archive)
            .assert()
            .code(0);
        let dest = self.env.path("inst/dest");
        let out = self.env.install(&archive, &dest, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "{}: archive refused: {message}; {} left unchanged",
                archive.display(),
                dest.display()
            )),
            "{stderr}"
        );
        assert!(!dest.exists(), "pack was installed");
        assert_eq!(staging_left(&self.env.path("inst")), Vec::<String>::new());

        let out = support::sigil()
            .args(["--format", "json", "pack", "install"])
            .arg(&archive)
            .arg("--key")
            .arg(self.env.pubkey())
            .arg("--to")
            .arg(&dest)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["status"], "not-verified");
        assert_eq!(doc["error"]["details"]["rule"], rule, "{doc}");
        assert!(!dest.exists());
    }
}

#[test]
fn zip_with_the_good_pack_installs() {
    let c = case();
    let archive = c.env.path("good.zip");
    fs::write(&archive, pack_zip(&c.pack, &[])).unwrap();
    c.env.sign_file(&archive);
    let dest = c.env.path("inst/dest");
    let out = c.env.install(&archive, &dest, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fs::read(dest.join("a.txt")).unwrap(), b"signed content\n");
}

#[test]
fn zip_duplicate_names_are_refused() {
    let c = case();
    // `a.txt` twice: first the attacker's bytes, last the signed ones (which a last-wins
    // reader checks, while a first-wins reader extracts the other).
    let mut z = pack_zip(&c.pack, &[("q.txt", b"attacker bytes\n")]);
    patch(&mut z, b"q.txt", b"a.txt", 0);
    patch(&mut z, b"q.txt", b"a.txt", 0);
    c.refused(
        "dup.zip",
        &z,
        "a.txt: entry appears twice in the central directory [duplicate-entry]",
        "duplicate-entry",
    );
}

#[test]
fn zip_names_equal_after_case_folding_are_refused() {
    let c = case();
    let mut z = pack_zip(&c.pack, &[("q.txt", b"attacker bytes\n")]);
    patch(&mut z, b"q.txt", b"A.TXT", 0);
    patch(&mut z, b"q.txt", b"A.TXT", 0);
    c.refused(
        "fold.zip",
        &z,
        "a.txt: \"a.txt\" and \"A.TXT\" are the same name on case-insensitive or normalising file systems [name-collision]",
        "name-collision",
    );
}

#[test]
fn zip_local_header_naming_another_path_is_refused() {
    let c = case();
    // The central directory says `a.txt` (signed); its local header says `/evil`. The first
    // `a.txt` in the bytes is inside the manifest's data, the second is the local header.
    let mut z = pack_zip(&c.pack, &[]);
    patch(&mut z, b"a.txt", b"/evil", 1);
    c.refused(
        "local.zip",
        &z,
        "a.txt: local file header names \"/evil\", the central directory names \"a.txt\" [local-header-mismatch]",
        "local-header-mismatch",
    );
}

#[test]
fn zip_trailing_data_after_the_end_record_is_refused() {
    let c = case();
    let mut z = pack_zip(&c.pack, &[]);
    z.extend_from_slice(b"PK\x03\x04 something else entirely");
    c.refused(
        "trailing.zip",
        &z,
        "zip: trailing data after the end of central directory record [malformed-archive]",
        "malformed-archive",
    );
}
