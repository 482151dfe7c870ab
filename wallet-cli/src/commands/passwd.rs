//! `wallet passwd`: change the wallet passphrase.

use super::examples;
use crate::context::Context;
use crate::error::Result;
use crate::passphrase::{self, Source, ENV_NEW_PASSPHRASE};
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Change the passphrase, typing the current one once and the new one twice:",
    "    $ wallet passwd",
    "  Without prompts (the current passphrase from WALLET_PASSPHRASE or --passphrase-file):",
    "    $ wallet passwd --passphrase-file old.txt --new-passphrase-file new.txt",
    "",
    "The new passphrase comes from --new-passphrase-file, else WALLET_NEW_PASSPHRASE, else the",
    "terminal (asked twice). Only the wrapped wallet key is rewritten; the identities are not.",
))]
pub struct Args {
    /// Read the new passphrase from the first line of FILE
    #[arg(long, value_name = "FILE")]
    new_passphrase_file: Option<PathBuf>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let wallet = ctx.open_wallet()?;
    let location = wallet.location();
    let source = Source {
        file: args.new_passphrase_file.as_deref(),
        env: ENV_NEW_PASSPHRASE,
        file_flag: "--new-passphrase-file",
        stdin: None,
    };
    let new = passphrase::choose(source, &location, "new passphrase")?;
    wallet.change_passphrase(&new)?;
    ctx.print(
        || format!("changed the passphrase of wallet {location}"),
        &json!({ "wallet": location, "changed": true }),
    )?;
    Ok(())
}
