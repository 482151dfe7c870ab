//! The `vault:` backend: records in a KV version 2 secrets engine of HashiCorp Vault or
//! OpenBao, the store that many machines share.
//!
//! ```text
//! vault://HOST:PORT[,HOST:PORT…]/MOUNT/PREFIX[?namespace=…]   TLS
//! vault+http://127.0.0.1:8200/secret/wallet                   plain HTTP, loopback only
//! ```
//!
//! Each record is one KV secret at `MOUNT/data/PREFIX/<kind>/<escaped name>` holding
//! `{"kind", "name", "value": base64}`; its KV version is the record's version, and every
//! write is a check-and-set (`cas`: 0 to create, N to update version N), so two machines
//! writing at once never lose an update. The store exists when its marker secret
//! `PREFIX/_wallet` does.
//!
//! Capabilities, stated as KV v2 gives them: compare-and-swap on write, **none on delete**
//! (a delete reads the version, then deletes the metadata: a write in between is lost), **no
//! multi-key transaction** (`atomic_batch: false`: the CA's crash-safe order keeps it correct),
//! listing, persistent and shared. See docs/vault.md for the policy a token needs.

mod auth;
pub(crate) mod client;
mod config;
mod error;
mod names;
mod provider;
mod transport;

pub use error::VaultError;
pub use provider::VaultProvider;

/// Read a `vault:` URI and options as opening a vault wallet does, without connecting (for the
/// `backend_uri` fuzz target).
#[cfg(feature = "fuzzing")]
pub(crate) fn parse_config(uri: &super::BackendUri, options: &super::OpenOptions) -> bool {
    config::Config::parse(uri, options).is_ok()
}

use self::auth::Auth;
use self::config::Config;
use self::transport::{Reply, Transport};
use super::memory::kind_name;
use super::{Backend, BackendError, BackendUri, Capabilities, Expect, OpenOptions, RecordKey, Version, Versioned};
use crate::error::{Error, FormatError, Result};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use ureq::http::Method;
use zeroize::Zeroizing;

/// The marker secret below the prefix that says "a wallet lives here".
const MARKER: &str = "_wallet";
/// What the marker holds.
const MARKER_FORMAT: &str = "wallet-records";
/// Check-and-set attempts of an unconditional write on a mount that requires `cas`.
const ANY_ATTEMPTS: u32 = 16;

/// What a record's secret holds.
#[derive(serde::Serialize)]
struct RecordOut<'a> {
    kind: &'a str,
    name: &'a str,
    value: &'a str,
}

#[derive(serde::Deserialize)]
struct RecordIn {
    kind: String,
    name: String,
    value: Zeroizing<String>,
}

#[derive(serde::Serialize)]
struct WriteBody<'a, T> {
    #[serde(skip_serializing_if = "Option::is_none")]
    options: Option<CasOption>,
    data: &'a T,
}

#[derive(serde::Serialize)]
struct CasOption {
    cas: u64,
}

#[derive(serde::Deserialize)]
struct Envelope<T> {
    data: Option<T>,
}

#[derive(serde::Deserialize)]
struct ReadData<T> {
    data: Option<T>,
    metadata: Option<VersionMeta>,
}

#[derive(serde::Deserialize)]
struct VersionMeta {
    version: u64,
}

#[derive(serde::Deserialize)]
struct WriteData {
    version: u64,
}

#[derive(serde::Deserialize)]
struct Metadata {
    current_version: u64,
    #[serde(default)]
    versions: std::collections::BTreeMap<String, VersionState>,
}

#[derive(serde::Deserialize)]
struct VersionState {
    #[serde(default)]
    deletion_time: String,
    #[serde(default)]
    destroyed: bool,
}

#[derive(serde::Deserialize)]
struct ListData {
    #[serde(default)]
    keys: Vec<String>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct MarkerData {
    format: String,
}

/// A KV v2 record's state as its metadata tells it.
struct Current {
    version: u64,
    /// The current version holds data (not soft-deleted or destroyed).
    live: bool,
}

/// An open `vault:` store. Cheap to share between threads; all stores of a process with the
/// same TLS settings share one connection pool.
pub struct VaultBackend {
    config: Config,
    transport: Transport,
    auth: Auth,
}

impl std::fmt::Debug for VaultBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultBackend").field("location", &self.config.display).finish_non_exhaustive()
    }
}

impl VaultBackend {
    /// Reach the server, check the credentials and the mount; nothing is read or written below
    /// the prefix yet.
    fn connect(uri: &BackendUri, options: &OpenOptions) -> Result<Self> {
        let config = Config::parse(uri, options)?;
        let transport = Transport::new(&config)?;
        let auth = Auth::establish(config.credentials.clone(), &transport)?;
        let backend = Self { config, transport, auth };
        backend.check_mount()?;
        Ok(backend)
    }

    /// Open the store at `uri`: it must have been created ([`BackendError::NoStore`] otherwise).
    pub fn open(uri: &BackendUri, options: &OpenOptions) -> Result<Self> {
        let backend = Self::connect(uri, options)?;
        match backend.read_marker()? {
            Some(()) => Ok(backend),
            None => Err(BackendError::NoStore { location: backend.location() }.into()),
        }
    }

    /// Create a store at `uri`: the prefix must hold nothing yet.
    pub fn create(uri: &BackendUri, options: &OpenOptions) -> Result<Self> {
        let backend = Self::connect(uri, options)?;
        let taken = || Error::AlreadyExists {
            kind: "wallet",
            name: backend.config.prefix.clone(),
            location: backend.location(),
        };
        if backend.read_marker()?.is_some() || !backend.list_folder("")?.is_empty() {
            return Err(taken());
        }
        let marker = MarkerData { format: MARKER_FORMAT.into() };
        let body = serde_json::to_vec(&WriteBody { options: Some(CasOption { cas: 0 }), data: &marker })
            .expect("the marker serializes");
        let path = backend.config.kv_path("data", MARKER);
        let reply = backend.send("write", Method::POST, &path, "", Some(&body))?;
        match reply.status {
            200 | 204 => Ok(backend),
            400 if is_cas_mismatch(&reply) => Err(taken()),
            _ => Err(backend.server_error("write", &path, &reply)),
        }
    }

    /// Delete every record of the store and its marker.
    pub fn destroy(&self) -> Result<()> {
        for kind in self.kinds()? {
            for segment in self.list_folder(&kind)? {
                if !segment.ends_with('/') {
                    self.delete_metadata(&format!("{kind}/{segment}"))?;
                }
            }
        }
        self.delete_metadata(MARKER)
    }

    /// The kinds of record the store holds (the folders below the prefix), sorted.
    pub fn kinds(&self) -> Result<Vec<String>> {
        let mut kinds: Vec<String> = self
            .list_folder("")?
            .into_iter()
            .filter_map(|k| k.strip_suffix('/').map(str::to_owned))
            .filter(|k| names::check_kind(k).is_ok())
            .collect();
        kinds.sort();
        Ok(kinds)
    }

    /// Send with the current token; a 403 is told apart into "token no longer valid" (an
    /// AppRole login is repeated and the request sent again) and "the policy refuses".
    fn send(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        query: &str,
        body: Option<&[u8]>,
    ) -> Result<Reply> {
        let mut relogged = false;
        loop {
            let token = self.auth.token(&self.transport)?;
            let reply = self.transport.call(method.clone(), path, query, body, Some(token.expose()))?;
            if reply.status != 403 {
                return Ok(reply);
            }
            if !relogged && self.auth.after_forbidden(&self.transport)? {
                relogged = true;
                continue;
            }
            return Err(VaultError::PermissionDenied { operation, path: path.to_owned() }.into());
        }
    }

    fn server_error(&self, operation: &'static str, path: &str, reply: &Reply) -> Error {
        VaultError::Server {
            endpoint: reply.endpoint.clone(),
            operation,
            path: path.to_owned(),
            status: reply.status,
            message: reply.message(),
        }
        .into()
    }

    fn protocol(&self, path: &str, reply: &Reply, detail: impl std::fmt::Display) -> Error {
        VaultError::Protocol { endpoint: reply.endpoint.clone(), path: path.to_owned(), detail: detail.to_string() }
            .into()
    }

    fn check_mount(&self) -> Result<()> {
        #[derive(serde::Deserialize)]
        struct Mount {
            #[serde(rename = "type", default)]
            kind: String,
            #[serde(default)]
            options: Option<std::collections::BTreeMap<String, String>>,
        }
        let path = format!("sys/internal/ui/mounts/{}", self.config.mount);
        let token = self.auth.token(&self.transport)?;
        let reply = self.transport.call(Method::GET, &path, "", None, Some(token.expose()))?;
        let not_kv2 = |detail: String| -> Error {
            VaultError::NotKv2 { mount: self.config.mount.clone(), endpoint: reply.endpoint.clone(), detail }.into()
        };
        match reply.status {
            200 => {}
            403 | 404 => {
                return Err(not_kv2(format!("no such mount, or the token may not see it ({})", reply.message())))
            }
            _ => return Err(self.server_error("read", &path, &reply)),
        }
        let mount: Envelope<Mount> =
            serde_json::from_slice(&reply.body).map_err(|e| self.protocol(&path, &reply, e))?;
        let mount = mount.data.ok_or_else(|| self.protocol(&path, &reply, "no data"))?;
        let version = mount.options.as_ref().and_then(|o| o.get("version")).map(String::as_str);
        if mount.kind != "kv" || version != Some("2") {
            return Err(not_kv2(format!("it is type {:?}, version {:?}", mount.kind, version.unwrap_or("1"))));
        }
        Ok(())
    }

    fn read_marker(&self) -> Result<Option<()>> {
        let path = self.config.kv_path("data", MARKER);
        let reply = self.send("read", Method::GET, &path, "", None)?;
        match reply.status {
            200 => {}
            404 => return Ok(None),
            _ => return Err(self.server_error("read", &path, &reply)),
        }
        let read: Envelope<ReadData<MarkerData>> =
            serde_json::from_slice(&reply.body).map_err(|e| self.protocol(&path, &reply, e))?;
        match read.data.and_then(|d| d.data) {
            Some(m) if m.format == MARKER_FORMAT => Ok(Some(())),
            Some(m) => Err(FormatError::UnsupportedVersion {
                what: format!("vault store marker {path:?}"),
                found: m.format,
                supported: MARKER_FORMAT.into(),
            }
            .into()),
            None => Ok(None),
        }
    }

    /// The entries of a folder below the prefix (`""`: the prefix itself); folders end in `/`.
    fn list_folder(&self, folder: &str) -> Result<Vec<String>> {
        let path = self.config.kv_path("metadata", folder);
        let reply = self.send("list", Method::GET, &path, "list=true", None)?;
        match reply.status {
            200 => {}
            404 => return Ok(vec![]),
            _ => return Err(self.server_error("list", &path, &reply)),
        }
        let list: Envelope<ListData> =
            serde_json::from_slice(&reply.body).map_err(|e| self.protocol(&path, &reply, e))?;
        Ok(list.data.map(|d| d.keys).unwrap_or_default())
    }

    fn delete_metadata(&self, rel: &str) -> Result<()> {
        let path = self.config.kv_path("metadata", rel);
        let reply = self.send("delete", Method::DELETE, &path, "", None)?;
        match reply.status {
            200 | 204 | 404 => Ok(()),
            _ => Err(self.server_error("delete", &path, &reply)),
        }
    }

    fn current(&self, rel: &str) -> Result<Option<Current>> {
        let path = self.config.kv_path("metadata", rel);
        let reply = self.send("read", Method::GET, &path, "", None)?;
        match reply.status {
            200 => {}
            404 => return Ok(None),
            _ => return Err(self.server_error("read", &path, &reply)),
        }
        let meta: Envelope<Metadata> =
            serde_json::from_slice(&reply.body).map_err(|e| self.protocol(&path, &reply, e))?;
        let Some(meta) = meta.data else { return Ok(None) };
        let live = meta
            .versions
            .get(&meta.current_version.to_string())
            .is_some_and(|v| v.deletion_time.is_empty() && !v.destroyed);
        Ok(Some(Current { version: meta.current_version, live }))
    }

    fn read(&self, key: &RecordKey, rel: &str, version: Option<u64>) -> Result<Option<Versioned>> {
        let path = self.config.kv_path("data", rel);
        let query = version.map(|v| format!("version={v}")).unwrap_or_default();
        let reply = self.send("read", Method::GET, &path, &query, None)?;
        match reply.status {
            200 => {}
            404 => return Ok(None),
            _ => return Err(self.server_error("read", &path, &reply)),
        }
        let read: Envelope<ReadData<RecordIn>> =
            serde_json::from_slice(&reply.body).map_err(|e| self.protocol(&path, &reply, e))?;
        let Some(data) = read.data else { return Ok(None) };
        let (Some(record), Some(meta)) = (data.data, data.metadata) else { return Ok(None) };
        if record.kind != key.kind || record.name != key.name {
            return Err(BackendError::Integrity {
                record: key.to_string(),
                detail: format!("the secret at {path:?} holds record {} {:?}", record.kind, record.name),
            }
            .into());
        }
        let value = Zeroizing::new(B64.decode(record.value.as_bytes()).map_err(|e| BackendError::Integrity {
            record: key.to_string(),
            detail: format!("the value at {path:?} is not base64 ({e})"),
        })?);
        Ok(Some(Versioned { value, version: meta.version }))
    }

    /// One KV write; `Ok(Err(reply))` when the server refused the check-and-set.
    fn write(&self, rel: &str, body: &[u8]) -> Result<std::result::Result<Version, Reply>> {
        let path = self.config.kv_path("data", rel);
        let reply = self.send("write", Method::POST, &path, "", Some(body))?;
        match reply.status {
            200 => {
                let written: Envelope<WriteData> =
                    serde_json::from_slice(&reply.body).map_err(|e| self.protocol(&path, &reply, e))?;
                let version = written.data.ok_or_else(|| self.protocol(&path, &reply, "no version"))?.version;
                Ok(Ok(version))
            }
            400 if is_cas_mismatch(&reply) || is_cas_required(&reply) => Ok(Err(reply)),
            413 => Err(VaultError::TooLarge {
                record: path,
                len: body.len(),
                limit: format!("the server's request size limit ({})", reply.message()),
            }
            .into()),
            _ => Err(self.server_error("write", &path, &reply)),
        }
    }
}

fn is_cas_mismatch(reply: &Reply) -> bool {
    reply.message().contains("did not match the current version")
}

fn is_cas_required(reply: &Reply) -> bool {
    reply.message().contains("check-and-set parameter required")
}

impl Backend for VaultBackend {
    fn location(&self) -> String {
        self.config.display.clone()
    }

    fn capabilities(&self) -> Capabilities {
        provider::capabilities(self.config.max_value_len)
    }

    fn get(&self, key: &RecordKey) -> Result<Option<Versioned>> {
        self.read(key, &names::record_path(key)?, None)
    }

    fn put(&self, key: &RecordKey, value: &[u8], expect: Expect) -> Result<Version> {
        let rel = &names::record_path(key)?;
        if value.len() > self.config.max_value_len {
            return Err(BackendError::TooLarge {
                backend: self.location(),
                len: value.len(),
                max: self.config.max_value_len,
            }
            .into());
        }
        let encoded = Zeroizing::new(B64.encode(value));
        let record = RecordOut { kind: &key.kind, name: &key.name, value: &encoded };
        let body_with = |cas: Option<u64>| {
            Zeroizing::new(
                serde_json::to_vec(&WriteBody { options: cas.map(|cas| CasOption { cas }), data: &record })
                    .expect("records serialize"),
            )
        };
        let location = self.location();
        let mut cas = match expect {
            Expect::Absent => Some(0),
            Expect::Version(v) => Some(v),
            Expect::Any => None,
        };
        for _ in 0..ANY_ATTEMPTS {
            let refused = match self.write(rel, &body_with(cas))? {
                Ok(version) => return Ok(version),
                Err(reply) => reply,
            };
            // Our own first attempt may have been applied before its answer was lost: if
            // the version we would have made holds exactly our bytes, the write succeeded.
            if let (true, Some(c)) = (refused.maybe_applied, cas) {
                if let Some(mine) = self.read(key, rel, Some(c + 1))? {
                    if mine.value.as_slice() == value {
                        return Ok(c + 1);
                    }
                }
            }
            let current = self.current(rel)?;
            match (expect, current) {
                // A soft-deleted record (deleted outside this backend) is absent: create over it.
                (Expect::Absent, Some(Current { version, live: false })) => cas = Some(version),
                (Expect::Absent, _) => {
                    return Err(Error::AlreadyExists { kind: kind_name(&key.kind), name: key.name.clone(), location })
                }
                (Expect::Version(_), None | Some(Current { live: false, .. })) => {
                    return Err(Error::NotFound { kind: kind_name(&key.kind), name: key.name.clone(), location })
                }
                (Expect::Version(_), Some(_)) => return Err(BackendError::Conflict { record: key.to_string() }.into()),
                // The mount requires check-and-set: write over the current version.
                (Expect::Any, current) => cas = Some(current.map_or(0, |c| c.version)),
            }
        }
        Err(VaultError::CasExhausted { record: key.to_string(), attempts: ANY_ATTEMPTS }.into())
    }

    /// Reads the version, then deletes the record's metadata (all its versions): not a
    /// compare-and-swap (a write between the two is lost), as `capabilities().cas_delete`
    /// says.
    fn delete(&self, key: &RecordKey, expect: Expect) -> Result<bool> {
        if expect == Expect::Absent {
            return Err(BackendError::Unsupported("delete with Expect::Absent".into()).into());
        }
        let rel = &names::record_path(key)?;
        let not_found =
            || Error::NotFound { kind: kind_name(&key.kind), name: key.name.clone(), location: self.location() };
        match (self.current(rel)?, expect) {
            (None, Expect::Any) => Ok(false),
            (Some(Current { live: false, .. }), Expect::Any) => {
                self.delete_metadata(rel)?;
                Ok(false)
            }
            (None | Some(Current { live: false, .. }), _) => Err(not_found()),
            (Some(Current { version, .. }), Expect::Version(want)) if version != want => {
                Err(BackendError::Conflict { record: key.to_string() }.into())
            }
            (Some(_), _) => {
                self.delete_metadata(rel)?;
                Ok(true)
            }
        }
    }

    fn list(&self, kind: &str, prefix: &str) -> Result<Vec<String>> {
        names::check_kind(kind)?;
        let mut out: Vec<String> = self
            .list_folder(kind)?
            .iter()
            .filter(|k| !k.ends_with('/'))
            .filter_map(|k| names::decode_name(k))
            .filter(|name| name.starts_with(prefix))
            .collect();
        out.sort();
        Ok(out)
    }
}
