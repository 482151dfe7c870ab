//! Concurrency (issue 13): 8 processes × 500 mixed operations on one wallet and one embedded
//! CA — a file wallet and a real OpenBao — then every claim the workers made is checked: no lost
//! update, no duplicate serial, no corrupt record.
//!
//! The test binary runs itself as the workers (`concurrency_worker`, which does nothing unless
//! `CONCURRENCY_WALLET` is set). Each worker cycles through enrolments of its own identities,
//! renewals of its own and of one identity every worker renews (`hot`, the contended records),
//! reads that check the key against the certificate, copies and removals, listings and
//! signatures, and prints one line per outcome the parent checks.

#[path = "../vault/harness.rs"]
mod harness;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::sync::Arc;
use wallet_core::backend::{file::KdfParams, BackendError, OpenOptions, Passphrase, Secret as Token};
use wallet_core::ca::*;
use wallet_core::crypto::verify;
use wallet_core::{Error, Wallet};

const WORKERS: usize = 8;
const OPERATIONS: usize = 500;
const PASSPHRASE: &str = "eight processes, one wallet";

fn file_options() -> OpenOptions {
    // Cheap key derivation: this test is about concurrency, not about the KDF.
    OpenOptions::new().with_passphrase(Passphrase::new(PASSPHRASE)).with_kdf(KdfParams {
        m_cost_kib: 1024,
        t_cost: 1,
        p_cost: 1,
    })
}

fn options_for(uri: &str) -> OpenOptions {
    if uri.starts_with("vault") {
        OpenOptions::new().with_token(Token::new(harness::ROOT_TOKEN))
    } else {
        file_options()
    }
}

/// The key signs for the certificate: the record is one whole identity.
fn whole(identity: &wallet_core::Identity) -> bool {
    identity
        .sign(b"whole?")
        .ok()
        .and_then(|sig| verify(&identity.certificate().public_key().ok()?, b"whole?", &sig).ok())
        .is_some()
}

fn is_conflict(e: &Error) -> bool {
    matches!(e, Error::Backend(BackendError::Conflict { .. }))
}

/// One worker. Prints `issued ID SERIAL`, `present LABEL` / `removed LABEL` (its final state),
/// `conflicts N` and `done OPS`; any other failure ends it with a non-zero status.
#[test]
fn concurrency_worker() {
    let Ok(uri) = std::env::var("CONCURRENCY_WALLET") else { return };
    let name = std::env::var("CONCURRENCY_NAME").unwrap();
    let wallet = Arc::new(Wallet::open(&uri, &options_for(&uri)).unwrap());
    let ca = CertificateAuthority::open(wallet.clone(), "org1-ca").unwrap();
    let (mut own, mut copies, mut removed) = (Vec::<String>::new(), Vec::<String>::new(), Vec::<String>::new());
    let mut conflicts = 0;
    let mut ops = 0;
    // The test harness prints "test concurrency_worker ... " without a newline first.
    println!();
    for i in 0..OPERATIONS {
        match i % 10 {
            // Register and enrol an identity of its own.
            0 | 5 => {
                let id = format!("{name}-u{i}");
                let secret = ca
                    .register("admin", &RegistrationRequest { id: id.clone(), ..Default::default() })
                    .unwrap_or_else(|e| panic!("{name} op {i}: register: {e}"));
                let identity = ca
                    .enroll(&EnrollRequest { id: id.clone(), secret: Some(secret), ..Default::default() })
                    .unwrap_or_else(|e| panic!("{name} op {i}: enroll: {e}"));
                println!("issued {id} {}", identity.certificate().serial_hex());
                own.push(id);
            }
            // Renew the identity every worker renews: the contended records.
            1 | 6 => match ca.reenroll("hot", &ReenrollOptions::default()) {
                Ok(identity) => println!("issued hot {}", identity.certificate().serial_hex()),
                Err(e) if is_conflict(&e) => conflicts += 1,
                Err(e) => panic!("{name} op {i}: reenroll hot: {e}"),
            },
            // Renew one of its own.
            2 => {
                if let Some(id) = own.get(i % own.len().max(1)) {
                    let identity = ca
                        .reenroll(id, &ReenrollOptions::default())
                        .unwrap_or_else(|e| panic!("{name} op {i}: reenroll {id}: {e}"));
                    println!("issued {id} {}", identity.certificate().serial_hex());
                }
            }
            // Read an identity (its own, or the contended one) and check it is whole.
            3 | 8 => {
                let label = if i % 20 == 3 { "hot".to_owned() } else { own.last().cloned().unwrap_or("hot".into()) };
                let identity = wallet.get(&label).unwrap_or_else(|e| panic!("{name} op {i}: get {label}: {e}"));
                assert!(whole(&identity), "{name} op {i}: {label} is not whole");
            }
            // Store a copy of one of its identities under a label of its own.
            4 => {
                if let Some(id) = own.first() {
                    let label = format!("{name}-copy{i}");
                    let copy = wallet.get(id).unwrap().with_label(&label).unwrap();
                    wallet.put(&copy, false).unwrap_or_else(|e| panic!("{name} op {i}: put {label}: {e}"));
                    copies.push(label);
                }
            }
            // Remove its oldest copy.
            7 => {
                if !copies.is_empty() {
                    let label = copies.remove(0);
                    wallet.remove(&label).unwrap_or_else(|e| panic!("{name} op {i}: remove {label}: {e}"));
                    removed.push(label);
                }
            }
            // List: everything of its own that it stored and did not remove is there.
            _ => {
                let listed: BTreeSet<String> = wallet.list().unwrap().into_iter().collect();
                for label in own.iter().chain(&copies) {
                    assert!(listed.contains(label), "{name} op {i}: {label} is not listed");
                }
                for label in &removed {
                    assert!(!listed.contains(label), "{name} op {i}: removed {label} is listed");
                }
            }
        }
        ops += 1;
    }
    for label in own.iter().chain(&copies) {
        println!("present {label}");
    }
    for label in &removed {
        println!("removed {label}");
    }
    println!("conflicts {conflicts}");
    println!("done {ops}");
}

/// Set up a CA with `admin` and `hot` in the wallet at `uri`, run the workers, check.
fn eight_processes_on(uri: &str) {
    {
        let wallet = Arc::new(Wallet::create(uri, &options_for(uri)).unwrap());
        let (ca, secret) =
            CertificateAuthority::create_root(wallet, &CaOptions::new("org1-ca", "Org1MSP"), Arc::new(SystemClock))
                .unwrap();
        ca.enroll(&EnrollRequest { id: "admin".into(), secret: Some(secret), ..Default::default() }).unwrap();
        let hot = ca.register("admin", &RegistrationRequest { id: "hot".into(), ..Default::default() }).unwrap();
        ca.enroll(&EnrollRequest { id: "hot".into(), secret: Some(hot), ..Default::default() }).unwrap();
    }
    let exe = std::env::current_exe().unwrap();
    let started = std::time::Instant::now();
    let workers: Vec<_> = (0..WORKERS)
        .map(|w| {
            Command::new(&exe)
                .args(["--exact", "concurrency_worker", "--nocapture", "--test-threads", "1"])
                .env("CONCURRENCY_WALLET", uri)
                .env("CONCURRENCY_NAME", format!("w{w}"))
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let (mut issued, mut present, mut removed) = (Vec::<(String, String)>::new(), Vec::new(), Vec::new());
    let (mut ops, mut conflicts) = (0usize, 0usize);
    for (w, child) in workers.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "worker {w} failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        for line in stdout.lines() {
            let mut parts = line.split_whitespace();
            match (parts.next(), parts.next(), parts.next()) {
                (Some("issued"), Some(id), Some(serial)) => issued.push((id.to_owned(), serial.to_owned())),
                (Some("present"), Some(label), None) => present.push(label.to_owned()),
                (Some("removed"), Some(label), None) => removed.push(label.to_owned()),
                (Some("conflicts"), Some(n), None) => conflicts += n.parse::<usize>().unwrap(),
                (Some("done"), Some(n), None) => ops += n.parse::<usize>().unwrap(),
                _ => {}
            }
        }
    }
    let elapsed = started.elapsed();
    assert_eq!(ops, WORKERS * OPERATIONS, "operations run");
    // Every issuance attempt is accounted for: of each worker's 500 operations, 100 enrol, 50
    // renew one of its own and 100 renew `hot` (or are refused as a conflict).
    assert_eq!(issued.len() + conflicts, WORKERS * OPERATIONS / 2, "issuances reported");

    let wallet = Arc::new(Wallet::open(uri, &options_for(uri)).unwrap());
    let ca = CertificateAuthority::open(wallet.clone(), "org1-ca").unwrap();
    // No duplicate serial: among the issuances the workers saw, and in the registry.
    let serials: BTreeSet<&str> = issued.iter().map(|(_, s)| s.as_str()).collect();
    assert_eq!(serials.len(), issued.len(), "a serial was issued twice");
    let certs = ca.certificates(None).unwrap();
    let registry: BTreeMap<&str, &str> = certs.iter().map(|c| (c.serial.as_str(), c.id.as_str())).collect();
    assert_eq!(registry.len(), certs.len(), "the registry holds a serial twice");
    // No lost update: every issuance a worker saw succeed is in the registry, under its ID, and
    // listed by that identity.
    let mut by_id: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (id, serial) in &issued {
        assert_eq!(registry.get(serial.as_str()), Some(&id.as_str()), "{id}'s certificate {serial} is lost");
        by_id.entry(id).or_default().insert(serial);
    }
    for (id, serials) in &by_id {
        let listed: BTreeSet<String> = ca.identity(id).unwrap().certificates.into_iter().collect();
        for serial in serials {
            assert!(listed.contains(*serial), "{id} does not list {serial}: a lost registry update");
        }
    }
    // No corrupt record: every identity is whole; the wallet holds exactly what workers kept.
    let listed: BTreeSet<String> = wallet.list().unwrap().into_iter().collect();
    let mut expected: BTreeSet<String> = present.iter().cloned().collect();
    expected.extend(["admin".to_owned(), "hot".to_owned()]);
    assert_eq!(listed, expected, "the wallet's labels");
    for label in &listed {
        let identity = wallet.get(label).unwrap_or_else(|e| panic!("{label}: {e}"));
        assert!(whole(&identity), "{label} is not whole");
    }
    for label in &removed {
        assert!(!wallet.contains(label).unwrap(), "{label} was removed but is back");
    }
    // The contended identity's wallet entry is its newest renewal that a worker saw, or, if
    // none got through, its first certificate; either way the registry knows it.
    let hot = wallet.get("hot").unwrap().certificate().serial_hex();
    assert!(registry.get(hot.as_str()) == Some(&"hot"), "hot holds a certificate the registry does not know");
    eprintln!(
        "{uri}: {WORKERS} processes × {OPERATIONS} operations in {elapsed:.1?}: {} issuances, {} labels kept, \
         {} removed, {conflicts} contended renewals refused as conflicts; 0 anomalies",
        issued.len(),
        present.len(),
        removed.len()
    );
}

#[test]
fn eight_processes_share_a_file_wallet_and_its_ca() {
    let tmp = tempfile::tempdir().unwrap();
    eight_processes_on(&format!("file:{}", tmp.path().join("wallet").display()));
}

#[test]
fn eight_processes_share_an_openbao_wallet_and_its_ca() {
    let uri = harness::shared_dev().uri(&harness::unique_prefix("concurrency"));
    eight_processes_on(&uri);
}
