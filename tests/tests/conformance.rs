//! The backend conformance suite, run against every backend this build has.

use tempfile::TempDir;
use wallet_core::backend::file::{FileBackend, KdfParams};
use wallet_core::backend::{Backend, MemoryBackend, OpenOptions, Passphrase};
use wallet_core::Wallet;
use wallet_tests::{backend_conformance, self_signed_identity};

/// Small Argon2id parameters so each test unlocks in well under a millisecond.
const TEST_KDF: KdfParams = KdfParams { m_cost_kib: 256, t_cost: 1, p_cost: 1 };

fn file_backend() -> (Box<dyn Backend>, TempDir) {
    let tmp = tempfile::tempdir().unwrap();
    let options = OpenOptions { passphrase: Some(Passphrase::new("conformance")), kdf: Some(TEST_KDF) };
    let backend = FileBackend::create(&tmp.path().join("wallet"), &options).unwrap();
    (Box::new(backend), tmp)
}

backend_conformance!(memory, || -> Box<dyn Backend> { Box::new(MemoryBackend::new()) });
backend_conformance!(file, file_backend);

/// The file wallet with its default (RFC 9106) Argon2id parameters, through `Wallet` and a
/// `file:` URI: created, reopened, read and used to sign.
#[test]
fn file_wallet_with_default_kdf_parameters() {
    let tmp = tempfile::tempdir().unwrap();
    let uri = format!("file:{}", tmp.path().join("wallet").display());
    let options = OpenOptions { passphrase: Some(Passphrase::new("correct horse")), kdf: None };
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
    let wrong = OpenOptions { passphrase: Some(Passphrase::new("wrong horse")), kdf: None };
    assert!(matches!(Wallet::open(&uri, &wrong), Err(wallet_core::Error::WrongPassphrase { .. })));
}
