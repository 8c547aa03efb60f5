//! `install.sh` for a release: `xtask/templates/install.sh` with its four `PINNED_` lines filled
//! in (version, release public key, SHA-256 of each target's archive, download URL).
//!
//! Only std and anyhow are used, so `tests/it/adoption.rs` compiles this very file (`#[path]`) to
//! render installers for its fake releases: the tests run the renderer the release runs.

use anyhow::{ensure, Result};

/// The template, as checked in.
pub const TEMPLATE: &str = include_str!("../templates/install.sh");

/// What an installer carries.
#[derive(Debug, Clone)]
pub struct Pins {
    /// Release version, e.g. `0.1.0`.
    pub version: String,
    /// The base64 line of the release's minisign public key.
    pub public_key: String,
    /// (target triple, lowercase hex SHA-256 of `sigil-VERSION-TARGET.tar.gz`).
    pub sha256: Vec<(String, String)>,
    /// Where the release files are; empty for the release's GitHub download URL.
    pub base_url: String,
}

fn only(s: &str, what: &str, ok: impl Fn(char) -> bool) -> Result<()> {
    ensure!(
        !s.is_empty() && s.chars().all(ok),
        "{what} {s:?} has characters an installer cannot carry"
    );
    Ok(())
}

/// The base64 key line of a minisign public key file (its second line).
pub fn key_line(pub_file_text: &str) -> Result<String> {
    let line = pub_file_text.lines().nth(1).unwrap_or("").trim().to_owned();
    only(&line, "public key", |c| {
        c.is_ascii_alphanumeric() || "+/=".contains(c)
    })?;
    ensure!(
        line.len() == 56,
        "public key line is {} characters, not 56",
        line.len()
    );
    Ok(line)
}

/// `template` with the pins filled in. Every value is checked against the characters it may
/// hold (they go between single quotes in shell), and each `PINNED_` line must occur once.
pub fn render(template: &str, pins: &Pins) -> Result<String> {
    only(&pins.version, "version", |c| {
        c.is_ascii_alphanumeric() || ".+-".contains(c)
    })?;
    key_line(&format!("\n{}", pins.public_key))?;
    ensure!(
        !pins.sha256.is_empty(),
        "an installer needs at least one archive SHA-256"
    );
    let mut table = Vec::new();
    for (target, hex) in &pins.sha256 {
        only(target, "target", |c| {
            c.is_ascii_alphanumeric() || "_.-".contains(c)
        })?;
        ensure!(
            hex.len() == 64 && hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')),
            "SHA-256 {hex:?} for {target} is not 64 lowercase hex digits"
        );
        table.push(format!("{target}={hex}"));
    }
    if !pins.base_url.is_empty() {
        only(&pins.base_url, "base URL", |c| {
            c.is_ascii_alphanumeric() || ":/._-~%[]@".contains(c)
        })?;
    }
    let mut out = template.to_owned();
    for (var, value) in [
        ("PINNED_VERSION", pins.version.clone()),
        ("PINNED_PUBKEY", pins.public_key.clone()),
        ("PINNED_SHA256", table.join(" ")),
        ("PINNED_BASE_URL", pins.base_url.clone()),
    ] {
        let line = format!("\n{var}=''\n");
        ensure!(
            out.matches(&line).count() == 1,
            "the installer template must have exactly one `{var}=''` line"
        );
        out = out.replacen(&line, &format!("\n{var}='{value}'\n"), 1);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "RWSzNK+5EK06QzklBtCcCMax4ywRDd7x8uWjaI8bB9a9/jX/QA8CFyQa";

    fn pins() -> Pins {
        Pins {
            version: "1.2.3".into(),
            public_key: KEY.into(),
            sha256: vec![("x86_64-unknown-linux-gnu".into(), "ab".repeat(32))],
            base_url: String::new(),
        }
    }

    #[test]
    fn render_fills_each_pin_once() {
        let out = render(TEMPLATE, &pins()).unwrap();
        assert!(out.contains("\nPINNED_VERSION='1.2.3'\n"));
        assert!(out.contains(&format!("\nPINNED_PUBKEY='{KEY}'\n")));
        assert!(out.contains(&format!(
            "\nPINNED_SHA256='x86_64-unknown-linux-gnu={}'\n",
            "ab".repeat(32)
        )));
        assert!(out.contains("\nPINNED_BASE_URL=''\n"));
        assert_eq!(out.len(), TEMPLATE.len() + 5 + KEY.len() + 25 + 64);
    }

    #[test]
    fn values_that_could_break_out_of_the_quotes_are_refused() {
        let mut p = pins();
        p.version = "1.0'; rm -rf ~; '".into();
        assert!(render(TEMPLATE, &p).is_err());
        let mut p = pins();
        p.sha256[0].1 = "AB".repeat(32);
        assert!(render(TEMPLATE, &p).is_err());
        let mut p = pins();
        p.base_url = "https://x/$(id)".into();
        assert!(render(TEMPLATE, &p).is_err());
        let mut p = pins();
        p.public_key = "short".into();
        assert!(render(TEMPLATE, &p).is_err());
        assert!(render("no pins here", &pins()).is_err());
    }

    #[test]
    fn key_line_is_the_second_line_of_a_pub_file() {
        let text = format!("untrusted comment: minisign public key 433AAD10B9AF34B3\n{KEY}\n");
        assert_eq!(key_line(&text).unwrap(), KEY);
        assert!(key_line("only one line\n").is_err());
    }
}
