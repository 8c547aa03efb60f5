//! Version syntax and ordering per ecosystem.
//!
//! SemVer 2.0 (OSV `SEMVER` ranges, and `ECOSYSTEM` ranges of crates.io, npm, Go, Hex and
//! SwiftURL) is parsed strictly: no leading `v`, no leading zeros. Build metadata is ignored
//! for ordering and equality, as SemVer 2.0 section 10 requires; pre-releases sort below their
//! release (`1.2.3-rc.1` < `1.2.3`). PyPI versions are checked against PEP 440's public
//! version syntax (with a local label). Other ecosystems' versions are opaque strings.

use std::cmp::Ordering;

/// How an ecosystem's versions are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// SemVer 2.0, ordered.
    Semver,
    /// PEP 440 syntax; ordering not evaluated.
    Pep440,
    /// Opaque: any non-empty string without whitespace; ordering not evaluated.
    Opaque,
}

/// The version scheme of an OSV ecosystem (suffixes like `Debian:12` are ignored).
pub fn scheme_for_ecosystem(ecosystem: &str) -> Scheme {
    let base = ecosystem.split(':').next().unwrap_or(ecosystem);
    match base {
        "crates.io" | "npm" | "Go" | "Hex" | "SwiftURL" => Scheme::Semver,
        "PyPI" => Scheme::Pep440,
        _ => Scheme::Opaque,
    }
}

/// A SemVer 2.0 version compared without its build metadata.
#[derive(Debug, Clone)]
pub struct SemVer(pub semver::Version);

impl PartialEq for SemVer {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for SemVer {}
impl PartialOrd for SemVer {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for SemVer {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (&self.0, &other.0);
        (a.major, a.minor, a.patch)
            .cmp(&(b.major, b.minor, b.patch))
            .then_with(|| a.pre.cmp(&b.pre))
    }
}

impl std::fmt::Display for SemVer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// A version string that is not valid for its scheme.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{version:?} is not a valid {scheme} version: {reason}")]
#[non_exhaustive]
pub struct VersionError {
    /// The text.
    pub version: String,
    /// `SemVer 2.0`, `PEP 440` or `package`.
    pub scheme: &'static str,
    /// Why.
    pub reason: String,
}

/// Parses a strict SemVer 2.0 version.
pub fn parse_semver(s: &str) -> Result<SemVer, VersionError> {
    let err = |reason: String| VersionError {
        version: s.to_owned(),
        scheme: "SemVer 2.0",
        reason,
    };
    if s.starts_with(['v', 'V']) {
        return Err(err("a leading \"v\" is not part of SemVer".to_owned()));
    }
    semver::Version::parse(s)
        .map(SemVer)
        .map_err(|e| err(e.to_string()))
}

/// Checks a version's syntax for a scheme.
pub fn check(scheme: Scheme, s: &str) -> Result<(), VersionError> {
    match scheme {
        Scheme::Semver => parse_semver(s).map(|_| ()),
        Scheme::Pep440 => check_pep440(s),
        Scheme::Opaque => {
            if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
                Err(VersionError {
                    version: s.to_owned(),
                    scheme: "package",
                    reason: "empty or contains whitespace".to_owned(),
                })
            } else {
                Ok(())
            }
        }
    }
}

/// PEP 440: `[N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local]`, in the normalized spelling.
fn check_pep440(s: &str) -> Result<(), VersionError> {
    let err = |reason: &str| VersionError {
        version: s.to_owned(),
        scheme: "PEP 440",
        reason: reason.to_owned(),
    };
    let (public, local) = match s.split_once('+') {
        Some((p, l)) => (p, Some(l)),
        None => (s, None),
    };
    if let Some(l) = local {
        if l.is_empty()
            || !l
                .split('.')
                .all(|seg| !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            return Err(err("invalid local version label"));
        }
    }
    let mut rest = public;
    if let Some((epoch, r)) = rest.split_once('!') {
        if epoch.is_empty() || !epoch.bytes().all(|b| b.is_ascii_digit()) {
            return Err(err("invalid epoch"));
        }
        rest = r;
    }
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    // Release segment; a trailing dot belongs to `.post`/`.dev`.
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (mut release, mut tail) = rest.split_at(end);
    if release.ends_with('.') && !tail.is_empty() {
        release = &release[..release.len() - 1];
        tail = &rest[end - 1..];
    }
    if !release.split('.').all(digits) {
        return Err(err("invalid release segment"));
    }
    // Then, in this order and each at most once: a pre-release, `.post`, `.dev`.
    for labels in [&["rc", "a", "b"][..], &[".post"][..], &[".dev"][..]] {
        if let Some(label) = labels.iter().find(|l| tail.starts_with(**l)) {
            let t = &tail[label.len()..];
            let n = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
            if n == 0 {
                return Err(err("pre, post and dev labels need a number"));
            }
            tail = &t[n..];
        }
    }
    if !tail.is_empty() {
        return Err(err("unexpected trailing text"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check_ok(scheme: Scheme, s: &str, ok: bool) {
        assert_eq!(
            check(scheme, s).is_ok(),
            ok,
            "{scheme:?} {s:?}: {:?}",
            check(scheme, s)
        );
    }

    #[test]
    fn semver_syntax() {
        for (s, ok) in [
            ("1.2.3", true),
            ("1.2.3-rc.1", true),
            ("1.2.3+build.5", true),
            ("0.0.0", true),
            ("v1.2.3", false),
            ("1.2", false),
            ("01.2.3", false),
            ("1.2.3-", false),
            ("", false),
        ] {
            check_ok(Scheme::Semver, s, ok);
        }
    }

    #[test]
    fn pep440_syntax() {
        for (s, ok) in [
            ("1.0", true),
            ("2!1.0.post1", true),
            ("1.0a1", true),
            ("1.0rc2.dev3", true),
            ("1.0+ubuntu.1", true),
            ("1.0.dev1", true),
            ("1.0a", false),
            ("1.0-foo", false),
            ("", false),
            ("a1", false),
        ] {
            check_ok(Scheme::Pep440, s, ok);
        }
    }

    #[test]
    fn semver_order_ignores_build_metadata() {
        let v = |s| parse_semver(s).expect("valid");
        assert_eq!(v("1.2.3+a"), v("1.2.3+b"));
        assert!(v("1.2.3-rc.1") < v("1.2.3"));
        assert!(v("1.2.3-alpha") < v("1.2.3-alpha.1"));
        assert!(v("1.2.3-alpha.1") < v("1.2.3-alpha.beta"));
        assert!(v("1.2.3-beta.2") < v("1.2.3-beta.11"));
        assert!(v("1.2.3-rc.1") < v("1.2.3-rc.1.0"));
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,24}") {
            for scheme in [Scheme::Semver, Scheme::Pep440, Scheme::Opaque] {
                let _ = check(scheme, &s);
            }
        }

        #[test]
        fn semver_round_trip(a in 0u64..1000, b in 0u64..1000, c in 0u64..1000, pre in "([a-z]+|[1-9][0-9]{0,3})(\\.[a-z0-9]{1,3}){0,2}") {
            let s = format!("{a}.{b}.{c}-{pre}");
            // SemVer refuses numeric identifiers with a leading zero; everything else generated
            // here is a valid pre-release.
            let valid = pre.split('.').all(|id| !(id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit())));
            match parse_semver(&s) {
                Ok(v) => {
                    prop_assert!(valid, "{s} parsed but has a leading zero");
                    prop_assert_eq!(v.to_string(), s);
                    let release = parse_semver(&format!("{}.{}.{}", a, b, c)).expect("release");
                    prop_assert!(v < release);
                }
                Err(e) => prop_assert!(!valid, "{s}: {e:?}"),
            }
        }
    }
}
