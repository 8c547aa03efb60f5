//! The network side of keyless signing: HTTPS to Fulcio, Rekor and timestamp authorities for
//! [`sigil_sigstore::sign::Session`] (plain `http://` only to loopback IP addresses with
//! `insecure_allow_http`, as for downloads), and GitHub Actions' ambient identity token.
//!
//! The protocol, every check on the answers and the verification of the finished bundle are in
//! `sigil-sigstore`; this module only moves bytes, with timeouts and size limits, no
//! redirects, and no proxy for loopback.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sigil_sigstore::sign::{ConfigError, TokenError};
use sigil_sigstore::sign::{
    IdentityToken, KeylessError, Service, Services, Session, Signed, ToSign, Transport,
    TransportError,
};
use sigil_sigstore::{Matcher, PatternError, SignerPolicy, TrustRoot, TrustRootError};

use sigil_tuf::trust::Instance;

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

/// Everything keyless signing needs, chosen by [`prepare`]: the token, the services, the
/// trusted root every new bundle is verified against, the transport options and the time.
pub struct Prepared {
    /// The identity token (its `Debug` is redacted).
    pub token: IdentityToken,
    /// Fulcio, Rekor and TSA URLs.
    pub services: Services,
    /// The trusted root for the verification before a bundle is returned.
    pub root: TrustRoot,
    /// Transport settings.
    pub opts: KeylessOptions,
    /// Unix time of the checks.
    pub now: i64,
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared")
            .field("token", &self.token)
            .field("services", &self.services)
            .finish_non_exhaustive()
    }
}

/// What the signing flags ask for.
#[derive(Debug, Clone, Default)]
pub struct SetupRequest<'a> {
    /// `--identity-token` (`@FILE` reads a file).
    pub identity_token: Option<&'a str>,
    /// `--signing-config`.
    pub signing_config: Option<&'a Path>,
    /// `--trusted-root`.
    pub trusted_root: Option<&'a Path>,
    /// `--staging`.
    pub staging: bool,
    /// Transport settings.
    pub opts: KeylessOptions,
}

/// Chooses services and trust and finds the token ([`services`], [`trust_root`],
/// [`identity_token`]), at the system clock's time.
pub fn prepare(
    req: &SetupRequest<'_>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Prepared, SetupError> {
    let now = unix_now();
    let services = services(req.signing_config, req.staging, now)?;
    let root = trust_root(req.trusted_root, req.staging)?;
    let token = identity_token(req.identity_token, env, &req.opts, now)?;
    Ok(Prepared {
        token,
        services,
        root,
        opts: req.opts.clone(),
        now,
    })
}

impl Prepared {
    fn transport(&self) -> Result<HttpTransport, KeylessError> {
        HttpTransport::new(&self.opts).map_err(|source| KeylessError::Service {
            service: Service::Fulcio,
            source,
        })
    }

    /// Signs every item of `what` in one session (one key, one certificate) and returns the
    /// verified bundles in order; nothing is returned unless all succeeded.
    pub fn sign(&self, what: &[ToSign<'_>]) -> Result<Vec<Signed>, KeylessError> {
        let mut transport = self.transport()?;
        let session = self.start(&mut transport);
        sign_each(session?, what)
    }

    fn start<'a>(
        &'a self,
        transport: &'a mut HttpTransport,
    ) -> Result<Session<'a, HttpTransport>, KeylessError> {
        let mut rng = rand_core::OsRng;
        Session::start(
            transport,
            &self.services,
            &self.root,
            &self.token,
            &mut rng,
            self.now,
        )
    }

    /// Message signatures over the digests `hash` computes: key generation and the Fulcio
    /// round trip run on a second thread while `hash` reads and hashes on this one. The outer
    /// `Err` is `hash`'s; the inner one a signing failure.
    pub fn sign_digests<E>(
        &self,
        hash: impl FnOnce() -> Result<Vec<[u8; 32]>, E>,
    ) -> Result<Result<Vec<Signed>, KeylessError>, E> {
        let mut transport = match self.transport() {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        std::thread::scope(|s| {
            let started = s.spawn(|| self.start(&mut transport));
            let digests = hash();
            let session = started
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            let digests = digests?;
            let what: Vec<ToSign<'_>> = digests.into_iter().map(ToSign::Digest).collect();
            Ok(session.and_then(|session| sign_each(session, &what)))
        })
    }
}

/// Why a pack was not signed keyless.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackSignError {
    /// The pack was refused or could not be read or written.
    #[error(transparent)]
    Pack(sigil_pack::SignError),
    /// Signing failed; nothing was written.
    #[error(transparent)]
    Keyless(KeylessError),
}

impl Prepared {
    /// `pack sign --keyless`: the pack's checks ([`sigil_pack::check_dir`]), one DSSE bundle
    /// over the pack statement (subject: the manifest), verified, then the manifest and the
    /// bundle written.
    pub fn sign_pack(
        &self,
        dir: &Path,
        opts: &sigil_pack::SignOptions<'_>,
    ) -> Result<sigil_pack::SignedPack, PackSignError> {
        let u = sigil_pack::check_dir(dir, opts).map_err(PackSignError::Pack)?;
        let statement = sigil_pack::keyless::statement(u.manifest.as_bytes(), &u.comment);
        let what = [ToSign::Dsse {
            payload_type: sigil_sigstore::sign::IN_TOTO,
            payload: &statement,
            subject: sigil_core::Sha256Digest::of(u.manifest.as_bytes()).0,
        }];
        let mut signed = self.sign(&what).map_err(PackSignError::Keyless)?;
        let s = signed.remove(0);
        sigil_pack::keyless::write_keyless(dir, u, &s.bundle, &s.identity, &s.issuer)
            .map_err(PackSignError::Pack)
    }
}

fn sign_each(
    mut session: Session<'_, HttpTransport>,
    what: &[ToSign<'_>],
) -> Result<Vec<Signed>, KeylessError> {
    let mut rng = rand_core::OsRng;
    let mut out = Vec::with_capacity(what.len());
    for w in what {
        let mut nonce = [0u8; 8];
        rand_core::RngCore::fill_bytes(&mut rng, &mut nonce);
        out.push(session.sign(*w, nonce)?);
    }
    Ok(out)
}

/// The system clock in unix seconds, for token and certificate checks (0 before 1970).
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Largest token, signing config or trusted root file read.
pub const MAX_SETUP_FILE: u64 = 8 * 1024 * 1024;

/// Where the three token sources are named, for hints.
pub const TOKEN_SOURCES: &str = "pass --identity-token TOKEN (or @FILE), set SIGSTORE_ID_TOKEN, or run in GitHub Actions with `permissions: id-token: write` (ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN)";

/// Why keyless signing or verification cannot start: a setup problem (exit 2), never a
/// verdict. No variant carries the token.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// A file could not be read.
    #[error("{}: {reason}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The signing config is not a usable SigningConfig v0.2.
    #[error("{}: {source}", path.display())]
    SigningConfig {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: ConfigError,
    },
    /// The trusted root does not load.
    #[error("{}{source}", path.as_ref().map(|p| format!("{}: ", p.display())).unwrap_or_default())]
    TrustRoot {
        /// The file, unless embedded.
        path: Option<PathBuf>,
        /// Why.
        #[source]
        source: TrustRootError,
    },
    /// No token source is present.
    #[error("keyless signing needs an OIDC identity token")]
    NoToken,
    /// GitHub Actions' ambient token could not be had.
    #[error(transparent)]
    Ambient(AmbientError),
    /// The token cannot be used.
    #[error(transparent)]
    Token(TokenError),
    /// An identity flag is missing.
    #[error("a keyless bundle needs the expected {}", missing_what(flag))]
    MissingIdentity {
        /// The flag, without `--` and `-regexp`.
        flag: &'static str,
        /// Whether the command also verifies managed-key bundles (`--key PEM`), for the hint.
        or_managed_key: bool,
    },
    /// An identity pattern does not compile.
    #[error(transparent)]
    Pattern(PatternError),
}

impl SetupError {
    /// A hint for people, where the fix is clear.
    pub fn hint(&self) -> Option<String> {
        match self {
            SetupError::SigningConfig { .. } => Some("pass a Sigstore SigningConfig v0.2 (media type application/vnd.dev.sigstore.signingconfig.v0.2+json)".into()),
            SetupError::NoToken => Some(TOKEN_SOURCES.into()),
            SetupError::Ambient(_) => Some("the workflow job needs `permissions: id-token: write`".into()),
            SetupError::Token(_) => Some(format!("get a fresh token with audience sigstore; {TOKEN_SOURCES}")),
            SetupError::MissingIdentity { flag, or_managed_key } => {
                let managed = if *or_managed_key { " (or --key PEM for a managed-key bundle)" } else { "" };
                Some(format!("pass --{flag} or --{flag}-regexp{managed}"))
            }
            _ => None,
        }
    }
}

fn read_setup_file(path: &Path) -> Result<String, SetupError> {
    let read = || -> std::io::Result<String> {
        let (f, _) = sigil_core::input::open(path)?;
        let mut buf = Vec::new();
        f.take(MAX_SETUP_FILE + 1).read_to_end(&mut buf)?;
        if buf.len() as u64 > MAX_SETUP_FILE {
            return Err(std::io::Error::other("larger than 8 MiB"));
        }
        String::from_utf8(buf).map_err(|_| std::io::Error::other("not UTF-8 text"))
    };
    read().map_err(|e| SetupError::Read {
        path: path.to_owned(),
        reason: sigil_core::error::chain(&e),
    })
}

/// The services to sign with: a SigningConfig v0.2 file (its services valid at `now`), else
/// the staging or the public-good instance.
pub fn services(
    signing_config: Option<&Path>,
    staging: bool,
    now: i64,
) -> Result<Services, SetupError> {
    match (signing_config, staging) {
        (Some(p), _) => sigil_sigstore::sign::config::select(read_setup_file(p)?.as_bytes(), now)
            .map_err(|source| SetupError::SigningConfig {
                path: p.to_owned(),
                source,
            }),
        (None, true) => Ok(Services::staging()),
        (None, false) => Ok(Services::public_good()),
    }
}

/// The trusted root: a `trusted_root.json` file, else the embedded staging or public-good
/// root.
pub fn trust_root(file: Option<&Path>, staging: bool) -> Result<TrustRoot, SetupError> {
    choose_root(file, staging, embedded_root)
}

/// The trusted root verification flags choose, the one place that choice is made: a
/// `trusted_root.json` file (`--trusted-root`), else the root of the staging (`--staging`) or
/// public-good instance from `instance` ([`embedded_root`], or one kept fresh through TUF).
pub fn choose_root<E: From<SetupError>>(
    file: Option<&Path>,
    staging: bool,
    instance: impl FnOnce(Instance) -> Result<TrustRoot, E>,
) -> Result<TrustRoot, E> {
    let Some(p) = file else {
        return instance(if staging {
            Instance::Staging
        } else {
            Instance::PublicGood
        });
    };
    let source = |source| SetupError::TrustRoot {
        path: Some(p.to_owned()),
        source,
    };
    Ok(TrustRoot::from_json(&read_setup_file(p)?).map_err(source)?)
}

/// The embedded root of the staging instance, else of the public-good one.
pub fn embedded_root(instance: Instance) -> Result<TrustRoot, SetupError> {
    let loaded = match instance {
        Instance::Staging => TrustRoot::staging(),
        _ => TrustRoot::public_good(),
    };
    loaded.map_err(|source| SetupError::TrustRoot { path: None, source })
}

/// The identity token, from the first source present: `flag` (`@FILE` reads a file),
/// `SIGSTORE_ID_TOKEN`, then GitHub Actions' ambient credentials
/// (`ACTIONS_ID_TOKEN_REQUEST_URL` and `ACTIONS_ID_TOKEN_REQUEST_TOKEN`). `env` looks up the
/// environment (`std::env::var(..).ok()` in the CLI); the token is checked at `now`.
pub fn identity_token(
    flag: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    opts: &KeylessOptions,
    now: i64,
) -> Result<IdentityToken, SetupError> {
    let var = |k: &str| env(k).filter(|v| !v.trim().is_empty());
    let raw = match (flag, var("SIGSTORE_ID_TOKEN")) {
        (Some(f), _) => match f.strip_prefix('@') {
            Some(path) => read_setup_file(Path::new(path))?,
            None => f.to_owned(),
        },
        (None, Some(t)) => t,
        (None, None) => match (
            var("ACTIONS_ID_TOKEN_REQUEST_URL"),
            var("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
        ) {
            (Some(url), Some(bearer)) => {
                github_actions_token(&url, &bearer, opts).map_err(SetupError::Ambient)?
            }
            _ => return Err(SetupError::NoToken),
        },
    };
    IdentityToken::parse(&raw, now).map_err(SetupError::Token)
}

fn missing_what(flag: &str) -> &'static str {
    match flag {
        "certificate-identity" => "certificate identity",
        _ => "oidc issuer",
    }
}

/// The certificate identity flags of a verifying command (`--certificate-identity[-regexp]`,
/// `--certificate-oidc-issuer[-regexp]`) as given: the one place they become matchers and a
/// keyless [`SignerPolicy`].
#[derive(Debug, Clone, Copy, Default)]
pub struct IdentityFlags<'a> {
    /// The SAN, exactly.
    pub identity: Option<&'a str>,
    /// The SAN, as a regular expression.
    pub identity_regexp: Option<&'a str>,
    /// The OIDC issuer, exactly.
    pub issuer: Option<&'a str>,
    /// The OIDC issuer, as a regular expression.
    pub issuer_regexp: Option<&'a str>,
    /// Whether the command also verifies managed-key bundles (`--key PEM`), for the hint.
    pub or_managed_key: bool,
}

impl IdentityFlags<'_> {
    /// Whether any identity or issuer flag was given.
    pub fn given(&self) -> bool {
        [
            self.identity,
            self.identity_regexp,
            self.issuer,
            self.issuer_regexp,
        ]
        .iter()
        .any(Option::is_some)
    }

    /// The identity and issuer matchers given (an exact value over a pattern); either may be
    /// absent, for policies that default or delegate them.
    pub fn matchers(&self) -> Result<(Option<Matcher>, Option<Matcher>), SetupError> {
        let matcher = |exact: Option<&str>, re: Option<&str>| match (exact, re) {
            (Some(e), _) => Ok(Some(Matcher::exact(e))),
            (None, Some(r)) => Matcher::regex(r).map(Some).map_err(SetupError::Pattern),
            (None, None) => Ok(None),
        };
        Ok((
            matcher(self.identity, self.identity_regexp)?,
            matcher(self.issuer, self.issuer_regexp)?,
        ))
    }

    /// The keyless policy: the identity and the issuer, both required.
    pub fn keyless_policy(&self) -> Result<SignerPolicy, SetupError> {
        let (identity, issuer) = self.matchers()?;
        let missing = |flag| SetupError::MissingIdentity {
            flag,
            or_managed_key: self.or_managed_key,
        };
        Ok(SignerPolicy::Keyless {
            identity: identity.ok_or_else(|| missing("certificate-identity"))?,
            issuer: issuer.ok_or_else(|| missing("certificate-oidc-issuer"))?,
        })
    }
}

/// Setup problems are exit 2, with the error's hint.
impl From<SetupError> for sigil_core::report::Failure {
    fn from(e: SetupError) -> Self {
        let failure = Self::usage(Self::chain(&e));
        match e.hint() {
            Some(h) => failure.hint(h),
            None => failure,
        }
    }
}

#[cfg(test)]
mod setup_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const NOW: i64 = 1_700_000_000;

    /// An unsigned JWT for `sub`, valid at [`NOW`].
    fn jwt(sub: &str) -> String {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
        use base64::Engine as _;
        let claims = serde_json::json!({
            "iss": "https://oauth2.sigstore.dev/auth", "sub": sub, "email": sub,
            "email_verified": true, "aud": "sigstore", "exp": NOW + 600, "iat": NOW,
        });
        format!(
            "{}.{}.c2ln",
            B64.encode(br#"{"alg":"RS256"}"#),
            B64.encode(claims.to_string())
        )
    }

    fn check(flag: Option<&str>, env: &[(&str, &str)], expect: Result<&str, &str>) {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let lookup = move |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let got = identity_token(flag, &lookup, &KeylessOptions::default(), NOW);
        match (got, expect) {
            (Ok(t), Ok(sub)) => assert_eq!(t.subject, sub),
            (Err(e), Err(msg)) => assert_eq!(e.to_string(), msg),
            (got, want) => panic!("got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn the_flag_wins_over_the_environment() {
        let flag = jwt("flag@example.com");
        let env = jwt("env@example.com");
        check(
            Some(&flag),
            &[("SIGSTORE_ID_TOKEN", &env)],
            Ok("flag@example.com"),
        );
    }

    #[test]
    fn the_flag_reads_a_file_after_an_at_sign() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("token");
        std::fs::write(&p, jwt("file@example.com")).unwrap();
        check(
            Some(&format!("@{}", p.display())),
            &[],
            Ok("file@example.com"),
        );
    }

    #[test]
    fn sigstore_id_token_comes_before_github_actions() {
        let env = jwt("env@example.com");
        check(
            None,
            &[
                ("SIGSTORE_ID_TOKEN", &env),
                ("ACTIONS_ID_TOKEN_REQUEST_URL", "http://127.0.0.1:9/unused"),
                ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "bearer"),
            ],
            Ok("env@example.com"),
        );
    }

    #[test]
    fn blank_variables_and_half_of_the_actions_pair_are_no_token() {
        check(
            None,
            &[
                ("SIGSTORE_ID_TOKEN", "  "),
                ("ACTIONS_ID_TOKEN_REQUEST_URL", "http://127.0.0.1:9/x"),
            ],
            Err("keyless signing needs an OIDC identity token"),
        );
        assert!(SetupError::NoToken
            .hint()
            .unwrap()
            .contains("SIGSTORE_ID_TOKEN"));
    }

    #[test]
    fn a_malformed_token_is_refused_without_its_bytes() {
        check(
            Some("not-a-jwt-secret"),
            &[],
            Err("identity token is malformed: not a JWT of three parts"),
        );
    }

    #[test]
    fn services_and_roots_follow_the_flags() {
        assert_eq!(services(None, false, NOW).unwrap(), Services::public_good());
        assert_eq!(services(None, true, NOW).unwrap(), Services::staging());
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sc.json");
        std::fs::write(&p, "{}").unwrap();
        let e = services(Some(&p), true, NOW).unwrap_err();
        assert!(matches!(e, SetupError::SigningConfig { .. }), "{e}");
        assert!(e.hint().unwrap().contains("SigningConfig v0.2"));
        assert!(trust_root(None, false).is_ok());
        assert!(trust_root(None, true).is_ok());
        let e = trust_root(Some(&d.path().join("absent.json")), false).unwrap_err();
        assert!(e
            .to_string()
            .starts_with(&format!("{}: ", d.path().join("absent.json").display())));
    }

    #[test]
    fn identity_flags_need_one_of_each_and_fail_with_a_hint() {
        let flags = |identity, issuer_regexp, or_managed_key| IdentityFlags {
            identity,
            issuer_regexp,
            or_managed_key,
            ..IdentityFlags::default()
        };
        assert!(flags(Some("a"), Some("^https://"), false)
            .keyless_policy()
            .is_ok());
        assert!(!IdentityFlags::default().given());
        let failure = |f: IdentityFlags<'_>| {
            sigil_core::report::Failure::from(f.keyless_policy().unwrap_err())
        };
        let f = failure(flags(None, Some("i"), false));
        assert_eq!(f.kind, sigil_core::report::FailureKind::Usage);
        assert_eq!(
            f.message,
            "a keyless bundle needs the expected certificate identity"
        );
        assert_eq!(
            f.hint.as_deref(),
            Some("pass --certificate-identity or --certificate-identity-regexp")
        );
        let f = failure(flags(Some("a"), None, true));
        assert_eq!(f.message, "a keyless bundle needs the expected oidc issuer");
        let hint = "pass --certificate-oidc-issuer or --certificate-oidc-issuer-regexp (or --key PEM for a managed-key bundle)";
        assert_eq!(f.hint.as_deref(), Some(hint));
        let bad = IdentityFlags {
            identity_regexp: Some("("),
            ..IdentityFlags::default()
        };
        assert!(matches!(bad.matchers(), Err(SetupError::Pattern(_))));
        let none = IdentityFlags {
            issuer: Some("o"),
            ..IdentityFlags::default()
        }
        .matchers()
        .unwrap();
        assert!(none.0.is_none() && none.1.is_some());
    }
}
