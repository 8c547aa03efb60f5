//! The publisher facts a Fulcio certificate carries, and identity rules over them named as
//! `gh attestation verify` names its flags.
//!
//! Fulcio copies the CI platform's OIDC claims into the leaf certificate as extensions under
//! 1.3.6.1.4.1.57264.1: `.8` to `.22` are DER UTF8Strings (`.8` the issuer, `.9` the build
//! signer URI, `.12` the source repository URI...), the deprecated `.1` to `.6` are raw UTF-8
//! bytes. [`PublisherFacts::from_der`] reads them all, with the SAN; [`PublisherPolicy::check`]
//! holds them against what the caller expects and names the claim that differs.
//!
//! The facts mean something only for a certificate whose chain verified: [`crate::verify`]
//! fills [`crate::Verified::publisher`] after it has checked the chain, and applies a
//! [`crate::SignerPolicy::Publisher`] there.

use std::fmt;

use x509_cert::der::asn1::{Ia5StringRef, ObjectIdentifier, Utf8StringRef};
use x509_cert::der::Decode as _;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;

use crate::verify::Matcher;

/// GitHub Actions' OIDC issuer, the default of the publisher flags (as in `gh attestation verify`).
pub const GITHUB_ACTIONS_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// Largest certificate read.
pub const MAX_CERTIFICATE: usize = 64 * 1024;

const ARC: &str = "1.3.6.1.4.1.57264.1";

/// Claims of a Fulcio certificate (`1.3.6.1.4.1.57264.1.*`) and its SAN. Absent claims are
/// `None`. Meaningful only for a certificate whose chain verified.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PublisherFacts {
    /// The SAN (URI, e-mail or other name), the signer's identity.
    pub san: Option<String>,
    /// `.8` OIDC issuer (or the deprecated `.1` when `.8` is absent).
    pub issuer: Option<String>,
    /// `.9` Build Signer URI: the workflow that signed, with its ref.
    pub build_signer_uri: Option<String>,
    /// `.10` Build Signer Digest.
    pub build_signer_digest: Option<String>,
    /// `.11` Runner Environment (`github-hosted`, `self-hosted`).
    pub runner_environment: Option<String>,
    /// `.12` Source Repository URI.
    pub source_repository_uri: Option<String>,
    /// `.13` Source Repository Digest (commit).
    pub source_repository_digest: Option<String>,
    /// `.14` Source Repository Ref.
    pub source_repository_ref: Option<String>,
    /// `.15` Source Repository Identifier.
    pub source_repository_identifier: Option<String>,
    /// `.16` Source Repository Owner URI.
    pub source_repository_owner_uri: Option<String>,
    /// `.17` Source Repository Owner Identifier.
    pub source_repository_owner_identifier: Option<String>,
    /// `.18` Build Config URI: the top-level workflow that ran.
    pub build_config_uri: Option<String>,
    /// `.19` Build Config Digest.
    pub build_config_digest: Option<String>,
    /// `.20` Build Trigger.
    pub build_trigger: Option<String>,
    /// `.21` Run Invocation URI.
    pub run_invocation_uri: Option<String>,
    /// `.22` Source Repository Visibility At Signing.
    pub source_repository_visibility: Option<String>,
    /// Deprecated `.1` issuer.
    pub legacy_issuer: Option<String>,
    /// Deprecated `.2` GitHub Workflow Trigger.
    pub github_workflow_trigger: Option<String>,
    /// Deprecated `.3` GitHub Workflow SHA.
    pub github_workflow_sha: Option<String>,
    /// Deprecated `.4` GitHub Workflow Name.
    pub github_workflow_name: Option<String>,
    /// Deprecated `.5` GitHub Workflow Repository (`owner/repo`).
    pub github_workflow_repository: Option<String>,
    /// Deprecated `.6` GitHub Workflow Ref.
    pub github_workflow_ref: Option<String>,
}

/// Bytes that are not a DER X.509 certificate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExtensionError {
    /// Over [`MAX_CERTIFICATE`].
    #[error("certificate is larger than {MAX_CERTIFICATE} bytes")]
    TooLarge,
    /// Not DER X.509.
    #[error("not a DER X.509 certificate")]
    NotCertificate(#[source] x509_cert::der::Error),
    /// A Fulcio extension of the `.8`-`.22` range that is not a DER UTF8String.
    #[error("extension {oid} is not a DER UTF8String")]
    NotUtf8String {
        /// The extension's OID.
        oid: String,
    },
    /// A deprecated extension (`.1`-`.6`) that is not UTF-8.
    #[error("extension {oid} is not UTF-8")]
    NotUtf8 {
        /// The extension's OID.
        oid: String,
    },
    /// An extension present twice.
    #[error("extension {oid} appears twice")]
    Duplicate {
        /// The extension's OID.
        oid: String,
    },
}

impl PublisherFacts {
    /// The facts for JSON output: repository, owner, workflow, build config, ref, digest,
    /// runner, run, trigger, visibility, issuer and identity.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "repository": self.repository(),
            "owner": self.owner(),
            "workflow": self.build_signer_uri,
            "build_config": self.build_config_uri,
            "ref": self.source_ref(),
            "digest": self.source_digest(),
            "runner_environment": self.runner_environment,
            "run_url": self.run_invocation_uri,
            "trigger": self.build_trigger,
            "visibility": self.source_repository_visibility,
            "issuer": self.issuer,
            "identity": self.san,
        })
    }

    /// Reads the Fulcio extensions and the SAN of a DER certificate. Unknown extensions are
    /// ignored; a known one that is malformed or repeated is an error.
    pub fn from_der(der: &[u8]) -> Result<Self, ExtensionError> {
        if der.len() > MAX_CERTIFICATE {
            return Err(ExtensionError::TooLarge);
        }
        let cert = x509_cert::Certificate::from_der(der).map_err(ExtensionError::NotCertificate)?;
        let mut f = PublisherFacts::default();
        let mut seen: Vec<ObjectIdentifier> = Vec::new();
        let san_oid = ObjectIdentifier::new_unwrap("2.5.29.17");
        for ext in cert.tbs_certificate.extensions.iter().flatten() {
            let oid = ext.extn_id;
            if seen.contains(&oid) {
                return Err(ExtensionError::Duplicate {
                    oid: oid.to_string(),
                });
            }
            seen.push(oid);
            let bytes = ext.extn_value.as_bytes();
            if oid == san_oid {
                f.san = san(bytes);
                continue;
            }
            let s = oid.to_string();
            let Some(n) = s
                .strip_prefix(ARC)
                .and_then(|r| r.strip_prefix('.'))
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            let utf8 = || {
                Utf8StringRef::from_der(bytes)
                    .map(|v| v.as_str().to_owned())
                    .map_err(|_| ExtensionError::NotUtf8String { oid: s.clone() })
            };
            // The deprecated extensions are raw bytes (a UTF8String is accepted too).
            let raw = || {
                Utf8StringRef::from_der(bytes)
                    .ok()
                    .map(|v| v.as_str().to_owned())
                    .or_else(|| std::str::from_utf8(bytes).ok().map(str::to_owned))
                    .ok_or_else(|| ExtensionError::NotUtf8 { oid: s.clone() })
            };
            let slot = match n {
                1 => &mut f.legacy_issuer,
                2 => &mut f.github_workflow_trigger,
                3 => &mut f.github_workflow_sha,
                4 => &mut f.github_workflow_name,
                5 => &mut f.github_workflow_repository,
                6 => &mut f.github_workflow_ref,
                8 => &mut f.issuer,
                9 => &mut f.build_signer_uri,
                10 => &mut f.build_signer_digest,
                11 => &mut f.runner_environment,
                12 => &mut f.source_repository_uri,
                13 => &mut f.source_repository_digest,
                14 => &mut f.source_repository_ref,
                15 => &mut f.source_repository_identifier,
                16 => &mut f.source_repository_owner_uri,
                17 => &mut f.source_repository_owner_identifier,
                18 => &mut f.build_config_uri,
                19 => &mut f.build_config_digest,
                20 => &mut f.build_trigger,
                21 => &mut f.run_invocation_uri,
                22 => &mut f.source_repository_visibility,
                _ => continue,
            };
            *slot = Some(if n <= 6 { raw()? } else { utf8()? });
        }
        if f.issuer.is_none() {
            f.issuer.clone_from(&f.legacy_issuer);
        }
        Ok(f)
    }

    /// The source repository: `.12`, else `https://github.com/` + the deprecated `.5`.
    pub fn repository(&self) -> Option<String> {
        self.source_repository_uri.clone().or_else(|| {
            self.github_workflow_repository
                .as_ref()
                .map(|r| format!("https://github.com/{r}"))
        })
    }

    /// The repository owner: `.16`, else the repository URI without its last segment.
    pub fn owner(&self) -> Option<String> {
        self.source_repository_owner_uri.clone().or_else(|| {
            self.repository()
                .and_then(|r| r.rsplit_once('/').map(|(o, _)| o.to_owned()))
        })
    }

    /// The source ref: `.14`, else the deprecated `.6`.
    pub fn source_ref(&self) -> Option<String> {
        self.source_repository_ref
            .clone()
            .or_else(|| self.github_workflow_ref.clone())
    }

    /// The source commit: `.13`, else the deprecated `.3`.
    pub fn source_digest(&self) -> Option<String> {
        self.source_repository_digest
            .clone()
            .or_else(|| self.github_workflow_sha.clone())
    }

    /// The workflow that signed, without its `@ref`: `.9`, else the SAN.
    pub fn signer_workflow(&self) -> Option<String> {
        self.build_signer_uri
            .as_deref()
            .or(self.san.as_deref())
            .map(|u| strip_ref(u).to_owned())
    }

    /// Present facts as `(name, value)` pairs, kebab-case, for reports.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        [
            ("repository", self.repository()),
            ("owner", self.owner()),
            ("workflow", self.build_signer_uri.clone()),
            ("build-config", self.build_config_uri.clone()),
            ("ref", self.source_ref()),
            ("digest", self.source_digest()),
            ("runner-environment", self.runner_environment.clone()),
            ("run-url", self.run_invocation_uri.clone()),
            ("trigger", self.build_trigger.clone()),
            ("visibility", self.source_repository_visibility.clone()),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k, v)))
        .collect()
    }
}

impl PublisherFacts {
    /// The certificate's own claims as `(name, value)` pairs, kebab-case names of the
    /// extensions, in OID order (the bundle report's `claims`).
    pub fn claim_pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("build-signer-uri", &self.build_signer_uri),
            ("build-signer-digest", &self.build_signer_digest),
            ("runner-environment", &self.runner_environment),
            ("source-repository-uri", &self.source_repository_uri),
            ("source-repository-digest", &self.source_repository_digest),
            ("source-repository-ref", &self.source_repository_ref),
            (
                "source-repository-identifier",
                &self.source_repository_identifier,
            ),
            (
                "source-repository-owner-uri",
                &self.source_repository_owner_uri,
            ),
            ("build-config-uri", &self.build_config_uri),
            ("build-config-digest", &self.build_config_digest),
            ("build-trigger", &self.build_trigger),
            ("run-invocation-uri", &self.run_invocation_uri),
            (
                "source-repository-visibility",
                &self.source_repository_visibility,
            ),
            ("github-workflow-ref", &self.github_workflow_ref),
            (
                "github-workflow-repository",
                &self.github_workflow_repository,
            ),
            ("github-workflow-sha", &self.github_workflow_sha),
            ("github-workflow-trigger", &self.github_workflow_trigger),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect()
    }
}

fn san(bytes: &[u8]) -> Option<String> {
    let names = SubjectAltName::from_der(bytes).ok()?;
    names.0.into_iter().find_map(|n| match n {
        GeneralName::UniformResourceIdentifier(u) => Some(u.as_str().to_owned()),
        GeneralName::Rfc822Name(e) => Some(e.as_str().to_owned()),
        GeneralName::OtherName(o) => o
            .value
            .decode_as::<Utf8StringRef<'_>>()
            .ok()
            .map(|s| s.as_str().to_owned())
            .or_else(|| {
                o.value
                    .decode_as::<Ia5StringRef<'_>>()
                    .ok()
                    .map(|s| s.as_str().to_owned())
            }),
        _ => None,
    })
}

/// `https://github.com/o/r/.github/workflows/w.yml@refs/tags/v1` without `@refs/tags/v1`.
fn strip_ref(uri: &str) -> &str {
    uri.rsplit_once('@').map_or(uri, |(w, _)| w)
}

/// A claim of the certificate that is not what the policy asks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("certificate {claim} is {}, expected {expected}", shown(actual))]
#[non_exhaustive]
pub struct ClaimMismatch {
    /// Which claim: `owner`, `repository`, `signer-workflow`, `signer-repository`,
    /// `source-ref`, `source-digest`, `issuer`, `runner-environment`, `identity`,
    /// `build-config`, `publisher`.
    pub claim: &'static str,
    /// What was expected.
    pub expected: String,
    /// What the certificate says (`None`: it does not say).
    pub actual: Option<String>,
}

fn shown(a: &Option<String>) -> String {
    a.as_ref()
        .map_or_else(|| "absent".to_owned(), |a| format!("{a:?}"))
}

/// What the certificate of a keyless signature must claim, as `gh attestation verify` asks it
/// (`--owner`, `--repo`, `--signer-workflow`, `--signer-repo`, `--source-ref`,
/// `--source-digest`, `--cert-oidc-issuer`, `--deny-self-hosted-runners`). Every field given
/// must hold; repositories and owners compare case-insensitively on `github.com`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PublisherPolicy {
    /// The SAN; `None` for any (the other claims are then the policy).
    pub identity: Option<Matcher>,
    /// The OIDC issuer.
    pub issuer: Matcher,
    /// `--owner OWNER` (or a full `https://HOST/OWNER` URL).
    pub owner: Option<String>,
    /// `--repo OWNER/REPO` (or a full `https://HOST/PATH` URL).
    pub repository: Option<String>,
    /// `--signer-workflow [HOST/]OWNER/REPO/PATH`: the workflow that signed, any ref.
    pub signer_workflow: Option<String>,
    /// `--signer-repo OWNER/REPO`: the repository of the workflow that signed.
    pub signer_repository: Option<String>,
    /// `--source-ref REF`.
    pub source_ref: Option<String>,
    /// `--source-digest SHA`.
    pub source_digest: Option<String>,
    /// `--deny-self-hosted-runners`: the runner environment must be `github-hosted`.
    pub deny_self_hosted_runners: bool,
}

impl PublisherPolicy {
    /// No claim required but the issuer.
    pub fn new(issuer: Matcher) -> Self {
        PublisherPolicy {
            identity: None,
            issuer,
            owner: None,
            repository: None,
            signer_workflow: None,
            signer_repository: None,
            source_ref: None,
            source_digest: None,
            deny_self_hosted_runners: false,
        }
    }

    /// Whether a repository, owner or signer is named (then the certificate is the policy
    /// and no SAN need be given).
    pub fn names_publisher(&self) -> bool {
        self.owner.is_some()
            || self.repository.is_some()
            || self.signer_workflow.is_some()
            || self.signer_repository.is_some()
    }

    /// Whether any claim beyond the issuer and the SAN is asked for (a publisher, ref, digest
    /// or runner): the certificate is then held against this policy.
    pub fn asks_claims(&self) -> bool {
        self.names_publisher()
            || self.source_ref.is_some()
            || self.source_digest.is_some()
            || self.deny_self_hosted_runners
    }

    /// Whether the policy names who signed: a SAN identity, or a repository, owner or signer
    /// ([`PublisherPolicy::names_publisher`]). Without one, any certificate of the issuer
    /// would pass, so callers refuse such a policy.
    pub fn names_signer(&self) -> bool {
        self.identity.is_some() || self.names_publisher()
    }

    /// Holds `facts` against every requirement; the first that fails is returned (in the
    /// order issuer, identity, owner, repository, signer, ref, digest, runner).
    pub fn check(&self, facts: &PublisherFacts) -> Result<(), ClaimMismatch> {
        let miss = |claim, expected: String, actual: Option<String>| {
            Err(ClaimMismatch {
                claim,
                expected,
                actual,
            })
        };
        match &facts.issuer {
            Some(i) if self.issuer.matches(i) => {}
            other => return miss("issuer", self.issuer.to_string(), other.clone()),
        }
        if let Some(m) = &self.identity {
            match &facts.san {
                Some(s) if m.matches(s) => {}
                other => return miss("identity", m.to_string(), other.clone()),
            }
        }
        let host = default_host(&self.issuer, facts);
        if let Some(o) = &self.owner {
            let want = url_of(o, &host);
            let got = facts.owner();
            if !got.as_deref().is_some_and(|g| same_url(g, &want)) {
                return miss("owner", want, got);
            }
        }
        if let Some(r) = &self.repository {
            let want = url_of(r, &host);
            let got = facts.repository();
            if !got.as_deref().is_some_and(|g| same_url(g, &want)) {
                return miss("repository", want, got);
            }
        }
        if let Some(w) = &self.signer_workflow {
            let want = workflow_url(w, &host);
            let got = facts.signer_workflow();
            if !got.as_deref().is_some_and(|g| same_url(g, &want)) {
                return miss("signer-workflow", want, got);
            }
        }
        if let Some(r) = &self.signer_repository {
            let want = url_of(r, &host);
            let got = facts.signer_workflow();
            let ok = got
                .as_deref()
                .is_some_and(|g| signer_in_repository(g, &want));
            if !ok {
                return miss("signer-repository", want, got);
            }
        }
        // As in `gh attestation verify`: --owner or --repo alone binds the signing workflow
        // to that owner or repository (a reusable workflow elsewhere needs --signer-*).
        if self.signer_workflow.is_none() && self.signer_repository.is_none() {
            let scope = self
                .repository
                .as_ref()
                .map(|r| ("repository", url_of(r, &host)))
                .or_else(|| self.owner.as_ref().map(|o| ("owner", url_of(o, &host))));
            if let Some((what, want)) = scope {
                let got = facts.signer_workflow();
                if !got
                    .as_deref()
                    .is_some_and(|g| signer_in_repository(g, &want))
                {
                    let claim = if what == "owner" {
                        "signer-owner"
                    } else {
                        "signer-repository"
                    };
                    return miss(claim, format!("a workflow under {want}"), got);
                }
            }
        }
        if let Some(r) = &self.source_ref {
            let got = facts.source_ref();
            if got.as_deref() != Some(r.as_str()) {
                return miss("source-ref", r.clone(), got);
            }
        }
        if let Some(d) = &self.source_digest {
            let got = facts.source_digest();
            if !got.as_deref().is_some_and(|g| g.eq_ignore_ascii_case(d)) {
                return miss("source-digest", d.clone(), got);
            }
        }
        if self.deny_self_hosted_runners
            && facts.runner_environment.as_deref() != Some("github-hosted")
        {
            return miss(
                "runner-environment",
                "github-hosted".to_owned(),
                facts.runner_environment.clone(),
            );
        }
        Ok(())
    }
}

/// The forge host the short forms (`OWNER/REPO`) name: GitHub's for its issuer, else the host
/// of the certificate's own repository URI.
fn default_host(issuer: &Matcher, facts: &PublisherFacts) -> String {
    if matches!(issuer, Matcher::Exact(i) if i == GITHUB_ACTIONS_ISSUER) {
        return "github.com".to_owned();
    }
    facts
        .repository()
        .and_then(|r| {
            r.strip_prefix("https://")
                .and_then(|r| r.split('/').next())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| "github.com".to_owned())
}

/// `OWNER/REPO` → `https://HOST/OWNER/REPO`; a full `https://` URL is kept.
fn url_of(s: &str, host: &str) -> String {
    let s = s.trim_end_matches('/');
    if s.starts_with("https://") {
        s.to_owned()
    } else {
        format!("https://{host}/{s}")
    }
}

/// `[HOST/]OWNER/REPO/PATH` → `https://HOST/OWNER/REPO/PATH` (a `@ref` is dropped: any ref).
fn workflow_url(s: &str, host: &str) -> String {
    let s = strip_ref(s.trim_start_matches("https://"));
    let first = s.split('/').next().unwrap_or_default();
    if first.contains('.') && s.split('/').count() > 3 {
        format!("https://{s}")
    } else {
        format!("https://{host}/{s}")
    }
}

/// Whether two URLs are the same: exactly, or on github.com case-insensitively (GitHub owner
/// and repository names are case-insensitive; workflow paths are not, but GitHub refuses two
/// workflows differing only in case in one directory).
fn same_url(a: &str, b: &str) -> bool {
    let a = a.trim_end_matches('/');
    let b = b.trim_end_matches('/');
    a == b
        || (a.to_ascii_lowercase().starts_with("https://github.com/") && a.eq_ignore_ascii_case(b))
}

/// Whether the workflow URL `w` lies in repository (or owner) `repo`.
fn signer_in_repository(w: &str, repo: &str) -> bool {
    let prefix = format!("{}/", repo.trim_end_matches('/'));
    w.get(..prefix.len())
        .is_some_and(|p| same_url(p.trim_end_matches('/'), prefix.trim_end_matches('/')))
}

impl fmt::Display for PublisherPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = vec![format!("issuer {}", self.issuer)];
        if let Some(i) = &self.identity {
            parts.push(format!("identity {i}"));
        }
        for (k, v) in [
            ("owner", &self.owner),
            ("repository", &self.repository),
            ("signer workflow", &self.signer_workflow),
            ("signer repository", &self.signer_repository),
            ("source ref", &self.source_ref),
            ("source digest", &self.source_digest),
        ] {
            if let Some(v) = v {
                parts.push(format!("{k} {v:?}"));
            }
        }
        if self.deny_self_hosted_runners {
            parts.push("github-hosted runners only".to_owned());
        }
        f.write_str(&parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gh_facts() -> PublisherFacts {
        PublisherFacts {
            san: Some(
                "https://github.com/Octo/Repo/.github/workflows/release.yml@refs/tags/v1".into(),
            ),
            issuer: Some(GITHUB_ACTIONS_ISSUER.into()),
            build_signer_uri: Some(
                "https://github.com/Octo/Repo/.github/workflows/release.yml@refs/tags/v1".into(),
            ),
            source_repository_uri: Some("https://github.com/Octo/Repo".into()),
            source_repository_owner_uri: Some("https://github.com/Octo".into()),
            source_repository_ref: Some("refs/tags/v1".into()),
            source_repository_digest: Some("ABCDEF".into()),
            runner_environment: Some("self-hosted".into()),
            ..Default::default()
        }
    }

    fn policy() -> PublisherPolicy {
        PublisherPolicy::new(Matcher::exact(GITHUB_ACTIONS_ISSUER))
    }

    #[test]
    fn facts_as_json_name_each_claim() {
        let f = gh_facts();
        let j = f.to_json();
        assert_eq!(j["repository"], serde_json::json!(f.repository()));
        assert_eq!(j["owner"], serde_json::json!(f.owner()));
        assert_eq!(j["workflow"], serde_json::json!(f.build_signer_uri));
        assert_eq!(j["ref"], "refs/tags/v1");
        assert_eq!(j["digest"], "ABCDEF");
        assert_eq!(j["runner_environment"], "self-hosted");
        assert_eq!(j["issuer"], GITHUB_ACTIONS_ISSUER);
        assert_eq!(j["identity"], serde_json::json!(f.san));
        assert_eq!(j["run_url"], serde_json::Value::Null);
        assert_eq!(j.as_object().map(|o| o.len()), Some(12));
    }

    #[test]
    fn claims_beyond_the_issuer_are_asked_by_any_publisher_flag() {
        let mut p = policy();
        assert!(!p.asks_claims());
        p.identity = Some(Matcher::exact("x"));
        assert!(!p.asks_claims());
        for set in [
            |p: &mut PublisherPolicy| p.owner = Some("o".into()),
            |p: &mut PublisherPolicy| p.source_ref = Some("r".into()),
            |p: &mut PublisherPolicy| p.source_digest = Some("d".into()),
            |p: &mut PublisherPolicy| p.deny_self_hosted_runners = true,
        ] {
            let mut p = policy();
            set(&mut p);
            assert!(p.asks_claims());
        }
    }

    fn result(p: PublisherPolicy) -> String {
        match p.check(&gh_facts()) {
            Ok(()) => "ok".to_owned(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_policy_names_a_signer_only_with_an_identity_or_a_publisher() {
        let mut p = policy();
        p.source_digest = Some("abcdef".into());
        p.deny_self_hosted_runners = true;
        assert!(
            !p.names_signer(),
            "digest and runner say nothing of who signed"
        );
        p.signer_repository = Some("octo/repo".into());
        assert!(p.names_signer());
        let mut p = policy();
        p.identity = Some(Matcher::exact("https://github.com/octo/repo/x"));
        assert!(p.names_signer() && !p.names_publisher());
    }

    #[test]
    fn publisher_rules_accept_the_claims_they_name() {
        let mut p = policy();
        p.owner = Some("octo".into());
        assert_eq!(result(p.clone()), "ok");
        p.repository = Some("octo/repo".into());
        p.signer_workflow = Some("github.com/octo/repo/.github/workflows/release.yml".into());
        p.source_ref = Some("refs/tags/v1".into());
        p.source_digest = Some("abcdef".into());
        assert_eq!(result(p.clone()), "ok");
        p.signer_workflow = Some("octo/repo/.github/workflows/release.yml@refs/heads/x".into());
        assert_eq!(result(p), "ok");
        let mut p = policy();
        p.repository = Some("https://github.com/Octo/Repo".into());
        p.signer_repository = Some("Octo/Repo".into());
        assert_eq!(result(p), "ok");
    }

    #[test]
    fn publisher_rules_name_the_claim_that_differs() {
        let mut p = policy();
        p.owner = Some("other".into());
        assert_eq!(
            result(p),
            "certificate owner is \"https://github.com/Octo\", expected https://github.com/other"
        );
        let mut p = policy();
        p.repository = Some("octo/other".into());
        assert_eq!(
            result(p),
            "certificate repository is \"https://github.com/Octo/Repo\", expected https://github.com/octo/other"
        );
        let mut p = policy();
        p.signer_workflow = Some("octo/repo/.github/workflows/wrong.yml".into());
        assert_eq!(
            result(p),
            "certificate signer-workflow is \"https://github.com/Octo/Repo/.github/workflows/release.yml\", expected https://github.com/octo/repo/.github/workflows/wrong.yml"
        );
        let mut p = policy();
        p.source_ref = Some("refs/heads/main".into());
        assert_eq!(
            result(p),
            "certificate source-ref is \"refs/tags/v1\", expected refs/heads/main"
        );
        let mut p = policy();
        p.deny_self_hosted_runners = true;
        assert_eq!(
            result(p),
            "certificate runner-environment is \"self-hosted\", expected github-hosted"
        );
        let mut p = PublisherPolicy::new(Matcher::exact("https://gitlab.com"));
        p.owner = Some("octo".into());
        assert_eq!(
            result(p),
            "certificate issuer is \"https://token.actions.githubusercontent.com\", expected \"https://gitlab.com\""
        );
        // A reusable workflow of another repository signs: --repo alone is not enough.
        let mut f = gh_facts();
        f.build_signer_uri =
            Some("https://github.com/shared/wf/.github/workflows/build.yml@refs/tags/v2".into());
        let mut p = policy();
        p.repository = Some("octo/repo".into());
        assert_eq!(
            p.check(&f).map_err(|e| e.to_string()),
            Err("certificate signer-repository is \"https://github.com/shared/wf/.github/workflows/build.yml\", expected a workflow under https://github.com/octo/repo".to_owned())
        );
        p.signer_repository = Some("shared/wf".into());
        assert_eq!(p.check(&f), Ok(()));
        // Prefix tricks: octo/repo-evil is not octo/repo.
        f.build_signer_uri =
            Some("https://github.com/octo/repo-evil/.github/workflows/x.yml@refs/heads/m".into());
        assert!(p.check(&f).is_err());
    }

    #[test]
    fn non_certificates_are_errors_not_panics() {
        assert!(matches!(
            PublisherFacts::from_der(b"junk"),
            Err(ExtensionError::NotCertificate(_))
        ));
        assert!(matches!(
            PublisherFacts::from_der(&vec![0u8; MAX_CERTIFICATE + 1]),
            Err(ExtensionError::TooLarge)
        ));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = PublisherFacts::from_der(&bytes);
        }
    }
}
