//! Conformance tests for docs/reference.md §5, part 4: op_range and set_size inside copy-on-write
//! relations, edges (huge windows, zero markers, unbounded parents, wide and deep trees),
//! threads, and a random family of snapshots checked against a byte model.
//!
//! Attribution (§6) has its own file, `attribution.rs`; the shared helpers (`snap`, `tag`,
//! `tagged`, `pages`, `finish`) are in `tests/src/lib.rs`.

use std::thread;

use zx_conformance::children::*;
use zx_conformance::*;
use zx_kernel::zx::*;

// ---------------------------------------------------------------------------------------------
// op_range in copy-on-write relations
// ---------------------------------------------------------------------------------------------

#[test]
fn commit_in_a_snapshot_child_forks_the_visible_content_in() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xA0, 0xA1, 0, 0], 0);
    let c = snap(&p, a, 0, 4 * P);
    assert_eq!(vmo_bytes(&k), 2 * P);
    let before = vmo_info(&p, c);
    ok!(p.vmo_op_range(c, ZX_VMO_OP_COMMIT, 0, 4 * P, &mut []));
    assert_clean(&k);
    let after = vmo_info(&p, c);
    assert!(after.committed_bytes > before.committed_bytes);
    assert_eq!(after.committed_bytes, 4 * P);
    assert_eq!(after.committed_private_bytes, 4 * P);
    // Pages 0 and 1 were copied (the parent still sees them), 2 and 3 are new zero pages.
    assert_eq!(vmo_bytes(&k), 6 * P);
    assert_eq!(pages(&p, c, 4), [0xA0, 0xA1, 0, 0]);
    // The parent was left alone: it still has its two pages, now its own alone.
    let ai = vmo_info(&p, a);
    assert_eq!(ai.committed_bytes, 2 * P);
    assert_eq!(ai.committed_private_bytes, 2 * P);
    assert_eq!(pages(&p, a, 4), [0xA0, 0xA1, 0, 0]);
    // A parent write now moves its (no longer shared) page: nothing new is allocated.
    tag(&p, a, 0, 0xB0);
    assert_eq!(vmo_bytes(&k), 6 * P);
    assert_eq!(pages(&p, c, 1), [0xA0]);
    // Committing again changes nothing; an unaligned range is widened to whole pages.
    ok!(p.vmo_op_range(c, ZX_VMO_OP_COMMIT, 10, 20, &mut []));
    assert_eq!(vmo_bytes(&k), 6 * P);
    assert_err!(p.vmo_op_range(c, ZX_VMO_OP_COMMIT, 0, 5 * P, &mut []), ZX_ERR_OUT_OF_RANGE);
    finish(&k, &p, &[a, c]);
}

#[test]
fn commit_in_a_child_where_nothing_is_visible_leaves_the_parent_alone() {
    let (k, p) = setup();
    let a = vmo(&p, 2 * P);
    let c = snap(&p, a, 0, 3 * P);
    ok!(p.vmo_op_range(c, ZX_VMO_OP_COMMIT, 0, 3 * P, &mut []));
    assert_eq!(vmo_info(&p, c).committed_bytes, 3 * P);
    assert_eq!(vmo_info(&p, a).committed_bytes, 0);
    assert_eq!(vmo_bytes(&k), 3 * P);
    assert_eq!(pages(&p, c, 3), [0, 0, 0]);
    // The parent still diverges independently.
    tag(&p, a, 1, 5);
    assert_eq!(pages(&p, c, 3), [0, 0, 0]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn commit_in_a_child_whose_parent_is_gone_moves_the_pages() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let c = snap(&p, a, 0, 2 * P);
    ok!(p.handle_close(a));
    assert_clean(&k);
    assert_eq!(vmo_bytes(&k), 2 * P);
    ok!(p.vmo_op_range(c, ZX_VMO_OP_COMMIT, 0, 2 * P, &mut []));
    assert_eq!(vmo_bytes(&k), 2 * P, "the child is the pages' only user: moved, not copied");
    assert_eq!(pages(&p, c, 2), [1, 2]);
    finish(&k, &p, &[c]);
}

#[test]
fn decommit_in_a_snapshot_child_or_its_parent_is_not_supported() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let c = snap(&p, a, 0, 2 * P);
    for h in [a, c] {
        assert_err!(p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 0, P, &mut []), ZX_ERR_NOT_SUPPORTED);
        assert_err!(p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 0, 2 * P, &mut []), ZX_ERR_NOT_SUPPORTED);
        // Check order: end past size, then length 0, then the COW relation, then alignment.
        assert_err!(p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 0, 3 * P, &mut []), ZX_ERR_OUT_OF_RANGE);
        assert_err!(p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 3 * P, 0, &mut []), ZX_ERR_OUT_OF_RANGE);
        assert_err!(
            p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 1, u64::MAX, &mut []),
            ZX_ERR_OUT_OF_RANGE
        );
        ok!(p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, P, 0, &mut []));
        assert_err!(p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 1, 10, &mut []), ZX_ERR_NOT_SUPPORTED);
        assert_err!(p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, 0, P + 1, &mut []), ZX_ERR_NOT_SUPPORTED);
    }
    // Nothing changed.
    assert_eq!(pages(&p, a, 2), [1, 2]);
    assert_eq!(pages(&p, c, 2), [1, 2]);
    assert_eq!(vmo_bytes(&k), 2 * P);
    // A slice acts on its parent's range: the parent is in a COW relation.
    let s = child(&p, a, SLICE, 0, 2 * P);
    assert_err!(p.vmo_op_range(s, ZX_VMO_OP_DECOMMIT, 0, P, &mut []), ZX_ERR_NOT_SUPPORTED);
    assert_err!(p.vmo_op_range(s, ZX_VMO_OP_DECOMMIT, 0, 3 * P, &mut []), ZX_ERR_OUT_OF_RANGE);
    finish(&k, &p, &[s, a, c]);
}

#[test]
fn decommit_works_again_once_the_snapshot_children_are_gone() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3], 0);
    let c1 = snap(&p, a, 0, 3 * P);
    let c2 = snap(&p, a, P, P);
    let g = snap(&p, c1, 0, P);
    ok!(p.handle_close(g));
    // c1 is still a snapshot child.
    assert_err!(p.vmo_op_range(c1, ZX_VMO_OP_DECOMMIT, 0, P, &mut []), ZX_ERR_NOT_SUPPORTED);
    ok!(p.handle_close(c1));
    assert_err!(p.vmo_op_range(a, ZX_VMO_OP_DECOMMIT, 0, P, &mut []), ZX_ERR_NOT_SUPPORTED);
    ok!(p.handle_close(c2));
    assert_clean(&k);
    ok!(p.vmo_op_range(a, ZX_VMO_OP_DECOMMIT, 0, P, &mut []));
    assert_eq!(pages(&p, a, 3), [0, 2, 3]);
    assert_eq!(vmo_info(&p, a).committed_bytes, 2 * P);
    assert_eq!(vmo_bytes(&k), 2 * P);
    // ... with its own checks again.
    assert_err!(p.vmo_op_range(a, ZX_VMO_OP_DECOMMIT, 1, P, &mut []), ZX_ERR_INVALID_ARGS);
    ok!(p.vmo_op_range(a, ZX_VMO_OP_DECOMMIT, 0, 3 * P, &mut []));
    assert_eq!(pages(&p, a, 3), [0, 0, 0]);
    assert_eq!(vmo_bytes(&k), 0);
    finish(&k, &p, &[a]);
}

#[test]
fn decommit_with_only_slices_and_references_works_on_the_shared_pages() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3], 0);
    let s = child(&p, a, SLICE, P, 2 * P);
    let rf = child(&p, a, REFERENCE, 0, 0);
    // Through the slice: its page 0 is the parent's page 1.
    ok!(p.vmo_op_range(s, ZX_VMO_OP_DECOMMIT, 0, P, &mut []));
    assert_eq!(pages(&p, a, 3), [1, 0, 3]);
    assert_eq!(pages(&p, rf, 3), [1, 0, 3]);
    assert_eq!(vmo_bytes(&k), 2 * P);
    ok!(p.vmo_op_range(rf, ZX_VMO_OP_DECOMMIT, 0, P, &mut []));
    assert_eq!(pages(&p, s, 2), [0, 3]);
    assert_eq!(pages(&p, a, 3), [0, 0, 3]);
    assert_eq!(vmo_info(&p, a).committed_bytes, P);
    assert_eq!(vmo_bytes(&k), P);
    finish(&k, &p, &[s, rf, a]);
}

#[test]
fn zero_in_a_child_hides_the_parent_content_and_the_parent_keeps_it() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xAA, 0xAB], 0);
    let c = snap(&p, a, 0, 2 * P);
    ok!(p.vmo_op_range(c, ZX_VMO_OP_ZERO, 0, 2 * P, &mut []));
    assert_clean(&k);
    assert_eq!(pages(&p, c, 2), [0, 0]);
    assert_eq!(pages(&p, a, 2), [0xAA, 0xAB]);
    // Whole pages: no page is allocated for zeros.
    assert_eq!(vmo_bytes(&k), 2 * P);
    // The child can write again over its zeroed range.
    ok!(p.vmo_write(c, b"again", 5));
    assert_eq!(read_vec(&p, c, 0, 12), b"\0\0\0\0\0again\0\0");
    assert_eq!(pages(&p, a, 2), [0xAA, 0xAB]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn zero_of_part_of_a_page_in_a_child_zeroes_exactly_those_bytes() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xAA, 0xAB], 0);
    let c = snap(&p, a, 0, 2 * P);
    ok!(p.vmo_op_range(c, ZX_VMO_OP_ZERO, P - 100, 200, &mut []));
    let got = read_vec(&p, c, 0, 2 * P as usize);
    let mut want = [vec![0xAA; P as usize], vec![0xAB; P as usize]].concat();
    want[(P - 100) as usize..(P + 100) as usize].fill(0);
    assert_eq!(got, want);
    assert_eq!(pages(&p, a, 2), [0xAA, 0xAB]);
    // Both partial pages were forked into the child (copied: the parent still sees them).
    assert_eq!(vmo_bytes(&k), 4 * P);
    assert_clean(&k);
    finish(&k, &p, &[a, c]);
}

#[test]
fn zero_in_a_parent_keeps_the_childs_snapshot() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xAA, 0xAB], 0);
    let c = snap(&p, a, 0, 2 * P);
    ok!(p.vmo_op_range(a, ZX_VMO_OP_ZERO, 0, 2 * P, &mut []));
    assert_eq!(pages(&p, a, 2), [0, 0]);
    assert_eq!(pages(&p, c, 2), [0xAA, 0xAB]);
    assert_eq!(vmo_bytes(&k), 2 * P);
    ok!(p.handle_close(c));
    assert_clean(&k);
    assert_eq!(vmo_bytes(&k), 0, "nobody sees the old pages any more");
    assert_eq!(pages(&p, a, 2), [0, 0]);
    finish(&k, &p, &[a]);
}

#[test]
fn zero_in_a_child_of_an_uncommitted_parent_commits_nothing() {
    let (k, p) = setup();
    let a = vmo(&p, 2 * P);
    let c = snap(&p, a, 0, 2 * P);
    ok!(p.vmo_op_range(c, ZX_VMO_OP_ZERO, 0, 2 * P, &mut []));
    assert_eq!(vmo_bytes(&k), 0);
    assert_eq!(vmo_info(&p, c).committed_bytes, 0);
    // The child's zero does not stop it from being a snapshot: parent writes stay invisible.
    tag(&p, a, 0, 9);
    assert_eq!(pages(&p, c, 2), [0, 0]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn zero_hides_parent_pages_even_after_the_parent_is_closed() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xAA, 0xAB, 0xAC], 0);
    let c = snap(&p, a, 0, 3 * P);
    ok!(p.vmo_op_range(c, ZX_VMO_OP_ZERO, P, P, &mut []));
    ok!(p.handle_close(a));
    assert_clean(&k);
    assert_eq!(pages(&p, c, 3), [0xAA, 0, 0xAC]);
    assert_eq!(vmo_bytes(&k), 2 * P, "the hidden page 1 is freed with the parent");
    finish(&k, &p, &[c]);
}

// ---------------------------------------------------------------------------------------------
// set_size of parents and children
// ---------------------------------------------------------------------------------------------

#[test]
fn a_child_created_without_resizable_cannot_change_size() {
    let (k, p) = setup();
    let r = tagged(&p, &[1], ZX_VMO_RESIZABLE);
    for o in [SNAPSHOT, ALOW, MODIFIED] {
        let c = child(&p, r, o, 0, P);
        assert_eq!(vmo_info(&p, c).flags & ZX_INFO_VMO_RESIZABLE, 0);
        assert_err!(p.vmo_set_size(c, 2 * P), ZX_ERR_UNAVAILABLE);
        assert_eq!(ok!(p.vmo_get_size(c)), P);
        ok!(p.handle_close(c));
    }
    finish(&k, &p, &[r]);
}

#[test]
fn a_resizable_child_shrinks_and_regrows_to_zeros_without_touching_the_parent() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3], 0);
    let c = child(&p, a, SNAPSHOT | CHILD_RESIZABLE, 0, 3 * P);
    tag(&p, c, 2, 0xC2);
    ok!(p.vmo_set_size(c, P));
    assert_clean(&k);
    assert_err!(p.vmo_read(c, &mut [0u8; 1], P), ZX_ERR_OUT_OF_RANGE);
    ok!(p.vmo_set_size(c, 3 * P));
    assert_eq!(pages(&p, c, 3), [1, 0, 0]);
    assert_eq!(pages(&p, a, 3), [1, 2, 3]);
    // The child's own page 2 was freed by the shrink; the parent's pages remain.
    assert_eq!(vmo_bytes(&k), 3 * P);
    ok!(p.vmo_set_size(c, 5000));
    assert_eq!(content_size(&p, c), 5000);
    assert_eq!(ok!(p.vmo_get_size(c)), 2 * P);
    finish(&k, &p, &[a, c]);
}

/// Zircon's vmo-clone resize test: 4 tagged pages, a resizable snapshot, one private write on
/// each side, then one side shrinks to one page.
fn resize_case(resize_child: bool) {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3, 4], ZX_VMO_RESIZABLE);
    let c = child(&p, a, SNAPSHOT | CHILD_RESIZABLE, 0, 4 * P);
    tag(&p, a, 1, 5);
    tag(&p, c, 2, 5);
    assert_eq!(vmo_bytes(&k), 6 * P);
    let (target, other) = if resize_child { (c, a) } else { (a, c) };
    ok!(p.vmo_set_size(target, P));
    assert_clean(&k);
    let other_view = if resize_child { [1, 5, 3, 4] } else { [1, 2, 5, 4] };
    assert_eq!(pages(&p, other, 4), other_view);
    assert_eq!(pages(&p, target, 1), [1]);
    assert_eq!(vmo_bytes(&k), 4 * P, "pages nobody can see any more are freed at once");
    // Growing the shrunk side exposes nothing.
    ok!(p.vmo_set_size(target, 2 * P));
    assert_eq!(pages(&p, target, 2), [1, 0]);
    // The other side's write to page 3 (now seen by it alone) needs no new page.
    tag(&p, other, 3, 6);
    assert_eq!(vmo_bytes(&k), 4 * P);
    ok!(p.handle_close(other));
    assert_clean(&k);
    assert_eq!(pages(&p, target, 2), [1, 0]);
    assert_eq!(vmo_bytes(&k), P);
    finish(&k, &p, &[target]);
}

#[test]
fn resizing_a_snapshot_child_frees_what_nobody_sees() {
    resize_case(true);
}

#[test]
fn resizing_a_snapshotted_parent_frees_what_nobody_sees() {
    resize_case(false);
}

#[test]
fn shrinking_a_parent_to_zero_keeps_an_offset_child() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3], ZX_VMO_RESIZABLE);
    let c = snap(&p, a, P, P);
    ok!(p.vmo_set_size(a, 0));
    assert_clean(&k);
    assert_eq!(pages(&p, c, 1), [2]);
    assert_eq!(vmo_info(&p, a).committed_bytes, 0);
    assert_eq!(vmo_bytes(&k), P);
    finish(&k, &p, &[a, c]);
}

// ---------------------------------------------------------------------------------------------
// edges: huge windows, zero markers through generations, unbounded parents, wide and deep trees
// ---------------------------------------------------------------------------------------------

#[test]
fn a_snapshot_of_max_size_works_at_its_far_end() {
    let (k, p) = setup();
    let a = tagged(&p, &[0x5A], 0);
    let c = snap(&p, a, 0, MAX_SIZE);
    assert_eq!(ok!(p.vmo_get_size(c)), MAX_SIZE);
    assert_eq!(pages(&p, c, 1), [0x5A]);
    ok!(p.vmo_write(c, b"end", MAX_SIZE - 3));
    assert_eq!(read_vec(&p, c, MAX_SIZE - 4, 4), [0, b'e', b'n', b'd']);
    assert_err!(p.vmo_write(c, b"x", MAX_SIZE), ZX_ERR_OUT_OF_RANGE);
    assert_eq!(vmo_bytes(&k), 2 * P);
    // A snapshot of the far end of that child.
    let far = snap(&p, c, MAX_SIZE - P, P);
    assert_eq!(read_vec(&p, far, P - 3, 3), b"end");
    finish(&k, &p, &[a, c, far]);
}

#[test]
fn children_of_an_unbounded_vmo() {
    let (k, p) = setup();
    let u = vmo_opts(&p, 3 * P, ZX_VMO_UNBOUNDED);
    assert_eq!(ok!(p.vmo_get_size(u)), MAX_SIZE);
    fill(&p, u, MAX_SIZE - P, P as usize, 0x71);
    fill(&p, u, 0, P as usize, 0x70);
    let s = child(&p, u, SNAPSHOT, MAX_SIZE - 2 * P, 2 * P);
    assert_eq!(pages(&p, s, 2), [0, 0x71]);
    let sl = child(&p, u, SLICE, MAX_SIZE - P, P);
    assert_eq!(pages(&p, sl, 1), [0x71]);
    tag(&p, sl, 0, 0x72);
    assert_bytes(&p, u, MAX_SIZE - P, P as usize, 0x72);
    assert_eq!(pages(&p, s, 2), [0, 0x71]);
    let rf = child(&p, u, REFERENCE, 0, 0);
    assert_eq!(ok!(p.vmo_get_size(rf)), MAX_SIZE);
    assert_eq!(content_size(&p, rf), 3 * P);
    assert_eq!(pages(&p, rf, 1), [0x70]);
    finish(&k, &p, &[s, sl, rf, u]);
}

#[test]
fn zeroed_pages_stay_zero_in_grandchildren_and_after_the_middle_closes() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3], 0);
    let b = snap(&p, a, 0, 3 * P);
    ok!(p.vmo_op_range(b, ZX_VMO_OP_ZERO, P, P, &mut []));
    let c = snap(&p, b, 0, 3 * P);
    assert_eq!(pages(&p, c, 3), [1, 0, 3]);
    ok!(p.handle_close(b));
    assert_clean(&k);
    assert_eq!(pages(&p, c, 3), [1, 0, 3]);
    ok!(p.handle_close(a));
    assert_clean(&k);
    assert_eq!(pages(&p, c, 3), [1, 0, 3]);
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[c]);
}

#[test]
fn a_zero_of_never_committed_bytes_in_a_child_commits_nothing() {
    let (k, p) = setup();
    let a = vmo(&p, 2 * P);
    let c = snap(&p, a, 0, 2 * P);
    ok!(p.vmo_op_range(c, ZX_VMO_OP_ZERO, 100, 200, &mut []));
    ok!(p.vmo_op_range(c, ZX_VMO_OP_ZERO, P - 1, 2, &mut []));
    assert_eq!(vmo_bytes(&k), 0);
    assert_eq!(pages(&p, c, 2), [0, 0]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn the_zero_children_signal_is_on_the_object_not_the_handle() {
    let (k, p) = setup();
    let a = tagged(&p, &[1], 0);
    let a2 = dup(&p, a, ZX_RIGHT_SAME_RIGHTS);
    let c = snap(&p, a2, 0, P);
    assert!(!zero_children(&p, a));
    assert_eq!(vmo_info(&p, a).num_children, 1);
    ok!(p.handle_close(a2));
    assert!(!zero_children(&p, a));
    ok!(p.handle_close(c));
    assert!(zero_children(&p, a));
    finish(&k, &p, &[a]);
}

#[test]
fn a_deep_chain_of_forty_snapshots() {
    let (k, p) = setup();
    let mut chain = vec![tagged(&p, &[0xFF, 0xFF], 0)];
    for i in 1..40u8 {
        let c = snap(&p, *chain.last().unwrap(), 0, 2 * P);
        fill(&p, c, u64::from(i), 1, i);
        chain.push(c);
    }
    let last = *chain.last().unwrap();
    let mut want = vec![0xFFu8; 41];
    for (i, b) in want.iter_mut().enumerate().skip(1).take(39) {
        *b = i as u8;
    }
    assert_eq!(read_vec(&p, last, 0, 41), want);
    // Close every other level, then the rest from the top.
    for (i, &h) in chain.iter().enumerate() {
        if i % 2 == 1 && h != last {
            ok!(p.handle_close(h));
        }
    }
    assert_clean(&k);
    assert_eq!(read_vec(&p, last, 0, 41), want);
    for (i, &h) in chain.iter().enumerate() {
        if i % 2 == 0 {
            ok!(p.handle_close(h));
        }
    }
    assert_clean(&k);
    assert_eq!(read_vec(&p, last, 0, 41), want);
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[last]);
}

#[test]
fn a_hundred_siblings() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xEE, 0xEE], 0);
    let kids: Vec<_> = (0..100).map(|_| snap(&p, a, 0, 2 * P)).collect();
    for (i, &c) in kids.iter().enumerate() {
        fill(&p, c, i as u64, 1, i as u8);
    }
    tag(&p, a, 1, 0xAA);
    assert_eq!(vmo_info(&p, a).num_children, 100);
    for (i, &c) in kids.iter().enumerate() {
        let mut want = vec![0xEEu8; 100];
        want[i] = i as u8;
        assert_eq!(read_vec(&p, c, 0, 100), want, "sibling {i}");
        assert_eq!(read_vec(&p, c, P, 1), [0xEE]);
    }
    ok!(p.handle_close(a));
    for &c in kids.iter().step_by(3) {
        ok!(p.handle_close(c));
    }
    assert_clean(&k);
    for (i, &c) in kids.iter().enumerate() {
        if i % 3 != 0 {
            assert_eq!(read_vec(&p, c, i as u64, 1), [i as u8]);
            assert_eq!(read_vec(&p, c, P, 1), [0xEE]);
        }
    }
    let rest: Vec<_> =
        kids.iter().enumerate().filter(|(i, _)| i % 3 != 0).map(|(_, &c)| c).collect();
    finish(&k, &p, &rest);
}

// ---------------------------------------------------------------------------------------------
// threads
// ---------------------------------------------------------------------------------------------

#[test]
fn concurrent_writers_in_one_family_see_only_their_own_writes() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 1, 1, 1], 0);
    let kids = [snap(&p, a, 0, 4 * P), snap(&p, a, 0, 4 * P), snap(&p, a, 0, 4 * P)];
    let family = [a, kids[0], kids[1], kids[2]];
    thread::scope(|scope| {
        for (t, &h) in family.iter().enumerate() {
            let p = &p;
            scope.spawn(move || {
                let mine = 0x10 + t as u8;
                for round in 0..50u64 {
                    let page = (round + t as u64) % 4;
                    fill(p, h, page * P, P as usize, mine);
                    for (i, b) in pages(p, h, 4).into_iter().enumerate() {
                        assert!(b == 1 || b == mine, "thread {t}: page {i} reads {b:#x}");
                    }
                }
            });
        }
        // A fifth thread snapshots the parent again and again while it changes.
        let p = &p;
        scope.spawn(move || {
            for _ in 0..50 {
                let s = snap(p, a, 0, 4 * P);
                for (i, b) in pages(p, s, 4).into_iter().enumerate() {
                    assert!(b == 1 || b == 0x10, "snapshot page {i} reads {b:#x}");
                }
                ok!(p.handle_close(s));
            }
        });
    });
    assert_clean(&k);
    for (t, &h) in family.iter().enumerate() {
        assert_eq!(pages(&p, h, 4), [0x10 + t as u8; 4]);
    }
    assert_eq!(vmo_bytes(&k), 16 * P);
    finish(&k, &p, &family);
}

#[test]
fn closing_the_parent_while_the_child_writes_loses_nothing() {
    for _ in 0..20 {
        let (k, p) = setup();
        let a = tagged(&p, &[1, 2, 3, 4, 5, 6, 7, 8], 0);
        let c = snap(&p, a, 0, 8 * P);
        thread::scope(|scope| {
            let q = &p;
            scope.spawn(move || {
                for page in 0..8 {
                    fill(q, c, page * P, 16, 0xC0 + page as u8);
                }
            });
            ok!(p.handle_close(a));
        });
        assert_clean(&k);
        for page in 0..8u64 {
            let got = read_vec(&p, c, page * P, P as usize);
            assert_eq!(got[..16], [0xC0 + page as u8; 16]);
            assert!(got[16..].iter().all(|&b| b == page as u8 + 1), "page {page}");
        }
        finish(&k, &p, &[c]);
    }
}

// ---------------------------------------------------------------------------------------------
// a random family of snapshots checked against a byte model
// ---------------------------------------------------------------------------------------------

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Model {
    handle: zx_handle_t,
    resizable: bool,
    bytes: Vec<u8>,
}

#[test]
fn random_snapshot_families_match_a_byte_model() {
    for seed in 1..=4u64 {
        let (k, p) = setup();
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let mut live = vec![
            Model {
                handle: vmo_opts(&p, 4 * P, ZX_VMO_RESIZABLE),
                resizable: true,
                bytes: vec![0; 4 * P as usize],
            },
            Model { handle: vmo(&p, 3 * P), resizable: false, bytes: vec![0; 3 * P as usize] },
        ];
        let mut stamp = 0u8;
        for step in 0..160 {
            let i = rng.below(live.len() as u64) as usize;
            let h = live[i].handle;
            let size = live[i].bytes.len() as u64;
            let op = rng.below(10);
            let what;
            match op {
                0..=2 if size > 0 => {
                    stamp = stamp.wrapping_add(1).max(1);
                    let off = rng.below(size);
                    let len = (1 + rng.below(2 * P)).min(size - off);
                    what = format!("write {len:#x} at {off:#x} in #{i}");
                    fill(&p, h, off, len as usize, stamp);
                    live[i].bytes[off as usize..(off + len) as usize].fill(stamp);
                }
                3 | 4 if live.len() < 10 => {
                    let off = rng.below(size / P + 2) * P;
                    // Page-aligned: what a child shows past an unaligned content size inside its
                    // last page is not specified.
                    let csize = rng.below(7) * P;
                    let o = [SNAPSHOT, SNAPSHOT | CHILD_RESIZABLE, ALOW, MODIFIED]
                        [rng.below(4) as usize];
                    what = format!("child {o:#x} ({off:#x}, {csize:#x}) of #{i}");
                    let c = child(&p, h, o, off, csize);
                    let mut bytes = vec![0u8; csize as usize];
                    for (j, b) in bytes.iter_mut().enumerate() {
                        *b = live[i].bytes.get(off as usize + j).copied().unwrap_or(0);
                    }
                    live.push(Model { handle: c, resizable: o & CHILD_RESIZABLE != 0, bytes });
                }
                5 if live.len() > 1 => {
                    what = format!("close #{i}");
                    ok!(p.handle_close(h));
                    live.swap_remove(i);
                }
                6 if size > 0 => {
                    let off = rng.below(size);
                    let len = rng.below(size - off + 1);
                    what = format!("zero {len:#x} at {off:#x} in #{i}");
                    ok!(p.vmo_op_range(h, ZX_VMO_OP_ZERO, off, len, &mut []));
                    live[i].bytes[off as usize..(off + len) as usize].fill(0);
                }
                7 if size > 0 => {
                    let off = rng.below(size);
                    let len = rng.below(size - off + 1);
                    what = format!("commit {len:#x} at {off:#x} in #{i}");
                    ok!(p.vmo_op_range(h, ZX_VMO_OP_COMMIT, off, len, &mut []));
                }
                8 if live[i].resizable => {
                    let new = rng.below(6 * P + 1);
                    what = format!("set_size #{i} to {new:#x}");
                    ok!(p.vmo_set_size(h, new));
                    let b = &mut live[i].bytes;
                    b.resize(round_up(new) as usize, 0);
                    b[new as usize..].fill(0);
                }
                9 if size > 0 => {
                    let off = rng.below(size / P) * P;
                    let len = rng.below((size - off) / P + 1) * P;
                    what = format!("decommit {len:#x} at {off:#x} in #{i}");
                    match p.vmo_op_range(h, ZX_VMO_OP_DECOMMIT, off, len, &mut []) {
                        Ok(()) => live[i].bytes[off as usize..(off + len) as usize].fill(0),
                        Err(s) if s == st(ZX_ERR_NOT_SUPPORTED) => {}
                        Err(s) => panic!("seed {seed} step {step}: {what}: {s}"),
                    }
                }
                _ => continue,
            }
            if let Err(e) = k.check_invariants() {
                panic!("seed {seed} step {step}: after {what}: {e}");
            }
            for (j, m) in live.iter().enumerate() {
                let got = read_vec(&p, m.handle, 0, m.bytes.len());
                if let Some(x) = got.iter().zip(&m.bytes).position(|(a, b)| a != b) {
                    panic!(
                        "seed {seed} step {step}: after {what}: #{j} byte {x:#x} is {:#x}, model {:#x}",
                        got[x], m.bytes[x]
                    );
                }
                assert_eq!(ok!(p.vmo_get_size(m.handle)), m.bytes.len() as u64);
            }
            // Every page the allocator holds is seen by somebody, and attributed exactly once.
            let mut scaled: u128 = 0;
            let mut seen = 0u64;
            for m in &live {
                let i = vmo_info(&p, m.handle);
                scaled += (u128::from(i.committed_scaled_bytes) << 63)
                    + u128::from(i.committed_fractional_scaled_bytes);
                seen += i.committed_bytes / P;
                assert!(i.committed_bytes <= i.size_bytes);
            }
            let held = u128::from(vmo_bytes(&k)) << 63;
            assert!(
                scaled <= held && held - scaled <= u128::from(seen.max(1)),
                "seed {seed} step {step}: after {what}: scaled sum {} vs vmo_bytes {}",
                scaled >> 63,
                vmo_bytes(&k)
            );
        }
        let handles: Vec<_> = live.iter().map(|m| m.handle).collect();
        finish(&k, &p, &handles);
    }
}
