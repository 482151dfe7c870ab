//! Revoking identities and certificates; CRLs.

use super::{add, from_unix, unix, CertificateAuthority};
use crate::backend::{BackendError, Expect};
use crate::ca::profile::{self, CrlEntry, IssuerRef};
use crate::ca::registry::{
    is_already_exists, is_damage, CrlNumberRecord, IdRecord, RevokedRecord, KIND_CRL, KIND_REVOKED, MAX_RETRIES,
    RECORD_VERSION,
};
use crate::ca::rules;
use crate::ca::*;
use crate::error::{Error, Result};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use std::time::Duration;

impl CertificateAuthority {
    /// Revoke, acting as `registrar`. Revoking an identity revokes every certificate issued to
    /// it and stops it from enrolling again; revoking a certificate needs its serial and AKI.
    /// Revoking someone else needs `hf.Revoker=true` and authority over their type and
    /// affiliation; revoking yourself needs neither. Returns what was newly revoked.
    pub fn revoke(
        &self,
        registrar: &str,
        target: &RevokeTarget,
        reason: RevocationReason,
    ) -> Result<Vec<RevokedCertificate>> {
        if reason == RevocationReason::RemoveFromCrl {
            return Err(CaError::InvalidParameter {
                what: "revocation reason removefromcrl".into(),
                detail: "it only has a meaning in delta CRLs, which this CA does not issue".into(),
            }
            .into());
        }
        let (_, caller) = self.authenticate(registrar, false)?;
        let registry = self.registry();
        let may_act_on = |owner: &IdRecord| -> Result<(), CaError> {
            if owner.id == caller.id {
                return Ok(());
            }
            rules::require_true(&caller, rules::REVOKER, &format!("revoke {:?}", owner.id))?;
            rules::can_manage(&caller, owner, "revoke")
        };
        match target {
            RevokeTarget::Identity(id) => {
                let (owner, _) = registry.identity_or_err(id)?;
                may_act_on(&owner)?;
                let was_revoked = owner.state == IdentityState::Revoked;
                let owner = if was_revoked {
                    // Refused without a write when there is nothing left to revoke; else only
                    // the certificates still missing their revocation entry are written.
                    let mut pending = false;
                    for serial in &owner.certs {
                        if registry.cert(serial)?.is_some() && registry.revoked(serial)?.is_none() {
                            pending = true;
                        }
                    }
                    if !pending {
                        return Err(CaError::IdentityRevoked { id: id.clone() }.into());
                    }
                    owner
                } else {
                    // The identity first: from this moment it can no longer enrol. Then its
                    // certificates, each by a create-only record.
                    registry.update_identity(id, |rec| {
                        rec.state = IdentityState::Revoked;
                        Ok(rec.clone())
                    })?
                };
                let mut out = vec![];
                for serial in &owner.certs {
                    if self.record_revocation(serial, reason, &caller.id)? {
                        out.push(RevokedCertificate { serial: serial.clone(), aki: self.key_id_hex() });
                    }
                }
                if was_revoked && out.is_empty() {
                    return Err(CaError::IdentityRevoked { id: id.clone() }.into());
                }
                Ok(out)
            }
            RevokeTarget::Certificate { serial, aki } => {
                let serial = profile::normalize_hex(serial);
                let aki_norm = profile::normalize_hex(aki);
                let unknown = || CaError::UnknownCertificate {
                    serial: serial.clone(),
                    aki: aki.clone(),
                    ca: self.config.name.clone(),
                };
                if aki_norm != profile::normalize_hex(&self.key_id_hex()) {
                    return Err(unknown().into());
                }
                let cert = registry.cert(&serial)?.ok_or_else(unknown)?;
                let (owner, _) = registry.identity_or_err(&cert.id)?;
                may_act_on(&owner)?;
                if !self.record_revocation(&serial, reason, &caller.id)? {
                    return Err(CaError::AlreadyRevoked { serial }.into());
                }
                Ok(vec![RevokedCertificate { serial, aki: self.key_id_hex() }])
            }
        }
    }

    /// Write the revocation entry of one certificate. `false` if it was already revoked.
    fn record_revocation(&self, serial: &str, reason: RevocationReason, by: &str) -> Result<bool> {
        let registry = self.registry();
        let Some(cert) = registry.cert(serial)? else { return Ok(false) };
        let entry = RevokedRecord {
            v: RECORD_VERSION,
            serial: serial.into(),
            revoked_at: unix(self.now()),
            reason,
            not_after: cert.not_after,
            revoked_by: by.into(),
        };
        match registry.put(&registry.key(KIND_REVOKED, Some(serial)), &entry, Expect::Absent) {
            Ok(_) => Ok(true),
            Err(e) if is_already_exists(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Generate a CRL, acting as `registrar` (needs `hf.GenCRL=true`): v2, AKI, a CRL number one
    /// above the last, every revoked certificate with its revocation time and reason code.
    /// The CRL is also kept as the CA's latest (see [`latest_crl`](Self::latest_crl)).
    pub fn generate_crl(&self, registrar: &str, options: &CrlOptions) -> Result<Crl> {
        let (_, caller) = self.authenticate(registrar, false)?;
        rules::require_true(&caller, rules::GEN_CRL, "generate a CRL")?;
        self.check_ca_valid()?;
        let registry = self.registry();
        let mut entries = vec![];
        for serial in registry.list(KIND_REVOKED)? {
            let rev = match registry.revoked(&serial) {
                Ok(Some(rev)) => rev,
                Ok(None) => continue,
                // Still revoked: its name is the serial. Listed as revoked now, reason
                // unspecified, and never left out as expired (its expiry is unknown).
                Err(e) if is_damage(&e) => {
                    let mut rev = super::query::damaged_revocation(&serial, i64::MAX);
                    rev.revoked_at = unix(self.now());
                    rev
                }
                Err(e) => return Err(e),
            };
            if let Some(cutoff) = options.expired_before_excluded {
                if from_unix(rev.not_after) < cutoff {
                    continue;
                }
            }
            let bytes = hex::decode(if serial.len() % 2 == 1 { format!("0{serial}") } else { serial.clone() })
                .map_err(|_| CaError::Registry { record: serial.clone(), detail: "serial is not hex".into() })?;
            entries.push(CrlEntry { serial: bytes, revoked_at: from_unix(rev.revoked_at), reason: rev.reason });
        }
        let this_update = self.now();
        let validity = options.validity.unwrap_or(Duration::from_secs(self.config.policy.crl_validity_secs));
        let next_update = add(this_update, validity);
        let key = registry.key(KIND_CRL, None);
        for _ in 0..MAX_RETRIES {
            let (number, expect) = match registry.get::<CrlNumberRecord>(&key) {
                Ok(Some((rec, v))) => (rec.last + 1, Expect::Version(v)),
                Ok(None) => (1, Expect::Absent),
                // The last number is lost: the current Unix time is above any number an earlier
                // CRL had (they count up from 1), and the record is written anew (mended).
                Err(e) if is_damage(&e) => (u64::try_from(unix(this_update)).unwrap_or(1), Expect::Any),
                Err(e) => return Err(e),
            };
            let issuer = IssuerRef {
                subject: &self.ca.certificate().x509().tbs_certificate.subject,
                key_id: Some(self.key_id.clone()),
                signer: self.signer(),
            };
            let der = profile::build_crl(&issuer, &entries, this_update, next_update, number)?;
            let record = CrlNumberRecord { v: RECORD_VERSION, last: number, der: Some(B64.encode(&der)) };
            match registry.put(&key, &record, expect) {
                Ok(_) => return Ok(Crl { der, number, entries: entries.len() }),
                Err(Error::Backend(BackendError::Conflict { .. })) => continue,
                Err(e) if is_already_exists(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(BackendError::Conflict { record: key.to_string() }.into())
    }

    /// The last CRL generated, if any (for `msp/crls/crl.pem` when exporting an MSP folder; no
    /// right is needed to read it).
    pub fn latest_crl(&self) -> Result<Option<Crl>> {
        let Some((rec, _)) = self.registry().get::<CrlNumberRecord>(&self.registry().key(KIND_CRL, None))? else {
            return Ok(None);
        };
        let Some(der) = rec.der else { return Ok(None) };
        let der =
            B64.decode(der).map_err(|_| CaError::Registry { record: "CRL".into(), detail: "not base64".into() })?;
        let entries = crl_entries(&der)?;
        Ok(Some(Crl { der, number: rec.last, entries }))
    }
}

/// How many entries a DER CRL lists.
fn crl_entries(der: &[u8]) -> Result<usize> {
    use der::Decode;
    let crl = x509_cert::crl::CertificateList::from_der(der)
        .map_err(|e| CaError::Registry { record: "CRL".into(), detail: format!("not a CRL ({e})") })?;
    Ok(crl.tbs_cert_list.revoked_certificates.map_or(0, |r| r.len()))
}
