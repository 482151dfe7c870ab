//! The `pkcs11:` key spec: RFC 7512's PKCS#11 URI, the part this store needs.
//!
//! ```text
//! pkcs11:token=LABEL[;object=KEY-LABEL][;id=%01%02…][;serial=…]
//!        [?module-path=/usr/lib/softhsm/libsofthsm2.so][&pin-source=env:VAR|file:PATH|prompt]
//! ```
//!
//! Path attributes are separated by `;`, query attributes by `&`, values percent-encoded.
//! `pin-value` is refused: a PIN on a command line is readable by every user of the machine.

use super::pin::PinSource;
use super::PKCS11_SCHEME;
use crate::crypto::KeyError;
use std::path::PathBuf;

/// What a `pkcs11:` spec says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pkcs11Spec {
    /// The token's label (`CKA_LABEL` of the token, as `softhsm2-util --label` sets it).
    pub token: Option<String>,
    /// The token's serial number, when two tokens share a label.
    pub serial: Option<String>,
    /// An existing key, by its `CKA_LABEL`.
    pub object: Option<String>,
    /// An existing key, by its `CKA_ID`.
    pub id: Option<Vec<u8>>,
    /// The PKCS#11 module (shared library) to load.
    pub module: Option<PathBuf>,
    /// Where the user PIN comes from.
    pub pin: Option<PinSource>,
}

fn bad(spec: &str, detail: impl Into<String>) -> KeyError {
    KeyError::parse(format!("key spec pkcs11:{spec}"), detail)
}

/// Percent-decode `text` to bytes.
pub(crate) fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

impl Pkcs11Spec {
    /// Read the part after `pkcs11:`.
    pub fn parse(spec: &str) -> Result<Self, KeyError> {
        let (path, query) = spec.split_once('?').unwrap_or((spec, ""));
        let mut out = Pkcs11Spec::default();
        let text = |name: &str, value: &str| -> Result<String, KeyError> {
            let bytes =
                percent_decode(value).ok_or_else(|| bad(spec, format!("{name}: a '%' without two hex digits")))?;
            String::from_utf8(bytes).map_err(|_| bad(spec, format!("{name}: not UTF-8 after percent-decoding")))
        };
        for pair in path.split(';').filter(|p| !p.trim().is_empty()) {
            let (name, value) = pair.split_once('=').ok_or_else(|| bad(spec, format!("{pair:?} is not NAME=VALUE")))?;
            match name.trim() {
                "token" => out.token = Some(text(name, value)?),
                "serial" => out.serial = Some(text(name, value)?),
                "object" => out.object = Some(text(name, value)?),
                "id" => {
                    out.id = Some(percent_decode(value).ok_or_else(|| bad(spec, "id: a '%' without two hex digits"))?)
                }
                "type" => {
                    if value != "private" {
                        return Err(bad(spec, format!("type={value}: only private keys sign (type=private)")));
                    }
                }
                "manufacturer"
                | "model"
                | "library-manufacturer"
                | "library-description"
                | "library-version"
                | "slot-description"
                | "slot-manufacturer"
                | "slot-id" => {
                    return Err(bad(spec, format!("{name} is not supported here; name the token with token=LABEL")))
                }
                other => {
                    return Err(bad(
                        spec,
                        format!("unknown attribute {other:?} (known: token, serial, object, id, type)"),
                    ))
                }
            }
        }
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            match name {
                "module-path" => out.module = Some(PathBuf::from(text(name, value)?)),
                "pin-source" => out.pin = Some(PinSource::parse(&text(name, value)?)?),
                "pin-value" => {
                    return Err(KeyError::parse(
                        format!("key spec {PKCS11_SCHEME}:…"),
                        "pin-value is refused: a PIN in a command line or a file of settings can be read by others; \
                         use pin-source=env:VAR, pin-source=file:PATH, or WALLET_PKCS11_PIN",
                    ))
                }
                other => {
                    return Err(bad(
                        spec,
                        format!("unknown query attribute {other:?} (known: module-path, pin-source)"),
                    ))
                }
            }
        }
        Ok(out)
    }

    /// Whether the spec names an existing key (by `object=` or `id=`).
    pub fn names_a_key(&self) -> bool {
        self.object.is_some() || self.id.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rfc7512_paths_and_queries() {
        let s = Pkcs11Spec::parse(
            "token=wallet%20ca;object=org1-ca;id=%01%ab?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/pin",
        )
        .unwrap();
        assert_eq!(s.token.as_deref(), Some("wallet ca"));
        assert_eq!(s.object.as_deref(), Some("org1-ca"));
        assert_eq!(s.id.as_deref(), Some(&[1u8, 0xab][..]));
        assert_eq!(s.module.as_deref(), Some(std::path::Path::new("/usr/lib/softhsm/libsofthsm2.so")));
        assert_eq!(s.pin, Some(PinSource::File("/run/pin".into())));
        assert!(s.names_a_key());
        assert!(!Pkcs11Spec::parse("token=a").unwrap().names_a_key());
    }

    #[test]
    fn a_pin_in_the_spec_is_refused_and_typos_are_named() {
        let e = Pkcs11Spec::parse("token=a?pin-value=1234").unwrap_err().to_string();
        assert!(e.contains("pin-value is refused") && !e.contains("1234"), "{e}");
        let e = Pkcs11Spec::parse("tokn=a").unwrap_err().to_string();
        assert!(e.contains("\"tokn\""), "{e}");
        assert!(Pkcs11Spec::parse("token=a;type=public").is_err());
        assert!(Pkcs11Spec::parse("id=%zz").is_err());
    }
}
