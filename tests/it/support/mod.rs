//! Shared helpers for the CLI integration and interop tests.
//!
//! - `sigil()` runs the built binary with a clean environment for password and time.
//! - `shared()` finds `../shared` (public vectors and schemas). Absent: a loud skip, or a
//!   failure under `CI=true`.
//! - `tool(name)` / `python()` find reference tools. Absent: a loud skip, or a failure when
//!   `SIGIL_INTEROP=1` (CI sets it).
#![allow(dead_code, clippy::print_stderr)]

use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `sigil` command with `SIGIL_PASSWORD`, `SOURCE_DATE_EPOCH` and `NO_COLOR` cleared.
pub fn sigil() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("sigil").expect("sigil binary is built");
    c.env_remove("SIGIL_PASSWORD")
        .env_remove("SOURCE_DATE_EPOCH")
        // No developer's trust cache (`sigil trust update`) leaks into a test: tests that want
        // one set their own XDG_CACHE_HOME after this.
        .env(
            "XDG_CACHE_HOME",
            "/nonexistent/sigil-tests-have-no-trust-cache",
        )
        .env("NO_COLOR", "1");
    c
}

fn strict(var: &str) -> bool {
    std::env::var(var).is_ok_and(|v| v == "1" || v == "true")
}

/// `../shared` beside the checkout (or `SIGIL_SHARED`), if present.
pub fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("SIGIL_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared"));
    if dir.join("DESIGN.md").exists() || dir.join("vectors").exists() {
        return Some(dir);
    }
    assert!(
        !strict("CI"),
        "CI=true but {} is missing: public vectors are required in CI",
        dir.display()
    );
    eprintln!(
        "SKIP: {} not found; tests that need public vectors are skipped",
        dir.display()
    );
    None
}

/// A reference tool on PATH (or in the test venv's bin), if present.
pub fn tool(name: &str) -> Option<PathBuf> {
    let venv_bin = venv().join("bin").join(name);
    if venv_bin.exists() {
        return Some(venv_bin);
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            !strict("SIGIL_INTEROP"),
            "SIGIL_INTEROP=1 but the reference tool `{name}` is not installed"
        );
        eprintln!("SKIP: reference tool `{name}` not found; run `cargo xtask test` to install it");
    }
    found
}

/// The Python test venv (`SIGIL_VENV`, default `.venv` in the workspace).
pub fn venv() -> PathBuf {
    std::env::var_os("SIGIL_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv"))
}

/// The venv's Python with the interop packages, if present.
pub fn python() -> Option<PathBuf> {
    let p = venv().join("bin/python");
    if p.exists() {
        return Some(p);
    }
    assert!(
        !strict("SIGIL_INTEROP"),
        "SIGIL_INTEROP=1 but {} is missing",
        p.display()
    );
    eprintln!(
        "SKIP: {} not found; run `cargo xtask test` to create it",
        p.display()
    );
    None
}

/// A file's text.
pub fn read(p: impl AsRef<Path>) -> String {
    std::fs::read_to_string(p.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", p.as_ref().display()))
}

/// Stdout of an assert_cmd output parsed as the one JSON document it must be.
pub fn json_doc(out: &std::process::Output) -> serde_json::Value {
    let s = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(&s)
        .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}):\n{s}"))
}

/// Says loudly on stderr that a check is skipped, and why.
pub fn skip(why: &str) {
    eprintln!("SKIP: {why}");
}
