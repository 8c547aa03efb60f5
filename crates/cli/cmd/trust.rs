//! `sigil trust`: Sigstore trust roots refreshed through TUF, and the tuf-conformance client.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use serde_json::json;
use sigil_gate::fetch::{FetchOptions, Fetcher};
use sigil_gate::tuf::{RootError, StageError};
use sigil_tuf::trust::Instance;
use sigil_tuf::TufError;

use crate::output::{Failure, Report};

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

/// Runs `sigil trust`.
pub fn run(c: TrustCommand) -> Result<Report, Failure> {
    match c {
        TrustCommand::Update(a) => update(a),
        TrustCommand::Show => show(),
        TrustCommand::ConformanceClient(a) => conformance(a),
    }
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

/// The trust cache ([`sigil_gate::tuf::trust_cache_dir`]); an error when there is none.
pub fn cache_dir() -> Result<PathBuf, Failure> {
    sigil_gate::tuf::trust_cache_dir()
        .ok_or_else(|| Failure::usage("neither XDG_CACHE_HOME nor HOME is set: no cache directory"))
}

fn instance(name: &str) -> Result<Instance, Failure> {
    Instance::parse(name).ok_or_else(|| {
        Failure::usage(format!(
            "unknown instance {name:?}: expected public-good, staging or github"
        ))
    })
}

fn state_json(s: &sigil_tuf::trust::State, expired: bool) -> serde_json::Value {
    json!({
        "instance": s.name,
        "repository": s.metadata_url,
        "updated": s.updated,
        "root_version": s.root_version,
        "timestamp_version": s.timestamp_version,
        "snapshot_version": s.snapshot_version,
        "targets_version": s.targets_version,
        "expires": s.expires,
        "expired": expired,
        "trusted_root_sha256": s.trusted_root_sha256,
        "signing_config_sha256": s.signing_config_sha256,
    })
}

fn state_line(s: &sigil_tuf::trust::State, expired: bool) -> String {
    format!(
        "{}: {} (root v{}, timestamp v{}, snapshot v{}, targets v{}); {} {}; updated {}",
        s.name,
        s.metadata_url,
        s.root_version,
        s.timestamp_version,
        s.snapshot_version,
        s.targets_version,
        if expired { "EXPIRED at" } else { "expires" },
        s.expires,
        s.updated
    )
}

fn update(a: UpdateArgs) -> Result<Report, Failure> {
    let inst = instance(&a.instance)?;
    let mut source = inst.source(a.repo.as_deref());
    if let Some(root) = &a.root {
        source.root = super::read_text(root, 1 << 20, "TUF root")
            .map_err(|e| Failure::usage(e.message))?
            .into_bytes();
    }
    let cache = cache_dir()?;
    std::fs::create_dir_all(&cache)
        .map_err(|e| Failure::io(format!("{}: {}", cache.display(), super::io_reason(&e))))?;
    let state = sigil_tuf::trust::update(
        fetcher(a.insecure_allow_http)?,
        &cache,
        &source,
        SystemTime::now(),
    )
    .map_err(tuf_error)?;
    Ok(Report::ok("updated", state_json(&state, false)).line(state_line(&state, false)))
}

fn show() -> Result<Report, Failure> {
    let cache = cache_dir()?;
    let now = SystemTime::now();
    let all = sigil_tuf::trust::list(&cache).map_err(tuf_error)?;
    let mut report = Report::ok(
        "shown",
        json!({
            "cache": cache,
            "cached": all.iter().map(|c| state_json(&c.state, c.state.expired_at(now))).collect::<Vec<_>>(),
        }),
    );
    if all.is_empty() {
        report = report.line(format!(
            "nothing cached in {}: verification uses the embedded roots; run `sigil trust update`",
            cache.display()
        ));
    }
    for c in &all {
        let expired = c.state.expired_at(now);
        report = report.line(state_line(&c.state, expired));
        if expired {
            report = report.line(format!(
                "  hint: run `sigil trust update --instance {}`",
                c.state.name
            ));
        }
    }
    Ok(report)
}

/// Warns that the cached root of `inst` is used although its TUF metadata expired.
fn warn_expired(inst: Instance, expired_at: Option<String>) {
    if let Some(at) = expired_at {
        let out = crate::output::Output {
            format: crate::output::Format::Human,
            quiet: false,
        };
        out.warn(format!(
            "the cached {} trusted root's TUF metadata expired at {at}; {}",
            inst.name(),
            update_hint(inst)
        ));
    }
}

fn update_hint(inst: Instance) -> String {
    format!("run `sigil trust update --instance {}`", inst.name())
}

/// The `trusted_root.json` text `sigil trust update` cached for `inst`, if any
/// ([`sigil_gate::tuf::cached_root`]), with a warning when its TUF metadata has expired.
pub fn cached_root_json(inst: Instance) -> Result<Option<String>, Failure> {
    let cache = sigil_gate::tuf::trust_cache_dir();
    let cached = sigil_gate::tuf::cached_root(cache.as_deref(), inst, SystemTime::now())
        .map_err(|e| tuf_error(e).hint(update_hint(inst)))?;
    Ok(cached.map(|c| {
        warn_expired(inst, c.expired_at);
        c.json
    }))
}

/// The trusted root verification uses for `inst` when no `--trusted-root` is given
/// ([`sigil_gate::tuf::default_root`]: the cached one, else the embedded one).
pub fn default_root(inst: Instance) -> Result<sigil_sigstore::TrustRoot, Failure> {
    let cache = sigil_gate::tuf::trust_cache_dir();
    match sigil_gate::tuf::default_root(cache.as_deref(), inst, SystemTime::now()) {
        Ok((root, expired_at)) => {
            warn_expired(inst, expired_at);
            Ok(root)
        }
        Err(RootError::Cache(e)) => Err(tuf_error(e).hint(update_hint(inst))),
        Err(e @ RootError::Embedded(_)) => Err(Failure::usage(Failure::chain(&e))),
        Err(e) => Err(Failure::usage(Failure::chain(&e)).hint(update_hint(inst))),
    }
}

/// For `sigil install tuf+https://...`: the pack and its sidecars fetched through TUF into a
/// private temporary directory ([`sigil_gate::tuf::stage_pack`]); `None` for other sources.
pub fn stage_tuf_pack(
    policy: &sigil_policy::Policy,
    source: &str,
    opts: &FetchOptions,
) -> Result<Option<(tempfile::TempDir, PathBuf)>, Failure> {
    let staged = sigil_gate::tuf::stage_pack(policy, source, opts, SystemTime::now());
    staged.transpose().map_err(|e| match e {
        StageError::Tuf(e) if e.is_refusal() => {
            tuf_error(e).hint("nothing was installed; DEST is unchanged")
        }
        StageError::Tuf(e) => tuf_error(e),
        StageError::TempDir(e) => {
            Failure::io(format!("temporary directory: {}", super::io_reason(&e)))
        }
        e => Failure::usage(e),
    })
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

/// Maps a TUF error: refusals are "not verified" with their code, the rest setup errors.
pub fn tuf_error(e: TufError) -> Failure {
    let code = e.code();
    let err = if e.is_refusal() {
        Failure::not_verified(format!("{code}: {e}"))
    } else {
        Failure::io(format!("{code}: {e}"))
    };
    err.data(json!({ "code": code }))
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
    Ok(Report::ok(done, json!({ "command": req.command })))
}
