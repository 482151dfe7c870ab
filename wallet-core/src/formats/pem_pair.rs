//! A PEM certificate (optionally followed by its chain) and a PEM private key.

use crate::error::{Error, Result};
use crate::identity::Identity;
use zeroize::Zeroizing;

/// Build an identity from certificate PEM (leaf first, then issuers) and key PEM.
pub fn parse(label: &str, msp_id: &str, cert_pem: &[u8], key_pem: &[u8]) -> Result<Identity> {
    let _ = (msp_id, cert_pem, key_pem);
    Err(Error::Unsupported(format!("PEM import not built yet ({label})")))
}

/// The certificate chain PEM (leaf first) and the PKCS#8 key PEM.
pub fn to_pem(identity: &Identity) -> Result<(String, Zeroizing<String>)> {
    Err(Error::Unsupported(format!("PEM export not built yet ({})", identity.label())))
}
