//! Refusals of the certificate authority.
//!
//! Each variant is one rule of Fabric CA (or of this CA) that a request broke. Authorization
//! failures keep Fabric CA's wording ("authorization failure: …") so that people who know Fabric
//! recognise them; unlike the Fabric CA server we also say *which* rule failed, because the
//! caller is the CA's own administrator, not an anonymous network client.

/// A certificate-authority rule refused the request. Nothing was changed in the registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CaError {
    /// No CA of this name in the wallet.
    #[error("no certificate authority named {name:?} in {location}")]
    UnknownCa { name: String, location: String },

    /// No CA was named and the wallet holds none.
    #[error("no certificate authority in {location}")]
    NoCa { location: String },

    /// No CA was named and the wallet holds several.
    #[error("{location} holds several certificate authorities ({}); name one", names.join(", "))]
    AmbiguousCa { names: Vec<String>, location: String },

    /// A CA of this name already exists in the wallet.
    #[error("a certificate authority named {name:?} already exists in {location}")]
    CaExists { name: String, location: String },

    /// The enrollment ID is not registered with this CA.
    #[error("identity {id:?} is not registered with CA {ca:?}")]
    UnknownIdentity { id: String, ca: String },

    /// Registration of an enrollment ID that is already registered (Fabric CA code 74).
    #[error("identity {id:?} is already registered with CA {ca:?}")]
    DuplicateIdentity { id: String, ca: String },

    /// The affiliation does not exist in this CA's tree (Fabric CA code 63).
    #[error("affiliation {affiliation:?} does not exist in CA {ca:?}")]
    UnknownAffiliation { affiliation: String, ca: String },

    /// The affiliation already exists.
    #[error("affiliation {affiliation:?} already exists in CA {ca:?}")]
    DuplicateAffiliation { affiliation: String, ca: String },

    /// The registrar lacks a right (Fabric CA code 71, "Authorization failure").
    #[error("authorization failure: registrar {registrar:?} {detail}")]
    Unauthorized { registrar: String, detail: String },

    /// The enrolment secret is wrong (Fabric CA code 20, "Authentication failure").
    #[error("authentication failure: wrong secret for identity {id:?} ({attempts_left})")]
    WrongSecret { id: String, attempts_left: String },

    /// Too many wrong secrets: the identity is locked until a registrar resets its secret.
    #[error("identity {id:?} is locked after {attempts} failed secret attempts")]
    Locked { id: String, attempts: u32 },

    /// The identity was revoked and can no longer enrol, reenrol or act as a registrar.
    #[error("identity {id:?} is revoked")]
    IdentityRevoked { id: String },

    /// The identity has used up its enrolments.
    #[error("identity {id:?} has already enrolled {count} times, it has reached its maximum enrollment allowance")]
    MaxEnrollmentsReached { id: String, count: u32 },

    /// The identity (or the CA) has `max_enrollments` 0: enrolment is disabled.
    #[error("enrollment is disabled for identity {id:?} (max enrollments is 0)")]
    EnrollmentDisabled { id: String },

    /// A registration request breaks a rule that does not depend on the registrar.
    #[error("invalid registration of {id:?}: {detail}")]
    InvalidRegistration { id: String, detail: String },

    /// An enrolment request asks for an attribute the identity does not have.
    #[error("identity {id:?} does not have attribute {name:?}, which the enrolment request requires")]
    MissingAttribute { id: String, name: String },

    /// A CSR that cannot be used: unparsable, bad self-signature, wrong key type.
    #[error("unusable certificate signing request: {detail}")]
    InvalidCsr { detail: String },

    /// The CSR names someone else (Fabric CA code 77).
    #[error("the CSR's common name {cn:?} is not the enrollment ID {id:?}")]
    CsrCommonName { cn: String, id: String },

    /// The certificate presented as the caller's (registrar, or identity to reenrol) cannot be used.
    #[error("the certificate of {label:?} cannot act with CA {ca:?}: {detail}")]
    CallerCertificate { label: String, ca: String, detail: String },

    /// The certificate presented as the caller's was revoked: it can never act again.
    #[error("the certificate of {label:?} cannot act with CA {ca:?}: its certificate {serial} was revoked ({reason})")]
    CallerRevoked { label: String, ca: String, serial: String, reason: String },

    /// The CA's own certificate is expired (or not yet valid): it cannot issue or sign CRLs.
    #[error("CA {name:?} cannot sign: its certificate is valid only from {not_before} to {not_after}")]
    CaOutOfValidity { name: String, not_before: String, not_after: String },

    /// No issued certificate matches the serial number and AKI (Fabric CA 404).
    #[error("no certificate with serial {serial} and AKI {aki} was issued by CA {ca:?}")]
    UnknownCertificate { serial: String, aki: String, ca: String },

    /// The certificate is already revoked (Fabric CA code 66).
    #[error("certificate {serial} is already revoked")]
    AlreadyRevoked { serial: String },

    /// A revocation reason name that is not one of Fabric's.
    #[error("unknown revocation reason {name:?}")]
    UnknownReason { name: String },

    /// A CA certificate or key given for import or creation is not usable as a CA.
    #[error("cannot use {what} as a certificate authority: {detail}")]
    NotACa { what: String, detail: String },

    /// A Fabric CA server does not tell the MSP ID of the identities it enrols, and none was given.
    #[error("no MSP ID for the identities fabric CA {url} enrols: a Fabric CA server does not tell it")]
    NoMspId { url: String },
    /// Rows of a bulk-enrolment CSV file that cannot be read, every one with its line number.
    #[error("{} of {path} cannot be used (nothing was registered or enrolled):\n{}", if rows.len() == 1 { "1 row".to_owned() } else { format!("{} rows", rows.len()) }, rows.iter().map(|r| format!("  line {}: {}", r.line, r.detail)).collect::<Vec<_>>().join("\n"))]
    InvalidCsv { path: String, rows: Vec<CsvRowError> },

    /// A bulk row that disagrees with the identity already registered under its ID.
    #[error("row for {id:?} contradicts its registration: {detail}")]
    RegistrationMismatch { id: String, detail: String },

    /// A CA-parameter or request value out of range.
    #[error("invalid {what}: {detail}")]
    InvalidParameter { what: String, detail: String },

    /// A remote Fabric CA server refused a request, or could not be reached.
    #[cfg(feature = "remote-ca")]
    #[error(transparent)]
    Remote(#[from] super::RemoteError),

    /// A stored CA record cannot be decoded.
    #[error("CA record {record} is damaged: {detail}")]
    Registry { record: String, detail: String },
}

/// One unusable row of a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvRowError {
    /// The line the row starts on (1-based, counting every line of the file).
    pub line: u64,
    /// What is wrong with it.
    pub detail: String,
}
