//! `wallet ca reenroll`: renew the certificate of an identity in the wallet.

use super::common::IssuedView;
use super::{open_service, CaTargetArgs};
use crate::commands::examples;
use crate::context::Context;
use crate::error::Result;
use std::sync::Arc;
use wallet_core::ca::ReenrollOptions;
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  A new key and certificate for user1:",
    "    $ wallet ca reenroll user1",
    "  An expired certificate, keeping the key:",
    "    $ wallet ca reenroll user1 --allow-expired --reuse-key",
))]
pub(super) struct ReenrollArgs {
    /// The label of the identity in the wallet
    label: String,
    #[command(flatten)]
    which: CaTargetArgs,
    /// Keep the current key
    #[arg(long)]
    reuse_key: bool,
    /// Accept an expired certificate
    #[arg(long)]
    allow_expired: bool,
    /// SAN entries (repeat; default: those of the current certificate)
    #[arg(long = "host", value_name = "HOST")]
    hosts: Vec<String>,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: ReenrollArgs) -> Result<()> {
    let ca = open_service(wallet, &a.which)?;
    let identity = ca.reenroll(
        &a.label,
        &ReenrollOptions {
            reuse_key: a.reuse_key,
            allow_expired: a.allow_expired,
            hosts: if a.hosts.is_empty() { None } else { Some(a.hosts) },
            attr_reqs: None,
        },
    )?;
    let view = IssuedView::of(&identity);
    ctx.print(|| view.text().replacen("enrolled", "reenrolled", 1), &view)?;
    Ok(())
}
