//! `sigil trust`: Sigstore trust roots refreshed through TUF, and the tuf-conformance client.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use sigil_gate::fetch::{FetchOptions, Fetcher};
use sigil_gate::report as gate_report;
use sigil_tuf::report;
use sigil_tuf::trust::Instance;

use crate::output::{Failure, Format, Output, Report};

/// `sigil trust ...`.
#[derive(Debug, clap::Subcommand)]
pub enum TrustCommand {
    /// Refresh an instance's trusted_root.json (and signing config) through TUF into the cache.
    Update(UpdateArgs),
    /// Show what the cache holds: instance, repository, TUF versions, expiry.
    Show,
    /// The tuf-conformance client-under-test protocol (init, refresh, download); for
    /// `cargo xtask tuf-conformance`. Exits 0 or 1.
    #[command(hide = true)]
    ConformanceClient(ConformanceArgs),
}

/// Arguments of the tuf-conformance CLI protocol (`CLIENT-CLI.md`).
#[derive(Debug, clap::Args)]
pub struct ConformanceArgs {
    /// Where trusted metadata is kept (unversioned names).
    #[arg(long, value_name = "DIR")]
    metadata_dir: PathBuf,
    /// Base URL of the repository's metadata.
    #[arg(long, value_name = "URL")]
    metadata_url: Option<String>,
    /// Target path to download (repeatable; processed in order).
    #[arg(long, value_name = "PATH")]
    target_name: Vec<String>,
    /// Base URL of the repository's targets.
    #[arg(long, value_name = "URL")]
    target_base_url: Option<String>,
    /// Where downloaded targets are stored.
    #[arg(long, value_name = "DIR")]
    target_dir: Option<PathBuf>,
    /// `init TRUSTED_ROOT`, `refresh` or `download`.
    #[arg(value_name = "COMMAND")]
    command: String,
    /// The trusted root file for `init`.
    #[arg(value_name = "ARG")]
    rest: Vec<String>,
}

/// `sigil trust update`.
#[derive(Debug, clap::Args)]
pub struct UpdateArgs {
    /// The Sigstore instance: public-good, staging or github.
    #[arg(long, default_value = "public-good", value_name = "NAME")]
    instance: String,
    /// Fetch from this TUF repository instead of the instance's own (a mirror). Targets are
    /// read from its sibling `targets` when the URL ends in `/metadata`, else from `URL/targets`.
    #[arg(long, value_name = "URL")]
    repo: Option<String>,
    /// Start from this TUF root.json instead of the embedded one (only with --repo).
    #[arg(long, value_name = "FILE", requires = "repo")]
    root: Option<PathBuf>,
    /// Allow plain http:// to a loopback address (tests, local mirrors).
    #[arg(long)]
    insecure_allow_http: bool,
}

/// Runs `sigil trust`.
pub fn run(c: TrustCommand) -> Result<Report, Failure> {
    match c {
        TrustCommand::Update(a) => update(a),
        TrustCommand::Show => {
            let cache = gate_report::trust_cache_dir()?;
            let all = sigil_tuf::trust::list(&cache)?;
            Ok(report::show(&cache, &all, SystemTime::now()))
        }
        TrustCommand::ConformanceClient(a) => conformance(a),
    }
}

fn update(a: UpdateArgs) -> Result<Report, Failure> {
    let mut source = report::instance(&a.instance)?.source(a.repo.as_deref());
    if let Some(root) = &a.root {
        let text = super::read_text(root, 1 << 20, "TUF root");
        source.root = text.map_err(|e| Failure::usage(e.message))?.into_bytes();
    }
    let cache = gate_report::trust_cache_dir()?;
    std::fs::create_dir_all(&cache)
        .map_err(|e| Failure::io(format!("{}: {}", cache.display(), super::io_reason(&e))))?;
    let fetcher = fetcher(a.insecure_allow_http)?;
    let state = sigil_tuf::trust::update(fetcher, &cache, &source, SystemTime::now())?;
    Ok(report::updated(&state))
}

/// Warns that the cached root of `inst` is used although its TUF metadata expired.
pub fn warn_expired(inst: Instance, expired_at: Option<String>) {
    if let Some(at) = expired_at {
        let out = Output {
            format: Format::Human,
            quiet: false,
        };
        out.warn(gate_report::expired_root_warning(inst, &at));
    }
}

/// The trusted root verification uses for `inst` when no `--trusted-root` is given
/// ([`sigil_gate::tuf::default_root`]: the cached one, else the embedded one).
pub fn default_root(inst: Instance) -> Result<sigil_sigstore::TrustRoot, Failure> {
    let cache = sigil_gate::tuf::trust_cache_dir();
    let (root, expired_at) =
        sigil_gate::tuf::default_root(cache.as_deref(), inst, SystemTime::now())
            .map_err(|e| gate_report::root_failure(e, inst))?;
    warn_expired(inst, expired_at);
    Ok(root)
}

/// A fetcher for loopback test repositories or HTTPS ones.
pub fn fetcher(insecure_allow_http: bool) -> Result<Arc<Fetcher>, Failure> {
    let opts = FetchOptions {
        insecure_allow_http,
        ..FetchOptions::default()
    };
    Fetcher::new(opts)
        .map(Arc::new)
        .map_err(|e| Failure::io(Failure::chain(&e)))
}

fn conformance(a: ConformanceArgs) -> Result<Report, Failure> {
    let mut req = sigil_tuf::conformance::Request::default();
    (req.metadata_dir, req.metadata_url, req.target_names) =
        (a.metadata_dir, a.metadata_url, a.target_name);
    (req.target_base_url, req.target_dir) = (a.target_base_url, a.target_dir);
    (req.command, req.args) = (a.command, a.rest);
    // The protocol knows only 0 and 1: every failure is reported as "not verified".
    let transport = fetcher(true).map_err(|e| Failure::not_verified(e.message))?;
    let done = sigil_tuf::conformance::run(transport, &req, SystemTime::now())
        .map_err(|e| Failure::not_verified(format!("{}: {e}", e.code())))?;
    Ok(Report::ok(
        done,
        serde_json::json!({ "command": req.command }),
    ))
}
