//! `wallet rename OLD NEW`: give an identity another label.

use super::examples;
use crate::context::Context;
use crate::error::Result;
use serde_json::json;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Rename an identity:",
    "    $ wallet rename appUser alice",
    "  Rename over an existing label, replacing that identity:",
    "    $ wallet rename alice-new alice --force",
))]
pub struct Args {
    /// The current label
    old: String,

    /// The new label (no '/', '\', control characters, or leading/trailing spaces)
    new: String,

    /// Replace an identity that already has the new label
    #[arg(long)]
    force: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let wallet = ctx.open_wallet()?;
    wallet.rename(&args.old, &args.new, args.force)?;
    ctx.print(|| format!("renamed {} to {}", args.old, args.new), &json!({ "renamed": args.old, "to": args.new }))?;
    Ok(())
}
