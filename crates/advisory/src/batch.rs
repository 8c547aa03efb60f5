//! `advisory validate` over a set of files: each file's findings ([`validate::validate_text`]),
//! the findings only a set can have (one id in two files), the verdict, and the lines people
//! read. The caller reads the files; a file that is not text of a sane size is handed in as a
//! reason and becomes an `osv-parse` error, so the set still answers for every file.

use serde::Serialize;

use crate::validate::{self, Finding, Level, Options, ValidateCode};

/// One file's answer.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct FileReport {
    /// The file's name as the caller gave it.
    pub file: String,
    /// The advisory's id, when it parsed.
    pub id: Option<String>,
    /// No error finding.
    pub valid: bool,
    /// Every finding, in the order found.
    pub findings: Vec<Finding>,
}

/// The answer for the whole set (the JSON `result` of `sigil advisory validate`).
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct SetReport {
    /// No file has an error.
    pub valid: bool,
    /// Draft ids were refused.
    #[serde(rename = "final")]
    pub final_: bool,
    /// Error findings over all files.
    pub errors: usize,
    /// Warning findings over all files.
    pub warnings: usize,
    /// One report per file, in the order given.
    pub files: Vec<FileReport>,
}

/// Validates `files` (name, then its text or why it could not be read as text) as one set.
pub fn validate_files(files: Vec<(String, Result<String, String>)>, opts: Options) -> SetReport {
    let mut out: Vec<FileReport> = files
        .into_iter()
        .map(|(file, text)| {
            let (adv, findings) = match text {
                Ok(t) => validate::validate_text(&t, opts),
                Err(why) => (
                    None,
                    vec![Finding::error(ValidateCode::OsvParse.code(), "", why)],
                ),
            };
            FileReport {
                file,
                id: adv.map(|a| a.id),
                valid: true,
                findings,
            }
        })
        .collect();
    let dups = validate::duplicate_ids(out.iter().map(|f| f.id.as_deref().unwrap_or("")));
    for (id, idxs) in dups.iter().filter(|(id, _)| !id.is_empty()) {
        let first = out[idxs[0]].file.clone();
        for &i in &idxs[1..] {
            out[i].findings.push(Finding::error(
                ValidateCode::IdDuplicate.code(),
                "id",
                format!("id {id} is also used by {first}"),
            ));
        }
    }
    let count = |out: &[FileReport], level| {
        out.iter()
            .flat_map(|f| &f.findings)
            .filter(|f| f.level == level)
            .count()
    };
    for f in &mut out {
        f.valid = !f.findings.iter().any(|x| x.level == Level::Error);
    }
    let errors = count(&out, Level::Error);
    SetReport {
        valid: errors == 0,
        final_: opts.final_,
        errors,
        warnings: count(&out, Level::Warning),
        files: out,
    }
}

impl SetReport {
    /// The lines people read: each file's verdict and findings, then the totals.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        for f in &self.files {
            let id =
                f.id.as_deref()
                    .map(|i| format!(" ({i})"))
                    .unwrap_or_default();
            let verdict = if f.valid { "valid" } else { "invalid" };
            lines.push(format!("{}: {verdict}{id}", f.file));
            for x in &f.findings {
                let level = match x.level {
                    Level::Error => "error",
                    Level::Warning => "warning",
                };
                let at = if x.path.is_empty() {
                    String::new()
                } else {
                    format!(" at {}", x.path)
                };
                lines.push(format!("  {level}[{}]{at}: {}", x.code, x.message));
            }
        }
        lines.push(format!(
            "{} file(s): {} error(s), {} warning(s)",
            self.files.len(),
            self.errors,
            self.warnings
        ));
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"{"schema_version":"1.7.5","id":"GHSA-2222-3333-4444","modified":"2024-01-01T00:00:00Z",
      "affected":[{"package":{"ecosystem":"crates.io","name":"foo","purl":"pkg:cargo/foo"},
        "ranges":[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"1.2.3"}]}]}],
      "references":[{"type":"WEB","url":"https://example.com/x"}]}"#;

    fn check(files: Vec<(&str, Result<&str, &str>)>, expect: &[&str]) {
        let files = files
            .into_iter()
            .map(|(n, t)| (n.to_owned(), t.map(str::to_owned).map_err(str::to_owned)))
            .collect();
        let r = validate_files(files, Options::default());
        assert_eq!(r.lines(), expect);
        assert_eq!(r.valid, r.errors == 0);
    }

    #[test]
    fn one_id_in_two_files_is_an_error_on_the_second() {
        check(
            vec![("a.json", Ok(GOOD)), ("b.json", Ok(GOOD))],
            &[
                "a.json: valid (GHSA-2222-3333-4444)",
                "b.json: invalid (GHSA-2222-3333-4444)",
                "  error[id-duplicate] at id: id GHSA-2222-3333-4444 is also used by a.json",
                "2 file(s): 1 error(s), 0 warning(s)",
            ],
        );
    }

    #[test]
    fn unreadable_text_is_an_osv_parse_error_and_the_rest_still_answer() {
        check(
            vec![
                ("big.json", Err("big.json: advisory is larger than 10 bytes")),
                ("a.json", Ok(GOOD)),
                ("junk.json", Ok("{")),
            ],
            &[
                "big.json: invalid",
                "  error[osv-parse]: big.json: advisory is larger than 10 bytes",
                "a.json: valid (GHSA-2222-3333-4444)",
                "junk.json: invalid",
                "  error[osv-parse]: not an OSV advisory: line 1, column 1: EOF while parsing an object",
                "3 file(s): 2 error(s), 0 warning(s)",
            ],
        );
    }
}
