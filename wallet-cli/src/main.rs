//! `wallet`: hold and use Hyperledger Fabric identities from the command line.
//!
//! The binary only parses flags, wires input and output, and calls `wallet_core`, which makes
//! every decision. Data goes to stdout (text or `--output json`); errors, warnings and prompts go
//! to stderr or the terminal.

#![forbid(unsafe_code)]

mod cli;
mod commands;
mod context;
mod deprecated;
mod error;
mod files;
mod hints;
mod passphrase;
mod safe_text;
mod terminal;
mod trace;
mod view;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let json = wants_json(std::env::args_os().skip(1));
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        // --help and --version are "errors" that print on stdout and exit 0.
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) if json => {
            let text = e.render().to_string();
            let message = text.trim().trim_start_matches("error: ").lines().next().unwrap_or_default().to_owned();
            error::CliError::usage(message).with_hint("see `wallet --help` and `wallet COMMAND --help`").report(true);
            return ExitCode::from(error::exit::USAGE);
        }
        // clap exits with 2 on a usage error.
        Err(e) => e.exit(),
    };
    trace::init(cli.global.verbose);
    terminal::install_pin_prompt();
    let json = cli.global.output == cli::OutputFormat::Json;
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            err.report(json);
            err.exit_code()
        }
    }
}

/// Whether the arguments ask for JSON output, looked at before parsing so that even a usage
/// error can be reported as JSON.
fn wants_json(args: impl Iterator<Item = std::ffi::OsString>) -> bool {
    let mut previous_was_output = false;
    let mut json = false;
    for arg in args {
        let arg = arg.to_string_lossy();
        if arg == "--" {
            break;
        }
        if previous_was_output {
            json = arg == "json";
        } else if let Some(value) = arg.strip_prefix("--output=") {
            json = value == "json";
        }
        previous_was_output = arg == "--output";
    }
    json
}
