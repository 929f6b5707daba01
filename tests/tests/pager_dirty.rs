//! Dirty tracking and writeback (reference §9.5, §9.6, §9.9): TRAP_DIRTY and DIRTY
//! requests, OP_DIRTY, WRITEBACK_BEGIN/END, dirty zero ranges, queries and the modified flag.

use zx_conformance::pager::*;
use zx_conformance::*;
use zx_kernel::zx::*;

fn ranges(f: &Pager, vmo: zx_handle_t, offset: u64, len: u64) -> Vec<(u64, u64, u64)> {
    let mut records = [zx_vmo_dirty_range_t::default(); 16];
    let (actual, avail) =
        ok!(f.p.pager_query_dirty_ranges(f.pager, vmo, offset, len, &mut records));
    assert_eq!(actual, avail.min(records.len()));
    records[..actual].iter().map(|r| (r.offset / P, r.length / P, r.options)).collect()
}

fn modified(f: &Pager, vmo: zx_handle_t, reset: bool) -> bool {
    let options = if reset { ZX_PAGER_RESET_VMO_STATS } else { 0 };
    ok!(f.p.pager_query_vmo_stats_typed(f.pager, vmo, options)).modified
        == ZX_PAGER_VMO_STATS_MODIFIED
}

fn op(f: &Pager, op: u32, vmo: zx_handle_t, page: u64, count: u64, data: u64) {
    ok!(f.p.pager_op_range(f.pager, op, vmo, page * P, count * P, data));
}

#[test]
fn without_trap_dirty_a_write_dirties_its_pages_at_once_and_sets_modified() {
    let f = Pager::new();
    let vmo = f.vmo(4, 0);
    f.supply(vmo, 0, 4, 1);
    assert!(!modified(&f, vmo, false));
    ok!(f.p.vmo_write(vmo, &[9; 10], P - 5));
    assert_eq!(ranges(&f, vmo, 0, 4 * P), vec![(0, 2, 0)]);
    assert!(modified(&f, vmo, true));
    assert!(!modified(&f, vmo, false));
    f.expect_no_packet();
    f.check();
}

#[test]
fn reads_commit_and_supply_never_set_modified() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    f.supply(vmo, 0, 2, 1);
    let _ = read_vec(&f.p, vmo, 0, 10);
    ok!(f.p.vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, 2 * P, &mut []));
    assert!(!modified(&f, vmo, false));
    assert!(ranges(&f, vmo, 0, 2 * P).is_empty());
}

#[test]
fn a_write_to_an_absent_page_asks_read_first() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    let write = f.spawn_write(vmo, 0, 4, 7);
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
    f.supply(vmo, 0, 1, 1);
    write.result().unwrap();
    let mut bytes = read_vec(&f.p, vmo, 0, 6);
    bytes.truncate(6);
    assert_eq!(bytes, vec![7, 7, 7, 7, 1, 1]);
    f.check();
}

#[test]
fn with_trap_dirty_a_write_asks_dirty_and_lands_after_op_dirty() {
    let f = Pager::new();
    let vmo = f.vmo(2, ZX_VMO_TRAP_DIRTY);
    f.supply(vmo, 0, 2, 1);
    let write = f.spawn_write(vmo, 0, (2 * P) as usize, 5);
    f.expect_request(ZX_PAGER_VMO_DIRTY, 0, 2);
    write.assert_blocked();
    assert_eq!(read_vec(&f.p, vmo, 0, 2), vec![1, 1]); // nothing written yet
    op(&f, ZX_PAGER_OP_DIRTY, vmo, 0, 2, 0);
    write.result().unwrap();
    assert_eq!(read_vec(&f.p, vmo, P, 2), vec![5, 5]);
    assert_eq!(ranges(&f, vmo, 0, 2 * P), vec![(0, 2, 0)]);
    assert!(modified(&f, vmo, false));
    f.check();
}

#[test]
fn op_dirty_alone_does_not_set_modified_and_keeps_bytes() {
    let f = Pager::new();
    let vmo = f.vmo(1, ZX_VMO_TRAP_DIRTY);
    f.supply(vmo, 0, 1, 4);
    op(&f, ZX_PAGER_OP_DIRTY, vmo, 0, 1, 0);
    assert_eq!(ranges(&f, vmo, 0, P), vec![(0, 1, 0)]);
    assert!(!modified(&f, vmo, false));
    assert_eq!(read_vec(&f.p, vmo, 0, 2), vec![4, 4]);
    // Writing a Dirty page asks nothing more.
    ok!(f.p.vmo_write(vmo, &[8], 0));
    f.expect_no_packet();
    f.check();
}

#[test]
fn op_dirty_of_an_absent_page_is_not_found_and_wakes_the_writer_to_ask_read() {
    let f = Pager::new();
    let vmo = f.vmo(1, ZX_VMO_TRAP_DIRTY);
    assert_err!(f.p.pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, vmo, 0, P, 0), ZX_ERR_NOT_FOUND);
    let write = f.spawn_write(vmo, 0, 1, 3);
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
    f.supply(vmo, 0, 1, 0);
    f.expect_request(ZX_PAGER_VMO_DIRTY, 0, 1);
    op(&f, ZX_PAGER_OP_DIRTY, vmo, 0, 1, 0);
    write.result().unwrap();
    f.check();
}

#[test]
fn failing_a_dirty_request_fails_the_write_and_leaves_the_page_clean() {
    let f = Pager::new();
    let vmo = f.vmo(1, ZX_VMO_TRAP_DIRTY);
    f.supply(vmo, 0, 1, 2);
    let write = f.spawn_write(vmo, 0, 1, 3);
    f.expect_request(ZX_PAGER_VMO_DIRTY, 0, 1);
    op(&f, ZX_PAGER_OP_FAIL, vmo, 0, 1, ZX_ERR_IO_DATA_INTEGRITY as i64 as u64);
    assert_eq!(write.result().unwrap_err(), st(ZX_ERR_IO_DATA_INTEGRITY));
    assert_eq!(read_vec(&f.p, vmo, 0, 1), vec![2]);
    assert!(ranges(&f, vmo, 0, P).is_empty());
    assert!(!modified(&f, vmo, false));
    f.check();
}

#[test]
fn pages_dirtied_before_the_failed_page_of_a_chunk_are_written() {
    let f = Pager::new();
    let vmo = f.vmo(3, ZX_VMO_TRAP_DIRTY);
    f.supply(vmo, 0, 3, 0);
    let write = f.spawn_write(vmo, 0, (3 * P) as usize, 6);
    f.expect_request(ZX_PAGER_VMO_DIRTY, 0, 3);
    op(&f, ZX_PAGER_OP_DIRTY, vmo, 0, 1, 0);
    // The failure starts after the writer's first page: the request completes, and the write
    // asks again for what is left; failing that at its start ends the write.
    op(&f, ZX_PAGER_OP_FAIL, vmo, 1, 2, ZX_ERR_IO as i64 as u64);
    f.expect_request(ZX_PAGER_VMO_DIRTY, 1, 2);
    op(&f, ZX_PAGER_OP_FAIL, vmo, 1, 2, ZX_ERR_IO as i64 as u64);
    assert_eq!(write.result().unwrap_err(), st(ZX_ERR_IO));
    assert_eq!(ranges(&f, vmo, 0, 3 * P), vec![(0, 1, 0)]);
    assert_eq!(read_vec(&f.p, vmo, 0, 1), vec![6]);
    assert_eq!(read_vec(&f.p, vmo, P, 1), vec![0]);
    f.check();
}

#[test]
fn writeback_moves_dirty_to_awaiting_clean_to_clean() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    f.supply(vmo, 0, 2, 0);
    ok!(f.p.vmo_write(vmo, &[1; 2], P - 1));
    op(&f, ZX_PAGER_OP_WRITEBACK_BEGIN, vmo, 0, 2, 0);
    // AwaitingClean pages are still reported.
    assert_eq!(ranges(&f, vmo, 0, 2 * P), vec![(0, 2, 0)]);
    op(&f, ZX_PAGER_OP_WRITEBACK_END, vmo, 0, 2, 0);
    assert!(ranges(&f, vmo, 0, 2 * P).is_empty());
    f.check();
}

#[test]
fn a_page_written_again_after_begin_stays_dirty_after_end() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    f.supply(vmo, 0, 2, 0);
    ok!(f.p.vmo_write(vmo, &[1; 2], P - 1));
    op(&f, ZX_PAGER_OP_WRITEBACK_BEGIN, vmo, 0, 2, 0);
    ok!(f.p.vmo_write(vmo, &[2], P));
    op(&f, ZX_PAGER_OP_WRITEBACK_END, vmo, 0, 2, 0);
    assert_eq!(ranges(&f, vmo, 0, 2 * P), vec![(1, 1, 0)]);
    f.check();
}

#[test]
fn with_trap_dirty_an_awaiting_clean_page_asks_dirty_again() {
    let f = Pager::new();
    let vmo = f.vmo(1, ZX_VMO_TRAP_DIRTY);
    f.supply(vmo, 0, 1, 0);
    op(&f, ZX_PAGER_OP_DIRTY, vmo, 0, 1, 0);
    op(&f, ZX_PAGER_OP_WRITEBACK_BEGIN, vmo, 0, 1, 0);
    let write = f.spawn_write(vmo, 0, 1, 1);
    f.expect_request(ZX_PAGER_VMO_DIRTY, 0, 1);
    op(&f, ZX_PAGER_OP_DIRTY, vmo, 0, 1, 0);
    write.result().unwrap();
    op(&f, ZX_PAGER_OP_WRITEBACK_END, vmo, 0, 1, 0);
    assert_eq!(ranges(&f, vmo, 0, P), vec![(0, 1, 0)]);
    f.check();
}

#[test]
fn op_zero_makes_dirty_zero_ranges_reported_as_zero_and_they_never_merge_with_pages() {
    let f = Pager::new();
    let vmo = f.vmo(4, 0);
    f.supply(vmo, 0, 4, 3);
    ok!(f.p.vmo_write(vmo, &[1], 0));
    ok!(f.p.vmo_op_range(vmo, ZX_VMO_OP_ZERO, P, 2 * P, &mut []));
    assert_eq!(ranges(&f, vmo, 0, 4 * P), vec![(0, 1, 0), (1, 2, ZX_VMO_DIRTY_RANGE_IS_ZERO)]);
    assert_eq!(read_vec(&f.p, vmo, P, 2), vec![0, 0]);
    assert_eq!(committed(&f.p, vmo), 2 * P);
    f.check();
}

#[test]
fn op_zero_of_absent_pages_needs_no_request_and_resolves_a_blocked_read() {
    let f = Pager::new();
    let vmo = f.vmo(2, ZX_VMO_TRAP_DIRTY);
    let read = f.spawn_read(vmo, 0, 4);
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
    ok!(f.p.vmo_op_range(vmo, ZX_VMO_OP_ZERO, 0, 2 * P, &mut []));
    assert_eq!(read.result().unwrap(), vec![0; 4]);
    f.expect_no_packet();
    assert!(modified(&f, vmo, false));
    f.check();
}

#[test]
fn writeback_of_a_dirty_zero_range_makes_it_absent_again() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    ok!(f.p.vmo_op_range(vmo, ZX_VMO_OP_ZERO, 0, P, &mut []));
    op(&f, ZX_PAGER_OP_WRITEBACK_BEGIN, vmo, 0, 1, ZX_VMO_DIRTY_RANGE_IS_ZERO);
    op(&f, ZX_PAGER_OP_WRITEBACK_END, vmo, 0, 1, 0);
    assert!(ranges(&f, vmo, 0, P).is_empty());
    let read = f.spawn_read(vmo, 0, 1);
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
    f.supply(vmo, 0, 1, 4);
    assert_eq!(read.result().unwrap(), vec![4]);
    f.check();
}

#[test]
fn begin_with_is_zero_leaves_committed_dirty_pages_alone() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    f.supply(vmo, 0, 1, 0);
    ok!(f.p.vmo_write(vmo, &[1], 0));
    ok!(f.p.vmo_op_range(vmo, ZX_VMO_OP_ZERO, P, P, &mut []));
    op(&f, ZX_PAGER_OP_WRITEBACK_BEGIN, vmo, 0, 2, ZX_VMO_DIRTY_RANGE_IS_ZERO);
    op(&f, ZX_PAGER_OP_WRITEBACK_END, vmo, 0, 2, 0);
    assert_eq!(ranges(&f, vmo, 0, 2 * P), vec![(0, 1, 0)]);
    f.check();
}

#[test]
fn growing_a_pager_vmo_adds_dirty_zero_pages_and_sets_modified() {
    let f = Pager::new();
    let vmo = f.vmo(1, ZX_VMO_RESIZABLE);
    ok!(f.p.vmo_set_size(vmo, 3 * P));
    assert_eq!(ranges(&f, vmo, 0, 3 * P), vec![(1, 2, ZX_VMO_DIRTY_RANGE_IS_ZERO)]);
    assert_eq!(read_vec(&f.p, vmo, P, 4), vec![0; 4]); // no request
    f.expect_no_packet();
    assert!(modified(&f, vmo, false));
    f.check();
}

#[test]
fn query_reports_actual_and_avail_when_the_buffer_is_short() {
    let f = Pager::new();
    let vmo = f.vmo(5, 0);
    f.supply(vmo, 0, 5, 0);
    for page in [0, 2, 4] {
        ok!(f.p.vmo_write(vmo, &[1], page * P));
    }
    let mut two = [zx_vmo_dirty_range_t::default(); 2];
    assert_eq!(ok!(f.p.pager_query_dirty_ranges(f.pager, vmo, 0, 5 * P, &mut two)), (2, 3));
    assert_eq!((two[1].offset, two[1].length), (2 * P, P));
    // Unaligned ranges widen to whole pages.
    assert_eq!(ranges(&f, vmo, 2 * P + 7, 1), vec![(2, 1, 0)]);
}

#[test]
fn a_writable_pin_dirties_and_sets_modified() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    f.supply(vmo, 0, 1, 0);
    let dev = Dev::new(&f.p);
    let mut addrs = [0u64; 1];
    let pmt =
        ok!(f.p.bti_pin(dev.bti, ZX_BTI_PERM_READ | ZX_BTI_PERM_WRITE, vmo, 0, P, &mut addrs));
    assert_eq!(ranges(&f, vmo, 0, P), vec![(0, 1, 0)]);
    assert!(modified(&f, vmo, false));
    // A pinned Dirty page stays Dirty through writeback.
    op(&f, ZX_PAGER_OP_WRITEBACK_BEGIN, vmo, 0, 1, 0);
    op(&f, ZX_PAGER_OP_WRITEBACK_END, vmo, 0, 1, 0);
    assert_eq!(ranges(&f, vmo, 0, P), vec![(0, 1, 0)]);
    ok!(f.p.pmt_unpin(pmt));
    f.check();
}
