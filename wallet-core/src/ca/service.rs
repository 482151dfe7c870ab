//! One interface for every certificate authority: the embedded CA in a wallet, and a remote
//! Fabric CA server spoken to over its REST API.
//!
//! The CLI and the C library speak only to [`CaService`]. Every operation is made *as* an
//! identity held in the caller's wallet, named by its label: the embedded CA checks that
//! identity's Fabric CA rights in its registry; a remote CA receives a request token signed by
//! that identity's key (through its [`crate::crypto::Signer`], so a Transit or HSM key works).
//! Enrolment stores the new identity in the wallet the service was opened with.

use super::{
    BulkOptions, BulkProgress, BulkReport, BulkRow, CertificateInfo, Crl, CrlOptions, EnrollRequest, IdentityInfo,
    IdentityUpdate, ReenrollOptions, RegistrationRequest, RevocationReason, RevokeTarget, RevokedCertificate, Secret,
};
use crate::error::{Error, Result};
use crate::formats::msp;
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

    /// The wallet the service acts from and stores enrolled identities in.
    fn wallet(&self) -> &std::sync::Arc<crate::wallet::Wallet>;

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

    /// Registry records that do not open (damaged or tampered with): `identities` and
    /// `certificates` leave them out and go on, so a caller reports these beside the rest. A
    /// Fabric CA server keeps its own registry, so for one this is always empty.
    fn damaged_records(&self) -> Result<Vec<super::DamagedRecord>> {
        Ok(vec![])
    }

    /// Change a registered identity. Not every CA offers it (the embedded CA does not).
    fn modify_identity(&self, caller: &str, id: &str, update: &IdentityUpdate) -> Result<IdentityInfo> {
        let _ = (caller, id, update);
        Err(unsupported(self, "changing a registered identity (identity modify)"))
    }

    /// Remove a registered identity (`force` to remove the caller itself). Not every CA offers it.
    fn remove_identity(&self, caller: &str, id: &str, force: bool) -> Result<IdentityInfo> {
        let _ = (caller, id, force);
        Err(unsupported(self, "removing a registered identity (identity remove)"))
    }

    /// Rename an affiliation (`force` also moves its identities). Not every CA offers it.
    fn modify_affiliation(&self, caller: &str, name: &str, new_name: &str, force: bool) -> Result<()> {
        let _ = (caller, name, new_name, force);
        Err(unsupported(self, "renaming an affiliation (affiliation modify)"))
    }

    /// Remove an affiliation (`force` also what is below it). Not every CA offers it.
    fn remove_affiliation(&self, caller: &str, name: &str, force: bool) -> Result<()> {
        let _ = (caller, name, force);
        Err(unsupported(self, "removing an affiliation (affiliation remove)"))
    }

    /// Give an identity a new enrolment secret (generated unless given) and unlock it.
    fn reset_secret(&self, caller: &str, id: &str, secret: Option<Secret>) -> Result<Secret> {
        let secret = secret.unwrap_or_else(Secret::generate);
        let update = IdentityUpdate { secret: Some(secret.clone()), ..Default::default() };
        self.modify_identity(caller, id, &update)?;
        Ok(secret)
    }

    /// Write the identity stored under `label` as the MSP folder `fabric-ca-client` writes.
    fn export_msp(&self, label: &str, dir: &std::path::Path, options: &msp::WriteOptions) -> Result<()>;

    /// The key identifier of the CA key that issues certificates (their AKI).
    fn issuer_key_id(&self) -> Result<Option<Vec<u8>>> {
        Ok(self.info()?.chain.first().and_then(Certificate::subject_key_id))
    }

    /// Register and enrol every row as `registrar`; each identity lands in the wallet under
    /// its ID. A row already in the wallet is skipped, so a rerun finishes a stopped run; a
    /// refused row is reported and the run goes on. Rows are reported, in order, once stored.
    ///
    /// This general form registers and enrols each row with [`register`](Self::register) and
    /// [`enroll`](Self::enroll), several rows at once (a remote server checks each secret with
    /// bcrypt, so its cores, not the round trips, set the pace); the embedded CA writes rows in
    /// atomic batches instead.
    fn bulk_enroll(
        &self,
        registrar: &str,
        rows: Vec<BulkRow>,
        options: &BulkOptions,
        progress: &mut dyn FnMut(&BulkProgress<'_>),
    ) -> Result<BulkReport> {
        super::bulk::concurrent(self, registrar, rows, options, progress)
    }
}

/// A clear refusal of an operation this CA does not offer.
fn unsupported<T: CaService + ?Sized>(ca: &T, what: &str) -> Error {
    let name = ca.info().map(|i| i.name).unwrap_or_default();
    Error::Unsupported(format!("{what} is not offered by CA {name:?}; a Fabric CA server offers it"))
}
