//! Keyless signing glue shared by `sign --keyless`, `attest --keyless` and `pack sign
//! --keyless`: token sources, service and trust selection, error mapping. The protocol and its
//! checks are in `sigil_sigstore::sign`, the transport in `sigil_gate::keyless`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use sigil_gate::keyless::{self, IdentityFlags, KeylessOptions, Prepared};
use sigil_sigstore::report::{bundle_refused, keyless_failure};
use sigil_sigstore::sign::{Signed, ToSign};
use sigil_sigstore::{SignerPolicy, TrustRoot};

use crate::output::Failure;

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

/// Reads the token and chooses services and trust (`sigil_gate::keyless::prepare`); refuses
/// (exit 2) what cannot work.
pub fn prepare(a: &KeylessArgs) -> Result<Prepared, Failure> {
    let opts = KeylessOptions {
        insecure_allow_http: a.insecure_allow_http,
        timeout: Duration::from_secs(a.timeout.max(1)),
        ..KeylessOptions::default()
    };
    let req = keyless::SetupRequest {
        identity_token: a.identity_token.as_deref(),
        signing_config: a.signing_config.as_deref(),
        trusted_root: a.trusted_root.as_deref(),
        staging: a.staging,
        opts,
    };
    Ok(keyless::prepare(&req, &|k| std::env::var(k).ok())?)
}

/// Signs every item in one session; any failure is exit 1 with the reason, and nothing is
/// returned. `what_for` names the artifacts in the message.
pub fn sign(p: &Prepared, what: &[ToSign<'_>], what_for: &str) -> Result<Vec<Signed>, Failure> {
    p.sign(what).map_err(|e| keyless_failure(&e, what_for))
}

/// `FILE.sigstore.json`.
pub fn bundle_path(file: &Path) -> PathBuf {
    let mut s = file.as_os_str().to_owned();
    s.push(".sigstore.json");
    PathBuf::from(s)
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
    fn flags(&self) -> IdentityFlags<'_> {
        IdentityFlags {
            identity: self.certificate_identity.as_deref(),
            identity_regexp: self.certificate_identity_regexp.as_deref(),
            issuer: self.certificate_oidc_issuer.as_deref(),
            issuer_regexp: self.certificate_oidc_issuer_regexp.as_deref(),
            or_managed_key: false,
        }
    }

    /// Whether any identity flag was given.
    pub fn given(&self) -> bool {
        self.flags().given()
    }

    /// The trusted root and identity policy these flags name.
    pub fn trust(&self) -> Result<(TrustRoot, SignerPolicy), Failure> {
        let policy = self.flags().keyless_policy()?;
        Ok((
            keyless::trust_root(self.trusted_root.as_deref(), self.staging)?,
            policy,
        ))
    }

    /// Verifies the bundle at `bundle` over `bytes` (the list as read once) against the
    /// identity; exit 1 with `reason` when it does not verify.
    pub fn verify_bytes(
        &self,
        bundle: &Path,
        bytes: &[u8],
    ) -> Result<sigil_sigstore::Verified, Failure> {
        let (root, policy) = self.trust()?;
        let raw = super::read_text(bundle, sigil_sigstore::MAX_BUNDLE_FILE as u64, "bundle")?;
        let malformed = sigil_sigstore::BundleReason::BundleMalformed.code();
        let b = sigil_sigstore::Bundle::parse(raw.as_bytes())
            .map_err(|e| bundle_refused(bundle, &e, malformed))?;
        sigil_sigstore::verify(&root, &b, sigil_sigstore::Artifact::Bytes(bytes), &policy)
            .map_err(|e| bundle_refused(bundle, &e, e.reason().code()))
    }
}

/// `sigil pack sign --keyless` (`sigil_gate::keyless::Prepared::sign_pack`); the inner
/// `Err` is the pack's refusal, rendered by `pack sign` as for a key.
pub fn sign_pack(
    dir: &Path,
    opts: &sigil_pack::SignOptions<'_>,
    a: &KeylessArgs,
) -> Result<Result<sigil_pack::SignedPack, sigil_pack::SignError>, Failure> {
    match prepare(a)?.sign_pack(dir, opts) {
        Ok(s) => Ok(Ok(s)),
        Err(keyless::PackSignError::Pack(e)) => Ok(Err(e)),
        Err(keyless::PackSignError::Keyless(e)) => {
            Err(keyless_failure(&e, &dir.display().to_string()))
        }
        Err(e) => Err(Failure::io(Failure::chain(&e))),
    }
}

/// `sigil pack verify|check` with identity flags: the keyless bundle instead of a key. A
/// bundle that does not verify is exit 1 with `reason`; other failures are the pack's.
pub fn verify_pack(
    dir: &Path,
    id: &IdentityArgs,
    limits: &sigil_pack::Limits,
    allow: &sigil_scan::Allowlist,
) -> Result<Result<sigil_pack::VerifiedPack, sigil_pack::PackVerifyError>, Failure> {
    let (root, policy) = id.trust()?;
    let trust = sigil_pack::KeylessTrust {
        root: &root,
        policy: &policy,
    };
    match sigil_pack::verify_dir_keyless(dir, id.bundle.as_deref(), trust, limits, allow) {
        Err(sigil_pack::PackVerifyError::Keyless(e)) => {
            let bundle = id.bundle.clone();
            let bundle = bundle.unwrap_or(dir.join(sigil_pack::BUNDLE_PATH));
            Err(bundle_refused(&bundle, &e, e.reason().code()))
        }
        other => Ok(other),
    }
}
