//! The index on disk: `wallet.index`, a sealed snapshot of every key, and (format version 2)
//! `wallet.ilog`, sealed frames of the changes made since that snapshot, appended one per
//! write. A change costs one small append instead of rewriting the whole index, so it costs
//! the same in a wallet of 100 records or of 300,000. When the log grows past the snapshot's
//! size (at least 1 MiB) or holds [`frame_limit`] frames, the next change writes a new snapshot
//! and starts an empty log: the rewrites cost O(1) per change on average, and reading the
//! index from scratch stays O(records).
//!
//! A writer that has not read the index appends its changes without reading the snapshot: a
//! change is "add" or "remove" of a key, which means the same whatever the index held, so a
//! create in a freshly opened 100,000-identity wallet reads the snapshot's head and the log,
//! not the whole snapshot.
//!
//! A version-1 wallet has no log: every change rewrites the snapshot, as version 1 did.

use super::format::{self, Index, IndexOp, IndexStamp, LogFrame, LOG_HEAD};
use super::fsutil::Context as _;
use super::{FileBackend, INDEX_FILE, LOG_FILE};
use crate::atomic_file::{write_atomic, PRIVATE_FILE_MODE};
use crate::error::{Error, Result};
use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};

/// The most frames a log of a small snapshot holds before the next change writes a new
/// snapshot: bounds the work of opening a log of many single writes (one key derivation per
/// frame). Small in this crate's tests, so that they write snapshots often.
pub(super) const MAX_FRAMES: u32 = if cfg!(test) { 8 } else { 1024 };

/// A larger snapshot allows one more frame per this many of its bytes (see [`frame_limit`]).
pub(super) const SNAPSHOT_BYTES_PER_FRAME: u64 = 1024;

/// How many frames the log of a snapshot of `base_len` bytes may hold. With a fixed limit, a
/// wallet of a million identities would rewrite its whole snapshot (tens of MB) every 1,024
/// creates, so a create would cost more the larger the wallet. Growing the limit with the
/// snapshot keeps the rewrites O(1) bytes per change on average, and opening the log stays
/// in proportion to reading the snapshot it belongs to.
pub(super) fn frame_limit(base_len: u64) -> u32 {
    (base_len / SNAPSHOT_BYTES_PER_FRAME).clamp(MAX_FRAMES as u64, u32::MAX as u64) as u32
}

/// The log may grow to the snapshot's size, and at least to this, before a snapshot.
pub(super) const MIN_LOG_BYTES: u64 = if cfg!(test) { 2048 } else { 1 << 20 };

/// The decoded index and which files it came from.
pub(super) struct IndexState {
    /// The snapshot's head.
    stamp: IndexStamp,
    /// The snapshot's size in bytes.
    base_len: u64,
    /// How far the log has been read (format version 2).
    log: Option<LogState>,
    /// The decoded index, if it was asked for: a writer appending to the log does not need it.
    index: Option<Index>,
}

impl IndexState {
    /// Whether the decoded index is held (tests).
    #[cfg(test)]
    pub(super) fn holds_index(&self) -> bool {
        self.index.is_some()
    }
}

struct LogState {
    head: [u8; LOG_HEAD],
    /// The offset after the last whole frame.
    end: u64,
    frames: u32,
}

/// What reading the log found.
enum LogRead {
    Done,
    /// The files changed under the reader in a way it cannot follow: read everything again.
    Reload,
    /// The last frame is unreadable and no journal explains it: look once more (the writer
    /// may have finished it and emptied its journal meanwhile) before calling it damage.
    Recheck,
}

type Ops<'a> = [(IndexOp, &'a str, &'a str)];

impl FileBackend {
    fn uses_log(&self) -> bool {
        self.version >= 2
    }

    /// Run `f` on the current index, read again from disk only as far as it changed.
    pub(super) fn with_index<R>(&self, f: impl FnOnce(&Index) -> R) -> Result<R> {
        let mut cache = self.index_cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Err(e) = self.refresh(&mut cache, true) {
            *cache = None;
            return Err(e);
        }
        Ok(f(cache.as_ref().and_then(|s| s.index.as_ref()).expect("refresh leaves an index")))
    }

    /// Record changes of which records exist (under the writer lock); changes that change
    /// nothing are left out. `durable`: fsync the log now (a batch syncs it with its records).
    pub(super) fn change_index(&self, ops: &Ops<'_>, durable: bool) -> Result<()> {
        let mut cache = self.index_cache.lock().unwrap_or_else(|p| p.into_inner());
        let result = self.change_index_locked(&mut cache, ops, durable);
        if result.is_err() {
            // Memory may be ahead of the disk: read it again next time.
            *cache = None;
        }
        result
    }

    fn change_index_locked(&self, cache: &mut Option<IndexState>, ops: &Ops<'_>, durable: bool) -> Result<()> {
        // Version 1 rewrites the whole index, so it needs it; version 2 appends without it.
        self.refresh(cache, !self.uses_log())?;
        let mut state = cache.take().expect("refresh leaves a state");
        let needed: Vec<_> = match &state.index {
            Some(index) => ops
                .iter()
                .filter(|(op, kind, name)| index.contains(kind, name) == (*op == IndexOp::Remove))
                .copied()
                .collect(),
            None => ops.to_vec(),
        };
        if needed.is_empty() {
            *cache = Some(state);
            return Ok(());
        }
        let appendable = state.log.as_ref().filter(|log| {
            format::log_base(&log.head).ok() == Some(state.stamp) && log.frames < frame_limit(state.base_len)
        });
        if let Some(log) = appendable {
            let frame = format::seal_log_frame(&self.keys, &log.head, log.end, &needed);
            let limit = MIN_LOG_BYTES.max(state.base_len);
            if log.end - LOG_HEAD as u64 + frame.len() as u64 <= limit {
                self.append_frame(log.end, &frame, durable)?;
                let log = state.log.as_mut().expect("checked above");
                log.end += frame.len() as u64;
                log.frames += 1;
                if let Some(index) = &mut state.index {
                    for (op, kind, name) in &needed {
                        index.apply(*op, kind, name);
                    }
                }
                *cache = Some(state);
                return Ok(());
            }
        }
        // A snapshot needs the whole index.
        *cache = Some(state);
        self.refresh(cache, true)?;
        let state = cache.take().expect("refresh leaves a state");
        let mut index = state.index.expect("refreshed with the index");
        for (op, kind, name) in &needed {
            index.apply(*op, kind, name);
        }
        *cache = Some(self.write_snapshot(index, state.stamp.generation + 1)?);
        Ok(())
    }

    fn append_frame(&self, at: u64, frame: &[u8], durable: bool) -> Result<()> {
        let path = self.dir.join(LOG_FILE);
        let mut file = fs::OpenOptions::new().write(true).open(&path).at("opening", &path)?;
        // A frame torn by a crash after `at` is dropped first (it was never part of the index).
        if file.metadata().at("reading", &path)?.len() != at {
            file.set_len(at).at("writing", &path)?;
        }
        file.seek(SeekFrom::Start(at)).at("writing", &path)?;
        file.write_all(frame).at("writing", &path)?;
        if durable {
            file.sync_data().at("syncing", &path)?;
        }
        Ok(())
    }

    /// Write `index` as the snapshot `generation` and start an empty log on it; each file is
    /// replaced atomically and durably, the snapshot first (a log left over from before names
    /// an older snapshot, and replaying it changes nothing: see [`Self::read_log`]).
    pub(super) fn store_index(&self, index: Index, generation: u64) -> Result<()> {
        let state = self.write_snapshot(index, generation)?;
        *self.index_cache.lock().unwrap_or_else(|p| p.into_inner()) = Some(state);
        Ok(())
    }

    fn write_snapshot(&self, index: Index, generation: u64) -> Result<IndexState> {
        let (stamp, bytes) = format::seal_index(&self.keys, generation, &index);
        write_atomic(&self.dir.join(INDEX_FILE), &bytes, PRIVATE_FILE_MODE)?;
        let log = if self.uses_log() {
            let head = format::log_head(&stamp);
            write_atomic(&self.dir.join(LOG_FILE), &head, PRIVATE_FILE_MODE)?;
            Some(LogState { head, end: LOG_HEAD as u64, frames: 0 })
        } else {
            None
        };
        Ok(IndexState { stamp, base_len: bytes.len() as u64, log, index: Some(index) })
    }

    /// The highest generation the snapshot or the log names, if either can be read: a rebuilt
    /// snapshot goes above both.
    pub(super) fn last_generation(&self) -> u64 {
        let read_head = |name: &str| -> Option<Vec<u8>> {
            let mut head = vec![0u8; format::INDEX_HEAD.max(LOG_HEAD)];
            File::open(self.dir.join(name)).and_then(|mut f| f.read_exact(&mut head)).ok()?;
            Some(head)
        };
        let base = read_head(INDEX_FILE).and_then(|h| format::index_stamp(&h).ok()).map(|s| s.generation);
        let log = read_head(LOG_FILE).and_then(|h| format::log_base(&h).ok()).map(|s| s.generation);
        base.into_iter().chain(log).max().unwrap_or(0)
    }

    /// Bring `cache` up to date with the files: the snapshot's head and the log always (every
    /// new frame is authenticated), the decoded index if `full` or if it is already held.
    fn refresh(&self, cache: &mut Option<IndexState>, full: bool) -> Result<()> {
        // A snapshot written between reading the snapshot and the log sends the reader back
        // to the start; a few rounds are enough (snapshots are rare).
        // Round 0 trusts what it finds; later rounds call an unexplained log damage.
        for round in 0..4 {
            let strict = round > 0;
            let (stamp, mut file, path) = self.open_snapshot()?;
            let held = match cache.as_ref() {
                Some(state) if state.stamp == stamp => Some(state.index.is_some()),
                _ => None,
            };
            if held.is_none() || (full && held == Some(false)) {
                let base_len = file.metadata().at("reading", &path)?.len();
                let index = if full {
                    let mut bytes = Vec::with_capacity(base_len as usize);
                    file.seek(SeekFrom::Start(0)).at("reading", &path)?;
                    file.read_to_end(&mut bytes).at("reading", &path)?;
                    let (_, index) =
                        format::open_index(&self.keys, bytes).map_err(|f| self.index_error(super::fault_detail(f)))?;
                    Some(index)
                } else {
                    None
                };
                *cache = Some(IndexState { stamp, base_len, log: None, index });
            }
            if !self.uses_log() {
                return Ok(());
            }
            let state = cache.as_mut().expect("set above");
            match self.read_log(state, strict)? {
                LogRead::Done => return Ok(()),
                LogRead::Reload | LogRead::Recheck => *cache = None,
            }
        }
        Err(self.log_error("it names a newer index than wallet.index, which did not appear (rebuild the index)"))
    }

    /// Open the snapshot and read its head.
    fn open_snapshot(&self) -> Result<(IndexStamp, File, std::path::PathBuf)> {
        let path = self.dir.join(INDEX_FILE);
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(self.index_error("the index file is missing (rebuild it from the records)"))
            }
            Err(e) => return Err(e).at("opening", &path).map_err(Into::into),
        };
        let mut head = [0u8; format::INDEX_HEAD];
        match file.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(self.index_error("truncated: shorter than an index header"))
            }
            Err(e) => return Err(e).at("reading", &path).map_err(Into::into),
        }
        let stamp = format::index_stamp(&head).map_err(|f| self.index_error(super::fault_detail(f)))?;
        Ok((stamp, file, path))
    }

    fn log_error(&self, detail: impl Into<String>) -> Error {
        crate::backend::BackendError::IndexDamaged {
            record: format!("wallet index log {}", self.dir.join(LOG_FILE).display()),
            detail: detail.into(),
        }
        .into()
    }

    /// Apply the frames the log gained since `state` last read it.
    ///
    /// A log normally names the snapshot it was started on. One that names an older snapshot is
    /// left over from a writer that crashed between writing a snapshot and starting the new
    /// log; that snapshot already holds every change of the old log, and replaying changes
    /// whose last word on each key is already in the index changes nothing, so it is read like
    /// any other. One that names a newer snapshot was started after this reader read its
    /// snapshot: read everything again.
    fn read_log(&self, state: &mut IndexState, strict: bool) -> Result<LogRead> {
        let path = self.dir.join(LOG_FILE);
        let mut file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(self.log_error("the index log is missing (rebuild the index from the records)"))
            }
            Err(e) => return Err(e).at("opening", &path).map_err(Into::into),
        };
        let mut head = [0u8; LOG_HEAD];
        match file.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                return Err(self.log_error("truncated: shorter than a log header"))
            }
            Err(e) => return Err(e).at("reading", &path).map_err(Into::into),
        }
        let base = format::log_base(&head).map_err(|f| self.log_error(super::fault_detail(f)))?;
        let start = match &state.log {
            Some(log) if log.head == head => log.end,
            Some(_) => return Ok(LogRead::Reload),
            None if base.generation > state.stamp.generation => return Ok(LogRead::Reload),
            None if base.generation == state.stamp.generation && base != state.stamp => {
                return Err(self.log_error("it belongs to another index"))
            }
            None => LOG_HEAD as u64,
        };
        let len = file.metadata().at("reading", &path)?.len();
        if len < start {
            return Ok(LogRead::Reload);
        }
        let log = state.log.get_or_insert(LogState { head, end: LOG_HEAD as u64, frames: 0 });
        if len == start {
            return Ok(LogRead::Done);
        }
        let mut bytes = Vec::with_capacity((len - start) as usize);
        file.seek(SeekFrom::Start(start)).at("reading", &path)?;
        file.read_to_end(&mut bytes).at("reading", &path)?;
        let mut at = 0usize;
        while at < bytes.len() {
            let offset = start + at as u64;
            let problem = match format::open_log_frame(&self.keys, &head, offset, &bytes[at..]) {
                LogFrame::Whole { len, ops } => {
                    if let Some(index) = &mut state.index {
                        for (op, kind, name) in &ops {
                            index.apply(*op, kind, name);
                        }
                    }
                    at += len;
                    log.end = start + at as u64;
                    log.frames += 1;
                    continue;
                }
                LogFrame::Incomplete => format!("it ends inside the frame at offset {offset}"),
                LogFrame::Bad(detail) => {
                    let frame_len = bytes[at..].first_chunk::<4>().map_or(0, |l| 4 + u32::from_be_bytes(*l) as usize);
                    if at + frame_len < bytes.len() {
                        // Frames follow it: it is not the tail of a write, it is damage.
                        return Err(self.log_error(detail));
                    }
                    detail
                }
            };
            // The last frame is unreadable: a writer is appending it, or crashed while doing
            // so. Either way its journal is in `wallet.lock`, and the frame is not part of the
            // index yet (the writer, or whoever settles its journal, writes the change again).
            // With no journal, it is damage.
            if !self.journal_pending() {
                return if strict { Err(self.log_error(problem)) } else { Ok(LogRead::Recheck) };
            }
            break;
        }
        Ok(LogRead::Done)
    }

    /// Whether `wallet.lock` holds a journal (a writer at work, or one that crashed).
    fn journal_pending(&self) -> bool {
        fs::metadata(self.lock_path()).is_ok_and(|m| m.len() > 0)
    }
}
