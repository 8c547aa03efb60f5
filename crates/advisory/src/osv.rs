//! The OSV 1.7 advisory model (typed serde structs) and range evaluation.
//!
//! Parsing checks the shape the OSV JSON Schema gives (unknown top-level fields, wrong types,
//! an event object with not exactly one of `introduced`/`fixed`/`last_affected`/`limit`);
//! the remaining schema rules and the specification's semantics are in [`crate::validate`].

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::cvss;
use crate::purl::Purl;
use crate::version::{self, Scheme, SemVer, VersionError};

/// The OSV schema version sigil writes.
pub const SCHEMA_VERSION: &str = "1.7.5";

/// Largest advisory file sigil reads.
pub const MAX_ADVISORY_BYTES: usize = 4 << 20;

fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// An OSV advisory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Advisory {
    /// OSV schema version the record was written with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema_version: Option<String>,
    /// `<DB>-<ENTRYID>`.
    pub id: String,
    /// RFC 3339 UTC timestamp of the last change.
    pub modified: String,
    /// RFC 3339 UTC publication time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// Set when the advisory was withdrawn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<String>,
    /// Other ids of the same vulnerability.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub aliases: Vec<String>,
    /// Related, not identical, vulnerabilities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<String>,
    /// Upstream vulnerabilities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub upstream: Vec<String>,
    /// One line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Markdown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Severity scores.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub severity: Vec<SeverityScore>,
    /// Affected packages.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub affected: Vec<Affected>,
    /// Links.
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub references: Vec<Reference>,
    /// People and tools credited.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub credits: Vec<Credit>,
    /// Database-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Map<String, Value>>,
}

/// A severity entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SeverityScore {
    /// Scoring system.
    #[serde(rename = "type")]
    pub kind: SeverityType,
    /// The vector (CVSS) or word (Ubuntu).
    pub score: String,
}

impl SeverityScore {
    /// A severity entry.
    pub fn new(kind: SeverityType, score: impl Into<String>) -> Self {
        Self {
            kind,
            score: score.into(),
        }
    }
}

/// Severity scoring systems.
#[allow(non_camel_case_types, clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SeverityType {
    /// CVSS v2 vector.
    CVSS_V2,
    /// CVSS v3.x vector.
    CVSS_V3,
    /// CVSS v4.0 vector.
    CVSS_V4,
    /// Ubuntu priority word.
    Ubuntu,
}

/// One affected package.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Affected {
    /// The package.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub package: Option<Package>,
    /// Package-level severity (only when the advisory has no top-level severity).
    #[serde(
        default,
        deserialize_with = "nullable",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub severity: Vec<SeverityScore>,
    /// Version ranges.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    /// Ecosystem-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ecosystem_specific: Option<Map<String, Value>>,
    /// Database-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Map<String, Value>>,
}

/// A package by ecosystem and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Package {
    /// OSV ecosystem (`crates.io`, `npm`, `PyPI`...), optionally with a `:suffix`.
    pub ecosystem: String,
    /// Package name in that ecosystem.
    pub name: String,
    /// Package URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
}

impl Package {
    /// A package.
    pub fn new(
        ecosystem: impl Into<String>,
        name: impl Into<String>,
        purl: Option<String>,
    ) -> Self {
        Self {
            ecosystem: ecosystem.into(),
            name: name.into(),
            purl,
        }
    }
}

/// Range types.
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RangeType {
    /// Git commits.
    GIT,
    /// SemVer 2.0 versions.
    SEMVER,
    /// The ecosystem's own versions.
    ECOSYSTEM,
}

/// A version range as a timeline of events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Range {
    /// How the event versions are read.
    #[serde(rename = "type")]
    pub kind: RangeType,
    /// Repository (GIT ranges).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    /// Events.
    pub events: Vec<Event>,
    /// Database-specific data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database_specific: Option<Map<String, Value>>,
}

impl Range {
    /// A range.
    pub fn new(kind: RangeType, events: Vec<Event>) -> Self {
        Self {
            kind,
            repo: None,
            events,
            database_specific: None,
        }
    }
}

/// One event of a range.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RawEvent", into = "RawEvent")]
pub enum Event {
    /// The vulnerability starts here (inclusive); `"0"` is before every version.
    Introduced(String),
    /// Fixed here (exclusive).
    Fixed(String),
    /// Last affected version (inclusive).
    LastAffected(String),
    /// Upper limit (exclusive); `"*"` is infinity.
    Limit(String),
}

impl Event {
    /// The event's name in OSV.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::Introduced(_) => "introduced",
            Event::Fixed(_) => "fixed",
            Event::LastAffected(_) => "last_affected",
            Event::Limit(_) => "limit",
        }
    }

    /// The event's version text.
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }

    /// Tie-break order when two events share a version: introduced first.
    fn rank(&self) -> u8 {
        match self {
            Event::Introduced(_) => 0,
            Event::LastAffected(_) => 1,
            Event::Fixed(_) => 2,
            Event::Limit(_) => 3,
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind(), self.version())
    }
}

#[derive(Clone, Serialize, Deserialize)]
struct RawEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    introduced: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fixed: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last_affected: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    limit: Option<String>,
}

impl TryFrom<RawEvent> for Event {
    type Error = String;
    fn try_from(r: RawEvent) -> Result<Self, String> {
        match (r.introduced, r.fixed, r.last_affected, r.limit) {
            (Some(v), None, None, None) => Ok(Event::Introduced(v)),
            (None, Some(v), None, None) => Ok(Event::Fixed(v)),
            (None, None, Some(v), None) => Ok(Event::LastAffected(v)),
            (None, None, None, Some(v)) => Ok(Event::Limit(v)),
            _ => Err(
                "an event must have exactly one of introduced, fixed, last_affected or limit"
                    .to_owned(),
            ),
        }
    }
}

impl From<Event> for RawEvent {
    fn from(e: Event) -> Self {
        let mut r = RawEvent {
            introduced: None,
            fixed: None,
            last_affected: None,
            limit: None,
        };
        match e {
            Event::Introduced(v) => r.introduced = Some(v),
            Event::Fixed(v) => r.fixed = Some(v),
            Event::LastAffected(v) => r.last_affected = Some(v),
            Event::Limit(v) => r.limit = Some(v),
        }
        r
    }
}

/// A link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Reference {
    /// Kind of link.
    #[serde(rename = "type")]
    pub kind: ReferenceType,
    /// Absolute URL.
    pub url: String,
}

impl Reference {
    /// A reference.
    pub fn new(kind: ReferenceType, url: impl Into<String>) -> Self {
        Self {
            kind,
            url: url.into(),
        }
    }
}

/// Reference kinds.
#[allow(missing_docs, clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReferenceType {
    ADVISORY,
    ARTICLE,
    DETECTION,
    DISCUSSION,
    REPORT,
    FIX,
    INTRODUCED,
    GIT,
    PACKAGE,
    EVIDENCE,
    WEB,
}

impl ReferenceType {
    /// All kinds, in the schema's order.
    pub const ALL: [ReferenceType; 11] = [
        ReferenceType::ADVISORY,
        ReferenceType::ARTICLE,
        ReferenceType::DETECTION,
        ReferenceType::DISCUSSION,
        ReferenceType::REPORT,
        ReferenceType::FIX,
        ReferenceType::INTRODUCED,
        ReferenceType::GIT,
        ReferenceType::PACKAGE,
        ReferenceType::EVIDENCE,
        ReferenceType::WEB,
    ];

    /// The schema's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ReferenceType::ADVISORY => "ADVISORY",
            ReferenceType::ARTICLE => "ARTICLE",
            ReferenceType::DETECTION => "DETECTION",
            ReferenceType::DISCUSSION => "DISCUSSION",
            ReferenceType::REPORT => "REPORT",
            ReferenceType::FIX => "FIX",
            ReferenceType::INTRODUCED => "INTRODUCED",
            ReferenceType::GIT => "GIT",
            ReferenceType::PACKAGE => "PACKAGE",
            ReferenceType::EVIDENCE => "EVIDENCE",
            ReferenceType::WEB => "WEB",
        }
    }
}

/// A credit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Credit {
    /// Who.
    pub name: String,
    /// URLs to reach them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<String>,
    /// Role.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<CreditType>,
}

impl Credit {
    /// A credit.
    pub fn new(name: impl Into<String>, kind: Option<CreditType>) -> Self {
        Self {
            name: name.into(),
            contact: Vec::new(),
            kind,
        }
    }
}

/// Credit roles.
#[allow(missing_docs, non_camel_case_types, clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CreditType {
    FINDER,
    REPORTER,
    ANALYST,
    COORDINATOR,
    REMEDIATION_DEVELOPER,
    REMEDIATION_REVIEWER,
    REMEDIATION_VERIFIER,
    TOOL,
    SPONSOR,
    OTHER,
}

impl CreditType {
    /// Parses the schema's spelling.
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(Value::String(s.to_owned())).ok()
    }
}

impl ReferenceType {
    /// Parses the schema's spelling.
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(Value::String(s.to_owned())).ok()
    }
}

/// Why an advisory file could not be read as OSV.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OsvParseError {
    /// Over [`MAX_ADVISORY_BYTES`].
    #[error("advisory is larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: usize,
    },
    /// Not JSON, or not the OSV shape.
    #[error(transparent)]
    Json(#[from] sigil_core::json::JsonAt),
}

impl Advisory {
    /// Parses an OSV JSON document.
    pub fn from_json(text: &str) -> Result<Self, OsvParseError> {
        if text.len() > MAX_ADVISORY_BYTES {
            return Err(OsvParseError::TooLarge {
                limit: MAX_ADVISORY_BYTES,
            });
        }
        serde_json::from_str(text).map_err(|e| OsvParseError::Json(e.into()))
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        // Serializing plain structs of strings and maps cannot fail.
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// A new advisory with just the required fields.
    pub fn new(id: impl Into<String>, modified: impl Into<String>) -> Self {
        Self {
            schema_version: Some(SCHEMA_VERSION.to_owned()),
            id: id.into(),
            modified: modified.into(),
            published: None,
            withdrawn: None,
            aliases: Vec::new(),
            related: Vec::new(),
            upstream: Vec::new(),
            summary: None,
            details: None,
            severity: Vec::new(),
            affected: Vec::new(),
            references: Vec::new(),
            credits: Vec::new(),
            database_specific: None,
        }
    }

    /// The highest-scoring CVSS vector among the top-level severities and those of `affected`
    /// (parse failures are skipped; `validate` reports them).
    pub fn best_cvss(&self, affected: Option<&Affected>) -> Option<cvss::Cvss> {
        self.severity
            .iter()
            .chain(affected.map(|a| a.severity.as_slice()).unwrap_or_default())
            .filter(|s| matches!(s.kind, SeverityType::CVSS_V3 | SeverityType::CVSS_V4))
            .filter_map(|s| cvss::parse(&s.score).ok())
            .max_by(|a, b| a.score.total_cmp(&b.score))
    }

    /// A qualitative severity stated in `database_specific.severity` (GitHub's convention).
    pub fn stated_severity(&self) -> Option<cvss::Severity> {
        self.database_specific
            .as_ref()?
            .get("severity")?
            .as_str()?
            .parse()
            .ok()
    }
}

impl Affected {
    /// Whether this entry names the package a purl points at (by purl, or ecosystem and name).
    pub fn matches(&self, purl: &Purl) -> bool {
        self.package_purls().any(|p| p.same_package(purl))
    }

    /// The purls this entry's package goes by: its `purl`, and the one its ecosystem and
    /// name map to.
    pub fn package_purls(&self) -> impl Iterator<Item = Purl> + '_ {
        let given = self
            .package
            .as_ref()
            .and_then(|pkg| pkg.purl.as_deref())
            .and_then(|p| Purl::parse(p).ok());
        let mapped = self.package.as_ref().and_then(|pkg| {
            let base = pkg.ecosystem.split(':').next().unwrap_or_default();
            Purl::for_osv_package(base, &pkg.name, None)
        });
        given.into_iter().chain(mapped)
    }

    /// The version scheme of this entry's ecosystem.
    pub fn scheme(&self) -> Scheme {
        self.package.as_ref().map_or(Scheme::Opaque, |p| {
            version::scheme_for_ecosystem(&p.ecosystem)
        })
    }

    /// Evaluates whether `v` is affected, per the OSV specification's `IsVulnerable`:
    /// explicit `versions` first (exact match), then every `SEMVER` range, and `ECOSYSTEM`
    /// ranges where the ecosystem orders by SemVer. `GIT` ranges name commits and are skipped.
    pub fn evaluate(&self, v: &str) -> Result<Hit, EvalError> {
        self.prepare().evaluate(v)
    }

    /// This entry with its ranges' events parsed and sorted once, for evaluating many
    /// versions ([`Prepared::evaluate`] answers as [`Affected::evaluate`]).
    pub fn prepare(&self) -> Prepared<'_> {
        Prepared {
            affected: self,
            scheme: self.scheme(),
            events: self.ranges.iter().map(sorted_events).collect(),
        }
    }
}

/// An [`Affected`] entry ready to evaluate many versions: [`Affected::prepare`].
#[derive(Debug)]
pub struct Prepared<'a> {
    affected: &'a Affected,
    scheme: Scheme,
    /// Per range, its events parsed and sorted ([`sorted_events`]).
    events: Vec<Result<Vec<(Point, &'a Event)>, VersionError>>,
}

impl Prepared<'_> {
    /// [`Affected::evaluate`].
    pub fn evaluate(&self, v: &str) -> Result<Hit, EvalError> {
        let aff = self.affected;
        let scheme = self.scheme;
        let same = |x: &str| {
            x == v
                || (scheme == Scheme::Semver
                    && matches!((parse_component_version(scheme, x), parse_component_version(scheme, v)), (Ok(a), Ok(b)) if a == b))
        };
        if aff.versions.iter().any(|x| same(x)) {
            return Ok(Hit::Affected { upgrade: None });
        }
        let mut first_error = None;
        let mut affected = false;
        let mut upgrade: Option<Upgrade> = None;
        // Parsed at the first range that orders versions, once.
        let mut version: Option<Point> = None;
        for (range, events) in aff.ranges.iter().zip(&self.events) {
            let semver = match range.kind {
                RangeType::SEMVER => true,
                RangeType::ECOSYSTEM => scheme == Scheme::Semver,
                RangeType::GIT => continue,
            };
            if !semver {
                // Without an ordering, an explicit `versions` list is the enumeration the
                // specification recommends; with none, the range cannot be decided.
                if !aff.versions.is_empty() {
                    continue;
                }
                first_error.get_or_insert(EvalError::Unordered {
                    ecosystem: aff
                        .package
                        .as_ref()
                        .map(|p| p.ecosystem.clone())
                        .unwrap_or_default(),
                });
                continue;
            }
            let at: &Point = match &mut version {
                Some(at) => at,
                none => none.insert(Point::At(
                    parse_component_version(scheme, v).map_err(EvalError::Version)?,
                )),
            };
            let sorted = match events {
                Ok(sorted) => sorted,
                Err(e) => {
                    first_error.get_or_insert(EvalError::Version(e.clone()));
                    continue;
                }
            };
            if let Some(u) = sorted_affects(sorted, at) {
                affected = true;
                // Prefer a concrete fixed version if any range gives one.
                if upgrade.is_none() || matches!(upgrade, Some(Upgrade::Unknown)) {
                    upgrade = Some(u);
                }
            }
        }
        if affected {
            return Ok(Hit::Affected { upgrade });
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(Hit::NotAffected),
        }
    }
}

/// Component versions: SemVer, except that Go (and SemVer ecosystems generally) may carry a
/// leading `v` in package URLs, which is dropped.
fn parse_component_version(scheme: Scheme, v: &str) -> Result<SemVer, VersionError> {
    let stripped = if scheme == Scheme::Semver {
        v.strip_prefix('v').unwrap_or(v)
    } else {
        v
    };
    version::parse_semver(stripped)
}

/// The result of evaluating one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hit {
    /// Affected; what to upgrade to, where the advisory says.
    Affected {
        /// Upgrade hint.
        upgrade: Option<Upgrade>,
    },
    /// Not affected.
    NotAffected,
}

/// Where to upgrade to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Upgrade {
    /// The `fixed` version that closes the affected interval.
    Fixed(String),
    /// Only a `last_affected` bound is known: anything above it.
    Above(String),
    /// No fix is recorded.
    Unknown,
}

impl fmt::Display for Upgrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Upgrade::Fixed(v) => write!(f, "upgrade to {v}"),
            Upgrade::Above(v) => write!(f, "upgrade above {v}"),
            Upgrade::Unknown => f.write_str("no fixed version"),
        }
    }
}

/// Why a version could not be evaluated against an advisory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EvalError {
    /// The component's or an event's version does not parse.
    #[error(transparent)]
    Version(#[from] VersionError),
    /// The ecosystem's ordering is not implemented, so an `ECOSYSTEM` range cannot be decided.
    #[error("version ordering for ecosystem {ecosystem:?} is not supported")]
    Unordered {
        /// The ecosystem.
        ecosystem: String,
    },
}

/// An event version on the SemVer line: `"0"` before everything, `"*"` (limits) after.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Point {
    Zero,
    At(SemVer),
    Infinity,
}

pub(crate) fn point(e: &Event) -> Result<Point, VersionError> {
    match (e, e.version()) {
        (Event::Introduced(_), "0") => Ok(Point::Zero),
        (Event::Limit(_), "*") => Ok(Point::Infinity),
        (_, v) => version::parse_semver(v).map(Point::At),
    }
}

/// Events with parsed versions, sorted as the evaluation algorithm sorts them (by version,
/// introduced first at equal versions; the sort is stable).
pub(crate) fn sorted_events(range: &Range) -> Result<Vec<(Point, &Event)>, VersionError> {
    let mut evs: Vec<(Point, &Event)> = range
        .events
        .iter()
        .map(|e| point(e).map(|p| (p, e)))
        .collect::<Result<_, _>>()?;
    evs.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.rank().cmp(&b.1.rank())));
    Ok(evs)
}

/// The specification's `IncludedInRanges` for one SemVer-ordered range: `Some(upgrade)` when
/// `v` is affected.
pub fn range_affects(range: &Range, v: &SemVer) -> Result<Option<Upgrade>, EvalError> {
    Ok(sorted_affects(
        &sorted_events(range)?,
        &Point::At(v.clone()),
    ))
}

/// [`range_affects`] on the range's [`sorted_events`], at the version's point.
fn sorted_affects(events: &[(Point, &Event)], at: &Point) -> Option<Upgrade> {
    // BeforeLimits: no limit events means an implicit "*".
    let mut limits = events
        .iter()
        .filter(|(_, e)| matches!(e, Event::Limit(_)))
        .map(|(p, _)| p)
        .peekable();
    if limits.peek().is_some() && !limits.any(|l| at < l) {
        return None;
    }
    let mut vulnerable = false;
    for (p, e) in events {
        match e {
            Event::Introduced(_) if at >= p => vulnerable = true,
            Event::Fixed(_) if at >= p => vulnerable = false,
            Event::LastAffected(_) if at > p => vulnerable = false,
            _ => {}
        }
    }
    if !vulnerable {
        return None;
    }
    // The first closing event above v says where the affected interval ends.
    let upgrade = events
        .iter()
        .find_map(|(p, e)| match e {
            Event::Fixed(f) if p > at => Some(Upgrade::Fixed(f.clone())),
            Event::LastAffected(l) if p >= at => Some(Upgrade::Above(l.clone())),
            _ => None,
        })
        .unwrap_or(Upgrade::Unknown);
    Some(upgrade)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ev(spec: &str) -> Event {
        let (k, v) = spec.split_once('=').expect("k=v");
        let v = v.to_owned();
        match k {
            "i" => Event::Introduced(v),
            "f" => Event::Fixed(v),
            "l" => Event::LastAffected(v),
            "lim" => Event::Limit(v),
            _ => panic!("bad event {k}"),
        }
    }

    fn affected(ranges: &[&[&str]], versions: &[&str]) -> Affected {
        Affected {
            package: Some(Package::new("crates.io", "foo", None)),
            ranges: ranges
                .iter()
                .map(|r| Range::new(RangeType::SEMVER, r.iter().map(|e| ev(e)).collect()))
                .collect(),
            versions: versions.iter().map(|v| (*v).to_owned()).collect(),
            ..Affected::default()
        }
    }

    /// `check(ranges, versions, version, expect)`: expect is "no", "yes", "yes:<upgrade>", or "err".
    fn check(ranges: &[&[&str]], versions: &[&str], v: &str, expect: &str) {
        let got = match affected(ranges, versions).evaluate(v) {
            Ok(Hit::NotAffected) => "no".to_owned(),
            Ok(Hit::Affected { upgrade: None }) => "yes".to_owned(),
            Ok(Hit::Affected { upgrade: Some(u) }) => format!("yes:{u}"),
            Err(_) => "err".to_owned(),
        };
        assert_eq!(
            got, expect,
            "ranges {ranges:?} versions {versions:?} at {v}"
        );
    }

    #[test]
    fn semver_evaluation_edge_cases() {
        let basic: &[&[&str]] = &[&["i=1.0.0", "f=1.2.3"]];
        check(basic, &[], "0.9.9", "no"); // before introduced
        check(basic, &[], "1.0.0", "yes:upgrade to 1.2.3"); // introduced is inclusive
        check(basic, &[], "1.2.2", "yes:upgrade to 1.2.3");
        check(basic, &[], "1.2.3", "no"); // fixed is exclusive
        check(basic, &[], "1.2.3-rc.1", "yes:upgrade to 1.2.3"); // pre-release sorts below its release
        check(basic, &[], "1.0.0-rc.1", "no"); // ...and below introduced
        check(basic, &[], "1.2.3+build.7", "no"); // build metadata ignored
        check(basic, &[], "1.1.0+build.7", "yes:upgrade to 1.2.3");
        check(basic, &[], "v1.1.0", "yes:upgrade to 1.2.3"); // a purl's leading v is dropped
        check(basic, &[], "1.1", "err"); // not SemVer: cannot decide, fail closed
                                         // introduced "0" is before everything, pre-releases included.
        check(
            &[&["i=0", "f=1.0.0"]],
            &[],
            "0.0.0-alpha",
            "yes:upgrade to 1.0.0",
        );
        check(&[&["i=0"]], &[], "99.0.0", "yes:no fixed version");
        // last_affected is inclusive.
        check(
            &[&["i=0", "l=2.1.214"]],
            &[],
            "2.1.214",
            "yes:upgrade above 2.1.214",
        );
        check(&[&["i=0", "l=2.1.214"]], &[], "2.1.215-rc.1", "no");
        check(
            &[&["i=0", "l=2.1.214"]],
            &[],
            "2.1.214+meta",
            "yes:upgrade above 2.1.214",
        );
        // Events are sorted before evaluation.
        let unsorted: &[&[&str]] = &[&["f=3.2.5", "i=3.0.0", "f=1.0.2", "i=1.0.0"]];
        check(unsorted, &[], "1.0.1", "yes:upgrade to 1.0.2");
        check(unsorted, &[], "2.0.0", "no");
        check(unsorted, &[], "3.2.4", "yes:upgrade to 3.2.5");
        check(unsorted, &[], "3.2.5", "no");
        // Several ranges: any range affecting means affected.
        let several: &[&[&str]] = &[&["i=1.0.0", "f=1.0.2"], &["i=3.0.0", "l=3.2.5"]];
        check(several, &[], "1.0.1", "yes:upgrade to 1.0.2");
        check(several, &[], "2.5.0", "no");
        check(several, &[], "3.2.5", "yes:upgrade above 3.2.5");
        check(several, &[], "3.2.6", "no");
        // Limits: outside every limit is not affected.
        check(
            &[&["i=0", "lim=2.0.0"]],
            &[],
            "1.5.0",
            "yes:no fixed version",
        );
        check(&[&["i=0", "lim=2.0.0"]], &[], "2.0.0", "no");
        check(&[&["i=0", "lim=*"]], &[], "9.0.0", "yes:no fixed version");
        // Equal versions: introduced sorts first, so introduced X + fixed X is empty.
        check(&[&["f=1.0.0", "i=1.0.0"]], &[], "1.0.0", "no");
        // Explicit versions list, exact (build metadata aside).
        check(&[], &["1.4.0"], "1.4.0", "yes");
        check(&[], &["1.4.0"], "1.4.0+b", "yes");
        check(&[], &["1.4.0"], "1.4.1", "no");
        // An event version that is not SemVer cannot be evaluated.
        check(&[&["i=1.0", "f=2.0.0"]], &[], "1.5.0", "err");
    }

    #[test]
    fn unordered_ecosystems_need_versions() {
        let mut a = affected(&[], &["1.0"]);
        a.package = Some(Package::new("PyPI", "foo", None));
        a.ranges = vec![Range::new(
            RangeType::ECOSYSTEM,
            vec![Event::Introduced("0".into()), Event::Fixed("1.1".into())],
        )];
        assert_eq!(a.evaluate("1.0"), Ok(Hit::Affected { upgrade: None }));
        assert_eq!(a.evaluate("1.2"), Ok(Hit::NotAffected));
        a.versions.clear();
        assert_eq!(
            a.evaluate("1.0"),
            Err(EvalError::Unordered {
                ecosystem: "PyPI".into()
            })
        );
    }

    #[test]
    fn parse_shapes() {
        let ok = r#"{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z","aliases":null,
            "affected":[{"package":{"ecosystem":"npm","name":"x"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}]}]}"#;
        let a = Advisory::from_json(ok).expect("valid");
        assert!(a.aliases.is_empty());
        assert_eq!(Advisory::from_json(&a.to_json()), Ok(a));
        let two = ok.replace(
            r#"{"fixed":"1.0.0"}"#,
            r#"{"fixed":"1.0.0","introduced":"0"}"#,
        );
        assert_eq!(
            Advisory::from_json(&two).map_err(|e| e.to_string()),
            Err("line 2, column 157: an event must have exactly one of introduced, fixed, last_affected or limit".to_owned())
        );
        assert!(Advisory::from_json(&ok.replace("\"modified\"", "\"unknown\"")).is_err());
        assert!(Advisory::from_json(&ok.replace("SEMVER", "RANGE")).is_err());
    }

    proptest! {
        #[test]
        fn parser_never_panics(s in "\\PC{0,200}") {
            let _ = Advisory::from_json(&s);
        }

        /// A single introduced/fixed pair agrees with plain interval membership.
        #[test]
        fn single_interval_agrees((a, b, v) in (0u64..50, 0u64..50, 0u64..50)) {
            let (lo, hi) = (a.min(b), a.max(b));
            let r = affected(&[&[&format!("i={lo}.0.0"), &format!("f={hi}.0.0")]], &[]);
            let got = matches!(r.evaluate(&format!("{v}.0.0")), Ok(Hit::Affected { .. }));
            prop_assert_eq!(got, lo <= v && v < hi);
        }
    }
}
