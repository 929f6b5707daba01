//! `vmar_allocate` (docs/reference.md §11.3), `vmar_map` (§11.4) and placement (§11.9): one
//! test per check, in the reference's order, and what success makes.

use zx_conformance::vmar::*;
use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Process};

fn fill_table(p: &Process) -> Vec<zx_handle_t> {
    let filler = event(p);
    let mut handles = vec![filler];
    while let Ok(h) = p.handle_duplicate(filler, ZX_RIGHT_SAME_RIGHTS) {
        handles.push(h);
    }
    handles
}

// ---- vmar_allocate ----------------------------------------------------------------------

#[test]
fn allocate_1_handle_type_and_can_map_rights() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    assert_err!(p.vmar_allocate(12345, 0, 0, P), ZX_ERR_BAD_HANDLE);
    let v = vmo(&p, P);
    assert_err!(p.vmar_allocate(v, 0, 0, P), ZX_ERR_WRONG_TYPE);
    // A sub-VMAR made without CAN_MAP_WRITE has no WRITE right: asking for CAN_MAP_WRITE
    // through it fails on the right, before the (also bad) size.
    let (ro, _) = sub(&p, ZX_VM_CAN_MAP_READ, 0, 4);
    assert_err!(p.vmar_allocate(ro, ZX_VM_CAN_MAP_WRITE, 0, 5), ZX_ERR_ACCESS_DENIED);
    let no_read = ok!(p.handle_duplicate(root, ZX_DEFAULT_VMAR_RIGHTS));
    assert_err!(p.vmar_allocate(no_read, ZX_VM_CAN_MAP_READ, 0, P), ZX_ERR_ACCESS_DENIED);
    ok!(p.vmar_allocate(no_read, 0, 0, P));
    finish(&k, &p, &[v, ro, no_read]);
}

#[test]
fn allocate_2_unknown_bits_and_bad_alignment() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    for bad in [1 << 16, 1 << 23, 9 << 24, 33 << 24, 0xFF << 24] {
        assert_err!(p.vmar_allocate(root, bad, 0, 5), ZX_ERR_INVALID_ARGS, "options {bad:#x}");
    }
    ok!(p.vmar_allocate(root, ZX_VM_ALIGN_4GB, 0, P));
    finish(&k, &p, &[]);
}

#[test]
fn allocate_3_perm_bits_are_refused_before_the_size() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    for perm in [ZX_VM_PERM_READ, ZX_VM_PERM_WRITE, ZX_VM_PERM_EXECUTE] {
        assert_err!(p.vmar_allocate(root, perm, 0, 5), ZX_ERR_INVALID_ARGS);
    }
    finish(&k, &p, &[]);
}

#[test]
fn allocate_accepts_and_ignores_read_if_xom_unsupported() {
    // Pinned against upstream: the flag is dropped before the PERM bits are looked at.
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let (s, _) = ok!(p.vmar_allocate(root, ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED, 0, P));
    assert_eq!(rights_of(&p, s), ZX_DEFAULT_VMAR_RIGHTS);
    assert_err!(
        p.vmar_allocate(root, ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED | ZX_VM_PERM_READ, 0, P),
        ZX_ERR_INVALID_ARGS
    );
    finish(&k, &p, &[s]);
}

#[test]
fn allocate_4_and_7_size_unaligned_or_zero() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    assert_err!(p.vmar_allocate(root, 0, 0, P + 1), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_allocate(root, 0, 0, 0), ZX_ERR_INVALID_ARGS);
    finish(&k, &p, &[]);
}

#[test]
fn allocate_5_mapping_only_options() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    for opt in [
        ZX_VM_SPECIFIC_OVERWRITE,
        ZX_VM_MAP_RANGE,
        ZX_VM_ALLOW_FAULTS,
        ZX_VM_REQUIRE_NON_RESIZABLE,
        ZX_VM_FAULT_BEYOND_STREAM_SIZE,
    ] {
        assert_err!(p.vmar_allocate(root, opt, 0, P), ZX_ERR_INVALID_ARGS, "option {opt:#x}");
    }
    finish(&k, &p, &[]);
}

#[test]
fn allocate_6_destroyed_parent_is_bad_state_before_size_zero() {
    let (k, p) = setup();
    let (s, _) = sub(&p, 0, 0, 4);
    ok!(p.vmar_destroy(s));
    assert_err!(p.vmar_allocate(s, 0, 0, 0), ZX_ERR_BAD_STATE);
    finish(&k, &p, &[s]);
}

#[test]
fn allocate_9_to_11_offset_rules() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let both = ZX_VM_SPECIFIC | ZX_VM_OFFSET_IS_UPPER_LIMIT;
    assert_err!(p.vmar_allocate(root, both, P, P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_allocate(root, 0, P, P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_allocate(root, ZX_VM_SPECIFIC, 100, P), ZX_ERR_INVALID_ARGS);
    finish(&k, &p, &[]);
}

#[test]
fn allocate_12_specific_needs_can_map_specific_on_the_parent() {
    let (k, p) = setup();
    let (plain, _) = sub(&p, 0, 0, 16);
    assert_err!(p.vmar_allocate(plain, ZX_VM_SPECIFIC, 0, P), ZX_ERR_ACCESS_DENIED);
    assert_err!(
        p.vmar_allocate(plain, ZX_VM_OFFSET_IS_UPPER_LIMIT, 8 * P, P),
        ZX_ERR_ACCESS_DENIED
    );
    // The child keeps CAN_MAP_SPECIFIC even though its parent... lacks it.
    let (spec, _) = ok!(p.vmar_allocate(plain, ZX_VM_CAN_MAP_SPECIFIC, 0, 4 * P));
    ok!(p.vmar_allocate(spec, ZX_VM_SPECIFIC, P, P));
    finish(&k, &p, &[plain, spec]);
}

#[test]
fn allocate_13_range_outside_the_parent() {
    let (k, p) = setup();
    let (s, _) = sub(&p, ZX_VM_CAN_MAP_SPECIFIC, 0, 4);
    assert_err!(p.vmar_allocate(s, ZX_VM_SPECIFIC, 4 * P, P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_allocate(s, ZX_VM_SPECIFIC, 3 * P, 2 * P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_allocate(s, ZX_VM_OFFSET_IS_UPPER_LIMIT, 5 * P, P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_allocate(s, ZX_VM_OFFSET_IS_UPPER_LIMIT, P, 2 * P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_allocate(s, ZX_VM_SPECIFIC, !(P - 1), P), ZX_ERR_INVALID_ARGS);
    ok!(p.vmar_allocate(s, ZX_VM_SPECIFIC, 3 * P, P));
    finish(&k, &p, &[s]);
}

#[test]
fn allocate_14_specific_misaligned_or_occupied() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    // BASE is 2 MiB aligned; BASE + 64 KiB is not 1 MiB aligned.
    let opts = ZX_VM_SPECIFIC | ZX_VM_ALIGN_1MB;
    assert_err!(p.vmar_allocate(root, opts, 16 * P, P), ZX_ERR_INVALID_ARGS);
    let (a, addr) = ok!(p.vmar_allocate(root, ZX_VM_SPECIFIC, 16 * P, 4 * P));
    assert_eq!(addr, BASE + 16 * P);
    assert_err!(p.vmar_allocate(root, ZX_VM_SPECIFIC, 19 * P, 4 * P), ZX_ERR_ALREADY_EXISTS);
    finish(&k, &p, &[a]);
}

#[test]
fn allocate_15_no_spot_is_no_resources() {
    let (k, p) = setup();
    let (s, _) = sub(&p, ZX_VM_CAN_MAP_SPECIFIC, 0, 4);
    let (a, _) = ok!(p.vmar_allocate(s, ZX_VM_SPECIFIC, P, P));
    assert_err!(p.vmar_allocate(s, 0, 0, 3 * P), ZX_ERR_NO_RESOURCES);
    assert_err!(p.vmar_allocate(s, ZX_VM_OFFSET_IS_UPPER_LIMIT, 2 * P, 2 * P), ZX_ERR_NO_RESOURCES);
    finish(&k, &p, &[s, a]);
}

#[test]
fn allocate_16_full_table_allocates_nothing() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let filled = fill_table(&p);
    assert_err!(p.vmar_allocate(root, 0, 0, P), ZX_ERR_NO_RESOURCES);
    // A later check still wins over the full table.
    assert_err!(p.vmar_allocate(root, 0, 0, 0), ZX_ERR_INVALID_ARGS);
    close_all(&p, &filled);
    // The space it would have taken is free: a new one lands at the base.
    let (s, addr) = sub(&p, 0, 0, 1);
    assert_eq!(addr, BASE);
    finish(&k, &p, &[s]);
}

#[test]
fn allocate_gives_rights_per_can_map_and_an_absolute_base() {
    let (k, p) = setup();
    let (a, addr) = sub(&p, ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE, 0, 4);
    assert_eq!(addr, BASE);
    assert_eq!(rights_of(&p, a), ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ | ZX_RIGHT_WRITE);
    assert_eq!(basic(&p, a).type_, ZX_OBJ_TYPE_VMAR);
    let info = ok!(p.object_get_info_vmar(a));
    assert_eq!((info.base, info.len), (BASE, 4 * P));
    let (b, baddr) = sub(&p, 0, 0, 1);
    assert_eq!(baddr, BASE + 4 * P, "the next lowest spot");
    assert_eq!(rights_of(&p, b), ZX_DEFAULT_VMAR_RIGHTS);
    finish(&k, &p, &[a, b]);
}

// ---- placement ----------------------------------------------------------------------------

#[test]
fn upper_limit_and_alignment_are_honoured() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let (a, addr) = ok!(p.vmar_allocate(root, ZX_VM_ALIGN_1GB, 0, P));
    assert_eq!(addr % (1 << 30), 0);
    let (b, baddr) = ok!(p.vmar_allocate(root, ZX_VM_OFFSET_IS_UPPER_LIMIT, 64 * P, 8 * P));
    assert!(baddr + 8 * P <= BASE + 64 * P);
    let (c, caddr) = ok!(p.vmar_allocate(root, 0, 0, SIZE - (1 << 30)));
    assert!(caddr >= BASE && caddr + SIZE - (1 << 30) <= BASE + SIZE);
    finish(&k, &p, &[a, b, c]);
}

#[test]
fn a_request_as_large_as_the_free_vmar_lands_at_its_base() {
    let (k, p) = setup();
    let (s, base) = sub(&p, ZX_VM_CAN_MAP_READ, 0, 8);
    let (whole, at) = ok!(p.vmar_allocate(s, 0, 0, 8 * P));
    assert_eq!(at, base);
    finish(&k, &p, &[s, whole]);
}

#[test]
fn seeded_placement_is_random_but_reproducible_and_inside() {
    let run = |seed| {
        let k = Kernel::new(KernelConfig { aslr_seed: Some(seed), ..Default::default() });
        let p = k.create_process();
        let root = p.vmar_root_self();
        let addrs: Vec<u64> = (0..8).map(|_| ok!(p.vmar_allocate(root, 0, 0, P)).1).collect();
        for a in &addrs {
            assert!(*a >= BASE && a + P <= BASE + SIZE && a % P == 0);
        }
        let mut sorted = addrs.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), addrs.len(), "overlap");
        k.check_invariants().unwrap();
        addrs
    };
    let first = run(7);
    assert_eq!(run(7), first, "same seed, same koids, same addresses");
    assert_ne!(first, (0..8).map(|i| BASE + i * P).collect::<Vec<_>>(), "not lowest-first");
}

// ---- vmar_map -----------------------------------------------------------------------------

#[test]
fn map_1_and_2_vmar_then_vmo_lookups() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let v = vmo(&p, P);
    assert_err!(p.vmar_map(123, R, 0, 456, 0, P), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmar_map(v, R, 0, v, 0, P), ZX_ERR_WRONG_TYPE);
    assert_err!(p.vmar_map(root, R, 0, 456, 0, P), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmar_map(root, R, 0, root, 0, P), ZX_ERR_WRONG_TYPE);
    finish(&k, &p, &[v]);
}

#[test]
fn map_3_fault_beyond_stream_size_on_a_physical_vmo() {
    let (k, p) = setup();
    let res = ok!(p.root_resource());
    let phys =
        ok!(p.vmo_create_physical(res, zx_kernel::KernelConfig::default().device_memory_base, P));
    let no_map = ok!(p.handle_duplicate(phys, ZX_RIGHT_READ));
    // NOT_SUPPORTED comes before the missing MAP right.
    assert_err!(
        p.vmar_map(p.vmar_root_self(), ZX_VM_FAULT_BEYOND_STREAM_SIZE, 0, no_map, 0, P),
        ZX_ERR_NOT_SUPPORTED
    );
    let addr = ok!(p.vmar_map(p.vmar_root_self(), RW, 0, phys, 0, P));
    p.write_mapped(addr, b"dev").unwrap();
    assert_eq!(read_vec(&p, phys, 0, 3), b"dev");
    ok!(p.vmar_unmap(p.vmar_root_self(), addr, P));
    finish(&k, &p, &[res, phys, no_map]);
}

#[test]
fn map_4_vmo_handle_without_map() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    let no_map = dup(&p, v, VMO_RIGHTS & !ZX_RIGHT_MAP);
    assert_err!(
        p.vmar_map(p.vmar_root_self(), ZX_VM_PERM_WRITE, 0, no_map, 0, P),
        ZX_ERR_ACCESS_DENIED
    );
    finish(&k, &p, &[v, no_map]);
}

#[test]
fn map_5_write_or_execute_without_read() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let v = vmo(&p, P);
    assert_err!(p.vmar_map(root, ZX_VM_PERM_WRITE, 0, v, 0, P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_map(root, ZX_VM_PERM_EXECUTE, 0, v, 0, P), ZX_ERR_INVALID_ARGS);
    // READ_IF_XOM_UNSUPPORTED supplies the READ.
    let opts = ZX_VM_PERM_WRITE | ZX_VM_PERM_READ_IF_XOM_UNSUPPORTED;
    let addr = ok!(p.vmar_map(root, opts, 0, v, 0, P));
    assert_eq!(peek(&p, addr), Ok(0));
    ok!(p.vmar_unmap(root, addr, P));
    finish(&k, &p, &[v]);
}

#[test]
fn map_6_map_range_with_specific_overwrite() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    let opts = R | ZX_VM_MAP_RANGE | ZX_VM_SPECIFIC_OVERWRITE;
    assert_err!(p.vmar_map(p.vmar_root_self(), opts, 0, v, 0, 0), ZX_ERR_INVALID_ARGS);
    finish(&k, &p, &[v]);
}

#[test]
fn map_7_can_map_bits() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    for bit in [ZX_VM_CAN_MAP_READ, ZX_VM_CAN_MAP_WRITE, ZX_VM_CAN_MAP_EXECUTE] {
        assert_err!(p.vmar_map(p.vmar_root_self(), R | bit, 0, v, 0, P), ZX_ERR_INVALID_ARGS);
    }
    finish(&k, &p, &[v]);
}

#[test]
fn map_8_each_perm_needs_the_right_on_both_handles() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let v = vmo(&p, P);
    let no_read = dup(&p, v, VMO_RIGHTS & !ZX_RIGHT_READ);
    let no_write = dup(&p, v, VMO_RIGHTS & !ZX_RIGHT_WRITE);
    assert_err!(p.vmar_map(root, R, 0, no_read, 0, 0), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmar_map(root, RW, 0, no_write, 0, 0), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmar_map(root, R | ZX_VM_PERM_EXECUTE, 0, v, 0, 0), ZX_ERR_ACCESS_DENIED);
    let root_ro = ok!(p.handle_duplicate(root, ZX_DEFAULT_VMAR_RIGHTS | ZX_RIGHT_READ));
    assert_err!(p.vmar_map(root_ro, RW, 0, v, 0, 0), ZX_ERR_ACCESS_DENIED);
    finish(&k, &p, &[v, no_read, no_write, root_ro]);
}

#[test]
fn map_9_fault_beyond_stream_size_needs_allow_faults() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    let opts = R | ZX_VM_FAULT_BEYOND_STREAM_SIZE | (1 << 16);
    assert_err!(p.vmar_map(p.vmar_root_self(), opts, 0, v, 0, P), ZX_ERR_INVALID_ARGS);
    finish(&k, &p, &[v]);
}

#[test]
fn map_10_unknown_bits_and_alignment() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    for bad in [1 << 16, 1 << 20, 9 << 24, 40 << 24] {
        assert_err!(p.vmar_map(p.vmar_root_self(), R | bad, 0, v, 0, P), ZX_ERR_INVALID_ARGS);
    }
    finish(&k, &p, &[v]);
}

#[test]
fn map_11_and_12_resizable_and_discardable_vmos() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let rs = vmo_opts(&p, P, ZX_VMO_RESIZABLE);
    let opts = R | ZX_VM_REQUIRE_NON_RESIZABLE;
    assert_err!(p.vmar_map(root, opts | ZX_VM_COMPACT, 0, rs, 0, P), ZX_ERR_NOT_SUPPORTED);
    let d = vmo_opts(&p, P, ZX_VMO_DISCARDABLE);
    assert_err!(p.vmar_map(root, R | ZX_VM_COMPACT, 0, d, 0, P), ZX_ERR_NOT_SUPPORTED);
    let addr = ok!(p.vmar_map(root, R | ZX_VM_ALLOW_FAULTS, 0, d, 0, P));
    let raddr = ok!(p.vmar_map(root, R, 0, rs, 0, P));
    ok!(p.vmar_unmap(root, addr.min(raddr), 2 * P));
    finish(&k, &p, &[rs, d]);
}

#[test]
fn map_13_compact_or_can_map_specific() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    assert_err!(p.vmar_map(p.vmar_root_self(), R | ZX_VM_COMPACT, 0, v, 0, P), ZX_ERR_INVALID_ARGS);
    assert_err!(
        p.vmar_map(p.vmar_root_self(), R | ZX_VM_CAN_MAP_SPECIFIC, 0, v, 0, P),
        ZX_ERR_INVALID_ARGS
    );
    finish(&k, &p, &[v]);
}

#[test]
fn map_14_perm_the_vmar_cannot_map() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    let (ro, _) = sub(&p, ZX_VM_CAN_MAP_READ, 0, 4);
    // The sub-VMAR's handle lacks WRITE too, so step 8 fires first.
    assert_err!(p.vmar_map(ro, RW, 0, v, 0, P), ZX_ERR_ACCESS_DENIED);
    ok!(p.vmar_map(ro, R, 0, v, 0, P));
    finish(&k, &p, &[v, ro]);
}

#[test]
fn map_15_to_17_vmo_offset_and_length() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let v = vmo(&p, P);
    assert_err!(p.vmar_map(root, R, 0, v, 1, 0), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_map(root, R, 0, v, 0, u64::MAX), ZX_ERR_OUT_OF_RANGE);
    assert_err!(p.vmar_map(root, R, 0, v, !(P - 1), 2 * P), ZX_ERR_OUT_OF_RANGE);
    let res = ok!(p.root_resource());
    let phys =
        ok!(p.vmo_create_physical(res, zx_kernel::KernelConfig::default().device_memory_base, P));
    assert_err!(p.vmar_map(root, R, 0, phys, 0, 2 * P), ZX_ERR_OUT_OF_RANGE);
    finish(&k, &p, &[v, res, phys]);
}

#[test]
fn map_18_and_19_destroyed_vmar_then_zero_length() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    let (s, _) = sub(&p, ZX_VM_CAN_MAP_READ, 0, 4);
    assert_err!(p.vmar_map(s, R, 0, v, 0, 0), ZX_ERR_INVALID_ARGS);
    ok!(p.vmar_destroy(s));
    assert_err!(p.vmar_map(s, R, 0, v, 0, 0), ZX_ERR_BAD_STATE);
    finish(&k, &p, &[v, s]);
}

#[test]
fn map_20_to_26_placement_steps() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let v = vmo(&p, 4 * P);
    let both = R | ZX_VM_SPECIFIC | ZX_VM_OFFSET_IS_UPPER_LIMIT;
    assert_err!(p.vmar_map(root, both, P, v, 0, P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_map(root, R, P, v, 0, P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmar_map(root, R | ZX_VM_SPECIFIC, 10, v, 0, P), ZX_ERR_INVALID_ARGS);
    let (plain, _) = sub(&p, ZX_VM_CAN_MAP_READ, 0, 8);
    assert_err!(p.vmar_map(plain, R | ZX_VM_SPECIFIC, 0, v, 0, P), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmar_map(root, R | ZX_VM_SPECIFIC, SIZE, v, 0, P), ZX_ERR_INVALID_ARGS);
    let a = map_at(&p, 16 * P, v, 0, R, 2);
    assert_err!(p.vmar_map(root, R | ZX_VM_SPECIFIC, 17 * P, v, 0, P), ZX_ERR_ALREADY_EXISTS);
    let _ = ok!(p.vmar_map(plain, R, 0, v, 0, 8 * P));
    assert_err!(p.vmar_map(plain, R, 0, v, 0, P), ZX_ERR_NO_RESOURCES);
    ok!(p.vmar_unmap(root, a, 2 * P));
    finish(&k, &p, &[v, plain]);
}

#[test]
fn specific_overwrite_replaces_mappings_but_not_sub_vmars() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let a = vmo(&p, 4 * P);
    let b = vmo(&p, P);
    fill(&p, a, 0, 4 * P as usize, 1);
    fill(&p, b, 0, P as usize, 2);
    let base = map_at(&p, 0, a, 0, R, 4);
    let over = R | ZX_VM_SPECIFIC_OVERWRITE;
    assert_eq!(ok!(p.vmar_map(root, over, P, b, 0, P)), base + P);
    let got: Vec<u8> = (0..4).map(|i| peek(&p, base + i * P).unwrap()).collect();
    assert_eq!(got, vec![1, 2, 1, 1]);
    assert_eq!(vmo_info(&p, a).num_mappings, 2, "split in two around the new one");
    let (s, soff) = ok!(p.vmar_allocate(root, ZX_VM_SPECIFIC, 8 * P, P));
    assert_eq!(soff, base + 8 * P);
    assert_err!(p.vmar_map(root, over, 7 * P, b, 0, 2 * P), ZX_ERR_INVALID_ARGS);
    assert_clean(&k);
    ok!(p.vmar_unmap(root, base, 4 * P));
    finish(&k, &p, &[a, b, s]);
}

#[test]
fn adjacent_compatible_mappings_merge_and_others_do_not() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let v = vmo(&p, 4 * P);
    map_at(&p, 0, v, 0, R, 1);
    map_at(&p, P, v, P, R, 1);
    assert_eq!(vmo_info(&p, v).num_mappings, 1, "contiguous in address and offset: merged");
    map_at(&p, 2 * P, v, 3 * P, R, 1); // offset not contiguous
    map_at(&p, 3 * P, v, 3 * P, RW, 1); // other protection... and offset
    assert_eq!(vmo_info(&p, v).num_mappings, 3);
    ok!(p.vmar_unmap(root, BASE, 4 * P));
    assert_eq!(vmo_info(&p, v).num_mappings, 0);
    finish(&k, &p, &[v]);
}

#[test]
fn offset_is_upper_limit_places_below_the_limit() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    let v = vmo(&p, 4 * P);
    map_at(&p, 0, v, 0, R, 2);
    let opts = R | ZX_VM_OFFSET_IS_UPPER_LIMIT;
    let addr = ok!(p.vmar_map(root, opts, 4 * P, v, 0, 2 * P));
    assert_eq!(addr, BASE + 2 * P);
    assert_err!(p.vmar_map(root, opts, 4 * P, v, 0, P), ZX_ERR_NO_RESOURCES);
    ok!(p.vmar_unmap(root, BASE, 4 * P));
    finish(&k, &p, &[v]);
}

#[test]
fn map_range_is_accepted_and_commits_nothing() {
    let (k, p) = setup();
    let v = vmo(&p, 2 * P);
    let addr = ok!(p.vmar_map(p.vmar_root_self(), RW | ZX_VM_MAP_RANGE, 0, v, 0, 2 * P));
    assert_eq!(committed(&p, v), 0);
    p.write_mapped(addr, b"x").unwrap();
    assert_eq!(committed(&p, v), P);
    ok!(p.vmar_unmap(p.vmar_root_self(), addr, 2 * P));
    finish(&k, &p, &[v]);
}
