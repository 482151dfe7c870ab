//! `wallet ca enroll`: enrol a registered identity: new key and certificate, stored in the wallet.

use super::common::{attr_reqs, enrolment_secret, parse_attr_req, IssuedView};
use super::{open_service, CaTargetArgs, SecretArgs};
use crate::commands::examples;
use crate::context::Context;
use crate::error::Result;
use std::sync::Arc;
use wallet_core::ca::{AttributeRequest, EnrollRequest};
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Enrol with the secret from a file (or WALLET_ENROLL_SECRET):",
    "    $ wallet ca enroll user1 --secret-file user1.secret",
    "  A peer with host names in its certificate:",
    "    $ wallet ca enroll peer0 --secret-file peer0.secret --host peer0.org1.example.com",
    "  With the key in Vault/OpenBao Transit (VAULT_ADDR and VAULT_TOKEN set):",
    "    $ wallet ca enroll user2 --secret-file user2.secret --key transit:user2",
))]
pub(super) struct EnrollArgs {
    /// The enrollment ID
    id: String,
    #[command(flatten)]
    which: CaTargetArgs,
    #[command(flatten)]
    secret: SecretArgs,
    /// Wallet label (default: the enrollment ID)
    #[arg(long)]
    label: Option<String>,
    /// A host name, IP address, e-mail or URI for the SAN extension (repeat)
    #[arg(long = "host", value_name = "HOST")]
    hosts: Vec<String>,
    /// An attribute to put in the certificate, NAME or NAME:opt (repeat; default: the ecert ones)
    #[arg(long = "attr-req", value_name = "NAME[:opt]", value_parser = parse_attr_req)]
    attr_reqs: Vec<AttributeRequest>,
    /// Where the new key is made: transit:[NAME], pkcs11:token=… (default: the wallet's key store; see docs/keys.md)
    #[arg(long, value_name = "SPEC")]
    key: Option<String>,
    /// Replace an identity stored under the label
    #[arg(long)]
    force: bool,
    /// A Fabric CA signing profile: tls (a TLS certificate) or ca (an intermediate CA)
    #[arg(long, value_name = "NAME")]
    profile: Option<String>,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: EnrollArgs) -> Result<()> {
    let ca = open_service(wallet, &a.which)?;
    let secret = enrolment_secret(&a.secret, &a.id)?;
    if let Some(spec) = &a.key {
        let label = a.label.as_deref().unwrap_or(&a.id);
        wallet.key_stores().plan_key_for(label, wallet_core::crypto::KeySpec::parse(spec)?)?;
    }
    let identity = ca.enroll(&EnrollRequest {
        id: a.id,
        secret: Some(secret),
        label: a.label,
        hosts: a.hosts,
        attr_reqs: attr_reqs(a.attr_reqs),
        names: None,
        overwrite: a.force,
        profile: a.profile,
    })?;
    let view = IssuedView::of(&identity);
    ctx.print(|| view.text(), &view)?;
    Ok(())
}
