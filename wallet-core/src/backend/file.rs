//! The encrypted file backend: a folder of sealed records (format in `docs/file-format.md`).
//!
//! ```text
//! WALLET/               0700
//!   wallet.header       format version, KDF parameters and salt, the wrapped data key, a checksum
//!   wallet.index        sealed snapshot of every (kind, name): with the log, what `list` reads
//!   wallet.ilog         (version 2) sealed changes since the snapshot, one frame per write
//!   wallet.lock         writers' lock; holds a sealed journal entry while one is at work
//!   records/            0700
//!     <64 hex>          one sealed record; the name is a keyed MAC of kind and name
//! ```
//!
//! - **Keys.** The passphrase goes through Argon2id (parameters in the header) to a
//!   key-encryption key that wraps a random 256-bit data key. Changing the passphrase re-wraps
//!   that one key. Each write of a file derives its own AES-256-GCM key with HKDF-SHA256 from the
//!   data key and a fresh random 256-bit salt, so no AES key ever seals more than two messages
//!   and the 2^32 random-nonce limit of one GCM key cannot be reached however many writes a
//!   wallet sees.
//! - **Reads.** `get` reads one file and opens one box; `list` answers from the decoded index,
//!   which a handle keeps in memory and brings up to date from the files' heads (see `index.rs`).
//! - **Writes.** A writer takes `wallet.lock` (`File::lock`), settles any journal a crashed
//!   writer left, evaluates compare-and-swap against the record on disk, and replaces files
//!   atomically (temp file, fsync, rename, fsync the folder). A change of which records exist
//!   appends one frame to the index log (version 1: rewrites the index).
//! - **Batches.** `put_batch` checks every expectation, then stores the sealed records in the
//!   journal as a redo record (the commit point), writes them, changes the index once, and
//!   flushes everything with one `syncfs` (Linux). A crash after the commit point is finished
//!   by whoever settles next; so a batch is all there or not at all.
//! - **Crash safety.** Before a write that changes which records exist, the writer stores the
//!   record's key (sealed) in `wallet.lock` and fsyncs it; then it writes or removes the record,
//!   then changes the index. A crash at any point leaves a journal naming the one record whose
//!   index entry may be out of step; the next writer (or a `list` that finds the lock free)
//!   looks at that record file and corrects the index. A journal torn by the crash itself
//!   cannot be opened, and then the index is rebuilt from the records' sealed labels.

mod format;
mod fsutil;
mod index;
mod provider;
#[cfg(test)]
mod tests;

#[cfg(feature = "fuzzing")]
pub(crate) use format::fuzz as format_fuzz;
pub use provider::FileProvider;

use super::keychain::{self, KeychainError, KeychainStore};
use super::{
    check_distinct, Backend, BackendError, BatchPut, Capabilities, Expect, OpenOptions, Passphrase, RecordKey, Unlock,
    Version, Versioned,
};
use crate::atomic_file::{self, write_atomic, AtomicWrite, PRIVATE_FILE_MODE};
use crate::backend::memory::check_expect;
use crate::error::{Error, FormatError, Result};
use format::{Fault, Header, HeaderUnlock, Index, IndexOp, Keys, RecordId};
use fsutil::{Context as _, PathError, WriterLock};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use zeroize::Zeroizing;

/// The wallet format version this build writes (it reads this one and version 1).
pub const FORMAT_VERSION: u16 = format::FORMAT_VERSION;

const HEADER_FILE: &str = "wallet.header";
const INDEX_FILE: &str = "wallet.index";
const LOG_FILE: &str = "wallet.ilog";
const LOCK_FILE: &str = "wallet.lock";
const RECORDS_DIR: &str = "records";

/// Argon2id parameters, stored in the wallet header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Iterations.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl Default for KdfParams {
    /// RFC 9106's second recommended option: 64 MiB, 3 passes, 4 lanes.
    fn default() -> Self {
        Self { m_cost_kib: 64 * 1024, t_cost: 3, p_cost: 4 }
    }
}

impl KdfParams {
    /// The most memory a header may ask for (1 GiB), so a hostile header cannot exhaust memory.
    pub const MAX_M_COST_KIB: u32 = 1024 * 1024;
    /// The most passes a header may ask for.
    pub const MAX_T_COST: u32 = 10;
    /// The most lanes a header may ask for.
    pub const MAX_P_COST: u32 = 16;

    /// Check the parameters against Argon2's minimums and this build's maximums.
    pub fn validate(&self) -> Result<()> {
        self.check().map_err(Error::Unsupported)
    }

    fn check(&self) -> std::result::Result<(), String> {
        let Self { m_cost_kib: m, t_cost: t, p_cost: p } = *self;
        if !(1..=Self::MAX_P_COST).contains(&p) {
            return Err(format!("Argon2id lanes {p} outside 1..={}", Self::MAX_P_COST));
        }
        if !(1..=Self::MAX_T_COST).contains(&t) {
            return Err(format!("Argon2id passes {t} outside 1..={}", Self::MAX_T_COST));
        }
        if m < 8 * p || m > Self::MAX_M_COST_KIB {
            return Err(format!("Argon2id memory {m} KiB outside {}..={} KiB", 8 * p, Self::MAX_M_COST_KIB));
        }
        Ok(())
    }
}

/// What [`FileBackend::rebuild_index`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebuildReport {
    /// Records now in the index.
    pub indexed: usize,
    /// Record files that could not be opened (damaged, or not of this wallet). Those the old
    /// index named stay listed, so `get` reports them and `delete` can remove them.
    pub unreadable: Vec<PathBuf>,
    /// Of those, the ones the old index named: (kind, name, file), so a report can say which
    /// identity or CA record is damaged.
    pub named: Vec<(String, String, PathBuf)>,
}

/// A wallet folder of encrypted records.
pub struct FileBackend {
    dir: PathBuf,
    records: PathBuf,
    keys: Keys,
    /// The folder's format version (from its header).
    version: u16,
    /// The last index read or written, with where in the files it was read up to.
    index_cache: Mutex<Option<index::IndexState>>,
    /// Whether temporary files left by crashed writers were swept since this handle opened.
    swept: AtomicBool,
}

impl std::fmt::Debug for FileBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileBackend").field("dir", &self.dir).field("keys", &"<redacted>").finish()
    }
}

impl From<PathError> for Error {
    fn from(e: PathError) -> Self {
        BackendError::Io { context: e.context, path: e.path, source: e.source }.into()
    }
}

fn require_passphrase<'a>(options: &'a OpenOptions, dir: &Path) -> Result<&'a Passphrase> {
    match &options.passphrase {
        Some(p) if !p.expose().is_empty() => Ok(p),
        _ => Err(BackendError::PassphraseRequired { location: dir.display().to_string() }.into()),
    }
}

/// How a header about to be written wraps the data key: a passphrase, or a key already stored
/// in the keychain (deleted again by [`discard`](Wrapping::discard) if the header is not
/// written).
enum Wrapping<'a> {
    Passphrase(&'a Passphrase, KdfParams),
    Keychain { store: KeychainStore, entry: [u8; 16], kek: format::Key },
}

impl<'a> Wrapping<'a> {
    /// Check `options` for the unlock they ask for; for the keychain, make the key and store
    /// it there (before anything else is written, so a missing keychain changes nothing).
    fn prepare(options: &'a OpenOptions, dir: &Path, kdf_if_unset: KdfParams) -> Result<Self> {
        match options.unlock {
            Unlock::Keychain(store) => {
                let mut entry = [0u8; 16];
                rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut entry);
                let kek = format::random_key();
                keychain::store_unlock_key(store, &hex::encode(entry), &kek)?;
                Ok(Self::Keychain { store, entry, kek })
            }
            _ => {
                let passphrase = require_passphrase(options, dir)?;
                let kdf = options.kdf.unwrap_or(kdf_if_unset);
                kdf.validate()?;
                Ok(Self::Passphrase(passphrase, kdf))
            }
        }
    }

    fn seal(&self, version: u16, data_key: &[u8; 32]) -> Header {
        match self {
            Self::Passphrase(passphrase, kdf) => Header::seal(version, *kdf, passphrase.expose(), data_key),
            Self::Keychain { store, entry, kek } => Header::seal_keychain(version, *store, *entry, kek, data_key),
        }
    }

    /// The header was not written: forget the keychain key made for it.
    fn discard(&self) {
        if let Self::Keychain { store, entry, .. } = self {
            let _ = keychain::delete_unlock_key(*store, &hex::encode(entry));
        }
    }
}

/// The data key of a header, unwrapped with the passphrase or the key in the keychain.
fn unwrap_data_key(header: &Header, options: &OpenOptions, dir: &Path) -> Result<format::Key> {
    match &header.unlock {
        HeaderUnlock::Passphrase { .. } => {
            let passphrase = require_passphrase(options, dir)?;
            header
                .unwrap(passphrase.expose())
                .ok_or_else(|| BackendError::WrongPassphrase { location: dir.display().to_string() }.into())
        }
        HeaderUnlock::Keychain { store, entry } => {
            let entry = hex::encode(entry);
            let what = format!("the key that unlocks wallet {}", dir.display());
            let kek = keychain::load_unlock_key(*store, &entry, &what)?;
            header.unwrap_with(&kek).ok_or_else(|| KeychainError::EntryDamaged { store: *store, entry, what }.into())
        }
    }
}

fn header_error(fault: Fault, path: &Path) -> Error {
    match fault {
        Fault::Corrupt(detail) => BackendError::HeaderDamaged { path: path.display().to_string(), detail }.into(),
        Fault::Version(found) => FormatError::UnsupportedVersion {
            what: format!("file wallet format ({})", path.display()),
            found: found.to_string(),
            supported: (format::OLDEST_FORMAT_VERSION..=FORMAT_VERSION)
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        }
        .into(),
        Fault::Limits(detail) => BackendError::ExcessiveCost { location: path.display().to_string(), detail }.into(),
    }
}

fn fault_detail(fault: Fault) -> String {
    match fault {
        Fault::Corrupt(detail) | Fault::Limits(detail) => detail,
        Fault::Version(v) => format!("unknown format version {v}"),
    }
}

/// Refuse to scatter a wallet into a folder that holds other things. Leftovers of a create
/// that crashed before its header was written are ours and may be reused.
fn check_no_foreign_files(dir: &Path) -> Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e).at("reading folder", dir).map_err(Into::into),
    };
    let foreign = |what: String| -> Error {
        BackendError::unavailable(
            "file",
            format!("{} holds {what} but no wallet; create the wallet in a new or empty folder", dir.display()),
        )
        .into()
    };
    for entry in entries {
        let entry = entry.at("reading folder", dir)?;
        let name = entry.file_name();
        if fsutil::is_temp_name(&name) || name == LOCK_FILE || name == INDEX_FILE || name == LOG_FILE {
            continue;
        }
        if name == RECORDS_DIR {
            let records = entry.path();
            for inner in fs::read_dir(&records).at("reading folder", &records)? {
                let inner = inner.at("reading folder", &records)?;
                if !fsutil::is_temp_name(&inner.file_name()) {
                    return Err(foreign(format!("records of another wallet ({})", inner.path().display())));
                }
            }
            continue;
        }
        return Err(foreign(format!("{name:?}")));
    }
    Ok(())
}

#[cfg(test)]
thread_local! {
    /// A step at which the next write on this thread stops as if the process died there.
    static CRASH_AT: std::cell::Cell<Option<&'static str>> = const { std::cell::Cell::new(None) };
    /// How many times that step is passed first.
    static CRASH_SKIP: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
}

/// In tests (of this crate): make writes on this thread stop at `step` (`None`: never), after
/// passing it `skip` times.
#[cfg(test)]
pub(crate) fn crash_at(step: Option<&'static str>, skip: u32) {
    CRASH_AT.with(|c| c.set(step));
    CRASH_SKIP.with(|c| c.set(skip));
}

/// In tests, stop a write at a named step, leaving the disk (and the journal) as a crash would.
fn crash_point(_step: &'static str) -> Result<()> {
    #[cfg(test)]
    if CRASH_AT.with(|c| c.get()) == Some(_step) {
        let skip = CRASH_SKIP.with(|c| c.get());
        if skip > 0 {
            CRASH_SKIP.with(|c| c.set(skip - 1));
            return Ok(());
        }
        return Err(BackendError::unavailable("file", format!("simulated crash at {_step}")).into());
    }
    Ok(())
}

fn parse_record_id(name: &std::ffi::OsStr) -> Option<RecordId> {
    let name = name.to_str()?;
    let mut id = [0u8; 32];
    hex::decode_to_slice(name, &mut id).ok()?;
    (hex::encode(id) == name).then_some(id)
}

impl FileBackend {
    /// Create a new wallet folder (and missing parents) protected by `options.passphrase`, with
    /// `options.kdf` or the default Argon2id parameters. The folder may exist if it is empty.
    pub fn create(dir: &Path, options: &OpenOptions) -> Result<Self> {
        let header_path = dir.join(HEADER_FILE);
        // "wallet \"mywallet\" already exists in /home/me"
        let already_exists = || Error::AlreadyExists {
            kind: "wallet",
            name: dir.file_name().map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into_owned()),
            location: match dir.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent.display().to_string(),
                _ => ".".into(),
            },
        };
        if header_path.exists() {
            return Err(already_exists());
        }
        check_no_foreign_files(dir)?;
        let wrapping = Wrapping::prepare(options, dir, KdfParams::default())?;
        let made = Self::create_with(dir, &wrapping, already_exists);
        if made.is_err() {
            wrapping.discard();
        }
        made
    }

    fn create_with(dir: &Path, wrapping: &Wrapping<'_>, already_exists: impl Fn() -> Error) -> Result<Self> {
        let header_path = dir.join(HEADER_FILE);
        fsutil::create_private_dir(dir)?;
        let records = dir.join(RECORDS_DIR);
        fsutil::create_private_dir(&records)?;
        let mut lock = WriterLock::acquire(&dir.join(LOCK_FILE))?;
        if header_path.exists() {
            return Err(already_exists());
        }
        let backend = Self::unlocked(dir, Keys::new(format::random_key()), FORMAT_VERSION);
        backend.sweep(&lock)?;
        lock.clear_journal()?;
        // The index first, the header last: a wallet exists once its header does.
        backend.store_index(Index::default(), 1)?;
        let header = wrapping.seal(FORMAT_VERSION, backend.keys.data_key());
        write_atomic(&dir.join(HEADER_FILE), &header.encode(), PRIVATE_FILE_MODE)?;
        Ok(backend)
    }

    /// Open an existing wallet folder with `options.passphrase` (one Argon2id derivation with
    /// the parameters in its header; `options.kdf` is not used).
    pub fn open(dir: &Path, options: &OpenOptions) -> Result<Self> {
        let header_path = dir.join(HEADER_FILE);
        let bytes = match fs::read(&header_path) {
            Ok(bytes) => bytes,
            Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => {
                return Err(BackendError::NoStore { location: dir.display().to_string() }.into())
            }
            Err(e) => return Err(e).at("reading", &header_path).map_err(Into::into),
        };
        // A passphrase wallet without a passphrase says so before its header is looked at.
        if bytes.get(10) != Some(&2) {
            require_passphrase(options, dir)?;
        }
        let header = Header::decode(&bytes).map_err(|f| header_error(f, &header_path))?;
        let data_key = unwrap_data_key(&header, options, dir)?;
        let backend = Self::unlocked(dir, Keys::new(data_key), header.version);
        backend.tidy_if_idle();
        Ok(backend)
    }

    fn unlocked(dir: &Path, keys: Keys, version: u16) -> Self {
        Self {
            dir: dir.to_owned(),
            records: dir.join(RECORDS_DIR),
            keys,
            version,
            index_cache: Mutex::new(None),
            swept: AtomicBool::new(false),
        }
    }

    /// The wallet folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Change the passphrase: re-wrap the data key under `new` (the records are not
    /// rewritten); a keychain-unlocked wallet becomes a passphrase one. Through
    /// [`FileProvider`]'s `change_unlock` for callers that hold a `dyn Backend`.
    pub fn change_passphrase(&self, new: &Passphrase) -> Result<()> {
        self.change_unlock(&OpenOptions::new().with_passphrase(new.clone()))
    }

    /// Switch how the wallet is unlocked to `new.unlock`: a passphrase (`new.passphrase`,
    /// Argon2id with `new.kdf`, else the current parameters) or a fresh key in the keychain.
    /// Only the header is rewritten, the data key and the records stay. The new keychain key
    /// is stored before the header names it; the old keychain entry, if any, is deleted once
    /// the new header is durable.
    pub fn change_unlock(&self, new: &OpenOptions) -> Result<()> {
        if new.unlock == Unlock::Passphrase {
            require_passphrase(new, &self.dir)?;
        }
        let _lock = self.lock()?;
        let path = self.dir.join(HEADER_FILE);
        let current = Header::decode(&fs::read(&path).at("reading", &path)?).map_err(|f| header_error(f, &path))?;
        // Proves the folder still holds the wallet this handle unlocked before its key is
        // written over: only the right data key opens the index.
        self.with_index(|_| ())?;
        let kdf = match current.unlock {
            HeaderUnlock::Passphrase { kdf, .. } => kdf,
            HeaderUnlock::Keychain { .. } => KdfParams::default(),
        };
        let wrapping = Wrapping::prepare(new, &self.dir, kdf)?;
        let header = wrapping.seal(current.version, self.keys.data_key());
        if let Err(e) = write_atomic(&path, &header.encode(), PRIVATE_FILE_MODE) {
            wrapping.discard();
            return Err(e);
        }
        if let HeaderUnlock::Keychain { store, entry } = current.unlock {
            // The header no longer names it; if the keychain refuses now, the entry is an
            // orphan that opens nothing (`docs/keychain.md`).
            let _ = keychain::delete_unlock_key(store, &hex::encode(entry));
        }
        Ok(())
    }

    /// How the wallet is unlocked now: [`Unlock::Passphrase`] or the keychain that holds its key.
    pub fn unlock_method(&self) -> Result<Unlock> {
        let path = self.dir.join(HEADER_FILE);
        let header = Header::decode(&fs::read(&path).at("reading", &path)?).map_err(|f| header_error(f, &path))?;
        Ok(match header.unlock {
            HeaderUnlock::Passphrase { .. } => Unlock::Passphrase,
            HeaderUnlock::Keychain { store, .. } => Unlock::Keychain(store),
        })
    }

    /// Rebuild the index from the records themselves (each record carries its sealed kind and
    /// name). For a damaged or deleted `wallet.index`; runs under the writer lock.
    pub fn rebuild_index(&self) -> Result<RebuildReport> {
        let mut lock = WriterLock::acquire(&self.lock_path())?;
        self.sweep(&lock)?;
        fsutil::sweep_temp_files(&self.records)?;
        // A batch a writer crashed in is finished first, so the rebuild sees all of it.
        let entry = lock.read_journal()?;
        if format::is_batch_journal(&entry) {
            if let Ok(records) = format::open_batch_journal(&self.keys, entry) {
                let paths = self.write_batch_records(&records)?;
                fsutil::sync_written(&self.records, &paths)?;
            }
        }
        let report = self.rebuild_locked()?;
        lock.clear_journal_durably()?;
        Ok(report)
    }

    fn lock_path(&self) -> PathBuf {
        self.dir.join(LOCK_FILE)
    }

    fn record_path(&self, id: &RecordId) -> PathBuf {
        self.records.join(hex::encode(id))
    }

    fn record_error(&self, key: &RecordKey, fault: Fault) -> Error {
        BackendError::Integrity {
            record: format!("{key} in wallet {}", self.dir.display()),
            detail: fault_detail(fault),
        }
        .into()
    }

    fn index_error(&self, detail: impl Into<String>) -> Error {
        BackendError::IndexDamaged {
            record: format!("wallet index {}", self.dir.join(INDEX_FILE).display()),
            detail: detail.into(),
        }
        .into()
    }

    /// Take the writer lock and bring the folder to a consistent state first.
    fn lock(&self) -> Result<WriterLock> {
        let mut lock = WriterLock::acquire(&self.lock_path())?;
        self.settle(&mut lock)?;
        if !self.swept.load(Ordering::Relaxed) {
            self.sweep(&lock)?;
        }
        Ok(lock)
    }

    /// Remove temp files of crashed writers; the lock proves no writer is at work. Writers
    /// make their temp files in the wallet folder, so only that (small) folder is read;
    /// `records/` is swept by [`rebuild_index`](Self::rebuild_index), for leftovers of
    /// versions that made them there.
    fn sweep(&self, _held: &WriterLock) -> Result<()> {
        fsutil::sweep_temp_files(&self.dir)?;
        self.swept.store(true, Ordering::Relaxed);
        Ok(())
    }

    /// At open: settle and sweep if no writer is at work. Best effort (the folder may be
    /// read-only); whatever fails here is met again, and reported, by the next write.
    fn tidy_if_idle(&self) {
        if let Ok(Some(mut lock)) = WriterLock::try_acquire(&self.lock_path()) {
            if self.settle(&mut lock).is_ok() {
                let _ = self.sweep(&lock);
            }
        }
    }

    /// If a writer crashed (a journal entry remains and no one holds the lock), settle it now,
    /// so `list` never shows a record the crash left half-added or half-removed.
    fn settle_if_stale(&self) -> Result<()> {
        match fs::metadata(self.lock_path()) {
            Ok(meta) if meta.len() > 0 => {}
            _ => return Ok(()),
        }
        match WriterLock::try_acquire(&self.lock_path()) {
            Ok(Some(mut lock)) => self.settle(&mut lock),
            // A writer is at work: the index is the state before its change.
            Ok(None) => Ok(()),
            // Cannot take the lock (read-only folder): serve the index as it is.
            Err(_) => Ok(()),
        }
    }

    /// Finish the change a crashed writer's journal names: make the index agree with whether
    /// that record's file exists. A torn journal names nothing, so rebuild the whole index.
    fn settle(&self, lock: &mut WriterLock) -> Result<()> {
        let entry = lock.read_journal()?;
        if entry.is_empty() {
            return Ok(());
        }
        if format::is_batch_journal(&entry) {
            return match format::open_batch_journal(&self.keys, entry) {
                // The journal is whole, so the batch committed: write all of it again.
                Ok(records) => self.apply_batch(lock, &records, None),
                // Torn while it was being written: no record of the batch was touched yet.
                Err(_) => {
                    self.rebuild_locked()?;
                    lock.clear_journal_durably().map_err(Into::into)
                }
            };
        }
        match format::open_journal(&self.keys, entry) {
            Ok((kind, name)) => {
                let path = self.record_path(&self.keys.record_id(&kind, &name));
                let exists = match fs::symlink_metadata(&path) {
                    Ok(_) => true,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => false,
                    Err(e) => return Err(e).at("checking", &path).map_err(Into::into),
                };
                if self.with_index(|index| index.contains(&kind, &name))? != exists {
                    let op = if exists { IndexOp::Add } else { IndexOp::Remove };
                    self.change_index(&[(op, &kind, &name)], true)?;
                }
            }
            Err(_) => {
                self.rebuild_locked()?;
            }
        }
        lock.clear_journal()?;
        Ok(())
    }

    fn rebuild_locked(&self) -> Result<RebuildReport> {
        let mut fresh = Index::default();
        let mut unreadable = Vec::new();
        let mut unreadable_ids = std::collections::HashSet::new();
        for entry in fs::read_dir(&self.records).at("reading folder", &self.records)? {
            let entry = entry.at("reading folder", &self.records)?;
            let name = entry.file_name();
            if fsutil::is_temp_name(&name) {
                continue;
            }
            let path = entry.path();
            let Some(id) = parse_record_id(&name) else {
                unreadable.push(path);
                continue;
            };
            let bytes = fs::read(&path).at("reading record", &path)?;
            match format::open_record_label(&self.keys, &id, &bytes) {
                Ok((kind, name)) => {
                    fresh.insert(&kind, &name);
                }
                Err(_) => {
                    unreadable.push(path);
                    unreadable_ids.insert(id);
                }
            }
        }
        let kept: Vec<(String, String)> = self
            .with_index(|old| {
                old.iter()
                    .filter(|(kind, name)| unreadable_ids.contains(&self.keys.record_id(kind, name)))
                    .map(|(kind, name)| (kind.to_owned(), name.to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        for (kind, name) in &kept {
            fresh.insert(kind, name);
        }
        unreadable.sort();
        let mut named: Vec<(String, String, PathBuf)> = kept
            .into_iter()
            .map(|(kind, name)| {
                let path = self.record_path(&self.keys.record_id(&kind, &name));
                (kind, name, path)
            })
            .collect();
        named.sort();
        let indexed = fresh.len();
        let generation = self.last_generation() + 1;
        self.store_index(fresh, generation)?;
        Ok(RebuildReport { indexed, unreadable, named })
    }

    /// The version of the record on disk, for compare-and-swap. A damaged record cannot prove
    /// its version: that fails `Expect::Version`, but `Any` may overwrite or delete it.
    fn current_version(&self, key: &RecordKey, id: &RecordId, expect: Expect) -> Result<Option<Version>> {
        let path = self.record_path(id);
        let bytes = match fs::read(&path) {
            Ok(bytes) => Zeroizing::new(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).at("reading record", &path).map_err(Into::into),
        };
        let claimed = format::unauthenticated_version(&bytes);
        match format::open_record_value(&self.keys, id, &key.kind, &key.name, bytes) {
            Ok((version, _)) => Ok(Some(version)),
            Err(fault) if matches!(expect, Expect::Version(_)) => Err(self.record_error(key, fault)),
            Err(_) => Ok(Some(claimed.unwrap_or(0))),
        }
    }
}

impl FileBackend {
    /// How a record file is replaced: 0600, with its temp file in the wallet folder (on the same
    /// file system), so that the sweep of crash leftovers reads that small folder, not
    /// `records/` with its 300,000 entries.
    fn record_writer(&self) -> AtomicWrite<'_> {
        AtomicWrite::new(PRIVATE_FILE_MODE).temp_in(&self.dir)
    }

    /// Write (again) every record of a batch whose journal is durable, each file replaced
    /// atomically but not yet synced; returns their paths for [`fsutil::sync_written`].
    fn write_batch_records(&self, records: &[format::BatchEntry]) -> Result<Vec<PathBuf>> {
        let mut paths = Vec::with_capacity(records.len());
        for (i, (kind, name, file)) in records.iter().enumerate() {
            if i == records.len() / 2 {
                crash_point("batch: half the records written")?;
            }
            let path = self.records.join(hex::encode(self.keys.record_id(kind, name)));
            self.record_writer().unsynced().write(&path, file)?;
            paths.push(path);
        }
        crash_point("batch: records written")?;
        Ok(paths)
    }

    /// Apply a batch whose journal is durable: its records, then the index, one flush of all
    /// of it, then clear the journal. Also how a batch a writer crashed in is finished (all of it is written again).
    /// `created` tells which records are new; `None` (finishing a crashed batch): any may be.
    fn apply_batch(
        &self,
        lock: &mut WriterLock,
        records: &[format::BatchEntry],
        created: Option<&[bool]>,
    ) -> Result<()> {
        let paths = self.write_batch_records(records)?;
        let ops: Vec<_> = records
            .iter()
            .enumerate()
            .filter(|(i, _)| created.is_none_or(|c| c[*i]))
            .map(|(_, (kind, name, _))| (IndexOp::Add, kind.as_str(), name.as_str()))
            .collect();
        // The index is synced with the records just below (a snapshot is synced on its own).
        self.change_index(&ops, false)?;
        crash_point("batch: index written")?;
        fsutil::sync_written(&self.records, &paths)?;
        crash_point("batch: synced")?;
        lock.clear_journal_durably()?;
        Ok(())
    }
}

impl Backend for FileBackend {
    fn location(&self) -> String {
        self.dir.display().to_string()
    }

    fn capabilities(&self) -> Capabilities {
        provider::CAPABILITIES
    }

    fn get(&self, key: &RecordKey) -> Result<Option<Versioned>> {
        let id = self.keys.record_id(&key.kind, &key.name);
        let path = self.record_path(&id);
        let bytes = match fs::read(&path) {
            Ok(bytes) => Zeroizing::new(bytes),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).at("reading record", &path).map_err(Into::into),
        };
        let (version, value) = format::open_record_value(&self.keys, &id, &key.kind, &key.name, bytes)
            .map_err(|f| self.record_error(key, f))?;
        Ok(Some(Versioned { value, version }))
    }

    fn put(&self, key: &RecordKey, value: &[u8], expect: Expect) -> Result<Version> {
        let mut lock = self.lock()?;
        let id = self.keys.record_id(&key.kind, &key.name);
        let current = self.current_version(key, &id, expect)?;
        check_expect(key, current, expect, &self.location())?;
        let version = current.map_or(1, |v| v.saturating_add(1));
        // A new record is a new index entry (the index names what exists: a writer settles a
        // crashed one's journal before it goes on).
        let adds = current.is_none();
        if adds {
            lock.write_journal(&format::seal_journal(&self.keys, &key.kind, &key.name))?;
            crash_point("put: journal written")?;
        }
        let sealed = format::seal_record(&self.keys, &id, key, version, value);
        self.record_writer().write(&self.records.join(hex::encode(id)), &sealed)?;
        crash_point("put: record written")?;
        if adds {
            self.change_index(&[(IndexOp::Add, &key.kind, &key.name)], true)?;
            crash_point("put: index written")?;
            lock.clear_journal()?;
        }
        Ok(version)
    }

    /// Atomic and crash-safe: under the writer lock, every expectation is checked, every record
    /// sealed, and the sealed files written to the journal (a redo record) and fsynced before
    /// any record file is touched. Then the files are written, synced, and the index rewritten
    /// once. After a crash, a whole journal is applied again in full; a torn one means no
    /// record was touched.
    fn put_batch(&self, writes: &[BatchPut<'_>]) -> Result<Vec<Version>> {
        check_distinct(writes)?;
        match writes {
            [] => return Ok(Vec::new()),
            [one] => return Ok(vec![self.put(one.key, one.value, one.expect)?]),
            _ => {}
        }
        let mut lock = self.lock()?;
        let location = self.location();
        let mut records = Vec::with_capacity(writes.len());
        let mut versions = Vec::with_capacity(writes.len());
        let mut created = Vec::with_capacity(writes.len());
        for w in writes {
            let id = self.keys.record_id(&w.key.kind, &w.key.name);
            let current = self.current_version(w.key, &id, w.expect)?;
            check_expect(w.key, current, w.expect, &location)?;
            created.push(current.is_none());
            let version = current.map_or(1, |v| v.saturating_add(1));
            versions.push(version);
            records.push((
                w.key.kind.clone(),
                w.key.name.clone(),
                format::seal_record(&self.keys, &id, w.key, version, w.value),
            ));
        }
        crash_point("batch: expectations checked")?;
        lock.write_journal(&format::seal_batch_journal(&self.keys, &records))?;
        crash_point("batch: journal written")?;
        self.apply_batch(&mut lock, &records, Some(&created))?;
        Ok(versions)
    }

    fn delete(&self, key: &RecordKey, expect: Expect) -> Result<bool> {
        if expect == Expect::Absent {
            return Err(BackendError::Unsupported("delete with Expect::Absent".into()).into());
        }
        let mut lock = self.lock()?;
        let id = self.keys.record_id(&key.kind, &key.name);
        let current = self.current_version(key, &id, expect)?;
        check_expect(key, current, expect, &self.location())?;
        if current.is_none() {
            return Ok(false);
        }
        lock.write_journal(&format::seal_journal(&self.keys, &key.kind, &key.name))?;
        crash_point("delete: journal written")?;
        let path = self.record_path(&id);
        fs::remove_file(&path).at("removing record", &path)?;
        atomic_file::sync_dir(&self.records)?;
        crash_point("delete: record removed")?;
        self.change_index(&[(IndexOp::Remove, &key.kind, &key.name)], true)?;
        crash_point("delete: index written")?;
        lock.clear_journal()?;
        Ok(true)
    }

    fn list(&self, kind: &str, prefix: &str) -> Result<Vec<String>> {
        self.settle_if_stale()?;
        self.with_index(|index| index.list(kind, prefix))
    }
}
