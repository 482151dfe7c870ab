//! Benchmarks of the embedded CA (run with `cargo bench -p wallet-core --bench ca`).
//!
//! - `primitives`: one P-256 key generation, one signature of a message (what issuance does),
//!   one signature of a precomputed digest (what a Fabric client does): the floor of any
//!   issuance, with the provider `WALLET_CRYPTO_PROVIDER` names (default: the build's,
//!   aws-lc with `fast-ec`); `benches/crypto.rs` compares the providers.
//! - `issue/memory_wallet`: one identity issued by a registrar into a memory wallet — key
//!   generation, Fabric-profile certificate, registry records, wallet entry (compare with
//!   `benches/issue_python.py`, the same profile with Python's `cryptography`).
//! - `register_enroll/secret`: register with a generated secret, then enrol with it.
//! - `bulk/N`: bulk enrolment of N identities, reported per identity (flat cost = no growth).
//! - `bulk_file/N` (only when `CA_BENCH_FILE_SIZES=N,…` is set): the same into an encrypted
//!   file wallet in `CA_BENCH_DIR` (default: the system temporary folder). Every record write
//!   there is durable (fsync), so this measures the disk as much as the CA.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wallet_core::backend::MemoryBackend;
use wallet_core::ca::*;
use wallet_core::crypto::{Signer, SoftwareKey};
use wallet_core::Wallet;

fn memory_wallet() -> Arc<Wallet> {
    Arc::new(Wallet::from_backend(Box::new(MemoryBackend::new())))
}

fn new_ca(wallet: Arc<Wallet>) -> CertificateAuthority {
    CertificateAuthority::bootstrap(wallet, &BootstrapOptions::root(CaOptions::new("bench-ca", "Org1MSP"))).unwrap().ca
}

fn row(id: String) -> BulkRow {
    BulkRow {
        id,
        identity_type: Some("client".into()),
        affiliation: Some("org1.department1".into()),
        attributes: vec![Attribute::new("role", "auditor", true)],
    }
}

fn primitives(c: &mut Criterion) {
    wallet_core::crypto::provider::install_from_env(wallet_core::crypto::provider::Artefact::Library)
        .expect("WALLET_CRYPTO_PROVIDER");
    let mut g = c.benchmark_group("primitives");
    g.bench_function("p256_keygen", |b| b.iter(SoftwareKey::generate));
    let key = SoftwareKey::generate();
    g.bench_function("p256_sign", |b| b.iter(|| key.sign(b"tbs certificate bytes").unwrap()));
    let digest = wallet_core::crypto::sha256(b"tbs certificate bytes");
    g.bench_function("p256_sign_digest", |b| b.iter(|| key.sign_digest(&digest).unwrap()));
    g.finish();
}

fn issue(c: &mut Criterion) {
    let ca = new_ca(memory_wallet());
    let n = AtomicUsize::new(0);
    let mut g = c.benchmark_group("issue");
    g.throughput(Throughput::Elements(1));
    g.bench_function("memory_wallet", |b| {
        b.iter_batched(
            || row(format!("u{}", n.fetch_add(1, Ordering::Relaxed))),
            |r| {
                let report = ca.bulk_enroll("admin", [r], &BulkOptions::default(), &mut |_| {}).unwrap();
                assert_eq!(report.enrolled, 1);
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn register_enroll(c: &mut Criterion) {
    let ca = new_ca(memory_wallet());
    let n = AtomicUsize::new(0);
    let mut g = c.benchmark_group("register_enroll");
    g.throughput(Throughput::Elements(1));
    g.bench_function("secret", |b| {
        b.iter(|| {
            let id = format!("s{}", n.fetch_add(1, Ordering::Relaxed));
            let secret = ca
                .register(
                    "admin",
                    &RegistrationRequest {
                        id: id.clone(),
                        identity_type: Some("client".into()),
                        affiliation: Some("org1.department1".into()),
                        attributes: vec![Attribute::new("role", "auditor", true)],
                        ..Default::default()
                    },
                )
                .unwrap();
            ca.enroll(&EnrollRequest { id, secret: Some(secret), ..Default::default() }).unwrap()
        })
    });
    g.finish();
}

fn bulk(c: &mut Criterion) {
    let mut g = c.benchmark_group("bulk");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    let sizes: Vec<usize> = match std::env::var("CA_BENCH_BULK_SIZES") {
        Ok(s) => s.split(',').map(|n| n.trim().parse().expect("CA_BENCH_BULK_SIZES: numbers")).collect(),
        Err(_) => vec![1_000, 10_000],
    };
    for size in sizes {
        g.throughput(Throughput::Elements(size as u64));
        g.bench_function(format!("{size}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let ca = new_ca(memory_wallet());
                    let rows: Vec<BulkRow> = (0..size).map(|i| row(format!("b{i}"))).collect();
                    let start = Instant::now();
                    let report = ca.bulk_enroll("admin", rows, &BulkOptions::default(), &mut |_| {}).unwrap();
                    total += start.elapsed();
                    assert_eq!(report.enrolled, size);
                }
                total
            })
        });
    }
    g.finish();
}

fn bulk_file(c: &mut Criterion) {
    use wallet_core::backend::{file::KdfParams, OpenOptions, Passphrase};
    let Ok(sizes) = std::env::var("CA_BENCH_FILE_SIZES") else { return };
    let base = std::env::var_os("CA_BENCH_DIR").map(std::path::PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let options = OpenOptions::new().with_passphrase(Passphrase::new("bench")).with_kdf(KdfParams::default());
    let mut g = c.benchmark_group("bulk_file");
    g.sample_size(10);
    for size in sizes.split(',').map(|n| n.trim().parse::<usize>().expect("CA_BENCH_FILE_SIZES: numbers")) {
        g.throughput(Throughput::Elements(size as u64));
        g.bench_function(format!("{size}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let dir = tempfile::tempdir_in(&base).unwrap();
                    let uri = format!("file:{}", dir.path().join("wallet").display());
                    let wallet = Arc::new(Wallet::create(&uri, &options).unwrap());
                    let ca = new_ca(wallet);
                    let rows: Vec<BulkRow> = (0..size).map(|i| row(format!("b{i}"))).collect();
                    let start = Instant::now();
                    let report = ca.bulk_enroll("admin", rows, &BulkOptions::default(), &mut |_| {}).unwrap();
                    total += start.elapsed();
                    assert_eq!(report.enrolled, size);
                }
                total
            })
        });
    }
    g.finish();
}

criterion_group!(benches, primitives, issue, register_enroll, bulk, bulk_file);
criterion_main!(benches);
