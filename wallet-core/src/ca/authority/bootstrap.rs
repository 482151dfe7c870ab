//! Bootstrap: a new CA (root, intermediate or imported) and its first admin, registered and
//! enrolled into the wallet, in one step that a crash cannot leave half done.
//!
//! Every record is decided before anything is written. On a backend whose batches are atomic
//! they are written in one batch: all of them or none. On a backend without, they are written
//! one by one — the CA's key record first (create-only, so it claims the name), then the
//! affiliations, the admin's certificate record, its wallet entry, its registry identity, and
//! the CA's configuration last: a CA is visible (listed, openable) only once it is whole. A
//! crash before that leaves a key record without a configuration; a rerun of the bootstrap
//! finds it, deletes the rest of what the crash left and writes everything again over it.

use super::lifecycle::validate_ca_name;
use super::{unix, validate_affiliation_name, Auth, CertificateAuthority, Issue, Stored};
use crate::backend::{Expect, RecordKey};
use crate::ca::profile::IssuerRef;
use crate::ca::registry::{
    AffRecord, CaConfig, IdRecord, Registry, KIND_AFF, KIND_CONFIG, KIND_ID, KIND_KEY, RECORD_VERSION,
};
use crate::ca::rules;
use crate::ca::secret::{hash_secret, SecretOrigin};
use crate::ca::*;
use crate::error::{Error, Result};
use crate::identity::{validate_label, validate_msp_id, Identity};
use crate::wallet::{decode_identity, encode_identity, Wallet, IDENTITY_KIND};
use std::collections::BTreeSet;
use std::sync::Arc;

/// Where a new CA's certificate and key come from.
pub enum CaSource<'a> {
    /// A new self-signed root (P-256, CA:TRUE pathlen 1, 15 years unless `CaOptions::validity`).
    Root,
    /// A new intermediate whose certificate `parent` signs (CA:TRUE pathlen 0), acting as
    /// `registrar` of the parent, which needs `hf.IntermediateCA=true`. The parent records the
    /// certificate as issued to the registrar before the new CA's records are written: a crash
    /// in between leaves that issued, unused certificate in the parent's registry, and a rerun
    /// issues another.
    Intermediate { parent: &'a CertificateAuthority, registrar: &'a str },
    /// An existing CA: its certificate (PEM, followed by its issuers if it is an intermediate)
    /// and private key (PKCS#8 or SEC1 PEM) — e.g. a fabric-ca-server `ca-cert.pem` with its
    /// `msp/keystore/*_sk`, or cryptogen's `ca/` folder.
    Import { cert_pem: &'a [u8], key_pem: &'a [u8] },
    /// An existing CA whose key already lives in a key store (an HSM key, a Transit key): its
    /// certificate (PEM, with its issuers) and the spec that finds the key there, which must
    /// be the certificate's.
    ImportKeyRef { cert_pem: &'a [u8], key: &'a crate::crypto::KeySpec },
}

impl std::fmt::Debug for CaSource<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CaSource::Root => f.write_str("Root"),
            CaSource::Intermediate { parent, registrar } => {
                f.debug_struct("Intermediate").field("parent", &parent.name()).field("registrar", registrar).finish()
            }
            // Never the key.
            CaSource::Import { .. } => f.write_str("Import { .. }"),
            CaSource::ImportKeyRef { key, .. } => {
                f.debug_struct("ImportKeyRef").field("key", key).finish_non_exhaustive()
            }
        }
    }
}

/// What to do with the bootstrap admin (`CaOptions::admin_id`, every right).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminEnrolment {
    /// Register it and enrol it into the wallet under `label` (`None`: the admin's ID).
    Enroll { label: Option<String> },
    /// Only register it; enrol it later with the secret [`Bootstrap::admin_secret`].
    RegisterOnly,
}

impl Default for AdminEnrolment {
    fn default() -> Self {
        AdminEnrolment::Enroll { label: None }
    }
}

/// How to bootstrap a CA: its options, where its certificate comes from, and its admin.
#[derive(Debug)]
pub struct BootstrapOptions<'a> {
    /// Name, MSP ID, subject, policy, admin ID and secret, affiliations.
    pub ca: CaOptions,
    /// Root, intermediate or imported.
    pub source: CaSource<'a>,
    /// Enrol the admin (default), or only register it.
    pub admin: AdminEnrolment,
    /// The CA's clock (the system clock; an intermediate's parent's).
    pub clock: Arc<dyn Clock>,
}

impl<'a> BootstrapOptions<'a> {
    /// A new root CA with its admin enrolled under its ID.
    pub fn root(ca: CaOptions) -> Self {
        Self { ca, source: CaSource::Root, admin: AdminEnrolment::default(), clock: Arc::new(SystemClock) }
    }

    /// A new intermediate CA signed by `parent`, acting as its `registrar`; on the parent's clock.
    pub fn intermediate(ca: CaOptions, parent: &'a CertificateAuthority, registrar: &'a str) -> Self {
        let clock = parent.clock.clone();
        Self { ca, source: CaSource::Intermediate { parent, registrar }, admin: AdminEnrolment::default(), clock }
    }

    /// An imported CA (certificate chain and key, PEM).
    pub fn import(ca: CaOptions, cert_pem: &'a [u8], key_pem: &'a [u8]) -> Self {
        Self {
            ca,
            source: CaSource::Import { cert_pem, key_pem },
            admin: AdminEnrolment::default(),
            clock: Arc::new(SystemClock),
        }
    }

    /// An imported CA whose key is in a key store, found by `key` (see [`CaSource::ImportKeyRef`]).
    pub fn import_with_key(ca: CaOptions, cert_pem: &'a [u8], key: &'a crate::crypto::KeySpec) -> Self {
        Self {
            ca,
            source: CaSource::ImportKeyRef { cert_pem, key },
            admin: AdminEnrolment::default(),
            clock: Arc::new(SystemClock),
        }
    }

    /// What to do with the admin.
    pub fn admin(mut self, admin: AdminEnrolment) -> Self {
        self.admin = admin;
        self
    }

    /// Read time from `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

/// A bootstrapped CA and its admin.
#[derive(Debug)]
pub struct Bootstrap {
    /// The new CA.
    pub ca: CertificateAuthority,
    /// The admin's identity, stored in the wallet (`None` with [`AdminEnrolment::RegisterOnly`]).
    pub admin: Option<Identity>,
    /// The admin's enrolment secret (the one in `CaOptions::admin_secret`, or a generated one).
    pub admin_secret: Secret,
}

impl CertificateAuthority {
    /// Create a CA and its bootstrap admin in `wallet`, and (unless
    /// [`AdminEnrolment::RegisterOnly`]) enrol the admin into the wallet: one step that a crash
    /// cannot leave half done (see the module documentation). Refused with
    /// [`CaError::CaExists`] if the wallet has a CA of that name, and with
    /// [`Error::AlreadyExists`] if the admin's label is taken, before anything is written.
    pub fn bootstrap(wallet: Arc<Wallet>, options: &BootstrapOptions<'_>) -> Result<Bootstrap> {
        let o = &options.ca;
        let affiliations = check_options(o)?;
        let admin_label = match &options.admin {
            AdminEnrolment::Enroll { label } => {
                let label = label.clone().unwrap_or_else(|| o.admin_id.clone());
                validate_label(&label)?;
                Some(label)
            }
            AdminEnrolment::RegisterOnly => None,
        };
        let backend = wallet.backend();
        let registry = Registry::new(backend, &o.name);
        let exists = || -> Error { CaError::CaExists { name: o.name.clone(), location: wallet.location() }.into() };
        if backend.get(&registry.key(KIND_CONFIG, None))?.is_some() {
            return Err(exists());
        }
        // A key record without a configuration is what an interrupted bootstrap left.
        let leftover = backend.get(&registry.key(KIND_KEY, None))?;
        let leftover_key_id = leftover
            .as_ref()
            .and_then(|rec| decode_identity(&o.name, &rec.value, wallet.key_stores()).ok())
            .and_then(|ca| IssuerRef::key_id_of(ca.certificate()).ok());
        let admin_expect = match &admin_label {
            Some(label) => Some(admin_slot(&wallet, label, &o.admin_id, leftover_key_id.as_deref())?),
            None => None,
        };

        let material = Self::material(&wallet, &options.source, o, &options.clock)?;
        let ca_identity = Identity::new(&o.name, &o.msp_id, material.cert, material.chain, material.key)?;
        let key_id = IssuerRef::key_id_of(ca_identity.certificate())?;
        let config = CaConfig {
            v: RECORD_VERSION,
            name: o.name.clone(),
            msp_id: o.msp_id.clone(),
            names: o.names.clone(),
            policy: o.policy.clone(),
            parent: material.parent,
            created: unix(options.clock.now()),
        };
        let ca = CertificateAuthority {
            wallet: wallet.clone(),
            config,
            ca: ca_identity,
            key_id,
            clock: options.clock.clone(),
        };

        let (secret, origin) = match &o.admin_secret {
            Some(s) => (s.clone(), SecretOrigin::Chosen),
            None => (Secret::generate(), SecretOrigin::Generated),
        };
        let admin = IdRecord {
            v: RECORD_VERSION,
            id: o.admin_id.clone(),
            identity_type: "client".into(),
            affiliation: String::new(),
            attrs: rules::bootstrap_admin_attrs(),
            max_enrollments: o.policy.max_enrollments,
            enrollments: 0,
            state: IdentityState::Active,
            secret: Some(hash_secret(&secret, origin)),
            failed_attempts: 0,
            certs: vec![],
        };
        let key_expect = leftover.as_ref().map_or(Expect::Absent, |rec| Expect::Version(rec.version));
        let mut records = vec![
            Stored { key: registry.key(KIND_KEY, None), value: encode_identity(&ca.ca)?, expect: key_expect },
            Stored::new(
                registry.key(KIND_AFF, None),
                &AffRecord { v: RECORD_VERSION, names: affiliations },
                Expect::Any,
            ),
        ];
        let admin_identity = match (admin_label, admin_expect) {
            (Some(label), Some(expect)) => {
                let key = wallet.generate_key(&label)?;
                let public_key = key.signer().public_key();
                let issued = ca.sign_for(
                    &admin,
                    Expect::Any,
                    Auth::Registrar,
                    &Issue {
                        public_key: &public_key,
                        names: o.names.clone(),
                        serial_number: None,
                        hosts: vec![],
                        attr_reqs: None,
                        ca_profile: false,
                    },
                )?;
                let (entry, identity) = ca.wallet_entry(&label, &issued.cert, &key, expect)?;
                // The certificate and the wallet entry, then the enrolment counted.
                records.push(issued.cert_record);
                records.extend(entry);
                records.push(issued.id_record);
                Some(identity)
            }
            _ => {
                records.push(Stored::new(registry.key(KIND_ID, Some(&admin.id)), &admin, Expect::Any));
                None
            }
        };
        records.push(Stored::new(registry.key(KIND_CONFIG, None), &ca.config, Expect::Absent));

        if leftover.is_some() {
            Self::delete_registry(&registry)?;
        }
        // Another bootstrap of the same name got there first.
        let name_taken = |e: Error| match e {
            Error::AlreadyExists { kind, .. } if kind != "identity" => exists(),
            e => e,
        };
        if backend.capabilities().atomic_batch {
            let writes: Vec<_> = records.iter().map(Stored::write).collect();
            backend.put_batch(&writes).map_err(name_taken)?;
        } else {
            for r in &records {
                backend.put(&r.key, &r.value, r.expect).map_err(name_taken)?;
            }
        }
        Ok(Bootstrap { ca, admin: admin_identity, admin_secret: secret })
    }
}

/// Check a new CA's options; returns its affiliation tree.
fn check_options(o: &CaOptions) -> Result<BTreeSet<String>> {
    validate_ca_name(&o.name)?;
    validate_msp_id(&o.msp_id)?;
    validate_label(&o.admin_id)?;
    let affiliations = o
        .affiliations
        .iter()
        .map(|a| validate_affiliation_name(a).map(|()| a.clone()))
        .collect::<Result<BTreeSet<_>>>()?;
    for a in &affiliations {
        if let Some((parent, _)) = a.rsplit_once('.') {
            if !affiliations.contains(parent) {
                return Err(CaError::InvalidParameter {
                    what: format!("affiliation {a:?}"),
                    detail: format!("its parent {parent:?} is not in the list"),
                }
                .into());
            }
        }
    }
    Ok(affiliations)
}

/// How the admin's wallet entry may be written under `label`: the label is free, or holds what
/// an interrupted bootstrap left (the admin's certificate from the leftover CA key), which is
/// replaced. Anything else is the caller's and is refused.
fn admin_slot(wallet: &Wallet, label: &str, admin_id: &str, leftover_key_id: Option<&[u8]>) -> Result<Expect> {
    let Some(current) = wallet.backend().get(&RecordKey::new(IDENTITY_KIND, label))? else {
        return Ok(Expect::Absent);
    };
    let left_by_a_crash = leftover_key_id.is_some_and(|key_id| {
        wallet.try_get(label).ok().flatten().is_some_and(|identity| {
            let cert = identity.certificate();
            cert.authority_key_id().as_deref() == Some(key_id) && cert.common_name().as_deref() == Some(admin_id)
        })
    });
    if left_by_a_crash {
        Ok(Expect::Version(current.version))
    } else {
        Err(Error::AlreadyExists { kind: "identity", name: label.into(), location: wallet.location() })
    }
}
