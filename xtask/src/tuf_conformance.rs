//! `cargo xtask tuf-conformance`: the TUF conformance suite (`../shared/suites/tuf-conformance`)
//! against `sigil trust conformance-client`, in a venv of its own with the suite's pinned
//! dependencies, from a copy of the suite in a temporary directory. Tests sigil is expected to
//! fail are listed, each with its reason, in `tests/tuf-conformance.xfails`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context as _, Result};

use crate::{cargo, root, run_cmd, target_dir};

/// The suite's venv: `SIGIL_TUF_CONFORMANCE_VENV`, default `.venv-tuf-conformance` in the
/// workspace (apart from the interop venv: the suite pins other versions of `tuf`).
fn venv_dir() -> PathBuf {
    std::env::var_os("SIGIL_TUF_CONFORMANCE_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv-tuf-conformance"))
}

fn suite_dir() -> Result<PathBuf> {
    let dir = root().join("../shared/suites/tuf-conformance");
    if !dir.join("pyproject.toml").is_file() {
        bail!(
            "the TUF conformance suite is not at {} (it is read from ../shared)",
            dir.display()
        );
    }
    Ok(dir)
}

/// The `dependencies = [...]` of the suite's `pyproject.toml`, as pip requirements.
fn pinned_dependencies(pyproject: &str) -> Result<Vec<String>> {
    let start = pyproject
        .find("dependencies = [")
        .context("no `dependencies = [` in the suite's pyproject.toml")?;
    let rest = &pyproject[start + "dependencies = [".len()..];
    // Quoted requirements up to the `]` that closes the list (extras like `[crypto]` sit
    // inside the quotes).
    let mut deps = Vec::new();
    let mut current: Option<String> = None;
    let mut closed = false;
    for c in rest.chars() {
        match (&mut current, c) {
            (Some(s), '"') => {
                deps.push(std::mem::take(s));
                current = None;
            }
            (Some(s), c) => s.push(c),
            (None, '"') => current = Some(String::new()),
            (None, ']') => {
                closed = true;
                break;
            }
            (None, _) => {}
        }
    }
    if !closed {
        bail!("unterminated dependencies list in the suite's pyproject.toml");
    }
    if deps.is_empty() {
        bail!("the suite's pyproject.toml lists no dependencies");
    }
    Ok(deps)
}

fn ensure_venv(suite: &Path) -> Result<PathBuf> {
    let dir = venv_dir();
    let python = dir.join("bin/python");
    if !python.exists() {
        println!("xtask: creating Python venv {}", dir.display());
        run_cmd(Command::new("python3").arg("-m").arg("venv").arg(&dir))?;
    }
    let pyproject = std::fs::read_to_string(suite.join("pyproject.toml"))?;
    let deps = pinned_dependencies(&pyproject)?;
    let wanted = deps.join("\n");
    let stamp = dir.join(".sigil-tuf-conformance");
    if std::fs::read_to_string(&stamp).ok().as_deref() != Some(wanted.as_str()) {
        println!("xtask: installing the suite's pinned dependencies {deps:?}");
        run_cmd(
            Command::new(&python)
                .args(["-m", "pip", "install", "-q", "--disable-pip-version-check"])
                .args(&deps),
        )?;
        std::fs::write(&stamp, &wanted)?;
    }
    Ok(python)
}

fn ensure_faketime() -> Result<()> {
    let found = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join("faketime").is_file()))
        .unwrap_or(false);
    if found {
        return Ok(());
    }
    println!("xtask: installing Debian's faketime (the suite runs the client under it)");
    let install = || {
        Command::new("apt-get")
            .args([
                "install",
                "-y",
                "-qq",
                "--no-install-recommends",
                "faketime",
            ])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .map(|s| s.success())
            .unwrap_or(false)
    };
    if !install() {
        run_cmd(Command::new("apt-get").args(["update", "-qq"]))?;
        if !install() {
            bail!("apt-get could not install faketime");
        }
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let kind = entry.file_type()?;
        let dest = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &dest)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &dest)
                .with_context(|| format!("copying {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Runs the suite; extra arguments go to pytest (e.g. `-k test_basic`).
pub fn run(rest: &[String]) -> Result<()> {
    let suite = suite_dir()?;
    ensure_faketime()?;
    let python = ensure_venv(&suite)?;
    run_cmd(cargo().args(["build", "--locked", "--bin", "sigil"]))?;
    let sigil = target_dir().join("debug/sigil");

    let work = std::env::temp_dir().join(format!("sigil-tuf-conformance-{}", std::process::id()));
    if work.exists() {
        std::fs::remove_dir_all(&work)?;
    }
    let copy = work.join("suite");
    copy_tree(&suite, &copy)?;
    // The suite takes one executable and reads `<executable>.xfails` beside it.
    let client = work.join("sigil-conformance-client");
    std::fs::write(
        &client,
        format!(
            "#!/bin/sh\nexec '{}' trust conformance-client \"$@\"\n",
            sigil.display()
        ),
    )?;
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&client, std::fs::Permissions::from_mode(0o755))?;
    }
    std::fs::copy(
        root().join("tests/tuf-conformance.xfails"),
        work.join("sigil-conformance-client.xfails"),
    )
    .context("copying tests/tuf-conformance.xfails")?;

    let extra: Vec<&String> = rest.iter().filter(|a| *a != "--").collect();
    println!("xtask: running the TUF conformance suite against sigil");
    let status = Command::new(&python)
        .args([
            "-m",
            "pytest",
            "tuf_conformance",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rfE",
        ])
        .arg("--entrypoint")
        .arg(&client)
        .args(extra)
        .current_dir(&copy)
        .status()
        .context("starting pytest")?;
    let _ = std::fs::remove_dir_all(&work);
    if !status.success() {
        bail!("the TUF conformance suite failed ({status})");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pinned_dependencies_are_read_from_pyproject() {
        let text = "[project]\nname = \"x\"\ndependencies = [\n    \"a[b]==1.4.0\",\n    \"tuf==7.0.0\"\n]\n[x]\ny = [\"z\"]\n";
        assert_eq!(
            pinned_dependencies(text).unwrap(),
            vec!["a[b]==1.4.0".to_owned(), "tuf==7.0.0".to_owned()]
        );
        assert!(pinned_dependencies("[project]\n").is_err());
    }
}
