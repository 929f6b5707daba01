//! Helpers of the pinning and device-memory conformance tests (`tests/tests/pinning_*.rs`).

use crate::*;
use zx_kernel::zx::*;
use zx_kernel::{KernelConfig, Process};

/// `ZX_BTI_PERM_READ`.
pub const R: u32 = ZX_BTI_PERM_READ;
/// `ZX_BTI_PERM_WRITE`.
pub const W: u32 = ZX_BTI_PERM_WRITE;
/// `ZX_BTI_PERM_EXECUTE`.
pub const X: u32 = ZX_BTI_PERM_EXECUTE;
/// Read and write.
pub const RW: u32 = R | W;
/// `ZX_BTI_COMPRESS`.
pub const COMPRESS: u32 = ZX_BTI_COMPRESS;
/// `ZX_BTI_CONTIGUOUS`.
pub const CONTIG: u32 = ZX_BTI_CONTIGUOUS;
/// `ZX_VMO_CHILD_SNAPSHOT`.
pub const SNAPSHOT: u32 = ZX_VMO_CHILD_SNAPSHOT;
/// `ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE`.
pub const ALOW: u32 = ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE;
/// `ZX_VMO_CHILD_SNAPSHOT_MODIFIED`.
pub const MODIFIED: u32 = ZX_VMO_CHILD_SNAPSHOT_MODIFIED;
/// `ZX_VMO_CHILD_SLICE`.
pub const SLICE: u32 = ZX_VMO_CHILD_SLICE;
/// `ZX_VMO_CHILD_REFERENCE`.
pub const REFERENCE: u32 = ZX_VMO_CHILD_REFERENCE;
/// The largest page-aligned u64: adding a page or more to it overflows.
pub const TOP_PAGE: u64 = !(P - 1);
/// `ZX_DEFAULT_BTI_RIGHTS` in Zircon: (BASIC without WAIT) | IO | PROPERTY | MAP.
pub const BTI_RIGHTS: zx_rights_t = ZX_RIGHT_TRANSFER
    | ZX_RIGHT_DUPLICATE
    | ZX_RIGHT_INSPECT
    | ZX_RIGHT_READ
    | ZX_RIGHT_WRITE
    | ZX_RIGHT_GET_PROPERTY
    | ZX_RIGHT_SET_PROPERTY
    | ZX_RIGHT_MAP;

/// `bti_pin` with an `addrs` array of exactly the right length; panics on failure.
#[track_caller]
pub fn pin(
    p: &Process,
    bti: zx_handle_t,
    options: u32,
    vmo: zx_handle_t,
    offset: u64,
    size: u64,
) -> (zx_handle_t, Vec<zx_paddr_t>) {
    let n = if options & CONTIG != 0 { 1 } else { (size / P) as usize };
    let mut addrs = vec![0; n];
    match p.bti_pin(bti, options, vmo, offset, size, &mut addrs) {
        Ok(pmt) => (pmt, addrs),
        Err(s) => panic!("bti_pin({options:#x}, vmo {vmo:#x}, {offset:#x}, {size:#x}): {s}"),
    }
}

/// Pins page `page` of `vmo` for reading; returns the PMT and the page's address.
#[track_caller]
pub fn pin_page(p: &Process, bti: zx_handle_t, vmo: zx_handle_t, page: u64) -> (zx_handle_t, u64) {
    let (pmt, addrs) = pin(p, bti, R, vmo, page * P, P);
    (pmt, addrs[0])
}

/// `bti_pin` returning the raw result, with an `addrs` array of `n` entries.
pub fn try_pin(
    p: &Process,
    bti: zx_handle_t,
    options: u32,
    vmo: zx_handle_t,
    offset: u64,
    size: u64,
    n: usize,
) -> Result<zx_handle_t, zx_kernel::Status> {
    let mut addrs = vec![0; n];
    p.bti_pin(bti, options, vmo, offset, size, &mut addrs)
}

/// The address of page `page` of `vmo`, found by pinning it and unpinning at once.
#[track_caller]
pub fn addr_of(p: &Process, bti: zx_handle_t, vmo: zx_handle_t, page: u64) -> u64 {
    let (pmt, a) = pin_page(p, bti, vmo, page);
    ok!(p.pmt_unpin(pmt));
    a
}

#[track_caller]
pub fn unpin(p: &Process, pmt: zx_handle_t) {
    ok!(p.pmt_unpin(pmt));
}

#[track_caller]
pub fn bti_info(p: &Process, bti: zx_handle_t) -> zx_info_bti_t {
    ok!(p.object_get_info_bti(bti))
}

/// Asserts `(pmo_count, quarantine_count)` of a BTI.
#[track_caller]
pub fn assert_bti_counts(p: &Process, bti: zx_handle_t, pmo: u64, quarantine: u64) {
    let i = bti_info(p, bti);
    assert_eq!(
        (i.pmo_count, i.quarantine_count),
        (pmo, quarantine),
        "(pmo_count, quarantine_count)"
    );
}

pub fn op(
    p: &Process,
    h: zx_handle_t,
    op: u32,
    offset: u64,
    size: u64,
) -> Result<(), zx_kernel::Status> {
    p.vmo_op_range(h, op, offset, size, &mut [])
}

/// The RAM's physical range under the default configuration.
pub fn ram_range() -> std::ops::Range<u64> {
    let c = KernelConfig::default();
    c.ram_base..c.ram_base + c.memory_bytes
}

/// Asserts that `addr` is a page-aligned address of RAM (not of the device window).
#[track_caller]
pub fn assert_ram_addr(addr: u64) {
    assert_eq!(addr % P, 0, "address {addr:#x} is not page aligned");
    assert!(ram_range().contains(&addr), "address {addr:#x} is outside RAM {:#x?}", ram_range());
    let c = KernelConfig::default();
    assert!(
        !(c.device_memory_base..c.device_memory_base + c.device_memory_bytes).contains(&addr),
        "RAM address {addr:#x} is inside the device window"
    );
}

/// Reads a little-endian u64 field `i` of a raw record.
pub fn field(buf: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(buf[i * 8..i * 8 + 8].try_into().unwrap())
}
