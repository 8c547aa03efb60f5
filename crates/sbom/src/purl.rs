//! Package URLs (`pkg:cargo/NAME@VERSION?qualifiers`) as the purl specification builds them:
//! components percent-encoded except `A-Z a-z 0-9 . - _ ~` and `:` (and `/` inside qualifier
//! values, as the specification's canonical test vectors and packageurl-python write them),
//! qualifiers sorted by key.
//!
//! The `cargo` type's default repository is crates.io; a package from elsewhere carries a
//! `repository_url` (another registry), `vcs_url` (git, pip-style `git+URL@COMMIT`) or
//! `download_url` (a local path) qualifier.

/// Percent-encodes every byte outside the purl's unreserved set (and `:`).
pub fn encode(s: &str) -> String {
    encode_keeping(s, b"")
}

/// Percent-encodes a qualifier value: like [`encode`], but `/` stays.
pub fn encode_qualifier(s: &str) -> String {
    encode_keeping(s, b"/")
}

fn encode_keeping(s: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric()
            || matches!(b, b'.' | b'-' | b'_' | b'~' | b':')
            || keep.contains(&b)
        {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `pkg:cargo/NAME@VERSION` with `qualifiers` (empty values dropped, keys sorted).
pub fn cargo(name: &str, version: Option<&str>, qualifiers: &[(&str, &str)]) -> String {
    let mut s = format!("pkg:cargo/{}", encode(name));
    if let Some(v) = version.filter(|v| !v.is_empty()) {
        s.push('@');
        s.push_str(&encode(v));
    }
    let mut q: Vec<String> = qualifiers
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", k.to_ascii_lowercase(), encode_qualifier(v)))
        .collect();
    q.sort();
    if !q.is_empty() {
        s.push('?');
        s.push_str(&q.join("&"));
    }
    s
}

/// The purl without version, qualifiers or subpath: `pkg:TYPE/NAMESPACE/NAME`, lowercased
/// type. Used as a component's identity when comparing SBOMs. `None` if `purl` is not one.
pub fn identity(purl: &str) -> Option<String> {
    let rest = purl.strip_prefix("pkg:")?.trim_start_matches('/');
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    let rest = &rest[..end];
    let (ty, path) = rest.split_once('/')?;
    // The version follows the last '@' of the last segment.
    let (head, last) = match path.rsplit_once('/') {
        Some((h, l)) => (Some(h), l),
        None => (None, path),
    };
    let name = last.rsplit_once('@').map_or(last, |(n, _)| n);
    if ty.is_empty() || name.is_empty() {
        return None;
    }
    Some(match head {
        Some(h) => format!("pkg:{}/{}/{}", ty.to_ascii_lowercase(), h, name),
        None => format!("pkg:{}/{}", ty.to_ascii_lowercase(), name),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(name: &str, version: Option<&str>, q: &[(&str, &str)], expect: &str) {
        assert_eq!(cargo(name, version, q), expect);
    }

    #[test]
    fn builds_cargo_purls() {
        check("rand", Some("0.7.2"), &[], "pkg:cargo/rand@0.7.2");
        check(
            "semver",
            Some("1.0.0+build.5"),
            &[],
            "pkg:cargo/semver@1.0.0%2Bbuild.5",
        );
        check("x", None, &[], "pkg:cargo/x");
        check(
            "auditable-extract",
            Some("0.3.2"),
            &[("vcs_url", "git+https://github.com/rust-secure-code/cargo-auditable.git@da85607f")],
            "pkg:cargo/auditable-extract@0.3.2?vcs_url=git%2Bhttps://github.com/rust-secure-code/cargo-auditable.git%40da85607f",
        );
        check(
            "x",
            Some("1.0.0"),
            &[
                ("repository_url", "https://r.example/index"),
                ("download_url", ""),
                ("A_key", "v w"),
            ],
            "pkg:cargo/x@1.0.0?a_key=v%20w&repository_url=https://r.example/index",
        );
    }

    fn check_identity(purl: &str, expect: Option<&str>) {
        assert_eq!(identity(purl).as_deref(), expect, "{purl}");
    }

    #[test]
    fn identities_drop_version_and_qualifiers() {
        check_identity("pkg:cargo/rand@0.7.2", Some("pkg:cargo/rand"));
        check_identity("pkg:cargo/rand", Some("pkg:cargo/rand"));
        check_identity(
            "pkg:cargo/x@1.0.0?vcs_url=git%2Bhttps:%2F%2Fh%2Fr%40abc",
            Some("pkg:cargo/x"),
        );
        check_identity(
            "pkg:npm/%40acme/example@1.2.3#lib/x",
            Some("pkg:npm/%40acme/example"),
        );
        check_identity(
            "pkg:Maven/org.apache/batik@1.9",
            Some("pkg:maven/org.apache/batik"),
        );
        check_identity("npm/x@1", None);
        check_identity("pkg:cargo", None);
        check_identity("pkg:/x", None);
        check_identity("pkg:cargo/@1.0", None);
    }

    proptest! {
        #[test]
        fn encoded_values_use_only_permitted_characters(s in ".*") {
            let e = encode(&s);
            prop_assert!(e.bytes().all(|b| b.is_ascii_alphanumeric() || b".-_~:%".contains(&b)));
        }

        #[test]
        fn identity_never_panics(s in ".*") {
            let _ = identity(&s);
        }
    }
}
