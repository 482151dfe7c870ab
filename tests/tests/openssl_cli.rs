//! Signatures made by `Identity::sign` checked by the `openssl` command-line tool, and the low-S
//! rule checked by parsing the DER here, without the library's own helpers.

use std::path::Path;
use std::process::Command;
use wallet_tests::pki::TestCa;
use wallet_tests::tools::{run, run_ok};

/// Half the order of P-256, rounded down (FIPS 186-4 D.1.2.3: n = FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551).
const HALF_ORDER: [u8; 32] = [
    0x7f, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xde, 0x73, 0x7d,
    0x56, 0xd3, 0x8b, 0xcf, 0x42, 0x79, 0xdc, 0xe5, 0x61, 0x7e, 0x31, 0x92, 0xa8,
];

/// Reads one DER INTEGER (short-form length) at `at`; returns its magnitude and the next offset.
fn der_integer(der: &[u8], at: usize) -> (Vec<u8>, usize) {
    assert_eq!(der[at], 0x02, "INTEGER tag expected");
    let len = der[at + 1] as usize;
    assert!(len <= 33, "P-256 integers fit in 33 bytes");
    let body = &der[at + 2..at + 2 + len];
    assert!(body[0] & 0x80 == 0, "negative integer");
    let trimmed: Vec<u8> = body.iter().copied().skip_while(|&b| b == 0).collect();
    (trimmed, at + 2 + len)
}

/// S of a DER `SEQUENCE { r INTEGER, s INTEGER }` as 32 big-endian bytes.
fn s_of(der: &[u8]) -> [u8; 32] {
    assert_eq!(der[0], 0x30, "SEQUENCE tag expected");
    assert_eq!(der[1] as usize, der.len() - 2, "SEQUENCE length");
    let (_, next) = der_integer(der, 2);
    let (s, end) = der_integer(der, next);
    assert_eq!(end, der.len(), "trailing bytes");
    let mut out = [0u8; 32];
    out[32 - s.len()..].copy_from_slice(&s);
    out
}

fn is_low_s(der: &[u8]) -> bool {
    s_of(der) <= HALF_ORDER
}

fn openssl_verify(dir: &Path, message: &[u8], signature: &[u8]) -> bool {
    std::fs::write(dir.join("msg"), message).unwrap();
    std::fs::write(dir.join("sig.der"), signature).unwrap();
    let out = run(Command::new("openssl").current_dir(dir).args([
        "dgst",
        "-sha256",
        "-verify",
        "pub.pem",
        "-signature",
        "sig.der",
        "msg",
    ]));
    let verified = String::from_utf8_lossy(&out.stdout).contains("Verified OK");
    assert_eq!(verified, out.status.success(), "openssl status and output disagree: {out:?}");
    verified
}

#[test]
fn openssl_verifies_identity_signatures() {
    let root = TestCa::root("ca");
    let identity = root.enroll("user1", "Org1MSP", vec![root.cert.clone()]);
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("cert.pem"), identity.certificate().to_pem()).unwrap();
    let public =
        run_ok(Command::new("openssl").current_dir(tmp.path()).args(["x509", "-pubkey", "-noout", "-in", "cert.pem"]));
    std::fs::write(tmp.path().join("pub.pem"), public).unwrap();

    for message in [&b""[..], b"hello", &[0u8; 4096][..]] {
        let sig = identity.sign(message).unwrap();
        assert!(openssl_verify(tmp.path(), message, &sig), "openssl rejected a signature over {} bytes", message.len());
    }
    // And it can say no: the same signature over other bytes, and another key's signature.
    let sig = identity.sign(b"hello").unwrap();
    assert!(!openssl_verify(tmp.path(), b"hellp", &sig));
    let stranger = root.enroll("user2", "Org1MSP", vec![]);
    assert!(!openssl_verify(tmp.path(), b"hello", &stranger.sign(b"hello").unwrap()));
}

#[test]
fn a_thousand_signatures_are_all_low_s() {
    let root = TestCa::root("ca");
    let identity = root.enroll("user1", "Org1MSP", vec![]);
    let pk = identity.certificate().public_key().unwrap();
    for i in 0..1000u32 {
        let message = i.to_be_bytes();
        let sig = identity.sign(&message).unwrap();
        assert!(is_low_s(&sig), "signature {i} has high S: {}", hex::encode(&sig));
        wallet_core::crypto::verify(&pk, &message, &sig).unwrap();
    }
}

#[test]
fn the_low_s_check_can_fail() {
    // Flip a real signature to its high-S twin (s -> n - s): same validity, and the check must catch it.
    let root = TestCa::root("ca");
    let identity = root.enroll("user1", "Org1MSP", vec![]);
    let sig = identity.sign(b"m").unwrap();
    let parsed = p256::ecdsa::Signature::from_der(&sig).unwrap();
    let (r, s) = parsed.split_scalars();
    let high = p256::ecdsa::Signature::from_scalars(r, -*s).unwrap().to_der();
    assert!(is_low_s(&sig));
    assert!(!is_low_s(high.as_bytes()));
}
