//! CLI contract for keys, signatures and checksum lists: exit codes, messages, JSON
//! documents, file permissions, and bad input of every kind (issue 2).

use crate::support;

use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use support::{json_doc, read, sigil};

/// Generates an unencrypted key pair `dir/name.{key,pub}`.
fn keypair(dir: &Path, name: &str) {
    sigil()
        .args(["key", "generate", "--no-password", "--out"])
        .arg(dir.join(name))
        .assert()
        .code(0);
}

fn write(dir: &Path, name: &str, data: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    fs::write(&p, data).unwrap();
    p
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn generate_writes_private_secret_and_refuses_overwrite() {
    let d = tempfile::tempdir().unwrap();
    keypair(d.path(), "k");
    let mode = fs::metadata(d.path().join("k.key"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    assert!(read(d.path().join("k.pub")).starts_with("untrusted comment: minisign public key "));
    let before = read(d.path().join("k.key"));
    let out = sigil()
        .args(["key", "generate", "--no-password", "--out"])
        .arg(d.path().join("k"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("k.key: already exists"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("hint: use --force to overwrite"));
    assert_eq!(
        read(d.path().join("k.key")),
        before,
        "existing key must be untouched"
    );
    sigil()
        .args(["key", "generate", "--no-password", "--force", "--out"])
        .arg(d.path().join("k"))
        .assert()
        .code(0);
    assert_ne!(read(d.path().join("k.key")), before);
    let mode = fs::metadata(d.path().join("k.key"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn generate_without_password_source_is_a_usage_error() {
    let d = tempfile::tempdir().unwrap();
    let out = sigil()
        .args(["key", "generate", "--out"])
        .arg(d.path().join("k"))
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("error: no password available to encrypt the new secret key"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("hint: set SIGIL_PASSWORD"));
    assert!(
        !d.path().join("k.key").exists(),
        "nothing written on failure"
    );
}

#[test]
fn sign_verify_and_tamper() {
    let d = tempfile::tempdir().unwrap();
    keypair(d.path(), "k");
    let f = write(d.path(), "a.txt", b"hello\n");
    sigil()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(["sign", "--key"])
        .arg(d.path().join("k.key"))
        .arg(&f)
        .assert()
        .code(0);
    let sig = read(d.path().join("a.txt.minisig"));
    assert!(
        sig.contains("trusted comment: timestamp:1700000000\tfile:a.txt\thashed\n"),
        "{sig}"
    );
    let out = sigil()
        .args(["verify", "--key"])
        .arg(d.path().join("k.pub"))
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("verified "));
    // Tabs in the trusted comment are shown escaped, like every control character.
    assert!(stdout(&out).contains("trusted comment: timestamp:1700000000\\tfile:a.txt\\thashed"));
    fs::write(&f, b"hellO\n").unwrap();
    let out = sigil()
        .args(["verify", "--key"])
        .arg(d.path().join("k.pub"))
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out)
        .contains("signature verification failed: content does not match the signature"));
}

/// One rule for `SOURCE_DATE_EPOCH` in every command that records a time: empty is unset, a
/// number of seconds is used as is, and anything else is a usage error naming the value.
#[test]
fn source_date_epoch_has_one_rule_for_every_command() {
    let d = tempfile::tempdir().unwrap();
    keypair(d.path(), "k");
    let f = write(d.path(), "a.txt", b"hello\n");
    let sign = |epoch: &str| {
        let _ = fs::remove_file(d.path().join("a.txt.minisig"));
        sigil()
            .env("SOURCE_DATE_EPOCH", epoch)
            .args(["sign", "--key"])
            .arg(d.path().join("k.key"))
            .arg(&f)
            .output()
            .unwrap()
    };
    let out = sign(" 1700000001 ");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(read(d.path().join("a.txt.minisig")).contains("timestamp:1700000001\t"));
    // Empty is unset: the clock is used, and it is later than 2023.
    let out = sign("");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sig = read(d.path().join("a.txt.minisig"));
    let secs: u64 = sig
        .split("timestamp:")
        .nth(1)
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(secs > 1_700_000_001, "{sig}");
    let message = "error: SOURCE_DATE_EPOCH is not a number of seconds: \"-5\"\nhint: set it to seconds since 1970-01-01 UTC, e.g. `git log -1 --format=%ct`, or unset it\n";
    let out = sign("-5");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out), message);
    assert!(!d.path().join("a.txt.minisig").exists());
    let out = sigil()
        .env("SOURCE_DATE_EPOCH", "-5")
        .args(["pack", "archive"])
        .arg(d.path())
        .arg("-o")
        .arg(d.path().join("p.tar.gz"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stderr(&out), message);
}

#[test]
fn json_output_is_one_document_on_success_and_failure() {
    let d = tempfile::tempdir().unwrap();
    keypair(d.path(), "k");
    keypair(d.path(), "other");
    let f = write(d.path(), "a", b"x");
    sigil()
        .args(["sign", "-k"])
        .arg(d.path().join("k.key"))
        .arg(&f)
        .assert()
        .code(0);
    let out = sigil()
        .args(["--format", "json", "verify", "-k"])
        .arg(d.path().join("k.pub"))
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v = json_doc(&out);
    assert_eq!(v["status"], "verified");
    assert_eq!(v["schema_version"], 1);
    assert_eq!(v["result"]["algorithm"], "ED");
    let out = sigil()
        .args(["verify", "--format", "json", "-k"])
        .arg(d.path().join("other.pub"))
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json_doc(&out);
    assert_eq!(v["status"], "not-verified");
    assert_eq!(v["error"]["kind"], "not-verified");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not by the trusted key"),
        "{v}"
    );
    // Usage errors, including argument errors, also give one document.
    let out = sigil()
        .args(["verify", "--format", "json", "--bogus"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json_doc(&out)["status"], "error");
    let out = sigil()
        .args(["--format", "json", "verify", "-k"])
        .arg(d.path().join("nope.pub"))
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v = json_doc(&out);
    assert_eq!(v["error"]["kind"], "io");
}

#[test]
fn bad_inputs_follow_the_exit_code_contract() {
    let d = tempfile::tempdir().unwrap();
    keypair(d.path(), "k");
    let pk = d.path().join("k.pub");
    let sk = d.path().join("k.key");
    let f = write(d.path(), "f", b"content");
    sigil()
        .args(["sign", "-k"])
        .arg(&sk)
        .arg(&f)
        .assert()
        .code(0);
    let good_sig = read(d.path().join("f.minisig"));
    let lines: Vec<&str> = good_sig.lines().collect();

    // (args, expected code, expected stderr fragment)
    let check = |args: &[&std::ffi::OsStr], code: i32, msg: &str| {
        let out = sigil().args(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "args {args:?}: {}",
            stderr(&out)
        );
        assert!(
            stderr(&out).contains(msg),
            "args {args:?}: expected {msg:?} in {}",
            stderr(&out)
        );
        let out = sigil()
            .args(["--format", "json"])
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code));
        let doc = json_doc(&out);
        assert!(
            doc["error"]["message"].as_str().unwrap().contains(msg),
            "expected {msg:?} in {doc}"
        );
    };
    let os = |s: &str| std::ffi::OsString::from(s);
    let p = |p: &Path| p.as_os_str().to_owned();

    // Missing file.
    check(
        &[
            &os("verify"),
            &os("-k"),
            &p(&pk),
            &p(&d.path().join("missing")),
        ],
        2,
        "No such file or directory",
    );
    // Directory instead of a file.
    let sub = d.path().join("dir");
    fs::create_dir(&sub).unwrap();
    fs::write(d.path().join("dir.minisig"), &good_sig).unwrap();
    check(
        &[&os("verify"), &os("-k"), &p(&pk), &p(&sub)],
        2,
        "is a directory, not a regular file",
    );
    check(
        &[&os("sign"), &os("-k"), &p(&sk), &p(&sub)],
        2,
        "is a directory, not a regular file",
    );
    // Unreadable file (root reads everything, so only meaningful for other users).
    let unreadable = write(d.path(), "unreadable", b"x");
    fs::set_permissions(&unreadable, fs::Permissions::from_mode(0o000)).unwrap();
    if fs::read(&unreadable).is_err() {
        check(
            &[&os("sign"), &os("-k"), &p(&sk), &p(&unreadable)],
            2,
            "Permission denied",
        );
    }
    // Empty file: signs and verifies.
    let empty = write(d.path(), "empty", b"");
    sigil()
        .args(["sign", "-k"])
        .arg(&sk)
        .arg(&empty)
        .assert()
        .code(0);
    sigil()
        .args(["verify", "-k"])
        .arg(&pk)
        .arg(&empty)
        .assert()
        .code(0);
    // Empty signature file: not verified.
    let empty_sig = write(d.path(), "empty.sig", b"");
    check(
        &[
            &os("verify"),
            &os("-k"),
            &p(&pk),
            &os("-x"),
            &p(&empty_sig),
            &p(&f),
        ],
        1,
        "malformed signature",
    );
    // Bad base64 in the signature line.
    let bad = write(
        d.path(),
        "bad64.sig",
        format!("{}\n@@@@\n{}\n{}\n", lines[0], lines[2], lines[3]).as_bytes(),
    );
    check(
        &[
            &os("verify"),
            &os("-k"),
            &p(&pk),
            &os("-x"),
            &p(&bad),
            &p(&f),
        ],
        1,
        "signature line is not valid base64",
    );
    // Unknown algorithm id.
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut raw = b64.decode(lines[1]).unwrap();
    raw[..2].copy_from_slice(b"Xx");
    let alg = write(
        d.path(),
        "alg.sig",
        format!(
            "{}\n{}\n{}\n{}\n",
            lines[0],
            b64.encode(&raw),
            lines[2],
            lines[3]
        )
        .as_bytes(),
    );
    check(
        &[
            &os("verify"),
            &os("-k"),
            &p(&pk),
            &os("-x"),
            &p(&alg),
            &p(&f),
        ],
        1,
        "unsupported signature algorithm \"Xx\"",
    );
    // Truncated and garbage signatures.
    let trunc = write(
        d.path(),
        "trunc.sig",
        &good_sig.as_bytes()[..good_sig.len() / 2],
    );
    check(
        &[
            &os("verify"),
            &os("-k"),
            &p(&pk),
            &os("-x"),
            &p(&trunc),
            &p(&f),
        ],
        1,
        "malformed signature",
    );
    let garbage = write(d.path(), "garbage.sig", b"\x00\x01garbage\xff");
    check(
        &[
            &os("verify"),
            &os("-k"),
            &p(&pk),
            &os("-x"),
            &p(&garbage),
            &p(&f),
        ],
        1,
        "signature is not UTF-8 text",
    );
    // A bad public key is a setup error.
    let badpk = write(d.path(), "bad.pub", b"untrusted comment: x\nnot base64!\n");
    check(
        &[&os("verify"), &os("-k"), &p(&badpk), &p(&f)],
        2,
        "public key is not valid base64",
    );
    // A key with an unknown algorithm id.
    let mut kraw = b64.decode(read(&pk).lines().nth(1).unwrap()).unwrap();
    kraw[..2].copy_from_slice(b"Xy");
    let algpk = write(
        d.path(),
        "alg.pub",
        format!("untrusted comment: x\n{}\n", b64.encode(&kraw)).as_bytes(),
    );
    check(
        &[&os("verify"), &os("-k"), &p(&algpk), &p(&f)],
        2,
        "unsupported public key algorithm \"Xy\"",
    );
    // 0644 secret key: refused with a chmod hint.
    fs::set_permissions(&sk, fs::Permissions::from_mode(0o644)).unwrap();
    let out = sigil()
        .args(["sign", "-k"])
        .arg(&sk)
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("secret key is readable by others (mode 0644)"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains(&format!("hint: chmod 600 {}", sk.display())));
    let out = sigil()
        .args(["--format", "json", "sign", "-k"])
        .arg(&sk)
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        json_doc(&out)["error"]["hint"],
        format!("chmod 600 {}", sk.display())
    );
    // A usage error: no key at all.
    check(&[&os("verify"), &p(&f)], 2, "nothing to verify against");
}

#[test]
fn wrong_password_is_exit_2_and_leaks_nothing() {
    let d = tempfile::tempdir().unwrap();
    let pw = "correct-horse-battery-staple-31337";
    sigil()
        .env("SIGIL_PASSWORD", pw)
        .args(["key", "generate", "--out"])
        .arg(d.path().join("enc"))
        .assert()
        .code(0);
    let key_text = read(d.path().join("enc.key"));
    assert!(key_text.starts_with("untrusted comment: minisign encrypted secret key\n"));
    let key_line = key_text.lines().nth(1).unwrap().to_owned();
    let f = write(d.path(), "f", b"data");
    for format in ["human", "json"] {
        let out = sigil()
            .env("SIGIL_PASSWORD", "wrong-password-xyzzy")
            .args(["--format", format, "sign", "-k"])
            .arg(d.path().join("enc.key"))
            .arg(&f)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let all = format!("{}{}", stdout(&out), stderr(&out));
        assert!(
            all.contains("wrong password or corrupt secret key"),
            "{all}"
        );
        // No byte sequence of the key file, the password tried, or the real password.
        for secret in [&key_line[..], &key_line[20..60], "wrong-password-xyzzy", pw] {
            assert!(!all.contains(secret), "output leaks {secret:?}: {all}");
        }
    }
    assert!(!d.path().join("f.minisig").exists());
    // The right password works.
    sigil()
        .env("SIGIL_PASSWORD", pw)
        .args(["sign", "-k"])
        .arg(d.path().join("enc.key"))
        .arg(&f)
        .assert()
        .code(0);
    sigil()
        .args(["verify", "-k"])
        .arg(d.path().join("enc.pub"))
        .arg(&f)
        .assert()
        .code(0);
}

#[test]
fn key_export_converts_both_ways() {
    let d = tempfile::tempdir().unwrap();
    keypair(d.path(), "k");
    let f = write(d.path(), "f", b"data");
    sigil()
        .args(["sign", "-k"])
        .arg(d.path().join("k.key"))
        .arg(&f)
        .assert()
        .code(0);
    let out = sigil()
        .args(["key", "export", "--format", "pem"])
        .arg(d.path().join("k.pub"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let pem = stdout(&out);
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"), "{pem}");
    let pem_path = write(d.path(), "k.pem", pem.as_bytes());
    // Every command that takes a public key accepts PEM.
    sigil()
        .args(["verify", "-k"])
        .arg(&pem_path)
        .arg(&f)
        .assert()
        .code(0);
    // Back to minisign only with the original key id (PEM has none, and sigil invents none).
    let out = sigil()
        .args(["key", "export", "--format", "minisign"])
        .arg(&pem_path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let id = fs::read_to_string(d.path().join("k.pub")).unwrap();
    let id = id
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    let out = sigil()
        .args(["key", "export", "--format", "minisign", "--key-id", &id])
        .arg(&pem_path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        fs::read_to_string(d.path().join("k.pub")).unwrap()
    );
    // --format pem elsewhere is a usage error.
    let out = sigil()
        .args(["--format", "pem", "verify", "-k"])
        .arg(&pem_path)
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out)
        .contains("--format pem and --format minisign apply only to `sigil key export`"));
}

#[test]
fn sums_create_and_verify_report_each_file() {
    let d = tempfile::tempdir().unwrap();
    keypair(d.path(), "k");
    let dist = d.path().join("dist");
    fs::create_dir(&dist).unwrap();
    write(&dist, "a.tar.gz", b"aaa");
    write(&dist, "b.bin", b"bbb");
    write(&dist, "c\nnewline\\name", b"ccc");
    let list = dist.join("SHA256SUMS");
    sigil()
        .args(["sums", "create", "-o"])
        .arg(&list)
        .arg(dist.join("a.tar.gz"))
        .arg(dist.join("b.bin"))
        .arg(dist.join("c\nnewline\\name"))
        .assert()
        .code(0);
    let text = read(&list);
    assert!(text.contains("  a.tar.gz\n"));
    assert!(
        text.contains("\\") && text.contains("  c\\nnewline\\\\name\n"),
        "{text}"
    );
    // Unsigned list: not verified.
    let out = sigil()
        .args(["sums", "verify", "-k"])
        .arg(d.path().join("k.pub"))
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("SHA256SUMS.minisig does not exist"),
        "{}",
        stderr(&out)
    );
    sigil()
        .args(["sign", "-k"])
        .arg(d.path().join("k.key"))
        .arg(&list)
        .assert()
        .code(0);
    let out = sigil()
        .args(["sums", "verify", "-k"])
        .arg(d.path().join("k.pub"))
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("verified 3 files"));
    // Changed and missing files are named.
    write(&dist, "a.tar.gz", b"AAA");
    fs::remove_file(dist.join("b.bin")).unwrap();
    let out = sigil()
        .args(["--format", "json", "sums", "verify", "-k"])
        .arg(d.path().join("k.pub"))
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v = json_doc(&out);
    assert_eq!(v["status"], "not-verified");
    let files = v["result"]["files"].as_array().unwrap();
    let status = |n: &str| {
        files.iter().find(|f| f["name"] == n).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(status("a.tar.gz"), "changed");
    assert_eq!(status("b.bin"), "missing");
    assert_eq!(status("c\nnewline\\name"), "ok");
    let out = sigil()
        .args(["sums", "verify", "-k"])
        .arg(d.path().join("k.pub"))
        .arg(&list)
        .output()
        .unwrap();
    assert!(stdout(&out).contains("a.tar.gz: CHANGED"));
    assert!(stdout(&out).contains("b.bin: MISSING"));
    assert!(stdout(&out).contains("2 of 3 files did not verify"));
    // A changed list breaks its signature before any file is read.
    fs::write(&list, text.replace("a.tar.gz", "a.tar.gZ")).unwrap();
    let out = sigil()
        .args(["sums", "verify", "-k"])
        .arg(d.path().join("k.pub"))
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("content does not match the signature"));
}

#[test]
fn sums_verify_refuses_paths_outside_the_list_directory() {
    let d = tempfile::tempdir().unwrap();
    keypair(d.path(), "k");
    let inner = d.path().join("inner");
    fs::create_dir(&inner).unwrap();
    write(d.path(), "outside", b"x");
    let list = inner.join("SHA256SUMS");
    fs::write(
        &list,
        "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  ../outside\n",
    )
    .unwrap();
    sigil()
        .args(["sign", "-k"])
        .arg(d.path().join("k.key"))
        .arg(&list)
        .assert()
        .code(0);
    let out = sigil()
        .args(["sums", "verify", "-k"])
        .arg(d.path().join("k.pub"))
        .arg(&list)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("../outside: UNSAFE-PATH path leaves the list's directory"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn bsd_tag_lists_are_read() {
    let d = tempfile::tempdir().unwrap();
    keypair(d.path(), "k");
    write(d.path(), "x", b"x");
    let list = write(
        d.path(),
        "SHA256SUMS",
        b"SHA256 (x) = 2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881\n",
    );
    sigil()
        .args(["sign", "-k"])
        .arg(d.path().join("k.key"))
        .arg(&list)
        .assert()
        .code(0);
    sigil()
        .args(["sums", "verify", "-k"])
        .arg(d.path().join("k.pub"))
        .arg(&list)
        .assert()
        .code(0);
}

#[test]
fn quiet_silences_chatter_but_keeps_documents() {
    let d = tempfile::tempdir().unwrap();
    keypair(d.path(), "k");
    let f = write(d.path(), "a", b"x");
    sigil()
        .args(["sign", "-q", "-k"])
        .arg(d.path().join("k.key"))
        .arg(&f)
        .assert()
        .code(0)
        .stdout("");
    sigil()
        .args(["-q", "verify", "-k"])
        .arg(d.path().join("k.pub"))
        .arg(&f)
        .assert()
        .code(0)
        .stdout("");
    let out = sigil()
        .args(["-q", "key", "export", "--format", "pem"])
        .arg(d.path().join("k.pub"))
        .output()
        .unwrap();
    assert!(
        stdout(&out).starts_with("-----BEGIN PUBLIC KEY-----\n"),
        "{}",
        stdout(&out)
    );
    let out = sigil()
        .args(["-q", "sums", "create"])
        .arg(&f)
        .current_dir(d.path())
        .output()
        .unwrap();
    assert_eq!(
        stdout(&out),
        format!(
            "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881  {}\n",
            f.display()
        )
    );
    // A failure is still explained with --quiet.
    fs::write(&f, b"y").unwrap();
    let out = sigil()
        .args(["-q", "verify", "-k"])
        .arg(d.path().join("k.pub"))
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("content does not match the signature"));
}
