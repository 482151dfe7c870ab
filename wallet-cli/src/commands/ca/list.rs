//! `wallet ca list`: list the CAs in the wallet.

use crate::commands::examples;
use crate::context::Context;
use crate::error::Result;
use serde::Serialize;
use std::sync::Arc;
use wallet_core::ca::CertificateAuthority;
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  The CAs in the wallet:",
    "    $ wallet ca list",
))]
pub(super) struct ListArgs {}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>) -> Result<()> {
    #[derive(Serialize)]
    struct Row {
        name: String,
        msp_id: String,
        subject: String,
        not_after: String,
        parent: Option<String>,
    }
    let mut rows = vec![];
    for name in CertificateAuthority::list(wallet)? {
        let ca = CertificateAuthority::open(wallet.clone(), &name)?;
        rows.push(Row {
            msp_id: ca.msp_id().into(),
            subject: ca.certificate().subject(),
            not_after: crate::view::rfc3339(ca.certificate().not_after()),
            parent: ca.parent().map(String::from),
            name,
        });
    }
    ctx.print(
        || {
            rows.iter()
                .map(|r| format!("{}  {}  {}  expires {}", r.name, r.msp_id, r.subject, r.not_after))
                .collect::<Vec<_>>()
                .join("\n")
        },
        &rows,
    )?;
    Ok(())
}
