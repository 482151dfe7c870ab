//! The Fabric CA request token: what `fabric-ca-client` puts in the `authorization` header of
//! every call but enrol, exactly as `fabric-ca-server` checks it (`util.CreateToken` /
//! `util.VerifyToken`, Fabric CA 1.4+).
//!
//! ```text
//! payload = METHOD "." b64(path+query as sent) "." b64(body bytes) "." b64(certificate PEM)
//! token   = b64(certificate PEM) "." b64(DER ECDSA signature over SHA-256(payload), low S)
//! ```
//!
//! The signature goes through [`Signer`], so a key that never leaves a vault or an HSM signs
//! tokens like a software key. Servers older than 1.4 (and 1.4–1.5.13 servers in their
//! default compatibility mode) also accept the legacy payload `b64(body) "." b64(cert)`.

use crate::crypto::{self, Signer};
use crate::error::{Error, Result};
use crate::identity::Certificate;
use base64::{engine::general_purpose::STANDARD as B64, Engine};

/// Which payload the token signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenForm {
    /// Fabric CA 1.4 and later: method, URI, body and certificate.
    #[default]
    Current,
    /// Before Fabric CA 1.4: body and certificate only (no method or URI).
    Legacy,
}

/// The bytes that are hashed and signed.
pub fn payload(form: TokenForm, method: &str, uri: &str, body: &[u8], cert_pem: &[u8]) -> String {
    let (b64body, b64cert) = (B64.encode(body), B64.encode(cert_pem));
    match form {
        TokenForm::Current => {
            format!("{}.{}.{b64body}.{b64cert}", method.to_ascii_uppercase(), B64.encode(uri.as_bytes()))
        }
        TokenForm::Legacy => format!("{b64body}.{b64cert}"),
    }
}

/// The `authorization` header value for a request made as the holder of `cert_pem`.
///
/// `uri` is the request target exactly as it goes on the wire (path plus `?query`); `body` the
/// exact body bytes (empty for GET and DELETE).
pub fn create(
    signer: &dyn Signer,
    cert_pem: &[u8],
    form: TokenForm,
    method: &str,
    uri: &str,
    body: &[u8],
) -> Result<String> {
    let signature = signer.sign(payload(form, method, uri, body, cert_pem).as_bytes())?;
    // Signers promise low S; a foreign one that breaks the promise would get a 401 from the
    // server with no reason given, so normalise rather than trust.
    let signature = crypto::normalize_low_s(&signature)?;
    Ok(format!("{}.{}", B64.encode(cert_pem), B64.encode(signature)))
}

/// Check a token as `fabric-ca-server` does (minus its database look-up): two parts, the
/// certificate decodes, the signature is low-S and verifies over the payload rebuilt from
/// this method, URI and body. Returns the certificate.
pub fn verify(token: &str, form: TokenForm, method: &str, uri: &str, body: &[u8]) -> Result<Certificate> {
    let bad = |detail: &str| Error::BadSignature { detail: format!("fabric CA token: {detail}") };
    let parts: Vec<&str> = token.split('.').collect();
    let [b64cert, b64sig] = parts[..] else { return Err(bad("expected two '.'-separated parts")) };
    let cert_pem = B64.decode(b64cert).map_err(|_| bad("the certificate part is not base64"))?;
    let signature = B64.decode(b64sig).map_err(|_| bad("the signature part is not base64"))?;
    let cert = Certificate::from_pem(&cert_pem, "the token's certificate")?;
    let message = payload(form, method, uri, body, &cert_pem);
    match crypto::verify(&cert.public_key()?, message.as_bytes(), &signature)? {
        crypto::SignatureForm::LowS => Ok(cert),
        crypto::SignatureForm::HighS => Err(bad("high-S signature (Fabric CA refuses it)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SoftwareKey;
    use crate::formats::test_support;

    #[test]
    fn round_trip_and_binding() {
        let id = test_support::identity("u", "Org1MSP");
        let pem = id.certificate().to_pem();
        let body = br#"{"id":"x"}"#;
        let tok = create(id.signer(), pem.as_bytes(), TokenForm::Current, "post", "/register", body).unwrap();
        assert_eq!(verify(&tok, TokenForm::Current, "POST", "/register", body).unwrap(), *id.certificate());
        // Every input is bound: method, URI (query included), body, form.
        assert!(verify(&tok, TokenForm::Current, "PUT", "/register", body).is_err());
        assert!(verify(&tok, TokenForm::Current, "POST", "/register?ca=x", body).is_err());
        assert!(verify(&tok, TokenForm::Current, "POST", "/register", b"{}").is_err());
        assert!(verify(&tok, TokenForm::Legacy, "POST", "/register", body).is_err());
        let legacy = create(id.signer(), pem.as_bytes(), TokenForm::Legacy, "GET", "/a", b"").unwrap();
        assert!(verify(&legacy, TokenForm::Legacy, "DELETE", "/b", b"").is_ok());
        // Another key's signature under this certificate fails.
        let other = SoftwareKey::generate();
        let forged = create(&other, pem.as_bytes(), TokenForm::Current, "POST", "/register", body).unwrap();
        assert!(verify(&forged, TokenForm::Current, "POST", "/register", body).is_err());
        assert!(verify("abc", TokenForm::Current, "GET", "/", b"").is_err());
    }

    #[test]
    fn payload_layout() {
        let p = payload(TokenForm::Current, "get", "/identities?ca=", b"", b"CERT");
        assert_eq!(p, format!("GET.{}..{}", B64.encode("/identities?ca="), B64.encode("CERT")));
        assert_eq!(
            payload(TokenForm::Legacy, "GET", "/x", b"{}", b"C"),
            format!("{}.{}", B64.encode("{}"), B64.encode("C"))
        );
    }
}
