//! The JSON of Fabric CA's REST API (`fabric-ca:api/client.go`, `api/serverresponses.go`) and
//! its response envelope (`lib/serverendpoint.go`). Field names are the server's; its decoder
//! matches them case-insensitively, so lower-case keys are used throughout.

use crate::ca::Attribute;
use serde::{Deserialize, Serialize};

fn is_false(b: &bool) -> bool {
    !*b
}

/// `POST enroll` and `POST reenroll`.
#[derive(Debug, Serialize)]
pub struct EnrollBody<'a> {
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub hosts: &'a [String],
    pub certificate_request: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attr_reqs: Option<Vec<AttrReq<'a>>>,
}

/// One requested attribute.
#[derive(Debug, Serialize)]
pub struct AttrReq<'a> {
    pub name: &'a str,
    #[serde(skip_serializing_if = "is_false")]
    pub optional: bool,
}

/// `POST register` and `POST identities`.
#[derive(Debug, Serialize)]
pub struct RegisterBody<'a> {
    pub id: &'a str,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub identity_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_enrollments: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<&'a str>,
    #[serde(skip_serializing_if = "<[Attribute]>::is_empty")]
    pub attrs: &'a [Attribute],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caname: Option<&'a str>,
}

/// `PUT identities/{id}`: absent fields stay as they are.
#[derive(Debug, Serialize)]
pub struct ModifyIdentityBody<'a> {
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub identity_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<&'a str>,
    #[serde(skip_serializing_if = "<[Attribute]>::is_empty")]
    pub attrs: &'a [Attribute],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_enrollments: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caname: Option<&'a str>,
}

/// `POST revoke`.
#[derive(Debug, Serialize)]
pub struct RevokeBody<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    pub id: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub serial: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub aki: &'a str,
    pub reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caname: Option<&'a str>,
    #[serde(skip_serializing_if = "is_false")]
    pub gencrl: bool,
}

/// `POST gencrl` (RFC 3339 times).
#[derive(Debug, Serialize)]
pub struct GenCrlBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revokedafter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revokedbefore: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expireafter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expirebefore: Option<String>,
}

/// `POST affiliations` and `PUT affiliations/{name}` (`name` is the new name there).
#[derive(Debug, Serialize)]
pub struct AffiliationBody<'a> {
    pub name: &'a str,
    #[serde(skip_serializing_if = "is_false")]
    pub force: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caname: Option<&'a str>,
}

/// `cainfo`, and `ServerInfo` in enrol answers. Binary fields are base64 (the chain of PEM text).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default)]
pub struct ServerInfo {
    #[serde(rename = "CAName")]
    pub ca_name: String,
    #[serde(rename = "CAChain")]
    pub ca_chain: String,
    #[serde(rename = "IssuerPublicKey")]
    pub issuer_public_key: String,
    #[serde(rename = "IssuerRevocationPublicKey")]
    pub issuer_revocation_public_key: String,
    #[serde(rename = "Version")]
    pub version: String,
}

/// The answer to enrol and reenrol.
#[derive(Debug, Deserialize)]
pub struct EnrollResult {
    #[serde(rename = "Cert")]
    pub cert: String,
    #[serde(rename = "ServerInfo", default)]
    pub server_info: ServerInfo,
}

/// The answer to register and identities add.
#[derive(Debug, Deserialize)]
pub struct SecretResult {
    pub secret: String,
}

/// One revoked certificate in a revoke answer.
#[derive(Debug, Deserialize)]
pub struct RevokedCert {
    #[serde(rename = "Serial")]
    pub serial: String,
    #[serde(rename = "AKI")]
    pub aki: String,
}

/// The answer to revoke.
#[derive(Debug, Deserialize)]
pub struct RevokeResult {
    #[serde(rename = "RevokedCerts", default)]
    pub revoked_certs: Option<Vec<RevokedCert>>,
    #[serde(rename = "CRL", default)]
    pub crl: Option<String>,
}

/// The answer to gencrl.
#[derive(Debug, Deserialize)]
pub struct CrlResult {
    #[serde(rename = "CRL")]
    pub crl: String,
}

/// A registered identity as the server lists it.
#[derive(Debug, Deserialize)]
pub struct IdentityJson {
    pub id: String,
    #[serde(rename = "type", default)]
    pub identity_type: String,
    #[serde(default)]
    pub affiliation: String,
    #[serde(default)]
    pub attrs: Vec<AttributeJson>,
    #[serde(default)]
    pub max_enrollments: i32,
}

/// An attribute as the server lists it (`ecert` absent when false).
#[derive(Debug, Deserialize)]
pub struct AttributeJson {
    pub name: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub ecert: bool,
}

/// The answer to `GET identities`.
#[derive(Debug, Deserialize)]
pub struct IdentitiesResult {
    #[serde(default)]
    pub identities: Vec<IdentityJson>,
}

/// An affiliation node and its subtree.
#[derive(Debug, Deserialize)]
pub struct AffiliationJson {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub affiliations: Vec<AffiliationJson>,
}

impl AffiliationJson {
    /// Every node's dotted name below (and including, when named) this one, sorted.
    pub fn names(&self) -> Vec<String> {
        fn walk(node: &AffiliationJson, out: &mut Vec<String>) {
            if !node.name.is_empty() {
                out.push(node.name.clone());
            }
            for child in &node.affiliations {
                walk(child, out);
            }
        }
        let mut out = vec![];
        walk(self, &mut out);
        out.sort();
        out
    }
}

/// One certificate in `GET certificates`.
#[derive(Debug, Deserialize)]
pub struct CertJson {
    #[serde(rename = "PEM")]
    pub pem: String,
}

/// The answer to `GET certificates`.
#[derive(Debug, Deserialize)]
pub struct CertificatesResult {
    #[serde(default)]
    pub certs: Vec<CertJson>,
}

/// One entry of `errors` / `messages`.
#[derive(Debug, Deserialize)]
pub struct ServerMessage {
    #[serde(default)]
    pub code: i64,
    #[serde(default)]
    pub message: String,
}

/// The envelope around every answer.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    #[serde(default)]
    pub result: serde_json::Value,
    #[serde(default)]
    pub errors: Vec<ServerMessage>,
    pub success: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_shapes() {
        let ok: Envelope =
            serde_json::from_str("{\"result\":{\"secret\":\"pw\"}\n,\"errors\":[],\"messages\":[],\"success\":true}")
                .unwrap();
        assert!(ok.success);
        assert_eq!(serde_json::from_value::<SecretResult>(ok.result).unwrap().secret, "pw");
        let err: Envelope = serde_json::from_str(
            "{\"result\":\"\",\"errors\":[{\"code\":20,\"message\":\"Authentication failure\"}\n],\"messages\":[],\"success\":false}",
        )
        .unwrap();
        assert_eq!((err.errors[0].code, err.errors[0].message.as_str()), (20, "Authentication failure"));
        assert!(serde_json::from_str::<Envelope>("{\"result\":1}").is_err(), "success is required");
    }

    #[test]
    fn request_json_matches_the_go_client() {
        let attrs = [Attribute::new("role", "auditor", true)];
        let body = RegisterBody {
            id: "user2",
            identity_type: Some("client"),
            secret: None,
            max_enrollments: Some(2),
            affiliation: Some("org1.department1"),
            attrs: &attrs,
            caname: None,
        };
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"id":"user2","type":"client","max_enrollments":2,"affiliation":"org1.department1","attrs":[{"name":"role","value":"auditor","ecert":true}]}"#
        );
        let tree: AffiliationJson = serde_json::from_str(
            r#"{"name":"","affiliations":[{"name":"org1","affiliations":[{"name":"org1.department1"}]},{"name":"org2"}]}"#,
        )
        .unwrap();
        assert_eq!(tree.names(), ["org1", "org1.department1", "org2"]);
    }
}
