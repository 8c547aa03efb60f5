//! A policy decision as the gate commands show it: one JSON document and the human lines.

use serde_json::{json, Value};
use sigil_policy::{Decision, Policy, RuleVerdict, Severity, Subject, SubjectKind};

use crate::decision_log::findings_json;

/// The decision about `source` as JSON: the artifact, the policy, the verdict, every rule's
/// verdict, the findings, the signers and their trusted comments.
pub fn to_json(d: &Decision, subject: Option<&Subject>, source: &str, policy: &Policy) -> Value {
    let artifact = subject.map(|s| {
        let kind = match s.kind {
            SubjectKind::File => "file",
            SubjectKind::Pack => "pack",
        };
        json!({ "name": s.name, "sha256": s.sha256.to_hex(), "bytes": s.bytes, "kind": kind })
    });
    let signed: Vec<_> = d
        .signed_comments
        .iter()
        .map(|c| json!({ "source": c.source, "trusted_comment": c.trusted_comment }))
        .collect();
    let rules: Vec<_> = d
        .rules
        .iter()
        .map(|r| json!({ "rule": r.rule.as_str(), "verdict": r.verdict.as_str(), "detail": r.detail }))
        .collect();
    json!({
        "source": source,
        "artifact": artifact,
        "policy": { "file": policy.file, "sha256": policy.digest.to_hex() },
        "verdict": d.verdict.as_str(),
        "rules": rules,
        "findings": findings_json(d),
        "signers": d.signers,
        "signed_comments": signed,
    })
}

/// The decision as text: the verdict line first, then one line per rule, trusted comment and
/// finding.
pub fn lines(d: &Decision, subject: Option<&Subject>, source: &str) -> Vec<String> {
    let mut out = vec![match subject {
        Some(s) => format!(
            "{}: {} (sha256 {})",
            d.verdict.as_str(),
            source,
            s.sha256.to_hex()
        ),
        None => format!("{}: {}", d.verdict.as_str(), source),
    }];
    for rule in &d.rules {
        let detail = if rule.verdict == RuleVerdict::NotRequired {
            String::new()
        } else {
            format!("  {}", rule.detail)
        };
        out.push(format!(
            "  {:<11} {:<12}{detail}",
            rule.rule.as_str(),
            rule.verdict.as_str()
        ));
    }
    for c in &d.signed_comments {
        out.push(format!(
            "  trusted comment ({}): {}",
            c.source, c.trusted_comment
        ));
    }
    for f in &d.findings {
        let src = f
            .source
            .as_deref()
            .map(|s| format!("{s}: "))
            .unwrap_or_default();
        let tag = match (&f.waived, f.severity) {
            (Some(reason), _) => format!(" (waived: {reason})"),
            (None, Severity::Warning) => " (warning)".to_owned(),
            _ => String::new(),
        };
        out.push(format!("  {} {src}{}{tag}", f.code, f.message));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_denial_shows_the_artifact_every_rule_and_every_finding() {
        let (_d, policy, subject, d) = crate::decision_log::row_tests::denied();
        let j = to_json(&d, Some(&subject), "dir/a.bin", &policy);
        assert_eq!(j["verdict"], "deny");
        assert_eq!(j["source"], "dir/a.bin");
        assert_eq!(j["artifact"]["kind"], "file");
        assert_eq!(j["artifact"]["sha256"], subject.sha256.to_hex());
        assert_eq!(j["policy"]["sha256"], policy.digest.to_hex());
        assert_eq!(j["findings"][0]["code"], "signature-missing");
        assert_eq!(j["rules"].as_array().map(Vec::len), Some(d.rules.len()));
        let l = lines(&d, Some(&subject), "dir/a.bin");
        assert_eq!(
            l[0],
            format!("deny: dir/a.bin (sha256 {})", subject.sha256.to_hex())
        );
        assert_eq!(l.len(), 1 + d.rules.len() + d.findings.len());
        assert!(
            l.last()
                .is_some_and(|f| f.starts_with("  signature-missing ")),
            "{l:?}"
        );
        assert_eq!(lines(&d, None, "x")[0], "deny: x");
    }
}
