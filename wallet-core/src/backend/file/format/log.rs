//! `wallet.ilog` (format version 2): the index log. A head naming the snapshot it extends, then
//! one sealed frame per write that changed which records exist, bound to its log and offset.

use super::encoding::{put_str, Reader};
use super::index::{IndexOp, IndexStamp};
use super::keys::{nonce, tag, Keys, INFO_LOG, TAG_LEN};
use super::{corrupt, random, Fallible, Fault, LAYOUT};
use aes_gcm::aead::AeadInPlace;

const LOG_MAGIC: [u8; 4] = *b"WILG";
/// magic 4 ‖ layout version 2 ‖ generation 8 ‖ salt 32 of the index it was started on.
pub(in crate::backend::file) const LOG_HEAD: usize = 46;
/// length 4 ‖ salt 32 ‖ box (at least a count) ‖ tag 16.
const FRAME_MIN: usize = 4 + 32 + 4 + TAG_LEN;

/// The head of a new, empty index log started on the index `base`.
pub(in crate::backend::file) fn log_head(base: &IndexStamp) -> [u8; LOG_HEAD] {
    let mut head = [0u8; LOG_HEAD];
    head[..4].copy_from_slice(&LOG_MAGIC);
    head[4..6].copy_from_slice(&LAYOUT.to_be_bytes());
    head[6..14].copy_from_slice(&base.generation.to_be_bytes());
    head[14..].copy_from_slice(&base.salt);
    head
}

/// The index a log was started on, from its head.
pub(in crate::backend::file) fn log_base(head: &[u8]) -> Fallible<IndexStamp> {
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
pub(in crate::backend::file) fn seal_log_frame(
    keys: &Keys,
    head: &[u8],
    offset: u64,
    ops: &[(IndexOp, &str, &str)],
) -> Vec<u8> {
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
pub(in crate::backend::file) enum LogFrame {
    /// A whole frame of `len` bytes (length field included) and its changes.
    Whole { len: usize, ops: Vec<(IndexOp, String, String)> },
    /// The bytes end before the frame does: a frame being appended, or torn by a crash.
    Incomplete,
    /// A frame that does not open.
    Bad(String),
}

/// Read the frame at `offset` of the log whose head is `head`; `rest` starts there.
pub(in crate::backend::file) fn open_log_frame(keys: &Keys, head: &[u8], offset: u64, rest: &[u8]) -> LogFrame {
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

pub(super) fn decode_ops(bytes: &[u8]) -> Fallible<Vec<(IndexOp, String, String)>> {
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

#[cfg(test)]
mod tests {
    use super::super::keys::test_keys as keys;
    use super::*;

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
}
