//! Conformance tests for docs/reference.md §5, part 3: SLICE, REFERENCE, `num_children` and
//! `ZX_VMO_ZERO_CHILDREN`, and slices and references beside snapshots.
//!
//! Attribution (§6) has its own file, `attribution.rs`; the shared helpers (`snap`, `tag`,
//! `tagged`, `pages`, `finish`) are in `tests/src/lib.rs`.

use std::thread;
use std::time::{Duration, Instant};

use zx_conformance::children::*;
use zx_conformance::*;
use zx_kernel::zx::*;

// ---------------------------------------------------------------------------------------------
// SLICE
// ---------------------------------------------------------------------------------------------

#[test]
fn slice_offset_must_be_page_aligned() {
    // An unaligned size is rounded up instead (slice_reference.rs).
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3, 4], 0);
    for (off, size) in [(1, P), (P - 1, P), (P + 1, P), (1, 1), (P + 1, P - 1)] {
        assert_err!(
            p.vmo_create_child(a, SLICE, off, size),
            ZX_ERR_INVALID_ARGS,
            "slice({off:#x}, {size:#x})"
        );
        assert_err!(p.vmo_create_child(a, SLICE | NO_WRITE, off, size), ZX_ERR_INVALID_ARGS);
    }
    // Alignment comes before the window check.
    assert_err!(p.vmo_create_child(a, SLICE, TOP_PAGE + 1, 2 * P), ZX_ERR_INVALID_ARGS);
    assert_eq!(vmo_info(&p, a).num_children, 0);
    finish(&k, &p, &[a]);
}

#[test]
fn slice_window_outside_the_parent_is_invalid_args() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    for (off, size) in [(0, 3 * P), (P, 2 * P), (2 * P, P), (3 * P, P), (100 * P, P)] {
        assert_err!(
            p.vmo_create_child(a, SLICE, off, size),
            ZX_ERR_INVALID_ARGS,
            "slice({off:#x}, {size:#x}) of a 2-page VMO"
        );
    }
    // A window inside a slice is measured against the slice, not the root.
    let s = child(&p, a, SLICE, P, P);
    assert_err!(p.vmo_create_child(s, SLICE, 0, 2 * P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmo_create_child(s, SLICE, P, P), ZX_ERR_INVALID_ARGS);
    // The whole parent is fine.
    let whole = child(&p, a, SLICE, 0, 2 * P);
    assert_eq!(pages(&p, whole, 2), [1, 2]);
    finish(&k, &p, &[s, whole, a]);
}

#[test]
fn slice_window_that_overflows_is_invalid_args() {
    let (k, p) = setup();
    let a = tagged(&p, &[1], 0);
    for (off, size) in [(TOP_PAGE, P), (TOP_PAGE, 2 * P), (TOP_PAGE, MAX_SIZE)] {
        assert_err!(
            p.vmo_create_child(a, SLICE, off, size),
            ZX_ERR_INVALID_ARGS,
            "slice({off:#x}, {size:#x})"
        );
    }
    // A size past MAX_SIZE never gets there: it is OUT_OF_RANGE (check 1).
    assert_err!(p.vmo_create_child(a, SLICE, 2 * P, TOP_PAGE), ZX_ERR_OUT_OF_RANGE);
    assert_eq!(vmo_info(&p, a).num_children, 0);
    finish(&k, &p, &[a]);
}

#[test]
fn slice_of_a_resizable_parent_is_not_supported() {
    let (k, p) = setup();
    let r = tagged(&p, &[1, 2], ZX_VMO_RESIZABLE);
    assert_err!(p.vmo_create_child(r, SLICE, 0, P), ZX_ERR_NOT_SUPPORTED);
    assert_err!(p.vmo_create_child(r, SLICE | NO_WRITE, 0, 2 * P), ZX_ERR_NOT_SUPPORTED);
    let noresize = dup(&p, r, ZX_DEFAULT_VMO_RIGHTS);
    assert_err!(p.vmo_create_child(noresize, SLICE, 0, P), ZX_ERR_NOT_SUPPORTED);
    // A resizable snapshot child is a resizable parent too.
    let a = tagged(&p, &[3], 0);
    let c = child(&p, a, SNAPSHOT | CHILD_RESIZABLE, 0, P);
    assert_err!(p.vmo_create_child(c, SLICE, 0, P), ZX_ERR_NOT_SUPPORTED);
    assert_eq!(vmo_info(&p, r).num_children, 0);
    assert_eq!(vmo_info(&p, c).num_children, 0);
    finish(&k, &p, &[r, noresize, a, c]);
}

#[test]
fn slice_shares_pages_both_ways() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3, 4], 0);
    let s = child(&p, a, SLICE, P, 2 * P);
    let si = vmo_info(&p, s);
    assert_eq!(si.parent_koid, koid_of(&p, a));
    assert_eq!(si.size_bytes, 2 * P);
    assert_eq!(si.flags & ZX_INFO_VMO_IS_COW_CLONE, 0, "a slice is not a COW clone");
    assert_eq!(si.flags & ZX_INFO_VMO_RESIZABLE, 0);
    assert_eq!(content_size(&p, s), 2 * P);
    assert_eq!(pages(&p, s, 2), [2, 3]);
    // Writes through the slice land in the parent, and the other way round.
    tag(&p, s, 0, 0x52); // the parent's page 1
    tag(&p, a, 2, 0xA3); // the slice's page 1
    assert_eq!(pages(&p, a, 4), [1, 0x52, 0xA3, 4]);
    assert_eq!(pages(&p, s, 2), [0x52, 0xA3]);
    ok!(p.vmo_write(s, b"sl", 2 * P - 2));
    ok!(p.vmo_write(a, b"root", P + 100));
    assert_eq!(read_vec(&p, s, 100, 4), b"root");
    assert_eq!(read_vec(&p, a, 3 * P - 4, 4), [0xA3, 0xA3, b's', b'l']);
    assert_eq!(read_vec(&p, a, 3 * P, 4), [4; 4]);
    // The slice cannot reach beyond its window.
    assert_err!(p.vmo_write(s, b"xx", 2 * P - 1), ZX_ERR_OUT_OF_RANGE);
    assert_err!(p.vmo_read(s, &mut [0u8; 1], 2 * P), ZX_ERR_OUT_OF_RANGE);
    assert_eq!(read_vec(&p, a, 3 * P, 4), [4; 4]);
    // A slice is not resizable.
    assert_err!(p.vmo_set_size(s, P), ZX_ERR_UNAVAILABLE);
    // Pages written through the slice belong to the parent: no more than the parent's 4.
    assert_eq!(vmo_bytes(&k), 4 * P);
    finish(&k, &p, &[s, a]);
}

#[test]
fn slice_survives_the_parent_handle_and_keeps_sharing() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let s1 = child(&p, a, SLICE, 0, 2 * P);
    let s2 = child(&p, a, SLICE, P, P);
    ok!(p.handle_close(a));
    tag(&p, s1, 1, 0x99);
    assert_eq!(pages(&p, s2, 1), [0x99]);
    assert_eq!(pages(&p, s1, 2), [1, 0x99]);
    finish(&k, &p, &[s1, s2]);
}

#[test]
fn nested_slices_share_pages_at_every_depth() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3, 4, 5, 6], 0);
    let s1 = child(&p, a, SLICE, P, 4 * P); // a[1..5)
    let s2 = child(&p, s1, SLICE, P, 3 * P); // a[2..5)
    let s3 = child(&p, s2, SLICE, 2 * P, P); // a[4..5)
    assert_eq!(pages(&p, s1, 4), [2, 3, 4, 5]);
    assert_eq!(pages(&p, s2, 3), [3, 4, 5]);
    assert_eq!(pages(&p, s3, 1), [5]);
    assert_eq!(vmo_info(&p, s2).parent_koid, koid_of(&p, s1));
    assert_eq!(vmo_info(&p, s3).parent_koid, koid_of(&p, s2));
    tag(&p, s3, 0, 0x35);
    tag(&p, a, 2, 0xA2);
    tag(&p, s1, 2, 0x13);
    assert_eq!(pages(&p, a, 6), [1, 2, 0xA2, 0x13, 0x35, 6]);
    assert_eq!(pages(&p, s2, 3), [0xA2, 0x13, 0x35]);
    assert_eq!(pages(&p, s3, 1), [0x35]);
    for h in [s1, s2, s3] {
        assert_eq!(vmo_info(&p, h).flags & ZX_INFO_VMO_IS_COW_CLONE, 0);
    }
    assert_eq!(vmo_bytes(&k), 6 * P);
    finish(&k, &p, &[s3, s2, s1, a]);
}

#[test]
fn slice_writes_show_in_the_parent_but_not_in_its_snapshot() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let s = child(&p, a, SLICE, 0, 2 * P);
    let c = snap(&p, a, 0, 2 * P);
    tag(&p, s, 0, 0x50);
    tag(&p, a, 1, 0xA1);
    assert_eq!(pages(&p, a, 2), [0x50, 0xA1]);
    assert_eq!(pages(&p, s, 2), [0x50, 0xA1]);
    assert_eq!(pages(&p, c, 2), [1, 2]);
    tag(&p, c, 0, 0xC0);
    assert_eq!(pages(&p, s, 2), [0x50, 0xA1]);
    assert_clean(&k);
    finish(&k, &p, &[s, c, a]);
}

#[test]
fn slice_of_a_snapshot_child_shares_the_childs_pages() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let c = snap(&p, a, 0, 2 * P);
    let s = child(&p, c, SLICE, P, P);
    assert_eq!(pages(&p, s, 1), [2]);
    tag(&p, s, 0, 0x77);
    assert_eq!(pages(&p, c, 2), [1, 0x77]);
    assert_eq!(pages(&p, a, 2), [1, 2]);
    tag(&p, a, 1, 0x88);
    assert_eq!(pages(&p, s, 1), [0x77]);
    finish(&k, &p, &[s, c, a]);
}

// ---------------------------------------------------------------------------------------------
// REFERENCE
// ---------------------------------------------------------------------------------------------

#[test]
fn reference_offset_and_size_must_be_zero() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    for (off, size) in [(P, 0), (0, P), (1, 0), (0, 1), (P, P), (0, 2 * P)] {
        assert_err!(p.vmo_create_child(a, REFERENCE, off, size), ZX_ERR_INVALID_ARGS);
        assert_err!(p.vmo_create_child(a, REFERENCE | NO_WRITE, off, size), ZX_ERR_INVALID_ARGS);
    }
    // Offset/size come before the slice-parent check.
    let s = child(&p, a, SLICE, 0, P);
    assert_err!(p.vmo_create_child(s, REFERENCE, P, 0), ZX_ERR_INVALID_ARGS);
    assert_eq!(vmo_info(&p, a).num_children, 1);
    finish(&k, &p, &[s, a]);
}

#[test]
fn reference_of_a_slice_is_not_supported() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let s = child(&p, a, SLICE, 0, 2 * P);
    assert_err!(p.vmo_create_child(s, REFERENCE, 0, 0), ZX_ERR_NOT_SUPPORTED);
    assert_err!(p.vmo_create_child(s, REFERENCE | NO_WRITE, 0, 0), ZX_ERR_NOT_SUPPORTED);
    assert_eq!(vmo_info(&p, s).num_children, 0);
    finish(&k, &p, &[s, a]);
}

#[test]
fn reference_resizable_needs_a_resizable_parent_and_resize_on_the_handle() {
    let (k, p) = setup();
    let a = tagged(&p, &[1], 0);
    assert_err!(p.vmo_create_child(a, REFERENCE | CHILD_RESIZABLE, 0, 0), ZX_ERR_NOT_SUPPORTED);
    let r = tagged(&p, &[2], ZX_VMO_RESIZABLE);
    let noresize = dup(&p, r, ZX_DEFAULT_VMO_RIGHTS);
    assert_err!(
        p.vmo_create_child(noresize, REFERENCE | CHILD_RESIZABLE, 0, 0),
        ZX_ERR_ACCESS_DENIED
    );
    // Without RESIZABLE the same handle is fine.
    let plain = child(&p, noresize, REFERENCE, 0, 0);
    assert_eq!(rights_of(&p, plain) & ZX_RIGHT_RESIZE, 0);
    let rr = child(&p, r, REFERENCE | CHILD_RESIZABLE, 0, 0);
    assert_ne!(rights_of(&p, rr) & ZX_RIGHT_RESIZE, 0);
    assert_eq!(vmo_info(&p, r).num_children, 2);
    assert_eq!(vmo_info(&p, a).num_children, 0);
    finish(&k, &p, &[a, r, noresize, plain, rr]);
}

#[test]
fn reference_shares_content_size_changes_and_content_size() {
    let (k, p) = setup();
    let r = vmo_opts(&p, 5000, ZX_VMO_RESIZABLE);
    fill(&p, r, 0, 5000, 0x3C);
    let rf = child(&p, r, REFERENCE | CHILD_RESIZABLE, 0, 0);
    let ri = vmo_info(&p, rf);
    assert_eq!(ri.parent_koid, koid_of(&p, r));
    assert_eq!(ri.size_bytes, 2 * P);
    assert_eq!(ri.flags & ZX_INFO_VMO_IS_COW_CLONE, 0);
    assert_ne!(ri.flags & ZX_INFO_VMO_RESIZABLE, 0);
    assert_eq!(content_size(&p, rf), 5000);
    assert_eq!(read_vec(&p, rf, 4990, 20), [[0x3Cu8; 10], [0u8; 10]].concat());
    // Writes both ways.
    ok!(p.vmo_write(rf, b"ref", 10));
    ok!(p.vmo_write(r, b"root", P));
    assert_eq!(read_vec(&p, r, 10, 3), b"ref");
    assert_eq!(read_vec(&p, rf, P, 4), b"root");
    // Size changes through the parent show in the reference ...
    ok!(p.vmo_set_size(r, 3 * P + 1));
    assert_eq!(ok!(p.vmo_get_size(rf)), 4 * P);
    assert_eq!(content_size(&p, rf), 3 * P + 1);
    tag(&p, rf, 3, 0x44);
    assert_bytes(&p, r, 3 * P, P as usize, 0x44);
    // ... and through the reference in the parent.
    ok!(p.vmo_set_size(rf, P));
    assert_eq!(ok!(p.vmo_get_size(r)), P);
    assert_eq!(content_size(&p, r), P);
    ok!(p.vmo_set_size(rf, 2 * P));
    assert_bytes(&p, r, P, P as usize, 0); // cut off and grown back: zero
    assert_bytes(&p, rf, P, P as usize, 0);
    assert_eq!(read_vec(&p, rf, 10, 3), b"ref");
    // The content size property is shared too.
    ok!(p.object_set_property(r, ZX_PROP_VMO_CONTENT_SIZE, &1234u64.to_le_bytes()));
    assert_eq!(content_size(&p, rf), 1234);
    ok!(p.object_set_property(rf, ZX_PROP_VMO_CONTENT_SIZE, &4321u64.to_le_bytes()));
    assert_eq!(content_size(&p, r), 4321);
    assert_clean(&k);
    finish(&k, &p, &[rf, r]);
}

#[test]
fn reference_outlives_the_parent_handle() {
    let (k, p) = setup();
    let a = tagged(&p, &[0x21, 0x22], 0);
    let rf = child(&p, a, REFERENCE, 0, 0);
    ok!(p.handle_close(a));
    assert_eq!(pages(&p, rf, 2), [0x21, 0x22]);
    tag(&p, rf, 0, 0x31);
    assert_eq!(pages(&p, rf, 2), [0x31, 0x22]);
    finish(&k, &p, &[rf]);
}

// ---------------------------------------------------------------------------------------------
// num_children and ZX_VMO_ZERO_CHILDREN
// ---------------------------------------------------------------------------------------------

#[test]
fn num_children_counts_every_child_type_and_hidden_nodes_stay_hidden() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let c1 = snap(&p, a, 0, 2 * P);
    let c2 = snap(&p, a, 0, P);
    let s = child(&p, a, SLICE, 0, P);
    let rf = child(&p, a, REFERENCE, 0, 0);
    let al = child(&p, a, ALOW, 0, P);
    let m = child(&p, a, MODIFIED, 0, P);
    assert_eq!(vmo_info(&p, a).num_children, 6);
    for h in [c1, c2, s, rf, al, m] {
        assert_eq!(vmo_info(&p, h).parent_koid, koid_of(&p, a));
        assert_eq!(vmo_info(&p, h).num_children, 0);
    }
    let g = snap(&p, c1, 0, 2 * P);
    assert_eq!(vmo_info(&p, c1).num_children, 1);
    assert_eq!(vmo_info(&p, a).num_children, 6, "a grandchild is not the parent's child");
    assert_eq!(vmo_info(&p, g).parent_koid, koid_of(&p, c1));
    assert_eq!(vmo_info(&p, a).parent_koid, 0);
    ok!(p.handle_close(c2));
    ok!(p.handle_close(s));
    assert_eq!(vmo_info(&p, a).num_children, 4);
    ok!(p.handle_close(g));
    assert_eq!(vmo_info(&p, c1).num_children, 0);
    finish(&k, &p, &[a, c1, rf, al, m]);
}

#[test]
fn zero_children_is_cleared_by_the_first_child_and_back_after_the_last() {
    let (k, p) = setup();
    for o in [SNAPSHOT, ALOW, MODIFIED, SLICE, REFERENCE, SNAPSHOT | NO_WRITE] {
        let a = tagged(&p, &[1], 0);
        assert!(zero_children(&p, a), "{o:#x}: a new VMO has no children");
        let size = if o & REFERENCE != 0 { 0 } else { P };
        let c1 = child(&p, a, o, 0, size);
        assert!(!zero_children(&p, a), "{o:#x}: cleared by the first child");
        assert!(zero_children(&p, c1), "{o:#x}: the child has no children");
        let c2 = child(&p, a, o, 0, size);
        let c1_dup = dup(&p, c1, ZX_RIGHT_SAME_RIGHTS);
        ok!(p.handle_close(c1));
        assert!(!zero_children(&p, a), "{o:#x}: c1 lives on through its duplicate");
        ok!(p.handle_close(c2));
        assert!(!zero_children(&p, a), "{o:#x}: one child is left");
        assert_eq!(vmo_info(&p, a).num_children, 1);
        ok!(p.handle_close(c1_dup));
        assert!(zero_children(&p, a), "{o:#x}: asserted again after the last child");
        assert_eq!(vmo_info(&p, a).num_children, 0);
        // And it goes away again with a new child.
        let c3 = child(&p, a, o, 0, size);
        assert!(!zero_children(&p, a));
        finish(&k, &p, &[c3, a]);
    }
}

#[test]
fn zero_children_of_a_failed_create_child_stays_asserted() {
    let (k, p) = setup();
    let a = tagged(&p, &[1], 0);
    assert_err!(p.vmo_create_child(a, SNAPSHOT, 1, P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmo_create_child(a, SLICE, 0, 2 * P), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmo_create_child(a, REFERENCE, 0, P), ZX_ERR_INVALID_ARGS);
    assert!(zero_children(&p, a));
    assert_eq!(vmo_info(&p, a).num_children, 0);
    finish(&k, &p, &[a]);
}

#[test]
fn a_blocked_wait_for_zero_children_is_woken_when_the_last_child_closes() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let c1 = snap(&p, a, 0, 2 * P);
    let c2 = child(&p, a, SLICE, 0, P);
    let q = p.clone();
    let waiter = thread::spawn(move || q.object_wait_one(a, ZC, ZX_TIME_INFINITE));
    thread::sleep(Duration::from_millis(20));
    assert!(!waiter.is_finished(), "the wait returned while children were alive");
    ok!(p.handle_close(c1));
    thread::sleep(Duration::from_millis(20));
    assert!(!waiter.is_finished(), "the wait returned while one child was alive");
    ok!(p.handle_close(c2));
    let deadline = Instant::now() + Duration::from_secs(5);
    while !waiter.is_finished() {
        assert!(Instant::now() < deadline, "the waiter was not woken by the last child's close");
        thread::sleep(Duration::from_millis(1));
    }
    let got = waiter.join().expect("waiter panicked");
    match got {
        Ok(s) => assert_ne!(s & ZC, 0, "observed {s:#x}"),
        Err(s) => panic!("the wait failed: {s}"),
    }
    finish(&k, &p, &[a]);
}

// ---------------------------------------------------------------------------------------------
// slices and references beside snapshots, after the parent handle is gone
// ---------------------------------------------------------------------------------------------

#[test]
fn a_slice_keeps_writing_the_closed_parents_pages_and_its_snapshot_does_not_see_it() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let s = child(&p, a, SLICE, 0, 2 * P);
    let c = snap(&p, a, 0, 2 * P);
    ok!(p.handle_close(a));
    assert_clean(&k);
    tag(&p, s, 0, 0x51);
    assert_eq!(pages(&p, s, 2), [0x51, 2]);
    assert_eq!(pages(&p, c, 2), [1, 2]);
    tag(&p, c, 1, 0xC1);
    assert_eq!(pages(&p, s, 2), [0x51, 2]);
    ok!(p.handle_close(c));
    assert_clean(&k);
    assert_eq!(pages(&p, s, 2), [0x51, 2]);
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[s]);
}

#[test]
fn a_reference_keeps_writing_the_closed_parents_pages_and_its_snapshot_does_not_see_it() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], ZX_VMO_RESIZABLE);
    let rf = child(&p, a, REFERENCE | CHILD_RESIZABLE, 0, 0);
    let c = snap(&p, a, 0, 2 * P);
    ok!(p.handle_close(a));
    tag(&p, rf, 1, 0x52);
    assert_eq!(pages(&p, rf, 2), [1, 0x52]);
    assert_eq!(pages(&p, c, 2), [1, 2]);
    // Shrinking through the reference does not reach the snapshot either.
    ok!(p.vmo_set_size(rf, 0));
    assert_clean(&k);
    assert_eq!(pages(&p, c, 2), [1, 2]);
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[rf, c]);
}

#[test]
fn a_reference_of_a_reference_shares_with_the_root() {
    let (k, p) = setup();
    let a = tagged(&p, &[1], 0);
    let r1 = child(&p, a, REFERENCE, 0, 0);
    let r2 = child(&p, r1, REFERENCE, 0, 0);
    assert_eq!(vmo_info(&p, r2).parent_koid, koid_of(&p, r1));
    tag(&p, r2, 0, 0x22);
    assert_eq!(pages(&p, a, 1), [0x22]);
    assert_eq!(pages(&p, r1, 1), [0x22]);
    assert_eq!(vmo_bytes(&k), P);
    finish(&k, &p, &[r2, r1, a]);
}

#[test]
fn a_snapshots_content_size_is_its_own() {
    let (k, p) = setup();
    let a = vmo(&p, 5000);
    let c = snap(&p, a, 0, 3000);
    assert_eq!(content_size(&p, c), 3000);
    ok!(p.object_set_property(c, ZX_PROP_VMO_CONTENT_SIZE, &77u64.to_le_bytes()));
    assert_eq!(content_size(&p, c), 77);
    assert_eq!(content_size(&p, a), 5000);
    ok!(p.object_set_property(a, ZX_PROP_VMO_CONTENT_SIZE, &99u64.to_le_bytes()));
    assert_eq!(content_size(&p, c), 77);
    finish(&k, &p, &[a, c]);
}

#[test]
fn koids_of_children_are_fresh() {
    let (k, p) = setup();
    let a = tagged(&p, &[1], 0);
    let mut seen = vec![koid_of(&p, a)];
    let mut open = vec![a];
    for o in [SNAPSHOT, SLICE, REFERENCE, ALOW, MODIFIED, SNAPSHOT] {
        let c = child(&p, a, o, 0, if o == REFERENCE { 0 } else { P });
        let kd = koid_of(&p, c);
        assert!(!seen.contains(&kd), "koid {kd} reused");
        seen.push(kd);
        open.push(c);
    }
    // Closing and creating again never brings an old koid back.
    ok!(p.handle_close(open.pop().unwrap()));
    let c = snap(&p, a, 0, P);
    assert!(!seen.contains(&koid_of(&p, c)));
    open.push(c);
    finish(&k, &p, &open);
}

#[test]
fn a_fork_that_runs_out_of_pages_midway_leaves_the_parent_intact() {
    let (k, p) = setup_with_pages(5);
    let a = tagged(&p, &[1, 2, 3, 4], 0);
    let c = snap(&p, a, 0, 4 * P);
    // One free page, three shared pages to fork.
    assert_err!(p.vmo_write(c, &vec![9u8; 3 * P as usize], 0), ZX_ERR_NO_MEMORY);
    assert_clean(&k);
    assert_eq!(pages(&p, a, 4), [1, 2, 3, 4]);
    let got = pages(&p, c, 4);
    assert!(got[0] == 1 || got[0] == 9, "page 0 reads {:#x}", got[0]);
    assert_eq!(got[1..], [2, 3, 4], "pages past the first cannot have been written");
    assert!(vmo_bytes(&k) <= 5 * P);
    // Closing the parent gives the child every page; now the write needs none.
    ok!(p.handle_close(a));
    ok!(p.vmo_write(c, &vec![9u8; 3 * P as usize], 0));
    assert_eq!(pages(&p, c, 4), [9, 9, 9, 4]);
    finish(&k, &p, &[c]);
}
