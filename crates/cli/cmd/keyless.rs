//! Keyless signing glue shared by `sign --keyless`, `attest --keyless` and `pack sign
//! --keyless`: token sources, service and trust selection, error mapping. The protocol and its
//! checks are in `sigil_sigstore::sign`, the transport in `sigil_gate::keyless`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use sigil_gate::keyless::KeylessOptions;
use sigil_sigstore::sign::{IdentityToken, KeylessError, Services, Signed, ToSign};
use sigil_sigstore::TrustRoot;

use crate::output::{CliError, ErrorKind};

/// Largest token, signing config or trusted root file read.
const MAX_FILE: u64 = 8 * 1024 * 1024;

/// Where the three token sources are named, for hints.
pub const TOKEN_SOURCES: &str = "pass --identity-token TOKEN (or @FILE), set SIGSTORE_ID_TOKEN, or run in GitHub Actions with `permissions: id-token: write` (ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN)";

/// The keyless options of a signing command.
#[derive(Debug, Clone, clap::Args)]
pub struct KeylessArgs {
    /// Sign keyless: an OIDC identity token, a Fulcio certificate, Rekor and a timestamp
    /// authority, written as a Sigstore bundle (FILE.sigstore.json). No key is kept.
    #[arg(long)]
    pub keyless: bool,
    /// OIDC identity token, or @FILE to read it from a file (else SIGSTORE_ID_TOKEN, else
    /// GitHub Actions' ambient token).
    #[arg(long, value_name = "TOKEN|@FILE", requires = "keyless")]
    pub identity_token: Option<String>,
    /// Use Sigstore's staging instance and its embedded trusted root.
    #[arg(long, requires = "keyless", conflicts_with_all = ["signing_config"])]
    pub staging: bool,
    /// Sigstore SigningConfig v0.2 naming Fulcio, Rekor and TSA URLs with validity windows.
    #[arg(long, value_name = "FILE", requires = "keyless")]
    pub signing_config: Option<PathBuf>,
    /// trusted_root.json to verify each new bundle against before it is written (default:
    /// the embedded public-good root, or the staging root with --staging).
    #[arg(long = "trusted-root", value_name = "FILE", requires = "keyless")]
    pub trusted_root: Option<PathBuf>,
    /// Allow plain http:// services on 127.0.0.1 or [::1] (a local Sigstore for tests).
    #[arg(long = "insecure-allow-http", requires = "keyless")]
    pub insecure_allow_http: bool,
    /// Longest a single service request may take, in seconds.
    #[arg(
        long = "service-timeout",
        value_name = "SECS",
        default_value_t = 60,
        requires = "keyless"
    )]
    pub timeout: u64,
}

/// Everything ready to sign: token, services, trust root, transport options.
pub struct Prepared {
    token: IdentityToken,
    services: Services,
    root: TrustRoot,
    opts: KeylessOptions,
    now: i64,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("services", &self.services)
            .finish_non_exhaustive()
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn read_small(path: &Path, what: &str) -> Result<String, CliError> {
    super::read_text(path, MAX_FILE, what).map_err(|e| match e.kind {
        ErrorKind::NotVerified => CliError::usage(e.message),
        _ => e,
    })
}

fn raw_token(a: &KeylessArgs, opts: &KeylessOptions) -> Result<String, CliError> {
    if let Some(t) = &a.identity_token {
        return match t.strip_prefix('@') {
            Some(path) => read_small(Path::new(path), "identity token"),
            None => Ok(t.clone()),
        };
    }
    if let Some(t) = std::env::var("SIGSTORE_ID_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
    {
        return Ok(t);
    }
    let url = std::env::var("ACTIONS_ID_TOKEN_REQUEST_URL")
        .ok()
        .filter(|s| !s.is_empty());
    let bearer = std::env::var("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
        .ok()
        .filter(|s| !s.is_empty());
    if let (Some(url), Some(bearer)) = (url, bearer) {
        return sigil_gate::keyless::github_actions_token(&url, &bearer, opts).map_err(|e| {
            CliError::usage(CliError::chain(&e))
                .hint("the workflow job needs `permissions: id-token: write`")
        });
    }
    Err(CliError::usage("keyless signing needs an OIDC identity token").hint(TOKEN_SOURCES))
}

/// Reads the token and chooses services and trust; refuses (exit 2) what cannot work.
pub fn prepare(a: &KeylessArgs) -> Result<Prepared, CliError> {
    let opts = KeylessOptions {
        insecure_allow_http: a.insecure_allow_http,
        timeout: Duration::from_secs(a.timeout.max(1)),
        ..KeylessOptions::default()
    };
    let now = now();
    let services = match (&a.signing_config, a.staging) {
        (Some(p), _) => {
            let text = read_small(p, "signing config")?;
            sigil_sigstore::sign::config::select(text.as_bytes(), now).map_err(|e| {
                CliError::usage(format!("{}: {e}", p.display()))
                    .hint("pass a Sigstore SigningConfig v0.2 (media type application/vnd.dev.sigstore.signingconfig.v0.2+json)")
            })?
        }
        (None, true) => Services::staging(),
        (None, false) => Services::public_good(),
    };
    let root = match (&a.trusted_root, a.staging) {
        (Some(p), _) => TrustRoot::from_json(&read_small(p, "trusted root")?)
            .map_err(|e| CliError::usage(format!("{}: {}", p.display(), CliError::chain(&e))))?,
        (None, true) => TrustRoot::staging().map_err(|e| CliError::usage(CliError::chain(&e)))?,
        (None, false) => {
            TrustRoot::public_good().map_err(|e| CliError::usage(CliError::chain(&e)))?
        }
    };
    let raw = raw_token(a, &opts)?;
    let token = IdentityToken::parse(&raw, now).map_err(|e| {
        CliError::usage(e)
            .hint("get a fresh token with audience sigstore; ".to_owned() + TOKEN_SOURCES)
    })?;
    Ok(Prepared {
        token,
        services,
        root,
        opts,
        now,
    })
}

/// Signs every item in one session; any failure is exit 1 with the reason, and nothing is
/// returned. `what_for` names the artifacts in the message.
pub fn sign(p: &Prepared, what: &[ToSign<'_>], what_for: &str) -> Result<Vec<Signed>, CliError> {
    sigil_gate::keyless::sign_all(&p.opts, &p.services, &p.root, &p.token, what, p.now)
        .map_err(|e| failure(&e, what_for))
}

/// Exit 1 with the reason (human and `error.details.reason`); no token in it.
pub fn failure(e: &KeylessError, what_for: &str) -> CliError {
    let mut data = json!({ "reason": e.reason(), "file": what_for });
    if let KeylessError::Service { service, source } = e {
        data["service"] = json!(service.as_str());
        data["url"] = json!(source.url);
        data["status"] = json!(source.status);
    }
    CliError::not_verified(format!(
        "{what_for}: keyless signing failed, no bundle written: {}",
        CliError::chain(e)
    ))
    .data(data)
}

/// `FILE.sigstore.json`.
pub fn bundle_path(file: &Path) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(".sigstore.json");
    PathBuf::from(s)
}

/// Refuses an existing output without `force`.
pub fn refuse_existing(path: &Path, force: bool) -> Result<(), CliError> {
    if !force && std::fs::symlink_metadata(path).is_ok() {
        return Err(CliError::usage(format!(
            "{}: bundle exists; nothing was signed and it is unchanged",
            path.display()
        ))
        .hint("pass --force to overwrite it"));
    }
    Ok(())
}

/// Writes a bundle (mode 0644, atomically; replaces only with `force`).
pub fn write(path: &Path, bytes: &[u8], force: bool) -> Result<(), CliError> {
    sigil_keys::write_new_file(path, bytes, 0o644, force).map_err(super::key_file_error)
}

/// JSON and human lines for one signed bundle.
pub fn describe(file: &Path, bundle: &Path, s: &Signed) -> (serde_json::Value, Vec<String>) {
    (
        json!({
            "file": file,
            "bundle": bundle,
            "identity": s.identity,
            "issuer": s.issuer,
            "log_indexes": s.log_indexes,
            "timestamps": s.timestamps,
        }),
        vec![
            format!(
                "signed {} -> {} (keyless)",
                file.display(),
                bundle.display()
            ),
            format!("identity: {}", s.identity),
            format!("issuer: {}", s.issuer),
            format!(
                "log index: {}",
                s.log_indexes
                    .iter()
                    .map(u64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ],
    )
}

/// Identity flags for verifying a keyless bundle beside a list (`sums verify`), as
/// `verify --bundle` takes them.
#[derive(Debug, Clone, clap::Args)]
pub struct IdentityArgs {
    /// Sigstore bundle of the list (default LIST.sigstore.json when identity flags are given).
    #[arg(long, value_name = "BUNDLE")]
    pub bundle: Option<PathBuf>,
    /// Expected certificate identity (SAN), exactly.
    #[arg(
        long,
        value_name = "ID",
        conflicts_with = "certificate_identity_regexp"
    )]
    pub certificate_identity: Option<String>,
    /// Expected certificate identity, as a regular expression (anchor it with ^...$).
    #[arg(long, value_name = "RE")]
    pub certificate_identity_regexp: Option<String>,
    /// Expected OIDC issuer, exactly.
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "certificate_oidc_issuer_regexp"
    )]
    pub certificate_oidc_issuer: Option<String>,
    /// Expected OIDC issuer, as a regular expression.
    #[arg(long, value_name = "RE")]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// Sigstore trusted_root.json (default: the embedded public-good root).
    #[arg(long, value_name = "FILE", conflicts_with = "staging")]
    pub trusted_root: Option<PathBuf>,
    /// Use the embedded Sigstore staging trusted root.
    #[arg(long)]
    pub staging: bool,
}

impl IdentityArgs {
    /// Whether any identity flag was given.
    pub fn given(&self) -> bool {
        self.certificate_identity.is_some()
            || self.certificate_identity_regexp.is_some()
            || self.certificate_oidc_issuer.is_some()
            || self.certificate_oidc_issuer_regexp.is_some()
    }

    fn matcher(
        exact: &Option<String>,
        re: &Option<String>,
        flag: &str,
    ) -> Result<sigil_sigstore::Matcher, CliError> {
        match (exact, re) {
            (Some(e), _) => Ok(sigil_sigstore::Matcher::exact(e.clone())),
            (None, Some(r)) => {
                sigil_sigstore::Matcher::regex(r).map_err(|e| CliError::usage(CliError::chain(&e)))
            }
            (None, None) => Err(CliError::usage(format!(
                "a keyless bundle needs --{flag} or --{flag}-regexp"
            ))),
        }
    }

    /// Verifies the bundle at `bundle` over `bytes` (the list as read once) against the
    /// identity; exit 1 with `reason` when it does not verify.
    pub fn verify_bytes(
        &self,
        bundle: &Path,
        bytes: &[u8],
    ) -> Result<sigil_sigstore::Verified, CliError> {
        let policy = sigil_sigstore::SignerPolicy::Keyless {
            identity: Self::matcher(
                &self.certificate_identity,
                &self.certificate_identity_regexp,
                "certificate-identity",
            )?,
            issuer: Self::matcher(
                &self.certificate_oidc_issuer,
                &self.certificate_oidc_issuer_regexp,
                "certificate-oidc-issuer",
            )?,
        };
        let root = match (&self.trusted_root, self.staging) {
            (Some(p), _) => TrustRoot::from_json(&read_small(p, "trusted root")?).map_err(|e| {
                CliError::usage(format!("{}: {}", p.display(), CliError::chain(&e)))
            })?,
            (None, true) => {
                TrustRoot::staging().map_err(|e| CliError::usage(CliError::chain(&e)))?
            }
            (None, false) => {
                TrustRoot::public_good().map_err(|e| CliError::usage(CliError::chain(&e)))?
            }
        };
        let raw = super::read_text(bundle, sigil_sigstore::MAX_BUNDLE_FILE as u64, "bundle")?;
        let b = sigil_sigstore::Bundle::parse(raw.as_bytes()).map_err(|e| {
            CliError::not_verified(format!("{}: {}", bundle.display(), CliError::chain(&e)))
                .data(json!({ "bundle": bundle, "reason": "bundle-malformed" }))
        })?;
        sigil_sigstore::verify(&root, &b, sigil_sigstore::Artifact::Bytes(bytes), &policy).map_err(
            |e| {
                let reason = match &e {
                    sigil_sigstore::BundleVerifyError::IdentityMismatch { .. } => {
                        "identity-mismatch"
                    }
                    sigil_sigstore::BundleVerifyError::IssuerMismatch { .. } => "issuer-mismatch",
                    sigil_sigstore::BundleVerifyError::ArtifactMismatch(_) => "artifact-mismatch",
                    sigil_sigstore::BundleVerifyError::SignatureInvalid(_) => "signature-invalid",
                    sigil_sigstore::BundleVerifyError::Certificate(_) => "certificate-rejected",
                    sigil_sigstore::BundleVerifyError::TransparencyLog(_) => "tlog-rejected",
                    sigil_sigstore::BundleVerifyError::Timestamp(_) => "timestamp-rejected",
                    _ => "bundle-rejected",
                };
                CliError::not_verified(format!("{}: {}", bundle.display(), CliError::chain(&e)))
                    .data(json!({ "bundle": bundle, "reason": reason }))
            },
        )
    }
}
