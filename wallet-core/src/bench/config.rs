//! What a benchmark runs: its rounds, from flags or from a benchmark file shaped like
//! Hyperledger Caliper's benchmark configuration.
//!
//! ```yaml
//! test:
//!   name: wallet
//!   workers:
//!     number: 2            # worker threads of every round (default 1)
//!   identities: [1000, 10000]   # wallet sizes to run the rounds at (default [1000])
//!   rounds:
//!     - label: get         # the round's name; also its operation unless workload.module says
//!       txNumber: 5000     # or txDuration: 10 (seconds)
//!       rateControl:
//!         type: fixed-rate # or maximum-rate / omitted: as fast as the workers go
//!         opts: { tps: 2000 }
//!     - label: sign-after-get
//!       txDuration: 5
//!       workload:
//!         module: sign     # enrol, sign, sign-digest, verify, get, put, list
//! ```
//!
//! The same shape in TOML (`[test]`, `[[test.rounds]]`) is read from a `.toml` file. Fields
//! Caliper has and a wallet has no use for (`description`, `workload.arguments`) are accepted
//! and ignored; unknown fields and unsupported rate controls are refused with the field named.

use crate::error::{FormatError, Result};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// One operation a round repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Operation {
    /// Register a new identity with the wallet's CA and enrol it with its secret (a new key and
    /// certificate stored in the wallet).
    Enrol,
    /// Sign a 512-byte message (hashed with SHA-256) as one identity, through [`crate::sign`].
    Sign,
    /// Sign a precomputed SHA-256 digest, as Fabric's gateway clients do.
    SignDigest,
    /// Verify a signature with an identity's public key.
    Verify,
    /// Load a random identity, ready to sign.
    Get,
    /// Store a new identity (a create, durable on return).
    Put,
    /// List every label in the wallet.
    List,
}

impl Operation {
    /// Every operation, in the order `--ops all` runs them.
    /// Those that grow the wallet come last, so the others run at the size asked for.
    pub const ALL: [Operation; 7] = [
        Operation::Sign,
        Operation::SignDigest,
        Operation::Verify,
        Operation::Get,
        Operation::List,
        Operation::Put,
        Operation::Enrol,
    ];

    /// The name used in flags, files and reports.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Enrol => "enrol",
            Operation::Sign => "sign",
            Operation::SignDigest => "sign-digest",
            Operation::Verify => "verify",
            Operation::Get => "get",
            Operation::Put => "put",
            Operation::List => "list",
        }
    }

    /// Whether a transaction of this operation adds an identity to the wallet.
    pub fn grows_wallet(self) -> bool {
        matches!(self, Operation::Enrol | Operation::Put)
    }

    /// The operation called `name` (`enroll` and `sign_digest` are accepted too).
    pub fn parse(name: &str) -> Option<Operation> {
        let norm = name.trim().to_ascii_lowercase().replace('_', "-");
        match norm.as_str() {
            "enroll" => Some(Operation::Enrol),
            "signdigest" => Some(Operation::SignDigest),
            _ => Operation::ALL.into_iter().find(|op| op.name() == norm),
        }
    }

    fn names() -> String {
        Operation::ALL.iter().map(|o| o.name()).collect::<Vec<_>>().join(", ")
    }
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// When a round stops.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// After this many transactions (Caliper's `txNumber`).
    Transactions(u64),
    /// After this long (Caliper's `txDuration`); transactions under way finish.
    Duration(#[serde(with = "seconds")] Duration),
}

mod seconds {
    pub fn serialize<S: serde::Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}

/// One round: an operation repeated by some workers until its limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoundSpec {
    /// The round's name in reports.
    pub label: String,
    /// What each transaction does.
    pub operation: Operation,
    /// Worker threads.
    pub workers: usize,
    /// When the round stops.
    pub limit: Limit,
    /// Fixed send rate in transactions per second over all workers (`None`: as fast as they go).
    pub rate: Option<f64>,
}

/// A whole benchmark: rounds run in order at each wallet size.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// The benchmark's name.
    pub name: String,
    /// Wallet sizes, ascending: before the rounds at a size, the wallet is filled up to it.
    pub identities: Vec<u64>,
    /// The rounds, in order.
    pub rounds: Vec<RoundSpec>,
}

/// The wallet size a plan runs at when none is given.
pub const DEFAULT_IDENTITIES: u64 = 1000;

impl Plan {
    /// A plan from flags: one round per operation, all alike. `what` names the source in errors.
    pub fn from_ops(
        ops: &[Operation],
        workers: usize,
        limit: Limit,
        rate: Option<f64>,
        identities: Vec<u64>,
    ) -> Result<Plan> {
        let rounds = ops
            .iter()
            .map(|&operation| RoundSpec { label: operation.name().to_owned(), operation, workers, limit, rate })
            .collect();
        let plan = Plan { name: "wallet".into(), identities, rounds };
        plan.validated("the command line")
    }

    /// Parse a benchmark file's text; `path` names it in errors and picks the syntax (`.toml`
    /// is TOML, anything else YAML).
    pub fn parse(text: &str, path: &str) -> Result<Plan> {
        let file: File = if path.to_ascii_lowercase().ends_with(".toml") {
            toml::from_str(text).map_err(|e| invalid(path, format!("not valid TOML: {}", e.message().trim())))?
        } else {
            serde_yaml_ng::from_str(text).map_err(|e| invalid(path, format!("not valid YAML: {e}")))?
        };
        let test = file.test;
        let default_workers = test.workers.map(|w| w.number).unwrap_or(1);
        let mut rounds = Vec::with_capacity(test.rounds.len());
        for (i, round) in test.rounds.into_iter().enumerate() {
            let at = |detail: String| invalid(path, format!("test.rounds[{i}] ({:?}): {detail}", round.label));
            let module = round.workload.and_then(|w| w.module);
            let op_name = module.as_deref().unwrap_or(&round.label);
            let operation = Operation::parse(op_name).ok_or_else(|| {
                let field = if module.is_some() { "workload.module" } else { "label" };
                at(format!("{field} {op_name:?} is not an operation; use one of {}", Operation::names()))
            })?;
            let limit = match (round.tx_number, round.tx_duration) {
                (Some(n), None) => Limit::Transactions(n),
                (None, Some(s)) if s.is_finite() && s > 0.0 && s < 1e7 => Limit::Duration(Duration::from_secs_f64(s)),
                (None, Some(s)) => return Err(at(format!("txDuration {s} is not a positive number of seconds"))),
                (Some(_), Some(_)) => return Err(at("give txNumber or txDuration, not both".into())),
                (None, None) => return Err(at("give txNumber (transactions) or txDuration (seconds)".into())),
            };
            let rate = match round.rate_control {
                None => None,
                Some(rc) => match rc.kind.as_str() {
                    "fixed-rate" => match rc.opts.and_then(|o| o.tps) {
                        Some(tps) => Some(tps),
                        None => return Err(at("rateControl fixed-rate needs opts.tps".into())),
                    },
                    "maximum-rate" | "none" => None,
                    other => {
                        return Err(at(format!(
                            "rateControl type {other:?} is not supported; use fixed-rate (with opts.tps) or leave rateControl out"
                        )))
                    }
                },
            };
            rounds.push(RoundSpec {
                label: round.label,
                operation,
                workers: round.workers.unwrap_or(default_workers),
                limit,
                rate,
            });
        }
        let identities = match test.identities {
            None => vec![DEFAULT_IDENTITIES],
            Some(OneOrMany::One(n)) => vec![n],
            Some(OneOrMany::Many(v)) => v,
        };
        Plan { name: test.name.unwrap_or_else(|| "wallet".into()), identities, rounds }.validated(path)
    }

    /// Check what both sources share; sort the sizes.
    fn validated(mut self, what: &str) -> Result<Plan> {
        if self.rounds.is_empty() {
            return Err(invalid(what, "no rounds: a benchmark needs at least one (test.rounds, or --ops)".into()));
        }
        for (i, r) in self.rounds.iter().enumerate() {
            let at = |detail: String| invalid(what, format!("round {i} ({:?}): {detail}", r.label));
            if r.label.trim().is_empty() {
                return Err(at("the label is empty".into()));
            }
            if r.workers == 0 || r.workers > 1024 {
                return Err(at(format!("{} workers; give 1 to 1024", r.workers)));
            }
            if r.limit == Limit::Transactions(0) {
                return Err(at("txNumber is 0; give at least 1 transaction".into()));
            }
            if let Some(tps) = r.rate {
                if !(tps.is_finite() && tps > 0.0) {
                    return Err(at(format!("send rate {tps} TPS is not a positive number")));
                }
            }
        }
        if self.identities.is_empty() {
            self.identities.push(DEFAULT_IDENTITIES);
        }
        if let Some(n) = self.identities.iter().find(|&&n| n > MAX_IDENTITIES) {
            return Err(invalid(what, format!("{n} identities is more than this benchmark makes ({MAX_IDENTITIES})")));
        }
        self.identities.sort_unstable();
        self.identities.dedup();
        Ok(self)
    }
}

/// The largest wallet a benchmark fills.
pub const MAX_IDENTITIES: u64 = 100_000_000;

fn invalid(what: &str, detail: String) -> crate::Error {
    FormatError::invalid("benchmark", what, detail).into()
}

// The file's shape (Caliper's names).

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    test: Test,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Test {
    name: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    workers: Option<Workers>,
    identities: Option<OneOrMany>,
    rounds: Vec<Round>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(u64),
    Many(Vec<u64>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Workers {
    #[serde(default = "one")]
    number: usize,
    #[serde(rename = "type", default)]
    #[allow(dead_code)]
    kind: Option<String>,
}

fn one() -> usize {
    1
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Round {
    label: String,
    #[allow(dead_code)]
    description: Option<String>,
    tx_number: Option<u64>,
    tx_duration: Option<f64>,
    rate_control: Option<RateControl>,
    workers: Option<usize>,
    workload: Option<Workload>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RateControl {
    #[serde(rename = "type")]
    kind: String,
    opts: Option<RateOpts>,
}

#[derive(Deserialize)]
struct RateOpts {
    tps: Option<f64>,
}

#[derive(Deserialize)]
struct Workload {
    module: Option<String>,
    #[allow(dead_code)]
    arguments: Option<serde::de::IgnoredAny>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    const YAML: &str = "
test:
  name: wallet-at-scale
  description: a Caliper-shaped file
  workers:
    number: 3
  identities: [10000, 1000]
  rounds:
    - label: get
      txNumber: 500
      rateControl:
        type: fixed-rate
        opts: { tps: 250 }
    - label: signing
      description: digest signing for 2 s
      txDuration: 2
      workers: 1
      workload:
        module: sign-digest
        arguments: { anything: [1, 2] }
    - label: list
      txNumber: 3
      rateControl: { type: maximum-rate }
";

    const TOML: &str = r#"
[test]
name = "wallet-at-scale"
identities = [10000, 1000]
workers = { number = 3 }

[[test.rounds]]
label = "get"
txNumber = 500
rateControl = { type = "fixed-rate", opts = { tps = 250 } }

[[test.rounds]]
label = "signing"
txDuration = 2
workers = 1
workload = { module = "sign-digest" }

[[test.rounds]]
label = "list"
txNumber = 3
rateControl = { type = "maximum-rate" }
"#;

    fn expected() -> Plan {
        Plan {
            name: "wallet-at-scale".into(),
            identities: vec![1000, 10000],
            rounds: vec![
                RoundSpec {
                    label: "get".into(),
                    operation: Operation::Get,
                    workers: 3,
                    limit: Limit::Transactions(500),
                    rate: Some(250.0),
                },
                RoundSpec {
                    label: "signing".into(),
                    operation: Operation::SignDigest,
                    workers: 1,
                    limit: Limit::Duration(Duration::from_secs(2)),
                    rate: None,
                },
                RoundSpec {
                    label: "list".into(),
                    operation: Operation::List,
                    workers: 3,
                    limit: Limit::Transactions(3),
                    rate: None,
                },
            ],
        }
    }

    #[test]
    fn a_caliper_shaped_yaml_file_and_the_same_in_toml_give_one_plan() {
        assert_eq!(Plan::parse(YAML, "bench.yaml").unwrap(), expected());
        assert_eq!(Plan::parse(TOML, "bench.toml").unwrap(), expected());
    }

    fn detail(e: Error) -> String {
        match e {
            Error::Format(FormatError::Invalid { format: "benchmark", what, detail, .. }) => {
                format!("{what}: {detail}")
            }
            other => panic!("not a benchmark error: {other:?}"),
        }
    }

    #[test]
    fn a_bad_file_is_refused_with_the_file_the_round_and_the_fix() {
        let cases = [
            ("test:\n  rounds:\n    - label: fly\n      txNumber: 1\n", "test.rounds[0] (\"fly\"): label \"fly\" is not an operation; use one of sign, sign-digest"),
            ("test:\n  rounds:\n    - label: x\n      txNumber: 1\n      workload: { module: teleport }\n", "workload.module \"teleport\" is not an operation"),
            ("test:\n  rounds:\n    - label: get\n", "give txNumber (transactions) or txDuration (seconds)"),
            ("test:\n  rounds:\n    - label: get\n      txNumber: 1\n      txDuration: 1\n", "not both"),
            ("test:\n  rounds:\n    - label: get\n      txDuration: -1\n", "txDuration -1 is not a positive number of seconds"),
            ("test:\n  rounds:\n    - label: get\n      txNumber: 1\n      rateControl: { type: linear-rate }\n", "rateControl type \"linear-rate\" is not supported; use fixed-rate"),
            ("test:\n  rounds:\n    - label: get\n      txNumber: 1\n      rateControl: { type: fixed-rate }\n", "fixed-rate needs opts.tps"),
            ("test:\n  rounds:\n    - label: get\n      txNumber: 1\n      rateControl: { type: fixed-rate, opts: { tps: 0 } }\n", "send rate 0 TPS is not a positive number"),
            ("test:\n  rounds:\n    - label: get\n      txNumber: 0\n", "txNumber is 0"),
            ("test:\n  rounds:\n    - label: get\n      txNumber: 1\n      workers: 0\n", "0 workers; give 1 to 1024"),
            ("test:\n  rounds: []\n", "no rounds"),
            ("test:\n  rounds:\n    - label: get\n      txNumbr: 1\n", "unknown field `txNumbr`"),
            ("rounds: []\n", "unknown field `rounds`"),
            ("test: [unclosed\n", "not valid YAML"),
        ];
        for (text, want) in cases {
            let got = detail(Plan::parse(text, "bench.yaml").unwrap_err());
            assert!(got.starts_with("bench.yaml: "), "{got}");
            assert!(got.contains(want), "{text:?}\n  gave: {got}\n  want: {want}");
        }
        let got = detail(Plan::parse("[test\n", "bench.toml").unwrap_err());
        assert!(got.contains("not valid TOML"), "{got}");
    }

    #[test]
    fn plans_from_flags_are_checked_like_files() {
        let plan =
            Plan::from_ops(&[Operation::Get, Operation::List], 2, Limit::Transactions(10), None, vec![]).unwrap();
        assert_eq!(plan.identities, vec![DEFAULT_IDENTITIES]);
        assert_eq!(plan.rounds.iter().map(|r| r.label.as_str()).collect::<Vec<_>>(), ["get", "list"]);
        let e = detail(Plan::from_ops(&[], 1, Limit::Transactions(1), None, vec![]).unwrap_err());
        assert!(e.starts_with("the command line: no rounds"), "{e}");
    }

    #[test]
    fn operations_parse_by_name_and_by_their_usual_spellings() {
        for op in Operation::ALL {
            assert_eq!(Operation::parse(op.name()), Some(op));
        }
        assert_eq!(Operation::parse("enroll"), Some(Operation::Enrol));
        assert_eq!(Operation::parse("Sign_Digest"), Some(Operation::SignDigest));
        assert_eq!(Operation::parse("nope"), None);
    }
}
