//! The neutral SBOM model every builder fills and every writer reads.

use std::collections::{BTreeMap, BTreeSet};

use sigil_core::Sha256Digest;

use crate::RenderError;

/// What a component is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum ComponentKind {
    /// Something that runs: a crate with a binary target, a binary.
    Application,
    /// A library crate.
    Library,
    /// A single file (of a pack).
    File,
    /// A collection of data (a pack).
    Data,
}

/// How a dependency is reached, strongest first: a normal (runtime) dependency outranks a
/// build-time one, which outranks a dev-only one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum DependencyKind {
    /// Linked into what ships.
    Normal,
    /// Used only while building (build scripts, procedural macros and what they use).
    Build,
    /// Used only by tests, examples and benchmarks.
    Dev,
}

impl DependencyKind {
    /// `normal`, `build` or `dev`.
    pub fn as_str(self) -> &'static str {
        match self {
            DependencyKind::Normal => "normal",
            DependencyKind::Build => "build",
            DependencyKind::Dev => "dev",
        }
    }
}

/// A person or organisation named as an author.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Author {
    /// The name, as written.
    pub name: String,
    /// An e-mail address, when one was given in `Name <email>` form and looks like one.
    pub email: Option<String>,
}

impl Author {
    /// Parses Cargo's `Name <email>` (or a bare name or bare address).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        if let (Some(open), true) = (s.rfind('<'), s.ends_with('>')) {
            let name = s[..open].trim();
            let email = s[open + 1..s.len() - 1].trim();
            let email = looks_like_email(email).then(|| email.to_owned());
            let name = if name.is_empty() {
                email.clone()?
            } else {
                name.to_owned()
            };
            return Some(Author { name, email });
        }
        Some(Author {
            name: s.to_owned(),
            email: None,
        })
    }
}

fn looks_like_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !s.chars().any(|c| {
                    c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | ',' | ';')
                })
        }
        None => false,
    }
}

/// A component's declared licence.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum License {
    /// A valid SPDX licence expression using only SPDX list identifiers (or `LicenseRef-`).
    Expression(String),
    /// Free text that is not a valid SPDX expression, kept as written.
    Named(String),
}

/// One component: a crate, a file, a pack, a binary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// Unique reference within the SBOM (CycloneDX `bom-ref`); the purl where there is one.
    pub bom_ref: String,
    /// What it is.
    pub kind: ComponentKind,
    /// Name (for files, the path relative to the pack root with `/` separators).
    pub name: String,
    /// Version, when it has one.
    pub version: Option<String>,
    /// One-line description.
    pub description: Option<String>,
    /// Package URL.
    pub purl: Option<String>,
    /// SHA-256 of the artifact (Cargo.lock checksum, file or binary digest).
    pub sha256: Option<Sha256Digest>,
    /// SHA-1 of a file; SPDX 2.3 requires one on every file.
    pub sha1: Option<[u8; 20]>,
    /// Declared licence.
    pub license: Option<License>,
    /// Authors, in the order declared.
    pub authors: Vec<Author>,
    /// Source repository URL.
    pub repository: Option<String>,
    /// Home page URL.
    pub homepage: Option<String>,
    /// Where the artifact can be downloaded (SPDX `downloadLocation`).
    pub download_location: Option<String>,
    /// How the root reaches it: `None` for the root itself and for pack files.
    pub reached_as: Option<DependencyKind>,
    /// Extra `name = value` facts (CycloneDX properties), sorted by name.
    pub properties: BTreeMap<String, String>,
}

impl Component {
    /// A component with only a reference, kind and name.
    pub fn new(bom_ref: impl Into<String>, kind: ComponentKind, name: impl Into<String>) -> Self {
        Component {
            bom_ref: bom_ref.into(),
            kind,
            name: name.into(),
            version: None,
            description: None,
            purl: None,
            sha256: None,
            sha1: None,
            license: None,
            authors: Vec::new(),
            repository: None,
            homepage: None,
            download_location: None,
            reached_as: None,
            properties: BTreeMap::new(),
        }
    }
}

/// A bill of materials: the root, everything in it, and who depends on whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sbom {
    /// What the SBOM describes (CycloneDX `metadata.component`, SPDX `DESCRIBES`).
    pub root: Component,
    /// Everything else, in a stable order.
    pub components: Vec<Component>,
    /// For each `bom_ref` (root included), the references it depends on and how.
    /// Every component has an entry, possibly empty.
    pub dependencies: BTreeMap<String, BTreeMap<String, DependencyKind>>,
    /// References the root contains rather than depends on (pack files).
    pub contains: BTreeSet<String>,
}

impl Sbom {
    /// The root followed by every component.
    pub fn all(&self) -> impl Iterator<Item = &Component> {
        std::iter::once(&self.root).chain(self.components.iter())
    }

    /// Checks that references are unique and that the graph names only known components.
    pub fn check_refs(&self) -> Result<(), RenderError> {
        let mut seen = BTreeSet::new();
        for c in self.all() {
            if !seen.insert(c.bom_ref.as_str()) {
                return Err(RenderError::DuplicateRef {
                    bom_ref: c.bom_ref.clone(),
                });
            }
        }
        let graph = self
            .dependencies
            .iter()
            .flat_map(|(from, tos)| std::iter::once(from).chain(tos.keys()));
        {
            for r in graph.chain(self.contains.iter()) {
                if !seen.contains(r.as_str()) {
                    return Err(RenderError::DanglingRef { bom_ref: r.clone() });
                }
            }
        }
        Ok(())
    }
}

/// Makes `wanted` unique among `taken` by appending `#2`, `#3`... and records it.
pub(crate) fn unique_ref(taken: &mut BTreeSet<String>, wanted: String) -> String {
    let mut r = wanted.clone();
    let mut n = 2;
    while taken.contains(&r) {
        r = format!("{wanted}#{n}");
        n += 1;
    }
    taken.insert(r.clone());
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Option<(&str, Option<&str>)>) {
        let got = Author::parse(input);
        let want = expect.map(|(n, e)| Author {
            name: n.to_owned(),
            email: e.map(str::to_owned),
        });
        assert_eq!(got, want, "{input:?}");
    }

    #[test]
    fn parses_cargo_authors() {
        check(
            "Jane Doe <jane@example.org>",
            Some(("Jane Doe", Some("jane@example.org"))),
        );
        check("Jane Doe", Some(("Jane Doe", None)));
        check(
            "<jane@example.org>",
            Some(("jane@example.org", Some("jane@example.org"))),
        );
        check(
            "The Rust Project Developers",
            Some(("The Rust Project Developers", None)),
        );
        check(
            "Sergey \"Shnatsel\" Davidoff <shnatsel@gmail.com>",
            Some(("Sergey \"Shnatsel\" Davidoff", Some("shnatsel@gmail.com"))),
        );
        check("Odd <not an email>", Some(("Odd", None)));
        check("<>", None);
        check("   ", None);
    }

    #[test]
    fn unique_refs_get_suffixes() {
        let mut taken = BTreeSet::new();
        assert_eq!(unique_ref(&mut taken, "a".into()), "a");
        assert_eq!(unique_ref(&mut taken, "a".into()), "a#2");
        assert_eq!(unique_ref(&mut taken, "a".into()), "a#3");
    }
}
