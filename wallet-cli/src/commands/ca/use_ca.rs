//! `wallet ca use`: set, show or clear the wallet's default CA.

use super::CaTargetArgs;
use crate::commands::examples;
use crate::context::Context;
use crate::error::{CliError, Result};
use serde::Serialize;
use std::sync::Arc;
use wallet_core::ca::target::{self, CaTarget};
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  A Fabric CA server as the default, checked now; then short commands:",
    "    $ wallet ca use https://ca.org1.example.com:7054 --tls-root tls-ca.pem --msp-id Org1MSP",
    "    $ wallet ca enroll admin --secret-file admin.secret",
    "  An embedded CA as the default, show the default, forget it:",
    "    $ wallet ca use org1-ca",
    "    $ wallet ca use",
    "    $ wallet ca use --clear",
    "",
    "The default is kept in the wallet (on every backend), with the TLS root and client TLS pair",
    "given here; flags given to a later command override it for that command.",
))]
pub(super) struct UseArgs {
    /// The CA: a Fabric CA URL (https://host:port[/path]) or an embedded CA's name (or --ca)
    #[arg(value_name = "URL|NAME")]
    spec: Option<String>,
    #[command(flatten)]
    which: CaTargetArgs,
    /// Forget the default CA
    #[arg(long, conflicts_with_all = ["spec", "ca_name", "tls_root", "client_cert", "client_key", "msp_id"])]
    clear: bool,
    /// Do not ask the CA for its information first (set it even if it cannot be reached now)
    #[arg(long)]
    no_check: bool,
}

#[derive(Serialize)]
struct View {
    default: Option<String>,
    kind: Option<&'static str>,
    ca_name: Option<String>,
    msp_id: Option<String>,
    tls_root: bool,
    client_tls: bool,
}

impl View {
    fn of(t: Option<&CaTarget>) -> Self {
        let remote = match t {
            Some(CaTarget::Remote(r)) => Some(r),
            _ => None,
        };
        Self {
            default: t.map(|t| match t {
                CaTarget::Remote(r) => r.url.clone(),
                other => other.display(),
            }),
            kind: t.map(|t| if t.is_remote() { "remote" } else { "embedded" }),
            ca_name: remote.and_then(|r| r.ca_name.clone()),
            msp_id: remote.and_then(|r| r.msp_id.clone()),
            tls_root: remote.is_some_and(|r| r.tls_root_pem.is_some()),
            client_tls: remote.is_some_and(|r| r.client_cert_pem.is_some()),
        }
    }

    fn text(&self) -> String {
        let Some(d) = &self.default else { return "no default CA".into() };
        let mut s = format!("default CA: {d} ({})", self.kind.unwrap_or_default());
        for (k, v) in [("CA name", &self.ca_name), ("MSP ID", &self.msp_id)] {
            if let Some(v) = v {
                s += &format!("\n  {k}  {v}");
            }
        }
        if self.tls_root {
            s += "\n  TLS root  stored";
        }
        if self.client_tls {
            s += "\n  client TLS  stored";
        }
        s
    }
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: UseArgs) -> Result<()> {
    if a.clear {
        let had = target::clear_default(wallet)?;
        ctx.print(
            || if had { "default CA cleared".into() } else { "no default CA was set".into() },
            &serde_json::json!({ "cleared": had }),
        )?;
        return Ok(());
    }
    if a.spec.is_none() && !a.which.names_a_ca() {
        let current = target::default_ca(wallet)?;
        let view = View::of(current.as_ref());
        ctx.print(|| view.text(), &view)?;
        return Ok(());
    }
    // Only what was given now: a new default does not inherit the old one's settings.
    let t = a.which.target_ignoring_default(wallet, a.spec.as_deref())?;
    if !a.no_check {
        let info = t.open(wallet.clone()).and_then(|ca| ca.info()).map_err(|e| {
            CliError::from(e).with_hint("nothing was set; fix the address or TLS settings, or pass --no-check")
        })?;
        if let CaTarget::Remote(_) = &t {
            crate::safe_text::eprintln_escaped!(
                "{} answered: CA {:?}, {}",
                t.display(),
                info.name,
                info.version.unwrap_or_default()
            );
        }
    }
    target::set_default(wallet, &t)?;
    let view = View::of(Some(&t));
    ctx.print(|| view.text(), &view)?;
    Ok(())
}
