//! Conformance tests for docs/reference.md §6 (memory attribution in `ZX_INFO_VMO`, RFC-0254): for a
//! page that `n` visible VMOs can see, `committed_bytes` counts it fully in each, the private
//! count only where `n == 1`, the scaled count `P/n` in each with the part below one byte in
//! `committed_fractional_scaled_bytes` (2^-63 units); `populated_*` equal `committed_*`; slices
//! and references show 0. Also checks the pages the allocator holds (`kmem_stats().vmo_bytes`).

use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Kernel, Process};

const SNAPSHOT: u32 = ZX_VMO_CHILD_SNAPSHOT;

/// One third of a byte in 2^-63 units, rounded down: the fractional part of 4096/3.
const THIRD: u64 = (1u64 << 63) / 3;

/// (committed, private, scaled, fractional) of a VMO, after checking that every `populated_*`
/// field equals its `committed_*` field.
#[track_caller]
fn attr(p: &Process, h: zx_handle_t) -> (u64, u64, u64, u64) {
    let i = vmo_info(p, h);
    assert_eq!(i.populated_bytes, i.committed_bytes, "populated_bytes of {h:#x}");
    assert_eq!(i.populated_private_bytes, i.committed_private_bytes, "populated_private of {h:#x}");
    assert_eq!(i.populated_scaled_bytes, i.committed_scaled_bytes, "populated_scaled of {h:#x}");
    assert_eq!(
        i.populated_fractional_scaled_bytes, i.committed_fractional_scaled_bytes,
        "populated_fractional_scaled of {h:#x}"
    );
    assert!(i.committed_private_bytes <= i.committed_bytes);
    assert!(i.committed_scaled_bytes <= i.committed_bytes);
    assert!(i.committed_bytes <= i.size_bytes, "committed beyond the size");
    (
        i.committed_bytes,
        i.committed_private_bytes,
        i.committed_scaled_bytes,
        i.committed_fractional_scaled_bytes,
    )
}

/// The sum of the scaled attribution of `handles`, in 2^-63 byte units, must be the memory the
/// allocator holds, up to the rounding of the fractional parts (less than one unit per VMO and
/// page).
#[track_caller]
fn assert_scaled_sum_is_memory(k: &Kernel, p: &Process, handles: &[zx_handle_t]) {
    let mut total: u128 = 0;
    let mut pages = 0u64;
    for &h in handles {
        let (c, _, s, f) = attr(p, h);
        assert!(f < 1 << 63, "fractional part {f:#x} is a whole byte or more");
        total += (u128::from(s) << 63) + u128::from(f);
        pages += c / P;
    }
    let want = u128::from(vmo_bytes(k)) << 63;
    assert!(total <= want, "scaled sum {} exceeds vmo_bytes {}", total >> 63, vmo_bytes(k));
    assert!(
        want - total <= u128::from(pages.max(1)),
        "scaled sum {} (+{} units) is not vmo_bytes {}",
        total >> 63,
        total & ((1 << 63) - 1),
        vmo_bytes(k)
    );
}

// ---------------------------------------------------------------------------------------------

#[test]
fn a_lone_vmo_owns_its_committed_pages_privately() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 0, 3], 0);
    assert_eq!(attr(&p, a), (2 * P, 2 * P, 2 * P, 0));
    assert_eq!(vmo_info(&p, a).share_count, 1);
    assert_eq!(vmo_info(&p, a).num_mappings, 0);
    finish(&k, &p, &[a]);
}

#[test]
fn worked_example_of_section_6() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let c = snap(&p, a, 0, 2 * P);
    assert_eq!(attr(&p, a), (2 * P, 0, P, 0), "parent after the snapshot");
    assert_eq!(attr(&p, c), (2 * P, 0, P, 0), "child after the snapshot");
    assert_eq!(vmo_bytes(&k), 2 * P);
    assert_scaled_sum_is_memory(&k, &p, &[a, c]);
    tag(&p, a, 0, 0x10);
    assert_eq!(attr(&p, a), (2 * P, P, 3 * P / 2, 0), "parent after writing page 0");
    assert_eq!(attr(&p, c), (2 * P, P, 3 * P / 2, 0), "child after the parent wrote page 0");
    assert_eq!(vmo_bytes(&k), 3 * P);
    assert_scaled_sum_is_memory(&k, &p, &[a, c]);
    // The child forks page 1: nothing is shared any more.
    tag(&p, c, 1, 0x21);
    assert_eq!(attr(&p, a), (2 * P, 2 * P, 2 * P, 0));
    assert_eq!(attr(&p, c), (2 * P, 2 * P, 2 * P, 0));
    assert_eq!(vmo_bytes(&k), 4 * P);
    finish(&k, &p, &[a, c]);
}

#[test]
fn closing_the_snapshot_makes_the_shared_pages_private_again() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let c = snap(&p, a, 0, 2 * P);
    tag(&p, a, 0, 0x10);
    ok!(p.handle_close(c));
    assert_clean(&k);
    assert_eq!(attr(&p, a), (2 * P, 2 * P, 2 * P, 0));
    assert_eq!(vmo_bytes(&k), 2 * P, "the child's view of page 0 is freed with it");
    // And the other way round: the parent closes.
    let c = snap(&p, a, 0, 2 * P);
    tag(&p, c, 1, 0x21);
    ok!(p.handle_close(a));
    assert_clean(&k);
    assert_eq!(attr(&p, c), (2 * P, 2 * P, 2 * P, 0));
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[c]);
}

#[test]
fn one_page_seen_by_three_siblings_is_split_in_thirds() {
    let (k, p) = setup();
    let a = tagged(&p, &[7], 0);
    let c1 = snap(&p, a, 0, P);
    let c2 = snap(&p, a, 0, P);
    // 4096 / 3 = 1365 + 1/3.
    for h in [a, c1, c2] {
        assert_eq!(attr(&p, h), (P, 0, 1365, THIRD), "VMO {h:#x}");
    }
    assert_eq!(THIRD, 3_074_457_345_618_258_602);
    assert_scaled_sum_is_memory(&k, &p, &[a, c1, c2]);
    // One of them forks the page: it owns its copy; the other two share the original.
    tag(&p, c1, 0, 8);
    assert_eq!(attr(&p, c1), (P, P, P, 0));
    assert_eq!(attr(&p, a), (P, 0, P / 2, 0));
    assert_eq!(attr(&p, c2), (P, 0, P / 2, 0));
    assert_scaled_sum_is_memory(&k, &p, &[a, c1, c2]);
    finish(&k, &p, &[a, c1, c2]);
}

#[test]
fn one_page_seen_by_a_chain_of_three_is_split_in_thirds() {
    let (k, p) = setup();
    let a = tagged(&p, &[7], 0);
    let b = snap(&p, a, 0, P);
    let c = snap(&p, b, 0, P);
    for h in [a, b, c] {
        assert_eq!(attr(&p, h), (P, 0, 1365, THIRD), "VMO {h:#x}");
    }
    // Closing the middle one leaves the page to two VMOs.
    ok!(p.handle_close(b));
    assert_clean(&k);
    assert_eq!(attr(&p, a), (P, 0, P / 2, 0));
    assert_eq!(attr(&p, c), (P, 0, P / 2, 0));
    assert_eq!(vmo_bytes(&k), P);
    finish(&k, &p, &[a, c]);
}

#[test]
fn one_page_seen_by_four_vmos_is_split_in_quarters() {
    let (k, p) = setup();
    let a = tagged(&p, &[7], 0);
    let b = snap(&p, a, 0, P);
    let c = snap(&p, a, 0, P);
    let d = snap(&p, b, 0, P);
    for h in [a, b, c, d] {
        assert_eq!(attr(&p, h), (P, 0, P / 4, 0), "VMO {h:#x}");
    }
    assert_scaled_sum_is_memory(&k, &p, &[a, b, c, d]);
    finish(&k, &p, &[a, b, c, d]);
}

#[test]
fn pages_with_different_sharing_add_up_per_page() {
    let (k, p) = setup();
    // Page 0 is seen by A and C (P/2 each); page 1 by A, B and C (P/3 each).
    let a = tagged(&p, &[1, 2], 0);
    let b = snap(&p, a, P, P);
    let c = snap(&p, a, 0, 2 * P);
    assert_eq!(attr(&p, a), (2 * P, 0, 2048 + 1365, THIRD));
    assert_eq!(attr(&p, c), (2 * P, 0, 2048 + 1365, THIRD));
    assert_eq!(attr(&p, b), (P, 0, 1365, THIRD));
    assert_scaled_sum_is_memory(&k, &p, &[a, b, c]);
    finish(&k, &p, &[a, b, c]);
}

#[test]
fn parent_pages_outside_the_childs_window_are_private() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3], 0);
    let c = snap(&p, a, P, P);
    assert_eq!(attr(&p, a), (3 * P, 2 * P, 5 * P / 2, 0));
    assert_eq!(attr(&p, c), (P, 0, P / 2, 0));
    assert_scaled_sum_is_memory(&k, &p, &[a, c]);
    ok!(p.handle_close(a));
    assert_clean(&k);
    assert_eq!(attr(&p, c), (P, P, P, 0));
    assert_eq!(vmo_bytes(&k), P);
    finish(&k, &p, &[c]);
}

#[test]
fn child_pages_past_the_parents_end_are_private() {
    let (k, p) = setup();
    let a = tagged(&p, &[1], 0);
    let c = snap(&p, a, 0, 2 * P);
    assert_eq!(attr(&p, c), (P, 0, P / 2, 0));
    tag(&p, c, 1, 2);
    assert_eq!(attr(&p, c), (2 * P, P, 3 * P / 2, 0));
    assert_eq!(attr(&p, a), (P, 0, P / 2, 0));
    assert_eq!(vmo_bytes(&k), 2 * P);
    assert_scaled_sum_is_memory(&k, &p, &[a, c]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn a_snapshot_of_an_uncommitted_vmo_commits_nothing() {
    let (k, p) = setup();
    let a = vmo(&p, 4 * P);
    let c = snap(&p, a, 0, 4 * P);
    assert_eq!(attr(&p, a), (0, 0, 0, 0));
    assert_eq!(attr(&p, c), (0, 0, 0, 0));
    tag(&p, c, 3, 1);
    assert_eq!(attr(&p, c), (P, P, P, 0));
    assert_eq!(attr(&p, a), (0, 0, 0, 0));
    finish(&k, &p, &[a, c]);
}

#[test]
fn slices_and_references_show_zero_and_their_pages_count_in_the_owner() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 0], 0);
    let s = child(&p, a, ZX_VMO_CHILD_SLICE, P, 2 * P);
    let r = child(&p, a, ZX_VMO_CHILD_REFERENCE, 0, 0);
    assert_eq!(attr(&p, s), (0, 0, 0, 0));
    assert_eq!(attr(&p, r), (0, 0, 0, 0));
    assert_eq!(attr(&p, a), (2 * P, 2 * P, 2 * P, 0));
    // A page committed through the slice and one through the reference belong to the owner.
    tag(&p, s, 1, 3); // the parent's page 2
    assert_eq!(attr(&p, s), (0, 0, 0, 0));
    assert_eq!(attr(&p, a), (3 * P, 3 * P, 3 * P, 0));
    ok!(p.vmo_op_range(r, ZX_VMO_OP_DECOMMIT, 0, P, &mut []));
    assert_eq!(attr(&p, r), (0, 0, 0, 0));
    assert_eq!(attr(&p, a), (2 * P, 2 * P, 2 * P, 0));
    assert_eq!(vmo_bytes(&k), 2 * P);
    // Nested slices too.
    let s2 = child(&p, s, ZX_VMO_CHILD_SLICE, 0, P);
    assert_eq!(attr(&p, s2), (0, 0, 0, 0));
    assert_scaled_sum_is_memory(&k, &p, &[a, s, r, s2]);
    finish(&k, &p, &[s2, s, r, a]);
}

#[test]
fn a_slice_does_not_count_as_a_sharer_of_a_snapshotted_page() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let s = child(&p, a, ZX_VMO_CHILD_SLICE, 0, 2 * P);
    let c = snap(&p, a, 0, 2 * P);
    // Two visible VMOs (A and C) see each page; the slice shows nothing.
    assert_eq!(attr(&p, a), (2 * P, 0, P, 0));
    assert_eq!(attr(&p, c), (2 * P, 0, P, 0));
    assert_eq!(attr(&p, s), (0, 0, 0, 0));
    // A write through the slice forks the page for A, as a write to A would.
    tag(&p, s, 0, 9);
    assert_eq!(attr(&p, a), (2 * P, P, 3 * P / 2, 0));
    assert_eq!(attr(&p, c), (2 * P, P, 3 * P / 2, 0));
    assert_eq!(attr(&p, s), (0, 0, 0, 0));
    assert_eq!(vmo_bytes(&k), 3 * P);
    finish(&k, &p, &[s, c, a]);
}

#[test]
fn a_snapshot_of_a_reference_shows_its_pages_and_the_reference_shows_none() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let r = child(&p, a, ZX_VMO_CHILD_REFERENCE, 0, 0);
    let c = snap(&p, r, 0, 2 * P);
    assert_eq!(attr(&p, r), (0, 0, 0, 0));
    assert_eq!(attr(&p, c).0, 2 * P);
    assert_eq!(attr(&p, a).0, 2 * P);
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[c, r, a]);
}

#[test]
fn zero_markers_are_not_committed() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let c = snap(&p, a, 0, 2 * P);
    ok!(p.vmo_op_range(c, ZX_VMO_OP_ZERO, 0, 2 * P, &mut []));
    assert_eq!(attr(&p, c), (0, 0, 0, 0));
    assert_eq!(attr(&p, a), (2 * P, 2 * P, 2 * P, 0), "the child no longer sees the pages");
    assert_eq!(vmo_bytes(&k), 2 * P);
    // ZERO in the parent: now nobody sees the pages and they go back to the allocator.
    ok!(p.vmo_op_range(a, ZX_VMO_OP_ZERO, 0, P, &mut []));
    assert_eq!(attr(&p, a), (P, P, P, 0));
    assert_eq!(vmo_bytes(&k), P);
    assert_scaled_sum_is_memory(&k, &p, &[a, c]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn commit_in_a_child_makes_every_page_private_to_it() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 0, 0], 0);
    let c = snap(&p, a, 0, 4 * P);
    assert_eq!(attr(&p, c), (2 * P, 0, P, 0));
    ok!(p.vmo_op_range(c, ZX_VMO_OP_COMMIT, 0, 4 * P, &mut []));
    assert_eq!(attr(&p, c), (4 * P, 4 * P, 4 * P, 0));
    assert_eq!(attr(&p, a), (2 * P, 2 * P, 2 * P, 0));
    assert_eq!(vmo_bytes(&k), 6 * P);
    assert_scaled_sum_is_memory(&k, &p, &[a, c]);
    finish(&k, &p, &[a, c]);
}

/// Zircon's resize test with RFC-0254 numbers: 4 pages, a resizable snapshot, one private write
/// on each side (A page 1, C page 2), then one side shrinks to one page.
#[test]
fn attribution_after_shrinking_the_child() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3, 4], ZX_VMO_RESIZABLE);
    let c = child(&p, a, SNAPSHOT | ZX_VMO_CHILD_RESIZABLE, 0, 4 * P);
    tag(&p, a, 1, 5);
    tag(&p, c, 2, 5);
    // Pages 0 and 3 shared; A owns page 1 and sees the original page 2; C the other way round.
    assert_eq!(attr(&p, a), (4 * P, 2 * P, 3 * P, 0));
    assert_eq!(attr(&p, c), (4 * P, 2 * P, 3 * P, 0));
    ok!(p.vmo_set_size(c, P));
    // C sees page 0 only (shared); A sees its page 1 and pages 0, 2, 3 (only 0 shared).
    assert_eq!(attr(&p, c), (P, 0, P / 2, 0));
    assert_eq!(attr(&p, a), (4 * P, 3 * P, 7 * P / 2, 0));
    assert_eq!(vmo_bytes(&k), 4 * P);
    assert_scaled_sum_is_memory(&k, &p, &[a, c]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn attribution_after_shrinking_the_parent() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3, 4], ZX_VMO_RESIZABLE);
    let c = child(&p, a, SNAPSHOT | ZX_VMO_CHILD_RESIZABLE, 0, 4 * P);
    tag(&p, a, 1, 5);
    tag(&p, c, 2, 5);
    ok!(p.vmo_set_size(a, P));
    assert_eq!(attr(&p, a), (P, 0, P / 2, 0));
    assert_eq!(attr(&p, c), (4 * P, 3 * P, 7 * P / 2, 0));
    assert_eq!(vmo_bytes(&k), 4 * P);
    // Growing the parent back shows nothing and commits nothing.
    ok!(p.vmo_set_size(a, 4 * P));
    assert_eq!(attr(&p, a), (P, 0, P / 2, 0));
    assert_scaled_sum_is_memory(&k, &p, &[a, c]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn attribution_of_a_tree_adds_up_to_the_memory_held() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3, 4], 0);
    let b = snap(&p, a, 0, 4 * P);
    let c = snap(&p, a, P, 2 * P);
    let d = snap(&p, b, 0, 3 * P);
    let e = snap(&p, d, 2 * P, 2 * P);
    let all = [a, b, c, d, e];
    assert_scaled_sum_is_memory(&k, &p, &all);
    let steps: [(usize, u64, u8); 6] =
        [(0, 0, 0x10), (1, 1, 0x21), (3, 2, 0x32), (4, 1, 0x41), (2, 0, 0x20), (1, 3, 0x23)];
    for (i, page, byte) in steps {
        tag(&p, all[i], page, byte);
        assert_clean(&k);
        assert_scaled_sum_is_memory(&k, &p, &all);
    }
    // Sanity of the RSS counts: every VMO sees at most its size.
    let (ca, _, _, _) = attr(&p, a);
    assert_eq!(ca, 4 * P);
    assert_eq!(attr(&p, e).0, P + P, "E sees the original page 2 of A and its own page 1");
    for (n, &h) in all.iter().enumerate().rev() {
        ok!(p.handle_close(h));
        assert_clean(&k);
        assert_scaled_sum_is_memory(&k, &p, &all[..n]);
    }
    assert_no_leak(&k);
}
