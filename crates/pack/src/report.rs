//! Pack outcomes as command reports: what `sigil pack sign|verify|check|archive|install` print
//! and answer in JSON, and their errors as failures with hints; also the check that binds an
//! archive's and a pack's signed names and version to what is being installed.

use std::path::Path;

use serde_json::{json, Value};
use sigil_core::report::{Failure, Report};
use sigil_scan::report::{finding_line, findings_json};
use sigil_sign::binding::{self, Expect, Mismatch, Statement};

use crate::{
    ArchiveError, ArchiveSummary, ArchiveTrust, InstallError, InstalledPack, PackSigner,
    PackVerifyError, Problem, SignError, SignedPack, VerifiedPack, Violation, BUNDLE_PATH,
    SIGNATURE_PATH,
};

fn violations_json(vs: &[Violation]) -> Vec<Value> {
    let one = |v: &Violation| json!({ "path": v.path, "rule": v.rule, "detail": v.detail });
    vs.iter().map(one).collect()
}

fn problems_json(ps: &[Problem]) -> Vec<Value> {
    let one = |p: &Problem| json!({ "path": p.path, "kind": p.kind.code(), "detail": p.detail });
    ps.iter().map(one).collect()
}

fn problem_line(p: &Problem) -> String {
    format!("{}: {} ({})", p.path, p.kind.code(), p.detail)
}

/// Binding mismatches for JSON (one shape for every command: sigil-sign's).
pub use sigil_sign::report::mismatches_json;

/// `key_id`, or `identity` and `issuer` for a keyless pack.
fn signer_json(j: &mut Value, s: &PackSigner) {
    match s {
        PackSigner::Key(k) => j["key_id"] = json!(k.to_string()),
        PackSigner::Keyless { identity, issuer } => {
            j["identity"] = json!(identity);
            j["issuer"] = json!(issuer);
        }
    }
}

/// A verified pack as JSON: name, version, counts, trusted comment and signer.
pub fn pack_json(v: &VerifiedPack) -> Value {
    let mut j = json!({
        "name": v.comment.name,
        "version": v.comment.version,
        "files": v.comment.files,
        "bytes": v.comment.bytes,
        "trusted_comment": v.comment.to_string(),
    });
    signer_json(&mut j, &v.signer);
    j
}

/// What a verified pack manifest states, for [`binding`].
pub fn manifest_statement(v: &VerifiedPack) -> Statement {
    let source = match v.signer {
        PackSigner::Key(_) => SIGNATURE_PATH,
        _ => BUNDLE_PATH,
    };
    Statement {
        source: source.to_owned(),
        file: None,
        name: Some(v.comment.name.clone()),
        version: Some(v.comment.version.clone()),
    }
}

/// `sigil pack sign`: signed (placeholders listed), or refused with every violation and secret.
pub fn signed(dir: &Path, result: Result<SignedPack, SignError>) -> Result<Report, Failure> {
    match result {
        Ok(s) => {
            let mut j = json!({
                "dir": dir,
                "name": s.comment.name,
                "version": s.comment.version,
                "files": s.comment.files,
                "bytes": s.comment.bytes,
                "trusted_comment": s.comment.to_string(),
                "manifest": s.manifest_path,
                "signature": s.signature_path,
                "placeholders": findings_json(&s.placeholders),
            });
            signer_json(&mut j, &s.signer);
            let c = &s.comment;
            Ok(Report::ok("ok", j)
                .lines(s.placeholders.iter().map(finding_line))
                .line(format!(
                    "signed pack {} {} ({} files, {} bytes) with {}",
                    c.name, c.version, c.files, c.bytes, s.signer
                )))
        }
        Err(SignError::Refused {
            violations,
            secrets,
        }) => Ok(Report::not_verified(json!({
            "dir": dir,
            "violations": violations_json(&violations),
            "secrets": findings_json(&secrets),
        }))
        .lines(violations.iter().map(ToString::to_string))
        .lines(secrets.iter().map(finding_line))
        .line(format!(
            "refused to sign {}: {} data-only violation(s), {} secret(s)",
            dir.display(),
            violations.len(),
            secrets.len()
        ))),
        Err(e @ (SignError::Name(_) | SignError::Empty { .. })) => Err(Failure::usage(e)),
        Err(e) => Err(Failure::io(Failure::chain(&e))),
    }
}

/// `sigil pack verify` and `pack check` (`what`): a verified pack, with its trusted comment.
pub fn verified(what: &str, dir: &Path, v: &VerifiedPack) -> Report {
    let c = &v.comment;
    Report::ok("verified", json!({ "dir": dir, "pack": pack_json(v) }))
        .line(format!(
            "{what}: pack {} {} at {} verified ({} files, {} bytes, {})",
            c.name,
            c.version,
            dir.display(),
            c.files,
            c.bytes,
            v.signer
        ))
        .line(format!("trusted comment: {c}"))
}

/// A pack that did not verify: a tree that differs is a not-verified report listing every
/// problem; the rest are failures.
pub fn verify_failure(dir: &Path, e: PackVerifyError) -> Result<Report, Failure> {
    match e {
        PackVerifyError::Tree { comment, problems } => Ok(Report::not_verified(json!({
            "dir": dir,
            "name": comment.name,
            "version": comment.version,
            "problems": problems_json(&problems),
        }))
        .lines(problems.iter().map(problem_line))
        .line(format!(
            "pack {} {} at {} does not match its signed manifest: {} problem(s)",
            comment.name,
            comment.version,
            dir.display(),
            problems.len()
        ))),
        PackVerifyError::Io { .. } => Err(Failure::io(Failure::chain(&e))),
        PackVerifyError::UntrustedKey { .. } => {
            Err(Failure::not_verified(format!("{}: {e}", dir.display()))
                .hint("pass the publisher's public key with --key"))
        }
        PackVerifyError::Missing { .. } => Err(Failure::not_verified(format!("{e}"))
            .hint("a pack is signed with `sigil pack sign DIR --key KEY --name N --version V`")),
        other => Err(Failure::not_verified(format!(
            "{}: {}",
            dir.display(),
            Failure::chain(&other)
        ))),
    }
}

/// `sigil pack archive` refused or failed: violations are a not-verified report.
pub fn archive_failure(dir: &Path, e: ArchiveError) -> Result<Report, Failure> {
    match e {
        ArchiveError::Refused(violations) => Ok(Report::not_verified(
            json!({ "dir": dir, "violations": violations_json(&violations) }),
        )
        .lines(violations.iter().map(ToString::to_string))
        .line(format!(
            "refused to archive {}: {} data-only violation(s)",
            dir.display(),
            violations.len()
        ))),
        e @ ArchiveError::NotSigned { .. } => Err(Failure::usage(e).hint(format!(
            "sign it first: sigil pack sign {} --key KEY --name N --version V",
            dir.display()
        ))),
        e => Err(Failure::io(Failure::chain(&e))),
    }
}

/// `sigil pack archive` wrote `output` (`bytes` long, SHA-256 `sha256`) with entry times `mtime`.
pub fn archived(
    dir: &Path,
    output: &Path,
    s: &ArchiveSummary,
    bytes: u64,
    sha256: &str,
    mtime: u64,
) -> Report {
    Report::ok(
        "ok",
        json!({
            "dir": dir,
            "output": output,
            "files": s.files,
            "dirs": s.dirs,
            "bytes": s.bytes,
            "archive_bytes": bytes,
            "sha256": sha256,
            "mtime": mtime,
        }),
    )
    .line(format!(
        "wrote {} ({} files, {bytes} bytes; sha256 {sha256})",
        output.display(),
        s.files,
    ))
}

/// An archive signature that is not there: missing evidence, with how to make it.
pub fn signature_missing(signature: &Path, archive: &Path) -> Failure {
    Failure::not_verified(format!(
        "{}: archive signature not found",
        signature.display()
    ))
    .hint(format!(
        "sign the archive: sigil sign --key KEY {}",
        archive.display()
    ))
}

/// The signed names or version are not those of what is being installed.
#[derive(Debug)]
pub struct BindingRefused {
    /// Every mismatch.
    pub mismatches: Vec<Mismatch>,
    /// The archive signature's trusted comment.
    pub archive_comment: String,
    /// The pack manifest's trusted comment.
    pub pack_comment: String,
}

impl std::fmt::Display for BindingRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text: Vec<String> = self
            .mismatches
            .iter()
            .map(|m| format!("{}: {m}", m.code()))
            .collect();
        write!(f, "signed for something else: {}", text.join("; "))
    }
}

impl std::error::Error for BindingRefused {}

/// The last check of `sigil pack install`, before DEST changes: the archive's signed file
/// name (signature at `signature`) and the pack's signed name and version must be what is
/// installed (`archive_name`, `expect`), else [`BindingRefused`].
pub fn check_binding(
    signature: &str,
    archive_name: &str,
    expect: &Expect,
    trust: &ArchiveTrust,
    pack: &VerifiedPack,
) -> Result<(), BindingRefused> {
    let statements = [
        Statement::of_blob(signature, &trust.trusted_comment, archive_name),
        manifest_statement(pack),
    ];
    let mismatches = binding::check_pack(&statements, archive_name, expect);
    if mismatches.is_empty() {
        return Ok(());
    }
    Err(BindingRefused {
        mismatches,
        archive_comment: trust.trusted_comment.clone(),
        pack_comment: pack.comment.to_string(),
    })
}

/// [`check_binding`] as the last check of an install ([`crate::install::InstallHooks::check`]).
pub fn binding_check<'a>(
    signature: &'a str,
    archive_name: &'a str,
    expect: &'a Expect,
) -> impl Fn(&ArchiveTrust, &VerifiedPack) -> Result<(), Box<dyn std::error::Error + Send + Sync>> + 'a
{
    move |trust, pack| Ok(check_binding(signature, archive_name, expect, trust, pack)?)
}

/// `sigil pack install`: what was installed where, and both trusted comments.
pub fn installed(archive: &Path, signature: &Path, i: &InstalledPack) -> Report {
    let c = &i.pack.comment;
    Report::ok(
        "ok",
        json!({
            "archive": archive,
            "dest": i.dest,
            "replaced": i.replaced,
            "archive_key_id": i.archive.key_id.map(|k| k.to_string()),
            "pack": pack_json(&i.pack),
            "archive_trusted_comment": i.archive.trusted_comment,
            "removed_stale_staging": i.removed_stale,
        }),
    )
    .line(format!(
        "installed pack {} {} ({} files, {} bytes) into {}{}",
        c.name,
        c.version,
        c.files,
        c.bytes,
        i.dest.display(),
        if i.replaced { " (replaced)" } else { "" }
    ))
    .line(format!(
        "trusted comment ({}): {}",
        signature.display(),
        i.archive.trusted_comment
    ))
    .line(format!("trusted comment ({SIGNATURE_PATH}): {c}"))
}

/// Why `sigil pack install` of `archive` into `dest` failed; every message says DEST is
/// unchanged where that is the news.
pub fn install_failure(archive: &Path, dest: &Path, e: InstallError) -> Failure {
    let dest_note = format!("{} left unchanged", dest.display());
    if let InstallError::Rejected(inner) = &e {
        if let Some(b) = inner.downcast_ref::<BindingRefused>() {
            return Failure::not_verified(format!(
                "{}: {b}; {dest_note} (trusted comments: {:?}, {:?})",
                archive.display(),
                b.archive_comment,
                b.pack_comment
            ))
            .hint("if the archive was renamed on purpose, pass --expect-name and --expect-version with the signed pack name and version")
            .data(json!({
                "code": b.mismatches.first().map(Mismatch::code),
                "mismatches": mismatches_json(&b.mismatches),
                "trusted_comment": b.archive_comment,
                "pack_trusted_comment": b.pack_comment,
            }));
        }
    }
    match e {
        InstallError::Refused(v) => Failure::not_verified(format!(
            "{}: archive refused: {v}; {dest_note}",
            archive.display()
        ))
        .data(json!({ "path": v.path, "rule": v.rule, "detail": v.detail })),
        InstallError::Pack(PackVerifyError::Tree { comment, problems }) => {
            let list: Vec<String> = problems.iter().map(problem_line).collect();
            Failure::not_verified(format!(
                "{}: pack {} {} inside does not match its signed manifest: {}; {dest_note}",
                archive.display(),
                comment.name,
                comment.version,
                list.join("; ")
            ))
            .data(json!({ "problems": problems_json(&problems) }))
        }
        InstallError::DestExists { .. } => {
            Failure::usage(format!("{e}")).hint("pass --replace to swap it atomically")
        }
        InstallError::DestInvalid { .. } | InstallError::DestNotDir { .. } => {
            Failure::usage(format!("{e}"))
        }
        InstallError::DestNotPack { .. } => Failure::usage(format!("{e}")).hint(
            "--replace only replaces an unchanged installed pack; move the other files away first",
        ),
        InstallError::Busy { .. } => {
            Failure::io(format!("{e}")).hint("wait for the other install to finish")
        }
        InstallError::Io { .. } => Failure::io(format!("{}; {dest_note}", Failure::chain(&e))),
        InstallError::Untrusted(_) => Failure::not_verified(format!(
            "{}: {}; {dest_note}",
            archive.display(),
            Failure::chain(&e)
        ))
        .hint("check the archive and its .minisig, and pass the publisher's key with --key"),
        other => Failure::not_verified(format!(
            "{}: {}; {dest_note}",
            archive.display(),
            Failure::chain(&other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Manifest, PackComment, ProblemKind};

    fn comment() -> PackComment {
        PackComment {
            name: "prompts".into(),
            version: "1.2.0".into(),
            files: 2,
            bytes: 10,
        }
    }

    fn pack() -> VerifiedPack {
        VerifiedPack {
            comment: comment(),
            signer: PackSigner::Keyless {
                identity: "me@example.com".into(),
                issuer: "https://issuer.example".into(),
            },
            manifest: Manifest::parse(&format!("{0}  a.md\n{0}  b.md\n", "0".repeat(64))).unwrap(),
        }
    }

    const TC: &str = "sigil-pack name=prompts version=1.2.0 files=2 bytes=10";

    #[test]
    fn a_verified_pack_names_its_signer_and_trusted_comment() {
        let r = verified("check", Path::new("d"), &pack());
        assert_eq!(
            r.human,
            [
                "check: pack prompts 1.2.0 at d verified (2 files, 10 bytes, keyless identity me@example.com (issuer https://issuer.example))".to_owned(),
                format!("trusted comment: {TC}")
            ]
        );
        assert_eq!(
            r.data,
            json!({"dir": "d", "pack": {"name": "prompts", "version": "1.2.0", "files": 2, "bytes": 10,
                   "trusted_comment": TC, "identity": "me@example.com", "issuer": "https://issuer.example"}})
        );
        assert_eq!(manifest_statement(&pack()).source, BUNDLE_PATH);
    }

    #[test]
    fn a_tree_that_differs_lists_every_problem_and_other_failures_carry_hints() {
        let problems = vec![Problem {
            path: "a.txt".into(),
            kind: ProblemKind::Changed,
            detail: "sha256 differs".into(),
        }];
        let code = ProblemKind::Changed.code();
        let e = PackVerifyError::Tree {
            comment: comment(),
            problems: problems.clone(),
        };
        let r = verify_failure(Path::new("d"), e).expect("a report");
        assert_eq!(r.exit_code(), 1);
        assert_eq!(
            r.human,
            [
                format!("a.txt: {code} (sha256 differs)"),
                "pack prompts 1.2.0 at d does not match its signed manifest: 1 problem(s)".into()
            ]
        );
        assert_eq!(
            r.data["problems"],
            json!([{"path": "a.txt", "kind": code, "detail": "sha256 differs"}])
        );
        let missing = verify_failure(
            Path::new("d"),
            PackVerifyError::Missing {
                path: "d/.sigil/SHA256SUMS".into(),
            },
        )
        .expect_err("a failure");
        assert_eq!(missing.kind.as_str(), "not-verified");
        assert_eq!(
            missing.message,
            "d/.sigil/SHA256SUMS: missing or not a regular file"
        );
        let inside = install_failure(
            Path::new("p.tar.gz"),
            Path::new("dest"),
            InstallError::Pack(PackVerifyError::Tree {
                comment: comment(),
                problems,
            }),
        );
        assert_eq!(
            inside.message,
            format!("p.tar.gz: pack prompts 1.2.0 inside does not match its signed manifest: a.txt: {code} (sha256 differs); dest left unchanged")
        );
    }

    #[test]
    fn refusals_to_sign_or_archive_list_every_violation() {
        let v = Violation::new("run.sh", crate::rules::code::EXECUTABLE, "mode 0755");
        let refused = signed(
            Path::new("d"),
            Err(SignError::Refused {
                violations: vec![v.clone()],
                secrets: vec![],
            }),
        )
        .expect("a report");
        assert_eq!(refused.exit_code(), 1);
        assert_eq!(
            refused.human,
            [
                v.to_string(),
                "refused to sign d: 1 data-only violation(s), 0 secret(s)".into()
            ]
        );
        assert_eq!(
            refused.data["violations"],
            json!([{"path": "run.sh", "rule": v.rule, "detail": "mode 0755"}])
        );
        let empty =
            signed(Path::new("d"), Err(SignError::Empty { dir: "d".into() })).expect_err("usage");
        assert_eq!(
            (empty.kind.as_str(), empty.message.as_str()),
            ("usage", "d: a pack needs at least one file")
        );
        let a = archive_failure(Path::new("d"), ArchiveError::Refused(vec![v])).expect("a report");
        assert_eq!(
            a.human.last().map(String::as_str),
            Some("refused to archive d: 1 data-only violation(s)")
        );
        let unsigned = archive_failure(Path::new("d"), ArchiveError::NotSigned { dir: "d".into() })
            .expect_err("usage");
        assert_eq!(
            unsigned.hint.as_deref(),
            Some("sign it first: sigil pack sign d --key KEY --name N --version V")
        );
        let s = ArchiveSummary {
            files: 2,
            dirs: 1,
            bytes: 10,
        };
        let w = archived(Path::new("d"), Path::new("p.tar.gz"), &s, 99, "ab", 0);
        assert_eq!(w.human, ["wrote p.tar.gz (2 files, 99 bytes; sha256 ab)"]);
        assert_eq!(
            w.data,
            json!({"dir": "d", "output": "p.tar.gz", "files": 2, "dirs": 1, "bytes": 10, "archive_bytes": 99, "sha256": "ab", "mtime": 0})
        );
    }

    #[test]
    fn an_archive_signed_for_another_name_is_refused_before_dest_changes() {
        let trust = ArchiveTrust {
            key_id: None,
            trusted_comment: "timestamp:1\tfile:other-1.2.0.tar.gz".into(),
        };
        let p = pack();
        let none = Expect::NONE;
        let b = check_binding(
            "p.tar.gz.minisig",
            "prompts-1.2.0.tar.gz",
            &none,
            &trust,
            &p,
        )
        .expect_err("signed for another file");
        assert!(!b.mismatches.is_empty());
        assert!(
            b.to_string().starts_with("signed for something else: "),
            "{b}"
        );
        let refused = install_failure(
            Path::new("prompts-1.2.0.tar.gz"),
            Path::new("dest"),
            InstallError::Rejected(Box::new(b)),
        );
        assert_eq!(refused.kind.as_str(), "not-verified");
        assert!(
            refused.message.ends_with(&format!(
                "; dest left unchanged (trusted comments: {:?}, {TC:?})",
                trust.trusted_comment
            )),
            "{}",
            refused.message
        );
        let d = refused.data.expect("details");
        assert_eq!(d["pack_trusted_comment"], TC);
        assert_eq!(d["code"], d["mismatches"][0]["code"]);
        let ok = ArchiveTrust {
            key_id: None,
            trusted_comment: "timestamp:1\tfile:prompts-1.2.0.tar.gz".into(),
        };
        assert!(check_binding("s", "prompts-1.2.0.tar.gz", &none, &ok, &p).is_ok());
        let hook = binding_check("s", "prompts-1.2.0.tar.gz", &none);
        assert!(hook(&ok, &p).is_ok());
        let boxed = hook(&trust, &p).expect_err("refused");
        assert!(boxed.downcast_ref::<BindingRefused>().is_some());
    }

    #[test]
    fn an_installed_pack_names_both_trusted_comments() {
        let i = InstalledPack {
            dest: "dest".into(),
            archive: ArchiveTrust {
                key_id: None,
                trusted_comment: "file:p.tar.gz".into(),
            },
            pack: pack(),
            replaced: true,
            removed_stale: vec![],
        };
        let r = installed(Path::new("p.tar.gz"), Path::new("p.tar.gz.minisig"), &i);
        assert_eq!(
            r.human,
            [
                "installed pack prompts 1.2.0 (2 files, 10 bytes) into dest (replaced)".to_owned(),
                "trusted comment (p.tar.gz.minisig): file:p.tar.gz".into(),
                format!("trusted comment (.sigil/SHA256SUMS.minisig): {TC}"),
            ]
        );
        assert_eq!(r.data["archive_key_id"], Value::Null);
        assert_eq!(r.data["replaced"], true);
        let exists = install_failure(
            Path::new("p"),
            Path::new("dest"),
            InstallError::DestExists {
                dest: "dest".into(),
            },
        );
        assert_eq!(
            exists.hint.as_deref(),
            Some("pass --replace to swap it atomically")
        );
        let missing = signature_missing(Path::new("p.minisig"), Path::new("p"));
        assert_eq!(missing.message, "p.minisig: archive signature not found");
        assert_eq!(
            missing.hint.as_deref(),
            Some("sign the archive: sigil sign --key KEY p")
        );
    }
}
