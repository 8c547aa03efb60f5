//! What `sigil attest` and `sigil provenance` answer: their human lines and JSON results as
//! [`Report`]s, and their failures as [`Failure`]s.

use std::path::Path;

use serde_json::{json, Value};
use sigil_core::report::{Failure, Report};
use sigil_sigstore::sign::Signed;

use crate::provenance::{self, BuildPlatform, Generated, GitFacts, ProvenanceGenerateError};
use crate::{AttestError, Statement};

/// A subject's name in a statement: the file's name (the whole path when it has none).
pub fn subject_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// A `--predicate` that makes no statement (usage, exit 2), named by its file.
pub fn predicate_error(predicate: &Path, e: &AttestError) -> Failure {
    Failure::usage(format!("{}: {e}", predicate.display()))
}

/// Who signed an attestation `sigil attest` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttestSigner {
    /// A minisign key, by its key id.
    Key(String),
    /// Keyless: the certificate's identity and issuer, and the Rekor log indexes.
    Keyless {
        /// The SAN.
        identity: String,
        /// The OIDC issuer.
        issuer: String,
        /// One per log.
        log_indexes: Vec<u64>,
    },
}

impl From<&Signed> for AttestSigner {
    fn from(s: &Signed) -> Self {
        AttestSigner::Keyless {
            identity: s.identity.clone(),
            issuer: s.issuer.clone(),
            log_indexes: s.log_indexes.clone(),
        }
    }
}

/// A keyless bundle (JSON) as the one line appended to the attestation file.
pub fn bundle_line(bundle: &[u8]) -> Result<String, Failure> {
    let compact: Value = serde_json::from_slice(bundle)
        .map_err(|e| Failure::not_verified(format!("bundle: {e}")))?;
    Ok(compact.to_string())
}

/// `sigil attest`: the statement appended to `output`, each subject, and who signed.
pub fn attested(statement: &Statement, output: &Path, signer: &AttestSigner) -> Report {
    let (keyid, keyless, signer_line) = match signer {
        AttestSigner::Key(id) => (json!(id), Value::Null, format!("signed with key {id}")),
        AttestSigner::Keyless {
            identity,
            issuer,
            log_indexes,
        } => {
            let indexes: Vec<_> = log_indexes.iter().map(u64::to_string).collect();
            let line = format!(
                "signed keyless as {identity} ({issuer}), log index {}",
                indexes.join(", ")
            );
            let data =
                json!({ "identity": identity, "issuer": issuer, "log_indexes": log_indexes });
            (Value::Null, data, line)
        }
    };
    let mut report = Report::ok(
        "ok",
        json!({
            "attestation": output,
            "predicate_type": statement.predicate_type,
            "statement_type": statement.version.as_str(),
            "keyid": keyid,
            "keyless": keyless,
            "subjects": statement.subjects,
        }),
    );
    for s in &statement.subjects {
        let (alg, hex) = s
            .digests
            .iter()
            .next()
            .map_or(("", ""), |(k, v)| (k.as_str(), v.as_str()));
        report = report.line(format!("subject: {} ({alg} {hex})", s.name));
    }
    report
        .line(format!("predicate type: {}", statement.predicate_type))
        .line(signer_line)
        .line(format!("appended to {}", output.display()))
}

impl From<ProvenanceGenerateError> for Failure {
    fn from(e: ProvenanceGenerateError) -> Self {
        Failure::usage(e).hint("run inside the CI job, or outside CI for local provenance")
    }
}

/// `sigil provenance`: the statement written to `output`, its builder, build type and source,
/// and (outside CI) whether the checkout had uncommitted changes.
pub fn provenance(output: &Path, g: &Generated, git: &GitFacts) -> Result<Report, Failure> {
    let view =
        provenance::view(&g.statement).map_err(|e| Failure::usage(format!("internal: {e}")))?;
    let source = view.trigger.as_ref().or(view.source.as_ref());
    let local = g.platform == BuildPlatform::Local;
    let mut report = Report::ok(
        "ok",
        json!({
            "output": output,
            "platform": g.platform.as_str(),
            "builder_id": view.builder_id,
            "build_type": view.build_type,
            "source": source.map(|s| json!({"uri": s.uri, "ref": s.git_ref, "commit": s.commit})),
            "dirty": if local { json!(git.dirty) } else { Value::Null },
            "subjects": g.statement.subjects,
        }),
    )
    .line(format!(
        "wrote {} ({} provenance)",
        output.display(),
        g.platform.as_str()
    ))
    .line(format!("builder: {}", view.builder_id))
    .line(format!("build type: {}", view.build_type));
    if let Some(s) = source {
        let described =
            provenance::describe_source(&s.uri, s.git_ref.as_deref(), s.commit.as_deref());
        report = report.line(format!("source: {described}"));
    }
    if local && git.dirty {
        report =
            report.line("warning: the working tree has uncommitted changes (recorded as dirty)");
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::{ProvenanceOptions, Subject};
    use sigil_core::Sha256Digest;

    fn statement() -> Statement {
        let s = Subject::sha256("a.tar.gz", &Sha256Digest::of(b"a"));
        Statement::new(vec![s], "https://example.com/p", json!({}))
    }

    #[test]
    fn a_key_signed_attestation_lists_subjects_type_and_key() {
        let st = statement();
        let signer = AttestSigner::Key("ABCD".into());
        let r = attested(&st, Path::new("a.intoto.jsonl"), &signer);
        let hex = Sha256Digest::of(b"a").to_hex();
        assert_eq!(
            r.human,
            [
                format!("subject: a.tar.gz (sha256 {hex})"),
                "predicate type: https://example.com/p".to_owned(),
                "signed with key ABCD".to_owned(),
                "appended to a.intoto.jsonl".to_owned(),
            ]
        );
        assert_eq!(
            r.data,
            json!({ "attestation": "a.intoto.jsonl", "predicate_type": "https://example.com/p",
                    "statement_type": st.version.as_str(), "keyid": "ABCD", "keyless": null,
                    "subjects": [{ "name": "a.tar.gz", "digest": { "sha256": hex } }] })
        );
    }

    #[test]
    fn a_keyless_attestation_names_its_identity_and_log_indexes() {
        let signer = AttestSigner::Keyless {
            identity: "https://id".into(),
            issuer: "https://issuer".into(),
            log_indexes: vec![7, 9],
        };
        let r = attested(&statement(), Path::new("o"), &signer);
        assert_eq!(
            r.human[2],
            "signed keyless as https://id (https://issuer), log index 7, 9"
        );
        assert_eq!(r.data["keyid"], Value::Null);
        assert_eq!(
            r.data["keyless"],
            json!({ "identity": "https://id", "issuer": "https://issuer", "log_indexes": [7, 9] })
        );
        assert_eq!(bundle_line(b"{ \"a\" : 1 }").unwrap(), "{\"a\":1}");
        let e = bundle_line(b"x").unwrap_err();
        assert_eq!(e.kind.exit_code(), 1);
        assert!(e.message.starts_with("bundle: "), "{}", e.message);
    }

    #[test]
    fn subjects_are_named_by_file_name_and_predicates_by_path() {
        assert_eq!(subject_name(Path::new("dist/a.tgz")), "a.tgz");
        assert_eq!(subject_name(Path::new("/")), "/");
        let e = predicate_error(Path::new("p.json"), &AttestError::PredicateNotObject);
        assert_eq!(
            (e.kind.exit_code(), e.message.as_str()),
            (2, "p.json: predicate is not a JSON object")
        );
    }

    #[test]
    fn local_provenance_reports_its_source_and_a_dirty_tree() {
        let git = GitFacts {
            remote: Some("https://example.com/acme/widget".into()),
            commit: Some("a".repeat(40)),
            git_ref: Some("refs/heads/main".into()),
            dirty: true,
            checkout: None,
        };
        let subject = Subject::sha256("w", &Sha256Digest::of(b"w"));
        let opts = ProvenanceOptions::default();
        let g = provenance::generate(vec![subject], &BTreeMap::new(), &git, &opts).unwrap();
        let r = provenance(Path::new("w.prov.json"), &g, &git).unwrap();
        let view = provenance::view(&g.statement).unwrap();
        assert_eq!(r.human[0], "wrote w.prov.json (local provenance)");
        assert_eq!(r.human[1], format!("builder: {}", view.builder_id));
        assert_eq!(r.human[2], format!("build type: {}", view.build_type));
        assert!(r.human[3].starts_with("source: "), "{}", r.human[3]);
        assert_eq!(
            r.human[4],
            "warning: the working tree has uncommitted changes (recorded as dirty)"
        );
        assert_eq!(r.data["platform"], "local");
        assert_eq!(r.data["dirty"], true);
        let e = Failure::from(ProvenanceGenerateError::NoSubjects);
        assert_eq!(
            (e.kind.exit_code(), e.message.as_str(), e.hint.as_deref()),
            (
                2,
                "no subjects",
                Some("run inside the CI job, or outside CI for local provenance")
            )
        );
    }
}
