//! `wallet passwd`: change the wallet passphrase, or switch between passphrase and keychain
//! unlocking.

use super::examples;
use crate::context::Context;
use crate::error::Result;
use crate::passphrase::{self, Source, ENV_NEW_PASSPHRASE};
use serde_json::json;
use std::path::PathBuf;
use wallet_core::backend::{OpenOptions, Unlock};

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Change the passphrase, typing the current one once and the new one twice:",
    "    $ wallet passwd",
    "  Without prompts (the current passphrase from WALLET_PASSPHRASE or --passphrase-file):",
    "    $ wallet passwd --passphrase-file old.txt --new-passphrase-file new.txt",
    "",
    "The new passphrase comes from --new-passphrase-file, else WALLET_NEW_PASSPHRASE, else the",
    "terminal (asked twice). Only the wrapped wallet key is rewritten; the identities are not.",
    "",
    "  Let the OS keychain unlock the wallet from now on (the current passphrase opens it once):",
    "    $ wallet passwd --unlock keychain",
    "  Back to a passphrase (the keychain opens it; the keychain entry is deleted):",
    "    $ wallet passwd --unlock passphrase --new-passphrase-file new.txt",
))]
pub struct Args {
    /// Read the new passphrase from the first line of FILE
    #[arg(long, value_name = "FILE")]
    new_passphrase_file: Option<PathBuf>,

    /// Switch how the wallet is unlocked: passphrase (the default), keychain, or keychain:STORE
    #[arg(long, value_name = "METHOD", value_parser = Unlock::parse)]
    unlock: Option<Unlock>,
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
    if let Some(Unlock::Keychain(store)) = args.unlock {
        wallet.change_unlock(&OpenOptions::new().with_unlock(Unlock::Keychain(store)))?;
        ctx.print(
            || format!("wallet {location} is now unlocked by the {store}"),
            &json!({ "wallet": location, "changed": true, "unlock": "keychain", "store": store.name() }),
        )?;
        return Ok(());
    }
    let new = passphrase::choose(source, &location, "new passphrase")?;
    wallet.change_passphrase(&new)?;
    ctx.print(
        || format!("changed the passphrase of wallet {location}"),
        &json!({ "wallet": location, "changed": true, "unlock": "passphrase" }),
    )?;
    Ok(())
}
