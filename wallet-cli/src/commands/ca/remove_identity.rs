//! `wallet ca remove-identity`: remove a registered identity (Fabric CA's `identity remove`).

use super::{open_service, AsRegistrar};
use crate::commands::examples;
use crate::context::Context;
use crate::error::Result;
use std::sync::Arc;
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Remove user1 from the CA (the server must allow it: cfg.identities.allowremove):",
    "    $ wallet ca remove-identity user1",
    "",
    "Identities in the wallet are not touched; `wallet remove LABEL` removes one there.",
))]
pub(super) struct RemoveIdentityArgs {
    /// The enrollment ID
    id: String,
    #[command(flatten)]
    who: AsRegistrar,
    /// Needed to remove the registrar itself
    #[arg(long)]
    force: bool,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: RemoveIdentityArgs) -> Result<()> {
    let ca = open_service(wallet, &a.who.which)?;
    let info = ca.remove_identity(&a.who.registrar, &a.id, a.force)?;
    ctx.print(|| format!("removed identity {}", info.id), &serde_json::json!({ "removed": info.id }))?;
    Ok(())
}
