//! `sigil pack sign|verify|archive|install|check`: signed data packs.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sigil_pack::{
    ArchiveError, InstallError, InstallOptions, Limits, MinisignVerifier, PackVerifyError,
    SignError, SignOptions, VerifiedPack, SIGNATURE_PATH,
};
use sigil_scan::Scanner;
use sigil_sign::binding::{self, Expect, Statement};
use sigil_sign::minisig::{Signature, MAX_SIGNATURE_FILE};

use crate::output::{Failure, Output, Report};

/// Packs.
#[derive(Debug, clap::Subcommand)]
pub enum PackCommand {
    /// Check the data-only rules, scan for secrets, then write and sign .sigil/SHA256SUMS.
    Sign(SignArgs),
    /// Verify a pack directory against its signed manifest, exactly.
    Verify(VerifyArgs),
    /// Write a deterministic .tar.gz of a signed pack.
    Archive(ArchiveArgs),
    /// Verify ARCHIVE.minisig, unpack into private staging, verify the pack, move it into place.
    Install(InstallArgs),
    /// Re-verify an installed pack (detects tampering after install).
    Check(VerifyArgs),
}

/// Limits (defaults: 10000 files, 128 MiB per file, 512 MiB in total).
#[derive(Debug, Clone, clap::Args)]
pub struct LimitArgs {
    /// Most files in the pack.
    #[arg(long, value_name = "N")]
    max_files: Option<u64>,
    /// Largest single file, in bytes.
    #[arg(long, value_name = "BYTES")]
    max_file_bytes: Option<u64>,
    /// Largest total size, in bytes.
    #[arg(long, value_name = "BYTES")]
    max_total_bytes: Option<u64>,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        let d = Limits::default();
        Limits {
            max_files: self.max_files.unwrap_or(d.max_files),
            max_file_bytes: self.max_file_bytes.unwrap_or(d.max_file_bytes),
            max_total_bytes: self.max_total_bytes.unwrap_or(d.max_total_bytes),
        }
    }
}

/// `sigil pack sign` (`--version` is the pack's version here, not sigil's).
#[derive(Debug, clap::Args)]
#[command(disable_version_flag = true)]
pub struct SignArgs {
    /// The pack directory.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Secret key (minisign format).
    #[arg(
        long,
        short = 'k',
        value_name = "KEY",
        required_unless_present = "keyless",
        conflicts_with = "keyless"
    )]
    key: Option<PathBuf>,
    #[command(flatten)]
    keyless: super::keyless::KeylessArgs,
    /// Pack name (signed).
    #[arg(long, value_name = "N")]
    name: String,
    /// Pack version (signed).
    #[arg(long, value_name = "V")]
    version: String,
    /// Secret-scan allowlist file.
    #[arg(long, value_name = "FILE")]
    allowlist: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// `sigil pack verify` and `sigil pack check`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The pack directory.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Trusted public key (minisign or SPKI PEM); repeat for several.
    #[arg(long, short = 'k', value_name = "PUB", required_unless_present_any = ["certificate_identity", "certificate_identity_regexp"], conflicts_with_all = ["certificate_identity", "certificate_identity_regexp"])]
    key: Vec<PathBuf>,
    /// Identity flags verify a keyless pack (.sigil/SHA256SUMS.sigstore.json).
    #[command(flatten)]
    identity: super::keyless::IdentityArgs,
    /// `--expect-name` is the pack name here.
    #[command(flatten)]
    expect: super::verify::ExpectArgs,
    /// Allowlist whose `content GLOB REASON` lines excuse files from the content rules.
    #[arg(long, value_name = "FILE")]
    allowlist: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// `sigil pack archive`.
#[derive(Debug, clap::Args)]
pub struct ArchiveArgs {
    /// The signed pack directory.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Output archive (.tar.gz).
    #[arg(short = 'o', long = "output", value_name = "FILE.tar.gz")]
    output: PathBuf,
    #[command(flatten)]
    limits: LimitArgs,
}

/// `sigil pack install`.
#[derive(Debug, clap::Args)]
pub struct InstallArgs {
    /// The archive (.tar.gz or .zip).
    #[arg(value_name = "ARCHIVE")]
    archive: PathBuf,
    /// Trusted public key for the archive and the pack (minisign or SPKI PEM); repeat for several.
    #[arg(long, short = 'k', value_name = "PUB", required = true)]
    key: Vec<PathBuf>,
    /// Archive signature; default ARCHIVE.minisig.
    #[arg(long, short = 'x', value_name = "SIG")]
    signature: Option<PathBuf>,
    /// Destination directory (must not exist unless --replace).
    #[arg(long = "to", value_name = "DEST")]
    to: PathBuf,
    /// Replace an existing DEST atomically (only an unchanged installed pack).
    #[arg(long)]
    replace: bool,
    /// `--expect-name` is the pack name here; giving both accepts an archive renamed on purpose.
    #[command(flatten)]
    expect: super::verify::ExpectArgs,
    /// Allowlist whose `content GLOB REASON` lines excuse files from the content rules.
    #[arg(long, value_name = "FILE")]
    allowlist: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Runs a pack subcommand.
pub fn run(out: &Output, cmd: PackCommand) -> Result<Report, Failure> {
    match cmd {
        PackCommand::Sign(a) => sign(out, a),
        PackCommand::Verify(a) => verify(out, a, "verify"),
        PackCommand::Archive(a) => archive(out, a),
        PackCommand::Install(a) => install(out, a),
        PackCommand::Check(a) => verify(out, a, "check"),
    }
}

fn violation_json(v: &sigil_pack::Violation) -> Value {
    json!({ "path": v.path, "rule": v.rule, "detail": v.detail })
}

fn sign(out: &Output, a: SignArgs) -> Result<Report, Failure> {
    let scanner = Scanner::new(super::scan::load_allowlist(a.allowlist.as_ref())?);
    let opts = SignOptions {
        name: &a.name,
        version: &a.version,
        limits: a.limits.limits(),
        scanner: &scanner,
        untrusted_comment: super::sign::UNTRUSTED_COMMENT,
    };
    let signed = match &a.key {
        None => super::keyless::sign_pack(&a.dir, &opts, &a.keyless)?,
        Some(k) => sigil_pack::sign::sign_dir_progress(
            &a.dir,
            &super::load_secret_key(k)?,
            &opts,
            &super::count_progress(out, "scanning", false),
        ),
    };
    match signed {
        Ok(s) => {
            let mut j = json!({
                "dir": a.dir,
                "name": s.comment.name,
                "version": s.comment.version,
                "files": s.comment.files,
                "bytes": s.comment.bytes,
                "trusted_comment": s.comment.to_string(),
                "manifest": s.manifest_path,
                "signature": s.signature_path,
                "placeholders": s.placeholders.iter().map(super::scan::finding_json).collect::<Vec<_>>(),
            });
            signer_json(&mut j, &s.signer);
            let mut r = Report::ok("ok", j);
            for p in &s.placeholders {
                r = r.line(super::scan::finding_line(p));
            }
            Ok(r.line(format!(
                "signed pack {} {} ({} files, {} bytes) with {}",
                s.comment.name, s.comment.version, s.comment.files, s.comment.bytes, s.signer
            )))
        }
        Err(SignError::Refused {
            violations,
            secrets,
        }) => {
            let mut r = Report::not_verified(json!({
                "dir": a.dir,
                "violations": violations.iter().map(violation_json).collect::<Vec<_>>(),
                "secrets": secrets.iter().map(super::scan::finding_json).collect::<Vec<_>>(),
            }));
            for v in &violations {
                r = r.line(v.to_string());
            }
            for f in &secrets {
                r = r.line(super::scan::finding_line(f));
            }
            Ok(r.line(format!(
                "refused to sign {}: {} data-only violation(s), {} secret(s)",
                a.dir.display(),
                violations.len(),
                secrets.len()
            )))
        }
        Err(e @ SignError::Name(_)) => Err(Failure::usage(e)),
        Err(e @ SignError::Empty { .. }) => Err(Failure::usage(e)),
        Err(e) => Err(Failure::io(Failure::chain(&e))),
    }
}

fn load_keys(paths: &[PathBuf]) -> Result<Vec<sigil_keys::PublicKey>, Failure> {
    paths.iter().map(|p| super::load_public_key(p)).collect()
}

fn pack_json(v: &VerifiedPack) -> Value {
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

/// `key_id`, or `identity` and `issuer` for a keyless pack.
fn signer_json(j: &mut Value, s: &sigil_pack::PackSigner) {
    match s {
        sigil_pack::PackSigner::Key(k) => j["key_id"] = json!(k.to_string()),
        sigil_pack::PackSigner::Keyless { identity, issuer } => {
            j["identity"] = json!(identity);
            j["issuer"] = json!(issuer);
        }
    }
}

/// What a verified pack manifest states.
fn manifest_statement(v: &VerifiedPack) -> Statement {
    let source = match v.signer {
        sigil_pack::PackSigner::Key(_) => SIGNATURE_PATH,
        _ => sigil_pack::BUNDLE_PATH,
    };
    Statement {
        source: source.to_owned(),
        file: None,
        name: Some(v.comment.name.clone()),
        version: Some(v.comment.version.clone()),
    }
}

/// Sorts a pack verification failure: problems become a not-verified report.
fn verify_failure(dir: &Path, e: PackVerifyError) -> Result<Report, Failure> {
    match e {
        PackVerifyError::Tree { comment, problems } => {
            let mut r = Report::not_verified(json!({
                "dir": dir,
                "name": comment.name,
                "version": comment.version,
                "problems": problems.iter().map(|p| json!({ "path": p.path, "kind": p.kind.code(), "detail": p.detail })).collect::<Vec<_>>(),
            }));
            for p in &problems {
                r = r.line(format!("{}: {} ({})", p.path, p.kind.code(), p.detail));
            }
            Ok(r.line(format!(
                "pack {} {} at {} does not match its signed manifest: {} problem(s)",
                comment.name,
                comment.version,
                dir.display(),
                problems.len()
            )))
        }
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

fn verify(out: &Output, a: VerifyArgs, what: &str) -> Result<Report, Failure> {
    let allow = super::scan::load_allowlist(a.allowlist.as_ref())?;
    let verified = if a.identity.given() {
        super::keyless::verify_pack(&a.dir, &a.identity, &a.limits.limits(), &allow)?
    } else {
        sigil_pack::verify::verify_dir_progress(
            &a.dir,
            &load_keys(&a.key)?,
            &a.limits.limits(),
            &allow,
            &super::count_progress(out, "verifying", false),
        )
    };
    match verified {
        Ok(v) => {
            let expect = Expect {
                file: None,
                ..a.expect.expect()
            };
            let tc = v.comment.to_string();
            super::verify::require_binding(&a.dir, &[manifest_statement(&v)], &expect, &tc)?;
            Ok(
                Report::ok("verified", json!({ "dir": a.dir, "pack": pack_json(&v) }))
                    .line(format!(
                        "{what}: pack {} {} at {} verified ({} files, {} bytes, {})",
                        v.comment.name,
                        v.comment.version,
                        a.dir.display(),
                        v.comment.files,
                        v.comment.bytes,
                        v.signer
                    ))
                    .line(format!("trusted comment: {tc}")),
            )
        }
        Err(e) => verify_failure(&a.dir, e),
    }
}

fn archive(out: &Output, a: ArchiveArgs) -> Result<Report, Failure> {
    // Archives are reproducible by default: entries carry SOURCE_DATE_EPOCH, or 0.
    let mtime = super::source_date_epoch()?.unwrap_or(0);
    let out_dir = a
        .output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = tempfile::NamedTempFile::new_in(out_dir)
        .map_err(|e| Failure::io(format!("{}: {}", out_dir.display(), super::io_reason(&e))))?;
    let writer = std::io::BufWriter::new(tmp.as_file());
    let progress = super::count_progress(out, "archiving", false);
    let summary = match sigil_pack::archive::write_archive_progress(
        &a.dir,
        writer,
        mtime,
        &a.limits.limits(),
        &progress,
    ) {
        Ok(s) => s,
        Err(ArchiveError::Refused(violations)) => {
            let mut r = Report::not_verified(
                json!({ "dir": a.dir, "violations": violations.iter().map(violation_json).collect::<Vec<_>>() }),
            );
            for v in &violations {
                r = r.line(v.to_string());
            }
            return Ok(r.line(format!(
                "refused to archive {}: {} data-only violation(s)",
                a.dir.display(),
                violations.len()
            )));
        }
        Err(e @ ArchiveError::NotSigned { .. }) => {
            return Err(Failure::usage(e).hint(format!(
                "sign it first: sigil pack sign {} --key KEY --name N --version V",
                a.dir.display()
            )))
        }
        Err(e) => return Err(Failure::io(Failure::chain(&e))),
    };
    let bytes = tmp.as_file().metadata().map(|m| m.len()).unwrap_or(0);
    // The temporary file is private (0600); an archive is published, so make it 0644.
    {
        use std::os::unix::fs::PermissionsExt as _;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(|e| {
                Failure::io(format!("{}: {}", a.output.display(), super::io_reason(&e)))
            })?;
    }
    tmp.persist(&a.output).map_err(|e| {
        Failure::io(format!(
            "{}: {}",
            a.output.display(),
            super::io_reason(&e.error)
        ))
    })?;
    let digest = super::sums::hash_file(
        &Output {
            format: crate::output::Format::Json,
            quiet: true,
        },
        &a.output,
    )?;
    Ok(Report::ok(
        "ok",
        json!({
            "dir": a.dir,
            "output": a.output,
            "files": summary.files,
            "dirs": summary.dirs,
            "bytes": summary.bytes,
            "archive_bytes": bytes,
            "sha256": digest.to_hex(),
            "mtime": mtime,
        }),
    )
    .line(format!(
        "wrote {} ({} files, {} bytes; sha256 {})",
        a.output.display(),
        summary.files,
        bytes,
        digest.to_hex()
    )))
}

fn install(out: &Output, a: InstallArgs) -> Result<Report, Failure> {
    let keys = load_keys(&a.key)?;
    let allow = super::scan::load_allowlist(a.allowlist.as_ref())?;
    let sig_path = a
        .signature
        .clone()
        .unwrap_or_else(|| super::sign::signature_path(&a.archive));
    let text =
        super::read_text(&sig_path, MAX_SIGNATURE_FILE as u64, "signature").map_err(|e| {
            if sig_path.exists() {
                e
            } else {
                Failure::not_verified(format!(
                    "{}: archive signature not found",
                    sig_path.display()
                ))
                .hint(format!(
                    "sign the archive: sigil sign --key KEY {}",
                    a.archive.display()
                ))
            }
        })?;
    let sig = Signature::parse(&text)
        .map_err(|e| Failure::not_verified(format!("{}: {e}", sig_path.display())))?;
    let verifier = MinisignVerifier {
        keys: &keys,
        signature: &sig,
    };
    let opts = InstallOptions {
        limits: a.limits.limits(),
        replace: a.replace,
    };
    // Before DEST changes: the archive's signed file name and the pack's signed name and
    // version must be what is being installed.
    let archive_name = super::verify::file_name(&a.archive);
    let expect = a.expect.expect();
    let check = |trust: &sigil_pack::ArchiveTrust,
                 pack: &VerifiedPack|
     -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let statements = [
            binding::Statement::of_blob(
                &sig_path.display().to_string(),
                &trust.trusted_comment,
                &archive_name,
            ),
            manifest_statement(pack),
        ];
        let mismatches = binding::check_pack(&statements, &archive_name, &expect);
        if mismatches.is_empty() {
            return Ok(());
        }
        Err(Box::new(BindingRefused {
            mismatches,
            archive_comment: trust.trusted_comment.clone(),
            pack_comment: pack.comment.to_string(),
        }))
    };
    let progress = super::count_progress(out, "installing", true);
    let hooks = sigil_pack::install::InstallHooks {
        allow: &allow,
        check: &check,
        progress: &progress,
    };
    match sigil_pack::install::install_archive_hooks(
        &a.archive, &verifier, &keys, &a.to, &opts, &hooks,
    ) {
        Ok(i) => Ok(Report::ok(
            "ok",
            json!({
                "archive": a.archive,
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
            i.pack.comment.name,
            i.pack.comment.version,
            i.pack.comment.files,
            i.pack.comment.bytes,
            i.dest.display(),
            if i.replaced { " (replaced)" } else { "" }
        ))
        .line(format!(
            "trusted comment ({}): {}",
            sig_path.display(),
            i.archive.trusted_comment
        ))
        .line(format!(
            "trusted comment ({SIGNATURE_PATH}): {}",
            i.pack.comment
        ))),
        Err(e) => Err(install_error(&a, e)),
    }
}

/// The signed names or version are not those of what is being installed.
#[derive(Debug)]
struct BindingRefused {
    mismatches: Vec<binding::Mismatch>,
    archive_comment: String,
    pack_comment: String,
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

fn install_error(a: &InstallArgs, e: InstallError) -> Failure {
    let dest_note = format!("{} left unchanged", a.to.display());
    if let InstallError::Rejected(inner) = &e {
        if let Some(b) = inner.downcast_ref::<BindingRefused>() {
            let list = super::verify::mismatches_json(&b.mismatches);
            return Failure::not_verified(format!(
                "{}: {b}; {dest_note} (trusted comments: {:?}, {:?})",
                a.archive.display(),
                b.archive_comment,
                b.pack_comment
            ))
            .hint("if the archive was renamed on purpose, pass --expect-name and --expect-version with the signed pack name and version")
            .data(json!({
                "code": b.mismatches.first().map(binding::Mismatch::code),
                "mismatches": list,
                "trusted_comment": b.archive_comment,
                "pack_trusted_comment": b.pack_comment,
            }));
        }
    }
    match e {
        InstallError::Refused(v) => Failure::not_verified(format!(
            "{}: archive refused: {v}; {dest_note}",
            a.archive.display()
        ))
        .data(json!({ "path": v.path, "rule": v.rule, "detail": v.detail })),
        InstallError::Pack(PackVerifyError::Tree { comment, problems }) => {
            let list: Vec<String> = problems
                .iter()
                .map(|p| format!("{}: {} ({})", p.path, p.kind.code(), p.detail))
                .collect();
            Failure::not_verified(format!(
                "{}: pack {} {} inside does not match its signed manifest: {}; {dest_note}",
                a.archive.display(),
                comment.name,
                comment.version,
                list.join("; ")
            ))
            .data(json!({ "problems": problems.iter().map(|p| json!({ "path": p.path, "kind": p.kind.code(), "detail": p.detail })).collect::<Vec<_>>() }))
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
            a.archive.display(),
            Failure::chain(&e)
        ))
        .hint("check the archive and its .minisig, and pass the publisher's key with --key"),
        other => Failure::not_verified(format!(
            "{}: {}; {dest_note}",
            a.archive.display(),
            Failure::chain(&other)
        )),
    }
}
