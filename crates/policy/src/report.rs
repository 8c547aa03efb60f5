//! Policies as command reports: what `sigil policy check` prints, and policy errors as
//! failures naming file:line:col with a snippet.

use std::path::Path;

use serde_json::json;
use sigil_core::report::{Failure, Report};

use crate::{KeyOrigin, Policy, PolicyError, SubjectMatch};

/// `sigil policy check`: the policy's digest, what it requires, whether it allows `run`, and
/// its exceptions; JSON has every key, identity and rule.
pub fn check(path: &Path, p: &Policy) -> Report {
    let keys: Vec<_> = p
        .keys
        .iter()
        .map(|k| {
            json!({
                "key_id": k.key.key_id().to_string(),
                "name": k.name,
                "origin": match &k.origin { KeyOrigin::Path(p) => p.display().to_string(), KeyOrigin::Inline => "inline".to_owned() },
                "not_before": k.not_before.map(|t| t.to_rfc3339()),
                "not_after": k.not_after.map(|t| t.to_rfc3339()),
                "revoked": p.is_revoked(k.key.key_id()),
                "roles": k.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let identities: Vec<_> = p
        .identities
        .iter()
        .map(|i| match &i.subject {
            SubjectMatch::Exact(s) => json!({ "issuer": i.issuer, "subject": s }),
            SubjectMatch::Regex(r) => json!({ "issuer": i.issuer, "subject_regex": r.as_str() }),
            _ => json!({
                "issuer": i.issuer,
                "repository": i.claims.repository,
                "owner": i.claims.owner,
                "signer_workflow": i.claims.signer_workflow,
            }),
        })
        .collect();
    let requires = p.requirements();
    let data = json!({
        "policy": path,
        "sha256": p.digest.to_hex(),
        "keys": keys,
        "identities": identities,
        "threshold": p.threshold,
        "revoked": p.revoked.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "provenance": p.provenance.as_ref().map(|r| json!({ "predicate_type": r.predicate_type, "builder_id": r.builder_id, "source_uri": r.source_uri })),
        "sbom_required": p.sbom.is_some(),
        "pack": { "max_files": p.pack.max_files, "max_total_bytes": p.pack.max_total_bytes },
        "install": { "file_mode": format!("{:#o}", p.install.file_mode), "max_download_bytes": p.install.max_download_bytes },
        "run_allowed": p.run_allowed,
        "exceptions": p.exceptions.iter().map(|e| json!({ "code": e.code.as_str(), "reason": e.reason, "location": e.location.to_string() })).collect::<Vec<_>>(),
        "requires": requires,
        "warnings": p.warnings.iter().map(|w| json!({ "file": w.location.file, "line": w.location.line, "column": w.location.column, "message": w.message, "hint": w.hint })).collect::<Vec<_>>(),
    });
    Report::ok("ok", data)
        .line(format!(
            "{}: ok (sha256 {})",
            path.display(),
            p.digest.to_hex()
        ))
        .line(format!("requires: {}", requires.join(", ")))
        .line(format!(
            "run allowed: {}",
            if p.run_allowed { "yes" } else { "no" }
        ))
        .line(format!("exceptions: {}", p.exceptions.len()))
}

/// An invalid policy is a setup error (exit 2) naming file:line:col, with the snippet as notes
/// and in JSON; a missing file is a usage error, other read trouble an I/O error.
impl From<PolicyError> for Failure {
    fn from(e: PolicyError) -> Self {
        match e {
            PolicyError::Invalid {
                location,
                message,
                snippet,
                hint,
            } => {
                let data = json!({ "file": location.file, "line": location.line, "column": location.column, "message": message, "snippet": snippet });
                let mut err = Failure::usage(format!("{location}: {message}")).data(data);
                for line in snippet.lines() {
                    err = err.note(line);
                }
                match hint {
                    Some(h) => err.hint(h),
                    None => err,
                }
            }
            PolicyError::Io { ref source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                Failure::usage(e.to_string())
            }
            PolicyError::Io { .. } => Failure::io(e.to_string()),
            other => Failure::usage(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::parse;

    #[test]
    fn policy_check_names_the_digest_requirements_run_and_exceptions() {
        let p = parse(concat!(
            "schema = 1\n[trust]\nthreshold = 1\n[[trust.identities]]\n",
            "issuer = \"https://issuer.example\"\nsubject = \"me@example.com\"\n",
        ))
        .expect("valid policy");
        let r = check(Path::new("p.toml"), &p);
        let hex = p.digest.to_hex();
        assert_eq!(
            r.human,
            [
                format!("p.toml: ok (sha256 {hex})"),
                "requires: 1 of 1 trusted signers".into(),
                "run allowed: no".into(),
                "exceptions: 0".into(),
            ]
        );
        assert_eq!(r.data["policy"], "p.toml");
        assert_eq!(r.data["sha256"], json!(hex));
        assert_eq!(r.data["keys"], json!([]));
        assert_eq!(
            r.data["identities"],
            json!([{"issuer": "https://issuer.example", "subject": "me@example.com"}])
        );
        assert_eq!(r.data["requires"], json!(["1 of 1 trusted signers"]));
        assert_eq!(
            (
                &r.data["provenance"],
                &r.data["run_allowed"],
                &r.data["sbom_required"]
            ),
            (&json!(null), &json!(false), &json!(false))
        );
        assert_eq!(
            r.data["install"]["file_mode"],
            json!(format!("{:#o}", p.install.file_mode))
        );
    }

    #[test]
    fn an_invalid_policy_is_a_usage_failure_with_its_snippet_and_location() {
        let e = parse("schema = 1\nbogus = 2\n").expect_err("unknown key");
        let PolicyError::Invalid { snippet, .. } = &e else {
            panic!("not invalid: {e}")
        };
        let lines: Vec<String> = snippet.lines().map(str::to_owned).collect();
        assert!(lines.iter().any(|l| l.contains("bogus = 2")), "{lines:?}");
        let f = Failure::from(e);
        assert_eq!(f.kind.as_str(), "usage");
        assert!(f.message.starts_with("p.toml:2:1: "), "{}", f.message);
        assert_eq!(f.notes, lines);
        let d = f.data.expect("details");
        assert_eq!(
            (&d["file"], &d["line"], &d["column"]),
            (&json!("p.toml"), &json!(2), &json!(1))
        );
        let missing = Failure::from(PolicyError::Io {
            path: "gone.toml".into(),
            source: std::io::ErrorKind::NotFound.into(),
        });
        assert_eq!(missing.kind.as_str(), "usage");
        assert_eq!(
            missing.message,
            "cannot read policy gone.toml: entity not found"
        );
        let io = Failure::from(PolicyError::Io {
            path: "p.toml".into(),
            source: std::io::Error::other("disk"),
        });
        assert_eq!(
            (io.kind.as_str(), io.message.as_str()),
            ("io", "cannot read policy p.toml: disk")
        );
    }
}
