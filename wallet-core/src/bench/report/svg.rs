//! Inline SVG charts for the HTML report: no scripts, no fonts or files from elsewhere, and
//! well-formed XML, so the page can be checked by an XML parser.

use std::fmt::Write as _;

/// Series colours (colour-blind friendly, after Okabe and Ito).
pub const PALETTE: [&str; 8] = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"];

/// Text escaped for XML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// A short number for an axis.
fn tick(v: f64, unit: &str) -> String {
    if unit == "s" {
        return super::text::human(v);
    }
    let t = match v.abs() {
        a if a >= 1e6 => format!("{:.1}M", v / 1e6),
        a if a >= 1e4 => format!("{:.0}k", v / 1e3),
        a if a >= 100.0 => format!("{v:.0}"),
        a if a >= 1.0 => format!("{v:.1}"),
        _ => format!("{v:.3}"),
    };
    if unit.is_empty() {
        t
    } else {
        format!("{t} {unit}")
    }
}

/// Horizontal bars, one per item, scaled to the largest.
pub fn bars(title: &str, items: &[(String, f64)], unit: &str) -> String {
    let (w, row, left, right) = (760.0, 22.0, 230.0, 110.0);
    let h = 40.0 + row * items.len() as f64 + 10.0;
    let max = items.iter().map(|(_, v)| *v).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    let mut s = format!(
        r#"<svg class="chart" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><title>{}</title><text x="4" y="18" class="t">{}</text>"#,
        escape(title),
        escape(title)
    );
    for (i, (label, v)) in items.iter().enumerate() {
        let y = 32.0 + row * i as f64;
        let len = (w - left - right) * v / max;
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" class="l" text-anchor="end">{}</text><rect x="{left}" y="{y}" width="{len:.1}" height="{}" fill="{}"><title>{}: {}</title></rect><text x="{:.1}" y="{}" class="v">{}</text>"#,
            left - 6.0,
            y + 14.0,
            escape(label),
            row - 6.0,
            PALETTE[0],
            escape(label),
            escape(&tick(*v, unit)),
            left + len + 4.0,
            y + 14.0,
            escape(&tick(*v, unit)),
        );
    }
    s.push_str("</svg>");
    s
}

/// A latency histogram over log-spaced `edges`, with vertical markers (p50, p99).
pub fn histogram(title: &str, edges: &[f64], counts: &[u64], markers: &[(&str, f64)]) -> String {
    let (w, h, left, bottom, top) = (360.0, 170.0, 36.0, 30.0, 26.0);
    let mut s = format!(
        r#"<svg class="chart small" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><title>{}</title><text x="4" y="16" class="t">{}</text>"#,
        escape(title),
        escape(title)
    );
    if counts.is_empty() || edges.len() != counts.len() + 1 {
        s.push_str(r#"<text x="40" y="90" class="l">no successful transactions</text></svg>"#);
        return s;
    }
    let (lo, hi) = (edges[0].ln(), edges[edges.len() - 1].ln());
    let span = (hi - lo).max(1e-12);
    let x = |v: f64| left + (w - left - 10.0) * ((v.max(edges[0]).ln() - lo) / span);
    let max = *counts.iter().max().unwrap_or(&1) as f64;
    let plot_h = h - top - bottom;
    for (i, &c) in counts.iter().enumerate() {
        let (x0, x1) = (x(edges[i]), x(edges[i + 1]));
        let bh = plot_h * c as f64 / max.max(1.0);
        let _ = write!(
            s,
            r#"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="{bh:.1}" fill="{}"><title>{} – {}: {c}</title></rect>"#,
            top + plot_h - bh,
            (x1 - x0 - 1.0).max(0.5),
            PALETTE[4],
            escape(&tick(edges[i], "s")),
            escape(&tick(edges[i + 1], "s")),
        );
    }
    for (i, (name, v)) in markers.iter().enumerate() {
        let mx = x(*v);
        let _ = write!(
            s,
            r#"<line x1="{mx:.1}" y1="{top}" x2="{mx:.1}" y2="{}" stroke="{}" stroke-dasharray="3 2"/><text x="{:.1}" y="{}" class="v" fill="{}">{} {}</text>"#,
            top + plot_h,
            PALETTE[5 + i % 3],
            mx + 2.0,
            top + 10.0 + 11.0 * i as f64,
            PALETTE[5 + i % 3],
            escape(name),
            escape(&tick(*v, "s")),
        );
    }
    let _ = write!(
        s,
        r##"<line x1="{left}" y1="{0}" x2="{1}" y2="{0}" stroke="#444"/><text x="{left}" y="{2}" class="v">{3}</text><text x="{1}" y="{2}" class="v" text-anchor="end">{4}</text><text x="{5}" y="{2}" class="v" text-anchor="middle">latency (log)</text><text x="{6}" y="{7}" class="v" text-anchor="end">{8}</text></svg>"##,
        top + plot_h,
        w - 10.0,
        h - 10.0,
        escape(&tick(edges[0], "s")),
        escape(&tick(edges[edges.len() - 1], "s")),
        (left + w) / 2.0,
        left - 3.0,
        top + 8.0,
        max as u64,
    );
    s
}

/// Lines on log–log axes, one per named series of `(x, y)` points.
pub fn loglog(title: &str, series: &[(String, Vec<(f64, f64)>)], x_label: &str, y_unit: &str) -> String {
    let (w, h, left, right, top, bottom) = (760.0, 380.0, 80.0, 150.0, 30.0, 40.0);
    let mut s = format!(
        r#"<svg class="chart" role="img" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><title>{}</title><text x="4" y="18" class="t">{}</text>"#,
        escape(title),
        escape(title)
    );
    let pts: Vec<(f64, f64)> =
        series.iter().flat_map(|(_, p)| p.iter().copied()).filter(|(x, y)| *x > 0.0 && *y > 0.0).collect();
    if pts.is_empty() {
        s.push_str(r#"<text x="40" y="60" class="l">no data</text></svg>"#);
        return s;
    }
    let range = |f: fn(&(f64, f64)) -> f64| {
        let lo = pts.iter().map(f).fold(f64::INFINITY, f64::min).log10().floor();
        let hi = pts.iter().map(f).fold(f64::NEG_INFINITY, f64::max).log10().ceil();
        (lo, if hi > lo { hi } else { lo + 1.0 })
    };
    let (xlo, xhi) = range(|p| p.0);
    let (ylo, yhi) = range(|p| p.1);
    let (pw, ph) = (w - left - right, h - top - bottom);
    let px = |x: f64| left + pw * (x.log10() - xlo) / (xhi - xlo);
    let py = |y: f64| top + ph - ph * (y.log10() - ylo) / (yhi - ylo);
    for d in xlo as i32..=xhi as i32 {
        let v = 10f64.powi(d);
        let _ = write!(
            s,
            r##"<line x1="{0:.1}" y1="{top}" x2="{0:.1}" y2="{1}" stroke="#ddd"/><text x="{0:.1}" y="{2}" class="v" text-anchor="middle">{3}</text>"##,
            px(v),
            top + ph,
            top + ph + 14.0,
            escape(&tick(v, "")),
        );
    }
    for d in ylo as i32..=yhi as i32 {
        let v = 10f64.powi(d);
        let _ = write!(
            s,
            r##"<line x1="{left}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="#ddd"/><text x="{2}" y="{3:.1}" class="v" text-anchor="end">{4}</text>"##,
            py(v),
            left + pw,
            left - 4.0,
            py(v) + 4.0,
            escape(&tick(v, y_unit)),
        );
    }
    for (i, (name, points)) in series.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let path: Vec<String> = points
            .iter()
            .filter(|(x, y)| *x > 0.0 && *y > 0.0)
            .map(|&(x, y)| format!("{:.1},{:.1}", px(x), py(y)))
            .collect();
        let _ = write!(s, r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="2"/>"#, path.join(" "));
        for &(x, y) in points.iter().filter(|(x, y)| *x > 0.0 && *y > 0.0) {
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{colour}"><title>{}: {} at {} identities</title></circle>"#,
                px(x),
                py(y),
                escape(name),
                escape(&tick(y, y_unit)),
                x
            );
        }
        let ly = top + 12.0 + 18.0 * i as f64;
        let _ = write!(
            s,
            r#"<rect x="{}" y="{}" width="12" height="12" fill="{colour}"/><text x="{}" y="{}" class="l">{}</text>"#,
            left + pw + 12.0,
            ly - 10.0,
            left + pw + 30.0,
            ly,
            escape(name)
        );
    }
    let _ = write!(
        s,
        r#"<text x="{}" y="{}" class="l" text-anchor="middle">{}</text></svg>"#,
        left + pw / 2.0,
        h - 6.0,
        escape(x_label)
    );
    s
}
