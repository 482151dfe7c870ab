//! `.id` files we write, loaded by the real Node SDK (`fabric-network` 2.2.20, pinned in
//! `tests/interop/package.json`), and signatures checked in both directions.
//!
//! Needs `node` and `npm ci --prefix tests/interop`; without them the test fails and says so.

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use std::path::Path;
use std::process::Command;
use wallet_core::crypto::{verify, SignatureForm};
use wallet_core::formats::{id, serialized};
use wallet_core::{Certificate, Identity};
use wallet_tests::pki::TestCa;
use wallet_tests::tools::{interop_dir, require_node, run_ok};

struct NodeView {
    json: serde_json::Value,
}

impl NodeView {
    fn str(&self, key: &str) -> &str {
        self.json[key].as_str().unwrap_or_else(|| panic!("{key} missing in {}", self.json))
    }
    fn bytes(&self, key: &str) -> Vec<u8> {
        B64.decode(self.str(key)).unwrap()
    }
}

fn load_in_node(wallet: &Path, label: &str, message: &[u8], signature: &[u8]) -> NodeView {
    let out = run_ok(
        Command::new("node")
            .arg(interop_dir().join("load-id.js"))
            .arg(wallet)
            .arg(label)
            .arg(hex::encode(message))
            .arg(B64.encode(signature)),
    );
    NodeView { json: serde_json::from_slice(&out).unwrap_or_else(|e| panic!("node printed no JSON ({e})")) }
}

#[test]
fn node_sdk_loads_our_id_files_and_signatures_cross_verify() {
    require_node();
    let root = TestCa::root("fabric-ca-server");
    let issuing = root.intermediate("issuing-ca");
    let identities: Vec<Identity> = vec![
        root.enroll("user1", "Org1MSP", vec![root.cert.clone()]),
        issuing.enroll("Admin Org2 é", "Org2MSP", vec![issuing.cert.clone(), root.cert.clone()]),
    ];
    let tmp = tempfile::tempdir().unwrap();
    let wallet = tmp.path().join("wallet");
    for identity in &identities {
        id::write_file(&wallet, identity, false).unwrap();
    }
    let mut labels: Vec<&str> = identities.iter().map(Identity::label).collect();
    labels.sort();

    for identity in &identities {
        let message = format!("proposal bytes for {}", identity.label()).into_bytes();
        let ours = identity.sign(&message).unwrap();
        let node = load_in_node(&wallet, identity.label(), &message, &ours);

        let listed: Vec<&str> = node.json["labels"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(listed, labels);
        assert_eq!(node.str("mspId"), identity.msp_id());
        assert_eq!(node.str("type"), "X.509");
        assert_eq!(node.str("certificate"), identity.certificate().to_pem(), "leaf only, PEM with LF");
        assert_eq!(&Certificate::from_pem(node.str("certificate").as_bytes(), "node").unwrap(), identity.certificate());

        // Our signature verifies in Node …
        assert_eq!(node.json["verified"], serde_json::Value::Bool(true), "Node rejected our signature");
        // … and Node's signatures (node:crypto and the SDK's signing identity) verify here.
        let pk = identity.certificate().public_key().unwrap();
        verify(&pk, &message, &node.bytes("signature")).expect("node:crypto signature");
        let sdk_form = verify(&pk, &message, &node.bytes("sdkSignature")).expect("fabric-common signature");
        assert_eq!(sdk_form, SignatureForm::LowS, "the SDK normalises to low S, as Fabric requires");
        // The SDK serialises the identity to the same SerializedIdentity bytes we do.
        assert_eq!(node.bytes("serializedIdentity"), serialized::serialize(identity));
    }

    // The check can fail: a signature over other bytes is rejected by Node.
    let identity = &identities[0];
    let wrong = identity.sign(b"something else").unwrap();
    let node = load_in_node(&wallet, identity.label(), b"proposal bytes", &wrong);
    assert_eq!(node.json["verified"], serde_json::Value::Bool(false));
}

#[test]
fn node_sdk_reads_our_overwritten_file() {
    require_node();
    let root = TestCa::root("ca");
    let tmp = tempfile::tempdir().unwrap();
    let first = root.enroll("alice", "Org1MSP", vec![]);
    let second = root.enroll("alice", "Org2MSP", vec![]);
    id::write_file(tmp.path(), &first, false).unwrap();
    assert!(id::write_file(tmp.path(), &second, false).is_err());
    id::write_file(tmp.path(), &second, true).unwrap();
    let message = b"m";
    let node = load_in_node(tmp.path(), "alice", message, &second.sign(message).unwrap());
    assert_eq!(node.str("mspId"), "Org2MSP");
    assert_eq!(node.json["verified"], serde_json::Value::Bool(true));
}
