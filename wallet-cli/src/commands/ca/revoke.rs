//! `wallet ca revoke`: revoke an identity (all its certificates) or one certificate.

use super::{open_service, AsRegistrar};
use crate::commands::examples;
use crate::context::Context;
use crate::error::{CliError, Result};
use crate::files::write_output;
use std::path::PathBuf;
use std::sync::Arc;
use wallet_core::ca::{CrlOptions, RevocationReason, RevokeTarget};
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  An identity and all its certificates, then a new CRL:",
    "    $ wallet ca revoke user1 --reason keycompromise --gencrl crl.pem",
    "  One certificate:",
    "    $ wallet ca revoke --serial 42f30ac6… --aki 49ff8341… --reason superseded",
))]
pub(super) struct RevokeArgs {
    #[command(flatten)]
    who: AsRegistrar,
    /// Revoke this identity (enrollment ID) and all its certificates
    #[arg(conflicts_with_all = ["serial", "aki"], required_unless_present_any = ["serial", "old_id"])]
    id: Option<String>,
    /// Deprecated spelling of ID
    #[arg(long = "id", value_name = "ID", hide = true, conflicts_with_all = ["id", "serial", "aki"])]
    old_id: Option<String>,
    /// Revoke the certificate with this serial (hex)…
    #[arg(long, requires = "aki")]
    serial: Option<String>,
    /// …and this authority key identifier (hex)
    #[arg(long, requires = "serial")]
    aki: Option<String>,
    /// Reason: unspecified, keycompromise, cacompromise, affiliationchanged, superseded,
    /// cessationofoperation, certificatehold, privilegewithdrawn, aacompromise
    #[arg(long, default_value = "unspecified", value_parser = parse_reason)]
    reason: RevocationReason,
    /// Also generate a CRL and write it to this file
    #[arg(long, value_name = "FILE")]
    gencrl: Option<PathBuf>,
}

fn parse_reason(s: &str) -> std::result::Result<RevocationReason, String> {
    s.parse().map_err(|e: wallet_core::ca::CaError| e.to_string())
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: RevokeArgs) -> Result<()> {
    let ca = open_service(wallet, &a.who.which)?;
    let id = crate::deprecated::subject(a.id, a.old_id, "`wallet ca revoke --id ID`", "`wallet ca revoke ID`");
    let target = match (id, a.serial, a.aki) {
        (Some(id), _, _) => RevokeTarget::Identity(id),
        (None, Some(serial), Some(aki)) => RevokeTarget::Certificate { serial, aki },
        _ => return Err(CliError::usage("give the ID to revoke, or --serial with --aki")),
    };
    let revoked = ca.revoke(&a.who.registrar, &target, a.reason)?;
    let crl = match &a.gencrl {
        Some(path) => {
            let crl = ca.generate_crl(&a.who.registrar, &CrlOptions::default())?;
            write_output(Some(path), crl.to_pem().as_bytes(), false, true)?;
            Some(crl.number)
        }
        None => None,
    };
    ctx.print(
        || {
            let mut t: Vec<String> =
                revoked.iter().map(|r| format!("revoked serial {} (AKI {})", r.serial, r.aki)).collect();
            if let (Some(n), Some(p)) = (crl, &a.gencrl) {
                t.push(format!("CRL number {n} written to {}", p.display()));
            }
            t.join("\n")
        },
        &serde_json::json!({ "revoked": revoked, "reason": a.reason, "crl_number": crl }),
    )?;
    Ok(())
}
