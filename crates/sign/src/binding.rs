//! What a signature says it is about, and whether that is what is being verified.
//!
//! A signature proves who signed some bytes; the trusted comment says what they were. Without
//! comparing the two, `widget-1.0.tar.gz` and its signature can be served as
//! `widget-2.0.tar.gz`, and an old release's signed `SHA256SUMS` can stand in for the new one.
//!
//! Conventions read from a trusted comment (tab-separated `key:value` fields, as minisign
//! writes them):
//!
//! - `file:NAME`: the file name the signer signed (minisign's and `sigil sign`'s default
//!   comment, `timestamp:<t>\tfile:<name>\thashed`);
//! - `release:NAME-VERSION`: the product and version a checksum list or file belongs to
//!   (`cargo xtask release` signs `SHA256SUMS` with `release:sigil-<version>`); the version
//!   starts at the first `-` followed by a digit.
//!
//! Pack manifests carry their name and version in their own comment (`sigil-pack name=…
//! version=…`, parsed by `sigil-pack`); callers turn them into a [`Statement`] too.
//!
//! Only the trusted comment of a verified signature may be given here: the untrusted comment
//! is not signed by anyone.

use std::fmt;

/// Names and versions read from a trusted comment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    /// `file:` — the signed file name.
    pub file: Option<String>,
    /// `release:` — the product name.
    pub release_name: Option<String>,
    /// `release:` — the version.
    pub release_version: Option<String>,
}

impl Claims {
    /// Reads the `file:` and `release:` fields of a trusted comment. A comment without them
    /// (a custom one) claims nothing. The first occurrence of a field counts.
    pub fn parse(trusted_comment: &str) -> Self {
        let mut c = Claims::default();
        for field in trusted_comment.split('\t') {
            if let Some(f) = field.strip_prefix("file:") {
                if c.file.is_none() && !f.is_empty() {
                    c.file = Some(f.to_owned());
                }
            } else if let Some(r) = field.strip_prefix("release:") {
                if c.release_name.is_none() && c.release_version.is_none() {
                    match split_release(r) {
                        Some((n, v)) => {
                            c.release_name = Some(n.to_owned());
                            c.release_version = Some(v.to_owned());
                        }
                        // A release without a version still names the product.
                        None if !r.is_empty() => c.release_name = Some(r.to_owned()),
                        None => {}
                    }
                }
            }
        }
        c
    }
}

/// Splits `NAME-VERSION` at the first `-` followed by an ASCII digit: `sigil-0.1.0` is
/// (`sigil`, `0.1.0`), `my-tool-2.0-rc1` is (`my-tool`, `2.0-rc1`).
pub fn split_release(s: &str) -> Option<(&str, &str)> {
    let bytes = s.as_bytes();
    // A name comes first: the `-` is at index 1 or later.
    (2..bytes.len())
        .find(|&i| bytes[i - 1] == b'-' && bytes[i].is_ascii_digit())
        .map(|i| (&s[..i - 1], &s[i..]))
}

/// The version an archive's file name claims under the `pack archive` convention
/// `NAME-VERSION.tar.gz` (`.tgz`, `.zip`), for a pack called `pack_name` (a scoped name such as
/// `@acme/prompts` by its last part). `None` when the file name does not follow it.
pub fn archive_version<'a>(file_name: &'a str, pack_name: &str) -> Option<&'a str> {
    let stem = [".tar.gz", ".tgz", ".zip"]
        .iter()
        .find_map(|ext| file_name.strip_suffix(ext))?;
    let base = pack_name.rsplit('/').next().unwrap_or(pack_name);
    let base = base.trim_start_matches('@');
    let rest = stem.strip_prefix(base)?.strip_prefix('-')?;
    rest.starts_with(|c: char| c.is_ascii_digit())
        .then_some(rest)
}

/// What one verified, trusted signature binds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Statement {
    /// Where it came from (`widget.tar.gz.minisig`), for reports.
    pub source: String,
    /// The signed file name of what the signature covers, with the name it should have here.
    pub file: Option<FileBinding>,
    /// The signed product name (pack name, `release:` name).
    pub name: Option<String>,
    /// The signed version.
    pub version: Option<String>,
}

/// A signed file name and the name the file should have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileBinding {
    /// What the signature says.
    pub signed: String,
    /// What it is called here (or was expected to be called, with `--expect-name`).
    pub here: String,
}

/// What the user expects; each `Some` must be stated by at least one signature and
/// contradicted by none.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expect {
    /// Expected signed file name (`--expect-name` for a file).
    pub file: Option<String>,
    /// Expected product name (`--expect-name` for a pack).
    pub name: Option<String>,
    /// Expected version (`--expect-version`).
    pub version: Option<String>,
    /// A version claimed by the artifact's file name (a pack archive called `NAME-VERSION.tar.gz`):
    /// every signed version must equal it, but none is required to state it.
    pub implied_version: Option<String>,
}

impl Expect {
    /// No expectation at all.
    pub const NONE: Expect = Expect {
        file: None,
        name: None,
        version: None,
        implied_version: None,
    };
}

/// Which part does not match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// A file or product name.
    Name,
    /// A version.
    Version,
}

impl Field {
    /// The finding code of a mismatch in this field: `signed-name-mismatch` or
    /// `signed-version-mismatch` (the policy's codes for the same findings).
    pub fn code(self) -> &'static str {
        match self {
            Field::Name => "signed-name-mismatch",
            Field::Version => "signed-version-mismatch",
        }
    }
}

/// A signed name or version that is not the one expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The signature concerned; `None` when no signature states what was expected.
    pub source: Option<String>,
    /// Name or version.
    pub field: Field,
    /// What was signed (`None`: nothing was).
    pub signed: Option<String>,
    /// What was expected.
    pub expected: String,
    /// What kind of name (`file name`, `name`, `version`), for the message.
    pub what: &'static str,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.signed {
            Some(s) => write!(
                f,
                "signed for {} {s:?}, but {:?} is expected",
                self.what, self.expected
            ),
            None => write!(
                f,
                "no trusted signature states the {} {:?}",
                self.what, self.expected
            ),
        }
    }
}

impl Mismatch {
    /// The finding code ([`Field::code`]).
    pub fn code(&self) -> &'static str {
        self.field.code()
    }
}

impl Statement {
    /// What a verified blob signature states: its `file:` (with the name `here` the file has,
    /// or is expected to have) and any `release:` name and version of its trusted comment.
    pub fn of_blob(source: &str, trusted_comment: &str, here: &str) -> Self {
        let c = Claims::parse(trusted_comment);
        Statement {
            source: source.to_owned(),
            file: c.file.map(|signed| FileBinding {
                signed,
                here: here.to_owned(),
            }),
            name: c.release_name,
            version: c.release_version,
        }
    }
}

/// A signature that verified but does not bind to what is verified: every mismatch, in the
/// order [`check`] finds them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the signature verified, but not for this: {}", list(.mismatches))]
#[non_exhaustive]
pub struct Unbound {
    /// At least one.
    pub mismatches: Vec<Mismatch>,
}

fn list(mismatches: &[Mismatch]) -> String {
    mismatches
        .iter()
        .map(|m| format!("{}: {m}", m.code()))
        .collect::<Vec<_>>()
        .join("; ")
}

impl Unbound {
    /// The first mismatch's finding code.
    pub fn code(&self) -> &'static str {
        self.mismatches
            .first()
            .map_or("signed-name-mismatch", Mismatch::code)
    }
}

/// [`check`] as a verdict: `Ok` when the statements bind to the expectation.
pub fn require(statements: &[Statement], expect: &Expect) -> Result<(), Unbound> {
    let mismatches = check(statements, expect);
    if mismatches.is_empty() {
        Ok(())
    } else {
        Err(Unbound { mismatches })
    }
}

/// Compares what the trusted signatures state with what is expected: every signed file name
/// must be the name it has here, every signed name and version must be the expected one, and
/// an explicit expectation must be stated by at least one signature.
pub fn check(statements: &[Statement], expect: &Expect) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let version_wanted = expect
        .version
        .as_deref()
        .or(expect.implied_version.as_deref());
    for s in statements {
        let src = Some(s.source.clone());
        if let Some(f) = &s.file {
            if f.signed != f.here {
                out.push(Mismatch {
                    source: src.clone(),
                    field: Field::Name,
                    signed: Some(f.signed.clone()),
                    expected: f.here.clone(),
                    what: "file name",
                });
            }
        }
        if let (Some(n), Some(want)) = (&s.name, &expect.name) {
            if n != want {
                out.push(Mismatch {
                    source: src.clone(),
                    field: Field::Name,
                    signed: Some(n.clone()),
                    expected: want.clone(),
                    what: "name",
                });
            }
        }
        if let (Some(v), Some(want)) = (&s.version, version_wanted) {
            if v != want {
                out.push(Mismatch {
                    source: src,
                    field: Field::Version,
                    signed: Some(v.clone()),
                    expected: want.to_owned(),
                    what: "version",
                });
            }
        }
    }
    let mut unstated = |want: &Option<String>, stated: bool, field, what| {
        if let Some(w) = want {
            if !stated {
                out.push(Mismatch {
                    source: None,
                    field,
                    signed: None,
                    expected: w.clone(),
                    what,
                });
            }
        }
    };
    unstated(
        &expect.file,
        statements.iter().any(|s| s.file.is_some()),
        Field::Name,
        "file name",
    );
    unstated(
        &expect.name,
        statements.iter().any(|s| s.name.is_some()),
        Field::Name,
        "name",
    );
    unstated(
        &expect.version,
        statements.iter().any(|s| s.version.is_some()),
        Field::Version,
        "version",
    );
    out
}

/// [`check`] for a pack archive called `archive_name`: the signed pack version must also be
/// the one its file name claims (`NAME-VERSION.tar.gz`, see [`archive_version`]) unless a
/// version is expected explicitly; and when both the pack name and version are expected
/// explicitly, the signed manifest binds what is installed, so the archive signature's file
/// name no longer has to be the archive's (an archive renamed on purpose).
pub fn check_pack(statements: &[Statement], archive_name: &str, expect: &Expect) -> Vec<Mismatch> {
    let mut expect = expect.clone();
    expect.file = None;
    if let Some(name) = statements.iter().find_map(|s| s.name.as_deref()) {
        expect.implied_version = archive_version(archive_name, name).map(str::to_owned);
    }
    if expect.name.is_some() && expect.version.is_some() {
        let unbound: Vec<Statement> = statements
            .iter()
            .map(|s| Statement {
                file: None,
                ..s.clone()
            })
            .collect();
        return check(&unbound, &expect);
    }
    check(statements, &expect)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(tc: &str, file: Option<&str>, name: Option<&str>, version: Option<&str>) {
        let c = Claims::parse(tc);
        assert_eq!(c.file.as_deref(), file, "{tc:?}");
        assert_eq!(c.release_name.as_deref(), name, "{tc:?}");
        assert_eq!(c.release_version.as_deref(), version, "{tc:?}");
    }

    #[test]
    fn trusted_comment_conventions() {
        claims(
            "timestamp:1700000000\tfile:widget-1.0.tar.gz\thashed",
            Some("widget-1.0.tar.gz"),
            None,
            None,
        );
        claims(
            "timestamp:1\tfile:SHA256SUMS\trelease:sigil-0.1.0",
            Some("SHA256SUMS"),
            Some("sigil"),
            Some("0.1.0"),
        );
        claims(
            "release:my-tool-2.0-rc1",
            None,
            Some("my-tool"),
            Some("2.0-rc1"),
        );
        claims("release:nightly", None, Some("nightly"), None);
        // Not fields: a custom comment claims nothing.
        claims("signed by the widget team file:x", None, None, None);
        claims("file:", None, None, None);
        claims("file:a\tfile:b", Some("a"), None, None);
    }

    #[test]
    fn first_release_field_counts_even_without_a_version() {
        claims(
            "release:nightly\trelease:evil-9.9",
            None,
            Some("nightly"),
            None,
        );
    }

    #[test]
    fn empty_release_field_claims_nothing() {
        claims("release:", None, None, None);
    }

    #[test]
    fn release_and_archive_names() {
        assert_eq!(split_release("sigil-0.1.0"), Some(("sigil", "0.1.0")));
        assert_eq!(split_release("-1"), None);
        assert_eq!(split_release("sigil"), None);
        assert_eq!(
            archive_version("prompts-1.4.0.tar.gz", "prompts"),
            Some("1.4.0")
        );
        assert_eq!(
            archive_version("prompts-1.4.0.zip", "@acme/prompts"),
            Some("1.4.0")
        );
        assert_eq!(archive_version("prompts-extra-1.0.tgz", "prompts"), None);
        assert_eq!(archive_version("pack.tar.gz", "prompts"), None);
        assert_eq!(archive_version("prompts-1.4.0.tar", "prompts"), None);
    }

    fn st(file: Option<(&str, &str)>, name: Option<&str>, version: Option<&str>) -> Statement {
        Statement {
            source: "s".into(),
            file: file.map(|(signed, here)| FileBinding {
                signed: signed.into(),
                here: here.into(),
            }),
            name: name.map(Into::into),
            version: version.map(Into::into),
        }
    }

    fn check_case(statements: &[Statement], expect: &Expect, want: &[&str]) {
        let got: Vec<String> = check(statements, expect)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn renamed_file_does_not_bind() {
        check_case(
            &[st(
                Some(("widget-1.0.tar.gz", "widget-2.0.tar.gz")),
                None,
                None,
            )],
            &Expect::NONE,
            &["signed for file name \"widget-1.0.tar.gz\", but \"widget-2.0.tar.gz\" is expected"],
        );
        check_case(&[st(Some(("w", "w")), None, None)], &Expect::NONE, &[]);
        // A custom comment binds nothing by itself...
        check_case(&[st(None, None, None)], &Expect::NONE, &[]);
        // ...but an explicit expectation must be stated.
        let e = Expect {
            file: Some("w".into()),
            version: Some("2.0".into()),
            ..Expect::NONE
        };
        check_case(
            &[st(None, None, None)],
            &e,
            &[
                "no trusted signature states the file name \"w\"",
                "no trusted signature states the version \"2.0\"",
            ],
        );
    }

    #[test]
    fn versions_and_names_bind() {
        let e = Expect {
            name: Some("prompts".into()),
            version: Some("1.4.0".into()),
            ..Expect::NONE
        };
        check_case(
            &[st(None, Some("prompts"), Some("1.3.0"))],
            &e,
            &["signed for version \"1.3.0\", but \"1.4.0\" is expected"],
        );
        check_case(
            &[st(None, Some("other"), Some("1.4.0"))],
            &e,
            &["signed for name \"other\", but \"prompts\" is expected"],
        );
        check_case(&[st(None, Some("prompts"), Some("1.4.0"))], &e, &[]);
        // A version implied by the archive name must not be contradicted, nor is it required.
        let implied = Expect {
            implied_version: Some("1.4.0".into()),
            ..Expect::NONE
        };
        check_case(
            &[st(None, Some("prompts"), Some("1.3.0"))],
            &implied,
            &["signed for version \"1.3.0\", but \"1.4.0\" is expected"],
        );
        check_case(&[st(None, None, None)], &implied, &[]);
        // An explicit version wins over the implied one.
        let both = Expect {
            version: Some("1.3.0".into()),
            implied_version: Some("1.4.0".into()),
            ..Expect::NONE
        };
        check_case(&[st(None, Some("p"), Some("1.3.0"))], &both, &[]);
    }

    #[test]
    fn a_blob_signature_states_its_file_and_release() {
        let s = Statement::of_blob(
            "SHA256SUMS.minisig",
            "timestamp:1\tfile:SHA256SUMS\trelease:sigil-0.1.0",
            "SHA256SUMS.old",
        );
        assert_eq!(
            s,
            Statement {
                source: "SHA256SUMS.minisig".into(),
                file: Some(FileBinding {
                    signed: "SHA256SUMS".into(),
                    here: "SHA256SUMS.old".into(),
                }),
                name: Some("sigil".into()),
                version: Some("0.1.0".into()),
            }
        );
        assert_eq!(
            Statement::of_blob("x.minisig", "made by hand", "x"),
            Statement {
                source: "x.minisig".into(),
                ..Statement::default()
            }
        );
    }

    #[test]
    fn require_names_every_mismatch_with_its_code() {
        let renamed = st(Some(("w-1.0", "w-2.0")), Some("w"), Some("1.0"));
        let e = require(
            &[renamed],
            &Expect {
                version: Some("2.0".into()),
                ..Expect::NONE
            },
        )
        .unwrap_err();
        assert_eq!(e.code(), "signed-name-mismatch");
        assert_eq!(
            e.mismatches.iter().map(Mismatch::code).collect::<Vec<_>>(),
            ["signed-name-mismatch", "signed-version-mismatch"]
        );
        assert_eq!(
            e.to_string(),
            "the signature verified, but not for this: signed-name-mismatch: signed for file name \"w-1.0\", but \"w-2.0\" is expected; signed-version-mismatch: signed for version \"1.0\", but \"2.0\" is expected"
        );
        let only_version = require(
            &[st(None, None, Some("1.0"))],
            &Expect {
                version: Some("2.0".into()),
                ..Expect::NONE
            },
        )
        .unwrap_err();
        assert_eq!(only_version.code(), "signed-version-mismatch");
        assert_eq!(
            require(&[st(Some(("w", "w")), None, None)], &Expect::NONE),
            Ok(())
        );
    }

    #[test]
    fn renamed_pack_archive_does_not_bind() {
        let archive = st(
            Some(("prompts-1.3.0.tar.gz", "prompts-1.4.0.tar.gz")),
            None,
            None,
        );
        let manifest = st(None, Some("prompts"), Some("1.3.0"));
        let got: Vec<String> = check_pack(
            &[archive.clone(), manifest.clone()],
            "prompts-1.4.0.tar.gz",
            &Expect::NONE,
        )
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            got,
            [
                "signed for file name \"prompts-1.3.0.tar.gz\", but \"prompts-1.4.0.tar.gz\" is expected",
                "signed for version \"1.3.0\", but \"1.4.0\" is expected",
            ]
        );
        // Saying exactly which pack is wanted accepts the renamed archive.
        let exact = Expect {
            name: Some("prompts".into()),
            version: Some("1.3.0".into()),
            ..Expect::NONE
        };
        assert_eq!(
            check_pack(&[archive, manifest], "prompts-1.4.0.tar.gz", &exact),
            []
        );
    }

    #[test]
    fn renamed_pack_archive_needs_both_name_and_version_expected() {
        let archive = st(
            Some(("prompts-1.3.0.tar.gz", "prompts-1.4.0.tar.gz")),
            None,
            None,
        );
        let manifest = st(None, Some("prompts"), Some("1.3.0"));
        let renamed = "signed for file name \"prompts-1.3.0.tar.gz\", but \"prompts-1.4.0.tar.gz\" is expected";
        for half in [
            Expect {
                name: Some("prompts".into()),
                ..Expect::NONE
            },
            Expect {
                version: Some("1.3.0".into()),
                ..Expect::NONE
            },
        ] {
            let got: Vec<String> = check_pack(
                &[archive.clone(), manifest.clone()],
                "prompts-1.4.0.tar.gz",
                &half,
            )
            .iter()
            .map(ToString::to_string)
            .collect();
            assert!(got.iter().any(|m| m == renamed), "{half:?}: {got:?}");
        }
    }
}
