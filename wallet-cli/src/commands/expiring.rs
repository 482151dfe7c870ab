//! `wallet expiring`: the identities whose certificates end soon, for people and for scripts.

use super::ca_target::parse_within;
use super::examples;
use crate::context::Context;
use crate::error::{exit, CliError, Result};
use crate::view::rfc3339;
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  What expires in the next 30 days (exit code 1 when anything does):",
    "    $ wallet expiring",
    "  In a cron job: renew only when needed",
    "    $ wallet expiring --within 14d --output json > soon.json || wallet renew --within 14d",
))]
pub struct Args {
    /// The window: 30d, 12h, 90m… (expired certificates are always listed)
    #[arg(long, default_value = "30d", value_parser = parse_within)]
    within: std::time::Duration,
}

#[derive(Debug, Serialize)]
struct Row {
    label: String,
    subject: String,
    not_after: String,
    expired: bool,
    days_left: i64,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let wallet = ctx.open_wallet()?;
    let now = OffsetDateTime::now_utc();
    let found = wallet_core::ca::renewal::expiring(&wallet, args.within, now)?;
    let rows: Vec<Row> = found
        .into_iter()
        .map(|e| Row {
            days_left: (e.not_after - now).whole_days(),
            label: e.label,
            subject: e.subject,
            not_after: rfc3339(e.not_after),
            expired: e.expired,
        })
        .collect();
    ctx.print(
        || {
            rows.iter()
                .map(|r| {
                    let when = if r.expired { "expired".to_owned() } else { format!("{} days left", r.days_left) };
                    format!("{}\t{}\t{when}", r.label, r.not_after)
                })
                .collect::<Vec<_>>()
                .join("\n")
        },
        &rows,
    )?;
    if rows.is_empty() {
        Ok(())
    } else {
        Err(CliError::new(exit::FAILURE, format!("{} identities need renewal", rows.len()))
            .with_hint("renew them with `wallet renew --within …` (add --ca URL for a Fabric CA server)"))
    }
}
