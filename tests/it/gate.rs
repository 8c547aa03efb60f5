//! `sigil install`, `sigil run` and `sigil verify --policy` against real files and a real HTTP
//! server on 127.0.0.1 (issue 7).

use crate::support;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{json_doc, sigil};

/// A work directory with keys, a policy and an audit log.
struct Fx {
    dir: tempfile::TempDir,
}

impl Fx {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn db(&self) -> PathBuf {
        self.p("audit.db")
    }

    /// `sigil key generate --no-password`; returns the key prefix path.
    fn key(&self, name: &str) -> PathBuf {
        let prefix = self.p(name);
        sigil()
            .args(["key", "generate", "--no-password", "--out"])
            .arg(&prefix)
            .assert()
            .code(0);
        prefix
    }

    fn sign(&self, key: &Path, file: &Path) {
        sigil()
            .arg("sign")
            .arg("--key")
            .arg(key.with_extension("key"))
            .arg(file)
            .assert()
            .code(0);
    }

    fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.p(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, content).unwrap();
        p
    }

    /// A policy trusting `keys` (by path) with `extra` appended.
    fn policy(&self, keys: &[&Path], extra: &str) -> PathBuf {
        let list: Vec<String> = keys
            .iter()
            .map(|k| format!("{:?}", k.with_extension("pub").display().to_string()))
            .collect();
        self.write(
            "policy.toml",
            format!("schema = 1\n[trust]\nkeys = [{}]\n{extra}", list.join(", ")).as_bytes(),
        )
    }

    fn cmd(&self) -> assert_cmd::Command {
        let mut c = sigil();
        c.env("SIGIL_AUDIT_DB", self.db());
        c
    }
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

// ---- a small HTTP/1.1 server on 127.0.0.1 ----

#[derive(Clone)]
enum Resp {
    /// 200 with Content-Length.
    Body(Vec<u8>),
    /// 200 without Content-Length (the body ends when the connection closes).
    Stream(Vec<u8>),
    /// Headers, a few bytes, then silence for 20 s.
    Stall,
    /// 302 to this location.
    Redirect(String),
}

struct Server {
    base: String,
    hits: Arc<AtomicUsize>,
}

fn serve(routes: HashMap<String, Resp>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    let routes = Arc::new(routes);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(500) {
            let Ok(mut s) = stream else { continue };
            let routes = routes.clone();
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                let mut req = Vec::new();
                let mut b = [0u8; 1024];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut b) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&b[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&req)
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_owned();
                let path = line.split(' ').nth(1).unwrap_or("/").to_owned();
                let _ = match routes.get(&path) {
                    None => s.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
                    Some(Resp::Body(body)) => s
                        .write_all(format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).as_bytes())
                        .and_then(|()| s.write_all(body)),
                    Some(Resp::Stream(body)) => {
                        s.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n").and_then(|()| s.write_all(body))
                    }
                    Some(Resp::Stall) => {
                        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\nabc");
                        std::thread::sleep(Duration::from_secs(20));
                        Ok(())
                    }
                    Some(Resp::Redirect(to)) => s.write_all(
                        format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n").as_bytes(),
                    ),
                };
            });
        }
    });
    Server { base, hits }
}

/// Reads a file's bytes.
fn bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

#[test]
fn install_over_http_only_the_good_artifact_installs() {
    let fx = Fx::new();
    let trusted = fx.key("trusted");
    let stranger = fx.key("stranger");
    let good = fx.write("src/good/widget", b"#!/bin/sh\necho good widget\n");
    fx.sign(&trusted, &good);
    let bad = fx.write("src/untrusted/widget", b"#!/bin/sh\necho stranger\n");
    fx.sign(&stranger, &bad);
    let big = fx.write("src/big/widget", &vec![b'x'; 5000]);
    fx.sign(&trusted, &big);
    let policy = fx.policy(
        &[&trusted],
        "[install]\nfile-mode = 0o755\nmax-download-bytes = 4096\n",
    );

    let sig = |p: &Path| bytes(&p.with_file_name("widget.minisig"));
    let mut routes = HashMap::new();
    routes.insert("/good/widget".to_owned(), Resp::Body(bytes(&good)));
    routes.insert("/good/widget.minisig".to_owned(), Resp::Body(sig(&good)));
    routes.insert(
        "/tampered/widget".to_owned(),
        Resp::Body(b"#!/bin/sh\necho evil widget\n".to_vec()),
    );
    routes.insert(
        "/tampered/widget.minisig".to_owned(),
        Resp::Body(sig(&good)),
    );
    routes.insert("/untrusted/widget".to_owned(), Resp::Body(bytes(&bad)));
    routes.insert(
        "/untrusted/widget.minisig".to_owned(),
        Resp::Body(sig(&bad)),
    );
    routes.insert("/big/widget".to_owned(), Resp::Body(bytes(&big)));
    routes.insert("/big/widget.minisig".to_owned(), Resp::Body(sig(&big)));
    routes.insert("/bigstream/widget".to_owned(), Resp::Stream(bytes(&big)));
    routes.insert("/stall/widget".to_owned(), Resp::Stall);
    routes.insert(
        "/hop/widget".to_owned(),
        Resp::Redirect("/good/widget".to_owned()),
    );
    // Sidecars are looked for beside the URL as given (each may redirect too, as release hosts do).
    routes.insert(
        "/hop/widget.minisig".to_owned(),
        Resp::Redirect("/good/widget.minisig".to_owned()),
    );
    let srv = serve(routes);

    let dest = fx.p("dest");
    std::fs::create_dir(&dest).unwrap();
    let install = |case: &str| {
        fx.cmd()
            .arg("install")
            .arg(format!("{}/{case}/widget", srv.base))
            .arg("--policy")
            .arg(&policy)
            .arg("--to")
            .arg(&dest)
            .args([
                "--insecure-allow-http",
                "--read-timeout",
                "1",
                "--format",
                "json",
                "--replace",
            ])
            .output()
            .unwrap()
    };
    let codes = |o: &std::process::Output| -> Vec<String> {
        json_doc(o)["result"]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_owned())
            .collect()
    };

    let o = install("tampered");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(codes(&o), ["signature-invalid", "threshold-not-met"]);
    assert_eq!(json_doc(&o)["status"], "not-verified");
    assert_eq!(entries(&dest), Vec::<String>::new());

    let o = install("untrusted");
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert_eq!(codes(&o), ["key-untrusted", "threshold-not-met"]);
    assert_eq!(entries(&dest), Vec::<String>::new());

    for case in ["big", "bigstream"] {
        let o = install(case);
        assert_eq!(o.status.code(), Some(1), "{case}: {}", stderr(&o));
        assert_eq!(codes(&o), ["download-too-large"]);
        let msg = json_doc(&o)["result"]["findings"][0]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            msg,
            format!(
                "{}/{case}/widget is larger than the 4096-byte limit",
                srv.base
            )
        );
        assert_eq!(entries(&dest), Vec::<String>::new());
    }

    let started = std::time::Instant::now();
    let o = install("stall");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(
        json_doc(&o)["error"]["message"],
        format!("{}/stall/widget: timed out", srv.base)
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the read timeout did not fire"
    );
    assert_eq!(entries(&dest), Vec::<String>::new());

    let o = install("missing");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        json_doc(&o)["error"]["message"],
        format!("{}/missing/widget: not found", srv.base)
    );

    let o = install("good");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let doc = json_doc(&o);
    assert_eq!(doc["status"], "installed");
    assert_eq!(doc["result"]["verdict"], "allow");
    assert_eq!(entries(&dest), ["widget"]);
    assert_eq!(bytes(&dest.join("widget")), bytes(&good));
    assert_eq!(
        std::fs::metadata(dest.join("widget"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777,
        0o755
    );

    // A redirect within loopback http is followed (with the flag), and installs over the old file
    // (`--replace`).
    std::fs::write(dest.join("widget"), b"old").unwrap();
    let o = install("hop");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(bytes(&dest.join("widget")), bytes(&good));

    // Every decision and error is in the audit log; nothing is left in the temp areas.
    assert_eq!(entries(&dest), ["widget"]);
    let o = fx
        .cmd()
        .args(["log", "list", "--format", "json"])
        .output()
        .unwrap();
    let verdicts: Vec<String> = json_doc(&o)["result"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["verdict"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        verdicts,
        ["deny", "deny", "deny", "deny", "error", "error", "allow", "allow"]
    );
}

#[test]
fn refusal_leaves_an_existing_destination_untouched() {
    let fx = Fx::new();
    let trusted = fx.key("trusted");
    let good = fx.write("src/tool", b"good v1");
    fx.sign(&trusted, &good);
    std::fs::write(&good, b"evil v2").unwrap();
    let policy = fx.policy(&[&trusted], "");
    let dest_dir = fx.p("bin");
    std::fs::create_dir(&dest_dir).unwrap();
    let dest = dest_dir.join("tool");
    std::fs::write(&dest, b"installed earlier").unwrap();
    // Even with --replace, a refusal leaves the old file.
    let o = fx
        .cmd()
        .arg("install")
        .arg(&good)
        .arg("--policy")
        .arg(&policy)
        .arg("--to")
        .arg(&dest)
        .arg("--replace")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("signature-invalid tool.minisig: signature by key"),
        "{out}"
    );
    assert!(
        out.ends_with(&format!(
            "nothing installed; {} is unchanged\n",
            dest.display()
        )),
        "{out}"
    );
    assert_eq!(bytes(&dest), b"installed earlier");
    assert_eq!(entries(&dest_dir), ["tool"]);
    // A local install that passes uses the policy's default mode 0644.
    std::fs::write(&good, b"good v1").unwrap();
    fx.cmd()
        .arg("install")
        .arg(&good)
        .arg("--policy")
        .arg(&policy)
        .arg("--to")
        .arg(&dest)
        .arg("--replace")
        .assert()
        .code(0);
    assert_eq!(bytes(&dest), b"good v1");
    assert_eq!(
        std::fs::metadata(&dest).unwrap().permissions().mode() & 0o7777,
        0o644
    );
    assert_eq!(entries(&dest_dir), ["tool"]);
}

#[test]
fn plain_http_and_downgrading_redirects_are_refused() {
    let fx = Fx::new();
    let trusted = fx.key("trusted");
    let policy = fx.policy(&[&trusted], "");
    let mut routes = HashMap::new();
    routes.insert("/w".to_owned(), Resp::Body(b"x".to_vec()));
    routes.insert(
        "/away/w".to_owned(),
        Resp::Redirect("http://10.255.255.1/w".to_owned()),
    );
    let srv = serve(routes);
    let dest = fx.p("dest");
    std::fs::create_dir(&dest).unwrap();

    // Without the flag: refused before any connection.
    let o = fx
        .cmd()
        .arg("install")
        .arg(format!("{}/w", srv.base))
        .arg("--policy")
        .arg(&policy)
        .arg("--to")
        .arg(&dest)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).lines().next().unwrap(),
        format!("error: {}/w is plain http, which is refused", srv.base)
    );
    assert_eq!(srv.hits.load(Ordering::SeqCst), 0);

    // With the flag, still only loopback: neither a URL nor a redirect may leave the machine.
    let o = fx
        .cmd()
        .args([
            "install",
            "http://10.255.255.1/w",
            "--insecure-allow-http",
            "--policy",
        ])
        .arg(&policy)
        .arg("--to")
        .arg(&dest)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o).lines().next().unwrap(),
        "error: http://10.255.255.1/w is plain http to a host that is not a loopback IP address"
    );
    let o = fx
        .cmd()
        .arg("install")
        .arg(format!("{}/away/w", srv.base))
        .args(["--insecure-allow-http", "--policy"])
        .arg(&policy)
        .arg("--to")
        .arg(&dest)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).starts_with("error: redirect refused: http://10.255.255.1/w is plain http to a host that is not a loopback IP address"),
        "{}",
        stderr(&o)
    );
    assert_eq!(entries(&dest), Vec::<String>::new());

    // https:// passes the scheme rules: this fails only at connecting (nothing listens on port 1).
    let o = fx
        .cmd()
        .args(["install", "https://127.0.0.1:1/w", "--policy"])
        .arg(&policy)
        .arg("--to")
        .arg(&dest)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.starts_with("error: https://127.0.0.1:1/w: "), "{err}");
    assert!(
        !err.contains("refused: ") && !err.contains("plain http"),
        "{err}"
    );
    // Other schemes are usage errors.
    let o = fx
        .cmd()
        .args(["install", "ftp://127.0.0.1/w", "--policy"])
        .arg(&policy)
        .arg("--to")
        .arg(&dest)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        stderr(&o).lines().next().unwrap(),
        "error: ftp://127.0.0.1/w uses ftp://, only https:// is allowed"
    );
    assert_eq!(entries(&dest), Vec::<String>::new());
}

const GOOD_PROG: &[u8] = b"#!/bin/sh\necho \"args: $*\"\nexit 7\n";

#[test]
fn run_passes_args_stdio_and_exit_code() {
    let fx = Fx::new();
    let k = fx.key("trusted");
    let prog = fx.write("prog", GOOD_PROG);
    fx.sign(&k, &prog);
    let policy = fx.policy(&[&k], "[run]\nallow = true\n");
    let o = fx
        .cmd()
        .arg("run")
        .arg("--policy")
        .arg(&policy)
        .arg(&prog)
        .args(["--", "a", "--b", "c d"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(7), "{}", stderr(&o));
    assert_eq!(stdout(&o), "args: a --b c d\n");
    // The file on disk is not what runs: it never needed the exec bit.
    assert_eq!(
        std::fs::metadata(&prog).unwrap().permissions().mode() & 0o111,
        0
    );
}

#[test]
fn unsigned_or_disallowed_programs_never_run() {
    let fx = Fx::new();
    let k = fx.key("trusted");
    let marker = fx.p("ran");
    let prog = fx.write(
        "prog",
        format!("#!/bin/sh\ntouch {}\n", marker.display()).as_bytes(),
    );
    let policy = fx.policy(&[&k], "[run]\nallow = true\n");
    let o = fx
        .cmd()
        .arg("run")
        .arg("--policy")
        .arg(&policy)
        .arg(&prog)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("  signature-missing no signature found for prog"),
        "{out}"
    );
    assert!(out.ends_with("nothing was run\n"), "{out}");
    assert!(!marker.exists());
    // Signed, but the policy does not allow running.
    fx.sign(&k, &prog);
    let no_run = fx.policy(&[&k], "");
    let o = fx
        .cmd()
        .arg("run")
        .arg("--policy")
        .arg(&no_run)
        .arg(&prog)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let doc = json_doc(&o);
    assert_eq!(doc["result"]["findings"][0]["code"], "run-not-allowed");
    assert_eq!(
        doc["result"]["rules"][5],
        serde_json::json!({ "rule": "run", "verdict": "fail", "detail": "running is not allowed" })
    );
    assert!(!marker.exists());
}

#[test]
fn swapping_the_file_during_run_never_executes_unverified_bytes() {
    let fx = Fx::new();
    let k = fx.key("trusted");
    let prog = fx.write("prog", GOOD_PROG);
    fx.sign(&k, &prog);
    let policy = fx.policy(&[&k], "[run]\nallow = true\n");
    let marker = fx.p("evil-ran");
    let evil = format!("#!/bin/sh\ntouch {}\nexit 9\n", marker.display());
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let swapper = {
        let (prog, stop, evil) = (prog.clone(), stop.clone(), evil.clone());
        std::thread::spawn(move || {
            let tmp = prog.with_file_name("prog.swap");
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                let content: &[u8] = if n % 2 == 0 {
                    evil.as_bytes()
                } else {
                    GOOD_PROG
                };
                std::fs::write(&tmp, content).unwrap();
                std::fs::rename(&tmp, &prog).unwrap();
                n += 1;
            }
            n
        })
    };
    let (mut ran, mut refused) = (0, 0);
    for _ in 0..30 {
        let o = fx
            .cmd()
            .arg("run")
            .arg("--policy")
            .arg(&policy)
            .arg(&prog)
            .output()
            .unwrap();
        match o.status.code() {
            Some(7) => {
                assert_eq!(stdout(&o), "args: \n");
                ran += 1;
            }
            Some(1) => {
                assert!(
                    stdout(&o).contains("signature-invalid prog.minisig"),
                    "{}",
                    stdout(&o)
                );
                refused += 1;
            }
            other => panic!("unexpected exit {other:?}: {}{}", stdout(&o), stderr(&o)),
        }
    }
    stop.store(true, Ordering::SeqCst);
    let swaps = swapper.join().unwrap();
    assert!(!marker.exists(), "unverified bytes were executed");
    assert_eq!(ran + refused, 30);
    assert!(swaps > 30, "the swapper barely ran ({swaps} swaps)");
}

#[test]
fn verify_policy_reports_every_rule() {
    let fx = Fx::new();
    let alice = fx.key("alice");
    let bob = fx.key("bob");
    let art = fx.write("rel/widget-1.0", b"release bytes");
    fx.sign(&alice, &art);
    let two = fx.policy(&[&alice, &bob], "");
    let two = {
        let t = std::fs::read_to_string(&two)
            .unwrap()
            .replace("[trust]\n", "[trust]\nthreshold = 2\n");
        fx.write("two.toml", t.as_bytes())
    };
    let o = fx
        .cmd()
        .arg("verify")
        .arg("--policy")
        .arg(&two)
        .arg(&art)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("  trust       fail          1 of 2 required distinct trusted signers\n"),
        "{out}"
    );
    assert!(
        out.contains("  threshold-not-met 1 of 2 required distinct trusted signers\n"),
        "{out}"
    );
    // A second maintainer's signature goes in widget-1.0.<label>.minisig.
    let bob_sig = fx.p("bob-sig");
    std::fs::create_dir(&bob_sig).unwrap();
    let copy = bob_sig.join("widget-1.0");
    std::fs::copy(&art, &copy).unwrap();
    fx.sign(&bob, &copy);
    std::fs::copy(
        copy.with_file_name("widget-1.0.minisig"),
        fx.p("rel/widget-1.0.bob.minisig"),
    )
    .unwrap();
    let o = fx
        .cmd()
        .arg("verify")
        .arg("--policy")
        .arg(&two)
        .arg(&art)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let doc = json_doc(&o);
    assert_eq!(doc["status"], "verified");
    assert_eq!(doc["result"]["signers"].as_array().unwrap().len(), 2);
    let rules: Vec<(String, String)> = doc["result"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["rule"].as_str().unwrap().to_owned(),
                r["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want = [
        ("evidence", "pass"),
        ("trust", "pass"),
        ("provenance", "not-required"),
        ("sbom", "not-required"),
        ("pack", "not-required"),
        ("run", "not-required"),
        ("exceptions", "not-required"),
    ];
    assert_eq!(rules, want.map(|(a, b)| (a.to_owned(), b.to_owned())));

    // Provenance required: attestations are present, so it fails closed, never passes silently.
    let prov = fx.policy(
        &[&alice, &bob],
        "[provenance]\nbuilder-id = \"https://ci.example/b\"\n",
    );
    let o = fx
        .cmd()
        .arg("verify")
        .arg("--policy")
        .arg(&prov)
        .arg(&art)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        json_doc(&o)["result"]["findings"][0]["code"],
        "provenance-missing"
    );
}

#[test]
fn signed_checksum_list_is_evidence() {
    let fx = Fx::new();
    let k = fx.key("release");
    let a = fx.write("rel/a.bin", b"aaa");
    let b = fx.write("rel/b.bin", b"bbb");
    let sums = fx.p("rel/SHA256SUMS");
    sigil()
        .args(["sums", "create"])
        .arg(&a)
        .arg(&b)
        .arg("-o")
        .arg(&sums)
        .assert()
        .code(0);
    fx.sign(&k, &sums);
    let policy = fx.policy(&[&k], "");
    let o = fx
        .cmd()
        .arg("verify")
        .arg("--policy")
        .arg(&policy)
        .arg(&a)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    // The list is signed but the file changed: a digest mismatch, which no exception can waive.
    std::fs::write(&b, b"bbB").unwrap();
    let o = fx
        .cmd()
        .arg("verify")
        .arg("--policy")
        .arg(&policy)
        .arg(&b)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let f = &json_doc(&o)["result"]["findings"][0];
    assert_eq!(f["code"], "digest-mismatch");
    assert_eq!(f["source"], "SHA256SUMS.minisig");
}
