//! Keys in the Transit engine of a real OpenBao (`bao server -dev`, Transit enabled by the
//! test): made as ecdsa-p256 and not exportable; 1,000 signatures one at a time and 1,000 in
//! batches, all low-S and verified by `openssl`; a CA whose key is in Transit; a rotated key
//! that keeps signing as its certificate; and the errors an operator meets.

#[path = "../vault/harness.rs"]
mod harness;

use harness::{shared_dev, DevServer, ROOT_TOKEN};
use serde_json::json;
use std::path::PathBuf;
use std::sync::OnceLock;
use wallet_core::crypto::transit::{TransitKeyStore, TRANSIT_SCHEME};
use wallet_core::crypto::{is_low_s, sha256, verify_digest, KeyError, KeyRef, KeyStore, KeyStores};
use wallet_core::Error;
use wallet_tests::external_keys;

/// The dev server with Transit enabled, and a file holding the root token.
fn server() -> (&'static DevServer, &'static PathBuf) {
    static TOKEN_FILE: OnceLock<PathBuf> = OnceLock::new();
    let dev = shared_dev();
    let file = TOKEN_FILE.get_or_init(|| {
        let (status, body) = dev.admin("POST", "sys/mounts/transit", Some(json!({ "type": "transit" })));
        assert!(status == 204 || status == 400, "enable transit: {status} {body}");
        let path = tempfile::Builder::new().prefix("bao-token-").tempdir().unwrap().keep().join("token");
        std::fs::write(&path, ROOT_TOKEN).unwrap();
        path
    });
    (dev, file)
}

/// `NAME?server=…&token_file=…` (the part after `transit:`).
fn spec(name: &str) -> String {
    let (dev, token) = server();
    format!("{name}?server={}&token_file={}", dev.origin(), token.display())
}

fn store() -> std::sync::Arc<TransitKeyStore> {
    TransitKeyStore::process()
}

fn key_error(e: Error) -> KeyError {
    match e {
        Error::Key(k) => k,
        other => panic!("expected a key error, got {other:?}"),
    }
}

#[test]
fn a_thousand_signatures_one_at_a_time_and_a_thousand_batched_verify_with_openssl() {
    let made = store().generate_with("org1-admin", &spec("sig-test")).unwrap();
    let KeyRef::External { scheme, id, attrs } = &made.reference else { panic!() };
    assert_eq!((scheme.as_str(), id.as_str()), (TRANSIT_SCHEME, "sig-test"));
    assert_eq!(attrs["version"], "1");
    assert!(!serde_json::to_string(&made.reference).unwrap().contains(ROOT_TOKEN));
    assert!(made.signer.export_pkcs8_der().is_none());
    // Transit itself: ecdsa-p256, not exportable; its export endpoint refuses.
    let (dev, _) = server();
    let (status, body) = dev.admin("GET", "transit/keys/sig-test", None);
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        (body["data"]["type"].as_str(), body["data"]["exportable"].as_bool()),
        (Some("ecdsa-p256"), Some(false))
    );
    let (status, _) = dev.admin("GET", "transit/export/signing-key/sig-test", None);
    assert_eq!(status, 400);

    let tmp = tempfile::tempdir().unwrap();
    external_keys::signatures_verify_with_openssl(made.signer.as_ref(), 1000, tmp.path());

    // Batched: 1,000 digests in two requests of batch_input.
    let messages: Vec<Vec<u8>> = (0..1000).map(|i| format!("batched message {i}").into_bytes()).collect();
    let digests: Vec<[u8; 32]> = messages.iter().map(|m| sha256(m)).collect();
    let sigs = made.signer.sign_digests(&digests).unwrap();
    assert_eq!(sigs.len(), 1000);
    let dir = tmp.path();
    std::fs::write(dir.join("public.pem"), external_keys::public_pem(&made.signer.public_key())).unwrap();
    for (i, (m, s)) in messages.iter().zip(&sigs).enumerate() {
        assert!(is_low_s(s).unwrap(), "batched signature {i} has a high S");
        verify_digest(&made.signer.public_key(), &digests[i], s).unwrap();
        std::fs::write(dir.join("m"), m).unwrap();
        std::fs::write(dir.join("s"), s).unwrap();
        let out = std::process::Command::new("openssl")
            .current_dir(dir)
            .args(["dgst", "-sha256", "-verify", "public.pem", "-signature", "s", "m"])
            .output()
            .unwrap();
        assert!(out.status.success(), "openssl rejects batched signature {i}");
    }

    // Why we normalise: Transit's own signatures have a high S about half the time.
    let high = (0..40)
        .filter(|i| {
            let d = sha256(format!("raw {i}").as_bytes());
            let (_, body) = dev.admin(
                "POST",
                "transit/sign/sig-test/sha2-256",
                Some(json!({"input": base64_encode(&d), "prehashed": true, "marshaling_algorithm": "asn1"})),
            );
            let text = body["data"]["signature"].as_str().unwrap().rsplit(':').next().unwrap().to_owned();
            !is_low_s(&base64_decode(&text)).unwrap()
        })
        .count();
    assert!(high > 0, "40 raw Transit signatures, none high-S: the normalisation would be untested");
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn base64_decode(t: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(t).unwrap()
}

#[test]
fn a_ca_with_its_key_in_transit_issues_certificates_and_crls_openssl_accepts() {
    let keys = KeyStores::new().with(store());
    let tmp = tempfile::tempdir().unwrap();
    external_keys::ca_with_external_key(
        keys,
        &format!("transit:{}", spec("ca-key")),
        &format!("transit:{}", spec("")),
        TRANSIT_SCHEME,
        tmp.path(),
    );
}

#[test]
fn eight_threads_sign_through_one_transit_identity() {
    let made = store().generate_with("threads", &spec("threads-key")).unwrap();
    let loaded = store().load(&made.reference, Some(&made.signer.public_key())).unwrap();
    external_keys::threads_sign_through_one_key(loaded, 8, 25);
}

#[test]
fn a_rotated_key_keeps_signing_as_its_certificate() {
    let made = store().generate_with("rot", &spec("rotating")).unwrap();
    let public = made.signer.public_key();
    let (dev, _) = server();
    let (status, body) = dev.admin("POST", "transit/keys/rotating/rotate", None);
    assert!(status == 200 || status == 204, "{body}");
    // The reference pins version 1: signatures still verify with the certificate's key.
    let loaded = store().load(&made.reference, Some(&public)).unwrap();
    let sig = loaded.sign(b"after rotation").unwrap();
    wallet_core::crypto::verify(&public, b"after rotation", &sig).unwrap();
    // Loaded without the certificate: still version 1.
    let unseeded = store().load(&made.reference, None).unwrap();
    assert_eq!(unseeded.public_key(), public);
    // A new key from the same name is the latest version: another public key.
    let latest = store().generate_with("rot", &spec("rotating")).unwrap();
    assert_ne!(latest.signer.public_key(), public);
}

#[test]
fn errors_name_the_key_the_server_and_what_to_do() {
    let (dev, token) = server();
    // Not ecdsa-p256.
    dev.admin("POST", "transit/keys/rsa-key", Some(json!({"type": "rsa-2048"})));
    let e = key_error(store().generate_with("x", &spec("rsa-key")).unwrap_err());
    assert!(matches!(e, KeyError::UnsuitableKey { .. }) && e.to_string().contains("rsa-2048"), "{e}");
    // Exportable.
    dev.admin("POST", "transit/keys/exportable", Some(json!({"type": "ecdsa-p256", "exportable": true})));
    let e = key_error(store().generate_with("x", &spec("exportable")).unwrap_err());
    assert!(matches!(e, KeyError::UnsuitableKey { .. }) && e.to_string().contains("exportable"), "{e}");
    // Missing: never made (find), and deleted under an identity that uses it.
    let e = key_error(store().find(&spec("never-made"), None).unwrap_err());
    assert!(matches!(e, KeyError::UnknownKey { .. }) && e.to_string().contains("never-made"), "{e}");
    let made = store().generate_with("doomed", &spec("doomed")).unwrap();
    let loaded = store().load(&made.reference, Some(&made.signer.public_key())).unwrap();
    dev.admin("POST", "transit/keys/doomed/config", Some(json!({"deletion_allowed": true})));
    let (status, body) = dev.admin("DELETE", "transit/keys/doomed", None);
    assert!(status == 204 || status == 200, "{body}");
    let e = key_error(loaded.sign(b"m").unwrap_err());
    assert!(matches!(e, KeyError::UnknownKey { .. }) && e.to_string().contains("doomed"), "{e}");
    // No Transit engine at that mount.
    let e = key_error(store().generate_with("x", &format!("{}&mount=nowhere", spec("k"))).unwrap_err());
    assert!(matches!(e, KeyError::StoreAbsent { .. }) && e.to_string().contains("secrets enable"), "{e}");
    // Permission denied: a token whose policy may read keys but not sign.
    let policy = r#"path "transit/keys/*" { capabilities = ["read"] }"#;
    let (s, b) = dev.admin("PUT", "sys/policies/acl/transit-read", Some(json!({ "policy": policy })));
    assert!(s == 204 || s == 200, "{b}");
    let (s, b) = dev.admin("POST", "auth/token/create", Some(json!({"policies": ["transit-read"], "ttl": "1h"})));
    assert_eq!(s, 200, "{b}");
    let limited = token.with_file_name("limited-token");
    std::fs::write(&limited, b["auth"]["client_token"].as_str().unwrap()).unwrap();
    let limited_spec = format!("sig-limited?server={}&token_file={}", dev.origin(), limited.display());
    store().generate_with("x", &spec("sig-limited")).unwrap();
    let key = store().generate_with("x", &limited_spec).unwrap();
    let e = key_error(key.signer.sign(b"m").unwrap_err());
    assert!(matches!(e, KeyError::PermissionDenied { .. }) && e.to_string().contains("sig-limited"), "{e}");
    // A token the server does not know.
    let bad = token.with_file_name("bad-token");
    std::fs::write(&bad, "s.not-a-token").unwrap();
    let e = key_error(
        store().generate_with("x", &format!("k?server={}&token_file={}", dev.origin(), bad.display())).unwrap_err(),
    );
    assert!(matches!(e, KeyError::CredentialRefused { .. }), "{e}");
    // No server there.
    let port = harness::free_port();
    let e = key_error(
        store()
            .generate_with("x", &format!("k?server=http://127.0.0.1:{port}&token_file={}&retry_for=1", token.display()))
            .unwrap_err(),
    );
    assert!(matches!(e, KeyError::StoreAbsent { .. }) && e.to_string().contains(&port.to_string()), "{e}");
}
