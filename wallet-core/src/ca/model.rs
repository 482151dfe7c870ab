//! The public vocabulary of the CA: requests, registry views, the clock.

use super::{CaError, Secret};
use std::time::Duration;
use time::OffsetDateTime;

/// Where the CA gets "now" from. Injected so that expiry can be tested without sleeping.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current time.
    fn now(&self) -> OffsetDateTime;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that shows a settable time (for tests and simulations).
#[derive(Debug)]
pub struct FixedClock(std::sync::atomic::AtomicI64);

impl FixedClock {
    /// A clock stopped at `at` (whole seconds).
    pub fn new(at: OffsetDateTime) -> Self {
        Self(std::sync::atomic::AtomicI64::new(at.unix_timestamp()))
    }

    /// Move the clock.
    pub fn set(&self, at: OffsetDateTime) {
        self.0.store(at.unix_timestamp(), std::sync::atomic::Ordering::SeqCst);
    }

    /// Move the clock forward.
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.as_secs() as i64, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.0.load(std::sync::atomic::Ordering::SeqCst))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

/// Subject attributes other than OU and CN: what a CSR carries besides the enrollment ID, and
/// the first part of a CA's own subject. Fabric CA copies these from the CSR into the
/// certificate; OUs are always replaced by the identity's type and affiliation.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct SubjectNames {
    /// C
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// ST
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// L
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// O
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
}

impl SubjectNames {
    /// `C=US, ST=North Carolina, O=Hyperledger`: what `fabric-ca-client` puts in its CSRs and
    /// `fabric-ca-server` in its CA subject by default.
    pub fn fabric_default() -> Self {
        Self {
            country: Some("US".into()),
            state: Some("North Carolina".into()),
            locality: None,
            organization: Some("Hyperledger".into()),
        }
    }
}

/// A registered attribute.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attribute {
    /// Name (custom, or one of the reserved `hf.` names).
    pub name: String,
    /// Value (booleans are `"true"`/`"false"`, lists comma-separated).
    pub value: String,
    /// Whether it goes into enrolment certificates by default.
    #[serde(default)]
    pub ecert: bool,
}

impl Attribute {
    /// An attribute.
    pub fn new(name: &str, value: &str, ecert: bool) -> Self {
        Self { name: name.into(), value: value.into(), ecert }
    }

    /// Parse the `fabric-ca-client --id.attrs` form of one attribute: `name=value[:ecert]`.
    pub fn parse(spec: &str) -> Result<Self, CaError> {
        let bad =
            |detail: &str| CaError::InvalidParameter { what: format!("attribute {spec:?}"), detail: detail.into() };
        let (name, rest) = spec.split_once('=').ok_or_else(|| bad("expected name=value[:ecert]"))?;
        // Fabric CA's rule (`attr.ConvertAttrs`): at most one ':' and the only flag is `ecert`.
        let mut parts = rest.split(':');
        let value = parts.next().unwrap_or_default();
        let ecert = match (parts.next(), parts.next()) {
            (None, _) => false,
            (Some(flag), None) if flag.eq_ignore_ascii_case("ecert") => true,
            (Some(""), None) => false,
            (Some(flag), None) => return Err(bad(&format!("unknown flag {flag:?} (only :ecert exists)"))),
            (Some(_), Some(_)) => return Err(bad("more than one ':' in the value")),
        };
        if name.trim().is_empty() {
            return Err(bad("the name is empty"));
        }
        Ok(Self::new(name.trim(), value, ecert))
    }
}

/// An attribute requested for an enrolment certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeRequest {
    /// The attribute's name.
    pub name: String,
    /// If false, enrolment fails when the identity lacks it.
    pub optional: bool,
}

/// A registration.
#[derive(Debug, Clone, Default)]
pub struct RegistrationRequest {
    /// The enrollment ID (also the default wallet label when enrolled).
    pub id: String,
    /// The secret; `None` generates one (returned by `register`).
    pub secret: Option<Secret>,
    /// The type (`client`, `peer`, `orderer`, `admin`, …); `None` takes the registrar's type, as
    /// Fabric CA does.
    pub identity_type: Option<String>,
    /// Dotted affiliation; `None` or empty takes the registrar's, `"."` means the root.
    pub affiliation: Option<String>,
    /// Attributes (custom and reserved `hf.`).
    pub attributes: Vec<Attribute>,
    /// Maximum enrolments: `None` or 0 = the CA's default, -1 = unlimited.
    pub max_enrollments: Option<i32>,
}

/// An enrolment with a secret: the key is generated and stays in the wallet.
#[derive(Debug, Clone, Default)]
pub struct EnrollRequest {
    /// The enrollment ID.
    pub id: String,
    /// Its secret.
    pub secret: Option<Secret>,
    /// The wallet label; `None` = the enrollment ID.
    pub label: Option<String>,
    /// Host names, IP addresses, e-mail addresses or URIs for the SAN extension.
    pub hosts: Vec<String>,
    /// Attributes to put in the certificate; `None` = those registered with `ecert`.
    pub attr_reqs: Option<Vec<AttributeRequest>>,
    /// Subject C/ST/L/O for the request; `None` = the CA's own.
    pub names: Option<SubjectNames>,
    /// Replace an identity already stored under the label.
    pub overwrite: bool,
    /// A Fabric CA signing profile (`tls` for a TLS certificate, `ca` for an intermediate CA);
    /// `None` = the default. The embedded CA has none and refuses one.
    pub profile: Option<String>,
}

/// What to do when reenrolling.
#[derive(Debug, Clone, Default)]
pub struct ReenrollOptions {
    /// Keep the current key (Fabric's `--csr.keyrequest.reusekey`); default makes a new one.
    pub reuse_key: bool,
    /// Accept an expired certificate (Fabric's `reenrollignorecertexpiry`).
    pub allow_expired: bool,
    /// SAN entries; `None` keeps those of the current certificate.
    pub hosts: Option<Vec<String>>,
    /// Attributes for the new certificate; `None` = those registered with `ecert`.
    pub attr_reqs: Option<Vec<AttributeRequest>>,
}

/// The reasons of RFC 5280 §5.3.1, with Fabric CA's lower-case names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RevocationReason {
    /// `unspecified` (0)
    #[default]
    Unspecified,
    /// `keycompromise` (1)
    KeyCompromise,
    /// `cacompromise` (2)
    CaCompromise,
    /// `affiliationchanged` (3)
    AffiliationChanged,
    /// `superseded` (4)
    Superseded,
    /// `cessationofoperation` (5)
    CessationOfOperation,
    /// `certificatehold` (6)
    CertificateHold,
    /// `removefromcrl` (8)
    RemoveFromCrl,
    /// `privilegewithdrawn` (9)
    PrivilegeWithdrawn,
    /// `aacompromise` (10)
    AaCompromise,
}

impl RevocationReason {
    /// All reasons, in code order.
    pub const ALL: [RevocationReason; 10] = [
        Self::Unspecified,
        Self::KeyCompromise,
        Self::CaCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
        Self::CertificateHold,
        Self::RemoveFromCrl,
        Self::PrivilegeWithdrawn,
        Self::AaCompromise,
    ];

    /// The RFC 5280 code.
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::CaCompromise => 2,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::CertificateHold => 6,
            Self::RemoveFromCrl => 8,
            Self::PrivilegeWithdrawn => 9,
            Self::AaCompromise => 10,
        }
    }

    /// Fabric CA's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "keycompromise",
            Self::CaCompromise => "cacompromise",
            Self::AffiliationChanged => "affiliationchanged",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessationofoperation",
            Self::CertificateHold => "certificatehold",
            Self::RemoveFromCrl => "removefromcrl",
            Self::PrivilegeWithdrawn => "privilegewithdrawn",
            Self::AaCompromise => "aacompromise",
        }
    }

    pub(crate) fn to_x509(self) -> x509_cert::ext::pkix::CrlReason {
        use x509_cert::ext::pkix::CrlReason as R;
        match self {
            Self::Unspecified => R::Unspecified,
            Self::KeyCompromise => R::KeyCompromise,
            Self::CaCompromise => R::CaCompromise,
            Self::AffiliationChanged => R::AffiliationChanged,
            Self::Superseded => R::Superseded,
            Self::CessationOfOperation => R::CessationOfOperation,
            Self::CertificateHold => R::CertificateHold,
            Self::RemoveFromCrl => R::RemoveFromCRL,
            Self::PrivilegeWithdrawn => R::PrivilegeWithdrawn,
            Self::AaCompromise => R::AaCompromise,
        }
    }
}

impl std::str::FromStr for RevocationReason {
    type Err = CaError;

    /// Fabric's names, case-insensitive. Unlike Fabric CA, an unknown name is an error rather
    /// than a silent `unspecified`.
    fn from_str(s: &str) -> Result<Self, CaError> {
        let lower = s.to_ascii_lowercase();
        Self::ALL.into_iter().find(|r| r.name() == lower).ok_or_else(|| CaError::UnknownReason { name: s.to_owned() })
    }
}

impl std::fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What to revoke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RevokeTarget {
    /// The identity and every certificate issued to it; it can no longer enrol.
    Identity(String),
    /// One certificate, by serial number and authority key identifier (hex; case, `:` and
    /// leading zeros do not matter).
    Certificate {
        /// Serial number, hex.
        serial: String,
        /// Authority key identifier, hex.
        aki: String,
    },
}

/// A revoked certificate, as Fabric CA reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RevokedCertificate {
    /// Serial, lower-case hex without leading zeros.
    pub serial: String,
    /// AKI, lower-case hex.
    pub aki: String,
}

/// Options for a CRL.
#[derive(Debug, Clone, Default)]
pub struct CrlOptions {
    /// nextUpdate − thisUpdate; `None` = the CA's policy (24 h by default).
    pub validity: Option<Duration>,
    /// Leave out certificates that expired before this time.
    pub expired_before_excluded: Option<OffsetDateTime>,
}

/// A signed CRL.
#[derive(Debug, Clone)]
pub struct Crl {
    /// DER.
    pub der: Vec<u8>,
    /// CRL number (extension 2.5.29.20).
    pub number: u64,
    /// How many certificates it lists.
    pub entries: usize,
}

impl Crl {
    /// PEM (`X509 CRL`, LF), as Fabric CA and `msp/crls/crl.pem` hold it.
    pub fn to_pem(&self) -> String {
        pem::encode_config(
            &pem::Pem::new("X509 CRL", self.der.clone()),
            pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
        )
    }
}

/// Lifecycle state of a registered identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdentityState {
    /// Can enrol (within its allowance) and act.
    Active,
    /// Revoked: can no longer enrol, reenrol or act.
    Revoked,
}

/// How the root affiliation is shown, in text and JSON alike (Fabric CA's own spelling for it
/// on the command line: `--id.affiliation .`). The registry stores it as the empty string.
pub const ROOT_AFFILIATION: &str = ".";

/// An affiliation as users see it: the root is [`ROOT_AFFILIATION`], never an empty string.
pub fn affiliation_shown(affiliation: &str) -> &str {
    if affiliation.is_empty() {
        ROOT_AFFILIATION
    } else {
        affiliation
    }
}

fn serialize_affiliation<S: serde::Serializer>(affiliation: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(affiliation_shown(affiliation))
}

/// A registered identity, as listings show it (never the secret).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IdentityInfo {
    /// Enrollment ID.
    pub id: String,
    /// Type.
    #[serde(rename = "type")]
    pub identity_type: String,
    /// Affiliation (empty = root; serialized as [`ROOT_AFFILIATION`]).
    #[serde(serialize_with = "serialize_affiliation")]
    pub affiliation: String,
    /// Attributes, including the fixed `hf.EnrollmentID`, `hf.Type`, `hf.Affiliation`.
    pub attrs: Vec<Attribute>,
    /// -1 = unlimited.
    pub max_enrollments: i32,
    /// How many times it has enrolled.
    pub enrollments: u32,
    /// Active or revoked.
    pub state: IdentityState,
    /// Whether too many wrong secrets locked it.
    pub locked: bool,
    /// Serials of the certificates issued to it (hex).
    pub certificates: Vec<String>,
}

impl IdentityInfo {
    /// The affiliation as users see it ([`ROOT_AFFILIATION`] for the root).
    pub fn affiliation_shown(&self) -> &str {
        affiliation_shown(&self.affiliation)
    }
}

/// An issued certificate, as listings show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CertificateInfo {
    /// Serial, lower-case hex without leading zeros.
    pub serial: String,
    /// AKI, lower-case hex.
    pub aki: String,
    /// Owner's enrollment ID.
    pub id: String,
    /// Start of validity.
    #[serde(serialize_with = "rfc3339")]
    pub not_before: OffsetDateTime,
    /// End of validity.
    #[serde(serialize_with = "rfc3339")]
    pub not_after: OffsetDateTime,
    /// When it was revoked, if it was.
    #[serde(serialize_with = "rfc3339_option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// Why, if revoked.
    pub reason: Option<RevocationReason>,
    /// The certificate, PEM.
    pub pem: String,
}

/// A revocation of a certificate by a CA of the wallet
/// ([`CertificateAuthority::revocation_of`](crate::ca::CertificateAuthority::revocation_of)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// The CA that revoked it.
    pub ca: String,
    /// When.
    pub revoked_at: OffsetDateTime,
    /// Why.
    pub reason: RevocationReason,
}

/// Limits and defaults of one CA (Fabric CA's `registry.maxenrollments`,
/// `cfg.identities.passwordattempts`, `signing.default.expiry`, `crl.expiry`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CaPolicy {
    /// Default and ceiling for identities' max enrolments: -1 = unlimited, 0 = enrolment
    /// disabled, N = at most N.
    pub max_enrollments: i32,
    /// Wrong secrets before an identity is locked; 0 = never lock.
    pub password_attempts: u32,
    /// Enrolment certificate lifetime in seconds (default 8760 h).
    pub ecert_validity_secs: u64,
    /// CRL lifetime in seconds (default 24 h).
    pub crl_validity_secs: u64,
    /// How enrolment certificates hold their OUs (absent in CAs made before: Fabric's).
    #[serde(default)]
    pub ou_layout: OuLayout,
}

impl Default for CaPolicy {
    fn default() -> Self {
        Self {
            max_enrollments: -1,
            password_attempts: 10,
            ecert_validity_secs: 8760 * 3600,
            crl_validity_secs: 24 * 3600,
            ou_layout: OuLayout::default(),
        }
    }
}

/// How an enrolment certificate's subject holds its OUs (the identity type, then each part of
/// the affiliation).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OuLayout {
    /// Fabric CA's: every OU in one multi-valued RDN, sorted by DER encoding. Chaincode that
    /// compares `GetID()` strings depends on it; RFC 5280 linters flag the repeated attribute
    /// type in one RDN.
    #[default]
    Fabric,
    /// One OU per RDN, type first, then the affiliation from its root down: what RFC 5280
    /// linters (pkilint) accept. Fabric reads the OUs of either (its MSP takes every OU of the
    /// subject, whatever the RDN).
    Strict,
}

/// The enrollment ID (and wallet label) of a CA's bootstrap admin unless told otherwise.
pub const DEFAULT_ADMIN_ID: &str = "admin";

/// How to make a CA.
#[derive(Debug, Clone)]
pub struct CaOptions {
    /// The CA's name in the wallet (also its default CN).
    pub name: String,
    /// MSP ID given to identities enrolled by this CA.
    pub msp_id: String,
    /// Subject C/ST/L/O of the CA certificate; also what enrolment requests carry by default.
    pub names: SubjectNames,
    /// OU of the CA certificate (`Fabric` for fabric-ca-server).
    pub organizational_unit: Option<String>,
    /// CN; `None` = the name.
    pub common_name: Option<String>,
    /// CA certificate lifetime (15 years for a root, 5 for an intermediate, as Fabric CA).
    pub validity: Option<Duration>,
    /// Limits and defaults.
    pub policy: CaPolicy,
    /// The bootstrap admin's enrollment ID.
    pub admin_id: String,
    /// Its secret; `None` generates one.
    pub admin_secret: Option<Secret>,
    /// The initial affiliation tree.
    pub affiliations: Vec<String>,
}

impl CaOptions {
    /// Fabric CA's defaults for a CA named `name` whose identities belong to `msp_id`.
    pub fn new(name: &str, msp_id: &str) -> Self {
        Self {
            name: name.into(),
            msp_id: msp_id.into(),
            names: SubjectNames::fabric_default(),
            organizational_unit: Some("Fabric".into()),
            common_name: None,
            validity: None,
            policy: CaPolicy::default(),
            admin_id: DEFAULT_ADMIN_ID.into(),
            admin_secret: None,
            affiliations: ["org1", "org1.department1", "org1.department2", "org2", "org2.department1"]
                .map(String::from)
                .to_vec(),
        }
    }
}

/// A time as RFC 3339 text (UTC), the one way times are written in messages and output.
pub(crate) fn rfc3339_text(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn rfc3339<S: serde::Serializer>(t: &OffsetDateTime, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::Error;
    s.serialize_str(&t.format(&time::format_description::well_known::Rfc3339).map_err(S::Error::custom)?)
}

fn rfc3339_option<S: serde::Serializer>(t: &Option<OffsetDateTime>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => rfc3339(t, s),
        None => s.serialize_none(),
    }
}

/// A change to a registered identity (`identities/{id}` PUT); `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct IdentityUpdate {
    /// New type.
    pub identity_type: Option<String>,
    /// New affiliation.
    pub affiliation: Option<String>,
    /// Attributes to add or replace (by name).
    pub attributes: Vec<Attribute>,
    /// New maximum enrolments.
    pub max_enrollments: Option<i32>,
    /// New secret.
    pub secret: Option<Secret>,
}

/// A record of an embedded CA's registry that does not open: it fails its integrity check or
/// no longer decodes. See [`CertificateAuthority::mend`](crate::ca::CertificateAuthority::mend).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DamagedRecord {
    /// The record's kind: `ca-id` (a registered identity), `ca-cert` (an issued certificate),
    /// `ca-revoked` (a revocation), `ca-crl` (the CRL number and latest CRL), `ca-aff` (the
    /// affiliation tree).
    pub kind: String,
    /// Its name within the CA: the enrollment ID or serial; empty for `ca-crl` and `ca-aff`.
    pub name: String,
    /// What is wrong with it.
    pub detail: String,
}

impl std::fmt::Display for DamagedRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.kind.as_str() {
            "ca-id" => "registered identity",
            "ca-cert" => "issued certificate",
            "ca-revoked" => "revocation of certificate",
            "ca-crl" => "CRL state (number and latest CRL)",
            "ca-aff" => "affiliation tree",
            other => other,
        };
        if self.name.is_empty() {
            write!(f, "{what}: {}", self.detail)
        } else {
            write!(f, "{what} {:?}: {}", self.name, self.detail)
        }
    }
}

/// What [`CertificateAuthority::mend`](crate::ca::CertificateAuthority::mend) did with one
/// damaged record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Mended {
    /// The record.
    pub record: DamagedRecord,
    /// Whether it was replaced or removed (`false`: left as it is, see `action`).
    pub mended: bool,
    /// What was done, or what the user can do.
    pub action: String,
}
