//! `wallet ca modify-identity`: change a registered identity (Fabric CA's `identity modify`).

use super::common::secret_from_file;
use super::{open_service, AsRegistrar};
use crate::commands::examples;
use crate::context::Context;
use crate::error::Result;
use std::path::PathBuf;
use std::sync::Arc;
use wallet_core::ca::{Attribute, IdentityUpdate};
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Move user1 to org2 and allow it 3 enrolments:",
    "    $ wallet ca modify-identity user1 --affiliation org2 --max-enrollments 3",
))]
pub(super) struct ModifyIdentityArgs {
    /// The enrollment ID
    id: String,
    #[command(flatten)]
    who: AsRegistrar,
    /// New identity type
    #[arg(long = "type", value_name = "TYPE")]
    identity_type: Option<String>,
    /// New affiliation
    #[arg(long)]
    affiliation: Option<String>,
    /// An attribute to add or replace, name=value[:ecert] (repeat)
    #[arg(long = "attr", value_name = "NAME=VALUE[:ecert]", value_parser = parse_attribute)]
    attrs: Vec<Attribute>,
    /// New maximum enrolments (-1 unlimited)
    #[arg(long, allow_negative_numbers = true)]
    max_enrollments: Option<i32>,
    /// New secret, from the first line of FILE
    #[arg(long, value_name = "FILE")]
    secret_file: Option<PathBuf>,
}

fn parse_attribute(s: &str) -> std::result::Result<Attribute, String> {
    Attribute::parse(s).map_err(|e| e.to_string())
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: ModifyIdentityArgs) -> Result<()> {
    let ca = open_service(wallet, &a.who.which)?;
    let update = IdentityUpdate {
        identity_type: a.identity_type,
        affiliation: a.affiliation,
        attributes: a.attrs,
        max_enrollments: a.max_enrollments,
        secret: a.secret_file.as_deref().map(secret_from_file).transpose()?,
    };
    let info = ca.modify_identity(&a.who.registrar, &a.id, &update)?;
    ctx.print(
        || format!("modified {}  type={}  affiliation={}", info.id, info.identity_type, info.affiliation_shown()),
        &info,
    )?;
    Ok(())
}
