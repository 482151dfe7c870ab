//! `wallet.header` (131 bytes): magic, format version, Argon2id parameters and salt, and the
//! data key wrapped under the key-encryption key the passphrase derives, then a checksum.

use super::keys::{tag, Key};
use super::{corrupt, random, Fallible, Fault, FORMAT_VERSION, OLDEST_FORMAT_VERSION};
use crate::backend::file::KdfParams;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::Aes256Gcm;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

const HEADER_MAGIC: [u8; 8] = *b"\x89WALLET\n";
const KDF_ARGON2ID: u8 = 1;
const HEADER_LEN: usize = 131;
/// Bytes 0..51 are the associated data of the wrapped data key.
const HEADER_WRAP_AAD: usize = 51;

/// The parsed wallet header: how to turn the passphrase into the key that unwraps the data key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(in crate::backend::file) struct Header {
    /// The folder's format version.
    pub(in crate::backend::file) version: u16,
    pub(in crate::backend::file) kdf: KdfParams,
    salt: [u8; 16],
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
        let mut header = Self { version, kdf, salt: random(), nonce: random(), wrapped: [0; 48] };
        let kek = derive_kek(&kdf, &header.salt, passphrase);
        let aad = header.encode();
        let mut buf = *data_key;
        let tag = Aes256Gcm::new((&*kek).into())
            .encrypt_in_place_detached(&header.nonce.into(), &aad[..HEADER_WRAP_AAD], &mut buf)
            .expect("32 bytes always encrypt");
        header.wrapped[..32].copy_from_slice(&buf);
        header.wrapped[32..].copy_from_slice(&tag);
        zeroize::Zeroize::zeroize(&mut buf);
        header
    }

    /// Derive the key-encryption key (one Argon2id run) and unwrap the data key; `None` if the
    /// passphrase is wrong.
    pub(in crate::backend::file) fn unwrap(&self, passphrase: &[u8]) -> Option<Key> {
        let kek = derive_kek(&self.kdf, &self.salt, passphrase);
        let aad = self.encode();
        let mut key = Zeroizing::new([0u8; 32]);
        key.copy_from_slice(&self.wrapped[..32]);
        Aes256Gcm::new((&*kek).into())
            .decrypt_in_place_detached(
                &self.nonce.into(),
                &aad[..HEADER_WRAP_AAD],
                &mut *key,
                &tag(&self.wrapped[32..]),
            )
            .ok()?;
        Some(key)
    }

    pub(in crate::backend::file) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN);
        out.extend_from_slice(&HEADER_MAGIC);
        out.extend_from_slice(&self.version.to_be_bytes());
        out.push(KDF_ARGON2ID);
        out.extend_from_slice(&self.kdf.m_cost_kib.to_be_bytes());
        out.extend_from_slice(&self.kdf.t_cost.to_be_bytes());
        out.extend_from_slice(&self.kdf.p_cost.to_be_bytes());
        out.extend_from_slice(&self.salt);
        out.extend_from_slice(&self.nonce);
        debug_assert_eq!(out.len(), HEADER_WRAP_AAD);
        out.extend_from_slice(&self.wrapped);
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        debug_assert_eq!(out.len(), HEADER_LEN);
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
        if bytes.len() != HEADER_LEN {
            return corrupt(format!("a version-{version} header is {HEADER_LEN} bytes, this one is {}", bytes.len()));
        }
        if bytes[10] != KDF_ARGON2ID {
            return corrupt(format!("unknown key-derivation algorithm {}", bytes[10]));
        }
        let u32_at = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
        let kdf = KdfParams { m_cost_kib: u32_at(11), t_cost: u32_at(15), p_cost: u32_at(19) };
        kdf.check().map_err(Fault::Limits)?;
        Ok(Self {
            version,
            kdf,
            salt: bytes[23..39].try_into().expect("16 bytes"),
            nonce: bytes[39..51].try_into().expect("12 bytes"),
            wrapped: bytes[51..99].try_into().expect("48 bytes"),
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
        assert_eq!(bytes.len(), HEADER_LEN);
        let back = Header::decode(&bytes).unwrap();
        assert_eq!(back, header);
        assert_eq!(*back.unwrap(b"pass").unwrap(), *dek);
        assert!(back.unwrap(b"Pass").is_none());
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
