//! Sigstore trust roots that update themselves through TUF.
//!
//! Each Sigstore instance publishes its `trusted_root.json` (and `signing_config.v0.2.json`)
//! as targets of a TUF repository. sigil embeds the TUF `root.json` of three instances
//! ([`Instance`]) and refreshes those targets into a cache directory the caller names (the CLI
//! uses `$XDG_CACHE_HOME/sigil/trust`): one subdirectory per source, holding the verified TUF
//! metadata (`metadata/`, re-verified from the embedded root at every update), the targets and
//! a `state.json` saying where they came from, the metadata versions and when they expire.
//!
//! The embedded roots are the TUF roots shipped in the `sigstore-trust-root` 0.15.1 crate
//! (`repository/tuf_root.json`, `tuf_staging_root.json`, `tuf_github_root.json`), whose SHA-256
//! are [`Instance::embedded_root_sha256`].

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use sigstore_tuf::FileStore;

use crate::client::timestamp;
use crate::{Client, Limits, Transport, TufError};

/// The Sigstore trusted root target.
pub const TRUSTED_ROOT_TARGET: &str = "trusted_root.json";
/// The Sigstore signing configuration target (published by public-good and staging).
pub const SIGNING_CONFIG_TARGET: &str = "signing_config.v0.2.json";

/// A Sigstore instance whose TUF root sigil embeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Instance {
    /// Sigstore's public-good instance.
    PublicGood,
    /// Sigstore's staging instance.
    Staging,
    /// GitHub's instance (attestations of private repositories).
    GitHub,
}

impl Instance {
    /// Every instance.
    pub const ALL: [Instance; 3] = [Instance::PublicGood, Instance::Staging, Instance::GitHub];

    /// `public-good`, `staging` or `github`.
    pub fn name(self) -> &'static str {
        match self {
            Instance::PublicGood => "public-good",
            Instance::Staging => "staging",
            Instance::GitHub => "github",
        }
    }

    /// The instance named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.name() == name)
    }

    /// Its TUF repository (metadata at the top, targets under `targets/`).
    pub fn url(self) -> &'static str {
        match self {
            Instance::PublicGood => "https://tuf-repo-cdn.sigstore.dev",
            Instance::Staging => "https://tuf-repo-cdn.sigstage.dev",
            Instance::GitHub => "https://tuf-repo.github.com",
        }
    }

    /// The embedded TUF `root.json`.
    pub fn embedded_root(self) -> &'static [u8] {
        match self {
            Instance::PublicGood => include_bytes!("../roots/public-good.root.json"),
            Instance::Staging => include_bytes!("../roots/staging.root.json"),
            Instance::GitHub => include_bytes!("../roots/github.root.json"),
        }
    }

    /// SHA-256 of [`Instance::embedded_root`].
    pub fn embedded_root_sha256(self) -> &'static str {
        match self {
            Instance::PublicGood => {
                "27aea7e372aa7864065174f0661784fcf8b0e28b1dbfebeada31a0f1fb19167f"
            }
            Instance::Staging => "3cfd686011642e1fe151d5e413524bc1fe47ac69e87d44a33a811d04fe1795b9",
            Instance::GitHub => "eb303461e0109458144b6ebcbfd62aaa6f6d7481e9ca77504b85f17761661462",
        }
    }

    /// The source to update this instance from, optionally at another URL (a mirror), with
    /// targets at [`crate::targets_url`].
    pub fn source(self, repo: Option<&str>) -> Source {
        let url = repo.unwrap_or(self.url()).trim_end_matches('/').to_owned();
        Source {
            name: self.name().to_owned(),
            targets_url: crate::targets_url(&url),
            metadata_url: url,
            root: self.embedded_root().to_vec(),
        }
    }
}

/// Where to update trust from: a name (the cache subdirectory), URLs and a pinned TUF root.
#[derive(Debug, Clone)]
pub struct Source {
    /// Cache subdirectory name (an instance name).
    pub name: String,
    /// Base URL of the TUF metadata.
    pub metadata_url: String,
    /// Base URL of the TUF targets.
    pub targets_url: String,
    /// The trusted TUF root.json to start from.
    pub root: Vec<u8>,
}

/// What the cache holds for one source (`state.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    /// The source name.
    pub name: String,
    /// The repository's metadata URL.
    pub metadata_url: String,
    /// When the update ran (RFC 3339).
    pub updated: String,
    /// Version of the trusted TUF root.
    pub root_version: u64,
    /// Version of the timestamp role.
    pub timestamp_version: u64,
    /// Version of the snapshot role.
    pub snapshot_version: u64,
    /// Version of the top-level targets role.
    pub targets_version: u64,
    /// The earliest expiry of the four roles (RFC 3339): past it, the cache is stale.
    pub expires: String,
    /// SHA-256 of the cached `trusted_root.json`.
    pub trusted_root_sha256: String,
    /// SHA-256 of the cached signing configuration, when the repository publishes one.
    pub signing_config_sha256: Option<String>,
}

impl State {
    /// True when the earliest role expiry is at or before `now`.
    pub fn expired_at(&self, now: SystemTime) -> bool {
        match (self.expires.parse::<jiff::Timestamp>(), timestamp(now)) {
            (Ok(exp), Ok(now)) => exp <= now,
            // Unreadable: treat as expired (fail closed).
            _ => true,
        }
    }
}

/// A source's cache directory.
pub fn source_dir(cache: &Path, name: &str) -> PathBuf {
    cache.join(name)
}

fn io(path: &Path, e: std::io::Error) -> TufError {
    TufError::setup(format!("{}: {e}", path.display()))
}

fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), TufError> {
    let path = dir.join(name);
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| io(&path, e))?;
    std::io::Write::write_all(&mut tmp, bytes).map_err(|e| io(&path, e))?;
    tmp.persist(&path).map_err(|e| io(&path, e.error))?;
    Ok(())
}

/// Refreshes `source` through TUF into `cache/<name>/`, checks that the new
/// `trusted_root.json` is a usable Sigstore trusted root, and returns the new state. Nothing in
/// the cache changes unless every check passes (metadata is written as it verifies, but the
/// targets and `state.json`, which verification reads, only at the end).
pub fn update(
    transport: Arc<dyn Transport>,
    cache: &Path,
    source: &Source,
    now: SystemTime,
) -> Result<State, TufError> {
    let dir = source_dir(cache, &source.name);
    let meta = dir.join("metadata");
    std::fs::create_dir_all(&meta).map_err(|e| io(&meta, e))?;
    let mut client = Client::new(
        transport,
        &source.metadata_url,
        &source.targets_url,
        &source.root,
        Some(Box::new(FileStore::new(&meta))),
        Limits {
            target_max_length: 16 * 1024 * 1024,
        },
        now,
    )?;
    client.refresh()?;
    let info = client.target_info(TRUSTED_ROOT_TARGET)?;
    let trusted_root = client.download(&info, TRUSTED_ROOT_TARGET)?;
    let text = std::str::from_utf8(&trusted_root).map_err(|_| TufError::Refused {
        code: crate::TufCode::Malformed,
        message: format!("{TRUSTED_ROOT_TARGET} is not UTF-8"),
    })?;
    sigil_sigstore::TrustRoot::from_json(text).map_err(|e| TufError::Refused {
        code: crate::TufCode::Malformed,
        message: format!("{TRUSTED_ROOT_TARGET} is not a usable Sigstore trusted root: {e}"),
    })?;
    let signing_config = match client.target_info(SIGNING_CONFIG_TARGET) {
        Ok(info) => Some(client.download(&info, SIGNING_CONFIG_TARGET)?),
        Err(TufError::Refused {
            code: crate::TufCode::TargetNotFound,
            ..
        }) => None,
        Err(e) => return Err(e),
    };

    let trusted = client.trusted();
    let root = trusted.root();
    let ts = trusted
        .timestamp()
        .ok_or_else(|| TufError::setup("no timestamp after refresh"))?;
    let snap = trusted
        .snapshot()
        .ok_or_else(|| TufError::setup("no snapshot after refresh"))?;
    let targets = trusted
        .targets_role("targets")
        .ok_or_else(|| TufError::setup("no targets after refresh"))?;
    let expires = [root.expires, ts.expires, snap.expires, targets.expires]
        .into_iter()
        .min()
        .unwrap_or(ts.expires);
    let state = State {
        name: source.name.clone(),
        metadata_url: source.metadata_url.clone(),
        updated: timestamp(now)?.to_string(),
        root_version: root.version,
        timestamp_version: ts.version,
        snapshot_version: snap.version,
        targets_version: targets.version,
        expires: expires.to_string(),
        trusted_root_sha256: crate::sha256_hex(&trusted_root),
        signing_config_sha256: signing_config.as_deref().map(crate::sha256_hex),
    };
    write_atomic(&dir, TRUSTED_ROOT_TARGET, &trusted_root)?;
    match &signing_config {
        Some(bytes) => write_atomic(&dir, SIGNING_CONFIG_TARGET, bytes)?,
        None => {
            let _ = std::fs::remove_file(dir.join(SIGNING_CONFIG_TARGET));
        }
    }
    let json = serde_json::to_vec_pretty(&state)
        .map_err(|e| TufError::setup(format!("state.json: {e}")))?;
    write_atomic(&dir, "state.json", &json)?;
    Ok(state)
}

/// A cached trusted root, checked against its state.
#[derive(Debug, Clone)]
pub struct Cached {
    /// Its state.
    pub state: State,
    /// The `trusted_root.json` text (its SHA-256 matches the state's).
    pub trusted_root: String,
    /// Where it is.
    pub path: PathBuf,
}

/// The cached trust of source `name`, if any. `Err` when the cache is there but damaged
/// (unreadable state, or a `trusted_root.json` whose hash is not the one recorded).
pub fn cached(cache: &Path, name: &str) -> Result<Option<Cached>, TufError> {
    let dir = source_dir(cache, name);
    let state_path = dir.join("state.json");
    let state_bytes = match std::fs::read(&state_path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(&state_path, e)),
    };
    let state: State = serde_json::from_slice(&state_bytes)
        .map_err(|e| TufError::setup(format!("{}: {e}", state_path.display())))?;
    let path = dir.join(TRUSTED_ROOT_TARGET);
    let bytes = std::fs::read(&path).map_err(|e| io(&path, e))?;
    if crate::sha256_hex(&bytes) != state.trusted_root_sha256 {
        return Err(TufError::Refused {
            code: crate::TufCode::IntegrityMismatch,
            message: format!(
                "{} does not match the hash recorded when it was verified",
                path.display()
            ),
        });
    }
    let trusted_root = String::from_utf8(bytes)
        .map_err(|_| TufError::setup(format!("{} is not UTF-8", path.display())))?;
    Ok(Some(Cached {
        state,
        trusted_root,
        path,
    }))
}

/// Every source with a cache, by name.
pub fn list(cache: &Path) -> Result<Vec<Cached>, TufError> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(cache) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io(cache, e)),
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .collect();
    names.sort();
    for name in names {
        if let Some(c) = cached(cache, &name)? {
            out.push(c);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_roots_are_the_documented_ones_and_self_verify() {
        sigil_sigstore::install_crypto_provider();
        for i in Instance::ALL {
            assert_eq!(
                crate::sha256_hex(i.embedded_root()),
                i.embedded_root_sha256()
            );
            let set = sigstore_tuf::TrustedMetadataSet::from_root(i.embedded_root())
                .unwrap_or_else(|e| panic!("{}: {e}", i.name()));
            assert!(set.root().consistent_snapshot);
            assert_eq!(Instance::parse(i.name()), Some(i));
        }
        assert_eq!(Instance::parse("nope"), None);
        let own = Instance::PublicGood.source(None);
        assert_eq!(
            own.targets_url,
            format!("{}/targets", Instance::PublicGood.url())
        );
        let mirror = Instance::Staging.source(Some("https://m.example/tuf/metadata/"));
        assert_eq!(mirror.metadata_url, "https://m.example/tuf/metadata");
        assert_eq!(mirror.targets_url, "https://m.example/tuf/targets");
    }

    #[test]
    fn a_state_past_its_expiry_is_expired() {
        let mut s = State {
            name: "x".into(),
            metadata_url: "u".into(),
            updated: "2026-01-01T00:00:00Z".into(),
            root_version: 1,
            timestamp_version: 1,
            snapshot_version: 1,
            targets_version: 1,
            expires: "2026-01-02T00:00:00Z".into(),
            trusted_root_sha256: String::new(),
            signing_config_sha256: None,
        };
        let t = |s: &str| SystemTime::from(s.parse::<jiff::Timestamp>().unwrap());
        assert!(!s.expired_at(t("2026-01-01T12:00:00Z")));
        assert!(s.expired_at(t("2026-01-02T00:00:00Z")));
        s.expires = "garbage".into();
        assert!(s.expired_at(t("2026-01-01T12:00:00Z")));
    }
}
