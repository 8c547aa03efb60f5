//! Installs the reference tools the tests compare against. Each step is idempotent and
//! says what it does; a tool that cannot be installed is an error, never a silent skip.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context as _, Result};

use crate::{root, run_cmd};

/// Debian packages the interop tests run.
/// dash, busybox, curl and wget: install.sh is tested under each shell and downloader.
const APT_PACKAGES: &[(&str, &str)] = &[
    ("minisign", "minisign"),
    ("sqlite3", "sqlite3"),
    ("dash", "dash"),
    ("busybox", "busybox"),
    ("curl", "curl"),
    ("wget", "wget"),
];

/// Cargo-installed tools: (binary, crate).
const CARGO_TOOLS: &[(&str, &str)] = &[("cargo-auditable", "cargo-auditable")];

/// The test venv: `SIGIL_VENV`, default `.venv` in the workspace.
pub fn venv_dir() -> PathBuf {
    std::env::var_os("SIGIL_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(".venv"))
}

/// `PATH` with the venv's `bin` first.
pub fn path_with_venv() -> Result<std::ffi::OsString> {
    let mut paths = vec![venv_dir().join("bin")];
    if let Some(p) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&p));
    }
    Ok(std::env::join_paths(paths)?)
}

fn on_path(bin: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).any(|d| d.join(bin).is_file()))
        .unwrap_or(false)
}

fn apt() -> Result<()> {
    let missing: Vec<&str> = APT_PACKAGES
        .iter()
        .filter(|(bin, _)| !on_path(bin))
        .map(|(_, pkg)| *pkg)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    println!("xtask: installing Debian packages {missing:?}");
    let install = |update: bool| -> Result<bool> {
        if update {
            run_cmd(Command::new("apt-get").args(["update", "-qq"]))?;
        }
        Ok(Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(&missing)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .context("running apt-get (the tests need Debian's minisign)")?
            .success())
    };
    if !install(false)? && !install(true)? {
        bail!("apt-get could not install {missing:?}");
    }
    Ok(())
}

fn venv() -> Result<()> {
    let dir = venv_dir();
    let python = dir.join("bin/python");
    if !python.exists() {
        println!("xtask: creating Python venv {}", dir.display());
        run_cmd(Command::new("python3").arg("-m").arg("venv").arg(&dir))?;
    }
    let req = root().join("tests/requirements.txt");
    let wanted =
        std::fs::read_to_string(&req).with_context(|| format!("reading {}", req.display()))?;
    let stamp = dir.join(".sigil-requirements");
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    println!("xtask: installing Python test requirements from tests/requirements.txt");
    run_cmd(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
                "-r",
            ])
            .arg(&req),
    )?;
    std::fs::write(&stamp, wanted)?;
    Ok(())
}

fn cargo_tools() -> Result<()> {
    let bin_dir = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|p| p.join("bin"));
    for (bin, krate) in CARGO_TOOLS {
        let installed = on_path(bin) || bin_dir.as_ref().is_some_and(|d| d.join(bin).is_file());
        if !installed {
            println!("xtask: installing {krate} (cargo install --locked)");
            run_cmd(Command::new("cargo").args(["install", "--locked", krate]))?;
        }
    }
    Ok(())
}

/// Installs everything the tests need.
pub fn ensure_all() -> Result<()> {
    apt()?;
    venv()?;
    cargo_tools()
}
