//! Secret hygiene (issue 13): the `Debug` form of every type that carries a secret — a
//! passphrase, a token, an enrolment secret, a private key, open options, records in flight,
//! an identity and a wallet holding one — shows none of it.

use std::sync::Arc;
use wallet_core::backend::{BatchPut, Expect, MemoryBackend, OpenOptions, Passphrase, RecordKey, Secret as Token};
use wallet_core::ca::{CaOptions, CertificateAuthority, EnrollRequest, Secret, SystemClock};
use wallet_core::crypto::SoftwareKey;
use wallet_core::Wallet;

const PASSPHRASE: &str = "passphrase-that-must-not-show";
const TOKEN: &str = "s.token-that-must-not-show";
const SECRET: &str = "Enrolment-Secret-That-Must-Not-Show";

fn assert_hidden(what: &str, debug: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!debug.contains(secret), "{what}'s Debug shows a secret: {debug}");
    }
}

#[test]
fn debug_never_shows_a_secret() {
    let options = OpenOptions::new().with_passphrase(Passphrase::new(PASSPHRASE)).with_token(Token::new(TOKEN));
    assert_hidden("OpenOptions", &format!("{options:?} {options:#?}"), &[PASSPHRASE, TOKEN]);
    assert_hidden("Passphrase", &format!("{:?}", Passphrase::new(PASSPHRASE)), &[PASSPHRASE]);
    assert_hidden("backend Secret", &format!("{:?}", Token::new(TOKEN)), &[TOKEN]);
    assert_hidden("ca Secret", &format!("{:?}", Secret::new(SECRET)), &[SECRET]);

    let key = SoftwareKey::generate();
    let pem = key.to_pkcs8_pem();
    let body: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert_hidden("SoftwareKey", &format!("{key:?} {key:#?}"), &body);

    let value = b"record-bytes-that-must-not-show";
    let record_key = RecordKey::new("identity", "alice");
    let put = BatchPut { key: &record_key, value, expect: Expect::Absent };
    assert_hidden("BatchPut", &format!("{put:?}"), &["record-bytes-that-must-not-show"]);

    // An identity with a software key, and the wallet and CA that hold it.
    let wallet = Arc::new(Wallet::from_backend(Box::new(MemoryBackend::new())));
    let (ca, secret) =
        CertificateAuthority::create_root(wallet.clone(), &CaOptions::new("org1-ca", "Org1MSP"), Arc::new(SystemClock))
            .unwrap();
    let request = EnrollRequest { id: "admin".into(), secret: Some(secret.clone()), ..Default::default() };
    assert_hidden("EnrollRequest", &format!("{request:?}"), &[secret.expose()]);
    let admin = ca.enroll(&request).unwrap();
    let admin_pem = wallet_core::formats::pem_pair::to_pem(&admin).unwrap().1;
    let admin_body: Vec<&str> = admin_pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert_hidden("Identity", &format!("{admin:?} {admin:#?}"), &admin_body);
    assert_hidden("Wallet", &format!("{wallet:?}"), &admin_body);
    assert_hidden("CertificateAuthority", &format!("{ca:?}"), &[secret.expose()]);
}
