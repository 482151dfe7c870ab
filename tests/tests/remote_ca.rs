//! The remote Fabric CA client against the real `fabric-ca-server` 1.5.21 (plain HTTP and TLS,
//! a fresh home per test), the real `fabric-ca-client` 1.5.21 and the real Node
//! `fabric-ca-client` 2.2.20 package.

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use wallet_core::backend::OpenOptions;
use wallet_core::ca::remote::{
    token, IdentityUpdate, RemoteCa, RemoteCaOptions, RemoteEnrollOptions, RemoteError, TokenForm,
};
use wallet_core::ca::{
    Attribute, AttributeRequest, CaError, CaService, CertificateFilter, CrlOptions, EnrollRequest, ReenrollOptions,
    RegistrationRequest, RevocationReason, RevokeTarget, Secret,
};
use wallet_core::crypto::Signer;
use wallet_core::formats::msp;
use wallet_core::{Certificate, Error, Wallet};
use wallet_tests::fabric_ca::{self, Server, ServerOptions};

const MSP: &str = "Org1MSP";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fabric-ca-1.5.21")
}

fn wallet() -> Arc<Wallet> {
    Arc::new(Wallet::open("memory:", &OpenOptions::default()).unwrap())
}

fn options(url: &str) -> RemoteCaOptions {
    RemoteCaOptions::new(url, MSP)
}

fn enroll_req(id: &str, secret: &str) -> EnrollRequest {
    EnrollRequest { id: id.into(), secret: Some(Secret::new(secret)), ..Default::default() }
}

/// Everything a wallet holds, to compare before and after a failure.
fn snapshot(wallet: &Wallet) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    wallet
        .list()
        .unwrap()
        .into_iter()
        .map(|label| {
            let id = wallet.get(&label).unwrap();
            let point = wallet_core::crypto::public_key_point(&id.signer().public_key());
            (label, id.certificate().der().to_vec(), point)
        })
        .collect()
}

fn remote_err(e: &Error) -> &RemoteError {
    match e {
        Error::Ca(CaError::Remote(r)) => r,
        other => panic!("expected a remote CA error, got {other:?}: {other}"),
    }
}

fn attrs_of(cert: &Certificate) -> std::collections::BTreeMap<String, String> {
    cert.fabric_attributes().unwrap()
}

// ----- every operation, plain HTTP, base path -------------------------------------------------

#[test]
fn every_operation_against_the_real_server() {
    let server = Server::start();
    let wallet = wallet();
    // Fabric CA serves every endpoint under /api/v1 too: a base path the server really routes.
    let ca = RemoteCa::connect(wallet.clone(), options(&format!("{}/api/v1/", server.url))).unwrap();

    let info = ca.cainfo().unwrap();
    assert_eq!(info.version, format!("v{}", fabric_ca::VERSION));
    assert_eq!(info.chain, Certificate::parse_pem_chain(&server.ca_cert_pem(), "ca-cert.pem").unwrap());
    assert!(!info.issuer_public_key.is_empty(), "1.5 servers have an Idemix issuer key");

    // Enrol: HTTP Basic, SAN from hosts, the chain stored.
    let admin = ca
        .enroll(&EnrollRequest { hosts: vec!["peer0.org1.example.com".into()], ..enroll_req("admin", "adminpw") })
        .unwrap();
    assert_eq!(admin.certificate().common_name().as_deref(), Some("admin"));
    assert_eq!(admin.certificate().subject_alt_names(), ["DNS:peer0.org1.example.com"]);
    assert_eq!(admin.chain(), info.chain.as_slice());
    assert_eq!(admin.msp_id(), MSP);
    assert_eq!(wallet.get("admin").unwrap().certificate(), admin.certificate());

    // Register with a chosen secret and attributes; register with a generated one.
    let secret = ca
        .register(
            "admin",
            &RegistrationRequest {
                id: "user1".into(),
                secret: Some(Secret::new("user1pw")),
                identity_type: Some("client".into()),
                affiliation: Some("org1.department1".into()),
                attributes: vec![Attribute::new("role", "auditor", true), Attribute::new("level", "3", false)],
                max_enrollments: Some(5),
            },
        )
        .unwrap();
    assert_eq!(secret.expose(), "user1pw");
    let generated = ca
        .register(
            "admin",
            &RegistrationRequest {
                id: "peer1".into(),
                identity_type: Some("peer".into()),
                affiliation: Some("org1".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(generated.expose().len(), 12, "Fabric CA generates 12 letters");

    // Attribute requests pick exactly those attributes; a label other than the ID.
    let user1 = ca
        .enroll(&EnrollRequest {
            label: Some("user1@org1".into()),
            attr_reqs: Some(vec![
                AttributeRequest { name: "role".into(), optional: false },
                AttributeRequest { name: "nothere".into(), optional: true },
            ]),
            ..enroll_req("user1", "user1pw")
        })
        .unwrap();
    assert_eq!(attrs_of(user1.certificate()).into_iter().collect::<Vec<_>>(), [("role".into(), "auditor".into())]);
    let ou = user1.certificate().subject();
    assert!(ou.contains("OU=client") && ou.contains("OU=org1") && ou.contains("OU=department1"), "{ou}");

    // A profile: the server's `tls` profile adds the TLS key usages.
    let peer1 = ca
        .enroll_with(
            &EnrollRequest { hosts: vec!["127.0.0.1".into()], ..enroll_req("peer1", generated.expose()) },
            &RemoteEnrollOptions { profile: Some("tls".into()) },
        )
        .unwrap();
    assert!(
        peer1.certificate().extension(const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE).is_some(),
        "the tls profile issues server/client auth"
    );
    assert_eq!(peer1.certificate().subject_alt_names(), ["IP:127.0.0.1"]);

    // Reenrol: a new key, then the same key.
    let before = user1.signer().public_key();
    let renewed = ca.reenroll("user1@org1", &ReenrollOptions::default()).unwrap();
    assert_ne!(renewed.signer().public_key(), before);
    assert_ne!(renewed.certificate().serial_hex(), user1.certificate().serial_hex());
    let same = ca.reenroll("user1@org1", &ReenrollOptions { reuse_key: true, ..Default::default() }).unwrap();
    assert_eq!(same.signer().public_key(), renewed.signer().public_key());
    assert_eq!(wallet.get("user1@org1").unwrap().certificate(), same.certificate());

    // Identities.
    let ids: Vec<String> = ca.identities("admin").unwrap().into_iter().map(|i| i.id).collect();
    assert_eq!(ids, ["admin", "peer1", "user1"]);
    let got = ca.identity("admin", "user1").unwrap();
    assert_eq!(
        (got.identity_type.as_str(), got.affiliation.as_str(), got.max_enrollments),
        ("client", "org1.department1", 5)
    );
    assert!(got.attrs.contains(&Attribute::new("role", "auditor", true)), "{:?}", got.attrs);
    let added = ca
        .add_identity(
            "admin",
            &RegistrationRequest {
                id: "user4".into(),
                secret: Some(Secret::new("user4pw")),
                identity_type: Some("client".into()),
                affiliation: Some("org1".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(added.expose(), "user4pw");
    let modified = ca
        .modify_identity(
            "admin",
            "user4",
            &IdentityUpdate { affiliation: Some("org2".into()), max_enrollments: Some(3), ..Default::default() },
        )
        .unwrap();
    assert_eq!((modified.affiliation.as_str(), modified.max_enrollments), ("org2", 3));
    assert_eq!(ca.identity("admin", "user4").unwrap().affiliation, "org2");
    assert_eq!(ca.remove_identity("admin", "user4", false).unwrap().id, "user4");
    let e = ca.identity("admin", "user4").unwrap_err();
    assert_eq!(remote_err(&e).status(), Some(404), "{e}");

    // Affiliations.
    assert!(ca.affiliations("admin").unwrap().contains(&"org1.department1".to_string()));
    ca.add_affiliation("admin", "org3", false).unwrap();
    let e = ca.add_affiliation("admin", "org9.sub", false).unwrap_err();
    assert!(remote_err(&e).code().is_some(), "{e}");
    ca.add_affiliation("admin", "org9.sub", true).unwrap();
    ca.modify_affiliation("admin", "org3", "org5", false).unwrap();
    let affs = ca.affiliations("admin").unwrap();
    assert!(
        affs.contains(&"org5".into()) && affs.contains(&"org9.sub".into()) && !affs.contains(&"org3".into()),
        "{affs:?}"
    );
    ca.remove_affiliation("admin", "org9", true).unwrap();
    assert!(!ca.affiliations("admin").unwrap().iter().any(|a| a.starts_with("org9")));

    // Certificates: user1 has three (enrol, two reenrolments).
    let certs =
        ca.certificates("admin", &CertificateFilter { id: Some("user1".into()), ..Default::default() }).unwrap();
    assert_eq!(certs.len(), 3, "{certs:?}");
    assert!(certs.iter().all(|c| c.id == "user1"));
    assert!(certs.iter().any(|c| c.serial == same.certificate().serial_hex()));
    let aki = hex::encode(same.certificate().authority_key_id().unwrap());
    assert!(certs.iter().all(|c| c.aki == aki));

    // Revoke one certificate, then an identity with a CRL in the same call, then gencrl.
    let first = user1.certificate();
    let revoked = ca
        .revoke(
            "admin",
            &RevokeTarget::Certificate { serial: first.serial_hex(), aki: aki.clone() },
            RevocationReason::Superseded,
        )
        .unwrap();
    assert_eq!(revoked.len(), 1);
    assert_eq!(revoked[0].serial, first.serial_hex());
    let live = ca
        .certificates(
            "admin",
            &CertificateFilter { id: Some("user1".into()), exclude_revoked: true, ..Default::default() },
        )
        .unwrap();
    assert_eq!(live.len(), 2, "the revoked one is filtered out");
    let (revoked, crl) = ca
        .revoke_with_crl("admin", &RevokeTarget::Identity("peer1".into()), RevocationReason::KeyCompromise, true)
        .unwrap();
    assert_eq!(revoked.len(), 1);
    assert_eq!(crl.expect("gencrl asked").entries, 2);
    let crl = ca.generate_crl("admin", &CrlOptions::default()).unwrap();
    assert_eq!(crl.entries, 2);
    assert!(crl.to_pem().starts_with("-----BEGIN X509 CRL-----"));
    assert!(ca
        .generate_crl("admin", &CrlOptions { validity: Some(std::time::Duration::from_secs(60)), ..Default::default() })
        .is_err());

    // A CSR for a key held elsewhere: only the certificate comes back, nothing is stored.
    ca.register(
        "admin",
        &RegistrationRequest {
            id: "ext".into(),
            secret: Some(Secret::new("extpw")),
            affiliation: Some("org1".into()),
            ..Default::default()
        },
    )
    .unwrap();
    let key = wallet_core::crypto::SoftwareKey::generate();
    let csr_pem =
        wallet_core::ca::build_csr(&key, "ext", &wallet_core::ca::SubjectNames::fabric_default(), &[]).unwrap();
    let b64: String = csr_pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let labels = wallet.list().unwrap();
    let cert = ca.enroll_csr(&enroll_req("ext", "extpw"), &B64.decode(b64).unwrap()).unwrap();
    assert_eq!(cert.public_key().unwrap(), key.public_key());
    assert_eq!(wallet.list().unwrap(), labels);
    assert_eq!(ca.remove_identity("admin", "ext", false).unwrap().id, "ext");

    // The same client behind the one CA interface.
    let service: &dyn CaService = &ca;
    let info = service.info().unwrap();
    assert_eq!((info.msp_id.as_deref(), info.chain.len()), (Some(MSP), 1));
    assert_eq!(service.identities(Some("admin")).unwrap().len(), 3);
    assert_eq!(service.identities(None).unwrap().len(), 3, "asked as the wallet's admin");
    let bare = RemoteCa::connect(self::wallet(), options(&server.url)).unwrap();
    let e = CaService::identities(&bare, None).unwrap_err();
    assert!(e.to_string().contains("signed by an identity"), "{e}");

    // The revoked identity can no longer enrol: code 20 with the hint naming the causes.
    let before = snapshot(&wallet);
    let e = ca
        .enroll(&EnrollRequest { label: Some("peer1-again".into()), ..enroll_req("peer1", generated.expose()) })
        .unwrap_err();
    let r = remote_err(&e);
    assert_eq!((r.status(), r.code()), (Some(401), Some(20)), "{e}");
    assert!(e.to_string().contains("Authentication failure"), "{e}");
    let hint = remote_hint(&e).unwrap();
    assert!(hint.contains("secret is wrong") && hint.contains("revoked") && hint.contains("enrolments"), "{hint}");
    assert_eq!(snapshot(&wallet), before);
    // So can its certificate not act.
    let e = ca.identities("peer1").unwrap_err();
    assert_eq!(remote_err(&e).code(), Some(20), "{e}");
}

// ----- TLS ----------------------------------------------------------------------------------

#[test]
fn tls_with_a_custom_root_and_a_wrong_one() {
    let server = Server::start_with(ServerOptions { tls: true, ..Default::default() });
    let other = Server::start_with(ServerOptions { tls: true, ..Default::default() });
    let wallet = wallet();
    let good = RemoteCa::connect(
        wallet.clone(),
        RemoteCaOptions { tls_root_pem: Some(server.ca_cert_pem()), ..options(&server.url) },
    )
    .unwrap();
    assert_eq!(good.cainfo().unwrap().version, format!("v{}", fabric_ca::VERSION));
    good.enroll(&enroll_req("admin", "adminpw")).unwrap();
    assert_eq!(good.identities("admin").unwrap().len(), 1);
    let before = snapshot(&wallet);

    // Another server's root, and the public web roots: both refused, wallet unchanged.
    for root in [Some(other.ca_cert_pem()), Some(server.tls_cert_pem()), None] {
        let ca =
            RemoteCa::connect(wallet.clone(), RemoteCaOptions { tls_root_pem: root, ..options(&server.url) }).unwrap();
        let e = ca.enroll(&EnrollRequest { label: Some("x".into()), ..enroll_req("admin", "adminpw") }).unwrap_err();
        assert!(matches!(remote_err(&e), RemoteError::Tls { .. }), "{e:?}");
        assert!(e.to_string().contains("TLS with fabric CA"), "{e}");
        assert!(remote_hint(&e).unwrap().contains("--tls-root"));
        let e = ca.reenroll("admin", &ReenrollOptions::default()).unwrap_err();
        assert!(matches!(remote_err(&e), RemoteError::Tls { .. }), "{e:?}");
        assert_eq!(snapshot(&wallet), before);
    }
    // Plain HTTP to the TLS port: a clear error, not a hang.
    let plain = RemoteCa::connect(wallet.clone(), options(&server.url.replace("https", "http"))).unwrap();
    let e = plain.cainfo().unwrap_err();
    assert!(matches!(remote_err(&e), RemoteError::Protocol { .. } | RemoteError::Interrupted { .. }), "{e:?}");
    // A file that holds no certificate is refused up front.
    let e = RemoteCa::connect(
        wallet.clone(),
        RemoteCaOptions { tls_root_pem: Some(b"junk".to_vec()), ..options(&server.url) },
    )
    .unwrap_err();
    assert!(matches!(remote_err(&e), RemoteError::Config { .. }), "{e:?}");
}

/// A client TLS certificate for `cn` signed by the server's CA key, made with openssl(1).
fn client_tls_pair(server: &Server, dir: &Path) -> (Vec<u8>, Vec<u8>) {
    // msp/keystore holds the CA key and the server's TLS key: take the one of ca-cert.pem.
    let ca_cert = Certificate::from_pem(&server.ca_cert_pem(), "ca-cert.pem").unwrap();
    let ca_key = std::fs::read_dir(server.home().join("msp/keystore"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with("_sk"))
        .find(|p| {
            let key = wallet_core::crypto::parse_private_key_pem(&std::fs::read(p).unwrap(), "key").unwrap();
            key.public_key() == ca_cert.public_key().unwrap()
        })
        .expect("the CA key in msp/keystore");
    let key = dir.join("client.key");
    let csr = dir.join("client.csr");
    let cert = dir.join("client.crt");
    let ext = dir.join("ext.cnf");
    std::fs::write(&ext, "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n").unwrap();
    let openssl = |args: &[&str]| {
        let out = wallet_tests::tools::run(Command::new("openssl").args(args));
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    let p = |p: &Path| p.to_str().unwrap().to_owned();
    openssl(&["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", &p(&key)]);
    openssl(&["req", "-new", "-key", &p(&key), "-subj", "/CN=tls-client", "-out", &p(&csr)]);
    let ca_cert = server.home().join("ca-cert.pem");
    #[rustfmt::skip]
    openssl(&[
        "x509", "-req", "-in", &p(&csr), "-CA", &p(&ca_cert), "-CAkey", &p(&ca_key), "-CAcreateserial", "-days", "1",
        "-extfile", &p(&ext), "-out", &p(&cert),
    ]);
    (std::fs::read(cert).unwrap(), std::fs::read(key).unwrap())
}

#[test]
fn client_tls_when_the_server_requires_it() {
    let server = Server::start_with(ServerOptions { tls: true, client_auth: true, ..Default::default() });
    let tmp = tempfile::tempdir().unwrap();
    let (cert, key) = client_tls_pair(&server, tmp.path());
    let wallet = wallet();
    let root = RemoteCaOptions { tls_root_pem: Some(server.ca_cert_pem()), ..options(&server.url) };
    let without = RemoteCa::connect(wallet.clone(), root.clone()).unwrap();
    let e = without.enroll(&enroll_req("admin", "adminpw")).unwrap_err();
    assert!(matches!(remote_err(&e), RemoteError::Tls { .. } | RemoteError::Interrupted { .. }), "{e:?}");
    assert!(wallet.list().unwrap().is_empty());
    let with = RemoteCa::connect(
        wallet.clone(),
        RemoteCaOptions { client_cert_pem: Some(cert.clone()), client_key_pem: Some(key.into()), ..root.clone() },
    )
    .unwrap();
    with.enroll(&enroll_req("admin", "adminpw")).unwrap();
    assert_eq!(with.identities("admin").unwrap()[0].id, "admin");
    let e = RemoteCa::connect(wallet.clone(), RemoteCaOptions { client_cert_pem: Some(cert), ..root }).unwrap_err();
    assert!(e.to_string().contains("give both"), "{e}");
}

// ----- failures -------------------------------------------------------------------------------

#[test]
fn refusals_and_broken_servers_leave_the_wallet_unchanged() {
    let mut server = Server::start_with(ServerOptions { allow_remove: false, ..Default::default() });
    let wallet = wallet();
    let ca = RemoteCa::connect(wallet.clone(), options(&server.url)).unwrap();
    ca.enroll(&enroll_req("admin", "adminpw")).unwrap();
    ca.register(
        "admin",
        &RegistrationRequest {
            id: "plain".into(),
            secret: Some(Secret::new("plainpw")),
            identity_type: Some("client".into()),
            affiliation: Some("org1".into()),
            max_enrollments: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    ca.enroll(&enroll_req("plain", "plainpw")).unwrap();
    let before = snapshot(&wallet);

    // 401: a wrong secret, and a used-up enrolment allowance.
    let e = ca.enroll(&EnrollRequest { label: Some("x".into()), ..enroll_req("admin", "wrong") }).unwrap_err();
    assert_eq!(remote_err(&e).status(), Some(401), "{e}");
    assert_eq!(remote_err(&e).code(), Some(20));
    let e = ca.enroll(&EnrollRequest { label: Some("x".into()), ..enroll_req("plain", "plainpw") }).unwrap_err();
    assert_eq!(remote_err(&e).code(), Some(20), "{e}");
    // 403 / code 71: a client without registrar rights registers.
    let e = ca.register("plain", &RegistrationRequest { id: "z".into(), ..Default::default() }).unwrap_err();
    let r = remote_err(&e);
    assert_eq!((r.status(), r.code()), (Some(403), Some(71)), "{e}");
    assert!(remote_hint(&e).unwrap().contains("lacks a right"), "{:?}", remote_hint(&e));
    // 403: removal is off on this server.
    let e = ca.remove_identity("admin", "plain", false).unwrap_err();
    assert_eq!(remote_err(&e).status(), Some(403), "{e}");
    assert!(remote_hint(&e).unwrap().contains("allowremove"), "{:?}", remote_hint(&e));
    // An unknown CA name: 404, code 19.
    let named =
        RemoteCa::connect(wallet.clone(), RemoteCaOptions { ca_name: Some("nope".into()), ..options(&server.url) })
            .unwrap();
    let e = named.reenroll("admin", &ReenrollOptions::default()).unwrap_err();
    assert_eq!(remote_err(&e).code(), Some(19), "{e}");
    // The label is taken: refused before the server spends an enrolment.
    let e = ca.enroll(&enroll_req("admin", "adminpw")).unwrap_err();
    assert!(matches!(e, Error::AlreadyExists { .. }), "{e}");
    assert_eq!(snapshot(&wallet), before);

    // A malformed envelope: the server's operations port speaks HTTP but not Fabric CA.
    let ops = RemoteCa::connect(wallet.clone(), options(&format!("http://127.0.0.1:{}", server.ops_port))).unwrap();
    let e = ops.enroll(&EnrollRequest { label: Some("x".into()), ..enroll_req("admin", "adminpw") }).unwrap_err();
    assert!(matches!(remote_err(&e), RemoteError::Protocol { status: 404, .. }), "{e:?}");
    assert!(e.to_string().contains("not a Fabric CA response envelope"), "{e}");
    let e = ops.reenroll("admin", &ReenrollOptions::default()).unwrap_err();
    assert!(matches!(remote_err(&e), RemoteError::Protocol { .. }), "{e:?}");
    assert_eq!(snapshot(&wallet), before);

    // The server stops mid-command: frozen with the request in its socket, then killed.
    server.signal("STOP");
    let url = server.url.clone();
    let handle = std::thread::scope(|s| {
        let job = s.spawn(|| {
            let ca = RemoteCa::connect(wallet.clone(), options(&url)).unwrap();
            ca.reenroll("admin", &ReenrollOptions::default())
        });
        while !server.has_unread_request() {
            assert!(!job.is_finished(), "the request finished while the server was stopped");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        server.kill();
        job.join().unwrap()
    });
    let e = handle.unwrap_err();
    assert!(matches!(remote_err(&e), RemoteError::Interrupted { .. }), "{e:?}");
    assert!(remote_hint(&e).unwrap().contains("nothing was stored"), "{:?}", remote_hint(&e));
    assert_eq!(snapshot(&wallet), before);
    // And once it is gone: connection refused, named so.
    let e = ca.reenroll("admin", &ReenrollOptions::default()).unwrap_err();
    assert!(matches!(remote_err(&e), RemoteError::Connect { .. }), "{e:?}");
    assert!(e.to_string().contains("cannot connect to fabric CA"), "{e}");
    assert_eq!(snapshot(&wallet), before);

    // Bad URLs, refused before anything is sent.
    for (url, says) in [
        ("ftp://127.0.0.1:1", "scheme"),
        ("127.0.0.1:7054", "scheme"),
        ("http://admin:adminpw@127.0.0.1:7054", "secret"),
        ("http://127.0.0.1:7054/?ca=x", "--ca-name"),
    ] {
        let e = RemoteCa::connect(wallet.clone(), options(url)).unwrap_err();
        assert!(e.to_string().contains(says), "{url}: {e}");
    }
}

// ----- a multi-CA server, and the legacy token --------------------------------------------------

#[test]
fn ca_name_and_legacy_token() {
    let server = Server::start_with(ServerOptions { ca_name: Some("org1-ca".into()), ..Default::default() });
    let wallet = wallet();
    let ca =
        RemoteCa::connect(wallet.clone(), RemoteCaOptions { ca_name: Some("org1-ca".into()), ..options(&server.url) })
            .unwrap();
    assert_eq!(ca.cainfo().unwrap().ca_name, "org1-ca");
    assert_eq!(ca.msp_file_stem(), format!("127-0-0-1-{}-org1-ca", server.port));
    ca.enroll(&enroll_req("admin", "adminpw")).unwrap();
    assert_eq!(ca.identities("admin").unwrap().len(), 1);
    // 1.5.21 defaults to no compatibility with pre-1.4 tokens: the legacy form is refused.
    let legacy = RemoteCa::connect(
        wallet.clone(),
        RemoteCaOptions { ca_name: Some("org1-ca".into()), token_form: TokenForm::Legacy, ..options(&server.url) },
    )
    .unwrap();
    let e = legacy.identities("admin").unwrap_err();
    assert_eq!(remote_err(&e).code(), Some(20), "{e}");
    drop(server);

    // With the compatibility switch on, the server takes it.
    let compat = Server::start_with(ServerOptions {
        env: vec![("FABRIC_CA_SERVER_COMPATIBILITY_MODE_V1_3".into(), "true".into())],
        ..Default::default()
    });
    let wallet = self::wallet();
    RemoteCa::connect(wallet.clone(), options(&compat.url)).unwrap().enroll(&enroll_req("admin", "adminpw")).unwrap();
    let legacy =
        RemoteCa::connect(wallet.clone(), RemoteCaOptions { token_form: TokenForm::Legacy, ..options(&compat.url) })
            .unwrap();
    assert_eq!(legacy.identities("admin").unwrap()[0].id, "admin");
}

// ----- the real fabric-ca-client, both ways -------------------------------------------------------

#[test]
fn fabric_ca_client_and_wallet_use_each_others_identities() {
    let server = Server::start();
    let wallet = wallet();
    let ca = RemoteCa::connect(wallet.clone(), options(&server.url)).unwrap();
    ca.enroll(&enroll_req("admin", "adminpw")).unwrap();

    // Our identity, exported as an MSP folder, makes a token-authenticated call with the Go client.
    let home = tempfile::tempdir().unwrap();
    let admin = wallet.get("admin").unwrap();
    msp::write_dir(
        &home.path().join("msp"),
        &admin,
        &msp::WriteOptions { ca_file_stem: Some(ca.msp_file_stem()), node_ous: false, ..Default::default() },
    )
    .unwrap();
    let out = fabric_ca::client_ok(home.path(), &["identity", "list", "-u", &server.url]);
    assert!(out.contains("Name: admin"), "{out}");
    let out = fabric_ca::client_ok(
        home.path(),
        &["register", "-u", &server.url, "--id.name", "gouser", "--id.secret", "gouserpw", "--id.affiliation", "org1"],
    );
    assert!(out.contains("Password: gouserpw"), "{out}");

    // The Go client enrols; we import its MSP folder and act with it.
    let gohome = tempfile::tempdir().unwrap();
    let url = server.url.replace("http://", "http://gouser:gouserpw@");
    fabric_ca::client_ok(gohome.path(), &["enroll", "-u", &url]);
    let imported = msp::read_dir(&gohome.path().join("msp"), "gouser", MSP).unwrap();
    assert_eq!(imported.chain().len(), 1);
    wallet.put(&imported, false).unwrap();
    let e = ca.identities("gouser").unwrap_err();
    assert_eq!(remote_err(&e).code(), Some(71), "its token is checked, and it is no registrar: {e}");
    let renewed = ca.reenroll("gouser", &ReenrollOptions::default()).unwrap();
    assert_ne!(renewed.certificate(), imported.certificate());

    // ...and the Go client sees the certificate we got.
    let out = fabric_ca::client_ok(home.path(), &["certificate", "list", "-u", &server.url, "--id", "gouser"]);
    let listed: Vec<Certificate> =
        Certificate::parse_pem_chain(out.as_bytes(), "fabric-ca-client output").unwrap_or_default();
    assert!(listed.contains(renewed.certificate()) || out.contains(&renewed.certificate().serial_hex()), "{out}");
}

// ----- token cross-checks -------------------------------------------------------------------------

#[derive(serde::Deserialize)]
struct Exchange {
    method: String,
    path: String,
    req_headers: std::collections::BTreeMap<String, String>,
    #[serde(default)]
    req_body: Option<String>,
    status: u16,
}

fn transcript() -> Vec<Exchange> {
    std::fs::read_to_string(fixtures().join("http-transcript.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn recorded_tokens_verify_with_our_construction() {
    let mut checked = 0;
    for ex in transcript() {
        let Some(auth) = ex.req_headers.get("Authorization") else { continue };
        if auth.starts_with("Basic ") {
            continue;
        }
        let body = ex.req_body.clone().unwrap_or_default();
        let cert = token::verify(auth, TokenForm::Current, &ex.method, &ex.path, body.as_bytes())
            .unwrap_or_else(|e| panic!("{} {}: {e}", ex.method, ex.path));
        assert!(ex.status < 400, "{} {} was accepted by the server", ex.method, ex.path);
        // Every part is bound: another URI, another body or the legacy form fails.
        assert!(token::verify(auth, TokenForm::Current, &ex.method, &format!("{}x", ex.path), body.as_bytes()).is_err());
        assert!(token::verify(auth, TokenForm::Current, &ex.method, &ex.path, b"{}").is_err());
        assert!(token::verify(auth, TokenForm::Legacy, &ex.method, &ex.path, body.as_bytes()).is_err());
        // The certificate part is the PEM text itself, base64.
        let (b64cert, _) = auth.split_once('.').unwrap();
        assert_eq!(Certificate::from_pem(&B64.decode(b64cert).unwrap(), "t").unwrap(), cert);
        checked += 1;
    }
    assert!(checked >= 9, "the transcript has token-authenticated calls: {checked}");
}

/// A signer with RFC 6979 deterministic nonces (as fabric-common's `elliptic` signs), so the
/// Node SDK's token and ours can be compared byte for byte.
#[derive(Debug)]
struct Deterministic(p256::ecdsa::SigningKey);

impl Signer for Deterministic {
    fn public_key(&self) -> wallet_core::crypto::PublicKey {
        (*self.0.verifying_key()).into()
    }
    fn sign_digest(&self, digest: &[u8; 32]) -> wallet_core::Result<Vec<u8>> {
        use p256::ecdsa::signature::hazmat::PrehashSigner;
        let sig: p256::ecdsa::Signature = self.0.sign_prehash(digest).unwrap();
        Ok(sig.normalize_s().unwrap_or(sig).to_der().as_bytes().to_vec())
    }
}

#[test]
fn our_token_equals_the_node_fabric_ca_client_token() {
    wallet_tests::tools::require_node();
    let dir = fixtures().join("msp-admin");
    let cert_file = dir.join("signcerts/cert.pem");
    let key_file = std::fs::read_dir(dir.join("keystore")).unwrap().next().unwrap().unwrap().path();
    let cert_pem = std::fs::read(&cert_file).unwrap();
    let key = {
        use p256::pkcs8::DecodePrivateKey;
        p256::ecdsa::SigningKey::from_pkcs8_pem(&std::fs::read_to_string(&key_file).unwrap()).unwrap()
    };
    let signer = Deterministic(key);
    let cases: [(&str, &str, &str); 4] = [
        ("GET", "/api/v1/identities", ""),
        ("GET", "/api/v1/certificates?id=user2&ca=", ""),
        ("POST", "/api/v1/register", r#"{"id":"user9","type":"client","affiliation":"org1","max_enrollments":1}"#),
        ("DELETE", "/api/v1/identities/user9?force=true", ""),
    ];
    for (method, path, body) in cases {
        let out = wallet_tests::tools::run_ok(
            Command::new("node")
                .current_dir(wallet_tests::tools::interop_dir())
                .arg("ca-token.js")
                .arg(&cert_file)
                .arg(&key_file)
                .args([method, path, body]),
        );
        let node = String::from_utf8(out).unwrap();
        // Node's token verifies with our construction...
        token::verify(&node, TokenForm::Current, method, path, body.as_bytes())
            .unwrap_or_else(|e| panic!("node token for {method} {path}: {e}"));
        // ...and ours is the same string.
        let ours = token::create(&signer, &cert_pem, TokenForm::Current, method, path, body.as_bytes()).unwrap();
        assert_eq!(ours, node, "{method} {path}");
    }
}

// ----- renewal ------------------------------------------------------------------------------------

#[test]
fn short_lived_certificates_are_found_and_renewed_and_a_stopped_run_is_finished() {
    use wallet_core::ca::renewal::{self, Selection};
    let mut server = Server::start_with(ServerOptions { tls_profile_expiry: Some("1h".into()), ..Default::default() });
    let wallet = wallet();
    let ca = RemoteCa::connect(wallet.clone(), options(&server.url)).unwrap();
    ca.enroll(&enroll_req("admin", "adminpw")).unwrap();
    let short = RemoteEnrollOptions { profile: Some("tls".into()) };
    for id in ["u1", "u2", "u3"] {
        let secret = ca
            .register(
                "admin",
                &RegistrationRequest { id: id.into(), affiliation: Some("org1".into()), ..Default::default() },
            )
            .unwrap();
        // No attribute extension: the server only whitelists it for the profiles it ships with.
        let request =
            EnrollRequest { id: id.into(), secret: Some(secret), attr_reqs: Some(vec![]), ..Default::default() };
        ca.enroll_with(&request, &short).unwrap();
    }
    let hour = std::time::Duration::from_secs(3600);
    let now = time::OffsetDateTime::now_utc();
    let ski = ca.cainfo().unwrap().chain[0].subject_key_id();
    let soon = renewal::select(&wallet, Selection::Within(2 * hour), ski.as_deref(), now).unwrap();
    let labels: Vec<&str> = soon.iter().map(|e| e.label.as_str()).collect();
    assert_eq!(labels, ["u1", "u2", "u3"], "the admin's certificate has a year");
    assert_eq!(renewal::expiring(&wallet, 2 * hour, now).unwrap().len(), 3);

    // The server is killed after the first renewal.
    let server_cell = std::cell::RefCell::new(&mut server);
    let first = renewal::renew(&soon, &ReenrollOptions::default(), &|l, o| ca.reenroll(l, o), &mut |done, _, _| {
        if done == 1 {
            server_cell.borrow_mut().kill();
        }
    });
    assert!(first[0].result.is_ok());
    assert!(first[1..].iter().all(|r| r.result.is_err()), "{first:?}");
    for label in wallet.list().unwrap() {
        let id = wallet.get(&label).unwrap();
        assert_eq!(id.certificate().public_key().unwrap(), id.signer().public_key(), "{label} is usable");
    }

    // Back up; the rerun finds what is left and finishes it (default profile: a year).
    server.restart();
    let left = renewal::select(&wallet, Selection::Within(2 * hour), ski.as_deref(), now).unwrap();
    assert_eq!(left.iter().map(|e| e.label.as_str()).collect::<Vec<_>>(), ["u2", "u3"]);
    let second = renewal::renew(
        &left,
        &ReenrollOptions { reuse_key: true, ..Default::default() },
        &|l, o| ca.reenroll(l, o),
        &mut |_, _, _| {},
    );
    assert!(second.iter().all(|r| r.result.is_ok()), "{second:?}");
    assert!(renewal::expiring(&wallet, 2 * hour, now).unwrap().is_empty());
    // And the renewed certificates act.
    for label in ["u1", "u2", "u3"] {
        let e = ca.identities(label).unwrap_err();
        assert_eq!(remote_err(&e).code(), Some(71), "{label}'s new certificate authenticates (and is no registrar)");
    }
}

// ----- keys in a non-software store ---------------------------------------------------------------

#[test]
fn a_failed_enrolment_deletes_the_key_it_made_in_a_key_store() {
    use wallet_core::crypto::{KeyStores, MemoryKeyStore};
    let mut server = Server::start();
    let store = Arc::new(MemoryKeyStore::new());
    let keys = KeyStores::new().with(store.clone()).with_default("memory").unwrap();
    let wallet = Arc::new(Wallet::open("memory:", &OpenOptions::default()).unwrap().with_key_stores(keys));
    let ca = RemoteCa::connect(wallet.clone(), options(&server.url)).unwrap();
    ca.enroll(&enroll_req("admin", "adminpw")).unwrap();
    assert_eq!(store.len(), 1, "the admin's key lives in the store");
    assert!(wallet.get("admin").unwrap().key().reference().scheme() == "memory");
    let before = snapshot(&wallet);

    // Refused by the server (wrong secret): the key made for it is gone, the wallet unchanged.
    let e = ca.enroll(&EnrollRequest { label: Some("x".into()), ..enroll_req("admin", "wrong") }).unwrap_err();
    assert_eq!(remote_err(&e).code(), Some(20), "{e}");
    assert_eq!(store.len(), 1, "no orphan key after a refused enrolment");
    // A malformed answer (the operations port), and no MSP ID: likewise.
    let ops = RemoteCa::connect(wallet.clone(), options(&format!("http://127.0.0.1:{}", server.ops_port))).unwrap();
    ops.enroll(&EnrollRequest { label: Some("y".into()), ..enroll_req("admin", "adminpw") }).unwrap_err();
    let e = ops.reenroll("admin", &ReenrollOptions::default()).unwrap_err();
    assert!(matches!(remote_err(&e), RemoteError::Protocol { .. }), "{e:?}");
    let no_msp = RemoteCa::connect(wallet.clone(), RemoteCaOptions::new(&server.url, "")).unwrap();
    let e = no_msp.enroll(&EnrollRequest { label: Some("z".into()), ..enroll_req("admin", "adminpw") }).unwrap_err();
    assert!(e.to_string().contains("MSP ID"), "{e}");
    assert_eq!(store.len(), 1, "no orphan key after a malformed answer");
    // ...but that client can reenrol: the identity keeps its own MSP ID.
    assert_eq!(no_msp.reenroll("admin", &ReenrollOptions::default()).unwrap().msp_id(), MSP);
    assert_eq!(store.len(), 2, "the new key (the old one is the record's no longer, but stays in the store)");
    let before_stop = snapshot(&wallet);
    assert_ne!(before_stop, before);

    // A server gone: a reenrolment with a new key leaves no new key behind.
    server.kill();
    let e = ca.reenroll("admin", &ReenrollOptions::default()).unwrap_err();
    assert!(matches!(remote_err(&e), RemoteError::Connect { .. }), "{e:?}");
    assert_eq!(store.len(), 2);
    assert_eq!(snapshot(&wallet), before_stop);
}

// ----- bulk enrolment against a server ------------------------------------------------------------

#[test]
fn bulk_enrolment_through_the_ca_interface_is_concurrent_and_resumable() {
    use wallet_core::ca::{BulkOptions, BulkOutcome, BulkRow};
    let server = Server::start();
    let wallet = wallet();
    let ca = RemoteCa::connect(wallet.clone(), options(&server.url)).unwrap();
    ca.enroll(&enroll_req("admin", "adminpw")).unwrap();
    // One identity registered by an earlier run that stopped before enrolling it.
    ca.register(
        "admin",
        &RegistrationRequest {
            id: "b03".into(),
            identity_type: Some("client".into()),
            affiliation: Some("org1.department1".into()),
            attributes: vec![Attribute::new("n", "3", true)],
            ..Default::default()
        },
    )
    .unwrap();
    let mut rows: Vec<BulkRow> = (0..12)
        .map(|i| BulkRow {
            id: format!("b{i:02}"),
            identity_type: Some("client".into()),
            affiliation: Some("org1.department1".into()),
            attributes: vec![Attribute::new("n", &i.to_string(), true)],
        })
        .collect();
    rows[5].affiliation = Some("no.such.affiliation".into());
    let service: &dyn CaService = &ca;
    let mut seen = vec![];
    let report = service
        .bulk_enroll("admin", rows.clone(), &BulkOptions { concurrency: Some(4), ..Default::default() }, &mut |p| {
            seen.push((p.done, p.id.to_owned(), matches!(p.outcome, BulkOutcome::Enrolled)))
        })
        .unwrap();
    assert_eq!((report.enrolled, report.skipped, report.failed.len()), (11, 0, 1), "{:?}", report.failed);
    assert_eq!(report.failed[0].0, "b05");
    let e = &report.failed[0].1;
    assert!(remote_err(e).code().is_some(), "{e}");
    // Reported in row order, each once.
    assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), (1..=12).collect::<Vec<_>>());
    assert_eq!(
        seen.iter().map(|s| s.1.clone()).collect::<Vec<_>>(),
        rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>()
    );
    for (i, row) in rows.iter().enumerate().filter(|(i, _)| *i != 5) {
        let id = wallet.get(&row.id).unwrap();
        assert_eq!(attrs_of(id.certificate()).get("n"), Some(&i.to_string()), "{}", row.id);
        assert_eq!(id.msp_id(), MSP);
    }
    assert!(!wallet.contains("b05").unwrap());
    // A rerun skips what is there and reports the refusal again.
    let report = service.bulk_enroll("admin", rows, &BulkOptions::default(), &mut |_| {}).unwrap();
    assert_eq!((report.enrolled, report.skipped, report.failed.len()), (0, 11, 1));
}

/// The hint a Fabric CA's refusal carries (the server's code says which fix applies).
fn remote_hint(e: &wallet_core::Error) -> Option<String> {
    match e {
        wallet_core::Error::Ca(wallet_core::ca::CaError::Remote(r)) => r.hint(),
        _ => None,
    }
}
