//! wallet sign / verify, cross-checked with the openssl CLI; every signature low-S.

use crate::common::*;
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use predicates::prelude::*;
use std::path::PathBuf;

/// The order of P-256 (a curve parameter, SEC 2).
const N: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

fn n() -> [u8; 32] {
    hex::decode(N).unwrap().try_into().unwrap()
}

/// floor(n / 2): the largest low S.
fn half_n() -> [u8; 32] {
    let n = n();
    let mut out = [0u8; 32];
    let mut carry = 0u8;
    for i in 0..32 {
        out[i] = (n[i] >> 1) | (carry << 7);
        carry = n[i] & 1;
    }
    out
}

/// Parse DER `SEQUENCE { INTEGER r, INTEGER s }` by hand (independent of the code under test).
fn der_r_s(sig: &[u8]) -> ([u8; 32], [u8; 32]) {
    assert_eq!(sig[0], 0x30, "not a SEQUENCE");
    assert_eq!(sig[1] as usize, sig.len() - 2, "bad SEQUENCE length (or long form, impossible for P-256)");
    let mut rest = &sig[2..];
    let mut ints = vec![];
    for _ in 0..2 {
        assert_eq!(rest[0], 0x02, "not an INTEGER");
        let len = rest[1] as usize;
        let body = &rest[2..2 + len];
        assert!(body[0] & 0x80 == 0, "negative INTEGER");
        assert!(len == 1 || body[0] != 0 || body[1] & 0x80 != 0, "non-minimal INTEGER");
        let trimmed: Vec<u8> = body.iter().copied().skip_while(|&b| b == 0).collect();
        assert!(trimmed.len() <= 32);
        let mut padded = [0u8; 32];
        padded[32 - trimmed.len()..].copy_from_slice(&trimmed);
        ints.push(padded);
        rest = &rest[2 + len..];
    }
    assert!(rest.is_empty(), "trailing bytes");
    (ints[0], ints[1])
}

fn der_integer(v: &[u8; 32]) -> Vec<u8> {
    let mut body: Vec<u8> = v.iter().copied().skip_while(|&b| b == 0).collect();
    if body.is_empty() || body[0] & 0x80 != 0 {
        body.insert(0, 0);
    }
    let mut out = vec![0x02, body.len() as u8];
    out.extend(body);
    out
}

fn der_signature(r: &[u8; 32], s: &[u8; 32]) -> Vec<u8> {
    let body = [der_integer(r), der_integer(s)].concat();
    [vec![0x30, body.len() as u8], body].concat()
}

/// n - s, big-endian.
fn negate(s: &[u8; 32]) -> [u8; 32] {
    let n = n();
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = n[i] as i16 - s[i] as i16 - borrow;
        borrow = if d < 0 { 1 } else { 0 };
        if d < 0 {
            d += 256;
        }
        out[i] = d as u8;
    }
    out
}

fn signer_wallet() -> TestWallet {
    let w = TestWallet::new();
    w.import_id("admin");
    w
}

fn write(w: &TestWallet, name: &str, data: &[u8]) -> PathBuf {
    let p = w.tmp(name);
    std::fs::write(&p, data).unwrap();
    p
}

fn public_key_pem(w: &TestWallet, label: &str) -> PathBuf {
    let cert = w.tmp(&format!("{label}-cert.pem"));
    w.cmd().args(["export", label, "--format", "cert", "--out"]).arg(&cert).assert().success();
    let pubkey = w.tmp(&format!("{label}-pub.pem"));
    openssl(
        &["x509", "-in", cert.to_str().unwrap(), "-pubkey", "-noout", "-out", pubkey.to_str().unwrap()],
        w.dir.path(),
    );
    pubkey
}

#[test]
fn sign_then_verify_base64() {
    let w = signer_wallet();
    let msg = write(&w, "msg.txt", b"a transaction proposal");
    let b64 = w.ok(["sign", "admin", "--in", msg.to_str().unwrap()]);
    assert!(b64.ends_with('\n') && b64.trim().starts_with("ME"), "{b64}");
    let der = B64.decode(b64.trim()).unwrap();
    der_r_s(&der);
    let sig = write(&w, "msg.sig", b64.as_bytes());
    verify_cmd(&w, "admin", &sig, &msg, &[]).assert().success().stdout("valid (low-S)\n");
    // The message on stdin works the same.
    let from_stdin = w.cmd().args(["sign", "admin"]).write_stdin("a transaction proposal").assert().success();
    let sig2 = write(&w, "stdin.sig", &from_stdin.get_output().stdout);
    verify_cmd(&w, "admin", &sig2, &msg, &[]).assert().success();
}

#[test]
fn sign_then_verify_der() {
    let w = signer_wallet();
    let msg = write(&w, "msg.bin", &[0u8, 159, 146, 150, 255]);
    let sig = w.tmp("msg.der");
    w.cmd()
        .args(["sign", "admin", "--format", "der", "--in"])
        .arg(&msg)
        .arg("--out")
        .arg(&sig)
        .assert()
        .success()
        .stdout("");
    let der = std::fs::read(&sig).unwrap();
    der_r_s(&der);
    verify_cmd(&w, "admin", &sig, &msg, &[]).assert().success().stdout("valid (low-S)\n");
    // Against the certificate file instead of the wallet, PEM and DER.
    let cert = w.tmp("admin.pem");
    w.cmd().args(["export", "admin", "--format", "cert", "--out"]).arg(&cert).assert().success();
    let cert_der = w.tmp("admin.crt");
    openssl(
        &["x509", "-in", cert.to_str().unwrap(), "-outform", "DER", "-out", cert_der.to_str().unwrap()],
        w.dir.path(),
    );
    for c in [&cert, &cert_der] {
        w.bare_cmd()
            .arg("verify")
            .arg("--cert")
            .arg(c)
            .arg("--signature")
            .arg(&sig)
            .arg("--in")
            .arg(&msg)
            .assert()
            .success()
            .stdout("valid (low-S)\n");
    }
}

#[test]
fn sign_digest_raw_and_hex() {
    let w = signer_wallet();
    let msg = write(&w, "msg.txt", b"sign my digest");
    let raw = openssl(&["dgst", "-sha256", "-binary", "msg.txt"], w.dir.path());
    assert_eq!(raw.len(), 32);
    let raw_file = write(&w, "digest.bin", &raw);
    let hex_file = write(&w, "digest.hex", format!("{}\n", hex::encode(&raw)).as_bytes());
    for digest in [&raw_file, &hex_file] {
        let sig = w.tmp("d.sig");
        sign_file(&w, "admin", digest, &sig, &["--digest"]);
        // A signature over the digest verifies over the message, and over the digest with --digest.
        verify_cmd(&w, "admin", &sig, &msg, &[]).assert().success();
        verify_cmd(&w, "admin", &sig, digest, &["--digest"]).assert().success().stdout("valid (low-S)\n");
    }
}

#[test]
fn sign_digest_of_the_wrong_size_is_refused() {
    let w = signer_wallet();
    w.cmd().args(["sign", "admin", "--digest"]).write_stdin("abcdef").assert().code(2).stderr(
        predicate::str::contains("--digest expects a SHA-256 digest")
            .and(predicate::str::contains("hint: drop --digest")),
    );
}

#[test]
fn signatures_verify_with_openssl_and_are_all_low_s() {
    let w = signer_wallet();
    let pubkey = public_key_pem(&w, "admin");
    let half = half_n();
    for i in 0..24 {
        let name = format!("m{i}.txt");
        let msg = write(&w, &name, format!("message number {i}").as_bytes());
        let sig = w.tmp(&format!("m{i}.der"));
        sign_file(&w, "admin", &msg, &sig, &["--format", "der"]);
        let out = openssl(
            &["dgst", "-sha256", "-verify", pubkey.to_str().unwrap(), "-signature", sig.to_str().unwrap(), &name],
            w.dir.path(),
        );
        assert_eq!(String::from_utf8(out).unwrap().trim(), "Verified OK");
        let (_, s) = der_r_s(&std::fs::read(&sig).unwrap());
        assert!(s <= half, "signature {i} is high-S");
    }
}

#[test]
fn tampered_message_fails_with_exit_1() {
    let w = signer_wallet();
    let msg = write(&w, "msg.txt", b"pay 10 to bob");
    let sig = w.tmp("msg.sig");
    sign_file(&w, "admin", &msg, &sig, &[]);
    let tampered = write(&w, "tampered.txt", b"pay 99 to bob");
    verify_cmd(&w, "admin", &sig, &tampered, &[])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("error: signature does not verify").and(predicate::str::contains("hint: ")));
    let json = w
        .cmd()
        .args(["--output", "json", "verify", "admin", "--signature"])
        .arg(&sig)
        .arg("--in")
        .arg(&tampered)
        .assert()
        .code(1);
    let v: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).unwrap();
    assert_eq!(v["valid"], false);
    // openssl agrees.
    let pubkey = public_key_pem(&w, "admin");
    let der = w.tmp("msg.der");
    std::fs::write(&der, B64.decode(std::fs::read_to_string(&sig).unwrap().trim()).unwrap()).unwrap();
    let status = std::process::Command::new("openssl")
        .args(["dgst", "-sha256", "-verify", pubkey.to_str().unwrap(), "-signature", der.to_str().unwrap()])
        .arg(&tampered)
        .output()
        .unwrap()
        .status;
    assert!(!status.success());
}

#[test]
fn signature_by_another_key_fails() {
    let w = signer_wallet();
    w.import_id("appUser");
    let msg = write(&w, "msg.txt", b"hello");
    let sig = w.tmp("msg.sig");
    sign_file(&w, "appUser", &msg, &sig, &[]);
    verify_cmd(&w, "admin", &sig, &msg, &[]).assert().code(1);
}

#[test]
fn high_s_signature_is_valid_but_flagged() {
    let w = signer_wallet();
    let msg = write(&w, "msg.txt", b"malleable");
    let sig = w.tmp("low.der");
    sign_file(&w, "admin", &msg, &sig, &["--format", "der"]);
    let (r, s) = der_r_s(&std::fs::read(&sig).unwrap());
    let high = der_signature(&r, &negate(&s));
    let (_, hs) = der_r_s(&high);
    assert!(hs > half_n());
    let high_file = write(&w, "high.der", &high);
    // openssl accepts both forms: the high-S one is mathematically valid.
    let pubkey = public_key_pem(&w, "admin");
    openssl(
        &["dgst", "-sha256", "-verify", pubkey.to_str().unwrap(), "-signature", "high.der", "msg.txt"],
        w.dir.path(),
    );
    verify_cmd(&w, "admin", &high_file, &msg, &[])
        .assert()
        .success()
        .stdout("valid (high-S: Fabric rejects high-S signatures)\n");
    let v = w.json(["verify", "admin", "--signature", high_file.to_str().unwrap(), "--in", msg.to_str().unwrap()]);
    assert_eq!(v, serde_json::json!({ "valid": true, "low_s": false }));
}

#[test]
fn sign_json_output() {
    let w = signer_wallet();
    let msg = write(&w, "msg.txt", b"json please");
    let v = w.json(["sign", "admin", "--in", msg.to_str().unwrap()]);
    let digest = openssl(&["dgst", "-sha256", "-binary", "msg.txt"], w.dir.path());
    assert_eq!(v["sha256"], hex::encode(digest));
    assert_eq!(v["label"], "admin");
    der_r_s(&B64.decode(v["signature"].as_str().unwrap()).unwrap());
}

#[test]
fn garbage_signature_file_is_refused() {
    let w = signer_wallet();
    let msg = write(&w, "msg.txt", b"hello");
    let sig = write(&w, "bad.sig", b"this is not a signature");
    verify_cmd(&w, "admin", &sig, &msg, &[]).assert().code(1).stderr(
        predicate::str::contains("neither a DER ECDSA signature nor base64").and(predicate::str::contains("hint: ")),
    );
}

#[test]
fn verify_needs_a_label_or_a_certificate() {
    let w = signer_wallet();
    let msg = write(&w, "msg.txt", b"hello");
    w.cmd().args(["verify", "--signature"]).arg(&msg).arg("--in").arg(&msg).assert().code(2);
}

#[test]
fn sign_with_a_missing_label_exits_3() {
    let w = signer_wallet();
    w.cmd()
        .args(["sign", "ghost"])
        .write_stdin("x")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("no identity named \"ghost\""));
}

#[test]
fn openssl_signatures_verify_against_a_certificate_file() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = openssl_cert(dir.path(), "signer", "20250101000000Z", "20350101000000Z");
    std::fs::write(dir.path().join("msg.txt"), b"signed by openssl").unwrap();
    let (mut low, mut high) = (0, 0);
    // openssl does not normalise S, so both forms turn up: stop once each was seen twice.
    for i in 0..64 {
        if low >= 2 && high >= 2 {
            break;
        }
        let sig = dir.path().join(format!("sig{i}.der"));
        openssl(
            &["dgst", "-sha256", "-sign", key.to_str().unwrap(), "-out", sig.to_str().unwrap(), "msg.txt"],
            dir.path(),
        );
        let (_, s) = der_r_s(&std::fs::read(&sig).unwrap());
        let expected = if s <= half_n() {
            low += 1;
            "valid (low-S)\n"
        } else {
            high += 1;
            "valid (high-S: Fabric rejects high-S signatures)\n"
        };
        wallet_bin(dir.path())
            .args(["--wallet", "memory:", "verify", "--cert"])
            .arg(&cert)
            .arg("--signature")
            .arg(&sig)
            .arg("--in")
            .arg(dir.path().join("msg.txt"))
            .assert()
            .success()
            .stdout(expected);
        // The same signature as base64 text, the message on stdin.
        let b64 = dir.path().join(format!("sig{i}.b64"));
        std::fs::write(&b64, B64.encode(std::fs::read(&sig).unwrap()) + "\n").unwrap();
        wallet_bin(dir.path())
            .args(["verify", "--cert"])
            .arg(&cert)
            .arg("--signature")
            .arg(&b64)
            .write_stdin("signed by openssl")
            .assert()
            .success()
            .stdout(expected);
        wallet_bin(dir.path())
            .args(["verify", "--cert"])
            .arg(&cert)
            .arg("--signature")
            .arg(&sig)
            .write_stdin("signed by someone else")
            .assert()
            .code(1)
            .stderr(predicate::str::contains("signature does not verify"));
    }
    assert!(low >= 2 && high >= 2, "low-S {low}, high-S {high} in 64 openssl signatures");
}

#[test]
fn every_crypto_provider_signs_what_openssl_and_the_other_provider_verify() {
    let w = signer_wallet();
    let pubkey = public_key_pem(&w, "admin");
    let msg = write(&w, "p.txt", b"signed by each provider");
    for (signer, verifier) in [("aws-lc", "rustcrypto"), ("rustcrypto", "aws-lc")] {
        let sig = w.tmp(&format!("{signer}.der"));
        w.cmd()
            .env("WALLET_CRYPTO_PROVIDER", signer)
            .args(["sign", "admin", "--out-format", "der", "--in"])
            .arg(&msg)
            .arg("--out")
            .arg(&sig)
            .assert()
            .success();
        let out = openssl(
            &["dgst", "-sha256", "-verify", pubkey.to_str().unwrap(), "-signature", sig.to_str().unwrap(), "p.txt"],
            w.dir.path(),
        );
        assert_eq!(String::from_utf8(out).unwrap().trim(), "Verified OK", "{signer}");
        verify_cmd(&w, "admin", &sig, &msg, &[])
            .env("WALLET_CRYPTO_PROVIDER", verifier)
            .assert()
            .success()
            .stdout("valid (low-S)\n");
    }
}

#[test]
fn an_unknown_crypto_provider_is_a_clear_error() {
    let w = signer_wallet();
    let msg = write(&w, "u.txt", b"m");
    let out = w
        .cmd()
        .env("WALLET_CRYPTO_PROVIDER", "openssl")
        .args(["sign", "admin", "--in"])
        .arg(&msg)
        .assert()
        .failure()
        .stdout("");
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("\"openssl\"") && err.contains("aws-lc, rustcrypto"), "{err}");
    assert!(err.contains("WALLET_CRYPTO_PROVIDER"), "{err}");
}
