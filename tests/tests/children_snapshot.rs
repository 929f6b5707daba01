//! Conformance tests for docs/reference.md §5, part 2: SNAPSHOT (and ALOW / SNAPSHOT_MODIFIED on
//! anonymous parents) and what fork-on-write costs in pages.
//!
//! Attribution (§6) has its own file, `attribution.rs`; the shared helpers (`snap`, `tag`,
//! `tagged`, `pages`, `finish`) are in `tests/src/lib.rs`.

use zx_conformance::children::*;
use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::Process;

// ---------------------------------------------------------------------------------------------
// SNAPSHOT
// ---------------------------------------------------------------------------------------------

#[test]
fn snapshot_reads_the_parent_content_and_reports_its_identity() {
    let (k, p) = setup();
    let a = vmo(&p, 3 * P);
    let data = pattern(3, (3 * P) as usize);
    ok!(p.vmo_write(a, &data, 0));
    let a_koid = koid_of(&p, a);
    let c = snap(&p, a, 0, 3 * P);
    assert_eq!(read_vec(&p, c, 0, data.len()), data);
    assert_eq!(read_vec(&p, a, 0, data.len()), data);
    let ci = vmo_info(&p, c);
    assert_ne!(ci.koid, a_koid);
    assert_eq!(ci.koid, koid_of(&p, c));
    assert_eq!(ci.parent_koid, a_koid);
    assert_eq!(ci.num_children, 0);
    assert_eq!(ci.size_bytes, 3 * P);
    assert_eq!(
        ci.flags,
        ZX_INFO_VMO_TYPE_PAGED | ZX_INFO_VMO_VIA_HANDLE | ZX_INFO_VMO_IS_COW_CLONE,
        "flags {:#x}",
        ci.flags
    );
    let ai = vmo_info(&p, a);
    assert_eq!(ai.koid, a_koid, "the parent keeps its koid");
    assert_eq!(ai.parent_koid, 0);
    assert_eq!(ai.num_children, 1);
    assert_eq!(ai.flags & ZX_INFO_VMO_IS_COW_CLONE, 0);
    assert_eq!(basic(&p, c).type_, ZX_OBJ_TYPE_VMO);
    assert_clean(&k);
    finish(&k, &p, &[a, c]);
}

#[test]
fn snapshot_writes_on_either_side_are_invisible_to_the_other() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xA0, 0xA1, 0xA2], 0);
    let c = snap(&p, a, 0, 3 * P);
    tag(&p, a, 0, 0xB0);
    tag(&p, c, 1, 0xC1);
    // Unaligned writes across a page boundary on both sides.
    ok!(p.vmo_write(a, &[0xEE; 100], 2 * P - 50));
    ok!(p.vmo_write(c, &[0xDD; 100], 3 * P - 100));
    let mut want_a = vec![0xB0u8; P as usize];
    want_a.extend(vec![0xA1u8; P as usize]);
    want_a.extend(vec![0xA2u8; P as usize]);
    want_a[(2 * P - 50) as usize..(2 * P + 50) as usize].fill(0xEE);
    let mut want_c = vec![0xA0u8; P as usize];
    want_c.extend(vec![0xC1u8; P as usize]);
    want_c.extend(vec![0xA2u8; P as usize]);
    want_c[(3 * P - 100) as usize..].fill(0xDD);
    assert_eq!(read_vec(&p, a, 0, 3 * P as usize), want_a);
    assert_eq!(read_vec(&p, c, 0, 3 * P as usize), want_c);
    assert_clean(&k);
    finish(&k, &p, &[a, c]);
}

#[test]
fn snapshot_of_an_uncommitted_parent_reads_zero_and_diverges() {
    let (k, p) = setup();
    let a = vmo(&p, 2 * P);
    let c = snap(&p, a, 0, 2 * P);
    assert_eq!(pages(&p, c, 2), [0, 0]);
    tag(&p, a, 0, 1);
    tag(&p, c, 1, 2);
    assert_eq!(pages(&p, a, 2), [1, 0]);
    assert_eq!(pages(&p, c, 2), [0, 2]);
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[a, c]);
}

#[test]
fn snapshot_size_rounds_up_and_content_size_is_the_unrounded_size() {
    let (k, p) = setup();
    let a = tagged(&p, &[5, 6, 7], 0);
    for size in [0, 1, 100, P - 1, P, P + 1, 5000, 3 * P, 3 * P + 7] {
        for o in [SNAPSHOT, ALOW, MODIFIED] {
            let c = child(&p, a, o, 0, size);
            assert_eq!(ok!(p.vmo_get_size(c)), round_up(size), "size of child({o:#x}, {size})");
            assert_eq!(vmo_info(&p, c).size_bytes, round_up(size));
            assert_eq!(content_size(&p, c), size, "content size of child({o:#x}, {size})");
            if size > 0 {
                assert_bytes(&p, c, 0, 1, 5);
            }
            ok!(p.handle_close(c));
        }
    }
    finish(&k, &p, &[a]);
}

#[test]
fn snapshot_offset_must_be_page_aligned() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3, 4], 0);
    for o in [SNAPSHOT, ALOW, MODIFIED, SNAPSHOT | NO_WRITE, SNAPSHOT | CHILD_RESIZABLE] {
        for off in [1, 100, P - 1, P + 1, 2 * P + 2048] {
            assert_err!(p.vmo_create_child(a, o, off, P), ZX_ERR_INVALID_ARGS, "{o:#x} {off:#x}");
        }
    }
    let c = snap(&p, a, 2 * P, 2 * P);
    assert_eq!(pages(&p, c, 2), [3, 4]);
    assert_eq!(vmo_info(&p, a).num_children, 1);
    finish(&k, &p, &[a, c]);
}

#[test]
fn snapshot_offset_plus_size_overflow_is_invalid_args() {
    let (k, p) = setup();
    let a = tagged(&p, &[1], 0);
    for o in [SNAPSHOT, ALOW, MODIFIED] {
        for (off, size) in [(TOP_PAGE, P + 1), (TOP_PAGE, 2 * P), (TOP_PAGE, MAX_SIZE)] {
            assert_err!(
                p.vmo_create_child(a, o, off, size),
                ZX_ERR_INVALID_ARGS,
                "child({o:#x}, {off:#x}, {size:#x})"
            );
        }
    }
    assert_eq!(vmo_info(&p, a).num_children, 0);
    finish(&k, &p, &[a]);
}

#[test]
fn snapshot_extending_past_the_parent_reads_zero_there_and_is_writable() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xAA], 0);
    let c = snap(&p, a, 0, 3 * P);
    assert_eq!(pages(&p, c, 3), [0xAA, 0, 0]);
    tag(&p, c, 2, 0xC2);
    ok!(p.vmo_write(c, b"tail", P + 10));
    assert_eq!(pages(&p, c, 1), [0xAA]);
    assert_eq!(read_vec(&p, c, P + 8, 8), [0, 0, b't', b'a', b'i', b'l', 0, 0]);
    assert_bytes(&p, c, 2 * P, P as usize, 0xC2);
    assert_eq!(ok!(p.vmo_get_size(a)), P, "the parent keeps its size");
    assert_eq!(pages(&p, a, 1), [0xAA]);
    // A window that starts past the parent's end sees nothing of it.
    let far = snap(&p, a, 4 * P, 2 * P);
    assert_eq!(pages(&p, far, 2), [0, 0]);
    tag(&p, far, 1, 0xF1);
    assert_eq!(pages(&p, far, 2), [0, 0xF1]);
    // The parent writing its page does not reach the child's extension.
    tag(&p, a, 0, 0xBB);
    assert_eq!(pages(&p, c, 1), [0xAA]);
    finish(&k, &p, &[a, c, far]);
}

#[test]
fn snapshot_survives_closing_the_parent_and_the_parent_survives_closing_the_child() {
    let (k, p) = setup();
    // Parent closed first.
    let a = tagged(&p, &[1, 2, 3], 0);
    let c = snap(&p, a, 0, 3 * P);
    tag(&p, c, 1, 0x21);
    tag(&p, a, 2, 0x32);
    ok!(p.handle_close(a));
    assert_clean(&k);
    assert_eq!(pages(&p, c, 3), [1, 0x21, 3]);
    tag(&p, c, 0, 0x10);
    assert_eq!(pages(&p, c, 3), [0x10, 0x21, 3]);
    ok!(p.handle_close(c));
    assert_no_leak(&k);
    // Child closed first.
    let a = tagged(&p, &[1, 2, 3], 0);
    let c = snap(&p, a, 0, 3 * P);
    tag(&p, c, 1, 0x21);
    tag(&p, a, 2, 0x32);
    ok!(p.handle_close(c));
    assert_clean(&k);
    assert_eq!(pages(&p, a, 3), [1, 2, 0x32]);
    assert_eq!(vmo_info(&p, a).num_children, 0);
    tag(&p, a, 0, 0x10);
    assert_eq!(pages(&p, a, 3), [0x10, 2, 0x32]);
    finish(&k, &p, &[a]);
}

#[test]
fn snapshot_of_a_slice_is_not_supported() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    let sl = child(&p, a, SLICE, 0, 2 * P);
    assert_err!(p.vmo_create_child(sl, SNAPSHOT, 0, 2 * P), ZX_ERR_NOT_SUPPORTED);
    assert_err!(p.vmo_create_child(sl, SNAPSHOT | NO_WRITE, 0, P), ZX_ERR_NOT_SUPPORTED);
    assert_err!(p.vmo_create_child(sl, SNAPSHOT | CHILD_RESIZABLE, P, P), ZX_ERR_NOT_SUPPORTED);
    let nested = child(&p, sl, SLICE, P, P);
    assert_err!(p.vmo_create_child(nested, SNAPSHOT, 0, P), ZX_ERR_NOT_SUPPORTED);
    assert_eq!(vmo_info(&p, sl).num_children, 1);
    assert_eq!(vmo_info(&p, nested).num_children, 0);
    // The parent itself can still be snapshotted.
    let c = snap(&p, a, 0, 2 * P);
    assert_eq!(pages(&p, c, 2), [1, 2]);
    finish(&k, &p, &[nested, sl, c, a]);
}

#[test]
fn snapshot_of_a_reference_works() {
    let (k, p) = setup();
    let a = tagged(&p, &[0x11, 0x12], 0);
    let r = child(&p, a, REFERENCE, 0, 0);
    let c = snap(&p, r, 0, 2 * P);
    let ci = vmo_info(&p, c);
    assert_eq!(ci.parent_koid, koid_of(&p, r), "parent_koid is the VMO the child was made from");
    assert_ne!(ci.flags & ZX_INFO_VMO_IS_COW_CLONE, 0);
    assert_eq!(vmo_info(&p, r).num_children, 1);
    assert_eq!(pages(&p, c, 2), [0x11, 0x12]);
    tag(&p, a, 0, 0x21); // the parent writes: the reference sees it, the snapshot does not
    tag(&p, r, 1, 0x22); // the reference writes: the parent sees it, the snapshot does not
    tag(&p, c, 0, 0x31); // the snapshot writes: nobody else sees it
    assert_eq!(pages(&p, a, 2), [0x21, 0x22]);
    assert_eq!(pages(&p, r, 2), [0x21, 0x22]);
    assert_eq!(pages(&p, c, 2), [0x31, 0x12]);
    assert_clean(&k);
    ok!(p.handle_close(r));
    ok!(p.handle_close(a));
    assert_eq!(pages(&p, c, 2), [0x31, 0x12]);
    finish(&k, &p, &[c]);
}

/// A chain A → B → C → D where each level writes one page after its creation.
fn build_chain(p: &Process) -> [zx_handle_t; 4] {
    let a = tagged(p, &[0x10, 0x10, 0x10, 0x10], 0);
    let b = snap(p, a, 0, 4 * P);
    tag(p, b, 1, 0x21);
    let c = snap(p, b, 0, 4 * P);
    tag(p, c, 2, 0x32);
    let d = snap(p, c, 0, 4 * P);
    tag(p, d, 3, 0x43);
    // Writes after the whole chain exists are seen by the writer only.
    tag(p, a, 0, 0x14);
    tag(p, b, 3, 0x23);
    [a, b, c, d]
}

const CHAIN_VIEW: [[u8; 4]; 4] = [
    [0x14, 0x10, 0x10, 0x10],
    [0x10, 0x21, 0x10, 0x23],
    [0x10, 0x21, 0x32, 0x10],
    [0x10, 0x21, 0x32, 0x43],
];

#[test]
fn snapshot_chain_of_depth_four_each_sees_its_own_writes_and_its_inheritance() {
    let (k, p) = setup();
    let chain = build_chain(&p);
    for (i, &h) in chain.iter().enumerate() {
        assert_eq!(pages(&p, h, 4), CHAIN_VIEW[i], "VMO {i} of the chain");
    }
    for i in 1..4 {
        assert_eq!(vmo_info(&p, chain[i]).parent_koid, koid_of(&p, chain[i - 1]));
        assert_eq!(vmo_info(&p, chain[i - 1]).num_children, 1);
    }
    assert_eq!(vmo_info(&p, chain[3]).num_children, 0);
    assert_clean(&k);
    finish(&k, &p, &chain);
}

#[test]
fn snapshot_chain_closed_in_every_order_keeps_the_survivors_data() {
    let (k, p) = setup();
    let mut orders = Vec::new();
    permutations(&mut [0, 1, 2, 3], 0, &mut orders);
    assert_eq!(orders.len(), 24);
    for order in orders {
        let chain = build_chain(&p);
        let mut open = [true; 4];
        for &i in &order {
            ok!(p.handle_close(chain[i]));
            open[i] = false;
            if let Err(e) = k.check_invariants() {
                panic!("order {order:?}, after closing {i}: {e}");
            }
            for j in 0..4 {
                if open[j] {
                    assert_eq!(
                        pages(&p, chain[j], 4),
                        CHAIN_VIEW[j],
                        "order {order:?}: VMO {j} after closing {i}"
                    );
                }
            }
            // Writing into a survivor still works and changes only it.
            if let Some(j) = (0..4).find(|&j| open[j]) {
                tag(&p, chain[j], 0, CHAIN_VIEW[j][0]);
            }
        }
        assert_no_leak(&k);
    }
}

fn permutations(v: &mut [usize; 4], at: usize, out: &mut Vec<[usize; 4]>) {
    if at == v.len() {
        out.push(*v);
        return;
    }
    for i in at..v.len() {
        v.swap(at, i);
        permutations(v, at + 1, out);
        v.swap(at, i);
    }
}

#[test]
fn snapshot_tree_of_depth_three_with_offsets() {
    let (k, p) = setup();
    // A: 4 pages 1..4. B = A[1P, 4P) ; C = A[0, 2P) ; D = B[1P, 3P) ; E = B[0, 2P) ; F = D[0, 3P)
    let a = tagged(&p, &[1, 2, 3, 4], 0);
    let b = snap(&p, a, P, 3 * P);
    let c = snap(&p, a, 0, 2 * P);
    tag(&p, b, 0, 0xB0); // B's page 0 = A's page 1
    let d = snap(&p, b, P, 2 * P);
    let e = snap(&p, b, 0, 2 * P);
    tag(&p, a, 2, 0xA2);
    tag(&p, d, 1, 0xD1);
    let f = snap(&p, d, 0, 3 * P);
    tag(&p, e, 1, 0xE1);
    tag(&p, c, 1, 0xC1);
    tag(&p, f, 2, 0xF2);
    assert_eq!(pages(&p, a, 4), [1, 2, 0xA2, 4]);
    assert_eq!(pages(&p, b, 3), [0xB0, 3, 4]);
    assert_eq!(pages(&p, c, 2), [1, 0xC1]);
    assert_eq!(pages(&p, d, 2), [3, 0xD1]);
    assert_eq!(pages(&p, e, 2), [0xB0, 0xE1]);
    assert_eq!(pages(&p, f, 3), [3, 0xD1, 0xF2]);
    assert_eq!(vmo_info(&p, a).num_children, 2);
    assert_eq!(vmo_info(&p, b).num_children, 2);
    assert_eq!(vmo_info(&p, d).num_children, 1);
    assert_eq!(vmo_info(&p, f).parent_koid, koid_of(&p, d));
    assert_clean(&k);
    // Close the inner nodes first: the leaves keep everything.
    ok!(p.handle_close(b));
    ok!(p.handle_close(a));
    ok!(p.handle_close(d));
    assert_clean(&k);
    assert_eq!(pages(&p, c, 2), [1, 0xC1]);
    assert_eq!(pages(&p, e, 2), [0xB0, 0xE1]);
    assert_eq!(pages(&p, f, 3), [3, 0xD1, 0xF2]);
    // Only pages a live VMO can see are kept: C 2, E 2, F 3 (no page is shared any more).
    assert_eq!(vmo_bytes(&k), 7 * P);
    finish(&k, &p, &[c, e, f]);
}

#[test]
fn many_snapshots_of_one_parent_are_independent() {
    let (k, p) = setup();
    let a = tagged(&p, &[9, 9, 9], 0);
    let kids: Vec<_> = (0..3).map(|_| snap(&p, a, 0, 3 * P)).collect();
    for (i, &c) in kids.iter().enumerate() {
        tag(&p, c, i as u64, 0x50 + i as u8);
        assert_eq!(vmo_info(&p, c).parent_koid, koid_of(&p, a));
    }
    assert_eq!(vmo_info(&p, a).num_children, 3);
    assert_eq!(pages(&p, a, 3), [9, 9, 9]);
    assert_eq!(pages(&p, kids[0], 3), [0x50, 9, 9]);
    assert_eq!(pages(&p, kids[1], 3), [9, 0x51, 9]);
    assert_eq!(pages(&p, kids[2], 3), [9, 9, 0x52]);
    ok!(p.handle_close(a));
    ok!(p.handle_close(kids[1]));
    assert_clean(&k);
    assert_eq!(pages(&p, kids[0], 3), [0x50, 9, 9]);
    assert_eq!(pages(&p, kids[2], 3), [9, 9, 0x52]);
    finish(&k, &p, &[kids[0], kids[2]]);
}

#[test]
fn parent_grown_after_the_snapshot_is_not_seen_by_the_child() {
    let (k, p) = setup();
    let a = tagged(&p, &[0xAA], ZX_VMO_RESIZABLE);
    let c = snap(&p, a, 0, 3 * P);
    ok!(p.vmo_set_size(a, 3 * P));
    tag(&p, a, 1, 0xA1);
    tag(&p, a, 2, 0xA2);
    assert_eq!(pages(&p, a, 3), [0xAA, 0xA1, 0xA2]);
    assert_eq!(pages(&p, c, 3), [0xAA, 0, 0]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn parent_shrunk_and_regrown_reads_zero_while_its_snapshot_keeps_its_data() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3, 4], ZX_VMO_RESIZABLE);
    let c = snap(&p, a, 0, 4 * P);
    ok!(p.vmo_set_size(a, P));
    assert_clean(&k);
    ok!(p.vmo_set_size(a, 4 * P));
    // The parent itself: the region cut off reads zero.
    assert_eq!(pages(&p, a, 4), [1, 0, 0, 0]);
    // The snapshot made before the shrink keeps what it saw at its creation (§5: later changes
    // on either side are invisible to the other; Zircon's vmo-clone resize tests).
    assert_eq!(pages(&p, c, 4), [1, 2, 3, 4]);
    // New parent writes in the regrown region are not seen by the snapshot either.
    tag(&p, a, 2, 0x77);
    assert_eq!(pages(&p, c, 4), [1, 2, 3, 4]);
    assert_eq!(pages(&p, a, 4), [1, 0, 0x77, 0]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn snapshot_made_after_a_shrink_never_sees_the_cut_pages() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3], ZX_VMO_RESIZABLE);
    ok!(p.vmo_set_size(a, P));
    let c = snap(&p, a, 0, 3 * P);
    ok!(p.vmo_set_size(a, 3 * P));
    assert_eq!(pages(&p, a, 3), [1, 0, 0]);
    assert_eq!(pages(&p, c, 3), [1, 0, 0]);
    tag(&p, a, 1, 0x21);
    assert_eq!(pages(&p, c, 3), [1, 0, 0]);
    // Page 1, and page 2 that was cut, are not held for anybody: A's page 0 and 1 only.
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[a, c]);
}

#[test]
fn a_resizable_snapshot_grown_past_its_window_reads_zero() {
    let (k, p) = setup();
    // A resizable child made of the parent's first page, grown: the new page reads zero even
    // though the parent has data there (Zircon's resize_grow_test).
    let a = tagged(&p, &[1, 2], 0);
    let c = child(&p, a, SNAPSHOT | CHILD_RESIZABLE, 0, P);
    assert_ne!(vmo_info(&p, c).flags & ZX_INFO_VMO_RESIZABLE, 0);
    ok!(p.vmo_set_size(c, 2 * P));
    assert_eq!(pages(&p, c, 2), [1, 0]);
    let before = vmo_bytes(&k);
    tag(&p, a, 1, 3); // the parent alone sees its page 1: no fork, no new page
    assert_eq!(vmo_bytes(&k), before);
    assert_eq!(pages(&p, c, 2), [1, 0]);
    assert_eq!(pages(&p, a, 2), [1, 3]);
    finish(&k, &p, &[a, c]);
}

#[test]
fn alow_and_snapshot_modified_on_anonymous_parents_behave_as_snapshot() {
    let (k, p) = setup();
    for o in [ALOW, MODIFIED] {
        let a = tagged(&p, &[0x61, 0x62], 0);
        let c = child(&p, a, o, 0, 3 * P);
        let i = vmo_info(&p, c);
        assert_ne!(i.flags & ZX_INFO_VMO_IS_COW_CLONE, 0, "{o:#x}: flags {:#x}", i.flags);
        assert_eq!(i.parent_koid, koid_of(&p, a));
        assert_eq!(pages(&p, c, 3), [0x61, 0x62, 0]);
        // Bidirectional: the parent's later writes do not show in the child.
        tag(&p, a, 0, 0x71);
        tag(&p, c, 1, 0x82);
        tag(&p, c, 2, 0x83);
        assert_eq!(pages(&p, a, 2), [0x71, 0x62], "{o:#x}");
        assert_eq!(pages(&p, c, 3), [0x61, 0x82, 0x83], "{o:#x}");
        // The snapshot checks apply.
        assert_err!(p.vmo_create_child(a, o, 1, P), ZX_ERR_INVALID_ARGS);
        assert_err!(p.vmo_create_child(a, o, TOP_PAGE, 2 * P), ZX_ERR_INVALID_ARGS);
        // Chains.
        let g = child(&p, c, o, 0, 3 * P);
        tag(&p, c, 0, 0x91);
        assert_eq!(pages(&p, g, 3), [0x61, 0x82, 0x83], "{o:#x}");
        // Either side closes first.
        ok!(p.handle_close(a));
        ok!(p.handle_close(c));
        assert_clean(&k);
        assert_eq!(pages(&p, g, 3), [0x61, 0x82, 0x83], "{o:#x}");
        ok!(p.handle_close(g));
        assert_no_leak(&k);
    }
}

// ---------------------------------------------------------------------------------------------
// what fork-on-write costs
// ---------------------------------------------------------------------------------------------

#[test]
fn a_snapshot_costs_nothing_and_its_first_write_to_a_shared_page_costs_one_page() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2], 0);
    assert_eq!(vmo_bytes(&k), 2 * P);
    let c = snap(&p, a, 0, 2 * P);
    assert_eq!(vmo_bytes(&k), 2 * P, "creating a snapshot allocates no page");
    fill(&p, c, 10, 1, 0x42);
    assert_eq!(vmo_bytes(&k), 3 * P, "the first write forks one page");
    fill(&p, c, 20, 100, 0x43);
    assert_eq!(vmo_bytes(&k), 3 * P, "a second write to the forked page is free");
    fill(&p, a, P, 1, 0x44);
    assert_eq!(vmo_bytes(&k), 4 * P, "the parent forking page 1 costs one page");
    fill(&p, a, 0, 1, 0x45);
    assert_eq!(vmo_bytes(&k), 4 * P, "the parent alone sees the hidden page 0: moved");
    fill(&p, c, P + 5, 1, 0x46);
    assert_eq!(vmo_bytes(&k), 4 * P, "the child alone sees the hidden page 1: moved");
    assert_clean(&k);
    ok!(p.handle_close(a));
    assert_eq!(vmo_bytes(&k), 2 * P);
    finish(&k, &p, &[c]);
}

#[test]
fn after_the_parent_closes_the_childs_writes_move_pages_instead_of_copying() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3], 0);
    let c = snap(&p, a, 0, 3 * P);
    tag(&p, c, 0, 0x10);
    assert_eq!(vmo_bytes(&k), 4 * P);
    ok!(p.handle_close(a));
    assert_clean(&k);
    assert_eq!(vmo_bytes(&k), 3 * P, "the parent's page 0 is seen by nobody: freed");
    tag(&p, c, 1, 0x11);
    assert_eq!(vmo_bytes(&k), 3 * P, "moved, not copied");
    tag(&p, c, 2, 0x12);
    assert_eq!(vmo_bytes(&k), 3 * P, "moved, not copied");
    assert_eq!(pages(&p, c, 3), [0x10, 0x11, 0x12]);
    finish(&k, &p, &[c]);
}

#[test]
fn parent_writes_outside_every_childs_window_cost_no_page() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3], 0);
    let c = snap(&p, a, P, P);
    assert_eq!(pages(&p, c, 1), [2]);
    tag(&p, a, 0, 4);
    tag(&p, a, 2, 5);
    assert_eq!(vmo_bytes(&k), 3 * P);
    assert_eq!(pages(&p, c, 1), [2]);
    // Closing the parent frees everything the child cannot see.
    ok!(p.handle_close(a));
    assert_clean(&k);
    assert_eq!(vmo_bytes(&k), P);
    assert_eq!(pages(&p, c, 1), [2]);
    finish(&k, &p, &[c]);
}

#[test]
fn writes_into_a_family_of_uncommitted_snapshots_cost_one_page_each() {
    let (k, p) = setup();
    let v0 = vmo(&p, P);
    let v1 = snap(&p, v0, 0, P);
    let v2 = snap(&p, v0, 0, P);
    let v3 = snap(&p, v1, 0, P);
    let all = [v0, v1, v2, v3];
    assert_eq!(vmo_bytes(&k), 0);
    for (i, &h) in all.iter().enumerate() {
        fill(&p, h, 0, 4, i as u8 + 1);
        for (j, &o) in all.iter().enumerate() {
            let want = if j <= i { j as u8 + 1 } else { 0 };
            assert_eq!(read_vec(&p, o, 0, 4), [want; 4], "VMO {j} after write {i}");
        }
        assert_eq!(vmo_bytes(&k), (i as u64 + 1) * P);
    }
    finish(&k, &p, &all);
}

#[test]
fn disjoint_snapshots_keep_only_their_own_pages_after_the_parents_close() {
    let (k, p) = setup();
    let a = tagged(&p, &[1, 2, 3, 4], 0);
    let mid = snap(&p, a, P, 2 * P);
    let leaves =
        [snap(&p, a, 0, P), snap(&p, mid, 0, P), snap(&p, mid, P, P), snap(&p, a, 3 * P, P)];
    ok!(p.handle_close(a));
    ok!(p.handle_close(mid));
    assert_clean(&k);
    assert_eq!(vmo_bytes(&k), 4 * P);
    for (i, &l) in leaves.iter().enumerate() {
        assert_eq!(pages(&p, l, 1), [i as u8 + 1]);
        tag(&p, l, 0, i as u8 + 5);
    }
    assert_eq!(vmo_bytes(&k), 4 * P, "each leaf is the last user of its page");
    for (i, &l) in leaves.iter().enumerate() {
        ok!(p.handle_close(l));
        assert_clean(&k);
        assert_eq!(vmo_bytes(&k), (3 - i as u64) * P);
    }
    assert_no_leak(&k);
}

#[test]
fn a_write_that_cannot_get_a_page_leaves_the_snapshot_unchanged() {
    let (k, p) = setup_with_pages(4);
    let a = tagged(&p, &[1, 2, 3, 4], 0);
    let c = snap(&p, a, 0, 4 * P);
    assert_err!(p.vmo_write(c, &[9], 0), ZX_ERR_NO_MEMORY);
    assert_err!(p.vmo_op_range(c, ZX_VMO_OP_COMMIT, 0, P, &mut []), ZX_ERR_NO_MEMORY);
    assert_clean(&k);
    assert_eq!(pages(&p, c, 4), [1, 2, 3, 4]);
    assert_eq!(pages(&p, a, 4), [1, 2, 3, 4]);
    // Once the parent is gone the child is the last user and can write without a new page.
    ok!(p.handle_close(a));
    tag(&p, c, 0, 9);
    assert_eq!(pages(&p, c, 4), [9, 2, 3, 4]);
    finish(&k, &p, &[c]);
}
