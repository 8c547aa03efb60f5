//! The HTTP face of a [`TestSigstore`]: an OIDC issuer, Fulcio (`/api/v2/signingCert`), Rekor
//! v1 (`/api/v1/log/entries`, `/api/v1/log`) and an RFC 3161 TSA (`/api/v1/timestamp`), all on
//! one plain-HTTP port of 127.0.0.1, one thread per connection, `Connection: close`.
//!
//! ```
//! use sigil_test_sigstore::{Identity, Server, ServiceFault};
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = Server::start()?;
//! let id = Identity::github("acme/widget", ".github/workflows/release.yml", "refs/tags/v1.0.0");
//! let token = server.token(&id); // ES256 JWT with GitHub Actions-style claims
//! server.set_faults(&[ServiceFault::BadSet]); // the next log entries carry a bad SET
//! # let _ = token;
//! # Ok(())
//! # }
//! ```
//!
//! Fulcio trusts tokens signed by this server's OIDC key whatever their `iss` (an operator's
//! fixed issuer map), so GitHub Actions identities keep their real issuer URL.

use std::collections::BTreeMap;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use base64::Engine;
use p256::ecdsa::signature::hazmat::PrehashVerifier as _;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use x509_cert::der::{Decode, Encode};

use crate::x509::{oid, San};
use crate::{
    dsse_body, hashedrekord_body, pae, Error, Identity, LeafValidity, LogEntry, TestSigstore,
    TrustFiles, Urls, GITHUB_ACTIONS_ISSUER, IMPOSTOR_EMAIL, IMPOSTOR_URI,
};

/// Longest a [`ServiceFault::Stall`] sleeps, so tests always end.
pub const MAX_STALL: Duration = Duration::from_secs(30);

/// One of the services a server runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Service {
    /// OIDC discovery and JWKS.
    Oidc,
    /// Fulcio.
    Fulcio,
    /// Rekor.
    Rekor,
    /// The timestamp authority.
    Tsa,
}

/// A misbehaviour a running server shows until the faults are changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ServiceFault {
    /// Fulcio certifies a fresh key instead of the requester's.
    CertificateForAnotherKey,
    /// Fulcio names an impostor ([`IMPOSTOR_URI`], [`IMPOSTOR_EMAIL`]) instead of the token's
    /// subject.
    WrongIdentity,
    /// Fulcio issues a certificate whose validity ended ten minutes ago.
    ExpiredCertificate,
    /// Rekor logs another artifact digest (hashedrekord) or payload (dsse) than proposed.
    EntryForAnotherBody,
    /// Rekor's inclusion proof has its first hash altered.
    BadInclusionProof,
    /// Rekor's SET signs another integrated time than it reports.
    BadSet,
    /// The TSA stamps other bytes than it was asked to.
    BadTimestamp,
    /// The service answers HTTP 500.
    Http500(Service),
    /// The service sleeps this long (at most [`MAX_STALL`]) before answering.
    Stall(Service, Duration),
}

/// Why the server could not start or mint.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// Binding or configuring the socket failed.
    #[error("cannot listen on 127.0.0.1")]
    Bind(#[source] std::io::Error),
    /// The underlying Sigstore failed.
    #[error(transparent)]
    Sigstore(#[from] Error),
}

struct State {
    sigstore: Mutex<TestSigstore>,
    faults: Mutex<Vec<ServiceFault>>,
    oidc_key: p256::ecdsa::SigningKey,
    issuer: String,
    serial: Mutex<u64>,
}

/// A running test Sigstore on 127.0.0.1; it stops when dropped.
pub struct Server {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Arc<AtomicBool>,
    accept: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Server({})", self.addr)
    }
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Server {
    /// Starts the services on an ephemeral port of 127.0.0.1.
    pub fn start() -> Result<Server, ServeError> {
        Self::start_on(0)
    }

    /// Starts the services on `port` of 127.0.0.1 (0: ephemeral).
    pub fn start_on(port: u16) -> Result<Server, ServeError> {
        let listener = TcpListener::bind(("127.0.0.1", port)).map_err(ServeError::Bind)?;
        let addr = listener.local_addr().map_err(ServeError::Bind)?;
        let base = format!("http://{addr}");
        let urls = Urls {
            fulcio: base.clone(),
            rekor: base.clone(),
            ctfe: format!("{base}/ct"),
            oidc: base.clone(),
            tsa: format!("{base}/api/v1/timestamp"),
        };
        let sigstore = TestSigstore::new()?.with_urls(urls);
        let state = Arc::new(State {
            sigstore: Mutex::new(sigstore),
            faults: Mutex::new(Vec::new()),
            oidc_key: p256::ecdsa::SigningKey::random(&mut rand_core::OsRng),
            issuer: base,
            serial: Mutex::new(1),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let (st, sp) = (Arc::clone(&state), Arc::clone(&stop));
        let accept = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if sp.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(stream) = conn {
                    let st = Arc::clone(&st);
                    std::thread::spawn(move || handle(&st, stream));
                }
            }
        });
        Ok(Server {
            addr,
            state,
            stop,
            accept: Some(accept),
        })
    }

    /// `http://127.0.0.1:PORT`: the base of every service and the OIDC issuer of
    /// [`Server::token`] for non-GitHub identities.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The socket address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Replaces the active faults (an empty slice clears them).
    pub fn set_faults(&self, faults: &[ServiceFault]) {
        *lock(&self.state.faults) = faults.to_vec();
    }

    /// The underlying Sigstore (CA, logs, TSA), locked.
    pub fn sigstore(&self) -> MutexGuard<'_, TestSigstore> {
        lock(&self.state.sigstore)
    }

    /// Writes `trusted_root.json`, `signing_config.json` and `trust_config.json` naming this
    /// server's URLs into `dir`.
    pub fn write_trust_files(&self, dir: &Path) -> Result<TrustFiles, Error> {
        self.sigstore().write_trust_files(dir)
    }

    /// An identity token for `identity`, valid for ten minutes.
    pub fn token(&self, identity: &Identity) -> String {
        let now = unix_now();
        self.token_with(identity, now - 5, now + 600)
    }

    /// An identity token for `identity` with this `iat`/`nbf` and `exp`.
    pub fn token_with(&self, identity: &Identity, issued_at: i64, expires: i64) -> String {
        let mut claims = claims_for(identity, &self.state.issuer);
        claims["aud"] = json!("sigstore");
        claims["iat"] = json!(issued_at);
        claims["nbf"] = json!(issued_at);
        claims["exp"] = json!(expires);
        sign_jwt(&self.state.oidc_key, &claims)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

// ---------------------------------------------------------------------------------------
// OIDC

const KID: &str = "sigil-test-oidc";

fn sign_jwt(key: &p256::ecdsa::SigningKey, claims: &Value) -> String {
    let header = json!({ "alg": "ES256", "typ": "JWT", "kid": KID });
    let input = format!(
        "{}.{}",
        B64URL.encode(header.to_string()),
        B64URL.encode(claims.to_string())
    );
    let sig: p256::ecdsa::Signature = key.sign(input.as_bytes());
    format!("{input}.{}", B64URL.encode(sig.to_bytes()))
}

fn jwks(key: &p256::ecdsa::SigningKey) -> Value {
    let point = key.verifying_key().to_encoded_point(false);
    let (x, y) = (
        point.x().map(|x| B64URL.encode(x)).unwrap_or_default(),
        point.y().map(|y| B64URL.encode(y)).unwrap_or_default(),
    );
    json!({ "keys": [{ "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": KID, "x": x, "y": y }] })
}

/// Checks signature, audience and time window; returns the claims.
fn verify_jwt(key: &p256::ecdsa::VerifyingKey, token: &str) -> Result<Value, String> {
    let mut parts = token.trim().split('.');
    let (Some(h), Some(c), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("identity token is not a jwt".into());
    };
    let header: Value = B64URL
        .decode(h)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("identity token header is malformed")?;
    if header["alg"] != "ES256" {
        return Err("identity token algorithm is not es256".into());
    }
    let sig = B64URL
        .decode(s)
        .ok()
        .and_then(|b| p256::ecdsa::Signature::from_slice(&b).ok())
        .ok_or("identity token signature is malformed")?;
    key.verify(format!("{h}.{c}").as_bytes(), &sig)
        .map_err(|_| "identity token signature is invalid")?;
    let claims: Value = B64URL
        .decode(c)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or("identity token claims are malformed")?;
    let aud_ok = match &claims["aud"] {
        Value::String(a) => a == "sigstore",
        Value::Array(a) => a.iter().any(|v| v == "sigstore"),
        _ => false,
    };
    if !aud_ok {
        return Err("identity token audience is not sigstore".into());
    }
    let now = unix_now();
    let exp = claims["exp"].as_i64().ok_or("identity token has no exp")?;
    if exp <= now {
        return Err("identity token has expired".into());
    }
    if claims["nbf"].as_i64().is_some_and(|n| n > now + 60) {
        return Err("identity token is not yet valid".into());
    }
    Ok(claims)
}

fn ext<'a>(identity: &'a Identity, oid: &str) -> Option<&'a str> {
    identity
        .extensions
        .iter()
        .find(|(k, _)| k == oid)
        .map(|(_, v)| v.as_str())
}

/// GitHub Actions-style claims for an identity whose issuer is GitHub's and whose SAN is a
/// workflow URI; `sub`/`email` claims under the server's issuer otherwise.
fn claims_for(identity: &Identity, server_issuer: &str) -> Value {
    let san = identity.san.as_str();
    if identity.issuer == GITHUB_ACTIONS_ISSUER {
        let job_workflow_ref = san.strip_prefix("https://github.com/").unwrap_or(san);
        let repo = ext(identity, oid::GITHUB_WORKFLOW_REPOSITORY)
            .map(str::to_owned)
            .unwrap_or_else(|| {
                job_workflow_ref
                    .split('/')
                    .take(2)
                    .collect::<Vec<_>>()
                    .join("/")
            });
        let git_ref = ext(identity, oid::SOURCE_REPOSITORY_REF)
            .or_else(|| job_workflow_ref.rsplit_once('@').map(|(_, r)| r))
            .unwrap_or("");
        let sha = ext(identity, oid::SOURCE_REPOSITORY_DIGEST).unwrap_or("");
        let owner = repo.split('/').next().unwrap_or("");
        let mut c = json!({
            "iss": GITHUB_ACTIONS_ISSUER,
            "sub": format!("repo:{repo}:ref:{git_ref}"),
            "repository": repo,
            "repository_owner": owner,
            "job_workflow_ref": job_workflow_ref,
            "job_workflow_sha": ext(identity, oid::BUILD_SIGNER_DIGEST).unwrap_or(sha),
            "workflow_ref": ext(identity, oid::BUILD_CONFIG_URI)
                .and_then(|u| u.strip_prefix("https://github.com/"))
                .unwrap_or(job_workflow_ref),
            "workflow_sha": ext(identity, oid::BUILD_CONFIG_DIGEST).unwrap_or(sha),
            "workflow": ext(identity, oid::GITHUB_WORKFLOW_NAME).unwrap_or(""),
            "ref": git_ref,
            "sha": sha,
            "event_name": ext(identity, oid::BUILD_TRIGGER).unwrap_or("push"),
            "runner_environment": ext(identity, oid::RUNNER_ENVIRONMENT).unwrap_or("github-hosted"),
            "repository_id": ext(identity, oid::SOURCE_REPOSITORY_IDENTIFIER).unwrap_or(""),
            "repository_owner_id": ext(identity, oid::SOURCE_REPOSITORY_OWNER_IDENTIFIER).unwrap_or(""),
            "repository_visibility": ext(identity, oid::SOURCE_REPOSITORY_VISIBILITY).unwrap_or(""),
            "run_id": "1",
            "run_attempt": "1",
        });
        if let Some(uri) = ext(identity, oid::RUN_INVOCATION_URI) {
            if let Some((run, attempt)) = uri
                .split_once("/actions/runs/")
                .and_then(|(_, r)| r.split_once("/attempts/"))
            {
                c["run_id"] = json!(run);
                c["run_attempt"] = json!(attempt);
            }
        }
        c
    } else {
        let issuer = if identity.issuer.is_empty() {
            server_issuer
        } else {
            &identity.issuer
        };
        match &identity.san {
            San::Email(e) => json!({ "iss": issuer, "sub": e, "email": e, "email_verified": true }),
            San::Uri(u) => json!({ "iss": issuer, "sub": u }),
        }
    }
}

/// What Fulcio certifies for verified claims: the SAN and the Sigstore extensions.
pub(crate) fn identity_from_claims(claims: &Value) -> Result<Identity, String> {
    let s = |k: &str| claims[k].as_str().unwrap_or("").to_owned();
    let iss = s("iss");
    if iss.is_empty() {
        return Err("identity token has no iss".into());
    }
    if iss == GITHUB_ACTIONS_ISSUER {
        let jwr = s("job_workflow_ref");
        if jwr.is_empty() {
            return Err("identity token has no job_workflow_ref".into());
        }
        let gh = |p: &str| format!("https://github.com/{p}");
        let san = gh(&jwr);
        let mut id = Identity::uri(san.clone(), iss);
        let repo = s("repository");
        let pairs = [
            (oid::GITHUB_WORKFLOW_TRIGGER, s("event_name")),
            (oid::GITHUB_WORKFLOW_SHA, s("sha")),
            (oid::GITHUB_WORKFLOW_NAME, s("workflow")),
            (oid::GITHUB_WORKFLOW_REPOSITORY, repo.clone()),
            (oid::GITHUB_WORKFLOW_REF, s("ref")),
            (oid::BUILD_SIGNER_URI, san),
            (oid::BUILD_SIGNER_DIGEST, s("job_workflow_sha")),
            (oid::RUNNER_ENVIRONMENT, s("runner_environment")),
            (oid::SOURCE_REPOSITORY_URI, gh(&repo)),
            (oid::SOURCE_REPOSITORY_DIGEST, s("sha")),
            (oid::SOURCE_REPOSITORY_REF, s("ref")),
            (oid::SOURCE_REPOSITORY_IDENTIFIER, s("repository_id")),
            (oid::SOURCE_REPOSITORY_OWNER_URI, gh(&s("repository_owner"))),
            (
                oid::SOURCE_REPOSITORY_OWNER_IDENTIFIER,
                s("repository_owner_id"),
            ),
            (oid::BUILD_CONFIG_URI, gh(&s("workflow_ref"))),
            (oid::BUILD_CONFIG_DIGEST, s("workflow_sha")),
            (oid::BUILD_TRIGGER, s("event_name")),
            (
                oid::RUN_INVOCATION_URI,
                format!(
                    "{}/actions/runs/{}/attempts/{}",
                    gh(&repo),
                    s("run_id"),
                    s("run_attempt")
                ),
            ),
            (
                oid::SOURCE_REPOSITORY_VISIBILITY,
                s("repository_visibility"),
            ),
        ];
        for (k, v) in pairs {
            if !v.is_empty() {
                id.extensions.push((k.to_owned(), v));
            }
        }
        Ok(id)
    } else if claims["email"].is_string() {
        if claims["email_verified"] != json!(true) {
            return Err("identity token email is not verified".into());
        }
        Ok(Identity::email(s("email"), iss))
    } else {
        let sub = s("sub");
        if sub.is_empty() {
            return Err("identity token has no sub".into());
        }
        Ok(Identity::uri(sub, iss))
    }
}

// ---------------------------------------------------------------------------------------
// HTTP

struct Request {
    method: String,
    path: String,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

struct Response {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
}

impl Response {
    fn json(status: u16, v: &Value) -> Self {
        Response {
            status,
            content_type: "application/json",
            body: v.to_string().into_bytes(),
        }
    }
    fn error(status: u16, msg: impl Into<String>) -> Self {
        Self::json(status, &json!({ "code": status, "message": msg.into() }))
    }
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut r = BufReader::new(stream);
    let mut line = String::new();
    r.read_line(&mut line).ok()?;
    let mut it = line.split_whitespace();
    let (method, path) = (it.next()?.to_owned(), it.next()?.to_owned());
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        if r.read_line(&mut h).ok()? == 0 {
            break;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let len: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    if len > 16 << 20 {
        return None;
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

fn handle(state: &State, mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let Some(req) = read_request(&stream) else {
        return;
    };
    let resp = route(state, &req);
    let reason = match resp.status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        _ => "Error",
    };
    let head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        resp.status,
        resp.content_type,
        resp.body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&resp.body);
    let _ = stream.flush();
}

fn route(state: &State, req: &Request) -> Response {
    let path = req.path.split('?').next().unwrap_or("");
    let service = match path {
        "/.well-known/openid-configuration" | "/jwks" => Service::Oidc,
        "/api/v2/signingCert" => Service::Fulcio,
        "/api/v1/timestamp" | "/api/v1/timestamp/certchain" => Service::Tsa,
        p if p.starts_with("/api/v1/log") => Service::Rekor,
        _ => return Response::error(404, "not found"),
    };
    let faults = lock(&state.faults).clone();
    for f in &faults {
        match *f {
            ServiceFault::Stall(s, d) if s == service => std::thread::sleep(d.min(MAX_STALL)),
            ServiceFault::Http500(s) if s == service => {
                return Response::error(500, "injected fault")
            }
            _ => {}
        }
    }
    match (req.method.as_str(), path) {
        ("GET", "/.well-known/openid-configuration") => Response::json(
            200,
            &json!({
                "issuer": state.issuer,
                "jwks_uri": format!("{}/jwks", state.issuer),
                "authorization_endpoint": format!("{}/auth", state.issuer),
                "token_endpoint": format!("{}/token", state.issuer),
                "response_types_supported": ["id_token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["ES256"],
            }),
        ),
        ("GET", "/jwks") => Response::json(200, &jwks(&state.oidc_key)),
        ("POST", "/api/v2/signingCert") => {
            fulcio(state, req, &faults).unwrap_or_else(|(s, m)| Response::error(s, m))
        }
        ("POST", "/api/v1/log/entries") => {
            rekor(state, req, &faults).unwrap_or_else(|(s, m)| Response::error(s, m))
        }
        ("GET", "/api/v1/log") => {
            let ss = lock(&state.sigstore);
            let r = ss.rekor();
            Response::json(
                200,
                &json!({
                    "treeSize": r.size(),
                    "rootHash": crate::log::hex(&r.current_root()),
                    "signedTreeHead": r.checkpoint(r.size(), &r.current_root()),
                    "treeID": "1",
                }),
            )
        }
        ("GET", "/api/v1/log/publicKey") => Response {
            status: 200,
            content_type: "application/x-pem-file",
            body: crate::pem("PUBLIC KEY", lock(&state.sigstore).rekor().spki_der()).into_bytes(),
        },
        ("POST", "/api/v1/timestamp") => {
            tsa(state, req, &faults).unwrap_or_else(|(s, m)| Response::error(s, m))
        }
        ("GET", "/api/v1/timestamp/certchain") => {
            let chain: String = lock(&state.sigstore)
                .tsa()
                .chain_der()
                .iter()
                .map(|d| crate::pem("CERTIFICATE", d))
                .collect();
            Response {
                status: 200,
                content_type: "application/pem-certificate-chain",
                body: chain.into_bytes(),
            }
        }
        _ => Response::error(405, "method not allowed"),
    }
}

type Handled = Result<Response, (u16, String)>;

fn bad(msg: impl Into<String>) -> (u16, String) {
    (400, msg.into())
}

fn pem_der(pem: &str) -> Option<Vec<u8>> {
    let b64: String = pem
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .map(str::trim)
        .collect();
    B64.decode(b64).ok()
}

fn p256_key_from_spki(spki_der: &[u8]) -> Option<p256::ecdsa::VerifyingKey> {
    let spki = x509_cert::spki::SubjectPublicKeyInfoOwned::from_der(spki_der).ok()?;
    p256::ecdsa::VerifyingKey::from_sec1_bytes(spki.subject_public_key.raw_bytes()).ok()
}

fn cert_key(cert_der: &[u8]) -> Option<p256::ecdsa::VerifyingKey> {
    let cert = x509_cert::Certificate::from_der(cert_der).ok()?;
    let spki = cert.tbs_certificate.subject_public_key_info.to_der().ok()?;
    p256_key_from_spki(&spki)
}

// ---------------------------------------------------------------------------------------
// Fulcio

fn fulcio(state: &State, req: &Request, faults: &[ServiceFault]) -> Handled {
    let body: Value = serde_json::from_slice(&req.body).map_err(|_| bad("body is not json"))?;
    let bearer = req
        .headers
        .get("authorization")
        .and_then(|a| a.strip_prefix("Bearer "))
        .map(str::to_owned);
    let token = body["credentials"]["oidcIdentityToken"]
        .as_str()
        .map(str::to_owned)
        .or(bearer)
        .ok_or((401, "no identity token".to_owned()))?;
    let claims = verify_jwt(state.oidc_key.verifying_key(), &token).map_err(|m| (401, m))?;
    let key = if let Some(csr_b64) = body["certificateSigningRequest"].as_str() {
        // The CSR is base64 of its PEM; its self-signature is the proof of possession.
        let pem = B64
            .decode(csr_b64)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| bad("certificate signing request is not base64 pem"))?;
        let der = pem_der(&pem).ok_or_else(|| bad("certificate signing request is not pem"))?;
        let csr = x509_cert::request::CertReq::from_der(&der)
            .map_err(|_| bad("certificate signing request is malformed"))?;
        let spki = csr
            .info
            .public_key
            .to_der()
            .map_err(|_| bad("csr key is malformed"))?;
        let key = p256_key_from_spki(&spki).ok_or_else(|| bad("csr key is not p-256"))?;
        let info = csr.info.to_der().map_err(|_| bad("csr is malformed"))?;
        let sig = p256::ecdsa::Signature::from_der(csr.signature.raw_bytes())
            .map_err(|_| bad("csr signature is malformed"))?;
        key.verify(&info, &sig)
            .map_err(|_| bad("csr signature is invalid"))?;
        key
    } else {
        let pk = &body["publicKeyRequest"];
        let pem = pk["publicKey"]["content"]
            .as_str()
            .ok_or_else(|| bad("no public key"))?;
        let key = pem_der(pem)
            .and_then(|d| p256_key_from_spki(&d))
            .ok_or_else(|| bad("public key is not a p-256 spki pem"))?;
        let pop = pk["proofOfPossession"]
            .as_str()
            .and_then(|p| B64.decode(p).ok())
            .and_then(|p| p256::ecdsa::Signature::from_der(&p).ok())
            .ok_or_else(|| bad("proof of possession is malformed"))?;
        let sub = claims["sub"].as_str().unwrap_or("");
        key.verify(sub.as_bytes(), &pop)
            .map_err(|_| bad("proof of possession is invalid"))?;
        key
    };
    let mut identity = identity_from_claims(&claims).map_err(|m| (401, m))?;
    if faults.contains(&ServiceFault::WrongIdentity) {
        identity.san = match identity.san {
            San::Uri(_) => San::Uri(IMPOSTOR_URI.to_owned()),
            San::Email(_) => San::Email(IMPOSTOR_EMAIL.to_owned()),
        };
    }
    let other = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
    let certified = if faults.contains(&ServiceFault::CertificateForAnotherKey) {
        other.verifying_key()
    } else {
        &key
    };
    let now = unix_now();
    let validity = if faults.contains(&ServiceFault::ExpiredCertificate) {
        LeafValidity {
            not_before: now - 1200,
            not_after: now - 600,
        }
    } else {
        LeafValidity {
            not_before: now,
            not_after: now + 600,
        }
    };
    let ss = lock(&state.sigstore);
    let leaf = ss
        .ca()
        .issue(certified, &identity, validity, Some(ss.ct()))
        .map_err(|e| (500, e.to_string()))?;
    let chain: Vec<String> = std::iter::once(leaf)
        .chain(ss.ca().chain_der())
        .map(|d| crate::pem("CERTIFICATE", &d))
        .collect();
    Ok(Response::json(
        201,
        &json!({ "signedCertificateEmbeddedSct": { "chain": { "certificates": chain } } }),
    ))
}

// ---------------------------------------------------------------------------------------
// Rekor

fn b64_field(v: &Value, what: &str) -> Result<Vec<u8>, (u16, String)> {
    v.as_str()
        .and_then(|s| B64.decode(s).ok())
        .ok_or_else(|| bad(format!("{what} is not base64")))
}

fn cert_from_b64_pem(v: &Value) -> Result<(Vec<u8>, p256::ecdsa::VerifyingKey), (u16, String)> {
    let pem = b64_field(v, "public key")?;
    let der = pem_der(&String::from_utf8_lossy(&pem))
        .ok_or_else(|| bad("public key is not a pem certificate"))?;
    let key = cert_key(&der).ok_or_else(|| bad("certificate has no p-256 key"))?;
    Ok((der, key))
}

fn rekor(state: &State, req: &Request, faults: &[ServiceFault]) -> Handled {
    let p: Value = serde_json::from_slice(&req.body).map_err(|_| bad("body is not json"))?;
    if p["apiVersion"] != "0.0.1" {
        return Err(bad("unsupported apiVersion"));
    }
    let spec = &p["spec"];
    let (kind, body, other) = match p["kind"].as_str() {
        Some("hashedrekord") => {
            let sig = b64_field(&spec["signature"]["content"], "signature")?;
            let (cert, key) = cert_from_b64_pem(&spec["signature"]["publicKey"]["content"])?;
            if spec["data"]["hash"]["algorithm"] != "sha256" {
                return Err(bad("unsupported hash algorithm"));
            }
            let digest: [u8; 32] = spec["data"]["hash"]["value"]
                .as_str()
                .and_then(unhex)
                .and_then(|d| d.try_into().ok())
                .ok_or_else(|| bad("hash is not 32 bytes of hex"))?;
            let s = p256::ecdsa::Signature::from_der(&sig)
                .map_err(|_| bad("signature is malformed"))?;
            key.verify_prehash(&digest, &s)
                .map_err(|_| bad("signature does not verify against the certificate"))?;
            let mut o = digest;
            o[0] ^= 0xff;
            (
                "hashedrekord",
                hashedrekord_body(&digest, &sig, &cert),
                hashedrekord_body(&o, &sig, &cert),
            )
        }
        Some("dsse") => {
            let env_text = spec["proposedContent"]["envelope"]
                .as_str()
                .ok_or_else(|| bad("no envelope"))?;
            let env: Value =
                serde_json::from_str(env_text).map_err(|_| bad("envelope is not json"))?;
            let (cert, key) = cert_from_b64_pem(&spec["proposedContent"]["verifiers"][0])?;
            let payload = b64_field(&env["payload"], "payload")?;
            let ptype = env["payloadType"].as_str().unwrap_or("");
            let sig = b64_field(&env["signatures"][0]["sig"], "signature")?;
            let s = p256::ecdsa::Signature::from_der(&sig)
                .map_err(|_| bad("signature is malformed"))?;
            key.verify(&pae(ptype, &payload), &s)
                .map_err(|_| bad("signature does not verify against the certificate"))?;
            let env_bytes = crate::log::canonical(&env);
            let mut o = payload.clone();
            o.push(b' ');
            (
                "dsse",
                dsse_body(&env_bytes, &payload, &sig, &cert),
                dsse_body(&env_bytes, &o, &sig, &cert),
            )
        }
        _ => return Err(bad("unsupported kind")),
    };
    let body = if faults.contains(&ServiceFault::EntryForAnotherBody) {
        other
    } else {
        body
    };
    let now = unix_now();
    let mut ss = lock(&state.sigstore);
    let mut e: LogEntry = ss.rekor_mut().append(kind, body, now);
    if faults.contains(&ServiceFault::BadInclusionProof) {
        if let Some(h) = e.hashes.first_mut() {
            h[0] ^= 1;
        }
    }
    if faults.contains(&ServiceFault::BadSet) {
        e.set = ss.rekor().set(&e.body, now + 1, e.log_index);
    }
    let uuid = crate::log::hex(&crate::leaf_hash(&e.body));
    let entry = json!({
        "body": B64.encode(&e.body),
        "integratedTime": e.integrated_time,
        "logID": crate::log::hex(&e.log_id),
        "logIndex": e.log_index,
        "verification": {
            "signedEntryTimestamp": B64.encode(&e.set),
            "inclusionProof": {
                "checkpoint": e.checkpoint,
                "hashes": e.hashes.iter().map(|h| crate::log::hex(h)).collect::<Vec<_>>(),
                "logIndex": e.log_index,
                "rootHash": crate::log::hex(&e.root_hash),
                "treeSize": e.tree_size,
            },
        },
    });
    Ok(Response::json(201, &json!({ uuid: entry })))
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

// ---------------------------------------------------------------------------------------
// TSA

/// One DER TLV: (tag, header+content bytes, content bytes, rest).
type Tlv<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

fn der_tlv(b: &[u8]) -> Option<Tlv<'_>> {
    let tag = *b.first()?;
    let l0 = *b.get(1)? as usize;
    let (len, hl) = if l0 < 0x80 {
        (l0, 2)
    } else {
        let n = l0 & 0x7f;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = len << 8 | *b.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = hl.checked_add(len)?;
    Some((tag, b.get(..end)?, b.get(hl..end)?, b.get(end..)?))
}

/// The SHA-256 imprint and the nonce (whole DER INTEGER) of a `TimeStampReq`.
pub fn parse_timestamp_request(der: &[u8]) -> Option<([u8; 32], Option<Vec<u8>>)> {
    let (0x30, _, req, _) = der_tlv(der)? else {
        return None;
    };
    let (0x02, _, _, rest) = der_tlv(req)? else {
        return None;
    };
    let (0x30, _, imprint, mut rest) = der_tlv(rest)? else {
        return None;
    };
    let (0x30, alg, _, after_alg) = der_tlv(imprint)? else {
        return None;
    };
    let sha256_oid = [
        0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
    ];
    if !alg.windows(sha256_oid.len()).any(|w| w == sha256_oid) {
        return None;
    }
    let (0x04, _, digest, _) = der_tlv(after_alg)? else {
        return None;
    };
    let digest: [u8; 32] = digest.try_into().ok()?;
    let mut nonce = None;
    while !rest.is_empty() {
        let (tag, whole, _, r) = der_tlv(rest)?;
        if tag == 0x02 {
            nonce = Some(whole.to_vec());
        }
        rest = r;
    }
    Some((digest, nonce))
}

fn tsa(state: &State, req: &Request, faults: &[ServiceFault]) -> Handled {
    let (mut digest, nonce) =
        parse_timestamp_request(&req.body).ok_or_else(|| bad("not a sha-256 timestamp request"))?;
    if faults.contains(&ServiceFault::BadTimestamp) {
        digest = Sha256::digest(digest).into();
    }
    let serial = {
        let mut s = lock(&state.serial);
        *s += 1;
        *s
    };
    let resp = lock(&state.sigstore)
        .tsa()
        .timestamp_digest(&digest, nonce.as_deref(), unix_now(), serial)
        .map_err(|e| (500, e.to_string()))?;
    Ok(Response {
        status: 200,
        content_type: "application/timestamp-reply",
        body: resp,
    })
}
