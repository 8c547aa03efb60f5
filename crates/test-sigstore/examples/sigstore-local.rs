//! `cargo run -p sigil-test-sigstore --example sigstore-local -- [--dir D] [--port P]` (what
//! `cargo xtask sigstore-local` runs): a Sigstore of our own on 127.0.0.1 (OIDC issuer, Fulcio,
//! Rekor v1, TSA) for trying keyless signing offline. Writes the trust files and a token for a
//! default GitHub Actions identity into D, prints the commands to try, and serves until
//! interrupted.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::PathBuf;

use sigil_test_sigstore::{Identity, Server};

fn main() {
    if let Err(e) = run() {
        eprintln!("sigstore-local: error: {e}");
        std::process::exit(2);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut dir = PathBuf::from("target/sigstore-local");
    let mut port = 0u16;
    // The GitHub Actions identity the tokens stand for (`cargo xtask release --keyless` asks for
    // sigil's release workflow on its version tag and HEAD's commit).
    let (mut repo, mut workflow, mut git_ref) = (
        "acme/widget".to_owned(),
        ".github/workflows/release.yml".to_owned(),
        "refs/tags/v1.0.0".to_owned(),
    );
    let mut sha: Option<String> = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--dir" => dir = it.next().ok_or("--dir needs a value")?.into(),
            "--port" => port = it.next().ok_or("--port needs a value")?.parse()?,
            "--repo" => repo = it.next().ok_or("--repo needs a value")?,
            "--workflow" => workflow = it.next().ok_or("--workflow needs a value")?,
            "--ref" => git_ref = it.next().ok_or("--ref needs a value")?,
            "--sha" => sha = Some(it.next().ok_or("--sha needs a value")?),
            other => return Err(format!("unknown argument {other:?}").into()),
        }
    }
    let server = Server::start_on(port)?;
    let files = server.write_trust_files(&dir)?;
    let mut id = Identity::github(&repo, &workflow, &git_ref);
    if let Some(sha) = sha {
        use sigil_test_sigstore::oid;
        for o in [
            oid::GITHUB_WORKFLOW_SHA,
            oid::BUILD_SIGNER_DIGEST,
            oid::SOURCE_REPOSITORY_DIGEST,
            oid::BUILD_CONFIG_DIGEST,
        ] {
            id = id.with_extension(o, sha.clone());
        }
    }
    // Tokens live ten minutes, like GitHub's; a fresh one is written every five.
    let token_file = dir.join("token.jwt");
    std::fs::write(&token_file, server.token(&id))?;
    let d = dir.display();
    println!("local sigstore on {}", server.url());
    println!(
        "  oidc issuer  {}  (jwks {}/jwks)",
        server.url(),
        server.url()
    );
    println!("  fulcio       {}/api/v2/signingCert", server.url());
    println!("  rekor        {}/api/v1/log/entries", server.url());
    println!("  tsa          {}/api/v1/timestamp", server.url());
    println!("files in {d}:");
    println!("  {}", files.trusted_root.display());
    println!("  {}", files.signing_config.display());
    println!("  {}", files.client_trust_config.display());
    println!("  {}  (identity {})", token_file.display(), id.san.as_str());
    println!("try:");
    println!("  echo hello > {d}/hello.txt");
    println!(
        "  sigstore --trust-config {d}/trust_config.json sign --identity-token \"$(cat {d}/token.jwt)\" --bundle {d}/hello.txt.sigstore.json {d}/hello.txt"
    );
    println!(
        "  sigil sign --keyless --signing-config {d}/signing_config.json --trusted-root {d}/trusted_root.json --insecure-allow-http --identity-token @{d}/token.jwt --force {d}/hello.txt"
    );
    println!(
        "  sigil verify --bundle {d}/hello.txt.sigstore.json --trusted-root {d}/trusted_root.json --certificate-identity {} --certificate-oidc-issuer {} {d}/hello.txt",
        id.san.as_str(),
        id.issuer
    );
    println!(
        "  sigstore --trust-config {d}/trust_config.json verify identity --offline --bundle {d}/hello.txt.sigstore.json --cert-identity {} --cert-oidc-issuer {} {d}/hello.txt",
        id.san.as_str(),
        id.issuer
    );
    println!("serving until Ctrl-C");
    loop {
        std::thread::sleep(std::time::Duration::from_secs(300));
        std::fs::write(&token_file, server.token(&id))?;
    }
}
