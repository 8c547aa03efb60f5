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

/// Something in a policy that is allowed but is probably not what its author meant (a regex
/// that matches everything, an identity regex that is not anchored). Commands that load a
/// policy print these on stderr; they never fail the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyWarning {
    /// Where.
    pub location: Location,
    /// What is suspicious, lowercase.
    pub message: String,
    /// How to say what is probably meant.
    pub hint: Option<String>,
}

impl fmt::Display for PolicyWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)?;
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

/// Where a trusted key came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOrigin {
    /// A key file, resolved relative to the policy file.
    Path(PathBuf),
    /// Written inline in the policy.
    Inline,
}

/// What a trusted key may vouch for (`roles = [...]` on a key table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum KeyRole {
    /// Signatures over the artifact: `.minisig` sidecars, signed checksum lists, pack manifests.
    Artifact,
    /// Attestations of the `[provenance]` predicate type.
    Provenance,
    /// Attestations of an `[sbom] predicate-types` type.
    Sbom,
}

impl KeyRole {
    /// Every role: what a key without `roles` may do.
    pub const ALL: &'static [KeyRole] = &[KeyRole::Artifact, KeyRole::Provenance, KeyRole::Sbom];

    /// `artifact`, `provenance` or `sbom`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyRole::Artifact => "artifact",
            KeyRole::Provenance => "provenance",
            KeyRole::Sbom => "sbom",
        }
    }

    /// The role named `s`.
    pub fn parse(s: &str) -> Option<KeyRole> {
        KeyRole::ALL.iter().copied().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for KeyRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key the policy trusts, with its validity window and roles.
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
    /// What its signatures count for; every role ([`KeyRole::ALL`]) unless the policy says
    /// `roles = [...]`.
    pub roles: Vec<KeyRole>,
}

impl TrustedKey {
    /// Whether the key may vouch for evidence of this kind.
    pub fn has_role(&self, role: KeyRole) -> bool {
        self.roles.contains(&role)
    }

    /// Its roles as the policy would write them (`artifact, provenance`).
    pub fn roles_text(&self) -> String {
        self.roles
            .iter()
            .map(|r| r.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

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
    /// Any subject: the identity names a publisher (`repository`, `owner` or
    /// `signer-workflow`) instead, and the certificate's claims are the rule.
    Any,
}

impl SubjectMatch {
    /// Whether `subject` matches.
    pub fn matches(&self, subject: &str) -> bool {
        match self {
            SubjectMatch::Exact(s) => s == subject,
            SubjectMatch::Regex(r) => r.is_match(subject),
            SubjectMatch::Any => true,
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
    /// The publisher claims the certificate must carry (empty: none).
    pub claims: IdentityClaims,
}

/// Publisher keys of a `[[trust.identities]]` entry, held against the Fulcio certificate's
/// claims (1.3.6.1.4.1.57264.1.*) as `gh attestation verify` holds its flags. Repositories,
/// owners and workflows are `OWNER/REPO`-style or full `https://HOST/...` URLs; on github.com
/// they compare case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdentityClaims {
    /// `repository`: the Source Repository URI (`owner/repo` or `https://HOST/PATH`).
    pub repository: Option<String>,
    /// `owner`: the Source Repository Owner URI.
    pub owner: Option<String>,
    /// `signer-workflow`: `[HOST/]OWNER/REPO/PATH` of the workflow that signed, any ref.
    pub signer_workflow: Option<String>,
    /// `source-ref`: the Source Repository Ref, exactly.
    pub source_ref: Option<String>,
    /// `environment`: the deployment environment the publisher names (only PEP 740
    /// provenance objects say it; other evidence does not match an identity that asks).
    pub environment: Option<String>,
    /// `self-hosted-runners = false`: the Runner Environment must be `github-hosted`.
    pub self_hosted_runners: Option<bool>,
}

impl IdentityClaims {
    /// Whether no claim is asked.
    pub fn is_empty(&self) -> bool {
        *self == IdentityClaims::default()
    }

    /// Whether a publisher (repository, owner or signing workflow) is named.
    pub fn names_publisher(&self) -> bool {
        self.repository.is_some() || self.owner.is_some() || self.signer_workflow.is_some()
    }
}

impl Identity {
    /// Whether a verified signer (issuer, SAN and, when known, its certificate's claims) is
    /// this identity. An identity that asks claims never matches a signer whose claims are
    /// unknown.
    pub fn matches(
        &self,
        issuer: &str,
        subject: &str,
        claims: Option<&crate::evidence::PublisherClaims>,
    ) -> bool {
        if self.issuer != issuer || !self.subject.matches(subject) {
            return false;
        }
        if self.claims.is_empty() {
            return true;
        }
        claims.is_some_and(|c| c.satisfy(&self.claims, issuer))
    }
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
    /// A TUF `root.json` (text) pinned for `tuf+https://` pack repositories (`tuf-root`).
    pub tuf_root: Option<String>,
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
    /// Suspicious but allowed settings, for the loading command to print on stderr.
    pub warnings: Vec<PolicyWarning>,
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
    provenance: Option<Spanned<RawProvenance>>,
    sbom: Option<Spanned<RawSbom>>,
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
    tuf_root: Option<Spanned<String>>,
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
    roles: Option<Spanned<Vec<Spanned<String>>>>,
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
    subject: Option<Spanned<String>>,
    subject_regex: Option<Spanned<String>>,
    repository: Option<Spanned<String>>,
    owner: Option<Spanned<String>>,
    signer_workflow: Option<Spanned<String>>,
    source_ref: Option<Spanned<String>>,
    environment: Option<Spanned<String>>,
    self_hosted_runners: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawProvenance {
    predicate_type: Option<Spanned<String>>,
    builder_id: Option<Spanned<String>>,
    source_uri: Option<Spanned<String>>,
    source_ref: Option<Spanned<String>>,
    source_ref_regex: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct RawSbom {
    required: bool,
    predicate_types: Option<Spanned<Vec<Spanned<String>>>>,
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

/// Unrelated strings a regex meant to pick something out would not all match: different
/// lengths, alphabets, schemes and shapes (an identity, a ref, an e-mail, punctuation, a space,
/// non-ASCII text). A regex that matches every one of them is taken to match everything.
const MATCH_EVERYTHING_PROBES: &[&str] = &[
    "a",
    "Z",
    "0",
    " ",
    "~!%&()",
    "\u{e9}\u{6f22}\u{5b57}",
    "mallory@evil.example",
    "refs/pull/1/merge",
    "https://evil.example/mallory/widget/.github/workflows/release.yml@refs/heads/main",
    "spiffe://attacker/ns/default/sa/x",
];

/// Whether `re` matches every one of [`MATCH_EVERYTHING_PROBES`] (so `.*`, `^.*$`, `.+`, `(?s).`,
/// `a?`, `|x` and the like).
pub fn matches_everything(re: &Regex) -> bool {
    MATCH_EVERYTHING_PROBES.iter().all(|p| re.is_match(p))
}

/// A string that must say something: empty (or only blanks) is refused, since it can never be
/// meant (it would match nothing, or with a regex, everything).
fn not_blank(
    src: &Source<'_>,
    s: &Spanned<String>,
    what: &str,
    hint: &str,
) -> Result<(), PolicyError> {
    if s.get_ref().trim().is_empty() {
        return Err(src.error(s.span(), format!("{what} must not be empty"), Some(hint)));
    }
    Ok(())
}

/// Compiles a policy regex, refusing an empty one, and warns when it matches everything or,
/// with `anchor`, when it is not anchored at the start (`^` or `\A`).
fn policy_regex(
    src: &Source<'_>,
    s: &Spanned<String>,
    what: &str,
    anchor: bool,
    warnings: &mut Vec<PolicyWarning>,
) -> Result<Regex, PolicyError> {
    not_blank(
        src,
        s,
        what,
        "an empty regex matches everything; write the pattern, or leave the key out",
    )?;
    let re = compile_regex(src, s, what)?;
    let warn = |message: String, hint: &str| PolicyWarning {
        location: src.location(s.span().start),
        message,
        hint: Some(hint.to_owned()),
    };
    if matches_everything(&re) {
        warnings.push(warn(
            format!("{what} {:?} matches everything", s.get_ref()),
            "a pattern that matches any string checks nothing; name what is trusted, e.g. '^https://github\\.com/OWNER/REPO/'",
        ));
    } else if anchor && !(s.get_ref().starts_with('^') || s.get_ref().starts_with("\\A")) {
        warnings.push(warn(
            format!(
                "{what} {:?} is not anchored: it is searched anywhere in the value, so a value that merely contains a match passes too",
                s.get_ref()
            ),
            "start it with `^` (and end it with `$` unless a prefix is meant), as cosign users learnt the hard way",
        ));
    }
    Ok(re)
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

/// A limit that must be at least 1: 0 would refuse everything, which is never meant.
fn positive(src: &Source<'_>, v: &Spanned<i64>, what: &str, why: &str) -> Result<u64, PolicyError> {
    let n = non_negative(src, v, what)?;
    if n == 0 {
        return Err(src.error(
            v.span(),
            format!("{what} must be at least 1 ({why})"),
            Some("leave the key out for the default"),
        ));
    }
    Ok(n)
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

impl PolicyFiles for FsFiles {
    fn public_key(&self, path: &Path) -> Result<PublicKey, String> {
        sigil_keys::read_public_key(&self.base.join(path)).map_err(|e| sigil_core::error::chain(&e))
    }

    fn text(&self, path: &Path) -> Result<String, String> {
        let (f, _) = sigil_core::input::open(&self.base.join(path))
            .map_err(|e| sigil_core::error::chain(&e))?;
        let buf = sigil_core::input::read_bounded(f, MAX_POLICY_BYTES * 16)
            .map_err(|e| sigil_core::error::chain(&e))?;
        String::from_utf8(buf).map_err(|_| "stream did not contain valid UTF-8".to_owned())
    }
}

impl Policy {
    /// Reads and parses a policy file; key paths are resolved relative to it.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        use sigil_core::input::ReadBoundedError;
        let io = |source| PolicyError::Io {
            path: path.to_path_buf(),
            source,
        };
        let (f, _) = sigil_core::input::open(path).map_err(io)?;
        let buf = sigil_core::input::read_bounded(f, MAX_POLICY_BYTES).map_err(|e| match e {
            ReadBoundedError::TooLarge { .. } => PolicyError::TooLarge {
                path: path.to_path_buf(),
                limit: MAX_POLICY_BYTES,
            },
            e => io(e.into()),
        })?;
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
        let mut warnings = Vec::new();
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
            let (name, origin, key, nb, na, roles) = match k.get_ref() {
                RawKey::Path(p) => {
                    let key = files
                        .public_key(Path::new(p))
                        .map_err(|m| src.error(span.clone(), format!("key {p}: {m}"), None))?;
                    (
                        None,
                        KeyOrigin::Path(PathBuf::from(p)),
                        key,
                        None,
                        None,
                        KeyRole::ALL.to_vec(),
                    )
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
                    let roles = match &t.roles {
                        None => KeyRole::ALL.to_vec(),
                        Some(list) => {
                            if list.get_ref().is_empty() {
                                return Err(src.error(
                                    list.span(),
                                    "roles must not be empty: the key could vouch for nothing",
                                    Some("leave `roles` out to let the key sign everything, or list some of \"artifact\", \"provenance\", \"sbom\""),
                                ));
                            }
                            let mut roles = Vec::new();
                            for r in list.get_ref() {
                                let role = KeyRole::parse(r.get_ref()).ok_or_else(|| {
                                    src.error(
                                        r.span(),
                                        format!("unknown key role {:?}", r.get_ref()),
                                        Some("roles are \"artifact\", \"provenance\" and \"sbom\""),
                                    )
                                })?;
                                if roles.contains(&role) {
                                    return Err(src.error(
                                        r.span(),
                                        format!("role {role} is listed twice"),
                                        Some("list each role once"),
                                    ));
                                }
                                roles.push(role);
                            }
                            roles.sort();
                            roles
                        }
                    };
                    (t.name.clone(), origin, key, nb, na, roles)
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
                roles,
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

        let mut identities: Vec<Identity> = Vec::new();
        for i in &trust.identities {
            let raw = i.get_ref();
            not_blank(
                &src,
                &raw.issuer,
                "issuer",
                "write the OIDC issuer URL, e.g. https://token.actions.githubusercontent.com",
            )?;
            let subject =
                match (&raw.subject, &raw.subject_regex) {
                    (Some(s), None) => {
                        not_blank(
                            &src,
                            s,
                            "subject",
                            "write the certificate subject (SAN) to trust",
                        )?;
                        SubjectMatch::Exact(s.get_ref().clone())
                    }
                    (None, Some(r)) => SubjectMatch::Regex(policy_regex(
                        &src,
                        r,
                        "subject-regex",
                        true,
                        &mut warnings,
                    )?),
                    (None, None)
                        if raw.repository.is_some()
                            || raw.owner.is_some()
                            || raw.signer_workflow.is_some() =>
                    {
                        SubjectMatch::Any
                    }
                    _ => return Err(src.error(
                        i.span(),
                        "an identity needs exactly one of `subject` or `subject-regex`",
                        Some(
                            "or name the publisher with `repository`, `owner` or `signer-workflow`",
                        ),
                    )),
                };
            let mut claims = IdentityClaims::default();
            for (slot, value, key, example) in [
                (
                    &mut claims.repository,
                    &raw.repository,
                    "repository",
                    "write OWNER/REPO, e.g. pypa/sampleproject",
                ),
                (
                    &mut claims.owner,
                    &raw.owner,
                    "owner",
                    "write the repository owner, e.g. pypa",
                ),
                (
                    &mut claims.signer_workflow,
                    &raw.signer_workflow,
                    "signer-workflow",
                    "write OWNER/REPO/.github/workflows/release.yml",
                ),
                (
                    &mut claims.source_ref,
                    &raw.source_ref,
                    "source-ref",
                    "write the ref, e.g. refs/tags/v1.0.0",
                ),
                (
                    &mut claims.environment,
                    &raw.environment,
                    "environment",
                    "write the environment name, e.g. pypi",
                ),
            ] {
                if let Some(v) = value {
                    not_blank(&src, v, key, example)?;
                    *slot = Some(v.get_ref().clone());
                }
            }
            claims.self_hosted_runners = raw.self_hosted_runners;
            let same = |o: &Identity| {
                o.issuer == *raw.issuer.get_ref()
                    && o.claims == claims
                    && match (&o.subject, &subject) {
                        (SubjectMatch::Any, SubjectMatch::Any) => true,
                        (SubjectMatch::Exact(a), SubjectMatch::Exact(b)) => a == b,
                        (SubjectMatch::Regex(a), SubjectMatch::Regex(b)) => {
                            a.as_str() == b.as_str()
                        }
                        _ => false,
                    }
            };
            if identities.iter().any(same) {
                return Err(src.error(
                    i.span(),
                    "this identity is listed twice",
                    Some("list each identity once; a threshold counts distinct signers"),
                ));
            }
            identities.push(Identity {
                issuer: raw.issuer.get_ref().clone(),
                subject,
                claims,
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

        let tuf_root = match &trust.tuf_root {
            None => None,
            Some(p) => Some(files.text(Path::new(p.get_ref())).map_err(|m| {
                src.error(p.span(), format!("tuf-root {}: {m}", p.get_ref()), None)
            })?),
        };

        // Only keys that may sign artifacts count towards the threshold.
        let usable = keys
            .iter()
            .filter(|k| !revoked.contains(&k.key.key_id()) && k.has_role(KeyRole::Artifact))
            .count()
            + identities.len();
        if usable == 0 {
            let message = if keys.iter().any(|k| !revoked.contains(&k.key.key_id())) {
                "no trusted key has the role \"artifact\" and no identity is trusted, so nothing could ever pass"
            } else {
                "the policy trusts no key or identity, so nothing could ever pass"
            };
            return Err(src.error(
                trust_span,
                message,
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

        // A required kind of evidence that no trusted key may sign and no identity could: nothing
        // could ever pass.
        let unsignable = |role: KeyRole, span: Range<usize>| {
            let keys = keys
                .iter()
                .any(|k| k.has_role(role) && !revoked.contains(&k.key.key_id()));
            if keys || !identities.is_empty() {
                return Ok(());
            }
            Err(src.error(
                span,
                format!("{role} is required, but no trusted key has the role \"{role}\" and no identity is trusted, so nothing could ever pass"),
                Some(match role {
                    KeyRole::Provenance => "add \"provenance\" to the `roles` of the key that signs provenance, or a [[trust.identities]] entry",
                    _ => "add \"sbom\" to the `roles` of the key that signs SBOM attestations, or a [[trust.identities]] entry",
                }),
            ))
        };
        let provenance = match raw.provenance {
            None => None,
            Some(p) => {
                unsignable(KeyRole::Provenance, p.span())?;
                let p = p.into_inner();
                let source_ref = match (&p.source_ref, &p.source_ref_regex) {
                    (Some(_), Some(r)) => {
                        return Err(src.error(
                            r.span(),
                            "give `source-ref` or `source-ref-regex`, not both",
                            None,
                        ))
                    }
                    (Some(s), None) => {
                        not_blank(
                            &src,
                            s,
                            "source-ref",
                            "write a ref such as refs/heads/main, or leave the key out",
                        )?;
                        Some(RefMatch::Exact(s.get_ref().clone()))
                    }
                    (None, Some(r)) => Some(RefMatch::Regex(policy_regex(
                        &src,
                        r,
                        "source-ref-regex",
                        true,
                        &mut warnings,
                    )?)),
                    (None, None) => None,
                };
                let given = |v: Option<Spanned<String>>, what: &str, hint: &str| {
                    v.map(|v| not_blank(&src, &v, what, hint).map(|()| v.into_inner()))
                        .transpose()
                };
                Some(ProvenanceRule {
                    predicate_type: given(
                        p.predicate_type,
                        "predicate-type",
                        "leave it out for https://slsa.dev/provenance/v1",
                    )?
                    .unwrap_or_else(|| SLSA_PROVENANCE_V1.to_owned()),
                    builder_id: given(
                        p.builder_id,
                        "builder-id",
                        "write the builder id the provenance must name, or leave the key out to accept any builder",
                    )?,
                    source_uri: given(
                        p.source_uri,
                        "source-uri",
                        "write the repository, e.g. github.com/OWNER/REPO, or leave the key out",
                    )?,
                    source_ref,
                })
            }
        };

        let sbom = match raw.sbom.map(|s| (s.span(), s.into_inner())) {
            Some((span, s)) if s.required => {
                unsignable(KeyRole::Sbom, span)?;
                let types = match s.predicate_types {
                    Some(t) if t.get_ref().is_empty() => {
                        return Err(src.error(t.span(), "predicate-types must not be empty", None))
                    }
                    Some(t) => {
                        let mut out: Vec<String> = Vec::new();
                        for ty in t.into_inner() {
                            not_blank(
                                &src,
                                &ty,
                                "a predicate type",
                                "write a predicate type URI such as https://cyclonedx.org/bom",
                            )?;
                            if out.contains(ty.get_ref()) {
                                return Err(src.error(
                                    ty.span(),
                                    format!("predicate type {:?} is listed twice", ty.get_ref()),
                                    Some("list each predicate type once"),
                                ));
                            }
                            out.push(ty.into_inner());
                        }
                        out
                    }
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
                    .map(|v| positive(&src, v, "max-files", "a pack holds at least one file"))
                    .transpose()?,
                max_total_bytes: p
                    .max_total_bytes
                    .as_ref()
                    .map(|v| {
                        positive(
                            &src,
                            v,
                            "max-total-bytes",
                            "a limit of 0 bytes refuses every pack",
                        )
                    })
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
                let hint = match code {
                    Code::SignatureMissing | Code::ThresholdNotMet | Code::KeyRoleMissing => {
                        "an exception cannot stand in for a signature: without one nothing is verified; lower `threshold` to need fewer signers, or give a key the `roles` it needs"
                    }
                    _ => "integrity failures (tampered content, broken signatures, malformed evidence) are never exceptions",
                };
                return Err(src.error(
                    r.code.span(),
                    format!("{code} cannot be waived"),
                    Some(hint),
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
                    .map(|a| policy_regex(&src, a, "artifact-regex", false, &mut warnings))
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
            tuf_root,
            provenance,
            sbom,
            pack,
            install,
            run_allowed: raw.run.is_some_and(|r| r.allow),
            exceptions,
            warnings,
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

    /// The trusted keys that may vouch for evidence of this kind (revoked and out-of-window
    /// keys included: those are reported as such).
    pub fn keys_with_role(&self, role: KeyRole) -> impl Iterator<Item = &TrustedKey> {
        self.keys.iter().filter(move |k| k.has_role(role))
    }

    /// The role a key needs to vouch for an attestation of this predicate type: `provenance`
    /// for the `[provenance]` type, `sbom` for an `[sbom]` type; `None` when the policy asks
    /// for neither (such attestations are not read).
    pub fn role_for_predicate(&self, predicate_type: &str) -> Option<KeyRole> {
        if self
            .provenance
            .as_ref()
            .is_some_and(|p| p.predicate_type == predicate_type)
        {
            Some(KeyRole::Provenance)
        } else if self
            .sbom
            .as_ref()
            .is_some_and(|s| s.predicate_types.iter().any(|t| t == predicate_type))
        {
            Some(KeyRole::Sbom)
        } else {
            None
        }
    }
}
