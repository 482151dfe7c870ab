//! `wallet ca repair`: mend the damaged registry records of an embedded CA.

use super::CaTargetArgs;
use crate::commands::examples;
use crate::context::Context;
use crate::error::{exit, CliError, Result};
use std::sync::Arc;
use wallet_core::ca::{CaTarget, CertificateAuthority};
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  After `wallet ca identities` reports a damaged CA record:",
    "    $ wallet ca repair",
    "",
    "A damaged registered identity is removed (register it again); an issued certificate is",
    "rebuilt from the wallet identity holding it; a revocation is written again (the certificate",
    "stays revoked); the CRL number restarts above every earlier one; the affiliation tree is",
    "rebuilt from the registered identities.",
))]
pub(super) struct RepairArgs {
    #[command(flatten)]
    which: CaTargetArgs,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: RepairArgs) -> Result<()> {
    let name = match a.which.target(wallet)? {
        CaTarget::Embedded { name } => name,
        CaTarget::Remote(r) => {
            return Err(CliError::new(
                exit::USAGE,
                format!("{} is a Fabric CA server, which keeps its own registry", r.url),
            )
            .with_hint("`wallet ca repair` mends the registry of a CA held in this wallet (--ca NAME)"))
        }
    };
    let ca = CertificateAuthority::open_default(wallet.clone(), name.as_deref())?;
    let mended = ca.mend()?;
    ctx.print(
        || match mended.is_empty() {
            true => format!("no damaged records in CA {}", ca.name()),
            false => mended.iter().map(|m| format!("{}: {}", m.record, m.action)).collect::<Vec<_>>().join("\n"),
        },
        &mended,
    )?;
    let left = mended.iter().filter(|m| !m.mended).count();
    if left > 0 {
        return Err(CliError::new(exit::FAILURE, format!("{left} damaged CA records could not be mended"))
            .with_hint("restore them from a backup of the wallet, or leave them: the rest of the CA works"));
    }
    Ok(())
}
