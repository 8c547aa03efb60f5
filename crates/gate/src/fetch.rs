//! Downloads: HTTPS only (every redirect hop too), plain `http://` only with
//! `insecure_allow_http` and only to loopback IP addresses; bodies stream into a caller's
//! private file with a size limit, a connect timeout and a per-read timeout.

use std::io::{self, Read, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use thiserror::Error;

/// Download settings.
#[derive(Debug, Clone)]
pub struct FetchOptions {
    /// Allow `http://` to loopback IP addresses (for tests and local mirrors only).
    pub insecure_allow_http: bool,
    /// Largest body accepted.
    pub max_bytes: u64,
    /// Time to establish a connection.
    pub connect_timeout: Duration,
    /// Longest wait for the response head or for any single read of the body.
    pub read_timeout: Duration,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            insecure_allow_http: false,
            max_bytes: sigil_policy::DEFAULT_MAX_DOWNLOAD,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
        }
    }
}

/// Why a URL may not be fetched.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlError {
    /// Not a URL.
    #[error("{url:?} is not a valid URL")]
    Invalid {
        /// The text.
        url: String,
    },
    /// A scheme other than https (or loopback http when allowed).
    #[error("{url} uses {scheme}://, only https:// is allowed")]
    Scheme {
        /// The URL.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// Plain http without the insecure option.
    #[error("{url} is plain http, which is refused")]
    Http {
        /// The URL.
        url: String,
    },
    /// Plain http to a host that is not a loopback IP address.
    #[error("{url} is plain http to a host that is not a loopback IP address")]
    HttpNotLoopback {
        /// The URL.
        url: String,
    },
}

/// Why a download failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FetchError {
    /// The URL (or a redirect target) is not allowed.
    #[error(transparent)]
    Url(#[from] UrlError),
    /// A redirect led somewhere not allowed.
    #[error("redirect refused: {0}")]
    Redirect(#[source] UrlError),
    /// The server answered 404 or 410.
    #[error("{url}: not found")]
    NotFound {
        /// The URL.
        url: String,
    },
    /// Another non-success status.
    #[error("{url}: server answered {status}")]
    Status {
        /// The URL.
        url: String,
        /// HTTP status.
        status: u16,
    },
    /// The body is larger than allowed.
    #[error("{url}: larger than the {limit}-byte limit")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit.
        limit: u64,
    },
    /// Connect or read timed out.
    #[error("{url}: timed out")]
    Timeout {
        /// The URL.
        url: String,
    },
    /// Network trouble.
    #[error("{url}: {message}")]
    Network {
        /// The URL.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// Writing the body failed.
    #[error("writing {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
}

/// Checks a URL against the rules: https, or http to a loopback IP with `insecure_allow_http`.
pub fn check_url(url: &str, insecure_allow_http: bool) -> Result<reqwest::Url, UrlError> {
    let u = reqwest::Url::parse(url).map_err(|_| UrlError::Invalid {
        url: url.to_owned(),
    })?;
    check_parsed(&u, insecure_allow_http)?;
    Ok(u)
}

fn check_parsed(u: &reqwest::Url, insecure_allow_http: bool) -> Result<(), UrlError> {
    match u.scheme() {
        "https" => Ok(()),
        "http" if !insecure_allow_http => Err(UrlError::Http { url: u.to_string() }),
        "http" => {
            let host = u.host_str().unwrap_or("");
            let host = host
                .strip_prefix('[')
                .and_then(|h| h.strip_suffix(']'))
                .unwrap_or(host);
            let loopback = host.parse::<IpAddr>().is_ok_and(|a| a.is_loopback());
            if loopback {
                Ok(())
            } else {
                Err(UrlError::HttpNotLoopback { url: u.to_string() })
            }
        }
        other => Err(UrlError::Scheme {
            url: u.to_string(),
            scheme: other.to_owned(),
        }),
    }
}

/// A configured downloader.
#[derive(Debug)]
pub struct Fetcher {
    client: reqwest::blocking::Client,
    opts: FetchOptions,
}

fn find_url_error(e: &(dyn std::error::Error + 'static)) -> Option<UrlError> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        if let Some(u) = c.downcast_ref::<UrlError>() {
            return Some(u.clone());
        }
        cur = c.source();
    }
    None
}

impl Fetcher {
    /// Builds a client with the rules above.
    pub fn new(opts: FetchOptions) -> Result<Self, FetchError> {
        let insecure = opts.insecure_allow_http;
        let redirect = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 10 {
                return attempt.error("too many redirects");
            }
            match check_parsed(attempt.url(), insecure) {
                Ok(()) => attempt.follow(),
                Err(e) => attempt.error(e),
            }
        });
        let mut b = reqwest::blocking::Client::builder()
            .redirect(redirect)
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.read_timeout)
            .user_agent(concat!("sigil/", env!("CARGO_PKG_VERSION")));
        if insecure {
            // Loopback only: a proxy would send the request elsewhere.
            b = b.no_proxy();
        } else {
            b = b.https_only(true);
        }
        let client = b.build().map_err(|e| FetchError::Network {
            url: String::new(),
            message: e.to_string(),
        })?;
        Ok(Self { client, opts })
    }

    /// The settings.
    pub fn options(&self) -> &FetchOptions {
        &self.opts
    }

    /// Downloads `url` into `out` (a private file the caller created), streaming, and returns
    /// the number of bytes. On error the file's contents are unspecified; the caller removes it.
    /// `limit` caps the body (never above [`FetchOptions::max_bytes`]).
    pub fn fetch_into(
        &self,
        url: &str,
        limit: u64,
        out: &mut std::fs::File,
        out_path: &Path,
    ) -> Result<u64, FetchError> {
        let u = check_url(url, self.opts.insecure_allow_http)?;
        let url_s = u.to_string();
        let classify = |e: reqwest::Error| -> FetchError {
            if let Some(ue) = find_url_error(&e) {
                return FetchError::Redirect(ue);
            }
            if e.is_timeout() {
                return FetchError::Timeout { url: url_s.clone() };
            }
            FetchError::Network {
                url: url_s.clone(),
                message: sigil_core::error::chain(&e),
            }
        };
        let mut resp = self.client.get(u.clone()).send().map_err(classify)?;
        let status = resp.status();
        if status.as_u16() == 404 || status.as_u16() == 410 {
            return Err(FetchError::NotFound { url: url_s });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                url: url_s,
                status: status.as_u16(),
            });
        }
        let limit = limit.min(self.opts.max_bytes);
        if resp.content_length().is_some_and(|n| n > limit) {
            return Err(FetchError::TooLarge { url: url_s, limit });
        }
        let mut buf = vec![0u8; 64 * 1024];
        let mut total: u64 = 0;
        loop {
            let n = match resp.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    let timeout = e.kind() == io::ErrorKind::TimedOut
                        || e.get_ref()
                            .and_then(|i| i.downcast_ref::<reqwest::Error>())
                            .is_some_and(reqwest::Error::is_timeout)
                        || sigil_core::error::chain(&e).contains("timed out");
                    return Err(if timeout {
                        FetchError::Timeout { url: url_s }
                    } else {
                        FetchError::Network {
                            url: url_s,
                            message: sigil_core::error::chain(&e),
                        }
                    });
                }
            };
            total += n as u64;
            if total > limit {
                return Err(FetchError::TooLarge { url: url_s, limit });
            }
            out.write_all(&buf[..n]).map_err(|source| FetchError::Io {
                path: out_path.to_path_buf(),
                source,
            })?;
        }
        out.flush().map_err(|source| FetchError::Io {
            path: out_path.to_path_buf(),
            source,
        })?;
        Ok(total)
    }

    /// Downloads `url` to a new private (0600) file at `path`; `Ok(None)` when the server says
    /// it does not exist. A failed download leaves no file behind.
    pub fn fetch_optional(
        &self,
        url: &str,
        limit: u64,
        path: &Path,
    ) -> Result<Option<u64>, FetchError> {
        let mut f = private_file(path)?;
        match self.fetch_into(url, limit, &mut f, path) {
            Ok(n) => Ok(Some(n)),
            Err(e) => {
                drop(f);
                let _ = std::fs::remove_file(path);
                match e {
                    FetchError::NotFound { .. } => Ok(None),
                    e => Err(e),
                }
            }
        }
    }
}

/// Creates a new file readable and writable only by its owner.
pub fn private_file(path: &Path) -> Result<std::fs::File, FetchError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|source| FetchError::Io {
            path: path.to_path_buf(),
            source,
        })
}

/// The URL of a file beside `url` (same directory), e.g. its sidecars.
pub fn sibling(url: &reqwest::Url, name: &str) -> Option<reqwest::Url> {
    url.join(name).ok()
}

/// The file name at the end of a URL's path.
pub fn url_file_name(url: &reqwest::Url) -> Option<String> {
    let seg = url.path_segments()?.next_back()?;
    let name = percent_decode(seg)?;
    (!name.is_empty() && name != "." && name != ".." && !name.contains('/') && !name.contains('\0'))
        .then_some(name)
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, insecure: bool, expect: Result<(), &str>) {
        assert_eq!(
            check_url(url, insecure)
                .map(|_| ())
                .map_err(|e| e.to_string()),
            expect.map_err(str::to_owned),
            "{url}"
        );
    }

    #[test]
    fn url_rules() {
        check("https://example.com/a", false, Ok(()));
        check("https://example.com/a", true, Ok(()));
        check(
            "http://127.0.0.1:8080/a",
            false,
            Err("http://127.0.0.1:8080/a is plain http, which is refused"),
        );
        check("http://127.0.0.1:8080/a", true, Ok(()));
        check("http://127.9.9.9/a", true, Ok(()));
        check("http://[::1]:1/a", true, Ok(()));
        check(
            "http://localhost/a",
            true,
            Err("http://localhost/a is plain http to a host that is not a loopback IP address"),
        );
        check(
            "http://10.0.0.1/a",
            true,
            Err("http://10.0.0.1/a is plain http to a host that is not a loopback IP address"),
        );
        check(
            "ftp://example.com/a",
            true,
            Err("ftp://example.com/a uses ftp://, only https:// is allowed"),
        );
        check(
            "file:///etc/passwd",
            true,
            Err("file:///etc/passwd uses file://, only https:// is allowed"),
        );
        check("not a url", false, Err("\"not a url\" is not a valid URL"));
    }

    #[test]
    fn file_names() {
        let n = |u: &str| url_file_name(&reqwest::Url::parse(u).unwrap());
        assert_eq!(n("https://h/a/widget-1.0"), Some("widget-1.0".into()));
        assert_eq!(n("https://h/a/w%20x?q=1"), Some("w x".into()));
        assert_eq!(n("https://h/a/"), None);
        assert_eq!(n("https://h/a/%2F"), None);
        assert_eq!(n("https://h/a/%2e%2e"), None);
        assert_eq!(
            sibling(&reqwest::Url::parse("https://h/a/w").unwrap(), "w.minisig")
                .unwrap()
                .as_str(),
            "https://h/a/w.minisig"
        );
    }
}
