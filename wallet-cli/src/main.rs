//! `wallet`: hold and use Hyperledger Fabric identities from the command line.
//!
//! The binary only parses flags, wires input and output, and calls `wallet_core`, which makes
//! every decision. Data goes to stdout (text or `--output json`); errors, warnings and prompts go
//! to stderr or the terminal.

#![forbid(unsafe_code)]

mod cli;
mod commands;
mod context;
mod error;
mod files;
mod hints;
mod passphrase;
mod terminal;
mod view;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // clap exits with 2 on a usage error and 0 after --help / --version.
    let cli = cli::Cli::parse();
    terminal::install_pin_prompt();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            err.report();
            err.exit_code()
        }
    }
}
