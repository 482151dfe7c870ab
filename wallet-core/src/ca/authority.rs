//! The embedded certificate authority: lifecycle, registration, enrolment, revocation, CRLs.

use super::profile::{self, CertKind, CertSpec, CrlEntry, IssuerRef};
use super::registry::{
    is_already_exists, AffRecord, CaConfig, CertRecord, CrlNumberRecord, IdRecord, Registry, RevokedRecord, KIND_AFF,
    KIND_CERT, KIND_CONFIG, KIND_CRL, KIND_ID, KIND_KEY, KIND_REVOKED, MAX_RETRIES, RECORD_VERSION,
};
use super::rules;
use super::secret::{hash_secret, verify_secret, SecretOrigin};
use super::*;
use crate::backend::{BatchPut, Expect, RecordKey};
use crate::crypto::{PublicKey, Signer, SoftwareKey};
use crate::error::{Error, Result};
use crate::identity::{validate_label, validate_msp_id, Certificate, Identity, PrivateKey};
use crate::wallet::{decode_identity, encode_identity, Wallet, IDENTITY_KIND};
use base64::{engine::general_purpose::STANDARD as B64, Engine};
use std::sync::Arc;
use std::time::Duration;
use time::OffsetDateTime;
use zeroize::Zeroizing;

/// Fabric CA's default lifetime of a root CA certificate (`ca.expiry`, 131400 h = 15 years).
pub const ROOT_VALIDITY: Duration = Duration::from_secs(131_400 * 3600);
/// Fabric CA's default lifetime of an intermediate CA certificate (`signing.profiles.ca.expiry`).
pub const INTERMEDIATE_VALIDITY: Duration = Duration::from_secs(43_800 * 3600);
/// cfssl's backdating of CA certificates.
const BACKDATE: Duration = Duration::from_secs(5 * 60);

/// A certificate authority living in a wallet. Cheap to open; holds no lock.
#[derive(Debug)]
pub struct CertificateAuthority<'w> {
    wallet: &'w Wallet,
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
            Error::Conflict { record } => *record == self.id_record.key.to_string(),
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

fn validate_ca_name(name: &str) -> Result<()> {
    validate_label(name).map_err(|_| CaError::InvalidParameter {
        what: format!("CA name {name:?}"),
        detail: "use 1–255 bytes without '/', '\\', control characters or surrounding blanks".into(),
    })?;
    Ok(())
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

impl<'w> CertificateAuthority<'w> {
    // ----- lifecycle -------------------------------------------------------------------------

    /// Create a self-signed root CA (P-256, CA:TRUE pathlen 1, keyCertSign + cRLSign, SKI) and
    /// register its bootstrap admin. Returns the CA and the admin's enrolment secret.
    pub fn create_root(wallet: &'w Wallet, options: &CaOptions, clock: Arc<dyn Clock>) -> Result<(Self, Secret)> {
        let key = SoftwareKey::generate();
        let now = clock.now();
        let not_before = profile::round_to_minute(now) - BACKDATE;
        let not_after = add(not_before, options.validity.unwrap_or(ROOT_VALIDITY));
        let subject = Self::ca_subject(options)?;
        let public_key = key.public_key();
        let cert = profile::issue(
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
            &IssuerRef { subject: &subject, key_id: None, signer: &key },
        )?;
        Self::install(wallet, options, cert, vec![], PrivateKey::Software(key), None, clock)
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
        let key = SoftwareKey::generate();
        let now = parent.clock.now();
        let not_before = profile::round_to_minute(now) - BACKDATE;
        let not_after = add(profile::round_to_minute(now), options.validity.unwrap_or(INTERMEDIATE_VALIDITY))
            .min(parent.ca.certificate().not_after());
        let subject = Self::ca_subject(options)?;
        let public_key = key.public_key();
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
        Self::install(
            wallet,
            options,
            cert,
            chain,
            PrivateKey::Software(key),
            Some(parent.config.name.clone()),
            parent.clock.clone(),
        )
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
        Self::install(wallet, options, cert, certs, PrivateKey::Software(key), None, clock)
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
        key: PrivateKey,
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
        let ca = decode_identity(name, &rec.value)?;
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
        for kind in [KIND_AFF, KIND_CRL, KIND_KEY] {
            backend.delete(&registry.key(kind, None), Expect::Any)?;
        }
        Ok(())
    }

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

    // ----- callers -----------------------------------------------------------------------------

    /// Check that the identity stored under `label` may act with this CA: its certificate is
    /// one this CA issued (byte for byte in the registry), unrevoked, and (unless
    /// `allow_expired`) within its validity; and its registered identity is active.
    fn authenticate(&self, label: &str, allow_expired: bool) -> Result<(Identity, IdRecord)> {
        let identity = self.wallet.get(label)?;
        let cert = identity.certificate();
        let fail = |detail: String| -> Error {
            CaError::CallerCertificate { label: label.into(), ca: self.config.name.clone(), detail }.into()
        };
        let serial = cert.serial_hex();
        let issued = match self.registry().cert(&serial)? {
            Some(rec)
                if cert.authority_key_id().as_deref() == Some(&self.key_id)
                    && B64.decode(&rec.der).ok().as_deref() == Some(cert.der()) =>
            {
                rec
            }
            _ => return Err(fail("this CA did not issue its certificate".into())),
        };
        if let Some(rev) = self.registry().revoked(&serial)? {
            return Err(fail(format!("its certificate {serial} was revoked ({})", rev.reason)));
        }
        let now = self.now();
        if !allow_expired && now > cert.not_after() {
            return Err(fail(format!("its certificate expired on {}", cert.not_after())));
        }
        if now < cert.not_before() {
            return Err(fail(format!("its certificate is not valid before {}", cert.not_before())));
        }
        let (rec, _) = self.registry().identity_or_err(&issued.id)?;
        if rec.state == IdentityState::Revoked {
            return Err(CaError::IdentityRevoked { id: rec.id }.into());
        }
        Ok((identity, rec))
    }

    // ----- registration ------------------------------------------------------------------------

    /// Register an identity, acting as the registrar stored in the wallet under `registrar`.
    /// Returns the enrolment secret (the one given, or a generated one).
    pub fn register(&self, registrar: &str, request: &RegistrationRequest) -> Result<Secret> {
        let (_, caller) = self.authenticate(registrar, false)?;
        let affiliations = self.registry().affiliations()?.0;
        let (record, secret) = self.new_registration(&caller, request, &affiliations, true)?;
        self.registry().put(&self.registry().key(KIND_ID, Some(&record.id)), &record, Expect::Absent).map_err(|e| {
            if is_already_exists(&e) {
                CaError::DuplicateIdentity { id: record.id.clone(), ca: self.config.name.clone() }.into()
            } else {
                e
            }
        })?;
        Ok(secret.expect("a secret is made when asked"))
    }

    /// Check a registration against Fabric CA's rules and build its record (not yet stored).
    fn new_registration(
        &self,
        caller: &IdRecord,
        request: &RegistrationRequest,
        affiliations: &AffRecord,
        with_secret: bool,
    ) -> Result<(IdRecord, Option<Secret>)> {
        let id = request.id.as_str();
        let invalid = |detail: String| CaError::InvalidRegistration { id: id.into(), detail };
        validate_label(id).map_err(|e| invalid(format!("the enrollment ID is not usable as a wallet label: {e}")))?;
        if id.chars().count() > 64 {
            return Err(invalid("the enrollment ID is longer than 64 characters (the CN limit)".into()).into());
        }
        // normalizeRegistrationRequest
        let affiliation = match request.affiliation.as_deref() {
            None | Some("") => caller.affiliation.clone(),
            Some(".") => String::new(),
            Some(a) => a.to_owned(),
        };
        let identity_type = match request.identity_type.as_deref() {
            None | Some("") => caller.identity_type.clone(),
            Some(t) => t.to_owned(),
        };
        if identity_type.contains(',') || identity_type.chars().any(char::is_control) {
            return Err(invalid(format!("type {identity_type:?} may not contain commas or control characters")).into());
        }
        // canRegister: type, affiliation, attributes.
        rules::can_act_on_type(caller, &identity_type, "register")?;
        rules::contains_affiliation(caller, &affiliation, "register identities")?;
        if !affiliation.is_empty() && !affiliations.names.contains(&affiliation) {
            return Err(CaError::UnknownAffiliation { affiliation, ca: self.config.name.clone() }.into());
        }
        rules::check_register_attrs(caller, &request.attributes).map_err(|e| match e {
            CaError::InvalidRegistration { detail, .. } => invalid(detail),
            e => e,
        })?;
        let max_enrollments = rules::registration_max_enrollments(
            id,
            request.max_enrollments.unwrap_or(0),
            self.config.policy.max_enrollments,
        )?;
        if self.registry().identity(id)?.is_some() {
            return Err(CaError::DuplicateIdentity { id: id.into(), ca: self.config.name.clone() }.into());
        }
        // Duplicate names: the last one wins (Fabric keeps no multi-valued attributes).
        let mut attrs: Vec<Attribute> = vec![];
        for a in &request.attributes {
            attrs.retain(|b| b.name != a.name);
            attrs.push(a.clone());
        }
        attrs.push(Attribute::new(rules::ENROLLMENT_ID, id, true));
        attrs.push(Attribute::new(rules::TYPE, &identity_type, true));
        attrs.push(Attribute::new(rules::AFFILIATION, &affiliation, true));
        let (secret, stored) = if with_secret {
            let (s, origin) = match &request.secret {
                Some(s) if !s.expose().is_empty() => (s.clone(), SecretOrigin::Chosen),
                _ => (Secret::generate(), SecretOrigin::Generated),
            };
            let stored = hash_secret(&s, origin);
            (Some(s), Some(stored))
        } else {
            (None, None)
        };
        let record = IdRecord {
            v: RECORD_VERSION,
            id: id.into(),
            identity_type,
            affiliation,
            attrs,
            max_enrollments,
            enrollments: 0,
            state: IdentityState::Active,
            secret: stored,
            failed_attempts: 0,
            certs: vec![],
        };
        Ok((record, secret))
    }

    /// Set a new secret for `id` (generated when `None`) and unlock it, acting as `registrar`,
    /// which must be able to manage the identity's type and affiliation.
    pub fn reset_secret(&self, registrar: &str, id: &str, secret: Option<Secret>) -> Result<Secret> {
        let (_, caller) = self.authenticate(registrar, false)?;
        let (target, _) = self.registry().identity_or_err(id)?;
        if target.id != caller.id {
            rules::can_manage(&caller, &target, "modify")?;
        }
        let (secret, origin) = match secret {
            Some(s) => (s, SecretOrigin::Chosen),
            None => (Secret::generate(), SecretOrigin::Generated),
        };
        let stored = hash_secret(&secret, origin);
        self.registry().update_identity(id, |rec| {
            rec.secret = Some(stored.clone());
            rec.failed_attempts = 0;
            Ok(())
        })?;
        Ok(secret)
    }

    // ----- issuance ----------------------------------------------------------------------------

    /// Sign a certificate with a fresh serial and record it (create-only, so two processes can
    /// never record the same serial). Returns the certificate.
    fn sign_and_record<'k>(&self, owner: &str, spec: impl Fn([u8; 20]) -> CertSpec<'k>) -> Result<Certificate> {
        let issuer = IssuerRef {
            subject: &self.ca.certificate().x509().tbs_certificate.subject,
            key_id: Some(self.key_id.clone()),
            signer: self.signer(),
        };
        for _ in 0..MAX_RETRIES {
            let cert = profile::issue(spec(profile::random_serial()), &issuer)?;
            let serial = cert.serial_hex();
            let record = self.cert_record(owner, &cert);
            match self.registry().put(&self.registry().key(KIND_CERT, Some(&serial)), &record, Expect::Absent) {
                Ok(_) => return Ok(cert),
                Err(e) if is_already_exists(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::Conflict { record: format!("{KIND_CERT} serials of {}", self.config.name) })
    }

    /// The registry record of a certificate issued to `owner`.
    fn cert_record(&self, owner: &str, cert: &Certificate) -> CertRecord {
        CertRecord {
            v: RECORD_VERSION,
            serial: cert.serial_hex(),
            aki: hex::encode(&self.key_id),
            id: owner.into(),
            not_before: unix(cert.not_before()),
            not_after: unix(cert.not_after()),
            der: B64.encode(cert.der()),
        }
    }

    fn check_ca_valid(&self) -> Result<()> {
        let now = self.now();
        let cert = self.ca.certificate();
        if now > cert.not_after() || now < cert.not_before() {
            return Err(CaError::NotACa {
                what: format!("CA {:?}", self.config.name),
                detail: format!("its certificate is valid only from {} to {}", cert.not_before(), cert.not_after()),
            }
            .into());
        }
        Ok(())
    }

    /// Issue a certificate to registered identity `id` under Fabric CA's enrolment rules, and
    /// store it in one atomic batch with what makes it count: the certificate record
    /// (create-only), the identity record with the enrolment counted (compare-and-swap), and
    /// the record `finish` adds for the certificate (the wallet entry of the new identity), if
    /// any. A crash leaves all of them or none. If another writer changed the identity
    /// meanwhile, or the serial is taken, everything is decided again on fresh data.
    fn issue_to<T>(
        &self,
        id: &str,
        auth: Auth<'_>,
        request: &Issue<'_>,
        mut finish: impl FnMut(&Certificate) -> Result<(Option<Stored>, T)>,
    ) -> Result<(Certificate, T)> {
        let registry = self.registry();
        let id_key = registry.key(KIND_ID, Some(id));
        for _ in 0..MAX_RETRIES {
            let (rec, version) = registry.identity_or_err(id)?;
            let issued = self.sign_for(&rec, Expect::Version(version), auth, request)?;
            let (extra, out) = finish(&issued.cert)?;
            let mut writes = issued.writes().to_vec();
            if let Some(extra) = &extra {
                writes.push(BatchPut::new(&extra.key, &extra.value, extra.expect));
            }
            match registry.backend.put_batch(&writes) {
                Ok(_) => return Ok((issued.cert, out)),
                Err(e) if issued.must_retry(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::Conflict { record: id_key.to_string() })
    }

    /// Decide and sign an issuance to the registered identity `rec` (read at the version
    /// `expect` names, or a new registration with `Expect::Absent`). Nothing is stored: the
    /// result holds the records to write. A wrong secret is counted (that is stored).
    fn sign_for(&self, rec: &IdRecord, expect: Expect, auth: Auth<'_>, request: &Issue<'_>) -> Result<Issued> {
        self.check_ca_valid()?;
        let id = rec.id.as_str();
        if rec.state == IdentityState::Revoked {
            return Err(CaError::IdentityRevoked { id: id.into() }.into());
        }
        let counts = !matches!(auth, Auth::Reenroll);
        if let Auth::Secret(secret) = auth {
            self.check_secret(rec, secret)?;
        }
        if counts {
            rules::check_can_enroll(rec, self.config.policy.max_enrollments)?;
        }
        if request.ca_profile {
            rules::require_true(rec, rules::INTERMEDIATE_CA, "obtain a CA certificate").map_err(|_| {
                CaError::Unauthorized {
                    registrar: id.into(),
                    detail: format!(
                        "may not obtain a CA certificate: it does not have {}=true",
                        rules::INTERMEDIATE_CA
                    ),
                }
            })?;
        }
        let attrs = rules::certificate_attributes(rec, request.attr_reqs)?;
        let mut ous = vec![rec.identity_type.clone()];
        ous.extend(rec.affiliation.split('.').filter(|p| !p.is_empty()).map(String::from));
        profile::check_name_lengths(&request.names, id, request.serial_number.as_deref())?;
        let subject = profile::build_name(&request.names, &ous, Some(id), request.serial_number.as_deref())?;
        let sans = profile::general_names(&request.hosts)?;
        let ca_cert = self.ca.certificate();
        // Fabric CA ≥ 1.5.0: NotBefore = the CA's NotBefore; NotAfter = now (rounded to the
        // minute) + lifetime, capped at the CA's NotAfter.
        let not_before = ca_cert.not_before();
        let not_after =
            add(profile::round_to_minute(self.now()), Duration::from_secs(self.config.policy.ecert_validity_secs))
                .min(ca_cert.not_after());
        let kind = if request.ca_profile { CertKind::Ca { path_len: Some(0) } } else { CertKind::Enrollment };
        let issuer = IssuerRef {
            subject: &ca_cert.x509().tbs_certificate.subject,
            key_id: Some(self.key_id.clone()),
            signer: self.signer(),
        };
        let cert = profile::issue(
            CertSpec {
                serial: profile::random_serial(),
                subject,
                public_key: request.public_key,
                not_before,
                not_after,
                kind,
                sans,
                attrs_json: attrs.as_ref().map(rules::attributes_json),
            },
            &issuer,
        )?;
        let serial = cert.serial_hex();
        let mut updated = rec.clone();
        if counts {
            updated.enrollments += 1;
        }
        updated.failed_attempts = 0;
        updated.certs.push(serial.clone());
        let registry = self.registry();
        let cert_record = self.cert_record(id, &cert);
        Ok(Issued {
            cert_record: Stored::new(registry.key(KIND_CERT, Some(&serial)), &cert_record, Expect::Absent),
            id_record: Stored::new(registry.key(KIND_ID, Some(id)), &updated, expect),
            cert,
        })
    }

    /// Check an enrolment secret, counting failures and locking after too many.
    fn check_secret(&self, rec: &IdRecord, secret: &str) -> Result<()> {
        let limit = self.config.policy.password_attempts;
        if limit > 0 && rec.failed_attempts >= limit {
            return Err(CaError::Locked { id: rec.id.clone(), attempts: rec.failed_attempts }.into());
        }
        let record = self.registry().key(KIND_ID, Some(&rec.id)).to_string();
        let ok = match &rec.secret {
            Some(stored) => verify_secret(secret, stored, &record)?,
            None => false,
        };
        if ok {
            return Ok(());
        }
        let failed = self.registry().update_identity(&rec.id, |r| {
            r.failed_attempts = r.failed_attempts.saturating_add(1);
            Ok(r.failed_attempts)
        })?;
        let attempts_left = if limit == 0 {
            "no lockout configured".to_string()
        } else if failed >= limit {
            "the identity is now locked".to_string()
        } else {
            format!("{} attempts left before it is locked", limit - failed)
        };
        Err(CaError::WrongSecret { id: rec.id.clone(), attempts_left }.into())
    }

    /// Enrol with a secret: generate a key, issue the enrolment certificate in Fabric CA's
    /// profile, and store the identity (key, certificate, chain) in the wallet. The key never
    /// leaves the wallet.
    ///
    /// The request for the certificate is built internally rather than as a signed PKCS#10 CSR:
    /// the key was made a moment ago inside this process, so a self-signature would prove
    /// nothing and cost two elliptic-curve operations. Third-party keys go through
    /// [`sign_csr`](Self::sign_csr), which does verify the CSR.
    pub fn enroll(&self, request: &EnrollRequest) -> Result<Identity> {
        let secret = request.secret.as_ref().map(Secret::expose).unwrap_or_default();
        self.enroll_with(&request.id, Auth::Secret(secret), request)
    }

    fn enroll_with(&self, id: &str, auth: Auth<'_>, request: &EnrollRequest) -> Result<Identity> {
        let label = request.label.as_deref().unwrap_or(id);
        validate_label(label)?;
        if !request.overwrite && self.wallet.contains(label)? {
            return Err(Error::AlreadyExists {
                kind: "identity",
                name: label.into(),
                location: self.wallet.location(),
            });
        }
        let key = PrivateKey::Software(SoftwareKey::generate());
        let public_key = key.signer().public_key();
        let expect = if request.overwrite { Expect::Any } else { Expect::Absent };
        let (_, identity) = self.issue_to(
            id,
            auth,
            &Issue {
                public_key: &public_key,
                names: request.names.clone().unwrap_or_else(|| self.config.names.clone()),
                serial_number: None,
                hosts: request.hosts.clone(),
                attr_reqs: request.attr_reqs.as_deref(),
                ca_profile: false,
            },
            |cert| self.wallet_entry(label, cert, &key, expect),
        )?;
        Ok(identity)
    }

    /// The wallet record of the identity `cert` and `key` make under `label`.
    fn wallet_entry(
        &self,
        label: &str,
        cert: &Certificate,
        key: &PrivateKey,
        expect: Expect,
    ) -> Result<(Option<Stored>, Identity)> {
        let identity = Identity::new(label, &self.config.msp_id, cert.clone(), self.chain(), key.clone())?;
        let record = encode_identity(&identity)?;
        Ok((Some(Stored { key: RecordKey::new(IDENTITY_KIND, label), value: record, expect }), identity))
    }

    /// Sign a CSR from a third party whose key stays with them, under the same rules as
    /// [`enroll`](Self::enroll): the secret is checked, the enrolment counted, the CSR's
    /// self-signature verified, and its CN must be the enrollment ID. C/ST/L/O and
    /// serialNumber come from the CSR; OUs from the registry; SANs from `hosts` if given, else
    /// from the CSR. A CSR asking for CA:TRUE needs `hf.IntermediateCA`.
    pub fn sign_csr(
        &self,
        id: &str,
        secret: &Secret,
        csr: &[u8],
        hosts: &[String],
        attr_reqs: Option<&[AttributeRequest]>,
    ) -> Result<Certificate> {
        let parsed = profile::parse_csr(csr)?;
        let cn = parsed.common_name.clone().unwrap_or_default();
        if cn != id {
            return Err(CaError::CsrCommonName { cn, id: id.into() }.into());
        }
        let hosts = if hosts.is_empty() { parsed.hosts.clone() } else { hosts.to_vec() };
        let (cert, ()) = self.issue_to(
            id,
            Auth::Secret(secret.expose()),
            &Issue {
                public_key: &parsed.public_key,
                names: parsed.subject_names.clone(),
                serial_number: parsed.serial_number.clone(),
                hosts,
                attr_reqs,
                ca_profile: parsed.is_ca,
            },
            |_| Ok((None, ())),
        )?;
        Ok(cert)
    }

    /// Reenrol the identity stored under `label`: a new certificate with the same subject (C,
    /// ST, L, O, CN; OUs from the registry) and, by default, a new key. Does not count as an
    /// enrolment. An expired certificate is accepted only with `allow_expired`. The wallet entry
    /// is replaced; the old certificate stays valid until it expires or is revoked.
    pub fn reenroll(&self, label: &str, options: &ReenrollOptions) -> Result<Identity> {
        let (current, rec) = self.authenticate(label, options.allow_expired)?;
        let old = current.certificate();
        let (names, _, serial_number) = profile::split_name(&old.x509().tbs_certificate.subject);
        let key = if options.reuse_key {
            current.private_key().clone()
        } else {
            PrivateKey::Software(SoftwareKey::generate())
        };
        let public_key = key.signer().public_key();
        let hosts = match &options.hosts {
            Some(h) => h.clone(),
            None => old
                .subject_alt_names()
                .iter()
                .map(|s| s.split_once(':').map_or(s.clone(), |(_, v)| v.to_owned()))
                .collect(),
        };
        let (_, identity) = self.issue_to(
            &rec.id,
            Auth::Reenroll,
            &Issue {
                public_key: &public_key,
                names,
                serial_number,
                hosts,
                attr_reqs: options.attr_reqs.as_deref(),
                ca_profile: false,
            },
            |cert| {
                let identity = Identity::new(label, current.msp_id(), cert.clone(), self.chain(), key.clone())?;
                let record = encode_identity(&identity)?;
                Ok((
                    Some(Stored { key: RecordKey::new(IDENTITY_KIND, label), value: record, expect: Expect::Any }),
                    identity,
                ))
            },
        )?;
        Ok(identity)
    }

    // ----- revocation --------------------------------------------------------------------------

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
                // The identity first: from this moment it can no longer enrol. Then its
                // certificates, each by a create-only record.
                let owner = registry.update_identity(id, |rec| {
                    rec.state = IdentityState::Revoked;
                    Ok(rec.clone())
                })?;
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
            let Some(rev) = registry.revoked(&serial)? else { continue };
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
            let current = registry.get::<CrlNumberRecord>(&key)?;
            let (number, expect) = match &current {
                Some((rec, v)) => (rec.last + 1, Expect::Version(*v)),
                None => (1, Expect::Absent),
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
                Err(Error::Conflict { .. }) => continue,
                Err(e) if is_already_exists(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::Conflict { record: key.to_string() })
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

    // ----- affiliations ------------------------------------------------------------------------

    /// The affiliation tree, every node's dotted path, sorted.
    pub fn affiliations(&self) -> Result<Vec<String>> {
        Ok(self.registry().affiliations()?.0.names.into_iter().collect())
    }

    /// Add an affiliation, acting as `registrar` (needs `hf.AffiliationMgr=true` and the new
    /// affiliation within its own). Its parent must exist unless `force`, which adds the
    /// missing parents too.
    pub fn add_affiliation(&self, registrar: &str, name: &str, force: bool) -> Result<()> {
        let (_, caller) = self.authenticate(registrar, false)?;
        rules::require_true(&caller, rules::AFFILIATION_MGR, "manage affiliations")?;
        validate_affiliation_name(name)?;
        rules::contains_affiliation(&caller, name, "add affiliations")?;
        let registry = self.registry();
        let key = registry.key(KIND_AFF, None);
        for _ in 0..MAX_RETRIES {
            let (mut tree, version) = registry.affiliations()?;
            if tree.names.contains(name) {
                return Err(
                    CaError::DuplicateAffiliation { affiliation: name.into(), ca: self.config.name.clone() }.into()
                );
            }
            let mut path = String::new();
            for part in name.split('.') {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(part);
                if path != name && !tree.names.contains(&path) {
                    if !force {
                        return Err(
                            CaError::UnknownAffiliation { affiliation: path, ca: self.config.name.clone() }.into()
                        );
                    }
                    tree.names.insert(path.clone());
                }
            }
            tree.names.insert(name.into());
            let expect = version.map_or(Expect::Absent, Expect::Version);
            match registry.put(&key, &tree, expect) {
                Ok(_) => return Ok(()),
                Err(Error::Conflict { .. }) => continue,
                Err(e) if is_already_exists(&e) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::Conflict { record: key.to_string() })
    }

    // ----- listings ----------------------------------------------------------------------------

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
            if let Some((rec, _)) = registry.identity(&id)? {
                out.push(Self::info(rec, self.config.policy.password_attempts));
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
            let Some(rec) = registry.cert(&serial)? else { continue };
            let revoked = registry.revoked(&serial)?;
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

    // ----- bulk --------------------------------------------------------------------------------

    pub(crate) fn authenticate_registrar(&self, registrar: &str) -> Result<IdRecord> {
        Ok(self.authenticate(registrar, false)?.1)
    }

    pub(crate) fn wallet(&self) -> &'w Wallet {
        self.wallet
    }

    /// Decide and sign the enrolment of `row.id` for `caller`, registering it first unless an
    /// earlier, interrupted run (or a registrar by hand) did: the records to write, nothing
    /// stored. The caller writes them in one batch, with other rows'.
    pub(crate) fn prepare_bulk_row(
        &self,
        caller: &IdRecord,
        row: &BulkRow,
        affiliations: &AffRecord,
        max: Option<i32>,
    ) -> Result<BulkEnrolment> {
        let registry = self.registry();
        let (record, expect) = match registry.identity(&row.id)? {
            Some((existing, version)) => {
                // Registered already: enrol it if this registrar may manage it.
                if existing.id != caller.id {
                    rules::can_manage(caller, &existing, "enroll")?;
                }
                (existing, Expect::Version(version))
            }
            None => {
                let registration = RegistrationRequest {
                    id: row.id.clone(),
                    secret: None,
                    identity_type: row.identity_type.clone(),
                    affiliation: row.affiliation.clone(),
                    attributes: row.attributes.clone(),
                    max_enrollments: max,
                };
                (self.new_registration(caller, &registration, affiliations, false)?.0, Expect::Absent)
            }
        };
        let label = row.id.as_str();
        validate_label(label)?;
        let key = PrivateKey::Software(SoftwareKey::generate());
        let public_key = key.signer().public_key();
        let issued = self.sign_for(
            &record,
            expect,
            Auth::Registrar,
            &Issue {
                public_key: &public_key,
                names: self.config.names.clone(),
                serial_number: None,
                hosts: vec![],
                attr_reqs: None,
                ca_profile: false,
            },
        )?;
        let (entry, _) = self.wallet_entry(label, &issued.cert, &key, Expect::Absent)?;
        Ok(BulkEnrolment { issued, wallet_entry: entry.expect("an enrolment has a wallet entry") })
    }

    /// Whether the wallet already holds `label` as this CA's enrolment of `id`.
    pub(crate) fn holds_enrolment(&self, label: &str, id: &str) -> Result<Option<bool>> {
        let Some(identity) = self.wallet.try_get(label)? else { return Ok(None) };
        let cert = identity.certificate();
        Ok(Some(cert.common_name().as_deref() == Some(id) && cert.authority_key_id().as_deref() == Some(&self.key_id)))
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

/// How many entries a DER CRL lists.
fn crl_entries(der: &[u8]) -> Result<usize> {
    use der::Decode;
    let crl = x509_cert::crl::CertificateList::from_der(der)
        .map_err(|e| CaError::Registry { record: "CRL".into(), detail: format!("not a CRL ({e})") })?;
    Ok(crl.tbs_cert_list.revoked_certificates.map_or(0, |r| r.len()))
}
