//! `sigil verify-attestation`: slsa-verifier-grade checks of in-toto attestations with keys or
//! keyless (Sigstore bundles); the verdict is sigil-gate's `verify_document`.

use std::path::{Path, PathBuf};

use sigil_attest::document::MAX_DOCUMENT_BYTES;
use sigil_attest::verify::TrustedKeys;
use sigil_gate::attest::AttestationTrust;
use sigil_gate::attest_report::{self, SignerFlags};
use sigil_sigstore::TrustRoot;

use crate::output::{Failure, Output, Report};

/// Largest trusted root or public key file read.
const MAX_TRUST_FILE: u64 = 8 * 1024 * 1024;

/// `sigil verify-attestation`.
#[derive(Debug, clap::Args)]
pub struct VerifyAttestationArgs {
    /// The artifact.
    #[arg(value_name = "SUBJECT")]
    subject: PathBuf,
    /// `.intoto.jsonl`, a DSSE envelope, a Sigstore bundle, `gh attestation download` JSON
    /// Lines, an npm attestations document, a cosign `--bundle` document, or a PEP 740
    /// attestation (`.publish.attestation`) or provenance (`.provenance`) object.
    #[arg(long, value_name = "FILE")]
    attestation: PathBuf,
    /// Trusted public key (minisign or PEM); repeat to trust several.
    #[arg(long = "key", short = 'k', value_name = "PUB")]
    keys: Vec<PathBuf>,
    /// Sigstore trusted_root.json for keyless bundles (default: the embedded public-good root).
    #[arg(long, value_name = "FILE")]
    trusted_root: Option<PathBuf>,
    /// Expected certificate identity (SAN), exactly.
    #[arg(
        long,
        value_name = "ID",
        conflicts_with = "certificate_identity_regexp"
    )]
    certificate_identity: Option<String>,
    /// Expected certificate identity, as a regular expression.
    #[arg(long, value_name = "RE")]
    certificate_identity_regexp: Option<String>,
    /// Expected OIDC issuer (default https://token.actions.githubusercontent.com; alias
    /// --cert-oidc-issuer).
    #[arg(long, alias = "cert-oidc-issuer", value_name = "URL")]
    certificate_oidc_issuer: Option<String>,
    /// Use the embedded Sigstore staging trusted root.
    #[arg(long, conflicts_with = "trusted_root")]
    staging: bool,
    #[command(flatten)]
    publisher: super::publisher::PublisherArgs,
    /// Expected predicate type.
    #[arg(long, value_name = "URI")]
    predicate_type: Option<String>,
    /// Expected builder id: exact, or without `@ref` to accept any ref.
    #[arg(long, value_name = "URI")]
    builder_id: Option<String>,
    /// Expected source repository (e.g. github.com/org/repo).
    #[arg(long, value_name = "URI")]
    source_uri: Option<String>,
    /// Expected source ref (refs/tags/v1.2.3, or a short tag/branch name); with the publisher
    /// flags, the certificate's Source Repository Ref exactly.
    #[arg(long, value_name = "REF")]
    source_ref: Option<String>,
}

/// A trust file's text; one that cannot be read is a usage error.
fn read_trust_file(path: &Path, what: &str) -> Result<String, Failure> {
    super::read_text(path, MAX_TRUST_FILE, what).map_err(|e| Failure::usage(e.message))
}

fn trust_root(path: Option<&Path>, staging: bool) -> Result<TrustRoot, Failure> {
    let text = path
        .map(|p| read_trust_file(p, "trusted root"))
        .transpose()?;
    let file = path.zip(text.as_deref());
    match attest_report::named_root(staging, file)? {
        Some(root) => Ok(root),
        // The freshest root `sigil trust update` cached, else the embedded one (no network).
        None => super::trust::default_root(sigil_tuf::trust::Instance::PublicGood),
    }
}

/// Runs `sigil verify-attestation`.
pub fn run_verify(out: &Output, a: VerifyAttestationArgs) -> Result<Report, Failure> {
    let flags = SignerFlags {
        keys: !a.keys.is_empty(),
        identity: a.certificate_identity,
        identity_regexp: a.certificate_identity_regexp,
        issuer: a.certificate_oidc_issuer,
        publisher: a.publisher.claims(None, None),
        predicate_type: a.predicate_type,
        builder_id: a.builder_id,
        source_uri: a.source_uri,
        source_ref: a.source_ref,
    };
    flags.check()?;
    let mut keys = TrustedKeys::default();
    for p in &a.keys {
        attest_report::add_key(&mut keys, p, &read_trust_file(p, "public key")?)?;
    }
    let root = match !flags.keys || !keys.managed.is_empty() {
        true => Some(trust_root(a.trusted_root.as_deref(), a.staging)?),
        false => None,
    };
    let policy = flags.keyless_policy()?;
    let digests = super::attest::hash_file(out, &a.subject)?;
    let text = super::read_text(&a.attestation, MAX_DOCUMENT_BYTES as u64, "attestation")?;
    let trust = AttestationTrust {
        keys: &keys.ed25519,
        managed: &keys.managed,
        root: root.as_ref(),
        keyless: policy.as_ref(),
    };
    attest_report::verify_attestation(&a.subject, &a.attestation, &text, &trust, &digests, &flags)
}
