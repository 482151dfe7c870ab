//! Fuzz harnesses of the file layouts (feature `fuzzing`; `crate::fuzzing` and `fuzz/` call
//! them). Each takes arbitrary bytes, must never panic, and checks what must hold of any input:
//! what decodes encodes back to the same bytes, and what is sealed opens to what went in, and
//! not once a byte of it changes.
//!
//! A file's plaintext sits behind AES-GCM, so fuzzed bytes handed over as a file stop at the
//! tag. The first byte of the input therefore picks a mode: the file as it is on disk, or the
//! plaintext a decoder sees after authentication (the record key, the index body, the changes
//! of a log frame, the records of a batch journal), which the harness seals under a fixed key
//! and opens again, so the decoders behind the tag are fuzzed too.

use super::encoding::{decode_key, encode_key};
use super::header::Header;
use super::index::{open_index, seal_index, Index};
use super::journal::{
    decode_batch, is_batch_journal, open_batch_journal, open_journal, seal_batch_journal, seal_journal,
};
use super::keys::Keys;
use super::log::{decode_ops, log_base, log_head, open_log_frame, seal_log_frame, LogFrame, LOG_HEAD};
use super::record::{open_record_label, open_record_value, seal_record, unauthenticated_version};
use super::{IndexOp, IndexStamp};
use crate::backend::RecordKey;
use zeroize::Zeroizing;

/// The one data key every harness seals under: a fixed key, so that a crash reproduces.
fn keys() -> Keys {
    Keys::new(Zeroizing::new([7u8; 32]))
}

/// The mode byte and the rest of the input.
fn split(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((&mode, rest)) => (mode, rest),
        None => (0, data),
    }
}

/// A position inside `len` bytes chosen by the input, for the byte a harness flips.
fn position(data: &[u8], len: usize) -> usize {
    let seed = data.iter().fold(0usize, |acc, &b| acc.wrapping_mul(31).wrapping_add(b as usize));
    seed % len.max(1)
}

/// The key-encryption key of the keychain-unlocked headers in the seed corpus.
const FUZZ_KEK: [u8; 32] = [5u8; 32];

/// `wallet.header`: what decodes encodes back to the input, and a header that unwraps under the
/// seeds' key-encryption key unwraps no more once a byte of it changes. Never runs Argon2id.
pub(crate) fn header(data: &[u8]) {
    let Ok(header) = Header::decode(data) else { return };
    assert_eq!(header.encode(), data, "a decoded header encodes to other bytes");
    if header.unwrap_with(&FUZZ_KEK).is_some() {
        let mut flipped = data.to_vec();
        let at = position(data, flipped.len());
        flipped[at] ^= 1;
        let opened = Header::decode(&flipped).ok().and_then(|h| h.unwrap_with(&FUZZ_KEK));
        assert!(opened.is_none(), "a header with byte {at} flipped still unwrapped");
    }
}

/// `records/<id>`: mode 0 opens the input as a record file; mode 1 takes it as the record key
/// inside the label box; mode 2 as the value, sealed, opened, then flipped in one byte.
pub(crate) fn record(data: &[u8]) {
    let keys = keys();
    let (mode, rest) = split(data);
    match mode % 3 {
        0 => {
            let id = keys.record_id("identity", "alice");
            let _ = unauthenticated_version(rest);
            let _ = open_record_label(&keys, &id, rest);
            let _ = open_record_value(&keys, &id, "identity", "alice", Zeroizing::new(rest.to_vec()));
        }
        1 => {
            let Ok((kind, name)) = decode_key(rest) else { return };
            assert_eq!(encode_key(&kind, &name), rest, "a decoded record key encodes to other bytes");
            if kind.is_empty() || kind.contains('/') || kind.chars().any(char::is_control) {
                return; // not a kind the wallet writes (RecordKey::new asserts it in debug builds)
            }
            let id = keys.record_id(&kind, &name);
            let file = seal_record(&keys, &id, &RecordKey::new(&kind, &name), 1, b"value");
            assert_eq!(open_record_label(&keys, &id, &file).expect("a sealed record opens"), (kind, name));
        }
        _ => {
            let key = RecordKey::new("identity", "alice");
            let id = keys.record_id(&key.kind, &key.name);
            let file = seal_record(&keys, &id, &key, 3, rest);
            let (version, value) =
                open_record_value(&keys, &id, "identity", "alice", Zeroizing::new(file.clone())).expect("opens");
            assert_eq!((version, value.as_slice()), (3, rest));
            let mut flipped = file;
            let at = position(rest, flipped.len());
            flipped[at] ^= 1;
            assert!(
                open_record_value(&keys, &id, "identity", "alice", Zeroizing::new(flipped)).is_err(),
                "a record with byte {at} flipped opened"
            );
        }
    }
}

/// `wallet.index`: mode 0 opens the input as an index file; mode 1 decodes it as the index body,
/// which must encode back to itself and survive sealing.
pub(crate) fn index(data: &[u8]) {
    let keys = keys();
    let (mode, rest) = split(data);
    if mode % 2 == 0 {
        let _ = open_index(&keys, rest.to_vec());
        return;
    }
    let Ok(index) = Index::decode(rest) else { return };
    assert_eq!(index.encode(), rest, "a decoded index encodes to other bytes");
    let listed: usize = {
        let kinds: std::collections::BTreeSet<&str> = index.iter().map(|(k, _)| k).collect();
        kinds.iter().map(|k| index.list(k, "").len()).sum()
    };
    assert_eq!(listed, index.len(), "listing every kind does not give every entry");
    let (stamp, file) = seal_index(&keys, 9, &index);
    let (back_stamp, back) = open_index(&keys, file).expect("a sealed index opens");
    assert_eq!((back_stamp, &back), (stamp, &index));
}

/// `wallet.ilog`: mode 0 reads the input as a log (its head, then frame after frame until one
/// is incomplete or bad); mode 1 decodes it as the changes of one frame, sealed and opened.
pub(crate) fn log(data: &[u8]) {
    let keys = keys();
    let (mode, rest) = split(data);
    if mode % 2 == 0 {
        if log_base(rest).is_err() {
            return;
        }
        let head = &rest[..LOG_HEAD];
        let mut offset = LOG_HEAD;
        while let LogFrame::Whole { len, .. } = open_log_frame(&keys, head, offset as u64, &rest[offset..]) {
            assert!(len > 0, "a whole frame of no bytes");
            offset += len;
        }
        return;
    }
    let Ok(ops) = decode_ops(rest) else { return };
    let head = log_head(&IndexStamp { generation: 1, salt: [3u8; 32] });
    let borrowed: Vec<_> = ops.iter().map(|(op, k, n)| (*op, k.as_str(), n.as_str())).collect();
    let frame = seal_log_frame(&keys, &head, LOG_HEAD as u64, &borrowed);
    let opened = open_log_frame(&keys, &head, LOG_HEAD as u64, &frame);
    assert_eq!(opened, LogFrame::Whole { len: frame.len(), ops }, "a sealed log frame opens to other changes");
}

/// `wallet.lock`: mode 0 opens the input as a journal of either kind; mode 1 takes it as the
/// record key of a single-record journal; mode 2 as the body of a batch journal.
pub(crate) fn journal(data: &[u8]) {
    let keys = keys();
    let (mode, rest) = split(data);
    match mode % 3 {
        0 => {
            if is_batch_journal(rest) {
                let _ = open_batch_journal(&keys, rest.to_vec());
            } else {
                let _ = open_journal(&keys, rest.to_vec());
            }
        }
        1 => {
            let Ok((kind, name)) = decode_key(rest) else { return };
            let sealed = seal_journal(&keys, &kind, &name);
            assert_eq!(open_journal(&keys, sealed).expect("a sealed journal opens"), (kind, name));
        }
        _ => {
            let Ok(entries) = decode_batch(rest) else { return };
            let sealed = seal_batch_journal(&keys, &entries);
            assert_eq!(open_batch_journal(&keys, sealed).expect("a sealed batch journal opens"), entries);
        }
    }
}

/// Seed inputs for the five targets above: files sealed under the harnesses' fixed keys (so
/// that mode 0 reaches past the tag) and the plaintext bodies of modes 1 and 2, each prefixed
/// with its mode byte. `fuzz/seeds.rs` writes them into `fuzz/corpus/`.
pub(crate) fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    use super::journal::BatchEntry;
    use crate::backend::keychain::KeychainStore;
    let keys = keys();
    let with = |mode: u8, bytes: &[u8]| [&[mode][..], bytes].concat();
    let mut out = Vec::new();

    let header = Header::seal_keychain(super::FORMAT_VERSION, KeychainStore::ALL[0], [1; 16], &FUZZ_KEK, &[9; 32]);
    out.push(("file_header", header.encode()));

    let key = RecordKey::new("identity", "alice");
    let id = keys.record_id("identity", "alice");
    let value = br#"{"version":1,"msp_id":"Org1MSP","certificate":"-----BEGIN CERTIFICATE-----\n"}"#;
    out.push(("file_record", with(0, &seal_record(&keys, &id, &key, 2, value))));
    out.push(("file_record", with(1, &encode_key("ca-cert", "org1-ca/0a1b"))));
    out.push(("file_record", with(2, value)));

    let mut index = Index::default();
    for (kind, name) in [("identity", "admin"), ("identity", "alice"), ("ca", "org1-ca"), ("ca-id", "org1-ca/alice")] {
        index.insert(kind, name);
    }
    out.push(("file_index", with(0, &seal_index(&keys, 4, &index).1)));
    out.push(("file_index", with(1, &index.encode())));

    let head = log_head(&IndexStamp { generation: 4, salt: [3u8; 32] });
    let ops = [(IndexOp::Add, "identity", "bob"), (IndexOp::Remove, "identity", "alice")];
    let mut log = head.to_vec();
    for op in ops {
        let frame = seal_log_frame(&keys, &head, log.len() as u64, &[op]);
        log.extend_from_slice(&frame);
    }
    out.push(("file_log", with(0, &log)));
    let mut body = (ops.len() as u32).to_be_bytes().to_vec();
    for (op, kind, name) in ops {
        body.push(if op == IndexOp::Add { 1 } else { 2 });
        body.extend_from_slice(&encode_key(kind, name));
    }
    out.push(("file_log", with(1, &body)));

    out.push(("file_journal", with(0, &seal_journal(&keys, "identity", "alice"))));
    let batch: Vec<BatchEntry> = vec![
        ("identity".into(), "alice".into(), seal_record(&keys, &id, &key, 1, b"v")),
        ("ca-cert".into(), "org1-ca/01".into(), vec![1, 2, 3]),
    ];
    out.push(("file_journal", with(0, &seal_batch_journal(&keys, &batch))));
    out.push(("file_journal", with(1, &encode_key("identity", "alice"))));
    let mut body = (batch.len() as u32).to_be_bytes().to_vec();
    for (kind, name, file) in &batch {
        body.extend_from_slice(&encode_key(kind, name));
        body.extend_from_slice(&(file.len() as u32).to_be_bytes());
        body.extend_from_slice(file);
    }
    out.push(("file_journal", with(2, &body)));
    out
}
