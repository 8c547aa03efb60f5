//! `sigil verify --bundle`: a file (or `sha256:<hex>` digest) against a Sigstore bundle, offline.
//!
//! Keyless with `--certificate-identity[-regexp]` and `--certificate-oidc-issuer[-regexp]`
//! (cosign's flags), or managed key with `--key PEM`. Trust comes from `--trusted-root`, the
//! embedded staging root (`--staging`) or the embedded public-good root.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sigil_core::{Sha256Digest, Sha512Digest};
use sigil_sigstore::{
    Artifact, Bundle, BundleSigner, BundleVerifyError, Content, Matcher, PublicKey, SignerKind,
    SignerPolicy, TrustRoot, Verified,
};

use crate::output::{CliError, Output, Report};

/// Largest trusted root or public key file read.
const MAX_TRUST_FILE: u64 = 8 * 1024 * 1024;

/// What `sigil verify --bundle` was asked.
#[derive(Debug)]
pub struct BundleRequest {
    /// The bundle file (one bundle, JSON Lines of bundles, or an npm attestations document).
    pub bundle: PathBuf,
    /// `--trusted-root`.
    pub trusted_root: Option<PathBuf>,
    /// `--staging`.
    pub staging: bool,
    /// `--key`: a PEM public key for a managed-key bundle.
    pub key: Option<PathBuf>,
    /// `--certificate-identity`.
    pub identity: Option<String>,
    /// `--certificate-identity-regexp`.
    pub identity_regexp: Option<String>,
    /// `--certificate-oidc-issuer`.
    pub issuer: Option<String>,
    /// `--certificate-oidc-issuer-regexp`.
    pub issuer_regexp: Option<String>,
    /// FILE: a path, or `sha256:<hex>` / `sha512:<hex>`.
    pub file: PathBuf,
    /// `--source-ref`: the certificate's Source Repository Ref.
    pub source_ref: Option<String>,
    /// `--owner`, `--repo`, `--signer-*`, `--source-digest`, `--deny-self-hosted-runners`.
    pub publisher: super::publisher::PublisherArgs,
}

enum Subject {
    Path(PathBuf),
    Sha256(Sha256Digest),
    Sha512(Sha512Digest),
}

fn subject(file: &Path) -> Result<Subject, CliError> {
    let s = file.to_string_lossy();
    let bad = |alg: &str| {
        CliError::usage(format!("{s}: not a {alg} digest")).hint(format!(
            "write {alg}:<hex> with the full lower-case hex digest"
        ))
    };
    if let Some(hex) = s.strip_prefix("sha256:") {
        return Sha256Digest::from_hex(hex)
            .map(Subject::Sha256)
            .map_err(|_| bad("sha256"));
    }
    if let Some(hex) = s.strip_prefix("sha512:") {
        return Sha512Digest::from_hex(hex)
            .map(Subject::Sha512)
            .map_err(|_| bad("sha512"));
    }
    Ok(Subject::Path(file.to_owned()))
}

fn matcher(
    exact: Option<String>,
    regexp: Option<String>,
    what: &str,
    flag: &str,
) -> Result<Matcher, CliError> {
    match (exact, regexp) {
        (Some(e), None) => Ok(Matcher::exact(e)),
        (None, Some(r)) => Matcher::regex(&r).map_err(|e| CliError::usage(CliError::chain(&e))),
        (None, None) => Err(
            CliError::usage(format!("a keyless bundle needs the expected {what}")).hint(format!(
                "pass --{flag} or --{flag}-regexp (or --key PEM for a managed-key bundle)"
            )),
        ),
        (Some(_), Some(_)) => Err(CliError::usage(format!(
            "--{flag} and --{flag}-regexp are exclusive"
        ))),
    }
}

fn policy(r: &mut BundleRequest) -> Result<SignerPolicy, CliError> {
    if let Some(key) = &r.key {
        if r.publisher.any(r.source_ref.as_ref()) {
            return Err(CliError::usage(
                "--key and the publisher flags are exclusive",
            ));
        }
        if r.identity.is_some()
            || r.identity_regexp.is_some()
            || r.issuer.is_some()
            || r.issuer_regexp.is_some()
        {
            return Err(
                CliError::usage("--key and the --certificate-* flags are exclusive").hint(
                    "use --key for a managed-key bundle, the identity flags for a keyless one",
                ),
            );
        }
        let pem = super::read_text(key, MAX_TRUST_FILE, "public key")
            .map_err(|e| CliError::usage(e.message))?;
        return PublicKey::from_pem(&pem).map(SignerPolicy::PublicKey).map_err(|e| {
            CliError::usage(format!("{}: {}", key.display(), CliError::chain(&e)))
                .hint("a Sigstore managed key is a PEM `PUBLIC KEY` (SPKI), as `cosign public-key` writes")
        });
    }
    if r.publisher.any(r.source_ref.as_ref()) {
        let optional = |e: Option<String>, re: Option<String>, what, flag| {
            if e.is_none() && re.is_none() {
                Ok(None)
            } else {
                matcher(e, re, what, flag).map(Some)
            }
        };
        let identity = optional(
            r.identity.take(),
            r.identity_regexp.take(),
            "certificate identity",
            "certificate-identity",
        )?;
        let issuer = optional(
            r.issuer.take(),
            r.issuer_regexp.take(),
            "oidc issuer",
            "certificate-oidc-issuer",
        )?;
        let p = r.publisher.policy(identity, issuer, r.source_ref.take())?;
        return Ok(SignerPolicy::Publisher(Box::new(p)));
    }
    Ok(SignerPolicy::Keyless {
        identity: matcher(
            r.identity.take(),
            r.identity_regexp.take(),
            "certificate identity",
            "certificate-identity",
        )?,
        issuer: matcher(
            r.issuer.take(),
            r.issuer_regexp.take(),
            "oidc issuer",
            "certificate-oidc-issuer",
        )?,
    })
}

fn trust_root(r: &BundleRequest) -> Result<TrustRoot, CliError> {
    let root = match (&r.trusted_root, r.staging) {
        (Some(_), true) => {
            return Err(CliError::usage(
                "--trusted-root and --staging are exclusive",
            ))
        }
        (Some(p), false) => {
            let text =
                super::read_text(p, MAX_TRUST_FILE, "trusted root").map_err(|e| match e.kind {
                    crate::output::ErrorKind::NotVerified => CliError::usage(e.message),
                    _ => e,
                })?;
            TrustRoot::from_json(&text)
                .map_err(|e| CliError::usage(format!("{}: {}", p.display(), CliError::chain(&e))))
        }
        // The freshest root `sigil trust update` cached, else the embedded one (no network).
        (None, true) => super::trust::default_root(sigil_tuf::trust::Instance::Staging),
        (None, false) => super::trust::default_root(sigil_tuf::trust::Instance::PublicGood),
    };
    root.map_err(|e| e.hint("pass a Sigstore trusted_root.json (media type application/vnd.dev.sigstore.trustedroot+json;version=0.1)"))
}

fn read_bundles(path: &Path) -> Result<Vec<Bundle>, CliError> {
    let (f, _) = super::open_input(path)?;
    let mut bytes = Vec::new();
    f.take(sigil_sigstore::MAX_BUNDLE_FILE as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::io(format!("{}: {}", path.display(), super::io_reason(&e))))?;
    sigil_sigstore::parse_bundles(&bytes).map_err(|e| {
        CliError::not_verified(format!("{}: {}", path.display(), CliError::chain(&e)))
            .data(json!({ "bundle": path, "reason": "bundle-malformed" }))
    })
}

/// A stable kebab-case code for each reason a bundle is not verified.
fn reason(e: &BundleVerifyError) -> &'static str {
    match e {
        BundleVerifyError::IdentityMismatch { .. } => "identity-mismatch",
        BundleVerifyError::IssuerMismatch { .. } => "issuer-mismatch",
        BundleVerifyError::IssuerConflict { .. } => "issuer-conflict",
        BundleVerifyError::ClaimMismatch(_) => "claim-mismatch",
        BundleVerifyError::WrongSignerKind { .. } => "wrong-signer-kind",
        BundleVerifyError::NotDsse => "not-dsse",
        BundleVerifyError::ArtifactMismatch(_) => "artifact-mismatch",
        BundleVerifyError::SignatureInvalid(_) => "signature-invalid",
        BundleVerifyError::Certificate(_) => "certificate-rejected",
        BundleVerifyError::TransparencyLog(_) => "tlog-rejected",
        BundleVerifyError::Timestamp(_) => "timestamp-rejected",
        BundleVerifyError::Read(_) => "read-error",
        _ => "bundle-rejected",
    }
}

fn verify_one(
    root: &TrustRoot,
    bundle: &Bundle,
    subject: &Subject,
    policy: &SignerPolicy,
) -> Result<Verified, BundleVerifyError> {
    match subject {
        Subject::Sha256(d) => sigil_sigstore::verify(root, bundle, Artifact::Sha256(*d), policy),
        Subject::Sha512(d) => sigil_sigstore::verify(root, bundle, Artifact::Sha512(*d), policy),
        Subject::Path(p) => {
            let (mut f, _) = sigil_core::input::open(p).map_err(BundleVerifyError::Read)?;
            sigil_sigstore::verify(root, bundle, Artifact::Reader(&mut f), policy)
        }
    }
}

fn kind_word(k: SignerKind) -> &'static str {
    match k {
        SignerKind::PublicKey => "managed-key",
        _ => "keyless",
    }
}

/// Runs `sigil verify --bundle`.
pub fn run(_out: &Output, mut r: BundleRequest) -> Result<Report, CliError> {
    let subject = subject(&r.file)?;
    if let Subject::Path(p) = &subject {
        super::open_input(p)?;
    }
    let policy = policy(&mut r)?;
    let root = trust_root(&r)?;
    let bundles = read_bundles(&r.bundle)?;
    let want = match policy {
        SignerPolicy::PublicKey(_) => SignerKind::PublicKey,
        _ => SignerKind::Certificate,
    };
    let candidates: Vec<&Bundle> = bundles.iter().filter(|b| b.signer_kind() == want).collect();
    if candidates.is_empty() {
        let other = if want == SignerKind::PublicKey {
            SignerKind::Certificate
        } else {
            SignerKind::PublicKey
        };
        let hint = if want == SignerKind::PublicKey {
            "verify it with --certificate-identity and --certificate-oidc-issuer"
        } else {
            "verify it with --key PEM"
        };
        return Err(CliError::not_verified(format!(
            "{}: no {} bundle to verify (the bundle is {})",
            r.bundle.display(),
            kind_word(want),
            kind_word(other)
        ))
        .hint(hint)
        .data(json!({ "file": r.file, "bundle": r.bundle, "reason": "wrong-signer-kind" })));
    }
    let mut first_err = None;
    let mut found = None;
    for (i, b) in candidates.iter().enumerate() {
        match verify_one(&root, b, &subject, &policy) {
            Ok(v) => {
                found = Some((i, *b, v));
                break;
            }
            Err(BundleVerifyError::Read(e)) => {
                return Err(CliError::io(format!(
                    "{}: {}",
                    r.file.display(),
                    super::io_reason(&e)
                )));
            }
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    let Some((_, bundle, v)) = found else {
        // There was at least one candidate, so at least one error.
        let e = first_err.unwrap_or(BundleVerifyError::NotDsse);
        let mut data = json!({ "file": r.file, "bundle": r.bundle, "reason": reason(&e) });
        match &e {
            BundleVerifyError::IdentityMismatch { expected, actual }
            | BundleVerifyError::IssuerMismatch { expected, actual } => {
                data["expected"] = json!(expected);
                data["actual"] = json!(actual);
            }
            BundleVerifyError::ClaimMismatch(m) => {
                data["claim"] = json!(m.claim);
                data["expected"] = json!(m.expected);
                data["actual"] = json!(m.actual);
            }
            _ => {}
        }
        return Err(CliError::not_verified(format!(
            "{}: {}",
            r.bundle.display(),
            CliError::chain(&e)
        ))
        .data(data));
    };
    Ok(report(&r, &root, bundle, &v))
}

fn time_json(t: &Option<sigil_sigstore::Time>) -> Value {
    t.as_ref().map_or(Value::Null, |t| json!(t.rfc3339))
}

fn report(r: &BundleRequest, root: &TrustRoot, bundle: &Bundle, v: &Verified) -> Report {
    let (signer, identity_lines) = match &v.signer {
        BundleSigner::Certificate {
            identity,
            issuer,
            not_before,
            not_after,
            claims,
        } => {
            let claims_json: serde_json::Map<String, Value> = claims
                .pairs()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), json!(v)))
                .collect();
            (
                json!({
                    "kind": "keyless",
                    "identity": identity,
                    "issuer": issuer,
                    "not_before": not_before.rfc3339,
                    "not_after": not_after.rfc3339,
                    "claims": claims_json,
                    "publisher": v.publisher.as_deref().map(super::publisher::facts_json),
                }),
                vec![format!("identity: {identity}"), format!("issuer: {issuer}")],
            )
        }
        _ => (
            json!({ "kind": "managed-key", "key": r.key }),
            vec!["signer: managed key".to_owned()],
        ),
    };
    let (content, payload_type) = match &v.content {
        Content::Dsse { payload_type, .. } => ("dsse", Some(payload_type.as_str())),
        _ => ("message-signature", None),
    };
    let entries: Vec<Value> = v
        .log_entries
        .iter()
        .map(|e| json!({ "log_index": e.log_index, "log_id": e.log_id, "kind": e.kind, "integrated_time": time_json(&e.integrated_time) }))
        .collect();
    let mut rep = Report::ok(
        "verified",
        json!({
            "file": r.file,
            "bundle": r.bundle,
            "media_type": v.media_type,
            "trusted_root": r.trusted_root.as_ref().map_or_else(|| json!(root.source().as_str()), |p| json!(p)),
            "content": content,
            "payload_type": payload_type,
            "predicate_type": bundle.listed_predicate_type(),
            "signer": signer,
            "log_index": v.log_entries.first().map(|e| e.log_index),
            "integrated_time": time_json(&v.integrated_time),
            "log_entries": entries,
            "verified_times": v.verified_times.iter().map(|t| t.rfc3339.clone()).collect::<Vec<_>>(),
        }),
    )
    .line(format!("verified {} with Sigstore bundle {} ({content})", r.file.display(), r.bundle.display()));
    for l in identity_lines {
        rep = rep.line(l);
    }
    for e in &v.log_entries {
        rep = rep.line(format!("log index: {} ({})", e.log_index, e.kind));
    }
    rep = match &v.integrated_time {
        Some(t) => rep.line(format!("integrated time: {}", t.rfc3339)),
        None => match v.verified_times.first() {
            Some(t) => rep.line(format!("signed at: {} (timestamp authority)", t.rfc3339)),
            None => rep,
        },
    };
    // The publisher the certificate names (its Fulcio extensions).
    if let Some(f) = v.publisher.as_deref() {
        for (k, val) in f.pairs() {
            if matches!(k, "repository" | "ref" | "digest" | "runner-environment") {
                rep = rep.line(format!("{k}: {val}"));
            }
        }
    }
    rep
}
