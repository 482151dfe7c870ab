//! The `transit:` key spec.
//!
//! ```text
//! transit:[NAME][?server=http://127.0.0.1:8200][&mount=transit][&namespace=…][&token_file=…]
//!                [&role_id=…][&secret_id_file=…][&ca_file=…][&timeout=…]
//! ```
//!
//! `NAME` is the Transit key (made as `ecdsa-p256`, not exportable, when it does not exist;
//! used when it does). Without it, a key is made under the wallet label and a random suffix.
//! The server is `server=` or `VAULT_ADDR`/`BAO_ADDR`; credentials are those of the vault
//! backend (`VAULT_TOKEN`/`BAO_TOKEN`, a token file, AppRole), never in the spec.

use super::TRANSIT_SCHEME;
use crate::crypto::KeyError;
use std::collections::BTreeMap;

/// Settings handed on to the vault client (see `backend::vault::config`).
const CLIENT_SETTINGS: &[&str] = &[
    "namespace",
    "timeout",
    "connect_timeout",
    "retry_for",
    "token_file",
    "role_id",
    "secret_id_file",
    "approle_mount",
    "ca_file",
];

/// What a `transit:` spec (or a Transit key reference) says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransitSpec {
    /// The key's name in the engine (empty: make one from the label).
    pub name: String,
    /// `http(s)://HOST:PORT[,HOST:PORT…]` (empty: `VAULT_ADDR`/`BAO_ADDR`).
    pub server: String,
    /// The Transit engine's mount (`transit`).
    pub mount: String,
    /// Client settings (namespace, token file, AppRole role id, CA file, timeouts).
    pub settings: BTreeMap<String, String>,
}

fn bad(detail: impl Into<String>) -> KeyError {
    KeyError::parse(format!("key spec {TRANSIT_SCHEME}:…"), detail)
}

/// Whether `name` can be a Transit key name in a URL path without escaping.
pub(crate) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && !name.starts_with('.')
}

impl TransitSpec {
    /// Read the part after `transit:`.
    pub fn parse(spec: &str) -> Result<Self, KeyError> {
        let (name, query) = spec.split_once('?').unwrap_or((spec, ""));
        let name = name.trim_start_matches("//").to_owned();
        if !name.is_empty() && !valid_name(&name) {
            return Err(bad(format!("key name {name:?}: use letters, digits, '-', '_' and '.'")));
        }
        let mut out = TransitSpec { name, mount: "transit".into(), ..Default::default() };
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            match k {
                "server" => out.server = v.to_owned(),
                "mount" => {
                    if v.is_empty() || !v.split('/').all(valid_name) {
                        return Err(bad(format!("mount {v:?}")));
                    }
                    out.mount = v.to_owned()
                }
                "token" | "secret_id" => {
                    return Err(bad("secrets never go in key specs: use VAULT_TOKEN or token_file=PATH"))
                }
                k if CLIENT_SETTINGS.contains(&k) => {
                    out.settings.insert(k.to_owned(), v.to_owned());
                }
                other => {
                    return Err(bad(format!(
                        "unknown setting {other:?} (known: server, mount, {})",
                        CLIENT_SETTINGS.join(", ")
                    )))
                }
            }
        }
        Ok(out)
    }

    /// The server: the spec's, else `VAULT_ADDR`, else `BAO_ADDR`.
    pub fn server(&self) -> Result<String, KeyError> {
        if !self.server.is_empty() {
            return Ok(self.server.clone());
        }
        ["VAULT_ADDR", "BAO_ADDR"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
            .ok_or_else(|| KeyError::CredentialRequired {
                store: TRANSIT_SCHEME.into(),
                credential: "server address".into(),
                what: "the Transit key".into(),
                sources: "name it with ?server=https://HOST:PORT in the key spec, or set VAULT_ADDR (BAO_ADDR)".into(),
            })
    }

    /// The `vault:` URI the vault client reads for this server and mount.
    pub fn client_uri(&self, server: &str) -> Result<String, KeyError> {
        let (scheme, hosts) = if let Some(rest) = server.strip_prefix("https://") {
            ("vault", rest)
        } else if let Some(rest) = server.strip_prefix("http://") {
            ("vault+http", rest)
        } else {
            return Err(bad(format!("server {server:?}: write http://HOST:PORT or https://HOST:PORT")));
        };
        let hosts = hosts.trim_end_matches('/');
        let mut uri = format!("{scheme}://{hosts}/{}/keys", self.mount);
        let query: Vec<String> = self.settings.iter().map(|(k, v)| format!("{k}={v}")).collect();
        if !query.is_empty() {
            uri.push('?');
            uri.push_str(&query.join("&"));
        }
        Ok(uri)
    }

    /// The reference's locators (everything but the name).
    pub fn attrs(&self, server: &str) -> BTreeMap<String, String> {
        let mut attrs = self.settings.clone();
        attrs.insert("server".into(), server.to_owned());
        attrs.insert("mount".into(), self.mount.clone());
        attrs
    }

    /// Back from a reference's id and locators.
    pub fn from_reference(id: &str, attrs: &BTreeMap<String, String>) -> Self {
        let mut settings = attrs.clone();
        let server = settings.remove("server").unwrap_or_default();
        let mount = settings.remove("mount").unwrap_or_else(|| "transit".into());
        settings.remove("version");
        TransitSpec { name: id.to_owned(), server, mount, settings }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_name_server_mount_and_settings() {
        let s = TransitSpec::parse("org1-ca?server=http://127.0.0.1:8200&mount=keys/org1&namespace=team").unwrap();
        assert_eq!(s.name, "org1-ca");
        assert_eq!(s.mount, "keys/org1");
        assert_eq!(
            s.client_uri(&s.server().unwrap()).unwrap(),
            "vault+http://127.0.0.1:8200/keys/org1/keys?namespace=team"
        );
        let t = TransitSpec::parse("").unwrap();
        assert_eq!((t.name.as_str(), t.mount.as_str()), ("", "transit"));
        assert_eq!(t.client_uri("https://v1:8200,v2:8200").unwrap(), "vault://v1:8200,v2:8200/transit/keys");
    }

    #[test]
    fn secrets_and_typos_are_refused() {
        assert!(TransitSpec::parse("k?token=s.abc").unwrap_err().to_string().contains("never"));
        assert!(TransitSpec::parse("k?mont=x").unwrap_err().to_string().contains("\"mont\""));
        assert!(TransitSpec::parse("a b").is_err());
        assert!(TransitSpec::parse("k").unwrap().client_uri("ftp://x").is_err());
    }
}
