//! `sigil attest`: an in-toto statement about the subjects, signed as a DSSE envelope with a
//! key or keyless (a Sigstore bundle), appended to a JSON Lines file.

use std::path::{Path, PathBuf};

use sigil_attest::report::{self, AttestSigner};
use sigil_attest::{ArtifactDigests, Envelope, SubjectDigest, INTOTO_PAYLOAD_TYPE};
use sigil_gate::attest::append_line;

use crate::output::{Failure, Output, Report};

/// Largest predicate file read.
const MAX_PREDICATE: u64 = 16 * 1024 * 1024;

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
    sigil_gate::attest_report::check_attest(&a.subjects, &a.output, keyless, digest)?;
    let key = match (&a.key, keyless) {
        (Some(k), false) => Some(super::load_secret_key(k)?),
        _ => None,
    };
    let prepared = match &key {
        None => Some(super::keyless::prepare(&a.keyless)?),
        Some(_) => None,
    };
    let predicate = super::read_text(&a.predicate, MAX_PREDICATE, "predicate")
        .map_err(|e| Failure::usage(e.message))?;
    let mut subjects = Vec::new();
    for s in &a.subjects {
        subjects.push((report::subject_name(s), hash_file(out, s)?));
    }
    let (payload, statement) =
        sigil_attest::attest_payload(&a.predicate_type, predicate.as_bytes(), &subjects, digest)
            .map_err(|e| report::predicate_error(&a.predicate, &e))?;
    let (line, keyid, signed);
    let signer = match (&key, &prepared) {
        (Some(key), _) => {
            line = Envelope::sign(key, INTOTO_PAYLOAD_TYPE, payload).to_json();
            keyid = key.public().fingerprint();
            AttestSigner::Key(&keyid)
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
            let all = super::keyless::sign(p, &what, &a.output.display().to_string())?;
            signed = all
                .into_iter()
                .next()
                .ok_or_else(|| Failure::not_verified("no bundle"))?;
            line = report::bundle_line(&signed.bundle)?;
            AttestSigner::from(&signed)
        }
        (None, None) => return Err(Failure::usage("attest needs --key KEY or --keyless")),
    };
    append_line(&a.output, &line)
        .map_err(|e| Failure::io(format!("{}: {}", a.output.display(), super::io_reason(&e))))?;
    Ok(report::attested(&statement, &a.output, signer))
}
