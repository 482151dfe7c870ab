//! The command's error: a message, an optional hint, and an exit code.
//!
//! Library errors keep their own message; the hint is the CLI's wording ([`crate::hints`]), and
//! the exit code is chosen here so that scripts can tell the common cases apart.

use std::process::ExitCode;
use wallet_core::backend::BackendError;
use wallet_core::Error;

/// Exit codes, documented in every command's help (see [`crate::cli::EXIT_CODES`]).
pub mod exit {
    /// A failure: includes a signature that does not verify and an import with refused files.
    pub const FAILURE: u8 = 1;
    /// Bad flags or arguments, or a confirmation flag that is missing (clap also uses 2).
    pub const USAGE: u8 = 2;
    /// No such identity, or no wallet at the location.
    pub const NOT_FOUND: u8 = 3;
    /// Wrong passphrase, or none available.
    pub const PASSPHRASE: u8 = 4;
    /// The label (or output file) already exists.
    pub const EXISTS: u8 = 5;
    /// Stdout was closed by its reader: a quiet success (what was done is done).
    pub const CLOSED_PIPE: u8 = 0;
}

/// Result alias for commands.
pub type Result<T, E = CliError> = std::result::Result<T, E>;

/// What a command reports when it fails.
#[derive(Debug)]
pub struct CliError {
    message: String,
    hint: Option<String>,
    code: u8,
}

impl CliError {
    /// A failure with exit code `code`.
    pub fn new(code: u8, message: impl Into<String>) -> Self {
        Self { message: message.into(), hint: None, code }
    }

    /// A usage error (exit code 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(exit::USAGE, message)
    }

    /// Attach a suggestion for the fix.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same error with another exit code.
    pub fn with_code(mut self, code: u8) -> Self {
        self.code = code;
        self
    }

    /// The message, without the hint.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The hint, if any.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// The exit code as a number.
    pub fn code(&self) -> u8 {
        self.code
    }

    /// The process exit code.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.code)
    }

    /// The end of a command whose reader went away (`wallet list | head -1`): not an error to
    /// report; what was done stays done.
    pub fn closed_pipe() -> Self {
        Self { message: String::new(), hint: None, code: exit::CLOSED_PIPE }
    }

    /// Whether this is [`CliError::closed_pipe`].
    pub fn is_closed_pipe(&self) -> bool {
        self.code == exit::CLOSED_PIPE && self.message.is_empty()
    }

    /// A stable name for the exit code, for JSON errors.
    pub fn kind(&self) -> &'static str {
        match self.code {
            exit::USAGE => "usage",
            exit::NOT_FOUND => "not-found",
            exit::PASSPHRASE => "passphrase",
            exit::EXISTS => "exists",
            _ => "failure",
        }
    }

    /// Print `error: …` and `hint: …` on stderr, or with `json` one JSON object
    /// `{"error": {"code", "exit_code", "message", "hint"}}`. Nothing for a closed pipe.
    pub fn report(&self, json: bool) {
        if self.is_closed_pipe() {
            return;
        }
        if json {
            let value = serde_json::json!({ "error": {
                "code": self.kind(),
                "exit_code": self.code,
                "message": self.message,
                "hint": self.hint,
            }});
            eprintln!("{}", crate::safe_text::escape_json(&value.to_string()));
            return;
        }
        eprintln!("error: {}", crate::safe_text::escape(&self.message));
        if let Some(hint) = &self.hint {
            eprintln!("hint: {}", crate::safe_text::escape(hint));
        }
    }
}

impl From<Error> for CliError {
    fn from(err: Error) -> Self {
        let code = match &err {
            Error::NotFound { .. } | Error::Backend(BackendError::NoStore { .. }) => exit::NOT_FOUND,
            Error::Backend(BackendError::WrongPassphrase { .. } | BackendError::PassphraseRequired { .. }) => {
                exit::PASSPHRASE
            }
            Error::AlreadyExists { .. } => exit::EXISTS,
            // Asking a store for what its scheme does not have (`repair` on memory:).
            Error::Backend(BackendError::Unsupported(_)) => exit::USAGE,
            _ => exit::FAILURE,
        };
        let hint = crate::hints::hint(&err);
        Self { message: err.to_string(), hint, code }
    }
}

/// An I/O error on `path`, as the library reports them (with the CLI's hint).
pub fn io_error(context: &'static str, path: &std::path::Path, source: std::io::Error) -> CliError {
    Error::Io { context, path: path.to_owned(), source }.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn library_errors_keep_message_and_hint_and_get_distinct_codes() {
        let not_found = CliError::from(Error::NotFound { kind: "identity", name: "bob".into(), location: "w".into() });
        assert_eq!(not_found.code(), exit::NOT_FOUND);
        assert_eq!(not_found.message(), "no identity named \"bob\" in w");
        assert!(not_found.hint().unwrap().contains("wallet list"));
        let wrong = CliError::from(Error::from(BackendError::WrongPassphrase { location: "w".into() }));
        assert_eq!(wrong.code(), exit::PASSPHRASE);
        let none = CliError::from(Error::from(BackendError::NoStore { location: "w".into() }));
        assert_eq!((none.code(), none.message()), (exit::NOT_FOUND, "no wallet at w"));
        assert!(none.hint().unwrap().contains("wallet init"));
        let index = CliError::from(Error::from(BackendError::IndexDamaged { record: "i".into(), detail: "d".into() }));
        assert!(index.hint().unwrap().contains("wallet repair"));
        let exists =
            CliError::from(Error::AlreadyExists { kind: "identity", name: "bob".into(), location: "w".into() });
        assert_eq!(exists.code(), exit::EXISTS);
        let bad = CliError::from(Error::BadSignature { detail: "x".into() });
        assert_eq!(bad.code(), exit::FAILURE);
    }
}
