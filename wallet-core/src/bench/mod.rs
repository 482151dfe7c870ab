//! `wallet bench`: rounds of enrol, sign, sign-digest, verify, get, put and list against any
//! wallet, reported per round as Hyperledger Caliper reports them.
//!
//! A [`Plan`] (from flags, or a Caliper-shaped benchmark file: [`Plan::parse`]) lists rounds:
//! an [`Operation`], a number of workers, a transaction count or a duration, and optionally a
//! fixed send rate; and the wallet sizes to run them at. [`run`] grows the wallet to each size
//! ([`fill`]), runs every round ([`runner`]) with the transactions of [`workload`], samples
//! the process's CPU and memory meanwhile ([`resources`]), and adds it up ([`stats`]) into a
//! [`Report`]: a text table, JSON, or an HTML page with charts ([`report`]).
//!
//! ```
//! use std::sync::Arc;
//! use wallet_core::bench::{self, Limit, Operation, Plan};
//! use wallet_core::{backend::OpenOptions, Wallet};
//!
//! let wallet = Arc::new(Wallet::open("memory:", &OpenOptions::new())?);
//! let plan = Plan::from_ops(&[Operation::Get, Operation::Put], 2, Limit::Transactions(20), None, vec![50])?;
//! let report = bench::run(wallet, &plan, &mut |_| {})?;
//! let get = &report.rounds[0];
//! assert_eq!(get.summary.succ + get.summary.fail, 20);
//! assert!(report.to_text().contains("| Name | Succ | Fail | Send Rate (TPS) |"));
//! # Ok::<(), wallet_core::Error>(())
//! ```

pub mod config;
pub mod fill;
pub mod machine;
pub mod report;
pub mod resources;
pub mod runner;
pub mod session;
pub mod stats;
pub mod workload;

pub use config::{Limit, Operation, Plan, RoundSpec};
pub use report::{Report, RoundResult};
pub use session::{run, Progress};
