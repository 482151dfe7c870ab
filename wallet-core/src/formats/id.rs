//! Fabric SDK wallet `.id` files:
//! `{"credentials":{"certificate","privateKey"},"mspId","type":"X.509","version":1}`.
//!
//! The Node (`fabric-network` 2.x), Java (`fabric-gateway-java` 2.2) and Go (`fabric-sdk-go`
//! gateway) SDKs share this format; they differ only in key order and line endings, which no
//! reader cares about. We read any key order, LF or CRLF, and a PKCS#8 or SEC1 key. We write
//! Node's key order with no trailing newline, the leaf certificate only (the SDKs hold nothing
//! else in `certificate`) and the key as PKCS#8 PEM, in a file of mode 0600 (Node leaves its
//! files world-readable).

use crate::crypto::parse_private_key_pem;
use crate::error::{Error, Result};
use crate::identity::{validate_label, Certificate, Identity, IdentityKey};
use std::path::{Path, PathBuf};
use zeroize::Zeroizing;

/// File name extension of SDK wallet files.
pub const EXTENSION: &str = "id";

/// The identity type of a software X.509 identity.
pub const TYPE_X509: &str = "X.509";

/// The only `.id` version the SDKs write for X.509 identities.
pub const VERSION: u64 = 1;

const FORMAT: &str = "Fabric wallet .id file";

/// What we read; each field optional so that a missing one gets its own message.
#[derive(serde::Deserialize)]
#[serde(expecting = "an object with \"credentials\", \"mspId\", \"type\" and \"version\"")]
struct IdFileIn {
    credentials: Option<CredentialsIn>,
    #[serde(rename = "mspId")]
    msp_id: Option<serde_json::Value>,
    #[serde(rename = "type")]
    kind: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

#[derive(serde::Deserialize)]
#[serde(expecting = "an object with \"certificate\" and \"privateKey\"")]
struct CredentialsIn {
    certificate: Option<String>,
    #[serde(rename = "privateKey")]
    private_key: Option<Zeroizing<String>>,
}

/// What we write, in Node's key order.
#[derive(serde::Serialize)]
struct IdFileOut<'a> {
    credentials: CredentialsOut<'a>,
    #[serde(rename = "mspId")]
    msp_id: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    version: u64,
}

#[derive(serde::Serialize)]
struct CredentialsOut<'a> {
    certificate: &'a str,
    #[serde(rename = "privateKey")]
    private_key: &'a str,
}

fn format_error(what: &str, detail: impl Into<String>) -> Error {
    Error::Format { format: FORMAT, what: what.into(), detail: detail.into() }
}

/// Parse the JSON of one `.id` file into an identity named `label`. `what` names the source
/// (usually the file) in error messages.
///
/// Refused, each with its own message: JSON that is not an `.id` document, a missing field, a
/// `type` other than `X.509` (an `HSM-X.509` identity keeps its key in an HSM, so there is no key
/// to import), a `version` other than 1, PEM that does not parse, and a key that does not match
/// the certificate ([`KeyError::Mismatch`](crate::crypto::KeyError::Mismatch), whose label names `what`).
pub fn parse(label: &str, json: &[u8], what: &str) -> Result<Identity> {
    validate_label(label)?;
    let doc: IdFileIn =
        serde_json::from_slice(json).map_err(|e| format_error(what, format!("not a JSON identity object ({e})")))?;

    // Same order of checks as the Node SDK: the type picks the provider, the provider checks the version.
    let kind = match doc.kind {
        None => return Err(format_error(what, "missing field \"type\" (expected \"X.509\")")),
        Some(serde_json::Value::String(kind)) => kind,
        Some(other) => return Err(format_error(what, format!("field \"type\" is {other}, not a string"))),
    };
    if kind != TYPE_X509 {
        return Err(unsupported_type(&kind, what));
    }
    match doc.version {
        None => return Err(format_error(what, "missing field \"version\" (expected 1)")),
        Some(v) if v.as_f64() == Some(VERSION as f64) => {}
        Some(v) => {
            return Err(Error::UnsupportedVersion {
                what: "identity".into(),
                found: format!("{v} in {what}"),
                supported: VERSION.to_string(),
            })
        }
    }
    let msp_id = match doc.msp_id {
        None => return Err(format_error(what, "missing field \"mspId\"")),
        Some(serde_json::Value::String(m)) => m,
        Some(other) => return Err(format_error(what, format!("field \"mspId\" is {other}, not a string"))),
    };
    let credentials = doc.credentials.ok_or_else(|| format_error(what, "missing field \"credentials\""))?;
    let cert_pem =
        credentials.certificate.ok_or_else(|| format_error(what, "missing field \"credentials.certificate\""))?;
    let key_pem =
        credentials.private_key.ok_or_else(|| format_error(what, "missing field \"credentials.privateKey\""))?;

    let mut certs = Certificate::parse_pem_chain(cert_pem.as_bytes(), &format!("{what} (credentials.certificate)"))?;
    let leaf = certs.remove(0);
    let key = parse_private_key_pem(key_pem.as_bytes(), &format!("{what} (credentials.privateKey)"))?;
    let key = IdentityKey::software(key);
    if leaf.public_key()? != key.signer().public_key() {
        return Err(crate::crypto::KeyError::Mismatch { label: what.into() }.into());
    }
    Identity::new(label, &msp_id, leaf, certs, key)
}

fn unsupported_type(kind: &str, what: &str) -> Error {
    let why = if kind.starts_with("HSM") {
        "its private key lives in a hardware security module (HSM), which this importer does not support; \
         a certificate-only identity cannot be imported"
    } else {
        "only software X.509 identities (type \"X.509\") can be imported"
    };
    Error::Unsupported(format!("identity type {kind:?} in {what}: {why}"))
}

/// Serialize an identity as `.id` JSON (Node's key order, no trailing newline).
///
/// `certificate` holds the leaf only, as every SDK writes it; the chain is not part of the format.
/// Fails with [`KeyError::NotExportable`](crate::crypto::KeyError::NotExportable) when the
/// private key cannot leave its store.
pub fn to_json(identity: &Identity) -> Result<Zeroizing<String>> {
    let key_pem = super::pkcs8_pem(identity)?;
    let cert_pem = identity.certificate().to_pem();
    let doc = IdFileOut {
        credentials: CredentialsOut { certificate: &cert_pem, private_key: &key_pem },
        msp_id: identity.msp_id(),
        kind: TYPE_X509,
        version: VERSION,
    };
    // Sized up front so the buffer holding the key never reallocates and leaves a copy behind.
    let capacity = 2 * (cert_pem.len() + key_pem.len() + identity.msp_id().len()) + 128;
    let mut buf = Zeroizing::new(Vec::with_capacity(capacity));
    serde_json::to_writer(&mut *buf, &doc)
        .map_err(|e| format_error(identity.label(), format!("JSON encoding failed ({e})")))?;
    let bytes = std::mem::take(&mut *buf);
    let text = String::from_utf8(bytes).expect("serde_json writes UTF-8");
    Ok(Zeroizing::new(text))
}

/// Read one `.id` file; the label is the file name without `.id`.
pub fn read_file(path: &Path) -> Result<Identity> {
    let label = label_of(path)?;
    let bytes = super::read_secret_file(path)?;
    parse(&label, &bytes, &path.display().to_string())
}

/// The label a wallet file stands for: its name without the `.id` suffix (as the SDKs list it).
fn label_of(path: &Path) -> Result<String> {
    let name = path.file_name().ok_or_else(|| format_error(&path.display().to_string(), "the path names no file"))?;
    let name = name.to_str().ok_or_else(|| Error::InvalidLabel {
        label: name.to_string_lossy().into_owned(),
        reason: "the file name is not valid UTF-8",
    })?;
    Ok(name.strip_suffix(".id").unwrap_or(name).to_owned())
}

/// Read every `*.id` file of an SDK wallet folder: one result per file, sorted by label, so the
/// caller can report each. Other files are ignored, as the SDKs ignore them. Fails as a whole
/// only when the folder cannot be listed.
pub fn read_dir(dir: &Path) -> Result<Vec<(String, Result<Identity>)>> {
    let entries =
        std::fs::read_dir(dir).map_err(|source| Error::Io { context: "cannot list", path: dir.into(), source })?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io { context: "cannot list", path: dir.into(), source })?;
        let path = entry.path();
        let name = entry.file_name();
        let name_lossy = name.to_string_lossy();
        let Some(stem) = name_lossy.strip_suffix(".id") else { continue };
        let result = read_file(&path);
        out.push((stem.to_owned(), result));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// Write `<dir>/<label>.id` (mode 0600, atomic: temporary file, fsync, rename). Refuses to replace
/// an existing file unless `overwrite`. Creates `dir` (mode 0700) when it is missing.
pub fn write_file(dir: &Path, identity: &Identity, overwrite: bool) -> Result<PathBuf> {
    validate_label(identity.label())?;
    let json = to_json(identity)?;
    super::create_dir(dir)?;
    let path = dir.join(format!("{}.{EXTENSION}", identity.label()));
    super::write_private(&path, json.as_bytes(), overwrite)?;
    Ok(path)
}

/// Write one `.id` file per identity into `dir`: one result per identity, in the given order.
pub fn write_dir(dir: &Path, identities: &[Identity], overwrite: bool) -> Vec<(String, Result<PathBuf>)> {
    identities.iter().map(|i| (i.label().to_owned(), write_file(dir, i, overwrite))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::test_support;

    fn sample() -> Identity {
        test_support::identity("alice", "Org1MSP")
    }

    fn json_of(identity: &Identity) -> serde_json::Value {
        serde_json::from_str(&to_json(identity).unwrap()).unwrap()
    }

    fn with(mut v: serde_json::Value, edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
        edit(&mut v);
        serde_json::to_vec(&v).unwrap()
    }

    fn err_text(r: Result<Identity>) -> String {
        r.expect_err("should be refused").to_string()
    }

    #[test]
    fn node_key_order_and_no_trailing_newline() {
        let id = sample();
        let json = to_json(&id).unwrap();
        assert!(json.starts_with("{\"credentials\":{\"certificate\":\"-----BEGIN CERTIFICATE-----\\n"));
        let after_cert = json.find("\",\"privateKey\":\"-----BEGIN PRIVATE KEY-----\\n").unwrap();
        let tail = &json[after_cert..];
        assert!(
            tail.ends_with("-----END PRIVATE KEY-----\\n\"},\"mspId\":\"Org1MSP\",\"type\":\"X.509\",\"version\":1}")
        );
        assert!(!json.ends_with('\n'));
    }

    #[test]
    fn round_trip_in_memory() {
        let id = sample();
        let back = parse("alice", to_json(&id).unwrap().as_bytes(), "test").unwrap();
        assert_eq!(back.certificate(), id.certificate());
        assert_eq!(back.msp_id(), "Org1MSP");
        assert_eq!(back.signer().public_key(), id.signer().public_key());
    }

    #[test]
    fn any_key_order_crlf_and_sec1() {
        let id = sample();
        let crate::crypto::KeyRef::Software { scalar } = id.key_ref() else { panic!("a software key") };
        let scalar = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, scalar.as_bytes()).unwrap();
        let secret = p256::SecretKey::from_slice(&scalar).unwrap();
        let sec1 = secret.to_sec1_pem(p256::pkcs8::LineEnding::CRLF).unwrap();
        let cert_crlf = id.certificate().to_pem().replace('\n', "\r\n");
        let doc = serde_json::json!({
            "version": 1, "type": "X.509", "mspId": "Org1MSP",
            "credentials": {"privateKey": &*sec1, "certificate": cert_crlf}
        });
        let back = parse("alice", doc.to_string().as_bytes(), "test").unwrap();
        assert_eq!(back.certificate(), id.certificate());
        assert_eq!(back.signer().public_key(), id.signer().public_key());
    }

    #[test]
    fn refusals_say_why() {
        let good = json_of(&sample());
        let e = err_text(parse("a", &with(good.clone(), |v| v["type"] = "HSM-X.509".into()), "a.id"));
        assert!(e.contains("HSM") && e.contains("does not support") && e.contains("a.id"), "{e}");
        let e = err_text(parse("a", &with(good.clone(), |v| v["type"] = "Idemix".into()), "a.id"));
        assert!(e.contains("\"Idemix\"") && e.contains("only software X.509"), "{e}");
        let e = err_text(parse("a", &with(good.clone(), |v| v["version"] = 2.into()), "a.id"));
        assert!(e.contains("unsupported identity version 2") && e.contains("a.id"), "{e}");
        let e = err_text(parse("a", &with(good.clone(), |v| v["version"] = "1".into()), "a.id"));
        assert!(e.contains("unsupported identity version \"1\""), "{e}");
        for field in ["type", "version", "mspId", "credentials"] {
            let e =
                err_text(parse("a", &with(good.clone(), |v| drop(v.as_object_mut().unwrap().remove(field))), "a.id"));
            assert!(e.contains(&format!("missing field \"{field}\"")) && e.contains("a.id"), "{field}: {e}");
        }
        for field in ["certificate", "privateKey"] {
            let e = err_text(parse(
                "a",
                &with(good.clone(), |v| drop(v["credentials"].as_object_mut().unwrap().remove(field))),
                "a.id",
            ));
            assert!(e.contains(&format!("missing field \"credentials.{field}\"")), "{field}: {e}");
        }
        let e = err_text(parse("a", b"{\"credentials\":", "a.id"));
        assert!(e.contains("not a JSON identity object") && e.contains("a.id"), "{e}");
        let e = err_text(parse("a", b"[1,2]", "a.id"));
        assert!(e.contains("not a JSON identity object"), "{e}");
    }

    #[test]
    fn malformed_pem_and_mismatch() {
        let good = json_of(&sample());
        let e =
            err_text(parse("a", &with(good.clone(), |v| v["credentials"]["certificate"] = "garbage".into()), "a.id"));
        assert!(e.contains("a.id (credentials.certificate)"), "{e}");
        let e = err_text(parse(
            "a",
            &with(good.clone(), |v| {
                v["credentials"]["privateKey"] = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".into()
            }),
            "a.id",
        ));
        assert!(e.contains("a.id (credentials.privateKey)"), "{e}");
        let other = json_of(&sample());
        let mixed = with(good, |v| v["credentials"]["privateKey"] = other["credentials"]["privateKey"].clone());
        let err = parse("a", &mixed, "a.id").unwrap_err();
        assert!(matches!(err, Error::Key(crate::crypto::KeyError::Mismatch { .. })), "{err}");
        assert!(err.to_string().contains("a.id"), "{err}");
    }

    #[test]
    fn write_file_mode_atomic_and_no_clobber() {
        let dir = tempfile::tempdir().unwrap();
        let wallet = dir.path().join("wallet");
        let id = sample();
        let path = write_file(&wallet, &id, false).unwrap();
        assert_eq!(path, wallet.join("alice.id"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            assert_eq!(std::fs::metadata(&wallet).unwrap().permissions().mode() & 0o777, 0o700);
        }
        let before = std::fs::read(&path).unwrap();
        let other = test_support::identity("alice", "Org2MSP");
        let err = write_file(&wallet, &other, false).unwrap_err();
        assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "refused write changed the file");
        write_file(&wallet, &other, true).unwrap();
        assert_eq!(read_file(&path).unwrap().msp_id(), "Org2MSP");
        let names: Vec<_> = std::fs::read_dir(&wallet).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["alice.id"], "temporary files left behind");
    }

    #[test]
    fn read_dir_reports_each_file() {
        let dir = tempfile::tempdir().unwrap();
        let ids = [sample(), test_support::identity("bob", "Org2MSP")];
        for (_, r) in write_dir(dir.path(), &ids, false) {
            r.unwrap();
        }
        std::fs::write(dir.path().join("broken.id"), b"{").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"ignored").unwrap();
        let results = read_dir(dir.path()).unwrap();
        let labels: Vec<_> = results.iter().map(|(l, _)| l.as_str()).collect();
        assert_eq!(labels, ["alice", "bob", "broken"]);
        assert_eq!(results[1].1.as_ref().unwrap().msp_id(), "Org2MSP");
        assert!(results[2].1.as_ref().unwrap_err().to_string().contains("broken.id"));
        assert!(read_dir(&dir.path().join("missing")).is_err());
        // A file named just ".id" stands for the empty label, which is refused.
        std::fs::write(dir.path().join(".id"), b"{}").unwrap();
        let results = read_dir(dir.path()).unwrap();
        assert_eq!(results[0].0, "");
        assert!(matches!(results[0].1, Err(Error::InvalidLabel { .. })), "{:?}", results[0].1);
    }
}
