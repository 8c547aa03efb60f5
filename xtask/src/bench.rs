//! `cargo xtask bench`: sigil and the reference tools side by side, in one run, on the same
//! inputs, with warm caches. Each command runs `RUNS` times; the fastest wall time counts.
//! Peak RSS comes from `getrusage(RUSAGE_CHILDREN)` in a tiny Python wrapper, so no extra
//! tool is needed. Goals are printed beside the ratios; nothing here fails on a missed goal.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, Context as _, Result};

use crate::demo::{build_sigil, which};
use crate::target_dir;

/// Runs per command; the fastest counts.
pub const RUNS: usize = 3;

/// [`RUNS`], or `SIGIL_BENCH_RUNS` (at least 1) for long runs such as a million-file pack.
pub fn runs() -> usize {
    std::env::var("SIGIL_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(RUNS)
}

/// Runs a command once and returns (wall seconds, peak RSS in KiB).
const MEASURE: &str = r#"
import resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - t
if r.returncode != 0:
    sys.exit("command failed with %d: %s" % (r.returncode, " ".join(sys.argv[1:])))
print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"#;

/// Best-of-`RUNS` wall time and the peak RSS of that tool.
pub fn measure(dir: &Path, argv: &[String]) -> Result<(f64, u64)> {
    measure_after(dir, None, argv)
}

/// [`measure`], running the shell command `prepare` (untimed) before each run, then `sync`, so
/// that removing a previous output tree and the disk's writeback of it are not in the time.
pub fn measure_after(dir: &Path, prepare: Option<&str>, argv: &[String]) -> Result<(f64, u64)> {
    let mut best = f64::INFINITY;
    let mut rss = 0;
    for _ in 0..runs() {
        if let Some(sh) = prepare {
            crate::run_cmd(
                Command::new("sh")
                    .arg("-c")
                    .arg(format!("{sh} && sync"))
                    .current_dir(dir),
            )?;
        }
        let out = Command::new("python3")
            .arg("-c")
            .arg(MEASURE)
            .args(argv)
            .current_dir(dir)
            .output()
            .context("running python3 to time a command")?;
        if !out.status.success() {
            bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
        }
        let s = String::from_utf8_lossy(&out.stdout);
        let mut it = s.split_whitespace();
        let wall: f64 = it.next().context("no time")?.parse()?;
        let kib: u64 = it.next().context("no rss")?.parse()?;
        best = best.min(wall);
        rss = rss.max(kib);
    }
    Ok((best, rss))
}

/// One comparison row.
pub struct Row {
    /// What is compared.
    pub name: String,
    /// sigil's best wall time.
    pub sigil: f64,
    /// sigil's peak RSS (KiB).
    pub sigil_rss: u64,
    /// The reference tool.
    pub reference: String,
    /// The reference's best wall time.
    pub reference_time: f64,
    /// The goal for sigil/reference.
    pub goal: f64,
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

/// Times `sigil_argv` against `ref_argv` and adds a row.
pub fn compare(
    rows: &mut Vec<Row>,
    dir: &Path,
    name: &str,
    sigil_argv: Vec<String>,
    reference: &str,
    ref_argv: Vec<String>,
    goal: f64,
) -> Result<()> {
    println!("xtask bench: {name}: sigil vs {reference}");
    let (t_s, rss) = measure(dir, &sigil_argv)?;
    let (t_r, _) = measure(dir, &ref_argv)?;
    rows.push(Row {
        name: name.to_owned(),
        sigil: t_s,
        sigil_rss: rss,
        reference: reference.to_owned(),
        reference_time: t_r,
        goal,
    });
    Ok(())
}

fn make_file(path: &Path, mib: u64) -> Result<()> {
    if path
        .metadata()
        .map(|m| m.len() == mib << 20)
        .unwrap_or(false)
    {
        return Ok(());
    }
    use std::io::Write as _;
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    // Non-constant content (xorshift), so nothing can shortcut zeros.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut block = vec![0u8; 1 << 20];
    for _ in 0..mib {
        for chunk in block.chunks_exact_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            chunk.copy_from_slice(&x.to_le_bytes());
        }
        f.write_all(&block)?;
    }
    f.flush()?;
    Ok(())
}

/// The benchmark.
pub fn run(rest: &[String]) -> Result<()> {
    let mut mib = 1024u64;
    let mut scale = false;
    let mut cases: Vec<String> = Vec::new();
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--size-mib" => mib = it.next().context("--size-mib needs a value")?.parse()?,
            "--scale" => scale = true,
            "--case" | "--only" => cases.push(
                it.next()
                    .context("--case needs a name: audit, keyless, bundles or startup")?
                    .clone(),
            ),
            other => bail!("unknown bench option {other:?}"),
        }
    }
    let sigil = build_sigil(true)?;
    let sig = sigil.display().to_string();
    // `SIGIL_BENCH_DIR` puts the trees elsewhere (a tmpfs, or a disk with room for a
    // million-file pack and its copies).
    let dir = std::env::var_os("SIGIL_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| target_dir().join("bench"));
    std::fs::create_dir_all(&dir)?;
    if scale {
        let rows = crate::scale::run_scale(&dir, &sig, &cases)?;
        crate::scale::print_scale(&rows);
        return Ok(());
    }
    if let Some(other) = cases
        .iter()
        .find(|c| !["audit", "keyless", "bundles", "startup"].contains(&c.as_str()))
    {
        bail!("--case knows audit, keyless, bundles and startup, not {other:?}");
    }
    let big = dir.join("big.bin");
    let mut rows = Vec::new();
    if !cases.is_empty() {
        // Only the named cases.
        if cases.iter().any(|c| c == "audit") {
            crate::scale::bench_audit(&mut rows, &dir, &sig)?;
        }
        if cases.iter().any(|c| c == "keyless") {
            make_file(&big, mib)?;
            bench_keyless(&mut rows, &dir, &sig, mib)?;
        }
        if cases.iter().any(|c| c == "startup") {
            rows.extend(crate::bench_bundles::bench_startup(&dir, &sig)?);
        }
        if cases.iter().any(|c| c == "bundles") {
            crate::scale::print_scale(&crate::bench_bundles::bench_bundles(&dir, &sig)?);
        }
        print_table(&rows);
        return Ok(());
    }
    println!(
        "xtask bench: preparing a {mib} MiB input in {}",
        big.display()
    );
    make_file(&big, mib)?;

    let openssl = which("openssl").context("openssl is needed for the hashing comparison")?;
    compare(
        &mut rows,
        &dir,
        &format!("sums create ({mib} MiB)"),
        s(&[&sig, "sums", "create", "big.bin"]),
        "openssl dgst -sha256",
        vec![
            openssl.display().to_string(),
            "dgst".into(),
            "-sha256".into(),
            "big.bin".into(),
        ],
        1.15,
    )?;
    if let Some(sha256sum) = which("sha256sum") {
        compare(
            &mut rows,
            &dir,
            &format!("sums create ({mib} MiB)"),
            s(&[&sig, "sums", "create", "big.bin"]),
            "sha256sum",
            vec![sha256sum.display().to_string(), "big.bin".into()],
            1.0,
        )?;
    }

    let minisign =
        which("minisign").context("minisign is needed (cargo xtask test installs it)")?;
    let m = minisign.display().to_string();
    // One unencrypted minisign key for both tools, so scrypt is not what is measured.
    // Kept between runs: the pack tree and archive below are signed with it.
    if !dir.join("bench.key").exists() || !dir.join("bench.pub").exists() {
        for f in [
            "bench.key",
            "bench.pub",
            "pack.tar.gz.minisig",
            "pack-tree/.sigil/SHA256SUMS.minisig",
        ] {
            let _ = std::fs::remove_file(dir.join(f));
        }
        crate::run_cmd(
            Command::new(&minisign)
                .args(["-G", "-W", "-p", "bench.pub", "-s", "bench.key"])
                .current_dir(&dir),
        )?;
    }
    compare(
        &mut rows,
        &dir,
        &format!("sign ({mib} MiB)"),
        s(&[
            &sig,
            "sign",
            "--force",
            "-k",
            "bench.key",
            "-t",
            "bench",
            "big.bin",
        ]),
        "minisign -S",
        s(&[
            &m,
            "-S",
            "-s",
            "bench.key",
            "-t",
            "bench",
            "-m",
            "big.bin",
            "-x",
            "big.bin.ref.minisig",
        ]),
        1.0,
    )?;
    compare(
        &mut rows,
        &dir,
        &format!("verify ({mib} MiB)"),
        s(&[&sig, "verify", "-k", "bench.pub", "big.bin"]),
        "minisign -V",
        s(&[
            &m,
            "-V",
            "-p",
            "bench.pub",
            "-m",
            "big.bin",
            "-x",
            "big.bin.ref.minisig",
        ]),
        1.0,
    )?;

    bench_packs(&mut rows, &dir, &sig)?;
    bench_sigstore(&mut rows, &dir, &sig)?;
    bench_keyless(&mut rows, &dir, &sig, mib)?;
    crate::scale::bench_audit(&mut rows, &dir, &sig)?;

    print_table(&rows);
    Ok(())
}

/// Issue 3: `pack verify` on a 20,000-file, 200 MiB tree against `sha256sum -c` of the same
/// manifest, and `pack install` against `tar xzf` of the same archive.
fn bench_packs(rows: &mut Vec<Row>, dir: &Path, sig: &str) -> Result<()> {
    let tree = dir.join("pack-tree");
    let files = 20_000usize;
    if !tree.join(".sigil/SHA256SUMS.minisig").exists() {
        println!("xtask bench: preparing a {files}-file, 200 MiB pack tree");
        if tree.exists() {
            std::fs::remove_dir_all(&tree)?;
        }
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        let mut buf = vec![0u8; 10 * 1024];
        for i in 0..files {
            let sub = tree.join(format!("d{:04}", i / 20));
            if i % 20 == 0 {
                std::fs::create_dir_all(&sub)?;
            }
            for chunk in buf.chunks_exact_mut(8) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // Printable data: packs are text, and the secret scan reads every file.
                for (j, b) in x.to_le_bytes().iter().enumerate() {
                    chunk[j] = b'a' + (b % 26);
                }
            }
            std::fs::write(sub.join(format!("f{i:05}.txt")), &buf)?;
        }
        crate::run_cmd(
            Command::new(sig)
                .args([
                    "pack",
                    "sign",
                    "pack-tree",
                    "--key",
                    "bench.key",
                    "--name",
                    "bench",
                    "--version",
                    "1",
                ])
                .args(["--max-files", "20000"])
                .current_dir(dir),
        )?;
    }
    let sha256sum = which("sha256sum").context("sha256sum is needed for the pack comparison")?;
    compare(
        rows,
        &tree,
        "pack verify (20k files)",
        s(&[
            sig,
            "pack",
            "verify",
            ".",
            "--key",
            "../bench.pub",
            "--max-files",
            "20000",
        ]),
        "sha256sum -c",
        vec![
            sha256sum.display().to_string(),
            "-c".into(),
            "--quiet".into(),
            ".sigil/SHA256SUMS".into(),
        ],
        0.3,
    )?;
    if !dir.join("pack.tar.gz.minisig").exists() {
        crate::run_cmd(
            Command::new(sig)
                .args([
                    "pack",
                    "archive",
                    "pack-tree",
                    "-o",
                    "pack.tar.gz",
                    "--max-files",
                    "20000",
                ])
                .current_dir(dir),
        )?;
        crate::run_cmd(
            Command::new(sig)
                .args(["sign", "--key", "bench.key", "pack.tar.gz"])
                .current_dir(dir),
        )?;
    }
    let install = format!("rm -rf out-sigil && {sig} pack install pack.tar.gz --key bench.pub --to out-sigil --max-files 20000");
    compare(
        rows,
        dir,
        "pack install (20k files)",
        s(&["sh", "-c", &install]),
        "tar xzf",
        s(&[
            "sh",
            "-c",
            "rm -rf out-tar && mkdir out-tar && tar xzf pack.tar.gz -C out-tar",
        ]),
        1.5,
    )?;
    Ok(())
}

/// Issue 4: one bundle verification against sigstore-python's offline verification.
fn bench_sigstore(rows: &mut Vec<Row>, dir: &Path, sig: &str) -> Result<()> {
    let vectors = crate::root().join("../shared/vectors/sigstore");
    if !vectors.join("trusted_root.json").exists() {
        bail!(
            "{} is missing: the Sigstore comparison needs ../shared",
            vectors.display()
        );
    }
    let venv = crate::tools::venv_dir();
    let sigstore = venv.join("bin/sigstore");
    if !sigstore.exists() {
        bail!(
            "{} is missing: run `cargo xtask test` first to install sigstore-python",
            sigstore.display()
        );
    }
    let root = std::fs::read_to_string(vectors.join("trusted_root.json"))?;
    // sigstore-python wants a ClientTrustConfig; its signing config is unused offline.
    let tc = format!(
        r#"{{"mediaType":"application/vnd.dev.sigstore.clienttrustconfig.v0.1+json","trustedRoot":{root},"signingConfig":{{"mediaType":"application/vnd.dev.sigstore.signingconfig.v0.2+json","caUrls":[{{"url":"https://fulcio.sigstore.dev","majorApiVersion":1,"validFor":{{"start":"2022-04-13T20:06:15.000Z"}},"operator":"sigstore.dev"}}],"oidcUrls":[],"rekorTlogUrls":[{{"url":"https://rekor.sigstore.dev","majorApiVersion":1,"validFor":{{"start":"2021-01-12T11:53:27.000Z"}},"operator":"sigstore.dev"}}],"tsaUrls":[],"rekorTlogConfig":{{"selector":"ANY"}},"tsaConfig":{{"selector":"ANY"}}}}}}"#
    );
    let tc_path = dir.join("trust_config.json");
    std::fs::write(&tc_path, tc)?;
    let id = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
    let issuer = "https://token.actions.githubusercontent.com";
    let bundle = "happy-path-v0.3.sigstore.json";
    compare(
        rows,
        &vectors,
        "verify --bundle (v0.3)",
        s(&[
            sig,
            "verify",
            "--bundle",
            bundle,
            "--trusted-root",
            "trusted_root.json",
            "--certificate-identity",
            id,
        ])
        .into_iter()
        .chain(s(&["--certificate-oidc-issuer", issuer, "a.txt"]))
        .collect(),
        "sigstore-python",
        vec![
            sigstore.display().to_string(),
            "--trust-config".into(),
            tc_path.display().to_string(),
        ]
        .into_iter()
        .chain(s(&[
            "verify",
            "identity",
            "--offline",
            "--bundle",
            bundle,
            "--cert-identity",
            id,
            "--cert-oidc-issuer",
            issuer,
            "a.txt",
        ]))
        .collect(),
        0.05,
    )?;
    Ok(())
}

/// Issue 14: keyless signing of the big file against the local Sigstore (OIDC, Fulcio, Rekor v1,
/// TSA on 127.0.0.1), sigil against sigstore-python, same services, same token.
fn bench_keyless(rows: &mut Vec<Row>, dir: &Path, sig: &str, mib: u64) -> Result<()> {
    let sigstore = crate::tools::venv_dir().join("bin/sigstore");
    if !sigstore.exists() {
        bail!(
            "{} is missing: run `cargo xtask test` first to install sigstore-python",
            sigstore.display()
        );
    }
    let local = crate::sigstore_local::start(&dir.join("keyless-local"), &[])?;
    let token = local.token()?;
    let p = |p: std::path::PathBuf| p.display().to_string();
    let sign_keyless = s(&[
        sig,
        "sign",
        "--keyless",
        "--force",
        "--signing-config",
        &p(local.signing_config()),
        "--trusted-root",
        &p(local.trusted_root()),
        "--insecure-allow-http",
        "--identity-token",
        &token,
        "big.bin",
    ]);
    compare(
        rows,
        dir,
        &format!("sign --keyless ({mib} MiB)"),
        sign_keyless.clone(),
        "sigstore-python sign",
        s(&[
            &p(sigstore),
            "--trust-config",
            &p(local.trust_config()),
            "sign",
            "--overwrite",
            "--identity-token",
            &token,
            "--bundle",
            "big.bin.py.sigstore.json",
            "big.bin",
        ]),
        0.2,
    )?;
    // The floor of both: one SHA-256 pass over the file, at OpenSSL's speed.
    let openssl = which("openssl").context("openssl is needed for the hashing floor")?;
    compare(
        rows,
        dir,
        &format!("sign --keyless ({mib} MiB)"),
        sign_keyless,
        "openssl dgst -sha256",
        s(&[&p(openssl), "dgst", "-sha256", "big.bin"]),
        1.15,
    )?;
    Ok(())
}

/// Prints the comparison table.
pub fn print_table(rows: &[Row]) {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{:<28} {:>10} {:>10} {:<22} {:>7} {:>6}  {:>9}",
        "case", "sigil s", "ref s", "reference", "ratio", "goal", "sigil RSS"
    );
    for r in rows {
        let ratio = r.sigil / r.reference_time;
        let mark = if ratio <= r.goal { "ok" } else { "MISSED" };
        let _ = writeln!(
            out,
            "{:<28} {:>10.3} {:>10.3} {:<22} {:>6.2}x {:>5.2}x  {:>6.1} MiB {mark}",
            r.name,
            r.sigil,
            r.reference_time,
            r.reference,
            ratio,
            r.goal,
            r.sigil_rss as f64 / 1024.0
        );
    }
    print!("{out}");
}
