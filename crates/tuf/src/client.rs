//! The client: `sigstore-tuf`'s updater over a [`Transport`], with sigil's error codes.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use sigstore_tuf::cache::MetadataStore;
use sigstore_tuf::transport::FetchFuture;
use sigstore_tuf::{TargetFile, TrustedMetadataSet, Updater, UpdaterConfig};

use crate::{block_on, FetchFailure, Transport, TufError};

/// Download limits. Defaults follow python-tuf's: root 512 kB, timestamp 16 kB, snapshot 2 MB,
/// targets 5 MB, at most 32 root rotations per refresh and 32 roles visited per target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest target accepted, whatever its metadata says.
    pub target_max_length: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            target_max_length: 512 * 1024 * 1024,
        }
    }
}

/// A metadata store that keeps only the trusted top-level and delegated metadata under
/// unversioned names (`root.json`, `timestamp.json`, ...), as the tuf-conformance protocol
/// expects of `METADATA_DIR`; versioned copies and targets are not kept.
#[derive(Debug, Clone)]
pub struct MetadataDir {
    dir: PathBuf,
}

impl MetadataDir {
    /// A store in `dir` (which must exist).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.dir
    }
}

impl MetadataStore for MetadataDir {
    fn load(&self, name: &str) -> sigstore_tuf::Result<Option<Vec<u8>>> {
        if name.contains('/') {
            return Ok(None);
        }
        match std::fs::read(self.dir.join(name)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(sigstore_tuf::Error::io(format!("reading {name}"), e)),
        }
    }

    fn store(&self, name: &str, bytes: &[u8]) -> sigstore_tuf::Result<()> {
        // Cached targets and the root history live in subdirectories: not kept here. Every
        // other name is one file name ending in `.json` (delegated role names come
        // percent-encoded, `/` included), so it stays in this directory.
        if name.contains('/') || name.contains('\0') {
            return Ok(());
        }
        let stem = name.split('.').next().unwrap_or("");
        if !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(());
        }
        let path = self.dir.join(name);
        let mut tmp = tempfile::NamedTempFile::new_in(&self.dir)
            .map_err(|e| sigstore_tuf::Error::io(format!("writing {name}"), e))?;
        std::io::Write::write_all(&mut tmp, bytes)
            .map_err(|e| sigstore_tuf::Error::io(format!("writing {name}"), e))?;
        tmp.persist(&path)
            .map_err(|e| sigstore_tuf::Error::io(format!("writing {name}"), e.error))?;
        Ok(())
    }
}

/// A boxed store (sigstore-tuf takes stores by value).
struct Boxed(Box<dyn MetadataStore>);

impl MetadataStore for Boxed {
    fn load(&self, name: &str) -> sigstore_tuf::Result<Option<Vec<u8>>> {
        self.0.load(name)
    }

    fn store(&self, name: &str, bytes: &[u8]) -> sigstore_tuf::Result<()> {
        self.0.store(name, bytes)
    }
}

/// A repository reached through a [`Transport`]: metadata under one base URL, targets under
/// another.
struct Remote {
    transport: Arc<dyn Transport>,
    metadata_base: String,
    targets_base: String,
}

fn with_slash(base: &str) -> String {
    if base.ends_with('/') {
        base.to_owned()
    } else {
        format!("{base}/")
    }
}

impl Remote {
    fn get(
        &self,
        base: &str,
        name: &str,
        max_length: u64,
    ) -> sigstore_tuf::Result<Option<Vec<u8>>> {
        let url = format!("{base}{}", name.trim_start_matches('/'));
        self.transport
            .fetch(&url, max_length)
            .map_err(|e| sigstore_tuf::Error::transport_with_source(format!("GET {url}"), e))
    }
}

impl sigstore_tuf::Repository for Remote {
    fn fetch_metadata<'a>(&'a self, name: &'a str, max_length: u64) -> FetchFuture<'a> {
        let r = self.get(&self.metadata_base, name, max_length);
        Box::pin(std::future::ready(r))
    }

    fn fetch_target<'a>(&'a self, path: &'a str, max_length: u64) -> FetchFuture<'a> {
        let r = self.get(&self.targets_base, path, max_length);
        Box::pin(std::future::ready(r))
    }
}

/// Converts a wall-clock time to the timestamp type metadata expiry is compared with.
pub(crate) fn timestamp(now: SystemTime) -> Result<jiff::Timestamp, TufError> {
    jiff::Timestamp::try_from(now).map_err(|e| TufError::setup(format!("bad clock: {e}")))
}

/// A TUF client bound to one repository, starting from a trusted root.
pub struct Client {
    updater: Updater,
    now: jiff::Timestamp,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("root_version", &self.updater.trusted().root().version)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client trusting `root` (a TUF `root.json`, which must verify with its own keys),
    /// fetching metadata below `metadata_url` and targets below `targets_url`, keeping what it
    /// trusts in `store` (re-verified from `root` at every start), judging expiry at `now`.
    pub fn new(
        transport: Arc<dyn Transport>,
        metadata_url: &str,
        targets_url: &str,
        root: &[u8],
        store: Option<Box<dyn MetadataStore>>,
        limits: Limits,
        now: SystemTime,
    ) -> Result<Self, TufError> {
        sigil_sigstore::install_crypto_provider();
        let remote = Remote {
            transport,
            metadata_base: with_slash(metadata_url),
            targets_base: with_slash(targets_url),
        };
        let mut config = UpdaterConfig::default();
        config.target_max_length = limits.target_max_length;
        let mut updater = Updater::new(remote, root)?.with_config(config);
        if let Some(store) = store {
            updater = updater.with_store(Boxed(store));
        }
        Ok(Self {
            updater,
            now: timestamp(now)?,
        })
    }

    /// Runs the TUF refresh: newer roots one by one, then timestamp, snapshot and top-level
    /// targets, refusing rollback, freeze, mix-and-match and oversized metadata.
    pub fn refresh(&mut self) -> Result<(), TufError> {
        Ok(block_on(self.updater.refresh(self.now))?)
    }

    /// The metadata of `target` (walking delegations), after [`Client::refresh`].
    pub fn target_info(&mut self, target: &str) -> Result<TargetFile, TufError> {
        block_on(self.updater.get_target_info(target, self.now))?.ok_or_else(|| TufError::Refused {
            code: crate::TufCode::TargetNotFound,
            message: format!("target {target:?} is not listed by any trusted targets role"),
        })
    }

    /// Downloads `target` and checks its length and hashes against `info`.
    pub fn download(&mut self, info: &TargetFile, target: &str) -> Result<Vec<u8>, TufError> {
        Ok(block_on(self.updater.download_target(info, target))?)
    }

    /// What is trusted now.
    pub fn trusted(&self) -> &TrustedMetadataSet {
        self.updater.trusted()
    }
}

/// True when `bytes` has the length and one of the (supported) hashes of `info`.
pub fn matches_target(bytes: &[u8], info: &TargetFile) -> bool {
    if bytes.len() as u64 != info.length {
        return false;
    }
    let mut any = false;
    for (algo, expected) in &info.hashes {
        let actual = match algo.as_str() {
            "sha256" => crate::sha256_hex(bytes),
            "sha512" => {
                use sha2::Digest as _;
                sigil_core::hex::encode(&sha2::Sha512::digest(bytes))
            }
            _ => continue,
        };
        if !actual.eq_ignore_ascii_case(expected) {
            return false;
        }
        any = true;
    }
    any
}

impl From<FetchFailure> for TufError {
    fn from(e: FetchFailure) -> Self {
        match e {
            FetchFailure::TooLarge { .. } => TufError::Refused {
                code: crate::TufCode::TooLarge,
                message: e.to_string(),
            },
            FetchFailure::Other { .. } => TufError::Unreachable {
                message: e.to_string(),
            },
        }
    }
}
