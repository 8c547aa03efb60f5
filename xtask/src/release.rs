//! `cargo xtask release`: sigil released with sigil, and `--check`, which proves the release
//! is reproducible and that every byte of it is covered by a check nobody here wrote.
//!
//! The pipeline, every step fatal on failure (a missing piece is a failing step, never a skip):
//!
//! 1. `SOURCE_DATE_EPOCH` (default: the HEAD commit time); a dirty tree is refused unless
//!    `--allow-dirty`, because the commit would not describe what is released.
//! 2. The release binary: `cargo auditable build --release --locked` when cargo-auditable is
//!    installed (the binary then carries its dependency list), else `cargo build`.
//! 3. `sigil-VERSION-TARGET.tar.gz`, written here: sorted entries under one top-level
//!    directory, mtime `SOURCE_DATE_EPOCH`, uid/gid 0, no user or group names, modes 0755 (binary,
//!    directory) and 0644, gzip with a fixed level, header mtime 0 and no file name; it holds
//!    the binary, LICENSE, README.md, SECURITY.md and `share/` (completions and man pages the
//!    binary itself writes with `sigil generate`).
//! 4. `sigil sign` (ARCHIVE.minisig), `sigil sbom cargo` (sigil-VERSION.cdx.json),
//!    `sigil provenance` and `sigil attest` (ARCHIVE.intoto.jsonl: SLSA provenance and the SBOM),
//!    the wheel around the same binary (`wheel.rs`; signed, with its own provenance and the
//!    SBOM attested), `install.sh` carrying the archive's SHA-256 and the release key
//!    (`installer.rs`; signed), then
//!    `sigil sums create` and `sigil sign` (SHA256SUMS, SHA256SUMS.minisig, listing every other file).
//! 5. Verification of the whole of dist/: `sigil verify --policy` for each archive,
//!    `sigil verify-attestation` for its provenance and SBOM, `sigil sums verify`; and, when
//!    installed, `minisign -V` for every `.minisig` and `sha256sum -c SHA256SUMS`.
//!
//! Without `--key`, a throwaway unencrypted key is made (once) under `target/release-key/` with a
//! matching throwaway policy; with `--key`, the password comes from `SIGIL_PASSWORD`, the public
//! key defaults to `keys/release.pub` and the policy to `policies/release.toml`.
//!
//! `--check` runs the release twice into two directories with the same key and commit, requires
//! every file to be byte-identical, verifies with sigil and independently (`minisign`,
//! `sha256sum` required), then flips one byte at a time in every file of a copy of dist/ and
//! requires both the sigil checks and the independent checks to refuse each change.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, ensure, Context as _, Result};
use sha2::{Digest as _, Sha256};

use crate::demo::which;
use crate::{root, run_cmd, target_dir};

#[path = "release_installers.rs"]
mod installers;
#[path = "release_keyless.rs"]
mod keyless;

const USAGE: &str = "usage: cargo xtask release [--key KEY [--pub PUB] | --keyless] [--policy P] [--out DIR] [--allow-dirty] [--check]
  --key KEY      minisign secret key; its password comes from SIGIL_PASSWORD
                 (default: a throwaway key under target/release-key/ and a matching throwaway policy)
  --pub PUB      public key of KEY (default keys/release.pub)
  --keyless      sign with `sigil sign/attest --keyless` (GitHub Actions' token and public-good
                 Sigstore in CI; elsewhere a rehearsal against the local Sigstore on 127.0.0.1)
  --policy P     policy that dist/ must satisfy (default policies/release.toml with --key)
  --out DIR      output directory (default dist/); it must be empty or hold only a previous release
  --allow-dirty  release a working tree with uncommitted changes (provenance records it as dirty)
  --check        release twice, compare byte for byte, verify independently, and show that
                 flipping any byte of dist/ fails verification (needs minisign and sha256sum)";

/// SLSA Provenance v1.
const SLSA: &str = "https://slsa.dev/provenance/v1";
/// CycloneDX BOM predicate.
const CYCLONEDX: &str = "https://cyclonedx.org/bom";
/// `sigil provenance`'s builder id outside CI.
const LOCAL_BUILDER: &str = "urn:sigil:builder:local";

/// Parsed arguments.
#[derive(Debug, Default)]
struct Args {
    key: Option<PathBuf>,
    public: Option<PathBuf>,
    policy: Option<PathBuf>,
    out: Option<PathBuf>,
    allow_dirty: bool,
    check: bool,
    keyless: bool,
}

fn parse(args: &[String]) -> Result<Args> {
    let mut a = Args::default();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |flag: &str| -> Result<PathBuf> {
            it.next()
                .map(PathBuf::from)
                .with_context(|| format!("{flag} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--key" => a.key = Some(value("--key")?),
            "--pub" => a.public = Some(value("--pub")?),
            "--policy" => a.policy = Some(value("--policy")?),
            "--out" => a.out = Some(value("--out")?),
            "--allow-dirty" => a.allow_dirty = true,
            "--check" => a.check = true,
            "--keyless" => a.keyless = true,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    if a.keyless && (a.key.is_some() || a.policy.is_some()) {
        bail!("--keyless signs without a key and verifies with policies/release.toml's keyless rule; --key, --pub and --policy do not apply");
    }
    if a.public.is_some() && a.key.is_none() {
        bail!("--pub needs --key (the throwaway key brings its own public key)");
    }
    Ok(a)
}

/// Absolute form of a user-given path (relative to the current directory).
fn absolute(p: &Path) -> Result<PathBuf> {
    Ok(if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()?.join(p)
    })
}

/// Everything the steps share.
struct Ctx {
    sigil: PathBuf,
    version: String,
    target: String,
    epoch: u64,
    secret: PathBuf,
    public: PathBuf,
    policy: PathBuf,
    builder_id: String,
    throwaway: bool,
    work: PathBuf,
    keyless: Option<keyless::Keyless>,
}

impl Ctx {
    /// A sigil command with the release environment: reproducible time, no colour, a private
    /// audit log (release checks do not go into the user's log).
    fn sigil(&self) -> Command {
        let mut c = Command::new(&self.sigil);
        c.current_dir(root())
            .env("SOURCE_DATE_EPOCH", self.epoch.to_string())
            .env("NO_COLOR", "1")
            .env("SIGIL_AUDIT_DB", self.work.join("audit.db"));
        if self.throwaway {
            c.env_remove("SIGIL_PASSWORD");
        }
        c
    }

    fn archive_name(&self) -> String {
        format!("sigil-{}-{}.tar.gz", self.version, self.target)
    }

    fn sbom_name(&self) -> String {
        format!("sigil-{}.cdx.json", self.version)
    }

    /// How `sigil sign` and `sigil attest` sign: `--key SECRET`, or `--keyless ...`.
    fn signer(&self) -> Vec<OsString> {
        match &self.keyless {
            Some(k) => k.sign_flags.clone(),
            None => vec!["--key".into(), self.secret.clone().into()],
        }
    }
}

/// Runs sigil, echoing the command line; its output goes to the terminal.
fn sigil_step(ctx: &Ctx, args: &[&dyn AsRef<OsStr>]) -> Result<()> {
    let argv: Vec<OsString> = args.iter().map(|a| a.as_ref().to_owned()).collect();
    println!("$ sigil {}", show(&argv));
    run_cmd(ctx.sigil().args(&argv))
}

/// A command line for display, with the workspace root shortened.
fn show(argv: &[OsString]) -> String {
    let root = format!("{}/", root().display());
    argv.iter()
        .map(|a| a.to_string_lossy().replace(&root, ""))
        .collect::<Vec<_>>()
        .join(" ")
}

fn banner(lines: &[&str]) {
    let bar = "!".repeat(78);
    println!("\n{bar}");
    for l in lines {
        println!("!! {l}");
    }
    println!("{bar}\n");
}

fn step(what: &str) {
    println!("\n== {what}");
}

/// Standard output of a command that must succeed, trimmed.
pub(crate) fn output(cmd: &mut Command) -> Result<String> {
    let shown = format!("{cmd:?}");
    let out = cmd.output().with_context(|| format!("starting {shown}"))?;
    if !out.status.success() {
        bail!(
            "{shown} failed with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8(out.stdout)
        .with_context(|| format!("{shown}: output is not UTF-8"))?
        .trim()
        .to_owned())
}

fn git(args: &[&str]) -> Result<String> {
    output(Command::new("git").args(args).current_dir(root()))
}

/// `SOURCE_DATE_EPOCH` from the environment, else the HEAD commit time.
fn source_date_epoch() -> Result<u64> {
    if let Ok(v) = std::env::var("SOURCE_DATE_EPOCH") {
        let n = v
            .trim()
            .parse()
            .with_context(|| format!("SOURCE_DATE_EPOCH is not a number of seconds: {v:?}"))?;
        println!("xtask release: SOURCE_DATE_EPOCH={n} (from the environment)");
        return Ok(n);
    }
    let t = git(&["log", "-1", "--format=%ct"])
        .context("reading the HEAD commit time (is this a git checkout?)")?;
    let n = t
        .parse()
        .with_context(|| format!("git log printed {t:?}, not a time"))?;
    println!("xtask release: SOURCE_DATE_EPOCH={n} (the HEAD commit time)");
    Ok(n)
}

/// Refuses a working tree whose tracked files differ from HEAD, unless allowed.
fn check_clean(allow_dirty: bool) -> Result<()> {
    let status = git(&["status", "--porcelain", "--untracked-files=no"])?;
    if status.is_empty() {
        return Ok(());
    }
    let n = status.lines().count();
    if !allow_dirty {
        bail!(
            "the working tree has {n} changed tracked file(s); a release must be built from a commit \
             (commit or stash them, or pass --allow-dirty for a rehearsal; provenance records it)\n{status}"
        );
    }
    banner(&[
        &format!("--allow-dirty: {n} tracked file(s) differ from HEAD; this is a rehearsal, not a release."),
        "The provenance records the tree as dirty; never publish this dist/.",
    ]);
    Ok(())
}

fn cargo() -> Command {
    let mut c = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    c.current_dir(root());
    c
}

/// Whether `cargo auditable` is available.
fn has_cargo_auditable() -> bool {
    let home_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|p| p.join("bin/cargo-auditable"));
    which("cargo-auditable").is_some() || home_bin.is_some_and(|p| p.is_file())
}

/// Builds the release binary and returns its path.
fn build(epoch: u64) -> Result<PathBuf> {
    let mut c = cargo();
    if has_cargo_auditable() {
        println!("xtask release: building with `cargo auditable` (the dependency list is embedded in the binary)");
        c.arg("auditable");
    } else {
        banner(&[
            "cargo-auditable is not installed: building with plain `cargo build`.",
            "The binary will carry no dependency list (`sigil sbom binary` cannot read it).",
            "Install it with `cargo install --locked cargo-auditable` for a real release.",
        ]);
    }
    c.args(crate::BUILD_RELEASE_SIGIL)
        .env("SOURCE_DATE_EPOCH", epoch.to_string());
    println!(
        "$ {}",
        show(
            &std::iter::once(c.get_program().to_owned())
                .chain(c.get_args().map(OsString::from))
                .collect::<Vec<_>>()
        )
    );
    run_cmd(&mut c)?;
    let bin = target_dir().join("release/sigil");
    ensure!(bin.is_file(), "the build did not produce {}", bin.display());
    Ok(bin)
}

/// The version of the root package, from `cargo metadata`.
fn cargo_version() -> Result<String> {
    let text =
        output(cargo().args(["metadata", "--format-version", "1", "--no-deps", "--locked"]))?;
    let doc: serde_json::Value = serde_json::from_str(&text).context("parsing cargo metadata")?;
    doc["packages"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["name"] == "sigil"))
        .and_then(|p| p["version"].as_str())
        .map(str::to_owned)
        .context("cargo metadata lists no `sigil` package")
}

/// The host target triple, from `rustc -vV`.
pub(crate) fn host_target() -> Result<String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let text = output(Command::new(rustc).arg("-vV"))?;
    text.lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .context("rustc -vV names no host")
}

/// The builder id the policy expects of `sigil provenance`'s default: on GitHub Actions the
/// running workflow, `<server>/<owner>/<repo>/.github/workflows/<file>` (the provenance names it
/// with `@<ref>`, which a builder id without `@` matches up to, as slsa-verifier compares; the
/// ref is checked as the source ref), elsewhere the local builder.
fn builder_id() -> Result<String> {
    if std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true") {
        let server =
            std::env::var("GITHUB_SERVER_URL").unwrap_or_else(|_| "https://github.com".into());
        let wf = std::env::var("GITHUB_WORKFLOW_REF")
            .context("GITHUB_ACTIONS=true but GITHUB_WORKFLOW_REF is unset")?;
        let path = wf.split_once('@').map_or(wf.as_str(), |(p, _)| p);
        return Ok(format!("{}/{path}", server.trim_end_matches('/')));
    }
    Ok(LOCAL_BUILDER.to_owned())
}

/// The throwaway policy: `policies/release.toml` with the throwaway key and the local builder
/// substituted, and the source requirements (a tag of the project's repository) dropped.
fn throwaway_policy(shipped: &str, builder: &str) -> Result<String> {
    let mut out = String::from(
        "# THROWAWAY policy written by `cargo xtask release` for a release signed with the throwaway key\n\
         # beside it. It is policies/release.toml with the key and the builder substituted and the\n\
         # source requirements dropped. It proves the pipeline, not the origin: never trust it.\n",
    );
    let (mut keys, mut builders) = (0, 0);
    for line in shipped.lines() {
        let t = line.trim_start();
        if t.starts_with("keys = ") {
            keys += 1;
            out.push_str("keys = [{ path = \"release.pub\", name = \"throwaway release key\" }]\n");
        } else if t.starts_with("builder-id = ") {
            builders += 1;
            writeln!(out, "builder-id = {builder:?}")?;
        } else if t.starts_with("source-uri = ")
            || t.starts_with("source-ref-regex = ")
            || t.starts_with("source-ref = ")
        {
            writeln!(out, "# dropped for the throwaway release: {t}")?;
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    ensure!(keys == 1 && builders == 1, "policies/release.toml must have exactly one `keys = ` and one `builder-id = ` line (found {keys} and {builders})");
    Ok(out)
}

/// The throwaway key (made once, reused so repeated runs sign identically) and policy.
fn throwaway(sigil: &Path, builder: &str) -> Result<(PathBuf, PathBuf, PathBuf)> {
    let dir = target_dir().join("release-key");
    std::fs::create_dir_all(&dir)?;
    let prefix = dir.join("release");
    let (secret, public) = (prefix.with_extension("key"), prefix.with_extension("pub"));
    if !(secret.is_file() && public.is_file()) {
        let _ = std::fs::remove_file(&secret);
        let _ = std::fs::remove_file(&public);
        println!(
            "$ sigil key generate --no-password --out {}",
            show(&[prefix.clone().into()])
        );
        run_cmd(
            Command::new(sigil)
                .args(["key", "generate", "--no-password", "--out"])
                .arg(&prefix)
                .env("NO_COLOR", "1"),
        )?;
    }
    let shipped_path = root().join("policies/release.toml");
    let shipped = std::fs::read_to_string(&shipped_path)
        .with_context(|| format!("reading {}", shipped_path.display()))?;
    let policy = dir.join("release-local.toml");
    std::fs::write(&policy, throwaway_policy(&shipped, builder)?)?;
    banner(&[
        "NO --key GIVEN: signing with a THROWAWAY key that nobody trusts:",
        &format!(
            "  secret {} (unencrypted, 0600)",
            show(&[secret.clone().into()])
        ),
        &format!("  public {}", show(&[public.clone().into()])),
        &format!(
            "  policy {} (policies/release.toml with this key and builder {builder})",
            show(&[policy.clone().into()])
        ),
        "This dist/ proves the pipeline works; it is not a sigil release. Use --key for one.",
    ]);
    Ok((secret, public, policy))
}

/// Makes `out` an empty directory, refusing to delete anything but a previous release.
fn prepare_out(out: &Path) -> Result<()> {
    if out.exists() {
        let mut entries = Vec::new();
        for e in std::fs::read_dir(out).with_context(|| format!("reading {}", out.display()))? {
            let e = e?;
            let name = e.file_name().to_string_lossy().into_owned();
            let ours = e.file_type()?.is_file()
                && (name.starts_with("sigil-")
                    || name.starts_with("SHA256SUMS")
                    || name.starts_with("install.sh"));
            ensure!(
                ours,
                "{} holds {name:?}, which a release does not write; choose an empty --out",
                out.display()
            );
            entries.push(e.path());
        }
        for p in entries {
            std::fs::remove_file(&p).with_context(|| format!("removing {}", p.display()))?;
        }
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))
}

/// One entry of the release archive.
struct Entry {
    path: String,
    data: Option<Vec<u8>>,
    mode: u32,
}

/// The deterministic archive: the bytes depend only on the inputs and `epoch`.
pub fn write_archive(
    dest: &Path,
    top: &str,
    files: &[(&str, &Path, u32)],
    epoch: u64,
) -> Result<()> {
    let mut entries = vec![Entry {
        path: format!("{top}/"),
        data: None,
        mode: 0o755,
    }];
    for (name, src, mode) in files {
        let data = std::fs::read(src).with_context(|| format!("reading {}", src.display()))?;
        entries.push(Entry {
            path: format!("{top}/{name}"),
            data: Some(data),
            mode: *mode,
        });
    }
    entries.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    let file =
        std::fs::File::create(dest).with_context(|| format!("creating {}", dest.display()))?;
    // Header mtime 0 and no file name; the OS byte is fixed rather than taken from the host.
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .operating_system(3)
        .write(file, flate2::Compression::new(9));
    let mut tar = tar::Builder::new(gz);
    for e in &entries {
        let mut h = tar::Header::new_ustar();
        h.set_path(&e.path)
            .with_context(|| format!("tar path {}", e.path))?;
        h.set_mode(e.mode);
        h.set_uid(0);
        h.set_gid(0);
        h.set_username("")?;
        h.set_groupname("")?;
        h.set_mtime(epoch);
        match &e.data {
            Some(d) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_size(d.len() as u64);
                h.set_cksum();
                tar.append(&h, d.as_slice())?;
            }
            None => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_size(0);
                h.set_cksum();
                tar.append(&h, std::io::empty())?;
            }
        }
    }
    let mut gz = tar.into_inner()?;
    gz.flush()?;
    let f = gz.finish()?;
    f.sync_all()?;
    Ok(())
}

/// `cargo cyclonedx`, when installed, for comparison with sigil's SBOM. It writes beside every
/// manifest of the workspace; the root package's file is moved into dist/, the others removed.
fn cargo_cyclonedx(ctx: &Ctx, out: &Path) -> Result<()> {
    if which("cargo-cyclonedx").is_none() {
        println!("xtask release: cargo-cyclonedx is not installed: no second SBOM to compare (optional; not installed by xtask)");
        return Ok(());
    }
    let stem = "sigil-release-cargo-cyclonedx";
    let mut c = cargo();
    c.args(["cyclonedx", "--format", "json", "--override-filename", stem])
        .env("SOURCE_DATE_EPOCH", ctx.epoch.to_string());
    println!("$ cargo cyclonedx --format json --override-filename {stem}");
    run_cmd(&mut c)?;
    let meta =
        output(cargo().args(["metadata", "--format-version", "1", "--no-deps", "--locked"]))?;
    let doc: serde_json::Value = serde_json::from_str(&meta)?;
    let mut moved = false;
    for p in doc["packages"].as_array().into_iter().flatten() {
        let Some(dir) = p["manifest_path"]
            .as_str()
            .and_then(|m| Path::new(m).parent())
        else {
            continue;
        };
        let written = dir.join(format!("{stem}.json"));
        if !written.exists() {
            continue;
        }
        if p["name"] == "sigil" {
            let dest = out.join(format!("sigil-{}.cargo-cyclonedx.cdx.json", ctx.version));
            std::fs::copy(&written, &dest)?;
            moved = true;
        }
        std::fs::remove_file(&written)?;
    }
    ensure!(moved, "cargo cyclonedx wrote no SBOM for the sigil package");
    Ok(())
}

/// Runs the release pipeline into `out` and verifies it.
fn release(ctx: &Ctx, out: &Path, binary: &Path) -> Result<()> {
    prepare_out(out)?;
    let archive = out.join(ctx.archive_name());
    let top = ctx.archive_name().trim_end_matches(".tar.gz").to_owned();

    step(&format!(
        "pack {} (deterministic tar.gz)",
        ctx.archive_name()
    ));
    let r = root();
    let share = generated_share(ctx)?;
    let (license, readme, security) = (
        r.join("LICENSE"),
        r.join("README.md"),
        r.join("SECURITY.md"),
    );
    let mut contents: Vec<(&str, &Path, u32)> = vec![
        ("LICENSE", &license, 0o644),
        ("README.md", &readme, 0o644),
        ("SECURITY.md", &security, 0o644),
        ("sigil", binary, 0o755),
    ];
    contents.extend(share.iter().map(|(n, p)| (n.as_str(), p.as_path(), 0o644)));
    write_archive(&archive, &top, &contents, ctx.epoch)?;
    println!(
        "wrote {} ({} bytes, sha256 {})",
        show(&[archive.clone().into()]),
        std::fs::metadata(&archive)?.len(),
        sha256_hex(&archive)?
    );

    step("sign the archive and check the key pair matches");
    let signer = ctx.signer();
    let mut sign: Vec<&dyn AsRef<OsStr>> = vec![&"sign"];
    sign.extend(signer.iter().map(|a| a as &dyn AsRef<OsStr>));
    sign.push(&archive);
    sigil_step(ctx, &sign)?;
    if ctx.keyless.is_none() {
        sigil_step(ctx, &[&"verify", &"--key", &ctx.public, &archive])
            .context("the archive's signature does not verify with the public key: --key and --pub are not a pair")?;
    }

    step("SBOM: sigil sbom cargo (CycloneDX 1.6)");
    let sbom = out.join(ctx.sbom_name());
    sigil_step(
        ctx,
        &[
            &"sbom",
            &"cargo",
            &"--manifest-path",
            &r.join("Cargo.toml"),
            &"--spec",
            &"cyclonedx-1.6",
            &"-o",
            &sbom,
        ],
    )?;
    cargo_cyclonedx(ctx, out)?;

    step("provenance (SLSA v1) and attestations for the archive");
    let statement = ctx
        .work
        .join(format!("{}.provenance.json", ctx.archive_name()));
    let attestations = out.join(format!("{}.intoto.jsonl", ctx.archive_name()));
    provenance(ctx, &archive, &statement)?;
    for (ptype, predicate) in [(SLSA, &statement), (CYCLONEDX, &sbom)] {
        let mut attest: Vec<&dyn AsRef<OsStr>> = vec![&"attest"];
        attest.extend(signer.iter().map(|a| a as &dyn AsRef<OsStr>));
        attest.extend([
            &"--predicate-type" as &dyn AsRef<OsStr>,
            &ptype,
            &"--predicate",
            predicate,
            &archive,
            &"-o",
            &attestations,
        ]);
        sigil_step(ctx, &attest)?;
    }

    wheel_and_installer(ctx, out, binary, &archive, &sbom)?;

    step("SHA256SUMS over every file, signed");
    let mut listed = files(out)?;
    listed.retain(|p| !file_name(p).starts_with("SHA256SUMS"));
    let sums = out.join("SHA256SUMS");
    let mut args: Vec<&dyn AsRef<OsStr>> = vec![&"sums", &"create"];
    for p in &listed {
        args.push(p);
    }
    args.extend([&"-o" as &dyn AsRef<OsStr>, &sums]);
    sigil_step(ctx, &args)?;
    // The list's file name says nothing about the release, so its signed comment names it.
    let comment = format!(
        "timestamp:{}\tfile:SHA256SUMS\trelease:sigil-{}",
        ctx.epoch, ctx.version
    );
    if ctx.keyless.is_some() {
        // One keyless bundle over the list covers every file of the release.
        let mut sign: Vec<&dyn AsRef<OsStr>> = vec![&"sign"];
        sign.extend(signer.iter().map(|a| a as &dyn AsRef<OsStr>));
        sign.push(&sums);
        sigil_step(ctx, &sign)?;
    } else {
        sigil_step(
            ctx,
            &[
                &"sign",
                &"--key",
                &ctx.secret,
                &"--trusted-comment",
                &comment,
                &sums,
            ],
        )?;
    }

    step(&format!(
        "verify {} against {}",
        show(&[out.to_path_buf().into()]),
        show(&[ctx.policy.clone().into()])
    ));
    let checks = checks(ctx, out)?;
    let mut failed = Vec::new();
    for c in &checks {
        if c.route == Route::Independent && c.missing_tool.is_some() {
            continue;
        }
        println!("$ {}", c.shown);
        let status = c
            .command()
            .status()
            .with_context(|| format!("starting {}", c.shown))?;
        if !status.success() {
            println!("   FAILED ({status})");
            failed.push(c.shown.clone());
        }
    }
    let missing: Vec<&str> = checks.iter().filter_map(|c| c.missing_tool).collect();
    if !missing.is_empty() {
        banner(&[&format!(
            "not installed: {} - the independent checks were not run; `cargo xtask release --check` requires them",
            dedup(&missing).join(", ")
        )]);
    }
    if !failed.is_empty() {
        bail!(
            "{} of {} checks failed on {}:\n  {}",
            failed.len(),
            checks.len(),
            out.display(),
            failed.join("\n  ")
        );
    }
    println!(
        "\nxtask release: {} verified ({} checks)",
        show(&[out.to_path_buf().into()]),
        checks.len() - missing.len()
    );
    Ok(())
}

/// Completions and man pages written by the release binary itself (`sigil generate`), as
/// (name in the archive, path): `share/completions/*` and `share/man/man1/*`, sorted.
fn generated_share(ctx: &Ctx) -> Result<Vec<(String, PathBuf)>> {
    let dir = ctx.work.join("generated");
    let _ = std::fs::remove_dir_all(&dir);
    let share = dir.join("share");
    run_cmd(ctx.sigil().arg("--quiet").arg("generate").arg(&share))?;
    let mut v = Vec::new();
    for sub in ["completions", "man/man1"] {
        for p in files(&share.join(sub))? {
            v.push((format!("share/{sub}/{}", file_name(&p)), p));
        }
    }
    Ok(v)
}

/// `sigil provenance SUBJECT -o STATEMENT` (under the simulated release run for a keyless
/// rehearsal), then the check that it names this checkout.
fn provenance(ctx: &Ctx, subject: &Path, statement: &Path) -> Result<()> {
    match &ctx.keyless {
        Some(k) if !k.provenance_env.is_empty() => {
            println!(
                "$ sigil provenance {} -o {} (under the simulated release run)",
                show(&[subject.into()]),
                show(&[statement.into()])
            );
            run_cmd(
                ctx.sigil()
                    .envs(k.provenance_env.iter().map(|(a, b)| (a, b)))
                    .arg("provenance")
                    .arg(subject)
                    .arg("-o")
                    .arg(statement),
            )?;
        }
        _ => sigil_step(ctx, &[&"provenance", &subject, &"-o", &statement])?,
    }
    check_checkout(statement, &root())
}

/// The Python wheel around the same binary (signed, with its own provenance and the SBOM
/// attested) and `install.sh` carrying the archive's SHA-256 and the release key (signed).
fn wheel_and_installer(
    ctx: &Ctx,
    out: &Path,
    binary: &Path,
    archive: &Path,
    sbom: &Path,
) -> Result<()> {
    step("Python wheel around the same binary: signed, provenance and SBOM attested");
    let wheel = crate::wheel::build(&crate::wheel::Spec {
        version: &ctx.version,
        target: &ctx.target,
        binary,
        license: &root().join("LICENSE"),
        out_dir: out,
    })?;
    println!(
        "wrote {} (sha256 {})",
        file_name(&wheel),
        sha256_hex(&wheel)?
    );
    let signer = ctx.signer();
    let mut sign: Vec<&dyn AsRef<OsStr>> = vec![&"sign"];
    sign.extend(signer.iter().map(|a| a as &dyn AsRef<OsStr>));
    sign.push(&wheel);
    sigil_step(ctx, &sign)?;
    let statement = ctx
        .work
        .join(format!("{}.provenance.json", file_name(&wheel)));
    let attestations = out.join(format!("{}.intoto.jsonl", file_name(&wheel)));
    provenance(ctx, &wheel, &statement)?;
    for (predicate_type, predicate) in [(SLSA, statement.as_path()), (CYCLONEDX, sbom)] {
        let mut attest: Vec<&dyn AsRef<OsStr>> = vec![&"attest"];
        attest.extend(signer.iter().map(|a| a as &dyn AsRef<OsStr>));
        attest.extend([
            &"--predicate-type" as &dyn AsRef<OsStr>,
            &predicate_type,
            &"--predicate",
            &predicate,
            &wheel,
            &"-o",
            &attestations,
        ]);
        sigil_step(ctx, &attest)?;
    }

    if ctx.keyless.is_some() {
        // install.sh checks a minisign signature against the key it carries; a keyless release
        // has no such key, so it gets no installer (the Action and sigil verify its bundles).
        println!("install.sh: not written for a keyless release (it verifies with a minisign release key)");
        return Ok(());
    }

    step("install.sh: the archive's SHA-256 and the release key, signed");
    let public = std::fs::read_to_string(&ctx.public)
        .with_context(|| format!("reading {}", ctx.public.display()))?;
    let pins = crate::installer::Pins {
        version: ctx.version.clone(),
        public_key: crate::installer::key_line(&public)
            .context("install.sh carries the release key as a minisign key line")?,
        sha256: vec![(ctx.target.clone(), sha256_hex(archive)?)],
        base_url: String::new(),
    };
    let script = out.join("install.sh");
    std::fs::write(
        &script,
        crate::installer::render(crate::installer::TEMPLATE, &pins)?,
    )?;
    sigil_step(ctx, &[&"sign", &"--key", &ctx.secret, &script])?;
    Ok(())
}

/// The provenance of a local build must name this checkout (`internalParameters.checkout`):
/// a release made from another tree, however it came about, is refused here.
fn check_checkout(statement: &Path, root: &Path) -> Result<()> {
    let text = std::fs::read_to_string(statement)
        .with_context(|| format!("reading {}", statement.display()))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).with_context(|| format!("parsing {}", statement.display()))?;
    let bd = &v["predicate"]["buildDefinition"];
    let recorded = bd["internalParameters"]["checkout"].as_str();
    if bd["buildType"].as_str() != Some("urn:sigil:buildtype:local:v1") && recorded.is_none() {
        println!("provenance from a CI build: the checkout is named by its repository and commit");
        return Ok(());
    }
    let want = format!(
        "file://{}",
        root.canonicalize()
            .with_context(|| format!("resolving {}", root.display()))?
            .display()
    );
    ensure!(
        recorded == Some(want.as_str()),
        "the provenance records checkout {} but this release runs in {want}: refusing to release another tree",
        recorded.unwrap_or("(none)")
    );
    println!("provenance records this checkout: {want}");
    Ok(())
}

fn dedup<'a>(v: &[&'a str]) -> Vec<&'a str> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// Which verifier a check belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    /// sigil itself.
    Sigil,
    /// Tools nobody here wrote.
    Independent,
}

/// One verification command over a dist directory.
struct Check {
    route: Route,
    program: PathBuf,
    args: Vec<OsString>,
    dir: PathBuf,
    env: Vec<(&'static str, OsString)>,
    shown: String,
    missing_tool: Option<&'static str>,
}

impl Check {
    /// A check through sigil itself, run from the repository root.
    pub(crate) fn sigil(
        program: &Path,
        args: Vec<OsString>,
        env: &[(&'static str, OsString)],
    ) -> Self {
        Check {
            route: Route::Sigil,
            shown: format!("sigil {}", show(&args)),
            program: program.to_path_buf(),
            args,
            dir: root(),
            env: env.to_vec(),
            missing_tool: None,
        }
    }

    /// A check through a tool nobody here wrote, run inside `dist`; `program` is `None` when
    /// the tool is not installed (the check then reports it missing).
    pub(crate) fn independent(
        tool: &'static str,
        program: Option<PathBuf>,
        args: Vec<OsString>,
        dist: &Path,
    ) -> Self {
        let shown = format!(
            "(cd {} && {tool} {})",
            show(&[dist.to_path_buf().into()]),
            show(&args)
        );
        Check {
            route: Route::Independent,
            missing_tool: program.is_none().then_some(tool),
            program: program.unwrap_or_else(|| tool.into()),
            args,
            dir: dist.to_path_buf(),
            env: Vec::new(),
            shown,
        }
    }

    /// `sha256sum --strict --quiet -c SHA256SUMS` inside `dist`.
    pub(crate) fn sha256sum(dist: &Path) -> Self {
        let args = ["--strict", "--quiet", "-c", "SHA256SUMS"]
            .map(OsString::from)
            .to_vec();
        Check::independent("sha256sum", which("sha256sum"), args, dist)
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.program);
        c.args(&self.args).current_dir(&self.dir);
        for (k, v) in &self.env {
            c.env(k, v);
        }
        c
    }
}

/// Every check of a dist directory: the sigil route and the independent route.
fn checks(ctx: &Ctx, dist: &Path) -> Result<Vec<Check>> {
    let mut v = Vec::new();
    let env = vec![
        ("NO_COLOR", OsString::from("1")),
        ("SIGIL_AUDIT_DB", ctx.work.join("audit.db").into_os_string()),
    ];
    if let Some(k) = &ctx.keyless {
        return keyless::checks(k, &ctx.sigil, &env, dist);
    }
    let mut sigil = |args: Vec<OsString>| v.push(Check::sigil(&ctx.sigil, args, &env));
    let names: Vec<String> = files(dist)?.iter().map(|p| file_name(p)).collect();
    // The archives and the wheel: each signed, with provenance and SBOM attestations beside it.
    let archives: Vec<&String> = names
        .iter()
        .filter(|n| n.ends_with(".tar.gz") || n.ends_with(".whl"))
        .collect();
    ensure!(!archives.is_empty(), "{} holds no archive", dist.display());
    for a in &archives {
        let art = dist.join(a);
        let att = dist.join(format!("{a}.intoto.jsonl"));
        sigil(vec![
            "verify".into(),
            "--policy".into(),
            ctx.policy.clone().into(),
            art.clone().into(),
        ]);
        sigil(vec![
            "verify-attestation".into(),
            art.clone().into(),
            "--attestation".into(),
            att.clone().into(),
            "--key".into(),
            ctx.public.clone().into(),
            "--predicate-type".into(),
            SLSA.into(),
            "--builder-id".into(),
            ctx.builder_id.clone().into(),
        ]);
        sigil(vec![
            "verify-attestation".into(),
            art.into(),
            "--attestation".into(),
            att.into(),
            "--key".into(),
            ctx.public.clone().into(),
            "--predicate-type".into(),
            CYCLONEDX.into(),
        ]);
    }
    sigil(vec![
        "sums".into(),
        "verify".into(),
        dist.join("SHA256SUMS").into(),
        "--key".into(),
        ctx.public.clone().into(),
        // The signed `release:sigil-VERSION` must be this release, not an older one.
        "--expect-name".into(),
        "sigil".into(),
        "--expect-version".into(),
        ctx.version.clone().into(),
    ]);

    let minisign = which("minisign");
    for n in names
        .iter()
        .filter(|n| names.contains(&format!("{n}.minisig")))
    {
        let args: Vec<OsString> = vec![
            "-Vq".into(),
            "-m".into(),
            n.into(),
            "-p".into(),
            ctx.public.clone().into(),
        ];
        v.push(Check::independent("minisign", minisign.clone(), args, dist));
    }
    v.push(Check::sha256sum(dist));
    Ok(v)
}

/// Regular files in `dir`, sorted by name.
fn files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let e = e?;
        ensure!(
            e.file_type()?.is_file(),
            "{} is not a regular file",
            e.path().display()
        );
        v.push(e.path());
    }
    v.sort();
    Ok(v)
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn sha256_hex(p: &Path) -> Result<String> {
    let mut h = Sha256::new();
    let mut f = std::fs::File::open(p).with_context(|| format!("opening {}", p.display()))?;
    std::io::copy(&mut f, &mut h)?;
    Ok(h.finalize().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    }))
}

/// Sets up the context: time, tree, build, version, key and policy.
fn context(a: &Args, work: PathBuf) -> Result<Ctx> {
    let epoch = source_date_epoch()?;
    check_clean(a.allow_dirty)?;
    step("build the release binary");
    let sigil = build(epoch)?;
    let version = cargo_version()?;
    let reported = output(Command::new(&sigil).arg("--version"))?;
    ensure!(
        reported == format!("sigil {version}"),
        "the binary reports {reported:?}, Cargo.toml says {version}"
    );
    let target = host_target()?;
    let builder_id = builder_id()?;
    println!("xtask release: sigil {version} for {target}, builder {builder_id}");
    std::fs::create_dir_all(&work)?;
    let keyless = if a.keyless {
        Some(keyless::setup(&version, &work)?)
    } else {
        None
    };
    let (secret, public, policy, throwaway) = match (&a.key, &keyless) {
        (_, Some(k)) => (PathBuf::new(), PathBuf::new(), k.policy.clone(), false),
        (None, None) => {
            ensure!(
                a.policy.is_none(),
                "--policy needs --key: the throwaway key comes with its own throwaway policy"
            );
            let (s, p, pol) = throwaway(&sigil, &builder_id)?;
            (s, p, pol, true)
        }
        (Some(k), None) => {
            ensure!(
                std::env::var_os("SIGIL_PASSWORD").is_some(),
                "--key needs the key's password in SIGIL_PASSWORD (the release signs several files; it never prompts)"
            );
            let public = absolute(
                a.public
                    .as_deref()
                    .unwrap_or(&root().join("keys/release.pub")),
            )?;
            let policy = absolute(
                a.policy
                    .as_deref()
                    .unwrap_or(&root().join("policies/release.toml")),
            )?;
            println!(
                "xtask release: signing with {}; verifying with {} under {}",
                k.display(),
                public.display(),
                policy.display()
            );
            (absolute(k)?, public, policy, false)
        }
    };
    for (what, p) in [
        ("secret key", &secret),
        ("public key", &public),
        ("policy", &policy),
    ] {
        if keyless.is_some() && what != "policy" {
            continue;
        }
        ensure!(p.is_file(), "the {what} {} does not exist", p.display());
    }
    run_cmd(
        Command::new(&sigil)
            .args(["policy", "check"])
            .arg(&policy)
            .env("NO_COLOR", "1"),
    )?;
    Ok(Ctx {
        sigil,
        version,
        target,
        epoch,
        secret,
        public,
        policy,
        builder_id,
        throwaway,
        work,
        keyless,
    })
}

/// `cargo xtask release [...]`.
pub fn run(args: &[String]) -> Result<()> {
    let a = parse(args)?;
    if a.check {
        return check(&a);
    }
    let started = Instant::now();
    let out = absolute(a.out.as_deref().unwrap_or(&root().join("dist")))?;
    let work = target_dir().join("release-work");
    let _ = std::fs::remove_dir_all(&work);
    let ctx = context(&a, work)?;
    release(&ctx, &out, &ctx.sigil.clone())?;
    println!(
        "xtask release: done in {:.1}s; dist: {}",
        started.elapsed().as_secs_f64(),
        out.display()
    );
    for p in files(&out)? {
        println!("  {}  {}", sha256_hex(&p)?, file_name(&p));
    }
    if ctx.throwaway {
        println!(
            "xtask release: signed with the THROWAWAY key (see above); not a publishable release"
        );
    }
    Ok(())
}

/// Runs every check on `dist`; returns (check, exit code) for each.
fn run_checks(checks: &[Check]) -> Result<Vec<Option<i32>>> {
    checks
        .iter()
        .map(|c| {
            let o = c
                .command()
                .stdin(Stdio::null())
                .output()
                .with_context(|| format!("starting {}", c.shown))?;
            Ok(o.status.code())
        })
        .collect()
}

/// Byte offsets to flip: the first, the middle and the last byte of every file, and for a
/// `.minisig` also one inside its untrusted comment (to show where the format's unauthenticated
/// bytes are).
fn offsets(name: &str, bytes: &[u8]) -> Vec<usize> {
    let len = bytes.len();
    let mut v = vec![0, len / 2, len.saturating_sub(1)];
    if name.ends_with(".minisig") && bytes.starts_with(UNTRUSTED.as_bytes()) {
        v.push(UNTRUSTED.len() + 1);
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// The first line's prefix in a minisign signature file.
const UNTRUSTED: &str = "untrusted comment: ";

/// Whether a byte of a minisign signature file is outside what the signature authenticates: the
/// text of the untrusted comment (minisign never authenticates it, and sigil never shows it as
/// trusted) and the final line ending. Every other byte of every file must be refused by both
/// the sigil checks and the independent ones.
fn unauthenticated(name: &str, bytes: &[u8], offset: usize) -> bool {
    if !name.ends_with(".minisig") {
        return false;
    }
    let first_line_end = bytes
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(bytes.len());
    let in_comment = bytes.starts_with(UNTRUSTED.as_bytes())
        && (UNTRUSTED.len()..first_line_end).contains(&offset);
    in_comment || (offset + 1 == bytes.len() && bytes[offset] == b'\n')
}

/// `cargo xtask release --check`.
fn check(a: &Args) -> Result<()> {
    let started = Instant::now();
    ensure!(
        a.out.is_none(),
        "--check writes to target/release-check/; --out does not apply"
    );
    let base = target_dir().join("release-check");
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base)?;
    for tool in ["minisign", "sha256sum"] {
        if a.keyless && tool == "minisign" {
            continue;
        }
        ensure!(which(tool).is_some(), "--check needs `{tool}` for the independent verification (cargo xtask test installs it)");
    }
    if a.keyless {
        let py = crate::tools::venv_dir().join("bin/sigstore");
        ensure!(
            py.is_file(),
            "--check --keyless needs sigstore-python ({}; cargo xtask test installs it)",
            py.display()
        );
    }
    let ctx = context(a, base.join("work"))?;
    let built = started.elapsed();
    let (one, two) = (base.join("one"), base.join("two"));
    banner(&["release --check: run 1 of 2"]);
    release(&ctx, &one, &ctx.sigil)?;
    let t1 = started.elapsed();
    banner(&["release --check: run 2 of 2"]);
    release(&ctx, &two, &ctx.sigil)?;
    let t2 = started.elapsed();

    step("reproducibility: both runs, byte for byte");
    let (f1, f2): (Vec<String>, Vec<String>) = (
        files(&one)?.iter().map(|p| file_name(p)).collect(),
        files(&two)?.iter().map(|p| file_name(p)).collect(),
    );
    ensure!(
        f1 == f2,
        "the two runs wrote different files: {f1:?} vs {f2:?}"
    );
    let mut differ = Vec::new();
    for n in &f1 {
        if ctx.keyless.is_some() && keyless::fresh_per_run(n) {
            println!("  fresh per keyless run (a new key, log entry and timestamp): {n}");
            continue;
        }
        let (h1, h2) = (sha256_hex(&one.join(n))?, sha256_hex(&two.join(n))?);
        let same = std::fs::read(one.join(n))? == std::fs::read(two.join(n))?;
        println!(
            "  {}  {n}",
            if same {
                format!("identical {h1}")
            } else {
                format!("DIFFERENT {h1} vs {h2}")
            }
        );
        if !same {
            differ.push(n.clone());
        }
    }
    ensure!(
        differ.is_empty(),
        "not reproducible: {differ:?} differ between two runs from the same commit"
    );
    let mut wanted = vec!["SHA256SUMS".to_owned(), ctx.archive_name(), ctx.sbom_name()];
    if ctx.keyless.is_none() {
        wanted.push("install.sh".to_owned());
    }
    for want in wanted {
        ensure!(f1.contains(&want), "{want} is missing from the release");
    }

    step(
        "tamper: flip one byte at a time in every file of a copy of dist/; both routes must refuse",
    );
    let tamper = base.join("tamper");
    std::fs::create_dir_all(&tamper)?;
    for n in &f1 {
        std::fs::copy(one.join(n), tamper.join(n))?;
    }
    let checks = checks(&ctx, &tamper)?;
    let baseline = run_checks(&checks)?;
    for (c, code) in checks.iter().zip(&baseline) {
        ensure!(
            *code == Some(0),
            "baseline check failed with {code:?} on the untouched copy: {}",
            c.shown
        );
    }
    println!(
        "  baseline: all {} checks pass on the untouched copy",
        checks.len()
    );
    println!(
        "  {:<58} {:>8}  {:>14}  {:>14}",
        "file", "offset", "sigil refuses", "indep. refuses"
    );
    let mut cases = 0;
    let mut escaped = Vec::new();
    let mut gaps = Vec::new();
    for n in &f1 {
        let path = tamper.join(n);
        let original = std::fs::read(&path)?;
        for off in offsets(n, &original) {
            let mut bytes = original.clone();
            bytes[off] ^= 0x01;
            std::fs::write(&path, &bytes)?;
            let codes = run_checks(&checks)?;
            std::fs::write(&path, &original)?;
            cases += 1;
            let count = |route: Route| {
                let total = checks.iter().filter(|c| c.route == route).count();
                let refused = checks
                    .iter()
                    .zip(&codes)
                    .filter(|(c, code)| c.route == route && **code != Some(0))
                    .count();
                (refused, total)
            };
            let ((sr, st), (ir, it)) = (count(Route::Sigil), count(Route::Independent));
            let free = unauthenticated(n, &original, off);
            println!(
                "  {n:<58} {off:>8}  {:>14}  {:>14}{}",
                format!("{sr} of {st}"),
                format!("{ir} of {it}"),
                if free {
                    "  (unauthenticated by the minisign format)"
                } else {
                    ""
                }
            );
            for (c, code) in checks.iter().zip(&codes) {
                // sigil's contract: 0 verified, 1 not verified; 2 would mean it saw an error, not tampering.
                if c.route == Route::Sigil && !matches!(code, Some(0 | 1)) {
                    escaped.push(format!(
                        "{n} @{off}: {} exited {code:?} (expected 0 or 1)",
                        c.shown
                    ));
                }
                if code.is_none() {
                    escaped.push(format!("{n} @{off}: {} was killed by a signal", c.shown));
                }
            }
            if free {
                if sr == 0 || ir == 0 {
                    gaps.push(format!("{n} @{off}"));
                }
                continue;
            }
            if sr == 0 {
                escaped.push(format!("{n} @{off}: every sigil check still passes"));
            }
            if ir == 0 {
                escaped.push(format!("{n} @{off}: every independent check still passes"));
            }
        }
    }
    let after = run_checks(&checks)?;
    ensure!(
        after.iter().all(|c| *c == Some(0)),
        "the restored copy no longer verifies: {after:?}"
    );
    ensure!(
        escaped.is_empty(),
        "tampering was not caught:\n  {}",
        escaped.join("\n  ")
    );
    println!(
        "  {cases} single-byte changes: every change to an authenticated byte was refused by sigil and by minisign/sha256sum; \
         the restored copy verifies again"
    );
    if !gaps.is_empty() {
        println!(
            "  accepted by one route or both, as the minisign format allows (bytes no signature covers): {}",
            gaps.join(", ")
        );
    }
    if ctx.keyless.is_none() {
        step("installers: install.sh and the Action's install step, against this release on 127.0.0.1");
        installers::check(
            &ctx.sigil,
            &one,
            &base.join("installers"),
            &ctx.archive_name(),
            &ctx.version,
            &ctx.public,
        )?;
    }
    run_cmd(ctx.sigil().args(["log", "verify"]))?;

    let total = started.elapsed();
    println!(
        "\nxtask release --check: OK in {:.1}s (context and build {:.1}s, run 1 {:.1}s, run 2 {:.1}s, compare and tamper {:.1}s)",
        total.as_secs_f64(),
        built.as_secs_f64(),
        (t1 - built).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
        (total - t2).as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn throwaway_policy_substitutes_key_and_builder() {
        let shipped = "schema = 1\n[trust]\nkeys = [\"../keys/release.pub\"]\n[provenance]\nbuilder-id = \"https://x\"\nsource-uri = \"github.com/a/b\"\nsource-ref-regex = '^refs/tags/v'\n";
        let p = throwaway_policy(shipped, "urn:sigil:builder:local").unwrap();
        assert!(
            p.contains("keys = [{ path = \"release.pub\", name = \"throwaway release key\" }]\n"),
            "{p}"
        );
        assert!(
            p.contains("builder-id = \"urn:sigil:builder:local\"\n"),
            "{p}"
        );
        assert!(!p.lines().any(|l| l.starts_with("source-")), "{p}");
        assert!(throwaway_policy("schema = 1\n", "b").is_err());
    }

    #[test]
    fn a_release_of_another_checkout_is_refused() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path().canonicalize().unwrap();
        let st = t.path().join("st.json");
        let write = |checkout: &str| {
            let v = serde_json::json!({"predicate": {"buildDefinition": {
                "buildType": "urn:sigil:buildtype:local:v1",
                "internalParameters": {"checkout": checkout}}}});
            std::fs::write(&st, v.to_string()).unwrap();
        };
        write(&format!("file://{}", root.display()));
        check_checkout(&st, &root).unwrap();
        write("file:///elsewhere/sigil");
        let err = check_checkout(&st, &root).unwrap_err().to_string();
        assert_eq!(
            err,
            format!(
                "the provenance records checkout file:///elsewhere/sigil but this release runs in \
                 file://{}: refusing to release another tree",
                root.display()
            )
        );
    }

    #[test]
    fn archive_is_deterministic_and_normalised() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::write(&a, b"#!/bin/sh\n").unwrap();
        std::fs::write(&b, b"text\n").unwrap();
        let files: [(&str, &Path, u32); 2] = [("z-bin", &a, 0o755), ("A.md", &b, 0o644)];
        let (one, two) = (dir.path().join("1.tar.gz"), dir.path().join("2.tar.gz"));
        write_archive(&one, "top", &files, 1_700_000_000).unwrap();
        write_archive(&two, "top", &files, 1_700_000_000).unwrap();
        let bytes = std::fs::read(&one).unwrap();
        assert_eq!(bytes, std::fs::read(&two).unwrap());
        // gzip: no file name flag, mtime 0.
        assert_eq!(&bytes[3..8], &[0, 0, 0, 0, 0]);
        let mut ar = tar::Archive::new(flate2::read::GzDecoder::new(bytes.as_slice()));
        let got: Vec<(String, u32, u64, u64, u64)> = ar
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let h = e.header();
                (
                    e.path().unwrap().display().to_string(),
                    h.mode().unwrap(),
                    h.mtime().unwrap(),
                    h.uid().unwrap(),
                    h.gid().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("top/".to_owned(), 0o755, 1_700_000_000, 0, 0),
                ("top/A.md".to_owned(), 0o644, 1_700_000_000, 0, 0),
                ("top/z-bin".to_owned(), 0o755, 1_700_000_000, 0, 0),
            ]
        );
    }
}
