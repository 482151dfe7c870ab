//! Keys on a real SoftHSM2 token (initialised by the test in a temporary folder, see
//! `tests/softhsm.rs`): made on the token, sensitive and never extractable, with Fabric's
//! `CKA_ID`/`CKA_LABEL`; 1,000 signatures verified by `openssl`; 8 threads through one
//! identity; a CA whose key is on the token; an existing token key imported with its
//! certificate; export refused; and the errors an operator meets.

use std::sync::Arc;
use wallet_core::ca::{build_csr, BootstrapOptions, CaOptions, CertificateAuthority, RegistrationRequest};
use wallet_core::crypto::pkcs11::{Pkcs11KeyStore, PKCS11_SCHEME};
use wallet_core::crypto::{keystore_ski, KeyError, KeyRef, KeySpec, KeyStore, KeyStores, PublicKey};
use wallet_core::{Error, Wallet};
use wallet_tests::external_keys;
use wallet_tests::softhsm::*;

fn store() -> Arc<Pkcs11KeyStore> {
    softhsm();
    Pkcs11KeyStore::process()
}

fn key_error(e: Error) -> KeyError {
    match e {
        Error::Key(k) => k,
        other => panic!("expected a key error, got {other:?}"),
    }
}

#[test]
fn a_key_made_on_the_token_follows_fabric_and_signs_a_thousand_times_for_openssl() {
    let hsm = softhsm();
    let made = store().generate_with("org1-admin", hsm.spec(TOKEN, "").strip_prefix("pkcs11:").unwrap()).unwrap();
    let public = made.signer.public_key();
    let id = hex::encode(keystore_ski(&public));
    // The reference holds the CKA_ID (SHA-256 of the point) and locators, no secret.
    let KeyRef::External { scheme, id: ref_id, attrs } = &made.reference else { panic!("{:?}", made.reference) };
    assert_eq!((scheme.as_str(), ref_id.as_str()), (PKCS11_SCHEME, id.as_str()));
    assert_eq!(attrs["token"], TOKEN);
    assert_eq!(attrs["label"], "org1-admin");
    let json = serde_json::to_string(&made.reference).unwrap();
    assert!(!json.contains(PIN) || json.contains("pin-source"), "{json}");
    assert!(made.signer.export_pkcs8_der().is_none());

    // What the token says about it, read by pkcs11-tool: Fabric's label and id, and the
    // private key sensitive and never extractable.
    let listing = hsm.tool(&["--list-objects", "--type", "privkey", "--id", &id]);
    assert!(listing.contains("label:      org1-admin"), "{listing}");
    assert!(listing.contains(&format!("ID:         {id}")), "{listing}");
    assert!(listing.contains("sensitive") && listing.contains("never extractable"), "{listing}");
    assert!(!listing.contains("extractable,") || listing.contains("never extractable"), "{listing}");

    let tmp = tempfile::tempdir().unwrap();
    external_keys::signatures_verify_with_openssl(made.signer.as_ref(), 1000, tmp.path());

    // Found again by the reference alone (another process: no certificate at hand).
    let loaded = store().load(&made.reference, None).unwrap();
    assert_eq!(loaded.public_key(), public);
}

#[test]
fn eight_threads_sign_through_one_pkcs11_identity() {
    let hsm = softhsm();
    let made = store().generate_with("threads", hsm.spec(TOKEN, "").strip_prefix("pkcs11:").unwrap()).unwrap();
    let public = made.signer.public_key();
    // As an identity loaded from its record: the certificate's public key, the token's key.
    let loaded = store().load(&made.reference, Some(&public)).unwrap();
    external_keys::threads_sign_through_one_key(loaded, 8, 150);
}

#[test]
fn a_ca_with_its_key_on_the_token_issues_certificates_and_crls_openssl_accepts() {
    let hsm = softhsm();
    let keys = KeyStores::new().with(store());
    let tmp = tempfile::tempdir().unwrap();
    external_keys::ca_with_external_key(keys, &hsm.spec(TOKEN, ""), &hsm.spec(TOKEN, ""), PKCS11_SCHEME, tmp.path());
}

#[test]
fn an_existing_token_key_is_imported_with_its_certificate() {
    let hsm = softhsm();
    let w = Arc::new(Wallet::from_backend(Box::new(wallet_core::backend::MemoryBackend::new())));
    let ca = CertificateAuthority::bootstrap(w.clone(), &BootstrapOptions::root(CaOptions::new("ca", "Org1MSP")))
        .unwrap()
        .ca;
    // The key pkcs11-tool made: found by its label, signs a CSR, the CA issues for it.
    let keys = KeyStores::new().with(store());
    let spec = KeySpec::parse(&hsm.spec(TOKEN, &format!(";object={TOOL_EC_LABEL}"))).unwrap();
    let found = keys.find(&spec, None).unwrap();
    let csr = build_csr(found.signer.as_ref(), "tool-user", &Default::default(), &[]).unwrap();
    let secret = ca.register("admin", &RegistrationRequest { id: "tool-user".into(), ..Default::default() }).unwrap();
    let cert = ca.sign_csr("tool-user", &secret, csr.as_bytes(), &[], None).unwrap();
    let mut pem = cert.to_pem();
    pem.push_str(&ca.certificate().to_pem());

    // Imported by id this time, with its certificate: the identity's record holds the reference.
    let by_id = KeySpec::parse(&hsm.spec(TOKEN, &format!(";id=%{}%{}", &TOOL_EC_ID[..2], &TOOL_EC_ID[2..]))).unwrap();
    let identity =
        wallet_core::formats::pem_pair::parse_with_key("tool-user", "Org1MSP", pem.as_bytes(), &by_id, &keys).unwrap();
    assert_eq!(identity.key_ref().scheme(), PKCS11_SCHEME);
    assert_eq!(identity.chain().len(), 1);
    let wallet =
        Wallet::from_backend(Box::new(wallet_core::backend::MemoryBackend::new())).with_key_stores(keys.clone());
    wallet.put(&identity, false).unwrap();
    let again = wallet.get("tool-user").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    external_keys::signatures_verify_with_openssl(again.signer(), 5, tmp.path());

    // A certificate for another key is refused with the token's key.
    let other = wallet_tests::self_signed_identity("x", "Org1MSP").certificate().to_pem();
    let e =
        wallet_core::formats::pem_pair::parse_with_key("x", "Org1MSP", other.as_bytes(), &by_id, &keys).unwrap_err();
    assert!(matches!(key_error(e), KeyError::Mismatch { .. }));
}

#[test]
fn errors_name_the_token_the_pin_and_the_key() {
    let hsm = softhsm();
    let s = store();
    let rest = |spec: String| spec.strip_prefix("pkcs11:").unwrap().to_owned();

    // Token absent: the message lists the tokens that are there.
    let e = key_error(s.generate_with("x", &rest(hsm.spec("no-such-token", ""))).unwrap_err());
    assert!(matches!(e, KeyError::StoreAbsent { .. }), "{e}");
    assert!(e.to_string().contains("\"no-such-token\"") && e.to_string().contains("\"wallet\""), "{e}");

    // Wrong PIN (a token this process never logs into with the right one).
    let e = key_error(s.generate_with("x", &rest(hsm.spec_with_pin(PIN_TOKEN, "", "wrong-pin"))).unwrap_err());
    assert!(matches!(e, KeyError::CredentialRefused { locked: false, .. }), "{e}");
    assert!(
        e.to_string().contains("PIN") && e.to_string().contains("\"pins\"") && !e.to_string().contains("9999"),
        "{e}"
    );

    // A token that reports its user PIN locked: refused before any PIN is tried.
    let e = key_error(s.generate_with("x", &rest(hsm.spec(LOCKED_TOKEN, ""))).unwrap_err());
    assert!(matches!(e, KeyError::CredentialRefused { locked: true, .. }), "{e}");
    assert!(e.to_string().contains("locked"), "{e}");

    // No PIN anywhere: which sources were tried.
    let e = key_error(
        s.generate_with(
            "x",
            &format!("token={PIN_TOKEN}?module-path={}&pin-source=env:WALLET_TEST_UNSET_PIN", hsm.module.display()),
        )
        .unwrap_err(),
    );
    assert!(matches!(e, KeyError::CredentialRequired { .. }), "{e}");

    // Key not found, by label and by a reference whose key was deleted.
    let e = key_error(s.find(&rest(hsm.spec(TOKEN, ";object=nobody")), None).unwrap_err());
    assert!(matches!(e, KeyError::UnknownKey { .. }) && e.to_string().contains("object=nobody"), "{e}");
    let made = s.generate_with("doomed", &rest(hsm.spec(TOKEN, ""))).unwrap();
    let id = match &made.reference {
        KeyRef::External { id, .. } => id.clone(),
        _ => unreachable!(),
    };
    hsm.tool(&["--delete-object", "--type", "privkey", "--id", &id]);
    let public = made.signer.public_key();
    let loaded = s.load(&made.reference, Some(&public)).unwrap();
    let e = key_error(loaded.sign(b"m").unwrap_err());
    assert!(matches!(e, KeyError::UnknownKey { .. }) && e.to_string().contains(&id), "{e}");

    // Not a key for ECDSA: the RSA key, by label, and by a reference the token must refuse.
    let e = key_error(s.find(&rest(hsm.spec(TOKEN, &format!(";object={TOOL_RSA_LABEL}"))), None).unwrap_err());
    assert!(matches!(e, KeyError::UnsuitableKey { .. }) && e.to_string().contains("not an EC key"), "{e}");
    let mut rsa_ref = made.reference.clone();
    if let KeyRef::External { id, .. } = &mut rsa_ref {
        *id = TOOL_RSA_ID.into();
    }
    let any: PublicKey = public;
    let rsa = s.load(&rsa_ref, Some(&any)).unwrap();
    let e = key_error(rsa.sign(b"m").unwrap_err());
    assert!(matches!(e, KeyError::UnsuitableKey { .. }) && e.to_string().contains("not an EC key"), "{e}");

    // A module that is not there, and a PIN in the spec.
    let e = key_error(s.generate_with("x", "token=wallet?module-path=/nonexistent/libp11.so").unwrap_err());
    assert!(matches!(e, KeyError::StoreAbsent { .. }) && e.to_string().contains("/nonexistent/libp11.so"), "{e}");
    let e = key_error(s.generate_with("x", "token=wallet?pin-value=1234").unwrap_err());
    assert!(e.to_string().contains("pin-value is refused"), "{e}");
}
