//! What a caller hands a provider to open or create a store: secrets and settings.
//!
//! [`OpenOptions`] is `#[non_exhaustive]`: build it with [`OpenOptions::new`] and the `with_*`
//! methods, so new credentials (a Vault token, TLS roots, a keychain service name…) can be added
//! without breaking callers. A provider reads what it needs and ignores the rest.

use std::collections::BTreeMap;
use std::path::PathBuf;
use zeroize::Zeroizing;

/// A passphrase, zeroized on drop and never shown by `Debug`.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Wrap a passphrase.
    pub fn new(s: impl Into<String>) -> Self {
        Self(Zeroizing::new(s.into()))
    }

    /// The bytes, for key derivation.
    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

/// A secret credential other than a passphrase (an access token), zeroized on drop and never
/// shown by `Debug`.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wrap a secret.
    pub fn new(s: impl Into<String>) -> Self {
        Self(Zeroizing::new(s.into()))
    }

    /// The secret text, to hand to the service that wants it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// How a store that encrypts at rest (`file:`) is unlocked: at create, and as the target of
/// [`super::Provider::change_unlock`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Unlock {
    /// With the passphrase (derived with Argon2id); the default.
    #[default]
    Passphrase,
    /// With a random key kept in this OS keychain: no passphrase needed to open.
    Keychain(super::keychain::KeychainStore),
}

impl Unlock {
    /// Parse `passphrase`, `keychain` (this OS's usual keychain) or `keychain:STORE`
    /// (`keychain:keyutils`, `keychain:secret-service`…).
    pub fn parse(text: &str) -> Result<Self, String> {
        use super::keychain::KeychainStore;
        let names = || KeychainStore::ALL.map(KeychainStore::name).join(", ");
        match text.split_once(':') {
            None if text == "passphrase" => Ok(Self::Passphrase),
            None if text == "keychain" => KeychainStore::platform_default().map(Self::Keychain).ok_or_else(|| {
                format!("this operating system has no usual keychain; name one: keychain:STORE ({})", names())
            }),
            Some(("keychain", store)) => KeychainStore::from_name(store)
                .map(Self::Keychain)
                .ok_or_else(|| format!("unknown keychain store {store:?}; the stores are {}", names())),
            _ => Err(format!("expected passphrase, keychain or keychain:STORE, not {text:?}")),
        }
    }
}

/// The certificate authorities a network store's server certificate must chain to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsRoot {
    /// PEM text of one or more certificates.
    Pem(String),
    /// A file holding them as PEM.
    Path(PathBuf),
}

/// How to open (or create) a store. Build with [`OpenOptions::new`] and `with_*`; read the
/// public fields.
///
/// ```
/// use wallet_core::backend::{OpenOptions, Passphrase};
/// let options = OpenOptions::new().with_passphrase(Passphrase::new("correct horse"));
/// assert!(options.passphrase.is_some() && options.kdf.is_none());
/// ```
#[derive(Clone, Default)]
#[non_exhaustive]
pub struct OpenOptions {
    /// The passphrase for stores that encrypt at rest (`file:`).
    pub passphrase: Option<Passphrase>,
    /// Key-derivation parameters for a new file wallet (`None` = the documented default).
    pub kdf: Option<super::file::KdfParams>,
    /// An access token for stores behind a service (Vault/OpenBao).
    pub token: Option<Secret>,
    /// The roots that a network store's TLS certificate must chain to (`None`: the system's).
    pub tls_root: Option<TlsRoot>,
    /// Settings of one provider that have no field of their own (`namespace`, `mount`,
    /// `service`…). Not for secrets: `Debug` shows the keys only, but values are not zeroized.
    pub extra: BTreeMap<String, String>,
    /// How a new file wallet is unlocked, or what [`super::Provider::change_unlock`] switches
    /// it to (with [`Unlock::Passphrase`], the passphrase is [`passphrase`](Self::passphrase)).
    pub unlock: Unlock,
}

impl OpenOptions {
    /// No secrets, default settings.
    pub fn new() -> Self {
        Self::default()
    }

    /// With a passphrase (or none: `with_passphrase(None)`).
    pub fn with_passphrase(mut self, passphrase: impl Into<Option<Passphrase>>) -> Self {
        self.passphrase = passphrase.into();
        self
    }

    /// With key-derivation parameters for a store that is created (or the default: `None`).
    pub fn with_kdf(mut self, kdf: impl Into<Option<super::file::KdfParams>>) -> Self {
        self.kdf = kdf.into();
        self
    }

    /// With an access token (or none).
    pub fn with_token(mut self, token: impl Into<Option<Secret>>) -> Self {
        self.token = token.into();
        self
    }

    /// With TLS roots (or the system's: `None`).
    pub fn with_tls_root(mut self, root: impl Into<Option<TlsRoot>>) -> Self {
        self.tls_root = root.into();
        self
    }

    /// Unlocked with a passphrase or the keychain.
    pub fn with_unlock(mut self, unlock: Unlock) -> Self {
        self.unlock = unlock;
        self
    }

    /// With one provider-specific setting.
    pub fn with_extra(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }
}

impl std::fmt::Debug for OpenOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenOptions")
            .field("passphrase", &self.passphrase)
            .field("kdf", &self.kdf)
            .field("token", &self.token)
            .field("tls_root", &self.tls_root)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .field("unlock", &self.unlock)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets_or_extra_values() {
        let options = OpenOptions::new()
            .with_passphrase(Passphrase::new("hunter2"))
            .with_token(Secret::new("s.token"))
            .with_tls_root(TlsRoot::Path("/etc/ca.pem".into()))
            .with_extra("namespace", "team-a-secret-ish");
        let shown = format!("{options:?}");
        for secret in ["hunter2", "s.token", "team-a-secret-ish"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("namespace") && shown.contains("ca.pem"), "{shown}");
    }

    #[test]
    fn builders_take_a_value_or_none() {
        let with = OpenOptions::new().with_passphrase(Passphrase::new("p"));
        assert_eq!(with.passphrase.as_ref().map(Passphrase::expose), Some(&b"p"[..]));
        assert!(with.with_passphrase(None).passphrase.is_none());
    }
}
