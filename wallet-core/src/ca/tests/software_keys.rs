//! The CA suite with software keys.

use crate::crypto::KeyStores;

/// Software keys only (the default of every wallet).
fn key_stores() -> KeyStores {
    KeyStores::new()
}

// The same suite in each key store's module, on purpose.
#[allow(clippy::duplicate_mod)]
#[path = "suite.rs"]
mod suite;
