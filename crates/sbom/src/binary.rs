//! An SBOM for a Rust binary from the dependency list `cargo auditable` embeds in it (the
//! zlib-compressed JSON in the `.dep-v0` section), read with the `auditable-info` crate.
//!
//! The root is the binary's root package, carrying the binary's own SHA-256. The embedded
//! list has names, versions, sources (`crates.io`, `git`, `local`, `registry`) and kinds, but
//! no checksums, licences or URLs: components carry only what the binary says.

use std::collections::{BTreeMap, BTreeSet};

use auditable_serde::{DependencyKind as AuditKind, Source, VersionInfo};
use sigil_core::Sha256Digest;

use crate::model::{unique_ref, Component, ComponentKind, DependencyKind, Sbom};
use crate::purl;

/// Largest binary read (the whole file is parsed in memory).
pub const MAX_BINARY_BYTES: u64 = 1024 * 1024 * 1024;

/// Largest decompressed dependency list accepted.
pub const MAX_AUDIT_JSON: usize = 8 * 1024 * 1024;

/// The binary yields no SBOM.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BinarySbomError {
    /// No `.dep-v0` data: not built with `cargo auditable`, or stripped.
    #[error("the binary carries no cargo-auditable dependency list")]
    NoAuditData,
    /// The embedded list is over [`MAX_AUDIT_JSON`] once decompressed.
    #[error("the embedded dependency list is larger than {MAX_AUDIT_JSON} bytes")]
    TooLarge,
    /// Not an executable the reader knows (ELF, PE, Mach-O), or a malformed one, or a
    /// malformed embedded list; the source says which.
    #[error("cannot read a cargo-auditable dependency list from the file")]
    Malformed(#[source] auditable_info::Error),
    /// The list has no root package.
    #[error("the embedded dependency list has no root package")]
    NoRoot,
}

fn source_name(s: &Source) -> String {
    String::from(s.clone())
}

/// Builds the SBOM of a binary from its bytes; `file_name` is recorded on the root.
pub fn from_binary(bytes: &[u8], file_name: &str) -> Result<Sbom, BinarySbomError> {
    let info =
        auditable_info::audit_info_from_slice(bytes, MAX_AUDIT_JSON).map_err(|e| match e {
            auditable_info::Error::NoAuditData => BinarySbomError::NoAuditData,
            auditable_info::Error::InputLimitExceeded
            | auditable_info::Error::OutputLimitExceeded => BinarySbomError::TooLarge,
            other => BinarySbomError::Malformed(other),
        })?;
    from_version_info(&info, Sha256Digest::of(bytes), file_name)
}

/// Builds the SBOM from an already parsed dependency list.
pub fn from_version_info(
    info: &VersionInfo,
    binary_sha256: Sha256Digest,
    file_name: &str,
) -> Result<Sbom, BinarySbomError> {
    let root_index = info
        .packages
        .iter()
        .position(|p| p.root)
        .ok_or(BinarySbomError::NoRoot)?;
    // Stable order: by name, version, source, then position.
    let mut order: Vec<usize> = (0..info.packages.len()).collect();
    order.sort_by(|&a, &b| {
        let (pa, pb) = (&info.packages[a], &info.packages[b]);
        (&pa.name, &pa.version, &pa.source)
            .cmp(&(&pb.name, &pb.version, &pb.source))
            .then(a.cmp(&b))
    });
    let mut taken = BTreeSet::new();
    let mut refs: BTreeMap<usize, String> = BTreeMap::new();
    let mut root = None;
    let mut components = Vec::new();
    for i in order {
        let p = &info.packages[i];
        let version = p.version.to_string();
        let purl = purl::cargo(&p.name, Some(&version), &[]);
        let bom_ref = unique_ref(&mut taken, purl.clone());
        refs.insert(i, bom_ref.clone());
        let kind = if i == root_index {
            ComponentKind::Application
        } else {
            ComponentKind::Library
        };
        let mut c = Component::new(bom_ref, kind, p.name.clone());
        c.version = Some(version.clone());
        c.purl = Some(purl);
        if p.source != Source::CratesIo {
            c.properties
                .insert("sigil:cargo:source".to_owned(), source_name(&p.source));
        }
        if p.source == Source::CratesIo {
            c.download_location = Some(format!(
                "https://crates.io/api/v1/crates/{}/{version}/download",
                p.name
            ));
        }
        if i == root_index {
            c.sha256 = Some(binary_sha256);
            c.properties
                .insert("sigil:file-name".to_owned(), file_name.to_owned());
            root = Some(c);
        } else {
            c.reached_as = Some(match p.kind {
                AuditKind::Build => DependencyKind::Build,
                AuditKind::Runtime => DependencyKind::Normal,
            });
            components.push(c);
        }
    }
    let root = root.ok_or(BinarySbomError::NoRoot)?;
    let mut dependencies = BTreeMap::new();
    for (i, p) in info.packages.iter().enumerate() {
        let Some(from) = refs.get(&i) else { continue };
        let tos = p
            .dependencies
            .iter()
            .filter_map(|d| {
                let to = refs.get(d)?;
                let kind = match info.packages.get(*d).map(|q| q.kind) {
                    Some(AuditKind::Build) => DependencyKind::Build,
                    _ => DependencyKind::Normal,
                };
                Some((to.clone(), kind))
            })
            .collect();
        dependencies.insert(from.clone(), tos);
    }
    Ok(Sbom {
        root,
        components,
        dependencies,
        contains: BTreeSet::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(json: &str, expect: Result<Vec<(&str, Option<&str>)>, &str>) {
        let got = serde_json::from_str::<VersionInfo>(json)
            .map_err(|e| e.to_string())
            .and_then(|i| {
                from_version_info(&i, Sha256Digest::of(b"bin"), "app").map_err(|e| e.to_string())
            })
            .map(|s| {
                s.components
                    .iter()
                    .map(|c| {
                        (
                            c.bom_ref.clone(),
                            c.reached_as.map(|k| k.as_str().to_owned()),
                        )
                    })
                    .collect::<Vec<_>>()
            });
        let want = expect.map(|v| {
            v.into_iter()
                .map(|(r, k)| (r.to_owned(), k.map(str::to_owned)))
                .collect::<Vec<_>>()
        });
        assert_eq!(got, want.map_err(str::to_owned));
    }

    #[test]
    fn reads_dependency_lists() {
        check(
            r#"{"packages":[
                {"name":"app","version":"0.1.0","source":"local","dependencies":[1,2],"root":true},
                {"name":"libc","version":"0.2.1","source":"crates.io"},
                {"name":"cc","version":"1.0.0","source":"crates.io","kind":"build"}]}"#,
            Ok(vec![
                ("pkg:cargo/cc@1.0.0", Some("build")),
                ("pkg:cargo/libc@0.2.1", Some("normal")),
            ]),
        );
        check(
            r#"{"packages":[
                {"name":"app","version":"0.1.0","source":"local","dependencies":[1,2],"root":true},
                {"name":"x","version":"1.0.0","source":"crates.io"},
                {"name":"x","version":"1.0.0","source":"git"}]}"#,
            Ok(vec![
                ("pkg:cargo/x@1.0.0", Some("normal")),
                ("pkg:cargo/x@1.0.0#2", Some("normal")),
            ]),
        );
    }

    #[test]
    fn binaries_without_audit_data_are_refused() {
        let err = from_binary(b"\x7fELF not really", "x")
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert!(err.is_err());
        let err = from_binary(b"plain text, no binary format", "x")
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert!(err.is_err());
    }
}
