//! The encrypted file backend (see `docs/file-format.md`). Being written; see issue #2.

use super::{Backend, Expect, OpenOptions, Passphrase, RecordKey, Version, Versioned};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

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

/// A wallet folder of encrypted records.
#[derive(Debug)]
pub struct FileBackend {
    dir: PathBuf,
}

impl FileBackend {
    /// Create a new wallet folder.
    pub fn create(dir: &Path, _options: &OpenOptions) -> Result<Self> {
        Err(Error::Unsupported(format!("file backend not built yet ({})", dir.display())))
    }

    /// Open an existing wallet folder.
    pub fn open(dir: &Path, _options: &OpenOptions) -> Result<Self> {
        Err(Error::Unsupported(format!("file backend not built yet ({})", dir.display())))
    }
}

impl Backend for FileBackend {
    fn location(&self) -> String {
        self.dir.display().to_string()
    }
    fn get(&self, _key: &RecordKey) -> Result<Option<Versioned>> {
        unreachable!("cannot be constructed")
    }
    fn put(&self, _key: &RecordKey, _value: &[u8], _expect: Expect) -> Result<Version> {
        unreachable!("cannot be constructed")
    }
    fn delete(&self, _key: &RecordKey, _expect: Expect) -> Result<bool> {
        unreachable!("cannot be constructed")
    }
    fn list(&self, _kind: &str, _prefix: &str) -> Result<Vec<String>> {
        unreachable!("cannot be constructed")
    }
    fn change_passphrase(&self, _new: &Passphrase) -> Result<()> {
        unreachable!("cannot be constructed")
    }
}
