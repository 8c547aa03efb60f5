//! Threat: a VEX statement silences a finding it does not speak for.
//!
//! OpenVEX statements are about their products ("Statement", "Product Data Structure"); a
//! subcomponent only says where in that product the vulnerability lies. go-vex's
//! `Statement.Matches` requires the product to match, its `PurlMatches` requires every
//! qualifier of the statement's purl, and `SortStatements` orders statements by their own
//! timestamp (else their document's), not by document.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::support::{json_doc, sigil};

const CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

fn write(path: &Path, v: &Value) -> PathBuf {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, serde_json::to_string_pretty(v).expect("json")).expect("write");
    path.to_owned()
}

/// An advisory directory: GHSA-2222-3333-4444 (alias CVE-2024-0001), crate `dep`, every
/// version below 1.5.0, critical.
fn advisories(root: &Path) -> PathBuf {
    let dir = root.join("advisories");
    write(
        &dir.join("dep.json"),
        &json!({
            "schema_version": "1.7.5",
            "id": "GHSA-2222-3333-4444",
            "aliases": ["CVE-2024-0001"],
            "modified": "2024-01-01T00:00:00Z",
            "summary": "bug in dep",
            "severity": [{"type": "CVSS_V3", "score": CRITICAL}],
            "affected": [{"package": {"ecosystem": "crates.io", "name": "dep"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.5.0"}]}]}]
        }),
    );
    dir
}

/// A CycloneDX SBOM describing `pkg:cargo/app@2.0.0` with the component `dep@1.0.0`.
fn sbom(root: &Path) -> PathBuf {
    write(
        &root.join("bom.json"),
        &json!({
            "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "metadata": {"component": {"type": "application", "name": "app", "version": "2.0.0",
                "purl": "pkg:cargo/app@2.0.0"}},
            "components": [{"type": "library", "name": "dep", "version": "1.0.0",
                "purl": "pkg:cargo/dep@1.0.0"}]
        }),
    )
}

/// An OpenVEX document issued at `timestamp` with `statements`.
fn vex(path: &Path, id: &str, timestamp: &str, statements: Value) -> PathBuf {
    write(
        path,
        &json!({
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": id,
            "author": "Someone",
            "timestamp": timestamp,
            "version": 1,
            "statements": statements
        }),
    )
}

fn not_affected(products: Value) -> Value {
    json!({
        "vulnerability": {"name": "CVE-2024-0001"},
        "products": products,
        "status": "not_affected",
        "justification": "vulnerable_code_not_in_execute_path"
    })
}

fn audit(root: &Path, vex_files: &[&Path], extra: &[&str]) -> std::process::Output {
    let mut c = sigil();
    c.arg("audit").arg("--sbom").arg(sbom(root));
    c.arg("--advisories").arg(advisories(root));
    for v in vex_files {
        c.arg("--vex").arg(v);
    }
    c.args(extra).output().expect("runs")
}

fn audit_json(root: &Path, vex_files: &[&Path], extra: &[&str]) -> (Option<i32>, Value) {
    let mut c = sigil();
    c.args(["--format", "json", "audit", "--sbom"])
        .arg(sbom(root));
    c.arg("--advisories").arg(advisories(root));
    for v in vex_files {
        c.arg("--vex").arg(v);
    }
    let o = c.args(extra).output().expect("runs");
    (o.status.code(), json_doc(&o))
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The human report of an audit of `bom.json` where dep's finding stands (`vex` line given).
fn standing(root: &Path, vex_line: Option<&str>) -> String {
    let vex_line = vex_line.map(|l| format!("  {l}\n")).unwrap_or_default();
    format!(
        "audited 2 package(s) from {} against 1 advisories\n\
         product: pkg:cargo/app@2.0.0\n\
         CRITICAL 9.8 GHSA-2222-3333-4444 dep 1.0.0: bug in dep\n  fix: upgrade to 1.5.0\n{vex_line}\
         1 finding(s), 1 at or above low, 0 suppressed by VEX\n",
        root.join("bom.json").display()
    )
}

#[test]
fn vex_about_another_products_subcomponent_does_not_suppress() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let v = vex(
        &tmp.path().join("other.vex.json"),
        "https://example.com/vex/other",
        "2024-02-01T00:00:00Z",
        json!([not_affected(json!([{
            "@id": "pkg:cargo/other-app@1.0.0",
            "subcomponents": [{"@id": "pkg:cargo/dep"}]
        }]))]),
    );
    let o = audit(tmp.path(), &[&v], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert_eq!(stdout(&o), standing(tmp.path(), None));
    let (code, doc) = audit_json(tmp.path(), &[&v], &[]);
    assert_eq!(code, Some(1));
    assert_eq!(doc["status"], "not-verified");
    assert_eq!(doc["result"]["products"], json!(["pkg:cargo/app@2.0.0"]));
    assert_eq!(doc["result"]["findings"][0]["suppressed"], false);
    assert_eq!(doc["result"]["findings"][0]["vex"], Value::Null);
}

#[test]
fn vex_about_our_products_subcomponent_suppresses() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let v = vex(
        &tmp.path().join("app.vex.json"),
        "https://example.com/vex/app",
        "2024-02-01T00:00:00Z",
        json!([not_affected(json!([{
            "@id": "pkg:cargo/app@2.0.0",
            "subcomponents": [{"@id": "pkg:cargo/dep"}]
        }]))]),
    );
    let (code, doc) = audit_json(tmp.path(), &[&v], &[]);
    assert_eq!(code, Some(0), "{doc}");
    assert_eq!(doc["status"], "ok");
    assert_eq!(doc["result"]["findings"][0]["suppressed"], true);
    assert_eq!(
        doc["result"]["findings"][0]["vex"]["document"],
        "https://example.com/vex/app"
    );
    // Naming another product on the command line takes the SBOM's place: the statement is
    // then about a product that is not the one audited.
    let (code, doc) = audit_json(tmp.path(), &[&v], &["--product", "pkg:cargo/app@9.9.9"]);
    assert_eq!(code, Some(1), "{doc}");
    assert_eq!(doc["result"]["products"], json!(["pkg:cargo/app@9.9.9"]));
    assert_eq!(doc["result"]["findings"][0]["suppressed"], false);
    let o = sigil()
        .args(["audit", "--product", "app", "--sbom"])
        .arg(sbom(tmp.path()))
        .arg("--advisories")
        .arg(advisories(tmp.path()))
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: --product \"app\": package url must start with \"pkg:\"\n"
    );
}

#[test]
fn vex_purl_qualifiers_must_all_be_on_the_component() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let v = vex(
        &tmp.path().join("arm.vex.json"),
        "https://example.com/vex/arm",
        "2024-02-01T00:00:00Z",
        json!([not_affected(json!([{"@id": "pkg:cargo/dep?arch=arm64"}]))]),
    );
    let o = audit(tmp.path(), &[&v], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert_eq!(stdout(&o), standing(tmp.path(), None));
    // The same statement without the qualifier names dep itself and suppresses.
    let plain = vex(
        &tmp.path().join("plain.vex.json"),
        "https://example.com/vex/plain",
        "2024-02-01T00:00:00Z",
        json!([not_affected(json!([{"@id": "pkg:cargo/dep"}]))]),
    );
    let o = audit(tmp.path(), &[&plain], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).ends_with("1 finding(s), 0 at or above low, 1 suppressed by VEX\n"));
}

#[test]
fn vex_newest_statement_wins_not_newest_document() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // Issued in January, with a statement dated November: dep is affected.
    let january = vex(
        &tmp.path().join("january.vex.json"),
        "https://example.com/vex/january",
        "2024-01-15T00:00:00Z",
        json!([{
            "vulnerability": {"name": "CVE-2024-0001"},
            "timestamp": "2024-11-01T00:00:00Z",
            "products": [{"@id": "pkg:cargo/dep"}],
            "status": "affected",
            "action_statement": "upgrade dep to 1.5.0"
        }]),
    );
    // Issued in June, with a statement dated February: not affected.
    let mut old = not_affected(json!([{"@id": "pkg:cargo/dep"}]));
    old["timestamp"] = json!("2024-02-01T00:00:00Z");
    let june = vex(
        &tmp.path().join("june.vex.json"),
        "https://example.com/vex/june",
        "2024-06-01T00:00:00Z",
        json!([old]),
    );
    for order in [[&january, &june], [&june, &january]] {
        let o = audit(tmp.path(), &[order[0], order[1]], &[]);
        assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
        assert_eq!(
            stdout(&o),
            standing(tmp.path(), Some("vex affected: upgrade dep to 1.5.0"))
        );
        let (code, doc) = audit_json(tmp.path(), &[order[0], order[1]], &[]);
        assert_eq!(code, Some(1));
        let f = &doc["result"]["findings"][0];
        assert_eq!(f["vex"]["status"], "affected");
        assert_eq!(f["vex"]["document"], "https://example.com/vex/january");
        assert_eq!(f["suppressed"], false);
    }
}
