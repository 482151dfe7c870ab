//! Hyperledger Caliper network configuration (format version `2.0.0`, the Fabric connector of
//! Caliper 0.6): the identities part.
//!
//! Caliper takes its Fabric identities from `organizations[].identities.certificates[]`, each a
//! `name` with `clientSignedCert` and `clientPrivateKey`, given as a `path` or inline as `pem`
//! (`caliper-fabric:lib/identity-management/IdentityManager.js`). This writes them inline, one
//! organization per MSP ID in the order the identities come. The rest of a network
//! configuration (`channels`, and each organization's `connectionProfile`) describes the
//! network, not the identity: the tool that knows the network adds it (the JSON object is meant
//! to be merged into, key by key).
//!
//! `clientSignedCert` is the enrolment certificate alone, without its chain: Caliper sends it as
//! the creator of every transaction, and Fabric refuses a creator with anything after the first
//! certificate.

use crate::error::Result;
use crate::identity::Identity;
use serde::Serialize;
use zeroize::Zeroizing;

/// The `version` Caliper 0.6 requires of a Fabric network configuration.
pub const NETWORK_CONFIG_VERSION: &str = "2.0.0";

#[derive(Serialize)]
struct NetworkConfig<'a> {
    name: &'a str,
    version: &'static str,
    caliper: CaliperSection,
    organizations: Vec<Organization<'a>>,
}

#[derive(Serialize)]
struct CaliperSection {
    blockchain: &'static str,
}

#[derive(Serialize)]
struct Organization<'a> {
    mspid: &'a str,
    identities: Identities<'a>,
}

#[derive(Serialize)]
struct Identities<'a> {
    certificates: Vec<CertificateIdentity<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CertificateIdentity<'a> {
    name: &'a str,
    client_private_key: Pem<'a>,
    client_signed_cert: Pem<'a>,
}

#[derive(Serialize)]
struct Pem<'a> {
    pem: &'a str,
}

/// A Caliper network configuration (pretty JSON, LF) holding `identities` with their
/// certificates and unencrypted private keys inline, named `name`. Fails for an identity whose
/// key cannot leave its store.
pub fn network_config(name: &str, identities: &[&Identity]) -> Result<Zeroizing<String>> {
    let mut keys = Vec::with_capacity(identities.len());
    let mut certs = Vec::with_capacity(identities.len());
    for identity in identities {
        keys.push(super::pkcs8_pem(identity)?);
        certs.push(identity.certificate().to_pem());
    }
    let mut organizations: Vec<Organization> = Vec::new();
    for (i, identity) in identities.iter().enumerate() {
        let entry = CertificateIdentity {
            name: identity.label(),
            client_private_key: Pem { pem: keys[i].as_str() },
            client_signed_cert: Pem { pem: certs[i].as_str() },
        };
        match organizations.iter_mut().find(|o| o.mspid == identity.msp_id()) {
            Some(org) => org.identities.certificates.push(entry),
            None => organizations
                .push(Organization { mspid: identity.msp_id(), identities: Identities { certificates: vec![entry] } }),
        }
    }
    let config = NetworkConfig {
        name,
        version: NETWORK_CONFIG_VERSION,
        caliper: CaliperSection { blockchain: "fabric" },
        organizations,
    };
    let mut json = Zeroizing::new(serde_json::to_string_pretty(&config).expect("plain structs always encode"));
    json.push('\n');
    Ok(json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{parse_private_key_pem, Signer};
    use crate::formats::test_support::{self, TestCa};
    use crate::identity::Certificate;

    #[test]
    fn identities_inline_grouped_by_msp() {
        let root = TestCa::root("Root");
        let mid = root.intermediate("Mid");
        let a = test_support::identity_from(&mid, vec![mid.cert.clone(), root.cert.clone()], "appuser", "Org1MSP");
        let b = test_support::identity("other", "Org2MSP");
        let c = test_support::identity("benchuser", "Org1MSP");
        let json = network_config("harness", &[&a, &b, &c]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["name"], "harness");
        assert_eq!(v["version"], "2.0.0");
        assert_eq!(v["caliper"]["blockchain"], "fabric");
        let orgs = v["organizations"].as_array().unwrap();
        assert_eq!(orgs.len(), 2);
        assert_eq!(orgs[0]["mspid"], "Org1MSP");
        assert_eq!(orgs[1]["mspid"], "Org2MSP");
        let org1 = orgs[0]["identities"]["certificates"].as_array().unwrap();
        let names: Vec<&str> = org1.iter().map(|e| e["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["appuser", "benchuser"]);

        // The certificate alone (no chain), and the key that goes with it.
        let cert_pem = org1[0]["clientSignedCert"]["pem"].as_str().unwrap();
        let certs = Certificate::parse_pem_chain(cert_pem.as_bytes(), "cert").unwrap();
        assert_eq!(certs, std::slice::from_ref(a.certificate()));
        let key_pem = org1[0]["clientPrivateKey"]["pem"].as_str().unwrap();
        assert!(key_pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{key_pem}");
        let key = parse_private_key_pem(key_pem.as_bytes(), "key").unwrap();
        assert_eq!(key.public_key(), a.signer().public_key());
        assert!(json.ends_with("}\n"));

        // The rules caliper-fabric's IdentityManager (`_parseOrganizations`,
        // `_extractIdentitiesFromCertificateAndPrivateKeyArray`, `_extractPEMFromPEM`) applies
        // when it loads this block: checked here field by field, as Caliper's own code is not
        // run (its caliper-core dependency is a full benchmark framework).
        let mut seen = std::collections::HashSet::new();
        for org in orgs {
            let mspid = org["mspid"].as_str().unwrap();
            assert!(!mspid.is_empty() && seen.insert(mspid), "mspid empty or repeated: {mspid}");
            let entries = org["identities"]["certificates"].as_array().unwrap();
            assert!(!entries.is_empty());
            for e in entries {
                assert!(e["name"].as_str().is_some_and(|n| !n.is_empty()));
                for field in ["clientSignedCert", "clientPrivateKey"] {
                    assert!(e[field]["path"].is_null(), "inline, not a path");
                    assert!(e[field]["pem"].as_str().unwrap().starts_with("-----BEGIN "), "{field}");
                }
            }
        }
    }
}
