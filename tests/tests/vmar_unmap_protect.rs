//! `vmar_unmap` (docs/reference.md §11.5), `vmar_protect` (§11.6), `vmar_op_range` (§11.7)
//! and `vmar_destroy` (§11.8): one test per check, and their effects.

use zx_conformance::vmar::*;
use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::Access;

// ---- vmar_unmap ---------------------------------------------------------------------------

#[test]
fn unmap_1_lookup() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    assert_err!(p.vmar_unmap(999, BASE, P), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmar_unmap(v, BASE, P), ZX_ERR_WRONG_TYPE);
    // No right is needed.
    let bare = ok!(p.handle_duplicate(p.vmar_root_self(), 0));
    ok!(p.vmar_unmap(bare, BASE, P));
    finish(&k, &p, &[v, bare]);
}

#[test]
fn unmap_2_3_unaligned_address_or_empty_length() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    assert_err!(p.vmar_unmap(root, BASE + 1, P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_unmap(root, BASE, 0), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_unmap(root, BASE, u64::MAX), ZX_ERR_INVALID_ARGS);
    finish(&k, &p, &[]);
}

#[test]
fn unmap_4_destroyed() {
    let (k, p) = setup();
    let (s, base) = sub(&p, 0, 0, 4);
    ok!(p.vmar_destroy(s));
    assert_err!(p.vmar_unmap(s, base + 8 * P, P), ZX_ERR_BAD_STATE);
    finish(&k, &p, &[s]);
}

#[test]
fn unmap_5_range_outside_the_vmar() {
    let (k, p) = setup();
    let (s, base) = sub(&p, 0, 0, 4);
    assert_err!(p.vmar_unmap(s, base + 3 * P, 2 * P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_unmap(s, base - P, P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_unmap(p.vmar_root_self(), BASE - P, P), ZX_ERR_INVALID_ARGS);
    // A length that rounds up to a page count but runs past the top of the address space.
    assert_err!(p.vmar_unmap(s, base, u64::MAX - 2 * P), ZX_ERR_INVALID_ARGS);
    ok!(p.vmar_unmap(s, base, 4 * P)); // all gap: fine
    finish(&k, &p, &[s]);
}

#[test]
fn unmap_6_sub_vmars_partly_inside_or_without_op_children() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let (s, base) = sub(&p, 0, 0, 4);
    assert_err!(p.vmar_unmap(root, base + P, P), ZX_ERR_INVALID_ARGS);
    let no_children = ok!(p.handle_duplicate(root, ZX_DEFAULT_VMAR_RIGHTS & !ZX_RIGHT_OP_CHILDREN));
    assert_err!(p.vmar_unmap(no_children, base, 4 * P), ZX_ERR_INVALID_ARGS);
    ok!(p.vmar_unmap(root, base, 4 * P));
    assert_err!(p.vmar_map(s, 0, 0, 0, 0, 0), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmar_unmap(s, base, P), ZX_ERR_BAD_STATE, "destroyed by the unmap");
    finish(&k, &p, &[s, no_children]);
}

#[test]
fn unmapping_the_middle_splits_and_the_ends_trim() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let v = vmo(&p, 6 * P);
    for i in 0..6 {
        tag(&p, v, i, i as u8 + 1);
    }
    let base = map(&p, v, R, 6);
    ok!(p.vmar_unmap(root, base + 2 * P, 2 * P));
    assert_eq!(vmo_info(&p, v).num_mappings, 2);
    assert_eq!(peek(&p, base + 2 * P), Err(fault(base + 2 * P, Access::Read, ZX_ERR_NOT_FOUND)));
    assert_eq!(peek(&p, base + 4 * P), Ok(5), "the upper part keeps its VMO offset");
    ok!(p.vmar_unmap(root, base, P));
    assert_eq!(peek(&p, base + P), Ok(2));
    assert_eq!(
        mappings(&process_maps(&p)),
        vec![(base + P, P, R, P), (base + 4 * P, 2 * P, R, 4 * P)]
    );
    assert_clean(&k);
    ok!(p.vmar_unmap(root, base, 6 * P));
    finish(&k, &p, &[v]);
}

// ---- vmar_protect -------------------------------------------------------------------------

#[test]
fn protect_1_lookup_with_the_rights_asked() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    assert_err!(p.vmar_protect(999, R, BASE, P), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmar_protect(v, R, BASE, P), ZX_ERR_WRONG_TYPE);
    let ro = ok!(p.handle_duplicate(p.vmar_root_self(), ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ));
    assert_err!(p.vmar_protect(ro, RW, BASE + 1, P), ZX_ERR_ACCESS_DENIED);
    // XOM: READ_IF_XOM_UNSUPPORTED asks for READ as well.
    let none = ok!(p.handle_duplicate(p.vmar_root_self(), ZX_DEFAULT_VMAR_RIGHTS));
    assert_err!(
        p.vmar_protect(none, ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED, BASE, P),
        ZX_ERR_ACCESS_DENIED
    );
    finish(&k, &p, &[v, ro, none]);
}

#[test]
fn protect_2_to_5_argument_checks_in_order() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    assert_err!(p.vmar_protect(root, ZX_VM_PERM_WRITE, BASE + 1, 0), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_protect(root, R, BASE + 1, 0), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_protect(root, R | ZX_VM_SPECIFIC, BASE, P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_protect(root, R | ZX_VM_ALIGN_1MB, BASE, P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_protect(root, R, BASE, 0), ZX_ERR_INVALID_ARGS);
    finish(&k, &p, &[]);
}

#[test]
fn protect_6_7_destroyed_then_outside() {
    let (k, p) = setup();
    let (s, base) = sub(&p, ZX_VM_CAN_MAP_READ, 0, 2);
    assert_err!(p.vmar_protect(s, R, base + P, 2 * P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_protect(s, R, base, u64::MAX - 2 * P), ZX_ERR_INVALID_ARGS);
    ok!(p.vmar_destroy(s));
    assert_err!(p.vmar_protect(s, R, base + P, 2 * P), ZX_ERR_BAD_STATE);
    finish(&k, &p, &[s]);
}

#[test]
fn protect_8_gaps_max_and_sub_vmars() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let v = vmo(&p, 4 * P);
    let ro_vmo = dup(&p, v, VMO_RIGHTS & !ZX_RIGHT_WRITE);
    map_at(&p, P, v, 0, RW, 1);
    // Gap before the first mapping.
    assert_err!(p.vmar_protect(root, R, BASE, 2 * P), ZX_ERR_NOT_FOUND);
    // Uncovered tail.
    assert_err!(p.vmar_protect(root, R, BASE + P, 2 * P), ZX_ERR_NOT_FOUND);
    // Beyond max: max is READ only for a mapping made through a handle without WRITE.
    map_at(&p, 2 * P, ro_vmo, P, R, 1);
    assert_err!(p.vmar_protect(root, RW, BASE + P, 2 * P), ZX_ERR_ACCESS_DENIED);
    // Nothing changed by the failures.
    p.write_mapped(BASE + P, b"w").unwrap();
    // In a sub-VMAR: lowering is fine, gaining is not, and OP_CHILDREN is needed.
    let (s, sbase) = ok!(p.vmar_allocate(
        root,
        ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_SPECIFIC,
        8 * P,
        2 * P
    ));
    ok!(p.vmar_map(s, R, 0, v, 0, 2 * P));
    assert_err!(p.vmar_protect(root, RW, sbase, 2 * P), ZX_ERR_ACCESS_DENIED);
    let no_children = ok!(
        p.handle_duplicate(root, ZX_DEFAULT_VMAR_RIGHTS & !ZX_RIGHT_OP_CHILDREN | ZX_RIGHT_READ)
    );
    assert_err!(p.vmar_protect(no_children, R, sbase, 2 * P), ZX_ERR_INVALID_ARGS);
    ok!(p.vmar_protect(root, 0, sbase, P));
    ok!(p.vmar_protect(s, RW, sbase, 2 * P));
    // An empty sub-VMAR is a gap.
    let (e, ebase) = ok!(p.vmar_allocate(root, ZX_VM_SPECIFIC, 12 * P, P));
    assert_err!(p.vmar_protect(root, R, ebase, P), ZX_ERR_NOT_FOUND);
    ok!(p.vmar_unmap(root, BASE, 12 * P));
    finish(&k, &p, &[v, ro_vmo, s, no_children, e]);
}

#[test]
fn protect_is_per_page_and_never_splits() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let v = vmo(&p, 3 * P);
    let base = map(&p, v, RW, 3);
    ok!(p.vmar_protect(root, R, base + P, P));
    assert_eq!(vmo_info(&p, v).num_mappings, 1);
    p.write_mapped(base, b"a").unwrap();
    assert_eq!(
        p.write_mapped(base + P, b"b"),
        Err(fault(base + P, Access::Write, ZX_ERR_ACCESS_DENIED))
    );
    p.write_mapped(base + 2 * P, b"c").unwrap();
    let m = mappings(&process_maps(&p));
    assert_eq!(m, vec![(base, P, RW, 0), (base + P, P, R, P), (base + 2 * P, P, RW, 2 * P)]);
    ok!(p.vmar_protect(root, RW, base, 3 * P));
    assert_eq!(mappings(&process_maps(&p)), vec![(base, 3 * P, RW, 0)]);
    ok!(p.vmar_unmap(root, base, 3 * P));
    finish(&k, &p, &[v]);
}

// ---- vmar_op_range ------------------------------------------------------------------------

#[test]
fn op_range_1_to_5_handle_op_rights_buffer_and_range() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let v = vmo(&p, P);
    assert_err!(p.vmar_op_range(999, ZX_VMAR_OP_COMMIT, BASE, P, &mut []), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmar_op_range(v, ZX_VMAR_OP_COMMIT, BASE, P, &mut []), ZX_ERR_WRONG_TYPE);
    for bad in [0, 4, 5, 11, 15] {
        assert_err!(p.vmar_op_range(root, bad, BASE, P, &mut []), ZX_ERR_INVALID_ARGS);
    }
    let ro = ok!(p.handle_duplicate(root, ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ));
    for op in [ZX_VMAR_OP_COMMIT, ZX_VMAR_OP_DECOMMIT, ZX_VMAR_OP_ZERO] {
        assert_err!(p.vmar_op_range(ro, op, BASE + 1, 0, &mut [0]), ZX_ERR_ACCESS_DENIED);
    }
    let wo = ok!(p.handle_duplicate(root, ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_WRITE));
    for op in [ZX_VMAR_OP_MAP_RANGE, ZX_VMAR_OP_PREFETCH] {
        assert_err!(p.vmar_op_range(wo, op, BASE + 1, 0, &mut [0]), ZX_ERR_ACCESS_DENIED);
    }
    assert_err!(
        p.vmar_op_range(root, ZX_VMAR_OP_COMMIT, BASE + 1, 0, &mut [0]),
        ZX_ERR_INVALID_ARGS
    );
    assert_err!(p.vmar_op_range(root, ZX_VMAR_OP_COMMIT, BASE, 0, &mut []), ZX_ERR_INVALID_ARGS);
    assert_err!(
        p.vmar_op_range(root, ZX_VMAR_OP_COMMIT, BASE + 1, P, &mut []),
        ZX_ERR_INVALID_ARGS
    );
    finish(&k, &p, &[v, ro, wo]);
}

#[test]
fn op_range_6_7_outside_then_destroyed() {
    let (k, p) = setup();
    let (s, base) = sub(&p, 0, 0, 2);
    assert_err!(
        p.vmar_op_range(s, ZX_VMAR_OP_DONT_NEED, base, 3 * P, &mut []),
        ZX_ERR_OUT_OF_RANGE
    );
    ok!(p.vmar_destroy(s));
    assert_err!(p.vmar_op_range(s, ZX_VMAR_OP_DONT_NEED, base, P, &mut []), ZX_ERR_BAD_STATE);
    assert_err!(
        p.vmar_op_range(s, ZX_VMAR_OP_DONT_NEED, base, 3 * P, &mut []),
        ZX_ERR_OUT_OF_RANGE
    );
    finish(&k, &p, &[s]);
}

#[test]
fn op_range_8_9_gaps_sub_vmars_and_max() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let v = vmo(&p, 4 * P);
    let ro_vmo = dup(&p, v, VMO_RIGHTS & !ZX_RIGHT_WRITE);
    map_at(&p, P, v, 0, RW, 1);
    assert_err!(p.vmar_op_range(root, ZX_VMAR_OP_COMMIT, BASE, 2 * P, &mut []), ZX_ERR_BAD_STATE);
    assert_err!(
        p.vmar_op_range(root, ZX_VMAR_OP_COMMIT, BASE + P, 2 * P, &mut []),
        ZX_ERR_BAD_STATE
    );
    map_at(&p, 2 * P, ro_vmo, P, R, 1);
    assert_err!(
        p.vmar_op_range(root, ZX_VMAR_OP_COMMIT, BASE + P, 2 * P, &mut []),
        ZX_ERR_ACCESS_DENIED
    );
    assert_eq!(committed(&p, v), 0, "the first mapping was not committed either");
    // Current protection does not matter, only max.
    ok!(p.vmar_protect(root, 0, BASE + P, P));
    ok!(p.vmar_op_range(root, ZX_VMAR_OP_COMMIT, BASE + P, P, &mut []));
    assert_eq!(committed(&p, v), P);
    let (s, sbase) = ok!(p.vmar_allocate(
        root,
        ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE | ZX_VM_SPECIFIC,
        8 * P,
        P
    ));
    ok!(p.vmar_map(s, RW, 0, v, 0, P));
    assert_err!(p.vmar_op_range(root, ZX_VMAR_OP_COMMIT, sbase, P, &mut []), ZX_ERR_INVALID_ARGS);
    ok!(p.vmar_op_range(root, ZX_VMAR_OP_ZERO, sbase, P, &mut []));
    ok!(p.vmar_unmap(root, BASE, 12 * P));
    finish(&k, &p, &[v, ro_vmo, s]);
}

#[test]
fn op_range_10_vmo_errors_change_nothing() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let plain = vmo(&p, P);
    let parent = vmo(&p, P);
    let cow = snap(&p, parent, 0, P);
    fill(&p, plain, 0, 8, 4);
    map_at(&p, 0, plain, 0, RW, 1);
    map_at(&p, P, cow, 0, RW, 1);
    assert_err!(
        p.vmar_op_range(root, ZX_VMAR_OP_DECOMMIT, BASE, 2 * P, &mut []),
        ZX_ERR_NOT_SUPPORTED
    );
    assert_eq!(committed(&p, plain), P, "the first mapping's VMO kept its page");
    ok!(p.vmar_op_range(root, ZX_VMAR_OP_DECOMMIT, BASE, P, &mut []));
    assert_eq!(committed(&p, plain), 0);
    ok!(p.vmar_unmap(root, BASE, 2 * P));
    finish(&k, &p, &[plain, parent, cow]);
}

#[test]
fn op_range_decommit_meets_a_pinned_page_before_changing_anything() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let (first, second) = (vmo(&p, P), vmo(&p, P));
    fill(&p, first, 0, 8, 1);
    fill(&p, second, 0, 8, 2);
    map_at(&p, 0, first, 0, RW, 1);
    map_at(&p, P, second, 0, RW, 1);
    let dev = Dev::new(&p);
    let mut addrs = [0u64; 1];
    let pmt = ok!(p.bti_pin(dev.bti, ZX_BTI_PERM_READ, second, 0, P, &mut addrs));
    assert_err!(p.vmar_op_range(root, ZX_VMAR_OP_DECOMMIT, BASE, 2 * P, &mut []), ZX_ERR_BAD_STATE);
    assert_eq!(committed(&p, first), P, "the first mapping's VMO kept its page");
    ok!(p.pmt_unpin(pmt));
    dev.close(&p);
    ok!(p.vmar_unmap(root, BASE, 2 * P));
    finish(&k, &p, &[first, second]);
}

// ---- vmar_destroy -------------------------------------------------------------------------

#[test]
fn destroy_checks_in_order() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    assert_err!(p.vmar_destroy(999), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmar_destroy(v), ZX_ERR_WRONG_TYPE);
    let (s, _) = sub(&p, 0, 0, 1);
    let no_children = ok!(p.handle_duplicate(s, ZX_DEFAULT_VMAR_RIGHTS & !ZX_RIGHT_OP_CHILDREN));
    assert_err!(p.vmar_destroy(no_children), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmar_destroy(p.vmar_root_self()), ZX_ERR_NOT_SUPPORTED);
    ok!(p.vmar_destroy(s));
    assert_err!(p.vmar_destroy(s), ZX_ERR_BAD_STATE);
    finish(&k, &p, &[v, s, no_children]);
}

#[test]
fn destroy_releases_everything_below_and_keeps_the_old_range_in_info() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    let opts = ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE;
    let (outer, base) = sub(&p, opts, 0, 8);
    let (inner, ibase) = ok!(p.vmar_allocate(outer, opts, 0, 4 * P));
    let addr = ok!(p.vmar_map(inner, RW, 0, v, 0, P));
    assert_eq!(addr, ibase);
    close_all(&p, &[v]);
    p.write_mapped(addr, b"x").unwrap();
    ok!(p.vmar_destroy(outer));
    assert_eq!(peek(&p, addr), Err(fault(addr, Access::Read, ZX_ERR_NOT_FOUND)));
    assert_err!(p.vmar_map(inner, R, 0, 0, 0, P), ZX_ERR_BAD_HANDLE);
    let info = ok!(p.object_get_info_vmar(inner));
    assert_eq!((info.base, info.len), (ibase, 4 * P));
    assert_eq!(base, ibase);
    finish(&k, &p, &[outer, inner]);
}

#[test]
fn op_range_8_fault_beyond_stream_size_mapping_past_the_stream() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let v = vmo(&p, 4 * P);
    ok!(p.object_set_property(v, ZX_PROP_VMO_CONTENT_SIZE, &(P + 1).to_le_bytes()));
    let opts = RW | ZX_VM_ALLOW_FAULTS | ZX_VM_FAULT_BEYOND_STREAM_SIZE;
    let addr = ok!(p.vmar_map(root, opts, 0, v, 0, 4 * P));
    // The stream, rounded up, is two pages: committing them is fine, a third is not.
    ok!(p.vmar_op_range(root, ZX_VMAR_OP_COMMIT, addr, 2 * P, &mut []));
    assert_err!(
        p.vmar_op_range(root, ZX_VMAR_OP_COMMIT, addr, 3 * P, &mut []),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_eq!(committed(&p, v), 2 * P);
    ok!(p.vmar_unmap(root, addr, 4 * P));
    finish(&k, &p, &[v]);
}
