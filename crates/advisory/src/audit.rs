//! Audits: packages (from an SBOM or a lockfile) against OSV advisories and RustSec
//! advisories, with OpenVEX statements applied.
//!
//! Withdrawn advisories are skipped. A `not_affected` or `fixed` VEX statement suppresses a
//! finding (the reason is kept); `affected` and `under_investigation` keep it and attach the
//! statement. Statements apply per [`vex::decide`]: about the package itself or about the
//! audited product, newest statement first. A finding that cannot be decided (a version or
//! ordering sigil cannot evaluate) is reported as `indeterminate` and counts, so the audit
//! fails closed. Findings without a severity count at any threshold.
//!
//! A component that cannot be audited at all (no purl, no version, a version that disagrees
//! with its purl's, a purl its type does not allow, a name the advisories spell otherwise) is
//! reported as [`Unaudited`] with its own code, and fails the audit unless the caller allows
//! it. An advisory with an `advisory validate` error that changes what the audit matches or
//! evaluates ([`crate::validate::AUDIT_ERRORS`]) is refused when loading.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::cvss::{self, Severity};
use crate::inventory::Component;
use crate::osv::{self, Advisory, Hit, Upgrade};
use crate::purl::Purl;
use crate::vex;

/// Where a finding's advisory came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// An OSV JSON file.
    Osv,
    /// A RustSec advisory-db checkout.
    Rustsec,
}

/// The VEX statement applied to a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct VexApplied {
    /// `not_affected`, `affected`, `fixed`, `under_investigation`.
    pub status: &'static str,
    /// Justification, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<&'static str>,
    /// Impact statement, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact_statement: Option<String>,
    /// Action statement, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_statement: Option<String>,
    /// The VEX document's `@id`.
    pub document: String,
}

impl VexApplied {
    /// The reason in words: justification and impact statement.
    pub fn reason(&self) -> String {
        match (self.justification, &self.impact_statement) {
            (Some(j), Some(i)) => format!("{j}: {i}"),
            (Some(j), None) => j.to_owned(),
            (None, Some(i)) => i.clone(),
            (None, None) => self.action_statement.clone().unwrap_or_default(),
        }
    }
}

/// One advisory matching one package.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// Advisory id.
    pub id: String,
    /// Its aliases.
    pub aliases: Vec<String>,
    /// OSV or RustSec.
    pub source: Source,
    /// The advisory file.
    pub file: PathBuf,
    /// Package name.
    pub package: String,
    /// Package version.
    pub version: String,
    /// Package URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Rating, when the advisory gives one.
    pub severity: Option<Severity>,
    /// CVSS score, when the advisory has a vector.
    pub score: Option<f64>,
    /// The CVSS vector used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cvss: Option<String>,
    /// The version to upgrade to, where the advisory says.
    pub fixed: Option<String>,
    /// Remediation in words (`upgrade to 1.2.3`, `upgrade above 1.2.3`, `no fixed version`).
    pub remediation: String,
    /// Set when the match could not be decided: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub indeterminate: Option<String>,
    /// The informational kind (`unmaintained`, `unsound`, `notice`...) of an informational
    /// advisory's finding; such findings are in [`Report::informational_findings`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub informational: Option<String>,
    /// The VEX statement applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vex: Option<VexApplied>,
    /// Suppressed by VEX (`not_affected`, `fixed`).
    pub suppressed: bool,
}

impl Finding {
    /// Whether this finding fails an audit at `threshold`.
    pub fn fails(&self, threshold: Severity) -> bool {
        !self.suppressed && self.severity.is_none_or(|s| s >= threshold)
    }
}

/// An advisory set to audit against.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Advisories {
    /// OSV advisories with their files.
    pub osv: Vec<(PathBuf, Advisory)>,
    /// RustSec advisories with their files.
    pub rustsec: Vec<(PathBuf, rustsec::Advisory)>,
}

/// Why an advisory directory could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// File system trouble.
    #[error("{path}: {source}")]
    Io {
        /// Where.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A JSON file is not an OSV advisory.
    #[error("{path}: not an OSV advisory: {source}")]
    Osv {
        /// Which.
        path: PathBuf,
        /// Why.
        #[source]
        source: osv::OsvParseError,
    },
    /// The RustSec checkout is malformed.
    #[error(transparent)]
    Rustsec(#[from] crate::rustsec_db::RustsecDbError),
    /// An OSV advisory has errors `advisory validate` reports that change what an audit
    /// matches or evaluates ([`crate::validate::AUDIT_ERRORS`]).
    #[error("{path}: advisory {id:?} is malformed: {}", render_problems(.problems))]
    Malformed {
        /// Which file.
        path: PathBuf,
        /// The advisory's id.
        id: String,
        /// The validator's findings.
        problems: Vec<crate::validate::Finding>,
    },
}

fn render_problems(problems: &[crate::validate::Finding]) -> String {
    problems
        .iter()
        .map(|f| format!("{}: {} ({})", f.path, f.message, f.code))
        .collect::<Vec<_>>()
        .join("; ")
}

fn walk_json(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) -> Result<(), LoadError> {
    if depth > 32 {
        return Ok(());
    }
    let io = |source| LoadError::Io {
        path: dir.to_owned(),
        source,
    };
    let mut entries: Vec<std::fs::DirEntry> = std::fs::read_dir(dir)
        .map_err(io)?
        .collect::<Result<_, _>>()
        .map_err(io)?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let ft = e.file_type().map_err(|source| LoadError::Io {
            path: e.path(),
            source,
        })?;
        if ft.is_dir() {
            walk_json(&e.path(), out, depth + 1)?;
        } else if ft.is_file() && name.ends_with(".json") {
            out.push(e.path());
        }
    }
    Ok(())
}

fn load_osv_file(path: PathBuf) -> Result<(PathBuf, Advisory), LoadError> {
    let meta = std::fs::metadata(&path).map_err(|source| LoadError::Io {
        path: path.clone(),
        source,
    })?;
    if meta.len() > osv::MAX_ADVISORY_BYTES as u64 {
        return Err(LoadError::Osv {
            path,
            source: osv::OsvParseError::TooLarge {
                limit: osv::MAX_ADVISORY_BYTES,
            },
        });
    }
    let text = sigil_core::input::read_to_string(&path).map_err(|source| LoadError::Io {
        path: path.clone(),
        source,
    })?;
    let adv = Advisory::from_json(&text).map_err(|source| LoadError::Osv {
        path: path.clone(),
        source,
    })?;
    let problems = crate::validate::audit_errors(&adv);
    if !problems.is_empty() {
        return Err(LoadError::Malformed {
            path,
            id: adv.id,
            problems,
        });
    }
    Ok((path, adv))
}

impl Advisories {
    /// Loads OSV JSON files anywhere under `dir` (hidden entries skipped, symlinks not
    /// followed) and, when `dir` is a RustSec advisory-db checkout, its advisories.
    pub fn load_dir(dir: &Path) -> Result<Self, LoadError> {
        let mut files = Vec::new();
        walk_json(dir, &mut files, 0)?;
        // Read and parsed on every core; errors are reported for the first file in order.
        use rayon::prelude::*;
        let parsed: Vec<Result<(PathBuf, Advisory), LoadError>> =
            files.into_par_iter().map(load_osv_file).collect();
        let osv = parsed.into_iter().collect::<Result<Vec<_>, _>>()?;
        let rustsec = if crate::rustsec_db::is_checkout(dir) {
            crate::rustsec_db::load(dir)?
        } else {
            Vec::new()
        };
        Ok(Self { osv, rustsec })
    }

    /// How many advisories were loaded.
    pub fn len(&self) -> usize {
        self.osv.len() + self.rustsec.len()
    }

    /// Whether none were loaded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

sigil_core::finding_codes! {
    /// Why a component could not be audited. Each reason has its own stable finding code.
    pub enum Unauditable {
        /// No package URL: no advisory can name the component.
        NoPurl = "unaudited-no-purl",
        /// Neither the component nor its purl gives a version.
        NoVersion = "unaudited-no-version",
        /// The component's version and its purl's differ: which one is installed is unknown.
        VersionMismatch = "unaudited-version-mismatch",
        /// The purl has a namespace its type prohibits (`pkg:cargo/ns/name`).
        PurlNamespace = "unaudited-purl-namespace",
        /// An advisory names the same registry package spelt otherwise (crates.io, NuGet).
        NameNotCanonical = "unaudited-name-not-canonical",
    }
}

/// A component the audit could not check against the advisories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Unaudited {
    /// The stable code of [`Unauditable`].
    pub code: &'static str,
    /// Component name.
    pub package: String,
    /// Its version, when known.
    pub version: Option<String>,
    /// Its purl, when it has one.
    pub purl: Option<String>,
    /// Why, in words.
    pub message: String,
}

impl Unaudited {
    fn new(reason: Unauditable, comp: &Component, message: String) -> Self {
        Self {
            code: reason.code(),
            package: comp.name.clone(),
            version: comp.version.clone(),
            purl: comp.purl.as_ref().map(ToString::to_string),
            message,
        }
    }
}

/// An audit's outcome.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// Packages checked.
    pub components: usize,
    /// The audited product's purls (VEX statements about subcomponents apply only in these).
    pub products: Vec<String>,
    /// Components that could not be audited.
    pub unaudited: Vec<Unaudited>,
    /// Advisories considered.
    pub advisories: usize,
    /// Ids of withdrawn advisories that were skipped.
    pub withdrawn: Vec<String>,
    /// Ids of informational advisories (unmaintained, unsound, notice), RustSec's
    /// `informational` or OSV's `affected[].database_specific.informational`.
    pub informational: Vec<String>,
    /// Vulnerability findings, most severe first.
    pub findings: Vec<Finding>,
    /// Findings of informational advisories, by package: reported apart, failing only when
    /// the caller asks ([`Report::passes_with`]).
    pub informational_findings: Vec<Finding>,
}

impl Report {
    /// Findings that fail at `threshold`.
    pub fn failing(&self, threshold: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.fails(threshold))
    }

    /// Whether the audit passes: no finding fails at `threshold`, and every component was
    /// audited unless `insecure_allow_unaudited` (then unaudited components are only reported).
    pub fn passes(&self, threshold: Severity, insecure_allow_unaudited: bool) -> bool {
        self.passes_with(threshold, insecure_allow_unaudited, false)
    }

    /// [`Report::passes`], where `fail_on_informational` also fails the audit on any
    /// informational finding not suppressed by VEX.
    pub fn passes_with(
        &self,
        threshold: Severity,
        insecure_allow_unaudited: bool,
        fail_on_informational: bool,
    ) -> bool {
        self.failing(threshold).next().is_none()
            && (insecure_allow_unaudited || self.unaudited.is_empty())
            && !(fail_on_informational && self.informational_findings.iter().any(|f| !f.suppressed))
    }
}

fn apply_vex(
    f: &mut Finding,
    ids: &[&str],
    purl: &Purl,
    products: &[Purl],
    docs: &[vex::Document],
) {
    if let Some((d, s)) = vex::decide(docs, ids, purl, products) {
        f.suppressed = s.suppresses();
        f.vex = Some(VexApplied {
            status: s.status.as_str(),
            justification: s.justification.map(|j| j.as_str()),
            impact_statement: s.impact_statement.clone(),
            action_statement: s.action_statement.clone(),
            document: d.id.clone(),
        });
    }
}

/// Whether `v` is in one of an advisory's affected ranges ([`rustsec::advisory::Versions::is_vulnerable`],
/// with the ranges computed once per advisory instead of on every call).
fn vulnerable(ranges: &[rustsec::osv::OsvRange], v: &semver::Version) -> bool {
    ranges.iter().any(|r| r.affects(v))
}

fn rustsec_upgrade(
    adv: &rustsec::Advisory,
    ranges: &[rustsec::osv::OsvRange],
    current: &semver::Version,
) -> Option<String> {
    let mut best: Option<semver::Version> = None;
    for req in adv.versions.patched() {
        for c in &req.comparators {
            use semver::Op;
            if !matches!(
                c.op,
                Op::GreaterEq | Op::Greater | Op::Exact | Op::Caret | Op::Tilde
            ) {
                continue;
            }
            let mut v = semver::Version::new(c.major, c.minor.unwrap_or(0), c.patch.unwrap_or(0));
            v.pre = c.pre.clone();
            if c.op == Op::Greater {
                // The smallest version above: bump the patch (or use the pre-release's release).
                v = if v.pre.is_empty() {
                    semver::Version::new(v.major, v.minor, v.patch + 1)
                } else {
                    semver::Version::new(v.major, v.minor, v.patch)
                };
            }
            if v > *current && !vulnerable(ranges, &v) && best.as_ref().is_none_or(|b| v < *b) {
                best = Some(v);
            }
        }
    }
    best.map(|v| v.to_string())
}

/// Checks that a component can be audited: its purl (with the version filled in from the
/// component when the purl has none), or why not.
fn auditable(comp: &Component) -> Result<Purl, Unaudited> {
    let Some(purl) = &comp.purl else {
        return Err(Unaudited::new(
            Unauditable::NoPurl,
            comp,
            "the component has no package url, so no advisory can name it".to_owned(),
        ));
    };
    if let Some(why) = purl.namespace_problem() {
        return Err(Unaudited::new(Unauditable::PurlNamespace, comp, why));
    }
    let Some(version) = &comp.version else {
        return Err(Unaudited::new(
            Unauditable::NoVersion,
            comp,
            "neither the component nor its package url gives a version".to_owned(),
        ));
    };
    if let Some(pv) = &purl.version {
        if pv != version {
            return Err(Unaudited::new(
                Unauditable::VersionMismatch,
                comp,
                format!(
                    "the component's version {version:?} differs from its package url's {pv:?}"
                ),
            ));
        }
    }
    let mut purl = purl.clone();
    purl.version = Some(version.clone());
    Ok(purl)
}

/// The key under which an audit looks packages up: type, namespace and the name as the
/// registry compares it ([`Purl::registry_spelling`], else the name). Two purls can match or
/// misspell each other only when their keys are equal, so an index by key finds every
/// advisory the former scan over all advisories found, in the same order.
type PackageKey = (String, Option<String>, String);

fn package_key(p: &Purl) -> PackageKey {
    (
        p.ty.clone(),
        p.namespace.clone(),
        p.registry_spelling().unwrap_or_else(|| p.name.clone()),
    )
}

/// The advisories of one audit, indexed by package. Built once per audit: each component
/// then looks at the few advisories that can name it instead of at all of them, and what
/// every comparison needs (package purls, affected ranges) is computed once per advisory.
struct Index<'a> {
    /// OSV advisory positions (ascending) per package key of any of their `affected` entries.
    osv: std::collections::HashMap<PackageKey, Vec<usize>>,
    /// Per OSV advisory, per `affected` entry: its package purls
    /// ([`osv::Affected::package_purls`]), its ranges prepared for evaluation and its best
    /// CVSS vector ([`Advisory::best_cvss`]).
    osv_affected: Vec<Vec<OsvAffected<'a>>>,
    /// RustSec advisory positions (ascending) per crates.io spelling of their package.
    rustsec: std::collections::HashMap<String, Vec<usize>>,
    /// Per RustSec advisory, its affected ranges (empty for a withdrawn one, never looked at)
    /// and its CVSS vector, scored.
    rustsec_ranges: Vec<(Vec<rustsec::osv::OsvRange>, Option<cvss::Cvss>)>,
}

/// An OSV `affected` entry as the index keeps it: (package purls, prepared ranges, best CVSS).
type OsvAffected<'a> = (Vec<Purl>, osv::Prepared<'a>, Option<cvss::Cvss>);

impl<'a> Index<'a> {
    fn new(advisories: &'a Advisories) -> Self {
        use rayon::prelude::*;
        let mut osv: std::collections::HashMap<PackageKey, Vec<usize>> =
            std::collections::HashMap::new();
        let osv_affected: Vec<Vec<OsvAffected<'a>>> = advisories
            .osv
            .par_iter()
            .map(|(_, a)| {
                a.affected
                    .iter()
                    .map(|aff| {
                        let purls = aff.package_purls().collect();
                        (purls, aff.prepare(), a.best_cvss(Some(aff)))
                    })
                    .collect()
            })
            .collect();
        for (i, ((_, a), affected)) in advisories.osv.iter().zip(&osv_affected).enumerate() {
            if a.withdrawn.is_some() {
                continue;
            }
            for p in affected.iter().flat_map(|(ps, _, _)| ps) {
                let v = osv.entry(package_key(p)).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
        }
        let rustsec_ranges = advisories
            .rustsec
            .par_iter()
            .map(|(_, a)| match a.metadata.withdrawn {
                Some(_) => (Vec::new(), None),
                None => (
                    rustsec::osv::ranges_for_advisory(&a.versions),
                    a.metadata
                        .cvss
                        .as_ref()
                        .and_then(|c| cvss::parse(&c.to_string()).ok()),
                ),
            })
            .collect();
        let mut rustsec: std::collections::HashMap<String, Vec<usize>> =
            std::collections::HashMap::new();
        for (i, (_, a)) in advisories.rustsec.iter().enumerate() {
            if a.metadata.withdrawn.is_some() {
                continue;
            }
            rustsec
                .entry(cargo_spelling(a.metadata.package.as_str()))
                .or_default()
                .push(i);
        }
        Self {
            osv,
            osv_affected,
            rustsec,
            rustsec_ranges,
        }
    }
}

/// Advisory ids reported per purl (looked up without allocating).
type Seen = std::collections::HashMap<String, std::collections::HashSet<String>>;

fn mark_seen(seen: &mut Seen, purl_text: &str, id: &str) {
    match seen.get_mut(purl_text) {
        Some(ids) => {
            ids.insert(id.to_owned());
        }
        None => {
            seen.insert(purl_text.to_owned(), [id.to_owned()].into());
        }
    }
}

fn cargo_spelling(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

/// The informational kind an OSV `affected` entry gives in `database_specific.informational`
/// (`unmaintained`, `unsound`, `notice`...: the RustSec database's OSV export), if any.
pub fn osv_informational(aff: &osv::Affected) -> Option<String> {
    match aff.database_specific.as_ref()?.get("informational")? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// What checking one component found: its findings in the order found (OSV, then RustSec,
/// before an advisory in both forms is reported once), and why it was not (fully) audited.
#[derive(Default)]
struct Checked {
    findings: Vec<Finding>,
    unaudited: Option<Box<Unaudited>>,
}

/// Checks one component against the advisories naming its package.
fn check_component(
    comp: &Component,
    products: &[Purl],
    advisories: &Advisories,
    index: &Index<'_>,
    vex_docs: &[vex::Document],
) -> Checked {
    let none: Vec<usize> = Vec::new();
    let mut out = Checked::default();
    let purl = match auditable(comp) {
        Ok(p) => p,
        Err(u) => {
            out.unaudited = Some(Box::new(u));
            return out;
        }
    };
    let purl = &purl;
    let purl_text = purl.to_string();
    let Some(version) = comp.version.clone() else {
        return out;
    };
    let key = package_key(purl);
    // An advisory naming this package spelt otherwise: the first one, for the report.
    let mut misspelt: Option<String> = None;
    let mut note_misspelling = |id: &str, other: &Purl| {
        if misspelt.is_none() && purl.misspells(other) {
            misspelt = Some(format!(
                "advisory {id} names {:?}, which the registry takes for {:?}: the package url must spell the name as the registry does",
                other.name, purl.name
            ));
        }
    };
    for &i in index.osv.get(&key).unwrap_or(&none) {
        let (file, a) = &advisories.osv[i];
        for (aff, (purls, prepared, cv)) in a.affected.iter().zip(&index.osv_affected[i]) {
            // `aff.matches(purl)`, with the entry's purls parsed once per advisory.
            if !purls.iter().any(|p| p.same_package(purl)) {
                for p in purls {
                    note_misspelling(&a.id, p);
                }
                continue;
            }
            let (upgrade, indeterminate) = match prepared.evaluate(&version) {
                Ok(Hit::NotAffected) => continue,
                Ok(Hit::Affected { upgrade }) => (upgrade, None),
                Err(e) => (None, Some(e.to_string())),
            };
            let cv = cv.clone();
            let severity = cv
                .as_ref()
                .map(cvss::Cvss::severity)
                .or_else(|| a.stated_severity());
            let fixed = match &upgrade {
                Some(Upgrade::Fixed(v)) => Some(v.clone()),
                _ => None,
            };
            let remediation = match (&indeterminate, upgrade) {
                (Some(_), _) => "could not be evaluated; check by hand".to_owned(),
                (None, Some(u)) => u.to_string(),
                (None, None) => "listed as affected; no fixed version recorded".to_owned(),
            };
            let kind = osv_informational(aff);
            let mut f = Finding {
                id: a.id.clone(),
                aliases: a.aliases.clone(),
                source: Source::Osv,
                file: file.clone(),
                package: comp.name.clone(),
                version: version.clone(),
                purl: Some(purl_text.clone()),
                summary: a.summary.clone(),
                severity,
                score: cv.as_ref().map(|c| c.score),
                cvss: cv.map(|c| c.vector),
                fixed,
                remediation,
                indeterminate,
                informational: kind,
                vex: None,
                suppressed: false,
            };
            let mut ids: Vec<&str> = vec![a.id.as_str()];
            ids.extend(a.aliases.iter().map(String::as_str));
            apply_vex(&mut f, &ids, purl, products, vex_docs);
            out.findings.push(f);
            break;
        }
    }
    if purl.ty != "cargo" {
        out.unaudited =
            misspelt.map(|why| Box::new(Unaudited::new(Unauditable::NameNotCanonical, comp, why)));
        return out;
    }
    // Parsed once per component, for every RustSec advisory of its package.
    let parsed = semver::Version::parse(version.strip_prefix('v').unwrap_or(&version));
    for &i in index.rustsec.get(&key.2).unwrap_or(&none) {
        let (file, a) = &advisories.rustsec[i];
        let m = &a.metadata;
        if m.package.as_str() != purl.name {
            if let Some(p) = Purl::for_osv_package("crates.io", m.package.as_str(), None) {
                note_misspelling(m.id.as_str(), &p);
            }
            continue;
        }
        let (ranges, cv) = &index.rustsec_ranges[i];
        let (affected, indeterminate, fixed) = match &parsed {
            // The upgrade is looked for only when the version is affected.
            Ok(v) => match vulnerable(ranges, v) {
                true => (true, None, rustsec_upgrade(a, ranges, v)),
                false => (false, None, None),
            },
            Err(e) => (
                true,
                Some(format!(
                    "{version:?} is not a valid SemVer 2.0 version: {e}"
                )),
                None,
            ),
        };
        if !affected {
            continue;
        }
        let cv = cv.clone();
        let remediation = match (&indeterminate, &fixed) {
            (Some(_), _) => "could not be evaluated; check by hand".to_owned(),
            (None, Some(v)) => format!("upgrade to {v}"),
            (None, None) => "no fixed version".to_owned(),
        };
        let mut f = Finding {
            id: m.id.to_string(),
            aliases: m.aliases.iter().map(ToString::to_string).collect(),
            source: Source::Rustsec,
            file: file.clone(),
            package: comp.name.clone(),
            version: version.clone(),
            purl: Some(purl_text.clone()),
            summary: Some(m.title.clone()).filter(|t| !t.is_empty()),
            severity: cv.as_ref().map(cvss::Cvss::severity),
            score: cv.as_ref().map(|c| c.score),
            cvss: cv.map(|c| c.vector),
            fixed,
            remediation,
            indeterminate,
            informational: m.informational.as_ref().map(|k| k.as_str().to_owned()),
            vex: None,
            suppressed: false,
        };
        let mut ids: Vec<String> = vec![f.id.clone()];
        ids.extend(f.aliases.iter().cloned());
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        apply_vex(&mut f, &ids, purl, products, vex_docs);
        out.findings.push(f);
    }
    out.unaudited =
        misspelt.map(|why| Box::new(Unaudited::new(Unauditable::NameNotCanonical, comp, why)));
    out
}

/// Audits `components` of `products` (the purls of what the SBOM describes, or that the user
/// named) against `advisories`, applying `vex` documents.
///
/// Advisories are indexed by package once; each component is checked against the advisories
/// naming its package (or a spelling of it the registry takes for the same package).
/// Informational advisories (RustSec `informational`, OSV `affected[].database_specific
/// .informational`) give [`Report::informational_findings`], apart from vulnerabilities.
pub fn audit(
    components: &[Component],
    products: &[Purl],
    advisories: &Advisories,
    vex_docs: &[vex::Document],
) -> Report {
    let mut findings = Vec::new();
    let mut notices = Vec::new();
    let mut unaudited = Vec::new();
    let mut withdrawn = Vec::new();
    let mut informational = Vec::new();
    for (_, a) in &advisories.osv {
        if a.withdrawn.is_some() {
            withdrawn.push(a.id.clone());
        } else if a
            .affected
            .iter()
            .any(|aff| osv_informational(aff).is_some())
        {
            informational.push(a.id.clone());
        }
    }
    for (_, a) in &advisories.rustsec {
        if a.metadata.withdrawn.is_some() {
            withdrawn.push(a.metadata.id.to_string());
        } else if a.metadata.informational.is_some() {
            informational.push(a.metadata.id.to_string());
        }
    }
    let index = Index::new(advisories);
    // In component order, an advisory already reported for a purl (in the other form, or for
    // a component listed twice) is reported once. (Checking components on both cores took
    // as much CPU and a quarter more memory: each thread's allocations stay in its own arena.)
    let mut seen: Seen = std::collections::HashMap::new();
    for comp in components {
        let c = check_component(comp, products, advisories, &index, vex_docs);
        for f in c.findings {
            let purl_text = f.purl.as_deref().unwrap_or_default();
            if f.source == Source::Rustsec
                && seen
                    .get(purl_text)
                    .is_some_and(|ids| ids.contains(f.id.as_str()))
            {
                continue;
            }
            mark_seen(&mut seen, purl_text, &f.id);
            if f.informational.is_some() {
                notices.push(f);
            } else {
                findings.push(f);
            }
        }
        unaudited.extend(c.unaudited.map(|u| *u));
    }
    // Most severe first (unknown severity at the top, as it counts at every threshold).
    let rank = |f: &Finding| f.severity.map_or(5, |s| s as u8);
    let order = |a: &Finding, b: &Finding| {
        rank(b)
            .cmp(&rank(a))
            .then(b.score.unwrap_or(0.0).total_cmp(&a.score.unwrap_or(0.0)))
            .then_with(|| a.package.cmp(&b.package))
            .then_with(|| a.id.cmp(&b.id))
    };
    findings.sort_by(order);
    notices.sort_by(|a, b| {
        a.package
            .cmp(&b.package)
            .then_with(|| a.version.cmp(&b.version))
            .then_with(|| a.id.cmp(&b.id))
    });
    Report {
        components: components.len(),
        products: products.iter().map(ToString::to_string).collect(),
        unaudited,
        advisories: advisories.len(),
        withdrawn,
        informational,
        findings,
        informational_findings: notices,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advisories() -> Advisories {
        let a = Advisory::from_json(
            r#"{"id":"GHSA-2222-3333-4444","modified":"2024-01-01T00:00:00Z",
                "affected":[{"package":{"ecosystem":"crates.io","name":"foo_bar"},
                  "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"2.0.0"}]}]},
                  {"package":{"ecosystem":"npm","name":"left-pad"},
                  "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"2.0.0"}]}]}]}"#,
        )
        .expect("valid");
        Advisories {
            osv: vec![(PathBuf::from("a.json"), a)],
            rustsec: Vec::new(),
        }
    }

    /// `check(name, version, purl, expect)`: expect is the unaudited code, "finding" or "clean".
    fn check(name: &str, version: Option<&str>, purl: Option<&str>, expect: &str) {
        let c = Component::new(
            name,
            version.map(str::to_owned),
            purl.map(|p| Purl::parse(p).expect("purl")),
        );
        let r = audit(&[c], &[], &advisories(), &[]);
        let got = match (r.unaudited.as_slice(), r.findings.len()) {
            ([u], 0) => u.code,
            ([], 1) => "finding",
            ([], 0) => "clean",
            _ => panic!("{r:?}"),
        };
        assert_eq!(got, expect, "{name} {version:?} {purl:?}");
        assert_eq!(r.passes(Severity::Critical, false), expect == "clean");
        assert_eq!(
            r.passes(Severity::Critical, true),
            expect != "finding",
            "unaudited components pass only when allowed"
        );
    }

    #[test]
    fn an_advisory_in_both_forms_is_reported_once_per_package() {
        let osv = Advisory::from_json(
            r#"{"id":"RUSTSEC-2024-0001","modified":"2024-01-01T00:00:00Z",
                "affected":[{"package":{"ecosystem":"crates.io","name":"foo"},
                  "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.2.0"}]}]}]}"#,
        )
        .expect("osv");
        let md = |id: &str| {
            format!("```toml\n[advisory]\nid = \"{id}\"\npackage = \"foo\"\ndate = \"2024-01-01\"\n\n[versions]\npatched = [\">= 1.2.0\"]\n```\n\n# Bad foo\n\nDetails.\n")
        };
        let parse = |id: &str| crate::rustsec_db::parse_advisory(&md(id)).expect("rustsec");
        let advisories = Advisories {
            osv: vec![(PathBuf::from("osv.json"), osv)],
            rustsec: vec![
                (PathBuf::from("a.md"), parse("RUSTSEC-2024-0001")),
                (PathBuf::from("b.md"), parse("RUSTSEC-2024-0002")),
            ],
        };
        let comps: Vec<Component> = ["1.0.0", "1.1.0", "1.2.0"]
            .iter()
            .map(|v| {
                let purl = Purl::parse(&format!("pkg:cargo/foo@{v}")).expect("purl");
                Component::new("foo", Some((*v).to_owned()), Some(purl))
            })
            .collect();
        let r = audit(&comps, &[], &advisories, &[]);
        let got: Vec<(&str, &str, Source, Option<&str>)> = r
            .findings
            .iter()
            .map(|f| {
                (
                    f.id.as_str(),
                    f.version.as_str(),
                    f.source.clone(),
                    f.fixed.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("RUSTSEC-2024-0001", "1.0.0", Source::Osv, Some("1.2.0")),
                ("RUSTSEC-2024-0001", "1.1.0", Source::Osv, Some("1.2.0")),
                ("RUSTSEC-2024-0002", "1.0.0", Source::Rustsec, Some("1.2.0")),
                ("RUSTSEC-2024-0002", "1.1.0", Source::Rustsec, Some("1.2.0")),
            ]
        );
    }

    #[test]
    fn components_that_cannot_be_audited_are_reported() {
        check(
            "foo_bar",
            Some("1.0.0"),
            Some("pkg:cargo/foo_bar@1.0.0"),
            "finding",
        );
        check(
            "foo_bar",
            Some("2.0.0"),
            Some("pkg:cargo/foo_bar@2.0.0"),
            "clean",
        );
        // The version given beside a purl without one is the version audited.
        check(
            "foo_bar",
            Some("1.0.0"),
            Some("pkg:cargo/foo_bar"),
            "finding",
        );
        check("foo_bar", Some("1.0.0"), None, "unaudited-no-purl");
        check(
            "foo_bar",
            None,
            Some("pkg:cargo/foo_bar"),
            "unaudited-no-version",
        );
        check(
            "foo_bar",
            Some("2.0.0"),
            Some("pkg:cargo/foo_bar@1.0.0"),
            "unaudited-version-mismatch",
        );
        check(
            "foo_bar",
            Some("1.0.0"),
            Some("pkg:cargo/acme/foo_bar@1.0.0"),
            "unaudited-purl-namespace",
        );
        for spelling in ["Foo_Bar", "foo-bar", "FOO-BAR"] {
            check(
                spelling,
                Some("1.0.0"),
                Some(&format!("pkg:cargo/{spelling}@1.0.0")),
                "unaudited-name-not-canonical",
            );
        }
        // npm names are case-sensitive: Left-Pad is another package.
        check(
            "Left-Pad",
            Some("1.0.0"),
            Some("pkg:npm/Left-Pad@1.0.0"),
            "clean",
        );
        check(
            "left-pad",
            Some("1.0.0"),
            Some("pkg:npm/left-pad@1.0.0"),
            "finding",
        );
    }
}
