//! `sigil sign`: minisign signatures for files.

use std::path::{Path, PathBuf};

use serde_json::json;
use sigil_keys::SecretKey;
use sigil_sign::minisig;

use crate::output::{Failure, Output, Report};

/// Untrusted comment written on every signature.
pub const UNTRUSTED_COMMENT: &str = "signature from sigil secret key";

/// `sigil sign`.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// Secret key file (minisign format, as made by `sigil key generate` or `minisign -G`).
    #[arg(
        long,
        short = 'k',
        value_name = "KEY",
        required_unless_present = "keyless",
        conflicts_with = "keyless"
    )]
    key: Option<PathBuf>,
    #[command(flatten)]
    keyless: super::keyless::KeylessArgs,
    /// Signed comment; default `timestamp:<unix time>\tfile:<name>\thashed`, as minisign writes.
    #[arg(long, short = 't', value_name = "TEXT")]
    trusted_comment: Option<String>,
    /// Unsigned comment on the first line.
    #[arg(long, short = 'c', value_name = "TEXT", default_value = UNTRUSTED_COMMENT)]
    untrusted_comment: String,
    /// Write the signature here instead of FILE.minisig (one FILE only).
    #[arg(long, short = 'x', value_name = "SIG")]
    output: Option<PathBuf>,
    /// Overwrite an existing signature file (it may be another signer's).
    #[arg(long, short = 'f')]
    force: bool,
    /// Files to sign; each gets FILE.minisig beside it.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
}

/// `FILE.minisig`.
pub fn signature_path(file: &Path) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(".minisig");
    PathBuf::from(s)
}

/// Refuses to overwrite an existing signature or bundle without `--force`.
pub fn refuse_existing(path: &Path, force: bool, keyless: bool) -> Result<(), Failure> {
    if force || std::fs::symlink_metadata(path).is_err() {
        return Ok(());
    }
    let (what, hint) = match keyless {
        true => ("bundle", ""),
        false => (
            "signature file",
            ", or -x/--output to write the signature elsewhere",
        ),
    };
    Err(Failure::usage(format!(
        "{}: {what} exists; nothing was signed and it is unchanged",
        path.display()
    ))
    .hint(format!("pass --force to overwrite it{hint}")))
}

/// Signs one file with a loaded key and writes the signature (`sig_path`) atomically; an
/// existing one is overwritten only with `force`.
fn sign_file(
    out: &Output,
    key: &SecretKey,
    file: &Path,
    sig_path: &Path,
    a: &SignArgs,
) -> Result<minisig::Signature, Failure> {
    let (reader, len) = super::open_input(file)?;
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tc = match &a.trusted_comment {
        Some(t) => t.clone(),
        None => format!(
            "timestamp:{}\tfile:{name}\thashed",
            super::now_or_source_date_epoch()?
        ),
    };
    let sig = minisig::sign(
        key,
        reader,
        &tc,
        &a.untrusted_comment,
        super::progress(out, &name, len),
    )
    .map_err(|e| match e {
        minisig::SignError::Io(io) => {
            Failure::io(format!("{}: {}", file.display(), super::io_reason(&io)))
        }
        other => Failure::usage(other),
    })?;
    // Refused before signing; a signature made meanwhile is refused here, unchanged.
    sigil_keys::write_new_file(sig_path, sig.to_text().as_bytes(), 0o644, a.force)
        .map_err(super::key_file_error)?;
    Ok(sig)
}

/// Runs `sigil sign`.
pub fn run(out: &Output, a: SignArgs) -> Result<Report, Failure> {
    let keyless = a.keyless.keyless;
    let targets: Vec<(&PathBuf, PathBuf)> = match (&a.output, a.files.as_slice()) {
        (Some(o), [one]) => vec![(one, o.clone())],
        (Some(_), _) => {
            return Err(Failure::usage("-x/--output takes one FILE to sign")
                .hint("sign several files without -x: each gets FILE.minisig"))
        }
        (None, files) if keyless => files
            .iter()
            .map(|f| (f, super::keyless::bundle_path(f)))
            .collect(),
        (None, files) => files.iter().map(|f| (f, signature_path(f))).collect(),
    };
    if keyless && a.trusted_comment.is_some() {
        return Err(Failure::usage(
            "-t/--trusted-comment applies to minisign signatures only",
        ));
    }
    let key = match (&a.key, keyless) {
        (Some(k), false) => Some(super::load_secret_key(k)?),
        (None, false) => return Err(Failure::usage("sign needs --key KEY or --keyless")),
        (_, true) => None,
    };
    // Refuse before signing anything.
    for (file, path) in &targets {
        super::open_input(file)?;
        refuse_existing(path, a.force, keyless)?;
    }
    let Some(key) = key else {
        return run_keyless(out, &a, &targets);
    };
    let mut report = Report::ok("ok", json!(null));
    let mut signed = Vec::new();
    for (file, sig_path) in &targets {
        let sig = sign_file(out, &key, file, sig_path, &a)?;
        report = report.line(format!(
            "signed {} -> {}",
            file.display(),
            sig_path.display()
        ));
        signed.push(json!({ "file": file, "signature": sig_path,
            "key_id": sig.key_id.to_string(), "trusted_comment": sig.trusted_comment }));
    }
    report.data = json!({ "key_id": key.key_id().to_string(), "signed": signed });
    Ok(report)
}

/// `sigil sign --keyless`: one certificate for the run, one bundle per file, each verified
/// before anything is written; every bundle is written only when all were made.
fn run_keyless(
    out: &Output,
    a: &SignArgs,
    targets: &[(&PathBuf, PathBuf)],
) -> Result<Report, Failure> {
    let prepared = super::keyless::prepare(&a.keyless)?;
    let names: Vec<String> = targets
        .iter()
        .map(|(f, _)| f.display().to_string())
        .collect();
    // Key generation and the Fulcio round trip overlap the hashing.
    let hash = || {
        let digest = |(f, _): &(&PathBuf, PathBuf)| super::sums::hash_file(out, f).map(|d| d.0);
        targets.iter().map(digest).collect()
    };
    let signed = prepared
        .sign_digests(hash)?
        .map_err(|e| super::keyless::failure(&e, &names.join(", ")))?;
    let mut report = Report::ok("ok", json!(null));
    let mut items = Vec::new();
    for ((file, bundle), s) in targets.iter().zip(&signed) {
        sigil_keys::write_new_file(bundle, &s.bundle, 0o644, a.force)
            .map_err(super::key_file_error)?;
        let (j, lines) = super::keyless::describe(file, bundle, s);
        items.push(j);
        report.human.extend(lines);
    }
    report.data = json!({ "keyless": true, "signed": items });
    Ok(report)
}
