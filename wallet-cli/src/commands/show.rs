//! `wallet show LABEL`: a readable inspection of one identity, expiry first in mind.

use super::examples;
use crate::context::Context;
use crate::error::Result;
use crate::view::IdentityView;
use time::OffsetDateTime;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Inspect an identity (a warning is printed when its certificate expires within 30 days):",
    "    $ wallet show appUser",
    "  The same as JSON, e.g. to read the expiry in a script:",
    "    $ wallet show appUser --output json | jq -r .certificate.validity.not_after",
))]
pub struct Args {
    /// The label of the identity
    label: String,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let wallet = ctx.open_wallet()?;
    let identity = wallet.get(&args.label)?;
    let view = IdentityView::of(&identity, OffsetDateTime::now_utc());
    if let Some(warning) = &view.certificate.validity.warning {
        crate::safe_text::eprintln_escaped!("warning: the certificate of {:?} {warning}", view.label);
    }
    ctx.print(|| view.to_text(), &view)?;
    Ok(())
}
