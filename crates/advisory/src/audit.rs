//! Audits: packages (from an SBOM or a lockfile) against OSV advisories and RustSec
//! advisories, with OpenVEX statements applied.
//!
//! Withdrawn advisories are skipped. A `not_affected` or `fixed` VEX statement suppresses a
//! finding (the reason is kept); `affected` and `under_investigation` keep it and attach the
//! statement. A finding that cannot be decided (a version or ordering sigil cannot evaluate)
//! is reported as `indeterminate` and counts, so the audit fails closed. Findings without a
//! severity count at any threshold.

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

impl Advisories {
    /// Loads OSV JSON files anywhere under `dir` (hidden entries skipped, symlinks not
    /// followed) and, when `dir` is a RustSec advisory-db checkout, its advisories.
    pub fn load_dir(dir: &Path) -> Result<Self, LoadError> {
        let mut files = Vec::new();
        walk_json(dir, &mut files, 0)?;
        let mut osv = Vec::new();
        for path in files {
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
            let text =
                sigil_core::input::read_to_string(&path).map_err(|source| LoadError::Io {
                    path: path.clone(),
                    source,
                })?;
            let adv = Advisory::from_json(&text).map_err(|source| LoadError::Osv {
                path: path.clone(),
                source,
            })?;
            osv.push((path, adv));
        }
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

/// An audit's outcome.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// Packages checked.
    pub components: usize,
    /// Advisories considered.
    pub advisories: usize,
    /// Ids of withdrawn advisories that were skipped.
    pub withdrawn: Vec<String>,
    /// Ids of RustSec informational advisories (unmaintained, unsound, notice) that were skipped.
    pub informational: Vec<String>,
    /// Findings, most severe first.
    pub findings: Vec<Finding>,
}

impl Report {
    /// Findings that fail at `threshold`.
    pub fn failing(&self, threshold: Severity) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.fails(threshold))
    }
}

fn apply_vex(f: &mut Finding, ids: &[&str], purl: Option<&Purl>, docs: &[vex::Document]) {
    let Some(purl) = purl else { return };
    let mut best: Option<(&vex::Document, &vex::Statement)> = None;
    for d in docs {
        if let Some(s) = d.statement_for(ids, purl) {
            // Across documents, the later document timestamp wins.
            let newer = best.is_none_or(|(bd, _)| {
                match (
                    d.timestamp.parse::<jiff::Timestamp>(),
                    bd.timestamp.parse::<jiff::Timestamp>(),
                ) {
                    (Ok(a), Ok(b)) => a >= b,
                    _ => true,
                }
            });
            if newer {
                best = Some((d, s));
            }
        }
    }
    if let Some((d, s)) = best {
        f.suppressed = matches!(s.status, vex::Status::NotAffected | vex::Status::Fixed);
        f.vex = Some(VexApplied {
            status: s.status.as_str(),
            justification: s.justification.map(|j| j.as_str()),
            impact_statement: s.impact_statement.clone(),
            action_statement: s.action_statement.clone(),
            document: d.id.clone(),
        });
    }
}

fn rustsec_upgrade(adv: &rustsec::Advisory, current: &semver::Version) -> Option<String> {
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
            if v > *current
                && !adv.versions.is_vulnerable(&v)
                && best.as_ref().is_none_or(|b| v < *b)
            {
                best = Some(v);
            }
        }
    }
    best.map(|v| v.to_string())
}

/// Audits `components` against `advisories`, applying `vex` documents.
pub fn audit(
    components: &[Component],
    advisories: &Advisories,
    vex_docs: &[vex::Document],
) -> Report {
    let mut findings = Vec::new();
    let mut withdrawn = Vec::new();
    let mut informational = Vec::new();
    for (_, a) in &advisories.osv {
        if a.withdrawn.is_some() {
            withdrawn.push(a.id.clone());
        }
    }
    for (_, a) in &advisories.rustsec {
        if a.metadata.withdrawn.is_some() {
            withdrawn.push(a.metadata.id.to_string());
        } else if a.metadata.informational.is_some() {
            informational.push(a.metadata.id.to_string());
        }
    }
    for comp in components {
        let Some(purl) = &comp.purl else { continue };
        let Some(version) = comp.version.clone() else {
            continue;
        };
        for (file, a) in &advisories.osv {
            if a.withdrawn.is_some() {
                continue;
            }
            for aff in a.affected.iter().filter(|x| x.matches(purl)) {
                let (upgrade, indeterminate) = match aff.evaluate(&version) {
                    Ok(Hit::NotAffected) => continue,
                    Ok(Hit::Affected { upgrade }) => (upgrade, None),
                    Err(e) => (None, Some(e.to_string())),
                };
                let cv = a.best_cvss(Some(aff));
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
                let mut f = Finding {
                    id: a.id.clone(),
                    aliases: a.aliases.clone(),
                    source: Source::Osv,
                    file: file.clone(),
                    package: comp.name.clone(),
                    version: version.clone(),
                    purl: Some(purl.to_string()),
                    summary: a.summary.clone(),
                    severity,
                    score: cv.as_ref().map(|c| c.score),
                    cvss: cv.map(|c| c.vector),
                    fixed,
                    remediation,
                    indeterminate,
                    vex: None,
                    suppressed: false,
                };
                let mut ids: Vec<&str> = vec![a.id.as_str()];
                ids.extend(a.aliases.iter().map(String::as_str));
                apply_vex(&mut f, &ids, Some(purl), vex_docs);
                findings.push(f);
                break;
            }
        }
        if purl.ty != "cargo" {
            continue;
        }
        for (file, a) in &advisories.rustsec {
            let m = &a.metadata;
            if m.withdrawn.is_some() || m.informational.is_some() || m.package.as_str() != purl.name
            {
                continue;
            }
            if findings.iter().any(|f: &Finding| {
                f.id == m.id.as_str() && f.purl.as_deref() == Some(&purl.to_string())
            }) {
                continue;
            }
            let (affected, indeterminate, fixed) =
                match semver::Version::parse(version.strip_prefix('v').unwrap_or(&version)) {
                    Ok(v) => (a.versions.is_vulnerable(&v), None, rustsec_upgrade(a, &v)),
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
            let cv = m
                .cvss
                .as_ref()
                .and_then(|c| cvss::parse(&c.to_string()).ok());
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
                purl: Some(purl.to_string()),
                summary: Some(m.title.clone()).filter(|t| !t.is_empty()),
                severity: cv.as_ref().map(cvss::Cvss::severity),
                score: cv.as_ref().map(|c| c.score),
                cvss: cv.map(|c| c.vector),
                fixed,
                remediation,
                indeterminate,
                vex: None,
                suppressed: false,
            };
            let mut ids: Vec<String> = vec![f.id.clone()];
            ids.extend(f.aliases.iter().cloned());
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            apply_vex(&mut f, &ids, Some(purl), vex_docs);
            findings.push(f);
        }
    }
    // Most severe first (unknown severity at the top, as it counts at every threshold).
    let rank = |f: &Finding| f.severity.map_or(5, |s| s as u8);
    findings.sort_by(|a, b| {
        rank(b)
            .cmp(&rank(a))
            .then(b.score.unwrap_or(0.0).total_cmp(&a.score.unwrap_or(0.0)))
            .then_with(|| a.package.cmp(&b.package))
            .then_with(|| a.id.cmp(&b.id))
    });
    Report {
        components: components.len(),
        advisories: advisories.len(),
        withdrawn,
        informational,
        findings,
    }
}
