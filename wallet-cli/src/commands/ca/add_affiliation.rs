//! `wallet ca add-affiliation`: add an affiliation.

use super::{open_service, AsRegistrar};
use crate::commands::examples;
use crate::context::Context;
use crate::error::Result;
use std::sync::Arc;
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  A new department (its parent must exist, or pass --force):",
    "    $ wallet ca add-affiliation org1.department3",
))]
pub(super) struct AddAffiliationArgs {
    /// The dotted affiliation, e.g. org1.department3
    name: String,
    #[command(flatten)]
    who: AsRegistrar,
    /// Also create missing parents
    #[arg(long)]
    force: bool,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: AddAffiliationArgs) -> Result<()> {
    let ca = open_service(wallet, &a.who.which)?;
    ca.add_affiliation(&a.who.registrar, &a.name, a.force)?;
    ctx.print(|| format!("added affiliation {}", a.name), &serde_json::json!({ "added": a.name }))?;
    Ok(())
}
