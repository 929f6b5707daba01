//! Detach, pager death, port closing and the COMPLETE packet (reference §9.2, §9.7, §9.8).

use zx_conformance::pager::*;
use zx_conformance::*;
use zx_kernel::zx::*;

#[test]
fn detach_fails_blocked_reads_with_bad_state_and_withdraws_their_packet() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    let read = f.spawn_read(vmo, 0, 1);
    read.assert_blocked(); // its READ packet is queued, not taken
    ok!(f.p.pager_detach_vmo(f.pager, vmo));
    assert_eq!(read.result().unwrap_err(), st(ZX_ERR_BAD_STATE));
    f.expect_request(ZX_PAGER_VMO_COMPLETE, 0, 0);
    f.expect_no_packet();
    f.check();
}

#[test]
fn after_detach_absent_pages_fail_at_once_and_dirty_pages_stay_readable() {
    let f = Pager::new();
    let vmo = f.vmo(3, 0);
    f.supply(vmo, 0, 2, 1);
    ok!(f.p.vmo_write(vmo, &[7], P));
    let free = free_bytes(&f.kernel);
    ok!(f.p.pager_detach_vmo(f.pager, vmo));
    // The Clean page went, the Dirty one stayed.
    assert_eq!(free_bytes(&f.kernel), free + P);
    assert_err!(f.p.vmo_read(vmo, &mut [0], 0), ZX_ERR_BAD_STATE);
    assert_err!(f.p.vmo_read(vmo, &mut [0], 2 * P), ZX_ERR_BAD_STATE);
    assert_eq!(read_vec(&f.p, vmo, P, 1), vec![7]);
    ok!(f.p.vmo_write(vmo, &[8], P)); // no TRAP_DIRTY: a kept page takes writes
    f.expect_request(ZX_PAGER_VMO_COMPLETE, 0, 0);
    f.expect_no_packet();
    // Supply, DIRTY and FAIL are refused; queries still work.
    let aux = vmo_opts(&f.p, P, 0);
    assert_err!(f.p.pager_supply_pages(f.pager, vmo, 0, P, aux, 0), ZX_ERR_BAD_STATE);
    let mut records = [zx_vmo_dirty_range_t::default(); 2];
    assert_eq!(ok!(f.p.pager_query_dirty_ranges(f.pager, vmo, 0, 3 * P, &mut records)), (1, 1));
    f.check();
}

#[test]
fn pager_death_fails_waiters_sends_no_complete_and_drops_no_page() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    f.supply(vmo, 0, 1, 5);
    let free = free_bytes(&f.kernel);
    let read = f.spawn_read(vmo, P, 1);
    f.expect_request(ZX_PAGER_VMO_READ, 1, 1);
    ok!(f.p.handle_close(f.pager));
    assert_eq!(read.result().unwrap_err(), st(ZX_ERR_BAD_STATE));
    assert_eq!(free_bytes(&f.kernel), free);
    assert_eq!(read_vec(&f.p, vmo, 0, 2), vec![5, 5]);
    f.expect_no_packet();
    f.check();
}

#[test]
fn pager_death_withdraws_a_queued_complete() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    ok!(f.p.pager_detach_vmo(f.pager, vmo));
    ok!(f.p.handle_close(f.pager));
    f.expect_no_packet();
    f.check();
}

#[test]
fn closing_every_handle_of_the_tree_sends_complete_once() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    let clone = child(&f.p, vmo, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 0, P);
    ok!(f.p.handle_close(vmo));
    f.expect_no_packet(); // a clone still lives
    ok!(f.p.handle_close(clone));
    f.expect_request(ZX_PAGER_VMO_COMPLETE, 0, 0);
    f.expect_no_packet();
    f.check();
}

#[test]
fn after_the_pager_vmo_closes_its_clone_still_reads_through_the_pager() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    f.supply(vmo, 0, 1, 2);
    let clone = child(&f.p, vmo, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 0, 2 * P);
    ok!(f.p.handle_close(vmo));
    assert_eq!(read_vec(&f.p, clone, 0, 1), vec![2]);
    assert_eq!(vmo_info(&f.p, clone).committed_bytes, 0);
    let read = f.spawn_read(clone, P, 1);
    f.expect_request(ZX_PAGER_VMO_READ, 1, 1);
    // The pager has no handle to the VMO any more: it can only fail or die.
    ok!(f.p.handle_close(f.pager));
    assert_eq!(read.result().unwrap_err(), st(ZX_ERR_BAD_STATE));
    ok!(f.p.handle_close(clone));
    f.check();
    assert_no_leak(&f.kernel);
}

#[test]
fn a_port_with_no_handle_left_gets_nothing_and_requests_stay_outstanding() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    ok!(f.p.handle_close(f.port));
    let read = f.spawn_read(vmo, 0, 1);
    read.assert_blocked();
    f.supply(vmo, 0, 1, 3);
    assert_eq!(read.result().unwrap(), vec![3]);
    f.check();
}

#[test]
fn a_pager_call_never_waits_on_its_own_vmo_while_a_read_is_blocked() {
    let f = Pager::new();
    let vmo = f.vmo(2, ZX_VMO_TRAP_DIRTY);
    let read = f.spawn_read(vmo, 0, 1);
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
    // Every pager call and the kernel's checks complete while the read waits.
    let mut records = [zx_vmo_dirty_range_t::default(); 1];
    ok!(f.p.pager_query_dirty_ranges(f.pager, vmo, 0, 2 * P, &mut records));
    ok!(f.p.pager_query_vmo_stats_typed(f.pager, vmo, 0));
    ok!(f.p.pager_op_range(f.pager, ZX_PAGER_OP_WRITEBACK_BEGIN, vmo, 0, P, 0));
    ok!(f.p.pager_op_range(f.pager, ZX_PAGER_OP_WRITEBACK_END, vmo, 0, P, 0));
    let _ = f.kernel.kmem_stats();
    f.check();
    ok!(f.p.pager_detach_vmo(f.pager, vmo));
    assert_eq!(read.result().unwrap_err(), st(ZX_ERR_BAD_STATE));
}

#[test]
fn a_shrink_fails_the_waiters_past_the_new_end_with_out_of_range() {
    let f = Pager::new();
    let vmo = f.vmo(4, ZX_VMO_RESIZABLE);
    let read = f.spawn_read(vmo, 3 * P, 1);
    f.expect_request(ZX_PAGER_VMO_READ, 3, 1);
    ok!(f.p.vmo_set_size(vmo, P));
    assert_eq!(read.result().unwrap_err(), st(ZX_ERR_OUT_OF_RANGE));
    f.expect_no_packet();
    f.check();
}
