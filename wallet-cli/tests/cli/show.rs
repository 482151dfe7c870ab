//! wallet show: every field, checked against openssl's reading of the same certificate.

use crate::common::*;
use predicates::prelude::*;
use std::path::Path;
use time::macros::format_description;
use time::{Duration, OffsetDateTime};

fn openssl_field(cert: &Path, args: &[&str], dir: &Path) -> String {
    let mut all = vec!["x509", "-in", cert.to_str().unwrap(), "-noout"];
    all.extend_from_slice(args);
    String::from_utf8(openssl(&all, dir)).unwrap()
}

fn import_user2(w: &TestWallet) {
    w.cmd().arg("import").arg(msp_dir("user2")).args(["--msp-id", "Org1MSP", "--label", "user2"]).assert().success();
}

#[test]
fn show_json_matches_openssl_and_fabric_ca() {
    let w = TestWallet::new();
    import_user2(&w);
    let cert = msp_dir("user2").join("signcerts/cert.pem");
    let v = w.json(["show", "user2"]);
    assert_eq!(v["label"], "user2");
    assert_eq!(v["msp_id"], "Org1MSP");
    let c = &v["certificate"];
    assert!(c["subject"].as_str().unwrap().contains("CN=user2"), "{c}");
    assert!(c["issuer"].as_str().unwrap().contains("CN=fabric-ca-server"), "{c}");
    let serial = openssl_field(&cert, &["-serial"], w.dir.path());
    let serial = serial.trim().trim_start_matches("serial=").to_ascii_lowercase();
    assert_eq!(c["serial"], serial.trim_start_matches('0'));
    let end = openssl_field(&cert, &["-enddate", "-dateopt", "iso_8601"], w.dir.path());
    assert_eq!(c["validity"]["not_after"], end.trim().trim_start_matches("notAfter=").replace(' ', "T"));
    let start = openssl_field(&cert, &["-startdate", "-dateopt", "iso_8601"], w.dir.path());
    assert_eq!(c["validity"]["not_before"], start.trim().trim_start_matches("notBefore=").replace(' ', "T"));
    let ski = openssl_field(&cert, &["-ext", "subjectKeyIdentifier"], w.dir.path());
    let ski = ski.lines().nth(1).unwrap().trim().replace(':', "").to_ascii_lowercase();
    assert_eq!(c["subject_key_id"], ski);
    assert_eq!(v["key"]["subject_key_id"], ski, "Fabric CA's SKI is SHA-1 of the public point");
    assert_eq!(v["key"]["keystore_id"], openssl_keystore_id(&cert, w.dir.path()));
    assert_eq!(c["is_ca"], false);
    let f = &v["fabric"];
    assert_eq!(f["enrollment_id"], "user2");
    assert_eq!(f["identity_type"], "client");
    assert_eq!(f["affiliation"], "org1.department1");
    assert_eq!(f["ous"], serde_json::json!(["client", "department1", "org1"]));
    assert_eq!(f["attributes"]["role"], "auditor");
    assert_eq!(f["attributes"]["hf.EnrollmentID"], "user2");
    let chain = v["chain"].as_array().unwrap();
    assert_eq!(chain.len(), 1);
    assert!(chain[0]["subject"].as_str().unwrap().contains("CN=fabric-ca-server"));
    assert_eq!(chain[0]["is_ca"], true);
    assert_eq!(chain[0]["self_signed"], true);
}

#[test]
fn show_text_is_readable() {
    let w = TestWallet::new();
    import_user2(&w);
    w.cmd().args(["import"]).arg(msp_dir("admin")).args(["--msp-id", "Org1MSP", "--label", "admin"]).assert().success();
    let json = w.json(["show", "user2"]);
    let keystore_id = json["key"]["keystore_id"].as_str().unwrap().to_owned();
    // The fixture certificate ages: from late 2027 the text carries a warning instead.
    let remaining = match json["certificate"]["validity"]["warning"].as_str() {
        None => format!("({} days left)", json["certificate"]["validity"]["days_left"]),
        Some(warning) => format!("(WARNING: {warning})"),
    };
    let text = w.ok(["show", "user2"]);
    for expected in [
        "Label:            user2\n",
        "MSP ID:           Org1MSP\n",
        "Enrollment ID:    user2\n",
        "Type:             client\n",
        "Affiliation:      org1.department1\n",
        "OUs:              client, department1, org1\n",
        "role=auditor",
        "Valid until:      2027-11-23T21:52:00Z",
        &remaining,
        &format!("Keystore key ID:  {keystore_id}\n"),
        "Chain:            1 certificate(s)",
        "CN=fabric-ca-server",
        "(root, until 2041-",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    let admin = w.ok(["show", "admin"]);
    assert!(admin.contains("SANs:             DNS:peer0.org1.example.com\n"), "{admin}");
    assert!(admin.contains("Attributes:       (none)\n"), "{admin}");
}

fn openssl_time(t: OffsetDateTime) -> String {
    t.format(format_description!("[year][month][day][hour][minute][second]Z")).unwrap()
}

fn import_openssl_cert(w: &TestWallet, label: &str, start: OffsetDateTime, end: OffsetDateTime) {
    let (cert, key) = openssl_cert(w.dir.path(), label, &openssl_time(start), &openssl_time(end));
    w.cmd()
        .arg("import")
        .arg("--cert")
        .arg(cert)
        .arg("--key")
        .arg(key)
        .args(["--msp-id", "Org1MSP", "--label", label])
        .assert()
        .success();
}

#[test]
fn show_warns_about_an_expired_certificate() {
    let w = TestWallet::new();
    let now = OffsetDateTime::now_utc();
    import_openssl_cert(&w, "old", now - Duration::days(400), now - Duration::days(35));
    let assert = w.cmd().args(["show", "old"]).assert().success();
    assert!(stderr(&assert).starts_with("warning: the certificate of \"old\" expired 3"), "{}", stderr(&assert));
    assert!(stdout(&assert).contains("(WARNING: expired 3"), "{}", stdout(&assert));
    let v = w.json(["show", "old"]);
    assert_eq!(v["certificate"]["validity"]["expired"], true);
    assert!(v["certificate"]["validity"]["days_left"].as_i64().unwrap() < -30);
    let listed = w.ok(["list", "--long"]);
    assert!(listed.contains("(expired 3"), "{listed}");
}

#[test]
fn show_warns_about_a_certificate_expiring_within_30_days() {
    let w = TestWallet::new();
    let now = OffsetDateTime::now_utc();
    import_openssl_cert(&w, "soon", now - Duration::days(1), now + Duration::days(10) + Duration::hours(1));
    import_openssl_cert(&w, "later", now - Duration::days(1), now + Duration::days(31));
    let assert = w.cmd().args(["show", "soon"]).assert().success();
    assert!(stderr(&assert).contains("warning: the certificate of \"soon\" expires in 10 days"), "{}", stderr(&assert));
    let v = w.json(["show", "soon"]);
    assert_eq!(v["certificate"]["validity"]["expired"], false);
    assert_eq!(v["certificate"]["validity"]["days_left"], 10);
    assert_eq!(v["certificate"]["validity"]["warning"], "expires in 10 days");
    w.cmd().args(["show", "later"]).assert().success().stderr("");
    assert!(w.json(["show", "later"])["certificate"]["validity"]["warning"].is_null());
}

#[test]
fn show_warns_about_a_certificate_not_yet_valid() {
    let w = TestWallet::new();
    let now = OffsetDateTime::now_utc();
    import_openssl_cert(&w, "future", now + Duration::days(5), now + Duration::days(400));
    w.cmd()
        .args(["show", "future"])
        .assert()
        .success()
        .stderr(predicate::str::starts_with("warning: the certificate of \"future\" becomes valid on 20"));
    assert_eq!(w.json(["show", "future"])["certificate"]["validity"]["not_yet_valid"], true);
}

#[test]
fn show_of_a_missing_label_exits_3() {
    let w = TestWallet::new();
    w.cmd()
        .args(["show", "ghost"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("error: no identity named \"ghost\"").and(predicate::str::contains("hint: ")));
}
