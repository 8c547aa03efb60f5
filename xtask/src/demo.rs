//! `cargo xtask demo`: sigil's main job end to end, on a throwaway key under
//! `target/demo/`. Every step checks its exit code; the tampered artifact must be refused.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _, Result};

use crate::{root, run_cmd, target_dir};

/// Builds the sigil binary (debug, like the tests) and returns its path.
pub fn build_sigil(release: bool) -> Result<PathBuf> {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(root()).args([
        "build",
        "--locked",
        "--quiet",
        "--package",
        "sigil",
        "--bin",
        "sigil",
    ]);
    if release {
        c.arg("--release");
    }
    run_cmd(&mut c)?;
    Ok(target_dir()
        .join(if release { "release" } else { "debug" })
        .join("sigil"))
}

fn step(n: u32, what: &str) {
    println!("\n== {n}. {what}");
}

/// Runs sigil, echoing the command, and checks the exit code.
fn sigil(bin: &Path, dir: &Path, args: &[&str], expect: i32) -> Result<()> {
    println!("$ sigil {}", args.join(" "));
    let status = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("SIGIL_PASSWORD", "demo password, not a secret")
        .env("NO_COLOR", "1")
        .status()
        .context("running sigil")?;
    match status.code() {
        Some(c) if c == expect => Ok(()),
        other => bail!(
            "`sigil {}` exited with {other:?}, expected {expect}",
            args.join(" ")
        ),
    }
}

/// The demo.
pub fn run() -> Result<()> {
    let bin = build_sigil(false)?;
    let dir = target_dir().join("demo");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(dir.join("dist"))?;
    println!("xtask demo: working in {}", dir.display());

    step(
        1,
        "generate a release key pair (secret key encrypted with SIGIL_PASSWORD, created 0600)",
    );
    sigil(&bin, &dir, &["key", "generate", "--out", "release"], 0)?;

    step(2, "build an artifact, list it in SHA256SUMS, sign both");
    std::fs::write(
        dir.join("dist/widget-1.0.0-x86_64-linux.tar.gz"),
        b"pretend this is a release archive\n",
    )?;
    std::fs::write(
        dir.join("dist/widget-1.0.0.tar.gz"),
        b"pretend this is the source archive\n",
    )?;
    sigil(
        &bin,
        &dir,
        &[
            "sums",
            "create",
            "dist/widget-1.0.0-x86_64-linux.tar.gz",
            "dist/widget-1.0.0.tar.gz",
            "-o",
            "dist/SHA256SUMS",
        ],
        0,
    )?;
    sigil(
        &bin,
        &dir,
        &[
            "sign",
            "--key",
            "release.key",
            "dist/SHA256SUMS",
            "dist/widget-1.0.0-x86_64-linux.tar.gz",
        ],
        0,
    )?;

    step(3, "verify as a user would, before installing anything");
    verify_both(&bin, &dir, 0)?;
    if let Some(minisign) = which("minisign") {
        println!("$ minisign -Vm dist/SHA256SUMS -p release.pub   (independent check)");
        run_cmd(
            Command::new(minisign)
                .args(["-Vm", "dist/SHA256SUMS", "-p", "release.pub"])
                .current_dir(&dir),
        )?;
    }
    if let Some(sha256sum) = which("sha256sum") {
        println!("$ sha256sum -c SHA256SUMS   (independent check)");
        run_cmd(
            Command::new(sha256sum)
                .args(["-c", "SHA256SUMS"])
                .current_dir(dir.join("dist")),
        )?;
    }

    step(
        4,
        "tamper with one byte of the artifact: both checks must refuse (exit 1)",
    );
    let artifact = dir.join("dist/widget-1.0.0-x86_64-linux.tar.gz");
    let mut bytes = std::fs::read(&artifact)?;
    bytes[0] ^= 1;
    std::fs::write(&artifact, bytes)?;
    verify_both(&bin, &dir, 1)?;

    println!("\nxtask demo: OK (the tampered artifact was rejected, as it must be)");
    Ok(())
}

/// A program on PATH.
pub fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    })
}

/// `sigil verify` of the artifact and `sigil sums verify` of the list, each expecting `code`.
fn verify_both(bin: &Path, dir: &Path, code: i32) -> Result<()> {
    let artifact = "dist/widget-1.0.0-x86_64-linux.tar.gz";
    sigil(
        bin,
        dir,
        &["verify", "--key", "release.pub", artifact],
        code,
    )?;
    sigil(
        bin,
        dir,
        &["sums", "verify", "dist/SHA256SUMS", "--key", "release.pub"],
        code,
    )
}
