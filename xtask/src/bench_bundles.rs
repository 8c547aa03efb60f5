//! `cargo xtask bench --case bundles`: `sigil verify --bundle-dir` of 10, 100 and 1,000
//! keyless bundles in one call each, against separate `sigstore verify identity --offline`
//! runs of sigstore-python (a sample, stated per bundle), with the growth per 10x.
//! `cargo xtask bench --case startup`: `sigil --version` and `sigil verify` of a tiny file
//! against `minisign -V` of the same file, median of many runs.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context as _, Result};

use crate::bench::{measure, Row};
use crate::scale::ScaleRow;

/// The identity and issuer the local Sigstore's token stands for (its default).
const ID: &str = "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1.0.0";
const GHA: &str = "https://token.actions.githubusercontent.com";
/// Bundle counts measured, each 10x the last.
const SIZES: [usize; 3] = [10, 100, 1_000];
/// sigstore-python verifications run one by one (one process each).
const SAMPLE: usize = 20;

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

/// `bundles-1000/` with 1,000 small assets and their keyless bundles, signed in one
/// `sigil sign --keyless` call against the local Sigstore; its trust files are kept beside
/// (the local instance's keys are new every start). Smaller sizes are copies of the first N.
fn prepare(dir: &Path, sig: &str) -> Result<()> {
    let top = SIZES[SIZES.len() - 1];
    let done = dir.join("bundles.complete");
    if done.exists() {
        return Ok(());
    }
    for n in SIZES {
        let _ = std::fs::remove_dir_all(dir.join(format!("bundles-{n}")));
    }
    let full = dir.join(format!("bundles-{top}"));
    std::fs::create_dir_all(&full)?;
    let names: Vec<String> = (0..top).map(|i| format!("asset-{i:04}.bin")).collect();
    for (i, n) in names.iter().enumerate() {
        std::fs::write(full.join(n), format!("release asset {i}\n").repeat(64))?;
    }
    println!("xtask bench: signing {top} assets keyless against the local Sigstore");
    let local = crate::sigstore_local::start(&dir.join("bundles-local"), &[])?;
    // One certificate serves a whole `sign --keyless` call and lives ten minutes: sign in
    // chunks, so a slow machine never outlives it.
    for chunk in names.chunks(100) {
        crate::run_cmd(
            Command::new(sig)
                .args(["sign", "--keyless", "--force", "--insecure-allow-http"])
                .arg("--signing-config")
                .arg(local.signing_config())
                .arg("--trusted-root")
                .arg(local.trusted_root())
                .arg("--identity-token")
                .arg(format!("@{}", local.token_file().display()))
                .args(chunk)
                .current_dir(&full)
                .stdout(Stdio::null()),
        )?;
    }
    std::fs::copy(local.trusted_root(), dir.join("bundles-trusted_root.json"))?;
    std::fs::copy(local.trust_config(), dir.join("bundles-trust_config.json"))?;
    drop(local);
    for n in &SIZES[..SIZES.len() - 1] {
        let d = dir.join(format!("bundles-{n}"));
        std::fs::create_dir_all(&d)?;
        for name in &names[..*n] {
            let bundle = format!("{name}.sigstore.json");
            std::fs::copy(full.join(name), d.join(name))?;
            std::fs::copy(full.join(&bundle), d.join(&bundle))?;
        }
    }
    std::fs::write(done, b"")?;
    Ok(())
}

/// The bundles case: one row, three sizes, with sigstore-python's per-bundle time (from
/// `SAMPLE` separate runs) times the size as the reference.
pub fn bench_bundles(dir: &Path, sig: &str) -> Result<Vec<ScaleRow>> {
    let sigstore = crate::tools::venv_dir().join("bin/sigstore");
    if !sigstore.exists() {
        bail!(
            "{} is missing: run `cargo xtask test` first to install sigstore-python",
            sigstore.display()
        );
    }
    prepare(dir, sig)?;
    let root = dir.join("bundles-trusted_root.json").display().to_string();
    let tc = dir.join("bundles-trust_config.json").display().to_string();
    // sigstore-python, one process per bundle, as a mirror without batch verification runs it.
    let mut script = String::from("set -e\n");
    for i in 0..SAMPLE {
        let a = format!("bundles-{}/asset-{i:04}.bin", SIZES[2]);
        script.push_str(&format!(
            "{} --trust-config {tc} verify identity --offline --bundle {a}.sigstore.json --cert-identity {ID} --cert-oidc-issuer {GHA} {a}\n",
            sigstore.display()
        ));
    }
    println!("xtask bench: sigstore-python, {SAMPLE} separate verifications");
    let (t_py, _) = measure(dir, &strs(&["sh", "-c", &script]))?;
    let per_py = t_py / SAMPLE as f64;
    // sigil, also one process per bundle, for the cost of a process.
    let mut script = String::from("set -e\n");
    for i in 0..SAMPLE {
        let a = format!("bundles-{}/asset-{i:04}.bin", SIZES[2]);
        script.push_str(&format!(
            "{sig} verify --bundle {a}.sigstore.json --trusted-root {root} --certificate-identity {ID} --certificate-oidc-issuer {GHA} {a} >/dev/null\n"
        ));
    }
    let (t_one, _) = measure(dir, &strs(&["sh", "-c", &script]))?;
    println!(
        "xtask bench: per bundle, one process each: sigstore-python {:.1} ms, sigil {:.1} ms ({SAMPLE} sampled)",
        per_py * 1e3,
        t_one / SAMPLE as f64 * 1e3
    );
    let mut points = Vec::new();
    for n in SIZES {
        println!("xtask bench: sigil verify --bundle-dir of {n} bundles");
        let argv = strs(&[
            sig,
            "verify",
            "--bundle-dir",
            &format!("bundles-{n}"),
            "--trusted-root",
            &root,
            "--certificate-identity",
            ID,
            "--certificate-oidc-issuer",
            GHA,
        ]);
        let (t, rss) = measure(dir, &argv)?;
        points.push((
            format!("{n} bundles"),
            n as u64,
            t,
            rss,
            Some(per_py * n as f64),
        ));
        println!(
            "xtask bench: {n} bundles in one call: {:.2} ms per bundle, {:.3}x sigstore-python's per bundle (goal 0.02x)",
            t / n as f64 * 1e3,
            (t / n as f64) / per_py
        );
    }
    Ok(vec![ScaleRow {
        name: "verify --bundle-dir".to_owned(),
        points,
        reference: Some(format!("sigstore-python x N ({SAMPLE} run)")),
    }])
}

/// Median wall time of `runs` runs of `argv` (stdout and stderr to /dev/null; exit 0 needed).
fn median(dir: &Path, argv: &[String], runs: usize) -> Result<f64> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        let st = Command::new(&argv[0])
            .args(&argv[1..])
            .current_dir(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .with_context(|| format!("running {}", argv[0]))?;
        times.push(t.elapsed().as_secs_f64());
        if !st.success() {
            bail!("{} failed: {st}", argv.join(" "));
        }
    }
    times.sort_by(f64::total_cmp);
    Ok(times[runs / 2])
}

/// The start-up case: `sigil --version` and `sigil verify` of a 6-byte file, against
/// `minisign -V` of the same file and signature; median of `RUNS` runs each, spawned from here
/// (the spawn is in every time alike).
pub fn bench_startup(dir: &Path, sig: &str) -> Result<Vec<Row>> {
    const RUNS: usize = 301;
    crate::scale::ensure_key(dir)?;
    let minisign = crate::demo::which("minisign").context("minisign is needed")?;
    let m = minisign.display().to_string();
    std::fs::write(dir.join("tiny.txt"), b"hello\n")?;
    crate::run_cmd(
        Command::new(&minisign)
            .args(["-S", "-s", "bench.key", "-m", "tiny.txt"])
            .current_dir(dir)
            .stdout(Stdio::null()),
    )?;
    let verify_ref = strs(&[&m, "-V", "-q", "-p", "bench.pub", "-m", "tiny.txt"]);
    println!("xtask bench: start-up, median of {RUNS} runs each");
    let t_ref = median(dir, &verify_ref, RUNS)?;
    let mut rows = Vec::new();
    for (name, argv) in [
        ("sigil --version", strs(&[sig, "--version"])),
        (
            "verify (6 B, minisign sig)",
            strs(&[sig, "verify", "-k", "bench.pub", "tiny.txt"]),
        ),
    ] {
        let t = median(dir, &argv, RUNS)?;
        let (_, rss) = measure(dir, &argv)?;
        rows.push(Row {
            name: name.to_owned(),
            sigil: t,
            sigil_rss: rss,
            reference: "minisign -V (median)".to_owned(),
            reference_time: t_ref,
            goal: 1.0,
        });
    }
    Ok(rows)
}
