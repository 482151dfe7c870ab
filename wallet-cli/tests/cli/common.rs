//! Helpers: a test wallet in a temporary folder, fixture paths, and the real openssl CLI.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The passphrase of every test wallet.
pub const PASSPHRASE: &str = "correct horse battery staple";
/// OWASP's minimum Argon2id cost: the cheapest the CLI accepts, to keep tests quick.
pub const FAST_KDF: &str = "19456,2,1";

/// Recorded outputs of the real Fabric tools.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// The Node SDK wallet folder.
pub fn sdk_wallet() -> PathBuf {
    fixtures().join("fabric-network-2.2.20/wallet")
}

/// One `.id` file of the SDK wallet.
pub fn id_file(label: &str) -> PathBuf {
    sdk_wallet().join(format!("{label}.id"))
}

/// An MSP folder written by fabric-ca-client (`admin` or `user2`).
pub fn msp_dir(name: &str) -> PathBuf {
    fixtures().join(format!("fabric-ca-1.5.21/msp-{name}"))
}

/// The `.id` files the SDK accepts (every file but badtype and badver), by label.
pub fn good_sdk_labels() -> Vec<String> {
    let mut labels: Vec<String> = std::fs::read_dir(sdk_wallet())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "id"))
        .map(|p| p.file_stem().unwrap().to_str().unwrap().to_owned())
        .filter(|l| l != "badtype" && l != "badver")
        .collect();
    labels.sort();
    assert!(labels.len() >= 5, "fixture wallet is incomplete: {labels:?}");
    labels
}

/// The `wallet` binary with none of the caller's wallet settings.
pub fn wallet_bin(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wallet"));
    for var in ["WALLET_URI", "WALLET_PASSPHRASE", "WALLET_NEW_PASSPHRASE", "WALLET_KDF_PARAMS", "XDG_DATA_HOME"] {
        cmd.env_remove(var);
    }
    cmd.env("HOME", home);
    cmd
}

/// A file wallet in a temporary folder.
pub struct TestWallet {
    pub dir: TempDir,
    pub path: PathBuf,
}

impl TestWallet {
    /// A created, empty wallet.
    pub fn new() -> Self {
        let w = Self::uninitialised();
        w.cmd().env("WALLET_KDF_PARAMS", FAST_KDF).arg("init").assert().success();
        w
    }

    /// A location where no wallet exists yet.
    pub fn uninitialised() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet");
        Self { dir, path }
    }

    /// A path inside the temporary folder (beside the wallet).
    pub fn tmp(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `wallet --wallet <path>` with no passphrase source.
    pub fn bare_cmd(&self) -> Command {
        let mut cmd = wallet_bin(self.dir.path());
        cmd.arg("--wallet").arg(&self.path);
        cmd
    }

    /// `wallet --wallet <path>` with the passphrase in WALLET_PASSPHRASE.
    pub fn cmd(&self) -> Command {
        let mut cmd = self.bare_cmd();
        cmd.env("WALLET_PASSPHRASE", PASSPHRASE);
        cmd
    }

    /// Run a command that must succeed; returns its stdout.
    pub fn ok<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let out = self.cmd().args(args).assert().success().get_output().stdout.clone();
        String::from_utf8(out).unwrap()
    }

    /// Run a command that must succeed; returns its stdout parsed as JSON.
    pub fn json<I, S>(&self, args: I) -> serde_json::Value
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut cmd = self.cmd();
        cmd.arg("--output").arg("json").args(args);
        let out = cmd.assert().success().get_output().stdout.clone();
        serde_json::from_slice(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out)))
    }

    /// Import a PEM certificate and key under `label` (MSP ID Org1MSP); must succeed.
    pub fn import_pem(&self, cert: &Path, key: &Path, label: &str) {
        self.cmd()
            .arg("import")
            .arg("--cert")
            .arg(cert)
            .arg("--key")
            .arg(key)
            .args(["--msp-id", "Org1MSP", "--label", label])
            .assert()
            .success();
    }

    /// The labels, from `wallet list --output json`.
    pub fn labels(&self) -> Vec<String> {
        serde_json::from_value(self.json(["list"])).unwrap()
    }

    /// Import one `.id` fixture under its own label.
    pub fn import_id(&self, label: &str) {
        self.cmd().arg("import").arg(id_file(label)).assert().success();
    }
}

/// Run the real openssl CLI; panics with its stderr on failure.
pub fn openssl(args: &[&str], dir: &Path) -> Vec<u8> {
    let out = std::process::Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the openssl CLI must be installed for these tests");
    assert!(out.status.success(), "openssl {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

/// A self-signed P-256 certificate valid from `start` to `end` (`YYYYMMDDHHMMSSZ`), made by
/// `openssl ca`; returns (certificate path, key path).
pub fn openssl_cert(dir: &Path, cn: &str, start: &str, end: &str) -> (PathBuf, PathBuf) {
    let ca = dir.join(format!("ca-{cn}"));
    std::fs::create_dir_all(&ca).unwrap();
    std::fs::write(ca.join("index.txt"), "").unwrap();
    std::fs::write(ca.join("serial"), "1001\n").unwrap();
    std::fs::write(
        ca.join("ca.cnf"),
        "[ca]\ndefault_ca = ca_default\n[ca_default]\ndatabase = index.txt\nnew_certs_dir = .\nserial = serial\n\
         policy = policy_any\ndefault_md = sha256\n[policy_any]\ncommonName = supplied\n",
    )
    .unwrap();
    let subj = format!("/CN={cn}");
    openssl(
        &[
            "req",
            "-new",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-subj",
            &subj,
            "-keyout",
            "key.pem",
            "-out",
            "req.csr",
        ],
        &ca,
    );
    openssl(
        &[
            "ca",
            "-batch",
            "-notext",
            "-selfsign",
            "-keyfile",
            "key.pem",
            "-in",
            "req.csr",
            "-startdate",
            start,
            "-enddate",
            end,
            "-config",
            "ca.cnf",
            "-out",
            "cert.pem",
        ],
        &ca,
    );
    (ca.join("cert.pem"), ca.join("key.pem"))
}

/// The SHA-256 of a certificate's EC point, computed by openssl (Fabric's keystore key ID).
pub fn openssl_keystore_id(cert_pem: &Path, dir: &Path) -> String {
    let pubkey = dir.join("pubkey.pem");
    openssl(&["x509", "-in", cert_pem.to_str().unwrap(), "-noout", "-pubkey", "-out", pubkey.to_str().unwrap()], dir);
    let spki = openssl(&["ec", "-pubin", "-in", pubkey.to_str().unwrap(), "-outform", "DER"], dir);
    let point = &spki[spki.len() - 65..];
    assert_eq!(point[0], 4, "expected an uncompressed point");
    std::fs::write(dir.join("point.bin"), point).unwrap();
    let out = String::from_utf8(openssl(&["dgst", "-sha256", "-r", "point.bin"], dir)).unwrap();
    out.split_whitespace().next().unwrap().to_owned()
}

/// File mode bits (Unix).
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Stderr of an assertion as text.
pub fn stderr(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

/// Stdout of an assertion as text.
pub fn stdout(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stdout).into_owned()
}

/// `wallet sign LABEL [extra…] --in MSG --out SIG`, which must succeed.
pub fn sign_file(w: &TestWallet, label: &str, msg: &Path, sig: &Path, extra: &[&str]) {
    w.cmd().args(["sign", label]).args(extra).arg("--in").arg(msg).arg("--out").arg(sig).assert().success();
}

/// `wallet verify LABEL [extra…] --signature SIG --in MSG`, to run and assert on.
pub fn verify_cmd(w: &TestWallet, label: &str, sig: &Path, msg: &Path, extra: &[&str]) -> Command {
    let mut cmd = w.cmd();
    cmd.args(["verify", label]).args(extra).arg("--signature").arg(sig).arg("--in").arg(msg);
    cmd
}
