//! Pagers (docs/reference.md §9): `pager_create`, `pager_create_vmo`, `pager_detach_vmo`,
//! `pager_supply_pages`, `pager_op_range`, and the pager's queries.
//!
//! The request engine (how a blocked access waits and wakes) is the VM layer's
//! (`zx_vm::PageSource`); this module checks the arguments in the documented order and maps
//! the calls onto it.

use tracing::instrument;
use zx_handles::Rights;
use zx_vm::sync::Arc;
use zx_vm::{PagerVmoOptions, VmError, MAX_VMO_SIZE};

use crate::core::ProcessCore;
use crate::object::{KernelObject, PagerHandles, PagerObject, VmoObject};
use crate::status::Status;
use crate::zx::{self, zx_handle_t, zx_pager_vmo_stats_t, zx_vmo_dirty_range_t};

const PAGE: u64 = zx_vm::PAGE_SIZE as u64;

/// The statuses `ZX_PAGER_OP_FAIL` accepts, with the VM error each becomes.
const FAIL_STATUSES: [(zx::zx_status_t, VmError); 5] = [
    (zx::ZX_ERR_IO, VmError::Io),
    (zx::ZX_ERR_IO_DATA_INTEGRITY, VmError::IoDataIntegrity),
    (zx::ZX_ERR_BAD_STATE, VmError::BadState),
    (zx::ZX_ERR_NO_SPACE, VmError::NoSpace),
    (zx::ZX_ERR_BUFFER_TOO_SMALL, VmError::BufferTooSmall),
];

fn page_aligned(values: &[u64]) -> Result<(), Status> {
    if values.iter().all(|v| v % PAGE == 0) {
        Ok(())
    } else {
        Err(Status::INVALID_ARGS)
    }
}

impl ProcessCore {
    fn pager(&self, handle: zx_handle_t, rights: Rights) -> Result<Arc<PagerObject>, Status> {
        match self.lookup(handle, zx::ZX_OBJ_TYPE_PAGER, rights)? {
            (KernelObject::Pager(held), _) => Ok(held.pager.clone()),
            _ => Err(Status::WRONG_TYPE),
        }
    }

    /// The pager handle, then the VMO handle, then the pager check: the VMO must be a pager
    /// VMO made by this pager (not a slice, reference or clone of one) → else `INVALID_ARGS`.
    fn pager_and_vmo(
        &self,
        pager: zx_handle_t,
        pager_rights: Rights,
        vmo: zx_handle_t,
        vmo_rights: Rights,
    ) -> Result<(Arc<PagerObject>, Arc<VmoObject>), Status> {
        let pager = self.pager(pager, pager_rights)?;
        let (vmo, _) = self.vmo(vmo, vmo_rights)?;
        if !vmo.vmo.is_pager_vmo_of(pager.koid) {
            return Err(Status::INVALID_ARGS);
        }
        Ok((pager, vmo))
    }

    /// `zx_pager_create`: options ≠ 0 → `INVALID_ARGS`. The handle has
    /// `ZX_DEFAULT_PAGER_RIGHTS` (no DUPLICATE, no WAIT).
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert!(p.pager_create(0).is_ok());
    /// assert!(p.pager_create(1).is_err());
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn pager_create(&self, options: u32) -> Result<zx_handle_t, Status> {
        if options != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let pager = Arc::new(PagerObject::new(self.kernel().new_koid()));
        let held = KernelObject::Pager(Arc::new(PagerHandles::new(pager)));
        self.insert(held, Rights::from_bits_retain(zx::ZX_DEFAULT_PAGER_RIGHTS))
    }

    /// `zx_pager_create_vmo`, checking in order: the pager (ATTACH_VMO) and port (WRITE)
    /// handles; the pager dying → `BAD_STATE`; RESIZABLE with UNBOUNDED → `INVALID_ARGS`;
    /// a bounded size past the maximum → `OUT_OF_RANGE`; any other option (DISCARDABLE
    /// included) → `INVALID_ARGS`; an unbounded stream size past the maximum →
    /// `OUT_OF_RANGE`. Every page starts absent; no packet is sent.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let (pager, port) = (p.pager_create(0).unwrap(), p.port_create(0).unwrap());
    /// let vmo = p.pager_create_vmo(pager, 0, port, 1, 4096).unwrap();
    /// assert_eq!(p.vmo_get_size(vmo).unwrap(), 4096);
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn pager_create_vmo(
        &self,
        pager: zx_handle_t,
        options: u32,
        port: zx_handle_t,
        key: u64,
        size: u64,
    ) -> Result<zx_handle_t, Status> {
        let pager = self.pager(pager, Rights::ATTACH_VMO)?;
        let port = self.port(port, Rights::WRITE)?;
        let resizable = options & zx::ZX_VMO_RESIZABLE != 0;
        let unbounded = options & zx::ZX_VMO_UNBOUNDED != 0;
        let trap_dirty = options & zx::ZX_VMO_TRAP_DIRTY != 0;
        let vmo = pager.attach(|| {
            if resizable && unbounded {
                return Err(Status::INVALID_ARGS);
            }
            if !unbounded && zx_vm::round_up_to_page(size).is_none() {
                return Err(Status::OUT_OF_RANGE);
            }
            let known = zx::ZX_VMO_RESIZABLE | zx::ZX_VMO_UNBOUNDED | zx::ZX_VMO_TRAP_DIRTY;
            if options & !known != 0 {
                return Err(Status::INVALID_ARGS);
            }
            if unbounded && size > MAX_VMO_SIZE {
                return Err(Status::OUT_OF_RANGE);
            }
            let koid = self.kernel().new_koid();
            let options = PagerVmoOptions { resizable, trap_dirty, unbounded };
            let queue = port.queue.clone();
            Ok(self.kernel().vm().create_pager_vmo(koid, size, options, pager.koid, queue, key)?)
        })?;
        tracing::debug!(koid = vmo.koid(), key, size, "pager VMO created");
        let mut rights = Rights::from_bits_retain(zx::ZX_DEFAULT_VMO_RIGHTS);
        if resizable {
            rights |= Rights::RESIZE;
        }
        self.insert(KernelObject::Vmo(Arc::new(VmoObject::root(vmo))), rights)
    }

    /// `zx_pager_detach_vmo`: the pager needs ATTACH_VMO and MANAGE_VMO, the VMO WRITE, then
    /// the pager check. Every request completes (its waiters get `BAD_STATE`), Clean pages
    /// are dropped, and COMPLETE is queued; a second detach does nothing.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let (pager, port) = (p.pager_create(0).unwrap(), p.port_create(0).unwrap());
    /// let vmo = p.pager_create_vmo(pager, 0, port, 1, 4096).unwrap();
    /// p.pager_detach_vmo(pager, vmo).unwrap();
    /// let packet = p.port_wait(port, 0).unwrap();
    /// assert_eq!(packet.page_request().command, zx_syscalls::zx::ZX_PAGER_VMO_COMPLETE);
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn pager_detach_vmo(&self, pager: zx_handle_t, vmo: zx_handle_t) -> Result<(), Status> {
        let rights = Rights::ATTACH_VMO | Rights::MANAGE_VMO;
        let (_, vmo) = self.pager_and_vmo(pager, rights, vmo, Rights::WRITE)?;
        vmo.vmo.detach_pager(false);
        Ok(())
    }

    /// `zx_pager_supply_pages`: moves `length` bytes of pages of `aux_vmo` from `aux_offset`
    /// into the absent pages of `pager_vmo` from `offset`, all or nothing. Checks in order:
    /// alignment (`INVALID_ARGS`); the pager (MANAGE_VMO), the pager VMO (WRITE), the pager
    /// check, aux (READ and WRITE); then the VM's checks (`zx_vm::Vmo::supply_pages`).
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let (pager, port) = (p.pager_create(0).unwrap(), p.port_create(0).unwrap());
    /// let vmo = p.pager_create_vmo(pager, 0, port, 1, 4096).unwrap();
    /// let aux = p.vmo_create(4096, 0).unwrap();
    /// p.vmo_write(aux, b"page", 0).unwrap();
    /// p.pager_supply_pages(pager, vmo, 0, 4096, aux, 0).unwrap();
    /// let mut seen = [0u8; 4];
    /// p.vmo_read(vmo, &mut seen, 0).unwrap(); // present: no request
    /// assert_eq!(&seen, b"page");
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn pager_supply_pages(
        &self,
        pager: zx_handle_t,
        pager_vmo: zx_handle_t,
        offset: u64,
        length: u64,
        aux_vmo: zx_handle_t,
        aux_offset: u64,
    ) -> Result<(), Status> {
        page_aligned(&[offset, length, aux_offset])?;
        // One acquisition of the handle table for the three handles, and clones of the two
        // VMOs only; their errors still come in order: the pager, the pager VMO, the pager
        // check, then aux.
        let (vmo, aux) = self.with_handles(|table| {
            let KernelObject::Pager(pager) =
                table.lookup(pager, zx::ZX_OBJ_TYPE_PAGER, Rights::MANAGE_VMO)?.object
            else {
                return Err(Status::WRONG_TYPE);
            };
            let KernelObject::Vmo(vmo) =
                table.lookup(pager_vmo, zx::ZX_OBJ_TYPE_VMO, Rights::WRITE)?.object
            else {
                return Err(Status::WRONG_TYPE);
            };
            if !vmo.vmo.is_pager_vmo_of(pager.pager.koid) {
                return Err(Status::INVALID_ARGS);
            }
            let KernelObject::Vmo(aux) =
                table.lookup(aux_vmo, zx::ZX_OBJ_TYPE_VMO, Rights::READ | Rights::WRITE)?.object
            else {
                return Err(Status::WRONG_TYPE);
            };
            Ok((vmo.clone(), aux.clone()))
        })?;
        Ok(vmo.vmo.supply_pages(offset, length, &aux.vmo, aux_offset)?)
    }

    /// `zx_pager_op_range`: alignment (`INVALID_ARGS`), the pager (MANAGE_VMO), the VMO
    /// (WRITE), the pager check, then an unknown op → `NOT_SUPPORTED`; each op then checks
    /// `data` and the range (docs/reference.md §9.5). FAIL's `data` is a sign-extended status.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let (pager, port) = (p.pager_create(0).unwrap(), p.port_create(0).unwrap());
    /// let vmo = p.pager_create_vmo(pager, 0, port, 1, 4096).unwrap();
    /// let io = ZX_ERR_IO as i64 as u64;
    /// p.pager_op_range(pager, ZX_PAGER_OP_FAIL, vmo, 0, 4096, io).unwrap();
    /// let zero_extended = ZX_ERR_IO as u32 as u64;
    /// assert!(p.pager_op_range(pager, ZX_PAGER_OP_FAIL, vmo, 0, 4096, zero_extended).is_err());
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn pager_op_range(
        &self,
        pager: zx_handle_t,
        op: u32,
        pager_vmo: zx_handle_t,
        offset: u64,
        length: u64,
        data: u64,
    ) -> Result<(), Status> {
        page_aligned(&[offset, length])?;
        let (_, vmo) = self.pager_and_vmo(pager, Rights::MANAGE_VMO, pager_vmo, Rights::WRITE)?;
        let vmo = &vmo.vmo;
        match op {
            zx::ZX_PAGER_OP_FAIL => {
                let code = i32::try_from(data as i64).map_err(|_| Status::INVALID_ARGS)?;
                let (_, error) = FAIL_STATUSES
                    .iter()
                    .find(|(status, _)| *status == code)
                    .ok_or(Status::INVALID_ARGS)?;
                Ok(vmo.fail_range(offset, length, *error)?)
            }
            zx::ZX_PAGER_OP_DIRTY => {
                if data != 0 {
                    return Err(Status::INVALID_ARGS);
                }
                Ok(vmo.dirty_range(offset, length)?)
            }
            zx::ZX_PAGER_OP_WRITEBACK_BEGIN => {
                if data & !zx::ZX_VMO_DIRTY_RANGE_IS_ZERO != 0 {
                    return Err(Status::INVALID_ARGS);
                }
                Ok(vmo.writeback_begin(offset, length, data != 0)?)
            }
            zx::ZX_PAGER_OP_WRITEBACK_END => {
                if data != 0 {
                    return Err(Status::INVALID_ARGS);
                }
                Ok(vmo.writeback_end(offset, length)?)
            }
            _ => Err(Status::NOT_SUPPORTED),
        }
    }

    /// `zx_pager_query_dirty_ranges`: the pager (MANAGE_VMO), the VMO (READ), the pager
    /// check, then the raw range (`OUT_OF_RANGE`). Writes the records that fit into `buffer`
    /// and returns `(actual, avail)`.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let (pager, port) = (p.pager_create(0).unwrap(), p.port_create(0).unwrap());
    /// let vmo = p.pager_create_vmo(pager, 0, port, 1, 4096).unwrap();
    /// let mut records = [Default::default(); 4];
    /// assert_eq!(p.pager_query_dirty_ranges(pager, vmo, 0, 4096, &mut records).unwrap(), (0, 0));
    /// ```
    #[instrument(level = "debug", skip(self, buffer), err(level = "debug", Display))]
    pub fn pager_query_dirty_ranges(
        &self,
        pager: zx_handle_t,
        pager_vmo: zx_handle_t,
        offset: u64,
        length: u64,
        buffer: &mut [zx_vmo_dirty_range_t],
    ) -> Result<(usize, usize), Status> {
        let (_, vmo) = self.pager_and_vmo(pager, Rights::MANAGE_VMO, pager_vmo, Rights::READ)?;
        let runs = vmo.vmo.dirty_ranges(offset, length)?;
        for (record, &(offset, length, options)) in buffer.iter_mut().zip(&runs) {
            *record = zx_vmo_dirty_range_t { offset, length, options };
        }
        Ok((runs.len().min(buffer.len()), runs.len()))
    }

    /// `zx_pager_query_vmo_stats`: the handle checks (the VMO needs READ); a buffer shorter
    /// than 4 bytes → `BUFFER_TOO_SMALL`; an option other than `ZX_PAGER_RESET_VMO_STATS` →
    /// `INVALID_ARGS`. Writes `{modified}`, then clears the flag if asked.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let (pager, port) = (p.pager_create(0).unwrap(), p.port_create(0).unwrap());
    /// let vmo = p.pager_create_vmo(pager, 0, port, 1, 4096).unwrap();
    /// let mut stats = [0xffu8; 4];
    /// p.pager_query_vmo_stats(pager, vmo, 0, &mut stats).unwrap();
    /// assert_eq!(stats, [0; 4]);
    /// ```
    #[instrument(level = "debug", skip(self, buffer), err(level = "debug", Display))]
    pub fn pager_query_vmo_stats(
        &self,
        pager: zx_handle_t,
        pager_vmo: zx_handle_t,
        options: u32,
        buffer: &mut [u8],
    ) -> Result<(), Status> {
        let (_, vmo) = self.pager_and_vmo(pager, Rights::MANAGE_VMO, pager_vmo, Rights::READ)?;
        let size = std::mem::size_of::<zx_pager_vmo_stats_t>();
        if buffer.len() < size {
            return Err(Status::BUFFER_TOO_SMALL);
        }
        if options & !zx::ZX_PAGER_RESET_VMO_STATS != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let modified = vmo.vmo.take_modified(options != 0);
        let stats = zx_pager_vmo_stats_t {
            modified: if modified { zx::ZX_PAGER_VMO_STATS_MODIFIED } else { 0 },
        };
        buffer[..size].copy_from_slice(bytemuck::bytes_of(&stats));
        Ok(())
    }

    /// [`ProcessCore::pager_query_vmo_stats`], returning the record.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let (pager, port) = (p.pager_create(0).unwrap(), p.port_create(0).unwrap());
    /// let vmo = p.pager_create_vmo(pager, 0, port, 1, 4096).unwrap();
    /// assert_eq!(p.pager_query_vmo_stats_typed(pager, vmo, 0).unwrap().modified, 0);
    /// ```
    pub fn pager_query_vmo_stats_typed(
        &self,
        pager: zx_handle_t,
        pager_vmo: zx_handle_t,
        options: u32,
    ) -> Result<zx_pager_vmo_stats_t, Status> {
        let mut stats = zx_pager_vmo_stats_t::default();
        self.pager_query_vmo_stats(pager, pager_vmo, options, bytemuck::bytes_of_mut(&mut stats))?;
        Ok(stats)
    }
}
