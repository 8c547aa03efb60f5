//! `sigil sign`: minisign signatures for files.

use std::path::{Path, PathBuf};

use sigil_keys::SecretKey;
use sigil_sign::{minisig, report};
use sigil_sigstore::report::{keyless_failure, signed_keyless};

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

fn refuse_existing(path: &Path, force: bool, keyless: bool) -> Result<(), Failure> {
    match force || std::fs::symlink_metadata(path).is_err() {
        true => Ok(()),
        false => Err(report::signature_exists(path, keyless)),
    }
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
    let name = super::verify::file_name(file);
    let tc = match &a.trusted_comment {
        Some(t) => t.clone(),
        None => format!(
            "timestamp:{}\tfile:{name}\thashed",
            super::now_or_source_date_epoch()?
        ),
    };
    let progress = super::progress(out, &name, len);
    let sig = minisig::sign(key, reader, &tc, &a.untrusted_comment, progress)
        .map_err(|e| report::sign_failure(file, e))?;
    // Refused before signing; a signature made meanwhile is refused here, unchanged.
    sigil_keys::write_new_file(sig_path, sig.to_text().as_bytes(), 0o644, a.force)?;
    Ok(sig)
}

/// Runs `sigil sign`.
pub fn run(out: &Output, a: SignArgs) -> Result<Report, Failure> {
    let keyless = a.keyless.keyless;
    let targets: Vec<(PathBuf, PathBuf)> = match (&a.output, a.files.as_slice()) {
        (Some(o), [one]) => vec![(one.clone(), o.clone())],
        (Some(_), _) => {
            return Err(Failure::usage("-x/--output takes one FILE to sign")
                .hint("sign several files without -x: each gets FILE.minisig"))
        }
        (None, files) if keyless => files
            .iter()
            .map(|f| (f.clone(), super::keyless::bundle_path(f)))
            .collect(),
        (None, files) => files
            .iter()
            .map(|f| (f.clone(), signature_path(f)))
            .collect(),
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
        return run_keyless(out, &a, targets);
    };
    let mut signed = Vec::new();
    for (file, sig_path) in targets {
        let sig = sign_file(out, &key, &file, &sig_path, &a)?;
        signed.push((file, sig_path, sig));
    }
    Ok(report::signed(key.key_id(), &signed))
}

/// `sigil sign --keyless`: one certificate for the run, one bundle per file, each verified
/// before anything is written; every bundle is written only when all were made.
fn run_keyless(
    out: &Output,
    a: &SignArgs,
    targets: Vec<(PathBuf, PathBuf)>,
) -> Result<Report, Failure> {
    let prepared = super::keyless::prepare(&a.keyless)?;
    let names: Vec<String> = targets
        .iter()
        .map(|(f, _)| f.display().to_string())
        .collect();
    // Key generation and the Fulcio round trip overlap the hashing.
    let hash = || {
        targets
            .iter()
            .map(|(f, _)| super::sums::hash_file(out, f).map(|d| d.0))
            .collect()
    };
    let signed = prepared
        .sign_digests(hash)?
        .map_err(|e| keyless_failure(&e, &names.join(", ")))?;
    let mut written = Vec::new();
    for ((file, bundle), s) in targets.into_iter().zip(signed) {
        sigil_keys::write_new_file(&bundle, &s.bundle, 0o644, a.force)?;
        written.push((file, bundle, s));
    }
    Ok(signed_keyless(&written))
}
