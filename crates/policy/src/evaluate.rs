//! Evaluation: a [`Policy`] and the gathered [`Evidence`] give a [`Decision`].
//!
//! Evaluation cannot fail: a policy that could not be evaluated is rejected by
//! [`Policy::parse`], so a deny is always an answer with findings, never an error.

use std::collections::BTreeSet;

use crate::codes::{Code, Rule};
use crate::evidence::{
    Evidence, EvidenceSigner, KeylessOutcome, SignatureOutcome, SignatureVia, SignedComment,
    SubjectKind,
};
use crate::model::{KeyRole, Policy, TrustedKey};
use crate::time::Timestamp;

/// Allowed or denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Every rule passed.
    Allow,
    /// At least one finding denies.
    Deny,
}

impl Verdict {
    /// `allow` or `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
        }
    }
}

/// How much a finding weighs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Denies unless waived.
    Deny,
    /// Reported, never denies.
    Warning,
}

impl Severity {
    /// `deny` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Deny => "deny",
            Severity::Warning => "warning",
        }
    }
}

/// One thing a rule found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable code.
    pub code: Code,
    /// Deny or warning.
    pub severity: Severity,
    /// What was found, lowercase.
    pub message: String,
    /// The evidence file concerned, if any.
    pub source: Option<String>,
    /// The exception reason, when a policy exception waived it.
    pub waived: Option<String>,
}

impl Finding {
    fn deny(code: Code, message: impl Into<String>, source: Option<&str>) -> Self {
        Self {
            code,
            severity: Severity::Deny,
            message: message.into(),
            source: source.map(str::to_owned),
            waived: None,
        }
    }

    fn warning(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: Severity::Warning,
            message: message.into(),
            source: None,
            waived: None,
        }
    }

    /// Whether it denies the artifact.
    pub fn denies(&self) -> bool {
        self.severity == Severity::Deny && self.waived.is_none()
    }
}

/// A rule's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleVerdict {
    /// Checked and satisfied.
    Pass,
    /// Checked and not satisfied.
    Fail,
    /// The policy does not ask for it here.
    NotRequired,
}

impl RuleVerdict {
    /// `pass`, `fail` or `not-required`.
    pub fn as_str(self) -> &'static str {
        match self {
            RuleVerdict::Pass => "pass",
            RuleVerdict::Fail => "fail",
            RuleVerdict::NotRequired => "not-required",
        }
    }
}

/// One rule's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleResult {
    /// Which rule.
    pub rule: Rule,
    /// Its verdict.
    pub verdict: RuleVerdict,
    /// A one-line summary.
    pub detail: String,
}

/// The answer.
#[derive(Debug, Clone)]
pub struct Decision {
    /// Allow only when no finding denies.
    pub verdict: Verdict,
    /// Every rule, in report order.
    pub rules: Vec<RuleResult>,
    /// Every finding, waived ones included.
    pub findings: Vec<Finding>,
    /// The distinct trusted signers counted towards the threshold.
    pub signers: Vec<String>,
    /// The trusted comments of the signatures that verified with a policy key.
    pub signed_comments: Vec<SignedComment>,
}

impl Decision {
    /// A deny made only of problems found before evaluation could start (for example an
    /// oversized download), so it can be reported and logged like any other decision.
    pub fn refused(code: Code, message: impl Into<String>, source: Option<&str>) -> Self {
        let f = Finding::deny(code, message, source);
        let rules = Rule::ALL
            .iter()
            .map(|r| RuleResult {
                rule: *r,
                verdict: if *r == code.rule() {
                    RuleVerdict::Fail
                } else {
                    RuleVerdict::NotRequired
                },
                detail: if *r == code.rule() {
                    f.message.clone()
                } else {
                    "not evaluated".to_owned()
                },
            })
            .collect();
        Decision {
            verdict: Verdict::Deny,
            rules,
            findings: vec![f],
            signers: Vec::new(),
            signed_comments: Vec::new(),
        }
    }

    /// Whether it allows.
    pub fn allowed(&self) -> bool {
        self.verdict == Verdict::Allow
    }
}

/// Why a trusted key does not count right now.
fn key_problem(policy: &Policy, k: &TrustedKey, now: Timestamp) -> Option<(Code, String)> {
    let id = k.key.key_id();
    if policy.is_revoked(id) {
        return Some((Code::KeyRevoked, format!("key {} is revoked", k.label())));
    }
    if let Some(nb) = k.not_before {
        if now < nb {
            return Some((
                Code::KeyNotYetValid,
                format!("key {} is not valid before {nb}", k.label()),
            ));
        }
    }
    if let Some(na) = k.not_after {
        if now > na {
            return Some((
                Code::KeyExpired,
                format!("key {} expired at {na}", k.label()),
            ));
        }
    }
    None
}

/// Why a trusted key that verified does not count for evidence of kind `role`.
fn role_problem(k: &TrustedKey, role: KeyRole) -> Option<(Code, String)> {
    (!k.has_role(role)).then(|| {
        (
            Code::KeyRoleMissing,
            format!(
                "signed by key {}, whose roles ({}) do not include {role}, so it does not count",
                k.label(),
                k.roles_text()
            ),
        )
    })
}

impl Policy {
    /// The keys whose artifact signatures count right now: trusted with the `artifact` role, not
    /// revoked, inside their window (for example the keys a pack manifest may be signed with
    /// when installing).
    pub fn usable_keys(&self, now: Timestamp) -> Vec<&TrustedKey> {
        self.keys
            .iter()
            .filter(|k| key_problem(self, k, now).is_none() && k.has_role(KeyRole::Artifact))
            .collect()
    }
}

/// Whether `actual` is the builder the policy names: equal, or (when `expected` has no `@`)
/// equal up to `actual`'s `@ref`, as slsa-verifier compares builder ids.
fn builder_matches(actual: &str, expected: &str) -> bool {
    actual == expected
        || (!expected.contains('@')
            && actual
                .strip_prefix(expected)
                .is_some_and(|rest| rest.starts_with('@')))
}

/// Attestations signed by a revoked or out-of-window key, by a key whose roles do not cover the
/// attestation's kind, or by an identity the policy does not trust, are findings that deny, as
/// signatures are.
fn attestation_signers(
    policy: &Policy,
    ev: &Evidence,
    now: Timestamp,
    findings: &mut Vec<Finding>,
) {
    for a in &ev.attestations {
        let src = Some(a.source.as_str());
        match &a.signer {
            EvidenceSigner::Key(raw) => {
                if let Some((code, msg)) = policy.trusted_key(raw).and_then(|k| {
                    key_problem(policy, k, now).or_else(|| {
                        policy
                            .role_for_predicate(&a.predicate_type)
                            .and_then(|role| role_problem(k, role))
                    })
                }) {
                    findings.push(Finding::deny(
                        code,
                        format!("attestation ({}): {msg}", a.predicate_type),
                        src,
                    ));
                }
            }
            EvidenceSigner::Identity { issuer, subject } => {
                if !policy
                    .identities
                    .iter()
                    .any(|i| i.matches(issuer, subject, None))
                {
                    findings.push(Finding::deny(
                        Code::IdentityMismatch,
                        format!("attestation ({}) signed by {subject} ({issuer}), which matches no trusted identity", a.predicate_type),
                        src,
                    ));
                }
            }
        }
    }
}

/// Whether an attestation signer is trusted right now for evidence of kind `role`.
fn signer_trusted(policy: &Policy, s: &EvidenceSigner, now: Timestamp, role: KeyRole) -> bool {
    match s {
        EvidenceSigner::Key(raw) => policy
            .trusted_key(raw)
            .is_some_and(|k| key_problem(policy, k, now).is_none() && k.has_role(role)),
        EvidenceSigner::Identity { issuer, subject } => policy
            .identities
            .iter()
            .any(|i| i.matches(issuer, subject, None)),
    }
}

/// The comparable form of a source URI: scheme, `git+`, user, `.git`, trailing `/` and
/// `@ref` dropped, the host lower-cased, and on `github.com` the owner and repository too.
/// The same rule `sigil-attest` applies to every source fact
/// ([`sigil_attest::verify::repository_key`]).
pub fn normalize_source_uri(u: &str) -> String {
    sigil_attest::verify::repository_key(u)
}

fn trust(
    policy: &Policy,
    ev: &Evidence,
    now: Timestamp,
    findings: &mut Vec<Finding>,
    signers: &mut Vec<String>,
) -> String {
    let mut keys: BTreeSet<[u8; 32]> = BTreeSet::new();
    let mut ids: BTreeSet<(String, String)> = BTreeSet::new();
    for s in &ev.signatures {
        let src = Some(s.source.as_str());
        // The manifest inside a pack archive is checked but not counted.
        let counts = s.via != SignatureVia::PackManifest;
        match &s.outcome {
            SignatureOutcome::Verified { key } => match policy.trusted_key(key) {
                None => findings.push(Finding::deny(
                    Code::KeyUntrusted,
                    format!(
                        "signed by key {}, which the policy does not trust",
                        s.key_id
                    ),
                    src,
                )),
                Some(k) => match key_problem(policy, k, now)
                    .or_else(|| role_problem(k, KeyRole::Artifact))
                {
                    Some((code, msg)) => findings.push(Finding::deny(code, msg, src)),
                    None => {
                        if counts && keys.insert(*key) {
                            signers.push(format!("key {}", k.label()));
                        }
                    }
                },
            },
            SignatureOutcome::Invalid { reason } => {
                findings.push(Finding::deny(
                    Code::SignatureInvalid,
                    format!("signature by key {} does not verify: {reason}", s.key_id),
                    src,
                ));
            }
            SignatureOutcome::UnknownKey => {
                findings.push(Finding::deny(
                    Code::KeyUntrusted,
                    format!(
                        "signed by key {}, which the policy does not trust",
                        s.key_id
                    ),
                    src,
                ));
            }
            SignatureOutcome::DigestMismatch { listed } => {
                let what = if s.via == SignatureVia::ChecksumList {
                    "the signed checksum list"
                } else {
                    "the signature"
                };
                findings.push(Finding::deny(
                    Code::DigestMismatch,
                    format!(
                        "{what} gives sha256 {} but the artifact is {}",
                        listed.to_hex(),
                        ev.subject.sha256.to_hex()
                    ),
                    src,
                ));
            }
        }
    }
    for k in &ev.keyless {
        let src = Some(k.source.as_str());
        match &k.outcome {
            KeylessOutcome::Verified { issuer, subject } => {
                if policy.identities.iter().any(|i| i.matches(issuer, subject, k.claims.as_ref())) {
                    if ids.insert((issuer.clone(), subject.clone())) {
                        signers.push(format!("identity {subject} ({issuer})"));
                    }
                } else {
                    findings.push(Finding::deny(
                        Code::IdentityMismatch,
                        format!("signed by {subject} ({issuer}), which matches no trusted identity"),
                        src,
                    ));
                }
            }
            KeylessOutcome::Invalid { reason } => {
                findings.push(Finding::deny(Code::BundleInvalid, format!("bundle does not verify: {reason}"), src))
            }
            KeylessOutcome::Unsupported => findings.push(Finding::deny(
                Code::KeylessUnsupported,
                "a Sigstore bundle is present but this build cannot verify bundles, so it does not count",
                src,
            )),
        }
    }
    let count = keys.len() + ids.len();
    let counted = ev
        .signatures
        .iter()
        .filter(|s| s.via != SignatureVia::PackManifest)
        .count();
    if counted == 0 && ev.keyless.is_empty() {
        findings.push(Finding::deny(
            Code::SignatureMissing,
            format!(
                "no signature found for {} (looked for .minisig sidecars, a signed SHA256SUMS and a .sigstore.json bundle)",
                ev.subject.name
            ),
            None,
        ));
    } else if (count as u64) < u64::from(policy.threshold) {
        findings.push(Finding::deny(
            Code::ThresholdNotMet,
            format!(
                "{count} of {} required distinct trusted signers",
                policy.threshold
            ),
            None,
        ));
    }
    format!(
        "{count} of {} required distinct trusted signers",
        policy.threshold
    )
}

fn provenance(
    policy: &Policy,
    ev: &Evidence,
    now: Timestamp,
    findings: &mut Vec<Finding>,
) -> Option<String> {
    let rule = policy.provenance.as_ref()?;
    let candidates: Vec<_> = ev
        .attestations
        .iter()
        .filter(|a| {
            a.predicate_type == rule.predicate_type
                && signer_trusted(policy, &a.signer, now, KeyRole::Provenance)
        })
        .collect();
    let untrusted = ev
        .attestations
        .iter()
        .filter(|a| a.predicate_type == rule.predicate_type)
        .count()
        - candidates.len();
    if candidates.is_empty() {
        if ev.attestations_unsupported {
            findings.push(Finding::deny(
                Code::ProvenanceUnsupported,
                "provenance is required, but this build cannot verify attestations",
                None,
            ));
        } else {
            let extra = if untrusted > 0 {
                format!(" ({untrusted} from untrusted signers ignored)")
            } else {
                String::new()
            };
            findings.push(Finding::deny(
                Code::ProvenanceMissing,
                format!(
                    "no provenance ({}) from a trusted signer names the artifact{extra}",
                    rule.predicate_type
                ),
                None,
            ));
        }
        return Some("required provenance not found".to_owned());
    }
    let mut best: Option<Vec<Finding>> = None;
    for a in &candidates {
        let facts = a.provenance.clone().unwrap_or_default();
        let src = Some(a.source.as_str());
        let mut fs = Vec::new();
        match &facts.findings {
            // sigil-attest judged the builder and every source fact: take its findings, each
            // with its own code, so an exception waives exactly that one.
            Some(found) => fs.extend(
                found
                    .iter()
                    .map(|f| Finding::deny(f.code, f.message.clone(), src)),
            ),
            None => {
                if let Some(want) = &rule.builder_id {
                    if !facts
                        .builder_id
                        .as_deref()
                        .is_some_and(|b| builder_matches(b, want))
                    {
                        fs.push(Finding::deny(
                            Code::BuilderMismatch,
                            format!(
                                "builder {:?}, expected {want:?}",
                                facts.builder_id.as_deref().unwrap_or("(none)")
                            ),
                            src,
                        ));
                    }
                }
                if let Some(want) = &rule.source_uri {
                    if facts.source_uri.as_deref().map(normalize_source_uri)
                        != Some(normalize_source_uri(want))
                    {
                        fs.push(Finding::deny(
                            Code::SourceMismatch,
                            format!(
                                "source {:?}, expected {want:?}",
                                facts.source_uri.as_deref().unwrap_or("(none)")
                            ),
                            src,
                        ));
                    }
                }
            }
        }
        if let Some(want) = &rule.source_ref {
            if !facts.source_ref.as_deref().is_some_and(|r| want.matches(r)) {
                fs.push(Finding::deny(
                    Code::RefMismatch,
                    format!(
                        "source ref {:?} does not match the policy",
                        facts.source_ref.as_deref().unwrap_or("(none)")
                    ),
                    src,
                ));
            }
        }
        if best.as_ref().is_none_or(|b| fs.len() < b.len()) {
            best = Some(fs);
        }
    }
    let best = best.unwrap_or_default();
    let detail = if best.is_empty() {
        "trusted provenance matches".to_owned()
    } else {
        "trusted provenance does not match".to_owned()
    };
    findings.extend(best);
    Some(detail)
}

fn sbom(
    policy: &Policy,
    ev: &Evidence,
    now: Timestamp,
    findings: &mut Vec<Finding>,
) -> Option<String> {
    let rule = policy.sbom.as_ref()?;
    let found = ev.attestations.iter().any(|a| {
        rule.predicate_types.iter().any(|t| t == &a.predicate_type)
            && signer_trusted(policy, &a.signer, now, KeyRole::Sbom)
    });
    if found {
        return Some("trusted SBOM attestation found".to_owned());
    }
    if ev.attestations_unsupported {
        findings.push(Finding::deny(
            Code::SbomUnsupported,
            "an SBOM attestation is required, but this build cannot verify attestations",
            None,
        ));
    } else {
        findings.push(Finding::deny(
            Code::SbomMissing,
            format!(
                "no SBOM attestation ({}) from a trusted signer names the artifact",
                rule.predicate_types.join(", ")
            ),
            None,
        ));
    }
    Some("required SBOM not found".to_owned())
}

fn pack(policy: &Policy, ev: &Evidence, findings: &mut Vec<Finding>) -> Option<String> {
    if ev.subject.kind != SubjectKind::Pack {
        return None;
    }
    let Some(facts) = ev.pack else {
        if !ev.problems.iter().any(|p| p.code.rule() == Rule::Pack) {
            findings.push(Finding::deny(
                Code::PackUnsupported,
                "the artifact is a pack but its manifest could not be checked",
                None,
            ));
        }
        return Some("pack not checked".to_owned());
    };
    if let Some(max) = policy.pack.max_files {
        if facts.files > max {
            findings.push(Finding::deny(
                Code::PackLimitExceeded,
                format!("pack has {} files, the policy allows {max}", facts.files),
                None,
            ));
        }
    }
    if let Some(max) = policy.pack.max_total_bytes {
        if facts.total_bytes > max {
            findings.push(Finding::deny(
                Code::PackLimitExceeded,
                format!(
                    "pack has {} bytes, the policy allows {max}",
                    facts.total_bytes
                ),
                None,
            ));
        }
    }
    Some(format!(
        "{} files, {} bytes",
        facts.files, facts.total_bytes
    ))
}

/// Evaluates every rule of `policy` against `evidence` at time `now`.
pub fn evaluate(policy: &Policy, evidence: &Evidence, now: Timestamp) -> Decision {
    let mut findings: Vec<Finding> = evidence
        .problems
        .iter()
        .map(|p| Finding::deny(p.code, p.message.clone(), Some(&p.source)))
        .collect();
    let mut signers = Vec::new();
    let mut details: Vec<(Rule, Option<String>)> = Vec::new();
    details.push((
        Rule::Evidence,
        Some(format!(
            "{} ({} bytes, sha256 {})",
            evidence.subject.name,
            evidence.subject.bytes,
            evidence.subject.sha256.to_hex()
        )),
    ));
    details.push((
        Rule::Trust,
        Some(trust(policy, evidence, now, &mut findings, &mut signers)),
    ));
    attestation_signers(policy, evidence, now, &mut findings);
    details.push((
        Rule::Provenance,
        provenance(policy, evidence, now, &mut findings),
    ));
    details.push((Rule::Sbom, sbom(policy, evidence, now, &mut findings)));
    details.push((Rule::Pack, pack(policy, evidence, &mut findings)));
    let run = (evidence.purpose == crate::Purpose::Run).then(|| {
        if policy.run_allowed {
            "the policy allows running artifacts".to_owned()
        } else {
            findings.push(Finding::deny(
                Code::RunNotAllowed,
                "the policy does not allow running artifacts",
                None,
            ));
            "running is not allowed".to_owned()
        }
    });
    details.push((Rule::Run, run));

    // Exceptions: each waives matching deny findings; expired and unused ones are warnings.
    let mut used = vec![false; policy.exceptions.len()];
    for f in findings
        .iter_mut()
        .filter(|f| f.severity == Severity::Deny && f.code.waivable())
    {
        for (i, e) in policy.exceptions.iter().enumerate() {
            let live = e.expires.is_none_or(|x| now <= x);
            let applies = e
                .artifact
                .as_ref()
                .is_none_or(|r| r.is_match(&evidence.subject.name));
            if e.code == f.code && live && applies {
                f.waived = Some(e.reason.clone());
                used[i] = true;
                break;
            }
        }
    }
    for (i, e) in policy.exceptions.iter().enumerate() {
        match e.expires {
            Some(x) if now > x => findings.push(Finding::warning(
                Code::ExceptionExpired,
                format!("exception for {} at {} expired at {x}", e.code, e.location),
            )),
            _ if !used[i] => findings.push(Finding::warning(
                Code::UnusedException,
                format!(
                    "exception for {} at {} matched no finding",
                    e.code, e.location
                ),
            )),
            _ => {}
        }
    }
    details.push((
        Rule::Exceptions,
        (!policy.exceptions.is_empty()).then(|| {
            format!(
                "{} of {} exceptions applied",
                used.iter().filter(|u| **u).count(),
                used.len()
            )
        }),
    ));

    let rules = details
        .into_iter()
        .map(|(rule, detail)| {
            let failed = findings.iter().any(|f| f.denies() && f.code.rule() == rule);
            match detail {
                None => RuleResult {
                    rule,
                    verdict: RuleVerdict::NotRequired,
                    detail: "not required by the policy".to_owned(),
                },
                Some(d) => RuleResult {
                    rule,
                    verdict: if failed {
                        RuleVerdict::Fail
                    } else {
                        RuleVerdict::Pass
                    },
                    detail: d,
                },
            }
        })
        .collect::<Vec<_>>();
    let verdict = if findings.iter().any(Finding::denies) {
        Verdict::Deny
    } else {
        Verdict::Allow
    };
    Decision {
        verdict,
        rules,
        findings,
        signers,
        signed_comments: evidence.signed_comments.clone(),
    }
}
