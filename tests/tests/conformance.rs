//! The backend conformance suite, run against every backend this build has.

use tempfile::TempDir;
use wallet_core::backend::file::{FileBackend, KdfParams};
use wallet_core::backend::{Backend, Expect, MemoryBackend, OpenOptions, Passphrase, RecordKey, Version, Versioned};
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

/// A backend with no batch of its own: the trait's default `put_batch` (expectations first,
/// then one `put` per record) over a memory store.
#[derive(Debug, Default)]
struct NoBatch(MemoryBackend);

impl Backend for NoBatch {
    fn location(&self) -> String {
        "no-batch:".into()
    }
    fn capabilities(&self) -> wallet_core::backend::Capabilities {
        wallet_core::backend::Capabilities::MINIMAL.with_cas_delete(true).with_list(true)
    }
    fn get(&self, key: &RecordKey) -> wallet_core::Result<Option<Versioned>> {
        self.0.get(key)
    }
    fn put(&self, key: &RecordKey, value: &[u8], expect: Expect) -> wallet_core::Result<Version> {
        self.0.put(key, value, expect)
    }
    fn delete(&self, key: &RecordKey, expect: Expect) -> wallet_core::Result<bool> {
        self.0.delete(key, expect)
    }
    fn list(&self, kind: &str, prefix: &str) -> wallet_core::Result<Vec<String>> {
        self.0.list(kind, prefix)
    }
}

/// The default `put_batch` keeps the documented single-writer semantics (it is not atomic
/// against concurrent writers, so the concurrency check is not run on it).
mod default_put_batch {
    use super::*;
    use wallet_tests::{conformance, Subject};

    fn subject() -> Subject {
        Subject::new(Box::new(NoBatch::default()))
    }

    #[test]
    fn creates_read_back() {
        conformance::batch_creates_read_back(subject());
    }

    #[test]
    fn a_failing_expectation_writes_nothing() {
        conformance::batch_with_a_failing_expectation_writes_nothing(subject());
    }

    #[test]
    fn mixes_creates_and_updates() {
        conformance::batch_mixes_creates_and_updates(subject());
    }

    #[test]
    fn a_thousand() {
        conformance::batch_of_a_thousand(subject());
    }
}
