//! `sigil policy check`: load a policy and report every problem with file:line:col.

use std::path::{Path, PathBuf};

use serde_json::json;
use sigil_policy::{KeyOrigin, Policy, PolicyError, SubjectMatch};

use crate::output::{CliError, Report};

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
pub fn load_policy(path: &Path) -> Result<Policy, CliError> {
    Policy::load(path).map_err(policy_error)
}

/// Maps a policy error to a CLI error.
pub fn policy_error(e: PolicyError) -> CliError {
    match e {
        PolicyError::Invalid {
            location,
            message,
            snippet,
            hint,
        } => {
            let data = json!({ "file": location.file, "line": location.line, "column": location.column, "message": message, "snippet": snippet });
            let mut err = CliError::usage(format!("{location}: {message}")).data(data);
            for line in snippet.lines() {
                err = err.note(line);
            }
            match hint {
                Some(h) => err.hint(h),
                None => err,
            }
        }
        PolicyError::Io { ref source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
            CliError::usage(e.to_string())
        }
        PolicyError::Io { .. } => CliError::io(e.to_string()),
        other => CliError::usage(other.to_string()),
    }
}

/// Runs a policy subcommand.
pub fn run(cmd: PolicyCommand) -> Result<Report, CliError> {
    match cmd {
        PolicyCommand::Check(a) => check(&a.policy),
    }
}

fn check(path: &Path) -> Result<Report, CliError> {
    let p = load_policy(path)?;
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
            })
        })
        .collect();
    let identities: Vec<_> = p
        .identities
        .iter()
        .map(|i| match &i.subject {
            SubjectMatch::Exact(s) => json!({ "issuer": i.issuer, "subject": s }),
            SubjectMatch::Regex(r) => json!({ "issuer": i.issuer, "subject_regex": r.as_str() }),
        })
        .collect();
    let mut requires = vec![format!(
        "{} of {} trusted signers",
        p.threshold,
        p.keys.len() + p.identities.len()
    )];
    if p.provenance.is_some() {
        requires.push("provenance".into());
    }
    if p.sbom.is_some() {
        requires.push("an SBOM attestation".into());
    }
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
