//! Every `wallet ca` verb against the real fabric-ca-server 1.5.21 by URL (TLS with a custom
//! root), through the wallet's default CA (`wallet ca use`), and the real fabric-ca-client using
//! an MSP folder the CLI exported.

use crate::common::*;
use predicates::prelude::*;
use std::path::Path;
use wallet_tests::fabric_ca::{self, Server, ServerOptions};

fn json_of(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

/// Enrol `id` with `secret` (from the environment, never argv) plus `args`; JSON result.
fn enroll(w: &TestWallet, id: &str, secret: &str, args: &[&str]) -> serde_json::Value {
    let out = w
        .cmd()
        .env("WALLET_ENROLL_SECRET", secret)
        .args(["--output", "json", "ca", "enroll", id])
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    json_of(&out)
}

fn write(path: &Path, bytes: &[u8]) -> String {
    std::fs::write(path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

#[test]
fn every_ca_verb_speaks_to_a_fabric_ca_server_through_the_default_ca() {
    let server = Server::start_with(ServerOptions { tls: true, ..Default::default() });
    let other = Server::start_with(ServerOptions { tls: true, ..Default::default() });
    let w = TestWallet::new();
    let root = write(&w.tmp("root.pem"), &server.ca_cert_pem());
    let wrong = write(&w.tmp("wrong.pem"), &other.ca_cert_pem());

    // A wrong root: `ca use` checks the server and sets nothing.
    w.cmd()
        .args(["ca", "use", &server.url, "--tls-root", &wrong, "--msp-id", "Org1MSP"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("TLS").and(predicate::str::contains("nothing was set")));
    assert_eq!(w.json(["ca", "use"])["default"], serde_json::Value::Null);
    // The right one: kept in the wallet with the MSP ID.
    let set = w.json(["ca", "use", &server.url, "--tls-root", &root, "--msp-id", "Org1MSP"]);
    assert_eq!((set["kind"].as_str(), set["tls_root"].as_bool()), (Some("remote"), Some(true)), "{set}");
    let shown = w.json(["ca", "use"]);
    assert_eq!((shown["default"].as_str(), shown["msp_id"].as_str()), (Some(server.url.as_str()), Some("Org1MSP")));

    // info, enrol (hosts), register (attributes), enrol with an attribute request.
    let info = w.json(["ca", "info", "--chain-out", w.tmp("chain.pem").to_str().unwrap()]);
    assert_eq!(info["version"].as_str(), Some(format!("v{}", fabric_ca::VERSION).as_str()), "{info}");
    assert_eq!(std::fs::read(w.tmp("chain.pem")).unwrap(), server.ca_cert_pem());
    let admin = enroll(&w, "admin", "adminpw", &["--host", "admin.org1.example.com"]);
    assert_eq!(admin["msp_id"], "Org1MSP", "{admin}");
    let secret = w.ok([
        "ca",
        "register",
        "user1",
        "--type",
        "client",
        "--affiliation",
        "org1.department1",
        "--attr",
        "role=auditor",
    ]);
    let user1 = enroll(&w, "user1", secret.trim(), &["--attr-req", "role", "--attr-req", "nothere:opt"]);
    assert!(user1["subject"].as_str().unwrap().contains("OU=department1"), "{user1}");
    let shown = w.ok(["show", "user1"]);
    assert!(shown.contains("role") && shown.contains("auditor"), "{shown}");

    // Identities: list, get, add (register), modify, remove.
    let ids = w.json(["ca", "identities"]);
    let names: Vec<&str> = ids.as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(names, ["admin", "user1"], "{ids}");
    let one = w.json(["ca", "identities", "user1", "--as", "admin"]);
    assert_eq!(one[0]["affiliation"], "org1.department1", "{one}");
    let modified = w.json(["ca", "modify-identity", "user1", "--max-enrollments", "7", "--affiliation", "org2"]);
    assert_eq!((modified["max_enrollments"].as_i64(), modified["affiliation"].as_str()), (Some(7), Some("org2")));
    w.ok(["ca", "register", "temp", "--affiliation", "org1"]);
    assert_eq!(w.json(["ca", "remove-identity", "temp"])["removed"], "temp");
    w.cmd().args(["ca", "identities", "temp"]).assert().code(1).stderr(predicate::str::contains("404"));

    // Affiliations: list, add, modify, remove.
    w.ok(["ca", "add-affiliation", "org3.sales", "--force"]);
    w.ok(["ca", "modify-affiliation", "org3", "--name", "org5", "--force"]);
    let affs = w.json(["ca", "affiliations"]);
    assert!(affs.as_array().unwrap().contains(&"org5.sales".into()), "{affs}");
    w.ok(["ca", "remove-affiliation", "org5", "--force"]);
    assert!(!w.ok(["ca", "affiliations"]).contains("org5"));

    // Reenrol, renew (both through the default), certificates.
    let before = user1["serial"].as_str().unwrap().to_owned();
    let renewed = w.json(["ca", "reenroll", "user1", "--reuse-key"]);
    assert_ne!(renewed["serial"].as_str().unwrap(), before);
    let rows = w.json(["renew", "--all"]);
    assert_eq!(rows.as_array().unwrap().len(), 2, "{rows}");
    assert!(rows.as_array().unwrap().iter().all(|r| r["error"].is_null()), "{rows}");
    let certs = w.json(["ca", "certificates", "--id", "user1"]);
    assert_eq!(certs.as_array().unwrap().len(), 3, "enrol, reenrol, renew: {certs}");

    // A signing profile: the server's `tls` profile adds the TLS key usages.
    let secret = w.ok(["ca", "register", "peer0", "--type", "peer", "--affiliation", "org1"]);
    enroll(&w, "peer0", secret.trim(), &["--profile", "tls", "--host", "127.0.0.1"]);
    w.ok(["export", "peer0", "--format", "cert", "--out", w.tmp("peer0.pem").to_str().unwrap()]);
    let eku = openssl(&["x509", "-in", "peer0.pem", "-noout", "-ext", "extendedKeyUsage,subjectAltName"], w.dir.path());
    let eku = String::from_utf8_lossy(&eku);
    assert!(eku.contains("TLS Web Server Authentication") && eku.contains("127.0.0.1"), "{eku}");

    // A CSR for a key held elsewhere (made by openssl): only the certificate comes back.
    let secret = w.ok(["ca", "register", "ext", "--affiliation", "org1"]);
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
            "/CN=ext",
            "-keyout",
            "ext.key",
            "-out",
            "ext.csr",
        ],
        w.dir.path(),
    );
    w.cmd()
        .env("WALLET_ENROLL_SECRET", secret.trim())
        .args(["ca", "sign-csr", "ext", "--csr"])
        .arg(w.tmp("ext.csr"))
        .arg("--out")
        .arg(w.tmp("ext.pem"))
        .assert()
        .success();
    let subject = openssl(&["x509", "-in", "ext.pem", "-noout", "-subject"], w.dir.path());
    assert!(
        String::from_utf8_lossy(&subject).contains("CN=ext") || String::from_utf8_lossy(&subject).contains("CN = ext")
    );
    assert!(!w.labels().contains(&"ext".to_string()));

    // Reset a secret (Fabric CA: identity modify --secret), then enrol with it.
    let secret = w.ok(["ca", "reset-secret", "ext"]);
    enroll(&w, "ext", secret.trim(), &["--label", "ext2"]);

    // Bulk enrolment.
    std::fs::write(w.tmp("rows.csv"), "id,type,affiliation,attributes\nb1,client,org1,\nb2,client,org1,x=1:ecert\n")
        .unwrap();
    let bulk = w.json(["ca", "bulk-enroll", "--csv", w.tmp("rows.csv").to_str().unwrap()]);
    assert_eq!(bulk["enrolled"], 2, "{bulk}");
    assert_eq!(w.json(["ca", "bulk-enroll", "--csv", w.tmp("rows.csv").to_str().unwrap()])["skipped"], 2);

    // Revoke with a CRL, then gencrl.
    let revoked = w.json([
        "ca",
        "revoke",
        "--id",
        "b1",
        "--reason",
        "keycompromise",
        "--gencrl",
        w.tmp("crl.pem").to_str().unwrap(),
    ]);
    assert_eq!(revoked["revoked"].as_array().unwrap().len(), 1, "{revoked}");
    let crl = w.json(["ca", "crl", "--out", w.tmp("crl2.pem").to_str().unwrap()]);
    assert_eq!(crl["entries"], 1, "{crl}");
    let text = openssl(&["crl", "-in", "crl2.pem", "-noout", "-text"], w.dir.path());
    let serial = revoked["revoked"][0]["serial"].as_str().unwrap().to_ascii_uppercase();
    assert!(String::from_utf8_lossy(&text).to_ascii_uppercase().contains(serial.trim_start_matches('0')), "{serial}");

    // The real fabric-ca-client makes a token-authenticated call with an MSP folder we exported.
    let home = w.tmp("goclient");
    w.ok(["ca", "export-msp", "admin", "--out", home.join("msp").to_str().unwrap(), "--insecure"]);
    let out = fabric_ca::client_ok(&home, &["identity", "list", "-u", &server.url, "--tls.certfiles", &root]);
    assert!(out.contains("Name: user1") && out.contains("Name: b2"), "{out}");

    // A --ca given wins over the default; --clear forgets it, and then there is no CA.
    let port = fabric_ca::free_port();
    w.cmd()
        .args(["ca", "identities", "--ca", &format!("http://127.0.0.1:{port}")])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("cannot connect to fabric CA"));
    assert_eq!(w.json(["ca", "use", "--clear"])["cleared"], true);
    w.cmd().args(["ca", "identities"]).assert().code(3).stderr(predicate::str::contains("wallet ca use URL"));
    // The same verbs with the URL on the command line.
    let ids = w.json(["ca", "identities", "--ca", &server.url, "--tls-root", &root]);
    assert!(ids.as_array().unwrap().len() >= 4, "{ids}");
}

#[test]
fn refusals_of_a_fabric_ca_name_the_cause_and_leave_the_wallet_unchanged() {
    let mut server = Server::start();
    let w = TestWallet::new();
    w.ok(["ca", "use", &server.url, "--msp-id", "Org1MSP"]);
    enroll(&w, "admin", "adminpw", &[]);
    let secret =
        w.ok(["ca", "register", "plain", "--type", "client", "--affiliation", "org1", "--max-enrollments", "1"]);
    enroll(&w, "plain", secret.trim(), &[]);
    let before = w.ok(["export", "plain", "--format", "cert"]);
    let labels = w.labels();

    // 401 code 20: a wrong secret, then a used-up allowance.
    for (id, s) in [("admin", "wrong"), ("plain", secret.trim())] {
        w.cmd()
            .env("WALLET_ENROLL_SECRET", s)
            .args(["ca", "enroll", id, "--label", "x"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains("code 20").and(predicate::str::contains("secret is wrong")));
    }
    // 403 code 71: no registrar rights.
    w.cmd()
        .args(["ca", "register", "z", "--as", "plain"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("403").and(predicate::str::contains("lacks a right")));
    // Enrolment needs the MSP ID, which a Fabric CA does not know.
    w.cmd()
        .env("WALLET_ENROLL_SECRET", "adminpw")
        .args(["ca", "enroll", "admin", "--label", "y", "--ca", &server.url])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("MSP ID").and(predicate::str::contains("--msp-id")));
    // TLS settings for an embedded CA are refused.
    w.cmd()
        .args(["ca", "identities", "--ca", "org1-ca", "--tls-root", "x.pem"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("apply to a Fabric CA URL"));
    // The server gone: named, and the renewal leaves every identity as it was.
    server.kill();
    w.cmd().args(["renew", "--all"]).assert().code(1).stderr(predicate::str::contains("cannot connect to fabric CA"));
    assert_eq!(w.labels(), labels);
    assert_eq!(w.ok(["export", "plain", "--format", "cert"]), before);
}

/// Every identity in the wallet at `path`: label → (certificate serial, whether its key and
/// certificate belong together and it signs).
fn usable(path: &Path) -> std::collections::BTreeMap<String, (String, bool)> {
    use wallet_core::backend::{OpenOptions, Passphrase};
    let options = OpenOptions::new().with_passphrase(Passphrase::new(PASSPHRASE));
    let wallet = wallet_core::Wallet::open(path.to_str().unwrap(), &options).unwrap();
    wallet
        .list()
        .unwrap()
        .into_iter()
        .map(|label| {
            let id = wallet.get(&label).unwrap();
            let key = id.certificate().public_key().unwrap();
            let ok = key == id.signer().public_key()
                && wallet_core::crypto::verify(&key, b"m", &id.sign(b"m").unwrap()).is_ok();
            (label, (id.certificate().serial_hex(), ok))
        })
        .collect()
}

#[test]
fn a_renewal_killed_half_way_and_rerun_leaves_every_identity_usable() {
    let server = Server::start();
    let w = TestWallet::new();
    w.ok(["ca", "use", &server.url, "--msp-id", "Org1MSP"]);
    enroll(&w, "admin", "adminpw", &[]);
    let rows: String = (0..30).map(|i| format!("r{i},client,org1,\n")).collect();
    std::fs::write(w.tmp("rows.csv"), rows).unwrap();
    assert_eq!(w.json(["ca", "bulk-enroll", "--csv", w.tmp("rows.csv").to_str().unwrap()])["enrolled"], 30);
    let before = usable(&w.path);
    assert_eq!(before.len(), 31);
    let reenrolls = || server.log().matches("POST /reenroll").count();
    let start = reenrolls();

    // `wallet renew --all`, killed (SIGKILL) once the server has renewed a few.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_wallet"))
        .args(["--wallet", w.path.to_str().unwrap(), "renew", "--all"])
        .env("WALLET_PASSPHRASE", PASSPHRASE)
        .env("HOME", w.dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    while reenrolls() < start + 3 {
        assert!(child.try_wait().unwrap().is_none(), "renew ended before it could be killed");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let after_kill = usable(&w.path);
    assert_eq!(after_kill.keys().collect::<Vec<_>>(), before.keys().collect::<Vec<_>>(), "no identity lost");
    assert!(after_kill.values().all(|(_, ok)| *ok), "every identity is usable: {after_kill:?}");
    let renewed = after_kill.iter().filter(|(l, (s, _))| before[*l].0 != *s).count();
    assert!((1..31).contains(&renewed), "killed half-way: {renewed} of 31 renewed");

    // The rerun finishes: every identity renewed and usable.
    let rows = w.json(["renew", "--all"]);
    assert!(rows.as_array().unwrap().iter().all(|r| r["error"].is_null()), "{rows}");
    let finished = usable(&w.path);
    assert!(finished.values().all(|(_, ok)| *ok));
    assert!(finished.iter().all(|(l, (s, _))| before[l].0 != *s), "every certificate is new");
}
