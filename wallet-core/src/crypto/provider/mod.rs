//! Crypto providers: the P-256 arithmetic behind software keys, in the spirit of rustls'
//! `CryptoProvider`.
//!
//! A provider generates keys, builds a signing key from a scalar, signs messages and precomputed
//! SHA-256 digests, and verifies. Everything above it (DER, low S, key formats, certificates)
//! is the same whatever the provider, and every provider passes the same test suite
//! (`crypto/tests.rs`, one `provider_suite!` per provider).
//!
//! | provider | feature | what it is |
//! | --- | --- | --- |
//! | [`AWS_LC`] (`aws-lc`) | `fast-ec` (default) | aws-lc-rs: AWS-LC's assembly P-256; its generator is a NIST CTR-DRBG seeded from the OS |
//! | [`RUST_CRYPTO`] (`rustcrypto`) | always | the pure-Rust `p256` crate; OS randomness (`getrandom`), RFC 6979 nonces |
//!
//! **Which one is used.** [`get_default`] is the provider installed with [`install_default`]
//! (the CLI and the C library install theirs at start-up, after [`from_env`]), else the build's
//! default, [`BUILD_DEFAULT`]: `aws-lc` when compiled in, else `rustcrypto`. The variable
//! `WALLET_CRYPTO_PROVIDER` names one for a process (`aws-lc`, `rustcrypto`). A key keeps the
//! provider it was made with ([`crate::crypto::SoftwareKey::with_provider`] picks another).

#[cfg(feature = "fast-ec")]
mod aws_lc;
mod rust_crypto;

#[cfg(feature = "fast-ec")]
pub use aws_lc::AwsLc;
pub use rust_crypto::RustCrypto;

use super::{KeyError, PublicKey};
use crate::error::Result;
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// The variable that picks a provider for one process (read by the CLI and the C library).
pub const WALLET_CRYPTO_PROVIDER: &str = "WALLET_CRYPTO_PROVIDER";

/// The P-256 operations a software key needs.
///
/// Signatures come back as the provider makes them: DER `SEQUENCE { r, s }`, S not yet
/// normalised (the caller makes it low). Randomness must come from the operating system or a
/// vetted DRBG seeded from it.
pub trait CryptoProvider: Send + Sync + std::fmt::Debug + 'static {
    /// The provider's name, as `WALLET_CRYPTO_PROVIDER` spells it.
    fn name(&self) -> &'static str;

    /// A new key: its scalar and its public key (computed while generating).
    fn generate(&self) -> Result<(Zeroizing<[u8; 32]>, PublicKey)>;

    /// The signing state for `scalar` (range already checked). With `public`, the provider must
    /// refuse a pair that does not match; without, it derives the public key. Returns both.
    fn signing_key(&self, scalar: &[u8; 32], public: Option<&PublicKey>) -> Result<(Box<dyn ProviderKey>, PublicKey)>;

    /// Whether `der` is a valid signature by `key` over the SHA-256 `digest`. Malformed DER,
    /// zero or out-of-range r or s, trailing bytes: false. A high S is valid ECDSA (true); the
    /// caller reports it.
    fn verify_digest(&self, key: &PublicKey, digest: &[u8; 32], der: &[u8]) -> bool;
}

/// A provider's signing state for one key (built once per key, shared by its clones).
pub trait ProviderKey: Send + Sync {
    /// ECDSA over SHA-256 of `message`: DER, S as the provider made it.
    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>>;

    /// ECDSA over a SHA-256 digest computed elsewhere: DER, S as the provider made it.
    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>>;
}

/// The pure-Rust provider (always compiled).
pub static RUST_CRYPTO: RustCrypto = RustCrypto;

/// The aws-lc-rs provider (feature `fast-ec`).
#[cfg(feature = "fast-ec")]
pub static AWS_LC: AwsLc = AwsLc;

/// The provider a build uses when nobody installed one: the fastest compiled in.
#[cfg(feature = "fast-ec")]
pub static BUILD_DEFAULT: &dyn CryptoProvider = &AWS_LC;
/// The provider a build uses when nobody installed one: the fastest compiled in.
#[cfg(not(feature = "fast-ec"))]
pub static BUILD_DEFAULT: &dyn CryptoProvider = &RUST_CRYPTO;

/// Every provider compiled into this build, the default first.
pub fn all() -> Vec<&'static dyn CryptoProvider> {
    vec![
        #[cfg(feature = "fast-ec")]
        &AWS_LC,
        &RUST_CRYPTO,
    ]
}

/// The provider called `name` (`aws-lc`, `rustcrypto`), if this build has it.
pub fn by_name(name: &str) -> Result<&'static dyn CryptoProvider> {
    all().into_iter().find(|p| p.name() == name).ok_or_else(|| {
        let known = all().iter().map(|p| p.name()).collect::<Vec<_>>().join(", ");
        KeyError::UnknownProvider { name: name.to_owned(), known }.into()
    })
}

/// The provider `WALLET_CRYPTO_PROVIDER` names; `None` when unset or empty.
pub fn from_env() -> Result<Option<&'static dyn CryptoProvider>> {
    match std::env::var_os(WALLET_CRYPTO_PROVIDER) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) => match v.to_str() {
            Some(name) => by_name(name).map(Some),
            None => Err(KeyError::UnknownProvider { name: v.to_string_lossy().into_owned(), known: names() }.into()),
        },
    }
}

fn names() -> String {
    all().iter().map(|p| p.name()).collect::<Vec<_>>().join(", ")
}

static INSTALLED: OnceLock<&'static dyn CryptoProvider> = OnceLock::new();

/// Make `provider` the process's default for new and loaded software keys. The first call wins
/// (as in rustls); returns false if another provider was installed already.
pub fn install_default(provider: &'static dyn CryptoProvider) -> bool {
    INSTALLED.set(provider).is_ok() || INSTALLED.get().is_some_and(|p| p.name() == provider.name())
}

/// The programs this workspace builds, each with its own default provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Artefact {
    /// `wallet-core` used from Rust: [`BUILD_DEFAULT`] unless the program installs another.
    Library,
    /// The `wallet` command: short processes, so a provider's one-time start-up counts.
    Cli,
    /// libwallet, the C library: long-lived applications signing digests (fabric-gateway).
    CLibrary,
}

/// The default provider of `artefact`, chosen by measurement (BENCHMARKS.md, "Crypto
/// providers"):
///
/// - the library and the C library: aws-lc where it is compiled in (long-lived processes; it
///   signs digests about 8× faster than `p256`);
/// - the CLI: `rustcrypto`. A `wallet` process signs once or a few times, and AWS-LC's first
///   use (seeding its DRBG from jitter entropy) cost about 40 ms of CPU per process here,
///   against ~0.1 ms for a pure-Rust signature. Bulk commands gain from aws-lc
///   (`WALLET_CRYPTO_PROVIDER=aws-lc wallet ca bulk-enroll …`).
pub fn default_for(artefact: Artefact) -> &'static dyn CryptoProvider {
    match artefact {
        Artefact::Library | Artefact::CLibrary => BUILD_DEFAULT,
        Artefact::Cli => &RUST_CRYPTO,
    }
}

/// Install the provider `WALLET_CRYPTO_PROVIDER` names, else `artefact`'s default, as the
/// process's default (the CLI and the C library call this before they open a wallet). A name
/// this build does not know is an error and installs nothing.
pub fn install_from_env(artefact: Artefact) -> Result<&'static dyn CryptoProvider> {
    let provider = from_env()?.unwrap_or_else(|| default_for(artefact));
    install_default(provider);
    Ok(get_default())
}

/// The process's provider: the installed one, else [`BUILD_DEFAULT`].
pub fn get_default() -> &'static dyn CryptoProvider {
    INSTALLED.get().copied().unwrap_or(BUILD_DEFAULT)
}

/// A provider failure (never secret material in it).
pub(crate) fn failure(provider: &dyn CryptoProvider, what: &str, detail: impl std::fmt::Display) -> crate::Error {
    KeyError::parse(what, format!("{} provider: {detail}", provider.name())).into()
}
