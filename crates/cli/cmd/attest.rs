//! `sigil attest`, `sigil provenance` and `sigil verify-attestation`: in-toto attestations in
//! DSSE envelopes, SLSA v1 provenance from the CI environment, and slsa-verifier-grade checks
//! with keys or keyless (Sigstore bundles).

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};
use sigil_attest::document::{self, MAX_DOCUMENT_BYTES};
use sigil_attest::provenance::{self, GitFacts, ProvenanceOptions};
use sigil_attest::verify::{Checked, Expectations, StatementSigner, GITHUB_ACTIONS_ISSUER};
use sigil_attest::{ArtifactDigests, Envelope, SubjectDigest, INTOTO_PAYLOAD_TYPE};
use sigil_gate::attest::{judge_document, Ask, AttestationTrust, Outcome};
use sigil_sigstore::{Matcher, SignerPolicy, TrustRoot};

use crate::output::{CliError, Output, Report};

/// Largest predicate file read.
const MAX_PREDICATE: u64 = 16 * 1024 * 1024;
/// Largest trusted root or public key file read.
const MAX_TRUST_FILE: u64 = 8 * 1024 * 1024;

/// Digest algorithm for subjects that sigil writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DigestArg {
    /// SHA-256 (default).
    Sha256,
    /// SHA-512.
    Sha512,
}

/// `sigil attest`.
#[derive(Debug, clap::Args)]
pub struct AttestArgs {
    /// Secret key file (minisign format, as made by `sigil key generate`).
    #[arg(
        long,
        short = 'k',
        value_name = "KEY",
        required_unless_present = "keyless",
        conflicts_with = "keyless"
    )]
    key: Option<PathBuf>,
    /// `--keyless`: a Sigstore DSSE bundle (as actions/attest-build-provenance makes) instead.
    #[command(flatten)]
    keyless: super::keyless::KeylessArgs,
    /// The predicate type URI (e.g. https://slsa.dev/provenance/v1, https://cyclonedx.org/bom).
    #[arg(long, value_name = "URI")]
    predicate_type: String,
    /// The predicate: any JSON object, or a whole in-toto Statement (taken as the statement).
    #[arg(long, value_name = "FILE")]
    predicate: PathBuf,
    /// Attestation file; one envelope line is appended (several attestations can share a file).
    #[arg(long, short = 'o', value_name = "OUT.intoto.jsonl")]
    output: PathBuf,
    /// Digest algorithm for the subjects.
    #[arg(long, value_enum, default_value = "sha256")]
    digest: DigestArg,
    /// Artifacts the statement is about.
    #[arg(required = true, value_name = "SUBJECT")]
    subjects: Vec<PathBuf>,
}

/// `sigil provenance`.
#[derive(Debug, clap::Args)]
pub struct ProvenanceArgs {
    /// Where to write the statement (pretty JSON).
    #[arg(long, short = 'o', value_name = "OUT.json")]
    output: PathBuf,
    /// Builder id; default from the environment (GitHub: the workflow ref).
    #[arg(long, value_name = "URI")]
    builder_id: Option<String>,
    /// Build type; default from the environment.
    #[arg(long, value_name = "URI")]
    build_type: Option<String>,
    /// Artifacts the provenance is about.
    #[arg(required = true, value_name = "SUBJECT")]
    subjects: Vec<PathBuf>,
}

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

fn hash_file(out: &Output, path: &Path) -> Result<ArtifactDigests, CliError> {
    let (f, len) = super::open_input(path)?;
    let name = path.display().to_string();
    sigil_attest::digests(f, super::progress(out, &name, len))
        .map_err(|e| CliError::io(format!("{}: {}", path.display(), super::io_reason(&e))))
}

fn subject_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Appends one line to a JSON Lines file, adding a newline first if the file lacks one.
fn append_line(path: &Path, line: &str) -> Result<(), CliError> {
    let io =
        |e: std::io::Error| CliError::io(format!("{}: {}", path.display(), super::io_reason(&e)));
    let mut f = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    let mut text = String::new();
    if len > 0 {
        f.seek(SeekFrom::Start(len - 1)).map_err(io)?;
        let mut last = [0u8; 1];
        f.read_exact(&mut last).map_err(io)?;
        if last[0] != b'\n' {
            text.push('\n');
        }
    }
    text.push_str(line);
    text.push('\n');
    f.write_all(text.as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)
}

/// Whether two paths name the same file: the same device and inode (a hard link or another
/// spelling counts), or the same canonical path.
fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) if x.dev() == y.dev() && x.ino() == y.ino() => true,
        _ => matches!(
            (std::fs::canonicalize(a), std::fs::canonicalize(b)),
            (Ok(x), Ok(y)) if x == y
        ),
    }
}

/// Runs `sigil attest`.
pub fn run_attest(out: &Output, a: AttestArgs) -> Result<Report, CliError> {
    // Appending the envelope to an artifact it attests would change the artifact.
    if let Some(s) = a.subjects.iter().find(|s| same_file(s, &a.output)) {
        return Err(CliError::usage(format!(
            "-o {} is the subject {}: appending the attestation would change the artifact",
            a.output.display(),
            s.display()
        ))
        .hint("write the attestation to its own file, e.g. ARTIFACT.intoto.jsonl"));
    }
    if a.keyless.keyless && matches!(a.digest, DigestArg::Sha512) {
        return Err(
            CliError::usage("--keyless attestations name SHA-256 subjects")
                .hint("drop --digest sha512"),
        );
    }
    let key = match (&a.key, a.keyless.keyless) {
        (Some(k), false) => Some(super::load_secret_key(k)?),
        _ => None,
    };
    let prepared = match &key {
        None => Some(super::keyless::prepare(&a.keyless)?),
        Some(_) => None,
    };
    let predicate = super::read_text(&a.predicate, MAX_PREDICATE, "predicate")
        .map_err(|e| CliError::usage(e.message))?;
    let mut subjects = Vec::new();
    for s in &a.subjects {
        subjects.push((subject_name(s), hash_file(out, s)?));
    }
    let digest = match a.digest {
        DigestArg::Sha256 => SubjectDigest::Sha256,
        DigestArg::Sha512 => SubjectDigest::Sha512,
    };
    let (payload, statement) =
        sigil_attest::attest_payload(&a.predicate_type, predicate.as_bytes(), &subjects, digest)
            .map_err(|e| CliError::usage(format!("{}: {e}", a.predicate.display())))?;
    let (line, keyid, signer_line, keyless) = match (&key, &prepared) {
        (Some(key), _) => {
            let env = Envelope::sign(key, INTOTO_PAYLOAD_TYPE, payload);
            let keyid = key.public().fingerprint();
            (
                env.to_json(),
                json!(keyid),
                format!("signed with key {keyid}"),
                Value::Null,
            )
        }
        (None, Some(p)) => {
            let subject = subjects
                .first()
                .map(|(_, d)| d.sha256.0)
                .unwrap_or_default();
            let what = [sigil_sigstore::sign::ToSign::Dsse {
                payload_type: INTOTO_PAYLOAD_TYPE,
                payload: &payload,
                subject,
            }];
            let signed = super::keyless::sign(p, &what, &a.output.display().to_string())?;
            let s = signed
                .into_iter()
                .next()
                .ok_or_else(|| CliError::not_verified("no bundle"))?;
            let compact: Value = serde_json::from_slice(&s.bundle)
                .map_err(|e| CliError::not_verified(format!("bundle: {e}")))?;
            (
                compact.to_string(),
                Value::Null,
                format!(
                    "signed keyless as {} ({}), log index {}",
                    s.identity,
                    s.issuer,
                    s.log_indexes
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                json!({ "identity": s.identity, "issuer": s.issuer, "log_indexes": s.log_indexes }),
            )
        }
        (None, None) => return Err(CliError::usage("attest needs --key KEY or --keyless")),
    };
    append_line(&a.output, &line)?;
    let mut report = Report::ok(
        "ok",
        json!({
            "attestation": a.output,
            "predicate_type": statement.predicate_type,
            "statement_type": statement.version.as_str(),
            "keyid": keyid,
            "keyless": keyless,
            "subjects": statement.subjects.iter().map(|s| json!({"name": s.name, "digest": s.digests})).collect::<Vec<_>>(),
        }),
    );
    for s in &statement.subjects {
        let (alg, hex) = s
            .digests
            .iter()
            .next()
            .map_or(("", ""), |(k, v)| (k.as_str(), v.as_str()));
        report = report.line(format!("subject: {} ({alg} {hex})", s.name));
    }
    Ok(report
        .line(format!("predicate type: {}", statement.predicate_type))
        .line(signer_line)
        .line(format!("appended to {}", a.output.display())))
}

/// Environment variables provenance may read: CI facts only, never secrets.
const ENV_PREFIXES: [&str; 3] = ["GITHUB_", "RUNNER_", "CI_"];
const ENV_NAMES: [&str; 1] = ["GITLAB_CI"];

fn collect_env() -> BTreeMap<String, String> {
    std::env::vars()
        .filter(|(k, _)| {
            ENV_PREFIXES.iter().any(|p| k.starts_with(p)) || ENV_NAMES.contains(&k.as_str())
        })
        .filter(|(k, _)| !k.contains("TOKEN") && !k.contains("PASSWORD") && !k.contains("SECRET"))
        .collect()
}

fn git(args: &[&str]) -> Option<String> {
    let o = Command::new("git").args(args).output().ok()?;
    if !o.status.success() {
        return None;
    }
    let s = String::from_utf8(o.stdout).ok()?.trim().to_owned();
    (!s.is_empty()).then_some(s)
}

fn git_facts() -> GitFacts {
    let commit = git(&["rev-parse", "HEAD"]);
    if commit.is_none() {
        return GitFacts::default();
    }
    let git_ref = git(&["symbolic-ref", "-q", "HEAD"]).or_else(|| {
        git(&["describe", "--tags", "--exact-match", "HEAD"]).map(|t| format!("refs/tags/{t}"))
    });
    GitFacts {
        remote: git(&["remote", "get-url", "origin"]),
        commit,
        git_ref,
        dirty: git(&["status", "--porcelain", "--untracked-files=no"]).is_some(),
        checkout: git(&["rev-parse", "--show-toplevel"]),
    }
}

/// Runs `sigil provenance`.
pub fn run_provenance(out: &Output, a: ProvenanceArgs) -> Result<Report, CliError> {
    let mut subjects = Vec::new();
    for s in &a.subjects {
        let d = hash_file(out, s)?;
        subjects.push(sigil_attest::Subject::sha256(subject_name(s), &d.sha256));
    }
    let env = collect_env();
    let in_ci = ["GITHUB_ACTIONS", "GITLAB_CI"]
        .iter()
        .any(|k| env.get(*k).is_some_and(|v| v == "true"));
    let git = if in_ci {
        GitFacts::default()
    } else {
        git_facts()
    };
    let opts = ProvenanceOptions {
        builder_id: a.builder_id,
        build_type: a.build_type,
        finished_on: Some(super::now_or_source_date_epoch()?),
    };
    let g = provenance::generate(subjects, &env, &git, &opts).map_err(|e| {
        CliError::usage(e).hint("run inside the CI job, or outside CI for local provenance")
    })?;
    std::fs::write(&a.output, g.statement.to_json_pretty())
        .map_err(|e| CliError::io(format!("{}: {}", a.output.display(), super::io_reason(&e))))?;
    let view =
        provenance::view(&g.statement).map_err(|e| CliError::usage(format!("internal: {e}")))?;
    let source = view.trigger.as_ref().or(view.source.as_ref());
    let mut report = Report::ok(
        "ok",
        json!({
            "output": a.output,
            "platform": g.platform.as_str(),
            "builder_id": view.builder_id,
            "build_type": view.build_type,
            "source": source.map(|s| json!({"uri": s.uri, "ref": s.git_ref, "commit": s.commit})),
            "dirty": if g.platform == provenance::BuildPlatform::Local { json!(git.dirty) } else { Value::Null },
            "subjects": g.statement.subjects.iter().map(|s| json!({"name": s.name, "digest": s.digests})).collect::<Vec<_>>(),
        }),
    );
    report = report
        .line(format!(
            "wrote {} ({} provenance)",
            a.output.display(),
            g.platform.as_str()
        ))
        .line(format!("builder: {}", view.builder_id))
        .line(format!("build type: {}", view.build_type));
    if let Some(s) = source {
        report = report.line(format!(
            "source: {}",
            describe_source(&s.uri, s.git_ref.as_deref(), s.commit.as_deref())
        ));
    }
    if g.platform == provenance::BuildPlatform::Local && git.dirty {
        report =
            report.line("warning: the working tree has uncommitted changes (recorded as dirty)");
    }
    Ok(report)
}

fn describe_source(uri: &str, r: Option<&str>, commit: Option<&str>) -> String {
    let mut s = uri.to_owned();
    if let Some(r) = r {
        s.push_str(&format!(" @ {r}"));
    }
    if let Some(c) = commit {
        s.push_str(&format!(" (commit {c})"));
    }
    s
}

/// Keys trusted for `--key`: Ed25519 for DSSE envelopes, and any PEM key for managed-key bundles.
struct TrustedKeys {
    ed25519: Vec<sigil_keys::PublicKey>,
    managed: Vec<(sigil_sigstore::PublicKey, String)>,
}

fn load_keys(paths: &[PathBuf]) -> Result<TrustedKeys, CliError> {
    let mut keys = TrustedKeys {
        ed25519: Vec::new(),
        managed: Vec::new(),
    };
    for p in paths {
        let text = super::read_text(p, MAX_TRUST_FILE, "public key")
            .map_err(|e| CliError::usage(e.message))?;
        let ed = sigil_keys::PublicKey::parse(&text);
        let pem = text
            .contains("-----BEGIN")
            .then(|| sigil_sigstore::PublicKey::from_pem(&text).ok())
            .flatten();
        match (ed, pem) {
            (Ok(k), pem) => {
                if let Some(m) = pem {
                    keys.managed.push((m, k.fingerprint()));
                }
                keys.ed25519.push(k);
            }
            (Err(_), Some(m)) => keys
                .managed
                .push((m, sigil_attest::pem_fingerprint(&text).unwrap_or_default())),
            (Err(e), None) => {
                return Err(CliError::usage(format!("{}: {e}", p.display()))
                    .hint("pass a minisign public key or a PEM `PUBLIC KEY`"))
            }
        }
    }
    Ok(keys)
}

fn trust_root(path: Option<&Path>, staging: bool) -> Result<TrustRoot, CliError> {
    let hint = "pass a Sigstore trusted_root.json (media type application/vnd.dev.sigstore.trustedroot+json;version=0.1)";
    if staging {
        return TrustRoot::staging().map_err(|e| CliError::usage(CliError::chain(&e)).hint(hint));
    }
    match path {
        Some(p) => {
            let text = super::read_text(p, MAX_TRUST_FILE, "trusted root")
                .map_err(|e| CliError::usage(e.message))?;
            TrustRoot::from_json(&text).map_err(|e| {
                CliError::usage(format!("{}: {}", p.display(), CliError::chain(&e))).hint(hint)
            })
        }
        // The freshest root `sigil trust update` cached, else the embedded one (no network).
        None => super::trust::default_root(sigil_tuf::trust::Instance::PublicGood),
    }
}

/// Why one attestation in the file was not accepted: every finding's code, and the messages.
struct Rejection {
    location: String,
    codes: Vec<&'static str>,
    message: String,
}

impl Rejection {
    /// The first code (JSON `reason`; `reasons` has them all).
    fn code(&self) -> &'static str {
        self.codes
            .first()
            .copied()
            .unwrap_or("attestation-malformed")
    }
}

/// The digest the matching subject names (sha256 when it has one, else sha512).
fn matched_digest(c: &Checked, d: &ArtifactDigests) -> String {
    let has256 = c
        .statement
        .subjects
        .get(c.subject_index)
        .is_some_and(|s| s.digests.contains_key("sha256"));
    if has256 {
        format!("sha256 {}", d.sha256)
    } else {
        format!("sha512 {}", d.sha512)
    }
}

fn signer_json(s: &StatementSigner) -> Value {
    match s {
        StatementSigner::Key { fingerprint } => {
            json!({ "kind": "key", "fingerprint": fingerprint })
        }
        StatementSigner::Certificate(c) => json!({
            "kind": "certificate",
            "identity": c.identity,
            "issuer": c.issuer,
            "source_repository_uri": c.source_repository_uri,
            "source_repository_ref": c.source_repository_ref,
            "source_repository_digest": c.source_repository_digest,
            "runner_environment": c.runner_environment,
            "publisher": {
                "repository": c.source_repository_uri,
                "workflow": c.identity,
                "build_config": c.build_config_uri,
                "ref": c.source_repository_ref,
                "digest": c.source_repository_digest,
                "runner_environment": c.runner_environment,
                "run_url": c.run_invocation_uri,
            },
        }),
    }
}

/// Runs `sigil verify-attestation`.
pub fn run_verify(out: &Output, a: VerifyAttestationArgs) -> Result<Report, CliError> {
    let keyless = a.keys.is_empty();
    // `--source-ref` alone keeps its provenance meaning; with a publisher flag it is the
    // certificate's ref too.
    let publisher_mode = a.publisher.any(None);
    let identity_given = a.certificate_identity.is_some()
        || a.certificate_identity_regexp.is_some()
        || a.publisher.names_signer();
    if !keyless && (identity_given || a.certificate_oidc_issuer.is_some() || a.publisher.any(None))
    {
        return Err(
            CliError::usage("--key and the --certificate-* flags are exclusive").hint(
                "use --key for key-signed attestations, the certificate flags for Sigstore bundles",
            ),
        );
    }
    if keyless && !identity_given && (a.builder_id.is_none() || a.source_uri.is_none()) {
        return Err(CliError::usage("keyless verification needs a trusted identity").hint(
            "pass --certificate-identity (or --certificate-identity-regexp), or --builder-id with --source-uri; or --key PUB",
        ));
    }
    let keys = if keyless {
        None
    } else {
        Some(load_keys(&a.keys)?)
    };
    let needs_root = keys.as_ref().is_none_or(|k| !k.managed.is_empty());
    let root = if needs_root {
        Some(trust_root(a.trusted_root.as_deref(), a.staging)?)
    } else {
        None
    };
    let policy = if keyless {
        let identity = match (&a.certificate_identity, &a.certificate_identity_regexp) {
            (Some(i), _) => Matcher::exact(i.clone()),
            (None, Some(re)) => {
                Matcher::regex(re).map_err(|e| CliError::usage(CliError::chain(&e)))?
            }
            // Bound below: the certificate identity must be the trusted builder.
            (None, None) => Matcher::regex("").map_err(|e| CliError::usage(CliError::chain(&e)))?,
        };
        let issuer = Matcher::exact(
            a.certificate_oidc_issuer
                .clone()
                .unwrap_or_else(|| GITHUB_ACTIONS_ISSUER.to_owned()),
        );
        if publisher_mode {
            let given = a.certificate_identity.is_some() || a.certificate_identity_regexp.is_some();
            let p = a.publisher.policy(
                given.then_some(identity),
                Some(issuer),
                a.source_ref.clone(),
            )?;
            Some(SignerPolicy::Publisher(Box::new(p)))
        } else {
            Some(SignerPolicy::Keyless { identity, issuer })
        }
    } else {
        None
    };

    let digests = hash_file(out, &a.subject)?;
    let text = super::read_text(&a.attestation, MAX_DOCUMENT_BYTES as u64, "attestation")?;
    if let (Some(root), Some(policy)) = (&root, &policy) {
        if let Some(atts) = super::pep740::read(&a.attestation, &text)? {
            // PEP 740 has no provenance builder to bind an unnamed signer to: the signer
            // must be named.
            let named = a.certificate_identity.is_some()
                || a.certificate_identity_regexp.is_some()
                || a.publisher.names_signer();
            if !named {
                return Err(CliError::usage("a PEP 740 attestation needs its signer named").hint(
                    "pass --repo OWNER/REPO (with --signer-workflow), --owner, or --certificate-identity",
                ));
            }
            return super::pep740::run(
                &a.subject,
                &a.attestation,
                atts,
                root,
                policy,
                &digests,
                a.predicate_type.as_deref(),
            );
        }
    }
    let malformed = |e: &dyn std::error::Error| {
        CliError::not_verified(format!(
            "{}: {}",
            a.attestation.display(),
            CliError::chain(e)
        ))
        .data(json!({ "attestation": a.attestation, "reason": "attestation-malformed" }))
    };
    let items = document::read(&text).map_err(|e| malformed(&e))?;
    let exp = Expectations {
        predicate_type: a.predicate_type.clone(),
        builder_id: a.builder_id.clone(),
        source_uri: a.source_uri.clone(),
        // With the publisher flags the ref is the certificate's (checked in the policy).
        source_ref: a.source_ref.clone().filter(|_| !publisher_mode),
        certificate_policy: a.publisher.names_signer(),
    };
    let no_keys = TrustedKeys {
        ed25519: Vec::new(),
        managed: Vec::new(),
    };
    let k = keys.as_ref().unwrap_or(&no_keys);
    let trust = AttestationTrust {
        keys: &k.ed25519,
        managed: &k.managed,
        root: root.as_ref(),
        keyless: policy.as_ref(),
    };

    // The same loop the policy gate runs (sigil-gate's judge_document).
    let mut accepted: Vec<(String, &'static str, StatementSigner, Checked)> = Vec::new();
    let mut rejected: Vec<Rejection> = Vec::new();
    for j in judge_document(items, &trust, &digests, Ask::All(&exp)) {
        match j.outcome {
            Outcome::Judged {
                signers,
                assessment,
            } if assessment.passed() => {
                if let Some(signer) = signers.into_iter().next() {
                    accepted.push((j.location, j.kind, signer, assessment.checked));
                }
            }
            Outcome::Judged { assessment, .. } => rejected.push(Rejection {
                location: j.location,
                codes: assessment.findings.iter().map(|f| f.code()).collect(),
                message: assessment
                    .findings
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
            }),
            Outcome::Rejected(r) => rejected.push(Rejection {
                location: j.location,
                codes: vec![r.code()],
                message: r.to_string(),
            }),
            Outcome::Skipped => {}
        }
    }

    let rejected_json: Vec<Value> = rejected
        .iter()
        .map(|r| json!({ "location": r.location, "reason": r.code(), "reasons": r.codes, "message": r.message }))
        .collect();
    if accepted.is_empty() {
        let message = match rejected.as_slice() {
            [one] => format!(
                "{} ({}): {}",
                a.attestation.display(),
                one.location,
                one.message
            ),
            _ => format!(
                "{}: no attestation verified: {}",
                a.attestation.display(),
                rejected
                    .iter()
                    .map(|r| format!("{}: {}", r.location, r.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        };
        let reason = rejected
            .first()
            .map_or("attestation-malformed", Rejection::code);
        // A flag the verification needs and did not get is a usage error (exit 2), whether
        // that shows before reading the attestation (no identity at all) or only once its
        // signer turns out to delegate to a builder (`--builder-id` missing).
        let err = if rejected.iter().any(|r| r.code() == "builder-id-required") {
            CliError::usage(message).hint(
                "pass --builder-id with the builder the provenance must name (and --source-uri)",
            )
        } else {
            CliError::not_verified(message)
        };
        return Err(err.data(json!({
            "subject": a.subject,
            "attestation": a.attestation,
            "reason": reason,
            "rejected": rejected_json,
        })));
    }

    let mut report = Report::ok("verified", Value::Null);
    let mut verified_json = Vec::new();
    for (location, kind, signer, c) in &accepted {
        let p = c.provenance.as_ref();
        let source = p.and_then(|p| p.trigger.as_ref().or(p.source.as_ref()));
        let commit = p.and_then(|p| {
            p.source
                .as_ref()
                .and_then(|s| s.commit.clone())
                .or_else(|| p.trigger.as_ref().and_then(|t| t.commit.clone()))
        });
        verified_json.push(json!({
            "location": location,
            "kind": kind,
            "statement_type": c.statement.version.as_str(),
            "predicate_type": c.statement.predicate_type,
            "subject_name": c.subject_name(),
            "builder_id": p.map(|p| p.builder_id.clone()),
            "build_type": p.map(|p| p.build_type.clone()),
            "source": source.map(|s| json!({ "uri": s.uri, "ref": s.git_ref, "commit": commit })),
            "signer": signer_json(signer),
        }));
        report = report
            .line(format!(
                "verified {} against {} ({location}, {kind})",
                a.subject.display(),
                a.attestation.display()
            ))
            .line(format!(
                "  subject: {} ({})",
                c.subject_name(),
                matched_digest(c, &digests)
            ))
            .line(format!("  predicate type: {}", c.statement.predicate_type));
        if let Some(p) = p {
            report = report.line(format!("  builder: {}", p.builder_id));
            if let Some(s) = source {
                report = report.line(format!(
                    "  source: {}",
                    describe_source(&s.uri, s.git_ref.as_deref(), commit.as_deref())
                ));
            }
        }
        report = report.line(format!("  signer: {}", signer.describe()));
    }
    for r in &rejected {
        report = report.line(format!(
            "not used: {} ({}): {}",
            r.location,
            r.codes.join(", "),
            r.message
        ));
    }
    report.data = json!({
        "subject": { "file": a.subject, "sha256": digests.sha256.to_hex(), "sha512": digests.sha512.to_hex() },
        "attestation": a.attestation,
        "verified": verified_json,
        "rejected": rejected_json,
    });
    Ok(report)
}
