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

/// The codes a `docs/codes.md` section lists: the first cell of each table row, from the line
/// `Rust: `PATH`.` to the next heading. Panics when the marker is missing or repeated.
fn documented_codes(doc: &str, path: &str) -> Vec<String> {
    let marker = format!("Rust: `{path}`.");
    let lines: Vec<&str> = doc.lines().collect();
    let at: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == marker).collect();
    assert_eq!(
        at.len(),
        1,
        "docs/codes.md has {} `{marker}` lines",
        at.len()
    );
    lines[at[0] + 1..]
        .iter()
        .take_while(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let cell = l.strip_prefix("| `")?;
            Some(cell[..cell.find('`')?].to_owned())
        })
        .collect()
}

/// Every finding-code family: its Rust path (the marker of its docs/codes.md section) and codes.
fn code_families() -> Vec<(&'static str, Vec<String>)> {
    fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<String> {
        all.iter().map(|c| code(*c).to_owned()).collect()
    }
    vec![
        (
            "sigil_policy::Code",
            codes(sigil_policy::Code::ALL, sigil_policy::Code::as_str),
        ),
        (
            "sigil_sigstore::BundleReason",
            codes(
                sigil_sigstore::BundleReason::ALL,
                sigil_sigstore::BundleReason::code,
            ),
        ),
        (
            "sigil_attest::AttestReason",
            codes(
                sigil_attest::AttestReason::ALL,
                sigil_attest::AttestReason::code,
            ),
        ),
        (
            "sigil_sigstore::pep740::Pep740Reason",
            codes(
                sigil_sigstore::pep740::Pep740Reason::ALL,
                sigil_sigstore::pep740::Pep740Reason::code,
            ),
        ),
        (
            "sigil_sigstore::sign::KeylessReason",
            codes(
                sigil_sigstore::sign::KeylessReason::ALL,
                sigil_sigstore::sign::KeylessReason::code,
            ),
        ),
        (
            "sigil_pack::PackCode",
            codes(sigil_pack::PackCode::ALL, sigil_pack::PackCode::code),
        ),
        (
            "sigil_sign::sums_check::EntryCode",
            codes(
                sigil_sign::sums_check::EntryCode::ALL,
                sigil_sign::sums_check::EntryCode::code,
            ),
        ),
        (
            "sigil_advisory::validate::ValidateCode",
            codes(
                sigil_advisory::validate::ValidateCode::ALL,
                sigil_advisory::validate::ValidateCode::code,
            ),
        ),
        (
            "sigil_advisory::audit::Unauditable",
            codes(
                sigil_advisory::audit::Unauditable::ALL,
                sigil_advisory::audit::Unauditable::code,
            ),
        ),
        (
            "sigil_tuf::TufCode",
            codes(sigil_tuf::TufCode::ALL, sigil_tuf::TufCode::code),
        ),
        (
            "sigil_scan::ScanRule",
            codes(sigil_scan::ScanRule::ALL, sigil_scan::ScanRule::code),
        ),
    ]
}

/// Every family of finding codes is an enum, and its section of `docs/codes.md` lists exactly
/// its `ALL`, each once: no undocumented code, no documented code that nothing reports.
#[test]
fn every_finding_code_family_matches_its_docs_section() {
    let families = code_families();
    let doc = support::read(support::root().join("docs/codes.md"));
    for (path, all) in &families {
        let mut seen = std::collections::BTreeSet::new();
        for c in all {
            assert!(
                !c.is_empty()
                    && c.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
                "{path}: `{c}` is not kebab-case"
            );
            assert!(seen.insert(c), "{path}: `{c}` twice");
        }
        let documented = documented_codes(&doc, path);
        let undocumented: Vec<_> = all.iter().filter(|c| !documented.contains(c)).collect();
        let unknown: Vec<_> = documented.iter().filter(|c| !all.contains(c)).collect();
        assert!(
            undocumented.is_empty() && unknown.is_empty() && documented.len() == all.len(),
            "docs/codes.md's section for `{path}`: undocumented {undocumented:?}, \
             not in `ALL` {unknown:?}, {} rows for {} codes",
            documented.len(),
            all.len()
        );
    }
}

/// The modules each library crate makes public on purpose, as namespaces of its API; every
/// other module is private and what callers need is re-exported with `pub use` from lib.rs.
/// Making a module public means adding it here (internal parsers such as sigil-pack's tar and
/// zip readers stay private; a module public only under `#[cfg(fuzzing)]` is a fuzz hook).
const PUBLIC_MODULES: &[(&str, &[&str])] = &[
    (
        "core",
        &[
            "codes", "digest", "error", "hex", "input", "json", "report", "terminal", "time",
        ],
    ),
    ("keys", &["report"]),
    ("scan", &["report"]),
    (
        "sign",
        &["binding", "minisig", "report", "sums", "sums_check"],
    ),
    (
        "sigstore",
        &[
            "batch",
            "cosign",
            "extensions",
            "pep740",
            "report",
            "sign",
            "trust",
        ],
    ),
    (
        "pack",
        &[
            "archive", "content", "extract", "install", "keyless", "manifest", "report", "rules",
            "sign", "tree", "verify",
        ],
    ),
    (
        "attest",
        &[
            "document",
            "dsse",
            "provenance",
            "report",
            "statement",
            "verify",
        ],
    ),
    (
        "sbom",
        &[
            "binary",
            "cargo",
            "cyclonedx",
            "diff",
            "license",
            "lockfile",
            "model",
            "pack",
            "purl",
            "report",
            "spdx",
        ],
    ),
    (
        "advisory",
        &[
            "audit",
            "audit_text",
            "author",
            "batch",
            "cvss",
            "export",
            "inventory",
            "osv",
            "purl",
            "report",
            "rustsec_db",
            "validate",
            "version",
            "vex",
        ],
    ),
    ("tuf", &["conformance", "repo", "report", "trust"]),
    ("policy", &["report"]),
    (
        "gate",
        &[
            "attest",
            "attest_report",
            "decision",
            "decision_log",
            "evidence",
            "fetch",
            "install",
            "keyless",
            "pack",
            "provenance",
            "report",
            "run",
            "sbom",
            "tuf",
        ],
    ),
    ("test-sigstore", &[]),
];

/// Each library's public API is curated in its lib.rs: modules are private unless listed in
/// [`PUBLIC_MODULES`], and every crate re-exports its main items with `pub use`.
#[test]
fn every_crate_curates_its_public_api_in_lib_rs() {
    let crates_dir = support::root().join("crates");
    let mut on_disk: Vec<String> = std::fs::read_dir(&crates_dir)
        .expect("crates/ lists")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("src/lib.rs").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = PUBLIC_MODULES
        .iter()
        .map(|(c, _)| (*c).to_owned())
        .collect();
    listed.sort();
    assert_eq!(on_disk, listed, "PUBLIC_MODULES lists every library crate");
    let mut problems = Vec::new();
    for (name, allowed) in PUBLIC_MODULES {
        let lib = support::read(crates_dir.join(name).join("src/lib.rs"));
        let lines: Vec<&str> = lib.lines().collect();
        let mut public = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            let Some(m) = line
                .strip_prefix("pub mod ")
                .and_then(|m| m.strip_suffix(';'))
            else {
                continue;
            };
            let fuzz_hook = i > 0 && lines[i - 1].trim() == "#[cfg(fuzzing)]";
            if !fuzz_hook {
                public.push(m.to_owned());
            }
        }
        for m in &public {
            if !allowed.contains(&m.as_str()) {
                problems.push(format!(
                    "crates/{name}/src/lib.rs: `pub mod {m}` is not listed as public API"
                ));
            }
        }
        for m in *allowed {
            if !public.iter().any(|p| p == m) {
                problems.push(format!(
                    "crates/{name}: `{m}` is listed as a public module but is not one"
                ));
            }
        }
        if !lines.iter().any(|l| l.starts_with("pub use ")) {
            problems.push(format!(
                "crates/{name}/src/lib.rs re-exports nothing with `pub use`"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The CLI is glue: it renders the codes libraries give it and defines none. No string literal in
/// `crates/cli` may spell a finding code of any family (`code()` and `Display` of the enums are
/// the only way a code reaches the output).
#[test]
fn the_cli_defines_no_finding_code_string() {
    let codes: std::collections::BTreeSet<String> = code_families()
        .into_iter()
        .flat_map(|(_, c)| c)
        // `ok` is the status word of every passing line and document, not a finding.
        .filter(|c| c != "ok")
        .collect();
    let mut files = Vec::new();
    rust_files(&support::root().join("crates/cli"), &mut files);
    let mut found = Vec::new();
    for f in &files {
        let text = support::read(f);
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            // Every "..." literal on the line (no escapes inside a code, so a plain split works).
            for (k, lit) in line.split('"').enumerate() {
                if k % 2 == 1 && codes.contains(lit) {
                    found.push(format!("{}:{}: \"{lit}\"", f.display(), n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "the CLI spells finding codes itself (use the library enum's code()):\n{}",
        found.join("\n")
    );
}
