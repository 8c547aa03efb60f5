//! Package URLs (`pkg:type/namespace/name@version?qualifiers#subpath`): the one home of purls
//! for SBOMs and advisories. Parsed and written as the purl specification says, with the
//! type-specific name rules, go-vex's matching and the mapping to OSV ecosystems.
//!
//! Written purls percent-encode every byte outside `A-Z a-z 0-9 . - _ ~` and `:` (so `@` is
//! `%40` and `+` is `%2B` wherever they are data, the version included), except `/` inside
//! qualifier values, as the specification's canonical test vectors and packageurl-python
//! write them; qualifiers are sorted by key.
//!
//! The `cargo` type's default repository is crates.io; a package from elsewhere carries a
//! `repository_url` (another registry), `vcs_url` (git, pip-style `git+URL@COMMIT`) or
//! `download_url` (a local path) qualifier ([`cargo`]).

use std::collections::BTreeMap;
use std::fmt;

/// A parsed package URL. Components are percent-decoded; `type` is lowercase, and names are
/// normalised where the purl type says so (pypi, npm, github...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purl {
    /// Package type (`cargo`, `npm`, `pypi`...).
    pub ty: String,
    /// Namespace segments joined with `/`.
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
    /// Version.
    pub version: Option<String>,
    /// Qualifiers, keys lowercase.
    pub qualifiers: BTreeMap<String, String>,
    /// Subpath.
    pub subpath: Option<String>,
}

/// Why a package URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PurlParseError {
    /// Does not start with `pkg:`.
    #[error("package url must start with \"pkg:\"")]
    Scheme,
    /// The type is missing or has characters the spec forbids.
    #[error("package url has an invalid type")]
    Type,
    /// The name is missing.
    #[error("package url has no name")]
    Name,
    /// A `%` escape is malformed or decodes to invalid UTF-8.
    #[error("package url has an invalid percent-encoding")]
    Encoding,
    /// A qualifier is malformed.
    #[error("package url has an invalid qualifier {qualifier:?}")]
    Qualifier {
        /// The qualifier text.
        qualifier: String,
    },
}

fn decode(s: &str) -> Result<String, PurlParseError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).ok_or(PurlParseError::Encoding)?;
            let h = std::str::from_utf8(hex).map_err(|_| PurlParseError::Encoding)?;
            out.push(u8::from_str_radix(h, 16).map_err(|_| PurlParseError::Encoding)?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| PurlParseError::Encoding)
}

/// Percent-encodes every byte outside the purl's unreserved set (and `:`), and outside `keep`.
fn encode(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b".-_~:".contains(&b) || keep.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Purl {
    /// Parses a package URL.
    pub fn parse(s: &str) -> Result<Self, PurlParseError> {
        let rest = match s.get(..4) {
            Some(p) if p.eq_ignore_ascii_case("pkg:") => &s[4..],
            _ => return Err(PurlParseError::Scheme),
        };
        let (rest, subpath) = match rest.split_once('#') {
            Some((r, sp)) => {
                let segs: Vec<String> = sp
                    .split('/')
                    .filter(|x| !x.is_empty() && *x != "." && *x != "..")
                    .map(decode)
                    .collect::<Result<_, _>>()?;
                (r, (!segs.is_empty()).then(|| segs.join("/")))
            }
            None => (rest, None),
        };
        let (rest, qualifiers) = match rest.split_once('?') {
            Some((r, q)) => {
                let mut map = BTreeMap::new();
                for pair in q.split('&').filter(|p| !p.is_empty()) {
                    let (k, v) = pair
                        .split_once('=')
                        .ok_or_else(|| PurlParseError::Qualifier {
                            qualifier: pair.to_owned(),
                        })?;
                    let k = k.to_ascii_lowercase();
                    if k.is_empty()
                        || !k
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b".-_".contains(&b))
                    {
                        return Err(PurlParseError::Qualifier {
                            qualifier: pair.to_owned(),
                        });
                    }
                    let v = decode(v)?;
                    if !v.is_empty() {
                        map.insert(k, v);
                    }
                }
                (r, map)
            }
            None => (rest, BTreeMap::new()),
        };
        let rest = rest.trim_start_matches('/');
        let (ty, rest) = rest.split_once('/').ok_or(PurlParseError::Name)?;
        let ty = ty.to_ascii_lowercase();
        if ty.is_empty()
            || ty.starts_with(|c: char| c.is_ascii_digit())
            || !ty
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".+-".contains(&b))
        {
            return Err(PurlParseError::Type);
        }
        let rest = rest.trim_end_matches('/');
        let (path, version) = match rest.rfind('@') {
            Some(i) => (
                &rest[..i],
                Some(decode(&rest[i + 1..])?).filter(|v| !v.is_empty()),
            ),
            None => (rest, None),
        };
        let mut segs: Vec<String> = path
            .split('/')
            .filter(|x| !x.is_empty())
            .map(decode)
            .collect::<Result<_, _>>()?;
        let name = segs
            .pop()
            .filter(|n| !n.is_empty())
            .ok_or(PurlParseError::Name)?;
        let namespace = (!segs.is_empty()).then(|| segs.join("/"));
        let mut p = Purl {
            ty,
            namespace,
            name,
            version,
            qualifiers,
            subpath,
        };
        p.normalise();
        Ok(p)
    }

    fn normalise(&mut self) {
        match self.ty.as_str() {
            // The purl type definition: case-insensitive, and runs of `-`, `_` and `.` are one
            // `-` (PEP 503 name normalisation).
            "pypi" => {
                let mut out = String::with_capacity(self.name.len());
                for c in self.name.chars() {
                    if matches!(c, '-' | '_' | '.') {
                        if !out.ends_with('-') {
                            out.push('-');
                        }
                    } else {
                        out.push(c.to_ascii_lowercase());
                    }
                }
                self.name = out;
            }
            "github" | "bitbucket" | "composer" | "hex" => {
                self.name = self.name.to_ascii_lowercase();
                self.namespace = self.namespace.take().map(|n| n.to_ascii_lowercase());
            }
            _ => {}
        }
    }

    /// Whether two purls name the same package (type, namespace, name), versions aside.
    pub fn same_package(&self, other: &Purl) -> bool {
        self.ty == other.ty && self.namespace == other.namespace && self.name == other.name
    }

    /// Whether this purl, read as the more general one (as a VEX statement gives it), covers
    /// `specific`, as go-vex's `PurlMatches` decides: the same type, namespace and name; a
    /// version here must equal `specific`'s (none here matches every version); every qualifier
    /// here must be in `specific` with the same value (`specific` may have more). A subpath here
    /// must equal `specific`'s (go-vex ignores subpaths; sigil does not widen a statement).
    pub fn covers(&self, specific: &Purl) -> bool {
        self.same_package(specific)
            && self
                .version
                .as_ref()
                .is_none_or(|v| specific.version.as_ref() == Some(v))
            && self
                .qualifiers
                .iter()
                .all(|(k, v)| specific.qualifiers.get(k) == Some(v))
            && self
                .subpath
                .as_ref()
                .is_none_or(|s| specific.subpath.as_ref() == Some(s))
    }

    /// Why this purl breaks its type's namespace rule, when it does: the purl specification's
    /// type definitions prohibit a namespace for `cargo`, `pypi` and `nuget`, so such a purl
    /// names no package of the registry and no advisory can match it.
    pub fn namespace_problem(&self) -> Option<String> {
        match (self.ty.as_str(), &self.namespace) {
            ("cargo" | "pypi" | "nuget", Some(ns)) => Some(format!(
                "{} package urls have no namespace, but this one has {ns:?}",
                self.ty
            )),
            _ => None,
        }
    }

    /// The spelling under which the registry treats two names as one package, for types whose
    /// purl names are case-preserving while the registry is not: crates.io (case, and `-` the
    /// same as `_`) and NuGet (case). `None` for types whose names the parser normalises
    /// (pypi, github, bitbucket, composer, hex) or whose names are case-sensitive (npm, golang,
    /// maven...), where another spelling is another package.
    pub fn registry_spelling(&self) -> Option<String> {
        match self.ty.as_str() {
            "cargo" => Some(self.name.to_ascii_lowercase().replace('_', "-")),
            "nuget" => Some(self.name.to_ascii_lowercase()),
            _ => None,
        }
    }

    /// Whether `other` is the same registry package as this one under another spelling (see
    /// [`Purl::registry_spelling`]): an advisory naming `other` is about this package, but
    /// matching by name would miss it.
    pub fn misspells(&self, other: &Purl) -> bool {
        self.ty == other.ty
            && self.namespace == other.namespace
            && self.name != other.name
            && self.registry_spelling().is_some()
            && self.registry_spelling() == other.registry_spelling()
    }

    /// The OSV ecosystem and package name for this purl, for the types OSV knows.
    pub fn osv_package(&self) -> Option<(&'static str, String)> {
        let ns_name = |sep: &str| match &self.namespace {
            Some(ns) => format!("{ns}{sep}{}", self.name),
            None => self.name.clone(),
        };
        Some(match self.ty.as_str() {
            "cargo" => ("crates.io", self.name.clone()),
            "npm" => ("npm", ns_name("/")),
            "pypi" => ("PyPI", self.name.clone()),
            "golang" => ("Go", ns_name("/")),
            "maven" => ("Maven", ns_name(":")),
            "gem" => ("RubyGems", self.name.clone()),
            "nuget" => ("NuGet", self.name.clone()),
            "hex" => ("Hex", self.name.clone()),
            "pub" => ("Pub", self.name.clone()),
            "composer" => ("Packagist", ns_name("/")),
            "hackage" => ("Hackage", self.name.clone()),
            "cran" => ("CRAN", self.name.clone()),
            _ => return None,
        })
    }

    /// A purl for an OSV ecosystem package, where the mapping is known.
    pub fn for_osv_package(ecosystem: &str, name: &str, version: Option<&str>) -> Option<Purl> {
        let (ty, namespace, name) = match ecosystem {
            "crates.io" => ("cargo", None, name.to_owned()),
            "npm" => match name.rsplit_once('/') {
                Some((ns, n)) => ("npm", Some(ns.to_owned()), n.to_owned()),
                None => ("npm", None, name.to_owned()),
            },
            "PyPI" => ("pypi", None, name.to_owned()),
            "Go" => match name.rsplit_once('/') {
                Some((ns, n)) => ("golang", Some(ns.to_owned()), n.to_owned()),
                None => ("golang", None, name.to_owned()),
            },
            "Maven" => {
                let (g, a) = name.split_once(':')?;
                ("maven", Some(g.to_owned()), a.to_owned())
            }
            "RubyGems" => ("gem", None, name.to_owned()),
            "NuGet" => ("nuget", None, name.to_owned()),
            "Hex" => ("hex", None, name.to_owned()),
            "Pub" => ("pub", None, name.to_owned()),
            "Packagist" => {
                let (ns, n) = name.split_once('/')?;
                ("composer", Some(ns.to_owned()), n.to_owned())
            }
            _ => return None,
        };
        if name.is_empty() {
            return None;
        }
        let mut p = Purl {
            ty: ty.to_owned(),
            namespace,
            name,
            version: version.map(str::to_owned),
            qualifiers: BTreeMap::new(),
            subpath: None,
        };
        p.normalise();
        Some(p)
    }
}

impl fmt::Display for Purl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pkg:{}/", self.ty)?;
        if let Some(ns) = &self.namespace {
            let segs: Vec<String> = ns.split('/').map(|s| encode(s, b"")).collect();
            write!(f, "{}/", segs.join("/"))?;
        }
        write!(f, "{}", encode(&self.name, b""))?;
        if let Some(v) = &self.version {
            write!(f, "@{}", encode(v, b""))?;
        }
        if !self.qualifiers.is_empty() {
            let q: Vec<String> = self
                .qualifiers
                .iter()
                .map(|(k, v)| format!("{k}={}", encode(v, b"/")))
                .collect();
            write!(f, "?{}", q.join("&"))?;
        }
        if let Some(sp) = &self.subpath {
            let segs: Vec<String> = sp.split('/').map(|s| encode(s, b"")).collect();
            write!(f, "#{}", segs.join("/"))?;
        }
        Ok(())
    }
}

/// `pkg:cargo/NAME@VERSION` with `qualifiers` (empty values dropped, keys lowercased and
/// sorted), as an SBOM writes a crate.
pub fn cargo(name: &str, version: Option<&str>, qualifiers: &[(&str, &str)]) -> String {
    Purl {
        ty: "cargo".to_owned(),
        namespace: None,
        name: name.to_owned(),
        version: version.filter(|v| !v.is_empty()).map(str::to_owned),
        qualifiers: qualifiers
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.to_ascii_lowercase(), (*v).to_owned()))
            .collect(),
        subpath: None,
    }
    .to_string()
}

/// The purl without version, qualifiers or subpath: `pkg:TYPE/NAMESPACE/NAME`, as
/// [`Purl::parse`] reads and normalises it. Used as a component's identity when comparing
/// SBOMs. `None` if `purl` is not one.
pub fn identity(purl: &str) -> Option<String> {
    let p = Purl::parse(purl).ok()?;
    Some(
        Purl {
            version: None,
            qualifiers: BTreeMap::new(),
            subpath: None,
            ..p
        }
        .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(input: &str, expect: Result<&str, PurlParseError>) {
        assert_eq!(
            Purl::parse(input).map(|p| p.to_string()),
            expect.map(str::to_owned),
            "{input}"
        );
    }

    #[test]
    fn parses_spec_examples() {
        check("pkg:cargo/rand@0.7.2", Ok("pkg:cargo/rand@0.7.2"));
        check(
            "pkg:npm/%40angular/animation@12.3.1",
            Ok("pkg:npm/%40angular/animation@12.3.1"),
        );
        check(
            "pkg:pypi/Django_Allauth@1.11.1",
            Ok("pkg:pypi/django-allauth@1.11.1"),
        );
        check(
            "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?packaging=sources",
            Ok("pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?packaging=sources"),
        );
        check(
            "pkg:golang/google.golang.org/genproto#googleapis/api/annotations",
            Ok("pkg:golang/google.golang.org/genproto#googleapis/api/annotations"),
        );
        check("PKG:Cargo/foo", Ok("pkg:cargo/foo"));
        check(
            "pkg://cargo/foo@1.0.0+build",
            Ok("pkg:cargo/foo@1.0.0%2Bbuild"),
        );
        check("cargo/foo", Err(PurlParseError::Scheme));
        check("pkg:cargo", Err(PurlParseError::Name));
        check("pkg:cargo/", Err(PurlParseError::Name));
        check("pkg:1cargo/foo", Err(PurlParseError::Type));
        check("pkg:cargo/foo%zz", Err(PurlParseError::Encoding));
        check(
            "pkg:cargo/foo?bad",
            Err(PurlParseError::Qualifier {
                qualifier: "bad".to_owned(),
            }),
        );
    }

    /// The specification's character encoding: only `A-Z a-z 0-9 . - _ ~` and `:` stay as
    /// they are in data; `@` (a separator) and `+` (not in the allowed set) are escaped in
    /// namespaces, names and versions alike, and every reader decodes them back.
    #[test]
    fn at_and_plus_are_percent_encoded_wherever_they_are_data() {
        check(
            "pkg:npm/%40angular/core@12.3.1",
            Ok("pkg:npm/%40angular/core@12.3.1"),
        );
        check(
            "pkg:cargo/semver@1.0.0%2Bbuild.5",
            Ok("pkg:cargo/semver@1.0.0%2Bbuild.5"),
        );
        check(
            "pkg:cargo/x@1.0.0?vcs_url=git%2Bhttps://h/r.git%40abc",
            Ok("pkg:cargo/x@1.0.0?vcs_url=git%2Bhttps://h/r.git%40abc"),
        );
        check("pkg:generic/a%3Ab@1:2", Ok("pkg:generic/a:b@1:2"));
        let p = |s: &str| Purl::parse(s).expect("purl");
        assert_eq!(
            p("pkg:cargo/semver@1.0.0+build.5"),
            p("pkg:cargo/semver@1.0.0%2Bbuild.5")
        );
        assert_eq!(
            p("pkg:cargo/semver@1.0.0%2Bbuild.5").version.as_deref(),
            Some("1.0.0+build.5")
        );
        // What the SBOM builder writes, the advisory reader reads back to the same package.
        let written = cargo("semver", Some("1.0.0+build.5"), &[]);
        assert_eq!(p(&written), p("pkg:cargo/semver@1.0.0+build.5"));
        assert_eq!(
            identity("pkg:npm/%40acme/x@1"),
            identity("pkg:npm/%40acme/x")
        );
    }

    #[test]
    fn pypi_names_are_normalised_as_the_type_definition_says() {
        check(
            "pkg:pypi/Zope.Interface__x@5.0",
            Ok("pkg:pypi/zope-interface-x@5.0"),
        );
    }

    /// `covers(general, specific, expect)`.
    fn covers(general: &str, specific: &str, expect: bool) {
        let g = Purl::parse(general).expect("general");
        let s = Purl::parse(specific).expect("specific");
        assert_eq!(g.covers(&s), expect, "{general} covers {specific}");
    }

    #[test]
    fn vex_purl_matching_follows_go_vex() {
        covers("pkg:cargo/foo", "pkg:cargo/foo@1.0.0", true);
        covers("pkg:cargo/foo@1.0.0", "pkg:cargo/foo@1.0.0", true);
        covers("pkg:cargo/foo@1.0.0", "pkg:cargo/foo@1.0.1", false);
        covers("pkg:cargo/foo@1.0.0", "pkg:cargo/foo", false);
        covers("pkg:cargo/foo", "pkg:cargo/bar@1.0.0", false);
        // Qualifiers in the VEX purl must all be in the component's, with equal values.
        covers("pkg:cargo/foo?arch=arm64", "pkg:cargo/foo@1.0.0", false);
        covers(
            "pkg:cargo/foo?arch=arm64",
            "pkg:cargo/foo@1.0.0?arch=x86_64",
            false,
        );
        covers(
            "pkg:cargo/foo?arch=arm64",
            "pkg:cargo/foo@1.0.0?arch=arm64&os=linux",
            true,
        );
        covers("pkg:cargo/foo", "pkg:cargo/foo@1.0.0?arch=arm64", true);
        covers("pkg:golang/x/y#sub", "pkg:golang/x/y@v1.0.0", false);
        covers("pkg:golang/x/y#sub", "pkg:golang/x/y@v1.0.0#sub", true);
    }

    #[test]
    fn namespace_and_spelling_rules() {
        let p = |s: &str| Purl::parse(s).expect("purl");
        assert_eq!(
            p("pkg:cargo/rust-lang/foo@1.0.0").namespace_problem(),
            Some("cargo package urls have no namespace, but this one has \"rust-lang\"".to_owned())
        );
        assert_eq!(p("pkg:cargo/foo@1.0.0").namespace_problem(), None);
        assert_eq!(p("pkg:npm/%40scope/foo@1.0.0").namespace_problem(), None);
        assert!(p("pkg:cargo/SmallVec").misspells(&p("pkg:cargo/smallvec")));
        assert!(p("pkg:cargo/foo_bar").misspells(&p("pkg:cargo/foo-bar")));
        assert!(!p("pkg:cargo/smallvec").misspells(&p("pkg:cargo/smallvec")));
        assert!(p("pkg:nuget/Newtonsoft.json").misspells(&p("pkg:nuget/Newtonsoft.Json")));
        // Case-sensitive types: another spelling is another package.
        assert!(!p("pkg:npm/JSONStream").misspells(&p("pkg:npm/jsonstream")));
        assert!(!p("pkg:golang/github.com/Sirupsen/logrus")
            .misspells(&p("pkg:golang/github.com/sirupsen/logrus")));
    }

    #[test]
    fn osv_mapping() {
        let p = Purl::parse("pkg:npm/%40scope/pkg@1.0.0").expect("valid");
        assert_eq!(p.osv_package(), Some(("npm", "@scope/pkg".to_owned())));
        let q = Purl::for_osv_package("npm", "@scope/pkg", None).expect("known");
        assert!(p.same_package(&q));
        assert_eq!(
            Purl::for_osv_package("Maven", "org.x:y", Some("1")).map(|p| p.to_string()),
            Some("pkg:maven/org.x/y@1".to_owned())
        );
    }

    fn check_cargo(name: &str, version: Option<&str>, q: &[(&str, &str)], expect: &str) {
        assert_eq!(cargo(name, version, q), expect);
    }

    #[test]
    fn builds_cargo_purls() {
        check_cargo("rand", Some("0.7.2"), &[], "pkg:cargo/rand@0.7.2");
        check_cargo(
            "semver",
            Some("1.0.0+build.5"),
            &[],
            "pkg:cargo/semver@1.0.0%2Bbuild.5",
        );
        check_cargo("x", None, &[], "pkg:cargo/x");
        check_cargo(
            "auditable-extract",
            Some("0.3.2"),
            &[("vcs_url", "git+https://github.com/rust-secure-code/cargo-auditable.git@da85607f")],
            "pkg:cargo/auditable-extract@0.3.2?vcs_url=git%2Bhttps://github.com/rust-secure-code/cargo-auditable.git%40da85607f",
        );
        check_cargo(
            "x",
            Some("1.0.0"),
            &[
                ("repository_url", "https://r.example/index"),
                ("download_url", ""),
                ("A_key", "v w"),
            ],
            "pkg:cargo/x@1.0.0?a_key=v%20w&repository_url=https://r.example/index",
        );
    }

    fn check_identity(purl: &str, expect: Option<&str>) {
        assert_eq!(identity(purl).as_deref(), expect, "{purl}");
    }

    #[test]
    fn identities_drop_version_and_qualifiers() {
        check_identity("pkg:cargo/rand@0.7.2", Some("pkg:cargo/rand"));
        check_identity("pkg:cargo/rand", Some("pkg:cargo/rand"));
        check_identity(
            "pkg:cargo/x@1.0.0?vcs_url=git%2Bhttps:%2F%2Fh%2Fr%40abc",
            Some("pkg:cargo/x"),
        );
        check_identity(
            "pkg:npm/%40acme/example@1.2.3#lib/x",
            Some("pkg:npm/%40acme/example"),
        );
        check_identity(
            "pkg:Maven/org.apache/batik@1.9",
            Some("pkg:maven/org.apache/batik"),
        );
        check_identity("npm/x@1", None);
        check_identity("pkg:cargo", None);
        check_identity("pkg:/x", None);
        check_identity("pkg:cargo/@1.0", None);
    }

    proptest! {
        #[test]
        fn encoded_values_use_only_permitted_characters(s in ".*") {
            let e = encode(&s, b"");
            prop_assert!(e.bytes().all(|b| b.is_ascii_alphanumeric() || b".-_~:%".contains(&b)));
        }

        #[test]
        fn identity_never_panics(s in ".*") {
            let _ = identity(&s);
        }

        #[test]
        fn never_panics(s in "\\PC{0,40}") {
            let _ = Purl::parse(&s);
        }

        /// Purls built from unreserved characters always parse, and their display parses back
        /// to the same purl.
        #[test]
        fn display_reparses(
            ty in "[a-z]{1,6}",
            ns in proptest::option::of("[a-zA-Z0-9]{1,8}"),
            name in "[a-zA-Z0-9][a-zA-Z0-9._~-]{0,9}",
            version in proptest::option::of("[a-z0-9][a-z0-9.+-]{0,7}"),
        ) {
            let ns = ns.map(|n| format!("{n}/")).unwrap_or_default();
            let version = version.map(|v| format!("@{v}")).unwrap_or_default();
            let s = format!("pkg:{ty}/{ns}{name}{version}");
            let p = Purl::parse(&s).map_err(|e| TestCaseError::fail(format!("{s}: {e:?}")))?;
            let again = Purl::parse(&p.to_string());
            prop_assert_eq!(again, Ok(p));
        }
    }
}
