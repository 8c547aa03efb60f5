//! `sigil sums create` and `sigil sums verify`: GNU `SHA256SUMS` lists, signed with minisign.

use std::path::{Path, PathBuf};

use std::sync::atomic::{AtomicU64, Ordering};

use sigil_core::Sha256Digest;
use sigil_sign::report::{self, ListSigner};
use sigil_sign::sums::{self, SumsFile};

use crate::output::{Failure, Output, Report};

/// Largest checksum list read.
const MAX_LIST: u64 = 64 * 1024 * 1024;

/// Checksum lists.
#[derive(Debug, clap::Subcommand)]
pub enum SumsCommand {
    /// Write a SHA256SUMS list (GNU coreutils format) for files.
    Create(CreateArgs),
    /// Verify SHA256SUMS.minisig, then every file the list names.
    Verify(VerifyArgs),
}

/// `sigil sums create`.
#[derive(Debug, clap::Args)]
pub struct CreateArgs {
    /// Files to list.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Write the list here (names relative to its directory); default stdout.
    #[arg(short = 'o', long = "output", value_name = "SHA256SUMS")]
    output: Option<PathBuf>,
}

/// `sigil sums verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The checksum list.
    #[arg(value_name = "SHA256SUMS")]
    list: PathBuf,
    /// Trusted public key (minisign or SPKI PEM).
    #[arg(long, short = 'k', value_name = "PUB", required_unless_present_any = ["certificate_identity", "certificate_identity_regexp"])]
    key: Option<PathBuf>,
    /// Or a keyless Sigstore bundle of the list (`sigil sign --keyless SHA256SUMS`).
    #[command(flatten)]
    keyless: Box<super::keyless::IdentityArgs>,
    /// Signature of the list; default SHA256SUMS.minisig.
    #[arg(long, short = 'x', value_name = "SIG")]
    signature: Option<PathBuf>,
    /// `--expect-name` is the release name here (`release:NAME-VERSION` in the trusted comment).
    #[command(flatten)]
    expect: super::verify::ExpectArgs,
}

/// Runs a sums subcommand.
pub fn run(out: &Output, cmd: SumsCommand) -> Result<Report, Failure> {
    match cmd {
        SumsCommand::Create(a) => create(out, a),
        SumsCommand::Verify(a) => verify(out, a),
    }
}

/// Hashes one file in constant memory.
pub fn hash_file(out: &Output, path: &Path) -> Result<Sha256Digest, Failure> {
    let (f, len) = super::open_input(path)?;
    let name = path.display().to_string();
    let mut h = sigil_core::digest::Sha256Hasher::default();
    sigil_core::digest::stream(f, |b| h.update(b), &mut super::progress(out, &name, len))
        .map_err(|e| Failure::io(format!("{name}: {}", super::io_reason(&e))))?;
    Ok(h.finalize())
}

fn list_name(file: &Path, base: Option<&Path>) -> Result<String, Failure> {
    let rel: PathBuf = match base {
        Some(base) => {
            let abs = std::fs::canonicalize(file).map_err(|e| {
                Failure::io(format!(
                    "cannot open {}: {}",
                    file.display(),
                    super::io_reason(&e)
                ))
            })?;
            abs.strip_prefix(base).map(Path::to_path_buf).map_err(|_| {
                Failure::usage(format!(
                    "{} is not inside {}",
                    file.display(),
                    base.display()
                ))
                .hint("write the list into a directory that contains every listed file")
            })?
        }
        None => file.to_path_buf(),
    };
    let s = rel
        .to_str()
        .ok_or_else(|| Failure::usage(format!("{}: file name is not UTF-8", file.display())))?;
    Ok(s.strip_prefix("./").unwrap_or(s).to_owned())
}

fn create(out: &Output, a: CreateArgs) -> Result<Report, Failure> {
    let base =
        match &a.output {
            Some(o) => {
                let dir = o
                    .parent()
                    .filter(|p| !p.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                Some(std::fs::canonicalize(dir).map_err(|e| {
                    Failure::io(format!("{}: {}", dir.display(), super::io_reason(&e)))
                })?)
            }
            None => None,
        };
    let mut list = SumsFile::default();
    for f in &a.files {
        let digest = hash_file(out, f)?;
        let name = list_name(f, base.as_deref())?;
        list.entries.push(sums::Entry { digest, name });
    }
    if let Some(i) = sums::duplicate(&list.entries) {
        return Err(Failure::usage(format!(
            "{} is listed twice",
            list.entries[i].name
        )));
    }
    let Some(o) = &a.output else {
        return Ok(report::list_printed(&list));
    };
    sigil_keys::write_new_file(o, list.to_text().as_bytes(), 0o644, true)?;
    Ok(report::list_written(o, &list))
}

fn verify(out: &Output, a: VerifyArgs) -> Result<Report, Failure> {
    let Some(key_path) = &a.key else {
        return verify_keyless(out, &a);
    };
    if a.keyless.given() || a.keyless.bundle.is_some() {
        return Err(Failure::usage("--key and the keyless flags are exclusive")
            .hint("use --key for SHA256SUMS.minisig, the --certificate-* flags for SHA256SUMS.sigstore.json"));
    }
    let key = super::load_public_key(key_path)?;
    let sig_path = a
        .signature
        .clone()
        .unwrap_or_else(|| super::sign::signature_path(&a.list));
    // The list is read once; its signature is checked over exactly those bytes before any of
    // them is trusted, so swapping the file after the check changes nothing.
    let text = super::read_text(&a.list, MAX_LIST, "checksum list")?;
    let v = super::verify::verify_reader(
        out,
        &key,
        &a.list,
        &sig_path,
        text.as_bytes(),
        text.len() as u64,
    )?;
    // The list's comment must name the list (`file:`), and the release expected, if any.
    let statement = sigil_sign::binding::Statement::of_blob(
        &sig_path.display().to_string(),
        &v.trusted_comment,
        &super::verify::file_name(&a.list),
    );
    let expect = sigil_sign::binding::Expect {
        file: None,
        ..a.expect.expect()
    };
    super::verify::require_binding(&a.list, &[statement], &expect, &v.trusted_comment)?;
    check_list(out, &a.list, &text, ListSigner::minisign(&sig_path, &v))
}

/// `sums verify` of a keyless bundle: the bundle over the list's bytes as read once, with the
/// identity asked, then every file.
fn verify_keyless(out: &Output, a: &VerifyArgs) -> Result<Report, Failure> {
    if !a.keyless.given() {
        return Err(Failure::usage("sums verify needs --key PUB or the certificate identity flags")
            .hint("pass --certificate-identity and --certificate-oidc-issuer for SHA256SUMS.sigstore.json"));
    }
    if a.signature.is_some() || a.expect.any() {
        return Err(
            Failure::usage("-x/--signature and --expect-* apply to minisign lists only")
                .hint("a keyless bundle names no release; check the identity instead"),
        );
    }
    let bundle = a
        .keyless
        .bundle
        .clone()
        .unwrap_or_else(|| super::keyless::bundle_path(&a.list));
    let text = super::read_text(&a.list, MAX_LIST, "checksum list")?;
    let v = a.keyless.verify_bytes(&bundle, text.as_bytes())?;
    let (identity, issuer) = sigil_sigstore::report::certificate_names(&v);
    let log_index = v.log_entries.first().map(|e| e.log_index);
    check_list(
        out,
        &a.list,
        &text,
        ListSigner::keyless(&bundle, identity, issuer, log_index),
    )
}

/// Checks every file of a list whose signature verified.
fn check_list(
    out: &Output,
    list_path: &Path,
    text: &str,
    signer: ListSigner,
) -> Result<Report, Failure> {
    let list = SumsFile::parse(text).map_err(|e| report::list_malformed(list_path, &e))?;
    let dir = list_path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // Hashed on every core; the JSON document's per-file array is built only for JSON output.
    let progress = super::count_progress(out, "checking", false);
    let (done, total) = (AtomicU64::new(0), list.entries.len() as u64);
    let statuses = sigil_sign::sums_check::check(dir, &list.entries, &|| {
        progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
    })
    .map_err(|e| Failure::io(format!("{}: {}", dir.display(), super::io_reason(&e))))?;
    let files = out.format == crate::output::Format::Json;
    Ok(report::list_checked(
        list_path,
        signer,
        &list.entries,
        &statuses,
        out.quiet,
        files,
    ))
}
