//! `wallet ca certificates`: list issued certificates.

use super::{open_service, AsCaller};
use crate::commands::examples;
use crate::context::Context;
use crate::error::Result;
use std::sync::Arc;
use wallet_core::ca::CertificateFilter;
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  The certificates of user1, with their PEM, as JSON:",
    "    $ wallet ca certificates user1 --pem --output json",
))]
pub(super) struct CertificatesArgs {
    #[command(flatten)]
    who: AsCaller,
    /// Only the certificates of this enrollment ID
    id: Option<String>,
    /// Deprecated spelling of ID
    #[arg(long = "id", value_name = "ID", hide = true, conflicts_with = "id")]
    old_id: Option<String>,
    /// Include the PEM of each certificate
    #[arg(long)]
    pem: bool,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: CertificatesArgs) -> Result<()> {
    let ca = open_service(wallet, &a.who.which)?;
    let id =
        crate::deprecated::subject(a.id, a.old_id, "`wallet ca certificates --id ID`", "`wallet ca certificates ID`");
    let mut list = ca.certificates(a.who.caller.as_deref(), &CertificateFilter { id, ..Default::default() })?;
    if !a.pem {
        for c in &mut list {
            c.pem.clear();
        }
    }
    ctx.print(
        || {
            list.iter()
                .map(|c| {
                    let status = match (&c.revoked_at, &c.reason) {
                        (Some(t), Some(r)) => format!("revoked {} ({r})", crate::view::rfc3339(*t)),
                        _ => "valid".into(),
                    };
                    let mut line =
                        format!("{}  {}  expires {}  {}", c.serial, c.id, crate::view::rfc3339(c.not_after), status);
                    if a.pem {
                        line += &format!("\n{}", c.pem.trim_end());
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
