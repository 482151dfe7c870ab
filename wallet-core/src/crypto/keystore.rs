//! Keys by reference: where a private key lives, and the stores that make and find them.
//!
//! An identity record never holds a key that may not leave its home. It holds a [`KeyRef`]:
//! for a software key the scalar itself (the record is sealed by its backend), for a key held
//! elsewhere (Vault/OpenBao Transit, a PKCS#11 token, the OS keychain) only the name that finds
//! it there. Loading an identity hands the reference to the [`KeyStore`] that owns its scheme,
//! which rebuilds a [`Signer`]. So the CA can sign with a key it can never read, and the C
//! library can sign without exporting anything.
//!
//! [`KeyStores`] is the set of stores a wallet knows, looked up by scheme. It always holds the
//! [`SoftwareKeyStore`]; others are added by the application (or the CLI) that has their
//! credentials.

use super::error::KeyError;
use super::memory_store::{MemoryKeyStore, MEMORY_SCHEME};
use super::{PublicKey, Signer, SoftwareKey};
use crate::error::Result;
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use std::collections::BTreeMap;
use std::sync::Arc;
use zeroize::Zeroizing;

/// The scheme of software keys.
pub const SOFTWARE_SCHEME: &str = "software";

/// Environment variable naming the key store new keys are made in: `software` (the default) or
/// `memory` (keys held by this process, never exportable: for tests and one-process runs). Read
/// by [`KeyStores::from_env`], which the CLI and the C library call when they open a wallet.
pub const ENV_KEY_STORE: &str = "WALLET_KEY_STORE";

/// The key stores this library can make by name (for [`ENV_KEY_STORE`] and key specs).
pub const BUILT_IN_STORES: &[&str] = &[
    SOFTWARE_SCHEME,
    MEMORY_SCHEME,
    #[cfg(feature = "pkcs11")]
    super::pkcs11::PKCS11_SCHEME,
    #[cfg(feature = "transit")]
    super::transit::TRANSIT_SCHEME,
];

/// Where a new key is to be made: a store's scheme and, after the first colon, the store's own
/// words for the key (`transit:org1-ca`, `pkcs11:token=ca;object=org1-ca?module-path=…`,
/// `memory`, `software`). The form of `wallet … --key SPEC` and of [`ENV_KEY_STORE`]; it never
/// holds a secret (a PIN or token comes from the environment, a file or a prompt).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpec {
    scheme: String,
    rest: String,
}

impl KeySpec {
    /// Read `SCHEME[:REST]`.
    pub fn parse(text: &str) -> Result<Self> {
        let (scheme, rest) = text.split_once(':').unwrap_or((text, ""));
        let scheme = scheme.trim();
        if scheme.is_empty() || !scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
            return Err(KeyError::UnknownStore {
                scheme: text.chars().take(40).collect(),
                known: BUILT_IN_STORES.join(", "),
            }
            .into());
        }
        Ok(Self { scheme: scheme.to_ascii_lowercase(), rest: rest.to_owned() })
    }

    /// The store's scheme.
    pub fn scheme(&self) -> &str {
        &self.scheme
    }

    /// What follows the scheme (empty: the store's default for new keys).
    pub fn rest(&self) -> &str {
        &self.rest
    }
}

impl std::fmt::Display for KeySpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.rest.is_empty() {
            f.write_str(&self.scheme)
        } else {
            write!(f, "{}:{}", self.scheme, self.rest)
        }
    }
}

/// Where a private key lives, as an identity record stores it (tagged JSON).
///
/// The software form is the one records written before key references existed already use
/// (`{"type":"p256","scalar":…}`), so old wallets read unchanged.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "type")]
#[non_exhaustive]
pub enum KeyRef {
    /// A P-256 key in the record itself: the 32-byte scalar, base64. Only in records that a
    /// backend seals or protects at rest.
    #[serde(rename = "p256")]
    Software {
        /// The scalar, base64 (zeroized on drop).
        scalar: Zeroizing<String>,
    },
    /// A key held by another store, found by `scheme` (`transit`, `pkcs11`, `keychain`,
    /// `memory`, …) and the store's own `id` for it. `attrs` holds what else the store needs to
    /// find it again (a mount, a token label, a key version); never secret material.
    #[serde(rename = "ref")]
    External {
        /// The key store's scheme.
        scheme: String,
        /// The key's name within that store.
        id: String,
        /// Further non-secret locators.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        attrs: BTreeMap<String, String>,
    },
}

impl KeyRef {
    /// A reference to a key in another store.
    pub fn external(scheme: &str, id: &str) -> Self {
        KeyRef::External { scheme: scheme.to_owned(), id: id.to_owned(), attrs: BTreeMap::new() }
    }

    /// The scheme of the store that owns this key.
    pub fn scheme(&self) -> &str {
        match self {
            KeyRef::Software { .. } => SOFTWARE_SCHEME,
            KeyRef::External { scheme, .. } => scheme,
        }
    }

    /// Where the key lives, for messages (`software`, `transit:org1-admin`, …); never secret.
    pub fn describe(&self) -> String {
        match self {
            KeyRef::Software { .. } => SOFTWARE_SCHEME.to_owned(),
            KeyRef::External { scheme, id, .. } => format!("{scheme}:{id}"),
        }
    }

    /// The reference of a software key: its scalar.
    pub fn software(key: &SoftwareKey) -> Self {
        KeyRef::Software { scalar: Zeroizing::new(B64.encode(key.scalar_bytes())) }
    }
}

impl std::fmt::Debug for KeyRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyRef::Software { .. } => f.write_str("KeyRef::Software(<redacted>)"),
            KeyRef::External { scheme, id, attrs } => f
                .debug_struct("KeyRef::External")
                .field("scheme", scheme)
                .field("id", id)
                .field("attrs", attrs)
                .finish(),
        }
    }
}

/// A key a store made or found: its reference (for the record) and its signer (for use).
#[derive(Debug, Clone)]
pub struct StoredKey {
    /// What the identity record stores.
    pub reference: KeyRef,
    /// How the key signs.
    pub signer: Arc<dyn Signer>,
}

/// A place that makes, keeps and finds private keys.
pub trait KeyStore: Send + Sync + std::fmt::Debug {
    /// The scheme of the references this store owns (`software`, `transit`, `pkcs11`, …).
    fn scheme(&self) -> &str;

    /// Make a new P-256 key. `name` is the wallet label it is for; stores that name their keys
    /// (Transit key names, PKCS#11 `CKA_LABEL`) use it.
    fn generate(&self, name: &str) -> Result<StoredKey>;

    /// Rebuild the signer of a key this store owns. `public`, when the caller knows it (from the
    /// certificate), saves the store deriving or fetching it; a store must still refuse to sign
    /// with a key that does not match it.
    fn load(&self, reference: &KeyRef, public: Option<&PublicKey>) -> Result<Arc<dyn Signer>>;

    /// Make (or, where the spec names one, take) a key as `spec` says: the part of a key spec
    /// after `scheme:` (`transit:org1-ca` → `org1-ca`; see [`KeySpec`]). An empty spec is
    /// [`generate`](Self::generate).
    fn generate_with(&self, label: &str, spec: &str) -> Result<StoredKey> {
        if spec.is_empty() {
            return self.generate(label);
        }
        Err(KeyError::Unsupported { store: self.scheme().to_owned(), operation: format!("make a key from {spec:?}") }
            .into())
    }

    /// A key that already exists in this store, as `spec` names it (an HSM key to import with
    /// its certificate, say); never creates one.
    /// `public`, when known (from the certificate it is imported with), is the key's public
    /// key where the store cannot tell it, and must match where it can.
    fn find(&self, spec: &str, public: Option<&PublicKey>) -> Result<StoredKey> {
        let _ = (spec, public);
        Err(KeyError::Unsupported { store: self.scheme().to_owned(), operation: "use an existing key".into() }.into())
    }

    /// Bring an existing software key into this store (an import of a PEM key for an HSM, say).
    fn import(&self, name: &str, key: &SoftwareKey) -> Result<StoredKey> {
        let _ = (name, key);
        Err(KeyError::Unsupported { store: self.scheme().to_owned(), operation: "import keys".into() }.into())
    }

    /// Whether keys of this store may leave it (be exported as PKCS#8).
    fn exportable(&self) -> bool;

    /// Forget a key this store made (when the identity that used it is removed). Stores whose
    /// keys outlive identities keep them and return `Ok`.
    fn delete(&self, reference: &KeyRef) -> Result<()> {
        let _ = reference;
        Ok(())
    }
}

/// Software P-256 keys: the scalar lives in the (sealed) identity record.
#[derive(Debug, Default, Clone, Copy)]
pub struct SoftwareKeyStore;

impl KeyStore for SoftwareKeyStore {
    fn scheme(&self) -> &str {
        SOFTWARE_SCHEME
    }

    fn generate(&self, _name: &str) -> Result<StoredKey> {
        let key = SoftwareKey::generate();
        Ok(StoredKey { reference: KeyRef::software(&key), signer: Arc::new(key) })
    }

    fn load(&self, reference: &KeyRef, public: Option<&PublicKey>) -> Result<Arc<dyn Signer>> {
        let KeyRef::Software { scalar } = reference else {
            return Err(wrong_store(self.scheme(), reference));
        };
        let bytes = Zeroizing::new(
            B64.decode(scalar.as_bytes()).map_err(|e| KeyError::parse("software key", format!("not base64: {e}")))?,
        );
        let key = SoftwareKey::from_scalar_bytes(&bytes, "software key")?;
        Ok(Arc::new(match public {
            Some(public) => key.with_trusted_public_key(*public),
            None => key,
        }))
    }

    fn import(&self, _name: &str, key: &SoftwareKey) -> Result<StoredKey> {
        Ok(StoredKey { reference: KeyRef::software(key), signer: Arc::new(key.clone()) })
    }

    fn exportable(&self) -> bool {
        true
    }
}

fn wrong_store(scheme: &str, reference: &KeyRef) -> crate::Error {
    KeyError::store(scheme, format!("was handed a {} key, which it does not hold", reference.describe())).into()
}

/// The key stores a wallet can use, by scheme. Always holds the software store.
#[derive(Debug, Clone)]
pub struct KeyStores {
    stores: BTreeMap<String, Arc<dyn KeyStore>>,
    default: String,
    /// The spec new keys are made with in the default store (empty: the store's own default).
    default_spec: String,
    /// Keys to be made elsewhere than the default, by the label they are for (`--key`); each
    /// plan is used by the one key it is for. Shared by clones (a wallet's stores).
    planned: Arc<std::sync::Mutex<BTreeMap<String, KeySpec>>>,
}

impl Default for KeyStores {
    fn default() -> Self {
        let mut stores: BTreeMap<String, Arc<dyn KeyStore>> = BTreeMap::new();
        stores.insert(SOFTWARE_SCHEME.into(), Arc::new(SoftwareKeyStore));
        Self { stores, default: SOFTWARE_SCHEME.into(), default_spec: String::new(), planned: Default::default() }
    }
}

impl KeyStores {
    /// Only the software store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add (or replace) a store.
    pub fn with(mut self, store: Arc<dyn KeyStore>) -> Self {
        self.stores.insert(store.scheme().to_owned(), store);
        self
    }

    /// Make `scheme` the store new keys are generated in.
    pub fn with_default(mut self, scheme: &str) -> Result<Self> {
        self.get(scheme)?;
        self.default = scheme.to_owned();
        self.default_spec.clear();
        Ok(self)
    }

    /// Make new keys as `spec` says (its store must be configured).
    pub fn with_default_spec(mut self, spec: &KeySpec) -> Result<Self> {
        self.get(spec.scheme())?;
        self.default = spec.scheme().to_owned();
        self.default_spec = spec.rest().to_owned();
        Ok(self)
    }

    /// Make the key for `label` (the next one [`generate`](Self::generate) is asked for) as
    /// `spec` says, whatever the default: `wallet ca init --key transit:org1-ca` binds the
    /// CA's name, so its admin's key still goes to the default store.
    pub fn with_key_for(self, label: &str, spec: KeySpec) -> Result<Self> {
        self.plan_key_for(label, spec)?;
        Ok(self)
    }

    /// [`with_key_for`](Self::with_key_for) on stores already in use (a wallet's: the CLI's
    /// `--key` for the one command it runs).
    pub fn plan_key_for(&self, label: &str, spec: KeySpec) -> Result<()> {
        self.get(spec.scheme())?;
        self.planned.lock().unwrap_or_else(|p| p.into_inner()).insert(label.to_owned(), spec);
        Ok(())
    }

    /// A new key for `label`: as planned for it ([`with_key_for`](Self::with_key_for), used
    /// once), else in the default store.
    pub fn generate(&self, label: &str) -> Result<StoredKey> {
        let planned = self.planned.lock().unwrap_or_else(|p| p.into_inner()).remove(label);
        match planned.as_ref() {
            Some(spec) => self.get(spec.scheme())?.generate_with(label, spec.rest()),
            None => self.default_store().generate_with(label, &self.default_spec),
        }
    }

    /// A key that already exists in the store `spec` names (see [`KeyStore::find`]).
    pub fn find(&self, spec: &KeySpec, public: Option<&PublicKey>) -> Result<StoredKey> {
        self.get(spec.scheme())?.find(spec.rest(), public)
    }

    /// The store for `scheme`.
    pub fn get(&self, scheme: &str) -> Result<&Arc<dyn KeyStore>> {
        self.stores.get(scheme).ok_or_else(|| {
            KeyError::UnknownStore {
                scheme: scheme.to_owned(),
                known: self.stores.keys().cloned().collect::<Vec<_>>().join(", "),
            }
            .into()
        })
    }

    /// The stores with the built-in store `name` as the default for new keys: `software` (or
    /// `None`) gives [`KeyStores::new`]; `memory` adds this process's [`MemoryKeyStore`].
    ///
    /// `name` may be a whole [`KeySpec`] (`pkcs11:token=wallet`, `transit:`): the stores that
    /// reach outside the process (PKCS#11 modules, Transit servers) are always present when
    /// built in, and connect only when a key of theirs is used, with the settings of the
    /// environment (see [`super::pkcs11`] and [`super::transit`]).
    pub fn built_in(name: Option<&str>) -> Result<Self> {
        let spec = match name {
            None => return Ok(Self::with_external(Self::new())),
            Some(text) => KeySpec::parse(text)?,
        };
        let stores = Self::with_external(Self::new());
        match spec.scheme() {
            SOFTWARE_SCHEME => Ok(stores),
            MEMORY_SCHEME => stores.with(MemoryKeyStore::process()).with_default_spec(&spec),
            other if stores.stores.contains_key(other) => stores.with_default_spec(&spec),
            other => Err(KeyError::UnknownStore { scheme: other.to_owned(), known: BUILT_IN_STORES.join(", ") }.into()),
        }
    }

    /// Add the built-in stores that live outside the process, configured from the environment.
    #[allow(unused_mut)]
    fn with_external(mut self) -> Self {
        #[cfg(feature = "pkcs11")]
        {
            self = self.with(super::pkcs11::Pkcs11KeyStore::process());
        }
        #[cfg(feature = "transit")]
        {
            self = self.with(super::transit::TransitKeyStore::process());
        }
        self
    }

    /// The stores [`ENV_KEY_STORE`] selects (unset or empty: software only). A value that names
    /// no built-in store, or is not UTF-8, is an error rather than a silent fallback.
    pub fn from_env() -> Result<Self> {
        match std::env::var(ENV_KEY_STORE) {
            Ok(name) if name.is_empty() => Self::built_in(None),
            Ok(name) => Self::built_in(Some(&name)),
            Err(std::env::VarError::NotPresent) => Self::built_in(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(KeyError::UnknownStore {
                scheme: format!("{ENV_KEY_STORE} (not UTF-8)"),
                known: BUILT_IN_STORES.join(", "),
            }
            .into()),
        }
    }

    /// The schemes configured, sorted.
    pub fn schemes(&self) -> Vec<&str> {
        self.stores.keys().map(String::as_str).collect()
    }

    /// The store new keys go to.
    pub fn default_store(&self) -> &Arc<dyn KeyStore> {
        &self.stores[&self.default]
    }

    /// Rebuild the signer behind `reference` through the store that owns it.
    pub fn load(&self, reference: &KeyRef, public: Option<&PublicKey>) -> Result<Arc<dyn Signer>> {
        self.get(reference.scheme())?.load(reference, public)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn software_references_keep_the_record_form_of_earlier_releases() {
        let key = SoftwareKey::generate();
        let reference = KeyRef::software(&key);
        let json = serde_json::to_value(&reference).unwrap();
        assert_eq!(json["type"], "p256");
        assert_eq!(json["scalar"], B64.encode(key.scalar_bytes()));
        let back: KeyRef = serde_json::from_value(json).unwrap();
        assert_eq!(back, reference);
    }

    #[test]
    fn external_references_round_trip_and_hold_no_secret() {
        let mut reference = KeyRef::external("transit", "org1-admin");
        if let KeyRef::External { attrs, .. } = &mut reference {
            attrs.insert("mount".into(), "transit".into());
        }
        let json = serde_json::to_string(&reference).unwrap();
        assert_eq!(json, r#"{"type":"ref","scheme":"transit","id":"org1-admin","attrs":{"mount":"transit"}}"#);
        assert_eq!(serde_json::from_str::<KeyRef>(&json).unwrap(), reference);
        assert_eq!(reference.describe(), "transit:org1-admin");
    }

    #[test]
    fn debug_never_shows_a_scalar() {
        let key = SoftwareKey::generate();
        let reference = KeyRef::software(&key);
        let shown = format!("{reference:?}");
        assert!(!shown.contains(&B64.encode(key.scalar_bytes())[..8]), "{shown}");
    }

    #[test]
    fn the_software_store_rebuilds_a_signer_that_signs_as_the_key() {
        let store = SoftwareKeyStore;
        let made = store.generate("alice").unwrap();
        let public = made.signer.public_key();
        let loaded = store.load(&made.reference, Some(&public)).unwrap();
        let sig = loaded.sign(b"message").unwrap();
        crate::crypto::verify(&public, b"message", &sig).unwrap();
        let unseeded = store.load(&made.reference, None).unwrap();
        assert_eq!(unseeded.public_key(), public);
    }

    #[test]
    fn loading_a_software_key_with_its_public_key_derives_nothing() {
        let key = SoftwareKey::generate();
        let reference = KeyRef::software(&key);
        let other = SoftwareKey::generate().public_key();
        // The store takes the public key it is handed (the certificate's) instead of deriving it
        // with a scalar multiplication; a wrong one makes signing fail (see wallet.rs's tests).
        assert_eq!(SoftwareKeyStore.load(&reference, Some(&other)).unwrap().public_key(), other);
    }

    #[test]
    fn key_stores_dispatch_by_scheme_and_name_the_missing_one() {
        let stores = KeyStores::new();
        let made = stores.default_store().generate("bob").unwrap();
        stores.load(&made.reference, None).unwrap();
        let err = stores.load(&KeyRef::external("pkcs11", "x"), None).unwrap_err().to_string();
        assert!(err.contains("pkcs11") && err.contains("software"), "{err}");
        assert!(stores.with_default("transit").is_err());
    }

    #[test]
    fn built_in_stores_by_name() {
        let software = KeyStores::built_in(None).unwrap();
        assert_eq!(software.default_store().scheme(), SOFTWARE_SCHEME);
        // The stores outside the process (built in by feature) are always there, for loading.
        let external: Vec<&str> = BUILT_IN_STORES[2..].to_vec();
        let mut expected = vec![SOFTWARE_SCHEME];
        expected.extend(&external);
        expected.sort();
        assert_eq!(software.schemes(), expected);
        let memory = KeyStores::built_in(Some("memory")).unwrap();
        assert_eq!(memory.default_store().scheme(), MEMORY_SCHEME);
        assert!(!memory.default_store().exportable());
        expected.push(MEMORY_SCHEME);
        expected.sort();
        assert_eq!(memory.schemes(), expected);
        // A whole spec selects its store and is kept for new keys.
        let spec = KeySpec::parse("memory:").unwrap();
        assert_eq!((spec.scheme(), spec.rest()), ("memory", ""));
        assert_eq!(KeySpec::parse("pkcs11:token=a;object=b").unwrap().rest(), "token=a;object=b");
        assert!(KeySpec::parse("").is_err() && KeySpec::parse("a b:c").is_err());
        let err = KeyStores::built_in(Some("hsm")).unwrap_err();
        assert!(matches!(err, crate::Error::Key(KeyError::UnknownStore { .. })), "{err}");
        assert!(err.to_string().contains("\"hsm\"") && err.to_string().contains("software, memory"), "{err}");
    }
}
