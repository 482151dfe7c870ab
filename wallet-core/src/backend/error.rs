//! What can go wrong with a store: one enum, its causes kept as [`std::error::Error::source`].
//!
//! Each variant says what went wrong, with its context (a location, a record) and never a
//! secret. How to fix it is worded by the caller (the CLI, the C
//! library); each case a fix differs for is a variant of its own, so no caller reads messages.

use std::path::PathBuf;

/// A cause, kept for [`std::error::Error::source`].
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything a backend or its provider can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// A wallet URI that names no scheme this build has, or is malformed.
    #[error("invalid wallet URI {uri:?}: {detail}")]
    InvalidUri { uri: String, detail: String },

    /// There is no store at this location.
    #[error("no wallet at {location}")]
    NoStore { location: String },

    /// The passphrase does not open this store.
    #[error("wrong passphrase for wallet {location}")]
    WrongPassphrase { location: String },

    /// No passphrase was supplied where one is needed.
    #[error("wallet {location} needs a passphrase and none was given")]
    PassphraseRequired { location: String },

    /// A stored record fails its integrity check (tampered, truncated or corrupted).
    #[error("integrity check failed for {record}: {detail}")]
    Integrity { record: String, detail: String },

    /// The wallet's header (its key-derivation parameters and key check) fails its integrity
    /// check: every record depends on it, so none can be opened until it is restored.
    #[error("integrity check failed for wallet header {path}: {detail}")]
    HeaderDamaged { path: String, detail: String },

    /// The index (what listing reads) fails its integrity check; the records themselves may
    /// be sound, and the index can be rebuilt from them ([`super::Provider::repair`]).
    #[error("integrity check failed for {record}: {detail}")]
    IndexDamaged { record: String, detail: String },

    /// A store's header asks for more work (memory, passes) than this build allows, so it was
    /// not written by this tool.
    #[error("wallet header {location} asks for too much work: {detail}")]
    ExcessiveCost { location: String, detail: String },

    /// A compare-and-swap write lost a race: the record changed since it was read.
    #[error("record {record:?} was changed by another writer")]
    Conflict { record: String },

    /// An operating-system input/output error, with what the store was doing.
    #[error("{context} {path}: {source}")]
    Io {
        context: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The store failed for a reason of its own (server down, permission, quota, a folder that
    /// holds other things…).
    #[error("{backend} backend: {detail}")]
    Unavailable {
        backend: &'static str,
        detail: String,
        #[source]
        source: Option<Cause>,
    },

    /// The OS keychain failed: no Secret Service, a locked collection, access denied, the
    /// kernel keyring blocked, an entry deleted behind the wallet's back… (see
    /// [`super::keychain::KeychainError`]).
    #[error(transparent)]
    Keychain(Box<super::keychain::KeychainError>),

    /// A value is larger than the store keeps.
    #[error("a value of {len} bytes is larger than {backend} stores ({max} bytes)")]
    TooLarge { backend: String, len: usize, max: usize },

    /// The Vault/OpenBao backend failed: unreachable, sealed, no leader, permission denied,
    /// token expired… (see [`super::vault::VaultError`]).
    #[cfg(feature = "vault")]
    #[error(transparent)]
    Vault(Box<super::vault::VaultError>),

    /// The store cannot do this at all (an admin operation its scheme lacks, a batch that names
    /// a record twice, a delete that expects absence).
    #[error("unsupported: {0}")]
    Unsupported(String),
}

impl BackendError {
    /// An [`BackendError::Unavailable`] without a cause.
    pub fn unavailable(backend: &'static str, detail: impl Into<String>) -> Self {
        Self::Unavailable { backend, detail: detail.into(), source: None }
    }
}
