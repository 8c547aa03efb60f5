//! PEP 740 (PyPI) attestations: attestation objects, provenance objects and the rules PyPI and
//! `pypi-attestations` apply to them.
//!
//! - An attestation object (`*.publish.attestation`, `*.attestation`) is
//!   `{version: 1, verification_material: {certificate, transparency_entries}, envelope:
//!   {statement, signature}}`: a DSSE envelope over an in-toto statement, a Fulcio certificate
//!   and one Rekor entry. [`attestation_bundle`] turns it into the Sigstore bundle v0.3 it
//!   stands for (as `pypi-attestations`' `to_bundle` does), which [`crate::verify_dsse`] checks.
//! - A provenance object (`*.provenance`, PyPI's Integrity API) is `{version: 1,
//!   attestation_bundles: [{publisher, attestations: [...]}]}`; each publisher (a Trusted
//!   Publisher of kind GitHub, GitLab, Google, ActiveState or CircleCI) is held against the
//!   certificate of its attestations ([`Publisher::check`]).
//! - The statement must have exactly one subject, whose name parses as a distribution file name
//!   equal to the distribution's (name normalised, version compared as PEP 440 versions, wheel
//!   tags expanded) and whose sha256 is the file's; its predicate type must be PyPI's publish
//!   predicate or SLSA provenance v1 ([`check_statement`]).

use std::collections::BTreeSet;

use serde_json::{json, Map, Value};
use sigil_core::Sha256Digest;

use crate::bundle::{Bundle, BundleParseError};
use crate::extensions::{ClaimMismatch, PublisherFacts};

/// PyPI's publish attestation predicate type.
pub const PUBLISH_V1: &str = "https://docs.pypi.org/attestations/publish/v1";
/// SLSA provenance v1, the other predicate PyPI accepts.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// Largest PEP 740 document read.
pub const MAX_DOCUMENT: usize = 16 * 1024 * 1024;

/// Why a PEP 740 document or attestation is not accepted. Every variant means "not verified".
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Pep740Error {
    /// Not a PEP 740 attestation or provenance object.
    #[error("not a PEP 740 object: {0}")]
    Malformed(String),
    /// The Sigstore bundle it stands for does not parse.
    #[error(transparent)]
    Bundle(#[from] BundleParseError),
    /// The distribution's file name is not a wheel or sdist name.
    #[error("{0:?} is not a distribution file name (wheel or sdist)")]
    DistName(String),
    /// The statement does not have exactly one subject.
    #[error("statement has {0} subjects, PEP 740 requires exactly one")]
    SubjectCount(usize),
    /// The subject names another distribution.
    #[error("subject {subject:?} is not the distribution {dist:?}")]
    SubjectName {
        /// The statement's subject name.
        subject: String,
        /// The distribution's file name.
        dist: String,
    },
    /// The subject's sha256 is not the distribution's.
    #[error("subject sha256 {} is not the distribution's {actual}", .subject.as_deref().unwrap_or("(none)"))]
    SubjectDigest {
        /// The statement's sha256 (if any).
        subject: Option<String>,
        /// The file's.
        actual: String,
    },
    /// Not a predicate type PyPI accepts.
    #[error("predicate type {0:?} is not PyPI's publish/v1 or SLSA provenance v1")]
    PredicateType(String),
    /// An accepted predicate type, but not the one the caller asked for.
    #[error("predicate type {actual:?} is not the one asked for ({expected:?})")]
    PredicateTypeNotAsked {
        /// The statement's predicate type.
        actual: String,
        /// The one asked for.
        expected: String,
    },
    /// The statement is not an in-toto statement.
    #[error("statement is not an in-toto statement: {0}")]
    Statement(String),
    /// The Sigstore verification failed (chain, proofs, signature, identity or claims; an
    /// artifact mismatch means the distribution's sha256 is in no subject).
    #[error(transparent)]
    Verify(crate::BundleVerifyError),
    /// The provenance object's publisher is not the certificate's.
    #[error("publisher ({kind}) does not match the certificate: {source}")]
    Publisher {
        /// The publisher's kind.
        kind: String,
        /// The claim that differs.
        #[source]
        source: ClaimMismatch,
    },
}

sigil_core::finding_codes! {
    /// Why a PEP 740 attestation was not accepted (`sigil verify-attestation` on a
    /// distribution, JSON `reason`; listed in `docs/codes.md`).
    pub enum Pep740Reason {
        /// Not a PEP 740 attestation or provenance object, or its bundle does not parse.
        AttestationMalformed = "attestation-malformed",
        /// The file or the subject is not a wheel or sdist file name.
        DistNameInvalid = "dist-name-invalid",
        /// The statement does not have exactly one subject.
        SubjectCount = "subject-count",
        /// The subject names another distribution.
        SubjectNameMismatch = "subject-name-mismatch",
        /// The subject's sha256 is not the distribution's (the code of every artifact mismatch).
        ArtifactMismatch = "artifact-mismatch",
        /// Not a predicate type PyPI accepts.
        PredicateTypeMismatch = "predicate-type-mismatch",
        /// The statement is not an in-toto statement.
        StatementMalformed = "statement-malformed",
        /// The provenance object's Trusted Publisher is not the certificate's.
        PublisherMismatch = "publisher-mismatch",
        /// The certificate's SAN is not the expected identity.
        IdentityMismatch = "identity-mismatch",
        /// The certificate's OIDC issuer is not the expected one.
        IssuerMismatch = "issuer-mismatch",
        /// The certificate's two OIDC-issuer extensions name different issuers.
        IssuerConflict = "issuer-conflict",
        /// A certificate claim is not what the publisher flags ask.
        ClaimMismatch = "claim-mismatch",
        /// A managed-key bundle where a keyless one is required.
        WrongSignerKind = "wrong-signer-kind",
        /// The signature does not verify.
        SignatureInvalid = "signature-invalid",
        /// The certificate does not chain, was not valid at signing time, or lacks a valid SCT.
        CertificateRejected = "certificate-rejected",
        /// Transparency log evidence failed.
        TlogRejected = "tlog-rejected",
        /// An RFC 3161 timestamp failed, or no trusted signing time exists.
        TimestampRejected = "timestamp-rejected",
        /// The bundle is inconsistent or uses something this verifier cannot check.
        BundleRejected = "bundle-rejected",
    }
}

impl Pep740Error {
    /// The stable reason code.
    pub fn reason(&self) -> Pep740Reason {
        use crate::BundleReason as B;
        match self {
            Pep740Error::Malformed(_) | Pep740Error::Bundle(_) => {
                Pep740Reason::AttestationMalformed
            }
            Pep740Error::DistName(_) => Pep740Reason::DistNameInvalid,
            Pep740Error::SubjectCount(_) => Pep740Reason::SubjectCount,
            Pep740Error::SubjectName { .. } => Pep740Reason::SubjectNameMismatch,
            Pep740Error::SubjectDigest { .. } => Pep740Reason::ArtifactMismatch,
            Pep740Error::PredicateType(_) | Pep740Error::PredicateTypeNotAsked { .. } => {
                Pep740Reason::PredicateTypeMismatch
            }
            Pep740Error::Statement(_) => Pep740Reason::StatementMalformed,
            Pep740Error::Publisher { .. } => Pep740Reason::PublisherMismatch,
            Pep740Error::Verify(e) => match e.reason() {
                B::IdentityMismatch => Pep740Reason::IdentityMismatch,
                B::IssuerMismatch => Pep740Reason::IssuerMismatch,
                B::IssuerConflict => Pep740Reason::IssuerConflict,
                B::ClaimMismatch => Pep740Reason::ClaimMismatch,
                B::WrongSignerKind => Pep740Reason::WrongSignerKind,
                // The distribution's sha256 is in no subject.
                B::ArtifactMismatch => Pep740Reason::ArtifactMismatch,
                B::SignatureInvalid => Pep740Reason::SignatureInvalid,
                B::CertificateRejected => Pep740Reason::CertificateRejected,
                B::TlogRejected => Pep740Reason::TlogRejected,
                B::TimestampRejected => Pep740Reason::TimestampRejected,
                _ => Pep740Reason::BundleRejected,
            },
        }
    }

    /// [`Pep740Error::reason`]'s code.
    pub fn code(&self) -> &'static str {
        self.reason().code()
    }
}

/// A Trusted Publisher, as a provenance object names it (unauthenticated: it is held against
/// the certificate).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Publisher {
    /// GitHub Actions: `repository` (`owner/repo`), `workflow` (file name), `environment`.
    GitHub {
        /// `owner/repo`.
        repository: String,
        /// Workflow file name.
        workflow: String,
        /// GitHub environment, if any (not in the certificate; informational).
        environment: Option<String>,
    },
    /// GitLab CI: `repository` (`group/project`), `workflow_filepath`, `environment`.
    GitLab {
        /// `group[/subgroup]/project`.
        repository: String,
        /// CI configuration file path.
        workflow_filepath: String,
        /// Environment, if any (informational).
        environment: Option<String>,
    },
    /// Google Cloud: a service account `email`.
    Google {
        /// Service account e-mail.
        email: String,
    },
    /// ActiveState: `organization` and `project`.
    ActiveState {
        /// Organisation.
        organization: String,
        /// Project.
        project: String,
    },
    /// CircleCI: project and pipeline definition ids, optional VCS origin and ref.
    CircleCi {
        /// Project id (UUID).
        project_id: String,
        /// Pipeline definition id (UUID).
        pipeline_definition_id: String,
        /// `github.com/org/repo`, if given.
        vcs_origin: Option<String>,
        /// `refs/heads/main`, if given.
        vcs_ref: Option<String>,
    },
}

/// The OIDC issuers of the publishers.
pub const GITLAB_ISSUER: &str = "https://gitlab.com";
/// Google's OIDC issuer.
pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";
/// ActiveState's OIDC issuer.
pub const ACTIVESTATE_ISSUER: &str = "https://platform.activestate.com/api/v1/oauth/oidc";
/// CircleCI's OIDC issuer.
pub const CIRCLECI_ISSUER: &str = "https://oidc.circleci.com";

fn miss(claim: &'static str, expected: String, actual: Option<String>) -> ClaimMismatch {
    ClaimMismatch {
        claim,
        expected,
        actual,
    }
}

impl Publisher {
    /// The publisher for JSON output: its `kind` and its fields.
    pub fn to_json(&self) -> Value {
        let kind = self.kind();
        match self {
            Publisher::GitHub {
                repository,
                workflow,
                environment,
            } => {
                json!({ "kind": kind, "repository": repository, "workflow": workflow, "environment": environment })
            }
            Publisher::GitLab {
                repository,
                workflow_filepath,
                environment,
            } => {
                json!({ "kind": kind, "repository": repository, "workflow_filepath": workflow_filepath, "environment": environment })
            }
            Publisher::Google { email } => json!({ "kind": kind, "email": email }),
            Publisher::ActiveState {
                organization,
                project,
            } => json!({ "kind": kind, "organization": organization, "project": project }),
            Publisher::CircleCi {
                project_id,
                pipeline_definition_id,
                vcs_origin,
                vcs_ref,
            } => {
                json!({ "kind": kind, "project_id": project_id, "pipeline_definition_id": pipeline_definition_id, "vcs_origin": vcs_origin, "vcs_ref": vcs_ref })
            }
        }
    }

    /// `GitHub`, `GitLab`, `Google`, `ActiveState` or `CircleCI`.
    pub fn kind(&self) -> &'static str {
        match self {
            Publisher::GitHub { .. } => "GitHub",
            Publisher::GitLab { .. } => "GitLab",
            Publisher::Google { .. } => "Google",
            Publisher::ActiveState { .. } => "ActiveState",
            Publisher::CircleCi { .. } => "CircleCI",
        }
    }

    fn from_value(v: &Value) -> Result<Self, Pep740Error> {
        let o = v
            .as_object()
            .ok_or_else(|| Pep740Error::Malformed("publisher is not an object".into()))?;
        let s = |k: &str| -> Result<String, Pep740Error> {
            o.get(k)
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .ok_or_else(|| Pep740Error::Malformed(format!("publisher has no {k}")))
        };
        let opt = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
        match o.get("kind").and_then(Value::as_str) {
            Some("GitHub") => Ok(Publisher::GitHub {
                repository: s("repository")?,
                workflow: s("workflow")?,
                environment: opt("environment"),
            }),
            Some("GitLab") => Ok(Publisher::GitLab {
                repository: s("repository")?,
                workflow_filepath: s("workflow_filepath")?,
                environment: opt("environment"),
            }),
            Some("Google") => Ok(Publisher::Google { email: s("email")? }),
            Some("ActiveState") => Ok(Publisher::ActiveState {
                organization: s("organization")?,
                project: s("project")?,
            }),
            Some("CircleCI") => Ok(Publisher::CircleCi {
                project_id: s("project_id")?,
                pipeline_definition_id: s("pipeline_definition_id")?,
                vcs_origin: opt("vcs_origin"),
                vcs_ref: opt("vcs_ref"),
            }),
            Some(k) => Err(Pep740Error::Malformed(format!(
                "unknown publisher kind {:?}",
                k.chars().take(40).collect::<String>()
            ))),
            None => Err(Pep740Error::Malformed("publisher has no kind".into())),
        }
    }

    /// Holds the publisher against a verified certificate's facts, as `pypi-attestations`
    /// does: the issuer, the source repository, and the workflow through the Build Config URI
    /// (`https://HOST/REPO/.github/workflows/WORKFLOW@REF`, REF being the certificate's own
    /// ref or commit); Google by e-mail SAN, CircleCI by Build Signer URI.
    pub fn check(&self, f: &PublisherFacts) -> Result<(), ClaimMismatch> {
        let issuer = |want: &str| match &f.issuer {
            Some(i) if i == want => Ok(()),
            other => Err(miss("issuer", format!("{want:?}"), other.clone())),
        };
        let exact = |claim, want: String, got: &Option<String>| {
            if got.as_deref() == Some(want.as_str()) {
                Ok(())
            } else {
                Err(miss(claim, want, got.clone()))
            }
        };
        let build_config = |prefix: String, refs: &[Option<String>]| {
            let got = &f.build_config_uri;
            let ok = refs
                .iter()
                .flatten()
                .any(|r| got.as_deref() == Some(format!("{prefix}@{r}").as_str()));
            if ok {
                Ok(())
            } else {
                Err(miss("build-config", format!("{prefix}@REF"), got.clone()))
            }
        };
        match self {
            Publisher::GitHub {
                repository,
                workflow,
                ..
            } => {
                issuer(crate::extensions::GITHUB_ACTIONS_ISSUER)?;
                exact(
                    "repository",
                    format!("https://github.com/{repository}"),
                    &f.source_repository_uri,
                )?;
                build_config(
                    format!("https://github.com/{repository}/.github/workflows/{workflow}"),
                    &[
                        f.source_repository_digest.clone(),
                        f.source_repository_ref.clone(),
                    ],
                )
            }
            Publisher::GitLab {
                repository,
                workflow_filepath,
                ..
            } => {
                issuer(GITLAB_ISSUER)?;
                exact(
                    "repository",
                    format!("https://gitlab.com/{repository}"),
                    &f.source_repository_uri,
                )?;
                build_config(
                    format!("https://gitlab.com/{repository}//{workflow_filepath}"),
                    &[
                        f.source_repository_digest.clone(),
                        f.source_repository_ref.clone(),
                    ],
                )
            }
            Publisher::Google { email } => {
                issuer(GOOGLE_ISSUER)?;
                exact("identity", email.clone(), &f.san)
            }
            Publisher::ActiveState {
                organization,
                project,
            } => {
                issuer(ACTIVESTATE_ISSUER)?;
                exact(
                    "identity",
                    format!("https://platform.activestate.com/{organization}/{project}"),
                    &f.san,
                )
            }
            Publisher::CircleCi {
                project_id,
                pipeline_definition_id,
                vcs_origin,
                vcs_ref,
            } => {
                issuer(CIRCLECI_ISSUER)?;
                if let Some(o) = vcs_origin {
                    exact("repository", o.clone(), &f.source_repository_uri)?;
                }
                if let Some(r) = vcs_ref {
                    exact("source-ref", r.clone(), &f.source_repository_ref)?;
                }
                exact(
                    "signer-workflow",
                    format!("https://circleci.com/api/v2/projects/{project_id}/pipeline-definitions/{pipeline_definition_id}"),
                    &f.build_signer_uri,
                )
            }
        }
    }
}

/// One attestation of a PEP 740 document, as the Sigstore bundle it stands for.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Pep740Attestation {
    /// Where in the document (`document`, `attestation_bundles[0].attestations[1]`).
    pub location: String,
    /// The provenance object's publisher for it, if it came from one.
    pub publisher: Option<Publisher>,
    /// The bundle, or why the entry is not one.
    pub bundle: Result<Bundle, String>,
}

/// Whether a JSON value looks like a PEP 740 attestation object.
pub fn is_attestation_object(v: &Value) -> bool {
    v.get("verification_material").is_some() && v.get("envelope").is_some()
}

/// Whether a JSON value looks like a PEP 740 provenance object.
pub fn is_provenance_object(v: &Value) -> bool {
    v.get("attestation_bundles").is_some()
}

fn b64_field(o: &Map<String, Value>, k: &str, what: &str) -> Result<String, Pep740Error> {
    use base64::Engine as _;
    let s = o
        .get(k)
        .and_then(Value::as_str)
        .ok_or_else(|| Pep740Error::Malformed(format!("{what} has no {k}")))?;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|_| Pep740Error::Malformed(format!("{what}.{k} is not base64")))?;
    Ok(s.to_owned())
}

/// The Sigstore bundle v0.3 JSON a PEP 740 attestation object stands for: its certificate,
/// its first transparency entry and a DSSE envelope of the in-toto statement and signature.
pub fn attestation_bundle(v: &Value) -> Result<String, Pep740Error> {
    let o = v
        .as_object()
        .ok_or_else(|| Pep740Error::Malformed("attestation is not an object".into()))?;
    match o.get("version").and_then(Value::as_u64) {
        Some(1) => {}
        _ => {
            return Err(Pep740Error::Malformed(
                "attestation version is not 1".into(),
            ))
        }
    }
    let vm = o
        .get("verification_material")
        .and_then(Value::as_object)
        .ok_or_else(|| Pep740Error::Malformed("no verification_material".into()))?;
    let env = o
        .get("envelope")
        .and_then(Value::as_object)
        .ok_or_else(|| Pep740Error::Malformed("no envelope".into()))?;
    let cert = b64_field(vm, "certificate", "verification_material")?;
    let entries = vm
        .get("transparency_entries")
        .and_then(Value::as_array)
        .ok_or_else(|| Pep740Error::Malformed("no transparency_entries".into()))?;
    // PEP 740 allows several; pypi-attestations (and PyPI) read the first.
    let entry = entries
        .first()
        .ok_or_else(|| Pep740Error::Malformed("transparency_entries is empty".into()))?;
    let statement = b64_field(env, "statement", "envelope")?;
    let signature = b64_field(env, "signature", "envelope")?;
    let bundle = json!({
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {
            "certificate": { "rawBytes": cert },
            "tlogEntries": [entry],
        },
        "dsseEnvelope": {
            "payload": statement,
            "payloadType": "application/vnd.in-toto+json",
            "signatures": [{ "sig": signature, "keyid": "" }],
        },
    });
    Ok(bundle.to_string())
}

fn one(location: String, publisher: Option<Publisher>, v: &Value) -> Pep740Attestation {
    let bundle = attestation_bundle(v)
        .and_then(|j| Bundle::parse(j.as_bytes()).map_err(Pep740Error::from))
        .map_err(|e| sigil_core::error::chain(&e));
    Pep740Attestation {
        location,
        publisher,
        bundle,
    }
}

/// Reads a PEP 740 attestation object or provenance object (strict JSON: no key twice).
/// A file-level problem is an `Err`; a bad attestation among good ones is in its entry.
pub fn parse(bytes: &[u8]) -> Result<Vec<Pep740Attestation>, Pep740Error> {
    if bytes.len() > MAX_DOCUMENT {
        return Err(Pep740Error::Malformed(format!(
            "larger than {MAX_DOCUMENT} bytes"
        )));
    }
    let v = sigil_core::json::parse(bytes).map_err(|e| Pep740Error::Malformed(e.to_string()))?;
    parse_value(&v)
}

/// [`parse`] on a parsed JSON value.
pub fn parse_value(v: &Value) -> Result<Vec<Pep740Attestation>, Pep740Error> {
    if is_attestation_object(v) {
        return Ok(vec![one("document".into(), None, v)]);
    }
    if !is_provenance_object(v) {
        return Err(Pep740Error::Malformed(
            "neither an attestation object nor a provenance object".into(),
        ));
    }
    match v.get("version").and_then(Value::as_u64) {
        Some(1) => {}
        _ => return Err(Pep740Error::Malformed("provenance version is not 1".into())),
    }
    let bundles = v
        .get("attestation_bundles")
        .and_then(Value::as_array)
        .ok_or_else(|| Pep740Error::Malformed("attestation_bundles is not a list".into()))?;
    let mut out = Vec::new();
    for (i, b) in bundles.iter().enumerate() {
        let publisher = Publisher::from_value(b.get("publisher").unwrap_or(&Value::Null))
            .map_err(|e| Pep740Error::Malformed(format!("attestation_bundles[{i}]: {e}")))?;
        let atts = b
            .get("attestations")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                Pep740Error::Malformed(format!("attestation_bundles[{i}] has no attestations"))
            })?;
        for (j, a) in atts.iter().enumerate() {
            out.push(one(
                format!("attestation_bundles[{i}].attestations[{j}]"),
                Some(publisher.clone()),
                a,
            ));
        }
    }
    if out.is_empty() {
        return Err(Pep740Error::Malformed(
            "provenance object holds no attestation".into(),
        ));
    }
    Ok(out)
}

/// A distribution file name, parsed as `packaging` parses it, for comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistName {
    /// Normalised project name (lower case, runs of `-_.` as one `-`).
    pub name: String,
    /// The PEP 440 version, normalised for comparison.
    pub version: String,
    /// Wheel build tag.
    pub build: Option<String>,
    /// Wheel tags, expanded (`py2.py3-none-any` is two tags); empty for an sdist.
    pub tags: BTreeSet<String>,
    /// `whl`, `tar.gz` or `zip`.
    pub format: &'static str,
}

fn canonical_name(n: &str) -> String {
    let mut out = String::new();
    let mut sep = false;
    for c in n.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep {
                out.push('-');
                sep = false;
            }
            out.extend(c.to_lowercase());
        }
    }
    if sep {
        out.push('-');
    }
    out
}

/// A PEP 440 version normalised so that equal versions give equal strings (`1.0` and `1.0.0`,
/// `1.0alpha1` and `1.0a1`, `1.0-1` and `1.0.post1`).
pub fn normalize_version(v: &str) -> Option<String> {
    static RE: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = RE
        .get_or_init(|| {
            regex::Regex::new(
                r"(?ix)^\s*v?
                (?:(?P<epoch>[0-9]+)!)?
                (?P<release>[0-9]+(?:\.[0-9]+)*)
                (?:[-_\.]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_\.]?(?P<pre_n>[0-9]+)?)?
                (?:(?:-(?P<post_n1>[0-9]+))|(?:[-_\.]?(?P<post_l>post|rev|r)[-_\.]?(?P<post_n2>[0-9]+)?))?
                (?:[-_\.]?(?P<dev_l>dev)[-_\.]?(?P<dev_n>[0-9]+)?)?
                (?:\+(?P<local>[a-z0-9]+(?:[-_\.][a-z0-9]+)*))?
                \s*$",
            )
            .ok()
        })
        .as_ref()?;
    let c = re.captures(v)?;
    let num = |s: Option<regex::Match<'_>>| -> Option<u128> {
        s.map_or(Some(0), |m| m.as_str().parse::<u128>().ok())
    };
    let epoch = num(c.name("epoch"))?;
    let mut release: Vec<u128> = c
        .name("release")?
        .as_str()
        .split('.')
        .map(|p| p.parse::<u128>().ok())
        .collect::<Option<_>>()?;
    while release.len() > 1 && release.last() == Some(&0) {
        release.pop();
    }
    let mut out = format!(
        "{epoch}!{}",
        release
            .iter()
            .map(u128::to_string)
            .collect::<Vec<_>>()
            .join(".")
    );
    if let Some(l) = c.name("pre_l") {
        let l = match l.as_str().to_ascii_lowercase().as_str() {
            "alpha" | "a" => "a",
            "beta" | "b" => "b",
            _ => "rc",
        };
        out.push_str(&format!("{l}{}", num(c.name("pre_n"))?));
    }
    if c.name("post_n1").is_some() || c.name("post_l").is_some() {
        let n = c.name("post_n1").or(c.name("post_n2"));
        out.push_str(&format!(".post{}", num(n)?));
    }
    if c.name("dev_l").is_some() {
        out.push_str(&format!(".dev{}", num(c.name("dev_n"))?));
    }
    if let Some(l) = c.name("local") {
        let local: Vec<String> = l
            .as_str()
            .split(['-', '_', '.'])
            .map(|s| {
                s.parse::<u128>()
                    .map_or_else(|_| s.to_ascii_lowercase(), |n| n.to_string())
            })
            .collect();
        out.push_str(&format!("+{}", local.join(".")));
    }
    Some(out)
}

/// Parses a wheel or sdist file name as `packaging.utils.parse_wheel_filename` /
/// `parse_sdist_filename` do.
pub fn parse_dist_name(file: &str) -> Result<DistName, Pep740Error> {
    let bad = || Pep740Error::DistName(file.chars().take(200).collect());
    if let Some(stem) = file.strip_suffix(".whl") {
        let dashes = stem.matches('-').count();
        if dashes != 4 && dashes != 5 {
            return Err(bad());
        }
        let parts: Vec<&str> = stem.splitn(dashes - 1, '-').collect();
        let name = parts.first().copied().ok_or_else(bad)?;
        if name.contains("__")
            || name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.'))
        {
            return Err(bad());
        }
        let version = normalize_version(parts.get(1).ok_or_else(bad)?).ok_or_else(bad)?;
        let build = if dashes == 5 {
            let b = parts.get(2).copied().ok_or_else(bad)?;
            if !b.starts_with(|c: char| c.is_ascii_digit()) {
                return Err(bad());
            }
            Some(b.to_owned())
        } else {
            None
        };
        let tag = parts.last().copied().ok_or_else(bad)?;
        let t: Vec<&str> = tag.split('-').collect();
        let [py, abi, plat] = t.as_slice() else {
            return Err(bad());
        };
        let mut tags = BTreeSet::new();
        for p in py.split('.') {
            for a in abi.split('.') {
                for pl in plat.split('.') {
                    tags.insert(format!("{p}-{a}-{pl}").to_lowercase());
                }
            }
        }
        return Ok(DistName {
            name: canonical_name(name),
            version,
            build,
            tags,
            format: "whl",
        });
    }
    let (stem, format) = if let Some(s) = file.strip_suffix(".tar.gz") {
        (s, "tar.gz")
    } else if let Some(s) = file.strip_suffix(".zip") {
        (s, "zip")
    } else {
        return Err(bad());
    };
    let (name, version) = stem.rsplit_once('-').ok_or_else(bad)?;
    Ok(DistName {
        name: canonical_name(name),
        version: normalize_version(version).ok_or_else(bad)?,
        build: None,
        tags: BTreeSet::new(),
        format,
    })
}

/// PEP 740's statement rules, on a statement whose signature verified: exactly one subject,
/// naming the distribution `dist_file` (compared as parsed distribution names) with its sha256;
/// a predicate type PyPI accepts. Returns the predicate type.
pub fn check_statement(
    payload: &[u8],
    dist_file: &str,
    sha256: &Sha256Digest,
) -> Result<String, Pep740Error> {
    let dist = parse_dist_name(dist_file)?;
    let v: Value =
        serde_json::from_slice(payload).map_err(|e| Pep740Error::Statement(e.to_string()))?;
    match v.get("_type").and_then(Value::as_str) {
        Some("https://in-toto.io/Statement/v1") => {}
        other => {
            return Err(Pep740Error::Statement(format!(
                "_type is {:?}, expected https://in-toto.io/Statement/v1",
                other.unwrap_or("absent")
            )))
        }
    }
    let subjects = v
        .get("subject")
        .and_then(Value::as_array)
        .ok_or_else(|| Pep740Error::Statement("no subject list".into()))?;
    let [subject] = subjects.as_slice() else {
        return Err(Pep740Error::SubjectCount(subjects.len()));
    };
    let name = subject
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| Pep740Error::Statement("subject has no name".into()))?;
    let parsed = parse_dist_name(name)?;
    if parsed != dist {
        return Err(Pep740Error::SubjectName {
            subject: name.to_owned(),
            dist: dist_file.to_owned(),
        });
    }
    let digest = subject
        .get("digest")
        .and_then(|d| d.get("sha256"))
        .and_then(Value::as_str);
    if digest != Some(sha256.to_hex().as_str()) {
        return Err(Pep740Error::SubjectDigest {
            subject: digest.map(str::to_owned),
            actual: sha256.to_hex(),
        });
    }
    let pt = v
        .get("predicateType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    if pt != PUBLISH_V1 && pt != SLSA_PROVENANCE_V1 {
        return Err(Pep740Error::PredicateType(pt.to_owned()));
    }
    Ok(pt.to_owned())
}

/// One PEP 740 attestation that passed every rule.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Pep740Verified {
    /// The Sigstore verification (signer, log entries, publisher facts).
    pub verified: crate::Verified,
    /// The statement's predicate type (PyPI publish/v1 or SLSA provenance v1).
    pub predicate_type: String,
    /// The provenance object's publisher, checked against the certificate.
    pub publisher: Option<Publisher>,
}

/// Verifies one PEP 740 attestation for the distribution `dist_file` (its file name) with
/// `sha256`, as PyPI does: the Sigstore bundle it stands for under `policy` (chain, SCT, log
/// proof, DSSE signature, identity), then [`check_statement`], then the publisher of its
/// provenance object against the certificate.
pub fn verify(
    root: &crate::TrustRoot,
    att: &Pep740Attestation,
    dist_file: &str,
    sha256: &Sha256Digest,
    policy: &crate::SignerPolicy,
) -> Result<Pep740Verified, Pep740Error> {
    let bundle = att
        .bundle
        .as_ref()
        .map_err(|e| Pep740Error::Malformed(e.clone()))?;
    parse_dist_name(dist_file)?;
    let (verified, payload_type, payload) =
        crate::verify_dsse(root, bundle, crate::Artifact::Sha256(*sha256), policy)
            .map_err(Pep740Error::Verify)?;
    if payload_type != "application/vnd.in-toto+json" {
        return Err(Pep740Error::Statement(format!(
            "payload type {payload_type:?} is not application/vnd.in-toto+json"
        )));
    }
    let predicate_type = check_statement(&payload, dist_file, sha256)?;
    if let Some(p) = &att.publisher {
        let Some(facts) = verified.publisher.as_deref() else {
            return Err(Pep740Error::Publisher {
                kind: p.kind().to_owned(),
                source: miss("certificate", "a Fulcio certificate".into(), None),
            });
        };
        p.check(facts).map_err(|source| Pep740Error::Publisher {
            kind: p.kind().to_owned(),
            source,
        })?;
    }
    Ok(Pep740Verified {
        verified,
        predicate_type,
        publisher: att.publisher.clone(),
    })
}

/// The verdict on every attestation of one PEP 740 document.
#[derive(Debug)]
#[non_exhaustive]
pub struct DocumentVerdict {
    /// Attestations that passed, by location.
    pub verified: Vec<(String, Pep740Verified)>,
    /// Attestations that failed, by location, in document order.
    pub rejected: Vec<(String, Pep740Error)>,
}

impl DocumentVerdict {
    /// A document is about one distribution: it passes when at least one attestation passes
    /// and none fails.
    pub fn passes(&self) -> bool {
        self.rejected.is_empty() && !self.verified.is_empty()
    }

    /// The code of a failing document: its first refusal's, or `attestation-malformed` for a
    /// document without attestations.
    pub fn reason(&self) -> &'static str {
        self.rejected
            .first()
            .map_or("attestation-malformed", |(_, e)| e.code())
    }
}

/// [`verify`] for every attestation of a document, each also needing `predicate_type` when
/// the caller asks for one.
pub fn verify_document(
    root: &crate::TrustRoot,
    atts: &[Pep740Attestation],
    dist_file: &str,
    sha256: &Sha256Digest,
    policy: &crate::SignerPolicy,
    predicate_type: Option<&str>,
) -> DocumentVerdict {
    let mut out = DocumentVerdict {
        verified: Vec::new(),
        rejected: Vec::new(),
    };
    for att in atts {
        let loc = att.location.clone();
        match verify(root, att, dist_file, sha256, policy) {
            Ok(v) => match predicate_type.filter(|p| *p != v.predicate_type) {
                Some(want) => out.rejected.push((
                    loc,
                    Pep740Error::PredicateTypeNotAsked {
                        actual: v.predicate_type,
                        expected: want.to_owned(),
                    },
                )),
                None => out.verified.push((loc, v)),
            },
            Err(e) => out.rejected.push((loc, e)),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn publishers_as_json_carry_their_kind_and_fields() {
        let gh = Publisher::GitHub {
            repository: "o/r".into(),
            workflow: "release.yml".into(),
            environment: None,
        };
        assert_eq!(
            gh.to_json(),
            json!({ "kind": "GitHub", "repository": "o/r", "workflow": "release.yml", "environment": null })
        );
        let g = Publisher::Google {
            email: "a@b".into(),
        };
        assert_eq!(g.to_json(), json!({ "kind": "Google", "email": "a@b" }));
        let c = Publisher::CircleCi {
            project_id: "p".into(),
            pipeline_definition_id: "d".into(),
            vcs_origin: None,
            vcs_ref: Some("refs/heads/main".into()),
        };
        assert_eq!(
            c.to_json(),
            json!({ "kind": "CircleCI", "project_id": "p", "pipeline_definition_id": "d", "vcs_origin": null, "vcs_ref": "refs/heads/main" })
        );
    }

    #[test]
    fn distribution_names_compare_as_packaging_parses_them() {
        let p = |s: &str| parse_dist_name(s).map_err(|e| e.to_string());
        assert_eq!(p("Foo.Bar-1.0.tar.gz"), p("foo_bar-1.0.0.tar.gz"));
        assert_eq!(
            p("rfc8785-0.1.2-py3-none-any.whl"),
            p("RFC8785-0.1.2-py3-none-any.whl")
        );
        assert_eq!(
            p("a-1.0-py2.py3-none-any.whl"),
            p("a-1.0-py3.py2-none-any.whl")
        );
        assert_ne!(p("a-1.0.tar.gz"), p("a-1.0.1.tar.gz"));
        assert_ne!(p("a-1.0.tar.gz"), p("b-1.0.tar.gz"));
        assert_ne!(p("a-1.0.tar.gz"), p("a-1.0.zip"));
        assert_ne!(
            p("a-1.0-py3-none-any.whl"),
            p("a-1.0-cp312-cp312-manylinux_2_17_x86_64.whl")
        );
        for bad in [
            "a.tar.bz2",
            "a.tar.gz",
            "a-notaversion!.tar.gz",
            "a-1.0-py3-any.whl",
            "a__b-1.0-py3-none-any.whl",
            "a-1.0-x-py3-none-any.whl",
        ] {
            assert!(p(bad).is_err(), "{bad}");
        }
        assert_eq!(normalize_version("1.0alpha1").as_deref(), Some("0!1a1"));
        assert_eq!(normalize_version("1.0-1"), normalize_version("1.0.post1"));
        assert_eq!(normalize_version("v1.0.dev0"), normalize_version("1.dev"));
        assert_eq!(
            normalize_version("1.0+Ubuntu.1").as_deref(),
            Some("0!1+ubuntu.1")
        );
    }

    #[test]
    fn statement_rules() {
        let d = Sha256Digest([7u8; 32]);
        let st = |subjects: &str, pt: &str| {
            format!(
                r#"{{"_type":"https://in-toto.io/Statement/v1","subject":{subjects},"predicateType":"{pt}","predicate":null}}"#
            )
        };
        let good = format!(
            r#"[{{"name":"a-1.0.tar.gz","digest":{{"sha256":"{}"}}}}]"#,
            d.to_hex()
        );
        let r = |s: String, f: &str| {
            check_statement(s.as_bytes(), f, &d).map_err(|e| (e.code(), e.to_string()))
        };
        assert_eq!(
            r(st(&good, PUBLISH_V1), "a-1.0.tar.gz"),
            Ok(PUBLISH_V1.to_owned())
        );
        assert_eq!(
            r(st(&good, PUBLISH_V1), "A-1.0.0.tar.gz"),
            Ok(PUBLISH_V1.to_owned())
        );
        assert_eq!(
            r(st(&good, PUBLISH_V1), "a-1.1.tar.gz").map_err(|e| e.0),
            Err("subject-name-mismatch")
        );
        assert_eq!(
            r(st(&good, "https://example.com/x"), "a-1.0.tar.gz").map_err(|e| e.0),
            Err("predicate-type-mismatch")
        );
        let two = format!("[{0},{0}]", &good[1..good.len() - 1]);
        assert_eq!(
            r(st(&two, PUBLISH_V1), "a-1.0.tar.gz").map_err(|e| e.0),
            Err("subject-count")
        );
        let other = good.replace(&d.to_hex(), &"0".repeat(64));
        assert_eq!(
            r(st(&other, PUBLISH_V1), "a-1.0.tar.gz").map_err(|e| e.0),
            Err("artifact-mismatch")
        );
        assert_eq!(
            r(st(&good, PUBLISH_V1), "a.txt").map_err(|e| e.0),
            Err("dist-name-invalid")
        );
    }

    #[test]
    fn malformed_objects_are_errors() {
        let e = |s: &str| {
            parse(s.as_bytes())
                .map(|v| v.len())
                .map_err(|e| e.to_string())
        };
        assert!(e("{}").is_err());
        assert!(e("[]").is_err());
        assert!(e(r#"{"attestation_bundles":[],"version":1}"#).is_err());
        assert!(e(r#"{"attestation_bundles":[{"publisher":{"kind":"Nope"},"attestations":[]}],"version":1}"#).is_err());
        // An attestation object that is not one: the entry says why.
        let v =
            parse(br#"{"version":1,"verification_material":{},"envelope":{}}"#).unwrap_or_default();
        assert_eq!(v.len(), 1);
        assert!(v[0].bundle.is_err());
        assert!(
            e(r#"{"version":1,"verification_material":{},"envelope":{},"version":2}"#).is_err()
        );
    }

    #[test]
    fn a_document_passes_only_with_one_attestation_verified_and_none_refused() {
        let root = crate::TrustRoot::public_good().expect("embedded root");
        let policy = crate::SignerPolicy::Keyless {
            identity: crate::Matcher::exact("a@example.com"),
            issuer: crate::Matcher::exact("https://accounts.example.com"),
        };
        let d = Sha256Digest([0; 32]);
        let none = verify_document(&root, &[], "a-1.0.tar.gz", &d, &policy, None);
        assert!(!none.passes());
        assert_eq!(none.reason(), "attestation-malformed");
        let bad =
            parse(br#"{"version":1,"verification_material":{},"envelope":{}}"#).expect("one entry");
        let v = verify_document(&root, &bad, "a-1.0.tar.gz", &d, &policy, Some("x"));
        assert!(!v.passes());
        let codes: Vec<_> = v
            .rejected
            .iter()
            .map(|(l, e)| (l.as_str(), e.code()))
            .collect();
        assert_eq!(codes, [("document", "attestation-malformed")]);
        let asked = Pep740Error::PredicateTypeNotAsked {
            actual: PUBLISH_V1.into(),
            expected: "x".into(),
        };
        assert_eq!(asked.code(), "predicate-type-mismatch");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse(&bytes);
            if let Ok(s) = std::str::from_utf8(&bytes) {
                let _ = parse_dist_name(s);
                let _ = check_statement(&bytes, s, &Sha256Digest([0; 32]));
            }
        }
    }
}
