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
