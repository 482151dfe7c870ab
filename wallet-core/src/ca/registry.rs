//! The CA's records in the wallet backend (layout in `docs/ca.md`).
//!
//! | kind | name | holds | written |
//! | --- | --- | --- | --- |
//! | `ca` | `<ca>` | [`CaConfig`] | once, at creation |
//! | `ca-key` | `<ca>` | the CA certificate, its chain and key (identity record) | once |
//! | `ca-aff` | `<ca>` | the affiliation tree | compare-and-swap |
//! | `ca-id` | `<ca>/<id>` | [`IdRecord`] | compare-and-swap |
//! | `ca-cert` | `<ca>/<serial>` | [`CertRecord`] | create-only (never reused) |
//! | `ca-revoked` | `<ca>/<serial>` | [`RevokedRecord`] | create-only |
//! | `ca-crl` | `<ca>` | the last CRL number | compare-and-swap |
//!
//! Separate kinds keep every listing cheap: listing CAs does not touch identities, listing one
//! CA's identities does not touch certificates, and a CRL reads only the revocation entries.

use super::{Attribute, CaError, CaPolicy, IdentityState, RevocationReason, SubjectNames};
use crate::backend::{Backend, BackendError, Expect, RecordKey, Version};
use crate::error::{Error, Result};
use serde::{de::DeserializeOwned, Deserialize, Serialize};

pub(crate) const KIND_CONFIG: &str = "ca";
pub(crate) const KIND_KEY: &str = "ca-key";
pub(crate) const KIND_AFF: &str = "ca-aff";
pub(crate) const KIND_ID: &str = "ca-id";
pub(crate) const KIND_CERT: &str = "ca-cert";
pub(crate) const KIND_REVOKED: &str = "ca-revoked";
pub(crate) const KIND_CRL: &str = "ca-crl";

/// Record format version of every CA record.
pub(crate) const RECORD_VERSION: u32 = 1;

/// How often a compare-and-swap update is retried before giving up with [`BackendError::Conflict`].
pub(crate) const MAX_RETRIES: usize = 1000;

/// A CA's settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CaConfig {
    pub v: u32,
    pub name: String,
    pub msp_id: String,
    /// C/ST/L/O that enrolment requests carry by default.
    pub names: SubjectNames,
    pub policy: CaPolicy,
    /// The local CA that issued this one's certificate, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// Unix time of creation.
    pub created: i64,
}

/// A registered identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct IdRecord {
    pub v: u32,
    pub id: String,
    #[serde(rename = "type")]
    pub identity_type: String,
    pub affiliation: String,
    pub attrs: Vec<Attribute>,
    pub max_enrollments: i32,
    pub enrollments: u32,
    pub state: IdentityState,
    /// Stored form of the secret (see `secret.rs`); `None` = no secret (cannot enrol by secret).
    pub secret: Option<String>,
    pub failed_attempts: u32,
    /// Serials (trimmed hex) of the certificates issued to it, oldest first.
    pub certs: Vec<String>,
}

impl IdRecord {
    /// Value of an attribute.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().rev().find(|a| a.name == name).map(|a| a.value.as_str())
    }
}

/// An issued certificate. Never changes once written.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CertRecord {
    pub v: u32,
    pub serial: String,
    pub aki: String,
    pub id: String,
    pub not_before: i64,
    pub not_after: i64,
    /// Base64 DER.
    pub der: String,
}

/// A revocation. Never changes once written; its existence is what makes a certificate revoked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RevokedRecord {
    pub v: u32,
    pub serial: String,
    pub revoked_at: i64,
    pub reason: RevocationReason,
    pub not_after: i64,
    pub revoked_by: String,
}

/// The affiliation tree: every node's dotted path.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct AffRecord {
    pub v: u32,
    pub names: std::collections::BTreeSet<String>,
}

/// The last CRL number used, and that CRL (base64 DER).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CrlNumberRecord {
    pub v: u32,
    pub last: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub der: Option<String>,
}

/// Typed access to one CA's records.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Registry<'a> {
    pub backend: &'a dyn Backend,
    pub ca: &'a str,
}

impl<'a> Registry<'a> {
    pub fn new(backend: &'a dyn Backend, ca: &'a str) -> Self {
        Self { backend, ca }
    }

    pub fn key(&self, kind: &str, name: Option<&str>) -> RecordKey {
        match name {
            None => RecordKey::new(kind, self.ca),
            Some(n) => RecordKey::new(kind, &format!("{}/{n}", self.ca)),
        }
    }

    pub fn get<T: DeserializeOwned>(&self, key: &RecordKey) -> Result<Option<(T, Version)>> {
        let Some(rec) = self.backend.get(key)? else { return Ok(None) };
        let value = serde_json::from_slice(&rec.value)
            .map_err(|e| CaError::Registry { record: key.to_string(), detail: e.to_string() })?;
        Ok(Some((value, rec.version)))
    }

    pub fn put<T: Serialize>(&self, key: &RecordKey, value: &T, expect: Expect) -> Result<Version> {
        let bytes = zeroize::Zeroizing::new(serde_json::to_vec(value).expect("CA records always serialize"));
        self.backend.put(key, &bytes, expect)
    }

    pub fn identity(&self, id: &str) -> Result<Option<(IdRecord, Version)>> {
        self.get(&self.key(KIND_ID, Some(id)))
    }

    pub fn identity_or_err(&self, id: &str) -> Result<(IdRecord, Version)> {
        self.identity(id)?.ok_or_else(|| CaError::UnknownIdentity { id: id.into(), ca: self.ca.into() }.into())
    }

    pub fn cert(&self, serial: &str) -> Result<Option<CertRecord>> {
        Ok(self.get(&self.key(KIND_CERT, Some(serial)))?.map(|(c, _)| c))
    }

    pub fn revoked(&self, serial: &str) -> Result<Option<RevokedRecord>> {
        Ok(self.get(&self.key(KIND_REVOKED, Some(serial)))?.map(|(r, _)| r))
    }

    pub fn affiliations(&self) -> Result<(AffRecord, Option<Version>)> {
        Ok(match self.get::<AffRecord>(&self.key(KIND_AFF, None))? {
            Some((a, v)) => (a, Some(v)),
            None => (AffRecord { v: RECORD_VERSION, ..Default::default() }, None),
        })
    }

    /// Names under `kind` for this CA, without the `<ca>/` prefix.
    pub fn list(&self, kind: &str) -> Result<Vec<String>> {
        let prefix = format!("{}/", self.ca);
        Ok(self.backend.list(kind, &prefix)?.into_iter().map(|n| n[prefix.len()..].to_owned()).collect())
    }

    /// Read-modify-write an identity record with compare-and-swap, retrying on conflicts.
    /// `change` sees the current record and returns what to do; it may run several times.
    pub fn update_identity<R>(
        &self,
        id: &str,
        mut change: impl FnMut(&mut IdRecord) -> std::result::Result<R, Error>,
    ) -> Result<R> {
        let key = self.key(KIND_ID, Some(id));
        for _ in 0..MAX_RETRIES {
            let (mut rec, version) = self.identity_or_err(id)?;
            let out = change(&mut rec)?;
            match self.put(&key, &rec, Expect::Version(version)) {
                Ok(_) => return Ok(out),
                Err(Error::Backend(BackendError::Conflict { .. })) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(BackendError::Conflict { record: key.to_string() }.into())
    }
}

/// Whether `e` says that one record is damaged (it fails its integrity check or does not
/// decode), as opposed to the store failing: the rest of the registry can still be read.
pub(crate) fn is_damage(e: &Error) -> bool {
    matches!(e, Error::Backend(BackendError::Integrity { .. }) | Error::Ca(CaError::Registry { .. }))
}

/// Whether an `Error` is the "record exists" answer to an `Expect::Absent` write.
pub(crate) fn is_already_exists(e: &Error) -> bool {
    matches!(e, Error::AlreadyExists { .. })
}
