//! A benchmark's results and their three forms: a text table with Caliper's columns
//! ([`text`]), JSON ([`Report::to_json`]), and a self-contained HTML page with inline SVG
//! charts ([`html`]).

pub mod html;
mod svg;
pub mod text;

use super::config::{Operation, Plan};
use super::fill::FillReport;
use super::machine::Machine;
use super::resources::Resources;
use super::stats::Summary;
use serde::Serialize;

/// One round's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundResult {
    /// The round's label.
    pub name: String,
    /// What it did.
    pub operation: Operation,
    /// Identities in the wallet when it started.
    pub identities: u64,
    /// Worker threads.
    pub workers: usize,
    /// The fixed send rate it was given, if any.
    pub rate_tps: Option<f64>,
    /// Counts, rates and latencies.
    #[serde(flatten)]
    pub summary: Summary,
    /// CPU and memory of the process while it ran.
    pub resources: Option<Resources>,
    /// Why transactions failed, most frequent first (at most [`MAX_ERRORS`]).
    pub errors: Vec<ErrorCount>,
}

/// Distinct error messages kept per round.
pub const MAX_ERRORS: usize = 5;

/// An error message and how many transactions failed with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorCount {
    /// The message.
    pub message: String,
    /// Transactions.
    pub count: u64,
}

/// The cost of one operation at one wallet size: seconds per transaction, or for `list`, per
/// identity listed (so that work proportional to the wallet shows as a flat line).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScalingPoint {
    /// The operation.
    pub operation: Operation,
    /// Identities in the wallet.
    pub identities: u64,
    /// Mean latency in seconds.
    pub avg_latency_s: f64,
    /// What is plotted: seconds per transaction, per listed identity for `list`.
    pub cost_s: f64,
    /// What `cost_s` is per.
    pub per: &'static str,
}

/// A whole benchmark's results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The benchmark's name.
    pub name: String,
    /// When it started (RFC 3339, UTC).
    pub started: String,
    /// The wallet it ran against.
    pub wallet: String,
    /// The machine.
    pub machine: Machine,
    /// What it ran.
    pub plan: Plan,
    /// How the wallet was grown between sizes.
    pub fills: Vec<FillReport>,
    /// Every round, in the order they ran.
    pub rounds: Vec<RoundResult>,
    /// Cost against wallet size, per operation (from the rounds).
    pub scaling: Vec<ScalingPoint>,
}

impl Report {
    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("reports always serialize")
    }

    /// The text table.
    pub fn to_text(&self) -> String {
        text::render(self)
    }

    /// The HTML page.
    pub fn to_html(&self) -> String {
        html::render(self)
    }
}

/// Scaling points of `rounds`: for each operation and wallet size, the mean over its rounds
/// there (weighted by successful transactions).
pub fn scaling(rounds: &[RoundResult]) -> Vec<ScalingPoint> {
    let mut acc: std::collections::BTreeMap<(Operation, u64), (f64, u64)> = Default::default();
    for r in rounds {
        if let Some(l) = &r.summary.latency {
            let e = acc.entry((r.operation, r.identities)).or_default();
            e.0 += l.avg_s * r.summary.succ as f64;
            e.1 += r.summary.succ;
        }
    }
    acc.into_iter()
        .map(|((operation, identities), (sum, n))| {
            let avg = sum / n as f64;
            let (cost_s, per) = if operation == Operation::List {
                (avg / identities.max(1) as f64, "identity listed")
            } else {
                (avg, "transaction")
            };
            ScalingPoint { operation, identities, avg_latency_s: avg, cost_s, per }
        })
        .collect()
}
