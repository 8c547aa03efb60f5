//! The gate's transport for TUF: [`Fetcher`] (HTTPS only, loopback `http://` behind
//! `insecure_allow_http`, size limits and timeouts) as a [`sigil_tuf::Transport`].

use std::io::{Read as _, Seek as _};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use sigil_sigstore::{TrustRoot, TrustRootError};
use sigil_tuf::trust::Instance;
use sigil_tuf::{FetchFailure, TufError};

use crate::fetch::{FetchError, Fetcher};

impl sigil_tuf::Transport for Fetcher {
    fn fetch(&self, url: &str, max_length: u64) -> Result<Option<Vec<u8>>, FetchFailure> {
        let other = |message: String| FetchFailure::Other {
            url: url.to_owned(),
            message,
        };
        let mut file = tempfile::tempfile().map_err(|e| other(e.to_string()))?;
        match self.fetch_into(url, max_length, &mut file, Path::new("(temporary file)")) {
            Ok(_) => {
                let mut bytes = Vec::new();
                file.rewind().map_err(|e| other(e.to_string()))?;
                file.read_to_end(&mut bytes)
                    .map_err(|e| other(e.to_string()))?;
                Ok(Some(bytes))
            }
            // Object stores answer 403 for a key that does not exist; python-tuf and go-tuf
            // read it as "no such file" when probing for the next root.
            Err(FetchError::NotFound { .. }) | Err(FetchError::Status { status: 403, .. }) => {
                Ok(None)
            }
            Err(FetchError::TooLarge { url, limit }) => Err(FetchFailure::TooLarge { url, limit }),
            Err(e) => Err(other(e.to_string())),
        }
    }
}

/// A pack in a TUF repository: `tuf+https://HOST/PATH/metadata#NAME@VERSION`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TufSource {
    /// Base URL of the metadata (`https://HOST/PATH/metadata`).
    pub metadata_url: String,
    /// Base URL of the targets: the sibling `targets` of a URL ending in `/metadata`, else
    /// `METADATA_URL/targets`.
    pub targets_url: String,
    /// Pack name.
    pub name: String,
    /// Pack version.
    pub version: String,
}

pub use sigil_tuf::targets_url;

/// Parses a `tuf+` source; `None` when `s` does not start with `tuf+`.
pub fn parse_source(s: &str) -> Option<Result<TufSource, String>> {
    let rest = s.strip_prefix("tuf+")?;
    let parse = || -> Result<TufSource, String> {
        let (url, frag) = rest
            .split_once('#')
            .ok_or_else(|| format!("{s}: name the pack after `#`, as #NAME@VERSION"))?;
        let (name, version) = frag
            .split_once('@')
            .ok_or_else(|| format!("{s}: name the pack as #NAME@VERSION"))?;
        let ok = |t: &str| {
            !t.is_empty()
                && !t.starts_with('.')
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+'))
        };
        if !ok(name) || !ok(version) {
            return Err(format!(
                "{s}: NAME and VERSION are letters, digits and . - _ +"
            ));
        }
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(format!(
                "{s}: expected tuf+https://HOST/PATH/metadata#NAME@VERSION"
            ));
        }
        Ok(TufSource {
            metadata_url: url.trim_end_matches('/').to_owned(),
            targets_url: targets_url(url),
            name: name.to_owned(),
            version: version.to_owned(),
        })
    };
    Some(parse())
}

/// Downloads the pack `NAME-VERSION.tar.gz` (or `.tgz`, `.zip`) and the sidecars the repository
/// lists for it into `into`, through TUF from the policy's pinned `tuf-root`, keeping trusted
/// metadata in `cache` (so rollback is caught across runs). Returns the pack's path. Every
/// file written has passed TUF's length and hash checks.
pub fn fetch_pack(
    policy: &sigil_policy::Policy,
    src: &TufSource,
    fetch: &crate::fetch::FetchOptions,
    cache: &Path,
    into: &Path,
    now: std::time::SystemTime,
) -> Result<std::path::PathBuf, sigil_tuf::TufError> {
    use sigil_tuf::TufError;
    let root = policy.tuf_root.as_deref().ok_or_else(|| TufError::Setup {
        message: format!(
            "{}: set `tuf-root` in [trust] to the repository's pinned root.json",
            policy.file.display()
        ),
    })?;
    let fetcher = Fetcher::new(fetch.clone()).map_err(|e| TufError::Setup {
        message: e.to_string(),
    })?;
    std::fs::create_dir_all(cache).map_err(|e| TufError::Setup {
        message: format!("{}: {e}", cache.display()),
    })?;
    let mut client = sigil_tuf::Client::new(
        std::sync::Arc::new(fetcher),
        &src.metadata_url,
        &src.targets_url,
        root.as_bytes(),
        Some(Box::new(sigstore_store(cache))),
        sigil_tuf::Limits {
            target_max_length: policy.install.max_download_bytes,
        },
        now,
    )?;
    client.refresh()?;
    let base = format!("{}-{}", src.name, src.version);
    let mut found = None;
    for ext in [".tar.gz", ".tgz", ".zip"] {
        let name = format!("{base}{ext}");
        match client.target_info(&name) {
            Ok(info) => {
                found = Some((name, info));
                break;
            }
            Err(TufError::Refused {
                code: sigil_tuf::TufCode::TargetNotFound,
                ..
            }) => continue,
            Err(e) => return Err(e),
        }
    }
    let (name, info) = found.ok_or_else(|| TufError::Refused {
        code: sigil_tuf::TufCode::TargetNotFound,
        message: format!("the repository lists no {base}.tar.gz, .tgz or .zip"),
    })?;
    let bytes = client.download(&info, &name)?;
    let path = into.join(&name);
    write_private(&path, &bytes)?;
    let (fixed, numbered) = crate::install::sidecar_names(&name, policy);
    for side in fixed.into_iter().chain(numbered) {
        match client.target_info(&side) {
            Ok(info) => {
                let b = client.download(&info, &side)?;
                write_private(&into.join(&side), &b)?;
            }
            Err(TufError::Refused {
                code: sigil_tuf::TufCode::TargetNotFound,
                ..
            }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(path)
}

fn sigstore_store(cache: &Path) -> sigil_tuf::FileStore {
    sigil_tuf::FileStore::new(cache)
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), sigil_tuf::TufError> {
    use std::io::Write as _;
    let err = |e: std::io::Error| sigil_tuf::TufError::Setup {
        message: format!("{}: {e}", path.display()),
    };
    let mut f = crate::fetch::private_file(path).map_err(|e| sigil_tuf::TufError::Setup {
        message: e.to_string(),
    })?;
    f.write_all(bytes).map_err(err)?;
    f.sync_all().map_err(err)
}

/// Where `sigil trust update` keeps trust roots: `$XDG_CACHE_HOME/sigil/trust` when that is
/// an absolute path, else `$HOME/.cache/sigil/trust`; `None` when neither is set.
pub fn trust_cache_dir() -> Option<PathBuf> {
    cache_dir_from(std::env::var_os("XDG_CACHE_HOME"), std::env::var_os("HOME"))
}

fn cache_dir_from(
    xdg: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
) -> Option<PathBuf> {
    let base = xdg
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            home.filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(".cache"))
        })?;
    Some(base.join("sigil").join("trust"))
}

/// A trusted root `sigil trust update` cached, as text.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CachedRoot {
    /// The `trusted_root.json` text (its hash matches the one recorded when it verified).
    pub json: String,
    /// When its TUF metadata expired, if that is before `now`: it is still used, and the
    /// caller says so and suggests an update.
    pub expired_at: Option<String>,
}

/// The trusted root cached for `inst` in `cache` (the [`trust_cache_dir`]), if any. A cache
/// whose bytes no longer match the hash recorded at update is an error. Never touches the network.
pub fn cached_root(
    cache: Option<&Path>,
    inst: Instance,
    now: SystemTime,
) -> Result<Option<CachedRoot>, TufError> {
    let Some(cache) = cache else {
        return Ok(None);
    };
    Ok(
        sigil_tuf::trust::cached(cache, inst.name())?.map(|c| CachedRoot {
            expired_at: c.state.expired_at(now).then(|| c.state.expires.clone()),
            json: c.trusted_root,
        }),
    )
}

/// A policy with keyless identities and no `sigstore-trusted-root` takes the public-good root
/// `sigil trust update` cached in `cache`, if any (else the gate uses the embedded one); a
/// policy that names its root, or has no identities, is left alone. Returns when the cached
/// root's TUF metadata expired, if it has (it is still used; the caller says so).
pub fn use_cached_root(
    policy: &mut sigil_policy::Policy,
    cache: Option<&Path>,
    now: SystemTime,
) -> Result<Option<String>, TufError> {
    if policy.sigstore_root.is_some() || policy.identities.is_empty() {
        return Ok(None);
    }
    let Some(cached) = cached_root(cache, Instance::PublicGood, now)? else {
        return Ok(None);
    };
    policy.sigstore_root = Some(cached.json);
    Ok(cached.expired_at)
}

/// Why no trusted root could be chosen for an instance.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RootError {
    /// The cache is there but damaged.
    #[error(transparent)]
    Cache(TufError),
    /// The cached root is not a usable trusted root.
    #[error("cached {instance} trusted root")]
    CachedInvalid {
        /// The instance's name.
        instance: &'static str,
        /// Why.
        #[source]
        source: TrustRootError,
    },
    /// GitHub's instance has no embedded root, and none is cached.
    #[error("no trusted root for GitHub's Sigstore instance is cached")]
    NoneCached,
    /// The embedded root did not load.
    #[error(transparent)]
    Embedded(TrustRootError),
}

/// The trusted root verification uses for `inst` when none is named: the one cached in
/// `cache`, else the embedded one (GitHub's instance has none embedded). Also returns
/// when the cached root's TUF metadata expired, if it has.
pub fn default_root(
    cache: Option<&Path>,
    inst: Instance,
    now: SystemTime,
) -> Result<(TrustRoot, Option<String>), RootError> {
    match cached_root(cache, inst, now).map_err(RootError::Cache)? {
        Some(c) => TrustRoot::from_json(&c.json)
            .map(|root| (root, c.expired_at))
            .map_err(|source| RootError::CachedInvalid {
                instance: inst.name(),
                source,
            }),
        None => match inst {
            Instance::GitHub => Err(RootError::NoneCached),
            Instance::Staging => TrustRoot::staging().map_err(RootError::Embedded),
            _ => TrustRoot::public_good().map_err(RootError::Embedded),
        }
        .map(|root| (root, None)),
    }
}

/// Why a `tuf+` source could not be staged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StageError {
    /// The source does not parse.
    #[error("{0}")]
    Source(String),
    /// No cache directory for the repository's trusted metadata.
    #[error("neither XDG_CACHE_HOME nor HOME is set: no cache directory")]
    NoCache,
    /// The private staging directory could not be made.
    #[error("temporary directory")]
    TempDir(#[source] std::io::Error),
    /// TUF refused or could not fetch.
    #[error(transparent)]
    Tuf(#[from] TufError),
}

/// For `sigil install tuf+https://HOST/PATH/metadata#NAME@VERSION`: fetches the pack and its
/// sidecars through TUF ([`fetch_pack`], root pinned by the policy's `tuf-root`, trusted
/// metadata kept per repository and root beside the [`trust_cache_dir`]) into a private
/// temporary directory, for the install to verify as a local file. `None` for other sources.
pub fn stage_pack(
    policy: &sigil_policy::Policy,
    source: &str,
    opts: &crate::fetch::FetchOptions,
    now: SystemTime,
) -> Option<Result<(tempfile::TempDir, PathBuf), StageError>> {
    let src = match parse_source(source)? {
        Ok(s) => s,
        Err(m) => return Some(Err(StageError::Source(m))),
    };
    let stage = || {
        let root = policy.tuf_root.as_deref().unwrap_or("");
        let key = sigil_tuf::sha256_hex(format!("{}\n{root}", src.metadata_url).as_bytes());
        let cache = trust_cache_dir()
            .and_then(|d| d.parent().map(|p| p.join("tuf-repos").join(&key[..32])))
            .ok_or(StageError::NoCache)?;
        let dir = tempfile::Builder::new()
            .prefix("sigil-tuf-")
            .tempdir()
            .map_err(StageError::TempDir)?;
        let path = fetch_pack(policy, &src, opts, &cache, dir.path(), now)?;
        Ok((dir, path))
    };
    Some(stage())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuf_sources_name_a_pack_and_a_repository() {
        let s = parse_source("tuf+https://h.example/r/metadata#data@1.2.0")
            .unwrap()
            .unwrap();
        assert_eq!(s.metadata_url, "https://h.example/r/metadata");
        assert_eq!(s.targets_url, "https://h.example/r/targets");
        assert_eq!((s.name.as_str(), s.version.as_str()), ("data", "1.2.0"));
        assert_eq!(
            targets_url("https://h.example/tuf/"),
            "https://h.example/tuf/targets"
        );
        assert!(parse_source("https://h.example/x.tar.gz").is_none());
        for bad in [
            "tuf+https://h.example/metadata",
            "tuf+https://h.example/metadata#data",
            "tuf+https://h.example/metadata#../x@1",
            "tuf+ftp://h.example/metadata#a@1",
        ] {
            assert!(parse_source(bad).unwrap().is_err(), "{bad}");
        }
    }

    #[test]
    fn the_trust_cache_is_under_an_absolute_xdg_cache_home_else_home() {
        let dir = |x: Option<&str>, h: Option<&str>| {
            cache_dir_from(x.map(Into::into), h.map(Into::into)).map(|p| p.display().to_string())
        };
        assert_eq!(
            dir(Some("/c"), Some("/h")).as_deref(),
            Some("/c/sigil/trust")
        );
        assert_eq!(
            dir(Some("rel"), Some("/h")).as_deref(),
            Some("/h/.cache/sigil/trust")
        );
        assert_eq!(
            dir(Some(""), Some("/h")).as_deref(),
            Some("/h/.cache/sigil/trust")
        );
        assert_eq!(dir(None, Some("")), None);
        assert_eq!(dir(None, None), None);
    }

    #[test]
    fn without_a_cache_the_embedded_root_is_chosen_and_github_has_none() {
        let now = SystemTime::now();
        let empty = tempfile::tempdir().unwrap();
        for cache in [None, Some(empty.path())] {
            let (_, expired) = default_root(cache, Instance::PublicGood, now).unwrap();
            assert_eq!(expired, None);
            assert!(default_root(cache, Instance::Staging, now).is_ok());
            let e = default_root(cache, Instance::GitHub, now).unwrap_err();
            assert_eq!(
                e.to_string(),
                "no trusted root for GitHub's Sigstore instance is cached"
            );
        }
    }

    #[test]
    fn a_keyless_policy_without_a_root_takes_the_cached_public_good_one() {
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("p.toml");
        let text = "schema = 1\n[trust]\nthreshold = 1\n[[trust.identities]]\nissuer = \"https://i.example\"\nsubject = \"me@example.com\"\n";
        std::fs::write(&file, text).unwrap();
        let mut policy = sigil_policy::Policy::load(&file).unwrap();
        let now = SystemTime::now();
        assert_eq!(use_cached_root(&mut policy, None, now).unwrap(), None);
        assert_eq!(policy.sigstore_root, None);
        let cache = d.path().join("cache");
        let dir = sigil_tuf::trust::source_dir(&cache, "public-good");
        std::fs::create_dir_all(&dir).unwrap();
        let root = "{\"cached\": true}";
        std::fs::write(dir.join(sigil_tuf::trust::TRUSTED_ROOT_TARGET), root).unwrap();
        let state = sigil_tuf::trust::State {
            name: "public-good".into(),
            metadata_url: "https://tuf.example/metadata".into(),
            updated: "2000-01-01T00:00:00Z".into(),
            root_version: 1,
            timestamp_version: 1,
            snapshot_version: 1,
            targets_version: 1,
            expires: "2000-01-02T00:00:00Z".into(),
            trusted_root_sha256: sigil_tuf::sha256_hex(root.as_bytes()),
            signing_config_sha256: None,
        };
        std::fs::write(
            dir.join("state.json"),
            serde_json::to_string(&state).unwrap(),
        )
        .unwrap();
        let expired = use_cached_root(&mut policy, Some(&cache), now).unwrap();
        assert_eq!(expired.as_deref(), Some("2000-01-02T00:00:00Z"));
        assert_eq!(policy.sigstore_root.as_deref(), Some(root));
        policy.sigstore_root = Some("named".into());
        assert_eq!(
            use_cached_root(&mut policy, Some(&cache), now).unwrap(),
            None
        );
        assert_eq!(policy.sigstore_root.as_deref(), Some("named"));
    }

    #[test]
    fn a_damaged_cache_is_an_error_not_the_embedded_root() {
        let cache = tempfile::tempdir().unwrap();
        let dir = sigil_tuf::trust::source_dir(cache.path(), "public-good");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("state.json"), "{").unwrap();
        let e =
            default_root(Some(cache.path()), Instance::PublicGood, SystemTime::now()).unwrap_err();
        assert!(
            matches!(e, RootError::Cache(TufError::Setup { .. })),
            "{e:?}"
        );
    }

    #[test]
    fn only_tuf_sources_are_staged_and_a_bad_one_says_why() {
        let k = sigil_keys::SecretKey::generate().public();
        let line = k.to_minisign().lines().nth(1).unwrap().to_owned();
        let d = tempfile::tempdir().unwrap();
        let file = d.path().join("p.toml");
        let text = format!("schema = 1\n[trust]\nkeys = [ {{ public-key = \"{line}\" }} ]\n");
        std::fs::write(&file, text).unwrap();
        let policy = sigil_policy::Policy::load(&file).unwrap();
        let opts = crate::fetch::FetchOptions::default();
        let now = SystemTime::now();
        assert!(stage_pack(&policy, "https://h.example/a.tar.gz", &opts, now).is_none());
        let e = stage_pack(&policy, "tuf+https://h.example/metadata#a", &opts, now)
            .unwrap()
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "tuf+https://h.example/metadata#a: name the pack as #NAME@VERSION"
        );
    }
}
