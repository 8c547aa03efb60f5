//! Security advisories for sigil: OSV 1.7 advisories (typed model, schema and semantic
//! validation, export to RustSec and Markdown), CVSS v3.x/v4.0 base scores, OSV range
//! evaluation, OpenVEX 0.2 documents, and audits of SBOM components or `Cargo.lock`
//! packages against advisory sets.
//!
//! This crate reads and writes no files of its own choosing except through
//! [`rustsec_db::load`], which opens a RustSec advisory-db checkout the caller names; it does
//! no network access and reads no clock or environment: timestamps are passed in.

pub mod audit;
pub mod audit_text;
pub mod author;
pub mod batch;
pub mod cvss;
pub mod export;
pub mod inventory;
pub mod osv;
pub mod purl;
pub mod report;
pub mod rustsec_db;
pub mod validate;
pub mod version;
pub mod vex;

pub use audit::{audit, Advisories, LoadError, Report, Unauditable, Unaudited};
pub use osv::{Advisory, OsvParseError};
pub use validate::ValidateCode;
