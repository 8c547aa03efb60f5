//! The policy file: strict TOML (unknown keys are errors) turned into a validated [`Policy`].
//!
//! Every error names the file, line and column, with the offending line as a snippet and a
//! hint where the fix is clear.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use regex::Regex;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use sigil_core::Sha256Digest;
use sigil_keys::{KeyId, PublicKey};
use thiserror::Error;
use toml::value::{Datetime, Offset};
use toml::Spanned;

use crate::codes::Code;
use crate::time::Timestamp;

/// The only policy schema this version reads.
pub const SCHEMA: i64 = 1;
/// Largest policy file read.
pub const MAX_POLICY_BYTES: u64 = 1024 * 1024;
/// Default `[install] max-download-bytes`: 1 GiB.
pub const DEFAULT_MAX_DOWNLOAD: u64 = 1 << 30;
/// Default `[install] file-mode`.
pub const DEFAULT_FILE_MODE: u32 = 0o644;
/// SLSA Provenance v1 predicate type, the default for `[provenance] predicate-type`.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// Predicate types accepted as SBOMs unless `[sbom] predicate-types` says otherwise.
pub const DEFAULT_SBOM_TYPES: &[&str] = &["https://cyclonedx.org/bom", "https://spdx.dev/Document"];
/// Compiled-size limit for policy regexes, so a hostile policy cannot exhaust memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Where in a policy file something is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The policy file as given.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// Why a policy could not be loaded.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// The file could not be read.
    #[error("cannot read policy {}: {source}", path.display())]
    Io {
        /// The policy file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than [`MAX_POLICY_BYTES`].
    #[error("policy {} is larger than {limit} bytes", path.display())]
    TooLarge {
        /// The policy file.
        path: PathBuf,
        /// The limit.
        limit: u64,
    },
    /// The policy is not valid: syntax, an unknown key, a wrong type, a bad value.
    #[error("{location}: {message}")]
    Invalid {
        /// Where.
        location: Location,
        /// What is wrong, lowercase.
        message: String,
        /// The offending line with a caret under the column.
        snippet: String,
        /// How to fix it, when that is clear.
        hint: Option<String>,
    },
}

/// Where a trusted key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOrigin {
    /// A key file, resolved relative to the policy file.
    Path(PathBuf),
    /// Written inline in the policy.
    Inline,
}

/// A key the policy trusts, with its validity window.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    /// An optional label from the policy.
    pub name: Option<String>,
    /// The public key.
    pub key: PublicKey,
    /// Where it came from.
    pub origin: KeyOrigin,
    /// Signatures are not accepted before this time.
    pub not_before: Option<Timestamp>,
    /// Signatures are not accepted after this time.
    pub not_after: Option<Timestamp>,
}

impl TrustedKey {
    /// A short name for reports: the label, or the key id.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("{n} ({})", self.key.key_id()),
            None => self.key.key_id().to_string(),
        }
    }
}

/// How a keyless identity's subject is matched.
#[derive(Debug, Clone)]
pub enum SubjectMatch {
    /// Exactly this certificate subject (SAN).
    Exact(String),
    /// A regex searched in the subject (unanchored, like cosign; anchor it with `^...$`).
    Regex(Regex),
}

impl SubjectMatch {
    /// Whether `subject` matches.
    pub fn matches(&self, subject: &str) -> bool {
        match self {
            SubjectMatch::Exact(s) => s == subject,
            SubjectMatch::Regex(r) => r.is_match(subject),
        }
    }
}

/// A trusted keyless (Sigstore) signer.
#[derive(Debug, Clone)]
pub struct Identity {
    /// The OIDC issuer, compared exactly.
    pub issuer: String,
    /// The subject.
    pub subject: SubjectMatch,
}

/// How a source ref is matched.
#[derive(Debug, Clone)]
pub enum RefMatch {
    /// Exactly this ref, e.g. `refs/heads/main`.
    Exact(String),
    /// A regex searched in the ref.
    Regex(Regex),
}

impl RefMatch {
    /// Whether `r` matches.
    pub fn matches(&self, r: &str) -> bool {
        match self {
            RefMatch::Exact(s) => s == r,
            RefMatch::Regex(re) => re.is_match(r),
        }
    }
}

/// `[provenance]`: when present, trusted provenance is required.
#[derive(Debug, Clone)]
pub struct ProvenanceRule {
    /// The predicate type required (default SLSA Provenance v1).
    pub predicate_type: String,
    /// Required `runDetails.builder.id`, compared exactly.
    pub builder_id: Option<String>,
    /// Required source repository (compared without scheme, `git+` prefix, `.git` suffix or `@ref`).
    pub source_uri: Option<String>,
    /// Required source ref.
    pub source_ref: Option<RefMatch>,
}

/// `[sbom]`: when `required`, an SBOM attestation from a trusted signer is required.
#[derive(Debug, Clone)]
pub struct SbomRule {
    /// Predicate types accepted as SBOMs.
    pub predicate_types: Vec<String>,
}

/// `[pack]` limits.
#[derive(Debug, Clone, Default)]
pub struct PackRule {
    /// Whether the policy has a `[pack]` table: archives (`.tar.gz`, `.tgz`, `.zip`) are then
    /// verified as packs; without it they are plain files.
    pub present: bool,
    /// Most regular files a pack may hold.
    pub max_files: Option<u64>,
    /// Most bytes a pack's files may add up to.
    pub max_total_bytes: Option<u64>,
}

/// `[install]`.
#[derive(Debug, Clone)]
pub struct InstallRule {
    /// Mode of a single installed file.
    pub file_mode: u32,
    /// Downloads larger than this are refused.
    pub max_download_bytes: u64,
}

/// A waiver for one finding code, with its reason.
#[derive(Debug, Clone)]
pub struct Exception {
    /// The waived code.
    pub code: Code,
    /// Why it is acceptable (mandatory).
    pub reason: String,
    /// Only for artifacts whose name matches.
    pub artifact: Option<Regex>,
    /// Not applied after this time.
    pub expires: Option<Timestamp>,
    /// Where it is in the policy, for `unused-exception` reports.
    pub location: Location,
}

/// A validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Trusted keys.
    pub keys: Vec<TrustedKey>,
    /// Revoked key ids: signatures by these keys never count.
    pub revoked: Vec<KeyId>,
    /// Distinct trusted signers required.
    pub threshold: u32,
    /// Trusted keyless identities.
    pub identities: Vec<Identity>,
    /// A Sigstore `trusted_root.json` (text) for keyless bundles; `None` means the public-good root.
    pub sigstore_root: Option<String>,
    /// Required provenance.
    pub provenance: Option<ProvenanceRule>,
    /// Required SBOM.
    pub sbom: Option<SbomRule>,
    /// Pack limits.
    pub pack: PackRule,
    /// Install settings.
    pub install: InstallRule,
    /// Whether `sigil run` may execute artifacts under this policy.
    pub run_allowed: bool,
    /// Exceptions.
    pub exceptions: Vec<Exception>,
    /// SHA-256 of the policy file's bytes, for the audit log.
    pub digest: Sha256Digest,
    /// The file it came from.
    pub file: PathBuf,
}

// ---- raw, span-carrying serde model ----

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawPolicy {
    schema: Spanned<i64>,
    trust: Spanned<RawTrust>,
    provenance: Option<RawProvenance>,
    sbom: Option<RawSbom>,
    pack: Option<RawPack>,
    install: Option<RawInstall>,
    run: Option<RawRun>,
    #[serde(default)]
    exceptions: Vec<Spanned<RawException>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawTrust {
    #[serde(default)]
    keys: Vec<Spanned<RawKey>>,
    threshold: Option<Spanned<i64>>,
    #[serde(default)]
    identities: Vec<Spanned<RawIdentity>>,
    #[serde(default)]
    revoked: Vec<Spanned<String>>,
    sigstore_trusted_root: Option<Spanned<String>>,
}

enum RawKey {
    Path(String),
    Table(RawKeyTable),
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawKeyTable {
    name: Option<String>,
    path: Option<String>,
    public_key: Option<String>,
    not_before: Option<Spanned<Datetime>>,
    not_after: Option<Spanned<Datetime>>,
}

impl<'de> Deserialize<'de> for RawKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key file path or a table with `path` or `public-key`")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<RawKey, E> {
                Ok(RawKey::Path(s.to_owned()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawKey, A::Error> {
                RawKeyTable::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawKey::Table)
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawIdentity {
    issuer: Spanned<String>,
    subject: Option<String>,
    subject_regex: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawProvenance {
    predicate_type: Option<String>,
    builder_id: Option<String>,
    source_uri: Option<String>,
    source_ref: Option<Spanned<String>>,
    source_ref_regex: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawSbom {
    required: bool,
    predicate_types: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawPack {
    max_files: Option<Spanned<i64>>,
    max_total_bytes: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawInstall {
    file_mode: Option<Spanned<i64>>,
    max_download_bytes: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawRun {
    allow: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawException {
    code: Spanned<String>,
    reason: Spanned<String>,
    artifact_regex: Option<Spanned<String>>,
    expires: Option<Spanned<Datetime>>,
}

/// Turns byte offsets into locations and snippets.
struct Source<'a> {
    file: &'a Path,
    text: &'a str,
}

impl Source<'_> {
    fn location(&self, offset: usize) -> Location {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = self.text[line_start..offset].chars().count() + 1;
        Location {
            file: self.file.to_path_buf(),
            line,
            column,
        }
    }

    fn snippet(&self, loc: &Location) -> String {
        let text = self.text.lines().nth(loc.line - 1).unwrap_or("");
        let gutter = loc.line.to_string();
        let pad = " ".repeat(gutter.len());
        let caret_pad: String = text
            .chars()
            .take(loc.column - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        format!("{pad} |\n{gutter} | {text}\n{pad} | {caret_pad}^")
    }

    fn error(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        hint: Option<&str>,
    ) -> PolicyError {
        let location = self.location(span.start);
        let snippet = self.snippet(&location);
        PolicyError::Invalid {
            location,
            message: message.into(),
            snippet,
            hint: hint.map(str::to_owned),
        }
    }
}

fn toml_hint(msg: &str) -> Option<&'static str> {
    if msg.contains("unknown field") {
        Some("remove the key or fix its spelling; docs/policy.md lists every key")
    } else if msg.contains("missing field `reason`") {
        Some("every exception needs a `reason` saying why the finding is acceptable")
    } else if msg.contains("missing field") {
        Some("docs/policy.md lists the required keys")
    } else {
        None
    }
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

fn compile_regex(src: &Source<'_>, s: &Spanned<String>, what: &str) -> Result<Regex, PolicyError> {
    regex::RegexBuilder::new(s.get_ref())
        .size_limit(REGEX_SIZE_LIMIT)
        .build()
        .map_err(|e| {
            let detail = e
                .to_string()
                .lines()
                .rfind(|l| !l.trim().is_empty())
                .unwrap_or("invalid")
                .trim()
                .to_owned();
            src.error(
                s.span(),
                format!("{what} does not compile: {}", lowercase_first(detail.trim_start_matches("error: "))),
                Some("regexes use Rust `regex` syntax; escape literal dots and brackets with a backslash"),
            )
        })
}

fn timestamp(
    src: &Source<'_>,
    dt: &Spanned<Datetime>,
    what: &str,
) -> Result<Timestamp, PolicyError> {
    let v = dt.get_ref();
    let bad = |m: &str, h: &str| src.error(dt.span(), format!("{what}: {m}"), Some(h));
    let Some(date) = v.date else {
        return Err(bad(
            "a time without a date",
            "write a date such as 2027-01-01 or 2027-01-01T00:00:00Z",
        ));
    };
    let (h, mi, s) = match v.time {
        None => (0, 0, 0),
        Some(t) => {
            if v.offset.is_none() {
                return Err(bad(
                    "a local time is ambiguous",
                    "add `Z` or an offset such as +02:00",
                ));
            }
            (
                u32::from(t.hour),
                u32::from(t.minute),
                u32::from(t.second.unwrap_or(0)),
            )
        }
    };
    let t = Timestamp::from_utc(
        i64::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
        h,
        mi,
        s,
    )
    .ok_or_else(|| bad("not a valid date", "use YYYY-MM-DD"))?;
    let offset = match v.offset {
        Some(Offset::Custom { minutes }) => i64::from(minutes) * 60,
        _ => 0,
    };
    Ok(Timestamp(t.0 - offset))
}

fn non_negative(src: &Source<'_>, v: &Spanned<i64>, what: &str) -> Result<u64, PolicyError> {
    u64::try_from(*v.get_ref())
        .map_err(|_| src.error(v.span(), format!("{what} must not be negative"), None))
}

/// Parses a key id as `minisign` prints it (16 hex digits).
pub fn parse_key_id(s: &str) -> Option<KeyId> {
    if s.len() != 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(s, 16)
        .ok()
        .map(|n| KeyId(n.to_le_bytes()))
}

/// Reads the files a policy names (paths as written, relative to the policy file); errors are
/// plain messages, placed at the naming key's location.
pub trait PolicyFiles {
    /// A public key file (minisign or PEM).
    fn public_key(&self, path: &Path) -> Result<PublicKey, String>;
    /// A small text file (a Sigstore `trusted_root.json`).
    fn text(&self, path: &Path) -> Result<String, String>;
}

/// [`PolicyFiles`] on the file system, relative to a base directory.
#[derive(Debug, Clone)]
pub struct FsFiles {
    /// The policy file's directory.
    pub base: PathBuf,
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let cs = c.to_string();
        if !s.contains(&cs) {
            s.push_str(": ");
            s.push_str(&cs);
        }
        cur = c.source();
    }
    s
}

impl PolicyFiles for FsFiles {
    fn public_key(&self, path: &Path) -> Result<PublicKey, String> {
        sigil_keys::read_public_key(&self.base.join(path)).map_err(|e| chain(&e))
    }

    fn text(&self, path: &Path) -> Result<String, String> {
        use std::io::Read as _;
        let (f, _) = sigil_core::input::open(&self.base.join(path)).map_err(|e| chain(&e))?;
        let mut s = String::new();
        f.take(MAX_POLICY_BYTES * 16)
            .read_to_string(&mut s)
            .map_err(|e| chain(&e))?;
        Ok(s)
    }
}

impl Policy {
    /// Reads and parses a policy file; key paths are resolved relative to it.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        use std::io::Read as _;
        let io = |source| PolicyError::Io {
            path: path.to_path_buf(),
            source,
        };
        let (f, _) = sigil_core::input::open(path).map_err(io)?;
        let mut buf = Vec::new();
        f.take(MAX_POLICY_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(io)?;
        if buf.len() as u64 > MAX_POLICY_BYTES {
            return Err(PolicyError::TooLarge {
                path: path.to_path_buf(),
                limit: MAX_POLICY_BYTES,
            });
        }
        let text = String::from_utf8(buf).map_err(|e| PolicyError::Invalid {
            location: Location {
                file: path.to_path_buf(),
                line: 1,
                column: 1,
            },
            message: format!(
                "policy is not UTF-8 (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ),
            snippet: String::new(),
            hint: None,
        })?;
        let files = FsFiles {
            base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        };
        Self::parse(&text, path, &files)
    }

    /// Parses policy text; `file` names it in errors and `files` reads the files it names.
    pub fn parse(text: &str, file: &Path, files: &dyn PolicyFiles) -> Result<Policy, PolicyError> {
        let src = Source { file, text };
        let raw: RawPolicy = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            let msg = lowercase_first(e.message().trim());
            let hint = toml_hint(&msg);
            src.error(span, msg, hint)
        })?;
        if *raw.schema.get_ref() != SCHEMA {
            return Err(src.error(
                raw.schema.span(),
                format!(
                    "unsupported policy schema {} (this sigil reads schema {SCHEMA})",
                    raw.schema.get_ref()
                ),
                Some("set `schema = 1`"),
            ));
        }
        let trust_span = raw.trust.span();
        let trust = raw.trust.into_inner();

        let mut keys: Vec<TrustedKey> = Vec::new();
        for k in &trust.keys {
            let span = k.span();
            let (name, origin, key, nb, na) = match k.get_ref() {
                RawKey::Path(p) => {
                    let key = files
                        .public_key(Path::new(p))
                        .map_err(|m| src.error(span.clone(), format!("key {p}: {m}"), None))?;
                    (None, KeyOrigin::Path(PathBuf::from(p)), key, None, None)
                }
                RawKey::Table(t) => {
                    let (origin, key) = match (&t.path, &t.public_key) {
                        (Some(p), None) => {
                            let key = files.public_key(Path::new(p)).map_err(|m| {
                                src.error(span.clone(), format!("key {p}: {m}"), None)
                            })?;
                            (KeyOrigin::Path(PathBuf::from(p)), key)
                        }
                        (None, Some(text)) => {
                            let key = PublicKey::parse(text).map_err(|e| {
                                src.error(
                                    span.clone(),
                                    format!("inline public-key: {e}"),
                                    Some("paste the base64 line of a minisign .pub file, or a PEM block"),
                                )
                            })?;
                            (KeyOrigin::Inline, key)
                        }
                        _ => {
                            return Err(src.error(
                                span,
                                "a key needs exactly one of `path` or `public-key`",
                                None,
                            ));
                        }
                    };
                    let nb = t
                        .not_before
                        .as_ref()
                        .map(|d| timestamp(&src, d, "not-before"))
                        .transpose()?;
                    let na = t
                        .not_after
                        .as_ref()
                        .map(|d| timestamp(&src, d, "not-after"))
                        .transpose()?;
                    if let (Some(b), Some(a), Some(sp)) = (nb, na, t.not_after.as_ref()) {
                        if a <= b {
                            return Err(src.error(
                                sp.span(),
                                "not-after must be later than not-before",
                                None,
                            ));
                        }
                    }
                    (t.name.clone(), origin, key, nb, na)
                }
            };
            if keys.iter().any(|o| o.key.raw() == key.raw()) {
                return Err(src.error(
                    span,
                    format!("key {} is listed twice", key.key_id()),
                    Some("list each key once"),
                ));
            }
            keys.push(TrustedKey {
                name,
                key,
                origin,
                not_before: nb,
                not_after: na,
            });
        }

        let mut revoked = Vec::new();
        for r in &trust.revoked {
            let id = parse_key_id(r.get_ref()).ok_or_else(|| {
                src.error(
                    r.span(),
                    format!("{:?} is not a key id", r.get_ref()),
                    Some(
                        "write the 16 hex digits `minisign` or `sigil verify` print as the key id",
                    ),
                )
            })?;
            revoked.push(id);
        }

        let mut identities = Vec::new();
        for i in &trust.identities {
            let raw = i.get_ref();
            if raw.issuer.get_ref().is_empty() {
                return Err(src.error(raw.issuer.span(), "issuer must not be empty", None));
            }
            let subject = match (&raw.subject, &raw.subject_regex) {
                (Some(s), None) => SubjectMatch::Exact(s.clone()),
                (None, Some(r)) => SubjectMatch::Regex(compile_regex(&src, r, "subject-regex")?),
                _ => {
                    return Err(src.error(
                        i.span(),
                        "an identity needs exactly one of `subject` or `subject-regex`",
                        None,
                    ))
                }
            };
            identities.push(Identity {
                issuer: raw.issuer.get_ref().clone(),
                subject,
            });
        }

        let sigstore_root = match &trust.sigstore_trusted_root {
            None => None,
            Some(p) => Some(files.text(Path::new(p.get_ref())).map_err(|m| {
                src.error(
                    p.span(),
                    format!("sigstore-trusted-root {}: {m}", p.get_ref()),
                    None,
                )
            })?),
        };

        let usable = keys
            .iter()
            .filter(|k| !revoked.contains(&k.key.key_id()))
            .count()
            + identities.len();
        if usable == 0 {
            return Err(src.error(
                trust_span,
                "the policy trusts no key or identity, so nothing could ever pass",
                Some("add `keys = [\"keys/release.pub\"]` or a [[trust.identities]] entry under [trust]"),
            ));
        }
        let threshold = match &trust.threshold {
            None => 1,
            Some(t) => {
                let v = *t.get_ref();
                if v < 1 || v as u64 > usable as u64 {
                    return Err(src.error(
                        t.span(),
                        format!("threshold {v} is not between 1 and the {usable} usable keys and identities"),
                        Some("a threshold counts distinct trusted signers"),
                    ));
                }
                v as u32
            }
        };

        let provenance = match raw.provenance {
            None => None,
            Some(p) => {
                let source_ref = match (&p.source_ref, &p.source_ref_regex) {
                    (Some(_), Some(r)) => {
                        return Err(src.error(
                            r.span(),
                            "give `source-ref` or `source-ref-regex`, not both",
                            None,
                        ))
                    }
                    (Some(s), None) => Some(RefMatch::Exact(s.get_ref().clone())),
                    (None, Some(r)) => {
                        Some(RefMatch::Regex(compile_regex(&src, r, "source-ref-regex")?))
                    }
                    (None, None) => None,
                };
                Some(ProvenanceRule {
                    predicate_type: p
                        .predicate_type
                        .unwrap_or_else(|| SLSA_PROVENANCE_V1.to_owned()),
                    builder_id: p.builder_id,
                    source_uri: p.source_uri,
                    source_ref,
                })
            }
        };

        let sbom = match raw.sbom {
            Some(s) if s.required => {
                let types = match s.predicate_types {
                    Some(t) if t.get_ref().is_empty() => {
                        return Err(src.error(t.span(), "predicate-types must not be empty", None))
                    }
                    Some(t) => t.into_inner(),
                    None => DEFAULT_SBOM_TYPES.iter().map(|s| (*s).to_owned()).collect(),
                };
                Some(SbomRule {
                    predicate_types: types,
                })
            }
            _ => None,
        };

        let pack = match raw.pack {
            None => PackRule::default(),
            Some(p) => PackRule {
                present: true,
                max_files: p
                    .max_files
                    .as_ref()
                    .map(|v| non_negative(&src, v, "max-files"))
                    .transpose()?,
                max_total_bytes: p
                    .max_total_bytes
                    .as_ref()
                    .map(|v| non_negative(&src, v, "max-total-bytes"))
                    .transpose()?,
            },
        };

        let mut install = InstallRule {
            file_mode: DEFAULT_FILE_MODE,
            max_download_bytes: DEFAULT_MAX_DOWNLOAD,
        };
        if let Some(i) = raw.install {
            if let Some(m) = &i.file_mode {
                let v = *m.get_ref();
                if !(0..=0o777).contains(&v) {
                    return Err(src.error(
                        m.span(),
                        format!("file-mode {v:#o} is not a permission mode"),
                        Some("write an octal mode such as 0o644 or 0o755; setuid, setgid and sticky bits are not allowed"),
                    ));
                }
                if v & 0o022 != 0 {
                    return Err(src.error(
                        m.span(),
                        format!("file-mode {v:#o} lets other users change the installed file"),
                        Some("drop the group and world write bits, e.g. 0o644 or 0o755"),
                    ));
                }
                install.file_mode = v as u32;
            }
            if let Some(m) = &i.max_download_bytes {
                let v = non_negative(&src, m, "max-download-bytes")?;
                if v == 0 {
                    return Err(src.error(m.span(), "max-download-bytes must be at least 1", None));
                }
                install.max_download_bytes = v;
            }
        }

        let mut exceptions = Vec::new();
        for e in &raw.exceptions {
            let r = e.get_ref();
            let code = Code::parse(r.code.get_ref()).ok_or_else(|| {
                src.error(
                    r.code.span(),
                    format!("unknown finding code {:?}", r.code.get_ref()),
                    Some("docs/codes.md lists every finding code"),
                )
            })?;
            if !code.waivable() {
                return Err(src.error(
                    r.code.span(),
                    format!("{code} cannot be waived"),
                    Some("integrity failures (tampered content, broken signatures, malformed evidence) are never exceptions"),
                ));
            }
            if r.reason.get_ref().trim().is_empty() {
                return Err(src.error(
                    r.reason.span(),
                    "reason must not be empty",
                    Some("say why the finding is acceptable"),
                ));
            }
            exceptions.push(Exception {
                code,
                reason: r.reason.get_ref().trim().to_owned(),
                artifact: r
                    .artifact_regex
                    .as_ref()
                    .map(|a| compile_regex(&src, a, "artifact-regex"))
                    .transpose()?,
                expires: r
                    .expires
                    .as_ref()
                    .map(|d| timestamp(&src, d, "expires"))
                    .transpose()?,
                location: src.location(e.span().start),
            });
        }

        Ok(Policy {
            keys,
            revoked,
            threshold,
            identities,
            sigstore_root,
            provenance,
            sbom,
            pack,
            install,
            run_allowed: raw.run.is_some_and(|r| r.allow),
            exceptions,
            digest: Sha256Digest::of(text.as_bytes()),
            file: file.to_path_buf(),
        })
    }

    /// Whether `key` (by id) is on the revocation list.
    pub fn is_revoked(&self, id: KeyId) -> bool {
        self.revoked.contains(&id)
    }

    /// The trusted key with these raw bytes.
    pub fn trusted_key(&self, raw: &[u8; 32]) -> Option<&TrustedKey> {
        self.keys.iter().find(|k| &k.key.raw() == raw)
    }
}
