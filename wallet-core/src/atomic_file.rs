//! Replacing a file atomically: the one helper every writer of the project uses (the file
//! backend's header, index, log and records; the `.id` and MSP exporters; the CLI's `--out`
//! files; the C library through them).
//!
//! A write goes: a temporary file `.tmp-<16 hex>` created with `create_new` in the target's
//! folder (or another folder on the same file system), its permissions set explicitly to the
//! mode asked for (not left to the umask), the bytes written, the file fsynced, renamed over the
//! target, then the folder fsynced. Readers therefore see the whole old file or the whole new
//! one, never a torn one, and the new one survives a crash once the call returns. On failure
//! the temporary file is removed; a crash may leave one behind, and the name prefix
//! [`TEMP_PREFIX`] lets a later writer recognise and sweep it.
//!
//! Files that hold or may hold a secret (private keys, wallet files) are written with
//! [`PRIVATE_FILE_MODE`] (0600); the exporters write certificates with the same mode.

use crate::error::{Error, Result};
use rand_core::{OsRng, RngCore};
use std::io::Write;
use std::path::Path;

/// Owner read and write only: the mode of every secret-bearing file.
pub const PRIVATE_FILE_MODE: u32 = 0o600;

/// The name prefix of a temporary file this module creates.
pub const TEMP_PREFIX: &str = ".tmp-";

/// Random bytes (from the OS generator) after [`TEMP_PREFIX`] in a temporary file's name, in hex.
const TEMP_RANDOM_BYTES: usize = 8;

/// Whether a file name is one of this module's temporary files.
pub fn is_temp_name(name: &std::ffi::OsStr) -> bool {
    name.to_str().is_some_and(|n| n.starts_with(TEMP_PREFIX))
}

/// Replace `path` with `bytes` atomically and durably, the new file getting `mode` (Unix
/// permission bits; ignored elsewhere). An existing file is replaced. See [`AtomicWrite`] for
/// the other choices.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    AtomicWrite::new(mode).write(path, bytes)
}

/// How to replace a file: the mode, whether an existing file may be replaced, whether to wait
/// for the disk, and where the temporary file goes.
#[derive(Debug, Clone, Copy)]
pub struct AtomicWrite<'a> {
    mode: u32,
    overwrite: bool,
    durable: bool,
    temp_dir: Option<&'a Path>,
}

impl<'a> AtomicWrite<'a> {
    /// Replace an existing file, durably, the temporary file in the target's folder.
    pub fn new(mode: u32) -> Self {
        Self { mode, overwrite: true, durable: true, temp_dir: None }
    }

    /// With `false`, an existing file is never replaced, even by a writer racing with this one
    /// (the final rename refuses to clobber): the write fails with [`Error::AlreadyExists`].
    pub fn overwrite(self, overwrite: bool) -> Self {
        Self { overwrite, ..self }
    }

    /// No fsync of the file or of the folder: the caller makes them durable later (and until
    /// then must be able to write the file again after a crash).
    pub fn unsynced(self) -> Self {
        Self { durable: false, ..self }
    }

    /// Create the temporary file in `dir`, which must be on the target's file system (so the
    /// rename stays atomic), for example to keep crash leftovers in a folder that is cheap to
    /// sweep.
    pub fn temp_in(self, dir: &'a Path) -> Self {
        Self { temp_dir: Some(dir), ..self }
    }

    /// Replace `path` with `bytes`.
    pub fn write(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if !self.overwrite && std::fs::symlink_metadata(path).is_ok() {
            return Err(already_exists(path));
        }
        let temp_dir = self.temp_dir.unwrap_or(dir);
        let mut tmp = create_temp(temp_dir, self.mode)?;
        let tmp_path = tmp.path().to_owned();
        let at = |context: &'static str| {
            let path = tmp_path.clone();
            move |source| Error::Io { context, path, source }
        };
        set_mode(tmp.as_file(), self.mode).map_err(at("cannot set the permissions of"))?;
        tmp.write_all(bytes).map_err(at("cannot write"))?;
        if self.durable {
            tmp.as_file().sync_all().map_err(at("cannot sync"))?;
        }
        let io = |context, source| Error::Io { context, path: path.into(), source };
        if self.overwrite {
            tmp.persist(path).map_err(|e| io("cannot replace", e.error))?;
        } else {
            tmp.persist_noclobber(path).map_err(|e| {
                if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                    already_exists(path)
                } else {
                    io("cannot create", e.error)
                }
            })?;
        }
        if self.durable {
            sync_dir(dir)?;
        }
        Ok(())
    }
}

/// Create a new temporary file in `dir`: `.tmp-<16 hex>` (from the OS generator), `create_new`,
/// `mode`. Dropping the result removes the file; `persist` renames it. The name is drawn here
/// rather than by `tempfile`, whose generator would leave a thread handle behind on every C
/// caller's thread (valgrind counts it as lost).
fn create_temp(dir: &Path, mode: u32) -> Result<tempfile::NamedTempFile> {
    let mut suffix = [0u8; TEMP_RANDOM_BYTES];
    OsRng.fill_bytes(&mut suffix);
    let path = dir.join(format!("{TEMP_PREFIX}{}", hex::encode(suffix)));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    #[cfg(not(unix))]
    let _ = mode;
    let file = options.open(&path).map_err(|source| Error::Io {
        context: "cannot create a temporary file in",
        path: dir.into(),
        source,
    })?;
    match tempfile::TempPath::try_from_path(&path) {
        Ok(temp_path) => Ok(tempfile::NamedTempFile::from_parts(file, temp_path)),
        Err(source) => {
            let _ = std::fs::remove_file(&path);
            Err(Error::Io { context: "cannot resolve the temporary file", path, source })
        }
    }
}

/// Make renames and unlinks in `dir` durable by syncing the folder (a no-op where folders cannot
/// be opened).
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir).and_then(|d| d.sync_all()).map_err(|source| Error::Io {
        context: "cannot sync folder",
        path: dir.into(),
        source,
    })?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Set a file's permissions explicitly, whatever the umask did.
fn set_mode(file: &std::fs::File, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (file, mode);
    Ok(())
}

fn already_exists(path: &Path) -> Error {
    Error::AlreadyExists {
        kind: "file",
        name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        location: path.parent().map(|p| p.display().to_string()).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut out: Vec<_> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        out.sort();
        out
    }

    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn replaces_the_file_with_the_mode_asked_for_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.pem");
        write_atomic(&path, b"first", PRIVATE_FILE_MODE).unwrap();
        write_atomic(&path, b"second", PRIVATE_FILE_MODE).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert_eq!(names(dir.path()), ["key.pem"]);
        #[cfg(unix)]
        {
            assert_eq!(mode_of(&path), 0o600);
            // Set explicitly, not left to the umask: a mode the umask (022) would not change
            // either way is not a test, so ask for one it would (group write).
            write_atomic(&path, b"third", 0o660).unwrap();
            assert_eq!(mode_of(&path), 0o660);
        }
    }

    #[test]
    fn without_overwrite_an_existing_file_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alice.id");
        let writer = AtomicWrite::new(PRIVATE_FILE_MODE).overwrite(false);
        writer.write(&path, b"mine").unwrap();
        let err = writer.write(&path, b"theirs").unwrap_err();
        assert!(matches!(&err, Error::AlreadyExists { kind: "file", name, .. } if name == "alice.id"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), b"mine");
        assert_eq!(names(dir.path()), ["alice.id"]);
    }

    #[test]
    fn temp_file_in_another_folder_and_unsynced_writes() {
        let dir = tempfile::tempdir().unwrap();
        let (staging, target) = (dir.path().join("staging"), dir.path().join("records"));
        std::fs::create_dir(&staging).unwrap();
        std::fs::create_dir(&target).unwrap();
        let path = target.join("00ff");
        AtomicWrite::new(PRIVATE_FILE_MODE).temp_in(&staging).unsynced().write(&path, b"sealed").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"sealed");
        assert!(names(&staging).is_empty());
        assert_eq!(names(&target), ["00ff"]);
    }

    #[test]
    fn a_failed_write_names_the_folder_and_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing");
        let err = write_atomic(&missing.join("x"), b"x", PRIVATE_FILE_MODE).unwrap_err();
        assert!(matches!(&err, Error::Io { path, .. } if *path == missing), "{err}");
        // The rename fails (the target is a non-empty folder): the temp file is removed.
        let busy = dir.path().join("busy");
        std::fs::create_dir(&busy).unwrap();
        std::fs::write(busy.join("inside"), b"x").unwrap();
        let err = write_atomic(&busy, b"x", PRIVATE_FILE_MODE).unwrap_err();
        assert!(matches!(&err, Error::Io { path, .. } if *path == busy), "{err}");
        assert_eq!(names(dir.path()), ["busy"]);
    }

    #[test]
    fn temp_names_are_recognised() {
        assert!(is_temp_name(std::ffi::OsStr::new(".tmp-0123456789abcdef")));
        assert!(!is_temp_name(std::ffi::OsStr::new("wallet.index")));
    }
}
