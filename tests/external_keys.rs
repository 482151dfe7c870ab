//! Checks shared by the tests of key stores whose keys never leave their home (PKCS#11,
//! Transit): signatures verified by `openssl`, many threads through one key, a CA whose key is
//! in the store issuing certificates and CRLs `openssl` accepts, enrolment, refused export.

use crate::backends::Shared;
use crate::tools::run;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use wallet_core::backend::MemoryBackend;
use wallet_core::ca::*;
use wallet_core::crypto::{is_low_s, verify, KeyError, KeySpec, KeyStores, PublicKey, Signer};
use wallet_core::{Error, Identity, Wallet};

/// The public key as SubjectPublicKeyInfo PEM, for `openssl dgst -verify`.
pub fn public_pem(key: &PublicKey) -> String {
    use p256::pkcs8::EncodePublicKey;
    key.to_public_key_pem(p256::pkcs8::LineEnding::LF).unwrap()
}

/// Sign `n` different messages through `signer`; every signature is low-S DER and verifies
/// with `openssl dgst -sha256 -verify` against the signer's public key.
pub fn signatures_verify_with_openssl(signer: &dyn Signer, n: usize, dir: &Path) {
    let public = signer.public_key();
    std::fs::write(dir.join("public.pem"), public_pem(&public)).unwrap();
    std::fs::write(dir.join("message"), b"").unwrap();
    for i in 0..n {
        let message = format!("message {i} of {n}: a Fabric proposal would be here");
        let sig = signer.sign(message.as_bytes()).unwrap();
        assert!(is_low_s(&sig).unwrap(), "signature {i} has a high S");
        std::fs::write(dir.join("message"), &message).unwrap();
        std::fs::write(dir.join("sig"), &sig).unwrap();
        let out = run(Command::new("openssl").current_dir(dir).args([
            "dgst",
            "-sha256",
            "-verify",
            "public.pem",
            "-signature",
            "sig",
            "message",
        ]));
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Verified OK"),
            "openssl rejects signature {i}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // And a wrong message does not verify: the check above can fail.
    std::fs::write(dir.join("message"), b"another message").unwrap();
    let out = run(Command::new("openssl").current_dir(dir).args([
        "dgst",
        "-sha256",
        "-verify",
        "public.pem",
        "-signature",
        "sig",
        "message",
    ]));
    assert!(!out.status.success(), "openssl accepted a signature over another message");
}

/// `threads` threads sign `each` messages through one signer at once; all verify.
pub fn threads_sign_through_one_key(signer: Arc<dyn Signer>, threads: usize, each: usize) {
    let public = signer.public_key();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let signer = signer.clone();
            std::thread::spawn(move || {
                (0..each)
                    .map(|i| {
                        let message = format!("thread {t} message {i}").into_bytes();
                        let sig = signer.sign(&message).unwrap();
                        (message, sig)
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut total = 0;
    for h in handles {
        for (message, sig) in h.join().expect("a signing thread panicked") {
            verify(&public, &message, &sig).unwrap();
            assert!(is_low_s(&sig).unwrap());
            total += 1;
        }
    }
    assert_eq!(total, threads * each);
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    std::fs::write(dir.join(name), text).unwrap();
    name.to_owned()
}

fn openssl_verify(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = run(Command::new("openssl").current_dir(dir).arg("verify").args(args));
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

fn register_and_enroll(ca: &CertificateAuthority, id: &str) -> Identity {
    let secret = ca
        .register(
            "admin",
            &RegistrationRequest {
                id: id.into(),
                identity_type: Some("client".into()),
                affiliation: Some("org1.department1".into()),
                ..Default::default()
            },
        )
        .unwrap();
    ca.enroll(&EnrollRequest { id: id.into(), secret: Some(secret), label: Some(id.into()), ..Default::default() })
        .unwrap()
}

/// A CA whose key `ca_spec` places in an external store: bootstrap, enrol a user whose key
/// `user_spec` places there too, and one with a software key; `openssl verify` accepts both
/// certificates and the CA's own; a revocation and CRL that `openssl crl` verifies; the CA's
/// key record and the user's identity record hold only references of `scheme`; the wallet,
/// opened again with fresh key stores, loads both and they still sign; export is refused.
pub fn ca_with_external_key(keys: KeyStores, ca_spec: &str, user_spec: &str, scheme: &str, dir: &Path) {
    let ca_name = "ext-ca";
    let user = "ext-user";
    let keys = keys
        .with_key_for(ca_name, KeySpec::parse(ca_spec).unwrap())
        .unwrap()
        .with_key_for(user, KeySpec::parse(user_spec).unwrap())
        .unwrap();
    let backend = Shared(Arc::new(MemoryBackend::new()));
    let wallet = Arc::new(Wallet::from_backend(Box::new(backend.clone())).with_key_stores(keys.clone()));
    let ca =
        CertificateAuthority::bootstrap(wallet.clone(), &BootstrapOptions::root(CaOptions::new(ca_name, "Org1MSP")))
            .unwrap()
            .ca;
    let enrolled = register_and_enroll(&ca, user);
    let software = register_and_enroll(&ca, "soft-user");
    assert_eq!(enrolled.key_ref().scheme(), scheme, "{:?}", enrolled.key_ref());
    assert_eq!(software.key_ref().scheme(), "software", "the admin and others keep the default store");

    // Records hold references, never key material.
    use wallet_core::backend::{Backend, RecordKey};
    let user_record = backend.get(&RecordKey::new("identity", user)).unwrap().unwrap();
    let text = String::from_utf8(user_record.value.to_vec()).unwrap();
    assert!(text.contains(&format!("\"scheme\":\"{scheme}\"")) && !text.contains("scalar"), "{text}");
    // The CA's key record (kind `ca-key`) holds the reference of its key, never the key.
    let ca_keys = backend.list("ca-key", "").unwrap();
    assert_eq!(ca_keys.len(), 1, "{ca_keys:?}");
    let rec = backend.get(&RecordKey::new("ca-key", &ca_keys[0])).unwrap().unwrap();
    let text = String::from_utf8_lossy(&rec.value).to_string();
    assert!(text.contains(&format!("\"scheme\":\"{scheme}\"")) && !text.contains("scalar"), "{text}");

    // openssl accepts the CA certificate and what it issued.
    let ca_pem = write(dir, "ca.pem", &ca.certificate().to_pem());
    for (name, id) in [("user.pem", &enrolled), ("soft.pem", &software)] {
        let file = write(dir, name, &id.certificate().to_pem());
        let (ok, text) = openssl_verify(dir, &["-CAfile", &ca_pem, &file]);
        assert!(ok, "{name}: {text}");
    }
    let (ok, text) = openssl_verify(dir, &["-CAfile", &ca_pem, &ca_pem]);
    assert!(ok, "CA: {text}");

    // A revocation and a CRL signed by the external key.
    ca.revoke("admin", &RevokeTarget::Identity("soft-user".into()), RevocationReason::KeyCompromise).unwrap();
    let crl = write(dir, "crl.pem", &ca.generate_crl("admin", &CrlOptions::default()).unwrap().to_pem());
    let out = run(Command::new("openssl").current_dir(dir).args(["crl", "-in", &crl, "-CAfile", &ca_pem, "-noout"]));
    let text = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && text.contains("verify OK"), "CRL: {text}");
    let (ok, text) = openssl_verify(dir, &["-crl_check", "-CAfile", &ca_pem, "-CRLfile", &crl, "soft.pem"]);
    assert!(!ok && text.contains("certificate revoked"), "revoked: {text}");
    let (ok, text) = openssl_verify(dir, &["-crl_check", "-CAfile", &ca_pem, "-CRLfile", &crl, "user.pem"]);
    assert!(ok, "not revoked: {text}");

    // Opened again (another process would do this): the CA and the user load from references.
    let fresh = KeyStores::built_in(None).unwrap();
    let again = Arc::new(Wallet::from_backend(Box::new(backend.clone())).with_key_stores(fresh));
    let ca_again = CertificateAuthority::open(again.clone(), ca_name).unwrap();
    let later = register_and_enroll(&ca_again, "later-user");
    let file = write(dir, "later.pem", &later.certificate().to_pem());
    let (ok, text) = openssl_verify(dir, &["-CAfile", &ca_pem, &file]);
    assert!(ok, "issued after reopening: {text}");
    let user_again = again.get(user).unwrap();
    let sig = user_again.sign(b"after reopening").unwrap();
    verify(&enrolled.signer().public_key(), b"after reopening", &sig).unwrap();

    // Export of the private key is refused, naming where it lives; public exports work.
    let err = wallet_core::formats::pem_pair::to_pem(&user_again).unwrap_err();
    match &err {
        Error::Key(KeyError::NotExportable { label, location }) => {
            assert_eq!(label, user);
            assert!(location.starts_with(&format!("{scheme}:")), "{location}");
        }
        other => panic!("expected NotExportable, got {other:?}"),
    }
    assert!(err.to_string().contains(scheme), "{err}");
    let der = user_again.certificate().der().to_vec();
    assert!(!der.is_empty());

    // Migration copies the references and reports, by name, the keys it could not move.
    let target =
        Wallet::from_backend(Box::new(MemoryBackend::new())).with_key_stores(KeyStores::built_in(None).unwrap());
    let report =
        wallet_core::migrate::migrate(&again, &target, &wallet_core::migrate::MigrateOptions::new(), &mut |_| {})
            .unwrap();
    assert!(report.is_complete());
    let location = user_again.key_ref().describe();
    assert!(report.external_keys.contains(&(user.to_owned(), location.clone())), "{:?}", report.external_keys);
    assert!(
        report.external_keys.iter().any(|(name, loc)| name == ca_name && loc.starts_with(&format!("{scheme}:"))),
        "the CA's key is reported too: {:?}",
        report.external_keys
    );
    assert!(!report.external_keys.iter().any(|(name, _)| name == "soft-user"), "software keys move with their records");
    let moved = target.get(user).unwrap();
    assert_eq!(moved.key_ref(), user_again.key_ref());
    verify(&enrolled.signer().public_key(), b"moved", &moved.sign(b"moved").unwrap()).unwrap();
}
