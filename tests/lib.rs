//! Shared helpers for the cross-crate integration tests, and the backend conformance suite.
//!
//! Every backend must pass the same suite. Instantiate it with [`backend_conformance!`] and a
//! factory that returns a fresh, empty backend: a `Box<dyn Backend>`, a
//! `(Box<dyn Backend>, guard)` pair where the guard (a `TempDir`, a server process…) lives as
//! long as the test, or a [`Subject`] (with [`Subject::with_reopen`], which a backend that
//! reports `persistent` must give). Checks of a guarantee run only where the backend reports
//! it ([`Backend::capabilities`]): atomic-batch checks where `atomic_batch`, delete by version
//! where `cas_delete`, listing where `list`, reopening where `persistent`; and
//! `capabilities_are_honest` makes sure a backend reports what it was given hooks for.
//!
//! ```
//! use wallet_core::backend::{Backend, MemoryBackend};
//! wallet_tests::backend_conformance!(memory, || -> Box<dyn Backend> { Box::new(MemoryBackend::new()) });
//! # fn main() {}
//! ```

use std::any::Any;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use wallet_core::backend::Backend;
use wallet_core::crypto::SoftwareKey;
use wallet_core::{Certificate, Identity, IdentityKey, Wallet};

pub mod backends;
pub mod conformance;
pub mod external_keys;
pub mod fabric_ca;
pub mod pki;
pub mod softhsm;
pub mod tools;

/// Opens the same store again, as another process would (for persistence checks).
pub type Reopen = Box<dyn Fn() -> Box<dyn Backend>>;

/// A backend under test, with whatever must outlive it, and how to open it again if it
/// keeps its records.
pub struct Subject {
    // Declared first so it drops before its guard (a backend may still write while dropping).
    backend: Box<dyn Backend>,
    reopen: Option<Reopen>,
    guard: Option<Box<dyn Any>>,
}

impl std::fmt::Debug for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subject").field("backend", &self.backend).finish_non_exhaustive()
    }
}

impl Subject {
    /// A backend that needs nothing kept alive beside it.
    pub fn new(backend: Box<dyn Backend>) -> Self {
        Self { backend, reopen: None, guard: None }
    }

    /// A backend and something that must live as long as it (a temporary folder, a server).
    pub fn with_guard(backend: Box<dyn Backend>, guard: impl Any) -> Self {
        Self { backend, reopen: None, guard: Some(Box::new(guard)) }
    }

    /// With a hook that opens the same store again: required of a backend whose capabilities
    /// say `persistent`, so the suite can check that its records outlive the handle.
    pub fn with_reopen(mut self, reopen: impl Fn() -> Box<dyn Backend> + 'static) -> Self {
        self.reopen = Some(Box::new(reopen));
        self
    }

    /// The backend.
    pub fn backend(&self) -> &dyn Backend {
        self.backend.as_ref()
    }

    /// The store opened again through the reopen hook, if there is one.
    pub fn reopen(&self) -> Option<Box<dyn Backend>> {
        self.reopen.as_ref().map(|r| r())
    }

    /// A wallet over the backend, and the guard to keep while the wallet is in use.
    pub fn into_wallet(self) -> (Wallet, Option<Box<dyn Any>>) {
        (Wallet::from_backend(self.backend), self.guard)
    }
}

impl From<Box<dyn Backend>> for Subject {
    fn from(backend: Box<dyn Backend>) -> Self {
        Self::new(backend)
    }
}

impl<G: Any> From<(Box<dyn Backend>, G)> for Subject {
    fn from((backend, guard): (Box<dyn Backend>, G)) -> Self {
        Self::with_guard(backend, guard)
    }
}

/// A new P-256 identity with a self-signed certificate (subject `CN=<cn>,OU=client,O=Org1`),
/// made with x509-cert's builder and a key from the OS generator.
pub fn self_signed_identity(label: &str, msp_id: &str) -> Identity {
    use x509_cert::builder::{Builder, CertificateBuilder, Profile};
    use x509_cert::der::Encode;
    use x509_cert::name::Name;
    use x509_cert::serial_number::SerialNumber;
    use x509_cert::spki::SubjectPublicKeyInfoOwned;
    use x509_cert::time::Validity;

    static SERIAL: AtomicU64 = AtomicU64::new(1);
    let key = SoftwareKey::generate();
    let signing = p256::ecdsa::SigningKey::from_slice(key.scalar_bytes()).expect("a generated scalar is valid");
    // Labels may hold characters that RFC 4514 would need escaped; the CN does not matter here.
    let subject: Name = "CN=wallet-test,OU=client,O=Org1".parse().expect("valid name");
    let spki = SubjectPublicKeyInfoOwned::from_key(*signing.verifying_key()).expect("P-256 keys encode");
    let serial = SerialNumber::from(SERIAL.fetch_add(1, Ordering::Relaxed));
    let validity = Validity::from_now(Duration::from_secs(365 * 24 * 3600)).expect("valid time");
    let cert = CertificateBuilder::new(Profile::Root, serial, validity, subject, spki, &signing)
        .expect("builder accepts its input")
        .build::<p256::ecdsa::DerSignature>()
        .expect("signing works");
    let der = cert.to_der().expect("certificates encode");
    let certificate = Certificate::from_der(&der, label).expect("our own certificate parses");
    Identity::new(label, msp_id, certificate, Vec::new(), IdentityKey::software(key)).expect("key matches certificate")
}

/// Run the conformance suite (see [`conformance`]) as `#[test]`s in a module named `$module`.
/// `$factory` is called once per test and returns anything [`Subject`] converts from.
#[macro_export]
macro_rules! backend_conformance {
    ($module:ident, $factory:expr $(,)?) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;

            fn subject() -> $crate::Subject {
                $crate::Subject::from(($factory)())
            }

            $crate::backend_conformance!(@tests
                get_missing_is_none,
                put_absent_then_get,
                put_absent_twice_is_already_exists,
                version_cas_succeeds_and_stale_version_conflicts,
                version_on_missing_is_not_found,
                any_overwrites_and_creates,
                versions_increase_by_one,
                delete_semantics,
                list_by_kind_and_prefix_sorted_and_isolated,
                names_with_unicode_spaces_and_slashes,
                large_values,
                binary_and_empty_values,
                concurrent_cas_increments_are_exact,
                wallet_put_get_and_sign,
                wallet_list_and_remove,
                wallet_rename,
                batch_creates_read_back,
                batch_with_a_failing_expectation_writes_nothing,
                batch_mixes_creates_and_updates,
                batch_of_a_thousand,
                concurrent_batches_are_atomic,
                capabilities_are_honest,
                records_outlive_the_handle,
                delete_by_version_where_cas_delete,
            );
        }
    };
    (@tests $($test:ident),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                $crate::conformance::$test(subject());
            }
        )*
    };
}
