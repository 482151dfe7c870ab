//! wallet export: each format, re-imported or read by openssl; the --insecure rule.

use crate::common::*;
use predicates::prelude::*;
use std::path::Path;

fn wallet_with_user2() -> TestWallet {
    let w = TestWallet::new();
    w.cmd().arg("import").arg(msp_dir("user2")).args(["--msp-id", "Org1MSP", "--label", "user2"]).assert().success();
    w
}

/// The fields that identify an identity: certificate, key and MSP ID.
fn identity_fingerprint(w: &TestWallet, label: &str) -> serde_json::Value {
    let v = w.json(["show", label]);
    serde_json::json!([v["msp_id"], v["certificate"]["serial"], v["certificate"]["subject"], v["key"]["keystore_id"]])
}

/// Proves the re-imported key is the same key: a signature by one verifies with the other.
fn assert_same_key(w: &TestWallet, a: &str, b: &str) {
    let msg = w.tmp("same-key.txt");
    std::fs::write(&msg, b"same key?").unwrap();
    let sig = w.tmp("same-key.sig");
    sign_file(w, a, &msg, &sig, &[]);
    verify_cmd(w, b, &sig, &msg, &[]).assert().success();
}

#[test]
fn private_key_formats_need_insecure() {
    let w = wallet_with_user2();
    for format in ["id", "msp", "pem", "caliper"] {
        let out = w.tmp(&format!("out-{format}"));
        w.cmd().args(["export", "user2", "--format", format, "--out"]).arg(&out).assert().code(2).stdout("").stderr(
            predicate::str::contains("refusing to write the private key of \"user2\" unencrypted")
                .and(predicate::str::contains("hint: the Fabric formats"))
                .and(predicate::str::contains("plaintext"))
                .and(predicate::str::contains("--insecure")),
        );
        assert!(!out.exists(), "a refused export wrote {}", out.display());
    }
    w.cmd().args(["export", "user2", "--format", "id"]).assert().code(2).stdout("");
    w.cmd()
        .args(["export", "--all", "--out"])
        .arg(w.tmp("all"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("every private key"));
    assert!(!w.tmp("all").exists());
}

#[test]
fn id_export_reimports_as_the_same_identity() {
    let w = wallet_with_user2();
    let out = w.tmp("sdk-wallet");
    w.cmd()
        .args(["export", "user2", "--format", "id", "--insecure", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("user2.id"));
    let file = out.join("user2.id");
    #[cfg(unix)]
    assert_eq!(mode(&file), 0o600);
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(json["type"], "X.509");
    assert_eq!(json["version"], 1);
    assert_eq!(json["mspId"], "Org1MSP");
    assert!(json["credentials"]["privateKey"].as_str().unwrap().contains("PRIVATE KEY-----"));
    w.cmd().arg("import").arg(&file).args(["--label", "copy"]).assert().success();
    assert_eq!(identity_fingerprint(&w, "copy"), identity_fingerprint(&w, "user2"));
    assert_same_key(&w, "copy", "user2");
    // A second export into the same folder needs --force.
    w.cmd().args(["export", "user2", "--format", "id", "--insecure", "--out"]).arg(&out).assert().code(5);
    w.cmd().args(["export", "user2", "--format", "id", "--insecure", "--force", "--out"]).arg(&out).assert().success();
}

#[test]
fn id_export_to_stdout() {
    let w = wallet_with_user2();
    let out = w.ok(["export", "user2", "--format", "id", "--insecure"]);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["mspId"], "Org1MSP");
}

#[test]
fn msp_export_reimports_as_the_same_identity() {
    let w = wallet_with_user2();
    let out = w.tmp("msp-out");
    w.cmd().args(["export", "user2", "--format", "msp", "--insecure", "--out"]).arg(&out).assert().success();
    assert!(out.join("signcerts").is_dir() && out.join("cacerts").is_dir());
    let keystore_id = w.json(["show", "user2"])["key"]["keystore_id"].as_str().unwrap().to_owned();
    let key = out.join("keystore").join(format!("{keystore_id}_sk"));
    assert!(key.is_file(), "no keystore/{keystore_id}_sk");
    #[cfg(unix)]
    assert_eq!(mode(&key), 0o600);
    w.cmd().arg("import").arg(&out).args(["--msp-id", "Org1MSP", "--label", "copy"]).assert().success();
    assert_eq!(identity_fingerprint(&w, "copy"), identity_fingerprint(&w, "user2"));
    assert_same_key(&w, "copy", "user2");
    // Not into a folder that has content, unless forced.
    w.cmd().args(["export", "user2", "--format", "msp", "--insecure", "--out"]).arg(&out).assert().code(5);
}

#[test]
fn msp_export_needs_an_output_folder() {
    let w = wallet_with_user2();
    w.cmd()
        .args(["export", "user2", "--format", "msp", "--insecure"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--out DIR"));
}

#[test]
fn pem_export_reimports_and_openssl_reads_it() {
    let w = wallet_with_user2();
    let out = w.tmp("pem-out");
    w.cmd().args(["export", "user2", "--format", "pem", "--insecure", "--out"]).arg(&out).assert().success();
    let (cert, key) = (out.join("cert.pem"), out.join("key.pem"));
    #[cfg(unix)]
    assert_eq!(mode(&key), 0o600);
    let from_key = openssl(&["pkey", "-in", key.to_str().unwrap(), "-pubout"], w.dir.path());
    let from_cert = openssl(&["x509", "-in", cert.to_str().unwrap(), "-pubkey", "-noout"], w.dir.path());
    assert_eq!(from_key, from_cert, "the exported key is the certificate's");
    w.import_pem(&cert, &key, "copy");
    assert_eq!(identity_fingerprint(&w, "copy"), identity_fingerprint(&w, "user2"));
    assert_same_key(&w, "copy", "user2");
    // Stdout gets the chain followed by the key, which imports as one file.
    let both = w.tmp("both.pem");
    std::fs::write(&both, w.ok(["export", "user2", "--format", "pem", "--insecure"])).unwrap();
    w.cmd().arg("import").arg(&both).args(["--msp-id", "Org1MSP", "--label", "copy2"]).assert().success();
    assert_same_key(&w, "copy2", "user2");
}

fn openssl_fingerprint(cert: &Path, dir: &Path) -> String {
    String::from_utf8(openssl(&["x509", "-in", cert.to_str().unwrap(), "-noout", "-fingerprint", "-sha256"], dir))
        .unwrap()
}

#[test]
fn cert_export_needs_no_flag_and_is_the_certificate() {
    let w = wallet_with_user2();
    let out = w.tmp("user2.pem");
    w.cmd().args(["export", "user2", "--format", "cert", "--out"]).arg(&out).assert().success();
    let original = msp_dir("user2").join("signcerts/cert.pem");
    assert_eq!(openssl_fingerprint(&out, w.dir.path()), openssl_fingerprint(&original, w.dir.path()));
    let text = w.ok(["export", "user2", "--format", "cert"]);
    assert_eq!(text.as_bytes(), std::fs::read(&out).unwrap());
    assert!(!text.contains("PRIVATE"));
    // An existing file is kept unless --force.
    w.cmd()
        .args(["export", "user2", "--format", "cert", "--out"])
        .arg(&out)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("already exists"));
    w.cmd().args(["export", "user2", "--format", "cert", "--force", "--out"]).arg(&out).assert().success();
}

/// Read a protobuf varint.
fn varint(bytes: &[u8], pos: &mut usize) -> usize {
    let mut value = 0usize;
    for shift in (0..).step_by(7) {
        let b = bytes[*pos];
        *pos += 1;
        value |= ((b & 0x7f) as usize) << shift;
        if b & 0x80 == 0 {
            break;
        }
    }
    value
}

#[test]
fn caliper_export_is_a_network_config_with_the_identity_inline() {
    let w = wallet_with_user2();
    let out = w.tmp("caliper.json");
    w.cmd()
        .args(["export", "user2", "--format", "caliper", "--insecure", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicate::str::contains("now stored unencrypted"));
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    assert_eq!(v["version"], "2.0.0");
    let org = &v["organizations"][0];
    assert_eq!(org["mspid"], "Org1MSP");
    let entry = &org["identities"]["certificates"][0];
    assert_eq!(entry["name"], "user2");
    let cert = w.ok(["export", "user2", "--format", "cert"]);
    assert_eq!(entry["clientSignedCert"]["pem"], cert.as_str());
    // The key is the identity's: re-import the pair under another label and compare.
    let key = w.tmp("caliper-key.pem");
    std::fs::write(&key, entry["clientPrivateKey"]["pem"].as_str().unwrap()).unwrap();
    let cert_file = w.tmp("caliper-cert.pem");
    std::fs::write(&cert_file, &cert).unwrap();
    w.cmd()
        .arg("import")
        .arg("--cert")
        .arg(&cert_file)
        .arg("--key")
        .arg(&key)
        .args(["--msp-id", "Org1MSP", "--label", "again"])
        .assert()
        .success();
    assert_same_key(&w, "user2", "again");
}

#[test]
fn serialized_export_is_a_serialized_identity() {
    let w = wallet_with_user2();
    let out = w.tmp("user2.sid");
    w.cmd().args(["export", "user2", "--format", "serialized", "--out"]).arg(&out).assert().success();
    let bytes = std::fs::read(&out).unwrap();
    // SerializedIdentity { string mspid = 1; bytes id_bytes = 2; }, parsed by hand.
    let mut pos = 0;
    assert_eq!(bytes[pos], 0x0a);
    pos += 1;
    let len = varint(&bytes, &mut pos);
    assert_eq!(&bytes[pos..pos + len], b"Org1MSP");
    pos += len;
    assert_eq!(bytes[pos], 0x12);
    pos += 1;
    let len = varint(&bytes, &mut pos);
    let id_bytes = &bytes[pos..pos + len];
    assert_eq!(pos + len, bytes.len());
    let cert = w.ok(["export", "user2", "--format", "cert"]);
    assert_eq!(id_bytes, cert.as_bytes());
}

#[test]
fn export_all_writes_an_sdk_wallet_folder() {
    let w = TestWallet::new();
    for label in ["admin", "appUser", "nodeSec1"] {
        w.import_id(label);
    }
    let out = w.tmp("all");
    let assert = w.cmd().args(["export", "--all", "--insecure", "--out"]).arg(&out).assert().success();
    assert_eq!(stdout(&assert).lines().count(), 3);
    let mut files: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    files.sort();
    assert_eq!(files, ["admin.id", "appUser.id", "nodeSec1.id"]);
    // A fresh wallet imports the folder back.
    let other = TestWallet::new();
    other.cmd().arg("import").arg(&out).assert().success();
    assert_eq!(other.labels(), ["admin", "appUser", "nodeSec1"]);
    assert_eq!(identity_fingerprint(&other, "nodeSec1"), identity_fingerprint(&w, "nodeSec1"));
    w.cmd().args(["export", "--all", "--format", "pem", "--insecure", "--out"]).arg(w.tmp("x")).assert().code(2);
}

#[test]
fn export_of_a_missing_label_exits_3() {
    let w = TestWallet::new();
    w.cmd()
        .args(["export", "ghost", "--format", "cert"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no identity named"));
}
