//! The token every request carries: given as it is, or from an AppRole login; renewed when two
//! thirds of its time to live have passed, and an AppRole login repeated when renewal is no
//! longer possible (max TTL reached, renewal refused).

use super::config::Credentials;
use super::error::VaultError;
use super::transport::Transport;
use crate::backend::Secret;
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};
use ureq::http::Method;

struct TokenState {
    token: Secret,
    /// When to renew (or log in again); `None`: never (a token without expiry).
    renew_at: Option<Instant>,
    /// When it expires; `None`: never.
    expires_at: Option<Instant>,
    renewable: bool,
    /// The TTL to ask for on renewal.
    ttl: Duration,
}

/// The store's credentials and its current token.
pub(crate) struct Auth {
    credentials: Credentials,
    state: RwLock<TokenState>,
    /// Serialises renewals so that a burst of requests renews once.
    renewing: Mutex<()>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth").field("credentials", &self.credentials).finish_non_exhaustive()
    }
}

#[derive(serde::Deserialize)]
struct AuthBody {
    auth: Option<AuthInfo>,
    data: Option<LookupData>,
}

#[derive(serde::Deserialize)]
struct AuthInfo {
    client_token: zeroize::Zeroizing<String>,
    #[serde(default)]
    lease_duration: u64,
    #[serde(default)]
    renewable: bool,
}

#[derive(serde::Deserialize)]
struct LookupData {
    #[serde(default)]
    ttl: u64,
    #[serde(default)]
    renewable: bool,
    #[serde(default)]
    creation_ttl: u64,
}

fn schedule(now: Instant, ttl: u64) -> (Option<Instant>, Option<Instant>) {
    if ttl == 0 {
        return (None, None);
    }
    let ttl = Duration::from_secs(ttl);
    (Some(now + ttl * 2 / 3), Some(now + ttl))
}

impl Auth {
    /// Check the credentials now: look the token up, or log in.
    pub fn establish(credentials: Credentials, transport: &Transport) -> Result<Self, VaultError> {
        let state = match &credentials {
            Credentials::Token { token, source } => Self::lookup(token, source, transport)?,
            Credentials::AppRole { mount, role_id, secret_id } => Self::login(mount, role_id, secret_id, transport)?,
        };
        Ok(Self { credentials, state: RwLock::new(state), renewing: Mutex::new(()) })
    }

    fn source(&self) -> String {
        match &self.credentials {
            Credentials::Token { source, .. } => source.clone(),
            Credentials::AppRole { mount, .. } => format!("the AppRole login at auth/{mount}"),
        }
    }

    fn lookup(token: &Secret, source: &str, transport: &Transport) -> Result<TokenState, VaultError> {
        let reply = transport.call(Method::GET, "auth/token/lookup-self", "", None, Some(token.expose()))?;
        match reply.status {
            200 => {}
            403 => return Err(VaultError::TokenInvalid { source_name: source.to_owned() }),
            status => {
                return Err(VaultError::Server {
                    endpoint: reply.endpoint.clone(),
                    operation: "read",
                    path: "auth/token/lookup-self".into(),
                    status,
                    message: reply.message(),
                })
            }
        }
        let body: AuthBody = serde_json::from_slice(&reply.body).map_err(|e| VaultError::Protocol {
            endpoint: reply.endpoint.clone(),
            path: "auth/token/lookup-self".into(),
            detail: e.to_string(),
        })?;
        let data = body.data.ok_or_else(|| VaultError::Protocol {
            endpoint: reply.endpoint.clone(),
            path: "auth/token/lookup-self".into(),
            detail: "no data".into(),
        })?;
        let (renew_at, expires_at) = schedule(Instant::now(), data.ttl);
        Ok(TokenState {
            token: token.clone(),
            renew_at,
            expires_at,
            renewable: data.renewable,
            ttl: Duration::from_secs(data.creation_ttl.max(data.ttl)),
        })
    }

    fn login(mount: &str, role_id: &str, secret_id: &Secret, transport: &Transport) -> Result<TokenState, VaultError> {
        #[derive(serde::Serialize)]
        struct Login<'a> {
            role_id: &'a str,
            secret_id: &'a str,
        }
        let body = zeroize::Zeroizing::new(
            serde_json::to_vec(&Login { role_id, secret_id: secret_id.expose() }).expect("login bodies serialize"),
        );
        let path = format!("auth/{mount}/login");
        let reply = transport.call(Method::POST, &path, "", Some(&body), None)?;
        if reply.status != 200 {
            return Err(VaultError::LoginFailed {
                method: "AppRole",
                detail: format!("{} answered HTTP {}: {}", reply.endpoint, reply.status, reply.message()),
            });
        }
        Self::from_auth_reply(&reply.body, &reply.endpoint, &path)
    }

    fn from_auth_reply(body: &[u8], endpoint: &str, path: &str) -> Result<TokenState, VaultError> {
        let parsed: AuthBody = serde_json::from_slice(body).map_err(|e| VaultError::Protocol {
            endpoint: endpoint.to_owned(),
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
        let auth = parsed.auth.ok_or_else(|| VaultError::Protocol {
            endpoint: endpoint.to_owned(),
            path: path.to_owned(),
            detail: "no auth in the answer".into(),
        })?;
        let (renew_at, expires_at) = schedule(Instant::now(), auth.lease_duration);
        Ok(TokenState {
            token: Secret::new(auth.client_token.as_str()),
            renew_at,
            expires_at,
            renewable: auth.renewable,
            ttl: Duration::from_secs(auth.lease_duration),
        })
    }

    /// The token to send now, renewed (or replaced by a new login) first if it is due.
    pub fn token(&self, transport: &Transport) -> Result<Secret, VaultError> {
        {
            let state = self.state.read().unwrap_or_else(|p| p.into_inner());
            if state.renew_at.is_none_or(|at| Instant::now() < at) {
                return Ok(state.token.clone());
            }
        }
        let _one = self.renewing.lock().unwrap_or_else(|p| p.into_inner());
        let (token, renewable, ttl, expires_at) = {
            let state = self.state.read().unwrap_or_else(|p| p.into_inner());
            if state.renew_at.is_none_or(|at| Instant::now() < at) {
                return Ok(state.token.clone()); // another thread renewed it
            }
            (state.token.clone(), state.renewable, state.ttl, state.expires_at)
        };
        let renewed = if renewable { self.renew(&token, ttl, transport) } else { None };
        let next = match (renewed, &self.credentials) {
            (Some(state), _) => state,
            (None, Credentials::AppRole { mount, role_id, secret_id }) => {
                Self::login(mount, role_id, secret_id, transport)?
            }
            (None, Credentials::Token { .. }) => {
                if expires_at.is_some_and(|at| Instant::now() >= at) {
                    return Err(VaultError::TokenInvalid { source_name: self.source() });
                }
                // Not renewable: use it until it expires, and stop trying to renew.
                let mut state = self.state.write().unwrap_or_else(|p| p.into_inner());
                state.renew_at = state.expires_at;
                return Ok(state.token.clone());
            }
        };
        let token = next.token.clone();
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = next;
        Ok(token)
    }

    /// Renew; `None` if the server refused or granted less than two thirds of the TTL asked
    /// for (the max TTL is near: time for a new login).
    fn renew(&self, token: &Secret, ttl: Duration, transport: &Transport) -> Option<TokenState> {
        let body = format!("{{\"increment\":\"{}s\"}}", ttl.as_secs());
        let reply = transport
            .call(Method::POST, "auth/token/renew-self", "", Some(body.as_bytes()), Some(token.expose()))
            .ok()?;
        if reply.status != 200 {
            return None;
        }
        let state = Self::from_auth_reply(&reply.body, &reply.endpoint, "auth/token/renew-self").ok()?;
        let short = matches!(&self.credentials, Credentials::AppRole { .. }) && state.ttl < ttl * 2 / 3;
        (!short).then_some(state)
    }

    /// After a 403: was it the token (expired, revoked) or the policy? A token that still
    /// looks itself up is valid, so the policy refused. An AppRole token that is no longer
    /// valid is replaced by a new login (returns `Ok(true)`: try again).
    pub fn after_forbidden(&self, transport: &Transport) -> Result<bool, VaultError> {
        let token = self.state.read().unwrap_or_else(|p| p.into_inner()).token.clone();
        let reply = transport.call(Method::GET, "auth/token/lookup-self", "", None, Some(token.expose()))?;
        if reply.status == 200 {
            return Ok(false);
        }
        match &self.credentials {
            Credentials::AppRole { mount, role_id, secret_id } => {
                let state = Self::login(mount, role_id, secret_id, transport)?;
                *self.state.write().unwrap_or_else(|p| p.into_inner()) = state;
                Ok(true)
            }
            Credentials::Token { .. } => Err(VaultError::TokenInvalid { source_name: self.source() }),
        }
    }
}
