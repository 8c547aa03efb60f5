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
    let name = cmd
        .get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_owned();
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone())
        .render(&mut buf)
        .map_err(|e| Failure::io(format!("rendering the man page of {name}: {e}")))?;
    out.push((format!("{name}.1"), buf));
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
    let mut cmd = crate::Cli::command();
    cmd.build();
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    for (shell, file) in [
        (clap_complete::Shell::Bash, "sigil.bash"),
        (clap_complete::Shell::Zsh, "_sigil"),
        (clap_complete::Shell::Fish, "sigil.fish"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut cmd.clone(), "sigil", &mut buf);
        files.push((PathBuf::from("completions").join(file), buf));
    }
    let mut pages = Vec::new();
    man_pages(&cmd, &mut pages)?;
    for (name, buf) in pages {
        files.push((PathBuf::from("man/man1").join(name), buf));
    }
    let mut written = Vec::new();
    for (rel, bytes) in &files {
        let path = a.dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| {
                let reason = super::io_reason(&e);
                Failure::io(format!("cannot create {}: {reason}", parent.display()))
            })?;
        }
        super::advisory::write_output(&path, bytes, true)?;
        written.push(rel.display().to_string());
    }
    let dir = a.dir.display();
    let line = format!(
        "wrote 3 completion scripts and {} man pages under {dir}",
        files.len() - 3
    );
    Ok(Report::ok("ok", json!({ "dir": dir.to_string(), "files": written })).line(line))
}
