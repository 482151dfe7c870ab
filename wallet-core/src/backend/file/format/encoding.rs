//! The encoding every file of the wallet uses for strings: `str(s)` = `u32 length ‖ UTF-8
//! bytes`, big-endian, and a record key as `str(kind) ‖ str(name)`.

use super::{corrupt, Fallible};

/// `u32 len ‖ kind ‖ u32 len ‖ name`, the unambiguous encoding of a record key.
pub(super) fn encode_key(kind: &str, name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + kind.len() + name.len());
    put_str(&mut out, kind);
    put_str(&mut out, name);
    out
}

pub(super) fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&u32::try_from(s.len()).expect("strings in a wallet are shorter than 4 GiB").to_be_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// A cursor over decrypted, already-authenticated bytes.
pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(super) fn u32(&mut self) -> Fallible<u32> {
        let Some((head, rest)) = self.bytes.split_first_chunk::<4>() else {
            return corrupt("ends in the middle of a length");
        };
        self.bytes = rest;
        Ok(u32::from_be_bytes(*head))
    }

    pub(super) fn str(&mut self) -> Fallible<&'a str> {
        let len = self.u32()? as usize;
        if self.bytes.len() < len {
            return corrupt("ends in the middle of a string");
        }
        let (s, rest) = self.bytes.split_at(len);
        self.bytes = rest;
        std::str::from_utf8(s).or_else(|_| corrupt("holds a string that is not UTF-8"))
    }
}

pub(super) fn decode_key(bytes: &[u8]) -> Fallible<(String, String)> {
    let mut r = Reader { bytes };
    let kind = r.str()?.to_owned();
    let name = r.str()?.to_owned();
    if !r.bytes.is_empty() {
        return corrupt("has bytes after the record key");
    }
    Ok((kind, name))
}
