//! `wallet remove LABEL`: delete an identity and its private key.

use super::examples;
use crate::context::Context;
use crate::error::{exit, io_error, CliError, Result};
use crate::terminal;
use serde_json::json;
use std::path::Path;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Remove an identity, confirming at the prompt:",
    "    $ wallet remove appUser",
    "  In a script (there is no prompt without a terminal, so --force is required):",
    "    $ wallet remove appUser --force",
))]
pub struct Args {
    /// The label of the identity to remove
    label: String,

    /// Remove without asking (required when there is no terminal to ask on)
    #[arg(long)]
    force: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let interactive = terminal::is_interactive();
    if !args.force && !interactive {
        return Err(CliError::usage(format!("refusing to remove {:?} without confirmation", args.label))
            .with_hint("pass --force to remove it without a question (its private key is deleted with it)"));
    }
    let wallet = ctx.open_wallet()?;
    if !args.force {
        // Only the question needs the identity: with --force an identity whose key store is
        // unreachable (a memory key of an ended process) can still be removed.
        let identity = wallet.get(&args.label)?;
        let cert = identity.certificate();
        let question = format!(
            "Remove {:?} ({}, serial {}) from {}? Its private key is deleted with it.",
            args.label,
            cert.subject(),
            cert.serial_hex(),
            wallet.location()
        );
        let yes = terminal::confirm(&question).map_err(|e| io_error("cannot ask on", Path::new("the terminal"), e))?;
        if !yes {
            return Err(CliError::new(exit::FAILURE, format!("{:?} was not removed", args.label)));
        }
    }
    wallet.remove(&args.label)?;
    ctx.print(|| format!("removed {}", args.label), &json!({ "removed": args.label }))?;
    Ok(())
}
