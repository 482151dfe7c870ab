//! Real OpenBao servers for the vault tests: installed by `tests/vault/install.sh` when
//! missing, started on free loopback ports, stopped by `tests/vault/supervise.sh` when the test
//! ends (however it ends). A server that cannot be installed or started fails the test.
//!
//! Included by the `tests/tests/vault_*.rs` binaries with `#[path = "../vault/harness.rs"]`.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The root token of dev servers.
pub const ROOT_TOKEN: &str = "root";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is in the workspace").to_owned()
}

/// The `bao` binary: `$BAO_BIN`, or the pinned install under target/ (made now if missing).
pub fn bao() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("BAO_BIN") {
            return PathBuf::from(bin);
        }
        let out = Command::new("bash")
            .arg(workspace().join("tests/vault/install.sh"))
            .stderr(Stdio::inherit())
            .output()
            .expect("run tests/vault/install.sh");
        assert!(out.status.success(), "tests/vault/install.sh failed: OpenBao is required for the vault tests");
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
    .clone()
}

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// An agent for admin calls (plain HTTP, or TLS with `root`).
pub fn admin_agent(root_pem: Option<&[u8]>) -> ureq::Agent {
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(pem) = root_pem {
        let certs: Vec<_> = ureq::tls::parse_pem(pem)
            .filter_map(|i| match i {
                Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
                _ => None,
            })
            .collect();
        tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&certs));
    }
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(Duration::from_secs(30)))
        .tls_config(tls.build())
        .build()
        .new_agent()
}

/// One admin request; returns status and JSON body (`null` when empty).
pub fn admin(
    agent: &ureq::Agent,
    origin: &str,
    token: Option<&str>,
    method: &str,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let url = format!("{origin}/v1/{path}");
    let mut req = ureq::http::Request::builder().method(method).uri(&url);
    if let Some(t) = token {
        req = req.header("X-Vault-Token", t);
    }
    let result = match body {
        Some(b) => agent.run(req.header("Content-Type", "application/json").body(b.to_string()).unwrap()),
        None => agent.run(req.body(()).unwrap()),
    };
    match result {
        Ok(mut resp) => {
            let status = resp.status().as_u16();
            let text = resp.body_mut().read_to_string().unwrap_or_default();
            (
                status,
                if text.trim().is_empty() {
                    serde_json::Value::Null
                } else {
                    serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
                },
            )
        }
        Err(e) => (0, serde_json::Value::String(e.to_string())),
    }
}

/// A server process under `supervise.sh`.
pub struct Process {
    child: Child,
    log: PathBuf,
}

impl Process {
    fn spawn(args: &[&str], log: &Path, dir: &Path) -> Self {
        let log_file = std::fs::File::create(log).unwrap();
        let child = Command::new("bash")
            .arg(workspace().join("tests/vault/supervise.sh"))
            .arg(bao())
            .args(args)
            .current_dir(dir)
            .env_remove("VAULT_TOKEN")
            .env_remove("BAO_TOKEN")
            .env_remove("VAULT_ADDR")
            .env_remove("BAO_ADDR")
            .stdin(Stdio::piped())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .expect("start tests/vault/supervise.sh");
        Self { child, log: log.to_owned() }
    }

    /// Stop it: `"stop"` (SIGTERM) or `"kill"` (SIGKILL); waits for the exit.
    pub fn stop_with(&mut self, how: &str) {
        if let Some(stdin) = self.child.stdin.as_mut() {
            let _ = writeln!(stdin, "{how}");
        }
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }

    /// The server's log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.stop_with("stop");
    }
}

fn wait_until(what: &str, process: &Process, limit: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < limit, "{what} did not come up in {limit:?}; its log:\n{}", process.log());
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A `bao server -dev` (in-memory, unsealed, KV v2 at `secret/`, root token `root`).
pub struct DevServer {
    pub port: u16,
    /// `Some` for a `-dev-tls` server: its CA certificate (PEM).
    pub ca_pem: Option<Vec<u8>>,
    pub process: Process,
    _dir: tempfile::TempDir,
}

impl DevServer {
    pub fn start(tls: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let listen = format!("-dev-listen-address=127.0.0.1:{port}");
        let certs = format!("-dev-tls-cert-dir={}", dir.path().display());
        let mut args = vec!["server", "-dev", "-dev-root-token-id=root", listen.as_str(), "-dev-no-store-token"];
        if tls {
            args.push("-dev-tls");
            args.push(certs.as_str());
        }
        let process = Process::spawn(&args, &dir.path().join("bao.log"), dir.path());
        let ca_path = dir.path().join("vault-ca.pem");
        let agent = admin_agent(None);
        let mut server = Self { port, ca_pem: None, process, _dir: dir };
        if tls {
            wait_until("bao -dev-tls", &server.process, Duration::from_secs(60), || ca_path.is_file());
            std::thread::sleep(Duration::from_millis(100));
            server.ca_pem = Some(std::fs::read(&ca_path).unwrap());
        }
        let agent = if tls { admin_agent(server.ca_pem.as_deref()) } else { agent };
        let origin = server.origin();
        wait_until("bao -dev", &server.process, Duration::from_secs(60), || {
            admin(&agent, &origin, None, "GET", "sys/health", None).0 == 200
        });
        server
    }

    /// `http://127.0.0.1:PORT` (or https for TLS).
    pub fn origin(&self) -> String {
        format!("{}://127.0.0.1:{}", if self.ca_pem.is_some() { "https" } else { "http" }, self.port)
    }

    /// An admin call with the root token.
    pub fn admin(&self, method: &str, path: &str, body: Option<serde_json::Value>) -> (u16, serde_json::Value) {
        admin(&admin_agent(self.ca_pem.as_deref()), &self.origin(), Some(ROOT_TOKEN), method, path, body)
    }

    /// The wallet URI of a store at `secret/<prefix>`.
    pub fn uri(&self, prefix: &str) -> String {
        match self.ca_pem {
            Some(_) => format!("vault://127.0.0.1:{}/secret/{prefix}", self.port),
            None => format!("vault+http://127.0.0.1:{}/secret/{prefix}", self.port),
        }
    }
}

/// One plain-HTTP dev server shared by every test of this binary (each test uses its own
/// prefix). It stops when the test process exits.
pub fn shared_dev() -> &'static DevServer {
    static DEV: OnceLock<DevServer> = OnceLock::new();
    DEV.get_or_init(|| DevServer::start(false))
}

/// A prefix no other test of this run uses.
pub fn unique_prefix(test: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("t{}-{}-{}", std::process::id(), N.fetch_add(1, Ordering::Relaxed), test.replace(['_', ' '], "-"))
}

// ----- persistent servers: Raft storage, initialised and unsealed by the test ------------------

/// One node of a Raft-backed server (also used alone, as a server that survives a restart).
pub struct Node {
    pub id: usize,
    pub api_port: u16,
    pub cluster_port: u16,
    dir: PathBuf,
    pub process: Option<Process>,
}

impl Node {
    pub fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.api_port)
    }

    fn config(&self, max_request_size: Option<u64>) -> PathBuf {
        let data = self.dir.join("data");
        std::fs::create_dir_all(&data).unwrap();
        let limit = max_request_size.map(|n| format!("  max_request_size = {n}\n")).unwrap_or_default();
        let text = format!(
            "storage \"raft\" {{\n  path = \"{data}\"\n  node_id = \"node{id}\"\n  performance_multiplier = 1\n}}\n\
             listener \"tcp\" {{\n  address = \"127.0.0.1:{api}\"\n  cluster_address = \"127.0.0.1:{cluster}\"\n  tls_disable = true\n{limit}}}\n\
             api_addr = \"http://127.0.0.1:{api}\"\ncluster_addr = \"http://127.0.0.1:{cluster}\"\n\
             ui = false\nlog_level = \"warn\"\n",
            data = data.display(),
            id = self.id,
            api = self.api_port,
            cluster = self.cluster_port,
        );
        let path = self.dir.join("config.hcl");
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Start (or restart) the server process; it comes up sealed.
    pub fn start(&mut self, max_request_size: Option<u64>) {
        let config = self.config(max_request_size);
        let config = format!("-config={}", config.display());
        let process = Process::spawn(&["server", config.as_str()], &self.dir.join("bao.log"), &self.dir);
        let agent = admin_agent(None);
        let origin = self.origin();
        wait_until("bao server (raft)", &process, Duration::from_secs(60), || {
            // Any answer from sys/health (501 uninitialised, 503 sealed, 200/429 up) means it listens.
            admin(&agent, &origin, None, "GET", "sys/health", None).0 != 0
        });
        self.process = Some(process);
    }

    /// Stop it: `"stop"` (SIGTERM) or `"kill"` (SIGKILL).
    pub fn stop(&mut self, how: &str) {
        if let Some(mut p) = self.process.take() {
            p.stop_with(how);
        }
    }

    pub fn unseal(&self, key: &str) {
        let (status, body) = admin(
            &admin_agent(None),
            &self.origin(),
            None,
            "POST",
            "sys/unseal",
            Some(serde_json::json!({ "key": key })),
        );
        assert_eq!(status, 200, "unseal node{}: {body}", self.id);
    }

    pub fn health(&self) -> (u16, serde_json::Value) {
        admin(&admin_agent(None), &self.origin(), None, "GET", "sys/health", None)
    }
}

/// A Raft cluster of `n` nodes on 127.0.0.1 (n = 1: a single persistent server), with KV v2 at
/// `secret/`.
pub struct Cluster {
    pub nodes: Vec<Node>,
    pub unseal_key: String,
    pub root_token: String,
    _dir: tempfile::TempDir,
}

impl Cluster {
    pub fn start(n: usize, max_request_size: Option<u64>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut nodes: Vec<Node> = (1..=n)
            .map(|id| Node {
                id,
                api_port: free_port(),
                cluster_port: free_port(),
                dir: dir.path().join(format!("node{id}")),
                process: None,
            })
            .collect();
        let agent = admin_agent(None);
        nodes[0].start(max_request_size);
        let (status, init) = admin(
            &agent,
            &nodes[0].origin(),
            None,
            "POST",
            "sys/init",
            Some(serde_json::json!({"secret_shares": 1, "secret_threshold": 1})),
        );
        assert_eq!(status, 200, "sys/init: {init}");
        let unseal_key = init["keys_base64"][0].as_str().unwrap().to_owned();
        let root_token = init["root_token"].as_str().unwrap().to_owned();
        nodes[0].unseal(&unseal_key);
        let mut cluster = Self { nodes: vec![], unseal_key, root_token, _dir: dir };
        let first = nodes.remove(0);
        cluster.nodes.push(first);
        cluster.wait_active(Duration::from_secs(60));
        for mut node in nodes {
            node.start(max_request_size);
            let leader = cluster.nodes[0].origin();
            let (status, body) = admin(
                &agent,
                &node.origin(),
                None,
                "POST",
                "sys/storage/raft/join",
                Some(serde_json::json!({ "leader_api_addr": leader })),
            );
            assert_eq!(status, 200, "raft join node{}: {body}", node.id);
            node.unseal(&cluster.unseal_key);
            cluster.nodes.push(node);
        }
        cluster.wait_voters(n, Duration::from_secs(90));
        let (status, body) = cluster.admin(
            "POST",
            "sys/mounts/secret",
            Some(serde_json::json!({"type": "kv", "options": {"version": "2"}})),
        );
        assert!(status == 204 || status == 200, "enable kv-v2: {status} {body}");
        cluster
    }

    /// The index of the active node, if one is active now.
    pub fn active(&self) -> Option<usize> {
        self.nodes.iter().position(|n| n.process.is_some() && n.health().0 == 200)
    }

    pub fn wait_active(&self, limit: Duration) -> usize {
        let start = Instant::now();
        loop {
            if let Some(i) = self.active() {
                return i;
            }
            assert!(start.elapsed() < limit, "no active node after {limit:?}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn wait_voters(&self, n: usize, limit: Duration) {
        let start = Instant::now();
        loop {
            let (status, body) = self.admin("GET", "sys/storage/raft/configuration", None);
            let voters =
                body["data"]["config"]["servers"].as_array().map(|s| s.iter().filter(|v| v["voter"] == true).count());
            let unsealed = self.nodes.iter().all(|n| n.health().1["sealed"] == false);
            if status == 200 && voters == Some(n) && unsealed {
                return;
            }
            assert!(start.elapsed() < limit, "the cluster did not reach {n} unsealed voters in {limit:?}: {body}");
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// An admin call with the root token to the active node.
    pub fn admin(&self, method: &str, path: &str, body: Option<serde_json::Value>) -> (u16, serde_json::Value) {
        let i = self.wait_active(Duration::from_secs(60));
        admin(&admin_agent(None), &self.nodes[i].origin(), Some(&self.root_token), method, path, body)
    }

    /// The wallet URI of a store at `secret/<prefix>`, listing every node.
    pub fn uri(&self, prefix: &str) -> String {
        let hosts: Vec<String> = self.nodes.iter().map(|n| format!("127.0.0.1:{}", n.api_port)).collect();
        format!("vault+http://{}/secret/{prefix}", hosts.join(","))
    }
}
