//! Two processes enrolling against the same file-backed CA at once: no duplicate serial, no
//! max enrollment exceeded, no lost registry update.
//!
//! The test binary runs itself twice as workers (`ca_worker`, which does nothing unless the
//! `CA_WORKER_WALLET` variable is set) and checks the wallet they both wrote.

use std::collections::BTreeSet;
use std::process::Command;
use wallet_core::backend::{file::KdfParams, OpenOptions, Passphrase};
use wallet_core::ca::*;
use wallet_core::{Error, Wallet};

const PASSPHRASE: &str = "two processes, one wallet";
const SHARED_MAX: i32 = 7;
const ATTEMPTS_PER_WORKER: usize = 6;
const OWN_PER_WORKER: usize = 15;

fn options() -> OpenOptions {
    // Cheap key derivation: this test is about concurrency, not about the KDF.
    OpenOptions::new().with_passphrase(Passphrase::new(PASSPHRASE)).with_kdf(KdfParams {
        m_cost_kib: 1024,
        t_cost: 1,
        p_cost: 1,
    })
}

/// One worker: enrols the shared identity until refused, and registers + enrols its own.
#[test]
fn ca_worker() {
    let Ok(uri) = std::env::var("CA_WORKER_WALLET") else { return };
    let name = std::env::var("CA_WORKER_NAME").unwrap();
    let secret = Secret::new(std::env::var("CA_WORKER_SECRET").unwrap());
    let wallet = std::sync::Arc::new(Wallet::open(&uri, &options()).unwrap());
    let ca = CertificateAuthority::open(wallet.clone(), "shared-ca").unwrap();
    let mut enrolled = 0;
    for i in 0..ATTEMPTS_PER_WORKER {
        let label = format!("shared-{name}-{i}");
        match ca.enroll(&EnrollRequest {
            id: "shared".into(),
            secret: Some(secret.clone()),
            label: Some(label),
            ..Default::default()
        }) {
            Ok(_) => enrolled += 1,
            Err(Error::Ca(CaError::MaxEnrollmentsReached { .. })) => {}
            Err(e) => panic!("worker {name}: {e}"),
        }
    }
    for i in 0..OWN_PER_WORKER {
        let id = format!("{name}-user{i}");
        let s = ca.register("admin", &RegistrationRequest { id: id.clone(), ..Default::default() }).unwrap();
        ca.enroll(&EnrollRequest { id, secret: Some(s), ..Default::default() }).unwrap();
        ca.add_affiliation("admin", &format!("org1.{name}{i}"), false).unwrap();
    }
    println!("\nENROLLED_SHARED={enrolled}");
}

#[test]
fn two_processes_share_one_file_backed_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let uri = format!("file:{}", tmp.path().join("wallet").display());
    let secret = {
        let wallet = std::sync::Arc::new(Wallet::create(&uri, &options()).unwrap());
        let ca =
            CertificateAuthority::bootstrap(wallet, &BootstrapOptions::root(CaOptions::new("shared-ca", "Org1MSP")))
                .unwrap()
                .ca;
        ca.register(
            "admin",
            &RegistrationRequest { id: "shared".into(), max_enrollments: Some(SHARED_MAX), ..Default::default() },
        )
        .unwrap()
    };
    let exe = std::env::current_exe().unwrap();
    let workers: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|name| {
            Command::new(&exe)
                .args(["--exact", "ca_worker", "--nocapture", "--test-threads", "1"])
                .env("CA_WORKER_WALLET", &uri)
                .env("CA_WORKER_NAME", name)
                .env("CA_WORKER_SECRET", secret.expose())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut shared = 0;
    for w in workers {
        let out = w.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "worker failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        let n: i32 = stdout
            .split("ENROLLED_SHARED=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("worker printed no count:\n{stdout}"))
            .parse()
            .unwrap();
        shared += n;
    }

    let wallet = std::sync::Arc::new(Wallet::open(&uri, &options()).unwrap());
    let ca = CertificateAuthority::open(wallet.clone(), "shared-ca").unwrap();
    // The allowance was reached exactly, never exceeded.
    assert_eq!(shared, SHARED_MAX, "2 × {ATTEMPTS_PER_WORKER} attempts at an allowance of {SHARED_MAX}");
    let info = ca.identity("shared").unwrap();
    assert_eq!(info.enrollments as i32, SHARED_MAX);
    assert_eq!(info.certificates.len() as i32, SHARED_MAX);
    // No lost update: every identity, certificate and affiliation of both workers is there.
    let ids: BTreeSet<String> = ca.identities().unwrap().into_iter().map(|i| i.id).collect();
    for name in ["a", "b"] {
        for i in 0..OWN_PER_WORKER {
            assert!(ids.contains(&format!("{name}-user{i}")));
            assert!(wallet.contains(&format!("{name}-user{i}")).unwrap());
            assert!(ca.affiliations().unwrap().contains(&format!("org1.{name}{i}")));
            assert_eq!(ca.identity(&format!("{name}-user{i}")).unwrap().enrollments, 1);
        }
    }
    // No duplicate serial: one record per certificate, as many as were issued.
    let certs = ca.certificates(None).unwrap();
    let serials: BTreeSet<&str> = certs.iter().map(|c| c.serial.as_str()).collect();
    assert_eq!(serials.len(), certs.len());
    assert_eq!(certs.len(), 1 + SHARED_MAX as usize + 2 * OWN_PER_WORKER);
    let in_wallet = wallet.list().unwrap().into_iter().filter(|l| l.starts_with("shared-")).count();
    assert_eq!(in_wallet as i32, SHARED_MAX);
}
