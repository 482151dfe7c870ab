//! Formats people already hand around: the Fabric Operations Console's identity JSON and
//! Hyperledger Composer business network cards, round-tripped through the CLI. The cards are
//! also read and written by Python's `zipfile` (another zip implementation, as Composer's
//! JSZip is), and the console JSON is given in the shapes the console writes (base64 of CRLF
//! PEM, as in its documentation's sample; an array, as "Upload JSON" takes).

use crate::common::*;
use base64::Engine;
use predicates::prelude::*;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn wallet_with_user() -> TestWallet {
    let w = TestWallet::new();
    w.ok(["ca", "init", "org1-ca", "--msp-id", "Org1MSP"]);
    let secret = w.ok(["ca", "register", "user1", "--type", "client", "--affiliation", "org1"]);
    let path = w.tmp("user1.secret");
    std::fs::write(&path, secret).unwrap();
    w.ok(["ca", "enroll", "user1", "--secret-file", path.to_str().unwrap()]);
    w
}

fn python(script: &str, args: &[&std::path::Path]) -> String {
    let out = std::process::Command::new("python3").arg("-c").arg(script).args(args).output().expect("python3 runs");
    assert!(out.status.success(), "python3: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The same signature check from both wallets: the imported key is the exported one.
fn same_identity(a: &TestWallet, a_label: &str, b: &TestWallet, b_label: &str) {
    assert_eq!(a.ok(["export", a_label, "--format", "cert"]), b.ok(["export", b_label, "--format", "cert"]));
    let msg = a.tmp("m");
    std::fs::write(&msg, b"round trip").unwrap();
    let sig = b.tmp("sig");
    b.ok(["sign", b_label, "--in", msg.to_str().unwrap(), "--out", sig.to_str().unwrap()]);
    a.ok(["verify", a_label, "--signature", sig.to_str().unwrap(), "--in", msg.to_str().unwrap()]);
}

#[test]
fn console_identity_json_round_trips() {
    let w = wallet_with_user();
    let file = w.tmp("user1_identity.json");
    w.cmd()
        .args(["export", "user1", "--format", "console", "--out", file.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--insecure"));
    assert!(!file.exists());
    w.ok(["export", "user1", "--format", "console", "--out", file.to_str().unwrap(), "--insecure"]);
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["cert", "name", "private_key", "type"]);
    assert_eq!((v["name"].as_str(), v["type"].as_str()), (Some("user1"), Some("identity")));
    let key_pem = String::from_utf8(B64.decode(v["private_key"].as_str().unwrap()).unwrap()).unwrap();
    assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----"));

    let other = TestWallet::new();
    other.cmd().arg("import").arg(&file).assert().code(2).stderr(predicate::str::contains("--msp-id"));
    other.cmd().arg("import").arg(&file).args(["--msp-id", "Org1MSP"]).assert().success();
    same_identity(&w, "user1", &other, "user1");
    assert_eq!(other.json(["show", "user1"])["msp_id"], "Org1MSP");

    // The console's own shapes: CRLF PEM in base64, several identities in an array, one entry
    // that is not an identity (refused, the others imported).
    let crlf = |pem: &str| B64.encode(pem.replace('\n', "\r\n"));
    let cert_pem = String::from_utf8(B64.decode(v["cert"].as_str().unwrap()).unwrap()).unwrap();
    let array = serde_json::json!([
        { "cert": crlf(&cert_pem), "name": "Org1 Admin", "private_key": crlf(&key_pem), "type": "identity" },
        { "name": "plain", "cert": cert_pem, "private_key": key_pem },
        { "name": "peer0", "type": "fabric-peer", "api_url": "grpcs://peer0:7051" },
    ]);
    let all = w.tmp("all.json");
    std::fs::write(&all, serde_json::to_vec_pretty(&array).unwrap()).unwrap();
    let third = TestWallet::new();
    third
        .cmd()
        .arg("import")
        .arg(&all)
        .args(["--msp-id", "Org1MSP"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("imported Org1 Admin").and(predicate::str::contains("imported plain")))
        .stderr(predicate::str::contains("entry 3").and(predicate::str::contains("fabric-peer")));
    same_identity(&w, "user1", &third, "Org1 Admin");
    same_identity(&w, "user1", &third, "plain");
}

#[test]
fn composer_cards_round_trip() {
    let w = wallet_with_user();
    let card = w.tmp("user1.card");
    w.cmd()
        .args(["export", "user1", "--format", "card", "--out", card.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--insecure"));
    w.ok(["export", "user1", "--format", "card", "--out", card.to_str().unwrap(), "--insecure"]);
    // Another zip reader sees Composer's layout.
    let listing = python(
        "import sys, zipfile, json\n\
         z = zipfile.ZipFile(sys.argv[1])\n\
         print(sorted(n for n in z.namelist() if not n.endswith('/')))\n\
         m = json.loads(z.read('metadata.json'))\n\
         print(m['version'], m['userName'])\n\
         c = json.loads(z.read('connection.json'))\n\
         print(c['name'], c['organizations'][c['client']['organization']]['mspid'])\n\
         print(z.read('credentials/privateKey').decode().splitlines()[0])",
        &[&card],
    );
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines[0], "['connection.json', 'credentials/certificate', 'credentials/privateKey', 'metadata.json']");
    assert_eq!(lines[1], "1 user1");
    assert!(lines[2].ends_with(" Org1MSP"), "{listing}");
    assert_eq!(lines[3], "-----BEGIN PRIVATE KEY-----");
    let other = TestWallet::new();
    other.cmd().arg("import").arg(&card).assert().success().stdout(predicate::str::contains("imported user1"));
    same_identity(&w, "user1", &other, "user1");

    // A card as Composer 0.19 wrote them, made by another zip writer, with the profile's
    // organization naming the MSP; and a version-0 card (enrollmentId, no version).
    let pem_dir = w.tmp("pem");
    w.ok(["export", "user1", "--format", "pem", "--out", pem_dir.to_str().unwrap(), "--insecure"]);
    let legacy = w.tmp("PeerAdmin@hlfv1.card");
    let v0 = w.tmp("v0.card");
    python(
        r#"
import sys, zipfile, json
cert = open(sys.argv[1] + '/cert.pem').read().split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n'
key = open(sys.argv[1] + '/key.pem').read()
profile = {'name': 'hlfv1', 'x-type': 'hlfv1', 'version': '1.0.0', 'client': {'organization': 'Org1'},
           'organizations': {'Org1': {'mspid': 'Org1MSP', 'peers': ['peer0.org1.example.com']}}}
cards = ((sys.argv[2], {'version': 1, 'userName': 'PeerAdmin', 'roles': ['PeerAdmin', 'ChannelAdmin']}),
         (sys.argv[3], {'enrollmentId': 'olduser', 'name': 'old'}))
for path, meta in cards:
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as z:
        z.writestr('connection.json', json.dumps(profile))
        z.writestr('metadata.json', json.dumps(meta))
        z.writestr('credentials/certificate', cert)
        z.writestr('credentials/privateKey', key)
"#,
        &[&pem_dir, &legacy, &v0],
    );
    other.cmd().arg("import").arg(&legacy).assert().success().stdout(predicate::str::contains("imported PeerAdmin"));
    other.cmd().arg("import").arg(&v0).arg("--format").arg("card").assert().success();
    assert_eq!(other.json(["show", "olduser"])["msp_id"], "Org1MSP");
    same_identity(&w, "user1", &other, "PeerAdmin");
    // Not a card: a clear refusal naming the file.
    let bad = w.tmp("bad.card");
    std::fs::write(&bad, b"PK\x03\x04 truncated").unwrap();
    other.cmd().arg("import").arg(&bad).assert().code(1).stderr(predicate::str::contains("bad.card"));
}

#[test]
fn man_pages_and_completions_are_built_and_installable() {
    let w = TestWallet::new();
    let prefix = w.tmp("prefix");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/install.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .env("PREFIX", &prefix)
        .env("WALLET", env!("CARGO_BIN_EXE_wallet"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let man1 = prefix.join("share/man/man1");
    for page in ["wallet.1", "wallet-sign.1", "wallet-ca.1", "wallet-ca-enroll.1", "wallet-export.1"] {
        let text = std::fs::read_to_string(man1.join(page)).unwrap_or_else(|e| panic!("{page}: {e}"));
        assert!(text.starts_with(".ie") || text.contains(".TH"), "{page} is not a man page");
    }
    assert!(!man1.join("wallet-ca-export-msp.1").exists(), "hidden, deprecated verbs get no page");
    let sign = std::fs::read_to_string(man1.join("wallet-sign.1")).unwrap();
    assert!(sign.contains("format") && sign.contains("LABEL"), "{sign}");
    let bash = std::fs::read_to_string(prefix.join("share/bash-completion/completions/wallet")).unwrap();
    assert!(bash.contains("complete") && bash.contains("bulk-enroll"));
    assert!(prefix.join("share/zsh/site-functions/_wallet").is_file());
    assert!(prefix.join("share/fish/vendor_completions.d/wallet.fish").is_file());
    assert!(prefix.join("bin/wallet").is_file());
}
