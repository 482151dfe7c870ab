//! The embedded certificate authority with Fabric CA semantics.
//!
//! A CA lives in a wallet backend beside the identities: its certificate and key, its registry
//! of identities, the certificates it issued and their revocations (record layout in
//! `docs/ca.md`). There is no server: every operation is a library call, made
//! *as* a registrar identity held in the same wallet and checked against that identity's
//! Fabric CA rights. Registry updates are compare-and-swap, so several processes sharing one
//! file wallet never exceed an enrolment allowance, never reuse a serial and never lose an
//! update.
//!
//! Certificates follow Fabric CA 1.5's profile byte for byte in structure (see `profile.rs`):
//! a Fabric peer, orderer or SDK cannot tell them from Fabric CA's.
//!
//! ```
//! use std::sync::Arc;
//! use wallet_core::ca::{BootstrapOptions, CaOptions, CaService, CertificateAuthority, EnrollRequest, RegistrationRequest};
//! use wallet_core::{backend::MemoryBackend, Wallet};
//!
//! let wallet = Arc::new(Wallet::from_backend(Box::new(MemoryBackend::new())));
//! // A root CA and its admin, enrolled into the wallet as label "admin", in one step.
//! let ca = CertificateAuthority::bootstrap(wallet, &BootstrapOptions::root(CaOptions::new("org1-ca", "Org1MSP")))?.ca;
//! let ca: &dyn CaService = &ca;
//! let secret = ca.register("admin", &RegistrationRequest {
//!     id: "user1".into(),
//!     identity_type: Some("client".into()),
//!     affiliation: Some("org1.department1".into()),
//!     ..Default::default()
//! })?;
//! let user = ca.enroll(&EnrollRequest { id: "user1".into(), secret: Some(secret), ..Default::default() })?;
//! assert_eq!(user.fabric_info().affiliation.as_deref(), Some("org1.department1"));
//! # Ok::<(), wallet_core::Error>(())
//! ```

mod authority;
mod bulk;
mod duration;
mod model;
mod profile;
pub(crate) mod registry;
#[cfg(feature = "remote-ca")]
pub mod remote;
pub mod renewal;
pub mod rules;
mod secret;
mod service;
pub mod target;

pub use crate::error::{CaError, CsvRowError};
pub use authority::{
    AdminEnrolment, Bootstrap, BootstrapOptions, CaSource, CertificateAuthority, INTERMEDIATE_VALIDITY, ROOT_VALIDITY,
};
pub use bulk::{BulkOptions, BulkOutcome, BulkProgress, BulkReport, BulkRow, DEFAULT_CONCURRENCY};
pub use duration::parse_duration;
pub use model::*;
pub use profile::build_csr;
#[cfg(feature = "fuzzing")]
pub(crate) use profile::parse_csr;
pub use secret::{Secret, GENERATED_SECRET_LEN};
pub use service::{CaInfo, CaService, CertificateFilter};
pub use target::{CaTarget, RemoteTarget, TargetOverrides};

#[cfg(test)]
mod bootstrap_tests;
#[cfg(test)]
mod tests;
