//! Mapped accesses to pager-backed VMOs (reference §9.9 with §11.10): each absent page is its
//! own 1-page READ and each store to a non-Dirty page under TRAP_DIRTY its own 1-page DIRTY,
//! as hardware faults are; a failed request or a detach becomes the fault's status; and a
//! thread waiting on the pager holds no address-space lock.

use zx_conformance::pager::*;
use zx_conformance::*;
use zx_kernel::zx::*;

const RW: u32 = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;

fn map(f: &Pager, vmo: zx_handle_t, pages: u64) -> u64 {
    ok!(f.p.vmar_map(f.p.vmar_root_self(), RW, 0, vmo, 0, pages * P))
}

#[test]
fn a_mapped_load_of_an_absent_page_asks_for_that_page_only() {
    let f = Pager::new();
    let vmo = f.vmo(4, 0);
    let base = map(&f, vmo, 4);
    let load = f.spawn(move |p| p.load_mapped_u64(base + P + 8).map_err(|fault| fault.status));
    f.expect_request(ZX_PAGER_VMO_READ, 1, 1);
    load.assert_blocked();
    f.supply(vmo, 1, 1, 0x11);
    assert_eq!(load.result().unwrap(), 0x1111_1111_1111_1111);
    f.expect_no_packet();
    f.check();
}

#[test]
fn a_mapped_read_across_pages_asks_page_by_page() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    let base = map(&f, vmo, 2);
    let read = f.spawn(move |p| {
        let mut bytes = vec![0u8; (2 * P) as usize];
        p.read_mapped(base, &mut bytes)
            .map(|()| (bytes[0], bytes[P as usize]))
            .map_err(|e| e.status)
    });
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
    f.supply(vmo, 0, 1, 1);
    f.expect_request(ZX_PAGER_VMO_READ, 1, 1);
    f.supply(vmo, 1, 1, 2);
    assert_eq!(read.result().unwrap(), (1, 2));
    f.check();
}

#[test]
fn a_thread_waiting_on_the_pager_holds_no_address_space_lock() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    let base = map(&f, vmo, 1);
    let load = f.spawn(move |p| p.load_mapped_u64(base).map_err(|fault| fault.status));
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
    // The same process maps and unmaps (exclusive address-space sections) meanwhile.
    let other = vmo_opts(&f.p, P, 0);
    let at = ok!(f.p.vmar_map(f.p.vmar_root_self(), RW, 0, other, 0, P));
    f.p.write_mapped(at, &[5]).unwrap();
    ok!(f.p.vmar_unmap(f.p.vmar_root_self(), at, P));
    f.supply(vmo, 0, 1, 0);
    assert_eq!(load.result().unwrap(), 0);
    f.check();
}

#[test]
fn a_mapped_store_under_trap_dirty_asks_dirty_for_its_page() {
    let f = Pager::new();
    let vmo = f.vmo(2, ZX_VMO_TRAP_DIRTY);
    f.supply(vmo, 0, 2, 0);
    let base = map(&f, vmo, 2);
    let store = f.spawn(move |p| p.store_mapped_u64(base + P, 7).map_err(|fault| fault.status));
    f.expect_request(ZX_PAGER_VMO_DIRTY, 1, 1);
    ok!(f.p.pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, vmo, P, P, 0));
    store.result().unwrap();
    assert_eq!(f.p.load_mapped_u64(base + P).unwrap(), 7);
    let mut records = [zx_vmo_dirty_range_t::default(); 2];
    let (actual, _) = ok!(f.p.pager_query_dirty_ranges(f.pager, vmo, 0, 2 * P, &mut records));
    assert_eq!((actual, records[0].offset, records[0].length), (1, P, P));
    assert_eq!(ok!(f.p.pager_query_vmo_stats_typed(f.pager, vmo, 0)).modified, 1);
    f.check();
}

#[test]
fn an_atomic_on_an_absent_page_asks_read_then_dirty() {
    let f = Pager::new();
    let vmo = f.vmo(1, ZX_VMO_TRAP_DIRTY);
    let base = map(&f, vmo, 1);
    let add = f.spawn(move |p| p.fetch_add_mapped_u64(base, 1).map_err(|fault| fault.status));
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
    f.supply(vmo, 0, 1, 0);
    f.expect_request(ZX_PAGER_VMO_DIRTY, 0, 1);
    ok!(f.p.pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, vmo, 0, P, 0));
    assert_eq!(add.result().unwrap(), 0);
    assert_eq!(f.p.load_mapped_u64(base).unwrap(), 1);
    f.check();
}

#[test]
fn a_failed_request_and_a_detach_become_the_faults_status() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    let base = map(&f, vmo, 2);
    let load = f.spawn(move |p| p.load_mapped_u64(base).map_err(|fault| fault.status));
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
    ok!(f.p.pager_op_range(f.pager, ZX_PAGER_OP_FAIL, vmo, 0, P, ZX_ERR_IO as i64 as u64));
    assert_eq!(load.result().unwrap_err(), st(ZX_ERR_IO));
    ok!(f.p.pager_detach_vmo(f.pager, vmo));
    let fault = f.p.load_mapped_u64(base + P).unwrap_err();
    assert_eq!((fault.vaddr, fault.status), (base + P, st(ZX_ERR_BAD_STATE)));
    f.check();
}

#[test]
fn a_store_to_an_alow_clone_mapping_forks_without_dirtying_the_pager_vmo() {
    let f = Pager::new();
    let vmo = f.vmo(1, ZX_VMO_TRAP_DIRTY);
    f.supply(vmo, 0, 1, 4);
    let clone = child(&f.p, vmo, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 0, P);
    let base = map(&f, clone, 1);
    f.p.store_mapped_u64(base, 9).unwrap();
    f.expect_no_packet();
    assert_eq!(f.p.load_mapped_u64(base).unwrap(), 9);
    assert_eq!(read_vec(&f.p, vmo, 0, 1), vec![4]);
    f.check();
}

#[test]
fn vmar_prefetch_brings_a_pager_vmos_pages_in() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    let base = map(&f, vmo, 2);
    let root = f.p.vmar_root_self();
    let prefetch =
        f.spawn(move |p| p.vmar_op_range(root, ZX_VMAR_OP_PREFETCH, base, 2 * P, &mut []));
    f.expect_request(ZX_PAGER_VMO_READ, 0, 2);
    f.supply(vmo, 0, 2, 3);
    prefetch.result().unwrap();
    assert_eq!(committed(&f.p, vmo), 2 * P);
    f.check();
}
