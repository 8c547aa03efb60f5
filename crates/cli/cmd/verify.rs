//! `sigil verify`: a file against a minisign signature and a trusted public key.

use std::path::{Path, PathBuf};

use serde_json::json;
use sigil_sign::minisig::{self, Signature, MAX_SIGNATURE_FILE};

use crate::output::{CliError, Output, Report};

/// `sigil verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Trusted public key (minisign or SPKI PEM).
    #[arg(long, short = 'k', value_name = "PUB")]
    key: Option<PathBuf>,
    /// Signature file; default FILE.minisig.
    #[arg(long, short = 'x', value_name = "SIG", conflicts_with = "bundle")]
    signature: Option<PathBuf>,
    /// Sigstore bundle (keyless with the --certificate-* flags, or managed key with --key PEM).
    #[arg(long, value_name = "B")]
    bundle: Option<PathBuf>,
    /// Sigstore trusted_root.json; default: the embedded public-good root.
    #[arg(
        long,
        value_name = "R",
        requires = "bundle",
        conflicts_with = "staging"
    )]
    trusted_root: Option<PathBuf>,
    /// Use the embedded Sigstore staging trusted root.
    #[arg(long, requires = "bundle")]
    staging: bool,
    /// Expected certificate identity (SAN), exactly.
    #[arg(
        long,
        value_name = "I",
        requires = "bundle",
        conflicts_with = "certificate_identity_regexp"
    )]
    certificate_identity: Option<String>,
    /// Expected certificate identity (SAN), as a regular expression (unanchored, like cosign).
    #[arg(long, value_name = "RE", requires = "bundle")]
    certificate_identity_regexp: Option<String>,
    /// Expected OIDC issuer, exactly.
    #[arg(
        long,
        value_name = "O",
        requires = "bundle",
        conflicts_with = "certificate_oidc_issuer_regexp"
    )]
    certificate_oidc_issuer: Option<String>,
    /// Expected OIDC issuer, as a regular expression.
    #[arg(long, value_name = "RE", requires = "bundle")]
    certificate_oidc_issuer_regexp: Option<String>,
    /// The file to verify (with --bundle, also `sha256:<hex>`).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Evaluate a policy: gather sidecar evidence by convention and report every rule.
    #[arg(long, value_name = "P", conflicts_with_all = ["key", "signature", "bundle"])]
    policy: Option<PathBuf>,
    #[command(flatten)]
    audit: super::gate::AuditArgs,
}

/// Verifies `file` against `sig_path` with `key`; every failure to verify is exit 1.
pub fn verify_file(
    out: &Output,
    key: &sigil_keys::PublicKey,
    file: &Path,
    sig_path: &Path,
) -> Result<minisig::Verified, CliError> {
    let (reader, len) = super::open_input(file)?;
    verify_reader(out, key, file, sig_path, reader, len)
}

/// Verifies the bytes of `reader` (the content of `file`, `len` bytes) against `sig_path`.
/// Callers that go on to use the content pass the very bytes they will use, so nothing is
/// read twice from a file that could change in between.
pub fn verify_reader(
    out: &Output,
    key: &sigil_keys::PublicKey,
    file: &Path,
    sig_path: &Path,
    reader: impl std::io::Read,
    len: u64,
) -> Result<minisig::Verified, CliError> {
    // A missing signature is missing evidence: not verified (exit 1), like a bad one. One
    // that exists but cannot be read, or is not a regular file, stays an I/O error (exit 2).
    if std::fs::symlink_metadata(sig_path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
    {
        return Err(CliError::not_verified(format!(
            "{}: no signature: {} does not exist",
            file.display(),
            sig_path.display()
        ))
        .hint("sign with `sigil sign --key KEY FILE`, or name the signature with --signature"));
    }
    let text = super::read_text(sig_path, MAX_SIGNATURE_FILE as u64, "signature")?;
    let sig = Signature::parse(&text)
        .map_err(|e| CliError::not_verified(format!("{}: {e}", sig_path.display())))?;
    let name = file.display().to_string();
    minisig::verify(key, &sig, reader, super::progress(out, &name, len)).map_err(|e| match e {
        minisig::VerifyError::Io(io) => CliError::io(format!("{}: {}", file.display(), super::io_reason(&io))),
        other => CliError::not_verified(format!("{}: {other}", file.display()))
            .data(json!({ "file": file, "signature": sig_path, "signature_key_id": sig.key_id.to_string(), "trusted_key_id": key.key_id().to_string() })),
    })
}

/// Runs `sigil verify --key`.
pub fn run(out: &Output, a: VerifyArgs) -> Result<Report, CliError> {
    if let Some(policy) = &a.policy {
        return super::gate::verify_policy(out, policy, &a.file, &a.audit);
    }
    if let Some(bundle) = a.bundle {
        let r = super::bundle::BundleRequest {
            bundle,
            trusted_root: a.trusted_root,
            staging: a.staging,
            key: a.key,
            identity: a.certificate_identity,
            identity_regexp: a.certificate_identity_regexp,
            issuer: a.certificate_oidc_issuer,
            issuer_regexp: a.certificate_oidc_issuer_regexp,
            file: a.file,
        };
        return super::bundle::run(out, r);
    }
    let key_path = a.key.ok_or_else(|| {
        CliError::usage("nothing to verify against")
            .hint("pass --key PUB with the signer's public key")
    })?;
    let key = super::load_public_key(&key_path)?;
    let sig_path = a
        .signature
        .unwrap_or_else(|| super::sign::signature_path(&a.file));
    let v = verify_file(out, &key, &a.file, &sig_path)?;
    Ok(Report::ok(
        "verified",
        json!({
            "file": a.file,
            "signature": sig_path,
            "key_id": v.key_id.to_string(),
            "algorithm": v.algorithm.as_str(),
            "trusted_comment": v.trusted_comment,
            "bytes": v.bytes,
        }),
    )
    .line(format!(
        "verified {} (key id {})",
        a.file.display(),
        v.key_id
    ))
    .line(format!("trusted comment: {}", v.trusted_comment)))
}
