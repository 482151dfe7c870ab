//! `wallet renew`: reenrol the identities whose certificates end soon (or all), with the
//! embedded CA or a Fabric CA server; one identity at a time, each replaced only once renewed.

use super::ca_target::{parse_within, CaTargetArgs};
use super::examples;
use crate::context::Context;
use crate::error::{exit, CliError, Result};
use crate::view::rfc3339;
use serde::Serialize;
use std::sync::Arc;
use time::OffsetDateTime;
use wallet_core::ca::renewal::{self, Selection};
use wallet_core::ca::ReenrollOptions;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Renew what expires in the next 30 days with the wallet's CA:",
    "    $ wallet renew",
    "  Everything a Fabric CA server issued, keeping the keys (e.g. BFT orderer rotation):",
    "    $ wallet renew --all --same-key --ca https://ca.org1.example.com:7054 --tls-root tls-ca.pem",
    "",
    "A run that stops half-way is finished by running it again: what was renewed has left the window.",
))]
pub struct Args {
    /// Renew every identity the CA issued, whatever its expiry
    #[arg(long, conflicts_with = "within")]
    all: bool,
    /// Renew those that end within this window: 30d, 12h, 90m… [default: 30d]
    #[arg(long, value_parser = parse_within)]
    within: Option<std::time::Duration>,
    /// Keep each identity's key (default: a new key)
    #[arg(long)]
    same_key: bool,
    #[command(flatten)]
    target: CaTargetArgs,
}

#[derive(Debug, Serialize)]
struct Row {
    label: String,
    old_not_after: String,
    new_not_after: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let wallet = Arc::new(ctx.open_wallet()?);
    let ca = args.target.open(&wallet)?;
    let selection = match (args.all, args.within) {
        (true, _) => Selection::All,
        (false, w) => Selection::Within(w.unwrap_or(std::time::Duration::from_secs(30 * 86_400))),
    };
    let issuer = ca.issuer_key_id()?;
    let targets = renewal::select(&wallet, selection, issuer.as_deref(), OffsetDateTime::now_utc())?;
    let bar =
        indicatif::ProgressBar::with_draw_target(Some(targets.len() as u64), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} renewed, {eta} left  {msg}")
            .expect("the template is valid"),
    );
    let options = ReenrollOptions { reuse_key: args.same_key, ..Default::default() };
    let results = renewal::renew(&targets, &options, &|label, o| ca.reenroll(label, o), &mut |done, _, label| {
        bar.set_message(label.to_owned());
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    let rows: Vec<Row> = results
        .into_iter()
        .map(|r| {
            let (new_not_after, error) = match r.result {
                Ok(t) => (Some(t), None),
                Err(e) => (None, Some(e.to_string())),
            };
            Row {
                label: r.label,
                old_not_after: rfc3339(r.old_not_after),
                new_not_after: new_not_after.map(rfc3339),
                error,
            }
        })
        .collect();
    let failed = rows.iter().filter(|r| r.error.is_some()).count();
    ctx.print(
        || {
            let mut lines: Vec<String> = rows
                .iter()
                .map(|r| match (&r.new_not_after, &r.error) {
                    (Some(t), _) => format!("{}\trenewed, valid until {t}", r.label),
                    (None, Some(e)) => format!("{}\tNOT renewed: {e}", r.label),
                    _ => unreachable!("a row is renewed or has an error"),
                })
                .collect();
            lines.push(format!("{} renewed, {failed} failed", rows.len() - failed));
            lines.join("\n")
        },
        &rows,
    )?;
    if failed > 0 {
        return Err(CliError::new(exit::FAILURE, format!("{failed} of {} identities were not renewed", rows.len()))
            .with_hint("each identity not renewed is unchanged; run the same command again to finish"));
    }
    Ok(())
}
