//! The panic guard around every entry point.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

static PANIC_NEXT: AtomicBool = AtomicBool::new(false);

/// Makes the next entry point (on any thread) panic inside its guard, so that a test can
/// check that the panic comes back as `ZX_ERR_INTERNAL` instead of unwinding into C.
/// Also exported to C as `zxemu_inject_panic`.
///
/// ```
/// use zx_kernel::zx::*;
/// zx_abi::inject_panic();
/// let mut vmo = ZX_HANDLE_INVALID;
/// // SAFETY: `vmo` is a valid place for a handle.
/// assert_eq!(unsafe { zx_abi::zx_vmo_create(4096, 0, &mut vmo) }, ZX_ERR_INTERNAL);
/// assert_eq!(vmo, ZX_HANDLE_INVALID);
/// ```
pub fn inject_panic() {
    PANIC_NEXT.store(true, Ordering::SeqCst);
}

/// Runs `f`, answering `on_panic` if it (or an injected fault) panics.
pub(crate) fn guard<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(|| {
        if PANIC_NEXT.swap(false, Ordering::SeqCst) {
            panic!("zxemu: panic injected by zxemu_inject_panic");
        }
        f()
    }))
    .unwrap_or(on_panic)
}
