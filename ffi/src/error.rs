//! Result codes, the one mapping from `wallet_core` errors, and per-call error objects.
//!
//! Codes are stable: grouped by domain in blocks of a hundred, never renumbered, never reused.
//! A new code takes the next free number in its block.

use crate::handle::{self, Castable, OutBuf, OwnershipBox};
use std::ffi::c_char;
use wallet_core::backend::BackendError;
use wallet_core::ca::CaError;
use wallet_core::crypto::KeyError;
use wallet_core::error::FormatError;
use wallet_core::Error;

/// The result of every fallible call. 0 is success; the hundreds say whose problem it is.
///
/// - 1xx: the caller's arguments (NULL, bad UTF-8, small buffer, invalid label or URI).
/// - 2xx: the wallet and its storage backend.
/// - 3xx: identities, keys, certificates, formats and signatures.
/// - 4xx: the certificate authority.
/// - 9xx: a bug in libwallet (a caught panic or an error it does not know).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum wallet_result {
    /// Success.
    Ok = 0,

    /// A required pointer argument is NULL (a freed handle reads as NULL, see `_free`).
    NullParameter = 100,
    /// A text argument is not valid UTF-8.
    InvalidUtf8 = 101,
    /// The output buffer is too small; `*out_len` holds the size needed and nothing else was written.
    BufferTooSmall = 102,
    /// An argument is out of range (a digest that is not 32 bytes, an index past the end…).
    InvalidArgument = 103,
    /// A label is empty, longer than 255 bytes, or holds '/', '\\' or control characters.
    InvalidLabel = 104,
    /// A wallet URI names no known backend or is malformed.
    InvalidUri = 105,
    /// An environment variable the call needs (WALLET_URI) is not set.
    EnvNotSet = 106,
    /// The wallet or identity cannot do what was asked.
    Unsupported = 107,

    /// No identity (or record) with that name.
    NotFound = 200,
    /// An identity with that label already exists.
    AlreadyExists = 201,
    /// Another writer changed the record at the same time.
    Conflict = 202,
    /// The passphrase does not open the wallet.
    WrongPassphrase = 203,
    /// The wallet needs a passphrase and none was given.
    PassphraseRequired = 204,
    /// A stored record failed its integrity check.
    Integrity = 205,
    /// The wallet or a record was written by a newer format version.
    UnsupportedVersion = 206,
    /// There is no wallet at that location.
    NoWallet = 207,
    /// The storage backend failed (server, permission, quota…).
    Backend = 208,
    /// An operating-system I/O error.
    Io = 209,

    /// Text that should be PEM is not.
    Pem = 300,
    /// A private key is unusable or of an unsupported kind.
    Key = 301,
    /// A certificate is unusable.
    Certificate = 302,
    /// The private key does not match the certificate.
    KeyMismatch = 303,
    /// An interchange format (MSP ID, SerializedIdentity, record…) is invalid.
    Format = 304,
    /// The signature does not verify.
    BadSignature = 305,
    /// The signature verifies but has a high S value, which Fabric rejects.
    SignatureHighS = 306,
    /// The certificate has no Fabric attribute with that name.
    AttributeNotFound = 307,
    /// The private key may not leave the key store that holds it (it can still sign).
    KeyNotExportable = 308,
    /// The key store holding the private key failed, is not configured, or no longer has the key.
    KeyStore = 309,

    /// The certificate authority refused the request for a reason without a code of its own
    /// (the message says which rule).
    CaRefused = 400,
    /// No certificate authority of that name in the wallet.
    CaUnknown = 401,
    /// A certificate authority of that name already exists in the wallet.
    CaExists = 402,
    /// The enrollment ID is not registered with the CA.
    CaUnknownIdentity = 403,
    /// The enrollment ID is already registered.
    CaDuplicateIdentity = 404,
    /// The affiliation does not exist in the CA.
    CaUnknownAffiliation = 405,
    /// The registrar lacks the right to do this (Fabric CA's "authorization failure").
    CaUnauthorized = 406,
    /// The enrolment secret is wrong.
    CaWrongSecret = 407,
    /// The identity is locked after too many wrong secrets.
    CaLocked = 408,
    /// The identity is revoked.
    CaIdentityRevoked = 409,
    /// The identity has used up its enrolments, or may not enrol at all.
    CaEnrollmentLimit = 410,
    /// The registration or enrolment request breaks a rule (type, attribute, CSR, parameter).
    CaInvalidRequest = 411,
    /// The caller's certificate cannot act with this CA (not issued by it, revoked, expired).
    CaCallerCertificate = 412,
    /// A stored CA record is damaged.
    CaRegistry = 413,

    /// libwallet panicked; the call had no effect that can be relied on. Please report it.
    Panic = 900,
    /// An error libwallet does not know how to classify. Please report it.
    Internal = 901,
}

impl wallet_result {
    /// Every code, in numeric order.
    pub const ALL: &'static [wallet_result] = &[
        Self::Ok,
        Self::NullParameter,
        Self::InvalidUtf8,
        Self::BufferTooSmall,
        Self::InvalidArgument,
        Self::InvalidLabel,
        Self::InvalidUri,
        Self::EnvNotSet,
        Self::Unsupported,
        Self::NotFound,
        Self::AlreadyExists,
        Self::Conflict,
        Self::WrongPassphrase,
        Self::PassphraseRequired,
        Self::Integrity,
        Self::UnsupportedVersion,
        Self::NoWallet,
        Self::Backend,
        Self::Io,
        Self::Pem,
        Self::Key,
        Self::Certificate,
        Self::KeyMismatch,
        Self::Format,
        Self::BadSignature,
        Self::SignatureHighS,
        Self::AttributeNotFound,
        Self::KeyNotExportable,
        Self::KeyStore,
        Self::CaRefused,
        Self::CaUnknown,
        Self::CaExists,
        Self::CaUnknownIdentity,
        Self::CaDuplicateIdentity,
        Self::CaUnknownAffiliation,
        Self::CaUnauthorized,
        Self::CaWrongSecret,
        Self::CaLocked,
        Self::CaIdentityRevoked,
        Self::CaEnrollmentLimit,
        Self::CaInvalidRequest,
        Self::CaCallerCertificate,
        Self::CaRegistry,
        Self::Panic,
        Self::Internal,
    ];

    /// The code with this number, if there is one.
    pub fn from_u32(n: u32) -> Option<Self> {
        Self::ALL.iter().copied().find(|r| *r as u32 == n)
    }

    /// A short, fixed description of the code.
    pub fn message(self) -> &'static str {
        match self {
            Self::Ok => "success",
            Self::NullParameter => "a required argument is NULL",
            Self::InvalidUtf8 => "a text argument is not valid UTF-8",
            Self::BufferTooSmall => "the output buffer is too small (out_len holds the size needed)",
            Self::InvalidArgument => "an argument is out of range",
            Self::InvalidLabel => "invalid label",
            Self::InvalidUri => "invalid wallet URI",
            Self::EnvNotSet => "a required environment variable is not set",
            Self::Unsupported => "unsupported operation",
            Self::NotFound => "not found",
            Self::AlreadyExists => "already exists",
            Self::Conflict => "changed by another writer at the same time",
            Self::WrongPassphrase => "wrong passphrase",
            Self::PassphraseRequired => "a passphrase is required",
            Self::Integrity => "integrity check failed",
            Self::UnsupportedVersion => "unsupported format version",
            Self::NoWallet => "no wallet at this location",
            Self::Backend => "storage backend error",
            Self::Io => "input/output error",
            Self::Pem => "malformed PEM",
            Self::Key => "unusable private key",
            Self::Certificate => "unusable certificate",
            Self::KeyMismatch => "the private key does not match the certificate",
            Self::Format => "invalid format",
            Self::BadSignature => "the signature does not verify",
            Self::SignatureHighS => "the signature verifies but has a high S value, which Fabric rejects",
            Self::AttributeNotFound => "no such attribute in the certificate",
            Self::KeyNotExportable => "the private key cannot leave its key store",
            Self::KeyStore => "key store error",
            Self::CaRefused => "the certificate authority refused the request",
            Self::CaUnknown => "no certificate authority of that name in the wallet",
            Self::CaExists => "a certificate authority of that name already exists",
            Self::CaUnknownIdentity => "the enrollment ID is not registered with the CA",
            Self::CaDuplicateIdentity => "the enrollment ID is already registered",
            Self::CaUnknownAffiliation => "the affiliation does not exist in the CA",
            Self::CaUnauthorized => "authorization failure: the registrar lacks the right",
            Self::CaWrongSecret => "authentication failure: wrong enrolment secret",
            Self::CaLocked => "the identity is locked after too many wrong secrets",
            Self::CaIdentityRevoked => "the identity is revoked",
            Self::CaEnrollmentLimit => "the identity may not enrol again",
            Self::CaInvalidRequest => "the CA request breaks a rule",
            Self::CaCallerCertificate => "the caller's certificate cannot act with this CA",
            Self::CaRegistry => "a stored CA record is damaged",
            Self::Panic => "internal error: libwallet panicked (please report this)",
            Self::Internal => "internal error: unclassified (please report this)",
        }
    }
}

/// The result code for a `wallet_core` error: the one place where core errors get numbers.
pub fn result_for(error: &Error) -> wallet_result {
    use wallet_result as R;
    match error {
        Error::Key(key) => match key {
            KeyError::Parse { .. } => R::Key,
            KeyError::Mismatch { .. } => R::KeyMismatch,
            KeyError::NotExportable { .. } => R::KeyNotExportable,
            // UnknownStore, UnknownKey, Unsupported, Store, and any key error added later.
            _ => R::KeyStore,
        },
        Error::InvalidLabel { .. } => R::InvalidLabel,
        Error::NotFound { .. } => R::NotFound,
        Error::AlreadyExists { .. } => R::AlreadyExists,
        Error::Format(format) => match format {
            FormatError::Pem { .. } => R::Pem,
            FormatError::Certificate { .. } => R::Certificate,
            FormatError::UnsupportedVersion { .. } => R::UnsupportedVersion,
            // Invalid, and any format error added later.
            _ => R::Format,
        },
        Error::BadSignature { .. } => R::BadSignature,
        Error::InvalidDigest { .. } => R::InvalidArgument,
        Error::Io { .. } => R::Io,
        Error::Backend(backend) => match backend {
            BackendError::InvalidUri { .. } => R::InvalidUri,
            BackendError::NoStore { .. } => R::NoWallet,
            BackendError::WrongPassphrase { .. } => R::WrongPassphrase,
            BackendError::PassphraseRequired { .. } => R::PassphraseRequired,
            BackendError::Integrity { .. } | BackendError::IndexDamaged { .. } | BackendError::HeaderDamaged { .. } => {
                R::Integrity
            }
            BackendError::Conflict { .. } => R::Conflict,
            BackendError::Io { .. } => R::Io,
            BackendError::Unsupported(_) => R::Unsupported,
            // Unavailable, ExcessiveCost, TooLarge, and any failure added later.
            _ => R::Backend,
        },
        Error::Unsupported(_) => R::Unsupported,
        Error::Ca(ca) => match ca {
            CaError::UnknownCa { .. } | CaError::NoCa { .. } => R::CaUnknown,
            CaError::AmbiguousCa { .. } => R::InvalidArgument,
            CaError::CaExists { .. } => R::CaExists,
            CaError::UnknownIdentity { .. } => R::CaUnknownIdentity,
            CaError::DuplicateIdentity { .. } => R::CaDuplicateIdentity,
            CaError::UnknownAffiliation { .. } => R::CaUnknownAffiliation,
            CaError::Unauthorized { .. } => R::CaUnauthorized,
            CaError::WrongSecret { .. } => R::CaWrongSecret,
            CaError::Locked { .. } => R::CaLocked,
            CaError::IdentityRevoked { .. } => R::CaIdentityRevoked,
            CaError::MaxEnrollmentsReached { .. } | CaError::EnrollmentDisabled { .. } => R::CaEnrollmentLimit,
            CaError::InvalidRegistration { .. }
            | CaError::MissingAttribute { .. }
            | CaError::InvalidCsr { .. }
            | CaError::CsrCommonName { .. }
            | CaError::UnknownReason { .. }
            | CaError::InvalidParameter { .. } => R::CaInvalidRequest,
            CaError::CallerCertificate { .. } | CaError::CallerRevoked { .. } => R::CaCallerCertificate,
            CaError::Registry { .. } => R::CaRegistry,
            // DuplicateAffiliation, UnknownCertificate, AlreadyRevoked, NotACa, and any rule added later.
            _ => R::CaRefused,
        },
        _ => R::Internal,
    }
}

/// Why a call failed: its code, a message with context, and a suggestion for the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The code returned to C.
    pub code: wallet_result,
    /// What went wrong, with context; never secret material.
    pub message: String,
    /// How to fix it, when there is something useful to say.
    pub hint: Option<String>,
}

impl Failure {
    /// A failure with a message and no hint.
    pub fn new(code: wallet_result, message: impl Into<String>) -> Self {
        Self { code, message: message.into(), hint: None }
    }

    /// A NULL required argument.
    pub fn null(name: &str) -> Self {
        Self {
            code: wallet_result::NullParameter,
            message: format!("argument `{name}` is NULL"),
            hint: Some("pass a valid pointer; a handle reads as NULL after its _free".into()),
        }
    }

    /// Add a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Self { code: result_for(&error), message: error.to_string(), hint: crate::hints::hint(&error) }
    }
}

/// The details of one failed call (Box-owned). Immutable: it may be read from any thread.
#[derive(Debug)]
pub struct wallet_error {
    _private: [u8; 0],
}

impl Castable for wallet_error {
    type Ownership = OwnershipBox;
    type RustType = Failure;
    const NAME: &'static str = "error";
}

/// The code of a failed call's error; `WALLET_RESULT_NULL_PARAMETER` if `error` is NULL.
#[no_mangle]
pub unsafe extern "C" fn wallet_error_get_code(error: *const wallet_error) -> wallet_result {
    crate::panic::catch(wallet_result::Panic, || {
        // SAFETY: `error` is NULL or a live wallet_error (C contract).
        match unsafe { handle::try_ref(error) } {
            Ok(failure) => failure.code,
            Err(f) => f.code,
        }
    })
}

/// Copy the message of a failed call (UTF-8, no NUL) into `buf`; `*out_len` gets its length.
#[no_mangle]
pub unsafe extern "C" fn wallet_error_get_message(
    error: *const wallet_error,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
) -> wallet_result {
    crate::panic::boundary_without_error_out(|| {
        // SAFETY: `buf`/`out_len` are NULL or valid for `len` bytes / one size_t (C contract).
        let out = unsafe { OutBuf::new(buf, len, out_len, "buf")? };
        // SAFETY: `error` is NULL or a live wallet_error (C contract).
        let failure = unsafe { handle::try_ref(error)? };
        out.write(failure.message.as_bytes())
    })
}

/// Copy the suggested fix of a failed call (UTF-8, no NUL) into `buf`; `*out_len` gets its
/// length, 0 when there is no suggestion.
#[no_mangle]
pub unsafe extern "C" fn wallet_error_get_hint(
    error: *const wallet_error,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
) -> wallet_result {
    crate::panic::boundary_without_error_out(|| {
        // SAFETY: `buf`/`out_len` are NULL or valid for `len` bytes / one size_t (C contract).
        let out = unsafe { OutBuf::new(buf, len, out_len, "buf")? };
        // SAFETY: `error` is NULL or a live wallet_error (C contract).
        let failure = unsafe { handle::try_ref(error)? };
        out.write(failure.hint.as_deref().unwrap_or_default().as_bytes())
    })
}

/// Free an error and set `*error` to NULL. NULL, or a pointer to NULL, is a no-op.
#[no_mangle]
pub unsafe extern "C" fn wallet_error_free(error: *mut *mut wallet_error) {
    crate::panic::catch((), || {
        // SAFETY: `error` is NULL or the address of a pointer that is NULL or a live wallet_error.
        unsafe { handle::free_box(error) }
    })
}

/// Copy the fixed description of a result code (UTF-8, no NUL) into `buf`; `*out_len` gets its
/// length. An unknown number gives `WALLET_RESULT_INVALID_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn wallet_result_get_message(
    result: u32,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
) -> wallet_result {
    crate::panic::boundary_without_error_out(|| {
        // SAFETY: `buf`/`out_len` are NULL or valid for `len` bytes / one size_t (C contract).
        let out = unsafe { OutBuf::new(buf, len, out_len, "buf")? };
        let code = wallet_result::from_u32(result).ok_or_else(|| {
            Failure::new(wallet_result::InvalidArgument, format!("{result} is not a libwallet result code"))
        })?;
        out.write(code.message().as_bytes())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_core_error_has_a_specific_code() {
        let s = String::new;
        let errors = [
            FormatError::pem(s(), s()).into(),
            KeyError::Parse { what: s(), detail: s() }.into(),
            FormatError::certificate(s(), s()).into(),
            KeyError::Mismatch { label: s() }.into(),
            KeyError::NotExportable { label: s(), location: s() }.into(),
            KeyError::store(s(), s()).into(),
            Error::InvalidLabel { label: s(), reason: "" },
            Error::NotFound { kind: "", name: s(), location: s() },
            Error::AlreadyExists { kind: "", name: s(), location: s() },
            FormatError::UnsupportedVersion { what: s(), found: s(), supported: s() }.into(),
            FormatError::invalid("", s(), s()).into(),
            Error::BadSignature { detail: s() },
            Error::Io { context: "", path: "".into(), source: std::io::Error::other("x") },
            Error::Unsupported(s()),
        ];
        let backend_errors = [
            BackendError::Conflict { record: s() },
            BackendError::WrongPassphrase { location: s() },
            BackendError::PassphraseRequired { location: s() },
            BackendError::Integrity { record: s(), detail: s() },
            BackendError::InvalidUri { uri: s(), detail: s() },
            BackendError::NoStore { location: s() },
            BackendError::unavailable("", s()),
        ];
        let n = errors.len() + backend_errors.len();
        let errors: Vec<Error> = errors.into_iter().chain(backend_errors.into_iter().map(Error::from)).collect();
        let codes: std::collections::HashSet<_> = errors.iter().map(result_for).collect();
        assert_eq!(codes.len(), n, "two core errors share a code");
        let same = |e: BackendError| result_for(&Error::from(e));
        assert_eq!(same(BackendError::IndexDamaged { record: s(), detail: s() }), wallet_result::Integrity);
        assert_eq!(same(BackendError::ExcessiveCost { location: s(), detail: s() }), wallet_result::Backend);
        assert_eq!(same(BackendError::Unsupported(s())), wallet_result::Unsupported);
        let io = BackendError::Io { context: "", path: "".into(), source: std::io::Error::other("x") };
        assert_eq!(same(io), wallet_result::Io);
        assert!(!codes.contains(&wallet_result::Internal) && !codes.contains(&wallet_result::Ok));
        let ca_errors = [
            CaError::UnknownCa { name: s(), location: s() },
            CaError::CaExists { name: s(), location: s() },
            CaError::UnknownIdentity { id: s(), ca: s() },
            CaError::DuplicateIdentity { id: s(), ca: s() },
            CaError::UnknownAffiliation { affiliation: s(), ca: s() },
            CaError::Unauthorized { registrar: s(), detail: s() },
            CaError::WrongSecret { id: s(), attempts_left: s() },
            CaError::Locked { id: s(), attempts: 3 },
            CaError::IdentityRevoked { id: s() },
            CaError::MaxEnrollmentsReached { id: s(), count: 1 },
            CaError::InvalidRegistration { id: s(), detail: s() },
            CaError::CallerCertificate { label: s(), ca: s(), detail: s() },
            CaError::Registry { record: s(), detail: s() },
            CaError::AlreadyRevoked { serial: s() },
        ];
        let ca_codes: std::collections::HashSet<_> =
            ca_errors.into_iter().map(|e| result_for(&Error::Ca(e)) as u32).collect();
        assert_eq!(ca_codes.len(), 14, "CA errors with their own code share one");
        assert!(ca_codes.iter().all(|c| (400..500).contains(c)), "{ca_codes:?}");
    }

    #[test]
    fn from_u32_round_trips_and_rejects_unknown_numbers() {
        for code in wallet_result::ALL {
            assert_eq!(wallet_result::from_u32(*code as u32), Some(*code));
            assert!(!code.message().is_empty());
        }
        for n in [1, 99, 108, 299, 999, u32::MAX] {
            assert_eq!(wallet_result::from_u32(n), None, "{n}");
        }
        let numbers: Vec<u32> = wallet_result::ALL.iter().map(|c| *c as u32).collect();
        assert!(numbers.windows(2).all(|w| w[0] < w[1]), "ALL is not in numeric order: {numbers:?}");
    }
}
