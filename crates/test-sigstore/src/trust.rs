//! `trusted_root.json`, `signing_config.json` (v0.2) and the client trust config that
//! sigstore-python's `--trust-config` reads, for a [`TestSigstore`](crate::TestSigstore).

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde_json::{json, Value};

/// Media type of a Sigstore trusted root.
pub const TRUSTED_ROOT_MEDIA_TYPE: &str =
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1";
/// Media type of a v0.2 signing config.
pub const SIGNING_CONFIG_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.signingconfig.v0.2+json";
/// Media type of a client trust config (trusted root plus signing config).
pub const CLIENT_TRUST_CONFIG_MEDIA_TYPE: &str =
    "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json";

/// Base URLs the trust files name for each service. The defaults are placeholders nothing
/// listens on; a [`Server`](crate::Server) writes its own 127.0.0.1 URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Urls {
    /// Fulcio.
    pub fulcio: String,
    /// Rekor.
    pub rekor: String,
    /// CT log.
    pub ctfe: String,
    /// OIDC provider.
    pub oidc: String,
    /// Timestamp authority.
    pub tsa: String,
}

impl Default for Urls {
    fn default() -> Self {
        Urls {
            fulcio: "https://fulcio.sigil.test".into(),
            rekor: "https://rekor.sigil.test".into(),
            ctfe: "https://ctfe.sigil.test".into(),
            oidc: "https://oauth2.sigil.test/auth".into(),
            tsa: "https://tsa.sigil.test/api/v1/timestamp".into(),
        }
    }
}

/// RFC 3339 UTC for Unix seconds (civil-from-days, proleptic Gregorian).
pub fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

pub(crate) fn log_instance(url: &str, spki_der: &[u8], log_id: &[u8; 32], start: i64) -> Value {
    json!({
        "baseUrl": url,
        "hashAlgorithm": "SHA2_256",
        "publicKey": {
            "rawBytes": B64.encode(spki_der),
            "keyDetails": "PKIX_ECDSA_P256_SHA_256",
            "validFor": { "start": rfc3339(start) },
        },
        "logId": { "keyId": B64.encode(log_id) },
    })
}

pub(crate) fn service(url: &str, major: u32, start: i64) -> Value {
    json!({
        "url": url,
        "majorApiVersion": major,
        "validFor": { "start": rfc3339(start) },
        "operator": "sigil-test-sigstore",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_matches_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(4_102_444_799), "2099-12-31T23:59:59Z");
    }
}
