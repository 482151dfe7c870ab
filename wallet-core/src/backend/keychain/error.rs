//! What the OS keychain can fail with, one variant per fix (the CLI and the C library word
//! the fix: `wallet-cli/src/hints.rs`, `ffi/src/hints.rs`).

use super::KeychainStore;
use crate::backend::{BackendError, Cause};

/// A keychain failure. Never carries a secret.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeychainError {
    /// Nothing answers for the store: no Secret Service on the D-Bus session bus, or no
    /// session bus at all.
    #[error("no {store} is reachable: {detail}")]
    NoService {
        store: KeychainStore,
        detail: String,
        #[source]
        source: Option<Cause>,
    },

    /// The collection (keyring) is locked and could not be unlocked without a prompt.
    #[error("the {store} collection is locked: {detail}")]
    Locked {
        store: KeychainStore,
        detail: String,
        #[source]
        source: Option<Cause>,
    },

    /// The store refused access (the kernel keyring without a session keyring, a
    /// Keychain access control…).
    #[error("the {store} denied access: {detail}")]
    AccessDenied {
        store: KeychainStore,
        detail: String,
        #[source]
        source: Option<Cause>,
    },

    /// The kernel keyring's system calls are blocked (a container's seccomp profile).
    #[error("the kernel keyring is blocked in this environment ({detail})")]
    Blocked {
        detail: String,
        #[source]
        source: Option<Cause>,
    },

    /// An item is larger than the store keeps.
    #[error("the {store} refused an item of {len} bytes: {detail}")]
    TooLarge { store: KeychainStore, len: usize, detail: String },

    /// A keychain entry this wallet wrote is gone: deleted behind the wallet's back (or the
    /// kernel keyring lost it at a reboot).
    #[error("the {store} entry {entry:?} that holds {what} is gone")]
    EntryMissing { store: KeychainStore, entry: String, what: String },

    /// A keychain entry holds something this wallet did not write.
    #[error("the {store} entry {entry:?} that holds {what} is not one this wallet wrote")]
    EntryDamaged { store: KeychainStore, entry: String, what: String },

    /// This build cannot reach the store (another OS's keychain, or no `keychain` feature).
    #[error("this build cannot use the {store} (it is {why})")]
    NotCompiledIn { store: KeychainStore, why: &'static str },

    /// Any other failure of the store.
    #[error("the {store} failed: {detail}")]
    Failed {
        store: KeychainStore,
        detail: String,
        #[source]
        source: Option<Cause>,
    },
}

impl From<KeychainError> for BackendError {
    fn from(e: KeychainError) -> Self {
        BackendError::Keychain(Box::new(e))
    }
}

impl From<KeychainError> for crate::Error {
    fn from(e: KeychainError) -> Self {
        BackendError::from(e).into()
    }
}
