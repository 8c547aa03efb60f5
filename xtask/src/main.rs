//! sigil's own automation, run as `cargo xtask <task>`:
//!
//! - `test`: installs what the tests need (Debian's minisign, a Python venv from
//!   `tests/requirements.txt`, cargo tools) and runs every test with interop required, then
//!   (unless given test arguments) the TUF conformance suite.
//! - `demo`: sigil's main job end to end: keys, a signed artifact and `SHA256SUMS`,
//!   verification, then a tampered byte that must be rejected.
//! - `release`: sigil released with sigil: deterministic archive, SHA256SUMS, SBOM, provenance,
//!   all signed and verified against `policies/release.toml`; `--check` proves reproducibility
//!   and that a flipped byte anywhere in dist/ fails verification.
//! - `bench`: sigil against the reference tools in one run, with ratios and peak memory.
//! - `fuzz`: every fuzz target for a given time.
//! - `tuf-conformance`: the TUF client conformance suite against sigil, in a venv of its own.
//! - `lint`: `cargo fmt --check` and `cargo clippy --all-targets -D warnings`.
//! - `wheel`: the Python wheel around an already-built sigil binary (the release's by default).
//! - `completions`: shell completions and man pages from the clap definitions into `share/`.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod advgen;
mod bench;
mod bench_bundles;
mod demo;
mod installer;
mod release;
mod scale;
mod sigstore_local;
mod tools;
mod tuf_conformance;
mod wheel;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use anyhow::{bail, Context as _, Result};

const USAGE: &str = "usage: cargo xtask <test|demo|release|wheel|completions|bench|fuzz|lint|root|sigstore-local|tuf-conformance> [args]
  test [-- CARGO_TEST_ARGS]   install test tools, run every test (interop required), then tuf-conformance
  demo                        sign, checksum, verify and reject a tampered artifact
  release [--key K] [--out D] [--check]  build, pack, sign, attest and verify dist/ (see --help)
  wheel [--binary B] [--target T] [--out D]  Python wheel around a built sigil (default: the release build)
  completions                 shell completions and man pages from the CLI into share/
  bench [--size-mib N]        sigil vs openssl/sha256sum/minisign/sigstore-python/rustsec
        [--case audit|keyless|bundles|startup] only the named case(s) (--only is an alias)
        [--scale]             each scaled command at three sizes, 10x apart
  fuzz [--seconds N] [TARGET] run fuzz targets (nightly toolchain, cargo-fuzz)
  lint                        cargo fmt --check and cargo clippy -D warnings
  sigstore-local [--dir D] [--port P]  serve OIDC/Fulcio/Rekor/TSA on 127.0.0.1 for keyless tries
  tuf-conformance [PYTEST_ARGS]  the TUF conformance suite against `sigil trust conformance-client`
  root                        print the checkout every task acts on (found from the current directory)";

/// `cargo build` arguments of the release binary (wheel, bench and release build the same one).
pub const BUILD_RELEASE_SIGIL: &[&str] = &[
    "build",
    "--release",
    "--locked",
    "--package",
    "sigil",
    "--bin",
    "sigil",
];

fn main() {
    if let Err(e) = run() {
        eprintln!("xtask: error: {e:#}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let here = std::env::current_dir().context("reading the current directory")?;
    let found = find_root(&here)?;
    ROOT.get_or_init(|| found);
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
        "wheel" => wheel_task(rest),
        "completions" => completions(),
        "fuzz" => fuzz(rest),
        "lint" => lint(),
        "sigstore-local" => sigstore_local::run(rest),
        "tuf-conformance" => tuf_conformance::run(rest),
        "root" => {
            println!("{}", root().display());
            Ok(())
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown task {other:?}\n{USAGE}"),
    }
}

/// The checkout every task acts on, found at run time by [`find_root`] (never the path the
/// binary was compiled in: two checkouts sharing one `CARGO_TARGET_DIR` share one
/// `target/debug/xtask`, and cargo does not rebuild it when the other checkout's copy is fresh).
static ROOT: OnceLock<PathBuf> = OnceLock::new();

/// The workspace root of the sigil checkout the task was started in.
pub fn root() -> PathBuf {
    // Invariant: `run` sets ROOT before any task runs, and every caller is inside a task.
    ROOT.get()
        .cloned()
        .expect("the checkout root is found before any task runs")
}

/// The nearest directory at or above `start` whose `Cargo.toml` is sigil's workspace manifest
/// (a `[workspace]` table and the root package `sigil`).
pub fn find_root(start: &Path) -> Result<PathBuf> {
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        if is_sigil_workspace(&text) {
            return Ok(dir.to_path_buf());
        }
    }
    bail!(
        "{} is not inside a sigil checkout (no Cargo.toml with [workspace] and package \"sigil\" \
         here or above); run cargo xtask from the checkout you mean to act on",
        start.display()
    )
}

fn is_sigil_workspace(manifest: &str) -> bool {
    let mut section = "";
    let (mut workspace, mut sigil) = (false, false);
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
            workspace |= line == "[workspace]";
            continue;
        }
        if section == "[package]" {
            let mut kv = line.splitn(2, '=').map(str::trim);
            if kv.next() == Some("name") && kv.next() == Some("\"sigil\"") {
                sigil = true;
            }
        }
    }
    workspace && sigil
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

pub(crate) fn cargo() -> Command {
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
    let filtered = !extra.is_empty();
    if filtered {
        c.arg("--").args(extra);
    }
    run_cmd(&mut c)?;
    // The TUF conformance suite takes about a minute; a filtered run skips it.
    if !filtered {
        tuf_conformance::run(&[])?;
    }
    Ok(())
}

/// `cargo xtask wheel`: wraps a built binary (default: `cargo build --release`, the same build
/// `release` makes) in a wheel; its version is the one the binary reports.
fn wheel_task(rest: &[String]) -> Result<()> {
    let (mut binary, mut target, mut out) = (None, None, None);
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .with_context(|| format!("{a} needs a value"))
        };
        match a.as_str() {
            "--binary" => binary = Some(PathBuf::from(value()?)),
            "--target" => target = Some(value()?),
            "--out" => out = Some(PathBuf::from(value()?)),
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    let binary = match binary {
        Some(b) => b,
        None => {
            run_cmd(cargo().args(BUILD_RELEASE_SIGIL))?;
            target_dir().join("release/sigil")
        }
    };
    let reported = release::output(Command::new(&binary).arg("--version"))?;
    let version = reported
        .strip_prefix("sigil ")
        .with_context(|| format!("{} --version printed {reported:?}", binary.display()))?;
    let target = match target {
        Some(t) => t,
        None => release::host_target()?,
    };
    let out = out.unwrap_or_else(|| target_dir().join("wheels"));
    std::fs::create_dir_all(&out)?;
    let path = wheel::build(&wheel::Spec {
        version,
        target: &target,
        binary: &binary,
        license: &root().join("LICENSE"),
        out_dir: &out,
    })?;
    println!("{}", path.display());
    Ok(())
}

/// `cargo xtask completions`: `sigil generate share` with the debug build, replacing
/// `share/completions` and `share/man` (a removed subcommand's page goes too).
fn completions() -> Result<()> {
    let share = root().join("share");
    for d in ["completions", "man"] {
        let _ = std::fs::remove_dir_all(share.join(d));
    }
    run_cmd(
        cargo()
            .args([
                "run",
                "--quiet",
                "--locked",
                "--package",
                "sigil",
                "--bin",
                "sigil",
                "--",
                "generate",
            ])
            .arg(&share),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    const SIGIL_MANIFEST: &str =
        "[package]\nname = \"sigil\"\nversion = \"0.1.0\"\n\n[workspace]\nmembers = [\"xtask\"]\n";

    #[test]
    fn root_is_found_from_a_subdirectory_and_refused_outside_a_checkout() {
        let t = tempfile::tempdir().unwrap();
        let ws = t.path().join("ws");
        std::fs::create_dir_all(ws.join("crates/core/src")).unwrap();
        std::fs::write(ws.join("Cargo.toml"), SIGIL_MANIFEST).unwrap();
        std::fs::write(
            ws.join("crates/core/Cargo.toml"),
            "[package]\nname = \"sigil-core\"\n",
        )
        .unwrap();
        assert_eq!(find_root(&ws).unwrap(), ws);
        assert_eq!(find_root(&ws.join("crates/core/src")).unwrap(), ws);

        let other = t.path().join("other");
        std::fs::create_dir_all(&other).unwrap();
        std::fs::write(
            other.join("Cargo.toml"),
            "[package]\nname = \"widget\"\n[workspace]\n",
        )
        .unwrap();
        let err = find_root(&other).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "{} is not inside a sigil checkout (no Cargo.toml with [workspace] and package \"sigil\" \
                 here or above); run cargo xtask from the checkout you mean to act on",
                other.display()
            )
        );
    }

    #[test]
    fn a_member_manifest_or_a_dependency_named_sigil_is_not_the_workspace() {
        assert!(is_sigil_workspace(SIGIL_MANIFEST));
        assert!(!is_sigil_workspace("[package]\nname = \"sigil\"\n"));
        assert!(!is_sigil_workspace(
            "[package]\nname = \"x\"\n[dependencies]\nname = \"sigil\"\n[workspace]\n"
        ));
    }

    /// Two copies of this checkout share one target directory, so they share one
    /// `target/debug/xtask`. Each copy's `cargo xtask root` must name its own tree, in the order
    /// A, B, A, and A must keep working after B is deleted. (Before the root was found at run
    /// time, the third run acted on B, or failed once B was gone.)
    #[test]
    fn each_checkout_sharing_a_target_dir_acts_on_its_own_tree() {
        let here = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf();
        let listed = Command::new("git")
            .args(["ls-files", "-z"])
            .current_dir(&here)
            .output()
            .expect("git runs");
        assert!(
            listed.status.success(),
            "this test copies the checkout's tracked files: {}",
            String::from_utf8_lossy(&listed.stderr)
        );
        let t = tempfile::tempdir().unwrap();
        let copy = |name: &str| -> PathBuf {
            let dst = t.path().join(name);
            for rel in listed.stdout.split(|b| *b == 0).filter(|r| !r.is_empty()) {
                let rel = Path::new(std::str::from_utf8(rel).unwrap());
                let from = here.join(rel);
                if !from.is_file() {
                    continue;
                }
                let to = dst.join(rel);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::copy(&from, &to).unwrap();
            }
            dst.canonicalize().unwrap()
        };
        let (a, b) = (copy("a"), copy("b"));
        // Kept between runs (inside the real target dir) so only the first run builds xtask.
        let shared = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| here.join("target"))
            .join("xtask-shared-target-test");
        let xtask_root = |dir: &Path| -> String {
            let out = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
                .args(["xtask", "root"])
                .current_dir(dir)
                .env("CARGO_TARGET_DIR", &shared)
                .env("CARGO_NET_OFFLINE", "true")
                .env_remove("CARGO_MANIFEST_DIR")
                .output()
                .expect("cargo runs");
            assert!(
                out.status.success(),
                "cargo xtask root in {} failed: {}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout).unwrap().trim().to_owned()
        };
        let show = |p: &Path| p.display().to_string();
        assert_eq!(xtask_root(&a), show(&a));
        assert_eq!(xtask_root(&b), show(&b));
        assert_eq!(xtask_root(&a), show(&a));
        assert_eq!(xtask_root(&a.join("crates/core/src")), show(&a));
        std::fs::remove_dir_all(&b).unwrap();
        assert_eq!(xtask_root(&a), show(&a));
    }
}
