//! A generated advisory database in both of the RustSec database's forms (an advisory-db
//! checkout of `crates/<name>/RUSTSEC-*.md`, and its OSV JSON export), with a boundary
//! `Cargo.lock` (every crate at the versions around each advisory's bounds) and the verdicts
//! a correct audit gives. Used by `cargo xtask bench` (audit case) and by `tests/it/scale.rs`
//! (both forms give the same verdicts). Plain `std`, so the test can include it by path.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io;
use std::path::Path;

const REGISTRY: &str = "registry+https://github.com/rust-lang/crates.io-index";
const VECTORS: [&str; 3] = [
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N",
    "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N",
];

/// A version `major.minor.patch`.
pub type Ver = (u64, u64, u64);

/// An affected interval `[introduced, fixed)`.
pub type Interval = (Option<Ver>, Option<Ver>);

/// One generated advisory.
#[derive(Debug, Clone)]
pub struct GenAdvisory {
    /// `RUSTSEC-YYYY-NNNN`.
    pub id: String,
    /// Crate name.
    pub package: String,
    /// Affected intervals `[introduced, fixed)`; `introduced` `None` is from the start,
    /// `fixed` `None` is never fixed.
    pub intervals: Vec<Interval>,
    /// `unmaintained`, `unsound`, or none for a vulnerability.
    pub informational: Option<&'static str>,
    /// Withdrawn advisories match nothing.
    pub withdrawn: bool,
    /// CVSS vector, if any.
    pub cvss: Option<&'static str>,
}

/// An expected verdict: (advisory id, crate, version, informational kind, fixed version).
pub type Verdict = (String, String, String, Option<String>, Option<String>);

/// The generated database, lock file and expected verdicts.
#[derive(Debug, Default)]
pub struct Generated {
    /// Every advisory.
    pub advisories: Vec<GenAdvisory>,
    /// (crate, version) pairs of the lock file.
    pub packages: Vec<(String, (u64, u64, u64))>,
    /// What a correct audit reports (vulnerabilities and informational findings).
    pub expected: BTreeSet<Verdict>,
}

fn v(t: (u64, u64, u64)) -> String {
    format!("{}.{}.{}", t.0, t.1, t.2)
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Generates `n` advisories over about `0.7 n` crates (one crate in four has two or three).
pub fn generate(n: usize, seed: u64) -> Generated {
    let mut rng = Rng(seed | 1);
    let mut g = Generated::default();
    let mut crate_no = 0usize;
    let mut i = 0usize;
    while i < n {
        let name = format!(
            "crate{crate_no}_{}",
            ["x", "core", "sys", "rs"][crate_no % 4]
        );
        crate_no += 1;
        let count = match rng.below(4) {
            0 => 2 + rng.below(2) as usize,
            _ => 1,
        }
        .min(n - i);
        let mut points: BTreeSet<(u64, u64, u64)> = BTreeSet::new();
        for _ in 0..count {
            let id = format!("RUSTSEC-{}-{:04}", 2017 + (i / 9000), i % 9000 + 1);
            let kind = rng.below(100);
            let informational = match kind {
                0..=9 => Some("unmaintained"),
                10..=13 => Some("unsound"),
                _ => None,
            };
            let withdrawn = kind == 99;
            // Ascending boundaries: one or two intervals.
            let mut at = (rng.below(3), rng.below(10), rng.below(10));
            let step = |rng: &mut Rng, at: &mut (u64, u64, u64)| {
                *at = match rng.below(3) {
                    0 => (at.0 + 1, 0, 0),
                    1 => (at.0, at.1 + 1, 0),
                    _ => (at.0, at.1, at.2 + 1 + rng.below(5)),
                };
                *at
            };
            let intervals = if informational.is_some() && rng.below(2) == 0 {
                vec![(None, None)]
            } else if rng.below(3) == 0 {
                let a = step(&mut rng, &mut at);
                let b = step(&mut rng, &mut at);
                let c = step(&mut rng, &mut at);
                let d = step(&mut rng, &mut at);
                vec![(Some(a), Some(b)), (Some(c), Some(d))]
            } else {
                let start = if rng.below(2) == 0 {
                    None
                } else {
                    Some(step(&mut rng, &mut at))
                };
                let end = if rng.below(8) == 0 {
                    None
                } else {
                    Some(step(&mut rng, &mut at))
                };
                vec![(start, end)]
            };
            for (a, b) in &intervals {
                points.extend(a.iter().chain(b.iter()).copied());
            }
            let cvss = match (informational, rng.below(4)) {
                (None, 0..=2) => Some(VECTORS[rng.below(3) as usize]),
                _ => None,
            };
            g.advisories.push(GenAdvisory {
                id,
                package: name.clone(),
                intervals,
                informational,
                withdrawn,
                cvss,
            });
            i += 1;
        }
        // Versions around every boundary: just below, at, just above; and the first release.
        let mut versions: BTreeSet<(u64, u64, u64)> = BTreeSet::new();
        versions.insert((0, 0, 1));
        for p in points {
            versions.insert(p);
            versions.insert((p.0, p.1, p.2 + 1));
            if p.2 > 0 {
                versions.insert((p.0, p.1, p.2 - 1));
            }
        }
        for ver in versions {
            g.packages.push((name.clone(), ver));
        }
    }
    for (name, ver) in &g.packages {
        for a in g.advisories.iter().filter(|a| &a.package == name) {
            if a.withdrawn {
                continue;
            }
            let hit = a
                .intervals
                .iter()
                .find(|(lo, hi)| lo.is_none_or(|lo| *ver >= lo) && hi.is_none_or(|hi| *ver < hi));
            if let Some((_, hi)) = hit {
                g.expected.insert((
                    a.id.clone(),
                    name.clone(),
                    v(*ver),
                    a.informational.map(str::to_owned),
                    hi.map(v),
                ));
            }
        }
    }
    g
}

/// The RustSec form: `dir/crates/<name>/<id>.md`.
pub fn write_rustsec(g: &Generated, dir: &Path) -> io::Result<()> {
    for a in &g.advisories {
        let d = dir.join("crates").join(&a.package);
        std::fs::create_dir_all(&d)?;
        let mut t = String::new();
        let _ = writeln!(t, "```toml\n[advisory]\nid = \"{}\"\npackage = \"{}\"\ndate = \"2021-01-08\"\nurl = \"https://example.com/{}\"", a.id, a.package, a.id);
        if let Some(k) = a.informational {
            let _ = writeln!(t, "informational = \"{k}\"");
        }
        if a.withdrawn {
            let _ = writeln!(t, "withdrawn = \"2022-01-01\"");
        }
        if let Some(c) = a.cvss {
            let _ = writeln!(t, "cvss = \"{c}\"");
        }
        let mut patched = Vec::new();
        let mut unaffected = Vec::new();
        for (k, (lo, hi)) in a.intervals.iter().enumerate() {
            if k == 0 {
                if let Some(lo) = lo {
                    unaffected.push(format!("\"< {}\"", v(*lo)));
                }
            }
            if let Some(hi) = hi {
                match a.intervals.get(k + 1).and_then(|n| n.0) {
                    Some(next) => patched.push(format!("\">= {}, < {}\"", v(*hi), v(next))),
                    None => patched.push(format!("\">= {}\"", v(*hi))),
                }
            }
        }
        let _ = writeln!(
            t,
            "\n[versions]\npatched = [{}]\nunaffected = [{}]\n```\n\n# Problem in {}\n\nDetails of {}.",
            patched.join(", "),
            unaffected.join(", "),
            a.package,
            a.id
        );
        std::fs::write(d.join(format!("{}.md", a.id)), t)?;
    }
    Ok(())
}

/// The OSV form, as the database's OSV export lays it out: `dir/<id>.json`.
pub fn write_osv(g: &Generated, dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for a in &g.advisories {
        let mut events = Vec::new();
        for (lo, hi) in &a.intervals {
            events.push(format!(
                "{{\"introduced\":\"{}\"}}",
                lo.map_or("0".to_owned(), v)
            ));
            if let Some(hi) = hi {
                events.push(format!("{{\"fixed\":\"{}\"}}", v(*hi)));
            }
        }
        let severity = a
            .cvss
            .map(|c| format!(",\"severity\":[{{\"type\":\"CVSS_V3\",\"score\":\"{c}\"}}]"))
            .unwrap_or_default();
        let withdrawn = if a.withdrawn {
            ",\"withdrawn\":\"2022-01-01T12:00:00Z\""
        } else {
            ""
        };
        let informational = a
            .informational
            .map_or("null".to_owned(), |k| format!("\"{k}\""));
        let text = format!(
            "{{\"schema_version\":\"1.7.5\",\"id\":\"{id}\",\"modified\":\"2024-01-01T00:00:00Z\",\"published\":\"2021-01-08T12:00:00Z\"{withdrawn},\"aliases\":[],\"related\":[],\"summary\":\"Problem in {pkg}\",\"details\":\"Details of {id}.\"{severity},\"affected\":[{{\"package\":{{\"ecosystem\":\"crates.io\",\"name\":\"{pkg}\",\"purl\":\"pkg:cargo/{pkg}\"}},\"ecosystem_specific\":{{\"affects\":{{\"arch\":[],\"os\":[],\"functions\":[]}}}},\"database_specific\":{{\"categories\":[],\"cvss\":null,\"informational\":{informational}}},\"ranges\":[{{\"type\":\"SEMVER\",\"events\":[{events}]}}]}}],\"references\":[{{\"type\":\"PACKAGE\",\"url\":\"https://example.com/{pkg}\"}}],\"database_specific\":{{\"license\":\"CC0-1.0\"}}}}\n",
            id = a.id,
            pkg = a.package,
            events = events.join(","),
        );
        std::fs::write(dir.join(format!("{}.json", a.id)), text)?;
    }
    Ok(())
}

/// The boundary `Cargo.lock`: every generated crate at every boundary version.
pub fn lockfile(g: &Generated) -> String {
    let mut t = String::from("version = 3\n");
    for (name, ver) in &g.packages {
        let _ = write!(
            t,
            "\n[[package]]\nname = \"{name}\"\nversion = \"{}\"\nsource = \"{REGISTRY}\"\n",
            v(*ver)
        );
    }
    t
}
