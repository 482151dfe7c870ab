//! `wallet ca register`: register an identity; writes its generated enrolment secret to a file
//! (mode 0600) or stdout, and never echoes a secret the user chose.

use super::common::{check_secret_out, report_secret, secret_from_file};
use super::{open_service, AsRegistrar};
use crate::commands::examples;
use crate::context::Context;
use crate::error::Result;
use std::path::PathBuf;
use std::sync::Arc;
use wallet_core::ca::{Attribute, RegistrationRequest};
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  A client in org1.department1 with an attribute in its certificates; the secret goes to a file (mode 0600):",
    "    $ wallet ca register user1 --type client --affiliation org1.department1 --attr role=auditor:ecert --out user1.secret",
    "  A peer that may enrol twice:",
    "    $ wallet ca register peer0 --type peer --affiliation org1 --max-enrollments 2",
))]
pub(super) struct RegisterArgs {
    /// The enrollment ID
    id: String,
    #[command(flatten)]
    who: AsRegistrar,
    /// Identity type: client, peer, orderer, admin… (default: the registrar's)
    #[arg(long = "type", value_name = "TYPE")]
    identity_type: Option<String>,
    /// Affiliation (default: the registrar's; "." is the root)
    #[arg(long)]
    affiliation: Option<String>,
    /// An attribute name=value[:ecert] (repeat)
    #[arg(long = "attr", value_name = "NAME=VALUE[:ecert]", value_parser = parse_attribute)]
    attrs: Vec<Attribute>,
    /// Maximum enrolments (-1 unlimited; default the CA's)
    #[arg(long, allow_negative_numbers = true)]
    max_enrollments: Option<i32>,
    /// Use the secret in the first line of FILE instead of a generated one (it is not printed)
    #[arg(long, value_name = "FILE", conflicts_with = "out")]
    secret_file: Option<PathBuf>,
    /// Write the generated secret to FILE (mode 0600, refused if it exists) instead of stdout
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

fn parse_attribute(s: &str) -> std::result::Result<Attribute, String> {
    Attribute::parse(s).map_err(|e| e.to_string())
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: RegisterArgs) -> Result<()> {
    let ca = open_service(wallet, &a.who.which)?;
    check_secret_out(a.out.as_deref())?;
    let chosen = a.secret_file.as_deref().map(secret_from_file).transpose()?;
    let secret = ca.register(
        &a.who.registrar,
        &RegistrationRequest {
            id: a.id.clone(),
            secret: chosen,
            identity_type: a.identity_type,
            affiliation: a.affiliation,
            attributes: a.attrs,
            max_enrollments: a.max_enrollments,
        },
    )?;
    report_secret(ctx, &a.id, &secret, a.secret_file.as_deref(), a.out.as_deref())
}
