//! Creating, importing, opening, listing and removing a CA.

use super::{add, forget_key_on_error, signed_by, unix, validate_affiliation_name, CertificateAuthority};
use crate::backend::Expect;
use crate::ca::profile::{self, CertKind, CertSpec, IssuerRef};
use crate::ca::registry::{
    is_already_exists, AffRecord, CaConfig, IdRecord, Registry, KIND_AFF, KIND_CERT, KIND_CONFIG, KIND_CRL, KIND_ID,
    KIND_KEY, KIND_REVOKED, RECORD_VERSION,
};
use crate::ca::rules;
use crate::ca::secret::{hash_secret, SecretOrigin};
use crate::ca::*;
use crate::crypto::{KeyRef, Signer};
use crate::error::Result;
use crate::identity::{validate_label, validate_msp_id, Certificate, Identity, IdentityKey};
use crate::wallet::{decode_identity, encode_identity, Wallet};
use std::sync::Arc;
use std::time::Duration;

impl<'w> CertificateAuthority<'w> {
    /// Create a self-signed root CA (P-256, CA:TRUE pathlen 1, keyCertSign + cRLSign, SKI) and
    /// register its bootstrap admin. Returns the CA and the admin's enrolment secret. The CA's
    /// key is made in the wallet's default key store; only its reference is recorded.
    pub fn create_root(wallet: &'w Wallet, options: &CaOptions, clock: Arc<dyn Clock>) -> Result<(Self, Secret)> {
        validate_ca_name(&options.name)?;
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
        )
        .and_then(|cert| Self::install(wallet, options, cert, vec![], key.clone(), None, clock));
        forget_key_on_error(wallet, &key, made)
    }

    /// Create an intermediate CA whose certificate `parent` signs (CA:TRUE pathlen 0), acting as
    /// `registrar` of the parent, which needs `hf.IntermediateCA=true`. The certificate is
    /// recorded in the parent's registry as issued to the registrar.
    pub fn create_intermediate(
        parent: &CertificateAuthority<'_>,
        registrar: &str,
        wallet: &'w Wallet,
        options: &CaOptions,
    ) -> Result<(Self, Secret)> {
        let (_, caller) = parent.authenticate(registrar, false)?;
        rules::require_true(&caller, rules::INTERMEDIATE_CA, "obtain an intermediate CA certificate")?;
        validate_ca_name(&options.name)?;
        let subject = Self::ca_subject(options)?;
        let key = wallet.generate_key(&options.name)?;
        let made = Self::intermediate_with(parent, &caller, wallet, options, subject, &key);
        forget_key_on_error(wallet, &key, made)
    }

    fn intermediate_with(
        parent: &CertificateAuthority<'_>,
        caller: &IdRecord,
        wallet: &'w Wallet,
        options: &CaOptions,
        subject: x509_cert::name::Name,
        key: &IdentityKey,
    ) -> Result<(Self, Secret)> {
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
        Self::install(wallet, options, cert, chain, key.clone(), Some(parent.config.name.clone()), parent.clock.clone())
    }

    /// Import an existing CA: its certificate (PEM, followed by its issuers if it is an
    /// intermediate) and private key (PKCS#8 or SEC1 PEM) — e.g. a fabric-ca-server
    /// `ca-cert.pem` with its `msp/keystore/*_sk`, or cryptogen's `ca/` folder.
    pub fn import(
        wallet: &'w Wallet,
        options: &CaOptions,
        cert_pem: &[u8],
        key_pem: &[u8],
        clock: Arc<dyn Clock>,
    ) -> Result<(Self, Secret)> {
        let mut certs = Certificate::parse_pem_chain(cert_pem, "CA certificate")?;
        let cert = certs.remove(0);
        let key = crate::crypto::parse_private_key_pem(key_pem, "CA key")?;
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
        if cert.public_key()? != key.public_key() {
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
        // An imported key stays a software key: it has been outside a key store already.
        Self::install(wallet, options, cert, certs, IdentityKey::software(key), None, clock)
    }

    fn ca_subject(options: &CaOptions) -> Result<x509_cert::name::Name> {
        let ous: Vec<String> = options.organizational_unit.iter().cloned().collect();
        profile::build_name(&options.names, &ous, Some(options.common_name.as_deref().unwrap_or(&options.name)), None)
    }

    /// Write a new CA's records. The key record is written first with create-only semantics, so
    /// it claims the name; the configuration is written last, so a CA is only visible once it is
    /// complete.
    fn install(
        wallet: &'w Wallet,
        options: &CaOptions,
        cert: Certificate,
        chain: Vec<Certificate>,
        key: IdentityKey,
        parent: Option<String>,
        clock: Arc<dyn Clock>,
    ) -> Result<(Self, Secret)> {
        validate_ca_name(&options.name)?;
        validate_msp_id(&options.msp_id)?;
        validate_label(&options.admin_id)?;
        let affiliations = options
            .affiliations
            .iter()
            .map(|a| validate_affiliation_name(a).map(|()| a.clone()))
            .collect::<Result<std::collections::BTreeSet<_>>>()?;
        for a in &affiliations {
            if let Some((parent_aff, _)) = a.rsplit_once('.') {
                if !affiliations.contains(parent_aff) {
                    return Err(CaError::InvalidParameter {
                        what: format!("affiliation {a:?}"),
                        detail: format!("its parent {parent_aff:?} is not in the list"),
                    }
                    .into());
                }
            }
        }
        let backend = wallet.backend();
        let registry = Registry::new(backend, &options.name);
        let exists = || CaError::CaExists { name: options.name.clone(), location: wallet.location() };
        if backend.get(&registry.key(KIND_CONFIG, None))?.is_some() {
            return Err(exists().into());
        }
        let ca_identity = Identity::new(&options.name, &options.msp_id, cert, chain, key)?;
        let key_record = encode_identity(&ca_identity)?;
        backend.put(&registry.key(KIND_KEY, None), &key_record, Expect::Absent).map_err(|e| {
            if is_already_exists(&e) {
                exists().into()
            } else {
                e
            }
        })?;
        registry.put(
            &registry.key(KIND_AFF, None),
            &AffRecord { v: RECORD_VERSION, names: affiliations },
            Expect::Any,
        )?;
        let (secret, origin) = match &options.admin_secret {
            Some(s) => (s.clone(), SecretOrigin::Chosen),
            None => (Secret::generate(), SecretOrigin::Generated),
        };
        let admin = IdRecord {
            v: RECORD_VERSION,
            id: options.admin_id.clone(),
            identity_type: "client".into(),
            affiliation: String::new(),
            attrs: rules::bootstrap_admin_attrs(),
            max_enrollments: options.policy.max_enrollments,
            enrollments: 0,
            state: IdentityState::Active,
            secret: Some(hash_secret(&secret, origin)),
            failed_attempts: 0,
            certs: vec![],
        };
        registry.put(&registry.key(KIND_ID, Some(&admin.id)), &admin, Expect::Any)?;
        let config = CaConfig {
            v: RECORD_VERSION,
            name: options.name.clone(),
            msp_id: options.msp_id.clone(),
            names: options.names.clone(),
            policy: options.policy.clone(),
            parent,
            created: unix(clock.now()),
        };
        registry.put(&registry.key(KIND_CONFIG, None), &config, Expect::Absent).map_err(|e| {
            if is_already_exists(&e) {
                exists().into()
            } else {
                e
            }
        })?;
        let key_id = IssuerRef::key_id_of(ca_identity.certificate())?;
        Ok((Self { wallet, config, ca: ca_identity, key_id, clock }, secret))
    }

    /// Open the CA named `name` in `wallet`, on the system clock.
    pub fn open(wallet: &'w Wallet, name: &str) -> Result<Self> {
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
        for kind in [KIND_ID, KIND_CERT, KIND_REVOKED] {
            for n in registry.list(kind)? {
                backend.delete(&registry.key(kind, Some(&n)), Expect::Any)?;
            }
        }
        let key_record = backend.get(&registry.key(KIND_KEY, None)).ok().flatten();
        for kind in [KIND_AFF, KIND_CRL, KIND_KEY] {
            backend.delete(&registry.key(kind, None), Expect::Any)?;
        }
        // The record went first: a failure here leaves an unused key, never a CA without one.
        if let Some(reference) = key_record.as_ref().and_then(|r| key_reference(&r.value)) {
            if let Ok(store) = wallet.key_stores().get(reference.scheme()) {
                store.delete(&reference)?;
            }
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

fn validate_ca_name(name: &str) -> Result<()> {
    validate_label(name).map_err(|_| CaError::InvalidParameter {
        what: format!("CA name {name:?}"),
        detail: "use 1–255 bytes without '/', '\\', control characters or surrounding blanks".into(),
    })?;
    Ok(())
}
