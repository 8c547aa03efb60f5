//! Threat: inputs that hang sigil or make it hold a whole file in memory.
//!
//! - A FIFO named as the artifact, as a sidecar (`SHA256SUMS`, `*.minisig`) or in a signed
//!   list blocks `open(2)` forever. Every input is opened through `sigil_core::input::open`
//!   (non-blocking open, then anything but a regular file is refused): an operand or its
//!   sidecar that is not a regular file is exit 2; a file listed in a signed list, or a
//!   sidecar gathered by a policy, is "not verified" (exit 1). Every command here runs under a
//!   timeout, so a regression fails instead of hanging the suite.
//! - A legacy `Ed` signature used to make `verify` read the whole file into memory; it is now
//!   verified streaming.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::gate_util::{verdict, Fx};
use crate::support::{json_doc, sigil};

const LIMIT: Duration = Duration::from_secs(30);

fn mkfifo(p: &Path) {
    let st = Command::new("mkfifo").arg(p).status().unwrap();
    assert!(st.success(), "mkfifo {}", p.display());
}

fn run(mut c: assert_cmd::Command) -> Output {
    let o = c.timeout(LIMIT).output().unwrap();
    assert!(
        o.status.code().is_some(),
        "sigil hung (killed after {LIMIT:?}): {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A key pair and a signed file `a.txt` in a fresh directory.
fn signed() -> (Fx, PathBuf, PathBuf) {
    let fx = Fx::new();
    let key = fx.key("k");
    let file = fx.write("a.txt", b"hello\n");
    fx.sign(&key, &file);
    (fx, key, file)
}

fn verify_cmd(key: &Path, file: &Path) -> assert_cmd::Command {
    let mut c = sigil();
    c.arg("verify")
        .arg("--key")
        .arg(key.with_extension("pub"))
        .arg(file);
    c
}

#[test]
fn a_fifo_as_the_artifact_is_refused_not_waited_on() {
    let (fx, key, _) = signed();
    let fifo = fx.p("pipe.bin");
    mkfifo(&fifo);
    std::fs::copy(fx.p("a.txt.minisig"), fx.p("pipe.bin.minisig")).unwrap();
    let o = run(verify_cmd(&key, &fifo));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!("error: {}: is a fifo, not a regular file\n", fifo.display())
    );
    let mut c = verify_cmd(&key, &fifo);
    c.args(["--format", "json"]);
    let o = run(c);
    assert_eq!(o.status.code(), Some(2));
    let doc = json_doc(&o);
    assert_eq!(doc["error"]["kind"], "io");
    assert_eq!(
        doc["error"]["message"],
        format!("{}: is a fifo, not a regular file", fifo.display())
    );
}

#[test]
fn a_fifo_as_the_signature_sidecar_is_refused_not_waited_on() {
    let (fx, key, file) = signed();
    let sig = fx.p("a.txt.minisig");
    std::fs::remove_file(&sig).unwrap();
    mkfifo(&sig);
    let o = run(verify_cmd(&key, &file));
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!("error: {}: is a fifo, not a regular file\n", sig.display())
    );
}

#[test]
fn a_fifo_as_the_checksum_list_is_refused_not_waited_on() {
    let (fx, key, _) = signed();
    let list = fx.p("SHA256SUMS");
    mkfifo(&list);
    let mut c = sigil();
    c.args(["sums", "verify"])
        .arg(&list)
        .arg("--key")
        .arg(key.with_extension("pub"));
    let o = run(c);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o),
        format!("error: {}: is a fifo, not a regular file\n", list.display())
    );
}

#[test]
fn a_fifo_listed_in_a_signed_checksum_list_fails_verification() {
    let (fx, key, file) = signed();
    let other = fx.write("b.txt", b"world\n");
    let list = fx.p("SHA256SUMS");
    sigil()
        .args(["sums", "create"])
        .arg(&file)
        .arg(&other)
        .arg("-o")
        .arg(&list)
        .assert()
        .code(0);
    fx.sign(&key, &list);
    std::fs::remove_file(&other).unwrap();
    mkfifo(&other);
    let mut c = sigil();
    c.args(["sums", "verify"])
        .arg(&list)
        .arg("--key")
        .arg(key.with_extension("pub"));
    let o = run(c);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| !l.starts_with("trusted comment: "))
        .collect();
    assert_eq!(
        lines,
        [
            "a.txt: OK".to_owned(),
            "b.txt: UNREADABLE is a fifo, not a regular file".to_owned(),
            "1 of 2 files did not verify".to_owned(),
        ]
    );
}

#[test]
fn a_fifo_sidecar_is_malformed_evidence_for_a_policy() {
    for sidecar in ["a.txt.minisig", "SHA256SUMS"] {
        let (fx, key, file) = signed();
        let policy = fx.policy("p.toml", &[&key], "");
        let path = fx.p(sidecar);
        if path.exists() {
            std::fs::remove_file(&path).unwrap();
        }
        mkfifo(&path);
        let mut c = fx.cmd();
        c.args(["verify", "--format", "json", "--policy"])
            .arg(&policy)
            .arg(&file);
        let o = run(c);
        let (code, codes) = verdict(&o);
        assert_eq!(code, Some(1), "{sidecar}: {}", stderr(&o));
        assert!(
            codes.contains(&"evidence-malformed".to_owned()),
            "{sidecar}: {codes:?}"
        );
        let doc = json_doc(&o);
        let findings = doc["result"]["findings"].as_array().unwrap();
        assert!(
            findings.iter().any(|f| f["code"] == "evidence-malformed"
                && f["message"]
                    .as_str()
                    .unwrap()
                    .ends_with("is a fifo, not a regular file")),
            "{sidecar}: {doc}"
        );
    }
}

/// A legacy (`Ed`) signature made from a real prehashed one: the same key id and bytes, only
/// the algorithm changed. It cannot verify, but checking it must not hold the file.
fn as_legacy(sig_text: &str) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut lines: Vec<String> = sig_text.lines().map(str::to_owned).collect();
    let mut raw = b64.decode(&lines[1]).unwrap();
    assert_eq!(&raw[..2], b"ED");
    raw[..2].copy_from_slice(b"Ed");
    lines[1] = b64.encode(raw);
    lines.join("\n") + "\n"
}

#[test]
fn a_legacy_signature_on_a_large_file_is_verified_in_bounded_memory() {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        crate::support::skip("/usr/bin/time is missing: peak memory cannot be measured");
        return;
    }
    let fx = Fx::new();
    let key = fx.key("k");
    let big = fx.p("big.bin");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(256 << 20).unwrap();
    drop(f);
    fx.sign(&key, &big);
    let sig = fx.p("big.bin.minisig");
    let text = std::fs::read_to_string(&sig).unwrap();
    std::fs::write(&sig, as_legacy(&text)).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("sigil");
    let o = Command::new(time)
        .arg("-v")
        .arg(&bin)
        .arg("verify")
        .arg("--key")
        .arg(key.with_extension("pub"))
        .arg(&big)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with(&format!(
            "error: {}: signature verification failed: content does not match the signature\n",
            big.display()
        )),
        "{err}"
    );
    let kib: u64 = err
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no peak RSS in:\n{err}"));
    assert!(
        kib < 64 * 1024,
        "verifying a legacy signature on 256 MiB used {kib} KiB"
    );
}
