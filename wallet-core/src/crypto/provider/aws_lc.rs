//! The aws-lc-rs provider: AWS-LC's assembly P-256 (the code OpenSSL's `ecp_nistz256` also
//! descends from) for key generation, message and digest signing, and verification.
//!
//! Randomness: AWS-LC's generator is a NIST SP 800-90A CTR-DRBG seeded from the operating
//! system (`getrandom`) and reseeded by it; each ECDSA nonce also mixes in the private key and
//! the digest, so a weak generator alone does not expose a key. aws-lc-rs ignores ring's
//! `SecureRandom` arguments and always uses that generator.
//!
//! Like ring, AWS-LC keeps its own copy of a private key (freed, and cleared by AWS-LC's
//! `BN_free`/`EC_KEY_free`, when the last clone of a `SoftwareKey` is dropped).

use super::{failure, CryptoProvider, ProviderKey};
use crate::crypto::PublicKey;
use crate::error::Result;
use aws_lc_rs::digest::{Digest, SHA256};
use aws_lc_rs::signature::{
    EcdsaKeyPair, KeyPair as _, UnparsedPublicKey, ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING,
};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use zeroize::Zeroizing;

/// The aws-lc-rs provider (`aws-lc`).
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsLc;

struct Key(EcdsaKeyPair);

impl AwsLc {
    fn public_of(&self, pair: &EcdsaKeyPair) -> Result<PublicKey> {
        PublicKey::from_sec1_bytes(pair.public_key().as_ref())
            .map_err(|_| failure(self, "new key", "the provider returned an invalid public point"))
    }
}

impl CryptoProvider for AwsLc {
    fn name(&self) -> &'static str {
        "aws-lc"
    }

    fn generate(&self) -> Result<(Zeroizing<[u8; 32]>, PublicKey)> {
        use aws_lc_rs::encoding::{AsBigEndian, EcPrivateKeyBin};
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING)
            .map_err(|_| failure(self, "new key", "the generator failed"))?;
        let bin: EcPrivateKeyBin<'static> =
            pair.private_key().as_be_bytes().map_err(|_| failure(self, "new key", "cannot read the scalar"))?;
        let scalar: [u8; 32] =
            bin.as_ref().try_into().map_err(|_| failure(self, "new key", "the scalar is not 32 bytes"))?;
        Ok((Zeroizing::new(scalar), self.public_of(&pair)?))
    }

    fn signing_key(&self, scalar: &[u8; 32], public: Option<&PublicKey>) -> Result<(Box<dyn ProviderKey>, PublicKey)> {
        let refused = |_| failure(self, "signing key", "the key pair was refused (public key does not match)");
        let pair = match public {
            // AWS-LC derives the point from the scalar and refuses a pair that differs.
            Some(public) => EcdsaKeyPair::from_private_key_and_public_key(
                &ECDSA_P256_SHA256_ASN1_SIGNING,
                scalar,
                public.to_encoded_point(false).as_bytes(),
            )
            .map_err(refused)?,
            None => {
                // An RFC 5915 ECPrivateKey without its public key: AWS-LC computes it.
                use pkcs8::der::Encode;
                let ec = sec1::EcPrivateKey { private_key: &scalar[..], parameters: None, public_key: None };
                let der = Zeroizing::new(ec.to_der().map_err(|e| failure(self, "signing key", e))?);
                EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_ASN1_SIGNING, &der)
                    .map_err(|e| failure(self, "signing key", format!("the scalar was refused ({e})")))?
            }
        };
        let derived = self.public_of(&pair)?;
        Ok((Box::new(Key(pair)), derived))
    }

    fn verify_digest(&self, key: &PublicKey, digest: &[u8; 32], der: &[u8]) -> bool {
        let Ok(digest) = Digest::import_less_safe(digest, &SHA256) else { return false };
        let point = key.to_encoded_point(false);
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, point.as_bytes()).verify_digest(&digest, der).is_ok()
    }
}

impl Key {
    fn sign(&self, digest: &Digest) -> Result<Vec<u8>> {
        let sig = self.0.sign_digest(digest).map_err(|_| failure(&AwsLc, "signing key", "signing failed"))?;
        Ok(sig.as_ref().to_vec())
    }
}

impl ProviderKey for Key {
    /// Hashes here, then signs the digest: the same ECDSA-SHA256 signature as
    /// `EcdsaKeyPair::sign`, without the EVP digest-sign context that call sets up each time.
    fn sign_message(&self, message: &[u8]) -> Result<Vec<u8>> {
        self.sign(&aws_lc_rs::digest::digest(&SHA256, message))
    }

    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        let digest = Digest::import_less_safe(digest, &SHA256)
            .map_err(|_| failure(&AwsLc, "signing key", "not a SHA-256 digest"))?;
        self.sign(&digest)
    }
}
