//! The pure-Rust provider: the RustCrypto `p256` crate for everything.
//!
//! Keys come from the operating system's generator (`getrandom`); signing a digest uses RFC 6979
//! deterministic nonces, so it needs no randomness at all. Portable and small, about 8× slower
//! than the assembly providers (see BENCHMARKS.md).

use super::{failure, CryptoProvider, ProviderKey};
use crate::crypto::PublicKey;
use crate::error::Result;
use p256::ecdsa::signature::hazmat::{PrehashSigner, PrehashVerifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use zeroize::Zeroizing;

/// The `p256` provider (`rustcrypto`).
#[derive(Debug, Clone, Copy, Default)]
pub struct RustCrypto;

struct Key(SigningKey);

impl CryptoProvider for RustCrypto {
    fn name(&self) -> &'static str {
        "rustcrypto"
    }

    fn generate(&self) -> Result<(Zeroizing<[u8; 32]>, PublicKey)> {
        let signing = SigningKey::random(&mut rand_core::OsRng);
        Ok((Zeroizing::new(signing.to_bytes().into()), signing.verifying_key().into()))
    }

    fn signing_key(&self, scalar: &[u8; 32], public: Option<&PublicKey>) -> Result<(Box<dyn ProviderKey>, PublicKey)> {
        let signing =
            SigningKey::from_bytes(&(*scalar).into()).map_err(|e| failure(self, "signing key", e.to_string()))?;
        // Building the key derived its public key: a different trusted one is a mismatch.
        let derived: PublicKey = signing.verifying_key().into();
        if public.is_some_and(|p| *p != derived) {
            return Err(failure(self, "signing key", "the key pair was refused (public key does not match)"));
        }
        Ok((Box::new(Key(signing)), derived))
    }

    fn verify_digest(&self, key: &PublicKey, digest: &[u8; 32], der: &[u8]) -> bool {
        let Ok(sig) = Signature::from_der(der) else { return false };
        // (r, s) is valid exactly when (r, n − s) is; p256 checks the low form.
        let sig = sig.normalize_s().unwrap_or(sig);
        VerifyingKey::from(key).verify_prehash(digest, &sig).is_ok()
    }
}

impl ProviderKey for Key {
    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.sign_digest(&crate::crypto::sha256(message))
    }

    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        let sig: Signature =
            self.0.sign_prehash(digest).map_err(|e| failure(&RustCrypto, "signing key", e.to_string()))?;
        Ok(sig.to_der().as_bytes().to_vec())
    }
}
