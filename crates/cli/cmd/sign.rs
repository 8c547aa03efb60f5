//! `sigil sign`: minisign signatures for files.

use std::path::{Path, PathBuf};

use serde_json::json;
use sigil_sign::minisig;

use crate::output::{CliError, Output, Report};

/// Untrusted comment written on every signature.
pub const UNTRUSTED_COMMENT: &str = "signature from sigil secret key";

/// `sigil sign`.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// Secret key file (minisign format, as made by `sigil key generate` or `minisign -G`).
    #[arg(long, short = 'k', value_name = "KEY")]
    key: PathBuf,
    /// Signed comment; default `timestamp:<unix time>\tfile:<name>\thashed`, as minisign writes.
    #[arg(long, short = 't', value_name = "TEXT")]
    trusted_comment: Option<String>,
    /// Unsigned comment on the first line.
    #[arg(long, short = 'c', value_name = "TEXT", default_value = UNTRUSTED_COMMENT)]
    untrusted_comment: String,
    /// Files to sign; each gets FILE.minisig beside it.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// `SOURCE_DATE_EPOCH` when set (reproducible builds), else the current time.
pub fn timestamp() -> Result<u64, CliError> {
    if let Ok(s) = std::env::var("SOURCE_DATE_EPOCH") {
        return s.trim().parse().map_err(|_| {
            CliError::usage(format!(
                "SOURCE_DATE_EPOCH is not a number of seconds: {s:?}"
            ))
        });
    }
    Ok(std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0))
}

/// `FILE.minisig`.
pub fn signature_path(file: &Path) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(".minisig");
    PathBuf::from(s)
}

/// Signs one file with a loaded key and writes `FILE.minisig` atomically.
pub fn sign_file(
    out: &Output,
    key: &sigil_keys::SecretKey,
    file: &Path,
    trusted_comment: Option<&str>,
    untrusted_comment: &str,
) -> Result<(PathBuf, minisig::Signature), CliError> {
    let (reader, len) = super::open_input(file)?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tc = match trusted_comment {
        Some(t) => t.to_owned(),
        None => format!("timestamp:{}\tfile:{}\thashed", timestamp()?, name),
    };
    let sig = minisig::sign(
        key,
        reader,
        &tc,
        untrusted_comment,
        super::progress(out, &name, len),
    )
    .map_err(|e| match e {
        minisig::SignError::Io(io) => {
            CliError::io(format!("{}: {}", file.display(), super::io_reason(&io)))
        }
        other => CliError::usage(other),
    })?;
    let sig_path = signature_path(file);
    sigil_keys::write_new_file(&sig_path, sig.to_text().as_bytes(), 0o644, true)
        .map_err(super::key_file_error)?;
    Ok((sig_path, sig))
}

/// Runs `sigil sign`.
pub fn run(out: &Output, a: SignArgs) -> Result<Report, CliError> {
    let key = super::load_secret_key(&a.key)?;
    let mut signed = Vec::new();
    let mut report = Report::ok("ok", json!(null));
    for file in &a.files {
        let (sig_path, sig) = sign_file(
            out,
            &key,
            file,
            a.trusted_comment.as_deref(),
            &a.untrusted_comment,
        )?;
        report = report.line(format!(
            "signed {} -> {}",
            file.display(),
            sig_path.display()
        ));
        signed.push(json!({
            "file": file,
            "signature": sig_path,
            "key_id": sig.key_id.to_string(),
            "trusted_comment": sig.trusted_comment,
        }));
    }
    report.data = json!({ "key_id": key.key_id().to_string(), "signed": signed });
    Ok(report)
}
