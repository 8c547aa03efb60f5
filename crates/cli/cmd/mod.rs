//! One module per command family; shared loading helpers live here.

pub mod advisory;
pub mod attest;
pub mod audit;
pub mod bundle;
pub mod gate;
pub mod generate;
pub mod install;
pub mod key;
pub mod keyless;
pub mod log;
pub mod pack;
pub mod policy;
pub mod provenance;
pub mod publisher;
pub mod repo;
pub mod run;
pub mod sbom;
pub mod scan;
pub mod sign;
pub mod sums;
pub mod trust;
pub mod verify;
pub mod verify_attestation;

use std::fs::File;
use std::path::Path;

use sigil_keys::report::secret_key_failure;
use sigil_keys::{KeyFileError, PublicKey, SecretKey};

use crate::output::{Failure, Output};
use crate::password;

/// Files at least this large get a progress bar (when stderr is a terminal).
const PROGRESS_THRESHOLD: u64 = 64 * 1024 * 1024;

/// A key-file error as a failure (`sigil_keys::report`); `?` does the same.
pub fn key_file_error(e: KeyFileError) -> Failure {
    e.into()
}

/// Loads a trusted public key (minisign or PEM). A bad key is a setup error (exit 2).
pub fn load_public_key(path: &Path) -> Result<PublicKey, Failure> {
    Ok(sigil_keys::read_public_key(path)?)
}

/// Loads a secret key, refusing group/world-readable files and asking for a password when the
/// key is encrypted. No byte of the key or password ever appears in an error.
pub fn load_secret_key(path: &Path) -> Result<SecretKey, Failure> {
    let text = sigil_keys::read_secret_key_file(path)?;
    let bad = |e| secret_key_failure(path, &e, password::PASSWORD_ENV);
    let password = match SecretKey::minisign_is_encrypted(&text).map_err(bad)? {
        true => Some(password::to_unlock(path)?),
        false => None,
    };
    SecretKey::parse_minisign(&text, password.as_ref()).map_err(bad)
}

/// Opens a file named on the command line for reading, with its size, through
/// [`sigil_core::input::open`]: a FIFO, device, socket or directory is refused at once
/// (exit 2) instead of blocking or never ending.
pub fn open_input(path: &Path) -> Result<(File, u64), Failure> {
    match sigil_core::input::open(path) {
        Ok((f, meta)) => Ok((f, meta.len())),
        Err(e) if sigil_core::input::not_regular(&e).is_some() => {
            Err(Failure::io(format!("{}: {e}", path.display())))
        }
        Err(e) => Err(Failure::io(format!(
            "cannot open {}: {}",
            path.display(),
            io_reason(&e)
        ))),
    }
}

/// Reads a small text file (signatures, lists), refusing anything over `limit` bytes.
pub fn read_text(path: &Path, limit: u64, what: &str) -> Result<String, Failure> {
    let (f, _) = open_input(path)?;
    let buf = sigil_core::input::read_bounded(f, limit).map_err(|e| match e {
        sigil_core::input::ReadBoundedError::TooLarge { .. } => Failure::not_verified(format!(
            "{}: {what} is larger than {limit} bytes",
            path.display()
        )),
        e => Failure::io(format!("{}: {}", path.display(), io_reason(&e.into()))),
    })?;
    String::from_utf8(buf)
        .map_err(|_| Failure::not_verified(format!("{}: {what} is not UTF-8 text", path.display())))
}

pub use sigil_core::report::io_reason;

/// A progress bar on stderr for `len` units of `what` (bytes unless `template` counts files).
fn bar(len: u64, template: &str, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(len),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar.set_message(sigil_core::terminal::escape(what).into_owned());
    bar
}

const BYTES: &str = "{msg} {bar:30} {bytes}/{total_bytes} {bytes_per_sec}";

fn advance(bar: Option<&indicatif::ProgressBar>, done: u64, total: u64) {
    if let Some(b) = bar {
        b.set_position(done);
        if done >= total {
            b.finish_and_clear();
        }
    }
}

/// A progress reporter for reading `len` bytes of `name`; silent unless allowed and large.
pub fn progress(out: &Output, name: &str, len: u64) -> impl FnMut(u64) {
    let bar = (out.progress_allowed() && len >= PROGRESS_THRESHOLD).then(|| bar(len, BYTES, name));
    move |n| advance(bar.as_ref(), n, len)
}

/// A progress reporter for (done, total) files of `what` (or bytes, with `bytes`), callable
/// from any thread; silent unless allowed and at least 1,000 files (or as many bytes as
/// [`progress`] needs).
pub fn count_progress(out: &Output, what: &str, bytes: bool) -> impl Fn(u64, u64) + Sync {
    let allowed = out.progress_allowed();
    let what = what.to_owned();
    let once = std::sync::OnceLock::new();
    move |done, total| {
        let least = if bytes { PROGRESS_THRESHOLD } else { 1000 };
        let files = "{msg} {bar:30} {pos}/{len} files {per_sec}";
        let template = if bytes { BYTES } else { files };
        let b =
            once.get_or_init(|| (allowed && total >= least).then(|| bar(total, template, &what)));
        advance(b.as_ref(), done, total);
    }
}

/// `SOURCE_DATE_EPOCH`, the one place sigil reads it (reproducible output).
///
/// Unset or empty: `None`. Otherwise it must be a whole, non-negative number of seconds since
/// 1970-01-01 UTC (surrounding blanks allowed); anything else is a usage error, never ignored.
pub fn source_date_epoch() -> Result<Option<u64>, Failure> {
    let Some(v) = std::env::var_os("SOURCE_DATE_EPOCH") else {
        return Ok(None);
    };
    let text = v.to_string_lossy();
    if text.trim().is_empty() {
        return Ok(None);
    }
    text.trim().parse().map(Some).map_err(|_| {
        Failure::usage(format!(
            "SOURCE_DATE_EPOCH is not a number of seconds: {text:?}"
        ))
        .hint("set it to seconds since 1970-01-01 UTC, e.g. `git log -1 --format=%ct`, or unset it")
    })
}

/// The time to record: `SOURCE_DATE_EPOCH` when set, else the system clock, in seconds.
pub fn now_or_source_date_epoch() -> Result<u64, Failure> {
    if let Some(s) = source_date_epoch()? {
        return Ok(s);
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| Failure::io("the system clock is before 1970"))
}
