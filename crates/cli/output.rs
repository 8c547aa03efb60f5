//! The one place that writes to stdout and stderr.
//!
//! Results go to stdout; progress, warnings and errors go to stderr. With `--format json`,
//! exactly one JSON document is written to stdout for every run, including failures: the
//! envelope of [`sigil_core::report`], where results and failures are built.
//!
//! Every human line, warning, error, note and hint goes through [`sigil_core::terminal::escape`]
//! on its way out, so a file name, trusted comment, identity, advisory text or finding message
//! cannot carry terminal escapes, newlines or bidi overrides to the terminal. JSON keeps the
//! exact strings (JSON escaping already protects it), and a `document` is written verbatim:
//! it is a file's content (a key, an SBOM), meant for redirection; only when stdout is a
//! terminal is each of its lines escaped.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fmt;
use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use serde_json::Value;
use sigil_core::terminal::escape;

pub use sigil_core::report::{Failure, Report, Status};

/// How results are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Text for people.
    Human,
    /// One JSON document on stdout.
    Json,
}

/// The global `--format` flag. `pem` and `minisign` are only meaningful for `key export`
/// (where they pick the key format, as the CLI contract spells it) and behave as `human`
/// output there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    /// Text for people.
    Human,
    /// Exactly one JSON document on stdout.
    Json,
    /// `key export` only: SPKI PEM.
    Pem,
    /// `key export` only: minisign public key file.
    Minisign,
    /// `advisory export` only: RustSec advisory (TOML front matter and Markdown).
    Rustsec,
    /// `advisory export` only: Markdown notice.
    Markdown,
}

/// Owner of stdout and stderr.
#[derive(Debug, Clone)]
pub struct Output {
    /// `--format`.
    pub format: Format,
    /// `--quiet`: no human result lines, no warnings.
    pub quiet: bool,
}

impl Output {
    /// Whether progress bars may be drawn (stderr is a terminal, human output, not quiet).
    pub fn progress_allowed(&self) -> bool {
        self.format == Format::Human && !self.quiet && std::io::stderr().is_terminal()
    }

    /// Whether colour may be used on stderr.
    pub fn color(&self) -> bool {
        std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stderr().is_terminal()
    }

    /// A warning on stderr (human format only; JSON carries warnings in its document).
    pub fn warn(&self, msg: impl fmt::Display) {
        if !self.quiet {
            let label = if self.color() {
                "\x1b[33mwarning\x1b[0m"
            } else {
                "warning"
            };
            eprintln!("{label}: {}", escape(&msg.to_string()));
        }
    }

    /// Writes the result of a command that ran to an answer, and returns the exit code.
    pub fn report(&self, command: &str, report: Report) -> ExitCode {
        match self.format {
            Format::Json => self.json(&report.envelope(command)),
            Format::Human => {
                // Buffered: stdout alone writes line by line (one system call per line).
                let mut out = std::io::BufWriter::new(std::io::stdout().lock());
                if !self.quiet || report.status == Status::NotVerified {
                    for l in &report.human {
                        if writeln!(out, "{}", escape(l)).is_err() {
                            break;
                        }
                    }
                }
                if let Some(doc) = &report.document {
                    // Verbatim into a file or a pipe; on a terminal, line by line through
                    // `escape`, since a document (an advisory's text) may come from anyone.
                    let doc = if std::io::stdout().is_terminal() {
                        for_terminal(doc)
                    } else {
                        doc.clone()
                    };
                    let _ = out.write_all(doc.as_bytes());
                    if !doc.ends_with('\n') {
                        let _ = writeln!(out);
                    }
                }
                let _ = out.flush();
            }
        }
        ExitCode::from(report.exit_code())
    }

    /// Writes an error and returns the exit code.
    pub fn error(&self, command: &str, err: &Failure) -> ExitCode {
        if self.format == Format::Json {
            self.json(&err.envelope(command));
        }
        // Errors always go to stderr too, so a JSON consumer's logs still say why.
        let label = if self.color() {
            "\x1b[31merror\x1b[0m"
        } else {
            "error"
        };
        eprintln!("{label}: {}", escape(&err.message));
        for n in &err.notes {
            eprintln!("{}", escape(n));
        }
        if let Some(h) = &err.hint {
            eprintln!("hint: {}", escape(h));
        }
        ExitCode::from(err.kind.exit_code())
    }

    fn json(&self, v: &Value) {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        // A closed pipe is not an error worth reporting.
        if serde_json::to_writer_pretty(&mut out, v).is_ok() {
            let _ = writeln!(out);
        }
        let _ = out.flush();
    }
}

/// A multi-line document made safe for a terminal: its lines are kept, each escaped.
fn for_terminal(doc: &str) -> String {
    doc.split('\n')
        .map(|l| escape(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_keep_their_lines_but_lose_their_escapes_on_a_terminal() {
        assert_eq!(for_terminal("a\nb\n"), "a\nb\n");
        assert_eq!(
            for_terminal("# \u{1b}[2Jtitle\r\n\u{202e}x\n"),
            "# \\e[2Jtitle\\r\n\\u{202e}x\n"
        );
    }
}
