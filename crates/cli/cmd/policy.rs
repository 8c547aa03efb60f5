//! `sigil policy check`: load a policy and report every problem with file:line:col.

use std::path::{Path, PathBuf};

use serde_json::json;
use sigil_policy::{KeyOrigin, Policy, PolicyError, SubjectMatch};

use crate::output::{Failure, Output, Report};

/// Policies.
#[derive(Debug, clap::Subcommand)]
pub enum PolicyCommand {
    /// Check a policy file: strict TOML, every key known, every regex compiles, every key loads.
    Check(CheckArgs),
}

/// `sigil policy check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The policy file.
    #[arg(value_name = "P")]
    policy: PathBuf,
}

/// Loads a policy; an invalid one is a setup error (exit 2) naming file:line:col with a snippet.
/// Its warnings (allowed but suspicious settings) go to stderr.
pub fn load_policy(out: &Output, path: &Path) -> Result<Policy, Failure> {
    let mut p = Policy::load(path).map_err(policy_error)?;
    for w in &p.warnings {
        out.warn(w);
    }
    // Keyless identities without `sigstore-trusted-root`: the public-good root that
    // `sigil trust update` cached, if any (else the gate uses the embedded one).
    if p.sigstore_root.is_none() && !p.identities.is_empty() {
        p.sigstore_root = super::trust::cached_root_json(sigil_tuf::trust::Instance::PublicGood)?;
    }
    Ok(p)
}

/// Maps a policy error to a CLI error.
pub fn policy_error(e: PolicyError) -> Failure {
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

/// Runs a policy subcommand.
pub fn run(out: &Output, cmd: PolicyCommand) -> Result<Report, Failure> {
    match cmd {
        PolicyCommand::Check(a) => check(out, &a.policy),
    }
}

fn check(out: &Output, path: &Path) -> Result<Report, Failure> {
    let p = load_policy(out, path)?;
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
    Ok(Report::ok("ok", data)
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
        .line(format!("exceptions: {}", p.exceptions.len())))
}
