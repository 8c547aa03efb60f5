//! TUF: `sigil repo` repositories served on 127.0.0.1, `sigil install tuf+http://...` through
//! them (and refusing rollback, freeze, endless data, wrong hashes and under-signed root
//! rotations with DEST untouched), the conformance client's protocol, and `sigil trust
//! update/show` refreshing a Sigstore trusted root through TUF.

use crate::gate_util;
use crate::support;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use gate_util::Fx;
use serde_json::{json, Value};
use support::{json_doc, sigil};

/// What the test server answers for a path instead of the file.
#[derive(Clone)]
enum Body {
    /// An endless body with no length.
    Endless,
}

/// A static file server on 127.0.0.1 over a directory (any depth), with overrides.
struct Server {
    base: String,
    overrides: Arc<Mutex<HashMap<String, Body>>>,
    requests: Arc<Mutex<Vec<String>>>,
}

fn serve(root: &Path) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let root = root.to_path_buf();
    let overrides: Arc<Mutex<HashMap<String, Body>>> = Arc::default();
    let requests: Arc<Mutex<Vec<String>>> = Arc::default();
    let (o, r) = (overrides.clone(), requests.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let (root, o, r) = (root.clone(), o.clone(), r.clone());
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
                let name = path.trim_start_matches('/').to_owned();
                r.lock().unwrap().push(name.clone());
                let over = o.lock().unwrap().get(&name).cloned();
                if let Some(Body::Endless) = over {
                    let _ = s.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
                    let chunk = [b' '; 8192];
                    while s.write_all(&chunk).is_ok() {}
                    return;
                }
                let body = (!name.split('/').any(|c| c == ".." || c.is_empty()))
                    .then(|| std::fs::read(root.join(&name)).ok())
                    .flatten();
                let _ = match body {
                    None => s.write_all(
                        b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                    ),
                    Some(body) => s
                        .write_all(
                            format!(
                                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                                body.len()
                            )
                            .as_bytes(),
                        )
                        .and_then(|()| s.write_all(&body)),
                };
            });
        }
    });
    Server {
        base,
        overrides,
        requests,
    }
}

/// A signed pack archive `prompts-1.0.0.tar.gz` (with its `.minisig`) and the publisher key.
fn pack_archive(fx: &Fx) -> (PathBuf, PathBuf) {
    let key = fx.key("publisher");
    let dir = fx.p("prompts");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("review.md"), b"Review this code carefully.\n").unwrap();
    sigil()
        .args(["pack", "sign"])
        .arg(&dir)
        .arg("--key")
        .arg(key.with_extension("key"))
        .args(["--name", "prompts", "--version", "1.0.0"])
        .assert()
        .code(0);
    let out = fx.p("prompts-1.0.0.tar.gz");
    sigil()
        .args(["pack", "archive"])
        .arg(&dir)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(0);
    fx.sign(&key, &out);
    (out, key)
}

/// A published repository holding the pack, served; a policy pinning its root 1.
struct Repo {
    fx: Fx,
    dir: PathBuf,
    policy: PathBuf,
    server: Server,
    pack: PathBuf,
}

impl Repo {
    fn new() -> Self {
        let fx = Fx::new();
        let (pack, key) = pack_archive(&fx);
        let dir = fx.p("repo");
        sigil().args(["repo", "init"]).arg(&dir).assert().code(0);
        sigil()
            .args(["repo", "add"])
            .arg(&dir)
            .arg(&pack)
            .assert()
            .code(0);
        sigil().args(["repo", "publish"]).arg(&dir).assert().code(0);
        let root = dir.join("site/metadata/1.root.json");
        let policy = fx.policy(
            "policy.toml",
            &[&key],
            &format!(
                "tuf-root = {:?}\n[pack]\nmax-files = 10\nmax-total-bytes = 4096\n",
                root.display().to_string()
            ),
        );
        let server = serve(&dir.join("site"));
        Repo {
            fx,
            dir,
            policy,
            server,
            pack,
        }
    }

    fn url(&self) -> String {
        format!("tuf+{}/metadata#prompts@1.0.0", self.server.base)
    }

    fn meta(&self, name: &str) -> PathBuf {
        self.dir.join("site/metadata").join(name)
    }

    fn install(&self, dest: &str) -> std::process::Output {
        self.fx
            .cmd()
            .env("XDG_CACHE_HOME", self.fx.p("cache"))
            .args([
                "install",
                "--format",
                "json",
                "--insecure-allow-http",
                "--policy",
            ])
            .arg(&self.policy)
            .arg("--to")
            .arg(self.fx.p(dest))
            .arg(self.url())
            .output()
            .unwrap()
    }

    fn signed(&self, name: &str) -> Value {
        let v: Value = serde_json::from_slice(&std::fs::read(self.meta(name)).unwrap()).unwrap();
        v["signed"].clone()
    }

    fn write_signed(&self, role: &str, name: &str, signed: &Value) {
        let bytes = sigil_tuf::repo::sign_as(&self.dir, role, signed).unwrap();
        std::fs::write(self.meta(name), bytes).unwrap();
    }
}

fn meta_entry(version: u64, bytes: &[u8]) -> Value {
    json!({ "version": version, "length": bytes.len(), "hashes": { "sha256": sigil_tuf::sha256_hex(bytes) } })
}

/// Exit code and `error.details.code`.
fn refusal(o: &std::process::Output) -> (Option<i32>, String) {
    let doc = json_doc(o);
    (
        o.status.code(),
        doc["error"]["details"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

fn assert_installed(r: &Repo, o: &std::process::Output, dest: &str) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(json_doc(o)["result"]["verdict"], "allow");
    assert_eq!(
        std::fs::read(r.fx.p(dest).join("review.md")).unwrap(),
        b"Review this code carefully.\n"
    );
}

#[test]
fn a_pack_installs_through_a_served_sigil_repository() {
    let r = Repo::new();
    let o = r.install("dest");
    assert_installed(&r, &o, "dest");
    let reqs = r.server.requests.lock().unwrap().clone();
    assert!(
        reqs.contains(&"metadata/2.root.json".to_owned()),
        "{reqs:?}"
    );
    assert!(reqs.contains(&"metadata/timestamp.json".to_owned()));
    assert!(reqs.contains(&"metadata/1.snapshot.json".to_owned()));
    assert!(reqs.contains(&"metadata/1.targets.json".to_owned()));
    let sha = sigil_tuf::sha256_hex(&std::fs::read(&r.pack).unwrap());
    assert!(reqs.contains(&format!("targets/{sha}.prompts-1.0.0.tar.gz")));
}

#[test]
fn a_timestamp_rollback_is_refused_and_dest_untouched() {
    let r = Repo::new();
    let old = std::fs::read(r.meta("timestamp.json")).unwrap();
    sigil()
        .args(["repo", "publish"])
        .arg(&r.dir)
        .assert()
        .code(0);
    assert_installed(&r, &r.install("first"), "first");
    std::fs::write(r.meta("timestamp.json"), old).unwrap();
    let o = r.install("second");
    assert_eq!(refusal(&o), (Some(1), "tuf-rollback".to_owned()));
    assert!(!r.fx.p("second").exists());
    // The refusal is in the audit log, as every install attempt is.
    let log =
        r.fx.cmd()
            .args(["--format", "json", "log", "list"])
            .output()
            .unwrap();
    assert_eq!(log.status.code(), Some(0));
    let text = String::from_utf8_lossy(&log.stdout);
    assert!(
        text.contains("tuf-rollback: rollback detected for timestamp"),
        "{text}"
    );
}

#[test]
fn repo_commands_report_versions_expiry_and_keys() {
    let fx = Fx::new();
    let dir = fx.p("repo");
    let json_of = |args: &[&str]| {
        let o = sigil()
            .args(["--format", "json", "repo"])
            .args(args)
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        json_doc(&o)["result"].clone()
    };
    let init = json_of(&["init", "--expiry", "timestamp=2"]);
    let root = std::fs::read(dir.join("site/metadata/1.root.json")).unwrap();
    assert_eq!(init["root_sha256"], sigil_tuf::sha256_hex(&root));
    let published = json_of(&["publish"]);
    assert_eq!(
        published["versions"],
        json!({ "root": 1, "targets": 1, "snapshot": 1, "timestamp": 1 })
    );
    assert_eq!(published["targets"], 0);
    let ts = &published["expires"]["timestamp"];
    let exp: jiff_like::Ts = jiff_like::parse(ts.as_str().unwrap());
    let day = exp.0 - jiff_like::now().0;
    assert!(
        (2 * 86_400 - 100..=2 * 86_400).contains(&day),
        "timestamp expires in the two days asked for: {ts}"
    );
    let state = std::fs::read_to_string(dir.join("repo.json")).unwrap();
    assert!(state.contains("\"timestamp\": 2"), "{state}");
    let rotated = json_of(&["rotate", "--role", "timestamp"]);
    assert_eq!(rotated, json!({ "role": "timestamp", "root_version": 2 }));
    assert!(dir.join("keys/timestamp.key.retired-2").is_file());
    let o = sigil()
        .args(["repo", "init", "--expiry", "timestamp"])
        .arg(fx.p("other"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("--expiry timestamp: expected ROLE=DAYS, e.g. timestamp=2"));
    // A second init refuses to touch the repository.
    let o = sigil().args(["repo", "init"]).arg(&dir).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("exists and is not empty"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// RFC 3339 UTC seconds without a date library (the tests do not depend on jiff).
mod jiff_like {
    pub struct Ts(pub i64);

    pub fn now() -> Ts {
        Ts(std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn parse(s: &str) -> Ts {
        let n = |r: std::ops::Range<usize>| s[r].parse::<i64>().unwrap();
        let (y, m, d) = (n(0..4), n(5..7), n(8..10));
        let (hh, mm, ss) = (n(11..13), n(14..16), n(17..19));
        // Days from civil (Howard Hinnant's algorithm).
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        Ts(days * 86_400 + hh * 3600 + mm * 60 + ss)
    }
}

#[test]
fn a_snapshot_rollback_is_refused_and_dest_untouched() {
    let r = Repo::new();
    sigil()
        .args(["repo", "publish"])
        .arg(&r.dir)
        .assert()
        .code(0);
    assert_installed(&r, &r.install("first"), "first");
    // A new timestamp (v3) pointing at the old snapshot v1.
    let snap1 = std::fs::read(r.meta("1.snapshot.json")).unwrap();
    let mut ts = r.signed("timestamp.json");
    ts["version"] = json!(3);
    ts["meta"]["snapshot.json"] = meta_entry(1, &snap1);
    r.write_signed("timestamp", "timestamp.json", &ts);
    let o = r.install("second");
    assert_eq!(refusal(&o), (Some(1), "tuf-rollback".to_owned()));
    assert!(!r.fx.p("second").exists());
}

#[test]
fn a_targets_rollback_is_refused_and_dest_untouched() {
    let r = Repo::new();
    sigil()
        .args(["repo", "publish"])
        .arg(&r.dir)
        .assert()
        .code(0);
    assert_installed(&r, &r.install("first"), "first");
    // A new snapshot (v3) listing the old targets v1, and a timestamp (v3) for it.
    let targets1 = std::fs::read(r.meta("1.targets.json")).unwrap();
    let mut snap = r.signed("2.snapshot.json");
    snap["version"] = json!(3);
    snap["meta"]["targets.json"] = meta_entry(1, &targets1);
    r.write_signed("snapshot", "3.snapshot.json", &snap);
    let snap3 = std::fs::read(r.meta("3.snapshot.json")).unwrap();
    let mut ts = r.signed("timestamp.json");
    ts["version"] = json!(3);
    ts["meta"]["snapshot.json"] = meta_entry(3, &snap3);
    r.write_signed("timestamp", "timestamp.json", &ts);
    let o = r.install("second");
    assert_eq!(refusal(&o), (Some(1), "tuf-rollback".to_owned()));
    assert!(!r.fx.p("second").exists());
}

#[test]
fn an_expired_timestamp_is_refused_as_a_freeze() {
    let r = Repo::new();
    // Published three days ago: the one-day timestamp has expired.
    let past = SystemTime::now() - Duration::from_secs(3 * 86_400);
    sigil_tuf::repo::publish(&r.dir, past).unwrap();
    let o = r.install("dest");
    assert_eq!(refusal(&o), (Some(1), "tuf-expired".to_owned()));
    assert!(!r.fx.p("dest").exists());
}

#[test]
fn endless_and_oversized_metadata_are_refused() {
    let r = Repo::new();
    r.server
        .overrides
        .lock()
        .unwrap()
        .insert("metadata/timestamp.json".into(), Body::Endless);
    let o = r.install("dest");
    assert_eq!(refusal(&o), (Some(1), "tuf-too-large".to_owned()));
    assert!(!r.fx.p("dest").exists());
    r.server.overrides.lock().unwrap().clear();
    // A timestamp past the 16 KiB limit, with its length announced.
    let mut ts = std::fs::read(r.meta("timestamp.json")).unwrap();
    ts.extend(std::iter::repeat_n(b' ', 20_000));
    std::fs::write(r.meta("timestamp.json"), ts).unwrap();
    let o = r.install("dest");
    assert_eq!(refusal(&o), (Some(1), "tuf-too-large".to_owned()));
    assert!(!r.fx.p("dest").exists());
}

#[test]
fn a_target_with_the_right_name_and_the_wrong_hash_is_refused() {
    let r = Repo::new();
    let bytes = std::fs::read(&r.pack).unwrap();
    let sha = sigil_tuf::sha256_hex(&bytes);
    let served = r
        .dir
        .join("site/targets")
        .join(format!("{sha}.prompts-1.0.0.tar.gz"));
    let mut evil = bytes.clone();
    let last = evil.len() - 1;
    evil[last] ^= 0xff;
    std::fs::write(&served, evil).unwrap();
    let o = r.install("dest");
    assert_eq!(refusal(&o), (Some(1), "tuf-integrity-mismatch".to_owned()));
    assert!(!r.fx.p("dest").exists());
}

#[test]
fn a_root_rotation_needs_the_old_and_the_new_keys() {
    let r = Repo::new();
    sigil()
        .args(["repo", "rotate", "--role", "root"])
        .arg(&r.dir)
        .assert()
        .code(0);
    sigil()
        .args(["repo", "publish"])
        .arg(&r.dir)
        .assert()
        .code(0);
    let good = std::fs::read(r.meta("2.root.json")).unwrap();
    // Only the new key's signature: too few for the root clients trust.
    let mut v: Value = serde_json::from_slice(&good).unwrap();
    let sigs = v["signatures"].as_array().unwrap().clone();
    assert_eq!(sigs.len(), 2);
    v["signatures"] = json!([sigs[1]]);
    std::fs::write(r.meta("2.root.json"), serde_json::to_vec(&v).unwrap()).unwrap();
    let o = r.install("dest");
    assert_eq!(refusal(&o), (Some(1), "tuf-threshold-not-met".to_owned()));
    assert!(!r.fx.p("dest").exists());
    // Signed by both, the rotation is followed.
    std::fs::write(r.meta("2.root.json"), good).unwrap();
    assert_installed(&r, &r.install("dest"), "dest");
}

#[test]
fn the_conformance_client_speaks_the_suite_protocol() {
    let r = Repo::new();
    let md = r.fx.p("md");
    let td = r.fx.p("td");
    std::fs::create_dir_all(&md).unwrap();
    std::fs::create_dir_all(&td).unwrap();
    let client = |args: &[&str]| {
        let mut c = sigil();
        c.args(["trust", "conformance-client", "--metadata-dir"])
            .arg(&md)
            .args(args);
        c.output().unwrap()
    };
    let root = r.meta("1.root.json");
    let o = client(&["init", root.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    let url = format!("{}/metadata", r.server.base);
    let turl = format!("{}/targets", r.server.base);
    let o = client(&["--metadata-url", &url, "refresh"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(&md)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "root.json",
            "snapshot.json",
            "targets.json",
            "timestamp.json"
        ]
    );
    let o = client(&[
        "--metadata-url",
        &url,
        "--target-name",
        "prompts-1.0.0.tar.gz",
        "--target-base-url",
        &turl,
        "--target-dir",
        td.to_str().unwrap(),
        "download",
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        std::fs::read(td.join("prompts-1.0.0.tar.gz")).unwrap(),
        std::fs::read(&r.pack).unwrap()
    );
    // Any failure is exit 1, never 2: the protocol knows only 0 and 1.
    let o = client(&[
        "--metadata-url",
        &url,
        "--target-name",
        "missing",
        "--target-base-url",
        &turl,
        "--target-dir",
        td.to_str().unwrap(),
        "download",
    ]);
    assert_eq!(o.status.code(), Some(1));
}

const SAN: &str = "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1.0.0";
const ARTIFACT: &[u8] = b"widget 1.0.0 release archive\n";

/// `sigil verify --bundle` with no `--trusted-root`: the cached (or embedded) root decides.
fn verify_keyless(fx: &Fx, bundle: &Path, artifact: &Path) -> std::process::Output {
    sigil()
        .env("XDG_CACHE_HOME", fx.p("cache"))
        .args(["--format", "json", "verify", "--bundle"])
        .arg(bundle)
        .args([
            "--certificate-identity",
            SAN,
            "--certificate-oidc-issuer",
            sigil_test_sigstore::GITHUB_ACTIONS_ISSUER,
        ])
        .arg(artifact)
        .output()
        .unwrap()
}

fn trust_update(fx: &Fx, server: &Server, root: &Path) -> std::process::Output {
    sigil()
        .env("XDG_CACHE_HOME", fx.p("cache"))
        .args([
            "--format",
            "json",
            "trust",
            "update",
            "--instance",
            "public-good",
        ])
        .arg("--repo")
        .arg(format!("{}/metadata", server.base))
        .arg("--root")
        .arg(root)
        .arg("--insecure-allow-http")
        .output()
        .unwrap()
}

#[test]
fn trust_update_follows_a_rotated_sigstore_key_and_show_reports_it() {
    use sigil_test_sigstore::{Identity, TestSigstore};
    let fx = Fx::new();
    let old = TestSigstore::new().unwrap();
    let mut new = TestSigstore::new().unwrap();
    let repo = fx.p("repo");
    sigil().args(["repo", "init"]).arg(&repo).assert().code(0);
    let tr = fx.write(
        "trusted_root.json",
        serde_json::to_string(&old.trusted_root())
            .unwrap()
            .as_bytes(),
    );
    sigil()
        .args(["repo", "add"])
        .arg(&repo)
        .arg(&tr)
        .assert()
        .code(0);
    sigil()
        .args(["repo", "publish"])
        .arg(&repo)
        .assert()
        .code(0);
    let server = serve(&repo.join("site"));
    let root = repo.join("site/metadata/1.root.json");

    let o = trust_update(&fx, &server, &root);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(json_doc(&o)["result"]["targets_version"], 1);

    // A bundle from the instance's new key: not trusted by the cached root yet.
    let artifact = fx.write("widget.tar.gz", ARTIFACT);
    let b = new
        .sign_blob(
            &Identity::github(
                "acme/widget",
                ".github/workflows/release.yml",
                "refs/tags/v1.0.0",
            ),
            ARTIFACT,
        )
        .unwrap();
    let bundle = fx.write("widget.sigstore.json", b.to_json().as_bytes());
    let o = verify_keyless(&fx, &bundle, &artifact);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(json_doc(&o)["status"], "not-verified");
    // The policy gate too: a keyless identity, no `sigstore-trusted-root`.
    std::fs::write(fx.p("widget.tar.gz.sigstore.json"), b.to_json()).unwrap();
    let policy = fx.write(
        "keyless.toml",
        format!(
            "schema = 1\n[trust]\n[[trust.identities]]\nissuer = {:?}\nsubject = {SAN:?}\n",
            sigil_test_sigstore::GITHUB_ACTIONS_ISSUER
        )
        .as_bytes(),
    );
    let gate = || {
        fx.cmd()
            .env("XDG_CACHE_HOME", fx.p("cache"))
            .args(["verify", "--format", "json", "--policy"])
            .arg(&policy)
            .arg(&artifact)
            .output()
            .unwrap()
    };
    let o = gate();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(json_doc(&o)["result"]["verdict"], "deny");
    assert_eq!(
        gate_util::verdict(&o),
        (
            Some(1),
            vec!["bundle-invalid".to_owned(), "threshold-not-met".to_owned()]
        )
    );

    // The instance rotates: its TUF repository publishes the new trusted root.
    std::fs::write(&tr, serde_json::to_string(&new.trusted_root()).unwrap()).unwrap();
    sigil()
        .args(["repo", "add"])
        .arg(&repo)
        .arg(&tr)
        .assert()
        .code(0);
    sigil()
        .args(["repo", "publish"])
        .arg(&repo)
        .assert()
        .code(0);
    let o = trust_update(&fx, &server, &root);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let o = verify_keyless(&fx, &bundle, &artifact);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(json_doc(&o)["status"], "verified");
    let o = gate();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(json_doc(&o)["result"]["verdict"], "allow");

    // `trust show` reports the source, versions and expiry.
    let o = sigil()
        .env("XDG_CACHE_HOME", fx.p("cache"))
        .args(["--format", "json", "trust", "show"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    let doc = json_doc(&o);
    let c = &doc["result"]["cached"][0];
    assert_eq!(c["instance"], "public-good");
    assert_eq!(c["repository"], format!("{}/metadata", server.base));
    assert_eq!(
        (
            c["root_version"].clone(),
            c["timestamp_version"].clone(),
            c["snapshot_version"].clone(),
            c["targets_version"].clone()
        ),
        (json!(1), json!(2), json!(2), json!(2))
    );
    assert_eq!(c["expired"], false);
    let ts = std::fs::read(repo.join("site/metadata/timestamp.json")).unwrap();
    let ts: Value = serde_json::from_slice(&ts).unwrap();
    assert_eq!(
        c["expires"], ts["signed"]["expires"],
        "the timestamp expires first"
    );
    let human = sigil()
        .env("XDG_CACHE_HOME", fx.p("cache"))
        .args(["trust", "show"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.starts_with(&format!(
            "public-good: {}/metadata (root v1, timestamp v2, snapshot v2, targets v2); expires {}",
            server.base,
            ts["signed"]["expires"].as_str().unwrap()
        )),
        "{text}"
    );
}

#[test]
fn an_expired_trust_cache_is_reported_with_a_hint() {
    let fx = Fx::new();
    let sigstore = sigil_test_sigstore::TestSigstore::new().unwrap();
    let repo = fx.p("repo");
    sigil().args(["repo", "init"]).arg(&repo).assert().code(0);
    let tr = fx.write(
        "trusted_root.json",
        serde_json::to_string(&sigstore.trusted_root())
            .unwrap()
            .as_bytes(),
    );
    sigil()
        .args(["repo", "add"])
        .arg(&repo)
        .arg(&tr)
        .assert()
        .code(0);
    sigil()
        .args(["repo", "publish"])
        .arg(&repo)
        .assert()
        .code(0);
    let server = serve(&repo.join("site"));
    let o = trust_update(&fx, &server, &repo.join("site/metadata/1.root.json"));
    assert_eq!(o.status.code(), Some(0));
    // Make the recorded expiry lie in the past, as a day without updates would.
    let state_path = fx.p("cache/sigil/trust/public-good/state.json");
    let mut state: Value = serde_json::from_slice(&std::fs::read(&state_path).unwrap()).unwrap();
    state["expires"] = json!("2020-01-01T00:00:00Z");
    std::fs::write(&state_path, serde_json::to_vec(&state).unwrap()).unwrap();
    let o = sigil()
        .env("XDG_CACHE_HOME", fx.p("cache"))
        .args(["trust", "show"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("; EXPIRED at 2020-01-01T00:00:00Z;"),
        "{text}"
    );
    assert!(
        text.contains("  hint: run `sigil trust update --instance public-good`"),
        "{text}"
    );
    // Verification warns and names the fix.
    let artifact = fx.write("widget.tar.gz", ARTIFACT);
    let bundle = fx.write("widget.sigstore.json", b"{}");
    let o = verify_keyless(&fx, &bundle, &artifact);
    assert_eq!(o.status.code(), Some(1), "an empty bundle is not verified");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("warning: the cached public-good trusted root's TUF metadata expired at 2020-01-01T00:00:00Z; run `sigil trust update --instance public-good`\n"),
        "{err}"
    );
}

/// `python3 -m http.server` over `dir` on 127.0.0.1; killed on drop.
struct PyServer {
    child: std::process::Child,
    base: String,
}

impl Drop for PyServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn py_serve(python: &Path, dir: &Path) -> PyServer {
    use std::io::BufRead as _;
    let mut child = std::process::Command::new(python)
        .args([
            "-u",
            "-m",
            "http.server",
            "0",
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    // "Serving HTTP on 127.0.0.1 port 40123 (http://127.0.0.1:40123/) ..."
    let port = line
        .split(" port ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap_or_else(|| panic!("http.server said {line:?}"))
        .to_owned();
    PyServer {
        child,
        base: format!("http://127.0.0.1:{port}"),
    }
}

/// python-tuf's ngclient: refresh from a pinned root, then download one target.
const NGCLIENT: &str = r#"
import inspect, shutil, sys
from tuf.ngclient import Updater
md, base, root, tdir, name = sys.argv[1:]
shutil.copy(root, md + "/root.json")
# python-tuf 7 takes the pinned root as `bootstrap`; older releases read md/root.json.
kw = {}
if "bootstrap" in inspect.signature(Updater.__init__).parameters:
    kw["bootstrap"] = open(root, "rb").read()
u = Updater(metadata_dir=md, metadata_base_url=base + "/metadata/",
            target_base_url=base + "/targets/", target_dir=tdir, **kw)
u.refresh()
info = u.get_targetinfo(name)
assert info is not None, "no such target"
print(u.download_target(info, filepath=tdir + "/" + name))
"#;

#[test]
fn python_tuf_ngclient_downloads_a_pack_from_a_sigil_repository() {
    let Some(python) = support::python() else {
        return;
    };
    let r = Repo::new();
    let server = py_serve(&python, &r.dir.join("site"));
    let (md, td) = (r.fx.p("ng-md"), r.fx.p("ng-td"));
    std::fs::create_dir_all(&md).unwrap();
    std::fs::create_dir_all(&td).unwrap();
    let o = std::process::Command::new(&python)
        .arg("-c")
        .arg(NGCLIENT)
        .arg(&md)
        .arg(&server.base)
        .arg(r.meta("1.root.json"))
        .arg(&td)
        .arg("prompts-1.0.0.tar.gz")
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        td.join("prompts-1.0.0.tar.gz").display().to_string()
    );
    assert_eq!(
        std::fs::read(td.join("prompts-1.0.0.tar.gz")).unwrap(),
        std::fs::read(&r.pack).unwrap()
    );
    // ngclient trusts what sigil signed: all four roles, at sigil's versions.
    let v: Value =
        serde_json::from_slice(&std::fs::read(md.join("timestamp.json")).unwrap()).unwrap();
    assert_eq!(v["signed"]["version"], 1);
}

/// A repository written with python-tuf's Metadata API (ed25519 keys from securesystemslib,
/// consistent snapshots, hash-prefixed targets), holding the given files as targets.
const PY_REPO: &str = r#"
import hashlib, os, shutil, sys
from datetime import datetime, timedelta, timezone
from securesystemslib.signer import CryptoSigner
from tuf.api.metadata import (Metadata, MetaFile, Root, Snapshot, TargetFile,
                              Targets, Timestamp)
from tuf.api.serialization.json import JSONSerializer
out, files = sys.argv[1], sys.argv[2:]
md, tg = os.path.join(out, "metadata"), os.path.join(out, "targets")
os.makedirs(md); os.makedirs(tg)
exp = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(days=7)
signers = {r: CryptoSigner.generate_ed25519() for r in ["root", "targets", "snapshot", "timestamp"]}
root = Metadata(Root(expires=exp, consistent_snapshot=True))
for role, s in signers.items():
    root.signed.add_key(s.public_key, role)
targets = Metadata(Targets(expires=exp))
for f in files:
    name = os.path.basename(f)
    tf = TargetFile.from_file(name, f, ["sha256"])
    targets.signed.targets[name] = tf
    shutil.copy(f, os.path.join(tg, tf.hashes["sha256"] + "." + name))
ser = JSONSerializer(compact=False)
def write(md_obj, role, name):
    md_obj.sign(signers[role])
    data = md_obj.to_bytes(ser)
    with open(os.path.join(md, name), "wb") as fh:
        fh.write(data)
    return data
write(root, "root", "1.root.json")
tbytes = write(targets, "targets", "1.targets.json")
snap = Metadata(Snapshot(expires=exp))
snap.signed.meta["targets.json"] = MetaFile(1, len(tbytes), {"sha256": hashlib.sha256(tbytes).hexdigest()})
sbytes = write(snap, "snapshot", "1.snapshot.json")
ts = Metadata(Timestamp(expires=exp))
ts.signed.snapshot_meta = MetaFile(1, len(sbytes), {"sha256": hashlib.sha256(sbytes).hexdigest()})
write(ts, "timestamp", "timestamp.json")
"#;

#[test]
fn sigil_installs_a_pack_from_a_python_tuf_repository() {
    let Some(python) = support::python() else {
        return;
    };
    let fx = Fx::new();
    let (pack, key) = pack_archive(&fx);
    let site = fx.p("pysite");
    let o = std::process::Command::new(&python)
        .arg("-c")
        .arg(PY_REPO)
        .arg(&site)
        .arg(&pack)
        .arg(pack.with_file_name("prompts-1.0.0.tar.gz.minisig"))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let policy = fx.policy(
        "policy.toml",
        &[&key],
        &format!(
            "tuf-root = {:?}\n[pack]\nmax-files = 10\nmax-total-bytes = 4096\n",
            site.join("metadata/1.root.json").display().to_string()
        ),
    );
    let server = py_serve(&python, &site);
    let o = fx
        .cmd()
        .env("XDG_CACHE_HOME", fx.p("cache"))
        .args([
            "install",
            "--format",
            "json",
            "--insecure-allow-http",
            "--policy",
        ])
        .arg(&policy)
        .arg("--to")
        .arg(fx.p("dest"))
        .arg(format!("tuf+{}/metadata#prompts@1.0.0", server.base))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(json_doc(&o)["result"]["verdict"], "allow");
    assert_eq!(
        std::fs::read(fx.p("dest/review.md")).unwrap(),
        b"Review this code carefully.\n"
    );
}
