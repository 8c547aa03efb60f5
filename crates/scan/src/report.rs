//! Findings and scan results as command reports: the human lines and JSON of `sigil scan`,
//! and of the findings `sigil pack sign` shows.

use serde_json::{json, Value};
use sigil_core::report::{Failure, Report, Status};

use crate::{Finding, Kind, ScanError, ScanReport};

/// One finding as a human line: `path:line:column: rule: excerpt`, tagged when it is a
/// placeholder or sits inside decoded data.
pub fn finding_line(f: &Finding) -> String {
    let tag = match f.kind {
        Kind::Leak => "",
        Kind::Placeholder => " (placeholder, not a leak)",
    };
    let inside = f
        .inside
        .as_ref()
        .map(|i| format!(" (inside: {i})"))
        .unwrap_or_default();
    format!(
        "{}:{}:{}: {}: {}{tag}{inside}",
        f.path, f.line, f.column, f.rule, f.excerpt
    )
}

/// One finding as JSON.
pub fn finding_json(f: &Finding) -> Value {
    json!({
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "rule": f.rule,
        "kind": f.kind.as_str(),
        "excerpt": f.excerpt,
        "fingerprint": f.fingerprint,
        "inside": f.inside,
    })
}

/// Findings as JSON.
pub fn findings_json(fs: &[Finding]) -> Vec<Value> {
    fs.iter().map(finding_json).collect()
}

/// `sigil scan`: one line per finding and a count; not verified when any finding is a leak.
pub fn scan(r: &ScanReport) -> Report {
    let leaks = r.findings.iter().filter(|f| f.kind == Kind::Leak).count();
    let placeholders = r.findings.len() - leaks;
    let mut report = Report::ok(
        "ok",
        json!({
            "findings": findings_json(&r.findings),
            "leaks": leaks,
            "placeholders": placeholders,
            "files": r.files,
            "bytes": r.bytes,
            "skipped": r.skipped.iter().map(|s| json!({ "path": s.path, "reason": s.reason })).collect::<Vec<_>>(),
        }),
    )
    .lines(r.findings.iter().map(finding_line))
    .line(format!(
        "{leaks} secret(s), {placeholders} placeholder(s) in {} file(s), {} bytes",
        r.files, r.bytes
    ));
    if leaks > 0 {
        report.status = Status::NotVerified;
    }
    report
}

/// A path that could not be scanned: an I/O failure.
impl From<ScanError> for Failure {
    fn from(e: ScanError) -> Self {
        Failure::io(Failure::chain(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Skipped;

    fn finding(kind: Kind, inside: Option<&str>) -> Finding {
        Finding {
            path: "a/b.txt".into(),
            line: 3,
            column: 7,
            rule: "github-token",
            kind,
            excerpt: "ghp_…(40)".into(),
            fingerprint: "ab12".into(),
            inside: inside.map(str::to_owned),
        }
    }

    #[test]
    fn finding_lines_tag_placeholders_and_decoded_data() {
        assert_eq!(
            finding_line(&finding(Kind::Leak, None)),
            "a/b.txt:3:7: github-token: ghp_…(40)"
        );
        assert_eq!(
            finding_line(&finding(Kind::Placeholder, Some("gzip line 1 column 2"))),
            "a/b.txt:3:7: github-token: ghp_…(40) (placeholder, not a leak) (inside: gzip line 1 column 2)"
        );
        assert_eq!(
            finding_json(&finding(Kind::Placeholder, None)),
            json!({"path": "a/b.txt", "line": 3, "column": 7, "rule": "github-token",
                   "kind": "placeholder", "excerpt": "ghp_…(40)", "fingerprint": "ab12", "inside": null})
        );
    }

    #[test]
    fn a_scan_with_a_leak_is_not_verified_and_placeholders_alone_are_ok() {
        let mut r = ScanReport {
            findings: vec![finding(Kind::Placeholder, None)],
            files: 2,
            bytes: 10,
            skipped: vec![Skipped {
                path: "x".into(),
                reason: "symlink",
            }],
        };
        let ok = scan(&r);
        assert_eq!(ok.status, Status::Ok);
        assert_eq!(
            ok.human,
            [
                "a/b.txt:3:7: github-token: ghp_…(40) (placeholder, not a leak)",
                "0 secret(s), 1 placeholder(s) in 2 file(s), 10 bytes"
            ]
        );
        assert_eq!(ok.data["leaks"], 0);
        assert_eq!(ok.data["placeholders"], 1);
        assert_eq!(
            ok.data["skipped"],
            json!([{"path": "x", "reason": "symlink"}])
        );
        r.findings.push(finding(Kind::Leak, None));
        let bad = scan(&r);
        assert_eq!(bad.status, Status::NotVerified);
        assert_eq!(
            bad.human.last().map(String::as_str),
            Some("1 secret(s), 1 placeholder(s) in 2 file(s), 10 bytes")
        );
        assert_eq!(bad.data["findings"].as_array().map(Vec::len), Some(2));
        let f = Failure::from(ScanError::Io {
            path: "p".into(),
            source: std::io::Error::other("gone"),
        });
        assert_eq!((f.kind.as_str(), f.message.as_str()), ("io", "p: gone"));
    }
}
