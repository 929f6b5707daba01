//! Conformance tests for docs/reference.md §7, part 1: the root resource, IOMMUs and BTIs, and the
//! check order of `bti_pin`.
//!
//! Every test ends with `check_invariants` (page pin counts agree with the pins held) and, once
//! every handle is closed and every pin released, `free_bytes == total_bytes`.
//!
//! Shared helpers: `tests/src/pinning.rs`.

use zx_conformance::pinning::*;
use zx_conformance::*;
use zx_kernel::zx::*;

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
