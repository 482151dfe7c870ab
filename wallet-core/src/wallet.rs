//! The typed identity store on top of a [`Backend`].

use crate::backend::{self, Backend, BackendUri, Expect, OpenOptions, Passphrase, Provider, RecordKey};
use crate::crypto::{KeyError, KeyRef, KeyStores};
use crate::error::{Error, FormatError, Result};
use crate::identity::{normalize_label, validate_label, validate_stored_label, Certificate, Identity, IdentityKey};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use zeroize::Zeroizing;

/// The environment variables naming a wallet and its passphrase, under their former names; they
/// are read by [`crate::env`].
pub use crate::env::{WALLET_PASSPHRASE as ENV_PASSPHRASE, WALLET_URI as ENV_WALLET_URI};

/// Record kind under which identities are stored.
pub const IDENTITY_KIND: &str = "identity";

/// The format version of an identity record.
const IDENTITY_RECORD_VERSION: u32 = 1;

#[derive(serde::Serialize, serde::Deserialize)]
struct IdentityRecord {
    v: u32,
    msp_id: String,
    /// Base64 DER, the enrolment certificate first, then its issuers.
    certs: Vec<String>,
    /// Where the private key lives: `{"type":"p256","scalar":…}` for a software key (the form
    /// of every record written before key references), `{"type":"ref",…}` for a key held by
    /// another store.
    key: KeyRef,
}

/// Only the key reference of a record (for [`Wallet::remove`], which must not need the rest).
#[derive(serde::Deserialize)]
struct KeyOnly {
    key: KeyRef,
}

/// An identity store.
pub struct Wallet {
    backend: Box<dyn Backend>,
    /// The provider that opened the backend, for admin operations (`None`: made from a handle).
    provider: Option<&'static dyn Provider>,
    keys: KeyStores,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet")
            .field("backend", &self.backend)
            .field("provider", &self.provider.map(|p| p.scheme()))
            .field("keys", &self.keys)
            .finish()
    }
}

impl Wallet {
    /// Open the wallet at `uri` (see [`BackendUri`]).
    pub fn open(uri: &str, options: &OpenOptions) -> Result<Self> {
        let uri = BackendUri::parse(uri)?;
        // The scheme only: a URI may carry credentials.
        tracing::debug!(scheme = uri.scheme(), "opening the backend");
        let provider = backend::provider(&uri)?;
        Ok(Self { backend: provider.open(&uri, options)?, provider: Some(provider), keys: KeyStores::new() })
    }

    /// Create a new, empty wallet at `uri`.
    pub fn create(uri: &str, options: &OpenOptions) -> Result<Self> {
        let uri = BackendUri::parse(uri)?;
        let provider = backend::provider(&uri)?;
        Ok(Self { backend: provider.create(&uri, options)?, provider: Some(provider), keys: KeyStores::new() })
    }

    /// A wallet over an already-open backend. Admin operations
    /// ([`change_passphrase`](Self::change_passphrase)) need [`Wallet::from_store`].
    pub fn from_backend(backend: Box<dyn Backend>) -> Self {
        Self { backend, provider: None, keys: KeyStores::new() }
    }

    /// A wallet over a backend that `provider` opened.
    pub fn from_store(provider: &'static dyn Provider, backend: Box<dyn Backend>) -> Self {
        Self { backend, provider: Some(provider), keys: KeyStores::new() }
    }

    /// Use these key stores: identities are loaded through the store their record names, and
    /// new keys (enrolment, the CA's own key) are made in the default one.
    pub fn with_key_stores(mut self, keys: KeyStores) -> Self {
        self.keys = keys;
        self
    }

    /// The key stores this wallet loads and makes keys with.
    pub fn key_stores(&self) -> &KeyStores {
        &self.keys
    }

    /// A new key for the identity `label`, made in the default key store.
    pub fn generate_key(&self, label: &str) -> Result<IdentityKey> {
        Ok(self.keys.generate(label)?.into())
    }

    /// The backend, for components that keep their own records beside identities (the CA).
    pub fn backend(&self) -> &dyn Backend {
        self.backend.as_ref()
    }

    /// Where the wallet lives (for messages).
    pub fn location(&self) -> String {
        self.backend.location()
    }

    fn key(label: &str) -> RecordKey {
        RecordKey::new(IDENTITY_KIND, label)
    }

    /// Store an identity under its label. Refused if the label exists, unless `overwrite`.
    pub fn put(&self, identity: &Identity, overwrite: bool) -> Result<()> {
        tracing::info!(label = identity.label(), msp_id = identity.msp_id(), overwrite, "storing an identity");
        let bytes = encode_identity(identity)?;
        let expect = if overwrite { Expect::Any } else { Expect::Absent };
        self.backend.put(&Self::key(identity.label()), &bytes, expect)?;
        Ok(())
    }

    /// Load an identity; [`Error::NotFound`] if there is none under `label`.
    pub fn get(&self, label: &str) -> Result<Identity> {
        self.try_get(label)?.ok_or_else(|| self.not_found(label))
    }

    /// Load an identity if it exists.
    pub fn try_get(&self, label: &str) -> Result<Option<Identity>> {
        let label = &*normalize_label(label);
        validate_stored_label(label)?;
        let key = Self::key(label);
        match self.backend.get(&key)? {
            None => Ok(None),
            Some(rec) => decode_identity(label, &rec.value, &self.keys).map(Some),
        }
    }

    /// Whether an identity exists under `label`.
    pub fn contains(&self, label: &str) -> Result<bool> {
        let label = &*normalize_label(label);
        validate_stored_label(label)?;
        match self.backend.get(&Self::key(label)) {
            Ok(found) => Ok(found.is_some()),
            // A damaged record is still there: `put` with overwrite (`import --force`) and
            // `remove` replace or delete it.
            Err(e) if Self::is_damaged(&e) => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// A record that is there but cannot be read back whole: it failed its integrity check, or
    /// its keychain entry is gone or damaged.
    fn is_damaged(e: &Error) -> bool {
        match e {
            Error::Backend(crate::backend::BackendError::Integrity { .. }) => true,
            Error::Backend(crate::backend::BackendError::Keychain(k)) => matches!(
                k.as_ref(),
                crate::backend::keychain::KeychainError::EntryMissing { .. }
                    | crate::backend::keychain::KeychainError::EntryDamaged { .. }
            ),
            _ => false,
        }
    }

    /// All labels, sorted.
    pub fn list(&self) -> Result<Vec<String>> {
        self.backend.list(IDENTITY_KIND, "")
    }

    /// Remove an identity, then ask the store that holds its key to forget the key (software
    /// keys go with the record). A record that fails its integrity check is still removed; its
    /// key, which cannot be read from it, is left where it is.
    pub fn remove(&self, label: &str) -> Result<()> {
        tracing::info!(label, "removing an identity");
        let label = &*normalize_label(label);
        validate_stored_label(label)?;
        let key = Self::key(label);
        let (expect, reference) = match self.backend.get(&key) {
            Ok(None) => return Err(self.not_found(label)),
            Ok(Some(rec)) => {
                (Expect::Version(rec.version), serde_json::from_slice::<KeyOnly>(&rec.value).ok().map(|k| k.key))
            }
            // A damaged record, or a keychain entry deleted or overwritten behind the wallet's
            // back: the record can still go (there is no key left to delete).
            Err(e) if Self::is_damaged(&e) => (Expect::Any, None),
            Err(e) => return Err(e),
        };
        if !self.backend.delete(&key, expect)? {
            return Err(self.not_found(label));
        }
        // The record goes first: a failure here leaves an unused key, never an identity without one.
        match reference.as_ref().map(|r| (r, self.keys.get(r.scheme()))) {
            Some((reference, Ok(store))) => store.delete(reference).map_err(|e| {
                KeyError::store_caused_by(
                    reference.scheme(),
                    format!(
                        "identity {label:?} was removed, but its key {} could not be deleted",
                        reference.describe()
                    ),
                    e,
                )
                .into()
            }),
            // A store this wallet was not given keeps its key; nothing here can reach it.
            Some((_, Err(_))) | None => Ok(()),
        }
    }

    /// Rename an identity. The new record is written before the old one is removed, so a crash
    /// in between leaves both, never neither.
    pub fn rename(&self, from: &str, to: &str, overwrite: bool) -> Result<()> {
        let (from, to) = (&*normalize_label(from), &*normalize_label(to));
        validate_label(to)?;
        let current = self.backend.get(&Self::key(from))?.ok_or_else(|| self.not_found(from))?;
        // Re-encode rather than copy: nothing in the record names the label, but decoding proves
        // the record is sound before it is duplicated.
        let identity = decode_identity(from, &current.value, &self.keys)?.with_label(to)?;
        self.put(&identity, overwrite)?;
        self.backend.delete(&Self::key(from), Expect::Version(current.version))?;
        Ok(())
    }

    /// Change the passphrase that protects the wallet at rest (through its provider).
    pub fn change_passphrase(&self, new: &Passphrase) -> Result<()> {
        self.change_unlock(&OpenOptions::new().with_passphrase(new.clone()))
    }

    /// Change the secret that unlocks the wallet's store to the one in `new` (see
    /// [`Provider::change_unlock`]).
    pub fn change_unlock(&self, new: &OpenOptions) -> Result<()> {
        match self.provider {
            Some(provider) => provider.change_unlock(self.backend.as_ref(), new),
            None => Err(Error::Unsupported(format!(
                "cannot change how {} is unlocked: the wallet was made from a backend handle, not opened by URI",
                self.location()
            ))),
        }
    }

    fn not_found(&self, label: &str) -> Error {
        Error::NotFound { kind: "identity", name: label.to_owned(), location: self.location() }
    }
}

/// Serialize an identity to its record bytes. The record holds the key's reference, never more
/// (for a software key the reference is the scalar, so the record is sealed by its backend).
pub fn encode_identity(identity: &Identity) -> Result<Zeroizing<Vec<u8>>> {
    let key = identity.key_ref().clone();
    let certs = std::iter::once(identity.certificate()).chain(identity.chain()).map(|c| B64.encode(c.der())).collect();
    let rec = IdentityRecord { v: IDENTITY_RECORD_VERSION, msp_id: identity.msp_id().to_owned(), certs, key };
    Ok(Zeroizing::new(serde_json::to_vec(&rec).expect("identity records always serialize")))
}

/// Parse an identity record and rebuild its signer through the store in `keys` that owns its
/// key. The record's integrity was already proved by the backend, so the key is not checked
/// against the certificate here (for a software key that would cost a scalar multiplication);
/// the store is given the certificate's public key instead.
pub fn decode_identity(label: &str, bytes: &[u8], keys: &KeyStores) -> Result<Identity> {
    let what = format!("identity record {label:?}");
    let bad = |detail: String| Error::from(FormatError::invalid("identity record", what.clone(), detail));
    let rec: IdentityRecord = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    if rec.v != IDENTITY_RECORD_VERSION {
        return Err(FormatError::UnsupportedVersion {
            what: "identity record".into(),
            found: rec.v.to_string(),
            supported: IDENTITY_RECORD_VERSION.to_string(),
        }
        .into());
    }
    let mut certs = rec.certs.iter().map(|c| {
        let der = B64.decode(c).map_err(|e| bad(format!("certificate is not base64: {e}")))?;
        Certificate::from_der(&der, &what)
    });
    let leaf = certs.next().ok_or_else(|| bad("no certificate".into()))??;
    let chain = certs.collect::<Result<Vec<_>>>()?;
    // The certificate carries the public key (a point check, not a scalar multiplication).
    let signer = keys.load(&rec.key, leaf.public_key().ok().as_ref())?;
    let key = IdentityKey::new(rec.key, signer);
    Ok(Identity::from_trusted_parts(label.to_owned(), rec.msp_id, leaf, chain, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::MemoryBackend;
    use crate::crypto::{KeyStore, MemoryKeyStore, PublicKey, Signer, SoftwareKey, SoftwareKeyStore, StoredKey};
    use crate::formats::test_support::{self, TestCa};
    use std::sync::{Arc, Mutex};

    /// The record `encode_identity` of the release before key references wrote for the
    /// `appUser.id` fixture, byte for byte (see tests/fixtures/wallet-v2-release/README.md).
    const RELEASE_RECORD: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/wallet-v2-release/identity-record-appUser.json"
    ));

    #[test]
    fn a_record_written_by_the_release_before_key_references_reads_and_writes_back_byte_for_byte() {
        let identity = decode_identity("appUser", RELEASE_RECORD.as_bytes(), &KeyStores::new()).unwrap();
        assert_eq!(identity.msp_id(), "Org1MSP");
        assert_eq!(identity.certificate().common_name().as_deref(), Some("appUser"));
        assert!(matches!(identity.key_ref(), KeyRef::Software { .. }));
        let public = identity.certificate().public_key().unwrap();
        crate::crypto::verify(&public, b"m", &identity.sign(b"m").unwrap()).unwrap();
        // The signer is the record's scalar, not merely the certificate's public key.
        let pkcs8 = identity.signer().export_pkcs8_der().unwrap();
        assert_eq!(SoftwareKey::from_pkcs8_der(&pkcs8, "export").unwrap().public_key(), public);
        assert_eq!(&encode_identity(&identity).unwrap()[..], RELEASE_RECORD.as_bytes());
    }

    /// A software store that remembers the public keys it was handed.
    #[derive(Debug, Default)]
    struct Recording(Mutex<Vec<Option<PublicKey>>>);

    impl KeyStore for Recording {
        fn scheme(&self) -> &str {
            "software"
        }
        fn generate(&self, name: &str) -> Result<StoredKey> {
            SoftwareKeyStore.generate(name)
        }
        fn load(&self, reference: &KeyRef, public: Option<&PublicKey>) -> Result<Arc<dyn Signer>> {
            self.0.lock().unwrap().push(public.copied());
            SoftwareKeyStore.load(reference, public)
        }
        fn exportable(&self) -> bool {
            true
        }
    }

    #[test]
    fn loading_hands_the_store_the_certificates_public_key() {
        let recording = Arc::new(Recording::default());
        let wallet = Wallet::from_backend(Box::new(MemoryBackend::new()))
            .with_key_stores(KeyStores::new().with(recording.clone()));
        let identity = test_support::identity("alice", "Org1MSP");
        wallet.put(&identity, false).unwrap();
        let loaded = wallet.get("alice").unwrap();
        let public = identity.certificate().public_key().unwrap();
        assert_eq!(*recording.0.lock().unwrap(), [Some(public)], "the store saves deriving the public key");
        crate::crypto::verify(&public, b"m", &loaded.sign(b"m").unwrap()).unwrap();
    }

    fn memory_wallet() -> (Wallet, Arc<MemoryKeyStore>) {
        let store = Arc::new(MemoryKeyStore::new());
        let keys = KeyStores::new().with(store.clone()).with_default("memory").unwrap();
        (Wallet::from_backend(Box::new(MemoryBackend::new())).with_key_stores(keys), store)
    }

    #[test]
    fn keys_of_another_store_are_stored_by_reference_and_loaded_through_it() {
        let (wallet, store) = memory_wallet();
        let root = TestCa::root("Test Root");
        let key = wallet.generate_key("bob").unwrap();
        assert_eq!(key.reference().scheme(), "memory");
        let identity = test_support::identity_with_key(&root, vec![root.cert.clone()], "bob", "Org1MSP", key);
        wallet.put(&identity, false).unwrap();
        let raw = wallet.backend().get(&Wallet::key("bob")).unwrap().unwrap();
        let raw: serde_json::Value = serde_json::from_slice(&raw.value).unwrap();
        assert_eq!(raw["key"]["type"], "ref");
        assert_eq!(raw["key"]["scheme"], "memory");
        assert!(raw["key"].get("scalar").is_none());
        let loaded = wallet.get("bob").unwrap();
        assert_eq!(loaded.key_ref(), identity.key_ref());
        assert!(loaded.signer().export_pkcs8_der().is_none());
        crate::crypto::verify(&identity.certificate().public_key().unwrap(), b"m", &loaded.sign(b"m").unwrap())
            .unwrap();
        // Renaming keeps the key; removing forgets it in its store.
        wallet.rename("bob", "robert", false).unwrap();
        assert_eq!(store.len(), 1);
        wallet.remove("robert").unwrap();
        assert!(store.is_empty(), "the store was asked to delete the key");
    }

    #[test]
    fn a_wallet_without_the_store_says_which_store_it_needs_and_can_still_remove() {
        let (made_by, _store) = memory_wallet();
        let root = TestCa::root("Test Root");
        let key = made_by.generate_key("carol").unwrap();
        let identity = test_support::identity_with_key(&root, vec![], "carol", "Org1MSP", key);
        let bytes = encode_identity(&identity).unwrap();
        let software_only = Wallet::from_backend(Box::new(MemoryBackend::new()));
        software_only.backend().put(&Wallet::key("carol"), &bytes, Expect::Absent).unwrap();
        let err = software_only.get("carol").unwrap_err();
        assert!(matches!(err, Error::Key(KeyError::UnknownStore { .. })), "{err}");
        assert!(err.to_string().contains("\"memory\"") && err.to_string().contains("software"), "{err}");
        software_only.remove("carol").unwrap();
        assert!(!software_only.contains("carol").unwrap());
    }

    #[test]
    fn identity_new_refuses_a_stored_key_that_is_not_the_certificates() {
        let (wallet, _) = memory_wallet();
        let root = TestCa::root("Test Root");
        let cert = root.issue(&SoftwareKey::generate().public_key(), "CN=dave");
        let err = Identity::new("dave", "Org1MSP", cert, vec![], wallet.generate_key("dave").unwrap()).unwrap_err();
        assert!(matches!(err, Error::Key(KeyError::Mismatch { .. })), "{err}");
    }

    #[test]
    fn a_wrong_seeded_public_key_fails_loudly_instead_of_signing_wrongly() {
        let key = SoftwareKey::generate();
        let other = SoftwareKey::generate().public_key();
        let seeded = SoftwareKey::from_scalar_bytes(key.scalar_bytes(), "k").unwrap().with_trusted_public_key(other);
        assert!(seeded.sign(b"m").is_err());
    }
}
