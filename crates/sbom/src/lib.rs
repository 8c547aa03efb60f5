//! Software bills of materials: what sigil knows about a Cargo workspace, a data pack or a
//! binary, written as CycloneDX 1.6 or 1.5 JSON or SPDX 2.3 JSON, and a diff of two SBOMs.
//!
//! Three builders fill one neutral [`Sbom`] model, which [`render`] writes in the chosen
//! [`Spec`] through typed serde structs ([`cyclonedx`], [`spdx`]):
//!
//! - [`cargo::from_metadata`]: `cargo metadata` output (already resolved for the host) plus the
//!   text of `Cargo.lock`, for SHA-256 checksums;
//! - [`pack::from_files`]: the regular files of a pack with their digests;
//! - [`binary::from_binary`]: the dependency list that `cargo auditable` embeds (`.dep-v0`).
//!
//! [`diff::Inventory::parse`] reads CycloneDX 1.4 to 1.6 and SPDX 2.3 JSON (anyone's, not only
//! sigil's) and [`diff::diff`] compares two of them.
//!
//! This crate does no process, file, clock, environment or network access: the CLI runs
//! `cargo metadata`, reads files, and passes the time (`SOURCE_DATE_EPOCH` or now) in as a
//! [`Timestamp`]. Output is reproducible: the same input and timestamp give the same bytes,
//! and the serial number is derived from the content. No absolute path is ever written.

pub mod binary;
pub mod cargo;
pub mod cyclonedx;
pub mod diff;
pub mod license;
pub mod lockfile;
pub mod model;
pub mod pack;
pub mod purl;
pub mod report;
pub mod spdx;

pub use cargo_metadata;
pub use model::{Author, Component, ComponentKind, DependencyKind, License, Sbom};
pub use sigil_core::time::{Timestamp, TimestampError};

use std::fmt;
use std::str::FromStr;

/// The document formats sigil writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Spec {
    /// CycloneDX 1.6 JSON (the default).
    CycloneDx16,
    /// CycloneDX 1.5 JSON.
    CycloneDx15,
    /// SPDX 2.3 JSON.
    Spdx23,
}

impl Spec {
    /// Every spec, in the order the CLI lists them.
    pub const ALL: [Spec; 3] = [Spec::CycloneDx16, Spec::CycloneDx15, Spec::Spdx23];

    /// The name used on the command line (`cyclonedx-1.6`, `cyclonedx-1.5`, `spdx-2.3`).
    pub fn name(self) -> &'static str {
        match self {
            Spec::CycloneDx16 => "cyclonedx-1.6",
            Spec::CycloneDx15 => "cyclonedx-1.5",
            Spec::Spdx23 => "spdx-2.3",
        }
    }
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown `--spec` name.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("unknown SBOM spec `{given}` (expected cyclonedx-1.6, cyclonedx-1.5 or spdx-2.3)")]
#[non_exhaustive]
pub struct SpecParseError {
    /// What was given.
    pub given: String,
}

impl FromStr for Spec {
    type Err = SpecParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Spec::ALL
            .into_iter()
            .find(|spec| spec.name() == s)
            .ok_or_else(|| SpecParseError {
                given: s.to_owned(),
            })
    }
}

/// Who wrote the document: the tool named in CycloneDX `metadata.tools` and SPDX `creators`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tool {
    /// Tool name, e.g. `sigil`.
    pub name: String,
    /// Tool version, e.g. `0.1.0`.
    pub version: String,
}

/// What every rendering needs besides the SBOM itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// The document's creation time (`SOURCE_DATE_EPOCH` for reproducible output).
    pub timestamp: Timestamp,
    /// The tool that wrote it.
    pub tool: Tool,
}

/// Writing a document failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// Two components share a `bom-ref`, which would make the dependency graph ambiguous.
    #[error("two components share the reference `{bom_ref}`")]
    DuplicateRef {
        /// The shared reference.
        bom_ref: String,
    },
    /// A dependency names a component that is not in the SBOM.
    #[error("dependency graph names `{bom_ref}`, which is not a component")]
    DanglingRef {
        /// The missing reference.
        bom_ref: String,
    },
    /// A file component has no SHA-1, which SPDX 2.3 requires.
    #[error("file `{name}` has no SHA-1, which SPDX 2.3 requires")]
    MissingSha1 {
        /// The file's name.
        name: String,
    },
    /// JSON serialisation failed (a bug: every type here serialises).
    #[error("cannot serialise the document")]
    Json(#[source] serde_json::Error),
}

/// Writes `sbom` as one pretty-printed JSON document in `spec`, ending with a newline.
pub fn render(sbom: &Sbom, spec: Spec, opts: &RenderOptions) -> Result<String, RenderError> {
    sbom.check_refs()?;
    match spec {
        Spec::CycloneDx16 => cyclonedx::render(sbom, cyclonedx::Version::V1_6, opts),
        Spec::CycloneDx15 => cyclonedx::render(sbom, cyclonedx::Version::V1_5, opts),
        Spec::Spdx23 => spdx::render(sbom, opts),
    }
}

/// A UUID (RFC 9562 version 8, name-based with SHA-256) derived from `bytes`.
pub(crate) fn content_uuid(bytes: &[u8]) -> String {
    let d = sigil_core::Sha256Digest::of(bytes);
    let mut b = [0u8; 16];
    b.copy_from_slice(&d.as_bytes()[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = sigil_core::hex::encode(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_names_round_trip() {
        for s in Spec::ALL {
            assert_eq!(s.name().parse::<Spec>(), Ok(s));
        }
        assert_eq!(
            "cyclonedx".parse::<Spec>().map_err(|e| e.to_string()),
            Err(
                "unknown SBOM spec `cyclonedx` (expected cyclonedx-1.6, cyclonedx-1.5 or spdx-2.3)"
                    .to_owned()
            )
        );
    }

    #[test]
    fn content_uuid_is_stable_and_well_formed() {
        let u = content_uuid(b"abc");
        assert_eq!(u, content_uuid(b"abc"));
        assert_ne!(u, content_uuid(b"abd"));
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "8");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
    }
}
