//! HTTP to the servers of one store: one connection pool per process (per TLS setting), the
//! token and namespace headers, failover between the listed servers, a standby's redirect,
//! and retries with backoff on connection errors, 5xx and standby answers (never on 4xx).

use super::config::Config;
use super::error::VaultError;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};
use ureq::http;
use zeroize::Zeroizing;

/// The largest response body read (a list of many names, a large record).
const MAX_BODY: u64 = 256 * 1024 * 1024;
/// Redirects followed for one request (a standby pointing at the active node).
const MAX_REDIRECTS: u32 = 3;

/// What distinguishes one pool from another: agents with the same roots and timeouts share
/// their connections, so a process keeps one pool per distinct TLS setting however many
/// stores it opens.
#[derive(Hash, PartialEq, Eq)]
struct AgentKey {
    roots: Option<[u8; 32]>,
    timeout: Duration,
    connect_timeout: Duration,
    loopback: bool,
}

fn agent_for(config: &Config) -> Result<ureq::Agent, VaultError> {
    static AGENTS: OnceLock<Mutex<HashMap<AgentKey, ureq::Agent>>> = OnceLock::new();
    let key = AgentKey {
        roots: config.tls_root_pem.as_ref().map(|pem| Sha256::digest(pem).into()),
        timeout: config.timeout,
        connect_timeout: config.connect_timeout,
        loopback: config.loopback,
    };
    let mut agents = AGENTS.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    if let Some(agent) = agents.get(&key) {
        return Ok(agent.clone());
    }
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(pem) = &config.tls_root_pem {
        let mut certs = vec![];
        for item in ureq::tls::parse_pem(pem) {
            match item {
                Ok(ureq::tls::PemItem::Certificate(c)) => certs.push(c),
                Ok(_) => {}
                Err(e) => return Err(VaultError::Config { what: "TLS root".into(), detail: format!("not PEM ({e})") }),
            }
        }
        if certs.is_empty() {
            return Err(VaultError::Config { what: "TLS root".into(), detail: "holds no CERTIFICATE block".into() });
        }
        tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
    }
    let mut builder = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(config.timeout))
        .timeout_connect(Some(config.connect_timeout))
        .max_idle_connections(64)
        .max_idle_connections_per_host(32)
        .user_agent(concat!("wallet/", env!("CARGO_PKG_VERSION")))
        .tls_config(tls.build());
    if config.loopback {
        // A server on this machine is never reached through a proxy.
        builder = builder.proxy(None);
    }
    let agent = builder.build().new_agent();
    agents.insert(key, agent.clone());
    Ok(agent)
}

/// A server's answer.
pub(crate) struct Reply {
    pub status: u16,
    pub body: Zeroizing<Vec<u8>>,
    /// The server that answered (`scheme://host:port`).
    pub endpoint: String,
    /// An earlier attempt of this request may have reached the server and been applied (it
    /// failed after sending, or got a 5xx): a write's "conflict" may be its own first try.
    pub maybe_applied: bool,
}

impl Reply {
    /// The `errors` of a Vault error body, joined.
    pub fn message(&self) -> String {
        error_message(&self.body)
    }
}

fn error_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct Errors {
        #[serde(default)]
        errors: Vec<String>,
    }
    match serde_json::from_slice::<Errors>(body) {
        Ok(e) if !e.errors.is_empty() => e
            .errors
            .iter()
            .map(|m| m.replace("1 error occurred:", "").replace(['\n', '\t'], " ").trim().to_owned())
            .collect::<Vec<_>>()
            .join("; "),
        _ => String::from_utf8_lossy(&body[..body.len().min(200)]).trim().to_owned(),
    }
}

/// Why an attempt failed, for the error after the last retry.
enum Failure {
    Connect(String),
    Sent(String),
    Sealed(String),
    NoLeader(String, String),
    Status(String, u16, String),
}

/// The servers of one store and the pool that reaches them.
pub(crate) struct Transport {
    agent: ureq::Agent,
    endpoints: Vec<String>,
    /// The server that answered last (where the next request starts).
    current: AtomicUsize,
    namespace: Option<String>,
    retry_for: Duration,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport").field("endpoints", &self.endpoints).finish_non_exhaustive()
    }
}

/// Answers worth another try: rate limits and standbys (429, 472, 473, as OpenBao's health
/// endpoint uses them), server-side failures, and a fresh KV v2 mount that is still upgrading.
fn retryable(status: u16, message: &str) -> bool {
    matches!(status, 412 | 429 | 472 | 473 | 500 | 502 | 503 | 504) || (status == 400 && is_upgrading(message))
}

/// A KV v2 mount that was just enabled (or upgraded from v1) answers 400 for a moment.
fn is_upgrading(message: &str) -> bool {
    // "Upgrading from non-versioned to versioned data" (the active node), "Waiting for the
    // primary to upgrade from non-versioned to versioned data" (a standby).
    message.to_ascii_lowercase().contains("non-versioned to versioned data")
}

fn is_no_leader(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    ["active cluster node not found", "node not active", "no active", "leadership", "not the leader", "standby"]
        .iter()
        .any(|k| m.contains(k))
}

fn is_tls_text(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    ["certificate", "tls", "handshake", "alert", "unknownissuer", "invalid peer"].iter().any(|k| t.contains(k))
}

impl Transport {
    pub fn new(config: &Config) -> Result<Self, VaultError> {
        let transport = Self {
            agent: agent_for(config)?,
            endpoints: config.endpoints.clone(),
            current: AtomicUsize::new(0),
            namespace: config.namespace.clone(),
            retry_for: config.retry_for,
        };
        if let Some(active) = transport.active_endpoint() {
            transport.current.store(active, Ordering::Relaxed);
        }
        Ok(transport)
    }

    /// Of several servers, the one that is active now (`sys/health` answers 200; standbys
    /// answer 429), so requests go to it: a standby forwards writes but may answer reads from
    /// its own, possibly older, copy. `None` with one server, or when no server is active.
    fn active_endpoint(&self) -> Option<usize> {
        if self.endpoints.len() < 2 {
            return None;
        }
        self.endpoints.iter().position(|origin| {
            matches!(self.once(origin, &http::Method::GET, "sys/health", "", None, None), Ok((200, _, _)))
        })
    }

    /// The servers, for messages.
    pub fn endpoints(&self) -> String {
        self.endpoints.join(",")
    }

    /// Send `method /v1/path[?query]` with an optional JSON body and token, retrying what is
    /// worth retrying for up to the store's `retry_for`. Any status that is not retried is
    /// returned as a [`Reply`], for the caller to read.
    pub fn call(
        &self,
        method: http::Method,
        path: &str,
        query: &str,
        body: Option<&[u8]>,
        token: Option<&str>,
    ) -> Result<Reply, VaultError> {
        let start = Instant::now();
        let mut attempt: u32 = 0;
        let mut redirects = 0;
        let mut redirect_to: Option<String> = None;
        let mut maybe_applied = false;
        let n = self.endpoints.len();
        loop {
            let index = self.current.load(Ordering::Relaxed) % n;
            let origin = redirect_to.take().unwrap_or_else(|| self.endpoints[index].clone());
            let failure = match self.once(&origin, &method, path, query, body, token) {
                Ok((status, body, location)) => {
                    if matches!(status, 301 | 302 | 307 | 308) && redirects < MAX_REDIRECTS {
                        if let Some(target) = location.and_then(|l| self.redirect_origin(&origin, &l)) {
                            redirects += 1;
                            redirect_to = Some(target);
                            continue;
                        }
                    }
                    let message = error_message(&body);
                    if !retryable(status, &message) {
                        return Ok(Reply { status, body, endpoint: origin, maybe_applied });
                    }
                    if status >= 500 && method != http::Method::GET {
                        maybe_applied = true;
                    }
                    if status >= 500 && message.to_ascii_lowercase().contains("too large") {
                        return Ok(Reply { status: 413, body, endpoint: origin, maybe_applied });
                    }
                    if status == 503 && message.to_ascii_lowercase().contains("sealed") {
                        Failure::Sealed(origin.clone())
                    } else if is_no_leader(&message) || matches!(status, 429 | 472 | 473) {
                        Failure::NoLeader(origin.clone(), message)
                    } else {
                        Failure::Status(origin.clone(), status, message)
                    }
                }
                Err(e) => match e {
                    AttemptError::Tls(detail) => return Err(VaultError::Tls { endpoint: origin, detail }),
                    AttemptError::Config(detail) => return Err(VaultError::Config { what: "request".into(), detail }),
                    AttemptError::Connect(detail) => Failure::Connect(format!("{origin}: {detail}")),
                    AttemptError::Sent(detail) => {
                        if method != http::Method::GET {
                            maybe_applied = true;
                        }
                        Failure::Sent(format!("{origin}: {detail}"))
                    }
                },
            };
            // Another server may do better: the active one if a health check finds it, else
            // the next in the list.
            if n > 1 {
                let next = self.active_endpoint().unwrap_or((index + 1) % n);
                let _ = self.current.compare_exchange(index, next, Ordering::Relaxed, Ordering::Relaxed);
            }
            let tried = start.elapsed();
            if tried >= self.retry_for {
                return Err(match failure {
                    Failure::Connect(detail) | Failure::Sent(detail) => {
                        VaultError::Unreachable { endpoints: self.endpoints(), tried, detail }
                    }
                    Failure::Sealed(endpoint) => VaultError::Sealed { endpoint },
                    Failure::NoLeader(endpoint, detail) => VaultError::NoLeader { endpoint, tried, detail },
                    Failure::Status(endpoint, status, message) => VaultError::Server {
                        endpoint,
                        operation: method_name(&method),
                        path: path.to_owned(),
                        status,
                        message,
                    },
                });
            }
            let remaining = self.retry_for - tried;
            std::thread::sleep(backoff(attempt).min(remaining));
            attempt += 1;
        }
    }

    /// The origin of a redirect target, if it keeps the scheme (never TLS to plain HTTP) and
    /// is a server of this store or the same host.
    fn redirect_origin(&self, from: &str, location: &str) -> Option<String> {
        let uri: http::Uri = location.parse().ok()?;
        let scheme = uri.scheme_str()?;
        let authority = uri.authority()?;
        let origin = format!("{scheme}://{authority}");
        let same_scheme = from.starts_with(&format!("{scheme}://"));
        // The token goes with the request: only to a server this store was given, or to the
        // host that sent the redirect (another port of it); never to a host a server names.
        let known = self.endpoints.iter().any(|e| e.trim_end_matches('/').eq_ignore_ascii_case(&origin));
        let from_host = from.parse::<http::Uri>().ok().and_then(|u| u.host().map(str::to_ascii_lowercase));
        let same_host = from_host.as_deref() == Some(authority.host().to_ascii_lowercase().as_str());
        (same_scheme && (known || same_host)).then_some(origin)
    }

    fn once(
        &self,
        origin: &str,
        method: &http::Method,
        path: &str,
        query: &str,
        body: Option<&[u8]>,
        token: Option<&str>,
    ) -> Result<Answer, AttemptError> {
        let url = if query.is_empty() { format!("{origin}/v1/{path}") } else { format!("{origin}/v1/{path}?{query}") };
        let mut builder = http::Request::builder().method(method.clone()).uri(url);
        if let Some(token) = token {
            builder = builder.header("X-Vault-Token", token);
        }
        if let Some(ns) = &self.namespace {
            builder = builder.header("X-Vault-Namespace", ns.as_str());
        }
        if body.is_some() {
            builder = builder.header("Content-Type", "application/json");
        }
        let response = match body {
            Some(bytes) => self.agent.run(builder.body(bytes).map_err(|e| AttemptError::Config(e.to_string()))?),
            None => self.agent.run(builder.body(()).map_err(|e| AttemptError::Config(e.to_string()))?),
        };
        let mut response = response.map_err(classify)?;
        let status = response.status().as_u16();
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let bytes = response.body_mut().with_config().limit(MAX_BODY).read_to_vec().map_err(classify)?;
        Ok((status, Zeroizing::new(bytes), location))
    }
}

/// Status, body and `Location` of one answer.
type Answer = (u16, Zeroizing<Vec<u8>>, Option<String>);

enum AttemptError {
    /// The request certainly did not reach the server.
    Connect(String),
    /// It may have: the connection broke or timed out afterwards.
    Sent(String),
    Tls(String),
    Config(String),
}

fn classify(e: ureq::Error) -> AttemptError {
    use std::io::ErrorKind as K;
    match e {
        ureq::Error::Io(io) => {
            let text = io.to_string();
            if is_tls_text(&text) {
                AttemptError::Tls(text)
            } else if matches!(
                io.kind(),
                K::ConnectionRefused | K::AddrNotAvailable | K::HostUnreachable | K::NetworkUnreachable
            ) {
                AttemptError::Connect(text)
            } else {
                AttemptError::Sent(text)
            }
        }
        ureq::Error::HostNotFound => AttemptError::Connect("the host name does not resolve".into()),
        ureq::Error::ConnectionFailed => AttemptError::Connect("the connection failed".into()),
        ureq::Error::Timeout(t) if matches!(t, ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
            AttemptError::Connect(format!("timed out ({t})"))
        }
        ureq::Error::Timeout(t) => AttemptError::Sent(format!("timed out ({t})")),
        ureq::Error::Tls(m) => AttemptError::Tls(m.into()),
        ureq::Error::Rustls(r) => AttemptError::Tls(r.to_string()),
        ureq::Error::BadUri(u) => AttemptError::Config(u),
        other => {
            let text = other.to_string();
            if is_tls_text(&text) {
                AttemptError::Tls(text)
            } else {
                AttemptError::Sent(text)
            }
        }
    }
}

fn method_name(method: &http::Method) -> &'static str {
    match *method {
        http::Method::GET => "read",
        http::Method::POST | http::Method::PUT => "write",
        http::Method::DELETE => "delete",
        _ => "request",
    }
}

/// 50 ms doubling to 2 s, with up to 50 % random jitter (OS randomness) so that writers that
/// failed together do not retry together.
fn backoff(attempt: u32) -> Duration {
    use rand_core::{OsRng, RngCore};
    let base = 50u64.saturating_mul(1 << attempt.min(6)).min(2000);
    let jitter = OsRng.next_u64() % (base / 2 + 1);
    Duration::from_millis(base + jitter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{BackendUri, OpenOptions, Secret};

    fn transport(uri: &str, endpoints: &[&str]) -> Transport {
        let options = OpenOptions::new().with_token(Secret::new("t"));
        let config = Config::parse(&BackendUri::parse(uri).unwrap(), &options).unwrap();
        Transport {
            agent: agent_for(&config).unwrap(),
            endpoints: endpoints.iter().map(|e| (*e).to_owned()).collect(),
            current: AtomicUsize::new(0),
            namespace: None,
            retry_for: config.retry_for,
        }
    }

    #[test]
    fn redirects_carry_the_token_only_to_this_stores_servers_or_the_same_host() {
        let t = transport("vault://10.0.0.1:8200/secret/w", &["https://10.0.0.1:8200", "https://10.0.0.2:8200"]);
        let from = "https://10.0.0.1:8200";
        // Another server of the store (a standby naming the active node), or another port of the host.
        assert_eq!(t.redirect_origin(from, "https://10.0.0.2:8200/v1/x").as_deref(), Some("https://10.0.0.2:8200"));
        assert_eq!(t.redirect_origin(from, "https://10.0.0.1:9200/v1/x").as_deref(), Some("https://10.0.0.1:9200"));
        // Never to a host the store was not given, nor from TLS to plain HTTP.
        assert_eq!(t.redirect_origin(from, "https://attacker.example:8200/v1/x"), None);
        assert_eq!(t.redirect_origin(from, "http://10.0.0.2:8200/v1/x"), None);
        // From a loopback server over plain HTTP, not to another machine.
        let t = transport("vault+http://127.0.0.1:8200/secret/w", &["http://127.0.0.1:8200"]);
        assert_eq!(t.redirect_origin("http://127.0.0.1:8200", "http://192.0.2.7:8200/v1/x"), None);
        assert!(t.redirect_origin("http://127.0.0.1:8200", "http://127.0.0.1:8300/v1/x").is_some());
    }
}
