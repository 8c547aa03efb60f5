//! `sigil verify --bundle` and `--bundle-dir`: files (or `sha256:<hex>` digests) against
//! Sigstore bundles, offline; many pairs in one call (`sigil_sigstore::batch`).
//!
//! Keyless with `--certificate-identity[-regexp]` and `--certificate-oidc-issuer[-regexp]`
//! (cosign's flags), or managed key with `--key PEM`. Trust comes from `--trusted-root`, the
//! embedded staging root (`--staging`) or the embedded public-good root.

use serde_json::json;
use sigil_gate::keyless::{self, IdentityFlags};
use sigil_sigstore::batch::{self, Subject};
use sigil_sigstore::report;
use sigil_sigstore::{PublicKey, SignerPolicy, TrustRoot};

use super::verify::VerifyArgs;
use crate::output::{Failure, Report};

/// Largest trusted root or public key file read.
const MAX_TRUST_FILE: u64 = 8 * 1024 * 1024;

/// The signer the flags ask for: a managed key (`--key PEM`), the publisher flags' policy, or
/// the identity and issuer ([`IdentityFlags`]).
fn policy(a: &VerifyArgs) -> Result<SignerPolicy, Failure> {
    let flags = IdentityFlags {
        identity: a.certificate_identity.as_deref(),
        identity_regexp: a.certificate_identity_regexp.as_deref(),
        issuer: a.certificate_oidc_issuer.as_deref(),
        issuer_regexp: a.certificate_oidc_issuer_regexp.as_deref(),
        or_managed_key: true,
    };
    let publisher = a.publisher.any(a.source_ref.as_ref());
    let (identity, issuer) = flags.matchers()?;
    if let Some(key) = &a.key {
        if publisher {
            return Err(Failure::usage(
                "--key and the publisher flags are exclusive",
            ));
        }
        if identity.is_some() || issuer.is_some() {
            return Err(
                Failure::usage("--key and the --certificate-* flags are exclusive").hint(
                    "use --key for a managed-key bundle, the identity flags for a keyless one",
                ),
            );
        }
        let pem = super::read_text(key, MAX_TRUST_FILE, "public key")
            .map_err(|e| Failure::usage(e.message))?;
        return PublicKey::from_pem(&pem).map(SignerPolicy::PublicKey).map_err(|e| {
            Failure::usage(format!("{}: {}", key.display(), Failure::chain(&e)))
                .hint("a Sigstore managed key is a PEM `PUBLIC KEY` (SPKI), as `cosign public-key` writes")
        });
    }
    if publisher {
        let p = a.publisher.policy(identity, issuer, a.source_ref.clone())?;
        return Ok(SignerPolicy::Publisher(Box::new(p)));
    }
    Ok(flags.keyless_policy()?)
}

/// `--trusted-root`, else the freshest root `sigil trust update` cached for the instance, else
/// the embedded one (no network).
fn trust_root(a: &VerifyArgs) -> Result<TrustRoot, Failure> {
    keyless::choose_root(a.trusted_root.as_deref(), a.staging, super::trust::default_root)
        .map_err(|e: Failure| e.hint("pass a Sigstore trusted_root.json (media type application/vnd.dev.sigstore.trustedroot+json;version=0.1)"))
}

/// Runs `sigil verify --bundle` (one pair) or the batch (several pairs, or --bundle-dir).
pub fn run(a: VerifyArgs) -> Result<Report, Failure> {
    let pairs = batch::pairs(&a.files, &a.bundle, a.bundle_dir.as_deref())?;
    let single = a.bundle_dir.is_none() && pairs.len() == 1;
    if let (true, Subject::Path(p)) = (single, &pairs[0].subject) {
        super::open_input(p)?;
    }
    let policy = policy(&a)?;
    let root = trust_root(&a)?;
    let root_name = a
        .trusted_root
        .as_ref()
        .map_or_else(|| json!(root.source().as_str()), |p| json!(p));
    let key = a.key.as_deref();
    if single {
        let pair = &pairs[0];
        super::open_input(&pair.bundle)?;
        let passed =
            batch::verify_pair(&root, pair, &policy).map_err(|e| report::pair_failure(pair, &e))?;
        return Ok(report::pair_verified(pair, &passed, key, root_name));
    }
    let results = batch::verify_many(&root, &pairs, &policy);
    Ok(report::pairs_checked(&pairs, &results, key, root_name))
}
