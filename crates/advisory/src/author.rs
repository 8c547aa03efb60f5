//! Authoring OSV advisories from command-line style inputs (`sigil advisory new`).

use crate::cvss;
use crate::osv::{
    Advisory, Affected, Credit, CreditType, Event, Package, Range, RangeType, Reference,
    ReferenceType, SeverityScore, SeverityType,
};
use crate::purl::Purl;
use crate::validate::{self, Finding, Level};
use crate::version;

/// Why an advisory could not be written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum AuthorError {
    /// A `--range` spec is malformed.
    #[error("range {spec:?}: {reason}")]
    Range {
        /// The spec.
        spec: String,
        /// Why.
        reason: String,
    },
    /// The package is not named well.
    #[error("package: {reason}")]
    Package {
        /// Why.
        reason: String,
    },
    /// The severity vector does not parse.
    #[error("severity: {0}")]
    Cvss(#[from] cvss::CvssError),
    /// The timestamp is out of range.
    #[error("timestamp {secs} is out of range")]
    Time {
        /// Unix seconds.
        secs: i64,
    },
    /// The result would not validate.
    #[error("the advisory would not validate: {}", .0.iter().map(|f| format!("{} ({})", f.message, f.code)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Finding>),
}

/// An RFC 3339 UTC timestamp (`2024-01-02T03:04:05Z`) for Unix seconds.
pub fn timestamp(secs: i64) -> Result<String, AuthorError> {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.to_string())
        .map_err(|_| AuthorError::Time { secs })
}

/// Parses `introduced=1.0.0,fixed=1.2.3` (also `last_affected=`, `limit=`; `introduced`
/// defaults to `0` when absent).
pub fn parse_range(spec: &str, kind: RangeType) -> Result<Range, AuthorError> {
    let err = |reason: &str| AuthorError::Range {
        spec: spec.to_owned(),
        reason: reason.to_owned(),
    };
    let mut events = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| err("expected EVENT=VERSION pairs separated by commas"))?;
        let v = v.trim().to_owned();
        if v.is_empty() {
            return Err(err("empty version"));
        }
        events.push(match k.trim() {
            "introduced" => Event::Introduced(v),
            "fixed" => Event::Fixed(v),
            "last_affected" | "last-affected" => Event::LastAffected(v),
            "limit" => Event::Limit(v),
            _ => return Err(err("events are introduced, fixed, last_affected and limit")),
        });
    }
    if events.is_empty() {
        return Err(err("no events"));
    }
    if !events.iter().any(|e| matches!(e, Event::Introduced(_))) {
        events.insert(0, Event::Introduced("0".to_owned()));
    }
    Ok(Range::new(kind, events))
}

/// Parses `TYPE:URL` (an OSV reference type, e.g. `FIX:https://...`) or a bare URL (`WEB`).
pub fn parse_reference(s: &str) -> Reference {
    match s
        .split_once(':')
        .and_then(|(t, rest)| ReferenceType::parse(t).map(|t| (t, rest)))
    {
        Some((t, url)) => Reference::new(t, url),
        None => Reference::new(ReferenceType::WEB, s),
    }
}

/// Parses `TYPE:NAME` (an OSV credit type, e.g. `FINDER:Jane Doe`) or a bare name.
pub fn parse_credit(s: &str) -> Credit {
    match s
        .split_once(':')
        .and_then(|(t, rest)| CreditType::parse(t).map(|t| (t, rest)))
    {
        Some((t, name)) => Credit::new(name.trim(), Some(t)),
        None => Credit::new(s.trim(), None),
    }
}

/// A CVSS v3.x or v4.0 vector as an OSV severity entry, with its computed score.
pub fn parse_severity(vector: &str) -> Result<(SeverityScore, cvss::Cvss), AuthorError> {
    let c = cvss::parse(vector)?;
    let kind = if c.version == cvss::CvssVersion::V40 {
        SeverityType::CVSS_V4
    } else {
        SeverityType::CVSS_V3
    };
    Ok((SeverityScore::new(kind, vector), c))
}

/// The inputs of `advisory new`.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct NewAdvisory {
    /// Id (`GHSA-...`, `RUSTSEC-...`, `CVE-...`, or a draft placeholder).
    pub id: String,
    /// One-line summary.
    pub summary: Option<String>,
    /// Markdown details.
    pub details: Option<String>,
    /// Package URL of the affected package (or ecosystem and name).
    pub purl: Option<String>,
    /// OSV ecosystem.
    pub ecosystem: Option<String>,
    /// Package name.
    pub name: Option<String>,
    /// Range specs (`introduced=1.0.0,fixed=1.2.3`).
    pub ranges: Vec<String>,
    /// Range type; default SEMVER for SemVer ecosystems, ECOSYSTEM otherwise.
    pub range_type: Option<RangeType>,
    /// Explicit affected versions.
    pub versions: Vec<String>,
    /// CVSS vector.
    pub severity: Option<String>,
    /// Aliases.
    pub aliases: Vec<String>,
    /// References (`TYPE:URL` or URL).
    pub references: Vec<String>,
    /// Credits (`TYPE:NAME` or name).
    pub credits: Vec<String>,
    /// Publication and modification time, Unix seconds.
    pub now: i64,
}

/// The default draft id for an ecosystem: `RUSTSEC-0000-0000` for crates.io, else
/// `GHSA-xxxx-xxxx-xxxx`.
pub fn draft_id(ecosystem: Option<&str>) -> &'static str {
    if ecosystem == Some("crates.io") {
        "RUSTSEC-0000-0000"
    } else {
        "GHSA-xxxx-xxxx-xxxx"
    }
}

/// Builds an advisory and checks it validates (draft ids allowed).
pub fn new_advisory(n: &NewAdvisory) -> Result<Advisory, AuthorError> {
    let (ecosystem, name, purl) = match (&n.purl, &n.ecosystem, &n.name) {
        (Some(p), _, _) => {
            let mut parsed = Purl::parse(p).map_err(|e| AuthorError::Package {
                reason: format!("{p:?}: {e}"),
            })?;
            let (eco, name) = parsed.osv_package().ok_or_else(|| AuthorError::Package {
                reason: format!(
                    "purl type {:?} has no OSV ecosystem; give --ecosystem and --name",
                    parsed.ty
                ),
            })?;
            if n.ecosystem.as_deref().is_some_and(|e| e != eco) {
                return Err(AuthorError::Package {
                    reason: format!(
                        "purl is a {eco} package but --ecosystem says {:?}",
                        n.ecosystem.as_deref().unwrap_or_default()
                    ),
                });
            }
            parsed.version = None;
            (
                eco.to_owned(),
                n.name.clone().unwrap_or(name),
                Some(parsed.to_string()),
            )
        }
        (None, Some(e), Some(name)) => (
            e.clone(),
            name.clone(),
            Purl::for_osv_package(e, name, None).map(|p| p.to_string()),
        ),
        _ => {
            return Err(AuthorError::Package {
                reason: "give a package URL, or an ecosystem and a name".to_owned(),
            })
        }
    };
    let range_type = n.range_type.unwrap_or(
        if version::scheme_for_ecosystem(&ecosystem) == version::Scheme::Semver {
            RangeType::SEMVER
        } else {
            RangeType::ECOSYSTEM
        },
    );
    let ranges = n
        .ranges
        .iter()
        .map(|s| parse_range(s, range_type))
        .collect::<Result<Vec<_>, _>>()?;
    let ts = timestamp(n.now)?;
    let mut a = Advisory::new(n.id.clone(), ts.clone());
    a.published = Some(ts);
    a.summary = n.summary.clone().filter(|s| !s.is_empty());
    a.details = n.details.clone().filter(|s| !s.is_empty());
    a.aliases = n.aliases.clone();
    if let Some(v) = &n.severity {
        a.severity = vec![parse_severity(v)?.0];
    }
    let mut aff = Affected {
        package: Some(Package::new(ecosystem, name, purl)),
        ..Affected::default()
    };
    aff.ranges = ranges;
    aff.versions = n.versions.clone();
    a.affected = vec![aff];
    a.references = n.references.iter().map(|r| parse_reference(r)).collect();
    a.credits = n.credits.iter().map(|c| parse_credit(c)).collect();
    let errors: Vec<Finding> = validate::validate(&a, validate::Options::new(false))
        .into_iter()
        .filter(|f| f.level == Level::Error)
        .collect();
    if !errors.is_empty() {
        return Err(AuthorError::Invalid(errors));
    }
    Ok(a)
}
