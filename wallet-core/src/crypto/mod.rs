//! Keys, signatures and key identifiers.
//!
//! Every private key is used through the [`Signer`] trait, so a software key, a key held in a
//! vault's transit engine or one inside an HSM all sign the same way. Signatures are always
//! DER-encoded and low-S, because Fabric rejects high-S signatures.
//!
//! The P-256 arithmetic of software keys and of verification is a [`provider`]'s: aws-lc-rs
//! with the `fast-ec` feature (default), else the pure-Rust `p256` crate.

mod algorithm;
pub mod error;
pub mod keystore;
pub mod memory_store;
#[cfg(feature = "pkcs11")]
pub mod pkcs11;
pub mod provider;
mod software;
#[cfg(feature = "transit")]
pub mod transit;

pub use error::KeyError;
pub use keystore::{KeyRef, KeySpec, KeyStore, KeyStores, SoftwareKeyStore, StoredKey};
pub use memory_store::MemoryKeyStore;
pub use software::SoftwareKey;

use crate::error::{Error, FormatError, Result};
use p256::ecdsa::Signature;
use p256::elliptic_curve::sec1::ToEncodedPoint;
pub use provider::CryptoProvider;
use sha2::{Digest, Sha256};

/// An ECDSA P-256 public key.
pub type PublicKey = p256::PublicKey;

/// Anything that can sign as an identity: the private key never has to leave its home.
pub trait Signer: Send + Sync + std::fmt::Debug {
    /// The public key that verifies this signer's signatures.
    fn public_key(&self) -> PublicKey;

    /// Sign a precomputed SHA-256 digest. Returns a DER `SEQUENCE { r, s }` with low S.
    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>>;

    /// Sign a message: SHA-256, then ECDSA. Returns DER with low S.
    fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.sign_digest(&sha256(message))
    }

    /// Sign many precomputed digests; stores that can do it in one request (Transit's batch
    /// input) override this. Each signature is DER with low S, in the order of `digests`.
    fn sign_digests(&self, digests: &[[u8; 32]]) -> Result<Vec<Vec<u8>>> {
        digests.iter().map(|d| self.sign_digest(d)).collect()
    }

    /// The private key as PKCS#8 DER, if this key may leave its home (software keys only).
    fn export_pkcs8_der(&self) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        None
    }
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// The uncompressed SEC1 encoding of a public key: `0x04 || X || Y` (65 bytes).
pub fn public_key_point(key: &PublicKey) -> Vec<u8> {
    key.to_encoded_point(false).as_bytes().to_vec()
}

/// The certificate Subject Key Identifier Fabric CA writes: SHA-1 of the EC point (20 bytes).
pub fn subject_key_id(key: &PublicKey) -> [u8; 20] {
    use sha1::Sha1;
    Sha1::digest(public_key_point(key)).into()
}

/// The BCCSP key identifier Fabric uses for keystore file names: SHA-256 of the EC point.
pub fn keystore_ski(key: &PublicKey) -> [u8; 32] {
    sha256(&public_key_point(key))
}

/// Normalise a DER ECDSA signature to low S (returns it unchanged if already low).
pub fn normalize_low_s(der: &[u8]) -> Result<Vec<u8>> {
    let sig = Signature::from_der(der)
        .map_err(|e| Error::BadSignature { detail: format!("not a DER ECDSA signature: {e}") })?;
    Ok(sig.normalize_s().unwrap_or(sig).to_der().as_bytes().to_vec())
}

/// A raw `r || s` signature (64 bytes, as PKCS#11's `CKM_ECDSA` returns it) as DER with low S.
pub fn raw_signature_to_low_s_der(raw: &[u8]) -> Result<Vec<u8>> {
    let sig = Signature::from_slice(raw).map_err(|e| Error::BadSignature {
        detail: format!("not a raw P-256 ECDSA signature of 64 bytes ({} bytes: {e})", raw.len()),
    })?;
    Ok(sig.normalize_s().unwrap_or(sig).to_der().as_bytes().to_vec())
}

/// Whether a DER ECDSA signature has S ≤ n/2 (the form Fabric accepts).
pub fn is_low_s(der: &[u8]) -> Result<bool> {
    let sig = Signature::from_der(der)
        .map_err(|e| Error::BadSignature { detail: format!("not a DER ECDSA signature: {e}") })?;
    Ok(sig.normalize_s().is_none())
}

/// The result of a successful verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureForm {
    /// S ≤ n/2: accepted by Fabric.
    LowS,
    /// Mathematically valid but high S: Fabric peers and CAs reject it.
    HighS,
}

/// Verify a DER signature over a SHA-256 digest with the process's provider.
pub fn verify_digest(key: &PublicKey, digest: &[u8; 32], der: &[u8]) -> Result<SignatureForm> {
    verify_digest_with(provider::get_default(), key, digest, der)
}

/// Verify a DER signature over a SHA-256 digest with `provider`. The DER must be strict
/// (`SEQUENCE { r, s }`, minimal positive integers, nothing after it) and r, s in `1..n`; a
/// valid high-S signature verifies and is reported as [`SignatureForm::HighS`].
pub fn verify_digest_with(
    provider: &dyn CryptoProvider,
    key: &PublicKey,
    digest: &[u8; 32],
    der: &[u8],
) -> Result<SignatureForm> {
    let sig = Signature::from_der(der)
        .map_err(|e| Error::BadSignature { detail: format!("not a DER ECDSA signature: {e}") })?;
    let form = if sig.normalize_s().is_some() { SignatureForm::HighS } else { SignatureForm::LowS };
    if !provider.verify_digest(key, digest, der) {
        return Err(Error::BadSignature { detail: "the signature was not made by this key over this data".into() });
    }
    Ok(form)
}

/// Verify a DER signature over a message (SHA-256, then ECDSA).
pub fn verify(key: &PublicKey, message: &[u8], der: &[u8]) -> Result<SignatureForm> {
    verify_digest(key, &sha256(message), der)
}

/// Parse the first private key in PEM text: PKCS#8 (`PRIVATE KEY`) or SEC1 (`EC PRIVATE KEY`),
/// LF or CRLF line endings. `what` names the source in error messages.
pub fn parse_private_key_pem(pem_text: &[u8], what: &str) -> Result<SoftwareKey> {
    let blocks = pem::parse_many(pem_text).map_err(|e| FormatError::pem_parse(what, e))?;
    let block = blocks
        .iter()
        .find(|b| matches!(b.tag(), "PRIVATE KEY" | "EC PRIVATE KEY" | "RSA PRIVATE KEY" | "DSA PRIVATE KEY"))
        .ok_or_else(|| FormatError::pem(what, "no PRIVATE KEY or EC PRIVATE KEY block"))?;
    match block.tag() {
        "RSA PRIVATE KEY" => Err(KeyError::parse(what, "RSA key found; only ECDSA P-256 keys are supported").into()),
        "DSA PRIVATE KEY" => Err(KeyError::parse(what, "DSA key found; only ECDSA P-256 keys are supported").into()),
        "PRIVATE KEY" => SoftwareKey::from_pkcs8_der(block.contents(), what),
        _ => SoftwareKey::from_sec1_der(block.contents(), what),
    }
}

/// Decode a public key from SEC1 bytes (uncompressed or compressed point).
pub fn public_key_from_sec1(bytes: &[u8]) -> Result<PublicKey> {
    PublicKey::from_sec1_bytes(bytes).map_err(|_| KeyError::parse("public key", "not a valid P-256 point").into())
}

#[cfg(test)]
mod tests;
