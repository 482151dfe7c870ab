//! `wallet bench`: Caliper-style rounds against a wallet (the engine is `wallet_core::bench`).

use super::examples;
use crate::context::Context;
use crate::error::{exit, CliError, Result};
use crate::files::{read_file, write_private};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use wallet_core::backend::file::KdfParams;
use wallet_core::backend::Unlock;
use wallet_core::bench::{self, Limit, Operation, Plan, Progress};
use wallet_core::Error;

#[derive(Debug, clap::Args)]
#[command(after_long_help = examples!(
    "  Every operation, 1,000 transactions each on 2 workers, in a throwaway memory wallet:",
    "    $ wallet --wallet memory: bench --workers 2",
    "  Get and list in an encrypted file wallet at 1,000, 10,000 and 100,000 identities,",
    "  5 seconds per round, with an HTML report:",
    "    $ WALLET_PASSPHRASE=bench wallet --wallet /tmp/bench-wallet bench --ops get,list \\",
    "        --duration 5 --identities 1000,10000,100000 --html report.html",
    "  Digest signing at a fixed 2,000 TPS for 10 seconds:",
    "    $ wallet --wallet memory: bench --ops sign-digest --rate 2000 --duration 10",
    "  Rounds from a Caliper-shaped benchmark file (YAML or .toml), results as JSON:",
    "    $ wallet --wallet memory: --output json bench --config bench.yaml > results.json",
    "",
    "Operations: enrol (register + enrol with the wallet's CA), sign (a 512-byte message),",
    "sign-digest, verify, get (a random identity), put (a new identity), list; or all.",
    "",
    "A benchmark file has Caliper's shape: test.workers.number, test.identities (wallet sizes),",
    "and test.rounds[], each with label, txNumber or txDuration (seconds), optional rateControl",
    "{ type: fixed-rate, opts: { tps: N } }, optional workers, and optional workload.module",
    "naming the operation when the label does not.",
    "",
    "The wallet is created for the benchmark (it writes thousands of identities); --reuse adds",
    "to an existing one, such as a wallet an earlier run grew. Only names the benchmark owns",
    "are written: bench-ca, bench-ca-admin, bench-signer, fill-*, enrol-*, put-*.",
))]
pub struct Args {
    /// Read the rounds from a Caliper-shaped benchmark FILE (YAML, or TOML when it ends in .toml)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["ops", "workers", "tx", "duration", "rate"])]
    config: Option<PathBuf>,

    /// Operations to run, one round each, comma-separated (default: all)
    #[arg(long, value_name = "OPS", value_delimiter = ',')]
    ops: Vec<String>,

    /// Worker threads per round
    #[arg(long, value_name = "N", default_value_t = 1)]
    workers: usize,

    /// Transactions per round (default 1000 unless --duration is given)
    #[arg(long, value_name = "N", conflicts_with = "duration")]
    tx: Option<u64>,

    /// Seconds per round, instead of a transaction count
    #[arg(long, value_name = "SECONDS")]
    duration: Option<f64>,

    /// Send at a fixed rate (transactions per second over all workers) instead of as fast as possible
    #[arg(long, value_name = "TPS")]
    rate: Option<f64>,

    /// Wallet sizes to run the rounds at, comma-separated; the wallet is filled up to each in
    /// turn (default 1000, or the benchmark file's)
    #[arg(long, value_name = "N,...", value_delimiter = ',')]
    identities: Vec<u64>,

    /// Run in the existing wallet instead of creating one
    #[arg(long)]
    reuse: bool,

    /// Also write the report as JSON to FILE
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,

    /// Also write the report as a self-contained HTML page with charts to FILE
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,

    /// Argon2id cost M,T,P of a file wallet the benchmark creates (as for `wallet init`)
    #[arg(long, env = "WALLET_KDF_PARAMS", value_name = "M,T,P", value_parser = super::init::parse_kdf_params)]
    kdf_params: Option<KdfParams>,
}

pub fn run(ctx: &Context, args: Args) -> Result<()> {
    let plan = plan(&args)?;
    let wallet = if args.reuse {
        ctx.open_wallet()?
    } else {
        ctx.create_wallet(args.kdf_params, Unlock::Passphrase).map_err(|e| match e.code() {
            exit::EXISTS => e.with_hint(
                "the benchmark writes thousands of identities: give --wallet a new location, or pass --reuse",
            ),
            _ => e,
        })?
    };
    let bar = indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    bar.set_style(indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}").expect("the template is valid"));
    bar.enable_steady_tick(Duration::from_millis(200));
    let report = bench::run(Arc::new(wallet), &plan, &mut |p| match p {
        Progress::Filling { to, done, count } => bar.set_message(format!("growing the wallet to {to}: {done}/{count}")),
        Progress::Filled(_) => {}
        Progress::Round { spec, identities } => {
            bar.set_message(format!("round {} ({}) at {identities} identities", spec.label, spec.operation))
        }
        Progress::RoundDone(_) => {}
    });
    bar.finish_and_clear();
    let report = report?;
    if let Some(path) = &args.json {
        write_private(path, (report.to_json() + "\n").as_bytes(), true)?;
    }
    if let Some(path) = &args.html {
        write_private(path, report.to_html().as_bytes(), true)?;
    }
    ctx.print(|| report.to_text(), &report)?;
    Ok(())
}

/// The plan the flags or the benchmark file give.
fn plan(args: &Args) -> Result<Plan> {
    let usage = |e: Error, hint: &str| CliError::usage(e.to_string()).with_hint(hint.to_owned());
    if let Some(path) = &args.config {
        let text = read_file(path)?;
        let text =
            String::from_utf8(text).map_err(|_| CliError::usage(format!("{} is not UTF-8 text", path.display())))?;
        let mut plan = Plan::parse(&text, &path.display().to_string())
            .map_err(|e| usage(e, "see `wallet bench --help` for the benchmark file's shape"))?;
        if !args.identities.is_empty() {
            let mut sizes = args.identities.clone();
            sizes.sort_unstable();
            sizes.dedup();
            plan.identities = sizes;
        }
        return Ok(plan);
    }
    let ops = if args.ops.is_empty() || args.ops.iter().any(|o| o == "all") {
        Operation::ALL.to_vec()
    } else {
        args.ops
            .iter()
            .map(|name| {
                Operation::parse(name).ok_or_else(|| {
                    CliError::usage(format!("--ops: {name:?} is not an operation"))
                        .with_hint("use enrol, sign, sign-digest, verify, get, put, list or all")
                })
            })
            .collect::<Result<Vec<_>>>()?
    };
    let limit = match (args.tx, args.duration) {
        (_, Some(s)) if !(s.is_finite() && s > 0.0 && s < 1e7) => {
            return Err(CliError::usage(format!("--duration {s}: give a positive number of seconds")))
        }
        (_, Some(s)) => Limit::Duration(Duration::from_secs_f64(s)),
        (n, None) => Limit::Transactions(n.unwrap_or(1000)),
    };
    Plan::from_ops(&ops, args.workers, limit, args.rate, args.identities.clone())
        .map_err(|e| usage(e, "see `wallet bench --help`"))
}
