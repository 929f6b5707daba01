//! `Process`: one handle table and the syscalls made through it.

use std::sync::Arc;

use delegate::delegate;
use zx_syscalls::zx::{
    zx_handle_t, zx_info_bti_t, zx_info_handle_basic_t, zx_info_vmo_t, zx_paddr_t,
    zx_pager_vmo_stats_t, zx_port_packet_t, zx_rights_t, zx_signals_t, zx_time_t,
    zx_vmo_dirty_range_t,
};
use zx_syscalls::zx::{zx_info_maps_t, zx_info_vmar_t, zx_vaddr_t, zx_vm_option_t};
use zx_syscalls::{PageFault, ProcessCore, Status};

/// A process: its own handle table in front of the kernel's objects. Clones are the same
/// process; its handles close when the last clone is dropped.
///
/// Each method is the Zircon syscall of the same name without `zx_`, with the C arguments
/// in the C order; out-parameters come back in `Ok`. The argument checks, their order and
/// the statuses are those of `docs/reference.md`.
///
/// ```
/// use zx_kernel::{zx::*, Kernel, Status};
/// let kernel = Kernel::new(Default::default());
/// let a = kernel.create_process();
/// let b = kernel.create_process();
/// let vmo = a.vmo_create(4096, 0).unwrap();
/// assert_eq!(b.vmo_get_size(vmo), Err(Status::from_raw(ZX_ERR_BAD_HANDLE)));
/// ```
#[derive(Clone, Debug)]
pub struct Process {
    core: Arc<ProcessCore>,
}

impl Process {
    pub(crate) fn new(core: Arc<ProcessCore>) -> Process {
        Process { core }
    }

    pub(crate) fn core(&self) -> &Arc<ProcessCore> {
        &self.core
    }

    /// Emulator API: the `Process` a process handle names (`BAD_HANDLE`, `WRONG_TYPE`;
    /// `BAD_STATE` once it has ended), so that the software MMU of a process made by
    /// [`Process::process_create`] can be driven.
    ///
    /// ```
    /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
    /// let (child, _vmar) = p.process_create(p.job_default(), b"child", 0).unwrap();
    /// assert_ne!(p.process_for_handle(child).unwrap().koid(), p.koid());
    /// ```
    pub fn process_for_handle(&self, process: zx_handle_t) -> Result<Process, Status> {
        self.core.process_for_handle(process).map(Process::new)
    }

    /// The process's koid.
    ///
    /// ```
    /// let kernel = zx_kernel::Kernel::new(Default::default());
    /// assert_ne!(kernel.create_process().koid(), kernel.create_process().koid());
    /// ```
    pub fn koid(&self) -> u64 {
        self.core.koid()
    }

    delegate! {
        to self.core {
            /// `zx_vmo_create`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.vmo_create(4096, 0).is_ok());
            /// ```
            pub fn vmo_create(&self, size: u64, options: u32) -> Result<zx_handle_t, Status>;
            /// `zx_vmo_read`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(4096, 0).unwrap();
            /// p.vmo_read(vmo, &mut [0; 8], 0).unwrap();
            /// ```
            pub fn vmo_read(&self, vmo: zx_handle_t, buffer: &mut [u8], offset: u64) -> Result<(), Status>;
            /// `zx_vmo_write`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(4096, 0).unwrap();
            /// p.vmo_write(vmo, &[1; 8], 0).unwrap();
            /// ```
            pub fn vmo_write(&self, vmo: zx_handle_t, buffer: &[u8], offset: u64) -> Result<(), Status>;
            /// `zx_vmo_get_size`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(1, 0).unwrap();
            /// assert_eq!(p.vmo_get_size(vmo), Ok(4096));
            /// ```
            pub fn vmo_get_size(&self, vmo: zx_handle_t) -> Result<u64, Status>;
            /// `zx_vmo_set_size`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(0, zx_kernel::zx::ZX_VMO_RESIZABLE).unwrap();
            /// p.vmo_set_size(vmo, 8192).unwrap();
            /// ```
            pub fn vmo_set_size(&self, vmo: zx_handle_t, size: u64) -> Result<(), Status>;
            /// `zx_vmo_op_range`.
            ///
            /// ```
            /// use zx_kernel::zx::*;
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(4096, 0).unwrap();
            /// p.vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, 4096, &mut []).unwrap();
            /// ```
            pub fn vmo_op_range(&self, vmo: zx_handle_t, op: u32, offset: u64, size: u64, buffer: &mut [u8]) -> Result<(), Status>;
            /// `zx_vmo_create_child`: SNAPSHOT (and its AT_LEAST_ON_WRITE and MODIFIED
            /// flavours), SLICE and REFERENCE children.
            ///
            /// ```
            /// use zx_kernel::zx::*;
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(4096, 0).unwrap();
            /// let child = p.vmo_create_child(vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 4096).unwrap();
            /// assert_eq!(p.object_get_info_vmo(child).unwrap().parent_koid,
            ///            p.object_get_info_handle_basic(vmo).unwrap().koid);
            /// ```
            pub fn vmo_create_child(&self, vmo: zx_handle_t, options: u32, offset: u64, size: u64) -> Result<zx_handle_t, Status>;
            /// `zx_vmo_transfer_data`: moves pages instead of copying them; all or nothing,
            /// atomic, never losing a page (stronger than Zircon).
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let src = p.vmo_create(4096, 0).unwrap();
            /// let dst = p.vmo_create(4096, 0).unwrap();
            /// p.vmo_write(src, b"x", 0).unwrap();
            /// p.vmo_transfer_data(dst, 0, 0, 4096, src, 0).unwrap();
            /// ```
            pub fn vmo_transfer_data(&self, dst_vmo: zx_handle_t, options: u32, offset: u64, length: u64, src_vmo: zx_handle_t, src_offset: u64) -> Result<(), Status>;
            /// `zx_vmo_create_contiguous`: physically consecutive pages that stay committed.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.vmo_create_contiguous(0, 4096, 0).is_err());
            /// ```
            pub fn vmo_create_contiguous(&self, bti: zx_handle_t, size: u64, alignment_log2: u32) -> Result<zx_handle_t, Status>;
            /// `zx_vmo_create_physical`: a VMO over the emulated device-memory window.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.vmo_create_physical(0, 0, 4096).is_err());
            /// ```
            pub fn vmo_create_physical(&self, resource: zx_handle_t, paddr: zx_paddr_t, size: u64) -> Result<zx_handle_t, Status>;

            /// `zx_handle_close`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.handle_close(zx_kernel::zx::ZX_HANDLE_INVALID).is_ok());
            /// ```
            pub fn handle_close(&self, handle: zx_handle_t) -> Result<(), Status>;
            /// `zx_handle_duplicate`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(0, 0).unwrap();
            /// p.handle_duplicate(vmo, zx_kernel::zx::ZX_RIGHT_SAME_RIGHTS).unwrap();
            /// ```
            pub fn handle_duplicate(&self, handle: zx_handle_t, rights: zx_rights_t) -> Result<zx_handle_t, Status>;
            /// `zx_handle_replace`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(0, 0).unwrap();
            /// p.handle_replace(vmo, zx_kernel::zx::ZX_RIGHT_READ).unwrap();
            /// ```
            pub fn handle_replace(&self, handle: zx_handle_t, rights: zx_rights_t) -> Result<zx_handle_t, Status>;

            /// `zx_object_get_info`, raw: writes records into `buffer`, returns (actual, avail).
            ///
            /// ```
            /// use zx_kernel::zx::*;
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(0, 0).unwrap();
            /// let mut buf = [0u8; 32];
            /// assert_eq!(p.object_get_info(vmo, ZX_INFO_HANDLE_BASIC, &mut buf), Ok((1, 1)));
            /// ```
            pub fn object_get_info(&self, handle: zx_handle_t, topic: u32, buffer: &mut [u8]) -> Result<(usize, usize), Status>;
            /// `zx_object_get_info(ZX_INFO_HANDLE_BASIC)`, typed.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(0, 0).unwrap();
            /// assert_eq!(p.object_get_info_handle_basic(vmo).unwrap().type_, 3);
            /// ```
            pub fn object_get_info_handle_basic(&self, handle: zx_handle_t) -> Result<zx_info_handle_basic_t, Status>;
            /// `zx_object_get_info(ZX_INFO_VMO)`, typed.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(8192, 0).unwrap();
            /// assert_eq!(p.object_get_info_vmo(vmo).unwrap().size_bytes, 8192);
            /// ```
            pub fn object_get_info_vmo(&self, handle: zx_handle_t) -> Result<zx_info_vmo_t, Status>;
            /// `zx_object_get_info(ZX_INFO_BTI)`, typed.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.object_get_info_bti(0).is_err());
            /// ```
            pub fn object_get_info_bti(&self, handle: zx_handle_t) -> Result<zx_info_bti_t, Status>;
            /// `zx_object_get_property`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(0, 0).unwrap();
            /// let mut name = [0u8; 32];
            /// p.object_get_property(vmo, zx_kernel::zx::ZX_PROP_NAME, &mut name).unwrap();
            /// ```
            pub fn object_get_property(&self, handle: zx_handle_t, property: u32, value: &mut [u8]) -> Result<(), Status>;
            /// `zx_object_set_property`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(0, 0).unwrap();
            /// p.object_set_property(vmo, zx_kernel::zx::ZX_PROP_NAME, b"buf").unwrap();
            /// ```
            pub fn object_set_property(&self, handle: zx_handle_t, property: u32, value: &[u8]) -> Result<(), Status>;
            /// `zx_object_wait_one`: `Ok(observed)` when one of `signals` is asserted,
            /// `Err(TIMED_OUT)` at the deadline.
            ///
            /// ```
            /// use zx_kernel::zx::*;
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(0, 0).unwrap();
            /// assert!(p.object_wait_one(vmo, ZX_VMO_ZERO_CHILDREN, 0).is_ok());
            /// ```
            pub fn object_wait_one(&self, handle: zx_handle_t, signals: zx_signals_t, deadline: zx_time_t) -> Result<zx_signals_t, Status>;
            /// `zx_object_signal`.
            ///
            /// ```
            /// use zx_kernel::zx::*;
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let event = p.event_create(0).unwrap();
            /// p.object_signal(event, 0, ZX_USER_SIGNAL_0).unwrap();
            /// ```
            pub fn object_signal(&self, handle: zx_handle_t, clear_mask: u32, set_mask: u32) -> Result<(), Status>;
            /// Nanoseconds since the kernel was created; deadlines are on this clock.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.clock_get_monotonic() >= 0);
            /// ```
            pub fn clock_get_monotonic(&self) -> zx_time_t;
            /// `zx_event_create`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.event_create(0).is_ok());
            /// ```
            pub fn event_create(&self, options: u32) -> Result<zx_handle_t, Status>;

            /// `zx_process_self`: a handle to this process (`ZX_DEFAULT_PROCESS_RIGHTS`, type
            /// `ZX_OBJ_TYPE_PROCESS`), made on the first call and the same value afterwards
            /// (a closed one stays closed); `ZX_HANDLE_INVALID` if the table is full at the
            /// first call, and a later call tries again. It does not keep the process alive.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert_eq!(p.process_self(), p.process_self());
            /// ```
            pub fn process_self(&self) -> zx_handle_t;

            /// `zx_vmar_root_self`: a handle to this process's root VMAR (rights
            /// `ZX_DEFAULT_VMAR_RIGHTS | READ | WRITE | EXECUTE`), made on the first call and
            /// the same value afterwards; `ZX_HANDLE_INVALID` if the table is full then.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert_eq!(p.vmar_root_self(), p.vmar_root_self());
            /// ```
            pub fn vmar_root_self(&self) -> zx_handle_t;
            /// `zx_vmar_allocate`: a new empty sub-VMAR; returns its handle and base.
            ///
            /// ```
            /// use zx_kernel::zx::*;
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let (_sub, base) = p.vmar_allocate(p.vmar_root_self(), ZX_VM_CAN_MAP_READ, 0, 0x10000).unwrap();
            /// assert_eq!(base, zx_kernel::USER_ASPACE_BASE);
            /// ```
            pub fn vmar_allocate(&self, parent_vmar: zx_handle_t, options: zx_vm_option_t, offset: u64, size: u64) -> Result<(zx_handle_t, zx_vaddr_t), Status>;
            /// `zx_vmar_map`: maps a VMO range; returns the address.
            ///
            /// ```
            /// use zx_kernel::zx::*;
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(4096, 0).unwrap();
            /// let addr = p.vmar_map(p.vmar_root_self(), ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, 4096).unwrap();
            /// p.store_mapped_u64(addr, 7).unwrap();
            /// assert_eq!(p.load_mapped_u64(addr), Ok(7));
            /// ```
            pub fn vmar_map(&self, vmar: zx_handle_t, options: zx_vm_option_t, vmar_offset: u64, vmo: zx_handle_t, vmo_offset: u64, len: u64) -> Result<zx_vaddr_t, Status>;
            /// `zx_vmar_unmap`: unmaps a range (splitting, trimming, destroying sub-VMARs).
            ///
            /// ```
            /// use zx_kernel::zx::*;
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(4096, 0).unwrap();
            /// let addr = p.vmar_map(p.vmar_root_self(), ZX_VM_PERM_READ, 0, vmo, 0, 4096).unwrap();
            /// p.vmar_unmap(p.vmar_root_self(), addr, 4096).unwrap();
            /// ```
            pub fn vmar_unmap(&self, vmar: zx_handle_t, addr: zx_vaddr_t, len: u64) -> Result<(), Status>;
            /// `zx_vmar_protect`: all or nothing, per page, never splitting a mapping.
            ///
            /// ```
            /// use zx_kernel::zx::*;
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(4096, 0).unwrap();
            /// let root = p.vmar_root_self();
            /// let addr = p.vmar_map(root, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, 4096).unwrap();
            /// p.vmar_protect(root, ZX_VM_PERM_READ, addr, 4096).unwrap();
            /// ```
            pub fn vmar_protect(&self, vmar: zx_handle_t, options: zx_vm_option_t, addr: zx_vaddr_t, len: u64) -> Result<(), Status>;
            /// `zx_vmar_op_range`: `buffer` must be empty, as in C.
            ///
            /// ```
            /// use zx_kernel::zx::*;
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(4096, 0).unwrap();
            /// let root = p.vmar_root_self();
            /// let addr = p.vmar_map(root, ZX_VM_PERM_READ | ZX_VM_PERM_WRITE, 0, vmo, 0, 4096).unwrap();
            /// p.vmar_op_range(root, ZX_VMAR_OP_COMMIT, addr, 4096, &mut []).unwrap();
            /// ```
            pub fn vmar_op_range(&self, vmar: zx_handle_t, op: u32, address: zx_vaddr_t, size: u64, buffer: &mut [u8]) -> Result<(), Status>;
            /// `zx_vmar_destroy`: destroys a sub-VMAR and everything in it.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let (sub, _) = p.vmar_allocate(p.vmar_root_self(), 0, 0, 0x4000).unwrap();
            /// p.vmar_destroy(sub).unwrap();
            /// ```
            pub fn vmar_destroy(&self, vmar: zx_handle_t) -> Result<(), Status>;
            /// `zx_process_read_memory`: returns `actual`.
            ///
            /// ```
            /// use zx_kernel::zx::*;
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(4096, 0).unwrap();
            /// let addr = p.vmar_map(p.vmar_root_self(), 0, 0, vmo, 0, 4096).unwrap();
            /// assert_eq!(p.process_read_memory(p.process_self(), addr, &mut [0; 16]), Ok(16));
            /// ```
            pub fn process_read_memory(&self, process: zx_handle_t, vaddr: zx_vaddr_t, buffer: &mut [u8]) -> Result<usize, Status>;
            /// `zx_process_write_memory` (needs `KernelConfig::enable_debugging_syscalls`).
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.process_write_memory(p.process_self(), 0x20_0000, b"x").is_err());
            /// ```
            pub fn process_write_memory(&self, process: zx_handle_t, vaddr: zx_vaddr_t, buffer: &[u8]) -> Result<usize, Status>;
            /// `zx_vmo_replace_as_executable`: the only way to a VMO handle with EXECUTE.
            ///
            /// ```
            /// use zx_kernel::zx::*;
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(4096, 0).unwrap();
            /// let exec = p.vmo_replace_as_executable(vmo, ZX_HANDLE_INVALID).unwrap();
            /// assert_ne!(p.object_get_info_handle_basic(exec).unwrap().rights & ZX_RIGHT_EXECUTE, 0);
            /// ```
            pub fn vmo_replace_as_executable(&self, vmo: zx_handle_t, vmex: zx_handle_t) -> Result<zx_handle_t, Status>;
            /// `zx_object_get_info(ZX_INFO_VMAR)`, typed.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert_eq!(p.object_get_info_vmar(p.vmar_root_self()).unwrap().base, 0x20_0000);
            /// ```
            pub fn object_get_info_vmar(&self, handle: zx_handle_t) -> Result<zx_info_vmar_t, Status>;
            /// `zx_object_get_info(ZX_INFO_VMAR_MAPS)`, typed: `(actual, avail)`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let mut records = [Default::default(); 4];
            /// assert_eq!(p.object_get_info_vmar_maps(p.vmar_root_self(), &mut records), Ok((1, 1)));
            /// ```
            pub fn object_get_info_vmar_maps(&self, vmar: zx_handle_t, records: &mut [zx_info_maps_t]) -> Result<(usize, usize), Status>;
            /// `zx_object_get_info(ZX_INFO_PROCESS_MAPS)`, typed: `(actual, avail)`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let mut records = [Default::default(); 4];
            /// assert_eq!(p.object_get_info_process_maps(p.process_self(), &mut records), Ok((2, 2)));
            /// ```
            pub fn object_get_info_process_maps(&self, process: zx_handle_t, records: &mut [zx_info_maps_t]) -> Result<(usize, usize), Status>;
            /// `zx_object_get_info(ZX_INFO_PROCESS_VMOS)`, typed: `(actual, avail)`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let _vmo = p.vmo_create(4096, 0).unwrap();
            /// let mut records = [Default::default(); 4];
            /// assert_eq!(p.object_get_info_process_vmos(p.process_self(), &mut records), Ok((1, 1)));
            /// ```
            pub fn object_get_info_process_vmos(&self, process: zx_handle_t, records: &mut [zx_info_vmo_t]) -> Result<(usize, usize), Status>;

            /// `zx_job_default`: a handle to the kernel's one job (`ZX_DEFAULT_JOB_RIGHTS`), the
            /// same value on every call.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert_eq!(p.job_default(), p.job_default());
            /// ```
            pub fn job_default(&self) -> zx_handle_t;
            /// `zx_process_create(job, name, options)`: a new process and its root VMAR, both
            /// as handles in this process (the process handle keeps it alive).
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let (_child, vmar) = p.process_create(p.job_default(), b"child", 0).unwrap();
            /// assert_eq!(p.object_get_info_vmar(vmar).unwrap().base, zx_kernel::USER_ASPACE_BASE);
            /// ```
            pub fn process_create(&self, job: zx_handle_t, name: &[u8], options: u32) -> Result<(zx_handle_t, zx_handle_t), Status>;

            /// Emulator API: reads through this process's software MMU (needs READ).
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.read_mapped(0x20_0000, &mut [0; 8]).is_err()); // nothing mapped
            /// ```
            pub fn read_mapped(&self, vaddr: zx_vaddr_t, buffer: &mut [u8]) -> Result<(), PageFault>;
            /// Emulator API: writes through this process's software MMU (needs WRITE).
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.write_mapped(0x20_0000, b"x").is_err());
            /// ```
            pub fn write_mapped(&self, vaddr: zx_vaddr_t, buffer: &[u8]) -> Result<(), PageFault>;
            /// Emulator API: an instruction fetch (needs READ and EXECUTE).
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.fetch_mapped(0x20_0000, &mut [0; 4]).is_err());
            /// ```
            pub fn fetch_mapped(&self, vaddr: zx_vaddr_t, buffer: &mut [u8]) -> Result<(), PageFault>;
            /// Emulator API: an atomic aligned 8-byte load.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.load_mapped_u64(0x20_0000).is_err());
            /// ```
            pub fn load_mapped_u64(&self, vaddr: zx_vaddr_t) -> Result<u64, PageFault>;
            /// Emulator API: an atomic aligned 8-byte store.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.store_mapped_u64(0x20_0000, 1).is_err());
            /// ```
            pub fn store_mapped_u64(&self, vaddr: zx_vaddr_t, value: u64) -> Result<(), PageFault>;
            /// Emulator API: atomic compare-and-exchange; `Ok(Ok(previous))` on success,
            /// `Ok(Err(actual))` otherwise.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.compare_exchange_mapped_u64(0x20_0000, 0, 1).is_err());
            /// ```
            pub fn compare_exchange_mapped_u64(&self, vaddr: zx_vaddr_t, current: u64, new: u64) -> Result<Result<u64, u64>, PageFault>;
            /// Emulator API: atomic wrapping add; returns the old value.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.fetch_add_mapped_u64(0x20_0000, 1).is_err());
            /// ```
            pub fn fetch_add_mapped_u64(&self, vaddr: zx_vaddr_t, delta: u64) -> Result<u64, PageFault>;

            /// A new handle to the kernel's root resource.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.root_resource().is_ok());
            /// ```
            pub fn root_resource(&self) -> Result<zx_handle_t, Status>;
            /// `zx_iommu_create` (the dummy IOMMU).
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.iommu_create(0, 0, &[]).is_err());
            /// ```
            pub fn iommu_create(&self, resource: zx_handle_t, iommu_type: u32, desc: &[u8]) -> Result<zx_handle_t, Status>;
            /// `zx_bti_create`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.bti_create(0, 0, 0).is_err());
            /// ```
            pub fn bti_create(&self, iommu: zx_handle_t, options: u32, bti_id: u64) -> Result<zx_handle_t, Status>;
            /// `zx_bti_pin`: commits and pins a range, writes its physical addresses, returns a PMT.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.bti_pin(0, 0, 0, 0, 4096, &mut [0]).is_err());
            /// ```
            pub fn bti_pin(&self, bti: zx_handle_t, options: u32, vmo: zx_handle_t, offset: u64, size: u64, addrs: &mut [zx_paddr_t]) -> Result<zx_handle_t, Status>;
            /// `zx_bti_release_quarantine`: releases the pins of PMTs closed without unpinning.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.bti_release_quarantine(0).is_err());
            /// ```
            pub fn bti_release_quarantine(&self, bti: zx_handle_t) -> Result<(), Status>;
            /// `zx_pmt_unpin`: releases the pins; the handle is always consumed.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.pmt_unpin(0).is_err());
            /// ```
            pub fn pmt_unpin(&self, pmt: zx_handle_t) -> Result<(), Status>;

            /// `zx_port_create`: options 0 or `ZX_PORT_BIND_TO_INTERRUPT` (else
            /// `INVALID_ARGS`); the handle has `ZX_DEFAULT_PORT_RIGHTS`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.port_create(0).is_ok());
            /// ```
            pub fn port_create(&self, options: u32) -> Result<zx_handle_t, Status>;
            /// `zx_port_queue`: a port with WRITE; queues a copy of `packet` as a user packet
            /// (`SHOULD_WAIT` when 4096 are queued).
            ///
            /// ```
            /// use zx_kernel::zx::*;
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let port = p.port_create(0).unwrap();
            /// p.port_queue(port, &zx_port_packet_t { key: 1, ..Default::default() }).unwrap();
            /// assert_eq!(p.port_wait(port, ZX_TIME_INFINITE).unwrap().key, 1);
            /// ```
            pub fn port_queue(&self, port: zx_handle_t, packet: &zx_port_packet_t) -> Result<(), Status>;
            /// `zx_port_wait`: a port with READ; the oldest packet, waiting for one until
            /// `deadline` (`TIMED_OUT`).
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let port = p.port_create(0).unwrap();
            /// assert!(p.port_wait(port, 0).is_err()); // nothing queued, a past deadline
            /// ```
            pub fn port_wait(&self, port: zx_handle_t, deadline: zx_time_t) -> Result<zx_port_packet_t, Status>;
            /// `zx_pager_create`: options ≠ 0 → `INVALID_ARGS`; rights
            /// `ZX_DEFAULT_PAGER_RIGHTS`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// assert!(p.pager_create(0).is_ok());
            /// ```
            pub fn pager_create(&self, options: u32) -> Result<zx_handle_t, Status>;
            /// `zx_pager_create_vmo`: a VMO whose pages `pager` supplies on request; requests
            /// arrive on `port` with `key`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let (pager, port) = (p.pager_create(0).unwrap(), p.port_create(0).unwrap());
            /// assert!(p.pager_create_vmo(pager, 0, port, 0, 4096).is_ok());
            /// ```
            pub fn pager_create_vmo(&self, pager: zx_handle_t, options: u32, port: zx_handle_t, key: u64, size: u64) -> Result<zx_handle_t, Status>;
            /// `zx_pager_detach_vmo`: requests fail with `BAD_STATE`, Clean pages go, and
            /// COMPLETE is queued.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let (pager, port) = (p.pager_create(0).unwrap(), p.port_create(0).unwrap());
            /// let vmo = p.pager_create_vmo(pager, 0, port, 0, 4096).unwrap();
            /// p.pager_detach_vmo(pager, vmo).unwrap();
            /// ```
            pub fn pager_detach_vmo(&self, pager: zx_handle_t, vmo: zx_handle_t) -> Result<(), Status>;
            /// `zx_pager_supply_pages`: moves aux pages into the absent pages of the range.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let (pager, port) = (p.pager_create(0).unwrap(), p.port_create(0).unwrap());
            /// let vmo = p.pager_create_vmo(pager, 0, port, 0, 4096).unwrap();
            /// let aux = p.vmo_create(4096, 0).unwrap();
            /// p.pager_supply_pages(pager, vmo, 0, 4096, aux, 0).unwrap();
            /// ```
            pub fn pager_supply_pages(&self, pager: zx_handle_t, pager_vmo: zx_handle_t, offset: u64, length: u64, aux_vmo: zx_handle_t, aux_offset: u64) -> Result<(), Status>;
            /// `zx_pager_op_range`: FAIL, DIRTY, WRITEBACK_BEGIN or WRITEBACK_END.
            ///
            /// ```
            /// use zx_kernel::zx::*;
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let (pager, port) = (p.pager_create(0).unwrap(), p.port_create(0).unwrap());
            /// let vmo = p.pager_create_vmo(pager, 0, port, 0, 4096).unwrap();
            /// p.pager_op_range(pager, ZX_PAGER_OP_WRITEBACK_END, vmo, 0, 4096, 0).unwrap();
            /// ```
            pub fn pager_op_range(&self, pager: zx_handle_t, op: u32, pager_vmo: zx_handle_t, offset: u64, length: u64, data: u64) -> Result<(), Status>;
            /// `zx_pager_query_dirty_ranges`: writes min(buffer.len(), avail) records and
            /// returns `(actual, avail)`.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let (pager, port) = (p.pager_create(0).unwrap(), p.port_create(0).unwrap());
            /// let vmo = p.pager_create_vmo(pager, 0, port, 0, 4096).unwrap();
            /// assert_eq!(p.pager_query_dirty_ranges(pager, vmo, 0, 4096, &mut []).unwrap(), (0, 0));
            /// ```
            pub fn pager_query_dirty_ranges(&self, pager: zx_handle_t, pager_vmo: zx_handle_t, offset: u64, length: u64, buffer: &mut [zx_vmo_dirty_range_t]) -> Result<(usize, usize), Status>;
            /// `zx_pager_query_vmo_stats`, raw form: writes a `zx_pager_vmo_stats_t` into
            /// `buffer[..4]` (`BUFFER_TOO_SMALL` if shorter).
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let (pager, port) = (p.pager_create(0).unwrap(), p.port_create(0).unwrap());
            /// let vmo = p.pager_create_vmo(pager, 0, port, 0, 4096).unwrap();
            /// assert!(p.pager_query_vmo_stats(pager, vmo, 0, &mut [0; 3]).is_err());
            /// ```
            pub fn pager_query_vmo_stats(&self, pager: zx_handle_t, pager_vmo: zx_handle_t, options: u32, buffer: &mut [u8]) -> Result<(), Status>;
            /// `zx_pager_query_vmo_stats`, typed form.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let (pager, port) = (p.pager_create(0).unwrap(), p.port_create(0).unwrap());
            /// let vmo = p.pager_create_vmo(pager, 0, port, 0, 4096).unwrap();
            /// assert_eq!(p.pager_query_vmo_stats_typed(pager, vmo, 0).unwrap().modified, 0);
            /// ```
            pub fn pager_query_vmo_stats_typed(&self, pager: zx_handle_t, pager_vmo: zx_handle_t, options: u32) -> Result<zx_pager_vmo_stats_t, Status>;
            /// `zx_vmo_set_stream_size` (needs WRITE).
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(4096, 0).unwrap();
            /// p.vmo_set_stream_size(vmo, 10).unwrap();
            /// ```
            pub fn vmo_set_stream_size(&self, vmo: zx_handle_t, size: u64) -> Result<(), Status>;
            /// `zx_vmo_get_stream_size` (needs READ): what `ZX_PROP_VMO_CONTENT_SIZE` reads.
            ///
            /// ```
            /// let p = zx_kernel::Kernel::new(Default::default()).create_process();
            /// let vmo = p.vmo_create(10, 0).unwrap();
            /// assert_eq!(p.vmo_get_stream_size(vmo), Ok(10));
            /// ```
            pub fn vmo_get_stream_size(&self, vmo: zx_handle_t) -> Result<u64, Status>;
        }
    }
}
