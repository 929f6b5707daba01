//! A panic inside an entry point comes back to the caller as `ZX_ERR_INTERNAL` (or the zero
//! value of a function that returns one) instead of unwinding across the C boundary, which
//! would abort the process. This file is its own test process: the injected panic is global.

use zx_abi::*;
use zx_kernel::zx::*;

#[test]
fn a_panic_inside_an_entry_point_answers_internal() {
    let mut vmo = ZX_HANDLE_INVALID;
    // SAFETY: `vmo` is a valid place for a handle throughout.
    unsafe {
        inject_panic();
        assert_eq!(zx_vmo_create(4096, 0, &mut vmo), ZX_ERR_INTERNAL);
        assert_eq!(vmo, ZX_HANDLE_INVALID, "nothing was written");

        // Through the C-exported hook and the `_zx_` twin too.
        zxemu_inject_panic();
        assert_eq!(_zx_vmo_create(4096, 0, &mut vmo), ZX_ERR_INTERNAL);

        // Functions that return a value answer zero.
        inject_panic();
        assert_eq!(zx_clock_get_monotonic(), 0);
        inject_panic();
        assert_eq!(zxemu_process_current(), 0);

        // The library keeps working afterwards, and the kernel is intact.
        assert_eq!(zx_vmo_create(4096, 0, &mut vmo), ZX_OK);
        assert_eq!(zx_handle_close(vmo), ZX_OK);
        assert_eq!(zxemu_check_invariants(std::ptr::null_mut(), 0, std::ptr::null_mut()), ZX_OK);
    }
}
