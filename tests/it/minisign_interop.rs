//! Interop with Debian's `minisign` and coreutils' `sha256sum`, both directions (issue 2).
//! Without the tools these tests skip loudly; with `SIGIL_INTEROP=1` they fail instead.

use crate::support;

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use support::{read, sigil, tool};

const PW: &str = "interop-pass";

fn run_with_stdin(cmd: &mut Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Tools that need no password close stdin early; that is fine.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

struct Minisign(PathBuf);

impl Minisign {
    fn find() -> Option<Self> {
        tool("minisign").map(Self)
    }

    /// `minisign -G`; encrypted with `PW` unless `unencrypted` (`-W`).
    fn generate(&self, dir: &Path, name: &str, unencrypted: bool) {
        let mut c = Command::new(&self.0);
        c.arg("-G")
            .arg("-p")
            .arg(dir.join(format!("{name}.pub")))
            .arg("-s")
            .arg(dir.join(format!("{name}.key")));
        if unencrypted {
            c.arg("-W");
        }
        let out = run_with_stdin(&mut c, &format!("{PW}\n{PW}\n"));
        assert!(
            out.status.success(),
            "minisign -G: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn sign(&self, key: &Path, file: &Path, trusted: &str, legacy: bool) {
        let mut c = Command::new(&self.0);
        c.arg("-S")
            .arg("-s")
            .arg(key)
            .arg("-m")
            .arg(file)
            .arg("-t")
            .arg(trusted);
        if legacy {
            c.arg("-l");
        }
        let out = run_with_stdin(&mut c, &format!("{PW}\n"));
        assert!(
            out.status.success(),
            "minisign -S: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn verify(&self, pubkey: &Path, file: &Path, sig: Option<&Path>) -> Output {
        let mut c = Command::new(&self.0);
        c.arg("-V").arg("-p").arg(pubkey).arg("-m").arg(file);
        if let Some(s) = sig {
            c.arg("-x").arg(s);
        }
        c.output().unwrap()
    }
}

fn sigil_verify(pubkey: &Path, file: &Path, sig: Option<&Path>) -> Output {
    let mut c = sigil();
    c.args(["--format", "json", "verify", "-k"])
        .arg(pubkey)
        .arg(file);
    if let Some(s) = sig {
        c.arg("-x").arg(s);
    }
    c.output().unwrap()
}

#[test]
fn minisign_signatures_verify_in_sigil() {
    let Some(m) = Minisign::find() else { return };
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    m.generate(dir, "enc", false);
    m.generate(dir, "raw", true);
    let f = dir.join("artifact.bin");
    fs::write(&f, b"release bytes\x00\xff").unwrap();

    // Prehashed, non-ASCII trusted comment, encrypted key.
    let comment = "release v1.2 — signé ✓ 日本";
    m.sign(&dir.join("enc.key"), &f, comment, false);
    let out = sigil_verify(&dir.join("enc.pub"), &f, None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = support::json_doc(&out);
    assert_eq!(v["result"]["algorithm"], "ED");
    assert_eq!(v["result"]["trusted_comment"], comment);

    // Legacy (`-l`).
    m.sign(&dir.join("enc.key"), &f, "legacy", true);
    let out = sigil_verify(&dir.join("enc.pub"), &f, None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(support::json_doc(&out)["result"]["algorithm"], "Ed");

    // `-W` key (all-zero checksum in Debian's 0.11).
    m.sign(&dir.join("raw.key"), &f, "unencrypted key", false);
    let out = sigil_verify(&dir.join("raw.pub"), &f, None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn sigil_signatures_verify_in_minisign_including_with_minisign_keys() {
    let Some(m) = Minisign::find() else { return };
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let f = dir.join("f.txt");
    fs::write(&f, b"hello minisign\n").unwrap();

    // sigil's own encrypted key.
    sigil()
        .env("SIGIL_PASSWORD", PW)
        .args(["key", "generate", "--out"])
        .arg(dir.join("s"))
        .assert()
        .code(0);
    sigil()
        .env("SIGIL_PASSWORD", PW)
        .args(["sign", "-k"])
        .arg(dir.join("s.key"))
        .args(["-t", "trusted ✓ comment"])
        .arg(&f)
        .assert()
        .code(0);
    let out = m.verify(&dir.join("s.pub"), &f, None);
    assert!(
        out.status.success(),
        "minisign -V: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Trusted comment: trusted ✓ comment"));

    // minisign can use sigil's encrypted secret key too.
    let g = dir.join("g.txt");
    fs::write(&g, b"g").unwrap();
    m.sign(
        &dir.join("s.key"),
        &g,
        "signed by minisign with a sigil key",
        false,
    );
    assert_eq!(
        sigil_verify(&dir.join("s.pub"), &g, None).status.code(),
        Some(0)
    );

    // minisign-made secret keys, encrypted and `-W`, sign in sigil.
    m.generate(dir, "menc", false);
    m.generate(dir, "mraw", true);
    for (key, pw) in [("menc", Some(PW)), ("mraw", None)] {
        let mut c = sigil();
        if let Some(pw) = pw {
            c.env("SIGIL_PASSWORD", pw);
        }
        // Each key signs f again: --force replaces the previous signature.
        c.args(["sign", "--force", "-k"])
            .arg(dir.join(format!("{key}.key")))
            .arg(&f)
            .assert()
            .code(0);
        let out = m.verify(&dir.join(format!("{key}.pub")), &f, None);
        assert!(
            out.status.success(),
            "{key}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    // sigil's unencrypted key works in minisign.
    sigil()
        .args(["key", "generate", "--no-password", "--out"])
        .arg(dir.join("u"))
        .assert()
        .code(0);
    m.sign(&dir.join("u.key"), &g, "unencrypted sigil key", false);
    assert_eq!(
        sigil_verify(&dir.join("u.pub"), &g, None).status.code(),
        Some(0)
    );
    assert!(m.verify(&dir.join("u.pub"), &g, None).status.success());
}

#[test]
fn both_tools_reject_the_same_tampering() {
    let Some(m) = Minisign::find() else { return };
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    m.generate(dir, "a", true);
    m.generate(dir, "b", true);
    let f = dir.join("f");
    fs::write(&f, b"original").unwrap();
    m.sign(&dir.join("a.key"), &f, "the trusted comment", false);
    let sig_path = dir.join("f.minisig");
    let sig = read(&sig_path);
    let lines: Vec<&str> = sig.lines().collect();

    let case = |name: &str, file_bytes: &[u8], sig_text: &str, pubkey: &str, expect: &str| {
        let cf = dir.join(format!("case-{name}"));
        fs::write(&cf, file_bytes).unwrap();
        let cs = dir.join(format!("case-{name}.minisig"));
        fs::write(&cs, sig_text).unwrap();
        let pk = dir.join(pubkey);
        let s = sigil_verify(&pk, &cf, Some(&cs));
        assert_eq!(
            s.status.code(),
            Some(1),
            "{name}: sigil must say not verified: {}",
            String::from_utf8_lossy(&s.stderr)
        );
        let doc = support::json_doc(&s);
        let msg = doc["error"]["message"].as_str().unwrap();
        assert!(
            msg.contains(expect),
            "{name}: expected {expect:?} in {msg:?}"
        );
        let mo = m.verify(&pk, &cf, Some(&cs));
        assert!(!mo.status.success(), "{name}: minisign must reject too");
    };

    case(
        "changed-file",
        b"Original",
        &sig,
        "a.pub",
        "content does not match the signature",
    );
    let changed_comment = format!(
        "{}\n{}\ntrusted comment: the trusted commenT\n{}\n",
        lines[0], lines[1], lines[3]
    );
    case(
        "changed-comment",
        b"original",
        &changed_comment,
        "a.pub",
        "trusted comment was modified",
    );
    case(
        "wrong-key",
        b"original",
        &sig,
        "b.pub",
        "not by the trusted key",
    );
    case(
        "truncated",
        b"original",
        &sig[..sig.len() / 2],
        "a.pub",
        "malformed signature",
    );
    case(
        "garbage",
        b"original",
        "untrusted comment: x\nZ2FyYmFnZQ==\ntrusted comment: y\nZ2FyYmFnZQ==\n",
        "a.pub",
        "malformed signature",
    );
}

#[test]
fn sha256sum_accepts_sigils_lists() {
    let Some(sha256sum) = tool("sha256sum") else {
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let names = ["plain.txt", "with space.bin", "back\\slash", "new\nline"];
    for n in names {
        fs::write(dir.join(n), n.as_bytes()).unwrap();
    }
    let mut c = sigil();
    c.args(["sums", "create", "-o"]).arg(dir.join("SHA256SUMS"));
    for n in names {
        c.arg(dir.join(n));
    }
    c.assert().code(0);
    let out = Command::new(&sha256sum)
        .arg("-c")
        .arg("SHA256SUMS")
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "sha256sum -c: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).matches(": OK").count(),
        names.len()
    );
    // And sigil reads what sha256sum writes (including its escaping).
    let mut c = Command::new(&sha256sum);
    c.current_dir(dir);
    for n in names {
        c.arg(n);
    }
    let out = c.output().unwrap();
    fs::write(dir.join("GNU_SUMS"), &out.stdout).unwrap();
    sigil()
        .args(["key", "generate", "--no-password", "--out"])
        .arg(dir.join("k"))
        .assert()
        .code(0);
    sigil()
        .args(["sign", "-k"])
        .arg(dir.join("k.key"))
        .arg(dir.join("GNU_SUMS"))
        .assert()
        .code(0);
    sigil()
        .args(["sums", "verify", "-k"])
        .arg(dir.join("k.pub"))
        .arg(dir.join("GNU_SUMS"))
        .assert()
        .code(0);
    let out = Command::new(&sha256sum)
        .arg("--tag")
        .args(names)
        .current_dir(dir)
        .output()
        .unwrap();
    fs::write(dir.join("BSD_SUMS"), &out.stdout).unwrap();
    sigil()
        .args(["sign", "-k"])
        .arg(dir.join("k.key"))
        .arg(dir.join("BSD_SUMS"))
        .assert()
        .code(0);
    sigil()
        .args(["sums", "verify", "-k"])
        .arg(dir.join("k.pub"))
        .arg(dir.join("BSD_SUMS"))
        .assert()
        .code(0);
}
