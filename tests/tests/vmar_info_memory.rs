//! Address-space info and counts (docs/reference.md §11.12), `vmar_root_self`,
//! `vmo_replace_as_executable`, and `process_read_memory` / `process_write_memory`
//! (§11.11).

use zx_conformance::vmar::*;
use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Access, Kernel, KernelConfig};

#[test]
fn root_vmar_self_is_made_once_with_its_rights_and_range() {
    let (k, p) = setup();
    let root = p.vmar_root_self();
    assert_ne!(root, ZX_HANDLE_INVALID);
    assert_eq!(p.vmar_root_self(), root);
    assert_eq!(rights_of(&p, root), 0x0020_801F);
    assert_eq!(basic(&p, root).type_, ZX_OBJ_TYPE_VMAR);
    let info = ok!(p.object_get_info_vmar(root));
    assert_eq!((info.base, info.len), (0x20_0000, 0x7FFF_FFDF_F000));
    ok!(p.handle_close(root));
    assert_eq!(p.vmar_root_self(), root, "the same (now stale) value");
    assert_err!(p.object_get_info_vmar(root), ZX_ERR_BAD_HANDLE);
    assert_no_leak(&k);
}

#[test]
fn info_vmar_needs_inspect_and_a_vmar() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    let no_inspect = ok!(p.handle_duplicate(p.vmar_root_self(), ZX_RIGHT_READ));
    assert_err!(p.object_get_info_vmar(no_inspect), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.object_get_info_vmar(v), ZX_ERR_WRONG_TYPE);
    let mut small = [0u8; 8];
    assert_err!(
        p.object_get_info(p.vmar_root_self(), ZX_INFO_VMAR, &mut small),
        ZX_ERR_BUFFER_TOO_SMALL
    );
    finish(&k, &p, &[v, no_inspect]);
}

#[test]
fn process_maps_lists_aspace_root_vmars_and_mapping_runs_depth_first() {
    let (k, p) = setup();
    let v = vmo(&p, 2 * P);
    ok!(p.object_set_property(v, ZX_PROP_NAME, b"heap"));
    fill(&p, v, 0, 1, 1);
    let (s, sbase) = sub(&p, ZX_VM_CAN_MAP_READ | ZX_VM_CAN_MAP_WRITE, 0, 4);
    let addr = ok!(p.vmar_map(s, RW, 0, v, 0, 2 * P));
    ok!(p.vmar_protect(s, R, addr + P, P));
    let top = map(&p, v, R, 1);
    let records = process_maps(&p);
    let kinds: Vec<(u32, u64)> = records.iter().map(|r| (r.type_, r.depth)).collect();
    assert_eq!(
        kinds,
        vec![
            (ZX_INFO_MAPS_TYPE_ASPACE, 0),
            (ZX_INFO_MAPS_TYPE_VMAR, 1),
            (ZX_INFO_MAPS_TYPE_VMAR, 2),
            (ZX_INFO_MAPS_TYPE_MAPPING, 3),
            (ZX_INFO_MAPS_TYPE_MAPPING, 3),
            (ZX_INFO_MAPS_TYPE_MAPPING, 2),
        ]
    );
    assert_eq!(&records[0].name[..5], b"proc:");
    assert_eq!(&records[1].name[..5], b"root\0");
    assert_eq!(&records[2].name[..10], b"useralloc\0");
    assert_eq!((records[2].base, records[2].size), (sbase, 4 * P));
    assert_eq!(&records[3].name[..5], b"heap\0");
    let m = records[3].u.mapping;
    assert_eq!((m.mmu_flags, m.vmo_koid, m.vmo_offset), (RW, koid_of(&p, v), 0));
    assert_eq!((m.committed_bytes, m.committed_private_bytes), (P, P));
    assert_eq!(records[4].u.mapping.committed_bytes, 0, "second page not committed");
    assert_eq!(records[5].base, top);
    // A short buffer: actual counts what fit, avail all.
    let mut two = [zx_info_maps_t::default(); 2];
    assert_eq!(p.object_get_info_process_maps(p.process_self(), &mut two), Ok((2, 6)));
    let mut vmar_recs = [zx_info_maps_t::default(); 8];
    assert_eq!(p.object_get_info_vmar_maps(s, &mut vmar_recs), Ok((3, 3)));
    assert_eq!((vmar_recs[0].type_, vmar_recs[0].depth), (ZX_INFO_MAPS_TYPE_VMAR, 0));
    ok!(p.vmar_destroy(s));
    assert_err!(p.object_get_info_vmar_maps(s, &mut vmar_recs), ZX_ERR_BAD_STATE);
    ok!(p.vmar_unmap(p.vmar_root_self(), top, P));
    finish(&k, &p, &[v, s]);
}

#[test]
fn process_vmos_lists_handles_then_mappings() {
    let (k, p) = setup();
    let a = vmo(&p, P);
    let b = vmo(&p, P);
    let ev = event(&p);
    let addr = map(&p, b, R, 1);
    let mut records = [zx_info_vmo_t::default(); 8];
    let (actual, avail) = ok!(p.object_get_info_process_vmos(p.process_self(), &mut records));
    assert_eq!((actual, avail), (3, 3));
    assert_eq!(records[0].koid, koid_of(&p, a));
    assert_eq!(records[0].flags & ZX_INFO_VMO_VIA_HANDLE, ZX_INFO_VMO_VIA_HANDLE);
    assert_eq!(records[0].handle_rights, VMO_RIGHTS);
    assert_eq!(records[2].koid, koid_of(&p, b));
    assert_eq!(
        records[2].flags & (ZX_INFO_VMO_VIA_HANDLE | ZX_INFO_VMO_VIA_MAPPING),
        ZX_INFO_VMO_VIA_MAPPING
    );
    assert_eq!(records[2].handle_rights, 0);
    let no_inspect = ok!(p.handle_duplicate(p.process_self(), ZX_RIGHT_READ));
    assert_err!(p.object_get_info_process_vmos(no_inspect, &mut records), ZX_ERR_ACCESS_DENIED);
    ok!(p.vmar_unmap(p.vmar_root_self(), addr, P));
    finish(&k, &p, &[a, b, ev, no_inspect]);
}

#[test]
fn num_mappings_and_share_count_follow_the_mappings_of_every_process() {
    let k = Kernel::new(KernelConfig::default());
    let a = k.create_process();
    let b = k.create_process();
    let parent = vmo(&a, P);
    let slice = child(&a, parent, ZX_VMO_CHILD_SLICE, 0, P);
    map(&a, parent, R, 1);
    assert_eq!((vmo_info(&a, parent).num_mappings, vmo_info(&a, parent).share_count), (1, 1));
    map(&a, parent, R, 1);
    assert_eq!((vmo_info(&a, parent).num_mappings, vmo_info(&a, parent).share_count), (2, 1));
    map(&a, slice, R, 1);
    assert_eq!(vmo_info(&a, parent).num_mappings, 2, "a slice's mapping counts on the slice");
    assert_eq!(vmo_info(&a, slice).num_mappings, 1);
    k.check_invariants().unwrap();
    // Another process cannot name the VMO, but the kernel counts per process all the same:
    // b maps its own VMO, and a's counts do not change.
    let other = vmo(&b, P);
    map(&b, other, R, 1);
    assert_eq!(vmo_info(&a, parent).share_count, 1);
    drop(b);
    drop(a);
    assert_no_leak(&k);
}

#[test]
fn replace_as_executable_consumes_the_handle_first() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    assert_err!(p.vmo_replace_as_executable(999, ZX_HANDLE_INVALID), ZX_ERR_BAD_HANDLE);
    let ev = event(&p);
    assert_err!(p.vmo_replace_as_executable(ev, ZX_HANDLE_INVALID), ZX_ERR_BAD_HANDLE);
    assert_err!(p.handle_close(ev), ZX_ERR_BAD_HANDLE, "consumed");
    // A bad vmex is reported after the VMO handle is gone.
    let other = vmo(&p, P);
    assert_err!(p.vmo_replace_as_executable(v, other), ZX_ERR_WRONG_TYPE);
    assert_err!(p.handle_close(v), ZX_ERR_BAD_HANDLE);
    let w = vmo(&p, P);
    let res = ok!(p.root_resource());
    let x = ok!(p.vmo_replace_as_executable(w, res));
    assert_eq!(rights_of(&p, x), VMO_RIGHTS | ZX_RIGHT_EXECUTE);
    finish(&k, &p, &[other, res, x]);
}

#[test]
fn process_read_memory_checks_in_order_and_stops_at_the_mapping_end() {
    let (k, p) = setup();
    let me = p.process_self();
    let v = vmo(&p, 2 * P);
    fill(&p, v, 0, 2 * P as usize, 7);
    assert_err!(p.process_read_memory(999, BASE, &mut []), ZX_ERR_INVALID_ARGS);
    assert_err!(
        p.process_read_memory(999, BASE, &mut vec![0; (64 << 20) + 1]),
        ZX_ERR_INVALID_ARGS
    );
    assert_err!(p.process_read_memory(999, BASE, &mut [0]), ZX_ERR_BAD_HANDLE);
    assert_err!(p.process_read_memory(v, BASE, &mut [0]), ZX_ERR_WRONG_TYPE);
    let ro = ok!(p.handle_duplicate(me, ZX_RIGHT_READ | ZX_RIGHT_INSPECT));
    assert_err!(p.process_read_memory(ro, BASE, &mut [0]), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.process_read_memory(me, BASE, &mut [0]), ZX_ERR_NOT_FOUND);
    // Protection is ignored; the transfer stops at the mapping's end and the VMO's end.
    let addr = ok!(p.vmar_map(p.vmar_root_self(), 0, 0, v, P, 2 * P));
    let mut buf = vec![0u8; 3 * P as usize];
    assert_eq!(p.process_read_memory(me, addr + 10, &mut buf), Ok(P as usize - 10));
    assert!(buf[..P as usize - 10].iter().all(|&b| b == 7));
    assert_err!(p.process_read_memory(me, addr + P, &mut buf), ZX_ERR_OUT_OF_RANGE);
    ok!(p.vmar_unmap(p.vmar_root_self(), addr, 2 * P));
    finish(&k, &p, &[v, ro]);
}

#[test]
fn process_write_memory_is_off_unless_debugging_syscalls_are_enabled() {
    let (k, p) = setup();
    assert_err!(p.process_write_memory(999, BASE, &[]), ZX_ERR_NOT_SUPPORTED);
    assert_no_leak(&k);
}

#[test]
fn process_write_memory_gives_read_only_mappings_a_private_copy() {
    let k = Kernel::new(KernelConfig { enable_debugging_syscalls: true, ..Default::default() });
    let p = k.create_process();
    let me = p.process_self();
    assert_err!(p.process_write_memory(me, BASE, &[]), ZX_ERR_INVALID_ARGS);
    let ro_proc = ok!(p.handle_duplicate(me, ZX_RIGHT_READ));
    assert_err!(p.process_write_memory(ro_proc, BASE, b"x"), ZX_ERR_ACCESS_DENIED);
    let v = vmo(&p, P);
    fill(&p, v, 0, 8, 1);
    let ro_vmo = dup(&p, v, VMO_RIGHTS & !ZX_RIGHT_WRITE);
    let ro = map(&p, ro_vmo, R, 1);
    assert_eq!(p.process_write_memory(me, ro, b"patched"), Ok(7));
    assert_bytes(&p, v, 0, 8, 1); // the original never changes
    let mut back = [0u8; 7];
    p.read_mapped(ro, &mut back).unwrap();
    assert_eq!(&back, b"patched");
    assert_eq!(vmo_info(&p, v).num_mappings, 0);
    assert_eq!(vmo_info(&p, v).num_children, 1);
    assert_ne!(mappings(&process_maps(&p)).len(), 0);
    assert_ne!(process_maps(&p)[2].u.mapping.vmo_koid, koid_of(&p, v));
    // A writable mapping is written in place, protection ignored.
    let rw = map(&p, v, R, 1);
    ok!(p.vmar_protect(p.vmar_root_self(), 0, rw, P));
    assert_eq!(p.process_write_memory(me, rw, b"in"), Ok(2));
    assert_eq!(read_vec(&p, v, 0, 2), b"in");
    assert_eq!(peek(&p, rw), Err(fault(rw, Access::Read, ZX_ERR_ACCESS_DENIED)));
    k.check_invariants().unwrap();
    ok!(p.vmar_unmap(p.vmar_root_self(), BASE, 2 * P));
    finish(&k, &p, &[ro_proc, v, ro_vmo]);
}
