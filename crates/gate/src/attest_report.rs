//! What `sigil attest` refuses before signing, and what `sigil verify-attestation` checks of
//! its flags and answers: the signer policy its flags ask for, the choice between a PEP 740
//! document and in-toto attestations, and the verdict as a [`Report`] or a [`Failure`].

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sigil_attest::document;
use sigil_attest::report::{bundle_line, AttestSigner};
use sigil_attest::verify::{Expectations, TrustedKeys, GITHUB_ACTIONS_ISSUER};
use sigil_attest::{ArtifactDigests, Envelope, SubjectDigest, INTOTO_PAYLOAD_TYPE};
use sigil_core::report::{Failure, Report};
use sigil_sigstore::pep740::{self, Pep740Attestation};
use sigil_sigstore::sign::{Signed, ToSign};
use sigil_sigstore::{BundleSigner, Matcher, PublisherPolicy, SignerPolicy, TrustRoot};

use crate::attest::{same_file, verify_document, AttestationTrust, DocumentVerdict, MALFORMED};

/// Refuses what `sigil attest` cannot do: append to a file that is one of its `subjects`, or
/// name keyless subjects by SHA-512.
pub fn check_attest(
    subjects: &[PathBuf],
    output: &Path,
    keyless: bool,
    digest: SubjectDigest,
) -> Result<(), Failure> {
    if let Some(s) = subjects.iter().find(|s| same_file(s, output)) {
        return Err(Failure::usage(format!(
            "-o {} is the subject {}: appending the attestation would change the artifact",
            output.display(),
            s.display()
        ))
        .hint("write the attestation to its own file, e.g. ARTIFACT.intoto.jsonl"));
    }
    if keyless && digest == SubjectDigest::Sha512 {
        return Err(
            Failure::usage("--keyless attestations name SHA-256 subjects")
                .hint("drop --digest sha512"),
        );
    }
    Ok(())
}

/// `sigil attest --key`: the statement `payload` signed as a DSSE envelope (the line to
/// append) by `key`.
pub fn key_signed(key: &sigil_keys::SecretKey, payload: Vec<u8>) -> (String, AttestSigner) {
    let line = Envelope::sign(key, INTOTO_PAYLOAD_TYPE, payload).to_json();
    (line, AttestSigner::Key(key.public().fingerprint()))
}

/// `sigil attest --keyless`: what to sign, the statement as DSSE, checked against the first
/// subject's SHA-256 before its bundle is returned.
pub fn keyless_request<'a>(
    payload: &'a [u8],
    subjects: &[(String, ArtifactDigests)],
) -> [ToSign<'a>; 1] {
    let subject = subjects
        .first()
        .map(|(_, d)| d.sha256.0)
        .unwrap_or_default();
    [ToSign::Dsse {
        payload_type: INTOTO_PAYLOAD_TYPE,
        payload,
        subject,
    }]
}

/// The bundle keyless signing made (the line to append) and who signed it.
pub fn keyless_signed(signed: Vec<Signed>) -> Result<(String, AttestSigner), Failure> {
    let s = signed
        .first()
        .ok_or_else(|| Failure::not_verified("no bundle"))?;
    Ok((bundle_line(&s.bundle)?, AttestSigner::from(s)))
}

/// A certificate policy, refused when it names no signer (any certificate of the issuer
/// would pass).
pub fn require_signer(p: PublisherPolicy) -> Result<PublisherPolicy, Failure> {
    if !p.names_signer() {
        return Err(Failure::usage("the certificate checks need a signer").hint(
            "add --owner, --repo, --signer-workflow or --signer-repo (or --certificate-identity)",
        ));
    }
    Ok(p)
}

/// Adds the public key in `text` (read from `path`) to `keys`; anything else is a usage error.
pub fn add_key(keys: &mut TrustedKeys, path: &Path, text: &str) -> Result<(), Failure> {
    keys.add(text).map_err(|e| {
        Failure::usage(format!("{}: {e}", path.display()))
            .hint("pass a minisign public key or a PEM `PUBLIC KEY`")
    })
}

/// Largest trusted root or public key file read.
pub const MAX_TRUST_FILE_BYTES: u64 = 8 * 1024 * 1024;

/// The keys and the Sigstore trusted root `sigil verify-attestation` trusts: each key file's
/// text (`read(path, what)`), then a root when keyless bundles (no keys) or PEM keys need
/// one: staging's, the `trusted_root` file's, else `default_root()`.
pub fn load_trust(
    keys: &[PathBuf],
    trusted_root: Option<&Path>,
    staging: bool,
    read: impl Fn(&Path, &str) -> Result<String, Failure>,
    default_root: impl FnOnce() -> Result<TrustRoot, Failure>,
) -> Result<(TrustedKeys, Option<TrustRoot>), Failure> {
    let mut trusted = TrustedKeys::default();
    for p in keys {
        add_key(&mut trusted, p, &read(p, "public key")?)?;
    }
    if !keys.is_empty() && trusted.managed.is_empty() {
        return Ok((trusted, None));
    }
    let text = trusted_root.map(|p| read(p, "trusted root")).transpose()?;
    let root = match named_root(staging, trusted_root.zip(text.as_deref()))? {
        Some(root) => root,
        None => default_root()?,
    };
    Ok((trusted, Some(root)))
}

/// The Sigstore trusted root the flags name: staging's, or the text of a `trusted_root.json`;
/// `None` when neither is named (the caller then uses the default root).
pub fn named_root(
    staging: bool,
    file: Option<(&Path, &str)>,
) -> Result<Option<TrustRoot>, Failure> {
    let hint = "pass a Sigstore trusted_root.json (media type application/vnd.dev.sigstore.trustedroot+json;version=0.1)";
    let root = match (staging, file) {
        (true, _) => TrustRoot::staging().map_err(|e| Failure::usage(Failure::chain(&e))),
        (false, Some((p, text))) => TrustRoot::from_json(text)
            .map_err(|e| Failure::usage(format!("{}: {}", p.display(), Failure::chain(&e)))),
        (false, None) => return Ok(None),
    };
    root.map(Some).map_err(|e| e.hint(hint))
}

/// The flags of `sigil verify-attestation` that say whom to trust and what to expect.
#[derive(Debug, Clone)]
pub struct SignerFlags {
    /// `--key` was given: key-signed attestations only.
    pub keys: bool,
    /// `--certificate-identity`.
    pub identity: Option<String>,
    /// `--certificate-identity-regexp`.
    pub identity_regexp: Option<String>,
    /// `--certificate-oidc-issuer`.
    pub issuer: Option<String>,
    /// The publisher flags' claims (`--owner`, `--repo`...), without identity or source ref.
    pub publisher: PublisherPolicy,
    /// `--predicate-type`.
    pub predicate_type: Option<String>,
    /// `--builder-id`.
    pub builder_id: Option<String>,
    /// `--source-uri`.
    pub source_uri: Option<String>,
    /// `--source-ref`: the provenance's, or with a publisher flag the certificate's.
    pub source_ref: Option<String>,
}

impl SignerFlags {
    /// A publisher flag was given: the certificate is held against its claims (and then
    /// `--source-ref` is the certificate's ref).
    fn publisher_mode(&self) -> bool {
        self.publisher.asks_claims()
    }

    /// The signer is named (a SAN, or an owner, repository or signer workflow).
    fn identity_given(&self) -> bool {
        self.identity.is_some()
            || self.identity_regexp.is_some()
            || self.publisher.names_publisher()
    }

    /// Refuses flags that cannot go together: keys with certificate flags, or keyless
    /// verification that trusts no identity and no builder.
    pub fn check(&self) -> Result<(), Failure> {
        let certificate_flags =
            self.identity_given() || self.issuer.is_some() || self.publisher_mode();
        if self.keys && certificate_flags {
            return Err(
                Failure::usage("--key and the --certificate-* flags are exclusive").hint(
                    "use --key for key-signed attestations, the certificate flags for Sigstore bundles",
                ),
            );
        }
        let builder = self.builder_id.is_some() && self.source_uri.is_some();
        if !self.keys && !self.identity_given() && !builder {
            return Err(Failure::usage("keyless verification needs a trusted identity").hint(
                "pass --certificate-identity (or --certificate-identity-regexp), or --builder-id with --source-uri; or --key PUB",
            ));
        }
        Ok(())
    }

    /// The certificate policy of keyless bundles (`None` with `--key`): the SAN (any, when
    /// the trusted builder binds it), the issuer (GitHub Actions' by default), and with
    /// publisher flags every claim they name.
    pub fn keyless_policy(&self) -> Result<Option<SignerPolicy>, Failure> {
        if self.keys {
            return Ok(None);
        }
        let bad = |e: &dyn std::error::Error| Failure::usage(Failure::chain(e));
        let identity = match (&self.identity, &self.identity_regexp) {
            (Some(i), _) => Matcher::exact(i.clone()),
            (None, Some(re)) => Matcher::regex(re).map_err(|e| bad(&e))?,
            // Bound by the verification: the certificate identity must be the trusted builder.
            (None, None) => Matcher::regex("").map_err(|e| bad(&e))?,
        };
        let issuer = self.issuer.as_deref().unwrap_or(GITHUB_ACTIONS_ISSUER);
        let issuer = Matcher::exact(issuer.to_owned());
        if !self.publisher_mode() {
            return Ok(Some(SignerPolicy::Keyless { identity, issuer }));
        }
        let mut p = self.publisher.clone();
        let given = self.identity.is_some() || self.identity_regexp.is_some();
        (p.identity, p.issuer) = (given.then_some(identity), issuer);
        p.source_ref.clone_from(&self.source_ref);
        Ok(Some(SignerPolicy::Publisher(Box::new(require_signer(p)?))))
    }

    /// What the statements must say.
    pub fn expectations(&self) -> Expectations {
        Expectations {
            predicate_type: self.predicate_type.clone(),
            builder_id: self.builder_id.clone(),
            source_uri: self.source_uri.clone(),
            // With the publisher flags the ref is the certificate's (checked in the policy).
            source_ref: self.source_ref.clone().filter(|_| !self.publisher_mode()),
            certificate_policy: self.publisher.names_publisher(),
        }
    }
}

/// `sigil verify-attestation`: a PEP 740 document (when keyless bundles are trusted) by PyPI's
/// rules, anything else as in-toto attestations ([`verify_document`]).
pub fn verify_attestation(
    subject: &Path,
    attestation: &Path,
    text: &str,
    trust: &AttestationTrust<'_>,
    digests: &ArtifactDigests,
    flags: &SignerFlags,
) -> Result<Report, Failure> {
    if let (Some(root), Some(policy)) = (trust.root, trust.keyless) {
        if let Some(atts) = pep740_document(attestation, text)? {
            // PEP 740 has no provenance builder to bind an unnamed signer to: the signer
            // must be named.
            if !flags.identity_given() {
                return Err(Failure::usage("a PEP 740 attestation needs its signer named").hint(
                    "pass --repo OWNER/REPO (with --signer-workflow), --owner, or --certificate-identity",
                ));
            }
            let dist = file_name(subject);
            let want = flags.predicate_type.as_deref();
            let v = pep740::verify_document(root, &atts, &dist, &digests.sha256, policy, want);
            return pep740_verdict(subject, attestation, &v, digests);
        }
    }
    let items = document::read(text).map_err(|e| {
        let message = format!("{}: {}", attestation.display(), Failure::chain(&e));
        Failure::not_verified(message)
            .data(json!({ "attestation": attestation, "reason": MALFORMED }))
    })?;
    let v = verify_document(items, trust, digests, &flags.expectations());
    verdict(subject, attestation, &v, digests)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn subject_json(subject: &Path, d: &ArtifactDigests) -> Value {
    json!({ "file": subject, "sha256": d.sha256.to_hex(), "sha512": d.sha512.to_hex() })
}

/// The verdict on in-toto attestations: verified (each accepted attestation, then what was
/// not used), else not verified, or a usage error when only a missing `--builder-id` stood in
/// the way.
pub fn verdict(
    subject: &Path,
    attestation: &Path,
    v: &DocumentVerdict,
    digests: &ArtifactDigests,
) -> Result<Report, Failure> {
    let (subject_s, attestation_s) = (
        subject.display().to_string(),
        attestation.display().to_string(),
    );
    let rejected: Vec<Value> = v.rejected.iter().map(|r| r.to_json()).collect();
    if v.accepted.is_empty() {
        let message = v.refusal_message(&attestation_s);
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
        let data = json!({ "subject": subject, "attestation": attestation, "reason": v.reason(), "rejected": rejected });
        return Err(err.data(data));
    }
    let mut report = Report::ok("verified", Value::Null);
    report.human = v.lines(&subject_s, &attestation_s, digests);
    report.data = json!({
        "subject": subject_json(subject, digests),
        "attestation": attestation,
        "verified": v.accepted.iter().map(|acc| acc.to_json()).collect::<Vec<_>>(),
        "rejected": rejected,
    });
    Ok(report)
}

/// The attestations of a PEP 740 document, or `None` when `text` is not one; a PEP 740
/// object that does not parse is not verified.
pub fn pep740_document(path: &Path, text: &str) -> Result<Option<Vec<Pep740Attestation>>, Failure> {
    let Ok(v) = sigil_core::json::parse_str(text) else {
        return Ok(None);
    };
    if !pep740::is_attestation_object(&v) && !pep740::is_provenance_object(&v) {
        return Ok(None);
    }
    pep740::parse_value(&v).map(Some).map_err(|e| {
        Failure::not_verified(format!("{}: {}", path.display(), Failure::chain(&e)))
            .data(json!({ "attestation": path, "reason": e.code() }))
    })
}

/// The verdict on a PEP 740 document: verified when at least one attestation passes and none
/// fails (a document is about one distribution).
pub fn pep740_verdict(
    subject: &Path,
    attestation: &Path,
    v: &pep740::DocumentVerdict,
    digests: &ArtifactDigests,
) -> Result<Report, Failure> {
    let dist = file_name(subject);
    let rejected: Vec<Value> = v
        .rejected
        .iter()
        .map(|(l, e)| json!({ "location": l, "reason": e.code(), "message": Failure::chain(e) }))
        .collect();
    if !v.passes() {
        let message = v
            .rejected
            .iter()
            .map(|(l, e)| format!("{l}: {} [{}]", Failure::chain(e), e.code()))
            .collect::<Vec<_>>()
            .join("; ");
        let message = format!("{} (PEP 740): {message}", attestation.display());
        return Err(Failure::not_verified(message).data(json!({
            "subject": subject,
            "attestation": attestation,
            "format": "pep740",
            "reason": v.reason(),
            "rejected": rejected,
        })));
    }
    let mut report = Report::ok("verified", Value::Null);
    let mut verified = Vec::new();
    for (location, v) in &v.verified {
        let (identity, issuer) = match &v.verified.signer {
            BundleSigner::Certificate {
                identity, issuer, ..
            } => (identity.clone(), issuer.clone()),
            _ => (String::new(), String::new()),
        };
        verified.push(json!({
            "location": location,
            "kind": "pep740",
            "predicate_type": v.predicate_type,
            "subject_name": dist,
            "signer": {
                "kind": "certificate",
                "identity": identity,
                "issuer": issuer,
                "publisher": v.verified.publisher.as_deref().map(sigil_sigstore::PublisherFacts::to_json),
            },
            "trusted_publisher": v.publisher.as_ref().map(pep740::Publisher::to_json),
            "log_index": v.verified.log_entries.first().map(|e| e.log_index),
        }));
        report = report
            .line(format!(
                "verified {} against {} ({location}, PEP 740)",
                subject.display(),
                attestation.display()
            ))
            .line(format!("  subject: {dist} (sha256 {})", digests.sha256))
            .line(format!("  predicate type: {}", v.predicate_type))
            .line(format!("  signer: {identity} ({issuer})"));
        if let Some(p) = &v.publisher {
            report = report.line(format!(
                "  trusted publisher: {} (matches the certificate)",
                p.kind()
            ));
        }
    }
    report.data = json!({
        "subject": subject_json(subject, digests),
        "attestation": attestation,
        "format": "pep740",
        "verified": verified,
        "rejected": rejected,
    });
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sigil_core::report::FailureKind;

    fn digests() -> ArtifactDigests {
        sigil_attest::digests(&b"x"[..], |_| {}).unwrap()
    }

    fn flags() -> SignerFlags {
        SignerFlags {
            keys: false,
            identity: None,
            identity_regexp: None,
            issuer: None,
            publisher: PublisherPolicy::new(Matcher::exact(GITHUB_ACTIONS_ISSUER)),
            predicate_type: None,
            builder_id: None,
            source_uri: None,
            source_ref: Some("refs/tags/v1".into()),
        }
    }

    #[test]
    fn attest_refuses_to_append_to_a_subject_and_keyless_sha512() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a");
        std::fs::write(&a, "x").unwrap();
        let e =
            check_attest(std::slice::from_ref(&a), &a, false, SubjectDigest::Sha256).unwrap_err();
        assert_eq!(e.kind, FailureKind::Usage);
        let shown = a.display();
        assert_eq!(
            e.message,
            format!("-o {shown} is the subject {shown}: appending the attestation would change the artifact")
        );
        let out = d.path().join("a.intoto.jsonl");
        check_attest(std::slice::from_ref(&a), &out, true, SubjectDigest::Sha256).unwrap();
        let e = check_attest(&[a], &out, true, SubjectDigest::Sha512).unwrap_err();
        assert_eq!(
            (e.message.as_str(), e.hint.as_deref()),
            (
                "--keyless attestations name SHA-256 subjects",
                Some("drop --digest sha512")
            )
        );
    }

    #[test]
    fn key_signed_statements_are_one_envelope_line_named_by_key_id() {
        let key = sigil_keys::SecretKey::generate();
        let (line, signer) = key_signed(&key, b"{}".to_vec());
        let env = Envelope::parse(&line).unwrap();
        assert_eq!(
            (env.payload_type.as_str(), env.payload.as_slice()),
            (INTOTO_PAYLOAD_TYPE, &b"{}"[..])
        );
        assert_eq!(signer, AttestSigner::Key(key.public().fingerprint()));
        let d = digests();
        let [ToSign::Dsse {
            subject, payload, ..
        }] = keyless_request(b"{}", &[("x".into(), d)])
        else {
            panic!("a DSSE request expected");
        };
        assert_eq!((subject, payload), (d.sha256.0, &b"{}"[..]));
        assert_eq!(keyless_signed(Vec::new()).unwrap_err().message, "no bundle");
    }

    #[test]
    fn keys_and_certificate_flags_are_exclusive_and_keyless_needs_an_identity() {
        let f = flags();
        assert_eq!(
            f.check().unwrap_err().message,
            "keyless verification needs a trusted identity"
        );
        let mut k = flags();
        k.keys = true;
        k.check().unwrap();
        assert!(k.keyless_policy().unwrap().is_none());
        k.issuer = Some("https://issuer".into());
        assert_eq!(
            k.check().unwrap_err().message,
            "--key and the --certificate-* flags are exclusive"
        );
        let mut b = flags();
        (b.builder_id, b.source_uri) = (Some("https://b".into()), Some("github.com/o/r".into()));
        b.check().unwrap();
        let Some(SignerPolicy::Keyless { .. }) = b.keyless_policy().unwrap() else {
            panic!("a keyless policy expected");
        };
        assert_eq!(b.expectations().source_ref.as_deref(), Some("refs/tags/v1"));
        assert!(!b.expectations().certificate_policy);
    }

    #[test]
    fn publisher_flags_make_a_publisher_policy_with_the_certificates_ref() {
        let mut f = flags();
        f.publisher.repository = Some("o/r".into());
        f.check().unwrap();
        let Some(SignerPolicy::Publisher(p)) = f.keyless_policy().unwrap() else {
            panic!("a publisher policy expected");
        };
        assert_eq!(p.source_ref.as_deref(), Some("refs/tags/v1"));
        assert!(p.identity.is_none());
        let exp = f.expectations();
        assert_eq!((exp.source_ref, exp.certificate_policy), (None, true));
        let mut d = flags();
        (d.builder_id, d.source_uri) = (Some("https://b".into()), Some("u".into()));
        d.publisher.source_digest = Some("abc".into());
        let e = d.keyless_policy().unwrap_err();
        assert_eq!(e.message, "the certificate checks need a signer");
        let mut bad = flags();
        bad.identity_regexp = Some("(".into());
        assert_eq!(bad.keyless_policy().unwrap_err().kind, FailureKind::Usage);
    }

    #[test]
    fn trusted_roots_and_keys_that_do_not_parse_are_usage_errors() {
        assert!(named_root(false, None).unwrap().is_none());
        assert!(named_root(true, None).unwrap().is_some());
        let e = named_root(false, Some((Path::new("r.json"), "{}"))).unwrap_err();
        assert_eq!(e.kind, FailureKind::Usage);
        assert!(e.message.starts_with("r.json: "), "{}", e.message);
        assert!(e
            .hint
            .unwrap()
            .starts_with("pass a Sigstore trusted_root.json"));
        let mut keys = TrustedKeys::default();
        let e = add_key(&mut keys, Path::new("k.pub"), "nope").unwrap_err();
        assert!(e.message.starts_with("k.pub: "), "{}", e.message);
        assert_eq!(
            e.hint.as_deref(),
            Some("pass a minisign public key or a PEM `PUBLIC KEY`")
        );
    }

    #[test]
    fn keys_are_read_first_and_a_root_only_when_bundles_need_one() {
        let staging = || TrustRoot::staging().map_err(|e| Failure::usage(e.to_string()));
        let key = sigil_keys::SecretKey::generate().public().to_minisign();
        let asked = std::cell::RefCell::new(Vec::new());
        let read = |p: &Path, what: &str| {
            asked.borrow_mut().push(format!("{} {what}", p.display()));
            Ok(key.clone())
        };
        let keys = [PathBuf::from("k.pub")];
        let (trusted, root) =
            load_trust(&keys, Some(Path::new("r.json")), false, read, staging).unwrap();
        assert_eq!((trusted.ed25519.len(), root.is_none()), (1, true));
        assert_eq!(*asked.borrow(), ["k.pub public key"]);
        let (trusted, root) = load_trust(&[], None, false, read, staging).unwrap();
        assert!(trusted.ed25519.is_empty() && root.is_some());
        let no_default = || Err(Failure::io("no default"));
        let e = load_trust(&[], Some(Path::new("r.json")), false, read, no_default).unwrap_err();
        assert!(e.message.starts_with("r.json: "), "{}", e.message);
        assert_eq!(
            asked.borrow().last().map(String::as_str),
            Some("r.json trusted root")
        );
        assert_eq!(
            load_trust(&[], None, false, read, no_default)
                .unwrap_err()
                .message,
            "no default"
        );
    }

    #[test]
    fn a_document_with_nothing_accepted_is_not_verified_with_each_refusal() {
        let d = digests();
        let v = DocumentVerdict::default();
        let e = verdict(Path::new("s"), Path::new("a.jsonl"), &v, &d).unwrap_err();
        assert_eq!(e.kind, FailureKind::NotVerified);
        assert_eq!(e.message, "a.jsonl: no attestation verified: ");
        assert_eq!(
            e.data,
            Some(
                json!({ "subject": "s", "attestation": "a.jsonl", "reason": MALFORMED, "rejected": [] })
            )
        );
        let trust = AttestationTrust {
            keys: &[],
            managed: &[],
            root: None,
            keyless: None,
        };
        let mut f = flags();
        f.keys = true;
        let e = verify_attestation(
            Path::new("s"),
            Path::new("a.jsonl"),
            "not json",
            &trust,
            &d,
            &f,
        )
        .unwrap_err();
        assert_eq!(e.kind, FailureKind::NotVerified);
        assert_eq!(e.data.unwrap()["reason"], MALFORMED);
    }

    #[test]
    fn pep740_documents_are_told_apart_and_a_failing_one_names_its_refusals() {
        let p = Path::new("a.publish.attestation");
        assert!(pep740_document(p, "not json").unwrap().is_none());
        assert!(pep740_document(p, "{\"payloadType\":\"x\"}")
            .unwrap()
            .is_none());
        let root = TrustRoot::staging().unwrap();
        let policy = SignerPolicy::Keyless {
            identity: Matcher::exact("x"),
            issuer: Matcher::exact("y"),
        };
        let d = digests();
        let v = pep740::verify_document(&root, &[], "w.whl", &d.sha256, &policy, None);
        let e = pep740_verdict(Path::new("w.whl"), p, &v, &d).unwrap_err();
        assert_eq!(e.kind, FailureKind::NotVerified);
        assert_eq!(e.message, "a.publish.attestation (PEP 740): ");
        let data = e.data.unwrap();
        assert_eq!(
            (&data["format"], &data["reason"]),
            (&json!("pep740"), &json!("attestation-malformed"))
        );
    }
}
