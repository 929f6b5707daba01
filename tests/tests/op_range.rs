//! Conformance tests for docs/reference.md §4 (`vmo_op_range`) on root VMOs: check order (handle,
//! type, rights before range), COMMIT, DECOMMIT, ZERO, cache ops, DONT_NEED/ALWAYS_NEED,
//! PREFETCH, the discardable LOCK/UNLOCK/TRY_LOCK ops with `Kernel::reclaim_discardable`, and
//! NO_MEMORY. Ends with a property test against a byte-and-page model.

use proptest::prelude::*;
use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Process, Status};

fn op(p: &Process, h: zx_handle_t, op: u32, offset: u64, size: u64) -> Result<(), Status> {
    p.vmo_op_range(h, op, offset, size, &mut [])
}

const ALL_OPS: [u32; 13] = [
    ZX_VMO_OP_COMMIT,
    ZX_VMO_OP_DECOMMIT,
    ZX_VMO_OP_LOCK,
    ZX_VMO_OP_UNLOCK,
    ZX_VMO_OP_CACHE_SYNC,
    ZX_VMO_OP_CACHE_INVALIDATE,
    ZX_VMO_OP_CACHE_CLEAN,
    ZX_VMO_OP_CACHE_CLEAN_INVALIDATE,
    ZX_VMO_OP_ZERO,
    ZX_VMO_OP_TRY_LOCK,
    ZX_VMO_OP_DONT_NEED,
    ZX_VMO_OP_ALWAYS_NEED,
    ZX_VMO_OP_PREFETCH,
];

// ---------------------------------------------------------------------------------------------
// Check order
// ---------------------------------------------------------------------------------------------

#[test]
fn op_range_on_closed_handle_is_bad_handle() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    ok!(p.handle_close(h));
    for o in ALL_OPS.iter().copied().chain([0, 5, 15]) {
        let mut buf = [0u8; 32];
        assert_err!(p.vmo_op_range(h, o, 0, P, &mut buf), ZX_ERR_BAD_HANDLE, "op {o}");
    }
    assert_err!(op(&p, ZX_HANDLE_INVALID, ZX_VMO_OP_COMMIT, 0, P), ZX_ERR_BAD_HANDLE);
    assert_no_leak(&k);
}

#[test]
fn op_range_on_event_is_wrong_type() {
    let (k, p) = setup();
    let e = event(&p);
    for o in ALL_OPS.iter().copied().chain([0, 5, 15]) {
        let mut buf = [0u8; 32];
        assert_err!(p.vmo_op_range(e, o, 0, P, &mut buf), ZX_ERR_WRONG_TYPE, "op {o}");
    }
    ok!(p.handle_close(e));
    assert_no_leak(&k);
}

#[test]
fn unknown_ops_are_invalid_args() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    for o in [0u32, 5, 15, 16, 100, 0x8000_0001, u32::MAX] {
        let mut buf = [0u8; 32];
        assert_err!(p.vmo_op_range(h, o, 0, P, &mut buf), ZX_ERR_INVALID_ARGS, "op {o}");
        assert_err!(p.vmo_op_range(h, o, 0, 0, &mut buf), ZX_ERR_INVALID_ARGS, "op {o} len 0");
        assert_err!(
            p.vmo_op_range(h, o, u64::MAX, 10, &mut buf),
            ZX_ERR_INVALID_ARGS,
            "op {o} out of range"
        );
    }
    // Also with a handle that has no rights at all.
    let none = dup(&p, h, ZX_RIGHT_NONE);
    assert_err!(op(&p, none, 5, 0, P), ZX_ERR_INVALID_ARGS);
    assert_err!(op(&p, none, 0, 0, P), ZX_ERR_INVALID_ARGS);
    close_all(&p, &[h, none]);
    assert_no_leak(&k);
}

#[test]
fn write_ops_need_write_before_any_range_check() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    let ro = dup(&p, h, VMO_RIGHTS & !ZX_RIGHT_WRITE);
    for o in [ZX_VMO_OP_COMMIT, ZX_VMO_OP_DECOMMIT, ZX_VMO_OP_ZERO] {
        assert_err!(op(&p, ro, o, 0, P), ZX_ERR_ACCESS_DENIED, "op {o} in range");
        assert_err!(op(&p, ro, o, 0, 0), ZX_ERR_ACCESS_DENIED, "op {o} len 0");
        assert_err!(op(&p, ro, o, 10 * P, P), ZX_ERR_ACCESS_DENIED, "op {o} past end");
        assert_err!(op(&p, ro, o, u64::MAX, 2), ZX_ERR_ACCESS_DENIED, "op {o} overflow");
        assert_err!(op(&p, ro, o, 1, 3), ZX_ERR_ACCESS_DENIED, "op {o} unaligned");
    }
    assert_eq!(committed(&p, h), 0);
    close_all(&p, &[h, ro]);
    assert_no_leak(&k);
}

#[test]
fn read_ops_need_read_before_any_range_check() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    let wo = dup(&p, h, VMO_RIGHTS & !ZX_RIGHT_READ);
    for o in [
        ZX_VMO_OP_CACHE_SYNC,
        ZX_VMO_OP_CACHE_CLEAN,
        ZX_VMO_OP_CACHE_CLEAN_INVALIDATE,
        ZX_VMO_OP_PREFETCH,
    ] {
        assert_err!(op(&p, wo, o, 0, P), ZX_ERR_ACCESS_DENIED, "op {o} in range");
        assert_err!(op(&p, wo, o, 0, 0), ZX_ERR_ACCESS_DENIED, "op {o} len 0");
        assert_err!(op(&p, wo, o, 10 * P, P), ZX_ERR_ACCESS_DENIED, "op {o} past end");
        assert_err!(op(&p, wo, o, u64::MAX, 2), ZX_ERR_ACCESS_DENIED, "op {o} overflow");
    }
    close_all(&p, &[h, wo]);
    assert_no_leak(&k);
}

#[test]
fn lock_ops_need_read_or_write_before_anything_else() {
    let (k, p) = setup();
    let plain = vmo(&p, P);
    let disc = vmo_opts(&p, P, ZX_VMO_DISCARDABLE);
    for h in [plain, disc] {
        let neither = dup(&p, h, VMO_RIGHTS & !(ZX_RIGHT_READ | ZX_RIGHT_WRITE));
        for o in [ZX_VMO_OP_LOCK, ZX_VMO_OP_UNLOCK, ZX_VMO_OP_TRY_LOCK] {
            let mut buf = [0u8; 32];
            // ACCESS_DENIED before NOT_SUPPORTED (plain), before OUT_OF_RANGE and BAD_STATE.
            assert_err!(p.vmo_op_range(neither, o, 0, P, &mut buf), ZX_ERR_ACCESS_DENIED);
            assert_err!(p.vmo_op_range(neither, o, 0, 7, &mut buf), ZX_ERR_ACCESS_DENIED);
            assert_err!(p.vmo_op_range(neither, o, 0, P, &mut []), ZX_ERR_ACCESS_DENIED);
        }
        ok!(p.handle_close(neither));
    }
    // READ alone or WRITE alone is enough.
    let r = dup(&p, disc, ZX_RIGHT_READ);
    let w = dup(&p, disc, ZX_RIGHT_WRITE);
    let mut buf = [0u8; 32];
    ok!(p.vmo_op_range(r, ZX_VMO_OP_LOCK, 0, P, &mut buf));
    ok!(p.vmo_op_range(w, ZX_VMO_OP_UNLOCK, 0, P, &mut []));
    ok!(p.vmo_op_range(w, ZX_VMO_OP_TRY_LOCK, 0, P, &mut buf));
    ok!(p.vmo_op_range(r, ZX_VMO_OP_UNLOCK, 0, P, &mut []));
    close_all(&p, &[plain, disc, r, w]);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// COMMIT
// ---------------------------------------------------------------------------------------------

#[test]
fn commit_commits_whole_range_and_reads_zero() {
    let (k, p) = setup();
    let h = vmo(&p, 4 * P);
    let free0 = free_bytes(&k);
    ok!(op(&p, h, ZX_VMO_OP_COMMIT, 0, 4 * P));
    assert_eq!(committed(&p, h), 4 * P);
    assert_eq!(vmo_bytes(&k), 4 * P);
    assert_eq!(free_bytes(&k), free0 - 4 * P);
    assert_bytes(&p, h, 0, 4 * P as usize, 0);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn commit_widens_unaligned_range_to_whole_pages() {
    let (k, p) = setup();
    let h = vmo(&p, 8 * P);
    ok!(op(&p, h, ZX_VMO_OP_COMMIT, 100, 10));
    assert_eq!(committed(&p, h), P);
    ok!(op(&p, h, ZX_VMO_OP_COMMIT, 3 * P - 96, 200)); // pages 2 and 3
    assert_eq!(committed(&p, h), 3 * P);
    ok!(op(&p, h, ZX_VMO_OP_COMMIT, 5 * P + 1, P)); // pages 5 and 6
    assert_eq!(committed(&p, h), 5 * P);
    assert_bytes(&p, h, 0, 8 * P as usize, 0);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn commit_keeps_existing_content() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    let data = pattern(5, 3000);
    ok!(p.vmo_write(h, &data, 1000));
    ok!(op(&p, h, ZX_VMO_OP_COMMIT, 0, 2 * P));
    assert_eq!(read_vec(&p, h, 1000, 3000), data);
    assert_eq!(committed(&p, h), 2 * P);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn commit_past_size_is_out_of_range() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    assert_err!(op(&p, h, ZX_VMO_OP_COMMIT, 0, 3 * P), ZX_ERR_OUT_OF_RANGE);
    assert_err!(op(&p, h, ZX_VMO_OP_COMMIT, P, P + 1), ZX_ERR_OUT_OF_RANGE);
    assert_err!(op(&p, h, ZX_VMO_OP_COMMIT, 2 * P, 1), ZX_ERR_OUT_OF_RANGE);
    assert_err!(op(&p, h, ZX_VMO_OP_COMMIT, u64::MAX, 2), ZX_ERR_OUT_OF_RANGE);
    assert_err!(op(&p, h, ZX_VMO_OP_COMMIT, P, u64::MAX), ZX_ERR_OUT_OF_RANGE);
    assert_err!(op(&p, h, ZX_VMO_OP_COMMIT, 3 * P, 0), ZX_ERR_OUT_OF_RANGE);
    assert_eq!(committed(&p, h), 0, "a failed range check commits nothing");
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn commit_length_zero_is_ok_and_commits_nothing() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    ok!(op(&p, h, ZX_VMO_OP_COMMIT, 0, 0));
    ok!(op(&p, h, ZX_VMO_OP_COMMIT, 5, 0));
    ok!(op(&p, h, ZX_VMO_OP_COMMIT, 2 * P, 0));
    assert_eq!(committed(&p, h), 0);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn commit_beyond_memory_is_no_memory_never_a_panic() {
    let (k, p) = setup_with_pages(16);
    let h = vmo(&p, 32 * P);
    assert_err!(op(&p, h, ZX_VMO_OP_COMMIT, 0, 32 * P), ZX_ERR_NO_MEMORY);
    assert_clean(&k);
    assert!(committed(&p, h) <= 16 * P);
    assert_eq!(vmo_bytes(&k), committed(&p, h));
    assert_bytes(&p, h, 0, 32 * P as usize, 0);
    // Release what may have been committed; then a commit that fits succeeds.
    ok!(op(&p, h, ZX_VMO_OP_DECOMMIT, 0, 32 * P));
    assert_eq!(committed(&p, h), 0);
    ok!(op(&p, h, ZX_VMO_OP_COMMIT, 0, 16 * P));
    assert_eq!(committed(&p, h), 16 * P);
    assert_eq!(free_bytes(&k), 0);
    assert_err!(op(&p, h, ZX_VMO_OP_COMMIT, 16 * P, P), ZX_ERR_NO_MEMORY);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn buffer_is_ignored_by_non_lock_ops() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    let mut buf = [0xABu8; 64];
    ok!(p.vmo_op_range(h, ZX_VMO_OP_COMMIT, 0, P, &mut buf));
    ok!(p.vmo_op_range(h, ZX_VMO_OP_ZERO, 0, 10, &mut buf));
    ok!(p.vmo_op_range(h, ZX_VMO_OP_CACHE_SYNC, 0, P, &mut buf));
    ok!(p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 0, P, &mut buf));
    assert_eq!(buf, [0xABu8; 64], "the buffer was written by a non-lock op");
    assert_eq!(committed(&p, h), 0);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// DECOMMIT
// ---------------------------------------------------------------------------------------------

#[test]
fn decommit_frees_pages_and_range_reads_zero() {
    let (k, p) = setup();
    let h = vmo(&p, 4 * P);
    fill(&p, h, 0, 4 * P as usize, 0x99);
    let free0 = free_bytes(&k);
    ok!(op(&p, h, ZX_VMO_OP_DECOMMIT, P, 2 * P));
    assert_eq!(committed(&p, h), 2 * P);
    assert_eq!(free_bytes(&k), free0 + 2 * P);
    assert_eq!(vmo_bytes(&k), 2 * P);
    assert_bytes(&p, h, 0, P as usize, 0x99);
    assert_bytes(&p, h, P, 2 * P as usize, 0);
    assert_bytes(&p, h, 3 * P, P as usize, 0x99);
    assert_clean(&k);
    ok!(op(&p, h, ZX_VMO_OP_DECOMMIT, 0, 4 * P));
    assert_eq!(committed(&p, h), 0);
    assert_bytes(&p, h, 0, 4 * P as usize, 0);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn decommit_of_never_committed_range_is_ok() {
    let (k, p) = setup();
    let h = vmo(&p, 4 * P);
    ok!(op(&p, h, ZX_VMO_OP_DECOMMIT, 0, 4 * P));
    assert_eq!(committed(&p, h), 0);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn decommit_checks_range_then_length_zero_then_alignment() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    fill(&p, h, 0, 2 * P as usize, 1);
    // 1. OUT_OF_RANGE wins over unaligned arguments.
    assert_err!(op(&p, h, ZX_VMO_OP_DECOMMIT, 1, 3 * P), ZX_ERR_OUT_OF_RANGE);
    assert_err!(op(&p, h, ZX_VMO_OP_DECOMMIT, 3 * P + 1, 0), ZX_ERR_OUT_OF_RANGE);
    assert_err!(op(&p, h, ZX_VMO_OP_DECOMMIT, u64::MAX, 2), ZX_ERR_OUT_OF_RANGE);
    assert_err!(op(&p, h, ZX_VMO_OP_DECOMMIT, P, u64::MAX - 10), ZX_ERR_OUT_OF_RANGE);
    assert_err!(op(&p, h, ZX_VMO_OP_DECOMMIT, 0, 2 * P + 1), ZX_ERR_OUT_OF_RANGE);
    // 2. Length 0 is OK even at an unaligned offset.
    ok!(op(&p, h, ZX_VMO_OP_DECOMMIT, 1, 0));
    ok!(op(&p, h, ZX_VMO_OP_DECOMMIT, 2 * P, 0));
    // 3. Unaligned offset or size inside the VMO: INVALID_ARGS.
    assert_err!(op(&p, h, ZX_VMO_OP_DECOMMIT, 1, P), ZX_ERR_INVALID_ARGS);
    assert_err!(op(&p, h, ZX_VMO_OP_DECOMMIT, 0, 100), ZX_ERR_INVALID_ARGS);
    assert_err!(op(&p, h, ZX_VMO_OP_DECOMMIT, P - 1, 1), ZX_ERR_INVALID_ARGS);
    assert_eq!(committed(&p, h), 2 * P, "failed decommits release nothing");
    assert_bytes(&p, h, 0, 2 * P as usize, 1);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// ZERO
// ---------------------------------------------------------------------------------------------

#[test]
fn zero_zeroes_exactly_the_range_and_releases_whole_pages() {
    let (k, p) = setup();
    let h = vmo(&p, 3 * P);
    fill(&p, h, 0, 3 * P as usize, 0xAA);
    let free0 = free_bytes(&k);
    ok!(op(&p, h, ZX_VMO_OP_ZERO, 100, 2 * P));
    assert_bytes(&p, h, 0, 100, 0xAA);
    assert_bytes(&p, h, 100, 2 * P as usize, 0);
    assert_bytes(&p, h, 2 * P + 100, P as usize - 100, 0xAA);
    // Page 1 was wholly inside the range and is released; pages 0 and 2 are partial.
    assert_eq!(committed(&p, h), 2 * P);
    assert_eq!(free_bytes(&k), free0 + P);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn zero_within_one_page_zeroes_in_place() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    fill(&p, h, 0, P as usize, 0x5C);
    ok!(op(&p, h, ZX_VMO_OP_ZERO, 10, 20));
    assert_bytes(&p, h, 0, 10, 0x5C);
    assert_bytes(&p, h, 10, 20, 0);
    assert_bytes(&p, h, 30, P as usize - 30, 0x5C);
    assert_eq!(committed(&p, h), P);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn zero_of_whole_vmo_releases_every_page() {
    let (k, p) = setup();
    let h = vmo(&p, 4 * P);
    fill(&p, h, 0, 4 * P as usize, 0x71);
    ok!(op(&p, h, ZX_VMO_OP_ZERO, 0, 4 * P));
    assert_bytes(&p, h, 0, 4 * P as usize, 0);
    assert_eq!(committed(&p, h), 0);
    assert_eq!(vmo_bytes(&k), 0);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn zero_on_never_committed_range_commits_nothing() {
    let (k, p) = setup();
    let h = vmo(&p, 4 * P);
    ok!(op(&p, h, ZX_VMO_OP_ZERO, 0, 4 * P));
    ok!(op(&p, h, ZX_VMO_OP_ZERO, 100, 50));
    ok!(op(&p, h, ZX_VMO_OP_ZERO, P - 1, 2));
    assert_eq!(committed(&p, h), 0);
    assert_eq!(vmo_bytes(&k), 0);
    assert_bytes(&p, h, 0, 4 * P as usize, 0);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn zero_past_size_is_out_of_range_and_changes_nothing() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    fill(&p, h, 0, 2 * P as usize, 0x33);
    assert_err!(op(&p, h, ZX_VMO_OP_ZERO, 0, 2 * P + 1), ZX_ERR_OUT_OF_RANGE);
    assert_err!(op(&p, h, ZX_VMO_OP_ZERO, P, P + 1), ZX_ERR_OUT_OF_RANGE);
    assert_err!(op(&p, h, ZX_VMO_OP_ZERO, u64::MAX, 2), ZX_ERR_OUT_OF_RANGE);
    assert_err!(op(&p, h, ZX_VMO_OP_ZERO, 10, u64::MAX), ZX_ERR_OUT_OF_RANGE);
    assert_bytes(&p, h, 0, 2 * P as usize, 0x33);
    assert_eq!(committed(&p, h), 2 * P);
    assert_err!(op(&p, h, ZX_VMO_OP_ZERO, 3 * P, 0), ZX_ERR_OUT_OF_RANGE);
    ok!(op(&p, h, ZX_VMO_OP_ZERO, 2 * P, 0));
    ok!(op(&p, h, ZX_VMO_OP_ZERO, 5, 0));
    assert_bytes(&p, h, 0, 2 * P as usize, 0x33);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// Cache ops, DONT_NEED, ALWAYS_NEED, PREFETCH
// ---------------------------------------------------------------------------------------------

#[test]
fn cache_ops_succeed_in_range_with_read_right() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    let ro = dup(&p, h, ZX_RIGHT_READ);
    fill(&p, h, 0, 10, 1);
    for o in [ZX_VMO_OP_CACHE_SYNC, ZX_VMO_OP_CACHE_CLEAN, ZX_VMO_OP_CACHE_CLEAN_INVALIDATE] {
        ok!(op(&p, ro, o, 0, 2 * P));
        ok!(op(&p, ro, o, 7, 3)); // unaligned is fine
        ok!(op(&p, ro, o, P, P)); // never committed is fine
    }
    assert_bytes(&p, h, 0, 10, 1);
    assert_eq!(committed(&p, h), P);
    close_all(&p, &[h, ro]);
    assert_no_leak(&k);
}

#[test]
fn cache_ops_with_length_zero_are_invalid_args_before_range() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    for o in [ZX_VMO_OP_CACHE_SYNC, ZX_VMO_OP_CACHE_CLEAN, ZX_VMO_OP_CACHE_CLEAN_INVALIDATE] {
        assert_err!(op(&p, h, o, 0, 0), ZX_ERR_INVALID_ARGS, "op {o}");
        assert_err!(op(&p, h, o, 10 * P, 0), ZX_ERR_INVALID_ARGS, "op {o} past end");
    }
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn cache_ops_past_size_are_out_of_range() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    for o in [ZX_VMO_OP_CACHE_SYNC, ZX_VMO_OP_CACHE_CLEAN, ZX_VMO_OP_CACHE_CLEAN_INVALIDATE] {
        assert_err!(op(&p, h, o, 0, 2 * P + 1), ZX_ERR_OUT_OF_RANGE, "op {o}");
        assert_err!(op(&p, h, o, 2 * P, 1), ZX_ERR_OUT_OF_RANGE, "op {o}");
        assert_err!(op(&p, h, o, u64::MAX, 2), ZX_ERR_OUT_OF_RANGE, "op {o} overflow");
    }
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn cache_invalidate_is_not_supported() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    assert_err!(op(&p, h, ZX_VMO_OP_CACHE_INVALIDATE, 0, P), ZX_ERR_NOT_SUPPORTED);
    assert_err!(op(&p, h, ZX_VMO_OP_CACHE_INVALIDATE, 0, 2 * P), ZX_ERR_NOT_SUPPORTED);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn dont_need_and_always_need_are_ok_even_out_of_range_without_rights() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    fill(&p, h, 0, 2 * P as usize, 0x4D);
    let none = dup(&p, h, ZX_RIGHT_NONE);
    for o in [ZX_VMO_OP_DONT_NEED, ZX_VMO_OP_ALWAYS_NEED] {
        for hh in [h, none] {
            ok!(op(&p, hh, o, 0, 2 * P));
            ok!(op(&p, hh, o, 0, 0));
            ok!(op(&p, hh, o, 5, 7));
            ok!(op(&p, hh, o, 10 * P, P));
            ok!(op(&p, hh, o, u64::MAX, 2));
        }
    }
    // Hints never lose data on an anonymous VMO.
    assert_bytes(&p, h, 0, 2 * P as usize, 0x4D);
    assert_eq!(committed(&p, h), 2 * P);
    close_all(&p, &[h, none]);
    assert_no_leak(&k);
}

#[test]
fn prefetch_needs_read_is_range_checked_and_ok_in_range() {
    let (k, p) = setup();
    let h = vmo(&p, 2 * P);
    let ro = dup(&p, h, ZX_RIGHT_READ);
    ok!(op(&p, ro, ZX_VMO_OP_PREFETCH, 0, 2 * P));
    ok!(op(&p, ro, ZX_VMO_OP_PREFETCH, 3, 5));
    assert_err!(op(&p, ro, ZX_VMO_OP_PREFETCH, 0, 2 * P + 1), ZX_ERR_OUT_OF_RANGE);
    assert_err!(op(&p, ro, ZX_VMO_OP_PREFETCH, 3 * P, P), ZX_ERR_OUT_OF_RANGE);
    assert_err!(op(&p, ro, ZX_VMO_OP_PREFETCH, u64::MAX, 2), ZX_ERR_OUT_OF_RANGE);
    assert_bytes(&p, h, 0, 2 * P as usize, 0);
    close_all(&p, &[h, ro]);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// LOCK / UNLOCK / TRY_LOCK and reclaim of discardable VMOs
// ---------------------------------------------------------------------------------------------

fn lock(p: &Process, h: zx_handle_t, size: u64) -> (u64, u64, u64, u64) {
    let mut buf = [0xEEu8; 32];
    if let Err(s) = p.vmo_op_range(h, ZX_VMO_OP_LOCK, 0, size, &mut buf) {
        panic!("LOCK(0, {size:#x}) failed: {s}");
    }
    lock_state(&buf)
}

fn unlock(p: &Process, h: zx_handle_t, size: u64) {
    if let Err(s) = p.vmo_op_range(h, ZX_VMO_OP_UNLOCK, 0, size, &mut []) {
        panic!("UNLOCK(0, {size:#x}) failed: {s}");
    }
}

#[test]
fn lock_ops_on_non_discardable_vmo_are_not_supported() {
    let (k, p) = setup();
    for opts in [0, ZX_VMO_RESIZABLE] {
        let h = vmo_opts(&p, 2 * P, opts);
        for o in [ZX_VMO_OP_LOCK, ZX_VMO_OP_UNLOCK, ZX_VMO_OP_TRY_LOCK] {
            let mut buf = [0u8; 32];
            assert_err!(p.vmo_op_range(h, o, 0, 2 * P, &mut buf), ZX_ERR_NOT_SUPPORTED, "op {o}");
            // NOT_SUPPORTED comes before the range check and the buffer check.
            assert_err!(p.vmo_op_range(h, o, 0, P, &mut buf), ZX_ERR_NOT_SUPPORTED, "op {o}");
            assert_err!(p.vmo_op_range(h, o, 0, 2 * P, &mut []), ZX_ERR_NOT_SUPPORTED, "op {o}");
        }
        ok!(p.handle_close(h));
    }
    assert_no_leak(&k);
}

#[test]
fn lock_writes_lock_state_for_whole_vmo() {
    let (k, p) = setup();
    let h = vmo_opts(&p, 3 * P, ZX_VMO_DISCARDABLE);
    assert_eq!(lock(&p, h, 3 * P), (0, 3 * P, 0, 0));
    unlock(&p, h, 3 * P);
    // TRY_LOCK on a VMO that was never discarded succeeds; it reports nothing, so the
    // buffer that came with it is left as it was.
    let mut buf = [0xEEu8; 32];
    ok!(p.vmo_op_range(h, ZX_VMO_OP_TRY_LOCK, 0, 3 * P, &mut buf));
    assert_eq!(buf, [0xEE; 32]);
    unlock(&p, h, 3 * P);
    // A larger buffer gets the 32-byte record at its start.
    let mut big = [0xEEu8; 40];
    ok!(p.vmo_op_range(h, ZX_VMO_OP_LOCK, 0, 3 * P, &mut big));
    assert_eq!(lock_state(&big), (0, 3 * P, 0, 0));
    unlock(&p, h, 3 * P);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn lock_range_must_be_the_whole_vmo() {
    let (k, p) = setup();
    let h = vmo_opts(&p, 3 * P, ZX_VMO_DISCARDABLE);
    for o in [ZX_VMO_OP_LOCK, ZX_VMO_OP_TRY_LOCK, ZX_VMO_OP_UNLOCK] {
        for (off, len) in
            [(0, 2 * P), (P, 2 * P), (0, 4 * P), (0, 0), (0, 3 * P - 1), (1, 3 * P), (u64::MAX, 2)]
        {
            let mut buf = [0u8; 32];
            assert_err!(
                p.vmo_op_range(h, o, off, len, &mut buf),
                ZX_ERR_OUT_OF_RANGE,
                "op {o} ({off:#x}, {len:#x})"
            );
        }
    }
    // None of the failed LOCKs took a lock.
    assert_err!(op(&p, h, ZX_VMO_OP_UNLOCK, 0, 3 * P), ZX_ERR_BAD_STATE);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn lock_with_short_buffer_is_invalid_args_and_takes_no_lock() {
    let (k, p) = setup();
    let h = vmo_opts(&p, 2 * P, ZX_VMO_DISCARDABLE);
    // Only LOCK writes a record (TRY_LOCK ignores its buffer: see try_lock_needs_no_buffer).
    let mut short = [0u8; 31];
    assert_err!(p.vmo_op_range(h, ZX_VMO_OP_LOCK, 0, 2 * P, &mut short), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmo_op_range(h, ZX_VMO_OP_LOCK, 0, 2 * P, &mut []), ZX_ERR_INVALID_ARGS);
    // No lock was taken: UNLOCK finds it unlocked.
    assert_err!(op(&p, h, ZX_VMO_OP_UNLOCK, 0, 2 * P), ZX_ERR_BAD_STATE);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn unlock_while_not_locked_is_bad_state() {
    let (k, p) = setup();
    let h = vmo_opts(&p, P, ZX_VMO_DISCARDABLE);
    assert_err!(op(&p, h, ZX_VMO_OP_UNLOCK, 0, P), ZX_ERR_BAD_STATE);
    lock(&p, h, P);
    unlock(&p, h, P);
    assert_err!(op(&p, h, ZX_VMO_OP_UNLOCK, 0, P), ZX_ERR_BAD_STATE);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn reclaim_discards_unlocked_discardable_vmo() {
    let (k, p) = setup();
    let h = vmo_opts(&p, 4 * P, ZX_VMO_DISCARDABLE);
    lock(&p, h, 4 * P);
    fill(&p, h, 0, 4 * P as usize, 0xD1);
    unlock(&p, h, 4 * P);
    assert_eq!(vmo_bytes(&k), 4 * P);
    assert_eq!(k.reclaim_discardable(), 4);
    assert_eq!(committed(&p, h), 0);
    assert_eq!(vmo_bytes(&k), 0);
    let s = k.kmem_stats();
    assert_eq!(s.free_bytes, s.total_bytes);
    assert_clean(&k);
    // Nothing left to reclaim.
    assert_eq!(k.reclaim_discardable(), 0);
    // Discarded: reads zero, TRY_LOCK is UNAVAILABLE until LOCK.
    assert_bytes(&p, h, 0, 4 * P as usize, 0);
    let mut buf = [0u8; 32];
    assert_err!(p.vmo_op_range(h, ZX_VMO_OP_TRY_LOCK, 0, 4 * P, &mut buf), ZX_ERR_UNAVAILABLE);
    assert_err!(
        p.vmo_op_range(h, ZX_VMO_OP_TRY_LOCK, 0, 4 * P, &mut buf),
        ZX_ERR_UNAVAILABLE,
        "a failed TRY_LOCK does not clear the discarded state"
    );
    // LOCK reports the discarded range, and the content is zero.
    assert_eq!(lock(&p, h, 4 * P), (0, 4 * P, 0, 4 * P));
    assert_bytes(&p, h, 0, 4 * P as usize, 0);
    // Usable again.
    fill(&p, h, P, 10, 0xD2);
    assert_bytes(&p, h, P, 10, 0xD2);
    unlock(&p, h, 4 * P);
    // After the LOCK, TRY_LOCK succeeds again (state no longer discarded).
    ok!(p.vmo_op_range(h, ZX_VMO_OP_TRY_LOCK, 0, 4 * P, &mut []));
    unlock(&p, h, 4 * P);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn reclaim_spares_locked_and_non_discardable_vmos() {
    let (k, p) = setup();
    let locked = vmo_opts(&p, 2 * P, ZX_VMO_DISCARDABLE);
    let unlocked = vmo_opts(&p, 3 * P, ZX_VMO_DISCARDABLE);
    let plain = vmo(&p, 2 * P);
    lock(&p, locked, 2 * P);
    fill(&p, locked, 0, 2 * P as usize, 0x01);
    lock(&p, unlocked, 3 * P);
    fill(&p, unlocked, 0, 3 * P as usize, 0x02);
    unlock(&p, unlocked, 3 * P);
    fill(&p, plain, 0, 2 * P as usize, 0x03);
    assert_eq!(k.reclaim_discardable(), 3);
    assert_bytes(&p, locked, 0, 2 * P as usize, 0x01);
    assert_bytes(&p, plain, 0, 2 * P as usize, 0x03);
    assert_bytes(&p, unlocked, 0, 3 * P as usize, 0);
    assert_eq!(committed(&p, locked), 2 * P);
    assert_eq!(committed(&p, plain), 2 * P);
    assert_eq!(committed(&p, unlocked), 0);
    assert_eq!(vmo_bytes(&k), 4 * P);
    // TRY_LOCK on the locked one nests fine.
    ok!(p.vmo_op_range(locked, ZX_VMO_OP_TRY_LOCK, 0, 2 * P, &mut []));
    unlock(&p, locked, 2 * P);
    unlock(&p, locked, 2 * P);
    assert_clean(&k);
    close_all(&p, &[locked, unlocked, plain]);
    assert_no_leak(&k);
}

#[test]
fn nested_locks_keep_vmo_locked_until_last_unlock() {
    // Zircon keeps a lock count: the VMO is reclaimable only when it drops to zero.
    let (k, p) = setup();
    let h = vmo_opts(&p, 2 * P, ZX_VMO_DISCARDABLE);
    lock(&p, h, 2 * P);
    lock(&p, h, 2 * P);
    fill(&p, h, 0, 2 * P as usize, 0x44);
    unlock(&p, h, 2 * P);
    assert_eq!(k.reclaim_discardable(), 0);
    assert_bytes(&p, h, 0, 2 * P as usize, 0x44);
    unlock(&p, h, 2 * P);
    assert_eq!(k.reclaim_discardable(), 2);
    assert_bytes(&p, h, 0, 2 * P as usize, 0);
    assert_err!(op(&p, h, ZX_VMO_OP_UNLOCK, 0, 2 * P), ZX_ERR_BAD_STATE);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn reclaim_of_empty_unlocked_discardable_vmo_frees_nothing() {
    let (k, p) = setup();
    let h = vmo_opts(&p, 2 * P, ZX_VMO_DISCARDABLE);
    lock(&p, h, 2 * P);
    unlock(&p, h, 2 * P);
    assert_eq!(k.reclaim_discardable(), 0);
    assert_clean(&k);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// Property test against a model
// ---------------------------------------------------------------------------------------------

const MODEL_PAGES: u64 = 6;

#[derive(Clone, Debug)]
enum Op {
    Write { off: u64, len: u64, seed: u8 },
    Commit { off: u64, len: u64 },
    Decommit { first: u64, pages: u64 },
    Zero { off: u64, len: u64 },
    SetSize { size: u64 },
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let span = MODEL_PAGES * P;
    prop_oneof![
        (0..span, 0..2 * P, any::<u8>()).prop_map(|(off, len, seed)| Op::Write { off, len, seed }),
        (0..span, 0..3 * P).prop_map(|(off, len)| Op::Commit { off, len }),
        (0..MODEL_PAGES, 0..3u64).prop_map(|(first, pages)| Op::Decommit { first, pages }),
        (0..span, 0..3 * P).prop_map(|(off, len)| Op::Zero { off, len }),
        (0..=span).prop_map(|size| Op::SetSize { size }),
    ]
}

/// A byte model of a resizable VMO plus the set of committed pages it must have.
struct Model {
    bytes: Vec<u8>,
    committed: Vec<bool>,
}

impl Model {
    fn size(&self) -> u64 {
        self.bytes.len() as u64
    }
    fn in_range(&self, off: u64, len: u64) -> bool {
        off.checked_add(len).is_some_and(|end| end <= self.size())
    }
}

fn run_model(ops: &[Op]) -> Result<(), TestCaseError> {
    let (k, p) = setup();
    let h = vmo_opts(&p, MODEL_PAGES * P, ZX_VMO_RESIZABLE);
    let mut m = Model {
        bytes: vec![0; (MODEL_PAGES * P) as usize],
        committed: vec![false; MODEL_PAGES as usize],
    };
    for (i, o) in ops.iter().enumerate() {
        let ctx = format!("op #{i}: {o:?}");
        match *o {
            Op::Write { off, len, seed } => {
                let data = pattern(seed, len as usize);
                let r = p.vmo_write(h, &data, off);
                if m.in_range(off, len) {
                    prop_assert!(r.is_ok(), "{ctx}: {r:?}");
                    m.bytes[off as usize..(off + len) as usize].copy_from_slice(&data);
                    if len > 0 {
                        for pg in off / P..=(off + len - 1) / P {
                            m.committed[pg as usize] = true;
                        }
                    }
                } else {
                    prop_assert_eq!(r, Err(st(ZX_ERR_OUT_OF_RANGE)), "{}", ctx);
                }
            }
            Op::Commit { off, len } => {
                let r = op(&p, h, ZX_VMO_OP_COMMIT, off, len);
                if m.in_range(off, len) {
                    prop_assert!(r.is_ok(), "{ctx}: {r:?}");
                    if len > 0 {
                        for pg in off / P..=(off + len - 1) / P {
                            m.committed[pg as usize] = true;
                        }
                    }
                } else {
                    prop_assert_eq!(r, Err(st(ZX_ERR_OUT_OF_RANGE)), "{}", ctx);
                }
            }
            Op::Decommit { first, pages } => {
                let (off, len) = (first * P, pages * P);
                let r = op(&p, h, ZX_VMO_OP_DECOMMIT, off, len);
                if m.in_range(off, len) {
                    prop_assert!(r.is_ok(), "{ctx}: {r:?}");
                    m.bytes[off as usize..(off + len) as usize].fill(0);
                    for pg in first..first + pages {
                        m.committed[pg as usize] = false;
                    }
                } else {
                    prop_assert_eq!(r, Err(st(ZX_ERR_OUT_OF_RANGE)), "{}", ctx);
                }
            }
            Op::Zero { off, len } => {
                let r = op(&p, h, ZX_VMO_OP_ZERO, off, len);
                if m.in_range(off, len) {
                    prop_assert!(r.is_ok(), "{ctx}: {r:?}");
                    m.bytes[off as usize..(off + len) as usize].fill(0);
                    // Whole pages inside the range are released; partial ones stay as they were.
                    let first_whole = off.div_ceil(P);
                    let end_whole = (off + len) / P;
                    for pg in first_whole..end_whole.max(first_whole) {
                        m.committed[pg as usize] = false;
                    }
                } else {
                    prop_assert_eq!(r, Err(st(ZX_ERR_OUT_OF_RANGE)), "{}", ctx);
                }
            }
            Op::SetSize { size } => {
                ok!(p.vmo_set_size(h, size));
                let rounded = round_up(size) as usize;
                let old = m.bytes.len();
                if size < old as u64 {
                    m.bytes[size as usize..].fill(0);
                }
                m.bytes.resize(rounded, 0);
                m.committed.resize(rounded / P as usize, false);
                prop_assert_eq!(content_size(&p, h), size, "{}", ctx);
            }
        }
        prop_assert_eq!(ok!(p.vmo_get_size(h)), m.size(), "{}", ctx);
        let got = read_vec(&p, h, 0, m.bytes.len());
        if got != m.bytes {
            let at = got.iter().zip(&m.bytes).position(|(a, b)| a != b).unwrap();
            prop_assert!(
                false,
                "{}: byte {:#x} is {:#04x}, model says {:#04x}",
                ctx,
                at,
                got[at],
                m.bytes[at]
            );
        }
        let want = m.committed.iter().filter(|&&c| c).count() as u64 * P;
        prop_assert_eq!(committed(&p, h), want, "{}: committed_bytes", ctx);
        prop_assert_eq!(vmo_bytes(&k), want, "{}: kmem vmo_bytes", ctx);
        if let Err(e) = k.check_invariants() {
            prop_assert!(false, "{}: invariants: {}", ctx, e);
        }
    }
    ok!(p.handle_close(h));
    assert_no_leak(&k);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_ops_match_byte_and_page_model(ops in proptest::collection::vec(op_strategy(), 1..24)) {
        run_model(&ops)?;
    }
}

// ---------------------------------------------------------------------------------------------
// TRY_LOCK takes no buffer; cache ops on physical VMOs; CACHE_INVALIDATE behind the debugging
// switch
// ---------------------------------------------------------------------------------------------

#[test]
fn try_lock_needs_no_buffer() {
    let (k, p) = setup();
    let h = vmo_opts(&p, 2 * P, ZX_VMO_DISCARDABLE);
    fill(&p, h, 0, (2 * P) as usize, 0x3C);
    // Unlocked and not discarded: TRY_LOCK with no buffer at all locks it.
    ok!(p.vmo_op_range(h, ZX_VMO_OP_TRY_LOCK, 0, 2 * P, &mut []));
    assert_eq!(k.reclaim_discardable(), 0, "locked by TRY_LOCK: not discarded");
    unlock(&p, h, 2 * P);
    // A buffer shorter than zx_vmo_lock_state_t is fine too, and untouched.
    let mut short = [0x11u8; 7];
    ok!(p.vmo_op_range(h, ZX_VMO_OP_TRY_LOCK, 0, 2 * P, &mut short));
    assert_eq!(short, [0x11; 7]);
    unlock(&p, h, 2 * P);
    // Once discarded, TRY_LOCK is UNAVAILABLE whatever the buffer.
    assert_eq!(k.reclaim_discardable(), 2);
    assert_err!(p.vmo_op_range(h, ZX_VMO_OP_TRY_LOCK, 0, 2 * P, &mut []), ZX_ERR_UNAVAILABLE);
    // LOCK still wants the whole record, and locks nothing without it.
    assert_err!(p.vmo_op_range(h, ZX_VMO_OP_LOCK, 0, 2 * P, &mut [0; 31]), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmo_op_range(h, ZX_VMO_OP_UNLOCK, 0, 2 * P, &mut []), ZX_ERR_BAD_STATE);
    assert_eq!(lock(&p, h, 2 * P), (0, 2 * P, 0, 2 * P));
    unlock(&p, h, 2 * P);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn try_lock_checks_stay_in_order_without_a_buffer() {
    let (k, p) = setup();
    let plain = vmo(&p, P);
    assert_err!(p.vmo_op_range(plain, ZX_VMO_OP_TRY_LOCK, 0, P, &mut []), ZX_ERR_NOT_SUPPORTED);
    let h = vmo_opts(&p, 2 * P, ZX_VMO_DISCARDABLE);
    assert_err!(p.vmo_op_range(h, ZX_VMO_OP_TRY_LOCK, 0, P, &mut []), ZX_ERR_OUT_OF_RANGE);
    let none = dup(&p, h, ZX_RIGHT_NONE);
    assert_err!(p.vmo_op_range(none, ZX_VMO_OP_TRY_LOCK, 0, 2 * P, &mut []), ZX_ERR_ACCESS_DENIED);
    close_all(&p, &[none, h, plain]);
    assert_no_leak(&k);
}

const CACHE_OPS: [u32; 3] =
    [ZX_VMO_OP_CACHE_SYNC, ZX_VMO_OP_CACHE_CLEAN, ZX_VMO_OP_CACHE_CLEAN_INVALIDATE];

#[test]
fn cache_ops_on_a_physical_vmo_are_not_supported() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let phys = dev.physical(&p, 2);
    let slice = child(&p, phys, ZX_VMO_CHILD_SLICE, P, P);
    for o in CACHE_OPS {
        assert_err!(op(&p, phys, o, 0, P), ZX_ERR_NOT_SUPPORTED, "op {o}");
        assert_err!(op(&p, slice, o, 0, P), ZX_ERR_NOT_SUPPORTED, "op {o} on a slice");
        // The range checks come first.
        assert_err!(op(&p, phys, o, 0, 0), ZX_ERR_INVALID_ARGS, "op {o} length 0");
        assert_err!(op(&p, phys, o, P, 2 * P), ZX_ERR_OUT_OF_RANGE, "op {o} past the end");
    }
    // Contiguous VMOs are ordinary RAM: the ops succeed.
    let contiguous = dev.contiguous(&p, 2);
    for o in CACHE_OPS {
        ok!(op(&p, contiguous, o, 0, 2 * P));
    }
    close_all(&p, &[contiguous, slice, phys]);
    dev.close(&p);
    assert_no_leak(&k);
}

fn debugging_kernel() -> (Kernel, Process) {
    let kernel =
        Kernel::new(KernelConfig { enable_debugging_syscalls: true, ..KernelConfig::default() });
    let process = kernel.create_process();
    (kernel, process)
}

#[test]
fn debugging_syscalls_are_off_by_default() {
    assert!(!KernelConfig::default().enable_debugging_syscalls);
    let (k, p) = setup();
    let h = vmo(&p, P);
    assert_err!(op(&p, h, ZX_VMO_OP_CACHE_INVALIDATE, 0, P), ZX_ERR_NOT_SUPPORTED);
    // Rights are still checked before the op.
    let read_only = dup(&p, h, ZX_RIGHT_READ);
    assert_err!(op(&p, read_only, ZX_VMO_OP_CACHE_INVALIDATE, 0, P), ZX_ERR_ACCESS_DENIED);
    close_all(&p, &[read_only, h]);
    assert_no_leak(&k);
}

#[test]
fn cache_invalidate_works_with_debugging_syscalls() {
    let (k, p) = debugging_kernel();
    let h = vmo(&p, 2 * P);
    fill(&p, h, 0, (2 * P) as usize, 0x77);
    ok!(op(&p, h, ZX_VMO_OP_CACHE_INVALIDATE, 0, 2 * P));
    ok!(op(&p, h, ZX_VMO_OP_CACHE_INVALIDATE, 5, 10));
    // Nothing to invalidate in an emulator: the content stays.
    assert_bytes(&p, h, 0, (2 * P) as usize, 0x77);
    // It needs WRITE, where the other cache ops need READ.
    let read_only = dup(&p, h, ZX_RIGHT_READ);
    assert_err!(op(&p, read_only, ZX_VMO_OP_CACHE_INVALIDATE, 0, P), ZX_ERR_ACCESS_DENIED);
    ok!(op(&p, read_only, ZX_VMO_OP_CACHE_CLEAN_INVALIDATE, 0, P));
    let write_only = dup(&p, h, ZX_RIGHT_WRITE);
    ok!(op(&p, write_only, ZX_VMO_OP_CACHE_INVALIDATE, 0, P));
    // The same checks as CACHE_CLEAN_INVALIDATE, in the same order.
    assert_err!(op(&p, h, ZX_VMO_OP_CACHE_INVALIDATE, 0, 0), ZX_ERR_INVALID_ARGS);
    assert_err!(op(&p, h, ZX_VMO_OP_CACHE_INVALIDATE, P, 2 * P), ZX_ERR_OUT_OF_RANGE);
    assert_err!(op(&p, h, ZX_VMO_OP_CACHE_INVALIDATE, u64::MAX, 2), ZX_ERR_OUT_OF_RANGE);
    close_all(&p, &[write_only, read_only, h]);
    assert_no_leak(&k);
}

#[test]
fn cache_invalidate_on_a_physical_vmo_is_not_supported_with_debugging_syscalls() {
    let (k, p) = debugging_kernel();
    let dev = Dev::new(&p);
    let phys = dev.physical(&p, 1);
    assert_err!(op(&p, phys, ZX_VMO_OP_CACHE_INVALIDATE, 0, P), ZX_ERR_NOT_SUPPORTED);
    close_all(&p, &[phys]);
    dev.close(&p);
    assert_no_leak(&k);
}
