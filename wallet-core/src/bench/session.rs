//! A whole benchmark: at each wallet size of the plan, grow the wallet to it, then run every
//! round and add up what it recorded.

use super::config::{Plan, RoundSpec};
use super::fill::{self, FillReport};
use super::machine::Machine;
use super::report::{self, ErrorCount, Report, RoundResult, MAX_ERRORS};
use super::runner::run_round;
use super::stats::Summary;
use super::workload::Workload;
use crate::error::Result;
use crate::wallet::Wallet;
use std::sync::Arc;

/// What a benchmark is doing, for a progress display.
#[derive(Debug)]
pub enum Progress<'a> {
    /// Growing the wallet: `done` of `count` filler identities stored, on the way to `to`.
    Filling {
        /// Identities the wallet will hold.
        to: u64,
        /// Stored so far.
        done: u64,
        /// To store.
        count: u64,
    },
    /// The wallet grew.
    Filled(&'a FillReport),
    /// A round starts.
    Round {
        /// Its spec.
        spec: &'a RoundSpec,
        /// Identities in the wallet.
        identities: u64,
    },
    /// A round ended.
    RoundDone(&'a RoundResult),
}

/// Run `plan` against `wallet`; see the [module](super) documentation.
pub fn run(wallet: Arc<Wallet>, plan: &Plan, progress: &mut dyn FnMut(Progress<'_>)) -> Result<Report> {
    let started =
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let workload = Workload::prepare(wallet.clone())?;
    let mut identities = wallet.list()?.len() as u64;
    let mut fills = Vec::new();
    let mut rounds = Vec::new();
    for &size in &plan.identities {
        if identities < size {
            let count = size - identities;
            let done = fill::grow(&workload, identities, count, &mut |done| {
                progress(Progress::Filling { to: size, done, count })
            })?;
            progress(Progress::Filled(&done));
            identities = done.to;
            fills.push(done);
        }
        for spec in &plan.rounds {
            progress(Progress::Round { spec, identities });
            let at_start = identities;
            let op = spec.operation;
            // Rounds are numbered over the whole run, so each one's new labels are its own.
            let seq = rounds.len();
            let run = run_round(spec, &|n| workload.transaction(op, seq, n));
            let summary = Summary::of(&run.samples);
            if op.grows_wallet() {
                identities += summary.succ;
            }
            let result = RoundResult {
                name: spec.label.clone(),
                operation: op,
                identities: at_start,
                workers: spec.workers,
                rate_tps: spec.rate,
                summary,
                resources: run.resources,
                errors: run
                    .errors
                    .into_iter()
                    .take(MAX_ERRORS)
                    .map(|(message, count)| ErrorCount { message, count })
                    .collect(),
            };
            progress(Progress::RoundDone(&result));
            rounds.push(result);
        }
    }
    Ok(Report {
        name: plan.name.clone(),
        started,
        wallet: wallet.location(),
        machine: Machine::current(),
        plan: plan.clone(),
        fills,
        scaling: report::scaling(&rounds),
        rounds,
    })
}
