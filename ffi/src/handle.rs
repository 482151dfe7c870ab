//! Moving values across the boundary: opaque handles whose ownership is fixed by their type, and
//! checked readers for pointer arguments and output buffers.
//!
//! Modelled on rustls-ffi's `ffi.rs`: a C handle type implements [`Castable`], naming the Rust
//! type behind it and whether the C side holds it as a `Box` or an `Arc`. The helpers below only
//! accept the matching ownership, so an `Arc` handle cannot be freed as a `Box`.

use crate::error::{wallet_result, Failure};
use std::ffi::{c_char, CStr};
use std::sync::Arc;

/// A C handle type: the opaque struct the header names.
pub trait Castable {
    /// [`OwnershipBox`] or [`OwnershipArc`].
    type Ownership;
    /// The Rust value behind the handle.
    type RustType;
    /// The argument name used in messages when a handle is NULL.
    const NAME: &'static str;
}

/// The C side owns a `Box<RustType>`: one owner, freed once.
#[derive(Debug)]
pub struct OwnershipBox;

/// The C side owns one strong count of an `Arc<RustType>`: `_clone` adds a count, `_free` drops one.
#[derive(Debug)]
pub struct OwnershipArc;

/// Hand a boxed value to C.
pub fn box_into_ptr<C: Castable<Ownership = OwnershipBox>>(value: C::RustType) -> *mut C {
    Box::into_raw(Box::new(value)).cast()
}

/// Hand an `Arc` to C (the pointer owns one strong count).
pub fn arc_into_ptr<C: Castable<Ownership = OwnershipArc>>(value: Arc<C::RustType>) -> *mut C {
    Arc::into_raw(value).cast_mut().cast()
}

/// Borrow the value behind a handle; NULL gives `WALLET_RESULT_NULL_PARAMETER`.
///
/// # Safety
/// `ptr` is NULL or a live handle of type `C` (made by this library and not yet freed), which
/// stays live for `'a`.
pub unsafe fn try_ref<'a, C: Castable>(ptr: *const C) -> Result<&'a C::RustType, Failure> {
    // SAFETY: by the contract above, a non-NULL `ptr` points at a live `C::RustType` (Box and Arc
    // both hand out a pointer to the value itself).
    unsafe { ptr.cast::<C::RustType>().as_ref() }.ok_or_else(|| Failure::null(C::NAME))
}

/// A new strong reference to an `Arc` handle's value.
///
/// # Safety
/// As [`try_ref`]; `ptr` came from [`arc_into_ptr`].
pub unsafe fn try_clone_arc<C: Castable<Ownership = OwnershipArc>>(ptr: *const C) -> Result<Arc<C::RustType>, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(C::NAME));
    }
    let ptr = ptr.cast::<C::RustType>();
    // SAFETY: `ptr` came from `Arc::into_raw` and its count is at least the one the caller holds,
    // so adding one and rebuilding an Arc from it leaves the caller's count untouched.
    unsafe {
        Arc::increment_strong_count(ptr);
        Ok(Arc::from_raw(ptr))
    }
}

/// Free a `Box` handle through the address of the caller's pointer, then set that pointer to
/// NULL. NULL, or a pointer to NULL, is a no-op.
///
/// # Safety
/// `slot` is NULL or points at a pointer that is NULL or a live handle from [`box_into_ptr`].
pub unsafe fn free_box<C: Castable<Ownership = OwnershipBox>>(slot: *mut *mut C) {
    // SAFETY: `slot` is NULL or valid for reads and writes (contract above).
    let Some(slot) = (unsafe { slot.as_mut() }) else { return };
    let ptr = std::mem::replace(slot, std::ptr::null_mut());
    if !ptr.is_null() {
        // SAFETY: `ptr` came from `Box::into_raw` and is freed once: the caller's copy is now NULL.
        drop(unsafe { Box::from_raw(ptr.cast::<C::RustType>()) });
    }
}

/// Drop one strong count of an `Arc` handle through the address of the caller's pointer, then
/// set that pointer to NULL. NULL, or a pointer to NULL, is a no-op.
///
/// # Safety
/// `slot` is NULL or points at a pointer that is NULL or a live handle from [`arc_into_ptr`].
pub unsafe fn free_arc<C: Castable<Ownership = OwnershipArc>>(slot: *mut *mut C) {
    // SAFETY: `slot` is NULL or valid for reads and writes (contract above).
    let Some(slot) = (unsafe { slot.as_mut() }) else { return };
    let ptr = std::mem::replace(slot, std::ptr::null_mut());
    if !ptr.is_null() {
        // SAFETY: `ptr` came from `Arc::into_raw`; this gives back the count the caller held.
        drop(unsafe { Arc::from_raw(ptr.cast_const().cast::<C::RustType>()) });
    }
}

/// A NUL-terminated UTF-8 text argument.
///
/// # Safety
/// `ptr` is NULL or points at a NUL-terminated string that stays unchanged for `'a`.
pub unsafe fn try_str<'a>(ptr: *const c_char, name: &'static str) -> Result<&'a str, Failure> {
    if ptr.is_null() {
        return Err(Failure::null(name));
    }
    // SAFETY: non-NULL and NUL-terminated (contract above).
    let c = unsafe { CStr::from_ptr(ptr) };
    c.to_str().map_err(|e| {
        Failure::new(
            wallet_result::InvalidUtf8,
            format!("argument `{name}` is not UTF-8 (invalid byte at offset {})", e.valid_up_to()),
        )
    })
}

/// A byte-buffer argument. NULL is accepted (as empty) only when `len` is 0.
///
/// # Safety
/// `ptr` is NULL or valid for reading `len` bytes that stay unchanged for `'a`.
pub unsafe fn try_bytes<'a>(ptr: *const u8, len: usize, name: &'static str) -> Result<&'a [u8], Failure> {
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(Failure::null(name)) };
    }
    if len > isize::MAX as usize {
        return Err(Failure::new(wallet_result::InvalidArgument, format!("argument `{name}_len` is too large")));
    }
    // SAFETY: non-NULL, valid for `len` bytes (contract above), and `len` fits an isize.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// An output buffer: `buf` of `len` bytes and `*out_len` for the byte count. Made before any work,
/// so a NULL `out_len` is reported before anything is computed. Raw pointers throughout: the
/// caller's memory may be uninitialised, so no reference to it is ever formed.
#[derive(Debug)]
pub struct OutBuf {
    buf: *mut u8,
    len: usize,
    out_len: *mut usize,
}

impl OutBuf {
    /// Check the three arguments. `buf` may be NULL only when `len` is 0 (a size query).
    ///
    /// # Safety
    /// `buf` is NULL or valid for writing `len` bytes, `out_len` NULL or valid for writing, both
    /// until [`OutBuf::write`] returns, and they do not overlap.
    pub unsafe fn new<T>(buf: *mut T, len: usize, out_len: *mut usize, name: &'static str) -> Result<Self, Failure> {
        if out_len.is_null() {
            return Err(Failure::null("out_len"));
        }
        if buf.is_null() && len != 0 {
            return Err(Failure::null(name));
        }
        Ok(Self { buf: buf.cast(), len, out_len })
    }

    /// Copy `bytes` out, or report the size needed (`*out_len`) with `WALLET_RESULT_BUFFER_TOO_SMALL`.
    pub fn write(self, bytes: &[u8]) -> Result<(), Failure> {
        if bytes.len() > self.len {
            // SAFETY: `out_len` is non-NULL (checked in `new`) and valid for writing (its contract).
            unsafe { self.out_len.write_unaligned(bytes.len()) };
            return Err(Failure::new(
                wallet_result::BufferTooSmall,
                format!("the output buffer holds {} bytes and {} are needed", self.len, bytes.len()),
            ));
        }
        if !bytes.is_empty() {
            // SAFETY: `buf` is valid for `len >= bytes.len()` bytes (checked in `new` and above),
            // and Rust-owned `bytes` cannot overlap the caller's buffer.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.buf, bytes.len()) };
        }
        // SAFETY: as above.
        unsafe { self.out_len.write_unaligned(bytes.len()) };
        Ok(())
    }
}

/// An output slot for a handle or a number: written only on success, never read.
#[derive(Debug)]
pub struct OutPtr<T: Copy> {
    slot: *mut T,
}

impl<T: Copy> OutPtr<T> {
    /// Check that the slot is not NULL.
    ///
    /// # Safety
    /// `slot` is NULL or valid for writing a `T` until [`OutPtr::set`] returns.
    pub unsafe fn new(slot: *mut T, name: &'static str) -> Result<Self, Failure> {
        if slot.is_null() {
            return Err(Failure::null(name));
        }
        Ok(Self { slot })
    }

    /// Write the value (the old one is not read: it may be uninitialised).
    pub fn set(self, value: T) {
        // SAFETY: non-NULL (checked in `new`) and valid for writing (its contract); `T: Copy`
        // has no destructor to run on the old value.
        unsafe { self.slot.write_unaligned(value) }
    }
}
