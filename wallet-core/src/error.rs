//! One error type for the whole library.
//!
//! Each variant says what went wrong; [`Error::hint`] says how to fix it. Messages are lowercase
//! and carry their context (a label, a path, a record name) but never secret material.

use crate::backend::BackendError;
use crate::crypto::KeyError;
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

    /// A private key is unusable, does not match its certificate, may not be exported, or its
    /// key store failed (see [`KeyError`]; a store's cause is this error's `source`).
    #[error(transparent)]
    Key(#[from] KeyError),

    /// A certificate could not be parsed or is unusable.
    #[error("unusable certificate in {what}: {detail}")]
    Certificate { what: String, detail: String },

    /// A label is empty, too long, or has characters that are not allowed.
    #[error("invalid label {label:?}: {reason}")]
    InvalidLabel { label: String, reason: &'static str },

    /// No identity (or record) under this name.
    #[error("no {kind} named {name:?} in {location}")]
    NotFound { kind: &'static str, name: String, location: String },

    /// An identity (or record) with this name is already there.
    #[error("{kind} {name:?} already exists in {location}")]
    AlreadyExists { kind: &'static str, name: String, location: String },

    /// Data written by a format version this build does not understand.
    #[error("unsupported {what} version {found} (this build reads {supported})")]
    UnsupportedVersion { what: String, found: String, supported: String },

    /// An interchange file (.id, MSP folder, SerializedIdentity…) is not valid.
    #[error("invalid {format} in {what}: {detail}")]
    Format { format: &'static str, what: String, detail: String },

    /// Input given as a SHA-256 digest is not one (see [`crate::sign::SignInput`]).
    #[error("a SHA-256 digest is 32 bytes (or 64 hex characters), got {len} bytes")]
    InvalidDigest { len: usize },

    /// A signature does not verify.
    #[error("signature does not verify: {detail}")]
    BadSignature { detail: String },

    /// A store failed: its URI, its passphrase, a damaged record, a lost race, its I/O…
    #[error(transparent)]
    Backend(#[from] BackendError),

    /// An operating-system input/output error outside a store (an interchange file), with
    /// what we were doing.
    #[error("{context} {path}: {source}")]
    Io { context: &'static str, path: PathBuf, source: std::io::Error },

    /// The caller asked for something this identity or backend cannot do.
    #[error("unsupported: {0}")]
    Unsupported(String),

    /// A certificate-authority rule refused the request (see [`crate::ca`]).
    #[error("{0}")]
    Ca(#[from] crate::ca::CaError),
}

impl Error {
    /// How the user can fix this, when there is something useful to say.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Error::Pem { .. } => "check that the file is PEM text (-----BEGIN …-----) and not DER or truncated".into(),
            Error::Key(e) => return key_hint(e),
            Error::Certificate { .. } => "give the X.509 certificate as PEM (-----BEGIN CERTIFICATE-----)".into(),
            Error::InvalidLabel { .. } => "use a non-empty label of at most 255 bytes without '/', '\\\\', or control characters".into(),
            Error::NotFound { .. } => "`wallet list` shows the labels that exist".into(),
            Error::AlreadyExists { kind: "wallet", .. } => {
                "open the existing wallet, or choose another folder for a new one".into()
            }
            Error::AlreadyExists { .. } => "choose another label, or pass --force to replace it".into(),
            Error::UnsupportedVersion { .. } => "upgrade the wallet tool, or export with the tool that wrote it".into(),
            Error::Format { .. } => "see `wallet import --help` for the formats that can be read".into(),
            Error::BadSignature { .. } => "check that the message, signature and certificate belong together (and the --digest flag matches how it was signed)".into(),
            Error::InvalidDigest { .. } => "hash the message with SHA-256 first, or sign the message itself".into(),
            Error::Io { .. } => "check that the path exists and that you may read and write it".into(),
            Error::Backend(e) => return backend_hint(e),
            Error::Ca(e) => return e.hint(),
            _ => return None,
        })
    }
}

/// How the user can fix a store's error (the CLI's wording: its flags and commands).
fn backend_hint(e: &BackendError) -> Option<String> {
    Some(match e {
        BackendError::InvalidUri { .. } => format!(
            "use {}, or a plain path",
            crate::backend::providers()
                .iter()
                .map(|p| if p.scheme() == "file" { "file:PATH".to_owned() } else { format!("{}:", p.scheme()) })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        BackendError::NoStore { .. } => "create it with `wallet init` (or check --wallet / WALLET_URI)".into(),
        BackendError::WrongPassphrase { .. } => "check WALLET_PASSPHRASE or --passphrase-file; nothing was changed".into(),
        BackendError::PassphraseRequired { .. } => {
            "set WALLET_PASSPHRASE, pass --passphrase-file FILE, or run on a terminal to be prompted".into()
        }
        BackendError::IndexDamaged { .. } => "the index can be rebuilt from the records: run `wallet repair`".into(),
        BackendError::Integrity { .. } => "the record was modified outside this tool or the disk is failing; restore it from a backup (other records are unaffected)".into(),
        BackendError::ExcessiveCost { .. } => {
            "the wallet header demands more memory or time than this build allows; it was not written by this tool".into()
        }
        BackendError::Conflict { .. } => "another process changed the record at the same time; run the command again".into(),
        BackendError::Io { .. } => "check that the path exists and that you may read and write it".into(),
        #[cfg(feature = "vault")]
        BackendError::Vault(e) => return e.hint(),
        _ => return None,
    })
}

fn key_hint(error: &KeyError) -> Option<String> {
    Some(match error {
        KeyError::Parse { .. } => {
            "only ECDSA P-256 keys in PKCS#8 (PRIVATE KEY) or SEC1 (EC PRIVATE KEY) PEM are supported".into()
        }
        KeyError::Mismatch { .. } => "pass the key that was generated with this certificate's request; `wallet show` prints the certificate's key identifier".into(),
        KeyError::NotExportable { .. } => {
            "the key can sign where it is but cannot be written out; export public data only (the certificate, or a SerializedIdentity)".into()
        }
        KeyError::UnknownStore { .. } => format!(
            "set {} to a key store this build knows ({}), or configure the store the wallet's keys live in",
            crate::crypto::keystore::ENV_KEY_STORE,
            crate::crypto::keystore::BUILT_IN_STORES.join(", ")
        ),
        KeyError::UnknownKey { .. } => "the key is gone from its store: enrol the identity again for a new key".into(),
        _ => return None,
    })
}
