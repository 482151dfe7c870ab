//! What a round's transactions add up to, with Hyperledger Caliper's definitions: send rate is
//! transactions sent over the time from the first send to the last, throughput is successful
//! transactions over the time from the first send to the last completion, and latencies are
//! those of the successful transactions.

use serde::Serialize;
use std::time::Duration;

/// One transaction as the runner saw it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// When it was sent, from the start of the round.
    pub sent: Duration,
    /// How long it took.
    pub latency: Duration,
    /// Whether it succeeded.
    pub ok: bool,
}

/// Latencies of the successful transactions, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Latency {
    /// Longest.
    pub max_s: f64,
    /// Shortest.
    pub min_s: f64,
    /// Mean.
    pub avg_s: f64,
    /// Median (nearest rank).
    pub p50_s: f64,
    /// 99th percentile (nearest rank).
    pub p99_s: f64,
}

/// Counts in latency bins with logarithmically spaced edges (`edges_s.len() == counts.len() + 1`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Histogram {
    /// Bin edges in seconds, ascending.
    pub edges_s: Vec<f64>,
    /// Successful transactions per bin.
    pub counts: Vec<u64>,
}

/// The totals of a round.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// Successful transactions.
    pub succ: u64,
    /// Failed transactions.
    pub fail: u64,
    /// Transactions sent per second: `(succ + fail) / send_duration_s`.
    pub send_rate_tps: f64,
    /// Successful transactions per second: `succ / elapsed_s`.
    pub throughput_tps: f64,
    /// From the first send to the last send.
    pub send_duration_s: f64,
    /// From the first send to the last completion.
    pub elapsed_s: f64,
    /// Latencies of the successful transactions (`None` if none succeeded).
    pub latency: Option<Latency>,
    /// Their distribution.
    pub histogram: Histogram,
}

/// Bins of [`Summary::histogram`].
pub const HISTOGRAM_BINS: usize = 24;

impl Summary {
    /// Add up `samples` (in any order).
    pub fn of(samples: &[Sample]) -> Summary {
        let succ = samples.iter().filter(|s| s.ok).count() as u64;
        let fail = samples.len() as u64 - succ;
        let first = samples.iter().map(|s| s.sent).min().unwrap_or_default();
        let last_sent = samples.iter().map(|s| s.sent).max().unwrap_or_default();
        let last_done = samples.iter().map(|s| s.sent + s.latency).max().unwrap_or_default();
        let elapsed = (last_done - first).as_secs_f64();
        // One transaction (or several sent at one instant) has no sending span: count it over
        // the round's elapsed time instead, as the rate at which it was actually served.
        let send_span = match (last_sent - first).as_secs_f64() {
            s if s > 0.0 => s,
            _ => elapsed,
        };
        let per = |n: u64, s: f64| if s > 0.0 { n as f64 / s } else { 0.0 };
        let mut ok: Vec<f64> = samples.iter().filter(|s| s.ok).map(|s| s.latency.as_secs_f64()).collect();
        ok.sort_by(f64::total_cmp);
        let latency = (!ok.is_empty()).then(|| Latency {
            max_s: ok[ok.len() - 1],
            min_s: ok[0],
            avg_s: ok.iter().sum::<f64>() / ok.len() as f64,
            p50_s: nearest_rank(&ok, 50.0),
            p99_s: nearest_rank(&ok, 99.0),
        });
        Summary {
            succ,
            fail,
            send_rate_tps: per(succ + fail, send_span),
            throughput_tps: per(succ, elapsed),
            send_duration_s: send_span,
            elapsed_s: elapsed,
            latency,
            histogram: histogram(&ok, HISTOGRAM_BINS),
        }
    }
}

/// The nearest-rank percentile of sorted values.
pub fn nearest_rank(sorted: &[f64], pct: f64) -> f64 {
    let rank = ((pct / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// `sorted` in `bins` bins between its smallest and largest value, log-spaced.
fn histogram(sorted: &[f64], bins: usize) -> Histogram {
    let (Some(&lo), Some(&hi)) = (sorted.first(), sorted.last()) else {
        return Histogram { edges_s: vec![], counts: vec![] };
    };
    let lo = lo.max(1e-9);
    let hi = hi.max(lo * 1.000_001);
    let ratio = (hi / lo).ln() / bins as f64;
    let edges_s: Vec<f64> = (0..=bins).map(|i| lo * (ratio * i as f64).exp()).collect();
    let mut counts = vec![0u64; bins];
    for &v in sorted {
        let at = (((v.max(lo) / lo).ln() / ratio) as usize).min(bins - 1);
        counts[at] += 1;
    }
    Histogram { edges_s, counts }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn counts_rates_and_latencies_follow_calipers_definitions() {
        // Sent at 0, 100, …, 900 ms; each takes (i + 1) × 10 ms; the 4th fails.
        let samples: Vec<Sample> =
            (0..10).map(|i| Sample { sent: ms(100 * i), latency: ms(10 * (i + 1)), ok: i != 3 }).collect();
        let s = Summary::of(&samples);
        assert_eq!((s.succ, s.fail), (9, 1));
        assert!((s.send_duration_s - 0.9).abs() < 1e-9);
        assert!((s.send_rate_tps - 10.0 / 0.9).abs() < 1e-9);
        // The last completes at 900 + 100 ms.
        assert!((s.elapsed_s - 1.0).abs() < 1e-9);
        assert!((s.throughput_tps - 9.0).abs() < 1e-9);
        let l = s.latency.unwrap();
        assert_eq!((l.min_s, l.max_s), (0.01, 0.1));
        // The failed 40 ms one is not among the latencies.
        let ok = [10, 20, 30, 50, 60, 70, 80, 90, 100];
        assert!((l.avg_s - ok.iter().sum::<u64>() as f64 / 9000.0).abs() < 1e-12);
        assert_eq!(l.p50_s, 0.06);
        assert_eq!(l.p99_s, 0.1);
        assert_eq!(s.histogram.counts.iter().sum::<u64>(), 9);
        assert_eq!(s.histogram.edges_s.len(), HISTOGRAM_BINS + 1);
        assert!((s.histogram.edges_s[0] - 0.01).abs() < 1e-12);
        assert!((s.histogram.edges_s[HISTOGRAM_BINS] - 0.1).abs() < 1e-9);
    }

    #[test]
    fn one_transaction_and_none_succeeding_still_add_up() {
        let one = Summary::of(&[Sample { sent: ms(5), latency: ms(20), ok: true }]);
        assert_eq!((one.succ, one.fail), (1, 0));
        assert!((one.send_rate_tps - 50.0).abs() < 1e-9 && (one.throughput_tps - 50.0).abs() < 1e-9);
        let failed = Summary::of(&[Sample { sent: ms(0), latency: ms(1), ok: false }]);
        assert_eq!((failed.succ, failed.fail, failed.throughput_tps), (0, 1, 0.0));
        assert!(failed.latency.is_none() && failed.histogram.counts.is_empty());
        let none = Summary::of(&[]);
        assert_eq!((none.succ, none.fail, none.send_rate_tps), (0, 0, 0.0));
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(nearest_rank(&v, 50.0), 50.0);
        assert_eq!(nearest_rank(&v, 99.0), 99.0);
        assert_eq!(nearest_rank(&v, 100.0), 100.0);
        assert_eq!(nearest_rank(&[7.0], 99.0), 7.0);
    }
}
