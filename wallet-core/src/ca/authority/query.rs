//! Reading the registry: identities, certificates, affiliations; exporting an MSP folder.

use super::{from_unix, CertificateAuthority};
use crate::ca::registry::{is_damage, IdRecord, Registry, KIND_CERT, KIND_ID};
use crate::ca::*;
use crate::error::Result;
use crate::identity::Certificate;
use base64::{engine::general_purpose::STANDARD as B64, Engine};

impl CertificateAuthority {
    /// The latest CRL of the wallet's CA that issued `cert` (matched by its authority key
    /// identifier), if the wallet holds that CA and it has generated one: what `crls/crl.pem`
    /// of an MSP folder for `cert` should hold.
    pub fn issuer_crl(wallet: &std::sync::Arc<crate::Wallet>, cert: &Certificate) -> Result<Option<Crl>> {
        let Some(aki) = cert.authority_key_id() else { return Ok(None) };
        for name in Self::list(wallet)? {
            let ca = Self::open(wallet.clone(), &name)?;
            if ca.key_id == aki {
                return ca.latest_crl();
            }
        }
        Ok(None)
    }

    /// Whether a CA held in `wallet` revoked `cert` (looked up by serial in each CA's
    /// registry): by which CA, when and why. `None` when no CA of this wallet revoked it,
    /// which includes certificates of CAs this wallet does not hold.
    pub fn revocation_of(wallet: &crate::Wallet, cert: &Certificate) -> Result<Option<Revocation>> {
        let serial = cert.serial_hex();
        for name in Self::list(wallet)? {
            if let Some(r) = Registry::new(wallet.backend(), &name).revoked(&serial)? {
                return Ok(Some(Revocation { ca: name, revoked_at: from_unix(r.revoked_at), reason: r.reason }));
            }
        }
        Ok(None)
    }

    /// Write the identity stored under `label` as an MSP folder (see
    /// [`formats::msp::write_dir`](crate::formats::msp::write_dir)), with this CA's latest CRL as
    /// `crls/crl.pem` unless `options` already carries one.
    pub fn export_msp(
        &self,
        label: &str,
        dir: &std::path::Path,
        options: &crate::formats::msp::WriteOptions,
    ) -> Result<()> {
        let identity = self.wallet.get(label)?;
        let mut options = options.clone();
        if options.crl_pem.is_none() {
            options.crl_pem = self.latest_crl()?.map(|c| c.to_pem());
        }
        crate::formats::msp::write_dir(dir, &identity, &options)
    }

    /// The affiliation tree, every node's dotted path, sorted.
    pub fn affiliations(&self) -> Result<Vec<String>> {
        Ok(self.registry().affiliations()?.0.names.into_iter().collect())
    }

    fn info(rec: IdRecord, limit: u32) -> IdentityInfo {
        IdentityInfo {
            locked: limit > 0 && rec.failed_attempts >= limit,
            id: rec.id,
            identity_type: rec.identity_type,
            affiliation: rec.affiliation,
            attrs: rec.attrs,
            max_enrollments: rec.max_enrollments,
            enrollments: rec.enrollments,
            state: rec.state,
            certificates: rec.certs,
        }
    }

    /// One registered identity.
    pub fn identity(&self, id: &str) -> Result<IdentityInfo> {
        Ok(Self::info(self.registry().identity_or_err(id)?.0, self.config.policy.password_attempts))
    }

    /// Every registered identity, sorted by ID.
    pub fn identities(&self) -> Result<Vec<IdentityInfo>> {
        let registry = self.registry();
        let mut out = vec![];
        for id in registry.list(KIND_ID)? {
            // A damaged record is left out here and named by `damaged_records`.
            match registry.identity(&id) {
                Ok(Some((rec, _))) => out.push(Self::info(rec, self.config.policy.password_attempts)),
                Ok(None) => {}
                Err(e) if is_damage(&e) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(out)
    }

    /// Issued certificates: those of `id` when given, else all; sorted by serial.
    pub fn certificates(&self, id: Option<&str>) -> Result<Vec<CertificateInfo>> {
        let registry = self.registry();
        let serials = match id {
            Some(id) => registry.identity_or_err(id)?.0.certs,
            None => registry.list(KIND_CERT)?,
        };
        let mut out = vec![];
        for serial in serials {
            let rec = match registry.cert(&serial) {
                Ok(Some(rec)) => rec,
                Ok(None) => continue,
                Err(e) if is_damage(&e) => continue, // named by `damaged_records`
                Err(e) => return Err(e),
            };
            let revoked = match registry.revoked(&serial) {
                Ok(r) => r,
                // Revoked (the record exists), at a time and for a reason the damage hides.
                Err(e) if is_damage(&e) => Some(damaged_revocation(&serial, rec.not_after)),
                Err(e) => return Err(e),
            };
            let der = B64.decode(&rec.der).map_err(|_| CaError::Registry {
                record: registry.key(KIND_CERT, Some(&serial)).to_string(),
                detail: "certificate is not base64".into(),
            })?;
            out.push(CertificateInfo {
                serial: rec.serial,
                aki: rec.aki,
                id: rec.id,
                not_before: from_unix(rec.not_before),
                not_after: from_unix(rec.not_after),
                revoked_at: revoked.as_ref().map(|r| from_unix(r.revoked_at)),
                reason: revoked.map(|r| r.reason),
                pem: Certificate::from_der(&der, "issued certificate")?.to_pem(),
            });
        }
        out.sort_by(|a, b| a.serial.cmp(&b.serial));
        Ok(out)
    }
}

/// What a damaged revocation record still tells: the certificate is revoked (the record's
/// name is its serial). The time reads as the Unix epoch and the reason as unspecified.
pub(super) fn damaged_revocation(serial: &str, not_after: i64) -> crate::ca::registry::RevokedRecord {
    crate::ca::registry::RevokedRecord {
        v: crate::ca::registry::RECORD_VERSION,
        serial: serial.into(),
        revoked_at: 0,
        reason: RevocationReason::Unspecified,
        not_after,
        revoked_by: String::new(),
    }
}
