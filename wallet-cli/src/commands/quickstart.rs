//! `wallet quickstart`: a CA, its admin and a user, a signature made and checked — in one go.

use super::examples;
use crate::context::Context;
use crate::error::{exit, CliError, Result};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use serde::Serialize;
use std::sync::Arc;
use wallet_core::backend::Unlock;
use wallet_core::ca::{
    Attribute, BootstrapOptions, CaError, CaOptions, CaService, CertificateAuthority, EnrollRequest,
    RegistrationRequest,
};
use wallet_core::crypto::verify;
use wallet_core::sign::SignInput;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Everything in a new wallet, with no prompt:",
    "    $ WALLET_PASSPHRASE=… wallet --wallet ./demo quickstart",
    "  Then look at what it made:",
    "    $ wallet --wallet ./demo list --long",
    "    $ wallet --wallet ./demo ca identities",
    "",
    "Creates the wallet if there is none, a root CA with its bootstrap admin (enrolled as label",
    "admin), registers and enrols a client in org1.department1, signs a message as it and",
    "verifies the signature against its certificate.",
))]
pub struct Args {
    /// Name of the CA to create
    #[arg(long, default_value = "org1-ca")]
    ca: String,
    /// MSP ID of the identities
    #[arg(long, default_value = "Org1MSP")]
    msp_id: String,
    /// Enrollment ID (and label) of the user
    #[arg(long, default_value = "user1")]
    user: String,
}

#[derive(Serialize)]
struct Made {
    wallet: String,
    wallet_created: bool,
    ca: String,
    ca_subject: String,
    admin_label: String,
    user_label: String,
    user_subject: String,
    user_serial: String,
    user_attributes: std::collections::BTreeMap<String, String>,
    message: String,
    signature: String,
    verified: bool,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let (wallet, created) = match ctx.open_wallet() {
        Ok(w) => (w, false),
        Err(e) if e.code() == exit::NOT_FOUND => (ctx.create_wallet(None, Unlock::Passphrase)?, true),
        Err(e) => return Err(e),
    };
    // Refuse before anything is made: the CA's name first, then the user's label (the admin's
    // is the bootstrap's to check).
    let exists = || {
        CliError::new(exit::EXISTS, format!("this wallet already has a CA named {:?}", args.ca))
            .with_hint("pass --ca with another name, or use `wallet ca` commands on the existing CA")
    };
    if CertificateAuthority::list(&wallet)?.contains(&args.ca) {
        return Err(exists());
    }
    if wallet.contains(&args.user)? {
        return Err(wallet_core::Error::AlreadyExists {
            kind: "identity",
            name: args.user.clone(),
            location: wallet.location(),
        }
        .into());
    }
    let options = BootstrapOptions::root(CaOptions::new(&args.ca, &args.msp_id));
    let done = CertificateAuthority::bootstrap(Arc::new(wallet), &options).map_err(|e| match e {
        wallet_core::Error::Ca(CaError::CaExists { .. }) => exists(),
        e => e.into(),
    })?;
    let wallet = done.ca.wallet().clone();
    let admin = done.admin.expect("bootstrap enrols the admin by default");
    let ca: &dyn CaService = &done.ca;
    let secret = ca.register(
        admin.label(),
        &RegistrationRequest {
            id: args.user.clone(),
            identity_type: Some("client".into()),
            affiliation: Some("org1.department1".into()),
            attributes: vec![Attribute::new("role", "member", true)],
            ..Default::default()
        },
    )?;
    let user = ca.enroll(&EnrollRequest { id: args.user.clone(), secret: Some(secret), ..Default::default() })?;
    let message = format!("hello from {}", user.label());
    let signature = user.sign_input(SignInput::Message(message.as_bytes()))?.signature;
    let verified = verify(&user.certificate().public_key()?, message.as_bytes(), &signature).is_ok();
    let info = ca.info()?;
    let made = Made {
        wallet: wallet.location(),
        wallet_created: created,
        ca: info.name,
        ca_subject: info.chain[0].subject(),
        admin_label: admin.label().into(),
        user_label: user.label().into(),
        user_subject: user.certificate().subject(),
        user_serial: user.certificate().serial_hex(),
        user_attributes: user.fabric_info().attributes,
        message,
        signature: B64.encode(&signature),
        verified,
    };
    ctx.print(
        || {
            format!(
                "{} wallet {}\ncreated CA {} ({})\nenrolled the CA's bootstrap admin as label {:?}\n\
                 registered and enrolled {:?}: {}\n  serial {}\nsigned {:?}: {}\nsignature verified: {}",
                if made.wallet_created { "created" } else { "using" },
                made.wallet,
                made.ca,
                made.ca_subject,
                made.admin_label,
                made.user_label,
                made.user_subject,
                made.user_serial,
                made.message,
                made.signature,
                if made.verified { "yes" } else { "NO" },
            )
        },
        &made,
    )?;
    if !verified {
        return Err(CliError::new(exit::FAILURE, "the signature made by the new identity did not verify"));
    }
    Ok(())
}
