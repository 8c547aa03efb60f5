//! `sigil verify`: a file against a minisign signature and a trusted public key.

use std::path::{Path, PathBuf};

use sigil_sign::binding::{self, Expect, Statement};
use sigil_sign::minisig::{self, Signature, MAX_SIGNATURE_FILE};
use sigil_sign::report;

use crate::output::{Failure, Output, Report};

/// `sigil verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Trusted public key (minisign or SPKI PEM).
    #[arg(long, short = 'k', value_name = "PUB")]
    pub key: Option<PathBuf>,
    /// Signature file; default FILE.minisig.
    #[arg(long, short = 'x', value_name = "SIG", conflicts_with_all = ["bundle", "bundle_dir"])]
    signature: Option<PathBuf>,
    /// Sigstore bundle (keyless with the --certificate-* flags, or managed key with --key PEM);
    /// repeat it for several FILEs, one --bundle per FILE in the same order.
    #[arg(long, value_name = "B", group = "sigstore")]
    pub bundle: Vec<PathBuf>,
    /// Verify every artifact X of a directory with the bundle X.sigstore.json beside it, on
    /// every core; one line (or JSON entry) per artifact, exit 1 if any fails.
    #[arg(long, value_name = "DIR", group = "sigstore", conflicts_with_all = ["bundle", "files"])]
    pub bundle_dir: Option<PathBuf>,
    /// Sigstore trusted_root.json; default: the embedded public-good root.
    #[arg(
        long,
        value_name = "R",
        requires = "sigstore",
        conflicts_with = "staging"
    )]
    pub trusted_root: Option<PathBuf>,
    /// Use the embedded Sigstore staging trusted root.
    #[arg(long, requires = "sigstore")]
    pub staging: bool,
    /// Expected certificate identity (SAN), exactly.
    #[arg(
        long,
        value_name = "I",
        requires = "sigstore",
        conflicts_with = "certificate_identity_regexp"
    )]
    pub certificate_identity: Option<String>,
    /// Expected certificate identity (SAN), as a regular expression (unanchored, like cosign).
    #[arg(long, value_name = "RE", requires = "sigstore")]
    pub certificate_identity_regexp: Option<String>,
    /// Expected OIDC issuer, exactly (alias --cert-oidc-issuer; default with the publisher
    /// flags: GitHub Actions').
    #[arg(
        long,
        alias = "cert-oidc-issuer",
        value_name = "O",
        requires = "sigstore",
        conflicts_with = "certificate_oidc_issuer_regexp"
    )]
    pub certificate_oidc_issuer: Option<String>,
    /// Expected OIDC issuer, as a regular expression.
    #[arg(long, value_name = "RE", requires = "sigstore")]
    pub certificate_oidc_issuer_regexp: Option<String>,
    /// The source ref the certificate must name (Source Repository Ref), e.g. refs/tags/v1.
    #[arg(long, value_name = "REF", requires = "sigstore")]
    pub source_ref: Option<String>,
    #[command(flatten)]
    pub publisher: super::publisher::PublisherArgs,
    /// The file to verify (with --bundle, also `sha256:<hex>`; several with one --bundle each).
    #[arg(value_name = "FILE", required_unless_present = "bundle_dir")]
    pub files: Vec<PathBuf>,
    /// Evaluate a policy: gather sidecar evidence by convention and report every rule.
    #[arg(long, value_name = "P", conflicts_with_all = ["key", "signature", "sigstore"])]
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

/// Refuses (exit 1) when the statements do not bind to the expectation
/// ([`binding::require`]; codes `signed-name-mismatch` and `signed-version-mismatch`).
pub fn require_binding(
    what: &Path,
    statements: &[Statement],
    expect: &Expect,
    trusted_comment: &str,
) -> Result<(), Failure> {
    binding::require(statements, expect).map_err(|e| report::unbound(what, &e, trusted_comment))
}

/// A path's file name, for binding.
pub fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
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
) -> Result<minisig::Verified, Failure> {
    // A missing signature is missing evidence: not verified (exit 1), like a bad one. One
    // that exists but cannot be read, or is not a regular file, stays an I/O error (exit 2).
    if std::fs::symlink_metadata(sig_path).is_err_and(|e| e.kind() == std::io::ErrorKind::NotFound)
    {
        return Err(report::no_signature(file, sig_path));
    }
    let text = super::read_text(sig_path, MAX_SIGNATURE_FILE as u64, "signature")?;
    let sig = Signature::parse(&text).map_err(|e| report::malformed_signature(sig_path, &e))?;
    let progress = super::progress(out, &file.display().to_string(), len);
    minisig::verify(key, &sig, reader, progress)
        .map_err(|e| report::verify_failure(file, sig_path, &sig, key.key_id(), e))
}

/// Runs `sigil verify`.
pub fn run(out: &Output, a: VerifyArgs) -> Result<Report, Failure> {
    if !a.bundle.is_empty() || a.bundle_dir.is_some() {
        if a.expect.any() {
            return Err(Failure::usage(
                "--expect-name and --expect-version read a minisign trusted comment; a Sigstore bundle has none",
            ));
        }
        return super::bundle::run(a);
    }
    let [file] = a.files.as_slice() else {
        return Err(
            Failure::usage("one FILE at a time").hint("several FILEs need one --bundle each")
        );
    };
    if let Some(policy) = &a.policy {
        return super::gate::verify_policy(out, policy, file, &a.expect.expect(), &a.audit);
    }
    if a.publisher.any(a.source_ref.as_ref()) {
        return Err(Failure::usage(
            "--owner, --repo, --signer-*, --source-* and --deny-self-hosted-runners check a Sigstore certificate",
        )
        .hint("pass the bundle with --bundle"));
    }
    let key_path = a.key.as_ref().ok_or_else(|| {
        Failure::usage("nothing to verify against")
            .hint("pass --key PUB with the signer's public key")
    })?;
    let key = super::load_public_key(key_path)?;
    let sig_path = a
        .signature
        .clone()
        .unwrap_or_else(|| super::sign::signature_path(file));
    let (reader, len) = super::open_input(file)?;
    let v = verify_reader(out, &key, file, &sig_path, reader, len)?;
    // The signature is good; now it must be about this file (or the one expected).
    let expect = Expect {
        name: None,
        ..a.expect.expect()
    };
    let here = a
        .expect
        .expect_name
        .clone()
        .unwrap_or_else(|| file_name(file));
    let statement = Statement::of_blob(&sig_path.display().to_string(), &v.trusted_comment, &here);
    require_binding(file, &[statement], &expect, &v.trusted_comment)?;
    Ok(report::verified(file, &sig_path, &v))
}
