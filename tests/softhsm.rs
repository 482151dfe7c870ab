//! A real SoftHSM2 for the PKCS#11 tests: tokens initialised by `softhsm2-util` in a temporary
//! folder of this test process (its own `SOFTHSM2_CONF`), with a few keys made beforehand by
//! `pkcs11-tool` as an operator would. A missing SoftHSM2 or OpenSC is a test failure with the
//! install command, never a skip.
//!
//! SoftHSM2 reads its configuration and its tokens when the module is initialised, once per
//! process, so every token the tests use is made here, before any test loads the module.

use crate::tools::run_ok;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The user PIN of every token.
pub const PIN: &str = "1234";
/// The security officer PIN of every token.
pub const SO_PIN: &str = "5678";
/// The token most tests make keys on.
pub const TOKEN: &str = "wallet";
/// A token used only with wrong PINs (a right login elsewhere would be shared by the process).
pub const PIN_TOKEN: &str = "pins";
/// A token whose user PIN the token reports as locked.
pub const LOCKED_TOKEN: &str = "locked";
/// An EC P-256 key made on [`TOKEN`] by `pkcs11-tool` (id 0xf1f2), as an operator would.
pub const TOOL_EC_LABEL: &str = "made-by-pkcs11-tool";
/// Its `CKA_ID`.
pub const TOOL_EC_ID: &str = "f1f2";
/// An RSA key on [`TOKEN`] (id 0xa1a2): not a key that signs with ECDSA.
pub const TOOL_RSA_LABEL: &str = "rsa-key";
/// Its `CKA_ID`.
pub const TOOL_RSA_ID: &str = "a1a2";

/// The SoftHSM2 of this test process.
#[derive(Debug)]
pub struct SoftHsm {
    /// Its folder (configuration, tokens, PIN files).
    pub dir: PathBuf,
    /// The PKCS#11 module.
    pub module: PathBuf,
}

fn module_path() -> PathBuf {
    if let Some(m) = std::env::var_os("SOFTHSM2_MODULE") {
        return m.into();
    }
    for candidate in ["/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"] {
        if Path::new(candidate).exists() {
            return candidate.into();
        }
    }
    panic!("SoftHSM2 is not installed: `apt-get install -y softhsm2 opensc` (scripts/test.sh does it)")
}

fn tool(name: &str) {
    let ok = Command::new(name).arg("--help").output().is_ok();
    assert!(ok, "{name} is not installed: `apt-get install -y softhsm2 opensc` (scripts/test.sh does it)");
}

/// Set up the tokens (once per process) and point `SOFTHSM2_CONF` at them.
pub fn softhsm() -> &'static SoftHsm {
    static HSM: OnceLock<SoftHsm> = OnceLock::new();
    HSM.get_or_init(|| {
        tool("softhsm2-util");
        tool("pkcs11-tool");
        let module = module_path();
        let dir = tempfile::Builder::new().prefix("softhsm-").tempdir().unwrap().keep();
        std::fs::create_dir_all(dir.join("tokens")).unwrap();
        let conf = dir.join("softhsm2.conf");
        std::fs::write(
            &conf,
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n",
                dir.join("tokens").display()
            ),
        )
        .unwrap();
        // Before any thread of this process loads the module (it reads the variable once).
        std::env::set_var("SOFTHSM2_CONF", &conf);
        for label in [TOKEN, PIN_TOKEN, LOCKED_TOKEN] {
            run_ok(Command::new("softhsm2-util").args([
                "--init-token",
                "--free",
                "--label",
                label,
                "--so-pin",
                SO_PIN,
                "--pin",
                PIN,
            ]));
        }
        let p11 = |args: &[&str]| {
            run_ok(
                Command::new("pkcs11-tool")
                    .args(["--module", module.to_str().unwrap(), "--token-label", TOKEN, "--login", "--pin", PIN])
                    .args(args),
            )
        };
        p11(&["--keypairgen", "--key-type", "EC:prime256v1", "--id", TOOL_EC_ID, "--label", TOOL_EC_LABEL]);
        p11(&["--keypairgen", "--key-type", "rsa:2048", "--id", TOOL_RSA_ID, "--label", TOOL_RSA_LABEL]);
        mark_user_pin_locked(&dir.join("tokens"), LOCKED_TOKEN);
        std::fs::write(dir.join("pin"), format!("{PIN}\n")).unwrap();
        std::fs::write(dir.join("wrong-pin"), "9999\n").unwrap();
        SoftHsm { dir, module }
    })
}

/// Set `CKF_USER_PIN_LOCKED` in the flags SoftHSM2 keeps in the token's file (what a token
/// that counted too many wrong PINs reports; SoftHSM2 itself never locks a PIN).
fn mark_user_pin_locked(tokens: &Path, label: &str) {
    // The flags attribute (CKA_VENDOR_DEFINED + 0x5348 + 3), a CK_ULONG: type, kind 2, value.
    let tag: [u8; 16] = [0, 0, 0, 0, 0x80, 0, 0x53, 0x4b, 0, 0, 0, 0, 0, 0, 0, 2];
    let padded = format!("{label:<32}");
    for entry in std::fs::read_dir(tokens).unwrap() {
        let file = entry.unwrap().path().join("token.object");
        let mut bytes = std::fs::read(&file).unwrap();
        if !bytes.windows(32).any(|w| w == padded.as_bytes()) {
            continue;
        }
        let at = bytes.windows(16).position(|w| w == tag).expect("the token file holds its flags") + 16;
        let mut flags = u64::from_be_bytes(bytes[at..at + 8].try_into().unwrap());
        flags |= 0x0004_0000; // CKF_USER_PIN_LOCKED
        bytes[at..at + 8].copy_from_slice(&flags.to_be_bytes());
        std::fs::write(&file, bytes).unwrap();
        return;
    }
    panic!("no SoftHSM2 token labelled {label}");
}

impl SoftHsm {
    /// A key spec for `token` with extra path attributes (`;object=…`), the module, and the
    /// PIN from the file holding the right PIN.
    pub fn spec(&self, token: &str, path: &str) -> String {
        self.spec_with_pin(token, path, "pin")
    }

    /// The same, with the PIN from the file `pin_file` of [`SoftHsm::dir`].
    pub fn spec_with_pin(&self, token: &str, path: &str, pin_file: &str) -> String {
        format!(
            "pkcs11:token={token}{path}?module-path={}&pin-source=file:{}",
            self.module.display(),
            self.dir.join(pin_file).display()
        )
    }

    /// Run `pkcs11-tool` on [`TOKEN`], logged in; returns stdout.
    pub fn tool(&self, args: &[&str]) -> String {
        String::from_utf8(run_ok(
            Command::new("pkcs11-tool")
                .args(["--module", self.module.to_str().unwrap(), "--token-label", TOKEN, "--login", "--pin", PIN])
                .args(args),
        ))
        .unwrap()
    }
}
