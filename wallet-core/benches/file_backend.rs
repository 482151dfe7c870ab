//! The file wallet at 10,000 identities: load, list, overwrite, unlock, and signing.
//!
//! The wallet is filled once per run through `Wallet::put` (each a real create with its fsyncs)
//! with ONE freshly generated key and self-signed certificate stored under 10,000 labels:
//! storage cost does not depend on which key is inside, and generating 10,000 certificates
//! would only slow the setup. The wallet uses the default Argon2id parameters.
//!
//! Run: `cargo bench -p wallet-core --bench file_backend -- --warm-up-time 1 --measurement-time 3`

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;
use std::time::{Duration, Instant};
use wallet_core::backend::{Expect, OpenOptions, Passphrase, RecordKey};
use wallet_core::crypto::SoftwareKey;
use wallet_core::{Certificate, Identity, IdentityKey, Wallet};

const RECORDS: usize = 10_000;

fn label(i: usize) -> String {
    format!("user{i:05}@org1.example.com")
}

fn self_signed(label: &str) -> Identity {
    use x509_cert::builder::{Builder, CertificateBuilder, Profile};
    use x509_cert::der::Encode;
    use x509_cert::spki::SubjectPublicKeyInfoOwned;

    let key = SoftwareKey::generate();
    let signing = p256::ecdsa::SigningKey::from_slice(key.scalar_bytes()).unwrap();
    let spki = SubjectPublicKeyInfoOwned::from_key(*signing.verifying_key()).unwrap();
    let validity = x509_cert::time::Validity::from_now(Duration::from_secs(365 * 24 * 3600)).unwrap();
    let cert = CertificateBuilder::new(
        Profile::Root,
        x509_cert::serial_number::SerialNumber::from(1u32),
        validity,
        "CN=bench,OU=client,O=Org1".parse().unwrap(),
        spki,
        &signing,
    )
    .unwrap()
    .build::<p256::ecdsa::DerSignature>()
    .unwrap();
    let cert = Certificate::from_der(&cert.to_der().unwrap(), label).unwrap();
    Identity::new(label, "Org1MSP", cert, Vec::new(), IdentityKey::software(key)).unwrap()
}

struct Fixture {
    _tmp: tempfile::TempDir,
    uri: String,
    options: OpenOptions,
    wallet: Wallet,
}

fn fixture() -> Fixture {
    let tmp = tempfile::Builder::new().prefix("file-backend-bench").tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let uri = format!("file:{}", tmp.path().join("wallet").display());
    let options = OpenOptions::new().with_passphrase(Passphrase::new("bench passphrase"));
    let wallet = Wallet::create(&uri, &options).unwrap();
    let identity = self_signed(&label(0));
    let started = Instant::now();
    for i in 0..RECORDS {
        wallet.put(&identity.clone().with_label(&label(i)).unwrap(), false).unwrap();
    }
    eprintln!("filled {RECORDS} identities in {:.1} s", started.elapsed().as_secs_f64());
    Fixture { _tmp: tmp, uri, options, wallet }
}

fn benches(c: &mut Criterion) {
    let f = fixture();
    let wallet = &f.wallet;
    let mut i = 0usize;
    let mut next_label = || {
        i = (i + 7919) % RECORDS;
        label(i)
    };

    c.bench_function("backend get (read + decrypt), 10k records", |b| {
        let keys: Vec<RecordKey> = (0..RECORDS).map(|i| RecordKey::new("identity", &label(i))).collect();
        let mut n = 0;
        b.iter(|| {
            n = (n + 7919) % RECORDS;
            black_box(wallet.backend().get(&keys[n]).unwrap().unwrap())
        })
    });
    c.bench_function("Wallet::get (ready to sign), 10k records", |b| {
        b.iter_batched(&mut next_label, |l| black_box(wallet.get(&l).unwrap()), BatchSize::SmallInput)
    });
    c.bench_function("Wallet::list, 10k records", |b| b.iter(|| black_box(wallet.list().unwrap())));

    let mut slow = c.benchmark_group("slow");
    slow.sample_size(10);
    // Another handle (as another process would) changes the index before each list, so this
    // list has to read and decrypt the whole index again.
    let other = Wallet::open(&f.uri, &f.options).unwrap();
    let extra = RecordKey::new("identity", "zz-churn");
    slow.bench_function("Wallet::list after another writer changed the index, 10k records", |b| {
        b.iter_batched(
            || {
                other.backend().put(&extra, b"{}", Expect::Any).unwrap();
                other.backend().delete(&extra, Expect::Any).unwrap();
            },
            |()| black_box(wallet.list().unwrap()),
            BatchSize::PerIteration,
        )
    });
    let replacement = self_signed(&label(5000));
    slow.bench_function("Wallet::put overwrite (with fsync), 10k records", |b| {
        b.iter(|| wallet.put(black_box(&replacement), true).unwrap())
    });
    slow.bench_function("Wallet::open (unlock, Argon2id m=64MiB t=3 p=4)", |b| {
        b.iter(|| black_box(Wallet::open(&f.uri, &f.options).unwrap()))
    });
    slow.finish();

    let loaded = wallet.get(&label(42)).unwrap();
    let mut group = c.benchmark_group("sign");
    group.throughput(Throughput::Elements(1));
    group.bench_function("Identity::sign (SHA-256 + ECDSA P-256, low-S DER)", |b| {
        b.iter(|| black_box(loaded.sign(black_box(b"a proposal of a few hundred bytes")).unwrap()))
    });
    group.finish();
}

criterion_group!(file_backend, benches);
criterion_main!(file_backend);
