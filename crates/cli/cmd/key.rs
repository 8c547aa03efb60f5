//! `sigil key generate` and `sigil key export`.

use std::path::PathBuf;

use sigil_keys::{report, SecretKey};

use crate::output::{Failure, Report};
use crate::password;

/// Key management.
#[derive(Debug, clap::Subcommand)]
pub enum KeyCommand {
    /// Generate a minisign key pair: PREFIX.key (0600, scrypt-encrypted) and PREFIX.pub.
    Generate(GenerateArgs),
    /// Convert a public key between minisign and SPKI PEM.
    Export(ExportArgs),
}

/// `sigil key generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Path prefix: writes PREFIX.key and PREFIX.pub.
    #[arg(long, value_name = "PREFIX")]
    out: PathBuf,
    /// Write the secret key unencrypted (only when you really mean it).
    #[arg(long)]
    no_password: bool,
    /// Overwrite existing key files.
    #[arg(long)]
    force: bool,
}

/// Public key output formats, chosen with the global `--format pem|minisign`.
#[derive(Debug, Clone, Copy)]
pub enum KeyFormat {
    /// SPKI PEM (`-----BEGIN PUBLIC KEY-----`), as openssl and securesystemslib read it.
    Pem,
    /// minisign public key file.
    Minisign,
}

/// `sigil key export PUB --format pem|minisign` (PEM when not given; `--format json` wraps
/// the PEM text in the JSON document).
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Public key file (minisign or PEM).
    public_key: PathBuf,
    /// With `--format minisign` from a PEM key: the key id of the minisign key it came from
    /// (16 hex digits, as `sigil key generate` and minisign print it). PEM has no key id and
    /// sigil does not invent one, since signatures carry the original id.
    #[arg(long, value_name = "HEX")]
    key_id: Option<String>,
}

fn with_suffix(prefix: &std::path::Path, suffix: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Runs a key subcommand.
pub fn run(cmd: KeyCommand, key_format: KeyFormat) -> Result<Report, Failure> {
    match cmd {
        KeyCommand::Generate(a) => generate(a),
        KeyCommand::Export(a) => export(a, key_format),
    }
}

fn generate(a: GenerateArgs) -> Result<Report, Failure> {
    let sk_path = with_suffix(&a.out, ".key");
    let pk_path = with_suffix(&a.out, ".pub");
    if let Some(p) = [&sk_path, &pk_path]
        .into_iter()
        .find(|p| !a.force && p.exists())
    {
        return Err(report::key_exists(p));
    }
    let password = match a.no_password {
        true => None,
        false => Some(password::for_new_key()?),
    };
    let sk = SecretKey::generate();
    let text = sk
        .to_minisign(password.as_ref(), None)
        .map_err(|e| Failure::io(format!("encrypting secret key: {e}")))?;
    sigil_keys::write_secret_key_file(&sk_path, &text, a.force)?;
    let pk = sk.public();
    sigil_keys::write_new_file(&pk_path, pk.to_minisign().as_bytes(), 0o644, a.force)?;
    Ok(report::generated(
        &pk,
        &sk_path,
        &pk_path,
        password.is_some(),
    ))
}

fn export(a: ExportArgs, to: KeyFormat) -> Result<Report, Failure> {
    let pk = super::load_public_key(&a.public_key)?;
    let parse = |s: &String| {
        sigil_keys::KeyId::parse(s)
            .ok_or_else(|| Failure::usage(format!("--key-id {s:?} is not 16 hex digits")))
    };
    let id = a.key_id.as_ref().map(parse).transpose()?;
    let (text, fmt) = match to {
        KeyFormat::Pem if id.is_some() => {
            return Err(Failure::usage("--key-id applies only to --format minisign")
                .hint("a PEM key has no key id"))
        }
        KeyFormat::Pem => (pk.to_pem(), "pem"),
        KeyFormat::Minisign => {
            let text = pk
                .to_minisign_keeping_id(id)
                .map_err(|e| report::export_failure(&a.public_key, &e))?;
            (text, "minisign")
        }
    };
    Ok(report::exported(&pk, id, fmt, text))
}
