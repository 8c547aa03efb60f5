//! `sigil verify`: a file against a minisign signature and a trusted public key.

use std::path::{Path, PathBuf};

use serde_json::json;
use sigil_sign::binding::{self, Claims, Expect, FileBinding, Statement};
use sigil_sign::minisig::{self, Signature, MAX_SIGNATURE_FILE};

use crate::output::{CliError, Output, Report};

/// `sigil verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Trusted public key (minisign or SPKI PEM).
    #[arg(long, short = 'k', value_name = "PUB")]
    key: Option<PathBuf>,
    /// Signature file; default FILE.minisig.
    #[arg(long, short = 'x', value_name = "SIG", conflicts_with = "bundle")]
    signature: Option<PathBuf>,
    /// Sigstore bundle (keyless with the --certificate-* flags, or managed key with --key PEM).
    #[arg(long, value_name = "B")]
    bundle: Option<PathBuf>,
    /// Sigstore trusted_root.json; default: the embedded public-good root.
    #[arg(
        long,
        value_name = "R",
        requires = "bundle",
        conflicts_with = "staging"
    )]
    trusted_root: Option<PathBuf>,
    /// Use the embedded Sigstore staging trusted root.
    #[arg(long, requires = "bundle")]
    staging: bool,
    /// Expected certificate identity (SAN), exactly.
    #[arg(
        long,
        value_name = "I",
        requires = "bundle",
        conflicts_with = "certificate_identity_regexp"
    )]
    certificate_identity: Option<String>,
    /// Expected certificate identity (SAN), as a regular expression (unanchored, like cosign).
    #[arg(long, value_name = "RE", requires = "bundle")]
    certificate_identity_regexp: Option<String>,
    /// Expected OIDC issuer, exactly (alias --cert-oidc-issuer; default with the publisher
    /// flags: GitHub Actions').
    #[arg(
        long,
        alias = "cert-oidc-issuer",
        value_name = "O",
        requires = "bundle",
        conflicts_with = "certificate_oidc_issuer_regexp"
    )]
    certificate_oidc_issuer: Option<String>,
    /// Expected OIDC issuer, as a regular expression.
    #[arg(long, value_name = "RE", requires = "bundle")]
    certificate_oidc_issuer_regexp: Option<String>,
    /// The source ref the certificate must name (Source Repository Ref), e.g. refs/tags/v1.
    #[arg(long, value_name = "REF", requires = "bundle")]
    source_ref: Option<String>,
    #[command(flatten)]
    publisher: super::publisher::PublisherArgs,
    /// The file to verify (with --bundle, also `sha256:<hex>`).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Evaluate a policy: gather sidecar evidence by convention and report every rule.
    #[arg(long, value_name = "P", conflicts_with_all = ["key", "signature", "bundle"])]
    policy: Option<PathBuf>,
    #[command(flatten)]
    expect: ExpectArgs,
    #[command(flatten)]
    audit: super::gate::DecisionLogArgs,
}

/// `--expect-name` and `--expect-version`: bind what was signed to what is verified.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ExpectArgs {
    /// The name the trusted comment must state: the signed file name (`file:`) for a file
    /// (default: the file's own name), the pack name for a pack, the release name
    /// (`release:NAME-VERSION`) for a checksum list.
    #[arg(long, value_name = "N")]
    pub expect_name: Option<String>,
    /// The version the trusted comment must state (`release:NAME-VERSION`, or the pack's version).
    #[arg(long, value_name = "V")]
    pub expect_version: Option<String>,
}

impl ExpectArgs {
    /// The expectation: `--expect-name` serves as the file name for files and as the product
    /// (pack or release) name for packs and lists; the gate and the checks below pick one.
    pub fn expect(&self) -> Expect {
        Expect {
            file: self.expect_name.clone(),
            name: self.expect_name.clone(),
            version: self.expect_version.clone(),
            implied_version: None,
        }
    }

    /// Whether any expectation was given.
    pub fn any(&self) -> bool {
        self.expect_name.is_some() || self.expect_version.is_some()
    }
}

/// Refuses (exit 1) when the statements do not bind to the expectation: the finding codes are
/// the policy's `signed-name-mismatch` and `signed-version-mismatch`.
pub fn require_binding(
    what: &Path,
    statements: &[Statement],
    expect: &Expect,
    trusted_comment: &str,
) -> Result<(), CliError> {
    let mismatches = binding::check(statements, expect);
    let Some(first) = mismatches.first() else {
        return Ok(());
    };
    let list: Vec<_> = mismatches
        .iter()
        .map(|m| {
            json!({
                "code": mismatch_code(m),
                "source": m.source,
                "signed": m.signed,
                "expected": m.expected,
                "message": m.to_string(),
            })
        })
        .collect();
    let text: Vec<String> = mismatches
        .iter()
        .map(|m| format!("{}: {m}", mismatch_code(m)))
        .collect();
    Err(CliError::not_verified(format!(
        "{}: the signature verified, but not for this: {} (trusted comment: {trusted_comment})",
        what.display(),
        text.join("; ")
    ))
    .hint("if it was renamed on purpose, pass --expect-name (and --expect-version) with what was signed")
    .data(json!({
        "code": mismatch_code(first),
        "mismatches": list,
        "trusted_comment": trusted_comment,
    })))
}

/// The finding code of a binding mismatch.
pub fn mismatch_code(m: &binding::Mismatch) -> &'static str {
    match m.field {
        binding::Field::Name => sigil_policy::Code::SignedNameMismatch.as_str(),
        binding::Field::Version => sigil_policy::Code::SignedVersionMismatch.as_str(),
    }
}

/// The statement a verified blob signature makes: its `file:` bound to `here`, and any
/// `release:` name and version.
pub fn blob_statement(source: &Path, trusted_comment: &str, here: &str) -> Statement {
    let c = Claims::parse(trusted_comment);
    Statement {
        source: source.display().to_string(),
        file: c.file.map(|signed| FileBinding {
            signed,
            here: here.to_owned(),
        }),
        name: c.release_name,
        version: c.release_version,
    }
}

/// A path's file name, for binding.
pub fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Verifies `file` against `sig_path` with `key`; every failure to verify is exit 1.
pub fn verify_file(
    out: &Output,
    key: &sigil_keys::PublicKey,
    file: &Path,
    sig_path: &Path,
) -> Result<minisig::Verified, CliError> {
    let (reader, len) = super::open_input(file)?;
    verify_reader(out, key, file, sig_path, reader, len)
}

/// Verifies the bytes of `reader` (the content of `file`, `len` bytes) against `sig_path`.
/// Callers that go on to use the content pass the very bytes they will use, so nothing is
/// read twice from a file that could change in between.
pub fn verify_reader(
    out: &Output,
    key: &sigil_keys::PublicKey,
    file: &Path,
    sig_path: &Path,
    reader: impl std::io::Read,
    len: u64,
) -> Result<minisig::Verified, CliError> {
    // A missing signature is missing evidence: not verified (exit 1), like a bad one. One
    // that exists but cannot be read, or is not a regular file, stays an I/O error (exit 2).
    if std::fs::symlink_metadata(sig_path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
    {
        return Err(CliError::not_verified(format!(
            "{}: no signature: {} does not exist",
            file.display(),
            sig_path.display()
        ))
        .hint("sign with `sigil sign --key KEY FILE`, or name the signature with --signature"));
    }
    let text = super::read_text(sig_path, MAX_SIGNATURE_FILE as u64, "signature")?;
    let sig = Signature::parse(&text)
        .map_err(|e| CliError::not_verified(format!("{}: {e}", sig_path.display())))?;
    let name = file.display().to_string();
    minisig::verify(key, &sig, reader, super::progress(out, &name, len)).map_err(|e| match e {
        minisig::VerifyError::Io(io) => CliError::io(format!("{}: {}", file.display(), super::io_reason(&io))),
        other => CliError::not_verified(format!("{}: {other}", file.display()))
            .data(json!({ "file": file, "signature": sig_path, "signature_key_id": sig.key_id.to_string(), "trusted_key_id": key.key_id().to_string() })),
    })
}

/// Runs `sigil verify --key`.
pub fn run(out: &Output, a: VerifyArgs) -> Result<Report, CliError> {
    if let Some(policy) = &a.policy {
        return super::gate::verify_policy(out, policy, &a.file, &a.expect.expect(), &a.audit);
    }
    if let Some(bundle) = a.bundle {
        if a.expect.any() {
            return Err(CliError::usage(
                "--expect-name and --expect-version read a minisign trusted comment; a Sigstore bundle has none",
            ));
        }
        let r = super::bundle::BundleRequest {
            bundle,
            trusted_root: a.trusted_root,
            staging: a.staging,
            key: a.key,
            identity: a.certificate_identity,
            identity_regexp: a.certificate_identity_regexp,
            issuer: a.certificate_oidc_issuer,
            issuer_regexp: a.certificate_oidc_issuer_regexp,
            file: a.file,
            source_ref: a.source_ref,
            publisher: a.publisher,
        };
        return super::bundle::run(out, r);
    }
    if a.publisher.any(a.source_ref.as_ref()) {
        return Err(CliError::usage(
            "--owner, --repo, --signer-*, --source-* and --deny-self-hosted-runners check a Sigstore certificate",
        )
        .hint("pass the bundle with --bundle"));
    }
    let key_path = a.key.ok_or_else(|| {
        CliError::usage("nothing to verify against")
            .hint("pass --key PUB with the signer's public key")
    })?;
    let key = super::load_public_key(&key_path)?;
    let sig_path = a
        .signature
        .unwrap_or_else(|| super::sign::signature_path(&a.file));
    let v = verify_file(out, &key, &a.file, &sig_path)?;
    // The signature is good; now it must be about this file (or the one expected).
    let expect = Expect {
        name: None,
        ..a.expect.expect()
    };
    let here = a
        .expect
        .expect_name
        .clone()
        .unwrap_or_else(|| file_name(&a.file));
    let statement = blob_statement(&sig_path, &v.trusted_comment, &here);
    require_binding(&a.file, &[statement], &expect, &v.trusted_comment)?;
    Ok(Report::ok(
        "verified",
        json!({
            "file": a.file,
            "signature": sig_path,
            "key_id": v.key_id.to_string(),
            "algorithm": v.algorithm.as_str(),
            "trusted_comment": v.trusted_comment,
            "bytes": v.bytes,
        }),
    )
    .line(format!(
        "verified {} (key id {})",
        a.file.display(),
        v.key_id
    ))
    .line(format!("trusted comment: {}", v.trusted_comment)))
}
