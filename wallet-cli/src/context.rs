//! What every command shares: the wallet location, the passphrase sources and the output format.

use crate::cli::{GlobalArgs, OutputFormat};
use crate::error::{CliError, Result};
use crate::passphrase::{self, Source};
use serde::Serialize;
use std::path::PathBuf;
use wallet_core::backend::{file::KdfParams, BackendError, OpenOptions, Unlock};
use wallet_core::crypto::KeyStores;
use wallet_core::env::{self, EnvError};
use wallet_core::{Error, Wallet};

/// The global options, resolved.
#[derive(Debug)]
pub struct Context {
    wallet: Option<String>,
    output: OutputFormat,
    passphrase_file: Option<PathBuf>,
    /// The first line of stdin, read at once with --passphrase-stdin (the rest stays input).
    passphrase_stdin: Option<wallet_core::backend::Passphrase>,
}

impl Context {
    /// Take the global options; with --passphrase-stdin the passphrase is read now, before any
    /// command reads the rest of standard input.
    pub fn new(global: GlobalArgs) -> Result<Self> {
        let passphrase_stdin = if global.passphrase_stdin { Some(passphrase::read_stdin_line()?) } else { None };
        Ok(Self {
            wallet: global.wallet,
            output: global.output,
            passphrase_file: global.passphrase_file,
            passphrase_stdin,
        })
    }

    /// Whether results are printed as JSON.
    pub fn json(&self) -> bool {
        self.output == OutputFormat::Json
    }

    /// The wallet URI: `--wallet`, else `WALLET_URI` (read by [`wallet_core::env`]: empty
    /// counts as unset), else the per-user default folder.
    pub fn uri(&self) -> Result<String> {
        if let Some(uri) = &self.wallet {
            return Ok(uri.clone());
        }
        let from_env = env::wallet_uri().map_err(|e| match e {
            EnvError::NotUnicode { .. } => CliError::usage(e.to_string()).with_hint("pass --wallet URI instead"),
        })?;
        match from_env {
            Some(uri) => Ok(uri),
            None => Ok(default_wallet_path()?.display().to_string()),
        }
    }

    /// Where the passphrase of the wallet comes from.
    pub fn passphrase_source(&self) -> Source<'_> {
        Source::current(self.passphrase_file.as_deref()).with_stdin(self.passphrase_stdin.as_ref())
    }

    /// Open the wallet (see [`Context::open_with`]) with the key stores `WALLET_KEY_STORE` selects.
    pub fn open_wallet(&self) -> Result<Wallet> {
        let uri = self.uri()?;
        tracing::info!(wallet = %shown(&uri), "opening the wallet");
        let keys = KeyStores::from_env()?;
        Ok(self.open_with(|options| Wallet::open(&uri, options))?.with_key_stores(keys))
    }

    /// Open something protected by the wallet passphrase. A passphrase from the file or the
    /// environment is used at once; otherwise `open` is tried without one first, so a missing
    /// wallet is reported without a prompt and backends without a passphrase (`memory:`) never
    /// prompt. Only [`BackendError::PassphraseRequired`] leads to the terminal.
    pub fn open_with<T>(&self, open: impl Fn(&OpenOptions) -> wallet_core::Result<T>) -> Result<T> {
        let given = passphrase::given(self.passphrase_source())?;
        match open(&OpenOptions::new().with_passphrase(given.clone())) {
            Err(Error::Backend(BackendError::PassphraseRequired { location })) if given.is_none() => {
                let passphrase = passphrase::prompt_current(&location)?;
                Ok(open(&OpenOptions::new().with_passphrase(passphrase))?)
            }
            other => Ok(other?),
        }
    }

    /// Create a new wallet; a prompted passphrase is asked twice. As with opening, the backend
    /// is asked first, so an existing wallet is reported before any prompt.
    /// With `unlock` a keychain, no passphrase is read or asked for.
    pub fn create_wallet(&self, kdf: Option<KdfParams>, unlock: Unlock) -> Result<Wallet> {
        let uri = self.uri()?;
        tracing::info!(wallet = %shown(&uri), "creating a wallet");
        let keys = KeyStores::from_env()?;
        if unlock != Unlock::Passphrase {
            return Ok(Wallet::create(&uri, &OpenOptions::new().with_unlock(unlock))?.with_key_stores(keys));
        }
        let source = self.passphrase_source();
        let given = passphrase::given(source)?;
        let first = Wallet::create(&uri, &OpenOptions::new().with_passphrase(given.clone()).with_kdf(kdf));
        match first {
            Err(Error::Backend(BackendError::PassphraseRequired { location })) if given.is_none() => {
                let passphrase = passphrase::prompt_new(source, &location, "passphrase")?;
                Ok(Wallet::create(&uri, &OpenOptions::new().with_passphrase(passphrase).with_kdf(kdf))?
                    .with_key_stores(keys))
            }
            other => Ok(other?.with_key_stores(keys)),
        }
    }

    /// Print a result: `text` as is, or `json` serialized, on stdout. A reader that went away
    /// (`| head -1`) ends the command quietly: [`CliError::closed_pipe`].
    pub fn print(&self, text: impl FnOnce() -> String, json: &impl Serialize) -> Result<()> {
        if self.json() {
            let out = serde_json::to_string_pretty(json).expect("results always serialize");
            let mut out = crate::safe_text::escape_json(&out).into_owned();
            out.push('\n');
            crate::files::write_stdout(out.as_bytes(), false)
        } else {
            let text = text();
            if text.is_empty() {
                return Ok(());
            }
            // Certificate fields, labels and file names are outside text: escaped for the terminal.
            let mut out = crate::safe_text::escape(text.trim_end_matches('\n')).into_owned();
            out.push('\n');
            crate::files::write_stdout(out.as_bytes(), false)
        }
    }
}

/// A wallet URI as it may be logged: without any `user:password@` part.
fn shown(uri: &str) -> String {
    match (uri.find("://"), uri.rfind('@')) {
        (Some(start), Some(at)) if at > start => format!("{}://…@{}", &uri[..start], &uri[at + 1..]),
        _ => uri.to_owned(),
    }
}

/// The default wallet folder: `$XDG_DATA_HOME/wallet`, else `~/.local/share/wallet`
/// (`%APPDATA%\wallet` on Windows). Written out here because it is three documented lines and
/// the directories crates pick other places on macOS.
pub fn default_wallet_path() -> Result<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if cfg!(windows) {
        if let Some(appdata) = var("APPDATA") {
            return Ok(appdata.join("wallet"));
        }
    }
    if let Some(xdg) = var("XDG_DATA_HOME").filter(|p| p.is_absolute()) {
        return Ok(xdg.join("wallet"));
    }
    if let Some(home) = var("HOME").or_else(|| var("USERPROFILE")) {
        return Ok(home.join(".local").join("share").join("wallet"));
    }
    Err(CliError::usage("cannot find a default wallet location: neither XDG_DATA_HOME nor HOME is set")
        .with_hint("pass --wallet PATH or set WALLET_URI"))
}
