//! What the key commands answer and how key problems fail, as [`sigil_core::report`] values:
//! the lines and JSON of `key generate` and `key export`, and the kind, message and hint of
//! each key-file and secret-key error.

use std::io;
use std::path::Path;

use serde_json::json;
use sigil_core::report::{Failure, Report};

use crate::{KeyFileError, KeyId, MinisignExportError, PublicKey, SecretKeyParseError};

/// Permissions too open: exit 2 with the `chmod`; an I/O error: exit 2 as I/O; anything else
/// (not a key, too large, exists): exit 2 as usage. The message is the error with its reason.
impl From<KeyFileError> for Failure {
    fn from(e: KeyFileError) -> Self {
        match &e {
            KeyFileError::InsecurePermissions { path, .. } => {
                let hint = format!("chmod 600 {}", path.display());
                Failure::usage(&e).hint(hint)
            }
            KeyFileError::Io { source, .. } if source.kind() != io::ErrorKind::InvalidData => {
                Failure::io(Failure::chain(&e))
            }
            _ => Failure::usage(Failure::chain(&e)),
        }
    }
}

/// A secret key at `path` that does not parse or decrypt: exit 2; a wrong password hints at
/// the variable that carries it (`password_var`).
pub fn secret_key_failure(path: &Path, e: &SecretKeyParseError, password_var: &str) -> Failure {
    let failure = Failure::usage(format!("{}: {e}", path.display()));
    match e {
        SecretKeyParseError::WrongPassword => failure.hint(format!("check {password_var}")),
        _ => failure,
    }
}

/// A key file `key generate` would overwrite without `--force`.
pub fn key_exists(path: &Path) -> Failure {
    Failure::usage(format!("{}: already exists", path.display())).hint("use --force to overwrite")
}

/// `key generate`: the new key's id and where its halves went.
pub fn generated(
    public: &PublicKey,
    secret_path: &Path,
    public_path: &Path,
    encrypted: bool,
) -> Report {
    let data = json!({
        "key_id": public.key_id().to_string(),
        "fingerprint": public.fingerprint(),
        "secret_key": secret_path,
        "public_key": public_path,
        "encrypted": encrypted,
    });
    let how = if encrypted {
        "encrypted"
    } else {
        "UNENCRYPTED"
    };
    Report::ok("ok", data)
        .line(format!("key id {}", public.key_id()))
        .line(format!("secret key: {} ({how})", secret_path.display()))
        .line(format!("public key: {}", public_path.display()))
}

/// `key export`: the key file `text` in `format` (`pem` or `minisign`) as the document, with
/// the key id it carries (`id`, else the key's own).
pub fn exported(public: &PublicKey, id: Option<KeyId>, format: &str, text: String) -> Report {
    let key_id = id.unwrap_or(public.key_id()).to_string();
    let data = json!({ "format": format, "key_id": key_id, "fingerprint": public.fingerprint(), "key": text });
    let mut r = Report::ok("ok", data);
    r.document = Some(text);
    r
}

/// A key at `path` that cannot be written as a minisign public key: exit 2, with the flag that
/// fixes a PEM key without an id.
pub fn export_failure(path: &Path, e: &MinisignExportError) -> Failure {
    let failure = Failure::usage(format!("{}: {e}", path.display()));
    match e {
        MinisignExportError::NoKeyId => failure
            .hint("pass --key-id with the id of the minisign key this PEM key was exported from"),
        _ => failure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sigil_core::report::FailureKind;
    use std::path::PathBuf;

    fn check(f: Failure, kind: FailureKind, message: &str, hint: Option<&str>) {
        assert_eq!(
            (f.kind, f.message.as_str(), f.hint.as_deref()),
            (kind, message, hint)
        );
    }

    #[test]
    fn key_file_errors_print_their_reason_once_and_sort_by_kind() {
        let path = PathBuf::from("k.pub");
        let io = |kind| KeyFileError::Io {
            path: path.clone(),
            source: io::Error::new(kind, "gone"),
        };
        check(
            io(io::ErrorKind::NotFound).into(),
            FailureKind::Io,
            "k.pub: gone",
            None,
        );
        check(
            io(io::ErrorKind::InvalidData).into(),
            FailureKind::Usage,
            "k.pub: gone",
            None,
        );
        let parse = KeyFileError::PublicKey {
            path: path.clone(),
            source: crate::PublicKeyParseError::Base64,
        };
        assert_eq!(parse.to_string(), "k.pub");
        check(
            parse.into(),
            FailureKind::Usage,
            "k.pub: public key is not valid base64",
            None,
        );
        let open = KeyFileError::InsecurePermissions {
            path: "s.key".into(),
            mode: 0o644,
        };
        let want = "s.key: secret key is readable by others (mode 0644)";
        check(
            open.into(),
            FailureKind::Usage,
            want,
            Some("chmod 600 s.key"),
        );
        let exists = KeyFileError::Exists { path };
        check(
            exists.into(),
            FailureKind::Usage,
            "k.pub: already exists (use --force to overwrite)",
            None,
        );
    }

    #[test]
    fn secret_key_failures_hint_at_the_password_only_when_it_is_wrong() {
        let p = Path::new("s.key");
        let wrong = secret_key_failure(p, &SecretKeyParseError::WrongPassword, "PW");
        check(
            wrong,
            FailureKind::Usage,
            "s.key: wrong password or corrupt secret key (checksum mismatch)",
            Some("check PW"),
        );
        let b64 = secret_key_failure(p, &SecretKeyParseError::Base64, "PW");
        check(
            b64,
            FailureKind::Usage,
            "s.key: secret key is not valid base64",
            None,
        );
        check(
            key_exists(p),
            FailureKind::Usage,
            "s.key: already exists",
            Some("use --force to overwrite"),
        );
    }

    #[test]
    fn generate_and_export_report_the_key_for_people_and_machines() {
        let pk = crate::SecretKey::generate().public();
        let (s, p) = (Path::new("k.key"), Path::new("k.pub"));
        let r = generated(&pk, s, p, false);
        let id = pk.key_id().to_string();
        assert_eq!(
            r.human,
            [
                format!("key id {id}"),
                "secret key: k.key (UNENCRYPTED)".into(),
                "public key: k.pub".into()
            ]
        );
        assert_eq!(
            r.data,
            json!({"key_id": id, "fingerprint": pk.fingerprint(), "secret_key": "k.key", "public_key": "k.pub", "encrypted": false})
        );
        assert_eq!(
            generated(&pk, s, p, true).human[1],
            "secret key: k.key (encrypted)"
        );
        let e = exported(&pk, Some(KeyId([1; 8])), "minisign", "TEXT".into());
        assert_eq!((e.human.len(), e.document.as_deref()), (0, Some("TEXT")));
        assert_eq!(
            e.data,
            json!({"format": "minisign", "key_id": "0101010101010101", "fingerprint": pk.fingerprint(), "key": "TEXT"})
        );
        let f = export_failure(p, &MinisignExportError::NoKeyId);
        let msg = "k.pub: a PEM key carries no minisign key id, and an invented one would not match any existing signature";
        let hint = "pass --key-id with the id of the minisign key this PEM key was exported from";
        check(f, FailureKind::Usage, msg, Some(hint));
    }
}
