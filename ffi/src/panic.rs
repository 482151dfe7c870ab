//! The panic boundary every exported function runs inside: a Rust panic must never unwind into C.

use crate::error::{wallet_error, wallet_result, Failure};
use crate::handle;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Run the body of a fallible exported function. `Ok` gives `WALLET_RESULT_OK`; a failure or a
/// caught panic gives its code and, when `error_out` is not NULL, a new `wallet_error` in
/// `*error_out` (the only output written on failure).
///
/// # Safety
/// `error_out` is NULL or valid for writing one pointer.
pub unsafe fn boundary(error_out: *mut *mut wallet_error, body: impl FnOnce() -> Result<(), Failure>) -> wallet_result {
    let failure = match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => return wallet_result::Ok,
        Ok(Err(failure)) => failure,
        Err(payload) => Failure::new(wallet_result::Panic, format!("libwallet panicked: {}", panic_message(&*payload)))
            .with_hint("this is a bug in libwallet; please report it with the message"),
    };
    let code = failure.code;
    if !error_out.is_null() {
        // Building the error object allocates; keep even that inside a boundary.
        let ptr = catch_unwind(AssertUnwindSafe(|| handle::box_into_ptr::<wallet_error>(failure)));
        if let Ok(ptr) = ptr {
            // SAFETY: `error_out` is non-NULL and valid for writing one pointer (contract above);
            // the caller's old value is not read (it may be uninitialised).
            unsafe { error_out.write_unaligned(ptr) };
        }
    }
    code
}

/// [`boundary`] for the functions that take no `error_out` (those that read an error).
pub fn boundary_without_error_out(body: impl FnOnce() -> Result<(), Failure>) -> wallet_result {
    // SAFETY: a NULL `error_out` is never written.
    unsafe { boundary(std::ptr::null_mut(), body) }
}

/// Run the body of an exported function that returns a plain value; a panic gives `on_panic`.
pub fn catch<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(on_panic)
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> &str {
    payload
        .downcast_ref::<&'static str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_code_and_an_error_object() {
        let mut error: *mut wallet_error = std::ptr::null_mut();
        // SAFETY: `error` is a valid slot for one pointer.
        let code = unsafe { boundary(&mut error, || panic!("boom {}", 42)) };
        assert_eq!(code, wallet_result::Panic);
        assert!(!error.is_null());
        // SAFETY: `error` was just made by `boundary`.
        let failure = unsafe { handle::try_ref(error) }.unwrap();
        assert_eq!(failure.code, wallet_result::Panic);
        assert!(failure.message.contains("boom 42"), "{}", failure.message);
        // SAFETY: `error` is live and freed once.
        unsafe { handle::free_box(&mut error) };
        assert!(error.is_null());
        assert_eq!(catch(7, || -> i32 { panic!("static") }), 7);
    }

    #[test]
    fn success_leaves_error_out_alone_and_failure_fills_it() {
        let sentinel = std::ptr::dangling_mut::<wallet_error>();
        let mut error = sentinel;
        // SAFETY: `error` is a valid slot for one pointer.
        assert_eq!(unsafe { boundary(&mut error, || Ok(())) }, wallet_result::Ok);
        assert_eq!(error, sentinel, "error_out was written on success");
        // SAFETY: as above.
        let code = unsafe { boundary(&mut error, || Err(Failure::null("x"))) };
        assert_eq!(code, wallet_result::NullParameter);
        assert_ne!(error, sentinel);
        // SAFETY: `error` is live and freed once.
        unsafe { handle::free_box(&mut error) };
        // SAFETY: NULL error_out is allowed.
        assert_eq!(unsafe { boundary(std::ptr::null_mut(), || Err(Failure::null("x"))) }, wallet_result::NullParameter);
    }
}
