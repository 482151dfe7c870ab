//! HTTP(S) to one Fabric CA server: one connection pool per client, the two kinds of
//! authentication, the response envelope, and network failures named for what they are.

use super::api::Envelope;
use super::token::{self, TokenForm};
use super::RemoteError;
use crate::crypto::Signer;
use crate::error::{Error, Result};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use std::time::Duration;
use ureq::http;
use zeroize::Zeroizing;

/// How a request proves who sends it.
pub(super) enum Auth<'a> {
    /// Nothing (cainfo).
    None,
    /// `Authorization: Basic` with the enrolment secret (enrol).
    Basic { id: &'a str, secret: &'a str },
    /// The request token, signed by the caller's key (everything else).
    Token { signer: &'a dyn Signer, cert_pem: &'a [u8], form: TokenForm },
}

/// TLS settings of a client.
#[derive(Default)]
pub(super) struct TlsFiles<'a> {
    pub root_pem: Option<&'a [u8]>,
    pub client_cert_pem: Option<&'a [u8]>,
    pub client_key_pem: Option<&'a [u8]>,
}

/// One server's address and the connection pool to it.
pub(super) struct Transport {
    agent: ureq::Agent,
    /// `scheme://host:port`.
    origin: String,
    /// The base path, without a trailing '/', possibly empty.
    base_path: String,
    /// What error messages call the server.
    display: String,
    host: String,
    port: u16,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport").field("url", &self.display).finish_non_exhaustive()
    }
}

fn config_err(what: &str, detail: impl Into<String>) -> Error {
    RemoteError::Config { what: what.into(), detail: detail.into() }.into()
}

impl Transport {
    pub fn new(url: &str, tls: &TlsFiles<'_>, timeout: Duration, connect_timeout: Duration) -> Result<Self> {
        let uri: http::Uri =
            url.trim().parse().map_err(|e| config_err("CA URL", format!("{url:?} is not a URL ({e})")))?;
        let scheme = match uri.scheme_str() {
            Some("https") => "https",
            Some("http") => "http",
            Some(other) => return Err(config_err("CA URL", format!("scheme {other:?} (use https:// or http://)"))),
            None => return Err(config_err("CA URL", format!("{url:?} has no scheme (use https:// or http://)"))),
        };
        let authority = uri.authority().ok_or_else(|| config_err("CA URL", format!("{url:?} has no host")))?;
        if authority.as_str().contains('@') {
            return Err(config_err(
                "CA URL",
                "it holds a user name or secret; give the enrollment ID and secret separately (secrets never go in URLs or argv)",
            ));
        }
        if uri.query().is_some() {
            return Err(config_err("CA URL", "it has a query string; give the CA name with --ca-name instead"));
        }
        let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_owned();
        let port = authority.port_u16().unwrap_or(if scheme == "https" { 443 } else { 80 });
        let base_path = uri.path().trim_end_matches('/').to_owned();
        let origin = format!("{scheme}://{authority}");
        let display = format!("{origin}{base_path}");

        let mut tls_config = ureq::tls::TlsConfig::builder();
        if let Some(root) = tls.root_pem {
            let certs = pem_certs(root, "the TLS root certificate")?;
            tls_config = tls_config.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
        }
        match (tls.client_cert_pem, tls.client_key_pem) {
            (Some(cert), Some(key)) => {
                let chain = pem_certs(cert, "the client TLS certificate")?;
                let key = ureq::tls::PrivateKey::from_pem(key)
                    .map_err(|e| config_err("client TLS key", format!("not a PEM private key ({e})")))?;
                tls_config = tls_config.client_cert(Some(ureq::tls::ClientCert::new_with_certs(&chain, key)));
            }
            (None, None) => {}
            _ => return Err(config_err("client TLS", "give both the client certificate and its key, or neither")),
        }
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(timeout))
            .timeout_connect(Some(connect_timeout))
            .user_agent(concat!("wallet/", env!("CARGO_PKG_VERSION")))
            .tls_config(tls_config.build())
            .build()
            .new_agent();
        Ok(Self { agent, origin, base_path, display, host, port })
    }

    /// The server as error messages name it (`scheme://host:port/base`).
    pub fn display(&self) -> &str {
        &self.display
    }

    /// Host and port (for `fabric-ca-client`'s file names).
    pub fn host_port(&self) -> (&str, u16) {
        (&self.host, self.port)
    }

    /// Send one request and open the envelope. `target` is the endpoint with its query
    /// (`identities/user1?ca=x`); the token signs the request URI exactly as sent.
    pub fn send(
        &self,
        operation: &str,
        method: http::Method,
        target: &str,
        body: Option<&[u8]>,
        auth: Auth<'_>,
    ) -> Result<(u16, serde_json::Value)> {
        let uri = format!("{}/{}", self.base_path, target);
        let mut builder = http::Request::builder().method(method.clone()).uri(format!("{}{uri}", self.origin));
        let header: Option<Zeroizing<String>> = match auth {
            Auth::None => None,
            Auth::Basic { id, secret } => {
                let pair = Zeroizing::new(format!("{id}:{secret}"));
                Some(Zeroizing::new(format!("Basic {}", B64.encode(pair.as_bytes()))))
            }
            Auth::Token { signer, cert_pem, form } => Some(Zeroizing::new(token::create(
                signer,
                cert_pem,
                form,
                method.as_str(),
                &uri,
                body.unwrap_or_default(),
            )?)),
        };
        if let Some(value) = &header {
            builder = builder.header("authorization", value.as_str());
        }
        if body.is_some() {
            builder = builder.header("content-type", "application/json");
        }
        let response = match body {
            Some(bytes) => self.agent.run(build(builder, bytes, operation)?),
            None => self.agent.run(build(builder, (), operation)?),
        };
        let mut response = response.map_err(|e| self.network_error(operation, e))?;
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_vec()
            .map_err(|e| self.network_error(operation, e))?;
        self.open_envelope(operation, status, &bytes)
    }

    fn open_envelope(&self, operation: &str, status: u16, bytes: &[u8]) -> Result<(u16, serde_json::Value)> {
        let protocol = |detail: String| RemoteError::Protocol {
            operation: operation.into(),
            url: self.display.clone(),
            status,
            detail,
        };
        let envelope: Envelope = serde_json::from_slice(bytes).map_err(|e| {
            let text = String::from_utf8_lossy(&bytes[..bytes.len().min(120)]).trim().to_owned();
            protocol(format!("not a Fabric CA response envelope ({e}); it begins {text:?}"))
        })?;
        if !envelope.errors.is_empty() || !envelope.success || status >= 400 {
            let (code, message) = match envelope.errors.first() {
                Some(first) => {
                    (first.code, envelope.errors.iter().map(|m| m.message.trim()).collect::<Vec<_>>().join("; "))
                }
                None => (0, "the server reported failure without saying why".to_owned()),
            };
            return Err(RemoteError::Server {
                operation: operation.into(),
                url: self.display.clone(),
                status,
                code,
                message,
            }
            .into());
        }
        Ok((status, envelope.result))
    }

    fn network_error(&self, operation: &str, e: ureq::Error) -> Error {
        let url = self.display.clone();
        let interrupted =
            |detail: String| RemoteError::Interrupted { operation: operation.into(), url: url.clone(), detail };
        let err = match e {
            ureq::Error::Io(io) => {
                use std::io::ErrorKind as K;
                let text = io.to_string();
                if is_tls_text(&text) {
                    RemoteError::Tls { url, detail: text }
                } else if matches!(
                    io.kind(),
                    K::ConnectionRefused | K::AddrNotAvailable | K::HostUnreachable | K::NetworkUnreachable
                ) {
                    RemoteError::Connect { url, detail: text }
                } else {
                    interrupted(text)
                }
            }
            ureq::Error::HostNotFound => RemoteError::Connect { url, detail: "the host name does not resolve".into() },
            ureq::Error::ConnectionFailed => RemoteError::Connect { url, detail: "the connection failed".into() },
            ureq::Error::Timeout(t) if t.to_string().contains("connect") || t.to_string().contains("resolve") => {
                RemoteError::Connect { url, detail: format!("timed out ({t})") }
            }
            ureq::Error::Timeout(t) => interrupted(format!("timed out ({t})")),
            ureq::Error::Tls(m) => RemoteError::Tls { url, detail: m.into() },
            ureq::Error::Rustls(r) => RemoteError::Tls { url, detail: r.to_string() },
            ureq::Error::Pem(p) => RemoteError::Config { what: "TLS files".into(), detail: p.to_string() },
            ureq::Error::BadUri(u) => RemoteError::Config { what: "CA URL".into(), detail: u },
            ureq::Error::Protocol(p) => interrupted(format!("broken HTTP ({p})")),
            other => {
                let text = other.to_string();
                if is_tls_text(&text) {
                    RemoteError::Tls { url, detail: text }
                } else {
                    interrupted(text)
                }
            }
        };
        err.into()
    }
}

fn build<B>(builder: http::request::Builder, body: B, operation: &str) -> Result<http::Request<B>> {
    builder.body(body).map_err(|e| config_err("request", format!("cannot build the {operation} request ({e})")))
}

/// rustls failures surface inside I/O errors during the handshake.
fn is_tls_text(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    ["certificate", "tls", "handshake", "alert", "peer sent no certificates"].iter().any(|k| t.contains(k))
}

fn pem_certs(pem_text: &[u8], what: &str) -> Result<Vec<ureq::tls::Certificate<'static>>> {
    let mut certs = vec![];
    for item in ureq::tls::parse_pem(pem_text) {
        match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
            Ok(_) => {}
            Err(e) => return Err(config_err(what, format!("not PEM ({e})"))),
        }
    }
    if certs.is_empty() {
        return Err(config_err(what, "no CERTIFICATE block"));
    }
    Ok(certs)
}

/// Percent-encode a path segment or query value (RFC 3986 unreserved characters pass).
pub(super) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
