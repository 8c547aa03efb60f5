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
    /// Id (`GHSA-...`, `RUSTSEC-...`, `CVE-...`, or a draft placeholder); empty for the
    /// ecosystem's [`draft_id`].
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
    /// Shorthand for one more range: where it starts (default `0` when `fixed` or
    /// `last_affected` is given).
    pub introduced: Option<String>,
    /// Shorthand for one more range: the first fixed version.
    pub fixed: Option<String>,
    /// Shorthand for one more range: the last affected version.
    pub last_affected: Option<String>,
    /// Range type; default SEMVER for SemVer ecosystems, ECOSYSTEM otherwise.
    pub range_type: Option<RangeType>,
    /// Explicit affected versions.
    pub versions: Vec<String>,
    /// CVSS vector (empty: none).
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

/// The range spec of the `introduced`/`fixed`/`last_affected` shorthand, if any is given.
fn shorthand_range(n: &NewAdvisory) -> Option<String> {
    if n.introduced.is_none() && n.fixed.is_none() && n.last_affected.is_none() {
        return None;
    }
    let mut spec = format!("introduced={}", n.introduced.as_deref().unwrap_or("0"));
    if let Some(f) = &n.fixed {
        spec.push_str(&format!(",fixed={f}"));
    }
    if let Some(l) = &n.last_affected {
        spec.push_str(&format!(",last_affected={l}"));
    }
    Some(spec)
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
        .cloned()
        .chain(shorthand_range(n))
        .map(|s| parse_range(&s, range_type))
        .collect::<Result<Vec<_>, _>>()?;
    let ts = timestamp(n.now)?;
    let id = match n.id.as_str() {
        "" => draft_id(Some(&ecosystem)).to_owned(),
        id => id.to_owned(),
    };
    let mut a = Advisory::new(id, ts.clone());
    a.published = Some(ts);
    a.summary = n.summary.clone().filter(|s| !s.is_empty());
    a.details = n.details.clone().filter(|s| !s.is_empty());
    a.aliases = n.aliases.clone();
    if let Some(v) = n.severity.as_deref().filter(|v| !v.is_empty()) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn new(edit: impl FnOnce(&mut NewAdvisory)) -> Result<Advisory, AuthorError> {
        let mut n = NewAdvisory {
            purl: Some("pkg:cargo/foo".into()),
            summary: Some("bad thing".into()),
            now: 1_700_000_000,
            ..NewAdvisory::default()
        };
        edit(&mut n);
        new_advisory(&n)
    }

    #[test]
    fn an_empty_id_is_the_ecosystems_draft_id() {
        assert_eq!(new(|_| {}).expect("builds").id, "RUSTSEC-0000-0000");
        let npm = new(|n| n.purl = Some("pkg:npm/foo".into())).expect("builds");
        assert_eq!(npm.id, "GHSA-xxxx-xxxx-xxxx");
        let given = new(|n| n.id = "GHSA-2222-3333-4444".into()).expect("builds");
        assert_eq!(given.id, "GHSA-2222-3333-4444");
    }

    #[test]
    fn the_shorthand_adds_one_range_starting_at_zero() {
        let a = new(|n| {
            n.ranges = vec!["introduced=2.0.0,fixed=2.1.0".into()];
            n.fixed = Some("1.2.3".into());
        })
        .expect("builds");
        let text = a.to_json();
        assert!(text.contains(r#""introduced": "2.0.0""#), "{text}");
        assert!(text.contains(r#""introduced": "0""#), "{text}");
        assert!(text.contains(r#""fixed": "1.2.3""#), "{text}");
        assert_eq!(a.affected[0].ranges.len(), 2);
        let none = new(|n| n.severity = Some(String::new())).expect("builds");
        assert!(none.severity.is_empty() && none.affected[0].ranges.is_empty());
    }
}
