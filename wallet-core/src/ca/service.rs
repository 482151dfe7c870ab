//! One interface for every certificate authority: the embedded CA in a wallet, and a remote
//! Fabric CA server spoken to over its REST API.
//!
//! The CLI and the C library speak only to [`CaService`]. Every operation is made *as* an
//! identity held in the caller's wallet, named by its label: the embedded CA checks that
//! identity's Fabric CA rights in its registry; a remote CA receives a request token signed by
//! that identity's key (through its [`crate::crypto::Signer`], so a Transit or HSM key works).
//! Enrolment stores the new identity in the wallet the service was opened with.

use super::{
    CertificateInfo, Crl, CrlOptions, EnrollRequest, IdentityInfo, ReenrollOptions, RegistrationRequest,
    RevocationReason, RevokeTarget, RevokedCertificate, Secret,
};
use crate::error::Result;
use crate::identity::{Certificate, Identity};

/// What a CA says about itself (Fabric CA's `cainfo`).
#[derive(Debug, Clone)]
pub struct CaInfo {
    /// The CA's name (Fabric CA's `CAName`; the embedded CA's name in the wallet).
    pub name: String,
    /// The MSP ID given to identities it enrols, where the CA knows it (the embedded CA does;
    /// a remote Fabric CA does not, so the caller names it).
    pub msp_id: Option<String>,
    /// The CA's certificate first, then its issuers up to the root.
    pub chain: Vec<Certificate>,
    /// The server's version, for a remote CA.
    pub version: Option<String>,
}

/// A filter for [`CaService::certificates`].
#[derive(Debug, Clone, Default)]
pub struct CertificateFilter {
    /// Only certificates issued to this enrollment ID.
    pub id: Option<String>,
    /// Only this serial number (hex).
    pub serial: Option<String>,
    /// Leave out revoked certificates.
    pub exclude_revoked: bool,
    /// Leave out expired certificates.
    pub exclude_expired: bool,
}

/// A certificate authority, embedded or remote.
///
/// `caller` is always the label of an identity in the wallet the service works with. Query
/// methods take `Option<&str>`: the embedded CA reads its registry locally when it is `None`
/// (the wallet's owner may), a remote CA needs an identity to sign its request with.
pub trait CaService: Send + Sync + std::fmt::Debug {
    /// The CA's name and certificate chain.
    fn info(&self) -> Result<CaInfo>;

    /// Register an identity; returns its enrolment secret (generated unless the request has one).
    fn register(&self, caller: &str, request: &RegistrationRequest) -> Result<Secret>;

    /// Enrol with a secret: a new key is made in the wallet's key store, only its public part
    /// (a CSR for a remote CA) leaves, and the identity is stored under the request's label.
    fn enroll(&self, request: &EnrollRequest) -> Result<Identity>;

    /// Enrol with a secret for a key the caller holds elsewhere: sign a PKCS#10 request (DER;
    /// the embedded CA also reads PEM).
    /// Nothing is stored; the certificate is returned.
    fn enroll_csr(&self, request: &EnrollRequest, csr_der: &[u8]) -> Result<Certificate>;

    /// Renew the certificate of the identity stored under `label` (new key, or the same key
    /// with `reuse_key`); the wallet's record is replaced only once the new certificate is in hand.
    fn reenroll(&self, label: &str, options: &ReenrollOptions) -> Result<Identity>;

    /// Revoke an identity (every certificate issued to it) or one certificate.
    fn revoke(&self, caller: &str, target: &RevokeTarget, reason: RevocationReason) -> Result<Vec<RevokedCertificate>>;

    /// Sign a new CRL of every revoked, unexpired certificate.
    fn generate_crl(&self, caller: &str, options: &CrlOptions) -> Result<Crl>;

    /// One registered identity.
    fn identity(&self, caller: Option<&str>, id: &str) -> Result<IdentityInfo>;

    /// Every registered identity the caller may see.
    fn identities(&self, caller: Option<&str>) -> Result<Vec<IdentityInfo>>;

    /// The affiliation tree, as dotted names (the root is the empty string).
    fn affiliations(&self, caller: Option<&str>) -> Result<Vec<String>>;

    /// Add an affiliation (`force` adds missing parents).
    fn add_affiliation(&self, caller: &str, name: &str, force: bool) -> Result<()>;

    /// Issued certificates.
    fn certificates(&self, caller: Option<&str>, filter: &CertificateFilter) -> Result<Vec<CertificateInfo>>;
}
