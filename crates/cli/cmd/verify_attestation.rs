//! `sigil verify-attestation`: slsa-verifier-grade checks of in-toto attestations with keys or
//! keyless (Sigstore bundles); the verdict is sigil-gate's `verify_document`.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sigil_attest::document::{self, MAX_DOCUMENT_BYTES};
use sigil_attest::verify::{Expectations, TrustedKeys, GITHUB_ACTIONS_ISSUER};
use sigil_gate::attest::{verify_document, AttestationTrust, MALFORMED};
use sigil_sigstore::{Matcher, SignerPolicy, TrustRoot};

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

fn load_keys(paths: &[PathBuf]) -> Result<TrustedKeys, Failure> {
    let mut keys = TrustedKeys::default();
    for p in paths {
        let text = super::read_text(p, MAX_TRUST_FILE, "public key")
            .map_err(|e| Failure::usage(e.message))?;
        keys.add(&text).map_err(|e| {
            Failure::usage(format!("{}: {e}", p.display()))
                .hint("pass a minisign public key or a PEM `PUBLIC KEY`")
        })?;
    }
    Ok(keys)
}

fn trust_root(path: Option<&Path>, staging: bool) -> Result<TrustRoot, Failure> {
    let hint = "pass a Sigstore trusted_root.json (media type application/vnd.dev.sigstore.trustedroot+json;version=0.1)";
    if staging {
        return TrustRoot::staging().map_err(|e| Failure::usage(Failure::chain(&e)).hint(hint));
    }
    match path {
        Some(p) => {
            let text = super::read_text(p, MAX_TRUST_FILE, "trusted root")
                .map_err(|e| Failure::usage(e.message))?;
            TrustRoot::from_json(&text).map_err(|e| {
                Failure::usage(format!("{}: {}", p.display(), Failure::chain(&e))).hint(hint)
            })
        }
        // The freshest root `sigil trust update` cached, else the embedded one (no network).
        None => super::trust::default_root(sigil_tuf::trust::Instance::PublicGood),
    }
}

/// The keyless policy the flags ask for.
fn keyless_policy(
    a: &VerifyAttestationArgs,
    publisher_mode: bool,
) -> Result<SignerPolicy, Failure> {
    let bad = |e: &dyn std::error::Error| Failure::usage(Failure::chain(e));
    let identity = match (&a.certificate_identity, &a.certificate_identity_regexp) {
        (Some(i), _) => Matcher::exact(i.clone()),
        (None, Some(re)) => Matcher::regex(re).map_err(|e| bad(&e))?,
        // Bound by the verification: the certificate identity must be the trusted builder.
        (None, None) => Matcher::regex("").map_err(|e| bad(&e))?,
    };
    let issuer = a
        .certificate_oidc_issuer
        .clone()
        .unwrap_or_else(|| GITHUB_ACTIONS_ISSUER.to_owned());
    let issuer = Matcher::exact(issuer);
    if !publisher_mode {
        return Ok(SignerPolicy::Keyless { identity, issuer });
    }
    let given = a.certificate_identity.is_some() || a.certificate_identity_regexp.is_some();
    let p = a.publisher.policy(
        given.then_some(identity),
        Some(issuer),
        a.source_ref.clone(),
    )?;
    Ok(SignerPolicy::Publisher(Box::new(p)))
}

/// Runs `sigil verify-attestation`.
pub fn run_verify(out: &Output, a: VerifyAttestationArgs) -> Result<Report, Failure> {
    let keyless = a.keys.is_empty();
    // `--source-ref` alone keeps its provenance meaning; with a publisher flag it is the
    // certificate's ref too.
    let publisher_mode = a.publisher.any(None);
    let identity_given = a.certificate_identity.is_some()
        || a.certificate_identity_regexp.is_some()
        || a.publisher.names_signer();
    if !keyless && (identity_given || a.certificate_oidc_issuer.is_some() || publisher_mode) {
        return Err(
            Failure::usage("--key and the --certificate-* flags are exclusive").hint(
                "use --key for key-signed attestations, the certificate flags for Sigstore bundles",
            ),
        );
    }
    if keyless && !identity_given && (a.builder_id.is_none() || a.source_uri.is_none()) {
        return Err(Failure::usage("keyless verification needs a trusted identity").hint(
            "pass --certificate-identity (or --certificate-identity-regexp), or --builder-id with --source-uri; or --key PUB",
        ));
    }
    let keys = load_keys(&a.keys)?;
    let root = match keyless || !keys.managed.is_empty() {
        true => Some(trust_root(a.trusted_root.as_deref(), a.staging)?),
        false => None,
    };
    let policy = keyless
        .then(|| keyless_policy(&a, publisher_mode))
        .transpose()?;

    let digests = super::attest::hash_file(out, &a.subject)?;
    let text = super::read_text(&a.attestation, MAX_DOCUMENT_BYTES as u64, "attestation")?;
    if let (Some(root), Some(policy)) = (&root, &policy) {
        if let Some(atts) = super::pep740::read(&a.attestation, &text)? {
            // PEP 740 has no provenance builder to bind an unnamed signer to: the signer
            // must be named.
            if !identity_given {
                return Err(Failure::usage("a PEP 740 attestation needs its signer named").hint(
                    "pass --repo OWNER/REPO (with --signer-workflow), --owner, or --certificate-identity",
                ));
            }
            let t = a.predicate_type.as_deref();
            return super::pep740::run(&a.subject, &a.attestation, atts, root, policy, &digests, t);
        }
    }
    let items = document::read(&text).map_err(|e| {
        Failure::not_verified(format!(
            "{}: {}",
            a.attestation.display(),
            Failure::chain(&e)
        ))
        .data(json!({ "attestation": a.attestation, "reason": MALFORMED }))
    })?;
    let exp = Expectations {
        predicate_type: a.predicate_type.clone(),
        builder_id: a.builder_id.clone(),
        source_uri: a.source_uri.clone(),
        // With the publisher flags the ref is the certificate's (checked in the policy).
        source_ref: a.source_ref.clone().filter(|_| !publisher_mode),
        certificate_policy: a.publisher.names_signer(),
    };
    let trust = AttestationTrust {
        keys: &keys.ed25519,
        managed: &keys.managed,
        root: root.as_ref(),
        keyless: policy.as_ref(),
    };
    let v = verify_document(items, &trust, &digests, &exp);
    let (subject, attestation) = (
        a.subject.display().to_string(),
        a.attestation.display().to_string(),
    );
    let rejected: Vec<Value> = v.rejected.iter().map(|r| r.to_json()).collect();
    if v.accepted.is_empty() {
        let message = v.refusal_message(&attestation);
        // A flag the verification needs and did not get is a usage error (exit 2), whether
        // that shows before reading the attestation (no identity at all) or only once its
        // signer turns out to delegate to a builder (`--builder-id` missing).
        let err = if v.needs_builder_id() {
            Failure::usage(message).hint(
                "pass --builder-id with the builder the provenance must name (and --source-uri)",
            )
        } else {
            Failure::not_verified(message)
        };
        let data = json!({ "subject": a.subject, "attestation": a.attestation, "reason": v.reason(), "rejected": rejected });
        return Err(err.data(data));
    }
    let mut report = Report::ok("verified", Value::Null);
    report.human = v.lines(&subject, &attestation, &digests);
    report.data = json!({
        "subject": { "file": a.subject, "sha256": digests.sha256.to_hex(), "sha512": digests.sha512.to_hex() },
        "attestation": a.attestation,
        "verified": v.accepted.iter().map(|acc| acc.to_json()).collect::<Vec<_>>(),
        "rejected": rejected,
    });
    Ok(report)
}
