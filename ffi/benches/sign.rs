//! The Rust side of the C-API benchmarks (see `ffi/bench/run.sh` and BENCHMARKS.md): the same
//! identity, message, modes and loop as `ffi/bench/sign_bench.c`, through `wallet_core`
//! (`message`: `Identity::sign`; `digest`: `sign_input(SignInput::Digest)`; `verify`).
//!
//! `cargo bench -p ffi --bench sign -- CERT.pem KEY.pem [ITERATIONS] [message|digest|verify]`

use std::time::Instant;
use wallet_core::backend::OpenOptions;
use wallet_core::sign::SignInput;
use wallet_core::{Certificate, Identity, IdentityKey, Wallet};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let [cert, key, rest @ ..] = args.as_slice() else {
        eprintln!("usage: cargo bench -p ffi --bench sign -- CERT.pem KEY.pem [ITERATIONS]");
        std::process::exit(2);
    };
    let iterations: usize = rest.first().map_or(100_000, |n| n.parse().expect("ITERATIONS is a number"));
    let mode = rest.get(1).map_or("message", String::as_str);
    // The provider a C program gets by default (or the one WALLET_CRYPTO_PROVIDER names).
    wallet_core::crypto::provider::install_from_env(wallet_core::crypto::provider::Artefact::CLibrary)
        .expect("WALLET_CRYPTO_PROVIDER");
    let cert = Certificate::from_pem(&std::fs::read(cert).expect("read CERT"), "CERT").expect("parse CERT");
    let key =
        wallet_core::crypto::parse_private_key_pem(&std::fs::read(key).expect("read KEY"), "KEY").expect("parse KEY");
    let wallet = Wallet::open("memory:", &OpenOptions::new()).expect("memory wallet");
    let identity = Identity::new("bench", "Org1MSP", cert, vec![], IdentityKey::software(key)).expect("identity");
    wallet.put(&identity, false).expect("store identity");
    // Load it back, as the C benchmark does, so both sign with a key fresh from a wallet record.
    let identity = wallet.get("bench").expect("load identity");

    let message = [0x5a_u8; 256];
    let warm = identity.sign(&message).expect("sign");
    assert!(wallet_core::crypto::is_low_s(&warm).expect("DER"));
    let digest = wallet_core::crypto::sha256(&message);
    let public = identity.certificate().public_key().expect("public key");

    let start = Instant::now();
    let mut total = 0usize;
    for _ in 0..iterations {
        let n = match mode {
            "message" => identity.sign(std::hint::black_box(&message)).expect("sign").len(),
            "digest" => {
                identity.sign_input(SignInput::Digest(std::hint::black_box(&digest))).expect("sign").signature.len()
            }
            "verify" => {
                wallet_core::crypto::verify(&public, std::hint::black_box(&message), &warm).expect("verify");
                1
            }
            other => panic!("unknown mode {other}"),
        };
        total += n;
    }
    let secs = start.elapsed().as_secs_f64();
    std::hint::black_box(total);
    println!(
        "rust-api {mode} x1: {iterations} ops in {secs:.3} s: {:.0} sign/s, {:.2} us/op ({})",
        iterations as f64 / secs,
        secs * 1e6 / iterations as f64,
        wallet_core::crypto::provider::get_default().name()
    );
}
