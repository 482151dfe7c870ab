//! `wallet repair`: rebuild a file wallet's index from its records.

use super::examples;
use crate::context::Context;
use crate::error::{exit, CliError, Result};
use serde::Serialize;
use wallet_core::backend::{self, BackendUri};

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  After `wallet list` reports a damaged index:",
    "    $ wallet repair",
    "",
    "Every record carries its own sealed label, so the index (the list `wallet list` reads) can be",
    "rebuilt from the records alone. Records that cannot be opened are reported and kept.",
))]
pub struct Args {}

#[derive(Debug, Serialize)]
struct Report {
    wallet: String,
    indexed: usize,
    unreadable: Vec<String>,
}

pub fn run(ctx: &Context, _args: Args) -> Result<()> {
    let uri = BackendUri::parse(&ctx.uri()?)?;
    let provider = backend::provider(&uri)?;
    let store = ctx.open_with(|options| provider.open(&uri, options))?;
    let rebuilt = provider.repair(store.as_ref())?;
    let report = Report { wallet: store.location(), indexed: rebuilt.indexed, unreadable: rebuilt.unreadable };
    ctx.print(|| format!("rebuilt the index of {}: {} records", report.wallet, report.indexed), &report)?;
    if report.unreadable.is_empty() {
        return Ok(());
    }
    for file in &report.unreadable {
        crate::safe_text::eprintln_escaped!("unreadable record {file}");
    }
    Err(CliError::new(exit::FAILURE, format!("{} records could not be opened", report.unreadable.len())).with_hint(
        "they are damaged or belong to another wallet; they stay listed so `wallet show` names them and \
         `wallet remove --force` can delete them, or restore them from a backup",
    ))
}
