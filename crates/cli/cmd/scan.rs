//! `sigil scan`: secrets in files and trees.

use std::path::PathBuf;

use sigil_scan::{Allowlist, Scanner};

use crate::output::{Failure, Report};

/// `sigil scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Files or directories to scan (symlinks are not followed, `.git` is skipped).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Allowlist file: `path GLOB`, `rule ID` or `fingerprint HEX` per line.
    #[arg(long, value_name = "FILE")]
    allowlist: Option<PathBuf>,
}

/// Loads an allowlist file (a bad one is a usage error).
pub fn load_allowlist(path: Option<&PathBuf>) -> Result<Allowlist, Failure> {
    let Some(path) = path else {
        return Ok(Allowlist::default());
    };
    let text =
        super::read_text(path, 1 << 20, "allowlist").map_err(|e| Failure::usage(e.message))?;
    Allowlist::parse(&text).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
}

/// Runs `sigil scan`.
pub fn run(a: ScanArgs) -> Result<Report, Failure> {
    let scanner = Scanner::new(load_allowlist(a.allowlist.as_ref())?);
    Ok(sigil_scan::report::scan(&scanner.scan_paths(&a.paths)?))
}
