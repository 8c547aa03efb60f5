//! Where passwords come from: `SIGIL_PASSWORD`, else a prompt on the terminal.
//! With neither, commands that need one fail with exit 2 and a hint; they never hang.

use std::io::IsTerminal as _;

use sigil_keys::Password;

use crate::output::Failure;

/// Environment variable holding the secret key password (for CI).
pub const PASSWORD_ENV: &str = "SIGIL_PASSWORD";

fn terminal_available() -> bool {
    std::io::stdin().is_terminal() && std::fs::File::open("/dev/tty").is_ok()
}

fn from_env() -> Option<Password> {
    std::env::var(PASSWORD_ENV).ok().map(Password::new)
}

fn no_source(what: &str) -> Failure {
    Failure::usage(format!("no password available to {what}")).hint(format!(
        "set {PASSWORD_ENV}, run in a terminal to be prompted, or generate with --no-password"
    ))
}

/// A password for a new secret key: the variable, or asked twice on the terminal.
pub fn for_new_key() -> Result<Password, Failure> {
    if let Some(p) = from_env() {
        if p.is_empty() {
            return Err(Failure::usage(format!("{PASSWORD_ENV} is empty"))
                .hint("use --no-password for an unencrypted key"));
        }
        return Ok(p);
    }
    if !terminal_available() {
        return Err(no_source("encrypt the new secret key"));
    }
    let first = Password::new(
        rpassword::prompt_password("Password for the new secret key: ")
            .map_err(|e| Failure::io(format!("reading password: {e}")))?,
    );
    let second = Password::new(
        rpassword::prompt_password("Password (again): ")
            .map_err(|e| Failure::io(format!("reading password: {e}")))?,
    );
    if first.is_empty() {
        return Err(
            Failure::usage("empty password").hint("use --no-password for an unencrypted key")
        );
    }
    if !first.eq_constant_time(&second) {
        return Err(Failure::usage("passwords do not match"));
    }
    Ok(first)
}

/// A password to decrypt an existing secret key.
pub fn to_unlock(path: &std::path::Path) -> Result<Password, Failure> {
    if let Some(p) = from_env() {
        return Ok(p);
    }
    if !terminal_available() {
        return Err(no_source(&format!("decrypt {}", path.display())));
    }
    rpassword::prompt_password(format!("Password for {}: ", path.display()))
        .map(Password::new)
        .map_err(|e| Failure::io(format!("reading password: {e}")))
}
