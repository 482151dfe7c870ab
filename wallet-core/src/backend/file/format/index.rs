//! `wallet.index`: every (kind, name) in the wallet, sealed in one box. The whole index in a
//! version-1 wallet; in version 2 a snapshot that the frames of `wallet.ilog` (`log.rs`) extend.
//! Also the in-memory form of the index, which the two files decode into.

use super::encoding::{put_str, Reader};
use super::keys::{nonce, tag, Keys, INFO_INDEX, TAG_LEN};
use super::{corrupt, random, Fallible, LAYOUT};
use aes_gcm::aead::AeadInPlace;
use std::collections::{BTreeMap, BTreeSet};

const INDEX_MAGIC: [u8; 4] = *b"WIDX";
/// magic 4 ‖ format version 2 ‖ generation 8 ‖ salt 32.
pub(in crate::backend::file) const INDEX_HEAD: usize = 46;

/// Every record key in the wallet, by kind, names sorted (byte order). Sets, so that adding
/// or removing one name costs O(log n) whatever the size of the wallet; and, per kind that was
/// listed since it last changed, the names as a sorted array, so that listing again is two
/// binary searches and one copy.
#[derive(Debug, Clone, Default)]
pub(in crate::backend::file) struct Index {
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
    pub(in crate::backend::file) fn contains(&self, kind: &str, name: &str) -> bool {
        self.kinds.get(kind).is_some_and(|names| names.contains(name))
    }

    /// Add a key; false if it was there.
    pub(in crate::backend::file) fn insert(&mut self, kind: &str, name: &str) -> bool {
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
    pub(in crate::backend::file) fn remove(&mut self, kind: &str, name: &str) -> bool {
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
    pub(in crate::backend::file) fn apply(&mut self, op: IndexOp, kind: &str, name: &str) -> bool {
        match op {
            IndexOp::Add => self.insert(kind, name),
            IndexOp::Remove => self.remove(kind, name),
        }
    }

    /// Names of `kind` starting with `prefix`, sorted: names with the prefix are contiguous
    /// from the first name ≥ prefix, so two binary searches in the kind's sorted array (made
    /// once after each change of the kind), then one copy.
    pub(in crate::backend::file) fn list(&self, kind: &str, prefix: &str) -> Vec<String> {
        let Some(names) = self.kinds.get(kind) else { return Vec::new() };
        let mut views = self.views.borrow_mut();
        let view = views.entry(kind.to_owned()).or_insert_with(|| names.iter().cloned().collect());
        let start = view.partition_point(|n| n.as_str() < prefix);
        let len = view[start..].partition_point(|n| n.starts_with(prefix));
        view[start..start + len].to_vec()
    }

    /// All keys, as (kind, name).
    pub(in crate::backend::file) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.kinds.iter().flat_map(|(k, names)| names.iter().map(move |n| (k.as_str(), n.as_str())))
    }

    pub(in crate::backend::file) fn len(&self) -> usize {
        self.kinds.values().map(BTreeSet::len).sum()
    }

    /// `u32 kinds`, then per kind `str kind ‖ u32 count ‖ str name…` (str = u32 length ‖ UTF-8).
    pub(super) fn encode(&self) -> Vec<u8> {
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

    pub(super) fn decode(bytes: &[u8]) -> Fallible<Self> {
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
pub(in crate::backend::file) enum IndexOp {
    Add,
    Remove,
}

/// The plaintext head of an index file: enough to tell whether it changed since it was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::backend::file) struct IndexStamp {
    pub(in crate::backend::file) generation: u64,
    pub(super) salt: [u8; 32],
}

pub(in crate::backend::file) fn index_stamp(head: &[u8]) -> Fallible<IndexStamp> {
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

pub(in crate::backend::file) fn seal_index(keys: &Keys, generation: u64, index: &Index) -> (IndexStamp, Vec<u8>) {
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

pub(in crate::backend::file) fn open_index(keys: &Keys, mut file: Vec<u8>) -> Fallible<(IndexStamp, Index)> {
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

#[cfg(test)]
mod tests {
    use super::super::keys::test_keys as keys;
    use super::super::Fault;
    use super::*;

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
}
