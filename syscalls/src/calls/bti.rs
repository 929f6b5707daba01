//! BTIs, PMTs and contiguous VMOs (docs/reference.md §7).

use tracing::instrument;
use zx_handles::Rights;
use zx_vm::sync::Arc;

use crate::core::ProcessCore;
use crate::object::{BtiObject, KernelObject, PinnedRange, PmtObject, VmoObject};
use crate::status::Status;
use crate::zx::{self, zx_handle_t, zx_paddr_t};

const PAGE: u64 = zx::ZX_PAGE_SIZE;
const PIN_OPTIONS: u32 = zx::ZX_BTI_PERM_READ
    | zx::ZX_BTI_PERM_WRITE
    | zx::ZX_BTI_PERM_EXECUTE
    | zx::ZX_BTI_COMPRESS
    | zx::ZX_BTI_CONTIGUOUS;
/// `ZX_DEFAULT_BTI_RIGHTS` (0x80EF): BASIC without WAIT, IO, PROPERTY and MAP.
const BTI_RIGHTS: Rights = Rights::from_bits_truncate(zx::ZX_DEFAULT_BTI_RIGHTS);
/// The most pages one `bti_pin` takes, as in Zircon (`Bti.PinTooManyAddresses`): one more
/// is `INVALID_ARGS`.
const MAX_PIN_PAGES: u64 = 32_768;

/// The VMO rights a pin with `options` needs.
fn pin_rights(options: u32) -> Rights {
    let mut rights = Rights::MAP;
    if options & (zx::ZX_BTI_PERM_READ | zx::ZX_BTI_PERM_EXECUTE) != 0 {
        rights |= Rights::READ;
    }
    if options & zx::ZX_BTI_PERM_WRITE != 0 {
        rights |= Rights::WRITE;
    }
    rights
}

/// The pin options that need no handle: known bits, alignment, a non-empty range, and not
/// COMPRESS with CONTIGUOUS; all `INVALID_ARGS`.
fn check_pin_arguments(options: u32, offset: u64, size: u64) -> Result<(), Status> {
    let compress_and_contiguous = zx::ZX_BTI_COMPRESS | zx::ZX_BTI_CONTIGUOUS;
    let bad = options & !PIN_OPTIONS != 0
        || offset % PAGE != 0
        || size % PAGE != 0
        || size == 0
        || options & compress_and_contiguous == compress_and_contiguous;
    if bad {
        Err(Status::INVALID_ARGS)
    } else {
        Ok(())
    }
}

impl ProcessCore {
    fn bti(&self, handle: zx_handle_t, rights: Rights) -> Result<Arc<BtiObject>, Status> {
        match self.lookup(handle, zx::ZX_OBJ_TYPE_BTI, rights)? {
            (KernelObject::Bti(bti), _) => Ok(bti),
            _ => Err(Status::WRONG_TYPE),
        }
    }

    /// `zx_bti_create`: `options` must be 0; an IOMMU handle.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let root = p.root_resource().unwrap();
    /// let iommu = p.iommu_create(root, ZX_IOMMU_TYPE_DUMMY, &[0]).unwrap();
    /// let bti = p.bti_create(iommu, 0, 7).unwrap();
    /// assert_eq!(p.object_get_info_bti(bti).unwrap().minimum_contiguity, 4096);
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn bti_create(
        &self,
        iommu: zx_handle_t,
        options: u32,
        bti_id: u64,
    ) -> Result<zx_handle_t, Status> {
        if options != 0 {
            return Err(Status::INVALID_ARGS);
        }
        self.lookup(iommu, zx::ZX_OBJ_TYPE_IOMMU, Rights::empty())?;
        let bti = BtiObject::new(self.kernel().new_koid(), bti_id);
        self.insert(KernelObject::Bti(Arc::new(bti)), BTI_RIGHTS)
    }

    /// `zx_bti_pin`, checking in order: the BTI (MAP); the options and range
    /// (`INVALID_ARGS`); the VMO handle, CONTIGUOUS on a non-contiguous VMO (`INVALID_ARGS`),
    /// its rights (MAP, READ for PERM_READ/EXECUTE, WRITE for PERM_WRITE); the range inside
    /// the VMO (`OUT_OF_RANGE`); `addrs` long enough, and at most 32,768 pages in the range
    /// (`INVALID_ARGS`). Pinning commits the range and adds a pin to each page
    /// (`UNAVAILABLE` past 31 pins, nothing pinned).
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let root = p.root_resource().unwrap();
    /// let bti = p.bti_create(p.iommu_create(root, ZX_IOMMU_TYPE_DUMMY, &[0]).unwrap(), 0, 0).unwrap();
    /// let vmo = p.vmo_create(2 * 4096, 0).unwrap();
    /// let mut addrs = [0u64; 2];
    /// let pmt = p.bti_pin(bti, ZX_BTI_PERM_READ, vmo, 0, 8192, &mut addrs).unwrap();
    /// assert!(addrs.iter().all(|&a| a != 0));
    /// p.pmt_unpin(pmt).unwrap();
    /// ```
    #[instrument(level = "debug", skip(self, addrs), err(level = "debug", Display))]
    pub fn bti_pin(
        &self,
        bti: zx_handle_t,
        options: u32,
        vmo: zx_handle_t,
        offset: u64,
        size: u64,
        addrs: &mut [zx_paddr_t],
    ) -> Result<zx_handle_t, Status> {
        let bti = self.bti(bti, Rights::MAP)?;
        check_pin_arguments(options, offset, size)?;
        let (object, rights) = self.vmo(vmo, Rights::empty())?;
        let contiguous = options & zx::ZX_BTI_CONTIGUOUS != 0;
        if contiguous && !object.vmo.is_contiguous() {
            return Err(Status::INVALID_ARGS);
        }
        if !rights.contains(pin_rights(options)) {
            return Err(Status::ACCESS_DENIED);
        }
        object.vmo.check_range(offset, size)?;
        let needed = if contiguous { 1 } else { (size / PAGE) as usize };
        let out = addrs.get_mut(..needed).ok_or(Status::INVALID_ARGS)?;
        if size / PAGE > MAX_PIN_PAGES {
            return Err(Status::INVALID_ARGS);
        }
        // The PMT's handle slot is held first, so a full table pins and commits nothing.
        self.insert_made(Rights::INSPECT, || {
            let (pins, addresses) =
                PinnedRange::pin(object, offset, size, options & zx::ZX_BTI_PERM_WRITE != 0)?;
            out.copy_from_slice(&addresses[..needed]);
            let pmt = PmtObject::new(self.kernel().new_koid(), bti, pins);
            Ok(KernelObject::Pmt(Arc::new(pmt)))
        })
    }

    /// `zx_pmt_unpin`: releases the pins; the handle is consumed whatever happens
    /// (`BAD_HANDLE` if invalid, `WRONG_TYPE` if not a PMT).
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let event = p.event_create(0).unwrap();
    /// assert!(p.pmt_unpin(event).is_err());
    /// assert!(p.handle_close(event).is_err()); // consumed
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn pmt_unpin(&self, pmt: zx_handle_t) -> Result<(), Status> {
        match &self.take_handle(pmt)? {
            KernelObject::Pmt(pmt) => {
                pmt.unpin();
                Ok(())
            }
            _ => Err(Status::WRONG_TYPE),
        }
    }

    /// `zx_bti_release_quarantine`: needs WRITE on the BTI; releases the pins of PMTs that
    /// were closed without `pmt_unpin`.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let root = p.root_resource().unwrap();
    /// let bti = p.bti_create(p.iommu_create(root, ZX_IOMMU_TYPE_DUMMY, &[0]).unwrap(), 0, 0).unwrap();
    /// p.bti_release_quarantine(bti).unwrap();
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn bti_release_quarantine(&self, bti: zx_handle_t) -> Result<(), Status> {
        self.bti(bti, Rights::WRITE)?.release_quarantine();
        Ok(())
    }

    pub(crate) fn bti_info(&self, bti: zx_handle_t) -> Result<zx::zx_info_bti_t, Status> {
        let bti = self.bti(bti, Rights::INSPECT)?;
        let (pmo_count, quarantine_count) = bti.counts();
        Ok(zx::zx_info_bti_t {
            minimum_contiguity: PAGE,
            aspace_size: u64::MAX,
            pmo_count,
            quarantine_count,
        })
    }

    /// `zx_object_get_info(ZX_INFO_BTI)`, typed: a BTI with INSPECT.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let root = p.root_resource().unwrap();
    /// let bti = p.bti_create(p.iommu_create(root, ZX_IOMMU_TYPE_DUMMY, &[0]).unwrap(), 0, 0).unwrap();
    /// assert_eq!(p.object_get_info_bti(bti).unwrap().pmo_count, 0);
    /// ```
    pub fn object_get_info_bti(&self, bti: zx_handle_t) -> Result<zx::zx_info_bti_t, Status> {
        let mut record = zx::zx_info_bti_t::default();
        self.object_get_info(bti, zx::ZX_INFO_BTI, bytemuck::bytes_of_mut(&mut record))?;
        Ok(record)
    }

    /// `zx_vmo_create_contiguous`: size 0 or not a whole number of pages → `INVALID_ARGS`;
    /// `alignment_log2` 0 (a page) or 12..=64, else `INVALID_ARGS`; a BTI with MAP; no such
    /// free run → `NO_MEMORY`.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let root = p.root_resource().unwrap();
    /// let bti = p.bti_create(p.iommu_create(root, ZX_IOMMU_TYPE_DUMMY, &[0]).unwrap(), 0, 0).unwrap();
    /// let vmo = p.vmo_create_contiguous(bti, 3 * 4096, 0).unwrap();
    /// assert_eq!(p.object_get_info_vmo(vmo).unwrap().committed_bytes, 3 * 4096);
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn vmo_create_contiguous(
        &self,
        bti: zx_handle_t,
        size: u64,
        alignment_log2: u32,
    ) -> Result<zx_handle_t, Status> {
        if size == 0 || size % PAGE != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let alignment_log2 =
            if alignment_log2 == 0 { PAGE.trailing_zeros() } else { alignment_log2 };
        if !(PAGE.trailing_zeros()..=64).contains(&alignment_log2) {
            return Err(Status::INVALID_ARGS);
        }
        self.bti(bti, Rights::MAP)?;
        let koid = self.kernel().new_koid();
        let vmo = self.kernel().vm().create_contiguous(koid, size, alignment_log2)?;
        let object = VmoObject::root(vmo);
        self.insert(KernelObject::Vmo(Arc::new(object)), Rights::DEFAULT_VMO)
    }
}
