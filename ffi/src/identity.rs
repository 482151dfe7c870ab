//! `wallet_identity_*`: load an identity and act as it.

use crate::error::{wallet_error, wallet_result, Failure};
use crate::handle::{self, Castable, OutBuf, OutPtr, OwnershipArc};
use crate::panic::boundary;
use crate::wallet::wallet_wallet;
use crate::WALLET_DIGEST_LEN;
use std::ffi::c_char;
use std::sync::Arc;
use wallet_core::crypto::{self, SignatureForm};
use wallet_core::formats::serialized;
use wallet_core::sign::SignInput;
use wallet_core::Identity;

/// A loaded identity: certificate, MSP ID and private key (Arc-owned, immutable). Every function
/// taking a `const wallet_identity *` may be called from several threads at once on the same
/// handle; `wallet_identity_clone` gives each thread a reference it can free on its own.
/// The private key never leaves the handle and is wiped from memory when the last reference is
/// freed.
#[derive(Debug)]
pub struct wallet_identity {
    _private: [u8; 0],
}

impl Castable for wallet_identity {
    type Ownership = OwnershipArc;
    type RustType = Identity;
    const NAME: &'static str = "identity";
}

/// Load the identity stored under `label`. On success `*identity_out` is a new handle that does
/// not depend on the wallet handle; free it with `wallet_identity_free`.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_load(
    wallet: *const wallet_wallet,
    label: *const c_char,
    identity_out: *mut *mut wallet_identity,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: `identity_out` is NULL or valid for one pointer (C contract).
        let out = unsafe { OutPtr::new(identity_out, "identity_out")? };
        // SAFETY: `wallet` is NULL or a live handle, `label` NULL or NUL-terminated (C contract).
        let (wallet, label) = unsafe { (handle::try_ref(wallet)?, handle::try_str(label, "label")?) };
        let identity = wallet.get(label)?;
        out.set(handle::arc_into_ptr(Arc::new(identity)));
        Ok(())
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// A second reference to the same identity (no copy of the key is made). Each reference is freed
/// with its own `wallet_identity_free`; the identity lives until the last one is freed.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_clone(
    identity: *const wallet_identity,
    identity_out: *mut *mut wallet_identity,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: `identity_out` is NULL or valid for one pointer (C contract).
        let out = unsafe { OutPtr::new(identity_out, "identity_out")? };
        // SAFETY: `identity` is NULL or a live handle (C contract).
        let arc = unsafe { handle::try_clone_arc(identity)? };
        out.set(handle::arc_into_ptr(arc));
        Ok(())
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// Release one reference to an identity and set `*identity` to NULL. NULL, or a pointer to NULL,
/// is a no-op. The key is wiped when the last reference goes.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_free(identity: *mut *mut wallet_identity) {
    crate::panic::catch((), || {
        // SAFETY: `identity` is NULL or the address of a pointer that is NULL or a live handle.
        unsafe { handle::free_arc(identity) }
    })
}

/// Shared body of the getters that copy bytes out of an identity.
///
/// # Safety
/// The C contract of an output-buffer getter.
unsafe fn copy_out(
    identity: *const wallet_identity,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
    error_out: *mut *mut wallet_error,
    get: impl FnOnce(&Identity) -> Result<Vec<u8>, Failure>,
) -> wallet_result {
    let body = || {
        // SAFETY: `buf`/`out_len` are NULL or valid for `len` bytes / one size_t (C contract).
        let out = unsafe { OutBuf::new(buf, len, out_len, "buf")? };
        // SAFETY: `identity` is NULL or a live handle (C contract).
        let identity = unsafe { handle::try_ref(identity)? };
        out.write(&get(identity)?)
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// Copy the identity's label (UTF-8, no NUL) into `buf`; `*out_len` gets its length.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_get_label(
    identity: *const wallet_identity,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    // SAFETY: same contract as this function.
    unsafe { copy_out(identity, buf.cast(), len, out_len, error_out, |id| Ok(id.label().as_bytes().to_vec())) }
}

/// Copy the identity's MSP ID (UTF-8, no NUL) into `buf`; `*out_len` gets its length.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_get_msp_id(
    identity: *const wallet_identity,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    // SAFETY: same contract as this function.
    unsafe { copy_out(identity, buf.cast(), len, out_len, error_out, |id| Ok(id.msp_id().as_bytes().to_vec())) }
}

/// Copy the enrolment certificate as PEM (LF line endings, final newline, no NUL) into `buf`.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_get_certificate_pem(
    identity: *const wallet_identity,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    // SAFETY: same contract as this function.
    unsafe { copy_out(identity, buf.cast(), len, out_len, error_out, |id| Ok(id.certificate().to_pem().into_bytes())) }
}

/// Copy the enrolment certificate as DER into `buf`.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_get_certificate_der(
    identity: *const wallet_identity,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    // SAFETY: same contract as this function.
    unsafe { copy_out(identity, buf, len, out_len, error_out, |id| Ok(id.certificate().der().to_vec())) }
}

/// Copy the enrollment ID (the certificate's subject CN, as Fabric CA sets it; UTF-8, no NUL)
/// into `buf`. A certificate without a CN gives an empty string.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_get_enrollment_id(
    identity: *const wallet_identity,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    // SAFETY: same contract as this function.
    unsafe {
        copy_out(identity, buf.cast(), len, out_len, error_out, |id| {
            Ok(id.certificate().common_name().unwrap_or_default().into_bytes())
        })
    }
}

/// Copy the certified public key as an uncompressed point (`04 || X || Y`,
/// WALLET_PUBLIC_KEY_LEN bytes) into `buf`.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_get_public_key(
    identity: *const wallet_identity,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    // SAFETY: same contract as this function.
    unsafe {
        copy_out(identity, buf, len, out_len, error_out, |id| {
            Ok(crypto::public_key_point(&id.certificate().public_key()?))
        })
    }
}

/// Copy the value of the Fabric attribute `name` (from the certificate's 1.2.3.4.5.6.7.8.1
/// extension; UTF-8, no NUL) into `buf`. WALLET_RESULT_ATTRIBUTE_NOT_FOUND if there is none.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_get_attribute(
    identity: *const wallet_identity,
    name: *const c_char,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: `buf`/`out_len` are NULL or valid for `len` bytes / one size_t (C contract).
        let out = unsafe { OutBuf::new(buf, len, out_len, "buf")? };
        // SAFETY: `identity` is NULL or a live handle, `name` NULL or NUL-terminated (C contract).
        let (identity, name) = unsafe { (handle::try_ref(identity)?, handle::try_str(name, "name")?) };
        let attrs = identity.certificate().fabric_attributes()?;
        let value = attrs.get(name).ok_or_else(|| {
            Failure::new(
                wallet_result::AttributeNotFound,
                format!("the certificate of {:?} has no attribute {name:?}", identity.label()),
            )
            .with_hint("wallet_identity_get_attributes_json lists the attributes the certificate has")
        })?;
        out.write(value.as_bytes())
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// Copy all Fabric attributes as a JSON object (`{"hf.EnrollmentID":"user2",…}`, keys sorted;
/// `{}` when the certificate has none; UTF-8, no NUL) into `buf`.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_get_attributes_json(
    identity: *const wallet_identity,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    // SAFETY: same contract as this function.
    unsafe {
        copy_out(identity, buf.cast(), len, out_len, error_out, |id| {
            let attrs = id.certificate().fabric_attributes()?;
            Ok(serde_json::to_vec(&attrs).expect("a string map always serializes"))
        })
    }
}

/// Shared body of the two time getters.
///
/// # Safety
/// The C contract of `wallet_identity_get_not_after`.
unsafe fn time_out(
    identity: *const wallet_identity,
    unix_seconds_out: *mut i64,
    error_out: *mut *mut wallet_error,
    get: fn(&Identity) -> i64,
) -> wallet_result {
    let body = || {
        // SAFETY: `unix_seconds_out` is NULL or valid for one int64_t (C contract).
        let out = unsafe { OutPtr::new(unix_seconds_out, "unix_seconds_out")? };
        // SAFETY: `identity` is NULL or a live handle (C contract).
        let identity = unsafe { handle::try_ref(identity)? };
        out.set(get(identity));
        Ok(())
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// The end of the certificate's validity (its expiry), in seconds since 1970-01-01 UTC.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_get_not_after(
    identity: *const wallet_identity,
    unix_seconds_out: *mut i64,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    // SAFETY: same contract as this function.
    unsafe { time_out(identity, unix_seconds_out, error_out, |id| id.certificate().not_after().unix_timestamp()) }
}

/// The start of the certificate's validity, in seconds since 1970-01-01 UTC.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_get_not_before(
    identity: *const wallet_identity,
    unix_seconds_out: *mut i64,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    // SAFETY: same contract as this function.
    unsafe { time_out(identity, unix_seconds_out, error_out, |id| id.certificate().not_before().unix_timestamp()) }
}

/// Sign a message as the identity: SHA-256, then ECDSA P-256, as a Fabric client signs a
/// proposal or transaction. The signature is DER and always low-S, at most
/// WALLET_SIGNATURE_MAX_LEN bytes: a buffer of that size always suffices.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_sign(
    identity: *const wallet_identity,
    message: *const u8,
    message_len: usize,
    signature: *mut u8,
    signature_len: usize,
    signature_out_len: *mut usize,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: `signature`/`signature_out_len` are NULL or valid for `signature_len` bytes /
        // one size_t (C contract).
        let out = unsafe { OutBuf::new(signature, signature_len, signature_out_len, "signature")? };
        // SAFETY: `identity` is NULL or a live handle, `message` NULL or valid for
        // `message_len` bytes (C contract).
        let (identity, message) =
            unsafe { (handle::try_ref(identity)?, handle::try_bytes(message, message_len, "message")?) };
        out.write(&identity.sign_input(SignInput::Message(message))?.signature)
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// The digest argument, as the core reads it (its length is checked there).
///
/// # Safety
/// `digest` is NULL or valid for `digest_len` bytes.
unsafe fn digest_arg<'a>(digest: *const u8, digest_len: usize) -> Result<SignInput<'a>, Failure> {
    if digest.is_null() {
        return Err(Failure::null("digest"));
    }
    // SAFETY: non-NULL and valid for `digest_len` bytes (contract above).
    Ok(SignInput::Digest(unsafe { handle::try_bytes(digest, digest_len, "digest")? }))
}

/// A core error, with the C library's wording for a digest of the wrong length.
fn digest_failure(e: wallet_core::Error) -> Failure {
    match e {
        wallet_core::Error::InvalidDigest { len } => Failure::new(
            wallet_result::InvalidArgument,
            format!("the digest is {len} bytes; a SHA-256 digest is {WALLET_DIGEST_LEN}"),
        )
        .with_hint("hash the message with SHA-256 first, or use wallet_identity_sign"),
        e => e.into(),
    }
}

/// Sign a precomputed SHA-256 digest (`digest_len` must be WALLET_DIGEST_LEN). Output as
/// `wallet_identity_sign`.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_sign_digest(
    identity: *const wallet_identity,
    digest: *const u8,
    digest_len: usize,
    signature: *mut u8,
    signature_len: usize,
    signature_out_len: *mut usize,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: `signature`/`signature_out_len` are NULL or valid for `signature_len` bytes /
        // one size_t (C contract).
        let out = unsafe { OutBuf::new(signature, signature_len, signature_out_len, "signature")? };
        // SAFETY: `identity` is NULL or a live handle, `digest` NULL or valid for `digest_len`
        // bytes (C contract).
        let (identity, digest) = unsafe { (handle::try_ref(identity)?, digest_arg(digest, digest_len)?) };
        out.write(&identity.sign_input(digest).map_err(digest_failure)?.signature)
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

fn check_form(form: SignatureForm) -> Result<(), Failure> {
    match form {
        SignatureForm::LowS => Ok(()),
        SignatureForm::HighS => Err(Failure::new(
            wallet_result::SignatureHighS,
            "the signature verifies but its S value is high, so Fabric peers and orderers reject it",
        )
        .with_hint("normalise S to n - S, or sign with libwallet, which always produces low-S signatures")),
    }
}

/// Verify a DER signature over a message (SHA-256, then ECDSA) against the identity's
/// certificate. WALLET_RESULT_OK: valid and low-S; WALLET_RESULT_SIGNATURE_HIGH_S: valid but
/// high-S (Fabric rejects it); WALLET_RESULT_BAD_SIGNATURE: not valid.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_verify(
    identity: *const wallet_identity,
    message: *const u8,
    message_len: usize,
    signature: *const u8,
    signature_len: usize,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: `identity` is NULL or a live handle; `message` and `signature` NULL or
        // valid for their lengths (C contract).
        let (identity, message, signature) = unsafe {
            (
                handle::try_ref(identity)?,
                handle::try_bytes(message, message_len, "message")?,
                handle::try_bytes(signature, signature_len, "signature")?,
            )
        };
        check_form(crypto::verify(&identity.certificate().public_key()?, message, signature)?)
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// Verify a DER signature over a SHA-256 digest (`digest_len` must be WALLET_DIGEST_LEN).
/// Results as `wallet_identity_verify`.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_verify_digest(
    identity: *const wallet_identity,
    digest: *const u8,
    digest_len: usize,
    signature: *const u8,
    signature_len: usize,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: `identity` is NULL or a live handle; `digest` and `signature` NULL or
        // valid for their lengths (C contract).
        let (identity, digest, signature) = unsafe {
            (
                handle::try_ref(identity)?,
                digest_arg(digest, digest_len)?,
                handle::try_bytes(signature, signature_len, "signature")?,
            )
        };
        let digest = digest.digest().map_err(digest_failure)?;
        check_form(crypto::verify_digest(&identity.certificate().public_key()?, &digest, signature)?)
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// Copy the identity's Fabric `SerializedIdentity` (protobuf: mspid, then the certificate PEM as
/// id_bytes) into `buf`: the creator bytes of a proposal or transaction.
#[no_mangle]
pub unsafe extern "C" fn wallet_identity_serialize(
    identity: *const wallet_identity,
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    // SAFETY: same contract as this function.
    unsafe { copy_out(identity, buf, len, out_len, error_out, |id| Ok(serialized::serialize(id))) }
}
