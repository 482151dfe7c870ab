//! # wallet-core
//!
//! Issue, store and use Hyperledger Fabric identities: X.509 enrolment certificates over ECDSA
//! P-256 keys.
//!
//! ```
//! use wallet_core::{backend::OpenOptions, crypto::{Signer, SoftwareKey}, Wallet};
//!
//! let wallet = Wallet::open("memory:", &OpenOptions::new())?;
//! assert!(wallet.list()?.is_empty());
//! let key = SoftwareKey::generate();
//! let sig = key.sign(b"hello")?;
//! assert!(wallet_core::crypto::is_low_s(&sig)?);
//! # Ok::<(), wallet_core::Error>(())
//! ```
//!
//! Layers (data flows down): [`ca`] issues certificates; [`wallet`] stores typed identities;
//! [`identity`] is the model; [`formats`] translate to and from Fabric's files; [`crypto`] holds
//! keys behind the [`crypto::Signer`] trait; [`backend`] keeps the bytes. Beside them, shared by
//! the library and its front ends: [`atomic_file`] replaces files atomically, [`env`] reads the
//! `WALLET_*` environment variables.

#![forbid(unsafe_code)]

pub mod atomic_file;
pub mod backend;
pub mod bench;
pub mod ca;
pub mod crypto;
pub mod env;
pub mod error;
pub mod formats;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod identity;
pub mod migrate;
pub mod sign;
pub mod wallet;

#[cfg(test)]
mod release_compat;

pub use error::{Error, Result};
pub use identity::{Certificate, FabricInfo, Identity, IdentityKey};
pub use wallet::Wallet;
