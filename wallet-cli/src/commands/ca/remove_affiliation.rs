//! `wallet ca remove-affiliation`: remove an affiliation (Fabric CA's `affiliation remove`).

use super::{open_service, AsRegistrar};
use crate::commands::examples;
use crate::context::Context;
use crate::error::Result;
use std::sync::Arc;
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Remove org9 and everything below it (the server must allow it: cfg.affiliations.allowremove):",
    "    $ wallet ca remove-affiliation org9 --force",
))]
pub(super) struct RemoveAffiliationArgs {
    /// The dotted affiliation
    affiliation: String,
    #[command(flatten)]
    who: AsRegistrar,
    /// Also remove what is below it and the identities in it
    #[arg(long)]
    force: bool,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: RemoveAffiliationArgs) -> Result<()> {
    let ca = open_service(wallet, &a.who.which)?;
    ca.remove_affiliation(&a.who.registrar, &a.affiliation, a.force)?;
    ctx.print(|| format!("removed affiliation {}", a.affiliation), &serde_json::json!({ "removed": a.affiliation }))?;
    Ok(())
}
