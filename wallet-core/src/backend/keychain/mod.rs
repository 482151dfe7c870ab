//! The OS keychain: the `keychain:SERVICE` backend, and the key that unlocks a file wallet
//! kept in the keychain instead of derived from a passphrase (`docs/keychain.md`).
//!
//! Only secrets go into the keychain: one random 32-byte key per record write (and one per
//! keychain-unlocked file wallet), far below every platform's item limit (Windows: 2,560
//! bytes). Everything else lives in a non-secret *companion* folder beside it: each record
//! sealed with AES-256-GCM under its keychain key, the names that listing reads, and the
//! intents that let a rerun or `wallet repair` settle a write that failed half-way. So the
//! companion never holds a usable private key, and listing works on every OS, including the
//! kernel keyring, which cannot enumerate its entries.
//!
//! | store | where | compiled for |
//! |---|---|---|
//! | [`KeychainStore::SecretService`] | the freedesktop Secret Service (GNOME Keyring, KWallet) over D-Bus, pure Rust | Linux |
//! | [`KeychainStore::Keyutils`] | the kernel keyring (session keyring, linked to the persistent one); gone at reboot | Linux |
//! | [`KeychainStore::MacKeychain`] | the login Keychain | macOS |
//! | [`KeychainStore::WindowsCredentials`] | Credential Manager | Windows |
//!
//! This file (the store names) is always compiled, so a file wallet's header can name its
//! keychain in any build; the rest needs the cargo feature `keychain`.

#[cfg(feature = "keychain")]
mod backend;
#[cfg(feature = "keychain")]
mod companion;
mod error;
#[cfg(feature = "keychain")]
mod provider;
#[cfg(feature = "keychain")]
mod secrets;
#[cfg(all(test, feature = "keychain"))]
mod tests;
mod unlock;

#[cfg(feature = "keychain")]
pub use backend::KeychainBackend;
pub use error::KeychainError;
#[cfg(feature = "keychain")]
pub use provider::{KeychainConfig, KeychainProvider, ENV_KEYCHAIN_DIR};
#[cfg(feature = "keychain")]
pub(crate) use secrets::Secrets;
pub(crate) use unlock::{delete_unlock_key, load_unlock_key, store_unlock_key};

/// Which OS keychain holds the secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeychainStore {
    /// The freedesktop Secret Service (Linux desktops: GNOME Keyring, KWallet).
    SecretService,
    /// The Linux kernel keyring (keyutils): no daemon, but entries are gone at reboot.
    Keyutils,
    /// The macOS login Keychain.
    MacKeychain,
    /// The Windows Credential Manager.
    WindowsCredentials,
}

impl KeychainStore {
    /// Every store, in the order messages list them.
    pub const ALL: [Self; 4] = [Self::SecretService, Self::Keyutils, Self::MacKeychain, Self::WindowsCredentials];

    /// This OS's usual keychain: Secret Service on Linux, Keychain on macOS, Credential
    /// Manager on Windows (`None` elsewhere).
    pub fn platform_default() -> Option<Self> {
        if cfg!(target_os = "linux") {
            Some(Self::SecretService)
        } else if cfg!(target_os = "macos") {
            Some(Self::MacKeychain)
        } else if cfg!(windows) {
            Some(Self::WindowsCredentials)
        } else {
            None
        }
    }

    /// The name used in URIs, headers and flags: `secret-service`, `keyutils`, `macos`, `windows`.
    pub fn name(self) -> &'static str {
        match self {
            Self::SecretService => "secret-service",
            Self::Keyutils => "keyutils",
            Self::MacKeychain => "macos",
            Self::WindowsCredentials => "windows",
        }
    }

    /// The store of a [`name`](Self::name) (`None` if there is none by that name).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Whether this build can reach the store (its OS, and the `keychain` feature).
    pub fn compiled_in(self) -> bool {
        cfg!(feature = "keychain")
            && match self {
                Self::SecretService | Self::Keyutils => cfg!(target_os = "linux"),
                Self::MacKeychain => cfg!(target_os = "macos"),
                Self::WindowsCredentials => cfg!(windows),
            }
    }

    /// Its number in a file wallet's header.
    pub(crate) fn code(self) -> u8 {
        match self {
            Self::SecretService => 1,
            Self::Keyutils => 2,
            Self::MacKeychain => 3,
            Self::WindowsCredentials => 4,
        }
    }

    /// The store of a header's number.
    pub(crate) fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

impl std::fmt::Display for KeychainStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::SecretService => "Secret Service",
            Self::Keyutils => "kernel keyring",
            Self::MacKeychain => "macOS Keychain",
            Self::WindowsCredentials => "Windows Credential Manager",
        })
    }
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn names_and_codes_round_trip() {
        for store in KeychainStore::ALL {
            assert_eq!(KeychainStore::from_name(store.name()), Some(store));
            assert_eq!(KeychainStore::from_code(store.code()), Some(store));
        }
        assert_eq!(KeychainStore::from_name("gnome"), None);
        assert_eq!(KeychainStore::from_code(0), None);
        #[cfg(all(target_os = "linux", feature = "keychain"))]
        assert!(KeychainStore::SecretService.compiled_in() && !KeychainStore::MacKeychain.compiled_in());
    }
}
