//! The decision log (`sigil log`): one row per verify, install and run decision in a local
//! SQLite database. ("Audit" is the vulnerability audit; the table keeps its historical name
//! `audit_log`, and messages say "audit log", so existing databases and scripts keep working.)
//!
//! Each row carries the SHA-256 of its own fields and of the previous row's hash, so editing,
//! deleting or reordering a row breaks the chain and [`DecisionLog::verify`] reports it.
//! Triggers refuse `UPDATE` and `DELETE`; appends run in `BEGIN IMMEDIATE` transactions with a
//! busy timeout, so parallel processes serialise and lose nothing.
//!
//! The chain has no key. On its own it proves only that the rows were not changed by
//! someone who left the chain and the triggers broken: anyone who can write the database can
//! drop the triggers, edit or cut rows, recompute every hash and restore the triggers, and
//! the chain verifies again. Two anchors kept outside the database close that gap:
//! - an expected head ([`Verification::expect_head`]): the head hash copied elsewhere;
//! - a signed [`Checkpoint`] ([`Verification::check_checkpoint`]): the number of rows and the
//!   head at that point, signed with a minisign key the attacker does not hold. The checkpointed
//!   head must still be the hash of the row at the same position, so a rewrite of any row up
//!   to it, or a cut below it, is reported. Rows after the newest checkpoint are protected by
//!   the chain only.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension as _, TransactionBehavior};
use serde_json::{json, Value};
use sigil_core::Sha256Digest;
use sigil_keys::{PublicKey, SecretKey};
use sigil_policy::{Decision, Policy, Subject, Timestamp};
use sigil_sign::minisig::{self, Signature};
use thiserror::Error;

/// The hash before the first row.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// How long a writer waits for another to finish.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit_log (
    seq             INTEGER PRIMARY KEY,
    time            TEXT    NOT NULL,
    time_unix       INTEGER NOT NULL,
    user            TEXT    NOT NULL,
    command         TEXT    NOT NULL,
    source          TEXT    NOT NULL,
    artifact_sha256 TEXT    NOT NULL,
    policy_sha256   TEXT    NOT NULL,
    verdict         TEXT    NOT NULL,
    findings        TEXT    NOT NULL,
    prev_hash       TEXT    NOT NULL,
    hash            TEXT    NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the sigil audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the sigil audit log is append-only'); END;
";

/// Why the audit log could not be used.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DecisionLogError {
    /// Creating the directory or file failed.
    #[error("audit log {}: {source}", path.display())]
    Io {
        /// The database.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// SQLite refused.
    #[error("audit log {}: {source}", path.display())]
    Sql {
        /// The database.
        path: PathBuf,
        /// The cause.
        #[source]
        source: rusqlite::Error,
    },
}

/// A new row's contents.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// When.
    pub time: Timestamp,
    /// Who (login name and uid).
    pub user: String,
    /// `verify`, `install` or `run`.
    pub command: String,
    /// The path or URL given.
    pub source: String,
    /// SHA-256 of the artifact's bytes, when known.
    pub artifact_sha256: Option<Sha256Digest>,
    /// SHA-256 of the policy file, when known.
    pub policy_sha256: Option<Sha256Digest>,
    /// `allow`, `deny` or `error`.
    pub verdict: String,
    /// The findings as a JSON array.
    pub findings: String,
}

/// A stored row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Position in the chain, from 1.
    pub seq: i64,
    /// RFC 3339 time.
    pub time: String,
    /// Seconds since the epoch.
    pub time_unix: i64,
    /// Who.
    pub user: String,
    /// Which command.
    pub command: String,
    /// Path or URL.
    pub source: String,
    /// Artifact SHA-256 hex, or empty.
    pub artifact_sha256: String,
    /// Policy SHA-256 hex, or empty.
    pub policy_sha256: String,
    /// `allow`, `deny` or `error`.
    pub verdict: String,
    /// Findings JSON.
    pub findings: String,
    /// The previous row's hash.
    pub prev_hash: String,
    /// This row's hash.
    pub hash: String,
}

impl Entry {
    /// The hash this row should have.
    pub fn compute_hash(&self) -> String {
        let mut h = sigil_core::digest::Sha256Hasher::default();
        h.update(b"sigil-audit-v1\n");
        let seq = self.seq.to_string();
        let unix = self.time_unix.to_string();
        for field in [
            seq.as_str(),
            &self.time,
            &unix,
            &self.user,
            &self.command,
            &self.source,
            &self.artifact_sha256,
            &self.policy_sha256,
            &self.verdict,
            &self.findings,
            &self.prev_hash,
        ] {
            h.update(&(field.len() as u64).to_be_bytes());
            h.update(field.as_bytes());
        }
        h.finalize().to_hex()
    }
}

/// One break in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainProblem {
    /// The row where it shows (0 for the table as a whole).
    pub seq: i64,
    /// What is wrong.
    pub message: String,
}

/// What [`DecisionLog::verify`] found.
#[derive(Debug, Clone)]
pub struct Verification {
    /// Rows read.
    pub rows: u64,
    /// The last row's hash (the genesis hash when empty).
    pub head: String,
    /// Every problem; empty when intact.
    pub problems: Vec<ChainProblem>,
    /// Each row's stored hash, in chain order.
    pub hashes: Vec<String>,
}

impl Verification {
    /// The verification for people: `audit log intact: N entries, head H`, or each problem
    /// then `audit log tampered: N problems in M entries`.
    pub fn lines(&self) -> Vec<String> {
        if self.problems.is_empty() {
            return vec![format!(
                "audit log intact: {} entries, head {}",
                self.rows, self.head
            )];
        }
        let mut out: Vec<String> = self
            .problems
            .iter()
            .map(|p| match p.seq {
                0 => format!("audit log: {}", p.message),
                n => format!("row {n}: {}", p.message),
            })
            .collect();
        let n = self.problems.len();
        out.push(format!(
            "audit log tampered: {n} problems in {} entries",
            self.rows
        ));
        out
    }

    /// Rows, head and problems as JSON.
    pub fn to_json(&self) -> Value {
        let problems: Vec<_> = self
            .problems
            .iter()
            .map(|p| json!({ "seq": p.seq, "message": p.message }))
            .collect();
        json!({ "rows": self.rows, "head": self.head, "problems": problems })
    }

    fn problem(&mut self, seq: i64, message: String) {
        self.problems.push(ChainProblem { seq, message });
    }

    /// Adds a problem unless the head is `expected` (hex, any case): rows were added, cut or
    /// rewritten since the head was copied.
    pub fn expect_head(&mut self, expected: &str) {
        let expected = expected.trim().to_ascii_lowercase();
        if expected == self.head {
            return;
        }
        let message = match self.hashes.iter().position(|h| *h == expected) {
            Some(i) => format!(
                "head is {} but {expected} was expected: {} rows were appended after it",
                self.head,
                self.hashes.len() - i - 1
            ),
            None => format!(
                "head is {} but {expected} was expected: the log was rewritten or cut",
                self.head
            ),
        };
        self.problem(0, message);
    }

    /// The anchors `sigil log verify` was given: the head must be `head` ([`Self::expect_head`])
    /// and the signed checkpoint (key, file) must hold ([`Self::check_checkpoint_file`]);
    /// returns the checkpoint that held.
    pub fn anchor(
        &mut self,
        head: Option<&str>,
        checkpoint: Option<(&PublicKey, &Path)>,
    ) -> Option<Checkpoint> {
        if let Some(h) = head {
            self.expect_head(h);
        }
        checkpoint.and_then(|(key, file)| self.check_checkpoint_file(key, file))
    }

    /// Reads the checkpoint `file` and its signature `file.minisig` (through
    /// [`sigil_core::input::read`]) and checks them as [`Verification::check_checkpoint`] does;
    /// a missing or unreadable file, or a malformed signature, is a problem too.
    pub fn check_checkpoint_file(&mut self, key: &PublicKey, file: &Path) -> Option<Checkpoint> {
        let sig_path = Checkpoint::signature_path(file);
        let read = |p: &Path| {
            sigil_core::input::read(p).map_err(|e| {
                let s = e.to_string();
                let reason = s
                    .find(" (os error")
                    .map_or(s.as_str(), |i| &s[..i])
                    .to_owned();
                format!("no usable checkpoint: {}: {reason}", p.display())
            })
        };
        let texts = read(file).and_then(|t| read(&sig_path).map(|s| (t, s)));
        let (text, sig) = match texts {
            Ok(t) => t,
            Err(message) => {
                self.problem(0, message);
                return None;
            }
        };
        let Some(sig) = std::str::from_utf8(&sig)
            .ok()
            .and_then(|s| Signature::parse(s).ok())
        else {
            self.problem(
                0,
                format!("{}: not a minisign signature", sig_path.display()),
            );
            return None;
        };
        self.check_checkpoint(key, &text, &sig)
    }

    /// Checks a signed checkpoint: the signature must verify with `key` and the checkpointed
    /// head must still be the hash of the row at the same position. Adds a problem otherwise.
    pub fn check_checkpoint(
        &mut self,
        key: &PublicKey,
        text: &[u8],
        signature: &Signature,
    ) -> Option<Checkpoint> {
        if let Err(e) = minisig::verify(key, signature, text, |_| {}) {
            self.problem(0, format!("checkpoint signature: {e}"));
            return None;
        }
        let cp = match std::str::from_utf8(text)
            .ok()
            .and_then(|t| Checkpoint::parse(t).ok())
        {
            Some(cp) => cp,
            None => {
                self.problem(0, "checkpoint is signed but malformed".to_owned());
                return None;
            }
        };
        let stored = usize::try_from(cp.rows)
            .ok()
            .and_then(|n| n.checked_sub(1))
            .and_then(|i| self.hashes.get(i));
        match stored {
            _ if cp.rows == 0 => {}
            None => self.problem(
                0,
                format!(
                    "the checkpoint covers {} rows but the log has {}: rows were cut from the end",
                    cp.rows, self.rows
                ),
            ),
            Some(h) if *h != cp.head => {
                let h = h.clone();
                self.problem(
                    i64::try_from(cp.rows).unwrap_or(i64::MAX),
                    format!(
                        "hash {h} differs from the signed checkpoint's {}: rows up to here were rewritten",
                        cp.head
                    ),
                );
            }
            Some(_) => {}
        }
        Some(cp)
    }
}

/// The head of the log at some point: the text a checkpoint signature covers.
///
/// ```text
/// sigil-audit-checkpoint-v1
/// rows 42
/// head 0f1e...
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// How many rows the log had.
    pub rows: u64,
    /// The hash of the last of them (the genesis hash when none).
    pub head: String,
}

/// Why checkpoint text did not parse.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckpointParseError {
    /// Not the three lines above.
    #[error("not a sigil audit checkpoint")]
    Malformed,
}

const CHECKPOINT_MAGIC: &str = "sigil-audit-checkpoint-v1";

impl Checkpoint {
    /// Where a log's checkpoint goes unless told otherwise: `DB.checkpoint`.
    pub fn default_path(db: &Path) -> PathBuf {
        let mut s = db.as_os_str().to_owned();
        s.push(".checkpoint");
        PathBuf::from(s)
    }

    /// The checkpoint's signature: `FILE.minisig`.
    pub fn signature_path(file: &Path) -> PathBuf {
        let mut s = file.as_os_str().to_owned();
        s.push(".minisig");
        PathBuf::from(s)
    }

    /// The signed text.
    pub fn to_text(&self) -> String {
        format!(
            "{CHECKPOINT_MAGIC}\nrows {}\nhead {}\n",
            self.rows, self.head
        )
    }

    /// Parses exactly what [`Checkpoint::to_text`] writes.
    pub fn parse(text: &str) -> Result<Self, CheckpointParseError> {
        let bad = CheckpointParseError::Malformed;
        let mut lines = text.strip_suffix('\n').ok_or(bad.clone())?.split('\n');
        if lines.next() != Some(CHECKPOINT_MAGIC) {
            return Err(bad);
        }
        let rows = lines
            .next()
            .and_then(|l| l.strip_prefix("rows "))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse().ok())
            .ok_or(bad.clone())?;
        let head = lines
            .next()
            .and_then(|l| l.strip_prefix("head "))
            .filter(|h| h.len() == 64 && h.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .ok_or(bad.clone())?;
        if lines.next().is_some() {
            return Err(bad);
        }
        Ok(Self {
            rows,
            head: head.to_owned(),
        })
    }

    /// The checkpoint of a verified log; `None` when the chain has problems (a broken log is
    /// not signed).
    pub fn of(v: &Verification) -> Option<Self> {
        v.problems.is_empty().then(|| Self {
            rows: v.rows,
            head: v.head.clone(),
        })
    }

    /// Writes the checkpoint to `file` and `signature` to [`Checkpoint::signature_path`]
    /// (each replaced atomically, mode 0644); returns the signature's path.
    pub fn write(
        &self,
        signature: &Signature,
        file: &Path,
    ) -> Result<PathBuf, sigil_keys::KeyFileError> {
        let sig_path = Self::signature_path(file);
        sigil_keys::write_new_file(file, self.to_text().as_bytes(), 0o644, true)?;
        sigil_keys::write_new_file(&sig_path, signature.to_text().as_bytes(), 0o644, true)?;
        Ok(sig_path)
    }

    /// Signs the checkpoint text with `key`; the trusted comment names the rows and head.
    pub fn sign(&self, key: &SecretKey, timestamp: i64) -> Result<Signature, minisig::SignError> {
        let tc = format!(
            "timestamp:{timestamp}\tfile:{CHECKPOINT_MAGIC}\trows:{}\thead:{}",
            self.rows, self.head
        );
        minisig::sign(
            key,
            self.to_text().as_bytes(),
            &tc,
            "sigil audit log checkpoint",
            |_| {},
        )
    }
}

/// An open audit log.
#[derive(Debug)]
pub struct DecisionLog {
    conn: Connection,
    path: PathBuf,
}

/// The default database: `$XDG_DATA_HOME/sigil/audit.db`, else `$HOME/.local/share/sigil/audit.db`.
pub fn default_path(env: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    let nonempty = |k: &str| env(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    let data = nonempty("XDG_DATA_HOME")
        .filter(|p| p.is_absolute())
        .or_else(|| nonempty("HOME").map(|h| h.join(".local/share")))?;
    Some(data.join("sigil").join("audit.db"))
}

/// Who is acting, for the `user` column: the login name from `USER`/`LOGNAME` and the real uid.
pub fn current_user(env: impl Fn(&str) -> Option<std::ffi::OsString>) -> String {
    let uid = rustix::process::getuid().as_raw();
    let name = env("USER")
        .or_else(|| env("LOGNAME"))
        .filter(|v| !v.is_empty());
    match name {
        Some(n) => format!("{} (uid {uid})", n.to_string_lossy()),
        None => format!("uid {uid}"),
    }
}

impl DecisionLog {
    /// Opens (creating it 0600, in a 0700 directory, when missing) and sets up the schema.
    pub fn open(path: &Path) -> Result<Self, DecisionLogError> {
        use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
        let io = |source| DecisionLogError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.exists() {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(io)?;
            }
        }
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io(e)),
        }
        let sql = |source| DecisionLogError::Sql {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(sql)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(sql)?;
        tx.execute_batch(SCHEMA).map_err(sql)?;
        tx.commit().map_err(sql)?;
        Ok(Self {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens an existing log read-only, changing nothing (so `verify` sees dropped triggers).
    pub fn open_existing(path: &Path) -> Result<Self, DecisionLogError> {
        if !path.exists() {
            return Err(DecisionLogError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no audit log here yet"),
            });
        }
        // A read-only open of a FIFO would block: only a regular file is a log.
        sigil_core::input::open(path).map_err(|source| DecisionLogError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let sql = |source| DecisionLogError::Sql {
            path: path.to_path_buf(),
            source,
        };
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(sql)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(sql)?;
        Ok(Self {
            conn,
            path: path.to_path_buf(),
        })
    }

    fn sql(&self) -> impl Fn(rusqlite::Error) -> DecisionLogError + '_ {
        move |source| DecisionLogError::Sql {
            path: self.path.clone(),
            source,
        }
    }

    /// Appends a row chained to the current last row, atomically.
    pub fn append(&mut self, e: &NewEntry) -> Result<Entry, DecisionLogError> {
        let path = self.path.clone();
        let sql = move |source| DecisionLogError::Sql {
            path: path.clone(),
            source,
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&sql)?;
        let last: Option<(i64, String)> = tx
            .query_row(
                "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(&sql)?;
        let (seq, prev_hash) = match last {
            Some((s, h)) => (s + 1, h),
            None => (1, GENESIS.to_owned()),
        };
        let mut entry = Entry {
            seq,
            time: e.time.to_rfc3339(),
            time_unix: e.time.0,
            user: e.user.clone(),
            command: e.command.clone(),
            source: e.source.clone(),
            artifact_sha256: e.artifact_sha256.map(|d| d.to_hex()).unwrap_or_default(),
            policy_sha256: e.policy_sha256.map(|d| d.to_hex()).unwrap_or_default(),
            verdict: e.verdict.clone(),
            findings: e.findings.clone(),
            prev_hash,
            hash: String::new(),
        };
        entry.hash = entry.compute_hash();
        tx.execute(
            "INSERT INTO audit_log (seq, time, time_unix, user, command, source, artifact_sha256, policy_sha256, verdict, findings, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                entry.seq,
                entry.time,
                entry.time_unix,
                entry.user,
                entry.command,
                entry.source,
                entry.artifact_sha256,
                entry.policy_sha256,
                entry.verdict,
                entry.findings,
                entry.prev_hash,
                entry.hash
            ],
        )
        .map_err(&sql)?;
        tx.commit().map_err(&sql)?;
        Ok(entry)
    }

    /// Rows in chain order, optionally only those at or after `since`.
    pub fn list(&self, since: Option<Timestamp>) -> Result<Vec<Entry>, DecisionLogError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT seq, time, time_unix, user, command, source, artifact_sha256, policy_sha256, verdict, findings, prev_hash, hash
                 FROM audit_log WHERE time_unix >= ?1 ORDER BY seq",
            )
            .map_err(self.sql())?;
        let rows = stmt
            .query_map([since.map_or(i64::MIN, |t| t.0)], |r| {
                Ok(Entry {
                    seq: r.get(0)?,
                    time: r.get(1)?,
                    time_unix: r.get(2)?,
                    user: r.get(3)?,
                    command: r.get(4)?,
                    source: r.get(5)?,
                    artifact_sha256: r.get(6)?,
                    policy_sha256: r.get(7)?,
                    verdict: r.get(8)?,
                    findings: r.get(9)?,
                    prev_hash: r.get(10)?,
                    hash: r.get(11)?,
                })
            })
            .map_err(self.sql())?;
        rows.collect::<Result<Vec<_>, _>>().map_err(self.sql())
    }

    /// Walks the chain and reports every edited, deleted or reordered row, and missing triggers.
    pub fn verify(&self) -> Result<Verification, DecisionLogError> {
        let rows = self.list(None)?;
        let mut problems = Vec::new();
        let mut prev = GENESIS.to_owned();
        let mut expected_seq = 1i64;
        for r in &rows {
            if r.seq != expected_seq {
                let message = if r.seq > expected_seq {
                    format!("rows {expected_seq}..{} are missing (deleted)", r.seq - 1)
                } else {
                    format!("sequence number {} repeats or goes backwards", r.seq)
                };
                problems.push(ChainProblem {
                    seq: r.seq,
                    message,
                });
            }
            if r.prev_hash != prev {
                problems.push(ChainProblem {
                    seq: r.seq,
                    message: "does not follow the previous row's hash (a row before it was deleted, edited or reordered)".to_owned(),
                });
            }
            if r.compute_hash() != r.hash {
                problems.push(ChainProblem {
                    seq: r.seq,
                    message: "contents do not match the row's hash (edited)".to_owned(),
                });
            }
            prev = r.hash.clone();
            expected_seq = r.seq + 1;
        }
        let triggers: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN ('audit_log_no_update', 'audit_log_no_delete')",
                [],
                |r| r.get(0),
            )
            .map_err(self.sql())?;
        if triggers != 2 {
            problems.push(ChainProblem {
                seq: 0,
                message: "the append-only triggers were removed".to_owned(),
            });
        }
        Ok(Verification {
            rows: rows.len() as u64,
            head: prev,
            problems,
            hashes: rows.into_iter().map(|r| r.hash).collect(),
        })
    }

    /// The database path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The verdict and the one finding code of a row for a command that failed before it decided
/// (an unreadable artifact, a download refused, a decision that could not be recorded).
pub const ERROR: &str = "error";

/// The current time, from the system clock (sigil-gate is the lowest crate that reads it).
pub fn now() -> Timestamp {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    Timestamp(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// A decision's findings as JSON: the array a row's `findings` column holds and the
/// `findings` of a decision document.
pub fn findings_json(d: &Decision) -> Value {
    Value::Array(
        d.findings
            .iter()
            .map(|f| {
                json!({
                    "code": f.code.as_str(),
                    "rule": f.code.rule().as_str(),
                    "severity": f.severity.as_str(),
                    "message": f.message,
                    "source": f.source,
                    "waived": f.waived.is_some(),
                    "reason": f.waived,
                })
            })
            .collect(),
    )
}

impl NewEntry {
    /// The row for `command` on `source`: a decision (`Ok`), or a failure before deciding
    /// (`Err(message)`: verdict [`ERROR`] and one finding with code [`ERROR`]).
    pub fn new(
        command: &str,
        source: &str,
        subject: Option<&Subject>,
        policy: &Policy,
        outcome: Result<&Decision, &str>,
        time: Timestamp,
        user: String,
    ) -> Self {
        let (verdict, findings) = match outcome {
            Ok(d) => (d.verdict.as_str().to_owned(), findings_json(d).to_string()),
            Err(msg) => (
                ERROR.to_owned(),
                json!([{ "code": ERROR, "message": msg }]).to_string(),
            ),
        };
        NewEntry {
            time,
            user,
            command: command.to_owned(),
            source: source.to_owned(),
            artifact_sha256: subject.map(|s| s.sha256),
            policy_sha256: Some(policy.digest),
            verdict,
            findings,
        }
    }
}

impl Entry {
    /// The finding codes of the row, in order.
    pub fn codes(&self) -> Vec<String> {
        serde_json::from_str::<Value>(&self.findings)
            .ok()
            .and_then(|v| v.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|f| f.get("code").and_then(Value::as_str).map(str::to_owned))
            .collect()
    }

    /// The row as JSON (`findings` parsed, or the stored text when it does not parse).
    pub fn to_json(&self) -> Value {
        json!({
            "seq": self.seq, "time": self.time, "user": self.user, "command": self.command,
            "source": self.source, "artifact_sha256": self.artifact_sha256,
            "policy_sha256": self.policy_sha256, "verdict": self.verdict,
            "findings": serde_json::from_str::<Value>(&self.findings)
                .unwrap_or(Value::String(self.findings.clone())),
            "hash": self.hash,
        })
    }

    /// The row as one line of `sigil log list`.
    pub fn line(&self) -> String {
        let digest: String = if self.artifact_sha256.is_empty() {
            "-".to_owned()
        } else {
            self.artifact_sha256.chars().take(16).collect()
        };
        format!(
            "{:>5} {} {:<7} {:<6} {} {} [{}] {}",
            self.seq,
            self.time,
            self.command,
            self.verdict,
            self.source,
            digest,
            self.codes().join(","),
            self.user
        )
    }
}

/// Parses `--since`: RFC 3339, a date, or an age before `now` like `30m`, `24h`, `7d`, `2w`.
pub fn parse_since(s: &str, now: Timestamp) -> Option<Timestamp> {
    if let Some(t) = Timestamp::parse_rfc3339(s) {
        return Some(t);
    }
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = num.parse().ok()?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    Some(Timestamp(now.0.saturating_sub(n.saturating_mul(mult))))
}

impl DecisionLog {
    /// Appends the row [`NewEntry::new`] makes, at the current time and as the current user;
    /// returns its position.
    pub fn record(
        &mut self,
        command: &str,
        source: &str,
        subject: Option<&Subject>,
        policy: &Policy,
        outcome: Result<&Decision, &str>,
    ) -> Result<i64, DecisionLogError> {
        let user = current_user(|k| std::env::var_os(k));
        let e = NewEntry::new(command, source, subject, policy, outcome, now(), user);
        self.append(&e).map(|e| e.seq)
    }
}

#[cfg(test)]
pub(crate) mod row_tests {
    use super::*;
    use sigil_policy::{evaluate, Evidence, Purpose, SubjectKind};

    /// A policy trusting one fresh key, and a denied decision (no signature) about `a.bin`.
    pub(crate) fn denied() -> (tempfile::TempDir, Policy, Subject, Decision) {
        let d = tempfile::tempdir().unwrap();
        let key = SecretKey::generate();
        std::fs::write(d.path().join("k.pub"), key.public().to_minisign()).unwrap();
        let policy_path = d.path().join("p.toml");
        std::fs::write(&policy_path, "schema = 1\n[trust]\nkeys = [\"k.pub\"]\n").unwrap();
        let policy = Policy::load(&policy_path).unwrap();
        let subject = Subject {
            name: "a.bin".into(),
            sha256: Sha256Digest::of(b"a"),
            bytes: 1,
            kind: SubjectKind::File,
        };
        let ev = Evidence::new(subject.clone(), Purpose::Verify);
        let decision = evaluate(&policy, &ev, Timestamp(1_700_000_000));
        (d, policy, subject, decision)
    }

    #[test]
    fn a_decision_row_holds_the_verdict_and_every_finding() {
        let (_d, policy, subject, decision) = denied();
        let e = NewEntry::new(
            "verify",
            "a.bin",
            Some(&subject),
            &policy,
            Ok(&decision),
            Timestamp(5),
            "u".into(),
        );
        assert_eq!(e.verdict, "deny");
        assert_eq!(e.artifact_sha256, Some(subject.sha256));
        assert_eq!(e.policy_sha256, Some(policy.digest));
        let findings: Value = serde_json::from_str(&e.findings).unwrap();
        assert_eq!(findings, findings_json(&decision));
        assert_eq!(findings[0]["code"], "signature-missing");
        assert_eq!(findings[0]["waived"], false);
    }

    #[test]
    fn a_failure_before_deciding_is_one_error_finding() {
        let (_d, policy, _, _) = denied();
        let e = NewEntry::new(
            "install",
            "https://x/a",
            None,
            &policy,
            Err("refused"),
            Timestamp(5),
            "u".into(),
        );
        assert_eq!(e.verdict, ERROR);
        assert_eq!(e.artifact_sha256, None);
        assert_eq!(e.findings, r#"[{"code":"error","message":"refused"}]"#);
    }

    #[test]
    fn recorded_rows_list_as_json_and_lines() {
        let (d, policy, subject, decision) = denied();
        let mut log = DecisionLog::open(&d.path().join("log.db")).unwrap();
        assert_eq!(
            log.record("verify", "a.bin", Some(&subject), &policy, Ok(&decision))
                .unwrap(),
            1
        );
        assert_eq!(
            log.record("run", "b", None, &policy, Err("gone")).unwrap(),
            2
        );
        let rows = log.list(None).unwrap();
        assert_eq!(rows[0].codes(), ["signature-missing"]);
        assert_eq!(rows[1].codes(), ["error"]);
        let j = rows[1].to_json();
        assert_eq!(
            (j["seq"].clone(), j["verdict"].clone()),
            (json!(2), json!("error"))
        );
        assert_eq!(j["findings"][0]["message"], "gone");
        let line = rows[1].line();
        assert!(line.starts_with("    2 "), "{line}");
        assert!(line.contains(" run     error  b - [error] "), "{line}");
        let hex = subject.sha256.to_hex();
        assert!(rows[0]
            .line()
            .contains(&format!(" a.bin {} [signature-missing] ", &hex[..16])));
    }

    #[test]
    fn a_written_checkpoint_verifies_with_its_key() {
        let (d, policy, subject, decision) = denied();
        let mut log = DecisionLog::open(&d.path().join("log.db")).unwrap();
        log.record("verify", "a.bin", Some(&subject), &policy, Ok(&decision))
            .unwrap();
        let mut v = log.verify().unwrap();
        let cp = Checkpoint::of(&v).unwrap();
        let key = SecretKey::generate();
        let file = Checkpoint::default_path(log.path());
        let sig_path = cp.write(&cp.sign(&key, 5).unwrap(), &file).unwrap();
        assert_eq!(sig_path, Checkpoint::signature_path(&file));
        assert_eq!(v.check_checkpoint_file(&key.public(), &file), Some(cp));
        assert!(v.problems.is_empty(), "{:?}", v.problems);
    }

    #[test]
    fn since_takes_rfc3339_dates_and_ages() {
        let now = Timestamp(1_700_000_000);
        assert_eq!(
            parse_since("30m", now),
            Some(Timestamp(1_700_000_000 - 1800))
        );
        assert_eq!(
            parse_since("2w", now),
            Some(Timestamp(1_700_000_000 - 2 * 604_800))
        );
        assert_eq!(
            parse_since("1970-01-02T00:00:00Z", now),
            Some(Timestamp(86_400))
        );
        for bad in ["", "m", "5y", "-5m", "soon"] {
            assert_eq!(parse_since(bad, now), None, "{bad}");
        }
    }

    #[test]
    fn verification_lines_say_intact_or_list_each_problem() {
        let mut v = Verification {
            rows: 2,
            head: "ab".into(),
            problems: Vec::new(),
            hashes: Vec::new(),
        };
        assert_eq!(v.lines(), ["audit log intact: 2 entries, head ab"]);
        v.problem(0, "the append-only triggers were removed".into());
        v.problem(2, "hash differs".into());
        assert_eq!(
            v.lines(),
            [
                "audit log: the append-only triggers were removed",
                "row 2: hash differs",
                "audit log tampered: 2 problems in 2 entries"
            ]
        );
        assert_eq!(v.to_json()["problems"][1]["seq"], 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_add_problems_for_a_wrong_head_and_a_missing_checkpoint() {
        let intact = Verification {
            rows: 1,
            head: "aa".into(),
            problems: vec![],
            hashes: vec!["aa".into()],
        };
        let mut v = intact.clone();
        assert_eq!(v.anchor(Some("AA"), None), None);
        assert!(v.problems.is_empty());
        v.anchor(Some("bb"), None);
        assert_eq!(v.problems.len(), 1);
        let d = tempfile::tempdir().unwrap();
        let key = SecretKey::generate().public();
        let mut v = intact;
        assert_eq!(v.anchor(None, Some((&key, &d.path().join("cp")))), None);
        assert!(
            v.problems[0].message.starts_with("no usable checkpoint: "),
            "{:?}",
            v.problems
        );
    }

    fn entry(n: i64) -> NewEntry {
        NewEntry {
            time: Timestamp(1_700_000_000 + n),
            user: "tester (uid 1000)".into(),
            command: "verify".into(),
            source: format!("artifact-{n}"),
            artifact_sha256: Some(Sha256Digest::of(&n.to_le_bytes())),
            policy_sha256: None,
            verdict: "allow".into(),
            findings: "[]".into(),
        }
    }

    /// Builds a log of `n` rows, runs `tamper` on a raw connection, and compares what verify says.
    fn check(n: i64, tamper: &str, expect: &[(i64, &str)]) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/audit.db");
        let mut log = DecisionLog::open(&path).unwrap();
        for i in 0..n {
            log.append(&entry(i)).unwrap();
        }
        if !tamper.is_empty() {
            let raw = Connection::open(&path).unwrap();
            raw.execute_batch(tamper).unwrap();
        }
        let v = DecisionLog::open_existing(&path).unwrap().verify().unwrap();
        let got: Vec<(i64, &str)> = v
            .problems
            .iter()
            .map(|p| (p.seq, p.message.as_str()))
            .collect();
        assert_eq!(got, expect, "{tamper}");
    }

    const DROP: &str = "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;";
    const EDITED: &str = "contents do not match the row's hash (edited)";
    const UNLINKED: &str = "does not follow the previous row's hash (a row before it was deleted, edited or reordered)";
    const NO_TRIGGERS: &str = "the append-only triggers were removed";

    #[test]
    fn intact_and_tampered_chains() {
        check(0, "", &[]);
        check(3, "", &[]);
        check(
            3,
            &format!("{DROP} UPDATE audit_log SET verdict = 'allow', source = 'x' WHERE seq = 2;"),
            &[(2, EDITED), (0, NO_TRIGGERS)],
        );
        check(
            3,
            &format!("{DROP} DELETE FROM audit_log WHERE seq = 2;"),
            &[
                (3, "rows 2..2 are missing (deleted)"),
                (3, UNLINKED),
                (0, NO_TRIGGERS),
            ],
        );
        check(
            3,
            &format!("{DROP} UPDATE audit_log SET seq = 10 WHERE seq = 1; UPDATE audit_log SET seq = 1 WHERE seq = 2; UPDATE audit_log SET seq = 2 WHERE seq = 10;"),
            &[(1, UNLINKED), (1, EDITED), (2, UNLINKED), (2, EDITED), (3, UNLINKED), (0, NO_TRIGGERS)],
        );
    }

    /// The attack a keyless chain cannot see: drop the triggers, run `sql` (which keeps the
    /// remaining rows numbered 1..n), recompute every hash from the first row on, restore the
    /// triggers.
    fn rewrite(path: &Path, sql: &str) {
        let raw = Connection::open(path).unwrap();
        raw.execute_batch(&format!("{DROP} {sql}")).unwrap();
        let rows = DecisionLog::open_existing(path)
            .unwrap()
            .list(None)
            .unwrap();
        let mut prev = GENESIS.to_owned();
        for mut r in rows {
            r.prev_hash = prev;
            r.hash = r.compute_hash();
            raw.execute(
                "UPDATE audit_log SET prev_hash = ?1, hash = ?2 WHERE seq = ?3",
                params![r.prev_hash, r.hash, r.seq],
            )
            .unwrap();
            prev = r.hash;
        }
        drop(raw);
        DecisionLog::open(path).unwrap();
    }

    fn log_of(n: i64) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.db");
        let mut log = DecisionLog::open(&path).unwrap();
        for i in 0..n {
            log.append(&entry(i)).unwrap();
        }
        (dir, path)
    }

    fn verified(path: &Path) -> Verification {
        DecisionLog::open_existing(path).unwrap().verify().unwrap()
    }

    fn messages(v: &Verification) -> Vec<(i64, String)> {
        v.problems
            .iter()
            .map(|p| (p.seq, p.message.clone()))
            .collect()
    }

    #[test]
    fn checkpoint_text_roundtrips_and_rejects_anything_else() {
        let cp = Checkpoint {
            rows: 42,
            head: "ab".repeat(32),
        };
        assert_eq!(
            cp.to_text(),
            format!(
                "sigil-audit-checkpoint-v1\nrows 42\nhead {}\n",
                "ab".repeat(32)
            )
        );
        assert_eq!(Checkpoint::parse(&cp.to_text()), Ok(cp.clone()));
        let good = cp.to_text();
        for bad in [
            good.trim_end().to_owned(),
            good.replace("rows 42", "rows +42"),
            good.replace("rows 42", "rows "),
            good.replace("head ab", "head AB"),
            good.replace("-v1", "-v2"),
            format!("{good}extra\n"),
            good.replace('\n', "\r\n"),
        ] {
            assert_eq!(
                Checkpoint::parse(&bad),
                Err(CheckpointParseError::Malformed),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_recomputed_chain_passes_alone_and_fails_against_its_anchors() {
        let (_d, path) = log_of(4);
        let before = verified(&path);
        let sk = SecretKey::generate();
        let cp = Checkpoint::of(&before).unwrap();
        let sig = cp.sign(&sk, 1_700_000_000).unwrap();
        let text = cp.to_text();
        // Intact: both anchors hold.
        let mut v = verified(&path);
        v.expect_head(&before.head.to_uppercase());
        assert_eq!(
            v.check_checkpoint(&sk.public(), text.as_bytes(), &sig),
            Some(cp.clone())
        );
        assert_eq!(messages(&v), []);
        // Later rows are not the checkpoint's business, but the head moved.
        DecisionLog::open(&path).unwrap().append(&entry(9)).unwrap();
        let mut v = verified(&path);
        v.check_checkpoint(&sk.public(), text.as_bytes(), &sig);
        assert_eq!(messages(&v), []);
        v.expect_head(&before.head);
        assert_eq!(
            messages(&v),
            [(
                0,
                format!(
                    "head is {} but {} was expected: 1 rows were appended after it",
                    v.head, before.head
                )
            )]
        );

        rewrite(
            &path,
            "UPDATE audit_log SET verdict = 'deny' WHERE seq = 2;",
        );
        let mut v = verified(&path);
        assert_eq!(
            messages(&v),
            [],
            "the keyless chain cannot see a recomputed rewrite"
        );
        let row4 = v.hashes[3].clone();
        v.check_checkpoint(&sk.public(), text.as_bytes(), &sig);
        v.expect_head(&before.head);
        assert_eq!(
            messages(&v),
            [
                (4, format!("hash {row4} differs from the signed checkpoint's {}: rows up to here were rewritten", before.head)),
                (0, format!("head is {} but {} was expected: the log was rewritten or cut", v.head, before.head)),
            ]
        );
    }

    #[test]
    fn a_cut_log_fails_its_checkpoint() {
        let (_d, path) = log_of(4);
        let sk = SecretKey::generate();
        let cp = Checkpoint::of(&verified(&path)).unwrap();
        let sig = cp.sign(&sk, 1).unwrap();
        rewrite(&path, "DELETE FROM audit_log WHERE seq >= 3;");
        let mut v = verified(&path);
        assert_eq!(messages(&v), []);
        v.check_checkpoint(&sk.public(), cp.to_text().as_bytes(), &sig);
        assert_eq!(
            messages(&v),
            [(
                0,
                "the checkpoint covers 4 rows but the log has 2: rows were cut from the end"
                    .to_owned()
            )]
        );
    }

    #[test]
    fn a_checkpoint_needs_the_right_key_and_unchanged_text() {
        let (_d, path) = log_of(2);
        let sk = SecretKey::generate();
        let cp = Checkpoint::of(&verified(&path)).unwrap();
        let sig = cp.sign(&sk, 1).unwrap();
        let other = SecretKey::generate();
        let mut v = verified(&path);
        assert_eq!(
            v.check_checkpoint(&other.public(), cp.to_text().as_bytes(), &sig),
            None
        );
        let forged = Checkpoint {
            rows: 1,
            ..cp.clone()
        }
        .to_text();
        assert_eq!(
            v.check_checkpoint(&sk.public(), forged.as_bytes(), &sig),
            None
        );
        let got = messages(&v);
        assert_eq!(got.len(), 2);
        assert!(
            got[0]
                .1
                .starts_with("checkpoint signature: signature was made by key"),
            "{got:?}"
        );
        assert_eq!(
            got[1].1,
            "checkpoint signature: signature verification failed: content does not match the signature"
        );
    }

    #[test]
    fn triggers_refuse_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.db");
        let mut log = DecisionLog::open(&path).unwrap();
        log.append(&entry(1)).unwrap();
        let raw = Connection::open(&path).unwrap();
        let upd = raw
            .execute("UPDATE audit_log SET verdict = 'deny'", [])
            .unwrap_err()
            .to_string();
        assert_eq!(upd, "the sigil audit log is append-only");
        assert!(raw.execute("DELETE FROM audit_log", []).is_err());
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn default_paths() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).into())
            }
        };
        assert_eq!(
            default_path(env(&[("XDG_DATA_HOME", "/x"), ("HOME", "/h")])),
            Some(PathBuf::from("/x/sigil/audit.db"))
        );
        assert_eq!(
            default_path(env(&[("XDG_DATA_HOME", "rel"), ("HOME", "/h")])),
            Some(PathBuf::from("/h/.local/share/sigil/audit.db"))
        );
        assert_eq!(
            default_path(env(&[("HOME", "/h")])),
            Some(PathBuf::from("/h/.local/share/sigil/audit.db"))
        );
        assert_eq!(default_path(env(&[])), None);
    }
}
