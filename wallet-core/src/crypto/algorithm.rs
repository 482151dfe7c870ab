//! Naming the algorithm of a private key that is not the one this toolkit uses, so an error can
//! say what was found ("an RSA key") rather than what was expected.

use der::asn1::ObjectIdentifier as Oid;
use der::Decode;

const RSA: Oid = Oid::new_unwrap("1.2.840.113549.1.1.1");
const RSA_PSS: Oid = Oid::new_unwrap("1.2.840.113549.1.1.10");
const DSA: Oid = Oid::new_unwrap("1.2.840.10040.4.1");
const EC: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
const ED25519: Oid = Oid::new_unwrap("1.3.101.112");
const ED448: Oid = Oid::new_unwrap("1.3.101.113");
const X25519: Oid = Oid::new_unwrap("1.3.101.110");
const X448: Oid = Oid::new_unwrap("1.3.101.111");
const P256: Oid = Oid::new_unwrap("1.2.840.10045.3.1.7");
const P384: Oid = Oid::new_unwrap("1.3.132.0.34");
const P521: Oid = Oid::new_unwrap("1.3.132.0.35");
const P224: Oid = Oid::new_unwrap("1.3.132.0.33");
const SECP256K1: Oid = Oid::new_unwrap("1.3.132.0.10");

/// The name of a named curve.
fn curve(oid: Oid) -> String {
    match oid {
        P256 => "ECDSA P-256".into(),
        P384 => "ECDSA P-384".into(),
        P521 => "ECDSA P-521".into(),
        P224 => "ECDSA P-224".into(),
        SECP256K1 => "ECDSA secp256k1".into(),
        other => format!("elliptic-curve (curve {other})"),
    }
}

/// The algorithm of a PKCS#8 `PrivateKeyInfo`, if the DER is one.
pub(crate) fn of_pkcs8(der: &[u8]) -> Option<String> {
    let info = pkcs8::PrivateKeyInfo::from_der(der).ok()?;
    let algorithm = info.algorithm;
    Some(match algorithm.oid {
        RSA | RSA_PSS => "RSA".into(),
        DSA => "DSA".into(),
        ED25519 => "Ed25519".into(),
        ED448 => "Ed448".into(),
        X25519 => "X25519".into(),
        X448 => "X448".into(),
        EC => match algorithm.parameters_oid() {
            Ok(named) => curve(named),
            Err(_) => match sec1::EcPrivateKey::from_der(info.private_key).ok().and_then(|k| k.parameters) {
                Some(sec1::EcParameters::NamedCurve(named)) => curve(named),
                _ => "elliptic-curve (no named curve)".into(),
            },
        },
        other => format!("unknown algorithm {other}"),
    })
}

/// The curve of a SEC1 `ECPrivateKey`, if the DER is one and names it.
pub(crate) fn of_sec1(der: &[u8]) -> Option<String> {
    match sec1::EcPrivateKey::from_der(der).ok()?.parameters? {
        sec1::EcParameters::NamedCurve(named) => Some(curve(named)),
    }
}

#[cfg(test)]
mod tests {
    use crate::crypto::parse_private_key_pem;
    use std::process::Command;

    /// A private key made by the `openssl` CLI, as PEM.
    fn openssl_key(args: &[&str]) -> Vec<u8> {
        let out = Command::new("openssl").args(args).output().expect("the openssl CLI runs");
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }

    #[test]
    fn errors_name_the_algorithm_found() {
        let cases: [(&[&str], &str); 5] = [
            (&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"], "RSA key"),
            (&["genpkey", "-algorithm", "ED25519"], "Ed25519 key"),
            (&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384"], "ECDSA P-384 key"),
            (&["ecparam", "-name", "secp384r1", "-genkey", "-noout"], "ECDSA P-384 key"),
            (&["genrsa", "-traditional", "2048"], "RSA key"),
        ];
        for (args, found) in cases {
            let pem = openssl_key(args);
            let err = parse_private_key_pem(&pem, "key.pem").unwrap_err().to_string();
            assert!(err.contains(found), "openssl {args:?}: {err}");
            assert!(err.contains("only ECDSA P-256"), "{err}");
            assert!(!err.contains("1.2.840.10045.3.1.7"), "names P-256's OID: {err}");
        }
        // P-256 itself still parses.
        let pem = openssl_key(&["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]);
        parse_private_key_pem(&pem, "key.pem").unwrap();
    }
}
