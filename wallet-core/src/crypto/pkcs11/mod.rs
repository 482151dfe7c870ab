//! Keys on PKCS#11 tokens (HSMs, cloud HSMs, smart cards; SoftHSM2 in tests), through the
//! `cryptoki` crate. A key is made on the token (sensitive, never extractable), or an existing
//! one is used; it signs there with `CKM_ECDSA` and we DER-encode the result with low S.
//!
//! A key made here has `CKA_ID` = SHA-256 of its uncompressed public point and `CKA_LABEL` =
//! the wallet label: the lookup Fabric's HSM signers (fabric-gateway's `HSMSignerOptions`,
//! BCCSP's PKCS11 provider) use, so the same key serves our tools and Fabric's.
//!
//! An identity's record holds only the reference `{"type":"ref","scheme":"pkcs11","id":
//! "<CKA_ID hex>","attrs":{"token":…,"module":…,"label":…}}`; the PIN comes from
//! `pin-source` in the spec, `WALLET_PKCS11_PIN`, `WALLET_PKCS11_PIN_FILE`, or the prompt the
//! application installs ([`set_pin_prompt`]), and is never stored. The module is the spec's
//! `module-path`, else `WALLET_PKCS11_MODULE`, else the one the reference recorded.
//!
//! Each token keeps a pool of sessions (`WALLET_PKCS11_SESSIONS`, default the number of CPUs,
//! 2–16), so threads that sign through one identity run in parallel up to that many.

mod pin;
mod spec;
mod token;

pub use pin::{set_pin_prompt, PinPrompt, PinSource, ENV_PIN, ENV_PIN_FILE};
pub use spec::Pkcs11Spec;
pub use token::ENV_SESSIONS;

use super::keystore::{KeyRef, KeyStore, StoredKey};
use super::{keystore_ski, public_key_from_sec1, raw_signature_to_low_s_der, PublicKey, Signer};
use crate::crypto::KeyError;
use crate::error::Result;
use cryptoki::error::Error as CkError;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use token::Token;

/// The scheme of keys on PKCS#11 tokens.
pub const PKCS11_SCHEME: &str = "pkcs11";
/// Environment variable: the PKCS#11 module to load (a shared library path).
pub const ENV_MODULE: &str = "WALLET_PKCS11_MODULE";
/// Environment variable: the token new keys go to when a spec names none.
pub const ENV_TOKEN: &str = "WALLET_PKCS11_TOKEN";

/// DER of the P-256 curve OID (`CKA_EC_PARAMS`).
const P256_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// Keys on PKCS#11 tokens; not exportable.
#[derive(Debug, Default)]
pub struct Pkcs11KeyStore {
    _private: (),
}

impl Pkcs11KeyStore {
    /// A store configured by the environment (modules and tokens open when first used).
    pub fn new() -> Self {
        Self::default()
    }

    /// The store of this process.
    pub fn process() -> Arc<Pkcs11KeyStore> {
        static PROCESS: OnceLock<Arc<Pkcs11KeyStore>> = OnceLock::new();
        PROCESS.get_or_init(|| Arc::new(Pkcs11KeyStore::new())).clone()
    }

    fn module(spec_module: Option<PathBuf>, recorded: Option<&str>) -> Result<PathBuf> {
        spec_module
            .or_else(|| std::env::var_os(ENV_MODULE).filter(|v| !v.is_empty()).map(PathBuf::from))
            .or_else(|| recorded.map(PathBuf::from))
            .ok_or_else(|| {
                KeyError::CredentialRequired {
                    store: PKCS11_SCHEME.into(),
                    credential: "module".into(),
                    what: "the PKCS#11 key".into(),
                    sources: format!("name it with ?module-path=PATH in the key spec or {ENV_MODULE}"),
                }
                .into()
            })
    }

    fn token_of(spec: &Pkcs11Spec) -> Result<Arc<Token>> {
        let module = Self::module(spec.module.clone(), None)?;
        let label = spec.token.clone().or_else(|| std::env::var(ENV_TOKEN).ok().filter(|v| !v.is_empty())).ok_or_else(
            || KeyError::parse("key spec pkcs11:…", format!("name the token: pkcs11:token=LABEL (or set {ENV_TOKEN})")),
        )?;
        Ok(token::open(&module, &label, spec.serial.as_deref(), spec.pin.as_ref())?)
    }

    fn reference(token: &Token, id: &[u8], label: &str, pin: Option<&PinSource>) -> KeyRef {
        let mut attrs = BTreeMap::new();
        attrs.insert("token".into(), token.label.clone());
        attrs.insert("module".into(), token.module.display().to_string());
        if !label.is_empty() {
            attrs.insert("label".into(), label.into());
        }
        if let Some(pin) = pin {
            attrs.insert("pin-source".into(), pin.to_text());
        }
        KeyRef::External { scheme: PKCS11_SCHEME.into(), id: hex::encode(id), attrs }
    }

    /// Generate a P-256 pair on the token: private sensitive and never extractable.
    fn make(&self, label: &str, spec: &Pkcs11Spec) -> Result<StoredKey> {
        let token = Self::token_of(spec)?;
        if !token.supports_ecdsa()? {
            return Err(KeyError::UnsuitableKey {
                store: PKCS11_SCHEME.into(),
                location: token.describe(),
                detail: "the token does not offer CKM_ECDSA".into(),
            }
            .into());
        }
        // A temporary CKA_ID until the public point is known, then the point's SHA-256.
        let mut temporary = [0u8; 16];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut temporary);
        let label_bytes = label.as_bytes().to_vec();
        let (public, id) = token.with_session(|s| {
            let public_template = [
                Attribute::Token(true),
                Attribute::Private(false),
                Attribute::KeyType(KeyType::EC),
                Attribute::Verify(true),
                Attribute::EcParams(P256_PARAMS.to_vec()),
                Attribute::Id(temporary.to_vec()),
                Attribute::Label(label_bytes.clone()),
            ];
            let private_template = [
                Attribute::Token(true),
                Attribute::Private(true),
                Attribute::Sensitive(true),
                Attribute::Extractable(false),
                Attribute::Sign(true),
                Attribute::Id(temporary.to_vec()),
                Attribute::Label(label_bytes.clone()),
            ];
            let (pub_h, priv_h) =
                s.generate_key_pair(&Mechanism::EccKeyPairGen, &public_template, &private_template)?;
            let finish = || -> std::result::Result<(PublicKey, Vec<u8>), CkError> {
                let public = read_point(s, pub_h)?.ok_or(CkError::InvalidValue)?;
                let id = keystore_ski(&public).to_vec();
                s.update_attributes(pub_h, &[Attribute::Id(id.clone())])?;
                s.update_attributes(priv_h, &[Attribute::Id(id.clone())])?;
                Ok((public, id))
            };
            finish().inspect_err(|_| {
                // Nothing half made stays on the token.
                let _ = s.destroy_object(priv_h);
                let _ = s.destroy_object(pub_h);
            })
        })?;
        let reference = Self::reference(&token, &id, label, spec.pin.as_ref());
        let signer = Pkcs11Key::new(token, id, public, reference.describe());
        Ok(StoredKey { reference, signer: Arc::new(signer) })
    }

    /// An existing private key on the token, by `object=` or `id=`; its public key from the
    /// token's public object of the same `CKA_ID`, else `public` (its certificate's).
    fn take(&self, spec: &Pkcs11Spec, public: Option<&PublicKey>) -> Result<StoredKey> {
        let token = Self::token_of(spec)?;
        let mut template = vec![Attribute::Class(ObjectClass::PRIVATE_KEY)];
        if let Some(id) = &spec.id {
            template.push(Attribute::Id(id.clone()));
        }
        if let Some(label) = &spec.object {
            template.push(Attribute::Label(label.as_bytes().to_vec()));
        }
        let wanted = match (&spec.object, &spec.id) {
            (Some(l), _) => format!("object={l}"),
            (None, Some(id)) => format!("id={}", hex::encode(id)),
            (None, None) => unreachable!("take is only called for specs that name a key"),
        };
        let found = token.with_session(|s| {
            let keys = s.find_objects(&template)?;
            let Some(&key) = keys.first() else { return Ok(None) };
            let attrs = s.get_attributes(key, &[AttributeType::Id, AttributeType::Label, AttributeType::KeyType])?;
            let (mut id, mut label, mut ec) = (vec![], String::new(), true);
            for a in attrs {
                match a {
                    Attribute::Id(v) => id = v,
                    Attribute::Label(v) => label = String::from_utf8_lossy(&v).into_owned(),
                    Attribute::KeyType(t) => ec = t == KeyType::EC,
                    _ => {}
                }
            }
            let point = match s
                .find_objects(&[Attribute::Class(ObjectClass::PUBLIC_KEY), Attribute::Id(id.clone())])?
                .first()
            {
                Some(&p) => read_point(s, p)?,
                None => None,
            };
            Ok(Some((keys.len(), id, label, ec, point)))
        })?;
        let (count, id, label, ec, point) = found.ok_or_else(|| KeyError::UnknownKey {
            store: PKCS11_SCHEME.into(),
            id: wanted.clone(),
            note: Some(format!("{} holds no private key with {wanted}", token.describe())),
        })?;
        if count > 1 {
            return Err(KeyError::UnsuitableKey {
                store: PKCS11_SCHEME.into(),
                location: format!("{wanted} on {}", token.describe()),
                detail: format!("{count} private keys match; name one by id=…"),
            }
            .into());
        }
        if !ec {
            return Err(KeyError::UnsuitableKey {
                store: PKCS11_SCHEME.into(),
                location: format!("{wanted} on {}", token.describe()),
                detail: "it is not an EC key".into(),
            }
            .into());
        }
        let public = match (point, public) {
            (Some(point), Some(given)) if point != *given => {
                return Err(KeyError::Mismatch { label: format!("{wanted} on {}", token.describe()) }.into())
            }
            (Some(point), _) => point,
            (None, Some(given)) => *given,
            (None, None) => {
                return Err(KeyError::UnsuitableKey {
                    store: PKCS11_SCHEME.into(),
                    location: format!("{wanted} on {}", token.describe()),
                    detail: "the token holds no public key of the same CKA_ID; import it with its certificate".into(),
                }
                .into())
            }
        };
        let reference = Self::reference(&token, &id, &label, spec.pin.as_ref());
        let signer = Pkcs11Key::new(token, id, public, reference.describe());
        Ok(StoredKey { reference, signer: Arc::new(signer) })
    }
}

/// The public key of an EC public-key object (`CKA_EC_POINT`: a DER OCTET STRING around the
/// SEC1 point, or the bare point on some tokens).
fn read_point(s: &Session, object: ObjectHandle) -> std::result::Result<Option<PublicKey>, CkError> {
    for a in s.get_attributes(object, &[AttributeType::EcPoint])? {
        if let Attribute::EcPoint(bytes) = a {
            let point = match bytes.as_slice() {
                [0x04, len, rest @ ..] if usize::from(*len) == rest.len() => rest,
                other => other,
            };
            return Ok(public_key_from_sec1(point).ok());
        }
    }
    Ok(None)
}

impl KeyStore for Pkcs11KeyStore {
    fn scheme(&self) -> &str {
        PKCS11_SCHEME
    }

    fn generate(&self, name: &str) -> Result<StoredKey> {
        self.make(name, &Pkcs11Spec::default())
    }

    fn generate_with(&self, label: &str, spec: &str) -> Result<StoredKey> {
        let spec = Pkcs11Spec::parse(spec)?;
        if spec.names_a_key() {
            self.take(&spec, None)
        } else {
            self.make(label, &spec)
        }
    }

    fn find(&self, spec: &str, public: Option<&PublicKey>) -> Result<StoredKey> {
        let spec = Pkcs11Spec::parse(spec)?;
        if !spec.names_a_key() {
            return Err(KeyError::parse("key spec pkcs11:…", "name the key: object=LABEL or id=%…").into());
        }
        self.take(&spec, public)
    }

    fn load(&self, reference: &KeyRef, public: Option<&PublicKey>) -> Result<Arc<dyn Signer>> {
        let KeyRef::External { scheme, id, attrs } = reference else {
            return Err(KeyError::store(PKCS11_SCHEME, format!("was handed a {} key", reference.describe())).into());
        };
        if scheme != PKCS11_SCHEME {
            return Err(KeyError::store(PKCS11_SCHEME, format!("was handed a {} key", reference.describe())).into());
        }
        let id_bytes = hex::decode(id).map_err(|_| KeyError::parse("pkcs11 key reference", "the id is not hex"))?;
        let label = attrs.get("token").ok_or_else(|| KeyError::parse("pkcs11 key reference", "it names no token"))?;
        let module = Self::module(None, attrs.get("module").map(String::as_str))?;
        let pin = attrs.get("pin-source").map(|p| PinSource::parse(p)).transpose()?;
        let token = token::open(&module, label, None, pin.as_ref())?;
        match public {
            // The certificate's key: the token is asked when the key first signs (so listing
            // identities never needs a PIN), and must agree then.
            Some(public) => Ok(Arc::new(Pkcs11Key::new(token, id_bytes, *public, reference.describe()))),
            None => {
                let public = fetch_public(&token, &id_bytes)?;
                Ok(Arc::new(Pkcs11Key::new(token, id_bytes, public, reference.describe())))
            }
        }
    }

    fn exportable(&self) -> bool {
        false
    }

    /// Keys on a token outlive the identities that use them (another tool, or another wallet
    /// holding the same reference, may still need them): removing an identity keeps its key.
    /// Delete it with the token's own tools (`pkcs11-tool --delete-object`).
    fn delete(&self, _reference: &KeyRef) -> Result<()> {
        Ok(())
    }
}

fn not_found(token: &Token, id: &[u8]) -> KeyError {
    KeyError::UnknownKey {
        store: PKCS11_SCHEME.into(),
        id: hex::encode(id),
        note: Some(format!("{} holds no private key with this CKA_ID", token.describe())),
    }
}

/// The public key of the token's public object with this `CKA_ID`.
fn fetch_public(token: &Token, id: &[u8]) -> Result<PublicKey> {
    let point = token.with_session(|s| {
        match s.find_objects(&[Attribute::Class(ObjectClass::PUBLIC_KEY), Attribute::Id(id.to_vec())])?.first() {
            Some(&p) => read_point(s, p),
            None => Ok(None),
        }
    })?;
    point.ok_or_else(|| not_found(token, id).into())
}

/// A private key on a token: signs there, never leaves it.
pub struct Pkcs11Key {
    token: Arc<Token>,
    id: Vec<u8>,
    public: PublicKey,
    location: String,
    /// The private key's handle once found (valid in every session of the process).
    handle: Mutex<Option<ObjectHandle>>,
}

impl std::fmt::Debug for Pkcs11Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkcs11Key").field("location", &self.location).field("token", &self.token).finish()
    }
}

impl Pkcs11Key {
    fn new(token: Arc<Token>, id: Vec<u8>, public: PublicKey, location: String) -> Self {
        Self { token, id, public, location, handle: Mutex::new(None) }
    }

    fn not_found(&self) -> KeyError {
        not_found(&self.token, &self.id)
    }

    /// Find the private key (once), and check it is the certificate's.
    fn handle(&self) -> Result<ObjectHandle> {
        let mut cached = self.handle.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(h) = *cached {
            return Ok(h);
        }
        let id = self.id.clone();
        let (found, point, usable) = self.token.with_session(|s| {
            let key = s.find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY), Attribute::Id(id.clone())])?;
            let public = s.find_objects(&[Attribute::Class(ObjectClass::PUBLIC_KEY), Attribute::Id(id.clone())])?;
            let point = match public.first() {
                Some(&p) => read_point(s, p)?,
                None => None,
            };
            let mut usable = Ok(());
            if let Some(&k) = key.first() {
                for a in s.get_attributes(k, &[AttributeType::KeyType, AttributeType::Sign])? {
                    match a {
                        Attribute::KeyType(t) if t != KeyType::EC => usable = Err("it is not an EC key"),
                        Attribute::Sign(false) => usable = Err("its CKA_SIGN is false: the token lets it not sign"),
                        _ => {}
                    }
                }
            }
            Ok((key.first().copied(), point, usable))
        })?;
        let handle = found.ok_or_else(|| self.not_found())?;
        if let Err(detail) = usable {
            return Err(KeyError::UnsuitableKey {
                store: PKCS11_SCHEME.into(),
                location: format!("{} on {}", self.location, self.token.describe()),
                detail: detail.into(),
            }
            .into());
        }
        if point.is_some_and(|p| p != self.public) {
            return Err(KeyError::Mismatch { label: self.location.clone() }.into());
        }
        *cached = Some(handle);
        Ok(handle)
    }
}

impl Signer for Pkcs11Key {
    fn public_key(&self) -> PublicKey {
        self.public
    }

    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        let sign = |handle| self.token.with_session(|s| s.sign(&Mechanism::Ecdsa, handle, digest));
        let raw = match sign(self.handle()?) {
            // A handle from before the token was re-inserted (or another process removed and
            // re-made the key): find the key again, once.
            Err(KeyError::Store { .. }) => {
                *self.handle.lock().unwrap_or_else(|p| p.into_inner()) = None;
                sign(self.handle()?)?
            }
            other => other?,
        };
        raw_signature_to_low_s_der(&raw)
    }

    fn export_pkcs8_der(&self) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        None
    }
}
