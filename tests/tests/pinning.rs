//! Conformance tests for docs/reference.md §7: the root resource, IOMMUs and BTIs, `bti_pin` (its
//! check order, what pinning commits, the physical addresses it reports, the 31-pin limit),
//! `pmt_unpin`, the BTI quarantine, what pins block (DECOMMIT, shrinking, SNAPSHOT,
//! transfer_data) and what they do not (ZERO zeroes in place), pinned children and pinned
//! orphans, contiguous VMOs and physical VMOs. Related rules of §1, §4 and §5 are checked where
//! pins meet them.
//!
//! Every test ends with `check_invariants` (which checks that page pin counts agree with the pins
//! held) and, once every handle is closed and every pin released, `free_bytes == total_bytes`.
//! Where docs/reference.md is silent, a test asserts what real Zircon does and says so.

use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Process};

const R: u32 = ZX_BTI_PERM_READ;
const W: u32 = ZX_BTI_PERM_WRITE;
const X: u32 = ZX_BTI_PERM_EXECUTE;
const RW: u32 = R | W;
const COMPRESS: u32 = ZX_BTI_COMPRESS;
const CONTIG: u32 = ZX_BTI_CONTIGUOUS;
const SNAPSHOT: u32 = ZX_VMO_CHILD_SNAPSHOT;
const ALOW: u32 = ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE;
const MODIFIED: u32 = ZX_VMO_CHILD_SNAPSHOT_MODIFIED;
const SLICE: u32 = ZX_VMO_CHILD_SLICE;
const REFERENCE: u32 = ZX_VMO_CHILD_REFERENCE;
/// The largest page-aligned u64: adding a page or more to it overflows.
const TOP_PAGE: u64 = !(P - 1);
/// `ZX_DEFAULT_BTI_RIGHTS` in Zircon: (BASIC without WAIT) | IO | PROPERTY | MAP.
const BTI_RIGHTS: zx_rights_t = ZX_RIGHT_TRANSFER
    | ZX_RIGHT_DUPLICATE
    | ZX_RIGHT_INSPECT
    | ZX_RIGHT_READ
    | ZX_RIGHT_WRITE
    | ZX_RIGHT_GET_PROPERTY
    | ZX_RIGHT_SET_PROPERTY
    | ZX_RIGHT_MAP;

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

/// `bti_pin` with an `addrs` array of exactly the right length; panics on failure.
#[track_caller]
fn pin(
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
fn pin_page(p: &Process, bti: zx_handle_t, vmo: zx_handle_t, page: u64) -> (zx_handle_t, u64) {
    let (pmt, addrs) = pin(p, bti, R, vmo, page * P, P);
    (pmt, addrs[0])
}

/// `bti_pin` returning the raw result, with an `addrs` array of `n` entries.
fn try_pin(
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
fn addr_of(p: &Process, bti: zx_handle_t, vmo: zx_handle_t, page: u64) -> u64 {
    let (pmt, a) = pin_page(p, bti, vmo, page);
    ok!(p.pmt_unpin(pmt));
    a
}

#[track_caller]
fn unpin(p: &Process, pmt: zx_handle_t) {
    ok!(p.pmt_unpin(pmt));
}

#[track_caller]
fn bti_info(p: &Process, bti: zx_handle_t) -> zx_info_bti_t {
    ok!(p.object_get_info_bti(bti))
}

/// Asserts `(pmo_count, quarantine_count)` of a BTI.
#[track_caller]
fn assert_bti_counts(p: &Process, bti: zx_handle_t, pmo: u64, quarantine: u64) {
    let i = bti_info(p, bti);
    assert_eq!(
        (i.pmo_count, i.quarantine_count),
        (pmo, quarantine),
        "(pmo_count, quarantine_count)"
    );
}

fn op(
    p: &Process,
    h: zx_handle_t,
    op: u32,
    offset: u64,
    size: u64,
) -> Result<(), zx_kernel::Status> {
    p.vmo_op_range(h, op, offset, size, &mut [])
}

/// The RAM's physical range under the default configuration.
fn ram_range() -> std::ops::Range<u64> {
    let c = KernelConfig::default();
    c.ram_base..c.ram_base + c.memory_bytes
}

/// Asserts that `addr` is a page-aligned address of RAM (not of the device window).
#[track_caller]
fn assert_ram_addr(addr: u64) {
    assert_eq!(addr % P, 0, "address {addr:#x} is not page aligned");
    assert!(ram_range().contains(&addr), "address {addr:#x} is outside RAM {:#x?}", ram_range());
    let c = KernelConfig::default();
    assert!(
        !(c.device_memory_base..c.device_memory_base + c.device_memory_bytes).contains(&addr),
        "RAM address {addr:#x} is inside the device window"
    );
}

/// Reads a little-endian u64 field `i` of a raw record.
fn field(buf: &[u8], i: usize) -> u64 {
    u64::from_le_bytes(buf[i * 8..i * 8 + 8].try_into().unwrap())
}

// ---------------------------------------------------------------------------------------------
// resources, IOMMUs, BTIs
// ---------------------------------------------------------------------------------------------

#[test]
fn root_resource_iommu_and_bti_have_their_types() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    assert_eq!(basic(&p, d.root).type_, ZX_OBJ_TYPE_RESOURCE);
    assert_eq!(basic(&p, d.iommu).type_, ZX_OBJ_TYPE_IOMMU);
    assert_eq!(basic(&p, d.bti).type_, ZX_OBJ_TYPE_BTI);
    // Zircon: a new BTI handle has ZX_DEFAULT_BTI_RIGHTS ((BASIC & !WAIT) | IO | PROPERTY | MAP).
    assert_eq!(rights_of(&p, d.bti), BTI_RIGHTS);
    // Every call gives a new handle to the same root resource.
    let root2 = ok!(p.root_resource());
    assert_ne!(root2, d.root);
    assert_eq!(koid_of(&p, root2), koid_of(&p, d.root));
    let koids = [koid_of(&p, d.root), koid_of(&p, d.iommu), koid_of(&p, d.bti)];
    assert!(koids[0] != koids[1] && koids[1] != koids[2] && koids[0] != koids[2]);
    ok!(p.handle_close(root2));
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn iommu_create_needs_the_root_resource() {
    let (k, p) = setup();
    let root = ok!(p.root_resource());
    let v = vmo(&p, P);
    assert_err!(p.iommu_create(v, ZX_IOMMU_TYPE_DUMMY, &[0]), ZX_ERR_WRONG_TYPE);
    assert_err!(p.iommu_create(ZX_HANDLE_INVALID, ZX_IOMMU_TYPE_DUMMY, &[0]), ZX_ERR_BAD_HANDLE);
    let stale = event(&p);
    ok!(p.handle_close(stale));
    assert_err!(p.iommu_create(stale, ZX_IOMMU_TYPE_DUMMY, &[0]), ZX_ERR_BAD_HANDLE);
    // A resource handle from another process is just a number here.
    let other = k.create_process();
    assert_err!(other.iommu_create(root, ZX_IOMMU_TYPE_DUMMY, &[0]), ZX_ERR_BAD_HANDLE);
    // Zircon: an unknown IOMMU type is NOT_SUPPORTED.
    assert_err!(p.iommu_create(root, 0x7F, &[0]), ZX_ERR_NOT_SUPPORTED);
    assert_eq!(ZX_IOMMU_TYPE_STUB, ZX_IOMMU_TYPE_DUMMY);
    let iommu = ok!(p.iommu_create(root, ZX_IOMMU_TYPE_STUB, &[0]));
    assert_eq!(basic(&p, iommu).type_, ZX_OBJ_TYPE_IOMMU);
    close_all(&p, &[iommu, v, root]);
    assert_no_leak(&k);
}

#[test]
fn bti_create_options_must_be_zero_and_needs_an_iommu() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, P);
    for options in [1u32, 2, 0x8000_0000] {
        assert_err!(p.bti_create(d.iommu, options, 0), ZX_ERR_INVALID_ARGS, "options {options:#x}");
        // Options are checked before the handle (Zircon does the same).
        assert_err!(p.bti_create(ZX_HANDLE_INVALID, options, 0), ZX_ERR_INVALID_ARGS);
    }
    assert_err!(p.bti_create(ZX_HANDLE_INVALID, 0, 0), ZX_ERR_BAD_HANDLE);
    assert_err!(p.bti_create(v, 0, 0), ZX_ERR_WRONG_TYPE);
    assert_err!(p.bti_create(d.root, 0, 0), ZX_ERR_WRONG_TYPE);
    assert_err!(p.bti_create(d.bti, 0, 0), ZX_ERR_WRONG_TYPE);
    let b2 = ok!(p.bti_create(d.iommu, 0, u64::MAX));
    assert_ne!(koid_of(&p, b2), koid_of(&p, d.bti));
    close_all(&p, &[b2, v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn a_bti_outlives_its_iommu_handle() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    ok!(p.handle_close(d.iommu));
    ok!(p.handle_close(d.root));
    let v = vmo(&p, 2 * P);
    let (pmt, addrs) = pin(&p, d.bti, RW, v, 0, 2 * P);
    addrs.iter().for_each(|&a| assert_ram_addr(a));
    assert_bti_counts(&p, d.bti, 1, 0);
    unpin(&p, pmt);
    close_all(&p, &[v, d.bti]);
    assert_no_leak(&k);
}

#[test]
fn zx_info_bti_fields() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let i = bti_info(&p, d.bti);
    assert_eq!(i.minimum_contiguity, ZX_PAGE_SIZE);
    assert_eq!(i.minimum_contiguity, 4096);
    assert_eq!((i.pmo_count, i.quarantine_count), (0, 0));
    // The raw form is the same 32-byte record.
    let mut buf = [0xEEu8; 32];
    assert_eq!(ok!(p.object_get_info(d.bti, ZX_INFO_BTI, &mut buf)), (1, 1));
    assert_eq!(field(&buf, 0), 4096, "minimum_contiguity");
    assert_eq!(field(&buf, 1), i.aspace_size, "aspace_size");
    assert_eq!((field(&buf, 2), field(&buf, 3)), (0, 0), "pmo_count, quarantine_count");
    // Zircon: a buffer smaller than the record is BUFFER_TOO_SMALL.
    assert_err!(p.object_get_info(d.bti, ZX_INFO_BTI, &mut [0u8; 31]), ZX_ERR_BUFFER_TOO_SMALL);
    // The topic on other object types is WRONG_TYPE.
    let v = vmo(&p, P);
    assert_err!(p.object_get_info_bti(v), ZX_ERR_WRONG_TYPE);
    assert_err!(p.object_get_info_bti(d.iommu), ZX_ERR_WRONG_TYPE);
    assert_err!(p.object_get_info_bti(ZX_HANDLE_INVALID), ZX_ERR_BAD_HANDLE);
    // Zircon: get_info needs INSPECT.
    let no_inspect = dup(&p, d.bti, BTI_RIGHTS & !ZX_RIGHT_INSPECT);
    assert_err!(p.object_get_info_bti(no_inspect), ZX_ERR_ACCESS_DENIED);

    // The counts follow live PMTs.
    let (pmt1, _) = pin_page(&p, d.bti, v, 0);
    let (pmt2, _) = pin_page(&p, d.bti, v, 0);
    assert_bti_counts(&p, d.bti, 2, 0);
    let mut buf = [0u8; 32];
    ok!(p.object_get_info(d.bti, ZX_INFO_BTI, &mut buf));
    assert_eq!(field(&buf, 2), 2, "raw pmo_count");
    unpin(&p, pmt1);
    assert_bti_counts(&p, d.bti, 1, 0);
    unpin(&p, pmt2);
    assert_bti_counts(&p, d.bti, 0, 0);
    close_all(&p, &[no_inspect, v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn kmem_stats_on_the_root_resource() {
    let (k, p) = setup();
    let root = ok!(p.root_resource());
    let v = vmo(&p, 8 * P);
    fill(&p, v, 0, 3 * P as usize, 0x5A);
    let want = k.kmem_stats();
    assert_eq!(want.vmo_bytes, 3 * P);

    let mut buf = vec![0xEEu8; std::mem::size_of::<zx_info_kmem_stats_t>()];
    assert_eq!(ok!(p.object_get_info(root, ZX_INFO_KMEM_STATS, &mut buf)), (1, 1));
    assert_eq!(field(&buf, 0), want.total_bytes, "total_bytes");
    assert_eq!(field(&buf, 1), want.free_bytes, "free_bytes");
    assert_eq!(field(&buf, 6), want.vmo_bytes, "vmo_bytes");
    // The older layout: total, free, wired, total_heap, free_heap, vmo, ...
    let mut v1 = [0xEEu8; 72];
    assert_eq!(ok!(p.object_get_info(root, ZX_INFO_KMEM_STATS_V1, &mut v1)), (1, 1));
    assert_eq!(field(&v1, 0), want.total_bytes, "v1 total_bytes");
    assert_eq!(field(&v1, 1), want.free_bytes, "v1 free_bytes");
    assert_eq!(field(&v1, 5), want.vmo_bytes, "v1 vmo_bytes");

    // Only the resource answers this topic.
    assert_err!(p.object_get_info(v, ZX_INFO_KMEM_STATS, &mut buf), ZX_ERR_WRONG_TYPE);
    assert_err!(
        p.object_get_info(ZX_HANDLE_INVALID, ZX_INFO_KMEM_STATS, &mut buf),
        ZX_ERR_BAD_HANDLE
    );

    close_all(&p, &[v]);
    ok!(p.object_get_info(root, ZX_INFO_KMEM_STATS, &mut buf));
    assert_eq!(field(&buf, 1), field(&buf, 0), "free_bytes == total_bytes after closing");
    assert_eq!(field(&buf, 6), 0);
    close_all(&p, &[root]);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// bti_pin: check order
// ---------------------------------------------------------------------------------------------

#[test]
fn bti_pin_bti_handle_is_checked_first() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, P);
    let ev = event(&p);
    let no_map = dup(&p, d.bti, BTI_RIGHTS & !ZX_RIGHT_MAP);
    // Everything else wrong too: unknown options, unaligned offset, size 0, a bad VMO handle.
    let bad = |bti: zx_handle_t| try_pin(&p, bti, 1 << 7, ZX_HANDLE_INVALID, 1, 0, 0);
    assert_err!(bad(ZX_HANDLE_INVALID), ZX_ERR_BAD_HANDLE);
    assert_err!(bad(v), ZX_ERR_WRONG_TYPE);
    assert_err!(bad(ev), ZX_ERR_WRONG_TYPE);
    assert_err!(bad(d.iommu), ZX_ERR_WRONG_TYPE);
    assert_err!(bad(no_map), ZX_ERR_ACCESS_DENIED);
    // Without MAP nothing can be pinned, however good the rest.
    assert_err!(try_pin(&p, no_map, R, v, 0, P, 1), ZX_ERR_ACCESS_DENIED);
    // MAP alone is enough on the BTI.
    let map_only = dup(&p, d.bti, ZX_RIGHT_MAP);
    let pmt = ok!(try_pin(&p, map_only, R, v, 0, P, 1));
    unpin(&p, pmt);
    assert_bti_counts(&p, d.bti, 0, 0);
    close_all(&p, &[map_only, no_map, ev, v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn bti_pin_argument_checks_come_before_the_vmo_handle() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let ev = event(&p);
    for vmo_h in [ZX_HANDLE_INVALID, ev] {
        // Unknown option bits.
        for options in [1u32 << 5, 1 << 6, 1 << 31, R | (1 << 9)] {
            assert_err!(
                try_pin(&p, d.bti, options, vmo_h, 0, P, 1),
                ZX_ERR_INVALID_ARGS,
                "options {options:#x}"
            );
        }
        // offset or size not page aligned.
        assert_err!(try_pin(&p, d.bti, R, vmo_h, 1, P, 1), ZX_ERR_INVALID_ARGS);
        assert_err!(try_pin(&p, d.bti, R, vmo_h, P / 2, P, 1), ZX_ERR_INVALID_ARGS);
        assert_err!(try_pin(&p, d.bti, R, vmo_h, 0, P + 1, 2), ZX_ERR_INVALID_ARGS);
        assert_err!(try_pin(&p, d.bti, R, vmo_h, 0, 100, 1), ZX_ERR_INVALID_ARGS);
        // size 0.
        assert_err!(try_pin(&p, d.bti, R, vmo_h, 0, 0, 0), ZX_ERR_INVALID_ARGS);
        assert_err!(try_pin(&p, d.bti, R, vmo_h, 100 * P, 0, 1), ZX_ERR_INVALID_ARGS);
        // COMPRESS with CONTIGUOUS.
        assert_err!(try_pin(&p, d.bti, R | COMPRESS | CONTIG, vmo_h, 0, P, 1), ZX_ERR_INVALID_ARGS);
    }
    // With good arguments the VMO handle decides.
    assert_err!(try_pin(&p, d.bti, R, ZX_HANDLE_INVALID, 0, P, 1), ZX_ERR_BAD_HANDLE);
    assert_err!(try_pin(&p, d.bti, R, ev, 0, P, 1), ZX_ERR_WRONG_TYPE);
    assert_err!(try_pin(&p, d.bti, R, d.bti, 0, P, 1), ZX_ERR_WRONG_TYPE);
    assert_bti_counts(&p, d.bti, 0, 0);
    close_all(&p, &[ev]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn bti_pin_compress_with_contiguous_is_invalid_even_on_a_contiguous_vmo() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let c = ok!(p.vmo_create_contiguous(d.bti, 2 * P, 0));
    assert_err!(try_pin(&p, d.bti, R | COMPRESS | CONTIG, c, 0, 2 * P, 1), ZX_ERR_INVALID_ARGS);
    assert_err!(try_pin(&p, d.bti, R | COMPRESS | CONTIG, c, 0, 2 * P, 2), ZX_ERR_INVALID_ARGS);
    // Each on its own is fine.
    let (pmt1, a1) = pin(&p, d.bti, R | CONTIG, c, 0, 2 * P);
    assert_eq!(a1.len(), 1);
    let (pmt2, a2) = pin(&p, d.bti, R | COMPRESS, c, 0, 2 * P);
    // minimum_contiguity is one page, so COMPRESS gives one address per page.
    assert_eq!(a2, vec![a1[0], a1[0] + P]);
    unpin(&p, pmt1);
    unpin(&p, pmt2);
    close_all(&p, &[c]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn bti_pin_contiguous_on_a_non_contiguous_vmo_is_invalid_before_rights() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 2 * P);
    let no_rights = dup(&p, v, ZX_RIGHT_DUPLICATE);
    assert_err!(try_pin(&p, d.bti, R | CONTIG, v, 0, 2 * P, 1), ZX_ERR_INVALID_ARGS);
    // Checked before the VMO handle's rights and before the range.
    assert_err!(try_pin(&p, d.bti, RW | CONTIG, no_rights, 0, 2 * P, 1), ZX_ERR_INVALID_ARGS);
    assert_err!(try_pin(&p, d.bti, R | CONTIG, v, 0, 8 * P, 1), ZX_ERR_INVALID_ARGS);
    // A slice of a non-contiguous VMO is not contiguous either.
    let s = child(&p, v, SLICE, 0, P);
    assert_err!(try_pin(&p, d.bti, R | CONTIG, s, 0, P, 1), ZX_ERR_INVALID_ARGS);
    assert_eq!(committed(&p, v), 0, "nothing was committed");
    assert_bti_counts(&p, d.bti, 0, 0);
    close_all(&p, &[s, no_rights, v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn bti_pin_vmo_rights_map_read_write() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 2 * P);
    let rw = dup(&p, v, ZX_RIGHT_READ | ZX_RIGHT_WRITE);
    let map_r = dup(&p, v, ZX_RIGHT_MAP | ZX_RIGHT_READ);
    let map_w = dup(&p, v, ZX_RIGHT_MAP | ZX_RIGHT_WRITE);
    let map_only = dup(&p, v, ZX_RIGHT_MAP);
    // MAP is always needed: ACCESS_DENIED even though the range is out of range and addrs short.
    for opts in [R, W, X, RW] {
        assert_err!(try_pin(&p, d.bti, opts, rw, 0, 2 * P, 2), ZX_ERR_ACCESS_DENIED);
        assert_err!(try_pin(&p, d.bti, opts, rw, 0, 9 * P, 0), ZX_ERR_ACCESS_DENIED);
    }
    // READ for PERM_READ and PERM_EXECUTE.
    assert_err!(try_pin(&p, d.bti, R, map_w, 0, P, 1), ZX_ERR_ACCESS_DENIED);
    assert_err!(try_pin(&p, d.bti, X, map_w, 0, P, 1), ZX_ERR_ACCESS_DENIED);
    assert_err!(try_pin(&p, d.bti, R, map_only, 0, P, 1), ZX_ERR_ACCESS_DENIED);
    // WRITE for PERM_WRITE.
    assert_err!(try_pin(&p, d.bti, W, map_r, 0, P, 1), ZX_ERR_ACCESS_DENIED);
    assert_err!(try_pin(&p, d.bti, RW, map_r, 0, P, 1), ZX_ERR_ACCESS_DENIED);
    assert_err!(try_pin(&p, d.bti, W, map_only, 0, P, 1), ZX_ERR_ACCESS_DENIED);
    // Rights are checked before the range and the addrs length.
    assert_err!(try_pin(&p, d.bti, W, map_r, 0, 9 * P, 0), ZX_ERR_ACCESS_DENIED);
    assert_eq!(committed(&p, v), 0);
    assert_bti_counts(&p, d.bti, 0, 0);
    // The right rights work; PERM_EXECUTE needs READ, not EXECUTE.
    let ok_cases = [(R, map_r), (X, map_r), (R | X, map_r), (W, map_w), (RW, v)];
    for (opts, h) in ok_cases {
        let pmt = ok!(try_pin(&p, d.bti, opts, h, 0, P, 1));
        unpin(&p, pmt);
    }
    assert_bti_counts(&p, d.bti, 0, 0);
    close_all(&p, &[rw, map_r, map_w, map_only, v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn bti_pin_range_past_the_end_is_out_of_range_before_addrs() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 4 * P);
    for (offset, size) in
        [(0, 5 * P), (4 * P, P), (3 * P, 2 * P), (100 * P, P), (TOP_PAGE, P), (P, TOP_PAGE)]
    {
        // The addrs array is too short as well: the range is checked first.
        assert_err!(
            try_pin(&p, d.bti, R, v, offset, size, 0),
            ZX_ERR_OUT_OF_RANGE,
            "pin [{offset:#x} + {size:#x}) of 4P"
        );
        let n = (size / P).min(16) as usize;
        assert_err!(try_pin(&p, d.bti, R, v, offset, size, n), ZX_ERR_OUT_OF_RANGE);
    }
    assert_eq!(committed(&p, v), 0);
    // The last page is in range.
    let pmt = ok!(try_pin(&p, d.bti, R, v, 3 * P, P, 1));
    unpin(&p, pmt);
    assert_bti_counts(&p, d.bti, 0, 0);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn bti_pin_addrs_too_short_is_invalid_args_and_pins_nothing() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 4 * P);
    for n in 0..4 {
        assert_err!(
            try_pin(&p, d.bti, R, v, 0, 4 * P, n),
            ZX_ERR_INVALID_ARGS,
            "{n} addrs for 4 pages"
        );
    }
    let c = ok!(p.vmo_create_contiguous(d.bti, 2 * P, 0));
    assert_err!(try_pin(&p, d.bti, R | CONTIG, c, 0, 2 * P, 0), ZX_ERR_INVALID_ARGS);
    assert_err!(try_pin(&p, d.bti, R, c, 0, 2 * P, 1), ZX_ERR_INVALID_ARGS);
    // Nothing pinned, nothing quarantined, and (checks run before the effect) nothing committed.
    assert_bti_counts(&p, d.bti, 0, 0);
    assert_eq!(committed(&p, v), 0);
    assert_clean(&k);
    // No pin is left behind: the pages can be decommitted and the VMO shrunk.
    fill(&p, v, 0, 4 * P as usize, 1);
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 4 * P));
    close_all(&p, &[c, v]);
    d.close(&p);
    assert_no_leak(&k);
}

/// docs/reference.md says "too short → INVALID_ARGS" and is silent about a longer array; real Zircon
/// (`sys_bti_pin`) requires `addrs_count` to be exactly the number of addresses (one per page,
/// or one with CONTIGUOUS), and unpins at once when it is not.
#[test]
fn bti_pin_addrs_longer_than_the_answer_is_fine_and_the_rest_untouched() {
    // docs/reference.md §7 refuses only an `addrs` too short for the answer; Zircon also refuses
    // a longer one (it wants the exact count), which a Rust slice API has no reason to.
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 4 * P);
    let mut addrs = [u64::MAX; 3];
    let pmt = ok!(p.bti_pin(d.bti, R, v, 0, 2 * P, &mut addrs));
    assert!(addrs[..2].iter().all(|&a| a != u64::MAX));
    assert_eq!(addrs[2], u64::MAX, "entries past the answer are left alone");
    ok!(p.pmt_unpin(pmt));
    let c = ok!(p.vmo_create_contiguous(d.bti, 2 * P, 0));
    let mut one_more = [u64::MAX; 2];
    let pmt = ok!(p.bti_pin(d.bti, R | CONTIG, c, 0, 2 * P, &mut one_more));
    assert_eq!(one_more[1], u64::MAX);
    ok!(p.pmt_unpin(pmt));
    assert_bti_counts(&p, d.bti, 0, 0);
    assert_clean(&k);
    close_all(&p, &[c, v]);
    d.close(&p);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// what pinning does
// ---------------------------------------------------------------------------------------------

#[test]
fn pinning_commits_the_range_and_reports_one_ram_address_per_page() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 8 * P);
    fill(&p, v, 0, 1, 0x11); // page 0 committed by a write
    assert_eq!(committed(&p, v), P);
    let (pmt, addrs) = pin(&p, d.bti, RW, v, 2 * P, 4 * P);
    assert_eq!(committed(&p, v), 5 * P, "pinning commits the pinned range");
    assert_eq!(vmo_bytes(&k), 5 * P);
    assert_eq!(addrs.len(), 4);
    addrs.iter().for_each(|&a| assert_ram_addr(a));
    let mut sorted = addrs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 4, "addresses must be distinct: {addrs:#x?}");
    // The pinned pages read zero and take writes.
    assert_bytes(&p, v, 2 * P, 4 * P as usize, 0);
    fill(&p, v, 3 * P, P as usize, 0x33);
    assert_bytes(&p, v, 3 * P, P as usize, 0x33);
    assert_eq!(committed(&p, v), 5 * P);
    // Pinning an already committed range commits nothing more, and reports the same frames.
    let (pmt2, addrs2) = pin(&p, d.bti, R, v, 2 * P, 4 * P);
    assert_eq!(addrs2, addrs);
    assert_eq!(committed(&p, v), 5 * P);
    let a0 = addr_of(&p, d.bti, v, 0);
    assert!(!addrs.contains(&a0));
    assert_bti_counts(&p, d.bti, 2, 0);
    assert_clean(&k);
    unpin(&p, pmt);
    unpin(&p, pmt2);
    // Unpinning does not decommit.
    assert_eq!(committed(&p, v), 5 * P);
    assert_bytes(&p, v, 3 * P, P as usize, 0x33);
    assert_clean(&k);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn pinning_a_snapshot_child_forks_the_parent_content_into_it() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 3 * P);
    let data = pattern(7, 3 * P as usize);
    ok!(p.vmo_write(a, &data, 0));
    let c = child(&p, a, SNAPSHOT, 0, 4 * P);
    assert_eq!(vmo_bytes(&k), 3 * P);
    let (pmt, caddrs) = pin(&p, d.bti, R, c, 0, 4 * P);
    // The child now owns all four pages (three copies of the parent content, one zero page).
    let ci = vmo_info(&p, c);
    assert_eq!(ci.committed_bytes, 4 * P);
    assert_eq!(ci.committed_private_bytes, 4 * P);
    assert_eq!(read_vec(&p, c, 0, 3 * P as usize), data, "the child reads the parent's bytes");
    assert_bytes(&p, c, 3 * P, P as usize, 0);
    assert_eq!(read_vec(&p, a, 0, 3 * P as usize), data, "the parent is unchanged");
    assert_eq!(committed(&p, a), 3 * P);
    // The two are independent now.
    fill(&p, a, 0, 3 * P as usize, 0xA0);
    assert_eq!(read_vec(&p, c, 0, 3 * P as usize), data);
    // The parent's frames (pinned now, which forks them into the parent) differ from the child's.
    let (pmt_a, aaddrs) = pin(&p, d.bti, R, a, 0, 3 * P);
    for x in &aaddrs {
        assert!(!caddrs.contains(x), "parent frame {x:#x} also pinned in the child");
    }
    // The child's pinned pages did not move through all this.
    let (pmt_c2, caddrs2) = pin(&p, d.bti, R, c, 0, 4 * P);
    assert_eq!(caddrs2, caddrs);
    assert_clean(&k);
    for h in [pmt, pmt_a, pmt_c2] {
        unpin(&p, h);
    }
    close_all(&p, &[c, a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn pinning_a_parent_with_a_snapshot_child_forks_into_the_parent() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 2 * P);
    fill(&p, a, 0, 2 * P as usize, 0x42);
    let c = child(&p, a, SNAPSHOT, 0, 2 * P);
    let (pmt, _) = pin(&p, d.bti, RW, a, 0, 2 * P);
    assert_bytes(&p, a, 0, 2 * P as usize, 0x42);
    assert_bytes(&p, c, 0, 2 * P as usize, 0x42);
    assert_eq!(vmo_info(&p, a).committed_private_bytes, 2 * P, "the parent owns its pinned pages");
    fill(&p, a, 0, 2 * P as usize, 0x43);
    assert_bytes(&p, c, 0, 2 * P as usize, 0x42);
    // The child can still be snapshotted (its pages are not pinned); the parent cannot.
    let cc = child(&p, c, SNAPSHOT, 0, 2 * P);
    assert_err!(p.vmo_create_child(a, SNAPSHOT, 0, 2 * P), ZX_ERR_BAD_STATE);
    assert_clean(&k);
    unpin(&p, pmt);
    close_all(&p, &[cc, c, a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn pinning_a_slice_pins_the_parent_pages() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 4 * P);
    let s = child(&p, a, SLICE, P, 2 * P);
    let (pmt, saddrs) = pin(&p, d.bti, RW, s, 0, 2 * P);
    assert_eq!(committed(&p, a), 2 * P, "the parent owns the slice's pages");
    assert_eq!(committed(&p, s), 0, "a slice shows no committed bytes");
    let (pmt_a, aaddrs) = pin(&p, d.bti, R, a, P, 2 * P);
    assert_eq!(aaddrs, saddrs, "the slice's pages are the parent's");
    unpin(&p, pmt_a);
    // Still pinned through the slice: the parent cannot decommit them.
    assert_err!(op(&p, a, ZX_VMO_OP_DECOMMIT, P, P), ZX_ERR_BAD_STATE);
    assert_err!(op(&p, s, ZX_VMO_OP_DECOMMIT, 0, P), ZX_ERR_BAD_STATE);
    ok!(op(&p, a, ZX_VMO_OP_DECOMMIT, 3 * P, P));
    unpin(&p, pmt);
    ok!(op(&p, a, ZX_VMO_OP_DECOMMIT, 0, 4 * P));
    assert_eq!(committed(&p, a), 0);
    close_all(&p, &[s, a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn a_pinned_page_keeps_its_physical_address() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 2 * P);
    let (pmt1, a1) = pin_page(&p, d.bti, v, 1);
    // Writes, reads, other commits and a second pin do not move it.
    fill(&p, v, 0, 2 * P as usize, 0x77);
    ok!(op(&p, v, ZX_VMO_OP_COMMIT, 0, 2 * P));
    let (pmt2, a2) = pin_page(&p, d.bti, v, 1);
    assert_eq!(a2, a1);
    unpin(&p, pmt1);
    unpin(&p, pmt2);
    // Unpinned but still committed: re-pinning finds the same frame.
    let (pmt3, a3) = pin_page(&p, d.bti, v, 1);
    assert_eq!(a3, a1);
    assert_bytes(&p, v, P, P as usize, 0x77);
    // A pin through another BTI sees the same frame too.
    let b2 = d.another_bti(&p);
    let (pmt4, a4) = pin_page(&p, b2, v, 1);
    assert_eq!(a4, a1);
    assert_clean(&k);
    unpin(&p, pmt3);
    unpin(&p, pmt4);
    close_all(&p, &[b2, v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn a_pinned_child_page_does_not_move_when_its_parent_goes_away() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 2 * P);
    fill(&p, a, 0, 2 * P as usize, 0x21);
    let c = child(&p, a, SNAPSHOT, 0, 2 * P);
    let (pmt, ca) = pin(&p, d.bti, R, c, 0, P);
    // Closing the parent merges the hidden node into the child; the pinned page stays put.
    ok!(p.handle_close(a));
    assert_clean(&k);
    let (pmt2, ca2) = pin(&p, d.bti, R, c, 0, P);
    assert_eq!(ca2, ca);
    assert_bytes(&p, c, 0, 2 * P as usize, 0x21);
    unpin(&p, pmt);
    unpin(&p, pmt2);
    close_all(&p, &[c]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn a_pinned_parent_page_survives_the_merge_of_its_hidden_node() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 2 * P);
    fill(&p, a, 0, 2 * P as usize, 0x71);
    let c = child(&p, a, SNAPSHOT, 0, 2 * P);
    fill(&p, c, P, 1, 0x72);
    // The parent pins page 0 while the child still sees the same content through the hidden node.
    let (pmt, pa) = pin_page(&p, d.bti, a, 0);
    assert_bytes(&p, c, 0, P as usize, 0x71);
    // Closing the child leaves the hidden node with one child: its pages merge into the parent.
    ok!(p.handle_close(c));
    assert_clean(&k);
    assert_eq!(addr_of(&p, d.bti, a, 0), pa, "the pinned page must not move in the merge");
    assert_bytes(&p, a, 0, 2 * P as usize, 0x71);
    assert_eq!(committed(&p, a), 2 * P);
    assert_eq!(vmo_bytes(&k), 2 * P, "the child's page and the shared copy are gone");
    // With no snapshot child left, DECOMMIT works again, except over the pinned page.
    assert_err!(op(&p, a, ZX_VMO_OP_DECOMMIT, 0, 2 * P), ZX_ERR_BAD_STATE);
    ok!(op(&p, a, ZX_VMO_OP_DECOMMIT, P, P));
    unpin(&p, pmt);
    close_all(&p, &[a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn bti_pin_handles_are_per_process() {
    let (k, p) = setup();
    let other = k.create_process();
    let d = Dev::new(&p);
    let v = vmo(&p, P);
    let pmt = ok!(try_pin(&p, d.bti, R, v, 0, P, 1));
    // `other` has no handles yet: every value from `p` is BAD_HANDLE there.
    assert_err!(try_pin(&other, d.bti, R, v, 0, P, 1), ZX_ERR_BAD_HANDLE);
    assert_err!(other.bti_release_quarantine(d.bti), ZX_ERR_BAD_HANDLE);
    assert_err!(other.pmt_unpin(pmt), ZX_ERR_BAD_HANDLE);
    assert_err!(other.vmo_create_contiguous(d.bti, P, 0), ZX_ERR_BAD_HANDLE);
    assert_eq!(basic(&p, pmt).type_, ZX_OBJ_TYPE_PMT, "p's PMT is untouched");
    unpin(&p, pmt);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn the_32nd_pin_of_a_page_is_unavailable() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 2 * P);
    let mut pmts: Vec<_> = (0..31).map(|_| pin_page(&p, d.bti, v, 0).0).collect();
    assert_bti_counts(&p, d.bti, 31, 0);
    assert_err!(try_pin(&p, d.bti, R, v, 0, P, 1), ZX_ERR_UNAVAILABLE);
    assert_bti_counts(&p, d.bti, 31, 0);
    assert_clean(&k);
    // Another page is not affected.
    let (other, _) = pin_page(&p, d.bti, v, 1);
    unpin(&p, other);
    // One unpin makes room for one more pin.
    unpin(&p, pmts.pop().unwrap());
    pmts.push(pin_page(&p, d.bti, v, 0).0);
    assert_err!(try_pin(&p, d.bti, R, v, 0, P, 1), ZX_ERR_UNAVAILABLE);
    assert_clean(&k);
    for pmt in pmts {
        unpin(&p, pmt);
    }
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 2 * P));
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn a_failed_32nd_pin_leaves_the_other_pages_of_its_range_unpinned() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 3 * P);
    // Page 1 is full; pages 0 and 2 are fresh.
    let pmts: Vec<_> = (0..31).map(|_| pin_page(&p, d.bti, v, 1).0).collect();
    // [full, fresh] and [fresh, full] both fail and pin nothing.
    assert_err!(try_pin(&p, d.bti, R, v, P, 2 * P, 2), ZX_ERR_UNAVAILABLE);
    assert_err!(try_pin(&p, d.bti, R, v, 0, 2 * P, 2), ZX_ERR_UNAVAILABLE);
    assert_err!(try_pin(&p, d.bti, R, v, 0, 3 * P, 3), ZX_ERR_UNAVAILABLE);
    assert_bti_counts(&p, d.bti, 31, 0);
    assert_clean(&k);
    // The fresh pages are not pinned: they can be decommitted.
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, P));
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 2 * P, P));
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, P, P), ZX_ERR_BAD_STATE);
    // And each can still take 31 pins of its own.
    let more: Vec<_> = (0..31).map(|_| pin_page(&p, d.bti, v, 2).0).collect();
    assert_clean(&k);
    for pmt in pmts.into_iter().chain(more) {
        unpin(&p, pmt);
    }
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 3 * P));
    assert_eq!(committed(&p, v), 0);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn the_pin_limit_counts_pins_from_every_bti_slice_and_quarantine() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let b2 = d.another_bti(&p);
    let v = vmo(&p, 2 * P);
    let s = child(&p, v, SLICE, 0, 2 * P);
    let mut live = Vec::new();
    for _ in 0..10 {
        live.push(pin_page(&p, d.bti, v, 0).0);
        live.push(pin_page(&p, b2, s, 0).0);
        let (q, _) = pin_page(&p, d.bti, v, 0);
        ok!(p.handle_close(q)); // into d.bti's quarantine
    }
    live.push(pin_page(&p, b2, v, 0).0); // 31 pins in all
    assert_eq!(bti_info(&p, d.bti).quarantine_count, 10);
    for (bti, h) in [(d.bti, v), (b2, v), (d.bti, s), (b2, s)] {
        assert_err!(try_pin(&p, bti, R, h, 0, P, 1), ZX_ERR_UNAVAILABLE);
    }
    assert_clean(&k);
    // Releasing the quarantine frees 10 pins.
    ok!(p.bti_release_quarantine(d.bti));
    assert_eq!(bti_info(&p, d.bti).quarantine_count, 0);
    for _ in 0..10 {
        live.push(pin_page(&p, b2, s, 0).0);
    }
    assert_err!(try_pin(&p, d.bti, R, v, 0, P, 1), ZX_ERR_UNAVAILABLE);
    assert_clean(&k);
    for pmt in live {
        unpin(&p, pmt);
    }
    close_all(&p, &[s, v, b2]);
    d.close(&p);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// pmt_unpin and the quarantine
// ---------------------------------------------------------------------------------------------

#[test]
fn pmt_handle_basics() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, P);
    let (pmt, _) = pin_page(&p, d.bti, v, 0);
    let b = basic(&p, pmt);
    assert_eq!(b.type_, ZX_OBJ_TYPE_PMT);
    // Zircon: a PMT handle has exactly ZX_RIGHT_INSPECT, so it cannot be duplicated.
    assert_eq!(b.rights, ZX_RIGHT_INSPECT);
    assert_err!(p.handle_duplicate(pmt, ZX_RIGHT_SAME_RIGHTS), ZX_ERR_ACCESS_DENIED);
    assert!(b.koid != koid_of(&p, v) && b.koid != koid_of(&p, d.bti));
    unpin(&p, pmt);
    assert_err!(p.handle_close(pmt), ZX_ERR_BAD_HANDLE);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn pmt_unpin_always_consumes_the_handle() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 2 * P);
    let (pmt, _) = pin_page(&p, d.bti, v, 0);
    // Invalid handles.
    assert_err!(p.pmt_unpin(ZX_HANDLE_INVALID), ZX_ERR_BAD_HANDLE);
    let stale = event(&p);
    ok!(p.handle_close(stale));
    assert_err!(p.pmt_unpin(stale), ZX_ERR_BAD_HANDLE);
    // A PMT value from another process is just a number there: nothing consumed here.
    let other = k.create_process();
    assert_err!(other.pmt_unpin(pmt), ZX_ERR_BAD_HANDLE);
    assert_eq!(basic(&p, pmt).type_, ZX_OBJ_TYPE_PMT);
    // Not a PMT: WRONG_TYPE, and the handle is gone.
    let ev = event(&p);
    assert_err!(p.pmt_unpin(ev), ZX_ERR_WRONG_TYPE);
    assert_err!(p.handle_close(ev), ZX_ERR_BAD_HANDLE);
    let v2 = dup(&p, v, ZX_RIGHT_SAME_RIGHTS);
    assert_err!(p.pmt_unpin(v2), ZX_ERR_WRONG_TYPE);
    assert_err!(p.vmo_get_size(v2), ZX_ERR_BAD_HANDLE);
    let b2 = dup(&p, d.bti, ZX_RIGHT_SAME_RIGHTS);
    assert_err!(p.pmt_unpin(b2), ZX_ERR_WRONG_TYPE);
    assert_err!(p.object_get_info_bti(b2), ZX_ERR_BAD_HANDLE);
    // The real PMT still works, once.
    unpin(&p, pmt);
    assert_err!(p.pmt_unpin(pmt), ZX_ERR_BAD_HANDLE);
    assert_err!(p.handle_close(pmt), ZX_ERR_BAD_HANDLE);
    assert_bti_counts(&p, d.bti, 0, 0);
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 2 * P));
    // The last VMO handle consumed by pmt_unpin frees the VMO.
    let v3 = vmo(&p, P);
    fill(&p, v3, 0, 1, 1);
    assert_err!(p.pmt_unpin(v3), ZX_ERR_WRONG_TYPE);
    assert_eq!(vmo_bytes(&k), 0);
    assert_clean(&k);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn closing_a_pmt_without_unpin_quarantines_its_pins() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 4 * P);
    let (pmt1, a1) = pin(&p, d.bti, RW, v, 0, 2 * P);
    let (pmt2, _) = pin(&p, d.bti, R, v, 2 * P, P);
    assert_bti_counts(&p, d.bti, 2, 0);
    ok!(p.handle_close(pmt1));
    assert_eq!(bti_info(&p, d.bti).quarantine_count, 1);
    // The pages stay pinned.
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, P), ZX_ERR_BAD_STATE);
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, P, P), ZX_ERR_BAD_STATE);
    assert_err!(p.vmo_create_child(v, SNAPSHOT, 0, 4 * P), ZX_ERR_BAD_STATE);
    assert_eq!(addr_of(&p, d.bti, v, 0), a1[0]);
    assert_clean(&k);
    // Releasing needs WRITE on the BTI; without it nothing changes.
    let no_write = dup(&p, d.bti, BTI_RIGHTS & !ZX_RIGHT_WRITE);
    assert_err!(p.bti_release_quarantine(no_write), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.bti_release_quarantine(v), ZX_ERR_WRONG_TYPE);
    assert_err!(p.bti_release_quarantine(ZX_HANDLE_INVALID), ZX_ERR_BAD_HANDLE);
    assert_eq!(bti_info(&p, d.bti).quarantine_count, 1);
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, P), ZX_ERR_BAD_STATE);
    let write_only = dup(&p, d.bti, ZX_RIGHT_WRITE);
    ok!(p.bti_release_quarantine(write_only));
    assert_bti_counts(&p, d.bti, 1, 0);
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 2 * P));
    // The live PMT was not touched by the release.
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 2 * P, P), ZX_ERR_BAD_STATE);
    // Releasing an empty quarantine is fine.
    ok!(p.bti_release_quarantine(d.bti));
    unpin(&p, pmt2);
    assert_bti_counts(&p, d.bti, 0, 0);
    assert_clean(&k);
    close_all(&p, &[no_write, write_only, v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn each_quarantined_pmt_counts_once() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let b2 = d.another_bti(&p);
    let v = vmo(&p, 4 * P);
    for i in 0..3 {
        let (pmt, _) = pin_page(&p, d.bti, v, i);
        ok!(p.handle_close(pmt));
        assert_eq!(bti_info(&p, d.bti).quarantine_count, i + 1);
    }
    let (other, _) = pin_page(&p, b2, v, 3);
    ok!(p.handle_close(other));
    assert_eq!(bti_info(&p, b2).quarantine_count, 1, "each BTI has its own quarantine");
    assert_eq!(bti_info(&p, d.bti).quarantine_count, 3);
    ok!(p.bti_release_quarantine(d.bti));
    assert_eq!(bti_info(&p, d.bti).quarantine_count, 0);
    assert_eq!(bti_info(&p, b2).quarantine_count, 1);
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 3 * P));
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 3 * P, P), ZX_ERR_BAD_STATE);
    ok!(p.bti_release_quarantine(b2));
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 4 * P));
    assert_clean(&k);
    close_all(&p, &[v, b2]);
    d.close(&p);
    assert_no_leak(&k);
}

/// docs/reference.md only says that `ZX_INFO_BTI` reports `pmo_count` and `quarantine_count`. In
/// Zircon a PMT closed without unpin stays on the BTI's list of pinned memory objects while it
/// sits in the quarantine (`BusTransactionInitiatorDispatcher::Quarantine` keeps it in
/// `pinned_memory_`; only its destructor, after `ReleaseQuarantine`, removes it), so it counts
/// in both `pmo_count` and `quarantine_count` until released.
#[test]
fn a_quarantined_pmt_still_counts_in_pmo_count_as_in_zircon() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, P);
    let (pmt, _) = pin_page(&p, d.bti, v, 0);
    ok!(p.handle_close(pmt));
    assert_bti_counts(&p, d.bti, 1, 1);
    ok!(p.bti_release_quarantine(d.bti));
    assert_bti_counts(&p, d.bti, 0, 0);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn a_pmt_outlives_its_bti_handle() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 2 * P);
    let (pmt, _) = pin(&p, d.bti, RW, v, 0, 2 * P);
    ok!(p.handle_close(d.bti));
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, P), ZX_ERR_BAD_STATE);
    assert_clean(&k);
    unpin(&p, pmt);
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 2 * P));
    close_all(&p, &[v, d.iommu, d.root]);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// what pins block
// ---------------------------------------------------------------------------------------------

#[test]
fn decommit_over_a_pinned_page_is_bad_state_and_changes_nothing() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 4 * P);
    fill(&p, v, 0, 4 * P as usize, 0x5C);
    let (pmt, a) = pin_page(&p, d.bti, v, 2);
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 2 * P, P), ZX_ERR_BAD_STATE);
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 4 * P), ZX_ERR_BAD_STATE);
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, P, 2 * P), ZX_ERR_BAD_STATE);
    // All or nothing: the unpinned pages of the range are still there.
    assert_eq!(committed(&p, v), 4 * P);
    assert_bytes(&p, v, 0, 4 * P as usize, 0x5C);
    // The earlier checks of §4 still come first.
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 2 * P, 5 * P), ZX_ERR_OUT_OF_RANGE);
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 2 * P, 0));
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 2 * P + 1, P), ZX_ERR_INVALID_ARGS);
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 2 * P, P + 1), ZX_ERR_INVALID_ARGS);
    // Pages beside it can go.
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 2 * P));
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 3 * P, P));
    assert_eq!(committed(&p, v), P);
    assert_eq!(addr_of(&p, d.bti, v, 2), a);
    unpin(&p, pmt);
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 4 * P));
    assert_eq!(committed(&p, v), 0);
    assert_bytes(&p, v, 0, 4 * P as usize, 0);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn decommit_in_a_cow_relation_is_not_supported_before_the_pin_check() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 2 * P);
    fill(&p, a, 0, 2 * P as usize, 1);
    let c = child(&p, a, SNAPSHOT, 0, 2 * P);
    let (pmt, _) = pin(&p, d.bti, R, c, 0, 2 * P);
    assert_err!(op(&p, c, ZX_VMO_OP_DECOMMIT, 0, P), ZX_ERR_NOT_SUPPORTED);
    assert_err!(op(&p, c, ZX_VMO_OP_DECOMMIT, 1, P), ZX_ERR_NOT_SUPPORTED);
    unpin(&p, pmt);
    close_all(&p, &[c, a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn shrinking_over_a_pinned_page_is_bad_state() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo_opts(&p, 4 * P, ZX_VMO_RESIZABLE);
    fill(&p, v, 0, 4 * P as usize, 0x6D);
    let (pmt, a) = pin_page(&p, d.bti, v, 2);
    for size in [0, P, 2 * P, P + 1] {
        assert_err!(p.vmo_set_size(v, size), ZX_ERR_BAD_STATE, "set_size({size:#x})");
    }
    assert_eq!(ok!(p.vmo_get_size(v)), 4 * P);
    assert_eq!(content_size(&p, v), 4 * P);
    assert_bytes(&p, v, 0, 4 * P as usize, 0x6D);
    // Cutting only past the pinned page works; so does growing.
    ok!(p.vmo_set_size(v, 3 * P));
    ok!(p.vmo_set_size(v, 2 * P + 1)); // rounds up to 3P: page 2 stays
    assert_eq!(ok!(p.vmo_get_size(v)), 3 * P);
    ok!(p.vmo_set_size(v, 8 * P));
    assert_eq!(addr_of(&p, d.bti, v, 2), a);
    assert_clean(&k);
    unpin(&p, pmt);
    ok!(p.vmo_set_size(v, 0));
    assert_eq!(vmo_bytes(&k), 0);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn shrinking_over_a_page_pinned_through_a_reference_is_bad_state() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo_opts(&p, 2 * P, ZX_VMO_RESIZABLE);
    let r = child(&p, v, REFERENCE | ZX_VMO_CHILD_RESIZABLE, 0, 0);
    let (pmt, _) = pin_page(&p, d.bti, r, 1);
    assert_err!(p.vmo_set_size(v, P), ZX_ERR_BAD_STATE);
    assert_err!(p.vmo_set_size(r, P), ZX_ERR_BAD_STATE);
    unpin(&p, pmt);
    ok!(p.vmo_set_size(r, P));
    assert_eq!(ok!(p.vmo_get_size(v)), P);
    close_all(&p, &[r, v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn shrinking_a_snapshot_child_over_its_pinned_page_is_bad_state() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 3 * P);
    fill(&p, a, 0, 3 * P as usize, 0x19);
    let c = child(&p, a, SNAPSHOT | ZX_VMO_CHILD_RESIZABLE, 0, 3 * P);
    let (pmt, _) = pin_page(&p, d.bti, c, 1);
    assert_err!(p.vmo_set_size(c, P), ZX_ERR_BAD_STATE);
    assert_eq!(ok!(p.vmo_get_size(c)), 3 * P);
    assert_bytes(&p, c, 0, 3 * P as usize, 0x19);
    ok!(p.vmo_set_size(c, 2 * P));
    unpin(&p, pmt);
    ok!(p.vmo_set_size(c, P));
    assert_bytes(&p, c, 0, P as usize, 0x19);
    assert_clean(&k);
    close_all(&p, &[c, a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn snapshots_of_a_vmo_with_a_pinned_page_are_bad_state() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 4 * P);
    fill(&p, v, 0, 4 * P as usize, 0x3E);
    let (pmt, _) = pin_page(&p, d.bti, v, 3);
    for opts in [SNAPSHOT, ALOW, MODIFIED, SNAPSHOT | ZX_VMO_CHILD_NO_WRITE] {
        assert_err!(p.vmo_create_child(v, opts, 0, 4 * P), ZX_ERR_BAD_STATE, "options {opts:#x}");
        // Any pinned page of the VMO counts, even outside the child's window.
        assert_err!(
            p.vmo_create_child(v, opts, 0, P),
            ZX_ERR_BAD_STATE,
            "options {opts:#x}, [0, P)"
        );
    }
    // Earlier checks of §5 still come first.
    assert_err!(p.vmo_create_child(v, SNAPSHOT, 1, P), ZX_ERR_INVALID_ARGS);
    // Slices and references share the pages, so they are fine.
    let s = child(&p, v, SLICE, 2 * P, 2 * P);
    let r = child(&p, v, REFERENCE, 0, 0);
    assert_eq!(vmo_info(&p, v).num_children, 2);
    assert_eq!(basic(&p, v).rights & ZX_RIGHT_MAP, ZX_RIGHT_MAP);
    assert_clean(&k);
    unpin(&p, pmt);
    let c = child(&p, v, SNAPSHOT, 0, 4 * P);
    assert_bytes(&p, c, 0, 4 * P as usize, 0x3E);
    close_all(&p, &[c, r, s, v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn zero_zeroes_a_pinned_page_in_place() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 3 * P);
    fill(&p, v, 0, 3 * P as usize, 0x9B);
    let (pmt, a) = pin_page(&p, d.bti, v, 1);
    ok!(op(&p, v, ZX_VMO_OP_ZERO, 0, 3 * P));
    assert_bytes(&p, v, 0, 3 * P as usize, 0);
    // Pages 0 and 2 are released (no parent shows through); page 1 stays, on the same frame.
    assert_eq!(committed(&p, v), P);
    assert_eq!(vmo_bytes(&k), P);
    let (pmt2, a2) = pin_page(&p, d.bti, v, 1);
    assert_eq!(a2, a, "the pinned page must be zeroed in place");
    // A partial ZERO of a pinned page zeroes just those bytes.
    fill(&p, v, P, P as usize, 0x44);
    ok!(op(&p, v, ZX_VMO_OP_ZERO, P + 100, 200));
    assert_bytes(&p, v, P, 100, 0x44);
    assert_bytes(&p, v, P + 100, 200, 0);
    assert_bytes(&p, v, P + 300, P as usize - 300, 0x44);
    assert_eq!(addr_of(&p, d.bti, v, 1), a);
    assert_clean(&k);
    unpin(&p, pmt);
    unpin(&p, pmt2);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn zero_zeroes_a_pinned_page_of_a_snapshot_child_in_place() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 2 * P);
    fill(&p, a, 0, 2 * P as usize, 0xC3);
    let c = child(&p, a, SNAPSHOT, 0, 2 * P);
    let (pmt, ca) = pin_page(&p, d.bti, c, 0);
    ok!(op(&p, c, ZX_VMO_OP_ZERO, 0, 2 * P));
    assert_bytes(&p, c, 0, 2 * P as usize, 0);
    assert_bytes(&p, a, 0, 2 * P as usize, 0xC3);
    assert_eq!(addr_of(&p, d.bti, c, 0), ca);
    assert_clean(&k);
    unpin(&p, pmt);
    close_all(&p, &[c, a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn transfer_data_touching_a_pinned_page_is_bad_state_on_either_side() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let src = vmo(&p, 2 * P);
    let dst = vmo(&p, 2 * P);
    fill(&p, src, 0, 2 * P as usize, 0x51);
    fill(&p, dst, 0, 2 * P as usize, 0xD5);
    let (pmt, _) = pin_page(&p, d.bti, src, 1);
    assert_err!(p.vmo_transfer_data(dst, 0, 0, 2 * P, src, 0), ZX_ERR_BAD_STATE);
    // A range that misses the pinned page works.
    ok!(p.vmo_transfer_data(dst, 0, 0, P, src, 0));
    assert_bytes(&p, dst, 0, P as usize, 0x51);
    assert_bytes(&p, src, 0, P as usize, 0);
    unpin(&p, pmt);
    // Pinned on the dst side, through a slice.
    fill(&p, src, 0, 2 * P as usize, 0x52);
    let s = child(&p, dst, SLICE, P, P);
    let (pmt, _) = pin_page(&p, d.bti, s, 0);
    assert_err!(p.vmo_transfer_data(dst, 0, P, P, src, 0), ZX_ERR_BAD_STATE);
    assert_err!(p.vmo_transfer_data(s, 0, 0, P, src, 0), ZX_ERR_BAD_STATE);
    assert_bytes(&p, dst, P, P as usize, 0xD5);
    assert_bytes(&p, src, 0, 2 * P as usize, 0x52);
    assert_clean(&k);
    unpin(&p, pmt);
    ok!(p.vmo_transfer_data(dst, 0, P, P, src, 0));
    assert_bytes(&p, s, 0, P as usize, 0x52);
    close_all(&p, &[s, src, dst]);
    d.close(&p);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// pinned VMOs and children whose handles are gone
// ---------------------------------------------------------------------------------------------

#[test]
fn a_pinned_snapshot_child_without_handles_still_counts_as_a_child() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 2 * P);
    fill(&p, a, 0, 2 * P as usize, 0x1F);
    assert!(zero_children(&p, a));
    let c = child(&p, a, SNAPSHOT, 0, 2 * P);
    let (pmt, _) = pin(&p, d.bti, R, c, 0, P);
    ok!(p.handle_close(c));
    assert!(!zero_children(&p, a), "ZERO_CHILDREN must stay clear while the child is pinned");
    assert_eq!(vmo_info(&p, a).num_children, 1);
    assert_clean(&k);
    unpin(&p, pmt);
    assert!(zero_children(&p, a));
    assert_eq!(vmo_info(&p, a).num_children, 0);
    assert_bytes(&p, a, 0, 2 * P as usize, 0x1F);
    assert_eq!(vmo_bytes(&k), 2 * P);
    close_all(&p, &[a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn a_pinned_slice_without_handles_still_counts_until_its_quarantine_is_released() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 2 * P);
    let s = child(&p, a, SLICE, P, P);
    let (pmt, _) = pin_page(&p, d.bti, s, 0);
    ok!(p.handle_close(s));
    ok!(p.handle_close(pmt)); // quarantined
    assert!(!zero_children(&p, a));
    assert_eq!(vmo_info(&p, a).num_children, 1);
    assert_err!(op(&p, a, ZX_VMO_OP_DECOMMIT, P, P), ZX_ERR_BAD_STATE);
    assert_clean(&k);
    ok!(p.bti_release_quarantine(d.bti));
    assert!(zero_children(&p, a));
    assert_eq!(vmo_info(&p, a).num_children, 0);
    ok!(op(&p, a, ZX_VMO_OP_DECOMMIT, 0, 2 * P));
    close_all(&p, &[a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn closing_a_pinned_vmo_keeps_its_pinned_pages_until_unpinned() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 4 * P);
    fill(&p, v, 0, 4 * P as usize, 0x2B);
    let (pmt, _) = pin(&p, d.bti, R, v, P, 2 * P);
    ok!(p.handle_close(v));
    let held = vmo_bytes(&k);
    assert!(held >= 2 * P, "pinned pages must stay allocated: vmo_bytes {held:#x}");
    assert!(free_bytes(&k) <= k.kmem_stats().total_bytes - 2 * P);
    assert_clean(&k);
    unpin(&p, pmt);
    assert_no_leak(&k);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn closing_a_pinned_vmo_keeps_its_pages_until_the_quarantine_is_released() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 3 * P);
    let (pmt, _) = pin(&p, d.bti, RW, v, 0, 3 * P);
    ok!(p.handle_close(v));
    ok!(p.handle_close(pmt));
    assert_eq!(bti_info(&p, d.bti).quarantine_count, 1);
    assert!(vmo_bytes(&k) >= 3 * P, "quarantined pages must stay allocated");
    assert_clean(&k);
    ok!(p.bti_release_quarantine(d.bti));
    assert_eq!(bti_info(&p, d.bti).quarantine_count, 0);
    assert_no_leak(&k);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn a_pinned_child_whose_parent_and_handles_are_gone_is_freed_on_unpin() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 2 * P);
    fill(&p, a, 0, 2 * P as usize, 0x64);
    let c = child(&p, a, SNAPSHOT, 0, 2 * P);
    let (pmt, _) = pin_page(&p, d.bti, c, 1);
    close_all(&p, &[a, c]);
    assert!(vmo_bytes(&k) >= P);
    assert_clean(&k);
    unpin(&p, pmt);
    assert_no_leak(&k);
    d.close(&p);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// contiguous VMOs
// ---------------------------------------------------------------------------------------------

#[test]
fn contiguous_create_argument_checks() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    // size 0 and a bad alignment are INVALID_ARGS, before the BTI handle is looked up.
    for bti in [d.bti, ZX_HANDLE_INVALID] {
        assert_err!(p.vmo_create_contiguous(bti, 0, 0), ZX_ERR_INVALID_ARGS);
        assert_err!(p.vmo_create_contiguous(bti, 0, 12), ZX_ERR_INVALID_ARGS);
        for align in (1..12).chain([65, 100, u32::MAX]) {
            assert_err!(
                p.vmo_create_contiguous(bti, P, align),
                ZX_ERR_INVALID_ARGS,
                "alignment_log2 {align}"
            );
        }
    }
    // The BTI handle (Zircon: it needs MAP).
    let v = vmo(&p, P);
    assert_err!(p.vmo_create_contiguous(ZX_HANDLE_INVALID, P, 0), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmo_create_contiguous(v, P, 0), ZX_ERR_WRONG_TYPE);
    assert_err!(p.vmo_create_contiguous(d.iommu, P, 0), ZX_ERR_WRONG_TYPE);
    let no_map = dup(&p, d.bti, BTI_RIGHTS & !ZX_RIGHT_MAP);
    assert_err!(p.vmo_create_contiguous(no_map, P, 0), ZX_ERR_ACCESS_DENIED);
    // 0 and every value in 12..=64 are valid arguments (64 may find no run: NO_MEMORY).
    for align in [0u32, 12, 13, 16, 20] {
        let c = ok!(p.vmo_create_contiguous(d.bti, P, align));
        ok!(p.handle_close(c));
    }
    for align in [40u32, 63, 64] {
        match p.vmo_create_contiguous(d.bti, P, align) {
            Ok(c) => ok!(p.handle_close(c)),
            Err(s) => assert_eq!(s, st(ZX_ERR_NO_MEMORY), "alignment_log2 {align}"),
        }
    }
    assert_eq!(vmo_bytes(&k), 0);
    close_all(&p, &[no_map, v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn contiguous_vmos_are_committed_consecutive_and_report_contiguous() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let c = ok!(p.vmo_create_contiguous(d.bti, 8 * P, 0));
    assert_eq!(ok!(p.vmo_get_size(c)), 8 * P);
    let info = vmo_info(&p, c);
    assert_eq!(info.committed_bytes, 8 * P, "committed from creation");
    assert_eq!(info.flags & ZX_INFO_VMO_CONTIGUOUS, ZX_INFO_VMO_CONTIGUOUS);
    assert_eq!(info.flags & ZX_INFO_VMO_TYPE_PAGED, ZX_INFO_VMO_TYPE_PAGED);
    assert_eq!(info.flags & ZX_INFO_VMO_IS_COW_CLONE, 0);
    assert_eq!(rights_of(&p, c), VMO_RIGHTS);
    assert_eq!(vmo_bytes(&k), 8 * P);
    assert_bytes(&p, c, 0, 8 * P as usize, 0);
    let (pmt, addrs) = pin(&p, d.bti, RW, c, 0, 8 * P);
    for (i, &a) in addrs.iter().enumerate() {
        assert_ram_addr(a);
        assert_eq!(a, addrs[0] + i as u64 * P, "page {i} not physically consecutive");
    }
    let (pmt1, one) = pin(&p, d.bti, R | CONTIG, c, 0, 8 * P);
    assert_eq!(one, vec![addrs[0]]);
    let (pmt2, mid) = pin(&p, d.bti, R | CONTIG, c, 3 * P, 2 * P);
    assert_eq!(mid, vec![addrs[3]]);
    // Reads and writes work; nothing new is committed.
    let data = pattern(3, 8 * P as usize);
    ok!(p.vmo_write(c, &data, 0));
    assert_eq!(read_vec(&p, c, 0, 8 * P as usize), data);
    assert_eq!(vmo_bytes(&k), 8 * P);
    assert_clean(&k);
    for h in [pmt, pmt1, pmt2] {
        unpin(&p, h);
    }
    close_all(&p, &[c]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn contiguous_alignment_is_honoured() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    // A one-page VMO first, so that the aligned ones do not start at RAM's base by luck.
    let first = ok!(p.vmo_create_contiguous(d.bti, P, 0));
    let mut hs = vec![first];
    for align in [13u32, 16, 17, 20, 21] {
        let c = ok!(p.vmo_create_contiguous(d.bti, 3 * P, align));
        let (pmt, a) = pin(&p, d.bti, R | CONTIG, c, 0, 3 * P);
        assert_eq!(a[0] % (1u64 << align), 0, "alignment_log2 {align}: address {:#x}", a[0]);
        assert_ram_addr(a[0]);
        unpin(&p, pmt);
        hs.push(c);
    }
    assert_eq!(vmo_bytes(&k), 16 * P);
    assert_clean(&k);
    close_all(&p, &hs);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn contiguous_vmos_cannot_decommit_or_snapshot_but_slices_work() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let c = ok!(p.vmo_create_contiguous(d.bti, 4 * P, 0));
    fill(&p, c, 0, 4 * P as usize, 0x4C);
    assert_err!(op(&p, c, ZX_VMO_OP_DECOMMIT, 0, 4 * P), ZX_ERR_NOT_SUPPORTED);
    assert_err!(op(&p, c, ZX_VMO_OP_DECOMMIT, P, P), ZX_ERR_NOT_SUPPORTED);
    assert_err!(p.vmo_create_child(c, SNAPSHOT, 0, 4 * P), ZX_ERR_INVALID_ARGS);
    // §5: a snapshot of a contiguous parent is INVALID_ARGS, its alignment check comes first.
    assert_err!(p.vmo_create_child(c, SNAPSHOT, 1, 4 * P), ZX_ERR_INVALID_ARGS);
    // §5: a reference of a contiguous parent is NOT_SUPPORTED.
    assert_err!(p.vmo_create_child(c, REFERENCE, 0, 0), ZX_ERR_NOT_SUPPORTED);
    assert_eq!(committed(&p, c), 4 * P);
    assert_bytes(&p, c, 0, 4 * P as usize, 0x4C);
    // Slices share the pages both ways and pin to the parent's frames.
    let base = addr_of(&p, d.bti, c, 0);
    let s = child(&p, c, SLICE, P, 2 * P);
    fill(&p, s, 0, 1, 0x01);
    assert_bytes(&p, c, P, 1, 0x01);
    fill(&p, c, 2 * P, 1, 0x02);
    assert_bytes(&p, s, P, 1, 0x02);
    let (pmt, a) = pin(&p, d.bti, R, s, 0, 2 * P);
    assert_eq!(a, vec![base + P, base + 2 * P]);
    // Zircon: a slice of a contiguous VMO is contiguous itself, so CONTIGUOUS pins work on it.
    let (pmt2, a2) = pin(&p, d.bti, R | CONTIG, s, 0, 2 * P);
    assert_eq!(a2, vec![base + P]);
    assert_eq!(vmo_info(&p, s).committed_bytes, 0, "a slice shows no committed bytes");
    unpin(&p, pmt);
    unpin(&p, pmt2);
    // ZERO keeps the pages committed, in place.
    ok!(op(&p, c, ZX_VMO_OP_ZERO, 0, 4 * P));
    assert_bytes(&p, c, 0, 4 * P as usize, 0);
    assert_eq!(committed(&p, c), 4 * P);
    assert_eq!(addr_of(&p, d.bti, c, 0), base);
    assert_eq!(addr_of(&p, d.bti, c, 3), base + 3 * P);
    assert_clean(&k);
    close_all(&p, &[s, c]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn contiguous_without_a_free_run_is_no_memory() {
    let k = Kernel::new(KernelConfig { memory_bytes: 16 * P, ..KernelConfig::default() });
    let p = k.create_process();
    let d = Dev::new(&p);
    assert_err!(p.vmo_create_contiguous(d.bti, 17 * P, 0), ZX_ERR_NO_MEMORY);
    assert_no_leak(&k);
    // All of RAM is one run.
    let c = ok!(p.vmo_create_contiguous(d.bti, 16 * P, 0));
    assert_eq!(free_bytes(&k), 0);
    assert_err!(p.vmo_create_contiguous(d.bti, P, 0), ZX_ERR_NO_MEMORY);
    let v = vmo(&p, P);
    assert_err!(p.vmo_write(v, &[1], 0), ZX_ERR_NO_MEMORY);
    close_all(&p, &[c]);
    assert_no_leak(&k);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn contiguous_in_fragmented_memory_is_no_memory() {
    let k = Kernel::new(KernelConfig { memory_bytes: 16 * P, ..KernelConfig::default() });
    let p = k.create_process();
    let d = Dev::new(&p);
    // Take every frame, learn where each page lives, then give back every other frame.
    let v = vmo(&p, 16 * P);
    ok!(op(&p, v, ZX_VMO_OP_COMMIT, 0, 16 * P));
    let (pmt, addrs) = pin(&p, d.bti, R, v, 0, 16 * P);
    unpin(&p, pmt);
    for (i, a) in addrs.iter().enumerate() {
        if (a / P) % 2 == 1 {
            ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, i as u64 * P, P));
        }
    }
    assert_eq!(free_bytes(&k), 8 * P);
    // Eight free frames, no two of them adjacent.
    assert_err!(p.vmo_create_contiguous(d.bti, 2 * P, 0), ZX_ERR_NO_MEMORY);
    assert_eq!(free_bytes(&k), 8 * P);
    let c = ok!(p.vmo_create_contiguous(d.bti, P, 0));
    assert_clean(&k);
    close_all(&p, &[c, v]);
    d.close(&p);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// physical VMOs
// ---------------------------------------------------------------------------------------------

/// The default device window.
fn window() -> (u64, u64) {
    let c = KernelConfig::default();
    (c.device_memory_base, c.device_memory_bytes)
}

#[test]
fn physical_create_checks() {
    let (k, p) = setup();
    let root = ok!(p.root_resource());
    let (base, len) = window();
    assert!(len >= 4 * P && base % P == 0);
    assert!(!ram_range().contains(&base), "the device window lies outside RAM");
    // The resource first (Zircon checks it before the range).
    let v = vmo(&p, P);
    assert_err!(p.vmo_create_physical(v, base, P), ZX_ERR_WRONG_TYPE);
    assert_err!(p.vmo_create_physical(v, base + 1, P), ZX_ERR_WRONG_TYPE);
    assert_err!(p.vmo_create_physical(ZX_HANDLE_INVALID, base, P), ZX_ERR_BAD_HANDLE);
    let d = Dev::new(&p);
    assert_err!(p.vmo_create_physical(d.bti, base, P), ZX_ERR_WRONG_TYPE);
    assert_err!(p.vmo_create_physical(d.iommu, base, P), ZX_ERR_WRONG_TYPE);
    // Alignment.
    assert_err!(p.vmo_create_physical(root, base + 1, P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmo_create_physical(root, base, P + 1), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmo_create_physical(root, base, 100), ZX_ERR_INVALID_ARGS);
    // Outside the window.
    let ram = ram_range().start;
    assert_err!(p.vmo_create_physical(root, ram, P), ZX_ERR_OUT_OF_RANGE);
    assert_err!(p.vmo_create_physical(root, base - P, P), ZX_ERR_OUT_OF_RANGE);
    assert_err!(p.vmo_create_physical(root, base - P, 2 * P), ZX_ERR_OUT_OF_RANGE);
    assert_err!(p.vmo_create_physical(root, base + len, P), ZX_ERR_OUT_OF_RANGE);
    assert_err!(p.vmo_create_physical(root, base + len - P, 2 * P), ZX_ERR_OUT_OF_RANGE);
    assert_err!(p.vmo_create_physical(root, base, len + P), ZX_ERR_OUT_OF_RANGE);
    assert_err!(p.vmo_create_physical(root, TOP_PAGE, P), ZX_ERR_OUT_OF_RANGE);
    assert_err!(p.vmo_create_physical(root, base + P, TOP_PAGE), ZX_ERR_OUT_OF_RANGE);
    // The whole window, and its last page, are fine.
    let all = ok!(p.vmo_create_physical(root, base, len));
    assert_eq!(ok!(p.vmo_get_size(all)), len);
    let last = ok!(p.vmo_create_physical(root, base + len - P, P));
    assert_eq!(ok!(p.vmo_get_size(last)), P);
    assert_eq!(free_bytes(&k), k.kmem_stats().total_bytes, "device memory is not RAM");
    close_all(&p, &[all, last, v, root]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn physical_vmos_read_write_and_share_device_memory() {
    let (k, p) = setup();
    let root = ok!(p.root_resource());
    let (base, _) = window();
    let a = ok!(p.vmo_create_physical(root, base, 2 * P));
    let b = ok!(p.vmo_create_physical(root, base, 2 * P));
    let c = ok!(p.vmo_create_physical(root, base + P, P));
    let data = pattern(9, 2 * P as usize);
    ok!(p.vmo_write(a, &data, 0));
    assert_eq!(read_vec(&p, a, 0, 2 * P as usize), data);
    assert_eq!(read_vec(&p, b, 0, 2 * P as usize), data, "same address, same bytes");
    assert_eq!(read_vec(&p, c, 0, P as usize), &data[P as usize..], "offset window");
    fill(&p, c, 10, 5, 0xEE);
    assert_bytes(&p, a, P + 10, 5, 0xEE);
    assert_bytes(&p, b, P + 10, 5, 0xEE);
    // Range checks as for any VMO.
    assert_err!(p.vmo_write(c, &[1, 2], P - 1), ZX_ERR_OUT_OF_RANGE);
    // No RAM is used.
    let s = k.kmem_stats();
    assert_eq!((s.free_bytes, s.vmo_bytes), (s.total_bytes, 0));
    // Silent in docs/reference.md; as on real hardware (Zircon maps the same device frames), the
    // bytes live in the device, not in the VMO: a new VMO over them still sees them.
    close_all(&p, &[a, b, c]);
    let again = ok!(p.vmo_create_physical(root, base + P, P));
    assert_bytes(&p, again, 10, 5, 0xEE);
    close_all(&p, &[again, root]);
    assert_no_leak(&k);
}

#[test]
fn physical_vmos_report_physical_type_and_no_committed_bytes() {
    let (k, p) = setup();
    let root = ok!(p.root_resource());
    let (base, _) = window();
    let v = ok!(p.vmo_create_physical(root, base + 2 * P, 3 * P));
    fill(&p, v, 0, 3 * P as usize, 0x80);
    let info = vmo_info(&p, v);
    assert_eq!(info.flags & ZX_INFO_VMO_TYPE_PAGED, 0, "flag bit 0 (TYPE_PAGED) must be clear");
    assert_eq!(info.flags & ZX_INFO_VMO_IS_COW_CLONE, 0);
    assert_eq!(info.committed_bytes, 0);
    assert_eq!(info.size_bytes, 3 * P);
    assert_eq!(basic(&p, v).type_, ZX_OBJ_TYPE_VMO);
    close_all(&p, &[v, root]);
    assert_no_leak(&k);
}

#[test]
fn physical_vmos_are_never_cow_cloned() {
    let (k, p) = setup();
    let root = ok!(p.root_resource());
    let (base, _) = window();
    let v = ok!(p.vmo_create_physical(root, base, 2 * P));
    for opts in [SNAPSHOT, ALOW, MODIFIED] {
        assert_err!(
            p.vmo_create_child(v, opts, 0, 2 * P),
            ZX_ERR_NOT_SUPPORTED,
            "options {opts:#x}"
        );
    }
    assert_eq!(vmo_info(&p, v).num_children, 0);
    close_all(&p, &[v, root]);
    assert_no_leak(&k);
}

/// docs/reference.md does not say what pinning a physical VMO does. In Zircon it works: a physical
/// VMO is always "committed", and the addresses reported are the device addresses it covers.
#[test]
fn pinning_a_physical_vmo_reports_its_device_addresses_as_in_zircon() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let (base, _) = window();
    let v = ok!(p.vmo_create_physical(d.root, base + 4 * P, 3 * P));
    let (pmt, addrs) = pin(&p, d.bti, RW, v, P, 2 * P);
    assert_eq!(addrs, vec![base + 5 * P, base + 6 * P]);
    assert_eq!(vmo_bytes(&k), 0);
    unpin(&p, pmt);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}
