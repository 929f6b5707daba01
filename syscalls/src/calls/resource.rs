//! The root resource and what it unlocks: IOMMUs and physical VMOs (docs/reference.md §7).

use tracing::instrument;
use zx_handles::Rights;
use zx_vm::sync::Arc;

use crate::core::ProcessCore;
use crate::object::{IommuObject, KernelObject, VmoObject};
use crate::status::Status;
use crate::zx::{self, zx_handle_t, zx_paddr_t};

/// Longest IOMMU descriptor accepted (`ZX_IOMMU_MAX_DESC_LEN`).
const IOMMU_MAX_DESC_LEN: usize = 4096;

impl ProcessCore {
    /// A new handle to the kernel's root resource.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let root = p.root_resource().unwrap();
    /// assert_eq!(p.object_get_info_handle_basic(root).unwrap().type_, 15);
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn root_resource(&self) -> Result<zx_handle_t, Status> {
        let resource = self.kernel().root_resource().clone();
        self.insert(KernelObject::Resource(resource), Rights::BASIC)
    }

    /// `zx_iommu_create`: a descriptor longer than 4096 bytes → `INVALID_ARGS`; the root
    /// resource; only `ZX_IOMMU_TYPE_DUMMY` is emulated (others → `NOT_SUPPORTED`).
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let root = p.root_resource().unwrap();
    /// let iommu = p.iommu_create(root, ZX_IOMMU_TYPE_DUMMY, &[0]).unwrap();
    /// assert_eq!(p.object_get_info_handle_basic(iommu).unwrap().type_, ZX_OBJ_TYPE_IOMMU);
    /// ```
    #[instrument(level = "debug", skip(self, desc), err(level = "debug", Display))]
    pub fn iommu_create(
        &self,
        resource: zx_handle_t,
        iommu_type: u32,
        desc: &[u8],
    ) -> Result<zx_handle_t, Status> {
        if desc.len() > IOMMU_MAX_DESC_LEN {
            return Err(Status::INVALID_ARGS);
        }
        self.lookup(resource, zx::ZX_OBJ_TYPE_RESOURCE, Rights::empty())?;
        if iommu_type != zx::ZX_IOMMU_TYPE_DUMMY {
            return Err(Status::NOT_SUPPORTED);
        }
        let iommu = IommuObject::new(self.kernel().new_koid());
        self.insert(KernelObject::Iommu(Arc::new(iommu)), Rights::BASIC)
    }

    /// `zx_vmo_create_physical`: the root resource; `paddr` and `size` page aligned and
    /// `size` non-zero (`INVALID_ARGS`); inside the device window (`OUT_OF_RANGE`).
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let root = p.root_resource().unwrap();
    /// let base = kernel.settings().device_memory_base;
    /// let vmo = p.vmo_create_physical(root, base, 4096).unwrap();
    /// p.vmo_write(vmo, &[1, 2, 3], 0).unwrap();
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn vmo_create_physical(
        &self,
        resource: zx_handle_t,
        paddr: zx_paddr_t,
        size: u64,
    ) -> Result<zx_handle_t, Status> {
        self.lookup(resource, zx::ZX_OBJ_TYPE_RESOURCE, Rights::empty())?;
        let koid = self.kernel().new_koid();
        let vmo = self.kernel().vm().create_physical(koid, paddr, size)?;
        let object = VmoObject::root(vmo);
        self.insert(KernelObject::Vmo(Arc::new(object)), Rights::DEFAULT_VMO)
    }
}
