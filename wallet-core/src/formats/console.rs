//! The identity JSON of the Hyperledger Fabric Operations Console (its wallet's "Export
//! identity" and "Upload JSON").
//!
//! One identity is `{"name", "type": "identity", "private_key", "cert"}` with the key and
//! certificate as base64 of their PEM text (`fabric-operations-console:
//! packages/apollo/src/utils/helper.js`, `getExportedNode`; the format of "Upload JSON" in
//! `docs/using_console/console-identities.md`). Several identities are an array of such
//! objects. The console itself keeps no MSP ID with an identity, so importing needs one; the
//! exports of IBM Blockchain Platform's tools (its VS Code extension, the application templates'
//! `FABRIC_WALLET_CREDENTIALS`) add `"msp_id"`, which is used when no MSP ID is given.
//!
//! On import the key and certificate may also be plain PEM (the console's own "Add identity"
//! accepts both), and `type` may be absent.

use crate::error::{FormatError, Result};
use crate::identity::Identity;
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The value of `type` for an identity.
pub const IDENTITY_TYPE: &str = "identity";

#[derive(Serialize)]
struct Out<'a> {
    name: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    private_key: &'a str,
    cert: &'a str,
}

#[derive(Deserialize)]
struct In {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    private_key: Option<Zeroizing<String>>,
    cert: Option<String>,
    msp_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    Many(Vec<serde_json::Value>),
    One(serde_json::Value),
}

/// The console's JSON for one identity (pretty, LF), its key unencrypted (base64 of PKCS#8 PEM).
/// Fails for an identity whose key cannot leave its store.
pub fn to_json(identity: &Identity) -> Result<Zeroizing<String>> {
    let key = super::pkcs8_pem(identity)?;
    let key_b64 = Zeroizing::new(B64.encode(key.as_bytes()));
    let cert_b64 = B64.encode(identity.certificate().to_pem());
    let out = Out { name: identity.label(), kind: IDENTITY_TYPE, private_key: &key_b64, cert: &cert_b64 };
    let mut json = Zeroizing::new(serde_json::to_string_pretty(&out).expect("plain structs always encode"));
    json.push('\n');
    Ok(json)
}

/// Read console identity JSON (one object or an array) from `what`; every identity gets
/// `msp_id`, or else the entry's own `"msp_id"`. With `label`, the single identity is stored under it instead of its `name`.
/// Returns each identity's result: one bad entry does not hide the others.
pub fn parse(json: &[u8], msp_id: Option<&str>, label: Option<&str>, what: &str) -> Result<Vec<Result<Identity>>> {
    let bad = |detail: String| FormatError::invalid("Fabric Operations Console identity JSON", what, detail);
    let values = match serde_json::from_slice::<OneOrMany>(json).map_err(|e| bad(format!("not JSON ({e})")))? {
        OneOrMany::Many(v) => v,
        OneOrMany::One(v) => vec![v],
    };
    if values.is_empty() {
        return Err(bad("an empty array: no identity".into()).into());
    }
    if label.is_some() && values.len() > 1 {
        return Err(bad(format!("{} identities; a label applies to a single one", values.len())).into());
    }
    Ok(values
        .into_iter()
        .enumerate()
        .map(|(i, value)| {
            let at = |detail: String| -> crate::error::Error {
                bad(if i == 0 && label.is_some() { detail } else { format!("entry {}: {detail}", i + 1) }).into()
            };
            let entry: In = serde_json::from_value(value).map_err(|e| at(format!("not an identity ({e})")))?;
            if let Some(kind) = entry.kind.as_deref().filter(|k| *k != IDENTITY_TYPE) {
                return Err(at(format!(
                    "its type is {kind:?}, not \"identity\" (export identities, not nodes or MSPs)"
                )));
            }
            let name = match (label, entry.name.as_deref()) {
                (Some(l), _) => l.to_owned(),
                (None, Some(n)) if !n.is_empty() => n.to_owned(),
                _ => return Err(at("it has no name".into())),
            };
            let cert =
                pem_text(entry.cert.as_deref().ok_or_else(|| at("it has no \"cert\"".into()))?, "cert").map_err(at)?;
            let key = entry.private_key.as_ref().ok_or_else(|| at("it has no \"private_key\"".into()))?;
            let key = pem_text(key, "private_key").map_err(at)?;
            let msp_id = match (msp_id, entry.msp_id.as_deref()) {
                (Some(m), _) => m,
                (None, Some(m)) if !m.is_empty() => m,
                _ => return Err(at("it names no MSP ID (the console keeps none with an identity): give one".into())),
            };
            super::pem_pair::parse(&name, msp_id, cert.as_bytes(), key.as_bytes())
        })
        .collect())
}

/// Whether every entry of console identity JSON names its own `"msp_id"` (so importing needs
/// none given). False for anything that does not parse: [`parse`] reports that.
pub fn names_msp_ids(json: &[u8]) -> bool {
    let values = match serde_json::from_slice::<OneOrMany>(json) {
        Ok(OneOrMany::Many(v)) => v,
        Ok(OneOrMany::One(v)) => vec![v],
        Err(_) => return false,
    };
    !values.is_empty()
        && values.iter().all(|v| v.get("msp_id").and_then(serde_json::Value::as_str).is_some_and(|m| !m.is_empty()))
}

/// A field that is PEM text, or base64 of PEM text.
fn pem_text(field: &str, name: &str) -> std::result::Result<Zeroizing<String>, String> {
    let field = field.trim();
    if field.starts_with("-----BEGIN ") {
        return Ok(Zeroizing::new(field.to_owned()));
    }
    let compact: String = field.split_whitespace().collect();
    let bytes = Zeroizing::new(B64.decode(compact).map_err(|_| format!("\"{name}\" is neither PEM nor base64"))?);
    let text = std::str::from_utf8(&bytes).map_err(|_| format!("\"{name}\" is base64 of something other than PEM"))?;
    if !text.trim_start().starts_with("-----BEGIN ") {
        return Err(format!("\"{name}\" is base64 of something other than PEM"));
    }
    Ok(Zeroizing::new(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::test_support;

    #[test]
    fn round_trip_and_the_console_shape() {
        let a = test_support::identity("org1admin", "Org1MSP");
        let json = to_json(&a).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys.len(), 4, "{keys:?}");
        assert_eq!((v["name"].as_str(), v["type"].as_str()), (Some("org1admin"), Some("identity")));
        let cert = String::from_utf8(B64.decode(v["cert"].as_str().unwrap()).unwrap()).unwrap();
        assert_eq!(cert, a.certificate().to_pem());
        let back = parse(json.as_bytes(), Some("Org1MSP"), None, "x.json").unwrap().remove(0).unwrap();
        assert_eq!(back.label(), "org1admin");
        assert_eq!(back.certificate(), a.certificate());
        assert_eq!(back.signer().public_key(), a.signer().public_key());
    }

    #[test]
    fn arrays_plain_pem_and_bad_entries() {
        let a = test_support::identity("a", "Org1MSP");
        let b = test_support::identity("b", "Org1MSP");
        let key_b = crate::formats::pkcs8_pem(&b).unwrap();
        let text = format!(
            "[{}, {}, {{\"name\": \"peer\", \"type\": \"fabric-peer\"}}, {{\"name\": \"x\", \"cert\": \"!!\", \"private_key\": \"!!\"}}]",
            to_json(&a).unwrap().as_str(),
            serde_json::json!({ "name": "b", "cert": b.certificate().to_pem(), "private_key": key_b.as_str() }),
        );
        let got = parse(text.as_bytes(), Some("Org2MSP"), None, "all.json").unwrap();
        assert_eq!(got.len(), 4);
        assert_eq!(got[0].as_ref().unwrap().msp_id(), "Org2MSP");
        assert_eq!(got[1].as_ref().unwrap().label(), "b");
        let e = got[2].as_ref().unwrap_err().to_string();
        assert!(e.contains("entry 3") && e.contains("fabric-peer"), "{e}");
        let e = got[3].as_ref().unwrap_err().to_string();
        assert!(e.contains("entry 4") && e.contains("neither PEM nor base64"), "{e}");
        assert!(parse(b"[]", Some("M"), None, "e.json").is_err());
        // Without an MSP ID given, each entry's own "msp_id" (IBM Blockchain Platform's exports).
        assert!(!names_msp_ids(text.as_bytes()));
        let e = parse(text.as_bytes(), None, None, "all.json").unwrap().remove(0).unwrap_err().to_string();
        assert!(e.contains("entry 1") && e.contains("no MSP ID"), "{e}");
        let mut with: serde_json::Value = serde_json::from_str(&to_json(&a).unwrap()).unwrap();
        with["msp_id"] = "Org7MSP".into();
        let with = with.to_string();
        assert!(names_msp_ids(with.as_bytes()));
        assert_eq!(parse(with.as_bytes(), None, None, "a.json").unwrap()[0].as_ref().unwrap().msp_id(), "Org7MSP");
        assert_eq!(
            parse(with.as_bytes(), Some("Org1MSP"), None, "a.json").unwrap()[0].as_ref().unwrap().msp_id(),
            "Org1MSP"
        );
        assert!(parse(text.as_bytes(), Some("M"), Some("one"), "all.json").is_err());
    }
}
