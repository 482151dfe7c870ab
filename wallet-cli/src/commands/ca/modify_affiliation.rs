//! `wallet ca modify-affiliation`: rename an affiliation (Fabric CA's `affiliation modify`).

use super::{open_service, AsRegistrar};
use crate::commands::examples;
use crate::context::Context;
use crate::error::Result;
use std::sync::Arc;
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Rename org1.department3 (and what is below it), moving its identities:",
    "    $ wallet ca modify-affiliation org1.department3 --name org1.sales --force",
))]
pub(super) struct ModifyAffiliationArgs {
    /// The dotted affiliation to rename
    affiliation: String,
    /// Its new name
    #[arg(long, value_name = "NAME")]
    name: String,
    #[command(flatten)]
    who: AsRegistrar,
    /// Also move the identities in it
    #[arg(long)]
    force: bool,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: ModifyAffiliationArgs) -> Result<()> {
    let ca = open_service(wallet, &a.who.which)?;
    ca.modify_affiliation(&a.who.registrar, &a.affiliation, &a.name, a.force)?;
    ctx.print(
        || format!("renamed affiliation {} to {}", a.affiliation, a.name),
        &serde_json::json!({ "renamed": a.affiliation, "to": a.name }),
    )?;
    Ok(())
}
