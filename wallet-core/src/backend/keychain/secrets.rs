//! The one place that talks to the OS keychain (keyring-core and this OS's store crate): set,
//! get and delete a 32-byte secret under a service and an entry name, and turn the stores'
//! errors into [`KeychainError`]s that say what to fix.

use super::{KeychainError, KeychainStore};
use keyring_core::{CredentialStore, Entry, Error as KrError};
use std::sync::Arc;
use zeroize::Zeroizing;

/// A 32-byte secret, wiped on drop.
pub(crate) type SecretKey = Zeroizing<[u8; 32]>;

/// A connection to one OS keychain.
#[derive(Clone)]
pub(crate) struct Secrets {
    kind: KeychainStore,
    store: Arc<CredentialStore>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets").field("store", &self.kind).finish()
    }
}

impl Secrets {
    /// Connect to `kind`.
    pub(crate) fn open(kind: KeychainStore) -> Result<Self, KeychainError> {
        let store = open_store(kind)?;
        Ok(Self { kind, store })
    }

    /// Which keychain this is.
    pub(crate) fn kind(&self) -> KeychainStore {
        self.kind
    }

    fn entry(&self, service: &str, user: &str) -> Result<Entry, KeychainError> {
        Entry::new_in_store(&self.store, service, user).map_err(|e| classify(self.kind, e, 0))
    }

    /// Store `secret` under (`service`, `user`), replacing what is there.
    pub(crate) fn set(&self, service: &str, user: &str, secret: &[u8; 32]) -> Result<(), KeychainError> {
        #[cfg(test)]
        super::tests::faults::check("keychain set")?;
        // Hex text, not raw bytes: KWallet's Secret Service keeps only UTF-8.
        let text = Zeroizing::new(hex::encode(secret));
        self.entry(service, user)?.set_password(&text).map_err(|e| classify(self.kind, e, text.len()))
    }

    /// The secret under (`service`, `user`); `None` if there is no such entry. `what` names
    /// the entry's purpose for the error of a damaged one.
    pub(crate) fn get(&self, service: &str, user: &str, what: &str) -> Result<Option<SecretKey>, KeychainError> {
        #[cfg(test)]
        super::tests::faults::check("keychain get")?;
        let text = match self.entry(service, user)?.get_password() {
            Ok(text) => Zeroizing::new(text),
            Err(KrError::NoEntry) => return Ok(None),
            // Deleted by another writer between the store's search and its read: gone, as if
            // the search had not found it (the caller reads the record again).
            Err(e) if vanished(&e) => return Ok(None),
            Err(e) => return Err(classify(self.kind, e, 0)),
        };
        let mut key = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.as_bytes(), &mut *key).map_err(|_| KeychainError::EntryDamaged {
            store: self.kind,
            entry: user.to_owned(),
            what: what.to_owned(),
        })?;
        Ok(Some(key))
    }

    /// Delete the entry (`service`, `user`); `false` if there was none.
    pub(crate) fn delete(&self, service: &str, user: &str) -> Result<bool, KeychainError> {
        #[cfg(test)]
        super::tests::faults::check("keychain delete")?;
        match self.entry(service, user)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(KrError::NoEntry) => Ok(false),
            Err(e) => Err(classify(self.kind, e, 0)),
        }
    }

    /// The entry names under `service`, where the store can search (`None`: it cannot, as the
    /// kernel keyring).
    pub(crate) fn search(&self, service: &str) -> Result<Option<Vec<String>>, KeychainError> {
        let spec = std::collections::HashMap::from([("service", service)]);
        match Entry::search_in_store(&self.store, &spec) {
            Ok(found) => Ok(Some(
                found
                    .iter()
                    .filter_map(Entry::get_specifiers)
                    .filter(|(s, _)| s == service)
                    .map(|(_, user)| user)
                    .collect(),
            )),
            Err(KrError::NotSupportedByStore(_)) => Ok(None),
            Err(e) => Err(classify(self.kind, e, 0)),
        }
    }
}

#[allow(unreachable_code)]
fn open_store(kind: KeychainStore) -> Result<Arc<CredentialStore>, KeychainError> {
    let not_here = || KeychainError::NotCompiledIn { store: kind, why: "another operating system's keychain" };
    let made: keyring_core::Result<Arc<CredentialStore>> = match kind {
        KeychainStore::SecretService => {
            #[cfg(target_os = "linux")]
            {
                zbus_secret_service_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>)
            }
            #[cfg(not(target_os = "linux"))]
            return Err(not_here());
        }
        KeychainStore::Keyutils => {
            #[cfg(target_os = "linux")]
            {
                linux_keyutils_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>)
            }
            #[cfg(not(target_os = "linux"))]
            return Err(not_here());
        }
        KeychainStore::MacKeychain => {
            #[cfg(target_os = "macos")]
            {
                apple_native_keyring_store::keychain::Store::new().map(|s| s as Arc<CredentialStore>)
            }
            #[cfg(not(target_os = "macos"))]
            return Err(not_here());
        }
        KeychainStore::WindowsCredentials => {
            #[cfg(windows)]
            {
                windows_native_keyring_store::Store::new().map(|s| s as Arc<CredentialStore>)
            }
            #[cfg(not(windows))]
            return Err(not_here());
        }
    };
    made.map_err(|e| classify(kind, e, 0))
}

/// Whether `err` says the item was there when the store looked it up and gone when it read it:
/// the Secret Service answers a read of a deleted item's D-Bus object with UnknownMethod
/// ("Object does not exist at path …") or UnknownObject.
fn vanished(err: &KrError) -> bool {
    #[cfg(target_os = "linux")]
    if let KrError::PlatformFailure(inner) | KrError::NoStorageAccess(inner) = err {
        if let Some(secret_service::Error::Zbus(zbus::Error::MethodError(name, _, _))) =
            inner.downcast_ref::<secret_service::Error>()
        {
            return matches!(
                name.as_str(),
                "org.freedesktop.DBus.Error.UnknownMethod"
                    | "org.freedesktop.DBus.Error.UnknownObject"
                    | "org.freedesktop.Secret.Error.NoSuchObject"
            );
        }
    }
    let _ = err;
    false
}

/// A store error as the [`KeychainError`] whose fix applies. `len` is the size of the item
/// being written, for "too large".
fn classify(store: KeychainStore, err: KrError, len: usize) -> KeychainError {
    let detail = err.to_string();
    match err {
        KrError::NoStorageAccess(inner) => {
            if let Some(kind) = platform_kind(store, inner.as_ref()) {
                return kind.into_error(store, detail, Some(inner));
            }
            KeychainError::AccessDenied { store, detail, source: Some(inner) }
        }
        KrError::PlatformFailure(inner) => match platform_kind(store, inner.as_ref()) {
            Some(kind) => kind.into_error(store, detail, Some(inner)),
            None => KeychainError::Failed { store, detail, source: Some(inner) },
        },
        KrError::TooLong(_, _) => KeychainError::TooLarge { store, len, detail },
        other => KeychainError::Failed { store, detail, source: Some(Box::new(other)) },
    }
}

/// What a platform error means, where it is one we can tell apart.
enum Kind {
    NoService,
    Locked,
    AccessDenied,
    Blocked,
}

impl Kind {
    fn into_error(self, store: KeychainStore, detail: String, source: Option<crate::backend::Cause>) -> KeychainError {
        match self {
            Kind::NoService => KeychainError::NoService { store, detail, source },
            Kind::Locked => KeychainError::Locked { store, detail, source },
            Kind::AccessDenied => KeychainError::AccessDenied { store, detail, source },
            Kind::Blocked => KeychainError::Blocked { detail, source },
        }
    }
}

#[allow(unused_variables)]
fn platform_kind(store: KeychainStore, inner: &(dyn std::error::Error + 'static)) -> Option<Kind> {
    #[cfg(target_os = "linux")]
    {
        if let Some(e) = inner.downcast_ref::<secret_service::Error>() {
            return secret_service_kind(e);
        }
        if let Some(e) = inner.downcast_ref::<linux_keyutils::KeyError>() {
            return keyutils_kind(e);
        }
    }
    None
}

#[cfg(target_os = "linux")]
fn secret_service_kind(e: &secret_service::Error) -> Option<Kind> {
    use secret_service::Error as Ss;
    match e {
        Ss::Locked | Ss::Prompt | Ss::PromptDisconnected | Ss::NoResult => Some(Kind::Locked),
        Ss::Unavailable => Some(Kind::NoService),
        Ss::Zbus(z) => zbus_kind(z),
        Ss::ZbusFdo(zbus::fdo::Error::ServiceUnknown(_) | zbus::fdo::Error::NameHasNoOwner(_)) => Some(Kind::NoService),
        Ss::ZbusFdo(zbus::fdo::Error::AccessDenied(_)) => Some(Kind::AccessDenied),
        _ => None,
    }
}

#[cfg(target_os = "linux")]
fn zbus_kind(e: &zbus::Error) -> Option<Kind> {
    match e {
        // No session bus: no address in the environment, or nothing listening there.
        zbus::Error::Address(_) | zbus::Error::InputOutput(_) | zbus::Error::Handshake(_) => Some(Kind::NoService),
        zbus::Error::MethodError(name, _, _)
            if name.as_str() == "org.freedesktop.DBus.Error.ServiceUnknown"
                || name.as_str() == "org.freedesktop.DBus.Error.NameHasNoOwner" =>
        {
            Some(Kind::NoService)
        }
        zbus::Error::FDO(fdo) => match fdo.as_ref() {
            zbus::fdo::Error::ServiceUnknown(_) | zbus::fdo::Error::NameHasNoOwner(_) => Some(Kind::NoService),
            zbus::fdo::Error::AccessDenied(_) => Some(Kind::AccessDenied),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(target_os = "linux")]
fn keyutils_kind(e: &linux_keyutils::KeyError) -> Option<Kind> {
    use linux_keyutils::KeyError as K;
    const ENOSYS: i32 = 38;
    match e {
        // A seccomp profile (Docker's default) answers the keyring calls with EPERM or ENOSYS.
        K::PermissionDenied | K::OperationNotSupported => Some(Kind::Blocked),
        K::Unknown(code) if *code == ENOSYS => Some(Kind::Blocked),
        K::AccessDenied => Some(Kind::AccessDenied),
        _ => None,
    }
}
