//! OIDC identity tokens: read (never verified here: Fulcio verifies the signature), to learn
//! which identity and issuer the certificate must name and whether the token has expired.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use serde_json::Value;

/// GitHub Actions' OIDC issuer.
pub const GITHUB_ACTIONS_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// GitLab.com's OIDC issuer.
pub const GITLAB_ISSUER: &str = "https://gitlab.com";

/// Largest token accepted (real tokens are a few KiB).
pub const MAX_TOKEN: usize = 64 * 1024;

/// Why a token cannot be used. No variant carries any byte of the token.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// Not three base64url parts, or the claims are not a JSON object.
    #[error("identity token is malformed: {0}")]
    Malformed(&'static str),
    /// A claim needed to know the identity is missing.
    #[error("identity token has no {0} claim")]
    MissingClaim(&'static str),
    /// `exp` has passed.
    #[error("identity token expired at unix time {exp} (now {now})")]
    Expired {
        /// The token's `exp`.
        exp: i64,
        /// The time it was checked.
        now: i64,
    },
    /// `aud` does not include `sigstore`.
    #[error("identity token audience is not sigstore")]
    Audience,
}

/// An identity token: the raw JWT (never shown by `Debug` or errors) and what Fulcio will
/// certify from it.
#[derive(Clone)]
pub struct IdentityToken {
    raw: String,
    /// `iss`.
    pub issuer: String,
    /// The OIDC issuer the certificate must name (`iss`, or a federated connector's issuer).
    pub expected_issuer: String,
    /// The SAN the certificate must carry (workflow URI, email or subject).
    pub expected_identity: String,
    /// `sub`.
    pub subject: String,
    /// `exp`.
    pub expires: i64,
}

impl fmt::Debug for IdentityToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentityToken")
            .field("raw", &"[redacted]")
            .field("issuer", &self.issuer)
            .field("expected_identity", &self.expected_identity)
            .finish()
    }
}

fn text(claims: &Value, name: &str) -> Option<String> {
    claims[name]
        .as_str()
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The claims of a JWT, unverified.
pub fn claims(raw: &str) -> Result<Value, TokenError> {
    if raw.len() > MAX_TOKEN {
        return Err(TokenError::Malformed("longer than 64 KiB"));
    }
    let mut parts = raw.split('.');
    let (Some(_), Some(c), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed("not a JWT of three parts"));
    };
    let bytes = B64URL
        .decode(c.trim_end_matches('='))
        .map_err(|_| TokenError::Malformed("claims are not base64url"))?;
    let v: Value = sigil_core::json::parse(&bytes)
        .map_err(|_| TokenError::Malformed("claims are not JSON"))?;
    if !v.is_object() {
        return Err(TokenError::Malformed("claims are not a JSON object"));
    }
    Ok(v)
}

impl IdentityToken {
    /// Reads `raw` (surrounding whitespace ignored) and checks `aud` and `exp` against `now`.
    ///
    /// The identity the certificate must name follows Fulcio: GitHub Actions
    /// `https://github.com/{job_workflow_ref}`, GitLab `https://{ci_config_ref_uri}`, a verified
    /// `email`, else `sub`. The issuer is `iss`, or a federating issuer's connector
    /// (`federated_claims.connector_id`) when that is a URL.
    pub fn parse(raw: &str, now: i64) -> Result<Self, TokenError> {
        let raw = raw.trim();
        let c = claims(raw)?;
        let issuer = text(&c, "iss").ok_or(TokenError::MissingClaim("iss"))?;
        let subject = text(&c, "sub").ok_or(TokenError::MissingClaim("sub"))?;
        let aud_ok = match &c["aud"] {
            Value::String(a) => a == "sigstore",
            Value::Array(a) => a.iter().any(|v| v == "sigstore"),
            _ => false,
        };
        if !aud_ok {
            return Err(TokenError::Audience);
        }
        let expires = c["exp"].as_i64().ok_or(TokenError::MissingClaim("exp"))?;
        if expires <= now {
            return Err(TokenError::Expired { exp: expires, now });
        }
        let expected_identity = if issuer == GITHUB_ACTIONS_ISSUER {
            let r =
                text(&c, "job_workflow_ref").ok_or(TokenError::MissingClaim("job_workflow_ref"))?;
            format!("https://github.com/{r}")
        } else if issuer == GITLAB_ISSUER {
            let r = text(&c, "ci_config_ref_uri")
                .ok_or(TokenError::MissingClaim("ci_config_ref_uri"))?;
            format!("https://{r}")
        } else if let Some(e) = text(&c, "email") {
            e
        } else {
            subject.clone()
        };
        let expected_issuer = c["federated_claims"]["connector_id"]
            .as_str()
            .filter(|s| s.starts_with("https://"))
            .map_or_else(|| issuer.clone(), str::to_owned);
        Ok(IdentityToken {
            raw: raw.to_owned(),
            issuer,
            expected_issuer,
            expected_identity,
            subject,
            expires,
        })
    }

    /// The raw JWT, for the request to Fulcio only.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// Replaces every occurrence of the token in `text` (a service's message) with `[token]`.
    pub fn scrub(&self, text: &str) -> String {
        if self.raw.is_empty() {
            return text.to_owned();
        }
        text.replace(&self.raw, "[token]")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn jwt(claims: &Value) -> String {
        format!(
            "{}.{}.{}",
            B64URL.encode(br#"{"alg":"ES256"}"#),
            B64URL.encode(claims.to_string()),
            B64URL.encode(b"sig")
        )
    }

    #[test]
    fn github_token_names_the_workflow_and_issuer() {
        let t = jwt(&json!({
            "iss": GITHUB_ACTIONS_ISSUER, "sub": "repo:acme/w:ref:refs/tags/v1", "aud": "sigstore",
            "exp": 200, "job_workflow_ref": "acme/w/.github/workflows/release.yml@refs/tags/v1",
        }));
        let tok = IdentityToken::parse(&format!(" {t}\n"), 100).unwrap();
        assert_eq!(
            tok.expected_identity,
            "https://github.com/acme/w/.github/workflows/release.yml@refs/tags/v1"
        );
        assert_eq!(tok.expected_issuer, GITHUB_ACTIONS_ISSUER);
        assert_eq!(tok.expose(), t);
        assert!(!format!("{tok:?}").contains(&t));
        assert_eq!(tok.scrub(&format!("bad {t}!")), "bad [token]!");
    }

    #[test]
    fn email_gitlab_and_federated_tokens() {
        let e = jwt(
            &json!({"iss": "https://i", "sub": "x", "email": "a@b", "aud": ["sigstore"], "exp": 9,
            "federated_claims": {"connector_id": "https://accounts.google.com"}}),
        );
        let tok = IdentityToken::parse(&e, 1).unwrap();
        assert_eq!(tok.expected_identity, "a@b");
        assert_eq!(tok.expected_issuer, "https://accounts.google.com");
        let g = jwt(
            &json!({"iss": GITLAB_ISSUER, "sub": "project_path:a/b", "aud": "sigstore", "exp": 9,
            "ci_config_ref_uri": "gitlab.com/a/b//.gitlab-ci.yml@refs/heads/main"}),
        );
        assert_eq!(
            IdentityToken::parse(&g, 1).unwrap().expected_identity,
            "https://gitlab.com/a/b//.gitlab-ci.yml@refs/heads/main"
        );
    }

    #[test]
    fn bad_tokens_are_refused_without_echoing_them() {
        let ok = json!({"iss": "https://i", "sub": "s", "aud": "sigstore", "exp": 50});
        assert_eq!(
            IdentityToken::parse(&jwt(&ok), 50).unwrap_err(),
            TokenError::Expired { exp: 50, now: 50 }
        );
        let mut a = ok.clone();
        a["aud"] = json!("other");
        assert_eq!(
            IdentityToken::parse(&jwt(&a), 1).unwrap_err(),
            TokenError::Audience
        );
        let mut s = ok.clone();
        s.as_object_mut().unwrap().remove("sub");
        assert_eq!(
            IdentityToken::parse(&jwt(&s), 1).unwrap_err(),
            TokenError::MissingClaim("sub")
        );
        for bad in ["", "a.b", "a.b.c.d", "a.!!!.c", "a.bnVsbA.c"] {
            let e = IdentityToken::parse(bad, 1).unwrap_err();
            assert!(matches!(e, TokenError::Malformed(_)), "{bad}: {e}");
        }
    }
}
