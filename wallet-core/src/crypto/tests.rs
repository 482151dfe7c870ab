use super::*;
use provider::CryptoProvider;

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

// ----- the suite every crypto provider passes (one `provider_suite!` per provider) ------------

use std::path::Path;
use std::process::Command;

type P = &'static dyn CryptoProvider;

/// Every test below, run for one provider, as rustls runs its suite per provider.
macro_rules! provider_suite {
    ($module:ident, $provider:expr) => {
        mod $module {
            provider_suite!(@cases $provider;
                signatures_are_low_s_and_verify_with_every_provider,
                raw_signatures_are_sometimes_high_s_and_normalisation_fixes_them,
                digest_signing_matches_message_signing,
                rfc6979_known_answers_verify,
                signatures_verify_with_openssl,
                openssl_signatures_verify,
                wycheproof_style_malformed_signatures_are_refused,
                a_signature_by_another_key_or_over_other_data_is_refused,
                ten_thousand_signatures_are_all_low_s,
                generated_keys_round_trip_through_pkcs8_sec1_and_scalar,
                loading_a_scalar_does_no_curve_work_and_generation_knows_its_public_key,
                clones_sign_before_and_after_the_first_signature,
                a_wrong_trusted_public_key_fails_loudly_instead_of_signing_wrongly,
                keys_cross_with_openssl_both_ways,
                eight_threads_share_one_key,
            );
        }
    };
    (@cases $provider:expr; $($case:ident),* $(,)?) => {
        $( #[test] fn $case() { super::$case($provider) } )*
    };
}

provider_suite!(rustcrypto, &crate::crypto::provider::RUST_CRYPTO);
#[cfg(feature = "fast-ec")]
provider_suite!(aws_lc, &crate::crypto::provider::AWS_LC);

#[test]
fn every_compiled_provider_has_a_suite_and_a_name() {
    let names: Vec<_> = provider::all().iter().map(|p| p.name()).collect();
    #[cfg(feature = "fast-ec")]
    assert_eq!(names, ["aws-lc", "rustcrypto"]);
    #[cfg(not(feature = "fast-ec"))]
    assert_eq!(names, ["rustcrypto"]);
    for name in &names {
        assert_eq!(provider::by_name(name).unwrap().name(), *name);
    }
    let err = provider::by_name("openssl").unwrap_err();
    assert!(err.to_string().contains("\"openssl\"") && err.to_string().contains("rustcrypto"), "{err}");
    assert_eq!(provider::get_default().name(), provider::BUILD_DEFAULT.name());
    use provider::{default_for, Artefact};
    assert_eq!(default_for(Artefact::Cli).name(), "rustcrypto");
    assert_eq!(default_for(Artefact::CLibrary).name(), provider::BUILD_DEFAULT.name());
    assert_eq!(default_for(Artefact::Library).name(), provider::BUILD_DEFAULT.name());
}

fn generate(p: P) -> SoftwareKey {
    let key = SoftwareKey::generate_with(p).unwrap();
    assert_eq!(key.provider().name(), p.name());
    key
}

fn verify_with(p: P, key: &PublicKey, message: &[u8], der: &[u8]) -> Result<SignatureForm> {
    verify_digest_with(p, key, &sha256(message), der)
}

fn signatures_are_low_s_and_verify_with_every_provider(p: P) {
    let key = generate(p);
    let pk = key.public_key();
    for i in 0..100u32 {
        let msg = i.to_be_bytes();
        for sig in [key.sign(&msg).unwrap(), key.sign_digest(&sha256(&msg)).unwrap()] {
            assert!(is_low_s(&sig).unwrap(), "signature {i} is high-S");
            for verifier in provider::all() {
                assert_eq!(verify_with(verifier, &pk, &msg, &sig).unwrap(), SignatureForm::LowS, "{}", verifier.name());
            }
        }
    }
}

fn raw_signatures_are_sometimes_high_s_and_normalisation_fixes_them(p: P) {
    // Proves the low-S normalisation is needed: the provider returns about half of its
    // signatures with a high S (the chance of none in 200 is 2^-200).
    let key = generate(p);
    let pk = key.public_key();
    let mut high = 0;
    for i in 0..200u32 {
        let raw = key.sign_raw(&i.to_be_bytes()).unwrap();
        if !is_low_s(&raw).unwrap() {
            high += 1;
            assert_eq!(verify_with(p, &pk, &i.to_be_bytes(), &raw).unwrap(), SignatureForm::HighS);
            assert!(p.verify_digest(&pk, &sha256(&i.to_be_bytes()), &raw), "a high S is valid ECDSA");
        }
    }
    assert!(high > 0, "{} returned no high-S signature in 200", p.name());
}

fn digest_signing_matches_message_signing(p: P) {
    let key = generate(p);
    let digest = sha256(b"hello");
    let sig = key.sign_digest(&digest).unwrap();
    verify_with(p, &key.public_key(), b"hello", &sig).unwrap();
    assert!(verify_with(p, &key.public_key(), b"hellp", &sig).is_err());
    let signed = crate::sign::sign(&key, crate::sign::SignInput::Message(b"hello")).unwrap();
    assert_eq!(signed.digest, digest);
    verify_digest_with(p, &key.public_key(), &digest, &signed.signature).unwrap();
}

/// RFC 6979 A.2.5: the P-256 key and its SHA-256 signatures over "sample" and "test".
const RFC6979_X: &str = "c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721";
const RFC6979_UX: &str = "60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6";
const RFC6979_UY: &str = "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299";
const RFC6979_SIGS: [(&[u8], &str, &str); 2] = [
    (
        b"sample",
        "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716",
        "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8",
    ),
    (
        b"test",
        "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367",
        "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083",
    ),
];

fn der_of(r: &[u8], s: &[u8]) -> Vec<u8> {
    let sig = Signature::from_scalars(<[u8; 32]>::try_from(r).unwrap(), <[u8; 32]>::try_from(s).unwrap()).unwrap();
    sig.to_der().as_bytes().to_vec()
}

fn rfc6979_key(p: P) -> SoftwareKey {
    SoftwareKey::from_scalar_bytes(&hex::decode(RFC6979_X).unwrap(), "rfc6979").unwrap().with_provider(p)
}

fn rfc6979_known_answers_verify(p: P) {
    let key = rfc6979_key(p);
    // The provider derives the RFC's public key from its scalar.
    let point = public_key_point(&key.public_key());
    assert_eq!(hex::encode(&point[1..33]), RFC6979_UX);
    assert_eq!(hex::encode(&point[33..]), RFC6979_UY);
    for (message, r, s) in RFC6979_SIGS {
        let der = der_of(&hex::decode(r).unwrap(), &hex::decode(s).unwrap());
        let expected = if is_low_s(&der).unwrap() { SignatureForm::LowS } else { SignatureForm::HighS };
        assert_eq!(verify_with(p, &key.public_key(), message, &der).unwrap(), expected);
        let low = normalize_low_s(&der).unwrap();
        assert_eq!(verify_with(p, &key.public_key(), message, &low).unwrap(), SignatureForm::LowS);
        assert!(verify_with(p, &key.public_key(), b"other", &der).is_err());
        // And the provider's own signatures with this key verify everywhere.
        let ours = key.sign(message).unwrap();
        for verifier in provider::all() {
            verify_with(verifier, &key.public_key(), message, &ours).unwrap();
        }
    }
    // "sample" has a high S in the RFC: the form is reported, not refused.
    assert!(
        !is_low_s(&der_of(&hex::decode(RFC6979_SIGS[0].1).unwrap(), &hex::decode(RFC6979_SIGS[0].2).unwrap())).unwrap()
    );
}

#[test]
fn rustcrypto_nonces_are_rfc6979() {
    let key = rfc6979_key(&provider::RUST_CRYPTO);
    for (message, r, s) in RFC6979_SIGS {
        let raw = key.sign_raw(message).unwrap();
        assert_eq!(raw, der_of(&hex::decode(r).unwrap(), &hex::decode(s).unwrap()));
        assert_eq!(key.sign(message).unwrap(), normalize_low_s(&raw).unwrap());
    }
}

/// Run `openssl` in `dir` (a missing openssl is a failure, never a skip).
fn openssl(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("openssl").current_dir(dir).args(args).output().expect("the openssl command must be installed")
}

fn write_public_pem(dir: &Path, key: &PublicKey) {
    let spki = crate::identity::public_key_spki_der(key);
    std::fs::write(dir.join("pub.pem"), pem::encode(&pem::Pem::new("PUBLIC KEY", spki))).unwrap();
}

fn openssl_verifies(dir: &Path, message: &[u8], der: &[u8]) -> bool {
    std::fs::write(dir.join("msg.bin"), message).unwrap();
    std::fs::write(dir.join("sig.der"), der).unwrap();
    let out = openssl(dir, &["dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.der", "msg.bin"]);
    out.status.success()
}

fn signatures_verify_with_openssl(p: P) {
    let dir = tempfile::tempdir().unwrap();
    let key = generate(p);
    write_public_pem(dir.path(), &key.public_key());
    for i in 0..10u32 {
        let message = format!("tbs certificate {i}").into_bytes();
        let by_message = key.sign(&message).unwrap();
        let by_digest = key.sign_digest(&sha256(&message)).unwrap();
        for sig in [&by_message, &by_digest] {
            assert!(openssl_verifies(dir.path(), &message, sig), "openssl refused signature {i}");
        }
    }
    // The check can fail: another message does not verify.
    let sig = key.sign(b"one").unwrap();
    assert!(!openssl_verifies(dir.path(), b"two", &sig));
}

fn openssl_signatures_verify(p: P) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = openssl(d, &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "k.pem"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let theirs = parse_private_key_pem(&std::fs::read(d.join("k.pem")).unwrap(), "k.pem").unwrap();
    let mut high = 0;
    for i in 0..12u32 {
        let message = format!("proposal {i}");
        std::fs::write(d.join("m.bin"), &message).unwrap();
        let out = openssl(d, &["dgst", "-sha256", "-sign", "k.pem", "-out", "s.der", "m.bin"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let sig = std::fs::read(d.join("s.der")).unwrap();
        // OpenSSL does not normalise S: both forms must verify, and the form is reported.
        let form = verify_with(p, &theirs.public_key(), message.as_bytes(), &sig).unwrap();
        high += usize::from(form == SignatureForm::HighS);
        assert!(verify_with(p, &theirs.public_key(), b"not it", &sig).is_err());
    }
    let _ = high; // About half; not asserted (12 draws).
}

/// The group order n of P-256.
const N: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

/// DER `SEQUENCE { INTEGER r, INTEGER s }` from big-endian magnitudes, minimal and positive.
fn der_from_integers(r: &[u8], s: &[u8]) -> Vec<u8> {
    fn int(v: &[u8]) -> Vec<u8> {
        let mut v: Vec<u8> = v.iter().copied().skip_while(|b| *b == 0).collect();
        if v.is_empty() || v[0] & 0x80 != 0 {
            v.insert(0, 0);
        }
        let mut out = vec![0x02, v.len() as u8];
        out.extend(v);
        out
    }
    let body = [int(r), int(s)].concat();
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

fn add_be(a: &[u8], b: &[u8]) -> Vec<u8> {
    // Big-endian addition of two 32-byte numbers, one byte longer.
    let mut out = vec![0u8; 33];
    let mut carry = 0u16;
    for i in (0..32).rev() {
        let v = a[i] as u16 + b[i] as u16 + carry;
        out[i + 1] = v as u8;
        carry = v >> 8;
    }
    out[0] = carry as u8;
    out
}

fn wycheproof_style_malformed_signatures_are_refused(p: P) {
    let key = generate(p);
    let pk = key.public_key();
    let digest = sha256(b"wycheproof");
    let good = key.sign_digest(&digest).unwrap();
    let (r, s) = {
        let sig = Signature::from_der(&good).unwrap();
        (sig.r().to_bytes().to_vec(), sig.s().to_bytes().to_vec())
    };
    assert_eq!(der_from_integers(&r, &s), good, "the DER builder writes what the providers write");
    assert!(p.verify_digest(&pk, &digest, &good));

    // High S: valid ECDSA, reported as HighS (Fabric refuses it; we say so rather than fail).
    let n = hex::decode(N).unwrap();
    let high = normalize_high(&good);
    assert!(p.verify_digest(&pk, &digest, &high));
    assert_eq!(verify_digest_with(p, &pk, &digest, &high).unwrap(), SignatureForm::HighS);

    let zero = [0u8; 32];
    let one = {
        let mut v = [0u8; 32];
        v[31] = 1;
        v
    };
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("r = 0", der_from_integers(&zero, &s)),
        ("s = 0", der_from_integers(&r, &zero)),
        ("r = s = 0", der_from_integers(&zero, &zero)),
        ("r = n", der_from_integers(&n, &s)),
        ("s = n", der_from_integers(&r, &n)),
        ("r = r + n (same value mod n)", der_from_integers(&add_be(&r, &n), &s)),
        ("s = s + n (same value mod n)", der_from_integers(&r, &add_be(&s, &n))),
        ("r = 1, s = 1", der_from_integers(&one, &one)),
        ("r and s swapped", der_from_integers(&s, &r)),
        ("empty", vec![]),
        ("only the SEQUENCE header", good[..2].to_vec()),
        ("truncated by one byte", good[..good.len() - 1].to_vec()),
        ("a trailing zero byte", [good.as_slice(), &[0]].concat()),
        ("raw 64-byte r || s instead of DER", [r.as_slice(), s.as_slice()].concat()),
    ];
    // Wrong lengths inside the DER.
    let mut longer = good.clone();
    longer[1] += 1;
    cases.push(("SEQUENCE length one too long", longer));
    let mut shorter = good.clone();
    shorter[1] -= 1;
    cases.push(("SEQUENCE length one too short", shorter));
    let mut r_len = good.clone();
    r_len[3] += 1;
    cases.push(("INTEGER r length one too long", r_len));
    // Not DER: BER long-form length, a padded integer, a negative integer, wrong tags.
    let mut ber = vec![0x30, 0x81, good[1]];
    ber.extend_from_slice(&good[2..]);
    cases.push(("BER long-form SEQUENCE length", ber));
    let padded = {
        let r_int = [&[0u8, 0u8][..], r.as_slice()].concat();
        let mut body = vec![0x02, r_int.len() as u8];
        body.extend(&r_int);
        body.extend_from_slice(&good[4 + good[3] as usize..]);
        let mut out = vec![0x30, body.len() as u8];
        out.extend(body);
        out
    };
    cases.push(("r with needless leading zeros", padded));
    let negative = {
        // r's magnitude without the sign byte, marked negative.
        let mut v: Vec<u8> = r.iter().copied().skip_while(|b| *b == 0).collect();
        v[0] |= 0x80;
        let mut body = vec![0x02, v.len() as u8];
        body.extend(v);
        body.extend_from_slice(&good[4 + good[3] as usize..]);
        let mut out = vec![0x30, body.len() as u8];
        out.extend(body);
        out
    };
    cases.push(("negative r", negative));
    let mut set_tag = good.clone();
    set_tag[0] = 0x31;
    cases.push(("SET instead of SEQUENCE", set_tag));
    let mut octet_tag = good.clone();
    octet_tag[2] = 0x04;
    cases.push(("OCTET STRING instead of INTEGER", octet_tag));

    for (what, der) in &cases {
        assert!(!p.verify_digest(&pk, &digest, der), "{}: {what} was accepted", p.name());
        let err = verify_digest_with(p, &pk, &digest, der).unwrap_err();
        assert!(matches!(err, Error::BadSignature { .. }), "{what}: {err:?}");
        for verifier in provider::all() {
            assert!(!verifier.verify_digest(&pk, &digest, der), "{}: {what} was accepted", verifier.name());
        }
    }
}

/// The same signature with S replaced by n − S.
fn normalize_high(der: &[u8]) -> Vec<u8> {
    let sig = Signature::from_der(der).unwrap();
    let (r, s) = sig.split_scalars();
    Signature::from_scalars(r, -*s).unwrap().to_der().as_bytes().to_vec()
}

fn a_signature_by_another_key_or_over_other_data_is_refused(p: P) {
    let key = generate(p);
    let other = generate(p);
    let digest = sha256(b"m");
    let sig = key.sign_digest(&digest).unwrap();
    assert!(!p.verify_digest(&other.public_key(), &digest, &sig));
    let mut flipped = digest;
    flipped[31] ^= 1;
    assert!(!p.verify_digest(&key.public_key(), &flipped, &sig));
    let mut bad = sig.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert!(!p.verify_digest(&key.public_key(), &digest, &bad));
    assert!(verify_digest_with(p, &key.public_key(), &digest, &bad).is_err());
}

fn ten_thousand_signatures_are_all_low_s(p: P) {
    let key = generate(p);
    let pk = key.public_key();
    for i in 0..10_000u32 {
        let message = i.to_le_bytes();
        let sig = if i % 2 == 0 { key.sign(&message).unwrap() } else { key.sign_digest(&sha256(&message)).unwrap() };
        assert!(is_low_s(&sig).unwrap(), "signature {i} is high-S");
        assert_eq!(verify_with(p, &pk, &message, &sig).unwrap(), SignatureForm::LowS, "signature {i}");
    }
}

fn generated_keys_round_trip_through_pkcs8_sec1_and_scalar(p: P) {
    use p256::pkcs8::EncodePrivateKey;
    for _ in 0..20 {
        let key = generate(p);
        let pk = key.public_key();
        let reference = p256::SecretKey::from_bytes(key.scalar_bytes().into()).unwrap();
        // The public key the generator returned is the scalar's (derived here independently).
        assert_eq!(reference.public_key(), pk);

        // PKCS#8: byte for byte what p256 writes, and it reads back.
        let der = key.export_pkcs8_der().unwrap();
        assert_eq!(der.as_slice(), reference.to_pkcs8_der().unwrap().as_bytes());
        let back = SoftwareKey::from_pkcs8_der(&der, "pkcs8").unwrap().with_provider(p);
        assert!(back.public_key_is_known(), "a PKCS#8 key carries its public key");
        assert_eq!(back.scalar_bytes(), key.scalar_bytes());
        assert_eq!(back.public_key(), pk);
        let pem = key.to_pkcs8_pem();
        assert_eq!(parse_private_key_pem(pem.as_bytes(), "pem").unwrap().scalar_bytes(), key.scalar_bytes());

        // SEC1.
        let sec1 = reference.to_sec1_der().unwrap();
        let back = SoftwareKey::from_sec1_der(&sec1, "sec1").unwrap().with_provider(p);
        assert_eq!(back.scalar_bytes(), key.scalar_bytes());
        assert_eq!(back.public_key(), pk);

        // Scalar: the public key is derived on first use, by the provider.
        let back = SoftwareKey::from_scalar_bytes(key.scalar_bytes(), "scalar").unwrap().with_provider(p);
        assert!(!back.public_key_is_known());
        let sig = back.sign(b"reloaded").unwrap();
        assert!(back.public_key_is_known());
        assert_eq!(back.public_key(), pk);
        verify_with(p, &pk, b"reloaded", &sig).unwrap();
    }
}

fn loading_a_scalar_does_no_curve_work_and_generation_knows_its_public_key(p: P) {
    let key = generate(p);
    assert!(key.public_key_is_known());
    let loaded = SoftwareKey::from_scalar_bytes(key.scalar_bytes(), "k").unwrap().with_provider(p);
    assert!(!loaded.public_key_is_known());
    let _ = loaded.clone().public_key();
    assert!(!loaded.public_key_is_known(), "a clone derives for itself");
    assert_eq!(loaded.public_key(), key.public_key());
    assert!(loaded.public_key_is_known());
}

fn clones_sign_before_and_after_the_first_signature(p: P) {
    let key = SoftwareKey::from_scalar_bytes(generate(p).scalar_bytes(), "k").unwrap().with_provider(p);
    let early = key.clone();
    let sig = key.sign(b"m").unwrap();
    let late = key.clone();
    for k in [&early, &late] {
        assert_eq!(k.provider().name(), p.name());
        verify_with(p, &key.public_key(), b"m", &k.sign(b"m").unwrap()).unwrap();
        verify_with(p, &k.public_key(), b"m", &sig).unwrap();
    }
}

fn a_wrong_trusted_public_key_fails_loudly_instead_of_signing_wrongly(p: P) {
    let key = generate(p);
    let other = generate(p).public_key();
    let seeded = SoftwareKey::from_scalar_bytes(key.scalar_bytes(), "k")
        .unwrap()
        .with_provider(p)
        .with_trusted_public_key(other);
    let err = seeded.sign(b"m").unwrap_err();
    assert!(err.to_string().contains("refused"), "{err}");
    assert!(seeded.sign_digest(&sha256(b"m")).is_err());
    // The right one signs.
    let right = SoftwareKey::from_scalar_bytes(key.scalar_bytes(), "k")
        .unwrap()
        .with_provider(p)
        .with_trusted_public_key(key.public_key());
    verify_with(p, &key.public_key(), b"m", &right.sign(b"m").unwrap()).unwrap();
}

fn keys_cross_with_openssl_both_ways(p: P) {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Ours → openssl: it reads the PKCS#8 key and finds the same public key.
    let key = generate(p);
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
        let theirs = parse_private_key_pem(&pem_text, "openssl key").unwrap().with_provider(p);
        std::fs::write(d.join("theirs.pem"), &pem_text).unwrap();
        let out = openssl(d, &["pkey", "-in", "theirs.pem", "-pubout", "-out", "pub.pem"]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        for sig in
            [theirs.sign(b"from openssl's key").unwrap(), theirs.sign_digest(&sha256(b"from openssl's key")).unwrap()]
        {
            assert!(openssl_verifies(d, b"from openssl's key", &sig));
            assert!(is_low_s(&sig).unwrap());
        }
    }
}

fn eight_threads_share_one_key(p: P) {
    let key =
        std::sync::Arc::new(SoftwareKey::from_scalar_bytes(generate(p).scalar_bytes(), "k").unwrap().with_provider(p));
    let handles: Vec<_> = (0..8u32)
        .map(|t| {
            let key = key.clone();
            std::thread::spawn(move || {
                (0..50u32)
                    .map(|i| {
                        let msg = [t.to_be_bytes(), i.to_be_bytes()].concat();
                        (msg.clone(), key.sign_digest(&sha256(&msg)).unwrap())
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for h in handles {
        for (msg, sig) in h.join().unwrap() {
            assert_eq!(verify_with(p, &key.public_key(), &msg, &sig).unwrap(), SignatureForm::LowS);
        }
    }
}
