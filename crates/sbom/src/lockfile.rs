//! `Cargo.lock`, the one reader of it for SBOMs and audits: every locked package and its
//! SHA-256 checksum.
//!
//! Parsing is the `cargo-lock` crate's (lock file versions 1 to 4: inline `checksum` keys and
//! the v1 `[metadata]` table); this module adds what sigil relies on: no package locked
//! twice, and sources kept in the spelling Cargo writes (`registry+https://...`), which is
//! also what `cargo metadata` reports.

use std::collections::BTreeMap;

use sigil_core::Sha256Digest;

/// crates.io's git index, as Cargo writes it in `source`.
/// Largest `Cargo.lock` read for an SBOM.
pub const MAX_LOCK_BYTES: u64 = 64 * 1024 * 1024;

const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";
/// crates.io's sparse index, as Cargo writes it in `source`.
const CRATES_IO_SPARSE: &str = "sparse+https://index.crates.io/";

/// A locked package: name, version and source (`None` for path packages).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LockedId {
    /// Package name.
    pub name: String,
    /// Exact version.
    pub version: String,
    /// Source as Cargo writes it (`registry+https://...`, `git+https://...#commit`), if any.
    pub source: Option<String>,
}

impl LockedId {
    /// Whether the package comes from crates.io (its git or sparse index): only those can be
    /// named by an advisory.
    pub fn is_crates_io(&self) -> bool {
        matches!(self.source.as_deref(), Some(CRATES_IO | CRATES_IO_SPARSE))
    }
}

/// A parsed `Cargo.lock`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lockfile {
    /// Every locked package with its checksum, when it has one (registry packages do).
    pub packages: BTreeMap<LockedId, Option<Sha256Digest>>,
}

/// `Cargo.lock` could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockfileParseError {
    /// Not TOML, or not shaped like a lock file (a version that is not SemVer, a checksum that
    /// is not 64 hex digits, an unknown source kind...).
    #[error("Cargo.lock is not a valid lock file")]
    Invalid(#[source] cargo_lock::Error),
    /// The same package is locked twice.
    #[error("Cargo.lock: {name} {version} is listed twice")]
    Duplicate {
        /// Package name.
        name: String,
        /// Package version.
        version: String,
    },
}

impl Lockfile {
    /// Parses the text of a `Cargo.lock`.
    pub fn parse(text: &str) -> Result<Self, LockfileParseError> {
        let lock: cargo_lock::Lockfile = text.parse().map_err(LockfileParseError::Invalid)?;
        let mut packages = BTreeMap::new();
        for p in lock.packages {
            let sum = p
                .checksum
                .as_ref()
                .and_then(cargo_lock::Checksum::as_sha256)
                .map(Sha256Digest);
            let id = LockedId {
                name: p.name.as_str().to_owned(),
                version: p.version.to_string(),
                source: p.source.as_ref().map(ToString::to_string),
            };
            if packages.contains_key(&id) {
                return Err(LockfileParseError::Duplicate {
                    name: id.name,
                    version: id.version,
                });
            }
            packages.insert(id, sum);
        }
        Ok(Lockfile { packages })
    }

    /// The locked entry for a package, if it is locked.
    pub fn get(
        &self,
        name: &str,
        version: &str,
        source: Option<&str>,
    ) -> Option<&Option<Sha256Digest>> {
        self.packages.get(&LockedId {
            name: name.to_owned(),
            version: version.to_owned(),
            source: source.map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const CRATES_IO: &str = "registry+https://github.com/rust-lang/crates.io-index";
    const SUM: &str = "0000000000000000000000000000000000000000000000000000000000000001";

    /// (name, version, source, checksum).
    type Row<'a> = (&'a str, &'a str, Option<&'a str>, Option<&'a str>);

    fn check(input: &str, expect: Result<Vec<Row<'_>>, &str>) {
        let got = Lockfile::parse(input).map_err(|e| e.to_string());
        let want = expect.map(|v| Lockfile {
            packages: v
                .into_iter()
                .map(|(n, ver, src, sum)| {
                    let id = LockedId {
                        name: n.into(),
                        version: ver.into(),
                        source: src.map(Into::into),
                    };
                    (
                        id,
                        sum.map(|s| Sha256Digest::from_hex(s).expect("test digest")),
                    )
                })
                .collect(),
        });
        assert_eq!(got, want.map_err(str::to_owned));
    }

    #[test]
    fn reads_v3_and_v4() {
        let text = format!(
            "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"libc\"]\n\n\
             [[package]]\nname = \"libc\"\nversion = \"0.2.1\"\nsource = \"{CRATES_IO}\"\nchecksum = \"{SUM}\"\n"
        );
        check(
            &text,
            Ok(vec![
                ("app", "0.1.0", None, None),
                ("libc", "0.2.1", Some(CRATES_IO), Some(SUM)),
            ]),
        );
    }

    #[test]
    fn reads_v1_metadata_checksums() {
        let text = format!(
            "[[package]]\nname = \"libc\"\nversion = \"0.2.1\"\nsource = \"{CRATES_IO}\"\n\n\
             [metadata]\n\"checksum libc 0.2.1 ({CRATES_IO})\" = \"{SUM}\"\n\"checksum gone 1.0.0 ({CRATES_IO})\" = \"{SUM}\"\n"
        );
        check(
            &text,
            Ok(vec![("libc", "0.2.1", Some(CRATES_IO), Some(SUM))]),
        );
    }

    #[test]
    fn rejects_bad_input() {
        check(
            "[[package]]\nname = \"x\"\nversion = \"1.0.0\"\nchecksum = \"zz\"\n",
            Err("Cargo.lock is not a valid lock file"),
        );
        check(
            "[[package]]\nname = \"x\"\n",
            Err("Cargo.lock is not a valid lock file"),
        );
        check("[[package]]\nname = \"x\"\nversion = \"1.0.0\"\n[[package]]\nname = \"x\"\nversion = \"1.0.0\"\n", Err("Cargo.lock: x 1.0.0 is listed twice"));
        check(
            "[[package]]\nname = \"x\"\nversion = \"1\"\n",
            Err("Cargo.lock is not a valid lock file"),
        );
        check("not toml = = =", Err("Cargo.lock is not a valid lock file"));
        check("", Ok(vec![]));
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = Lockfile::parse(&s);
        }

        #[test]
        fn parses_generated_locks(names in proptest::collection::btree_set("[a-z][a-z0-9_-]{0,10}", 0..8)) {
            let mut text = String::from("version = 3\n");
            for n in &names {
                text.push_str(&format!("\n[[package]]\nname = \"{n}\"\nversion = \"1.0.0\"\nsource = \"{CRATES_IO}\"\nchecksum = \"{SUM}\"\n"));
            }
            let lock = Lockfile::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(lock.packages.len(), names.len());
            for n in &names {
                prop_assert!(lock.get(n, "1.0.0", Some(CRATES_IO)).is_some_and(Option::is_some));
            }
        }
    }
}
