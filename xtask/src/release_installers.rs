//! `release --check`: the release's own installers, run against the release just made.
//!
//! `dist/install.sh` and the GitHub Action's install step (`.github/actions/install-sigil.sh`)
//! each install from a copy of dist/ served on 127.0.0.1: the good release installs and runs;
//! a copy whose archive has one flipped byte installs nothing; and the Action refuses a release
//! whose signature is not by the key it carries. tests/it/adoption.rs covers every failure mode
//! on a small fake release; this proves the same scripts on the real one.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{ensure, Context as _, Result};

use crate::demo::which;
use crate::root;

/// Serves the files of `dir` (by base name only) on 127.0.0.1 until the process ends.
fn serve(dir: &Path) -> Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let url = format!("http://{}", listener.local_addr()?);
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut line = String::new();
            let mut reader = BufReader::new(&s);
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            // Read the headers to their end, so the client is not cut off mid-request.
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let name = line
                .split_whitespace()
                .nth(1)
                .and_then(|p| p.rsplit('/').next())
                .unwrap_or("")
                .to_owned();
            let file = if name.is_empty() || name.starts_with('.') {
                None
            } else {
                std::fs::read(dir.join(&name)).ok()
            };
            let _ = match file {
                Some(body) => s
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .and_then(|()| s.write_all(&body)),
                None => s.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                ),
            };
            let _ = s.shutdown(std::net::Shutdown::Write);
            let mut rest = [0u8; 512];
            let _ = s.read(&mut rest);
        }
    });
    Ok(url)
}

/// Runs `cmd`, printing its stderr indented; returns its exit code.
fn code(cmd: &mut Command) -> Result<i32> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    for line in String::from_utf8_lossy(&out.stderr).lines() {
        println!("    | {line}");
    }
    Ok(out.status.code().unwrap_or(-1))
}

/// The shell the installers are run with: dash when present (the strictest POSIX sh here).
fn shell() -> PathBuf {
    which("dash").unwrap_or_else(|| PathBuf::from("sh"))
}

/// Runs both installers against `dist` (the release just made by `sigil`, signed by `public`).
pub(super) fn check(
    sigil: &Path,
    dist: &Path,
    work: &Path,
    archive: &str,
    version: &str,
    public: &Path,
) -> Result<()> {
    let _ = std::fs::remove_dir_all(work);
    std::fs::create_dir_all(work)?;
    // The tampered copy: one flipped byte in the middle of the archive.
    let bad = work.join("tampered-dist");
    std::fs::create_dir_all(&bad)?;
    for e in std::fs::read_dir(dist)? {
        let p = e?.path();
        if p.is_file() {
            std::fs::copy(&p, bad.join(p.file_name().context("file name")?))?;
        }
    }
    let mut bytes = std::fs::read(bad.join(archive))?;
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(bad.join(archive), bytes)?;
    let (good_url, bad_url) = (serve(dist)?, serve(&bad)?);
    let sums = std::fs::read_to_string(dist.join("SHA256SUMS"))?;
    let sha = sums
        .lines()
        .find_map(|l| {
            l.strip_suffix(archive)
                .map(|h| h.trim().trim_end_matches('*').trim().to_owned())
        })
        .with_context(|| format!("SHA256SUMS does not list {archive}"))?;
    let target = archive
        .strip_prefix(&format!("sigil-{version}-"))
        .and_then(|t| t.strip_suffix(".tar.gz"))
        .context("archive name")?;

    // install.sh, as users run it.
    let install = |url: &str, to: &Path| -> Result<i32> {
        code(
            Command::new(shell())
                .arg(dist.join("install.sh"))
                .args(["--base-url", url, "--to"])
                .arg(to),
        )
    };
    let to = work.join("install-sh-good");
    ensure!(
        install(&good_url, &to)? == 0,
        "install.sh refused the release it came with"
    );
    let v = Command::new(to.join("sigil")).arg("--version").output()?;
    let printed = String::from_utf8_lossy(&v.stdout).trim().to_owned();
    ensure!(
        printed.contains(version),
        "the installed sigil printed {printed:?}"
    );
    println!("  install.sh: the release installs, and the installed sigil prints {printed:?}");
    let to = work.join("install-sh-tampered");
    let c = install(&bad_url, &to)?;
    ensure!(
        c == 1 && !to.join("sigil").exists(),
        "install.sh with a tampered archive: exit {c}, installed: {}",
        to.join("sigil").exists()
    );
    println!("  install.sh: a flipped byte in the archive is refused (exit 1), nothing installed");

    // The Action's install step, with the release's SHA-256 pinned as action.yml pins it.
    let action = |url: &str, key: &Path, name: &str| -> Result<(i32, PathBuf)> {
        let home = work.join(name);
        std::fs::create_dir_all(home.join("keys"))?;
        std::fs::copy(key, home.join("keys/release.pub"))?;
        let temp = home.join("runner-temp");
        std::fs::create_dir_all(&temp)?;
        let c = code(
            Command::new(shell())
                .arg(root().join(".github/actions/install-sigil.sh"))
                .env("SIGIL_PINNED_VERSION", version)
                .env("SIGIL_PINNED_SHA256", format!("{target}={sha}"))
                .env("INPUT_BASE_URL", url)
                .env("GITHUB_ACTION_PATH", &home)
                .env("RUNNER_TEMP", &temp)
                .env_remove("INPUT_VERSION")
                .env_remove("INPUT_SHA256")
                .env_remove("GITHUB_PATH")
                .env_remove("GITHUB_OUTPUT"),
        )?;
        Ok((c, temp.join("sigil-action/bin/sigil")))
    };
    let (c, bin) = action(&good_url, public, "action-good")?;
    ensure!(
        c == 0 && bin.is_file(),
        "the Action's install step refused the release: exit {c}"
    );
    let (c, bin) = action(&bad_url, public, "action-tampered")?;
    ensure!(
        c != 0 && !bin.exists(),
        "the Action installed a tampered archive (exit {c})"
    );
    // A key of its own that did not sign this release.
    let other = work.join("other");
    let made = Command::new(sigil)
        .args(["key", "generate", "--no-password", "--out"])
        .arg(&other)
        .output()?;
    ensure!(made.status.success(), "sigil key generate failed");
    let (c, bin) = action(&good_url, &other.with_extension("pub"), "action-other-key")?;
    ensure!(
        c != 0 && !bin.exists(),
        "the Action installed a release signed by another key than its own (exit {c})"
    );
    println!(
        "  the Action's install step: the release installs; a tampered archive and a release signed by another key are refused"
    );
    Ok(())
}
