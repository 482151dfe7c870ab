//! The fast P-256 provider (feature `fast-ec`): ring's assembly P-256 for key generation and
//! message signing.
//!
//! Randomness comes only from the operating system: ring's `SystemRandom` is the getrandom
//! system call. ring hedges each ECDSA nonce by hashing the OS bytes with a per-key secret and
//! the message digest, so a weak generator alone does not expose the key. ring signs messages
//! only (it hashes internally); signing a precomputed digest stays with the `p256` crate.
//!
//! ring does not normalise S, so every signature goes through [`super::normalize_low_s`].
//! ring does not wipe its own copies of a private key when they are dropped (the scalar that
//! `SoftwareKey` keeps is wiped); there is no way to do so from safe Rust.

use super::KeyError;
use crate::error::{Error, Result};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use zeroize::Zeroizing;

/// The length of an uncompressed SEC1 P-256 point: `04 || X || Y`.
pub(super) const POINT_LEN: usize = 65;

fn provider_error(what: &str, detail: impl std::fmt::Display) -> Error {
    KeyError::parse(what, detail.to_string()).into()
}

/// A new key from the operating system's generator: its scalar and its public point, which the
/// provider computes while generating (no second scalar multiplication to learn it).
pub(super) fn generate() -> Result<(Zeroizing<[u8; 32]>, [u8; POINT_LEN])> {
    use pkcs8::der::Decode;
    let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new())
        .map_err(|e| provider_error("new key", format!("the operating system's generator failed ({e})")))?;
    let bad = |e: &dyn std::fmt::Display| provider_error("new key", format!("unexpected PKCS#8 from ring ({e})"));
    let info = pkcs8::PrivateKeyInfo::from_der(doc.as_ref()).map_err(|e| bad(&e))?;
    let ec = sec1::EcPrivateKey::from_der(info.private_key).map_err(|e| bad(&e))?;
    let scalar: [u8; 32] = ec.private_key.try_into().map_err(|_| bad(&"scalar is not 32 bytes"))?;
    let point: [u8; POINT_LEN] =
        ec.public_key.and_then(|p| p.try_into().ok()).ok_or_else(|| bad(&"no uncompressed public key"))?;
    Ok((Zeroizing::new(scalar), point))
}

/// A provider key pair, built from a scalar and its public point (ring recomputes the point and
/// refuses a pair that does not match).
pub(super) struct KeyPair(EcdsaKeyPair);

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyPair(<redacted>)")
    }
}

impl KeyPair {
    pub(super) fn new(scalar: &[u8; 32], point: &[u8]) -> Result<Self> {
        EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_ASN1_SIGNING,
            scalar,
            point,
            &SystemRandom::new(),
        )
        .map(Self)
        .map_err(|e| provider_error("signing key", format!("the key pair was refused ({e})")))
    }

    /// ECDSA-SHA256 over `message` as the provider returns it: DER, S not normalised.
    pub(super) fn sign_raw(&self, message: &[u8]) -> Result<Vec<u8>> {
        let sig = self
            .0
            .sign(&SystemRandom::new(), message)
            .map_err(|e| provider_error("signing key", format!("signing failed ({e})")))?;
        Ok(sig.as_ref().to_vec())
    }

    /// ECDSA-SHA256 over `message`: DER with low S.
    pub(super) fn sign(&self, message: &[u8]) -> Result<Vec<u8>> {
        super::normalize_low_s(&self.sign_raw(message)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{is_low_s, public_key_from_sec1, verify, SignatureForm};

    #[test]
    fn raw_provider_signatures_are_sometimes_high_s() {
        // Proves the low-S normalisation is needed: ring returns about half of its signatures
        // with a high S (the chance of none in 200 is 2^-200).
        let (scalar, point) = generate().unwrap();
        let pair = KeyPair::new(&scalar, &point).unwrap();
        let pk = public_key_from_sec1(&point).unwrap();
        let mut high = 0;
        for i in 0..200u32 {
            let raw = pair.sign_raw(&i.to_be_bytes()).unwrap();
            if !is_low_s(&raw).unwrap() {
                high += 1;
                assert_eq!(verify(&pk, &i.to_be_bytes(), &raw).unwrap(), SignatureForm::HighS);
            }
            let low = pair.sign(&i.to_be_bytes()).unwrap();
            assert_eq!(verify(&pk, &i.to_be_bytes(), &low).unwrap(), SignatureForm::LowS);
        }
        assert!(high > 0, "ring returned no high-S signature in 200");
    }

    #[test]
    fn a_mismatched_public_point_is_refused() {
        let (scalar, _) = generate().unwrap();
        let (_, other_point) = generate().unwrap();
        let err = KeyPair::new(&scalar, &other_point).unwrap_err();
        assert!(err.to_string().contains("refused"), "{err}");
    }

    #[test]
    fn generated_point_matches_the_scalar() {
        use p256::elliptic_curve::sec1::ToEncodedPoint;
        let (scalar, point) = generate().unwrap();
        let derived = p256::SecretKey::from_bytes(&(*scalar).into()).unwrap().public_key();
        assert_eq!(derived.to_encoded_point(false).as_bytes(), &point[..]);
    }
}
