//! `wallet ca affiliations`: list the affiliation tree.

use super::{open_service, AsCaller};
use crate::commands::examples;
use crate::context::Context;
use crate::error::Result;
use std::sync::Arc;
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  The affiliation tree:",
    "    $ wallet ca affiliations",
))]
pub(super) struct AffiliationsArgs {
    #[command(flatten)]
    who: AsCaller,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: AffiliationsArgs) -> Result<()> {
    let ca = open_service(wallet, &a.who.which)?;
    let list = ca.affiliations(a.who.caller.as_deref())?;
    ctx.print(
        || list.iter().map(|a| format!("{}{}", "  ".repeat(a.matches('.').count()), a)).collect::<Vec<_>>().join("\n"),
        &list,
    )?;
    Ok(())
}
