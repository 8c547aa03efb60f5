//! `sigil trust`: Sigstore trust roots refreshed through TUF, and the tuf-conformance client.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use serde_json::json;
use sigil_gate::fetch::{FetchOptions, Fetcher};
use sigil_tuf::trust::Instance;
use sigil_tuf::{Client, Limits, MetadataDir, TufError};

use crate::output::{CliError, Report};

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

impl TrustCommand {
    /// The command's name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            TrustCommand::Update(_) => "trust update",
            TrustCommand::Show => "trust show",
            TrustCommand::ConformanceClient(_) => "trust conformance-client",
        }
    }
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
pub fn run(c: TrustCommand) -> Result<Report, CliError> {
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

/// The trust cache: `$XDG_CACHE_HOME/sigil/trust`, else `$HOME/.cache/sigil/trust`.
pub fn cache_dir() -> Result<PathBuf, CliError> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })
        .ok_or_else(|| {
            CliError::usage("neither XDG_CACHE_HOME nor HOME is set: no cache directory")
        })?;
    Ok(base.join("sigil").join("trust"))
}

/// The targets URL of a TUF repository whose metadata is at `metadata_url`.
pub fn targets_url(metadata_url: &str) -> String {
    let base = metadata_url.trim_end_matches('/');
    match base.strip_suffix("/metadata") {
        Some(parent) => format!("{parent}/targets"),
        None => format!("{base}/targets"),
    }
}

fn instance(name: &str) -> Result<Instance, CliError> {
    Instance::parse(name).ok_or_else(|| {
        CliError::usage(format!(
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

fn update(a: UpdateArgs) -> Result<Report, CliError> {
    let inst = instance(&a.instance)?;
    let mut source = inst.source(a.repo.as_deref());
    if let Some(repo) = &a.repo {
        source.metadata_url = repo.trim_end_matches('/').to_owned();
        source.targets_url = targets_url(repo);
    }
    if let Some(root) = &a.root {
        source.root = super::read_text(root, 1 << 20, "TUF root")
            .map_err(|e| CliError::usage(e.message))?
            .into_bytes();
    }
    let cache = cache_dir()?;
    std::fs::create_dir_all(&cache)
        .map_err(|e| CliError::io(format!("{}: {}", cache.display(), super::io_reason(&e))))?;
    let state = sigil_tuf::trust::update(
        fetcher(a.insecure_allow_http)?,
        &cache,
        &source,
        SystemTime::now(),
    )
    .map_err(tuf_error)?;
    Ok(Report::ok("updated", state_json(&state, false)).line(state_line(&state, false)))
}

fn show() -> Result<Report, CliError> {
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

/// The `trusted_root.json` text `sigil trust update` cached for `inst`, if any, with a warning
/// on stderr when its TUF metadata has expired. A cache whose bytes no longer match the hash
/// recorded at update is an error. Never touches the network.
pub fn cached_root_json(inst: Instance) -> Result<Option<String>, CliError> {
    let Ok(cache) = cache_dir() else {
        return Ok(None);
    };
    let update_hint = format!("run `sigil trust update --instance {}`", inst.name());
    let cached = match sigil_tuf::trust::cached(&cache, inst.name()) {
        Ok(Some(c)) => c,
        Ok(None) => return Ok(None),
        Err(e) => return Err(tuf_error(e).hint(update_hint)),
    };
    if cached.state.expired_at(SystemTime::now()) {
        let out = crate::output::Output {
            format: crate::output::Format::Human,
            quiet: false,
        };
        out.warn(format!(
            "the cached {} trusted root's TUF metadata expired at {}; {update_hint}",
            inst.name(),
            cached.state.expires,
        ));
    }
    Ok(Some(cached.trusted_root))
}

/// The trusted root verification uses for `inst` when no `--trusted-root` is given: the one
/// `sigil trust update` cached, else the embedded one (GitHub's instance has none embedded).
pub fn default_root(inst: Instance) -> Result<sigil_sigstore::TrustRoot, CliError> {
    let update_hint = format!("run `sigil trust update --instance {}`", inst.name());
    match cached_root_json(inst)? {
        Some(json) => sigil_sigstore::TrustRoot::from_json(&json).map_err(|e| {
            CliError::usage(format!(
                "cached {} trusted root: {}",
                inst.name(),
                CliError::chain(&e)
            ))
            .hint(update_hint)
        }),
        None if inst == Instance::GitHub => Err(CliError::usage(
            "no trusted root for GitHub's Sigstore instance is cached",
        )
        .hint(update_hint)),
        None => match inst {
            Instance::Staging => sigil_sigstore::TrustRoot::staging(),
            _ => sigil_sigstore::TrustRoot::public_good(),
        }
        .map_err(|e| CliError::usage(CliError::chain(&e))),
    }
}

/// For `sigil install tuf+https://HOST/PATH/metadata#NAME@VERSION`: fetches the pack and its
/// sidecars through TUF (root pinned by the policy's `tuf-root`) into a private temporary
/// directory, for the install to verify as a local file. `None` for other sources.
pub fn stage_tuf_pack(
    policy: &sigil_policy::Policy,
    source: &str,
    opts: &FetchOptions,
) -> Result<Option<(tempfile::TempDir, PathBuf)>, CliError> {
    let Some(parsed) = sigil_gate::tuf::parse_source(source) else {
        return Ok(None);
    };
    let src = parsed.map_err(CliError::usage)?;
    let root = policy.tuf_root.as_deref().unwrap_or("");
    let key = sigil_tuf::sha256_hex(format!("{}\n{root}", src.metadata_url).as_bytes());
    let cache = cache_dir()?
        .parent()
        .map(|p| p.join("tuf-repos").join(&key[..32]))
        .ok_or_else(|| CliError::usage("no cache directory"))?;
    let dir = tempfile::Builder::new()
        .prefix("sigil-tuf-")
        .tempdir()
        .map_err(|e| CliError::io(format!("temporary directory: {}", super::io_reason(&e))))?;
    let path =
        sigil_gate::tuf::fetch_pack(policy, &src, opts, &cache, dir.path(), SystemTime::now())
            .map_err(|e| {
                let setup = !e.is_refusal();
                let err = tuf_error(e);
                if setup {
                    err
                } else {
                    err.hint("nothing was installed; DEST is unchanged")
                }
            })?;
    Ok(Some((dir, path)))
}

/// A fetcher for loopback test repositories or HTTPS ones.
pub fn fetcher(insecure_allow_http: bool) -> Result<Arc<Fetcher>, CliError> {
    let opts = FetchOptions {
        insecure_allow_http,
        ..FetchOptions::default()
    };
    Fetcher::new(opts)
        .map(Arc::new)
        .map_err(|e| CliError::io(CliError::chain(&e)))
}

/// Maps a TUF error: refusals are "not verified" with their code, the rest setup errors.
pub fn tuf_error(e: TufError) -> CliError {
    let code = e.code();
    let err = if e.is_refusal() {
        CliError::not_verified(format!("{code}: {e}"))
    } else {
        CliError::io(format!("{code}: {e}"))
    };
    err.data(json!({ "code": code }))
}

fn conformance(a: ConformanceArgs) -> Result<Report, CliError> {
    // The protocol knows only 0 and 1: every failure is reported as "not verified".
    conformance_inner(&a).map_err(|e| CliError::not_verified(e.message))
}

fn conformance_inner(a: &ConformanceArgs) -> Result<Report, CliError> {
    let dir = &a.metadata_dir;
    match a.command.as_str() {
        "init" => {
            let [root] = a.rest.as_slice() else {
                return Err(CliError::usage("init takes one TRUSTED_ROOT file"));
            };
            let bytes = std::fs::read(root)
                .map_err(|e| CliError::io(format!("{root}: {}", super::io_reason(&e))))?;
            std::fs::write(dir.join("root.json"), bytes).map_err(|e| {
                CliError::io(format!("{}: {}", dir.display(), super::io_reason(&e)))
            })?;
            Ok(Report::ok("initialised", json!({ "metadata_dir": dir })))
        }
        "refresh" => {
            let mut client = conformance_client(a, dir)?;
            client.refresh().map_err(tuf_error)?;
            Ok(Report::ok("refreshed", json!({})))
        }
        "download" => {
            let target_dir = a
                .target_dir
                .as_ref()
                .ok_or_else(|| CliError::usage("download needs --target-dir"))?;
            if a.target_name.is_empty() {
                return Err(CliError::usage("download needs --target-name"));
            }
            let mut client = conformance_client(a, dir)?;
            client.refresh().map_err(tuf_error)?;
            for name in &a.target_name {
                let info = client.target_info(name).map_err(tuf_error)?;
                let out = target_dir.join(target_file_name(name));
                if let Ok(existing) = std::fs::read(&out) {
                    if sigil_tuf::matches_target(&existing, &info) {
                        continue;
                    }
                }
                let bytes = client.download(&info, name).map_err(tuf_error)?;
                write_atomic(target_dir, &out, &bytes)?;
            }
            Ok(Report::ok(
                "downloaded",
                json!({ "targets": a.target_name }),
            ))
        }
        other => Err(CliError::usage(format!(
            "unknown command {other:?}: expected init, refresh or download"
        ))),
    }
}

/// One flat file name per target path: percent-encoded, so no path can leave the directory.
fn target_file_name(target: &str) -> String {
    let mut out = String::with_capacity(target.len());
    for b in target.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'~' => out.push(b as char),
            b'.' if !out.is_empty() => out.push('.'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn write_atomic(dir: &Path, out: &Path, bytes: &[u8]) -> Result<(), CliError> {
    let io =
        |e: std::io::Error| CliError::io(format!("{}: {}", out.display(), super::io_reason(&e)));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(io)?;
    tmp.persist(out).map_err(|e| io(e.error))?;
    Ok(())
}

fn conformance_client(a: &ConformanceArgs, dir: &Path) -> Result<Client, CliError> {
    let url = a
        .metadata_url
        .as_deref()
        .ok_or_else(|| CliError::usage("--metadata-url is required"))?;
    let root = std::fs::read(dir.join("root.json")).map_err(|e| {
        CliError::io(format!(
            "{}/root.json: {}",
            dir.display(),
            super::io_reason(&e)
        ))
    })?;
    let targets = a.target_base_url.as_deref().unwrap_or(url);
    Client::new(
        fetcher(true)?,
        url,
        targets,
        &root,
        Some(Box::new(MetadataDir::new(dir))),
        Limits::default(),
        SystemTime::now(),
    )
    .map_err(tuf_error)
}
