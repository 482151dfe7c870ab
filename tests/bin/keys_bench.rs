//! The Rust side of benches/keys.sh: signatures per second through the Transit and PKCS#11 key
//! stores. `keys-bench transit SPEC N` (one at a time, then batched) and
//! `keys-bench pkcs11 SPEC N THREADS` (one thread, then THREADS threads on one key; the pool
//! size comes from WALLET_PKCS11_SESSIONS).

use std::sync::Arc;
use std::time::Instant;
use wallet_core::crypto::{sha256, verify_digest, KeySpec, KeyStores, Signer};

fn rate(what: &str, n: usize, start: Instant) {
    let s = start.elapsed().as_secs_f64();
    println!("{what:<48} {n:>6} signatures in {s:>7.3} s = {:>8.0} /s", n as f64 / s);
}

fn check(signer: &dyn Signer, digest: &[u8; 32], sig: &[u8]) {
    verify_digest(&signer.public_key(), digest, sig).expect("a signature that does not verify");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (kind, spec, n) = (args[1].as_str(), args[2].as_str(), args[3].parse::<usize>().unwrap());
    let keys = KeyStores::built_in(None).unwrap();
    let spec = KeySpec::parse(spec).unwrap();
    let key = keys.get(spec.scheme()).unwrap().generate_with("bench", spec.rest()).unwrap();
    let signer = key.signer.clone();
    let digests: Vec<[u8; 32]> = (0..n).map(|i| sha256(format!("bench {i}").as_bytes())).collect();
    signer.sign_digest(&digests[0]).unwrap(); // connect, log in
    let start = Instant::now();
    for d in &digests {
        let sig = signer.sign_digest(d).unwrap();
        std::hint::black_box(sig);
    }
    rate(&format!("{kind}: one at a time, 1 thread"), n, start);
    match kind {
        "transit" => {
            let start = Instant::now();
            let sigs = signer.sign_digests(&digests).unwrap();
            rate("transit: batch_input (250 per request)", n, start);
            for (d, s) in digests.iter().zip(&sigs) {
                check(signer.as_ref(), d, s);
            }
        }
        _ => {
            let threads = args[4].parse::<usize>().unwrap();
            let digests = Arc::new(digests);
            let start = Instant::now();
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (signer, digests) = (signer.clone(), digests.clone());
                    std::thread::spawn(move || {
                        for d in digests.iter().skip(t).step_by(threads) {
                            std::hint::black_box(signer.sign_digest(d).unwrap());
                        }
                    })
                })
                .collect();
            for h in handles {
                h.join().unwrap();
            }
            let sessions = std::env::var("WALLET_PKCS11_SESSIONS").unwrap_or_else(|_| "default".into());
            rate(&format!("pkcs11: {threads} threads, one key, pool of {sessions}"), n, start);
        }
    }
}
