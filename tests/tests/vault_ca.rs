//! The embedded CA and bulk enrolment kept in a real OpenBao: enrolment limits and serials
//! under two processes at once, and a server stopped in the middle of a bulk enrolment.

#[path = "../vault/ca_check.rs"]
mod ca_check;
#[path = "../vault/harness.rs"]
mod harness;

use ca_check::{assert_whole_and_counted, create_ca, rows};
use harness::{shared_dev, unique_prefix, Cluster, ROOT_TOKEN};
use std::collections::BTreeSet;
use std::process::Command;
use std::sync::Arc;
use wallet_core::backend::{BackendError, OpenOptions, Secret as Token};
use wallet_core::ca::*;
use wallet_core::{Error, Wallet};

const SHARED_MAX: i32 = 7;
const ATTEMPTS_PER_WORKER: usize = 6;
const OWN_PER_WORKER: usize = 15;

fn options() -> OpenOptions {
    OpenOptions::new().with_token(Token::new(ROOT_TOKEN))
}

#[test]
fn the_ca_issues_revokes_and_bulk_enrols_on_vault() {
    let uri = shared_dev().uri(&unique_prefix("ca"));
    let wallet = Arc::new(Wallet::create(&uri, &options()).unwrap());
    let ca = create_ca(&wallet, "org1-ca");
    let ids: Vec<String> = (0..120).map(|i| format!("bulk{i}")).collect();
    let report =
        ca.bulk_enroll("admin", rows("bulk", 120), &BulkOptions { max_enrollments: Some(1) }, &mut |_| {}).unwrap();
    assert_eq!((report.enrolled, report.skipped, report.failed.len()), (120, 0, 0));
    let again =
        ca.bulk_enroll("admin", rows("bulk", 120), &BulkOptions { max_enrollments: Some(1) }, &mut |_| {}).unwrap();
    assert_eq!((again.enrolled, again.skipped), (0, 120), "a rerun skips what is enrolled");
    // Reopened (another process would), the CA goes on issuing and revoking.
    let wallet = Arc::new(Wallet::open(&uri, &options()).unwrap());
    let ca = CertificateAuthority::open(wallet.clone(), "org1-ca").unwrap();
    assert_whole_and_counted(&ca, &wallet, &ids, 1);
    ca.revoke("admin", &RevokeTarget::Identity("bulk7".into()), RevocationReason::KeyCompromise).unwrap();
    let crl = ca.generate_crl("admin", &CrlOptions::default()).unwrap();
    assert!(!crl.der.is_empty());
    let s = ca.register("admin", &RegistrationRequest { id: "late".into(), ..Default::default() }).unwrap();
    ca.enroll(&EnrollRequest { id: "late".into(), secret: Some(s), ..Default::default() }).unwrap().sign(b"x").unwrap();
}

/// One worker process: enrols the shared identity until refused, and registers + enrols its
/// own. Does nothing unless `VAULT_CA_WORKER_URI` is set.
#[test]
fn vault_ca_worker() {
    let Ok(uri) = std::env::var("VAULT_CA_WORKER_URI") else { return };
    let name = std::env::var("VAULT_CA_WORKER_NAME").unwrap();
    let secret = Secret::new(std::env::var("VAULT_CA_WORKER_SECRET").unwrap());
    let wallet = Arc::new(Wallet::open(&uri, &options()).unwrap());
    let ca = CertificateAuthority::open(wallet, "shared-ca").unwrap();
    let mut enrolled = 0;
    for i in 0..ATTEMPTS_PER_WORKER {
        let request = EnrollRequest {
            id: "shared".into(),
            secret: Some(secret.clone()),
            label: Some(format!("shared-{name}-{i}")),
            ..Default::default()
        };
        match ca.enroll(&request) {
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
fn two_processes_share_one_ca_in_openbao() {
    let dev = shared_dev();
    let uri = dev.uri(&unique_prefix("two-processes"));
    let secret = {
        let wallet = Arc::new(Wallet::create(&uri, &options()).unwrap());
        let ca = create_ca(&wallet, "shared-ca");
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
                .args(["--exact", "vault_ca_worker", "--nocapture", "--test-threads", "1"])
                .env("VAULT_CA_WORKER_URI", &uri)
                .env("VAULT_CA_WORKER_NAME", name)
                .env("VAULT_CA_WORKER_SECRET", secret.expose())
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
    let wallet = Arc::new(Wallet::open(&uri, &options()).unwrap());
    let ca = CertificateAuthority::open(wallet.clone(), "shared-ca").unwrap();
    assert_eq!(shared, SHARED_MAX, "2 × {ATTEMPTS_PER_WORKER} attempts at an allowance of {SHARED_MAX}");
    let info = ca.identity("shared").unwrap();
    assert_eq!(info.enrollments as i32, SHARED_MAX);
    assert_eq!(info.certificates.len() as i32, SHARED_MAX);
    let ids: BTreeSet<String> = ca.identities().unwrap().into_iter().map(|i| i.id).collect();
    let own: Vec<String> =
        ["a", "b"].iter().flat_map(|n| (0..OWN_PER_WORKER).map(move |i| format!("{n}-user{i}"))).collect();
    for id in &own {
        assert!(ids.contains(id), "lost registration {id}");
    }
    let affiliations = ca.affiliations().unwrap();
    for name in ["a", "b"] {
        for i in 0..OWN_PER_WORKER {
            assert!(affiliations.contains(&format!("org1.{name}{i}")), "lost affiliation update org1.{name}{i}");
        }
    }
    assert_whole_and_counted(&ca, &wallet, &own, 1 + SHARED_MAX as usize);
    let in_wallet = wallet.list().unwrap().into_iter().filter(|l| l.starts_with("shared-")).count();
    assert_eq!(in_wallet as i32, SHARED_MAX);
}

#[test]
fn the_server_stopped_mid_bulk_gives_a_clear_error_and_a_rerun_after_restart_completes() {
    const N: usize = 700;
    let mut server = Cluster::start(1, None);
    let uri = format!("{}?retry_for=2", server.uri("w"));
    let token = OpenOptions::new().with_token(Token::new(server.root_token.clone()));
    let ids: Vec<String> = (0..N).map(|i| format!("u{i}")).collect();
    {
        let wallet = Arc::new(Wallet::create(&uri, &token).unwrap());
        let ca = create_ca(&wallet, "org1-ca");
        let node = std::cell::RefCell::new(&mut server.nodes[0]);
        let mut reported = 0;
        let result = ca.bulk_enroll("admin", rows("u", N), &BulkOptions { max_enrollments: Some(1) }, &mut |_| {
            reported += 1;
            if reported == 1 {
                node.borrow_mut().stop("kill");
            }
        });
        let err = result.expect_err("the server was killed in the middle");
        assert!(
            matches!(&err, Error::Backend(BackendError::Vault(v)) if matches!(**v, wallet_core::backend::vault::VaultError::Unreachable { .. })),
            "{err}"
        );
        assert!(err.to_string().contains("unreachable"), "{err}");
        let Error::Backend(BackendError::Vault(v)) = &err else { unreachable!("matched above") };
        assert!(v.hint().is_some(), "an unreachable server comes with a hint");
        assert!(reported < N, "the stop landed in the middle ({reported} of {N} reported)");
    }
    // Restarted (same Raft data), unsealed: nothing is half there, and a rerun completes.
    server.nodes[0].start(None);
    server.nodes[0].unseal(&server.unseal_key.clone());
    server.wait_active(std::time::Duration::from_secs(60));
    let wallet = Arc::new(Wallet::open(&uri, &token).unwrap());
    let ca = CertificateAuthority::open(wallet.clone(), "org1-ca").unwrap();
    for label in wallet.list().unwrap() {
        let identity = wallet.get(&label).unwrap();
        identity.sign(b"whole").unwrap();
    }
    let report = ca.bulk_enroll("admin", rows("u", N), &BulkOptions { max_enrollments: Some(1) }, &mut |_| {}).unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    assert_eq!(report.enrolled + report.skipped, N);
    assert!(report.skipped > 0 && report.enrolled > 0, "{} skipped, {} enrolled", report.skipped, report.enrolled);
    assert_whole_and_counted(&ca, &wallet, &ids, 1);
}
