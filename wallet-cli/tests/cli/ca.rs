//! `wallet ca …` and `wallet quickstart`, run as an administrator would; certificates and CRLs
//! checked with the real openssl CLI.

use crate::common::*;
use predicates::prelude::*;

/// A wallet holding CA `org1-ca` with its admin enrolled under label `admin`.
fn wallet_with_ca() -> TestWallet {
    let w = TestWallet::new();
    let out = w.json(["ca", "init", "org1-ca", "--msp-id", "Org1MSP"]);
    assert_eq!(out["admin_label"], "admin");
    assert_eq!(out["subject"], "CN=org1-ca,OU=Fabric,O=Hyperledger,ST=North Carolina,C=US");
    w
}

fn write(w: &TestWallet, name: &str, text: &str) -> std::path::PathBuf {
    let p = w.tmp(name);
    std::fs::write(&p, text).unwrap();
    p
}

#[test]
fn quickstart_runs_without_prompts_and_reports_what_it_made() {
    let w = TestWallet::uninitialised();
    let out = w.cmd().env("WALLET_KDF_PARAMS", FAST_KDF).args(["--output", "json", "quickstart"]).assert().success();
    let made: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(made["wallet_created"], true);
    assert_eq!(made["verified"], true);
    assert_eq!(made["user_label"], "user1");
    assert_eq!(made["user_attributes"]["hf.Affiliation"], "org1.department1");
    assert_eq!(made["user_attributes"]["role"], "member");
    assert_eq!(w.labels(), ["admin", "user1"]);
    // The signature it printed verifies with openssl against the certificate it stored.
    let dir = w.dir.path();
    let cert = w.ok(["export", "user1", "--format", "cert"]);
    write(&w, "user1.pem", &cert);
    openssl(&["x509", "-in", "user1.pem", "-pubkey", "-noout", "-out", "pub.pem"], dir);
    write(&w, "msg", made["message"].as_str().unwrap());
    use base64::Engine;
    let sig = base64::engine::general_purpose::STANDARD.decode(made["signature"].as_str().unwrap()).unwrap();
    std::fs::write(w.tmp("sig.der"), sig).unwrap();
    openssl(&["dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.der", "msg"], dir);
    // A second run refuses to make the same CA again, and says what to do.
    w.cmd()
        .arg("quickstart")
        .assert()
        .code(5)
        .stderr(predicate::str::contains("already has a CA named \"org1-ca\"").and(predicate::str::contains("hint:")));
    // Without a passphrase source and no terminal, it fails instead of prompting.
    let fresh = TestWallet::uninitialised();
    fresh.bare_cmd().arg("quickstart").assert().code(4);
}

#[test]
fn register_enroll_revoke_and_crl_checked_by_openssl() {
    let w = wallet_with_ca();
    let dir = w.dir.path();
    let secret = w.ok([
        "ca",
        "register",
        "user1",
        "--type",
        "client",
        "--affiliation",
        "org1.department1",
        "--attr",
        "role=auditor:ecert",
    ]);
    let secret = secret.trim();
    assert_eq!(secret.len(), 24, "a generated secret alone on stdout");
    let secret_file = write(&w, "user1.secret", &format!("{secret}\n"));
    let out =
        w.json(["ca", "enroll", "user1", "--secret-file", secret_file.to_str().unwrap(), "--host", "user1.example"]);
    assert_eq!(out["subject"], "CN=user1,OU=org1+OU=client+OU=department1,O=Hyperledger,ST=North Carolina,C=US");
    // The secret may also come from the environment.
    let s2 = w.ok(["ca", "register", "user2", "--type", "client", "--affiliation", "org1"]);
    w.cmd().env("WALLET_ENROLL_SECRET", s2.trim()).args(["ca", "enroll", "user2"]).assert().success();

    // The CA certificate is the chain of every enrolled identity: export user1 as PEM.
    w.ok(["export", "user1", "--format", "pem", "--out", w.tmp("user1-pem").to_str().unwrap(), "--insecure"]);
    let chain = std::fs::read_to_string(w.tmp("user1-pem/cert.pem")).unwrap();
    let blocks: Vec<&str> = chain.split_inclusive("-----END CERTIFICATE-----\n").collect();
    assert_eq!(blocks.len(), 2, "leaf and CA");
    write(&w, "leaf.pem", blocks[0]);
    write(&w, "root.pem", blocks[1]);
    openssl(&["verify", "-CAfile", "root.pem", "leaf.pem"], dir);

    w.ok([
        "ca",
        "revoke",
        "--id",
        "user1",
        "--reason",
        "keycompromise",
        "--gencrl",
        w.tmp("crl.pem").to_str().unwrap(),
    ]);
    let out = std::process::Command::new("openssl")
        .current_dir(dir)
        .args(["verify", "-crl_check", "-CAfile", "root.pem", "-CRLfile", "crl.pem", "leaf.pem"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a revoked certificate verified");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("certificate revoked")
            || String::from_utf8_lossy(&out.stderr).contains("certificate revoked")
    );
    let crl_text = String::from_utf8(openssl(&["crl", "-in", "crl.pem", "-noout", "-text"], dir)).unwrap();
    assert!(crl_text.contains("Key Compromise") && crl_text.contains("CRL Number"));

    // Listings.
    let ids = w.json(["ca", "identities"]);
    let user1 = ids.as_array().unwrap().iter().find(|i| i["id"] == "user1").unwrap();
    assert_eq!(user1["state"], "revoked");
    assert_eq!(user1["type"], "client");
    let certs = w.json(["ca", "certificates", "--id", "user1"]);
    assert_eq!(certs[0]["reason"], "keycompromise");
    assert!(w.ok(["ca", "affiliations"]).contains("  org1.department1"));
    // The revoked identity cannot enrol again.
    w.cmd()
        .args(["ca", "enroll", "user1", "--secret-file", secret_file.to_str().unwrap(), "--label", "again"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("identity \"user1\" is revoked"));
    // MSP export carries the CRL.
    w.ok(["ca", "export-msp", "user2", "--out", w.tmp("msp").to_str().unwrap(), "--insecure"]);
    assert!(w.tmp("msp/crls/crl.pem").is_file());
}

#[test]
fn refusals_are_clear_and_change_nothing() {
    let w = wallet_with_ca();
    // No secret, no terminal: a usage error naming the way to give one.
    w.ok(["ca", "register", "u", "--type", "client", "--affiliation", "org1"]);
    w.cmd()
        .args(["ca", "enroll", "u"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--secret-file").and(predicate::str::contains("WALLET_ENROLL_SECRET")));
    // A wrong secret.
    let bad = write(&w, "bad", "wrong\n");
    w.cmd().args(["ca", "enroll", "u", "--secret-file", bad.to_str().unwrap()]).assert().code(1).stderr(
        predicate::str::contains("authentication failure: wrong secret")
            .and(predicate::str::contains("9 attempts left")),
    );
    // A registrar without the right: u, enrolled, tries to register.
    let s = w.ok(["ca", "reset-secret", "u"]);
    let sf = write(&w, "u.secret", &s);
    w.ok(["ca", "enroll", "u", "--secret-file", sf.to_str().unwrap()]);
    let before = w.json(["ca", "identities"]);
    w.cmd()
        .args(["ca", "register", "v", "--as", "u"])
        .assert()
        .code(1)
        .stderr(predicate::str::starts_with("error: authorization failure: registrar \"u\""));
    // Unknown affiliation, duplicate id.
    w.cmd().args(["ca", "register", "v", "--affiliation", "org9"]).assert().code(1).stderr(
        predicate::str::contains("affiliation \"org9\" does not exist")
            .and(predicate::str::contains("add-affiliation")),
    );
    w.cmd().args(["ca", "register", "u"]).assert().code(1).stderr(predicate::str::contains("already registered"));
    assert_eq!(w.json(["ca", "identities"]), before, "refusals left the registry as it was");
    // Several CAs: --ca is needed.
    w.ok(["ca", "init", "other-ca", "--msp-id", "Org2MSP", "--admin", "admin2"]);
    w.cmd().args(["ca", "identities"]).assert().code(2).stderr(predicate::str::contains("--ca NAME"));
    w.ok(["ca", "identities", "--ca", "other-ca"]);
    // An unknown reason name.
    w.cmd().args(["ca", "revoke", "--ca", "org1-ca", "--id", "u", "--reason", "bogus"]).assert().code(2);
}

#[test]
fn bulk_enrolment_reports_and_resumes() {
    let w = wallet_with_ca();
    let csv = write(
        &w,
        "users.csv",
        "id,type,affiliation,attributes\nb1,client,org1.department1,role=a:ecert\nb2,peer,org1,\nb3,client,org9,\n",
    );
    let out = w
        .cmd()
        .args(["--output", "json", "ca", "bulk-enroll", "--csv", csv.to_str().unwrap()])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("b3: affiliation \"org9\" does not exist"));
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(report["enrolled"], 2);
    assert_eq!(report["failed"][0]["id"], "b3");
    assert_eq!(w.labels(), ["admin", "b1", "b2"]);
    // Fixed file, rerun: the two done are skipped.
    let csv = write(&w, "users.csv", "b1,client,org1.department1,role=a:ecert\nb2,peer,org1,\nb3,client,org2,\n");
    let report = w.json(["ca", "bulk-enroll", "--csv", csv.to_str().unwrap()]);
    assert_eq!((report["enrolled"].as_u64(), report["skipped"].as_u64()), (Some(1), Some(2)));
    assert_eq!(w.labels(), ["admin", "b1", "b2", "b3"]);
}

#[test]
fn sign_csr_certifies_an_openssl_key() {
    let w = wallet_with_ca();
    let dir = w.dir.path();
    let s = w.ok(["ca", "register", "peer0", "--type", "peer", "--affiliation", "org1"]);
    let sf = write(&w, "peer0.secret", &s);
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
            "/C=DE/CN=peer0",
            "-addext",
            "subjectAltName=DNS:peer0.example",
            "-keyout",
            "peer0.key",
            "-out",
            "peer0.csr",
        ],
        dir,
    );
    w.ok([
        "ca",
        "sign-csr",
        "peer0",
        "--secret-file",
        sf.to_str().unwrap(),
        "--csr",
        w.tmp("peer0.csr").to_str().unwrap(),
        "--out",
        w.tmp("peer0.pem").to_str().unwrap(),
    ]);
    let text =
        String::from_utf8(openssl(&["x509", "-in", "peer0.pem", "-noout", "-subject", "-ext", "subjectAltName"], dir))
            .unwrap();
    assert!(text.contains("C = DE") && text.contains("OU = org1 + OU = peer") && text.contains("CN = peer0"), "{text}");
    assert!(text.contains("DNS:peer0.example"), "{text}");
    // The certified key is openssl's.
    let cert_pub = openssl(&["x509", "-in", "peer0.pem", "-noout", "-pubkey"], dir);
    let key_pub = openssl(&["pkey", "-in", "peer0.key", "-pubout"], dir);
    assert_eq!(cert_pub, key_pub);
    // A CSR for someone else is refused.
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
            "/CN=mallory",
            "-keyout",
            "m.key",
            "-out",
            "m.csr",
        ],
        dir,
    );
    w.cmd()
        .args([
            "ca",
            "sign-csr",
            "peer0",
            "--secret-file",
            sf.to_str().unwrap(),
            "--csr",
            w.tmp("m.csr").to_str().unwrap(),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("common name \"mallory\" is not the enrollment ID \"peer0\""));
}

#[test]
fn memory_key_store_keys_live_and_die_with_the_process_and_say_so() {
    let w = TestWallet::uninitialised();
    let out = w
        .cmd()
        .env("WALLET_KDF_PARAMS", FAST_KDF)
        .env("WALLET_KEY_STORE", "memory")
        .args(["--output", "json", "quickstart"])
        .assert()
        .success();
    let made: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(made["verified"], true, "the CA and user1 signed with keys held in memory");
    // The record holds only a reference, so a later process cannot sign as user1 and says why.
    w.cmd()
        .env("WALLET_KEY_STORE", "memory")
        .args(["show", "user1"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no key \"user1#").and(predicate::str::contains("in the memory key store")));
    w.cmd()
        .args(["show", "user1"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("no \"memory\" key store").and(predicate::str::contains("WALLET_KEY_STORE")));
    // Removing it still works: the record goes, the key was never on disk.
    w.ok(["remove", "user1", "--force"]);
    assert_eq!(w.labels(), ["admin"]);
    // A store this build does not know is refused, not ignored.
    w.cmd()
        .env("WALLET_KEY_STORE", "hsm")
        .arg("list")
        .assert()
        .failure()
        .stderr(predicate::str::contains("no \"hsm\" key store").and(predicate::str::contains("software, memory")));
}
