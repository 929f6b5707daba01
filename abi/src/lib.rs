//! zx-abi: the C ABI of the emulator. Zircon's `zx_*` syscalls (and their `_zx_*` twins) as C
//! entry points over one lazily started [`zx_kernel::Kernel`], emulator controls under the
//! `zxemu_` prefix, and hand-written headers in `abi/include/` (`zircon/*.h`, `lib/zx/*.h`,
//! `zxtest/zxtest.h`, `zxemu/zxemu.h`) so that Zircon's C and C++ tests compile unchanged.
//!
//! The crate builds a static library (`libzx_abi.a`), a dynamic one and an rlib. A C program
//! links with `libzx_abi.a -lpthread -ldl -lm`. From Rust the entry points are ordinary
//! `unsafe extern "C"` functions:
//!
//! ```
//! use zx_abi::*;
//! use zx_kernel::zx::*;
//! let mut vmo = ZX_HANDLE_INVALID;
//! // SAFETY: `vmo` is a valid place for the handle; the buffers are live and sized as passed.
//! unsafe {
//!     assert_eq!(zx_vmo_create(8192, 0, &mut vmo), ZX_OK);
//!     assert_eq!(zx_vmo_write(vmo, b"hi".as_ptr().cast(), 10, 2), ZX_OK);
//!     let mut back = [0u8; 2];
//!     assert_eq!(zx_vmo_read(vmo, back.as_mut_ptr().cast(), 10, 2), ZX_OK);
//!     assert_eq!(&back, b"hi");
//!     assert_eq!(zx_handle_close(vmo), ZX_OK);
//! }
//! ```
//!
//! All `unsafe` code (pointer conversions and the exported symbols) lives in one module,
//! `boundary`; the rest of the crate forbids it. Every entry point runs inside
//! `catch_unwind`: a panic answers `ZX_ERR_INTERNAL` (or the zero value of the return type)
//! instead of unwinding into C.
#![deny(unsafe_code)]
#![warn(missing_docs)]

#[allow(unsafe_code)]
mod boundary;
mod guard;
mod state;

pub use boundary::*;
pub use guard::inject_panic;
pub use state::{
    configure_kernel, create_process, current_process, current_process_id, kernel,
    set_current_process, set_thread_process, ProcessId,
};
