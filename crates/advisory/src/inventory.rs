//! What an audit checks: packages from a CycloneDX or SPDX JSON SBOM, or from a `Cargo.lock`.
//!
//! SBOMs are read by `sigil-sbom` (the one SBOM reader) and `Cargo.lock` by its lock file
//! reader; this module keeps what an audit needs: name, version and a parsed purl.

use crate::purl::Purl;

/// Largest SBOM or lockfile sigil reads.
pub const MAX_INVENTORY_BYTES: usize = 64 << 20;

/// One package to audit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Component {
    /// Name as the SBOM or lockfile gives it.
    pub name: String,
    /// Version.
    pub version: Option<String>,
    /// Package URL (with version), when known.
    pub purl: Option<Purl>,
}

impl Component {
    /// A component.
    pub fn new(name: impl Into<String>, version: Option<String>, purl: Option<Purl>) -> Self {
        Self {
            name: name.into(),
            version,
            purl,
        }
    }
}

/// Why an inventory could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InventoryError {
    /// Too big.
    #[error("input is larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// Not JSON or not the expected shape.
    #[error(transparent)]
    Json(#[from] sigil_core::json::JsonAt),
    /// Neither CycloneDX (`bomFormat`) nor SPDX (`spdxVersion`).
    #[error("not a CycloneDX or SPDX JSON document")]
    UnknownFormat,
    /// A purl in the SBOM does not parse.
    #[error("component {name:?} has an invalid purl {purl:?}: {reason}")]
    Purl {
        /// Component name.
        name: String,
        /// The purl.
        purl: String,
        /// Why.
        reason: String,
    },
    /// The lockfile does not parse.
    #[error("not a Cargo.lock: {reason}")]
    Lockfile {
        /// Why.
        reason: String,
    },
}

fn json_err(e: serde_json::Error) -> InventoryError {
    InventoryError::Json(e.into())
}

fn component(
    name: String,
    version: Option<String>,
    purl: Option<String>,
) -> Result<Component, InventoryError> {
    let purl = match purl {
        Some(p) => Some(Purl::parse(&p).map_err(|e| InventoryError::Purl {
            name: name.clone(),
            purl: p,
            reason: e.to_string(),
        })?),
        None => None,
    };
    let version = version
        .filter(|v| !v.trim().is_empty() && v != "NOASSERTION")
        .or_else(|| purl.as_ref().and_then(|p| p.version.clone()));
    Ok(Component {
        name,
        version,
        purl,
    })
}

/// What an SBOM gives an audit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Inventory {
    /// Every component, the described one included.
    pub components: Vec<Component>,
    /// The purls of what the SBOM describes (the product VEX statements must name): CycloneDX
    /// `metadata.component.purl`; SPDX packages the document `DESCRIBES` (or lists in
    /// `documentDescribes`) that have a purl.
    pub products: Vec<Purl>,
}

/// Reads the components of a CycloneDX (1.x) or SPDX 2.x JSON SBOM, the described
/// component (CycloneDX `metadata.component`) included.
pub fn from_sbom(text: &str) -> Result<Vec<Component>, InventoryError> {
    read_sbom(text).map(|i| i.components)
}

/// Reads a CycloneDX (1.x) or SPDX 2.x JSON SBOM through `sigil-sbom`'s reader: its
/// components (packages, not SPDX files) and what it describes.
pub fn read_sbom(text: &str) -> Result<Inventory, InventoryError> {
    use sigil_sbom::diff::SbomParseError;
    if text.len() > MAX_INVENTORY_BYTES {
        return Err(InventoryError::TooLarge {
            limit: MAX_INVENTORY_BYTES,
        });
    }
    let sbom = sigil_sbom::diff::Inventory::read(text).map_err(|e| match e {
        SbomParseError::Json(e) => json_err(e),
        _ => InventoryError::UnknownFormat,
    })?;
    let mut components = Vec::new();
    let mut products = Vec::new();
    for e in sbom.root.into_iter().chain(sbom.entries) {
        if e.file {
            continue;
        }
        let c = component(e.name, e.version, e.purl)?;
        if e.described {
            products.extend(c.purl.clone());
        }
        components.push(c);
    }
    Ok(Inventory {
        components,
        products,
    })
}

/// Reads the crates.io packages of a `Cargo.lock` (path and git dependencies are not
/// published, so no advisory can name them).
pub fn from_lockfile(text: &str) -> Result<Vec<Component>, InventoryError> {
    if text.len() > MAX_INVENTORY_BYTES {
        return Err(InventoryError::TooLarge {
            limit: MAX_INVENTORY_BYTES,
        });
    }
    let lock =
        sigil_sbom::lockfile::Lockfile::parse(text).map_err(|e| InventoryError::Lockfile {
            reason: sigil_core::error::chain(&e),
        })?;
    let mut ids: Vec<_> = lock
        .packages
        .into_keys()
        .filter(sigil_sbom::lockfile::LockedId::is_crates_io)
        .collect();
    // Cargo's own order: by name, then by version precedence (not by version text).
    ids.sort_by_cached_key(|id| (id.name.clone(), semver::Version::parse(&id.version).ok()));
    Ok(ids
        .into_iter()
        .map(|id| {
            let purl = Purl::for_osv_package("crates.io", &id.name, Some(&id.version));
            Component {
                name: id.name,
                version: Some(id.version),
                purl,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    type Row<'a> = (&'a str, Option<&'a str>, Option<&'a str>);

    fn check(text: &str, expect: Result<Vec<Row<'_>>, &str>) {
        let got = from_sbom(text).map(|v| {
            v.into_iter()
                .map(|c| (c.name, c.version, c.purl.map(|p| p.to_string())))
                .collect::<Vec<_>>()
        });
        let want = expect
            .map(|v| {
                v.into_iter()
                    .map(|(n, ver, p)| (n.to_owned(), ver.map(str::to_owned), p.map(str::to_owned)))
                    .collect::<Vec<_>>()
            })
            .map_err(str::to_owned);
        assert_eq!(got.map_err(|e| e.to_string()), want);
    }

    #[test]
    fn cyclonedx_and_spdx() {
        check(
            r#"{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"component":{"type":"application","name":"app","version":"1.0.0"}},
                "components":[{"type":"library","name":"foo","version":"1.2.0","purl":"pkg:cargo/foo@1.2.0",
                  "components":[{"type":"library","name":"bar","purl":"pkg:npm/bar@2.0.0"}]}]}"#,
            Ok(vec![
                ("app", Some("1.0.0"), None),
                ("foo", Some("1.2.0"), Some("pkg:cargo/foo@1.2.0")),
                ("bar", Some("2.0.0"), Some("pkg:npm/bar@2.0.0")),
            ]),
        );
        check(
            r#"{"spdxVersion":"SPDX-2.3","packages":[{"name":"foo","versionInfo":"1.0.0","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:cargo/foo@1.0.0"}]},{"name":"x","versionInfo":"NOASSERTION"}]}"#,
            Ok(vec![
                ("foo", Some("1.0.0"), Some("pkg:cargo/foo@1.0.0")),
                ("x", None, None),
            ]),
        );
        check(
            r#"{"hello": 1}"#,
            Err("not a CycloneDX or SPDX JSON document"),
        );
        check(r#"{"bomFormat":"CycloneDX","components":[{"name":"a","purl":"nope"}]}"#, Err("component \"a\" has an invalid purl \"nope\": package url must start with \"pkg:\""));
        check("[", Err("line 1, column 1: EOF while parsing a list"));
    }

    #[test]
    fn described_products() {
        let products = |text: &str| -> Vec<String> {
            read_sbom(text)
                .expect("parses")
                .products
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        assert_eq!(
            products(
                r#"{"bomFormat":"CycloneDX","metadata":{"component":{"name":"app","purl":"pkg:cargo/app@1.0.0"}},"components":[{"name":"x","purl":"pkg:cargo/x@1.0.0"}]}"#
            ),
            vec!["pkg:cargo/app@1.0.0"]
        );
        assert!(products(
            r#"{"bomFormat":"CycloneDX","components":[{"name":"x","purl":"pkg:cargo/x@1.0.0"}]}"#
        )
        .is_empty());
        let spdx = r#"{"spdxVersion":"SPDX-2.3","packages":[
            {"SPDXID":"SPDXRef-root","name":"app","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:cargo/app@1.0.0"}]},
            {"SPDXID":"SPDXRef-x","name":"x","externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:cargo/x@1.0.0"}]}],
            "relationships":[{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-root"},
                             {"spdxElementId":"SPDXRef-root","relationshipType":"DEPENDS_ON","relatedSpdxElement":"SPDXRef-x"}]}"#;
        assert_eq!(products(spdx), vec!["pkg:cargo/app@1.0.0"]);
        let old_style = spdx.replace(
            r#""relationships""#,
            r#""documentDescribes":["SPDXRef-x"],"unused""#,
        );
        assert_eq!(products(&old_style), vec!["pkg:cargo/x@1.0.0"]);
        // An empty version is no version.
        assert_eq!(
            from_sbom(r#"{"bomFormat":"CycloneDX","components":[{"name":"x","version":"","purl":"pkg:cargo/x"}]}"#)
                .expect("parses")[0]
                .version,
            None
        );
    }

    #[test]
    fn lockfile_keeps_registry_packages() {
        let lock = "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"smallvec\"]\n\n[[package]]\nname = \"smallvec\"\nversion = \"1.6.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"fe0f37c9e8f3c5a4a66ad655a93c74daac4ad00c441533bf5c6e7990bb42604e\"\n";
        let got = from_lockfile(lock).expect("parses");
        assert_eq!(got.len(), 1);
        assert_eq!(
            got[0].purl.as_ref().map(ToString::to_string),
            Some("pkg:cargo/smallvec@1.6.0".to_owned())
        );
        assert!(from_lockfile("[[package]]\nname = 1\n").is_err());
    }
}
