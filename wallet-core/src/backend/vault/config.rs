//! What a `vault:` URI and its [`OpenOptions`] say: servers, mount, prefix, credentials, TLS
//! roots, namespace, timeouts.
//!
//! ```text
//! vault://HOST:PORT[,HOST:PORT…]/MOUNT/PREFIX[?setting=value&…]     TLS (https)
//! vault+http://127.0.0.1:PORT/MOUNT/PREFIX                          plain HTTP, loopback only
//! ```
//!
//! Settings come from `OpenOptions::extra` first, then the URI's query: `namespace`,
//! `timeout`, `connect_timeout`, `retry_for` (seconds), `mount` (a mount with `/` in it),
//! `token_file`, `role_id`, `secret_id_file`, `approle_mount`, `ca_file`. Secrets never go in
//! the URI: a token comes from `OpenOptions::token`, a token file, `VAULT_TOKEN`/`BAO_TOKEN`,
//! or `~/.vault-token`; an AppRole secret id from `VAULT_SECRET_ID`/`BAO_SECRET_ID` or a file.

use super::error::VaultError;
use crate::backend::{BackendUri, OpenOptions, Secret, TlsRoot};
use std::collections::BTreeMap;
use std::time::Duration;

/// Settings the backend understands (anything else in the query is a typo).
const SETTINGS: &[&str] = &[
    "namespace",
    "timeout",
    "connect_timeout",
    "retry_for",
    "mount",
    "token_file",
    "role_id",
    "secret_id_file",
    "approle_mount",
    "ca_file",
    "max_value_len",
];

/// The largest value by default: a record travels base64 in JSON, and a listener's default
/// `max_request_size` is 32 MiB. (Raft storage also caps one write at its `max_entry_size`,
/// 1 MiB by default; a larger write is refused by the server as too large.)
pub(crate) const DEFAULT_MAX_VALUE_LEN: usize = 16 * 1024 * 1024;

/// How the backend proves who it is.
#[derive(Clone)]
pub(crate) enum Credentials {
    /// A token given as it is; `source` says where it came from (for messages).
    Token { token: Secret, source: String },
    /// AppRole login, renewed and repeated before the token expires.
    AppRole { mount: String, role_id: String, secret_id: Secret },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Token { source, .. } => {
                f.debug_struct("Token").field("source", source).finish_non_exhaustive()
            }
            Credentials::AppRole { mount, .. } => {
                f.debug_struct("AppRole").field("mount", mount).finish_non_exhaustive()
            }
        }
    }
}

/// Everything needed to reach one store.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    /// `http(s)://host:port` of each server, in the order to try them.
    pub endpoints: Vec<String>,
    /// Whether every server is on this machine (no proxy then).
    pub loopback: bool,
    /// The KV v2 mount (`secret`).
    pub mount: String,
    /// The folder below the mount that holds this wallet (`wallet`, `teams/a/wallet`).
    pub prefix: String,
    /// `X-Vault-Namespace`, if any.
    pub namespace: Option<String>,
    /// PEM roots for TLS (`None`: the built-in web roots).
    pub tls_root_pem: Option<Vec<u8>>,
    /// The limit of one request, connect to last byte.
    pub timeout: Duration,
    /// The limit of connecting.
    pub connect_timeout: Duration,
    /// How long to keep retrying connection errors, 5xx and standby answers.
    pub retry_for: Duration,
    /// The largest record value written (bytes).
    pub max_value_len: usize,
    /// Who we are.
    pub credentials: Credentials,
    /// The URI without its query, for messages.
    pub display: String,
}

fn config_err(what: &str, detail: impl Into<String>) -> VaultError {
    VaultError::Config { what: what.into(), detail: detail.into() }
}

fn env_first(names: &[&str]) -> Option<(String, String)> {
    names.iter().find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()).map(|v| ((*n).to_owned(), v)))
}

fn percent_decode(text: &str, what: &str) -> Result<String, VaultError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3).ok_or_else(|| config_err(what, "a '%' without two hex digits"))?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| config_err(what, "a '%' without two hex digits"))?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| config_err(what, "not UTF-8 after percent-decoding"))
}

fn read_secret_file(path: &str, what: &str) -> Result<Secret, VaultError> {
    let text = std::fs::read_to_string(path).map_err(|e| config_err(what, format!("cannot read {path:?}: {e}")))?;
    let text = zeroize::Zeroizing::new(text);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(config_err(what, format!("{path:?} is empty")));
    }
    Ok(Secret::new(trimmed))
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<std::net::IpAddr>().map(|ip| ip.is_loopback()).unwrap_or(false)
}

fn check_segments(text: &str, what: &str) -> Result<(), VaultError> {
    for segment in text.split('/') {
        let ok = !segment.is_empty()
            && segment != "."
            && segment != ".."
            && segment.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !ok {
            return Err(config_err(
                what,
                format!("{text:?}: each '/'-separated part must be non-empty ASCII letters, digits, '-', '_' or '.'"),
            ));
        }
    }
    Ok(())
}

fn seconds(value: &str, what: &str) -> Result<Duration, VaultError> {
    let s: f64 = value.trim().parse().map_err(|_| config_err(what, format!("{value:?} is not a number of seconds")))?;
    if !(s.is_finite() && s > 0.0 && s <= 24.0 * 3600.0) {
        return Err(config_err(what, format!("{value:?} seconds is out of range (0 < s ≤ 86400)")));
    }
    Ok(Duration::from_secs_f64(s))
}

impl Config {
    /// Read a `vault:` / `vault+http:` / `vault+https:` URI and the options.
    pub fn parse(uri: &BackendUri, options: &OpenOptions) -> Result<Self, VaultError> {
        let plain_http = match uri.scheme() {
            "vault" | "vault+https" => false,
            "vault+http" => true,
            other => {
                return Err(config_err("URI", format!("scheme {other:?} is not vault, vault+https or vault+http")))
            }
        };
        let rest = uri.rest().strip_prefix("//").ok_or_else(|| {
            config_err("URI", format!("{uri}: write vault://HOST:PORT/MOUNT/PREFIX (two slashes after the colon)"))
        })?;
        let (rest, query) = match rest.split_once('?') {
            Some((r, q)) => (r, Some(q)),
            None => (rest, None),
        };
        let (authority, path) = rest.split_once('/').ok_or_else(|| {
            config_err("URI", format!("{uri} has no path: write vault://HOST:PORT/MOUNT/PREFIX, e.g. vault://127.0.0.1:8200/secret/wallet"))
        })?;
        if authority.contains('@') {
            return Err(config_err(
                "URI",
                "it holds a user or token before '@'; secrets never go in URIs (use VAULT_TOKEN or a token file)",
            ));
        }

        let mut query_settings = BTreeMap::new();
        for pair in query.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let k = percent_decode(k, "URI query")?;
            if !SETTINGS.contains(&k.as_str()) {
                return Err(config_err("URI query", format!("unknown setting {k:?}; known: {}", SETTINGS.join(", "))));
            }
            if k == "token" || k == "secret_id" {
                return Err(config_err("URI query", "secrets never go in URIs"));
            }
            query_settings.insert(k, percent_decode(v, "URI query")?);
        }
        let setting = |name: &str| -> Option<String> {
            options.extra.get(name).or_else(|| query_settings.get(name)).cloned().filter(|v| !v.is_empty())
        };

        // Servers.
        let mut endpoints = vec![];
        let mut loopback = true;
        for host_port in authority.split(',') {
            let host_port = host_port.trim();
            let (host, port) = host_port
                .rsplit_once(':')
                .filter(|(h, _)| !h.is_empty() && (!h.contains(':') || h.starts_with('[')))
                .ok_or_else(|| config_err("URI", format!("{host_port:?} is not HOST:PORT (e.g. 127.0.0.1:8200)")))?;
            let port: u16 = port
                .parse()
                .map_err(|_| config_err("URI", format!("{port:?} in {host_port:?} is not a port number")))?;
            if !is_loopback(host) {
                loopback = false;
            }
            endpoints.push(format!("{}://{host}:{port}", if plain_http { "http" } else { "https" }));
        }
        if plain_http && !loopback {
            return Err(config_err(
                "URI",
                "vault+http:// (plain HTTP) is only for a server on this machine (127.0.0.1, ::1, localhost); use vault:// with TLS",
            ));
        }

        // Mount and prefix.
        let path = path.trim_end_matches('/');
        let (mount, prefix) = match setting("mount") {
            Some(mount) => {
                let mount = mount.trim_matches('/').to_owned();
                let prefix = path.strip_prefix(&format!("{mount}/")).ok_or_else(|| {
                    config_err("URI", format!("the path {path:?} does not start with the mount {mount:?} and a prefix"))
                })?;
                (mount, prefix.to_owned())
            }
            None => match path.split_once('/') {
                Some((m, p)) => (m.to_owned(), p.to_owned()),
                None => {
                    return Err(config_err(
                        "URI",
                        format!(
                            "{uri} names the mount {path:?} but no folder for the wallet: add one, e.g. /{path}/wallet"
                        ),
                    ))
                }
            },
        };
        check_segments(&mount, "mount")?;
        check_segments(&prefix, "prefix")?;

        let namespace =
            setting("namespace").or_else(|| env_first(&["VAULT_NAMESPACE", "BAO_NAMESPACE"]).map(|(_, v)| v));
        if let Some(ns) = &namespace {
            check_segments(ns.trim_matches('/'), "namespace")?;
        }

        // TLS roots: the options, a ca_file, or VAULT_CACERT / BAO_CACERT.
        let tls_root_pem = match &options.tls_root {
            Some(TlsRoot::Pem(text)) => Some(text.as_bytes().to_vec()),
            Some(TlsRoot::Path(p)) => Some(
                std::fs::read(p).map_err(|e| config_err("TLS root", format!("cannot read {}: {e}", p.display())))?,
            ),
            None => match setting("ca_file").or_else(|| env_first(&["VAULT_CACERT", "BAO_CACERT"]).map(|(_, v)| v)) {
                Some(path) => Some(
                    std::fs::read(&path).map_err(|e| config_err("TLS root", format!("cannot read {path:?}: {e}")))?,
                ),
                None => None,
            },
        };
        if plain_http && tls_root_pem.is_some() && options.tls_root.is_some() {
            return Err(config_err("TLS root", "given for a vault+http:// (plain HTTP) URI; use vault:// for TLS"));
        }

        let timeout =
            setting("timeout").map(|v| seconds(&v, "timeout")).transpose()?.unwrap_or(Duration::from_secs(30));
        let connect_timeout = setting("connect_timeout")
            .map(|v| seconds(&v, "connect_timeout"))
            .transpose()?
            .unwrap_or(Duration::from_secs(5));
        let retry_for =
            setting("retry_for").map(|v| seconds(&v, "retry_for")).transpose()?.unwrap_or(Duration::from_secs(30));

        let max_value_len = match setting("max_value_len") {
            Some(v) => {
                v.trim().parse::<usize>().ok().filter(|n| (1..=DEFAULT_MAX_VALUE_LEN).contains(n)).ok_or_else(|| {
                    config_err("max_value_len", format!("{v:?} is not a byte count from 1 to {DEFAULT_MAX_VALUE_LEN}"))
                })?
            }
            None => DEFAULT_MAX_VALUE_LEN,
        };
        let credentials = Self::credentials(options, &setting)?;
        let display = format!("{}://{authority}/{mount}/{prefix}", uri.scheme());
        Ok(Self {
            endpoints,
            loopback,
            mount,
            prefix,
            namespace,
            tls_root_pem,
            timeout,
            connect_timeout,
            retry_for,
            max_value_len,
            credentials,
            display,
        })
    }

    /// Credentials in order: the options' token, AppRole (a role id is set), a token file,
    /// `VAULT_TOKEN`/`BAO_TOKEN`, `~/.vault-token`.
    fn credentials(options: &OpenOptions, setting: &dyn Fn(&str) -> Option<String>) -> Result<Credentials, VaultError> {
        if let Some(token) = &options.token {
            return Ok(Credentials::Token { token: token.clone(), source: "the open options".into() });
        }
        let role_id = setting("role_id").or_else(|| env_first(&["VAULT_ROLE_ID", "BAO_ROLE_ID"]).map(|(_, v)| v));
        if let Some(role_id) = role_id {
            let secret_id = match setting("secret_id_file") {
                Some(path) => read_secret_file(&path, "AppRole secret id file")?,
                None => match env_first(&["VAULT_SECRET_ID", "BAO_SECRET_ID"]) {
                    Some((_, v)) => Secret::new(v.trim()),
                    None => {
                        return Err(VaultError::NoCredentials {
                            detail: "role_id is set but no secret id (set VAULT_SECRET_ID or secret_id_file=PATH)"
                                .into(),
                        })
                    }
                },
            };
            let mount = setting("approle_mount").unwrap_or_else(|| "approle".into());
            check_segments(&mount, "approle_mount")?;
            return Ok(Credentials::AppRole { mount, role_id, secret_id });
        }
        if let Some(path) = setting("token_file") {
            return Ok(Credentials::Token {
                token: read_secret_file(&path, "token file")?,
                source: format!("token file {path:?}"),
            });
        }
        if let Some((name, value)) = env_first(&["VAULT_TOKEN", "BAO_TOKEN"]) {
            return Ok(Credentials::Token { token: Secret::new(value.trim()), source: format!("${name}") });
        }
        if let Some(home) = std::env::var_os("HOME") {
            let path = std::path::Path::new(&home).join(".vault-token");
            if path.is_file() {
                let shown = path.display().to_string();
                return Ok(Credentials::Token { token: read_secret_file(&shown, "token file")?, source: shown });
            }
        }
        Err(VaultError::NoCredentials {
            detail: "no token in the options, no token_file, VAULT_TOKEN/BAO_TOKEN unset, no ~/.vault-token, and no AppRole role_id".into(),
        })
    }

    /// The API path of a KV v2 operation below this wallet: `MOUNT/<op>/PREFIX[/rest]`.
    pub fn kv_path(&self, op: &str, rest: &str) -> String {
        if rest.is_empty() {
            format!("{}/{op}/{}", self.mount, self.prefix)
        } else {
            format!("{}/{op}/{}/{rest}", self.mount, self.prefix)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(uri: &str) -> Result<Config, VaultError> {
        let options = OpenOptions::new().with_token(Secret::new("t"));
        Config::parse(&BackendUri::parse(uri).unwrap(), &options)
    }

    #[test]
    fn tls_by_default_plain_http_only_on_loopback() {
        let c = parse("vault://vault.example.com:8200/secret/wallet").unwrap();
        assert_eq!(c.endpoints, ["https://vault.example.com:8200"]);
        assert_eq!((c.mount.as_str(), c.prefix.as_str(), c.loopback), ("secret", "wallet", false));
        let c = parse("vault+http://127.0.0.1:8200/secret/teams/a/wallet").unwrap();
        assert_eq!(c.endpoints, ["http://127.0.0.1:8200"]);
        assert_eq!((c.mount.as_str(), c.prefix.as_str(), c.loopback), ("secret", "teams/a/wallet", true));
        let err = parse("vault+http://10.0.0.5:8200/secret/wallet").unwrap_err();
        assert!(err.to_string().contains("only for a server on this machine"), "{err}");
        let c = parse("vault://127.0.0.1:1,127.0.0.1:2,[::1]:3/kv/w").unwrap();
        assert_eq!(c.endpoints, ["https://127.0.0.1:1", "https://127.0.0.1:2", "https://[::1]:3"]);
    }

    #[test]
    fn settings_from_the_query_and_mounts_with_slashes() {
        let c = parse("vault://h:1/team/kv/w?mount=team/kv&namespace=ns1&timeout=2.5&retry_for=9").unwrap();
        assert_eq!((c.mount.as_str(), c.prefix.as_str()), ("team/kv", "w"));
        assert_eq!(c.namespace.as_deref(), Some("ns1"));
        assert_eq!((c.timeout, c.retry_for), (Duration::from_millis(2500), Duration::from_secs(9)));
        assert_eq!(c.kv_path("data", "identity/alice"), "team/kv/data/w/identity/alice");
        assert_eq!(c.kv_path("metadata", ""), "team/kv/metadata/w");
    }

    #[test]
    fn bad_uris_say_what_to_write() {
        for (uri, says) in [
            ("vault:h:1/secret/w", "two slashes"),
            ("vault://h:1", "no path"),
            ("vault://h:1/secret", "no folder for the wallet"),
            ("vault://h/secret/w", "HOST:PORT"),
            ("vault://h:x/secret/w", "not a port"),
            ("vault://tok@h:1/secret/w", "secrets never go in URIs"),
            ("vault://h:1/secret/../w", "each '/'-separated part"),
            ("vault://h:1/secret/w?tokn=1", "unknown setting"),
            ("vault://h:1/secret/w?timeout=-1", "out of range"),
        ] {
            let err = parse(uri).err().unwrap_or_else(|| panic!("{uri} parsed"));
            assert!(err.to_string().contains(says), "{uri}: {err}");
        }
    }

    #[test]
    fn debug_shows_no_secret() {
        let options = OpenOptions::new().with_token(Secret::new("s.supersecret"));
        let c = Config::parse(&BackendUri::parse("vault://h:1/secret/w").unwrap(), &options).unwrap();
        assert!(!format!("{c:?}").contains("supersecret"));
    }
}
