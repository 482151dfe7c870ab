//! `wallet ca export-msp`: write an identity as an MSP folder with the CA's latest CRL.

use super::{open_service, CaTargetArgs};
use crate::commands::examples;
use crate::context::Context;
use crate::error::{CliError, Result};
use std::path::PathBuf;
use std::sync::Arc;
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  An MSP folder for a peer, with the CA's latest CRL:",
    "    $ wallet ca export-msp peer0 --out ./peer0-msp --insecure",
))]
pub(super) struct ExportMspArgs {
    /// The label of the identity
    label: String,
    #[command(flatten)]
    which: CaTargetArgs,
    /// The MSP folder to write
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Needed: the private key is written unencrypted to keystore/
    #[arg(long)]
    insecure: bool,
    /// Replace files that already exist
    #[arg(long)]
    force: bool,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: ExportMspArgs) -> Result<()> {
    crate::deprecated::note(
        "`wallet ca export-msp LABEL --out DIR`",
        "`wallet export LABEL --format msp --out DIR --insecure` (it writes crls/ too)",
    );
    if !a.insecure {
        return Err(CliError::usage("an MSP folder holds the private key unencrypted")
            .with_hint("pass --insecure to write it anyway"));
    }
    let ca = open_service(wallet, &a.which)?;
    let options = wallet_core::formats::msp::WriteOptions { overwrite: a.force, ..Default::default() };
    ca.export_msp(&a.label, &a.out, &options)?;
    let crl = a.out.join("crls/crl.pem").exists();
    ctx.print(
        || format!("wrote MSP folder {}{}", a.out.display(), if crl { " (with crls/crl.pem)" } else { "" }),
        &serde_json::json!({ "label": a.label, "dir": a.out, "crl": crl }),
    )?;
    Ok(())
}
