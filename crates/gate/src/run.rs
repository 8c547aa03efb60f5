//! Run: the artifact is copied once into a sealed memfd (no more writes, growth or shrinking
//! possible), evidence is checked against that copy, and exactly that copy is executed through
//! `/proc/self/fd/N`. Swapping the file on disk after the copy changes nothing that runs.
//! Linux only.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd as _;
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use rustix::fs::{MemfdFlags, SealFlags};
use sigil_core::Sha256Digest;
use thiserror::Error;

/// Why running failed (after an allow decision, or while preparing the copy).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum RunError {
    /// Reading the artifact failed.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The artifact.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The memfd could not be created, filled or sealed.
    #[error("cannot make a sealed in-memory copy: {0}")]
    Seal(#[source] io::Error),
    /// The sealed copy no longer hashes to the verified digest (never expected).
    #[error("the sealed copy hashes to {actual}, not the verified {expected}")]
    DigestChanged {
        /// What was verified.
        expected: String,
        /// What the copy hashes to now.
        actual: String,
    },
    /// Starting the program failed.
    #[error("cannot execute {name}: {source}")]
    Exec {
        /// The artifact's name.
        name: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

/// A sealed, read-only in-memory copy of an artifact.
#[derive(Debug)]
pub struct Sealed {
    file: File,
    path: PathBuf,
    /// SHA-256 of the copy, computed while copying.
    pub sha256: Sha256Digest,
    /// Its length.
    pub bytes: u64,
}

impl Sealed {
    /// `/proc/self/fd/N`: where the copy can be read (and executed) by path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Re-hashes the copy from its start.
    pub fn rehash(&self) -> io::Result<Sha256Digest> {
        let f = File::open(&self.path)?;
        Ok(sigil_core::sha256_reader(f)?.0)
    }
}

/// Copies `src` into a sealed memfd, hashing on the way.
pub fn seal_copy(src: &Path) -> Result<Sealed, RunError> {
    let read = |source| RunError::Read {
        path: src.to_path_buf(),
        source,
    };
    let (mut input, _) = sigil_core::input::open(src).map_err(read)?;
    let fd = rustix::fs::memfd_create("sigil-run", MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING)
        .map_err(|e| RunError::Seal(e.into()))?;
    let mut rw = File::from(fd);
    let mut h = sigil_core::digest::Sha256Hasher::default();
    let mut buf = vec![0u8; sigil_core::HASH_BUFFER_SIZE];
    let mut bytes = 0u64;
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read(e)),
        };
        h.update(&buf[..n]);
        rw.write_all(&buf[..n]).map_err(RunError::Seal)?;
        bytes += n as u64;
    }
    drop(input);
    rustix::fs::fcntl_add_seals(
        &rw,
        SealFlags::SHRINK | SealFlags::GROW | SealFlags::WRITE | SealFlags::SEAL,
    )
    .map_err(|e| RunError::Seal(e.into()))?;
    // A read-only descriptor for reading and exec; the writable one is closed (exec refuses
    // files open for writing). It stays open across exec so `#!` interpreters can read it.
    let ro = File::open(format!("/proc/self/fd/{}", rw.as_raw_fd())).map_err(RunError::Seal)?;
    drop(rw);
    rustix::io::fcntl_setfd(&ro, rustix::io::FdFlags::empty())
        .map_err(|e| RunError::Seal(e.into()))?;
    let path = PathBuf::from(format!("/proc/self/fd/{}", ro.as_raw_fd()));
    Ok(Sealed {
        file: ro,
        path,
        sha256: h.finalize(),
        bytes,
    })
}

/// The exit code to pass on: the child's, or 128 + signal number when it was killed.
pub fn exit_code(status: std::process::ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt as _;
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

/// Where the program's standard output goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgramStdout {
    /// Sigil's own standard output.
    Inherit,
    /// Sigil's standard error, so that sigil's stdout holds only its JSON document.
    ToStderr,
}

/// Executes the sealed copy after checking it still hashes to `verified`, with `arg0` as
/// its name, passing arguments, stdin and stderr through, and returns its exit code.
pub fn exec(
    sealed: &Sealed,
    verified: &Sha256Digest,
    arg0: &str,
    args: &[OsString],
    stdout: ProgramStdout,
) -> Result<i32, RunError> {
    let actual = sealed.rehash().map_err(RunError::Seal)?;
    if &actual != verified || &sealed.sha256 != verified {
        return Err(RunError::DigestChanged {
            expected: verified.to_hex(),
            actual: actual.to_hex(),
        });
    }
    let _keep_open = &sealed.file;
    let mut cmd = Command::new(&sealed.path);
    cmd.arg0(arg0).args(args);
    if stdout == ProgramStdout::ToStderr {
        cmd.stdout(std::io::stderr());
    }
    let status = cmd.status().map_err(|source| RunError::Exec {
        name: arg0.to_owned(),
        source,
    })?;
    Ok(exit_code(status))
}

/// `sigil run` as a whole: the artifact sealed into memory, evidence gathered for and checked
/// against that copy, the decision recorded in `log` (a failure to seal it too), and only when
/// allowed the copy executed. The log is closed before the program starts.
pub fn run_logged(
    policy: &sigil_policy::Policy,
    artifact: &Path,
    args: &[OsString],
    stdout: ProgramStdout,
    mut log: crate::decision_log::DecisionLog,
    now: sigil_policy::Timestamp,
) -> Result<sigil_core::report::Report, sigil_core::report::Failure> {
    use sigil_core::report::Failure;
    let source = artifact.display().to_string();
    let io = |e: &dyn std::error::Error| Failure::io(Failure::chain(e));
    let sealed = seal_copy(artifact).map_err(|e| {
        let _ = log.record("run", &source, None, policy, Err(&Failure::chain(&e)));
        io(&e)
    })?;
    let none = sigil_sign::binding::Expect::NONE;
    let purpose = sigil_policy::Purpose::Run;
    let ev = crate::gather_path(policy, artifact, Some(sealed.path()), purpose, &none)?;
    let d = sigil_policy::evaluate(policy, &ev, now);
    let seq = log.record("run", &source, Some(&ev.subject), policy, Ok(&d))?;
    let audit = crate::report::audit_json(log.path(), Some(seq));
    drop(log);
    let code = match d.allowed() {
        false => None,
        true => Some(
            exec(&sealed, &ev.subject.sha256, &ev.subject.name, args, stdout)
                .map_err(|e| io(&e))?,
        ),
    };
    Ok(crate::report::ran(
        &d,
        &ev.subject,
        &source,
        policy,
        audit,
        code,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_denied_run_runs_nothing_and_every_attempt_is_logged() {
        let (d, policy, _, _) = crate::decision_log::row_tests::denied();
        let db = d.path().join("a.db");
        let open = || crate::decision_log::DecisionLog::open(&db).unwrap();
        let now = sigil_policy::Timestamp(1_700_000_000);
        let gone = d.path().join("gone");
        let e = run_logged(&policy, &gone, &[], ProgramStdout::Inherit, open(), now)
            .expect_err("nothing to seal");
        assert_eq!(e.kind.as_str(), "io");
        let script = d.path().join("tool.sh");
        let marker = d.path().join("ran");
        std::fs::write(&script, format!("#!/bin/sh\ntouch {}\n", marker.display())).unwrap();
        let r = run_logged(&policy, &script, &[], ProgramStdout::Inherit, open(), now)
            .expect("a decision");
        assert_eq!(r.exit_code(), 1);
        assert_eq!(r.human.last().map(String::as_str), Some("nothing was run"));
        assert_eq!(r.data["audit"]["seq"], 2);
        assert!(!marker.exists(), "a denied program never runs");
        let rows = open().list(None).unwrap();
        let verdicts: Vec<_> = rows.iter().map(|r| r.verdict.as_str()).collect();
        assert_eq!(verdicts, ["error", "deny"]);
    }

    #[test]
    fn sealed_copy_is_immutable_and_runs() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("s.sh");
        std::fs::write(&script, "#!/bin/sh\nexit $(( $1 + 1 ))\n").unwrap();
        let sealed = seal_copy(&script).unwrap();
        assert_eq!(
            sealed.sha256,
            Sha256Digest::of(b"#!/bin/sh\nexit $(( $1 + 1 ))\n")
        );
        // The file on disk changes; the sealed copy does not.
        std::fs::write(&script, "#!/bin/sh\nexit 99\n").unwrap();
        // Even a writable descriptor reopened through /proc cannot change the sealed bytes.
        if let Ok(mut w) = std::fs::OpenOptions::new().write(true).open(sealed.path()) {
            assert!(w.write_all(b"#!/bin/sh\nexit 99\n").is_err());
            assert!(w.set_len(0).is_err());
        }
        let code = exec(
            &sealed,
            &sealed.sha256.clone(),
            "s.sh",
            &["6".into()],
            ProgramStdout::Inherit,
        )
        .unwrap();
        assert_eq!(code, 7);
        let other = Sha256Digest::of(b"x");
        assert!(matches!(
            exec(&sealed, &other, "s.sh", &[], ProgramStdout::ToStderr),
            Err(RunError::DigestChanged { .. })
        ));
    }
}
