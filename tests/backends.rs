//! Backend wrappers for tests: a store without atomic batches, and one that fails a chosen
//! write as if the process had died there.

use std::sync::atomic::{AtomicUsize, Ordering};
use wallet_core::backend::{Backend, BackendError, Capabilities, Expect, RecordKey, Version, Versioned};
use wallet_core::Result;

/// `B` without its own batch: reports `atomic_batch: false` and uses the trait's default
/// `put_batch` (expectations checked first, then one `put` per record), like a store that has
/// only single-record compare-and-swap. Everything else is `B`'s.
#[derive(Debug, Default)]
pub struct NoAtomicBatch<B>(pub B);

impl<B: Backend + 'static> Backend for NoAtomicBatch<B> {
    fn location(&self) -> String {
        format!("no-atomic-batch:{}", self.0.location())
    }
    fn capabilities(&self) -> Capabilities {
        self.0.capabilities().with_atomic_batch(false)
    }
    fn get(&self, key: &RecordKey) -> Result<Option<Versioned>> {
        self.0.get(key)
    }
    fn put(&self, key: &RecordKey, value: &[u8], expect: Expect) -> Result<Version> {
        self.0.put(key, value, expect)
    }
    fn delete(&self, key: &RecordKey, expect: Expect) -> Result<bool> {
        self.0.delete(key, expect)
    }
    fn list(&self, kind: &str, prefix: &str) -> Result<Vec<String>> {
        self.0.list(kind, prefix)
    }
}

/// `B` where, once armed, the write (put, delete or batch) numbered `at` (from the arming)
/// and every write after it fail, as if the process had died before that write: the store
/// keeps exactly the writes before it. [`FailingWrites::disarm`] is the restart.
/// [`FailingWrites::writes`] counts the writes tried, so a test can run once to count them and
/// then crash at each.
#[derive(Debug)]
pub struct FailingWrites<B> {
    inner: B,
    /// The write number from which writes fail; `usize::MAX`: none.
    fail_at: AtomicUsize,
    writes: AtomicUsize,
}

impl<B> FailingWrites<B> {
    /// Writes all succeed until [`arm`](Self::arm).
    pub fn new(inner: B) -> Self {
        Self { inner, fail_at: AtomicUsize::new(usize::MAX), writes: AtomicUsize::new(0) }
    }

    /// Count writes from 0 again, and fail from write `at` on (`None`: count only).
    pub fn arm(&self, at: Option<usize>) {
        self.writes.store(0, Ordering::SeqCst);
        self.fail_at.store(at.unwrap_or(usize::MAX), Ordering::SeqCst);
    }

    /// Let every write through again (the process restarted).
    pub fn disarm(&self) {
        self.fail_at.store(usize::MAX, Ordering::SeqCst);
    }

    /// Writes tried since the last [`arm`](Self::arm) (the failed ones included).
    pub fn writes(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }

    fn write(&self) -> Result<()> {
        let n = self.writes.fetch_add(1, Ordering::SeqCst);
        if n >= self.fail_at.load(Ordering::SeqCst) {
            return Err(BackendError::unavailable("test", format!("simulated crash at write {n}")).into());
        }
        Ok(())
    }
}

impl<B: Backend + 'static> Backend for FailingWrites<B> {
    fn location(&self) -> String {
        self.inner.location()
    }
    fn capabilities(&self) -> Capabilities {
        self.inner.capabilities()
    }
    fn get(&self, key: &RecordKey) -> Result<Option<Versioned>> {
        self.inner.get(key)
    }
    fn put(&self, key: &RecordKey, value: &[u8], expect: Expect) -> Result<Version> {
        self.write()?;
        self.inner.put(key, value, expect)
    }
    fn put_batch(&self, writes: &[wallet_core::backend::BatchPut<'_>]) -> Result<Vec<Version>> {
        self.write()?;
        self.inner.put_batch(writes)
    }
    fn delete(&self, key: &RecordKey, expect: Expect) -> Result<bool> {
        self.write()?;
        self.inner.delete(key, expect)
    }
    fn list(&self, kind: &str, prefix: &str) -> Result<Vec<String>> {
        self.inner.list(kind, prefix)
    }
}

/// One store behind several handles, as separate processes opening the same wallet would see
/// it: every handle reads and writes the same records (all of `B`, batches included).
#[derive(Debug)]
pub struct Shared<B>(pub std::sync::Arc<B>);

impl<B> Clone for Shared<B> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<B: Backend + 'static> Backend for Shared<B> {
    fn location(&self) -> String {
        self.0.location()
    }
    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }
    fn get(&self, key: &RecordKey) -> Result<Option<Versioned>> {
        self.0.get(key)
    }
    fn put(&self, key: &RecordKey, value: &[u8], expect: Expect) -> Result<Version> {
        self.0.put(key, value, expect)
    }
    fn put_batch(&self, writes: &[wallet_core::backend::BatchPut<'_>]) -> Result<Vec<Version>> {
        self.0.put_batch(writes)
    }
    fn delete(&self, key: &RecordKey, expect: Expect) -> Result<bool> {
        self.0.delete(key, expect)
    }
    fn list(&self, kind: &str, prefix: &str) -> Result<Vec<String>> {
        self.0.list(kind, prefix)
    }
}
