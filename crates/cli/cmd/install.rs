//! `sigil install`: verify in private staging under a policy, then move into place atomically.

use std::path::PathBuf;
use std::time::Duration;

use sigil_gate::fetch::FetchOptions;
use sigil_gate::install;
use sigil_gate::{decision_log, report};

use super::gate::DecisionLogArgs;
use crate::output::{Failure, Output, Report};

/// `sigil install`.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// A local file or an https:// URL; its sidecars (signatures, bundle, attestations,
    /// SHA256SUMS) are looked for beside it.
    #[arg(value_name = "SOURCE")]
    source: String,
    /// The policy to enforce.
    #[arg(long, value_name = "P")]
    policy: PathBuf,
    /// Destination file, or an existing directory to install into.
    #[arg(long = "to", value_name = "DEST")]
    to: PathBuf,
    /// Replace an existing file (or pack directory) at DEST; the old one stays until the new
    /// one replaces it in one atomic rename.
    #[arg(long)]
    replace: bool,
    #[command(flatten)]
    expect: super::verify::ExpectArgs,
    /// Allow plain http://, and only to loopback IP addresses (test servers, local mirrors).
    #[arg(long)]
    insecure_allow_http: bool,
    /// Seconds to wait for a connection.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    connect_timeout: u64,
    /// Seconds to wait for the response or for any read of the body.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    read_timeout: u64,
    #[command(flatten)]
    audit: DecisionLogArgs,
}

/// `sigil install`.
pub fn install(out: &Output, a: InstallArgs) -> Result<Report, Failure> {
    let policy = super::policy::load_policy(out, &a.policy)?;
    let mut log = a.audit.open(true)?;
    let opts = FetchOptions {
        insecure_allow_http: a.insecure_allow_http,
        max_bytes: policy.install.max_download_bytes,
        connect_timeout: Duration::from_secs(a.connect_timeout.max(1)),
        read_timeout: Duration::from_secs(a.read_timeout.max(1)),
    };
    let install_opts = install::InstallOptions {
        replace: a.replace,
        expect: a.expect.expect(),
    };
    let now = decision_log::now();
    let (done, seq) = install::install_logged(
        &policy,
        &a.source,
        &a.to,
        &opts,
        &install_opts,
        &mut log,
        now,
    )?;
    let audit = report::audit_json(log.path(), seq);
    Ok(report::installed(&done, &a.source, &policy, &a.to, audit))
}
