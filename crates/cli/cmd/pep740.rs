//! `sigil verify-attestation` on PEP 740 (PyPI) attestation and provenance objects: the rules
//! are `sigil_sigstore::pep740`; this renders them.

use std::path::Path;

use serde_json::{json, Value};
use sigil_attest::ArtifactDigests;
use sigil_sigstore::pep740::{self, Pep740Attestation, Publisher};
use sigil_sigstore::{BundleSigner, SignerPolicy, TrustRoot};

use crate::output::{Failure, Report};

/// The attestations of a PEP 740 document, or `None` when `text` is not one.
pub fn read(path: &Path, text: &str) -> Result<Option<Vec<Pep740Attestation>>, Failure> {
    let Ok(v) = sigil_core::json::parse_str(text) else {
        return Ok(None);
    };
    if !pep740::is_attestation_object(&v) && !pep740::is_provenance_object(&v) {
        return Ok(None);
    }
    pep740::parse_value(&v).map(Some).map_err(|e| {
        Failure::not_verified(format!("{}: {}", path.display(), Failure::chain(&e)))
            .data(json!({ "attestation": path, "reason": e.code() }))
    })
}

fn publisher_json(p: &Publisher) -> Value {
    match p {
        Publisher::GitHub {
            repository,
            workflow,
            environment,
        } => {
            json!({ "kind": p.kind(), "repository": repository, "workflow": workflow, "environment": environment })
        }
        Publisher::GitLab {
            repository,
            workflow_filepath,
            environment,
        } => {
            json!({ "kind": p.kind(), "repository": repository, "workflow_filepath": workflow_filepath, "environment": environment })
        }
        Publisher::Google { email } => json!({ "kind": p.kind(), "email": email }),
        Publisher::ActiveState {
            organization,
            project,
        } => json!({ "kind": p.kind(), "organization": organization, "project": project }),
        Publisher::CircleCi {
            project_id,
            pipeline_definition_id,
            vcs_origin,
            vcs_ref,
        } => {
            json!({ "kind": p.kind(), "project_id": project_id, "pipeline_definition_id": pipeline_definition_id, "vcs_origin": vcs_origin, "vcs_ref": vcs_ref })
        }
        _ => json!({ "kind": p.kind() }),
    }
}

/// Verifies every attestation of the document for the distribution `subject`; passes when
/// at least one passes and none fails (a PEP 740 document is about one distribution), and
/// each has the `--predicate-type` asked for, if any.
pub fn run(
    subject: &Path,
    attestation: &Path,
    atts: Vec<Pep740Attestation>,
    root: &TrustRoot,
    policy: &SignerPolicy,
    digests: &ArtifactDigests,
    predicate_type: Option<&str>,
) -> Result<Report, Failure> {
    let dist = subject
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let v = pep740::verify_document(root, &atts, &dist, &digests.sha256, policy, predicate_type);
    let rejected_json: Vec<Value> = v
        .rejected
        .iter()
        .map(|(l, e)| json!({ "location": l, "reason": e.code(), "message": Failure::chain(e) }))
        .collect();
    if !v.passes() {
        let message = v
            .rejected
            .iter()
            .map(|(l, e)| format!("{l}: {} [{}]", Failure::chain(e), e.code()))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(Failure::not_verified(format!(
            "{} (PEP 740): {message}",
            attestation.display()
        ))
        .data(json!({
            "subject": subject,
            "attestation": attestation,
            "format": "pep740",
            "reason": v.reason(),
            "rejected": rejected_json,
        })));
    }
    let mut report = Report::ok("verified", Value::Null);
    let mut out = Vec::new();
    for (location, v) in &v.verified {
        let (identity, issuer) = match &v.verified.signer {
            BundleSigner::Certificate {
                identity, issuer, ..
            } => (identity.clone(), issuer.clone()),
            _ => (String::new(), String::new()),
        };
        out.push(json!({
            "location": location,
            "kind": "pep740",
            "predicate_type": v.predicate_type,
            "subject_name": dist,
            "signer": {
                "kind": "certificate",
                "identity": identity,
                "issuer": issuer,
                "publisher": v.verified.publisher.as_deref().map(super::publisher::facts_json),
            },
            "trusted_publisher": v.publisher.as_ref().map(publisher_json),
            "log_index": v.verified.log_entries.first().map(|e| e.log_index),
        }));
        report = report
            .line(format!(
                "verified {} against {} ({location}, PEP 740)",
                subject.display(),
                attestation.display()
            ))
            .line(format!("  subject: {dist} (sha256 {})", digests.sha256))
            .line(format!("  predicate type: {}", v.predicate_type))
            .line(format!("  signer: {identity} ({issuer})"));
        if let Some(p) = &v.publisher {
            report = report.line(format!(
                "  trusted publisher: {} (matches the certificate)",
                p.kind()
            ));
        }
    }
    report.data = json!({
        "subject": { "file": subject, "sha256": digests.sha256.to_hex(), "sha512": digests.sha512.to_hex() },
        "attestation": attestation,
        "format": "pep740",
        "verified": out,
        "rejected": rejected_json,
    });
    Ok(report)
}
