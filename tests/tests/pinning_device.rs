//! Conformance tests for docs/reference.md §7, part 3: contiguous VMOs and physical VMOs.
//!
//! Shared helpers: `tests/src/pinning.rs`.

use zx_conformance::pinning::*;
use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig};

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
