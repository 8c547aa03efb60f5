//! Checking the files a checksum list names, on every core.
//!
//! Each entry is opened beneath the list's directory and hashed
//! ([`sigil_core::input::sha256_beneath_at`]: one directory handle for the whole list, no
//! symlink out of it followed, one open, `fstat`, read and close per small file), and
//! compared. Results come back in list order, whatever the scheduling.

use std::fs::File;
use std::io;
use std::path::{Component, Path};

use rayon::prelude::*;
use sigil_core::Sha256Digest;

use crate::sums::Listed;

/// What checking one entry found.
#[derive(Debug)]
#[non_exhaustive]
pub enum Status {
    /// The file's SHA-256 is the listed one.
    Ok,
    /// Another SHA-256 (the one read; boxed, so a status of a large list is two words).
    Changed(Box<Sha256Digest>),
    /// No such file.
    Missing,
    /// The name leaves the list's directory: by itself (`..`, absolute), or through a symlink
    /// (`true`).
    UnsafePath(bool),
    /// Opening or reading failed.
    Unreadable(io::Error),
}

sigil_core::finding_codes! {
    /// The stable status word of one checked entry of a checksum list (`sums verify`).
    pub enum EntryCode {
        /// The file's SHA-256 is the listed one.
        Ok = "ok",
        /// The file's SHA-256 is another.
        Changed = "changed",
        /// No such file.
        Missing = "missing",
        /// The name leaves the list's directory (by itself or through a symlink).
        UnsafePath = "unsafe-path",
        /// Opening or reading failed.
        Unreadable = "unreadable",
    }
}

impl Status {
    /// The stable status word.
    pub fn reason(&self) -> EntryCode {
        match self {
            Status::Ok => EntryCode::Ok,
            Status::Changed(_) => EntryCode::Changed,
            Status::Missing => EntryCode::Missing,
            Status::UnsafePath(_) => EntryCode::UnsafePath,
            Status::Unreadable(_) => EntryCode::Unreadable,
        }
    }

    /// [`Status::reason`]'s word: `ok`, `changed`, `missing`, `unsafe-path`, `unreadable`.
    pub fn code(&self) -> &'static str {
        self.reason().code()
    }
}

/// Whether a listed name stays inside the list's directory by its spelling alone.
pub fn safe_relative(name: &str) -> bool {
    let p = Path::new(name);
    !name.is_empty()
        && p.components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

fn check_one(d: &File, dir: &Path, e: &impl Listed, buf: &mut Vec<u8>) -> Status {
    if !safe_relative(e.name()) {
        return Status::UnsafePath(false);
    }
    match sigil_core::input::sha256_beneath_at(d, dir, Path::new(e.name()), buf) {
        Err(err) if sigil_core::input::escapes(&err) => Status::UnsafePath(true),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Status::Missing,
        Err(err) => Status::Unreadable(err),
        Ok(got) if got == *e.digest() => Status::Ok,
        Ok(got) => Status::Changed(Box::new(got)),
    }
}

/// Checks every entry against the files beneath `dir`, in parallel; `done` is called once
/// per entry checked (for a progress display). Results are in entry order.
pub fn check<E: Listed + Sync>(
    dir: &Path,
    entries: &[E],
    done: &(dyn Fn() + Sync),
) -> io::Result<Vec<Status>> {
    let d = File::open(dir)?;
    Ok(entries
        .par_iter()
        .with_min_len(64)
        .map_init(Vec::new, |buf, e| {
            let s = check_one(&d, dir, e, buf);
            done();
            s
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sums::Entry;
    use sigil_core::digest::Sha256Hasher;

    #[test]
    fn statuses_come_back_in_list_order() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(tmp.path().join("a"), b"a").expect("write");
        std::fs::write(tmp.path().join("b"), b"b").expect("write");
        let digest = |b: &[u8]| {
            let mut h = Sha256Hasher::default();
            h.update(b);
            h.finalize()
        };
        let entries = vec![
            Entry {
                digest: digest(b"a"),
                name: "a".into(),
            },
            Entry {
                digest: digest(b"a"),
                name: "b".into(),
            },
            Entry {
                digest: digest(b"c"),
                name: "c".into(),
            },
            Entry {
                digest: digest(b"c"),
                name: "../c".into(),
            },
        ];
        let got: Vec<&str> = check(tmp.path(), &entries, &|| {})
            .expect("dir")
            .iter()
            .map(Status::code)
            .collect();
        assert_eq!(got, ["ok", "changed", "missing", "unsafe-path"]);
    }

    #[test]
    fn a_status_is_two_words_so_a_large_list_holds_little() {
        assert_eq!(std::mem::size_of::<Status>(), 16);
    }
}
