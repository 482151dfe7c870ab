//! The journal: the content of `wallet.lock` while a writer changes which records exist (a
//! single-record journal naming the record) or applies a batch (a batch journal, the redo
//! record of every sealed file the batch writes). Told apart by their magic.

use super::encoding::{decode_key, encode_key, put_str, Reader};
use super::keys::{nonce, tag, Keys, INFO_JOURNAL, TAG_LEN};
use super::{corrupt, random, Fallible, LAYOUT};
use aes_gcm::aead::AeadInPlace;

const JOURNAL_MAGIC: [u8; 4] = *b"WJNL";
/// magic 4 ‖ format version 2 ‖ salt 32.
const JOURNAL_HEAD: usize = 38;

/// Seal the key of the record a writer is about to create or delete.
pub(in crate::backend::file) fn seal_journal(keys: &Keys, kind: &str, name: &str) -> Vec<u8> {
    let salt: [u8; 32] = random();
    let body = encode_key(kind, name);
    let mut out = Vec::with_capacity(JOURNAL_HEAD + body.len() + TAG_LEN);
    out.extend_from_slice(&JOURNAL_MAGIC);
    out.extend_from_slice(&LAYOUT.to_be_bytes());
    out.extend_from_slice(&salt);
    out.extend_from_slice(&body);
    let (head, rest) = out.split_at_mut(JOURNAL_HEAD);
    let tag = keys.file_key(&salt, INFO_JOURNAL).encrypt_in_place_detached(&nonce(0), head, rest).expect("fits GCM");
    out.extend_from_slice(&tag);
    out
}

/// Check a journal's layout version and decrypt its body in place (the head is the associated
/// data); returns where the tag starts. Shared by single-record and batch journals.
fn decrypt_journal(keys: &Keys, bytes: &mut [u8]) -> Fallible<usize> {
    if u16::from_be_bytes([bytes[4], bytes[5]]) != LAYOUT {
        return corrupt("journal of another layout version");
    }
    let salt: [u8; 32] = bytes[6..38].try_into().expect("32 bytes");
    let tag_at = bytes.len() - TAG_LEN;
    let tag = tag(&bytes[tag_at..]);
    let (head, rest) = bytes.split_at_mut(JOURNAL_HEAD);
    let cipher = keys.file_key(&salt, INFO_JOURNAL);
    if cipher.decrypt_in_place_detached(&nonce(0), head, &mut rest[..tag_at - JOURNAL_HEAD], &tag).is_err() {
        return corrupt("authentication failed");
    }
    Ok(tag_at)
}

/// The record key a journal names; a fault means the journal write itself was torn.
pub(in crate::backend::file) fn open_journal(keys: &Keys, mut bytes: Vec<u8>) -> Fallible<(String, String)> {
    if bytes.len() < JOURNAL_HEAD + TAG_LEN || bytes[..4] != JOURNAL_MAGIC {
        return corrupt("not a whole journal entry");
    }
    let tag_at = decrypt_journal(keys, &mut bytes)?;
    decode_key(&bytes[JOURNAL_HEAD..tag_at])
}

// Batch journal: the content of `wallet.lock` while a writer applies a batch.

const BATCH_MAGIC: [u8; 4] = *b"WJNB";

/// One record of a batch journal: its key and its whole sealed file.
pub(in crate::backend::file) type BatchEntry = (String, String, Vec<u8>);

/// Whether a journal entry is a batch journal (by its magic only; it may still be torn).
pub(in crate::backend::file) fn is_batch_journal(bytes: &[u8]) -> bool {
    bytes.starts_with(&BATCH_MAGIC)
}

/// Seal the redo record of a batch: every record's key and the exact bytes of its sealed file.
/// body = `u32 count`, then per record `str(kind) ‖ str(name) ‖ u32 length ‖ sealed record file`.
pub(in crate::backend::file) fn seal_batch_journal(keys: &Keys, records: &[BatchEntry]) -> Vec<u8> {
    let salt: [u8; 32] = random();
    let mut out = Vec::new();
    out.extend_from_slice(&BATCH_MAGIC);
    out.extend_from_slice(&LAYOUT.to_be_bytes());
    out.extend_from_slice(&salt);
    out.extend_from_slice(&u32::try_from(records.len()).expect("fewer than 2^32 records").to_be_bytes());
    for (kind, name, file) in records {
        put_str(&mut out, kind);
        put_str(&mut out, name);
        out.extend_from_slice(&u32::try_from(file.len()).expect("records are shorter than 4 GiB").to_be_bytes());
        out.extend_from_slice(file);
    }
    let (head, rest) = out.split_at_mut(JOURNAL_HEAD);
    let tag = keys.file_key(&salt, INFO_JOURNAL).encrypt_in_place_detached(&nonce(0), head, rest).expect("fits GCM");
    out.extend_from_slice(&tag);
    out
}

/// The records a batch journal holds; a fault means the journal write itself was torn.
pub(in crate::backend::file) fn open_batch_journal(keys: &Keys, mut bytes: Vec<u8>) -> Fallible<Vec<BatchEntry>> {
    if bytes.len() < JOURNAL_HEAD + 4 + TAG_LEN || !is_batch_journal(&bytes) {
        return corrupt("not a whole batch journal");
    }
    let tag_at = decrypt_journal(keys, &mut bytes)?;
    decode_batch(&bytes[JOURNAL_HEAD..tag_at])
}

/// The decrypted body of a batch journal: `u32 count`, then per record `str(kind) ‖ str(name) ‖
/// u32 len ‖ sealed record`.
pub(super) fn decode_batch(body: &[u8]) -> Fallible<Vec<BatchEntry>> {
    let mut r = Reader { bytes: body };
    let count = r.u32()? as usize;
    // Each record takes at least 12 bytes; refuse counts the remaining bytes cannot hold.
    if count > r.bytes.len() / 12 {
        return corrupt("has an impossible record count");
    }
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let kind = r.str()?.to_owned();
        let name = r.str()?.to_owned();
        let len = r.u32()? as usize;
        if r.bytes.len() < len {
            return corrupt("ends in the middle of a record");
        }
        let (file, rest) = r.bytes.split_at(len);
        r.bytes = rest;
        out.push((kind, name, file.to_vec()));
    }
    if !r.bytes.is_empty() {
        return corrupt("has bytes after the last record");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::super::keys::test_keys as keys;
    use super::*;

    #[test]
    fn journal_round_trip_and_torn_write() {
        let keys = keys();
        let j = seal_journal(&keys, "identity", "alice");
        assert_eq!(open_journal(&keys, j.clone()).unwrap(), ("identity".into(), "alice".into()));
        for len in [0, 10, j.len() - 1] {
            assert!(open_journal(&keys, j[..len].to_vec()).is_err(), "torn at {len}");
        }
    }

    #[test]
    fn batch_journal_round_trip_and_torn_write() {
        let keys = keys();
        let records: Vec<BatchEntry> = vec![
            ("identity".into(), "alice".into(), b"sealed alice".to_vec()),
            ("ca-cert".into(), "ca/01".into(), vec![7u8; 300]),
        ];
        let j = seal_batch_journal(&keys, &records);
        assert!(is_batch_journal(&j));
        assert_eq!(open_batch_journal(&keys, j.clone()).unwrap(), records);
        for len in [0, 4, 10, 40, j.len() / 2, j.len() - 1] {
            assert!(open_batch_journal(&keys, j[..len].to_vec()).is_err(), "torn at {len}");
        }
        let mut flipped = j.clone();
        flipped[50] ^= 1;
        assert!(open_batch_journal(&keys, flipped).is_err());
        assert!(open_batch_journal(&self::keys(), j).is_err(), "another wallet's key opened it");
        // A single-record journal is not a batch journal, and the other way round.
        let single = seal_journal(&keys, "identity", "alice");
        assert!(!is_batch_journal(&single) && open_batch_journal(&keys, single).is_err());
        let empty = seal_batch_journal(&keys, &[]);
        assert!(open_journal(&keys, empty.clone()).is_err());
        assert!(open_batch_journal(&keys, empty).unwrap().is_empty());
    }
}
