//! Reading any CycloneDX (1.4 to 1.7) or SPDX (2.2, 2.3) JSON SBOM into a flat inventory,
//! and comparing two inventories: components added, removed and changed.
//!
//! A component's identity is its purl without version, qualifiers or subpath; without a purl,
//! its name (with the CycloneDX group), and for files the path without a leading `./`. So a
//! CycloneDX SBOM and an SPDX SBOM of the same thing compare equal. The described root
//! (CycloneDX `metadata.component`, SPDX `DESCRIBES`) is kept apart and not compared.
//!
//! This is the one SBOM reader: audits read their components through [`Inventory::read`] too.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::purl;

/// One component as read from an SBOM.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Entry {
    /// Identity used for matching (see the module docs).
    pub key: String,
    /// Name as written.
    pub name: String,
    /// Version as written.
    pub version: Option<String>,
    /// Package URL, if any.
    pub purl: Option<String>,
    /// Digests by algorithm (`SHA256`, `SHA1`...: uppercase, no dashes), lowercase hex.
    pub hashes: BTreeMap<String, String>,
    /// What the SBOM describes (the root, and further SPDX `DESCRIBES` targets).
    pub described: bool,
    /// An SPDX file rather than a package.
    pub file: bool,
}

/// Largest SBOM read by `sbom diff`.
pub const MAX_SBOM_BYTES: u64 = 256 * 1024 * 1024;

/// Everything an SBOM lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    /// `CycloneDX 1.6`, `SPDX 2.3`...
    pub format: String,
    /// What the SBOM describes, when it says.
    pub root: Option<Entry>,
    /// Every other component, in document order.
    pub entries: Vec<Entry>,
}

/// An SBOM could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SbomParseError {
    /// Not JSON, or not shaped like the format it claims.
    #[error("not a valid SBOM JSON document")]
    Json(#[source] serde_json::Error),
    /// Neither `bomFormat: CycloneDX` nor `spdxVersion`.
    #[error("neither a CycloneDX nor an SPDX JSON document")]
    UnknownFormat,
    /// A CycloneDX or SPDX version this reader does not know.
    #[error("unsupported {format} version `{version}`")]
    UnsupportedVersion {
        /// `CycloneDX` or `SPDX`.
        format: &'static str,
        /// The version found.
        version: String,
    },
}

#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "bomFormat")]
    bom_format: Option<String>,
    #[serde(rename = "specVersion")]
    spec_version: Option<String>,
    #[serde(rename = "spdxVersion")]
    spdx_version: Option<String>,
}

#[derive(Deserialize)]
struct CdxBom {
    metadata: Option<CdxMetadata>,
    #[serde(default)]
    components: Vec<CdxComponent>,
}

#[derive(Deserialize)]
struct CdxMetadata {
    component: Option<CdxComponent>,
}

#[derive(Deserialize)]
struct CdxComponent {
    group: Option<String>,
    name: String,
    version: Option<String>,
    purl: Option<String>,
    #[serde(default)]
    hashes: Vec<CdxHash>,
    #[serde(default)]
    components: Vec<CdxComponent>,
}

#[derive(Deserialize)]
struct CdxHash {
    alg: String,
    content: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxDoc {
    #[serde(default)]
    packages: Vec<SpdxPackage>,
    #[serde(default)]
    files: Vec<SpdxFile>,
    #[serde(default)]
    relationships: Vec<SpdxRelationship>,
    #[serde(default)]
    document_describes: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxPackage {
    #[serde(rename = "SPDXID", default)]
    spdx_id: String,
    name: String,
    version_info: Option<String>,
    #[serde(default)]
    checksums: Vec<SpdxChecksum>,
    #[serde(default)]
    external_refs: Vec<SpdxExternalRef>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxFile {
    #[serde(rename = "SPDXID", default)]
    spdx_id: String,
    file_name: String,
    #[serde(default)]
    checksums: Vec<SpdxChecksum>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxChecksum {
    algorithm: String,
    checksum_value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxExternalRef {
    reference_type: String,
    reference_locator: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SpdxRelationship {
    spdx_element_id: String,
    relationship_type: String,
    related_spdx_element: String,
}

fn alg(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .collect::<String>()
        .to_ascii_uppercase()
}

fn entry(
    name: String,
    key_fallback: String,
    version: Option<String>,
    purl: Option<String>,
    hashes: BTreeMap<String, String>,
) -> Entry {
    let key = purl
        .as_deref()
        .and_then(purl::identity)
        .unwrap_or(key_fallback);
    Entry {
        key,
        name,
        version: version.filter(|v| !v.is_empty()),
        purl,
        hashes,
        described: false,
        file: false,
    }
}

fn cdx_entry(c: &CdxComponent) -> Entry {
    let fallback = match c.group.as_deref().filter(|g| !g.is_empty()) {
        Some(g) => format!("{g}/{}", c.name),
        None => c.name.clone(),
    };
    let hashes = c
        .hashes
        .iter()
        .map(|h| (alg(&h.alg), h.content.to_ascii_lowercase()))
        .collect();
    entry(
        c.name.clone(),
        fallback,
        c.version.clone(),
        c.purl.clone(),
        hashes,
    )
}

fn cdx_walk(list: &[CdxComponent], out: &mut Vec<Entry>) {
    for c in list {
        out.push(cdx_entry(c));
        cdx_walk(&c.components, out);
    }
}

fn spdx_hashes(list: &[SpdxChecksum]) -> BTreeMap<String, String> {
    list.iter()
        .map(|c| (alg(&c.algorithm), c.checksum_value.to_ascii_lowercase()))
        .collect()
}

impl Inventory {
    /// Reads a CycloneDX (1.4 to 1.7) or SPDX (2.2, 2.3) JSON document; other versions are
    /// refused.
    pub fn parse(text: &str) -> Result<Self, SbomParseError> {
        let probe: Probe = serde_json::from_str(text).map_err(SbomParseError::Json)?;
        if probe.bom_format.as_deref() == Some("CycloneDX") {
            let v = probe.spec_version.unwrap_or_default();
            if !matches!(v.as_str(), "1.4" | "1.5" | "1.6" | "1.7") {
                return Err(SbomParseError::UnsupportedVersion {
                    format: "CycloneDX",
                    version: v,
                });
            }
        } else if let Some(v) = probe.spdx_version {
            if !matches!(v.as_str(), "SPDX-2.2" | "SPDX-2.3") {
                return Err(SbomParseError::UnsupportedVersion {
                    format: "SPDX",
                    version: v,
                });
            }
        }
        Self::read(text)
    }

    /// Reads any CycloneDX 1.x or SPDX 2.x JSON document, whatever version it claims, as
    /// [`Inventory::parse`] does (for audits, which need only names, versions and purls).
    pub fn read(text: &str) -> Result<Self, SbomParseError> {
        let probe: Probe = serde_json::from_str(text).map_err(SbomParseError::Json)?;
        if probe.bom_format.as_deref() == Some("CycloneDX") {
            let v = probe.spec_version.unwrap_or_default();
            let bom: CdxBom = serde_json::from_str(text).map_err(SbomParseError::Json)?;
            let mut entries = Vec::new();
            let root = bom.metadata.and_then(|m| m.component).map(|c| {
                cdx_walk(&c.components, &mut entries);
                Entry {
                    described: true,
                    ..cdx_entry(&c)
                }
            });
            cdx_walk(&bom.components, &mut entries);
            return Ok(Inventory {
                format: format!("CycloneDX {v}"),
                root,
                entries,
            });
        }
        if let Some(v) = probe.spdx_version {
            let num = v.strip_prefix("SPDX-").unwrap_or(&v);
            let doc: SpdxDoc = serde_json::from_str(text).map_err(SbomParseError::Json)?;
            let mut described: BTreeSet<&str> =
                doc.document_describes.iter().map(String::as_str).collect();
            for r in &doc.relationships {
                match r.relationship_type.as_str() {
                    "DESCRIBES" if r.spdx_element_id == "SPDXRef-DOCUMENT" => {
                        described.insert(&r.related_spdx_element);
                    }
                    "DESCRIBED_BY" if r.related_spdx_element == "SPDXRef-DOCUMENT" => {
                        described.insert(&r.spdx_element_id);
                    }
                    _ => {}
                }
            }
            let mut root = None;
            let mut entries = Vec::new();
            let mut place = |e: Entry| {
                if e.described && root.is_none() {
                    root = Some(e);
                } else {
                    entries.push(e);
                }
            };
            for p in &doc.packages {
                let purl = p
                    .external_refs
                    .iter()
                    .find(|r| r.reference_type == "purl")
                    .map(|r| r.reference_locator.clone());
                place(Entry {
                    described: described.contains(p.spdx_id.as_str()),
                    ..entry(
                        p.name.clone(),
                        p.name.clone(),
                        p.version_info.clone(),
                        purl,
                        spdx_hashes(&p.checksums),
                    )
                });
            }
            for f in &doc.files {
                let path = f
                    .file_name
                    .strip_prefix("./")
                    .unwrap_or(&f.file_name)
                    .to_owned();
                place(Entry {
                    described: described.contains(f.spdx_id.as_str()),
                    file: true,
                    ..entry(path.clone(), path, None, None, spdx_hashes(&f.checksums))
                });
            }
            return Ok(Inventory {
                format: format!("SPDX {num}"),
                root,
                entries,
            });
        }
        Err(SbomParseError::UnknownFormat)
    }
}

/// What changed about one component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Before.
    pub from: Entry,
    /// After.
    pub to: Entry,
    /// Whether the version differs.
    pub version_changed: bool,
    /// Algorithms whose digests both sides give and that differ.
    pub hashes_changed: Vec<String>,
}

/// The difference between two inventories, each list sorted by identity then version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diff {
    /// Only in the second.
    pub added: Vec<Entry>,
    /// Only in the first.
    pub removed: Vec<Entry>,
    /// In both, with another version or digest.
    pub changed: Vec<Change>,
}

impl Diff {
    /// No differences.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// The diff for people: `- removed`, `+ added`, `~ changed` lines, then a count (or
    /// `no differences`).
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .removed
            .iter()
            .map(|e| format!("- {}", e.label()))
            .collect();
        out.extend(self.added.iter().map(|e| format!("+ {}", e.label())));
        for c in &self.changed {
            out.push(if c.version_changed {
                let to = c.to.version.as_deref().unwrap_or("(no version)");
                format!("~ {} -> {to}", c.from.label())
            } else {
                let algs: Vec<_> = c
                    .hashes_changed
                    .iter()
                    .map(|h| h.to_ascii_lowercase())
                    .collect();
                format!("~ {} ({} changed)", c.from.label(), algs.join(", "))
            });
        }
        out.push(if self.is_empty() {
            "no differences".to_owned()
        } else {
            let (a, r, c) = (self.added.len(), self.removed.len(), self.changed.len());
            format!("{a} added, {r} removed, {c} changed")
        });
        out
    }

    /// The diff as JSON: `identical`, `added`, `removed` and `changed`.
    pub fn to_json(&self) -> serde_json::Value {
        let changed: Vec<_> = self
            .changed
            .iter()
            .map(|c| {
                serde_json::json!({
                    "name": c.from.name,
                    "from": c.from.to_json(),
                    "to": c.to.to_json(),
                    "version_changed": c.version_changed,
                    "hashes_changed": c.hashes_changed,
                })
            })
            .collect();
        serde_json::json!({
            "identical": self.is_empty(),
            "added": self.added.iter().map(Entry::to_json).collect::<Vec<_>>(),
            "removed": self.removed.iter().map(Entry::to_json).collect::<Vec<_>>(),
            "changed": changed,
        })
    }
}

impl Entry {
    /// `name version`, or the name alone.
    pub fn label(&self) -> String {
        match &self.version {
            Some(v) => format!("{} {v}", self.name),
            None => self.name.clone(),
        }
    }

    /// Name, version and purl as JSON.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "name": self.name, "version": self.version, "purl": self.purl })
    }
}

fn group(entries: &[Entry]) -> BTreeMap<&str, Vec<&Entry>> {
    let mut m: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for e in entries {
        let list = m.entry(e.key.as_str()).or_default();
        // The same component listed twice (nested CycloneDX, say) counts once.
        if !list.contains(&e) {
            list.push(e);
        }
    }
    for list in m.values_mut() {
        list.sort();
    }
    m
}

fn hash_changes(a: &Entry, b: &Entry) -> Vec<String> {
    a.hashes
        .iter()
        .filter(|(k, v)| b.hashes.get(*k).is_some_and(|w| w != *v))
        .map(|(k, _)| k.clone())
        .collect()
}

/// Compares two inventories (roots excluded).
pub fn diff(a: &Inventory, b: &Inventory) -> Diff {
    let (ga, gb) = (group(&a.entries), group(&b.entries));
    let mut d = Diff::default();
    let keys: BTreeSet<&str> = ga.keys().chain(gb.keys()).copied().collect();
    for key in keys {
        let mut left: Vec<&Entry> = ga.get(key).cloned().unwrap_or_default();
        let mut right: Vec<&Entry> = gb.get(key).cloned().unwrap_or_default();
        // Same version on both sides: compare digests.
        let mut i = 0;
        while i < left.len() {
            if let Some(j) = right.iter().position(|r| r.version == left[i].version) {
                let (x, y) = (left.remove(i), right.remove(j));
                let hashes_changed = hash_changes(x, y);
                if !hashes_changed.is_empty() {
                    d.changed.push(Change {
                        from: x.clone(),
                        to: y.clone(),
                        version_changed: false,
                        hashes_changed,
                    });
                }
            } else {
                i += 1;
            }
        }
        // What is left pairs up in version order as upgrades or downgrades.
        let paired = left.len().min(right.len());
        for (x, y) in left.iter().zip(right.iter()) {
            d.changed.push(Change {
                from: (*x).clone(),
                to: (*y).clone(),
                version_changed: true,
                hashes_changed: Vec::new(),
            });
        }
        d.removed
            .extend(left[paired..].iter().map(|e| (*e).clone()));
        d.added.extend(right[paired..].iter().map(|e| (*e).clone()));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn cdx(components: &str) -> String {
        format!(
            r#"{{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{{"component":{{"type":"application","name":"root"}}}},"components":[{components}]}}"#
        )
    }

    fn c(name: &str, version: &str, sha: &str) -> String {
        format!(
            r#"{{"type":"library","name":"{name}","version":"{version}","purl":"pkg:cargo/{name}@{version}","hashes":[{{"alg":"SHA-256","content":"{sha}"}}]}}"#
        )
    }

    #[test]
    fn diffs_render_for_people_and_machines() {
        let a = Inventory::parse(&cdx(&[
            c("x", "1", "aa"),
            c("y", "1", "bb"),
            c("z", "1", "cc"),
        ]
        .join(",")))
        .unwrap();
        let b = Inventory::parse(&cdx(&[
            c("x", "2", "aa"),
            c("y", "1", "dd"),
            c("w", "1", "ee"),
        ]
        .join(",")))
        .unwrap();
        let d = diff(&a, &b);
        assert_eq!(
            d.lines(),
            [
                "- z 1",
                "+ w 1",
                "~ x 1 -> 2",
                "~ y 1 (sha256 changed)",
                "1 added, 1 removed, 2 changed"
            ]
        );
        let j = d.to_json();
        assert_eq!(j["identical"], false);
        assert_eq!(j["added"][0]["purl"], "pkg:cargo/w@1");
        assert_eq!(j["changed"][1]["hashes_changed"][0], "SHA256");
        assert_eq!(diff(&a, &a).lines(), ["no differences"]);
        assert_eq!(diff(&a, &a).to_json()["identical"], true);
    }

    /// Renders a diff as `+name@v`, `-name@v`, `~name@a->b[hashes]` lines.
    fn summary(d: &Diff) -> Vec<String> {
        let v = |e: &Entry| format!("{}@{}", e.name, e.version.as_deref().unwrap_or("-"));
        let mut out: Vec<String> = d.removed.iter().map(|e| format!("-{}", v(e))).collect();
        out.extend(d.added.iter().map(|e| format!("+{}", v(e))));
        out.extend(d.changed.iter().map(|c| {
            format!(
                "~{}->{}{:?}",
                v(&c.from),
                c.to.version.as_deref().unwrap_or("-"),
                c.hashes_changed
            )
        }));
        out
    }

    fn check(a: &str, b: &str, expect: Result<Vec<&str>, &str>) {
        let got = Inventory::parse(a)
            .and_then(|x| Inventory::parse(b).map(|y| diff(&x, &y)))
            .map(|d| summary(&d))
            .map_err(|e| e.to_string());
        assert_eq!(
            got,
            expect
                .map(|v| v.into_iter().map(str::to_owned).collect())
                .map_err(str::to_owned)
        );
    }

    #[test]
    fn finds_added_removed_and_changed() {
        let a = cdx(&[
            c("a", "1.0.0", "aa"),
            c("b", "1.0.0", "bb"),
            c("syn", "1.0.0", "11"),
            c("syn", "2.0.0", "22"),
        ]
        .join(","));
        let b = cdx(&[
            c("b", "1.0.0", "BC"),
            c("c", "0.1.0", "cc"),
            c("syn", "1.0.0", "11"),
            c("syn", "2.0.1", "23"),
        ]
        .join(","));
        check(
            &a,
            &b,
            Ok(vec![
                "-a@1.0.0",
                "+c@0.1.0",
                "~b@1.0.0->1.0.0[\"SHA256\"]",
                "~syn@2.0.0->2.0.1[]",
            ]),
        );
        check(&a, &a, Ok(vec![]));
    }

    #[test]
    fn cyclonedx_and_spdx_of_the_same_thing_agree() {
        let a = cdx(&c("x", "1.0.0", "ab"));
        let b = r#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT",
            "packages":[{"SPDXID":"SPDXRef-root","name":"root"},
                        {"SPDXID":"SPDXRef-x","name":"x","versionInfo":"1.0.0","checksums":[{"algorithm":"SHA256","checksumValue":"AB"}],
                         "externalRefs":[{"referenceCategory":"PACKAGE-MANAGER","referenceType":"purl","referenceLocator":"pkg:cargo/x@1.0.0"}]}],
            "relationships":[{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-root"}]}"#;
        check(&a, b, Ok(vec![]));
        let inv = Inventory::parse(b).map_err(|e| e.to_string());
        assert_eq!(
            inv.map(|i| (i.format, i.root.map(|r| r.name))),
            Ok(("SPDX 2.3".to_owned(), Some("root".to_owned())))
        );
    }

    #[test]
    fn nested_components_and_files_are_read() {
        let a = cdx(
            r#"{"type":"library","name":"outer","components":[{"type":"file","name":"inner.txt","hashes":[{"alg":"SHA-256","content":"00"}]}]}"#,
        );
        let b = r#"{"spdxVersion":"SPDX-2.3","files":[{"SPDXID":"SPDXRef-File-1","fileName":"./inner.txt","checksums":[{"algorithm":"SHA256","checksumValue":"01"}]}]}"#;
        check(&a, b, Ok(vec!["-outer@-", "~inner.txt@-->-[\"SHA256\"]"]));
    }

    #[test]
    fn rejects_what_is_not_an_sbom() {
        check(
            "{}",
            "{}",
            Err("neither a CycloneDX nor an SPDX JSON document"),
        );
        check("[1]", "{}", Err("not a valid SBOM JSON document"));
        check(
            r#"{"bomFormat":"CycloneDX","specVersion":"1.2"}"#,
            "{}",
            Err("unsupported CycloneDX version `1.2`"),
        );
        check(
            r#"{"spdxVersion":"SPDX-3.0"}"#,
            "{}",
            Err("unsupported SPDX version `SPDX-3.0`"),
        );
        check(
            r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"type":"library"}]}"#,
            "{}",
            Err("not a valid SBOM JSON document"),
        );
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in ".{0,300}") {
            let _ = Inventory::parse(&s);
        }

        #[test]
        fn diff_with_itself_is_empty(names in proptest::collection::vec(("[a-c]", "[0-2]"), 0..12)) {
            let list: Vec<String> = names.iter().map(|(n, v)| c(n, v, "00")).collect();
            let inv = Inventory::parse(&cdx(&list.join(","))).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert!(diff(&inv, &inv).is_empty());
        }

        #[test]
        fn diff_is_symmetric(a in proptest::collection::vec(("[a-c]", "[0-2]"), 0..8), b in proptest::collection::vec(("[a-c]", "[0-2]"), 0..8)) {
            let doc = |l: &Vec<(String, String)>| cdx(&l.iter().map(|(n, v)| c(n, v, "00")).collect::<Vec<_>>().join(","));
            let x = Inventory::parse(&doc(&a)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let y = Inventory::parse(&doc(&b)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let (d1, d2) = (diff(&x, &y), diff(&y, &x));
            prop_assert_eq!(d1.added, d2.removed);
            prop_assert_eq!(d1.changed.len(), d2.changed.len());
        }
    }
}
