//! Records: `records/<hex(record id)>`. One sealed file per (kind, name): a label box holding
//! the key and a value box whose associated data covers every byte before it, the record id,
//! the kind and the name.

use super::encoding::{decode_key, encode_key};
use super::keys::{nonce, tag, Keys, RecordId, INFO_RECORD, TAG_LEN};
use super::{corrupt, random, Fallible, LAYOUT};
use crate::backend::RecordKey;
use aes_gcm::aead::AeadInPlace;
use zeroize::Zeroizing;

const RECORD_MAGIC: [u8; 4] = *b"WREC";
/// magic 4 ‖ format version 2 ‖ record version 8 ‖ salt 32 ‖ label box length 4.
const RECORD_FIXED: usize = 50;

/// The plaintext (unauthenticated) fixed part of a record file.
struct RecordHead {
    version: u64,
    salt: [u8; 32],
    /// Where the value box starts.
    value_at: usize,
}

fn record_head(bytes: &[u8]) -> Fallible<RecordHead> {
    if bytes.len() < RECORD_FIXED {
        return corrupt(format!("truncated: {} bytes, shorter than a record header", bytes.len()));
    }
    if bytes[..4] != RECORD_MAGIC {
        return corrupt("not a record file (no record signature)");
    }
    let layout = u16::from_be_bytes([bytes[4], bytes[5]]);
    if layout != LAYOUT {
        // The header's version governs the whole folder, so another value here is damage.
        return corrupt(format!("record layout version {layout}, where this wallet has {LAYOUT}"));
    }
    let version = u64::from_be_bytes(bytes[6..14].try_into().expect("8 bytes"));
    let salt = bytes[14..46].try_into().expect("32 bytes");
    let label_len = u32::from_be_bytes(bytes[46..50].try_into().expect("4 bytes")) as usize;
    let value_at = RECORD_FIXED.saturating_add(label_len);
    if label_len < TAG_LEN + 8 || value_at.saturating_add(TAG_LEN) > bytes.len() {
        return corrupt("truncated or malformed: the sealed parts do not fit the file");
    }
    Ok(RecordHead { version, salt, value_at })
}

fn value_aad(file: &[u8], value_at: usize, id: &RecordId, kind: &str, name: &str) -> Vec<u8> {
    let key = encode_key(kind, name);
    let mut aad = Vec::with_capacity(value_at + 32 + key.len());
    aad.extend_from_slice(&file[..value_at]);
    aad.extend_from_slice(id);
    aad.extend_from_slice(&key);
    aad
}

const AUTH_FAILED: &str = "authentication failed: the file was modified, truncated, or moved from another record";

/// Seal a record: its key (kind and name) in a label box, its value in a value box whose
/// associated data covers everything before it plus the record id, kind and name.
pub(in crate::backend::file) fn seal_record(
    keys: &Keys,
    id: &RecordId,
    key: &RecordKey,
    version: u64,
    value: &[u8],
) -> Vec<u8> {
    let salt: [u8; 32] = random();
    let cipher = keys.file_key(&salt, INFO_RECORD);
    let label = encode_key(&key.kind, &key.name);
    let label_len = label.len() + TAG_LEN;
    let value_at = RECORD_FIXED + label_len;
    // Exact capacity: the buffer never reallocates, so no stray plaintext copy is left behind.
    let mut out = Vec::with_capacity(value_at + value.len() + TAG_LEN);
    out.extend_from_slice(&RECORD_MAGIC);
    out.extend_from_slice(&LAYOUT.to_be_bytes());
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&salt);
    out.extend_from_slice(&u32::try_from(label_len).expect("record keys are short").to_be_bytes());

    let mut label_aad = out.clone();
    label_aad.extend_from_slice(id);
    out.extend_from_slice(&label);
    let tag = cipher.encrypt_in_place_detached(&nonce(0), &label_aad, &mut out[RECORD_FIXED..]).expect("fits GCM");
    out.extend_from_slice(&tag);

    let aad = value_aad(&out, value_at, id, &key.kind, &key.name);
    out.extend_from_slice(value);
    let tag = cipher.encrypt_in_place_detached(&nonce(1), &aad, &mut out[value_at..]).expect("fits GCM");
    out.extend_from_slice(&tag);
    debug_assert_eq!(out.len(), out.capacity());
    out
}

/// Open the value of a record whose key the caller knows. Decrypts in place; returns the record
/// version and the value (the rest of the buffer is wiped when it drops).
pub(in crate::backend::file) fn open_record_value(
    keys: &Keys,
    id: &RecordId,
    kind: &str,
    name: &str,
    mut file: Zeroizing<Vec<u8>>,
) -> Fallible<(u64, Zeroizing<Vec<u8>>)> {
    let head = record_head(&file)?;
    let cipher = keys.file_key(&head.salt, INFO_RECORD);
    let aad = value_aad(&file, head.value_at, id, kind, name);
    let tag_at = file.len() - TAG_LEN;
    let tag = tag(&file[tag_at..]);
    if cipher.decrypt_in_place_detached(&nonce(1), &aad, &mut file[head.value_at..tag_at], &tag).is_err() {
        return corrupt(AUTH_FAILED);
    }
    file.truncate(tag_at);
    file.drain(..head.value_at);
    Ok((head.version, file))
}

/// Read which record a file holds (its label box) without knowing its name: for repair.
/// The value box is checked too, so a file that passes is whole.
pub(in crate::backend::file) fn open_record_label(
    keys: &Keys,
    id: &RecordId,
    file: &[u8],
) -> Fallible<(String, String)> {
    let head = record_head(file)?;
    let cipher = keys.file_key(&head.salt, INFO_RECORD);
    let mut aad = file[..RECORD_FIXED].to_vec();
    aad.extend_from_slice(id);
    let mut label = file[RECORD_FIXED..head.value_at - TAG_LEN].to_vec();
    let tag = tag(&file[head.value_at - TAG_LEN..head.value_at]);
    if cipher.decrypt_in_place_detached(&nonce(0), &aad, &mut label, &tag).is_err() {
        return corrupt(AUTH_FAILED);
    }
    let (kind, name) = decode_key(&label)?;
    open_record_value(keys, id, &kind, &name, Zeroizing::new(file.to_vec()))?;
    Ok((kind, name))
}

/// The version a record's header claims, without authenticating it: only used to keep
/// versions growing when a damaged record is overwritten.
pub(in crate::backend::file) fn unauthenticated_version(file: &[u8]) -> Option<u64> {
    record_head(file).ok().map(|h| h.version)
}

#[cfg(test)]
mod tests {
    use super::super::keys::test_keys as keys;
    use super::*;

    #[test]
    fn record_round_trip_and_label_recovery() {
        let keys = keys();
        let key = RecordKey::new("ca", "a/b ü");
        let id = keys.record_id(&key.kind, &key.name);
        let file = seal_record(&keys, &id, &key, 7, b"value bytes");
        let (version, value) = open_record_value(&keys, &id, "ca", "a/b ü", Zeroizing::new(file.clone())).unwrap();
        assert_eq!((version, value.as_slice()), (7, &b"value bytes"[..]));
        assert_eq!(open_record_label(&keys, &id, &file).unwrap(), ("ca".into(), "a/b ü".into()));
        assert_eq!(unauthenticated_version(&file), Some(7));
    }

    #[test]
    fn record_is_bound_to_its_key_and_id() {
        let keys = keys();
        let key = RecordKey::new("identity", "alice");
        let id = keys.record_id("identity", "alice");
        let file = seal_record(&keys, &id, &key, 1, b"v");
        let other = keys.record_id("identity", "bob");
        assert!(open_record_value(&keys, &id, "identity", "bob", Zeroizing::new(file.clone())).is_err());
        assert!(open_record_value(&keys, &other, "identity", "alice", Zeroizing::new(file.clone())).is_err());
        assert!(open_record_value(&keys, &id, "ca", "alice", Zeroizing::new(file.clone())).is_err());
        assert!(open_record_label(&keys, &other, &file).is_err());
        // Another wallet's data key opens nothing.
        assert!(open_record_value(&self::keys(), &id, "identity", "alice", Zeroizing::new(file)).is_err());
    }

    #[test]
    fn every_write_uses_a_fresh_key() {
        let keys = keys();
        let key = RecordKey::new("identity", "alice");
        let id = keys.record_id("identity", "alice");
        let a = seal_record(&keys, &id, &key, 1, b"same");
        let b = seal_record(&keys, &id, &key, 1, b"same");
        assert_ne!(a[14..46], b[14..46], "salts repeat");
        assert_ne!(a[RECORD_FIXED..], b[RECORD_FIXED..], "ciphertexts repeat");
    }
}
