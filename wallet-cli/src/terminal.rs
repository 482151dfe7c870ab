//! Talking to the person at the terminal: secret prompts and yes/no questions.
//!
//! Prompts go to the controlling terminal (`/dev/tty`), never to stdout, so they work while
//! stdin and stdout carry data. A prompt is only shown when someone can answer it: the terminal
//! opens and stdin or stderr is attached to it. Scripts, CI jobs and tests (stdin and stderr
//! redirected) never block on a prompt; they get an error that names the flag to use instead.

use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use zeroize::Zeroizing;

#[cfg(unix)]
const TTY_IN: &str = "/dev/tty";
#[cfg(unix)]
const TTY_OUT: &str = "/dev/tty";
#[cfg(windows)]
const TTY_IN: &str = "CONIN$";
#[cfg(windows)]
const TTY_OUT: &str = "CONOUT$";

fn open_tty() -> std::io::Result<(File, File)> {
    let input = std::fs::OpenOptions::new().read(true).open(TTY_IN)?;
    let output = std::fs::OpenOptions::new().write(true).open(TTY_OUT)?;
    Ok((input, output))
}

/// Whether a person can answer a prompt now.
pub fn is_interactive() -> bool {
    (std::io::stdin().is_terminal() || std::io::stderr().is_terminal()) && open_tty().is_ok()
}

/// Ask for a secret on the terminal without echoing it.
pub fn prompt_secret(prompt: &str) -> std::io::Result<Zeroizing<String>> {
    rpassword::prompt_password(prompt).map(Zeroizing::new)
}

/// Ask a yes/no question on the terminal; only `y` or `yes` (any case) is a yes.
pub fn confirm(question: &str) -> std::io::Result<bool> {
    let (input, mut output) = open_tty()?;
    write!(output, "{question} [y/N] ")?;
    output.flush()?;
    let mut answer = String::new();
    BufReader::new(input).read_line(&mut answer)?;
    Ok(matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes"))
}

/// Let the PKCS#11 key store ask for a token's PIN on the terminal (when no pin-source,
/// WALLET_PKCS11_PIN or WALLET_PKCS11_PIN_FILE gives it and a person is there to answer).
pub fn install_pin_prompt() {
    wallet_core::crypto::pkcs11::set_pin_prompt(Box::new(|token| {
        if !is_interactive() {
            return None;
        }
        prompt_secret(&format!("PIN of PKCS#11 token {token:?}: ")).ok().filter(|p| !p.is_empty())
    }));
}
