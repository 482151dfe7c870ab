//! One error type for the whole library, nested by domain.
//!
//! Each variant says what went wrong, with its context (a label, a path, a record name) but never
//! secret material; a cause from below is its `source()`. Messages are lowercase. How to *fix* it
//! is the caller's to word for its own users: the CLI names its flags and commands, the C library
//! its functions. Domains: keys ([`KeyError`]), stores ([`BackendError`]), interchange files
//! ([`FormatError`]) and the certificate authority ([`CaError`]). The key and store errors live
//! in their lower layers; this module reaches into no layer above it.

mod ca;
mod format;
#[cfg(feature = "remote-ca")]
mod remote;

use crate::backend::BackendError;
use crate::crypto::KeyError;
use std::path::PathBuf;

pub use ca::{CaError, CsvRowError};
pub use format::FormatError;
#[cfg(feature = "remote-ca")]
pub use remote::RemoteError;

/// Result alias used across `wallet_core`.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in `wallet_core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A private key is unusable, does not match its certificate, may not be exported, or its
    /// key store failed (see [`KeyError`]; a store's cause is this error's `source`).
    #[error(transparent)]
    Key(#[from] KeyError),

    /// A label is empty, too long, or has characters that are not allowed.
    #[error("invalid label {label:?}: {reason}")]
    InvalidLabel { label: String, reason: &'static str },

    /// No identity (or record) under this name.
    #[error("no {kind} named {name:?} in {location}")]
    NotFound { kind: &'static str, name: String, location: String },

    /// An identity (or record) with this name is already there.
    #[error("{kind} {name:?} already exists in {location}")]
    AlreadyExists { kind: &'static str, name: String, location: String },

    /// An interchange file or record (PEM, certificate, .id, MSP folder, SerializedIdentity, a
    /// stored record's encoding or version) is not valid (see [`FormatError`]).
    #[error(transparent)]
    Format(#[from] FormatError),

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
    #[error(transparent)]
    Ca(#[from] CaError),
}
