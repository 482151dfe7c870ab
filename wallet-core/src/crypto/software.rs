//! A P-256 private key held in process memory.
//!
//! The arithmetic is a [`CryptoProvider`](super::provider::CryptoProvider)'s: aws-lc-rs by
//! default, the pure-Rust `p256` crate without the `fast-ec` feature or when chosen. Whatever the
//! provider, signatures are DER with low S and randomness comes only from the operating system
//! (or the provider's DRBG seeded from it).

use super::provider::{self, CryptoProvider, ProviderKey};
use super::KeyError;
use super::{PublicKey, Signer};
use crate::error::Result;
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::DecodePrivateKey;
use std::sync::{Arc, OnceLock};
use zeroize::Zeroizing;

/// A software P-256 key.
///
/// Loading one costs nothing but a copy of 32 bytes: the scalar multiplication that derives the
/// public key and the provider's signing state is done on first use, so reading an identity from
/// a wallet does not pay for elliptic-curve work before a signature needs it. A generated key
/// knows its public key from the start (the generator computes it anyway).
pub struct SoftwareKey {
    scalar: Zeroizing<[u8; 32]>,
    provider: &'static dyn CryptoProvider,
    /// Known at generation (or from a validated PKCS#8/SEC1 public key), else derived on first use.
    public: OnceLock<PublicKey>,
    /// The provider's signing state, built on the first signature (shared by later clones).
    state: OnceLock<Arc<dyn ProviderKey>>,
}

impl std::fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SoftwareKey(<redacted>)")
    }
}

impl Clone for SoftwareKey {
    fn clone(&self) -> Self {
        Self {
            scalar: self.scalar.clone(),
            provider: self.provider,
            public: self.public.clone(),
            state: self.state.clone(),
        }
    }
}

impl SoftwareKey {
    fn with_scalar(scalar: Zeroizing<[u8; 32]>) -> Self {
        Self { scalar, provider: provider::get_default(), public: OnceLock::new(), state: OnceLock::new() }
    }

    fn with_public(scalar: Zeroizing<[u8; 32]>, public: PublicKey) -> Self {
        let key = Self::with_scalar(scalar);
        let _ = key.public.set(public);
        key
    }

    /// A new random key from the process's provider ([`provider::get_default`]).
    ///
    /// # Panics
    /// If the operating system's random generator fails (as `rand_core::OsRng` does).
    pub fn generate() -> Self {
        Self::generate_with(provider::get_default()).expect("the operating system's random generator failed")
    }

    /// A new random key from `provider`, which this key then signs with.
    pub fn generate_with(provider: &'static dyn CryptoProvider) -> Result<Self> {
        let (scalar, public) = provider.generate()?;
        Ok(Self::with_public(scalar, public).with_provider(provider))
    }

    /// The same key, signing with `provider` from now on (its public key is kept).
    pub fn with_provider(self, provider: &'static dyn CryptoProvider) -> Self {
        // By name: the providers are zero-sized statics, which may share one address.
        if self.provider.name() == provider.name() {
            return self;
        }
        Self { scalar: self.scalar, provider, public: self.public, state: OnceLock::new() }
    }

    /// The provider this key signs with.
    pub fn provider(&self) -> &'static dyn CryptoProvider {
        self.provider
    }

    /// A key from its 32-byte big-endian scalar. The scalar is checked to be in range now;
    /// the public key is derived lazily.
    pub fn from_scalar_bytes(bytes: &[u8], what: &str) -> Result<Self> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| KeyError::parse(what, format!("scalar is {} bytes, expected 32", bytes.len())))?;
        // Cheap range check (no point multiplication).
        let nz: Option<p256::NonZeroScalar> = p256::NonZeroScalar::from_repr(arr.into()).into();
        if nz.is_none() {
            return Err(KeyError::parse(what, "scalar is zero or not below the curve order").into());
        }
        Ok(Self::with_scalar(Zeroizing::new(arr)))
    }

    /// A parsed key, with the public key it carried (already checked against the scalar by
    /// `p256`'s parser) or none.
    fn from_secret(secret: &p256::SecretKey, sec1_der: &[u8]) -> Self {
        let key = Self::with_scalar(Zeroizing::new(secret.to_bytes().into()));
        use pkcs8::der::Decode;
        let carried = sec1::EcPrivateKey::from_der(sec1_der)
            .ok()
            .and_then(|k| k.public_key)
            .and_then(|p| PublicKey::from_sec1_bytes(p).ok());
        if let Some(public) = carried {
            let _ = key.public.set(public);
        }
        key
    }

    /// Parse PKCS#8 DER (`PrivateKeyInfo`) holding a P-256 key.
    pub fn from_pkcs8_der(der: &[u8], what: &str) -> Result<Self> {
        let secret = p256::SecretKey::from_pkcs8_der(der).map_err(|e| {
            KeyError::parse(
                what,
                match super::algorithm::of_pkcs8(der) {
                    Some(found) if found != "ECDSA P-256" => {
                        format!("{found} key found; only ECDSA P-256 keys are supported")
                    }
                    _ => format!("not a P-256 PKCS#8 key ({e})"),
                },
            )
        })?;
        use pkcs8::der::Decode;
        let inner = pkcs8::PrivateKeyInfo::from_der(der).map(|info| info.private_key).unwrap_or_default();
        Ok(Self::from_secret(&secret, inner))
    }

    /// Parse SEC1 DER (`ECPrivateKey`) holding a P-256 key.
    pub fn from_sec1_der(der: &[u8], what: &str) -> Result<Self> {
        let secret = p256::SecretKey::from_sec1_der(der).map_err(|e| {
            KeyError::parse(
                what,
                match super::algorithm::of_sec1(der) {
                    Some(found) if found != "ECDSA P-256" => {
                        format!("{found} key found; only ECDSA P-256 keys are supported")
                    }
                    _ => format!("not a P-256 SEC1 key ({e})"),
                },
            )
        })?;
        Ok(Self::from_secret(&secret, der))
    }

    /// Seed the public key from a source already trusted to match this key (the certificate of an
    /// identity record whose pairing was checked when it was stored and whose integrity the backend
    /// proved), so the first signature does not derive it again. The provider still checks the
    /// pair when it builds its signing state, so a wrong point fails loudly rather than signing wrongly.
    pub(crate) fn with_trusted_public_key(self, public: PublicKey) -> Self {
        let _ = self.public.set(public);
        self
    }

    /// The 32-byte scalar (for storage inside an encrypted record).
    pub fn scalar_bytes(&self) -> &[u8; 32] {
        &self.scalar
    }

    /// Whether the public key is known without elliptic-curve work (it was generated or parsed
    /// here, or a signature or `public_key` call derived it).
    #[cfg(test)]
    pub(crate) fn public_key_is_known(&self) -> bool {
        self.public.get().is_some()
    }

    fn public(&self) -> &PublicKey {
        if let Some(public) = self.public.get() {
            return public;
        }
        // The provider derives the public key while it builds the signing state: keep both. A
        // failure here is impossible for a scalar whose range was checked.
        let (state, public) =
            self.provider.signing_key(&self.scalar, None).expect("scalar range was checked when the key was made");
        let _ = self.state.set(Arc::from(state));
        self.public.get_or_init(|| public)
    }

    fn state(&self) -> Result<&dyn ProviderKey> {
        if let Some(state) = self.state.get() {
            return Ok(state.as_ref());
        }
        let (state, public) = self.provider.signing_key(&self.scalar, self.public.get())?;
        let _ = self.public.set(public);
        Ok(self.state.get_or_init(|| Arc::from(state)).as_ref())
    }

    /// PKCS#8 v1 DER with the public key inside, byte for byte what `p256` writes.
    fn pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        use pkcs8::der::Encode;
        let point = self.public().to_encoded_point(false);
        let ec =
            sec1::EcPrivateKey { private_key: &self.scalar[..], parameters: None, public_key: Some(point.as_bytes()) };
        let ec_der = Zeroizing::new(ec.to_der().expect("P-256 keys always encode"));
        let algorithm = pkcs8::AlgorithmIdentifierRef {
            oid: sec1::ALGORITHM_OID,
            parameters: Some((&<p256::NistP256 as const_oid::AssociatedOid>::OID).into()),
        };
        Zeroizing::new(pkcs8::PrivateKeyInfo::new(algorithm, &ec_der).to_der().expect("P-256 keys always encode"))
    }

    /// The key as PKCS#8 PEM (LF line endings).
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        let doc = pkcs8::SecretDocument::try_from(self.pkcs8_der().as_slice()).expect("our own DER parses");
        doc.to_pem("PRIVATE KEY", pkcs8::LineEnding::LF).expect("P-256 keys always encode")
    }
}

impl Signer for SoftwareKey {
    fn public_key(&self) -> PublicKey {
        *self.public()
    }

    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        super::normalize_low_s(&self.state()?.sign_digest(digest)?)
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        super::normalize_low_s(&self.state()?.sign_message(message)?)
    }

    fn export_pkcs8_der(&self) -> Option<Zeroizing<Vec<u8>>> {
        Some(self.pkcs8_der())
    }
}

#[cfg(test)]
impl SoftwareKey {
    /// The provider's signature before low-S normalisation (tests prove normalisation matters).
    pub(crate) fn sign_raw(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.state()?.sign_message(message)
    }
}
