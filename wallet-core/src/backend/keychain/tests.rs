//! Tests of the keychain backend against a real keychain (ignored unless run by
//! `tests/keychain/run.sh`, which starts one), and the fault points they use.

/// Named steps at which a test makes the next call fail, as a keychain or disk that refuses.
pub(crate) mod faults {
    use crate::backend::keychain::{KeychainError, KeychainStore};
    use std::cell::RefCell;

    thread_local! {
        static ARMED: RefCell<Vec<&'static str>> = const { RefCell::new(Vec::new()) };
    }

    /// Make the next call at `step` on this thread fail (once per arming).
    pub(crate) fn arm(step: &'static str) {
        ARMED.with(|a| a.borrow_mut().push(step));
    }

    /// Forget every armed step.
    pub(crate) fn clear() {
        ARMED.with(|a| a.borrow_mut().clear());
    }

    /// Fail if `step` is armed (and disarm it).
    pub(crate) fn check(step: &'static str) -> Result<(), KeychainError> {
        let hit = ARMED.with(|a| {
            let mut armed = a.borrow_mut();
            armed.iter().position(|s| *s == step).map(|i| armed.remove(i)).is_some()
        });
        if hit {
            return Err(KeychainError::Failed {
                store: KeychainStore::SecretService,
                detail: format!("refused by the test at {step}"),
                source: None,
            });
        }
        Ok(())
    }
}

use super::*;
use crate::backend::file::{FileBackend, KdfParams};
use crate::backend::{Backend, BackendError, BackendUri, Expect, OpenOptions, Passphrase, Provider, RecordKey, Unlock};
use crate::error::Error;

const NEEDS: &str = "needs a real keychain: tests/keychain/run.sh starts one";

/// The stores to test: `WALLET_TEST_KEYCHAIN_STORES` (comma-separated), else both Linux ones.
fn stores() -> Vec<KeychainStore> {
    let list = std::env::var("WALLET_TEST_KEYCHAIN_STORES").unwrap_or_else(|_| "secret-service,keyutils".into());
    list.split(',').map(|n| KeychainStore::from_name(n.trim()).unwrap_or_else(|| panic!("unknown store {n}"))).collect()
}

fn uri(store: KeychainStore, dir: &std::path::Path) -> BackendUri {
    BackendUri::parse(&format!("keychain:unit-tests?store={}&dir={}", store.name(), dir.display())).unwrap()
}

/// A new wallet in a temporary companion folder.
fn fresh(store: KeychainStore) -> (tempfile::TempDir, BackendUri, KeychainBackend) {
    faults::clear();
    let tmp = tempfile::tempdir().unwrap();
    let uri = uri(store, &tmp.path().join("companion"));
    KeychainProvider.create(&uri, &OpenOptions::new()).unwrap_or_else(|e| panic!("{store}: {e}"));
    let backend = KeychainProvider::open_backend(&uri).unwrap();
    (tmp, uri, backend)
}

fn key(name: &str) -> RecordKey {
    RecordKey::new("identity", name)
}

fn value(b: &KeychainBackend, name: &str) -> Option<(Vec<u8>, u64)> {
    b.get(&key(name)).unwrap().map(|v| (v.value.to_vec(), v.version))
}

/// The entries the intents left name (what a settle would delete unless a record uses them).
fn pending_entries(b: &KeychainBackend) -> Vec<String> {
    let companion = companion::Companion::new(b.companion_dir());
    companion.intents().unwrap().into_iter().filter_map(|(_, i)| i).flat_map(|i| [i.new, i.old]).flatten().collect()
}

fn entry_of(b: &KeychainBackend, name: &str) -> String {
    companion::Companion::new(b.companion_dir()).read_record("identity", name).unwrap().unwrap().entry
}

fn entry_exists(b: &KeychainBackend, entry: &str) -> bool {
    b.secrets().get(b.service(), entry, "test").unwrap().is_some()
}

/// Where the store can list entries: the wallet's entries are exactly those its records name.
fn assert_no_orphans(b: &KeychainBackend) {
    if let Some(mut found) = b.secrets().search(b.service()).unwrap() {
        let companion = companion::Companion::new(b.companion_dir());
        let mut named: Vec<String> = companion
            .all_keys()
            .unwrap()
            .iter()
            .map(|(k, n)| companion.read_record(k, n).unwrap().unwrap().entry)
            .collect();
        found.sort();
        named.sort();
        assert_eq!(found, named, "{}: keychain entries vs records", b.store());
    }
}

#[test]
fn uris_name_the_service_store_and_folder() {
    let parsed = KeychainConfig::parse(&BackendUri::parse("keychain:org1?store=keyutils&dir=/tmp/c").unwrap()).unwrap();
    assert_eq!(
        (parsed.service.as_str(), parsed.store, parsed.dir.as_path()),
        ("org1", Some(KeychainStore::Keyutils), std::path::Path::new("/tmp/c"))
    );
    for bad in ["keychain:", "keychain:a/b", "keychain:org1?store=gnome", "keychain:org1?colour=red"] {
        let err = KeychainConfig::parse(&BackendUri::parse(bad).unwrap()).unwrap_err();
        assert!(matches!(err, Error::Backend(BackendError::InvalidUri { .. })), "{bad}: {err}");
    }
}

#[test]
#[ignore = "needs a real keychain: tests/keychain/run.sh starts one"]
fn a_record_round_trips_and_only_a_32_byte_key_is_in_the_keychain() {
    for store in stores() {
        let (_tmp, uri, b) = fresh(store);
        let secret_looking = b"-----BEGIN PRIVATE KEY----- not in the companion in the clear";
        assert_eq!(b.put(&key("alice"), secret_looking, Expect::Absent).unwrap(), 1);
        assert_eq!(value(&b, "alice"), Some((secret_looking.to_vec(), 1)));
        let file =
            std::fs::read(b.companion_dir().join("records").join(hex::encode("identity")).join(hex::encode("alice")))
                .unwrap();
        assert!(!String::from_utf8_lossy(&file).contains("PRIVATE KEY"), "the companion holds only sealed values");
        let entry = entry_of(&b, "alice");
        assert_eq!(b.secrets().get(b.service(), &entry, "t").unwrap().unwrap().len(), 32);
        // Another handle (as another process would) reads it; an update replaces the entry.
        let again = KeychainProvider::open_backend(&uri).unwrap();
        assert_eq!(b.put(&key("alice"), b"v2", Expect::Version(1)).unwrap(), 2);
        assert_eq!(value(&again, "alice"), Some((b"v2".to_vec(), 2)));
        assert!(!entry_exists(&b, &entry), "{store}: the replaced entry is deleted");
        assert_no_orphans(&b);
        KeychainProvider.remove(&uri, &OpenOptions::new()).unwrap();
        assert!(!entry_exists(&again, &entry_of_none()), "nothing");
        assert!(matches!(KeychainProvider::open_backend(&uri), Err(Error::Backend(BackendError::NoStore { .. }))));
    }
}

fn entry_of_none() -> String {
    "0".repeat(32)
}

#[test]
#[ignore = "needs a real keychain: tests/keychain/run.sh starts one"]
fn the_keychain_refusing_a_write_after_the_intent_leaves_nothing() {
    let _ = NEEDS;
    for store in stores() {
        let (_tmp, _uri, b) = fresh(store);
        b.put(&key("bob"), b"bob v1", Expect::Absent).unwrap();
        faults::arm("keychain set");
        let err = b.put(&key("alice"), b"alice", Expect::Absent).unwrap_err();
        assert!(matches!(&err, Error::Backend(BackendError::Keychain(_))), "{err}");
        assert!(b.get(&key("alice")).unwrap().is_none());
        assert_eq!(b.list("identity", "").unwrap(), ["bob"], "listing after the partial failure");
        assert!(pending_entries(&b).is_empty(), "{store}: the failed put was undone at once");
        // An update refused the same way keeps the old value.
        faults::arm("keychain set");
        assert!(b.put(&key("bob"), b"bob v2", Expect::Version(1)).is_err());
        assert_eq!(value(&b, "bob"), Some((b"bob v1".to_vec(), 1)));
        assert_no_orphans(&b);
        // A rerun succeeds.
        b.put(&key("alice"), b"alice", Expect::Absent).unwrap();
        assert_eq!(b.list("identity", "").unwrap(), ["alice", "bob"]);
    }
}

#[test]
#[ignore = "needs a real keychain: tests/keychain/run.sh starts one"]
fn the_companion_refusing_the_record_after_the_keychain_write_orphans_nothing() {
    for store in stores() {
        let (_tmp, uri, b) = fresh(store);
        b.put(&key("bob"), b"bob v1", Expect::Absent).unwrap();
        // The record write fails after the secret is in the keychain: the secret is deleted.
        faults::arm("companion record write");
        assert!(b.put(&key("alice"), b"alice", Expect::Absent).is_err());
        assert!(b.get(&key("alice")).unwrap().is_none());
        assert_eq!(b.list("identity", "").unwrap(), ["bob"]);
        assert!(pending_entries(&b).is_empty());
        assert_no_orphans(&b);
        // Worse: the keychain also refuses the undo. The intent keeps the orphan's name, and
        // listing, reading and the old value are unaffected until repair deletes it.
        faults::arm("companion record write");
        faults::arm("keychain delete");
        assert!(b.put(&key("bob"), b"bob v2", Expect::Version(1)).is_err());
        assert_eq!(value(&b, "bob"), Some((b"bob v1".to_vec(), 1)));
        assert_eq!(b.list("identity", "").unwrap(), ["bob"]);
        let orphans = pending_entries(&b);
        let bob_entry = entry_of(&b, "bob");
        let orphan: Vec<_> = orphans.iter().filter(|e| **e != bob_entry).collect();
        assert_eq!(orphan.len(), 1, "{store}: {orphans:?}");
        assert!(entry_exists(&b, orphan[0]), "{store}: the orphan is still in the keychain");
        let report = KeychainProvider.repair(&b).unwrap();
        assert_eq!((report.indexed, report.unreadable.len()), (1, 0));
        assert!(!entry_exists(&b, orphan[0]), "{store}: repair deleted the orphan");
        assert!(entry_exists(&b, &bob_entry), "{store}: and kept the entry in use");
        assert!(pending_entries(&b).is_empty());
        assert_eq!(value(&KeychainProvider::open_backend(&uri).unwrap(), "bob"), Some((b"bob v1".to_vec(), 1)));
        assert_no_orphans(&b);
    }
}

#[test]
#[ignore = "needs a real keychain: tests/keychain/run.sh starts one"]
fn a_delete_whose_keychain_step_fails_is_finished_by_the_next_writer() {
    for store in stores() {
        let (_tmp, _uri, b) = fresh(store);
        b.put(&key("alice"), b"a", Expect::Absent).unwrap();
        b.put(&key("bob"), b"b", Expect::Absent).unwrap();
        let entry = entry_of(&b, "alice");
        faults::arm("keychain delete");
        assert!(b.delete(&key("alice"), Expect::Any).unwrap(), "the delete is committed");
        assert!(b.get(&key("alice")).unwrap().is_none());
        assert_eq!(b.list("identity", "").unwrap(), ["bob"]);
        assert!(entry_exists(&b, &entry), "{store}: the keychain refused, the entry is left");
        assert_eq!(pending_entries(&b), std::slice::from_ref(&entry));
        // The next write settles it.
        b.put(&key("carol"), b"c", Expect::Absent).unwrap();
        assert!(!entry_exists(&b, &entry), "{store}: the next writer deleted the leftover");
        assert!(pending_entries(&b).is_empty());
        assert_no_orphans(&b);
        // A delete whose record removal fails changes nothing.
        faults::arm("companion record remove");
        assert!(b.delete(&key("bob"), Expect::Any).is_err());
        assert_eq!(value(&b, "bob"), Some((b"b".to_vec(), 1)));
        KeychainProvider.repair(&b).unwrap();
        assert_eq!(value(&b, "bob"), Some((b"b".to_vec(), 1)), "{store}: a settle keeps an entry in use");
        assert_no_orphans(&b);
    }
}

#[test]
#[ignore = "needs a real keychain: tests/keychain/run.sh starts one"]
fn an_entry_deleted_behind_the_wallets_back_is_reported_and_can_be_removed() {
    for store in stores() {
        let (_tmp, _uri, b) = fresh(store);
        b.put(&key("alice"), b"a", Expect::Absent).unwrap();
        b.put(&key("bob"), b"b", Expect::Absent).unwrap();
        let entry = entry_of(&b, "alice");
        assert!(b.secrets().delete(b.service(), &entry).unwrap(), "deleted by someone else");
        let err = b.get(&key("alice")).unwrap_err();
        let Error::Backend(BackendError::Keychain(inner)) = &err else { panic!("{err}") };
        assert!(
            matches!(inner.as_ref(), KeychainError::EntryMissing { entry: e, what, .. } if *e == entry && what.contains("alice")),
            "{err}"
        );
        assert_eq!(b.list("identity", "").unwrap(), ["alice", "bob"], "still listed, so it can be removed");
        let report = KeychainProvider.repair(&b).unwrap();
        assert_eq!(report.indexed, 2);
        assert!(report.unreadable.len() == 1 && report.unreadable[0].contains("alice"), "{report:?}");
        assert!(b.delete(&key("alice"), Expect::Any).unwrap());
        assert_eq!(b.list("identity", "").unwrap(), ["bob"]);
        assert_eq!(value(&b, "bob"), Some((b"b".to_vec(), 1)));
    }
}

/// Run only by the step of `tests/keychain/run.sh` that gives it a Secret Service of its own:
/// it locks the login collection and leaves it locked.
#[test]
#[ignore = "locks the Secret Service collection: tests/keychain/run.sh runs it in a session of its own"]
fn a_locked_collection_is_reported_and_changes_nothing() {
    let (_tmp, _uri, b) = fresh(KeychainStore::SecretService);
    b.put(&key("alice"), b"a", Expect::Absent).unwrap();
    // Lock the login collection over D-Bus (`secret-tool lock` crashes on this version).
    let status = std::process::Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply",
            "--dest=org.freedesktop.secrets",
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "array:objpath:/org/freedesktop/secrets/collection/login",
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "dbus-send Lock");
    for err in [b.get(&key("alice")).unwrap_err(), b.put(&key("bob"), b"b", Expect::Absent).unwrap_err()] {
        let Error::Backend(BackendError::Keychain(inner)) = &err else { panic!("{err}") };
        assert!(matches!(inner.as_ref(), KeychainError::Locked { .. }), "{err:?}");
    }
    assert_eq!(b.list("identity", "").unwrap(), ["alice"], "listing needs no keychain");
    assert!(pending_entries(&b).is_empty(), "a refused write leaves nothing to settle");
    // A keychain-unlocked file wallet cannot be opened either, and says why.
    let tmp = tempfile::tempdir().unwrap();
    let err = FileBackend::create(
        &tmp.path().join("w"),
        &OpenOptions::new().with_unlock(Unlock::Keychain(KeychainStore::SecretService)),
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::Backend(BackendError::Keychain(k)) if matches!(k.as_ref(), KeychainError::Locked { .. })),
        "{err:?}"
    );
    assert!(!tmp.path().join("w").exists(), "nothing was made");
}

const FAST: KdfParams = KdfParams { m_cost_kib: 64, t_cost: 1, p_cost: 1 };

#[test]
#[ignore = "needs a real keychain: tests/keychain/run.sh starts one"]
fn a_file_wallet_switches_between_passphrase_and_keychain_unlocking() {
    for store in stores() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("w");
        let by_keychain = OpenOptions::new().with_unlock(Unlock::Keychain(store));
        let w = FileBackend::create(&dir, &by_keychain).unwrap();
        w.put(&key("alice"), b"a", Expect::Absent).unwrap();
        assert_eq!(w.unlock_method().unwrap(), Unlock::Keychain(store));
        let header = std::fs::read(dir.join("wallet.header")).unwrap();
        let entry = hex::encode(&header[12..28]);
        drop(w);
        // Opens with no passphrase (and ignores one that is given).
        let w = FileBackend::open(&dir, &OpenOptions::new()).unwrap();
        assert_eq!(value_file(&w, "alice"), b"a");
        FileBackend::open(&dir, &OpenOptions::new().with_passphrase(Passphrase::new("ignored"))).unwrap();

        // To a passphrase: the records stay, the keychain entry goes.
        let pass = OpenOptions::new().with_passphrase(Passphrase::new("pw")).with_kdf(FAST);
        let record_files = || std::fs::read_dir(dir.join("records")).unwrap().count();
        let before = record_files();
        w.change_unlock(&pass).unwrap();
        assert_eq!(record_files(), before, "no record was rewritten");
        assert!(super::unlock::UNLOCK_SERVICE.contains("unlock"));
        assert!(
            matches!(
                load_unlock_key(store, &entry, "t"),
                Err(Error::Backend(BackendError::Keychain(k))) if matches!(k.as_ref(), KeychainError::EntryMissing { .. })
            ),
            "{store}: the old keychain entry was deleted"
        );
        assert!(matches!(
            FileBackend::open(&dir, &OpenOptions::new()),
            Err(Error::Backend(BackendError::PassphraseRequired { .. }))
        ));
        let w = FileBackend::open(&dir, &pass).unwrap();
        assert_eq!(value_file(&w, "alice"), b"a");
        assert_eq!(w.unlock_method().unwrap(), Unlock::Passphrase);

        // And back: open without the passphrase again.
        w.change_unlock(&by_keychain).unwrap();
        let w = FileBackend::open(&dir, &OpenOptions::new()).unwrap();
        assert_eq!(value_file(&w, "alice"), b"a");
        assert!(
            FileBackend::open(&dir, &pass).is_ok(),
            "a passphrase given to a keychain wallet is not needed, and not refused"
        );

        // The entry deleted behind the wallet's back: a clear error naming the wallet.
        let header = std::fs::read(dir.join("wallet.header")).unwrap();
        let entry = hex::encode(&header[12..28]);
        assert!(delete_unlock_key(store, &entry).unwrap());
        let err = FileBackend::open(&dir, &OpenOptions::new()).unwrap_err();
        let Error::Backend(BackendError::Keychain(inner)) = &err else { panic!("{err}") };
        assert!(
            matches!(inner.as_ref(), KeychainError::EntryMissing { what, .. } if what.contains(&dir.display().to_string())),
            "{err}"
        );
        // Switching needs the old unlock: the open handle `w` still has the data key.
        w.change_unlock(&pass).unwrap();
        assert_eq!(value_file(&FileBackend::open(&dir, &pass).unwrap(), "alice"), b"a");
    }
}

fn value_file(b: &FileBackend, name: &str) -> Vec<u8> {
    b.get(&key(name)).unwrap().unwrap().value.to_vec()
}

#[test]
#[ignore = "needs a real keychain: tests/keychain/run.sh starts one"]
fn a_keychain_file_wallet_that_cannot_store_its_key_is_not_made() {
    for store in stores() {
        faults::clear();
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("w");
        faults::arm("keychain set");
        assert!(FileBackend::create(&dir, &OpenOptions::new().with_unlock(Unlock::Keychain(store))).is_err());
        assert!(!dir.exists(), "{store}: nothing made");
        // A switch the keychain refuses leaves the passphrase in place.
        let pass = OpenOptions::new().with_passphrase(Passphrase::new("pw")).with_kdf(FAST);
        let w = FileBackend::create(&dir, &pass).unwrap();
        faults::arm("keychain set");
        assert!(w.change_unlock(&OpenOptions::new().with_unlock(Unlock::Keychain(store))).is_err());
        assert_eq!(w.unlock_method().unwrap(), Unlock::Passphrase);
        FileBackend::open(&dir, &pass).unwrap();
    }
}
