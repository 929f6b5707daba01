//! Resources, IOMMUs, BTIs, PMTs, contiguous and physical VMOs, ports and pagers.
//!
//! This version emulates the root resource; the rest of these calls are not emulated yet
//! and answer `ZX_ERR_NOT_SUPPORTED`, as a kernel built without the feature would. Their
//! signatures are final (api.md), so programs written against them compile today.

use tracing::instrument;
use zx_handles::Rights;

use super::not_emulated;
use crate::core::ProcessCore;
use crate::object::KernelObject;
use crate::status::Status;
use crate::zx::{self, zx_handle_t, zx_paddr_t, zx_time_t};

impl ProcessCore {
    /// A new handle to the kernel's root resource.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let root = p.root_resource().unwrap();
    /// assert_eq!(p.object_get_info_handle_basic(root).unwrap().type_, 15);
    /// ```
    #[instrument(level = "debug", skip(self), err(Display))]
    pub fn root_resource(&self) -> Result<zx_handle_t, Status> {
        let resource = self.kernel().root_resource().clone();
        self.insert(KernelObject::Resource(resource), Rights::BASIC)
    }

    /// `zx_iommu_create`: not emulated yet.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.create_process().iommu_create(0, 0, &[]).is_err());
    /// ```
    pub fn iommu_create(
        &self,
        _resource: zx_handle_t,
        _iommu_type: u32,
        _desc: &[u8],
    ) -> Result<zx_handle_t, Status> {
        Err(not_emulated("iommu_create"))
    }

    /// `zx_bti_create`: not emulated yet.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.create_process().bti_create(0, 0, 0).is_err());
    /// ```
    pub fn bti_create(
        &self,
        _iommu: zx_handle_t,
        _options: u32,
        _bti_id: u64,
    ) -> Result<zx_handle_t, Status> {
        Err(not_emulated("bti_create"))
    }

    /// `zx_bti_pin`: not emulated yet.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.create_process().bti_pin(0, 0, 0, 0, 0, &mut []).is_err());
    /// ```
    pub fn bti_pin(
        &self,
        _bti: zx_handle_t,
        _options: u32,
        _vmo: zx_handle_t,
        _offset: u64,
        _size: u64,
        _addrs: &mut [zx_paddr_t],
    ) -> Result<zx_handle_t, Status> {
        Err(not_emulated("bti_pin"))
    }

    /// `zx_bti_release_quarantine`: not emulated yet.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.create_process().bti_release_quarantine(0).is_err());
    /// ```
    pub fn bti_release_quarantine(&self, _bti: zx_handle_t) -> Result<(), Status> {
        Err(not_emulated("bti_release_quarantine"))
    }

    /// `zx_pmt_unpin`: not emulated yet.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.create_process().pmt_unpin(0).is_err());
    /// ```
    pub fn pmt_unpin(&self, _pmt: zx_handle_t) -> Result<(), Status> {
        Err(not_emulated("pmt_unpin"))
    }

    /// `zx_object_get_info(ZX_INFO_BTI)`, typed: not emulated yet.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.create_process().object_get_info_bti(0).is_err());
    /// ```
    pub fn object_get_info_bti(&self, _bti: zx_handle_t) -> Result<zx::zx_info_bti_t, Status> {
        Err(not_emulated("object_get_info(ZX_INFO_BTI)"))
    }

    /// `zx_vmo_create_contiguous`: not emulated yet.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.create_process().vmo_create_contiguous(0, 4096, 0).is_err());
    /// ```
    pub fn vmo_create_contiguous(
        &self,
        _bti: zx_handle_t,
        _size: u64,
        _alignment_log2: u32,
    ) -> Result<zx_handle_t, Status> {
        Err(not_emulated("vmo_create_contiguous"))
    }

    /// `zx_vmo_create_physical`: not emulated yet.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.create_process().vmo_create_physical(0, 0, 4096).is_err());
    /// ```
    pub fn vmo_create_physical(
        &self,
        _resource: zx_handle_t,
        _paddr: zx_paddr_t,
        _size: u64,
    ) -> Result<zx_handle_t, Status> {
        Err(not_emulated("vmo_create_physical"))
    }

    /// `zx_port_create`: not emulated yet.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.create_process().port_create(0).is_err());
    /// ```
    pub fn port_create(&self, _options: u32) -> Result<zx_handle_t, Status> {
        Err(not_emulated("port_create"))
    }

    /// `zx_port_wait`: not emulated yet.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// assert!(kernel.create_process().port_wait(0, 0).is_err());
    /// ```
    pub fn port_wait(
        &self,
        _port: zx_handle_t,
        _deadline: zx_time_t,
    ) -> Result<zx::zx_port_packet_t, Status> {
        Err(not_emulated("port_wait"))
    }

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
