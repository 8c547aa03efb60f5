//! `sigil attest`: an in-toto statement about the subjects, signed as a DSSE envelope with a
//! key or keyless (a Sigstore bundle), appended to a JSON Lines file.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sigil_attest::{ArtifactDigests, Envelope, SubjectDigest, INTOTO_PAYLOAD_TYPE};
use sigil_gate::attest::{append_line, same_file};

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

/// A subject's name: its file name.
pub fn subject_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Runs `sigil attest`.
pub fn run_attest(out: &Output, a: AttestArgs) -> Result<Report, Failure> {
    if let Some(s) = a.subjects.iter().find(|s| same_file(s, &a.output)) {
        return Err(Failure::usage(format!(
            "-o {} is the subject {}: appending the attestation would change the artifact",
            a.output.display(),
            s.display()
        ))
        .hint("write the attestation to its own file, e.g. ARTIFACT.intoto.jsonl"));
    }
    if a.keyless.keyless && matches!(a.digest, DigestArg::Sha512) {
        return Err(
            Failure::usage("--keyless attestations name SHA-256 subjects")
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
        .map_err(|e| Failure::usage(e.message))?;
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
            .map_err(|e| Failure::usage(format!("{}: {e}", a.predicate.display())))?;
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
                .ok_or_else(|| Failure::not_verified("no bundle"))?;
            let compact: Value = serde_json::from_slice(&s.bundle)
                .map_err(|e| Failure::not_verified(format!("bundle: {e}")))?;
            let indexes: Vec<_> = s.log_indexes.iter().map(u64::to_string).collect();
            let line = format!(
                "signed keyless as {} ({}), log index {}",
                s.identity,
                s.issuer,
                indexes.join(", ")
            );
            let data =
                json!({ "identity": s.identity, "issuer": s.issuer, "log_indexes": s.log_indexes });
            (compact.to_string(), Value::Null, line, data)
        }
        (None, None) => return Err(Failure::usage("attest needs --key KEY or --keyless")),
    };
    append_line(&a.output, &line)
        .map_err(|e| Failure::io(format!("{}: {}", a.output.display(), super::io_reason(&e))))?;
    let mut report = Report::ok(
        "ok",
        json!({
            "attestation": a.output,
            "predicate_type": statement.predicate_type,
            "statement_type": statement.version.as_str(),
            "keyid": keyid,
            "keyless": keyless,
            "subjects": statement.subjects,
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
