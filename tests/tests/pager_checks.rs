//! Argument and handle checks of the pager calls, in the documented order (reference §9.3–
//! §9.6, §9.8): each test breaks one thing at a time and expects exactly its status.

use zx_conformance::pager::*;
use zx_conformance::*;
use zx_kernel::zx::*;

const IO: u64 = ZX_ERR_IO as i64 as u64;

#[test]
fn pager_create_takes_no_options_and_gives_the_default_pager_rights() {
    let f = Pager::new();
    assert_err!(f.p.pager_create(1), ZX_ERR_INVALID_ARGS);
    let info = basic(&f.p, f.pager);
    assert_eq!((info.type_, info.rights), (ZX_OBJ_TYPE_PAGER, ZX_DEFAULT_PAGER_RIGHTS));
    assert_err!(f.p.handle_duplicate(f.pager, ZX_RIGHT_SAME_RIGHTS), ZX_ERR_ACCESS_DENIED);
    let narrowed = ok!(f.p.handle_replace(f.pager, ZX_RIGHT_ATTACH_VMO));
    assert_eq!(rights_of(&f.p, narrowed), ZX_RIGHT_ATTACH_VMO);
}

#[test]
fn create_vmo_checks_handles_first() {
    let f = Pager::new();
    let event = event(&f.p);
    assert_err!(f.p.pager_create_vmo(0, 0, f.port, KEY, P), ZX_ERR_BAD_HANDLE);
    assert_err!(f.p.pager_create_vmo(event, 0, f.port, KEY, P), ZX_ERR_WRONG_TYPE);
    let manage_only = ok!(f.p.handle_replace(ok!(f.p.pager_create(0)), ZX_RIGHT_MANAGE_VMO));
    assert_err!(f.p.pager_create_vmo(manage_only, 0, f.port, KEY, P), ZX_ERR_ACCESS_DENIED);
    assert_err!(f.p.pager_create_vmo(f.pager, 0, 0, KEY, P), ZX_ERR_BAD_HANDLE);
    assert_err!(f.p.pager_create_vmo(f.pager, 0, event, KEY, P), ZX_ERR_WRONG_TYPE);
    let read_only_port = dup(&f.p, f.port, ZX_RIGHT_READ);
    assert_err!(f.p.pager_create_vmo(f.pager, 0, read_only_port, KEY, P), ZX_ERR_ACCESS_DENIED);
}

#[test]
fn create_vmo_checks_options_and_size_in_order() {
    let f = Pager::new();
    let both = ZX_VMO_RESIZABLE | ZX_VMO_UNBOUNDED;
    assert_err!(f.p.pager_create_vmo(f.pager, both, f.port, KEY, u64::MAX), ZX_ERR_INVALID_ARGS);
    // A bounded size that rounds past the maximum is OUT_OF_RANGE before an unknown bit.
    assert_err!(f.p.pager_create_vmo(f.pager, 1 << 9, f.port, KEY, u64::MAX), ZX_ERR_OUT_OF_RANGE);
    assert_err!(
        f.p.pager_create_vmo(f.pager, ZX_VMO_DISCARDABLE, f.port, KEY, P),
        ZX_ERR_INVALID_ARGS
    );
    assert_err!(f.p.pager_create_vmo(f.pager, 1 << 9, f.port, KEY, P), ZX_ERR_INVALID_ARGS);
    assert_err!(
        f.p.pager_create_vmo(f.pager, ZX_VMO_UNBOUNDED, f.port, KEY, MAX_SIZE + 1),
        ZX_ERR_OUT_OF_RANGE
    );
    let unbounded = ok!(f.p.pager_create_vmo(f.pager, ZX_VMO_UNBOUNDED, f.port, KEY, 3 * P + 1));
    assert_eq!(f.p.vmo_get_size(unbounded), Ok(MAX_SIZE));
    assert_eq!(f.p.vmo_get_stream_size(unbounded), Ok(3 * P + 1));
    f.check();
}

#[test]
fn a_pager_vmo_has_the_default_rights_resize_if_resizable_and_no_children_yet() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    assert_eq!(rights_of(&f.p, vmo), VMO_RIGHTS);
    let resizable = f.vmo(1, ZX_VMO_RESIZABLE);
    assert_eq!(rights_of(&f.p, resizable), RESIZABLE_VMO_RIGHTS);
    let info = vmo_info(&f.p, resizable);
    assert_ne!(info.flags & ZX_INFO_VMO_PAGER_BACKED, 0);
    assert_ne!(info.flags & ZX_INFO_VMO_RESIZABLE, 0);
    assert!(zero_children(&f.p, vmo));
    assert_eq!(ok!(f.p.pager_query_vmo_stats_typed(f.pager, vmo, 0)).modified, 0);
}

#[test]
fn vmo_create_refuses_trap_dirty() {
    let f = Pager::new();
    assert_err!(f.p.vmo_create(P, ZX_VMO_TRAP_DIRTY), ZX_ERR_INVALID_ARGS);
}

#[test]
fn the_pager_check_refuses_everything_but_the_pager_vmo_of_this_pager() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    let slice = child(&f.p, vmo, ZX_VMO_CHILD_SLICE, 0, P);
    let reference = child(&f.p, vmo, ZX_VMO_CHILD_REFERENCE, 0, 0);
    let clone = child(&f.p, vmo, ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 0, P);
    let anonymous = vmo_opts(&f.p, P, 0);
    let other_pager = ok!(f.p.pager_create(0));
    let others = ok!(f.p.pager_create_vmo(other_pager, 0, f.port, KEY, P));
    for not_ours in [slice, reference, clone, anonymous, others] {
        assert_err!(f.p.pager_detach_vmo(f.pager, not_ours), ZX_ERR_INVALID_ARGS);
        assert_err!(
            f.p.pager_op_range(f.pager, ZX_PAGER_OP_FAIL, not_ours, 0, P, IO),
            ZX_ERR_INVALID_ARGS
        );
        let aux = vmo_opts(&f.p, P, 0);
        assert_err!(f.p.pager_supply_pages(f.pager, not_ours, 0, P, aux, 0), ZX_ERR_INVALID_ARGS);
        assert_err!(
            f.p.pager_query_dirty_ranges(f.pager, not_ours, 0, P, &mut []),
            ZX_ERR_INVALID_ARGS
        );
        assert_err!(f.p.pager_query_vmo_stats_typed(f.pager, not_ours, 0), ZX_ERR_INVALID_ARGS);
    }
    f.check();
}

#[test]
fn supply_checks_alignment_before_any_handle() {
    let f = Pager::new();
    assert_err!(f.p.pager_supply_pages(0, 0, 1, P, 0, 0), ZX_ERR_INVALID_ARGS);
    assert_err!(f.p.pager_supply_pages(0, 0, 0, 1, 0, 0), ZX_ERR_INVALID_ARGS);
    assert_err!(f.p.pager_supply_pages(0, 0, 0, P, 0, 1), ZX_ERR_INVALID_ARGS);
    assert_err!(f.p.pager_supply_pages(0, 0, 0, P, 0, 0), ZX_ERR_BAD_HANDLE);
}

#[test]
fn supply_checks_handles_then_the_pager_check_then_aux_rights() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    let aux = vmo_opts(&f.p, P, 0);
    let attach_only = ok!(f.p.handle_replace(ok!(f.p.pager_create(0)), ZX_RIGHT_ATTACH_VMO));
    assert_err!(f.p.pager_supply_pages(attach_only, vmo, 0, P, aux, 0), ZX_ERR_ACCESS_DENIED);
    let read_only = dup(&f.p, vmo, ZX_RIGHT_READ);
    assert_err!(f.p.pager_supply_pages(f.pager, read_only, 0, P, aux, 0), ZX_ERR_ACCESS_DENIED);
    let anonymous = vmo_opts(&f.p, P, 0);
    let aux_read_only = dup(&f.p, aux, ZX_RIGHT_READ);
    // The pager check comes before aux's handle.
    assert_err!(f.p.pager_supply_pages(f.pager, anonymous, 0, P, 0, 0), ZX_ERR_INVALID_ARGS);
    assert_err!(f.p.pager_supply_pages(f.pager, vmo, 0, P, 0, 0), ZX_ERR_BAD_HANDLE);
    assert_err!(f.p.pager_supply_pages(f.pager, vmo, 0, P, aux_read_only, 0), ZX_ERR_ACCESS_DENIED);
    f.check();
}

#[test]
fn supply_checks_aux_then_the_pager_vmo_range() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    let aux = vmo_opts(&f.p, P, 0);
    // Length 0 is OK with nothing else checked, even far out of range.
    ok!(f.p.pager_supply_pages(f.pager, vmo, 100 * P, 0, aux, 100 * P));
    assert_err!(f.p.pager_supply_pages(f.pager, vmo, 0, P, aux, P), ZX_ERR_OUT_OF_RANGE);
    assert_err!(f.p.pager_supply_pages(f.pager, vmo, 0, 2 * P, aux, 0), ZX_ERR_OUT_OF_RANGE);
    let other = f.vmo(1, 0);
    assert_err!(f.p.pager_supply_pages(f.pager, vmo, 0, P, other, 0), ZX_ERR_NOT_SUPPORTED);
    let slice_of_other = child(&f.p, other, ZX_VMO_CHILD_SLICE, 0, P);
    assert_err!(
        f.p.pager_supply_pages(f.pager, vmo, 0, P, slice_of_other, 0),
        ZX_ERR_NOT_SUPPORTED
    );
    let big_aux = vmo_opts(&f.p, 4 * P, 0);
    assert_err!(f.p.pager_supply_pages(f.pager, vmo, 2 * P, P, big_aux, 0), ZX_ERR_OUT_OF_RANGE);
    assert_err!(
        f.p.pager_supply_pages(f.pager, vmo, u64::MAX - P + 1, P, big_aux, 0),
        ZX_ERR_OUT_OF_RANGE
    );
    f.check();
}

#[test]
fn supply_from_a_pinned_aux_page_is_bad_state_and_changes_nothing() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    let aux = vmo_opts(&f.p, P, 0);
    fill(&f.p, aux, 0, P as usize, 3);
    let dev = Dev::new(&f.p);
    let mut addrs = [0u64; 1];
    let pmt = ok!(f.p.bti_pin(dev.bti, ZX_BTI_PERM_READ, aux, 0, P, &mut addrs));
    assert_err!(f.p.pager_supply_pages(f.pager, vmo, 0, P, aux, 0), ZX_ERR_BAD_STATE);
    assert_eq!(read_vec(&f.p, aux, 0, 2), vec![3; 2]);
    ok!(f.p.pmt_unpin(pmt));
    f.check();
}

#[test]
fn supply_of_a_physical_or_contiguous_aux_is_not_supported_before_length_zero() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    let contiguous = Dev::new(&f.p).contiguous(&f.p, 1);
    assert_err!(f.p.pager_supply_pages(f.pager, vmo, 0, 0, contiguous, 0), ZX_ERR_NOT_SUPPORTED);
    f.check();
}

#[test]
fn op_range_checks_alignment_handles_the_pager_check_then_the_op() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    assert_err!(f.p.pager_op_range(0, 99, 0, 1, P, 0), ZX_ERR_INVALID_ARGS);
    assert_err!(f.p.pager_op_range(0, 99, 0, 0, 1, 0), ZX_ERR_INVALID_ARGS);
    assert_err!(f.p.pager_op_range(0, 99, vmo, 0, P, 0), ZX_ERR_BAD_HANDLE);
    let anonymous = vmo_opts(&f.p, P, 0);
    assert_err!(f.p.pager_op_range(f.pager, 99, anonymous, 0, P, 0), ZX_ERR_INVALID_ARGS);
    assert_err!(f.p.pager_op_range(f.pager, 0, vmo, 0, P, 0), ZX_ERR_NOT_SUPPORTED);
    assert_err!(f.p.pager_op_range(f.pager, 5, vmo, 0, P, 0), ZX_ERR_NOT_SUPPORTED);
}

#[test]
fn fail_takes_only_sign_extended_allowed_statuses_then_checks_the_range() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    let zero_extended = ZX_ERR_IO as u32 as u64;
    assert_err!(
        f.p.pager_op_range(f.pager, ZX_PAGER_OP_FAIL, vmo, 0, P, zero_extended),
        ZX_ERR_INVALID_ARGS
    );
    for refused in [ZX_OK, ZX_ERR_NO_MEMORY, ZX_ERR_TIMED_OUT, ZX_ERR_OUT_OF_RANGE] {
        let data = refused as i64 as u64;
        assert_err!(
            f.p.pager_op_range(f.pager, ZX_PAGER_OP_FAIL, vmo, 0, P, data),
            ZX_ERR_INVALID_ARGS
        );
    }
    assert_err!(
        f.p.pager_op_range(f.pager, ZX_PAGER_OP_FAIL, vmo, 0, 2 * P, IO),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_err!(
        f.p.pager_op_range(f.pager, ZX_PAGER_OP_FAIL, vmo, P, u64::MAX - P + 1, IO),
        ZX_ERR_OUT_OF_RANGE
    );
    // A FAIL with nothing to fail is a no-op.
    ok!(f.p.pager_op_range(f.pager, ZX_PAGER_OP_FAIL, vmo, 0, P, IO));
    ok!(f.p.pager_detach_vmo(f.pager, vmo));
    assert_err!(f.p.pager_op_range(f.pager, ZX_PAGER_OP_FAIL, vmo, 0, P, IO), ZX_ERR_BAD_STATE);
}

#[test]
fn op_dirty_checks_data_overflow_trap_dirty_range_detach_then_absence() {
    let f = Pager::new();
    let plain = f.vmo(1, 0);
    let trap = f.vmo(2, ZX_VMO_TRAP_DIRTY);
    assert_err!(f.p.pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, trap, 0, P, 1), ZX_ERR_INVALID_ARGS);
    assert_err!(
        f.p.pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, plain, P, u64::MAX - P + 1, 0),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_err!(
        f.p.pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, plain, 0, 0, 0),
        ZX_ERR_NOT_SUPPORTED
    );
    assert_err!(
        f.p.pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, trap, 0, 3 * P, 0),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_err!(f.p.pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, trap, 0, P, 0), ZX_ERR_NOT_FOUND);
    ok!(f.p.pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, trap, 0, 0, 0));
    ok!(f.p.pager_detach_vmo(f.pager, trap));
    assert_err!(f.p.pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, trap, 0, P, 0), ZX_ERR_BAD_STATE);
}

#[test]
fn writeback_checks_data_then_the_range() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    let begin = ZX_PAGER_OP_WRITEBACK_BEGIN;
    let end = ZX_PAGER_OP_WRITEBACK_END;
    assert_err!(f.p.pager_op_range(f.pager, begin, vmo, 0, P, 2), ZX_ERR_INVALID_ARGS);
    ok!(f.p.pager_op_range(f.pager, begin, vmo, 0, P, ZX_VMO_DIRTY_RANGE_IS_ZERO));
    assert_err!(f.p.pager_op_range(f.pager, begin, vmo, 0, 2 * P, 0), ZX_ERR_OUT_OF_RANGE);
    assert_err!(
        f.p.pager_op_range(f.pager, end, vmo, 0, P, ZX_VMO_DIRTY_RANGE_IS_ZERO),
        ZX_ERR_INVALID_ARGS
    );
    assert_err!(f.p.pager_op_range(f.pager, end, vmo, 0, 2 * P, 0), ZX_ERR_OUT_OF_RANGE);
    // Writeback keeps working after detach, so the pager can flush.
    ok!(f.p.pager_detach_vmo(f.pager, vmo));
    ok!(f.p.pager_op_range(f.pager, begin, vmo, 0, P, 0));
    ok!(f.p.pager_op_range(f.pager, end, vmo, 0, P, 0));
}

#[test]
fn detach_needs_attach_and_manage_and_write_on_the_vmo() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    let attach_only = dup_pager(&f, ZX_RIGHT_ATTACH_VMO);
    assert_err!(f.p.pager_detach_vmo(attach_only, vmo), ZX_ERR_ACCESS_DENIED);
    let read_only = dup(&f.p, vmo, ZX_RIGHT_READ);
    assert_err!(f.p.pager_detach_vmo(f.pager, read_only), ZX_ERR_ACCESS_DENIED);
    ok!(f.p.pager_detach_vmo(f.pager, vmo));
    ok!(f.p.pager_detach_vmo(f.pager, vmo)); // again: OK, nothing sent
    f.expect_request(ZX_PAGER_VMO_COMPLETE, 0, 0);
    f.expect_no_packet();
}

/// A second handle to a new pager... no: pagers cannot be duplicated, so a narrowed handle
/// comes from `handle_replace` of a fresh pager's handle whose VMOs are made first.
fn dup_pager(f: &Pager, rights: zx_rights_t) -> zx_handle_t {
    let other = ok!(f.p.pager_create(0));
    ok!(f.p.handle_replace(other, rights))
}

#[test]
fn queries_need_manage_and_only_read_and_check_the_raw_range() {
    let f = Pager::new();
    let vmo = f.vmo(1, 0);
    let read_only = dup(&f.p, vmo, ZX_RIGHT_READ);
    assert_eq!(ok!(f.p.pager_query_dirty_ranges(f.pager, read_only, 1, 10, &mut [])), (0, 0));
    assert_err!(
        f.p.pager_query_dirty_ranges(f.pager, read_only, P, P, &mut []),
        ZX_ERR_OUT_OF_RANGE
    );
    assert_err!(
        f.p.pager_query_dirty_ranges(f.pager, read_only, 1, u64::MAX, &mut []),
        ZX_ERR_OUT_OF_RANGE
    );
    let write_only = dup(&f.p, vmo, ZX_RIGHT_WRITE);
    assert_err!(
        f.p.pager_query_dirty_ranges(f.pager, write_only, 0, P, &mut []),
        ZX_ERR_ACCESS_DENIED
    );
    let attach_only = dup_pager(&f, ZX_RIGHT_ATTACH_VMO);
    assert_err!(f.p.pager_query_vmo_stats_typed(attach_only, vmo, 0), ZX_ERR_ACCESS_DENIED);
    assert_err!(f.p.pager_query_vmo_stats(f.pager, vmo, 2, &mut [0; 3]), ZX_ERR_BUFFER_TOO_SMALL);
    assert_err!(f.p.pager_query_vmo_stats(f.pager, vmo, 2, &mut [0; 4]), ZX_ERR_INVALID_ARGS);
}

#[test]
fn stream_size_calls_check_rights_kind_and_range() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    let read_only = dup(&f.p, vmo, ZX_RIGHT_READ);
    assert_err!(f.p.vmo_set_stream_size(read_only, P), ZX_ERR_ACCESS_DENIED);
    let write_only = dup(&f.p, vmo, ZX_RIGHT_WRITE);
    assert_err!(f.p.vmo_get_stream_size(write_only), ZX_ERR_ACCESS_DENIED);
    assert_err!(f.p.vmo_set_stream_size(vmo, 2 * P + 1), ZX_ERR_OUT_OF_RANGE);
    ok!(f.p.vmo_set_stream_size(vmo, 2 * P)); // the same size
    assert_eq!(ok!(f.p.pager_query_vmo_stats_typed(f.pager, vmo, 0)).modified, 0);
    let contiguous = Dev::new(&f.p).contiguous(&f.p, 1);
    assert_err!(f.p.vmo_set_stream_size(contiguous, 0), ZX_ERR_NOT_SUPPORTED);
    f.check();
}

#[test]
fn a_range_larger_than_memory_gets_a_status_at_once_whatever_its_length() {
    let f = Pager::new();
    let huge = MAX_SIZE - P;
    let unbounded =
        ok!(f.p.pager_create_vmo(f.pager, ZX_VMO_UNBOUNDED | ZX_VMO_TRAP_DIRTY, f.port, KEY, huge));
    let finished = f.spawn(move |p| {
        let commit = p.vmo_op_range(unbounded, ZX_VMO_OP_COMMIT, 0, huge, &mut []);
        let prefetch = p.vmo_op_range(unbounded, ZX_VMO_OP_PREFETCH, 0, huge, &mut []);
        let zero = p.vmo_op_range(unbounded, ZX_VMO_OP_ZERO, 0, huge, &mut []);
        // Lowering the stream size drops pages (cost in slots); raising it back over the
        // whole VMO would make a dirty zero slot of every page.
        p.vmo_set_stream_size(unbounded, 0)?;
        let stream = p.vmo_set_stream_size(unbounded, huge);
        Ok((commit, prefetch, zero, stream))
    });
    let (commit, prefetch, zero, stream) = finished.result().unwrap();
    assert_eq!(commit, Err(st(ZX_ERR_NO_MEMORY)));
    assert_eq!(prefetch, Err(st(ZX_ERR_NO_MEMORY)));
    assert_eq!(zero, Err(st(ZX_ERR_NO_MEMORY)));
    assert_eq!(stream, Err(st(ZX_ERR_NO_MEMORY)));
    // OP_DIRTY finds absent pages by counting slots, not pages; without any (every page is
    // untracked now), making every page Dirty cannot fit.
    assert_err!(
        f.p.pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, unbounded, 0, huge, 0),
        ZX_ERR_NO_MEMORY
    );
    let fresh =
        ok!(f.p.pager_create_vmo(f.pager, ZX_VMO_UNBOUNDED | ZX_VMO_TRAP_DIRTY, f.port, KEY, huge));
    assert_err!(
        f.p.pager_op_range(f.pager, ZX_PAGER_OP_DIRTY, fresh, 0, huge, 0),
        ZX_ERR_NOT_FOUND
    );
    let resizable = f.vmo(1, ZX_VMO_RESIZABLE);
    assert_err!(f.p.vmo_set_size(resizable, 1 << 40), ZX_ERR_NO_MEMORY);
    assert_eq!(f.p.vmo_get_size(resizable), Ok(P));
    let aux = vmo_opts(&f.p, 1 << 40, 0);
    assert_err!(f.p.pager_supply_pages(f.pager, fresh, 0, 1 << 40, aux, 0), ZX_ERR_NO_MEMORY);
    f.expect_no_packet();
    f.check();
}

#[test]
fn a_size_past_the_maximum_is_out_of_range_before_any_bookkeeping_limit() {
    let f = Pager::new();
    let vmo = f.vmo(1, ZX_VMO_RESIZABLE);
    assert_err!(f.p.vmo_set_size(vmo, u64::MAX), ZX_ERR_OUT_OF_RANGE);
    assert_err!(f.p.vmo_set_size(vmo, MAX_SIZE + 1), ZX_ERR_OUT_OF_RANGE);
    assert_eq!(f.p.vmo_get_size(vmo), Ok(P));
    f.check();
}

#[test]
fn a_pin_refused_for_too_many_pins_commits_nothing() {
    let f = Pager::new();
    let vmo = f.vmo(2, 0);
    f.supply(vmo, 0, 1, 1);
    let marker_aux = vmo_opts(&f.p, P, 0);
    ok!(f.p.pager_supply_pages(f.pager, vmo, P, P, marker_aux, 0)); // page 1: a marker
    let dev = Dev::new(&f.p);
    let mut addrs = [0u64; 2];
    let mut pmts = Vec::new();
    for _ in 0..31 {
        pmts.push(ok!(f.p.bti_pin(dev.bti, ZX_BTI_PERM_READ, vmo, 0, P, &mut addrs[..1])));
    }
    assert_err!(
        f.p.bti_pin(dev.bti, ZX_BTI_PERM_READ, vmo, 0, 2 * P, &mut addrs),
        ZX_ERR_UNAVAILABLE
    );
    assert_eq!(committed(&f.p, vmo), P, "the marker stayed a marker");
    for pmt in pmts {
        ok!(f.p.pmt_unpin(pmt));
    }
    f.check();
}
