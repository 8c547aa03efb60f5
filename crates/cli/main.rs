//! The `sigil` command-line interface: argument parsing, rendering and exit codes.
//! Glue only: every check lives in the library crates.

mod cmd;
mod output;
mod password;

use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};

use output::{Failure, Format, FormatArg, Output};

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
    Provenance(cmd::provenance::ProvenanceArgs),
    /// Verify attestations: signature, subject, predicate type, builder and source.
    VerifyAttestation(cmd::verify_attestation::VerifyAttestationArgs),
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
    Install(cmd::install::InstallArgs),
    /// Verify a program against a policy, then run exactly the verified bytes.
    Run(cmd::run::RunArgs),
    /// Show or verify the tamper-evident audit log of decisions.
    #[command(subcommand)]
    Log(cmd::log::LogCommand),
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

/// The command's name for reports (`pack install`, `trust show`), from the matched subcommands.
fn command_name(m: &clap::ArgMatches) -> String {
    let mut names = Vec::new();
    let mut cur = m.subcommand();
    while let Some((name, sub)) = cur {
        names.push(name);
        cur = sub.subcommand();
    }
    names.join(" ")
}

fn dispatch(out: &Output, fmt: FormatArg, command: Command) -> Result<output::Report, Failure> {
    use cmd::advisory::AdvisoryCommand;
    let (flags, only_for) = match fmt {
        FormatArg::Pem | FormatArg::Minisign => ("pem and --format minisign", "key export"),
        FormatArg::Rustsec | FormatArg::Markdown => {
            ("rustsec and --format markdown", "advisory export")
        }
        _ => ("", ""),
    };
    let fits = match &command {
        Command::Key(cmd::key::KeyCommand::Export(_)) => only_for == "key export",
        Command::Advisory(AdvisoryCommand::Export(_)) => only_for == "advisory export",
        _ => false,
    };
    if !flags.is_empty() && !fits {
        return Err(
            Failure::usage(format!("--format {flags} apply only to `sigil {only_for}`"))
                .hint("use --format human or --format json"),
        );
    }
    let key_format = match fmt {
        FormatArg::Minisign => cmd::key::KeyFormat::Minisign,
        _ => cmd::key::KeyFormat::Pem,
    };
    let export_format = match fmt {
        FormatArg::Rustsec => Some(cmd::advisory::ExportFormat::Rustsec),
        FormatArg::Markdown => Some(cmd::advisory::ExportFormat::Markdown),
        FormatArg::Json => Some(cmd::advisory::ExportFormat::Json),
        _ => None,
    };
    match command {
        Command::Key(c) => cmd::key::run(c, key_format),
        Command::Sign(a) => cmd::sign::run(out, a),
        Command::Verify(a) => cmd::verify::run(out, a),
        Command::Sums(c) => cmd::sums::run(out, c),
        Command::Attest(a) => cmd::attest::run_attest(out, a),
        Command::Provenance(a) => cmd::provenance::run_provenance(out, a),
        Command::VerifyAttestation(a) => cmd::verify_attestation::run_verify(out, a),
        Command::Sbom(c) => cmd::sbom::run(out, c),
        Command::Pack(c) => cmd::pack::run(out, c),
        Command::Scan(a) => cmd::scan::run(a),
        Command::Policy(c) => cmd::policy::run(out, c),
        Command::Install(a) => cmd::install::install(out, a),
        Command::Run(a) => cmd::run::run(out, a),
        Command::Log(c) => cmd::log::log(c),
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
    let parsed = Cli::command()
        .try_get_matches_from(&args)
        .and_then(|m| Ok((Cli::from_arg_matches(&m)?, command_name(&m))));
    let (cli, name) = match parsed {
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
            return out.error("", &Failure::usage(msg).hint("run `sigil --help`"));
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
    match dispatch(&out, cli.format, cli.command) {
        Ok(report) => out.report(&name, report),
        Err(e) => out.error(&name, &e),
    }
}
