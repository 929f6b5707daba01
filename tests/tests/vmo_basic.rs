//! Conformance tests for docs/reference.md §3 (VMO create, read, write, size, properties), with the
//! root-VMO parts of §6 (`ZX_INFO_VMO` of a lone VMO) and the NO_MEMORY rule for writes.

use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::Process;

fn is_err_of<T: std::fmt::Debug>(r: Result<T, zx_kernel::Status>, any: &[zx_status_t]) -> bool {
    match r {
        Err(s) => any.contains(&s.into_raw()),
        Ok(_) => false,
    }
}

// ---------------------------------------------------------------------------------------------
// vmo_create
// ---------------------------------------------------------------------------------------------

#[test]
fn create_size_zero_is_ok_and_empty() {
    let (k, p) = setup();
    let h = vmo(&p, 0);
    assert_eq!(ok!(p.vmo_get_size(h)), 0);
    assert_eq!(content_size(&p, h), 0);
    ok!(p.vmo_read(h, &mut [], 0));
    ok!(p.vmo_write(h, &[], 0));
    assert_err!(p.vmo_read(h, &mut [0u8; 1], 0), ZX_ERR_OUT_OF_RANGE);
    assert_err!(p.vmo_write(h, &[1u8], 0), ZX_ERR_OUT_OF_RANGE);
    assert_err!(p.vmo_read(h, &mut [], 1), ZX_ERR_OUT_OF_RANGE);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn create_rounds_size_up_and_content_size_is_exact() {
    let (k, p) = setup();
    for size in [1, 100, P - 1, P, P + 1, 3 * P + 5, 16 * P] {
        let h = vmo(&p, size);
        assert_eq!(ok!(p.vmo_get_size(h)), round_up(size), "size of vmo_create({size})");
        assert_eq!(content_size(&p, h), size, "content size of vmo_create({size})");
        assert_eq!(vmo_info(&p, h).size_bytes, round_up(size));
        ok!(p.handle_close(h));
    }
    assert_no_leak(&k);
}

#[test]
fn create_with_unknown_option_bits_is_invalid_args() {
    let (k, p) = setup();
    for opts in [
        1u32 << 0,
        1 << 3,
        1 << 5,
        1 << 6,
        1 << 8,
        1 << 31,
        (1 << 0) | ZX_VMO_RESIZABLE,
        (1 << 3) | ZX_VMO_DISCARDABLE,
        u32::MAX,
    ] {
        assert_err!(p.vmo_create(P, opts), ZX_ERR_INVALID_ARGS, "vmo_create(P, {opts:#x})");
    }
    assert_no_leak(&k);
}

#[test]
fn create_resizable_with_unbounded_is_invalid_args() {
    let (k, p) = setup();
    assert_err!(p.vmo_create(P, ZX_VMO_RESIZABLE | ZX_VMO_UNBOUNDED), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmo_create(0, ZX_VMO_RESIZABLE | ZX_VMO_UNBOUNDED), ZX_ERR_INVALID_ARGS);
    assert_no_leak(&k);
}

#[test]
fn create_checks_options_before_size() {
    let (k, p) = setup();
    assert_err!(p.vmo_create(u64::MAX, 1 << 0), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmo_create(MAX_SIZE + P, 1 << 3), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmo_create(u64::MAX, ZX_VMO_RESIZABLE | ZX_VMO_UNBOUNDED), ZX_ERR_INVALID_ARGS);
    assert_no_leak(&k);
}

#[test]
fn create_valid_option_combinations_succeed() {
    let (k, p) = setup();
    for opts in [
        0,
        ZX_VMO_RESIZABLE,
        ZX_VMO_DISCARDABLE,
        ZX_VMO_UNBOUNDED,
        ZX_VMO_DISCARDABLE | ZX_VMO_UNBOUNDED,
    ] {
        let h = vmo_opts(&p, 2 * P, opts);
        ok!(p.handle_close(h));
    }
    assert_no_leak(&k);
}

#[test]
fn create_max_size_is_ok_and_commits_nothing() {
    let (k, p) = setup();
    assert_eq!(MAX_SIZE, u64::MAX / (32 * P) * (32 * P));
    let h = vmo(&p, MAX_SIZE);
    assert_eq!(ok!(p.vmo_get_size(h)), MAX_SIZE);
    assert_eq!(content_size(&p, h), MAX_SIZE);
    assert_eq!(committed(&p, h), 0);
    assert_eq!(vmo_bytes(&k), 0);
    // The last bytes are addressable.
    p.vmo_write(h, b"end!", MAX_SIZE - 4).unwrap();
    let mut buf = [0u8; 4];
    ok!(p.vmo_read(h, &mut buf, MAX_SIZE - 4));
    assert_eq!(&buf, b"end!");
    ok!(p.vmo_read(h, &mut [], MAX_SIZE));
    assert_err!(p.vmo_read(h, &mut [0u8; 1], MAX_SIZE), ZX_ERR_OUT_OF_RANGE);
    assert_eq!(committed(&p, h), P);
    assert_eq!(vmo_bytes(&k), P);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn create_max_size_minus_one_rounds_to_max_size() {
    let (k, p) = setup();
    let h = vmo(&p, MAX_SIZE - 1);
    assert_eq!(ok!(p.vmo_get_size(h)), MAX_SIZE);
    assert_eq!(content_size(&p, h), MAX_SIZE - 1);
    ok!(p.handle_close(h));
    let r = vmo_opts(&p, MAX_SIZE, ZX_VMO_RESIZABLE);
    ok!(p.handle_close(r));
    assert_no_leak(&k);
}

#[test]
fn create_beyond_max_size_is_out_of_range() {
    let (k, p) = setup();
    for size in
        [MAX_SIZE + 1, MAX_SIZE + P, MAX_SIZE + 31 * P, u64::MAX - P + 1, u64::MAX - 1, u64::MAX]
    {
        assert_err!(p.vmo_create(size, 0), ZX_ERR_OUT_OF_RANGE, "vmo_create({size:#x}, 0)");
        assert_err!(
            p.vmo_create(size, ZX_VMO_RESIZABLE),
            ZX_ERR_OUT_OF_RANGE,
            "vmo_create({size:#x}, RESIZABLE)"
        );
        assert_err!(
            p.vmo_create(size, ZX_VMO_DISCARDABLE),
            ZX_ERR_OUT_OF_RANGE,
            "vmo_create({size:#x}, DISCARDABLE)"
        );
    }
    assert_no_leak(&k);
}

#[test]
fn new_vmo_reads_zero_and_commits_nothing() {
    let (k, p) = setup();
    let h = vmo(&p, 4 * P);
    assert_bytes(&p, h, 0, 4 * P as usize, 0);
    assert_eq!(committed(&p, h), 0, "reading must not commit");
    assert_eq!(vmo_bytes(&k), 0);
    let s = k.kmem_stats();
    assert_eq!(s.free_bytes, s.total_bytes);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn new_vmo_rights_are_default_and_resizable_adds_resize() {
    let (k, p) = setup();
    let plain = vmo(&p, P);
    let resizable = vmo_opts(&p, P, ZX_VMO_RESIZABLE);
    let discardable = vmo_opts(&p, P, ZX_VMO_DISCARDABLE);
    let unbounded = vmo_opts(&p, P, ZX_VMO_UNBOUNDED);
    assert_eq!(rights_of(&p, plain), 0xD0EF);
    assert_eq!(rights_of(&p, resizable), 0x40_D0EF);
    assert_eq!(rights_of(&p, discardable), 0xD0EF);
    assert_eq!(rights_of(&p, unbounded), 0xD0EF);
    close_all(&p, &[plain, resizable, discardable, unbounded]);
    assert_no_leak(&k);
}

#[test]
fn unbounded_vmo_has_max_size_requested_content_size_and_cannot_resize() {
    let (k, p) = setup();
    let h = vmo_opts(&p, 100, ZX_VMO_UNBOUNDED);
    assert_eq!(ok!(p.vmo_get_size(h)), MAX_SIZE);
    assert_eq!(content_size(&p, h), 100);
    assert_err!(p.vmo_set_size(h, P), ZX_ERR_UNAVAILABLE);
    assert_err!(p.vmo_set_size(h, MAX_SIZE), ZX_ERR_UNAVAILABLE);
    // Far offsets are inside the VMO.
    fill(&p, h, 1 << 40, 16, 0xAB);
    assert_bytes(&p, h, 1 << 40, 16, 0xAB);
    let info = vmo_info(&p, h);
    assert_eq!(info.size_bytes, MAX_SIZE);
    assert_eq!(info.flags & ZX_INFO_VMO_RESIZABLE, 0);
    assert_eq!(info.committed_bytes, P);
    let z = vmo_opts(&p, 0, ZX_VMO_UNBOUNDED);
    assert_eq!(ok!(p.vmo_get_size(z)), MAX_SIZE);
    assert_eq!(content_size(&p, z), 0);
    close_all(&p, &[h, z]);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// vmo_read / vmo_write
// ---------------------------------------------------------------------------------------------

#[test]
fn write_then_read_round_trips_across_page_boundaries() {
    let (k, p) = setup();
    let h = vmo(&p, 3 * P);
    let data = pattern(7, 2 * P as usize + 200);
    ok!(p.vmo_write(h, &data, 3000));
    let mut back = vec![0u8; data.len()];
    ok!(p.vmo_read(h, &mut back, 3000));
    assert_eq!(back, data);
    // Around the written range, zeros.
    assert_bytes(&p, h, 0, 3000, 0);
    assert_bytes(&p, h, 3000 + data.len() as u64, (3 * P - 3000) as usize - data.len(), 0);
    // An unaligned read inside the written range.
    let mut mid = vec![0u8; 5000];
    ok!(p.vmo_read(h, &mut mid, 3001));
    assert_eq!(&mid[..], &data[1..5001]);
    // Overwrite across a boundary.
    let patch = pattern(99, 10);
    ok!(p.vmo_write(h, &patch, 2 * P - 5));
    let whole = read_vec(&p, h, 0, 3 * P as usize);
    let mut expect = vec![0u8; 3 * P as usize];
    expect[3000..3000 + data.len()].copy_from_slice(&data);
    expect[2 * P as usize - 5..2 * P as usize + 5].copy_from_slice(&patch);
    assert_eq!(whole, expect);
    assert_eq!(committed(&p, h), 3 * P);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn write_commits_exactly_the_touched_pages() {
    let (k, p) = setup();
    let h = vmo(&p, 8 * P);
    ok!(p.vmo_write(h, &[], 3 * P));
    assert_eq!(committed(&p, h), 0, "a zero-length write commits nothing");
    fill(&p, h, 0, 1, 1);
    fill(&p, h, 2 * P + 17, 1, 2);
    assert_eq!(committed(&p, h), 2 * P);
    assert_eq!(vmo_bytes(&k), 2 * P);
    fill(&p, h, 5 * P - 1, 2, 3); // straddles pages 4 and 5
    assert_eq!(committed(&p, h), 4 * P);
    fill(&p, h, 0, 10, 4); // already committed
    assert_eq!(committed(&p, h), 4 * P);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn read_needs_read_right_and_write_needs_write_right() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let ro = dup(&p, h, ZX_RIGHT_READ);
    let wo = dup(&p, h, ZX_RIGHT_WRITE);
    let none = dup(&p, h, ZX_RIGHT_NONE);
    let mut buf = [0u8; 4];
    assert_err!(p.vmo_write(ro, b"abcd", 0), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmo_read(wo, &mut buf, 0), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmo_read(none, &mut buf, 0), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmo_write(none, b"abcd", 0), ZX_ERR_ACCESS_DENIED);
    assert_eq!(committed(&p, h), 0, "a denied write commits nothing");
    ok!(p.vmo_write(wo, b"abcd", 0));
    ok!(p.vmo_read(ro, &mut buf, 0));
    assert_eq!(&buf, b"abcd");
    close_all(&p, &[h, ro, wo, none]);
    assert_no_leak(&k);
}

#[test]
fn read_write_rights_are_checked_before_the_range() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let ro = dup(&p, h, ZX_RIGHT_READ);
    let wo = dup(&p, h, ZX_RIGHT_WRITE);
    let mut buf = [0u8; 4];
    assert_err!(p.vmo_write(ro, b"abcd", u64::MAX), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmo_write(ro, b"abcd", 10 * P), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmo_read(wo, &mut buf, u64::MAX), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmo_read(wo, &mut buf, 10 * P), ZX_ERR_ACCESS_DENIED);
    close_all(&p, &[h, ro, wo]);
    assert_no_leak(&k);
}

#[test]
fn read_write_on_event_is_wrong_type() {
    let (k, p) = setup();
    let e = event(&p);
    let mut buf = [0u8; 4];
    assert_err!(p.vmo_read(e, &mut buf, 0), ZX_ERR_WRONG_TYPE);
    assert_err!(p.vmo_write(e, &buf, 0), ZX_ERR_WRONG_TYPE);
    assert_err!(p.vmo_get_size(e), ZX_ERR_WRONG_TYPE);
    assert_err!(p.vmo_set_size(e, 0), ZX_ERR_WRONG_TYPE);
    // WRONG_TYPE comes before the (missing) rights.
    let weak = dup(&p, e, ZX_RIGHT_DUPLICATE);
    assert_err!(p.vmo_read(weak, &mut buf, 0), ZX_ERR_WRONG_TYPE);
    close_all(&p, &[e, weak]);
    assert_no_leak(&k);
}

#[test]
fn read_write_with_overflowing_offset_is_out_of_range() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    let mut buf = [0u8; 4];
    for off in [u64::MAX, u64::MAX - 1, u64::MAX - 3, u64::MAX - 2 * P + 1] {
        assert_err!(p.vmo_read(h, &mut buf, off), ZX_ERR_OUT_OF_RANGE, "read at {off:#x}");
        assert_err!(p.vmo_write(h, &buf, off), ZX_ERR_OUT_OF_RANGE, "write at {off:#x}");
    }
    assert_eq!(committed(&p, h), 0);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn read_write_ending_past_size_is_out_of_range() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    let mut two = [0u8; 2];
    assert_err!(p.vmo_read(h, &mut two, 2 * P - 1), ZX_ERR_OUT_OF_RANGE);
    assert_err!(p.vmo_write(h, &two, 2 * P - 1), ZX_ERR_OUT_OF_RANGE);
    assert_err!(p.vmo_read(h, &mut two, 2 * P), ZX_ERR_OUT_OF_RANGE);
    assert_err!(p.vmo_write(h, &[1u8; 1], 2 * P), ZX_ERR_OUT_OF_RANGE);
    let mut big = vec![0u8; 2 * P as usize + 1];
    assert_err!(p.vmo_read(h, &mut big, 0), ZX_ERR_OUT_OF_RANGE);
    assert_err!(p.vmo_write(h, &big, 0), ZX_ERR_OUT_OF_RANGE);
    // Exactly up to the end is fine.
    ok!(p.vmo_read(h, &mut two, 2 * P - 2));
    ok!(p.vmo_write(h, &[9u8; 1], 2 * P - 1));
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn failed_out_of_range_write_changes_nothing() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    let data = vec![0xFFu8; P as usize + 10];
    assert_err!(p.vmo_write(h, &data, P), ZX_ERR_OUT_OF_RANGE);
    assert_bytes(&p, h, 0, 2 * P as usize, 0);
    assert_eq!(committed(&p, h), 0);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn zero_length_access_at_size_is_ok_and_at_size_plus_one_out_of_range() {
    let (k, p) = setup();
    for size in [0, P, 3 * P] {
        let h = vmo(&p, size);
        ok!(p.vmo_read(h, &mut [], size));
        ok!(p.vmo_write(h, &[], size));
        assert_err!(p.vmo_read(h, &mut [], size + 1), ZX_ERR_OUT_OF_RANGE, "size {size}");
        assert_err!(p.vmo_write(h, &[], size + 1), ZX_ERR_OUT_OF_RANGE, "size {size}");
        assert_err!(p.vmo_read(h, &mut [], u64::MAX), ZX_ERR_OUT_OF_RANGE);
        assert_err!(p.vmo_write(h, &[], u64::MAX), ZX_ERR_OUT_OF_RANGE);
        assert_eq!(committed(&p, h), 0);
        ok!(p.handle_close(h));
    }
    assert_no_leak(&k);
}

#[test]
fn access_range_is_checked_against_rounded_size_not_content_size() {
    let (k, p) = setup();
    let h = vmo(&p, 100);
    fill(&p, h, 4000, 96, 0x3C);
    assert_bytes(&p, h, 4000, 96, 0x3C);
    ok!(p.vmo_read(h, &mut [], P));
    assert_err!(p.vmo_write(h, &[1u8], P), ZX_ERR_OUT_OF_RANGE);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn write_beyond_memory_is_no_memory_and_earlier_state_survives() {
    let (k, p) = setup_with_pages(16);
    assert_eq!(k.kmem_stats().total_bytes, 16 * P);
    let h = vmo(&p, 32 * P);
    let data = vec![0x5Au8; 17 * P as usize];
    assert_err!(p.vmo_write(h, &data, 0), ZX_ERR_NO_MEMORY);
    assert_clean(&k);
    assert!(committed(&p, h) <= 16 * P);
    // Pages past the failure point were not written.
    assert_bytes(&p, h, 16 * P, 16 * P as usize, 0);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
    // Memory is usable again afterwards.
    let h2 = vmo(&p, 16 * P);
    fill(&p, h2, 0, 16 * P as usize, 0x66);
    assert_bytes(&p, h2, 0, 16 * P as usize, 0x66);
    assert_eq!(free_bytes(&k), 0);
    ok!(p.handle_close(h2));
    assert_no_leak(&k);
}

#[test]
fn write_to_second_vmo_when_memory_is_full_is_no_memory_and_leaves_it_unchanged() {
    let (k, p) = setup_with_pages(16);
    let a = vmo(&p, 16 * P);
    fill(&p, a, 0, 16 * P as usize, 0x11);
    let b = vmo(&p, 4 * P);
    assert_err!(p.vmo_write(b, &[1u8], 0), ZX_ERR_NO_MEMORY);
    assert_err!(p.vmo_write(b, &[1u8; 2], 2 * P - 1), ZX_ERR_NO_MEMORY);
    assert_eq!(committed(&p, b), 0);
    assert_bytes(&p, b, 0, 4 * P as usize, 0);
    assert_bytes(&p, a, 0, 16 * P as usize, 0x11);
    assert_clean(&k);
    // Free one page of A; now B can take it.
    ok!(p.vmo_op_range(a, ZX_VMO_OP_DECOMMIT, 0, P, &mut []));
    fill(&p, b, 0, 1, 0x22);
    assert_bytes(&p, b, 0, 1, 0x22);
    assert_clean(&k);
    close_all(&p, &[a, b]);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// vmo_get_size / vmo_set_size
// ---------------------------------------------------------------------------------------------

#[test]
fn get_size_needs_no_rights() {
    let (k, p) = setup();
    let h = vmo(&p, 5 * P);
    let none = dup(&p, h, ZX_RIGHT_NONE);
    assert_eq!(ok!(p.vmo_get_size(none)), 5 * P);
    close_all(&p, &[h, none]);
    assert_no_leak(&k);
}

#[test]
fn set_size_on_non_resizable_is_unavailable() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    for size in [0, P, 2 * P, 3 * P, 100] {
        assert_err!(p.vmo_set_size(h, size), ZX_ERR_UNAVAILABLE, "set_size({size})");
    }
    // Even a size that would be OUT_OF_RANGE.
    assert_err!(p.vmo_set_size(h, u64::MAX), ZX_ERR_UNAVAILABLE);
    assert_eq!(ok!(p.vmo_get_size(h)), 2 * P);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn set_size_checks_write_before_unavailable() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let no_write = dup(&p, h, VMO_RIGHTS & !ZX_RIGHT_WRITE);
    assert_err!(p.vmo_set_size(no_write, 2 * P), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmo_set_size(no_write, u64::MAX), ZX_ERR_ACCESS_DENIED);
    let none = dup(&p, h, ZX_RIGHT_NONE);
    assert_err!(p.vmo_set_size(none, 2 * P), ZX_ERR_ACCESS_DENIED);
    // With WRITE but (necessarily) without RESIZE: UNAVAILABLE, not ACCESS_DENIED.
    let write_only = dup(&p, h, ZX_RIGHT_WRITE);
    assert_err!(p.vmo_set_size(write_only, 2 * P), ZX_ERR_UNAVAILABLE);
    close_all(&p, &[h, no_write, none, write_only]);
    assert_no_leak(&k);
}

#[test]
fn set_size_on_resizable_needs_write_and_resize() {
    let (k, p) = setup();
    let h = vmo_opts(&p, P, ZX_VMO_RESIZABLE);
    let no_write = dup(&p, h, RESIZABLE_VMO_RIGHTS & !ZX_RIGHT_WRITE);
    let no_resize = dup(&p, h, RESIZABLE_VMO_RIGHTS & !ZX_RIGHT_RESIZE);
    let only_resize = dup(&p, h, ZX_RIGHT_RESIZE);
    let write_resize = dup(&p, h, ZX_RIGHT_RESIZE | ZX_RIGHT_WRITE);
    assert_err!(p.vmo_set_size(no_write, 2 * P), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmo_set_size(no_resize, 2 * P), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmo_set_size(only_resize, 2 * P), ZX_ERR_ACCESS_DENIED);
    // Rights are checked before the size.
    assert_err!(p.vmo_set_size(no_resize, u64::MAX), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmo_set_size(no_write, u64::MAX), ZX_ERR_ACCESS_DENIED);
    assert_eq!(ok!(p.vmo_get_size(h)), P);
    ok!(p.vmo_set_size(write_resize, 2 * P));
    assert_eq!(ok!(p.vmo_get_size(h)), 2 * P);
    close_all(&p, &[h, no_write, no_resize, only_resize, write_resize]);
    assert_no_leak(&k);
}

#[test]
fn set_size_beyond_max_size_is_out_of_range() {
    let (k, p) = setup();
    let h = vmo_opts(&p, P, ZX_VMO_RESIZABLE);
    for size in [MAX_SIZE + 1, MAX_SIZE + P, u64::MAX - P + 1, u64::MAX] {
        assert_err!(p.vmo_set_size(h, size), ZX_ERR_OUT_OF_RANGE, "set_size({size:#x})");
    }
    assert_eq!(ok!(p.vmo_get_size(h)), P);
    ok!(p.vmo_set_size(h, MAX_SIZE));
    assert_eq!(ok!(p.vmo_get_size(h)), MAX_SIZE);
    assert_eq!(committed(&p, h), 0);
    ok!(p.vmo_set_size(h, MAX_SIZE - 1));
    assert_eq!(ok!(p.vmo_get_size(h)), MAX_SIZE);
    ok!(p.vmo_set_size(h, P));
    assert_eq!(ok!(p.vmo_get_size(h)), P);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn set_size_rounds_up_and_sets_exact_content_size() {
    let (k, p) = setup();
    let h = vmo_opts(&p, P, ZX_VMO_RESIZABLE);
    for size in [5000, 1, 0, 3 * P, 3 * P + 1, 7] {
        ok!(p.vmo_set_size(h, size));
        assert_eq!(ok!(p.vmo_get_size(h)), round_up(size), "size after set_size({size})");
        assert_eq!(content_size(&p, h), size, "content size after set_size({size})");
    }
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn set_size_shrink_frees_pages_past_the_end() {
    let (k, p) = setup();
    let h = vmo_opts(&p, 8 * P, ZX_VMO_RESIZABLE);
    fill(&p, h, 0, 8 * P as usize, 0xA5);
    assert_eq!(committed(&p, h), 8 * P);
    let free_before = free_bytes(&k);
    ok!(p.vmo_set_size(h, 3 * P));
    assert_eq!(committed(&p, h), 3 * P);
    assert_eq!(free_bytes(&k), free_before + 5 * P);
    assert_eq!(vmo_bytes(&k), 3 * P);
    assert_bytes(&p, h, 0, 3 * P as usize, 0xA5);
    assert_err!(p.vmo_read(h, &mut [0u8; 1], 3 * P), ZX_ERR_OUT_OF_RANGE);
    assert_clean(&k);
    ok!(p.vmo_set_size(h, 0));
    assert_eq!(committed(&p, h), 0);
    assert_eq!(vmo_bytes(&k), 0);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn set_size_unaligned_shrink_zeroes_tail_of_last_page() {
    let (k, p) = setup();
    let h = vmo_opts(&p, 3 * P, ZX_VMO_RESIZABLE);
    fill(&p, h, 0, 3 * P as usize, 0xAA);
    ok!(p.vmo_set_size(h, P + 100));
    assert_eq!(ok!(p.vmo_get_size(h)), 2 * P);
    assert_eq!(content_size(&p, h), P + 100);
    assert_bytes(&p, h, 0, P as usize + 100, 0xAA);
    assert_bytes(&p, h, P + 100, P as usize - 100, 0);
    assert_eq!(committed(&p, h), 2 * P);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn set_size_shrink_then_grow_reads_zero() {
    let (k, p) = setup();
    let h = vmo_opts(&p, 4 * P, ZX_VMO_RESIZABLE);
    fill(&p, h, 0, 4 * P as usize, 0xC3);
    ok!(p.vmo_set_size(h, P));
    ok!(p.vmo_set_size(h, 4 * P));
    assert_bytes(&p, h, 0, P as usize, 0xC3);
    assert_bytes(&p, h, P, 3 * P as usize, 0);
    assert_eq!(committed(&p, h), P, "growing commits nothing");
    // Unaligned shrink then grow: the cut tail of the kept page reads zero too.
    fill(&p, h, 0, 4 * P as usize, 0xC4);
    ok!(p.vmo_set_size(h, 10));
    ok!(p.vmo_set_size(h, 2 * P));
    assert_bytes(&p, h, 0, 10, 0xC4);
    assert_bytes(&p, h, 10, 2 * P as usize - 10, 0);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn set_size_grow_keeps_data_and_new_range_reads_zero() {
    let (k, p) = setup();
    let h = vmo_opts(&p, P, ZX_VMO_RESIZABLE);
    let data = pattern(3, P as usize);
    ok!(p.vmo_write(h, &data, 0));
    ok!(p.vmo_set_size(h, 3 * P));
    assert_eq!(read_vec(&p, h, 0, P as usize), data);
    assert_bytes(&p, h, P, 2 * P as usize, 0);
    assert_eq!(committed(&p, h), P);
    fill(&p, h, 2 * P, 10, 0x12);
    assert_bytes(&p, h, 2 * P, 10, 0x12);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

#[test]
fn name_of_new_vmo_is_empty() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    assert_eq!(name_prop(&p, h), [0u8; 32]);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn name_round_trips_and_shows_in_vmo_info() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    ok!(p.object_set_property(h, ZX_PROP_NAME, b"my-vmo"));
    assert_eq!(name_prop(&p, h), padded_name(b"my-vmo"));
    let info = vmo_info(&p, h);
    assert_eq!(&info.name[..], &padded_name(b"my-vmo")[..]);
    // A shorter name replaces the longer one entirely.
    ok!(p.object_set_property(h, ZX_PROP_NAME, b"xy"));
    assert_eq!(name_prop(&p, h), padded_name(b"xy"));
    // The empty name.
    ok!(p.object_set_property(h, ZX_PROP_NAME, b""));
    assert_eq!(name_prop(&p, h), [0u8; 32]);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn name_is_truncated_to_31_bytes_plus_nul() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let long = b"0123456789abcdefghijklmnopqrstuvwxyzABCD"; // 40 bytes
    ok!(p.object_set_property(h, ZX_PROP_NAME, long));
    let got = name_prop(&p, h);
    assert_eq!(&got[..31], &long[..31]);
    assert_eq!(got[31], 0);
    let exactly32 = &long[..32];
    ok!(p.object_set_property(h, ZX_PROP_NAME, exactly32));
    assert_eq!(name_prop(&p, h), padded_name(&long[..31]));
    let exactly31 = &long[..31];
    ok!(p.object_set_property(h, ZX_PROP_NAME, exactly31));
    assert_eq!(name_prop(&p, h), padded_name(exactly31));
    assert_eq!(&vmo_info(&p, h).name[..], &padded_name(exactly31)[..]);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn name_get_with_short_buffer_is_buffer_too_small() {
    // Zircon: ZX_PROP_NAME needs a ZX_MAX_NAME_LEN buffer.
    let (k, p) = setup();
    let h = vmo(&p, P);
    let mut short = [0u8; 31];
    assert_err!(p.object_get_property(h, ZX_PROP_NAME, &mut short), ZX_ERR_BUFFER_TOO_SMALL);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn set_property_needs_set_property_right() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let no_set = dup(&p, h, VMO_RIGHTS & !ZX_RIGHT_SET_PROPERTY);
    assert_err!(p.object_set_property(no_set, ZX_PROP_NAME, b"nope"), ZX_ERR_ACCESS_DENIED);
    assert_err!(
        p.object_set_property(no_set, ZX_PROP_VMO_CONTENT_SIZE, &5u64.to_le_bytes()),
        ZX_ERR_ACCESS_DENIED
    );
    assert_eq!(name_prop(&p, h), [0u8; 32]);
    assert_eq!(content_size(&p, h), P);
    // GET_PROPERTY alone does not allow setting.
    let get_only = dup(&p, h, ZX_RIGHT_GET_PROPERTY);
    assert_err!(p.object_set_property(get_only, ZX_PROP_NAME, b"nope"), ZX_ERR_ACCESS_DENIED);
    let set_only = dup(&p, h, ZX_RIGHT_SET_PROPERTY);
    ok!(p.object_set_property(set_only, ZX_PROP_NAME, b"yes"));
    assert_eq!(name_prop(&p, h), padded_name(b"yes"));
    close_all(&p, &[h, no_set, get_only, set_only]);
    assert_no_leak(&k);
}

#[test]
fn get_property_needs_get_property_right() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let no_get = dup(&p, h, VMO_RIGHTS & !ZX_RIGHT_GET_PROPERTY);
    let mut name = [0u8; 32];
    assert_err!(p.object_get_property(no_get, ZX_PROP_NAME, &mut name), ZX_ERR_ACCESS_DENIED);
    let mut cs = [0u8; 8];
    assert_err!(
        p.object_get_property(no_get, ZX_PROP_VMO_CONTENT_SIZE, &mut cs),
        ZX_ERR_ACCESS_DENIED
    );
    let set_only = dup(&p, h, ZX_RIGHT_SET_PROPERTY);
    assert_err!(p.object_get_property(set_only, ZX_PROP_NAME, &mut name), ZX_ERR_ACCESS_DENIED);
    let get_only = dup(&p, h, ZX_RIGHT_GET_PROPERTY);
    ok!(p.object_get_property(get_only, ZX_PROP_NAME, &mut name));
    ok!(p.object_get_property(get_only, ZX_PROP_VMO_CONTENT_SIZE, &mut cs));
    assert_eq!(u64::from_le_bytes(cs), P);
    close_all(&p, &[h, no_get, set_only, get_only]);
    assert_no_leak(&k);
}

#[test]
fn content_size_can_be_set_beyond_size_and_reads_back() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    for cs in [10 * P + 3, 0, 1, 2 * P, MAX_SIZE, u64::MAX] {
        ok!(p.object_set_property(h, ZX_PROP_VMO_CONTENT_SIZE, &cs.to_le_bytes()));
        assert_eq!(content_size(&p, h), cs);
        assert_eq!(ok!(p.vmo_get_size(h)), 2 * P, "content size never changes the size");
    }
    assert_eq!(committed(&p, h), 0);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn content_size_with_short_buffer_is_buffer_too_small() {
    // Zircon: ZX_PROP_VMO_CONTENT_SIZE takes a u64.
    let (k, p) = setup();
    let h = vmo(&p, P);
    let mut short = [0u8; 7];
    assert_err!(
        p.object_get_property(h, ZX_PROP_VMO_CONTENT_SIZE, &mut short),
        ZX_ERR_BUFFER_TOO_SMALL
    );
    assert_err!(
        p.object_set_property(h, ZX_PROP_VMO_CONTENT_SIZE, &[1u8; 7]),
        ZX_ERR_BUFFER_TOO_SMALL
    );
    assert_eq!(content_size(&p, h), P);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn property_rights_are_checked_before_the_type() {
    // Zircon looks the handle up with GET_PROPERTY / SET_PROPERTY first; events are created
    // without those rights (ZX_DEFAULT_EVENT_RIGHTS), so CONTENT_SIZE on one is ACCESS_DENIED.
    let (k, p) = setup();
    let e = event(&p);
    let mut cs = [0u8; 8];
    assert_err!(p.object_get_property(e, ZX_PROP_VMO_CONTENT_SIZE, &mut cs), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.object_set_property(e, ZX_PROP_VMO_CONTENT_SIZE, &cs), ZX_ERR_ACCESS_DENIED);
    ok!(p.handle_close(e));
    assert_no_leak(&k);
}

#[test]
fn unknown_property_is_rejected() {
    // Zircon's kernel answers INVALID_ARGS (its docs say NOT_SUPPORTED); accept either.
    let (k, p) = setup();
    let h = vmo(&p, P);
    let mut buf = [0u8; 64];
    assert!(is_err_of(
        p.object_get_property(h, 0xDEAD, &mut buf),
        &[ZX_ERR_INVALID_ARGS, ZX_ERR_NOT_SUPPORTED]
    ));
    assert!(is_err_of(
        p.object_set_property(h, 0xDEAD, &buf),
        &[ZX_ERR_INVALID_ARGS, ZX_ERR_NOT_SUPPORTED]
    ));
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// ZX_INFO_VMO of a root VMO
// ---------------------------------------------------------------------------------------------

#[test]
fn vmo_info_of_new_root_vmo() {
    let (k, p) = setup();
    let h = vmo(&p, 3 * P + 1);
    let info = vmo_info(&p, h);
    assert_eq!(info.koid, koid_of(&p, h));
    assert_eq!(&info.name[..], &[0u8; 32][..]);
    assert_eq!(info.size_bytes, 4 * P);
    assert_eq!(info.parent_koid, 0);
    assert_eq!(info.num_children, 0);
    assert_eq!(info.num_mappings, 0);
    assert_eq!(info.share_count, 1); // upstream: 1 below two mappings
    assert_eq!(info.flags, ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_VIA_HANDLE);
    assert_eq!(info.committed_bytes, 0);
    assert_eq!(info.populated_bytes, 0);
    assert_eq!(info.committed_private_bytes, 0);
    assert_eq!(info.committed_scaled_bytes, 0);
    assert_eq!(info.handle_rights, VMO_RIGHTS);
    assert_eq!(info.cache_policy, 0, "ZX_CACHE_POLICY_CACHED");
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn vmo_info_flags_of_resizable_discardable_and_unbounded() {
    let (k, p) = setup();
    let r = vmo_opts(&p, P, ZX_VMO_RESIZABLE);
    let d = vmo_opts(&p, P, ZX_VMO_DISCARDABLE);
    let u = vmo_opts(&p, P, ZX_VMO_UNBOUNDED);
    let base = ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_VIA_HANDLE;
    assert_eq!(vmo_info(&p, r).flags, base | ZX_INFO_VMO_RESIZABLE);
    assert_eq!(vmo_info(&p, d).flags, base | ZX_INFO_VMO_DISCARDABLE);
    assert_eq!(vmo_info(&p, u).flags, base);
    assert_eq!(vmo_info(&p, r).handle_rights, RESIZABLE_VMO_RIGHTS);
    close_all(&p, &[r, d, u]);
    assert_no_leak(&k);
}

#[test]
fn vmo_info_handle_rights_are_the_queried_handles_rights() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let rights = ZX_RIGHT_READ | ZX_RIGHT_INSPECT;
    let d = dup(&p, h, rights);
    assert_eq!(vmo_info(&p, d).handle_rights, rights);
    assert_eq!(vmo_info(&p, h).handle_rights, VMO_RIGHTS);
    close_all(&p, &[h, d]);
    assert_no_leak(&k);
}

#[test]
fn vmo_info_committed_counts_of_a_lone_vmo_agree() {
    let (k, p) = setup();
    let h = vmo(&p, 8 * P);
    fill(&p, h, 0, 1, 1);
    fill(&p, h, 3 * P, P as usize + 1, 2);
    let info = vmo_info(&p, h);
    let c = 3 * P;
    assert_eq!(info.committed_bytes, c);
    assert_eq!(info.populated_bytes, c);
    assert_eq!(info.committed_private_bytes, c);
    assert_eq!(info.populated_private_bytes, c);
    assert_eq!(info.committed_scaled_bytes, c);
    assert_eq!(info.populated_scaled_bytes, c);
    assert_eq!(info.committed_fractional_scaled_bytes, 0);
    assert_eq!(info.populated_fractional_scaled_bytes, 0);
    assert_eq!(vmo_bytes(&k), c);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn vmo_info_struct_has_the_c_size() {
    // koid, name[32], size, parent, children, mappings, share, flags+pad, committed,
    // rights+cache_policy, metadata, change_events, populated, 6 RFC-0254 fields = 176 bytes.
    assert_eq!(std::mem::size_of::<zx_info_vmo_t>(), 176);
}

#[test]
fn older_vmo_info_topics_return_prefixes_of_the_record() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    ok!(p.object_set_property(h, ZX_PROP_NAME, b"prefix"));
    fill(&p, h, 0, 1, 1);
    let full_len = std::mem::size_of::<zx_info_vmo_t>();
    let mut full = vec![0u8; full_len];
    assert_eq!(ok!(p.object_get_info(h, ZX_INFO_VMO, &mut full)), (1, 1));
    for (topic, len) in [(ZX_INFO_VMO_V1, 104), (ZX_INFO_VMO_V2, 120), (ZX_INFO_VMO_V3, 128)] {
        let mut buf = vec![0u8; len];
        assert_eq!(ok!(p.object_get_info(h, topic, &mut buf)), (1, 1), "topic {topic:#x}");
        assert_eq!(&buf[..], &full[..len], "topic {topic:#x} is not a prefix");
        let mut short = vec![0u8; len - 1];
        assert_err!(
            p.object_get_info(h, topic, &mut short),
            ZX_ERR_BUFFER_TOO_SMALL,
            "topic {topic:#x} with {} bytes",
            len - 1
        );
    }
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn vmo_info_needs_no_rights() {
    // Zircon's zx_object_get_info docs: for ZX_INFO_VMO the handle "must be of type
    // ZX_OBJ_TYPE_VMO" and nothing more; the record then reports the handle's rights.
    let (k, p) = setup();
    let h = vmo(&p, P);
    let none = dup(&p, h, ZX_RIGHT_NONE);
    let info = p.object_get_info_vmo(none);
    assert!(info.is_ok(), "ZX_INFO_VMO on a handle without rights: {info:?}");
    let info = info.unwrap();
    assert_eq!(info.handle_rights, 0);
    assert_eq!(info.koid, koid_of(&p, h));
    let read_only = dup(&p, h, ZX_RIGHT_READ);
    assert_eq!(ok!(p.object_get_info_vmo(read_only)).handle_rights, ZX_RIGHT_READ);
    close_all(&p, &[h, none, read_only]);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// UNBOUNDED content sizes; setting ZX_PROP_VMO_CONTENT_SIZE needs WRITE and zeroes the tail
// ---------------------------------------------------------------------------------------------

#[test]
fn unbounded_with_a_content_size_above_the_max_size_is_out_of_range() {
    let (k, p) = setup();
    for size in [u64::MAX, MAX_SIZE + 1, MAX_SIZE + P] {
        assert_err!(p.vmo_create(size, ZX_VMO_UNBOUNDED), ZX_ERR_OUT_OF_RANGE, "size {size:#x}");
        assert_err!(
            p.vmo_create(size, ZX_VMO_UNBOUNDED | ZX_VMO_DISCARDABLE),
            ZX_ERR_OUT_OF_RANGE,
            "discardable, size {size:#x}"
        );
    }
    // Up to the maximum size itself, the content size is what was asked for.
    let h = vmo_opts(&p, MAX_SIZE, ZX_VMO_UNBOUNDED);
    assert_eq!(content_size(&p, h), MAX_SIZE);
    let odd = vmo_opts(&p, MAX_SIZE - 1, ZX_VMO_UNBOUNDED);
    assert_eq!(content_size(&p, odd), MAX_SIZE - 1);
    close_all(&p, &[h, odd]);
    assert_no_leak(&k);
}

#[test]
fn setting_the_content_size_needs_write() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    let no_write = dup(&p, h, VMO_RIGHTS & !ZX_RIGHT_WRITE);
    assert_err!(
        p.object_set_property(no_write, ZX_PROP_VMO_CONTENT_SIZE, &5u64.to_le_bytes()),
        ZX_ERR_ACCESS_DENIED
    );
    // WRITE is checked before the buffer's length.
    assert_err!(
        p.object_set_property(no_write, ZX_PROP_VMO_CONTENT_SIZE, &[0u8; 3]),
        ZX_ERR_ACCESS_DENIED
    );
    assert_eq!(content_size(&p, h), 2 * P);
    // Reading it needs no WRITE, and naming needs none either.
    assert_eq!(content_size(&p, no_write), 2 * P);
    ok!(p.object_set_property(no_write, ZX_PROP_NAME, b"still named"));
    // SET_PROPERTY and WRITE together are enough.
    let both = dup(&p, h, ZX_RIGHT_SET_PROPERTY | ZX_RIGHT_WRITE);
    ok!(p.object_set_property(both, ZX_PROP_VMO_CONTENT_SIZE, &5u64.to_le_bytes()));
    assert_eq!(content_size(&p, h), 5);
    close_all(&p, &[both, no_write, h]);
    assert_no_leak(&k);
}

fn set_content_size(p: &Process, h: zx_handle_t, cs: u64) {
    ok!(p.object_set_property(h, ZX_PROP_VMO_CONTENT_SIZE, &cs.to_le_bytes()));
}

#[test]
fn lowering_the_content_size_zeroes_up_to_the_end_of_the_vmo() {
    let (k, p) = setup();
    let h = vmo(&p, 4 * P);
    fill(&p, h, 0, (4 * P) as usize, 0xAB);
    set_content_size(&p, h, P + 100);
    assert_eq!(content_size(&p, h), P + 100);
    assert_bytes(&p, h, 0, (P + 100) as usize, 0xAB);
    assert_bytes(&p, h, P + 100, (3 * P - 100) as usize, 0);
    // Whole pages past the new content size are given back; the partial one stays.
    assert_eq!(committed(&p, h), 2 * P);
    assert_eq!(ok!(p.vmo_get_size(h)), 4 * P, "the size does not change");
    assert_clean(&k);
    close_all(&p, &[h]);
    assert_no_leak(&k);
}

#[test]
fn lowered_content_size_zeroes_past_the_old_content_size_too() {
    // The range zeroed is [new content size, VMO size), whatever the old content size was:
    // bytes written beyond an earlier, smaller content size are zeroed as well.
    let (k, p) = setup();
    let h = vmo(&p, 3 * P);
    set_content_size(&p, h, P);
    fill(&p, h, 0, (3 * P) as usize, 0xCD);
    set_content_size(&p, h, P + 10);
    assert_bytes(&p, h, 0, (P + 10) as usize, 0xCD);
    assert_bytes(&p, h, P + 10, (2 * P - 10) as usize, 0);
    assert_clean(&k);
    close_all(&p, &[h]);
    assert_no_leak(&k);
}

#[test]
fn content_size_at_or_above_the_size_zeroes_nothing() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    fill(&p, h, 0, (2 * P) as usize, 0x42);
    for cs in [2 * P, 2 * P + 1, 100 * P, u64::MAX] {
        set_content_size(&p, h, cs);
        assert_bytes(&p, h, 0, (2 * P) as usize, 0x42);
    }
    // Zero zeroes everything and frees every page.
    set_content_size(&p, h, 0);
    assert_bytes(&p, h, 0, (2 * P) as usize, 0);
    assert_eq!(committed(&p, h), 0);
    close_all(&p, &[h]);
    assert_no_leak(&k);
}

#[test]
fn lowering_the_content_size_leaves_snapshots_their_content() {
    let (k, p) = setup();
    let parent = vmo(&p, 2 * P);
    fill(&p, parent, 0, (2 * P) as usize, 0x61);
    let snapshot = ok!(p.vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT, 0, 2 * P));
    set_content_size(&p, parent, 7);
    assert_bytes(&p, parent, 7, (2 * P - 7) as usize, 0);
    assert_bytes(&p, snapshot, 0, (2 * P) as usize, 0x61);
    assert_clean(&k);
    // And the other way round: the child's content size zeroes only the child.
    set_content_size(&p, snapshot, 0);
    assert_bytes(&p, snapshot, 0, (2 * P) as usize, 0);
    assert_bytes(&p, parent, 0, 7, 0x61);
    assert_clean(&k);
    close_all(&p, &[snapshot, parent]);
    assert_no_leak(&k);
}

#[test]
fn lowering_a_slices_content_size_zeroes_only_its_window() {
    let (k, p) = setup();
    let parent = vmo(&p, 4 * P);
    fill(&p, parent, 0, (4 * P) as usize, 0x99);
    let slice = ok!(p.vmo_create_child(parent, ZX_VMO_CHILD_SLICE, P, 2 * P));
    set_content_size(&p, slice, P / 2);
    assert_eq!(content_size(&p, slice), P / 2);
    assert_eq!(content_size(&p, parent), 4 * P, "a slice's content size is its own");
    // The slice's bytes [P/2, 2P) are the parent's [P + P/2, 3P).
    assert_bytes(&p, parent, 0, (P + P / 2) as usize, 0x99);
    assert_bytes(&p, parent, P + P / 2, (P + P / 2) as usize, 0);
    assert_bytes(&p, parent, 3 * P, P as usize, 0x99);
    assert_clean(&k);
    close_all(&p, &[slice, parent]);
    assert_no_leak(&k);
}

#[test]
fn content_size_of_physical_and_contiguous_vmos_is_not_supported() {
    // Zircon keeps no settable content size for memory that is not ordinary paged memory.
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let phys = dev.physical(&p, 1);
    let contiguous = dev.contiguous(&p, 1);
    for h in [phys, contiguous] {
        fill(&p, h, 0, P as usize, 0x12);
        assert_err!(
            p.object_set_property(h, ZX_PROP_VMO_CONTENT_SIZE, &1u64.to_le_bytes()),
            ZX_ERR_NOT_SUPPORTED
        );
        assert_bytes(&p, h, 0, P as usize, 0x12);
        assert_eq!(content_size(&p, h), P);
    }
    close_all(&p, &[contiguous, phys]);
    dev.close(&p);
    assert_no_leak(&k);
}

#[test]
fn lowering_the_content_size_without_a_spare_page_is_no_memory_and_changes_nothing() {
    // The partial page must be forked out of a snapshot's parent: with no free page left the
    // call fails as a whole (the emulator zeroes all or nothing).
    let (k, p) = setup_with_pages(2);
    let parent = vmo(&p, P);
    fill(&p, parent, 0, P as usize, 0x31);
    let snapshot = ok!(p.vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT, 0, P));
    let hog = vmo(&p, P);
    fill(&p, hog, 0, 1, 1);
    assert_eq!(free_bytes(&k), 0);
    assert_err!(
        p.object_set_property(snapshot, ZX_PROP_VMO_CONTENT_SIZE, &5u64.to_le_bytes()),
        ZX_ERR_NO_MEMORY
    );
    assert_eq!(content_size(&p, snapshot), P);
    assert_bytes(&p, snapshot, 0, P as usize, 0x31);
    close_all(&p, &[hog]);
    set_content_size(&p, snapshot, 5);
    assert_bytes(&p, snapshot, 0, 5, 0x31);
    assert_bytes(&p, snapshot, 5, (P - 5) as usize, 0);
    assert_bytes(&p, parent, 0, P as usize, 0x31);
    assert_clean(&k);
    close_all(&p, &[snapshot, parent]);
    assert_no_leak(&k);
}
