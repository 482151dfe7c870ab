//! `wallet ca identities`: list registered identities (or show one).

use super::{open_service, AsCaller};
use crate::commands::examples;
use crate::context::Context;
use crate::error::Result;
use std::sync::Arc;
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Every registered identity, then one with its attributes:",
    "    $ wallet ca identities",
    "    $ wallet ca identities user1",
))]
pub(super) struct IdentitiesArgs {
    /// Show only this enrollment ID
    id: Option<String>,
    #[command(flatten)]
    who: AsCaller,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: IdentitiesArgs) -> Result<()> {
    let ca = open_service(wallet, &a.who.which)?;
    let list = match &a.id {
        Some(id) => vec![ca.identity(a.who.caller.as_deref(), id)?],
        None => ca.identities(a.who.caller.as_deref())?,
    };
    ctx.print(
        || {
            list.iter()
                .map(|i| {
                    let max =
                        if i.max_enrollments == -1 { "unlimited".to_string() } else { i.max_enrollments.to_string() };
                    let mut line = format!(
                        "{}  type={}  affiliation={}  enrollments={}/{}  state={:?}{}",
                        i.id,
                        i.identity_type,
                        i.affiliation_shown(),
                        i.enrollments,
                        max,
                        i.state,
                        if i.locked { "  LOCKED" } else { "" }
                    )
                    .replace("Active", "active")
                    .replace("Revoked", "revoked");
                    if a.id.is_some() {
                        for attr in &i.attrs {
                            line += &format!(
                                "\n  {}={}{}",
                                attr.name,
                                attr.value,
                                if attr.ecert { " (ecert)" } else { "" }
                            );
                        }
                    }
                    line
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
        &list,
    )?;
    super::common::report_damage(ca.as_ref())
}
