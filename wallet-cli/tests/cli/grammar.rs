//! One grammar: the subject given the same way everywhere, one --format, one way to give a
//! validity, one way to write an MSP folder; old spellings still work with a note on stderr.
//! Also the refusals that must write nothing, bulk rows, mended hints and label limits.

use crate::common::*;
use predicates::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn wallet_with_ca() -> TestWallet {
    let w = TestWallet::new();
    w.ok(["ca", "init", "org1-ca", "--msp-id", "Org1MSP"]);
    w
}

fn enrol(w: &TestWallet, id: &str) {
    let secret = w.ok(["ca", "register", id, "--type", "client", "--affiliation", "org1"]);
    let path = w.tmp(&format!("{id}.secret"));
    std::fs::write(&path, secret).unwrap();
    w.ok(["ca", "enroll", id, "--secret-file", path.to_str().unwrap()]);
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(p.clone(), std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn a_refused_revoke_leaves_every_file_byte_identical() {
    let w = wallet_with_ca();
    enrol(&w, "user1");
    w.ok(["ca", "revoke", "user1", "--reason", "keycompromise"]);
    let before = snapshot(&w.path);
    w.cmd()
        .args(["ca", "revoke", "user1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("identity \"user1\" is revoked"));
    let after = snapshot(&w.path);
    assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>(), "files were added or removed");
    for (path, bytes) in &before {
        assert!(after[path] == *bytes, "{} was rewritten by a refused revoke", path.display());
    }
    // The same for one certificate revoked twice.
    enrol(&w, "user2");
    let certs = w.json(["ca", "certificates", "user2"]);
    let (serial, aki) = (certs[0]["serial"].as_str().unwrap(), certs[0]["aki"].as_str().unwrap());
    w.ok(["ca", "revoke", "--serial", serial, "--aki", aki]);
    let before = snapshot(&w.path);
    w.cmd().args(["ca", "revoke", "--serial", serial, "--aki", aki]).assert().code(1);
    assert!(snapshot(&w.path) == before, "a refused certificate revoke wrote something");
}

#[test]
fn the_subject_is_positional_and_old_flags_still_work_with_a_note() {
    let w = wallet_with_ca();
    enrol(&w, "user1");
    enrol(&w, "user2");
    let msg = w.tmp("msg");
    std::fs::write(&msg, b"hello").unwrap();
    let sig = w.tmp("sig");
    // sign --format (new) and --out-format (old).
    w.ok(["sign", "user1", "--in", msg.to_str().unwrap(), "--format", "der", "--out", sig.to_str().unwrap()]);
    w.ok(["verify", "user1", "--signature", sig.to_str().unwrap(), "--in", msg.to_str().unwrap()]);
    let deprecated =
        |args: &[&str], old: &str| {
            w.cmd().args(args).assert().success().stderr(
                predicate::str::contains(format!("warning: {old}")).and(predicate::str::contains("deprecated")),
            );
        };
    deprecated(
        &["sign", "user1", "--in", msg.to_str().unwrap(), "--out-format", "der", "--out", sig.to_str().unwrap()],
        "--out-format",
    );
    deprecated(
        &["verify", "--label", "user1", "--signature", sig.to_str().unwrap(), "--in", msg.to_str().unwrap()],
        "`wallet verify --label",
    );
    // certificates ID / --id, revoke ID / --id.
    assert_eq!(w.json(["ca", "certificates", "user1"]).as_array().unwrap().len(), 1);
    deprecated(&["ca", "certificates", "--id", "user1"], "`wallet ca certificates --id");
    w.ok(["ca", "revoke", "user1"]);
    deprecated(&["ca", "revoke", "--id", "user2"], "`wallet ca revoke --id");
    assert_eq!(w.json(["ca", "identities", "user2"])[0]["state"], "revoked");
    // Durations: --validity 48h on crl, --validity / --ecert-validity on init; the old forms warn.
    let crl = w.tmp("crl.pem");
    w.ok(["ca", "crl", "--validity", "48h", "--out", crl.to_str().unwrap()]);
    let next = std::process::Command::new("openssl")
        .args(["crl", "-noout", "-lastupdate", "-nextupdate", "-in"])
        .arg(&crl)
        .output()
        .unwrap();
    assert!(next.status.success());
    deprecated(&["ca", "crl", "--validity-hours", "48", "--out", crl.to_str().unwrap()], "--validity-hours");
    let e = w.json(["ca", "init", "two-ca", "--msp-id", "Org2MSP", "--admin", "admin2", "--ecert-validity", "90d"]);
    assert!(e["not_after"].is_string());
    w.cmd()
        .args(["ca", "crl", "--ca", "two-ca", "--as", "admin2", "--validity", "12x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown unit").and(predicate::str::contains("90d, 8760h")));
    deprecated(
        &["ca", "init", "three-ca", "--msp-id", "Org3MSP", "--admin", "admin3", "--validity-days", "365"],
        "--validity-days",
    );
}

#[test]
fn one_way_to_write_an_msp_folder_with_its_crl() {
    let w = wallet_with_ca();
    enrol(&w, "peer0");
    w.ok(["ca", "crl", "--out", w.tmp("crl.pem").to_str().unwrap()]);
    let dir = w.tmp("peer0-msp");
    w.ok(["export", "peer0", "--format", "msp", "--out", dir.to_str().unwrap(), "--insecure"]);
    let crl = std::fs::read_to_string(dir.join("crls/crl.pem")).unwrap();
    assert!(crl.starts_with("-----BEGIN X509 CRL-----"));
    assert!(dir.join("signcerts").is_dir() && dir.join("keystore").is_dir() && dir.join("cacerts").is_dir());
    // The old verb still works, says what replaces it, and writes the same layout.
    let old = w.tmp("peer0-msp-old");
    w.cmd()
        .args(["ca", "export-msp", "peer0", "--out", old.to_str().unwrap(), "--insecure"])
        .assert()
        .success()
        .stderr(predicate::str::contains("deprecated").and(predicate::str::contains("--format msp")));
    assert_eq!(std::fs::read_to_string(old.join("crls/crl.pem")).unwrap(), crl);
    // It is hidden from `wallet ca --help`.
    w.cmd().args(["ca", "--help"]).assert().success().stdout(predicate::str::contains("export-msp").not());
}

#[test]
fn bulk_rows_that_contradict_the_registry_are_refused() {
    let w = wallet_with_ca();
    let write = |name: &str, text: &str| {
        let p = w.tmp(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    w.ok(["ca", "register", "pre", "--type", "peer", "--affiliation", "org1.department1"]);
    let csv = write("a.csv", "b1,client,org1,\n");
    w.ok(["ca", "bulk-enroll", "--csv", csv.to_str().unwrap()]);
    // b1 is enrolled as a client of org1; a second run that says peer/org2 is refused, not skipped.
    let csv = write("b.csv", "b1,peer,org2,\npre,client,,\npre2,client,org1,\n");
    let out = w
        .cmd()
        .args(["--output", "json", "ca", "bulk-enroll", "--csv", csv.to_str().unwrap()])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["enrolled"], 1, "{report}");
    assert_eq!(report["skipped"], 0, "{report}");
    let failed: Vec<&str> = report["failed"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(failed, ["b1", "pre"]);
    let b1 = report["failed"][0]["error"].as_str().unwrap();
    assert!(b1.contains("contradicts") && b1.contains("type \"peer\"") && b1.contains("affiliation \"org2\""), "{b1}");
    assert!(!w.labels().contains(&"pre".to_owned()), "a contradicting row was enrolled");
    assert_eq!(w.json(["ca", "identities", "pre"])[0]["type"], "peer");
    // Rows that agree (or leave columns empty) are skipped as before.
    let csv = write("c.csv", "b1,client,org1,\nb1,,,\n");
    let report = w.json(["ca", "bulk-enroll", "--csv", csv.to_str().unwrap()]);
    assert_eq!(report["skipped"], 2, "{report}");
}

#[test]
fn every_bad_csv_row_is_reported_with_its_true_line_in_one_pass() {
    let w = wallet_with_ca();
    let csv = w.tmp("bad.csv");
    std::fs::write(
        &csv,
        "id,type,affiliation,attributes\nok1,client,org1,\n,client,org1,\n\nok2,client,org1,a=1:bogus\nok3,peer,org1,,extra\n\"open,client,org1,\nok4,client,org1,\n",
    )
    .unwrap();
    let before = snapshot(&w.path);
    let out = w.cmd().args(["ca", "bulk-enroll", "--csv", csv.to_str().unwrap()]).assert().code(2).get_output().clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("4 rows of"), "{err}");
    for (line, what) in [(3, "id is empty"), (5, "bogus"), (6, "5 fields"), (7, "closing quote")] {
        assert!(err.contains(&format!("line {line}: ")), "line {line} missing: {err}");
        let row = err.lines().find(|l| l.contains(&format!("line {line}: "))).unwrap();
        assert!(row.contains(what), "line {line}: {row}");
    }
    assert!(err.contains("hint: fix the lines"), "{err}");
    assert!(snapshot(&w.path) == before, "a refused CSV file changed the wallet");
    assert_eq!(w.labels(), ["admin"]);
}

#[test]
fn mended_hints_point_the_right_way() {
    let w = wallet_with_ca();
    // ca init with the admin label taken: no --force to suggest, --admin is the fix.
    w.cmd()
        .args(["ca", "init", "other-ca", "--msp-id", "Org2MSP"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("--admin ID").and(predicate::str::contains("--force").not()));
    // A revoked caller is not told to reenrol.
    enrol(&w, "reg");
    w.ok(["ca", "revoke", "reg"]);
    let out = w.cmd().args(["ca", "reenroll", "reg"]).assert().code(1).get_output().stderr.clone();
    let err = String::from_utf8_lossy(&out);
    assert!(err.contains("was revoked"), "{err}");
    assert!(!err.contains("hint: reenrol"), "{err}");
    assert!(err.contains("register and enrol a new identity"), "{err}");
    // A damaged wallet.header: every record depends on it; it is not "other records are unaffected".
    let header = w.path.join("wallet.header");
    let mut bytes = std::fs::read(&header).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&header, &bytes).unwrap();
    let out = w.cmd().args(["list"]).assert().code(1).get_output().stderr.clone();
    let err = String::from_utf8_lossy(&out);
    assert!(err.contains("wallet.header") && !err.contains("unaffected"), "{err}");
    bytes[mid] ^= 1;
    std::fs::write(&header, &bytes).unwrap();
    // A damaged wallet.ilog: `wallet repair` fixes it, and does.
    let ilog = w.path.join("wallet.ilog");
    let mut bytes = std::fs::read(&ilog).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    std::fs::write(&ilog, &bytes).unwrap();
    w.cmd().args(["list"]).assert().code(1).stderr(predicate::str::contains("wallet repair"));
    w.ok(["repair"]);
    assert_eq!(w.labels(), ["admin", "reg"]);
}

#[test]
fn label_limits_are_told_truly_and_export_all_names_the_real_fix() {
    let w = TestWallet::new();
    let import = |label: &str| {
        let mut cmd = w.cmd();
        cmd.arg("import").arg(id_file("appUser")).args(["--label", label]);
        cmd
    };
    // The longest label a new identity takes leaves room for the ".id" an export appends.
    let longest = "l".repeat(252);
    import(&longest).assert().success();
    let out = import(&"l".repeat(253)).assert().code(1).get_output().stderr.clone();
    let err = String::from_utf8_lossy(&out);
    assert!(err.contains("longer than 252 bytes"), "{err}");
    assert!(err.contains("1 to 252 bytes") && err.contains("'\\'") && !err.contains("'\\\\'"), "{err}");
    import("ok").assert().success();
    // So every identity a wallet holds can be exported as LABEL.id.
    let out = w.tmp("out");
    w.cmd().args(["export", "--all", "--insecure", "--out", out.to_str().unwrap()]).assert().success();
    assert!(out.join("ok.id").exists() && out.join(format!("{longest}.id")).exists());
    // list --long caps the label column and says so with …; JSON keeps the label whole.
    let text = w.ok(["list", "--long"]);
    assert!(text.lines().all(|l| l.chars().count() < 200), "{text}");
    assert!(text.contains(&format!("{}…", "l".repeat(31))), "{text}");
    assert!(w.labels().contains(&longest));
}

#[test]
fn help_lists_a_commands_own_options_apart_from_the_global_ones() {
    let w = TestWallet::new();
    for (args, own, subject) in [
        (&["sign", "--help"][..], "--format", "<LABEL>"),
        (&["verify", "--help"][..], "--signature", "[LABEL]"),
        (&["ca", "revoke", "--help"][..], "--reason", "[ID]"),
        (&["ca", "certificates", "--help"][..], "--pem", "[ID]"),
    ] {
        let out = w.cmd().env("WALLET_URI", &w.path).args(args).assert().success().get_output().stdout.clone();
        let help = String::from_utf8(out).unwrap();
        let usage = help.lines().find(|l| l.starts_with("Usage:")).unwrap();
        assert!(usage.contains(subject) && !usage.contains("--wallet"), "{args:?}: {usage}");
        let (own_part, global_part) = help.split_once("Global options:").unwrap_or_else(|| panic!("{args:?}: {help}"));
        assert!(own_part.contains(own), "{args:?}");
        assert!(global_part.contains("--wallet") && !own_part.contains("--wallet <URI>"), "{args:?}");
        // Deprecated spellings are hidden from help.
        for old in ["--label", "--id <ID>", "--out-format", "--validity-hours"] {
            assert!(!help.contains(old), "{args:?} shows {old}");
        }
    }
}
