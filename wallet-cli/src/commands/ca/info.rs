//! `wallet ca info`: what a CA says about itself (Fabric CA's `cainfo`).

use super::{open_service, CaTargetArgs};
use crate::commands::examples;
use crate::context::Context;
use crate::error::Result;
use crate::files::write_output;
use std::path::PathBuf;
use std::sync::Arc;
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  A Fabric CA server's name, version and chain, the chain saved as the TLS root of a peer:",
    "    $ wallet ca info --ca https://ca.org1.example.com:7054 --tls-root tls-ca.pem --chain-out ca-chain.pem",
))]
pub(super) struct InfoArgs {
    #[command(flatten)]
    which: CaTargetArgs,
    /// Write the CA's certificate chain (PEM) to FILE
    #[arg(long, value_name = "FILE")]
    chain_out: Option<PathBuf>,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: InfoArgs) -> Result<()> {
    let ca = open_service(wallet, &a.which)?;
    let info = ca.info()?;
    let chain: String = info.chain.iter().map(|c| c.to_pem()).collect();
    if let Some(path) = &a.chain_out {
        write_output(Some(path), chain.as_bytes(), false, true)?;
    }
    let subject = info.chain.first().map(|c| c.subject()).unwrap_or_default();
    ctx.print(
        || {
            let mut s = format!("CA {:?}  {subject}", info.name);
            if let Some(v) = &info.version {
                s += &format!("\n  version  {v}");
            }
            if let Some(m) = &info.msp_id {
                s += &format!("\n  MSP ID   {m}");
            }
            s += &format!("\n  chain    {} certificate(s)", info.chain.len());
            s
        },
        &serde_json::json!({
            "name": info.name, "version": info.version, "msp_id": info.msp_id, "subject": subject, "chain": chain,
        }),
    )?;
    Ok(())
}
