//! The key hierarchy: the data key, the keys derived from it (record ids; one AES-256-GCM key
//! per write of a record, the index, a log frame or a journal), and the nonces and tags of
//! those boxes. The passphrase-to-KEK step is the header's (`header.rs`).

use super::encoding::encode_key;
use aes_gcm::aead::KeyInit;
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::Sha256;
use zeroize::Zeroizing;

/// A 256-bit key, wiped on drop.
pub(in crate::backend::file) type Key = Zeroizing<[u8; 32]>;

/// The opaque identifier of a record (and its file name, in hex).
pub(in crate::backend::file) type RecordId = [u8; 32];

/// Length of an AES-256-GCM tag.
pub(super) const TAG_LEN: usize = 16;

/// A fresh random 256-bit key from the operating system.
pub(in crate::backend::file) fn random_key() -> Key {
    let mut key = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(&mut *key);
    key
}

const INFO_RECORD_ID: &[u8] = b"wallet file v1 record id";
pub(super) const INFO_RECORD: &[u8] = b"wallet file v1 record";
pub(super) const INFO_INDEX: &[u8] = b"wallet file v1 index";
pub(super) const INFO_JOURNAL: &[u8] = b"wallet file v1 journal";
pub(super) const INFO_LOG: &[u8] = b"wallet file v2 index log";

/// HKDF-SHA256 with a 32-byte output.
fn hkdf(ikm: &[u8; 32], salt: Option<&[u8]>, info: &[u8]) -> Key {
    let mut out = Zeroizing::new([0u8; 32]);
    hkdf::Hkdf::<Sha256>::new(salt, ikm)
        .expand(info, &mut *out)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    out
}

/// The keys an unlocked wallet holds in memory: the data key and what is derived from it once.
pub(in crate::backend::file) struct Keys {
    data_key: Key,
    record_id_key: Key,
}

impl Keys {
    pub(in crate::backend::file) fn new(data_key: Key) -> Self {
        let record_id_key = hkdf(&data_key, None, INFO_RECORD_ID);
        Self { data_key, record_id_key }
    }

    pub(in crate::backend::file) fn data_key(&self) -> &[u8; 32] {
        &self.data_key
    }

    /// HMAC-SHA256 of the length-prefixed kind and name: the record's opaque identifier.
    pub(in crate::backend::file) fn record_id(&self, kind: &str, name: &str) -> RecordId {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&*self.record_id_key).expect("HMAC takes any key length");
        mac.update(&encode_key(kind, name));
        mac.finalize().into_bytes().into()
    }

    /// A one-time AES-256-GCM key for one write of one file, from the data key and its salt.
    pub(super) fn file_key(&self, salt: &[u8; 32], info: &[u8]) -> Aes256Gcm {
        let key = hkdf(&self.data_key, Some(salt), info);
        Aes256Gcm::new((&*key).into())
    }
}

/// Nonces are counters because every key seals at most two boxes (see the module docs).
pub(super) fn nonce(counter: u8) -> Nonce<aes_gcm::aead::consts::U12> {
    let mut n = [0u8; 12];
    n[11] = counter;
    n.into()
}

/// A GCM tag from the 16 bytes that hold it.
pub(super) fn tag(bytes: &[u8]) -> Tag {
    <[u8; TAG_LEN]>::try_from(bytes).expect("callers pass exactly 16 bytes").into()
}

/// A fresh, random set of keys (another wallet's, as far as any other call's keys go).
#[cfg(test)]
pub(super) fn test_keys() -> Keys {
    Keys::new(random_key())
}

#[cfg(test)]
mod tests {
    use super::super::keys::test_keys as keys;
    use super::*;

    #[test]
    fn record_id_separates_kind_and_name() {
        let keys = keys();
        assert_ne!(keys.record_id("ab", "c"), keys.record_id("a", "bc"));
        assert_eq!(keys.record_id("a", "b"), keys.record_id("a", "b"));
        assert_ne!(keys.record_id("a", "b"), Keys::new(random_key()).record_id("a", "b"));
    }
}
