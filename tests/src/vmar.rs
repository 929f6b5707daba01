//! Helpers for the address-space tests (docs/reference.md §11).

use zx_kernel::zx::*;
use zx_kernel::{Access, PageFault, Process, Status, USER_ASPACE_BASE, USER_ASPACE_SIZE};

use crate::P;

/// Where the root VMAR begins and ends.
pub const BASE: u64 = USER_ASPACE_BASE;
/// Bytes in the root VMAR.
pub const SIZE: u64 = USER_ASPACE_SIZE;
/// READ | WRITE.
pub const RW: u32 = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;
/// READ.
pub const R: u32 = ZX_VM_PERM_READ;
/// Every CAN_MAP flag, SPECIFIC included.
pub const CAN_ALL: u32 =
    ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_CAN_MAP_EXECUTE | ZX_VM_CAN_MAP_SPECIFIC;

/// Maps `pages` pages of `vmo` anywhere in the root VMAR with `perms`, panicking on failure.
#[track_caller]
pub fn map(p: &Process, vmo: zx_handle_t, perms: u32, pages: u64) -> u64 {
    match p.vmar_map(p.vmar_root_self(), perms, 0, vmo, 0, pages * P) {
        Ok(addr) => addr,
        Err(s) => panic!("vmar_map failed: {s}"),
    }
}

/// Maps at `offset` from the root's base (SPECIFIC), panicking on failure.
#[track_caller]
pub fn map_at(
    p: &Process,
    offset: u64,
    vmo: zx_handle_t,
    vmo_offset: u64,
    perms: u32,
    pages: u64,
) -> u64 {
    match p.vmar_map(p.vmar_root_self(), perms | ZX_VM_SPECIFIC, offset, vmo, vmo_offset, pages * P)
    {
        Ok(addr) => addr,
        Err(s) => panic!("vmar_map(SPECIFIC, {offset:#x}) failed: {s}"),
    }
}

/// A sub-VMAR of the root of `pages` pages with `options`, panicking on failure.
#[track_caller]
pub fn sub(p: &Process, options: u32, offset: u64, pages: u64) -> (zx_handle_t, u64) {
    match p.vmar_allocate(p.vmar_root_self(), options, offset, pages * P) {
        Ok(v) => v,
        Err(s) => panic!("vmar_allocate failed: {s}"),
    }
}

/// The fault an access should report.
pub fn fault(vaddr: u64, access: Access, raw: zx_status_t) -> PageFault {
    PageFault { vaddr, access, status: Status::from_raw(raw) }
}

/// Reads one byte through the MMU.
pub fn peek(p: &Process, vaddr: u64) -> Result<u8, PageFault> {
    let mut b = [0u8];
    p.read_mapped(vaddr, &mut b).map(|()| b[0])
}

/// The mapping records of the process (`ZX_INFO_PROCESS_MAPS`), all of them.
#[track_caller]
pub fn process_maps(p: &Process) -> Vec<zx_info_maps_t> {
    let mut records = vec![zx_info_maps_t::default(); 64];
    let (actual, avail) = p.object_get_info_process_maps(p.process_self(), &mut records).unwrap();
    assert_eq!(actual, avail, "more than 64 records");
    records.truncate(actual);
    records
}

/// The MAPPING records among `records`, as (base, size, mmu_flags, vmo_offset).
pub fn mappings(records: &[zx_info_maps_t]) -> Vec<(u64, u64, u32, u64)> {
    records
        .iter()
        .filter(|r| r.type_ == ZX_INFO_MAPS_TYPE_MAPPING)
        .map(|r| (r.base, r.size, r.u.mapping.mmu_flags, r.u.mapping.vmo_offset))
        .collect()
}
