//! `sigil audit` against a local OSV directory and a RustSec advisory-db checkout built by the
//! tests, with OpenVEX (issue 8).

use crate::support;

use std::path::Path;

use serde_json::{json, Value};
use support::{json_doc, sigil};

const CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const MEDIUM: &str = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:N/A:N";
const HIGH: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N";
const REGISTRY: &str = "registry+https://github.com/rust-lang/crates.io-index";

fn osv(
    id: &str,
    name: &str,
    vector: &str,
    ranges: Value,
    versions: Value,
    withdrawn: bool,
) -> Value {
    let mut a = json!({
        "schema_version": "1.7.5",
        "id": id,
        "modified": "2024-01-01T00:00:00Z",
        "summary": format!("bug in {name}"),
        "severity": [{"type": "CVSS_V3", "score": vector}],
        "affected": [{"package": {"ecosystem": "crates.io", "name": name}, "ranges": ranges, "versions": versions}]
    });
    if withdrawn {
        a["withdrawn"] = json!("2024-02-01T00:00:00Z");
    }
    a
}

fn write(path: &Path, v: &Value) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, serde_json::to_string_pretty(v).expect("json")).expect("write");
}

/// An advisory directory with nested folders: foo (1.0.0..1.2.3, critical), bar (two ranges,
/// one with last_affected, medium), baz (explicit version, high, aliased), and a withdrawn one.
fn advisory_dir(root: &Path) -> std::path::PathBuf {
    let dir = root.join("advisories");
    write(
        &dir.join("crates/foo/GHSA-2222-3333-4444.json"),
        &osv(
            "GHSA-2222-3333-4444",
            "foo",
            CRITICAL,
            json!([{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.2.3"}]}]),
            json!([]),
            false,
        ),
    );
    write(
        &dir.join("bar.json"),
        &osv(
            "GHSA-2222-3333-5555",
            "bar",
            MEDIUM,
            json!([
                {"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.0.2"}]},
                {"type": "ECOSYSTEM", "events": [{"introduced": "3.0.0"}, {"last_affected": "3.2.5"}]}
            ]),
            json!([]),
            false,
        ),
    );
    let mut baz_adv = osv(
        "GHSA-2222-3333-6666",
        "baz",
        HIGH,
        json!([]),
        json!(["0.5.0"]),
        false,
    );
    baz_adv["aliases"] = json!(["CVE-2024-0006"]);
    write(&dir.join("deep/er/baz.json"), &baz_adv);
    write(
        &dir.join("withdrawn.json"),
        &osv(
            "GHSA-2222-3333-7777",
            "foo",
            CRITICAL,
            json!([{"type": "SEMVER", "events": [{"introduced": "0"}]}]),
            json!([]),
            true,
        ),
    );
    std::fs::write(dir.join("README.md"), "not json, ignored").expect("write");
    dir
}

fn cyclonedx(root: &Path, comps: &[(&str, &str)]) -> std::path::PathBuf {
    let components: Vec<Value> = comps
        .iter()
        .map(|(n, v)| json!({"type": "library", "name": n, "version": v, "purl": format!("pkg:cargo/{n}@{v}")}))
        .collect();
    let p = root.join("bom.json");
    write(
        &p,
        &json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "components": components}),
    );
    p
}

/// (id, package, version, severity, fixed, suppressed) of each finding, in report order.
fn summary(doc: &Value) -> Vec<(String, String, String, String, Value, bool)> {
    doc["result"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap_or_default().to_owned(),
                f["package"].as_str().unwrap_or_default().to_owned(),
                f["version"].as_str().unwrap_or_default().to_owned(),
                f["severity"].as_str().unwrap_or("unknown").to_owned(),
                f["fixed"].clone(),
                f["suppressed"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

fn row(
    id: &str,
    p: &str,
    v: &str,
    s: &str,
    fixed: Value,
    sup: bool,
) -> (String, String, String, String, Value, bool) {
    (
        id.to_owned(),
        p.to_owned(),
        v.to_owned(),
        s.to_owned(),
        fixed,
        sup,
    )
}

#[test]
fn audit_sbom_ranges_prereleases_withdrawn_and_vex() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = advisory_dir(tmp.path());
    let bom = cyclonedx(
        tmp.path(),
        &[
            ("foo", "0.9.0"),      // before introduced
            ("foo", "1.1.0"),      // affected
            ("foo", "1.2.3"),      // at fixed
            ("foo", "1.2.3-rc.1"), // pre-release below the fix
            ("bar", "1.0.1"),      // first range
            ("bar", "2.0.0"),      // between ranges
            ("bar", "3.2.5"),      // last_affected is inclusive
            ("bar", "3.2.6"),      // above last_affected
            ("baz", "0.5.0"),      // explicit version, suppressed by VEX
        ],
    );
    let vex = tmp.path().join("vex.json");
    sigil()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args([
            "vex",
            "new",
            "--product",
            "pkg:cargo/baz",
            "--vulnerability",
            "CVE-2024-0006",
            "--status",
            "not_affected",
        ])
        .args([
            "--justification",
            "vulnerable_code_not_in_execute_path",
            "--impact-statement",
            "we never call baz::parse",
            "-o",
        ])
        .arg(&vex)
        .assert()
        .code(0);

    let o = sigil()
        .args(["--format", "json", "audit", "--sbom"])
        .arg(&bom)
        .arg("--advisories")
        .arg(&dir)
        .arg("--vex")
        .arg(&vex)
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let doc = json_doc(&o);
    assert_eq!(doc["status"], "not-verified");
    assert_eq!(
        summary(&doc),
        vec![
            row(
                "GHSA-2222-3333-4444",
                "foo",
                "1.1.0",
                "critical",
                json!("1.2.3"),
                false
            ),
            row(
                "GHSA-2222-3333-4444",
                "foo",
                "1.2.3-rc.1",
                "critical",
                json!("1.2.3"),
                false
            ),
            row(
                "GHSA-2222-3333-6666",
                "baz",
                "0.5.0",
                "high",
                Value::Null,
                true
            ),
            row(
                "GHSA-2222-3333-5555",
                "bar",
                "1.0.1",
                "medium",
                json!("1.0.2"),
                false
            ),
            row(
                "GHSA-2222-3333-5555",
                "bar",
                "3.2.5",
                "medium",
                Value::Null,
                false
            ),
        ]
    );
    let r = &doc["result"];
    assert_eq!(r["withdrawn"], json!(["GHSA-2222-3333-7777"]));
    assert_eq!(
        (
            r["components"].as_u64(),
            r["advisories"].as_u64(),
            r["failing"].as_u64(),
            r["suppressed"].as_u64()
        ),
        (Some(9), Some(4), Some(4), Some(1))
    );
    let baz_finding = &r["findings"][2];
    assert_eq!(baz_finding["vex"]["status"], "not_affected");
    assert_eq!(
        baz_finding["vex"]["justification"],
        "vulnerable_code_not_in_execute_path"
    );
    assert_eq!(
        baz_finding["vex"]["impact_statement"],
        "we never call baz::parse"
    );
    assert_eq!(r["findings"][4]["remediation"], "upgrade above 3.2.5");

    // Human output: by severity, fix to upgrade to, VEX reason shown.
    let o = sigil()
        .args(["audit", "--sbom"])
        .arg(&bom)
        .arg("--advisories")
        .arg(&dir)
        .arg("--vex")
        .arg(&vex)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!(
            "audited 9 package(s) from {} against 4 advisories\n\
             skipped withdrawn: GHSA-2222-3333-7777\n\
             CRITICAL 9.8 GHSA-2222-3333-4444 foo 1.1.0: bug in foo\n  fix: upgrade to 1.2.3\n\
             CRITICAL 9.8 GHSA-2222-3333-4444 foo 1.2.3-rc.1: bug in foo\n  fix: upgrade to 1.2.3\n\
             suppressed HIGH 7.5 GHSA-2222-3333-6666 baz 0.5.0: bug in baz\n  vex not_affected: vulnerable_code_not_in_execute_path: we never call baz::parse\n\
             MEDIUM 6.8 GHSA-2222-3333-5555 bar 1.0.1: bug in bar\n  fix: upgrade to 1.0.2\n\
             MEDIUM 6.8 GHSA-2222-3333-5555 bar 3.2.5: bug in bar\n  fix: upgrade above 3.2.5\n\
             5 finding(s), 4 at or above low, 1 suppressed by VEX\n",
            bom.display()
        )
    );

    // Thresholds: only medium findings remain for bar, so --fail-on high passes.
    let bar_only = cyclonedx(tmp.path(), &[("bar", "1.0.1"), ("foo", "1.2.3")]);
    let o = sigil()
        .args(["audit", "--fail-on", "high", "--sbom"])
        .arg(&bar_only)
        .arg("--advisories")
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stdout)
        .ends_with("1 finding(s), 0 at or above high, 0 suppressed by VEX\n"));
    sigil()
        .args(["audit", "--fail-on", "medium", "--sbom"])
        .arg(&bar_only)
        .arg("--advisories")
        .arg(&dir)
        .assert()
        .code(1);
}

#[test]
fn vex_affected_is_reported_and_still_counts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = advisory_dir(tmp.path());
    let bom = cyclonedx(tmp.path(), &[("foo", "1.1.0")]);
    let vex = tmp.path().join("vex.json");
    sigil()
        .args([
            "vex",
            "new",
            "--product",
            "pkg:cargo/foo@1.1.0",
            "--vulnerability",
            "GHSA-2222-3333-4444",
            "--status",
            "affected",
        ])
        .args(["--action-statement", "upgrade foo to 1.2.3", "-o"])
        .arg(&vex)
        .assert()
        .code(0);
    let o = sigil()
        .args(["audit", "--sbom"])
        .arg(&bom)
        .arg("--advisories")
        .arg(&dir)
        .arg("--vex")
        .arg(&vex)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains(
        "CRITICAL 9.8 GHSA-2222-3333-4444 foo 1.1.0: bug in foo\n  fix: upgrade to 1.2.3\n  vex affected: upgrade foo to 1.2.3\n"
    ));
}

#[test]
fn audit_lockfile_against_osv() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = advisory_dir(tmp.path());
    let lock = tmp.path().join("Cargo.lock");
    std::fs::write(
        &lock,
        format!(
            "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"foo\", \"bar\"]\n\n\
             [[package]]\nname = \"bar\"\nversion = \"2.0.0\"\nsource = \"{REGISTRY}\"\n\n\
             [[package]]\nname = \"foo\"\nversion = \"1.2.0\"\nsource = \"{REGISTRY}\"\n"
        ),
    )
    .expect("write");
    let o = sigil()
        .args(["--format", "json", "audit", "--lockfile"])
        .arg(&lock)
        .arg("--advisories")
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let doc = json_doc(&o);
    assert_eq!(
        summary(&doc),
        vec![row(
            "GHSA-2222-3333-4444",
            "foo",
            "1.2.0",
            "critical",
            json!("1.2.3"),
            false
        )]
    );
    assert_eq!(doc["result"]["components"], 2);
    assert_eq!(doc["result"]["findings"][0]["purl"], "pkg:cargo/foo@1.2.0");
}

fn rustsec_md(id: &str, package: &str, extra: &str, patched: &str, title: &str) -> String {
    format!(
        "```toml\n[advisory]\nid = \"{id}\"\npackage = \"{package}\"\ndate = \"2021-01-08\"\nurl = \"https://example.com/{id}\"\n{extra}\n[versions]\npatched = [{patched}]\n```\n\n# {title}\n\nDetails of {id}.\n"
    )
}

#[test]
fn audit_lockfile_against_a_rustsec_checkout() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let db = tmp.path().join("advisory-db");
    let put = |pkg: &str, id: &str, text: String| {
        let d = db.join("crates").join(pkg);
        std::fs::create_dir_all(&d).expect("mkdir");
        std::fs::write(d.join(format!("{id}.md")), text).expect("write");
    };
    put(
        "smallvec",
        "RUSTSEC-2021-0003",
        rustsec_md(
            "RUSTSEC-2021-0003",
            "smallvec",
            "aliases = [\"CVE-2021-25900\", \"GHSA-43w2-9j62-hq99\"]\ncvss = \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"\n",
            "\">= 0.6.14, < 1.0.0\", \">= 1.6.1\"",
            "Buffer overflow in SmallVec::insert_many",
        ),
    );
    put(
        "smallvec",
        "RUSTSEC-2099-0001",
        rustsec_md(
            "RUSTSEC-2099-0001",
            "smallvec",
            "withdrawn = \"2099-01-02\"\n",
            "",
            "Withdrawn one",
        ),
    );
    put(
        "old",
        "RUSTSEC-2099-0002",
        rustsec_md(
            "RUSTSEC-2099-0002",
            "old",
            "informational = \"unmaintained\"\n",
            "",
            "old is unmaintained",
        ),
    );
    put(
        "smallvec",
        "RUSTSEC-0000-0000",
        rustsec_md("RUSTSEC-0000-0000", "smallvec", "", "", "Draft, skipped"),
    );
    // An OSV advisory written and exported by sigil, placed in the checkout: rustsec reads it.
    let adv = tmp.path().join("adv.json");
    sigil()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args([
            "advisory",
            "new",
            "--id",
            "RUSTSEC-2099-0003",
            "--package",
            "pkg:cargo/foo",
            "--summary",
            "foo is broken",
        ])
        .args([
            "--range",
            "introduced=1.0.0,fixed=1.2.3",
            "--range",
            "introduced=2.0.0,fixed=2.0.1",
            "--severity",
            HIGH,
            "-o",
        ])
        .arg(&adv)
        .assert()
        .code(0);
    std::fs::create_dir_all(db.join("crates/foo")).expect("mkdir");
    sigil()
        .args(["advisory", "export", "--format", "rustsec", "-o"])
        .arg(db.join("crates/foo/RUSTSEC-2099-0003.md"))
        .arg(&adv)
        .assert()
        .code(0);

    let lock = |smallvec: &str, foo: &str| {
        let p = tmp.path().join(format!("Cargo-{smallvec}-{foo}.lock"));
        std::fs::write(
            &p,
            format!(
                "version = 3\n\n[[package]]\nname = \"foo\"\nversion = \"{foo}\"\nsource = \"{REGISTRY}\"\n\n\
                 [[package]]\nname = \"old\"\nversion = \"0.1.0\"\nsource = \"{REGISTRY}\"\n\n\
                 [[package]]\nname = \"smallvec\"\nversion = \"{smallvec}\"\nsource = \"{REGISTRY}\"\n"
            ),
        )
        .expect("write");
        p
    };
    let o = sigil()
        .args(["--format", "json", "audit", "--lockfile"])
        .arg(lock("1.6.0", "2.0.0"))
        .arg("--advisories")
        .arg(&db)
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let doc = json_doc(&o);
    assert_eq!(
        summary(&doc),
        vec![
            row(
                "RUSTSEC-2021-0003",
                "smallvec",
                "1.6.0",
                "critical",
                json!("1.6.1"),
                false
            ),
            row(
                "RUSTSEC-2099-0003",
                "foo",
                "2.0.0",
                "high",
                json!("2.0.1"),
                false
            ),
        ]
    );
    let r = &doc["result"];
    assert_eq!(r["findings"][0]["source"], "rustsec");
    assert_eq!(
        r["findings"][0]["aliases"],
        json!(["CVE-2021-25900", "GHSA-43w2-9j62-hq99"])
    );
    assert_eq!(r["withdrawn"], json!(["RUSTSEC-2099-0001"]));
    assert_eq!(r["informational"], json!(["RUSTSEC-2099-0002"]));
    assert_eq!(r["advisories"], 4);
    // Patched versions: clean.
    let o = sigil()
        .args(["audit", "--lockfile"])
        .arg(lock("1.6.1", "1.2.3"))
        .arg("--advisories")
        .arg(&db)
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(String::from_utf8_lossy(&o.stdout)
        .ends_with("0 finding(s), 0 at or above low, 0 suppressed by VEX\n"));
}

#[test]
fn audit_fails_closed_on_bad_evidence() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = advisory_dir(tmp.path());
    let bom = cyclonedx(tmp.path(), &[("foo", "1.1.0")]);
    // A malformed advisory in the directory: exit 1, naming the file.
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"id\": \"GHSA-x\"}").expect("write");
    let o = sigil()
        .args(["audit", "--sbom"])
        .arg(&bom)
        .arg("--advisories")
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!(
            "error: {}: not an OSV advisory: line 1, column 16: missing field `modified`\n",
            bad.display()
        )
    );
    std::fs::remove_file(&bad).expect("rm");
    // A malformed VEX document: exit 1. A missing directory: exit 2. An unreadable version: counted.
    let vex = tmp.path().join("v.json");
    std::fs::write(&vex, "{}").expect("write");
    sigil()
        .args(["audit", "--sbom"])
        .arg(&bom)
        .arg("--advisories")
        .arg(&dir)
        .arg("--vex")
        .arg(&vex)
        .assert()
        .code(1);
    sigil()
        .args(["audit", "--sbom"])
        .arg(&bom)
        .arg("--advisories")
        .arg(tmp.path().join("nope"))
        .assert()
        .code(2);
    sigil()
        .args(["audit", "--advisories"])
        .arg(&dir)
        .assert()
        .code(2);
    let odd = cyclonedx(tmp.path(), &[("foo", "1.1")]);
    let o = sigil()
        .args([
            "--format",
            "json",
            "audit",
            "--fail-on",
            "critical",
            "--sbom",
        ])
        .arg(&odd)
        .arg("--advisories")
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let doc = json_doc(&o);
    assert_eq!(
        doc["result"]["findings"][0]["indeterminate"],
        "\"1.1\" is not a valid SemVer 2.0 version: unexpected end of input while parsing minor version number"
    );
}
