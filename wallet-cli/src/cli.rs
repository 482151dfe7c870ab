//! The top-level command line: global options shared by every command.

use crate::commands::Command;
use clap::{Args, Parser, ValueEnum};
use std::path::PathBuf;

/// Exit codes, appended to the help of every command.
///
/// A macro rather than a `const` so that `concat!` can join it to each command's examples.
macro_rules! exit_codes_help {
    () => {
        "\
Exit codes:
  0  success
  1  failure (also: a signature that does not verify, an import with refused files)
  2  usage error (bad flags or arguments, or a confirmation flag such as --force is missing)
  3  not found (no such identity, or no wallet at the location)
  4  wrong passphrase, or no passphrase available
  5  the label or output file already exists (pass --force to replace it)

With --output json an error is one JSON object on stderr:
  {\"error\": {\"code\": \"not-found\", \"exit_code\": 3, \"message\": \"…\", \"hint\": \"…\"}}"
    };
}

pub(crate) use exit_codes_help;

/// Where the passphrase and the wallet come from, shown in the top-level help.
macro_rules! environment_help {
    () => {
        "\
Environment:
  WALLET_URI             the wallet, when --wallet is not given
  WALLET_PASSPHRASE      the passphrase (unless --passphrase-file or --passphrase-stdin; else a prompt)
  WALLET_NEW_PASSPHRASE  the new passphrase for `wallet passwd`
  WALLET_KDF_PARAMS      Argon2id cost M,T,P for `wallet init`
  WALLET_TO_PASSPHRASE   the target's passphrase for `wallet migrate`
  VAULT_TOKEN, BAO_TOKEN the token of a vault:// wallet (or token_file=, or AppRole: docs/vault.md)
  WALLET_CRYPTO_PROVIDER the P-256 code: rustcrypto (default) or aws-lc (faster in bulk)

The default wallet is the folder $XDG_DATA_HOME/wallet, or ~/.local/share/wallet when
XDG_DATA_HOME is not set (%APPDATA%\\wallet on Windows).

Passphrases are never taken as arguments: other users can read a process's arguments."
    };
}

/// Hold and use Hyperledger Fabric identities: import, export, inspect and sign.
#[derive(Debug, Parser)]
#[command(
    name = "wallet",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_long_help = concat!(
        "Examples:\n",
        "  Create a wallet and import the identities of a Fabric SDK wallet folder:\n",
        "    $ wallet init\n",
        "    $ wallet import ./fabric-wallet\n",
        "  Inspect one identity and sign a file as it:\n",
        "    $ wallet show appUser\n",
        "    $ wallet sign appUser --in proposal.bin > proposal.sig\n",
        "\n",
        environment_help!(),
        "\n\n",
        exit_codes_help!(),
    ),
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts, listed apart from each command's own.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// The wallet: a folder path, file:PATH, vault://HOST:PORT/MOUNT/PREFIX (OpenBao/Vault), keychain:NAME (the OS keychain), or memory:
    ///
    /// Default: WALLET_URI when set and not empty, else $XDG_DATA_HOME/wallet, or
    /// ~/.local/share/wallet (%APPDATA%\wallet on Windows).
    #[arg(long, global = true, value_name = "URI")]
    pub wallet: Option<String>,

    /// Print results as text or as JSON
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text, value_name = "FORMAT")]
    pub output: OutputFormat,

    /// Read the wallet passphrase from the first line of FILE (instead of WALLET_PASSPHRASE or a prompt)
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "passphrase_stdin")]
    pub passphrase_file: Option<PathBuf>,

    /// Read the wallet passphrase from the first line of standard input (the rest stays input)
    #[arg(long, global = true)]
    pub passphrase_stdin: bool,

    /// Log what the command does on stderr: -v steps, -vv details (never a secret)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

/// How results are printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Readable text
    Text,
    /// JSON, for scripts
    Json,
}
