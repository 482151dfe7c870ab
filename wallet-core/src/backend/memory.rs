//! A process-local backend for tests and short-lived programs.
//!
//! Capabilities: atomic batches (one write lock), compare-and-swap delete, listing; not
//! persistent, not shared (each `memory:` open is a new, empty store).

use super::{
    check_distinct, Backend, BackendError, BackendUri, BatchPut, Capabilities, Expect, OpenOptions, Provider,
    RecordKey, Version, Versioned,
};
use crate::error::{Error, Result};
use std::collections::BTreeMap;
use std::sync::RwLock;
use zeroize::Zeroizing;

type Records = BTreeMap<RecordKey, (Zeroizing<Vec<u8>>, Version)>;

/// Records in a map behind a lock. Nothing is persisted.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    records: RwLock<Records>,
}

impl MemoryBackend {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

/// The `memory:` scheme: every create or open is a new, empty [`MemoryBackend`]; removing
/// has nothing to do. Nothing after the colon.
#[derive(Debug, Clone, Copy, Default)]
pub struct MemoryProvider;

impl MemoryProvider {
    fn make(uri: &BackendUri) -> Result<Box<dyn Backend>> {
        if !uri.rest().is_empty() {
            return Err(uri.invalid("memory: takes nothing after the colon"));
        }
        Ok(Box::new(MemoryBackend::new()))
    }
}

impl Provider for MemoryProvider {
    fn scheme(&self) -> &'static str {
        "memory"
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn create(&self, uri: &BackendUri, _options: &OpenOptions) -> Result<Box<dyn Backend>> {
        Self::make(uri)
    }

    fn open(&self, uri: &BackendUri, _options: &OpenOptions) -> Result<Box<dyn Backend>> {
        Self::make(uri)
    }

    fn remove(&self, uri: &BackendUri, _options: &OpenOptions) -> Result<()> {
        Self::make(uri).map(drop)
    }
}

const CAPABILITIES: Capabilities = Capabilities::MINIMAL.with_atomic_batch(true).with_cas_delete(true).with_list(true);

/// Check `expect` against the current version; shared by backends.
pub(crate) fn check_expect(key: &RecordKey, current: Option<Version>, expect: Expect, location: &str) -> Result<()> {
    match (expect, current) {
        (Expect::Any, _) => Ok(()),
        (Expect::Absent, None) => Ok(()),
        (Expect::Absent, Some(_)) => Err(Error::AlreadyExists {
            kind: kind_name(&key.kind),
            name: key.name.clone(),
            location: location.to_owned(),
        }),
        (Expect::Version(_), None) => {
            Err(Error::NotFound { kind: kind_name(&key.kind), name: key.name.clone(), location: location.to_owned() })
        }
        (Expect::Version(want), Some(have)) if want == have => Ok(()),
        (Expect::Version(_), Some(_)) => Err(BackendError::Conflict { record: key.to_string() }.into()),
    }
}

/// A static name for a record kind in messages.
pub(crate) fn kind_name(kind: &str) -> &'static str {
    match kind {
        "identity" => "identity",
        "ca" => "CA record",
        _ => "record",
    }
}

impl Backend for MemoryBackend {
    fn location(&self) -> String {
        "memory:".into()
    }

    fn capabilities(&self) -> Capabilities {
        CAPABILITIES
    }

    fn get(&self, key: &RecordKey) -> Result<Option<Versioned>> {
        let map = self.records.read().unwrap_or_else(|p| p.into_inner());
        Ok(map.get(key).map(|(v, ver)| Versioned { value: v.clone(), version: *ver }))
    }

    fn put(&self, key: &RecordKey, value: &[u8], expect: Expect) -> Result<Version> {
        let mut map = self.records.write().unwrap_or_else(|p| p.into_inner());
        let current = map.get(key).map(|(_, v)| *v);
        check_expect(key, current, expect, "memory:")?;
        let version = current.unwrap_or(0) + 1;
        map.insert(key.clone(), (Zeroizing::new(value.to_vec()), version));
        Ok(version)
    }

    /// Atomic: the whole batch is checked and applied under one write lock.
    fn put_batch(&self, writes: &[BatchPut<'_>]) -> Result<Vec<Version>> {
        check_distinct(writes)?;
        let mut map = self.records.write().unwrap_or_else(|p| p.into_inner());
        let mut versions = Vec::with_capacity(writes.len());
        for w in writes {
            let current = map.get(w.key).map(|(_, v)| *v);
            check_expect(w.key, current, w.expect, "memory:")?;
            versions.push(current.unwrap_or(0) + 1);
        }
        for (w, version) in writes.iter().zip(&versions) {
            map.insert(w.key.clone(), (Zeroizing::new(w.value.to_vec()), *version));
        }
        Ok(versions)
    }

    fn delete(&self, key: &RecordKey, expect: Expect) -> Result<bool> {
        let mut map = self.records.write().unwrap_or_else(|p| p.into_inner());
        let current = map.get(key).map(|(_, v)| *v);
        if expect == Expect::Absent {
            return Err(BackendError::Unsupported("delete with Expect::Absent".into()).into());
        }
        check_expect(key, current, expect, "memory:")?;
        Ok(map.remove(key).is_some())
    }

    fn list(&self, kind: &str, prefix: &str) -> Result<Vec<String>> {
        let map = self.records.read().unwrap_or_else(|p| p.into_inner());
        Ok(map.keys().filter(|k| k.kind == kind && k.name.starts_with(prefix)).map(|k| k.name.clone()).collect())
    }
}
