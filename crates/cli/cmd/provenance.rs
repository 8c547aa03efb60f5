//! `sigil provenance`: an SLSA v1 provenance statement from the CI environment (or the local
//! git checkout).

use std::path::PathBuf;

use serde_json::{json, Value};
use sigil_attest::provenance::{self, BuildPlatform, ProvenanceOptions};

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
            super::attest::subject_name(s),
            &d.sha256,
        ));
    }
    let opts = ProvenanceOptions {
        builder_id: a.builder_id,
        build_type: a.build_type,
        finished_on: Some(super::now_or_source_date_epoch()?),
    };
    let (g, git) = sigil_gate::provenance::generate_here(subjects, &opts).map_err(|e| {
        Failure::usage(e).hint("run inside the CI job, or outside CI for local provenance")
    })?;
    std::fs::write(&a.output, g.statement.to_json_pretty())
        .map_err(|e| Failure::io(format!("{}: {}", a.output.display(), super::io_reason(&e))))?;
    let view =
        provenance::view(&g.statement).map_err(|e| Failure::usage(format!("internal: {e}")))?;
    let source = view.trigger.as_ref().or(view.source.as_ref());
    let local = g.platform == BuildPlatform::Local;
    let mut report = Report::ok(
        "ok",
        json!({
            "output": a.output,
            "platform": g.platform.as_str(),
            "builder_id": view.builder_id,
            "build_type": view.build_type,
            "source": source.map(|s| json!({"uri": s.uri, "ref": s.git_ref, "commit": s.commit})),
            "dirty": if local { json!(git.dirty) } else { Value::Null },
            "subjects": g.statement.subjects,
        }),
    )
    .line(format!(
        "wrote {} ({} provenance)",
        a.output.display(),
        g.platform.as_str()
    ))
    .line(format!("builder: {}", view.builder_id))
    .line(format!("build type: {}", view.build_type));
    if let Some(s) = source {
        let described =
            provenance::describe_source(&s.uri, s.git_ref.as_deref(), s.commit.as_deref());
        report = report.line(format!("source: {described}"));
    }
    if local && git.dirty {
        report =
            report.line("warning: the working tree has uncommitted changes (recorded as dirty)");
    }
    Ok(report)
}
