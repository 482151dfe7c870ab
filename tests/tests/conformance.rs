//! The backend conformance suite, run against every backend this build has.

use wallet_core::backend::file::{FileBackend, KdfParams};
use wallet_core::backend::{self, Backend, BackendUri, MemoryBackend, OpenOptions, Passphrase};
use wallet_core::Wallet;
use wallet_tests::backends::NoAtomicBatch;
use wallet_tests::{backend_conformance, self_signed_identity, Subject};

/// Small Argon2id parameters so each test unlocks in well under a millisecond.
const TEST_KDF: KdfParams = KdfParams { m_cost_kib: 256, t_cost: 1, p_cost: 1 };

fn file_options() -> OpenOptions {
    OpenOptions::new().with_passphrase(Passphrase::new("conformance")).with_kdf(TEST_KDF)
}

/// A new file wallet in a temporary folder, and a hook that opens it again, wrapped by `wrap`.
fn file_subject(wrap: fn(FileBackend) -> Box<dyn Backend>) -> Subject {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("wallet");
    let backend = FileBackend::create(&dir, &file_options()).unwrap();
    Subject::with_guard(wrap(backend), tmp).with_reopen(move || wrap(FileBackend::open(&dir, &file_options()).unwrap()))
}

fn file_backend() -> Subject {
    file_subject(|b| Box::new(b))
}

backend_conformance!(memory, || -> Box<dyn Backend> { Box::new(MemoryBackend::new()) });
backend_conformance!(file, file_backend);
// Stores with only single-record compare-and-swap: the trait's default `put_batch`.
backend_conformance!(no_atomic_batch_memory, || -> Box<dyn Backend> { Box::new(NoAtomicBatch(MemoryBackend::new())) });
backend_conformance!(no_atomic_batch_file, || file_subject(|b| Box::new(NoAtomicBatch(b))));

/// The registry's providers report the capabilities their stores do, and a `file:` URI opens
/// through its provider what `create` made.
#[test]
fn providers_report_what_their_stores_do() {
    let tmp = tempfile::tempdir().unwrap();
    let uri = format!("file:{}", tmp.path().join("w").display());
    for provider in wallet_core::backend::providers() {
        if provider.scheme().starts_with("vault") {
            continue; // needs a server: tests/tests/vault_conformance.rs checks it against OpenBao
        }
        if provider.scheme() == "keychain" {
            continue; // needs a keychain: tests/keychain/run.sh runs the suite (and this check) on real ones
        }
        let uri = if provider.scheme() == "file" { uri.clone() } else { format!("{}:", provider.scheme()) };
        let parsed = BackendUri::parse(&uri).unwrap();
        let store = provider.create(&parsed, &file_options()).unwrap();
        assert_eq!(store.capabilities(), provider.capabilities(), "{uri}");
        assert_eq!(backend::open(&uri, &file_options()).unwrap().capabilities(), provider.capabilities());
    }
}

/// The file wallet with its default (RFC 9106) Argon2id parameters, through `Wallet` and a
/// `file:` URI: created, reopened, read and used to sign.
#[test]
fn file_wallet_with_default_kdf_parameters() {
    let tmp = tempfile::tempdir().unwrap();
    let uri = format!("file:{}", tmp.path().join("wallet").display());
    let options = OpenOptions::new().with_passphrase(Passphrase::new("correct horse"));
    let alice = self_signed_identity("alice", "Org1MSP");
    Wallet::create(&uri, &options).unwrap().put(&alice, false).unwrap();

    let header = std::fs::read(tmp.path().join("wallet/wallet.header")).unwrap();
    let params: Vec<u32> = header[11..23].chunks(4).map(|c| u32::from_be_bytes(c.try_into().unwrap())).collect();
    let default = KdfParams::default();
    assert_eq!(params, [default.m_cost_kib, default.t_cost, default.p_cost]);

    let wallet = Wallet::open(&uri, &options).unwrap();
    let loaded = wallet.get("alice").unwrap();
    let signature = loaded.sign(b"msg").unwrap();
    wallet_core::crypto::verify(&alice.certificate().public_key().unwrap(), b"msg", &signature).unwrap();
    let wrong = OpenOptions::new().with_passphrase(Passphrase::new("wrong horse"));
    assert!(matches!(
        Wallet::open(&uri, &wrong),
        Err(wallet_core::Error::Backend(backend::BackendError::WrongPassphrase { .. }))
    ));
}
