//! What goes wrong talking to Vault/OpenBao, named for what the operator must do about it.

use std::time::Duration;

/// A failure of the `vault:` backend. Messages name the server and the path but never a
/// token, secret id or record value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// No server answered (refused, unreachable, timed out) within the retry window.
    #[error("vault server unreachable at {endpoints} (tried for {tried:?}): {detail}")]
    Unreachable { endpoints: String, tried: Duration, detail: String },

    /// The server is sealed.
    #[error("vault server {endpoint} is sealed")]
    Sealed { endpoint: String },

    /// A standby answered but there is no active node to serve the request (an election, or
    /// a cluster that lost its quorum).
    #[error("vault server {endpoint} is a standby and no active node is available (tried for {tried:?}): {detail}")]
    NoLeader { endpoint: String, tried: Duration, detail: String },

    /// The token's policies do not allow this operation on this path.
    #[error("permission denied: the token may not {operation} {path:?}")]
    PermissionDenied { operation: &'static str, path: String },

    /// The token expired, was revoked, or was never valid.
    #[error("the vault token from {source_name} is expired, revoked or invalid")]
    TokenInvalid { source_name: String },

    /// Logging in (AppRole) was refused.
    #[error("vault login with {method} failed: {detail}")]
    LoginFailed { method: &'static str, detail: String },

    /// No credentials were found.
    #[error("no vault credentials: {detail}")]
    NoCredentials { detail: String },

    /// An unconditional write kept losing races on a mount that requires check-and-set.
    #[error("record {record} kept changing under concurrent writers ({attempts} check-and-set attempts)")]
    CasExhausted { record: String, attempts: u32 },

    /// A record is larger than the server (or this client) accepts.
    #[error("record {record} is too large for the vault backend ({len} bytes; limit {limit})")]
    TooLarge { record: String, len: usize, limit: String },

    /// The TLS handshake failed (unknown root, wrong host name, plain HTTP server…).
    #[error("TLS with vault server {endpoint} failed: {detail}")]
    Tls { endpoint: String, detail: String },

    /// The mount is missing or is not a KV version 2 secrets engine.
    #[error("mount {mount:?} on {endpoint} is not a KV version 2 secrets engine: {detail}")]
    NotKv2 { mount: String, endpoint: String, detail: String },

    /// A setting (URI, option, file) is wrong.
    #[error("vault backend setting {what}: {detail}")]
    Config { what: String, detail: String },

    /// The server refused the request for another reason.
    #[error("vault server {endpoint}: {operation} {path:?} failed with HTTP {status}: {message}")]
    Server { endpoint: String, operation: &'static str, path: String, status: u16, message: String },

    /// The server's answer is not what the KV v2 API documents.
    #[error("unexpected answer from vault server {endpoint} for {path:?}: {detail}")]
    Protocol { endpoint: String, path: String, detail: String },
}

impl VaultError {
    /// How the user can fix this.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            VaultError::Unreachable { .. } => {
                "check that the server runs and that HOST:PORT in the vault:// URI is right (vault+http:// for a plain-HTTP loopback server); nothing was changed by the failed call".into()
            }
            VaultError::Sealed { .. } => "unseal the server (`bao operator unseal`), then run the command again".into(),
            VaultError::NoLeader { .. } => {
                "the cluster has no active node: wait for the election, or restore quorum (`bao operator raft list-peers`), then run the command again".into()
            }
            VaultError::PermissionDenied { path, .. } => format!(
                "grant the token's policy the needed capabilities on path \"{path}\" (see docs/vault.md for the policy this backend needs)"
            ),
            VaultError::TokenInvalid { .. } => {
                "log in again (`bao login`, or a new VAULT_TOKEN / token file), or use AppRole (role_id + secret id), which this backend renews".into()
            }
            VaultError::LoginFailed { .. } => "check the role id and secret id (VAULT_ROLE_ID, VAULT_SECRET_ID or secret_id_file) and the AppRole mount".into(),
            VaultError::NoCredentials { .. } => {
                "set VAULT_TOKEN (or BAO_TOKEN), pass token_file=PATH, or set role_id and VAULT_SECRET_ID for AppRole".into()
            }
            VaultError::CasExhausted { .. } => "too many writers changed the record at once; run the command again".into(),
            VaultError::TooLarge { .. } => {
                "raise the listener's max_request_size (and Raft's max_entry_size), or store less in one record".into()
            }
            VaultError::Tls { .. } => {
                "give the server's CA certificate (tls root option, ca_file=PATH or VAULT_CACERT), and check the host name in the URI matches the certificate".into()
            }
            VaultError::NotKv2 { mount, .. } => {
                format!("enable a KV v2 engine there: `bao secrets enable -path={mount} kv-v2`, or name another mount in the URI")
            }
            VaultError::Config { .. } => {
                "see docs/vault.md: vault://HOST:PORT/MOUNT/PREFIX[?namespace=…&timeout=…&token_file=…&role_id=…]".into()
            }
            VaultError::Server { .. } | VaultError::Protocol { .. } => return None,
        })
    }
}

impl From<VaultError> for crate::backend::BackendError {
    fn from(e: VaultError) -> Self {
        crate::backend::BackendError::Vault(Box::new(e))
    }
}

impl From<VaultError> for crate::error::Error {
    fn from(e: VaultError) -> Self {
        crate::error::Error::Backend(e.into())
    }
}
