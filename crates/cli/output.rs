//! The one place that writes to stdout and stderr.
//!
//! Results go to stdout; progress, warnings and errors go to stderr. With `--format json`,
//! exactly one JSON document is written to stdout for every run, including failures:
//!
//! ```json
//! {"schema_version": 1, "command": "verify", "status": "verified", "exit_code": 0, "result": {...}}
//! {"schema_version": 1, "command": "verify", "status": "error", "exit_code": 2, "error": {"kind": "usage", "message": "...", "hint": "..."}}
//! ```
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

use serde_json::{json, Value};
use sigil_core::terminal::escape;

/// Version of the JSON envelope above.
pub const SCHEMA_VERSION: u32 = 1;

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

/// The outcome of a command that ran to an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Verified, allowed or done: exit 0.
    Ok,
    /// Not verified, denied, or findings: exit 1.
    NotVerified,
}

/// What a command produced: lines for people and data for machines.
#[derive(Debug)]
pub struct Report {
    /// Exit 0 or 1.
    pub status: Status,
    /// Word used for `status` in JSON when the run succeeded (`verified`, `ok`, `allowed`...).
    pub ok_word: &'static str,
    /// Human-readable result lines (stdout).
    pub human: Vec<String>,
    /// Machine-readable result (`result` in JSON).
    pub data: Value,
    /// A document that is itself the result (a key, a list, an SBOM written to stdout):
    /// printed verbatim in human format, even with `--quiet`, after any human lines.
    pub document: Option<String>,
    /// An exit code passed through from a program sigil ran (`sigil run`), instead of 0.
    pub exit: Option<u8>,
    /// The one-line answer, for JSON `error.message` when not verified; the last human line
    /// when not set.
    pub summary: Option<String>,
}

impl Report {
    /// A successful report.
    pub fn ok(ok_word: &'static str, data: Value) -> Self {
        Self {
            status: Status::Ok,
            ok_word,
            human: Vec::new(),
            data,
            document: None,
            exit: None,
            summary: None,
        }
    }

    /// A "not verified" or "findings" report.
    pub fn not_verified(data: Value) -> Self {
        Self {
            status: Status::NotVerified,
            ok_word: "ok",
            human: Vec::new(),
            data,
            document: None,
            exit: None,
            summary: None,
        }
    }

    /// Adds a human line.
    pub fn line(mut self, l: impl Into<String>) -> Self {
        self.human.push(l.into());
        self
    }
}

/// How an error is sorted for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The evidence did not verify or was malformed: exit 1.
    NotVerified,
    /// Bad flags, bad configuration, keys or passwords: exit 2.
    Usage,
    /// File or system trouble: exit 2.
    Io,
}

impl ErrorKind {
    fn as_str(self) -> &'static str {
        match self {
            ErrorKind::NotVerified => "not-verified",
            ErrorKind::Usage => "usage",
            ErrorKind::Io => "io",
        }
    }
}

/// A command failure with a message, an optional hint and optional data.
#[derive(Debug)]
pub struct CliError {
    /// Sorting for the exit code.
    pub kind: ErrorKind,
    /// What went wrong, lowercase, no trailing period.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// Extra machine-readable detail.
    pub data: Option<Value>,
    /// Lines shown after the message for people (a snippet of the file at fault).
    pub notes: Vec<String>,
}

impl CliError {
    fn new(kind: ErrorKind, message: impl fmt::Display) -> Self {
        Self {
            kind,
            message: message.to_string(),
            hint: None,
            data: None,
            notes: Vec::new(),
        }
    }

    /// Exit 1: not verified.
    pub fn not_verified(message: impl fmt::Display) -> Self {
        Self::new(ErrorKind::NotVerified, message)
    }

    /// Exit 2: usage or setup.
    pub fn usage(message: impl fmt::Display) -> Self {
        Self::new(ErrorKind::Usage, message)
    }

    /// Exit 2: I/O.
    pub fn io(message: impl fmt::Display) -> Self {
        Self::new(ErrorKind::Io, message)
    }

    /// Adds a hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a line shown after the message (human output only; JSON carries it in data).
    pub fn note(mut self, line: impl Into<String>) -> Self {
        self.notes.push(line.into());
        self
    }

    /// Adds data.
    pub fn data(mut self, data: Value) -> Self {
        self.data = Some(data);
        self
    }

    /// Full message with its cause chain: [`sigil_core::error::chain`], the one flattener.
    pub fn chain(err: &dyn std::error::Error) -> String {
        sigil_core::error::chain(err)
    }
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
        let (status, code) = match report.status {
            Status::Ok => (report.ok_word, report.exit.unwrap_or(0)),
            Status::NotVerified => ("not-verified", 1u8),
        };
        match self.format {
            Format::Json => {
                let mut doc = json!({
                    "schema_version": SCHEMA_VERSION,
                    "command": command,
                    "status": status,
                    "exit_code": code,
                    "result": report.data,
                });
                // Every failure document carries `error`, as for errors; its message is the
                // summary line people see, and `result` keeps the details.
                if report.status == Status::NotVerified {
                    let message = report
                        .summary
                        .clone()
                        .or_else(|| report.human.last().map(|l| l.trim().to_owned()))
                        .unwrap_or_else(|| "not verified".to_owned());
                    doc["error"] =
                        json!({ "kind": ErrorKind::NotVerified.as_str(), "message": message });
                }
                self.json(&doc);
            }
            Format::Human => {
                let mut out = std::io::stdout().lock();
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
            }
        }
        ExitCode::from(code)
    }

    /// Writes an error and returns the exit code.
    pub fn error(&self, command: &str, err: &CliError) -> ExitCode {
        let code = match err.kind {
            ErrorKind::NotVerified => 1u8,
            ErrorKind::Usage | ErrorKind::Io => 2u8,
        };
        if self.format == Format::Json {
            let mut e = json!({ "kind": err.kind.as_str(), "message": err.message });
            if let Some(h) = &err.hint {
                e["hint"] = json!(h);
            }
            if let Some(d) = &err.data {
                e["details"] = d.clone();
            }
            let status = if code == 1 { "not-verified" } else { "error" };
            self.json(&json!({
                "schema_version": SCHEMA_VERSION,
                "command": command,
                "status": status,
                "exit_code": code,
                "error": e,
            }));
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
        ExitCode::from(code)
    }

    fn json(&self, v: &Value) {
        let mut out = std::io::stdout().lock();
        // A closed pipe is not an error worth reporting.
        if serde_json::to_writer_pretty(&mut out, v).is_ok() {
            let _ = writeln!(out);
        }
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
