//! `sigil verify --bundle` and `--bundle-dir`: files (or `sha256:<hex>` digests) against
//! Sigstore bundles, offline; many pairs in one call (`sigil_sigstore::batch`).
//!
//! Keyless with `--certificate-identity[-regexp]` and `--certificate-oidc-issuer[-regexp]`
//! (cosign's flags), or managed key with `--key PEM`. Trust comes from `--trusted-root`, the
//! embedded staging root (`--staging`) or the embedded public-good root.

use serde_json::{json, Value};
use sigil_sigstore::batch::{self, Pair, PairError, Passed, Subject};
use sigil_sigstore::{
    BundleSigner, BundleVerifyError, Content, Matcher, PublicKey, SignerPolicy, TrustRoot,
};

use super::verify::VerifyArgs;
use crate::output::{Failure, Output, Report};
use sigil_core::report::FailureKind;

/// Largest trusted root or public key file read.
const MAX_TRUST_FILE: u64 = 8 * 1024 * 1024;

fn matcher(
    exact: Option<String>,
    re: Option<String>,
    flag: &str,
) -> Result<Option<Matcher>, Failure> {
    match (exact, re) {
        (Some(e), None) => Ok(Some(Matcher::exact(e))),
        (None, Some(r)) => Matcher::regex(&r)
            .map(Some)
            .map_err(|e| Failure::usage(Failure::chain(&e))),
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(Failure::usage(format!(
            "--{flag} and --{flag}-regexp are exclusive"
        ))),
    }
}

fn needed(m: Option<Matcher>, what: &str, flag: &str) -> Result<Matcher, Failure> {
    m.ok_or_else(|| {
        Failure::usage(format!("a keyless bundle needs the expected {what}")).hint(format!(
            "pass --{flag} or --{flag}-regexp (or --key PEM for a managed-key bundle)"
        ))
    })
}

fn policy(a: &mut VerifyArgs) -> Result<SignerPolicy, Failure> {
    let publisher = a.publisher.any(a.source_ref.as_ref());
    let identity = matcher(
        a.certificate_identity.take(),
        a.certificate_identity_regexp.take(),
        "certificate-identity",
    )?;
    let issuer = matcher(
        a.certificate_oidc_issuer.take(),
        a.certificate_oidc_issuer_regexp.take(),
        "certificate-oidc-issuer",
    )?;
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
        let p = a.publisher.policy(identity, issuer, a.source_ref.take())?;
        return Ok(SignerPolicy::Publisher(Box::new(p)));
    }
    let identity = needed(identity, "certificate identity", "certificate-identity")?;
    let issuer = needed(issuer, "oidc issuer", "certificate-oidc-issuer")?;
    Ok(SignerPolicy::Keyless { identity, issuer })
}

fn trust_root(a: &VerifyArgs) -> Result<TrustRoot, Failure> {
    let root = match (&a.trusted_root, a.staging) {
        (Some(_), true) => {
            return Err(Failure::usage("--trusted-root and --staging are exclusive"))
        }
        (Some(p), false) => {
            let text =
                super::read_text(p, MAX_TRUST_FILE, "trusted root").map_err(|e| match e.kind {
                    FailureKind::NotVerified => Failure::usage(e.message),
                    _ => e,
                })?;
            TrustRoot::from_json(&text)
                .map_err(|e| Failure::usage(format!("{}: {}", p.display(), Failure::chain(&e))))
        }
        // The freshest root `sigil trust update` cached, else the embedded one (no network).
        (None, true) => super::trust::default_root(sigil_tuf::trust::Instance::Staging),
        (None, false) => super::trust::default_root(sigil_tuf::trust::Instance::PublicGood),
    };
    root.map_err(|e| e.hint("pass a Sigstore trusted_root.json (media type application/vnd.dev.sigstore.trustedroot+json;version=0.1)"))
}

/// The pairs asked for: FILE/--bundle in order, or every `X.sigstore.json` of --bundle-dir.
fn pairs(a: &VerifyArgs) -> Result<Vec<Pair>, Failure> {
    if let Some(dir) = &a.bundle_dir {
        let pairs = batch::pairs_in_dir(dir)
            .map_err(|e| Failure::io(format!("{}: {}", dir.display(), super::io_reason(&e))))?;
        if pairs.is_empty() {
            return Err(Failure::usage(format!(
                "{}: no bundle (*{}) to verify",
                dir.display(),
                batch::BUNDLE_SUFFIX
            ))
            .hint("each bundle X.sigstore.json sits beside its artifact X"));
        }
        return Ok(pairs);
    }
    if a.files.len() != a.bundle.len() {
        return Err(Failure::usage(format!(
            "{} FILE for {} --bundle",
            a.files.len(),
            a.bundle.len()
        ))
        .hint("give one --bundle per FILE, in the same order"));
    }
    a.files
        .iter()
        .zip(&a.bundle)
        .map(|(f, b)| {
            let subject = Subject::parse(f).map_err(|e| {
                let alg = e.algorithm;
                Failure::usage(e).hint(format!(
                    "write {alg}:<hex> with the full lower-case hex digest"
                ))
            })?;
            Ok(Pair {
                subject,
                bundle: b.clone(),
            })
        })
        .collect()
}

/// Runs `sigil verify --bundle` (one pair) or the batch (several pairs, or --bundle-dir).
pub fn run(_out: &Output, mut a: VerifyArgs) -> Result<Report, Failure> {
    let pairs = pairs(&a)?;
    let single = a.bundle_dir.is_none() && pairs.len() == 1;
    if let (true, Subject::Path(p)) = (single, &pairs[0].subject) {
        super::open_input(p)?;
    }
    let policy = policy(&mut a)?;
    let root = trust_root(&a)?;
    let root_name = a
        .trusted_root
        .as_ref()
        .map_or_else(|| json!(root.source().as_str()), |p| json!(p));
    if single {
        let pair = &pairs[0];
        super::open_input(&pair.bundle)?;
        let passed = batch::verify_pair(&root, pair, &policy).map_err(|e| refused(pair, e))?;
        let mut data = verified_json(pair, &passed, &a);
        data["trusted_root"] = root_name;
        return Ok(lines(Report::ok("verified", data), pair, &passed.verified));
    }
    let results = batch::verify_many(&root, &pairs, &policy);
    let (mut items, mut human) = (Vec::new(), Vec::new());
    for (pair, r) in pairs.iter().zip(&results) {
        let (mut item, status) = match r {
            Ok(passed) => {
                human.push(format!("verified {}", pair.subject));
                (verified_json(pair, passed, &a), "verified")
            }
            Err(e) => {
                let why = format!("{}: {}", e.code(), Failure::chain(e));
                human.push(format!("not verified {}: {why}", pair.subject));
                let mut item = failure_json(pair, e);
                item["message"] = json!(Failure::chain(e));
                (item, "not-verified")
            }
        };
        item["status"] = json!(status);
        items.push(item);
    }
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let summary = format!(
        "{ok} of {} artifacts verified with Sigstore bundles",
        pairs.len()
    );
    let data = json!({ "trusted_root": root_name, "total": pairs.len(), "verified": ok, "not_verified": pairs.len() - ok, "artifacts": items });
    let mut rep = if ok == pairs.len() {
        Report::ok("verified", data)
    } else {
        Report::not_verified(data)
    };
    rep.human = human;
    rep.summary = Some(summary.clone());
    Ok(rep.line(summary))
}

/// A single pair's failure: I/O is exit 2, anything else exit 1 with its reason.
fn refused(pair: &Pair, e: PairError) -> Failure {
    let data = failure_json(pair, &e);
    match &e {
        PairError::Read { path, source } => {
            Failure::io(format!("{}: {}", path.display(), super::io_reason(source)))
        }
        PairError::NoCandidate { want, .. } => {
            Failure::not_verified(format!("{}: {e}", pair.bundle.display()))
                .data(data)
                .hint(match want {
                    sigil_sigstore::SignerKind::PublicKey => {
                        "verify it with --certificate-identity and --certificate-oidc-issuer"
                    }
                    _ => "verify it with --key PEM",
                })
        }
        _ => Failure::not_verified(format!("{}: {}", pair.bundle.display(), Failure::chain(&e)))
            .data(data),
    }
}

fn failure_json(pair: &Pair, e: &PairError) -> Value {
    let mut data =
        json!({ "file": pair.subject.to_string(), "bundle": pair.bundle, "reason": e.code() });
    match e {
        PairError::Verify(
            BundleVerifyError::IdentityMismatch { expected, actual }
            | BundleVerifyError::IssuerMismatch { expected, actual },
        ) => {
            data["expected"] = json!(expected);
            data["actual"] = json!(actual);
        }
        PairError::Verify(BundleVerifyError::ClaimMismatch(m)) => {
            data["claim"] = json!(m.claim);
            data["expected"] = json!(m.expected);
            data["actual"] = json!(m.actual);
        }
        _ => {}
    }
    data
}

fn time_json(t: Option<&sigil_sigstore::Time>) -> Value {
    t.map_or(Value::Null, |t| json!(t.rfc3339))
}

fn verified_json(pair: &Pair, passed: &Passed, a: &VerifyArgs) -> Value {
    let v = &passed.verified;
    let signer = match &v.signer {
        BundleSigner::Certificate {
            identity,
            issuer,
            not_before,
            not_after,
            claims,
        } => json!({
            "kind": "keyless",
            "identity": identity,
            "issuer": issuer,
            "not_before": not_before.rfc3339,
            "not_after": not_after.rfc3339,
            "claims": claims.pairs().into_iter().map(|(k, v)| (k.to_owned(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "publisher": v.publisher.as_deref().map(sigil_sigstore::PublisherFacts::to_json),
        }),
        _ => json!({ "kind": "managed-key", "key": a.key }),
    };
    let (content, payload_type) = match &v.content {
        Content::Dsse { payload_type, .. } => ("dsse", Some(payload_type.as_str())),
        _ => ("message-signature", None),
    };
    json!({
        "file": pair.subject.to_string(),
        "bundle": pair.bundle,
        "media_type": v.media_type,
        "content": content,
        "payload_type": payload_type,
        "predicate_type": passed.predicate_type,
        "signer": signer,
        "log_index": v.log_entries.first().map(|e| e.log_index),
        "integrated_time": time_json(v.integrated_time.as_ref()),
        "log_entries": v.log_entries.iter().map(|e| json!({ "log_index": e.log_index, "log_id": e.log_id, "kind": e.kind, "integrated_time": time_json(e.integrated_time.as_ref()) })).collect::<Vec<_>>(),
        "verified_times": v.verified_times.iter().map(|t| t.rfc3339.clone()).collect::<Vec<_>>(),
    })
}

fn lines(rep: Report, pair: &Pair, v: &sigil_sigstore::Verified) -> Report {
    let content = if matches!(v.content, Content::Dsse { .. }) {
        "dsse"
    } else {
        "message-signature"
    };
    let mut rep = rep.line(format!(
        "verified {} with Sigstore bundle {} ({content})",
        pair.subject,
        pair.bundle.display()
    ));
    rep = match &v.signer {
        BundleSigner::Certificate {
            identity, issuer, ..
        } => rep
            .line(format!("identity: {identity}"))
            .line(format!("issuer: {issuer}")),
        _ => rep.line("signer: managed key"),
    };
    for e in &v.log_entries {
        rep = rep.line(format!("log index: {} ({})", e.log_index, e.kind));
    }
    if let Some(t) = &v.integrated_time {
        rep = rep.line(format!("integrated time: {}", t.rfc3339));
    } else if let Some(t) = v.verified_times.first() {
        rep = rep.line(format!("signed at: {} (timestamp authority)", t.rfc3339));
    }
    // The publisher the certificate names (its Fulcio extensions).
    for (k, val) in v
        .publisher
        .as_deref()
        .map(|f| f.pairs())
        .unwrap_or_default()
    {
        if matches!(k, "repository" | "ref" | "digest" | "runner-environment") {
            rep = rep.line(format!("{k}: {val}"));
        }
    }
    rep
}
