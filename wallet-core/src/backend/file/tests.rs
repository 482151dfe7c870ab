//! File-backend behaviour that the shared conformance suite cannot see: what is on disk, what a
//! crash leaves behind, and how damage is reported. Crash states are built directly on disk.

use super::*;
use std::collections::BTreeMap;

const FAST: KdfParams = KdfParams { m_cost_kib: 64, t_cost: 1, p_cost: 1 };

fn opts(pass: &str) -> OpenOptions {
    OpenOptions::new().with_passphrase(Passphrase::new(pass)).with_kdf(FAST)
}

fn new_wallet() -> (tempfile::TempDir, PathBuf, FileBackend) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("wallet");
    let backend = FileBackend::create(&dir, &opts("pw")).unwrap();
    (tmp, dir, backend)
}

fn reopen(dir: &Path) -> FileBackend {
    FileBackend::open(dir, &opts("pw")).unwrap()
}

fn id(name: &str) -> RecordKey {
    RecordKey::new("identity", name)
}

fn record_file(backend: &FileBackend, key: &RecordKey) -> PathBuf {
    backend.record_path(&backend.keys.record_id(&key.kind, &key.name))
}

/// Every file under `dir` with its bytes and permission bits.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, u32)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            let meta = fs::metadata(&path).unwrap();
            #[cfg(unix)]
            let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777;
            #[cfg(not(unix))]
            let mode = 0;
            if meta.is_dir() {
                out.insert(path.clone(), (Vec::new(), mode));
                stack.push(path);
            } else {
                out.insert(path.clone(), (fs::read(&path).unwrap(), mode));
            }
        }
    }
    out
}

fn integrity_record(err: Error) -> String {
    match err {
        Error::Backend(BackendError::Integrity { record, .. } | BackendError::IndexDamaged { record, .. }) => record,
        Error::Backend(BackendError::HeaderDamaged { path, .. }) => format!("wallet header {path}"),
        other => panic!("expected an integrity error, got {other:?}"),
    }
}

fn flip(path: &Path, at: usize) -> Vec<u8> {
    let original = fs::read(path).unwrap();
    let mut bytes = original.clone();
    bytes[at] ^= 0x01;
    fs::write(path, &bytes).unwrap();
    original
}

#[test]
fn create_put_reopen_get() {
    let (_tmp, dir, backend) = new_wallet();
    assert_eq!(backend.put(&id("alice"), b"one", Expect::Absent).unwrap(), 1);
    assert_eq!(backend.put(&id("alice"), b"two", Expect::Version(1)).unwrap(), 2);
    backend.put(&RecordKey::new("ca", "root/key"), b"ca", Expect::Absent).unwrap();
    drop(backend);
    let backend = reopen(&dir);
    let got = backend.get(&id("alice")).unwrap().unwrap();
    assert_eq!((got.value.as_slice(), got.version), (&b"two"[..], 2));
    assert_eq!(backend.list("identity", "").unwrap(), ["alice"]);
    assert_eq!(backend.list("ca", "").unwrap(), ["root/key"]);
    assert_eq!(backend.location(), dir.display().to_string());
}

#[cfg(unix)]
#[test]
fn folders_are_0700_and_files_0600() {
    let (_tmp, dir, backend) = new_wallet();
    backend.put(&id("alice"), b"v", Expect::Absent).unwrap();
    let snap = snapshot(&dir);
    let names: Vec<_> = snap.keys().map(|p| p.strip_prefix(&dir).unwrap().to_path_buf()).collect();
    assert_eq!(names.len(), 6, "{names:?}");
    for (path, (_, mode)) in &snap {
        let want = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(*mode, want, "{}", path.display());
    }
    let meta = fs::metadata(&dir).unwrap();
    assert_eq!(std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777, 0o700);
}

#[test]
fn no_file_name_or_byte_reveals_a_label_or_value() {
    let (_tmp, dir, backend) = new_wallet();
    let label = "label-that-must-stay-hidden";
    let value = b"value-that-must-stay-hidden";
    backend.put(&id(label), value, Expect::Absent).unwrap();
    backend.put(&RecordKey::new("ca", label), value, Expect::Absent).unwrap();
    for (path, (bytes, _)) in snapshot(&dir) {
        let shown = path.display().to_string();
        assert!(!shown.contains(label) && !shown.contains("identity"), "{shown}");
        let hay = String::from_utf8_lossy(&bytes);
        assert!(!hay.contains(label) && !hay.contains("value-that") && !hay.contains("identity"), "{shown}");
    }
}

#[test]
fn wrong_passphrase_is_reported_and_changes_nothing() {
    let (_tmp, dir, backend) = new_wallet();
    backend.put(&id("alice"), b"v", Expect::Absent).unwrap();
    // Leftovers a successful open would tidy away must survive a failed one.
    fs::write(dir.join(".tmp-leftover"), b"junk").unwrap();
    drop(backend);
    let before = snapshot(&dir);
    let err = FileBackend::open(&dir, &opts("not the passphrase")).unwrap_err();
    assert!(
        matches!(&err, Error::Backend(BackendError::WrongPassphrase { location }) if location == &dir.display().to_string()),
        "{err}"
    );
    assert!(err.to_string().contains(&dir.display().to_string()));
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn missing_or_empty_passphrase_is_required() {
    let (tmp, dir, backend) = new_wallet();
    drop(backend);
    for passphrase in [None, Some(Passphrase::new(""))] {
        let options = OpenOptions::new().with_passphrase(passphrase).with_kdf(FAST);
        let err = FileBackend::open(&dir, &options).unwrap_err();
        assert!(matches!(err, Error::Backend(BackendError::PassphraseRequired { .. })), "{err}");
        let fresh = tmp.path().join("fresh");
        let err = FileBackend::create(&fresh, &options).unwrap_err();
        assert!(matches!(err, Error::Backend(BackendError::PassphraseRequired { .. })), "{err}");
        assert!(!fresh.exists(), "create without a passphrase left a folder");
    }
}

#[test]
fn a_folder_without_a_wallet_is_no_wallet() {
    let tmp = tempfile::tempdir().unwrap();
    let plain_file = tmp.path().join("plain");
    fs::write(&plain_file, b"x").unwrap();
    let with_files = tmp.path().join("other");
    fs::create_dir(&with_files).unwrap();
    fs::write(with_files.join("notes.txt"), b"x").unwrap();
    for dir in [tmp.path().join("missing"), tmp.path().to_owned(), plain_file, with_files] {
        let err = FileBackend::open(&dir, &opts("pw")).unwrap_err();
        assert!(
            matches!(&err, Error::Backend(BackendError::NoStore { location }) if location == &dir.display().to_string()),
            "{err}"
        );
    }
}

#[test]
fn creating_over_a_wallet_is_refused() {
    let (_tmp, dir, backend) = new_wallet();
    backend.put(&id("alice"), b"v", Expect::Absent).unwrap();
    let err = FileBackend::create(&dir, &opts("other")).unwrap_err();
    assert!(
        matches!(&err, Error::AlreadyExists { kind: "wallet", name, location }
            if name == "wallet" && location == &dir.parent().unwrap().display().to_string()),
        "{err}"
    );
    assert_eq!(reopen(&dir).get(&id("alice")).unwrap().unwrap().value.as_slice(), b"v");
}

#[test]
fn creating_in_a_folder_of_other_files_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("notes.txt"), b"mine").unwrap();
    let err = FileBackend::create(tmp.path(), &opts("pw")).unwrap_err();
    assert!(
        matches!(&err, Error::Backend(BackendError::Unavailable { backend: "file", detail, .. }) if detail.contains("notes.txt")),
        "{err}"
    );
    assert_eq!(fs::read(tmp.path().join("notes.txt")).unwrap(), b"mine");
    assert!(!tmp.path().join(HEADER_FILE).exists());
}

#[test]
fn kdf_parameters_out_of_bounds_are_refused_at_create() {
    let tmp = tempfile::tempdir().unwrap();
    for kdf in [
        KdfParams { m_cost_kib: 4, t_cost: 1, p_cost: 1 },
        KdfParams { m_cost_kib: KdfParams::MAX_M_COST_KIB + 1, t_cost: 1, p_cost: 1 },
        KdfParams { m_cost_kib: 64, t_cost: 0, p_cost: 1 },
        KdfParams { m_cost_kib: 1024, t_cost: 1, p_cost: 64 },
    ] {
        let options = OpenOptions::new().with_passphrase(Passphrase::new("pw")).with_kdf(kdf);
        let err = FileBackend::create(&tmp.path().join("w"), &options).unwrap_err();
        assert!(matches!(err, Error::Unsupported(_)), "{err}");
    }
    KdfParams::default().validate().unwrap();
}

fn rewrite_header(dir: &Path, edit: impl FnOnce(&mut Vec<u8>)) {
    let path = dir.join(HEADER_FILE);
    let mut bytes = fs::read(&path).unwrap();
    edit(&mut bytes);
    let body = bytes.len() - 32;
    let sum = <sha2::Sha256 as sha2::Digest>::digest(&bytes[..body]);
    bytes[body..].copy_from_slice(&sum);
    fs::write(&path, bytes).unwrap();
}

#[test]
fn an_unknown_format_version_is_unsupported() {
    let (_tmp, dir, backend) = new_wallet();
    drop(backend);
    rewrite_header(&dir, |h| h[8..10].copy_from_slice(&3u16.to_be_bytes()));
    let err = FileBackend::open(&dir, &opts("pw")).unwrap_err();
    assert!(
        matches!(&err, Error::Format(FormatError::UnsupportedVersion { found, supported, .. }) if found == "3" && supported == "1, 2"),
        "{err}"
    );
}

#[test]
fn a_hostile_header_cannot_demand_huge_work() {
    let (_tmp, dir, backend) = new_wallet();
    drop(backend);
    rewrite_header(&dir, |h| h[11..15].copy_from_slice(&(8 * 1024 * 1024u32).to_be_bytes()));
    let err = FileBackend::open(&dir, &opts("pw")).unwrap_err();
    assert!(
        matches!(&err, Error::Backend(BackendError::ExcessiveCost { detail, .. }) if detail.contains("memory")),
        "{err}"
    );
    rewrite_header(&dir, |h| {
        h[11..15].copy_from_slice(&64u32.to_be_bytes());
        h[15..19].copy_from_slice(&1000u32.to_be_bytes());
    });
    let err = FileBackend::open(&dir, &opts("pw")).unwrap_err();
    assert!(
        matches!(&err, Error::Backend(BackendError::ExcessiveCost { detail, .. }) if detail.contains("passes")),
        "{err}"
    );
}

#[test]
fn every_header_byte_is_checked() {
    let (_tmp, dir, backend) = new_wallet();
    drop(backend);
    let path = dir.join(HEADER_FILE);
    let len = fs::read(&path).unwrap().len();
    for at in 0..len {
        let original = flip(&path, at);
        let err = FileBackend::open(&dir, &opts("pw")).unwrap_err();
        assert!(integrity_record(err).contains("wallet header"), "byte {at}");
        fs::write(&path, original).unwrap();
    }
    let original = fs::read(&path).unwrap();
    fs::write(&path, &original[..len - 1]).unwrap();
    integrity_record(FileBackend::open(&dir, &opts("pw")).unwrap_err());
    fs::write(&path, b"").unwrap();
    integrity_record(FileBackend::open(&dir, &opts("pw")).unwrap_err());
    fs::write(&path, original).unwrap();
    reopen(&dir);
}

#[test]
fn every_record_byte_is_checked_and_damage_stays_local() {
    let (_tmp, _dir, backend) = new_wallet();
    backend.put(&id("alice"), b"alice's value", Expect::Absent).unwrap();
    backend.put(&id("bob"), b"bob's value", Expect::Absent).unwrap();
    let path = record_file(&backend, &id("alice"));
    let len = fs::read(&path).unwrap().len();
    for at in 0..len {
        let original = flip(&path, at);
        let err = backend.get(&id("alice")).unwrap_err();
        let record = integrity_record(err);
        assert!(record.contains("identity \"alice\""), "byte {at}: {record}");
        assert!(!record.contains(&hex::encode(backend.keys.record_id("identity", "alice"))), "{record}");
        assert_eq!(backend.get(&id("bob")).unwrap().unwrap().value.as_slice(), b"bob's value");
        assert_eq!(backend.list("identity", "").unwrap(), ["alice", "bob"]);
        fs::write(&path, original).unwrap();
    }
    assert_eq!(backend.get(&id("alice")).unwrap().unwrap().value.as_slice(), b"alice's value");
}

#[test]
fn a_truncated_record_is_an_integrity_error() {
    let (_tmp, _dir, backend) = new_wallet();
    backend.put(&id("alice"), b"alice's value", Expect::Absent).unwrap();
    let path = record_file(&backend, &id("alice"));
    let original = fs::read(&path).unwrap();
    for len in [0, 1, 4, 49, 50, 60, original.len() - 17, original.len() - 16, original.len() - 1] {
        fs::write(&path, &original[..len]).unwrap();
        let err = backend.get(&id("alice")).unwrap_err();
        let message = err.to_string();
        assert!(integrity_record(err).contains("identity \"alice\""), "length {len}");
        if len < 50 {
            assert!(message.contains("truncated"), "{message}");
        }
    }
    let mut longer = original.clone();
    longer.push(0);
    fs::write(&path, longer).unwrap();
    integrity_record(backend.get(&id("alice")).unwrap_err());
}

#[test]
fn a_record_moved_to_another_name_is_detected() {
    let (_tmp, _dir, backend) = new_wallet();
    backend.put(&id("alice"), b"alice", Expect::Absent).unwrap();
    backend.put(&id("bob"), b"bob", Expect::Absent).unwrap();
    fs::copy(record_file(&backend, &id("alice")), record_file(&backend, &id("bob"))).unwrap();
    assert!(integrity_record(backend.get(&id("bob")).unwrap_err()).contains("\"bob\""));
    assert_eq!(backend.get(&id("alice")).unwrap().unwrap().value.as_slice(), b"alice");
}

#[test]
fn a_damaged_record_fails_cas_but_can_be_replaced_or_removed() {
    let (_tmp, _dir, backend) = new_wallet();
    backend.put(&id("alice"), b"v1", Expect::Absent).unwrap();
    let path = record_file(&backend, &id("alice"));
    let last = fs::read(&path).unwrap().len() - 1;
    flip(&path, last);
    integrity_record(backend.put(&id("alice"), b"x", Expect::Version(1)).unwrap_err());
    assert!(matches!(backend.put(&id("alice"), b"x", Expect::Absent), Err(Error::AlreadyExists { .. })));
    assert_eq!(backend.put(&id("alice"), b"v2", Expect::Any).unwrap(), 2);
    assert_eq!(backend.get(&id("alice")).unwrap().unwrap().value.as_slice(), b"v2");
    flip(&path, last);
    integrity_record(backend.delete(&id("alice"), Expect::Version(2)).unwrap_err());
    assert!(backend.delete(&id("alice"), Expect::Any).unwrap());
    assert!(backend.get(&id("alice")).unwrap().is_none());
    assert!(backend.list("identity", "").unwrap().is_empty());
}

/// Flip each byte of `file` in turn: listing must report the index as damaged while records stay
/// readable (the wallet holds "a", "b", "c"). Restores the file; returns its path and length.
fn assert_every_byte_breaks_the_index(dir: &Path, file: &str) -> (PathBuf, usize) {
    let path = dir.join(file);
    let len = fs::read(&path).unwrap().len();
    for at in 0..len {
        let original = flip(&path, at);
        let backend = reopen(dir);
        let err = backend.list("identity", "").unwrap_err();
        assert!(integrity_record(err).contains("wallet index"), "{file} byte {at}");
        assert_eq!(backend.get(&id("b")).unwrap().unwrap().value.as_slice(), b"b");
        fs::write(&path, original).unwrap();
    }
    (path, len)
}

#[test]
fn every_index_byte_is_checked_and_the_index_can_be_rebuilt() {
    let (_tmp, dir, backend) = new_wallet();
    for name in ["a", "b", "c"] {
        backend.put(&id(name), name.as_bytes(), Expect::Absent).unwrap();
    }
    drop(backend);
    let (path, len) = assert_every_byte_breaks_the_index(&dir, INDEX_FILE);
    flip(&path, len - 1);
    let backend = reopen(&dir);
    // A create appends to the log without reading the damaged snapshot; listing still
    // reports the damage until the index is rebuilt, and the rebuild finds the new record.
    backend.put(&id("d"), b"d", Expect::Absent).unwrap();
    integrity_record(backend.list("identity", "").unwrap_err());
    let report = backend.rebuild_index().unwrap();
    assert_eq!(report, RebuildReport { indexed: 4, unreadable: vec![], named: vec![] });
    assert_eq!(backend.list("identity", "").unwrap(), ["a", "b", "c", "d"]);
    backend.put(&id("e"), b"e", Expect::Absent).unwrap();
    assert_eq!(reopen(&dir).list("identity", "").unwrap(), ["a", "b", "c", "d", "e"]);
}

#[test]
fn a_missing_or_truncated_index_is_reported_and_rebuilt() {
    let (_tmp, dir, backend) = new_wallet();
    backend.put(&id("a"), b"a", Expect::Absent).unwrap();
    backend.put(&RecordKey::new("ca", "x"), b"x", Expect::Absent).unwrap();
    let path = dir.join(INDEX_FILE);
    let original = fs::read(&path).unwrap();
    fs::write(&path, &original[..20]).unwrap();
    let err = reopen(&dir).list("identity", "").unwrap_err();
    assert!(err.to_string().contains("truncated"), "{err}");
    fs::remove_file(&path).unwrap();
    let backend = reopen(&dir);
    let err = backend.list("identity", "").unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");
    // A damaged record the old index no longer names cannot be attributed: it is reported.
    let damaged = record_file(&backend, &RecordKey::new("ca", "x"));
    flip(&damaged, 60);
    let report = backend.rebuild_index().unwrap();
    assert_eq!(report, RebuildReport { indexed: 1, unreadable: vec![damaged], named: vec![] });
    assert_eq!(backend.list("identity", "").unwrap(), ["a"]);
}

#[test]
fn rebuild_keeps_damaged_records_the_index_named() {
    let (_tmp, _dir, backend) = new_wallet();
    backend.put(&id("a"), b"a", Expect::Absent).unwrap();
    backend.put(&id("b"), b"b", Expect::Absent).unwrap();
    let damaged = record_file(&backend, &id("b"));
    flip(&damaged, 60);
    let report = backend.rebuild_index().unwrap();
    assert_eq!(
        report,
        RebuildReport {
            indexed: 2,
            unreadable: vec![damaged.clone()],
            named: vec![("identity".into(), "b".into(), damaged)]
        }
    );
    assert_eq!(backend.list("identity", "").unwrap(), ["a", "b"]);
    assert!(backend.delete(&id("b"), Expect::Any).unwrap());
    assert_eq!(backend.list("identity", "").unwrap(), ["a"]);
}

/// The index files (snapshot and log) as they are, to put back as a crash would leave them.
fn save_index(dir: &Path) -> [(PathBuf, Vec<u8>); 2] {
    [INDEX_FILE, LOG_FILE].map(|name| (dir.join(name), fs::read(dir.join(name)).unwrap()))
}

fn restore_index(saved: &[(PathBuf, Vec<u8>); 2]) {
    for (path, bytes) in saved {
        fs::write(path, bytes).unwrap();
    }
}

/// Leave the journal a writer writes before it creates or deletes `key`.
fn leave_journal(backend: &FileBackend, entry: &[u8]) {
    let mut lock = WriterLock::acquire(&backend.lock_path()).unwrap();
    lock.write_journal(entry).unwrap();
}

fn journal_len(backend: &FileBackend) -> u64 {
    fs::metadata(backend.lock_path()).unwrap().len()
}

#[test]
fn crash_after_a_new_record_before_its_index_entry() {
    for settle_by_write in [false, true] {
        let (_tmp, dir, backend) = new_wallet();
        backend.put(&id("a"), b"a", Expect::Absent).unwrap();
        let index_before = save_index(&dir);
        // The writer journaled "b", wrote its record, and crashed before the index.
        leave_journal(&backend, &format::seal_journal(&backend.keys, "identity", "b"));
        backend.put(&id("b"), b"b", Expect::Absent).unwrap();
        leave_journal(&backend, &format::seal_journal(&backend.keys, "identity", "b"));
        restore_index(&index_before);

        assert_eq!(backend.get(&id("b")).unwrap().unwrap().value.as_slice(), b"b");
        if settle_by_write {
            backend.put(&id("c"), b"c", Expect::Absent).unwrap();
            assert_eq!(backend.list("identity", "").unwrap(), ["a", "b", "c"]);
        } else {
            assert_eq!(backend.list("identity", "").unwrap(), ["a", "b"]);
        }
        assert_eq!(journal_len(&backend), 0);
        assert_eq!(reopen(&dir).list("identity", "").unwrap().len(), if settle_by_write { 3 } else { 2 });
    }
}

#[test]
fn crash_after_removing_a_record_before_its_index_entry() {
    let (_tmp, dir, backend) = new_wallet();
    backend.put(&id("a"), b"a", Expect::Absent).unwrap();
    backend.put(&id("b"), b"b", Expect::Absent).unwrap();
    let index_before = save_index(&dir);
    backend.delete(&id("b"), Expect::Any).unwrap();
    leave_journal(&backend, &format::seal_journal(&backend.keys, "identity", "b"));
    restore_index(&index_before);
    // Another handle (as another process would) sees a coherent wallet: open settles it.
    let other = reopen(&dir);
    assert_eq!(journal_len(&other), 0);
    assert_eq!(other.list("identity", "").unwrap(), ["a"]);
    assert!(other.get(&id("b")).unwrap().is_none());
    assert_eq!(backend.list("identity", "").unwrap(), ["a"]);
}

#[test]
fn crash_after_the_journal_before_any_change() {
    let (_tmp, dir, backend) = new_wallet();
    backend.put(&id("a"), b"a", Expect::Absent).unwrap();
    let before = save_index(&dir);
    leave_journal(&backend, &format::seal_journal(&backend.keys, "identity", "never-written"));
    assert_eq!(backend.list("identity", "").unwrap(), ["a"]);
    assert_eq!(journal_len(&backend), 0);
    assert_eq!(save_index(&dir), before, "a no-op settle changed the index");
}

#[test]
fn a_torn_journal_rebuilds_the_index_from_the_records() {
    let (_tmp, dir, backend) = new_wallet();
    backend.put(&id("a"), b"a", Expect::Absent).unwrap();
    let index_before = save_index(&dir);
    backend.put(&id("b"), b"b", Expect::Absent).unwrap();
    let torn = format::seal_journal(&backend.keys, "identity", "b");
    leave_journal(&backend, &torn[..torn.len() / 2]);
    restore_index(&index_before);
    assert_eq!(backend.list("identity", "").unwrap(), ["a", "b"]);
    assert_eq!(journal_len(&backend), 0);
}

#[test]
fn list_waits_for_nobody_and_skips_settling_while_a_writer_works() {
    let (_tmp, dir, backend) = new_wallet();
    backend.put(&id("a"), b"a", Expect::Absent).unwrap();
    // A live writer holds the lock with its journal written: list shows the state before it.
    let mut lock = WriterLock::acquire(&backend.lock_path()).unwrap();
    lock.write_journal(&format::seal_journal(&backend.keys, "identity", "b")).unwrap();
    assert_eq!(reopen(&dir).list("identity", "").unwrap(), ["a"]);
    assert!(journal_len(&backend) > 0, "list settled a live writer's journal");
    drop(lock);
}

#[test]
fn leftover_temp_files_are_ignored_then_swept() {
    let (_tmp, dir, backend) = new_wallet();
    backend.put(&id("a"), b"a", Expect::Absent).unwrap();
    // Writers make temp files in the wallet folder; one in records/ is left by an older version.
    let ours = dir.join(".tmp-00112233");
    let older = dir.join(RECORDS_DIR).join(".tmp-44556677");
    for path in [&ours, &older] {
        fs::write(path, b"half a file").unwrap();
    }
    assert_eq!(backend.list("identity", "").unwrap(), ["a"]);
    assert_eq!(backend.get(&id("a")).unwrap().unwrap().value.as_slice(), b"a");
    assert_eq!(backend.rebuild_index().unwrap(), RebuildReport { indexed: 1, unreadable: vec![], named: vec![] });
    assert!(!ours.exists() && !older.exists(), "rebuild did not sweep");

    fs::write(&ours, b"half a file").unwrap();
    let other = reopen(&dir);
    assert!(!ours.exists(), "open did not sweep");
    fs::write(&ours, b"half a file").unwrap();
    // A handle that could not sweep at open (a writer held the lock) sweeps at its first write.
    let lock = WriterLock::acquire(&backend.lock_path()).unwrap();
    let third = reopen(&dir);
    assert!(ours.exists(), "swept while another writer held the lock");
    drop(lock);
    drop(other);
    third.put(&id("b"), b"b", Expect::Absent).unwrap();
    assert!(!ours.exists(), "first write did not sweep");
    // Records are written through the wallet folder: none is left in records/ either way.
    let in_records = || {
        fs::read_dir(dir.join(RECORDS_DIR))
            .unwrap()
            .filter(|e| fsutil::is_temp_name(&e.as_ref().unwrap().file_name()))
            .count()
    };
    assert_eq!(in_records(), 0);
}

#[test]
fn a_create_that_crashed_before_its_header_leaves_no_wallet() {
    let (tmp, dir, backend) = new_wallet();
    drop(backend);
    let crashed = tmp.path().join("crashed");
    fs::create_dir(&crashed).unwrap();
    fs::create_dir(crashed.join(RECORDS_DIR)).unwrap();
    fs::copy(dir.join(INDEX_FILE), crashed.join(INDEX_FILE)).unwrap();
    fs::write(crashed.join(LOCK_FILE), b"").unwrap();
    fs::write(crashed.join(".tmp-0011"), b"half a header").unwrap();
    assert!(matches!(FileBackend::open(&crashed, &opts("pw")), Err(Error::Backend(BackendError::NoStore { .. }))));
    let backend = FileBackend::create(&crashed, &opts("pw")).unwrap();
    backend.put(&id("a"), b"a", Expect::Absent).unwrap();
    assert_eq!(reopen(&crashed).list("identity", "").unwrap(), ["a"]);
    assert!(!crashed.join(".tmp-0011").exists());
}

#[test]
fn change_passphrase_rewraps_only_the_data_key() {
    let (_tmp, dir, backend) = new_wallet();
    backend.put(&id("a"), b"a", Expect::Absent).unwrap();
    let before = snapshot(&dir);
    backend.change_passphrase(&Passphrase::new("new pass")).unwrap();
    let after = snapshot(&dir);
    for (path, content) in &before {
        if path.ends_with(HEADER_FILE) {
            assert_ne!(&after[path], content, "header not rewritten");
        } else {
            assert_eq!(&after[path], content, "{} changed", path.display());
        }
    }
    assert_eq!(after.len(), before.len());
    assert!(matches!(FileBackend::open(&dir, &opts("pw")), Err(Error::Backend(BackendError::WrongPassphrase { .. }))));
    let reopened = FileBackend::open(&dir, &opts("new pass")).unwrap();
    assert_eq!(reopened.get(&id("a")).unwrap().unwrap().value.as_slice(), b"a");
    // The handle that changed it keeps working.
    backend.put(&id("b"), b"b", Expect::Absent).unwrap();
    assert!(matches!(
        backend.change_passphrase(&Passphrase::new("")),
        Err(Error::Backend(BackendError::PassphraseRequired { .. }))
    ));
}

#[test]
fn debug_shows_no_key() {
    let (_tmp, _dir, backend) = new_wallet();
    let shown = format!("{backend:?}");
    assert!(shown.contains("<redacted>"), "{shown}");
    assert!(!shown.contains(&hex::encode(backend.keys.data_key())), "{shown}");
    assert!(!shown.contains(&format!("{:?}", backend.keys.data_key())), "{shown}");
}

#[test]
fn handles_share_compare_and_swap_through_the_lock() {
    let (_tmp, dir, backend) = new_wallet();
    backend.put(&id("counter"), b"0", Expect::Absent).unwrap();
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let handle = reopen(&dir);
                for _ in 0..10 {
                    loop {
                        let cur = handle.get(&id("counter")).unwrap().unwrap();
                        let n: u32 = std::str::from_utf8(&cur.value).unwrap().parse().unwrap();
                        match handle.put(&id("counter"), (n + 1).to_string().as_bytes(), Expect::Version(cur.version)) {
                            Ok(_) => break,
                            Err(Error::Backend(BackendError::Conflict { .. })) => continue,
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
            });
        }
    });
    let last = backend.get(&id("counter")).unwrap().unwrap();
    assert_eq!((last.value.as_slice(), last.version), (&b"40"[..], 41));
}

#[test]
fn list_sees_writes_of_other_handles() {
    let (_tmp, dir, backend) = new_wallet();
    backend.put(&id("a"), b"a", Expect::Absent).unwrap();
    assert_eq!(backend.list("identity", "").unwrap(), ["a"]);
    let other = reopen(&dir);
    other.put(&id("b"), b"b", Expect::Absent).unwrap();
    assert_eq!(backend.list("identity", "").unwrap(), ["a", "b"]);
    other.delete(&id("a"), Expect::Any).unwrap();
    assert_eq!(backend.list("identity", "").unwrap(), ["b"]);
}

fn crash_during(step: &'static str, write: impl FnOnce() -> Result<()>) {
    CRASH_AT.with(|c| c.set(Some(step)));
    let result = write();
    CRASH_AT.with(|c| c.set(None));
    assert!(
        matches!(&result, Err(Error::Backend(BackendError::Unavailable { detail, .. })) if detail.contains(step)),
        "{step}: {result:?}"
    );
}

/// Stop real writes at each step and check what another process would then see.
#[test]
fn a_crash_at_any_step_of_a_write_leaves_a_coherent_wallet() {
    for step in ["put: journal written", "put: record written", "put: index written"] {
        let (_tmp, dir, backend) = new_wallet();
        backend.put(&id("a"), b"a", Expect::Absent).unwrap();
        crash_during(step, || backend.put(&id("b"), b"b", Expect::Absent).map(drop));
        assert!(journal_len(&backend) > 0, "{step}: no journal left");
        drop(backend);
        let after = reopen(&dir);
        let listed = after.list("identity", "").unwrap();
        let present = after.get(&id("b")).unwrap().is_some();
        assert_eq!(present, step != "put: journal written", "{step}");
        assert_eq!(listed.contains(&"b".to_owned()), present, "{step}: list and get disagree: {listed:?}");
        assert_eq!(journal_len(&after), 0, "{step}");
        // The next write goes through, and the wallet ends as if the crashed write had
        // either completed or never started.
        after.put(&id("b"), b"b2", Expect::Any).unwrap();
        assert_eq!(after.list("identity", "").unwrap(), ["a", "b"], "{step}");
    }
    for step in ["delete: journal written", "delete: record removed", "delete: index written"] {
        let (_tmp, dir, backend) = new_wallet();
        backend.put(&id("a"), b"a", Expect::Absent).unwrap();
        backend.put(&id("b"), b"b", Expect::Absent).unwrap();
        crash_during(step, || backend.delete(&id("b"), Expect::Any).map(drop));
        drop(backend);
        let after = reopen(&dir);
        let present = after.get(&id("b")).unwrap().is_some();
        assert_eq!(present, step == "delete: journal written", "{step}");
        assert_eq!(after.list("identity", "").unwrap().contains(&"b".to_owned()), present, "{step}");
        assert_eq!(journal_len(&after), 0, "{step}");
    }
}

// ----- batches -----------------------------------------------------------------------------------

const BATCH_STEPS: [&str; 5] = [
    "batch: journal written",
    "batch: half the records written",
    "batch: records written",
    "batch: index written",
    "batch: synced",
];

/// A wallet holding "a" and "u" (version 1), and the batch the crash tests interrupt: four
/// creates and an update of "u".
type Writes = Vec<(RecordKey, Vec<u8>, Expect)>;

fn batch_fixture() -> (tempfile::TempDir, PathBuf, FileBackend, Writes) {
    let (tmp, dir, backend) = new_wallet();
    backend.put(&id("a"), b"a", Expect::Absent).unwrap();
    backend.put(&id("u"), b"u1", Expect::Absent).unwrap();
    let mut writes: Vec<_> =
        ["b", "c", "d", "e"].iter().map(|n| (id(n), format!("value of {n}").into_bytes(), Expect::Absent)).collect();
    writes.insert(2, (id("u"), b"u2".to_vec(), Expect::Version(1)));
    writes.push((RecordKey::new("ca-cert", "ca/01"), b"certificate".to_vec(), Expect::Absent));
    (tmp, dir, backend, writes)
}

fn batch_of(writes: &[(RecordKey, Vec<u8>, Expect)]) -> Vec<BatchPut<'_>> {
    writes.iter().map(|(k, v, e)| BatchPut::new(k, v, *e)).collect()
}

/// The batch of `batch_fixture` is wholly there, and the journal settled.
fn assert_batch_applied(backend: &FileBackend, writes: &[(RecordKey, Vec<u8>, Expect)], context: &str) {
    for (key, value, _) in writes {
        let got = backend.get(key).unwrap().unwrap_or_else(|| panic!("{context}: {key} missing"));
        let version = if key.name == "u" { 2 } else { 1 };
        assert_eq!((got.value.as_slice(), got.version), (value.as_slice(), version), "{context}: {key}");
    }
    assert_eq!(backend.list("identity", "").unwrap(), ["a", "b", "c", "d", "e", "u"], "{context}");
    assert_eq!(backend.list("ca-cert", "").unwrap(), ["ca/01"], "{context}");
    assert_eq!(journal_len(backend), 0, "{context}");
}

#[test]
fn a_batch_is_written_with_one_journal_and_one_index_change() {
    let (_tmp, dir, backend, writes) = batch_fixture();
    let before = save_index(&dir);
    assert_eq!(backend.put_batch(&batch_of(&writes)).unwrap(), [1, 1, 2, 1, 1, 1]);
    let after = save_index(&dir);
    assert_eq!(after[0], before[0], "the index snapshot was rewritten");
    assert_eq!(log_frames(&backend, &after[1].1), log_frames(&backend, &before[1].1) + 1, "not one index change");
    assert_batch_applied(&reopen(&dir), &writes, "after the batch");
    // An update-only batch leaves the index alone.
    let updates = [(id("b"), b"b2".to_vec(), Expect::Version(1)), (id("c"), b"c2".to_vec(), Expect::Any)];
    assert_eq!(backend.put_batch(&batch_of(&updates)).unwrap(), [2, 2]);
    assert_eq!(save_index(&dir), after);
    assert!(fs::read_dir(dir.join(RECORDS_DIR)).unwrap().all(|e| !fsutil::is_temp_name(&e.unwrap().file_name())));
}

#[test]
fn a_refused_batch_changes_no_byte() {
    let (_tmp, dir, backend, mut writes) = batch_fixture();
    writes.push((id("a"), b"again".to_vec(), Expect::Absent));
    let before = snapshot(&dir);
    let err = backend.put_batch(&batch_of(&writes)).unwrap_err();
    assert!(matches!(&err, Error::AlreadyExists { name, .. } if name == "a"), "{err}");
    assert_eq!(snapshot(&dir), before);
}

/// Stop a batch at each step: the journal is whole from the first step on, so the batch has
/// committed, and whoever comes next (a reopening process, a `list`, a writer, a repair)
/// finishes all of it.
#[test]
fn a_crash_at_any_step_of_a_batch_is_finished_by_the_next_comer() {
    for step in BATCH_STEPS {
        for next in ["reopen", "list", "write", "rebuild"] {
            let context = format!("{step}, then {next}");
            let (_tmp, dir, backend, writes) = batch_fixture();
            crash_during(step, || backend.put_batch(&batch_of(&writes)).map(drop));
            assert!(journal_len(&backend) > 0, "{context}: no journal left");
            let after = match next {
                "reopen" => {
                    drop(backend);
                    reopen(&dir)
                }
                "list" => {
                    assert_eq!(backend.list("identity", "").unwrap(), ["a", "b", "c", "d", "e", "u"], "{context}");
                    backend
                }
                "write" => {
                    backend.put(&id("z"), b"z", Expect::Absent).unwrap();
                    backend.delete(&id("z"), Expect::Any).unwrap();
                    backend
                }
                _ => {
                    let report = backend.rebuild_index().unwrap();
                    assert_eq!(report, RebuildReport { indexed: 7, unreadable: vec![], named: vec![] }, "{context}");
                    backend
                }
            };
            assert_batch_applied(&after, &writes, &context);
            assert!(
                fs::read_dir(dir.join(RECORDS_DIR)).unwrap().all(|e| !fsutil::is_temp_name(&e.unwrap().file_name())),
                "{context}: temp files left"
            );
            // The expectations now see the batch: creating its records again is refused.
            let err = after.put_batch(&batch_of(&writes)).unwrap_err();
            assert!(matches!(err, Error::AlreadyExists { .. }), "{context}: {err}");
        }
    }
}

/// A crash before the batch journal is written leaves the wallet as it was.
#[test]
fn a_crash_before_the_batch_journal_leaves_the_wallet_as_before() {
    let (_tmp, dir, backend, writes) = batch_fixture();
    let before = snapshot(&dir);
    crash_during("batch: expectations checked", || backend.put_batch(&batch_of(&writes)).map(drop));
    assert_eq!(snapshot(&dir), before);
    assert_eq!(reopen(&dir).list("identity", "").unwrap(), ["a", "u"]);
}

/// A journal torn while it was being written means no record of the batch was touched: the
/// wallet stays as it was before the batch.
#[test]
fn a_torn_batch_journal_leaves_the_wallet_as_before() {
    let (_tmp, dir, backend, writes) = batch_fixture();
    let records: Vec<format::BatchEntry> = writes
        .iter()
        .map(|(k, v, _)| {
            let rid = backend.keys.record_id(&k.kind, &k.name);
            (k.kind.clone(), k.name.clone(), format::seal_record(&backend.keys, &rid, k, 1, v))
        })
        .collect();
    let journal = format::seal_batch_journal(&backend.keys, &records);
    for len in [4, 40, journal.len() / 2, journal.len() - 1] {
        leave_journal(&backend, &journal[..len]);
        let other = reopen(&dir);
        assert_eq!(journal_len(&other), 0, "torn at {len}");
        assert_eq!(other.list("identity", "").unwrap(), ["a", "u"], "torn at {len}");
        assert_eq!(other.get(&id("u")).unwrap().unwrap().value.as_slice(), b"u1");
        assert!(other.get(&id("b")).unwrap().is_none());
    }
}

#[test]
fn a_batch_journal_reveals_no_label_or_value() {
    let (_tmp, dir, backend) = new_wallet();
    let label = "label-that-must-stay-hidden";
    let writes = [
        (id(label), b"value-that-must-stay-hidden".to_vec(), Expect::Absent),
        (RecordKey::new("ca", label), b"value-that-must-stay-hidden".to_vec(), Expect::Absent),
    ];
    crash_during("batch: journal written", || backend.put_batch(&batch_of(&writes)).map(drop));
    let journal = fs::read(dir.join(LOCK_FILE)).unwrap();
    assert!(journal.len() > 100);
    let hay = String::from_utf8_lossy(&journal);
    assert!(!hay.contains(label) && !hay.contains("value-that") && !hay.contains("identity"));
}

// ----- the index log -----------------------------------------------------------------------------

/// The number of whole frames in a log file.
fn log_frames(backend: &FileBackend, log: &[u8]) -> usize {
    let mut at = format::LOG_HEAD;
    let mut n = 0;
    while let format::LogFrame::Whole { len, .. } = format::open_log_frame(&backend.keys, log, at as u64, &log[at..]) {
        at += len;
        n += 1;
    }
    assert_eq!(at, log.len(), "the log has bytes after its frames");
    n
}

fn snapshot_generation(dir: &Path) -> u64 {
    u64::from_be_bytes(fs::read(dir.join(INDEX_FILE)).unwrap()[6..14].try_into().unwrap())
}

#[test]
fn single_writes_append_to_the_log_and_a_full_log_becomes_a_snapshot() {
    let (_tmp, dir, backend) = new_wallet();
    let generation = snapshot_generation(&dir);
    let mut names = vec![];
    for i in 0..index::MAX_FRAMES {
        let name = format!("user{i:02}");
        backend.put(&id(&name), b"v", Expect::Absent).unwrap();
        names.push(name);
        assert_eq!(snapshot_generation(&dir), generation, "a create rewrote the snapshot");
        assert_eq!(log_frames(&backend, &fs::read(dir.join(LOG_FILE)).unwrap()), i as usize + 1);
        assert_eq!(reopen(&dir).list("identity", "").unwrap(), names);
    }
    backend.delete(&id("user00"), Expect::Any).unwrap();
    names.remove(0);
    assert_eq!(snapshot_generation(&dir), generation + 1, "a full log was not folded into a snapshot");
    assert_eq!(fs::read(dir.join(LOG_FILE)).unwrap().len(), format::LOG_HEAD);
    assert_eq!(reopen(&dir).list("identity", "").unwrap(), names);
    assert_eq!(backend.list("identity", "").unwrap(), names);
}

/// Creates in a large wallet rewrite its snapshot no more often, per byte, than in a small one:
/// the log of a larger snapshot holds more frames, so the bytes of snapshot rewritten per
/// change stay bounded (O(1) on average) instead of growing with the wallet.
#[test]
fn the_snapshot_rewrites_of_single_creates_do_not_grow_with_the_wallet() {
    let (_tmp, dir, backend) = new_wallet();
    let names: Vec<String> = (0..4000).map(|i| format!("filler-identity-{i:05}")).collect();
    let keys: Vec<RecordKey> = names.iter().map(|n| id(n)).collect();
    for chunk in keys.chunks(500) {
        let writes: Vec<BatchPut<'_>> = chunk.iter().map(|k| BatchPut::new(k, b"v", Expect::Absent)).collect();
        backend.put_batch(&writes).unwrap();
    }
    let base = fs::metadata(dir.join(INDEX_FILE)).unwrap().len();
    assert!(index::frame_limit(base) > index::MAX_FRAMES, "the snapshot ({base} bytes) is too small for this test");
    let creates = 200u64;
    let (mut rewrites, mut rewritten, mut generation) = (0u64, 0u64, snapshot_generation(&dir));
    for i in 0..creates {
        backend.put(&id(&format!("new-{i:04}")), b"v", Expect::Absent).unwrap();
        if snapshot_generation(&dir) != generation {
            generation = snapshot_generation(&dir);
            rewrites += 1;
            rewritten += fs::metadata(dir.join(INDEX_FILE)).unwrap().len();
        }
    }
    // A rewrite of n bytes comes at most once per n / SNAPSHOT_BYTES_PER_FRAME creates, and a
    // boundary may fall on either end: with a fixed limit of MAX_FRAMES frames this would be
    // 25 rewrites of the whole snapshot.
    let last = fs::metadata(dir.join(INDEX_FILE)).unwrap().len();
    let bound = creates * index::SNAPSHOT_BYTES_PER_FRAME + 2 * last;
    assert!(rewritten <= bound, "{rewrites} snapshot rewrites ({rewritten} bytes) for {creates} creates");
    assert_eq!(reopen(&dir).list("identity", "").unwrap().len(), 4000 + creates as usize);
}

/// A writer that has not listed appends its change without decoding the snapshot; a handle
/// that holds the decoded index keeps it up to date with its own and others' changes.
#[test]
fn a_create_in_a_fresh_handle_does_not_decode_the_snapshot() {
    let (_tmp, dir, backend) = new_wallet();
    backend.put(&id("a"), b"a", Expect::Absent).unwrap();
    assert_eq!(backend.list("identity", "").unwrap(), ["a"]);
    let fresh = reopen(&dir);
    fresh.put(&id("b"), b"b", Expect::Absent).unwrap();
    fresh.delete(&id("a"), Expect::Any).unwrap();
    let decoded = |b: &FileBackend| b.index_cache.lock().unwrap().as_ref().is_some_and(|s| s.holds_index());
    assert!(!decoded(&fresh), "a write decoded the snapshot");
    assert!(decoded(&backend));
    assert_eq!(backend.list("identity", "").unwrap(), ["b"]);
    assert_eq!(fresh.list("identity", "").unwrap(), ["b"]);
    assert!(decoded(&fresh));
    fresh.put(&id("c"), b"c", Expect::Absent).unwrap();
    assert_eq!(fresh.list("identity", "").unwrap(), ["b", "c"]);
    assert_eq!(reopen(&dir).list("identity", "").unwrap(), ["b", "c"]);
}

#[test]
fn a_log_larger_than_its_snapshot_becomes_a_snapshot() {
    let (_tmp, dir, backend) = new_wallet();
    let long = "x".repeat(200);
    let writes: Vec<_> = (0..20).map(|i| (id(&format!("{long}{i:02}")), b"v".to_vec(), Expect::Absent)).collect();
    let generation = snapshot_generation(&dir);
    backend.put_batch(&batch_of(&writes)).unwrap();
    assert_eq!(snapshot_generation(&dir), generation + 1, "a frame larger than the log's limit was appended");
    assert_eq!(reopen(&dir).list("identity", "").unwrap().len(), 20);
}

#[test]
fn every_log_byte_is_checked() {
    let (_tmp, dir, backend) = new_wallet();
    for name in ["a", "b", "c"] {
        backend.put(&id(name), name.as_bytes(), Expect::Absent).unwrap();
    }
    drop(backend);
    let (path, len) = assert_every_byte_breaks_the_index(&dir, LOG_FILE);
    for cut in [1, 10, len - format::LOG_HEAD - 1] {
        let original = fs::read(&path).unwrap();
        fs::write(&path, &original[..len - cut]).unwrap();
        integrity_record(reopen(&dir).list("identity", "").unwrap_err());
        fs::write(&path, original).unwrap();
    }
    fs::remove_file(&path).unwrap();
    let backend = reopen(&dir);
    assert!(integrity_record(backend.list("identity", "").unwrap_err()).contains("wallet index log"));
    assert_eq!(backend.rebuild_index().unwrap().indexed, 3);
    assert_eq!(reopen(&dir).list("identity", "").unwrap(), ["a", "b", "c"]);
}

/// A crash while a frame was appended leaves a torn tail and the journal that explains it:
/// readers ignore the tail, and settling writes the change again over it.
#[test]
fn a_torn_log_tail_with_its_journal_is_settled() {
    let (_tmp, dir, backend) = new_wallet();
    backend.put(&id("a"), b"a", Expect::Absent).unwrap();
    backend.put(&id("b"), b"b", Expect::Absent).unwrap();
    let path = dir.join(LOG_FILE);
    let log = fs::read(&path).unwrap();
    for cut in [1, 20] {
        fs::write(&path, &log[..log.len() - cut]).unwrap();
        // Without a journal the torn tail is damage.
        integrity_record(reopen(&dir).list("identity", "").unwrap_err());
        // With the journal of the write that appended it, it is a crash: another handle
        // (open settles) and this one both see "b".
        leave_journal(&backend, &format::seal_journal(&backend.keys, "identity", "b"));
        let other = reopen(&dir);
        assert_eq!(journal_len(&other), 0);
        assert_eq!(other.list("identity", "").unwrap(), ["a", "b"]);
        assert_eq!(backend.list("identity", "").unwrap(), ["a", "b"]);
        assert_eq!(log_frames(&backend, &fs::read(&path).unwrap()), 2, "the torn frame was not replaced");
    }
    // A writer at work holds its journal: readers leave its half-written frame alone.
    let mut lock = WriterLock::acquire(&backend.lock_path()).unwrap();
    lock.write_journal(&format::seal_journal(&backend.keys, "identity", "c")).unwrap();
    let mut torn = fs::read(&path).unwrap();
    let frame = format::seal_log_frame(
        &backend.keys,
        &torn[..format::LOG_HEAD],
        torn.len() as u64,
        &[(format::IndexOp::Add, "identity", "c")],
    );
    torn.extend_from_slice(&frame[..frame.len() / 2]);
    fs::write(&path, &torn).unwrap();
    assert_eq!(reopen(&dir).list("identity", "").unwrap(), ["a", "b"]);
    drop(lock);
}

/// A crash between writing a snapshot and starting its log leaves the old log beside the
/// new snapshot: replaying it changes nothing, and the next change starts afresh.
#[test]
fn a_log_left_from_before_a_snapshot_changes_nothing() {
    let (_tmp, dir, backend) = new_wallet();
    for name in ["a", "b", "c"] {
        backend.put(&id(name), b"v", Expect::Absent).unwrap();
    }
    backend.delete(&id("b"), Expect::Any).unwrap();
    let old_log = fs::read(dir.join(LOG_FILE)).unwrap();
    backend.rebuild_index().unwrap();
    fs::write(dir.join(LOG_FILE), &old_log).unwrap();
    let other = reopen(&dir);
    assert_eq!(other.list("identity", "").unwrap(), ["a", "c"]);
    other.put(&id("d"), b"v", Expect::Absent).unwrap();
    assert_eq!(reopen(&dir).list("identity", "").unwrap(), ["a", "c", "d"]);
    assert_eq!(backend.list("identity", "").unwrap(), ["a", "c", "d"]);
}

/// A version-1 wallet (no index log) is read and written as version 1: every change rewrites
/// the snapshot, and no log appears.
#[test]
fn a_version_1_wallet_keeps_its_format() {
    let (_tmp, dir, backend) = new_wallet();
    backend.put(&id("a"), b"a", Expect::Absent).unwrap();
    backend.rebuild_index().unwrap();
    let header = Header::seal(1, FAST, b"pw", backend.keys.data_key());
    fs::write(dir.join(HEADER_FILE), header.encode()).unwrap();
    fs::remove_file(dir.join(LOG_FILE)).unwrap();
    drop(backend);
    let v1 = reopen(&dir);
    assert_eq!(v1.version, 1);
    assert_eq!(v1.list("identity", "").unwrap(), ["a"]);
    let generation = snapshot_generation(&dir);
    v1.put(&id("b"), b"b", Expect::Absent).unwrap();
    let writes = [(id("c"), b"c".to_vec(), Expect::Absent), (id("d"), b"d".to_vec(), Expect::Absent)];
    v1.put_batch(&batch_of(&writes)).unwrap();
    v1.delete(&id("a"), Expect::Any).unwrap();
    assert_eq!(snapshot_generation(&dir), generation + 3);
    assert!(!dir.join(LOG_FILE).exists());
    v1.change_passphrase(&Passphrase::new("new")).unwrap();
    let again = FileBackend::open(&dir, &opts("new")).unwrap();
    assert_eq!((again.version, again.list("identity", "").unwrap()), (1, vec!["b".to_owned(), "c".into(), "d".into()]));
}
