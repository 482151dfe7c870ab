//! The `wallet` binary with keys that never leave their home: a CA whose key is on a real
//! SoftHSM2 token, a user enrolled with its key in a real OpenBao's Transit engine and one on
//! the token, signing as both (checked by `openssl`), export refused naming where the key lives,
//! a certificate imported with its token key, and the errors a person sees (wrong PIN, token
//! absent, Transit key of the wrong type).

#[path = "../../tests/vault/harness.rs"]
mod harness;

use assert_cmd::Command;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

struct Setup {
    dir: tempfile::TempDir,
    wallet: String,
    conf: PathBuf,
    transit: String,
    dev: &'static harness::DevServer,
}

fn setup() -> Setup {
    assert!(Path::new(MODULE).exists(), "SoftHSM2 is not installed: `apt-get install -y softhsm2 opensc`");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tokens")).unwrap();
    let conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            dir.path().join("tokens").display()
        ),
    )
    .unwrap();
    let out = std::process::Command::new("softhsm2-util")
        .env("SOFTHSM2_CONF", &conf)
        .args(["--init-token", "--free", "--label", "cli", "--so-pin", "5678", "--pin", "1234"])
        .output()
        .expect("softhsm2-util (apt-get install softhsm2)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(dir.path().join("pin"), "1234\n").unwrap();
    std::fs::write(dir.path().join("wrong-pin"), "0000\n").unwrap();
    let dev = harness::shared_dev();
    let (status, body) = dev.admin("POST", "sys/mounts/transit", Some(serde_json::json!({"type": "transit"})));
    assert!(status == 204 || status == 400, "{body}");
    let wallet = format!("file:{}", dir.path().join("w").display());
    let transit = format!("server={}", dev.origin());
    Setup { dir, wallet, conf, transit, dev }
}

impl Setup {
    fn wallet(&self) -> Command {
        let mut cmd = Command::cargo_bin("wallet").unwrap();
        cmd.env("WALLET_PASSPHRASE", "correct horse battery staple")
            .env("WALLET_KDF_PARAMS", "19456,2,1")
            .env("SOFTHSM2_CONF", &self.conf)
            .env("VAULT_TOKEN", harness::ROOT_TOKEN)
            .env_remove("WALLET_KEY_STORE")
            .env_remove("WALLET_PKCS11_PIN")
            .current_dir(self.dir.path())
            .args(["--wallet", &self.wallet]);
        cmd
    }

    fn hsm(&self, path: &str, pin: &str) -> String {
        format!("pkcs11:token=cli{path}?module-path={MODULE}&pin-source=file:{}", self.dir.path().join(pin).display())
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn openssl_verifies(&self, label: &str) {
        let cert =
            self.wallet().args(["export", label, "--format", "cert"]).assert().success().get_output().stdout.clone();
        std::fs::write(self.file("cert.pem"), cert).unwrap();
        std::fs::write(self.file("msg"), format!("a proposal signed by {label}")).unwrap();
        self.wallet().args(["sign", label, "--in", "msg", "--out-format", "der", "--out", "sig"]).assert().success();
        let pubkey = std::process::Command::new("openssl")
            .current_dir(self.dir.path())
            .args(["x509", "-in", "cert.pem", "-pubkey", "-noout", "-out", "pub.pem"])
            .status()
            .unwrap();
        assert!(pubkey.success());
        let out = std::process::Command::new("openssl")
            .current_dir(self.dir.path())
            .args(["dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig", "msg"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_ca_on_the_token_enrols_transit_and_hsm_identities_that_sign_like_local_ones() {
    let s = setup();
    s.wallet().arg("init").assert().success();
    s.wallet()
        .args(["ca", "init", "hsm-ca", "--msp-id", "Org1MSP", "--key", &s.hsm("", "pin")])
        .assert()
        .success()
        .stdout(predicate::str::contains("created CA hsm-ca"));
    // The CA key is on the token, labelled with the CA's name.
    let listing = std::process::Command::new("pkcs11-tool")
        .env("SOFTHSM2_CONF", &s.conf)
        .args([
            "--module",
            MODULE,
            "--token-label",
            "cli",
            "--login",
            "--pin",
            "1234",
            "--list-objects",
            "--type",
            "privkey",
        ])
        .output()
        .expect("pkcs11-tool (apt-get install opensc)");
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert!(listing.contains("label:      hsm-ca"), "{listing}");

    for (user, key) in [("tuser", format!("transit:cli-tuser?{}", s.transit)), ("huser", s.hsm("", "pin"))] {
        let secret = s
            .wallet()
            .args(["ca", "register", user, "--type", "client"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        std::fs::write(s.file(&format!("{user}.secret")), secret).unwrap();
        s.wallet()
            .args(["ca", "enroll", user, "--secret-file", &format!("{user}.secret"), "--key", &key])
            .assert()
            .success();
        s.openssl_verifies(user);
        // The private key cannot be exported; the message says where it is.
        let scheme = key.split(':').next().unwrap();
        s.wallet()
            .args(["export", user, "--format", "pem", "--insecure", "--out", &format!("{user}-out")])
            .assert()
            .failure()
            .stderr(predicate::str::contains("cannot be exported").and(predicate::str::contains(format!("{scheme}:"))));
    }
    let (status, body) = s.dev.admin("GET", "transit/keys/cli-tuser", None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["exportable"], false);

    // The token's key of huser, imported again under another label with its certificate.
    let cert = s.wallet().args(["export", "huser", "--format", "cert"]).assert().success().get_output().stdout.clone();
    std::fs::write(s.file("huser.pem"), cert).unwrap();
    s.wallet()
        .args([
            "import",
            "--cert",
            "huser.pem",
            "--key-ref",
            &s.hsm(";object=huser", "pin"),
            "--msp-id",
            "Org1MSP",
            "--label",
            "huser2",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("pkcs11:"));
    s.openssl_verifies("huser2");
}

#[test]
fn errors_say_what_is_wrong_with_the_token_or_the_transit_key() {
    let s = setup();
    s.wallet().arg("init").assert().success();
    s.wallet()
        .args(["ca", "init", "ca", "--msp-id", "Org1MSP", "--key", &s.hsm("", "wrong-pin")])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("PIN for token \"cli\" was refused")
                .and(predicate::str::contains("WALLET_PKCS11_PIN")),
        );
    s.wallet()
        .args([
            "ca",
            "init",
            "ca",
            "--msp-id",
            "Org1MSP",
            "--key",
            &s.hsm("", "pin").replace("token=cli", "token=gone"),
        ])
        .assert()
        .failure()
        .stderr(predicate::str::contains("\"gone\"").and(predicate::str::contains("\"cli\"")));
    s.dev.admin("POST", "transit/keys/cli-rsa", Some(serde_json::json!({"type": "rsa-2048"})));
    s.wallet()
        .args(["ca", "init", "ca", "--msp-id", "Org1MSP", "--key", &format!("transit:cli-rsa?{}", s.transit)])
        .assert()
        .failure()
        .stderr(predicate::str::contains("rsa-2048").and(predicate::str::contains("ecdsa-p256")));
    // Nothing was left half made: the CA can still be created.
    s.wallet().args(["ca", "init", "ca", "--msp-id", "Org1MSP"]).assert().success();
}
