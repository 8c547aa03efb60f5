//! Key files on disk: secret keys are created 0600 from the first byte, never overwritten
//! unless asked, and refused when group or others can read them.

use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use thiserror::Error;
use zeroize::Zeroizing;

use crate::{PublicKey, PublicKeyParseError};

/// Largest key file we read; real ones are a few hundred bytes.
const MAX_KEY_FILE: u64 = 64 * 1024;

/// Why a key file could not be read or written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// An I/O error on the named file (the reason is the chained source).
    #[error("{}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The file exists and overwriting was not allowed.
    #[error("{path}: already exists (use --force to overwrite)")]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// A secret key readable by group or others.
    #[error("{path}: secret key is readable by others (mode {mode:04o})")]
    InsecurePermissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// Larger than any key file.
    #[error("{path}: too large to be a key file")]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// Not UTF-8 text.
    #[error("{path}: key file is not UTF-8 text")]
    NotText {
        /// The file.
        path: PathBuf,
    },
    /// A public key that does not parse (the reason is the chained source).
    #[error("{}", path.display())]
    PublicKey {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: PublicKeyParseError,
    },
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> KeyFileError + '_ {
    move |source| KeyFileError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn read_small(path: &Path, f: &mut fs::File) -> Result<Zeroizing<String>, KeyFileError> {
    use sigil_core::input::{read_bounded, ReadBoundedError};
    let buf = Zeroizing::new(read_bounded(f, MAX_KEY_FILE).map_err(|e| match e {
        ReadBoundedError::TooLarge { .. } => KeyFileError::TooLarge {
            path: path.to_path_buf(),
        },
        e => io_err(path)(e.into()),
    })?);
    let text = std::str::from_utf8(&buf).map_err(|_| KeyFileError::NotText {
        path: path.to_path_buf(),
    })?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// Reads a public key file in minisign or PEM form.
pub fn read_public_key(path: &Path) -> Result<PublicKey, KeyFileError> {
    let (mut f, _) = sigil_core::input::open(path).map_err(io_err(path))?;
    let text = read_small(path, &mut f)?;
    PublicKey::parse(&text).map_err(|source| KeyFileError::PublicKey {
        path: path.to_path_buf(),
        source,
    })
}

/// Reads a secret key file's text after checking, on the open file, that neither group nor
/// others have any access to it.
pub fn read_secret_key_file(path: &Path) -> Result<Zeroizing<String>, KeyFileError> {
    let (mut f, meta) = sigil_core::input::open(path).map_err(io_err(path))?;
    let mode = meta.permissions().mode() & 0o7777;
    if mode & 0o077 != 0 {
        return Err(KeyFileError::InsecurePermissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    read_small(path, &mut f)
}

/// Writes `contents` to a new file with `mode` set at creation. Refuses an existing file
/// unless `force`, in which case a private temporary file is renamed over it so the target is
/// never half-written or briefly readable.
pub fn write_new_file(
    path: &Path,
    contents: &[u8],
    mode: u32,
    force: bool,
) -> Result<(), KeyFileError> {
    if !force {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(path)
            .map_err(|e| match e.kind() {
                io::ErrorKind::AlreadyExists => KeyFileError::Exists {
                    path: path.to_path_buf(),
                },
                _ => KeyFileError::Io {
                    path: path.to_path_buf(),
                    source: e,
                },
            })?;
        f.write_all(contents)
            .and_then(|_| f.sync_all())
            .map_err(io_err(path))?;
        return Ok(());
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for attempt in 0..100u32 {
        let tmp = dir.join(format!(".{name}.tmp{}.{attempt}", std::process::id()));
        let mut f = match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
        {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(KeyFileError::Io {
                    path: tmp,
                    source: e,
                })
            }
        };
        let res = f
            .write_all(contents)
            .and_then(|_| f.sync_all())
            .and_then(|_| fs::rename(&tmp, path));
        if let Err(e) = res {
            let _ = fs::remove_file(&tmp);
            return Err(KeyFileError::Io {
                path: path.to_path_buf(),
                source: e,
            });
        }
        return Ok(());
    }
    Err(KeyFileError::Exists {
        path: path.to_path_buf(),
    })
}

/// Writes a secret key file, 0600 from its first byte.
pub fn write_secret_key_file(path: &Path, contents: &str, force: bool) -> Result<(), KeyFileError> {
    write_new_file(path, contents.as_bytes(), 0o600, force)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_files_are_private_and_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.key");
        write_secret_key_file(&p, "x", false).unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(matches!(
            write_secret_key_file(&p, "y", false),
            Err(KeyFileError::Exists { .. })
        ));
        write_secret_key_file(&p, "y", true).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "y");
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(&*read_secret_key_file(&p).unwrap(), "y");
        fs::set_permissions(&p, fs::Permissions::from_mode(0o640)).unwrap();
        assert!(matches!(
            read_secret_key_file(&p),
            Err(KeyFileError::InsecurePermissions { mode: 0o640, .. })
        ));
    }
}
