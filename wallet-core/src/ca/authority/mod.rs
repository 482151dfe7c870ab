//! The embedded certificate authority, one file per service: its lifecycle (create, import,
//! open, remove), registration, issuance (enrolment, CSRs, reenrolment), revocation and CRLs,
//! and queries. This file holds the type and what the services share.

mod bootstrap;
mod issue;
mod lifecycle;
mod mend;
mod query;
mod register;
mod revoke;
mod service;

pub use bootstrap::{AdminEnrolment, Bootstrap, BootstrapOptions, CaSource};

use super::registry::{CaConfig, IdRecord, Registry};
use super::*;
use crate::backend::{BackendError, BatchPut, Expect, RecordKey};
use crate::crypto::{PublicKey, Signer};
use crate::error::{Error, Result};
use crate::identity::{Certificate, Identity, IdentityKey};
use crate::wallet::Wallet;
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// Fabric CA's default lifetime of a root CA certificate (`ca.expiry`, 131400 h = 15 years).
pub const ROOT_VALIDITY: Duration = Duration::from_secs(131_400 * 3600);
/// Fabric CA's default lifetime of an intermediate CA certificate (`signing.profiles.ca.expiry`).
pub const INTERMEDIATE_VALIDITY: Duration = Duration::from_secs(43_800 * 3600);

/// A certificate authority living in a wallet. Cheap to open; holds no lock. It owns a handle
/// to its wallet, where its records and the identities it enrols are kept.
#[derive(Debug)]
pub struct CertificateAuthority {
    wallet: Arc<Wallet>,
    config: CaConfig,
    /// The CA certificate, its chain and its key (used only through [`Signer`]).
    ca: Identity,
    /// The CA's key identifier: the AKI of everything it signs.
    key_id: Vec<u8>,
    clock: Arc<dyn Clock>,
}

/// How an issuance was authorised.
#[derive(Clone, Copy)]
enum Auth<'a> {
    /// An enrolment secret: counts against max enrolments.
    Secret(&'a str),
    /// A registrar acting for the identity (bulk enrolment): counts too.
    Registrar,
    /// A reenrolment by the holder of a valid certificate: does not count.
    Reenroll,
}

/// What a new certificate should contain besides what the registry decides.
struct Issue<'a> {
    public_key: &'a PublicKey,
    names: SubjectNames,
    serial_number: Option<String>,
    hosts: Vec<String>,
    attr_reqs: Option<&'a [AttributeRequest]>,
    ca_profile: bool,
}

/// A record to write, owned.
pub(crate) struct Stored {
    pub key: RecordKey,
    pub value: Zeroizing<Vec<u8>>,
    pub expect: Expect,
}

impl Stored {
    /// A registry record (JSON).
    fn new<T: serde::Serialize>(key: RecordKey, value: &T, expect: Expect) -> Self {
        Self { key, value: Zeroizing::new(serde_json::to_vec(value).expect("CA records always serialize")), expect }
    }

    pub fn write(&self) -> BatchPut<'_> {
        BatchPut::new(&self.key, &self.value, self.expect)
    }
}

/// A signed certificate and the registry records that make it issued and counted.
pub(crate) struct Issued {
    pub cert: Certificate,
    /// Its certificate record (create-only).
    pub cert_record: Stored,
    /// The identity record with the enrolment counted and the serial added.
    pub id_record: Stored,
}

impl Issued {
    pub fn writes(&self) -> [BatchPut<'_>; 2] {
        [self.cert_record.write(), self.id_record.write()]
    }

    /// Whether a refused batch should be decided again on fresh data: the identity changed
    /// meanwhile (or was registered by someone else), or the serial is taken (2⁻¹⁵⁹).
    pub fn must_retry(&self, e: &Error) -> bool {
        match e {
            Error::Backend(BackendError::Conflict { record }) => *record == self.id_record.key.to_string(),
            Error::AlreadyExists { name, .. } => *name == self.cert_record.key.name,
            Error::NotFound { name, .. } => *name == self.id_record.key.name,
            _ => false,
        }
    }
}

/// The records of one bulk enrolment: the issuance and the new identity's wallet entry.
pub(crate) struct BulkEnrolment {
    pub issued: Issued,
    pub wallet_entry: Stored,
}

fn unix(t: OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

fn from_unix(t: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn add(t: OffsetDateTime, d: Duration) -> OffsetDateTime {
    t + time::Duration::try_from(d).unwrap_or(time::Duration::MAX)
}

/// The DER of the TBS part of a certificate, as signed (no re-encoding).
fn tbs_bytes(der: &[u8]) -> Option<&[u8]> {
    use der::{Decode, Encode, Header, Reader, SliceReader};
    let mut reader = SliceReader::new(der).ok()?;
    Header::decode(&mut reader).ok()?;
    let start = usize::try_from(reader.position()).ok()?;
    let inner = Header::decode(&mut reader).ok()?;
    let len = usize::try_from((inner.encoded_len().ok()? + inner.length).ok()?).ok()?;
    der.get(start..start + len)
}

/// Whether `cert` is signed by `issuer_key`.
pub(crate) fn signed_by(cert: &Certificate, issuer_key: &PublicKey) -> bool {
    let Some(tbs) = tbs_bytes(cert.der()) else { return false };
    let Some(sig) = cert.x509().signature.as_bytes() else { return false };
    crate::crypto::verify(issuer_key, tbs, sig).is_ok()
}

impl CertificateAuthority {
    /// The CA's name.
    pub fn name(&self) -> &str {
        &self.config.name
    }

    /// The MSP ID given to identities it enrols.
    pub fn msp_id(&self) -> &str {
        &self.config.msp_id
    }

    /// Limits and defaults.
    pub fn policy(&self) -> &CaPolicy {
        &self.config.policy
    }

    /// The local CA that signed this one, if any.
    pub fn parent(&self) -> Option<&str> {
        self.config.parent.as_deref()
    }

    /// The CA certificate.
    pub fn certificate(&self) -> &Certificate {
        self.ca.certificate()
    }

    /// The chain handed to enrolled identities: this CA's certificate, then its issuers.
    pub fn chain(&self) -> Vec<Certificate> {
        std::iter::once(self.ca.certificate().clone()).chain(self.ca.chain().iter().cloned()).collect()
    }

    /// The CA's key identifier (the AKI of what it signs), lower-case hex.
    pub fn key_id_hex(&self) -> String {
        hex::encode(&self.key_id)
    }

    fn registry(&self) -> Registry<'_> {
        Registry::new(self.wallet.backend(), &self.config.name)
    }

    fn signer(&self) -> &dyn Signer {
        self.ca.signer()
    }

    fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    fn check_ca_valid(&self) -> Result<()> {
        let now = self.now();
        let cert = self.ca.certificate();
        if now > cert.not_after() || now < cert.not_before() {
            let text = crate::ca::model::rfc3339_text;
            return Err(CaError::CaOutOfValidity {
                name: self.config.name.clone(),
                not_before: text(cert.not_before()),
                not_after: text(cert.not_after()),
            }
            .into());
        }
        Ok(())
    }

    // ----- bulk --------------------------------------------------------------------------------

    pub(crate) fn authenticate_registrar(&self, registrar: &str) -> Result<IdRecord> {
        Ok(self.authenticate(registrar, false)?.1)
    }

    /// The wallet the CA lives in, where it stores the identities it enrols.
    pub fn wallet(&self) -> &Arc<Wallet> {
        &self.wallet
    }
}

/// Affiliation names: dot-separated non-empty parts without blanks or control characters.
fn validate_affiliation_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name
            .split('.')
            .all(|p| !p.is_empty() && !p.chars().any(|c| c.is_control() || c.is_whitespace() || c == '/'));
    if !ok {
        return Err(CaError::InvalidParameter {
            what: format!("affiliation {name:?}"),
            detail: "use dot-separated names without blanks, e.g. org1.department1".into(),
        }
        .into());
    }
    Ok(())
}

/// A CA or an enrolment that could not be made leaves no key behind in a store that keeps keys
/// apart from records (a software key lives only in the record that was not written).
pub(crate) fn forget_key_on_error<T>(wallet: &Wallet, key: &IdentityKey, made: Result<T>) -> Result<T> {
    if made.is_err() && !key.is_software() {
        if let Ok(store) = wallet.key_stores().get(key.reference().scheme()) {
            // The error that stopped the CA is the one to report; a failed clean-up adds nothing.
            let _ = store.delete(key.reference());
        }
    }
    made
}
