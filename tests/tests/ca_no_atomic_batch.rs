//! The CA on a store without atomic batches: new enrolments are written certificate record
//! first, then the wallet entry, and counted last; a crash at any write leaves at most an
//! uncounted certificate (with or without its wallet entry), and a rerun discards the entry and
//! finishes, with every count matching the certificates the wallet holds.
//! Renewals write the other way round (entry last) and a crash leaves the old identity whole.

use std::sync::Arc;
use wallet_core::backend::{BackendError, MemoryBackend};
use wallet_core::ca::*;
use wallet_core::{Error, Wallet};
use wallet_tests::backends::{FailingWrites, NoAtomicBatch};

type Store = FailingWrites<NoAtomicBatch<MemoryBackend>>;

fn wallet() -> Wallet {
    Wallet::from_backend(Box::new(FailingWrites::new(NoAtomicBatch(MemoryBackend::new()))))
}

fn store(wallet: &Wallet) -> &Store {
    wallet.backend().as_any().downcast_ref::<Store>().expect("the test store")
}

fn clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

/// A root CA with an enrolled `admin`.
fn ca(wallet: &Arc<Wallet>) -> CertificateAuthority {
    assert!(!wallet.backend().capabilities().atomic_batch);
    let (ca, secret) =
        CertificateAuthority::create_root(wallet.clone(), &CaOptions::new("org1-ca", "Org1MSP"), clock()).unwrap();
    ca.enroll(&EnrollRequest { id: "admin".into(), secret: Some(secret), ..Default::default() }).unwrap();
    ca
}

/// Each ID is counted once, lists one certificate, the wallet holds exactly that one, and
/// any other certificate record for it is one a crash left before its wallet entry was
/// written: uncounted, and at most one. (Its key was never stored, so no one can use it; the
/// registry lists it because it was signed.)
fn assert_counted_once(ca: &CertificateAuthority, wallet: &Wallet, ids: &[&str], when: &str) {
    let all = ca.certificates(None).unwrap();
    for id in ids {
        let info = ca.identity(id).unwrap();
        assert_eq!(info.enrollments, 1, "{when}: {id} counted {} times", info.enrollments);
        assert_eq!(info.certificates.len(), 1, "{when}: {id}: {:?}", info.certificates);
        let held = wallet.get(id).unwrap().certificate().serial_hex();
        assert_eq!(info.certificates[0], held, "{when}: {id}: the wallet holds another certificate");
        let records: Vec<_> = all.iter().filter(|c| c.id == *id).map(|c| c.serial.clone()).collect();
        assert!(records.contains(&held), "{when}: {id}: the held certificate is not registered: {records:?}");
        assert!(records.len() <= 2, "{when}: {id}: certificate records {records:?}");
    }
}

fn register(ca: &CertificateAuthority, id: &str) -> Secret {
    ca.register(
        "admin",
        &RegistrationRequest {
            id: id.into(),
            identity_type: Some("client".into()),
            affiliation: Some("org1.department1".into()),
            max_enrollments: Some(1),
            ..Default::default()
        },
    )
    .unwrap()
}

/// An enrolment is three single-record writes; a crash before each leaves a state from which
/// enrolling again (an allowance of one enrolment) succeeds and counts once.
#[test]
fn enrol_crashed_at_each_write_then_enrolled_again_counts_once() {
    let dry = Arc::new(wallet());
    let ca0 = ca(&dry);
    let secret = register(&ca0, "alice");
    store(&dry).arm(None);
    ca0.enroll(&EnrollRequest { id: "alice".into(), secret: Some(secret), ..Default::default() }).unwrap();
    let writes = store(&dry).writes();
    assert_eq!(writes, 3, "certificate record, wallet entry, identity record");

    for crash in 0..writes {
        let wallet = Arc::new(wallet());
        let ca = ca(&wallet);
        let secret = register(&ca, "alice");
        store(&wallet).arm(Some(crash));
        let request = EnrollRequest { id: "alice".into(), secret: Some(secret), ..Default::default() };
        let err = ca.enroll(&request).unwrap_err();
        assert!(
            matches!(&err, Error::Backend(BackendError::Unavailable { detail, .. }) if detail.contains("simulated crash")),
            "{crash}: {err}"
        );
        store(&wallet).disarm();
        assert_eq!(ca.identity("alice").unwrap().enrollments, 0, "write {crash}: counted before the last write");

        // The process restarts and enrols again with the same secret.
        let ca = CertificateAuthority::open(wallet.clone(), "org1-ca").unwrap();
        let identity = ca.enroll(&request).unwrap();
        assert_eq!(identity.certificate().common_name().as_deref(), Some("alice"));
        assert_counted_once(&ca, &wallet, &["alice"], &format!("crash at write {crash}"));
        identity.sign(b"works").unwrap();
    }
}

/// A bulk enrolment crashed at every one of its writes; the rerun finishes, refuses no row
/// (each may enrol once), and every count matches the certificates.
#[test]
fn bulk_crashed_at_each_write_then_rerun_counts_match_certificates() {
    let ids = ["r0", "r1", "r2", "r3", "r4"];
    let rows: Vec<BulkRow> = ids
        .iter()
        .map(|id| BulkRow {
            id: (*id).into(),
            identity_type: Some("client".into()),
            affiliation: Some("org1.department1".into()),
            ..Default::default()
        })
        .collect();
    let options = BulkOptions { max_enrollments: Some(1), ..Default::default() };

    let dry = Arc::new(wallet());
    let ca0 = ca(&dry);
    store(&dry).arm(None);
    let report = ca0.bulk_enroll("admin", rows.clone(), &options, &mut |_| {}).unwrap();
    assert_eq!(report.enrolled, ids.len());
    let writes = store(&dry).writes();
    assert_eq!(writes, 3 * ids.len(), "three writes per row");
    assert_counted_once(&ca0, &dry, &ids, "without a crash");

    for crash in 0..writes {
        let wallet = Arc::new(wallet());
        let ca = ca(&wallet);
        store(&wallet).arm(Some(crash));
        let mut reported = 0;
        let result = ca.bulk_enroll("admin", rows.clone(), &options, &mut |_| reported += 1);
        assert!(matches!(&result, Err(Error::Backend(BackendError::Unavailable { .. }))), "{crash}: {result:?}");
        assert_eq!(reported, 0, "{crash}: rows are reported once their group is stored");
        store(&wallet).disarm();

        let ca = CertificateAuthority::open(wallet.clone(), "org1-ca").unwrap();
        let report = ca.bulk_enroll("admin", rows.clone(), &options, &mut |_| {}).unwrap();
        assert!(report.failed.is_empty(), "crash at write {crash}: {:?}", report.failed);
        assert_eq!(report.enrolled + report.skipped, ids.len(), "crash at write {crash}");
        assert_eq!(report.skipped, crash / 3, "crash at write {crash}: the rows stored before it are skipped");
        assert_counted_once(&ca, &wallet, &ids, &format!("crash at write {crash}"));
    }
}

/// A renewal replaces a working wallet entry, so its entry is written last: a crash at any of
/// its writes leaves the old key and certificate in place and renewable (written first, a crash
/// left a certificate the registry had no record of, and every later renewal failed).
#[test]
fn renewal_crashed_at_each_write_keeps_the_old_identity_and_renews_again() {
    let enrolled = |wallet: &Arc<Wallet>| {
        let ca = ca(wallet);
        let secret = register(&ca, "alice");
        ca.enroll(&EnrollRequest { id: "alice".into(), secret: Some(secret), ..Default::default() }).unwrap();
        ca
    };
    let dry = Arc::new(wallet());
    let ca0 = enrolled(&dry);
    store(&dry).arm(None);
    ca0.reenroll("alice", &ReenrollOptions::default()).unwrap();
    let writes = store(&dry).writes();
    assert_eq!(writes, 3, "certificate record, identity record, wallet entry");

    for crash in 0..writes {
        let wallet = Arc::new(wallet());
        let ca = enrolled(&wallet);
        let before = wallet.get("alice").unwrap();
        store(&wallet).arm(Some(crash));
        let err = ca.reenroll("alice", &ReenrollOptions::default()).unwrap_err();
        assert!(
            matches!(&err, Error::Backend(BackendError::Unavailable { detail, .. }) if detail.contains("simulated crash")),
            "{crash}: {err}"
        );
        store(&wallet).disarm();

        // The process restarts: the old identity is whole and still signs for its certificate.
        let ca = CertificateAuthority::open(wallet.clone(), "org1-ca").unwrap();
        let after_crash = wallet.get("alice").unwrap();
        assert_eq!(after_crash.certificate(), before.certificate(), "write {crash}: the entry changed");
        let sig = after_crash.sign(b"still mine").unwrap();
        wallet_core::crypto::verify(&before.certificate().public_key().unwrap(), b"still mine", &sig).unwrap();
        assert!(ca.identity("alice").unwrap().certificates.contains(&before.certificate().serial_hex()));

        // And it renews: the new certificate is the registry's and the wallet's.
        let renewed = ca.reenroll("alice", &ReenrollOptions::default()).unwrap();
        let serial = renewed.certificate().serial_hex();
        assert_ne!(serial, before.certificate().serial_hex());
        assert_eq!(wallet.get("alice").unwrap().certificate(), renewed.certificate(), "write {crash}");
        assert!(ca.identity("alice").unwrap().certificates.contains(&serial), "write {crash}");
        assert!(ca.certificates(None).unwrap().iter().any(|c| c.serial == serial), "write {crash}");
        assert_eq!(ca.identity("alice").unwrap().enrollments, 1, "write {crash}: a renewal does not count");
        renewed.sign(b"works").unwrap();
    }
}
