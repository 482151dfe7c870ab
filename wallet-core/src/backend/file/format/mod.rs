//! Byte layouts and cryptography of the file wallet, versions 1 and 2. `docs/file-format.md`
//! is the written form of this module; keep the two in step. One file per section of that
//! document:
//!
//! | file | section of `docs/file-format.md` |
//! | --- | --- |
//! | `encoding.rs` | the `str(s)` encoding every file uses |
//! | `keys.rs` | Key hierarchy: HKDF, per-write AES-256-GCM keys, record ids |
//! | `header.rs` | `wallet.header`: Argon2id parameters and the wrapped data key |
//! | `record.rs` | Records: `records/<hex(record id)>` |
//! | `index.rs` | `wallet.index`: the index (a snapshot in version 2) |
//! | `log.rs` | `wallet.ilog`: the index log (version 2) |
//! | `journal.rs` | Journal: single-record and batch journals in `wallet.lock` |
//!
//! Nothing here touches the file system: every function turns bytes into bytes, so the layouts
//! can be tested (and fuzzed) on their own. The file system side (the Writing section) is
//! `file.rs`, `file/index.rs` and `file/fsutil.rs`.

mod encoding;
#[cfg(feature = "fuzzing")]
pub(crate) mod fuzz;
mod header;
mod index;
mod journal;
mod keys;
mod log;
mod record;

pub(super) use header::{Header, Unlock as HeaderUnlock};
pub(super) use index::{index_stamp, open_index, seal_index, Index, IndexOp, IndexStamp, INDEX_HEAD};
pub(super) use journal::{
    is_batch_journal, open_batch_journal, open_journal, seal_batch_journal, seal_journal, BatchEntry,
};
pub(super) use keys::{random_key, Key, Keys, RecordId};
pub(super) use log::{log_base, log_head, open_log_frame, seal_log_frame, LogFrame, LOG_HEAD};
pub(super) use record::{open_record_label, open_record_value, seal_record, unauthenticated_version};

use rand_core::{OsRng, RngCore};

/// The wallet format version this build writes: the header's version. Version 2 added the
/// index log (`wallet.ilog`); version-1 wallets are read and written as version 1 (the whole
/// index rewritten on each change).
pub(super) const FORMAT_VERSION: u16 = 2;

/// The oldest wallet format version this build reads.
pub(super) const OLDEST_FORMAT_VERSION: u16 = 1;

/// The layout version inside records, the index, journals and the index log. The header's
/// version is the folder's; these files have kept their version-1 layout.
const LAYOUT: u16 = 1;

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
