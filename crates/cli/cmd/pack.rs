//! `sigil pack sign|verify|archive|install|check`: signed data packs.

use std::path::{Path, PathBuf};

use sigil_pack::install::{install_archive_hooks, InstallHooks};
use sigil_pack::report;
use sigil_pack::{InstallOptions, Limits, MinisignVerifier, SignOptions};
use sigil_scan::Scanner;
use sigil_sign::binding::Expect;
use sigil_sign::minisig::{Signature, MAX_SIGNATURE_FILE};

use crate::output::{Failure, Format, Output, Report};

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

/// The content exceptions and limits of `pack verify|check|install`.
#[derive(Debug, Clone, clap::Args)]
pub struct ContentArgs {
    /// Allowlist whose `content GLOB REASON` lines excuse files from the content rules.
    #[arg(long, value_name = "FILE")]
    allowlist: Option<PathBuf>,
    #[command(flatten)]
    limits: LimitArgs,
}

impl LimitArgs {
    fn limits(&self) -> Limits {
        Limits::or_default(self.max_files, self.max_file_bytes, self.max_total_bytes)
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
    #[command(flatten)]
    content: ContentArgs,
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
    #[command(flatten)]
    content: ContentArgs,
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
    report::signed(&a.dir, signed)
}

fn load_keys(paths: &[PathBuf]) -> Result<Vec<sigil_keys::PublicKey>, Failure> {
    paths.iter().map(|p| super::load_public_key(p)).collect()
}

fn verify(out: &Output, a: VerifyArgs, what: &str) -> Result<Report, Failure> {
    let allow = super::scan::load_allowlist(a.content.allowlist.as_ref())?;
    let limits = a.content.limits.limits();
    let verified = if a.identity.given() {
        super::keyless::verify_pack(&a.dir, &a.identity, &limits, &allow)?
    } else {
        let progress = super::count_progress(out, "verifying", false);
        let keys = load_keys(&a.key)?;
        sigil_pack::verify::verify_dir_progress(&a.dir, &keys, &limits, &allow, &progress)
    };
    let v = match verified {
        Ok(v) => v,
        Err(e) => return report::verify_failure(&a.dir, e),
    };
    let expect = Expect {
        file: None,
        ..a.expect.expect()
    };
    let (statement, tc) = (report::manifest_statement(&v), v.comment.to_string());
    super::verify::require_binding(&a.dir, &[statement], &expect, &tc)?;
    Ok(report::verified(what, &a.dir, &v))
}

fn archive(out: &Output, a: ArchiveArgs) -> Result<Report, Failure> {
    // Archives are reproducible by default: entries carry SOURCE_DATE_EPOCH, or 0.
    let mtime = super::source_date_epoch()?.unwrap_or(0);
    let out_dir = a.output.parent().filter(|p| !p.as_os_str().is_empty());
    let out_dir = out_dir.unwrap_or(Path::new("."));
    let io = |p: &Path, e: &std::io::Error| {
        Failure::io(format!("{}: {}", p.display(), super::io_reason(e)))
    };
    let tmp = tempfile::NamedTempFile::new_in(out_dir).map_err(|e| io(out_dir, &e))?;
    let writer = std::io::BufWriter::new(tmp.as_file());
    let progress = super::count_progress(out, "archiving", false);
    let limits = a.limits.limits();
    let written =
        sigil_pack::archive::write_archive_progress(&a.dir, writer, mtime, &limits, &progress);
    let summary = match written {
        Ok(s) => s,
        Err(e) => return report::archive_failure(&a.dir, e),
    };
    let bytes = tmp.as_file().metadata().map(|m| m.len()).unwrap_or(0);
    // The temporary file is private (0600); an archive is published, so make it 0644.
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o644);
    tmp.as_file()
        .set_permissions(mode)
        .map_err(|e| io(&a.output, &e))?;
    tmp.persist(&a.output)
        .map_err(|e| io(&a.output, &e.error))?;
    let quiet = Output {
        format: Format::Json,
        quiet: true,
    };
    let digest = super::sums::hash_file(&quiet, &a.output)?.to_hex();
    Ok(report::archived(
        &a.dir, &a.output, &summary, bytes, &digest, mtime,
    ))
}

fn install(out: &Output, a: InstallArgs) -> Result<Report, Failure> {
    let keys = load_keys(&a.key)?;
    let allow = super::scan::load_allowlist(a.content.allowlist.as_ref())?;
    let sig_path = (a.signature.clone()).unwrap_or_else(|| super::sign::signature_path(&a.archive));
    let text = super::read_text(&sig_path, MAX_SIGNATURE_FILE as u64, "signature");
    let text = text.map_err(|e| match sig_path.exists() {
        true => e,
        false => report::signature_missing(&sig_path, &a.archive),
    })?;
    let sig = Signature::parse(&text)
        .map_err(|e| Failure::not_verified(format!("{}: {e}", sig_path.display())))?;
    let verifier = MinisignVerifier {
        keys: &keys,
        signature: &sig,
    };
    let opts = InstallOptions {
        limits: a.content.limits.limits(),
        replace: a.replace,
    };
    // Before DEST changes: the archive's signed file name and the pack's signed name and
    // version must be what is being installed.
    let (sig_name, archive_name) = (
        sig_path.display().to_string(),
        super::verify::file_name(&a.archive),
    );
    let expect = a.expect.expect();
    let check = report::binding_check(&sig_name, &archive_name, &expect);
    let progress = super::count_progress(out, "installing", true);
    let hooks = InstallHooks {
        allow: &allow,
        check: &check,
        progress: &progress,
    };
    let i = install_archive_hooks(&a.archive, &verifier, &keys, &a.to, &opts, &hooks)
        .map_err(|e| report::install_failure(&a.archive, &a.to, e))?;
    Ok(report::installed(&a.archive, &sig_path, &i))
}
