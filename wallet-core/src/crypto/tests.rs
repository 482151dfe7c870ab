use super::*;

#[test]
fn signatures_are_low_s_and_verify() {
    let key = SoftwareKey::generate();
    let pk = key.public_key();
    for i in 0..200u32 {
        let msg = i.to_be_bytes();
        let sig = key.sign(&msg).unwrap();
        assert!(is_low_s(&sig).unwrap(), "signature {i} is high-S");
        assert_eq!(verify(&pk, &msg, &sig).unwrap(), SignatureForm::LowS);
    }
}

#[test]
fn digest_signing_matches_message_signing() {
    let key = SoftwareKey::generate();
    let digest = sha256(b"hello");
    let sig = key.sign_digest(&digest).unwrap();
    verify(&key.public_key(), b"hello", &sig).unwrap();
    assert!(verify(&key.public_key(), b"hellp", &sig).is_err());
}

#[test]
fn high_s_is_reported_and_normalized() {
    let key = SoftwareKey::generate();
    let sig = key.sign(b"m").unwrap();
    let parsed = p256::ecdsa::Signature::from_der(&sig).unwrap();
    let (r, s) = parsed.split_scalars();
    let high = p256::ecdsa::Signature::from_scalars(r, -*s).unwrap();
    let high_der = high.to_der().as_bytes().to_vec();
    assert!(!is_low_s(&high_der).unwrap());
    assert_eq!(verify(&key.public_key(), b"m", &high_der).unwrap(), SignatureForm::HighS);
    assert_eq!(normalize_low_s(&high_der).unwrap(), sig);
}

#[test]
fn pkcs8_and_sec1_pem_with_lf_and_crlf() {
    let key = SoftwareKey::generate();
    let pem = key.to_pkcs8_pem();
    let back = parse_private_key_pem(pem.as_bytes(), "test").unwrap();
    assert_eq!(back.public_key(), key.public_key());
    let crlf = pem.replace('\n', "\r\n");
    let back = parse_private_key_pem(crlf.as_bytes(), "test").unwrap();
    assert_eq!(back.public_key(), key.public_key());

    let sec1 = p256::SecretKey::from_bytes(key.scalar_bytes().into()).unwrap();
    let sec1_pem = sec1.to_sec1_pem(p256::pkcs8::LineEnding::CRLF).unwrap();
    let back = parse_private_key_pem(sec1_pem.as_bytes(), "test").unwrap();
    assert_eq!(back.public_key(), key.public_key());
}

#[test]
fn malformed_key_pem_is_a_clear_error() {
    let err = parse_private_key_pem(b"-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n", "k.pem")
        .unwrap_err();
    assert!(err.to_string().contains("k.pem"), "{err}");
    let err =
        parse_private_key_pem(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "k.pem").unwrap_err();
    assert!(err.to_string().contains("no PRIVATE KEY"), "{err}");
}

#[test]
fn key_identifiers_follow_fabric() {
    let key = SoftwareKey::generate();
    let pk = key.public_key();
    let point = public_key_point(&pk);
    assert_eq!(point.len(), 65);
    assert_eq!(point[0], 4);
    use sha1::Digest as _;
    assert_eq!(subject_key_id(&pk).to_vec(), sha1::Sha1::digest(&point).to_vec());
    assert_eq!(keystore_ski(&pk), sha256(&point));
}

#[test]
fn debug_never_shows_the_key() {
    let key = SoftwareKey::generate();
    let dbg = format!("{key:?}");
    assert_eq!(dbg, "SoftwareKey(<redacted>)");
}

#[test]
fn scalar_range_is_checked() {
    assert!(SoftwareKey::from_scalar_bytes(&[0u8; 32], "z").is_err());
    assert!(SoftwareKey::from_scalar_bytes(&[0xffu8; 32], "z").is_err());
    assert!(SoftwareKey::from_scalar_bytes(&[1u8; 31], "z").is_err());
    let k = SoftwareKey::generate();
    let back = SoftwareKey::from_scalar_bytes(k.scalar_bytes(), "k").unwrap();
    assert_eq!(back.public_key(), k.public_key());
}

// ----- the provider behind `SoftwareKey` (ring with `fast-ec`, else p256) -------------------

use std::path::Path;
use std::process::Command;

/// Run `openssl` in `dir` (a missing openssl is a failure, never a skip).
fn openssl(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("openssl").current_dir(dir).args(args).output().expect("the openssl command must be installed")
}

fn write_public_pem(dir: &Path, key: &SoftwareKey) {
    let spki = crate::identity::public_key_spki_der(&key.public_key());
    std::fs::write(dir.join("pub.pem"), pem::encode(&pem::Pem::new("PUBLIC KEY", spki))).unwrap();
}

fn openssl_verifies(dir: &Path, message: &[u8], der: &[u8]) -> bool {
    std::fs::write(dir.join("msg.bin"), message).unwrap();
    std::fs::write(dir.join("sig.der"), der).unwrap();
    let out = openssl(dir, &["dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.der", "msg.bin"]);
    out.status.success()
}

#[test]
fn signatures_verify_with_p256_and_openssl() {
    let dir = tempfile::tempdir().unwrap();
    let key = SoftwareKey::generate();
    write_public_pem(dir.path(), &key);
    for i in 0..20u32 {
        let message = format!("tbs certificate {i}").into_bytes();
        let by_message = key.sign(&message).unwrap();
        let by_digest = key.sign_digest(&sha256(&message)).unwrap();
        for sig in [&by_message, &by_digest] {
            assert_eq!(verify(&key.public_key(), &message, sig).unwrap(), SignatureForm::LowS);
            assert!(openssl_verifies(dir.path(), &message, sig), "openssl refused signature {i}");
        }
    }
    // The check can fail: another message does not verify.
    let sig = key.sign(b"one").unwrap();
    assert!(!openssl_verifies(dir.path(), b"two", &sig));
    assert!(verify(&key.public_key(), b"two", &sig).is_err());
}

#[test]
fn ten_thousand_signatures_are_all_low_s() {
    let key = SoftwareKey::generate();
    let pk = key.public_key();
    for i in 0..10_000u32 {
        let message = i.to_le_bytes();
        let sig = key.sign(&message).unwrap();
        assert!(is_low_s(&sig).unwrap(), "signature {i} is high-S");
        assert_eq!(verify(&pk, &message, &sig).unwrap(), SignatureForm::LowS, "signature {i}");
    }
}

#[test]
fn generated_keys_round_trip_through_pkcs8_sec1_and_scalar() {
    use p256::pkcs8::EncodePrivateKey;
    for _ in 0..20 {
        let key = SoftwareKey::generate();
        let pk = key.public_key();
        let reference = p256::SecretKey::from_bytes(key.scalar_bytes().into()).unwrap();
        // The public key the generator returned is the scalar's (derived here independently).
        assert_eq!(reference.public_key(), pk);

        // PKCS#8: byte for byte what p256 writes, and it reads back.
        let der = key.export_pkcs8_der().unwrap();
        assert_eq!(der.as_slice(), reference.to_pkcs8_der().unwrap().as_bytes());
        let back = SoftwareKey::from_pkcs8_der(&der, "pkcs8").unwrap();
        assert!(back.public_key_is_known(), "a PKCS#8 key carries its public key");
        assert_eq!(back.scalar_bytes(), key.scalar_bytes());
        assert_eq!(back.public_key(), pk);
        let pem = key.to_pkcs8_pem();
        assert_eq!(parse_private_key_pem(pem.as_bytes(), "pem").unwrap().scalar_bytes(), key.scalar_bytes());

        // SEC1.
        let sec1 = reference.to_sec1_der().unwrap();
        let back = SoftwareKey::from_sec1_der(&sec1, "sec1").unwrap();
        assert_eq!(back.scalar_bytes(), key.scalar_bytes());
        assert_eq!(back.public_key(), pk);

        // Scalar: the public key is derived on first use.
        let back = SoftwareKey::from_scalar_bytes(key.scalar_bytes(), "scalar").unwrap();
        assert!(!back.public_key_is_known());
        let sig = back.sign(b"reloaded").unwrap();
        assert!(back.public_key_is_known());
        assert_eq!(back.public_key(), pk);
        verify(&pk, b"reloaded", &sig).unwrap();
    }
}

#[test]
fn loading_a_scalar_does_no_curve_work_and_generation_knows_its_public_key() {
    let key = SoftwareKey::generate();
    assert!(key.public_key_is_known());
    let loaded = SoftwareKey::from_scalar_bytes(key.scalar_bytes(), "k").unwrap();
    assert!(!loaded.public_key_is_known());
    let _ = loaded.clone().public_key();
    assert!(!loaded.public_key_is_known(), "a clone derives for itself");
    let _ = loaded.public_key();
    assert!(loaded.public_key_is_known());
}

#[test]
fn clones_sign_before_and_after_the_first_signature() {
    let key = SoftwareKey::from_scalar_bytes(SoftwareKey::generate().scalar_bytes(), "k").unwrap();
    let early = key.clone();
    let sig = key.sign(b"m").unwrap();
    let late = key.clone();
    for k in [&early, &late] {
        verify(&key.public_key(), b"m", &k.sign(b"m").unwrap()).unwrap();
        verify(&k.public_key(), b"m", &sig).unwrap();
    }
}

#[test]
fn pkcs8_carrying_another_keys_public_key_is_refused() {
    use pkcs8::der::{Decode, Encode};
    let key = SoftwareKey::generate();
    let other = SoftwareKey::generate();
    let der = key.export_pkcs8_der().unwrap();
    let info = pkcs8::PrivateKeyInfo::from_der(&der).unwrap();
    let mut ec = sec1::EcPrivateKey::from_der(info.private_key).unwrap();
    let other_point = public_key_point(&other.public_key());
    ec.public_key = Some(&other_point);
    let ec_der = ec.to_der().unwrap();
    let forged = pkcs8::PrivateKeyInfo::new(info.algorithm, &ec_der).to_der().unwrap();
    let err = SoftwareKey::from_pkcs8_der(&forged, "forged.pem").unwrap_err();
    assert!(err.to_string().contains("forged.pem"), "{err}");
    let err = SoftwareKey::from_sec1_der(&ec_der, "forged-sec1.pem").unwrap_err();
    assert!(err.to_string().contains("forged-sec1.pem"), "{err}");
}

#[test]
fn keys_cross_with_openssl_both_ways() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Ours → openssl: it reads the PKCS#8 key and finds the same public key.
    let key = SoftwareKey::generate();
    std::fs::write(d.join("ours.pem"), key.to_pkcs8_pem().as_bytes()).unwrap();
    let out = openssl(d, &["pkey", "-in", "ours.pem", "-pubout", "-outform", "DER"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, crate::identity::public_key_spki_der(&key.public_key()));

    // openssl → ours: SEC1 and PKCS#8 keys it generated sign what openssl verifies.
    let sec1 = openssl(d, &["ecparam", "-name", "prime256v1", "-genkey", "-noout"]);
    assert!(sec1.status.success(), "{}", String::from_utf8_lossy(&sec1.stderr));
    let pkcs8 = openssl(d, &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
    assert!(pkcs8.status.success(), "{}", String::from_utf8_lossy(&pkcs8.stderr));
    for pem_text in [sec1.stdout, pkcs8.stdout] {
        let theirs = parse_private_key_pem(&pem_text, "openssl key").unwrap();
        std::fs::write(d.join("theirs.pem"), &pem_text).unwrap();
        let out = openssl(d, &["pkey", "-in", "theirs.pem", "-pubout", "-out", "pub.pem"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let sig = theirs.sign(b"from openssl's key").unwrap();
        assert!(openssl_verifies(d, b"from openssl's key", &sig));
        assert!(is_low_s(&sig).unwrap());
    }
}
