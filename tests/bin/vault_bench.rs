//! The Rust side of `benches/vault.sh`: KV v2 `get`/`put` latency through the vault backend,
//! and a bulk enrolment into OpenBao with the time split between the store's calls and the
//! client's own work. Prints one JSON object per line.
//!
//! Usage: `vault-bench kv URI N` or `vault-bench bulk URI N` (token in `VAULT_TOKEN`).

use std::sync::Mutex;
use std::time::{Duration, Instant};
use wallet_core::backend::{self, Backend, BatchPut, Capabilities, Expect, OpenOptions, RecordKey, Version, Versioned};
use wallet_core::ca::*;
use wallet_core::Wallet;

fn stats(op: &str, mut us: Vec<f64>) {
    us.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = us.len();
    let mean = us.iter().sum::<f64>() / n as f64;
    println!(
        "{{\"client\":\"wallet (ureq)\",\"op\":\"{op}\",\"n\":{n},\"mean_us\":{mean:.1},\"p50_us\":{:.1},\"p99_us\":{:.1}}}",
        us[n / 2],
        us[(n * 99 / 100).min(n - 1)]
    );
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed().as_secs_f64() * 1e6)
}

/// CPU seconds of this process so far (user + system), from /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
    let ticks: f64 = fields.get(11..13).map(|f| f.iter().filter_map(|t| t.parse::<f64>().ok()).sum()).unwrap_or(0.0);
    ticks / 100.0
}

fn kv(uri: &str, n: usize) {
    let store = backend::create(uri, &OpenOptions::new()).unwrap();
    let value: Vec<u8> = (0..256u32).map(|i| (i * 7) as u8).collect();
    let keys: Vec<RecordKey> = (0..n).map(|i| RecordKey::new("ca", &format!("bench{i}"))).collect();
    // Warm the connection pool.
    store.get(&RecordKey::new("ca", "warm")).unwrap();
    stats(
        "put (create, cas=0)",
        keys.iter().map(|k| timed(|| store.put(k, &value, Expect::Absent).unwrap()).1).collect(),
    );
    stats("get", keys.iter().map(|k| timed(|| store.get(k).unwrap().unwrap()).1).collect());
    stats(
        "put (update, cas=1)",
        keys.iter().map(|k| timed(|| store.put(k, &value, Expect::Version(1)).unwrap()).1).collect(),
    );
}

/// A store that times every call it passes on.
#[derive(Debug)]
struct Timed {
    inner: Box<dyn Backend>,
    calls: Mutex<std::collections::BTreeMap<&'static str, (u64, Duration)>>,
}

impl Timed {
    fn record<T>(&self, op: &'static str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        let mut calls = self.calls.lock().unwrap();
        let entry = calls.entry(op).or_default();
        entry.0 += 1;
        entry.1 += start.elapsed();
        out
    }
}

impl Backend for Timed {
    fn location(&self) -> String {
        self.inner.location()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn get(&self, key: &RecordKey) -> wallet_core::Result<Option<Versioned>> {
        self.record("get", || self.inner.get(key))
    }
    fn put(&self, key: &RecordKey, value: &[u8], expect: Expect) -> wallet_core::Result<Version> {
        self.record("put", || self.inner.put(key, value, expect))
    }
    fn put_batch(&self, writes: &[BatchPut<'_>]) -> wallet_core::Result<Vec<Version>> {
        self.record("put_batch", || self.inner.put_batch(writes))
    }
    fn delete(&self, key: &RecordKey, expect: Expect) -> wallet_core::Result<bool> {
        self.record("delete", || self.inner.delete(key, expect))
    }
    fn list(&self, kind: &str, prefix: &str) -> wallet_core::Result<Vec<String>> {
        self.record("list", || self.inner.list(kind, prefix))
    }
}

fn bulk(uri: &str, n: usize) {
    let inner = backend::create(uri, &OpenOptions::new()).unwrap();
    let wallet = std::sync::Arc::new(Wallet::from_backend(Box::new(Timed { inner, calls: Mutex::default() })));
    let (ca, secret) = CertificateAuthority::create_root(
        wallet.clone(),
        &CaOptions::new("bench-ca", "Org1MSP"),
        std::sync::Arc::new(SystemClock),
    )
    .unwrap();
    ca.enroll(&EnrollRequest { id: "admin".into(), secret: Some(secret), ..Default::default() }).unwrap();
    let timed = wallet.backend().as_any().downcast_ref::<Timed>().unwrap();
    timed.calls.lock().unwrap().clear();
    let rows: Vec<BulkRow> = (0..n)
        .map(|i| BulkRow {
            id: format!("user{i}"),
            identity_type: Some("client".into()),
            affiliation: Some("org1.department1".into()),
            ..Default::default()
        })
        .collect();
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    let report = ca.bulk_enroll("admin", rows, &BulkOptions { max_enrollments: Some(1) }, &mut |_| {}).unwrap();
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    assert_eq!(report.enrolled, n);
    let calls = timed.calls.lock().unwrap();
    let in_store: f64 = calls.values().map(|(_, d)| d.as_secs_f64()).sum();
    let detail: Vec<String> = calls
        .iter()
        .map(|(op, (count, d))| format!("\"{op}\":{{\"calls\":{count},\"seconds\":{:.3}}}", d.as_secs_f64()))
        .collect();
    println!(
        "{{\"bulk_enrolled\":{n},\"wall_s\":{wall:.3},\"per_identity_ms\":{:.3},\"in_store_calls_s\":{in_store:.3},\"outside_store_s\":{:.3},\"client_cpu_s\":{cpu:.3},\"calls\":{{{}}}}}",
        wall * 1000.0 / n as f64,
        wall - in_store,
        detail.join(",")
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(mode), Some(uri), Some(n)) = (args.get(1), args.get(2), args.get(3).and_then(|n| n.parse().ok())) else {
        eprintln!("usage: vault-bench kv|bulk URI N   (token in VAULT_TOKEN)");
        std::process::exit(2);
    };
    match mode.as_str() {
        "kv" => kv(uri, n),
        "bulk" => bulk(uri, n),
        _ => std::process::exit(2),
    }
}
