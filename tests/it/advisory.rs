//! `sigil advisory new|validate|export` and `sigil vex new` (issue 8).
//!
//! What sigil writes is checked against the official OSV 1.7.5 and OpenVEX 0.2 JSON Schemas
//! with the venv's Python `jsonschema`, and CVSS v4.0 scores against Red Hat's `cvss` library.

use crate::support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::{json_doc, python, read, shared, sigil};

const VECTOR_V3: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";

fn new_advisory(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut args = vec![
        "advisory",
        "new",
        "--package",
        "pkg:cargo/foo",
        "--summary",
        "Out-of-bounds write in Foo::push",
        "--details",
        "Pushing past capacity writes out of bounds.",
        "--range",
        "introduced=1.0.0,fixed=1.2.3",
        "--alias",
        "CVE-2024-1234",
        "--reference",
        "ADVISORY:https://example.com/advisory",
        "--reference",
        "https://example.com/blog",
        "--credit",
        "FINDER:Jane Doe",
        "-o",
    ];
    let out_s = out.to_str().expect("utf-8 path").to_owned();
    args.push(&out_s);
    args.extend_from_slice(extra);
    sigil()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args(&args)
        .assert()
        .code(0);
    out
}

/// Validates a JSON file against a schema with the venv's `jsonschema` (with format checks).
fn schema_check(file: &Path, schema: &Path) -> Option<(bool, String)> {
    let py = python()?;
    let out = std::process::Command::new(py)
        .args([
            "-c",
            "import json,sys,jsonschema\n\
             s=json.load(open(sys.argv[2])); d=json.load(open(sys.argv[1]))\n\
             v=jsonschema.Draft202012Validator(s, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)\n\
             errs=[e.message for e in v.iter_errors(d)]\n\
             print('\\n'.join(errs) if errs else 'valid')\n\
             sys.exit(1 if errs else 0)",
        ])
        .arg(file)
        .arg(schema)
        .output()
        .expect("python runs");
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
    ))
}

fn osv_schema() -> Option<PathBuf> {
    shared().map(|s| s.join("schemas/osv/osv-1.7.5.schema.json"))
}

#[test]
fn new_writes_schema_valid_osv_and_shows_the_score() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("a.json");
    let assert = sigil()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args([
            "advisory",
            "new",
            "--id",
            "GHSA-2222-3333-4444",
            "--package",
            "pkg:cargo/foo",
            "--summary",
            "S",
            "--fixed",
            "1.2.3",
        ])
        .args(["--severity", VECTOR_V3, "-o"])
        .arg(&out)
        .assert()
        .code(0);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert_eq!(
        stdout,
        format!(
            "wrote {}: GHSA-2222-3333-4444\nseverity: 9.8 critical (CVSS v3.1 base)\n",
            out.display()
        )
    );
    let doc: Value = serde_json::from_str(&read(&out)).expect("json");
    assert_eq!(doc["modified"], "2023-11-14T22:13:20Z");
    assert_eq!(doc["published"], "2023-11-14T22:13:20Z");
    assert_eq!(
        doc["affected"][0]["package"],
        serde_json::json!({"ecosystem": "crates.io", "name": "foo", "purl": "pkg:cargo/foo"})
    );
    assert_eq!(
        doc["affected"][0]["ranges"][0],
        serde_json::json!({"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "1.2.3"}]})
    );
    if let (Some(schema), Some(_)) = (osv_schema(), python()) {
        assert_eq!(
            schema_check(&out, &schema),
            Some((true, "valid".to_owned()))
        );
    }

    // Every field the flags can set, a draft id and a v4 vector: still schema-valid.
    let full = new_advisory(
        dir.path(),
        "full.json",
        &[
            "--severity",
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
            "--affected-version",
            "1.0.0",
        ],
    );
    let doc: Value = serde_json::from_str(&read(&full)).expect("json");
    assert_eq!(doc["id"], "RUSTSEC-0000-0000");
    assert_eq!(doc["severity"][0]["type"], "CVSS_V4");
    assert_eq!(
        doc["credits"][0],
        serde_json::json!({"name": "Jane Doe", "type": "FINDER"})
    );
    assert_eq!(
        doc["references"][1],
        serde_json::json!({"type": "WEB", "url": "https://example.com/blog"})
    );
    if let (Some(schema), Some(_)) = (osv_schema(), python()) {
        assert_eq!(
            schema_check(&full, &schema),
            Some((true, "valid".to_owned()))
        );
    }
    // Without -o the advisory is the stdout; JSON wraps it with the score.
    let o = sigil()
        .env("SOURCE_DATE_EPOCH", "0")
        .args([
            "--format",
            "json",
            "advisory",
            "new",
            "--ecosystem",
            "npm",
            "--name",
            "left-pad",
            "--last-affected",
            "1.0.0",
        ])
        .args(["--severity", VECTOR_V3])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let j = json_doc(&o);
    assert_eq!(j["result"]["id"], "GHSA-xxxx-xxxx-xxxx");
    assert_eq!(j["result"]["draft"], true);
    assert_eq!(j["result"]["score"], 9.8);
    assert_eq!(j["result"]["severity"], "critical");
    assert_eq!(j["result"]["advisory"]["modified"], "1970-01-01T00:00:00Z");
    assert_eq!(
        j["result"]["advisory"]["affected"][0]["package"]["purl"],
        "pkg:npm/left-pad"
    );
}

#[test]
fn new_refuses_bad_input_without_prompting() {
    let o = sigil()
        .args(["advisory", "new", "--summary", "x"])
        .write_stdin("")
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: missing --package PURL (or --ecosystem and --name)\nhint: stdin is not a terminal, so sigil does not prompt: give every field as a flag\n"
    );
    let o = sigil()
        .args([
            "advisory",
            "new",
            "--package",
            "pkg:cargo/foo",
            "--severity",
            "CVSS:3.1/AV:N",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: severity: cvss vector is missing the base metric AC\n"
    );
    let o = sigil()
        .args([
            "advisory",
            "new",
            "--package",
            "pkg:cargo/foo",
            "--range",
            "fixed=v1.2",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: the advisory would not validate: \"v1.2\" is not a valid SemVer 2.0 version: a leading \"v\" is not part of SemVer (version-invalid)\n"
    );
}

#[test]
fn cvss_v4_scores_match_the_reference_library() {
    let Some(py) = python() else { return };
    let vectors = [
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N",
        "CVSS:4.0/AV:P/AC:H/AT:P/PR:L/UI:P/VC:L/VI:H/VA:N/SC:L/SI:N/SA:H",
        "CVSS:4.0/AV:A/AC:L/AT:N/PR:L/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N/E:P",
        "CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/CR:H/MAV:L",
    ];
    let check = std::process::Command::new(&py)
        .args(["-c", "import cvss"])
        .output()
        .expect("python runs");
    if !check.status.success() {
        assert!(
            std::env::var("SIGIL_INTEROP").map_or(true, |v| v != "1"),
            "SIGIL_INTEROP=1 but the `cvss` package is missing"
        );
        support::skip("python package `cvss` missing (tests/requirements.txt)");
        return;
    }
    for v in vectors {
        let o = sigil()
            .args([
                "--format",
                "json",
                "advisory",
                "new",
                "--package",
                "pkg:cargo/foo",
                "--severity",
                v,
            ])
            .output()
            .expect("runs");
        assert_eq!(o.status.code(), Some(0), "{v}");
        let ours = json_doc(&o)["result"]["score"].as_f64().expect("score");
        let theirs = std::process::Command::new(&py)
            .args([
                "-c",
                "import sys; from cvss import CVSS4; print(CVSS4(sys.argv[1]).base_score)",
                v,
            ])
            .output()
            .expect("python runs");
        let theirs: f64 = String::from_utf8_lossy(&theirs.stdout)
            .trim()
            .parse()
            .expect("a score");
        assert_eq!(ours, theirs, "{v}");
    }
}

#[test]
fn validate_reports_each_rule_with_its_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = new_advisory(dir.path(), "good.json", &["--id", "GHSA-2222-3333-4444"]);
    let text = read(&good);
    let write = |name: &str, from: &str, to: &str| {
        assert!(text.contains(from), "{from}");
        let p = dir.path().join(name);
        std::fs::write(&p, text.replacen(from, to, 1)).expect("write");
        p
    };
    let unsorted = write("unsorted.json", "\"introduced\": \"1.0.0\"\n            },\n            {\n              \"fixed\": \"1.2.3\"", "\"fixed\": \"1.2.3\"\n            },\n            {\n              \"introduced\": \"1.0.0\"");
    let unsorted_id = std::fs::read_to_string(&unsorted).expect("read").replacen(
        "GHSA-2222-3333-4444",
        "GHSA-2222-3333-5555",
        1,
    );
    std::fs::write(&unsorted, unsorted_id).expect("write");
    let no_intro = write(
        "nointro.json",
        "{\n              \"introduced\": \"1.0.0\"\n            },\n",
        "",
    );
    let o = sigil()
        .args(["advisory", "validate"])
        .arg(&good)
        .arg(&unsorted)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!(
            "{}: valid (GHSA-2222-3333-4444)\n{}: valid (GHSA-2222-3333-5555)\n  warning[events-unsorted] at affected[0].ranges[0].events: events are not sorted by version (legal: evaluation sorts them)\n2 file(s): 0 error(s), 1 warning(s)\n",
            good.display(),
            unsorted.display()
        )
    );
    // The same id twice, and a range without introduced: exit 1.
    let o = sigil()
        .args(["advisory", "validate"])
        .arg(&good)
        .arg(&no_intro)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!(
            "{g}: valid (GHSA-2222-3333-4444)\n{n}: invalid (GHSA-2222-3333-4444)\n  error[range-no-introduced] at affected[0].ranges[0].events: a range needs at least one introduced event\n  error[id-duplicate] at id: id GHSA-2222-3333-4444 is also used by {g}\n2 file(s): 2 error(s), 0 warning(s)\n",
            g = good.display(),
            n = no_intro.display()
        )
    );
    // --final rejects draft ids; JSON is one document with the findings.
    let draft = new_advisory(dir.path(), "draft.json", &[]);
    sigil()
        .args(["advisory", "validate"])
        .arg(&draft)
        .assert()
        .code(0);
    let o = sigil()
        .args(["--format", "json", "advisory", "validate", "--final"])
        .arg(&draft)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    let j = json_doc(&o);
    assert_eq!(j["status"], "not-verified");
    assert_eq!(
        j["result"]["files"][0]["findings"],
        serde_json::json!([{"code": "id-draft", "level": "error", "path": "id", "message": "id \"RUSTSEC-0000-0000\" is a draft placeholder"}])
    );
    // Not JSON at all: exit 1 with osv-parse; a missing file: exit 2.
    let junk = dir.path().join("junk.json");
    std::fs::write(&junk, "{").expect("write");
    let o = sigil()
        .args(["advisory", "validate"])
        .arg(&junk)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains(
        "  error[osv-parse]: not an OSV advisory: line 1, column 1: EOF while parsing an object\n"
    ));
    sigil()
        .args(["advisory", "validate"])
        .arg(dir.path().join("missing.json"))
        .assert()
        .code(2);
}

#[test]
fn export_rustsec_and_markdown() {
    let dir = tempfile::tempdir().expect("tempdir");
    let adv = new_advisory(
        dir.path(),
        "a.json",
        &["--id", "GHSA-2222-3333-4444", "--severity", VECTOR_V3],
    );
    let o = sigil()
        .args(["advisory", "export", "--format", "rustsec"])
        .arg(&adv)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "```toml\n[advisory]\nid = \"RUSTSEC-0000-0000\"\npackage = \"foo\"\ndate = \"2023-11-14\"\nurl = \"https://example.com/advisory\"\nreferences = [\"https://example.com/blog\"]\naliases = [\"GHSA-2222-3333-4444\", \"CVE-2024-1234\"]\ncvss = \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"\n\n[versions]\npatched = [\">= 1.2.3\"]\nunaffected = [\"< 1.0.0\"]\n```\n\n# Out-of-bounds write in Foo::push\n\nPushing past capacity writes out of bounds.\n"
    );
    let o = sigil()
        .args(["advisory", "export", "--format", "markdown"])
        .arg(&adv)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let md = String::from_utf8_lossy(&o.stdout);
    assert!(md.starts_with("# GHSA-2222-3333-4444: Out-of-bounds write in Foo::push\n\n- **Severity:** critical 9.8 (CVSS v3.1 base, `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`)\n"), "{md}");
    assert!(
        md.contains("| crates.io | foo | >= 1.0.0, < 1.2.3 | 1.2.3 |\n"),
        "{md}"
    );
    assert!(md.contains("## Credits\n\n- Jane Doe (finder)\n"), "{md}");
    // The format must be chosen; rustsec/markdown belong to advisory export only.
    let o = sigil()
        .args(["advisory", "export"])
        .arg(&adv)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&o.stderr), "error: `sigil advisory export` needs --format rustsec or --format markdown\nhint: --format json gives both inside one JSON document\n");
    let o = sigil()
        .args(["--format", "markdown", "advisory", "validate"])
        .arg(&adv)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    let o = sigil()
        .args(["--format", "json", "advisory", "export"])
        .arg(&adv)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(0));
    let j = json_doc(&o);
    assert!(j["result"]["rustsec"]
        .as_str()
        .expect("text")
        .starts_with("```toml\n"));
    assert!(j["result"]["markdown"]
        .as_str()
        .expect("text")
        .starts_with("# GHSA-2222-3333-4444"));
    // Two packages cannot be one RustSec advisory: a usage error.
    let npm = new_advisory(dir.path(), "npm.json", &["--id", "GHSA-2222-3333-6666"]);
    let text = read(&npm)
        .replace("\"crates.io\"", "\"npm\"")
        .replace("pkg:cargo/foo", "pkg:npm/foo");
    std::fs::write(&npm, text).expect("write");
    let o = sigil()
        .args(["advisory", "export", "--format", "rustsec"])
        .arg(&npm)
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!("error: {}: cannot export to RustSec: a RustSec advisory covers exactly one crates.io package; this advisory names 0\n", npm.display())
    );
}

#[test]
fn vex_new_writes_schema_valid_openvex() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("vex.json");
    let o = sigil()
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .args([
            "vex",
            "new",
            "--product",
            "pkg:cargo/app@1.0.0",
            "--vulnerability",
            "CVE-2024-1234",
            "--alias",
            "GHSA-2222-3333-4444",
        ])
        .args([
            "--status",
            "not_affected",
            "--justification",
            "vulnerable_code_not_in_execute_path",
            "--impact-statement",
            "Foo::push is never called",
        ])
        .args(["--author", "Jane Doe", "-o"])
        .arg(&out)
        .output()
        .expect("runs");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!(
            "wrote {}: CVE-2024-1234 is not_affected for pkg:cargo/app@1.0.0\n",
            out.display()
        )
    );
    let doc: Value = serde_json::from_str(&read(&out)).expect("json");
    assert_eq!(doc["@context"], "https://openvex.dev/ns/v0.2.0");
    assert_eq!(doc["timestamp"], "2023-11-14T22:13:20Z");
    assert_eq!(doc["author"], "Jane Doe");
    assert_eq!(
        doc["statements"][0]["justification"],
        "vulnerable_code_not_in_execute_path"
    );
    assert!(doc["@id"]
        .as_str()
        .expect("id")
        .starts_with("https://openvex.dev/docs/public/vex-"));
    if let (Some(s), Some(_)) = (shared(), python()) {
        assert_eq!(
            schema_check(&out, &s.join("schemas/openvex/openvex_json_schema.json")),
            Some((true, "valid".to_owned()))
        );
    }
    let affected = dir.path().join("affected.json");
    sigil()
        .args([
            "vex",
            "new",
            "--product",
            "pkg:cargo/app",
            "--vulnerability",
            "CVE-2024-1234",
            "--status",
            "affected",
        ])
        .args(["--action-statement", "upgrade foo to 1.2.3", "-o"])
        .arg(&affected)
        .assert()
        .code(0);
    if let (Some(s), Some(_)) = (shared(), python()) {
        assert_eq!(
            schema_check(
                &affected,
                &s.join("schemas/openvex/openvex_json_schema.json")
            ),
            Some((true, "valid".to_owned()))
        );
    }
    // The specification's requirements are enforced before anything is written.
    let o = sigil()
        .args([
            "vex",
            "new",
            "--product",
            "pkg:cargo/app",
            "--vulnerability",
            "CVE-2024-1234",
            "--status",
            "not_affected",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error: statements[0]: not_affected needs a justification or an impact_statement\nhint: not_affected needs --justification or --impact-statement\n"
    );
    let o = sigil()
        .args([
            "vex",
            "new",
            "--product",
            "pkg:cargo/app",
            "--vulnerability",
            "X",
            "--status",
            "affected",
        ])
        .output()
        .expect("runs");
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&o.stderr), "error: statements[0]: affected needs an action_statement\nhint: affected needs --action-statement\n");
}
