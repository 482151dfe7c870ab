//! The lifecycle of a store, apart from its use: one [`Provider`] per URI scheme makes,
//! opens and removes stores, and carries the admin operations that only some stores have.

use super::{Backend, BackendError, BackendUri, Capabilities, OpenOptions};
use crate::error::{Error, Result};

/// What a [`Provider::repair`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RepairReport {
    /// Records the store's index names now.
    pub indexed: usize,
    /// Records that could not be read (damaged, or not of this store), as the store names them
    /// (a path for `file:`). They stay listed, so reading reports them and a delete can remove
    /// them.
    pub unreadable: Vec<String>,
}

impl RepairReport {
    /// A report.
    pub fn new(indexed: usize, unreadable: Vec<String>) -> Self {
        Self { indexed, unreadable }
    }
}

/// Makes, opens and removes the stores of one URI scheme, and administers them.
///
/// Admin operations a store does not have fail with [`BackendError::Unsupported`] naming the scheme
/// and the operation. They take the store as [`open`](Self::open) returned it (the provider
/// reaches its concrete type with [`super::AsAny`]); a store wrapped in another type is not
/// the provider's and is refused the same way.
pub trait Provider: Send + Sync + 'static {
    /// The URI scheme, lowercase, without the colon (`file`, `memory`).
    fn scheme(&self) -> &'static str;

    /// What the stores of this scheme guarantee (the same as their
    /// [`Backend::capabilities`]).
    fn capabilities(&self) -> Capabilities;

    /// Make a new, empty store at `uri`; fails if there is one already.
    fn create(&self, uri: &BackendUri, options: &OpenOptions) -> Result<Box<dyn Backend>>;

    /// Open the existing store at `uri`.
    fn open(&self, uri: &BackendUri, options: &OpenOptions) -> Result<Box<dyn Backend>>;

    /// Delete the store at `uri` and everything in it, with the credentials that open it.
    fn remove(&self, uri: &BackendUri, options: &OpenOptions) -> Result<()>;

    /// Change the secret that unlocks `store` (its passphrase, its token…) to the one in `new`.
    fn change_unlock(&self, _store: &dyn Backend, _new: &OpenOptions) -> Result<()> {
        Err(unsupported(self.scheme(), "has no passphrase or other unlock secret to change"))
    }

    /// Check `store` and rebuild what can be derived again (an index from its records).
    fn repair(&self, _store: &dyn Backend) -> Result<RepairReport> {
        Err(unsupported(self.scheme(), "has no index to repair"))
    }
}

/// The error of an admin operation a scheme does not have.
pub(crate) fn unsupported(scheme: &str, what: &str) -> Error {
    BackendError::Unsupported(format!("a {scheme}: store {what}")).into()
}

/// `store` as this provider's type `T`, or an unsupported-operation error.
pub(crate) fn downcast<'a, T: 'static>(store: &'a dyn Backend, scheme: &str, operation: &str) -> Result<&'a T> {
    store.as_any().downcast_ref::<T>().ok_or_else(|| {
        BackendError::Unsupported(format!(
            "cannot {operation} {}: it was not opened as a {scheme}: store",
            store.location()
        ))
        .into()
    })
}
