//! The CLI on the real OS keychain (ignored unless run by `tests/keychain/run.sh`, which starts
//! a Secret Service and a fresh kernel session keyring; there they must pass, never skip).
//! Every command is a new process, so "opens without a passphrase" means a new process did.

use assert_cmd::Command;
use std::path::Path;

const PASS: &str = "correct horse battery staple";

fn wallet(wallet: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wallet"));
    for var in ["WALLET_URI", "WALLET_PASSPHRASE", "WALLET_NEW_PASSPHRASE", "WALLET_KDF_PARAMS"] {
        cmd.env_remove(var);
    }
    cmd.env("WALLET_KDF_PARAMS", "19456,2,1").args(["--wallet", wallet]);
    cmd
}

fn id_file() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/fabric-network-2.2.20/wallet/appUser.id")
}

fn stdout(cmd: &mut Command) -> String {
    String::from_utf8(cmd.assert().success().get_output().stdout.clone()).unwrap()
}

#[test]
#[ignore = "needs a real keychain: tests/keychain/run.sh starts one"]
fn a_keychain_unlocked_wallet_opens_without_a_passphrase_and_switches_both_ways() {
    for unlock in ["keychain", "keychain:secret-service", "keychain:keyutils"] {
        let tmp = tempfile::tempdir().unwrap();
        let w = tmp.path().join("w").display().to_string();
        wallet(&w).args(["init", "--unlock", unlock]).assert().success();
        wallet(&w).arg("import").arg(id_file()).assert().success();
        // A new process, no passphrase anywhere: the keychain unlocks it.
        assert!(stdout(wallet(&w).arg("list")).contains("appUser"), "{unlock}");
        stdout(wallet(&w).args(["sign", "appUser"]).write_stdin("proposal"));

        // To a passphrase: from now on it needs one, and the records are the same.
        wallet(&w).args(["passwd", "--unlock", "passphrase"]).env("WALLET_NEW_PASSPHRASE", PASS).assert().success();
        wallet(&w).arg("list").assert().code(4);
        assert!(stdout(wallet(&w).arg("list").env("WALLET_PASSPHRASE", PASS)).contains("appUser"));
        wallet(&w).arg("list").env("WALLET_PASSPHRASE", "wrong").assert().code(4);

        // And back to the keychain (the passphrase opens it one last time).
        wallet(&w).args(["passwd", "--unlock", unlock]).env("WALLET_PASSPHRASE", PASS).assert().success();
        assert!(stdout(wallet(&w).arg("list")).contains("appUser"));
        stdout(wallet(&w).args(["sign", "appUser"]).write_stdin("proposal"));
    }
}

#[test]
#[ignore = "needs a real keychain: tests/keychain/run.sh starts one"]
fn a_deleted_unlock_entry_is_reported_with_the_way_out() {
    let tmp = tempfile::tempdir().unwrap();
    let w = tmp.path().join("w").display().to_string();
    wallet(&w).args(["init", "--unlock", "keychain:secret-service"]).assert().success();
    let cleared = std::process::Command::new("secret-tool")
        .args(["clear", "service", "fabric-wallet file-unlock"])
        .status()
        .unwrap();
    assert!(cleared.success());
    let out = wallet(&w).arg("list").assert().failure().get_output().stderr.clone();
    let err = String::from_utf8(out).unwrap();
    assert!(err.contains("is gone") && err.contains("backup"), "{err}");
}

#[test]
#[ignore = "needs a real keychain: tests/keychain/run.sh starts one"]
fn keychain_wallets_import_sign_run_the_ca_and_repair() {
    for store in ["secret-service", "keyutils"] {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("companion");
        let w = format!("keychain:cli-{store}?store={store}&dir={}", dir.display());
        wallet(&w).arg("init").assert().success();
        wallet(&w).arg("import").arg(id_file()).assert().success();
        // The embedded CA: bootstrap, register, enrol and sign, on the keychain backend.
        wallet(&w).arg("quickstart").assert().success();
        let listed = stdout(wallet(&w).arg("list"));
        for label in ["appUser", "admin", "user1"] {
            assert!(listed.contains(label), "{store}: {listed}");
        }
        stdout(wallet(&w).args(["sign", "user1"]).write_stdin("proposal"));
        // The companion folder holds no private key in the clear.
        for entry in walk(&dir) {
            let text = std::fs::read(&entry).unwrap();
            assert!(!String::from_utf8_lossy(&text).contains("PRIVATE KEY"), "{}", entry.display());
        }
        let report = stdout(wallet(&w).args(["--output", "json", "repair"]));
        assert!(report.contains("\"unreadable\": []"), "{report}");
        wallet(&w).args(["remove", "appUser", "--force"]).assert().success();
        assert!(!stdout(wallet(&w).arg("list")).contains("appUser"));
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
#[ignore = "needs a real keychain: tests/keychain/run.sh starts one"]
fn an_identity_whose_entry_was_deleted_is_named_by_show_and_repair() {
    let tmp = tempfile::tempdir().unwrap();
    let w = format!("keychain:cli-gone?store=secret-service&dir={}", tmp.path().join("c").display());
    wallet(&w).arg("init").assert().success();
    wallet(&w).arg("import").arg(id_file()).assert().success();
    let meta: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("c/keychain-wallet.json")).unwrap()).unwrap();
    let service = format!("fabric-wallet cli-gone {}", meta["wallet_id"].as_str().unwrap());
    assert!(std::process::Command::new("secret-tool").args(["clear", "service", &service]).status().unwrap().success());
    let err =
        String::from_utf8(wallet(&w).args(["show", "appUser"]).assert().failure().get_output().stderr.clone()).unwrap();
    assert!(err.contains("is gone") && err.contains("wallet remove"), "{err}");
    let repair = wallet(&w).arg("repair").assert().code(1).get_output().stderr.clone();
    assert!(String::from_utf8(repair).unwrap().contains("appUser"));
    wallet(&w).args(["remove", "appUser", "--force"]).assert().success();
    assert!(!stdout(wallet(&w).arg("list")).contains("appUser"));
}
