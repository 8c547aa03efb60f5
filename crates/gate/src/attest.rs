//! Keyless (Sigstore) bundles and in-toto attestations beside the artifact, verified with
//! `sigil-sigstore` and `sigil-attest`; what they establish goes to the policy as evidence.

use std::io::Read as _;

use sigil_attest::document::Attestation;
use sigil_attest::provenance::ProvenanceView;
use sigil_attest::verify::{check, CertificateIdentity, CheckError, Expectations};
use sigil_attest::{ArtifactDigests, Envelope, Signer as AttestSigner, Statement};
use sigil_policy::{
    AttestationEvidence, Code, Evidence, KeylessEvidence, KeylessOutcome, Policy, Problem,
    ProvenanceFacts, Signer,
};

use crate::evidence::{GatherError, Target, MAX_SIDECAR};

fn sidecar(target: &Target<'_>, suffix: &str) -> std::path::PathBuf {
    target.sidecar_dir.join(format!("{}{suffix}", target.name))
}

fn read_limited(path: &std::path::Path, ev: &mut Evidence) -> Result<Option<Vec<u8>>, GatherError> {
    let f = match sigil_core::input::open(path) {
        Ok((f, _)) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(GatherError::Io {
                path: path.to_path_buf(),
                source,
            })
        }
    };
    let mut buf = Vec::new();
    f.take(MAX_SIDECAR + 1)
        .read_to_end(&mut buf)
        .map_err(|source| GatherError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    if buf.len() as u64 > MAX_SIDECAR {
        ev.problems.push(Problem {
            code: Code::EvidenceMalformed,
            source: name_of(path),
            message: format!("larger than {MAX_SIDECAR} bytes"),
        });
        return Ok(None);
    }
    Ok(Some(buf))
}

fn name_of(p: &std::path::Path) -> String {
    p.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}

/// `NAME.sigstore.json`: verified against the Sigstore trusted root for any identity; the policy
/// then decides whether that identity is trusted. Ignored when the policy trusts no identity.
pub fn keyless_evidence(
    policy: &Policy,
    target: &Target<'_>,
    ev: &mut Evidence,
) -> Result<(), GatherError> {
    if policy.identities.is_empty() {
        return Ok(());
    }
    let path = sidecar(target, ".sigstore.json");
    let Some(bytes) = read_limited(&path, ev)? else {
        return Ok(());
    };
    let source = name_of(&path);
    let outcome = verify_bundle(policy, target, &bytes);
    ev.keyless.push(KeylessEvidence { source, outcome });
    Ok(())
}

fn verify_bundle(policy: &Policy, target: &Target<'_>, bytes: &[u8]) -> KeylessOutcome {
    use sigil_sigstore::{Artifact, Matcher, Policy as SPolicy, Signer, TrustRoot};
    let invalid = |reason: String| KeylessOutcome::Invalid { reason };
    let bundle = match sigil_sigstore::Bundle::parse(bytes) {
        Ok(b) => b,
        Err(e) => return invalid(format!("bundle does not parse: {e}")),
    };
    let root = match &policy.sigstore_root {
        Some(json) => TrustRoot::from_json(json),
        None => TrustRoot::public_good(),
    };
    let root = match root {
        Ok(r) => r,
        Err(e) => return invalid(format!("trusted root: {e}")),
    };
    let (Ok(any_id), Ok(any_issuer)) = (Matcher::regex(".*"), Matcher::regex(".*")) else {
        return invalid("internal: matcher".into());
    };
    let mut f = match sigil_core::input::open(target.content) {
        Ok((f, _)) => f,
        Err(e) => return invalid(format!("cannot read artifact: {e}")),
    };
    let spol = SPolicy::Keyless {
        identity: any_id,
        issuer: any_issuer,
    };
    match sigil_sigstore::verify(&root, &bundle, Artifact::Reader(&mut f), &spol) {
        Ok(v) => match v.signer {
            Signer::Certificate {
                identity, issuer, ..
            } => KeylessOutcome::Verified {
                issuer,
                subject: identity,
            },
            _ => invalid("bundle is not signed with a Fulcio certificate".into()),
        },
        Err(e) => invalid(e.to_string()),
    }
}

/// Whether a statement with this predicate type could satisfy the policy.
fn relevant(policy: &Policy, predicate_type: &str) -> bool {
    policy
        .provenance
        .as_ref()
        .is_some_and(|p| p.predicate_type == predicate_type)
        || policy
            .sbom
            .as_ref()
            .is_some_and(|s| s.predicate_types.iter().any(|t| t == predicate_type))
}

/// The `predicateType` a payload names. Read before authentication only to decide whether the
/// attestation is worth checking: one that lies about it gains nothing, since a skipped
/// attestation counts for nothing.
fn predicate_type_of(payload: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(payload).ok()?;
    v.get("predicateType")?.as_str().map(str::to_owned)
}

fn problem(ev: &mut Evidence, code: Code, source: &str, message: String) {
    ev.problems.push(Problem {
        code,
        source: source.to_owned(),
        message,
    });
}

/// A payload whose signature verified, with who signed it (for `sigil-attest`'s checks and
/// for the policy).
struct Authenticated {
    payload_type: String,
    payload: Vec<u8>,
    signer: AttestSigner,
    policy_signer: Signer,
}

/// Every policy key that verifies the envelope (the `keyid` is only a hint; each key is tried).
fn dsse_signers(
    policy: &Policy,
    env: &Envelope,
    source: &str,
    predicate_type: &str,
    ev: &mut Evidence,
) -> Vec<Authenticated> {
    let mut out = Vec::new();
    for k in &policy.keys {
        if let Ok(v) = env.verify(std::slice::from_ref(&k.key)) {
            out.push(Authenticated {
                payload_type: v.payload_type,
                payload: v.payload,
                signer: AttestSigner::Key {
                    fingerprint: k.key.fingerprint(),
                },
                policy_signer: Signer::Key(k.key.raw()),
            });
        }
    }
    if out.is_empty() {
        // A hint naming a trusted key whose signature fails means the envelope was changed.
        let named = policy.keys.iter().find(|k| {
            let (fp, id) = (k.key.fingerprint(), k.key.key_id().to_string());
            env.signatures
                .iter()
                .any(|s| s.keyid.eq_ignore_ascii_case(&fp) || s.keyid.eq_ignore_ascii_case(&id))
        });
        match named {
            Some(k) => problem(
                ev,
                Code::AttestationInvalid,
                source,
                format!(
                    "attestation ({predicate_type}) names key {} but its signature does not verify: the envelope was changed",
                    k.label()
                ),
            ),
            None => {
                let hints: Vec<String> = env
                    .signatures
                    .iter()
                    .map(|s| {
                        if s.keyid.is_empty() {
                            "(none)".to_owned()
                        } else {
                            s.keyid.chars().take(80).collect()
                        }
                    })
                    .collect();
                problem(
                    ev,
                    Code::KeyUntrusted,
                    source,
                    format!(
                        "attestation ({predicate_type}) is not signed by any key the policy trusts (key id hints: {})",
                        if hints.is_empty() { "none".to_owned() } else { hints.join(", ") }
                    ),
                );
            }
        }
    }
    out
}

/// The attestation checker's view of a Fulcio certificate: identity, issuer, and the source and
/// build claims (falling back to GitHub's older workflow extensions).
pub fn certificate_identity(
    identity: String,
    issuer: String,
    c: &sigil_sigstore::FulcioClaims,
) -> CertificateIdentity {
    CertificateIdentity {
        identity,
        issuer,
        source_repository_uri: c.source_repository_uri.clone().or_else(|| {
            c.github_workflow_repository
                .as_ref()
                .map(|r| format!("https://github.com/{r}"))
        }),
        source_repository_ref: c
            .source_repository_ref
            .clone()
            .or_else(|| c.github_workflow_ref.clone()),
        source_repository_digest: c
            .source_repository_digest
            .clone()
            .or_else(|| c.github_workflow_sha.clone()),
        build_config_uri: c.build_config_uri.clone(),
        run_invocation_uri: c.run_invocation_uri.clone(),
        runner_environment: c.runner_environment.clone(),
    }
}

/// A Sigstore bundle carrying DSSE, verified offline against the policy's trusted root for any
/// identity; the policy then decides whether that identity is trusted.
fn bundle_signer(
    policy: &Policy,
    json: &str,
    d: &ArtifactDigests,
    source: &str,
    predicate_type: &str,
    ev: &mut Evidence,
) -> Option<Authenticated> {
    use sigil_sigstore::{Artifact, Matcher, Policy as SPolicy, TrustRoot, VerifyError};
    let bundle = match sigil_sigstore::Bundle::parse(json.as_bytes()) {
        Ok(b) => b,
        Err(e) => {
            problem(
                ev,
                Code::EvidenceMalformed,
                source,
                format!("bundle does not parse: {e}"),
            );
            return None;
        }
    };
    let root = match &policy.sigstore_root {
        Some(json) => TrustRoot::from_json(json),
        None => TrustRoot::public_good(),
    };
    let root = match root {
        Ok(r) => r,
        Err(e) => {
            problem(
                ev,
                Code::AttestationInvalid,
                source,
                format!("trusted root: {e}"),
            );
            return None;
        }
    };
    let (Ok(any_id), Ok(any_issuer)) = (Matcher::regex(".*"), Matcher::regex(".*")) else {
        problem(
            ev,
            Code::AttestationInvalid,
            source,
            "internal: matcher".into(),
        );
        return None;
    };
    let spol = SPolicy::Keyless {
        identity: any_id,
        issuer: any_issuer,
    };
    let run = |a: Artifact<'_>| sigil_sigstore::verify_dsse(&root, &bundle, a, &spol);
    let result = match run(Artifact::Sha256(d.sha256)) {
        Err(VerifyError::ArtifactMismatch(_)) => run(Artifact::Sha512(d.sha512)),
        other => other,
    };
    match result {
        Ok((v, payload_type, payload)) => match v.signer {
            sigil_sigstore::Signer::Certificate {
                identity,
                issuer,
                claims,
                ..
            } => Some(Authenticated {
                payload_type,
                payload,
                policy_signer: Signer::Identity {
                    issuer: issuer.clone(),
                    subject: identity.clone(),
                },
                signer: AttestSigner::Certificate(certificate_identity(identity, issuer, &claims)),
            }),
            _ => {
                problem(
                    ev,
                    Code::AttestationInvalid,
                    source,
                    "bundle is not signed with a Fulcio certificate".into(),
                );
                None
            }
        },
        Err(VerifyError::ArtifactMismatch(_)) => {
            problem(
                ev,
                Code::AttestationSubjectMismatch,
                source,
                format!(
                    "attestation ({predicate_type}) names other artifacts, not sha256 {}",
                    d.sha256.to_hex()
                ),
            );
            None
        }
        Err(e) => {
            problem(
                ev,
                Code::AttestationInvalid,
                source,
                format!("bundle does not verify: {e}"),
            );
            None
        }
    }
}

fn facts_of(view: &ProvenanceView) -> ProvenanceFacts {
    let origin = view.trigger.as_ref().or(view.source.as_ref());
    ProvenanceFacts {
        builder_id: Some(view.builder_id.clone()),
        source_uri: origin.map(|s| s.uri.clone()),
        source_ref: origin
            .and_then(|s| s.git_ref.clone())
            .or_else(|| view.source.as_ref().and_then(|s| s.git_ref.clone())),
    }
}

/// Holds an authenticated statement against the artifact and the policy with `sigil-attest`'s
/// checks (subject, builder bound to the signer, source), then records what it says.
fn check_statement(
    policy: &Policy,
    a: Authenticated,
    d: &ArtifactDigests,
    source: &str,
    ev: &mut Evidence,
) {
    let predicate_type = predicate_type_of(&a.payload).unwrap_or_default();
    let is_slsa = matches!(
        predicate_type.as_str(),
        sigil_attest::provenance::SLSA_PROVENANCE_V1
            | sigil_attest::provenance::SLSA_PROVENANCE_V02
    );
    let exp = match &policy.provenance {
        Some(rule) if is_slsa && rule.predicate_type == predicate_type => Expectations {
            builder_id: rule.builder_id.clone(),
            source_uri: rule.source_uri.clone(),
            ..Expectations::default()
        },
        _ => Expectations::default(),
    };
    let view_of = |payload: &[u8]| {
        Statement::parse(payload)
            .ok()
            .and_then(|st| sigil_attest::provenance::view(&st).ok())
    };
    let provenance = match check(
        &a.payload_type,
        &a.payload,
        &d.sha256,
        &d.sha512,
        &a.signer,
        &exp,
    ) {
        Ok(c) => c.provenance.as_ref().map(facts_of),
        Err(CheckError::SubjectMismatch { sha256 }) => {
            problem(
                ev,
                Code::AttestationSubjectMismatch,
                source,
                format!(
                    "attestation ({predicate_type}) names other artifacts, not sha256 {sha256}"
                ),
            );
            return;
        }
        // Mismatches are the policy's to report: record what the provenance says.
        Err(CheckError::BuilderMismatch { actual, .. }) => match view_of(&a.payload) {
            Some(v) => Some(ProvenanceFacts {
                builder_id: Some(actual),
                ..facts_of(&v)
            }),
            None => {
                problem(
                    ev,
                    Code::AttestationInvalid,
                    source,
                    "provenance cannot be read".into(),
                );
                return;
            }
        },
        Err(CheckError::SourceMismatch { actual, .. }) => match view_of(&a.payload) {
            Some(v) => Some(ProvenanceFacts {
                source_uri: Some(actual),
                ..facts_of(&v)
            }),
            None => {
                problem(
                    ev,
                    Code::AttestationInvalid,
                    source,
                    "provenance cannot be read".into(),
                );
                return;
            }
        },
        Err(e) => {
            problem(
                ev,
                Code::AttestationInvalid,
                source,
                format!("attestation ({predicate_type}): {e} [{}]", e.code()),
            );
            return;
        }
    };
    ev.attestations.push(AttestationEvidence {
        source: source.to_owned(),
        signer: a.policy_signer,
        predicate_type,
        provenance,
    });
}

/// `NAME.intoto.jsonl` (JSON Lines of DSSE envelopes or Sigstore bundles, a single envelope or
/// bundle, or npm's attestations document), read only when the policy requires provenance or an
/// SBOM. Each attestation whose predicate type could satisfy the policy is verified: key-signed
/// envelopes against every policy key, bundles against the Sigstore trusted root; then
/// `sigil-attest` checks that it names the artifact (sha256 or sha512), that a keyless signer is
/// the builder it names, and the policy's builder and source. Attestations with other predicate
/// types are skipped.
pub fn attestation_evidence(
    policy: &Policy,
    target: &Target<'_>,
    ev: &mut Evidence,
) -> Result<(), GatherError> {
    if policy.provenance.is_none() && policy.sbom.is_none() {
        return Ok(());
    }
    let path = sidecar(target, ".intoto.jsonl");
    let Some(bytes) = read_limited(&path, ev)? else {
        return Ok(());
    };
    let file = name_of(&path);
    let Ok(text) = std::str::from_utf8(&bytes) else {
        problem(ev, Code::EvidenceMalformed, &file, "not UTF-8 text".into());
        return Ok(());
    };
    let items = match sigil_attest::document::read(text) {
        Ok(items) => items,
        Err(e) => {
            problem(ev, Code::EvidenceMalformed, &file, e.to_string());
            return Ok(());
        }
    };
    let mut digests: Option<ArtifactDigests> = None;
    for item in items {
        let source = format!("{file} {}", item.location);
        let att = match item.item {
            Ok(a) => a,
            Err(e) => {
                problem(ev, Code::EvidenceMalformed, &source, e.to_string());
                continue;
            }
        };
        let Some(predicate_type) = predicate_type_of(&att.envelope().payload) else {
            problem(
                ev,
                Code::EvidenceMalformed,
                &source,
                "payload is not an in-toto statement with a predicate type".into(),
            );
            continue;
        };
        if !relevant(policy, &predicate_type) {
            continue;
        }
        let d = match digests {
            Some(d) => d,
            None => {
                let (f, _) =
                    sigil_core::input::open(target.content).map_err(|source| GatherError::Io {
                        path: target.content.to_path_buf(),
                        source,
                    })?;
                let d = sigil_attest::digests(f, |_| {}).map_err(|source| GatherError::Io {
                    path: target.content.to_path_buf(),
                    source,
                })?;
                digests = Some(d);
                d
            }
        };
        let authenticated = match &att {
            Attestation::Dsse(env) => dsse_signers(policy, env, &source, &predicate_type, ev),
            Attestation::Bundle { json, .. } => {
                bundle_signer(policy, json, &d, &source, &predicate_type, ev)
                    .into_iter()
                    .collect()
            }
        };
        for a in authenticated {
            check_statement(policy, a, &d, &source, ev);
        }
    }
    Ok(())
}
