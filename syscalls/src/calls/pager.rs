//! Pagers (docs/reference.md §9): not emulated in this version (ports are, in `port.rs`).
//!
//! These calls answer `ZX_ERR_NOT_SUPPORTED`, as a kernel built without the feature would.
//! Their signatures are final (docs/reference.md §0), so programs written against them compile
//! today.

use super::not_emulated;
use crate::core::ProcessCore;
use crate::status::Status;
use crate::zx::zx_handle_t;

impl ProcessCore {
    /// `zx_pager_create`: not emulated yet.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.create_process().pager_create(0).is_err());
    /// ```
    pub fn pager_create(&self, _options: u32) -> Result<zx_handle_t, Status> {
        Err(not_emulated("pager_create"))
    }

    /// `zx_pager_create_vmo`: not emulated yet.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.create_process().pager_create_vmo(0, 0, 0, 0, 4096).is_err());
    /// ```
    pub fn pager_create_vmo(
        &self,
        _pager: zx_handle_t,
        _options: u32,
        _port: zx_handle_t,
        _key: u64,
        _size: u64,
    ) -> Result<zx_handle_t, Status> {
        Err(not_emulated("pager_create_vmo"))
    }

    /// `zx_pager_detach_vmo`: not emulated yet.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.create_process().pager_detach_vmo(0, 0).is_err());
    /// ```
    pub fn pager_detach_vmo(&self, _pager: zx_handle_t, _vmo: zx_handle_t) -> Result<(), Status> {
        Err(not_emulated("pager_detach_vmo"))
    }

    /// `zx_pager_supply_pages`: not emulated yet.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.create_process().pager_supply_pages(0, 0, 0, 0, 0, 0).is_err());
    /// ```
    pub fn pager_supply_pages(
        &self,
        _pager: zx_handle_t,
        _pager_vmo: zx_handle_t,
        _offset: u64,
        _length: u64,
        _aux_vmo: zx_handle_t,
        _aux_offset: u64,
    ) -> Result<(), Status> {
        Err(not_emulated("pager_supply_pages"))
    }

    /// `zx_pager_op_range`: not emulated yet.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.create_process().pager_op_range(0, 1, 0, 0, 0, 0).is_err());
    /// ```
    pub fn pager_op_range(
        &self,
        _pager: zx_handle_t,
        _op: u32,
        _pager_vmo: zx_handle_t,
        _offset: u64,
        _length: u64,
        _data: u64,
    ) -> Result<(), Status> {
        Err(not_emulated("pager_op_range"))
    }
}
