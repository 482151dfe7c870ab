//! A PEM certificate (optionally followed by its chain) and a PEM private key.

use crate::crypto::parse_private_key_pem;
use crate::error::Result;
use crate::identity::{Certificate, Identity, IdentityKey};
use zeroize::Zeroizing;

/// Build an identity from certificate PEM (leaf first, then issuers) and key PEM.
///
/// The key may be PKCS#8 or SEC1, LF or CRLF. Blocks of other types are skipped, so one file
/// holding both the certificate and the key can be passed as both arguments. If the first
/// certificate is not the key's, the one that is becomes the leaf (the others stay the chain, in
/// the order given); when none is, the error is [`KeyError::Mismatch`](crate::crypto::KeyError::Mismatch).
pub fn parse(label: &str, msp_id: &str, cert_pem: &[u8], key_pem: &[u8]) -> Result<Identity> {
    let mut certs = Certificate::parse_pem_chain(cert_pem, "the certificate PEM")?;
    let key = parse_private_key_pem(key_pem, "the private key PEM")?;
    let key_public = crate::crypto::Signer::public_key(&key);
    let leaf_at = certs.iter().position(|c| c.public_key().is_ok_and(|pk| pk == key_public));
    let Some(leaf_at) = leaf_at else {
        // Surface a certificate whose key is not P-256 as such, not as a mismatch.
        certs[0].public_key()?;
        return Err(crate::crypto::KeyError::Mismatch { label: label.into() }.into());
    };
    let leaf = certs.remove(leaf_at);
    Identity::new(label, msp_id, leaf, certs, IdentityKey::software(key))
}

/// Build an identity from certificate PEM and a key that already lives in a key store (an HSM
/// key, a Transit key), named by `spec` (`pkcs11:token=ca;object=org1-admin`). The store is
/// asked for the key with the certificate's public key, and must agree with it; the leaf is
/// the first certificate whose key the store holds.
pub fn parse_with_key(
    label: &str,
    msp_id: &str,
    cert_pem: &[u8],
    spec: &crate::crypto::KeySpec,
    keys: &crate::crypto::KeyStores,
) -> Result<Identity> {
    let mut certs = Certificate::parse_pem_chain(cert_pem, "the certificate PEM")?;
    let public = certs[0].public_key()?;
    let key = keys.find(spec, Some(&public))?;
    let key_public = key.signer.public_key();
    let Some(leaf_at) = certs.iter().position(|c| c.public_key().is_ok_and(|pk| pk == key_public)) else {
        return Err(crate::crypto::KeyError::Mismatch { label: label.into() }.into());
    };
    let leaf = certs.remove(leaf_at);
    Identity::new(label, msp_id, leaf, certs, key.into())
}

/// The certificate chain PEM (leaf first, LF) and the PKCS#8 key PEM (LF).
pub fn to_pem(identity: &Identity) -> Result<(String, Zeroizing<String>)> {
    let key = super::pkcs8_pem(identity)?;
    let mut chain = identity.certificate().to_pem();
    for cert in identity.chain() {
        chain.push_str(&cert.to_pem());
    }
    Ok((chain, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, FormatError};
    use crate::formats::test_support::{self, TestCa};

    #[test]
    fn round_trip_with_chain() {
        let root = TestCa::root("Root");
        let mid = root.intermediate("Mid");
        let id = test_support::identity_from(&mid, vec![mid.cert.clone(), root.cert.clone()], "u", "Org1MSP");
        let (chain, key) = to_pem(&id).unwrap();
        assert!(key.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert_eq!(chain.matches("-----BEGIN CERTIFICATE-----").count(), 3);
        let back = parse("u", "Org1MSP", chain.as_bytes(), key.as_bytes()).unwrap();
        assert_eq!(back.certificate(), id.certificate());
        assert_eq!(back.chain(), id.chain());
        assert_eq!(back.signer().public_key(), id.signer().public_key());
    }

    #[test]
    fn one_combined_file_and_leaf_found_by_key() {
        let id = test_support::identity("u", "Org1MSP");
        let (_, key) = to_pem(&id).unwrap();
        let root = id.chain()[0].to_pem();
        let combined = format!("{root}{}{}", id.certificate().to_pem(), *key).replace('\n', "\r\n");
        let back = parse("u", "Org1MSP", combined.as_bytes(), combined.as_bytes()).unwrap();
        assert_eq!(back.certificate(), id.certificate());
        assert_eq!(back.chain(), id.chain());
    }

    #[test]
    fn bad_input() {
        let id = test_support::identity("u", "Org1MSP");
        let (chain, key) = to_pem(&id).unwrap();
        let err = parse("u", "Org1MSP", b"-----BEGIN CERTIFICATE-----\nnot base64!\n", key.as_bytes()).unwrap_err();
        assert!(matches!(err, Error::Format(FormatError::Pem { .. })), "{err}");
        let err = parse("u", "Org1MSP", chain.as_bytes(), b"no key here").unwrap_err();
        assert!(matches!(err, Error::Format(FormatError::Pem { .. })), "{err}");
        let other = crate::crypto::SoftwareKey::generate().to_pkcs8_pem();
        let err = parse("u", "Org1MSP", chain.as_bytes(), other.as_bytes()).unwrap_err();
        assert!(matches!(err, Error::Key(crate::crypto::KeyError::Mismatch { .. })), "{err}");
        let err = parse("a/b", "Org1MSP", chain.as_bytes(), key.as_bytes()).unwrap_err();
        assert!(matches!(err, Error::InvalidLabel { .. }), "{err}");
    }
}
