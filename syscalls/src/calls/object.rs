//! Calls on any object: info, properties, signals and waiting, events, the clock.

use tracing::instrument;
use zx_handles::{ObjectKind, Rights};
use zx_vm::sync::Arc;

use super::timeout_until;
use crate::core::ProcessCore;
use crate::object::{EventObject, HandleKey, KernelObject, VmoKind, VmoObject, WaitEnd};
use crate::status::Status;
use crate::zx::{self, zx_handle_t, zx_signals_t, zx_time_t};

/// Copies one record into the caller's buffer: `BUFFER_TOO_SMALL` if it does not fit.
fn write_record(buffer: &mut [u8], record: &[u8]) -> Result<(usize, usize), Status> {
    let out = buffer.get_mut(..record.len()).ok_or(Status::BUFFER_TOO_SMALL)?;
    out.copy_from_slice(record);
    Ok((1, 1))
}

pub(super) fn vmo_info_record(object: &VmoObject, rights: Rights) -> zx::zx_info_vmo_t {
    let vmo = &object.vmo;
    let info = vmo.info();
    let options = vmo.options();
    let mut flags = zx::ZX_INFO_VMO_VIA_HANDLE;
    if !vmo.is_physical() {
        flags |= zx::ZX_INFO_VMO_TYPE_PAGED;
    }
    if vmo.is_contiguous() {
        flags |= zx::ZX_INFO_VMO_CONTIGUOUS;
    }
    if options.resizable {
        flags |= zx::ZX_INFO_VMO_RESIZABLE;
    }
    if options.discardable {
        flags |= zx::ZX_INFO_VMO_DISCARDABLE;
    }
    if vmo.is_pager_backed() {
        flags |= zx::ZX_INFO_VMO_PAGER_BACKED;
    }
    if let VmoKind::Snapshot { immutable } = object.kind {
        flags |= zx::ZX_INFO_VMO_IS_COW_CLONE;
        if immutable {
            flags |= zx::ZX_INFO_VMO_IMMUTABLE;
        }
    }
    zx::zx_info_vmo_t {
        koid: vmo.koid(),
        name: vmo.name(),
        size_bytes: info.size_bytes,
        parent_koid: object.parent_koid,
        num_children: object.num_children(),
        num_mappings: object.mappings.num_mappings(),
        share_count: object.mappings.share_count(),
        flags,
        committed_bytes: info.committed_bytes,
        handle_rights: rights.bits(),
        cache_policy: zx::ZX_CACHE_POLICY_CACHED,
        metadata_bytes: info.metadata_bytes,
        populated_bytes: info.committed_bytes,
        committed_private_bytes: info.committed_private_bytes,
        populated_private_bytes: info.committed_private_bytes,
        committed_scaled_bytes: info.committed_scaled_bytes,
        populated_scaled_bytes: info.committed_scaled_bytes,
        committed_fractional_scaled_bytes: info.committed_fractional_scaled_bytes,
        populated_fractional_scaled_bytes: info.committed_fractional_scaled_bytes,
        ..Default::default()
    }
}

/// How many bytes of `zx_info_vmo_t` a VMO info topic returns.
fn vmo_record_len(topic: u32) -> Option<usize> {
    match topic {
        zx::ZX_INFO_VMO_V1 => Some(zx::ZX_INFO_VMO_V1_SIZE),
        zx::ZX_INFO_VMO_V2 => Some(zx::ZX_INFO_VMO_V2_SIZE),
        zx::ZX_INFO_VMO_V3 => Some(zx::ZX_INFO_VMO_V3_SIZE),
        zx::ZX_INFO_VMO => Some(std::mem::size_of::<zx::zx_info_vmo_t>()),
        _ => None,
    }
}

impl ProcessCore {
    fn handle_basic(&self, handle: zx_handle_t) -> Result<zx::zx_info_handle_basic_t, Status> {
        let (object, rights) = self.get(handle)?;
        let props = if object.signals().is_some() {
            zx::ZX_OBJ_PROP_WAITABLE
        } else {
            zx::ZX_OBJ_PROP_NONE
        };
        Ok(zx::zx_info_handle_basic_t {
            koid: object.koid(),
            rights: rights.bits(),
            type_: object.object_type(),
            related_koid: 0,
            props,
            padding1: [0; 4],
        })
    }

    /// `zx_object_get_info`, raw form: writes one record into `buffer` and returns
    /// `(actual, avail)`. Topics: `ZX_INFO_HANDLE_BASIC` (no right needed), the
    /// `ZX_INFO_VMO` versions (any VMO handle: the record reports the handle's rights), `ZX_INFO_KMEM_STATS` and its `_V1` (the
    /// root resource); others are `NOT_SUPPORTED`.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(0, 0).unwrap();
    /// let mut small = [0u8; 8];
    /// let err = p.object_get_info(vmo, ZX_INFO_HANDLE_BASIC, &mut small).unwrap_err();
    /// assert_eq!(err.into_raw(), ZX_ERR_BUFFER_TOO_SMALL);
    /// ```
    #[instrument(level = "debug", skip(self, buffer), fields(len = buffer.len()), err(level = "debug", Display))]
    pub fn object_get_info(
        &self,
        handle: zx_handle_t,
        topic: u32,
        buffer: &mut [u8],
    ) -> Result<(usize, usize), Status> {
        if topic == zx::ZX_INFO_HANDLE_BASIC {
            let record = self.handle_basic(handle)?;
            return write_record(buffer, bytemuck::bytes_of(&record));
        }
        if let Some(result) = self.aspace_info(handle, topic, buffer) {
            return result;
        }
        if let Some(len) = vmo_record_len(topic) {
            let (object, rights) = self.vmo(handle, Rights::empty())?;
            let record = vmo_info_record(&object, rights);
            return write_record(buffer, &bytemuck::bytes_of(&record)[..len]);
        }
        match topic {
            zx::ZX_INFO_KMEM_STATS | zx::ZX_INFO_KMEM_STATS_V1 => {
                self.lookup(handle, zx::ZX_OBJ_TYPE_RESOURCE, Rights::empty())?;
                let stats = self.kernel().kmem_stats();
                if topic == zx::ZX_INFO_KMEM_STATS {
                    return write_record(buffer, bytemuck::bytes_of(&stats));
                }
                let v1 = zx::zx_info_kmem_stats_v1_t {
                    total_bytes: stats.total_bytes,
                    free_bytes: stats.free_bytes,
                    vmo_bytes: stats.vmo_bytes,
                    ..Default::default()
                };
                write_record(buffer, bytemuck::bytes_of(&v1))
            }
            zx::ZX_INFO_BTI => {
                let record = self.bti_info(handle)?;
                write_record(buffer, bytemuck::bytes_of(&record))
            }
            _ => Err(Status::NOT_SUPPORTED),
        }
    }

    /// `zx_object_get_info(ZX_INFO_VMAR)`, typed.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert_eq!(p.object_get_info_vmar(p.vmar_root_self()).unwrap().len, zx_syscalls::USER_ASPACE_SIZE);
    /// ```
    pub fn object_get_info_vmar(&self, handle: zx_handle_t) -> Result<zx::zx_info_vmar_t, Status> {
        let mut record = zx::zx_info_vmar_t::default();
        self.object_get_info(handle, zx::ZX_INFO_VMAR, bytemuck::bytes_of_mut(&mut record))?;
        Ok(record)
    }

    /// `zx_object_get_info(ZX_INFO_VMAR_MAPS)`, typed: `(actual, avail)`.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let mut records = [Default::default(); 2];
    /// assert_eq!(p.object_get_info_vmar_maps(p.vmar_root_self(), &mut records), Ok((1, 1)));
    /// ```
    pub fn object_get_info_vmar_maps(
        &self,
        vmar: zx_handle_t,
        records: &mut [zx::zx_info_maps_t],
    ) -> Result<(usize, usize), Status> {
        self.object_get_info(vmar, zx::ZX_INFO_VMAR_MAPS, bytemuck::cast_slice_mut(records))
    }

    /// `zx_object_get_info(ZX_INFO_PROCESS_MAPS)`, typed: `(actual, avail)`.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let mut records = [Default::default(); 2];
    /// assert_eq!(p.object_get_info_process_maps(p.process_self(), &mut records), Ok((2, 2)));
    /// ```
    pub fn object_get_info_process_maps(
        &self,
        process: zx_handle_t,
        records: &mut [zx::zx_info_maps_t],
    ) -> Result<(usize, usize), Status> {
        self.object_get_info(process, zx::ZX_INFO_PROCESS_MAPS, bytemuck::cast_slice_mut(records))
    }

    /// `zx_object_get_info(ZX_INFO_PROCESS_VMOS)`, typed: `(actual, avail)`.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// p.vmo_create(4096, 0).unwrap();
    /// let mut records = [Default::default(); 2];
    /// assert_eq!(p.object_get_info_process_vmos(p.process_self(), &mut records), Ok((1, 1)));
    /// ```
    pub fn object_get_info_process_vmos(
        &self,
        process: zx_handle_t,
        records: &mut [zx::zx_info_vmo_t],
    ) -> Result<(usize, usize), Status> {
        self.object_get_info(process, zx::ZX_INFO_PROCESS_VMOS, bytemuck::cast_slice_mut(records))
    }

    /// `zx_object_get_info(ZX_INFO_HANDLE_BASIC)`, typed.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(0, 0).unwrap();
    /// assert_eq!(p.object_get_info_handle_basic(vmo).unwrap().rights, 0xD0EF);
    /// ```
    pub fn object_get_info_handle_basic(
        &self,
        handle: zx_handle_t,
    ) -> Result<zx::zx_info_handle_basic_t, Status> {
        let mut record = zx::zx_info_handle_basic_t::default();
        self.object_get_info(
            handle,
            zx::ZX_INFO_HANDLE_BASIC,
            bytemuck::bytes_of_mut(&mut record),
        )?;
        Ok(record)
    }

    /// `zx_object_get_info(ZX_INFO_VMO)`, typed.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(4096, 0).unwrap();
    /// p.vmo_write(vmo, &[1], 0).unwrap();
    /// assert_eq!(p.object_get_info_vmo(vmo).unwrap().committed_bytes, 4096);
    /// ```
    pub fn object_get_info_vmo(&self, handle: zx_handle_t) -> Result<zx::zx_info_vmo_t, Status> {
        let mut record = zx::zx_info_vmo_t::default();
        self.object_get_info(handle, zx::ZX_INFO_VMO, bytemuck::bytes_of_mut(&mut record))?;
        Ok(record)
    }

    /// `zx_object_get_property`: needs GET_PROPERTY. `ZX_PROP_NAME` (32 bytes) and, on VMOs,
    /// `ZX_PROP_VMO_CONTENT_SIZE` (8 bytes); unknown properties are `INVALID_ARGS`.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(10, 0).unwrap();
    /// let mut size = [0u8; 8];
    /// p.object_get_property(vmo, ZX_PROP_VMO_CONTENT_SIZE, &mut size).unwrap();
    /// assert_eq!(u64::from_le_bytes(size), 10);
    /// ```
    #[instrument(level = "debug", skip(self, value), err(level = "debug", Display))]
    pub fn object_get_property(
        &self,
        handle: zx_handle_t,
        property: u32,
        value: &mut [u8],
    ) -> Result<(), Status> {
        let (object, rights) = self.get(handle)?;
        if !rights.contains(Rights::GET_PROPERTY) {
            return Err(Status::ACCESS_DENIED);
        }
        match (property, &object) {
            (zx::ZX_PROP_NAME, _) => write_record(value, &object.name()).map(drop),
            (zx::ZX_PROP_VMO_CONTENT_SIZE, KernelObject::Vmo(vmo)) => {
                write_record(value, &vmo.vmo.content_size().to_le_bytes()).map(drop)
            }
            (zx::ZX_PROP_VMO_CONTENT_SIZE, _) => Err(Status::WRONG_TYPE),
            _ => Err(Status::INVALID_ARGS),
        }
    }

    /// `zx_object_set_property`: needs SET_PROPERTY. `ZX_PROP_NAME` works on every object
    /// (a name longer than 31 bytes is truncated). `ZX_PROP_VMO_CONTENT_SIZE` then needs
    /// WRITE (`ACCESS_DENIED`), 8 bytes (`BUFFER_TOO_SMALL`) and a VMO (`WRONG_TYPE`); it may
    /// exceed the size, and one below the size zeroes `[content_size, size)` as Zircon does
    /// (physical and contiguous VMOs: `NOT_SUPPORTED`).
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(0, 0).unwrap();
    /// p.object_set_property(vmo, ZX_PROP_NAME, b"scratch").unwrap();
    /// ```
    #[instrument(level = "debug", skip(self, value), err(level = "debug", Display))]
    pub fn object_set_property(
        &self,
        handle: zx_handle_t,
        property: u32,
        value: &[u8],
    ) -> Result<(), Status> {
        let (object, rights) = self.get(handle)?;
        if !rights.contains(Rights::SET_PROPERTY) {
            return Err(Status::ACCESS_DENIED);
        }
        match property {
            zx::ZX_PROP_NAME => {
                object.set_name(value);
                Ok(())
            }
            zx::ZX_PROP_VMO_CONTENT_SIZE => {
                if !rights.contains(Rights::WRITE) {
                    return Err(Status::ACCESS_DENIED);
                }
                let bytes: [u8; 8] = value
                    .get(..8)
                    .and_then(|b| b.try_into().ok())
                    .ok_or(Status::BUFFER_TOO_SMALL)?;
                let KernelObject::Vmo(vmo) = &object else {
                    return Err(Status::WRONG_TYPE);
                };
                Ok(vmo.vmo.set_content_size_zeroing(u64::from_le_bytes(bytes))?)
            }
            _ => Err(Status::INVALID_ARGS),
        }
    }

    /// `zx_object_wait_one`: needs WAIT. Returns the asserted signals once one of `signals`
    /// is asserted; `TIMED_OUT` at `deadline` (a deadline already past polls); `CANCELED`
    /// when another thread closes the handle during the wait.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let event = p.event_create(0).unwrap();
    /// assert_eq!(p.object_wait_one(event, ZX_EVENT_SIGNALED, 0).unwrap_err().into_raw(), ZX_ERR_TIMED_OUT);
    /// p.object_signal(event, 0, ZX_EVENT_SIGNALED).unwrap();
    /// assert_eq!(p.object_wait_one(event, ZX_EVENT_SIGNALED, 0), Ok(ZX_EVENT_SIGNALED));
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn object_wait_one(
        &self,
        handle: zx_handle_t,
        signals: zx_signals_t,
        deadline: zx_time_t,
    ) -> Result<zx_signals_t, Status> {
        let timeout = timeout_until(deadline, self.kernel().now());
        let through = HandleKey { process: self.koid(), handle };
        // The wait registers under the table lock, while the handle is live, so a close
        // that follows always finds it (see `Signals`).
        let (object, ticket) = self.with_handles(|table| {
            let entry = table.get(handle)?;
            if !entry.rights.contains(Rights::WAIT) {
                return Err(Status::ACCESS_DENIED);
            }
            let waitable = entry.object.signals().ok_or(Status::NOT_SUPPORTED)?;
            Ok((entry.object.clone(), waitable.begin_wait(through)))
        })?;
        let waitable = object.signals().expect("checked under the table lock");
        waitable.finish_wait(ticket, signals, timeout).map_err(|end| match end {
            WaitEnd::TimedOut(_) => Status::TIMED_OUT,
            WaitEnd::Canceled => Status::CANCELED,
        })
    }

    /// `zx_object_signal`: needs SIGNAL; only the user signals (and `ZX_EVENT_SIGNALED` on
    /// events) may be set or cleared, else `INVALID_ARGS`.
    ///
    /// ```
    /// use zx_syscalls::zx::*;
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// let vmo = p.vmo_create(0, 0).unwrap();
    /// p.object_signal(vmo, 0, ZX_USER_SIGNAL_0).unwrap();
    /// assert!(p.object_signal(vmo, 0, ZX_VMO_ZERO_CHILDREN).is_err());
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn object_signal(
        &self,
        handle: zx_handle_t,
        clear_mask: u32,
        set_mask: u32,
    ) -> Result<(), Status> {
        let (object, rights) = self.get(handle)?;
        if !rights.contains(Rights::SIGNAL) {
            return Err(Status::ACCESS_DENIED);
        }
        let allowed = object.user_settable_signals();
        if (clear_mask | set_mask) & !allowed != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let signals = object.signals().ok_or(Status::NOT_SUPPORTED)?;
        signals.update(clear_mask, set_mask);
        Ok(())
    }

    /// Nanoseconds since the kernel was created (`zx_clock_get_monotonic`).
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert!(p.clock_get_monotonic() <= p.clock_get_monotonic());
    /// ```
    pub fn clock_get_monotonic(&self) -> zx_time_t {
        self.kernel().now()
    }

    /// `zx_event_create`: options must be 0.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert!(p.event_create(1).is_err());
    /// assert!(p.event_create(0).is_ok());
    /// ```
    #[instrument(level = "debug", skip(self), err(level = "debug", Display))]
    pub fn event_create(&self, options: u32) -> Result<zx_handle_t, Status> {
        if options != 0 {
            return Err(Status::INVALID_ARGS);
        }
        let event = EventObject::new(self.kernel().new_koid());
        self.insert(KernelObject::Event(Arc::new(event)), Rights::DEFAULT_EVENT)
    }
}
