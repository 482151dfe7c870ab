//! `wallet ca reset-secret`: set a new enrolment secret for an identity and unlock it.

use super::common::secret_from_file;
use super::{open_service, AsRegistrar};
use crate::commands::examples;
use crate::context::Context;
use crate::error::Result;
use std::path::PathBuf;
use std::sync::Arc;
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Unlock user1 with a new generated secret:",
    "    $ wallet ca reset-secret user1 > user1.secret",
))]
pub(super) struct ResetSecretArgs {
    /// The enrollment ID
    id: String,
    #[command(flatten)]
    who: AsRegistrar,
    /// Use the secret in the first line of FILE instead of a generated one
    #[arg(long, value_name = "FILE")]
    secret_file: Option<PathBuf>,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: ResetSecretArgs) -> Result<()> {
    let ca = open_service(wallet, &a.who.which)?;
    let secret = a.secret_file.as_deref().map(secret_from_file).transpose()?;
    let secret = ca.reset_secret(&a.who.registrar, &a.id, secret)?;
    ctx.print(|| secret.expose().to_owned(), &serde_json::json!({ "id": a.id, "secret": secret.expose() }))?;
    Ok(())
}
