//! [`RemoteCa`] behind the one CA interface, [`CaService`].

use super::RemoteCa;
use crate::ca::{
    CaError, CaInfo, CaService, CertificateFilter, CertificateInfo, Crl, CrlOptions, EnrollRequest, IdentityInfo,
    ReenrollOptions, RegistrationRequest, RevocationReason, RevokeTarget, RevokedCertificate, Secret,
};
use crate::error::Result;
use crate::identity::{Certificate, Identity};

/// A remote CA has no registry to read locally: every query is a signed request.
fn caller<'a>(caller: Option<&'a str>, what: &str) -> Result<&'a str> {
    caller.ok_or_else(|| {
        CaError::InvalidParameter {
            what: format!("caller of {what}"),
            detail: "a remote Fabric CA answers only requests signed by an identity of the wallet; name one".into(),
        }
        .into()
    })
}

impl CaService for RemoteCa {
    fn info(&self) -> Result<CaInfo> {
        let info = self.cainfo()?;
        Ok(CaInfo {
            name: info.ca_name,
            msp_id: Some(self.msp_id().to_owned()),
            chain: info.chain,
            version: Some(info.version),
        })
    }

    fn register(&self, caller: &str, request: &RegistrationRequest) -> Result<Secret> {
        RemoteCa::register(self, caller, request)
    }

    fn enroll(&self, request: &EnrollRequest) -> Result<Identity> {
        RemoteCa::enroll(self, request)
    }

    fn enroll_csr(&self, request: &EnrollRequest, csr_der: &[u8]) -> Result<Certificate> {
        RemoteCa::enroll_csr(self, request, csr_der)
    }

    fn reenroll(&self, label: &str, options: &ReenrollOptions) -> Result<Identity> {
        RemoteCa::reenroll(self, label, options)
    }

    fn revoke(&self, caller: &str, target: &RevokeTarget, reason: RevocationReason) -> Result<Vec<RevokedCertificate>> {
        RemoteCa::revoke(self, caller, target, reason)
    }

    fn generate_crl(&self, caller: &str, options: &CrlOptions) -> Result<Crl> {
        RemoteCa::generate_crl(self, caller, options)
    }

    fn identity(&self, who: Option<&str>, id: &str) -> Result<IdentityInfo> {
        RemoteCa::identity(self, caller(who, "identity")?, id)
    }

    fn identities(&self, who: Option<&str>) -> Result<Vec<IdentityInfo>> {
        RemoteCa::identities(self, caller(who, "identities")?)
    }

    fn affiliations(&self, who: Option<&str>) -> Result<Vec<String>> {
        RemoteCa::affiliations(self, caller(who, "affiliations")?)
    }

    fn add_affiliation(&self, caller: &str, name: &str, force: bool) -> Result<()> {
        RemoteCa::add_affiliation(self, caller, name, force)
    }

    fn certificates(&self, who: Option<&str>, filter: &CertificateFilter) -> Result<Vec<CertificateInfo>> {
        RemoteCa::certificates(self, caller(who, "certificates")?, filter)
    }
}
