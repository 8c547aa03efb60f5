//! `sigil policy check`: load a policy and report every problem with file:line:col.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sigil_policy::Policy;
use sigil_tuf::trust::Instance;

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
    let mut p = Policy::load(path)?;
    for w in &p.warnings {
        out.warn(w);
    }
    // Keyless identities without `sigstore-trusted-root`: the public-good root that
    // `sigil trust update` cached, if any (else the gate uses the embedded one).
    let (inst, cache) = (Instance::PublicGood, sigil_gate::tuf::trust_cache_dir());
    let expired = sigil_gate::tuf::use_cached_root(&mut p, cache.as_deref(), SystemTime::now())
        .map_err(|e| sigil_gate::report::cache_failure(e, inst))?;
    super::trust::warn_expired(inst, expired);
    Ok(p)
}

/// Runs a policy subcommand.
pub fn run(out: &Output, cmd: PolicyCommand) -> Result<Report, Failure> {
    let PolicyCommand::Check(a) = cmd;
    Ok(sigil_policy::report::check(
        &a.policy,
        &load_policy(out, &a.policy)?,
    ))
}
