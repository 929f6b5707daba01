//! zx-syscalls: one method per `zx_*` call, checking arguments in Zircon's order.
//!
//! [`KernelCore`] holds what a kernel shares (the VM, koids, the clock, the root resource);
//! [`ProcessCore`] holds one process's handle table and implements the syscalls. The
//! `zx-kernel` crate wraps both in the public `Kernel` and `Process`.
//!
//! Every syscall runs inside a `tracing` span named after it, with its arguments.
//!
//! ```
//! use zx_syscalls::{zx, KernelCore, KernelSettings};
//! let kernel = KernelCore::new(KernelSettings::default());
//! let process = kernel.create_process();
//! let vmo = process.vmo_create(4096, 0).unwrap();
//! process.vmo_write(vmo, b"abc", 0).unwrap();
//! assert_eq!(process.vmo_get_size(vmo), Ok(4096));
//! assert_eq!(process.vmo_set_size(vmo, 0).unwrap_err().into_raw(), zx::ZX_ERR_UNAVAILABLE);
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod aspace;
mod calls;
mod core;
pub mod object;
mod status;
pub mod zx;

pub use crate::aspace::{Access, PageFault, USER_ASPACE_BASE, USER_ASPACE_SIZE};
pub use crate::core::{KernelCore, KernelSettings, ProcessCore};
pub use status::Status;
