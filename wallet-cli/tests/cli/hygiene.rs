//! Secret hygiene (issue 13): enrolment secrets land in private files and are not echoed.

use crate::common::*;
use predicates::prelude::*;

#[test]
fn a_generated_secret_goes_to_a_private_file_and_a_chosen_one_is_never_echoed() {
    let w = TestWallet::new();
    w.ok(["ca", "init", "org1-ca", "--msp-id", "Org1MSP"]);
    // --out: the secret in a file of mode 0600, stdout says where, not what.
    let file = w.tmp("user1.secret");
    let said = w.ok(["ca", "register", "user1", "--affiliation", "org1", "--out", file.to_str().unwrap()]);
    assert_eq!(mode(&file), 0o600);
    let secret = std::fs::read_to_string(&file).unwrap();
    let secret = secret.trim_end();
    assert!(secret.len() >= 16, "{secret:?}");
    assert!(said.contains("user1.secret") && !said.contains(secret), "{said}");
    // It enrols, and an existing file is not overwritten (the refusal registers nothing).
    w.ok(["ca", "enroll", "user1", "--secret-file", file.to_str().unwrap()]);
    w.cmd()
        .args(["ca", "register", "user2", "--affiliation", "org1", "--out", file.to_str().unwrap()])
        .assert()
        .failure()
        .stderr(predicate::str::contains("exists"));
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim_end(), secret);
    w.cmd().args(["ca", "identities", "user2"]).assert().failure();
    // A secret the user chose is not printed, in text or JSON.
    let chosen = w.tmp("chosen.secret");
    std::fs::write(&chosen, "Chosen-By-Hand-0123456789\n").unwrap();
    for (id, json) in [("user3", false), ("user4", true)] {
        let mut cmd = w.cmd();
        if json {
            cmd.args(["--output", "json"]);
        }
        let out = cmd
            .args(["ca", "register", id, "--affiliation", "org1", "--secret-file", chosen.to_str().unwrap()])
            .assert()
            .success()
            .get_output()
            .clone();
        for stream in [&out.stdout, &out.stderr] {
            assert!(!String::from_utf8_lossy(stream).contains("Chosen-By-Hand"), "{id}: echoed");
        }
    }
    w.ok(["ca", "enroll", "user3", "--secret-file", chosen.to_str().unwrap()]);
    // reset-secret writes the same way.
    let reset = w.tmp("user2.secret");
    w.ok(["ca", "register", "user2", "--affiliation", "org1", "--out", w.tmp("first").to_str().unwrap()]);
    let said = w.ok(["ca", "reset-secret", "user2", "--out", reset.to_str().unwrap()]);
    assert_eq!(mode(&reset), 0o600);
    assert!(!said.contains(std::fs::read_to_string(&reset).unwrap().trim_end()));
    w.ok(["ca", "enroll", "user2", "--secret-file", reset.to_str().unwrap()]);
}

#[test]
fn signing_with_an_expired_or_revoked_certificate_warns() {
    let w = TestWallet::new();
    let (cert, key) = openssl_cert(w.dir.path(), "old", "20200101000000Z", "20210101000000Z");
    w.cmd()
        .arg("import")
        .arg("--cert")
        .arg(&cert)
        .arg("--key")
        .arg(&key)
        .args(["--msp-id", "Org1MSP", "--label", "old"])
        .assert()
        .success();
    let signed = w.cmd().args(["sign", "old"]).write_stdin("proposal").assert().success();
    let err = stderr(&signed);
    assert!(
        err.contains("warning") && err.contains("expired on 2021-01-01") && err.contains("wallet renew old"),
        "{err}"
    );

    w.ok(["ca", "init", "org1-ca", "--msp-id", "Org1MSP"]);
    let secret = w.tmp("u.secret");
    w.ok(["ca", "register", "u", "--affiliation", "org1", "--out", secret.to_str().unwrap()]);
    w.ok(["ca", "enroll", "u", "--secret-file", secret.to_str().unwrap()]);
    let fresh = w.cmd().args(["sign", "u"]).write_stdin("proposal").assert().success();
    assert!(stderr(&fresh).is_empty(), "a good certificate warns: {}", stderr(&fresh));
    w.ok(["ca", "revoke", "u", "--reason", "keycompromise"]);
    let revoked = w.cmd().args(["sign", "u"]).write_stdin("proposal").assert().success();
    let err = stderr(&revoked);
    assert!(err.contains("revoked by CA \"org1-ca\"") && err.contains("keycompromise"), "{err}");
}
