//! Running one round: worker threads repeat a transaction until the round's limit, at a fixed
//! send rate or as fast as they go, and every transaction's send time, latency and outcome is
//! kept.

use super::config::{Limit, RoundSpec};
use super::resources::{Monitor, Resources};
use super::stats::Sample;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What one round recorded.
#[derive(Debug)]
pub struct RoundRun {
    /// Every transaction, in no particular order.
    pub samples: Vec<Sample>,
    /// Distinct error messages of failed transactions and how often each came, most frequent first.
    pub errors: Vec<(String, u64)>,
    /// CPU and memory while it ran.
    pub resources: Option<Resources>,
}

/// Run `spec`'s limit and rate with `tx(n)` as transaction `n` (0, 1, …, unique in the round).
/// A transaction that returns `Err` counts as failed; the round goes on.
pub fn run_round<E: std::fmt::Display>(spec: &RoundSpec, tx: &(dyn Fn(u64) -> Result<(), E> + Sync)) -> RoundRun {
    let next = AtomicU64::new(0);
    let monitor = Monitor::start();
    let start = Instant::now();
    let deadline = match spec.limit {
        Limit::Duration(d) => Some(start + d),
        Limit::Transactions(_) => None,
    };
    let interval = spec.rate.map(|tps| Duration::from_secs_f64(1.0 / tps));
    let worker = || {
        let mut samples = Vec::new();
        let mut errors: HashMap<String, u64> = HashMap::new();
        loop {
            let n = next.fetch_add(1, Ordering::Relaxed);
            if let Limit::Transactions(total) = spec.limit {
                if n >= total {
                    break;
                }
            }
            if let Some(every) = interval {
                // Transaction n is due n intervals after the start, whoever sends it.
                let due = start + every.mul_f64(n as f64);
                if deadline.is_some_and(|d| due >= d) {
                    break;
                }
                let now = Instant::now();
                if due > now {
                    std::thread::sleep(due - now);
                }
            } else if deadline.is_some_and(|d| Instant::now() >= d) {
                break;
            }
            let sent = Instant::now();
            let outcome = tx(n);
            let latency = sent.elapsed();
            if let Err(e) = &outcome {
                *errors.entry(e.to_string()).or_default() += 1;
            }
            samples.push(Sample { sent: sent - start, latency, ok: outcome.is_ok() });
        }
        (samples, errors)
    };
    let parts: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..spec.workers).map(|_| s.spawn(worker)).collect();
        handles.into_iter().map(|h| h.join().expect("a benchmark worker panicked")).collect()
    });
    let resources = monitor.finish();
    let mut samples = Vec::new();
    let mut errors: HashMap<String, u64> = HashMap::new();
    for (s, e) in parts {
        samples.extend(s);
        for (message, count) in e {
            *errors.entry(message).or_default() += count;
        }
    }
    let mut errors: Vec<_> = errors.into_iter().collect();
    errors.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    RoundRun { samples, errors, resources }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::config::Operation;
    use crate::bench::stats::Summary;
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    fn spec(workers: usize, limit: Limit, rate: Option<f64>) -> RoundSpec {
        RoundSpec { label: "t".into(), operation: Operation::Get, workers, limit, rate }
    }

    #[test]
    fn a_transaction_count_is_run_exactly_once_each_over_all_workers() {
        let seen = Mutex::new(Vec::new());
        let run = run_round(&spec(4, Limit::Transactions(1000), None), &|n| {
            seen.lock().unwrap().push(n);
            if n % 10 == 3 {
                Err(format!("refused {}", n % 2))
            } else {
                Ok(())
            }
        });
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.iter().copied().collect::<BTreeSet<_>>(), (0..1000).collect());
        assert_eq!(seen.len(), 1000);
        let s = Summary::of(&run.samples);
        assert_eq!((s.succ, s.fail), (900, 100));
        assert_eq!(run.errors, vec![("refused 1".to_string(), 100)]);
    }

    #[test]
    fn a_duration_stops_the_round_and_a_fixed_rate_spaces_the_sends() {
        let run =
            run_round(&spec(2, Limit::Duration(Duration::from_millis(305)), Some(100.0)), &|_| Ok::<(), String>(()));
        let s = Summary::of(&run.samples);
        // Due at 0, 10, …, 300 ms: exactly 31 fit before the deadline, whatever the machine's speed.
        assert_eq!(s.succ + s.fail, 31);
        let mut sent: Vec<_> = run.samples.iter().map(|x| x.sent).collect();
        sent.sort();
        // No transaction goes before it is due.
        for (n, at) in sent.iter().enumerate() {
            assert!(*at >= Duration::from_millis(10 * n as u64), "transaction {n} sent at {at:?}");
        }
        let unlimited = run_round(&spec(1, Limit::Duration(Duration::from_millis(50)), None), &|_| {
            std::thread::sleep(Duration::from_millis(1));
            Ok::<(), String>(())
        });
        let last = unlimited.samples.iter().map(|x| x.sent).max().unwrap();
        assert!(last < Duration::from_millis(50), "sent after the deadline: {last:?}");
        assert!(!unlimited.samples.is_empty());
    }
}
