//! The software MMU (docs/reference.md §11.10) and VMO operations seen through mappings
//! (§11.13): loads, stores, fetches, atomics and their faults.

use zx_conformance::vmar::*;
use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Access, Kernel, KernelConfig};

#[test]
fn a_store_through_a_mapping_is_seen_by_vmo_read_and_back() {
    let (k, p) = setup();
    let v = vmo(&p, 2 * P);
    let addr = map(&p, v, RW, 2);
    assert_eq!(addr, BASE, "lowest-address placement by default");
    p.write_mapped(addr + P - 2, b"abcd").unwrap();
    assert_eq!(read_vec(&p, v, P - 2, 4), b"abcd");
    p.vmo_write(v, b"xyz", 100).unwrap();
    let mut back = [0u8; 3];
    p.read_mapped(addr + 100, &mut back).unwrap();
    assert_eq!(&back, b"xyz");
    ok!(p.vmar_unmap(p.vmar_root_self(), addr, 2 * P));
    finish(&k, &p, &[v]);
}

#[test]
fn an_unmapped_address_faults_not_found_at_the_first_byte_not_moved() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    let addr = map(&p, v, RW, 1);
    // One page mapped, the next not: the first page's bytes move, the fault names the next.
    let err = p.write_mapped(addr + P - 3, &[7; 8]).unwrap_err();
    assert_eq!(err, fault(addr + P, Access::Write, ZX_ERR_NOT_FOUND));
    assert_eq!(read_vec(&p, v, P - 3, 3), vec![7; 3]);
    assert_eq!(peek(&p, BASE - 1), Err(fault(BASE - 1, Access::Read, ZX_ERR_NOT_FOUND)));
    assert_eq!(peek(&p, u64::MAX), Err(fault(u64::MAX, Access::Read, ZX_ERR_NOT_FOUND)));
    ok!(p.vmar_unmap(p.vmar_root_self(), addr, P));
    finish(&k, &p, &[v]);
}

#[test]
fn protection_decides_each_kind_of_access() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    let ro = map(&p, v, R, 1);
    assert_eq!(p.write_mapped(ro, b"x"), Err(fault(ro, Access::Write, ZX_ERR_ACCESS_DENIED)));
    assert_eq!(p.store_mapped_u64(ro, 1), Err(fault(ro, Access::Write, ZX_ERR_ACCESS_DENIED)));
    assert_eq!(
        p.fetch_mapped(ro, &mut [0; 4]),
        Err(fault(ro, Access::Execute, ZX_ERR_ACCESS_DENIED))
    );
    assert_eq!(peek(&p, ro), Ok(0));
    let none = ok!(p.vmar_map(p.vmar_root_self(), 0, 0, v, 0, P));
    assert_eq!(peek(&p, none), Err(fault(none, Access::Read, ZX_ERR_ACCESS_DENIED)));
    let x = ok!(p.vmo_replace_as_executable(v, ZX_HANDLE_INVALID));
    let rx = ok!(p.vmar_map(p.vmar_root_self(), R | ZX_VM_PERM_EXECUTE, 0, x, 0, P));
    p.fetch_mapped(rx, &mut [0; 16]).unwrap();
    let root = p.vmar_root_self();
    ok!(p.vmar_unmap(root, BASE, 3 * P));
    finish(&k, &p, &[x]);
}

#[test]
fn zero_length_accesses_succeed_anywhere() {
    let (k, p) = setup();
    p.read_mapped(0, &mut []).unwrap();
    p.write_mapped(u64::MAX, &[]).unwrap();
    p.fetch_mapped(12345, &mut []).unwrap();
    assert_no_leak(&k);
}

#[test]
fn a_mapping_past_the_vmo_end_faults_out_of_range_there() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    let addr = map(&p, v, RW, 3);
    p.write_mapped(addr, b"ok").unwrap();
    assert_eq!(peek(&p, addr + P), Err(fault(addr + P, Access::Read, ZX_ERR_OUT_OF_RANGE)));
    let err = p.write_mapped(addr + P - 1, b"ab").unwrap_err();
    assert_eq!(err, fault(addr + P, Access::Write, ZX_ERR_OUT_OF_RANGE));
    ok!(p.vmar_unmap(p.vmar_root_self(), addr, 3 * P));
    finish(&k, &p, &[v]);
}

#[test]
fn shrinking_makes_accesses_fault_and_growing_brings_them_back_as_zero() {
    let (k, p) = setup();
    let v = vmo_opts(&p, 2 * P, ZX_VMO_RESIZABLE);
    let addr = map(&p, v, RW, 2);
    p.write_mapped(addr + P, b"gone").unwrap();
    ok!(p.vmo_set_size(v, P));
    assert_eq!(peek(&p, addr + P), Err(fault(addr + P, Access::Read, ZX_ERR_OUT_OF_RANGE)));
    ok!(p.vmo_set_size(v, 2 * P));
    assert_eq!(peek(&p, addr + P), Ok(0));
    ok!(p.vmar_unmap(p.vmar_root_self(), addr, 2 * P));
    finish(&k, &p, &[v]);
}

#[test]
fn atomics_work_on_aligned_words_and_refuse_misaligned_ones() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    let addr = map(&p, v, RW, 1);
    p.store_mapped_u64(addr + 8, 40).unwrap();
    assert_eq!(p.fetch_add_mapped_u64(addr + 8, 2), Ok(40));
    assert_eq!(p.load_mapped_u64(addr + 8), Ok(42));
    assert_eq!(p.compare_exchange_mapped_u64(addr + 8, 1, 5), Ok(Err(42)));
    assert_eq!(p.compare_exchange_mapped_u64(addr + 8, 42, 5), Ok(Ok(42)));
    assert_eq!(p.fetch_add_mapped_u64(addr + 8, u64::MAX), Ok(5), "wrapping add");
    assert_eq!(p.load_mapped_u64(addr + 8), Ok(4));
    assert_eq!(read_vec(&p, v, 8, 8), 4u64.to_le_bytes());
    for bad in [addr + 1, addr + 4, addr + 12] {
        assert_eq!(p.load_mapped_u64(bad), Err(fault(bad, Access::Read, ZX_ERR_INVALID_ARGS)));
        assert_eq!(p.store_mapped_u64(bad, 0), Err(fault(bad, Access::Write, ZX_ERR_INVALID_ARGS)));
    }
    ok!(p.vmar_unmap(p.vmar_root_self(), addr, P));
    finish(&k, &p, &[v]);
}

#[test]
fn atomic_adds_from_many_threads_lose_nothing() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    let addr = map(&p, v, RW, 1);
    std::thread::scope(|s| {
        for _ in 0..4 {
            let p = p.clone();
            s.spawn(move || {
                for _ in 0..500 {
                    p.fetch_add_mapped_u64(addr, 1).unwrap();
                }
            });
        }
    });
    assert_eq!(p.load_mapped_u64(addr), Ok(2000));
    ok!(p.vmar_unmap(p.vmar_root_self(), addr, P));
    finish(&k, &p, &[v]);
}

#[test]
fn a_store_into_a_snapshot_parent_forks_as_vmo_write_does() {
    let (k, p) = setup();
    let parent = vmo(&p, P);
    fill(&p, parent, 0, 16, 1);
    let child = snap(&p, parent, 0, P);
    let addr = map(&p, parent, RW, 1);
    p.write_mapped(addr, &[9; 4]).unwrap();
    assert_bytes(&p, child, 0, 16, 1);
    assert_eq!(read_vec(&p, parent, 0, 4), vec![9; 4]);
    let caddr = map(&p, child, RW, 1);
    p.store_mapped_u64(caddr, u64::MAX).unwrap();
    assert_eq!(read_vec(&p, parent, 0, 4), vec![9; 4]);
    assert_clean(&k);
    ok!(p.vmar_unmap(p.vmar_root_self(), BASE, 2 * P));
    finish(&k, &p, &[parent, child]);
}

#[test]
fn decommit_zero_and_transfer_are_seen_by_the_next_access() {
    let (k, p) = setup();
    let v = vmo(&p, 2 * P);
    let other = vmo(&p, 2 * P);
    let addr = map(&p, v, RW, 2);
    p.write_mapped(addr, &[5; 8]).unwrap();
    ok!(p.vmo_op_range(v, ZX_VMO_OP_DECOMMIT, 0, P, &mut []));
    assert_eq!(p.load_mapped_u64(addr), Ok(0));
    p.write_mapped(addr, &[6; 8]).unwrap();
    ok!(p.vmo_op_range(v, ZX_VMO_OP_ZERO, 0, 8, &mut []));
    assert_eq!(p.load_mapped_u64(addr), Ok(0));
    // Moved out: reads zero; moved in: reads the new bytes.
    p.write_mapped(addr + P, &[7; 8]).unwrap();
    ok!(p.vmo_transfer_data(other, 0, 0, P, v, P));
    assert_eq!(p.load_mapped_u64(addr + P), Ok(0));
    assert_bytes(&p, other, 0, 8, 7);
    fill(&p, other, P, 8, 3);
    ok!(p.vmo_transfer_data(v, 0, 0, P, other, P));
    assert_eq!(p.load_mapped_u64(addr), Ok(u64::from_le_bytes([3; 8])));
    ok!(p.vmar_unmap(p.vmar_root_self(), addr, 2 * P));
    finish(&k, &p, &[v, other]);
}

#[test]
fn a_mapping_keeps_its_vmo_alive_after_every_handle_closes() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    let addr = map(&p, v, RW, 1);
    p.write_mapped(addr, b"kept").unwrap();
    close_all(&p, &[v]);
    let mut back = [0u8; 4];
    p.read_mapped(addr, &mut back).unwrap();
    assert_eq!(&back, b"kept");
    assert_eq!(k.kmem_stats().vmo_bytes, P);
    assert_clean(&k);
    ok!(p.vmar_unmap(p.vmar_root_self(), addr, P));
    assert_no_leak(&k);
}

#[test]
fn the_process_ending_releases_what_its_mappings_held() {
    let k = Kernel::new(KernelConfig::default());
    let p = k.create_process();
    let v = vmo(&p, P);
    let addr = map(&p, v, RW, 1);
    p.write_mapped(addr, b"x").unwrap();
    drop(p);
    assert_no_leak(&k);
}

#[test]
fn no_memory_on_a_store_is_a_fault_and_writes_nothing() {
    let (k, p) = setup();
    let v = vmo(&p, P);
    let addr = map(&p, v, RW, 1);
    k.fault_injector().set(zx_kernel::FaultPlan::FailAt(0));
    assert_eq!(p.store_mapped_u64(addr, 1), Err(fault(addr, Access::Write, ZX_ERR_NO_MEMORY)));
    k.fault_injector().set(zx_kernel::FaultPlan::Off);
    assert_eq!(committed(&p, v), 0);
    ok!(p.vmar_unmap(p.vmar_root_self(), addr, P));
    finish(&k, &p, &[v]);
}

#[test]
fn fault_beyond_stream_size_faults_past_the_content_size() {
    let (k, p) = setup();
    let v = vmo(&p, 4 * P);
    ok!(p.object_set_property(v, ZX_PROP_VMO_CONTENT_SIZE, &(P + 10).to_le_bytes()));
    let opts = RW | ZX_VM_ALLOW_FAULTS | ZX_VM_FAULT_BEYOND_STREAM_SIZE;
    let addr = ok!(p.vmar_map(p.vmar_root_self(), opts, 0, v, 0, 4 * P));
    p.write_mapped(addr + 2 * P - 1, b"a").unwrap(); // inside the rounded-up stream
    let at = addr + 2 * P;
    assert_eq!(peek(&p, at), Err(fault(at, Access::Read, ZX_ERR_OUT_OF_RANGE)));
    ok!(p.vmar_unmap(p.vmar_root_self(), addr, 4 * P));
    finish(&k, &p, &[v]);
}

#[test]
fn mappings_of_one_process_are_not_visible_in_another() {
    let k = Kernel::new(KernelConfig::default());
    let a = k.create_process();
    let b = k.create_process();
    let v = vmo(&a, P);
    let addr = map(&a, v, RW, 1);
    assert_eq!(peek(&b, addr), Err(fault(addr, Access::Read, ZX_ERR_NOT_FOUND)));
    drop(a);
    drop(b);
    assert_no_leak(&k);
}

#[test]
fn a_discarded_vmo_reads_through_its_mapping_as_vmo_read_does() {
    let (k, p) = setup();
    let v = vmo_opts(&p, P, ZX_VMO_DISCARDABLE);
    let addr = ok!(p.vmar_map(p.vmar_root_self(), RW | ZX_VM_ALLOW_FAULTS, 0, v, 0, P));
    p.write_mapped(addr, &[5; 8]).unwrap();
    assert_eq!(k.reclaim_discardable(), 1);
    let mut direct = [9u8; 8];
    let through = p.load_mapped_u64(addr).map(u64::to_le_bytes);
    match p.vmo_read(v, &mut direct, 0) {
        Ok(()) => assert_eq!(through, Ok(direct)),
        Err(s) => assert_eq!(through.unwrap_err().status, s),
    }
    assert_eq!(through, Ok([0; 8]), "discarded pages read zero");
    ok!(p.vmar_unmap(p.vmar_root_self(), addr, P));
    finish(&k, &p, &[v]);
}

#[test]
fn aligned_loads_agree_with_vmo_read_through_snapshots_slices_and_zero_pages() {
    let (k, p) = setup();
    let parent = vmo(&p, 4 * P);
    for page in [0u64, 2] {
        fill(&p, parent, page * P, P as usize, page as u8 + 1);
    }
    let snapshot = snap(&p, parent, 0, 4 * P);
    fill(&p, snapshot, P + 8, 8, 9); // the snapshot owns page 1, sees 0 and 2 in its parent
    let slice = child(&p, parent, ZX_VMO_CHILD_SLICE, 2 * P, 2 * P);
    let mut addrs = Vec::new();
    for (v, pages) in [(parent, 4), (snapshot, 4), (slice, 2)] {
        let addr = map(&p, v, R, pages);
        addrs.push((addr, pages));
        for offset in (0..pages * P).step_by(8 * 61) {
            let offset = offset & !7;
            let mut want = [0u8; 8];
            ok!(p.vmo_read(v, &mut want, offset));
            assert_eq!(
                p.load_mapped_u64(addr + offset),
                Ok(u64::from_le_bytes(want)),
                "{offset:#x}"
            );
        }
    }
    for (addr, pages) in addrs {
        ok!(p.vmar_unmap(p.vmar_root_self(), addr, pages * P));
    }
    finish(&k, &p, &[parent, snapshot, slice]);
}
