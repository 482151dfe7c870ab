//! The `file:` scheme: lifecycle and admin of [`FileBackend`] folders.
//!
//! Capabilities: atomic batches (a redo journal under the writer lock), compare-and-swap
//! delete, listing (the index), persistent, shared by processes on one machine (`File::lock`);
//! no value size limit of its own.

use super::{
    crash_point, fsutil, parse_record_id, FileBackend, HEADER_FILE, INDEX_FILE, LOCK_FILE, LOG_FILE, RECORDS_DIR,
};
use crate::backend::provider::downcast;
use crate::backend::{Backend, BackendError, BackendUri, Capabilities, OpenOptions, Provider, RepairReport, Unlock};
use crate::error::Result;
use fsutil::Context as _;
use std::fs;
use std::io;
use std::path::Path;

/// The `file:` provider: `file:PATH`, `file://PATH` or a bare path name a wallet folder.
#[derive(Debug, Clone, Copy, Default)]
pub struct FileProvider;

pub(super) const CAPABILITIES: Capabilities = Capabilities::MINIMAL
    .with_atomic_batch(true)
    .with_cas_delete(true)
    .with_list(true)
    .with_persistent(true)
    .with_shared(true);

impl Provider for FileProvider {
    fn scheme(&self) -> &'static str {
        "file"
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn create(&self, uri: &BackendUri, options: &OpenOptions) -> Result<Box<dyn Backend>> {
        Ok(Box::new(FileBackend::create(&uri.path(), options)?))
    }

    fn open(&self, uri: &BackendUri, options: &OpenOptions) -> Result<Box<dyn Backend>> {
        Ok(Box::new(FileBackend::open(&uri.path(), options)?))
    }

    fn remove(&self, uri: &BackendUri, options: &OpenOptions) -> Result<()> {
        FileBackend::remove(&uri.path(), options)
    }

    /// Re-wraps the data key under `new.passphrase`, or under a fresh key in the keychain
    /// when `new.unlock` says so (the records are not rewritten).
    fn change_unlock(&self, store: &dyn Backend, new: &OpenOptions) -> Result<()> {
        downcast::<FileBackend>(store, "file", "change the passphrase of")?.change_unlock(new)
    }

    /// Rebuilds the index from the records' sealed labels ([`FileBackend::rebuild_index`]).
    fn repair(&self, store: &dyn Backend) -> Result<RepairReport> {
        let store = downcast::<FileBackend>(store, "file", "repair")?;
        let report = store.rebuild_index()?;
        // Name what the index still knows ("identity \"alice\" (PATH)"), else the file alone.
        let shown = report
            .unreadable
            .iter()
            .map(|path| match report.named.iter().find(|(_, _, p)| p == path) {
                Some((kind, name, _)) => format!("{kind} {name:?} ({})", path.display()),
                None => path.display().to_string(),
            })
            .collect();
        Ok(RepairReport::new(report.indexed, shown))
    }
}

impl FileBackend {
    /// Delete the wallet folder `dir`: only with the passphrase that opens it. The header goes
    /// first (durably): from then on the wallet does not exist, and what is left is sealed
    /// under a key nobody has. A crash later leaves such leftovers; removing again (no
    /// passphrase needed then) finishes. Files that are not the wallet's are left, and so is
    /// the folder if it holds them. No other process may be using the wallet meanwhile.
    pub fn remove(dir: &Path, options: &OpenOptions) -> Result<()> {
        if dir.join(HEADER_FILE).exists() {
            let backend = Self::open(dir, options)?;
            let unlock = backend.unlock_method()?;
            let lock = backend.lock()?;
            let header = dir.join(HEADER_FILE);
            let bytes = fs::read(&header).at("reading", &header)?;
            fs::remove_file(&header).at("removing", &header)?;
            crate::atomic_file::sync_dir(dir)?;
            drop(lock);
            // The header is gone, so its keychain key opens nothing any more: delete it.
            if let (Unlock::Keychain(store), Some(entry)) = (unlock, bytes.get(12..28)) {
                let _ = crate::backend::keychain::delete_unlock_key(store, &hex::encode(entry));
            }
            crash_point("remove: header removed")?;
        } else if !has_leftovers(dir)? {
            return Err(BackendError::NoStore { location: dir.display().to_string() }.into());
        }
        remove_ours(dir)?;
        let empty = match fs::read_dir(dir) {
            Ok(mut entries) => entries.next().is_none(),
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e).at("reading folder", dir).map_err(Into::into),
        };
        if empty {
            fs::remove_dir(dir).at("removing folder", dir)?;
        }
        Ok(())
    }
}

/// Whether `dir` holds files a wallet (or a removal that crashed) leaves.
fn has_leftovers(dir: &Path) -> Result<bool> {
    Ok([RECORDS_DIR, INDEX_FILE, LOG_FILE, LOCK_FILE].iter().any(|name| dir.join(name).exists()))
}

/// Remove the wallet's own files from `dir`, records first, the lock last.
fn remove_ours(dir: &Path) -> Result<()> {
    let records = dir.join(RECORDS_DIR);
    match fs::read_dir(&records) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry.at("reading folder", &records)?;
                let name = entry.file_name();
                if parse_record_id(&name).is_some() || fsutil::is_temp_name(&name) {
                    remove_file(&entry.path())?;
                }
            }
            match fs::remove_dir(&records) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).at("removing folder", &records).map_err(Into::into),
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).at("reading folder", &records).map_err(Into::into),
    }
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if fsutil::is_temp_name(&entry.file_name()) {
                remove_file(&entry.path())?;
            }
        }
    }
    for name in [INDEX_FILE, LOG_FILE, LOCK_FILE] {
        remove_file(&dir.join(name))?;
    }
    Ok(())
}

fn remove_file(path: &Path) -> Result<()> {
    match fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).at("removing", path).map_err(Into::into),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{crash_at, KdfParams};
    use super::*;
    use crate::backend::{Expect, MemoryBackend, Passphrase, RecordKey};
    use crate::error::Error;

    const FAST: KdfParams = KdfParams { m_cost_kib: 64, t_cost: 1, p_cost: 1 };

    fn opts(pass: &str) -> OpenOptions {
        OpenOptions::new().with_passphrase(Passphrase::new(pass)).with_kdf(FAST)
    }

    fn uri(dir: &Path) -> BackendUri {
        BackendUri::parse(&format!("file:{}", dir.display())).unwrap()
    }

    #[test]
    fn remove_needs_the_passphrase_and_then_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("w");
        let store = FileProvider.create(&uri(&dir), &opts("pw")).unwrap();
        store.put(&RecordKey::new("identity", "alice"), b"a", Expect::Absent).unwrap();
        drop(store);
        let err = FileProvider.remove(&uri(&dir), &opts("wrong")).unwrap_err();
        assert!(matches!(err, Error::Backend(BackendError::WrongPassphrase { .. })), "{err}");
        assert!(FileProvider.open(&uri(&dir), &opts("pw")).is_ok(), "a refused remove changed nothing");
        FileProvider.remove(&uri(&dir), &opts("pw")).unwrap();
        assert!(!dir.exists());
        assert!(matches!(
            FileProvider.open(&uri(&dir), &opts("pw")),
            Err(Error::Backend(BackendError::NoStore { .. }))
        ));
        assert!(matches!(
            FileProvider.remove(&uri(&dir), &opts("pw")),
            Err(Error::Backend(BackendError::NoStore { .. }))
        ));
    }

    #[test]
    fn a_remove_that_crashed_is_finished_by_the_next_and_foreign_files_stay() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("w");
        let store = FileProvider.create(&uri(&dir), &opts("pw")).unwrap();
        store.put(&RecordKey::new("identity", "alice"), b"a", Expect::Absent).unwrap();
        drop(store);
        crash_at(Some("remove: header removed"), 0);
        assert!(FileProvider.remove(&uri(&dir), &opts("pw")).is_err());
        crash_at(None, 0);
        assert!(matches!(
            FileProvider.open(&uri(&dir), &opts("pw")),
            Err(Error::Backend(BackendError::NoStore { .. }))
        ));
        assert!(dir.join(RECORDS_DIR).exists(), "the crash left the sealed records");
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        // No passphrase needed: without the header the leftovers can never be opened.
        FileProvider.remove(&uri(&dir), &OpenOptions::new()).unwrap();
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, ["notes.txt"]);
    }

    #[test]
    fn change_unlock_and_repair_through_the_provider() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("w");
        let store = FileProvider.create(&uri(&dir), &opts("old")).unwrap();
        store.put(&RecordKey::new("identity", "alice"), b"a", Expect::Absent).unwrap();
        let err = FileProvider.change_unlock(store.as_ref(), &OpenOptions::new()).unwrap_err();
        assert!(matches!(err, Error::Backend(BackendError::PassphraseRequired { .. })), "{err}");
        FileProvider.change_unlock(store.as_ref(), &opts("new")).unwrap();
        assert!(matches!(
            FileProvider.open(&uri(&dir), &opts("old")),
            Err(Error::Backend(BackendError::WrongPassphrase { .. }))
        ));
        let reopened = FileProvider.open(&uri(&dir), &opts("new")).unwrap();
        std::fs::remove_file(dir.join(INDEX_FILE)).unwrap();
        let report = FileProvider.repair(reopened.as_ref()).unwrap();
        assert_eq!((report.indexed, report.unreadable.len()), (1, 0));
        assert_eq!(reopened.list("identity", "").unwrap(), ["alice"]);
    }

    #[test]
    fn admin_operations_refuse_stores_that_are_not_theirs_and_schemes_without_them() {
        let memory = MemoryBackend::new();
        for err in [
            FileProvider.change_unlock(&memory, &opts("x")).unwrap_err(),
            FileProvider.repair(&memory).map(drop).unwrap_err(),
            crate::backend::MemoryProvider.change_unlock(&memory, &opts("x")).unwrap_err(),
            crate::backend::MemoryProvider.repair(&memory).map(drop).unwrap_err(),
        ] {
            assert!(matches!(&err, Error::Backend(BackendError::Unsupported(m)) if m.contains("memory:")), "{err}");
        }
    }
}
