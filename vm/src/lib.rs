//! zx-vm: the emulated physical memory and the virtual memory objects built on it.
//!
//! Layers inside this crate, bottom up:
//! - [`sync`]: the one sync facade (loom's types under `cfg(loom)`);
//! - `arena` and [`PageAllocator`]: frames of emulated RAM, owned through [`Frame`] tokens;
//! - [`PageList`]: a node's slots, in runs that can be moved whole;
//! - [`Vm`] and [`Vmo`]: VMOs as trees of nodes, one lock per tree ("hierarchy").
//!
//! The crate knows nothing of handles, rights or syscalls; it reports [`VmError`]s.
//!
//! ```
//! use zx_vm::{Vm, VmoOptions};
//! let vm = Vm::new(16 * 4096, 0x8000_0000);
//! let vmo = vm.create_vmo(1, 8192, VmoOptions::default()).unwrap();
//! vmo.write(b"hello", 4094).unwrap();
//! let mut back = [0u8; 5];
//! vmo.read(&mut back, 4094).unwrap();
//! assert_eq!(&back, b"hello");
//! assert_eq!(vmo.info().committed_bytes, 8192);
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod allocator;
#[allow(unsafe_code)]
mod arena;
mod device;
mod error;
mod fault;
mod page_list;
mod pager;
mod port;
pub mod sync;
mod vm;
mod vmo;

pub use allocator::{PageAllocator, RamUnavailable, ZeroFill};
pub use arena::{Frame, PAGE_SIZE};
pub use device::DeviceMemory;
pub use error::VmError;
pub use fault::{FaultInjector, FaultPlan};
pub use page_list::{PageList, PageSlot, Slot, RUN_PAGES};
pub use pager::{PageSource, RequestKind};
pub use port::{Port, PortFull, PortPacket, MAX_USER_PACKETS};
pub use vm::{PagerVmoOptions, Vm, DEFAULT_PAGER_TIMEOUT_NS};
pub use vmo::{
    round_up_to_page, AliasKind, FamilyNode, FamilyPage, LockState, PagerSlotState, PagerView,
    TransferStats, Vmo, VmoInfo, VmoOptions, MAX_PINS, MAX_VMO_SIZE,
};
