//! Issue 17: `cargo xtask bench` audit case (sigil against the `rustsec` crate's
//! `Database::query_vulnerabilities`, in the same run, on a generated boundary lock file and
//! advisory database, or real ones), and `cargo xtask bench --scale`: each scaled command at
//! three sizes, each 10x the last, with time, peak RSS and the growth per 10x.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context as _, Result};

use crate::advgen;
use crate::bench::{measure, measure_after, Row, RUNS};

/// Findings as (advisory id, crate, version).
type Found = BTreeSet<(String, String, String)>;

/// One size of a scaled command: (size in words, items, seconds, peak RSS KiB, reference s).
type Point = (String, u64, f64, u64, Option<f64>);

/// `sh -c` wrapper: the command's exit code 1 (findings, "not verified") still counts as a
/// run; only 2 and above fail the measurement.
fn allow_1(argv: &[String]) -> Vec<String> {
    let mut v = vec![
        "sh".to_owned(),
        "-c".to_owned(),
        "\"$@\" >/dev/null; [ $? -le 1 ]".to_owned(),
        "sh".to_owned(),
    ];
    v.extend(argv.iter().cloned());
    v
}

/// The inputs of the audit case.
pub struct AuditInputs {
    /// RustSec advisory-db checkout.
    pub rustsec: PathBuf,
    /// The same database's OSV export, when there is one.
    pub osv: Option<PathBuf>,
    /// The lock file.
    pub lock: PathBuf,
    /// What they are, in words.
    pub what: String,
}

/// A generated database of `n` advisories in both forms and its boundary lock file, under
/// `dir/audit-<n>` (kept between runs).
pub fn generated(dir: &Path, n: usize) -> Result<AuditInputs> {
    let base = dir.join(format!("audit-{n}"));
    let rustsec = base.join("advisory-db");
    let osv = base.join("osv");
    let lock = base.join("Cargo.lock");
    let g = advgen::generate(n, 0x1717_1717);
    if !lock.exists() {
        if base.exists() {
            std::fs::remove_dir_all(&base)?;
        }
        advgen::write_rustsec(&g, &rustsec)?;
        advgen::write_osv(&g, &osv)?;
        std::fs::write(&lock, advgen::lockfile(&g))?;
    }
    Ok(AuditInputs {
        rustsec,
        osv: Some(osv),
        lock,
        what: format!(
            "generated: {} advisories, {} lock packages",
            g.advisories.len(),
            g.packages.len()
        ),
    })
}

/// Real inputs from `SIGIL_BENCH_ADVISORY_DB` (a RustSec checkout), `SIGIL_BENCH_ADVISORY_OSV`
/// (its OSV export, optional) and `SIGIL_BENCH_LOCKFILE`, when the first and last are set.
pub fn real() -> Option<AuditInputs> {
    let rustsec = PathBuf::from(std::env::var_os("SIGIL_BENCH_ADVISORY_DB")?);
    let lock = PathBuf::from(std::env::var_os("SIGIL_BENCH_LOCKFILE")?);
    let osv = std::env::var_os("SIGIL_BENCH_ADVISORY_OSV").map(PathBuf::from);
    Some(AuditInputs {
        what: format!("real: {} and {}", rustsec.display(), lock.display()),
        rustsec,
        osv,
        lock,
    })
}

/// The `rustsec` crate, in this process: open the database, load the lock file, query.
/// Best of [`RUNS`]; returns (seconds, findings as (id, crate, version)).
fn rustsec_query(inputs: &AuditInputs) -> Result<(f64, Found)> {
    let mut best = f64::INFINITY;
    let mut found = BTreeSet::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let db = rustsec::Database::open(&inputs.rustsec)
            .with_context(|| format!("rustsec opening {}", inputs.rustsec.display()))?;
        let lock = rustsec::Lockfile::load(&inputs.lock)?;
        let vulns = db.query_vulnerabilities(&lock, &rustsec::database::Query::crate_scope());
        best = best.min(t.elapsed().as_secs_f64());
        found = vulns
            .iter()
            .map(|v| {
                (
                    v.advisory.id.to_string(),
                    v.package.name.to_string(),
                    v.package.version.to_string(),
                )
            })
            .collect();
    }
    Ok((best, found))
}

fn sigil_findings(sig: &str, lock: &Path, db: &Path) -> Result<BTreeSet<(String, String, String)>> {
    let out = Command::new(sig)
        .args(["--format", "json", "audit", "--lockfile"])
        .arg(lock)
        .arg("--advisories")
        .arg(db)
        .output()?;
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).with_context(|| {
        format!(
            "sigil audit output: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    })?;
    Ok(doc["result"]["findings"]
        .as_array()
        .context("no findings array")?
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or_default().to_owned();
            (s("id"), s("package"), s("version"))
        })
        .collect())
}

fn audit_argv(sig: &str, lock: &Path, db: &Path) -> Vec<String> {
    allow_1(&[
        sig.to_owned(),
        "audit".to_owned(),
        "--lockfile".to_owned(),
        lock.display().to_string(),
        "--advisories".to_owned(),
        db.display().to_string(),
    ])
}

/// The audit case of `cargo xtask bench`.
pub fn bench_audit(rows: &mut Vec<Row>, dir: &Path, sig: &str) -> Result<()> {
    let inputs = match real() {
        Some(i) => i,
        None => generated(dir, 1_000)?,
    };
    println!("xtask bench: audit ({})", inputs.what);
    let (t_rs, rs_found) = rustsec_query(&inputs)?;
    let sigil_found = sigil_findings(sig, &inputs.lock, &inputs.rustsec)?;
    if sigil_found != rs_found {
        let only_s: Vec<_> = sigil_found.difference(&rs_found).take(5).collect();
        let only_r: Vec<_> = rs_found.difference(&sigil_found).take(5).collect();
        bail!("sigil audit and the rustsec crate disagree: only sigil {only_s:?}, only rustsec {only_r:?}");
    }
    println!(
        "xtask bench: sigil audit and rustsec agree on all {} findings",
        rs_found.len()
    );
    let (t_s, rss) = measure(dir, &audit_argv(sig, &inputs.lock, &inputs.rustsec))?;
    rows.push(Row {
        name: "audit (RustSec form)".to_owned(),
        sigil: t_s,
        sigil_rss: rss,
        reference: "rustsec crate (in-proc)".to_owned(),
        reference_time: t_rs,
        goal: 1.0,
    });
    if let Some(osv) = &inputs.osv {
        let osv_found = sigil_findings(sig, &inputs.lock, osv)?;
        if osv_found != sigil_found {
            bail!(
                "sigil audit gives {} findings with the OSV form, {} with the RustSec form",
                osv_found.len(),
                sigil_found.len()
            );
        }
        let (t_o, rss_o) = measure(dir, &audit_argv(sig, &inputs.lock, osv))?;
        rows.push(Row {
            name: "audit (OSV form)".to_owned(),
            sigil: t_o,
            sigil_rss: rss_o,
            reference: "sigil, RustSec form".to_owned(),
            reference_time: t_s,
            goal: 1.5,
        });
    }
    Ok(())
}

/// One scaled command's measurements.
pub struct ScaleRow {
    /// The command.
    pub name: String,
    /// (size in words, items, seconds, peak RSS KiB, reference seconds) per size.
    pub points: Vec<Point>,
    /// The reference tool, when there is one.
    pub reference: Option<String>,
}

/// Prints the `--scale` table: each size's time, RSS (and bytes per item above the smallest
/// size's), the reference's time and the ratio, and the time ratio per 10x.
pub fn print_scale(rows: &[ScaleRow]) {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\n{:<28} {:>10} {:>9} {:>9} {:>8} {:>9} {:>7}  {:<20}",
        "command", "size", "sigil s", "RSS MiB", "B/item", "ref s", "ratio", "reference"
    );
    for r in rows {
        let base = r.points.first().map(|p| (p.1, p.3));
        for (i, (size, items, t, rss, reft)) in r.points.iter().enumerate() {
            let per_item = match base {
                Some((n0, rss0)) if *items > n0 => {
                    format!(
                        "{:.0}",
                        (*rss as f64 - rss0 as f64) * 1024.0 / (*items - n0) as f64
                    )
                }
                _ => "-".to_owned(),
            };
            let (reft, ratio) = match reft {
                Some(x) => (format!("{x:.3}"), format!("{:.2}x", t / x)),
                None => ("-".to_owned(), "-".to_owned()),
            };
            let _ = writeln!(
                out,
                "{:<28} {size:>10} {t:>9.3} {:>9.1} {per_item:>8} {reft:>9} {ratio:>7}  {}",
                if i == 0 { r.name.as_str() } else { "" },
                *rss as f64 / 1024.0,
                if i == 0 {
                    r.reference.as_deref().unwrap_or("")
                } else {
                    ""
                },
            );
        }
        let growth: Vec<String> = r
            .points
            .windows(2)
            .map(|w| {
                let g = w[1].2 / w[0].2;
                format!("{g:.1}x{}", if g <= 11.0 { "" } else { " (MISSED <=11x)" })
            })
            .collect();
        let _ = writeln!(out, "{:<28} time per 10x: {}", "", growth.join(", "));
    }
    print!("{out}");
}

/// A minisign key pair `bench.key`/`bench.pub` in `dir` (unencrypted).
pub fn ensure_key(dir: &Path) -> Result<()> {
    if dir.join("bench.key").exists() && dir.join("bench.pub").exists() {
        return Ok(());
    }
    let minisign = crate::demo::which("minisign")
        .context("minisign is needed (cargo xtask test installs it)")?;
    let _ = std::fs::remove_file(dir.join("bench.key"));
    let _ = std::fs::remove_file(dir.join("bench.pub"));
    crate::run_cmd(
        Command::new(minisign)
            .args(["-G", "-W", "-p", "bench.pub", "-s", "bench.key"])
            .current_dir(dir),
    )
}

/// A pack tree of `files` files of `size` bytes (printable text), 1,000 per directory,
/// under `dir/<name>`; kept between runs when complete.
pub fn make_tree(dir: &Path, name: &str, files: usize, size: usize) -> Result<PathBuf> {
    let tree = dir.join(name);
    let done = dir.join(format!("{name}.complete"));
    if done.exists() {
        return Ok(tree);
    }
    if tree.exists() {
        std::fs::remove_dir_all(&tree)?;
    }
    println!(
        "xtask bench: writing {files} files of {size} bytes in {}",
        tree.display()
    );
    let mut x: u64 = 0x2545_f491_4f6c_dd1d ^ files as u64;
    let mut buf = vec![b'a'; size];
    for i in 0..files {
        let sub = tree.join(format!("d{:05}", i / 1000));
        if i % 1000 == 0 {
            std::fs::create_dir_all(&sub)?;
        }
        for chunk in buf.chunks_mut(8) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for (j, b) in chunk.iter_mut().enumerate() {
                *b = b'a' + ((x >> (j * 8)) as u8 % 26);
            }
        }
        if let Some(last) = buf.last_mut() {
            *last = b'\n';
        }
        std::fs::write(sub.join(format!("f{i:07}.txt")), &buf)?;
    }
    std::fs::write(&done, b"")?;
    Ok(tree)
}

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

/// One pack size: sign, verify (against `sha256sum -c`), archive, install (against
/// `tar xzf`). Returns (sign, verify, archive, install) points.
fn pack_size(
    dir: &Path,
    sig: &str,
    files: usize,
    size: usize,
) -> Result<[(f64, u64, Option<f64>); 4]> {
    let name = format!("pack-{files}x{size}");
    let tree = make_tree(dir, &name, files, size)?;
    let max = files.to_string();
    let limits = ["--max-files", &max, "--max-total-bytes", "1099511627776"];
    let sign: Vec<String> = strs(&[
        sig,
        "pack",
        "sign",
        &name,
        "--key",
        "bench.key",
        "--name",
        "bench",
        "--version",
        "1",
    ])
    .into_iter()
    .chain(strs(&limits))
    .collect();
    let (t_sign, rss_sign) = measure_after(dir, Some(&format!("rm -rf {name}/.sigil")), &sign)?;
    let sha256sum = crate::demo::which("sha256sum").context("sha256sum is needed")?;
    let verify: Vec<String> = strs(&[sig, "pack", "verify", ".", "--key", "../bench.pub"])
        .into_iter()
        .chain(strs(&limits))
        .collect();
    let (t_ver, rss_ver) = measure(&tree, &verify)?;
    let (t_sha, _) = measure(
        &tree,
        &[
            sha256sum.display().to_string(),
            "-c".into(),
            "--quiet".into(),
            ".sigil/SHA256SUMS".into(),
        ],
    )?;
    let archive: Vec<String> = strs(&[sig, "pack", "archive", &name, "-o"])
        .into_iter()
        .chain([format!("{name}.tar.gz")])
        .chain(strs(&limits))
        .collect();
    let (t_arc, rss_arc) = measure_after(dir, Some(&format!("rm -f {name}.tar.gz")), &archive)?;
    crate::run_cmd(
        Command::new(sig)
            .args(["sign", "--force", "--key", "bench.key"])
            .arg(format!("{name}.tar.gz"))
            .current_dir(dir),
    )?;
    // One installed copy at a time (a million-file pack and two copies of it do not fit in a
    // default tmpfs's inodes), and every deletion is synced and ages 65 s before files are
    // created again: ext4 without a journal skips every inode deleted in the last 60 s (360 s
    // while its inode table block is dirty) with a linear scan at each new inode, so right
    // after a deletion of N files creating N files costs N^2 (docs/performance.md).
    let install: Vec<String> = strs(&[sig, "pack", "install"])
        .into_iter()
        .chain([format!("{name}.tar.gz")])
        .chain(strs(&["--key", "bench.pub", "--to", "out-sigil"]))
        .chain(strs(&limits))
        .collect();
    // `SIGIL_BENCH_SETTLE` (seconds, default 65) sets the wait; a tmpfs needs none (0).
    let settle: u64 = std::env::var("SIGIL_BENCH_SETTLE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(65);
    let clear =
        |out: &str| format!("if [ -e {out} ]; then rm -rf {out} && sync && sleep {settle}; fi");
    let (t_inst, rss_inst) = measure_after(dir, Some(&clear("out-sigil")), &install)?;
    crate::run_cmd(
        Command::new("sh")
            .arg("-c")
            .arg(clear("out-sigil"))
            .current_dir(dir),
    )?;
    let tar = strs(&["tar", "xzf"])
        .into_iter()
        .chain([format!("{name}.tar.gz"), "-C".into(), "out-tar".into()])
        .collect::<Vec<_>>();
    let (t_tar, _) = measure_after(
        dir,
        Some(&format!("{} && mkdir out-tar", clear("out-tar"))),
        &tar,
    )?;
    crate::run_cmd(
        Command::new("sh")
            .arg("-c")
            .arg(clear("out-tar"))
            .current_dir(dir),
    )?;
    Ok([
        (t_sign, rss_sign, None),
        (t_ver, rss_ver, Some(t_sha)),
        (t_arc, rss_arc, None),
        (t_inst, rss_inst, Some(t_tar)),
    ])
}

/// `sums verify` of a list of `files` entries (a pack tree's manifest, signed as a list).
fn sums_size(dir: &Path, sig: &str, files: usize) -> Result<(f64, u64, f64)> {
    let name = format!("pack-{files}x512");
    make_tree(dir, &name, files, 512)?;
    // The list sits beside the tree (not in it, where `pack verify` would call it extra).
    let list = format!("sums-{files}.SHA256SUMS");
    let sha256sum = crate::demo::which("sha256sum").context("sha256sum is needed")?;
    if !dir.join(format!("{list}.minisig")).exists() {
        let ok = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "find {name} -type f -path '{name}/d*' | LC_ALL=C sort | xargs -n 2000 {} > {list}",
                sha256sum.display()
            ))
            .current_dir(dir)
            .status()?;
        if !ok.success() {
            bail!("writing {list}");
        }
        crate::run_cmd(
            Command::new(sig)
                .args(["sign", "--force", "--key", "bench.key"])
                .arg(&list)
                .current_dir(dir),
        )?;
    }
    let (t, rss) = measure(
        dir,
        &strs(&[sig, "sums", "verify", &list, "--key", "bench.pub"]),
    )?;
    let (t_ref, _) = measure(
        dir,
        &[
            sha256sum.display().to_string(),
            "-c".into(),
            "--quiet".into(),
            list.clone(),
        ],
    )?;
    Ok((t, rss, t_ref))
}

/// `cargo xtask bench --scale [--case audit|pack|sums]`: each case at three sizes, 10x apart.
/// `SIGIL_BENCH_PACK_MAX` caps the largest pack (default 1,000,000 files) and
/// `SIGIL_BENCH_PACK_BYTES` sets the size of each pack file (default 512).
pub fn run_scale(dir: &Path, sig: &str, cases: &[String]) -> Result<Vec<ScaleRow>> {
    let want = |c: &str| cases.is_empty() || cases.iter().any(|x| x == c);
    let mut rows = Vec::new();
    if want("audit") {
        for (form, osv) in [("RustSec", false), ("OSV", true)] {
            let mut points = Vec::new();
            for n in [100, 1_000, 10_000] {
                let i = generated(dir, n)?;
                println!("xtask bench --scale: audit, {form} form, {}", i.what);
                let db = if osv {
                    i.osv.clone().context("OSV form")?
                } else {
                    i.rustsec.clone()
                };
                let (t, rss) = measure(dir, &audit_argv(sig, &i.lock, &db))?;
                let t_ref = if osv {
                    None
                } else {
                    Some(rustsec_query(&i)?.0)
                };
                points.push((format!("{n} adv"), n as u64, t, rss, t_ref));
            }
            rows.push(ScaleRow {
                name: format!("audit ({form} form)"),
                points,
                reference: (!osv).then(|| "rustsec crate (in-proc)".to_owned()),
            });
        }
    }
    ensure_key(dir)?;
    if want("sums") {
        let mut points = Vec::new();
        for n in [1_000, 10_000, 100_000] {
            println!("xtask bench --scale: sums verify, {n} entries");
            let (t, rss, t_ref) = sums_size(dir, sig, n)?;
            points.push((format!("{n} files"), n as u64, t, rss, Some(t_ref)));
        }
        rows.push(ScaleRow {
            name: "sums verify (512 B files)".to_owned(),
            points,
            reference: Some("sha256sum -c".to_owned()),
        });
    }
    if want("pack") {
        let max: usize = std::env::var("SIGIL_BENCH_PACK_MAX")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000);
        let bytes: usize = std::env::var("SIGIL_BENCH_PACK_BYTES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(512);
        let sizes: Vec<usize> = [max / 100, max / 10, max]
            .into_iter()
            .filter(|n| *n > 0)
            .collect();
        let mut per: [Vec<Point>; 4] = Default::default();
        for &n in &sizes {
            println!("xtask bench --scale: packs, {n} files of {bytes} B");
            let r = pack_size(dir, sig, n, bytes)?;
            // Printed as each size finishes, so a long run that stops later keeps its numbers.
            for (what, (t, rss, reft)) in ["sign", "verify", "archive", "install"].iter().zip(&r) {
                println!(
                    "xtask bench --scale: pack {what}, {n} files: {t:.3} s, {:.1} MiB{}",
                    *rss as f64 / 1024.0,
                    reft.map(|x| format!(", reference {x:.3} s"))
                        .unwrap_or_default()
                );
            }
            for (k, (t, rss, reft)) in r.into_iter().enumerate() {
                per[k].push((format!("{n} files"), n as u64, t, rss, reft));
            }
        }
        let names = [
            ("sign", None),
            ("verify", Some("sha256sum -c")),
            ("archive", None),
            ("install", Some("tar xzf")),
        ];
        for ((name, reference), points) in names.into_iter().zip(per) {
            rows.push(ScaleRow {
                name: format!("pack {name} ({bytes} B files)"),
                points,
                reference: reference.map(str::to_owned),
            });
        }
    }
    Ok(rows)
}
