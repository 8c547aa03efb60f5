//! Behaviour kept while sigil scales (small sizes only: performance is measured by
//! `cargo xtask bench --scale`, never asserted here).
//!
//! - `sigil audit` gives the same verdicts against the same advisory database in its RustSec
//!   form (advisory-db checkout) and its OSV form (the OSV export), informational advisories
//!   included, and those fail only with `--fail-on-informational`.

use crate::support;

#[path = "../../xtask/src/advgen.rs"]
#[allow(dead_code)]
mod advgen;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;
use support::{json_doc, sigil};

fn verdicts(doc: &Value) -> BTreeSet<advgen::Verdict> {
    let r = &doc["result"];
    let mut out = BTreeSet::new();
    for key in ["findings", "informational_findings"] {
        for f in r[key].as_array().expect("array") {
            let s = |k: &str| f[k].as_str().map(str::to_owned);
            assert_eq!(
                key == "informational_findings",
                f["informational"].is_string(),
                "{f}"
            );
            out.insert((
                s("id").expect("id"),
                s("package").expect("package"),
                s("version").expect("version"),
                s("informational"),
                s("fixed"),
            ));
        }
    }
    out
}

fn audit(lock: &Path, db: &Path, extra: &[&str]) -> (i32, Value) {
    let o = sigil()
        .args(["--format", "json", "audit", "--lockfile"])
        .arg(lock)
        .arg("--advisories")
        .arg(db)
        .args(extra)
        .output()
        .expect("runs");
    (o.status.code().unwrap_or(-1), json_doc(&o))
}

#[test]
fn audit_gives_the_same_verdicts_for_the_rustsec_and_osv_forms_of_a_database() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let g = advgen::generate(80, 0x5eed);
    let rustsec = tmp.path().join("advisory-db");
    let osv = tmp.path().join("osv");
    advgen::write_rustsec(&g, &rustsec).expect("rustsec form");
    advgen::write_osv(&g, &osv).expect("osv form");
    let lock = tmp.path().join("Cargo.lock");
    std::fs::write(&lock, advgen::lockfile(&g)).expect("lock");

    let informational = g.expected.iter().filter(|v| v.3.is_some()).count();
    assert!(informational > 0 && informational < g.expected.len());
    let withdrawn: Vec<&str> = g
        .advisories
        .iter()
        .filter(|a| a.withdrawn)
        .map(|a| a.id.as_str())
        .collect();
    for db in [&rustsec, &osv] {
        let (code, doc) = audit(&lock, db, &[]);
        assert_eq!(code, 1, "vulnerabilities fail the audit ({})", db.display());
        assert_eq!(verdicts(&doc), g.expected, "{}", db.display());
        let r = &doc["result"];
        assert_eq!(r["advisories"], g.advisories.len());
        assert_eq!(r["components"], g.packages.len());
        assert_eq!(
            r["informational_findings"].as_array().map(Vec::len),
            Some(informational)
        );
        let ids: Vec<&str> = r["withdrawn"]
            .as_array()
            .expect("withdrawn")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(ids, withdrawn);
        let mut want: Vec<&str> = g
            .advisories
            .iter()
            .filter(|a| a.informational.is_some() && !a.withdrawn)
            .map(|a| a.id.as_str())
            .collect();
        want.sort_unstable();
        let mut got: Vec<&str> = r["informational"]
            .as_array()
            .expect("informational")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        got.sort_unstable();
        assert_eq!(got, want);
    }
}

#[test]
fn informational_findings_fail_only_with_fail_on_informational() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let g = advgen::generate(80, 0x5eed);
    let rustsec = tmp.path().join("advisory-db");
    let osv = tmp.path().join("osv");
    advgen::write_rustsec(&g, &rustsec).expect("rustsec form");
    advgen::write_osv(&g, &osv).expect("osv form");
    // A package whose only findings are informational.
    let (name, version) = g
        .expected
        .iter()
        .filter(|v| v.3.is_some())
        .map(|v| (v.1.clone(), v.2.clone()))
        .find(|(n, ver)| {
            g.expected
                .iter()
                .all(|w| w.1 != *n || w.2 != *ver || w.3.is_some())
        })
        .expect("an informational-only package");
    let lock = tmp.path().join("Cargo.lock");
    std::fs::write(
        &lock,
        format!("version = 3\n\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"),
    )
    .expect("lock");
    for db in [&rustsec, &osv] {
        let (code, doc) = audit(&lock, db, &[]);
        assert_eq!(code, 0, "{}: {doc}", db.display());
        assert_eq!(doc["result"]["findings"], serde_json::json!([]));
        assert!(!verdicts(&doc).is_empty());
        let (code, doc) = audit(&lock, db, &["--fail-on-informational"]);
        assert_eq!(code, 1, "{}: {doc}", db.display());
        assert_eq!(doc["result"]["fail_on_informational"], true);
        // In words: the informational finding is listed and said not to fail by default.
        let o = sigil()
            .args(["audit", "--lockfile"])
            .arg(&lock)
            .arg("--advisories")
            .arg(db)
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(0));
        let text = String::from_utf8_lossy(&o.stdout);
        assert!(
            text.lines()
                .any(|l| l.starts_with("INFO ") && l.contains(&format!(" {name} {version}"))),
            "{text}"
        );
        assert!(
            text.ends_with("0 finding(s), 0 at or above low, 0 suppressed by VEX\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "informational finding(s), not failing (--fail-on-informational to fail)\n"
            ),
            "{text}"
        );
    }
}
