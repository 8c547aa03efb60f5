//! `sigil generate DIR` (hidden): shell completions and man pages from the clap definitions,
//! as ripgrep's `--generate` does. `cargo xtask completions` writes them into `share/`, the
//! release archive ships them, and `tests/it/adoption.rs` fails when the checked-in copy drifts.

use std::path::PathBuf;

use clap::CommandFactory as _;
use serde_json::json;

use crate::output::{Failure, Report};

/// `sigil generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Directory to write `completions/` (bash, zsh, fish) and `man/man1/` into.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
}

/// One man page per command, named by its display name (`sigil-pack-install.1`, set by
/// `Command::build`), the root first.
fn man_pages(cmd: &clap::Command, out: &mut Vec<(String, Vec<u8>)>) -> Result<(), Failure> {
    let name = cmd.get_display_name().unwrap_or_else(|| cmd.get_name());
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut buf)
        .map_err(|e| Failure::io(format!("rendering the man page of {name}: {e}")))?;
    out.push((format!("man/man1/{name}.1"), buf));
    // Not the hidden commands, nor clap's generated `help` (its pages would repeat the others).
    for sub in cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        man_pages(sub, out)?;
    }
    Ok(())
}

/// Writes every completion script and man page; reports the files written.
pub fn run(a: GenerateArgs) -> Result<Report, Failure> {
    use clap_complete::{Generator as _, Shell};
    let mut cmd = crate::Cli::command();
    cmd.build();
    let mut files = Vec::new();
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd.clone(), "sigil", &mut buf);
        files.push((format!("completions/{}", shell.file_name("sigil")), buf));
    }
    man_pages(&cmd, &mut files)?;
    for (rel, bytes) in &files {
        let path = a.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                let reason = super::io_reason(&e);
                Failure::io(format!("cannot create {}: {reason}", parent.display()))
            })?;
        }
        super::advisory::write_output(&path, bytes, true)?;
    }
    let written: Vec<_> = files.iter().map(|(rel, _)| rel).collect();
    let pages = files.len() - 3;
    let line = format!(
        "wrote 3 completion scripts and {pages} man pages under {}",
        a.dir.display()
    );
    Ok(Report::ok(
        "ok",
        json!({ "dir": a.dir.display().to_string(), "files": written }),
    )
    .line(line))
}
