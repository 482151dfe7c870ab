//! One error type for the whole library.
//!
//! Each variant says what went wrong; [`Error::hint`] says how to fix it. Messages are lowercase
//! and carry their context (a label, a path, a record name) but never secret material.

use std::path::PathBuf;

/// Result alias used across `wallet_core`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `wallet_core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input text that should be PEM is not, or holds no block of the expected type.
    #[error("malformed PEM in {what}: {detail}")]
    Pem { what: String, detail: String },

    /// A private key could not be parsed or is of an unsupported kind.
    #[error("unusable private key in {what}: {detail}")]
    Key { what: String, detail: String },

    /// A certificate could not be parsed or is unusable.
    #[error("unusable certificate in {what}: {detail}")]
    Certificate { what: String, detail: String },

    /// The private key is not the one the certificate was issued for.
    #[error("the private key does not match the certificate of {label:?}")]
    KeyMismatch { label: String },

    /// A label is empty, too long, or has characters that are not allowed.
    #[error("invalid label {label:?}: {reason}")]
    InvalidLabel { label: String, reason: &'static str },

    /// No identity (or record) under this name.
    #[error("no {kind} named {name:?} in {location}")]
    NotFound { kind: &'static str, name: String, location: String },

    /// An identity (or record) with this name is already there.
    #[error("{kind} {name:?} already exists in {location}")]
    AlreadyExists { kind: &'static str, name: String, location: String },

    /// A compare-and-swap write lost a race: the record changed since it was read.
    #[error("record {record:?} was changed by another writer")]
    Conflict { record: String },

    /// The passphrase does not open this wallet.
    #[error("wrong passphrase for wallet {location}")]
    WrongPassphrase { location: String },

    /// No passphrase was supplied where one is needed.
    #[error("wallet {location} needs a passphrase and none was given")]
    PassphraseRequired { location: String },

    /// A stored record fails its integrity check (tampered, truncated or corrupted).
    #[error("integrity check failed for {record}: {detail}")]
    Integrity { record: String, detail: String },

    /// Data written by a format version this build does not understand.
    #[error("unsupported {what} version {found} (this build reads {supported})")]
    UnsupportedVersion { what: String, found: String, supported: String },

    /// An interchange file (.id, MSP folder, SerializedIdentity…) is not valid.
    #[error("invalid {format} in {what}: {detail}")]
    Format { format: &'static str, what: String, detail: String },

    /// A signature does not verify.
    #[error("signature does not verify: {detail}")]
    BadSignature { detail: String },

    /// A wallet URI that names no known backend or is malformed.
    #[error("invalid wallet URI {uri:?}: {detail}")]
    InvalidUri { uri: String, detail: String },

    /// The wallet is not initialised at this location.
    #[error("no wallet at {location}")]
    NoWallet { location: String },

    /// A backend failed for a reason of its own (server down, permission, quota…).
    #[error("{backend} backend: {detail}")]
    Backend { backend: &'static str, detail: String },

    /// An operating-system input/output error with what we were doing.
    #[error("{context} {path}: {source}")]
    Io { context: &'static str, path: PathBuf, source: std::io::Error },

    /// The caller asked for something this identity or backend cannot do.
    #[error("unsupported: {0}")]
    Unsupported(String),

    /// The Vault/OpenBao backend failed (see [`crate::backend::vault::VaultError`]).
    #[cfg(feature = "vault")]
    #[error("{0}")]
    Vault(Box<crate::backend::vault::VaultError>),

    /// A certificate-authority rule refused the request (see [`crate::ca`]).
    #[error("{0}")]
    Ca(#[from] crate::ca::CaError),
}

impl Error {
    /// How the user can fix this, when there is something useful to say.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Error::Pem { .. } => "check that the file is PEM text (-----BEGIN …-----) and not DER or truncated".into(),
            Error::Key { .. } => "only ECDSA P-256 keys in PKCS#8 (PRIVATE KEY) or SEC1 (EC PRIVATE KEY) PEM are supported".into(),
            Error::Certificate { .. } => "give the X.509 certificate as PEM (-----BEGIN CERTIFICATE-----)".into(),
            Error::KeyMismatch { .. } => "pass the key that was generated with this certificate's request; `wallet show` prints the certificate's key identifier".into(),
            Error::InvalidLabel { .. } => "use a non-empty label of at most 255 bytes without '/', '\\\\', or control characters".into(),
            Error::NotFound { .. } => "`wallet list` shows the labels that exist".into(),
            Error::AlreadyExists { kind: "wallet", .. } => {
                "open the existing wallet, or choose another folder for a new one".into()
            }
            Error::AlreadyExists { .. } => "choose another label, or pass --force to replace it".into(),
            Error::Conflict { .. } => "another process changed the record at the same time; run the command again".into(),
            Error::WrongPassphrase { .. } => "check WALLET_PASSPHRASE or --passphrase-file; nothing was changed".into(),
            Error::PassphraseRequired { .. } => "set WALLET_PASSPHRASE, pass --passphrase-file FILE, or run on a terminal to be prompted".into(),
            Error::Integrity { record, .. } if record.starts_with("index") || record.contains("wallet.index") => {
                "the index can be rebuilt from the records: run `wallet repair`".into()
            }
            Error::Integrity { .. } => "the record was modified outside this tool or the disk is failing; restore it from a backup (other records are unaffected)".into(),
            Error::UnsupportedVersion { .. } => "upgrade the wallet tool, or export with the tool that wrote it".into(),
            Error::Format { .. } => "see `wallet import --help` for the formats that can be read".into(),
            Error::BadSignature { .. } => "check that the message, signature and certificate belong together (and the --digest flag matches how it was signed)".into(),
            Error::InvalidUri { .. } => "use memory:, file:PATH, a plain path, or vault://HOST:PORT/MOUNT/PREFIX".into(),
            Error::NoWallet { .. } => "create it with `wallet init` (or check --wallet / WALLET_URI)".into(),
            Error::Unsupported(m) if m.contains("asks for too much work") => {
                "the wallet header demands more memory or time than this build allows; it was not written by this tool".into()
            }
            Error::Io { .. } => "check that the path exists and that you may read and write it".into(),
            Error::Ca(e) => return e.hint(),
            #[cfg(feature = "vault")]
            Error::Vault(e) => return e.hint(),
            _ => return None,
        })
    }
}
