//! Where bytes live: small record stores chosen by URI.
//!
//! A backend stores opaque values under a `(kind, name)` key, with compare-and-swap writes and
//! listing by prefix. It knows nothing about identities; [`crate::wallet`] gives records meaning.
//! Backends that keep data at rest (the file backend) encrypt every record and bind its kind and
//! name to the ciphertext, so a record cannot be moved to another name unnoticed.

mod error;
pub mod file;
pub mod keychain;
mod memory;
mod options;
mod provider;
mod registry;
mod uri;
#[cfg(feature = "vault")]
pub mod vault;

pub use error::{BackendError, Cause};
pub use memory::{MemoryBackend, MemoryProvider};
pub use options::{OpenOptions, Passphrase, Secret, TlsRoot, Unlock};
pub use provider::{Provider, RepairReport};
pub use registry::{create, open, provider, providers, remove};
pub use uri::BackendUri;

use crate::error::Result;
use zeroize::Zeroizing;

/// The version of a stored record: starts at 1, grows by one on every write.
pub type Version = u64;

/// What a write expects to find, for compare-and-swap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The record must not exist (create).
    Absent,
    /// The record must exist at exactly this version (update).
    Version(Version),
    /// Whatever is there (unconditional write or delete).
    Any,
}

/// A record's key: a kind (`identity`, `ca`, …; no `/`) and a name within it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecordKey {
    /// The kind of record.
    pub kind: String,
    /// The name within its kind.
    pub name: String,
}

impl RecordKey {
    /// A key; `kind` must be non-empty and free of `/` and control characters.
    pub fn new(kind: &str, name: &str) -> Self {
        debug_assert!(!kind.is_empty() && !kind.contains('/') && !kind.chars().any(char::is_control));
        Self { kind: kind.to_owned(), name: name.to_owned() }
    }
}

impl std::fmt::Display for RecordKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?}", self.kind, self.name)
    }
}

/// One write of a [`Backend::put_batch`]: like the arguments of [`Backend::put`].
#[derive(Clone, Copy)]
pub struct BatchPut<'a> {
    /// The record to write.
    pub key: &'a RecordKey,
    /// Its new value.
    pub value: &'a [u8],
    /// What the write expects to find.
    pub expect: Expect,
}

impl<'a> BatchPut<'a> {
    /// A write of `value` under `key` if `expect` holds.
    pub fn new(key: &'a RecordKey, value: &'a [u8], expect: Expect) -> Self {
        Self { key, value, expect }
    }
}

impl std::fmt::Debug for BatchPut<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values may be private keys: show their length only.
        f.debug_struct("BatchPut")
            .field("key", self.key)
            .field("len", &self.value.len())
            .field("expect", &self.expect)
            .finish()
    }
}

/// Refuse a batch that names a record twice (its expectations could not all be checked
/// against the state before the batch).
pub(crate) fn check_distinct(writes: &[BatchPut<'_>]) -> Result<()> {
    let mut seen = std::collections::BTreeSet::new();
    for w in writes {
        if !seen.insert(w.key) {
            return Err(BackendError::Unsupported(format!("a batch that writes {} twice", w.key)).into());
        }
    }
    Ok(())
}

/// A stored value and its version.
#[derive(Clone)]
pub struct Versioned {
    /// The plaintext value (zeroized on drop).
    pub value: Zeroizing<Vec<u8>>,
    /// Its version.
    pub version: Version,
}

impl std::fmt::Debug for Versioned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Versioned").field("len", &self.value.len()).field("version", &self.version).finish()
    }
}

/// What a backend guarantees. The CA and bulk enrolment read it to choose a write order that a
/// crash cannot leave half done: with an atomic batch they write an enrolment in one batch;
/// without one, they write the key and certificate first and count the enrolment last, so a
/// rerun finishes or discards what a crash left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// [`Backend::put_batch`] is all or nothing, for other writers and across a crash.
    pub atomic_batch: bool,
    /// [`Backend::delete`] honours `Expect::Version` (compare-and-swap on delete).
    pub cas_delete: bool,
    /// [`Backend::list`] lists by kind and prefix.
    pub list: bool,
    /// Records outlive the process.
    pub persistent: bool,
    /// Several processes, or machines, may use the store at once.
    pub shared: bool,
    /// The largest value it stores, where it has a limit.
    pub max_value_len: Option<usize>,
}

impl Capabilities {
    /// Nothing guaranteed beyond single-record compare-and-swap writes.
    pub const MINIMAL: Self = Self {
        atomic_batch: false,
        cas_delete: false,
        list: false,
        persistent: false,
        shared: false,
        max_value_len: None,
    };

    /// With an all-or-nothing batch.
    pub const fn with_atomic_batch(mut self, on: bool) -> Self {
        self.atomic_batch = on;
        self
    }

    /// With compare-and-swap on delete.
    pub const fn with_cas_delete(mut self, on: bool) -> Self {
        self.cas_delete = on;
        self
    }

    /// With listing.
    pub const fn with_list(mut self, on: bool) -> Self {
        self.list = on;
        self
    }

    /// Persistent.
    pub const fn with_persistent(mut self, on: bool) -> Self {
        self.persistent = on;
        self
    }

    /// Shared between processes.
    pub const fn with_shared(mut self, on: bool) -> Self {
        self.shared = on;
        self
    }

    /// With a value size limit.
    pub const fn with_max_value_len(mut self, max: Option<usize>) -> Self {
        self.max_value_len = max;
        self
    }
}

/// A record store in use. Every method is safe to call from several threads, and writes are
/// durable when they return `Ok`. Making, opening, removing and administering a store (its
/// passphrase, its repair) belong to its [`Provider`], not here.
pub trait Backend: AsAny + Send + Sync + std::fmt::Debug {
    /// Where this backend keeps its data, for messages (never includes secrets).
    fn location(&self) -> String;

    /// What this backend guarantees.
    fn capabilities(&self) -> Capabilities;

    /// Read a record.
    fn get(&self, key: &RecordKey) -> Result<Option<Versioned>>;

    /// Write a record if `expect` holds; returns the new version. Fails with
    /// [`crate::Error::AlreadyExists`] for `Expect::Absent` on an existing record, [`crate::Error::NotFound`] for
    /// `Expect::Version` on a missing one, [`BackendError::Conflict`] on a version mismatch.
    fn put(&self, key: &RecordKey, value: &[u8], expect: Expect) -> Result<Version>;

    /// Write several records as one. Every expectation is checked first, against the records
    /// as they were before the batch: if any fails, nothing is written and the error is the one
    /// [`put`](Self::put) would give for the first failing record in batch order (it names that
    /// record). Otherwise every record is written, and all of them are durable when this
    /// returns `Ok` with their new versions, in batch order. A batch may name a record only once
    /// ([`BackendError::Unsupported`] otherwise); an empty batch writes nothing.
    ///
    /// The memory and file backends make a batch atomic: other writers see all of it or none
    /// of it, and after a crash it is either wholly there or not at all (readers that take no
    /// lock, such as the file backend's `get`, may see its records appear one by one while it
    /// is being written). This default, for backends without a batch of their own, checks the
    /// expectations with `get` and then calls `put` for each record: nothing is written if an
    /// expectation fails at the start, but a concurrent writer or a crash can leave part of
    /// the batch written.
    fn put_batch(&self, writes: &[BatchPut<'_>]) -> Result<Vec<Version>> {
        check_distinct(writes)?;
        let location = self.location();
        for w in writes {
            if w.expect != Expect::Any {
                let current = self.get(w.key)?.map(|v| v.version);
                memory::check_expect(w.key, current, w.expect, &location)?;
            }
        }
        writes.iter().map(|w| self.put(w.key, w.value, w.expect)).collect()
    }

    /// Delete a record if `expect` holds. Returns whether a record was deleted
    /// (`false` only for `Expect::Any` on a missing record).
    fn delete(&self, key: &RecordKey, expect: Expect) -> Result<bool>;

    /// Names of the records of `kind` whose name starts with `prefix`, sorted.
    fn list(&self, kind: &str, prefix: &str) -> Result<Vec<String>>;
}

/// A backend as [`std::any::Any`], so its [`Provider`] can reach the concrete type for admin
/// operations. Every `'static` type has it (blanket impl); backends implement nothing.
pub trait AsAny {
    /// `self` as `Any`.
    fn as_any(&self) -> &dyn std::any::Any;
}

impl<T: std::any::Any> AsAny for T {
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
