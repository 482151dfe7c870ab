//! init, list, passwd, remove, rename, and the passphrase rules.

use crate::common::*;
use predicates::prelude::*;

#[test]
fn init_then_list_is_empty_then_shows_imports() {
    let w = TestWallet::new();
    assert!(w.path.is_dir());
    assert_eq!(w.ok(["list"]), "");
    assert!(w.labels().is_empty());
    w.import_id("appUser");
    w.import_id("admin");
    assert_eq!(w.ok(["list"]), "admin\nappUser\n");
    assert_eq!(w.labels(), ["admin", "appUser"]);
}

#[test]
fn init_twice_is_refused_and_keeps_the_wallet() {
    let w = TestWallet::new();
    w.import_id("appUser");
    w.cmd().env("WALLET_KDF_PARAMS", FAST_KDF).arg("init").assert().code(5).stderr(
        predicate::str::contains("already exists").and(predicate::str::contains("hint: open the existing wallet")),
    );
    // Refused before any passphrase is needed.
    w.bare_cmd().arg("init").assert().code(5);
    assert_eq!(w.labels(), ["appUser"]);
}

#[test]
#[cfg(unix)]
fn wallet_folder_is_private() {
    let w = TestWallet::new();
    assert_eq!(mode(&w.path) & 0o077, 0, "wallet folder readable by others");
    w.import_id("appUser");
    for entry in walk(&w.path) {
        if entry.is_file() {
            assert_eq!(mode(&entry) & 0o077, 0, "{} readable by others", entry.display());
        }
    }
}

#[cfg(unix)]
fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

#[test]
fn missing_passphrase_without_terminal_is_a_clear_error() {
    let w = TestWallet::new();
    w.bare_cmd().arg("list").assert().code(4).stderr(
        predicate::str::contains("needs a passphrase and none was given")
            .and(predicate::str::contains("hint: set WALLET_PASSPHRASE, pass --passphrase-file FILE")),
    );
    let fresh = TestWallet::uninitialised();
    fresh.bare_cmd().arg("init").assert().code(4).stderr(predicate::str::contains("hint: set WALLET_PASSPHRASE"));
    assert!(!fresh.path.exists(), "init without a passphrase creates nothing");
}

#[test]
fn passphrase_file_opens_the_wallet() {
    let w = TestWallet::new();
    w.import_id("appUser");
    let file = w.tmp("pass.txt");
    std::fs::write(&file, format!("{PASSPHRASE}\n")).unwrap();
    w.bare_cmd().arg("--passphrase-file").arg(&file).arg("list").assert().success().stdout("appUser\n");
    // The file wins over the environment.
    w.bare_cmd()
        .env("WALLET_PASSPHRASE", "not the passphrase")
        .arg("--passphrase-file")
        .arg(&file)
        .arg("list")
        .assert()
        .success();
}

#[test]
fn wrong_passphrase_is_refused_and_changes_nothing() {
    let w = TestWallet::new();
    w.import_id("appUser");
    w.import_id("admin");
    let before = w.ok(["list", "--long"]);
    let wrong = |args: &[&str]| {
        w.bare_cmd().env("WALLET_PASSPHRASE", "wrong passphrase").args(args).assert().code(4).stderr(
            predicate::str::contains("error: wrong passphrase").and(predicate::str::contains("nothing was changed")),
        );
    };
    wrong(&["list"]);
    wrong(&["import", id_file("nodeSec1").to_str().unwrap()]);
    wrong(&["remove", "appUser", "--force"]);
    wrong(&["rename", "appUser", "other"]);
    wrong(&["sign", "appUser", "--in", id_file("admin").to_str().unwrap()]);
    wrong(&["passwd"]);
    assert_eq!(w.ok(["list", "--long"]), before);
}

#[test]
fn passwd_replaces_the_passphrase() {
    let w = TestWallet::new();
    w.import_id("appUser");
    w.cmd()
        .env("WALLET_NEW_PASSPHRASE", "a brand new passphrase")
        .arg("passwd")
        .assert()
        .success()
        .stdout(predicate::str::contains("changed the passphrase"));
    w.cmd().arg("list").assert().code(4).stderr(predicate::str::contains("wrong passphrase"));
    w.bare_cmd().env("WALLET_PASSPHRASE", "a brand new passphrase").arg("list").assert().success().stdout("appUser\n");
    // And back, with the new passphrase from a file.
    let file = w.tmp("new.txt");
    std::fs::write(&file, format!("{PASSPHRASE}\r\n")).unwrap();
    w.bare_cmd()
        .env("WALLET_PASSPHRASE", "a brand new passphrase")
        .arg("passwd")
        .arg("--new-passphrase-file")
        .arg(&file)
        .assert()
        .success();
    assert_eq!(w.labels(), ["appUser"]);
    // The identity still signs after two re-wraps.
    w.cmd().args(["sign", "appUser"]).write_stdin("hello").assert().success();
}

#[test]
fn passwd_without_a_new_passphrase_is_refused() {
    let w = TestWallet::new();
    w.cmd().arg("passwd").assert().code(4).stderr(
        predicate::str::contains("no new passphrase given")
            .and(predicate::str::contains("hint: set WALLET_NEW_PASSPHRASE, pass --new-passphrase-file FILE")),
    );
    w.cmd().arg("list").assert().success();
}

#[test]
fn remove_needs_force_without_a_terminal() {
    let w = TestWallet::new();
    w.import_id("appUser");
    w.cmd()
        .args(["remove", "appUser"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("without confirmation").and(predicate::str::contains("hint: pass --force")));
    assert_eq!(w.labels(), ["appUser"]);
    w.cmd().args(["remove", "appUser", "--force"]).assert().success().stdout("removed appUser\n");
    assert!(w.labels().is_empty());
}

#[test]
fn remove_of_a_missing_label_exits_3() {
    let w = TestWallet::new();
    w.cmd()
        .args(["remove", "ghost", "--force"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no identity named \"ghost\""));
}

#[test]
fn rename_moves_the_identity() {
    let w = TestWallet::new();
    w.import_id("appUser");
    let before = w.json(["show", "appUser"]);
    w.cmd().args(["rename", "appUser", "alice"]).assert().success().stdout("renamed appUser to alice\n");
    assert_eq!(w.labels(), ["alice"]);
    let after = w.json(["show", "alice"]);
    assert_eq!(before["certificate"], after["certificate"]);
    assert_eq!(before["key"], after["key"]);
}

#[test]
fn rename_onto_an_existing_label_needs_force() {
    let w = TestWallet::new();
    w.import_id("appUser");
    w.import_id("admin");
    w.cmd()
        .args(["rename", "appUser", "admin"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("already exists").and(predicate::str::contains("--force")));
    assert_eq!(w.labels(), ["admin", "appUser"]);
    let app_serial = w.json(["show", "appUser"])["certificate"]["serial"].clone();
    w.cmd().args(["rename", "appUser", "admin", "--force"]).assert().success();
    assert_eq!(w.labels(), ["admin"]);
    assert_eq!(w.json(["show", "admin"])["certificate"]["serial"], app_serial);
}

#[test]
fn rename_to_a_bad_label_is_refused() {
    let w = TestWallet::new();
    w.import_id("appUser");
    for bad in ["a/b", "tab\there", "new\nline", "..", " lead"] {
        w.cmd().args(["rename", "appUser", bad]).assert().code(1).stderr(
            predicate::str::contains("error: invalid label")
                .and(predicate::str::contains("hint: use a label of 1 to 252 bytes")),
        );
    }
    assert_eq!(w.labels(), ["appUser"]);
}

#[test]
fn list_long_shows_msp_enrollment_and_expiry() {
    let w = TestWallet::new();
    w.import_id("admin");
    w.cmd().args(["import"]).arg(msp_dir("user2")).args(["--msp-id", "Org1MSP", "--label", "user2"]).assert().success();
    let text = w.ok(["list", "--long"]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("LABEL") && lines[0].contains("EXPIRES"), "{text}");
    assert!(
        lines[1].starts_with("admin ") && lines[1].contains("Org1MSP") && lines[1].contains("2027-11-23T21:55:00Z"),
        "{text}"
    );
    assert!(lines[2].starts_with("user2 ") && lines[2].contains(" user2 "), "{text}");
    let rows = w.json(["list", "--long"]);
    assert_eq!(rows[1]["label"], "user2");
    assert_eq!(rows[1]["msp_id"], "Org1MSP");
    assert_eq!(rows[1]["enrollment_id"], "user2");
    assert_eq!(rows[1]["validity"]["not_after"], "2027-11-23T21:52:00Z");
}

#[test]
fn repair_rebuilds_a_damaged_index() {
    let w = TestWallet::new();
    w.import_id("admin");
    w.import_id("nodeSec1");
    let index = w.path.join("wallet.index");
    assert!(index.is_file(), "the file wallet keeps its index in wallet.index");
    std::fs::write(&index, b"garbage").unwrap();
    w.cmd().arg("list").assert().code(1).stderr(
        predicate::str::contains("integrity check failed").and(predicate::str::contains("run `wallet repair`")),
    );
    w.cmd().arg("repair").assert().success().stdout(predicate::str::ends_with(": 2 records\n"));
    assert_eq!(w.labels(), ["admin", "nodeSec1"]);
    w.cmd().args(["sign", "nodeSec1"]).write_stdin("still usable").assert().success();
    let report = w.json(["repair"]);
    assert_eq!(report["indexed"], 2);
    assert_eq!(report["unreadable"], serde_json::json!([]));
}

#[test]
fn repair_needs_the_passphrase_and_a_file_wallet() {
    let w = TestWallet::new();
    w.bare_cmd().env("WALLET_PASSPHRASE", "wrong").arg("repair").assert().code(4);
    w.bare_cmd().arg("repair").assert().code(4).stderr(predicate::str::contains("needs a passphrase"));
    let home = tempfile::tempdir().unwrap();
    wallet_bin(home.path()).args(["--wallet", "memory:", "repair"]).assert().code(2);
    TestWallet::uninitialised().cmd().arg("repair").assert().code(3).stderr(predicate::str::contains("no wallet at"));
}
