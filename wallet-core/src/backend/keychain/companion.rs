//! The companion folder of a `keychain:` wallet: everything but the secrets, none of it secret.
//!
//! ```text
//! DIR/                      0700
//!   keychain-wallet.json    what this wallet is: format, service, store, a random wallet id
//!   lock                    writers' lock (File::lock)
//!   records/<hex kind>/<hex name>   one record: version, keychain entry name, sealed value
//!   pending/<hex id>.json   an intent: a write or delete under way, naming the keychain
//!                           entries it may leave behind (settled by the next writer or repair)
//! ```
//!
//! A record's file is its commit point: it exists only once its keychain entry does, and it
//! is removed before its entry is. Names are hex, so they survive case-insensitive file systems.

use crate::atomic_file::{write_atomic, PRIVATE_FILE_MODE};
use crate::backend::{BackendError, Version};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

const META_FILE: &str = "keychain-wallet.json";
const LOCK_FILE: &str = "lock";
const RECORDS_DIR: &str = "records";
const PENDING_DIR: &str = "pending";

/// The longest kind or name, in bytes (its hex form is a file name of at most 240 bytes).
pub(super) const MAX_NAME_LEN: usize = 120;

/// The format of the companion folder this build writes and reads.
pub(super) const COMPANION_FORMAT: u32 = 1;

/// What `keychain-wallet.json` says.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(super) struct Meta {
    pub(super) format: u32,
    /// The SERVICE of `keychain:SERVICE`.
    pub(super) service: String,
    /// The store's name ([`super::KeychainStore::name`]).
    pub(super) store: String,
    /// Random, so two wallets of one SERVICE (in two folders) never share keychain entries.
    pub(super) wallet_id: String,
}

/// One record as stored: no secret in it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct StoredRecord {
    pub(super) v: u32,
    pub(super) kind: String,
    pub(super) name: String,
    pub(super) version: Version,
    /// The keychain entry holding this write's 32-byte key.
    pub(super) entry: String,
    /// AES-256-GCM nonce and ciphertext with its tag, base64.
    pub(super) nonce: String,
    pub(super) sealed: String,
}

/// A write or delete under way: the entries that may be orphaned if it stops half-way.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(super) struct Intent {
    pub(super) kind: String,
    pub(super) name: String,
    /// The entry a write is adding (`None` for a delete).
    pub(super) new: Option<String>,
    /// The entry the record had before (`None` for a create).
    pub(super) old: Option<String>,
}

/// The companion folder.
#[derive(Debug, Clone)]
pub(super) struct Companion {
    dir: PathBuf,
}

/// The writers' lock, held until dropped.
#[derive(Debug)]
pub(super) struct Lock(#[allow(dead_code)] fs::File);

fn io_err<'a>(context: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> Error + 'a {
    move |source| BackendError::Io { context, path: path.to_owned(), source }.into()
}

fn create_private_dir(dir: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(io_err("creating folder", dir))
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => Ok(None),
        Err(e) => Err(io_err("reading", path)(e)),
    }
}

fn remove_optional(path: &Path) -> Result<bool> {
    match fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io_err("removing", path)(e)),
    }
}

fn check_name(what: &str, name: &str) -> Result<()> {
    if name.len() > MAX_NAME_LEN {
        return Err(BackendError::Unsupported(format!(
            "a keychain: wallet keeps {what}s of at most {MAX_NAME_LEN} bytes; this one has {}",
            name.len()
        ))
        .into());
    }
    Ok(())
}

fn unhex(name: &std::ffi::OsStr) -> Option<String> {
    String::from_utf8(hex::decode(name.to_str()?).ok()?).ok()
}

impl Companion {
    pub(super) fn new(dir: &Path) -> Self {
        Self { dir: dir.to_owned() }
    }

    pub(super) fn dir(&self) -> &Path {
        &self.dir
    }

    fn meta_path(&self) -> PathBuf {
        self.dir.join(META_FILE)
    }

    fn kind_dir(&self, kind: &str) -> PathBuf {
        self.dir.join(RECORDS_DIR).join(hex::encode(kind))
    }

    fn record_path(&self, kind: &str, name: &str) -> PathBuf {
        self.kind_dir(kind).join(hex::encode(name))
    }

    fn pending_dir(&self) -> PathBuf {
        self.dir.join(PENDING_DIR)
    }

    /// The wallet's description; `None` if there is no wallet here.
    pub(super) fn read_meta(&self) -> Result<Option<Meta>> {
        let path = self.meta_path();
        let Some(bytes) = read_optional(&path)? else { return Ok(None) };
        let meta: Meta = serde_json::from_slice(&bytes).map_err(|e| BackendError::Integrity {
            record: format!("keychain wallet description {}", path.display()),
            detail: e.to_string(),
        })?;
        if meta.format != COMPANION_FORMAT {
            return Err(crate::error::FormatError::UnsupportedVersion {
                what: format!("keychain wallet folder ({})", path.display()),
                found: meta.format.to_string(),
                supported: COMPANION_FORMAT.to_string(),
            }
            .into());
        }
        Ok(Some(meta))
    }

    /// Make the folders; the description is written by [`write_meta`](Self::write_meta), last.
    pub(super) fn create_dirs(&self) -> Result<()> {
        create_private_dir(&self.dir)?;
        create_private_dir(&self.dir.join(RECORDS_DIR))?;
        create_private_dir(&self.pending_dir())
    }

    pub(super) fn write_meta(&self, meta: &Meta) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(meta).expect("the description always serializes");
        write_atomic(&self.meta_path(), &bytes, PRIVATE_FILE_MODE)
    }

    /// Whether the folder holds anything of a keychain wallet (for removing leftovers).
    pub(super) fn has_leftovers(&self) -> bool {
        [RECORDS_DIR, PENDING_DIR, LOCK_FILE].iter().any(|n| self.dir.join(n).exists())
    }

    /// Take the writers' lock (waits for another writer, in this process or another).
    pub(super) fn lock(&self) -> Result<Lock> {
        let path = self.dir.join(LOCK_FILE);
        let mut options = fs::OpenOptions::new();
        options.create(true).truncate(false).write(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(io_err("opening lock", &path))?;
        file.lock().map_err(io_err("locking", &path))?;
        Ok(Lock(file))
    }

    /// A record; `None` if there is none.
    pub(super) fn read_record(&self, kind: &str, name: &str) -> Result<Option<StoredRecord>> {
        if kind.len() > MAX_NAME_LEN || name.len() > MAX_NAME_LEN {
            return Ok(None);
        }
        let path = self.record_path(kind, name);
        let Some(bytes) = read_optional(&path)? else { return Ok(None) };
        let damaged = |detail: String| -> Error {
            BackendError::Integrity { record: format!("{kind} {name:?} ({})", path.display()), detail }.into()
        };
        let record: StoredRecord = serde_json::from_slice(&bytes).map_err(|e| damaged(e.to_string()))?;
        if record.kind != kind || record.name != name {
            return Err(damaged(format!("it names {} {:?}: it was moved or copied here", record.kind, record.name)));
        }
        Ok(Some(record))
    }

    /// Write a record (atomically and durably): the commit point of a put.
    pub(super) fn write_record(&self, record: &StoredRecord) -> Result<()> {
        check_name("kind", &record.kind)?;
        check_name("name", &record.name)?;
        #[cfg(test)]
        super::tests::faults::check("companion record write")?;
        let dir = self.kind_dir(&record.kind);
        if !dir.exists() {
            create_private_dir(&dir)?;
        }
        let bytes = serde_json::to_vec(record).expect("records always serialize");
        write_atomic(&self.record_path(&record.kind, &record.name), &bytes, PRIVATE_FILE_MODE)
    }

    /// Remove a record (durably): the commit point of a delete.
    pub(super) fn remove_record(&self, kind: &str, name: &str) -> Result<bool> {
        #[cfg(test)]
        super::tests::faults::check("companion record remove")?;
        let removed = remove_optional(&self.record_path(kind, name))?;
        crate::atomic_file::sync_dir(&self.kind_dir(kind))?;
        Ok(removed)
    }

    /// Names of `kind` starting with `prefix`, sorted.
    pub(super) fn list(&self, kind: &str, prefix: &str) -> Result<Vec<String>> {
        let dir = self.kind_dir(kind);
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err("reading folder", &dir)(e)),
        };
        let mut names = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_err("reading folder", &dir))?;
            if let Some(name) = unhex(&entry.file_name()) {
                if name.starts_with(prefix) {
                    names.push(name);
                }
            }
        }
        names.sort();
        Ok(names)
    }

    /// Every (kind, name) with a record file.
    pub(super) fn all_keys(&self) -> Result<Vec<(String, String)>> {
        let root = self.dir.join(RECORDS_DIR);
        let kinds = match fs::read_dir(&root) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err("reading folder", &root)(e)),
        };
        let mut all = Vec::new();
        for kind in kinds {
            let kind = kind.map_err(io_err("reading folder", &root))?;
            let Some(kind_name) = unhex(&kind.file_name()) else { continue };
            for name in self.list(&kind_name, "")? {
                all.push((kind_name.clone(), name));
            }
        }
        all.sort();
        Ok(all)
    }

    /// Record an intent durably; returns its id.
    pub(super) fn write_intent(&self, intent: &Intent) -> Result<String> {
        #[cfg(test)]
        super::tests::faults::check("companion intent write")?;
        let id = super::backend::random_name();
        let bytes = serde_json::to_vec(intent).expect("intents always serialize");
        write_atomic(&self.pending_dir().join(format!("{id}.json")), &bytes, PRIVATE_FILE_MODE)?;
        Ok(id)
    }

    /// Forget an intent that is settled.
    pub(super) fn remove_intent(&self, id: &str) -> Result<()> {
        remove_optional(&self.pending_dir().join(format!("{id}.json")))?;
        Ok(())
    }

    /// The intents left, with their ids. One that cannot be read is returned as `None` (it
    /// names nothing a settle could act on).
    pub(super) fn intents(&self) -> Result<Vec<(String, Option<Intent>)>> {
        let dir = self.pending_dir();
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(io_err("reading folder", &dir)(e)),
        };
        let mut found = Vec::new();
        for entry in entries {
            let entry = entry.map_err(io_err("reading folder", &dir))?;
            let file_name = entry.file_name();
            let Some(id) = file_name.to_str().and_then(|n| n.strip_suffix(".json")) else { continue };
            let bytes = read_optional(&entry.path())?.unwrap_or_default();
            found.push((id.to_owned(), serde_json::from_slice(&bytes).ok()));
        }
        found.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(found)
    }

    /// Remove the folder's own files and, if nothing else is left in it, the folder.
    pub(super) fn remove_all(&self) -> Result<()> {
        remove_optional(&self.meta_path())?;
        crate::atomic_file::sync_dir(&self.dir)?;
        for sub in [RECORDS_DIR, PENDING_DIR] {
            let path = self.dir.join(sub);
            match fs::remove_dir_all(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(io_err("removing folder", &path)(e)),
            }
        }
        remove_optional(&self.dir.join(LOCK_FILE))?;
        if fs::read_dir(&self.dir).is_ok_and(|mut d| d.next().is_none()) {
            fs::remove_dir(&self.dir).map_err(io_err("removing folder", &self.dir))?;
        }
        Ok(())
    }
}
