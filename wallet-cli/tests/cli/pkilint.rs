//! The embedded CA against pkilint (RFC 5280 profile; PyPI `pkilint`, which scripts/test.sh
//! installs): its certificate, its CRL and enrolment certificates in the strict OU layout lint
//! without an error; Fabric CA's layout (the default) has exactly the one finding it is known
//! for, the OUs in one multi-valued RDN.

use crate::common::*;
use std::path::Path;

/// pkilint's findings of severity ERROR or worse (one per line), empty when there are none.
fn errors(tool: &str, args: &[&str], file: &Path) -> String {
    let out = std::process::Command::new(tool)
        .arg("lint")
        .args(args)
        .args(["-s", "ERROR"])
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {tool} ({e}): `python3 -m pip install pkilint`"));
    let findings = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.success(),
        findings.trim().is_empty(),
        "{tool}: {findings}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    findings.trim().to_owned()
}

fn enrolled_certificate(w: &TestWallet, id: &str) -> std::path::PathBuf {
    let secret = w.tmp(&format!("{id}.secret"));
    w.ok([
        "ca",
        "register",
        id,
        "--type",
        "client",
        "--affiliation",
        "org1.department1",
        "--attr",
        "role=auditor:ecert",
    ]
    .into_iter()
    .chain(["--out", secret.to_str().unwrap()]));
    w.ok(["ca", "enroll", id, "--secret-file", secret.to_str().unwrap(), "--host", "app.org1.example.com"]);
    let cert = w.tmp(&format!("{id}.pem"));
    w.ok(["export", id, "--format", "cert", "--out", cert.to_str().unwrap()]);
    cert
}

#[test]
fn the_ca_its_crl_and_strict_enrolment_certificates_pass_pkilint() {
    let w = TestWallet::new();
    w.ok(["ca", "init", "org1-ca", "--msp-id", "Org1MSP", "--ou-layout", "strict"]);
    let strict = enrolled_certificate(&w, "user1");
    assert_eq!(errors("lint_pkix_cert", &[], &strict), "", "strict layout");
    let subject =
        String::from_utf8(openssl(&["x509", "-in", strict.to_str().unwrap(), "-noout", "-subject"], w.dir.path()))
            .unwrap();
    assert!(subject.contains("OU = client, OU = org1, OU = department1"), "one OU per RDN, type first: {subject}");
    // The CA's own certificate (the chain of an exported MSP folder) and its CRL.
    let msp = w.tmp("msp");
    w.ok(["export", "user1", "--format", "msp", "--insecure", "--out", msp.to_str().unwrap()]);
    let cacert = std::fs::read_dir(msp.join("cacerts")).unwrap().next().unwrap().unwrap().path();
    assert_eq!(errors("lint_pkix_cert", &[], &cacert), "", "CA certificate");
    w.ok(["ca", "revoke", "user1", "--reason", "keycompromise"]);
    let crl = w.tmp("crl.pem");
    std::fs::write(&crl, w.ok(["ca", "crl"])).unwrap();
    assert_eq!(errors("lint_crl", &["-t", "CRL", "-p", "PKIX"], &crl), "", "CRL");
    // And Fabric reads the OUs of either layout as the same type and affiliation.
    let shown = w.json(["show", "user1"]);
    assert_eq!(
        (shown["fabric"]["identity_type"].as_str(), shown["fabric"]["affiliation"].as_str()),
        (Some("client"), Some("org1.department1"))
    );
}

#[test]
fn fabric_cas_layout_has_only_the_multi_valued_ou_rdn_finding() {
    let w = TestWallet::new();
    w.ok(["ca", "init", "org1-ca", "--msp-id", "Org1MSP"]);
    let cert = enrolled_certificate(&w, "user1");
    let findings = errors("lint_pkix_cert", &[], &cert);
    let lines: Vec<&str> = findings.lines().filter(|l| l.contains("(ERROR)") || l.contains("(FATAL)")).collect();
    assert_eq!(lines.len(), 1, "{findings}");
    assert!(lines[0].contains("pkix.rdn_contains_duplicate_attribute_types"), "{findings}");
    let subject =
        String::from_utf8(openssl(&["x509", "-in", cert.to_str().unwrap(), "-noout", "-subject"], w.dir.path()))
            .unwrap();
    // One RDN, its values sorted by DER encoding (shortest first), as Fabric CA writes it.
    assert!(subject.contains("OU = org1 + OU = client + OU = department1"), "Fabric CA's one RDN: {subject}");
}
