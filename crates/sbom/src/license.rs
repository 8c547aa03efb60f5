//! Cargo `license` fields to SPDX licence expressions.
//!
//! Cargo accepts legacy syntax (`MIT/Apache-2.0`, lowercase operators, imprecise names);
//! [`from_cargo`] canonicalises it with the `spdx` crate (the parser cargo-deny uses), then
//! accepts the result only if it parses strictly against the SPDX licence list. Anything
//! else is kept verbatim as a named licence, never guessed.

use crate::model::License;

/// The SPDX expression for a Cargo `license` value, or the text itself when it is not one.
pub fn from_cargo(raw: &str) -> Option<License> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let canonical = match spdx::Expression::canonicalize(raw) {
        Ok(Some(c)) => c,
        Ok(None) => raw.to_owned(),
        Err(_) => return Some(License::Named(raw.to_owned())),
    };
    match spdx::Expression::parse(&canonical) {
        Ok(_) => Some(License::Expression(canonical)),
        Err(_) => Some(License::Named(raw.to_owned())),
    }
}

/// Whether an expression uses only SPDX list identifiers (no `LicenseRef-` and the like,
/// which an SPDX document must define before use).
pub fn only_listed_ids(expr: &str) -> bool {
    !["LicenseRef-", "DocumentRef-", "AdditionRef-"]
        .iter()
        .any(|p| expr.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(input: &str, expect: Option<License>) {
        assert_eq!(from_cargo(input), expect, "{input:?}");
    }

    fn expr(s: &str) -> Option<License> {
        Some(License::Expression(s.to_owned()))
    }

    fn named(s: &str) -> Option<License> {
        Some(License::Named(s.to_owned()))
    }

    #[test]
    fn converts_cargo_licences() {
        check("MIT OR Apache-2.0", expr("MIT OR Apache-2.0"));
        check("MIT/Apache-2.0", expr("MIT OR Apache-2.0"));
        check("Apache-2.0/MIT", expr("Apache-2.0 OR MIT"));
        check("Unlicense/MIT", expr("Unlicense OR MIT"));
        check("mit or apache-2.0", named("mit or apache-2.0"));
        check("MIT or Apache-2.0", expr("MIT OR Apache-2.0"));
        check(
            "(MIT OR Apache-2.0) AND Unicode-3.0",
            expr("(MIT OR Apache-2.0) AND Unicode-3.0"),
        );
        check(
            "Apache-2.0 WITH LLVM-exception OR Apache-2.0 OR MIT",
            expr("Apache-2.0 WITH LLVM-exception OR Apache-2.0 OR MIT"),
        );
        check("GPL-3.0+", expr("GPL-3.0-or-later"));
        check(
            "MIT AND LicenseRef-Proprietary",
            expr("MIT AND LicenseRef-Proprietary"),
        );
        check("Some custom licence", named("Some custom licence"));
        check("MIT OR", named("MIT OR"));
        check("(MIT", named("(MIT"));
        check("  ", None);
        check("", None);
    }

    #[test]
    fn listed_ids_only() {
        assert!(only_listed_ids("MIT OR Apache-2.0"));
        assert!(!only_listed_ids("MIT AND LicenseRef-X"));
    }

    proptest! {
        #[test]
        fn expressions_are_strict_spdx(s in "[A-Za-z0-9 ./()+-]{0,40}") {
            if let Some(License::Expression(e)) = from_cargo(&s) {
                prop_assert!(spdx::Expression::parse(&e).is_ok(), "{e}");
            }
        }
    }
}
