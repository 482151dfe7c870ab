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

/// The record files that `args` creates (their names are stable for a record's kind and name).
fn records_made_by(w: &TestWallet, args: &[&str]) -> Vec<std::path::PathBuf> {
    let list = || -> std::collections::BTreeSet<_> {
        std::fs::read_dir(w.path.join("records")).unwrap().map(|e| e.unwrap().path()).collect()
    };
    let before = list();
    w.ok(args);
    list().difference(&before).cloned().collect()
}

fn flip_middle_byte(path: &std::path::Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_damaged_ca_record_is_reported_beside_the_rest_and_mended() {
    let w = TestWallet::new();
    w.ok(["ca", "init", "org1-ca", "--msp-id", "Org1MSP"]);
    let made = records_made_by(&w, &["ca", "register", "u1", "--type", "client", "--affiliation", "org1"]);
    assert_eq!(made.len(), 1, "registering writes one new record: {made:?}");
    flip_middle_byte(&made[0]);

    // Each listing prints the rest, names the damaged record and fails, pointing at the mend.
    for args in [&["ca", "identities"][..], &["ca", "certificates"]] {
        let out = w.cmd().args(args).assert().code(1);
        out.stdout(predicate::str::contains("admin").and(predicate::str::contains("u1").not())).stderr(
            predicate::str::contains("damaged CA record: registered identity \"u1\"")
                .and(predicate::str::contains("wallet ca repair")),
        );
    }
    let crl = w.tmp("crl.pem");
    w.cmd().args(["ca", "crl", "--out"]).arg(&crl).assert().code(1).stderr(predicate::str::contains("\"u1\""));
    assert!(std::fs::read_to_string(&crl).unwrap().contains("BEGIN X509 CRL"), "the CRL was still written");
    // Until mended, u1 can be neither used nor registered again.
    w.cmd()
        .args(["ca", "register", "u1", "--type", "client", "--affiliation", "org1"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("integrity check failed"));

    let out = w.ok(["ca", "repair"]);
    assert!(out.contains("registered identity \"u1\"") && out.contains("removed"), "{out}");
    assert!(w.ok(["ca", "repair"]).contains("no damaged records"));
    let listed = w.ok(["ca", "identities"]);
    assert!(listed.contains("admin") && !listed.contains("u1"), "{listed}");
    w.ok(["ca", "register", "u1", "--type", "client", "--affiliation", "org1"]);
    w.cmd().args(["--output", "json", "ca", "repair"]).assert().success().stdout(predicate::str::contains("[]"));
}
