//! Unit tests of the CA: profiles, Fabric CA's rules, secrets, concurrency. Compiled once per
//! key store (see `tests/mod.rs`): `key_stores()` is the parent module's.

use super::key_stores;
use crate::backend::{Backend, MemoryBackend};
use crate::ca::registry::{IdRecord, KIND_ID};
use crate::ca::*;
use crate::crypto::{self, KeyError, KeyRef, Signer};
use crate::{Error, Wallet};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use time::macros::datetime;

const KINDS: [&str; 8] = ["ca", "ca-key", "ca-aff", "ca-id", "ca-cert", "ca-revoked", "ca-crl", "identity"];

/// A wallet over `backend` with the suite's key stores.
fn wallet_over(backend: Box<dyn Backend>) -> Arc<Wallet> {
    Arc::new(Wallet::from_backend(backend).with_key_stores(key_stores()))
}

fn new_wallet() -> Arc<Wallet> {
    wallet_over(Box::new(MemoryBackend::new()))
}

/// Whether the suite's keys may be exported (software) or not (memory).
fn exportable() -> bool {
    key_stores().default_store().exportable()
}

/// The private key of `identity` as PKCS#8 PEM (only for exportable keys).
fn key_pem(identity: &crate::Identity) -> zeroize::Zeroizing<String> {
    crate::formats::pem_pair::to_pem(identity).expect("a software key exports").1
}

/// The key reference a CA's key record holds.
fn ca_key_ref(wallet: &Wallet, ca: &str) -> KeyRef {
    let rec = wallet.backend().get(&crate::backend::RecordKey::new("ca-key", ca)).unwrap().unwrap();
    let json: serde_json::Value = serde_json::from_slice(&rec.value).unwrap();
    serde_json::from_value(json["key"].clone()).unwrap()
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(datetime!(2026-11-23 21:51:40 UTC)))
}

/// A CA "org1-ca" with its admin enrolled under label "admin".
fn setup() -> (Arc<Wallet>, CertificateAuthority, Arc<FixedClock>) {
    let wallet = new_wallet();
    let clock = clock();
    let options = BootstrapOptions::root(CaOptions::new("org1-ca", "Org1MSP")).with_clock(clock.clone());
    let ca = CertificateAuthority::bootstrap(wallet.clone(), &options).unwrap().ca;
    (wallet, ca, clock)
}

fn register(
    ca: &CertificateAuthority,
    registrar: &str,
    id: &str,
    ty: &str,
    aff: &str,
    attrs: &[Attribute],
) -> Result<Secret, Error> {
    ca.register(
        registrar,
        &RegistrationRequest {
            id: id.into(),
            identity_type: Some(ty.into()),
            affiliation: Some(aff.into()),
            attributes: attrs.to_vec(),
            ..Default::default()
        },
    )
}

fn enroll(ca: &CertificateAuthority, id: &str, secret: Secret) -> Result<crate::Identity, Error> {
    ca.enroll(&EnrollRequest { id: id.into(), secret: Some(secret), ..Default::default() })
}

/// Register and enrol `id` as admin, with extra attributes.
fn make(ca: &CertificateAuthority, id: &str, ty: &str, aff: &str, attrs: &[Attribute]) -> crate::Identity {
    let s = register(ca, "admin", id, ty, aff, attrs).unwrap();
    enroll(ca, id, s).unwrap()
}

fn snapshot(backend: &dyn Backend) -> BTreeMap<(String, String), Vec<u8>> {
    let mut out = BTreeMap::new();
    for kind in KINDS {
        for name in backend.list(kind, "").unwrap() {
            let v = backend.get(&crate::backend::RecordKey::new(kind, &name)).unwrap().unwrap();
            out.insert((kind.to_string(), name), v.value.to_vec());
        }
    }
    out
}

fn id_record(wallet: &Wallet, id: &str) -> IdRecord {
    let v = wallet.backend().get(&crate::backend::RecordKey::new(KIND_ID, &format!("org1-ca/{id}"))).unwrap().unwrap();
    serde_json::from_slice(&v.value).unwrap()
}

fn ca_err(e: Error) -> CaError {
    match e {
        Error::Ca(c) => c,
        other => panic!("expected a CA error, got {other:?}"),
    }
}

// ----- profiles ------------------------------------------------------------------------------

#[test]
fn root_ca_certificate_profile() {
    let (_, ca, _) = setup();
    let cert = ca.certificate();
    assert!(cert.is_ca() && cert.is_self_signed());
    assert_eq!(cert.subject(), "CN=org1-ca,OU=Fabric,O=Hyperledger,ST=North Carolina,C=US");
    let pk = cert.public_key().unwrap();
    assert_eq!(cert.subject_key_id().unwrap(), crypto::subject_key_id(&pk).to_vec());
    assert!(cert.authority_key_id().is_none(), "Go writes no AKI on a self-signed root");
    let ku = cert.extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE).unwrap();
    assert!(ku.critical);
    assert_eq!(ku.extn_value.as_bytes(), [0x03, 0x02, 0x01, 0x06], "keyCertSign + cRLSign, as in ca-cert.pem");
    let bc = cert.extension(const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS).unwrap();
    assert!(bc.critical);
    assert_eq!(bc.extn_value.as_bytes(), [0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x01], "CA:TRUE, pathlen 1");
    assert!(authority::signed_by(cert, &pk));
    // cfssl: NotBefore = now rounded to the minute − 5 min; 131400 h of validity.
    assert_eq!(cert.not_before(), datetime!(2026-11-23 21:47:00 UTC));
    assert_eq!(cert.not_after() - cert.not_before(), time::Duration::hours(131_400));
}

#[test]
fn enrolment_certificate_profile() {
    let (_, ca, _) = setup();
    let user = make(
        ca_ref(&ca),
        "user2",
        "client",
        "org1.department1",
        &[Attribute::new("role", "auditor", true), Attribute::new("level", "3", false)],
    );
    let cert = user.certificate();
    assert_eq!(cert.subject(), "CN=user2,OU=org1+OU=client+OU=department1,O=Hyperledger,ST=North Carolina,C=US");
    let ku = cert.extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE).unwrap();
    assert!(ku.critical);
    assert_eq!(ku.extn_value.as_bytes(), [0x03, 0x02, 0x07, 0x80]);
    let bc = cert.extension(const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS).unwrap();
    assert!(bc.critical);
    assert_eq!(bc.extn_value.as_bytes(), [0x30, 0x00]);
    assert_eq!(cert.authority_key_id(), ca.certificate().subject_key_id());
    let attrs = cert.extension(crate::identity::FABRIC_ATTRS_OID).unwrap();
    assert!(!attrs.critical);
    assert_eq!(
        attrs.extn_value.as_bytes(),
        br#"{"attrs":{"hf.Affiliation":"org1.department1","hf.EnrollmentID":"user2","hf.Type":"client","role":"auditor"}}"#
    );
    assert!(cert.x509().tbs_certificate.serial_number.as_bytes().len() <= 20);
    assert!(cert.subject_alt_names().is_empty());
    // Fabric CA ≥ 1.5: NotBefore is the CA's; NotAfter is now rounded + 8760 h.
    assert_eq!(cert.not_before(), ca.certificate().not_before());
    assert_eq!(cert.not_after(), datetime!(2027-11-23 21:52:00 UTC));
    assert!(authority::signed_by(cert, &ca.certificate().public_key().unwrap()));
    assert_eq!(user.chain(), [ca.certificate().clone()]);
    assert_eq!(user.msp_id(), "Org1MSP");
    assert!(crypto::is_low_s(cert.x509().signature.raw_bytes()).unwrap(), "CA signatures are low-S");
}

fn ca_wallet(ca: &CertificateAuthority) -> &Wallet {
    ca.wallet()
}

fn ca_ref(ca: &CertificateAuthority) -> &CertificateAuthority {
    ca
}

#[test]
fn admin_certificate_matches_fabric_bootstrap_admin() {
    let (wallet, ca, _) = setup();
    let admin = wallet.get("admin").unwrap();
    assert_eq!(admin.certificate().subject(), "CN=admin,OU=client,O=Hyperledger,ST=North Carolina,C=US");
    assert!(
        admin.certificate().extension(crate::identity::FABRIC_ATTRS_OID).is_none(),
        "bootstrap admin has no hf.* ecert attrs"
    );
    let info = ca.identity("admin").unwrap();
    let attrs: BTreeMap<_, _> = info.attrs.iter().map(|a| (a.name.as_str(), a.value.as_str())).collect();
    assert_eq!(
        attrs,
        BTreeMap::from([
            ("hf.AffiliationMgr", "true"),
            ("hf.GenCRL", "true"),
            ("hf.IntermediateCA", "true"),
            ("hf.Registrar.Attributes", "*"),
            ("hf.Registrar.DelegateRoles", "*"),
            ("hf.Registrar.Roles", "*"),
            ("hf.Revoker", "true"),
        ])
    );
    assert_eq!((info.identity_type.as_str(), info.affiliation.as_str(), info.max_enrollments), ("client", "", -1));
}

#[test]
fn validity_is_capped_at_the_ca() {
    let wallet = new_wallet();
    let clock = clock();
    let mut opts = CaOptions::new("short", "Org1MSP");
    opts.validity = Some(Duration::from_secs(30 * 24 * 3600));
    let (ca, s) = CertificateAuthority::create_root(wallet.clone(), &opts, clock).unwrap();
    let admin = ca.enroll(&EnrollRequest { id: "admin".into(), secret: Some(s), ..Default::default() }).unwrap();
    assert_eq!(admin.certificate().not_after(), ca.certificate().not_after());
}

#[test]
fn hosts_become_subject_alt_names() {
    let (_, ca, _) = setup();
    let s = register(&ca, "admin", "peer0", "peer", "org1", &[]).unwrap();
    let hosts =
        ["peer0.org1.example.com", "127.0.0.1", "ops@example.com", "spiffe://org1/peer0"].map(String::from).to_vec();
    let peer = ca.enroll(&EnrollRequest { id: "peer0".into(), secret: Some(s), hosts, ..Default::default() }).unwrap();
    assert_eq!(
        peer.certificate().subject_alt_names(),
        ["DNS:peer0.org1.example.com", "email:ops@example.com", "IP:127.0.0.1", "URI:spiffe://org1/peer0"]
    );
}

#[test]
fn attribute_requests_follow_fabric() {
    let (_, ca, _) = setup();
    let attrs = [Attribute::new("role", "auditor", true), Attribute::new("dept", "<a&b>", false)];
    let s = register(&ca, "admin", "u", "client", "org1", &attrs).unwrap();
    let req = |reqs: Vec<(&str, bool)>, label: &str| EnrollRequest {
        id: "u".into(),
        secret: Some(s.clone()),
        label: Some(label.into()),
        attr_reqs: Some(reqs.into_iter().map(|(n, o)| AttributeRequest { name: n.into(), optional: o }).collect()),
        ..Default::default()
    };
    // Exactly the requested ones, also non-ecert ones; Go's HTML-safe escaping.
    let id = ca.enroll(&req(vec![("dept", false), ("hf.EnrollmentID", false)], "u1")).unwrap();
    let ext = id.certificate().extension(crate::identity::FABRIC_ATTRS_OID).unwrap();
    assert_eq!(ext.extn_value.as_bytes(), br#"{"attrs":{"dept":"\u003ca\u0026b\u003e","hf.EnrollmentID":"u"}}"#);
    assert_eq!(id.certificate().fabric_attributes().unwrap()["dept"], "<a&b>");
    // A missing optional attribute is skipped; a missing required one fails.
    let id = ca.enroll(&req(vec![("nope", true)], "u2")).unwrap();
    assert_eq!(
        id.certificate().extension(crate::identity::FABRIC_ATTRS_OID).unwrap().extn_value.as_bytes(),
        br#"{"attrs":{}}"#
    );
    let e = ca_err(ca.enroll(&req(vec![("nope", false)], "u3")).unwrap_err());
    assert!(matches!(e, CaError::MissingAttribute { ref name, .. } if name == "nope"), "{e}");
}

// ----- registration rules ----------------------------------------------------------------------

#[test]
fn max_enrollments_registration_table() {
    // (requested, CA max) → stored or error, as fabric-ca lib/util.go getMaxEnrollments.
    let cases: [(i32, i32, Option<i32>); 12] = [
        (0, -1, Some(-1)),
        (-1, -1, Some(-1)),
        (5, -1, Some(5)),
        (-2, -1, None),
        (0, 0, None),
        (3, 0, None),
        (0, 3, Some(3)),
        (2, 3, Some(2)),
        (3, 3, Some(3)),
        (4, 3, None),
        (-1, 3, None),
        (-5, 3, None),
    ];
    for (req, ca, want) in cases {
        assert_eq!(rules::registration_max_enrollments("x", req, ca).ok(), want, "request {req}, CA {ca}");
    }
}

#[test]
fn max_enrollments_are_enforced_and_counted() {
    let (wallet, ca, _) = setup();
    let s = ca
        .register("admin", &RegistrationRequest { id: "twice".into(), max_enrollments: Some(2), ..Default::default() })
        .unwrap();
    let e = |label: &str| {
        ca.enroll(&EnrollRequest {
            id: "twice".into(),
            secret: Some(s.clone()),
            label: Some(label.into()),
            ..Default::default()
        })
    };
    e("a").unwrap();
    e("b").unwrap();
    let before = snapshot(wallet.backend());
    let err = ca_err(e("c").unwrap_err());
    assert_eq!(err, CaError::MaxEnrollmentsReached { id: "twice".into(), count: 2 });
    assert!(err.to_string().contains("has already enrolled 2 times, it has reached its maximum enrollment allowance"));
    assert_eq!(snapshot(wallet.backend()), before);
    // Reenrolment does not count.
    ca.reenroll("a", &ReenrollOptions::default()).unwrap();
    assert_eq!(ca.identity("twice").unwrap().enrollments, 2);
    assert_eq!(ca.identity("twice").unwrap().certificates.len(), 3);
}

#[test]
fn ca_max_enrollments_caps_identities() {
    let wallet = new_wallet();
    let mut opts = CaOptions::new("capped", "Org1MSP");
    opts.policy.max_enrollments = 1;
    let (ca, s) = CertificateAuthority::create_root(wallet.clone(), &opts, clock()).unwrap();
    ca.enroll(&EnrollRequest { id: "admin".into(), secret: Some(s.clone()), ..Default::default() }).unwrap();
    let e = ca_err(
        ca.enroll(&EnrollRequest {
            id: "admin".into(),
            secret: Some(s),
            label: Some("a2".into()),
            ..Default::default()
        })
        .unwrap_err(),
    );
    assert!(matches!(e, CaError::MaxEnrollmentsReached { .. }), "{e}");
    let e = ca_err(
        ca.register("admin", &RegistrationRequest { id: "u".into(), max_enrollments: Some(-1), ..Default::default() })
            .unwrap_err(),
    );
    assert!(e.to_string().contains("unlimited enrollments are not allowed"), "{e}");
    // max 0 on an identity disables enrolment
    let wallet = new_wallet();
    let (ca, _) = CertificateAuthority::create_root(wallet.clone(), &CaOptions::new("c2", "Org1MSP"), clock()).unwrap();
    let _ = ca;
}

/// One row of the rights matrix: a registrar with `attrs` (type client, affiliation `aff`)
/// tries `action`; Fabric CA grants or refuses.
struct Case {
    name: &'static str,
    registrar_aff: &'static str,
    registrar_attrs: &'static [(&'static str, &'static str)],
    action: Action,
    granted: bool,
}

enum Action {
    Register { ty: &'static str, aff: &'static str, attrs: &'static [(&'static str, &'static str)] },
    RevokeOther,
    RevokeSelf,
    GenCrl,
    AddAffiliation(&'static str),
    Intermediate,
}

#[test]
fn rights_matrix() {
    use Action::*;
    const ROLES: &str = "hf.Registrar.Roles";
    const DELEG: &str = "hf.Registrar.DelegateRoles";
    const RATTR: &str = "hf.Registrar.Attributes";
    let cases = [
        Case {
            name: "no roles: not a registrar",
            registrar_aff: "",
            registrar_attrs: &[],
            action: Register { ty: "client", aff: "org1", attrs: &[] },
            granted: false,
        },
        Case {
            name: "role listed",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "client,peer")],
            action: Register { ty: "peer", aff: "org1", attrs: &[] },
            granted: true,
        },
        Case {
            name: "role listed, other case",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "client,PEER")],
            action: Register { ty: "peer", aff: "org1", attrs: &[] },
            granted: true,
        },
        Case {
            name: "role not listed",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "client")],
            action: Register { ty: "peer", aff: "org1", attrs: &[] },
            granted: false,
        },
        Case {
            name: "star role",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*")],
            action: Register { ty: "orderer", aff: "org1", attrs: &[] },
            granted: true,
        },
        Case {
            name: "own affiliation",
            registrar_aff: "org1",
            registrar_attrs: &[(ROLES, "*")],
            action: Register { ty: "client", aff: "org1", attrs: &[] },
            granted: true,
        },
        Case {
            name: "below own affiliation",
            registrar_aff: "org1",
            registrar_attrs: &[(ROLES, "*")],
            action: Register { ty: "client", aff: "org1.department1", attrs: &[] },
            granted: true,
        },
        Case {
            name: "sibling affiliation",
            registrar_aff: "org1",
            registrar_attrs: &[(ROLES, "*")],
            action: Register { ty: "client", aff: "org2", attrs: &[] },
            granted: false,
        },
        Case {
            name: "root affiliation from non-root",
            registrar_aff: "org1",
            registrar_attrs: &[(ROLES, "*")],
            action: Register { ty: "client", aff: ".", attrs: &[] },
            granted: false,
        },
        Case {
            name: "prefix is not containment",
            registrar_aff: "org1.department1",
            registrar_attrs: &[(ROLES, "*")],
            action: Register { ty: "client", aff: "org1.department2", attrs: &[] },
            granted: false,
        },
        Case {
            name: "custom attr without hf.Registrar.Attributes",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*")],
            action: Register { ty: "client", aff: "org1", attrs: &[("role", "x")] },
            granted: false,
        },
        Case {
            name: "custom attr listed",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), (RATTR, "role,level")],
            action: Register { ty: "client", aff: "org1", attrs: &[("role", "x")] },
            granted: true,
        },
        Case {
            name: "custom attr by wildcard",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), (RATTR, "app.*")],
            action: Register { ty: "client", aff: "org1", attrs: &[("app.role", "x")] },
            granted: true,
        },
        Case {
            name: "custom attr outside wildcard",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), (RATTR, "app.*")],
            action: Register { ty: "client", aff: "org1", attrs: &[("role", "x")] },
            granted: false,
        },
        Case {
            name: "hf.Revoker granted by owner",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), (RATTR, "*"), ("hf.Revoker", "true")],
            action: Register { ty: "client", aff: "org1", attrs: &[("hf.Revoker", "true")] },
            granted: true,
        },
        Case {
            name: "hf.Revoker not owned",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), (RATTR, "*")],
            action: Register { ty: "client", aff: "org1", attrs: &[("hf.Revoker", "true")] },
            granted: false,
        },
        Case {
            name: "hf.Revoker owned false",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), (RATTR, "*"), ("hf.Revoker", "false")],
            action: Register { ty: "client", aff: "org1", attrs: &[("hf.Revoker", "true")] },
            granted: false,
        },
        Case {
            name: "hf.Revoker owned but not in Registrar.Attributes",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), (RATTR, "role"), ("hf.Revoker", "true")],
            action: Register { ty: "client", aff: "org1", attrs: &[("hf.Revoker", "true")] },
            granted: false,
        },
        Case {
            name: "hf.GenCRL needs ownership",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), (RATTR, "*")],
            action: Register { ty: "client", aff: "org1", attrs: &[("hf.GenCRL", "true")] },
            granted: false,
        },
        Case {
            name: "hf.IntermediateCA owned true (1)",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), (RATTR, "*"), ("hf.IntermediateCA", "1")],
            action: Register { ty: "client", aff: "org1", attrs: &[("hf.IntermediateCA", "true")] },
            granted: true,
        },
        Case {
            name: "hf.AffiliationMgr owned",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), (RATTR, "*"), ("hf.AffiliationMgr", "true")],
            action: Register { ty: "client", aff: "org1", attrs: &[("hf.AffiliationMgr", "true")] },
            granted: true,
        },
        Case {
            name: "roles subset",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "client,peer"), (RATTR, "hf.Registrar.Roles")],
            action: Register { ty: "client", aff: "org1", attrs: &[(ROLES, "peer")] },
            granted: true,
        },
        Case {
            name: "roles superset",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "client,peer"), (RATTR, "hf.Registrar.Roles")],
            action: Register { ty: "client", aff: "org1", attrs: &[(ROLES, "peer,orderer")] },
            granted: false,
        },
        Case {
            name: "delegate roles within new roles",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), (DELEG, "*"), (RATTR, "*")],
            action: Register { ty: "client", aff: "org1", attrs: &[(ROLES, "client,peer"), (DELEG, "client")] },
            granted: true,
        },
        Case {
            name: "delegate roles beyond new roles",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), (DELEG, "*"), (RATTR, "*")],
            action: Register { ty: "client", aff: "org1", attrs: &[(ROLES, "client"), (DELEG, "peer")] },
            granted: false,
        },
        Case {
            name: "delegate roles beyond own",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), (DELEG, "client"), (RATTR, "*")],
            action: Register { ty: "client", aff: "org1", attrs: &[(ROLES, "*"), (DELEG, "peer")] },
            granted: false,
        },
        Case {
            name: "Registrar.Attributes within own",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), (RATTR, "hf.Registrar.Attributes,app.*")],
            action: Register { ty: "client", aff: "org1", attrs: &[(RATTR, "app.x")] },
            granted: true,
        },
        Case {
            name: "Registrar.Attributes beyond own",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), (RATTR, "hf.Registrar.Attributes,app.*")],
            action: Register { ty: "client", aff: "org1", attrs: &[(RATTR, "other")] },
            granted: false,
        },
        Case {
            name: "Registrar.Attributes hf value not given",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), (RATTR, "*"), ("hf.Revoker", "true")],
            action: Register { ty: "client", aff: "org1", attrs: &[(RATTR, "hf.Revoker")] },
            granted: false,
        },
        Case {
            name: "Registrar.Attributes hf value given",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), (RATTR, "*"), ("hf.Revoker", "true")],
            action: Register { ty: "client", aff: "org1", attrs: &[(RATTR, "hf.Revoker"), ("hf.Revoker", "true")] },
            granted: true,
        },
        Case {
            name: "revoke other without hf.Revoker",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*")],
            action: RevokeOther,
            granted: false,
        },
        Case {
            name: "revoke other with hf.Revoker",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), ("hf.Revoker", "true")],
            action: RevokeOther,
            granted: true,
        },
        Case {
            name: "revoke other outside affiliation",
            registrar_aff: "org2",
            registrar_attrs: &[(ROLES, "*"), ("hf.Revoker", "true")],
            action: RevokeOther,
            granted: false,
        },
        Case {
            name: "revoke other of unmanaged type",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "peer"), ("hf.Revoker", "true")],
            action: RevokeOther,
            granted: false,
        },
        Case {
            name: "revoke self needs nothing",
            registrar_aff: "org2",
            registrar_attrs: &[],
            action: RevokeSelf,
            granted: true,
        },
        Case {
            name: "gencrl without hf.GenCRL",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*"), ("hf.Revoker", "true")],
            action: GenCrl,
            granted: false,
        },
        Case {
            name: "gencrl with hf.GenCRL",
            registrar_aff: "org2",
            registrar_attrs: &[("hf.GenCRL", "true")],
            action: GenCrl,
            granted: true,
        },
        Case {
            name: "affiliation without hf.AffiliationMgr",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*")],
            action: AddAffiliation("org3"),
            granted: false,
        },
        Case {
            name: "affiliation within own",
            registrar_aff: "org1",
            registrar_attrs: &[("hf.AffiliationMgr", "true")],
            action: AddAffiliation("org1.department9"),
            granted: true,
        },
        Case {
            name: "affiliation outside own",
            registrar_aff: "org1",
            registrar_attrs: &[("hf.AffiliationMgr", "true")],
            action: AddAffiliation("org3"),
            granted: false,
        },
        Case {
            name: "intermediate without hf.IntermediateCA",
            registrar_aff: "",
            registrar_attrs: &[(ROLES, "*")],
            action: Intermediate,
            granted: false,
        },
        Case {
            name: "intermediate with hf.IntermediateCA",
            registrar_aff: "",
            registrar_attrs: &[("hf.IntermediateCA", "true")],
            action: Intermediate,
            granted: true,
        },
    ];
    let (wallet, ca, _) = setup();
    make(&ca, "victim", "client", "org1.department1", &[]);
    for (n, case) in cases.iter().enumerate() {
        // The registrar is registered by the bootstrap admin, who holds every right.
        let reg = format!("registrar{n}");
        let attrs: Vec<Attribute> = case.registrar_attrs.iter().map(|(k, v)| Attribute::new(k, v, false)).collect();
        make(&ca, &reg, "client", if case.registrar_aff.is_empty() { "." } else { case.registrar_aff }, &attrs);
        let before = snapshot(wallet.backend());
        let result: Result<(), Error> = match &case.action {
            Action::Register { ty, aff, attrs } => register(
                &ca,
                &reg,
                &format!("new{n}"),
                ty,
                aff,
                &attrs.iter().map(|(k, v)| Attribute::new(k, v, false)).collect::<Vec<_>>(),
            )
            .map(drop),
            Action::RevokeOther => {
                let victim = wallet.get("victim").unwrap();
                ca.revoke(
                    &reg,
                    &RevokeTarget::Certificate {
                        serial: victim.certificate().serial_hex(),
                        aki: hex::encode(victim.certificate().authority_key_id().unwrap()),
                    },
                    RevocationReason::Superseded,
                )
                .map(drop)
            }
            Action::RevokeSelf => {
                let me = wallet.get(&reg).unwrap();
                let target = RevokeTarget::Certificate { serial: me.certificate().serial_hex(), aki: ca.key_id_hex() };
                // Enrol a second certificate to revoke, so the registrar keeps a valid one.
                let s = ca.reset_secret("admin", &reg, None).unwrap();
                ca.enroll(&EnrollRequest {
                    id: reg.clone(),
                    secret: Some(s),
                    label: Some(format!("{reg}-2")),
                    ..Default::default()
                })
                .unwrap();
                ca.revoke(&format!("{reg}-2"), &target, RevocationReason::Unspecified).map(drop)
            }
            Action::GenCrl => ca.generate_crl(&reg, &CrlOptions::default()).map(drop),
            Action::AddAffiliation(name) => ca.add_affiliation(&reg, name, false),
            Action::Intermediate => CertificateAuthority::create_intermediate(
                &ca,
                &reg,
                wallet.clone(),
                &CaOptions::new(&format!("int{n}"), "Org1MSP"),
            )
            .map(drop),
        };
        match (&result, case.granted) {
            (Ok(()), true) => {}
            (Err(Error::Ca(e)), false) => {
                assert!(matches!(e, CaError::Unauthorized { .. }), "{}: refused with the wrong error: {e}", case.name);
                assert!(e.to_string().starts_with("authorization failure: registrar"), "{}: {e}", case.name);
                assert_eq!(snapshot(wallet.backend()), before, "{}: a refusal changed the registry", case.name);
            }
            (r, _) => panic!("{}: expected granted={}, got {r:?}", case.name, case.granted),
        }
    }
    if let Some(crl) = ca.latest_crl().unwrap() {
        assert!(crl.entries >= 1);
    }
}

#[test]
fn reserved_and_fixed_attribute_names_are_refused() {
    let (wallet, ca, _) = setup();
    for (name, needle) in [
        ("hf.EnrollmentID", "fixed"),
        ("hf.Type", "fixed"),
        ("hf.Affiliation", "fixed"),
        ("hf.Custom", "reserved prefix"),
    ] {
        let before = snapshot(wallet.backend());
        let e = ca_err(register(&ca, "admin", "x", "client", "org1", &[Attribute::new(name, "v", false)]).unwrap_err());
        assert!(matches!(e, CaError::InvalidRegistration { ref id, .. } if id == "x"), "{name}: {e}");
        assert!(e.to_string().contains(needle), "{name}: {e}");
        assert_eq!(snapshot(wallet.backend()), before);
    }
    let e = ca_err(
        register(&ca, "admin", "x", "client", "org1", &[Attribute::new("hf.Revoker", "maybe", false)]).unwrap_err(),
    );
    assert!(e.to_string().contains("boolean"), "{e}");
}

#[test]
fn registration_defaults_follow_fabric() {
    let (_, ca, _) = setup();
    make(&ca, "sub", "client", "org1", &[Attribute::new("hf.Registrar.Roles", "client", false)]);
    // No type → the registrar's; no affiliation → the registrar's.
    ca.register("sub", &RegistrationRequest { id: "child".into(), ..Default::default() }).unwrap();
    let child = ca.identity("child").unwrap();
    assert_eq!((child.identity_type.as_str(), child.affiliation.as_str()), ("client", "org1"));
    // ... which the sub-registrar may not register, since its roles are "client" only.
    let e = ca_err(
        ca.register(
            "sub",
            &RegistrationRequest { id: "c2".into(), identity_type: Some("orderer".into()), ..Default::default() },
        )
        .unwrap_err(),
    );
    assert!(e.to_string().contains("may not register type orderer"), "{e}");
    // "." is the root affiliation.
    ca.register(
        "admin",
        &RegistrationRequest { id: "rooted".into(), affiliation: Some(".".into()), ..Default::default() },
    )
    .unwrap();
    assert_eq!(ca.identity("rooted").unwrap().affiliation, "");
    let fixed: Vec<_> = child
        .attrs
        .iter()
        .filter(|a| a.name.starts_with("hf.") && a.ecert)
        .map(|a| (a.name.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(fixed, [("hf.EnrollmentID", "child"), ("hf.Type", "client"), ("hf.Affiliation", "org1")]);
}

// ----- bad input leaves the registry unchanged ------------------------------------------------

#[test]
fn bad_input_is_refused_with_the_registry_unchanged() {
    let (wallet, ca, clock) = setup();
    let s = register(&ca, "admin", "user1", "client", "org1.department1", &[]).unwrap();
    make(&ca, "weak", "client", "org1", &[]);
    make(&ca, "gone", "client", "org1", &[]);
    ca.revoke("admin", &RevokeTarget::Identity("gone".into()), RevocationReason::KeyCompromise).unwrap();
    // A registrar whose certificate expires long before the others.
    make(&ca, "brief", "client", ".", &[Attribute::new("hf.Registrar.Roles", "*", false)]);
    let key = crypto::SoftwareKey::generate();
    let csr_other = build_csr(&key, "someone-else", &SubjectNames::default(), &[]).unwrap();

    type Check = Box<dyn Fn(&CaError) -> bool>;
    type Act<'a> = Box<dyn Fn() -> Result<(), Error> + 'a>;
    let cases: Vec<(&str, Act<'_>, Check)> = vec![
        (
            "unknown affiliation",
            Box::new(|| register(&ca, "admin", "n1", "client", "org9", &[]).map(drop)),
            Box::new(|e| matches!(e, CaError::UnknownAffiliation { .. })),
        ),
        (
            "duplicate id",
            Box::new(|| register(&ca, "admin", "user1", "client", "org1", &[]).map(drop)),
            Box::new(|e| matches!(e, CaError::DuplicateIdentity { .. })),
        ),
        (
            "enrolment of a revoked identity",
            Box::new(|| {
                let req = EnrollRequest {
                    id: "gone".into(),
                    secret: Some(Secret::new("x")),
                    label: Some("gone2".into()),
                    ..Default::default()
                };
                ca.enroll(&req).map(drop)
            }),
            Box::new(|e| matches!(e, CaError::IdentityRevoked { .. })),
        ),
        (
            "CSR whose CN is not the enrollment id",
            Box::new(|| ca.sign_csr("user1", &s, csr_other.as_bytes(), &[], None).map(drop)),
            Box::new(|e| matches!(e, CaError::CsrCommonName { .. })),
        ),
        (
            "garbage CSR",
            Box::new(|| {
                ca.sign_csr(
                    "user1",
                    &s,
                    b"-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
                    &[],
                    None,
                )
                .map(drop)
            }),
            Box::new(|e| matches!(e, CaError::InvalidCsr { .. })),
        ),
        (
            "a registrar without the right",
            Box::new(|| register(&ca, "weak", "n2", "client", "org1", &[]).map(drop)),
            Box::new(|e| matches!(e, CaError::Unauthorized { .. })),
        ),
        (
            "unknown identity",
            Box::new(|| enroll(&ca, "nobody", Secret::new("x")).map(drop)),
            Box::new(|e| matches!(e, CaError::UnknownIdentity { .. })),
        ),
        (
            "a revoked registrar",
            Box::new(|| register(&ca, "gone", "n3", "client", "org1", &[]).map(drop)),
            Box::new(|e| {
                matches!(
                    e,
                    CaError::CallerCertificate { .. } | CaError::CallerRevoked { .. } | CaError::IdentityRevoked { .. }
                )
            }),
        ),
        (
            "invalid id",
            Box::new(|| register(&ca, "admin", "a/b", "client", "org1", &[]).map(drop)),
            Box::new(|e| matches!(e, CaError::InvalidRegistration { .. })),
        ),
        (
            "revoke an unknown serial",
            Box::new(|| {
                ca.revoke(
                    "admin",
                    &RevokeTarget::Certificate { serial: "abcd".into(), aki: ca.key_id_hex() },
                    RevocationReason::Unspecified,
                )
                .map(drop)
            }),
            Box::new(|e| matches!(e, CaError::UnknownCertificate { .. })),
        ),
    ];
    for (name, action, check) in &cases {
        let before = snapshot(wallet.backend());
        let e = ca_err(action().expect_err(name));
        assert!(check(&e), "{name}: wrong error {e:?}");
        assert!(!e.to_string().is_empty(), "{name}");
        assert_eq!(snapshot(wallet.backend()), before, "{name}: the registry changed");
    }

    // An expired registrar certificate: move the clock past its NotAfter.
    clock.advance(Duration::from_secs(366 * 24 * 3600));
    let before = snapshot(wallet.backend());
    let e = ca_err(register(&ca, "brief", "n4", "client", "org1", &[]).unwrap_err());
    assert!(matches!(e, CaError::CallerCertificate { ref detail, .. } if detail.contains("expired")), "{e}");
    assert_eq!(snapshot(wallet.backend()), before);
}

#[test]
fn wrong_secret_changes_only_the_failure_counter_then_locks() {
    let (wallet, ca, _) = setup();
    let good = register(&ca, "admin", "user1", "client", "org1", &[]).unwrap();
    let strip = |snap: BTreeMap<(String, String), Vec<u8>>| {
        snap.into_iter()
            .map(|(k, v)| {
                if k.0 == "ca-id" {
                    let mut r: IdRecord = serde_json::from_slice(&v).unwrap();
                    r.failed_attempts = 0;
                    (k, serde_json::to_vec(&r).unwrap())
                } else {
                    (k, v)
                }
            })
            .collect::<BTreeMap<_, _>>()
    };
    let before = strip(snapshot(wallet.backend()));
    for attempt in 1..=10u32 {
        let e = ca_err(enroll(&ca, "user1", Secret::new(format!("wrong{attempt}"))).unwrap_err());
        assert!(matches!(e, CaError::WrongSecret { .. }), "{e}");
        assert!(e.to_string().starts_with("authentication failure"));
        assert_eq!(id_record(&wallet, "user1").failed_attempts, attempt);
    }
    assert_eq!(strip(snapshot(wallet.backend())), before, "only the failure counter moved");
    // Locked now, even with the right secret.
    let e = ca_err(enroll(&ca, "user1", good.clone()).unwrap_err());
    assert!(matches!(e, CaError::Locked { attempts: 10, .. }), "{e}");
    assert!(ca.identity("user1").unwrap().locked);
    // A registrar unlocks it with a new secret; the old one no longer works.
    let fresh = ca.reset_secret("admin", "user1", None).unwrap();
    assert!(matches!(ca_err(enroll(&ca, "user1", good).unwrap_err()), CaError::WrongSecret { .. }));
    enroll(&ca, "user1", fresh).unwrap();
    assert_eq!(id_record(&wallet, "user1").failed_attempts, 0);
}

#[test]
fn secrets_are_never_stored_in_clear() {
    let (wallet, ca, _) = setup();
    let generated = register(&ca, "admin", "g", "client", "org1", &[]).unwrap();
    assert_eq!(generated.expose().len(), GENERATED_SECRET_LEN);
    ca.register(
        "admin",
        &RegistrationRequest { id: "c".into(), secret: Some(Secret::new("user2pw")), ..Default::default() },
    )
    .unwrap();
    let g = id_record(&wallet, "g").secret.unwrap();
    let c = id_record(&wallet, "c").secret.unwrap();
    assert!(g.starts_with("sha256$") && !g.contains(generated.expose()));
    assert!(c.starts_with("argon2id$") && !c.contains("user2pw"));
    for (_, v) in snapshot(wallet.backend()) {
        let text = String::from_utf8_lossy(&v);
        assert!(!text.contains(generated.expose()) && !text.contains("user2pw"));
    }
    enroll(&ca, "c", Secret::new("user2pw")).unwrap();
}

// ----- reenrol, revoke, CRL --------------------------------------------------------------------

#[test]
fn reenroll_keys_subjects_and_expiry() {
    let (wallet, ca, clock) = setup();
    let s = register(&ca, "admin", "u", "client", "org1.department1", &[]).unwrap();
    let first = ca
        .enroll(&EnrollRequest { id: "u".into(), secret: Some(s), hosts: vec!["vm".into()], ..Default::default() })
        .unwrap();
    let second = ca.reenroll("u", &ReenrollOptions::default()).unwrap();
    assert_ne!(first.certificate().public_key().unwrap(), second.certificate().public_key().unwrap());
    assert_eq!(first.certificate().subject(), second.certificate().subject());
    assert_eq!(second.certificate().subject_alt_names(), ["DNS:vm"]);
    assert_eq!(wallet.get("u").unwrap().certificate(), second.certificate());
    let third = ca.reenroll("u", &ReenrollOptions { reuse_key: true, ..Default::default() }).unwrap();
    assert_eq!(second.certificate().public_key().unwrap(), third.certificate().public_key().unwrap());
    assert_ne!(second.certificate().serial_hex(), third.certificate().serial_hex());
    // Expired: refused unless asked.
    clock.advance(Duration::from_secs(400 * 24 * 3600));
    let before = snapshot(wallet.backend());
    let e = ca_err(ca.reenroll("u", &ReenrollOptions::default()).unwrap_err());
    assert!(matches!(e, CaError::CallerCertificate { ref detail, .. } if detail.contains("expired")), "{e}");
    assert_eq!(snapshot(wallet.backend()), before);
    let fourth = ca.reenroll("u", &ReenrollOptions { allow_expired: true, ..Default::default() }).unwrap();
    assert!(fourth.certificate().not_after() > clock.now());
    assert_eq!(ca.identity("u").unwrap().enrollments, 1);
}

#[test]
fn revoke_identity_revokes_all_and_stops_enrolment() {
    let (wallet, ca, _) = setup();
    let s = register(&ca, "admin", "u", "client", "org1", &[]).unwrap();
    let a = enroll(&ca, "u", s.clone()).unwrap();
    let b = ca.reenroll("u", &ReenrollOptions::default()).unwrap();
    let revoked = ca.revoke("admin", &RevokeTarget::Identity("u".into()), RevocationReason::KeyCompromise).unwrap();
    let mut serials: Vec<_> = revoked.iter().map(|r| r.serial.clone()).collect();
    serials.sort();
    let mut want = vec![a.certificate().serial_hex(), b.certificate().serial_hex()];
    want.sort();
    assert_eq!(serials, want);
    assert!(revoked.iter().all(|r| r.aki == ca.key_id_hex()));
    assert_eq!(ca.identity("u").unwrap().state, IdentityState::Revoked);
    let e = ca_err(
        ca.enroll(&EnrollRequest { id: "u".into(), secret: Some(s), label: Some("u2".into()), ..Default::default() })
            .unwrap_err(),
    );
    assert!(matches!(e, CaError::IdentityRevoked { .. }), "{e}");
    let e = ca_err(ca.reenroll("u", &ReenrollOptions::default()).unwrap_err());
    assert!(matches!(e, CaError::CallerRevoked { .. }), "{e}");
    // Again: nothing left to revoke.
    let e =
        ca_err(ca.revoke("admin", &RevokeTarget::Identity("u".into()), RevocationReason::KeyCompromise).unwrap_err());
    assert!(matches!(e, CaError::IdentityRevoked { .. }), "{e}");
    let certs = ca.certificates(Some("u")).unwrap();
    assert!(certs.iter().all(|c| c.reason == Some(RevocationReason::KeyCompromise) && c.revoked_at.is_some()));
    let _ = wallet;
}

#[test]
fn revoke_by_serial_accepts_fabric_hex_forms() {
    let (_, ca, _) = setup();
    let u = make(&ca, "u", "client", "org1", &[]);
    let serial = u.certificate().serial_hex().to_uppercase();
    let aki_colons =
        ca.key_id_hex().as_bytes().chunks(2).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join(":");
    let out = ca
        .revoke(
            "admin",
            &RevokeTarget::Certificate { serial: format!("00{serial}"), aki: aki_colons.clone() },
            RevocationReason::Superseded,
        )
        .unwrap();
    assert_eq!(out, [RevokedCertificate { serial: u.certificate().serial_hex(), aki: ca.key_id_hex() }]);
    let e = ca_err(
        ca.revoke("admin", &RevokeTarget::Certificate { serial, aki: aki_colons }, RevocationReason::Superseded)
            .unwrap_err(),
    );
    assert!(matches!(e, CaError::AlreadyRevoked { .. }), "{e}");
    // Still active as an identity: only that certificate is revoked.
    assert_eq!(ca.identity("u").unwrap().state, IdentityState::Active);
    let e = ca_err(
        ca.revoke(
            "admin",
            &RevokeTarget::Certificate { serial: u.certificate().serial_hex(), aki: "ab".into() },
            RevocationReason::Superseded,
        )
        .unwrap_err(),
    );
    assert!(matches!(e, CaError::UnknownCertificate { .. }), "{e}");
}

#[test]
fn reason_names_are_fabrics() {
    for (name, code) in [
        ("unspecified", 0),
        ("keycompromise", 1),
        ("cacompromise", 2),
        ("affiliationchanged", 3),
        ("superseded", 4),
        ("cessationofoperation", 5),
        ("certificatehold", 6),
        ("removefromcrl", 8),
        ("privilegewithdrawn", 9),
        ("aacompromise", 10),
    ] {
        let r: RevocationReason = name.parse().unwrap();
        assert_eq!((r.code(), r.name()), (code, name));
        assert_eq!(name.to_uppercase().parse::<RevocationReason>().unwrap(), r);
    }
    assert!(matches!("bogus".parse::<RevocationReason>(), Err(CaError::UnknownReason { .. })));
}

#[test]
fn crl_has_number_aki_and_reason_codes() {
    use der::Decode;
    let (_, ca, _) = setup();
    let u1 = make(&ca, "u1", "client", "org1", &[]);
    let u2 = make(&ca, "u2", "client", "org1", &[]);
    ca.revoke("admin", &RevokeTarget::Identity("u1".into()), RevocationReason::KeyCompromise).unwrap();
    ca.revoke("admin", &RevokeTarget::Identity("u2".into()), RevocationReason::Unspecified).unwrap();
    let crl1 = ca.generate_crl("admin", &CrlOptions::default()).unwrap();
    let crl2 = ca.generate_crl("admin", &CrlOptions::default()).unwrap();
    assert_eq!((crl1.number, crl2.number, crl2.entries), (1, 2, 2));
    let parsed = x509_cert::crl::CertificateList::from_der(&crl2.der).unwrap();
    let tbs = &parsed.tbs_cert_list;
    assert_eq!(tbs.version, x509_cert::Version::V2);
    assert_eq!(tbs.issuer, ca.certificate().x509().tbs_certificate.subject);
    assert_eq!(
        tbs.next_update.unwrap().to_unix_duration() - tbs.this_update.to_unix_duration(),
        Duration::from_secs(24 * 3600)
    );
    let exts = tbs.crl_extensions.as_ref().unwrap();
    let oids: Vec<_> = exts.iter().map(|e| e.extn_id.to_string()).collect();
    assert_eq!(oids, ["2.5.29.35", "2.5.29.20"]);
    for entry in tbs.revoked_certificates.as_ref().unwrap() {
        let serial = hex::encode(entry.serial_number.as_bytes());
        let reasons: Vec<_> =
            entry.crl_entry_extensions.iter().flatten().map(|e| e.extn_value.as_bytes().to_vec()).collect();
        if serial.trim_start_matches('0') == u1.certificate().serial_hex() {
            assert_eq!(reasons, [vec![0x0a, 0x01, 0x01]], "keyCompromise");
        } else {
            assert_eq!(serial.trim_start_matches('0'), u2.certificate().serial_hex());
            assert!(reasons.is_empty(), "unspecified is written as no reason code");
        }
    }
    assert!(crate::crypto::verify(
        &ca.certificate().public_key().unwrap(),
        &der::Encode::to_der(tbs).unwrap(),
        parsed.signature.as_bytes().unwrap()
    )
    .is_ok());
    assert_eq!(ca.latest_crl().unwrap().unwrap().number, 2);
    assert!(crl2.to_pem().starts_with("-----BEGIN X509 CRL-----\n"));
    let e = ca.revoke("admin", &RevokeTarget::Identity("admin".into()), RevocationReason::RemoveFromCrl).unwrap_err();
    assert!(e.to_string().contains("delta CRLs"), "{e}");
}

// ----- CSR, intermediate, import ---------------------------------------------------------------

#[test]
fn third_party_csr_is_signed_under_the_same_rules() {
    let (wallet, ca, _) = setup();
    let s = register(&ca, "admin", "ext", "peer", "org1", &[Attribute::new("role", "x", true)]).unwrap();
    let key = crypto::SoftwareKey::generate();
    let csr = build_csr(
        &key,
        "ext",
        &SubjectNames { country: Some("DE".into()), ..Default::default() },
        &["ext.example".into()],
    )
    .unwrap();
    let cert = ca.sign_csr("ext", &s, csr.as_bytes(), &[], None).unwrap();
    assert_eq!(cert.public_key().unwrap(), key.public_key());
    assert_eq!(cert.subject(), "CN=ext,OU=org1+OU=peer,C=DE");
    assert_eq!(cert.subject_alt_names(), ["DNS:ext.example"]);
    assert_eq!(cert.fabric_attributes().unwrap()["role"], "x");
    assert!(!wallet.contains("ext").unwrap(), "a third party's certificate is not stored as an identity");
    assert_eq!(ca.identity("ext").unwrap().enrollments, 1);
}

#[test]
fn intermediate_ca_chain() {
    let (wallet, root, _) = setup();
    let (int, secret) = CertificateAuthority::create_intermediate(
        &root,
        "admin",
        wallet.clone(),
        &CaOptions::new("org1-int", "Org1MSP"),
    )
    .unwrap();
    let cert = int.certificate();
    assert!(cert.is_ca() && !cert.is_self_signed());
    assert_eq!(cert.authority_key_id(), root.certificate().subject_key_id());
    let bc = cert.extension(const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS).unwrap();
    assert_eq!(bc.extn_value.as_bytes(), [0x30, 0x06, 0x01, 0x01, 0xff, 0x02, 0x01, 0x00], "CA:TRUE, pathlen 0");
    assert!(authority::signed_by(cert, &root.certificate().public_key().unwrap()));
    assert_eq!(int.parent(), Some("org1-ca"));
    let admin = int
        .enroll(&EnrollRequest {
            id: "admin".into(),
            secret: Some(secret),
            label: Some("int-admin".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(admin.chain(), [int.certificate().clone(), root.certificate().clone()]);
    // Recorded in the parent's registry as issued to the registrar.
    assert!(root.certificates(Some("admin")).unwrap().iter().any(|c| c.serial == cert.serial_hex()));
    // Reopen from the wallet.
    let again = CertificateAuthority::open(wallet.clone(), "org1-int").unwrap();
    assert_eq!(again.chain(), int.chain());
    let mut names = CertificateAuthority::list(&wallet).unwrap();
    names.sort();
    assert_eq!(names, ["org1-ca", "org1-int"]);
}

#[test]
fn import_checks_the_ca_and_its_key() {
    let (wallet, _, _) = setup();
    // What is imported comes from elsewhere (a fabric-ca-server's files): a CA with software keys.
    let source = Arc::new(Wallet::from_backend(Box::new(MemoryBackend::new())));
    let (ca, secret) =
        CertificateAuthority::create_root(source.clone(), &CaOptions::new("src", "Org1MSP"), clock()).unwrap();
    let admin = ca.enroll(&EnrollRequest { id: "admin".into(), secret: Some(secret), ..Default::default() }).unwrap();
    let key_record = source.backend().get(&crate::backend::RecordKey::new("ca-key", "src")).unwrap().unwrap();
    let ca_identity = crate::wallet::decode_identity("src", &key_record.value, source.key_stores()).unwrap();
    // An end-entity certificate is no CA.
    let other = new_wallet();
    let e = ca_err(
        CertificateAuthority::import(
            other.clone(),
            &CaOptions::new("x", "Org1MSP"),
            admin.certificate().to_pem().as_bytes(),
            key_pem(&admin).as_bytes(),
            clock(),
        )
        .unwrap_err(),
    );
    assert!(matches!(e, CaError::NotACa { .. }), "{e}");
    // The right certificate with the wrong key.
    let e = ca_err(
        CertificateAuthority::import(
            other.clone(),
            &CaOptions::new("x", "Org1MSP"),
            ca.certificate().to_pem().as_bytes(),
            key_pem(&admin).as_bytes(),
            clock(),
        )
        .unwrap_err(),
    );
    assert!(e.to_string().contains("does not belong"), "{e}");
    assert!(CertificateAuthority::list(&other).unwrap().is_empty());
    // The right pair imports, as a software key whatever the default store (it has been outside
    // a store already), and signs.
    let (imported, _) = CertificateAuthority::import(
        other.clone(),
        &CaOptions::new("src", "Org1MSP"),
        ca.certificate().to_pem().as_bytes(),
        key_pem(&ca_identity).as_bytes(),
        clock(),
    )
    .unwrap();
    assert!(matches!(ca_key_ref(&other, "src"), KeyRef::Software { .. }));
    assert_eq!(imported.certificate(), ca.certificate());
    CertificateAuthority::remove(&other, "src").unwrap();
    // Duplicate name.
    let e = ca_err(
        CertificateAuthority::create_root(wallet.clone(), &CaOptions::new("org1-ca", "Org1MSP"), clock()).unwrap_err(),
    );
    assert!(matches!(e, CaError::CaExists { .. }), "{e}");
    assert!(matches!(
        ca_err(CertificateAuthority::open(other.clone(), "nope").unwrap_err()),
        CaError::UnknownCa { .. }
    ));
}

#[test]
fn remove_deletes_every_record() {
    let (wallet, ca, _) = setup();
    make(&ca, "u", "client", "org1", &[]);
    ca.revoke("admin", &RevokeTarget::Identity("u".into()), RevocationReason::Superseded).unwrap();
    ca.generate_crl("admin", &CrlOptions::default()).unwrap();
    let key = ca_key_ref(&wallet, "org1-ca");
    wallet.key_stores().load(&key, None).unwrap();
    CertificateAuthority::remove(&wallet, "org1-ca").unwrap();
    let left: Vec<_> = snapshot(wallet.backend()).into_keys().filter(|(k, _)| k != "identity").collect();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(wallet.list().unwrap(), ["admin", "u"], "enrolled identities stay");
    if !key.scheme().eq(crypto::keystore::SOFTWARE_SCHEME) {
        let e = wallet.key_stores().load(&key, None).unwrap_err();
        assert!(matches!(e, Error::Key(KeyError::UnknownKey { .. })), "the store forgot the CA's key: {e}");
    }
}

#[test]
fn keys_are_made_in_the_default_store_and_records_hold_only_references() {
    let (wallet, ca, _) = setup();
    let scheme = key_stores().default_store().scheme().to_owned();
    let ca_key = ca_key_ref(&wallet, "org1-ca");
    assert_eq!(ca_key.scheme(), scheme);
    let admin = wallet.get("admin").unwrap();
    assert_eq!(admin.key_ref().scheme(), scheme);
    let user = make(&ca, "u", "client", "org1", &[]);
    assert_eq!(user.key_ref().scheme(), scheme);
    let reenrolled = ca.reenroll("u", &ReenrollOptions::default()).unwrap();
    assert_eq!(reenrolled.key_ref().scheme(), scheme);
    let record = wallet.backend().get(&crate::backend::RecordKey::new("ca-key", "org1-ca")).unwrap().unwrap();
    let record = String::from_utf8(record.value.to_vec()).unwrap();
    assert_eq!(record.contains("\"scalar\""), exportable(), "{scheme}: {record}");
    // Whatever the store, the CA signs certificates and CRLs with the key it only refers to.
    let crl = ca.generate_crl("admin", &CrlOptions::default()).unwrap();
    assert!(authority::signed_by(user.certificate(), &ca.certificate().public_key().unwrap()));
    assert!(!crl.to_pem().is_empty());
    if !exportable() {
        let e = crate::formats::id::to_json(&reenrolled).unwrap_err();
        assert!(matches!(e, Error::Key(KeyError::NotExportable { .. })), "{e}");
        assert!(e.to_string().contains(&reenrolled.key_ref().describe()), "{e}");
        // The key the new one replaced is gone from the store.
        let e = wallet.key_stores().load(user.key_ref(), None).unwrap_err();
        assert!(matches!(e, Error::Key(KeyError::UnknownKey { .. })), "{e}");
    }
}

// ----- concurrency -------------------------------------------------------------------------------

#[test]
fn concurrent_enrolments_never_exceed_the_allowance() {
    let (wallet, ca, _) = setup();
    let s = ca
        .register("admin", &RegistrationRequest { id: "shared".into(), max_enrollments: Some(5), ..Default::default() })
        .unwrap();
    let ok = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for t in 0..4 {
            let (ca, s, ok) = (&ca, &s, &ok);
            scope.spawn(move || {
                for i in 0..4 {
                    let r = ca.enroll(&EnrollRequest {
                        id: "shared".into(),
                        secret: Some(s.clone()),
                        label: Some(format!("s{t}-{i}")),
                        ..Default::default()
                    });
                    match r {
                        Ok(_) => {
                            ok.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        }
                        Err(Error::Ca(CaError::MaxEnrollmentsReached { .. })) => {}
                        Err(e) => panic!("{e}"),
                    }
                }
            });
        }
    });
    assert_eq!(ok.into_inner(), 5);
    let rec = id_record(&wallet, "shared");
    assert_eq!((rec.enrollments, rec.certs.len()), (5, 5));
    assert_eq!(ca.certificates(Some("shared")).unwrap().len(), 5);
}

#[test]
fn concurrent_registrars_lose_no_update() {
    let (wallet, ca, _) = setup();
    std::thread::scope(|scope| {
        for t in 0..4 {
            let ca = &ca;
            scope.spawn(move || {
                for i in 0..10 {
                    make(ca, &format!("t{t}u{i}"), "client", "org1", &[]);
                }
                ca.add_affiliation("admin", &format!("org1.team{t}"), false).unwrap();
            });
        }
    });
    assert_eq!(ca.identities().unwrap().len(), 41);
    assert_eq!(wallet.list().unwrap().len(), 41);
    let affs = ca.affiliations().unwrap();
    assert!((0..4).all(|t| affs.contains(&format!("org1.team{t}"))), "{affs:?}");
    let serials: std::collections::BTreeSet<_> = ca.certificates(None).unwrap().into_iter().map(|c| c.serial).collect();
    assert_eq!(serials.len(), 41);
}

// ----- bulk --------------------------------------------------------------------------------------

#[test]
fn bulk_enrolment_is_durable_and_resumable() {
    let (wallet, ca, _) = setup();
    let rows = BulkRow::parse_csv("id,type,affiliation,attributes\nb1,client,org1.department1,role=a:ecert\nb2,peer,org1,\nb3,client,org9,\nb4,,,\n").unwrap();
    let mut seen = vec![];
    let report = ca
        .bulk_enroll("admin", rows.clone(), &BulkOptions::default(), &mut |p| {
            // Reported as enrolled ⇒ already in the wallet.
            if matches!(p.outcome, BulkOutcome::Enrolled) {
                assert!(wallet.contains(p.id).unwrap());
            }
            seen.push((p.done, p.id.to_string()));
        })
        .unwrap();
    assert_eq!((report.enrolled, report.skipped, report.failed.len()), (3, 0, 1));
    assert!(matches!(report.failed[0].1, Error::Ca(CaError::UnknownAffiliation { .. })));
    assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
    let b1 = wallet.get("b1").unwrap();
    assert_eq!(b1.fabric_info().attributes["role"], "a");
    assert_eq!(
        b1.certificate().subject(),
        "CN=b1,OU=org1+OU=client+OU=department1,O=Hyperledger,ST=North Carolina,C=US"
    );
    assert_eq!(ca.identity("b1").unwrap().enrollments, 1);
    assert_eq!(ca.identity("b4").unwrap().identity_type, "client");

    // Simulate a crash between registration and storing: b2's wallet entry is lost.
    wallet.remove("b2").unwrap();
    let report = ca.bulk_enroll("admin", rows, &BulkOptions::default(), &mut |_| {}).unwrap();
    assert_eq!((report.enrolled, report.skipped, report.failed.len()), (1, 2, 1));
    assert!(wallet.contains("b2").unwrap());
    assert_eq!(ca.identity("b2").unwrap().enrollments, 2);
}

fn file_wallet(dir: &std::path::Path, create: bool) -> Arc<Wallet> {
    use crate::backend::{file::FileBackend, file::KdfParams, OpenOptions, Passphrase};
    let options = OpenOptions::new().with_passphrase(Passphrase::new("pw")).with_kdf(KdfParams {
        m_cost_kib: 64,
        t_cost: 1,
        p_cost: 1,
    });
    let backend = if create { FileBackend::create(dir, &options) } else { FileBackend::open(dir, &options) }.unwrap();
    wallet_over(Box::new(backend))
}

/// Every row enrolled exactly once: counted once, one certificate recorded, and that
/// certificate with its key in the wallet.
fn assert_enrolled_once(ca: &CertificateAuthority, wallet: &Wallet, ids: &[String], context: &str) {
    for id in ids {
        let info = ca.identity(id).unwrap();
        assert_eq!((info.enrollments, info.certificates.len()), (1, 1), "{context}: {id}");
        let stored = wallet.get(id).unwrap_or_else(|e| panic!("{context}: {id}: {e}"));
        assert_eq!(stored.certificate().serial_hex(), info.certificates[0], "{context}: {id}");
        let issued = ca.certificates(Some(id)).unwrap();
        assert_eq!(issued.len(), 1, "{context}: {id}");
        assert_eq!(issued[0].pem, stored.certificate().to_pem(), "{context}: {id}");
        let signature = stored.sign(b"m").unwrap();
        crypto::verify(&stored.certificate().public_key().unwrap(), b"m", &signature).unwrap();
    }
    // Nothing else was issued: the admin's certificate and one per row.
    assert_eq!(ca.certificates(None).unwrap().len(), ids.len() + 1, "{context}");
}

/// A crash at any step of the second batch's write: what was reported is stored, and a rerun
/// with an allowance of one enrolment per identity finishes every row without refusing one.
#[test]
fn bulk_rerun_after_a_crash_at_any_step_picks_up_where_it_stopped() {
    let steps = [
        ("batch: expectations checked", false),
        ("batch: journal written", true),
        ("batch: half the records written", true),
        ("batch: records written", true),
        ("batch: index written", true),
        ("batch: synced", true),
    ];
    let rows: Vec<BulkRow> = (0..10)
        .map(|i| BulkRow {
            id: format!("r{i}"),
            identity_type: Some("client".into()),
            affiliation: Some("org1.department1".into()),
            ..Default::default()
        })
        .collect();
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let options = BulkOptions { max_enrollments: Some(1), ..Default::default() };
    for (step, committed) in steps {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("wallet");
        let wallet = file_wallet(&dir, true);
        let (ca, secret) =
            CertificateAuthority::create_root(wallet.clone(), &CaOptions::new("org1-ca", "Org1MSP"), clock()).unwrap();
        ca.enroll(&EnrollRequest { id: "admin".into(), secret: Some(secret), ..Default::default() }).unwrap();

        let mut reported = vec![];
        crate::backend::file::crash_at(Some(step), 1);
        let result = ca.bulk_enroll_in_batches("admin", rows.clone(), &options, 4, &mut |p| {
            assert!(matches!(p.outcome, BulkOutcome::Enrolled), "{step}: {}", p.id);
            reported.push(p.id.to_owned());
        });
        crate::backend::file::crash_at(None, 0);
        assert!(
            matches!(&result, Err(Error::Backend(crate::backend::BackendError::Unavailable { detail, .. })) if detail.contains(step)),
            "{step}: {result:?}"
        );
        assert_eq!(reported, ids[..4], "{step}");

        // The process died there; another one opens the wallet.
        let wallet = file_wallet(&dir, false);
        for id in &reported {
            assert!(wallet.contains(id).unwrap(), "{step}: reported {id} is not stored");
        }
        let ca = CertificateAuthority::open(wallet.clone(), "org1-ca").unwrap().with_clock(clock());
        let mut seen = vec![];
        let report = ca.bulk_enroll_in_batches("admin", rows.clone(), &options, 4, &mut |p| seen.push(p.done)).unwrap();
        assert!(report.failed.is_empty(), "{step}: {:?}", report.failed);
        let before = if committed { 8 } else { 4 };
        assert_eq!((report.enrolled, report.skipped), (10 - before, before), "{step}");
        assert_eq!(seen, (1..=10).collect::<Vec<_>>(), "{step}");
        assert_enrolled_once(&ca, &wallet, &ids, step);
    }
}

/// A backend on which another writer changes a record just before the first multi-record
/// batch: the bulk enrolment's batch is refused, and its rows are then written one by one.
#[derive(Debug)]
struct Interfering {
    inner: MemoryBackend,
    armed: Arc<std::sync::atomic::AtomicBool>,
    victim: crate::backend::RecordKey,
}

impl Backend for Interfering {
    fn location(&self) -> String {
        self.inner.location()
    }
    fn capabilities(&self) -> crate::backend::Capabilities {
        self.inner.capabilities()
    }
    fn get(&self, key: &crate::backend::RecordKey) -> crate::Result<Option<crate::backend::Versioned>> {
        self.inner.get(key)
    }
    fn put(&self, key: &crate::backend::RecordKey, value: &[u8], expect: crate::backend::Expect) -> crate::Result<u64> {
        self.inner.put(key, value, expect)
    }
    fn put_batch(&self, writes: &[crate::backend::BatchPut<'_>]) -> crate::Result<Vec<u64>> {
        if writes.len() > 3 && self.armed.swap(false, std::sync::atomic::Ordering::SeqCst) {
            let current = self.inner.get(&self.victim)?.expect("the victim exists");
            self.inner.put(&self.victim, &current.value, crate::backend::Expect::Any)?;
        }
        self.inner.put_batch(writes)
    }
    fn delete(&self, key: &crate::backend::RecordKey, expect: crate::backend::Expect) -> crate::Result<bool> {
        self.inner.delete(key, expect)
    }
    fn list(&self, kind: &str, prefix: &str) -> crate::Result<Vec<String>> {
        self.inner.list(kind, prefix)
    }
}

#[test]
fn a_refused_bulk_batch_is_retried_row_by_row() {
    let armed = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let backend = Interfering {
        inner: MemoryBackend::new(),
        armed: armed.clone(),
        victim: crate::backend::RecordKey::new(KIND_ID, "org1-ca/pre"),
    };
    let wallet = wallet_over(Box::new(backend));
    let (ca, secret) =
        CertificateAuthority::create_root(wallet.clone(), &CaOptions::new("org1-ca", "Org1MSP"), clock()).unwrap();
    ca.enroll(&EnrollRequest { id: "admin".into(), secret: Some(secret), ..Default::default() }).unwrap();
    // Registered by hand, not enrolled: the bulk run enrols it at the version it read.
    register(&ca, "admin", "pre", "client", "org1", &[]).unwrap();
    let rows: Vec<BulkRow> =
        ["a", "pre", "b", "a"].iter().map(|id| BulkRow { id: id.to_string(), ..Default::default() }).collect();
    armed.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut seen = vec![];
    let report = ca
        .bulk_enroll_in_batches(
            "admin",
            rows,
            &BulkOptions { max_enrollments: Some(1), ..Default::default() },
            8,
            &mut |p| seen.push((p.done, p.id.to_owned(), matches!(p.outcome, BulkOutcome::Enrolled))),
        )
        .unwrap();
    assert_eq!((report.enrolled, report.skipped, report.failed.len()), (3, 1, 0), "{:?}", report.failed);
    assert_eq!(seen, [(1, "a".into(), true), (2, "pre".into(), true), (3, "b".into(), true), (4, "a".into(), false)]);
    assert!(!armed.load(std::sync::atomic::Ordering::SeqCst), "no batch was refused");
    assert_enrolled_once(&ca, &wallet, &["a".into(), "pre".into(), "b".into()], "after a refused batch");
}

#[test]
fn bulk_needs_the_registrar_rights() {
    let (wallet, ca, _) = setup();
    make(&ca, "clients-only", "client", "org1", &[Attribute::new("hf.Registrar.Roles", "client", false)]);
    let rows = vec![
        BulkRow { id: "p1".into(), identity_type: Some("peer".into()), ..Default::default() },
        BulkRow {
            id: "c1".into(),
            identity_type: Some("client".into()),
            affiliation: Some("org2".into()),
            ..Default::default()
        },
        BulkRow { id: "c2".into(), identity_type: Some("client".into()), ..Default::default() },
    ];
    let report = ca.bulk_enroll("clients-only", rows, &BulkOptions::default(), &mut |_| {}).unwrap();
    assert_eq!(report.enrolled, 1);
    assert!(report.failed.iter().all(|(_, e)| matches!(e, Error::Ca(CaError::Unauthorized { .. }))));
    assert!(wallet.contains("c2").unwrap() && !wallet.contains("p1").unwrap());
    assert_eq!(ca.identity("c2").unwrap().affiliation, "org1");
}

#[test]
fn attribute_spec_parsing() {
    assert_eq!(Attribute::parse("role=auditor:ecert").unwrap(), Attribute::new("role", "auditor", true));
    assert_eq!(Attribute::parse("level=3").unwrap(), Attribute::new("level", "3", false));
    assert_eq!(Attribute::parse("e=").unwrap(), Attribute::new("e", "", false));
    assert!(Attribute::parse("noequals").is_err());
    assert!(Attribute::parse("a=b:c:d").is_err());
    assert!(Attribute::parse("a=b:other").is_err());
}

#[test]
fn msp_export_carries_the_latest_crl() {
    let (_, ca, _) = setup();
    make(&ca, "u", "client", "org1", &[]);
    let tmp = tempfile::tempdir().unwrap();
    if !exportable() {
        // An MSP folder holds the key: refused, naming where the key lives, and nothing written.
        let e = ca.export_msp("u", &tmp.path().join("msp"), &Default::default()).unwrap_err();
        assert!(matches!(e, Error::Key(KeyError::NotExportable { .. })), "{e}");
        assert!(e.to_string().contains("memory:"), "{e}");
        assert!(!tmp.path().join("msp").exists());
        return;
    }
    // No CRL yet: no crls/ folder.
    ca.export_msp("u", &tmp.path().join("before"), &Default::default()).unwrap();
    assert!(!tmp.path().join("before/crls/crl.pem").exists());
    make(&ca, "v", "client", "org1", &[]);
    ca.revoke("admin", &RevokeTarget::Identity("v".into()), RevocationReason::KeyCompromise).unwrap();
    let crl = ca.generate_crl("admin", &CrlOptions::default()).unwrap();
    ca.export_msp("u", &tmp.path().join("msp"), &Default::default()).unwrap();
    assert_eq!(std::fs::read_to_string(tmp.path().join("msp/crls/crl.pem")).unwrap(), crl.to_pem());
    let back = crate::formats::msp::read_dir(&tmp.path().join("msp"), "u", "Org1MSP").unwrap();
    assert_eq!(back.certificate(), ca_wallet(&ca).get("u").unwrap().certificate());
}

#[test]
fn damaged_registry_records_are_reported_skipped_and_mended() {
    use crate::backend::{Expect, RecordKey};
    let (wallet, ca, _) = setup();
    make(&ca, "u1", "client", "org1", &[]);
    let u2 = make(&ca, "u2", "client", "org1.department1", &[]);
    let u2_serial = u2.certificate().serial_hex();
    ca.revoke("admin", &RevokeTarget::Identity("u2".into()), RevocationReason::KeyCompromise).unwrap();
    assert_eq!(ca.generate_crl("admin", &CrlOptions::default()).unwrap().number, 1);
    assert!(ca.damaged_records().unwrap().is_empty());

    let damage = |kind: &str, name: &str| {
        let name = if name.is_empty() { "org1-ca".to_owned() } else { format!("org1-ca/{name}") };
        wallet.backend().put(&RecordKey::new(kind, &name), b"{ damaged", Expect::Any).unwrap();
    };
    for (kind, name) in [("ca-id", "u1"), ("ca-cert", u2_serial.as_str()), ("ca-revoked", u2_serial.as_str())] {
        damage(kind, name);
    }
    damage("ca-crl", "");
    damage("ca-aff", "");
    let found: Vec<(String, String)> = ca.damaged_records().unwrap().into_iter().map(|d| (d.kind, d.name)).collect();
    let want: Vec<(String, String)> = [
        ("ca-id", "u1"),
        ("ca-cert", u2_serial.as_str()),
        ("ca-revoked", u2_serial.as_str()),
        ("ca-crl", ""),
        ("ca-aff", ""),
    ]
    .iter()
    .map(|(k, n)| (k.to_string(), n.to_string()))
    .collect();
    assert_eq!(found, want);

    // The rest reads: the other identities, the other certificates, and a CRL that still lists
    // the revoked certificate whose records are damaged, under a number above the last.
    let ids: Vec<String> = ca.identities().unwrap().into_iter().map(|i| i.id).collect();
    assert_eq!(ids, ["admin", "u2"]);
    let serials: Vec<String> = ca.certificates(None).unwrap().into_iter().map(|c| c.serial).collect();
    assert_eq!(serials.len(), 2, "admin's and u1's: {serials:?}");
    assert!(!serials.contains(&u2_serial));
    let visible = CaService::identities(&ca, Some("admin")).unwrap();
    assert_eq!(visible.len(), 2);
    let crl = ca.generate_crl("admin", &CrlOptions::default()).unwrap();
    assert!(crl.number > 1_000_000_000, "a number above every earlier one: {}", crl.number);
    assert_eq!(crl.entries, 1);
    // Generating the CRL wrote its state anew.
    assert_eq!(ca.damaged_records().unwrap().len(), 4);

    let mended = ca.mend().unwrap();
    assert!(mended.iter().all(|m| m.mended), "{mended:?}");
    assert!(ca.damaged_records().unwrap().is_empty());
    // u2's certificate is back (from the wallet identity), still revoked; u1 can be registered
    // again; the affiliations of registered identities are back; CRL numbers keep rising.
    let u2_cert = ca.certificates(Some("u2")).unwrap();
    let u2_cert = u2_cert.iter().find(|c| c.serial == u2_serial).expect("rebuilt");
    assert!(u2_cert.revoked_at.is_some());
    assert_eq!(u2_cert.pem, u2.certificate().to_pem());
    assert!(ca.affiliations().unwrap().contains(&"org1.department1".to_owned()));
    register(&ca, "admin", "u1", "client", "org1.department1", &[]).unwrap();
    let next = ca.generate_crl("admin", &CrlOptions::default()).unwrap();
    assert!(next.number > crl.number && next.entries == 1);
}
