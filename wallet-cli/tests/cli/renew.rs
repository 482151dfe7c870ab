//! `wallet expiring` and `wallet renew` with the embedded CA (short-lived certificates), and
//! the clear refusal of an unreachable Fabric CA. The remote renewal runs against the real
//! fabric-ca-server in tests/tests/remote_ca.rs.

use crate::common::*;
use predicates::prelude::*;

fn short_lived_wallet() -> TestWallet {
    let w = TestWallet::new();
    w.json(["ca", "init", "org1-ca", "--msp-id", "Org1MSP", "--ecert-validity", "10d"]);
    for user in ["u1", "u2"] {
        let secret = w.ok(["ca", "register", user, "--type", "client", "--affiliation", "org1"]);
        w.cmd().env("WALLET_ENROLL_SECRET", secret.trim()).args(["ca", "enroll", user]).assert().success();
    }
    w
}

fn json_of(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(out)))
}

#[test]
fn expiring_lists_soon_ending_certificates_with_an_exit_code() {
    let w = short_lived_wallet();
    // Nothing ends within 5 days: exit 0, empty list.
    assert_eq!(w.json(["expiring", "--within", "5d"]), serde_json::json!([]));
    // Everything ends within 30 days: listed, exit 1.
    let out = w.cmd().args(["--output", "json", "expiring"]).assert().code(1).get_output().stdout.clone();
    let rows = json_of(&out);
    let labels: Vec<&str> = rows.as_array().unwrap().iter().map(|r| r["label"].as_str().unwrap()).collect();
    assert_eq!(labels.len(), 3, "{rows}");
    for label in ["admin", "u1", "u2"] {
        assert!(labels.contains(&label), "{rows}");
    }
    assert!(rows[0]["days_left"].as_i64().unwrap() <= 10 && rows[0]["expired"] == false, "{rows}");
    w.cmd().args(["expiring", "--within", "264h"]).assert().code(1).stderr(predicate::str::contains("wallet renew"));
    w.cmd().args(["expiring", "--within", "3w"]).assert().code(2).stderr(predicate::str::contains("unknown unit"));
}

#[test]
fn renew_reenrols_each_identity_and_keeps_or_replaces_keys() {
    let w = short_lived_wallet();
    let before = w.ok(["export", "u1", "--format", "cert"]);
    let rows = w.json(["renew", "--within", "30d", "--same-key"]);
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().all(|r| r["error"].is_null() && r["new_not_after"].is_string()), "{rows:?}");
    let after = w.ok(["export", "u1", "--format", "cert"]);
    assert_ne!(before, after, "a new certificate");
    // --all renews regardless of expiry; a window nothing falls in renews nothing.
    assert_eq!(w.json(["renew", "--all"]).as_array().unwrap().len(), 3);
    assert_eq!(w.json(["renew", "--within", "1d"]), serde_json::json!([]));
    w.cmd().args(["renew", "--all", "--within", "3d"]).assert().code(2);
}

#[test]
fn renew_against_an_unreachable_fabric_ca_is_a_clear_error_and_changes_nothing() {
    let w = short_lived_wallet();
    let before = w.ok(["export", "u1", "--format", "cert"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    w.cmd().args(["renew", "--all", "--ca", &format!("http://127.0.0.1:{port}")]).assert().code(1).stderr(
        predicate::str::contains("cannot connect to fabric CA")
            .and(predicate::str::contains("fabric-ca-server is running")),
    );
    assert_eq!(w.ok(["export", "u1", "--format", "cert"]), before);
    w.cmd()
        .args(["renew", "--tls-root", "x.pem"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("apply to a Fabric CA URL"));
}
