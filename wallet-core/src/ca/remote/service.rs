//! [`RemoteCa`] behind the one CA interface, [`CaService`].

use super::RemoteCa;
use crate::ca::DEFAULT_ADMIN_ID;
use crate::ca::{
    CaError, CaInfo, CaService, CertificateFilter, CertificateInfo, Crl, CrlOptions, EnrollRequest, IdentityInfo,
    IdentityUpdate, ReenrollOptions, RegistrationRequest, RevocationReason, RevokeTarget, RevokedCertificate, Secret,
};
use crate::error::Result;
use crate::identity::{Certificate, Identity};

/// A remote CA has no registry to read locally: every query is a signed request, by the
/// identity named or else by the wallet's `admin` (the default registrar label).
fn caller<'a>(ca: &RemoteCa, caller: Option<&'a str>, what: &str) -> Result<&'a str> {
    match caller {
        Some(c) => Ok(c),
        None if ca.wallet().contains(DEFAULT_ADMIN_ID)? => Ok(DEFAULT_ADMIN_ID),
        None => Err(CaError::InvalidParameter {
            what: format!("caller of {what}"),
            detail: format!(
                "a remote Fabric CA answers only requests signed by an identity of the wallet, and the wallet holds no {DEFAULT_ADMIN_ID:?}; name one"
            ),
        }
        .into()),
    }
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

    fn wallet(&self) -> &std::sync::Arc<crate::wallet::Wallet> {
        RemoteCa::wallet(self)
    }

    fn modify_identity(&self, caller: &str, id: &str, update: &IdentityUpdate) -> Result<IdentityInfo> {
        RemoteCa::modify_identity(self, caller, id, update)
    }

    fn remove_identity(&self, caller: &str, id: &str, force: bool) -> Result<IdentityInfo> {
        RemoteCa::remove_identity(self, caller, id, force)
    }

    fn modify_affiliation(&self, caller: &str, name: &str, new_name: &str, force: bool) -> Result<()> {
        RemoteCa::modify_affiliation(self, caller, name, new_name, force)
    }

    fn remove_affiliation(&self, caller: &str, name: &str, force: bool) -> Result<()> {
        RemoteCa::remove_affiliation(self, caller, name, force)
    }

    fn export_msp(
        &self,
        label: &str,
        dir: &std::path::Path,
        options: &crate::formats::msp::WriteOptions,
    ) -> Result<()> {
        RemoteCa::export_msp(self, label, dir, options)
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
        RemoteCa::identity(self, caller(self, who, "identity")?, id)
    }

    fn identities(&self, who: Option<&str>) -> Result<Vec<IdentityInfo>> {
        RemoteCa::identities(self, caller(self, who, "identities")?)
    }

    fn affiliations(&self, who: Option<&str>) -> Result<Vec<String>> {
        RemoteCa::affiliations(self, caller(self, who, "affiliations")?)
    }

    fn add_affiliation(&self, caller: &str, name: &str, force: bool) -> Result<()> {
        RemoteCa::add_affiliation(self, caller, name, force)
    }

    fn certificates(&self, who: Option<&str>, filter: &CertificateFilter) -> Result<Vec<CertificateInfo>> {
        RemoteCa::certificates(self, caller(self, who, "certificates")?, filter)
    }
}
