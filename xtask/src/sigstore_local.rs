//! `cargo xtask sigstore-local [--dir D] [--port P]`: a Sigstore of our own on 127.0.0.1
//! (OIDC issuer, Fulcio, Rekor v1, TSA from `sigil-test-sigstore`) for trying keyless signing
//! offline. It runs that crate's `sigstore-local` example, which writes the trust files and a
//! token for a default identity into D (default `target/sigstore-local`), prints the URLs and
//! the `sigstore`/`sigil` commands to try, and serves until Ctrl-C. (xtask does not link the
//! test-support crate: `tests/it/tidy.rs` keeps it a dev-dependency everywhere.)

use anyhow::{bail, Context as _, Result};

use crate::{cargo, root, run_cmd};

pub fn run(args: &[String]) -> Result<()> {
    let here = std::env::current_dir().context("reading the current directory")?;
    let mut dir = root().join("target/sigstore-local");
    let mut port = "0".to_owned();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--dir" => dir = here.join(it.next().context("--dir needs a value")?),
            "--port" => {
                port = it.next().context("--port needs a value")?.clone();
                port.parse::<u16>().context("--port needs a port number")?;
            }
            other => bail!("sigstore-local: unknown argument {other:?}"),
        }
    }
    run_cmd(
        cargo()
            .args(["run"])
            .args(LOCAL_SIGSTORE)
            .args(["--", "--dir"])
            .arg(&dir)
            .args(["--port", &port]),
    )
}

/// Cargo's arguments after `build` or `run` for the local Sigstore example.
const LOCAL_SIGSTORE: &[&str] = &[
    "--quiet",
    "--locked",
    "-p",
    "sigil-test-sigstore",
    "--example",
    "sigstore-local",
];

/// A local Sigstore started in the background (the same example, built first); stopped when
/// dropped. Used by `bench` and `release --keyless`.
pub struct Background {
    child: std::process::Child,
    /// Where its trust files and token are.
    pub dir: std::path::PathBuf,
}

impl Background {
    /// `trusted_root.json`.
    pub fn trusted_root(&self) -> std::path::PathBuf {
        self.dir.join("trusted_root.json")
    }
    /// `signing_config.json`.
    pub fn signing_config(&self) -> std::path::PathBuf {
        self.dir.join("signing_config.json")
    }
    /// The client trust config for sigstore-python.
    pub fn trust_config(&self) -> std::path::PathBuf {
        self.dir.join("trust_config.json")
    }
    /// A token for the default identity (rewritten every five minutes, lives ten).
    pub fn token(&self) -> Result<String> {
        Ok(std::fs::read_to_string(self.dir.join("token.jwt"))?
            .trim()
            .to_owned())
    }
    /// The token file.
    pub fn token_file(&self) -> std::path::PathBuf {
        self.dir.join("token.jwt")
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Builds and starts the local Sigstore serving from `dir` (fresh files) and waits for its
/// token.
pub fn start(dir: &std::path::Path, identity: &[&str]) -> Result<Background> {
    run_cmd(cargo().args(["build"]).args(LOCAL_SIGSTORE))?;
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    let exe = crate::target_dir().join("debug/examples/sigstore-local");
    let child = std::process::Command::new(&exe)
        .arg("--dir")
        .arg(dir)
        .args(identity)
        .stdout(std::process::Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", exe.display()))?;
    let bg = Background {
        child,
        dir: dir.to_owned(),
    };
    for _ in 0..600 {
        if bg.dir.join("token.jwt").exists() && bg.token().is_ok_and(|t| !t.is_empty()) {
            return Ok(bg);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    bail!("the local Sigstore wrote no token in 60 s")
}
