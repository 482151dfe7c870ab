//! Where a token's user PIN comes from: the environment, a file, or a prompt that the
//! application (the CLI) installs; never an argument.

use super::PKCS11_SCHEME;
use crate::crypto::KeyError;
use std::path::PathBuf;
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// Environment variable holding the user PIN (when the spec names no `pin-source`).
pub const ENV_PIN: &str = "WALLET_PKCS11_PIN";
/// Environment variable naming a file whose first line is the user PIN.
pub const ENV_PIN_FILE: &str = "WALLET_PKCS11_PIN_FILE";

/// A source of the user PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinSource {
    /// An environment variable.
    Env(String),
    /// The first line of a file.
    File(PathBuf),
    /// The prompt installed with [`set_pin_prompt`].
    Prompt,
}

/// Asks a person for the PIN of the token named by the argument; `None` when no one can answer.
pub type PinPrompt = dyn Fn(&str) -> Option<Zeroizing<String>> + Send + Sync;

static PROMPT: OnceLock<Box<PinPrompt>> = OnceLock::new();

/// Install the process's PIN prompt (the CLI asks on the terminal); the first call wins.
pub fn set_pin_prompt(prompt: Box<PinPrompt>) {
    let _ = PROMPT.set(prompt);
}

impl PinSource {
    /// Read `env:VAR`, `file:PATH` (or an absolute path), or `prompt`.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        if let Some(var) = text.strip_prefix("env:") {
            return Ok(PinSource::Env(var.to_owned()));
        }
        if let Some(path) = text.strip_prefix("file:") {
            // file:///run/pin and file:/run/pin are the same file.
            let path = path.strip_prefix("//").unwrap_or(path);
            return Ok(PinSource::File(path.into()));
        }
        if text == "prompt" {
            return Ok(PinSource::Prompt);
        }
        if text.starts_with('/') {
            return Ok(PinSource::File(text.into()));
        }
        Err(KeyError::parse("pin-source", format!("{text:?}: write env:VAR, file:PATH or prompt")))
    }

    /// The form [`parse`](Self::parse) reads (kept in key references; never the PIN).
    pub fn to_text(&self) -> String {
        match self {
            PinSource::Env(v) => format!("env:{v}"),
            PinSource::File(p) => format!("file:{}", p.display()),
            PinSource::Prompt => "prompt".into(),
        }
    }

    /// The PIN for `token`, from this source.
    fn read(&self, token: &str) -> Result<Option<Zeroizing<String>>, KeyError> {
        match self {
            PinSource::Env(var) => Ok(std::env::var(var).ok().filter(|v| !v.is_empty()).map(Zeroizing::new)),
            PinSource::File(path) => {
                let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| {
                    KeyError::store(PKCS11_SCHEME, format!("cannot read the PIN file {}: {e}", path.display()))
                })?);
                let first = text.lines().next().unwrap_or("").trim_end_matches('\r');
                if first.is_empty() {
                    return Err(KeyError::store(PKCS11_SCHEME, format!("the PIN file {} is empty", path.display())));
                }
                Ok(Some(Zeroizing::new(first.to_owned())))
            }
            PinSource::Prompt => Ok(PROMPT.get().and_then(|ask| ask(token))),
        }
    }
}

/// The user PIN for `token`: from `source` when the key names one, else `WALLET_PKCS11_PIN`,
/// else `WALLET_PKCS11_PIN_FILE`, else the installed prompt.
pub(crate) fn resolve(source: Option<&PinSource>, token: &str) -> Result<Zeroizing<String>, KeyError> {
    let required = |sources: String| KeyError::CredentialRequired {
        store: PKCS11_SCHEME.into(),
        credential: "PIN".into(),
        what: format!("token {token:?}"),
        sources,
    };
    if let Some(source) = source {
        return source.read(token)?.ok_or_else(|| required(format!("pin-source={} is empty", source.to_text())));
    }
    for source in [PinSource::Env(ENV_PIN.into()), PinSource::Prompt] {
        if let Some(pin) = source.read(token)? {
            return Ok(pin);
        }
        if source == PinSource::Env(ENV_PIN.into()) {
            if let Some(path) = std::env::var_os(ENV_PIN_FILE).filter(|p| !p.is_empty()) {
                if let Some(pin) = PinSource::File(path.into()).read(token)? {
                    return Ok(pin);
                }
            }
        }
    }
    Err(required(format!("looked in {ENV_PIN}, {ENV_PIN_FILE} and for a terminal prompt")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_parse_and_print_without_the_pin() {
        assert_eq!(PinSource::parse("env:HSM_PIN").unwrap(), PinSource::Env("HSM_PIN".into()));
        assert_eq!(PinSource::parse("file:///run/pin").unwrap(), PinSource::File("/run/pin".into()));
        assert_eq!(PinSource::parse("/run/pin").unwrap().to_text(), "file:/run/pin");
        assert_eq!(PinSource::parse("prompt").unwrap(), PinSource::Prompt);
        assert!(PinSource::parse("1234").is_err());
    }

    #[test]
    fn a_pin_file_gives_its_first_line_and_an_empty_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pin");
        std::fs::write(&path, "4321\r\nsecond\n").unwrap();
        assert_eq!(resolve(Some(&PinSource::File(path.clone())), "t").unwrap().as_str(), "4321");
        std::fs::write(&path, "\n").unwrap();
        let e = resolve(Some(&PinSource::File(path)), "t").unwrap_err().to_string();
        assert!(e.contains("is empty"), "{e}");
        let e = resolve(Some(&PinSource::Env("WALLET_TEST_NO_SUCH_PIN_VAR".into())), "t").unwrap_err();
        assert!(matches!(e, KeyError::CredentialRequired { .. }), "{e}");
    }
}
