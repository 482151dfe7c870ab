//! The keychain side of a file wallet that the keychain unlocks: its key-encryption key, a
//! random 32-byte key under the service [`UNLOCK_SERVICE`] and an entry named by the header.
//! Compiled in every build, so that a build without the `keychain` feature says so when it
//! meets such a wallet instead of calling its header damaged.

use super::{KeychainError, KeychainStore};
use crate::error::Result;
use zeroize::Zeroizing;

/// The keychain service of file-wallet unlock keys.
#[cfg_attr(not(feature = "keychain"), allow(dead_code))]
pub(crate) const UNLOCK_SERVICE: &str = "fabric-wallet file-unlock";

#[cfg(not(feature = "keychain"))]
fn missing(store: KeychainStore) -> crate::Error {
    KeychainError::NotCompiledIn { store, why: "a build without the `keychain` feature" }.into()
}

#[cfg(feature = "keychain")]
fn connect(store: KeychainStore) -> Result<super::Secrets> {
    if !store.compiled_in() {
        return Err(KeychainError::NotCompiledIn { store, why: "another operating system's keychain" }.into());
    }
    Ok(super::Secrets::open(store)?)
}

/// Keep `key` in `store` under `entry`.
pub(crate) fn store_unlock_key(store: KeychainStore, entry: &str, key: &[u8; 32]) -> Result<()> {
    #[cfg(feature = "keychain")]
    return Ok(connect(store)?.set(UNLOCK_SERVICE, entry, key)?);
    #[cfg(not(feature = "keychain"))]
    {
        let _ = (entry, key);
        Err(missing(store))
    }
}

/// The key under `entry`; [`KeychainError::EntryMissing`] naming `what` if it is gone.
pub(crate) fn load_unlock_key(store: KeychainStore, entry: &str, what: &str) -> Result<Zeroizing<[u8; 32]>> {
    #[cfg(feature = "keychain")]
    return connect(store)?
        .get(UNLOCK_SERVICE, entry, what)?
        .ok_or_else(|| KeychainError::EntryMissing { store, entry: entry.to_owned(), what: what.to_owned() }.into());
    #[cfg(not(feature = "keychain"))]
    {
        let _ = (entry, what);
        Err(missing(store))
    }
}

/// Delete the entry; `false` if it was not there.
pub(crate) fn delete_unlock_key(store: KeychainStore, entry: &str) -> Result<bool> {
    #[cfg(feature = "keychain")]
    return Ok(connect(store)?.delete(UNLOCK_SERVICE, entry)?);
    #[cfg(not(feature = "keychain"))]
    {
        let _ = entry;
        Err(missing(store))
    }
}
