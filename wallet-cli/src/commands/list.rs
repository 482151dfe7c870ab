//! `wallet list`: the labels in the wallet, optionally with what each certificate says.

use super::examples;
use crate::context::Context;
use crate::error::{exit, CliError, Result};
use crate::view::Validity;
use serde::Serialize;
use time::OffsetDateTime;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  The labels, one per line:",
    "    $ wallet list",
    "  With MSP ID, enrollment ID and expiry (reads every identity):",
    "    $ wallet list --long",
    "  Columns wider than 32 characters are cut with …; JSON has every value whole:",
    "    $ wallet list --long --output json",
))]
pub struct Args {
    /// Also show the MSP ID, enrollment ID and expiry of each identity
    #[arg(long, short)]
    long: bool,
}

#[derive(Debug, Serialize)]
struct Row {
    label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    msp_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    enrollment_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    validity: Option<Validity>,
    /// Why the identity could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let wallet = ctx.open_wallet()?;
    let labels = wallet.list()?;
    if !args.long {
        ctx.print(|| labels.join("\n"), &labels)?;
        return Ok(());
    }
    let now = OffsetDateTime::now_utc();
    let rows: Vec<Row> = labels
        .into_iter()
        .map(|label| match wallet.get(&label) {
            Ok(identity) => Row {
                msp_id: Some(identity.msp_id().to_owned()),
                enrollment_id: Some(identity.fabric_info().enrollment_id),
                validity: Some(Validity::of(identity.certificate(), now)),
                error: None,
                label,
            },
            Err(e) => Row { label, msp_id: None, enrollment_id: None, validity: None, error: Some(e.to_string()) },
        })
        .collect();
    ctx.print(|| table(&rows), &rows)?;
    let unreadable = rows.iter().filter(|r| r.error.is_some()).count();
    if unreadable > 0 {
        return Err(CliError::new(exit::FAILURE, format!("{unreadable} identities could not be read"))
            .with_hint("the other identities are unaffected; `wallet show LABEL` says more about one"));
    }
    Ok(())
}

/// The widest a column of `list --long` gets; longer values end in `…` (JSON has them whole).
const MAX_COLUMN: usize = 32;
/// The widest the last column (expiry, or why an identity cannot be read) gets.
const MAX_LAST_COLUMN: usize = 80;

/// `text`, escaped for the terminal, cut to at most `max` characters, the last one `…` when it
/// was cut (escaped first, so an escape counts toward the width it takes).
fn fit(text: &str, max: usize) -> String {
    let text = &*crate::safe_text::escape(text);
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

fn table(rows: &[Row]) -> String {
    let cells: Vec<[String; 4]> = rows
        .iter()
        .map(|r| {
            let expiry = match (&r.validity, &r.error) {
                (_, Some(e)) => format!("unreadable: {e}"),
                (Some(v), None) => match &v.warning {
                    Some(w) => format!("{}  ({w})", v.not_after),
                    None => v.not_after.clone(),
                },
                (None, None) => String::new(),
            };
            [
                fit(&r.label, MAX_COLUMN),
                fit(r.msp_id.as_deref().unwrap_or_default(), MAX_COLUMN),
                fit(r.enrollment_id.as_deref().unwrap_or_default(), MAX_COLUMN),
                fit(&expiry, MAX_LAST_COLUMN),
            ]
        })
        .collect();
    let header = ["LABEL", "MSP ID", "ENROLLMENT ID", "EXPIRES"].map(String::from);
    let widths: Vec<usize> =
        (0..3).map(|i| cells.iter().chain([&header]).map(|c| c[i].chars().count()).max().unwrap_or(0)).collect();
    std::iter::once(&header)
        .chain(&cells)
        .map(|c| {
            format!(
                "{:<w0$}  {:<w1$}  {:<w2$}  {}",
                c[0],
                c[1],
                c[2],
                c[3],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2]
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}
