//! CycloneDX 1.6 and 1.5 JSON: typed structs for exactly what sigil writes.
//!
//! The differences sigil cares about: 1.6 writes component `authors` as contacts, 1.5 only
//! has the free-text `author`. Both write `metadata.tools` in the object form (1.5+).

use serde::Serialize;

use crate::model::{self, ComponentKind, DependencyKind, License, Sbom};
use crate::{content_uuid, RenderError, RenderOptions};

/// Which CycloneDX version to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Version {
    /// 1.5.
    V1_5,
    /// 1.6.
    V1_6,
}

impl Version {
    fn as_str(self) -> &'static str {
        match self {
            Version::V1_5 => "1.5",
            Version::V1_6 => "1.6",
        }
    }
}

/// A CycloneDX BOM document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Bom {
    /// Always `CycloneDX`.
    pub bom_format: &'static str,
    /// `1.5` or `1.6`.
    pub spec_version: &'static str,
    /// `urn:uuid:...`, derived from the rest of the document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// Always 1.
    pub version: u32,
    /// Timestamp, tool and root component.
    pub metadata: Metadata,
    /// Everything but the root.
    pub components: Vec<Component>,
    /// The dependency graph: one entry per component, root included.
    pub dependencies: Vec<Dependency>,
}

/// `metadata`.
#[derive(Debug, Serialize)]
pub struct Metadata {
    /// RFC 3339 UTC.
    pub timestamp: String,
    /// The tool that wrote the BOM.
    pub tools: Tools,
    /// What the BOM describes.
    pub component: Component,
}

/// `metadata.tools` (object form).
#[derive(Debug, Serialize)]
pub struct Tools {
    /// The tools, as components.
    pub components: Vec<Component>,
}

/// A component.
#[derive(Debug, Serialize)]
pub struct Component {
    /// `application`, `library`, `file` or `data`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// Reference used by `dependencies`.
    #[serde(rename = "bom-ref", skip_serializing_if = "Option::is_none")]
    pub bom_ref: Option<String>,
    /// 1.6: authors as contacts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<Contact>,
    /// 1.5: authors as text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Name.
    pub name: String,
    /// Version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `required` or `excluded` (build- and dev-only dependencies).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope: Option<&'static str>,
    /// Digests.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hashes: Vec<Hash>,
    /// Licences.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub licenses: Vec<LicenseChoice>,
    /// Package URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Repository and home page.
    #[serde(rename = "externalReferences", skip_serializing_if = "Vec::is_empty")]
    pub external_references: Vec<ExternalReference>,
    /// Extra facts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
}

/// `organizationalContact`.
#[derive(Debug, Serialize)]
pub struct Contact {
    /// Name.
    pub name: String,
    /// E-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A digest.
#[derive(Debug, Serialize)]
pub struct Hash {
    /// `SHA-256` or `SHA-1`.
    pub alg: &'static str,
    /// Lowercase hex.
    pub content: String,
}

/// One entry of `licenses`: an SPDX expression, or a named licence.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum LicenseChoice {
    /// `{"expression": "MIT OR Apache-2.0"}`.
    Expression {
        /// The SPDX expression.
        expression: String,
    },
    /// `{"license": {"name": "..."}}`.
    License {
        /// The licence.
        license: NamedLicense,
    },
}

/// A licence known only by its name.
#[derive(Debug, Serialize)]
pub struct NamedLicense {
    /// The text as declared.
    pub name: String,
}

/// An external reference.
#[derive(Debug, Serialize)]
pub struct ExternalReference {
    /// `vcs` or `website`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// URL.
    pub url: String,
}

/// A `name = value` property.
#[derive(Debug, Serialize)]
pub struct Property {
    /// Name, `sigil:`-namespaced.
    pub name: String,
    /// Value.
    pub value: String,
}

/// One node of the dependency graph.
#[derive(Debug, Serialize)]
pub struct Dependency {
    /// The component.
    #[serde(rename = "ref")]
    pub reference: String,
    /// What it depends on.
    #[serde(rename = "dependsOn")]
    pub depends_on: Vec<String>,
}

fn kind(k: ComponentKind) -> &'static str {
    match k {
        ComponentKind::Application => "application",
        ComponentKind::Library => "library",
        ComponentKind::File => "file",
        ComponentKind::Data => "data",
    }
}

fn component(c: &model::Component, v: Version) -> Component {
    let mut hashes = Vec::new();
    if let Some(d) = &c.sha256 {
        hashes.push(Hash {
            alg: "SHA-256",
            content: d.to_hex(),
        });
    }
    let licenses = match &c.license {
        Some(License::Expression(e)) => vec![LicenseChoice::Expression {
            expression: e.clone(),
        }],
        Some(License::Named(n)) => vec![LicenseChoice::License {
            license: NamedLicense { name: n.clone() },
        }],
        None => Vec::new(),
    };
    let mut external_references = Vec::new();
    if let Some(r) = &c.repository {
        external_references.push(ExternalReference {
            kind: "vcs",
            url: r.clone(),
        });
    }
    if let Some(h) = &c.homepage {
        external_references.push(ExternalReference {
            kind: "website",
            url: h.clone(),
        });
    }
    let (authors, author) = match v {
        Version::V1_6 => (
            c.authors
                .iter()
                .map(|a| Contact {
                    name: a.name.clone(),
                    email: a.email.clone(),
                })
                .collect(),
            None,
        ),
        Version::V1_5 => {
            let names: Vec<String> = c
                .authors
                .iter()
                .map(|a| match &a.email {
                    Some(e) if *e != a.name => format!("{} <{e}>", a.name),
                    _ => a.name.clone(),
                })
                .collect();
            (Vec::new(), (!names.is_empty()).then(|| names.join(", ")))
        }
    };
    let mut properties: Vec<Property> = c
        .properties
        .iter()
        .map(|(name, value)| Property {
            name: name.clone(),
            value: value.clone(),
        })
        .collect();
    if let Some(k) = c.reached_as {
        properties.push(Property {
            name: "sigil:dependency-kind".to_owned(),
            value: k.as_str().to_owned(),
        });
        properties.sort_by(|a, b| a.name.cmp(&b.name));
    }
    Component {
        kind: kind(c.kind),
        bom_ref: Some(c.bom_ref.clone()),
        authors,
        author,
        name: c.name.clone(),
        version: c.version.clone(),
        description: c.description.clone(),
        scope: c.reached_as.map(|k| {
            if k == DependencyKind::Normal {
                "required"
            } else {
                "excluded"
            }
        }),
        hashes,
        licenses,
        purl: c.purl.clone(),
        external_references,
        properties,
    }
}

/// Builds the typed document (without its serial number).
pub fn document(sbom: &Sbom, v: Version, opts: &RenderOptions) -> Bom {
    let tool = Component {
        kind: "application",
        bom_ref: None,
        authors: Vec::new(),
        author: None,
        name: opts.tool.name.clone(),
        version: Some(opts.tool.version.clone()),
        description: None,
        scope: None,
        hashes: Vec::new(),
        licenses: Vec::new(),
        purl: None,
        external_references: Vec::new(),
        properties: Vec::new(),
    };
    let mut refs: Vec<&String> = sbom.all().map(|c| &c.bom_ref).collect();
    refs.sort();
    let dependencies = refs
        .into_iter()
        .map(|r| Dependency {
            reference: r.clone(),
            depends_on: sbom
                .dependencies
                .get(r)
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default(),
        })
        .collect();
    Bom {
        bom_format: "CycloneDX",
        spec_version: v.as_str(),
        serial_number: None,
        version: 1,
        metadata: Metadata {
            timestamp: opts.timestamp.to_string(),
            tools: Tools {
                components: vec![tool],
            },
            component: component(&sbom.root, v),
        },
        components: sbom.components.iter().map(|c| component(c, v)).collect(),
        dependencies,
    }
}

/// Writes the document: pretty JSON, a newline, and a serial number derived from the rest.
pub fn render(sbom: &Sbom, v: Version, opts: &RenderOptions) -> Result<String, RenderError> {
    let mut bom = document(sbom, v, opts);
    let unsigned = serde_json::to_vec(&bom).map_err(RenderError::Json)?;
    bom.serial_number = Some(format!("urn:uuid:{}", content_uuid(&unsigned)));
    let mut text = serde_json::to_string_pretty(&bom).map_err(RenderError::Json)?;
    text.push('\n');
    Ok(text)
}
