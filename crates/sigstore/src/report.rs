//! What bundle verification and keyless signing answer and how they fail, as
//! [`sigil_core::report`] values: the human lines and JSON of `verify --bundle` (one pair or
//! a batch), of `sign --keyless`, and of bundles refused.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sigil_core::report::{io_reason, Failure, Report};

use crate::batch::{Pair, PairError, PairsError, Passed};
use crate::sign::{KeylessError, Signed};
use crate::{BundleSigner, BundleVerifyError, Content, PublisherFacts, SignerKind, Time, Verified};

fn time_json(t: Option<&Time>) -> Value {
    t.map_or(Value::Null, |t| json!(t.rfc3339))
}

fn content_word(v: &Verified) -> &'static str {
    match v.content {
        Content::Dsse { .. } => "dsse",
        _ => "message-signature",
    }
}

/// One verified pair for `--format json`; `key` is the managed key's file, if one verified.
pub fn pair_json(pair: &Pair, passed: &Passed, key: Option<&Path>) -> Value {
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
            "claims": claims.claim_pairs().into_iter().map(|(k, v)| (k.to_owned(), json!(v))).collect::<serde_json::Map<_, _>>(),
            "publisher": v.publisher.as_deref().map(PublisherFacts::to_json),
        }),
        _ => json!({ "kind": "managed-key", "key": key }),
    };
    let payload_type = match &v.content {
        Content::Dsse { payload_type, .. } => Some(payload_type.as_str()),
        _ => None,
    };
    json!({
        "file": pair.subject.to_string(),
        "bundle": pair.bundle,
        "media_type": v.media_type,
        "content": content_word(v),
        "payload_type": payload_type,
        "predicate_type": passed.predicate_type,
        "signer": signer,
        "log_index": v.log_entries.first().map(|e| e.log_index),
        "integrated_time": time_json(v.integrated_time.as_ref()),
        "log_entries": v.log_entries.iter().map(|e| json!({ "log_index": e.log_index, "log_id": e.log_id, "kind": e.kind, "integrated_time": time_json(e.integrated_time.as_ref()) })).collect::<Vec<_>>(),
        "verified_times": v.verified_times.iter().map(|t| t.rfc3339.clone()).collect::<Vec<_>>(),
    })
}

/// `verify --bundle` of one pair: the signer, log entries, time and publisher, with the
/// trusted root's name (`trusted_root`) in JSON.
pub fn pair_verified(
    pair: &Pair,
    passed: &Passed,
    key: Option<&Path>,
    trusted_root: Value,
) -> Report {
    let v = &passed.verified;
    let mut data = pair_json(pair, passed, key);
    data["trusted_root"] = trusted_root;
    let head = format!(
        "verified {} with Sigstore bundle {} ({})",
        pair.subject,
        pair.bundle.display(),
        content_word(v)
    );
    let mut rep = Report::ok("verified", data).line(head);
    rep = match &v.signer {
        BundleSigner::Certificate {
            identity, issuer, ..
        } => rep
            .line(format!("identity: {identity}"))
            .line(format!("issuer: {issuer}")),
        _ => rep.line("signer: managed key"),
    };
    rep = rep.lines(
        v.log_entries
            .iter()
            .map(|e| format!("log index: {} ({})", e.log_index, e.kind)),
    );
    if let Some(t) = &v.integrated_time {
        rep = rep.line(format!("integrated time: {}", t.rfc3339));
    } else if let Some(t) = v.verified_times.first() {
        rep = rep.line(format!("signed at: {} (timestamp authority)", t.rfc3339));
    }
    // The publisher the certificate names (its Fulcio extensions).
    let facts = v
        .publisher
        .as_deref()
        .map(|f| f.pairs())
        .unwrap_or_default();
    let shown = |k: &&str| matches!(*k, "repository" | "ref" | "digest" | "runner-environment");
    rep.lines(
        facts
            .into_iter()
            .filter(|(k, _)| shown(k))
            .map(|(k, val)| format!("{k}: {val}")),
    )
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

/// A single pair that did not verify: reading is exit 2, anything else exit 1 with its reason
/// (and, for a bundle of the other signer kind, the flags that verify it).
pub fn pair_failure(pair: &Pair, e: &PairError) -> Failure {
    let data = failure_json(pair, e);
    match e {
        PairError::Read { path, source } => {
            Failure::io(format!("{}: {}", path.display(), io_reason(source)))
        }
        PairError::NoCandidate { want, .. } => {
            Failure::not_verified(format!("{}: {e}", pair.bundle.display()))
                .data(data)
                .hint(match want {
                    SignerKind::PublicKey => {
                        "verify it with --certificate-identity and --certificate-oidc-issuer"
                    }
                    _ => "verify it with --key PEM",
                })
        }
        _ => Failure::not_verified(format!("{}: {}", pair.bundle.display(), Failure::chain(e)))
            .data(data),
    }
}

/// `verify --bundle` of several pairs or `--bundle-dir`: one line per artifact and the count;
/// exit 1 if any did not verify.
pub fn pairs_checked(
    pairs: &[Pair],
    results: &[Result<Passed, PairError>],
    key: Option<&Path>,
    trusted_root: Value,
) -> Report {
    let (mut items, mut human) = (Vec::new(), Vec::new());
    for (pair, r) in pairs.iter().zip(results) {
        let item = match r {
            Ok(passed) => {
                human.push(format!("verified {}", pair.subject));
                let mut item = pair_json(pair, passed, key);
                item["status"] = json!("verified");
                item
            }
            Err(e) => {
                human.push(format!(
                    "not verified {}: {}: {}",
                    pair.subject,
                    e.code(),
                    Failure::chain(e)
                ));
                let mut item = failure_json(pair, e);
                item["message"] = json!(Failure::chain(e));
                item["status"] = json!("not-verified");
                item
            }
        };
        items.push(item);
    }
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let summary = format!(
        "{ok} of {} artifacts verified with Sigstore bundles",
        pairs.len()
    );
    let data = json!({ "trusted_root": trusted_root, "total": pairs.len(), "verified": ok, "not_verified": pairs.len() - ok, "artifacts": items });
    let mut rep = if ok == pairs.len() {
        Report::ok("verified", data)
    } else {
        Report::not_verified(data)
    };
    rep.human = human;
    rep.summary = Some(summary.clone());
    rep.line(summary)
}

/// Pairs that cannot be made: exit 2 (an unreadable directory as I/O), with the fix.
impl From<PairsError> for Failure {
    fn from(e: PairsError) -> Self {
        match &e {
            PairsError::ReadDir { .. } => Failure::io(&e),
            PairsError::NoBundle { .. } => {
                Failure::usage(&e).hint("each bundle X.sigstore.json sits beside its artifact X")
            }
            PairsError::Count { .. } => {
                Failure::usage(&e).hint("give one --bundle per FILE, in the same order")
            }
            PairsError::Subject(s) => {
                let hint = format!(
                    "write {}:<hex> with the full lower-case hex digest",
                    s.algorithm
                );
                Failure::usage(&e).hint(hint)
            }
        }
    }
}

/// A bundle that does not verify outside a pair (a checksum list's, a pack's): exit 1 with
/// `reason`.
pub fn bundle_refused(bundle: &Path, e: &dyn std::error::Error, reason: &str) -> Failure {
    Failure::not_verified(format!("{}: {}", bundle.display(), Failure::chain(e)))
        .data(json!({ "bundle": bundle, "reason": reason }))
}

/// The certificate's identity and issuer ("" for a managed key).
pub fn certificate_names(v: &Verified) -> (&str, &str) {
    match &v.signer {
        BundleSigner::Certificate {
            identity, issuer, ..
        } => (identity, issuer),
        _ => ("", ""),
    }
}

/// `sign --keyless`: four lines per bundle written (file, identity, issuer, log indexes).
pub fn signed_keyless(signed: &[(PathBuf, PathBuf, Signed)]) -> Report {
    let mut items = Vec::new();
    let mut rep = Report::ok("ok", Value::Null);
    for (file, bundle, s) in signed {
        items.push(
            json!({ "file": file, "bundle": bundle, "identity": s.identity, "issuer": s.issuer,
            "log_indexes": s.log_indexes, "timestamps": s.timestamps }),
        );
        let indexes: Vec<String> = s.log_indexes.iter().map(u64::to_string).collect();
        rep = rep
            .line(format!(
                "signed {} -> {} (keyless)",
                file.display(),
                bundle.display()
            ))
            .line(format!("identity: {}", s.identity))
            .line(format!("issuer: {}", s.issuer))
            .line(format!("log index: {}", indexes.join(", ")));
    }
    rep.data = json!({ "keyless": true, "signed": items });
    rep
}

/// Keyless signing of `what_for` failed: exit 1 with the reason (human and
/// `error.details.reason`) and the service that refused; never the token.
pub fn keyless_failure(e: &KeylessError, what_for: &str) -> Failure {
    let mut data = json!({ "reason": e.reason(), "file": what_for });
    if let KeylessError::Service { service, source } = e {
        data["service"] = json!(service.as_str());
        data["url"] = json!(source.url);
        data["status"] = json!(source.status);
    }
    let message = format!(
        "{what_for}: keyless signing failed, no bundle written: {}",
        Failure::chain(e)
    );
    Failure::not_verified(message).data(data)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::batch::{verify_pair, Subject};
    use crate::{Matcher, SignerPolicy, TrustRoot};
    use sigil_core::report::{FailureKind, Status};
    use sigil_test_sigstore::{Identity, TestSigstore};

    /// A signed artifact and its bundle in a directory, the root, and the signer's SAN.
    fn signed() -> (tempfile::TempDir, Pair, TrustRoot, String) {
        let mut s = TestSigstore::new().unwrap();
        let identity = Identity::github(
            "acme/widget",
            ".github/workflows/release.yml",
            "refs/tags/v1",
        );
        let b = s.sign_blob(&identity, b"artifact\n").unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (file, bundle) = (
            dir.path().join("a.bin"),
            dir.path().join("a.bin.sigstore.json"),
        );
        std::fs::write(&file, b"artifact\n").unwrap();
        std::fs::write(&bundle, b.to_json()).unwrap();
        let root = TrustRoot::from_json(&s.trusted_root().to_string()).unwrap();
        let pair = Pair {
            subject: Subject::Path(file),
            bundle,
        };
        (dir, pair, root, identity.san.as_str().to_owned())
    }

    fn policy(identity: &str) -> SignerPolicy {
        let issuer = Matcher::exact(sigil_test_sigstore::GITHUB_ACTIONS_ISSUER);
        SignerPolicy::Keyless {
            identity: Matcher::exact(identity),
            issuer,
        }
    }

    #[test]
    fn a_verified_pair_shows_its_signer_log_time_and_publisher() {
        let (_d, pair, root, san) = signed();
        let passed = verify_pair(&root, &pair, &policy(&san)).unwrap();
        let r = pair_verified(&pair, &passed, None, json!("R"));
        let v = &passed.verified;
        let e = &v.log_entries[0];
        let f = v.publisher.as_deref().unwrap();
        let time = v.integrated_time.as_ref().unwrap();
        assert_eq!(
            r.human,
            [
                format!(
                    "verified {} with Sigstore bundle {} (message-signature)",
                    pair.subject,
                    pair.bundle.display()
                ),
                format!("identity: {san}"),
                format!("issuer: {}", sigil_test_sigstore::GITHUB_ACTIONS_ISSUER),
                format!("log index: {} ({})", e.log_index, e.kind),
                format!("integrated time: {}", time.rfc3339),
                "repository: https://github.com/acme/widget".into(),
                "ref: refs/tags/v1".into(),
                format!("digest: {}", f.source_digest().unwrap()),
                format!(
                    "runner-environment: {}",
                    f.runner_environment.as_deref().unwrap()
                ),
            ]
        );
        assert_eq!(r.data["trusted_root"], "R");
        assert_eq!(r.data["signer"]["kind"], "keyless");
        assert_eq!(r.data["signer"]["publisher"], f.to_json());
        assert_eq!(r.data["log_index"], e.log_index);
        assert_eq!(r.data["content"], "message-signature");
        assert_eq!(
            certificate_names(v),
            (san.as_str(), sigil_test_sigstore::GITHUB_ACTIONS_ISSUER)
        );
    }

    #[test]
    fn a_refused_pair_is_exit_1_with_expected_and_actual_and_batches_count() {
        let (_d, pair, root, san) = signed();
        let e = verify_pair(&root, &pair, &policy("someone@else")).unwrap_err();
        let f = pair_failure(&pair, &e);
        assert_eq!(f.kind, FailureKind::NotVerified);
        assert_eq!(
            f.message,
            format!("{}: {}", pair.bundle.display(), Failure::chain(&e))
        );
        let file = pair.subject.to_string();
        assert_eq!(
            f.data,
            Some(
                json!({"file": file, "bundle": pair.bundle, "reason": "identity-mismatch", "expected": "\"someone@else\"", "actual": san})
            )
        );
        let ok = verify_pair(&root, &pair, &policy(&san));
        let pairs = [pair.clone(), pair.clone()];
        let r = pairs_checked(&pairs, &[ok, Err(e)], None, json!("R"));
        assert_eq!(r.status, Status::NotVerified);
        let chain = r.data["artifacts"][1]["message"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            r.human,
            [
                format!("verified {file}"),
                format!("not verified {file}: identity-mismatch: {chain}"),
                "1 of 2 artifacts verified with Sigstore bundles".into()
            ]
        );
        assert_eq!(
            (
                r.data["total"].clone(),
                r.data["verified"].clone(),
                r.data["not_verified"].clone()
            ),
            (json!(2), json!(1), json!(1))
        );
        assert_eq!(r.data["artifacts"][0]["status"], "verified");
        assert_eq!(r.data["artifacts"][1]["status"], "not-verified");
        let unreadable = PairError::Read {
            path: "x".into(),
            source: std::io::Error::from_raw_os_error(2),
        };
        let io = pair_failure(&pairs[0], &unreadable);
        assert_eq!(
            (io.kind, io.message.as_str()),
            (FailureKind::Io, "x: No such file or directory")
        );
    }

    #[test]
    fn pairs_that_cannot_be_made_say_how_to_fix_them() {
        let check = |r: Result<Vec<Pair>, PairsError>, kind, message: &str, hint: Option<&str>| {
            let f = Failure::from(r.unwrap_err());
            assert_eq!(
                (f.kind, f.message.as_str(), f.hint.as_deref()),
                (kind, message, hint)
            );
        };
        let (a, b) = (
            vec![PathBuf::from("a")],
            vec![PathBuf::from("b"), PathBuf::from("c")],
        );
        check(
            crate::batch::pairs(&a, &b, None),
            FailureKind::Usage,
            "1 FILE for 2 --bundle",
            Some("give one --bundle per FILE, in the same order"),
        );
        let digest = vec![PathBuf::from("sha256:ab")];
        let hint = Some("write sha256:<hex> with the full lower-case hex digest");
        check(
            crate::batch::pairs(&digest, &a, None),
            FailureKind::Usage,
            "sha256:ab: not a sha256 digest",
            hint,
        );
        let d = tempfile::tempdir().unwrap();
        let msg = format!(
            "{}: no bundle (*.sigstore.json) to verify",
            d.path().display()
        );
        let hint = Some("each bundle X.sigstore.json sits beside its artifact X");
        check(
            crate::batch::pairs(&[], &[], Some(d.path())),
            FailureKind::Usage,
            &msg,
            hint,
        );
        let gone = d.path().join("gone");
        let msg = format!("{}: No such file or directory", gone.display());
        check(
            crate::batch::pairs(&[], &[], Some(&gone)),
            FailureKind::Io,
            &msg,
            None,
        );
        assert_eq!(
            crate::batch::pairs(&a, &a[..1], None).unwrap()[0].bundle,
            PathBuf::from("a")
        );
    }

    #[test]
    fn keyless_signing_shows_four_lines_per_bundle_and_refusals_name_the_service() {
        let s = Signed {
            bundle: Vec::new(),
            identity: "me@example.com".into(),
            issuer: "https://i".into(),
            log_indexes: vec![3, 9],
            timestamps: 1,
        };
        let r = signed_keyless(&[("f".into(), "f.sigstore.json".into(), s)]);
        assert_eq!(
            r.human,
            [
                "signed f -> f.sigstore.json (keyless)",
                "identity: me@example.com",
                "issuer: https://i",
                "log index: 3, 9"
            ]
        );
        assert_eq!(
            r.data,
            json!({"keyless": true, "signed": [{"file": "f", "bundle": "f.sigstore.json", "identity": "me@example.com", "issuer": "https://i", "log_indexes": [3, 9], "timestamps": 1}]})
        );
        let source =
            crate::sign::TransportError::new("https://fulcio", Some(500), "http 500: down");
        let e = KeylessError::Service {
            service: crate::sign::Service::Fulcio,
            source,
        };
        let f = keyless_failure(&e, "f");
        assert_eq!(f.kind, FailureKind::NotVerified);
        assert_eq!(
            f.message,
            format!(
                "f: keyless signing failed, no bundle written: {}",
                Failure::chain(&e)
            )
        );
        assert_eq!(
            f.data,
            Some(
                json!({"reason": e.reason(), "file": "f", "service": "fulcio", "url": "https://fulcio", "status": 500})
            )
        );
        let b = bundle_refused(Path::new("b.json"), &e, "x");
        assert_eq!(b.data, Some(json!({"bundle": "b.json", "reason": "x"})));
    }
}
