//! `wallet ca sign-csr`: issue a certificate for a CSR whose key stays with its owner.

use super::common::{attr_reqs, enrolment_secret, parse_attr_req};
use super::{open_service, SecretArgs, Which};
use crate::commands::examples;
use crate::context::Context;
use crate::error::Result;
use crate::files::{read_input, write_output};
use std::path::PathBuf;
use std::sync::Arc;
use wallet_core::ca::{AttributeRequest, EnrollRequest};
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Certify a key that stays with its owner:",
    "    $ wallet ca sign-csr peer0 --secret-file peer0.secret --csr peer0.csr --out peer0.pem",
))]
pub(super) struct SignCsrArgs {
    /// The enrollment ID (must be the CSR's CN)
    id: String,
    #[command(flatten)]
    which: Which,
    #[command(flatten)]
    secret: SecretArgs,
    /// The CSR, PEM or DER (default: stdin)
    #[arg(long, value_name = "FILE")]
    csr: Option<PathBuf>,
    /// Write the certificate (PEM) to FILE (default: stdout)
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// SAN entries (repeat; default: those of the CSR)
    #[arg(long = "host", value_name = "HOST")]
    hosts: Vec<String>,
    /// An attribute to put in the certificate, NAME or NAME:opt (repeat)
    #[arg(long = "attr-req", value_name = "NAME[:opt]", value_parser = parse_attr_req)]
    attr_reqs: Vec<AttributeRequest>,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: SignCsrArgs) -> Result<()> {
    let csr = read_input(a.csr.as_deref())?;
    let ca = open_service(wallet, &a.which)?;
    let secret = enrolment_secret(&a.secret, &a.id)?;
    let reqs = attr_reqs(a.attr_reqs);
    let request =
        EnrollRequest { id: a.id.clone(), secret: Some(secret), hosts: a.hosts, attr_reqs: reqs, ..Default::default() };
    let cert = ca.enroll_csr(&request, &csr)?;
    if ctx.json() {
        let text = serde_json::to_string_pretty(&serde_json::json!({
            "id": a.id, "serial": cert.serial_hex(), "subject": cert.subject(), "certificate": cert.to_pem(),
        }))
        .expect("results always serialize")
            + "\n";
        return write_output(a.out.as_deref(), text.as_bytes(), false, true);
    }
    write_output(a.out.as_deref(), cert.to_pem().as_bytes(), false, true)
}
