//! Where passphrases come from: a file, an environment variable, or the terminal — never argv.

use crate::error::{exit, io_error, CliError, Result};
use crate::terminal;
use std::path::Path;
use wallet_core::backend::{BackendError, Passphrase};
use wallet_core::env::{self, EnvError};
use wallet_core::Error;
use zeroize::Zeroizing;

/// Environment variable holding the new passphrase for `wallet passwd`.
pub use wallet_core::env::WALLET_NEW_PASSPHRASE as ENV_NEW_PASSPHRASE;

/// Where a passphrase may be read from, in order of precedence: the file, the variable, a prompt.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    /// A file whose first line is the passphrase (from a flag).
    pub file: Option<&'a Path>,
    /// The environment variable to read.
    pub env: &'static str,
    /// The flag that names the file, for hints.
    pub file_flag: &'static str,
    /// The passphrase already read from stdin (--passphrase-stdin), which comes first.
    pub stdin: Option<&'a Passphrase>,
}

impl<'a> Source<'a> {
    /// The passphrase of an existing wallet: `--passphrase-file`, `WALLET_PASSPHRASE`, a prompt.
    pub fn current(file: Option<&'a Path>) -> Self {
        Self { file, env: env::WALLET_PASSPHRASE, file_flag: "--passphrase-file", stdin: None }
    }

    /// The same, with the passphrase read from stdin first.
    pub fn with_stdin(mut self, stdin: Option<&'a Passphrase>) -> Self {
        self.stdin = stdin;
        self
    }
}

/// The first line of standard input, without its line ending (--passphrase-stdin).
pub fn read_stdin_line() -> Result<Passphrase> {
    use std::io::BufRead;
    let mut line = Zeroizing::new(Vec::new());
    std::io::stdin()
        .lock()
        .read_until(b'\n', &mut line)
        .map_err(|e| io_error("cannot read the passphrase from", Path::new("stdin"), e))?;
    if line.is_empty() {
        return Err(CliError::new(exit::PASSPHRASE, "--passphrase-stdin was given but standard input is empty")
            .with_hint("pipe the passphrase in: `wallet … --passphrase-stdin < FILE` (its first line)"));
    }
    from_line(&line, "standard input", "--passphrase-stdin")
}

/// A passphrase given without a prompt: the file, else the environment variable (read by
/// [`wallet_core::env`]: an empty variable counts as unset, as in `WALLET_PASSPHRASE= wallet list`).
pub fn given(source: Source<'_>) -> Result<Option<Passphrase>> {
    if let Some(p) = source.stdin {
        return Ok(Some(p.clone()));
    }
    if let Some(path) = source.file {
        return read_file(path, source.file_flag).map(Some);
    }
    env::passphrase_from(source.env).map_err(|e| match e {
        EnvError::NotUnicode { .. } => CliError::new(exit::PASSPHRASE, e.to_string())
            .with_hint(format!("put the passphrase in a file and pass {} FILE", source.file_flag)),
    })
}

/// Ask once on the terminal for the passphrase of an existing wallet.
pub fn prompt_current(location: &str) -> Result<Passphrase> {
    if !terminal::is_interactive() {
        return Err(Error::from(BackendError::PassphraseRequired { location: location.to_owned() }).into());
    }
    non_empty(prompt(&format!("Passphrase for wallet {location}: "))?, "the passphrase")
}

/// Ask twice on the terminal for a passphrase being chosen.
pub fn prompt_new(source: Source<'_>, location: &str, what: &str) -> Result<Passphrase> {
    if !terminal::is_interactive() {
        return Err(CliError::new(exit::PASSPHRASE, format!("no {what} given for wallet {location}")).with_hint(
            format!("set {}, pass {} FILE, or run on a terminal to be prompted", source.env, source.file_flag),
        ));
    }
    let first = prompt(&format!("Choose the {what} for wallet {location}: "))?;
    let second = prompt(&format!("Type the {what} again: "))?;
    if first.expose() != second.expose() {
        return Err(CliError::new(exit::PASSPHRASE, "the two passphrases differ; nothing was changed")
            .with_hint("run the command again and type the same passphrase twice"));
    }
    non_empty(first, &format!("the {what}"))
}

/// A passphrase being chosen: the file, else the environment variable, else asked twice.
pub fn choose(source: Source<'_>, location: &str, what: &str) -> Result<Passphrase> {
    match given(source)? {
        Some(p) => Ok(p),
        None => prompt_new(source, location, what),
    }
}

/// The first line of a file, without its line ending.
fn read_file(path: &Path, flag: &str) -> Result<Passphrase> {
    let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| io_error("cannot read passphrase file", path, e))?);
    from_line(&bytes, &format!("passphrase file {}", path.display()), flag)
}

/// The first line of `bytes` (from `what`, given with `flag`) as a passphrase.
fn from_line(bytes: &[u8], what: &str, flag: &str) -> Result<Passphrase> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        CliError::new(exit::PASSPHRASE, format!("{what} is not UTF-8 text"))
            .with_hint(format!("{flag} expects text whose first line is the passphrase"))
    })?;
    let line = text.split('\n').next().unwrap_or_default();
    let line = line.strip_suffix('\r').unwrap_or(line);
    non_empty(Passphrase::new(line), &format!("the first line of {what}"))
}

fn prompt(text: &str) -> Result<Passphrase> {
    let mut answer = terminal::prompt_secret(text)
        .map_err(|e| io_error("cannot read the passphrase from", Path::new("the terminal"), e))?;
    Ok(Passphrase::new(std::mem::take(&mut *answer)))
}

fn non_empty(p: Passphrase, what: &str) -> Result<Passphrase> {
    if p.expose().is_empty() {
        return Err(CliError::new(exit::PASSPHRASE, format!("{what} is empty"))
            .with_hint("an empty passphrase would leave the wallet unprotected; use a non-empty one"));
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_file(content: &[u8]) -> Result<Passphrase> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pass");
        std::fs::write(&path, content).unwrap();
        read_file(&path, "--passphrase-file")
    }

    #[test]
    fn the_first_line_is_the_passphrase() {
        for (content, expected) in [
            (&b"secret\n"[..], "secret"),
            (b"secret\r\n", "secret"),
            (b"secret", "secret"),
            (b"secret\nsecond line\n", "secret"),
            (b" spaces stay \n", " spaces stay "),
        ] {
            assert_eq!(from_file(content).unwrap().expose(), expected.as_bytes());
        }
    }

    #[test]
    fn empty_or_binary_files_are_refused() {
        for content in [&b""[..], b"\n", b"\r\n", b"\nsecret"] {
            let err = from_file(content).unwrap_err();
            assert_eq!(err.code(), exit::PASSPHRASE);
            assert!(err.message().contains("is empty"), "{}", err.message());
        }
        assert!(from_file(&[0xff, 0xfe, b'\n']).unwrap_err().message().contains("not UTF-8"));
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = read_file(Path::new("/nonexistent/pass"), "--passphrase-file").unwrap_err();
        assert!(err.message().contains("/nonexistent/pass"));
        assert!(err.hint().is_some());
    }
}
