//! # libwallet
//!
//! The C ABI of `wallet_core`: a program in C, Python, Node, Go… opens a wallet, loads an
//! identity and acts as that user (signs, presents the certificate, builds the Fabric
//! `SerializedIdentity`) without linking Rust code of its own. The header `include/wallet.h` is
//! generated from this crate by cbindgen; `README.md` beside it is the user guide.
//!
//! ## How the boundary is built
//! - Every exported function is `unsafe extern "C"`: its contract is the C one written in the
//!   header (pointers NULL or valid for their stated length, handles live), and its whole body runs
//!   inside [`panic::boundary`], so a Rust panic becomes `WALLET_RESULT_PANIC`, never an unwind
//!   into C.
//! - Handles are opaque; whether a handle is `Box`- or `Arc`-owned is fixed by its type
//!   ([`handle::Castable`]), so it can only be freed the way it was made.
//! - Errors are numbers from [`error::wallet_result`] with per-call detail in an optional
//!   `wallet_error` object; there is no process-wide "last error".

// The safety contract of every exported function is the C contract in the header preamble and
// README ("pointers NULL or valid for their length, handles live"), written once rather than
// repeated in each function's docs.
#![allow(clippy::missing_safety_doc)]
// Types are named as C sees them (`wallet_identity`, `wallet_result`).
#![allow(non_camel_case_types)]

pub mod ca;
pub mod error;
pub mod handle;
pub mod hints;
pub mod identity;
pub mod panic;
pub mod wallet;

pub use ca::{wallet_ca, wallet_secret};
pub use error::{wallet_error, wallet_result};
pub use identity::wallet_identity;
pub use wallet::{wallet_labels, wallet_wallet};

use std::ffi::c_char;

/// The largest DER ECDSA P-256 signature, in bytes: a buffer this big always fits a signature.
pub const WALLET_SIGNATURE_MAX_LEN: usize = 72;

/// The length of a SHA-256 digest, the only digest `wallet_identity_sign_digest` accepts.
pub const WALLET_DIGEST_LEN: usize = 32;

/// The length of an uncompressed P-256 public key point (`04 || X || Y`).
pub const WALLET_PUBLIC_KEY_LEN: usize = 65;

const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");

/// The library version as a static NUL-terminated string, e.g. "0.1.0". Never NULL; do not free it.
#[no_mangle]
pub extern "C" fn wallet_version_get() -> *const c_char {
    VERSION.as_ptr().cast()
}
