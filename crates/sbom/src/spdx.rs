//! SPDX 2.3 JSON: typed structs for exactly what sigil writes.
//!
//! Components become packages (crates, binaries, the pack) or files (pack files, which SPDX
//! requires to carry a SHA-1). The root is `DESCRIBES`d by the document; dependency edges are
//! `DEPENDS_ON`, `BUILD_DEPENDENCY_OF` or `DEV_DEPENDENCY_OF`; pack files are `CONTAINS`ed,
//! with the package verification code SPDX defines. SPDX has no field for a package's
//! authors, so they are not written; a licence that is not a valid expression over the SPDX
//! list is `NOASSERTION`, with the declared text in `licenseComments`.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use sha1::{Digest as _, Sha1};

use crate::model::{self, ComponentKind, DependencyKind, License, Sbom};
use crate::{content_uuid, license, RenderError, RenderOptions};

const NOASSERTION: &str = "NOASSERTION";

/// An SPDX document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Document {
    /// Always `SPDXRef-DOCUMENT`.
    #[serde(rename = "SPDXID")]
    pub spdx_id: &'static str,
    /// Always `SPDX-2.3`.
    pub spdx_version: &'static str,
    /// Creation time and tool.
    pub creation_info: CreationInfo,
    /// The root's name and version.
    pub name: String,
    /// Always `CC0-1.0`.
    pub data_license: &'static str,
    /// `urn:uuid:...`, derived from the rest of the document.
    pub document_namespace: String,
    /// Root and components that are packages.
    pub packages: Vec<Package>,
    /// Components that are files.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<File>,
    /// `DESCRIBES`, `CONTAINS` and dependency relationships.
    pub relationships: Vec<Relationship>,
}

/// `creationInfo`.
#[derive(Debug, Serialize)]
pub struct CreationInfo {
    /// RFC 3339 UTC.
    pub created: String,
    /// `Tool: sigil-VERSION`.
    pub creators: Vec<String>,
}

/// A package.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Package {
    /// Name.
    pub name: String,
    /// `SPDXRef-Package-...`.
    #[serde(rename = "SPDXID")]
    pub spdx_id: String,
    /// Version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version_info: Option<String>,
    /// Download URL, VCS locator or `NOASSERTION`.
    pub download_location: String,
    /// True only for the pack, whose files are listed.
    pub files_analyzed: bool,
    /// For the pack: SHA-1 over its files' SHA-1s.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package_verification_code: Option<VerificationCode>,
    /// Digests.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checksums: Vec<Checksum>,
    /// Home page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// Always `NOASSERTION`: sigil declares, it does not conclude.
    pub license_concluded: &'static str,
    /// The declared SPDX expression, or `NOASSERTION`.
    pub license_declared: String,
    /// The declared text when it is not a valid expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_comments: Option<String>,
    /// Always `NOASSERTION`.
    pub copyright_text: &'static str,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The purl.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub external_refs: Vec<ExternalRef>,
    /// `APPLICATION`, `LIBRARY` or `OTHER`.
    pub primary_package_purpose: &'static str,
}

/// `packageVerificationCode`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationCode {
    /// Lowercase hex SHA-1.
    pub package_verification_code_value: String,
}

/// A digest.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Checksum {
    /// `SHA1` or `SHA256`.
    pub algorithm: &'static str,
    /// Lowercase hex.
    pub checksum_value: String,
}

/// An external reference (the purl).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalRef {
    /// `PACKAGE-MANAGER`.
    pub reference_category: &'static str,
    /// `purl`.
    pub reference_type: &'static str,
    /// The purl.
    pub reference_locator: String,
}

/// A file.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct File {
    /// `./` followed by the path relative to the pack root.
    pub file_name: String,
    /// `SPDXRef-File-N`.
    #[serde(rename = "SPDXID")]
    pub spdx_id: String,
    /// SHA-1 (required) and SHA-256.
    pub checksums: Vec<Checksum>,
    /// Always `NOASSERTION`.
    pub license_concluded: &'static str,
    /// Always `NOASSERTION`.
    pub copyright_text: &'static str,
}

/// A relationship.
#[derive(Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "camelCase")]
pub struct Relationship {
    /// The subject.
    pub spdx_element_id: String,
    /// `DESCRIBES`, `CONTAINS`, `DEPENDS_ON`, `BUILD_DEPENDENCY_OF`, `DEV_DEPENDENCY_OF`.
    pub relationship_type: &'static str,
    /// The object.
    pub related_spdx_element: String,
}

/// `SPDXRef-` followed by `[A-Za-z0-9.-]` only.
fn spdx_id(prefix: &str, parts: &[&str], taken: &mut BTreeSet<String>) -> String {
    let mut body: String = parts
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                        c
                    } else {
                        '-'
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-");
    if body.is_empty() {
        body.push('x');
    }
    let base = format!("SPDXRef-{prefix}-{body}");
    let mut id = base.clone();
    let mut n = 2;
    while taken.contains(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    taken.insert(id.clone());
    id
}

fn hex(bytes: &[u8]) -> String {
    sigil_core::hex::encode(bytes)
}

fn package(c: &model::Component, id: String, verification: Option<String>) -> Package {
    let (declared, comments) = match &c.license {
        Some(License::Expression(e)) if license::only_listed_ids(e) => (e.clone(), None),
        Some(License::Expression(e)) | Some(License::Named(e)) => (
            NOASSERTION.to_owned(),
            Some(format!("declared licence: {e}")),
        ),
        None => (NOASSERTION.to_owned(), None),
    };
    Package {
        name: c.name.clone(),
        spdx_id: id,
        version_info: c.version.clone(),
        download_location: c
            .download_location
            .clone()
            .unwrap_or_else(|| NOASSERTION.to_owned()),
        files_analyzed: verification.is_some(),
        package_verification_code: verification.map(|v| VerificationCode {
            package_verification_code_value: v,
        }),
        checksums: c
            .sha256
            .iter()
            .map(|d| Checksum {
                algorithm: "SHA256",
                checksum_value: d.to_hex(),
            })
            .collect(),
        homepage: c.homepage.clone(),
        license_concluded: NOASSERTION,
        license_declared: declared,
        license_comments: comments,
        copyright_text: NOASSERTION,
        description: c.description.clone(),
        external_refs: c
            .purl
            .iter()
            .map(|p| ExternalRef {
                reference_category: "PACKAGE-MANAGER",
                reference_type: "purl",
                reference_locator: p.clone(),
            })
            .collect(),
        primary_package_purpose: match c.kind {
            ComponentKind::Application => "APPLICATION",
            ComponentKind::Library => "LIBRARY",
            ComponentKind::File => "FILE",
            ComponentKind::Data => "OTHER",
        },
    }
}

/// Builds the typed document (with an empty namespace, filled in by [`render`]).
pub fn document(sbom: &Sbom, opts: &RenderOptions) -> Result<Document, RenderError> {
    let mut taken = BTreeSet::new();
    let mut ids: BTreeMap<&str, String> = BTreeMap::new();
    let mut files = Vec::new();
    let mut file_sha1s = Vec::new();
    for (n, c) in sbom
        .components
        .iter()
        .filter(|c| c.kind == ComponentKind::File)
        .enumerate()
    {
        let id = spdx_id("File", &[&(n + 1).to_string()], &mut taken);
        let sha1 = c.sha1.ok_or_else(|| RenderError::MissingSha1 {
            name: c.name.clone(),
        })?;
        file_sha1s.push(hex(&sha1));
        let mut checksums = vec![Checksum {
            algorithm: "SHA1",
            checksum_value: hex(&sha1),
        }];
        if let Some(d) = &c.sha256 {
            checksums.push(Checksum {
                algorithm: "SHA256",
                checksum_value: d.to_hex(),
            });
        }
        files.push(File {
            file_name: format!("./{}", c.name),
            spdx_id: id.clone(),
            checksums,
            license_concluded: NOASSERTION,
            copyright_text: NOASSERTION,
        });
        ids.insert(&c.bom_ref, id);
    }
    // SPDX 2.3 section 7.9: SHA-1 over the sorted, concatenated SHA-1s of the package's files.
    let verification = (!sbom.contains.is_empty()).then(|| {
        file_sha1s.sort();
        hex(&Sha1::digest(file_sha1s.concat().as_bytes()))
    });
    let mut packages = Vec::new();
    let root_id = spdx_id(
        "Package",
        &[&sbom.root.name, sbom.root.version.as_deref().unwrap_or("")],
        &mut taken,
    );
    ids.insert(&sbom.root.bom_ref, root_id.clone());
    packages.push(package(&sbom.root, root_id.clone(), verification));
    for c in sbom
        .components
        .iter()
        .filter(|c| c.kind != ComponentKind::File)
    {
        let id = spdx_id(
            "Package",
            &[&c.name, c.version.as_deref().unwrap_or("")],
            &mut taken,
        );
        ids.insert(&c.bom_ref, id.clone());
        packages.push(package(c, id, None));
    }
    let id_of = |r: &str| {
        ids.get(r).cloned().ok_or_else(|| RenderError::DanglingRef {
            bom_ref: r.to_owned(),
        })
    };
    let mut relationships = Vec::new();
    for r in &sbom.contains {
        relationships.push(Relationship {
            spdx_element_id: root_id.clone(),
            relationship_type: "CONTAINS",
            related_spdx_element: id_of(r)?,
        });
    }
    for (from, tos) in &sbom.dependencies {
        let from = id_of(from)?;
        for (to, kind) in tos {
            let to = id_of(to)?;
            relationships.push(match kind {
                DependencyKind::Normal => Relationship {
                    spdx_element_id: from.clone(),
                    relationship_type: "DEPENDS_ON",
                    related_spdx_element: to,
                },
                DependencyKind::Build => Relationship {
                    spdx_element_id: to,
                    relationship_type: "BUILD_DEPENDENCY_OF",
                    related_spdx_element: from.clone(),
                },
                DependencyKind::Dev => Relationship {
                    spdx_element_id: to,
                    relationship_type: "DEV_DEPENDENCY_OF",
                    related_spdx_element: from.clone(),
                },
            });
        }
    }
    relationships.sort();
    relationships.insert(
        0,
        Relationship {
            spdx_element_id: "SPDXRef-DOCUMENT".to_owned(),
            relationship_type: "DESCRIBES",
            related_spdx_element: root_id,
        },
    );
    let name = match &sbom.root.version {
        Some(v) => format!("{} {v}", sbom.root.name),
        None => sbom.root.name.clone(),
    };
    Ok(Document {
        spdx_id: "SPDXRef-DOCUMENT",
        spdx_version: "SPDX-2.3",
        creation_info: CreationInfo {
            created: opts.timestamp.to_string(),
            creators: vec![format!("Tool: {}-{}", opts.tool.name, opts.tool.version)],
        },
        name,
        data_license: "CC0-1.0",
        document_namespace: String::new(),
        packages,
        files,
        relationships,
    })
}

/// Writes the document: pretty JSON, a newline, and a namespace derived from the rest.
pub fn render(sbom: &Sbom, opts: &RenderOptions) -> Result<String, RenderError> {
    let mut doc = document(sbom, opts)?;
    let unsigned = serde_json::to_vec(&doc).map_err(RenderError::Json)?;
    doc.document_namespace = format!("urn:uuid:{}", content_uuid(&unsigned));
    let mut text = serde_json::to_string_pretty(&doc).map_err(RenderError::Json)?;
    text.push('\n');
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sanitised_and_unique() {
        let mut taken = BTreeSet::new();
        assert_eq!(
            spdx_id("Package", &["serde_json", "1.0.0+x"], &mut taken),
            "SPDXRef-Package-serde-json-1.0.0-x"
        );
        assert_eq!(
            spdx_id("Package", &["serde_json", "1.0.0+x"], &mut taken),
            "SPDXRef-Package-serde-json-1.0.0-x-2"
        );
        assert_eq!(
            spdx_id("Package", &["", ""], &mut taken),
            "SPDXRef-Package-x"
        );
    }
}
