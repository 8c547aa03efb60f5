//! How users get sigil, each path verified before anything runs: the release installer
//! (`install.sh`, rendered from `xtask/templates/install.sh` by the same `xtask/src/installer.rs`
//! the release uses), the GitHub Action's install and run steps (`action.yml`,
//! `.github/actions/*.sh`), the docs' workflows under actionlint, the Python wheel, and the
//! completions and man pages.
//!
//! The installer and action tests serve a small fake release over 127.0.0.1: a deterministic
//! tar.gz holding `sigil-VERSION-TARGET/sigil` (a two-line script that runs the sigil built for
//! these tests, so "the downloaded sigil checks its own signature" runs real sigil code), signed
//! with a test key made here. Building a real release (`cargo xtask release`) takes minutes; the
//! installer only sees an archive, its signature and the SHA-256 it carries, which is what the
//! fake provides. `cargo xtask release --check` runs the rendered installer's inputs for real.

use crate::support;

#[allow(dead_code)]
#[path = "../../xtask/src/installer.rs"]
mod installer;
#[allow(dead_code)]
#[path = "../../xtask/src/wheel.rs"]
mod wheel;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{sigil, tool};

const VERSION: &str = "0.1.0";

/// The target triple install.sh detects on this machine.
fn host_target() -> String {
    format!("{}-unknown-linux-gnu", std::env::consts::ARCH)
}

fn archive_name() -> String {
    format!("sigil-{VERSION}-{}.tar.gz", host_target())
}

fn sha256_hex(p: &Path) -> String {
    let out = Command::new("sha256sum").arg(p).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()[..64].to_owned()
}

/// A fake release: keys, the archive and its signature, served from `srv/`.
struct Release {
    dir: tempfile::TempDir,
}

impl Release {
    fn new() -> Self {
        let r = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        for d in ["srv", "stage", "tmp", "home"] {
            std::fs::create_dir(r.p(d)).unwrap();
        }
        for k in ["release-test", "wrong-test"] {
            sigil()
                .args(["key", "generate", "--no-password", "--out"])
                .arg(r.p(k))
                .assert()
                .code(0);
        }
        let top = r.p(&format!("stage/sigil-{VERSION}-{}", host_target()));
        std::fs::create_dir(&top).unwrap();
        let real = assert_cmd::cargo::cargo_bin("sigil");
        let script = format!("#!/bin/sh\nexec '{}' \"$@\"\n", real.display());
        std::fs::write(top.join("sigil"), script).unwrap();
        std::fs::set_permissions(top.join("sigil"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
        let st = Command::new("tar")
            .arg("-C")
            .arg(r.p("stage"))
            .args(["--owner=0", "--group=0", "--numeric-owner", "-czf"])
            .arg(r.archive())
            .arg(top.file_name().unwrap())
            .status()
            .unwrap();
        assert!(st.success());
        r.sign(&r.archive(), "release-test");
        r
    }

    fn p(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn archive(&self) -> PathBuf {
        self.p(&format!("srv/{}", archive_name()))
    }

    fn sign(&self, file: &Path, key: &str) {
        sigil()
            .args(["sign", "--force", "--key"])
            .arg(self.p(&format!("{key}.key")))
            .arg(file)
            .assert()
            .code(0);
    }

    fn key_line(&self) -> String {
        installer::key_line(&support::read(self.p("release-test.pub"))).unwrap()
    }

    /// install.sh for this release, rendered as `cargo xtask release` renders it, with the
    /// archive's SHA-256 (or `sha256` instead) and `base_url`.
    fn installer(&self, base_url: &str, sha256: Option<&str>) -> PathBuf {
        let pins = installer::Pins {
            version: VERSION.into(),
            public_key: self.key_line(),
            sha256: vec![(
                host_target(),
                sha256.map_or_else(|| sha256_hex(&self.archive()), str::to_owned),
            )],
            base_url: base_url.into(),
        };
        let text = installer::render(installer::TEMPLATE, &pins).unwrap();
        let path = self.p("install.sh");
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Flips one byte in the middle of the archive (same length, same signature file).
    fn tamper(&self) {
        let mut b = std::fs::read(self.archive()).unwrap();
        let mid = b.len() / 2;
        b[mid] ^= 0x01;
        std::fs::write(self.archive(), b).unwrap();
    }

    /// Cuts the archive to its first half (served with the shorter length).
    fn truncate(&self) {
        let b = std::fs::read(self.archive()).unwrap();
        std::fs::write(self.archive(), &b[..b.len() / 2]).unwrap();
    }

    /// Files left in the private TMPDIR the installer ran with.
    fn leftovers(&self) -> Vec<String> {
        std::fs::read_dir(self.p("tmp"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }
}

/// How the server misbehaves.
#[derive(Clone, Copy, PartialEq)]
enum Server {
    Good,
    /// Sends the headers with the full length, half of an archive's body, then closes.
    DiesMidDownload,
}

/// Serves `root` (GET /NAME) on 127.0.0.1 until the test process ends; returns the base URL and
/// a count of requests.
fn serve(root: &Path, how: Server) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let root = root.to_path_buf();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(64) {
            let Ok(mut s) = stream else { continue };
            counter.fetch_add(1, Ordering::SeqCst);
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut req = Vec::new();
            let mut b = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut b) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&b[..n]),
                }
            }
            let line = String::from_utf8_lossy(&req)
                .lines()
                .next()
                .unwrap_or("")
                .to_owned();
            let name = line
                .split(' ')
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/')
                .to_owned();
            let body = (!name.contains('/') && !name.is_empty())
                .then(|| std::fs::read(root.join(&name)).ok())
                .flatten();
            let _ = match body {
                None => s.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                ),
                Some(body) => {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let cut = if how == Server::DiesMidDownload && name.ends_with(".tar.gz") {
                        body.len() / 2
                    } else {
                        body.len()
                    };
                    s.write_all(head.as_bytes())
                        .and_then(|()| s.write_all(&body[..cut]))
                }
            };
            let _ = s.flush();
            drop(s);
        }
    });
    (base, hits)
}

/// A shell to run the installer with, and the tools on its PATH.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Shell {
    /// dash with coreutils, curl, sha256sum and minisign (the signature is checked by minisign).
    Dash,
    /// bash with coreutils, GNU Wget and shasum, no minisign (the downloaded sigil checks it).
    Bash,
    /// busybox sh with only busybox applets (its wget, sha256sum, tar...), as on Alpine.
    Busybox,
}

const SHELLS: [Shell; 3] = [Shell::Dash, Shell::Bash, Shell::Busybox];

/// Commands install.sh uses besides the downloader, the hasher and the signature checker.
const BASE_TOOLS: &[&str] = &[
    "uname", "sed", "mktemp", "rm", "rmdir", "dirname", "mkdir", "cp", "chmod", "mv", "gzip",
    "tar", "tr", "cat", "grep",
];

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

impl Shell {
    /// The shell's command, or None (after a loud skip, or a failure under SIGIL_INTEROP=1).
    fn command(self) -> Option<Command> {
        match self {
            Shell::Dash => tool("dash").map(Command::new),
            Shell::Bash => tool("bash").map(Command::new),
            Shell::Busybox => tool("busybox").map(|b| {
                let mut c = Command::new(b);
                c.arg("sh");
                c
            }),
        }
    }

    /// A PATH directory for this shell, without the hashers when `hashers` is false.
    fn path_dir(self, dir: &Path, hashers: bool) -> PathBuf {
        let bin = dir.join(format!("bin-{self:?}-{hashers}"));
        std::fs::create_dir(&bin).unwrap();
        let mut names: Vec<&str> = BASE_TOOLS.to_vec();
        match self {
            Shell::Dash => names.extend(["curl", "minisign"]),
            Shell::Bash | Shell::Busybox => names.push("wget"),
        }
        if hashers {
            names.push(if self == Shell::Bash {
                "shasum"
            } else {
                "sha256sum"
            });
        }
        for n in names {
            let target = if self == Shell::Busybox {
                tool("busybox").unwrap()
            } else {
                which(n).unwrap_or_else(|| panic!("{n} is not installed"))
            };
            std::os::unix::fs::symlink(target, bin.join(n)).unwrap();
        }
        if self == Shell::Bash && hashers {
            // shasum is a perl script: it needs perl on PATH.
            std::os::unix::fs::symlink(which("perl").unwrap(), bin.join("perl")).unwrap();
        }
        bin
    }
}

/// Runs install.sh under `shell` with a private HOME, TMPDIR and PATH.
fn run_installer(
    r: &Release,
    shell: Shell,
    script: &Path,
    args: &[&str],
    hashers: bool,
) -> Option<Output> {
    let mut c = shell.command()?;
    let path = shell.path_dir(r.dir.path(), hashers);
    c.arg(script)
        .args(args)
        .env_clear()
        .env("PATH", &path)
        .env("HOME", r.p("home"))
        .env("TMPDIR", r.p("tmp"));
    Some(c.output().unwrap())
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a refusal: the exit code, a message, the final "nothing was installed", no file at
/// the destination and nothing left in TMPDIR.
fn assert_refused(r: &Release, shell: Shell, o: &Output, code: i32, message: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "{shell:?}: {err}");
    assert!(
        err.contains(message),
        "{shell:?}: expected {message:?} in:\n{err}"
    );
    assert!(
        err.ends_with("sigil-install: nothing was installed\n"),
        "{shell:?}: {err}"
    );
    assert!(
        !r.p("home/.local/bin/sigil").exists(),
        "{shell:?}: installed"
    );
    assert!(!r.p("home/.local").exists(), "{shell:?}: left a directory");
    assert_eq!(
        r.leftovers(),
        Vec::<String>::new(),
        "{shell:?}: left temporary files"
    );
}

#[test]
fn installer_installs_a_good_release_under_dash_bash_and_busybox() {
    for shell in SHELLS {
        let r = Release::new();
        let (base, _) = serve(&r.p("srv"), Server::Good);
        let script = r.installer(&base, None);
        let Some(o) = run_installer(&r, shell, &script, &[], true) else {
            continue;
        };
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(0), "{shell:?}: {err}");
        let checked_by = match shell {
            Shell::Dash => "(minisign)",
            _ => "(the downloaded sigil, whose SHA-256 matched)",
        };
        assert!(
            err.contains(&format!(
                "signature of {} verifies with the release key {checked_by}",
                archive_name()
            )),
            "{shell:?}: {err}"
        );
        let dest = r.p("home/.local/bin/sigil");
        assert!(
            err.contains(&format!(
                "installed sigil {VERSION} ({}) to {}",
                host_target(),
                dest.display()
            )),
            "{shell:?}: {err}"
        );
        let mode = std::fs::metadata(&dest).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755, "{shell:?}");
        let v = Command::new(&dest).arg("--version").output().unwrap();
        assert_eq!(
            String::from_utf8_lossy(&v.stdout),
            format!("sigil {VERSION}\n")
        );
        assert_eq!(r.leftovers(), Vec::<String>::new(), "{shell:?}");
        assert_eq!(
            std::fs::read_dir(r.p("home/.local/bin")).unwrap().count(),
            1,
            "{shell:?}: only sigil, no staging file"
        );
    }
}

#[test]
fn installer_refuses_a_tampered_archive() {
    for shell in SHELLS {
        let r = Release::new();
        let script_hash = sha256_hex(&r.archive());
        r.tamper();
        let (base, _) = serve(&r.p("srv"), Server::Good);
        let script = r.installer(&base, Some(&script_hash));
        let Some(o) = run_installer(&r, shell, &script, &[], true) else {
            continue;
        };
        let msg = format!(
            "SHA-256 mismatch for {}: expected {script_hash}, got {}",
            archive_name(),
            sha256_hex(&r.archive())
        );
        assert_refused(&r, shell, &o, 1, &msg);
    }
}

#[test]
fn installer_refuses_a_truncated_archive() {
    for shell in SHELLS {
        let r = Release::new();
        let script_hash = sha256_hex(&r.archive());
        r.truncate();
        let (base, _) = serve(&r.p("srv"), Server::Good);
        let script = r.installer(&base, Some(&script_hash));
        let Some(o) = run_installer(&r, shell, &script, &[], true) else {
            continue;
        };
        assert_refused(
            &r,
            shell,
            &o,
            1,
            &format!("SHA-256 mismatch for {}", archive_name()),
        );
    }
}

#[test]
fn installer_refuses_an_archive_with_another_sha256_than_it_carries() {
    let other = "0123456789abcdef".repeat(4);
    for shell in SHELLS {
        let r = Release::new();
        let (base, _) = serve(&r.p("srv"), Server::Good);
        let script = r.installer(&base, Some(&other));
        let Some(o) = run_installer(&r, shell, &script, &[], true) else {
            continue;
        };
        let msg = format!(
            "SHA-256 mismatch for {}: expected {other}, got {}",
            archive_name(),
            sha256_hex(&r.archive())
        );
        assert_refused(&r, shell, &o, 1, &msg);
    }
}

#[test]
fn installer_refuses_a_release_signed_by_another_key() {
    for shell in SHELLS {
        let r = Release::new();
        r.sign(&r.archive(), "wrong-test");
        let (base, _) = serve(&r.p("srv"), Server::Good);
        let script = r.installer(&base, None);
        let Some(o) = run_installer(&r, shell, &script, &[], true) else {
            continue;
        };
        let by = match shell {
            Shell::Dash => "(minisign)",
            _ => "(the downloaded sigil, whose SHA-256 matched)",
        };
        assert_refused(
            &r,
            shell,
            &o,
            1,
            &format!(
                "the signature of {} does not verify with the release key {by}",
                archive_name()
            ),
        );
    }
}

#[test]
fn installer_without_a_sha256_tool_refuses_before_downloading() {
    for shell in SHELLS {
        let r = Release::new();
        let (base, hits) = serve(&r.p("srv"), Server::Good);
        let script = r.installer(&base, None);
        let Some(o) = run_installer(&r, shell, &script, &[], false) else {
            continue;
        };
        assert_refused(
            &r,
            shell,
            &o,
            2,
            "no SHA-256 tool found (sha256sum, shasum or openssl): refusing to install a download that cannot be checked",
        );
        assert_eq!(
            hits.load(Ordering::SeqCst),
            0,
            "{shell:?}: downloaded anyway"
        );
    }
}

#[test]
fn installer_refuses_an_unwritable_destination_and_leaves_nothing() {
    for shell in SHELLS {
        let r = Release::new();
        let (base, _) = serve(&r.p("srv"), Server::Good);
        let script = r.installer(&base, None);
        // A regular file where a directory must be: even root cannot write there.
        std::fs::write(r.p("home/blocker"), b"not a directory").unwrap();
        let to = r.p("home/blocker/bin");
        let Some(o) = run_installer(&r, shell, &script, &["--to", to.to_str().unwrap()], true)
        else {
            continue;
        };
        assert_refused(
            &r,
            shell,
            &o,
            2,
            &format!("cannot create the directory {}", to.display()),
        );
        assert_eq!(support::read(r.p("home/blocker")), "not a directory");
    }
}

#[test]
fn installer_refuses_when_the_server_dies_mid_download() {
    for shell in SHELLS {
        let r = Release::new();
        let (base, _) = serve(&r.p("srv"), Server::DiesMidDownload);
        let script = r.installer(&base, None);
        let Some(o) = run_installer(&r, shell, &script, &[], true) else {
            continue;
        };
        let url = format!("{base}/{}", archive_name());
        // curl, GNU Wget and BusyBox wget each notice the short read.
        assert_refused(&r, shell, &o, 2, &format!("download of {url} failed"));
    }
}

#[test]
fn installer_makes_missing_parent_directories_of_to() {
    let Some(_) = Shell::Dash.command() else {
        return;
    };
    let r = Release::new();
    let (base, _) = serve(&r.p("srv"), Server::Good);
    let script = r.installer(&base, None);
    let to = r.p("home/a/b/c");
    let o = run_installer(
        &r,
        Shell::Dash,
        &script,
        &["--to", to.to_str().unwrap()],
        true,
    )
    .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(to.join("sigil").is_file());
}

#[test]
fn install_sh_and_the_action_scripts_pass_shellcheck() {
    let Some(shellcheck) = tool("shellcheck") else {
        return;
    };
    let r = Release::new();
    let rendered = r.installer("https://example.invalid/sigil", None);
    let root = support::root();
    let o = Command::new(shellcheck)
        .args(["--shell=sh", "--severity=style"])
        .arg(root.join("xtask/templates/install.sh"))
        .arg(&rendered)
        .arg(root.join(".github/actions/install-sigil.sh"))
        .arg(root.join(".github/actions/run-sigil.sh"))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "shellcheck:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        stderr(&o)
    );
}

// --- The GitHub Action.

/// A PATH like a runner's for the action's scripts: coreutils, curl and sha256sum, no
/// minisign and no sigil (so the downloaded sigil checks the signature).
fn runner_path(dir: &Path) -> PathBuf {
    let bin = dir.join("runner-bin");
    std::fs::create_dir_all(&bin).unwrap();
    let extra = ["sh", "curl", "sha256sum", "find", "sort", "od", "touch"];
    for n in BASE_TOOLS.iter().chain(extra.iter()) {
        let target = which(n).unwrap_or_else(|| panic!("{n} is not installed"));
        let link = bin.join(n);
        if !link.exists() {
            std::os::unix::fs::symlink(target, link).unwrap();
        }
    }
    bin
}

/// Runs `.github/actions/install-sigil.sh` as action.yml runs it: the action's checkout holds
/// `keys/release.pub` (here the fake release's key), and the pins come from the environment.
fn run_action_install(r: &Release, base: &str, extra_env: &[(&str, &str)]) -> Output {
    let action = r.p("action");
    std::fs::create_dir_all(action.join("keys")).unwrap();
    std::fs::copy(r.p("release-test.pub"), action.join("keys/release.pub")).unwrap();
    std::fs::create_dir_all(r.p("runner")).unwrap();
    for f in ["github_path", "github_output"] {
        std::fs::write(r.p(f), b"").unwrap();
    }
    let mut c = Command::new("sh");
    c.arg(support::root().join(".github/actions/install-sigil.sh"))
        .env_clear()
        .env("PATH", runner_path(r.dir.path()))
        .env("HOME", r.p("home"))
        .env("TMPDIR", r.p("tmp"))
        .env("SIGIL_PINNED_VERSION", VERSION)
        .env(
            "SIGIL_PINNED_SHA256",
            format!("{}={}", host_target(), sha256_hex(&r.archive())),
        )
        .env("INPUT_BASE_URL", base)
        .env("GITHUB_ACTION_PATH", &action)
        .env("RUNNER_TEMP", r.p("runner"))
        .env("GITHUB_PATH", r.p("github_path"))
        .env("GITHUB_OUTPUT", r.p("github_output"));
    for (k, v) in extra_env {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn action_yml_runs_the_tested_scripts_with_its_pins() {
    let yml = support::read(support::root().join("action.yml"));
    for line in [
        "run: sh \"$GITHUB_ACTION_PATH/.github/actions/install-sigil.sh\"",
        "run: sh \"$GITHUB_ACTION_PATH/.github/actions/run-sigil.sh\"",
        "SIGIL_PINNED_VERSION: ",
        "SIGIL_PINNED_SHA256: ",
        "INPUT_ARGS: ${{ inputs.args }}",
    ] {
        assert!(yml.contains(line), "action.yml lacks {line:?}");
    }
    // No input is pasted into a shell script: inputs reach the scripts only through env.
    for l in yml.lines().filter(|l| l.trim_start().starts_with("run:")) {
        assert!(!l.contains("${{"), "expression in a run line: {l}");
    }
}

#[test]
fn action_installs_only_a_release_with_the_pinned_sha256_and_the_release_signature() {
    // Good: installed, on GITHUB_PATH, named in the outputs.
    let r = Release::new();
    let (base, _) = serve(&r.p("srv"), Server::Good);
    let o = run_action_install(&r, &base, &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let bin_dir = r.p("runner/sigil-action/bin");
    assert!(bin_dir.join("sigil").is_file());
    assert_eq!(
        support::read(r.p("github_path")),
        format!("{}\n", bin_dir.display())
    );
    assert_eq!(
        support::read(r.p("github_output")),
        format!("sigil-path={}\n", bin_dir.join("sigil").display())
    );
    assert!(stderr(&o)
        .contains("verifies with the release key (the downloaded sigil, whose SHA-256 matched)"));

    // Tampered after the pin was taken: refused on the SHA-256.
    let r = Release::new();
    let pinned = sha256_hex(&r.archive());
    r.tamper();
    let (base, _) = serve(&r.p("srv"), Server::Good);
    let pins = format!("{}={pinned}", host_target());
    let o = run_action_install(&r, &base, &[("SIGIL_PINNED_SHA256", &pins)]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!(
        "SHA-256 mismatch for {}: expected {pinned}",
        archive_name()
    )));
    assert!(!r.p("runner/sigil-action").exists());
    assert_eq!(support::read(r.p("github_path")), "");
    assert_eq!(r.leftovers(), Vec::<String>::new());

    // Pinned SHA-256 matches, but the release is signed by another key: refused.
    let r = Release::new();
    r.sign(&r.archive(), "wrong-test");
    let (base, _) = serve(&r.p("srv"), Server::Good);
    let o = run_action_install(&r, &base, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains(&format!(
        "the signature of {} does not verify with the release key (the downloaded sigil, whose SHA-256 matched)",
        archive_name()
    )));
    assert!(!r.p("runner/sigil-action").exists());
    assert_eq!(support::read(r.p("github_path")), "");
    assert_eq!(support::read(r.p("github_output")), "");
    assert_eq!(r.leftovers(), Vec::<String>::new());
}

#[test]
fn action_refuses_another_version_without_its_sha256() {
    let r = Release::new();
    let (base, hits) = serve(&r.p("srv"), Server::Good);
    let o = run_action_install(&r, &base, &[("INPUT_VERSION", "9.9.9")]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "::error title=sigil action::version 9.9.9 is not the one this action pins (0.1.0): give its archive SHA-256 values as the sha256 input (TARGET=HEX, from the release's SHA256SUMS after verifying it)\n"
    );
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

/// Runs `.github/actions/run-sigil.sh` in `dir` with `args` (one per line).
fn run_action_command(r: &Release, dir: &Path, args: &str) -> Output {
    std::fs::create_dir_all(r.p("runner")).unwrap();
    std::fs::write(r.p("github_output"), b"").unwrap();
    Command::new("sh")
        .arg(support::root().join(".github/actions/run-sigil.sh"))
        .current_dir(dir)
        .env_clear()
        .env("PATH", runner_path(r.dir.path()))
        .env("HOME", r.p("home"))
        .env("SIGIL_AUDIT_DB", r.p("audit.db"))
        .env("SIGIL", assert_cmd::cargo::cargo_bin("sigil"))
        .env("INPUT_ARGS", args)
        .env("RUNNER_TEMP", r.p("runner"))
        .env("GITHUB_OUTPUT", r.p("github_output"))
        .output()
        .unwrap()
}

/// The `files` and `exit-code` outputs written to GITHUB_OUTPUT.
fn action_outputs(r: &Release) -> (String, Vec<String>) {
    let text = support::read(r.p("github_output"));
    let mut lines = text.lines();
    let code = lines
        .next()
        .unwrap()
        .strip_prefix("exit-code=")
        .unwrap()
        .to_owned();
    let open = lines.next().unwrap();
    let delim = open.strip_prefix("files<<").unwrap();
    assert!(
        delim.starts_with("SIGIL_FILES_") && delim.len() == 12 + 16,
        "{delim}"
    );
    let files: Vec<String> = lines
        .by_ref()
        .take_while(|l| *l != delim)
        .map(str::to_owned)
        .collect();
    assert_eq!(lines.next(), None, "nothing after the delimiter: {text}");
    (code, files)
}

#[test]
fn action_runs_one_argument_per_line_and_names_the_files_written() {
    let r = Release::new();
    let work = r.p("work");
    std::fs::create_dir_all(work.join("dist")).unwrap();
    std::fs::write(work.join("dist/a.tar.gz"), b"a").unwrap();
    std::fs::write(work.join("dist/b c.tar.gz"), b"b").unwrap();
    std::fs::write(work.join("untouched.txt"), b"u").unwrap();
    let o = run_action_command(
        &r,
        &work,
        "sums\ncreate\ndist/*.tar.gz\n-o\ndist/SHA256SUMS\n",
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        action_outputs(&r),
        ("0".to_owned(), vec!["dist/SHA256SUMS".to_owned()])
    );
    let sums = support::read(work.join("dist/SHA256SUMS"));
    assert!(
        sums.contains("  a.tar.gz\n") && sums.contains("  b c.tar.gz\n"),
        "{sums}"
    );

    // A line is one argument: `$(...)` and `;` are not evaluated.
    let o = run_action_command(
        &r,
        &work,
        "verify\n--key\n$(touch pwned); nope.pub\ndist/a.tar.gz\n",
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!work.join("pwned").exists());
    assert_eq!(action_outputs(&r), ("2".to_owned(), Vec::<String>::new()));
}

/// The ```yaml blocks of docs/action.md, each a complete workflow.
fn doc_workflows() -> Vec<String> {
    let doc = support::read(support::root().join("docs/action.md"));
    let mut out = Vec::new();
    let mut rest = doc.as_str();
    while let Some(i) = rest.find("```yaml\n") {
        let body = &rest[i + 8..];
        let end = body.find("```").unwrap();
        out.push(body[..end].to_owned());
        rest = &body[end + 3..];
    }
    out
}

#[test]
fn action_and_every_workflow_pass_actionlint() {
    let Some(actionlint) = tool("actionlint") else {
        return;
    };
    // actionlint checks `uses: ./` against the action.yml of the repository it runs in, so the
    // docs' workflows are checked in a scratch repository holding this action.yml.
    let t = tempfile::tempdir().unwrap();
    let st = Command::new("git")
        .args(["init", "-q"])
        .arg(t.path())
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::copy(
        support::root().join("action.yml"),
        t.path().join("action.yml"),
    )
    .unwrap();
    let wf = t.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    let mut names = Vec::new();
    for e in std::fs::read_dir(support::root().join(".github/workflows")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        std::fs::copy(&p, wf.join(&name)).unwrap();
        names.push(name);
    }
    let docs = doc_workflows();
    assert_eq!(docs.len(), 4, "docs/action.md has one workflow per mode");
    for (i, text) in docs.iter().enumerate() {
        assert!(text.contains("uses: sigil-project/sigil@v0.1.0"), "{text}");
        let name = format!("docs-action-{i}.yml");
        std::fs::write(
            wf.join(&name),
            text.replace("uses: sigil-project/sigil@v0.1.0", "uses: ./"),
        )
        .unwrap();
        names.push(name);
    }
    // With shellcheck on PATH, actionlint also checks every `run:` script.
    let shellcheck = tool("shellcheck").expect("shellcheck comes with the test venv");
    let path = std::env::join_paths(
        std::iter::once(shellcheck.parent().unwrap().to_path_buf()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .unwrap();
    let o = Command::new(actionlint)
        .current_dir(t.path())
        .env("PATH", path)
        .args(names.iter().map(|n| format!(".github/workflows/{n}")))
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "actionlint:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        stderr(&o)
    );
    assert!(names.len() >= 6, "{names:?}");
}

// --- Completions and man pages.

#[test]
fn completions_and_man_pages_in_share_match_the_cli() {
    let t = tempfile::tempdir().unwrap();
    sigil().arg("generate").arg(t.path()).assert().code(0);
    let list = |base: &Path| -> Vec<(String, Vec<u8>)> {
        let mut v = Vec::new();
        for sub in ["completions", "man/man1"] {
            let Ok(rd) = std::fs::read_dir(base.join(sub)) else {
                continue;
            };
            for e in rd {
                let p = e.unwrap().path();
                v.push((
                    format!("{sub}/{}", p.file_name().unwrap().to_string_lossy()),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
        v.sort();
        v
    };
    let fresh = list(t.path());
    let shipped = list(&support::root().join("share"));
    let names = |v: &[(String, Vec<u8>)]| v.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&shipped),
        names(&fresh),
        "share/ is out of date: run `cargo xtask completions`"
    );
    for ((name, want), (_, have)) in fresh.iter().zip(&shipped) {
        assert!(
            want == have,
            "share/{name} is out of date: run `cargo xtask completions`"
        );
    }
    for want in [
        "completions/sigil.bash",
        "completions/_sigil",
        "completions/sigil.fish",
        "man/man1/sigil.1",
        "man/man1/sigil-pack-install.1",
    ] {
        assert!(
            names(&fresh).iter().any(|n| n == want),
            "{want} is not generated"
        );
    }
    let bash = String::from_utf8_lossy(&fresh[0].1).into_owned();
    assert!(
        bash.contains("verify-attestation"),
        "bash completion lists subcommands"
    );
}

#[test]
fn bash_completion_loads_and_completes_subcommands() {
    let Some(bash) = tool("bash") else {
        return;
    };
    let script = support::root().join("share/completions/sigil.bash");
    let o = Command::new(bash)
        .arg("-c")
        .arg(format!(
            "source '{}' && COMP_WORDS=(sigil pack i) COMP_CWORD=2 COMP_LINE='sigil pack i' COMP_POINT=12 && _sigil sigil i pack && printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        ))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "install\n");
}

// --- The Python wheel.

#[test]
fn wheel_installs_into_a_fresh_venv_and_its_sigil_verifies_a_pack() {
    let Some(python) = tool("python3") else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let p = |rel: &str| t.path().join(rel);
    // The debug build keeps this fast (the release wraps the release build the same way),
    // without its debug info when binutils' strip is there: 200 MB less to deflate and unzip.
    let mut binary = assert_cmd::cargo::cargo_bin("sigil");
    if let Some(strip) = which("strip") {
        std::fs::copy(&binary, p("sigil-stripped")).unwrap();
        let st = Command::new(strip)
            .arg("--strip-debug")
            .arg(p("sigil-stripped"))
            .status()
            .unwrap();
        assert!(st.success());
        binary = p("sigil-stripped");
    }
    let whl = wheel::build(&wheel::Spec {
        version: VERSION,
        target: &host_target(),
        binary: &binary,
        license: &support::root().join("LICENSE"),
        out_dir: t.path(),
    })
    .unwrap();
    let name = whl.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with(&format!("sigil-{VERSION}-py3-none-manylinux_2_"))
            && name.ends_with(&format!("_{}.whl", std::env::consts::ARCH)),
        "{name}"
    );
    let st = Command::new(&python)
        .args(["-m", "venv"])
        .arg(p("venv"))
        .status()
        .unwrap();
    assert!(st.success());
    let o = Command::new(p("venv/bin/python"))
        .args([
            "-m",
            "pip",
            "install",
            "--no-index",
            "--no-deps",
            "--disable-pip-version-check",
            "-q",
        ])
        .arg(&whl)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "pip: {}", stderr(&o));

    let venv_sigil = |args: &[&str]| {
        Command::new(p("venv/bin/sigil"))
            .args(args)
            .current_dir(t.path())
            .env("HOME", p("."))
            .env("SIGIL_AUDIT_DB", p("audit.db"))
            .env("NO_COLOR", "1")
            .env_remove("SIGIL_PASSWORD")
            .output()
            .unwrap()
    };
    let v = venv_sigil(&["--version"]);
    assert_eq!(
        String::from_utf8_lossy(&v.stdout),
        format!("sigil {VERSION}\n")
    );
    std::fs::create_dir(p("prompts")).unwrap();
    std::fs::write(p("prompts/hello.txt"), b"hello\n").unwrap();
    for args in [
        &["key", "generate", "--no-password", "--out", "k"][..],
        &[
            "pack",
            "sign",
            "prompts",
            "--key",
            "k.key",
            "--name",
            "prompts",
            "--version",
            "1.0.0",
        ],
    ] {
        let o = venv_sigil(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }
    let o = venv_sigil(&["pack", "verify", "prompts", "--key", "k.pub"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("prompts 1.0.0"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    std::fs::write(p("prompts/hello.txt"), b"hell0\n").unwrap();
    let o = venv_sigil(&["pack", "verify", "prompts", "--key", "k.pub"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
}

// --- Friction: pack install into a directory that does not exist yet.

#[test]
fn pack_install_makes_missing_parents_and_removes_them_when_refused() {
    let t = tempfile::tempdir().unwrap();
    let p = |rel: &str| t.path().join(rel);
    let run = |args: &[&str]| {
        sigil()
            .args(args)
            .current_dir(t.path())
            .env("HOME", t.path())
            .env("SIGIL_AUDIT_DB", p("audit.db"))
            .output()
            .unwrap()
    };
    std::fs::create_dir(p("prompts")).unwrap();
    std::fs::write(p("prompts/hello.txt"), b"hello\n").unwrap();
    for args in [
        &["key", "generate", "--no-password", "--out", "k"][..],
        &[
            "pack",
            "sign",
            "prompts",
            "--key",
            "k.key",
            "--name",
            "prompts",
            "--version",
            "1.0.0",
        ],
        &["pack", "archive", "prompts", "-o", "prompts-1.0.0.tar.gz"],
        &["sign", "--key", "k.key", "prompts-1.0.0.tar.gz"],
    ] {
        let o = run(args);
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
    }
    let o = run(&[
        "pack",
        "install",
        "prompts-1.0.0.tar.gz",
        "--key",
        "k.pub",
        "--to",
        "a/b/c",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(support::read(p("a/b/c/hello.txt")), "hello\n");

    // Refused (one flipped byte): the directories it made are gone again.
    let mut bytes = std::fs::read(p("prompts-1.0.0.tar.gz")).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(p("prompts-1.0.0.tar.gz"), bytes).unwrap();
    let o = run(&[
        "pack",
        "install",
        "prompts-1.0.0.tar.gz",
        "--key",
        "k.pub",
        "--to",
        "x/y/z",
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!p("x").exists(), "x/ was left behind");

    // A regular file where a parent must be is refused before anything is made.
    std::fs::write(p("file"), b"").unwrap();
    let o = run(&[
        "pack",
        "install",
        "prompts-1.0.0.tar.gz",
        "--key",
        "k.pub",
        "--to",
        "file/sub/pack",
    ]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(
            "file/sub/pack: destination must name a directory whose parents are directories"
        ),
        "{}",
        stderr(&o)
    );
}
