//! The real Fabric CA 1.5.21 for tests: `fabric-ca-server` on 127.0.0.1 with a fresh home and
//! free ports (killed on drop), and `fabric-ca-client` runs. A missing binary fails the test
//! with the way to get it.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Fabric CA's version the tests run against.
pub const VERSION: &str = "1.5.21";

const HOW: &str = "unpack the real Fabric CA 1.5.21 with `bash ../shared/tools/unpack.sh` from the workspace root \
     (it writes target/fabric-tools/fabric-ca-1.5.21/bin), or set FABRIC_CA_BIN to a folder holding fabric-ca-server \
     and fabric-ca-client 1.5.21 (the official Hyperledger release archive has them)";

/// The folder holding `fabric-ca-server` and `fabric-ca-client`.
pub fn bin_dir() -> PathBuf {
    let dir = match std::env::var_os("FABRIC_CA_BIN") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/fabric-tools/fabric-ca-1.5.21/bin"),
    };
    for name in ["fabric-ca-server", "fabric-ca-client"] {
        let path = dir.join(name);
        assert!(path.is_file(), "{} is missing: {HOW}", path.display());
    }
    dir
}

/// Path of one of the two programs.
pub fn program(name: &str) -> PathBuf {
    bin_dir().join(name)
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0").local_addr().unwrap().port()
}

/// How to start a server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Serve HTTPS with the server's own TLS certificate (made for 127.0.0.1 and localhost).
    pub tls: bool,
    /// Require client TLS certificates issued by the CA itself.
    pub client_auth: bool,
    /// `cfg.identities.allowremove` and `cfg.affiliations.allowremove`.
    pub allow_remove: bool,
    /// Make the `tls` signing profile issue certificates valid for this long (e.g. `1h`).
    pub tls_profile_expiry: Option<String>,
    /// The CA name (`--ca.name`).
    pub ca_name: Option<String>,
    /// Environment for the server (e.g. `FABRIC_CA_SERVER_COMPATIBILITY_MODE_V1_3`).
    pub env: Vec<(String, String)>,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            tls: false,
            client_auth: false,
            allow_remove: true,
            tls_profile_expiry: None,
            ca_name: None,
            env: vec![],
        }
    }
}

/// A running `fabric-ca-server` (bootstrap admin `admin:adminpw`).
#[derive(Debug)]
pub struct Server {
    child: Option<Child>,
    home: tempfile::TempDir,
    /// Its port.
    pub port: u16,
    /// Its operations (health) port, which speaks plain HTTP and no Fabric CA envelope.
    pub ops_port: u16,
    /// `http(s)://127.0.0.1:<port>`.
    pub url: String,
    options: ServerOptions,
}

impl Server {
    /// Start with default options (plain HTTP).
    pub fn start() -> Self {
        Self::start_with(ServerOptions::default())
    }

    /// Start and wait until it answers.
    pub fn start_with(options: ServerOptions) -> Self {
        let home = tempfile::tempdir().expect("temporary folder");
        let mut init = Command::new(program("fabric-ca-server"));
        init.args(["init", "-b", "admin:adminpw", "--csr.hosts", "127.0.0.1,localhost", "--home"]).arg(home.path());
        if let Some(name) = &options.ca_name {
            init.args(["--ca.name", name]);
        }
        let out = run(&mut init);
        assert!(out.status.success(), "fabric-ca-server init failed:\n{}", String::from_utf8_lossy(&out.stderr));
        if let Some(expiry) = &options.tls_profile_expiry {
            // A profile of its own would be refused: the server whitelists the attribute
            // extension only for the profiles it ships with.
            let path = home.path().join("fabric-ca-server-config.yaml");
            let yaml = std::fs::read_to_string(&path).unwrap();
            let (head, tail) = yaml.split_once("      tls:\n").expect("a tls signing profile in the default config");
            let tail = tail.replacen("expiry: 8760h", &format!("expiry: {expiry}"), 1);
            std::fs::write(&path, format!("{head}      tls:\n{tail}")).unwrap();
        }
        // Free ports can be taken between the probe and the bind: try a few.
        for _ in 0..5 {
            let (port, ops_port) = (free_port(), free_port());
            let mut cmd = start_command(home.path(), port, ops_port, &options);
            let mut child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start fabric-ca-server: {e}; {HOW}"));
            if wait_ready(&mut child, home.path(), port) {
                let scheme = if options.tls { "https" } else { "http" };
                return Server {
                    child: Some(child),
                    home,
                    port,
                    ops_port,
                    url: format!("{scheme}://127.0.0.1:{port}"),
                    options: options.clone(),
                };
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("fabric-ca-server did not start on a free port after 5 attempts");
    }

    /// The server's home folder.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        read_log(self.home.path())
    }

    /// The CA's root certificate (PEM).
    pub fn ca_cert_pem(&self) -> Vec<u8> {
        std::fs::read(self.home.path().join("ca-cert.pem")).unwrap()
    }

    /// The server's TLS certificate (PEM), issued by the CA (so `ca_cert_pem` is its root).
    pub fn tls_cert_pem(&self) -> Vec<u8> {
        assert!(self.options.tls, "this server has no TLS");
        std::fs::read(self.home.path().join("tls-cert.pem")).unwrap()
    }

    /// Its process ID.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Send a signal by name (`STOP`, `CONT`, `KILL`) with kill(1).
    pub fn signal(&self, name: &str) {
        let out = run(Command::new("kill").arg(format!("-{name}")).arg(self.pid().to_string()));
        assert!(out.status.success(), "kill -{name} failed");
    }

    /// Start it again on the same home and port (after [`kill`](Self::kill)).
    pub fn restart(&mut self) {
        self.kill();
        let mut child = start_command(self.home.path(), self.port, self.ops_port, &self.options)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start fabric-ca-server: {e}; {HOW}"));
        assert!(wait_ready(&mut child, self.home.path(), self.port), "the port was taken while the server was down");
        self.child = Some(child);
    }

    /// Kill it now and reap it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Whether the server holds a connection whose request bytes it has not read yet (from
    /// /proc/net/tcp): a request is on its way in.
    pub fn has_unread_request(&self) -> bool {
        let port = format!(":{:04X}", self.port);
        std::fs::read_to_string("/proc/net/tcp").unwrap_or_default().lines().skip(1).any(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            f.len() > 4
                && f[1].ends_with(&port)
                && f[3] == "01"
                && f[4].split(':').nth(1).is_some_and(|rx| rx != "00000000")
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &self.child {
            // A stopped process must be continued to die promptly on some kernels.
            let _ = Command::new("kill").arg("-CONT").arg(child.id().to_string()).output();
        }
        self.kill();
    }
}

/// `fabric-ca-server start` for `home` on these ports.
fn start_command(home: &Path, port: u16, ops_port: u16, options: &ServerOptions) -> Command {
    let mut cmd = Command::new(program("fabric-ca-server"));
    cmd.args(["start", "-b", "admin:adminpw", "--address", "127.0.0.1", "--port", &port.to_string()])
        .arg("--operations.listenaddress")
        .arg(format!("127.0.0.1:{ops_port}"))
        .arg("--home")
        .arg(home)
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(home.join("server.log")).unwrap()));
    if let Some(name) = &options.ca_name {
        cmd.args(["--ca.name", name]);
    }
    if options.allow_remove {
        cmd.args(["--cfg.identities.allowremove", "--cfg.affiliations.allowremove"]);
    }
    if options.tls {
        // The TLS certificate is made at start, from csr.hosts.
        cmd.args(["--tls.enabled", "--csr.hosts", "127.0.0.1,localhost"]);
    }
    if options.client_auth {
        cmd.args(["--tls.clientauth.type", "RequireAndVerifyClientCert", "--tls.clientauth.certfiles"])
            .arg(home.join("ca-cert.pem"));
    }
    for (k, v) in &options.env {
        cmd.env(k, v);
    }
    cmd
}

fn read_log(home: &Path) -> String {
    std::fs::read_to_string(home.join("server.log")).unwrap_or_default()
}

/// Wait until the port accepts connections and the log says it listens; `false` if the
/// process died of a port race.
fn wait_ready(child: &mut Child, home: &Path, port: u16) -> bool {
    let start = Instant::now();
    // A safety net against a hung start, not a measurement.
    while start.elapsed() < Duration::from_secs(120) {
        if let Some(status) = child.try_wait().unwrap() {
            let log = read_log(home);
            if log.contains("address already in use") {
                return false;
            }
            panic!("fabric-ca-server exited ({status}) during start:\n{log}");
        }
        if read_log(home).contains("Listening on") && TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("fabric-ca-server did not listen within 120 s:\n{}", read_log(home));
}

/// Run a command, panicking with how to get the tools when it cannot start.
pub fn run(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}; {HOW}"))
}

/// `fabric-ca-client` with `FABRIC_CA_CLIENT_HOME=home`.
pub fn client(home: &Path) -> Command {
    let mut cmd = Command::new(program("fabric-ca-client"));
    cmd.env("FABRIC_CA_CLIENT_HOME", home);
    cmd
}

/// Run `fabric-ca-client` and insist on success; returns stdout + stderr.
pub fn client_ok(home: &Path, args: &[&str]) -> String {
    let out = run(client(home).args(args));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "fabric-ca-client {args:?} failed ({}):\n{text}", out.status);
    text
}
