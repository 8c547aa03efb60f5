//! What a command answers, for people and for machines: the one home of sigil's result and
//! failure types and of the JSON envelope every run writes.
//!
//! Libraries build their command results here ([`Report`] for an answer, exit 0 or 1;
//! [`Failure`] for an error, exit 1 or 2), with their human lines and JSON data, so the
//! rendering of each outcome is unit-tested next to the code that produced it. The CLI only
//! writes them out (`crates/cli/output.rs`): with `--format json`, exactly one document per run:
//!
//! ```json
//! {"schema_version": 1, "command": "verify", "status": "verified", "exit_code": 0, "result": {...}}
//! {"schema_version": 1, "command": "verify", "status": "error", "exit_code": 2, "error": {"kind": "usage", "message": "...", "hint": "..."}}
//! ```

use std::fmt;

use serde_json::{json, Value};

/// Version of the JSON envelope above.
pub const SCHEMA_VERSION: u32 = 1;

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
            ..Self::ok("ok", data)
        }
    }

    /// Adds a human line.
    pub fn line(mut self, l: impl Into<String>) -> Self {
        self.human.push(l.into());
        self
    }

    /// Adds human lines.
    pub fn lines(mut self, ls: impl IntoIterator<Item = String>) -> Self {
        self.human.extend(ls);
        self
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self.status {
            Status::Ok => self.exit.unwrap_or(0),
            Status::NotVerified => 1,
        }
    }

    /// The JSON document for `--format json`.
    pub fn envelope(&self, command: &str) -> Value {
        let status = match self.status {
            Status::Ok => self.ok_word,
            Status::NotVerified => FailureKind::NotVerified.as_str(),
        };
        let mut doc = json!({
            "schema_version": SCHEMA_VERSION,
            "command": command,
            "status": status,
            "exit_code": self.exit_code(),
            "result": self.data,
        });
        // Every failure document carries `error`, as for errors; its message is the summary
        // line people see, and `result` keeps the details.
        if self.status == Status::NotVerified {
            let message = self
                .summary
                .clone()
                .or_else(|| self.human.last().map(|l| l.trim().to_owned()))
                .unwrap_or_else(|| "not verified".to_owned());
            doc["error"] = json!({ "kind": FailureKind::NotVerified.as_str(), "message": message });
        }
        doc
    }
}

/// How a failure is sorted for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The evidence did not verify or was malformed: exit 1.
    NotVerified,
    /// Bad flags, bad configuration, keys or passwords: exit 2.
    Usage,
    /// File or system trouble: exit 2.
    Io,
}

impl FailureKind {
    /// The `error.kind` word in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::NotVerified => "not-verified",
            FailureKind::Usage => "usage",
            FailureKind::Io => "io",
        }
    }

    /// The process exit code: 1 for not verified, 2 otherwise.
    pub fn exit_code(self) -> u8 {
        match self {
            FailureKind::NotVerified => 1,
            FailureKind::Usage | FailureKind::Io => 2,
        }
    }
}

/// A command failure with a message, an optional hint and optional data.
#[derive(Debug)]
pub struct Failure {
    /// Sorting for the exit code.
    pub kind: FailureKind,
    /// What went wrong, lowercase, no trailing period.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// Extra machine-readable detail (`error.details` in JSON).
    pub data: Option<Value>,
    /// Lines shown after the message for people (a snippet of the file at fault).
    pub notes: Vec<String>,
}

impl Failure {
    fn new(kind: FailureKind, message: impl fmt::Display) -> Self {
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
        Self::new(FailureKind::NotVerified, message)
    }

    /// Exit 2: usage or setup.
    pub fn usage(message: impl fmt::Display) -> Self {
        Self::new(FailureKind::Usage, message)
    }

    /// Exit 2: I/O.
    pub fn io(message: impl fmt::Display) -> Self {
        Self::new(FailureKind::Io, message)
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

    /// Full message with its cause chain: [`crate::error::chain`], the one flattener.
    pub fn chain(err: &dyn std::error::Error) -> String {
        crate::error::chain(err)
    }

    /// The JSON document for `--format json`.
    pub fn envelope(&self, command: &str) -> Value {
        let mut e = json!({ "kind": self.kind.as_str(), "message": self.message });
        if let Some(h) = &self.hint {
            e["hint"] = json!(h);
        }
        if let Some(d) = &self.data {
            e["details"] = d.clone();
        }
        let code = self.kind.exit_code();
        let status = if code == 1 { "not-verified" } else { "error" };
        json!({
            "schema_version": SCHEMA_VERSION,
            "command": command,
            "status": status,
            "exit_code": code,
            "error": e,
        })
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The operating system's reason without Rust's "(os error N)" suffix.
pub fn io_reason(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_owned(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verified_report_exits_0_with_its_word_and_result() {
        let r = Report::ok("verified", json!({"a": 1})).line("fine");
        assert_eq!(r.exit_code(), 0);
        assert_eq!(
            r.envelope("verify"),
            json!({"schema_version": 1, "command": "verify", "status": "verified", "exit_code": 0, "result": {"a": 1}})
        );
    }

    #[test]
    fn a_not_verified_report_exits_1_and_carries_its_last_line_as_the_error() {
        let r = Report::not_verified(json!({}))
            .line("x")
            .line("  2 problem(s) ");
        assert_eq!(r.exit_code(), 1);
        let doc = r.envelope("pack");
        assert_eq!(doc["status"], "not-verified");
        assert_eq!(doc["exit_code"], 1);
        assert_eq!(
            doc["error"],
            json!({"kind": "not-verified", "message": "2 problem(s)"})
        );
        let mut s = Report::not_verified(json!({})).line("x");
        s.summary = Some("summary".into());
        assert_eq!(s.envelope("c")["error"]["message"], "summary");
    }

    #[test]
    fn a_program_exit_code_passes_through_only_when_ok() {
        let mut r = Report::ok("ok", json!(null));
        r.exit = Some(7);
        assert_eq!(r.exit_code(), 7);
        assert_eq!(r.envelope("run")["exit_code"], 7);
    }

    #[test]
    fn failures_exit_2_for_usage_and_io_and_1_for_not_verified() {
        let u = Failure::usage("bad flag").hint("try --help");
        assert_eq!(
            u.envelope("sign"),
            json!({"schema_version": 1, "command": "sign", "status": "error", "exit_code": 2,
                   "error": {"kind": "usage", "message": "bad flag", "hint": "try --help"}})
        );
        assert_eq!(Failure::io("disk").kind.exit_code(), 2);
        let n = Failure::not_verified("bad sig").data(json!({"code": "x"}));
        let doc = n.envelope("verify");
        assert_eq!(doc["status"], "not-verified");
        assert_eq!(doc["exit_code"], 1);
        assert_eq!(doc["error"]["details"], json!({"code": "x"}));
        assert_eq!(n.to_string(), "bad sig");
    }

    #[test]
    fn io_reasons_drop_the_os_error_number() {
        let e = std::io::Error::from_raw_os_error(2);
        assert_eq!(io_reason(&e), "No such file or directory");
    }
}
