//! Signatures and checksum lists: minisign `.minisig` signatures (prehashed `ED` by
//! default, legacy `Ed` accepted) and GNU coreutils `SHA256SUMS` lists (BSD tag lines
//! accepted on read).
//!
//! Everything here works on readers and strings; it opens no files, so the CLI and the
//! pack crate decide where bytes come from. Verification returns [`minisig::Verified`] only
//! when both the content signature and the trusted-comment signature hold; [`binding`]
//! compares the name and version a trusted comment states with what is being verified.

pub mod binding;
pub mod minisig;
pub mod report;
pub mod sums;
pub mod sums_check;

pub use minisig::{Signature, SignatureParseError, Verified, VerifyError};
pub use sums::{SumsFile, SumsParseError};
