//! wallet import: every fixture, refusals with their reasons, duplicates, labels.

use crate::common::*;
use predicates::prelude::*;

#[test]
fn imports_each_sdk_id_file() {
    let w = TestWallet::new();
    let labels = good_sdk_labels();
    for label in &labels {
        w.cmd()
            .arg("import")
            .arg(id_file(label))
            .assert()
            .success()
            .stdout(predicate::str::starts_with(format!("imported {label} from ")));
    }
    assert_eq!(w.labels(), labels);
    for label in &labels {
        assert_eq!(w.json(["show", label])["msp_id"], "Org1MSP");
    }
}

#[test]
fn imports_both_msp_folders() {
    let w = TestWallet::new();
    for (name, label) in [("admin", "ca-admin"), ("user2", "user2")] {
        w.cmd()
            .arg("import")
            .arg(msp_dir(name))
            .args(["--msp-id", "Org1MSP", "--label", label])
            .assert()
            .success()
            .stdout(predicate::str::starts_with(format!("imported {label} from ")));
    }
    assert_eq!(w.labels(), ["ca-admin", "user2"]);
    // user2's keystore holds two keys; the one that matches signcerts/cert.pem was chosen.
    let keystore_id = w.json(["show", "user2"])["key"]["keystore_id"].as_str().unwrap().to_owned();
    assert!(msp_dir("user2").join("keystore").join(format!("{keystore_id}_sk")).is_file());
    let expected = openssl_keystore_id(&msp_dir("user2").join("signcerts/cert.pem"), w.dir.path());
    assert_eq!(keystore_id, expected);
}

#[test]
fn msp_folder_needs_msp_id_and_label() {
    let w = TestWallet::new();
    w.cmd()
        .arg("import")
        .arg(msp_dir("user2"))
        .args(["--label", "user2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs --label and --msp-id").and(predicate::str::contains("hint: ")));
    w.cmd().arg("import").arg(msp_dir("user2")).args(["--msp-id", "Org1MSP"]).assert().code(2);
    assert!(w.labels().is_empty());
}

#[test]
fn hsm_identity_is_refused_with_the_reason() {
    let w = TestWallet::new();
    w.cmd()
        .arg("import")
        .arg(id_file("badtype"))
        .assert()
        .failure()
        .stderr(predicate::str::starts_with("error: ").and(predicate::str::contains("HSM")));
    assert!(w.labels().is_empty());
}

#[test]
fn unsupported_id_version_is_refused_with_the_reason() {
    let w = TestWallet::new();
    w.cmd().arg("import").arg(id_file("badver")).assert().failure().stderr(
        predicate::str::starts_with("error: ")
            .and(predicate::str::contains("version"))
            .and(predicate::str::contains("2")),
    );
    assert!(w.labels().is_empty());
}

#[test]
fn sdk_wallet_folder_reports_each_file_and_fails_on_refusals() {
    let w = TestWallet::new();
    let assert = w.cmd().arg("import").arg(sdk_wallet()).assert().code(1);
    let (out, err) = (stdout(&assert), stderr(&assert));
    for label in good_sdk_labels() {
        assert!(out.contains(&format!("imported {label} from ")), "{label} not reported:\n{out}");
    }
    assert!(err.contains("refused ") && err.contains("badtype.id: ") && err.contains("HSM"), "{err}");
    assert!(err.contains("badver.id: ") && err.contains("version"), "{err}");
    assert!(err.contains("error: 2 of ") && err.contains("identities were refused"), "{err}");
    assert_eq!(w.labels(), good_sdk_labels());
}

#[test]
fn sdk_wallet_folder_report_as_json() {
    let w = TestWallet::new();
    let assert = w.cmd().args(["--output", "json", "import"]).arg(sdk_wallet()).assert().code(1);
    let report: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    let entries = report.as_array().unwrap();
    assert_eq!(entries.len(), good_sdk_labels().len() + 2);
    for e in entries {
        let label = e["label"].as_str().unwrap();
        if label == "badtype" || label == "badver" {
            assert_eq!(e["status"], "refused");
            assert!(e["error"].as_str().unwrap().len() > 10);
        } else {
            assert_eq!(e["status"], "imported", "{e}");
        }
    }
}

#[test]
fn duplicate_label_is_refused_unless_forced() {
    let w = TestWallet::new();
    w.import_id("nodePkcs8");
    w.cmd().arg("import").arg(id_file("nodeSec1")).args(["--label", "nodePkcs8"]).assert().code(5).stderr(
        predicate::str::contains("already exists")
            .and(predicate::str::contains("hint: choose another label, or pass --force")),
    );
    let before = w.json(["show", "nodePkcs8"]);
    w.cmd()
        .arg("import")
        .arg(id_file("appUser"))
        .args(["--label", "nodePkcs8", "--force"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("replaced nodePkcs8 from "));
    let after = w.json(["show", "nodePkcs8"]);
    assert_ne!(before["key"]["keystore_id"], after["key"]["keystore_id"]);
    assert_eq!(before["fabric"]["enrollment_id"], "nodeCryptoUser");
    assert_eq!(after["fabric"]["enrollment_id"], "appUser");
}

#[test]
fn folder_import_refuses_existing_labels_and_keeps_them() {
    let w = TestWallet::new();
    w.cmd().arg("import").arg(id_file("appUser")).args(["--label", "admin"]).assert().success();
    let assert = w.cmd().arg("import").arg(sdk_wallet()).assert().code(1);
    assert!(stderr(&assert).contains("admin.id: identity \"admin\" already exists"), "{}", stderr(&assert));
    assert_eq!(w.json(["show", "admin"])["fabric"]["enrollment_id"], "appUser");
    // With --force every good file is imported and admin replaced.
    let assert = w.cmd().arg("import").arg(sdk_wallet()).arg("--force").assert().code(1);
    assert!(stdout(&assert).contains("replaced admin from "));
    assert_eq!(w.json(["show", "admin"])["fabric"]["enrollment_id"], "admin");
}

#[test]
fn labels_with_separators_or_control_characters_are_refused() {
    let w = TestWallet::new();
    for bad in ["a/b", "a\\b", "bell\u{7}", "line\nbreak", "", "."] {
        w.cmd()
            .arg("import")
            .arg(id_file("appUser"))
            .args(["--label", bad])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("error: invalid label"));
    }
    assert!(w.labels().is_empty());
}

#[test]
fn pem_pair_import() {
    let w = TestWallet::new();
    let dir = msp_dir("admin");
    let key = std::fs::read_dir(dir.join("keystore")).unwrap().next().unwrap().unwrap().path();
    w.cmd()
        .arg("import")
        .arg("--cert")
        .arg(dir.join("signcerts/cert.pem"))
        .arg("--key")
        .arg(&key)
        .args(["--msp-id", "Org1MSP", "--label", "pem-admin"])
        .assert()
        .success();
    assert_eq!(w.json(["show", "pem-admin"])["fabric"]["enrollment_id"], "admin");
}

#[test]
fn pem_pair_with_the_wrong_key_is_refused() {
    let w = TestWallet::new();
    let user2 = msp_dir("user2");
    let cert = user2.join("signcerts/cert.pem");
    let matching = openssl_keystore_id(&cert, w.dir.path());
    let other = std::fs::read_dir(user2.join("keystore"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| !p.file_name().unwrap().to_str().unwrap().starts_with(&matching))
        .unwrap();
    w.cmd()
        .arg("import")
        .arg("--cert")
        .arg(&cert)
        .arg("--key")
        .arg(&other)
        .args(["--msp-id", "Org1MSP", "--label", "user2"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("does not match the certificate").and(predicate::str::contains("hint: ")));
    assert!(w.labels().is_empty());
}

#[test]
fn unrecognised_file_is_a_usage_error() {
    let w = TestWallet::new();
    let junk = w.tmp("junk.bin");
    std::fs::write(&junk, [0u8, 1, 2, 3]).unwrap();
    w.cmd()
        .arg("import")
        .arg(&junk)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot tell what").and(predicate::str::contains("--format")));
}

#[test]
fn missing_import_path_is_an_io_error() {
    let w = TestWallet::new();
    w.cmd()
        .arg("import")
        .arg(w.tmp("nope.id"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nope.id").and(predicate::str::contains("hint: check that the path exists")));
}

#[test]
fn msp_id_is_refused_for_id_files() {
    let w = TestWallet::new();
    w.cmd().arg("import").arg(id_file("appUser")).args(["--msp-id", "Org2MSP"]).assert().code(2);
    w.cmd().arg("import").arg(sdk_wallet()).args(["--label", "x"]).assert().code(2);
    assert!(w.labels().is_empty());
}
