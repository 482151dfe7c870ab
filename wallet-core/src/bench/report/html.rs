//! The HTML form: one self-contained page (inline CSS and SVG, no scripts, nothing fetched)
//! with the table, the throughput of each round, each round's latency distribution, and the
//! cost of each operation as the wallet grows.

use super::svg::{self, escape};
use super::text::{cells, human, COLUMNS};
use super::Report;
use std::fmt::Write as _;

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}\
h1{font-size:22px}h2{font-size:17px;margin-top:28px}\
table{border-collapse:collapse;font-size:12px}th,td{border:1px solid #ccc;padding:3px 6px;text-align:right}\
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}\
.chart{display:block;margin:8px 0}.small{display:inline-block;margin:4px 8px 4px 0;border:1px solid #eee}\
.t{font-size:13px;font-weight:600}.l{font-size:12px}.v{font-size:10px}.note{color:#555;font-size:12px}";

/// The page.
pub fn render(report: &Report) -> String {
    let mut h = String::new();
    let title = format!("wallet bench: {}", report.name);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"/><title>{}</title><style>{STYLE}</style></head><body>",
        escape(&title)
    );
    let m = &report.machine;
    let _ = write!(
        h,
        "<h1>{}</h1><p class=\"note\">Wallet <code>{}</code>, started {}. Machine: {}, {} CPUs{}, {}; wallet {}.</p>",
        escape(&title),
        escape(&report.wallet),
        escape(&report.started),
        escape(m.cpu.as_deref().unwrap_or("unknown CPU")),
        m.cpus,
        m.memory_gib.map(|g| format!(", {g:.0} GiB")).unwrap_or_default(),
        escape(&m.os),
        escape(&m.wallet_version),
    );

    h.push_str("<h2>Rounds</h2><table id=\"rounds\"><thead><tr>");
    for c in COLUMNS {
        let _ = write!(h, "<th>{}</th>", escape(c));
    }
    h.push_str("</tr></thead><tbody>");
    for r in &report.rounds {
        h.push_str("<tr>");
        for c in cells(r) {
            let _ = write!(h, "<td>{}</td>", escape(&c));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
    let errors: Vec<_> = report.rounds.iter().flat_map(|r| r.errors.iter().map(move |e| (r, e))).collect();
    if !errors.is_empty() {
        h.push_str("<h2>Failures</h2><ul>");
        for (r, e) in errors {
            let _ = write!(h, "<li>{}: {} × {}</li>", escape(&r.name), e.count, escape(&e.message));
        }
        h.push_str("</ul>");
    }

    h.push_str("<h2>Throughput per round</h2>");
    let bars: Vec<(String, f64)> =
        report.rounds.iter().map(|r| (format!("{} @ {}", r.name, r.identities), r.summary.throughput_tps)).collect();
    h.push_str(&svg::bars("Throughput (TPS)", &bars, "TPS"));

    h.push_str("<h2>Latency distribution</h2><div>");
    for r in &report.rounds {
        let markers: Vec<(&str, f64)> =
            r.summary.latency.as_ref().map(|l| vec![("p50", l.p50_s), ("p99", l.p99_s)]).unwrap_or_default();
        h.push_str(&svg::histogram(
            &format!("{} @ {} identities", r.name, r.identities),
            &r.summary.histogram.edges_s,
            &r.summary.histogram.counts,
            &markers,
        ));
    }
    h.push_str("</div>");

    h.push_str("<h2>Cost per identity as the wallet grows</h2>");
    let mut ops: Vec<_> = report.scaling.iter().map(|p| p.operation).collect();
    ops.sort();
    ops.dedup();
    let series: Vec<(String, Vec<(f64, f64)>)> = ops
        .iter()
        .map(|&op| {
            let points: Vec<_> = report.scaling.iter().filter(|p| p.operation == op).collect();
            let per = points.first().map_or("transaction", |p| p.per);
            (format!("{op} (per {per})"), points.iter().map(|p| (p.identities as f64, p.cost_s)).collect())
        })
        .collect();
    h.push_str(&svg::loglog(
        "Seconds per transaction (list: per identity listed)",
        &series,
        "identities in the wallet",
        "s",
    ));
    h.push_str("<p class=\"note\">A flat line is a cost that does not grow with the wallet; list is divided by the identities it lists, so work in proportion to the wallet is flat too.</p>");
    h.push_str("<table id=\"scaling\"><thead><tr><th>Operation</th><th>Identities</th><th>Avg Latency</th><th>Cost</th><th>Per</th></tr></thead><tbody>");
    for p in &report.scaling {
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            p.operation,
            p.identities,
            escape(&human(p.avg_latency_s)),
            escape(&human(p.cost_s)),
            p.per
        );
    }
    h.push_str("</tbody></table>");

    if !report.fills.is_empty() {
        h.push_str("<h2>Growing the wallet</h2><table id=\"fills\"><thead><tr><th>From</th><th>To</th><th>Seconds</th><th>Identities/s</th></tr></thead><tbody>");
        for f in &report.fills {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.0}</td></tr>",
                f.from, f.to, f.seconds, f.rate_per_s
            );
        }
        h.push_str("</tbody></table><p class=\"note\">Filler identities are one enrolled identity's record stored under many labels with batched puts; each record is sealed and written on its own.</p>");
    }
    h.push_str("</body></html>\n");
    h
}
