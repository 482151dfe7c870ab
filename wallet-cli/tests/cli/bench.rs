//! `wallet bench`: the shape of its table, JSON and HTML, and counts that add up. Nothing
//! here asserts a speed: only that what is reported is consistent with itself.

use crate::common::{wallet_bin, TestWallet, FAST_KDF};
use serde_json::Value;

const CALIPER: [&str; 8] = [
    "Name",
    "Succ",
    "Fail",
    "Send Rate (TPS)",
    "Max Latency (s)",
    "Min Latency (s)",
    "Avg Latency (s)",
    "Throughput (TPS)",
];
const EXTRA: [&str; 7] = [
    "p50 Latency (s)",
    "p99 Latency (s)",
    "CPU%(max)",
    "CPU%(avg)",
    "Memory(max) [MB]",
    "Memory(avg) [MB]",
    "Identities",
];

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Every round's numbers agree with each other.
fn check_round(r: &Value, tx: Option<u64>) {
    let f = |k: &str| r[k].as_f64().unwrap_or_else(|| panic!("{k} missing in {r}"));
    let (succ, fail) = (r["succ"].as_u64().unwrap(), r["fail"].as_u64().unwrap());
    if let Some(tx) = tx {
        assert_eq!(succ + fail, tx, "Succ + Fail = sent: {r}");
    }
    assert_eq!(fail, 0, "no transaction should fail here: {}", r["errors"]);
    assert!(f("elapsed_s") > 0.0 && f("send_duration_s") > 0.0, "{r}");
    assert!(close(f("throughput_tps"), succ as f64 / f("elapsed_s")), "throughput = succ / elapsed: {r}");
    assert!(close(f("send_rate_tps"), (succ + fail) as f64 / f("send_duration_s")), "send rate: {r}");
    // Sending ends before the last transaction does.
    assert!(f("send_duration_s") <= f("elapsed_s") + 1e-12, "{r}");
    let l = &r["latency"];
    let g = |k: &str| l[k].as_f64().unwrap_or_else(|| panic!("latency.{k} missing in {r}"));
    assert!(
        g("min_s") > 0.0 && g("min_s") <= g("p50_s") && g("p50_s") <= g("p99_s") && g("p99_s") <= g("max_s"),
        "{l}"
    );
    assert!(g("min_s") <= g("avg_s") && g("avg_s") <= g("max_s"), "{l}");
    // No transaction can take longer than the round.
    assert!(g("max_s") <= f("elapsed_s") + 1e-9, "{r}");
    let counts: Vec<u64> = r["histogram"]["counts"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap()).collect();
    let edges = r["histogram"]["edges_s"].as_array().unwrap();
    assert_eq!(counts.iter().sum::<u64>(), succ, "the histogram holds every success: {r}");
    assert_eq!(edges.len(), counts.len() + 1);
    let res = &r["resources"];
    let m = |k: &str| res[k].as_f64().unwrap_or_else(|| panic!("resources.{k} missing in {r}"));
    assert!(m("memory_max_mb") >= m("memory_avg_mb") && m("memory_avg_mb") > 0.0, "{res}");
    assert!(m("cpu_max_pct") >= m("cpu_avg_pct") && m("cpu_avg_pct") >= 0.0, "{res}");
}

/// The HTML page parses as XML, fetches and runs nothing, and shows every round.
fn check_html(html: &str, rounds: usize) {
    let body = html.strip_prefix("<!DOCTYPE html>\n").expect("an HTML5 doctype");
    let doc = roxmltree::Document::parse(body).unwrap_or_else(|e| panic!("the report is not well-formed: {e}"));
    for n in doc.descendants().filter(|n| n.is_element()) {
        let name = n.tag_name().name();
        assert!(
            !["script", "link", "img", "iframe", "object", "embed"].contains(&name),
            "<{name}> in a self-contained page"
        );
        for a in n.attributes() {
            assert!(!["src", "href"].contains(&a.name()) && !a.name().starts_with("on"), "{name} has {}", a.name());
        }
    }
    let table = doc.descendants().find(|n| n.attribute("id") == Some("rounds")).expect("the rounds table");
    let heads: Vec<&str> = table.descendants().filter(|n| n.has_tag_name("th")).filter_map(|n| n.text()).collect();
    assert_eq!(heads, [&CALIPER[..], &EXTRA[..]].concat());
    let rows: Vec<_> = table.descendants().filter(|n| n.has_tag_name("tr")).skip(1).collect();
    assert_eq!(rows.len(), rounds);
    for row in rows {
        assert_eq!(row.children().filter(|n| n.has_tag_name("td")).count(), CALIPER.len() + EXTRA.len());
    }
    // Throughput per round, one latency histogram per round, cost as the wallet grows.
    let svgs: Vec<String> = doc
        .descendants()
        .filter(|n| n.has_tag_name("svg"))
        .map(|n| n.children().find(|c| c.has_tag_name("title")).and_then(|t| t.text()).unwrap_or("").to_owned())
        .collect();
    assert_eq!(svgs.len(), rounds + 2, "{svgs:?}");
    assert!(svgs.iter().any(|t| t.starts_with("Throughput")), "{svgs:?}");
    assert!(svgs.iter().any(|t| t.starts_with("Seconds per transaction")), "{svgs:?}");
    let bars = doc.descendants().find(|n| n.has_tag_name("svg")).unwrap();
    assert_eq!(bars.children().filter(|n| n.has_tag_name("rect")).count(), rounds, "one bar per round");
}

#[test]
fn every_operation_in_a_memory_wallet_at_two_sizes_adds_up_in_json_text_and_html() {
    let w = TestWallet::uninitialised();
    let (json_file, html_file) = (w.tmp("r.json"), w.tmp("r.html"));
    let out = wallet_bin(w.dir.path())
        .args(["--wallet", "memory:", "--output", "json", "bench", "--workers", "2", "--tx", "25"])
        .args(["--identities", "400,40"])
        .arg("--json")
        .arg(&json_file)
        .arg("--html")
        .arg(&html_file)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report, serde_json::from_slice::<Value>(&std::fs::read(&json_file).unwrap()).unwrap());
    let rounds = report["rounds"].as_array().unwrap();
    let ops = ["sign", "sign-digest", "verify", "get", "list", "put", "enrol"];
    assert_eq!(rounds.len(), 2 * ops.len());
    for (i, r) in rounds.iter().enumerate() {
        assert_eq!(r["operation"], ops[i % ops.len()]);
        assert_eq!(r["workers"], 2);
        check_round(r, Some(25));
    }
    // Sizes run ascending. The wallet starts with the CA's admin and the signer, is filled to
    // 40; put and enrol add 25 each; then it is filled to 400.
    let at: Vec<u64> = rounds.iter().map(|r| r["identities"].as_u64().unwrap()).collect();
    assert_eq!(at, [40, 40, 40, 40, 40, 40, 65, 400, 400, 400, 400, 400, 400, 425]);
    let fills = report["fills"].as_array().unwrap();
    assert_eq!(fills.len(), 2);
    assert_eq!(
        (fills[0]["from"].as_u64(), fills[0]["to"].as_u64(), fills[0]["added"].as_u64()),
        (Some(2), Some(40), Some(38))
    );
    assert_eq!((fills[1]["from"].as_u64(), fills[1]["to"].as_u64()), (Some(90), Some(400)));
    // A scaling point per operation and size; list's cost is per identity listed.
    let scaling = report["scaling"].as_array().unwrap();
    assert_eq!(scaling.len(), 2 * ops.len());
    let list40 = scaling.iter().find(|p| p["operation"] == "list" && p["identities"] == 40).unwrap();
    assert_eq!(list40["per"], "identity listed");
    assert!(close(list40["cost_s"].as_f64().unwrap(), list40["avg_latency_s"].as_f64().unwrap() / 40.0));
    assert_eq!(report["machine"]["cpus"].as_u64().map(|n| n >= 1), Some(true));
    check_html(&std::fs::read_to_string(&html_file).unwrap(), rounds.len());
}

#[test]
fn the_text_table_has_calipers_columns_and_one_row_per_round() {
    let w = TestWallet::uninitialised();
    let out = wallet_bin(w.dir.path())
        .args(["--wallet", "memory:", "bench", "--ops", "get,sign-digest", "--tx", "30", "--identities", "10"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let cells = |l: &str| l.trim_matches('|').split('|').map(|c| c.trim().to_owned()).collect::<Vec<_>>();
    let header = lines.iter().position(|l| l.starts_with("| Name ")).expect("a header row");
    assert_eq!(cells(lines[header]), [&CALIPER[..], &EXTRA[..]].concat());
    let rows: Vec<Vec<String>> =
        lines[header + 2..].iter().take_while(|l| l.starts_with("| ")).map(|l| cells(l)).collect();
    assert_eq!(rows.len(), 2);
    for (row, name) in rows.iter().zip(["get", "sign-digest"]) {
        assert_eq!(row[0], name);
        let succ: u64 = row[1].parse().unwrap();
        let fail: u64 = row[2].parse().unwrap();
        assert_eq!(succ + fail, 30);
        for cell in &row[3..] {
            cell.parse::<f64>().unwrap_or_else(|_| panic!("{cell:?} in {row:?} is not a number"));
        }
        assert_eq!(row[14], "10");
    }
}

#[test]
fn a_file_wallet_is_created_for_the_benchmark_and_reused_only_when_asked() {
    let w = TestWallet::uninitialised();
    let bench = |extra: &[&str]| {
        let mut cmd = w.cmd();
        cmd.env("WALLET_KDF_PARAMS", FAST_KDF).args([
            "--output",
            "json",
            "bench",
            "--ops",
            "get,put,list",
            "--tx",
            "12",
        ]);
        cmd.args(extra);
        cmd
    };
    let out = bench(&["--identities", "30"]).assert().success().get_output().stdout.clone();
    let report: Value = serde_json::from_slice(&out).unwrap();
    for r in report["rounds"].as_array().unwrap() {
        check_round(r, Some(12));
    }
    assert_eq!(report["wallet"], w.path.display().to_string());
    // What the benchmark left is a sound wallet: its identities, the signer, the admin, 12 puts.
    let labels = w.labels();
    assert_eq!(labels.len(), 30 + 12, "{labels:?}");
    assert_eq!(labels.iter().filter(|l| l.starts_with("fill-")).count(), 28);
    assert_eq!(labels.iter().filter(|l| l.starts_with("put-")).count(), 12);
    w.ok(["show", "fill-00000027"]);
    // Not again into the same wallet without --reuse: nothing is written.
    let refused = bench(&["--identities", "30"]).assert().code(5).get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&refused).contains("--reuse"), "{}", String::from_utf8_lossy(&refused));
    assert_eq!(w.labels().len(), 42);
    // With it, the wallet grows on: the 28 fillers are counted, 12 more are put.
    let out = bench(&["--reuse", "--identities", "60"]).assert().success().get_output().stdout.clone();
    let report: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report["fills"][0]["from"], 42);
    assert_eq!(report["rounds"][0]["identities"], 60);
    assert_eq!(w.labels().len(), 72);
}

#[test]
fn rounds_come_from_a_caliper_shaped_file_in_yaml_or_toml() {
    let w = TestWallet::uninitialised();
    let yaml = w.tmp("bench.yaml");
    std::fs::write(
        &yaml,
        "test:\n  name: from-a-file\n  workers: { number: 2 }\n  identities: 20\n  rounds:\n\
         \x20   - label: steady-get\n      txNumber: 30\n      rateControl: { type: fixed-rate, opts: { tps: 500 } }\n      workload: { module: get }\n\
         \x20   - label: verify\n      txDuration: 0.3\n      workers: 1\n",
    )
    .unwrap();
    let toml = w.tmp("bench.toml");
    std::fs::write(
        &toml,
        "[test]\nname = \"from-a-file\"\nidentities = 20\nworkers = { number = 2 }\n\n\
         [[test.rounds]]\nlabel = \"steady-get\"\ntxNumber = 30\nrateControl = { type = \"fixed-rate\", opts = { tps = 500 } }\nworkload = { module = \"get\" }\n\n\
         [[test.rounds]]\nlabel = \"verify\"\ntxDuration = 0.3\nworkers = 1\n",
    )
    .unwrap();
    for file in [yaml, toml] {
        let out = wallet_bin(w.dir.path())
            .args(["--wallet", "memory:", "--output", "json", "bench", "--config"])
            .arg(&file)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let report: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(report["name"], "from-a-file");
        let rounds = report["rounds"].as_array().unwrap();
        assert_eq!(rounds.len(), 2);
        assert_eq!(
            (&rounds[0]["name"], &rounds[0]["operation"], &rounds[0]["workers"]),
            (&"steady-get".into(), &"get".into(), &2.into())
        );
        assert_eq!(rounds[0]["rate_tps"], 500.0);
        check_round(&rounds[0], Some(30));
        assert_eq!((&rounds[1]["operation"], &rounds[1]["workers"]), (&"verify".into(), &1.into()));
        check_round(&rounds[1], None);
        assert_eq!(report["plan"]["rounds"][1]["limit"]["duration"], 0.3);
    }
}

#[test]
fn a_bad_benchmark_file_is_refused_with_what_and_where_before_any_wallet_is_made() {
    let w = TestWallet::uninitialised();
    let file = w.tmp("bad.yaml");
    std::fs::write(
        &file,
        "test:\n  rounds:\n    - label: get\n      txNumber: 10\n    - label: warp\n      txNumber: 5\n",
    )
    .unwrap();
    let err = w.cmd().arg("bench").arg("--config").arg(&file).assert().code(2).get_output().stderr.clone();
    let err = String::from_utf8(err).unwrap();
    assert!(err.contains(&file.display().to_string()), "{err}");
    assert!(err.contains("test.rounds[1] (\"warp\")") && err.contains("is not an operation; use one of"), "{err}");
    assert!(err.contains("hint: see `wallet bench --help`"), "{err}");
    assert!(!w.path.exists(), "a refused benchmark made a wallet");

    std::fs::write(
        &file,
        "test:\n  rounds:\n    - label: get\n      txNumber: 10\n      rateControl: { type: linear-rate }\n",
    )
    .unwrap();
    let err = w.cmd().arg("bench").arg("--config").arg(&file).assert().code(2).get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&err).contains("rateControl type \"linear-rate\" is not supported; use fixed-rate"));

    let missing = w.tmp("nope.yaml");
    let err = w.cmd().arg("bench").arg("--config").arg(&missing).assert().failure().get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&err).contains("nope.yaml"));

    let err = w.cmd().args(["bench", "--ops", "get,fly"]).assert().code(2).get_output().stderr.clone();
    assert!(String::from_utf8_lossy(&err).contains("\"fly\" is not an operation"));
    assert!(!w.path.exists());
}
