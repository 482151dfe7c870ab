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
//! keys behind the [`crypto::Signer`] trait; [`backend`] keeps the bytes.

#![forbid(unsafe_code)]

pub mod backend;
pub mod ca;
pub mod crypto;
pub mod error;
pub mod formats;
pub mod identity;
pub mod migrate;
pub mod wallet;

pub use error::{Error, Result};
pub use identity::{Certificate, FabricInfo, Identity, PrivateKey};
pub use wallet::Wallet;
