//! Conformance tests for docs/reference.md §8, part 2: what a transfer does, between root VMOs,
//! from and into snapshot families, and under threads.
//!
//! Shared helpers: `tests/src/transfer.rs`.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::Duration;
use zx_conformance::transfer::*;
use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig};

// ---------------------------------------------------------------------------------------------
// Effects: root VMOs
// ---------------------------------------------------------------------------------------------

#[test]
fn root_to_root_moves_the_same_physical_pages_and_committed_bytes() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let src = seeded(&p, 4, 0x20);
    let dst = vmo(&p, 4 * P);
    tag(&p, dst, 3, 0xD3);
    let addrs = dev.addrs(&p, src, 1, 2);
    assert_eq!(vmo_bytes(&k), 5 * P);
    let free_before = free_bytes(&k);

    xfer(&p, dst, 2 * P, 2 * P, src, P);

    assert_pages(&p, dst, &[0, 0, tag_byte(0x20, 1), tag_byte(0x20, 2)], "dst");
    assert_pages(&p, src, &[tag_byte(0x20, 0), 0, 0, tag_byte(0x20, 3)], "src");
    assert_eq!(committed(&p, src), 2 * P, "a root src loses the committed bytes");
    assert_eq!(committed(&p, dst), 2 * P, "dst gains them (and lost its own page 3)");
    assert_eq!(vmo_bytes(&k), 4 * P, "dst's old page 3 was released, nothing allocated");
    assert_eq!(free_bytes(&k), free_before + P);
    assert_eq!(dev.addrs(&p, dst, 2, 2), addrs, "the same physical pages are in dst");
    assert_eq!(vmo_bytes(&k), 4 * P);
    finish(&k, &p, &[src, dst]);
    dev.close(&p);
    assert_no_leak(&k);
}

#[test]
fn a_page_moved_back_and_forth_keeps_its_physical_address() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let a = seeded(&p, 3, 0x11);
    let b = vmo(&p, 3 * P);
    let addrs = dev.addrs(&p, a, 0, 3);
    for round in 0..5 {
        xfer(&p, b, 0, 3 * P, a, 0);
        xfer(&p, a, 0, 3 * P, b, 0);
        assert_eq!(vmo_bytes(&k), 3 * P, "round {round}");
    }
    assert_eq!(dev.addrs(&p, a, 0, 3), addrs);
    assert_pages(&p, a, &[tag_byte(0x11, 0), tag_byte(0x11, 1), tag_byte(0x11, 2)], "a");
    assert_pages(&p, b, &[0, 0, 0], "b");
    assert_eq!(committed(&p, b), 0);
    finish(&k, &p, &[a, b]);
    dev.close(&p);
    assert_no_leak(&k);
}

#[test]
fn an_uncommitted_src_page_makes_the_dst_page_zero() {
    let (k, p) = setup();
    let src = vmo(&p, 4 * P);
    tag(&p, src, 1, 0x51);
    let dst = seeded(&p, 4, 0x10);
    assert_eq!(vmo_bytes(&k), 5 * P);
    xfer(&p, dst, 0, 4 * P, src, 0);
    assert_pages(&p, dst, &[0, 0x51, 0, 0], "dst");
    assert_pages(&p, src, &[0, 0, 0, 0], "src");
    assert_eq!(committed(&p, dst), P);
    assert_eq!(committed(&p, src), 0);
    assert_eq!(vmo_bytes(&k), P, "dst's 3 overwritten pages were released");
    // A wholly uncommitted src works too and commits nothing.
    let empty = vmo(&p, 4 * P);
    xfer(&p, dst, 0, 4 * P, empty, 0);
    assert_pages(&p, dst, &[0, 0, 0, 0], "dst");
    assert_eq!(committed(&p, dst), 0);
    assert_eq!(vmo_bytes(&k), 0);
    finish(&k, &p, &[src, dst, empty]);
}

#[test]
fn overlap_within_one_vmo_forward_and_backward_is_memmove() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let t = |i: u64| tag_byte(0x70, i);

    // Forward: [0, 4P) -> [2P, 6P).
    let v = seeded(&p, 6, 0x70);
    let addrs = dev.addrs(&p, v, 0, 4);
    xfer(&p, v, 2 * P, 4 * P, v, 0);
    assert_pages(&p, v, &[0, 0, t(0), t(1), t(2), t(3)], "forward");
    assert_eq!(committed(&p, v), 4 * P);
    assert_eq!(vmo_bytes(&k), 4 * P, "the 2 overwritten pages are released, none allocated");
    assert_eq!(dev.addrs(&p, v, 2, 4), addrs, "forward overlap moves the pages");

    // Backward: [2P, 6P) -> [0, 4P), through a second handle.
    let w = seeded(&p, 6, 0x70);
    let w2 = dup(&p, w, VMO_RIGHTS);
    xfer(&p, w, 0, 4 * P, w2, 2 * P);
    assert_pages(&p, w, &[t(2), t(3), t(4), t(5), 0, 0], "backward");
    assert_eq!(committed(&p, w), 4 * P);

    // One page apart: [0, 5P) -> [P, 6P) and back.
    let x = seeded(&p, 6, 0x70);
    xfer(&p, x, P, 5 * P, x, 0);
    assert_pages(&p, x, &[0, t(0), t(1), t(2), t(3), t(4)], "shift up by one");
    xfer(&p, x, 0, 5 * P, x, P);
    assert_pages(&p, x, &[t(0), t(1), t(2), t(3), t(4), 0], "shift down by one");
    assert_clean(&k);
    finish(&k, &p, &[v, w, w2, x]);
    dev.close(&p);
    assert_no_leak(&k);
}

#[test]
fn overlap_through_a_slice_of_the_same_vmo_is_memmove() {
    let (k, p) = setup();
    let t = |i: u64| tag_byte(0x71, i);
    let v = seeded(&p, 4, 0x71);
    let s = child(&p, v, SLICE, P, 3 * P);
    // s[0, 2P) is v[P, 3P): move v[0, 2P) there.
    xfer(&p, s, 0, 2 * P, v, 0);
    assert_pages(&p, v, &[0, t(0), t(1), t(3)], "v");
    assert_pages(&p, s, &[t(0), t(1), t(3)], "slice");
    // And back down, from the slice into v.
    xfer(&p, v, 0, 2 * P, s, 0);
    assert_pages(&p, v, &[t(0), t(1), 0, t(3)], "v after moving back");
    // A slice and its parent over exactly the same pages: dst wins everywhere, so nothing
    // changes although these are different VMOs (different koids) and every check runs.
    let s0 = child(&p, v, SLICE, 0, 4 * P);
    xfer(&p, s0, 0, 4 * P, v, 0);
    assert_pages(&p, v, &[t(0), t(1), 0, t(3)], "v after moving onto itself through a slice");
    assert_eq!(committed(&p, v), 3 * P);
    assert_eq!(committed(&p, s), 0, "slices show 0");
    assert_eq!(vmo_bytes(&k), 3 * P);
    finish(&k, &p, &[s0, s, v]);
}

// ---------------------------------------------------------------------------------------------
// Effects: snapshot children and parents of snapshots as src
// ---------------------------------------------------------------------------------------------

#[test]
fn src_snapshot_child_moves_private_pages_and_copies_shared_ones() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let a = |i: u64| tag_byte(0xA0, i);
    let parent = seeded(&p, 3, 0xA0);
    let c = child(&p, parent, SNAPSHOT, 0, 3 * P);
    tag(&p, c, 0, 0xC0); // private to c
    let private_addr = dev.addrs(&p, c, 0, 1);
    let dst = vmo(&p, 3 * P);
    assert_eq!(vmo_bytes(&k), 4 * P);

    xfer(&p, dst, 0, 3 * P, c, 0);

    assert_pages(&p, dst, &[0xC0, a(1), a(2)], "dst holds what c held");
    assert_pages(&p, c, &[0, 0, 0], "c reads zero, never the parent's content");
    assert_pages(&p, parent, &[a(0), a(1), a(2)], "the parent keeps its view");
    assert_eq!(vmo_bytes(&k), 6 * P, "2 shared pages were copied, the private one moved");
    assert_eq!(committed(&p, dst), 3 * P);
    assert_eq!(committed(&p, c), 0);
    assert_eq!(committed(&p, parent), 3 * P);
    assert_eq!(dev.addrs(&p, dst, 0, 1), private_addr, "the private page moved");
    // The copies are independent of the parent.
    tag(&p, parent, 1, 0xEE);
    assert_pages(&p, dst, &[0xC0, a(1), a(2)], "dst after a parent write");
    tag(&p, dst, 2, 0xDD);
    assert_pages(&p, parent, &[a(0), 0xEE, a(2)], "parent after a dst write");
    // c still reads zero (its zero markers hide the parent).
    assert_pages(&p, c, &[0, 0, 0], "c");
    assert_clean(&k);
    // Closing the parent leaves c as it is.
    ok!(p.handle_close(parent));
    assert_pages(&p, c, &[0, 0, 0], "c after the parent is closed");
    assert_eq!(vmo_bytes(&k), 3 * P);
    finish(&k, &p, &[c, dst]);
    dev.close(&p);
    assert_no_leak(&k);
}

#[test]
fn src_parent_of_a_snapshot_copies_shared_pages_and_the_child_keeps_its_view() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let a = |i: u64| tag_byte(0xA4, i);
    let parent = seeded(&p, 3, 0xA4);
    let c = child(&p, parent, SNAPSHOT, 0, 3 * P);
    tag(&p, parent, 0, 0xB0); // the parent's own page
    let private_addr = dev.addrs(&p, parent, 0, 1);
    let dst = vmo(&p, 3 * P);
    assert_eq!(vmo_bytes(&k), 4 * P);

    xfer(&p, dst, 0, 3 * P, parent, 0);

    assert_pages(&p, dst, &[0xB0, a(1), a(2)], "dst");
    assert_pages(&p, parent, &[0, 0, 0], "the parent reads zero");
    assert_pages(&p, c, &[a(0), a(1), a(2)], "the child keeps its view");
    assert_eq!(vmo_bytes(&k), 6 * P, "2 copies");
    assert_eq!(committed(&p, parent), 0);
    assert_eq!(committed(&p, dst), 3 * P);
    assert_eq!(committed(&p, c), 3 * P);
    assert_eq!(dev.addrs(&p, dst, 0, 1), private_addr);
    // The child is now the only viewer of the old pages.
    assert_eq!(vmo_info(&p, c).committed_private_bytes, 3 * P);
    finish(&k, &p, &[c, parent, dst]);
    dev.close(&p);
    assert_no_leak(&k);
}

#[test]
fn src_snapshot_with_a_sibling_the_sibling_and_parent_keep_their_views() {
    let (k, p) = setup();
    let a = |i: u64| tag_byte(0xA8, i);
    let parent = seeded(&p, 2, 0xA8);
    let c1 = child(&p, parent, SNAPSHOT, 0, 2 * P);
    let c2 = child(&p, parent, SNAPSHOT, 0, 2 * P);
    let dst = vmo(&p, 2 * P);
    xfer(&p, dst, 0, 2 * P, c1, 0);
    assert_pages(&p, dst, &[a(0), a(1)], "dst");
    assert_pages(&p, c1, &[0, 0], "c1");
    assert_pages(&p, c2, &[a(0), a(1)], "c2");
    assert_pages(&p, parent, &[a(0), a(1)], "parent");
    assert_eq!(vmo_bytes(&k), 4 * P);
    // Now the other sibling.
    xfer(&p, dst, 0, 2 * P, c2, 0);
    assert_pages(&p, c2, &[0, 0], "c2");
    assert_pages(&p, parent, &[a(0), a(1)], "parent");
    assert_pages(&p, dst, &[a(0), a(1)], "dst");
    assert_eq!(vmo_bytes(&k), 4 * P, "2 new copies, dst's 2 old pages released");
    // And the parent, now the pages' only viewer: moved.
    xfer(&p, dst, 0, 2 * P, parent, 0);
    assert_pages(&p, parent, &[0, 0], "parent");
    assert_pages(&p, dst, &[a(0), a(1)], "dst");
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[c1, c2, parent, dst]);
}

#[test]
fn src_deep_in_a_snapshot_chain_reads_zero_afterwards() {
    let (k, p) = setup();
    let a = |i: u64| tag_byte(0xAC, i);
    let root = seeded(&p, 3, 0xAC);
    let c1 = child(&p, root, SNAPSHOT, 0, 3 * P);
    tag(&p, c1, 1, 0xC1);
    let c2 = child(&p, c1, SNAPSHOT, 0, 3 * P);
    let c3 = child(&p, c2, SNAPSHOT, 0, 3 * P);
    tag(&p, c3, 2, 0xC3);
    let dst = seeded(&p, 3, 0x10);
    xfer(&p, dst, 0, 3 * P, c3, 0);
    assert_pages(&p, dst, &[a(0), 0xC1, 0xC3], "dst");
    assert_pages(&p, c3, &[0, 0, 0], "c3");
    assert_pages(&p, c2, &[a(0), 0xC1, a(2)], "c2");
    assert_pages(&p, c1, &[a(0), 0xC1, a(2)], "c1");
    assert_pages(&p, root, &[a(0), a(1), a(2)], "root");
    assert_clean(&k);
    // Close the middle of the chain: every survivor keeps its view.
    ok!(p.handle_close(c2));
    ok!(p.handle_close(c1));
    assert_pages(&p, c3, &[0, 0, 0], "c3 after closing its ancestors");
    assert_pages(&p, root, &[a(0), a(1), a(2)], "root");
    finish(&k, &p, &[root, c3, dst]);
}

#[test]
fn src_snapshot_child_beyond_its_parents_end_and_partial_ranges() {
    let (k, p) = setup();
    let a = |i: u64| tag_byte(0xB4, i);
    let parent = seeded(&p, 2, 0xB4);
    let c = child(&p, parent, SNAPSHOT, 0, 4 * P);
    tag(&p, c, 3, 0xC3); // past the parent's end
    let dst = seeded(&p, 4, 0x10);
    xfer(&p, dst, 0, 3 * P, c, P);
    assert_pages(&p, dst, &[a(1), 0, 0xC3, tag_byte(0x10, 3)], "dst");
    assert_pages(&p, c, &[a(0), 0, 0, 0], "c");
    assert_pages(&p, parent, &[a(0), a(1)], "parent");
    finish(&k, &p, &[c, parent, dst]);
}

#[test]
fn src_slice_and_reference_move_their_parents_pages() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let t = |i: u64| tag_byte(0xB8, i);
    let v = seeded(&p, 4, 0xB8);
    let s = child(&p, v, SLICE, P, 2 * P);
    let r = child(&p, v, REFERENCE, 0, 0);
    let addrs = dev.addrs(&p, v, 0, 4);
    let dst = vmo(&p, 4 * P);

    xfer(&p, dst, 0, 2 * P, s, 0);
    assert_pages(&p, dst, &[t(1), t(2), 0, 0], "dst from the slice");
    assert_pages(&p, v, &[t(0), 0, 0, t(3)], "v");
    assert_pages(&p, s, &[0, 0], "slice");
    assert_pages(&p, r, &[t(0), 0, 0, t(3)], "reference");
    assert_eq!(committed(&p, v), 2 * P);
    assert_eq!(committed(&p, s), 0);
    assert_eq!(committed(&p, dst), 2 * P);
    assert_eq!(vmo_bytes(&k), 4 * P);

    xfer(&p, dst, 2 * P, 2 * P, r, 2 * P);
    assert_pages(&p, dst, &[t(1), t(2), 0, t(3)], "dst from the reference");
    assert_pages(&p, v, &[t(0), 0, 0, 0], "v");
    assert_eq!(committed(&p, v), P);
    assert_eq!(committed(&p, r), 0);
    assert_eq!(vmo_bytes(&k), 4 * P);
    assert_eq!(dev.addrs(&p, dst, 0, 2), addrs[1..3].to_vec());
    assert_eq!(dev.addrs(&p, dst, 3, 1), addrs[3..4].to_vec());
    finish(&k, &p, &[s, r, v, dst]);
    dev.close(&p);
    assert_no_leak(&k);
}

#[test]
fn src_slice_of_a_snapshot_child() {
    let (k, p) = setup();
    let a = |i: u64| tag_byte(0xBC, i);
    let parent = seeded(&p, 4, 0xBC);
    let c = child(&p, parent, SNAPSHOT, 0, 4 * P);
    tag(&p, c, 2, 0xC2);
    let s = child(&p, c, SLICE, P, 2 * P);
    let dst = vmo(&p, 2 * P);
    xfer(&p, dst, 0, 2 * P, s, 0);
    assert_pages(&p, dst, &[a(1), 0xC2], "dst");
    assert_pages(&p, c, &[a(0), 0, 0, a(3)], "c");
    assert_pages(&p, s, &[0, 0], "slice");
    assert_pages(&p, parent, &[a(0), a(1), a(2), a(3)], "parent");
    finish(&k, &p, &[s, c, parent, dst]);
}

// ---------------------------------------------------------------------------------------------
// Effects: snapshot children and parents of snapshots as dst
// ---------------------------------------------------------------------------------------------

#[test]
fn dst_snapshot_child_gets_the_pages_and_its_parent_keeps_the_old_content() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let a = |i: u64| tag_byte(0xC4, i);
    let s = |i: u64| tag_byte(0x24, i);
    let parent = seeded(&p, 3, 0xC4);
    let c = child(&p, parent, SNAPSHOT, 0, 3 * P);
    let src = seeded(&p, 2, 0x24);
    let addrs = dev.addrs(&p, src, 0, 2);
    assert_eq!(vmo_bytes(&k), 5 * P);

    xfer(&p, c, P, 2 * P, src, 0);
    assert_pages(&p, c, &[a(0), s(0), s(1)], "child");
    assert_pages(&p, parent, &[a(0), a(1), a(2)], "parent keeps the old content");
    assert_pages(&p, src, &[0, 0], "src");
    assert_eq!(vmo_bytes(&k), 5 * P, "moved, nothing copied or freed");
    assert_eq!(committed(&p, c), 3 * P);
    assert_eq!(committed(&p, src), 0);
    assert_eq!(dev.addrs(&p, c, 1, 2), addrs, "the src pages themselves are in the child");
    finish(&k, &p, &[c, parent, src]);
    dev.close(&p);
    assert_no_leak(&k);
}

#[test]
fn uncommitted_src_into_a_snapshot_child_hides_the_parents_content() {
    let (k, p) = setup();
    let a = |i: u64| tag_byte(0xC8, i);
    let parent = seeded(&p, 3, 0xC8);
    let c = child(&p, parent, SNAPSHOT, 0, 3 * P);
    tag(&p, c, 2, 0xC2);
    let src = vmo(&p, 3 * P);
    xfer(&p, c, 0, 3 * P, src, 0);
    assert_pages(&p, c, &[0, 0, 0], "the child reads zero where the parent has data");
    assert_pages(&p, parent, &[a(0), a(1), a(2)], "parent");
    assert_eq!(committed(&p, c), 0);
    assert_eq!(vmo_bytes(&k), 3 * P, "the child's own page was released");
    // The zeros stick: closing the parent does not bring its content back.
    ok!(p.handle_close(parent));
    assert_pages(&p, c, &[0, 0, 0], "child after the parent is closed");
    assert_eq!(vmo_bytes(&k), 0, "nothing visible holds the old pages any more");
    finish(&k, &p, &[c, src]);
}

#[test]
fn dst_parent_of_a_snapshot_the_child_keeps_the_old_content() {
    let (k, p) = setup();
    let a = |i: u64| tag_byte(0xCC, i);
    let s = |i: u64| tag_byte(0x2C, i);
    let parent = seeded(&p, 3, 0xCC);
    let c = child(&p, parent, SNAPSHOT, 0, 3 * P);
    let src = seeded(&p, 3, 0x2C);
    xfer(&p, parent, 0, 3 * P, src, 0);
    assert_pages(&p, parent, &[s(0), s(1), s(2)], "parent");
    assert_pages(&p, c, &[a(0), a(1), a(2)], "a snapshot of dst keeps the old content");
    assert_pages(&p, src, &[0, 0, 0], "src");
    assert_eq!(vmo_bytes(&k), 6 * P);
    assert_eq!(vmo_info(&p, c).committed_private_bytes, 3 * P);
    assert_eq!(vmo_info(&p, parent).committed_private_bytes, 3 * P);
    // Two children and a grandchild, transfer into one child: the others keep theirs.
    let c2 = child(&p, parent, SNAPSHOT, 0, 3 * P);
    let g = child(&p, c2, SNAPSHOT, 0, 3 * P);
    let src2 = seeded(&p, 3, 0x3C);
    xfer(&p, c2, 0, 3 * P, src2, 0);
    assert_pages(&p, c2, &[tag_byte(0x3C, 0), tag_byte(0x3C, 1), tag_byte(0x3C, 2)], "c2");
    assert_pages(&p, g, &[s(0), s(1), s(2)], "grandchild keeps c2's old content");
    assert_pages(&p, parent, &[s(0), s(1), s(2)], "parent");
    assert_pages(&p, c, &[a(0), a(1), a(2)], "c");
    finish(&k, &p, &[g, c2, c, parent, src, src2]);
}

#[test]
fn dst_slice_and_reference_put_pages_in_their_parent() {
    let (k, p) = setup();
    let s = |i: u64| tag_byte(0x34, i);
    let v = vmo(&p, 4 * P);
    let slice = child(&p, v, SLICE, 2 * P, 2 * P);
    let reference = child(&p, v, REFERENCE, 0, 0);
    let src = seeded(&p, 4, 0x34);
    xfer(&p, slice, 0, 2 * P, src, 0);
    assert_pages(&p, v, &[0, 0, s(0), s(1)], "v through the slice");
    assert_eq!(committed(&p, v), 2 * P, "pages are attributed to the slice's parent");
    assert_eq!(committed(&p, slice), 0);
    xfer(&p, reference, 0, P, src, 2 * P);
    assert_pages(&p, v, &[s(2), 0, s(0), s(1)], "v through the reference");
    assert_eq!(committed(&p, v), 3 * P);
    assert_eq!(committed(&p, reference), 0);
    assert_pages(&p, reference, &[s(2), 0, s(0), s(1)], "reference");
    assert_pages(&p, src, &[0, 0, 0, s(3)], "src");
    assert_eq!(vmo_bytes(&k), 4 * P);
    finish(&k, &p, &[slice, reference, v, src]);
}

#[test]
fn slices_and_references_of_both_sides_see_the_change() {
    let (k, p) = setup();
    let s = |i: u64| tag_byte(0x38, i);
    let d = |i: u64| tag_byte(0x18, i);
    let src = seeded(&p, 4, 0x38);
    let dst = seeded(&p, 4, 0x18);
    let src_slice = child(&p, src, SLICE, 0, 2 * P);
    let src_ref = child(&p, src, REFERENCE, 0, 0);
    let dst_slice = child(&p, dst, SLICE, 2 * P, 2 * P);
    let dst_ref = child(&p, dst, REFERENCE, 0, 0);
    let dst_ref_slice = child(&p, dst_ref, SLICE, 3 * P, P);
    xfer(&p, dst, 2 * P, 2 * P, src, P);
    assert_pages(&p, src_slice, &[s(0), 0], "src slice");
    assert_pages(&p, src_ref, &[s(0), 0, 0, s(3)], "src reference");
    assert_pages(&p, dst_slice, &[s(1), s(2)], "dst slice");
    assert_pages(&p, dst_ref, &[d(0), d(1), s(1), s(2)], "dst reference");
    assert_pages(&p, dst_ref_slice, &[s(2)], "slice of the dst reference");
    finish(&k, &p, &[src_slice, src_ref, dst_slice, dst_ref_slice, dst_ref, src, dst]);
}

#[test]
fn transfers_within_one_snapshot_family() {
    let (k, p) = setup();
    let a = |i: u64| tag_byte(0xD0, i);
    let parent = seeded(&p, 2, 0xD0);
    let c = child(&p, parent, SNAPSHOT, 0, 2 * P);
    tag(&p, parent, 1, 0xB1);
    // From the parent into its own child.
    xfer(&p, c, 0, 2 * P, parent, 0);
    assert_pages(&p, c, &[a(0), 0xB1], "child");
    assert_pages(&p, parent, &[0, 0], "parent");
    assert_clean(&k);
    // And from the child back into the parent.
    tag(&p, c, 0, 0xC0);
    xfer(&p, parent, 0, 2 * P, c, 0);
    assert_pages(&p, parent, &[0xC0, 0xB1], "parent");
    assert_pages(&p, c, &[0, 0], "child");
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[c, parent]);
}

#[test]
fn overlap_within_a_snapshot_child_copies_shared_pages() {
    let (k, p) = setup();
    let a = |i: u64| tag_byte(0xD4, i);
    let parent = seeded(&p, 4, 0xD4);
    let c = child(&p, parent, SNAPSHOT, 0, 4 * P);
    tag(&p, c, 1, 0xC1);
    xfer(&p, c, P, 3 * P, c, 0);
    assert_pages(&p, c, &[0, a(0), 0xC1, a(2)], "child");
    assert_pages(&p, parent, &[a(0), a(1), a(2), a(3)], "parent");
    // And downwards.
    xfer(&p, c, 0, 3 * P, c, P);
    assert_pages(&p, c, &[a(0), 0xC1, a(2), 0], "child, back down");
    assert_pages(&p, parent, &[a(0), a(1), a(2), a(3)], "parent");
    finish(&k, &p, &[c, parent]);
}

#[test]
fn from_a_snapshot_child_into_its_own_parent() {
    let (k, p) = setup();
    let a = |i: u64| tag_byte(0xD8, i);
    let parent = seeded(&p, 3, 0xD8);
    let c = child(&p, parent, SNAPSHOT, 0, 3 * P);
    tag(&p, c, 2, 0xC2);
    xfer(&p, parent, 0, 3 * P, c, 0);
    assert_pages(&p, parent, &[a(0), a(1), 0xC2], "parent");
    assert_pages(&p, c, &[0, 0, 0], "child");
    assert_eq!(vmo_bytes(&k), 3 * P, "no page is left that only the old view could see");
    assert_eq!(committed(&p, parent), 3 * P);
    assert_eq!(committed(&p, c), 0);
    finish(&k, &p, &[c, parent]);
}

#[test]
fn from_a_snapshot_child_into_its_sibling() {
    let (k, p) = setup();
    let a = |i: u64| tag_byte(0xDC, i);
    let parent = seeded(&p, 2, 0xDC);
    let c1 = child(&p, parent, SNAPSHOT, 0, 2 * P);
    let c2 = child(&p, parent, SNAPSHOT, 0, 2 * P);
    tag(&p, c1, 0, 0xC0);
    tag(&p, c2, 1, 0xC1);
    xfer(&p, c2, 0, 2 * P, c1, 0);
    assert_pages(&p, c2, &[0xC0, a(1)], "c2");
    assert_pages(&p, c1, &[0, 0], "c1");
    assert_pages(&p, parent, &[a(0), a(1)], "parent");
    finish(&k, &p, &[c1, c2, parent]);
}

#[test]
fn snapshot_children_at_an_offset_on_either_side() {
    let (k, p) = setup();
    let a = |i: u64| tag_byte(0xE0, i);
    let parent = seeded(&p, 4, 0xE0);
    let c = child(&p, parent, SNAPSHOT, 2 * P, 2 * P);
    let d = child(&p, parent, SNAPSHOT, P, 3 * P);
    // c[0, 2P) is parent[2P, 4P); d[P, 3P) is parent[2P, 4P) as well.
    xfer(&p, d, P, 2 * P, c, 0);
    assert_pages(&p, d, &[a(1), a(2), a(3)], "d (same content, now its own copies)");
    assert_pages(&p, c, &[0, 0], "c");
    let dst = vmo(&p, 2 * P);
    xfer(&p, dst, 0, 2 * P, d, 0);
    assert_pages(&p, dst, &[a(1), a(2)], "dst");
    assert_pages(&p, d, &[0, 0, a(3)], "d");
    assert_pages(&p, parent, &[a(0), a(1), a(2), a(3)], "parent");
    finish(&k, &p, &[c, d, parent, dst]);
}

#[test]
fn src_reads_zero_where_a_cut_off_parent_region_was_grown_back() {
    let (k, p) = setup();
    let a = |i: u64| tag_byte(0xE4, i);
    // The parent shrinks and grows back: it reads zero past the cut, while its snapshot child
    // keeps the old pages (in the hidden node). A transfer out of the parent must move zeros.
    let parent = vmo_opts(&p, 4 * P, ZX_VMO_RESIZABLE);
    for i in 0..4 {
        tag(&p, parent, i, a(i));
    }
    let c = child(&p, parent, SNAPSHOT, 0, 4 * P);
    ok!(p.vmo_set_size(parent, P));
    ok!(p.vmo_set_size(parent, 4 * P));
    let dst = seeded(&p, 4, 0x10);
    xfer(&p, dst, 0, 4 * P, parent, 0);
    assert_pages(&p, dst, &[a(0), 0, 0, 0], "dst");
    assert_pages(&p, parent, &[0, 0, 0, 0], "parent");
    assert_pages(&p, c, &[a(0), a(1), a(2), a(3)], "child");
    // The same for a resizable child that shrank and grew back.
    let c2 = child(&p, c, SNAPSHOT | ZX_VMO_CHILD_RESIZABLE, 0, 4 * P);
    ok!(p.vmo_set_size(c2, 2 * P));
    ok!(p.vmo_set_size(c2, 4 * P));
    let dst2 = seeded(&p, 4, 0x20);
    xfer(&p, dst2, 0, 4 * P, c2, 0);
    assert_pages(&p, dst2, &[a(0), a(1), 0, 0], "dst2");
    assert_pages(&p, c2, &[0, 0, 0, 0], "c2");
    assert_pages(&p, c, &[a(0), a(1), a(2), a(3)], "c");
    finish(&k, &p, &[c2, c, parent, dst, dst2]);
}

#[test]
fn pages_a_relative_no_longer_sees_are_moved_not_copied() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let a = |i: u64| tag_byte(0xE8, i);
    // The parent is closed: the child is the pages' only viewer.
    let parent = seeded(&p, 2, 0xE8);
    let c = child(&p, parent, SNAPSHOT, 0, 2 * P);
    ok!(p.handle_close(parent));
    let dst = vmo(&p, 2 * P);
    xfer(&p, dst, 0, 2 * P, c, 0);
    assert_pages(&p, dst, &[a(0), a(1)], "dst");
    assert_eq!(vmo_bytes(&k), 2 * P, "no copy once the parent is gone");
    // The child overwrote every page: the parent's old pages are its own alone.
    let parent2 = seeded(&p, 2, 0xEC);
    let c2 = child(&p, parent2, SNAPSHOT, 0, 2 * P);
    tag(&p, c2, 0, 0xC0);
    tag(&p, c2, 1, 0xC1);
    assert_eq!(vmo_bytes(&k), 6 * P);
    let dst2 = vmo(&p, 2 * P);
    xfer(&p, dst2, 0, 2 * P, parent2, 0);
    assert_pages(&p, dst2, &[tag_byte(0xEC, 0), tag_byte(0xEC, 1)], "dst2");
    assert_pages(&p, c2, &[0xC0, 0xC1], "c2");
    assert_eq!(vmo_bytes(&k), 6 * P, "no copy for pages the child no longer sees");
    finish(&k, &p, &[c, dst, c2, parent2, dst2]);
    dev.close(&p);
    assert_no_leak(&k);
}

#[test]
fn a_snapshot_taken_after_a_transfer_sees_the_moved_pages() {
    let (k, p) = setup();
    let s = |i: u64| tag_byte(0xF0, i);
    let src = seeded(&p, 2, 0xF0);
    let dst = vmo(&p, 2 * P);
    xfer(&p, dst, 0, 2 * P, src, 0);
    let snap = child(&p, dst, SNAPSHOT, 0, 2 * P);
    let src_snap = child(&p, src, SNAPSHOT, 0, 2 * P);
    assert_pages(&p, snap, &[s(0), s(1)], "snapshot of dst");
    assert_pages(&p, src_snap, &[0, 0], "snapshot of src");
    // Transfer again into dst: the snapshot keeps the first content.
    let src2 = seeded(&p, 2, 0xF4);
    xfer(&p, dst, 0, 2 * P, src2, 0);
    assert_pages(&p, snap, &[s(0), s(1)], "snapshot of dst after a second transfer");
    assert_pages(&p, dst, &[tag_byte(0xF4, 0), tag_byte(0xF4, 1)], "dst");
    assert_eq!(vmo_bytes(&k), 4 * P);
    finish(&k, &p, &[snap, src_snap, src, src2, dst]);
}

// ---------------------------------------------------------------------------------------------
// Threads
// ---------------------------------------------------------------------------------------------

/// Joins `threads`, failing the test if they do not finish within `limit` (a deadlock).
fn join_within(threads: Vec<thread::JoinHandle<()>>, limit: Duration, what: &str) {
    let (tx, rx) = mpsc::channel();
    let joiner = thread::spawn(move || {
        for t in threads {
            if t.join().is_err() {
                let _ = tx.send(false);
                return;
            }
        }
        let _ = tx.send(true);
    });
    match rx.recv_timeout(limit) {
        Ok(true) => joiner.join().unwrap(),
        Ok(false) => panic!("{what}: a thread panicked"),
        Err(_) => panic!("{what}: threads did not finish within {limit:?} (deadlock?)"),
    }
}

#[test]
fn closing_the_parent_of_a_snapshot_src_during_a_large_transfer() {
    const PAGES: u64 = 4096;
    let byte = |i: u64| tag_byte(0x5A, i);
    for round in 0..3u32 {
        let k = Kernel::new(KernelConfig { memory_bytes: 64 << 20, ..KernelConfig::default() });
        let p = k.create_process();
        let parent = vmo(&p, PAGES * P);
        let content: Vec<u8> =
            (0..PAGES).flat_map(|i| std::iter::repeat_n(byte(i), P as usize)).collect();
        ok!(p.vmo_write(parent, &content, 0));
        let src = child(&p, parent, SNAPSHOT, 0, PAGES * P);
        // The child owns every third page; the rest it shares with the parent.
        let mut want = content.clone();
        for i in (0..PAGES).step_by(3) {
            fill(&p, src, i * P, 1, 0xC3);
            want[(i * P) as usize] = 0xC3;
        }
        let dst = vmo(&p, PAGES * P);

        let barrier = Arc::new(Barrier::new(2));
        let (p1, b1) = (p.clone(), barrier.clone());
        let mover = thread::spawn(move || {
            b1.wait();
            p1.vmo_transfer_data(dst, 0, 0, PAGES * P, src, 0)
        });
        let (p2, b2) = (p.clone(), barrier.clone());
        let closer = thread::spawn(move || {
            b2.wait();
            // Vary the timing a little from round to round; a write to the parent is allowed
            // too and must not show in the child's data.
            for _ in 0..round * 1000 {
                std::hint::spin_loop();
            }
            if round == 2 {
                p2.vmo_write(parent, &[0xEE; 64], 5 * P).expect("write to the parent");
            }
            p2.handle_close(parent).expect("close the parent");
        });
        let result = mover.join().unwrap();
        closer.join().unwrap();
        assert!(result.is_ok(), "round {round}: transfer failed with {:?}", result.err());

        let got = read_vec(&p, dst, 0, (PAGES * P) as usize);
        if let Some(j) = got.iter().zip(&want).position(|(x, y)| x != y) {
            panic!("round {round}: dst byte {j:#x} is {:#04x}, expected {:#04x}", got[j], want[j]);
        }
        let src_now = read_vec(&p, src, 0, (PAGES * P) as usize);
        assert!(src_now.iter().all(|&b| b == 0), "round {round}: src does not read zero");
        assert_eq!(committed(&p, dst), PAGES * P);
        assert_eq!(committed(&p, src), 0);
        assert_eq!(vmo_bytes(&k), PAGES * P, "round {round}: only dst's pages are left");
        finish(&k, &p, &[src, dst]);
    }
}

#[test]
fn opposite_transfers_between_two_vmos_never_deadlock_and_conserve_pages() {
    const ROUNDS: usize = 20_000;
    let (k, p) = setup();
    let a = seeded(&p, 16, 0x61);
    let b = vmo(&p, 16 * P);
    // b holds pages 8..16 and a pages 0..8 to begin with.
    xfer(&p, b, 8 * P, 8 * P, a, 8 * P);
    let lo: Vec<u8> =
        (0..8).flat_map(|i| std::iter::repeat_n(tag_byte(0x61, i), P as usize)).collect();
    let hi: Vec<u8> =
        (8..16).flat_map(|i| std::iter::repeat_n(tag_byte(0x61, i), P as usize)).collect();
    let before = vmo_bytes(&k);
    assert_eq!(before, 16 * P);

    let stop = Arc::new(AtomicBool::new(false));
    let torn = Arc::new(AtomicU64::new(0));
    let mut threads = Vec::new();
    // Thread 1 moves the low half a -> b, then back b -> a.
    let p1 = p.clone();
    threads.push(thread::spawn(move || {
        for _ in 0..ROUNDS {
            p1.vmo_transfer_data(b, 0, 0, 8 * P, a, 0).expect("a -> b");
            p1.vmo_transfer_data(a, 0, 0, 8 * P, b, 0).expect("b -> a");
        }
    }));
    // Thread 2 moves the high half the other way round: b -> a, then a -> b.
    let p2 = p.clone();
    threads.push(thread::spawn(move || {
        for _ in 0..ROUNDS {
            p2.vmo_transfer_data(a, 0, 8 * P, 8 * P, b, 8 * P).expect("b -> a");
            p2.vmo_transfer_data(b, 0, 8 * P, 8 * P, a, 8 * P).expect("a -> b");
        }
    }));
    // A reader: a transfer is atomic, so a's low half is all data or all zero, never half.
    let (p3, stop3, torn3, lo3) = (p.clone(), stop.clone(), torn.clone(), lo.clone());
    let reader = thread::spawn(move || {
        let mut buf = vec![0u8; 8 * P as usize];
        while !stop3.load(Ordering::Relaxed) {
            p3.vmo_read(a, &mut buf, 0).expect("read a");
            if buf != lo3 && buf.iter().any(|&x| x != 0) {
                torn3.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    // Check page conservation while the threads run.
    let (k4, stop4) = (k.clone(), stop.clone());
    let counter = thread::spawn(move || {
        let mut worst = 0;
        while !stop4.load(Ordering::Relaxed) {
            worst = worst.max(k4.kmem_stats().vmo_bytes);
            thread::yield_now();
        }
        worst
    });
    join_within(threads, Duration::from_secs(30), "opposite transfers");
    stop.store(true, Ordering::Relaxed);
    reader.join().unwrap();
    let worst = counter.join().unwrap();

    assert_eq!(torn.load(Ordering::Relaxed), 0, "a reader saw a half-moved range");
    assert!(worst <= 16 * P, "vmo_bytes grew to {worst} during the transfers (pages duplicated)");
    assert_eq!(vmo_bytes(&k), 16 * P, "pages conserved");
    assert_eq!(read_vec(&p, a, 0, 8 * P as usize), lo, "a's low half came back");
    assert_eq!(read_vec(&p, b, 8 * P, 8 * P as usize), hi, "b's high half came back");
    assert!(read_vec(&p, a, 8 * P, 8 * P as usize).iter().all(|&x| x == 0));
    assert!(read_vec(&p, b, 0, 8 * P as usize).iter().all(|&x| x == 0));
    finish(&k, &p, &[a, b]);
}

#[test]
fn opposite_transfers_within_one_snapshot_family_never_deadlock() {
    const ROUNDS: usize = 10_000;
    let (k, p) = setup();
    let parent = seeded(&p, 8, 0x62);
    let c = child(&p, parent, SNAPSHOT, 0, 8 * P);
    // Each side owns its own pages from here on.
    for i in 0..8 {
        tag(&p, parent, i, 0xA0 + i as u8);
        tag(&p, c, i, 0xC0 + i as u8);
    }
    let other = vmo(&p, 8 * P);
    // Move c's high half into other first, so that thread 2's first move (other -> c) brings
    // it back.
    xfer(&p, other, 4 * P, 4 * P, c, 4 * P);
    let mut threads = Vec::new();
    let p1 = p.clone();
    threads.push(thread::spawn(move || {
        for _ in 0..ROUNDS {
            p1.vmo_transfer_data(other, 0, 0, 4 * P, parent, 0).expect("parent -> other");
            p1.vmo_transfer_data(parent, 0, 0, 4 * P, other, 0).expect("other -> parent");
        }
    }));
    let p2 = p.clone();
    threads.push(thread::spawn(move || {
        for _ in 0..ROUNDS {
            p2.vmo_transfer_data(c, 0, 4 * P, 4 * P, other, 4 * P).expect("other -> c");
            p2.vmo_transfer_data(other, 0, 4 * P, 4 * P, c, 4 * P).expect("c -> other");
        }
    }));
    let p3 = p.clone();
    threads.push(thread::spawn(move || {
        for _ in 0..ROUNDS {
            p3.vmo_transfer_data(c, 0, 0, 2 * P, parent, 6 * P).expect("parent -> c");
            p3.vmo_transfer_data(parent, 0, 6 * P, 2 * P, c, 0).expect("c -> parent");
        }
    }));
    join_within(threads, Duration::from_secs(30), "transfers within one family");
    assert_clean(&k);
    assert_pages(&p, parent, &[0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7], "parent");
    assert_eq!(page_bytes(&p, c, 8)[2..], [0xC2, 0xC3, 0, 0, 0, 0], "c's high half stays in other");
    assert_eq!(
        vmo_bytes(&k),
        16 * P - 2 * P,
        "c's pages 0..2 were overwritten by parent's and returned"
    );
    finish(&k, &p, &[c, parent, other]);
}
