//! The `WALLET_*` environment variables, read in one place: the `wallet` CLI and the C library
//! (`wallet_wallet_open_from_env`) both call these functions, so a variable means the same to
//! both.
//!
//! | variable | what | read by |
//! | --- | --- | --- |
//! | [`WALLET_URI`] | the wallet: `memory:`, `file:PATH` or a path | CLI, C |
//! | [`WALLET_PASSPHRASE`] | the passphrase of that wallet | CLI, C |
//! | [`WALLET_NEW_PASSPHRASE`] | the new passphrase for `wallet passwd` | CLI |
//! | [`WALLET_CRYPTO_PROVIDER`](crate::crypto::provider::WALLET_CRYPTO_PROVIDER) | the crypto provider (`aws-lc`, `rustcrypto`) | CLI, C (`crypto::provider::install_from_env`) |
//!
//! **Precedence**, for every variable and every caller: a value given explicitly wins (a CLI
//! flag: `--wallet`, `--passphrase-file`, `--new-passphrase-file`; the arguments of the C
//! function `wallet_wallet_open`), then the variable, then the caller's default. The CLI's
//! defaults are the per-user wallet folder and a prompt on the terminal; the C library has
//! none: without `WALLET_URI`, `wallet_wallet_open_from_env` fails with
//! `WALLET_RESULT_ENV_NOT_SET`, and without `WALLET_PASSPHRASE` it opens with no passphrase.
//!
//! **Values.** An empty value counts as unset (as in `WALLET_PASSPHRASE= wallet list`, which
//! then prompts), so an empty passphrase or URI never reaches a backend. A value that is not
//! UTF-8 is an error ([`EnvError::NotUnicode`]), never ignored. Nothing is trimmed.
//!
//! Options of a single CLI command (`WALLET_KDF_PARAMS` of `wallet init`, `WALLET_CA` and
//! `WALLET_ENROLL_SECRET` of `wallet ca`) are described in that command's help.

use crate::backend::Passphrase;
use std::ffi::OsString;

/// The wallet URI, when the caller was given none explicitly.
pub const WALLET_URI: &str = "WALLET_URI";
/// The passphrase of the wallet, when the caller was given none explicitly.
pub const WALLET_PASSPHRASE: &str = "WALLET_PASSPHRASE";
/// The new passphrase when a wallet's passphrase is changed (`wallet passwd`).
pub const WALLET_NEW_PASSPHRASE: &str = "WALLET_NEW_PASSPHRASE";

/// A variable is set to something unusable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    /// The value is not valid UTF-8.
    #[error("{variable} is not valid UTF-8")]
    NotUnicode {
        /// The variable's name.
        variable: &'static str,
    },
}

/// `WALLET_URI`: `None` when unset or empty.
pub fn wallet_uri() -> Result<Option<String>, EnvError> {
    text(WALLET_URI)
}

/// `WALLET_PASSPHRASE`: `None` when unset or empty.
pub fn passphrase() -> Result<Option<Passphrase>, EnvError> {
    passphrase_from(WALLET_PASSPHRASE)
}

/// A passphrase from `variable` (such as [`WALLET_NEW_PASSPHRASE`]), by the same rules:
/// `None` when unset or empty.
pub fn passphrase_from(variable: &'static str) -> Result<Option<Passphrase>, EnvError> {
    Ok(secret(variable, std::env::var_os(variable))?.map(Passphrase::new))
}

/// Any variable by the rules of this module: `None` when unset or empty, an error when it is
/// not UTF-8.
pub fn text(variable: &'static str) -> Result<Option<String>, EnvError> {
    resolve(variable, std::env::var_os(variable))
}

/// The rules, on a value already read (so they can be tested without changing the process's
/// environment).
fn resolve(variable: &'static str, value: Option<OsString>) -> Result<Option<String>, EnvError> {
    match value.map(OsString::into_string) {
        None => Ok(None),
        Some(Ok(value)) if value.is_empty() => Ok(None),
        Some(Ok(value)) => Ok(Some(value)),
        Some(Err(_)) => Err(EnvError::NotUnicode { variable }),
    }
}

/// [`resolve`] for a secret: a value refused as not UTF-8 is wiped before it is dropped.
fn secret(variable: &'static str, value: Option<OsString>) -> Result<Option<String>, EnvError> {
    match value.map(OsString::into_string) {
        Some(Err(rejected)) => {
            wipe(rejected);
            Err(EnvError::NotUnicode { variable })
        }
        Some(Ok(value)) => resolve(variable, Some(value.into())),
        None => Ok(None),
    }
}

fn wipe(value: OsString) {
    #[cfg(unix)]
    drop(zeroize::Zeroizing::new(std::os::unix::ffi::OsStringExt::into_vec(value)));
    #[cfg(not(unix))]
    drop(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_and_empty_are_none_and_values_are_kept_as_they_are() {
        assert_eq!(resolve(WALLET_URI, None), Ok(None));
        assert_eq!(resolve(WALLET_URI, Some("".into())), Ok(None));
        assert_eq!(resolve(WALLET_URI, Some("memory:".into())), Ok(Some("memory:".into())));
        assert_eq!(resolve(WALLET_PASSPHRASE, Some(" spaced ".into())), Ok(Some(" spaced ".into())));
        assert_eq!(secret(WALLET_PASSPHRASE, Some("".into())), Ok(None));
        assert_eq!(secret(WALLET_PASSPHRASE, Some("pw".into())), Ok(Some("pw".into())));
        assert_eq!(secret(WALLET_PASSPHRASE, None), Ok(None));
    }

    #[cfg(unix)]
    #[test]
    fn a_value_that_is_not_utf8_is_an_error_naming_the_variable() {
        use std::os::unix::ffi::OsStringExt;
        let bad = || Some(OsString::from_vec(vec![b'p', 0xff]));
        assert_eq!(resolve(WALLET_URI, bad()), Err(EnvError::NotUnicode { variable: WALLET_URI }));
        let err = secret(WALLET_NEW_PASSPHRASE, bad()).unwrap_err();
        assert_eq!(err.to_string(), "WALLET_NEW_PASSPHRASE is not valid UTF-8");
    }

    #[test]
    fn the_process_environment_is_read() {
        // A variable no one sets: read through the same path as the real ones.
        assert_eq!(text("WALLET_TEST_NEVER_SET_7F3A"), Ok(None));
        // PATH is set in any environment the tests run in.
        assert!(text("PATH").unwrap().is_some());
    }
}
