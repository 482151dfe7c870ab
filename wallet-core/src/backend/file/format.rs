//! Byte layouts and cryptography of the file wallet, versions 1 and 2. `docs/file-format.md`
//! is the written form of this module; keep the two in step.
//!
//! Nothing here touches the file system: every function turns bytes into bytes, so the layouts
//! can be tested (and fuzzed) on their own.

use super::KdfParams;
use crate::backend::RecordKey;
use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use zeroize::Zeroizing;

/// The wallet format version this build writes: the header's version. Version 2 added the
/// index log (`wallet.ilog`); version-1 wallets are read and written as version 1 (the whole
/// index rewritten on each change).
pub(super) const FORMAT_VERSION: u16 = 2;

/// The oldest wallet format version this build reads.
pub(super) const OLDEST_FORMAT_VERSION: u16 = 1;

/// The layout version inside records, the index, journals and the index log. The header's
/// version is the folder's; these files have kept their version-1 layout.
const LAYOUT: u16 = 1;

/// A 256-bit key, wiped on drop.
pub(super) type Key = Zeroizing<[u8; 32]>;

/// The opaque identifier of a record (and its file name, in hex).
pub(super) type RecordId = [u8; 32];

/// What is wrong with a blob, before the caller names the file it came from.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Fault {
    /// Damaged, truncated, tampered with, or not ours.
    Corrupt(String),
    /// A well-formed header of a format version this build does not know.
    Version(u16),
    /// A well-formed header asking for more work than this build allows.
    Limits(String),
}

type Fallible<T> = std::result::Result<T, Fault>;

fn corrupt<T>(detail: impl Into<String>) -> Fallible<T> {
    Err(Fault::Corrupt(detail.into()))
}

fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    OsRng.fill_bytes(&mut out);
    out
}

/// A fresh random 256-bit key from the operating system.
pub(super) fn random_key() -> Key {
    let mut key = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(&mut *key);
    key
}

// ---------------------------------------------------------------------------------------------
// Key hierarchy
// ---------------------------------------------------------------------------------------------

const INFO_RECORD_ID: &[u8] = b"wallet file v1 record id";
const INFO_RECORD: &[u8] = b"wallet file v1 record";
const INFO_INDEX: &[u8] = b"wallet file v1 index";
const INFO_JOURNAL: &[u8] = b"wallet file v1 journal";

/// HKDF-SHA256 with a 32-byte output.
fn hkdf(ikm: &[u8; 32], salt: Option<&[u8]>, info: &[u8]) -> Key {
    let mut out = Zeroizing::new([0u8; 32]);
    hkdf::Hkdf::<Sha256>::new(salt, ikm)
        .expand(info, &mut *out)
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    out
}

/// The keys an unlocked wallet holds in memory: the data key and what is derived from it once.
pub(super) struct Keys {
    data_key: Key,
    record_id_key: Key,
}

impl Keys {
    pub(super) fn new(data_key: Key) -> Self {
        let record_id_key = hkdf(&data_key, None, INFO_RECORD_ID);
        Self { data_key, record_id_key }
    }

    pub(super) fn data_key(&self) -> &[u8; 32] {
        &self.data_key
    }

    /// HMAC-SHA256 of the length-prefixed kind and name: the record's opaque identifier.
    pub(super) fn record_id(&self, kind: &str, name: &str) -> RecordId {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&*self.record_id_key).expect("HMAC takes any key length");
        mac.update(&encode_key(kind, name));
        mac.finalize().into_bytes().into()
    }

    /// A one-time AES-256-GCM key for one write of one file, from the data key and its salt.
    fn file_key(&self, salt: &[u8; 32], info: &[u8]) -> Aes256Gcm {
        let key = hkdf(&self.data_key, Some(salt), info);
        Aes256Gcm::new((&*key).into())
    }
}

/// Nonces are counters because every key seals at most two boxes (see the module docs).
fn nonce(counter: u8) -> Nonce<aes_gcm::aead::consts::U12> {
    let mut n = [0u8; 12];
    n[11] = counter;
    n.into()
}

/// A GCM tag from the 16 bytes that hold it.
fn tag(bytes: &[u8]) -> Tag {
    <[u8; TAG_LEN]>::try_from(bytes).expect("callers pass exactly 16 bytes").into()
}

/// `u32 len ‖ kind ‖ u32 len ‖ name`, the unambiguous encoding of a record key.
pub(super) fn encode_key(kind: &str, name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + kind.len() + name.len());
    put_str(&mut out, kind);
    put_str(&mut out, name);
    out
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&u32::try_from(s.len()).expect("strings in a wallet are shorter than 4 GiB").to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// A cursor over decrypted, already-authenticated bytes.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn u32(&mut self) -> Fallible<u32> {
        let Some((head, rest)) = self.bytes.split_first_chunk::<4>() else {
            return corrupt("ends in the middle of a length");
        };
        self.bytes = rest;
        Ok(u32::from_be_bytes(*head))
    }

    fn str(&mut self) -> Fallible<&'a str> {
        let len = self.u32()? as usize;
        if self.bytes.len() < len {
            return corrupt("ends in the middle of a string");
        }
        let (s, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        std::str::from_utf8(s).or_else(|_| corrupt("holds a string that is not UTF-8"))
    }
}

fn decode_key(bytes: &[u8]) -> Fallible<(String, String)> {
    let mut r = Reader { bytes };
    let kind = r.str()?.to_owned();
    let name = r.str()?.to_owned();
    if !r.bytes.is_empty() {
        return corrupt("has bytes after the record key");
    }
    Ok((kind, name))
}

// ---------------------------------------------------------------------------------------------
// Header: `wallet.header`
// ---------------------------------------------------------------------------------------------

const HEADER_MAGIC: [u8; 8] = *b"\x89WALLET\n";
const KDF_ARGON2ID: u8 = 1;
const HEADER_LEN: usize = 131;
/// Bytes 0..51 are the associated data of the wrapped data key.
const HEADER_WRAP_AAD: usize = 51;

/// The parsed wallet header: how to turn the passphrase into the key that unwraps the data key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Header {
    /// The folder's format version.
    pub(super) version: u16,
    pub(super) kdf: KdfParams,
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
    pub(super) fn seal(version: u16, kdf: KdfParams, passphrase: &[u8], data_key: &[u8; 32]) -> Self {
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
    pub(super) fn unwrap(&self, passphrase: &[u8]) -> Option<Key> {
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

    pub(super) fn encode(&self) -> Vec<u8> {
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
    pub(super) fn decode(bytes: &[u8]) -> Fallible<Self> {
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

// ---------------------------------------------------------------------------------------------
// Records: `records/<hex record id>`
// ---------------------------------------------------------------------------------------------

const RECORD_MAGIC: [u8; 4] = *b"WREC";
/// magic 4 ‖ format version 2 ‖ record version 8 ‖ salt 32 ‖ label box length 4.
const RECORD_FIXED: usize = 50;
const TAG_LEN: usize = 16;

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
pub(super) fn seal_record(keys: &Keys, id: &RecordId, key: &RecordKey, version: u64, value: &[u8]) -> Vec<u8> {
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
pub(super) fn open_record_value(
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
pub(super) fn open_record_label(keys: &Keys, id: &RecordId, file: &[u8]) -> Fallible<(String, String)> {
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
pub(super) fn unauthenticated_version(file: &[u8]) -> Option<u64> {
    record_head(file).ok().map(|h| h.version)
}

// ---------------------------------------------------------------------------------------------
// Index: `wallet.index`
// ---------------------------------------------------------------------------------------------

const INDEX_MAGIC: [u8; 4] = *b"WIDX";
/// magic 4 ‖ format version 2 ‖ generation 8 ‖ salt 32.
pub(super) const INDEX_HEAD: usize = 46;

/// Every record key in the wallet, by kind, names sorted (byte order). Sets, so that adding
/// or removing one name costs O(log n) whatever the size of the wallet; and, per kind that was
/// listed since it last changed, the names as a sorted array, so that listing again is two
/// binary searches and one copy.
#[derive(Debug, Clone, Default)]
pub(super) struct Index {
    kinds: BTreeMap<String, BTreeSet<String>>,
    views: std::cell::RefCell<BTreeMap<String, Vec<String>>>,
}

impl PartialEq for Index {
    fn eq(&self, other: &Self) -> bool {
        self.kinds == other.kinds
    }
}

impl Eq for Index {}

impl Index {
    pub(super) fn contains(&self, kind: &str, name: &str) -> bool {
        self.kinds.get(kind).is_some_and(|names| names.contains(name))
    }

    /// Add a key; false if it was there.
    pub(super) fn insert(&mut self, kind: &str, name: &str) -> bool {
        if self.contains(kind, name) {
            return false;
        }
        self.views.get_mut().remove(kind);
        match self.kinds.get_mut(kind) {
            Some(names) => names.insert(name.to_owned()),
            None => {
                self.kinds.insert(kind.to_owned(), BTreeSet::from([name.to_owned()]));
                true
            }
        }
    }

    /// Remove a key; false if it was not there.
    pub(super) fn remove(&mut self, kind: &str, name: &str) -> bool {
        let Some(names) = self.kinds.get_mut(kind) else { return false };
        if !names.remove(name) {
            return false;
        }
        self.views.get_mut().remove(kind);
        if names.is_empty() {
            self.kinds.remove(kind);
        }
        true
    }

    /// Apply one change; false if it changed nothing.
    pub(super) fn apply(&mut self, op: IndexOp, kind: &str, name: &str) -> bool {
        match op {
            IndexOp::Add => self.insert(kind, name),
            IndexOp::Remove => self.remove(kind, name),
        }
    }

    /// Names of `kind` starting with `prefix`, sorted: names with the prefix are contiguous
    /// from the first name ≥ prefix, so two binary searches in the kind's sorted array (made
    /// once after each change of the kind), then one copy.
    pub(super) fn list(&self, kind: &str, prefix: &str) -> Vec<String> {
        let Some(names) = self.kinds.get(kind) else { return Vec::new() };
        let mut views = self.views.borrow_mut();
        let view = views.entry(kind.to_owned()).or_insert_with(|| names.iter().cloned().collect());
        let start = view.partition_point(|n| n.as_str() < prefix);
        let len = view[start..].partition_point(|n| n.starts_with(prefix));
        view[start..start + len].to_vec()
    }

    /// All keys, as (kind, name).
    pub(super) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.kinds.iter().flat_map(|(k, names)| names.iter().map(move |n| (k.as_str(), n.as_str())))
    }

    pub(super) fn len(&self) -> usize {
        self.kinds.values().map(BTreeSet::len).sum()
    }

    /// `u32 kinds`, then per kind `str kind ‖ u32 count ‖ str name…` (str = u32 length ‖ UTF-8).
    fn encode(&self) -> Vec<u8> {
        let size: usize =
            self.kinds.iter().map(|(k, v)| 8 + k.len() + v.iter().map(|n| 4 + n.len()).sum::<usize>()).sum();
        let mut out = Vec::with_capacity(INDEX_HEAD + 4 + size + TAG_LEN);
        out.extend_from_slice(&(self.kinds.len() as u32).to_be_bytes());
        for (kind, names) in &self.kinds {
            put_str(&mut out, kind);
            out.extend_from_slice(&(names.len() as u32).to_be_bytes());
            for name in names {
                put_str(&mut out, name);
            }
        }
        out
    }

    fn decode(bytes: &[u8]) -> Fallible<Self> {
        let mut r = Reader { bytes };
        let mut kinds = BTreeMap::new();
        let mut last_kind: Option<&str> = None;
        for _ in 0..r.u32()? {
            let kind = r.str()?;
            if last_kind.is_some_and(|k| k >= kind) {
                return corrupt("lists kinds out of order");
            }
            last_kind = Some(kind);
            let count = r.u32()? as usize;
            // Each name takes at least 4 bytes; refuse counts the remaining bytes cannot hold.
            if count == 0 || count > r.bytes.len() / 4 {
                return corrupt("has an impossible name count");
            }
            let mut names = BTreeSet::new();
            let mut last: Option<&str> = None;
            for _ in 0..count {
                let name = r.str()?;
                if last.is_some_and(|n| n >= name) {
                    return corrupt("lists names out of order");
                }
                last = Some(name);
                names.insert(name.to_owned());
            }
            kinds.insert(kind.to_owned(), names);
        }
        if !r.bytes.is_empty() {
            return corrupt("has bytes after the last entry");
        }
        Ok(Self { kinds, views: Default::default() })
    }
}

/// A change to the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IndexOp {
    Add,
    Remove,
}

/// The plaintext head of an index file: enough to tell whether it changed since it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct IndexStamp {
    pub(super) generation: u64,
    salt: [u8; 32],
}

pub(super) fn index_stamp(head: &[u8]) -> Fallible<IndexStamp> {
    if head.len() < INDEX_HEAD {
        return corrupt(format!("truncated: {} bytes, shorter than an index header", head.len()));
    }
    if head[..4] != INDEX_MAGIC {
        return corrupt("not an index file (no index signature)");
    }
    let layout = u16::from_be_bytes([head[4], head[5]]);
    if layout != LAYOUT {
        return corrupt(format!("index layout version {layout}, where this wallet has {LAYOUT}"));
    }
    Ok(IndexStamp {
        generation: u64::from_be_bytes(head[6..14].try_into().expect("8 bytes")),
        salt: head[14..46].try_into().expect("32 bytes"),
    })
}

pub(super) fn seal_index(keys: &Keys, generation: u64, index: &Index) -> (IndexStamp, Vec<u8>) {
    let stamp = IndexStamp { generation, salt: random() };
    let body = index.encode();
    let mut out = Vec::with_capacity(INDEX_HEAD + body.len() + TAG_LEN);
    out.extend_from_slice(&INDEX_MAGIC);
    out.extend_from_slice(&LAYOUT.to_be_bytes());
    out.extend_from_slice(&generation.to_be_bytes());
    out.extend_from_slice(&stamp.salt);
    out.extend_from_slice(&body);
    drop(body);
    let (head, rest) = out.split_at_mut(INDEX_HEAD);
    let tag =
        keys.file_key(&stamp.salt, INFO_INDEX).encrypt_in_place_detached(&nonce(0), head, rest).expect("fits GCM");
    out.extend_from_slice(&tag);
    (stamp, out)
}

pub(super) fn open_index(keys: &Keys, mut file: Vec<u8>) -> Fallible<(IndexStamp, Index)> {
    let stamp = index_stamp(&file)?;
    if file.len() < INDEX_HEAD + TAG_LEN {
        return corrupt("truncated: no room for the sealed index");
    }
    let tag_at = file.len() - TAG_LEN;
    let tag = tag(&file[tag_at..]);
    let (head, rest) = file.split_at_mut(INDEX_HEAD);
    let cipher = keys.file_key(&stamp.salt, INFO_INDEX);
    if cipher.decrypt_in_place_detached(&nonce(0), head, &mut rest[..tag_at - INDEX_HEAD], &tag).is_err() {
        return corrupt("authentication failed: the index was modified or truncated");
    }
    Ok((stamp, Index::decode(&file[INDEX_HEAD..tag_at])?))
}

// ---------------------------------------------------------------------------------------------
// Index log: `wallet.ilog` (format version 2)
// ---------------------------------------------------------------------------------------------

const LOG_MAGIC: [u8; 4] = *b"WILG";
/// magic 4 ‖ layout version 2 ‖ generation 8 ‖ salt 32 of the index it was started on.
pub(super) const LOG_HEAD: usize = 46;
const INFO_LOG: &[u8] = b"wallet file v2 index log";
/// length 4 ‖ salt 32 ‖ box (at least a count) ‖ tag 16.
const FRAME_MIN: usize = 4 + 32 + 4 + TAG_LEN;

/// The head of a new, empty index log started on the index `base`.
pub(super) fn log_head(base: &IndexStamp) -> [u8; LOG_HEAD] {
    let mut head = [0u8; LOG_HEAD];
    head[..4].copy_from_slice(&LOG_MAGIC);
    head[4..6].copy_from_slice(&LAYOUT.to_be_bytes());
    head[6..14].copy_from_slice(&base.generation.to_be_bytes());
    head[14..].copy_from_slice(&base.salt);
    head
}

/// The index a log was started on, from its head.
pub(super) fn log_base(head: &[u8]) -> Fallible<IndexStamp> {
    if head.len() < LOG_HEAD || head[..4] != LOG_MAGIC {
        return corrupt("not an index log (no log signature)");
    }
    if u16::from_be_bytes([head[4], head[5]]) != LAYOUT {
        return corrupt("index log of another layout version");
    }
    Ok(IndexStamp {
        generation: u64::from_be_bytes(head[6..14].try_into().expect("8 bytes")),
        salt: head[14..46].try_into().expect("32 bytes"),
    })
}

fn frame_aad(head: &[u8], offset: u64, len: u32) -> Vec<u8> {
    let mut aad = Vec::with_capacity(LOG_HEAD + 12);
    aad.extend_from_slice(&head[..LOG_HEAD]);
    aad.extend_from_slice(&offset.to_be_bytes());
    aad.extend_from_slice(&len.to_be_bytes());
    aad
}

/// Seal the changes of one write as a frame to append at `offset` of the log whose head is
/// `head`: `u32 L ‖ salt 32 ‖ AES-256-GCM(HKDF(DK, salt, "wallet file v2 index log"), nonce
/// …00, body, AAD = head ‖ u64 offset ‖ u32 L) ‖ tag`, L counting the bytes after itself;
/// body = `u32 count`, then per change `u8 op (1 add, 2 remove) ‖ str(kind) ‖ str(name)`.
pub(super) fn seal_log_frame(keys: &Keys, head: &[u8], offset: u64, ops: &[(IndexOp, &str, &str)]) -> Vec<u8> {
    let salt: [u8; 32] = random();
    let body_len: usize = 4 + ops.iter().map(|(_, k, n)| 9 + k.len() + n.len()).sum::<usize>();
    let len = u32::try_from(32 + body_len + TAG_LEN).expect("a frame is shorter than 4 GiB");
    let mut out = Vec::with_capacity(4 + len as usize);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&salt);
    out.extend_from_slice(&u32::try_from(ops.len()).expect("fewer than 2^32 changes").to_be_bytes());
    for (op, kind, name) in ops {
        out.push(match op {
            IndexOp::Add => 1,
            IndexOp::Remove => 2,
        });
        put_str(&mut out, kind);
        put_str(&mut out, name);
    }
    let aad = frame_aad(head, offset, len);
    let tag =
        keys.file_key(&salt, INFO_LOG).encrypt_in_place_detached(&nonce(0), &aad, &mut out[36..]).expect("fits GCM");
    out.extend_from_slice(&tag);
    debug_assert_eq!(out.len(), 4 + len as usize);
    out
}

/// What the bytes at one offset of a log hold.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum LogFrame {
    /// A whole frame of `len` bytes (length field included) and its changes.
    Whole { len: usize, ops: Vec<(IndexOp, String, String)> },
    /// The bytes end before the frame does: a frame being appended, or torn by a crash.
    Incomplete,
    /// A frame that does not open.
    Bad(String),
}

/// Read the frame at `offset` of the log whose head is `head`; `rest` starts there.
pub(super) fn open_log_frame(keys: &Keys, head: &[u8], offset: u64, rest: &[u8]) -> LogFrame {
    let Some(len_bytes) = rest.first_chunk::<4>() else { return LogFrame::Incomplete };
    let len = u32::from_be_bytes(*len_bytes);
    let total = 4 + len as usize;
    if total < FRAME_MIN {
        return LogFrame::Bad(format!("a frame at offset {offset} is too short"));
    }
    if rest.len() < total {
        return LogFrame::Incomplete;
    }
    let salt: [u8; 32] = rest[4..36].try_into().expect("32 bytes");
    let mut body = rest[36..total - TAG_LEN].to_vec();
    let tag = tag(&rest[total - TAG_LEN..total]);
    let aad = frame_aad(head, offset, len);
    if keys.file_key(&salt, INFO_LOG).decrypt_in_place_detached(&nonce(0), &aad, &mut body, &tag).is_err() {
        return LogFrame::Bad(format!("the frame at offset {offset} does not authenticate"));
    }
    match decode_ops(&body) {
        Ok(ops) => LogFrame::Whole { len: total, ops },
        Err(fault) => LogFrame::Bad(format!("the frame at offset {offset} {}", fault_text(fault))),
    }
}

fn fault_text(fault: Fault) -> String {
    match fault {
        Fault::Corrupt(detail) | Fault::Limits(detail) => detail,
        Fault::Version(v) => format!("has unknown version {v}"),
    }
}

fn decode_ops(bytes: &[u8]) -> Fallible<Vec<(IndexOp, String, String)>> {
    let mut r = Reader { bytes };
    let count = r.u32()? as usize;
    if count > r.bytes.len() / 9 {
        return corrupt("has an impossible change count");
    }
    let mut ops = Vec::with_capacity(count);
    for _ in 0..count {
        let Some((&op, rest)) = r.bytes.split_first() else { return corrupt("ends in the middle of a change") };
        r.bytes = rest;
        let op = match op {
            1 => IndexOp::Add,
            2 => IndexOp::Remove,
            other => return corrupt(format!("has an unknown change {other}")),
        };
        let kind = r.str()?.to_owned();
        let name = r.str()?.to_owned();
        ops.push((op, kind, name));
    }
    if !r.bytes.is_empty() {
        return corrupt("has bytes after the last change");
    }
    Ok(ops)
}

// ---------------------------------------------------------------------------------------------
// Journal: the content of `wallet.lock` while a writer changes which records exist
// ---------------------------------------------------------------------------------------------

const JOURNAL_MAGIC: [u8; 4] = *b"WJNL";
/// magic 4 ‖ format version 2 ‖ salt 32.
const JOURNAL_HEAD: usize = 38;

/// Seal the key of the record a writer is about to create or delete.
pub(super) fn seal_journal(keys: &Keys, kind: &str, name: &str) -> Vec<u8> {
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
pub(super) fn open_journal(keys: &Keys, mut bytes: Vec<u8>) -> Fallible<(String, String)> {
    if bytes.len() < JOURNAL_HEAD + TAG_LEN || bytes[..4] != JOURNAL_MAGIC {
        return corrupt("not a whole journal entry");
    }
    let tag_at = decrypt_journal(keys, &mut bytes)?;
    decode_key(&bytes[JOURNAL_HEAD..tag_at])
}

// ---------------------------------------------------------------------------------------------
// Batch journal: the content of `wallet.lock` while a writer applies a batch
// ---------------------------------------------------------------------------------------------

const BATCH_MAGIC: [u8; 4] = *b"WJNB";

/// One record of a batch journal: its key and its whole sealed file.
pub(super) type BatchEntry = (String, String, Vec<u8>);

/// Whether a journal entry is a batch journal (by its magic only; it may still be torn).
pub(super) fn is_batch_journal(bytes: &[u8]) -> bool {
    bytes.starts_with(&BATCH_MAGIC)
}

/// Seal the redo record of a batch: every record's key and the exact bytes of its sealed file.
/// body = `u32 count`, then per record `str(kind) ‖ str(name) ‖ u32 length ‖ sealed record file`.
pub(super) fn seal_batch_journal(keys: &Keys, records: &[BatchEntry]) -> Vec<u8> {
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
pub(super) fn open_batch_journal(keys: &Keys, mut bytes: Vec<u8>) -> Fallible<Vec<BatchEntry>> {
    if bytes.len() < JOURNAL_HEAD + 4 + TAG_LEN || !is_batch_journal(&bytes) {
        return corrupt("not a whole batch journal");
    }
    let tag_at = decrypt_journal(keys, &mut bytes)?;
    let mut r = Reader { bytes: &bytes[JOURNAL_HEAD..tag_at] };
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
    use super::*;

    fn keys() -> Keys {
        Keys::new(random_key())
    }

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

    #[test]
    fn record_id_separates_kind_and_name() {
        let keys = keys();
        assert_ne!(keys.record_id("ab", "c"), keys.record_id("a", "bc"));
        assert_eq!(keys.record_id("a", "b"), keys.record_id("a", "b"));
        assert_ne!(keys.record_id("a", "b"), Keys::new(random_key()).record_id("a", "b"));
    }

    #[test]
    fn index_round_trip_and_listing() {
        let keys = keys();
        let mut index = Index::default();
        for name in ["b", "a", "ab", "c", "a"] {
            index.insert("identity", name);
        }
        index.insert("ca", "root");
        assert_eq!(index.len(), 5);
        assert_eq!(index.list("identity", "a"), ["a", "ab"]);
        assert_eq!(index.list("identity", ""), ["a", "ab", "b", "c"]);
        assert_eq!(index.list("ca", ""), ["root"]);
        assert!(index.list("other", "").is_empty());
        let (stamp, file) = seal_index(&keys, 3, &index);
        let (stamp2, back) = open_index(&keys, file.clone()).unwrap();
        assert_eq!((stamp, &back), (stamp2, &index));
        assert_eq!(stamp.generation, 3);
        assert!(index.remove("ca", "root") && !index.remove("ca", "root"));
        assert!(!index.contains("ca", "root"));
        // Listing after a change sees it (the sorted array of a kind is made again).
        assert!(index.list("ca", "").is_empty());
        assert!(index.remove("identity", "ab") && index.insert("identity", "aa"));
        assert_eq!(index.list("identity", "a"), ["a", "aa"]);
        assert!(!index.insert("identity", "aa"));
        assert_eq!(index.list("identity", ""), ["a", "aa", "b", "c"]);
        let mut flipped = file;
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        assert!(matches!(open_index(&keys, flipped), Err(Fault::Corrupt(_))));
    }

    #[test]
    fn log_frames_round_trip_and_are_bound_to_their_place() {
        let keys = keys();
        let head = log_head(&IndexStamp { generation: 4, salt: random() });
        assert_eq!(log_base(&head).unwrap().generation, 4);
        let ops = [(IndexOp::Add, "identity", "alice"), (IndexOp::Remove, "ca-cert", "ca/01")];
        let frame = seal_log_frame(&keys, &head, LOG_HEAD as u64, &ops);
        let want: Vec<_> = ops.iter().map(|(o, k, n)| (*o, k.to_string(), n.to_string())).collect();
        assert_eq!(
            open_log_frame(&keys, &head, LOG_HEAD as u64, &frame),
            LogFrame::Whole { len: frame.len(), ops: want }
        );
        // Followed by more bytes, the frame still reads as itself.
        let mut longer = frame.clone();
        longer.extend_from_slice(b"next");
        assert!(matches!(open_log_frame(&keys, &head, LOG_HEAD as u64, &longer), LogFrame::Whole { .. }));
        for len in [0, 3, 4, 40, frame.len() - 1] {
            assert_eq!(open_log_frame(&keys, &head, LOG_HEAD as u64, &frame[..len]), LogFrame::Incomplete, "{len}");
        }
        // Moved to another offset, under another head, or flipped anywhere: it does not open.
        assert!(matches!(open_log_frame(&keys, &head, 100, &frame), LogFrame::Bad(_)));
        let other_head = log_head(&IndexStamp { generation: 4, salt: random() });
        assert!(matches!(open_log_frame(&keys, &other_head, LOG_HEAD as u64, &frame), LogFrame::Bad(_)));
        for at in 4..frame.len() {
            let mut flipped = frame.clone();
            flipped[at] ^= 1;
            assert!(matches!(open_log_frame(&keys, &head, LOG_HEAD as u64, &flipped), LogFrame::Bad(_)), "{at}");
        }
        assert!(log_base(&frame).is_err());
    }

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
