//! `wallet_wallet_*`: open a wallet, list and import identities. `wallet_labels_*`: a label list.

use crate::error::{wallet_error, wallet_result, Failure};
use crate::handle::{self, Castable, OutBuf, OutPtr, OwnershipArc, OwnershipBox};
use crate::panic::boundary;
use std::ffi::c_char;
use std::sync::Arc;
use wallet_core::backend::{OpenOptions, Passphrase};
use wallet_core::crypto::{provider, KeyStores};
use wallet_core::env;
use wallet_core::formats::pem_pair;
use wallet_core::Wallet;
use zeroize::Zeroizing;

/// An open wallet (Arc-owned). Every function taking a `const wallet_wallet *` may be called
/// from several threads at once on the same handle.
#[derive(Debug)]
pub struct wallet_wallet {
    _private: [u8; 0],
}

impl Castable for wallet_wallet {
    type Ownership = OwnershipArc;
    type RustType = Wallet;
    const NAME: &'static str = "wallet";
}

/// A list of identity labels, sorted (Box-owned, immutable).
#[derive(Debug)]
pub struct wallet_labels {
    _private: [u8; 0],
}

impl Castable for wallet_labels {
    type Ownership = OwnershipBox;
    type RustType = Vec<String>;
    const NAME: &'static str = "labels";
}

/// Options with the passphrase from `len` bytes at `ptr` (NULL means no passphrase; a non-NULL
/// pointer with length 0 is the empty passphrase).
///
/// # Safety
/// `ptr` is NULL or valid for reading `len` bytes.
unsafe fn options(ptr: *const u8, len: usize) -> Result<OpenOptions, Failure> {
    if ptr.is_null() {
        return if len == 0 { Ok(OpenOptions::new()) } else { Err(Failure::null("passphrase")) };
    }
    // SAFETY: non-NULL and valid for `len` bytes (contract above).
    let bytes = unsafe { handle::try_bytes(ptr, len, "passphrase")? };
    let text = String::from_utf8(bytes.to_vec()).map_err(|e| {
        // The rejected copy holds the secret: wipe it before it is dropped.
        drop(Zeroizing::new(e.into_bytes()));
        Failure::new(wallet_result::InvalidUtf8, "the passphrase is not UTF-8")
            .with_hint("pass the passphrase as UTF-8 bytes")
    })?;
    Ok(OpenOptions::new().with_passphrase(Passphrase::new(text)))
}

type OpenFn = fn(&str, &OpenOptions) -> wallet_core::Result<Wallet>;

/// Shared body of `_open` and `_create`.
///
/// # Safety
/// The C contract of `wallet_wallet_open`.
unsafe fn open_with(
    open: OpenFn,
    uri: *const c_char,
    passphrase: *const u8,
    passphrase_len: usize,
    wallet_out: *mut *mut wallet_wallet,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: `wallet_out` is NULL or valid for one pointer (C contract).
        let out = unsafe { OutPtr::new(wallet_out, "wallet_out")? };
        // SAFETY: `uri` is NULL or a NUL-terminated string (C contract).
        let uri = unsafe { handle::try_str(uri, "uri")? };
        // SAFETY: `passphrase` is NULL or valid for `passphrase_len` bytes (C contract).
        let options = unsafe { options(passphrase, passphrase_len)? };
        provider::install_from_env(provider::Artefact::CLibrary)?;
        let wallet = open(uri, &options)?.with_key_stores(KeyStores::from_env()?);
        out.set(handle::arc_into_ptr(Arc::new(wallet)));
        Ok(())
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// Open the wallet at `uri` (`memory:`, `file:PATH` or a path). `passphrase` is
/// `passphrase_len` UTF-8 bytes (no NUL needed), or NULL with length 0 for none. On success
/// `*wallet_out` is a new handle; free it with `wallet_wallet_free`. New keys (CA keys,
/// enrolments) are made in the key store WALLET_KEY_STORE names: `software` (unset: the
/// default) or `memory` (held by this process, never exportable); another value gives
/// WALLET_RESULT_KEY_STORE.
#[no_mangle]
pub unsafe extern "C" fn wallet_wallet_open(
    uri: *const c_char,
    passphrase: *const u8,
    passphrase_len: usize,
    wallet_out: *mut *mut wallet_wallet,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    // SAFETY: same contract as this function.
    unsafe { open_with(Wallet::open, uri, passphrase, passphrase_len, wallet_out, error_out) }
}

/// Create a new, empty wallet at `uri` (fails with WALLET_RESULT_ALREADY_EXISTS if there is one);
/// arguments as `wallet_wallet_open`.
#[no_mangle]
pub unsafe extern "C" fn wallet_wallet_create(
    uri: *const c_char,
    passphrase: *const u8,
    passphrase_len: usize,
    wallet_out: *mut *mut wallet_wallet,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    // SAFETY: same contract as this function.
    unsafe { open_with(Wallet::create, uri, passphrase, passphrase_len, wallet_out, error_out) }
}

/// Open the wallet named by the environment: the URI from WALLET_URI (WALLET_RESULT_ENV_NOT_SET
/// if unset or empty) and the passphrase, if any, from WALLET_PASSPHRASE (unset or empty: none).
/// A value that is not UTF-8 gives WALLET_RESULT_INVALID_UTF8. Read by the same rules as the
/// `wallet` command (`wallet_core::env`).
#[no_mangle]
pub unsafe extern "C" fn wallet_wallet_open_from_env(
    wallet_out: *mut *mut wallet_wallet,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: `wallet_out` is NULL or valid for one pointer (C contract).
        let out = unsafe { OutPtr::new(wallet_out, "wallet_out")? };
        let env_error = |e: env::EnvError| {
            Failure::new(wallet_result::InvalidUtf8, e.to_string()).with_hint("set it to UTF-8 text")
        };
        let uri = env::wallet_uri().map_err(env_error)?.ok_or_else(|| {
            Failure::new(wallet_result::EnvNotSet, format!("{} is not set (or is empty)", env::WALLET_URI))
                .with_hint(format!("set {} to memory:, file:PATH or a path", env::WALLET_URI))
        })?;
        let passphrase = env::passphrase().map_err(env_error)?;
        provider::install_from_env(provider::Artefact::CLibrary)?;
        let wallet = Wallet::open(&uri, &OpenOptions::new().with_passphrase(passphrase))?
            .with_key_stores(KeyStores::from_env()?);
        out.set(handle::arc_into_ptr(Arc::new(wallet)));
        Ok(())
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// Release a wallet handle and set `*wallet` to NULL. NULL, or a pointer to NULL, is a no-op.
/// Identities loaded from the wallet stay usable.
#[no_mangle]
pub unsafe extern "C" fn wallet_wallet_free(wallet: *mut *mut wallet_wallet) {
    crate::panic::catch((), || {
        // SAFETY: `wallet` is NULL or the address of a pointer that is NULL or a live handle.
        unsafe { handle::free_arc(wallet) }
    })
}

/// List the labels of the identities in the wallet, sorted. On success `*labels_out` is a new
/// list; free it with `wallet_labels_free`.
#[no_mangle]
pub unsafe extern "C" fn wallet_wallet_list(
    wallet: *const wallet_wallet,
    labels_out: *mut *mut wallet_labels,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: `labels_out` is NULL or valid for one pointer (C contract).
        let out = unsafe { OutPtr::new(labels_out, "labels_out")? };
        // SAFETY: `wallet` is NULL or a live handle (C contract).
        let wallet = unsafe { handle::try_ref(wallet)? };
        let labels = wallet.list()?;
        out.set(handle::box_into_ptr::<wallet_labels>(labels));
        Ok(())
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// Store an identity made of a PEM certificate (the leaf first, then its issuers; the
/// certificate of the key is taken as the leaf wherever it stands) and a PEM private key (PKCS#8
/// or SEC1, P-256, LF or CRLF) under `label`. An existing label is replaced only when
/// `overwrite` is true (else WALLET_RESULT_ALREADY_EXISTS). A key that is not the certificate's
/// gives WALLET_RESULT_KEY_MISMATCH and stores nothing.
#[no_mangle]
pub unsafe extern "C" fn wallet_wallet_import_pem(
    wallet: *const wallet_wallet,
    label: *const c_char,
    msp_id: *const c_char,
    cert_pem: *const u8,
    cert_pem_len: usize,
    key_pem: *const u8,
    key_pem_len: usize,
    overwrite: bool,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: each pointer is NULL or valid for its length / NUL-terminated (C contract).
        let (wallet, label, msp_id, cert_pem, key_pem) = unsafe {
            (
                handle::try_ref(wallet)?,
                handle::try_str(label, "label")?,
                handle::try_str(msp_id, "msp_id")?,
                handle::try_bytes(cert_pem, cert_pem_len, "cert_pem")?,
                handle::try_bytes(key_pem, key_pem_len, "key_pem")?,
            )
        };
        let identity = pem_pair::parse(label, msp_id, cert_pem, key_pem)?;
        wallet.put(&identity, overwrite)?;
        Ok(())
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// Remove the identity under `label` (WALLET_RESULT_NOT_FOUND if there is none).
#[no_mangle]
pub unsafe extern "C" fn wallet_wallet_remove(
    wallet: *const wallet_wallet,
    label: *const c_char,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: `wallet` is NULL or a live handle, `label` NULL or NUL-terminated (C contract).
        let (wallet, label) = unsafe { (handle::try_ref(wallet)?, handle::try_str(label, "label")?) };
        wallet.remove(label)?;
        Ok(())
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// The number of labels in the list (0 if `labels` is NULL).
#[no_mangle]
pub unsafe extern "C" fn wallet_labels_get_count(labels: *const wallet_labels) -> usize {
    crate::panic::catch(0, || {
        // SAFETY: `labels` is NULL or a live list (C contract).
        unsafe { handle::try_ref(labels) }.map_or(0, Vec::len)
    })
}

/// Copy label number `index` (from 0; UTF-8, no NUL) into `buf`; `*out_len` gets its length.
/// An index past the end gives WALLET_RESULT_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn wallet_labels_get(
    labels: *const wallet_labels,
    index: usize,
    buf: *mut c_char,
    len: usize,
    out_len: *mut usize,
    error_out: *mut *mut wallet_error,
) -> wallet_result {
    let body = || {
        // SAFETY: `buf`/`out_len` are NULL or valid for `len` bytes / one size_t (C contract).
        let out = unsafe { OutBuf::new(buf, len, out_len, "buf")? };
        // SAFETY: `labels` is NULL or a live list (C contract).
        let labels = unsafe { handle::try_ref(labels)? };
        let label = labels.get(index).ok_or_else(|| {
            Failure::new(
                wallet_result::InvalidArgument,
                format!("index {index} is past the end of a list of {} labels", labels.len()),
            )
        })?;
        out.write(label.as_bytes())
    };
    // SAFETY: `error_out` is NULL or valid for one pointer (C contract).
    unsafe { boundary(error_out, body) }
}

/// Free a label list and set `*labels` to NULL. NULL, or a pointer to NULL, is a no-op.
#[no_mangle]
pub unsafe extern "C" fn wallet_labels_free(labels: *mut *mut wallet_labels) {
    crate::panic::catch((), || {
        // SAFETY: `labels` is NULL or the address of a pointer that is NULL or a live list.
        unsafe { handle::free_box(labels) }
    })
}
