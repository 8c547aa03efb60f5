//! Tidy checks as ordinary tests: crate docs exist, the dependency direction of
//! ARCHITECTURE.md holds (per `cargo metadata`), only the gate reaches the network, and the
//! documents the code promises are present.

use crate::support;

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

/// Layer of each library crate: a crate may depend only on crates of a lower layer.
const LAYERS: &[(&str, u32)] = &[
    ("sigil-core", 0),
    ("sigil-keys", 1),
    ("sigil-scan", 1),
    ("sigil-sign", 2),
    ("sigil-sigstore", 2),
    ("sigil-pack", 3),
    ("sigil-attest", 3),
    ("sigil-sbom", 3),
    ("sigil-advisory", 4),
    ("sigil-tuf", 3),
    ("sigil-policy", 4),
    ("sigil-gate", 5),
];

/// Test-support crates: unpublished, and only ever a dev-dependency (of the root package for
/// `tests/`, or of a library for its unit tests), so nothing shipped can link them.
const TEST_SUPPORT: &[&str] = &["sigil-test-sigstore"];

/// Crates that reach the network; only the gate may depend on them.
const NETWORK_CRATES: &[&str] = &["reqwest", "hyper", "ureq", "curl", "tough"];

fn metadata() -> Value {
    let out = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps", "--locked"])
        .current_dir(support::root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("metadata is JSON")
}

#[test]
fn dependency_direction_holds() {
    let layers: BTreeMap<&str, u32> = LAYERS.iter().copied().collect();
    let meta = metadata();
    let mut seen = 0;
    for pkg in meta["packages"].as_array().unwrap() {
        let name = pkg["name"].as_str().unwrap();
        let Some(&layer) = layers.get(name) else {
            continue;
        };
        seen += 1;
        for dep in pkg["dependencies"].as_array().unwrap() {
            if dep["kind"].as_str() == Some("dev") {
                continue;
            }
            let d = dep["name"].as_str().unwrap();
            if d == "sigil" || d == "xtask" {
                panic!("{name} depends on {d}: no library depends on the binary or the xtask");
            }
            if let Some(&dl) = layers.get(d) {
                assert!(
                    dl < layer,
                    "{name} (layer {layer}) depends on {d} (layer {dl}): see ARCHITECTURE.md"
                );
            }
            if name != "sigil-gate" {
                assert!(
                    !NETWORK_CRATES.contains(&d),
                    "{name} depends on {d}: only sigil-gate may reach the network"
                );
            }
        }
    }
    assert_eq!(
        seen,
        LAYERS.len(),
        "every library crate is listed in LAYERS"
    );
}

#[test]
fn test_support_crates_are_dev_only_and_unpublished() {
    let meta = metadata();
    let packages = meta["packages"].as_array().unwrap();
    for pkg in packages {
        let name = pkg["name"].as_str().unwrap();
        for dep in pkg["dependencies"].as_array().unwrap() {
            let d = dep["name"].as_str().unwrap();
            if TEST_SUPPORT.contains(&d) {
                assert_eq!(
                    dep["kind"].as_str(),
                    Some("dev"),
                    "{name} depends on the test-support crate {d} outside [dev-dependencies]"
                );
            }
        }
    }
    for t in TEST_SUPPORT {
        let pkg = packages
            .iter()
            .find(|p| p["name"].as_str() == Some(t))
            .unwrap_or_else(|| panic!("test-support crate {t} is not in the workspace"));
        assert_eq!(
            pkg["publish"],
            serde_json::json!([]),
            "{t} must be `publish = false`"
        );
    }
    // Every workspace crate is either a layered library or test support.
    let layers: BTreeMap<&str, u32> = LAYERS.iter().copied().collect();
    for pkg in packages {
        let name = pkg["name"].as_str().unwrap();
        let manifest = pkg["manifest_path"].as_str().unwrap();
        if manifest.contains("/crates/") {
            assert!(
                layers.contains_key(name) || TEST_SUPPORT.contains(&name),
                "{name} is neither in LAYERS nor in TEST_SUPPORT"
            );
        }
    }
}

#[test]
fn every_crate_has_crate_docs_and_an_architecture_section() {
    let arch = support::read(support::root().join("ARCHITECTURE.md"));
    let crates = support::root().join("crates");
    for entry in std::fs::read_dir(&crates).unwrap() {
        let dir = entry.unwrap().path();
        let lib = dir.join("src/lib.rs");
        let main = dir.join("main.rs");
        let file = if lib.exists() { lib } else { main };
        let text = support::read(&file);
        assert!(
            text.trim_start().starts_with("//!"),
            "{} must open with //! crate docs",
            file.display()
        );
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            arch.contains(&format!("`crates/{name}`")),
            "ARCHITECTURE.md has no section for crates/{name}"
        );
    }
}

#[test]
fn no_unsafe_code_anywhere() {
    let meta = support::read(support::root().join("Cargo.toml"));
    assert!(
        meta.contains("unsafe_code = \"forbid\""),
        "the workspace forbids unsafe code"
    );
    let crates = support::root().join("crates");
    for entry in std::fs::read_dir(&crates).unwrap() {
        let manifest = entry.unwrap().path().join("Cargo.toml");
        if !manifest.exists() {
            continue; // crates/cli belongs to the root package
        }
        let toml = support::read(manifest);
        assert!(
            toml.contains("[lints]\nworkspace = true"),
            "every crate inherits the workspace lints:\n{toml}"
        );
    }
}

/// Every rs file under `dir`, recursively.
fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `SOURCE_DATE_EPOCH` has one rule because it is read in one function
/// (`crates/cli/cmd/mod.rs::source_date_epoch`); libraries take the time as a parameter.
#[test]
fn source_date_epoch_is_read_in_exactly_one_function() {
    let mut files = Vec::new();
    rust_files(&support::root().join("crates"), &mut files);
    let mut reads = Vec::new();
    for f in files {
        let text = support::read(&f);
        for (i, line) in text.lines().enumerate() {
            if line.contains("\"SOURCE_DATE_EPOCH\")")
                && (line.contains("var(") || line.contains("var_os("))
            {
                reads.push(format!(
                    "{}:{}",
                    f.strip_prefix(support::root()).unwrap().display(),
                    i + 1
                ));
            }
        }
    }
    assert_eq!(reads.len(), 1, "SOURCE_DATE_EPOCH is read at {reads:?}");
    assert!(reads[0].starts_with("crates/cli/cmd/mod.rs:"), "{reads:?}");
}

#[test]
fn promised_documents_exist() {
    for f in [
        "README.md",
        "ARCHITECTURE.md",
        "SECURITY.md",
        "LICENSE",
        "docs/policy.md",
        "docs/codes.md",
        "Cargo.lock",
    ] {
        assert!(support::root().join(f).is_file(), "{f} is missing");
    }
    let readme = support::read(support::root().join("README.md"));
    let ci = support::read(support::root().join(".ci/run"));
    assert!(
        ci.contains("cargo xtask test"),
        ".ci/run runs the README's test command"
    );
    assert!(
        readme.contains("cargo xtask test"),
        "the README shows the test command"
    );
}

/// SECURITY.md's promise table: every row names a finding code (or `-`) and at least one test
/// as `` `path/to/file.rs::test_name` ``, and every named test exists as a `fn` in that file.
/// A promise with no test, or a test that was renamed or removed, fails here.
#[test]
fn every_security_promise_names_a_test_that_exists() {
    let security = support::read(support::root().join("SECURITY.md"));
    let heading = "## Promises and the tests that prove them";
    let start = security
        .find(heading)
        .unwrap_or_else(|| panic!("SECURITY.md has no section {heading:?}"));
    let section = &security[start + heading.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    let rows: Vec<&str> = section
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("|---") && !l.starts_with("| promise"))
        .collect();
    assert!(
        rows.len() >= 20,
        "the promise table has only {} rows",
        rows.len()
    );
    let mut problems = Vec::new();
    for row in rows {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 3, "promise rows have 3 cells: {row}");
        let tests: Vec<&str> = cells[2]
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|t| t.contains(".rs::"))
            .collect();
        if tests.is_empty() {
            problems.push(format!("no test named for: {}", cells[0]));
        }
        for t in tests {
            let (file, name) = t.split_once(".rs::").unwrap();
            let path = support::root().join(format!("{file}.rs"));
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if !text.contains(&format!("fn {name}(")) {
                problems.push(format!("{t}: no `fn {name}(` in {file}.rs"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "SECURITY.md promises:\n{}",
        problems.join("\n")
    );
}
