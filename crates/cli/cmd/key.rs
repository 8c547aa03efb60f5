//! `sigil key generate` and `sigil key export`.

use std::path::PathBuf;

use serde_json::json;
use sigil_keys::SecretKey;

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
    if !a.force {
        for p in [&sk_path, &pk_path] {
            if p.exists() {
                return Err(Failure::usage(format!("{}: already exists", p.display()))
                    .hint("use --force to overwrite"));
            }
        }
    }
    let password = if a.no_password {
        None
    } else {
        Some(password::for_new_key()?)
    };
    let sk = SecretKey::generate();
    let text = sk
        .to_minisign(password.as_ref(), None)
        .map_err(|e| Failure::io(format!("encrypting secret key: {e}")))?;
    sigil_keys::write_secret_key_file(&sk_path, &text, a.force).map_err(super::key_file_error)?;
    let pk = sk.public();
    sigil_keys::write_new_file(&pk_path, pk.to_minisign().as_bytes(), 0o644, a.force)
        .map_err(super::key_file_error)?;
    Ok(Report::ok(
        "ok",
        json!({
            "key_id": pk.key_id().to_string(),
            "fingerprint": pk.fingerprint(),
            "secret_key": sk_path,
            "public_key": pk_path,
            "encrypted": password.is_some(),
        }),
    )
    .line(format!("key id {}", pk.key_id()))
    .line(format!(
        "secret key: {} ({})",
        sk_path.display(),
        if password.is_some() {
            "encrypted"
        } else {
            "UNENCRYPTED"
        }
    ))
    .line(format!("public key: {}", pk_path.display())))
}

fn export(a: ExportArgs, to: KeyFormat) -> Result<Report, Failure> {
    let pk = super::load_public_key(&a.public_key)?;
    let id = match &a.key_id {
        None => None,
        Some(s) => Some(
            sigil_keys::KeyId::parse(s)
                .ok_or_else(|| Failure::usage(format!("--key-id {s:?} is not 16 hex digits")))?,
        ),
    };
    let (text, fmt) = match to {
        KeyFormat::Pem if id.is_some() => {
            return Err(Failure::usage("--key-id applies only to --format minisign")
                .hint("a PEM key has no key id"))
        }
        KeyFormat::Pem => (pk.to_pem(), "pem"),
        KeyFormat::Minisign => {
            let text = pk.to_minisign_keeping_id(id).map_err(|e| {
                let err = Failure::usage(format!("{}: {e}", a.public_key.display()));
                match e {
                    sigil_keys::MinisignExportError::NoKeyId => err.hint(
                        "pass --key-id with the id of the minisign key this PEM key was exported from",
                    ),
                    _ => err,
                }
            })?;
            (text, "minisign")
        }
    };
    let mut r = Report::ok(
        "ok",
        json!({ "format": fmt, "key_id": id.unwrap_or(pk.key_id()).to_string(), "fingerprint": pk.fingerprint(), "key": text }),
    );
    r.document = Some(text.clone());
    Ok(r)
}
