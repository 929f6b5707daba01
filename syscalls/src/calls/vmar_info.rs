//! The address-space info topics (docs/reference.md §11.12): `ZX_INFO_VMAR`,
//! `ZX_INFO_VMAR_MAPS`, `ZX_INFO_PROCESS_MAPS` and `ZX_INFO_PROCESS_VMOS`.

use zx_handles::Rights;
use zx_vm::sync::Arc;

use crate::aspace::tree::{AspaceState, WalkItem};
use crate::aspace::{AddressSpace, VmarObject, ROOT_VMAR};
use crate::core::ProcessCore;
use crate::object::KernelObject;
use crate::status::Status;
use crate::zx::{self, zx_handle_t};

/// A NUL-padded name.
fn name(text: &[u8]) -> [u8; zx::ZX_MAX_NAME_LEN] {
    let mut out = [0; zx::ZX_MAX_NAME_LEN];
    let len = text.len().min(zx::ZX_MAX_NAME_LEN - 1);
    out[..len].copy_from_slice(&text[..len]);
    out
}

/// The records of VMAR `id` and everything below it, its own at depth `depth`.
fn map_records(state: &AspaceState, id: u64, depth: u64, out: &mut Vec<zx::zx_info_maps_t>) {
    state.walk(id, depth, &mut |depth, item| match item {
        WalkItem::Vmar(node, id) => out.push(zx::zx_info_maps_t {
            name: name(if id == ROOT_VMAR { b"root" } else { b"useralloc" }),
            base: node.base,
            size: node.len,
            depth,
            type_: zx::ZX_INFO_MAPS_TYPE_VMAR,
            ..Default::default()
        }),
        WalkItem::Mapping(m) => {
            let vmo = &m.vmo().vmo;
            for (start, end, perms) in m.runs_in(m.base, m.end()) {
                let offset = m.vmo_offset + (start - m.base);
                let info = vmo.range_info(offset, end - start);
                out.push(zx::zx_info_maps_t {
                    name: vmo.name(),
                    base: start,
                    size: end - start,
                    depth,
                    type_: zx::ZX_INFO_MAPS_TYPE_MAPPING,
                    padding1: [0; 4],
                    u: zx::zx_info_maps_u_t {
                        mapping: zx::zx_info_maps_mapping_t {
                            mmu_flags: perms,
                            vmo_koid: vmo.koid(),
                            vmo_offset: offset,
                            committed_bytes: info.committed_bytes,
                            populated_bytes: info.committed_bytes,
                            committed_private_bytes: info.committed_private_bytes,
                            populated_private_bytes: info.committed_private_bytes,
                            committed_scaled_bytes: info.committed_scaled_bytes,
                            populated_scaled_bytes: info.committed_scaled_bytes,
                            committed_fractional_scaled_bytes: info
                                .committed_fractional_scaled_bytes,
                            populated_fractional_scaled_bytes: info
                                .committed_fractional_scaled_bytes,
                            ..Default::default()
                        },
                    },
                });
            }
        }
    });
}

/// Copies as many whole records as fit: `(actual, avail)`.
fn write_records<T: bytemuck::Pod>(buffer: &mut [u8], records: &[T]) -> (usize, usize) {
    let size = std::mem::size_of::<T>();
    let fit = (buffer.len() / size).min(records.len());
    for (i, record) in records[..fit].iter().enumerate() {
        buffer[i * size..(i + 1) * size].copy_from_slice(bytemuck::bytes_of(record));
    }
    (fit, records.len())
}

impl ProcessCore {
    /// The records `ZX_INFO_PROCESS_MAPS` gives for this process, without a handle (for
    /// pictures and debugging): the address space, then its VMARs and mappings depth first.
    /// Empty once the process has ended.
    ///
    /// ```
    /// let kernel = zx_syscalls::KernelCore::new(Default::default());
    /// let p = kernel.create_process();
    /// assert_eq!(p.address_space_records().len(), 2); // the aspace and the root VMAR
    /// ```
    pub fn address_space_records(&self) -> Vec<zx::zx_info_maps_t> {
        if self.aspace().has_ended() {
            return Vec::new();
        }
        self.maps_of(self.koid(), self.aspace())
    }

    /// Serves the address-space topics; `None` for other topics.
    pub(crate) fn aspace_info(
        &self,
        handle: zx_handle_t,
        topic: u32,
        buffer: &mut [u8],
    ) -> Option<Result<(usize, usize), Status>> {
        let result = match topic {
            zx::ZX_INFO_VMAR => self.vmar_info(handle).and_then(|record| {
                let out = buffer.get_mut(..16).ok_or(Status::BUFFER_TOO_SMALL)?;
                out.copy_from_slice(bytemuck::bytes_of(&record));
                Ok((1, 1))
            }),
            zx::ZX_INFO_VMAR_MAPS => self.vmar_maps(handle).map(|r| write_records(buffer, &r)),
            zx::ZX_INFO_PROCESS_MAPS => {
                self.process_maps(handle).map(|r| write_records(buffer, &r))
            }
            zx::ZX_INFO_PROCESS_VMOS => {
                self.process_vmos(handle).map(|r| write_records(buffer, &r))
            }
            _ => return None,
        };
        Some(result)
    }

    fn inspect_vmar(&self, handle: zx_handle_t) -> Result<Arc<VmarObject>, Status> {
        match self.lookup(handle, zx::ZX_OBJ_TYPE_VMAR, Rights::INSPECT)? {
            (KernelObject::Vmar(vmar), _) => Ok(vmar),
            _ => Err(Status::WRONG_TYPE),
        }
    }

    fn inspect_process(&self, handle: zx_handle_t) -> Result<(u64, Arc<AddressSpace>), Status> {
        let (object, _) = self.lookup(handle, zx::ZX_OBJ_TYPE_PROCESS, Rights::INSPECT)?;
        let KernelObject::Process(process) = object else { return Err(Status::WRONG_TYPE) };
        let aspace = process.aspace.upgrade().ok_or(Status::BAD_STATE)?;
        if aspace.has_ended() {
            return Err(Status::BAD_STATE);
        }
        Ok((process.koid, aspace))
    }

    fn vmar_info(&self, handle: zx_handle_t) -> Result<zx::zx_info_vmar_t, Status> {
        let vmar = self.inspect_vmar(handle)?;
        Ok(zx::zx_info_vmar_t { base: vmar.base, len: vmar.len })
    }

    fn vmar_maps(&self, handle: zx_handle_t) -> Result<Vec<zx::zx_info_maps_t>, Status> {
        let vmar = self.inspect_vmar(handle)?;
        let state = vmar.aspace.read();
        if state.vmar(vmar.id).is_none() {
            return Err(Status::BAD_STATE);
        }
        let mut records = Vec::new();
        map_records(&state, vmar.id, 0, &mut records);
        Ok(records)
    }

    fn process_maps(&self, handle: zx_handle_t) -> Result<Vec<zx::zx_info_maps_t>, Status> {
        let (koid, aspace) = self.inspect_process(handle)?;
        Ok(self.maps_of(koid, &aspace))
    }

    fn maps_of(&self, koid: u64, aspace: &AddressSpace) -> Vec<zx::zx_info_maps_t> {
        let state = aspace.read();
        let mut records = vec![zx::zx_info_maps_t {
            name: name(format!("proc:{koid}").as_bytes()),
            base: crate::aspace::USER_ASPACE_BASE,
            size: crate::aspace::USER_ASPACE_SIZE,
            depth: 0,
            type_: zx::ZX_INFO_MAPS_TYPE_ASPACE,
            ..Default::default()
        }];
        map_records(&state, ROOT_VMAR, 1, &mut records);
        records
    }

    fn process_vmos(&self, handle: zx_handle_t) -> Result<Vec<zx::zx_info_vmo_t>, Status> {
        let (koid, aspace) = self.inspect_process(handle)?;
        if koid != self.koid() {
            // Only a process's own handle names it in the emulator; nothing else to list.
            return Err(Status::BAD_STATE);
        }
        let mut records: Vec<zx::zx_info_vmo_t> = self
            .with_handles(|table| {
                table
                    .iter()
                    .filter_map(|(_, entry)| match entry.object {
                        KernelObject::Vmo(vmo) => Some((vmo.clone(), entry.rights)),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
            })
            .into_iter()
            .map(|(vmo, rights)| super::object::vmo_info_record(&vmo, rights))
            .collect();
        let state = aspace.read();
        state.walk(ROOT_VMAR, 0, &mut |_, item| {
            if let WalkItem::Mapping(m) = item {
                let mut record = super::object::vmo_info_record(m.vmo(), Rights::empty());
                record.flags =
                    (record.flags & !zx::ZX_INFO_VMO_VIA_HANDLE) | zx::ZX_INFO_VMO_VIA_MAPPING;
                record.handle_rights = 0;
                records.push(record);
            }
        });
        Ok(records)
    }
}
