//! The client-under-test side of the tuf-conformance protocol (`CLIENT-CLI.md`): `init`,
//! `refresh` and `download`, over the caller's [`Transport`]. Files are written only in the
//! metadata and target directories the request names.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use crate::{matches_target, Client, Limits, MetadataDir, Transport, TufError};

/// One protocol invocation.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Request {
    /// Where trusted metadata is kept (unversioned names).
    pub metadata_dir: PathBuf,
    /// Base URL of the repository's metadata.
    pub metadata_url: Option<String>,
    /// Target paths to download, in order.
    pub target_names: Vec<String>,
    /// Base URL of the repository's targets (default: the metadata URL).
    pub target_base_url: Option<String>,
    /// Where downloaded targets are stored.
    pub target_dir: Option<PathBuf>,
    /// `init`, `refresh` or `download`.
    pub command: String,
    /// The command's arguments (`init TRUSTED_ROOT`).
    pub args: Vec<String>,
}

/// Runs `req`, judging expiry at `now`; returns the word for what was done.
pub fn run(
    transport: Arc<dyn Transport>,
    req: &Request,
    now: SystemTime,
) -> Result<&'static str, TufError> {
    let dir = &req.metadata_dir;
    match req.command.as_str() {
        "init" => {
            let [root] = req.args.as_slice() else {
                return Err(TufError::setup("init takes one TRUSTED_ROOT file"));
            };
            let bytes = std::fs::read(root).map_err(|e| TufError::setup(format!("{root}: {e}")))?;
            write_atomic(dir, &dir.join("root.json"), &bytes)?;
            Ok("initialised")
        }
        "refresh" => {
            client(transport, req, now)?.refresh()?;
            Ok("refreshed")
        }
        "download" => {
            let target_dir = req
                .target_dir
                .as_ref()
                .ok_or_else(|| TufError::setup("download needs --target-dir"))?;
            if req.target_names.is_empty() {
                return Err(TufError::setup("download needs --target-name"));
            }
            let mut client = client(transport, req, now)?;
            client.refresh()?;
            for name in &req.target_names {
                let info = client.target_info(name)?;
                let out = target_dir.join(target_file_name(name));
                if std::fs::read(&out).is_ok_and(|b| matches_target(&b, &info)) {
                    continue;
                }
                let bytes = client.download(&info, name)?;
                write_atomic(target_dir, &out, &bytes)?;
            }
            Ok("downloaded")
        }
        other => Err(TufError::setup(format!(
            "unknown command {other:?}: expected init, refresh or download"
        ))),
    }
}

fn client(
    transport: Arc<dyn Transport>,
    req: &Request,
    now: SystemTime,
) -> Result<Client, TufError> {
    let dir = &req.metadata_dir;
    let url = req
        .metadata_url
        .as_deref()
        .ok_or_else(|| TufError::setup("--metadata-url is required"))?;
    let root = std::fs::read(dir.join("root.json"))
        .map_err(|e| TufError::setup(format!("{}/root.json: {e}", dir.display())))?;
    let targets = req.target_base_url.as_deref().unwrap_or(url);
    let store: Box<dyn sigstore_tuf::cache::MetadataStore> = Box::new(MetadataDir::new(dir));
    Client::new(
        transport,
        url,
        targets,
        &root,
        Some(store),
        Limits::default(),
        now,
    )
}

/// One flat file name per target path: percent-encoded, so no path can leave the directory.
pub fn target_file_name(target: &str) -> String {
    let mut out = String::with_capacity(target.len());
    for b in target.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'~' => out.push(b as char),
            b'.' if !out.is_empty() => out.push('.'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn write_atomic(dir: &Path, out: &Path, bytes: &[u8]) -> Result<(), TufError> {
    let err = |e: std::io::Error| TufError::setup(format!("{}: {e}", out.display()));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(err)?;
    tmp.persist(out).map_err(|e| err(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_names_become_one_flat_file_that_cannot_leave_the_directory() {
        assert_eq!(target_file_name("a.txt"), "a.txt");
        assert_eq!(target_file_name("../x"), "%2E.%2Fx");
        assert_eq!(target_file_name("dir/file name"), "dir%2Ffile%20name");
        assert_eq!(target_file_name(".hidden"), "%2Ehidden");
    }

    struct Nothing;
    impl Transport for Nothing {
        fn fetch(&self, _: &str, _: u64) -> Result<Option<Vec<u8>>, crate::FetchFailure> {
            Ok(None)
        }
    }

    #[test]
    fn init_copies_the_trusted_root_and_bad_requests_are_setup_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("given.json");
        std::fs::write(&root, b"{}").expect("write");
        let mut req = Request {
            metadata_dir: dir.path().to_owned(),
            command: "init".into(),
            args: vec![root.display().to_string()],
            ..Request::default()
        };
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(
            run(Arc::new(Nothing), &req, now).expect("init"),
            "initialised"
        );
        assert_eq!(
            std::fs::read(dir.path().join("root.json")).expect("read"),
            b"{}"
        );
        req.command = "download".into();
        let e = run(Arc::new(Nothing), &req, now).expect_err("no target dir");
        assert_eq!(
            (e.code(), e.to_string().as_str()),
            ("tuf-setup", "download needs --target-dir")
        );
        req.command = "fly".into();
        let e = run(Arc::new(Nothing), &req, now).expect_err("unknown");
        assert_eq!(
            e.to_string(),
            "unknown command \"fly\": expected init, refresh or download"
        );
    }
}
