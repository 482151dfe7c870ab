//! Keys in a Vault/OpenBao Transit engine: made there as `ecdsa-p256`, not exportable, and
//! used there. Every signature is a Transit `sign` request over a SHA-256 digest (`prehashed`,
//! ASN.1 marshalling), normalised to low S by us because Transit does not (about half of its
//! signatures have a high S, which Fabric rejects). Many digests at once go in one request
//! (`batch_input`, see [`Signer::sign_digests`]).
//!
//! An identity's record holds only `{"type":"ref","scheme":"transit","id":"<key name>",
//! "attrs":{"server":…,"mount":…,"version":"1",…}}`; the key version is pinned, so a rotated
//! key keeps signing as the certificate's key. Credentials are the vault backend's
//! (`VAULT_TOKEN`/`BAO_TOKEN`, a token file, AppRole; see docs/vault.md), over its HTTP client
//! (TLS roots, retries, failover). Removing an identity keeps its Transit key.

mod spec;

pub use spec::TransitSpec;

use super::keystore::{KeyRef, KeyStore, StoredKey};
use super::{normalize_low_s, verify_digest, PublicKey, Signer};
use crate::backend::vault::client::{Answer, VaultClient};
use crate::backend::vault::VaultError;
use crate::backend::{BackendUri, OpenOptions};
use crate::crypto::KeyError;
use crate::error::Result;
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use ureq::http::Method;

/// The scheme of Transit keys.
pub const TRANSIT_SCHEME: &str = "transit";
/// The only key type used: ECDSA over P-256.
pub const KEY_TYPE: &str = "ecdsa-p256";
/// Digests per batch request. Each item is two JSON strings, and OpenBao refuses a request of
/// more than 1,000 strings by default (`max_request_json_strings`: "refused JSON input due to
/// high complexity").
const BATCH: usize = 250;

/// Keys in Transit engines; not exportable.
#[derive(Debug, Default)]
pub struct TransitKeyStore {
    clients: Mutex<HashMap<String, Arc<VaultClient>>>,
}

#[derive(serde::Deserialize)]
struct Envelope<T> {
    data: Option<T>,
}

#[derive(serde::Deserialize)]
struct KeyInfo {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    exportable: bool,
    #[serde(default)]
    supports_signing: bool,
    #[serde(default)]
    latest_version: u64,
    #[serde(default)]
    keys: std::collections::BTreeMap<String, serde_json::Value>,
}

impl KeyInfo {
    /// The public key of each version, by version.
    fn publics(&self) -> Vec<(u64, PublicKey)> {
        use p256::pkcs8::DecodePublicKey;
        self.keys
            .iter()
            .filter_map(|(v, entry)| {
                let pem = entry.get("public_key")?.as_str()?;
                Some((v.parse().ok()?, PublicKey::from_public_key_pem(pem).ok()?))
            })
            .collect()
    }
}

fn key_path(mount: &str, name: &str) -> String {
    format!("{mount}/keys/{name}")
}

/// A vault client failure as the key error a person can act on.
fn vault_error(e: VaultError, server: &str) -> KeyError {
    let what = format!("the Transit server at {server}");
    match e {
        VaultError::Unreachable { .. }
        | VaultError::Sealed { .. }
        | VaultError::NoLeader { .. }
        | VaultError::Tls { .. } => KeyError::StoreAbsent { store: TRANSIT_SCHEME.into(), what, detail: e.to_string() },
        VaultError::PermissionDenied { operation, path } => KeyError::PermissionDenied {
            store: TRANSIT_SCHEME.into(),
            operation: format!("{operation} {path:?} on {server}"),
            detail: "the token's policy does not allow it".into(),
        },
        VaultError::TokenInvalid { source_name } => KeyError::CredentialRefused {
            store: TRANSIT_SCHEME.into(),
            credential: format!("token (from {source_name})"),
            what,
            locked: false,
        },
        VaultError::LoginFailed { method, .. } => KeyError::CredentialRefused {
            store: TRANSIT_SCHEME.into(),
            credential: format!("{method} login"),
            what,
            locked: false,
        },
        VaultError::NoCredentials { detail } => KeyError::CredentialRequired {
            store: TRANSIT_SCHEME.into(),
            credential: "token".into(),
            what,
            sources: detail,
        },
        VaultError::Config { what: setting, detail } => KeyError::parse(format!("transit setting {setting}"), detail),
        other => KeyError::store_caused_by(TRANSIT_SCHEME, format!("{what}: {other}"), other),
    }
}

impl TransitKeyStore {
    /// A store that connects to each server when a key of it is first used.
    pub fn new() -> Self {
        Self::default()
    }

    /// The store of this process (one connection pool per server for every wallet).
    pub fn process() -> Arc<TransitKeyStore> {
        static PROCESS: OnceLock<Arc<TransitKeyStore>> = OnceLock::new();
        PROCESS.get_or_init(|| Arc::new(TransitKeyStore::new())).clone()
    }

    fn client(&self, spec: &TransitSpec) -> Result<(Arc<VaultClient>, String)> {
        let server = spec.server()?;
        let uri = spec.client_uri(&server)?;
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = clients.get(&uri) {
            return Ok((c.clone(), server));
        }
        let parsed = BackendUri::parse(&uri).map_err(|e| KeyError::parse("transit server", e.to_string()))?;
        let client = Arc::new(VaultClient::connect(&parsed, &OpenOptions::new()).map_err(|e| vault_error(e, &server))?);
        clients.insert(uri, client.clone());
        Ok((client, server))
    }

    fn mount_missing(spec: &TransitSpec, server: &str, answer: &Answer) -> KeyError {
        KeyError::StoreAbsent {
            store: TRANSIT_SCHEME.into(),
            what: format!("a Transit engine at mount {:?} of {server}", spec.mount),
            detail: format!("{} (enable it: `bao secrets enable -path={} transit`)", answer.message, spec.mount),
        }
    }

    /// The key's description, or `None` when there is no such key.
    fn read(&self, client: &VaultClient, spec: &TransitSpec, server: &str) -> Result<Option<KeyInfo>> {
        let path = key_path(&spec.mount, &spec.name);
        let answer = client.send("read", Method::GET, &path, None).map_err(|e| vault_error(e, server))?;
        match answer.status {
            200 => {
                let info: Envelope<KeyInfo> = serde_json::from_slice(&answer.body).map_err(|e| {
                    KeyError::store(TRANSIT_SCHEME, format!("{path} on {server}: unexpected answer ({e})"))
                })?;
                Ok(info.data)
            }
            404 if answer.message.contains("no handler for route") => {
                Err(Self::mount_missing(spec, server, &answer).into())
            }
            404 => Ok(None),
            status => Err(KeyError::store(
                TRANSIT_SCHEME,
                format!("reading {path} on {server}: HTTP {status}: {}", answer.message),
            )
            .into()),
        }
    }

    /// Check that an existing key is one we may use: ECDSA P-256, signing, not exportable.
    fn check(spec: &TransitSpec, server: &str, info: &KeyInfo) -> Result<()> {
        let unsuitable = |detail: String| -> crate::Error {
            KeyError::UnsuitableKey {
                store: TRANSIT_SCHEME.into(),
                location: format!("Transit key {:?} at {server}/{}", spec.name, spec.mount),
                detail,
            }
            .into()
        };
        if info.kind != KEY_TYPE {
            return Err(unsuitable(format!("it is a {} key, not {KEY_TYPE}", info.kind)));
        }
        if info.exportable {
            return Err(unsuitable(
                "it is exportable; a key that may leave Transit is refused (make it with exportable=false)".into(),
            ));
        }
        if !info.supports_signing {
            return Err(unsuitable("it does not support signing".into()));
        }
        Ok(())
    }

    fn stored(
        &self,
        client: Arc<VaultClient>,
        spec: &TransitSpec,
        server: &str,
        version: u64,
        public: PublicKey,
    ) -> StoredKey {
        let mut attrs = spec.attrs(server);
        attrs.insert("version".into(), version.to_string());
        let reference = KeyRef::External { scheme: TRANSIT_SCHEME.into(), id: spec.name.clone(), attrs };
        let key = TransitKey::new(client, spec.clone(), server.to_owned(), version, public, reference.describe());
        StoredKey { reference, signer: Arc::new(key) }
    }

    /// Use the key `spec` names, making it first when it does not exist.
    fn make_or_take(&self, label: &str, mut spec: TransitSpec) -> Result<StoredKey> {
        if spec.name.is_empty() {
            spec.name = name_for(label);
        }
        let (client, server) = self.client(&spec)?;
        let info = match self.read(&client, &spec, &server)? {
            Some(info) => info,
            None => {
                let path = key_path(&spec.mount, &spec.name);
                let body = serde_json::json!({ "type": KEY_TYPE, "exportable": false }).to_string();
                let answer = client
                    .send("write", Method::POST, &path, Some(body.as_bytes()))
                    .map_err(|e| vault_error(e, &server))?;
                match answer.status {
                    200 | 204 => {}
                    404 => return Err(Self::mount_missing(&spec, &server, &answer).into()),
                    s => {
                        return Err(KeyError::store(
                            TRANSIT_SCHEME,
                            format!("creating {path} on {server}: HTTP {s}: {}", answer.message),
                        )
                        .into())
                    }
                }
                self.read(&client, &spec, &server)?.ok_or_else(|| self.missing(&spec, &server))?
            }
        };
        Self::check(&spec, &server, &info)?;
        let (version, public) =
            info.publics().into_iter().find(|(v, _)| *v == info.latest_version).ok_or_else(|| {
                KeyError::store(TRANSIT_SCHEME, format!("Transit key {:?} shows no public key", spec.name))
            })?;
        Ok(self.stored(client, &spec, &server, version, public))
    }

    fn missing(&self, spec: &TransitSpec, server: &str) -> crate::Error {
        KeyError::UnknownKey {
            store: TRANSIT_SCHEME.into(),
            id: spec.name.clone(),
            note: Some(format!("there is no such key in the Transit engine at mount {:?} of {server}", spec.mount)),
        }
        .into()
    }
}

/// A Transit key name for `label`: its safe characters and a random suffix, so two wallets
/// (or two identities of one label) never share a key by accident.
fn name_for(label: &str) -> String {
    let base: String = label
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' })
        .take(64)
        .collect();
    let mut suffix = [0u8; 4];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut suffix);
    format!("{}-{}", base.trim_start_matches(['-', '_']), hex::encode(suffix))
}

impl KeyStore for TransitKeyStore {
    fn scheme(&self) -> &str {
        TRANSIT_SCHEME
    }

    fn generate(&self, name: &str) -> Result<StoredKey> {
        self.make_or_take(name, TransitSpec::parse("")?)
    }

    fn generate_with(&self, label: &str, spec: &str) -> Result<StoredKey> {
        self.make_or_take(label, TransitSpec::parse(spec)?)
    }

    fn find(&self, spec: &str, public: Option<&PublicKey>) -> Result<StoredKey> {
        let spec = TransitSpec::parse(spec)?;
        if spec.name.is_empty() {
            return Err(KeyError::parse("key spec transit:…", "name the key: transit:NAME").into());
        }
        let (client, server) = self.client(&spec)?;
        let info = self.read(&client, &spec, &server)?.ok_or_else(|| self.missing(&spec, &server))?;
        Self::check(&spec, &server, &info)?;
        let publics = info.publics();
        let chosen = match public {
            Some(p) => publics.into_iter().find(|(_, k)| k == p),
            None => publics.into_iter().find(|(v, _)| *v == info.latest_version),
        };
        let (version, public) = chosen.ok_or_else(|| KeyError::Mismatch { label: format!("transit:{}", spec.name) })?;
        Ok(self.stored(client, &spec, &server, version, public))
    }

    fn load(&self, reference: &KeyRef, public: Option<&PublicKey>) -> Result<Arc<dyn Signer>> {
        let KeyRef::External { scheme, id, attrs } = reference else {
            return Err(KeyError::store(TRANSIT_SCHEME, format!("was handed a {} key", reference.describe())).into());
        };
        if scheme != TRANSIT_SCHEME {
            return Err(KeyError::store(TRANSIT_SCHEME, format!("was handed a {} key", reference.describe())).into());
        }
        let spec = TransitSpec::from_reference(id, attrs);
        let version = attrs.get("version").and_then(|v| v.parse::<u64>().ok());
        match (public, version) {
            // The certificate's key and the pinned version: nothing to ask the server yet (so
            // listing identities works offline); the first signature is checked against it.
            (Some(public), Some(version)) => {
                let (client, server) = self.client(&spec)?;
                Ok(Arc::new(TransitKey::new(client, spec, server, version, *public, reference.describe())))
            }
            _ => {
                let mut found = self.find(&reference_spec(&spec), public)?;
                if let Some(v) = version {
                    // Keep the pinned version when the server still has it.
                    let (client, server) = self.client(&spec)?;
                    let info = self.read(&client, &spec, &server)?.ok_or_else(|| self.missing(&spec, &server))?;
                    if let Some((_, p)) = info.publics().into_iter().find(|(ver, _)| *ver == v) {
                        found = self.stored(client, &spec, &server, v, p);
                    }
                }
                Ok(found.signer)
            }
        }
    }

    fn exportable(&self) -> bool {
        false
    }

    /// Transit keys outlive the identities that use them (deleting one needs
    /// `deletion_allowed` and destroys every signature's key for good): removing an identity
    /// keeps its key. Delete it with `bao delete transit/keys/NAME` when no one needs it.
    fn delete(&self, _reference: &KeyRef) -> Result<()> {
        Ok(())
    }
}

/// The spec text that names a reference's key again.
fn reference_spec(spec: &TransitSpec) -> String {
    let mut query = vec![format!("server={}", spec.server), format!("mount={}", spec.mount)];
    query.extend(spec.settings.iter().map(|(k, v)| format!("{k}={v}")));
    format!("{}?{}", spec.name, query.join("&"))
}

/// A key in Transit: signs there, never leaves it.
pub struct TransitKey {
    client: Arc<VaultClient>,
    spec: TransitSpec,
    server: String,
    version: u64,
    public: PublicKey,
    location: String,
    /// Whether a signature was checked against the public key yet.
    checked: AtomicBool,
}

impl std::fmt::Debug for TransitKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TransitKey").field("location", &self.location).field("version", &self.version).finish()
    }
}

#[derive(serde::Deserialize)]
struct Signed {
    #[serde(default)]
    signature: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    batch_results: Option<Vec<Signed>>,
}

impl TransitKey {
    fn new(
        client: Arc<VaultClient>,
        spec: TransitSpec,
        server: String,
        version: u64,
        public: PublicKey,
        location: String,
    ) -> Self {
        Self { client, spec, server, version, public, location, checked: AtomicBool::new(false) }
    }

    fn sign_path(&self) -> String {
        format!("{}/sign/{}/sha2-256", self.spec.mount, self.spec.name)
    }

    fn failed(&self, answer: &Answer) -> KeyError {
        let m = answer.message.to_ascii_lowercase();
        if m.contains("not found") {
            return KeyError::UnknownKey {
                store: TRANSIT_SCHEME.into(),
                id: self.spec.name.clone(),
                note: Some(format!(
                    "the Transit engine at mount {:?} of {} has no such key (deleted?): {}",
                    self.spec.mount, self.server, answer.message
                )),
            };
        }
        if answer.status == 404 && m.contains("no handler for route") {
            return TransitKeyStore::mount_missing(&self.spec, &self.server, answer);
        }
        if m.contains("version") && (m.contains("archived") || m.contains("min") || m.contains("below")) {
            return KeyError::UnsuitableKey {
                store: TRANSIT_SCHEME.into(),
                location: self.location.clone(),
                detail: format!("its version {} can no longer sign ({})", self.version, answer.message),
            };
        }
        KeyError::store(
            TRANSIT_SCHEME,
            format!("signing with {}: HTTP {}: {}", self.location, answer.status, answer.message),
        )
    }

    /// A Transit signature (`vault:v1:BASE64-DER`) as low-S DER.
    fn decode(&self, text: &str) -> Result<Vec<u8>> {
        let b64 = text.rsplit(':').next().unwrap_or_default();
        let der = B64.decode(b64).map_err(|e| {
            KeyError::store(TRANSIT_SCHEME, format!("{}: a signature that is not base64 ({e})", self.location))
        })?;
        normalize_low_s(&der)
    }

    /// Once per key: the server's signature must verify with the certificate's key.
    fn check_first(&self, digest: &[u8; 32], der: &[u8]) -> Result<()> {
        if self.checked.load(Ordering::Relaxed) {
            return Ok(());
        }
        verify_digest(&self.public, digest, der).map_err(|_| KeyError::Mismatch { label: self.location.clone() })?;
        self.checked.store(true, Ordering::Relaxed);
        Ok(())
    }

    fn request(&self, body: serde_json::Value) -> Result<Signed> {
        let body = body.to_string();
        let answer = self
            .client
            .send("sign with", Method::POST, &self.sign_path(), Some(body.as_bytes()))
            .map_err(|e| vault_error(e, &self.server))?;
        if answer.status != 200 {
            return Err(self.failed(&answer).into());
        }
        let parsed: Envelope<Signed> = serde_json::from_slice(&answer.body)
            .map_err(|e| KeyError::store(TRANSIT_SCHEME, format!("{}: unexpected answer ({e})", self.location)))?;
        parsed
            .data
            .ok_or_else(|| KeyError::store(TRANSIT_SCHEME, format!("{}: an answer without data", self.location)).into())
    }
}

impl Signer for TransitKey {
    fn public_key(&self) -> PublicKey {
        self.public
    }

    fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        let signed = self.request(serde_json::json!({
            "input": B64.encode(digest),
            "prehashed": true,
            "marshaling_algorithm": "asn1",
            "key_version": self.version,
        }))?;
        let text = signed
            .signature
            .ok_or_else(|| KeyError::store(TRANSIT_SCHEME, format!("{}: no signature in the answer", self.location)))?;
        let der = self.decode(&text)?;
        self.check_first(digest, &der)?;
        Ok(der)
    }

    fn sign_digests(&self, digests: &[[u8; 32]]) -> Result<Vec<Vec<u8>>> {
        let mut out = Vec::with_capacity(digests.len());
        for chunk in digests.chunks(BATCH) {
            let input: Vec<_> = chunk.iter().map(|d| serde_json::json!({ "input": B64.encode(d) })).collect();
            let signed = self.request(serde_json::json!({
                "batch_input": input,
                "prehashed": true,
                "marshaling_algorithm": "asn1",
                "key_version": self.version,
            }))?;
            let results = signed.batch_results.unwrap_or_default();
            if results.len() != chunk.len() {
                return Err(KeyError::store(
                    TRANSIT_SCHEME,
                    format!("{}: {} signatures for {} digests", self.location, results.len(), chunk.len()),
                )
                .into());
            }
            for (digest, r) in chunk.iter().zip(results) {
                match (r.signature, r.error) {
                    (Some(text), _) => {
                        let der = self.decode(&text)?;
                        self.check_first(digest, &der)?;
                        out.push(der);
                    }
                    (None, error) => {
                        return Err(KeyError::store(
                            TRANSIT_SCHEME,
                            format!("{}: a batch item failed: {}", self.location, error.unwrap_or_default()),
                        )
                        .into())
                    }
                }
            }
        }
        Ok(out)
    }

    fn export_pkcs8_der(&self) -> Option<zeroize::Zeroizing<Vec<u8>>> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_names_are_safe_and_distinct() {
        let a = name_for("Admin@org1.example.com");
        let b = name_for("Admin@org1.example.com");
        assert_ne!(a, b);
        assert!(a.starts_with("Admin-org1-example-com-") && spec::valid_name(&a), "{a}");
    }
}
