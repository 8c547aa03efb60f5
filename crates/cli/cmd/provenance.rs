//! `sigil provenance`: an SLSA v1 provenance statement from the CI environment (or the local
//! git checkout).

use std::path::PathBuf;

use sigil_attest::provenance::ProvenanceOptions;
use sigil_attest::report;

use crate::output::{Failure, Output, Report};

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

/// Runs `sigil provenance`.
pub fn run_provenance(out: &Output, a: ProvenanceArgs) -> Result<Report, Failure> {
    let mut subjects = Vec::new();
    for s in &a.subjects {
        let d = super::attest::hash_file(out, s)?;
        subjects.push(sigil_attest::Subject::sha256(
            report::subject_name(s),
            &d.sha256,
        ));
    }
    let opts = ProvenanceOptions {
        builder_id: a.builder_id,
        build_type: a.build_type,
        finished_on: Some(super::now_or_source_date_epoch()?),
    };
    let (g, git) = sigil_gate::provenance::generate_here(subjects, &opts)?;
    std::fs::write(&a.output, g.statement.to_json_pretty())
        .map_err(|e| Failure::io(format!("{}: {}", a.output.display(), super::io_reason(&e))))?;
    report::provenance(&a.output, &g, &git)
}
