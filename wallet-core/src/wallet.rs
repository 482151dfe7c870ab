//! The typed identity store on top of a [`Backend`].

use crate::backend::{self, Backend, BackendUri, Expect, OpenOptions, Passphrase, Provider, RecordKey};
use crate::crypto::SoftwareKey;
use crate::error::{Error, Result};
use crate::identity::{validate_label, Certificate, Identity, PrivateKey};
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
    key: KeyRecord,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(tag = "type")]
enum KeyRecord {
    /// A software P-256 key: the 32-byte scalar, base64.
    #[serde(rename = "p256")]
    Software { scalar: Zeroizing<String> },
}

/// An identity store.
pub struct Wallet {
    backend: Box<dyn Backend>,
    /// The provider that opened the backend, for admin operations (`None`: made from a handle).
    provider: Option<&'static dyn Provider>,
}

impl std::fmt::Debug for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wallet")
            .field("backend", &self.backend)
            .field("provider", &self.provider.map(|p| p.scheme()))
            .finish()
    }
}

impl Wallet {
    /// Open the wallet at `uri` (see [`BackendUri`]).
    pub fn open(uri: &str, options: &OpenOptions) -> Result<Self> {
        let uri = BackendUri::parse(uri)?;
        let provider = backend::provider(&uri)?;
        Ok(Self { backend: provider.open(&uri, options)?, provider: Some(provider) })
    }

    /// Create a new, empty wallet at `uri`.
    pub fn create(uri: &str, options: &OpenOptions) -> Result<Self> {
        let uri = BackendUri::parse(uri)?;
        let provider = backend::provider(&uri)?;
        Ok(Self { backend: provider.create(&uri, options)?, provider: Some(provider) })
    }

    /// A wallet over an already-open backend. Admin operations
    /// ([`change_passphrase`](Self::change_passphrase)) need [`Wallet::from_store`].
    pub fn from_backend(backend: Box<dyn Backend>) -> Self {
        Self { backend, provider: None }
    }

    /// A wallet over a backend that `provider` opened.
    pub fn from_store(provider: &'static dyn Provider, backend: Box<dyn Backend>) -> Self {
        Self { backend, provider: Some(provider) }
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
        validate_label(label)?;
        let key = Self::key(label);
        match self.backend.get(&key)? {
            None => Ok(None),
            Some(rec) => decode_identity(label, &rec.value).map(Some),
        }
    }

    /// Whether an identity exists under `label`.
    pub fn contains(&self, label: &str) -> Result<bool> {
        validate_label(label)?;
        Ok(self.backend.get(&Self::key(label))?.is_some())
    }

    /// All labels, sorted.
    pub fn list(&self) -> Result<Vec<String>> {
        self.backend.list(IDENTITY_KIND, "")
    }

    /// Remove an identity.
    pub fn remove(&self, label: &str) -> Result<()> {
        validate_label(label)?;
        if !self.backend.delete(&Self::key(label), Expect::Any)? {
            return Err(self.not_found(label));
        }
        Ok(())
    }

    /// Rename an identity. The new record is written before the old one is removed, so a crash
    /// in between leaves both, never neither.
    pub fn rename(&self, from: &str, to: &str, overwrite: bool) -> Result<()> {
        validate_label(to)?;
        let current = self.backend.get(&Self::key(from))?.ok_or_else(|| self.not_found(from))?;
        // Re-encode rather than copy: nothing in the record names the label, but decoding proves
        // the record is sound before it is duplicated.
        let identity = decode_identity(from, &current.value)?.with_label(to)?;
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

/// Serialize an identity to its record bytes.
pub fn encode_identity(identity: &Identity) -> Result<Zeroizing<Vec<u8>>> {
    let key = match identity.private_key() {
        PrivateKey::Software(k) => KeyRecord::Software { scalar: Zeroizing::new(B64.encode(k.scalar_bytes())) },
    };
    let certs = std::iter::once(identity.certificate()).chain(identity.chain()).map(|c| B64.encode(c.der())).collect();
    let rec = IdentityRecord { v: IDENTITY_RECORD_VERSION, msp_id: identity.msp_id().to_owned(), certs, key };
    Ok(Zeroizing::new(serde_json::to_vec(&rec).expect("identity records always serialize")))
}

/// Parse an identity record. The record's integrity was already proved by the backend, so the
/// key is not checked against the certificate here (that costs a scalar multiplication).
pub fn decode_identity(label: &str, bytes: &[u8]) -> Result<Identity> {
    let what = format!("identity record {label:?}");
    let bad = |detail: String| Error::Format { format: "identity record", what: what.clone(), detail };
    let rec: IdentityRecord = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
    if rec.v != IDENTITY_RECORD_VERSION {
        return Err(Error::UnsupportedVersion {
            what: "identity record".into(),
            found: rec.v.to_string(),
            supported: IDENTITY_RECORD_VERSION.to_string(),
        });
    }
    let mut certs = rec.certs.iter().map(|c| {
        let der = B64.decode(c).map_err(|e| bad(format!("certificate is not base64: {e}")))?;
        Certificate::from_der(&der, &what)
    });
    let leaf = certs.next().ok_or_else(|| bad("no certificate".into()))??;
    let chain = certs.collect::<Result<Vec<_>>>()?;
    let key = match &rec.key {
        KeyRecord::Software { scalar } => {
            let bytes =
                Zeroizing::new(B64.decode(scalar.as_bytes()).map_err(|e| bad(format!("key is not base64: {e}")))?);
            let key = SoftwareKey::from_scalar_bytes(&bytes, &what)?;
            // The certificate carries the public key (a point check, not a scalar multiplication).
            match leaf.public_key() {
                Ok(public) => PrivateKey::Software(key.with_trusted_public_key(public)),
                Err(_) => PrivateKey::Software(key),
            }
        }
    };
    Ok(Identity::from_trusted_parts(label.to_owned(), rec.msp_id, leaf, chain, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::MemoryBackend;
    use crate::crypto::Signer;
    use crate::formats::test_support;

    #[test]
    fn a_loaded_key_knows_its_public_key_from_the_certificate() {
        let wallet = Wallet::from_backend(Box::new(MemoryBackend::new()));
        let identity = test_support::identity("alice", "Org1MSP");
        wallet.put(&identity, false).unwrap();
        let loaded = wallet.get("alice").unwrap();
        let PrivateKey::Software(key) = loaded.private_key();
        assert!(key.public_key_is_known(), "loading should seed the public key from the certificate");
        assert_eq!(key.public_key(), identity.certificate().public_key().unwrap());
        let sig = loaded.sign(b"m").unwrap();
        crate::crypto::verify(&identity.certificate().public_key().unwrap(), b"m", &sig).unwrap();
    }

    #[cfg(feature = "fast-ec")]
    #[test]
    fn a_wrong_seeded_public_key_fails_loudly_instead_of_signing_wrongly() {
        let key = SoftwareKey::generate();
        let other = SoftwareKey::generate().public_key();
        let seeded = SoftwareKey::from_scalar_bytes(key.scalar_bytes(), "k").unwrap().with_trusted_public_key(other);
        assert!(seeded.sign(b"m").is_err());
    }
}
