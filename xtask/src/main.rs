//! sigil's own automation, run as `cargo xtask <task>`:
//!
//! - `test`: installs what the tests need (Debian's minisign, a Python venv from
//!   `tests/requirements.txt`, cargo tools) and runs every test with interop required.
//! - `demo`: sigil's main job end to end: keys, a signed artifact and `SHA256SUMS`,
//!   verification, then a tampered byte that must be rejected.
//! - `release`: sigil released with sigil: deterministic archive, SHA256SUMS, SBOM, provenance,
//!   all signed and verified against `policies/release.toml`; `--check` proves reproducibility
//!   and that a flipped byte anywhere in dist/ fails verification.
//! - `bench`: sigil against the reference tools in one run, with ratios and peak memory.
//! - `fuzz`: every fuzz target for a given time.
//! - `lint`: `cargo fmt --check` and `cargo clippy --all-targets -D warnings`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod bench;
mod demo;
mod release;
mod tools;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _, Result};

const USAGE: &str = "usage: cargo xtask <test|demo|release|bench|fuzz|lint> [args]
  test [-- CARGO_TEST_ARGS]   install test tools, then run every test (interop required)
  demo                        sign, checksum, verify and reject a tampered artifact
  release [--key K] [--out D] [--check]  build, pack, sign, attest and verify dist/ (see --help)
  bench [--size-mib N]        sigil vs openssl/sha256sum/minisign/sigstore-python
  fuzz [--seconds N] [TARGET] run fuzz targets (nightly toolchain, cargo-fuzz)
  lint                        cargo fmt --check and cargo clippy -D warnings";

fn main() {
    if let Err(e) = run() {
        eprintln!("xtask: error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((task, rest)) = args.split_first() else {
        println!("{USAGE}");
        bail!("no task given");
    };
    match task.as_str() {
        "test" => test(rest),
        "demo" => demo::run(),
        "bench" => bench::run(rest),
        "release" => release::run(rest),
        "fuzz" => fuzz(rest),
        "lint" => lint(),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown task {other:?}\n{USAGE}"),
    }
}

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The cargo target directory (honours `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// Runs a command, failing with its name when it fails.
pub fn run_cmd(cmd: &mut Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    let status = cmd.status().with_context(|| format!("starting {shown}"))?;
    if !status.success() {
        bail!("{shown} failed with {status}");
    }
    Ok(())
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(root());
    c
}

fn test(rest: &[String]) -> Result<()> {
    tools::ensure_all()?;
    let extra: Vec<&String> = rest.iter().skip_while(|a| *a != "--").skip(1).collect();
    println!("xtask: running every test with reference tools required (SIGIL_INTEROP=1)");
    let mut c = cargo();
    c.args(["test", "--workspace", "--locked"])
        .env("SIGIL_INTEROP", "1")
        .env("SIGIL_VENV", tools::venv_dir())
        .env("PATH", tools::path_with_venv()?);
    if !extra.is_empty() {
        c.arg("--").args(extra);
    }
    run_cmd(&mut c)
}

fn lint() -> Result<()> {
    run_cmd(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run_cmd(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--locked",
        "--",
        "-D",
        "warnings",
    ]))
}

fn fuzz(rest: &[String]) -> Result<()> {
    let mut seconds = 60u64;
    let mut only = None;
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--seconds" => seconds = it.next().context("--seconds needs a value")?.parse()?,
            t => only = Some(t.to_owned()),
        }
    }
    let fuzz_dir = root().join("fuzz");
    let list = Command::new("cargo")
        .args(["+nightly", "fuzz", "list"])
        .current_dir(&fuzz_dir)
        .output()?;
    if !list.status.success() {
        bail!("`cargo +nightly fuzz list` failed: install cargo-fuzz and the nightly toolchain");
    }
    let targets: Vec<String> = String::from_utf8_lossy(&list.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    for t in targets
        .iter()
        .filter(|t| only.as_ref().is_none_or(|o| o == *t))
    {
        println!("xtask: fuzzing {t} for {seconds}s");
        let corpus = fuzz_dir.join("corpus").join(t);
        std::fs::create_dir_all(&corpus)?;
        run_cmd(
            Command::new("cargo")
                .args(["+nightly", "fuzz", "run", t])
                .arg(&corpus)
                .arg("--")
                .arg(format!("-max_total_time={seconds}"))
                .current_dir(&fuzz_dir),
        )?;
    }
    Ok(())
}
