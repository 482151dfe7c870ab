//! A file wallet written by the release before key references opens and works after them:
//! `tests/fixtures/wallet-v2-release` (made by the `wallet` binary of that release; see its
//! README), copied to a temporary folder and opened with software keys, and with keys made in
//! a memory store from then on.

use crate::backend::{OpenOptions, Passphrase};
use crate::ca::{CertificateAuthority, CrlOptions, EnrollRequest, FixedClock, RegistrationRequest};
use crate::crypto::{verify, KeyRef, KeyStores, MemoryKeyStore};
use crate::Wallet;
use std::path::Path;
use std::sync::Arc;
use time::macros::datetime;

const PASSPHRASE: &str = "release-v2-fixture";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A fresh copy of the release's wallet, opened with `keys`.
fn open_release_wallet(tmp: &Path, keys: KeyStores) -> Wallet {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/wallet-v2-release/wallet");
    let dir = tmp.join("wallet");
    copy_dir(&fixture, &dir);
    let options = OpenOptions { passphrase: Some(Passphrase::new(PASSPHRASE)), ..Default::default() };
    Wallet::open(&dir.display().to_string(), &options).unwrap().with_key_stores(keys)
}

fn exercise(keys: KeyStores) {
    let tmp = tempfile::tempdir().unwrap();
    let new_scheme = keys.default_store().scheme().to_owned();
    let wallet = Arc::new(open_release_wallet(tmp.path(), keys));
    assert_eq!(wallet.list().unwrap(), ["appUser", "ca-admin", "fabric-admin", "user1"]);
    for label in wallet.list().unwrap() {
        let identity = wallet.get(&label).unwrap();
        assert!(matches!(identity.key_ref(), KeyRef::Software { .. }), "{label}");
        let public = identity.certificate().public_key().unwrap();
        verify(&public, b"after the upgrade", &identity.sign(b"after the upgrade").unwrap()).unwrap();
        assert!(identity.signer().export_pkcs8_der().is_some(), "{label}: software keys stay exportable");
    }
    assert_eq!(wallet.get("user1").unwrap().fabric_info().affiliation.as_deref(), Some("org1.department1"));

    // The release's CA signs with its stored key: a registration, an enrolment and a CRL. The
    // clock sits inside the validity of the release's ca-admin certificate.
    let clock = Arc::new(FixedClock::new(datetime!(2027-06-01 12:00:00 UTC)));
    let ca = CertificateAuthority::open(wallet.clone(), "org1-ca").unwrap().with_clock(clock);
    let secret = ca
        .register(
            "ca-admin",
            &RegistrationRequest {
                id: "user2".into(),
                identity_type: Some("client".into()),
                affiliation: Some("org1".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let user2 = ca.enroll(&EnrollRequest { id: "user2".into(), secret: Some(secret), ..Default::default() }).unwrap();
    assert_eq!(user2.key_ref().scheme(), new_scheme, "new keys go to the wallet's default store");
    let tbs = der::Encode::to_der(&user2.certificate().x509().tbs_certificate).unwrap();
    let signature = user2.certificate().x509().signature.as_bytes().unwrap();
    verify(&ca.certificate().public_key().unwrap(), &tbs, signature).unwrap();
    let crl = ca.generate_crl("ca-admin", &CrlOptions::default()).unwrap();
    assert!(!crl.to_pem().is_empty());
    let again = wallet.get("user2").unwrap();
    verify(&user2.certificate().public_key().unwrap(), b"m", &again.sign(b"m").unwrap()).unwrap();
}

#[test]
fn a_release_wallet_opens_and_works_with_software_keys() {
    exercise(KeyStores::new());
}

#[test]
fn a_release_wallet_opens_and_works_with_new_keys_in_a_memory_store() {
    let keys = KeyStores::new().with(Arc::new(MemoryKeyStore::new())).with_default("memory").unwrap();
    exercise(keys);
}
