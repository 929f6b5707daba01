//! The page-request engine (reference §9.7): a read of an absent page blocks with no lock
//! held, one packet per request, coalescing, early wake, supply, FAIL, timeouts, and the
//! packet order of one VMO. Every blocking call runs on its own thread under a watchdog.

use zx_conformance::pager::*;
use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::KernelConfig;

#[test]
fn a_read_of_an_absent_page_sends_read_and_returns_after_supply() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    f.expect_no_packet(); // creation sends nothing
    let read = f.spawn_read(vmo, 10, 20);
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
    read.assert_blocked();
    f.supply(vmo, 0, 2, 0xAB);
    assert_eq!(read.result().unwrap(), vec![0xAB; 20]);
    f.expect_no_packet();
    f.check();
}

#[test]
fn the_request_covers_what_the_read_still_needs_and_stops_at_a_present_page() {
    let f = Pager::new();
    let vmo = f.vmo(4, 0);
    f.supply(vmo, 2, 1, 2);
    let read = f.spawn_read(vmo, 0, (4 * P) as usize);
    f.expect_request(ZX_PAGER_VMO_READ, 0, 2);
    f.supply(vmo, 0, 2, 1);
    f.expect_request(ZX_PAGER_VMO_READ, 3, 1);
    f.supply(vmo, 3, 1, 4);
    let bytes = read.result().unwrap();
    assert_eq!((bytes[0], bytes[(2 * P) as usize], bytes[(3 * P) as usize]), (1, 2, 4));
    f.check();
}

#[test]
fn two_readers_of_one_page_make_one_packet() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    let first = f.spawn_read(vmo, 0, 8);
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
    let second = f.spawn_read(vmo, 100, 8);
    second.assert_blocked();
    f.expect_no_packet();
    f.supply(vmo, 0, 1, 7);
    assert_eq!(first.result().unwrap(), vec![7; 8]);
    assert_eq!(second.result().unwrap(), vec![7; 8]);
    f.expect_no_packet();
    f.check();
}

#[test]
fn a_later_request_is_cut_where_an_outstanding_one_begins() {
    let f = Pager::new();
    let vmo = f.vmo(4, 0);
    let tail = f.spawn_read(vmo, 2 * P, (2 * P) as usize);
    f.expect_request(ZX_PAGER_VMO_READ, 2, 2);
    let whole = f.spawn_read(vmo, 0, (4 * P) as usize);
    f.expect_request(ZX_PAGER_VMO_READ, 0, 2);
    f.supply(vmo, 0, 4, 3);
    assert_eq!(tail.result().unwrap(), vec![3; (2 * P) as usize]);
    assert_eq!(whole.result().unwrap(), vec![3; (4 * P) as usize]);
    f.expect_no_packet();
    f.check();
}

#[test]
fn one_vmo_has_one_packet_in_the_port_at_a_time() {
    let f = Pager::new();
    let vmo = f.vmo(4, 0);
    let a = f.spawn_read(vmo, 0, 1);
    a.assert_blocked();
    let b = f.spawn_read(vmo, 3 * P, 1);
    b.assert_blocked();
    // The second request waits behind the first packet until port_wait takes it.
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
    f.expect_request(ZX_PAGER_VMO_READ, 3, 1);
    f.supply(vmo, 0, 4, 9);
    assert_eq!(a.result().unwrap(), vec![9]);
    assert_eq!(b.result().unwrap(), vec![9]);
    f.check();
}

#[test]
fn a_request_completed_before_its_packet_is_taken_is_never_seen() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    let read = f.spawn_read(vmo, 0, 4);
    read.assert_blocked();
    f.supply(vmo, 0, 1, 5);
    assert_eq!(read.result().unwrap(), vec![5; 4]);
    f.expect_no_packet();
    f.check();
}

#[test]
fn a_read_wakes_early_when_its_next_page_lands_without_a_new_packet() {
    let f = Pager::new();
    let vmo = f.vmo(3, 0);
    let read = f.spawn_read(vmo, 0, (3 * P) as usize);
    f.expect_request(ZX_PAGER_VMO_READ, 0, 3);
    f.supply(vmo, 0, 1, 1);
    read.assert_blocked();
    f.supply(vmo, 1, 2, 2);
    let bytes = read.result().unwrap();
    assert_eq!((bytes[0], bytes[(P + 1) as usize]), (1, 2));
    f.expect_no_packet();
    f.check();
}

#[test]
fn supply_never_overwrites_a_present_page_and_frees_the_aux_page() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    f.supply(vmo, 0, 1, 1);
    let free = free_bytes(&f.kernel);
    f.supply(vmo, 0, 1, 2);
    assert_eq!(free_bytes(&f.kernel), free);
    assert_eq!(read_vec(&f.p, vmo, 0, 4), vec![1; 4]);
    f.check();
}

#[test]
fn a_one_page_supply_past_the_stream_size_fills_nothing_and_frees_the_aux_page() {
    let f = Pager::new();
    let vmo = f.vmo(4, 0);
    ok!(f.p.vmo_set_stream_size(vmo, P));
    let aux = vmo_opts(&f.p, P, 0);
    fill(&f.p, aux, 0, P as usize, 9);
    let free = free_bytes(&f.kernel);
    ok!(f.p.pager_supply_pages(f.pager, vmo, 2 * P, P, aux, 0));
    assert_eq!(free_bytes(&f.kernel), free + P);
    assert_eq!(committed(&f.p, vmo), 0);
    assert_eq!(read_vec(&f.p, vmo, 2 * P, 4), vec![0; 4]);
    f.expect_no_packet();
    f.check();
}

#[test]
fn supply_moves_pages_without_copying() {
    let f = Pager::new();
    let vmo = f.vmo(4, 0);
    let aux = vmo_opts(&f.p, 4 * P, 0);
    fill(&f.p, aux, 0, (4 * P) as usize, 6);
    let free = free_bytes(&f.kernel);
    ok!(f.p.pager_supply_pages(f.pager, vmo, 0, 4 * P, aux, 0));
    assert_eq!(free_bytes(&f.kernel), free);
    assert_eq!(committed(&f.p, aux), 0);
    assert_eq!(read_vec(&f.p, aux, 0, 4), vec![0; 4]);
    assert_eq!(committed(&f.p, vmo), 4 * P);
    f.check();
}

#[test]
fn an_uncommitted_aux_page_supplies_a_marker_that_reads_zero_and_commits_nothing() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    let aux = vmo_opts(&f.p, P, 0);
    ok!(f.p.pager_supply_pages(f.pager, vmo, 0, P, aux, 0));
    assert_eq!(read_vec(&f.p, vmo, 0, 8), vec![0; 8]);
    assert_eq!(committed(&f.p, vmo), 0);
    f.expect_no_packet();
    f.check();
}

#[test]
fn fail_gives_its_status_to_the_blocked_read() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    let read = f.spawn_read(vmo, 0, 4);
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
    ok!(f.p.pager_op_range(f.pager, ZX_PAGER_OP_FAIL, vmo, 0, P, ZX_ERR_IO as i64 as u64));
    assert_eq!(read.result().unwrap_err(), st(ZX_ERR_IO));
    // Failure is not remembered: the next read asks again.
    let again = f.spawn_read(vmo, 0, 4);
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
    f.supply(vmo, 0, 1, 8);
    assert_eq!(again.result().unwrap(), vec![8; 4]);
    f.check();
}

#[test]
fn every_allowed_fail_status_reaches_the_waiter() {
    for status in [
        ZX_ERR_IO,
        ZX_ERR_IO_DATA_INTEGRITY,
        ZX_ERR_BAD_STATE,
        ZX_ERR_NO_SPACE,
        ZX_ERR_BUFFER_TOO_SMALL,
    ] {
        let f = Pager::new();
        let vmo = f.vmo(1, 0);
        let read = f.spawn_read(vmo, 0, 1);
        f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
        ok!(f.p.pager_op_range(f.pager, ZX_PAGER_OP_FAIL, vmo, 0, P, status as i64 as u64));
        assert_eq!(read.result().unwrap_err(), st(status));
        f.check();
    }
}

#[test]
fn failing_only_the_tail_of_a_commit_completes_it_and_the_retry_asks_again() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    let commit = f.spawn(move |p| p.vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, 2 * P, &mut []));
    f.expect_request(ZX_PAGER_VMO_READ, 0, 2);
    f.supply(vmo, 0, 1, 1);
    ok!(f.p.pager_op_range(f.pager, ZX_PAGER_OP_FAIL, vmo, P, P, ZX_ERR_IO as i64 as u64));
    f.expect_request(ZX_PAGER_VMO_READ, 1, 1);
    f.supply(vmo, 1, 1, 2);
    commit.result().unwrap();
    assert_eq!(committed(&f.p, vmo), 2 * P);
    f.check();
}

#[test]
fn a_silent_pager_times_the_read_out_and_its_packet_is_withdrawn() {
    let config =
        KernelConfig { memory_bytes: 1 << 20, pager_timeout_ns: 20_000_000, ..Default::default() };
    let f = Pager::with_config(config);
    let vmo = f.vmo(1, 0);
    let read = f.spawn_read(vmo, 0, 1);
    assert_eq!(read.result().unwrap_err(), st(ZX_ERR_TIMED_OUT));
    f.expect_no_packet();
    f.check();
}

#[test]
fn a_joiner_inherits_the_request_when_the_first_waiter_times_out() {
    let config =
        KernelConfig { memory_bytes: 1 << 20, pager_timeout_ns: 300_000_000, ..Default::default() };
    let f = Pager::with_config(config);
    let vmo = f.vmo(1, 0);
    let first = f.spawn_read(vmo, 0, 1);
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
    std::thread::sleep(std::time::Duration::from_millis(150));
    let second = f.spawn_read(vmo, 0, 1);
    assert_eq!(first.result().unwrap_err(), st(ZX_ERR_TIMED_OUT));
    f.expect_no_packet(); // nothing is re-sent
    f.supply(vmo, 0, 1, 3);
    assert_eq!(second.result().unwrap(), vec![3]);
    f.check();
}

#[test]
fn a_blocked_thread_holds_no_lock_other_calls_on_the_vmo_complete() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    f.supply(vmo, 1, 1, 4);
    let read = f.spawn_read(vmo, 0, 1);
    f.expect_request(ZX_PAGER_VMO_READ, 0, 1);
    assert_eq!(read_vec(&f.p, vmo, P, 2), vec![4; 2]);
    assert_eq!(f.p.vmo_get_size(vmo), Ok(2 * P));
    let _ = vmo_info(&f.p, vmo);
    f.check();
    let dup = dup(&f.p, vmo, ZX_RIGHT_SAME_RIGHTS);
    ok!(f.p.handle_close(dup));
    f.supply(vmo, 0, 1, 5);
    assert_eq!(read.result().unwrap(), vec![5]);
    f.check();
}

#[test]
fn a_fail_right_after_an_early_wake_fails_the_read_at_its_next_page() {
    for _ in 0..20 {
        let f = Pager::new();
        let vmo = f.vmo(3, 0);
        let read = f.spawn_read(vmo, 0, (3 * P) as usize);
        f.expect_request(ZX_PAGER_VMO_READ, 0, 3);
        f.supply(vmo, 0, 1, 1);
        ok!(f.p.pager_op_range(f.pager, ZX_PAGER_OP_FAIL, vmo, P, P, ZX_ERR_IO as i64 as u64));
        assert_eq!(read.result().unwrap_err(), st(ZX_ERR_IO));
        f.expect_no_packet();
        f.check();
    }
}
