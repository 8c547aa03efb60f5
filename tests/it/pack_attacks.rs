//! Issue 3, done-when 1: every archive attack is refused with a clear message although the
//! archive's signature is valid; DEST is left exactly as it was and no staging remains.

use crate::pack_util;
use crate::support;

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use pack_util::*;

/// A workspace with pack v1 installed at `inst/dest`, ready to be attacked.
struct Target {
    env: Env,
    dest: PathBuf,
    before: std::collections::BTreeMap<String, String>,
    valid: Vec<u8>,
}

fn target() -> Target {
    let env = Env::new();
    let v1 = env.pack(
        "v1",
        "1.0.0",
        &[("a.txt", b"first\n"), ("docs/readme.md", b"# v1\n")],
    );
    let archive = env.archive(&v1, "v1.tar.gz");
    fs::create_dir_all(env.path("inst")).unwrap();
    let dest = env.path("inst/dest");
    let out = env.install(&archive, &dest, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v2 = env.pack(
        "v2",
        "2.0.0",
        &[("a.txt", b"second\n"), ("b.txt", b"bee\n")],
    );
    let valid = pack_entries(&v2);
    let before = snapshot(&dest);
    Target {
        env,
        dest,
        before,
        valid,
    }
}

impl Target {
    /// Signs `archive_bytes` as `name`, installs with --replace, checks the refusal.
    fn refuse(&self, name: &str, archive_bytes: &[u8], expect: &str, rule: &str) {
        let archive = self.env.path(name);
        fs::write(&archive, archive_bytes).unwrap();
        self.env.sign_file(&archive);
        // The signature really is valid: plain `sigil verify` accepts the archive.
        support::sigil()
            .arg("verify")
            .arg("--key")
            .arg(self.env.pubkey())
            .arg(&archive)
            .assert()
            .code(0);

        let out = self.env.install(&archive, &self.dest, &["--replace"]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "archive refused: {expect}; {} left unchanged",
                self.dest.display()
            )),
            "{stderr}"
        );
        assert_eq!(snapshot(&self.dest), self.before, "DEST changed");
        assert_eq!(
            staging_left(self.dest.parent().unwrap()),
            Vec::<String>::new()
        );

        let out = support::sigil()
            .args(["--format", "json", "pack", "install"])
            .arg(&archive)
            .arg("--key")
            .arg(self.env.pubkey())
            .arg("--to")
            .arg(&self.dest)
            .arg("--replace")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let doc = support::json_doc(&out);
        assert_eq!(doc["status"], "not-verified");
        assert_eq!(doc["error"]["details"]["rule"], rule);
        assert_eq!(snapshot(&self.dest), self.before);
    }

    fn with(&self, evil: &[u8]) -> Vec<u8> {
        let mut t = self.valid.clone();
        t.extend_from_slice(evil);
        t.extend(end());
        gz(&t)
    }
}

fn no_file(p: &Path) {
    assert!(!p.exists(), "{} was written outside DEST", p.display());
}

#[test]
fn parent_traversal_is_refused() {
    let t = target();
    t.refuse(
        "dotdot.tar.gz",
        &t.with(&file_entry("../escaped.txt", b"pwned")),
        "../escaped.txt: path contains `..` [parent-dir]",
        "parent-dir",
    );
    t.refuse(
        "deep.tar.gz",
        &t.with(&file_entry("docs/../../escaped.txt", b"pwned")),
        "docs/../../escaped.txt: path contains `..` [parent-dir]",
        "parent-dir",
    );
    no_file(&t.env.path("inst/escaped.txt"));
    no_file(&t.env.path("escaped.txt"));
}

#[test]
fn absolute_path_is_refused() {
    let t = target();
    let outside = t.env.path("abs-target.txt");
    let name = outside.to_string_lossy().into_owned();
    t.refuse(
        "abs.tar.gz",
        &t.with(&file_entry(&name, b"pwned")),
        &format!("{name}: absolute path [absolute-path]"),
        "absolute-path",
    );
    no_file(&outside);
}

#[test]
fn symlink_and_hard_link_entries_are_refused() {
    let t = target();
    t.refuse(
        "symlink.tar.gz",
        &t.with(&special_entry("link", b'2', "/etc/passwd")),
        "link: symbolic link to \"/etc/passwd\": links are not allowed in a pack [symlink]",
        "symlink",
    );
    t.refuse(
        "hardlink.tar.gz",
        &t.with(&special_entry("hard", b'1', "a.txt")),
        "hard: hard link to \"a.txt\": links are not allowed in a pack [hard-link]",
        "hard-link",
    );
}

#[test]
fn symlink_then_file_through_it_is_refused() {
    let t = target();
    let outside = t.env.path("outside");
    fs::create_dir_all(&outside).unwrap();
    let mut evil = special_entry("escape", b'2', &outside.to_string_lossy());
    evil.extend(file_entry("escape/planted.txt", b"pwned"));
    t.refuse(
        "through.tar.gz",
        &t.with(&evil),
        &format!(
            "escape: symbolic link to {:?}: links are not allowed in a pack [symlink]",
            outside.to_string_lossy()
        ),
        "symlink",
    );
    no_file(&outside.join("planted.txt"));
}

#[test]
fn duplicate_entries_are_refused() {
    let t = target();
    t.refuse(
        "dup.tar.gz",
        &t.with(&file_entry("a.txt", b"shadow\n")),
        "a.txt: entry appears twice [duplicate-entry]",
        "duplicate-entry",
    );
    t.refuse(
        "case.tar.gz",
        &t.with(&file_entry("A.TXT", b"shadow\n")),
        "A.TXT: \"A.TXT\" and \"a.txt\" are the same name on case-insensitive or normalising file systems [name-collision]",
        "name-collision",
    );
}

#[test]
fn device_and_fifo_entries_are_refused() {
    let t = target();
    t.refuse(
        "chr.tar.gz",
        &t.with(&special_entry("null", b'3', "")),
        "null: device file [device]",
        "device",
    );
    t.refuse(
        "blk.tar.gz",
        &t.with(&special_entry("sda", b'4', "")),
        "sda: device file [device]",
        "device",
    );
    t.refuse(
        "fifo.tar.gz",
        &t.with(&special_entry("pipe", b'6', "")),
        "pipe: named pipe [fifo]",
        "fifo",
    );
}

#[test]
fn executable_entries_are_refused() {
    let t = target();
    let mut h = header(b"run.sh", b'0', 3, 0o755, b"").to_vec();
    h.extend_from_slice(b"ls\n");
    h.resize(1024, 0);
    t.refuse(
        "exec.tar.gz",
        &t.with(&h),
        "run.sh: mode 0755 has execute or special bits [executable]",
        "executable",
    );
}

#[test]
fn pax_size_disagreeing_with_ustar_is_refused() {
    let t = target();
    // The PAX header says 1024 bytes, the ustar header 5: readers that trust different
    // fields would see different files.
    let mut evil = pax_entry(&[("size", "1024")]);
    evil.extend(file_entry("smuggle.txt", b"hello"));
    t.refuse(
        "pax.tar.gz",
        &t.with(&evil),
        "smuggle.txt: PAX size 1024 disagrees with the header's size 5; readers would split the archive differently [pax-size-mismatch]",
        "pax-size-mismatch",
    );
}

/// 1 GiB of zeros compressed into about 1 MiB.
fn zeros_gz(prefix: &[u8], zeros: u64, suffix: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(9));
    e.write_all(prefix).unwrap();
    let block = vec![0u8; 1 << 20];
    let mut left = zeros;
    while left > 0 {
        let n = left.min(block.len() as u64) as usize;
        e.write_all(&block[..n]).unwrap();
        left -= n as u64;
    }
    e.write_all(suffix).unwrap();
    e.finish().unwrap()
}

#[test]
fn decompression_bomb_is_stopped_by_the_limits() {
    let t = target();
    const GIB: u64 = 1 << 30;
    // An honest header: 1 GiB of zeros in one entry.
    let mut prefix = t.valid.clone();
    prefix.extend(header(b"zeros.bin", b'0', GIB, 0o644, b""));
    let bomb = zeros_gz(&prefix, GIB, &end());
    assert!(bomb.len() < 2 << 20, "bomb is {} bytes", bomb.len());
    t.refuse(
        "bomb.tar.gz",
        &bomb,
        "zeros.bin: 1073741824 bytes is over the 134217728-byte file limit [file-too-large]",
        "file-too-large",
    );

    // A lying archive: a valid pack, then 1 GiB of zeros after the end-of-archive marker.
    let mut prefix = t.valid.clone();
    prefix.extend(end());
    let bomb = zeros_gz(&prefix, GIB, b"");
    t.refuse(
        "trailing.tar.gz",
        &bomb,
        "data after the end-of-archive marker [malformed-archive]",
        "malformed-archive",
    );
}

#[test]
fn total_size_and_count_limits_hold_during_extraction() {
    let t = target();
    let mut evil = Vec::new();
    for i in 0..3 {
        evil.extend(file_entry(&format!("big{i}.bin"), &vec![0u8; 3000]));
    }
    let archive = t.env.path("sizes.tar.gz");
    fs::write(&archive, t.with(&evil)).unwrap();
    t.env.sign_file(&archive);
    let out = t.env.install(
        &archive,
        &t.dest,
        &["--replace", "--max-total-bytes", "5000"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("archive refused: big1.bin: files add up to more than the 5000-byte total limit [total-too-large]"), "{stderr}");
    let out = t
        .env
        .install(&archive, &t.dest, &["--replace", "--max-files", "2"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("archive refused: big0.bin: more than 2 files [too-many-files]"),
        "{stderr}"
    );
    assert_eq!(snapshot(&t.dest), t.before);
    assert_eq!(staging_left(t.dest.parent().unwrap()), Vec::<String>::new());
}

#[test]
fn extra_and_changed_files_inside_a_signed_archive_are_refused() {
    let t = target();
    // A file the manifest does not list, in an archive whose own signature is valid.
    let archive = t.env.path("extra.tar.gz");
    fs::write(&archive, t.with(&file_entry("unlisted.txt", b"surprise"))).unwrap();
    t.env.sign_file(&archive);
    let out = t.env.install(&archive, &t.dest, &["--replace"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("pack demo 2.0.0 inside does not match its signed manifest: unlisted.txt: extra (file not in the manifest)"), "{stderr}");
    assert_eq!(snapshot(&t.dest), t.before);
    assert_eq!(staging_left(t.dest.parent().unwrap()), Vec::<String>::new());
}

#[test]
fn unsigned_or_wrongly_signed_archives_never_reach_extraction() {
    let t = target();
    let v2 = t.env.path("v2");
    let archive = t.env.path("v2.tar.gz");
    support::sigil()
        .args(["pack", "archive"])
        .arg(&v2)
        .arg("-o")
        .arg(&archive)
        .assert()
        .code(0);
    let out = t.env.install(&archive, &t.dest, &["--replace"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("v2.tar.gz.minisig: archive signature not found"));
    // Signed, then one byte changed.
    t.env.sign_file(&archive);
    let mut bytes = fs::read(&archive).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    fs::write(&archive, &bytes).unwrap();
    let out = t.env.install(&archive, &t.dest, &["--replace"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("archive not verified: signature verification failed: content does not match the signature"), "{stderr}");
    assert_eq!(snapshot(&t.dest), t.before);
    assert_eq!(staging_left(t.dest.parent().unwrap()), Vec::<String>::new());
}

fn zip_bytes(build: impl FnOnce(&mut zip::ZipWriter<std::io::Cursor<Vec<u8>>>)) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    build(&mut w);
    w.finish().unwrap().into_inner()
}

fn zip_pack(w: &mut zip::ZipWriter<std::io::Cursor<Vec<u8>>>, dir: &Path) {
    let opts = zip::write::SimpleFileOptions::default().unix_permissions(0o644);
    for rel in [
        ".sigil/SHA256SUMS",
        ".sigil/SHA256SUMS.minisig",
        "a.txt",
        "b.txt",
    ] {
        w.start_file(rel, opts).unwrap();
        w.write_all(&fs::read(dir.join(rel)).unwrap()).unwrap();
    }
}

#[test]
fn zip_packs_install_and_zip_attacks_are_refused() {
    let t = target();
    let v2 = t.env.path("v2");
    let good = zip_bytes(|w| zip_pack(w, &v2));
    let archive = t.env.path("v2.zip");
    fs::write(&archive, &good).unwrap();
    t.env.sign_file(&archive);
    let fresh = t.env.path("inst/zipped");
    let out = t.env.install(&archive, &fresh, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(fs::read(fresh.join("b.txt")).unwrap(), b"bee\n");
    support::sigil()
        .args(["pack", "check"])
        .arg(&fresh)
        .arg("--key")
        .arg(t.env.pubkey())
        .assert()
        .code(0);

    let opts = zip::write::SimpleFileOptions::default().unix_permissions(0o644);
    let evil = zip_bytes(|w| {
        zip_pack(w, &v2);
        w.add_symlink("link", "/etc/passwd", opts).unwrap();
    });
    t.refuse(
        "symlink.zip",
        &evil,
        "link: symbolic link to \"\": links are not allowed in a pack [symlink]",
        "symlink",
    );
    let evil = zip_bytes(|w| {
        zip_pack(w, &v2);
        w.start_file("../escaped.txt", opts).unwrap();
        w.write_all(b"pwned").unwrap();
    });
    t.refuse(
        "dotdot.zip",
        &evil,
        "../escaped.txt: path contains `..` [parent-dir]",
        "parent-dir",
    );
    let evil = zip_bytes(|w| {
        zip_pack(w, &v2);
        w.start_file("run.sh", opts.unix_permissions(0o755))
            .unwrap();
        w.write_all(b"ls").unwrap();
    });
    t.refuse(
        "exec.zip",
        &evil,
        "run.sh: mode 0755 has execute or special bits [executable]",
        "executable",
    );
    no_file(&t.env.path("inst/escaped.txt"));
}
