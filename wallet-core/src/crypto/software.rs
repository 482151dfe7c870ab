//! A P-256 private key held in process memory.
//!
//! Two implementations sit behind it. With the `fast-ec` feature (on by default), key
//! generation and message signing use ring's assembly P-256 ([`super::fast`]); without it, and
//! always for signing a precomputed digest (ring only signs messages), the pure-Rust `p256`
//! crate does. Both give DER signatures with low S, and randomness only from the operating
//! system (ring hedges its nonces with the key and message; `p256` signs digests with
//! RFC 6979 deterministic nonces).

use super::KeyError;
use super::{PublicKey, Signer};
use crate::error::Result;
use p256::ecdsa::{signature::hazmat::PrehashSigner, Signature, SigningKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::DecodePrivateKey;
use std::sync::OnceLock;
use zeroize::Zeroizing;

#[cfg(feature = "fast-ec")]
use super::fast;
#[cfg(feature = "fast-ec")]
use std::sync::Arc;

/// A software P-256 key.
///
/// Loading one costs nothing but a copy of 32 bytes: the scalar multiplication that derives the
/// public key and the signing state is done on first use, so reading an identity from a wallet
/// does not pay for elliptic-curve work before a signature needs it. A generated key knows its
/// public key from the start (the generator computes it anyway).
pub struct SoftwareKey {
    scalar: Zeroizing<[u8; 32]>,
    /// Known at generation (or from a validated PKCS#8/SEC1 public key), else derived on first use.
    public: OnceLock<PublicKey>,
    /// The `p256` signing key: for `sign_digest`, and for all signing without `fast-ec`.
    signing: OnceLock<SigningKey>,
    /// The provider's key pair, built on the first message signature (shared by clones).
    #[cfg(feature = "fast-ec")]
    fast: OnceLock<Arc<fast::KeyPair>>,
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
            public: self.public.clone(),
            signing: self.signing.clone(),
            #[cfg(feature = "fast-ec")]
            fast: self.fast.clone(),
        }
    }
}

impl SoftwareKey {
    fn with_scalar(scalar: Zeroizing<[u8; 32]>) -> Self {
        Self {
            scalar,
            public: OnceLock::new(),
            signing: OnceLock::new(),
            #[cfg(feature = "fast-ec")]
            fast: OnceLock::new(),
        }
    }

    fn with_public(scalar: Zeroizing<[u8; 32]>, public: PublicKey) -> Self {
        let key = Self::with_scalar(scalar);
        let _ = key.public.set(public);
        key
    }

    /// A new random key from the operating system's generator.
    ///
    /// # Panics
    /// If the operating system's random generator fails (as `rand_core::OsRng` does).
    pub fn generate() -> Self {
        #[cfg(feature = "fast-ec")]
        {
            let (scalar, point) = fast::generate().expect("the operating system's random generator failed");
            let public = PublicKey::from_sec1_bytes(&point).expect("the provider returns a valid P-256 point");
            Self::with_public(scalar, public)
        }
        #[cfg(not(feature = "fast-ec"))]
        {
            let signing = SigningKey::random(&mut rand_core::OsRng);
            let key = Self::with_public(Zeroizing::new(signing.to_bytes().into()), signing.verifying_key().into());
            let _ = key.signing.set(signing);
            key
        }
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
    /// proved), so the first signature does not derive it again. The fast signer still checks the
    /// pair when it is built, so a wrong point fails loudly rather than signing wrongly.
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
        self.public.get_or_init(|| match self.signing.get() {
            Some(signing) => signing.verifying_key().into(),
            None => p256::SecretKey::from_bytes(&(*self.scalar).into())
                .expect("scalar range was checked when the key was made")
                .public_key(),
        })
    }

    fn signing_key(&self) -> &SigningKey {
        self.signing.get_or_init(|| {
            let signing =
                SigningKey::from_bytes(&(*self.scalar).into()).expect("scalar range was checked when the key was made");
            // Building it derived the public key: keep that too.
            let _ = self.public.set(signing.verifying_key().into());
            signing
        })
    }

    #[cfg(feature = "fast-ec")]
    fn fast_key(&self) -> Result<&fast::KeyPair> {
        if let Some(pair) = self.fast.get() {
            return Ok(pair);
        }
        let point = self.public().to_encoded_point(false);
        let pair = Arc::new(fast::KeyPair::new(&self.scalar, point.as_bytes())?);
        Ok(self.fast.get_or_init(|| pair))
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
        let sig: Signature =
            self.signing_key().sign_prehash(digest).map_err(|e| KeyError::parse("signing key", e.to_string()))?;
        let sig = sig.normalize_s().unwrap_or(sig);
        Ok(sig.to_der().as_bytes().to_vec())
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        #[cfg(feature = "fast-ec")]
        {
            self.fast_key()?.sign(message)
        }
        #[cfg(not(feature = "fast-ec"))]
        {
            self.sign_digest(&super::sha256(message))
        }
    }

    fn export_pkcs8_der(&self) -> Option<Zeroizing<Vec<u8>>> {
        Some(self.pkcs8_der())
    }
}
