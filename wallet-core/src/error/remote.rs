//! What can go wrong talking to a Fabric CA server, each with a hint.

/// How a request to a Fabric CA server failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteError {
    /// The server answered with an error envelope (`errors: [{code, message}]`).
    #[error("fabric CA {url} refused {operation} (HTTP {status}, code {code}): {message}")]
    Server {
        /// What we asked for (`enroll`, `register`…).
        operation: String,
        /// The CA's address.
        url: String,
        /// HTTP status.
        status: u16,
        /// Fabric CA's error code (0 when the envelope had none).
        code: i64,
        /// Its message (all messages, `; `-joined).
        message: String,
    },

    /// No TCP connection: refused, unreachable, or the name does not resolve.
    #[error("cannot connect to fabric CA {url}: {detail}")]
    Connect {
        /// The CA's address.
        url: String,
        /// Why.
        detail: String,
    },

    /// The TLS handshake failed: unknown issuer, wrong host name, plain HTTP on a TLS port…
    #[error("TLS with fabric CA {url} failed: {detail}")]
    Tls {
        /// The CA's address.
        url: String,
        /// Why.
        detail: String,
    },

    /// The connection dropped or timed out before a whole answer arrived.
    #[error("fabric CA {url} did not answer {operation}: {detail}")]
    Interrupted {
        /// What we asked for.
        operation: String,
        /// The CA's address.
        url: String,
        /// Why.
        detail: String,
    },

    /// The answer is not what a Fabric CA server sends (not JSON, no envelope, missing fields).
    #[error("fabric CA {url} sent an unusable answer to {operation} (HTTP {status}): {detail}")]
    Protocol {
        /// What we asked for.
        operation: String,
        /// The CA's address.
        url: String,
        /// HTTP status.
        status: u16,
        /// What is wrong with it.
        detail: String,
    },

    /// The client's own settings are unusable (URL, TLS files).
    #[error("invalid fabric CA client setting {what}: {detail}")]
    Config {
        /// Which setting.
        what: String,
        /// What is wrong.
        detail: String,
    },
}

impl RemoteError {
    /// Fabric CA's code, for server errors.
    pub fn code(&self) -> Option<i64> {
        match self {
            RemoteError::Server { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// HTTP status, for server errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            RemoteError::Server { status, .. } | RemoteError::Protocol { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// How to fix it.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            // Codes: fabric-ca lib/caerrors/servererror.go.
            RemoteError::Server { code: 20, operation, .. } if operation == "enroll" => {
                "the server does not say which: the secret is wrong, the identity has used all its enrolments \
                 (reenrol instead), it is revoked, or it is locked after too many wrong secrets (the server log has the cause)"
                    .into()
            }
            RemoteError::Server { code: 20, .. } => {
                "the caller's certificate was refused: it is revoked, expired, not issued by this CA (check --ca / \
                 --ca-name), or the token does not match the request (a proxy that rewrites paths breaks it; an old \
                 server may need the legacy token)"
                    .into()
            }
            RemoteError::Server { code: 71, .. } => {
                "the caller lacks a right for this (hf.Registrar.Roles, hf.Registrar.Attributes, hf.Revoker, hf.GenCRL, \
                 hf.AffiliationMgr) or acts outside its affiliation, or the affiliation does not exist; act as the \
                 bootstrap admin or ask a registrar to grant it"
                    .into()
            }
            RemoteError::Server { code: 19, .. } => "the CA name is not served here: check --ca-name (cainfo lists it)".into(),
            RemoteError::Server { code: 63, .. } => "add the affiliation first, or pick one from the affiliations list".into(),
            RemoteError::Server { code: 74, .. } => "choose another enrollment ID, or enrol the existing one".into(),
            RemoteError::Server { code: 77, .. } => "the CSR's CN must be the enrollment ID".into(),
            RemoteError::Server { code: 66, .. } => "nothing to do: it is already revoked".into(),
            RemoteError::Server { status: 403, .. } => {
                "the server refused the operation: check the caller's rights and the server's configuration (removing identities \
                 and affiliations needs cfg.identities.allowremove / cfg.affiliations.allowremove)"
                    .into()
            }
            RemoteError::Server { .. } => return None,
            RemoteError::Connect { .. } => {
                "check the CA URL (scheme, host, port) and that fabric-ca-server is running and reachable".into()
            }
            RemoteError::Tls { .. } => {
                "give the CA's TLS root with --tls-root (fabric-ca-server writes it as tls-cert.pem in its home), check the \
                 host name in the URL matches the server certificate, and use http:// for a server without TLS; a server \
                 that requires client TLS needs --client-cert and --client-key"
                    .into()
            }
            RemoteError::Interrupted { .. } => {
                "the server stopped or the network failed mid-request; nothing was stored in the wallet: run the command \
                 again (an enrolment the server completed may have used one of the identity's enrolments)"
                    .into()
            }
            RemoteError::Protocol { .. } => {
                "the URL may point at something that is not a Fabric CA server (check its base path), or a proxy mangled the answer"
                    .into()
            }
            RemoteError::Config { .. } => return None,
        })
    }
}

impl From<RemoteError> for crate::error::Error {
    fn from(e: RemoteError) -> Self {
        crate::error::Error::Ca(crate::ca::CaError::Remote(e))
    }
}
