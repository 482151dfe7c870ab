//! `wallet ca bulk-enroll`: register and enrol many identities from a CSV file.

use super::{open_service, AsRegistrar};
use crate::commands::examples;
use crate::context::Context;
use crate::error::{exit, CliError, Result};
use crate::files::read_file;
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;
use wallet_core::ca::{BulkOptions, BulkOutcome, BulkRow};
use wallet_core::Wallet;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Enrol everyone in users.csv (id,type,affiliation,attributes); rerun after a failure:",
    "    $ wallet ca bulk-enroll --csv users.csv",
))]
pub(super) struct BulkArgs {
    /// CSV file: id,type,affiliation,attributes (attributes: name=value[:ecert];…), header optional
    #[arg(long, value_name = "FILE")]
    csv: PathBuf,
    #[command(flatten)]
    who: AsRegistrar,
    /// Maximum enrolments of the new identities (default: the CA's)
    #[arg(long, allow_negative_numbers = true)]
    max_enrollments: Option<i32>,
    /// Rows in flight at once with a Fabric CA server (default 8)
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,
}

pub(super) fn run(ctx: &Context, wallet: &Arc<Wallet>, a: BulkArgs) -> Result<()> {
    let bytes = read_file(&a.csv)?;
    let rows = BulkRow::parse_csv_named(&bytes, &a.csv.display().to_string())
        .map_err(|e| CliError::from(wallet_core::Error::from(e)).with_code(exit::USAGE))?;
    let ca = open_service(wallet, &a.who.which)?;
    let total = rows.len() as u64;
    let bar = indicatif::ProgressBar::with_draw_target(Some(total), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} enrolled, {per_sec}, {eta} left  {msg}")
            .expect("the template is valid"),
    );
    let mut failures: Vec<(String, String)> = vec![];
    let report = ca.bulk_enroll(
        &a.who.registrar,
        rows,
        &BulkOptions { max_enrollments: a.max_enrollments, concurrency: a.concurrency },
        &mut |p| {
            if let BulkOutcome::Failed(e) = p.outcome {
                bar.suspend(|| crate::safe_text::eprintln_escaped!("{}: {e}", p.id));
                failures.push((p.id.to_owned(), e.to_string()));
            }
            bar.set_position(p.done as u64);
        },
    );
    bar.finish_and_clear();
    let report = report?;
    #[derive(Serialize)]
    struct Failure {
        id: String,
        error: String,
    }
    let failed: Vec<Failure> = failures.into_iter().map(|(id, error)| Failure { id, error }).collect();
    ctx.print(
        || format!("{} enrolled, {} already enrolled, {} refused", report.enrolled, report.skipped, failed.len()),
        &serde_json::json!({ "enrolled": report.enrolled, "skipped": report.skipped, "failed": failed }),
    )?;
    if !failed.is_empty() {
        return Err(CliError::new(exit::FAILURE, format!("{} rows were refused", failed.len()))
            .with_hint("fix those rows and run the same command again: enrolled identities are skipped"));
    }
    Ok(())
}
