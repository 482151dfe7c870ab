//! Checks shared by the vault CA tests: after any run (interrupted, rerun, concurrent), every
//! identity is whole and counted once, and the registry's counts match its certificates.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::sync::Arc;
use wallet_core::ca::*;
use wallet_core::Wallet;

/// Rows `prefix0 … prefix{n-1}`: clients in org1.department1.
pub fn rows(prefix: &str, n: usize) -> Vec<BulkRow> {
    (0..n)
        .map(|i| BulkRow {
            id: format!("{prefix}{i}"),
            identity_type: Some("client".into()),
            affiliation: Some("org1.department1".into()),
            ..Default::default()
        })
        .collect()
}

/// A root CA named `name` with an enrolled `admin`.
pub fn create_ca(wallet: &Arc<Wallet>, name: &str) -> CertificateAuthority {
    assert!(!wallet.backend().capabilities().atomic_batch, "the vault backend has no atomic batch");
    let (ca, secret) =
        CertificateAuthority::create_root(wallet.clone(), &CaOptions::new(name, "Org1MSP"), Arc::new(SystemClock))
            .unwrap();
    ca.enroll(&EnrollRequest { id: "admin".into(), secret: Some(secret), ..Default::default() }).unwrap();
    ca
}

/// Every ID is enrolled exactly once; the wallet holds that certificate with a key that
/// signs for it; no serial is used twice; the registry has one certificate per enrolment.
pub fn assert_whole_and_counted(ca: &CertificateAuthority, wallet: &Wallet, ids: &[String], others: usize) {
    let certs = ca.certificates(None).unwrap();
    let serials: BTreeSet<&str> = certs.iter().map(|c| c.serial.as_str()).collect();
    assert_eq!(serials.len(), certs.len(), "a serial is used twice");
    assert_eq!(certs.len(), ids.len() + others, "certificates in the registry");
    let by_serial: std::collections::BTreeMap<&str, &str> =
        certs.iter().map(|c| (c.serial.as_str(), c.id.as_str())).collect();
    for (n, id) in ids.iter().enumerate() {
        let info = ca.identity(id).unwrap();
        assert_eq!(info.enrollments, 1, "{id} counted {} times", info.enrollments);
        assert_eq!(info.certificates.len(), 1, "{id}: {:?}", info.certificates);
        let held = wallet.get(id).unwrap_or_else(|e| panic!("{id} is counted but not in the wallet: {e}"));
        assert_eq!(info.certificates[0], held.certificate().serial_hex(), "{id}: the wallet holds another certificate");
        assert_eq!(by_serial.get(info.certificates[0].as_str()), Some(&id.as_str()), "{id}: its certificate record");
        if n % 97 == 0 {
            // The key is the certificate's (a sample: every record is one key + certificate).
            let sig = held.sign(b"whole").unwrap();
            wallet_core::crypto::verify(&held.certificate().public_key().unwrap(), b"whole", &sig).unwrap();
        }
    }
}
