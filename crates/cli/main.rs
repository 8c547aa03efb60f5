//! The `sigil` command-line interface: argument parsing, rendering and exit codes.
//! Glue only: every check lives in the library crates.

mod cmd;
mod output;
mod password;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use output::{CliError, Format, FormatArg, Output};

/// Sign, checksum, attest and verify releases and data packs, before anything is installed or run.
#[derive(Debug, Parser)]
#[command(name = "sigil", version, about, propagate_version = true)]
struct Cli {
    /// Output format: `human` or `json` (one document on stdout); `pem`/`minisign` for `key export`;
    /// `rustsec`/`markdown` for `advisory export`.
    #[arg(long, global = true, value_enum, default_value = "human")]
    format: FormatArg,
    /// Print only errors (and results that fail).
    #[arg(long, short, global = true)]
    quiet: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate and convert keys.
    #[command(subcommand)]
    Key(cmd::key::KeyCommand),
    /// Sign files with a minisign secret key (writes FILE.minisig).
    Sign(cmd::sign::SignArgs),
    /// Verify a file's signature.
    Verify(cmd::verify::VerifyArgs),
    /// Create and verify SHA256SUMS checksum lists.
    #[command(subcommand)]
    Sums(cmd::sums::SumsCommand),
    /// Sign an in-toto attestation (DSSE) about artifacts; appends to OUT.intoto.jsonl.
    Attest(cmd::attest::AttestArgs),
    /// Write SLSA v1 provenance for artifacts from the CI environment (or local git).
    Provenance(cmd::attest::ProvenanceArgs),
    /// Verify attestations: signature, subject, predicate type, builder and source.
    VerifyAttestation(cmd::attest::VerifyAttestationArgs),
    /// Write CycloneDX/SPDX SBOMs for a Cargo workspace, a pack or a binary; diff two SBOMs.
    #[command(subcommand)]
    Sbom(cmd::sbom::SbomCommand),
    /// Sign, verify, archive and install data packs.
    #[command(subcommand)]
    Pack(cmd::pack::PackCommand),
    /// Find secrets (API keys, tokens, private keys) in files and trees; exit 1 on leaks.
    Scan(cmd::scan::ScanArgs),
    /// Check policy files.
    #[command(subcommand)]
    Policy(cmd::policy::PolicyCommand),
    /// Install a file (path or https URL) only if it passes a policy; atomic, nothing on failure.
    Install(cmd::gate::InstallArgs),
    /// Verify a program against a policy, then run exactly the verified bytes.
    Run(cmd::gate::RunArgs),
    /// Show or verify the tamper-evident audit log of decisions.
    #[command(subcommand)]
    Log(cmd::gate::LogCommand),
    /// Write, validate and export OSV advisories.
    #[command(subcommand)]
    Advisory(cmd::advisory::AdvisoryCommand),
    /// Audit an SBOM or Cargo.lock against OSV/RustSec advisories, with OpenVEX applied.
    Audit(cmd::audit::AuditArgs),
    /// Write OpenVEX documents.
    #[command(subcommand)]
    Vex(cmd::advisory::VexCommand),
    /// Sigstore trust roots kept fresh through TUF: update, show.
    #[command(subcommand)]
    Trust(cmd::trust::TrustCommand),
    /// TUF repositories of packs for any static host: init, add, publish, rotate.
    #[command(subcommand)]
    Repo(cmd::repo::RepoCommand),
    /// Write shell completions and man pages into a directory (for packagers and the release).
    #[command(hide = true)]
    Generate(cmd::generate::GenerateArgs),
}

impl Command {
    fn name(&self) -> &'static str {
        match self {
            Command::Key(cmd::key::KeyCommand::Generate(_)) => "key generate",
            Command::Key(cmd::key::KeyCommand::Export(_)) => "key export",
            Command::Sign(_) => "sign",
            Command::Verify(_) => "verify",
            Command::Sums(cmd::sums::SumsCommand::Create(_)) => "sums create",
            Command::Sums(cmd::sums::SumsCommand::Verify(_)) => "sums verify",
            Command::Attest(_) => "attest",
            Command::Provenance(_) => "provenance",
            Command::VerifyAttestation(_) => "verify-attestation",
            Command::Sbom(c) => c.name(),
            Command::Pack(cmd::pack::PackCommand::Sign(_)) => "pack sign",
            Command::Pack(cmd::pack::PackCommand::Verify(_)) => "pack verify",
            Command::Pack(cmd::pack::PackCommand::Archive(_)) => "pack archive",
            Command::Pack(cmd::pack::PackCommand::Install(_)) => "pack install",
            Command::Pack(cmd::pack::PackCommand::Check(_)) => "pack check",
            Command::Scan(_) => "scan",
            Command::Policy(cmd::policy::PolicyCommand::Check(_)) => "policy check",
            Command::Install(_) => "install",
            Command::Run(_) => "run",
            Command::Log(cmd::gate::LogCommand::List(_)) => "log list",
            Command::Log(cmd::gate::LogCommand::Verify(_)) => "log verify",
            Command::Log(cmd::gate::LogCommand::Checkpoint(_)) => "log checkpoint",
            Command::Advisory(c) => c.name(),
            Command::Audit(_) => "audit",
            Command::Vex(cmd::advisory::VexCommand::New(_)) => "vex new",
            Command::Trust(c) => c.name(),
            Command::Repo(c) => c.name(),
            Command::Generate(_) => "generate",
        }
    }
}

fn dispatch(out: &Output, fmt: FormatArg, command: Command) -> Result<output::Report, CliError> {
    let key_format = match fmt {
        FormatArg::Minisign => cmd::key::KeyFormat::Minisign,
        _ => cmd::key::KeyFormat::Pem,
    };
    if matches!(fmt, FormatArg::Pem | FormatArg::Minisign)
        && !matches!(command, Command::Key(cmd::key::KeyCommand::Export(_)))
    {
        return Err(CliError::usage(
            "--format pem and --format minisign apply only to `sigil key export`",
        )
        .hint("use --format human or --format json"));
    }
    let export_format = match fmt {
        FormatArg::Rustsec => cmd::advisory::ExportFormat::Rustsec,
        FormatArg::Markdown => cmd::advisory::ExportFormat::Markdown,
        FormatArg::Json => cmd::advisory::ExportFormat::Json,
        _ => cmd::advisory::ExportFormat::Unset,
    };
    if matches!(fmt, FormatArg::Rustsec | FormatArg::Markdown)
        && !matches!(
            command,
            Command::Advisory(cmd::advisory::AdvisoryCommand::Export(_))
        )
    {
        return Err(CliError::usage(
            "--format rustsec and --format markdown apply only to `sigil advisory export`",
        )
        .hint("use --format human or --format json"));
    }
    match command {
        Command::Key(c) => cmd::key::run(c, key_format),
        Command::Sign(a) => cmd::sign::run(out, a),
        Command::Verify(a) => cmd::verify::run(out, a),
        Command::Sums(c) => cmd::sums::run(out, c),
        Command::Attest(a) => cmd::attest::run_attest(out, a),
        Command::Provenance(a) => cmd::attest::run_provenance(out, a),
        Command::VerifyAttestation(a) => cmd::attest::run_verify(out, a),
        Command::Sbom(c) => cmd::sbom::run(out, c),
        Command::Pack(c) => cmd::pack::run(out, c),
        Command::Scan(a) => cmd::scan::run(a),
        Command::Policy(c) => cmd::policy::run(out, c),
        Command::Install(a) => cmd::gate::install(out, a),
        Command::Run(a) => cmd::gate::run(out, a),
        Command::Log(c) => cmd::gate::log(c),
        Command::Advisory(c) => cmd::advisory::run(c, export_format),
        Command::Audit(a) => cmd::audit::run(a),
        Command::Vex(c) => cmd::advisory::run_vex(c),
        Command::Trust(c) => cmd::trust::run(c),
        Command::Repo(c) => cmd::repo::run(c),
        Command::Generate(a) => cmd::generate::run(a),
    }
}

/// Guesses `--format json` from raw arguments, so even argument errors can answer in JSON.
fn wants_json(args: &[String]) -> bool {
    args.windows(2)
        .any(|w| w[0] == "--format" && w[1] == "json")
        || args.iter().any(|a| a == "--format=json")
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let cli = match Cli::try_parse_from(&args) {
        Ok(c) => c,
        Err(e) => {
            use clap::error::ErrorKind as K;
            if matches!(
                e.kind(),
                K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return if e.kind() == K::DisplayHelpOnMissingArgumentOrSubcommand {
                    ExitCode::from(2)
                } else {
                    ExitCode::SUCCESS
                };
            }
            let out = Output {
                format: if wants_json(&args) {
                    Format::Json
                } else {
                    Format::Human
                },
                quiet: false,
            };
            if out.format == Format::Human {
                let _ = e.print();
                return ExitCode::from(2);
            }
            let msg = e
                .kind()
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| "invalid arguments".to_owned());
            return out.error("", &CliError::usage(msg).hint("run `sigil --help`"));
        }
    };
    let format = match cli.format {
        FormatArg::Json => Format::Json,
        _ => Format::Human,
    };
    let out = Output {
        format,
        quiet: cli.quiet,
    };
    let name = cli.command.name();
    match dispatch(&out, cli.format, cli.command) {
        Ok(report) => out.report(name, report),
        Err(e) => out.error(name, &e),
    }
}
