//! Making a CA's certificate and key (root, intermediate, imported), opening, listing and
//! removing a CA. Writing a new CA's records is `bootstrap.rs`.

use super::bootstrap::{AdminEnrolment, BootstrapOptions, CaSource};
use super::{add, forget_key_on_error, signed_by, CertificateAuthority};
use crate::backend::Expect;
use crate::ca::profile::{self, CertKind, CertSpec, IssuerRef};
use crate::ca::registry::{
    CaConfig, Registry, KIND_AFF, KIND_CERT, KIND_CONFIG, KIND_CRL, KIND_ID, KIND_KEY, KIND_REVOKED,
};
use crate::ca::rules;
use crate::ca::*;
use crate::crypto::KeyRef;
use crate::error::Result;
use crate::identity::{validate_label, Certificate, IdentityKey};
use crate::wallet::{decode_identity, Wallet};
use std::sync::Arc;
use std::time::Duration;

/// A new CA's certificate, its issuers and its key.
pub(super) struct CaMaterial {
    pub cert: Certificate,
    pub chain: Vec<Certificate>,
    pub key: IdentityKey,
    /// The local CA that signed it, if any.
    pub parent: Option<String>,
}

impl CertificateAuthority {
    /// Create a self-signed root CA and register its bootstrap admin, without enrolling it:
    /// [`bootstrap`](Self::bootstrap) with [`CaSource::Root`] and
    /// [`AdminEnrolment::RegisterOnly`]. Returns the CA and the admin's enrolment secret.
    pub fn create_root(wallet: Arc<Wallet>, options: &CaOptions, clock: Arc<dyn Clock>) -> Result<(Self, Secret)> {
        let done = Self::bootstrap(
            wallet,
            &BootstrapOptions::root(options.clone()).with_clock(clock).admin(AdminEnrolment::RegisterOnly),
        )?;
        Ok((done.ca, done.admin_secret))
    }

    /// Create an intermediate CA whose certificate `parent` signs, acting as `registrar` of the
    /// parent, and register its bootstrap admin without enrolling it: see
    /// [`CaSource::Intermediate`].
    pub fn create_intermediate(
        parent: &CertificateAuthority,
        registrar: &str,
        wallet: Arc<Wallet>,
        options: &CaOptions,
    ) -> Result<(Self, Secret)> {
        let done = Self::bootstrap(
            wallet,
            &BootstrapOptions::intermediate(options.clone(), parent, registrar).admin(AdminEnrolment::RegisterOnly),
        )?;
        Ok((done.ca, done.admin_secret))
    }

    /// Import an existing CA and register its bootstrap admin without enrolling it: see
    /// [`CaSource::Import`].
    pub fn import(
        wallet: Arc<Wallet>,
        options: &CaOptions,
        cert_pem: &[u8],
        key_pem: &[u8],
        clock: Arc<dyn Clock>,
    ) -> Result<(Self, Secret)> {
        let done = Self::bootstrap(
            wallet,
            &BootstrapOptions::import(options.clone(), cert_pem, key_pem)
                .with_clock(clock)
                .admin(AdminEnrolment::RegisterOnly),
        )?;
        Ok((done.ca, done.admin_secret))
    }

    /// The certificate and key of a new CA, as `source` says. For an intermediate, the parent
    /// records the certificate it issued (in its own registry) here.
    pub(super) fn material(
        wallet: &Wallet,
        source: &CaSource<'_>,
        options: &CaOptions,
        clock: &Arc<dyn Clock>,
    ) -> Result<CaMaterial> {
        match source {
            CaSource::Root => Self::root_material(wallet, options, clock),
            CaSource::Intermediate { parent, registrar } => {
                Self::intermediate_material(wallet, parent, registrar, options)
            }
            CaSource::Import { cert_pem, key_pem } => Self::import_material(cert_pem, key_pem),
            CaSource::ImportKeyRef { cert_pem, key } => {
                let certs = Certificate::parse_pem_chain(cert_pem, "CA certificate")?;
                let public = certs[0].public_key()?;
                let key = wallet.key_stores().find(key, Some(&public))?;
                Self::import_checked(certs, key.into())
            }
        }
    }

    /// A self-signed root CA certificate (P-256, CA:TRUE pathlen 1, keyCertSign + cRLSign, SKI).
    fn root_material(wallet: &Wallet, options: &CaOptions, clock: &Arc<dyn Clock>) -> Result<CaMaterial> {
        let subject = Self::ca_subject(options)?;
        let key = wallet.generate_key(&options.name)?;
        let now = clock.now();
        let not_before = profile::round_to_minute(now) - BACKDATE;
        let not_after = add(not_before, options.validity.unwrap_or(ROOT_VALIDITY));
        let public_key = key.signer().public_key();
        let made = profile::issue(
            CertSpec {
                serial: profile::random_serial(),
                subject: subject.clone(),
                public_key: &public_key,
                not_before,
                not_after,
                kind: CertKind::Ca { path_len: Some(1) },
                sans: vec![],
                attrs_json: None,
            },
            &IssuerRef { subject: &subject, key_id: None, signer: key.signer().as_ref() },
        );
        let made = made.map(|cert| CaMaterial { cert, chain: vec![], key: key.clone(), parent: None });
        forget_key_on_error(wallet, &key, made)
    }

    /// An intermediate CA certificate that `parent` signs (CA:TRUE pathlen 0), acting as
    /// `registrar` of the parent, which needs `hf.IntermediateCA=true`. The certificate is
    /// recorded in the parent's registry as issued to the registrar.
    fn intermediate_material(
        wallet: &Wallet,
        parent: &CertificateAuthority,
        registrar: &str,
        options: &CaOptions,
    ) -> Result<CaMaterial> {
        let (_, caller) = parent.authenticate(registrar, false)?;
        rules::require_true(&caller, rules::INTERMEDIATE_CA, "obtain an intermediate CA certificate")?;
        validate_ca_name(&options.name)?;
        let subject = Self::ca_subject(options)?;
        let key = wallet.generate_key(&options.name)?;
        let made = Self::intermediate_with(parent, &caller, options, subject, &key);
        forget_key_on_error(wallet, &key, made)
    }

    fn intermediate_with(
        parent: &CertificateAuthority,
        caller: &crate::ca::registry::IdRecord,
        options: &CaOptions,
        subject: x509_cert::name::Name,
        key: &IdentityKey,
    ) -> Result<CaMaterial> {
        let now = parent.clock.now();
        let not_before = profile::round_to_minute(now) - BACKDATE;
        let not_after = add(profile::round_to_minute(now), options.validity.unwrap_or(INTERMEDIATE_VALIDITY))
            .min(parent.ca.certificate().not_after());
        let public_key = key.signer().public_key();
        let cert = parent.sign_and_record(&caller.id, |serial| CertSpec {
            serial,
            subject: subject.clone(),
            public_key: &public_key,
            not_before,
            not_after,
            kind: CertKind::Ca { path_len: Some(0) },
            sans: vec![],
            attrs_json: None,
        })?;
        let serial = cert.serial_hex();
        parent.registry().update_identity(&caller.id, |rec| {
            rec.certs.push(serial.clone());
            Ok(())
        })?;
        let mut chain = vec![parent.ca.certificate().clone()];
        chain.extend(parent.ca.chain().iter().cloned());
        Ok(CaMaterial { cert, chain, key: key.clone(), parent: Some(parent.config.name.clone()) })
    }

    /// An existing CA: its certificate (PEM, followed by its issuers if it is an intermediate)
    /// and private key (PKCS#8 or SEC1 PEM) — e.g. a fabric-ca-server `ca-cert.pem` with its
    /// `msp/keystore/*_sk`, or cryptogen's `ca/` folder.
    fn import_material(cert_pem: &[u8], key_pem: &[u8]) -> Result<CaMaterial> {
        let certs = Certificate::parse_pem_chain(cert_pem, "CA certificate")?;
        let key = crate::crypto::parse_private_key_pem(key_pem, "CA key")?;
        // An imported key stays a software key: it has been outside a key store already.
        Self::import_checked(certs, IdentityKey::software(key))
    }

    /// The checks of an imported CA: a CA certificate that may sign certificates, its key, a
    /// chain in which each issuer signed the one before.
    fn import_checked(mut certs: Vec<Certificate>, key: IdentityKey) -> Result<CaMaterial> {
        let cert = certs.remove(0);
        let not_ca = |detail: String| CaError::NotACa { what: format!("certificate {:?}", cert.subject()), detail };
        if !cert.is_ca() {
            return Err(not_ca("its basic constraints do not say CA:TRUE".into()).into());
        }
        if let Some(ku) = cert.extension(const_oid::db::rfc5280::ID_CE_KEY_USAGE) {
            use der::Decode;
            let ku = x509_cert::ext::pkix::KeyUsage::from_der(ku.extn_value.as_bytes())
                .map_err(|e| not_ca(format!("unreadable key usage ({e})")))?;
            if !ku.key_cert_sign() {
                return Err(not_ca("its key usage does not include keyCertSign".into()).into());
            }
        }
        if cert.public_key()? != key.signer().public_key() {
            return Err(not_ca("the private key does not belong to it".into()).into());
        }
        let mut child = &cert;
        for issuer in &certs {
            if !signed_by(child, &issuer.public_key()?) {
                return Err(
                    not_ca(format!("{:?} in the chain did not sign {:?}", issuer.subject(), child.subject())).into()
                );
            }
            child = issuer;
        }
        Ok(CaMaterial { cert, chain: certs, key, parent: None })
    }

    pub(super) fn ca_subject(options: &CaOptions) -> Result<x509_cert::name::Name> {
        let ous: Vec<String> = options.organizational_unit.iter().cloned().collect();
        profile::build_name(&options.names, &ous, Some(options.common_name.as_deref().unwrap_or(&options.name)), None)
    }

    /// Open the CA named `name` in `wallet`, on the system clock.
    pub fn open(wallet: Arc<Wallet>, name: &str) -> Result<Self> {
        let registry = Registry::new(wallet.backend(), name);
        let unknown = || CaError::UnknownCa { name: name.into(), location: wallet.location() };
        let (config, _) = registry.get::<CaConfig>(&registry.key(KIND_CONFIG, None))?.ok_or_else(unknown)?;
        let key = registry.key(KIND_KEY, None);
        let rec = wallet.backend().get(&key)?.ok_or_else(|| CaError::Registry {
            record: key.to_string(),
            detail: "the CA's key record is missing".into(),
        })?;
        let ca = decode_identity(name, &rec.value, wallet.key_stores())?;
        let key_id = IssuerRef::key_id_of(ca.certificate())?;
        Ok(Self { wallet, config, ca, key_id, clock: Arc::new(SystemClock) })
    }

    /// Open the CA named `name`, or, when `name` is `None`, the only CA in the wallet
    /// ([`CaError::NoCa`] if there is none, [`CaError::AmbiguousCa`] listing them if there are
    /// several).
    pub fn open_default(wallet: Arc<Wallet>, name: Option<&str>) -> Result<Self> {
        if let Some(name) = name {
            return Self::open(wallet, name);
        }
        let names = Self::list(&wallet)?;
        match names.as_slice() {
            [one] => {
                let one = one.clone();
                Self::open(wallet, &one)
            }
            [] => Err(CaError::NoCa { location: wallet.location() }.into()),
            _ => Err(CaError::AmbiguousCa { names, location: wallet.location() }.into()),
        }
    }

    /// The same CA reading time from `clock`.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Names of the CAs in a wallet.
    pub fn list(wallet: &Wallet) -> Result<Vec<String>> {
        wallet.backend().list(KIND_CONFIG, "")
    }

    /// Delete every record of a CA (its key, registry and certificates) from the wallet.
    /// Identities it enrolled stay in the wallet.
    pub fn remove(wallet: &Wallet, name: &str) -> Result<()> {
        validate_ca_name(name)?;
        let backend = wallet.backend();
        let registry = Registry::new(backend, name);
        // Configuration first: the CA disappears at once, the rest is clean-up.
        backend.delete(&registry.key(KIND_CONFIG, None), Expect::Any)?;
        Self::delete_registry(&registry)?;
        let key_record = backend.get(&registry.key(KIND_KEY, None)).ok().flatten();
        backend.delete(&registry.key(KIND_KEY, None), Expect::Any)?;
        // The record went first: a failure here leaves an unused key, never a CA without one.
        if let Some(reference) = key_record.as_ref().and_then(|r| key_reference(&r.value)) {
            if let Ok(store) = wallet.key_stores().get(reference.scheme()) {
                store.delete(&reference)?;
            }
        }
        Ok(())
    }

    /// Delete a CA's registry: identities, certificates, revocations, affiliations, CRL number
    /// (not its configuration or key).
    pub(super) fn delete_registry(registry: &Registry<'_>) -> Result<()> {
        let backend = registry.backend;
        for kind in [KIND_ID, KIND_CERT, KIND_REVOKED] {
            for n in registry.list(kind)? {
                backend.delete(&registry.key(kind, Some(&n)), Expect::Any)?;
            }
        }
        for kind in [KIND_AFF, KIND_CRL] {
            backend.delete(&registry.key(kind, None), Expect::Any)?;
        }
        Ok(())
    }
}

/// The key reference in a CA key record (an identity record), if it can be read.
fn key_reference(record: &[u8]) -> Option<KeyRef> {
    #[derive(serde::Deserialize)]
    struct KeyOnly {
        key: KeyRef,
    }
    serde_json::from_slice::<KeyOnly>(record).ok().map(|k| k.key)
}

/// cfssl's backdating of CA certificates.
const BACKDATE: Duration = Duration::from_secs(5 * 60);

pub(super) fn validate_ca_name(name: &str) -> Result<()> {
    validate_label(name).map_err(|_| CaError::InvalidParameter {
        what: format!("CA name {name:?}"),
        detail: "use 1–255 bytes without '/', '\\', control characters or surrounding blanks".into(),
    })?;
    Ok(())
}
