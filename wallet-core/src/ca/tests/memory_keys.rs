//! The CA suite with keys that never leave a memory key store: the CA's own key and every
//! enrolled key are references, and exporting them is refused.

use crate::crypto::{KeyStores, MemoryKeyStore};

/// The process's memory store as the default, shared by every wallet of the suite (so a test
/// that reopens a wallet finds its keys again).
fn key_stores() -> KeyStores {
    KeyStores::new().with(MemoryKeyStore::process()).with_default("memory").expect("the memory store was just added")
}

// The same suite in each key store's module, on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "suite.rs"]
mod suite;
