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
            .args([
                "run",
                "--quiet",
                "--locked",
                "-p",
                "sigil-test-sigstore",
                "--example",
                "sigstore-local",
                "--",
                "--dir",
            ])
            .arg(&dir)
            .args(["--port", &port]),
    )
}
