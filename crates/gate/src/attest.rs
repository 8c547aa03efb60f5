//! Keyless (Sigstore) bundles and in-toto attestations beside the artifact.

use std::io::Read as _;

use sigil_policy::{Code, KeylessEvidence, KeylessOutcome, Policy, Problem};

use crate::evidence::{GatherError, Target, MAX_SIDECAR};
use sigil_policy::Evidence;

fn sidecar(target: &Target<'_>, suffix: &str) -> std::path::PathBuf {
    target.sidecar_dir.join(format!("{}{suffix}", target.name))
}

fn read_limited(path: &std::path::Path, ev: &mut Evidence) -> Result<Option<Vec<u8>>, GatherError> {
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
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
    let mut f = match std::fs::File::open(target.content) {
        Ok(f) => f,
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

/// `NAME.intoto.jsonl`: this build does not verify attestations yet, so their presence is
/// recorded and any provenance or SBOM requirement fails closed.
pub fn attestation_evidence(
    _policy: &Policy,
    target: &Target<'_>,
    ev: &mut Evidence,
) -> Result<(), GatherError> {
    let path = sidecar(target, ".intoto.jsonl");
    if path.exists() {
        ev.attestations_unsupported = true;
    }
    Ok(())
}
