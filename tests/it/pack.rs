//! Issue 3: `sigil pack sign|verify|archive|install|check` — data-only rules, exact-tree
//! verification, deterministic archives, interop with `sha256sum -c` and `minisign -V`.

use crate::pack_util;
use crate::support;

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::process::Command;

use pack_util::*;

fn sign_refused(env: &Env, dir: &std::path::Path, extra: &[&str]) -> (String, serde_json::Value) {
    let out = support::sigil()
        .args(["pack", "sign"])
        .arg(dir)
        .arg("--key")
        .arg(env.key())
        .args(["--name", "demo", "--version", "1.0.0"])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !dir.join(".sigil/SHA256SUMS").exists(),
        "a refused pack must not be signed"
    );
    let json = support::sigil()
        .args(["--format", "json", "pack", "sign"])
        .arg(dir)
        .arg("--key")
        .arg(env.key())
        .args(["--name", "demo", "--version", "1.0.0"])
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(json.status.code(), Some(1));
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        support::json_doc(&json),
    )
}

#[test]
fn sign_writes_a_manifest_that_sha256sum_and_minisign_accept() {
    let env = Env::new();
    let dir = env.pack(
        "p",
        "1.0.0",
        &[
            ("b.txt", b"bee\n"),
            ("a.txt", b"hello\n"),
            ("docs/x y.md", b"# x\n"),
            ("B.md", b"upper\n"),
        ],
    );
    let manifest = support::read(dir.join(".sigil/SHA256SUMS"));
    let names: Vec<&str> = manifest.lines().map(|l| &l[66..]).collect();
    assert_eq!(
        names,
        ["B.md", "a.txt", "b.txt", "docs/x y.md"],
        "sorted by bytes"
    );
    let sig = support::read(dir.join(".sigil/SHA256SUMS.minisig"));
    assert!(
        sig.contains("trusted comment: sigil-pack name=demo version=1.0.0 files=4 bytes=20\n"),
        "{sig}"
    );

    if let Some(sha256sum) = support::tool("sha256sum") {
        let out = Command::new(sha256sum)
            .args(["-c", ".sigil/SHA256SUMS"])
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    if let Some(minisign) = support::tool("minisign") {
        let out = Command::new(minisign)
            .args(["-V", "-m", ".sigil/SHA256SUMS", "-p"])
            .arg(env.pubkey())
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout)
            .contains("Trusted comment: sigil-pack name=demo version=1.0.0 files=4 bytes=20"));
    }

    let out = support::sigil()
        .args(["pack", "verify"])
        .arg(&dir)
        .arg("--key")
        .arg(env.pubkey())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with(&format!(
            "verify: pack demo 1.0.0 at {} verified (4 files, 20 bytes, key ",
            dir.display()
        )),
        "{stdout}"
    );
}

#[test]
fn verify_reports_missing_extra_changed_and_retyped_files() {
    let env = Env::new();
    let dir = env.pack(
        "p",
        "1.0.0",
        &[
            ("a.txt", b"a\n"),
            ("b.txt", b"b\n"),
            ("c.txt", b"c\n"),
            ("d/e.txt", b"e\n"),
        ],
    );
    fs::remove_file(dir.join("a.txt")).unwrap();
    fs::write(dir.join("b.txt"), b"B\n").unwrap();
    fs::remove_file(dir.join("c.txt")).unwrap();
    std::os::unix::fs::symlink("b.txt", dir.join("c.txt")).unwrap();
    fs::write(dir.join("new.txt"), b"n\n").unwrap();
    fs::write(dir.join(".sigil/notes"), b"n\n").unwrap();
    fs::set_permissions(dir.join("d/e.txt"), fs::Permissions::from_mode(0o755)).unwrap();

    let out = support::sigil()
        .args(["pack", "verify"])
        .arg(&dir)
        .arg("--key")
        .arg(env.pubkey())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 7, "{stdout}");
    assert_eq!(
        lines[0],
        ".sigil/notes: extra (only SHA256SUMS and SHA256SUMS.minisig belong in .sigil/)"
    );
    assert_eq!(
        lines[1],
        "a.txt: missing (listed in the manifest, not present)"
    );
    assert!(lines[2].starts_with("b.txt: changed (sha256 "), "{stdout}");
    assert_eq!(
        lines[3],
        "c.txt: type-changed (listed as a file, present as a symlink)"
    );
    assert_eq!(
        lines[4],
        "d/e.txt: executable (mode 0755 has execute or special bits)"
    );
    assert_eq!(lines[5], "new.txt: extra (file not in the manifest)");
    assert_eq!(
        lines[6],
        format!(
            "pack demo 1.0.0 at {} does not match its signed manifest: 6 problem(s)",
            dir.display()
        )
    );

    let out = support::sigil()
        .args(["--format", "json", "pack", "verify"])
        .arg(&dir)
        .arg("--key")
        .arg(env.pubkey())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = support::json_doc(&out);
    assert_eq!(doc["status"], "not-verified");
    let kinds: Vec<(String, String)> = doc["result"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_owned(),
                p["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            (".sigil/notes", "extra"),
            ("a.txt", "missing"),
            ("b.txt", "changed"),
            ("c.txt", "type-changed"),
            ("d/e.txt", "executable"),
            ("new.txt", "extra")
        ]
        .map(|(a, b)| (a.to_owned(), b.to_owned()))
    );
}

#[test]
fn verify_refuses_wrong_keys_and_edited_manifests() {
    let env = Env::new();
    let dir = env.pack("p", "1.0.0", &[("a.txt", b"a\n")]);
    let other = Env::new();
    let out = support::sigil()
        .args(["pack", "verify"])
        .arg(&dir)
        .arg("--key")
        .arg(other.pubkey())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("which is not a trusted key"), "{stderr}");
    assert!(
        stderr.contains("hint: pass the publisher's public key with --key"),
        "{stderr}"
    );

    // Editing the manifest (even consistently with the files) breaks the signature.
    fs::write(dir.join("a.txt"), b"evil\n").unwrap();
    let line = format!("{}  a.txt\n", sha256_hex(b"evil\n"));
    fs::write(dir.join(".sigil/SHA256SUMS"), line).unwrap();
    let out = support::sigil()
        .args(["pack", "verify"])
        .arg(&dir)
        .arg("--key")
        .arg(env.pubkey())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(".sigil/SHA256SUMS: signature verification failed: content does not match the signature"), "{stderr}");

    fs::remove_file(dir.join(".sigil/SHA256SUMS")).unwrap();
    let out = support::sigil()
        .args(["pack", "verify"])
        .arg(&dir)
        .arg("--key")
        .arg(env.pubkey())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains(".sigil/SHA256SUMS: missing or not a regular file"));
}

fn sha256_hex(data: &[u8]) -> String {
    let f = tempfile::NamedTempFile::new().unwrap();
    fs::write(f.path(), data).unwrap();
    let out = Command::new("sha256sum").arg(f.path()).output().unwrap();
    String::from_utf8_lossy(&out.stdout)[..64].to_owned()
}

#[test]
fn sign_refuses_every_data_only_violation_at_once() {
    let env = Env::new();
    let dir = env.write_tree(
        "p",
        &[
            ("ok.txt", b"fine\n"),
            ("run.sh", b"ls\n"),
            ("Readme.md", b"a\n"),
            ("README.md", b"b\n"),
        ],
    );
    fs::set_permissions(dir.join("run.sh"), fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.join("passwd")).unwrap();
    fs::hard_link(dir.join("ok.txt"), dir.join("hard.txt")).unwrap();
    fs::write(dir.join("bad\nname.txt"), b"x").unwrap();
    fs::write(dir.join("caf\u{e9}.txt"), b"x").unwrap();
    fs::write(dir.join("cafe\u{301}.txt"), b"x").unwrap();
    let status = Command::new("mkfifo")
        .arg(dir.join("pipe"))
        .status()
        .unwrap();
    assert!(status.success());
    let _sock = std::os::unix::net::UnixListener::bind(dir.join("sock")).unwrap();

    let (stdout, doc) = sign_refused(&env, &dir, &[]);
    let expected = [
        "Readme.md: \"Readme.md\" and \"README.md\" are the same name on case-insensitive or normalising file systems [name-collision]",
        "bad\\nname.txt: name contains control character U+000A [name-character]",
        "caf\u{e9}.txt: \"caf\u{e9}.txt\" and \"cafe\\u{301}.txt\" are the same name on case-insensitive or normalising file systems [name-collision]",
        "hard.txt: file has 2 hard links [hard-link]",
        "ok.txt: file has 2 hard links [hard-link]",
        "passwd: symbolic links are not allowed in a pack [symlink]",
        "pipe: named pipes are not allowed in a pack [fifo]",
        "run.sh: mode 0755 has execute or special bits [executable]",
        "sock: sockets are not allowed in a pack [socket]",
    ];
    for e in expected {
        assert!(
            stdout.lines().any(|l| l == e),
            "missing line {e:?} in\n{stdout}"
        );
    }
    assert!(
        stdout.ends_with(&format!(
            "refused to sign {}: 9 data-only violation(s), 0 secret(s)\n",
            dir.display()
        )),
        "{stdout}"
    );
    let rules: Vec<&str> = doc["result"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules.len(), 9);
    assert_eq!(doc["status"], "not-verified");
}

#[test]
fn sign_enforces_limits_from_flags() {
    let env = Env::new();
    let dir = env.write_tree(
        "p",
        &[("a.txt", b"12345"), ("b.txt", b"123"), ("c.txt", b"1")],
    );
    let (stdout, _) = sign_refused(&env, &dir, &["--max-files", "2"]);
    assert!(
        stdout.contains("more than 2 files [too-many-files]"),
        "{stdout}"
    );
    let (stdout, _) = sign_refused(&env, &dir, &["--max-file-bytes", "4"]);
    assert!(
        stdout.contains("a.txt: 5 bytes is over the 4-byte file limit [file-too-large]"),
        "{stdout}"
    );
    let (stdout, _) = sign_refused(&env, &dir, &["--max-total-bytes", "8"]);
    assert!(
        stdout.contains("files add up to more than the 8-byte total limit [total-too-large]"),
        "{stdout}"
    );
}

#[test]
fn sign_refuses_leaked_secrets_with_redacted_excerpts() {
    let env = Env::new();
    // Assembled at run time: no literal in this file looks like a key.
    let body: String = (0..36u32)
        .map(|i| char::from(b"abcdefghijkLMNOPQRST0123456789uvwxyz"[(i * 7 % 36) as usize]))
        .collect();
    let token = format!("{}{}", "ghp_", body);
    let dir = env.write_tree(
        "p",
        &[
            (
                "config.yaml",
                format!("name: demo\ngithub_token: {token}\n").as_bytes(),
            ),
            (
                "README.md",
                b"Set ANTHROPIC_API_KEY=sk-ant-your-key-here before running.\n",
            ),
        ],
    );
    let (stdout, doc) = sign_refused(&env, &dir, &[]);
    assert!(
        stdout.contains("config.yaml:2:15: github-token: ghp_\u{2026}(40 chars)\n"),
        "{stdout}"
    );
    assert!(!stdout.contains(&body), "secret printed in full");
    assert!(
        stdout.ends_with(&format!(
            "refused to sign {}: 0 data-only violation(s), 1 secret(s)\n",
            dir.display()
        )),
        "{stdout}"
    );
    assert_eq!(doc["result"]["secrets"][0]["rule"], "github-token");
    assert_eq!(doc["result"]["secrets"][0]["line"], 2);
    assert!(!doc.to_string().contains(&body));

    // Placeholders alone do not stop signing; they are listed.
    fs::remove_file(dir.join("config.yaml")).unwrap();
    let out = support::sigil()
        .args(["pack", "sign"])
        .arg(&dir)
        .arg("--key")
        .arg(env.key())
        .args(["--name", "demo", "--version", "1.0.0"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "README.md:1:23: anthropic-api-key: sk-a\u{2026}(20 chars) (placeholder, not a leak)"
        ),
        "{stdout}"
    );
}

#[test]
fn archives_are_byte_identical_whatever_mtimes_umask_and_order() {
    let env = Env::new();
    let files: [(&str, &[u8]); 4] = [
        ("z.txt", b"zed\n"),
        ("a/b/c.json", b"{}\n"),
        ("a/x.md", b"# x\n"),
        ("m.yaml", b"k: v\n"),
    ];
    let one = env.pack("one", "1.0.0", &files);
    // A copy written in another order, with other mtimes and modes (umask 077 and 002).
    let two = env.path("two");
    for (name, data) in files.iter().rev() {
        let p = two.join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(&p, data).unwrap();
    }
    fs::create_dir_all(two.join(".sigil")).unwrap();
    for f in [".sigil/SHA256SUMS", ".sigil/SHA256SUMS.minisig"] {
        fs::copy(one.join(f), two.join(f)).unwrap();
    }
    for (name, _) in &files {
        fs::set_permissions(two.join(name), fs::Permissions::from_mode(0o600)).unwrap();
        let status = Command::new("touch")
            .args(["-d", "2001-02-03 04:05:06"])
            .arg(two.join(name))
            .status()
            .unwrap();
        assert!(status.success());
    }
    for d in ["a", "a/b", ".sigil"] {
        fs::set_permissions(two.join(d), fs::Permissions::from_mode(0o775)).unwrap();
    }
    fs::set_permissions(
        two.join(".sigil/SHA256SUMS"),
        fs::Permissions::from_mode(0o664),
    )
    .unwrap();

    let a = env.path("one.tar.gz");
    let b = env.path("two.tar.gz");
    support::sigil()
        .args(["pack", "archive"])
        .arg(&one)
        .arg("-o")
        .arg(&a)
        .assert()
        .code(0);
    support::sigil()
        .args(["pack", "archive"])
        .arg(&two)
        .arg("-o")
        .arg(&b)
        .assert()
        .code(0);
    assert_eq!(
        fs::read(&a).unwrap(),
        fs::read(&b).unwrap(),
        "archives differ"
    );

    // SOURCE_DATE_EPOCH changes the entry mtimes (and so the bytes), reproducibly.
    let c = env.path("epoch.tar.gz");
    support::sigil()
        .args(["pack", "archive"])
        .arg(&two)
        .arg("-o")
        .arg(&c)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .assert()
        .code(0);
    assert_ne!(fs::read(&a).unwrap(), fs::read(&c).unwrap());

    if let Some(tar) = support::tool("tar") {
        let out = Command::new(&tar)
            .args(["--numeric-owner", "-tvzf"])
            .arg(&a)
            .output()
            .unwrap();
        let listing = String::from_utf8_lossy(&out.stdout);
        // mode, owner, date, name (size and time of day left out).
        let rows: Vec<String> = listing
            .lines()
            .map(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                format!("{} {} {} {}", w[0], w[1], w[3], w[5])
            })
            .collect();
        assert_eq!(
            rows,
            [
                "drwxr-xr-x 0/0 1970-01-01 .sigil/",
                "-rw-r--r-- 0/0 1970-01-01 .sigil/SHA256SUMS",
                "-rw-r--r-- 0/0 1970-01-01 .sigil/SHA256SUMS.minisig",
                "drwxr-xr-x 0/0 1970-01-01 a/",
                "drwxr-xr-x 0/0 1970-01-01 a/b/",
                "-rw-r--r-- 0/0 1970-01-01 a/b/c.json",
                "-rw-r--r-- 0/0 1970-01-01 a/x.md",
                "-rw-r--r-- 0/0 1970-01-01 m.yaml",
                "-rw-r--r-- 0/0 1970-01-01 z.txt",
            ],
            "{listing}"
        );
        let out = Command::new(&tar).args(["-tvzf"]).arg(&c).output().unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("2023-11-1"),
            "SOURCE_DATE_EPOCH not used"
        );
        // GNU tar extracts our archive, and the result verifies.
        let x = env.path("x");
        fs::create_dir_all(&x).unwrap();
        assert!(Command::new(&tar)
            .arg("xzf")
            .arg(&a)
            .arg("-C")
            .arg(&x)
            .status()
            .unwrap()
            .success());
        support::sigil()
            .args(["pack", "verify"])
            .arg(&x)
            .arg("--key")
            .arg(env.pubkey())
            .assert()
            .code(0);
    }
    // The gzip header carries no name and mtime 0.
    let bytes = fs::read(&a).unwrap();
    assert_eq!(&bytes[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255]);
}

#[test]
fn install_then_interop_check_and_tamper_detection() {
    let env = Env::new();
    let dir = env.pack("p", "1.0.0", &[("a.txt", b"a\n"), ("docs/b.md", b"b\n")]);
    let archive = env.archive(&dir, "p.tar.gz");
    fs::create_dir_all(env.path("inst")).unwrap();
    let dest = env.path("inst/p");
    let out = env.install(&archive, &dest, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The trusted comments of the archive and of the pack are shown.
    let sig = fs::read_to_string(env.path("p.tar.gz.minisig")).unwrap();
    let archive_tc = sig
        .lines()
        .nth(2)
        .unwrap()
        .strip_prefix("trusted comment: ")
        .unwrap()
        // As a terminal shows it: the tabs of minisign's default comment escaped.
        .replace('\t', "\\t");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "installed pack demo 1.0.0 (2 files, 4 bytes) into {}\n\
             trusted comment ({}.minisig): {archive_tc}\n\
             trusted comment (.sigil/SHA256SUMS.minisig): sigil-pack name=demo version=1.0.0 files=2 bytes=4\n",
            dest.display(),
            archive.display()
        )
    );
    assert_eq!(staging_left(&env.path("inst")), Vec::<String>::new());

    if let Some(sha256sum) = support::tool("sha256sum") {
        let out = Command::new(sha256sum)
            .args(["-c", ".sigil/SHA256SUMS"])
            .current_dir(&dest)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "a.txt: OK\ndocs/b.md: OK\n"
        );
    }
    if let Some(minisign) = support::tool("minisign") {
        let out = Command::new(minisign)
            .args(["-Vm", ".sigil/SHA256SUMS", "-p"])
            .arg(env.pubkey())
            .current_dir(&dest)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // An existing DEST is refused without --replace.
    let out = env.install(&archive, &dest, &[]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "error: {}: destination exists\nhint: pass --replace to swap it atomically",
            dest.display()
        )),
        "{stderr}"
    );

    // check passes, then detects tampering after install.
    support::sigil()
        .args(["pack", "check"])
        .arg(&dest)
        .arg("--key")
        .arg(env.pubkey())
        .assert()
        .code(0);
    fs::write(dest.join("docs/b.md"), b"tampered\n").unwrap();
    let out = support::sigil()
        .args(["pack", "check"])
        .arg(&dest)
        .arg("--key")
        .arg(env.pubkey())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("docs/b.md: changed (sha256 "));

    // --replace swaps in a new version atomically.
    let v2 = env.pack("p2", "2.0.0", &[("a.txt", b"A2\n")]);
    let archive2 = env.archive(&v2, "p2.tar.gz");
    let out = env.install(&archive2, &dest, &["--replace"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("(replaced)\n"));
    assert!(!dest.join("docs").exists());
    assert_eq!(staging_left(&env.path("inst")), Vec::<String>::new());
    support::sigil()
        .args(["pack", "check"])
        .arg(&dest)
        .arg("--key")
        .arg(env.pubkey())
        .assert()
        .code(0);
}
