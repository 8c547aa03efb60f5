//! Sigstore `SigningConfig` v0.2: which Fulcio, Rekor and TSA to use, chosen by validity
//! window and API version at the time passed in.

use serde_json::Value;

/// Media type of a v0.2 signing config.
pub const SIGNING_CONFIG_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.signingconfig.v0.2+json";

/// Largest signing config read.
pub const MAX_SIGNING_CONFIG: usize = 1024 * 1024;

/// The services one signing run talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Services {
    /// Fulcio base URL (API v1: `/api/v2/signingCert`).
    pub fulcio: String,
    /// Rekor v1 base URLs (`/api/v1/log/entries`); every one gets an entry.
    pub rekor: Vec<String>,
    /// TSA URLs (full URL of the RFC 3161 endpoint); every one is asked.
    pub tsa: Vec<String>,
}

impl Services {
    /// Sigstore's public-good instance.
    pub fn public_good() -> Self {
        Services {
            fulcio: "https://fulcio.sigstore.dev".into(),
            rekor: vec!["https://rekor.sigstore.dev".into()],
            tsa: vec!["https://timestamp.sigstore.dev/api/v1/timestamp".into()],
        }
    }

    /// Sigstore's staging instance.
    pub fn staging() -> Self {
        Services {
            fulcio: "https://fulcio.sigstage.dev".into(),
            rekor: vec!["https://rekor.sigstage.dev".into()],
            tsa: vec!["https://timestamp.sigstage.dev/api/v1/timestamp".into()],
        }
    }
}

/// Why a signing config cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// Not JSON, or a field has the wrong type.
    #[error("signing config is malformed: {0}")]
    Malformed(String),
    /// Another media type than v0.2.
    #[error("signing config media type {0:?} is not {SIGNING_CONFIG_MEDIA_TYPE}")]
    MediaType(String),
    /// No service of a kind is valid now with an API version sigil speaks.
    #[error("signing config has no {kind} valid now with a supported API version ({supported})")]
    NoService {
        /// `caUrls`, `rekorTlogUrls` or `tsaUrls`.
        kind: &'static str,
        /// What sigil speaks.
        supported: &'static str,
    },
}

/// Unix seconds of an RFC 3339 UTC time as protobuf JSON writes it
/// (`YYYY-MM-DDTHH:MM:SS[.frac]Z`: a `T` and a `Z`, no offset); the calendar is
/// [`sigil_core::time::Timestamp`]'s.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let utc = matches!(b.get(10), Some(b'T' | b't')) && matches!(b.last(), Some(b'Z' | b'z'));
    utc.then(|| sigil_core::time::Timestamp::parse_date_time(s))
        .flatten()
        .map(|t| t.0)
}

struct Candidate {
    url: String,
    major: u64,
    start: i64,
}

fn candidates(doc: &Value, kind: &'static str, now: i64) -> Result<Vec<Candidate>, ConfigError> {
    let list = match &doc[kind] {
        Value::Null => return Ok(Vec::new()),
        Value::Array(a) => a,
        _ => return Err(ConfigError::Malformed(format!("{kind} is not a list"))),
    };
    let mut out = Vec::new();
    for s in list {
        let url = s["url"]
            .as_str()
            .filter(|u| !u.is_empty())
            .ok_or_else(|| ConfigError::Malformed(format!("a {kind} entry has no url")))?;
        let major = s["majorApiVersion"].as_u64().ok_or_else(|| {
            ConfigError::Malformed(format!("{url}: majorApiVersion is not a number"))
        })?;
        let start = s["validFor"]["start"]
            .as_str()
            .and_then(parse_rfc3339)
            .ok_or_else(|| {
                ConfigError::Malformed(format!("{url}: validFor.start is not RFC 3339"))
            })?;
        let end = match &s["validFor"]["end"] {
            Value::Null => None,
            v => Some(v.as_str().and_then(parse_rfc3339).ok_or_else(|| {
                ConfigError::Malformed(format!("{url}: validFor.end is not RFC 3339"))
            })?),
        };
        if start <= now && end.is_none_or(|e| now < e) {
            out.push(Candidate {
                url: url.to_owned(),
                major,
                start,
            });
        }
    }
    // Newest first, as the specification asks.
    out.sort_by_key(|c| std::cmp::Reverse(c.start));
    Ok(out)
}

/// How many services a `*Config.selector` asks for out of `n`.
fn selected(doc: &Value, config: &str, n: usize) -> Result<usize, ConfigError> {
    let c = &doc[config];
    match c["selector"].as_str() {
        None | Some("ANY") => Ok(n.min(1)),
        Some("ALL") => Ok(n),
        Some("EXACT") => {
            let count = c["count"]
                .as_u64()
                .ok_or_else(|| ConfigError::Malformed(format!("{config}: EXACT without count")))?;
            usize::try_from(count)
                .ok()
                .filter(|c| *c <= n)
                .ok_or_else(|| {
                    ConfigError::Malformed(format!(
                        "{config}: EXACT {count} but only {n} usable services"
                    ))
                })
        }
        Some(other) => Err(ConfigError::Malformed(format!(
            "{config}: unknown selector {other:?}"
        ))),
    }
}

/// Reads a v0.2 signing config and chooses the services valid at `now`: the newest Fulcio of
/// API v1; Rekor v1 logs and TSAs as `rekorTlogConfig` / `tsaConfig` select them (`ANY`: the
/// newest one, `ALL`, `EXACT` n). A config whose only valid logs are Rekor v2 is refused:
/// sigil writes Rekor v1 entries only.
pub fn select(json: &[u8], now: i64) -> Result<Services, ConfigError> {
    if json.len() > MAX_SIGNING_CONFIG {
        return Err(ConfigError::Malformed("larger than 1 MiB".into()));
    }
    let doc = sigil_core::json::parse(json).map_err(|e| ConfigError::Malformed(e.to_string()))?;
    let mt = doc["mediaType"].as_str().unwrap_or("");
    if mt != SIGNING_CONFIG_MEDIA_TYPE {
        return Err(ConfigError::MediaType(mt.to_owned()));
    }
    let fulcio = candidates(&doc, "caUrls", now)?
        .into_iter()
        .find(|c| c.major == 1)
        .ok_or(ConfigError::NoService {
            kind: "caUrls",
            supported: "Fulcio API v1",
        })?
        .url;
    let rekors: Vec<String> = candidates(&doc, "rekorTlogUrls", now)?
        .into_iter()
        .filter(|c| c.major == 1)
        .map(|c| c.url)
        .collect();
    if rekors.is_empty() {
        return Err(ConfigError::NoService {
            kind: "rekorTlogUrls",
            supported: "Rekor API v1",
        });
    }
    let n = selected(&doc, "rekorTlogConfig", rekors.len())?;
    let rekor = rekors.into_iter().take(n.max(1)).collect();
    let tsas: Vec<String> = candidates(&doc, "tsaUrls", now)?
        .into_iter()
        .filter(|c| c.major == 1)
        .map(|c| c.url)
        .collect();
    let n = selected(&doc, "tsaConfig", tsas.len())?;
    let tsa = tsas.into_iter().take(n).collect();
    Ok(Services { fulcio, rekor, tsa })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc3339_round_numbers() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(
            parse_rfc3339("2023-11-14T22:13:20.123Z"),
            Some(1_700_000_000)
        );
        for bad in [
            "",
            "2023-11-14 22:13:20Z",
            "2023-13-01T00:00:00Z",
            "2023-11-14T22:13:20+01:00",
            "2023-02-31T00:00:00Z",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    fn svc(url: &str, major: u64, start: &str, end: Option<&str>) -> Value {
        let mut v = json!({"url": url, "majorApiVersion": major, "validFor": {"start": start}});
        if let Some(e) = end {
            v["validFor"]["end"] = json!(e);
        }
        v
    }

    #[test]
    fn services_are_chosen_by_window_and_version() {
        let doc = json!({
            "mediaType": SIGNING_CONFIG_MEDIA_TYPE,
            "caUrls": [svc("https://old-ca", 1, "2020-01-01T00:00:00Z", Some("2021-01-01T00:00:00Z")),
                       svc("https://ca", 1, "2021-01-01T00:00:00Z", None),
                       svc("https://future-ca", 1, "2099-01-01T00:00:00Z", None)],
            "rekorTlogUrls": [svc("https://rekor2", 2, "2022-01-01T00:00:00Z", None),
                              svc("https://rekor1", 1, "2021-01-01T00:00:00Z", None)],
            "tsaUrls": [svc("https://tsa/api/v1/timestamp", 1, "2021-01-01T00:00:00Z", None)],
            "rekorTlogConfig": {"selector": "ANY"},
            "tsaConfig": {"selector": "ANY"},
        });
        let now = parse_rfc3339("2025-01-01T00:00:00Z").unwrap();
        let s = select(doc.to_string().as_bytes(), now).unwrap();
        assert_eq!(
            s,
            Services {
                fulcio: "https://ca".into(),
                rekor: vec!["https://rekor1".into()],
                tsa: vec!["https://tsa/api/v1/timestamp".into()],
            }
        );
        // Only a v2 log: refused.
        let mut only_v2 = doc.clone();
        only_v2["rekorTlogUrls"] = json!([svc("https://rekor2", 2, "2022-01-01T00:00:00Z", None)]);
        assert_eq!(
            select(only_v2.to_string().as_bytes(), now).unwrap_err(),
            ConfigError::NoService {
                kind: "rekorTlogUrls",
                supported: "Rekor API v1"
            }
        );
        // Before any CA is valid.
        assert!(matches!(
            select(doc.to_string().as_bytes(), 0).unwrap_err(),
            ConfigError::NoService { kind: "caUrls", .. }
        ));
        let mut mt = doc.clone();
        mt["mediaType"] = json!("x");
        assert_eq!(
            select(mt.to_string().as_bytes(), now).unwrap_err(),
            ConfigError::MediaType("x".into())
        );
        assert!(matches!(
            select(b"{", now).unwrap_err(),
            ConfigError::Malformed(_)
        ));
    }
}
