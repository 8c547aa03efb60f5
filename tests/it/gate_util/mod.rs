//! Helpers shared by `tests/it/gate_attest.rs` and `tests/it/gate_pack.rs`: a work directory with
//! keys and an audit log, verdict extraction from `--format json`, and a static file server on
//! 127.0.0.1 that serves a directory.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::{json_doc, sigil};

/// A work directory with keys, policies and an audit log.
pub struct Fx {
    pub dir: tempfile::TempDir,
}

impl Fx {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn p(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `sigil key generate --no-password`; returns the key prefix path.
    pub fn key(&self, name: &str) -> PathBuf {
        let prefix = self.p(name);
        sigil()
            .args(["key", "generate", "--no-password", "--out"])
            .arg(&prefix)
            .assert()
            .code(0);
        prefix
    }

    /// The key id minisign prints for a key prefix (from the `.pub` comment line).
    pub fn key_id(&self, prefix: &Path) -> String {
        let text = std::fs::read_to_string(prefix.with_extension("pub")).unwrap();
        let first = text.lines().next().unwrap();
        first.rsplit(' ').next().unwrap().to_owned()
    }

    pub fn sign(&self, key: &Path, file: &Path) {
        sigil()
            .arg("sign")
            .arg("--key")
            .arg(key.with_extension("key"))
            .arg(file)
            .assert()
            .code(0);
    }

    pub fn write(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.p(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(&p, content).unwrap();
        p
    }

    /// A policy trusting `keys` (by prefix) with `extra` TOML after `[trust]`'s keys.
    pub fn policy(&self, name: &str, keys: &[&Path], extra: &str) -> PathBuf {
        let list: Vec<String> = keys
            .iter()
            .map(|k| format!("{:?}", k.with_extension("pub").display().to_string()))
            .collect();
        self.write(
            name,
            format!("schema = 1\n[trust]\nkeys = [{}]\n{extra}", list.join(", ")).as_bytes(),
        )
    }

    /// `sigil` with this fixture's audit log.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut c = sigil();
        c.env("SIGIL_AUDIT_DB", self.p("audit.db"));
        c
    }

    /// `sigil verify --format json --policy P ARTIFACT`.
    pub fn verify(&self, policy: &Path, artifact: &Path) -> std::process::Output {
        self.cmd()
            .args(["verify", "--format", "json", "--policy"])
            .arg(policy)
            .arg(artifact)
            .output()
            .unwrap()
    }
}

/// Exit code and the codes of the findings that deny (not waived, not warnings), in order.
pub fn verdict(o: &std::process::Output) -> (Option<i32>, Vec<String>) {
    let doc = json_doc(o);
    let codes = doc["result"]["findings"]
        .as_array()
        .map_or_else(Vec::new, |a| {
            a.iter()
                .filter(|f| f["waived"] == false && f["severity"] == "deny")
                .map(|f| f["code"].as_str().unwrap().to_owned())
                .collect()
        });
    (o.status.code(), codes)
}

/// The verdict of one rule (`pass`, `fail`, `not-required`).
pub fn rule(o: &std::process::Output, name: &str) -> String {
    let doc = json_doc(o);
    doc["result"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == name)
        .map(|r| r["verdict"].as_str().unwrap().to_owned())
        .unwrap()
}

/// The message of the first finding with `code`.
pub fn message(o: &std::process::Output, code: &str) -> String {
    let doc = json_doc(o);
    doc["result"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == code)
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .unwrap_or_default()
}

pub fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Serves the files of `root` (GET /NAME, one level) on 127.0.0.1 until the process ends;
/// returns the base URL.
pub fn serve_dir(root: &Path) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let root = root.to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(500) {
            let Ok(mut s) = stream else { continue };
            let root = root.clone();
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
                let path = line.split(' ').nth(1).unwrap_or("/");
                let name = path.trim_start_matches('/');
                let body = (!name.contains('/') && !name.is_empty())
                    .then(|| std::fs::read(root.join(name)).ok())
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
    base
}
