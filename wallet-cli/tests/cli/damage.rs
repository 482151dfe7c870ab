//! A damaged record never blocks the rest (issue 13): `repair` names it, `import --force`
//! replaces it and `remove --force` deletes it, as their hints promise.

use crate::common::*;
use predicates::prelude::*;

/// Flip one byte in the middle of the newest record file of the wallet.
fn damage_newest_record(w: &TestWallet) {
    let newest = std::fs::read_dir(w.path.join("records"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .max_by_key(|p| std::fs::metadata(p).unwrap().modified().unwrap())
        .unwrap();
    let mut bytes = std::fs::read(&newest).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&newest, bytes).unwrap();
}

#[test]
fn a_damaged_identity_is_named_replaced_and_removed() {
    let w = TestWallet::new();
    w.import_id("appUser");
    std::thread::sleep(std::time::Duration::from_millis(20));
    w.import_id("admin");
    damage_newest_record(&w);
    // The rest reads; the damaged one is named, by label, everywhere.
    w.ok(["show", "appUser"]);
    w.cmd()
        .args(["show", "admin"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("integrity check failed for identity \"admin\""));
    w.cmd().args(["repair"]).assert().code(1).stderr(predicate::str::contains("unreadable record identity \"admin\""));
    assert_eq!(w.labels(), ["admin", "appUser"]);
    // import --force replaces it with a whole identity.
    w.cmd()
        .arg("import")
        .arg(id_file("admin"))
        .arg("--force")
        .assert()
        .success()
        .stdout(predicate::str::contains("replaced admin"));
    w.ok(["show", "admin"]);
    w.ok(["sign", "admin", "--in", id_file("admin").to_str().unwrap()]);
    // remove --force deletes a damaged one.
    std::thread::sleep(std::time::Duration::from_millis(20));
    w.cmd().arg("import").arg(id_file("admin")).arg("--force").assert().success();
    damage_newest_record(&w);
    w.cmd().args(["show", "admin"]).assert().code(1);
    w.ok(["remove", "admin", "--force"]);
    assert_eq!(w.labels(), ["appUser"]);
    w.ok(["repair"]);
}
