//! `sigil attest`: an in-toto statement about the subjects, signed as a DSSE envelope with a
//! key or keyless (a Sigstore bundle), appended to a JSON Lines file.

use std::path::{Path, PathBuf};

use sigil_attest::report;
use sigil_attest::{ArtifactDigests, SubjectDigest};
use sigil_gate::attest::append_line;
use sigil_gate::attest_report;

use crate::output::{Failure, Output, Report};

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

/// SHA-256 and SHA-512 of a file, with progress.
pub fn hash_file(out: &Output, path: &Path) -> Result<ArtifactDigests, Failure> {
    let (f, len) = super::open_input(path)?;
    let name = path.display().to_string();
    sigil_attest::digests(f, super::progress(out, &name, len))
        .map_err(|e| Failure::io(format!("{}: {}", path.display(), super::io_reason(&e))))
}

/// Runs `sigil attest`.
pub fn run_attest(out: &Output, a: AttestArgs) -> Result<Report, Failure> {
    let digest = match a.digest {
        DigestArg::Sha256 => SubjectDigest::Sha256,
        DigestArg::Sha512 => SubjectDigest::Sha512,
    };
    let keyless = a.keyless.keyless;
    attest_report::check_attest(&a.subjects, &a.output, keyless, digest)?;
    let key = a.key.as_deref().filter(|_| !keyless);
    let key = key.map(super::load_secret_key).transpose()?;
    let prepared = key.is_none().then(|| super::keyless::prepare(&a.keyless));
    let prepared = prepared.transpose()?;
    let predicate = super::read_text(&a.predicate, sigil_attest::MAX_PREDICATE_BYTES, "predicate")
        .map_err(|e| Failure::usage(e.message))?;
    let mut subjects = Vec::new();
    for s in &a.subjects {
        subjects.push((report::subject_name(s), hash_file(out, s)?));
    }
    let (payload, statement) =
        sigil_attest::attest_payload(&a.predicate_type, predicate.as_bytes(), &subjects, digest)
            .map_err(|e| report::predicate_error(&a.predicate, &e))?;
    let (line, signer) = match (&key, &prepared) {
        (Some(key), _) => attest_report::key_signed(key, payload),
        (None, Some(p)) => {
            let what = attest_report::keyless_request(&payload, &subjects);
            let output = a.output.display().to_string();
            attest_report::keyless_signed(super::keyless::sign(p, &what, &output)?)?
        }
        (None, None) => return Err(Failure::usage("attest needs --key KEY or --keyless")),
    };
    append_line(&a.output, &line)
        .map_err(|e| Failure::io(format!("{}: {}", a.output.display(), super::io_reason(&e))))?;
    Ok(report::attested(&statement, &a.output, &signer))
}
