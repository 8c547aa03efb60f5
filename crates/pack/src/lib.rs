//! Data packs: directories of data files (prompts, templates, JSON and YAML) that users can
//! trust to be exactly what the publisher signed, free of executable content and leaked
//! keys, and impossible to install outside their destination.
//!
//! - [`sign_dir`] checks the data-only rules ([`rules`]) and runs the secret scan
//!   ([`sigil_scan`]), then writes `.sigil/SHA256SUMS` (GNU format: `sha256sum -c` checks it)
//!   and `.sigil/SHA256SUMS.minisig` (`minisign -V` checks it), whose trusted comment is
//!   `sigil-pack name=<n> version=<v> files=<n> bytes=<n>` ([`PackComment`]).
//! - [`verify_dir`] checks the signature with trusted keys, the comment against the
//!   manifest, then the exact tree: every missing, extra, changed or retyped file is a
//!   [`Problem`]. Files hash in parallel (rayon).
//! - [`write_archive`] writes a deterministic `tar.gz` (same tree, same bytes).
//! - [`install_archive`] is the verified install, for the CLI and the policy gate:
//!   ```no_run
//!   # fn demo(keys: &[sigil_keys::PublicKey], sig: &sigil_sign::Signature) -> Result<(), sigil_pack::InstallError> {
//!   use sigil_pack::{install_archive, InstallOptions, Limits, MinisignVerifier};
//!   let verifier = MinisignVerifier { keys, signature: sig };
//!   let opts = InstallOptions { limits: Limits::default(), replace: false };
//!   let installed = install_archive("pack.tar.gz".as_ref(), &verifier, keys, "packs/prompts".as_ref(), &opts)?;
//!   println!("{} {}", installed.pack.comment.name, installed.pack.comment.version);
//!   # Ok(()) }
//!   ```
//!   Implement [`ArchiveVerifier`] to gate on something other than one minisign signature
//!   (a policy with thresholds, Sigstore bundles); the pack's own manifest is always checked
//!   against `manifest_keys`. See [`install`] for the order of events and crash safety.
//! - [`extract`] holds the entry checks shared by tar and zip, usable without touching the
//!   file system (fuzzing, dry runs); a private zip reader checks a zip's raw structure first (one end
//!   record at the very end, local headers that agree with the central directory, no name
//!   twice).
//! - [`content`] holds the content rules (no executable format under any name; text that is
//!   UTF-8, JSON that parses), applied by sign, verify and install alike; exceptions are
//!   `content GLOB REASON` lines of the scan allowlist.
//!
//! - [`report`] turns these outcomes and errors into the pack commands' results and failures.
//!
//! What it does not do: fetch anything, read the environment or the clock
//! (`SOURCE_DATE_EPOCH` is passed in), or follow symlinks. Unix only (modes, links, renameat2).

pub mod archive;
pub mod content;
pub mod extract;
pub mod install;
pub mod keyless;
pub mod manifest;
pub mod report;
pub mod rules;
pub mod sign;
mod tar_read;
pub mod tree;
pub mod verify;
// Private API; public only to the fuzz targets (`cargo fuzz` builds with `--cfg fuzzing`).
#[cfg(fuzzing)]
pub mod zip_raw;
#[cfg(not(fuzzing))]
mod zip_raw;

pub use archive::{write_archive, ArchiveError, ArchiveSummary};
pub use extract::{ExtractError, Extracted};
pub use install::{
    install_archive, install_archive_allowing, install_archive_checked, ArchiveTrust,
    ArchiveVerifier, InstallError, InstallOptions, InstalledPack, MinisignVerifier, PackCheck,
};
pub use keyless::{verify_dir_keyless, KeylessTrust, BUNDLE_PATH};
pub use manifest::{Manifest, ManifestParseError, PackComment, MANIFEST_PATH, SIGNATURE_PATH};
pub use rules::{Limits, PackCode, Violation};
pub use sign::{check_dir, sign_dir, SignError, SignOptions, SignedPack, Unsigned};
pub use verify::{
    verify_dir, verify_dir_allowing, PackSigner, PackVerifyError, Problem, ProblemKind,
    VerifiedPack,
};

#[cfg(test)]
mod tests;
