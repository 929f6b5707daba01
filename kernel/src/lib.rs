//! zx-kernel: a user-space emulator of the Zircon kernel's memory subsystem.
//!
//! Embed a [`Kernel`], create [`Process`]es, and call syscalls on them by their Zircon names
//! (without the `zx_` prefix), with the C arguments in the C order:
//!
//! ```
//! use zx_kernel::{zx::*, Kernel, KernelConfig};
//!
//! let kernel = Kernel::new(KernelConfig::default());
//! let process = kernel.create_process();
//! let vmo = process.vmo_create(2 * ZX_PAGE_SIZE, 0)?;
//! process.vmo_write(vmo, b"hello", 4094)?;
//! let mut back = [0u8; 5];
//! process.vmo_read(vmo, &mut back, 4094)?;
//! assert_eq!(&back, b"hello");
//! assert_eq!(process.object_get_info_vmo(vmo)?.committed_bytes, 2 * ZX_PAGE_SIZE);
//! process.handle_close(vmo)?;
//! kernel.check_invariants().unwrap();
//! assert_eq!(kernel.kmem_stats().free_bytes, kernel.kmem_stats().total_bytes);
//! # Ok::<(), zx_kernel::Status>(())
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod introspect;
mod kernel;
mod process;

pub use kernel::{Kernel, KernelConfig};
pub use zx_vm::{FaultInjector, FaultPlan, RamUnavailable};

/// The README's embedding example, compiled and run as a doctest.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
pub use process::Process;
/// The status of a failed syscall (re-exported here, so embedders name it `zx_kernel::Status`).
#[doc(inline)]
pub use zx_syscalls::Status;
pub use zx_syscalls::{Access, PageFault, USER_ASPACE_BASE, USER_ASPACE_SIZE};

/// The C-compatible names: `zx_*_t` types, `ZX_*` constants and `#[repr(C)]` records.
///
/// ```
/// assert_eq!(zx_kernel::zx::ZX_ERR_BAD_STATE, -20);
/// ```
pub mod zx {
    pub use zx_syscalls::zx::*;
}
