//! `sigil verify-attestation`: slsa-verifier-grade checks of in-toto attestations with keys or
//! keyless (Sigstore bundles); the verdict is sigil-gate's `verify_document`.

use std::path::{Path, PathBuf};

use sigil_attest::document::MAX_DOCUMENT_BYTES;
use sigil_gate::attest::AttestationTrust;
use sigil_gate::attest_report::{self, SignerFlags, MAX_TRUST_FILE_BYTES};

use crate::output::{Failure, Output, Report};

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
    let read = |p: &Path, what: &str| {
        super::read_text(p, MAX_TRUST_FILE_BYTES, what).map_err(|e| Failure::usage(e.message))
    };
    // The freshest root `sigil trust update` cached, else the embedded one (no network).
    let default_root = || super::trust::default_root(sigil_tuf::trust::Instance::PublicGood);
    let root_file = a.trusted_root.as_deref();
    let (keys, root) =
        attest_report::load_trust(&a.keys, root_file, a.staging, read, default_root)?;
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
