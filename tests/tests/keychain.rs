//! The backend conformance suite against the real OS keychain: gnome-keyring's Secret Service
//! and the kernel keyring, both started fresh by `tests/keychain/run.sh` (feature
//! `keychain-tests`). If either cannot be reached, these tests fail: they never skip.
#![cfg(feature = "keychain-tests")]

use wallet_core::backend::keychain::KeychainProvider;
use wallet_core::backend::{Backend, BackendUri, OpenOptions, Provider};
use wallet_core::Wallet;
use wallet_tests::{backend_conformance, self_signed_identity, Subject};

/// A new `keychain:` wallet of `store` with its companion folder in a temporary folder, and a
/// hook that opens it again.
fn keychain_subject(store: &'static str) -> Subject {
    let tmp = tempfile::tempdir().unwrap();
    let uri = format!("keychain:conformance?store={store}&dir={}", tmp.path().join("companion").display());
    let parsed = BackendUri::parse(&uri).unwrap();
    let backend = KeychainProvider
        .create(&parsed, &OpenOptions::new())
        .unwrap_or_else(|e| panic!("the {store} keychain must be reachable here (tests/keychain/run.sh): {e}"));
    Subject::with_guard(backend, tmp).with_reopen(move || -> Box<dyn Backend> {
        KeychainProvider.open(&BackendUri::parse(&uri).unwrap(), &OpenOptions::new()).unwrap()
    })
}

backend_conformance!(secret_service, || keychain_subject("secret-service"));
backend_conformance!(keyutils, || keychain_subject("keyutils"));

/// The provider reports the capabilities its stores do (the check `conformance.rs` makes of the
/// providers that need no service).
#[test]
fn the_provider_reports_what_its_stores_do() {
    for store in ["secret-service", "keyutils"] {
        let tmp = tempfile::tempdir().unwrap();
        let uri = format!("keychain:caps?store={store}&dir={}", tmp.path().join("c").display());
        let made = KeychainProvider.create(&BackendUri::parse(&uri).unwrap(), &OpenOptions::new()).unwrap();
        assert_eq!(made.capabilities(), KeychainProvider.capabilities(), "{store}");
        let opened = wallet_core::backend::open(&uri, &OpenOptions::new()).unwrap();
        assert_eq!(opened.capabilities(), KeychainProvider.capabilities(), "{store}");
        wallet_core::backend::remove(&uri, &OpenOptions::new()).unwrap();
    }
}

/// Through `Wallet` and the registry: a `keychain:` URI opens what `create` made, in both
/// stores, and an identity signs after a reopen.
#[test]
fn wallets_open_by_uri_and_sign() {
    for store in ["secret-service", "keyutils"] {
        let tmp = tempfile::tempdir().unwrap();
        let uri = format!("keychain:by-uri?store={store}&dir={}", tmp.path().join("c").display());
        let alice = self_signed_identity("alice", "Org1MSP");
        Wallet::create(&uri, &OpenOptions::new()).unwrap().put(&alice, false).unwrap();
        // Opening needs no ?store=: the wallet remembers it.
        let plain = format!("keychain:by-uri?dir={}", tmp.path().join("c").display());
        let wallet = Wallet::open(&plain, &OpenOptions::new()).unwrap();
        assert_eq!(wallet.list().unwrap(), ["alice"]);
        let signature = wallet.get("alice").unwrap().sign(b"msg").unwrap();
        wallet_core::crypto::verify(&alice.certificate().public_key().unwrap(), b"msg", &signature).unwrap();
        wallet_core::backend::remove(&uri, &OpenOptions::new()).unwrap();
        assert!(Wallet::open(&plain, &OpenOptions::new()).is_err());
    }
}
