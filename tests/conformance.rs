//! The checks every backend must pass, one function per test. [`crate::backend_conformance!`]
//! turns them into `#[test]`s; each gets a fresh, empty backend.

use crate::{self_signed_identity, Subject};
use wallet_core::backend::{Backend, BackendError, BatchPut, Expect, RecordKey};
use wallet_core::crypto::verify;
use wallet_core::Error;

fn key(kind: &str, name: &str) -> RecordKey {
    RecordKey::new(kind, name)
}

/// `list` gives `want`, where the backend lists at all.
fn assert_list<S: AsRef<str>>(b: &dyn Backend, kind: &str, prefix: &str, want: &[S]) {
    if b.capabilities().list {
        let want: Vec<&str> = want.iter().map(AsRef::as_ref).collect();
        assert_eq!(b.list(kind, prefix).unwrap(), want, "list({kind:?}, {prefix:?})");
    }
}

fn value_of(backend: &dyn Backend, k: &RecordKey) -> Option<(Vec<u8>, u64)> {
    backend.get(k).unwrap().map(|v| (v.value.to_vec(), v.version))
}

/// Reading a record that was never written gives `None`, not an error.
pub fn get_missing_is_none(s: Subject) {
    let b = s.backend();
    assert!(b.get(&key("identity", "nobody")).unwrap().is_none());
    assert!(b.get(&key("ca", "nobody")).unwrap().is_none());
    assert!(!b.location().is_empty());
}

/// A create returns version 1 and the value reads back.
pub fn put_absent_then_get(s: Subject) {
    let b = s.backend();
    let k = key("identity", "alice");
    assert_eq!(b.put(&k, b"alice's record", Expect::Absent).unwrap(), 1);
    assert_eq!(value_of(b, &k), Some((b"alice's record".to_vec(), 1)));
}

/// A second create of the same key is refused and changes nothing.
pub fn put_absent_twice_is_already_exists(s: Subject) {
    let b = s.backend();
    let k = key("identity", "alice");
    b.put(&k, b"first", Expect::Absent).unwrap();
    let err = b.put(&k, b"second", Expect::Absent).unwrap_err();
    assert!(matches!(&err, Error::AlreadyExists { name, .. } if name == "alice"), "{err}");
    assert_eq!(value_of(b, &k), Some((b"first".to_vec(), 1)));
}

/// An update at the current version succeeds; one at a stale version is a conflict and
/// changes nothing.
pub fn version_cas_succeeds_and_stale_version_conflicts(s: Subject) {
    let b = s.backend();
    let k = key("identity", "alice");
    b.put(&k, b"v1", Expect::Absent).unwrap();
    assert_eq!(b.put(&k, b"v2", Expect::Version(1)).unwrap(), 2);
    let err = b.put(&k, b"stale", Expect::Version(1)).unwrap_err();
    assert!(matches!(err, Error::Backend(BackendError::Conflict { .. })), "{err}");
    let err = b.put(&k, b"future", Expect::Version(3)).unwrap_err();
    assert!(matches!(err, Error::Backend(BackendError::Conflict { .. })), "{err}");
    assert_eq!(value_of(b, &k), Some((b"v2".to_vec(), 2)));
}

/// An update of a record that does not exist is `NotFound` and creates nothing.
pub fn version_on_missing_is_not_found(s: Subject) {
    let b = s.backend();
    let k = key("identity", "ghost");
    let err = b.put(&k, b"x", Expect::Version(1)).unwrap_err();
    assert!(matches!(&err, Error::NotFound { name, .. } if name == "ghost"), "{err}");
    assert!(b.get(&k).unwrap().is_none());
    assert_list::<&str>(b, "identity", "", &[]);
}

/// `Expect::Any` creates a missing record and overwrites an existing one.
pub fn any_overwrites_and_creates(s: Subject) {
    let b = s.backend();
    let k = key("identity", "alice");
    assert_eq!(b.put(&k, b"created", Expect::Any).unwrap(), 1);
    assert_eq!(b.put(&k, b"overwritten", Expect::Any).unwrap(), 2);
    assert_eq!(value_of(b, &k), Some((b"overwritten".to_vec(), 2)));
    assert_list(b, "identity", "", &["alice"]);
}

/// Every write returns the previous version plus one, and `get` agrees.
pub fn versions_increase_by_one(s: Subject) {
    let b = s.backend();
    let k = key("ca", "counter");
    let mut version = b.put(&k, b"0", Expect::Absent).unwrap();
    assert_eq!(version, 1);
    for i in 1..=10u64 {
        let expect = if i % 2 == 0 { Expect::Any } else { Expect::Version(version) };
        let next = b.put(&k, i.to_string().as_bytes(), expect).unwrap();
        assert_eq!(next, version + 1);
        version = next;
        assert_eq!(value_of(b, &k), Some((i.to_string().into_bytes(), version)));
    }
}

/// Delete: `Any` on a missing record reports false; a deleted record is gone from `get` and
/// `list` and can be created again.
pub fn delete_semantics(s: Subject) {
    let b = s.backend();
    let k = key("identity", "alice");
    assert!(!b.delete(&k, Expect::Any).unwrap());

    b.put(&k, b"v1", Expect::Absent).unwrap();
    b.put(&k, b"v2", Expect::Version(1)).unwrap();
    assert!(b.delete(&k, Expect::Absent).is_err(), "delete expecting absence makes no sense");
    assert_eq!(value_of(b, &k), Some((b"v2".to_vec(), 2)));
    assert!(b.delete(&k, Expect::Any).unwrap());
    assert!(b.get(&k).unwrap().is_none());
    assert_list::<&str>(b, "identity", "", &[]);

    let again = b.put(&k, b"again", Expect::Absent).unwrap();
    assert_eq!(value_of(b, &k), Some((b"again".to_vec(), again)));
    assert!(b.delete(&k, Expect::Any).unwrap());
    assert!(!b.delete(&k, Expect::Any).unwrap());
}

/// `list` returns the names of one kind, filtered by prefix, sorted; kinds do not mix.
pub fn list_by_kind_and_prefix_sorted_and_isolated(s: Subject) {
    let b = s.backend();
    if !b.capabilities().list {
        return; // `capabilities_are_honest` checks that list refuses instead.
    }
    for name in ["carol", "alice", "bob", "al", "alicia", "Zed", "bobby"] {
        b.put(&key("identity", name), name.as_bytes(), Expect::Absent).unwrap();
    }
    for name in ["root", "alice"] {
        b.put(&key("ca", name), b"ca", Expect::Absent).unwrap();
    }
    assert_list(b, "identity", "", &["Zed", "al", "alice", "alicia", "bob", "bobby", "carol"]);
    assert_list(b, "identity", "al", &["al", "alice", "alicia"]);
    assert_list(b, "identity", "alice", &["alice"]);
    assert_list(b, "identity", "bob", &["bob", "bobby"]);
    assert_list::<&str>(b, "identity", "dave", &[]);
    assert_list::<&str>(b, "identity", "z", &[]); // "prefixes are case-sensitive"
    assert_list(b, "ca", "", &["alice", "root"]);
    assert_list::<&str>(b, "cert", "", &[]);
    assert_list::<&str>(b, "identit", "", &[]); // "a kind is not a prefix"

    b.delete(&key("identity", "alice"), Expect::Any).unwrap();
    assert_list(b, "identity", "al", &["al", "alicia"]);
    assert_list(b, "ca", "", &["alice", "root"]);
}

/// Names are opaque strings: unicode, spaces, `/`, dots and URL-ish characters round-trip
/// (for kinds other than `identity`, whose labels the wallet validates).
pub fn names_with_unicode_spaces_and_slashes(s: Subject) {
    let b = s.backend();
    let names = [
        "a/b",
        "a/b/c",
        "trailing/",
        "/leading",
        "with  two spaces",
        " padded ",
        "ünïcødé ✓ 名前",
        "100%",
        "?query#fragment&x=1",
        ".",
        "..",
        "../escape",
        "back\\slash",
    ];
    for (i, name) in names.iter().enumerate() {
        b.put(&key("ca", name), format!("value {i}").as_bytes(), Expect::Absent).unwrap();
    }
    for (i, name) in names.iter().enumerate() {
        assert_eq!(value_of(b, &key("ca", name)), Some((format!("value {i}").into_bytes(), 1)), "{name:?}");
    }
    let mut sorted: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    sorted.sort();
    assert_eq!(b.list("ca", "").unwrap(), sorted);
    assert_list(b, "ca", "a/b", &["a/b", "a/b/c"]);
    assert_list(b, "ca", "ü", &["ünïcødé ✓ 名前"]);

    let label = "Admin Org1 é-ü_1.2@example.com";
    b.put(&key("identity", label), b"id", Expect::Absent).unwrap();
    assert_list(b, "identity", "", &[label]);
    assert!(b.get(&key("identity", "a/b")).unwrap().is_none(), "kinds share no names");
}

/// A 1 MiB value round-trips and can be replaced by another.
pub fn large_values(s: Subject) {
    let b = s.backend();
    let k = key("ca", "big");
    let big: Vec<u8> = (0..1024 * 1024u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    b.put(&k, &big, Expect::Absent).unwrap();
    assert_eq!(value_of(b, &k), Some((big.clone(), 1)));
    let other: Vec<u8> = big.iter().rev().copied().collect();
    b.put(&k, &other, Expect::Version(1)).unwrap();
    assert_eq!(value_of(b, &k), Some((other, 2)));
}

/// Values are bytes, not text: every byte value, NUL, and the empty value round-trip.
pub fn binary_and_empty_values(s: Subject) {
    let b = s.backend();
    let all: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
    b.put(&key("ca", "all-bytes"), &all, Expect::Absent).unwrap();
    b.put(&key("ca", "nul"), b"\0\0\0", Expect::Absent).unwrap();
    b.put(&key("ca", "empty"), b"", Expect::Absent).unwrap();
    b.put(&key("ca", "not-utf8"), &[0xff, 0xfe, 0xc3, 0x28], Expect::Absent).unwrap();
    assert_eq!(value_of(b, &key("ca", "all-bytes")), Some((all, 1)));
    assert_eq!(value_of(b, &key("ca", "nul")), Some((b"\0\0\0".to_vec(), 1)));
    assert_eq!(value_of(b, &key("ca", "empty")), Some((Vec::new(), 1)));
    assert_eq!(value_of(b, &key("ca", "not-utf8")), Some((vec![0xff, 0xfe, 0xc3, 0x28], 1)));
}

/// 8 threads each add 1 to a counter 20 times with read, compare-and-swap, retry on conflict:
/// no update is lost and none counted twice.
pub fn concurrent_cas_increments_are_exact(s: Subject) {
    const THREADS: u64 = 8;
    const EACH: u64 = 20;
    let b = s.backend();
    let k = key("ca", "counter");
    b.put(&k, b"0", Expect::Absent).unwrap();
    let conflicts = std::sync::atomic::AtomicU64::new(0);
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                for _ in 0..EACH {
                    loop {
                        let current = b.get(&k).unwrap().expect("the counter exists");
                        let n: u64 = std::str::from_utf8(&current.value).unwrap().parse().unwrap();
                        match b.put(&k, (n + 1).to_string().as_bytes(), Expect::Version(current.version)) {
                            Ok(v) => {
                                assert_eq!(v, current.version + 1);
                                break;
                            }
                            Err(Error::Backend(BackendError::Conflict { .. })) => {
                                conflicts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            }
                            Err(e) => panic!("unexpected error: {e}"),
                        }
                    }
                }
            });
        }
    });
    let total = THREADS * EACH;
    assert_eq!(value_of(b, &k), Some((total.to_string().into_bytes(), total + 1)));
}

/// A real identity stored through the wallet comes back whole and signs verifiably.
pub fn wallet_put_get_and_sign(s: Subject) {
    let (wallet, _guard) = s.into_wallet();
    let alice = self_signed_identity("alice", "Org1MSP");
    wallet.put(&alice, false).unwrap();
    assert!(wallet.contains("alice").unwrap());
    assert!(wallet.try_get("bob").unwrap().is_none());

    let loaded = wallet.get("alice").unwrap();
    assert_eq!(loaded.label(), "alice");
    assert_eq!(loaded.msp_id(), "Org1MSP");
    assert_eq!(loaded.certificate().der(), alice.certificate().der());
    assert_eq!(loaded.signer().public_key(), alice.signer().public_key());
    let signature = loaded.sign(b"proposal bytes").unwrap();
    verify(&alice.certificate().public_key().unwrap(), b"proposal bytes", &signature).unwrap();

    let err = wallet.put(&self_signed_identity("alice", "Org2MSP"), false).unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
    assert_eq!(wallet.get("alice").unwrap().msp_id(), "Org1MSP");
    let replacement = self_signed_identity("alice", "Org2MSP");
    wallet.put(&replacement, true).unwrap();
    let loaded = wallet.get("alice").unwrap();
    assert_eq!((loaded.msp_id(), loaded.certificate().der()), ("Org2MSP", replacement.certificate().der()));

    assert!(matches!(wallet.get("bad/label"), Err(Error::InvalidLabel { .. })));
    let err = wallet.get("bob").unwrap_err();
    assert!(matches!(&err, Error::NotFound { name, .. } if name == "bob"), "{err}");
}

/// Listing is sorted; removing makes an identity unreadable and leaves the others.
pub fn wallet_list_and_remove(s: Subject) {
    let (wallet, _guard) = s.into_wallet();
    assert!(wallet.list().unwrap().is_empty());
    let labels = ["user2", "admin", "User One", "ünïcødé"];
    for label in labels {
        wallet.put(&self_signed_identity(label, "Org1MSP"), false).unwrap();
    }
    // Records of other kinds (the CA's) share the backend but are not identities.
    wallet.backend().put(&RecordKey::new("ca", "admin"), b"not an identity", Expect::Absent).unwrap();
    assert_eq!(wallet.list().unwrap(), ["User One", "admin", "user2", "ünïcødé"]);

    wallet.remove("admin").unwrap();
    assert_eq!(wallet.list().unwrap(), ["User One", "user2", "ünïcødé"]);
    assert!(matches!(wallet.get("admin"), Err(Error::NotFound { .. })));
    assert!(matches!(wallet.remove("admin"), Err(Error::NotFound { .. })));
    assert!(wallet.backend().get(&RecordKey::new("ca", "admin")).unwrap().is_some());
    wallet.get("user2").unwrap().sign(b"still works").unwrap();
}

/// Rename moves an identity; it refuses to overwrite unless asked, and a missing source is
/// `NotFound`.
pub fn wallet_rename(s: Subject) {
    let (wallet, _guard) = s.into_wallet();
    let alice = self_signed_identity("alice", "Org1MSP");
    let bob = self_signed_identity("bob", "Org1MSP");
    wallet.put(&alice, false).unwrap();
    wallet.put(&bob, false).unwrap();

    wallet.rename("alice", "carol", false).unwrap();
    assert_eq!(wallet.list().unwrap(), ["bob", "carol"]);
    let carol = wallet.get("carol").unwrap();
    assert_eq!(carol.label(), "carol");
    assert_eq!(carol.certificate().der(), alice.certificate().der());
    assert_eq!(carol.signer().public_key(), alice.signer().public_key());

    let err = wallet.rename("carol", "bob", false).unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
    assert_eq!(wallet.get("bob").unwrap().certificate().der(), bob.certificate().der());
    assert!(wallet.contains("carol").unwrap());

    wallet.rename("carol", "bob", true).unwrap();
    assert_eq!(wallet.list().unwrap(), ["bob"]);
    assert_eq!(wallet.get("bob").unwrap().certificate().der(), alice.certificate().der());

    assert!(matches!(wallet.rename("nobody", "x", false), Err(Error::NotFound { .. })));
    assert!(matches!(wallet.rename("bob", "a/b", false), Err(Error::InvalidLabel { .. })));
    assert_eq!(wallet.list().unwrap(), ["bob"]);
}

// ----- batches ----------------------------------------------------------------------------------

fn put_all<'a>(writes: &'a [(RecordKey, Vec<u8>, Expect)]) -> Vec<BatchPut<'a>> {
    writes.iter().map(|(k, v, e)| BatchPut::new(k, v, *e)).collect()
}

/// Every record of every kind with its value and version, to prove a refused batch changed
/// nothing.
type Contents = Vec<(RecordKey, Option<(Vec<u8>, u64)>)>;

fn everything(b: &dyn Backend, kinds: &[&str]) -> Contents {
    let mut out = vec![];
    assert!(b.capabilities().list, "the batch checks compare listings");
    for kind in kinds {
        for name in b.list(kind, "").unwrap() {
            let k = key(kind, &name);
            let v = value_of(b, &k);
            out.push((k, v));
        }
    }
    out
}

/// A batch of creates returns version 1 for each, in order, and every record reads back and
/// is listed.
pub fn batch_creates_read_back(s: Subject) {
    let b = s.backend();
    let writes: Vec<_> = [("identity", "alice"), ("ca", "root"), ("ca-id", "root/alice"), ("identity", "bob")]
        .iter()
        .map(|(kind, name)| (key(kind, name), format!("{kind} {name}").into_bytes(), Expect::Absent))
        .collect();
    assert_eq!(b.put_batch(&put_all(&writes)).unwrap(), [1, 1, 1, 1]);
    for (k, v, _) in &writes {
        assert_eq!(value_of(b, k), Some((v.clone(), 1)), "{k}");
    }
    assert_list(b, "identity", "", &["alice", "bob"]);
    assert_list(b, "ca-id", "root/", &["root/alice"]);
    assert!(b.put_batch(&[]).unwrap().is_empty(), "an empty batch is fine");
}

/// If any expectation fails, nothing of the batch is written, whatever its position, and the
/// error is `put`'s for that record.
pub fn batch_with_a_failing_expectation_writes_nothing(s: Subject) {
    let b = s.backend();
    b.put(&key("identity", "taken"), b"old", Expect::Absent).unwrap();
    b.put(&key("ca", "counter"), b"1", Expect::Absent).unwrap();
    b.put(&key("ca", "counter"), b"2", Expect::Any).unwrap();
    let kinds = ["identity", "ca"];
    let before = everything(b, &kinds);
    type IsExpected = fn(&Error) -> bool;
    let bad: [(RecordKey, Expect, IsExpected); 3] = [
        (
            key("identity", "taken"),
            Expect::Absent,
            |e| matches!(e, Error::AlreadyExists { name, .. } if name == "taken"),
        ),
        (
            key("ca", "counter"),
            Expect::Version(1),
            |e| matches!(e, Error::Backend(BackendError::Conflict { record }) if record.contains("counter")),
        ),
        (key("ca", "ghost"), Expect::Version(1), |e| matches!(e, Error::NotFound { name, .. } if name == "ghost")),
    ];
    for (bad_key, expect, is_expected) in bad {
        for position in [0, 1, 2] {
            let mut writes = vec![
                (key("identity", "new1"), b"n1".to_vec(), Expect::Absent),
                (key("ca", "counter-other"), b"x".to_vec(), Expect::Any),
            ];
            writes.insert(position, (bad_key.clone(), b"bad".to_vec(), expect));
            let err = b.put_batch(&put_all(&writes)).unwrap_err();
            assert!(is_expected(&err), "{bad_key} at {position}: {err}");
            assert_eq!(everything(b, &kinds), before, "{bad_key} at {position}: the batch wrote something");
        }
    }
    let twice =
        [(key("identity", "dup"), b"1".to_vec(), Expect::Absent), (key("identity", "dup"), b"2".to_vec(), Expect::Any)];
    let err = b.put_batch(&put_all(&twice)).unwrap_err();
    assert!(matches!(&err, Error::Backend(BackendError::Unsupported(m)) if m.contains("dup")), "{err}");
    assert_eq!(everything(b, &kinds), before);
}

/// Creates, compare-and-swap updates and unconditional writes mix in one batch; each gets
/// the version `put` would give it.
pub fn batch_mixes_creates_and_updates(s: Subject) {
    let b = s.backend();
    let (a, c, d, e) = (key("ca", "a"), key("ca", "c"), key("identity", "d"), key("ca-cert", "e"));
    b.put(&a, b"a1", Expect::Absent).unwrap();
    b.put(&a, b"a2", Expect::Version(1)).unwrap();
    b.put(&c, b"c1", Expect::Absent).unwrap();
    let writes = [
        (a.clone(), b"a3".to_vec(), Expect::Version(2)),
        (d.clone(), b"d1".to_vec(), Expect::Absent),
        (c.clone(), b"c2".to_vec(), Expect::Any),
        (e.clone(), b"e1".to_vec(), Expect::Any),
    ];
    assert_eq!(b.put_batch(&put_all(&writes)).unwrap(), [3, 1, 2, 1]);
    assert_eq!(value_of(b, &a), Some((b"a3".to_vec(), 3)));
    assert_eq!(value_of(b, &c), Some((b"c2".to_vec(), 2)));
    assert_eq!(value_of(b, &d), Some((b"d1".to_vec(), 1)));
    assert_eq!(value_of(b, &e), Some((b"e1".to_vec(), 1)));
    assert_list(b, "ca", "", &["a", "c"]);
    assert_list(b, "identity", "", &["d"]);
    assert_list(b, "ca-cert", "", &["e"]);
    // The versions it returned are the ones the next compare-and-swap needs.
    b.put(&a, b"a4", Expect::Version(3)).unwrap();
    b.put(&d, b"d2", Expect::Version(1)).unwrap();
}

/// A batch of 1,000 creates, then 1,000 updates of the same records.
pub fn batch_of_a_thousand(s: Subject) {
    let b = s.backend();
    let name = |i: usize| format!("ca/{i:04}");
    let creates: Vec<_> =
        (0..1000).map(|i| (key("ca-cert", &name(i)), format!("value {i}").into_bytes(), Expect::Absent)).collect();
    assert_eq!(b.put_batch(&put_all(&creates)).unwrap(), vec![1; 1000]);
    let listed = b.list("ca-cert", "ca/").unwrap();
    assert_eq!(listed, (0..1000).map(name).collect::<Vec<_>>());
    let updates: Vec<_> =
        (0..1000).map(|i| (key("ca-cert", &name(i)), format!("again {i}").into_bytes(), Expect::Version(1))).collect();
    assert_eq!(b.put_batch(&put_all(&updates)).unwrap(), vec![2; 1000]);
    for i in [0, 1, 499, 998, 999] {
        assert_eq!(value_of(b, &key("ca-cert", &name(i))), Some((format!("again {i}").into_bytes(), 2)));
    }
    assert_eq!(b.list("ca-cert", "").unwrap().len(), 1000);
}

/// 4 threads move 1 from one counter to another 20 times with a batch of two
/// compare-and-swap writes: the batch is atomic, so the total never changes and no move is
/// lost or counted twice.
pub fn concurrent_batches_are_atomic(s: Subject) {
    const THREADS: u64 = 4;
    const EACH: u64 = 20;
    let b = s.backend();
    if !b.capabilities().atomic_batch {
        return; // Only single-writer semantics are promised: the other batch checks.
    }
    let (from, to) = (key("ca", "from"), key("ca", "to"));
    let parse = |v: &[u8]| -> u64 { std::str::from_utf8(v).unwrap().parse().unwrap() };
    b.put_batch(&[BatchPut::new(&from, b"1000", Expect::Absent), BatchPut::new(&to, b"0", Expect::Absent)]).unwrap();
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                for _ in 0..EACH {
                    loop {
                        let f = b.get(&from).unwrap().unwrap();
                        let t = b.get(&to).unwrap().unwrap();
                        let (nf, nt) = ((parse(&f.value) - 1).to_string(), (parse(&t.value) + 1).to_string());
                        let batch = [
                            BatchPut::new(&from, nf.as_bytes(), Expect::Version(f.version)),
                            BatchPut::new(&to, nt.as_bytes(), Expect::Version(t.version)),
                        ];
                        match b.put_batch(&batch) {
                            Ok(v) => {
                                assert_eq!(v, [f.version + 1, t.version + 1]);
                                break;
                            }
                            Err(Error::Backend(BackendError::Conflict { .. })) => continue,
                            Err(e) => panic!("unexpected error: {e}"),
                        }
                    }
                }
            });
        }
    });
    let moved = THREADS * EACH;
    assert_eq!(value_of(b, &from), Some(((1000 - moved).to_string().into_bytes(), moved + 1)));
    assert_eq!(value_of(b, &to), Some((moved.to_string().into_bytes(), moved + 1)));
}

// ----- capabilities and persistence -------------------------------------------------------------

/// What a backend reports is what it does: a persistent one comes with a reopen hook (and a
/// hook means it says persistent); one without listing refuses to list rather than answer
/// wrongly; a value size limit is enforced.
pub fn capabilities_are_honest(s: Subject) {
    let caps = s.backend().capabilities();
    let b = s.backend();
    assert_eq!(
        caps.persistent,
        s.reopen().is_some(),
        "persistent = {}, but the suite was {} a reopen hook",
        caps.persistent,
        if caps.persistent { "not given" } else { "given" }
    );
    if !caps.list {
        assert!(b.list("identity", "").is_err(), "a backend without listing must refuse to list");
    }
    if let Some(max) = caps.max_value_len {
        assert!(b.put(&key("ca", "too-big"), &vec![0; max + 1], Expect::Absent).is_err());
        assert!(b.get(&key("ca", "too-big")).unwrap().is_none());
    }
    if caps.shared {
        assert!(caps.persistent, "a store shared between processes keeps its records");
    }
}

/// Where the backend is `persistent`: records, versions, deletes and a batch written through
/// one handle are there, at the same versions, when the store is opened again; compare-and-
/// swap goes on from those versions; and where `shared`, each handle sees the other's writes.
pub fn records_outlive_the_handle(s: Subject) {
    let b = s.backend();
    if !b.capabilities().persistent {
        return; // `capabilities_are_honest` checks that no reopen hook was given.
    }
    let (alice, bob, gone, counter) =
        (key("identity", "alice"), key("identity", "bob"), key("ca", "gone"), key("ca", "n"));
    b.put(&alice, b"alice v1", Expect::Absent).unwrap();
    b.put(&alice, b"alice v2", Expect::Version(1)).unwrap();
    b.put(&gone, b"x", Expect::Absent).unwrap();
    assert!(b.delete(&gone, Expect::Any).unwrap());
    b.put_batch(&[BatchPut::new(&bob, b"bob", Expect::Absent), BatchPut::new(&counter, b"7", Expect::Any)]).unwrap();

    let again = s.reopen().expect("a persistent backend has a reopen hook");
    assert_eq!(value_of(again.as_ref(), &alice), Some((b"alice v2".to_vec(), 2)));
    assert_eq!(value_of(again.as_ref(), &bob), Some((b"bob".to_vec(), 1)));
    assert_eq!(value_of(again.as_ref(), &counter), Some((b"7".to_vec(), 1)));
    assert!(again.get(&gone).unwrap().is_none());
    assert_list(again.as_ref(), "identity", "", &["alice", "bob"]);
    assert_list(again.as_ref(), "ca", "", &["n"]);
    let err = again.put(&alice, b"stale", Expect::Version(1)).unwrap_err();
    assert!(matches!(err, Error::Backend(BackendError::Conflict { .. })), "{err}");
    assert_eq!(again.put(&alice, b"alice v3", Expect::Version(2)).unwrap(), 3);
    if b.capabilities().shared {
        assert_eq!(value_of(b, &alice), Some((b"alice v3".to_vec(), 3)), "the first handle sees the second's write");
        b.put(&counter, b"8", Expect::Version(1)).unwrap();
        assert_eq!(value_of(again.as_ref(), &counter), Some((b"8".to_vec(), 2)));
    }
}

/// Where the backend has `cas_delete`: a delete at a version checks it like a put does.
pub fn delete_by_version_where_cas_delete(s: Subject) {
    let b = s.backend();
    if !b.capabilities().cas_delete {
        return; // Only `Expect::Any` deletes are promised: `delete_semantics`.
    }
    let k = key("identity", "alice");
    let err = b.delete(&k, Expect::Version(1)).unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err}");
    b.put(&k, b"v1", Expect::Absent).unwrap();
    b.put(&k, b"v2", Expect::Version(1)).unwrap();
    let err = b.delete(&k, Expect::Version(1)).unwrap_err();
    assert!(matches!(err, Error::Backend(BackendError::Conflict { .. })), "{err}");
    assert_eq!(value_of(b, &k), Some((b"v2".to_vec(), 2)));
    let err = b.delete(&k, Expect::Version(3)).unwrap_err();
    assert!(matches!(err, Error::Backend(BackendError::Conflict { .. })), "{err}");
    assert!(b.delete(&k, Expect::Version(2)).unwrap());
    assert!(b.get(&k).unwrap().is_none());
    assert_list::<&str>(b, "identity", "", &[]);
}
