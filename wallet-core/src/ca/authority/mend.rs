//! Damaged registry records: finding them (`damaged_records`) and mending what the rest of the
//! wallet can tell (`mend`), so that one bad record never stops the rest of a CA.

use super::query::damaged_revocation;
use super::{unix, CertificateAuthority};
use crate::backend::Expect;
use crate::ca::registry::{
    is_damage, AffRecord, CrlNumberRecord, KIND_AFF, KIND_CERT, KIND_CRL, KIND_ID, KIND_REVOKED, RECORD_VERSION,
};
use crate::ca::{DamagedRecord, Mended};
use crate::error::Result;

impl CertificateAuthority {
    /// Every record of this CA's registry that does not open (it fails its integrity check or
    /// no longer decodes): registered identities, issued certificates, revocations, the CRL
    /// state and the affiliation tree. A store that cannot be read at all is an error.
    pub fn damaged_records(&self) -> Result<Vec<DamagedRecord>> {
        let registry = self.registry();
        let mut out = vec![];
        let mut probe = |kind: &str, name: &str, read: Result<()>| -> Result<()> {
            match read {
                Err(e) if is_damage(&e) => {
                    out.push(DamagedRecord { kind: kind.into(), name: name.into(), detail: e.to_string() });
                    Ok(())
                }
                other => other,
            }
        };
        for id in registry.list(KIND_ID)? {
            probe(KIND_ID, &id, registry.identity(&id).map(drop))?;
        }
        for serial in registry.list(KIND_CERT)? {
            probe(KIND_CERT, &serial, registry.cert(&serial).map(drop))?;
        }
        for serial in registry.list(KIND_REVOKED)? {
            probe(KIND_REVOKED, &serial, registry.revoked(&serial).map(drop))?;
        }
        probe(KIND_CRL, "", registry.get::<CrlNumberRecord>(&registry.key(KIND_CRL, None)).map(drop))?;
        probe(KIND_AFF, "", registry.affiliations().map(drop))?;
        Ok(out)
    }

    /// Mend every damaged record from what the rest of the wallet tells, and say what was done
    /// with each. The wallet owner's repair (as `wallet repair` is for the file wallet): no
    /// registrar right is checked.
    ///
    /// - `ca-id`: removed. What it held (type, affiliation, attributes, secret, enrolment count)
    ///   is gone; register the ID again. Its certificates stay listed and revocable by serial.
    /// - `ca-cert`: rebuilt from the wallet identity that holds the certificate; left as it is
    ///   when none does.
    /// - `ca-revoked`: written again (time now, reason unspecified): the certificate stays
    ///   revoked, and CRLs keep listing it.
    /// - `ca-crl`: written again with the current Unix time as the last CRL number, above any
    ///   number an earlier CRL had (they count up from 1), so CRL numbers keep increasing.
    /// - `ca-aff`: rebuilt from the affiliations of the registered identities and their parents.
    pub fn mend(&self) -> Result<Vec<Mended>> {
        let registry = self.registry();
        let backend = registry.backend;
        let mut out = vec![];
        for record in self.damaged_records()? {
            let (mended, action) = match record.kind.as_str() {
                KIND_ID => {
                    backend.delete(&registry.key(KIND_ID, Some(&record.name)), Expect::Any)?;
                    (true, format!("removed; register {:?} again (its certificates stay listed)", record.name))
                }
                KIND_CERT => match self.wallet_certificate(&record.name)? {
                    Some((label, cert)) => {
                        let owner = cert.common_name().unwrap_or_else(|| label.clone());
                        let rec = self.cert_record(&owner, &cert);
                        registry.put(&registry.key(KIND_CERT, Some(&record.name)), &rec, Expect::Any)?;
                        (true, format!("rebuilt from the wallet identity {label:?}"))
                    }
                    None => (false, "no wallet identity holds this certificate; it stays listed as damaged".into()),
                },
                KIND_REVOKED => {
                    let not_after = match registry.cert(&record.name) {
                        Ok(Some(cert)) => cert.not_after,
                        _ => unix(self.now()) + 100 * 365 * 86_400,
                    };
                    let mut rec = damaged_revocation(&record.name, not_after);
                    rec.revoked_at = unix(self.now());
                    rec.revoked_by = "wallet ca repair".into();
                    registry.put(&registry.key(KIND_REVOKED, Some(&record.name)), &rec, Expect::Any)?;
                    (true, "written again as revoked now, reason unspecified".into())
                }
                KIND_CRL => {
                    let last = u64::try_from(unix(self.now())).unwrap_or(1);
                    let rec = CrlNumberRecord { v: RECORD_VERSION, last, der: None };
                    registry.put(&registry.key(KIND_CRL, None), &rec, Expect::Any)?;
                    (true, format!("the next CRL is number {}; generate it with `wallet ca crl`", last + 1))
                }
                KIND_AFF => {
                    let names = self.affiliations_in_use()?;
                    let count = names.len();
                    let rec = AffRecord { v: RECORD_VERSION, names };
                    registry.put(&registry.key(KIND_AFF, None), &rec, Expect::Any)?;
                    (true, format!("rebuilt from the registered identities ({count} affiliations); add others again"))
                }
                _ => (false, "not a kind this CA can mend".into()),
            };
            out.push(Mended { record, mended, action });
        }
        Ok(out)
    }

    /// The wallet identity holding this CA's certificate with serial `serial`.
    fn wallet_certificate(&self, serial: &str) -> Result<Option<(String, crate::identity::Certificate)>> {
        for label in self.wallet.list()? {
            let Ok(identity) = self.wallet.get(&label) else { continue };
            let cert = identity.certificate();
            if cert.serial_hex() == serial && cert.authority_key_id().as_deref() == Some(self.key_id.as_slice()) {
                return Ok(Some((label, cert.clone())));
            }
        }
        Ok(None)
    }

    /// Every affiliation a registered identity has, with its parents.
    fn affiliations_in_use(&self) -> Result<std::collections::BTreeSet<String>> {
        let mut names = std::collections::BTreeSet::new();
        for info in self.identities()? {
            let mut path = info.affiliation.as_str();
            while !path.is_empty() {
                names.insert(path.to_owned());
                path = path.rsplit_once('.').map_or("", |(parent, _)| parent);
            }
        }
        Ok(names)
    }
}
