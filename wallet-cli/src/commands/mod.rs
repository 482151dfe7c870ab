//! One module per command. This file is the single place where commands are listed and
//! dispatched: add a variant to [`Command`] and an arm to [`run`].

use crate::cli::Cli;
use crate::context::Context;
use crate::error::Result;
use clap::Subcommand;

mod bench;
mod ca;
mod ca_target;
mod completions;
mod expiring;
mod export;
mod import;
mod init;
mod list;
mod man;
mod migrate;
mod passwd;
mod quickstart;
mod remove;
mod rename;
mod renew;
mod repair;
mod show;
mod sign;
mod verify;

/// The help text after a command's options: its examples, then the exit codes.
macro_rules! examples {
    ($($line:literal),* $(,)?) => {
        concat!("Examples:\n", $($line, "\n",)* "\n", crate::cli::exit_codes_help!())
    };
}
pub(crate) use examples;

/// A duration flag (`--validity 90d`, `8760h`, `1d12h`), parsed by the library.
pub(crate) fn duration_arg(s: &str) -> std::result::Result<std::time::Duration, String> {
    wallet_core::ca::parse_duration(s).map_err(|e| e.to_string())
}

/// Every command, noun then verb where there is a noun.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new, empty wallet
    Init(init::Args),
    /// List the identities in the wallet
    List(list::Args),
    /// Show an identity: certificate, validity, Fabric attributes, key identifiers, chain
    Show(show::Args),
    /// Import identities: Fabric SDK .id files or folders, MSP folders, PEM certificate and key
    Import(import::Args),
    /// Export an identity as a .id file, an MSP folder, PEM, its certificate or a SerializedIdentity
    Export(export::Args),
    /// Remove an identity (and its private key) from the wallet
    Remove(remove::Args),
    /// Give an identity another label
    Rename(rename::Args),
    /// Change the wallet passphrase
    Passwd(passwd::Args),
    /// Copy the whole wallet (identities, CAs and their registries) to another store
    Migrate(migrate::Args),
    /// Rebuild a damaged wallet index from the records
    Repair(repair::Args),
    /// Sign a message or a SHA-256 digest as an identity (ECDSA P-256, DER, low-S)
    Sign(sign::Args),
    /// Verify a signature against an identity or a certificate
    Verify(verify::Args),
    /// List identities whose certificates expire soon (exit code 1 when any do)
    Expiring(expiring::Args),
    /// Reenrol identities that expire soon (or all) with the wallet's CA or a Fabric CA server
    Renew(renew::Args),
    /// Run the embedded certificate authority: init, register, enroll, revoke, CRLs, listings
    Ca(Box<ca::Args>),
    /// Create a CA and its admin, enrol a user, sign and verify: the whole tour in one command
    Quickstart(quickstart::Args),
    /// Print a shell completion script
    Completions(completions::Args),
    /// Write the man pages (wallet.1 and one per command) into a folder
    Man(man::Args),
    /// Benchmark a wallet: Caliper-style rounds of enrol, sign, verify, get, put and list
    Bench(bench::Args),
}

/// Run the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    wallet_core::crypto::provider::install_from_env(wallet_core::crypto::provider::Artefact::Cli)?;
    let ctx = Context::new(cli.global)?;
    tracing::debug!(command = ?cli.command, "parsed the command line");
    match cli.command {
        Command::Init(args) => init::run(&ctx, args),
        Command::List(args) => list::run(&ctx, args),
        Command::Show(args) => show::run(&ctx, args),
        Command::Import(args) => import::run(&ctx, args),
        Command::Export(args) => export::run(&ctx, args),
        Command::Remove(args) => remove::run(&ctx, args),
        Command::Rename(args) => rename::run(&ctx, args),
        Command::Passwd(args) => passwd::run(&ctx, args),
        Command::Migrate(args) => migrate::run(&ctx, args),
        Command::Repair(args) => repair::run(&ctx, args),
        Command::Sign(args) => sign::run(&ctx, args),
        Command::Verify(args) => verify::run(&ctx, args),
        Command::Expiring(args) => expiring::run(&ctx, args),
        Command::Renew(args) => renew::run(&ctx, args),
        Command::Ca(args) => ca::run(&ctx, *args),
        Command::Quickstart(args) => quickstart::run(&ctx, args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(&ctx, args),
        Command::Bench(args) => bench::run(&ctx, args),
    }
}
