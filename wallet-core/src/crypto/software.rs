//! A P-256 private key held in process memory.

use super::{PublicKey, Signer};
use crate::error::{Error, Result};
use p256::ecdsa::{signature::hazmat::PrehashSigner, Signature, SigningKey};
use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use std::sync::OnceLock;
use zeroize::Zeroizing;

/// A software P-256 key.
///
/// Loading one costs nothing but a copy of 32 bytes: the scalar multiplication that derives the
/// public key and the signing state is done on first use, so reading an identity from a wallet
/// does not pay for elliptic-curve work before a signature needs it.
pub struct SoftwareKey {
    scalar: Zeroizing<[u8; 32]>,
    signing: OnceLock<SigningKey>,
}

impl std::fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SoftwareKey(<redacted>)")
    }
}

impl Clone for SoftwareKey {
    fn clone(&self) -> Self {
        Self { scalar: self.scalar.clone(), signing: self.signing.clone() }
    }
}

impl SoftwareKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> Self {
        let key = SigningKey::random(&mut rand_core::OsRng);
        Self::from_signing_key(key)
    }

    fn from_signing_key(key: SigningKey) -> Self {
        let scalar = Zeroizing::new(key.to_bytes().into());
        let signing = OnceLock::new();
        let _ = signing.set(key);
        Self { scalar, signing }
    }

    /// A key from its 32-byte big-endian scalar. The scalar is checked to be in range now;
    /// the public key is derived lazily.
    pub fn from_scalar_bytes(bytes: &[u8], what: &str) -> Result<Self> {
        let arr: [u8; 32] = bytes.try_into().map_err(|_| Error::Key {
            what: what.into(),
            detail: format!("scalar is {} bytes, expected 32", bytes.len()),
        })?;
        // Cheap range check (no point multiplication).
        let nz: Option<p256::NonZeroScalar> = p256::NonZeroScalar::from_repr(arr.into()).into();
        if nz.is_none() {
            return Err(Error::Key { what: what.into(), detail: "scalar is zero or not below the curve order".into() });
        }
        Ok(Self { scalar: Zeroizing::new(arr), signing: OnceLock::new() })
    }

    /// Parse PKCS#8 DER (`PrivateKeyInfo`) holding a P-256 key.
    pub fn from_pkcs8_der(der: &[u8], what: &str) -> Result<Self> {
        let key = SigningKey::from_pkcs8_der(der)
            .map_err(|e| Error::Key { what: what.into(), detail: format!("not a P-256 PKCS#8 key ({e})") })?;
        Ok(Self::from_signing_key(key))
    }

    /// Parse SEC1 DER (`ECPrivateKey`) holding a P-256 key.
    pub fn from_sec1_der(der: &[u8], what: &str) -> Result<Self> {
        let secret = p256::SecretKey::from_sec1_der(der)
            .map_err(|e| Error::Key { what: what.into(), detail: format!("not a P-256 SEC1 key ({e})") })?;
        Ok(Self::from_signing_key(SigningKey::from(secret)))
    }

    /// The 32-byte scalar (for storage inside an encrypted record).
    pub fn scalar_bytes(&self) -> &[u8; 32] {
        &self.scalar
    }

    fn signing_key(&self) -> &SigningKey {
        self.signing.get_or_init(|| {
            SigningKey::from_bytes(&(*self.scalar).into()).expect("scalar range was checked when the key was made")
        })
    }

    /// The key as PKCS#8 PEM (LF line endings).
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        let doc = self.signing_key().to_pkcs8_pem(p256::pkcs8::LineEnding::LF).expect("P-256 keys always encode");
        Zeroizing::new(doc.to_string())
    }
}

impl Signer for SoftwareKey {
    fn public_key(&self) -> PublicKey {
        PublicKey::from(self.signing_key().verifying_key())
    }

    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        let sig: Signature = self
            .signing_key()
            .sign_prehash(digest)
            .map_err(|e| Error::Key { what: "signing key".into(), detail: e.to_string() })?;
        let sig = sig.normalize_s().unwrap_or(sig);
        Ok(sig.to_der().as_bytes().to_vec())
    }

    fn export_pkcs8_der(&self) -> Option<Zeroizing<Vec<u8>>> {
        let doc = self.signing_key().to_pkcs8_der().ok()?;
        Some(Zeroizing::new(doc.as_bytes().to_vec()))
    }
}
