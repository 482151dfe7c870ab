//! `wallet.header`: magic, format version, how the wallet is unlocked, and the data key
//! wrapped under the key-encryption key (KEK), then a checksum. Two unlock methods:
//!
//! - **passphrase** (method 1, 131 bytes): Argon2id parameters and salt; the KEK is derived
//!   from the passphrase.
//! - **keychain** (method 2, 120 bytes): which OS keychain and a 16-byte entry id; the KEK is
//!   a random 32-byte key kept in that keychain entry (`docs/keychain.md`).
//!
//! Switching between them rewrites only this file: the data key, and so every record, stays.

use super::keys::{tag, Key};
use super::{corrupt, random, Fallible, Fault, FORMAT_VERSION, OLDEST_FORMAT_VERSION};
use crate::backend::file::KdfParams;
use crate::backend::keychain::KeychainStore;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::Aes256Gcm;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

const HEADER_MAGIC: [u8; 8] = *b"\x89WALLET\n";
const KDF_ARGON2ID: u8 = 1;
const UNLOCK_KEYCHAIN: u8 = 2;
const PASSPHRASE_HEADER_LEN: usize = 131;
const KEYCHAIN_HEADER_LEN: usize = 120;
/// Bytes 0..51 (passphrase) or 0..40 (keychain) are the associated data of the wrapped key.
const PASSPHRASE_WRAP_AAD: usize = 51;
const KEYCHAIN_WRAP_AAD: usize = 40;

/// How the key-encryption key is had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::backend::file) enum Unlock {
    /// Argon2id of the passphrase with these parameters and salt.
    Passphrase { kdf: KdfParams, salt: [u8; 16] },
    /// A random key in the keychain entry `entry` (hex) of `store`.
    Keychain { store: KeychainStore, entry: [u8; 16] },
}

/// The parsed wallet header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::backend::file) struct Header {
    /// The folder's format version.
    pub(in crate::backend::file) version: u16,
    pub(in crate::backend::file) unlock: Unlock,
    nonce: [u8; 12],
    wrapped: [u8; 48],
}

fn derive_kek(kdf: &KdfParams, salt: &[u8; 16], passphrase: &[u8]) -> Key {
    let params = argon2::Params::new(kdf.m_cost_kib, kdf.t_cost, kdf.p_cost, Some(32))
        .expect("parameters were checked against the bounds first");
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut kek = Zeroizing::new([0u8; 32]);
    argon.hash_password_into(passphrase, salt, &mut *kek).expect("salt, output length and parameters are valid");
    kek
}

impl Header {
    /// Wrap `data_key` under a key derived from `passphrase` with a fresh salt, for a folder of
    /// format `version`.
    pub(in crate::backend::file) fn seal(version: u16, kdf: KdfParams, passphrase: &[u8], data_key: &[u8; 32]) -> Self {
        let salt = random();
        let kek = derive_kek(&kdf, &salt, passphrase);
        Self::wrap(version, Unlock::Passphrase { kdf, salt }, &kek, data_key)
    }

    /// Wrap `data_key` under `kek`, a random key kept in the keychain entry `entry` of `store`.
    pub(in crate::backend::file) fn seal_keychain(
        version: u16,
        store: KeychainStore,
        entry: [u8; 16],
        kek: &[u8; 32],
        data_key: &[u8; 32],
    ) -> Self {
        Self::wrap(version, Unlock::Keychain { store, entry }, kek, data_key)
    }

    fn aad_len(&self) -> usize {
        match self.unlock {
            Unlock::Passphrase { .. } => PASSPHRASE_WRAP_AAD,
            Unlock::Keychain { .. } => KEYCHAIN_WRAP_AAD,
        }
    }

    fn wrap(version: u16, unlock: Unlock, kek: &[u8; 32], data_key: &[u8; 32]) -> Self {
        let mut header = Self { version, unlock, nonce: random(), wrapped: [0; 48] };
        let aad = header.encode();
        let mut buf = *data_key;
        let tag = Aes256Gcm::new(kek.into())
            .encrypt_in_place_detached(&header.nonce.into(), &aad[..header.aad_len()], &mut buf)
            .expect("32 bytes always encrypt");
        header.wrapped[..32].copy_from_slice(&buf);
        header.wrapped[32..].copy_from_slice(&tag);
        zeroize::Zeroize::zeroize(&mut buf);
        header
    }

    /// Derive the key-encryption key (one Argon2id run) and unwrap the data key; `None` if the
    /// passphrase is wrong (or the header is a keychain one).
    pub(in crate::backend::file) fn unwrap(&self, passphrase: &[u8]) -> Option<Key> {
        let Unlock::Passphrase { kdf, salt } = &self.unlock else { return None };
        let kek = derive_kek(kdf, salt, passphrase);
        self.unwrap_with(&kek)
    }

    /// Unwrap the data key with the key-encryption key itself; `None` if it is not the one.
    pub(in crate::backend::file) fn unwrap_with(&self, kek: &[u8; 32]) -> Option<Key> {
        let aad = self.encode();
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&self.wrapped[..32]);
        Aes256Gcm::new(kek.into())
            .decrypt_in_place_detached(&self.nonce.into(), &aad[..self.aad_len()], &mut *key, &tag(&self.wrapped[32..]))
            .ok()?;
        Some(key)
    }

    pub(in crate::backend::file) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(PASSPHRASE_HEADER_LEN);
        out.extend_from_slice(&HEADER_MAGIC);
        out.extend_from_slice(&self.version.to_be_bytes());
        match &self.unlock {
            Unlock::Passphrase { kdf, salt } => {
                out.push(KDF_ARGON2ID);
                out.extend_from_slice(&kdf.m_cost_kib.to_be_bytes());
                out.extend_from_slice(&kdf.t_cost.to_be_bytes());
                out.extend_from_slice(&kdf.p_cost.to_be_bytes());
                out.extend_from_slice(salt);
            }
            Unlock::Keychain { store, entry } => {
                out.push(UNLOCK_KEYCHAIN);
                out.push(store.code());
                out.extend_from_slice(entry);
            }
        }
        out.extend_from_slice(&self.nonce);
        debug_assert_eq!(out.len(), self.aad_len());
        out.extend_from_slice(&self.wrapped);
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        out
    }

    /// Parse and check a header. The checksum is checked before the version so that a damaged
    /// version field reads as damage, and the KDF bounds before anything runs Argon2id.
    pub(in crate::backend::file) fn decode(bytes: &[u8]) -> Fallible<Self> {
        if bytes.len() < HEADER_MAGIC.len() + 2 + 32 || bytes[..8] != HEADER_MAGIC {
            return corrupt(format!("not a wallet header ({} bytes, no wallet signature)", bytes.len()));
        }
        let (body, sum) = bytes.split_at(bytes.len() - 32);
        if Sha256::digest(body)[..] != *sum {
            return corrupt("the header checksum does not match: the header was modified or damaged");
        }
        let version = u16::from_be_bytes([bytes[8], bytes[9]]);
        if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
            return Err(Fault::Version(version));
        }
        let length = |want: usize| -> Fallible<()> {
            if bytes.len() != want {
                return corrupt(format!("a version-{version} header is {want} bytes, this one is {}", bytes.len()));
            }
            Ok(())
        };
        let method = bytes.get(10).copied().unwrap_or(0);
        let (unlock, at) = match method {
            KDF_ARGON2ID => {
                length(PASSPHRASE_HEADER_LEN)?;
                let u32_at = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
                let kdf = KdfParams { m_cost_kib: u32_at(11), t_cost: u32_at(15), p_cost: u32_at(19) };
                kdf.check().map_err(Fault::Limits)?;
                (Unlock::Passphrase { kdf, salt: bytes[23..39].try_into().expect("16 bytes") }, 39)
            }
            UNLOCK_KEYCHAIN => {
                length(KEYCHAIN_HEADER_LEN)?;
                let store = KeychainStore::from_code(bytes[11])
                    .ok_or_else(|| Fault::Corrupt(format!("unknown keychain store {}", bytes[11])))?;
                (Unlock::Keychain { store, entry: bytes[12..28].try_into().expect("16 bytes") }, 28)
            }
            other => return corrupt(format!("unknown unlock method {other}")),
        };
        Ok(Self {
            version,
            unlock,
            nonce: bytes[at..at + 12].try_into().expect("12 bytes"),
            wrapped: bytes[at + 12..at + 60].try_into().expect("48 bytes"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::keys::random_key;
    use super::*;

    #[test]
    fn header_wraps_the_data_key() {
        let kdf = KdfParams { m_cost_kib: 64, t_cost: 1, p_cost: 1 };
        let dek = random_key();
        let header = Header::seal(FORMAT_VERSION, kdf, b"pass", &dek);
        let bytes = header.encode();
        assert_eq!(bytes.len(), PASSPHRASE_HEADER_LEN);
        let back = Header::decode(&bytes).unwrap();
        assert_eq!(back, header);
        assert_eq!(*back.unwrap(b"pass").unwrap(), *dek);
        assert!(back.unwrap(b"Pass").is_none());
    }

    #[test]
    fn a_keychain_header_names_its_entry_and_opens_only_with_its_key() {
        let dek = random_key();
        let kek = random_key();
        let header = Header::seal_keychain(FORMAT_VERSION, KeychainStore::Keyutils, [7; 16], &kek, &dek);
        let bytes = header.encode();
        assert_eq!(bytes.len(), KEYCHAIN_HEADER_LEN);
        let back = Header::decode(&bytes).unwrap();
        assert_eq!(back.unlock, Unlock::Keychain { store: KeychainStore::Keyutils, entry: [7; 16] });
        assert_eq!(*back.unwrap_with(&kek).unwrap(), *dek);
        assert!(back.unwrap_with(&random_key()).is_none());
        assert!(back.unwrap(b"any passphrase").is_none(), "a keychain header takes no passphrase");
        // The store and entry are bound to the wrapped key: a header pointed at another entry fails.
        let mut moved = bytes.clone();
        moved[12] ^= 1;
        let body = moved.len() - 32;
        let sum = Sha256::digest(&moved[..body]);
        moved[body..].copy_from_slice(&sum);
        assert!(Header::decode(&moved).unwrap().unwrap_with(&kek).is_none());
        let mut unknown = bytes;
        unknown[11] = 99;
        let sum = Sha256::digest(&unknown[..body]);
        unknown[body..].copy_from_slice(&sum);
        assert!(matches!(Header::decode(&unknown), Err(Fault::Corrupt(d)) if d.contains("keychain store 99")));
    }

    #[test]
    fn header_bounds_are_checked_before_any_work() {
        let kdf = KdfParams { m_cost_kib: 64, t_cost: 1, p_cost: 1 };
        let mut bytes = Header::seal(FORMAT_VERSION, kdf, b"pass", &random_key()).encode();
        bytes[11..15].copy_from_slice(&u32::MAX.to_be_bytes());
        let body = bytes.len() - 32;
        let sum = Sha256::digest(&bytes[..body]);
        bytes[body..].copy_from_slice(&sum);
        assert!(matches!(Header::decode(&bytes), Err(Fault::Limits(_))));
    }
}
