//! An SBOM for a data pack: the pack is the root, every regular file a `file` component with
//! its SHA-256 (and the SHA-1 SPDX requires). The caller walks the directory and hashes the
//! files with [`FileHasher`]; `.sigil/` (the pack's own signature metadata) is never listed.

use std::collections::{BTreeMap, BTreeSet};

use sha1::{Digest as _, Sha1};
use sigil_core::digest::Sha256Hasher;
use sigil_core::Sha256Digest;

use crate::model::{Component, ComponentKind, Sbom};

/// One regular file of the pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackFile {
    /// Path relative to the pack root, `/`-separated.
    pub path: String,
    /// SHA-256 of the contents.
    pub sha256: Sha256Digest,
    /// SHA-1 of the contents.
    pub sha1: [u8; 20],
}

/// Hashes a file's bytes with SHA-256 and SHA-1 in one pass.
#[derive(Default)]
pub struct FileHasher {
    sha256: Sha256Hasher,
    sha1: Sha1,
}

impl std::fmt::Debug for FileHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FileHasher")
    }
}

impl FileHasher {
    /// Feeds bytes.
    pub fn update(&mut self, bytes: &[u8]) {
        self.sha256.update(bytes);
        self.sha1.update(bytes);
    }

    /// The two digests.
    pub fn finalize(self) -> (Sha256Digest, [u8; 20]) {
        (self.sha256.finalize(), self.sha1.finalize().into())
    }
}

/// The pack's name and version, for the root component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackInfo {
    /// Name (by default the directory's name).
    pub name: String,
    /// Version, if known.
    pub version: Option<String>,
}

/// The file list cannot describe a pack.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PackSbomError {
    /// A path is absolute, empty, or has `.`, `..` or empty segments.
    #[error("`{path}` is not a clean relative path")]
    UnsafePath {
        /// The path.
        path: String,
    },
    /// The same path is listed twice.
    #[error("`{path}` is listed twice")]
    Duplicate {
        /// The path.
        path: String,
    },
}

fn clean(path: &str) -> bool {
    !path.is_empty()
        && path
            .split('/')
            .all(|s| !s.is_empty() && s != "." && s != "..")
        && !path.contains('\\')
}

/// Whether a path is the pack's own metadata (`.sigil/...`), which an SBOM never lists.
pub fn is_metadata(path: &str) -> bool {
    path == ".sigil" || path.starts_with(".sigil/")
}

/// Builds the SBOM of a pack from its files, sorted by path bytes.
pub fn from_files(info: &PackInfo, files: Vec<PackFile>) -> Result<Sbom, PackSbomError> {
    let mut by_path = BTreeMap::new();
    for f in files {
        if !clean(&f.path) {
            return Err(PackSbomError::UnsafePath { path: f.path });
        }
        if is_metadata(&f.path) {
            continue;
        }
        if by_path.contains_key(&f.path) {
            return Err(PackSbomError::Duplicate { path: f.path });
        }
        by_path.insert(f.path.clone(), f);
    }
    let mut root = Component::new(
        format!("pack:{}", info.name),
        ComponentKind::Data,
        info.name.clone(),
    );
    root.version = info.version.clone();
    let mut components = Vec::new();
    let mut contains = BTreeSet::new();
    let mut dependencies = BTreeMap::new();
    dependencies.insert(root.bom_ref.clone(), BTreeMap::new());
    for (path, f) in by_path {
        let mut c = Component::new(format!("file:{path}"), ComponentKind::File, path);
        c.sha256 = Some(f.sha256);
        c.sha1 = Some(f.sha1);
        contains.insert(c.bom_ref.clone());
        components.push(c);
    }
    Ok(Sbom {
        root,
        components,
        dependencies,
        contains,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, body: &[u8]) -> PackFile {
        let mut h = FileHasher::default();
        h.update(body);
        let (sha256, sha1) = h.finalize();
        PackFile {
            path: path.to_owned(),
            sha256,
            sha1,
        }
    }

    fn check(paths: &[&str], expect: Result<Vec<&str>, PackSbomError>) {
        let info = PackInfo {
            name: "p".into(),
            version: None,
        };
        let got =
            from_files(&info, paths.iter().map(|p| file(p, p.as_bytes())).collect()).map(|s| {
                s.components
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>()
            });
        assert_eq!(
            got,
            expect.map(|v| v.into_iter().map(str::to_owned).collect())
        );
    }

    #[test]
    fn lists_files_sorted_without_metadata() {
        check(
            &["b.txt", "a/z.md", "A.txt", ".sigil/SHA256SUMS", ".sigilx"],
            Ok(vec![".sigilx", "A.txt", "a/z.md", "b.txt"]),
        );
        check(&[], Ok(vec![]));
        check(
            &["../x"],
            Err(PackSbomError::UnsafePath {
                path: "../x".into(),
            }),
        );
        check(
            &["/etc/passwd"],
            Err(PackSbomError::UnsafePath {
                path: "/etc/passwd".into(),
            }),
        );
        check(
            &["a//b"],
            Err(PackSbomError::UnsafePath {
                path: "a//b".into(),
            }),
        );
        check(
            &["./a"],
            Err(PackSbomError::UnsafePath { path: "./a".into() }),
        );
        check(
            &["a", "a"],
            Err(PackSbomError::Duplicate { path: "a".into() }),
        );
    }

    #[test]
    fn hashes_match_known_digests() {
        let f = file("x", b"abc");
        assert_eq!(
            f.sha256.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            sigil_core::hex::encode(&f.sha1),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }
}
