//! The gate's transport for TUF: [`Fetcher`] (HTTPS only, loopback `http://` behind
//! `insecure_allow_http`, size limits and timeouts) as a [`sigil_tuf::Transport`].

use std::io::{Read as _, Seek as _};
use std::path::Path;

use sigil_tuf::FetchFailure;

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

/// The targets URL of a TUF repository whose metadata is at `metadata_url`.
pub fn targets_url(metadata_url: &str) -> String {
    let base = metadata_url.trim_end_matches('/');
    match base.strip_suffix("/metadata") {
        Some(parent) => format!("{parent}/targets"),
        None => format!("{base}/targets"),
    }
}

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
}
