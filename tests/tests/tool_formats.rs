//! The formats administrators already hand around, checked against the tools that own them:
//! real Fabric Operations Console-style identity exports (`tests/fixtures/fabric-operations-console`),
//! Hyperledger Composer cards through composer-common 0.20.9's own `IdCard`, and Caliper network
//! configurations through @hyperledger/caliper-fabric 0.6.0's own `IdentityManager` (all pinned
//! in `tests/interop/package.json`).
//!
//! Needs `node` and `npm ci --prefix tests/interop`; without them the tests fail and say so.

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use std::path::{Path, PathBuf};
use std::process::Command;
use wallet_core::crypto::{verify, SignatureForm};
use wallet_core::formats::{caliper, card, console, pem_pair};
use wallet_core::{Certificate, Identity};
use wallet_tests::pki::TestCa;
use wallet_tests::tools::{fixtures, interop_dir, require_node, run, run_ok};

fn console_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join("fabric-operations-console").join(name)).unwrap()
}

/// The key really is the certificate's: a signature made with it verifies under the certificate's key.
fn assert_key_matches(identity: &Identity) {
    let sig = identity.sign(b"does the key match?").unwrap();
    verify(&identity.certificate().public_key().unwrap(), b"does the key match?", &sig).unwrap();
}

fn require_interop_package(package: &str) {
    require_node();
    let pkg = interop_dir().join("node_modules").join(package).join("package.json");
    assert!(pkg.is_file(), "{} is missing; run `npm ci --prefix tests/interop`", pkg.display());
}

/// Run one of the interop scripts; its JSON is the last line of stdout (Caliper logs above it).
fn node_json(script: &str, args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let out = run_ok(Command::new("node").arg(interop_dir().join(script)).args(args));
    let text = String::from_utf8(out).unwrap();
    let last = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_else(|| panic!("{script} printed nothing"));
    serde_json::from_str(last).unwrap_or_else(|e| panic!("{script} printed no JSON ({e}): {text}"))
}

#[test]
fn real_console_exports_import_export_back_and_sign() {
    // An identity as IBM Blockchain Platform's tools export it: an array of the console's
    // objects, base64 PEM, with an "msp_id" of its own.
    let json = console_fixture("ibp-vscode-admin.json");
    assert!(console::names_msp_ids(&json));
    let mut found = console::parse(&json, None, None, "ibp-vscode-admin.json").unwrap();
    assert_eq!(found.len(), 1);
    let admin = found.remove(0).unwrap();
    assert_eq!((admin.label(), admin.msp_id()), ("admin", "Org1MSP"));
    assert_eq!(admin.certificate().common_name().as_deref(), Some("admin"));
    assert_key_matches(&admin);
    // The certificate is the fixture's, byte for byte.
    let original: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let original_pem = B64.decode(original[0]["cert"].as_str().unwrap()).unwrap();
    assert_eq!(admin.certificate(), &Certificate::from_pem(&original_pem, "fixture").unwrap());

    // Exported back in the console's shape, and read again: the same certificate and key.
    let ours = console::to_json(&admin).unwrap();
    let v: serde_json::Value = serde_json::from_str(&ours).unwrap();
    assert_eq!((v["name"].as_str(), v["type"].as_str()), (Some("admin"), Some("identity")));
    let back = console::parse(ours.as_bytes(), Some("Org1MSP"), None, "ours.json").unwrap().remove(0).unwrap();
    assert_eq!(back.certificate(), admin.certificate());
    assert_eq!(back.signer().public_key(), admin.signer().public_key());
    let message = b"signed after a round trip through the console format";
    let sig = back.sign(message).unwrap();
    assert_eq!(verify(&admin.certificate().public_key().unwrap(), message, &sig).unwrap(), SignatureForm::LowS);
    // Without an MSP ID of its own, our export needs one given.
    assert!(!console::names_msp_ids(ours.as_bytes()));
    let e = console::parse(ours.as_bytes(), None, None, "ours.json").unwrap().remove(0).unwrap_err();
    assert!(e.to_string().contains("no MSP ID"), "{e}");
}

#[test]
fn the_console_documentations_abridged_sample_is_refused_by_name() {
    // The console's documentation shows one identity with CRLF PEM inside the base64; its
    // certificate is shortened for the page, so it is not a certificate at all.
    let json = console_fixture("console-docs-peeradmin.json");
    let found = console::parse(&json, Some("Org1MSP"), None, "console-docs-peeradmin.json").unwrap();
    assert_eq!(found.len(), 1);
    let e = found.into_iter().next().unwrap().unwrap_err().to_string();
    assert!(e.contains("console-docs-peeradmin.json") && e.contains("cert"), "{e}");
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn composer_reads_our_card_and_writes_one_we_read() {
    require_interop_package("composer-common");
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::root("composer-ca");
    let alice = ca.enroll("alice", "Org1MSP", vec![]);

    // Ours, read by Composer's IdCard.fromArchive.
    let options = card::CardOptions {
        business_network: Some("trade-network".into()),
        description: Some("alice for the trade network".into()),
        ..Default::default()
    };
    let ours = write(dir.path(), "alice.card", &card::to_card(&alice, &options).unwrap());
    let seen = node_json("composer-card.js", &["read".as_ref(), ours.as_os_str()]);
    assert_eq!(seen["userName"], "alice");
    assert_eq!(seen["businessNetwork"], "trade-network");
    assert_eq!(seen["description"], "alice for the trade network");
    let cert = seen["certificate"].as_str().unwrap();
    let key = seen["privateKey"].as_str().unwrap();
    let again = pem_pair::parse("alice", "Org1MSP", cert.as_bytes(), key.as_bytes()).unwrap();
    assert_eq!(again.certificate(), alice.certificate());
    assert_eq!(again.signer().public_key(), alice.signer().public_key());
    assert_eq!(
        seen["connection"]["organizations"][seen["connection"]["client"]["organization"].as_str().unwrap()]["mspid"],
        "Org1MSP"
    );

    // Composer's, written by IdCard.toArchive, read by us.
    let bob = ca.enroll("bob", "Org1MSP", vec![]);
    let (cert_pem, key_pem) = pem_pair::to_pem(&bob).unwrap();
    let cert_file = write(dir.path(), "bob.pem", cert_pem.as_bytes());
    let key_file = write(dir.path(), "bob.key", key_pem.as_bytes());
    let theirs = dir.path().join("bob.card");
    let write_card = |out: &Path, key: &Path| {
        run_ok(
            Command::new("node")
                .arg(interop_dir().join("composer-card.js"))
                .arg("write")
                .arg(out)
                .arg(&cert_file)
                .arg(key)
                .args(["bob", "Org1MSP"]),
        )
    };
    write_card(&theirs, &key_file);
    let read = card::parse(&std::fs::read(&theirs).unwrap(), None, None, "bob.card").unwrap();
    assert_eq!((read.identity.label(), read.identity.msp_id()), ("bob", "Org1MSP"));
    assert_eq!(read.business_network.as_deref(), Some("trade-network"));
    assert_eq!(read.identity.certificate(), bob.certificate());
    assert_key_matches(&read.identity);

    // A card whose key is another identity's is refused, not stored with a key that cannot sign for it.
    let (_, other_key) = pem_pair::to_pem(&alice).unwrap();
    let other_key_file = write(dir.path(), "alice.key", other_key.as_bytes());
    let mismatched = dir.path().join("mismatched.card");
    write_card(&mismatched, &other_key_file);
    let e = card::parse(&std::fs::read(&mismatched).unwrap(), None, None, "mismatched.card").unwrap_err();
    assert!(matches!(e, wallet_core::Error::Key(wallet_core::crypto::KeyError::Mismatch { .. })), "{e}");
}

#[test]
fn caliper_loads_our_network_configuration_with_its_own_identity_code() {
    require_interop_package("@hyperledger/caliper-fabric");
    let dir = tempfile::tempdir().unwrap();
    let ca1 = TestCa::root("org1-ca");
    let ca2 = TestCa::root("org2-ca");
    let (a, b) = (ca1.enroll("user1", "Org1MSP", vec![]), ca1.enroll("admin1", "Org1MSP", vec![]));
    let c = ca2.enroll("user2", "Org2MSP", vec![]);
    let config = caliper::network_config("bench-network", &[&a, &b, &c]).unwrap();
    let file = write(dir.path(), "network.json", config.as_bytes());
    let message = b"a transaction proposal, as Caliper's workers sign them";
    let hex_message = hex::encode(message);
    let loaded = node_json("caliper-identities.js", &[file.as_os_str(), hex_message.as_ref()]);
    let loaded = loaded.as_array().unwrap();
    assert_eq!(loaded.len(), 3, "{loaded:?}");
    // Caliper names the first organization's identities plainly and the others' with a prefix.
    let expected = [("Org1MSP", "user1", &a), ("Org1MSP", "admin1", &b), ("Org2MSP", "_Org2MSP_user2", &c)];
    for (msp, alias, identity) in expected {
        let got = loaded
            .iter()
            .find(|l| l["alias"] == alias)
            .unwrap_or_else(|| panic!("Caliper did not load {alias}: {loaded:?}"));
        assert_eq!(got["mspId"], msp);
        let cert = Certificate::from_pem(got["certificate"].as_str().unwrap().as_bytes(), alias).unwrap();
        assert_eq!(&cert, identity.certificate());
        // The key Caliper loaded signs for the certificate.
        let sig = B64.decode(got["signature"].as_str().unwrap()).unwrap();
        verify(&identity.certificate().public_key().unwrap(), message, &sig)
            .unwrap_or_else(|e| panic!("{alias}: Caliper's signature does not verify: {e}"));
    }
    // A configuration Caliper refuses shows the check is real: two organizations with one MSP ID.
    let twice = caliper::network_config("bad", &[&a, &c]).unwrap();
    let mut twice: serde_json::Value = serde_json::from_str(&twice).unwrap();
    twice["organizations"][1]["mspid"] = "Org1MSP".into();
    let bad = write(dir.path(), "bad.json", twice.to_string().as_bytes());
    let out = run(Command::new("node").arg(interop_dir().join("caliper-identities.js")).arg(&bad).arg(&hex_message));
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("same mspid"), "{}", String::from_utf8_lossy(&out.stderr));
}
