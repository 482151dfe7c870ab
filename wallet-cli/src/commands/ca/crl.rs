//! `wallet ca crl`: generate a CRL (PEM).

use super::{open_service, AsRegistrar};
use crate::commands::examples;
use crate::context::Context;
use crate::error::Result;
use crate::files::write_output;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use wallet_core::ca::CrlOptions;
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Write the CRL for an MSP folder:",
    "    $ wallet ca crl --out msp/crls/crl.pem",
))]
pub(super) struct CrlArgs {
    #[command(flatten)]
    who: AsRegistrar,
    /// Write the CRL to FILE (default: stdout)
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Time until nextUpdate: 24h, 7d… (default: the CA's, 24h)
    #[arg(long, value_name = "DURATION", value_parser = crate::commands::duration_arg)]
    validity: Option<Duration>,
    /// Deprecated: use --validity with a unit (`--validity 24h`)
    #[arg(long, value_name = "HOURS", hide = true, conflicts_with = "validity")]
    validity_hours: Option<u64>,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: CrlArgs) -> Result<()> {
    let ca = open_service(wallet, &a.who.which)?;
    let validity = match a.validity_hours {
        Some(h) => {
            crate::deprecated::note("--validity-hours N", &format!("--validity {h}h"));
            Some(Duration::from_secs(h * 3600))
        }
        None => a.validity,
    };
    let crl = ca.generate_crl(&a.who.registrar, &CrlOptions { validity, ..Default::default() })?;
    match (&a.out, ctx.json()) {
        (Some(path), _) => {
            write_output(Some(path), crl.to_pem().as_bytes(), false, true)?;
            ctx.print(
                || format!("CRL number {} ({} entries) written to {}", crl.number, crl.entries, path.display()),
                &serde_json::json!({ "number": crl.number, "entries": crl.entries, "file": path }),
            )?;
        }
        (None, true) => ctx.print(
            String::new,
            &serde_json::json!({ "number": crl.number, "entries": crl.entries, "pem": crl.to_pem() }),
        )?,
        (None, false) => write_output(None, crl.to_pem().as_bytes(), false, true)?,
    }
    super::common::report_damage(ca.as_ref())
}
