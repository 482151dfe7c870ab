//! Field-by-field comparison of the embedded CA's certificates with the real ones Fabric CA
//! 1.5.21 issued (`tests/fixtures/fabric-ca-1.5.21/`): same subject structure, extensions,
//! criticality, key identifier method, attribute JSON, validity rules.

use der::{Encode, Tagged};
use std::sync::Arc;
use wallet_core::backend::MemoryBackend;
use wallet_core::ca::*;
use wallet_core::crypto;
use wallet_core::{Certificate, Identity, Wallet};
use wallet_tests::tools::fixtures;

fn fixture(path: &str) -> Certificate {
    let bytes = std::fs::read(fixtures().join("fabric-ca-1.5.21").join(path)).unwrap();
    Certificate::from_pem(&bytes, path).unwrap()
}

/// Per RDN: the (OID, ASN.1 string tag) of each value, in encoding order.
fn rdn_shape(name: &x509_cert::name::Name) -> Vec<Vec<(String, der::Tag)>> {
    name.0.iter().map(|rdn| rdn.0.iter().map(|atv| (atv.oid.to_string(), atv.value.tag())).collect()).collect()
}

/// Per extension: OID and criticality, in order.
fn ext_shape(cert: &Certificate) -> Vec<(String, bool)> {
    let tbs = &cert.x509().tbs_certificate;
    tbs.extensions.iter().flatten().map(|e| (e.extn_id.to_string(), e.critical)).collect()
}

fn ext_value(cert: &Certificate, oid: &str) -> Vec<u8> {
    let oid = const_oid::ObjectIdentifier::new_unwrap(oid);
    cert.extension(oid).unwrap_or_else(|| panic!("{oid} missing")).extn_value.as_bytes().to_vec()
}

/// Our CA set up like the recorded fabric-ca-server: CN fabric-ca-server, default names.
fn fabric_like_ca(wallet: &Arc<Wallet>) -> (CertificateAuthority, Identity) {
    let mut opts = CaOptions::new("fabric-ca-server", "Org1MSP");
    opts.admin_secret = Some(Secret::new("adminpw"));
    let (ca, secret) = CertificateAuthority::create_root(wallet.clone(), &opts, Arc::new(SystemClock)).unwrap();
    let admin = ca
        .enroll(&EnrollRequest {
            id: "admin".into(),
            secret: Some(secret),
            hosts: vec!["peer0.org1.example.com".into()],
            ..Default::default()
        })
        .unwrap();
    (ca, admin)
}

fn common_checks(ours: &Certificate, theirs: &Certificate, our_ca: &Certificate, their_ca: &Certificate) {
    let (o, t) = (&ours.x509().tbs_certificate, &theirs.x509().tbs_certificate);
    assert_eq!(o.version, t.version);
    assert_eq!(o.signature, t.signature, "signature algorithm");
    assert_eq!(ours.x509().signature_algorithm, theirs.x509().signature_algorithm);
    assert_eq!(o.subject_public_key_info.algorithm, t.subject_public_key_info.algorithm, "ecPublicKey P-256");
    assert_eq!(rdn_shape(&o.subject), rdn_shape(&t.subject), "subject RDN structure");
    assert_eq!(rdn_shape(&o.issuer), rdn_shape(&t.issuer), "issuer RDN structure");
    assert_eq!(ext_shape(ours), ext_shape(theirs), "extension OIDs, order and criticality");
    // Same encodings of the fixed-value extensions.
    for oid in ["2.5.29.15", "2.5.29.19"] {
        assert_eq!(ext_value(ours, oid), ext_value(theirs, oid), "{oid}");
    }
    // Key identifiers: SKI = SHA-1 of the EC point in both; AKI = the issuer's SKI in both.
    for (cert, ca) in [(ours, our_ca), (theirs, their_ca)] {
        let pk = cert.public_key().unwrap();
        assert_eq!(cert.subject_key_id().unwrap(), crypto::subject_key_id(&pk).to_vec());
        assert_eq!(cert.authority_key_id(), ca.subject_key_id());
        // Fabric CA 1.5: NotBefore is the CA's NotBefore; NotAfter is a whole minute.
        assert_eq!(cert.not_before(), ca.not_before());
        assert_eq!(cert.not_after().second(), 0);
        // Serial: positive, at most 20 bytes (159 random bits).
        let serial = cert.x509().tbs_certificate.serial_number.as_bytes();
        assert!(serial.len() <= 20 && serial.len() >= 16 && serial[0] & 0x80 == 0, "{serial:02x?}");
        assert!(crypto::is_low_s(cert.x509().signature.raw_bytes()).unwrap());
    }
    // Both chains: one year, capped by the CA.
    let year = |c: &Certificate| (c.not_after() - c.not_before()).whole_days();
    assert!(year(ours) <= 366 && year(theirs) <= 366);
}

#[test]
fn enrolment_certificate_matches_fabric_ca_user2() {
    let theirs = fixture("msp-user2/signcerts/cert.pem");
    let their_ca = fixture("ca-cert.pem");
    let wallet = Arc::new(Wallet::from_backend(Box::new(MemoryBackend::new())));
    let (ca, _) = fabric_like_ca(&wallet);
    // Registered and enrolled as in the transcript: client, org1.department1,
    // role=auditor:ecert, level=3, max 2, hosts [vm]; the fixture cert is from the reenrolment,
    // which carries the default (ecert) attributes.
    let secret = ca
        .register(
            "admin",
            &RegistrationRequest {
                id: "user2".into(),
                secret: Some(Secret::new("user2pw")),
                identity_type: Some("client".into()),
                affiliation: Some("org1.department1".into()),
                attributes: vec![Attribute::new("role", "auditor", true), Attribute::new("level", "3", false)],
                max_enrollments: Some(2),
            },
        )
        .unwrap();
    ca.enroll(&EnrollRequest {
        id: "user2".into(),
        secret: Some(secret),
        hosts: vec!["vm".into()],
        ..Default::default()
    })
    .unwrap();
    let user2 = ca.reenroll("user2", &ReenrollOptions::default()).unwrap();
    let ours = user2.certificate();
    common_checks(ours, &theirs, ca.certificate(), &their_ca);

    // Byte-identical subject and issuer: same names, one multi-valued OU RDN sorted by DER.
    let (o, t) = (&ours.x509().tbs_certificate, &theirs.x509().tbs_certificate);
    assert_eq!(o.subject.to_der().unwrap(), t.subject.to_der().unwrap(), "subject DER");
    assert_eq!(o.issuer.to_der().unwrap(), t.issuer.to_der().unwrap(), "issuer DER");
    assert_eq!(ours.subject(), theirs.subject());
    assert_eq!(rdn_shape(&o.subject)[3].len(), 3, "all OUs in one RDN");
    // SAN and the attribute extension: the very same bytes (raw JSON, sorted keys).
    assert_eq!(ext_value(ours, "2.5.29.17"), ext_value(&theirs, "2.5.29.17"));
    assert_eq!(ext_value(ours, "1.2.3.4.5.6.7.8.1"), ext_value(&theirs, "1.2.3.4.5.6.7.8.1"));
    assert_eq!(
        ext_value(ours, "1.2.3.4.5.6.7.8.1"),
        br#"{"attrs":{"hf.Affiliation":"org1.department1","hf.EnrollmentID":"user2","hf.Type":"client","role":"auditor"}}"#
    );
    assert_eq!(ours.fabric_info(), Certificate::fabric_info(&theirs));
    // Lengths of the key identifiers.
    assert_eq!(ext_value(ours, "2.5.29.14").len(), ext_value(&theirs, "2.5.29.14").len());
    assert_eq!(ext_value(ours, "2.5.29.35").len(), ext_value(&theirs, "2.5.29.35").len());
}

#[test]
fn bootstrap_admin_certificate_matches_fabric_ca_admin() {
    let theirs = fixture("msp-admin/signcerts/cert.pem");
    let their_ca = fixture("ca-cert.pem");
    let wallet = Arc::new(Wallet::from_backend(Box::new(MemoryBackend::new())));
    let (ca, admin) = fabric_like_ca(&wallet);
    let ours = admin.certificate();
    common_checks(ours, &theirs, ca.certificate(), &their_ca);
    assert_eq!(
        ours.x509().tbs_certificate.subject.to_der().unwrap(),
        theirs.x509().tbs_certificate.subject.to_der().unwrap()
    );
    assert_eq!(ours.subject(), "CN=admin,OU=client,O=Hyperledger,ST=North Carolina,C=US");
    assert_eq!(ext_value(ours, "2.5.29.17"), ext_value(&theirs, "2.5.29.17"));
    assert!(ours.extension(wallet_core::identity::FABRIC_ATTRS_OID).is_none());
}

#[test]
fn root_ca_certificate_matches_fabric_ca_server() {
    let theirs = fixture("ca-cert.pem");
    let wallet = Arc::new(Wallet::from_backend(Box::new(MemoryBackend::new())));
    let (ca, _) = fabric_like_ca(&wallet);
    let ours = ca.certificate();
    let (o, t) = (&ours.x509().tbs_certificate, &theirs.x509().tbs_certificate);
    assert_eq!(o.subject.to_der().unwrap(), t.subject.to_der().unwrap());
    assert_eq!(o.issuer.to_der().unwrap(), t.issuer.to_der().unwrap());
    assert_eq!(ext_shape(ours), ext_shape(&theirs), "KU, BC, SKI; no AKI on the self-signed root");
    for oid in ["2.5.29.15", "2.5.29.19"] {
        assert_eq!(ext_value(ours, oid), ext_value(&theirs, oid), "{oid}");
    }
    for cert in [ours, &theirs] {
        assert_eq!(cert.subject_key_id().unwrap(), crypto::subject_key_id(&cert.public_key().unwrap()).to_vec());
        assert_eq!(cert.not_before().second(), 0);
        assert_eq!((cert.not_after() - cert.not_before()).whole_hours(), 131_400);
    }
}
