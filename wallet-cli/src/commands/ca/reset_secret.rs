//! `wallet ca reset-secret`: set a new enrolment secret for an identity and unlock it.

use super::common::{check_secret_out, report_secret, secret_from_file};
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
    "    $ wallet ca reset-secret user1 --out user1.secret",
))]
pub(super) struct ResetSecretArgs {
    /// The enrollment ID
    id: String,
    #[command(flatten)]
    who: AsRegistrar,
    /// Use the secret in the first line of FILE instead of a generated one (it is not printed)
    #[arg(long, value_name = "FILE", conflicts_with = "out")]
    secret_file: Option<PathBuf>,
    /// Write the generated secret to FILE (mode 0600, refused if it exists) instead of stdout
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: ResetSecretArgs) -> Result<()> {
    let ca = open_service(wallet, &a.who.which)?;
    check_secret_out(a.out.as_deref())?;
    let secret = a.secret_file.as_deref().map(secret_from_file).transpose()?;
    let secret = ca.reset_secret(&a.who.registrar, &a.id, secret)?;
    report_secret(ctx, &a.id, &secret, a.secret_file.as_deref(), a.out.as_deref())
}
