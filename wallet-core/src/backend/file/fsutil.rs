//! File-system steps of the file wallet: private folders, batched durability, the sweep of
//! crash leftovers, the writer lock and the journal kept in it. Files are replaced through the
//! library's one atomic writer, [`crate::atomic_file`].

use std::fs::{self, File};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Temporary files (of [`crate::atomic_file`]): readers never open them and writers sweep them.
pub(super) use crate::atomic_file::is_temp_name;

/// An I/O failure together with the path it concerns.
#[derive(Debug)]
pub(super) struct PathError {
    pub(super) context: &'static str,
    pub(super) path: PathBuf,
    pub(super) source: io::Error,
}

pub(super) type IoResult<T> = std::result::Result<T, PathError>;

pub(super) trait Context<T> {
    fn at(self, context: &'static str, path: &Path) -> IoResult<T>;
}

impl<T> Context<T> for io::Result<T> {
    fn at(self, context: &'static str, path: &Path) -> IoResult<T> {
        self.map_err(|source| PathError { context, path: path.to_owned(), source })
    }
}

fn file_options() -> fs::OpenOptions {
    let mut options = fs::OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
}

/// Set owner-only permissions explicitly, whatever the umask did.
fn make_private(file: &File, dir: bool) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(fs::Permissions::from_mode(if dir { 0o700 } else { 0o600 }))?;
    }
    #[cfg(not(unix))]
    let _ = (file, dir);
    Ok(())
}

/// Create `dir` (and missing parents) and make it owner-only.
pub(super) fn create_private_dir(dir: &Path) -> IoResult<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).at("creating folder", dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).at("setting permissions of", dir)?;
    }
    Ok(())
}

/// Make every file written unsynced into `dir` (the paths given; see
/// [`crate::atomic_file::AtomicWrite::unsynced`]), and the folder itself, durable. On Linux one `syncfs` flushes the whole file system at once,
/// which costs far less than one `fdatasync` per file: each of those waits for a journal
/// commit of its own. Elsewhere each file and then the folder are synced.
pub(super) fn sync_written(dir: &Path, paths: &[PathBuf]) -> crate::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let _ = paths;
        let folder = File::open(dir).at("opening folder", dir)?;
        Ok(rustix::fs::syncfs(&folder).map_err(io::Error::from).at("syncing the file system of", dir)?)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        for path in paths {
            sync_file(path)?;
        }
        crate::atomic_file::sync_dir(dir)
    }
}

/// Make a file written unsynced durable (its data and size).
#[cfg_attr(any(target_os = "linux", target_os = "android"), allow(dead_code))]
pub(super) fn sync_file(path: &Path) -> IoResult<()> {
    // Opened for writing: Windows flushes only handles with write access.
    fs::OpenOptions::new().write(true).open(path).and_then(|f| f.sync_data()).at("syncing", path)
}

/// Remove leftover temporary files of crashed writers in `dir`. Call only under the writer
/// lock: a live writer's temp file exists only while it holds the lock.
pub(super) fn sweep_temp_files(dir: &Path) -> IoResult<usize> {
    let mut removed = 0;
    for entry in fs::read_dir(dir).at("reading folder", dir)? {
        let entry = entry.at("reading folder", dir)?;
        if is_temp_name(&entry.file_name()) {
            let path = entry.path();
            match fs::remove_file(&path) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e).at("removing", &path),
            }
        }
    }
    Ok(removed)
}

/// The writer lock: an advisory exclusive lock on `wallet.lock`, released when dropped. While
/// a writer creates or deletes a record, the file holds a journal entry naming that record.
pub(super) struct WriterLock {
    file: File,
    path: PathBuf,
}

fn open_lock_file(path: &Path) -> IoResult<File> {
    let file = file_options().read(true).write(true).create(true).truncate(false).open(path).at("opening", path)?;
    make_private(&file, false).at("setting permissions of", path)?;
    Ok(file)
}

impl WriterLock {
    /// Wait for the lock.
    pub(super) fn acquire(path: &Path) -> IoResult<Self> {
        let file = open_lock_file(path)?;
        file.lock().at("locking", path)?;
        Ok(Self { file, path: path.to_owned() })
    }

    /// Take the lock if no one holds it.
    pub(super) fn try_acquire(path: &Path) -> IoResult<Option<Self>> {
        let file = open_lock_file(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Self { file, path: path.to_owned() })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(e).at("locking", path),
        }
    }

    /// The journal entry left by the last writer (empty when it finished cleanly).
    pub(super) fn read_journal(&mut self) -> IoResult<Vec<u8>> {
        let mut out = Vec::new();
        self.file.seek(SeekFrom::Start(0)).at("reading", &self.path)?;
        self.file.read_to_end(&mut out).at("reading", &self.path)?;
        Ok(out)
    }

    /// Durably record the journal entry before any change it covers.
    pub(super) fn write_journal(&mut self, entry: &[u8]) -> IoResult<()> {
        self.file.set_len(0).at("writing", &self.path)?;
        self.file.seek(SeekFrom::Start(0)).at("writing", &self.path)?;
        self.file.write_all(entry).at("writing", &self.path)?;
        self.file.sync_data().at("syncing", &self.path)
    }

    /// Mark a batch complete, durably: a batch journal is a redo record, and one that came back
    /// after a crash would write its records again over later changes.
    pub(super) fn clear_journal_durably(&mut self) -> IoResult<()> {
        self.file.set_len(0).at("writing", &self.path)?;
        self.file.sync_data().at("syncing", &self.path)
    }

    /// Mark the change complete. Not synced: if the clear is lost in a crash, the next writer
    /// re-checks a record that is already consistent, which changes nothing.
    pub(super) fn clear_journal(&mut self) -> IoResult<()> {
        self.file.set_len(0).at("writing", &self.path)
    }
}
