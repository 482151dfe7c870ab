//! An identity enrolled by the embedded CA, exported as a `.id` file, loaded by the real Node
//! `fabric-network` 2.2.20; signatures made by it verify against its certificate in Node.
//!
//! Needs `node` and `npm ci --prefix tests/interop`; without them the test fails and says so.

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use std::process::Command;
use std::sync::Arc;
use wallet_core::backend::MemoryBackend;
use wallet_core::ca::*;
use wallet_core::crypto::{verify, SignatureForm};
use wallet_core::formats::{id, serialized};
use wallet_core::Wallet;
use wallet_tests::tools::{interop_dir, require_node, run_ok};

#[test]
fn node_fabric_network_loads_an_enrolled_identity() {
    require_node();
    let wallet = Arc::new(Wallet::from_backend(Box::new(MemoryBackend::new())));
    let ca =
        CertificateAuthority::bootstrap(wallet.clone(), &BootstrapOptions::root(CaOptions::new("org1-ca", "Org1MSP")))
            .unwrap()
            .ca;
    let secret = ca
        .register(
            "admin",
            &RegistrationRequest {
                id: "appUser".into(),
                identity_type: Some("client".into()),
                affiliation: Some("org1.department1".into()),
                attributes: vec![Attribute::new("role", "auditor", true)],
                ..Default::default()
            },
        )
        .unwrap();
    let user = ca.enroll(&EnrollRequest { id: "appUser".into(), secret: Some(secret), ..Default::default() }).unwrap();

    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("wallet");
    id::write_file(&dir, &user, false).unwrap();

    for message in [b"proposal payload".to_vec(), vec![0u8; 1000]] {
        let ours = user.sign(&message).unwrap();
        let out = run_ok(
            Command::new("node")
                .arg(interop_dir().join("load-id.js"))
                .arg(&dir)
                .arg("appUser")
                .arg(hex::encode(&message))
                .arg(B64.encode(&ours)),
        );
        let node: serde_json::Value = serde_json::from_slice(&out).expect("node printed JSON");
        assert_eq!(node["mspId"], "Org1MSP");
        assert_eq!(node["type"], "X.509");
        assert_eq!(node["certificate"].as_str().unwrap(), user.certificate().to_pem());
        // Our signature verifies against the certificate in Node …
        assert_eq!(node["verified"], serde_json::Value::Bool(true), "Node rejected the signature: {node}");
        // … and the SDK's own signing identity, using our key, makes signatures that verify here.
        let pk = user.certificate().public_key().unwrap();
        let sdk = B64.decode(node["sdkSignature"].as_str().unwrap()).unwrap();
        assert_eq!(verify(&pk, &message, &sdk).unwrap(), SignatureForm::LowS);
        let node_sig = B64.decode(node["signature"].as_str().unwrap()).unwrap();
        verify(&pk, &message, &node_sig).unwrap();
        assert_eq!(B64.decode(node["serializedIdentity"].as_str().unwrap()).unwrap(), serialized::serialize(&user));
    }

    // The check can fail: a signature over other bytes is rejected in Node.
    let wrong = user.sign(b"something else").unwrap();
    let out = run_ok(
        Command::new("node")
            .arg(interop_dir().join("load-id.js"))
            .arg(&dir)
            .arg("appUser")
            .arg(hex::encode(b"proposal payload"))
            .arg(B64.encode(&wrong)),
    );
    let node: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(node["verified"], serde_json::Value::Bool(false));
}

/// Node chaincode reads the OUs of either OU layout (issue 13): fabric-shim 2.5.8's
/// `ClientIdentity`, given a certificate of each, sees the identity type and every affiliation
/// part as OUs and reads the Fabric attributes alike.
#[test]
fn node_chaincode_reads_the_ous_of_both_layouts() {
    require_node();
    let wallet = Arc::new(Wallet::from_backend(Box::new(MemoryBackend::new())));
    let tmp = tempfile::tempdir().unwrap();
    let mut files = vec![];
    for (name, layout) in [("fabric-ca", OuLayout::Fabric), ("strict-ca", OuLayout::Strict)] {
        let mut options = CaOptions::new(name, "Org1MSP");
        options.policy.ou_layout = layout;
        options.admin_id = format!("{name}-admin");
        let ca = CertificateAuthority::bootstrap(wallet.clone(), &BootstrapOptions::root(options)).unwrap().ca;
        let registrar = format!("{name}-admin");
        let request = RegistrationRequest {
            id: format!("{name}-user"),
            identity_type: Some("client".into()),
            affiliation: Some("org1.department1".into()),
            ..Default::default()
        };
        let secret = ca.register(&registrar, &request).unwrap();
        let user = ca.enroll(&EnrollRequest { id: request.id.clone(), secret: Some(secret), ..Default::default() });
        let file = tmp.path().join(format!("{name}.pem"));
        std::fs::write(&file, user.unwrap().certificate().to_pem()).unwrap();
        files.push((name, file));
    }
    let out = run_ok(
        Command::new("node")
            .arg(interop_dir().join("client-identity.js"))
            .arg("Org1MSP")
            .args(files.iter().map(|(_, f)| f)),
    );
    let read: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let read = read.as_array().unwrap();
    assert_eq!(read.len(), 2);
    for (row, (name, _)) in read.iter().zip(&files) {
        let mut ous: Vec<&str> = row["ous"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        ous.sort();
        assert_eq!(ous, ["client", "department1", "org1"], "{name}: {row}");
        assert_eq!(row["attrs"]["hf.Type"], "client", "{name}: {row}");
        assert_eq!(row["attrs"]["hf.Affiliation"], "org1.department1", "{name}: {row}");
        assert_eq!(row["attrs"]["hf.EnrollmentID"], format!("{name}-user"), "{name}: {row}");
        assert_eq!(row["mspId"], "Org1MSP");
        let id = row["id"].as_str().unwrap();
        assert!(id.starts_with("x509::") && id.contains(&format!("CN={name}-user")), "{name}: {id}");
        eprintln!("{name}: getID() = {id}");
    }
}
