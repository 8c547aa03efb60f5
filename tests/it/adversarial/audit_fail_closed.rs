//! Threat: an audit that audited nothing reports clean.
//!
//! A component the audit cannot match against any advisory (no purl, no version, a version
//! that disagrees with its purl, a purl its type does not allow, a name the advisories spell
//! otherwise) used to be skipped in silence, and "0 finding(s)", exit 0 followed. An advisory
//! whose range has only `fixed` (which `advisory validate` rejects) used to affect nothing.
//! Now each is reported with its own code and fails the audit.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::support::{json_doc, sigil};

const CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

fn write(path: &Path, v: &Value) -> PathBuf {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, serde_json::to_string_pretty(v).expect("json")).expect("write");
    path.to_owned()
}

/// `GHSA-2222-3333-4444`: crate `foo` from 1.0.0 below 1.2.3, critical, with `events`.
fn advisory(events: Value) -> Value {
    json!({
        "schema_version": "1.7.5",
        "id": "GHSA-2222-3333-4444",
        "modified": "2024-01-01T00:00:00Z",
        "summary": "bug in foo",
        "severity": [{"type": "CVSS_V3", "score": CRITICAL}],
        "affected": [{"package": {"ecosystem": "crates.io", "name": "foo"},
            "ranges": [{"type": "SEMVER", "events": events}]}]
    })
}

fn advisories(root: &Path) -> PathBuf {
    let dir = root.join("advisories");
    write(
        &dir.join("foo.json"),
        &advisory(json!([{"introduced": "1.0.0"}, {"fixed": "1.2.3"}])),
    );
    dir
}

/// A CycloneDX SBOM with one component.
fn sbom(root: &Path, component: Value) -> PathBuf {
    write(
        &root.join("bom.json"),
        &json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
                "components": [component]}),
    )
}

fn run(root: &Path, bom: &Path, extra: &[&str]) -> (std::process::Output, std::process::Output) {
    let dir = advisories(root);
    let human = sigil()
        .arg("audit")
        .args(extra)
        .arg("--sbom")
        .arg(bom)
        .arg("--advisories")
        .arg(&dir)
        .output()
        .expect("runs");
    let json = sigil()
        .args(["--format", "json", "audit"])
        .args(extra)
        .arg("--sbom")
        .arg(bom)
        .arg("--advisories")
        .arg(&dir)
        .output()
        .expect("runs");
    (human, json)
}

/// Audits a one-component SBOM: exit 1, the exact human report, and the JSON `unaudited` entry.
fn check_unaudited(component: Value, line: &str, code: &str) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bom = sbom(tmp.path(), component.clone());
    let (human, json) = run(tmp.path(), &bom, &[]);
    let out = String::from_utf8_lossy(&human.stdout);
    assert_eq!(human.status.code(), Some(1), "{out}");
    assert_eq!(
        out,
        format!(
            "audited 1 package(s) from {} against 1 advisories\n{line}\n\
             0 finding(s), 0 at or above low, 0 suppressed by VEX\n\
             1 component(s) not audited\n",
            bom.display()
        )
    );
    assert_eq!(json.status.code(), Some(1));
    let doc = json_doc(&json);
    assert_eq!(doc["status"], "not-verified");
    let u = &doc["result"]["unaudited"];
    assert_eq!(u.as_array().map(Vec::len), Some(1), "{u}");
    assert_eq!(u[0]["code"], code);
    assert_eq!(u[0]["package"], component["name"]);
    assert_eq!(doc["result"]["findings"], json!([]));
}

#[test]
fn component_without_purl_is_unaudited() {
    check_unaudited(
        json!({"type": "library", "name": "foo", "version": "1.1.0"}),
        "UNAUDITED unaudited-no-purl foo 1.1.0: the component has no package url, so no advisory can name it",
        "unaudited-no-purl",
    );
}

#[test]
fn component_without_version_is_unaudited() {
    check_unaudited(
        json!({"type": "library", "name": "foo", "purl": "pkg:cargo/foo"}),
        "UNAUDITED unaudited-no-version foo: neither the component nor its package url gives a version",
        "unaudited-no-version",
    );
}

#[test]
fn component_version_disagreeing_with_its_purl_is_unaudited() {
    // The purl's 1.1.0 is affected; the version field's 1.5.0 is not.
    check_unaudited(
        json!({"type": "library", "name": "foo", "version": "1.5.0", "purl": "pkg:cargo/foo@1.1.0"}),
        "UNAUDITED unaudited-version-mismatch foo 1.5.0: the component's version \"1.5.0\" differs from its package url's \"1.1.0\"",
        "unaudited-version-mismatch",
    );
}

#[test]
fn cargo_purl_with_a_namespace_is_unaudited() {
    check_unaudited(
        json!({"type": "library", "name": "foo", "version": "1.1.0", "purl": "pkg:cargo/acme/foo@1.1.0"}),
        "UNAUDITED unaudited-purl-namespace foo 1.1.0: cargo package urls have no namespace, but this one has \"acme\"",
        "unaudited-purl-namespace",
    );
}

#[test]
fn cargo_name_spelt_otherwise_than_the_advisory_is_unaudited() {
    check_unaudited(
        json!({"type": "library", "name": "Foo", "version": "1.1.0", "purl": "pkg:cargo/Foo@1.1.0"}),
        "UNAUDITED unaudited-name-not-canonical Foo 1.1.0: advisory GHSA-2222-3333-4444 names \"foo\", which the registry takes for \"Foo\": the package url must spell the name as the registry does",
        "unaudited-name-not-canonical",
    );
}

#[test]
fn insecure_allow_unaudited_reports_without_failing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bom = sbom(
        tmp.path(),
        json!({"type": "library", "name": "foo", "version": "1.1.0"}),
    );
    let (human, json) = run(tmp.path(), &bom, &["--insecure-allow-unaudited"]);
    assert_eq!(human.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&human.stdout),
        format!(
            "audited 1 package(s) from {} against 1 advisories\n\
             UNAUDITED unaudited-no-purl foo 1.1.0: the component has no package url, so no advisory can name it\n\
             0 finding(s), 0 at or above low, 0 suppressed by VEX\n\
             1 component(s) not audited (allowed by --insecure-allow-unaudited)\n",
            bom.display()
        )
    );
    assert_eq!(json.status.code(), Some(0));
    let doc = json_doc(&json);
    assert_eq!(doc["status"], "ok");
    assert_eq!(doc["result"]["insecure_allow_unaudited"], true);
    assert_eq!(doc["result"]["unaudited"][0]["code"], "unaudited-no-purl");
}

#[test]
fn advisory_range_with_only_fixed_fails_the_audit() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("advisories");
    let file = write(
        &dir.join("foo.json"),
        &advisory(json!([{"fixed": "1.2.3"}])),
    );
    // foo 1.1.0 is below the fix: read as "nothing introduced", it used to pass.
    let bom = sbom(
        tmp.path(),
        json!({"type": "library", "name": "foo", "version": "1.1.0", "purl": "pkg:cargo/foo@1.1.0"}),
    );
    let message = format!(
        "{}: advisory \"GHSA-2222-3333-4444\" is malformed: affected[0].ranges[0].events: a range needs at least one introduced event (range-no-introduced)",
        file.display()
    );
    let o = sigil()
        .args(["audit", "--sbom"])
        .arg(&bom)
        .arg("--advisories")
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(o.stdout, b"");
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!("error: {message}\n")
    );
    let o = sigil()
        .args(["--format", "json", "audit", "--sbom"])
        .arg(&bom)
        .arg("--advisories")
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let doc = json_doc(&o);
    assert_eq!(doc["exit_code"], 1);
    assert_eq!(doc["error"]["message"], message);
    // The validator says the same of the file.
    let o = sigil()
        .args(["advisory", "validate"])
        .arg(&file)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("range-no-introduced"));
}

#[test]
fn advisory_with_a_misspelt_ecosystem_fails_the_audit() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("advisories");
    let mut a = advisory(json!([{"introduced": "1.0.0"}, {"fixed": "1.2.3"}]));
    a["affected"][0]["package"]["ecosystem"] = json!("crates-io");
    let file = write(&dir.join("foo.json"), &a);
    let bom = sbom(
        tmp.path(),
        json!({"type": "library", "name": "foo", "version": "1.1.0", "purl": "pkg:cargo/foo@1.1.0"}),
    );
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
            "error: {}: advisory \"GHSA-2222-3333-4444\" is malformed: affected[0].package.ecosystem: ecosystem \"crates-io\" is not an OSV ecosystem (ecosystem-unknown)\n",
            file.display()
        )
    );
}
