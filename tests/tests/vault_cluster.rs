//! A three-node OpenBao Raft cluster on 127.0.0.1 (integrated storage, initialised, unsealed
//! and joined by the test): the active node is killed in the middle of a bulk enrolment of
//! 2,000 identities. The run goes on against the new leader (or a rerun finishes it), and
//! every identity is whole, no serial is used twice, and the registry's counts match.

#[path = "../vault/ca_check.rs"]
mod ca_check;
#[path = "../vault/harness.rs"]
mod harness;

use ca_check::{assert_whole_and_counted, create_ca, rows};
use harness::Cluster;
use std::sync::Arc;
use std::time::Duration;
use wallet_core::backend::{OpenOptions, Secret as Token};
use wallet_core::ca::*;
use wallet_core::Wallet;

const N: usize = 2000;

#[test]
fn the_leader_killed_mid_bulk_enrolment_of_2000() {
    let mut cluster = Cluster::start(3, None);
    let first_leader = cluster.wait_active(Duration::from_secs(60));
    // Every node is listed: the client fails over; a standby forwards to the active node.
    let uri = format!("{}?retry_for=90", cluster.uri("org1"));
    let options = OpenOptions::new().with_token(Token::new(cluster.root_token.clone()));
    let wallet = Arc::new(Wallet::create(&uri, &options).unwrap());
    let ca = create_ca(&wallet, "org1-ca");
    let ids: Vec<String> = (0..N).map(|i| format!("user{i}")).collect();
    let bulk = BulkOptions { max_enrollments: Some(1) };

    let nodes = std::cell::RefCell::new(&mut cluster.nodes);
    let mut reported = 0;
    let mut killed_at = None;
    let first = ca.bulk_enroll("admin", rows("user", N), &bulk, &mut |_| {
        reported += 1;
        if killed_at.is_none() && reported >= N / 4 {
            nodes.borrow_mut()[first_leader].stop("kill");
            killed_at = Some(reported);
        }
    });
    let killed_at = killed_at.expect("the leader was killed during the run");
    assert!(killed_at < N, "the kill landed in the middle");
    let new_leader = cluster.wait_active(Duration::from_secs(90));
    assert_ne!(new_leader, first_leader, "another node leads");
    match first {
        Ok(report) => {
            assert!(report.failed.is_empty(), "{:?}", report.failed);
            assert_eq!(report.enrolled + report.skipped, N);
        }
        Err(e) => {
            // The run gave up (a clear error); a rerun against the new leader finishes it.
            eprintln!("first run stopped: {e}");
            let report = ca.bulk_enroll("admin", rows("user", N), &bulk, &mut |_| {}).unwrap();
            assert!(report.failed.is_empty(), "{:?}", report.failed);
            assert_eq!(report.enrolled + report.skipped, N);
        }
    }
    // A fresh handle, as another machine would open it.
    let wallet = Arc::new(Wallet::open(&uri, &options).unwrap());
    let ca = CertificateAuthority::open(wallet.clone(), "org1-ca").unwrap();
    assert_eq!(wallet.list().unwrap().iter().filter(|l| l.starts_with("user")).count(), N);
    assert_whole_and_counted(&ca, &wallet, &ids, 1);
    // And the CA keeps issuing on the surviving pair.
    let s = ca.register("admin", &RegistrationRequest { id: "after".into(), ..Default::default() }).unwrap();
    ca.enroll(&EnrollRequest { id: "after".into(), secret: Some(s), ..Default::default() }).unwrap();
}
