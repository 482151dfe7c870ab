//! `wallet_ca_*`: onboard users through the embedded certificate authority kept in the wallet
//! (register, then enrol). `wallet_secret_*`: enrolment secrets handed to the caller.

use crate::error::{wallet_error, wallet_result, Failure};
use crate::handle::{self, Castable, OutBuf, OutPtr, OwnershipBox};
use crate::identity::wallet_identity;
use crate::panic::boundary;
use crate::wallet::wallet_wallet;
use std::ffi::c_char;
use std::sync::Arc;
use wallet_core::ca::{
    AdminEnrolment, Attribute, BootstrapOptions, CaOptions, CaService, CertificateAuthority, EnrollRequest,
    RegistrationRequest, Secret,
};
use zeroize::Zeroizing;

/// A CA as the C library holds it: opened once, owning its wallet handle. Its registry is read
/// afresh by every call, so several handles and processes sharing one wallet always act on its
/// current state.
#[derive(Debug)]
pub struct CaHandle(Box<dyn CaService>);

impl CaHandle {
    fn new(ca: CertificateAuthority) -> Self {
        Self(Box::new(ca))
    }
}

/// A certificate authority kept in a wallet (Box-owned). It holds its own reference to the
/// wallet, so the wallet handle may be freed first. Every function taking a `const wallet_ca *` may be
/// called from several threads at once: registry updates are compare-and-swap.
#[derive(Debug)]
pub struct wallet_ca {
    _private: [u8; 0],
}

impl Castable for wallet_ca {
    type Ownership = OwnershipBox;
    type RustType = CaHandle;
    const NAME: &'static str = "ca";
}

/// An enrolment secret (Box-owned). Its bytes are wiped when it is freed.
#[derive(Debug)]
pub struct wallet_secret {
    _private: [u8; 0],
}

impl Castable for wallet_secret {
    type Ownership = OwnershipBox;
    type RustType = Secret;
    const NAME: &'static str = "secret";
}

/// A secret argument: NULL (with length 0) for none.
///
/// # Safety
/// `ptr` is NULL or valid for reading `len` bytes.
unsafe fn secret_arg(ptr: *const u8, len: usize) -> Result<Option<Secret>, Failure> {
    if ptr.is_null() && len == 0 {
        return Ok(None);
    }
    // SAFETY: NULL or valid for `len` bytes (contract above).
    let bytes = unsafe { handle::try_bytes(ptr, len, "secret")? };
    let text = String::from_utf8(bytes.to_vec()).map_err(|e| {
        // The rejected copy holds the secret: wipe it before it is dropped.
        drop(Zeroizing::new(e.into_bytes()));
        Failure::new(wallet_result::InvalidUtf8, "the secret is not UTF-8")
    })?;
    Ok(Some(Secret::new(text)))
}

/// An optional NUL-terminated text argument.
///
/// # Safety
/// `ptr` is NULL or NUL-terminated.
unsafe fn optional_str<'a>(ptr: *const c_char, name: &'static str) -> Result<Option<&'a str>, Failure> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated (contract above).
    unsafe { handle::try_str(ptr, name) }.map(Some)
}

/// Create a root CA named `ca_name` in the wallet, issuing identities of `msp_id`, with Fabric
/// CA's defaults (affiliations org1, org1.department1, org1.department2, org2,
/// org2.department1) and a bootstrap registrar `admin` holding every right. On success
/// `*ca_out` is a new handle and `*admin_secret_out` the admin's enrolment secret; enrol the admin
/// with `wallet_ca_enroll` to get a registrar identity in the wallet. WALLET_RESULT_CA_EXISTS if
/// the wallet already has a CA of that name.
#[no_mangle]
pub unsafe extern "C" fn wallet_ca_create(
    wallet: *const wallet_wallet,
    ca_name: *const c_char,
    msp_id: *const c_char,
    ca_out: *mut *mut wallet_ca,
    admin_secret_out: *mut *mut wallet_secret,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: the out slots are NULL or valid for one pointer each (C contract).
        let (out, secret_out) =
            unsafe { (OutPtr::new(ca_out, "ca_out")?, OutPtr::new(admin_secret_out, "admin_secret_out")?) };
        // SAFETY: `wallet` is NULL or a live handle; the names NULL or NUL-terminated (C contract).
        let (wallet, name, msp_id) = unsafe {
            (handle::try_clone_arc(wallet)?, handle::try_str(ca_name, "ca_name")?, handle::try_str(msp_id, "msp_id")?)
        };
        let options = BootstrapOptions::root(CaOptions::new(name, msp_id)).admin(AdminEnrolment::RegisterOnly);
        let done = CertificateAuthority::bootstrap(wallet, &options)?;
        out.set(handle::box_into_ptr::<wallet_ca>(CaHandle::new(done.ca)));
        secret_out.set(handle::box_into_ptr::<wallet_secret>(done.admin_secret));
        Ok(())
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// Create a root CA named `ca_name` in the wallet, issuing identities of `msp_id`, with Fabric
/// CA's defaults (as `wallet_ca_create`), and enrol its bootstrap registrar `admin` into the
/// wallet under `admin_label` (NULL: "admin") — one step that a crash cannot leave half done. On
/// success `*ca_out` is a new handle and `*admin_out` the admin's identity, ready to register
/// others; free them with `wallet_ca_free` and `wallet_identity_free`. WALLET_RESULT_CA_EXISTS if
/// the wallet already has a CA of that name, WALLET_RESULT_ALREADY_EXISTS if `admin_label` is
/// taken; nothing is written then.
#[no_mangle]
pub unsafe extern "C" fn wallet_ca_bootstrap(
    wallet: *const wallet_wallet,
    ca_name: *const c_char,
    msp_id: *const c_char,
    admin_label: *const c_char,
    ca_out: *mut *mut wallet_ca,
    admin_out: *mut *mut wallet_identity,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: the out slots are NULL or valid for one pointer each (C contract).
        let (out, admin_slot) = unsafe { (OutPtr::new(ca_out, "ca_out")?, OutPtr::new(admin_out, "admin_out")?) };
        // SAFETY: `wallet` is NULL or a live handle; the texts NULL or NUL-terminated (C contract).
        let (wallet, name, msp_id, label) = unsafe {
            (
                handle::try_clone_arc(wallet)?,
                handle::try_str(ca_name, "ca_name")?,
                handle::try_str(msp_id, "msp_id")?,
                optional_str(admin_label, "admin_label")?,
            )
        };
        let options = BootstrapOptions::root(CaOptions::new(name, msp_id))
            .admin(AdminEnrolment::Enroll { label: label.map(str::to_owned) });
        let done = CertificateAuthority::bootstrap(wallet, &options)?;
        let admin = done.admin.expect("bootstrap enrols the admin when asked");
        out.set(handle::box_into_ptr::<wallet_ca>(CaHandle::new(done.ca)));
        admin_slot.set(handle::arc_into_ptr(Arc::new(admin)));
        Ok(())
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// Open the CA named `ca_name` in the wallet (WALLET_RESULT_CA_UNKNOWN if there is none). On
/// success `*ca_out` is a new handle; free it with `wallet_ca_free`.
#[no_mangle]
pub unsafe extern "C" fn wallet_ca_open(
    wallet: *const wallet_wallet,
    ca_name: *const c_char,
    ca_out: *mut *mut wallet_ca,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: `ca_out` is NULL or valid for one pointer (C contract).
        let out = unsafe { OutPtr::new(ca_out, "ca_out")? };
        // SAFETY: `wallet` is NULL or a live handle; `ca_name` NULL or NUL-terminated (C contract).
        let (wallet, name) = unsafe { (handle::try_clone_arc(wallet)?, handle::try_str(ca_name, "ca_name")?) };
        let ca = CertificateAuthority::open(wallet, name)?;
        out.set(handle::box_into_ptr::<wallet_ca>(CaHandle::new(ca)));
        Ok(())
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// Free a CA handle and set `*ca` to NULL. NULL, or a pointer to NULL, is a no-op.
#[no_mangle]
pub unsafe extern "C" fn wallet_ca_free(ca: *mut *mut wallet_ca) {
    crate::panic::catch((), || {
        // SAFETY: `ca` is NULL or the address of a pointer that is NULL or a live handle.
        unsafe { handle::free_box(ca) }
    })
}

/// Register `enrollment_id` with the CA, acting as the registrar whose identity is stored in the
/// wallet under `registrar_label` (its Fabric CA rights are checked). `identity_type` (`client`,
/// `peer`, `admin`, …) and `affiliation` may be NULL to take the registrar's; `attributes_json`
/// may be NULL or a JSON array `[{"name":"role","value":"auditor","ecert":true}]`;
/// `max_enrollments` 0 takes the CA's default and -1 means unlimited. `secret` may be NULL (length
/// 0) to have a random one generated. On success `*secret_out` holds the enrolment secret to pass
/// to `wallet_ca_enroll`; free it with `wallet_secret_free`.
#[no_mangle]
pub unsafe extern "C" fn wallet_ca_register(
    ca: *const wallet_ca,
    registrar_label: *const c_char,
    enrollment_id: *const c_char,
    identity_type: *const c_char,
    affiliation: *const c_char,
    attributes_json: *const c_char,
    max_enrollments: i32,
    secret: *const u8,
    secret_len: usize,
    secret_out: *mut *mut wallet_secret,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: `secret_out` is NULL or valid for one pointer (C contract).
        let out = unsafe { OutPtr::new(secret_out, "secret_out")? };
        // SAFETY: `ca` is NULL or a live handle; the texts NULL or NUL-terminated; `secret` NULL
        // or valid for `secret_len` bytes (C contract).
        let (ca, registrar, id, identity_type, affiliation, attributes, secret) = unsafe {
            (
                handle::try_ref(ca)?,
                handle::try_str(registrar_label, "registrar_label")?,
                handle::try_str(enrollment_id, "enrollment_id")?,
                optional_str(identity_type, "identity_type")?,
                optional_str(affiliation, "affiliation")?,
                optional_str(attributes_json, "attributes_json")?,
                secret_arg(secret, secret_len)?,
            )
        };
        let attributes: Vec<Attribute> = match attributes {
            None => vec![],
            Some(json) => serde_json::from_str(json).map_err(|e| {
                Failure::new(
                    wallet_result::InvalidArgument,
                    format!("attributes_json is not a list of attributes: {e}"),
                )
                .with_hint(r#"pass a JSON array such as [{"name":"role","value":"auditor","ecert":true}], or NULL"#)
            })?,
        };
        let request = RegistrationRequest {
            id: id.to_owned(),
            secret,
            identity_type: identity_type.map(str::to_owned),
            affiliation: affiliation.map(str::to_owned),
            attributes,
            max_enrollments: Some(max_enrollments),
        };
        let secret = ca.0.register(registrar, &request)?;
        out.set(handle::box_into_ptr::<wallet_secret>(secret));
        Ok(())
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// Enrol `enrollment_id` with its secret: a new P-256 key is generated inside the library, the
/// CA issues its certificate (Fabric CA's profile, with the attributes registered for ecerts),
/// and the identity is stored in the CA's wallet under `label` (NULL: the enrollment ID). An
/// existing label is replaced only when `overwrite` is true. On success `*identity_out` is the new
/// identity, ready to sign; free it with `wallet_identity_free`.
#[no_mangle]
pub unsafe extern "C" fn wallet_ca_enroll(
    ca: *const wallet_ca,
    enrollment_id: *const c_char,
    secret: *const u8,
    secret_len: usize,
    label: *const c_char,
    overwrite: bool,
    identity_out: *mut *mut wallet_identity,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: `identity_out` is NULL or valid for one pointer (C contract).
        let out = unsafe { OutPtr::new(identity_out, "identity_out")? };
        if secret.is_null() {
            return Err(Failure::null("secret"));
        }
        // SAFETY: `ca` is NULL or a live handle; the texts NULL or NUL-terminated; `secret`
        // valid for `secret_len` bytes (C contract).
        let (ca, id, secret, label) = unsafe {
            (
                handle::try_ref(ca)?,
                handle::try_str(enrollment_id, "enrollment_id")?,
                secret_arg(secret, secret_len)?,
                optional_str(label, "label")?,
            )
        };
        let request = EnrollRequest {
            id: id.to_owned(),
            secret,
            label: label.map(str::to_owned),
            overwrite,
            ..EnrollRequest::default()
        };
        let identity = ca.0.enroll(&request)?;
        out.set(handle::arc_into_ptr(Arc::new(identity)));
        Ok(())
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// Copy an enrolment secret (UTF-8, no NUL) into `buf`; `*out_len` gets its length. The copy is
/// yours to wipe.
#[no_mangle]
pub unsafe extern "C" fn wallet_secret_get(
    secret: *const wallet_secret,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: `buf`/`out_len` are NULL or valid for `len` bytes / one size_t (C contract).
        let out = unsafe { OutBuf::new(buf, len, out_len, "buf")? };
        // SAFETY: `secret` is NULL or a live handle (C contract).
        let secret = unsafe { handle::try_ref(secret)? };
        out.write(secret.expose().as_bytes())
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// Wipe and free a secret, and set `*secret` to NULL. NULL, or a pointer to NULL, is a no-op.
#[no_mangle]
pub unsafe extern "C" fn wallet_secret_free(secret: *mut *mut wallet_secret) {
    crate::panic::catch((), || {
        // SAFETY: `secret` is NULL or the address of a pointer that is NULL or a live handle.
        unsafe { handle::free_box(secret) }
    })
}
