//! The embedded CA as a [`CaService`]: the same operations a remote Fabric CA offers.
//!
//! Queries with a caller are answered as Fabric CA answers a registrar: the caller must be able
//! to act with this CA, and sees only the identities (and their certificates) whose type and
//! affiliation it may manage, and the affiliations within its own. Without a caller the wallet's
//! owner reads the registry as it is.

use super::CertificateAuthority;
use crate::ca::profile;
use crate::ca::registry::IdRecord;
use crate::ca::rules;
use crate::ca::*;
use crate::error::Result;
use crate::identity::{Certificate, Identity};

impl CertificateAuthority {
    /// The registry record of `caller`, authenticated, if there is a caller.
    fn caller(&self, caller: Option<&str>) -> Result<Option<IdRecord>> {
        caller.map(|label| self.authenticate(label, false).map(|(_, rec)| rec)).transpose()
    }

    /// Whether `caller` (or the wallet's owner, `None`) may see the registered identity `id`.
    fn may_see(&self, caller: Option<&IdRecord>, id: &str) -> Result<bool> {
        let Some(caller) = caller else { return Ok(true) };
        if caller.id == id {
            return Ok(true);
        }
        match self.registry().identity(id) {
            Ok(target) => Ok(target.is_some_and(|(target, _)| rules::can_manage(caller, &target, "see").is_ok())),
            // Whose affiliation a damaged record held is unknown: only a root registrar sees it.
            Err(e) if crate::ca::registry::is_damage(&e) => Ok(caller.affiliation.is_empty()),
            Err(e) => Err(e),
        }
    }
}

impl CaService for CertificateAuthority {
    fn info(&self) -> Result<CaInfo> {
        Ok(CaInfo { name: self.name().into(), msp_id: Some(self.msp_id().into()), chain: self.chain(), version: None })
    }

    fn wallet(&self) -> &std::sync::Arc<crate::wallet::Wallet> {
        CertificateAuthority::wallet(self)
    }

    fn reset_secret(&self, caller: &str, id: &str, secret: Option<Secret>) -> Result<Secret> {
        CertificateAuthority::reset_secret(self, caller, id, secret)
    }

    fn export_msp(
        &self,
        label: &str,
        dir: &std::path::Path,
        options: &crate::formats::msp::WriteOptions,
    ) -> Result<()> {
        CertificateAuthority::export_msp(self, label, dir, options)
    }

    fn issuer_key_id(&self) -> Result<Option<Vec<u8>>> {
        Ok(self.certificate().subject_key_id())
    }

    fn bulk_enroll(
        &self,
        registrar: &str,
        rows: Vec<crate::ca::BulkRow>,
        options: &crate::ca::BulkOptions,
        progress: &mut dyn FnMut(&crate::ca::BulkProgress<'_>),
    ) -> Result<crate::ca::BulkReport> {
        CertificateAuthority::bulk_enroll(self, registrar, rows, options, progress)
    }

    fn register(&self, caller: &str, request: &RegistrationRequest) -> Result<Secret> {
        CertificateAuthority::register(self, caller, request)
    }

    fn enroll(&self, request: &EnrollRequest) -> Result<Identity> {
        CertificateAuthority::enroll(self, request)
    }

    fn enroll_csr(&self, request: &EnrollRequest, csr_der: &[u8]) -> Result<Certificate> {
        let secret = request.secret.clone().unwrap_or_else(|| Secret::new(""));
        self.sign_csr(&request.id, &secret, csr_der, &request.hosts, request.attr_reqs.as_deref())
    }

    fn reenroll(&self, label: &str, options: &ReenrollOptions) -> Result<Identity> {
        CertificateAuthority::reenroll(self, label, options)
    }

    fn revoke(&self, caller: &str, target: &RevokeTarget, reason: RevocationReason) -> Result<Vec<RevokedCertificate>> {
        CertificateAuthority::revoke(self, caller, target, reason)
    }

    fn generate_crl(&self, caller: &str, options: &CrlOptions) -> Result<Crl> {
        CertificateAuthority::generate_crl(self, caller, options)
    }

    fn identity(&self, caller: Option<&str>, id: &str) -> Result<IdentityInfo> {
        let caller = self.caller(caller)?;
        let info = CertificateAuthority::identity(self, id)?;
        if let Some(caller) = &caller {
            let (target, _) = self.registry().identity_or_err(id)?;
            if caller.id != target.id {
                rules::can_manage(caller, &target, "see")?;
            }
        }
        Ok(info)
    }

    fn identities(&self, caller: Option<&str>) -> Result<Vec<IdentityInfo>> {
        let caller = self.caller(caller)?;
        let mut out = vec![];
        for info in CertificateAuthority::identities(self)? {
            if self.may_see(caller.as_ref(), &info.id)? {
                out.push(info);
            }
        }
        Ok(out)
    }

    fn affiliations(&self, caller: Option<&str>) -> Result<Vec<String>> {
        let caller = self.caller(caller)?;
        let all = CertificateAuthority::affiliations(self)?;
        Ok(match caller {
            None => all,
            Some(caller) => {
                all.into_iter().filter(|a| rules::contains_affiliation(&caller, a, "see").is_ok()).collect()
            }
        })
    }

    fn add_affiliation(&self, caller: &str, name: &str, force: bool) -> Result<()> {
        CertificateAuthority::add_affiliation(self, caller, name, force)
    }

    fn damaged_records(&self) -> Result<Vec<DamagedRecord>> {
        CertificateAuthority::damaged_records(self)
    }

    fn certificates(&self, caller: Option<&str>, filter: &CertificateFilter) -> Result<Vec<CertificateInfo>> {
        let caller = self.caller(caller)?;
        let serial = filter.serial.as_deref().map(profile::normalize_hex);
        let now = self.now();
        let mut out = vec![];
        for c in CertificateAuthority::certificates(self, filter.id.as_deref())? {
            let wanted = serial.as_deref().is_none_or(|s| profile::normalize_hex(&c.serial) == s)
                && !(filter.exclude_revoked && c.revoked_at.is_some())
                && !(filter.exclude_expired && c.not_after < now);
            if wanted && self.may_see(caller.as_ref(), &c.id)? {
                out.push(c);
            }
        }
        Ok(out)
    }
}
