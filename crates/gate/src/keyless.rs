//! The network side of keyless signing: HTTPS to Fulcio, Rekor and timestamp authorities for
//! [`sigil_sigstore::sign::Session`] (plain `http://` only to loopback IP addresses with
//! `insecure_allow_http`, as for downloads), and GitHub Actions' ambient identity token.
//!
//! The protocol, every check on the answers and the verification of the finished bundle are in
//! `sigil-sigstore`; this module only moves bytes, with timeouts and size limits, no
//! redirects, and no proxy for loopback.

use std::time::Duration;

use sigil_sigstore::sign::{
    IdentityToken, KeylessError, Service, Services, Session, Signed, ToSign, Transport,
    TransportError,
};
use sigil_sigstore::TrustRoot;

use crate::fetch::check_url;

/// Largest answer read from a service.
pub const MAX_ANSWER: u64 = 1024 * 1024;

/// Transport settings.
#[derive(Debug, Clone)]
pub struct KeylessOptions {
    /// Allow `http://` to loopback IP addresses (tests and local Sigstores only).
    pub insecure_allow_http: bool,
    /// Time to connect.
    pub connect_timeout: Duration,
    /// Longest a whole request may take.
    pub timeout: Duration,
}

impl Default for KeylessOptions {
    fn default() -> Self {
        KeylessOptions {
            insecure_allow_http: false,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
        }
    }
}

/// A blocking HTTP(S) [`Transport`].
#[derive(Debug)]
pub struct HttpTransport {
    client: reqwest::blocking::Client,
    insecure_allow_http: bool,
}

impl HttpTransport {
    /// A client with `opts`: no redirects, rustls, https only unless loopback http is allowed.
    pub fn new(opts: &KeylessOptions) -> Result<Self, TransportError> {
        let mut b = reqwest::blocking::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(opts.connect_timeout)
            .timeout(opts.timeout)
            .user_agent(concat!("sigil/", env!("CARGO_PKG_VERSION")));
        if opts.insecure_allow_http {
            b = b.no_proxy();
        } else {
            b = b.https_only(true);
        }
        let client = b
            .build()
            .map_err(|e| TransportError::new("", None, e.to_string()))?;
        Ok(HttpTransport {
            client,
            insecure_allow_http: opts.insecure_allow_http,
        })
    }

    fn send(
        &self,
        req: reqwest::blocking::RequestBuilder,
        url: &str,
    ) -> Result<Vec<u8>, TransportError> {
        let resp = req.send().map_err(|e| {
            let what = if e.is_timeout() {
                "timed out".to_owned()
            } else if e.is_connect() {
                "cannot connect".to_owned()
            } else {
                // Without the URL (already shown) or anything from the request.
                e.without_url().to_string()
            };
            TransportError::new(url, None, what)
        })?;
        let status = resp.status();
        let body = sigil_core::input::read_bounded(resp, MAX_ANSWER).map_err(|e| match e {
            sigil_core::input::ReadBoundedError::TooLarge { .. } => {
                TransportError::new(url, Some(status.as_u16()), "answer larger than 1 MiB")
            }
            e => TransportError::new(url, None, format!("reading the answer: {e}")),
        })?;
        if !status.is_success() {
            let message = sigil_core::json::parse(&body)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let mut message: String = message.chars().take(200).collect();
            if message.is_empty() {
                message = status.canonical_reason().unwrap_or("error").to_owned();
            }
            return Err(TransportError::new(
                url,
                Some(status.as_u16()),
                format!("http {}: {message}", status.as_u16()),
            ));
        }
        Ok(body)
    }
}

impl Transport for HttpTransport {
    fn post(
        &mut self,
        _service: Service,
        url: &str,
        content_type: &str,
        body: &[u8],
    ) -> Result<Vec<u8>, TransportError> {
        let u = check_url(url, self.insecure_allow_http)
            .map_err(|e| TransportError::new(url, None, e.to_string()))?;
        let req = self
            .client
            .post(u)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body.to_vec());
        self.send(req, url)
    }
}

/// Why GitHub Actions' ambient token could not be had. Never carries either token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AmbientError {
    /// The request failed.
    #[error("github actions token request failed: {0}")]
    Request(#[source] TransportError),
    /// The answer has no `value`.
    #[error("github actions token answer has no value")]
    Malformed,
}

/// Asks GitHub Actions for an identity token with audience `sigstore`
/// (`ACTIONS_ID_TOKEN_REQUEST_URL` with `&audience=sigstore`, bearer
/// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`).
pub fn github_actions_token(
    request_url: &str,
    request_token: &str,
    opts: &KeylessOptions,
) -> Result<String, AmbientError> {
    let t = HttpTransport::new(opts).map_err(AmbientError::Request)?;
    let sep = if request_url.contains('?') { '&' } else { '?' };
    let url = format!("{request_url}{sep}audience=sigstore");
    let u = check_url(&url, opts.insecure_allow_http).map_err(|e| {
        AmbientError::Request(TransportError::new(
            "ACTIONS_ID_TOKEN_REQUEST_URL",
            None,
            e.to_string(),
        ))
    })?;
    let req = t
        .client
        .get(u)
        .header(
            reqwest::header::AUTHORIZATION,
            format!("bearer {request_token}"),
        )
        .header(reqwest::header::ACCEPT, "application/json");
    // The request URL is not secret, but keep messages to the variable's name.
    let body = t
        .send(req, "ACTIONS_ID_TOKEN_REQUEST_URL")
        .map_err(AmbientError::Request)?;
    sigil_core::json::parse(&body)
        .ok()
        .and_then(|v| v["value"].as_str().map(str::to_owned))
        .filter(|v| !v.is_empty())
        .ok_or(AmbientError::Malformed)
}

/// Signs every item of `what` in one session (one key, one certificate) and returns the
/// verified bundles in order; nothing is returned unless all succeeded.
pub fn sign_all(
    opts: &KeylessOptions,
    services: &Services,
    root: &TrustRoot,
    token: &IdentityToken,
    what: &[ToSign<'_>],
    now: i64,
) -> Result<Vec<Signed>, KeylessError> {
    let mut transport = HttpTransport::new(opts).map_err(|source| KeylessError::Service {
        service: Service::Fulcio,
        source,
    })?;
    let mut rng = rand_core::OsRng;
    let mut session = Session::start(&mut transport, services, root, token, &mut rng, now)?;
    let mut out = Vec::with_capacity(what.len());
    for w in what {
        let mut nonce = [0u8; 8];
        rand_core::RngCore::fill_bytes(&mut rng, &mut nonce);
        out.push(session.sign(*w, nonce)?);
    }
    Ok(out)
}
