//! The interchange formats against files written by the real Fabric tools (tests/fixtures):
//! Node `fabric-network` 2.2.20 `.id` files and `fabric-ca-client` 1.5.21 MSP folders.

use base64::{engine::general_purpose::STANDARD as B64, Engine};
use std::path::{Path, PathBuf};
use std::process::Command;
use wallet_core::crypto::{keystore_ski, sha256, verify, KeyError};
use wallet_core::formats::{id, msp, pem_pair, serialized};
use wallet_core::{Certificate, Error, Identity};
use wallet_tests::pki::TestCa;
use wallet_tests::tools::{fixtures, run_ok};

fn sdk_wallet() -> PathBuf {
    fixtures().join("fabric-network-2.2.20/wallet")
}

fn ca_fixtures() -> PathBuf {
    fixtures().join("fabric-ca-1.5.21")
}

const REFUSED: [&str; 2] = ["badtype.id", "badver.id"];

/// The `.id` files the SDK accepts (every fixture but the two refused ones).
fn good_id_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(sdk_wallet())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "id"))
        .filter(|p| !REFUSED.contains(&p.file_name().unwrap().to_str().unwrap()))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "fixtures missing: {files:?}");
    files
}

/// DER of the first PEM block, decoded here without the library's PEM code.
fn pem_body(pem: &str) -> Vec<u8> {
    let b64: String = pem
        .lines()
        .map(str::trim_end)
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    B64.decode(b64).unwrap()
}

fn fixture_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The key really is the certificate's: a signature made with it verifies under the certificate's key.
fn assert_key_matches(identity: &Identity) {
    let sig = identity.sign(b"does the key match?").unwrap();
    verify(&identity.certificate().public_key().unwrap(), b"does the key match?", &sig).unwrap();
}

#[test]
fn node_sdk_wallet_files_import() {
    for path in good_id_files() {
        let identity = id::read_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let json = fixture_json(&path);
        assert_eq!(identity.label(), path.file_stem().unwrap().to_str().unwrap());
        assert_eq!(identity.msp_id(), json["mspId"].as_str().unwrap(), "{}", path.display());
        let cert_pem = json["credentials"]["certificate"].as_str().unwrap();
        assert_eq!(identity.certificate().der(), pem_body(cert_pem), "{}", path.display());
        assert_key_matches(&identity);
    }
}

#[test]
fn node_sdk_refused_files_say_why() {
    let hsm = id::read_file(&sdk_wallet().join("badtype.id")).unwrap_err();
    let text = hsm.to_string();
    assert!(text.contains("\"HSM-X.509\""), "{text}");
    assert!(text.contains("hardware security module (HSM)") && text.contains("does not support"), "{text}");
    assert!(text.contains("certificate-only identity cannot be imported"), "{text}");
    assert!(text.contains("badtype.id"), "{text}");

    let ver = id::read_file(&sdk_wallet().join("badver.id")).unwrap_err();
    let text = ver.to_string();
    assert!(matches!(ver, Error::UnsupportedVersion { .. }), "{ver:?}");
    assert!(text.contains("unsupported identity version 2") && text.contains("badver.id"), "{text}");
    assert!(text.contains("this build reads 1"), "{text}");
    assert!(ver.hint().is_some());
}

#[test]
fn node_sdk_wallet_folder_one_result_per_file() {
    let results = id::read_dir(&sdk_wallet()).unwrap();
    let labels: Vec<&str> = results.iter().map(|(l, _)| l.as_str()).collect();
    let mut expected: Vec<String> =
        good_id_files().iter().map(|p| p.file_stem().unwrap().to_string_lossy().into()).collect();
    expected.extend(REFUSED.iter().map(|f| f.trim_end_matches(".id").to_string()));
    expected.sort();
    assert_eq!(labels, expected);
    for (label, result) in &results {
        let refused = REFUSED.contains(&format!("{label}.id").as_str());
        assert_eq!(result.is_err(), refused, "{label}: {result:?}");
    }
}

/// The public key of a PEM file as openssl prints it (certificate or private key).
fn openssl_public_key(path: &Path, is_cert: bool) -> String {
    let out = if is_cert {
        run_ok(Command::new("openssl").args(["x509", "-pubkey", "-noout", "-in"]).arg(path))
    } else {
        run_ok(Command::new("openssl").args(["pkey", "-pubout", "-in"]).arg(path))
    };
    String::from_utf8(out).unwrap()
}

#[test]
fn fabric_ca_msp_folders_import() {
    let ca = Certificate::from_pem(&std::fs::read(ca_fixtures().join("ca-cert.pem")).unwrap(), "ca").unwrap();
    for name in ["msp-admin", "msp-user2"] {
        let dir = ca_fixtures().join(name);
        let loaded = msp::load(&dir, name, "Org1MSP").unwrap_or_else(|e| panic!("{name}: {e}"));
        let identity = &loaded.identity;
        assert_eq!(identity.msp_id(), "Org1MSP");
        assert_eq!(loaded.cert_file, dir.join("signcerts/cert.pem"));
        assert_eq!(identity.chain(), std::slice::from_ref(&ca), "{name}");
        assert_key_matches(identity);

        // Which keystore file holds the certificate's key, decided by openssl alone.
        let cert_pub = openssl_public_key(&dir.join("signcerts/cert.pem"), true);
        let mut matching = Vec::new();
        for entry in std::fs::read_dir(dir.join("keystore")).unwrap() {
            let path = entry.unwrap().path();
            if openssl_public_key(&path, false) == cert_pub {
                matching.push(path);
            }
        }
        assert_eq!(matching.len(), 1, "{name}: expected one matching key, openssl found {matching:?}");
        assert_eq!(loaded.key_file, matching[0], "{name}");
    }
    let user2_keys = std::fs::read_dir(ca_fixtures().join("msp-user2/keystore")).unwrap().count();
    assert_eq!(user2_keys, 2, "the fixture should hold the stale key from enroll beside the reenrolled one");
    let admin = msp::load(&ca_fixtures().join("msp-admin"), "admin", "Org1MSP").unwrap();
    assert!(admin.crl_pem.unwrap().starts_with("-----BEGIN X509 CRL-----"));
}

/// Positions of the top-level and credential keys in `.id` text, in the order they appear.
fn key_order(text: &str) -> Vec<&'static str> {
    let mut found: Vec<(usize, &'static str)> =
        ["\"credentials\":", "\"certificate\":", "\"privateKey\":", "\"mspId\":", "\"type\":", "\"version\":"]
            .into_iter()
            .filter_map(|k| text.find(k).map(|at| (at, k)))
            .collect();
    found.sort();
    found.into_iter().map(|(_, k)| k).collect()
}

#[test]
fn id_round_trip_keeps_node_structure() {
    let tmp = tempfile::tempdir().unwrap();
    for path in good_id_files() {
        let original = id::read_file(&path).unwrap();
        let written = id::write_file(tmp.path(), &original, false).unwrap();
        assert_eq!(written, tmp.path().join(path.file_name().unwrap()));
        let again = id::read_file(&written).unwrap();
        assert_eq!(again.certificate(), original.certificate());
        assert_eq!(again.msp_id(), original.msp_id());
        assert_eq!(again.signer().export_pkcs8_der(), original.signer().export_pkcs8_der());

        // Same bytes as Node's file once the PEM strings are swapped for the originals: key order,
        // separators, no white space, no trailing newline.
        let ours = std::fs::read_to_string(&written).unwrap();
        let theirs = std::fs::read_to_string(&path).unwrap();
        let (ours_json, theirs_json) = (serde_json::from_str::<serde_json::Value>(&ours).unwrap(), fixture_json(&path));
        let swap = |field: &str| {
            (
                serde_json::to_string(&ours_json["credentials"][field]).unwrap(),
                serde_json::to_string(&theirs_json["credentials"][field]).unwrap(),
            )
        };
        let (cert_ours, cert_theirs) = swap("certificate");
        let (key_ours, key_theirs) = swap("privateKey");
        assert_eq!(
            ours.replace(&cert_ours, &cert_theirs).replace(&key_ours, &key_theirs),
            theirs,
            "{}",
            path.display()
        );
        assert_eq!(key_order(&ours), key_order(&theirs));
        assert!(ours_json["credentials"]["privateKey"].as_str().unwrap().starts_with("-----BEGIN PRIVATE KEY-----\n"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&written).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}

fn tree(dir: &Path) -> Vec<(String, u32)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, u32)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::metadata(&path).unwrap();
            #[cfg(unix)]
            let mode = std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o777;
            #[cfg(not(unix))]
            let mode = 0;
            let rel = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
            if meta.is_dir() {
                out.push((format!("{rel}/"), mode));
                walk(root, &path, out);
            } else {
                out.push((rel, mode));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn msp_round_trip_has_fabric_ca_client_layout() {
    let src = ca_fixtures().join("msp-user2");
    let loaded = msp::load(&src, "user2", "Org1MSP").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("msp");
    let opts = msp::WriteOptions { ca_file_stem: Some("127-0-0-1-7055".into()), node_ous: false, ..Default::default() };
    msp::write_dir(&out, &loaded.identity, &opts).unwrap();

    let key_name = format!("{}_sk", hex::encode(keystore_ski(&loaded.identity.certificate().public_key().unwrap())));
    // fabric-ca-client names the key file the same way: the matching fixture key has this name.
    assert_eq!(loaded.key_file.file_name().unwrap().to_str().unwrap(), key_name);
    let expected: Vec<(String, u32)> = vec![
        ("cacerts/".into(), 0o700),
        ("cacerts/127-0-0-1-7055.pem".into(), 0o600),
        ("keystore/".into(), 0o700),
        (format!("keystore/{key_name}"), 0o600),
        ("signcerts/".into(), 0o700),
        ("signcerts/cert.pem".into(), 0o600),
    ];
    #[cfg(unix)]
    assert_eq!(tree(&out), expected);
    // The certificates are byte for byte what fabric-ca-client wrote.
    for file in ["signcerts/cert.pem", "cacerts/127-0-0-1-7055.pem"] {
        assert_eq!(std::fs::read(out.join(file)).unwrap(), std::fs::read(src.join(file)).unwrap(), "{file}");
    }
    // The key file holds the same key (PKCS#8 PEM) as fabric-ca-client's.
    let ours = std::fs::read_to_string(out.join("keystore").join(&key_name)).unwrap();
    let theirs = std::fs::read_to_string(&loaded.key_file).unwrap();
    assert!(ours.starts_with("-----BEGIN PRIVATE KEY-----\n"));
    assert_eq!(pem_body(&ours), pem_body(&theirs));

    let again = msp::load(&out, "user2", "Org1MSP").unwrap();
    assert_eq!(again.identity.certificate(), loaded.identity.certificate());
    assert_eq!(again.identity.chain(), loaded.identity.chain());
    assert_eq!(again.identity.signer().export_pkcs8_der(), loaded.identity.signer().export_pkcs8_der());
}

#[test]
fn msp_write_with_node_ous_crl_and_intermediates() {
    let root = TestCa::root("Root CA");
    let mid = root.intermediate("Issuing CA");
    let identity = mid.enroll("peer0", "Org1MSP", vec![mid.cert.clone(), root.cert.clone()]);
    let crl = std::fs::read_to_string(ca_fixtures().join("msp-admin/crls/crl.pem")).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let opts = msp::WriteOptions { crl_pem: Some(crl.clone()), ..Default::default() };
    msp::write_dir(tmp.path(), &identity, &opts).unwrap();
    let names: Vec<String> = tree(tmp.path())
        .into_iter()
        .map(|(n, _)| if n.starts_with("keystore/") && n.ends_with("_sk") { "keystore/KEY".into() } else { n })
        .collect();
    assert_eq!(
        names,
        [
            "cacerts/",
            "cacerts/ca.pem",
            "config.yaml",
            "crls/",
            "crls/crl.pem",
            "intermediatecerts/",
            "intermediatecerts/ca.pem",
            "keystore/",
            "keystore/KEY",
            "signcerts/",
            "signcerts/cert.pem"
        ]
    );
    assert_eq!(std::fs::read_to_string(tmp.path().join("crls/crl.pem")).unwrap(), crl);
    let config = std::fs::read_to_string(tmp.path().join("config.yaml")).unwrap();
    for ou in ["client", "peer", "admin", "orderer"] {
        assert!(config.contains(&format!("OrganizationalUnitIdentifier: {ou}\n")), "{config}");
    }
    // The NodeOU certifier is the CA that issued the identity: the intermediate.
    assert_eq!(config.matches("Certificate: \"intermediatecerts/ca.pem\"").count(), 4, "{config}");
    let root_file =
        Certificate::parse_pem_chain(&std::fs::read(tmp.path().join("cacerts/ca.pem")).unwrap(), "r").unwrap();
    assert_eq!(root_file, std::slice::from_ref(&root.cert));
    let mid_file =
        Certificate::parse_pem_chain(&std::fs::read(tmp.path().join("intermediatecerts/ca.pem")).unwrap(), "i")
            .unwrap();
    assert_eq!(mid_file, std::slice::from_ref(&mid.cert));
    let back = msp::load(tmp.path(), "peer0", "Org1MSP").unwrap();
    assert_eq!(back.identity.chain(), identity.chain());
    assert_eq!(back.crl_pem.as_deref(), Some(crl.as_str()));
}

#[test]
fn pem_pair_round_trip_from_fixtures() {
    let loaded = msp::read_dir(&ca_fixtures().join("msp-user2"), "user2", "Org1MSP").unwrap();
    let (chain, key) = pem_pair::to_pem(&loaded).unwrap();
    let back = pem_pair::parse("user2", "Org1MSP", chain.as_bytes(), key.as_bytes()).unwrap();
    assert_eq!(back.certificate(), loaded.certificate());
    assert_eq!(back.chain(), loaded.chain());
    assert_eq!(back.signer().export_pkcs8_der(), loaded.signer().export_pkcs8_der());
    // The certificate PEM is what fabric-ca-client wrote, then the CA's.
    let expected = std::fs::read_to_string(ca_fixtures().join("msp-user2/signcerts/cert.pem")).unwrap()
        + &std::fs::read_to_string(ca_fixtures().join("ca-cert.pem")).unwrap();
    assert_eq!(chain, expected);

    // SEC1 key with CRLF from a Node fixture.
    let json = fixture_json(&sdk_wallet().join("nodeSec1.id"));
    let cert = json["credentials"]["certificate"].as_str().unwrap();
    let key = json["credentials"]["privateKey"].as_str().unwrap();
    assert!(key.starts_with("-----BEGIN EC PRIVATE KEY-----"));
    let identity = pem_pair::parse("n", "Org1MSP", cert.as_bytes(), key.as_bytes()).unwrap();
    assert_key_matches(&identity);
}

fn varint(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
    out
}

#[test]
fn serialized_identity_bytes() {
    // Node puts the certificate PEM it was given (CRLF here) into id_bytes.
    let json = fixture_json(&sdk_wallet().join("appUser.id"));
    let cert_crlf = json["credentials"]["certificate"].as_str().unwrap();
    let node_form = serialized::encode("Org1MSP", cert_crlf.as_bytes());
    let mut prefix = vec![0x0a, 0x07];
    prefix.extend_from_slice(b"Org1MSP");
    prefix.extend_from_slice(&[0x12, 0x82, 0x04]);
    prefix.extend_from_slice(b"-----BEGIN CERTIFICATE-----\r\n");
    assert_eq!(&node_form[..prefix.len()], &prefix[..], "fabric.md section 7: 0a 07 Org1MSP 12 82 04 ...");
    assert_eq!(serialized::decode(&node_form).unwrap(), ("Org1MSP".to_string(), cert_crlf.as_bytes().to_vec()));

    // serialize() uses Fabric Go's form: the certificate re-encoded as PEM with LF.
    let identity = id::read_file(&sdk_wallet().join("appUser.id")).unwrap();
    let bytes = serialized::serialize(&identity);
    let lf = cert_crlf.replace("\r\n", "\n");
    let mut expected = vec![0x0a, 0x07];
    expected.extend_from_slice(b"Org1MSP");
    expected.push(0x12);
    expected.extend(varint(lf.len()));
    expected.extend_from_slice(lf.as_bytes());
    assert_eq!(bytes, expected);
    let (msp_id, cert) = serialized::decode_certificate(&bytes).unwrap();
    assert_eq!((msp_id.as_str(), &cert), ("Org1MSP", identity.certificate()));
    assert_eq!(sha256(&bytes), sha256(&expected));

    for cut in [1, 5, 10, 12, bytes.len() - 1] {
        assert!(serialized::decode(&bytes[..cut]).is_err(), "truncated at {cut}");
    }
}

// ---- bad input: each a clear error, with a hint, and nothing half-done ----

fn expect_err<T: std::fmt::Debug>(r: wallet_core::Result<T>, needles: &[&str]) -> Error {
    let err = r.expect_err("should be refused");
    let text = err.to_string();
    for n in needles {
        assert!(text.contains(n), "{text:?} lacks {n:?}");
    }
    assert!(err.hint().is_some(), "no hint for {err:?}");
    err
}

/// A copy of an MSP fixture in a temporary folder, writable.
fn copy_msp(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let src = ca_fixtures().join(name);
    for (rel, _) in tree(&src) {
        let (from, to) = (src.join(&rel), tmp.path().join(&rel));
        if rel.ends_with('/') {
            std::fs::create_dir_all(to).unwrap();
        } else {
            std::fs::write(to, std::fs::read(from).unwrap()).unwrap();
        }
    }
    tmp
}

#[test]
fn malformed_pem_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut json = fixture_json(&sdk_wallet().join("admin.id"));
    json["credentials"]["certificate"] =
        "-----BEGIN CERTIFICATE-----\nthis is not base64\n-----END CERTIFICATE-----\n".into();
    let path = tmp.path().join("broken.id");
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    expect_err(id::read_file(&path), &["broken.id", "credentials.certificate"]);

    let msp = copy_msp("msp-admin");
    std::fs::write(msp.path().join("signcerts/cert.pem"), b"-----BEGIN CERTIFICATE-----\n%%%\n").unwrap();
    expect_err(msp::read_dir(msp.path(), "admin", "Org1MSP"), &["signcerts/cert.pem"]);

    let key =
        std::fs::read(ca_fixtures().join("msp-admin/keystore").read_dir().unwrap().next().unwrap().unwrap().path())
            .unwrap();
    let err = expect_err(pem_pair::parse("a", "Org1MSP", b"just text", &key), &["certificate PEM"]);
    assert!(matches!(err, Error::Pem { .. }));
    let cert = std::fs::read(ca_fixtures().join("msp-admin/signcerts/cert.pem")).unwrap();
    expect_err(
        pem_pair::parse("a", "Org1MSP", &cert, b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
        &["private key PEM"],
    );
}

#[test]
fn key_certificate_mismatch_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut json = fixture_json(&sdk_wallet().join("admin.id"));
    let other = fixture_json(&sdk_wallet().join("appUser.id"));
    json["credentials"]["privateKey"] = other["credentials"]["privateKey"].clone();
    let path = tmp.path().join("mixed.id");
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    let err = expect_err(id::read_file(&path), &["does not match the certificate", "mixed.id"]);
    assert!(matches!(err, Error::Key(KeyError::Mismatch { .. })));

    let cert = std::fs::read(ca_fixtures().join("msp-admin/signcerts/cert.pem")).unwrap();
    let user2_keys = ca_fixtures().join("msp-user2/keystore");
    let key = std::fs::read(user2_keys.read_dir().unwrap().next().unwrap().unwrap().path()).unwrap();
    let err = expect_err(pem_pair::parse("a", "Org1MSP", &cert, &key), &["does not match"]);
    assert!(matches!(err, Error::Key(KeyError::Mismatch { .. })));

    // An MSP whose only key belongs to someone else.
    let msp = copy_msp("msp-admin");
    let ks = msp.path().join("keystore");
    for e in std::fs::read_dir(&ks).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    std::fs::write(ks.join("priv_sk"), &key).unwrap();
    let folder = msp.path().display().to_string();
    expect_err(msp::read_dir(msp.path(), "admin", "Org1MSP"), &[&folder, "priv_sk: another key"]);
}

#[test]
fn labels_with_path_separators_are_refused() {
    let json = std::fs::read(sdk_wallet().join("admin.id")).unwrap();
    for label in ["../evil", "a/b", "a\\b", ".."] {
        let err = expect_err(id::parse(label, &json, "admin.id"), &["invalid label"]);
        assert!(matches!(err, Error::InvalidLabel { .. }));
        expect_err(msp::read_dir(&ca_fixtures().join("msp-admin"), label, "Org1MSP"), &["invalid label"]);
    }
    let identity = id::read_file(&sdk_wallet().join("admin.id")).unwrap();
    expect_err(identity.clone().with_label("../../etc/passwd"), &["path separator"]);
    let tmp = tempfile::tempdir().unwrap();
    let opts = msp::WriteOptions { ca_file_stem: Some("../ca".into()), ..Default::default() };
    expect_err(msp::write_dir(tmp.path(), &identity, &opts), &["CA file name"]);
    assert_eq!(std::fs::read_dir(tmp.path()).unwrap().count(), 0, "a refused write created files");
}

#[test]
fn missing_signcerts_is_refused() {
    let msp = copy_msp("msp-admin");
    std::fs::remove_dir_all(msp.path().join("signcerts")).unwrap();
    let folder = msp.path().display().to_string();
    expect_err(msp::read_dir(msp.path(), "admin", "Org1MSP"), &[&folder, "no signcerts/ folder"]);
    std::fs::create_dir(msp.path().join("signcerts")).unwrap();
    expect_err(msp::read_dir(msp.path(), "admin", "Org1MSP"), &[&folder, "signcerts/ is empty"]);
    expect_err(msp::read_dir(&msp.path().join("nope"), "admin", "Org1MSP"), &["nope"]);
}

#[test]
fn empty_keystore_is_refused() {
    let msp = copy_msp("msp-user2");
    let ks = msp.path().join("keystore");
    for e in std::fs::read_dir(&ks).unwrap() {
        std::fs::remove_file(e.unwrap().path()).unwrap();
    }
    let folder = msp.path().display().to_string();
    expect_err(msp::read_dir(msp.path(), "user2", "Org1MSP"), &[&folder, "keystore/ is empty", "signcerts/cert.pem"]);
    std::fs::remove_dir(&ks).unwrap();
    expect_err(msp::read_dir(msp.path(), "user2", "Org1MSP"), &[&folder, "no keystore/ folder"]);
}
