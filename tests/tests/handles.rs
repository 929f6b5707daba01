//! Conformance tests for docs/reference.md §1 (constants) and §2 (handles): handle values, per-process
//! tables, close, duplicate, replace, `ZX_INFO_HANDLE_BASIC`, raw `object_get_info`, koids.

use std::collections::HashSet;

use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Status};

// ---------------------------------------------------------------------------------------------
// §1 constants and the Status type
// ---------------------------------------------------------------------------------------------

#[test]
fn status_constants_have_zircon_values() {
    assert_eq!(ZX_OK, 0);
    assert_eq!(ZX_ERR_INTERNAL, -1);
    assert_eq!(ZX_ERR_NOT_SUPPORTED, -2);
    assert_eq!(ZX_ERR_NO_RESOURCES, -3);
    assert_eq!(ZX_ERR_NO_MEMORY, -4);
    assert_eq!(ZX_ERR_INVALID_ARGS, -10);
    assert_eq!(ZX_ERR_BAD_HANDLE, -11);
    assert_eq!(ZX_ERR_WRONG_TYPE, -12);
    assert_eq!(ZX_ERR_BAD_SYSCALL, -13);
    assert_eq!(ZX_ERR_OUT_OF_RANGE, -14);
    assert_eq!(ZX_ERR_BUFFER_TOO_SMALL, -15);
    assert_eq!(ZX_ERR_BAD_STATE, -20);
    assert_eq!(ZX_ERR_TIMED_OUT, -21);
    assert_eq!(ZX_ERR_SHOULD_WAIT, -22);
    assert_eq!(ZX_ERR_CANCELED, -23);
    assert_eq!(ZX_ERR_PEER_CLOSED, -24);
    assert_eq!(ZX_ERR_NOT_FOUND, -25);
    assert_eq!(ZX_ERR_ALREADY_EXISTS, -26);
    assert_eq!(ZX_ERR_ALREADY_BOUND, -27);
    assert_eq!(ZX_ERR_UNAVAILABLE, -28);
    assert_eq!(ZX_ERR_ACCESS_DENIED, -30);
    assert_eq!(ZX_ERR_IO, -40);
    assert_eq!(ZX_ERR_IO_DATA_INTEGRITY, -42);
}

#[test]
fn status_round_trips_and_displays_c_name() {
    let all: &[(zx_status_t, &str)] = &[
        (ZX_ERR_INTERNAL, "ZX_ERR_INTERNAL"),
        (ZX_ERR_NOT_SUPPORTED, "ZX_ERR_NOT_SUPPORTED"),
        (ZX_ERR_NO_RESOURCES, "ZX_ERR_NO_RESOURCES"),
        (ZX_ERR_NO_MEMORY, "ZX_ERR_NO_MEMORY"),
        (ZX_ERR_INVALID_ARGS, "ZX_ERR_INVALID_ARGS"),
        (ZX_ERR_BAD_HANDLE, "ZX_ERR_BAD_HANDLE"),
        (ZX_ERR_WRONG_TYPE, "ZX_ERR_WRONG_TYPE"),
        (ZX_ERR_BAD_SYSCALL, "ZX_ERR_BAD_SYSCALL"),
        (ZX_ERR_OUT_OF_RANGE, "ZX_ERR_OUT_OF_RANGE"),
        (ZX_ERR_BUFFER_TOO_SMALL, "ZX_ERR_BUFFER_TOO_SMALL"),
        (ZX_ERR_BAD_STATE, "ZX_ERR_BAD_STATE"),
        (ZX_ERR_TIMED_OUT, "ZX_ERR_TIMED_OUT"),
        (ZX_ERR_SHOULD_WAIT, "ZX_ERR_SHOULD_WAIT"),
        (ZX_ERR_CANCELED, "ZX_ERR_CANCELED"),
        (ZX_ERR_PEER_CLOSED, "ZX_ERR_PEER_CLOSED"),
        (ZX_ERR_NOT_FOUND, "ZX_ERR_NOT_FOUND"),
        (ZX_ERR_ALREADY_EXISTS, "ZX_ERR_ALREADY_EXISTS"),
        (ZX_ERR_ALREADY_BOUND, "ZX_ERR_ALREADY_BOUND"),
        (ZX_ERR_UNAVAILABLE, "ZX_ERR_UNAVAILABLE"),
        (ZX_ERR_ACCESS_DENIED, "ZX_ERR_ACCESS_DENIED"),
        (ZX_ERR_IO, "ZX_ERR_IO"),
        (ZX_ERR_IO_DATA_INTEGRITY, "ZX_ERR_IO_DATA_INTEGRITY"),
    ];
    for &(raw, name) in all {
        let s = Status::from_raw(raw);
        assert_eq!(s.into_raw(), raw, "{name} does not round-trip");
        assert_eq!(s.to_string(), name, "Display of {raw}");
        assert_eq!(s, Status::from_raw(raw));
    }
    // Any negative value round-trips, named or not.
    for raw in [-5, -99, -1000, i32::MIN] {
        assert_eq!(Status::from_raw(raw).into_raw(), raw);
    }
    assert_ne!(st(ZX_ERR_IO), st(ZX_ERR_INTERNAL));
    fn is_error<E: std::error::Error>(_: &E) {}
    is_error(&st(ZX_ERR_IO));
}

#[test]
fn rights_constants_have_zircon_values() {
    assert_eq!(ZX_RIGHT_NONE, 0);
    assert_eq!(ZX_RIGHT_DUPLICATE, 0x1);
    assert_eq!(ZX_RIGHT_TRANSFER, 0x2);
    assert_eq!(ZX_RIGHT_READ, 0x4);
    assert_eq!(ZX_RIGHT_WRITE, 0x8);
    assert_eq!(ZX_RIGHT_EXECUTE, 0x10);
    assert_eq!(ZX_RIGHT_MAP, 0x20);
    assert_eq!(ZX_RIGHT_GET_PROPERTY, 0x40);
    assert_eq!(ZX_RIGHT_SET_PROPERTY, 0x80);
    assert_eq!(ZX_RIGHT_SIGNAL, 0x1000);
    assert_eq!(ZX_RIGHT_WAIT, 0x4000);
    assert_eq!(ZX_RIGHT_INSPECT, 0x8000);
    assert_eq!(ZX_RIGHT_RESIZE, 0x40_0000);
    assert_eq!(ZX_RIGHT_SAME_RIGHTS, 0x8000_0000);
    assert_eq!(ZX_DEFAULT_VMO_RIGHTS, 0xD0EF);
    assert_eq!(
        ZX_DEFAULT_VMO_RIGHTS,
        ZX_RIGHT_TRANSFER
            | ZX_RIGHT_DUPLICATE
            | ZX_RIGHT_WAIT
            | ZX_RIGHT_INSPECT
            | ZX_RIGHT_READ
            | ZX_RIGHT_WRITE
            | ZX_RIGHT_GET_PROPERTY
            | ZX_RIGHT_SET_PROPERTY
            | ZX_RIGHT_MAP
            | ZX_RIGHT_SIGNAL
    );
    assert_eq!(
        ZX_RIGHTS_BASIC,
        ZX_RIGHT_TRANSFER | ZX_RIGHT_DUPLICATE | ZX_RIGHT_WAIT | ZX_RIGHT_INSPECT
    );
    assert_eq!(ZX_RIGHTS_IO, ZX_RIGHT_READ | ZX_RIGHT_WRITE);
}

#[test]
fn option_op_type_and_topic_constants_have_zircon_values() {
    assert_eq!(ZX_VMO_RESIZABLE, 1 << 1);
    assert_eq!(ZX_VMO_DISCARDABLE, 1 << 2);
    assert_eq!(ZX_VMO_UNBOUNDED, 1 << 4);
    assert_eq!(ZX_VMO_CHILD_SNAPSHOT, 1 << 0);
    assert_eq!(ZX_VMO_CHILD_RESIZABLE, 1 << 2);
    assert_eq!(ZX_VMO_CHILD_SLICE, 1 << 3);
    assert_eq!(ZX_VMO_CHILD_SNAPSHOT_AT_LEAST_ON_WRITE, 1 << 4);
    assert_eq!(ZX_VMO_CHILD_NO_WRITE, 1 << 5);
    assert_eq!(ZX_VMO_CHILD_REFERENCE, 1 << 6);
    assert_eq!(ZX_VMO_CHILD_SNAPSHOT_MODIFIED, 1 << 7);
    assert_eq!(ZX_VMO_OP_COMMIT, 1);
    assert_eq!(ZX_VMO_OP_DECOMMIT, 2);
    assert_eq!(ZX_VMO_OP_LOCK, 3);
    assert_eq!(ZX_VMO_OP_UNLOCK, 4);
    assert_eq!(ZX_VMO_OP_CACHE_SYNC, 6);
    assert_eq!(ZX_VMO_OP_CACHE_INVALIDATE, 7);
    assert_eq!(ZX_VMO_OP_CACHE_CLEAN, 8);
    assert_eq!(ZX_VMO_OP_CACHE_CLEAN_INVALIDATE, 9);
    assert_eq!(ZX_VMO_OP_ZERO, 10);
    assert_eq!(ZX_VMO_OP_TRY_LOCK, 11);
    assert_eq!(ZX_VMO_OP_DONT_NEED, 12);
    assert_eq!(ZX_VMO_OP_ALWAYS_NEED, 13);
    assert_eq!(ZX_VMO_OP_PREFETCH, 14);
    assert_eq!(ZX_OBJ_TYPE_VMO, 3);
    assert_eq!(ZX_OBJ_TYPE_EVENT, 5);
    assert_eq!(ZX_OBJ_TYPE_PORT, 6);
    assert_eq!(ZX_OBJ_TYPE_RESOURCE, 15);
    assert_eq!(ZX_OBJ_TYPE_IOMMU, 23);
    assert_eq!(ZX_OBJ_TYPE_BTI, 24);
    assert_eq!(ZX_OBJ_TYPE_PMT, 26);
    assert_eq!(ZX_OBJ_TYPE_PAGER, 28);
    assert_eq!(ZX_VMO_ZERO_CHILDREN, 1 << 3);
    assert_eq!(ZX_EVENT_SIGNALED, 1 << 3);
    assert_eq!(ZX_USER_SIGNAL_0, 1 << 24);
    assert_eq!(ZX_INFO_HANDLE_BASIC, 2);
    assert_eq!(ZX_INFO_BTI, 20);
    assert_eq!(ZX_INFO_VMO, 0x3000_0017);
    assert_eq!(ZX_INFO_VMO_V1, 23);
    assert_eq!(ZX_INFO_VMO_V2, 0x1000_0017);
    assert_eq!(ZX_INFO_VMO_V3, 0x2000_0017);
    assert_eq!(ZX_INFO_KMEM_STATS, 0x1000_0011);
    assert_eq!(ZX_INFO_KMEM_STATS_V1, 17);
    assert_eq!(ZX_INFO_VMO_TYPE_PAGED, 1 << 0);
    assert_eq!(ZX_INFO_VMO_RESIZABLE, 1 << 1);
    assert_eq!(ZX_INFO_VMO_IS_COW_CLONE, 1 << 2);
    assert_eq!(ZX_INFO_VMO_VIA_HANDLE, 1 << 3);
    assert_eq!(ZX_INFO_VMO_PAGER_BACKED, 1 << 5);
    assert_eq!(ZX_INFO_VMO_CONTIGUOUS, 1 << 6);
    assert_eq!(ZX_INFO_VMO_DISCARDABLE, 1 << 7);
    assert_eq!(ZX_INFO_VMO_IMMUTABLE, 1 << 8);
    assert_eq!(ZX_PROP_NAME, 3);
    assert_eq!(ZX_PROP_VMO_CONTENT_SIZE, 17);
    assert_eq!(ZX_HANDLE_INVALID, 0);
    assert_eq!(ZX_HANDLE_FIXED_BITS_MASK, 0x3);
    assert_eq!(ZX_TIME_INFINITE, i64::MAX);
    assert_eq!(ZX_TIME_INFINITE_PAST, i64::MIN);
    assert_eq!(ZX_PAGE_SIZE, 4096u64);
    assert_eq!(ZX_MAX_NAME_LEN, 32);
}

// ---------------------------------------------------------------------------------------------
// Handle values and per-process tables
// ---------------------------------------------------------------------------------------------

#[test]
fn handle_values_are_nonzero_with_low_two_bits_set() {
    let (k, p) = setup();
    let mut hs = Vec::new();
    for i in 0..64 {
        let h = if i % 2 == 0 { vmo(&p, P) } else { event(&p) };
        assert_ne!(h, ZX_HANDLE_INVALID);
        assert_eq!(
            h & ZX_HANDLE_FIXED_BITS_MASK,
            ZX_HANDLE_FIXED_BITS_MASK,
            "handle {h:#x} lacks the fixed bits"
        );
        hs.push(h);
    }
    let d = dup(&p, hs[0], ZX_RIGHT_SAME_RIGHTS);
    assert_eq!(d & 3, 3);
    let r = ok!(p.handle_replace(d, ZX_RIGHT_SAME_RIGHTS));
    assert_eq!(r & 3, 3);
    hs.push(r);
    let unique: HashSet<_> = hs.iter().collect();
    assert_eq!(unique.len(), hs.len(), "live handle values must be distinct");
    close_all(&p, &hs);
    assert_no_leak(&k);
}

#[test]
fn handle_value_from_one_process_is_bad_handle_in_another() {
    let (k, a) = setup();
    let b = k.create_process();
    let h = vmo(&a, P);
    fill(&a, h, 0, 10, 0x5A);
    assert_err!(b.vmo_get_size(h), ZX_ERR_BAD_HANDLE);
    let mut buf = [0u8; 10];
    assert_err!(b.vmo_read(h, &mut buf, 0), ZX_ERR_BAD_HANDLE);
    assert_err!(b.object_get_info_handle_basic(h), ZX_ERR_BAD_HANDLE);
    assert_err!(b.handle_duplicate(h, ZX_RIGHT_SAME_RIGHTS), ZX_ERR_BAD_HANDLE);
    assert_err!(b.handle_close(h), ZX_ERR_BAD_HANDLE);
    // B's failed close did not touch A's handle.
    assert_bytes(&a, h, 0, 10, 0x5A);
    ok!(a.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn process_clones_share_one_handle_table() {
    let (k, p) = setup();
    let q = p.clone();
    let h = vmo(&p, P);
    assert_eq!(ok!(q.vmo_get_size(h)), P);
    ok!(q.handle_close(h));
    assert_err!(p.vmo_get_size(h), ZX_ERR_BAD_HANDLE);
    assert_no_leak(&k);
}

#[test]
fn kernel_clones_are_the_same_kernel() {
    let (k, p) = setup();
    let k2 = k.clone();
    let h = vmo(&p, 2 * P);
    fill(&p, h, 0, 2 * P as usize, 1);
    assert_eq!(k2.kmem_stats().vmo_bytes, 2 * P);
    let q = k2.create_process();
    assert_err!(q.vmo_get_size(h), ZX_ERR_BAD_HANDLE);
    ok!(p.handle_close(h));
    assert_no_leak(&k2);
}

// ---------------------------------------------------------------------------------------------
// handle_close
// ---------------------------------------------------------------------------------------------

#[test]
fn close_of_handle_invalid_is_ok() {
    let (_k, p) = setup();
    ok!(p.handle_close(ZX_HANDLE_INVALID));
    ok!(p.handle_close(ZX_HANDLE_INVALID));
}

#[test]
fn close_twice_is_bad_handle_the_second_time() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    ok!(p.handle_close(h));
    assert_err!(p.handle_close(h), ZX_ERR_BAD_HANDLE);
    assert_no_leak(&k);
}

#[test]
fn close_of_unknown_value_is_bad_handle() {
    let (k, p) = setup();
    // Values without both fixed bits can never be handles.
    assert_err!(p.handle_close(0x1000), ZX_ERR_BAD_HANDLE);
    assert_err!(p.handle_close(4), ZX_ERR_BAD_HANDLE);
    assert_err!(p.handle_close(1), ZX_ERR_BAD_HANDLE);
    assert_err!(p.handle_close(2), ZX_ERR_BAD_HANDLE);
    assert_no_leak(&k);
}

#[test]
fn value_with_fixed_bits_cleared_does_not_alias_a_live_handle() {
    let (k, p) = setup();
    let mut aliases = Vec::new();
    for clear in [1u32, 2, 3] {
        let h = vmo(&p, P);
        let bogus = h & !clear;
        if bogus == ZX_HANDLE_INVALID {
            // Closing ZX_HANDLE_INVALID is OK by definition; nothing to check.
            ok!(p.handle_close(h));
            continue;
        }
        let r = p.handle_close(bogus);
        if r != Err(st(ZX_ERR_BAD_HANDLE)) {
            aliases.push(format!("close({bogus:#x}) for live {h:#x} gave {r:?}"));
        }
        // Whatever happened, the live handle must still be usable.
        match p.vmo_get_size(h) {
            Ok(_) => ok!(p.handle_close(h)),
            Err(s) => aliases.push(format!("live {h:#x} was closed through {bogus:#x}: {s}")),
        }
    }
    assert!(aliases.is_empty(), "values without the fixed bits alias live handles: {aliases:#?}");
    assert_no_leak(&k);
}

#[test]
fn closed_value_is_bad_handle_for_every_call() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    ok!(p.handle_close(h));
    let mut buf = [0u8; 4];
    assert_err!(p.vmo_read(h, &mut buf, 0), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmo_write(h, &buf, 0), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmo_get_size(h), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmo_set_size(h, 0), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmo_op_range(h, ZX_VMO_OP_COMMIT, 0, P, &mut []), ZX_ERR_BAD_HANDLE);
    assert_err!(p.handle_duplicate(h, ZX_RIGHT_SAME_RIGHTS), ZX_ERR_BAD_HANDLE);
    assert_err!(p.handle_replace(h, ZX_RIGHT_SAME_RIGHTS), ZX_ERR_BAD_HANDLE);
    assert_err!(p.object_get_info_handle_basic(h), ZX_ERR_BAD_HANDLE);
    assert_err!(p.object_get_info_vmo(h), ZX_ERR_BAD_HANDLE);
    let mut raw = [0u8; 64];
    assert_err!(p.object_get_info(h, ZX_INFO_HANDLE_BASIC, &mut raw), ZX_ERR_BAD_HANDLE);
    let mut name = [0u8; 32];
    assert_err!(p.object_get_property(h, ZX_PROP_NAME, &mut name), ZX_ERR_BAD_HANDLE);
    assert_err!(p.object_set_property(h, ZX_PROP_NAME, b"x"), ZX_ERR_BAD_HANDLE);
    assert_err!(p.object_wait_one(h, ZX_VMO_ZERO_CHILDREN, 0), ZX_ERR_BAD_HANDLE);
    assert_err!(p.object_signal(h, 0, ZX_USER_SIGNAL_0), ZX_ERR_BAD_HANDLE);
    assert_no_leak(&k);
}

#[test]
fn handle_invalid_is_bad_handle_for_object_calls() {
    let (_k, p) = setup();
    let mut buf = [0u8; 4];
    assert_err!(p.vmo_read(ZX_HANDLE_INVALID, &mut buf, 0), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmo_get_size(ZX_HANDLE_INVALID), ZX_ERR_BAD_HANDLE);
    assert_err!(p.handle_duplicate(ZX_HANDLE_INVALID, ZX_RIGHT_SAME_RIGHTS), ZX_ERR_BAD_HANDLE);
    assert_err!(p.handle_replace(ZX_HANDLE_INVALID, ZX_RIGHT_SAME_RIGHTS), ZX_ERR_BAD_HANDLE);
    assert_err!(p.object_get_info_handle_basic(ZX_HANDLE_INVALID), ZX_ERR_BAD_HANDLE);
}

#[test]
fn closed_value_never_names_a_new_object_within_4096_reuses() {
    let (k, p) = setup();
    let victim = vmo(&p, P);
    ok!(p.handle_close(victim));
    let mut seen = HashSet::new();
    seen.insert(victim);
    for i in 0..4096 {
        let h = if i % 2 == 0 { vmo(&p, 0) } else { event(&p) };
        assert!(
            seen.insert(h),
            "value {h:#x} came back after only {i} reuses (victim {victim:#x})"
        );
        assert_err!(p.vmo_get_size(victim), ZX_ERR_BAD_HANDLE, "stale value after {i} reuses");
        ok!(p.handle_close(h));
    }
    assert_no_leak(&k);
}

#[test]
fn object_dies_with_its_last_handle_not_before() {
    let (k, p) = setup();
    let h = vmo(&p, 3 * P);
    fill(&p, h, 0, 3 * P as usize, 0x77);
    let d = dup(&p, h, ZX_RIGHT_SAME_RIGHTS);
    ok!(p.handle_close(h));
    assert_bytes(&p, d, 0, 3 * P as usize, 0x77);
    assert_eq!(vmo_bytes(&k), 3 * P);
    ok!(p.handle_close(d));
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// handle_duplicate
// ---------------------------------------------------------------------------------------------

#[test]
fn duplicate_same_rights_copies_rights_and_names_same_object() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let d = dup(&p, h, ZX_RIGHT_SAME_RIGHTS);
    assert_ne!(d, h);
    assert_eq!(rights_of(&p, d), VMO_RIGHTS);
    assert_eq!(koid_of(&p, d), koid_of(&p, h));
    fill(&p, h, 5, 3, 0x42);
    assert_bytes(&p, d, 5, 3, 0x42);
    let r = vmo_opts(&p, P, ZX_VMO_RESIZABLE);
    let rd = dup(&p, r, ZX_RIGHT_SAME_RIGHTS);
    assert_eq!(rights_of(&p, rd), RESIZABLE_VMO_RIGHTS);
    close_all(&p, &[h, d, r, rd]);
    assert_no_leak(&k);
}

#[test]
fn duplicate_with_subset_gives_exactly_those_rights() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let d = dup(&p, h, ZX_RIGHT_READ | ZX_RIGHT_DUPLICATE);
    assert_eq!(rights_of(&p, d), ZX_RIGHT_READ | ZX_RIGHT_DUPLICATE);
    assert_eq!(koid_of(&p, d), koid_of(&p, h));
    let none = dup(&p, h, ZX_RIGHT_NONE);
    assert_eq!(rights_of(&p, none), 0);
    let all = dup(&p, h, VMO_RIGHTS);
    assert_eq!(rights_of(&p, all), VMO_RIGHTS);
    ok!(p.handle_close(all));
    // A duplicate of a reduced handle with SAME_RIGHTS keeps the reduced set.
    let dd = dup(&p, d, ZX_RIGHT_SAME_RIGHTS);
    assert_eq!(rights_of(&p, dd), ZX_RIGHT_READ | ZX_RIGHT_DUPLICATE);
    close_all(&p, &[h, d, none, dd]);
    assert_no_leak(&k);
}

#[test]
fn duplicate_needs_duplicate_right() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let no_dup = dup(&p, h, VMO_RIGHTS & !ZX_RIGHT_DUPLICATE);
    assert_err!(p.handle_duplicate(no_dup, ZX_RIGHT_SAME_RIGHTS), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.handle_duplicate(no_dup, ZX_RIGHT_READ), ZX_ERR_ACCESS_DENIED);
    close_all(&p, &[h, no_dup]);
    assert_no_leak(&k);
}

#[test]
fn duplicate_checks_duplicate_right_before_subset() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let no_dup = dup(&p, h, ZX_RIGHT_READ);
    // RESIZE is not a subset, but the missing DUPLICATE right is reported first.
    assert_err!(p.handle_duplicate(no_dup, ZX_RIGHT_RESIZE), ZX_ERR_ACCESS_DENIED);
    close_all(&p, &[h, no_dup]);
    assert_no_leak(&k);
}

#[test]
fn duplicate_with_rights_not_a_subset_is_invalid_args() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    assert_err!(p.handle_duplicate(h, ZX_RIGHT_RESIZE), ZX_ERR_INVALID_ARGS);
    assert_err!(p.handle_duplicate(h, VMO_RIGHTS | ZX_RIGHT_EXECUTE), ZX_ERR_INVALID_ARGS);
    let ro = dup(&p, h, ZX_RIGHT_READ | ZX_RIGHT_DUPLICATE);
    assert_err!(p.handle_duplicate(ro, ZX_RIGHT_WRITE), ZX_ERR_INVALID_ARGS);
    assert_err!(
        p.handle_duplicate(ro, ZX_RIGHT_READ | ZX_RIGHT_DUPLICATE | ZX_RIGHT_WRITE),
        ZX_ERR_INVALID_ARGS
    );
    // The original stays valid after failed duplicates.
    assert_eq!(rights_of(&p, ro), ZX_RIGHT_READ | ZX_RIGHT_DUPLICATE);
    close_all(&p, &[h, ro]);
    assert_no_leak(&k);
}

#[test]
fn duplicate_of_event_names_same_event() {
    let (k, p) = setup();
    let e = event(&p);
    let d = dup(&p, e, ZX_RIGHT_SAME_RIGHTS);
    assert_eq!(koid_of(&p, d), koid_of(&p, e));
    assert_eq!(basic(&p, d).type_, ZX_OBJ_TYPE_EVENT);
    ok!(p.object_signal(e, 0, ZX_USER_SIGNAL_0));
    assert_eq!(ok!(p.object_wait_one(d, ZX_USER_SIGNAL_0, 0)) & ZX_USER_SIGNAL_0, ZX_USER_SIGNAL_0);
    close_all(&p, &[e, d]);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// handle_replace
// ---------------------------------------------------------------------------------------------

#[test]
fn replace_gives_new_value_and_invalidates_old() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let koid = koid_of(&p, h);
    let r = ok!(p.handle_replace(h, ZX_RIGHT_READ | ZX_RIGHT_INSPECT));
    assert_ne!(r, h);
    assert_eq!(r & 3, 3);
    assert_err!(p.vmo_get_size(h), ZX_ERR_BAD_HANDLE);
    assert_err!(p.handle_close(h), ZX_ERR_BAD_HANDLE);
    assert_eq!(koid_of(&p, r), koid);
    assert_eq!(rights_of(&p, r), ZX_RIGHT_READ | ZX_RIGHT_INSPECT);
    ok!(p.handle_close(r));
    assert_no_leak(&k);
}

#[test]
fn replace_with_same_rights_keeps_rights() {
    let (k, p) = setup();
    let h = vmo_opts(&p, P, ZX_VMO_RESIZABLE);
    let r = ok!(p.handle_replace(h, ZX_RIGHT_SAME_RIGHTS));
    assert_eq!(rights_of(&p, r), RESIZABLE_VMO_RIGHTS);
    ok!(p.handle_close(r));
    assert_no_leak(&k);
}

#[test]
fn replace_needs_no_rights() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let none = dup(&p, h, ZX_RIGHT_NONE);
    let r = ok!(p.handle_replace(none, ZX_RIGHT_NONE));
    assert_eq!(rights_of(&p, r), 0);
    assert_err!(p.handle_close(none), ZX_ERR_BAD_HANDLE);
    // A handle without DUPLICATE can still be replaced by a subset of its rights.
    let ro = dup(&p, h, ZX_RIGHT_READ | ZX_RIGHT_WRITE);
    let r2 = ok!(p.handle_replace(ro, ZX_RIGHT_READ));
    assert_eq!(rights_of(&p, r2), ZX_RIGHT_READ);
    close_all(&p, &[h, r, r2]);
    assert_no_leak(&k);
}

#[test]
fn replace_with_rights_not_a_subset_fails_and_consumes_the_handle() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    fill(&p, h, 0, 8, 0x11);
    let victim = dup(&p, h, ZX_RIGHT_READ);
    assert_err!(p.handle_replace(victim, ZX_RIGHT_READ | ZX_RIGHT_WRITE), ZX_ERR_INVALID_ARGS);
    // The original handle is gone anyway.
    assert_err!(p.vmo_get_size(victim), ZX_ERR_BAD_HANDLE);
    assert_err!(p.handle_close(victim), ZX_ERR_BAD_HANDLE);
    // The object lives on through the other handle.
    assert_bytes(&p, h, 0, 8, 0x11);
    // Replacing the last handle with bad rights destroys the object.
    let only = vmo(&p, 2 * P);
    fill(&p, only, 0, 2 * P as usize, 3);
    assert_err!(p.handle_replace(only, ZX_RIGHT_RESIZE), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmo_get_size(only), ZX_ERR_BAD_HANDLE);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// ZX_INFO_HANDLE_BASIC and raw object_get_info
// ---------------------------------------------------------------------------------------------

#[test]
fn handle_basic_of_new_vmo() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let b = basic(&p, h);
    assert_ne!(b.koid, 0);
    assert_eq!(b.rights, VMO_RIGHTS);
    assert_eq!(b.type_, ZX_OBJ_TYPE_VMO);
    assert_eq!(b.related_koid, 0);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn handle_basic_of_new_event() {
    let (k, p) = setup();
    let e = event(&p);
    let b = basic(&p, e);
    assert_ne!(b.koid, 0);
    assert_eq!(b.type_, ZX_OBJ_TYPE_EVENT);
    assert_eq!(b.related_koid, 0);
    // Zircon: ZX_DEFAULT_EVENT_RIGHTS = ZX_RIGHTS_BASIC | ZX_RIGHT_SIGNAL.
    assert_eq!(b.rights, ZX_RIGHTS_BASIC | ZX_RIGHT_SIGNAL);
    ok!(p.handle_close(e));
    assert_no_leak(&k);
}

#[test]
fn handle_basic_needs_no_rights() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let none = dup(&p, h, ZX_RIGHT_NONE);
    let b = basic(&p, none);
    assert_eq!(b.rights, 0);
    assert_eq!(b.koid, koid_of(&p, h));
    assert_eq!(b.type_, ZX_OBJ_TYPE_VMO);
    let mut raw = vec![0u8; std::mem::size_of::<zx_info_handle_basic_t>()];
    assert_eq!(ok!(p.object_get_info(none, ZX_INFO_HANDLE_BASIC, &mut raw)), (1, 1));
    close_all(&p, &[h, none]);
    assert_no_leak(&k);
}

#[test]
fn raw_handle_basic_returns_one_record_in_c_layout() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let typed = basic(&p, h);
    let size = std::mem::size_of::<zx_info_handle_basic_t>();
    let mut raw = vec![0xCCu8; size];
    assert_eq!(ok!(p.object_get_info(h, ZX_INFO_HANDLE_BASIC, &mut raw)), (1, 1));
    // C layout: koid u64 @0, rights u32 @8, type u32 @12, related_koid u64 @16.
    assert_eq!(u64::from_le_bytes(raw[0..8].try_into().unwrap()), typed.koid);
    assert_eq!(u32::from_le_bytes(raw[8..12].try_into().unwrap()), VMO_RIGHTS);
    assert_eq!(u32::from_le_bytes(raw[12..16].try_into().unwrap()), ZX_OBJ_TYPE_VMO);
    assert_eq!(u64::from_le_bytes(raw[16..24].try_into().unwrap()), 0);
    // A larger buffer still holds exactly one record.
    let mut big = vec![0u8; size * 3];
    assert_eq!(ok!(p.object_get_info(h, ZX_INFO_HANDLE_BASIC, &mut big)), (1, 1));
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn raw_handle_basic_with_small_buffer_is_buffer_too_small() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let size = std::mem::size_of::<zx_info_handle_basic_t>();
    let mut empty: [u8; 0] = [];
    assert_err!(p.object_get_info(h, ZX_INFO_HANDLE_BASIC, &mut empty), ZX_ERR_BUFFER_TOO_SMALL);
    let mut short = vec![0u8; size - 1];
    assert_err!(p.object_get_info(h, ZX_INFO_HANDLE_BASIC, &mut short), ZX_ERR_BUFFER_TOO_SMALL);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn raw_vmo_info_returns_one_record_and_small_buffer_fails() {
    let (k, p) = setup();
    let h = vmo(&p, P);
    let size = std::mem::size_of::<zx_info_vmo_t>();
    let mut raw = vec![0u8; size];
    assert_eq!(ok!(p.object_get_info(h, ZX_INFO_VMO, &mut raw)), (1, 1));
    assert_eq!(u64::from_le_bytes(raw[0..8].try_into().unwrap()), koid_of(&p, h));
    let mut short = vec![0u8; size - 1];
    assert_err!(p.object_get_info(h, ZX_INFO_VMO, &mut short), ZX_ERR_BUFFER_TOO_SMALL);
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

#[test]
fn vmo_info_on_event_is_wrong_type() {
    let (k, p) = setup();
    let e = event(&p);
    assert_err!(p.object_get_info_vmo(e), ZX_ERR_WRONG_TYPE);
    let mut raw = vec![0u8; std::mem::size_of::<zx_info_vmo_t>()];
    assert_err!(p.object_get_info(e, ZX_INFO_VMO, &mut raw), ZX_ERR_WRONG_TYPE);
    ok!(p.handle_close(e));
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// koids
// ---------------------------------------------------------------------------------------------

#[test]
fn koids_are_unique_and_never_reused() {
    let (k, p) = setup();
    let q = k.create_process();
    let mut koids = HashSet::new();
    for i in 0..200 {
        let proc_ = if i % 3 == 0 { &q } else { &p };
        let h = if i % 2 == 0 { vmo(proc_, 0) } else { event(proc_) };
        let koid = koid_of(proc_, h);
        assert_ne!(koid, 0);
        assert!(koids.insert(koid), "koid {koid} reused at iteration {i}");
        ok!(proc_.handle_close(h));
    }
    assert_no_leak(&k);
}

#[test]
fn two_kernels_have_independent_handle_tables_and_memory() {
    let k1 = Kernel::new(KernelConfig::default());
    let k2 = Kernel::new(KernelConfig::default());
    let p1 = k1.create_process();
    let p2 = k2.create_process();
    let h = vmo(&p1, P);
    fill(&p1, h, 0, 1, 9);
    assert_eq!(vmo_bytes(&k1), P);
    assert_eq!(vmo_bytes(&k2), 0);
    assert_err!(p2.vmo_get_size(h), ZX_ERR_BAD_HANDLE);
    ok!(p1.handle_close(h));
    assert_no_leak(&k1);
    assert_no_leak(&k2);
}

#[test]
fn unknown_info_topic_is_not_supported() {
    // Zircon's zx_object_get_info: "ZX_ERR_NOT_SUPPORTED topic does not exist".
    let (k, p) = setup();
    let h = vmo(&p, P);
    let mut buf = vec![0u8; 256];
    for topic in [0u32, 0xFFFF, 0x4000_0017, 0xF000_0002] {
        assert_err!(
            p.object_get_info(h, topic, &mut buf),
            ZX_ERR_NOT_SUPPORTED,
            "topic {topic:#x}"
        );
    }
    ok!(p.handle_close(h));
    assert_no_leak(&k);
}

/// A full handle table (2^17 handles) answers NO_RESOURCES to every call that would add a
/// handle; the object such a call made is gone again, with its pages, and nothing leaks.
#[test]
fn a_full_table_is_no_resources_and_keeps_nothing() {
    let (kernel, p) = setup();
    let parent = vmo(&p, P);
    ok!(p.vmo_write(parent, &[1], 0));
    let mut dups = Vec::new();
    while let Ok(d) = p.handle_duplicate(parent, ZX_RIGHT_SAME_RIGHTS) {
        dups.push(d);
    }
    assert_eq!(dups.len() + 1, 1 << 17);
    assert_err!(p.handle_duplicate(parent, ZX_RIGHT_SAME_RIGHTS), ZX_ERR_NO_RESOURCES);
    assert_err!(p.vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT, 0, P), ZX_ERR_NO_RESOURCES);
    assert_err!(p.event_create(0), ZX_ERR_NO_RESOURCES);
    assert_clean(&kernel);
    dups.push(parent);
    close_all(&p, &dups);
    assert_no_leak(&kernel);
}

#[test]
fn process_self_is_one_handle_to_the_process_itself() {
    let (kernel, p) = setup();
    let me = p.process_self();
    assert_ne!(me, ZX_HANDLE_INVALID);
    assert_eq!(p.process_self(), me, "the same value on every call");
    let info = basic(&p, me);
    assert_eq!((info.type_, info.rights), (ZX_OBJ_TYPE_PROCESS, ZX_DEFAULT_PROCESS_RIGHTS));
    let other = kernel.create_process();
    assert_ne!(basic(&other, other.process_self()).koid, info.koid, "each process is its own");
    assert_err!(other.object_get_info_handle_basic(me), ZX_ERR_BAD_HANDLE);
    // It can be named and signalled like any object, and duplicated.
    ok!(p.object_set_property(me, ZX_PROP_NAME, b"prototype"));
    assert_eq!(&name_prop(&p, me)[..10], b"prototype\0");
    ok!(p.object_signal(me, 0, ZX_USER_SIGNAL_0));
    assert_eq!(ok!(p.object_wait_one(me, ZX_USER_SIGNAL_0, 0)), ZX_USER_SIGNAL_0);
    let dup = ok!(p.handle_duplicate(me, ZX_RIGHT_SAME_RIGHTS));
    assert_eq!(koid_of(&p, dup), info.koid);
    // Closed, the value stays the one process_self gives, and names nothing.
    close_all(&p, &[dup, me]);
    assert_eq!(p.process_self(), me);
    assert_err!(p.object_get_info_handle_basic(me), ZX_ERR_BAD_HANDLE);
}

#[test]
fn process_self_into_a_full_table_is_invalid_until_a_slot_frees() {
    let (_kernel, p) = setup();
    let filler = event(&p);
    let mut handles = vec![filler];
    while let Ok(h) = p.handle_duplicate(filler, ZX_RIGHT_SAME_RIGHTS) {
        handles.push(h);
    }
    assert_eq!(p.process_self(), ZX_HANDLE_INVALID);
    ok!(p.handle_close(handles.pop().expect("a duplicate")));
    let me = p.process_self();
    assert_ne!(me, ZX_HANDLE_INVALID);
    assert_eq!(basic(&p, me).type_, ZX_OBJ_TYPE_PROCESS);
    close_all(&p, &handles);
}

#[test]
fn a_process_holding_a_handle_to_itself_still_goes_away() {
    let (kernel, p) = setup();
    p.process_self();
    let v = vmo(&p, 2 * P);
    fill(&p, v, 0, 2 * P as usize, 0x77);
    drop(p);
    // The process's handles closed with it, so its VMO's pages are free again.
    assert_no_leak(&kernel);
}
