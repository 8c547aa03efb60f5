//! What `sign`, `verify` and `sums` answer and how they fail, as [`sigil_core::report`]
//! values: the human lines and JSON of minisign signatures, their verification and binding,
//! and of checksum lists written and checked.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sigil_core::report::{io_reason, Failure, Report, Status};
use sigil_keys::KeyId;

use crate::binding::{Mismatch, Unbound};
use crate::minisig::{SignError, Signature, SignatureParseError, Verified, VerifyError};
use crate::sums::{Entry, SumsFile};
use crate::sums_check;

/// `sign`: one line per signed file (file, signature file, signature), the signing key's id.
pub fn signed(key_id: KeyId, signed: &[(PathBuf, PathBuf, Signature)]) -> Report {
    let items: Vec<Value> = signed
        .iter()
        .map(|(file, path, sig)| {
            json!({ "file": file, "signature": path,
        "key_id": sig.key_id.to_string(), "trusted_comment": sig.trusted_comment })
        })
        .collect();
    let lines = signed
        .iter()
        .map(|(file, path, _)| format!("signed {} -> {}", file.display(), path.display()));
    Report::ok(
        "ok",
        json!({ "key_id": key_id.to_string(), "signed": items }),
    )
    .lines(lines)
}

/// Signing `file` failed: reading it is exit 2 as I/O, a bad comment exit 2 as usage.
pub fn sign_failure(file: &Path, e: SignError) -> Failure {
    match e {
        SignError::Io(io) => Failure::io(format!("{}: {}", file.display(), io_reason(&io))),
        other => Failure::usage(other),
    }
}

/// A signature (or, `keyless`, a bundle) at `path` that signing would overwrite without `--force`.
pub fn signature_exists(path: &Path, keyless: bool) -> Failure {
    let (what, hint) = match keyless {
        true => ("bundle", ""),
        false => (
            "signature file",
            ", or -x/--output to write the signature elsewhere",
        ),
    };
    Failure::usage(format!(
        "{}: {what} exists; nothing was signed and it is unchanged",
        path.display()
    ))
    .hint(format!("pass --force to overwrite it{hint}"))
}

/// No signature at `sig_path`: missing evidence, exit 1.
pub fn no_signature(file: &Path, sig_path: &Path) -> Failure {
    Failure::not_verified(format!(
        "{}: no signature: {} does not exist",
        file.display(),
        sig_path.display()
    ))
    .hint("sign with `sigil sign --key KEY FILE`, or name the signature with --signature")
}

/// A signature file that does not parse: exit 1.
pub fn malformed_signature(sig_path: &Path, e: &SignatureParseError) -> Failure {
    Failure::not_verified(format!("{}: {e}", sig_path.display()))
}

/// `sig` did not verify `file` with the key `trusted`: exit 1 with both key ids; reading
/// `file` failed: exit 2.
pub fn verify_failure(
    file: &Path,
    sig_path: &Path,
    sig: &Signature,
    trusted: KeyId,
    e: VerifyError,
) -> Failure {
    match e {
        VerifyError::Io(io) => Failure::io(format!("{}: {}", file.display(), io_reason(&io))),
        other => Failure::not_verified(format!("{}: {other}", file.display()))
            .data(json!({ "file": file, "signature": sig_path, "signature_key_id": sig.key_id.to_string(), "trusted_key_id": trusted.to_string() })),
    }
}

/// `verify`: the file, its key and its trusted comment.
pub fn verified(file: &Path, sig_path: &Path, v: &Verified) -> Report {
    let data = json!({
        "file": file,
        "signature": sig_path,
        "key_id": v.key_id.to_string(),
        "algorithm": v.algorithm.as_str(),
        "trusted_comment": v.trusted_comment,
        "bytes": v.bytes,
    });
    Report::ok("verified", data)
        .line(format!("verified {} (key id {})", file.display(), v.key_id))
        .line(format!("trusted comment: {}", v.trusted_comment))
}

/// A good signature over `what` that is not about what was expected: exit 1, with the codes
/// `signed-name-mismatch` and `signed-version-mismatch`.
pub fn unbound(what: &Path, e: &Unbound, trusted_comment: &str) -> Failure {
    Failure::not_verified(format!("{}: {e} (trusted comment: {trusted_comment})", what.display()))
        .hint("if it was renamed on purpose, pass --expect-name (and --expect-version) with what was signed")
        .data(json!({ "code": e.code(), "mismatches": mismatches_json(&e.mismatches), "trusted_comment": trusted_comment }))
}

/// Binding mismatches for `--format json`.
pub fn mismatches_json(mismatches: &[Mismatch]) -> Vec<Value> {
    let one = |m: &Mismatch| json!({ "code": m.code(), "source": m.source, "signed": m.signed, "expected": m.expected, "message": m.to_string() });
    mismatches.iter().map(one).collect()
}

fn entries_json(list: &SumsFile) -> Vec<Value> {
    let one = |e: &Entry| json!({ "name": e.name, "sha256": e.digest.to_hex() });
    list.entries.iter().map(one).collect()
}

/// `sums create -o OUTPUT`: where the list went and what it holds.
pub fn list_written(output: &Path, list: &SumsFile) -> Report {
    Report::ok(
        "ok",
        json!({ "output": output, "entries": entries_json(list) }),
    )
    .line(format!(
        "wrote {} ({} files)",
        output.display(),
        list.entries.len()
    ))
}

/// `sums create` to stdout: the list itself is the document.
pub fn list_printed(list: &SumsFile) -> Report {
    let text = list.to_text();
    let mut r = Report::ok("ok", json!({ "entries": entries_json(list), "text": text }));
    r.document = Some(text);
    r
}

/// A checksum list that does not parse (after its signature verified): exit 1.
pub fn list_malformed(list: &Path, e: &crate::SumsParseError) -> Failure {
    Failure::not_verified(format!("{}: {e}", list.display()))
}

/// Who signed a checksum list, as `sums verify` shows it before the files.
#[derive(Debug)]
pub struct ListSigner {
    /// Lines shown first.
    pub lines: Vec<String>,
    /// Fields merged into the JSON result.
    pub data: Value,
    /// The closing line's parenthesis.
    pub signed_by: String,
}

impl ListSigner {
    /// A minisign signature at `sig_path`.
    pub fn minisign(sig_path: &Path, v: &Verified) -> Self {
        ListSigner {
            lines: vec![format!("trusted comment: {}", v.trusted_comment)],
            data: json!({ "signature": sig_path, "key_id": v.key_id.to_string(), "trusted_comment": v.trusted_comment }),
            signed_by: format!("list signed by key {}", v.key_id),
        }
    }

    /// A keyless Sigstore bundle at `bundle`, its certificate naming `identity` and `issuer`.
    pub fn keyless(bundle: &Path, identity: &str, issuer: &str, log_index: Option<u64>) -> Self {
        ListSigner {
            lines: vec![format!("identity: {identity}"), format!("issuer: {issuer}")],
            data: json!({ "bundle": bundle, "identity": identity, "issuer": issuer, "log_index": log_index }),
            signed_by: format!("list signed keyless by {identity}"),
        }
    }
}

/// `sums verify`: one line per file that failed (and, unless `quiet`, per file that passed),
/// then the count; exit 1 if any failed. The JSON `files` array is built only with `files`.
pub fn list_checked<E: crate::sums::Listed>(
    list_path: &Path,
    signer: ListSigner,
    entries: &[E],
    statuses: &[sums_check::Status],
    quiet: bool,
    files: bool,
) -> Report {
    use sums_check::Status as S;
    let mut report = Report::ok("verified", Value::Null).lines(signer.lines);
    let (mut results, mut failed) = (Vec::new(), 0usize);
    for (e, st) in entries.iter().zip(statuses) {
        let detail = match st {
            S::Ok => String::new(),
            S::Missing => "no such file".to_owned(),
            S::Changed(d) => format!("sha256 {} (expected {})", d.to_hex(), e.digest().to_hex()),
            S::UnsafePath(false) => "path leaves the list's directory".to_owned(),
            S::UnsafePath(_) => "path leaves the list's directory through a symlink".to_owned(),
            S::Unreadable(err) => io_reason(err),
        };
        let status = st.code();
        if status != "ok" {
            failed += 1;
            report = report.line(format!(
                "{}: {} {}",
                e.name(),
                status.to_uppercase(),
                detail
            ));
        } else if !quiet {
            report = report.line(format!("{}: OK", e.name()));
        }
        if files {
            results.push(json!({ "name": e.name(), "status": status, "expected": e.digest().to_hex(), "detail": detail }));
        }
    }
    let mut data = json!({ "list": list_path, "files": results, "failed": failed });
    if let (Some(d), Value::Object(s)) = (data.as_object_mut(), signer.data) {
        d.extend(s);
    }
    report.data = data;
    if failed > 0 {
        report.status = Status::NotVerified;
        report.line(format!(
            "{failed} of {} files did not verify",
            entries.len()
        ))
    } else {
        report.line(format!(
            "verified {} files ({})",
            entries.len(),
            signer.signed_by
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binding::{self, Expect, Statement};
    use sigil_core::report::FailureKind;
    use sigil_core::Sha256Digest;

    fn sig(comment: &str) -> Signature {
        let key = sigil_keys::SecretKey::generate();
        crate::minisig::sign(&key, &b"x"[..], comment, "c", |_| {}).unwrap()
    }

    #[test]
    fn signing_reports_each_signature_and_its_failures() {
        let s = sig("tc");
        let r = signed(s.key_id, &[("a".into(), "a.minisig".into(), s.clone())]);
        assert_eq!(r.human, ["signed a -> a.minisig"]);
        let id = s.key_id.to_string();
        assert_eq!(
            r.data,
            json!({"key_id": id, "signed": [{"file": "a", "signature": "a.minisig", "key_id": id, "trusted_comment": "tc"}]})
        );
        let io = sign_failure(
            Path::new("a"),
            SignError::Io(std::io::Error::from_raw_os_error(2)),
        );
        assert_eq!(
            (io.kind, io.message.as_str()),
            (FailureKind::Io, "a: No such file or directory")
        );
        let nl = sign_failure(Path::new("a"), SignError::CommentHasNewline("trusted"));
        assert_eq!(
            (nl.kind, nl.message.as_str()),
            (FailureKind::Usage, "trusted comment must be a single line")
        );
        let e = signature_exists(Path::new("a.minisig"), false);
        assert_eq!(
            e.message,
            "a.minisig: signature file exists; nothing was signed and it is unchanged"
        );
        assert_eq!(
            e.hint.as_deref(),
            Some("pass --force to overwrite it, or -x/--output to write the signature elsewhere")
        );
        let b = signature_exists(Path::new("a.sigstore.json"), true);
        assert_eq!(
            (b.message.as_str(), b.hint.as_deref()),
            (
                "a.sigstore.json: bundle exists; nothing was signed and it is unchanged",
                Some("pass --force to overwrite it")
            )
        );
    }

    #[test]
    fn verification_reports_the_key_and_comment_or_why_not() {
        let s = sig("timestamp:1\tfile:a");
        let v = Verified {
            key_id: s.key_id,
            algorithm: crate::minisig::Algorithm::Prehashed,
            trusted_comment: s.trusted_comment.clone(),
            bytes: 1,
        };
        let r = verified(Path::new("a"), Path::new("a.minisig"), &v);
        assert_eq!(
            r.human,
            [
                format!("verified a (key id {})", s.key_id),
                "trusted comment: timestamp:1\tfile:a".into()
            ]
        );
        assert_eq!(
            r.data,
            json!({"file": "a", "signature": "a.minisig", "key_id": s.key_id.to_string(), "algorithm": "ED", "trusted_comment": "timestamp:1\tfile:a", "bytes": 1})
        );
        let other = KeyId([7; 8]);
        let f = verify_failure(
            Path::new("a"),
            Path::new("a.minisig"),
            &s,
            other,
            VerifyError::Content,
        );
        assert_eq!(
            (f.kind, f.message.as_str()),
            (
                FailureKind::NotVerified,
                "a: signature verification failed: content does not match the signature"
            )
        );
        assert_eq!(
            f.data,
            Some(
                json!({"file": "a", "signature": "a.minisig", "signature_key_id": s.key_id.to_string(), "trusted_key_id": "0707070707070707"})
            )
        );
        let n = no_signature(Path::new("a"), Path::new("a.minisig"));
        assert_eq!(
            (n.kind, n.message.as_str()),
            (
                FailureKind::NotVerified,
                "a: no signature: a.minisig does not exist"
            )
        );
        let m = malformed_signature(Path::new("a.minisig"), &SignatureParseError::TooLarge);
        assert_eq!(
            m.message,
            format!("a.minisig: {}", SignatureParseError::TooLarge)
        );
    }

    #[test]
    fn an_unbound_signature_names_each_mismatch() {
        let st = Statement::of_blob("a.minisig", "file:b", "a");
        let e = binding::require(&[st], &Expect::NONE).unwrap_err();
        let f = unbound(Path::new("a"), &e, "file:b");
        assert_eq!(f.kind, FailureKind::NotVerified);
        assert_eq!(f.message, format!("a: {e} (trusted comment: file:b)"));
        let m = &e.mismatches[0];
        assert_eq!(
            f.data,
            Some(
                json!({"code": e.code(), "trusted_comment": "file:b", "mismatches": [{"code": m.code(), "source": m.source, "signed": m.signed, "expected": m.expected, "message": m.to_string()}]})
            )
        );
    }

    fn list() -> SumsFile {
        let entry = |n: &str, b: &[u8]| Entry {
            digest: Sha256Digest::of(b),
            name: n.into(),
        };
        SumsFile {
            entries: vec![entry("a", b"a"), entry("b", b"b"), entry("c", b"c")],
        }
    }

    #[test]
    fn created_lists_report_their_entries() {
        let l = list();
        let w = list_written(Path::new("SUMS"), &l);
        assert_eq!(w.human, ["wrote SUMS (3 files)"]);
        assert_eq!(
            w.data["entries"][1],
            json!({"name": "b", "sha256": Sha256Digest::of(b"b").to_hex()})
        );
        let p = list_printed(&l);
        assert_eq!(
            (p.human.len(), p.document.as_deref()),
            (0, Some(l.to_text().as_str()))
        );
        assert_eq!(p.data["text"], l.to_text());
    }

    #[test]
    fn checked_lists_show_failures_even_when_quiet_and_exit_1() {
        let l = list();
        let v = Verified {
            key_id: KeyId([1; 8]),
            algorithm: crate::minisig::Algorithm::Prehashed,
            trusted_comment: "tc".into(),
            bytes: 3,
        };
        let signer = || ListSigner::minisign(Path::new("SUMS.minisig"), &v);
        let ok = [
            sums_check::Status::Ok,
            sums_check::Status::Ok,
            sums_check::Status::Ok,
        ];
        let r = list_checked(Path::new("SUMS"), signer(), &l.entries, &ok, false, true);
        assert_eq!(r.status, Status::Ok);
        assert_eq!(
            r.human,
            [
                "trusted comment: tc",
                "a: OK",
                "b: OK",
                "c: OK",
                "verified 3 files (list signed by key 0101010101010101)"
            ]
        );
        assert_eq!(r.data["failed"], 0);
        assert_eq!(r.data["key_id"], "0101010101010101");
        assert_eq!(
            r.data["files"][0],
            json!({"name": "a", "status": "ok", "expected": l.entries[0].digest.to_hex(), "detail": ""})
        );
        let changed = Sha256Digest::of(b"z");
        let bad = [
            sums_check::Status::Changed(Box::new(changed)),
            sums_check::Status::Missing,
            sums_check::Status::UnsafePath(true),
        ];
        let keyless = ListSigner::keyless(
            Path::new("SUMS.sigstore.json"),
            "me@example.com",
            "https://issuer",
            Some(4),
        );
        let r = list_checked(Path::new("SUMS"), keyless, &l.entries, &bad, true, false);
        assert_eq!(r.status, Status::NotVerified);
        assert_eq!(
            r.human,
            [
                "identity: me@example.com".to_owned(),
                "issuer: https://issuer".into(),
                format!(
                    "a: CHANGED sha256 {} (expected {})",
                    changed.to_hex(),
                    l.entries[0].digest.to_hex()
                ),
                "b: MISSING no such file".into(),
                "c: UNSAFE-PATH path leaves the list's directory through a symlink".into(),
                "3 of 3 files did not verify".into(),
            ]
        );
        assert_eq!(
            r.data,
            json!({"list": "SUMS", "files": [], "failed": 3, "bundle": "SUMS.sigstore.json", "identity": "me@example.com", "issuer": "https://issuer", "log_index": 4})
        );
    }
}
