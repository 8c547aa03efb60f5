//! What a verified statement must say: the subject, the predicate type, and for SLSA
//! provenance the builder (bound to the signer), the source repository and the ref.
//!
//! Signature checking happens before this module (DSSE with trusted keys, or a Sigstore
//! bundle); here the authenticated statement is held against the user's expectations and
//! against who signed it.
//!
//! Builder binding, as slsa-verifier does it:
//! - signed with a trusted key: the key is the trust anchor; `--builder-id` is compared with
//!   the provenance's builder id (exactly, or up to its `@ref`);
//! - keyless, signed by an slsa-github-generator delegator workflow: the delegator is the
//!   signer and the provenance names the real builder, so `--builder-id` is required and is
//!   matched against it; the builder id must be pinned to a `refs/tags/v` tag;
//! - keyless, builder `https://github.com/actions/runner/{github,self}-hosted` (npm CLI
//!   provenance): `--builder-id` is required and must be exactly that id, the certificate's
//!   runner environment must agree, and the provenance's source, ref, commit, workflow and
//!   run must equal the certificate's;
//! - keyless otherwise: the certificate identity IS the builder: the provenance's builder id
//!   must equal the certificate's subject, so a valid signature from another workflow is
//!   rejected (`signer-not-builder`).

use sigil_core::{Sha256Digest, Sha512Digest};
use thiserror::Error;

use crate::dsse::INTOTO_PAYLOAD_TYPE;
use crate::provenance::{
    self, ProvenanceReadError, ProvenanceView, SLSA_PROVENANCE_V02, SLSA_PROVENANCE_V1,
};
use crate::statement::{Statement, StatementParseError};

/// The OIDC issuer of GitHub Actions workflow identities.
pub const GITHUB_ACTIONS_ISSUER: &str = "https://token.actions.githubusercontent.com";

/// slsa-github-generator's delegator workflows: they sign for builders that name themselves in
/// the provenance.
pub const DELEGATOR_WORKFLOWS: [&str; 2] = [
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/delegator_generic_slsa3.yml",
    "https://github.com/slsa-framework/slsa-github-generator/.github/workflows/delegator_lowperms-generic_slsa3.yml",
];

/// Builder ids the npm CLI writes for GitHub-hosted and self-hosted runners.
pub const RUNNER_BUILDERS: [(&str, &str); 2] = [
    (
        "https://github.com/actions/runner/github-hosted",
        "github-hosted",
    ),
    (
        "https://github.com/actions/runner/self-hosted",
        "self-hosted",
    ),
];

/// A Fulcio certificate's identity and the GitHub workflow facts it carries
/// (OIDs 1.3.6.1.4.1.57264.1.8 onwards; the legacy 1.1-1.6 values fill gaps).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertificateIdentity {
    /// The subject alternative name (for GitHub: the signing workflow's URI and ref).
    pub identity: String,
    /// The OIDC issuer.
    pub issuer: String,
    /// Source Repository URI (1.12), e.g. `https://github.com/o/r`.
    pub source_repository_uri: Option<String>,
    /// Source Repository Ref (1.14).
    pub source_repository_ref: Option<String>,
    /// Source Repository Digest (1.13).
    pub source_repository_digest: Option<String>,
    /// Build Config URI (1.18): the top-level workflow `https://github.com/o/r/<path>@<ref>`.
    pub build_config_uri: Option<String>,
    /// Run Invocation URI (1.21).
    pub run_invocation_uri: Option<String>,
    /// Runner Environment (1.11): `github-hosted` or `self-hosted`.
    pub runner_environment: Option<String>,
}

/// Who signed a statement, as established by signature verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    /// A trusted key, by fingerprint.
    Key {
        /// [`sigil_keys::PublicKey::fingerprint`].
        fingerprint: String,
    },
    /// A keyless (Fulcio) certificate that chained to the trusted root.
    Certificate(CertificateIdentity),
}

impl Signer {
    /// A one-line description for output.
    pub fn describe(&self) -> String {
        match self {
            Signer::Key { fingerprint } => format!("key {fingerprint}"),
            Signer::Certificate(c) => format!("{} (issuer {})", c.identity, c.issuer),
        }
    }
}

/// What the user expects the attestation to say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expectations {
    /// `--predicate-type`.
    pub predicate_type: Option<String>,
    /// `--builder-id`.
    pub builder_id: Option<String>,
    /// `--source-uri` (`github.com/o/r`, `https://github.com/o/r`, `git+https://...` alike).
    pub source_uri: Option<String>,
    /// `--source-ref` (`refs/tags/v1`, or a short `v1`/`main` matching a tag or branch).
    pub source_ref: Option<String>,
}

impl Expectations {
    fn wants_provenance(&self) -> bool {
        self.builder_id.is_some() || self.source_uri.is_some() || self.source_ref.is_some()
    }
}

/// What was established about an attestation that passed.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// The statement.
    pub statement: Statement,
    /// Index of the subject that names the artifact.
    pub subject_index: usize,
    /// The provenance fields, when the predicate is SLSA provenance.
    pub provenance: Option<ProvenanceView>,
}

impl Checked {
    /// The matching subject's name.
    pub fn subject_name(&self) -> &str {
        self.statement
            .subjects
            .get(self.subject_index)
            .map_or("", |s| s.name.as_str())
    }
}

/// Why an authenticated attestation does not satisfy the expectations. Every variant means
/// "not verified"; [`CheckError::code`] gives a stable kebab-case code.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckError {
    /// The envelope's payload type is not an in-toto Statement.
    #[error("payload type {0:?} is not {INTOTO_PAYLOAD_TYPE}")]
    PayloadType(String),
    /// The payload is not a Statement.
    #[error(transparent)]
    Statement(#[from] StatementParseError),
    /// No subject carries the artifact's digest.
    #[error("no subject has the artifact's digest (sha256 {sha256})")]
    SubjectMismatch {
        /// The artifact's SHA-256, hex.
        sha256: String,
    },
    /// The predicate type differs from `--predicate-type`.
    #[error("predicate type is {actual:?}, expected {expected:?}")]
    PredicateType {
        /// Expected.
        expected: String,
        /// Found.
        actual: String,
    },
    /// Provenance checks were asked for, but the predicate is not SLSA provenance.
    #[error(transparent)]
    Provenance(#[from] ProvenanceReadError),
    /// The provenance's builder is not the expected one.
    #[error("builder id {actual:?} does not match the expected {expected:?}")]
    BuilderMismatch {
        /// `--builder-id`.
        expected: String,
        /// The provenance's builder id.
        actual: String,
    },
    /// The signer delegates to the builder named in the provenance, so the builder must be named.
    #[error("--builder-id is required to verify provenance signed by {signer}")]
    BuilderIdRequired {
        /// The certificate identity.
        signer: String,
    },
    /// The certificate that signed the provenance is not the builder it names.
    #[error("signer {signer:?} is not the builder {builder:?} named in the provenance")]
    SignerNotBuilder {
        /// The certificate identity.
        signer: String,
        /// The provenance's builder id.
        builder: String,
    },
    /// A builder-binding rule needs GitHub Actions identities.
    #[error("certificate issuer {0:?} is not the GitHub Actions issuer")]
    Issuer(String),
    /// The builder id or the delegator's ref is not pinned to a release tag.
    #[error("{what} {uri:?} is not pinned to a refs/tags/v... tag")]
    Unpinned {
        /// `builder id` or `signer`.
        what: &'static str,
        /// The URI.
        uri: String,
    },
    /// The provenance says something the certificate contradicts.
    #[error("provenance {field} {provenance:?} does not match the certificate's {certificate:?}")]
    CertificateMismatch {
        /// The field.
        field: &'static str,
        /// The provenance's value.
        provenance: String,
        /// The certificate's value.
        certificate: String,
    },
    /// The source repository differs from `--source-uri`.
    #[error("source {actual:?} does not match the expected {expected:?}")]
    SourceMismatch {
        /// `--source-uri`, normalised.
        expected: String,
        /// What the provenance or certificate says, normalised.
        actual: String,
    },
    /// The ref differs from `--source-ref`.
    #[error("source ref {actual:?} does not match the expected {expected:?}")]
    RefMismatch {
        /// `--source-ref`.
        expected: String,
        /// What the provenance says.
        actual: String,
    },
}

impl CheckError {
    /// A stable kebab-case code (see docs/codes.md).
    pub fn code(&self) -> &'static str {
        match self {
            CheckError::PayloadType(_) => "payload-type",
            CheckError::Statement(_) => "statement-malformed",
            CheckError::SubjectMismatch { .. } => "subject-mismatch",
            CheckError::PredicateType { .. } => "predicate-type-mismatch",
            CheckError::Provenance(_) => "provenance-malformed",
            CheckError::BuilderMismatch { .. } => "builder-mismatch",
            CheckError::BuilderIdRequired { .. } => "builder-id-required",
            CheckError::SignerNotBuilder { .. } => "signer-not-builder",
            CheckError::Issuer(_) => "issuer-mismatch",
            CheckError::Unpinned { .. } => "builder-unpinned",
            CheckError::CertificateMismatch { .. } => "certificate-mismatch",
            CheckError::SourceMismatch { .. } => "source-mismatch",
            CheckError::RefMismatch { .. } => "ref-mismatch",
        }
    }
}

/// Whether `actual` is the builder `expected` names: equal, or (when `expected` has no `@`)
/// equal up to `actual`'s `@ref`.
pub fn builder_id_matches(actual: &str, expected: &str) -> bool {
    if actual == expected {
        return true;
    }
    !expected.contains('@')
        && actual
            .strip_prefix(expected)
            .is_some_and(|rest| rest.starts_with('@'))
}

/// `git+https://github.com/o/r.git@ref`, `https://github.com/o/r/` and `github.com/o/r` all
/// become `github.com/o/r`.
pub fn normalize_source(uri: &str) -> String {
    let (repo, _) = provenance::split_git_uri(uri.trim());
    let r = repo.as_str();
    let r = r.split_once("://").map_or(r, |(_, rest)| rest);
    let r = r.trim_end_matches('/');
    r.strip_suffix(".git").unwrap_or(r).to_owned()
}

fn ref_matches(actual: &str, expected: &str) -> bool {
    actual == expected
        || (!expected.starts_with("refs/")
            && (actual == format!("refs/heads/{expected}")
                || actual == format!("refs/tags/{expected}")))
}

fn name_and_ref(uri: &str) -> (&str, Option<&str>) {
    // The workflow path may not contain '@' in GitHub identities; the ref may.
    match uri.split_once('@') {
        Some((n, r)) => (n, Some(r)),
        None => (uri, None),
    }
}

/// Checks an authenticated payload against the expectations and the signer.
///
/// `payload_type` and `payload` must come from a verified envelope.
pub fn check(
    payload_type: &str,
    payload: &[u8],
    sha256: &Sha256Digest,
    sha512: &Sha512Digest,
    signer: &Signer,
    exp: &Expectations,
) -> Result<Checked, CheckError> {
    if payload_type != INTOTO_PAYLOAD_TYPE {
        return Err(CheckError::PayloadType(
            payload_type.chars().take(200).collect(),
        ));
    }
    let statement = Statement::parse(payload)?;
    let subject_index =
        statement
            .matching_subject(sha256, sha512)
            .ok_or_else(|| CheckError::SubjectMismatch {
                sha256: sha256.to_hex(),
            })?;
    if let Some(want) = &exp.predicate_type {
        if &statement.predicate_type != want {
            return Err(CheckError::PredicateType {
                expected: want.clone(),
                actual: statement.predicate_type.clone(),
            });
        }
    }
    let is_provenance = matches!(
        statement.predicate_type.as_str(),
        SLSA_PROVENANCE_V1 | SLSA_PROVENANCE_V02
    );
    let provenance = if is_provenance || exp.wants_provenance() {
        let view = provenance::view(&statement)?;
        check_builder(&view, signer, exp)?;
        check_source(&view, signer, exp)?;
        Some(view)
    } else {
        None
    };
    Ok(Checked {
        statement,
        subject_index,
        provenance,
    })
}

fn check_builder(
    view: &ProvenanceView,
    signer: &Signer,
    exp: &Expectations,
) -> Result<(), CheckError> {
    let mismatch = |expected: &str| CheckError::BuilderMismatch {
        expected: expected.to_owned(),
        actual: view.builder_id.clone(),
    };
    let cert = match signer {
        Signer::Key { .. } => {
            return match &exp.builder_id {
                Some(b) if !builder_id_matches(&view.builder_id, b) => Err(mismatch(b)),
                _ => Ok(()),
            };
        }
        Signer::Certificate(c) => c,
    };
    let (signer_name, signer_ref) = name_and_ref(&cert.identity);
    let require_github = || {
        if cert.issuer == GITHUB_ACTIONS_ISSUER {
            Ok(())
        } else {
            Err(CheckError::Issuer(cert.issuer.clone()))
        }
    };

    if DELEGATOR_WORKFLOWS.contains(&signer_name) {
        require_github()?;
        if !signer_ref.is_some_and(|r| r.starts_with("refs/tags/v")) {
            return Err(CheckError::Unpinned {
                what: "signer",
                uri: cert.identity.clone(),
            });
        }
        let expected = exp
            .builder_id
            .as_deref()
            .ok_or_else(|| CheckError::BuilderIdRequired {
                signer: cert.identity.clone(),
            })?;
        if !name_and_ref(&view.builder_id)
            .1
            .is_some_and(|r| r.starts_with("refs/tags/v"))
        {
            return Err(CheckError::Unpinned {
                what: "builder id",
                uri: view.builder_id.clone(),
            });
        }
        return if builder_id_matches(&view.builder_id, expected) {
            Ok(())
        } else {
            Err(mismatch(expected))
        };
    }

    if let Some((runner, hosted)) = RUNNER_BUILDERS
        .iter()
        .find(|(id, _)| *id == view.builder_id)
    {
        require_github()?;
        let expected = exp
            .builder_id
            .as_deref()
            .ok_or_else(|| CheckError::BuilderIdRequired {
                signer: cert.identity.clone(),
            })?;
        if expected != *runner {
            return Err(mismatch(expected));
        }
        if let Some(env) = &cert.runner_environment {
            if env != hosted {
                return Err(CheckError::CertificateMismatch {
                    field: "runner environment",
                    provenance: (*hosted).to_owned(),
                    certificate: env.clone(),
                });
            }
        }
        return provenance_matches_certificate(view, cert);
    }

    if view.builder_id != cert.identity {
        return Err(CheckError::SignerNotBuilder {
            signer: cert.identity.clone(),
            builder: view.builder_id.clone(),
        });
    }
    if cert.identity.starts_with("https://github.com/") {
        require_github()?;
    }
    match &exp.builder_id {
        Some(b) if !builder_id_matches(&view.builder_id, b) => Err(mismatch(b)),
        _ => Ok(()),
    }
}

/// For builders that do not sign themselves (the runner), everything the provenance claims
/// about the source must be what the certificate's workflow identity says.
fn provenance_matches_certificate(
    view: &ProvenanceView,
    cert: &CertificateIdentity,
) -> Result<(), CheckError> {
    let differ = |field, p: &str, c: &str| CheckError::CertificateMismatch {
        field,
        provenance: p.to_owned(),
        certificate: c.to_owned(),
    };
    let trigger = view.trigger.as_ref().or(view.source.as_ref());
    let Some(trigger) = trigger else {
        return Err(CheckError::Provenance(ProvenanceReadError::Field(
            "externalParameters.workflow",
        )));
    };
    let cert_repo = cert
        .source_repository_uri
        .as_deref()
        .ok_or_else(|| differ("repository", &trigger.uri, ""))?;
    if normalize_source(&trigger.uri) != normalize_source(cert_repo) {
        return Err(differ("repository", &trigger.uri, cert_repo));
    }
    if let (Some(p), Some(c)) = (&trigger.git_ref, &cert.source_repository_ref) {
        if p != c {
            return Err(differ("ref", p, c));
        }
    }
    if let Some(src) = &view.source {
        if normalize_source(&src.uri) != normalize_source(cert_repo) {
            return Err(differ("resolved dependency", &src.uri, cert_repo));
        }
        if let (Some(p), Some(c)) = (&src.commit, &cert.source_repository_digest) {
            if p != c {
                return Err(differ("commit", p, c));
            }
        }
    }
    if let (Some(path), Some(git_ref), Some(c)) = (
        &view.workflow_path,
        &trigger.git_ref,
        &cert.build_config_uri,
    ) {
        let claimed = format!("{}/{}@{}", trigger.uri.trim_end_matches('/'), path, git_ref);
        if &claimed != c {
            return Err(differ("workflow", &claimed, c));
        }
    }
    if let (Some(p), Some(c)) = (&view.invocation_id, &cert.run_invocation_uri) {
        if p != c {
            return Err(differ("invocation id", p, c));
        }
    }
    Ok(())
}

fn check_source(
    view: &ProvenanceView,
    signer: &Signer,
    exp: &Expectations,
) -> Result<(), CheckError> {
    if let Some(want) = &exp.source_uri {
        let expected = normalize_source(want);
        let mismatch = |actual: &str| CheckError::SourceMismatch {
            expected: expected.clone(),
            actual: normalize_source(actual),
        };
        let trigger = view
            .trigger
            .as_ref()
            .or(view.source.as_ref())
            .ok_or_else(|| mismatch(""))?;
        if normalize_source(&trigger.uri) != expected {
            return Err(mismatch(&trigger.uri));
        }
        if let Some(src) = &view.source {
            if normalize_source(&src.uri) != expected {
                return Err(mismatch(&src.uri));
            }
        }
        if let Signer::Certificate(c) = signer {
            if let Some(repo) = &c.source_repository_uri {
                if normalize_source(repo) != expected {
                    return Err(mismatch(repo));
                }
            }
        }
    }
    if let Some(want) = &exp.source_ref {
        let actual = view
            .trigger
            .as_ref()
            .and_then(|t| t.git_ref.clone())
            .or_else(|| view.source.as_ref().and_then(|s| s.git_ref.clone()));
        let actual = actual.unwrap_or_default();
        if !ref_matches(&actual, want) {
            return Err(CheckError::RefMismatch {
                expected: want.clone(),
                actual,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provenance::{generate, GitFacts, ProvenanceOptions};
    use crate::statement::Subject;
    use std::collections::BTreeMap;

    const ART: &[u8] = b"artifact";

    fn gh_statement(builder: Option<&str>) -> Vec<u8> {
        let env: BTreeMap<String, String> = [
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "acme/widget"),
            ("GITHUB_REF", "refs/tags/v1.2.3"),
            ("GITHUB_SHA", "0123"),
            (
                "GITHUB_WORKFLOW_REF",
                "acme/widget/.github/workflows/release.yml@refs/tags/v1.2.3",
            ),
            ("GITHUB_RUN_ID", "42"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let opts = ProvenanceOptions {
            builder_id: builder.map(str::to_owned),
            ..Default::default()
        };
        let g = generate(
            vec![Subject::sha256("a", &Sha256Digest::of(ART))],
            &env,
            &GitFacts::default(),
            &opts,
        )
        .unwrap();
        g.statement.to_json().into_bytes()
    }

    const BUILDER: &str =
        "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1.2.3";

    fn key() -> Signer {
        Signer::Key {
            fingerprint: "f".into(),
        }
    }

    fn cert(identity: &str) -> Signer {
        Signer::Certificate(CertificateIdentity {
            identity: identity.into(),
            issuer: GITHUB_ACTIONS_ISSUER.into(),
            source_repository_uri: Some("https://github.com/acme/widget".into()),
            ..Default::default()
        })
    }

    fn check_with(payload: &[u8], signer: &Signer, exp: Expectations) -> Result<(), &'static str> {
        check(
            INTOTO_PAYLOAD_TYPE,
            payload,
            &Sha256Digest::of(ART),
            &Sha512Digest::of(ART),
            signer,
            &exp,
        )
        .map(|_| ())
        .map_err(|e| e.code())
    }

    fn exp(builder: Option<&str>, source: Option<&str>, r: Option<&str>) -> Expectations {
        Expectations {
            predicate_type: None,
            builder_id: builder.map(Into::into),
            source_uri: source.map(Into::into),
            source_ref: r.map(Into::into),
        }
    }

    #[test]
    fn key_signed_provenance() {
        let p = gh_statement(None);
        assert_eq!(check_with(&p, &key(), exp(None, None, None)), Ok(()));
        assert_eq!(
            check_with(
                &p,
                &key(),
                exp(
                    Some("https://github.com/acme/widget/.github/workflows/release.yml"),
                    Some("github.com/acme/widget"),
                    Some("v1.2.3")
                )
            ),
            Ok(())
        );
        assert_eq!(
            check_with(
                &p,
                &key(),
                exp(
                    Some(BUILDER),
                    Some("git+https://github.com/acme/widget.git"),
                    Some("refs/tags/v1.2.3")
                )
            ),
            Ok(())
        );
        assert_eq!(
            check_with(
                &p,
                &key(),
                exp(
                    Some("https://github.com/acme/widget/.github/workflows/release"),
                    None,
                    None
                )
            ),
            Err("builder-mismatch")
        );
        assert_eq!(
            check_with(
                &p,
                &key(),
                exp(
                    Some(
                        "https://github.com/acme/widget/.github/workflows/release.yml@refs/tags/v1"
                    ),
                    None,
                    None
                )
            ),
            Err("builder-mismatch")
        );
        assert_eq!(
            check_with(&p, &key(), exp(None, Some("github.com/acme/widge"), None)),
            Err("source-mismatch")
        );
        assert_eq!(
            check_with(&p, &key(), exp(None, Some("github.com/acme/widget2"), None)),
            Err("source-mismatch")
        );
        assert_eq!(
            check_with(&p, &key(), exp(None, None, Some("main"))),
            Err("ref-mismatch")
        );
        let other = Expectations {
            predicate_type: Some("https://cyclonedx.org/bom".into()),
            ..Default::default()
        };
        assert_eq!(
            check_with(&p, &key(), other),
            Err("predicate-type-mismatch")
        );
        assert_eq!(
            check(
                INTOTO_PAYLOAD_TYPE,
                &p,
                &Sha256Digest::of(b"x"),
                &Sha512Digest::of(b"x"),
                &key(),
                &Expectations::default()
            )
            .map_err(|e| e.code())
            .err(),
            Some("subject-mismatch")
        );
        assert_eq!(
            check(
                "application/json",
                &p,
                &Sha256Digest::of(ART),
                &Sha512Digest::of(ART),
                &key(),
                &Expectations::default()
            )
            .map_err(|e| e.code())
            .err(),
            Some("payload-type")
        );
    }

    #[test]
    fn keyless_signer_must_be_the_builder() {
        let p = gh_statement(None);
        assert_eq!(
            check_with(
                &p,
                &cert(BUILDER),
                exp(
                    Some("https://github.com/acme/widget/.github/workflows/release.yml"),
                    Some("github.com/acme/widget"),
                    None
                )
            ),
            Ok(())
        );
        assert_eq!(
            check_with(
                &p,
                &cert("https://github.com/evil/x/.github/workflows/a.yml@refs/heads/main"),
                exp(None, None, None)
            ),
            Err("signer-not-builder")
        );
        let mut wrong_issuer = cert(BUILDER);
        if let Signer::Certificate(c) = &mut wrong_issuer {
            c.issuer = "https://accounts.google.com".into();
        }
        assert_eq!(
            check_with(&p, &wrong_issuer, exp(None, None, None)),
            Err("issuer-mismatch")
        );
        let mut other_repo = cert(BUILDER);
        if let Signer::Certificate(c) = &mut other_repo {
            c.source_repository_uri = Some("https://github.com/evil/x".into());
        }
        assert_eq!(
            check_with(
                &p,
                &other_repo,
                exp(None, Some("github.com/acme/widget"), None)
            ),
            Err("source-mismatch")
        );
    }

    #[test]
    fn delegator_and_runner_rules() {
        let trw = "https://github.com/acme/trw/.github/workflows/b.yml@refs/tags/v1.0.0";
        let p = gh_statement(Some(trw));
        let delegator = cert(&format!("{}@refs/tags/v1.10.0", DELEGATOR_WORKFLOWS[0]));
        assert_eq!(
            check_with(
                &p,
                &delegator,
                exp(
                    Some("https://github.com/acme/trw/.github/workflows/b.yml"),
                    None,
                    None
                )
            ),
            Ok(())
        );
        assert_eq!(
            check_with(&p, &delegator, exp(None, None, None)),
            Err("builder-id-required")
        );
        assert_eq!(
            check_with(
                &p,
                &delegator,
                exp(
                    Some("https://github.com/acme/trw/.github/workflows/c.yml"),
                    None,
                    None
                )
            ),
            Err("builder-mismatch")
        );
        let unpinned = cert(&format!("{}@refs/heads/main", DELEGATOR_WORKFLOWS[0]));
        assert_eq!(
            check_with(&p, &unpinned, exp(Some(trw), None, None)),
            Err("builder-unpinned")
        );

        let runner = RUNNER_BUILDERS[0].0;
        let p = gh_statement(Some(runner));
        let mut c = CertificateIdentity {
            identity: BUILDER.into(),
            issuer: GITHUB_ACTIONS_ISSUER.into(),
            source_repository_uri: Some("https://github.com/acme/widget".into()),
            source_repository_ref: Some("refs/tags/v1.2.3".into()),
            source_repository_digest: Some("0123".into()),
            build_config_uri: Some(BUILDER.into()),
            run_invocation_uri: Some(
                "https://github.com/acme/widget/actions/runs/42/attempts/1".into(),
            ),
            runner_environment: Some("github-hosted".into()),
        };
        assert_eq!(
            check_with(
                &p,
                &Signer::Certificate(c.clone()),
                exp(Some(runner), Some("github.com/acme/widget"), None)
            ),
            Ok(())
        );
        assert_eq!(
            check_with(&p, &Signer::Certificate(c.clone()), exp(None, None, None)),
            Err("builder-id-required")
        );
        assert_eq!(
            check_with(
                &p,
                &Signer::Certificate(c.clone()),
                exp(Some("https://github.com/actions/runner"), None, None)
            ),
            Err("builder-mismatch")
        );
        assert_eq!(
            check_with(
                &p,
                &Signer::Certificate(c.clone()),
                exp(
                    Some("https://github.com/actions/runner/github-hosted2"),
                    None,
                    None
                )
            ),
            Err("builder-mismatch")
        );
        c.source_repository_digest = Some("9999".into());
        assert_eq!(
            check_with(
                &p,
                &Signer::Certificate(c.clone()),
                exp(Some(runner), None, None)
            ),
            Err("certificate-mismatch")
        );
        c.source_repository_digest = Some("0123".into());
        c.runner_environment = Some("self-hosted".into());
        assert_eq!(
            check_with(&p, &Signer::Certificate(c), exp(Some(runner), None, None)),
            Err("certificate-mismatch")
        );
    }

    #[test]
    fn other_predicates_and_builder_matching() {
        let s = Statement::new(
            vec![Subject::sha256("a", &Sha256Digest::of(ART))],
            "https://cyclonedx.org/bom",
            serde_json::json!({"bomFormat": "CycloneDX"}),
        );
        let p = s.to_json().into_bytes();
        assert_eq!(
            check_with(
                &p,
                &key(),
                Expectations {
                    predicate_type: Some("https://cyclonedx.org/bom".into()),
                    ..Default::default()
                }
            ),
            Ok(())
        );
        assert_eq!(
            check_with(&p, &key(), exp(Some("b"), None, None)),
            Err("provenance-malformed")
        );
        assert!(builder_id_matches(
            "https://x/w.yml@refs/tags/v1",
            "https://x/w.yml"
        ));
        assert!(!builder_id_matches(
            "https://x/w.yml@refs/tags/v1",
            "https://x/w"
        ));
        assert!(!builder_id_matches(
            "https://x/w.yml",
            "https://x/w.yml@refs/tags/v1"
        ));
        assert_eq!(
            normalize_source("git+https://github.com/a/b.git@refs/heads/main"),
            "github.com/a/b"
        );
        assert_eq!(
            normalize_source("https://github.com/a/b/"),
            "github.com/a/b"
        );
    }
}
