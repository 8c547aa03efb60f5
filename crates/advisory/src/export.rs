//! Exports of an OSV advisory: a RustSec advisory (TOML front matter and Markdown, as the
//! RustSec advisory-db expects) and a human-readable Markdown notice.

use std::fmt::Write as _;

use crate::cvss;
use crate::osv::{self, Advisory, Affected, Event, Point, RangeType, ReferenceType};
use crate::purl::Purl;
use crate::version::{Scheme, VersionError};

/// Why an advisory cannot be exported to RustSec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// RustSec advisories are about exactly one crate.
    #[error(
        "a RustSec advisory covers exactly one crates.io package; this advisory names {count}"
    )]
    NotOneCrate {
        /// How many crates.io packages the advisory names.
        count: usize,
    },
    /// No `SEMVER`/`ECOSYSTEM` range to turn into `patched`/`unaffected` requirements.
    #[error(
        "the crates.io package has no SEMVER or ECOSYSTEM range; RustSec needs version ranges"
    )]
    NoRanges,
    /// Ranges overlap, so they cannot be written as RustSec requirements.
    #[error("affected ranges overlap at {version}; merge them first")]
    Overlap {
        /// Where.
        version: String,
    },
    /// An event version is not SemVer.
    #[error(transparent)]
    Version(#[from] VersionError),
    /// No usable date.
    #[error("the advisory has no valid published or modified date")]
    Date,
}

fn is_crate(a: &Affected) -> bool {
    a.package.as_ref().is_some_and(|p| {
        p.ecosystem == "crates.io"
            || p.purl
                .as_deref()
                .and_then(|u| Purl::parse(u).ok())
                .is_some_and(|u| u.ty == "cargo")
    })
}

#[derive(Debug, Clone)]
enum End {
    Fixed(String),
    LastAffected(String),
    Open,
}

struct Interval {
    start: Point,
    start_text: String,
    end: End,
    end_point: Option<Point>,
}

/// Affected intervals of one crate's ranges, sorted and checked to be disjoint.
fn intervals(a: &Affected) -> Result<Vec<Interval>, ExportError> {
    let mut out = Vec::new();
    let mut any = false;
    for r in &a.ranges {
        if r.kind == RangeType::GIT
            || (r.kind == RangeType::ECOSYSTEM && a.scheme() != Scheme::Semver)
        {
            continue;
        }
        any = true;
        let events = osv::sorted_events(r)?;
        let mut open: Option<(Point, String)> = None;
        for (p, e) in events {
            match e {
                Event::Introduced(v) if open.is_none() => open = Some((p, v.clone())),
                Event::Fixed(v) | Event::LastAffected(v) => {
                    if let Some((start, start_text)) = open.take() {
                        let end = if matches!(e, Event::Fixed(_)) {
                            End::Fixed(v.clone())
                        } else {
                            End::LastAffected(v.clone())
                        };
                        out.push(Interval {
                            start,
                            start_text,
                            end,
                            end_point: Some(p),
                        });
                    }
                }
                _ => {}
            }
        }
        if let Some((start, start_text)) = open {
            out.push(Interval {
                start,
                start_text,
                end: End::Open,
                end_point: None,
            });
        }
    }
    if !any {
        return Err(ExportError::NoRanges);
    }
    out.sort_by(|x, y| x.start.cmp(&y.start));
    for w in out.windows(2) {
        let disjoint = match (&w[0].end, &w[0].end_point) {
            (End::Fixed(_), Some(e)) => *e <= w[1].start,
            (End::LastAffected(_), Some(e)) => *e < w[1].start,
            _ => false,
        };
        if !disjoint {
            return Err(ExportError::Overlap {
                version: w[1].start_text.clone(),
            });
        }
    }
    Ok(out)
}

fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| toml_str(s)).collect();
    format!("[{}]", quoted.join(", "))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn date_of(a: &Advisory) -> Option<String> {
    [a.published.as_deref(), Some(a.modified.as_str())]
        .into_iter()
        .flatten()
        .find_map(|t| {
            t.get(..10)
                .filter(|d| format!("{d}T00:00:00Z").parse::<jiff::Timestamp>().is_ok())
                .map(str::to_owned)
        })
}

/// The RustSec advisory for an OSV advisory about one crate. A non-RustSec id becomes the
/// draft id `RUSTSEC-0000-0000` (the advisory-db assigns the real one) and an alias.
pub fn to_rustsec(a: &Advisory) -> Result<String, ExportError> {
    let crates: Vec<&Affected> = a.affected.iter().filter(|x| is_crate(x)).collect();
    let [aff] = crates.as_slice() else {
        return Err(ExportError::NotOneCrate {
            count: crates.len(),
        });
    };
    let name = aff
        .package
        .as_ref()
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let ivs = intervals(aff)?;
    let mut unaffected = Vec::new();
    let mut patched = Vec::new();
    if let Some(first) = ivs.first() {
        if first.start != Point::Zero {
            unaffected.push(format!("< {}", first.start_text));
        }
    }
    for (i, iv) in ivs.iter().enumerate() {
        let upper = ivs
            .get(i + 1)
            .map(|n| format!(", < {}", n.start_text))
            .unwrap_or_default();
        match &iv.end {
            End::Fixed(v) => patched.push(format!(">= {v}{upper}")),
            End::LastAffected(v) => patched.push(format!("> {v}{upper}")),
            End::Open => {}
        }
    }
    let date = date_of(a).ok_or(ExportError::Date)?;
    let id = if a.id.starts_with("RUSTSEC-") {
        a.id.clone()
    } else {
        "RUSTSEC-0000-0000".to_owned()
    };
    let mut aliases: Vec<String> = Vec::new();
    if id != a.id {
        aliases.push(a.id.clone());
    }
    aliases.extend(a.aliases.iter().filter(|x| **x != id).cloned());
    let mut refs: Vec<&osv::Reference> = a.references.iter().collect();
    let url_pos = refs.iter().position(|r| {
        matches!(
            r.kind,
            ReferenceType::ADVISORY | ReferenceType::REPORT | ReferenceType::WEB
        )
    });
    let url = url_pos.map(|i| refs.remove(i).url.clone());
    let cv = a
        .severity
        .iter()
        .chain(&aff.severity)
        .filter_map(|s| cvss::parse(&s.score).ok())
        .min_by_key(|c| u8::from(c.version == cvss::CvssVersion::V40));

    let mut t = String::from("```toml\n[advisory]\n");
    let _ = writeln!(t, "id = {}", toml_str(&id));
    let _ = writeln!(t, "package = {}", toml_str(&name));
    let _ = writeln!(t, "date = {}", toml_str(&date));
    if let Some(u) = url {
        let _ = writeln!(t, "url = {}", toml_str(&u));
    }
    if !refs.is_empty() {
        let r: Vec<String> = refs.iter().map(|r| r.url.clone()).collect();
        let _ = writeln!(t, "references = {}", toml_list(&r));
    }
    if !aliases.is_empty() {
        let _ = writeln!(t, "aliases = {}", toml_list(&aliases));
    }
    if !a.related.is_empty() {
        let _ = writeln!(t, "related = {}", toml_list(&a.related));
    }
    if let Some(c) = cv {
        let _ = writeln!(t, "cvss = {}", toml_str(&c.base_vector()));
    }
    if let Some(w) = a.withdrawn.as_deref().and_then(|w| w.get(..10)) {
        let _ = writeln!(t, "withdrawn = {}", toml_str(w));
    }
    t.push_str("\n[versions]\n");
    let _ = writeln!(t, "patched = {}", toml_list(&patched));
    if !unaffected.is_empty() {
        let _ = writeln!(t, "unaffected = {}", toml_list(&unaffected));
    }
    t.push_str("```\n\n");
    let title = a
        .summary
        .as_deref()
        .map(one_line)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| a.id.clone());
    let _ = writeln!(t, "# {title}\n");
    let details = a
        .details
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(title.as_str());
    let _ = writeln!(t, "{details}");
    Ok(t)
}

/// A human-readable description of one range's affected intervals (`>= 1.0.0, < 1.2.3`).
pub fn describe_ranges(aff: &Affected) -> Vec<String> {
    let mut out = Vec::new();
    for r in &aff.ranges {
        let mut open: Option<String> = None;
        let events: Vec<&Event> = match osv::sorted_events(r) {
            Ok(e) => e.into_iter().map(|(_, e)| e).collect(),
            Err(_) => r.events.iter().collect(),
        };
        for e in events {
            match e {
                Event::Introduced(v) if open.is_none() => {
                    open = Some(if v == "0" {
                        String::new()
                    } else {
                        format!(">= {v}")
                    })
                }
                Event::Fixed(v) | Event::LastAffected(v) => {
                    if let Some(lo) = open.take() {
                        let hi = if matches!(e, Event::Fixed(_)) {
                            format!("< {v}")
                        } else {
                            format!("<= {v}")
                        };
                        out.push(if lo.is_empty() {
                            hi
                        } else {
                            format!("{lo}, {hi}")
                        });
                    }
                }
                _ => {}
            }
        }
        if let Some(lo) = open {
            out.push(if lo.is_empty() {
                "all versions".to_owned()
            } else {
                lo
            });
        }
    }
    out.extend(aff.versions.iter().map(|v| format!("= {v}")));
    out
}

fn md_escape_cell(s: &str) -> String {
    one_line(s).replace('|', "\\|")
}

/// A Markdown notice for a release page or mailing list.
pub fn to_markdown(a: &Advisory) -> String {
    let mut t = String::new();
    let title = a.summary.as_deref().map(one_line).unwrap_or_default();
    if title.is_empty() {
        let _ = writeln!(t, "# {}\n", a.id);
    } else {
        let _ = writeln!(t, "# {}: {title}\n", a.id);
    }
    if a.withdrawn.is_some() {
        let _ = writeln!(
            t,
            "> **Withdrawn** on {}.\n",
            a.withdrawn.as_deref().unwrap_or_default()
        );
    }
    let cv = a
        .best_cvss(None)
        .or_else(|| a.affected.iter().find_map(|x| a.best_cvss(Some(x))));
    match &cv {
        Some(c) => {
            let _ = writeln!(
                t,
                "- **Severity:** {} {:.1} ({}, `{}`)",
                c.severity(),
                c.score,
                c.nomenclature(),
                c.vector
            );
        }
        None => t.push_str("- **Severity:** not scored\n"),
    }
    if let Some(p) = &a.published {
        let _ = writeln!(t, "- **Published:** {p}");
    }
    let _ = writeln!(t, "- **Modified:** {}", a.modified);
    if !a.aliases.is_empty() {
        let _ = writeln!(t, "- **Aliases:** {}", a.aliases.join(", "));
    }
    if !a.affected.is_empty() {
        t.push_str("\n## Affected packages\n\n| Ecosystem | Package | Affected versions | Fixed in |\n| --- | --- | --- | --- |\n");
        for aff in &a.affected {
            let (eco, name) = aff
                .package
                .as_ref()
                .map(|p| (p.ecosystem.as_str(), p.name.as_str()))
                .unwrap_or(("", ""));
            let fixed: Vec<&str> = aff
                .ranges
                .iter()
                .flat_map(|r| &r.events)
                .filter_map(|e| {
                    if let Event::Fixed(v) = e {
                        Some(v.as_str())
                    } else {
                        None
                    }
                })
                .collect();
            let _ = writeln!(
                t,
                "| {} | {} | {} | {} |",
                md_escape_cell(eco),
                md_escape_cell(name),
                md_escape_cell(&describe_ranges(aff).join("; ")),
                if fixed.is_empty() {
                    "no fix yet".to_owned()
                } else {
                    md_escape_cell(&fixed.join(", "))
                }
            );
        }
    }
    if let Some(d) = a
        .details
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        let _ = writeln!(t, "\n## Details\n\n{d}");
    }
    if !a.references.is_empty() {
        t.push_str("\n## References\n\n");
        for r in &a.references {
            let _ = writeln!(t, "- {}: <{}>", r.kind.as_str(), r.url);
        }
    }
    if !a.credits.is_empty() {
        t.push_str("\n## Credits\n\n");
        for c in &a.credits {
            match c.kind {
                Some(k) => {
                    let role = serde_json::to_value(k)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_owned))
                        .unwrap_or_default();
                    let _ = writeln!(
                        t,
                        "- {} ({})",
                        one_line(&c.name),
                        role.to_lowercase().replace('_', " ")
                    );
                }
                None => {
                    let _ = writeln!(t, "- {}", one_line(&c.name));
                }
            }
        }
    }
    t
}

/// Why `a` may not be exported: its `advisory validate` errors (draft ids allowed), each as
/// `message (code)`; empty when it may be.
pub fn blockers(a: &Advisory) -> Vec<String> {
    use crate::validate::{self, Level};
    validate::validate(a, validate::Options::default())
        .into_iter()
        .filter(|f| f.level == Level::Error)
        .map(|f| format!("{} ({})", f.message, f.code))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::osv::{Package, Range};

    #[test]
    fn only_validation_errors_block_an_export() {
        let ok = adv(vec![vec![
            Event::Introduced("1.0.0".into()),
            Event::Fixed("1.2.3".into()),
        ]]);
        assert_eq!(blockers(&ok), Vec::<String>::new());
        let mut draft = ok.clone();
        draft.id = "RUSTSEC-0000-0000".into();
        assert_eq!(
            blockers(&draft),
            Vec::<String>::new(),
            "a draft id only warns"
        );
        let mut bad = ok;
        bad.affected[0].ranges = vec![Range::new(
            RangeType::SEMVER,
            vec![Event::Fixed("1.2.3".into())],
        )];
        assert_eq!(
            blockers(&bad),
            ["a range needs at least one introduced event (range-no-introduced)"]
        );
    }

    fn adv(ranges: Vec<Vec<Event>>) -> Advisory {
        let mut a = Advisory::new("GHSA-2222-3333-4444", "2024-02-03T04:05:06Z");
        a.summary = Some("Out-of-bounds \"write\"".to_owned());
        a.details = Some("Details here.\n\nMore.".to_owned());
        a.aliases = vec!["CVE-2024-1234".to_owned()];
        a.severity = vec![osv::SeverityScore::new(
            osv::SeverityType::CVSS_V3,
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P",
        )];
        a.references = vec![
            osv::Reference::new(ReferenceType::ADVISORY, "https://example.com/adv"),
            osv::Reference::new(ReferenceType::FIX, "https://example.com/fix"),
        ];
        a.affected = vec![Affected {
            package: Some(Package::new("crates.io", "foo", None)),
            ranges: ranges
                .into_iter()
                .map(|e| Range::new(RangeType::SEMVER, e))
                .collect(),
            ..Affected::default()
        }];
        a
    }

    fn i(v: &str) -> Event {
        Event::Introduced(v.to_owned())
    }
    fn f(v: &str) -> Event {
        Event::Fixed(v.to_owned())
    }
    fn l(v: &str) -> Event {
        Event::LastAffected(v.to_owned())
    }

    /// Exports, parses with the `rustsec` crate, and checks it agrees with OSV evaluation.
    fn check(a: &Advisory, patched: &[&str], unaffected: &[&str], probe: &[&str]) {
        let text = to_rustsec(a).expect("exports");
        let r = crate::rustsec_db::parse_advisory(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
        let p: Vec<String> = r
            .versions
            .patched()
            .iter()
            .map(ToString::to_string)
            .collect();
        let u: Vec<String> = r
            .versions
            .unaffected()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(p, patched, "{text}");
        assert_eq!(u, unaffected, "{text}");
        for v in probe {
            let ours = matches!(a.affected[0].evaluate(v), Ok(osv::Hit::Affected { .. }));
            let theirs = r
                .versions
                .is_vulnerable(&semver::Version::parse(v).expect("semver"));
            assert_eq!(ours, theirs, "{v}\n{text}");
        }
        assert_eq!(r.metadata.id.as_str(), "RUSTSEC-0000-0000");
        assert_eq!(r.metadata.package.as_str(), "foo");
        assert_eq!(r.metadata.title, "Out-of-bounds \"write\"");
        assert_eq!(r.metadata.date.as_str(), "2024-02-03");
        assert_eq!(
            r.metadata
                .aliases
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["GHSA-2222-3333-4444", "CVE-2024-1234"]
        );
        assert_eq!(
            r.metadata.cvss.as_ref().map(ToString::to_string).as_deref(),
            Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
        );
    }

    #[test]
    fn rustsec_round_trips() {
        let probe = [
            "0.1.0",
            "1.0.0-rc.1",
            "1.0.0",
            "1.2.2",
            "1.2.3",
            "2.0.0",
            "3.0.0",
            "3.2.5",
            "3.2.6",
            "4.0.0",
        ];
        check(
            &adv(vec![vec![i("1.0.0"), f("1.2.3")]]),
            &[">=1.2.3"],
            &["<1.0.0"],
            &probe,
        );
        check(
            &adv(vec![vec![i("0"), f("1.2.3")]]),
            &[">=1.2.3"],
            &[],
            &probe,
        );
        check(
            &adv(vec![vec![i("1.0.0"), f("1.2.3"), i("3.0.0"), f("3.2.6")]]),
            &[">=1.2.3, <3.0.0", ">=3.2.6"],
            &["<1.0.0"],
            &probe,
        );
        check(
            &adv(vec![
                vec![i("3.0.0"), l("3.2.5")],
                vec![i("1.0.0"), f("1.2.3")],
            ]),
            &[">=1.2.3, <3.0.0", ">3.2.5"],
            &["<1.0.0"],
            &probe,
        );
        check(&adv(vec![vec![i("1.0.0")]]), &[], &["<1.0.0"], &probe);
    }

    #[test]
    fn rustsec_refusals() {
        let mut two = adv(vec![vec![i("0"), f("1.0.0")]]);
        two.affected.push(two.affected[0].clone());
        assert_eq!(to_rustsec(&two), Err(ExportError::NotOneCrate { count: 2 }));
        let overlap = adv(vec![
            vec![i("1.0.0"), f("2.0.0")],
            vec![i("1.5.0"), f("3.0.0")],
        ]);
        assert_eq!(
            to_rustsec(&overlap),
            Err(ExportError::Overlap {
                version: "1.5.0".to_owned()
            })
        );
        assert_eq!(to_rustsec(&adv(vec![])), Err(ExportError::NoRanges));
    }

    #[test]
    fn markdown_notice() {
        let md = to_markdown(&adv(vec![vec![i("1.0.0"), f("1.2.3")]]));
        assert!(
            md.starts_with("# GHSA-2222-3333-4444: Out-of-bounds \"write\"\n"),
            "{md}"
        );
        assert!(md.contains("- **Severity:** critical 9.8 (CVSS v3.1 base, `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P`)"), "{md}");
        assert!(
            md.contains("| crates.io | foo | >= 1.0.0, < 1.2.3 | 1.2.3 |"),
            "{md}"
        );
        assert!(md.contains("- FIX: <https://example.com/fix>"), "{md}");
    }
}
