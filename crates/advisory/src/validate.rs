//! `advisory validate`: the OSV JSON Schema's rules plus the semantics the OSV specification
//! sets, as findings with stable codes.
//!
//! Errors: `osv-parse`, `id-prefix`, `id-form`, `id-draft` (with `final`), `id-duplicate`,
//! `timestamp-invalid`, `ecosystem-unknown`, `package-name-empty`, `purl-invalid`,
//! `range-no-introduced`, `range-fixed-and-last-affected`, `range-git-no-repo`,
//! `event-repeated`, `version-invalid`, `severity-invalid`, `severity-both-levels`,
//! `cvss-invalid`, `cvss-score-mismatch`, `reference-url-invalid`.
//! Warnings: `events-unsorted`, `id-draft` (without `final`).

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::cvss;
use crate::osv::{self, Advisory, Event, RangeType, SeverityScore, SeverityType};
use crate::purl::Purl;
use crate::version::{self, Scheme};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The advisory is invalid.
    Error,
    /// Legal but worth fixing.
    Warning,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// Stable kebab-case code.
    pub code: &'static str,
    /// Error or warning.
    pub level: Level,
    /// Where, as a JSON path (`affected[0].ranges[1].events[2]`), or empty.
    pub path: String,
    /// What, lowercase.
    pub message: String,
}

sigil_core::finding_codes! {
    /// What `sigil advisory validate` finds in an OSV advisory (JSON `code`; `docs/codes.md`).
    pub enum ValidateCode {
        /// Not JSON, or not the OSV shape (unknown top-level field, wrong type, an event with not exactly one key).
        OsvParse = "osv-parse",
        /// Id does not start with a registered OSV database prefix.
        IdPrefix = "id-prefix",
        /// A GHSA, RUSTSEC or CVE id not in its database's form.
        IdForm = "id-form",
        /// Draft placeholder id (`RUSTSEC-0000-0000`, `CVE-0000-0000`, `GHSA-xxxx-xxxx-xxxx`, or containing `DRAFT`).
        IdDraft = "id-draft",
        /// The same id in two of the files given.
        IdDuplicate = "id-duplicate",
        /// `modified`/`published`/`withdrawn` is not `YYYY-MM-DDTHH:MM:SS[.f]Z`.
        TimestampInvalid = "timestamp-invalid",
        /// Ecosystem not in the OSV 1.7.5 list.
        EcosystemUnknown = "ecosystem-unknown",
        /// Empty package name.
        PackageNameEmpty = "package-name-empty",
        /// Package URL does not parse.
        PurlInvalid = "purl-invalid",
        /// A range without an `introduced` event.
        RangeNoIntroduced = "range-no-introduced",
        /// A range with both `fixed` and `last_affected`.
        RangeFixedAndLastAffected = "range-fixed-and-last-affected",
        /// A `GIT` range without `repo`.
        RangeGitNoRepo = "range-git-no-repo",
        /// The same event twice in a range.
        EventRepeated = "event-repeated",
        /// A version not valid for its range type or ecosystem (SemVer 2.0, PEP 440, full commit hash).
        VersionInvalid = "version-invalid",
        /// Events not in version order (legal: evaluation sorts them).
        EventsUnsorted = "events-unsorted",
        /// An `Ubuntu` severity that is not an Ubuntu priority.
        SeverityInvalid = "severity-invalid",
        /// Package-level severity alongside a top-level one.
        SeverityBothLevels = "severity-both-levels",
        /// A CVSS vector that does not parse, or does not match its `CVSS_V3`/`CVSS_V4` type.
        CvssInvalid = "cvss-invalid",
        /// `database_specific.cvss_score` or `.severity` disagrees with the vector.
        CvssScoreMismatch = "cvss-score-mismatch",
        /// A reference URL that is not an absolute URL.
        ReferenceUrlInvalid = "reference-url-invalid",
    }
}

impl Finding {
    /// An error finding.
    pub fn error(code: &'static str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code,
            level: Level::Error,
            path: path.into(),
            message: message.into(),
        }
    }
}

/// Validation switches.
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct Options {
    /// Reject draft placeholder ids (for publication).
    pub final_: bool,
}

impl Options {
    /// Options for a final (publishable) advisory, or a draft.
    pub fn new(final_: bool) -> Self {
        Self { final_ }
    }
}

/// Id prefixes of the OSV 1.7.5 schema's home databases.
pub const ID_PREFIXES: &[&str] = &[
    "ASB-A",
    "PUB-A",
    "ALPINE",
    "ALSA",
    "ALBA",
    "ALEA",
    "BELL",
    "BIT",
    "CGA",
    "CLEANSTART",
    "CURL",
    "CVE",
    "DEBIAN",
    "DHI",
    "DRUPAL",
    "DSA",
    "DLA",
    "ELA",
    "DTSA",
    "ECHO",
    "EEF",
    "FreeBSD",
    "GHSA",
    "GO",
    "GSD",
    "HSEC",
    "JLSEC",
    "KUBE",
    "LBSEC",
    "LSN",
    "MAL",
    "MINI",
    "MGASA",
    "OESA",
    "OSEC",
    "OSV",
    "openSUSE-SU",
    "PHSA",
    "PSF",
    "PYSEC",
    "RHBA",
    "RHEA",
    "RHSA",
    "RLSA",
    "RXSA",
    "RSEC",
    "ROOT",
    "RUSTSEC",
    "SUSE-SU",
    "SUSE-RU",
    "SUSE-FU",
    "SUSE-OU",
    "UBUNTU",
    "USN",
    "V8",
];

/// Ecosystems of the OSV 1.7.5 schema (plus `GIT`, which its pattern allows).
pub const ECOSYSTEMS: &[&str] = &[
    "AlmaLinux",
    "Alpaquita",
    "Alpine",
    "Android",
    "BellSoft Hardened Containers",
    "Bioconductor",
    "Bitnami",
    "Chainguard",
    "CleanStart",
    "ConanCenter",
    "CRAN",
    "crates.io",
    "Debian",
    "Docker Hardened Images",
    "Echo",
    "FreeBSD",
    "GHC",
    "GitHub Actions",
    "Go",
    "Hackage",
    "Hex",
    "Julia",
    "Kubernetes",
    "Linux",
    "Mageia",
    "Maven",
    "MinimOS",
    "npm",
    "NuGet",
    "opam",
    "openEuler",
    "openSUSE",
    "OSS-Fuzz",
    "Packagist",
    "Photon OS",
    "Pub",
    "PyPI",
    "Red Hat",
    "Rocky Linux",
    "Root",
    "RubyGems",
    "SUSE",
    "SwiftURL",
    "Ubuntu",
    "VSCode",
    "Wolfi",
    "GIT",
];

/// Whether an id is a draft placeholder: an all-zero entry (`RUSTSEC-0000-0000`,
/// `CVE-0000-0000`), GitHub's `GHSA-xxxx-xxxx-xxxx`, or one containing `DRAFT`.
pub fn is_draft_id(id: &str) -> bool {
    let Some((_, entry)) = id.split_once('-') else {
        return false;
    };
    entry.chars().all(|c| c == '0' || c == '-')
        || entry.chars().all(|c| c == 'x' || c == 'X' || c == '-')
        || id.to_ascii_uppercase().contains("DRAFT")
}

fn id_form_ok(id: &str) -> Option<bool> {
    let digits = |s: &str, min: usize, max: usize| {
        s.len() >= min && s.len() <= max && s.bytes().all(|b| b.is_ascii_digit())
    };
    if let Some(rest) = id.strip_prefix("GHSA-") {
        let parts: Vec<&str> = rest.split('-').collect();
        return Some(
            parts.len() == 3
                && parts.iter().all(|p| {
                    p.len() == 4 && p.bytes().all(|b| b"23456789cfghjmpqrvwx".contains(&b))
                }),
        );
    }
    if let Some(rest) = id.strip_prefix("RUSTSEC-") {
        return Some(
            rest.split_once('-')
                .is_some_and(|(y, n)| digits(y, 4, 4) && digits(n, 4, 9)),
        );
    }
    if let Some(rest) = id.strip_prefix("CVE-") {
        return Some(
            rest.split_once('-')
                .is_some_and(|(y, n)| digits(y, 4, 4) && digits(n, 4, 19)),
        );
    }
    None
}

/// Whether a timestamp matches the schema: `YYYY-MM-DDTHH:MM:SS[.frac]Z`, and is a real time.
pub fn timestamp_ok(ts: &str) -> bool {
    let b = ts.as_bytes();
    let shape = b.len() >= 20
        && b.iter().enumerate().take(19).all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            _ => c.is_ascii_digit(),
        })
        && b[b.len() - 1] == b'Z'
        && match &ts[19..ts.len() - 1] {
            "" => true,
            frac => {
                frac.starts_with('.')
                    && frac.len() > 1
                    && frac[1..].bytes().all(|c| c.is_ascii_digit())
            }
        };
    shape && ts.parse::<jiff::Timestamp>().is_ok()
}

fn uri_ok(u: &str) -> bool {
    match u.split_once(':') {
        Some((scheme, rest)) => {
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
                && !rest.is_empty()
                && !u
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || "<>\"{}|\\^`".contains(c))
        }
        None => false,
    }
}

fn cvss_v2_ok(v: &str) -> bool {
    const ALLOWED: &[(&str, &[&str])] = &[
        ("AV", &["N", "A", "L"]),
        ("AC", &["L", "M", "H"]),
        ("Au", &["M", "S", "N"]),
        ("C", &["N", "P", "C"]),
        ("I", &["N", "P", "C"]),
        ("A", &["N", "P", "C"]),
        ("E", &["U", "POC", "F", "H", "ND"]),
        ("RL", &["OF", "TF", "W", "U", "ND"]),
        ("RC", &["UC", "UR", "C", "ND"]),
        ("CDP", &["N", "L", "LM", "MH", "H", "ND"]),
        ("TD", &["N", "L", "M", "H", "ND"]),
        ("CR", &["L", "M", "H", "ND"]),
        ("IR", &["L", "M", "H", "ND"]),
        ("AR", &["L", "M", "H", "ND"]),
    ];
    v.split('/').all(|p| {
        p.split_once(':')
            .is_some_and(|(k, val)| ALLOWED.iter().any(|(m, vs)| *m == k && vs.contains(&val)))
    })
}

struct Ctx {
    out: Vec<Finding>,
}

impl Ctx {
    fn err(&mut self, code: ValidateCode, path: impl Into<String>, message: impl Into<String>) {
        self.out.push(Finding {
            code: code.code(),
            level: Level::Error,
            path: path.into(),
            message: message.into(),
        });
    }
    fn warn(&mut self, code: ValidateCode, path: impl Into<String>, message: impl Into<String>) {
        self.out.push(Finding {
            code: code.code(),
            level: Level::Warning,
            path: path.into(),
            message: message.into(),
        });
    }
}

/// Parses and validates one advisory's text.
pub fn validate_text(text: &str, opts: Options) -> (Option<Advisory>, Vec<Finding>) {
    match Advisory::from_json(text) {
        Ok(a) => {
            let f = validate(&a, opts);
            (Some(a), f)
        }
        Err(e) => (
            None,
            vec![Finding {
                code: ValidateCode::OsvParse.code(),
                level: Level::Error,
                path: String::new(),
                message: format!("not an OSV advisory: {e}"),
            }],
        ),
    }
}

/// Validates a parsed advisory.
pub fn validate(a: &Advisory, opts: Options) -> Vec<Finding> {
    let mut c = Ctx { out: Vec::new() };
    // id
    if !ID_PREFIXES
        .iter()
        .any(|p| a.id.starts_with(&format!("{p}-")))
    {
        c.err(ValidateCode::IdPrefix, "id", format!("id {:?} does not start with a registered OSV database prefix (GHSA-, RUSTSEC-, CVE-...)", a.id));
    } else if id_form_ok(&a.id) == Some(false) {
        c.err(
            ValidateCode::IdForm,
            "id",
            format!("id {:?} is not in its database's form", a.id),
        );
    }
    if is_draft_id(&a.id) {
        if opts.final_ {
            c.err(
                ValidateCode::IdDraft,
                "id",
                format!("id {:?} is a draft placeholder", a.id),
            );
        } else {
            c.warn(
                ValidateCode::IdDraft,
                "id",
                format!("id {:?} is a draft placeholder; `--final` rejects it", a.id),
            );
        }
    }
    // timestamps
    for (name, ts) in [
        ("modified", Some(&a.modified)),
        ("published", a.published.as_ref()),
        ("withdrawn", a.withdrawn.as_ref()),
    ] {
        if let Some(ts) = ts {
            if !timestamp_ok(ts) {
                c.err(
                    ValidateCode::TimestampInvalid,
                    name,
                    format!(
                        "{name} {ts:?} is not an RFC 3339 UTC timestamp (YYYY-MM-DDTHH:MM:SSZ)"
                    ),
                );
            }
        }
    }
    // severity
    check_severity(&mut c, "severity", &a.severity);
    let top_cvss = a.best_cvss(None);
    for (i, aff) in a.affected.iter().enumerate() {
        let base = format!("affected[{i}]");
        if !a.severity.is_empty() && !aff.severity.is_empty() {
            c.err(
                ValidateCode::SeverityBothLevels,
                format!("{base}.severity"),
                "package-level severity is not allowed when the advisory has a top-level severity",
            );
        }
        check_severity(&mut c, &format!("{base}.severity"), &aff.severity);
        let cv = a.best_cvss(Some(aff));
        check_stated(
            &mut c,
            &format!("{base}.database_specific"),
            aff.database_specific.as_ref(),
            cv.as_ref(),
        );
        let mut scheme = Scheme::Opaque;
        if let Some(pkg) = &aff.package {
            let (eco, suffix) = match pkg.ecosystem.split_once(':') {
                Some((e, s)) => (e, Some(s)),
                None => (pkg.ecosystem.as_str(), None),
            };
            if !ECOSYSTEMS.contains(&eco) || suffix == Some("") {
                c.err(
                    ValidateCode::EcosystemUnknown,
                    format!("{base}.package.ecosystem"),
                    format!("ecosystem {:?} is not an OSV ecosystem", pkg.ecosystem),
                );
            }
            if pkg.name.trim().is_empty() {
                c.err(
                    ValidateCode::PackageNameEmpty,
                    format!("{base}.package.name"),
                    "package name is empty",
                );
            }
            if let Some(p) = &pkg.purl {
                if let Err(e) = Purl::parse(p) {
                    c.err(
                        ValidateCode::PurlInvalid,
                        format!("{base}.package.purl"),
                        format!("{p:?}: {e}"),
                    );
                }
            }
            scheme = version::scheme_for_ecosystem(&pkg.ecosystem);
        }
        for (j, v) in aff.versions.iter().enumerate() {
            if let Err(e) = version::check(scheme, v) {
                c.err(
                    ValidateCode::VersionInvalid,
                    format!("{base}.versions[{j}]"),
                    e.to_string(),
                );
            }
        }
        for (j, r) in aff.ranges.iter().enumerate() {
            check_range(&mut c, &format!("{base}.ranges[{j}]"), r, scheme);
        }
    }
    check_stated(
        &mut c,
        "database_specific",
        a.database_specific.as_ref(),
        top_cvss.as_ref(),
    );
    for (i, r) in a.references.iter().enumerate() {
        if !uri_ok(&r.url) {
            c.err(
                ValidateCode::ReferenceUrlInvalid,
                format!("references[{i}].url"),
                format!("{:?} is not an absolute URL", r.url),
            );
        }
    }
    c.out
}

fn check_severity(c: &mut Ctx, path: &str, list: &[SeverityScore]) {
    for (i, s) in list.iter().enumerate() {
        let p = format!("{path}[{i}]");
        match s.kind {
            SeverityType::CVSS_V3 | SeverityType::CVSS_V4 => match cvss::parse(&s.score) {
                Ok(cv) => {
                    let v4 = cv.version == cvss::CvssVersion::V40;
                    if v4 != (s.kind == SeverityType::CVSS_V4) {
                        c.err(
                            ValidateCode::CvssInvalid,
                            p,
                            format!("{:?} does not match severity type {:?}", s.score, s.kind),
                        );
                    }
                }
                Err(e) => c.err(ValidateCode::CvssInvalid, p, format!("{:?}: {e}", s.score)),
            },
            SeverityType::CVSS_V2 => {
                if !cvss_v2_ok(&s.score) {
                    c.err(
                        ValidateCode::CvssInvalid,
                        p,
                        format!("{:?} is not a CVSS v2 vector", s.score),
                    );
                }
            }
            SeverityType::Ubuntu => {
                if !["negligible", "low", "medium", "high", "critical"].contains(&s.score.as_str())
                {
                    c.err(
                        ValidateCode::SeverityInvalid,
                        p,
                        format!("{:?} is not an Ubuntu priority", s.score),
                    );
                }
            }
        }
    }
}

/// A score or rating stated in `database_specific` (`cvss_score`, `severity`) must agree with
/// the CVSS vector.
fn check_stated(
    c: &mut Ctx,
    path: &str,
    ds: Option<&serde_json::Map<String, serde_json::Value>>,
    cv: Option<&cvss::Cvss>,
) {
    let (Some(ds), Some(cv)) = (ds, cv) else {
        return;
    };
    if let Some(stated) = ds.get("cvss_score").and_then(|v| v.as_f64()) {
        if (stated - cv.score).abs() > 0.05 {
            c.err(
                ValidateCode::CvssScoreMismatch,
                format!("{path}.cvss_score"),
                format!(
                    "stated score {stated} but {} scores {:.1}",
                    cv.vector, cv.score
                ),
            );
        }
    }
    if let Some(word) = ds.get("severity").and_then(|v| v.as_str()) {
        match word.parse::<cvss::Severity>() {
            Ok(s) if s == cv.severity() => {}
            _ => c.err(
                ValidateCode::CvssScoreMismatch,
                format!("{path}.severity"),
                format!(
                    "stated severity {word:?} but {} is {} ({:.1})",
                    cv.vector,
                    cv.severity(),
                    cv.score
                ),
            ),
        }
    }
}

fn check_range(c: &mut Ctx, path: &str, r: &osv::Range, scheme: Scheme) {
    if !r.events.iter().any(|e| matches!(e, Event::Introduced(_))) {
        c.err(
            ValidateCode::RangeNoIntroduced,
            format!("{path}.events"),
            "a range needs at least one introduced event",
        );
    }
    if r.events.iter().any(|e| matches!(e, Event::Fixed(_)))
        && r.events.iter().any(|e| matches!(e, Event::LastAffected(_)))
    {
        c.err(
            ValidateCode::RangeFixedAndLastAffected,
            format!("{path}.events"),
            "a range cannot have both fixed and last_affected events",
        );
    }
    if r.kind == RangeType::GIT && r.repo.as_deref().is_none_or(str::is_empty) {
        c.err(
            ValidateCode::RangeGitNoRepo,
            format!("{path}.repo"),
            "a GIT range needs a repo",
        );
    }
    let mut seen = HashSet::new();
    for (k, e) in r.events.iter().enumerate() {
        if !seen.insert(e) {
            c.err(
                ValidateCode::EventRepeated,
                format!("{path}.events[{k}]"),
                format!("event {e} is repeated"),
            );
        }
    }
    // Version syntax per range type.
    let ordered = match r.kind {
        RangeType::SEMVER => true,
        RangeType::ECOSYSTEM => scheme == Scheme::Semver,
        RangeType::GIT => false,
    };
    let mut all_ok = true;
    for (k, e) in r.events.iter().enumerate() {
        let v = e.version();
        let special = matches!((e, v), (Event::Introduced(_), "0") | (Event::Limit(_), "*"));
        if special {
            continue;
        }
        let res = match r.kind {
            RangeType::SEMVER => version::check(Scheme::Semver, v),
            RangeType::ECOSYSTEM => version::check(scheme, v),
            RangeType::GIT => {
                if (v.len() == 40 || v.len() == 64) && v.bytes().all(|b| b.is_ascii_hexdigit()) {
                    Ok(())
                } else {
                    Err(version::VersionError {
                        version: v.to_owned(),
                        scheme: "git",
                        reason: "not a full commit hash".to_owned(),
                    })
                }
            }
        };
        if let Err(err) = res {
            all_ok = false;
            c.err(
                ValidateCode::VersionInvalid,
                format!("{path}.events[{k}]"),
                err.to_string(),
            );
        }
    }
    if ordered && all_ok {
        if let Ok(sorted) = osv::sorted_events(r) {
            let as_given: Vec<&Event> = r.events.iter().collect();
            let in_order: Vec<&Event> = sorted.iter().map(|(_, e)| *e).collect();
            if as_given != in_order {
                c.warn(
                    ValidateCode::EventsUnsorted,
                    format!("{path}.events"),
                    "events are not sorted by version (legal: evaluation sorts them)",
                );
            }
        }
    }
}

/// The [`validate`] error codes that change what an audit matches or evaluates: a malformed
/// timestamp (`withdrawn` decides whether the advisory is skipped), an ecosystem, package name
/// or purl that cannot name a package, and ranges that cannot be evaluated as written (a range
/// with only `fixed` would read as "nothing affected"). The other errors (id form, CVSS and
/// reference syntax) leave the verdict fail-closed: an unreadable vector counts at every
/// threshold.
pub const AUDIT_ERRORS: &[ValidateCode] = &[
    ValidateCode::TimestampInvalid,
    ValidateCode::EcosystemUnknown,
    ValidateCode::PackageNameEmpty,
    ValidateCode::PurlInvalid,
    ValidateCode::RangeNoIntroduced,
    ValidateCode::RangeFixedAndLastAffected,
    ValidateCode::RangeGitNoRepo,
    ValidateCode::EventRepeated,
    ValidateCode::VersionInvalid,
];

/// The errors [`validate`] reports for `a` whose codes are in [`AUDIT_ERRORS`]: an audit
/// refuses such an advisory.
pub fn audit_errors(a: &Advisory) -> Vec<Finding> {
    let mut out = validate(a, Options::default());
    out.retain(|f| f.level == Level::Error && AUDIT_ERRORS.iter().any(|c| c.code() == f.code));
    out
}

/// Ids that appear in more than one of the given advisories: id to the indexes holding it.
pub fn duplicate_ids<'a>(ids: impl IntoIterator<Item = &'a str>) -> Vec<(String, Vec<usize>)> {
    let mut map: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut order = Vec::new();
    for (i, id) in ids.into_iter().enumerate() {
        let e = map.entry(id).or_default();
        if e.is_empty() {
            order.push(id);
        }
        e.push(i);
    }
    order
        .into_iter()
        .filter_map(|id| {
            map.remove(id)
                .filter(|v| v.len() > 1)
                .map(|v| (id.to_owned(), v))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"{"schema_version":"1.7.5","id":"GHSA-2222-3333-4444","modified":"2024-01-01T00:00:00Z",
      "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
      "affected":[{"package":{"ecosystem":"crates.io","name":"foo","purl":"pkg:cargo/foo"},
        "ranges":[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"1.2.3"}]}]}],
      "references":[{"type":"WEB","url":"https://example.com/x"}]}"#;

    /// `check(replacements applied to BASE, final, expected "level code" list)`.
    fn check(edits: &[(&str, &str)], final_: bool, expect: &[&str]) {
        let mut text = BASE.to_owned();
        for (from, to) in edits {
            assert!(text.contains(from), "{from} not in base");
            text = text.replacen(from, to, 1);
        }
        let (_, findings) = validate_text(&text, Options::new(final_));
        let got: Vec<String> = findings
            .iter()
            .map(|f| format!("{:?} {}", f.level, f.code).to_lowercase())
            .collect();
        assert_eq!(got, expect, "{findings:#?}");
    }

    #[test]
    fn valid_base() {
        check(&[], true, &[]);
    }

    #[test]
    fn schema_and_semantic_rules() {
        check(
            &[("GHSA-2222-3333-4444", "ACME-1")],
            false,
            &["error id-prefix"],
        );
        check(
            &[("GHSA-2222-3333-4444", "GHSA-1")],
            false,
            &["error id-form"],
        );
        check(
            &[("GHSA-2222-3333-4444", "RUSTSEC-0000-0000")],
            false,
            &["warning id-draft"],
        );
        check(
            &[("GHSA-2222-3333-4444", "RUSTSEC-0000-0000")],
            true,
            &["error id-draft"],
        );
        check(
            &[("GHSA-2222-3333-4444", "GHSA-xxxx-xxxx-xxxx")],
            true,
            &["error id-draft"],
        );
        check(
            &[("2024-01-01T00:00:00Z", "2024-13-01T00:00:00Z")],
            false,
            &["error timestamp-invalid"],
        );
        check(
            &[("2024-01-01T00:00:00Z", "2024-01-01T00:00:00+01:00")],
            false,
            &["error timestamp-invalid"],
        );
        check(
            &[("\"crates.io\"", "\"cargo\"")],
            false,
            &["error ecosystem-unknown"],
        );
        check(
            &[("{\"introduced\":\"1.0.0\"},", "")],
            false,
            &["error range-no-introduced"],
        );
        check(
            &[(
                "{\"fixed\":\"1.2.3\"}",
                "{\"fixed\":\"1.2.3\"},{\"last_affected\":\"1.2.4\"}",
            )],
            false,
            &["error range-fixed-and-last-affected"],
        );
        check(
            &[(
                "{\"fixed\":\"1.2.3\"}",
                "{\"fixed\":\"1.2.3\"},{\"fixed\":\"1.2.3\"}",
            )],
            false,
            &["error event-repeated"],
        );
        check(
            &[("\"fixed\":\"1.2.3\"", "\"fixed\":\"v1.2.3\"")],
            false,
            &["error version-invalid"],
        );
        check(
            &[("\"fixed\":\"1.2.3\"", "\"fixed\":\"1.2\"")],
            false,
            &["error version-invalid"],
        );
        check(
            &[(
                "{\"introduced\":\"1.0.0\"},{\"fixed\":\"1.2.3\"}",
                "{\"fixed\":\"1.2.3\"},{\"introduced\":\"1.0.0\"}",
            )],
            false,
            &["warning events-unsorted"],
        );
        check(
            &[("\"type\":\"SEMVER\"", "\"type\":\"GIT\"")],
            false,
            &[
                "error range-git-no-repo",
                "error version-invalid",
                "error version-invalid",
            ],
        );
        check(&[("A:H\"}", "A:X\"}")], false, &["error cvss-invalid"]);
        check(
            &[("\"type\":\"CVSS_V3\"", "\"type\":\"CVSS_V4\"")],
            false,
            &["error cvss-invalid"],
        );
        check(&[("\"purl\":\"pkg:cargo/foo\"}", "\"purl\":\"pkg:cargo/foo\"},\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}]")], false, &["error severity-both-levels"]);
        check(&[("\"references\"", "\"database_specific\":{\"cvss_score\":7.5,\"severity\":\"CRITICAL\"},\"references\"")], false, &["error cvss-score-mismatch"]);
        check(
            &[(
                "\"references\"",
                "\"database_specific\":{\"cvss_score\":9.8,\"severity\":\"HIGH\"},\"references\"",
            )],
            false,
            &["error cvss-score-mismatch"],
        );
        check(&[("\"references\"", "\"database_specific\":{\"cvss_score\":9.8,\"severity\":\"CRITICAL\"},\"references\"")], false, &[]);
        check(
            &[("https://example.com/x", "not a url")],
            false,
            &["error reference-url-invalid"],
        );
        check(
            &[("\"pkg:cargo/foo\"", "\"cargo/foo\"")],
            false,
            &["error purl-invalid"],
        );
        check(
            &[("\"modified\"", "\"changed\"")],
            false,
            &["error osv-parse"],
        );
    }

    #[test]
    fn audit_errors_are_the_validators_errors_that_change_a_verdict() {
        let a = Advisory::from_json(BASE).expect("valid");
        assert!(audit_errors(&a).is_empty());
        let fixed_only =
            Advisory::from_json(&BASE.replace("{\"introduced\":\"1.0.0\"},", "")).expect("parses");
        let got: Vec<(&str, String, String)> = audit_errors(&fixed_only)
            .into_iter()
            .map(|f| (f.code, f.path, f.message))
            .collect();
        assert_eq!(
            got,
            vec![(
                "range-no-introduced",
                "affected[0].ranges[0].events".to_owned(),
                "a range needs at least one introduced event".to_owned()
            )]
        );
        // The same finding as validate gives.
        assert!(validate(&fixed_only, Options::default())
            .iter()
            .any(|f| f.code == "range-no-introduced"));
        // Warnings (unsorted events) are not errors.
        let unsorted = BASE.replace(
            "{\"introduced\":\"1.0.0\"},{\"fixed\":\"1.2.3\"}",
            "{\"fixed\":\"1.2.3\"},{\"introduced\":\"1.0.0\"}",
        );
        assert!(audit_errors(&Advisory::from_json(&unsorted).expect("parses")).is_empty());
        // An ecosystem that names nothing would never match: refused. A reference URL does not
        // change a verdict: not refused.
        let typo = Advisory::from_json(&BASE.replace("crates.io", "crates-io")).expect("parses");
        assert_eq!(
            audit_errors(&typo)
                .iter()
                .map(|f| f.code)
                .collect::<Vec<_>>(),
            vec!["ecosystem-unknown"]
        );
        let url =
            Advisory::from_json(&BASE.replace("https://example.com/x", "nope")).expect("parses");
        assert!(validate(&url, Options::default())
            .iter()
            .any(|f| f.code == "reference-url-invalid"));
        assert!(audit_errors(&url).is_empty());
    }

    #[test]
    fn drafts_and_duplicates() {
        assert!(is_draft_id("RUSTSEC-0000-0000"));
        assert!(is_draft_id("CVE-0000-0000"));
        assert!(is_draft_id("GHSA-xxxx-xxxx-xxxx"));
        assert!(!is_draft_id("RUSTSEC-2024-0001"));
        assert_eq!(
            duplicate_ids(["A-1", "B-1", "A-1", "C-1", "B-1"]),
            vec![
                ("A-1".to_owned(), vec![0, 2]),
                ("B-1".to_owned(), vec![1, 4])
            ]
        );
    }
}
