//! The text form: Caliper's table (its column names, then p50/p99 and the resource columns),
//! then how the wallet was grown and how each operation's cost moved with its size.

use super::{Report, RoundResult};

/// The columns, in order: Caliper's eight first, exactly as Caliper names them.
pub const COLUMNS: [&str; 15] = [
    "Name",
    "Succ",
    "Fail",
    "Send Rate (TPS)",
    "Max Latency (s)",
    "Min Latency (s)",
    "Avg Latency (s)",
    "Throughput (TPS)",
    "p50 Latency (s)",
    "p99 Latency (s)",
    "CPU%(max)",
    "CPU%(avg)",
    "Memory(max) [MB]",
    "Memory(avg) [MB]",
    "Identities",
];

/// A round's cells, in [`COLUMNS`] order.
pub fn cells(r: &RoundResult) -> Vec<String> {
    let s = &r.summary;
    let lat = |f: fn(&super::super::stats::Latency) -> f64| s.latency.as_ref().map_or("-".into(), |l| seconds(f(l)));
    let res = |f: fn(&super::super::resources::Resources) -> f64| {
        r.resources.as_ref().map_or("-".into(), |x| format!("{:.1}", f(x)))
    };
    vec![
        r.name.clone(),
        s.succ.to_string(),
        s.fail.to_string(),
        format!("{:.1}", s.send_rate_tps),
        lat(|l| l.max_s),
        lat(|l| l.min_s),
        lat(|l| l.avg_s),
        format!("{:.1}", s.throughput_tps),
        lat(|l| l.p50_s),
        lat(|l| l.p99_s),
        res(|x| x.cpu_max_pct),
        res(|x| x.cpu_avg_pct),
        res(|x| x.memory_max_mb),
        res(|x| x.memory_avg_mb),
        r.identities.to_string(),
    ]
}

/// Seconds with microsecond resolution (wallet operations take microseconds, not Caliper's
/// hundredths of a second).
pub fn seconds(s: f64) -> String {
    format!("{s:.6}")
}

/// A value in seconds in the unit that reads best.
pub fn human(s: f64) -> String {
    match s {
        s if s >= 1.0 => format!("{s:.2} s"),
        s if s >= 1e-3 => format!("{:.2} ms", s * 1e3),
        s if s >= 1e-6 => format!("{:.2} µs", s * 1e6),
        s => format!("{:.1} ns", s * 1e9),
    }
}

/// The whole text report.
pub fn render(report: &Report) -> String {
    let rows: Vec<Vec<String>> = report.rounds.iter().map(cells).collect();
    let widths: Vec<usize> = COLUMNS
        .iter()
        .enumerate()
        .map(|(i, h)| rows.iter().map(|r| r[i].chars().count()).chain([h.len()]).max().unwrap_or(0))
        .collect();
    let line = |fill: char, edge: char| {
        let mut s = String::from(edge);
        for w in &widths {
            s.extend(std::iter::repeat_n(fill, w + 2));
            s.push(edge);
        }
        s.push('\n');
        s
    };
    let row = |cells: &[String]| {
        let mut s = String::from("|");
        for (c, w) in cells.iter().zip(&widths) {
            s.push_str(&format!(" {c:<w$} |", w = *w));
        }
        s.push('\n');
        s
    };
    let mut out = String::new();
    out.push_str(&format!("Benchmark {:?} against {} ({})\n", report.name, report.wallet, report.started));
    out.push_str(&line('-', '+'));
    out.push_str(&row(&COLUMNS.map(String::from)));
    out.push_str(&line('-', '|'));
    for r in &rows {
        out.push_str(&row(r));
    }
    out.push_str(&line('-', '+'));
    for r in report.rounds.iter().filter(|r| !r.errors.is_empty()) {
        for e in &r.errors {
            out.push_str(&format!("{}: {} failed: {}\n", r.name, e.count, e.message));
        }
    }
    for f in &report.fills {
        out.push_str(&format!(
            "grew the wallet from {} to {} identities in {:.1} s ({:.0} identities/s, batched puts)\n",
            f.from, f.to, f.seconds, f.rate_per_s
        ));
    }
    let mut ops: Vec<_> = report.scaling.iter().map(|p| p.operation).collect();
    ops.dedup();
    for op in ops {
        let points: Vec<_> = report.scaling.iter().filter(|p| p.operation == op).collect();
        if points.len() < 2 {
            continue;
        }
        let (first, last) = (points[0], points[points.len() - 1]);
        let steps: Vec<String> = points.iter().map(|p| format!("{} at {}", human(p.cost_s), p.identities)).collect();
        out.push_str(&format!(
            "{op} per {}: {} ({:.2}× from {} to {} identities)\n",
            first.per,
            steps.join(", "),
            last.cost_s / first.cost_s,
            first.identities,
            last.identities
        ));
    }
    out
}
