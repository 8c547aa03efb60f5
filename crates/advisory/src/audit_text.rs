//! An audit's verdict under the caller's switches, and its rows: the lines `sigil audit`
//! prints and the JSON document it writes. One format for every caller.

use serde_json::{json, Value};

use crate::audit::{Finding, Report};
use crate::cvss::Severity;

/// What fails an audit (`sigil audit --fail-on`, `--insecure-allow-unaudited`,
/// `--fail-on-informational`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Gate {
    /// Findings at or above this severity fail (unscored and undecidable ones always do).
    pub threshold: Severity,
    /// Unaudited components are only reported.
    pub insecure_allow_unaudited: bool,
    /// Informational findings not suppressed by VEX fail too.
    pub fail_on_informational: bool,
}

impl Gate {
    /// A gate at `threshold` with the two switches.
    pub fn new(
        threshold: Severity,
        insecure_allow_unaudited: bool,
        fail_on_informational: bool,
    ) -> Self {
        Self {
            threshold,
            insecure_allow_unaudited,
            fail_on_informational,
        }
    }
}

/// A rendered audit: the verdict, the lines people read and the JSON result.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Rendered {
    /// Whether the audit passes under the gate.
    pub passes: bool,
    /// Human lines, one row per finding and component.
    pub lines: Vec<String>,
    /// The JSON result.
    pub data: Value,
}

/// A finding's rows: its head (`suppressed` first when VEX suppressed it), the VEX statement,
/// and for a vulnerability the fix (unless suppressed) and why it is undecidable.
fn rows(lines: &mut Vec<String>, f: &Finding, label: &str, vulnerability: bool) {
    let summary = f
        .summary
        .as_deref()
        .map(|s| format!(": {s}"))
        .unwrap_or_default();
    let head = format!("{label} {} {} {}{summary}", f.id, f.package, f.version);
    if f.suppressed && f.vex.is_some() {
        lines.push(format!("suppressed {head}"));
    } else {
        lines.push(head);
        if vulnerability {
            lines.push(format!("  fix: {}", f.remediation));
        }
    }
    if let Some(v) = &f.vex {
        lines.push(format!("  vex {}: {}", v.status, v.reason()));
    }
    if let Some(why) = f.indeterminate.as_ref().filter(|_| vulnerability) {
        lines.push(format!("  indeterminate: {why}"));
    }
}

/// Renders `report`, an audit of `target`, under `gate`.
pub fn render(report: &Report, target: &str, gate: Gate) -> Rendered {
    let failing = report.failing(gate.threshold).count();
    let suppressed = report.findings.iter().filter(|f| f.suppressed).count();
    let fail_word = gate.threshold.as_str();
    let mut lines = vec![format!(
        "audited {} package(s) from {target} against {} advisories",
        report.components, report.advisories
    )];
    if !report.products.is_empty() {
        lines.push(format!("product: {}", report.products.join(", ")));
    }
    if !report.withdrawn.is_empty() {
        lines.push(format!(
            "skipped withdrawn: {}",
            report.withdrawn.join(", ")
        ));
    }
    if !report.informational.is_empty() {
        lines.push(format!(
            "informational advisories (reported apart): {}",
            report.informational.len()
        ));
    }
    for f in &report.findings {
        let sev = f
            .severity
            .map_or("unknown", Severity::as_str)
            .to_uppercase();
        let score = f.score.map(|s| format!(" {s:.1}")).unwrap_or_default();
        rows(&mut lines, f, &format!("{sev}{score}"), true);
    }
    for f in &report.informational_findings {
        let kind = f.informational.as_deref().unwrap_or("informational");
        rows(&mut lines, f, &format!("INFO {kind}"), false);
    }
    for u in &report.unaudited {
        let version = u
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        lines.push(format!(
            "UNAUDITED {} {}{version}: {}",
            u.code, u.package, u.message
        ));
    }
    if !report.informational_findings.is_empty() {
        lines.push(format!(
            "{} informational finding(s){}",
            report.informational_findings.len(),
            if gate.fail_on_informational {
                " (failing: --fail-on-informational)"
            } else {
                ", not failing (--fail-on-informational to fail)"
            }
        ));
    }
    lines.push(format!(
        "{} finding(s), {failing} at or above {fail_word}, {suppressed} suppressed by VEX",
        report.findings.len()
    ));
    if !report.unaudited.is_empty() {
        lines.push(format!(
            "{} component(s) not audited{}",
            report.unaudited.len(),
            if gate.insecure_allow_unaudited {
                " (allowed by --insecure-allow-unaudited)"
            } else {
                ""
            }
        ));
    }
    let data = json!({
        "target": target,
        "fail_on": fail_word,
        "components": report.components,
        "advisories": report.advisories,
        "withdrawn": report.withdrawn,
        "informational": report.informational,
        "failing": failing,
        "suppressed": suppressed,
        "findings": report.findings,
        "informational_findings": report.informational_findings,
        "fail_on_informational": gate.fail_on_informational,
        "products": report.products,
        "unaudited": report.unaudited,
        "insecure_allow_unaudited": gate.insecure_allow_unaudited,
    });
    Rendered {
        passes: report.passes_with(
            gate.threshold,
            gate.insecure_allow_unaudited,
            gate.fail_on_informational,
        ),
        lines,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{audit, Advisories};
    use crate::inventory;
    use crate::osv::Advisory;

    const ADV: &str = r#"{"schema_version":"1.7.5","id":"GHSA-2222-3333-4444","modified":"2024-01-01T00:00:00Z",
      "summary":"bad thing",
      "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
      "affected":[{"package":{"ecosystem":"crates.io","name":"foo","purl":"pkg:cargo/foo"},
        "ranges":[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"1.2.3"}]}]}]}"#;

    const LOCK: &str = "version = 3\n\n[[package]]\nname = \"foo\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n";

    fn report() -> Report {
        let components = inventory::from_lockfile(LOCK).expect("lockfile");
        let adv = Advisory::from_json(ADV).expect("advisory");
        let advisories = Advisories {
            osv: vec![("a.json".into(), adv)],
            ..Advisories::default()
        };
        audit(&components, &[], &advisories, &[])
    }

    /// `check(gate, passes, the finding rows and the closing line)`.
    fn check(gate: Gate, passes: bool, expect: &[&str]) {
        let r = render(&report(), "Cargo.lock", gate);
        assert_eq!(r.passes, passes);
        assert_eq!(
            r.lines[0],
            "audited 1 package(s) from Cargo.lock against 1 advisories"
        );
        assert_eq!(&r.lines[1..], expect);
        assert_eq!(r.data["fail_on"], gate.threshold.as_str());
        assert_eq!(r.data["failing"], u64::from(!passes));
    }

    #[test]
    fn a_critical_finding_fails_at_any_threshold_and_is_one_row_with_its_fix() {
        check(
            Gate::new(Severity::Critical, false, false),
            false,
            &[
                "CRITICAL 9.8 GHSA-2222-3333-4444 foo 1.0.0: bad thing",
                "  fix: upgrade to 1.2.3",
                "1 finding(s), 1 at or above critical, 0 suppressed by VEX",
            ],
        );
    }
}
