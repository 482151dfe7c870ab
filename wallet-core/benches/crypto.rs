//! The crypto providers side by side (run with `cargo bench -p wallet-core --bench crypto`):
//! for every provider compiled in, P-256 key generation, a message signature (256 bytes, as
//! `ffi/bench` signs), a digest signature (what fabric-gateway asks for), verification, and the
//! first signature of a key just loaded from a wallet record (scalar only: the provider derives
//! the public key and its signing state). Compare with `openssl speed ecdsap256`, which signs and
//! verifies a 20-byte digest; `scripts/bench.sh` runs both and prints the ratios.

use criterion::{criterion_group, criterion_main, Criterion};
use wallet_core::crypto::{provider, sha256, verify_digest_with, Signer, SoftwareKey};

fn providers(c: &mut Criterion) {
    let message = [0x5a_u8; 256];
    let digest = sha256(&message);
    for p in provider::all() {
        let mut g = c.benchmark_group(format!("provider/{}", p.name()));
        g.bench_function("keygen", |b| b.iter(|| SoftwareKey::generate_with(p).unwrap()));
        let key = SoftwareKey::generate_with(p).unwrap();
        g.bench_function("sign_message", |b| b.iter(|| key.sign(std::hint::black_box(&message)).unwrap()));
        g.bench_function("sign_digest", |b| b.iter(|| key.sign_digest(std::hint::black_box(&digest)).unwrap()));
        let sig = key.sign_digest(&digest).unwrap();
        let public = key.public_key();
        g.bench_function("verify_digest", |b| {
            b.iter(|| verify_digest_with(p, &public, std::hint::black_box(&digest), &sig).unwrap())
        });
        let scalar = *key.scalar_bytes();
        g.bench_function("load_and_first_sign", |b| {
            b.iter(|| {
                let k = SoftwareKey::from_scalar_bytes(&scalar, "bench").unwrap().with_provider(p);
                k.sign_digest(&digest).unwrap()
            })
        });
        g.finish();
    }
}

criterion_group!(benches, providers);
criterion_main!(benches);
