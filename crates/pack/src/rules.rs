//! Data-only rules: what a pack may contain, shared by the directory walker and the
//! archive readers.

use std::collections::HashMap;
use std::fmt;

use unicode_normalization::UnicodeNormalization;

sigil_core::finding_codes! {
    /// The stable codes of packs (`docs/codes.md`; never renamed): a data-only rule a path
    /// breaks (JSON `rule`), and how a tree differs from its manifest (JSON `kind`, which is
    /// also a rule code when a rule is broken).
    pub enum PackCode {
        /// A symbolic link.
        Symlink = "symlink",
        /// A hard link: a second name for a file (in a tree: link count above one).
        HardLink = "hard-link",
        /// A character or block device.
        Device = "device",
        /// A named pipe.
        Fifo = "fifo",
        /// A Unix socket.
        Socket = "socket",
        /// Any other entry type (sparse files, contiguous files, vendor types).
        UnsupportedEntry = "unsupported-entry",
        /// An execute, setuid, setgid or sticky bit on a file.
        Executable = "executable",
        /// An absolute path.
        AbsolutePath = "absolute-path",
        /// A `..` component (or `.`, or an empty component).
        ParentDir = "parent-dir",
        /// A name that is not UTF-8.
        NameNotUtf8 = "name-not-utf8",
        /// A name with a control character or a backslash.
        NameCharacter = "name-character",
        /// Two names equal under case folding or Unicode NFC normalisation.
        NameCollision = "name-collision",
        /// The same path twice in an archive (or a file where a directory is, or the reverse).
        DuplicateEntry = "duplicate-entry",
        /// More files than the limit.
        TooManyFiles = "too-many-files",
        /// A file over the single-file size limit.
        FileTooLarge = "file-too-large",
        /// Files adding up to more than the total size limit.
        TotalTooLarge = "total-too-large",
        /// More bytes came out of decompression than the limits allow.
        DecompressedTooLarge = "decompressed-too-large",
        /// A PAX `size` record that disagrees with the ustar header's size.
        PaxSizeMismatch = "pax-size-mismatch",
        /// An entry whose data is shorter or longer than its header says.
        EntrySizeMismatch = "entry-size-mismatch",
        /// A file whose content is an executable format (ELF, Mach-O, PE, `#!` script),
        /// whatever its name.
        ExecutableContent = "executable-content",
        /// A file whose content contradicts its extension (text that is not UTF-8 or holds NUL
        /// bytes, JSON that does not parse).
        ContentMismatch = "content-mismatch",
        /// A directory with no file at any depth below it (an archive cannot carry it faithfully
        /// and the manifest does not list it).
        EmptyDirectory = "empty-directory",
        /// A directory writable by every user, or with setuid, setgid or sticky bits.
        DirectoryMode = "directory-mode",
        /// An archive that does not parse (bad checksum, truncated, trailing data, bad numbers).
        MalformedArchive = "malformed-archive",
        /// A zip entry whose local file header disagrees with its central directory entry (another
        /// name or compression method), or is missing.
        LocalHeaderMismatch = "local-header-mismatch",
        /// Listed in the manifest, not present.
        Missing = "missing",
        /// Present, not listed.
        Extra = "extra",
        /// Listed and present, with other content.
        Changed = "changed",
        /// Listed as a file, present as something else.
        TypeChanged = "type-changed",
    }
}

/// Shorthands for the data-only rule codes of [`PackCode`], as the strings violations carry.
pub mod code {
    // Each constant is its variant's code; the variants carry the documentation.
    #![allow(missing_docs)]
    use super::PackCode;

    pub const SYMLINK: &str = PackCode::Symlink.code();
    pub const HARD_LINK: &str = PackCode::HardLink.code();
    pub const DEVICE: &str = PackCode::Device.code();
    pub const FIFO: &str = PackCode::Fifo.code();
    pub const SOCKET: &str = PackCode::Socket.code();
    pub const UNSUPPORTED_ENTRY: &str = PackCode::UnsupportedEntry.code();
    pub const EXECUTABLE: &str = PackCode::Executable.code();
    pub const ABSOLUTE_PATH: &str = PackCode::AbsolutePath.code();
    pub const PARENT_DIR: &str = PackCode::ParentDir.code();
    pub const NAME_NOT_UTF8: &str = PackCode::NameNotUtf8.code();
    pub const NAME_CHARACTER: &str = PackCode::NameCharacter.code();
    pub const NAME_COLLISION: &str = PackCode::NameCollision.code();
    pub const DUPLICATE_ENTRY: &str = PackCode::DuplicateEntry.code();
    pub const TOO_MANY_FILES: &str = PackCode::TooManyFiles.code();
    pub const FILE_TOO_LARGE: &str = PackCode::FileTooLarge.code();
    pub const TOTAL_TOO_LARGE: &str = PackCode::TotalTooLarge.code();
    pub const DECOMPRESSED_TOO_LARGE: &str = PackCode::DecompressedTooLarge.code();
    pub const PAX_SIZE_MISMATCH: &str = PackCode::PaxSizeMismatch.code();
    pub const ENTRY_SIZE_MISMATCH: &str = PackCode::EntrySizeMismatch.code();
    pub const EXECUTABLE_CONTENT: &str = PackCode::ExecutableContent.code();
    pub const CONTENT_MISMATCH: &str = PackCode::ContentMismatch.code();
    pub const EMPTY_DIRECTORY: &str = PackCode::EmptyDirectory.code();
    pub const DIRECTORY_MODE: &str = PackCode::DirectoryMode.code();
    pub const MALFORMED_ARCHIVE: &str = PackCode::MalformedArchive.code();
    pub const LOCAL_HEADER_MISMATCH: &str = PackCode::LocalHeaderMismatch.code();
}

/// A data-only rule broken by one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The path, relative to the pack root (lossy for non-UTF-8 names).
    pub path: String,
    /// Stable code from [`code`].
    pub rule: &'static str,
    /// What is wrong, for people.
    pub detail: String,
}

impl Violation {
    /// A violation.
    pub fn new(path: impl Into<String>, rule: &'static str, detail: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            rule,
            detail: detail.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{} [{}]", self.detail, self.rule)
        } else {
            write!(f, "{}: {} [{}]", self.path, self.detail, self.rule)
        }
    }
}

/// Size and count limits for a pack. Defaults match the policy example in the design.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most regular files (manifest files included).
    pub max_files: u64,
    /// Largest single file in bytes.
    pub max_file_bytes: u64,
    /// Largest total of all file sizes in bytes.
    pub max_total_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_files: 10_000,
            max_file_bytes: 128 << 20,
            max_total_bytes: 512 << 20,
        }
    }
}

impl Limits {
    /// The limits given, each one not given at its [`Limits::default`].
    pub fn or_default(
        max_files: Option<u64>,
        max_file_bytes: Option<u64>,
        max_total_bytes: Option<u64>,
    ) -> Self {
        let d = Self::default();
        Self {
            max_files: max_files.unwrap_or(d.max_files),
            max_file_bytes: max_file_bytes.unwrap_or(d.max_file_bytes),
            max_total_bytes: max_total_bytes.unwrap_or(d.max_total_bytes),
        }
    }

    /// Most archive entries of any kind (files plus the directories that hold them).
    pub fn max_entries(&self) -> u64 {
        self.max_files.saturating_mul(2).saturating_add(16)
    }

    /// Most bytes decompression may yield: file data, headers and padding for the entry
    /// limit, bounded metadata, and a little trailing padding.
    pub fn max_decompressed(&self) -> u64 {
        self.max_total_bytes
            .saturating_add(self.max_entries().saturating_mul(4 * 512))
            .saturating_add(crate::tar_read::MAX_METADATA_TOTAL)
            .saturating_add(crate::tar_read::MAX_TRAILING)
            .saturating_add(1 << 20)
    }
}

/// Checks one relative, `/`-separated path: no absolute path, no `.`/`..`/empty
/// components, no control characters or backslashes.
pub fn check_path(path: &str) -> Result<(), Violation> {
    if path.is_empty() {
        return Err(Violation::new(path, code::PARENT_DIR, "empty path"));
    }
    if path.starts_with('/') {
        return Err(Violation::new(path, code::ABSOLUTE_PATH, "absolute path"));
    }
    for comp in path.split('/') {
        match comp {
            ".." => return Err(Violation::new(path, code::PARENT_DIR, "path contains `..`")),
            "." | "" => {
                return Err(Violation::new(
                    path,
                    code::PARENT_DIR,
                    "path has an empty or `.` component",
                ))
            }
            _ => {}
        }
    }
    if let Some(c) = path.chars().find(|c| c.is_control()) {
        return Err(Violation::new(
            path.escape_debug().to_string(),
            code::NAME_CHARACTER,
            format!("name contains control character U+{:04X}", c as u32),
        ));
    }
    if path.contains('\\') {
        return Err(Violation::new(
            path,
            code::NAME_CHARACTER,
            "name contains a backslash",
        ));
    }
    Ok(())
}

/// Folds a path for collision checks: NFC, lower case, NFC again.
fn fold(path: &str) -> String {
    // ASCII is its own NFC and lower-cases to ASCII: the same result, without the tables.
    if path.is_ascii() {
        return path.to_ascii_lowercase();
    }
    let nfc: String = path.nfc().collect();
    nfc.to_lowercase().nfc().collect()
}

/// Whether a path is a file or a directory in a [`NameSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// A regular file.
    File,
    /// A directory (stated or implied by a file below it).
    Dir,
}

/// The paths seen so far, keyed by their folded form, to catch duplicates and names that
/// collide on case-insensitive or normalising file systems.
#[derive(Debug, Default)]
pub struct NameSet {
    /// Folded path -> (the path as spelt, when that differs from its folded form; kind;
    /// whether stated rather than implied). Most names are their own folded form, so most
    /// paths are held once.
    seen: HashMap<Box<str>, Seen>,
}

/// A [`NameSet`] entry: the spelling when it differs from the folded key, the kind, and
/// whether the path was stated (not only implied by a path below it).
type Seen = (Option<Box<str>>, NodeKind, bool);

impl NameSet {
    /// Adds a path and, implicitly, its parent directories. `explicit` is false for
    /// directories implied by a file. Fails on a duplicate, a collision, or a path whose
    /// parent is a file.
    pub fn insert(&mut self, path: &str, kind: NodeKind) -> Result<(), Violation> {
        let mut end = 0;
        let comps: Vec<&str> = path.split('/').collect();
        for (i, comp) in comps.iter().enumerate() {
            end += comp.len() + usize::from(i > 0);
            let prefix = &path[..end];
            let last = i + 1 == comps.len();
            let kind_here = if last { kind } else { NodeKind::Dir };
            let key = fold(prefix);
            match self.seen.get_mut(key.as_str()) {
                None => {
                    let exact = (key != prefix).then(|| prefix.into());
                    self.seen
                        .insert(key.into_boxed_str(), (exact, kind_here, last));
                }
                Some((spelt, seen_kind, seen_explicit)) => {
                    let exact: &str = spelt.as_deref().unwrap_or(key.as_str());
                    if exact != prefix {
                        return Err(Violation::new(
                            path,
                            code::NAME_COLLISION,
                            format!("{prefix:?} and {exact:?} are the same name on case-insensitive or normalising file systems"),
                        ));
                    }
                    if kind_here != *seen_kind {
                        return Err(Violation::new(
                            path,
                            code::DUPLICATE_ENTRY,
                            format!("{prefix:?} is both a file and a directory"),
                        ));
                    }
                    if last {
                        if *seen_explicit {
                            return Err(Violation::new(
                                path,
                                code::DUPLICATE_ENTRY,
                                "entry appears twice",
                            ));
                        }
                        *seen_explicit = true;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The names in one directory, keyed by their folded form. Two paths collide on a
/// case-insensitive or normalising file system exactly where they first differ: between
/// two siblings of one directory (folding keeps `/` and folds each component alone). So
/// a walk or a sorted list needs one set per directory on its current path, not a set of
/// every path; the names are borrowed, and a name that is its own folded form (most are)
/// is not copied.
#[derive(Debug, Default)]
pub(crate) struct Siblings<'a> {
    seen: HashMap<std::borrow::Cow<'a, str>, (&'a str, NodeKind)>,
}

impl<'a> Siblings<'a> {
    /// Adds one name (a single component). Fails with the earlier sibling's spelling and
    /// kind when a name folds to the same key but is spelt otherwise, is of the other
    /// kind, or is the same file again; the same directory again is accepted.
    pub(crate) fn insert(
        &mut self,
        name: &'a str,
        kind: NodeKind,
    ) -> Result<(), (&'a str, NodeKind)> {
        use std::borrow::Cow;
        let key = if name.is_ascii() && !name.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Borrowed(name)
        } else {
            Cow::Owned(fold(name))
        };
        match self.seen.get(&key) {
            None => {
                self.seen.insert(key, (name, kind));
                Ok(())
            }
            Some(&(spelt, NodeKind::Dir)) if spelt == name && kind == NodeKind::Dir => Ok(()),
            Some(&earlier) => Err(earlier),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_not_given_are_the_defaults() {
        let d = Limits::default();
        assert_eq!(Limits::or_default(None, None, None), d);
        let l = Limits::or_default(Some(5), None, Some(9));
        assert_eq!(
            (l.max_files, l.max_file_bytes, l.max_total_bytes),
            (5, d.max_file_bytes, 9)
        );
    }

    fn check(input: &str, expect: Result<(), &str>) {
        assert_eq!(
            check_path(input).map_err(|v| v.rule),
            expect,
            "input {input:?}"
        );
    }

    #[test]
    fn paths() {
        check("a/b.txt", Ok(()));
        check("é/ü.md", Ok(()));
        check("/etc/passwd", Err(code::ABSOLUTE_PATH));
        check("../x", Err(code::PARENT_DIR));
        check("a/../../x", Err(code::PARENT_DIR));
        check("a//b", Err(code::PARENT_DIR));
        check("./a", Err(code::PARENT_DIR));
        check("a/", Err(code::PARENT_DIR));
        check("a\nb", Err(code::NAME_CHARACTER));
        check("a\u{7f}", Err(code::NAME_CHARACTER));
        check("a\\b", Err(code::NAME_CHARACTER));
        check("", Err(code::PARENT_DIR));
    }

    #[test]
    fn collisions_and_duplicates() {
        let mut s = NameSet::default();
        assert!(s.insert("Docs/a.md", NodeKind::File).is_ok());
        assert!(s.insert("Docs", NodeKind::Dir).is_ok());
        assert_eq!(
            s.insert("docs/b.md", NodeKind::File).unwrap_err().rule,
            code::NAME_COLLISION
        );
        assert_eq!(
            s.insert("Docs/A.md", NodeKind::File).unwrap_err().rule,
            code::NAME_COLLISION
        );
        assert_eq!(
            s.insert("Docs/a.md", NodeKind::File).unwrap_err().rule,
            code::DUPLICATE_ENTRY
        );
        assert_eq!(
            s.insert("Docs/a.md/x", NodeKind::File).unwrap_err().rule,
            code::DUPLICATE_ENTRY
        );
        assert_eq!(
            s.insert("Docs", NodeKind::Dir).unwrap_err().rule,
            code::DUPLICATE_ENTRY
        );
        // NFC: "é" precomposed and decomposed.
        assert!(s.insert("caf\u{e9}.txt", NodeKind::File).is_ok());
        assert_eq!(
            s.insert("cafe\u{301}.txt", NodeKind::File)
                .unwrap_err()
                .rule,
            code::NAME_COLLISION
        );
    }
}
