//! Install: fetch or copy the artifact and its sidecars into a private staging directory
//! beside the destination, verify the staged bytes against the policy, and only then move the
//! file into place with an atomic rename and the policy's mode. Every refusal or failure
//! removes the staging directory and leaves the destination untouched. An existing file is
//! never overwritten unless [`InstallOptions::replace`] is set (then the old file stays until
//! the new one replaces it in one rename). A pack archive (under a policy with `[pack]`) is
//! installed by `sigil-pack` into DEST, a new directory (or, with `replace`, exchanged with the
//! existing one).

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use sigil_policy::{evaluate, Code, Decision, Policy, Purpose, Subject, SubjectKind, Timestamp};
use sigil_sign::binding::Expect;
use thiserror::Error;

use crate::evidence::{self, GatherError, Target, MAX_SIDECAR, SUMS_NAME};
use crate::fetch::{self, FetchError, FetchOptions, Fetcher};

/// Where the artifact comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A local file; its sidecars sit beside it.
    Path(PathBuf),
    /// An `https://` URL (or loopback `http://` with `insecure_allow_http`); sidecars are
    /// fetched from beside it.
    Url(String),
}

impl Source {
    /// A path, or a URL when it has a scheme.
    pub fn parse(s: &str) -> Source {
        if s.contains("://") {
            Source::Url(s.to_owned())
        } else {
            Source::Path(PathBuf::from(s))
        }
    }
}

/// Why an install could not reach a decision or could not complete.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum InstallError {
    /// A download failed.
    #[error(transparent)]
    Fetch(#[from] FetchError),
    /// Evidence could not be read.
    #[error(transparent)]
    Gather(#[from] GatherError),
    /// The source has no usable file name.
    #[error("{source_name}: cannot tell the artifact's file name")]
    NoName {
        /// The source as given.
        source_name: String,
    },
    /// The destination's directory does not exist.
    #[error("{}: destination directory does not exist", path.display())]
    NoDestDir {
        /// The directory.
        path: PathBuf,
    },
    /// A pack's destination already exists (packs install into a new directory).
    #[error("{}: destination exists; a pack installs into a new directory", path.display())]
    DestExists {
        /// DEST.
        path: PathBuf,
    },
    /// The destination file exists and replacing it was not asked for.
    #[error("{}: destination file exists", path.display())]
    FileExists {
        /// The file that would be overwritten.
        path: PathBuf,
    },
    /// The policy allowed the pack, but installing it failed; DEST is unchanged.
    #[error("pack install: {0}")]
    Pack(#[source] sigil_pack::InstallError),
    /// The decision could not be recorded, so nothing was installed.
    #[error("cannot record the decision: {0}")]
    Record(String),
    /// A file operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

/// What happened.
#[derive(Debug)]
pub struct Installed {
    /// The policy's answer.
    pub decision: Decision,
    /// What was decided about (absent when the download was refused before hashing).
    pub subject: Option<Subject>,
    /// The installed path, only when allowed.
    pub path: Option<PathBuf>,
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> InstallError + '_ {
    move |source| InstallError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Whether a name looks like a pack archive (`.tar.gz`, `.tgz`, `.zip`). Whether it is verified
/// as a pack depends on the policy: see [`crate::pack::is_pack`].
pub fn is_pack_archive(name: &str) -> bool {
    crate::pack::is_archive_name(name)
}

/// Called with the decision before anything moves; an error stops the install.
pub type Recorder<'a> = &'a mut dyn FnMut(&Decision, Option<&Subject>) -> Result<(), String>;

/// How to install, beyond the policy.
#[derive(Debug, Clone, Default)]
pub struct InstallOptions {
    /// Replace an existing destination (atomically); without it an existing one is refused.
    pub replace: bool,
    /// What the signed comments must state (see [`crate::Target::expect`]).
    pub expect: Expect,
}

/// Installs `source` to `dest` (a file path, or an existing directory to put it in) if the
/// policy allows it at time `now`. `record` sees the decision before the destination changes.
pub fn install(
    policy: &Policy,
    source: &Source,
    dest: &Path,
    fetch_opts: &FetchOptions,
    opts: &InstallOptions,
    now: Timestamp,
    record: Recorder<'_>,
) -> Result<Installed, InstallError> {
    let expect = &opts.expect;
    let (name, url) = match source {
        Source::Path(p) => {
            let name = p.file_name().and_then(|n| n.to_str()).map(str::to_owned);
            (name, None)
        }
        Source::Url(u) => {
            let parsed =
                fetch::check_url(u, fetch_opts.insecure_allow_http).map_err(FetchError::Url)?;
            (fetch::url_file_name(&parsed), Some(parsed))
        }
    };
    let source_name = match source {
        Source::Path(p) => p.display().to_string(),
        Source::Url(u) => u.clone(),
    };
    let Some(name) = name else {
        return Err(InstallError::NoName { source_name });
    };
    let is_pack = crate::pack::is_pack(policy, &name);
    // A pack installs as `pack install` does: DEST is the directory to create.
    let final_path = if is_pack {
        if !opts.replace && std::fs::symlink_metadata(dest).is_ok() {
            return Err(InstallError::DestExists {
                path: dest.to_path_buf(),
            });
        }
        dest.to_path_buf()
    } else if dest.is_dir() {
        dest.join(&name)
    } else {
        dest.to_path_buf()
    };
    // Refused before anything is fetched; `finish` refuses again without a window.
    if !is_pack && !opts.replace && std::fs::symlink_metadata(&final_path).is_ok() {
        return Err(InstallError::FileExists { path: final_path });
    }
    let parent = final_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    if !parent.is_dir() {
        return Err(InstallError::NoDestDir { path: parent });
    }
    // Private (0700) staging beside the destination, so the final rename stays on one file system.
    // (A pack's own extraction staging, `.<DEST>.sigil-staging-*`, is cleaned up by sigil-pack
    // when stale; the archive's staging takes another prefix so that cleanup leaves it alone.)
    let staging = tempfile::Builder::new()
        .prefix(if is_pack {
            ".sigil-gate-"
        } else {
            ".sigil-staging-"
        })
        .tempdir_in(&parent)
        .map_err(io_at(&parent))?;
    let staged = staging.path().join(&name);
    let kind = if is_pack {
        SubjectKind::Pack
    } else {
        SubjectKind::File
    };

    let sidecar_dir: PathBuf = if let Some(u) = &url {
        let fetcher = Fetcher::new(fetch_opts.clone())?;
        let limit = policy.install.max_download_bytes.min(fetch_opts.max_bytes);
        match fetcher.fetch_optional(u.as_str(), limit, &staged) {
            Ok(Some(_)) => {}
            Ok(None) => return Err(FetchError::NotFound { url: u.to_string() }.into()),
            Err(FetchError::TooLarge { url, limit }) => {
                let d = Decision::refused(
                    Code::DownloadTooLarge,
                    format!("{url} is larger than the {limit}-byte limit"),
                    Some(&name),
                );
                record(&d, None).map_err(InstallError::Record)?;
                return Ok(Installed {
                    decision: d,
                    subject: None,
                    path: None,
                });
            }
            Err(e) => return Err(e.into()),
        }
        let (fixed, numbered) = sidecar_names(&name, policy);
        for side in fixed {
            if let Some(side_url) = fetch::sibling(u, &side) {
                fetcher.fetch_optional(
                    side_url.as_str(),
                    MAX_SIDECAR,
                    &staging.path().join(&side),
                )?;
            }
        }
        // Numbered extra signatures stop at the first gap.
        for side in numbered {
            let Some(side_url) = fetch::sibling(u, &side) else {
                break;
            };
            if fetcher
                .fetch_optional(side_url.as_str(), MAX_SIDECAR, &staging.path().join(&side))?
                .is_none()
            {
                break;
            }
        }
        staging.path().to_path_buf()
    } else {
        let Source::Path(p) = source else {
            return Err(InstallError::NoName { source_name });
        };
        copy_private(p, &staged)?;
        p.parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    };

    let target = Target {
        content: &staged,
        name: &name,
        sidecar_dir: &sidecar_dir,
        kind,
        expect,
    };
    let ev = evidence::gather(policy, &target, Purpose::Install)?;
    let decision = evaluate(policy, &ev, now);
    record(&decision, Some(&ev.subject)).map_err(InstallError::Record)?;
    if !decision.allowed() {
        return Ok(Installed {
            decision,
            subject: Some(ev.subject),
            path: None,
        });
    }
    if is_pack {
        let keys: Vec<_> = policy
            .usable_keys(now)
            .into_iter()
            .map(|k| k.key.clone())
            .collect();
        let verifier = crate::pack::AllowedBytes {
            sha256: ev.subject.sha256,
        };
        let opts = sigil_pack::InstallOptions {
            limits: crate::pack::limits(policy),
            replace: opts.replace,
        };
        sigil_pack::install_archive(&staged, &verifier, &keys, &final_path, &opts)
            .map_err(InstallError::Pack)?;
    } else {
        finish(&staged, &final_path, policy.install.file_mode, opts.replace)?;
    }
    drop(staging);
    Ok(Installed {
        decision,
        subject: Some(ev.subject),
        path: Some(final_path),
    })
}

/// The sidecar file names fetched for a remote artifact: `NAME.minisig`, numbered extra
/// signatures `NAME.1.minisig` up to one per policy key, the bundle, the attestations and the
/// signed checksum list.
pub fn sidecar_names(name: &str, policy: &Policy) -> (Vec<String>, Vec<String>) {
    let fixed = vec![
        format!("{name}.minisig"),
        format!("{name}.sigstore.json"),
        format!("{name}.intoto.jsonl"),
        format!("{name}.publish.attestation"),
        format!("{name}.provenance"),
        SUMS_NAME.to_owned(),
        format!("{SUMS_NAME}.minisig"),
    ];
    let numbered = (1..=policy.keys.len())
        .map(|i| format!("{name}.{i}.minisig"))
        .collect();
    (fixed, numbered)
}

/// Copies a local file into a new private staging file.
fn copy_private(from: &Path, to: &Path) -> Result<(), InstallError> {
    let (mut src, _) = sigil_core::input::open(from).map_err(io_at(from))?;
    let mut dst = fetch::private_file(to)?;
    io::copy(&mut src, &mut dst).map_err(io_at(to))?;
    dst.sync_all().map_err(io_at(to))?;
    Ok(())
}

/// Sets the mode, then moves the file into place atomically and syncs the directory: with
/// `replace` by a rename over the old file (which stays until the new one is there), else by
/// a hard link that fails if the destination appeared meanwhile (nothing is overwritten).
fn finish(staged: &Path, final_path: &Path, mode: u32, replace: bool) -> Result<(), InstallError> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(staged, std::fs::Permissions::from_mode(mode))
        .map_err(io_at(staged))?;
    File::open(staged)
        .and_then(|f| f.sync_all())
        .map_err(io_at(staged))?;
    if replace {
        std::fs::rename(staged, final_path).map_err(io_at(final_path))?;
    } else {
        std::fs::hard_link(staged, final_path).map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                InstallError::FileExists {
                    path: final_path.to_path_buf(),
                }
            } else {
                io_at(final_path)(e)
            }
        })?;
        // The staging directory (and this name in it) is removed by the caller anyway.
        let _ = std::fs::remove_file(staged);
    }
    if let Some(dir) = final_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)
            .and_then(|f| f.sync_all())
            .map_err(io_at(dir))?;
    }
    Ok(())
}

/// `sigil install` as a whole: a `tuf+https://...#NAME@VERSION` source is fetched through TUF
/// first ([`crate::tuf::stage_pack`]), then [`install`]ed, and every attempt goes into `log`:
/// the decision before DEST changes, or the failure (unless recording itself failed). Returns
/// what happened and the decision's row.
pub fn install_logged(
    policy: &Policy,
    source: &str,
    dest: &Path,
    fetch_opts: &FetchOptions,
    opts: &InstallOptions,
    log: &mut crate::decision_log::DecisionLog,
    now: Timestamp,
) -> Result<(Installed, Option<i64>), sigil_core::report::Failure> {
    use sigil_core::report::Failure;
    let failed = |log: &mut crate::decision_log::DecisionLog, msg: &str| {
        let _ = log.record("install", source, None, policy, Err(msg));
    };
    let staged = crate::tuf::stage_pack(policy, source, fetch_opts, std::time::SystemTime::now());
    let staged = (staged.transpose())
        .map_err(crate::report::stage_failure)
        .inspect_err(|e| failed(log, &e.message))?;
    let src = match &staged {
        Some((_, path)) => Source::Path(path.clone()),
        None => Source::parse(source),
    };
    let mut seq = None;
    let mut recorder = |d: &Decision, s: Option<&Subject>| -> Result<(), String> {
        let r = log.record("install", source, s, policy, Ok(d));
        seq = Some(r.map_err(|e| Failure::chain(&e))?);
        Ok(())
    };
    match install(policy, &src, dest, fetch_opts, opts, now, &mut recorder) {
        Ok(done) => Ok((done, seq)),
        Err(e) => {
            if !matches!(e, InstallError::Record(_)) {
                failed(log, &Failure::chain(&e));
            }
            Err(e.into())
        }
    }
}

#[cfg(test)]
mod logged_tests {
    use super::*;

    #[test]
    fn every_install_attempt_is_logged_the_decision_or_the_failure() {
        let (d, policy, _, _) = crate::decision_log::row_tests::denied();
        let mut log = crate::decision_log::DecisionLog::open(&d.path().join("a.db")).unwrap();
        let dest = d.path().join("out");
        std::fs::create_dir(&dest).unwrap();
        let (fetch, opts) = (FetchOptions::default(), InstallOptions::default());
        let now = Timestamp(1_700_000_000);
        let missing = d.path().join("gone.bin").display().to_string();
        let e = install_logged(&policy, &missing, &dest, &fetch, &opts, &mut log, now)
            .expect_err("nothing to install");
        assert_eq!(e.kind.as_str(), "io");
        let unsigned = d.path().join("a.bin");
        std::fs::write(&unsigned, b"a").unwrap();
        let source = unsigned.display().to_string();
        let (done, seq) = install_logged(&policy, &source, &dest, &fetch, &opts, &mut log, now)
            .expect("a decision");
        assert!(!done.decision.allowed());
        assert_eq!((done.path, seq), (None, Some(2)));
        let rows = log.list(None).unwrap();
        let verdicts: Vec<_> = rows
            .iter()
            .map(|r| (r.source.as_str(), r.verdict.as_str()))
            .collect();
        assert_eq!(
            verdicts,
            [(missing.as_str(), "error"), (source.as_str(), "deny")]
        );
        assert_eq!(
            std::fs::read_dir(&dest).unwrap().count(),
            0,
            "nothing reached DEST"
        );
    }
}
