//! A key store that holds its keys in process memory and never lets them out.
//!
//! It stands in for a key that can never be read (Vault Transit, a PKCS#11 token): the record
//! of an identity enrolled with it holds only `{"type":"ref","scheme":"memory","id":…}`, and
//! the key cannot be exported. So the CA suite and the C suite, run with it, prove that nothing
//! in the library needs to read a private key. Its keys end with the process (or the store), so
//! it is for tests and single-process runs: select it with `WALLET_KEY_STORE=memory`
//! ([`super::keystore::ENV_KEY_STORE`]), which uses one store per process
//! ([`MemoryKeyStore::process`]).

use super::error::KeyError;
use super::keystore::{KeyRef, KeyStore, StoredKey};
use super::{PublicKey, Signer, SoftwareKey};
use crate::error::Result;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use zeroize::Zeroizing;

/// The scheme of keys held in memory.
pub const MEMORY_SCHEME: &str = "memory";

/// Keys generated and held in this process's memory; not exportable.
#[derive(Debug, Default)]
pub struct MemoryKeyStore {
    keys: Mutex<HashMap<String, Arc<MemoryKey>>>,
    next: AtomicU64,
}

impl MemoryKeyStore {
    /// A new, empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The one store of this process, shared by every wallet that selects it by name (the CLI
    /// and the C library through `WALLET_KEY_STORE=memory`), so a key made through one wallet
    /// handle can be loaded through another.
    pub fn process() -> Arc<MemoryKeyStore> {
        static PROCESS: OnceLock<Arc<MemoryKeyStore>> = OnceLock::new();
        PROCESS.get_or_init(|| Arc::new(MemoryKeyStore::new())).clone()
    }

    /// How many keys the store holds.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether the store holds no key.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<MemoryKey>>> {
        // A panic while holding the lock cannot leave the map half-changed (one insert or remove).
        self.keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn hold(&self, name: &str, key: SoftwareKey) -> StoredKey {
        // Unique within the store: the label it was made for, then a counter.
        let id = format!("{name}#{}", self.next.fetch_add(1, Ordering::Relaxed) + 1);
        let key = Arc::new(MemoryKey(key));
        self.lock().insert(id.clone(), key.clone());
        StoredKey { reference: KeyRef::external(MEMORY_SCHEME, &id), signer: key }
    }

    fn id<'r>(&self, reference: &'r KeyRef) -> Result<&'r str> {
        match reference {
            KeyRef::External { scheme, id, .. } if scheme == MEMORY_SCHEME => Ok(id),
            other => Err(KeyError::store(
                MEMORY_SCHEME,
                format!("was handed a {} key, which it does not hold", other.describe()),
            )
            .into()),
        }
    }
}

impl KeyStore for MemoryKeyStore {
    fn scheme(&self) -> &str {
        MEMORY_SCHEME
    }

    fn generate(&self, name: &str) -> Result<StoredKey> {
        Ok(self.hold(name, SoftwareKey::generate()))
    }

    fn load(&self, reference: &KeyRef, public: Option<&PublicKey>) -> Result<Arc<dyn Signer>> {
        let id = self.id(reference)?;
        let key = self.lock().get(id).cloned().ok_or_else(|| KeyError::UnknownKey {
            store: MEMORY_SCHEME.into(),
            id: id.to_owned(),
            note: Some("keys held in memory live only as long as the process (and store) that made them".into()),
        })?;
        // The held key knows its public key (generated or imported), so this costs no EC work.
        if public.is_some_and(|p| *p != key.0.public_key()) {
            return Err(KeyError::Mismatch { label: reference.describe() }.into());
        }
        Ok(key)
    }

    fn import(&self, name: &str, key: &SoftwareKey) -> Result<StoredKey> {
        let copy = key.clone();
        // Derive the public key now, so loading never does EC work under the store's lock.
        let _ = copy.public_key();
        Ok(self.hold(name, copy))
    }

    fn exportable(&self) -> bool {
        false
    }

    fn delete(&self, reference: &KeyRef) -> Result<()> {
        let id = self.id(reference)?;
        self.lock().remove(id);
        Ok(())
    }
}

/// A key of the memory store: signs as its software key, never exports it.
struct MemoryKey(SoftwareKey);

impl std::fmt::Debug for MemoryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemoryKey(<not exportable>)")
    }
}

impl Signer for MemoryKey {
    fn public_key(&self) -> PublicKey {
        self.0.public_key()
    }

    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        self.0.sign_digest(digest)
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.0.sign(message)
    }

    fn export_pkcs8_der(&self) -> Option<Zeroizing<Vec<u8>>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::verify;

    #[test]
    fn keys_sign_load_and_never_export() {
        let store = MemoryKeyStore::new();
        assert!(!store.exportable());
        let made = store.generate("alice").unwrap();
        assert_eq!(made.reference.scheme(), MEMORY_SCHEME);
        let json = serde_json::to_string(&made.reference).unwrap();
        assert!(json.starts_with(r#"{"type":"ref","scheme":"memory","id":"alice#"#), "{json}");
        assert!(made.signer.export_pkcs8_der().is_none());
        let public = made.signer.public_key();
        let loaded = store.load(&made.reference, Some(&public)).unwrap();
        verify(&public, b"m", &loaded.sign(b"m").unwrap()).unwrap();
        verify(&public, b"m", &loaded.sign_digest(&crate::crypto::sha256(b"m")).unwrap()).unwrap();
        assert!(loaded.export_pkcs8_der().is_none());
        assert!(!format!("{loaded:?}").contains("Software"));
    }

    #[test]
    fn two_keys_for_one_label_are_two_keys() {
        let store = MemoryKeyStore::new();
        let a = store.generate("bob").unwrap();
        let b = store.generate("bob").unwrap();
        assert_ne!(a.reference, b.reference);
        assert_ne!(a.signer.public_key(), b.signer.public_key());
        assert_eq!(store.len(), 2);
    }

    #[test]
    fn an_unknown_or_deleted_key_is_a_clear_error() {
        let store = MemoryKeyStore::new();
        let made = store.generate("carol").unwrap();
        store.delete(&made.reference).unwrap();
        assert!(store.is_empty());
        let err = store.load(&made.reference, None).unwrap_err().to_string();
        assert!(err.contains("no key \"carol#1\" in the memory key store") && err.contains("process"), "{err}");
        let err = MemoryKeyStore::new().load(&made.reference, None).unwrap_err().to_string();
        assert!(err.contains("carol#1"), "{err}");
    }

    #[test]
    fn a_key_that_does_not_match_the_certificate_is_refused() {
        let store = MemoryKeyStore::new();
        let made = store.generate("dave").unwrap();
        let other = SoftwareKey::generate().public_key();
        let err = store.load(&made.reference, Some(&other)).unwrap_err();
        assert!(matches!(err, crate::Error::Key(KeyError::Mismatch { .. })), "{err}");
    }

    #[test]
    fn other_references_are_refused() {
        let store = MemoryKeyStore::new();
        let software = KeyRef::software(&SoftwareKey::generate());
        let err = store.load(&software, None).unwrap_err().to_string();
        assert!(err.contains("memory key store") && err.contains("software"), "{err}");
        assert!(store.load(&KeyRef::external("transit", "x"), None).is_err());
    }

    #[test]
    fn imported_keys_are_held_not_exported() {
        let store = MemoryKeyStore::new();
        let key = SoftwareKey::generate();
        let held = store.import("erin", &key).unwrap();
        assert_eq!(held.signer.public_key(), key.public_key());
        assert!(held.signer.export_pkcs8_der().is_none());
    }

    #[test]
    fn the_process_store_is_one_store() {
        let made = MemoryKeyStore::process().generate("frank").unwrap();
        MemoryKeyStore::process().load(&made.reference, None).unwrap();
        MemoryKeyStore::process().delete(&made.reference).unwrap();
    }
}
