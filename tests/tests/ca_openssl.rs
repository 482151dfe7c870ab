//! Certificates and CRLs of the embedded CA checked by the `openssl` command-line tool:
//! chains (root and intermediate) verify, a revoked certificate fails `-crl_check` with our CRL,
//! the CRL verifies against the CA certificate, and an imported openssl-made CA issues
//! certificates openssl accepts.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use wallet_core::backend::MemoryBackend;
use wallet_core::ca::*;
use wallet_core::{Certificate, Wallet};
use wallet_tests::tools::{run, run_ok};

fn wallet() -> Arc<Wallet> {
    Arc::new(Wallet::from_backend(Box::new(MemoryBackend::new())))
}

fn write(dir: &Path, name: &str, pem: &str) -> String {
    std::fs::write(dir.join(name), pem).unwrap();
    name.to_owned()
}

/// `openssl verify` in `dir`; returns (success, combined output).
fn verify(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = run(Command::new("openssl").current_dir(dir).arg("verify").args(args));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn enroll(ca: &CertificateAuthority, registrar: &str, id: &str, label: &str) -> wallet_core::Identity {
    let secret = ca
        .register(
            registrar,
            &RegistrationRequest {
                id: id.into(),
                identity_type: Some("client".into()),
                affiliation: Some("org1.department1".into()),
                attributes: vec![Attribute::new("role", "auditor", true)],
                ..Default::default()
            },
        )
        .unwrap();
    ca.enroll(&EnrollRequest {
        id: id.into(),
        secret: Some(secret),
        label: Some(label.into()),
        hosts: vec!["peer0.org1.example.com".into()],
        ..Default::default()
    })
    .unwrap()
}

#[test]
fn openssl_verifies_root_and_intermediate_chains_and_crls() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let w = wallet();
    let root =
        CertificateAuthority::bootstrap(w.clone(), &BootstrapOptions::root(CaOptions::new("root-ca", "Org1MSP")))
            .unwrap()
            .ca;
    let mut int_opts = CaOptions::new("int-ca", "Org1MSP");
    int_opts.admin_id = "int-admin".into();
    let int = CertificateAuthority::bootstrap(w.clone(), &BootstrapOptions::intermediate(int_opts, &root, "admin"))
        .unwrap()
        .ca;

    let root_pem = write(dir, "root.pem", &root.certificate().to_pem());
    let int_pem = write(dir, "int.pem", &int.certificate().to_pem());

    // The CA certificates themselves.
    let (ok, text) = verify(dir, &["-CAfile", &root_pem, &root_pem]);
    assert!(ok, "root: {text}");
    let (ok, text) = verify(dir, &["-CAfile", &root_pem, &int_pem]);
    assert!(ok, "intermediate: {text}");

    // Enrolment certificates under each.
    let u1 = enroll(&root, "admin", "user1", "user1");
    let u2 = enroll(&root, "admin", "user2", "user2");
    let i1 = enroll(&int, "int-admin", "iuser1", "iuser1");
    let i2 = enroll(&int, "int-admin", "iuser2", "iuser2");
    let files: Vec<String> = [&u1, &u2, &i1, &i2]
        .iter()
        .map(|id| write(dir, &format!("{}.pem", id.label()), &id.certificate().to_pem()))
        .collect();
    for f in &files[..2] {
        let (ok, text) = verify(dir, &["-CAfile", &root_pem, f]);
        assert!(ok, "{f}: {text}");
    }
    for f in &files[2..] {
        let (ok, text) = verify(dir, &["-CAfile", &root_pem, "-untrusted", &int_pem, f]);
        assert!(ok, "{f}: {text}");
        // Without the intermediate the chain is incomplete: the check can fail.
        let (ok, _) = verify(dir, &["-CAfile", &root_pem, f]);
        assert!(!ok, "{f} verified without its intermediate");
    }
    // The wallet's chain is what a relying party needs: intermediate then root.
    let chain: String = i1.chain().iter().map(Certificate::to_pem).collect();
    assert_eq!(chain, format!("{}{}", int.certificate().to_pem(), root.certificate().to_pem()));

    // Revoke user2 at the root and iuser2 at the intermediate; make the CRLs.
    root.revoke("admin", &RevokeTarget::Identity("user2".into()), RevocationReason::KeyCompromise).unwrap();
    int.revoke(
        "int-admin",
        &RevokeTarget::Certificate {
            serial: i2.certificate().serial_hex(),
            aki: hex::encode(i2.certificate().authority_key_id().unwrap()),
        },
        RevocationReason::Superseded,
    )
    .unwrap();
    let root_crl = write(dir, "root-crl.pem", &root.generate_crl("admin", &CrlOptions::default()).unwrap().to_pem());
    let int_crl = write(dir, "int-crl.pem", &int.generate_crl("int-admin", &CrlOptions::default()).unwrap().to_pem());

    // The CRLs verify against their CA certificates (and not against the other CA).
    for (crl, ca) in [(&root_crl, &root_pem), (&int_crl, &int_pem)] {
        let out = run(Command::new("openssl").current_dir(dir).args(["crl", "-in", crl, "-CAfile", ca, "-noout"]));
        let text = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains("verify OK"), "{crl}: {text}");
    }
    let out =
        run(Command::new("openssl").current_dir(dir).args(["crl", "-in", &int_crl, "-CAfile", &root_pem, "-noout"]));
    let text = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("verify OK"), "intermediate CRL verified with the root's key: {text}");

    // CRL content as openssl reads it: v2, AKI, CRL number, reason codes.
    let text = String::from_utf8(run_ok(
        Command::new("openssl").current_dir(dir).args(["crl", "-in", &root_crl, "-noout", "-text"]),
    ))
    .unwrap();
    assert!(text.contains("Version 2"), "{text}");
    assert!(text.contains("X509v3 Authority Key Identifier"), "{text}");
    assert!(text.contains("X509v3 CRL Number") && text.contains("1"), "{text}");
    assert!(text.contains("Key Compromise"), "{text}");
    assert!(text.contains(&u2.certificate().serial_hex().to_uppercase()), "{text}");

    // -crl_check: the revoked fail, the others pass.
    let (ok, text) = verify(dir, &["-crl_check", "-CAfile", &root_pem, "-CRLfile", &root_crl, &files[1]]);
    assert!(!ok && text.contains("certificate revoked"), "revoked user2: {text}");
    let (ok, text) = verify(dir, &["-crl_check", "-CAfile", &root_pem, "-CRLfile", &root_crl, &files[0]]);
    assert!(ok, "user1: {text}");
    let (ok, text) =
        verify(dir, &["-crl_check", "-CAfile", &root_pem, "-untrusted", &int_pem, "-CRLfile", &int_crl, &files[3]]);
    assert!(!ok && text.contains("certificate revoked"), "revoked iuser2: {text}");
    let (ok, text) =
        verify(dir, &["-crl_check", "-CAfile", &root_pem, "-untrusted", &int_pem, "-CRLfile", &int_crl, &files[2]]);
    assert!(ok, "iuser1: {text}");
    // The intermediate's own certificate is not revoked at the root: a full chain check passes.
    let both = write(
        dir,
        "crls.pem",
        &(std::fs::read_to_string(dir.join(&root_crl)).unwrap()
            + &std::fs::read_to_string(dir.join(&int_crl)).unwrap()),
    );
    let (ok, text) =
        verify(dir, &["-crl_check_all", "-CAfile", &root_pem, "-untrusted", &int_pem, "-CRLfile", &both, &files[2]]);
    assert!(ok, "iuser1 full chain: {text}");
}

#[test]
fn an_openssl_made_ca_can_be_imported_and_issues_verifiable_certificates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // A CA as cryptogen or an operator would make it, with a SEC1 key.
    run_ok(Command::new("openssl").current_dir(dir).args([
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        "ca-key.pem",
    ]));
    run_ok(Command::new("openssl").current_dir(dir).args([
        "req",
        "-x509",
        "-new",
        "-key",
        "ca-key.pem",
        "-sha256",
        "-days",
        "3650",
        "-subj",
        "/C=US/ST=California/L=San Francisco/O=org1.example.com/CN=ca.org1.example.com",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign,cRLSign",
        "-out",
        "ca-cert.pem",
    ]));
    let cert_pem = std::fs::read(dir.join("ca-cert.pem")).unwrap();
    let key_pem = std::fs::read(dir.join("ca-key.pem")).unwrap();
    assert!(String::from_utf8_lossy(&key_pem).contains("EC PRIVATE KEY"));
    let w = wallet();
    let mut opts = CaOptions::new("imported", "Org1MSP");
    opts.names = SubjectNames {
        country: Some("US".into()),
        state: Some("California".into()),
        locality: Some("San Francisco".into()),
        organization: None,
    };
    let done =
        CertificateAuthority::bootstrap(w.clone(), &BootstrapOptions::import(opts, &cert_pem, &key_pem)).unwrap();
    let (ca, admin) = (done.ca, done.admin.unwrap());
    assert_eq!(ca.certificate(), &Certificate::from_pem(&cert_pem, "ca").unwrap());
    assert_eq!(admin.certificate().subject(), "CN=admin,OU=client,L=San Francisco,ST=California,C=US");
    write(dir, "admin.pem", &admin.certificate().to_pem());
    let (ok, text) = verify(dir, &["-CAfile", "ca-cert.pem", "admin.pem"]);
    assert!(ok, "{text}");
    // Reopened from the wallet, it still signs with the imported key.
    let again = CertificateAuthority::open(w.clone(), "imported").unwrap();
    let u = enroll(&again, "admin", "u1", "u1");
    write(dir, "u1.pem", &u.certificate().to_pem());
    let (ok, text) = verify(dir, &["-CAfile", "ca-cert.pem", "u1.pem"]);
    assert!(ok, "{text}");
}
