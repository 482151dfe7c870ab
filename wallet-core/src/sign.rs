//! Signing as an identity: one call for a message (hashed here with SHA-256) and for a digest
//! made elsewhere. The CLI's `wallet sign` and the C library's `wallet_identity_sign*` both
//! sign through [`sign`], so they hash and read digests the same way.

use crate::crypto::{sha256, Signer};
use crate::error::{Error, Result};

/// What to sign.
#[derive(Debug, Clone, Copy)]
pub enum SignInput<'a> {
    /// A message: its SHA-256 digest is signed (as a Fabric client signs a proposal).
    Message(&'a [u8]),
    /// A SHA-256 digest computed elsewhere: exactly 32 bytes.
    Digest(&'a [u8]),
    /// A SHA-256 digest as a file or a pipe gives it: 32 raw bytes, or 64 hex characters with
    /// surrounding white space (`sha256sum | cut -c1-64`).
    DigestText(&'a [u8]),
}

impl SignInput<'_> {
    /// The SHA-256 digest to sign (or to verify against). [`Error::InvalidDigest`] if a digest
    /// input is not one.
    pub fn digest(&self) -> Result<[u8; 32]> {
        match *self {
            SignInput::Message(m) => Ok(sha256(m)),
            SignInput::Digest(d) => <[u8; 32]>::try_from(d).map_err(|_| Error::InvalidDigest { len: d.len() }),
            SignInput::DigestText(d) => {
                if let Ok(raw) = <[u8; 32]>::try_from(d) {
                    return Ok(raw);
                }
                let mut out = [0u8; 32];
                let text = std::str::from_utf8(d).map_err(|_| Error::InvalidDigest { len: d.len() })?;
                hex::decode_to_slice(text.trim(), &mut out).map_err(|_| Error::InvalidDigest { len: d.len() })?;
                Ok(out)
            }
        }
    }
}

/// A signature and the digest it signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// The SHA-256 digest that was signed.
    pub digest: [u8; 32],
    /// ECDSA P-256, DER `SEQUENCE { r, s }`, low S.
    pub signature: Vec<u8>,
}

/// Sign `input` with `signer`.
pub fn sign(signer: &dyn Signer, input: SignInput<'_>) -> Result<Signed> {
    let digest = input.digest()?;
    Ok(Signed { signature: signer.sign_digest(&digest)?, digest })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{verify_digest, SoftwareKey};

    #[test]
    fn a_message_and_its_digest_in_every_form_sign_the_same_digest() {
        let key = SoftwareKey::generate();
        let digest = sha256(b"proposal");
        let hex_text = format!("  {}\n", hex::encode(digest));
        for input in [
            SignInput::Message(b"proposal"),
            SignInput::Digest(&digest),
            SignInput::DigestText(&digest),
            SignInput::DigestText(hex_text.as_bytes()),
        ] {
            let signed = sign(&key, input).unwrap();
            assert_eq!(signed.digest, digest, "{input:?}");
            verify_digest(&key.public_key(), &digest, &signed.signature).unwrap();
        }
    }

    #[test]
    fn what_is_not_a_digest_is_refused_with_its_length() {
        let key = SoftwareKey::generate();
        let hex_text = hex::encode([7u8; 32]);
        for (input, len) in [
            (SignInput::Digest(&[0u8; 31]), 31),
            (SignInput::Digest(&[0u8; 33]), 33),
            (SignInput::Digest(b""), 0),
            (SignInput::Digest(hex_text.as_bytes()), 64),
            (SignInput::DigestText(b"abcdef"), 6),
            (SignInput::DigestText(&[0xffu8; 64]), 64),
        ] {
            let e = sign(&key, input).unwrap_err();
            assert!(matches!(e, Error::InvalidDigest { len: l } if l == len), "{input:?}: {e:?}");
        }
    }
}
