//! The vault backend's connection, for other engines of the same server (the Transit key
//! store): servers, TLS roots, token or AppRole with renewal, retries and failover, exactly as
//! a `vault:` URI configures them for the KV store.

use super::auth::Auth;
use super::config::Config;
use super::error::VaultError;
use super::transport::Transport;
use crate::backend::{BackendUri, OpenOptions};
use ureq::http::Method;
use zeroize::Zeroizing;

/// An authenticated connection to one Vault/OpenBao server (or cluster).
pub(crate) struct VaultClient {
    transport: Transport,
    auth: Auth,
    /// `MOUNT` of the URI it was made from.
    pub mount: String,
    /// The servers, for messages.
    pub endpoints: String,
}

impl std::fmt::Debug for VaultClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VaultClient").field("endpoints", &self.endpoints).field("mount", &self.mount).finish()
    }
}

/// A server's answer: status and body.
pub(crate) struct Answer {
    pub status: u16,
    pub body: Zeroizing<Vec<u8>>,
    /// The server's `errors`, joined (for messages).
    pub message: String,
}

impl VaultClient {
    /// Connect as `uri` (`vault://HOST:PORT/MOUNT/…`, `vault+http://…`) and `options` say,
    /// checking the credentials now.
    pub fn connect(uri: &BackendUri, options: &OpenOptions) -> Result<Self, VaultError> {
        let config = Config::parse(uri, options)?;
        let transport = Transport::new(&config)?;
        let auth = Auth::establish(config.credentials.clone(), &transport)?;
        Ok(Self { endpoints: transport.endpoints(), transport, auth, mount: config.mount })
    }

    /// Send `method /v1/path` with a JSON body; a 403 after which a new AppRole login helps is
    /// sent again, a 403 that stays is [`VaultError::PermissionDenied`].
    pub fn send(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<Answer, VaultError> {
        let mut relogged = false;
        loop {
            let token = self.auth.token(&self.transport)?;
            let reply = self.transport.call(method.clone(), path, "", body, Some(token.expose()))?;
            if reply.status != 403 {
                let message = reply.message();
                return Ok(Answer { status: reply.status, body: reply.body, message });
            }
            if !relogged && self.auth.after_forbidden(&self.transport)? {
                relogged = true;
                continue;
            }
            return Err(VaultError::PermissionDenied { operation, path: path.to_owned() });
        }
    }
}
