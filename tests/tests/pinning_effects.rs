//! Conformance tests for docs/reference.md §7, part 2: what pinning commits and reports (the
//! 31-pin limit), `pmt_unpin` and the BTI quarantine, what pins block (DECOMMIT, shrinking,
//! SNAPSHOT, transfer_data) and what they do not (ZERO zeroes in place), pinned children and
//! pinned orphans.
//!
//! Shared helpers: `tests/src/pinning.rs`.

use zx_conformance::pinning::*;
use zx_conformance::*;
use zx_kernel::zx::*;

// ---------------------------------------------------------------------------------------------
// what pinning does
// ---------------------------------------------------------------------------------------------

#[test]
fn pinning_commits_the_range_and_reports_one_ram_address_per_page() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 8 * P);
    fill(&p, v, 0, 1, 0x11); // page 0 committed by a write
    assert_eq!(committed(&p, v), P);
    let (pmt, addrs) = pin(&p, d.bti, RW, v, 2 * P, 4 * P);
    assert_eq!(committed(&p, v), 5 * P, "pinning commits the pinned range");
    assert_eq!(vmo_bytes(&k), 5 * P);
    assert_eq!(addrs.len(), 4);
    addrs.iter().for_each(|&a| assert_ram_addr(a));
    let mut sorted = addrs.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), 4, "addresses must be distinct: {addrs:#x?}");
    // The pinned pages read zero and take writes.
    assert_bytes(&p, v, 2 * P, 4 * P as usize, 0);
    fill(&p, v, 3 * P, P as usize, 0x33);
    assert_bytes(&p, v, 3 * P, P as usize, 0x33);
    assert_eq!(committed(&p, v), 5 * P);
    // Pinning an already committed range commits nothing more, and reports the same frames.
    let (pmt2, addrs2) = pin(&p, d.bti, R, v, 2 * P, 4 * P);
    assert_eq!(addrs2, addrs);
    assert_eq!(committed(&p, v), 5 * P);
    let a0 = addr_of(&p, d.bti, v, 0);
    assert!(!addrs.contains(&a0));
    assert_bti_counts(&p, d.bti, 2, 0);
    assert_clean(&k);
    unpin(&p, pmt);
    unpin(&p, pmt2);
    // Unpinning does not decommit.
    assert_eq!(committed(&p, v), 5 * P);
    assert_bytes(&p, v, 3 * P, P as usize, 0x33);
    assert_clean(&k);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn pinning_a_snapshot_child_forks_the_parent_content_into_it() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 3 * P);
    let data = pattern(7, 3 * P as usize);
    ok!(p.vmo_write(a, &data, 0));
    let c = child(&p, a, SNAPSHOT, 0, 4 * P);
    assert_eq!(vmo_bytes(&k), 3 * P);
    let (pmt, caddrs) = pin(&p, d.bti, R, c, 0, 4 * P);
    // The child now owns all four pages (three copies of the parent content, one zero page).
    let ci = vmo_info(&p, c);
    assert_eq!(ci.committed_bytes, 4 * P);
    assert_eq!(ci.committed_private_bytes, 4 * P);
    assert_eq!(read_vec(&p, c, 0, 3 * P as usize), data, "the child reads the parent's bytes");
    assert_bytes(&p, c, 3 * P, P as usize, 0);
    assert_eq!(read_vec(&p, a, 0, 3 * P as usize), data, "the parent is unchanged");
    assert_eq!(committed(&p, a), 3 * P);
    // The two are independent now.
    fill(&p, a, 0, 3 * P as usize, 0xA0);
    assert_eq!(read_vec(&p, c, 0, 3 * P as usize), data);
    // The parent's frames (pinned now, which forks them into the parent) differ from the child's.
    let (pmt_a, aaddrs) = pin(&p, d.bti, R, a, 0, 3 * P);
    for x in &aaddrs {
        assert!(!caddrs.contains(x), "parent frame {x:#x} also pinned in the child");
    }
    // The child's pinned pages did not move through all this.
    let (pmt_c2, caddrs2) = pin(&p, d.bti, R, c, 0, 4 * P);
    assert_eq!(caddrs2, caddrs);
    assert_clean(&k);
    for h in [pmt, pmt_a, pmt_c2] {
        unpin(&p, h);
    }
    close_all(&p, &[c, a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn pinning_a_parent_with_a_snapshot_child_forks_into_the_parent() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 2 * P);
    fill(&p, a, 0, 2 * P as usize, 0x42);
    let c = child(&p, a, SNAPSHOT, 0, 2 * P);
    let (pmt, _) = pin(&p, d.bti, RW, a, 0, 2 * P);
    assert_bytes(&p, a, 0, 2 * P as usize, 0x42);
    assert_bytes(&p, c, 0, 2 * P as usize, 0x42);
    assert_eq!(vmo_info(&p, a).committed_private_bytes, 2 * P, "the parent owns its pinned pages");
    fill(&p, a, 0, 2 * P as usize, 0x43);
    assert_bytes(&p, c, 0, 2 * P as usize, 0x42);
    // The child can still be snapshotted (its pages are not pinned); the parent cannot.
    let cc = child(&p, c, SNAPSHOT, 0, 2 * P);
    assert_err!(p.vmo_create_child(a, SNAPSHOT, 0, 2 * P), ZX_ERR_BAD_STATE);
    assert_clean(&k);
    unpin(&p, pmt);
    close_all(&p, &[cc, c, a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn pinning_a_slice_pins_the_parent_pages() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 4 * P);
    let s = child(&p, a, SLICE, P, 2 * P);
    let (pmt, saddrs) = pin(&p, d.bti, RW, s, 0, 2 * P);
    assert_eq!(committed(&p, a), 2 * P, "the parent owns the slice's pages");
    assert_eq!(committed(&p, s), 0, "a slice shows no committed bytes");
    let (pmt_a, aaddrs) = pin(&p, d.bti, R, a, P, 2 * P);
    assert_eq!(aaddrs, saddrs, "the slice's pages are the parent's");
    unpin(&p, pmt_a);
    // Still pinned through the slice: the parent cannot decommit them.
    assert_err!(op(&p, a, ZX_VMO_OP_DECOMMIT, P, P), ZX_ERR_BAD_STATE);
    assert_err!(op(&p, s, ZX_VMO_OP_DECOMMIT, 0, P), ZX_ERR_BAD_STATE);
    ok!(op(&p, a, ZX_VMO_OP_DECOMMIT, 3 * P, P));
    unpin(&p, pmt);
    ok!(op(&p, a, ZX_VMO_OP_DECOMMIT, 0, 4 * P));
    assert_eq!(committed(&p, a), 0);
    close_all(&p, &[s, a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn a_pinned_page_keeps_its_physical_address() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 2 * P);
    let (pmt1, a1) = pin_page(&p, d.bti, v, 1);
    // Writes, reads, other commits and a second pin do not move it.
    fill(&p, v, 0, 2 * P as usize, 0x77);
    ok!(op(&p, v, ZX_VMO_OP_COMMIT, 0, 2 * P));
    let (pmt2, a2) = pin_page(&p, d.bti, v, 1);
    assert_eq!(a2, a1);
    unpin(&p, pmt1);
    unpin(&p, pmt2);
    // Unpinned but still committed: re-pinning finds the same frame.
    let (pmt3, a3) = pin_page(&p, d.bti, v, 1);
    assert_eq!(a3, a1);
    assert_bytes(&p, v, P, P as usize, 0x77);
    // A pin through another BTI sees the same frame too.
    let b2 = d.another_bti(&p);
    let (pmt4, a4) = pin_page(&p, b2, v, 1);
    assert_eq!(a4, a1);
    assert_clean(&k);
    unpin(&p, pmt3);
    unpin(&p, pmt4);
    close_all(&p, &[b2, v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn a_pinned_child_page_does_not_move_when_its_parent_goes_away() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 2 * P);
    fill(&p, a, 0, 2 * P as usize, 0x21);
    let c = child(&p, a, SNAPSHOT, 0, 2 * P);
    let (pmt, ca) = pin(&p, d.bti, R, c, 0, P);
    // Closing the parent merges the hidden node into the child; the pinned page stays put.
    ok!(p.handle_close(a));
    assert_clean(&k);
    let (pmt2, ca2) = pin(&p, d.bti, R, c, 0, P);
    assert_eq!(ca2, ca);
    assert_bytes(&p, c, 0, 2 * P as usize, 0x21);
    unpin(&p, pmt);
    unpin(&p, pmt2);
    close_all(&p, &[c]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn a_pinned_parent_page_survives_the_merge_of_its_hidden_node() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 2 * P);
    fill(&p, a, 0, 2 * P as usize, 0x71);
    let c = child(&p, a, SNAPSHOT, 0, 2 * P);
    fill(&p, c, P, 1, 0x72);
    // The parent pins page 0 while the child still sees the same content through the hidden node.
    let (pmt, pa) = pin_page(&p, d.bti, a, 0);
    assert_bytes(&p, c, 0, P as usize, 0x71);
    // Closing the child leaves the hidden node with one child: its pages merge into the parent.
    ok!(p.handle_close(c));
    assert_clean(&k);
    assert_eq!(addr_of(&p, d.bti, a, 0), pa, "the pinned page must not move in the merge");
    assert_bytes(&p, a, 0, 2 * P as usize, 0x71);
    assert_eq!(committed(&p, a), 2 * P);
    assert_eq!(vmo_bytes(&k), 2 * P, "the child's page and the shared copy are gone");
    // With no snapshot child left, DECOMMIT works again, except over the pinned page.
    assert_err!(op(&p, a, ZX_VMO_OP_DECOMMIT, 0, 2 * P), ZX_ERR_BAD_STATE);
    ok!(op(&p, a, ZX_VMO_OP_DECOMMIT, P, P));
    unpin(&p, pmt);
    close_all(&p, &[a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn bti_pin_handles_are_per_process() {
    let (k, p) = setup();
    let other = k.create_process();
    let d = Dev::new(&p);
    let v = vmo(&p, P);
    let pmt = ok!(try_pin(&p, d.bti, R, v, 0, P, 1));
    // `other` has no handles yet: every value from `p` is BAD_HANDLE there.
    assert_err!(try_pin(&other, d.bti, R, v, 0, P, 1), ZX_ERR_BAD_HANDLE);
    assert_err!(other.bti_release_quarantine(d.bti), ZX_ERR_BAD_HANDLE);
    assert_err!(other.pmt_unpin(pmt), ZX_ERR_BAD_HANDLE);
    assert_err!(other.vmo_create_contiguous(d.bti, P, 0), ZX_ERR_BAD_HANDLE);
    assert_eq!(basic(&p, pmt).type_, ZX_OBJ_TYPE_PMT, "p's PMT is untouched");
    unpin(&p, pmt);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn the_32nd_pin_of_a_page_is_unavailable() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 2 * P);
    let mut pmts: Vec<_> = (0..31).map(|_| pin_page(&p, d.bti, v, 0).0).collect();
    assert_bti_counts(&p, d.bti, 31, 0);
    assert_err!(try_pin(&p, d.bti, R, v, 0, P, 1), ZX_ERR_UNAVAILABLE);
    assert_bti_counts(&p, d.bti, 31, 0);
    assert_clean(&k);
    // Another page is not affected.
    let (other, _) = pin_page(&p, d.bti, v, 1);
    unpin(&p, other);
    // One unpin makes room for one more pin.
    unpin(&p, pmts.pop().unwrap());
    pmts.push(pin_page(&p, d.bti, v, 0).0);
    assert_err!(try_pin(&p, d.bti, R, v, 0, P, 1), ZX_ERR_UNAVAILABLE);
    assert_clean(&k);
    for pmt in pmts {
        unpin(&p, pmt);
    }
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 2 * P));
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn a_failed_32nd_pin_leaves_the_other_pages_of_its_range_unpinned() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 3 * P);
    // Page 1 is full; pages 0 and 2 are fresh.
    let pmts: Vec<_> = (0..31).map(|_| pin_page(&p, d.bti, v, 1).0).collect();
    // [full, fresh] and [fresh, full] both fail and pin nothing.
    assert_err!(try_pin(&p, d.bti, R, v, P, 2 * P, 2), ZX_ERR_UNAVAILABLE);
    assert_err!(try_pin(&p, d.bti, R, v, 0, 2 * P, 2), ZX_ERR_UNAVAILABLE);
    assert_err!(try_pin(&p, d.bti, R, v, 0, 3 * P, 3), ZX_ERR_UNAVAILABLE);
    assert_bti_counts(&p, d.bti, 31, 0);
    assert_clean(&k);
    // The fresh pages are not pinned: they can be decommitted.
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, P));
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 2 * P, P));
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, P, P), ZX_ERR_BAD_STATE);
    // And each can still take 31 pins of its own.
    let more: Vec<_> = (0..31).map(|_| pin_page(&p, d.bti, v, 2).0).collect();
    assert_clean(&k);
    for pmt in pmts.into_iter().chain(more) {
        unpin(&p, pmt);
    }
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 3 * P));
    assert_eq!(committed(&p, v), 0);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn the_pin_limit_counts_pins_from_every_bti_slice_and_quarantine() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let b2 = d.another_bti(&p);
    let v = vmo(&p, 2 * P);
    let s = child(&p, v, SLICE, 0, 2 * P);
    let mut live = Vec::new();
    for _ in 0..10 {
        live.push(pin_page(&p, d.bti, v, 0).0);
        live.push(pin_page(&p, b2, s, 0).0);
        let (q, _) = pin_page(&p, d.bti, v, 0);
        ok!(p.handle_close(q)); // into d.bti's quarantine
    }
    live.push(pin_page(&p, b2, v, 0).0); // 31 pins in all
    assert_eq!(bti_info(&p, d.bti).quarantine_count, 10);
    for (bti, h) in [(d.bti, v), (b2, v), (d.bti, s), (b2, s)] {
        assert_err!(try_pin(&p, bti, R, h, 0, P, 1), ZX_ERR_UNAVAILABLE);
    }
    assert_clean(&k);
    // Releasing the quarantine frees 10 pins.
    ok!(p.bti_release_quarantine(d.bti));
    assert_eq!(bti_info(&p, d.bti).quarantine_count, 0);
    for _ in 0..10 {
        live.push(pin_page(&p, b2, s, 0).0);
    }
    assert_err!(try_pin(&p, d.bti, R, v, 0, P, 1), ZX_ERR_UNAVAILABLE);
    assert_clean(&k);
    for pmt in live {
        unpin(&p, pmt);
    }
    close_all(&p, &[s, v, b2]);
    d.close(&p);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// pmt_unpin and the quarantine
// ---------------------------------------------------------------------------------------------

#[test]
fn pmt_handle_basics() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, P);
    let (pmt, _) = pin_page(&p, d.bti, v, 0);
    let b = basic(&p, pmt);
    assert_eq!(b.type_, ZX_OBJ_TYPE_PMT);
    // Zircon: a PMT handle has exactly ZX_RIGHT_INSPECT, so it cannot be duplicated.
    assert_eq!(b.rights, ZX_RIGHT_INSPECT);
    assert_err!(p.handle_duplicate(pmt, ZX_RIGHT_SAME_RIGHTS), ZX_ERR_ACCESS_DENIED);
    assert!(b.koid != koid_of(&p, v) && b.koid != koid_of(&p, d.bti));
    unpin(&p, pmt);
    assert_err!(p.handle_close(pmt), ZX_ERR_BAD_HANDLE);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn pmt_unpin_always_consumes_the_handle() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 2 * P);
    let (pmt, _) = pin_page(&p, d.bti, v, 0);
    // Invalid handles.
    assert_err!(p.pmt_unpin(ZX_HANDLE_INVALID), ZX_ERR_BAD_HANDLE);
    let stale = event(&p);
    ok!(p.handle_close(stale));
    assert_err!(p.pmt_unpin(stale), ZX_ERR_BAD_HANDLE);
    // A PMT value from another process is just a number there: nothing consumed here.
    let other = k.create_process();
    assert_err!(other.pmt_unpin(pmt), ZX_ERR_BAD_HANDLE);
    assert_eq!(basic(&p, pmt).type_, ZX_OBJ_TYPE_PMT);
    // Not a PMT: WRONG_TYPE, and the handle is gone.
    let ev = event(&p);
    assert_err!(p.pmt_unpin(ev), ZX_ERR_WRONG_TYPE);
    assert_err!(p.handle_close(ev), ZX_ERR_BAD_HANDLE);
    let v2 = dup(&p, v, ZX_RIGHT_SAME_RIGHTS);
    assert_err!(p.pmt_unpin(v2), ZX_ERR_WRONG_TYPE);
    assert_err!(p.vmo_get_size(v2), ZX_ERR_BAD_HANDLE);
    let b2 = dup(&p, d.bti, ZX_RIGHT_SAME_RIGHTS);
    assert_err!(p.pmt_unpin(b2), ZX_ERR_WRONG_TYPE);
    assert_err!(p.object_get_info_bti(b2), ZX_ERR_BAD_HANDLE);
    // The real PMT still works, once.
    unpin(&p, pmt);
    assert_err!(p.pmt_unpin(pmt), ZX_ERR_BAD_HANDLE);
    assert_err!(p.handle_close(pmt), ZX_ERR_BAD_HANDLE);
    assert_bti_counts(&p, d.bti, 0, 0);
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 2 * P));
    // The last VMO handle consumed by pmt_unpin frees the VMO.
    let v3 = vmo(&p, P);
    fill(&p, v3, 0, 1, 1);
    assert_err!(p.pmt_unpin(v3), ZX_ERR_WRONG_TYPE);
    assert_eq!(vmo_bytes(&k), 0);
    assert_clean(&k);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn closing_a_pmt_without_unpin_quarantines_its_pins() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 4 * P);
    let (pmt1, a1) = pin(&p, d.bti, RW, v, 0, 2 * P);
    let (pmt2, _) = pin(&p, d.bti, R, v, 2 * P, P);
    assert_bti_counts(&p, d.bti, 2, 0);
    ok!(p.handle_close(pmt1));
    assert_eq!(bti_info(&p, d.bti).quarantine_count, 1);
    // The pages stay pinned.
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, P), ZX_ERR_BAD_STATE);
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, P, P), ZX_ERR_BAD_STATE);
    assert_err!(p.vmo_create_child(v, SNAPSHOT, 0, 4 * P), ZX_ERR_BAD_STATE);
    assert_eq!(addr_of(&p, d.bti, v, 0), a1[0]);
    assert_clean(&k);
    // Releasing needs WRITE on the BTI; without it nothing changes.
    let no_write = dup(&p, d.bti, BTI_RIGHTS & !ZX_RIGHT_WRITE);
    assert_err!(p.bti_release_quarantine(no_write), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.bti_release_quarantine(v), ZX_ERR_WRONG_TYPE);
    assert_err!(p.bti_release_quarantine(ZX_HANDLE_INVALID), ZX_ERR_BAD_HANDLE);
    assert_eq!(bti_info(&p, d.bti).quarantine_count, 1);
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, P), ZX_ERR_BAD_STATE);
    let write_only = dup(&p, d.bti, ZX_RIGHT_WRITE);
    ok!(p.bti_release_quarantine(write_only));
    assert_bti_counts(&p, d.bti, 1, 0);
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 2 * P));
    // The live PMT was not touched by the release.
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 2 * P, P), ZX_ERR_BAD_STATE);
    // Releasing an empty quarantine is fine.
    ok!(p.bti_release_quarantine(d.bti));
    unpin(&p, pmt2);
    assert_bti_counts(&p, d.bti, 0, 0);
    assert_clean(&k);
    close_all(&p, &[no_write, write_only, v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn each_quarantined_pmt_counts_once() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let b2 = d.another_bti(&p);
    let v = vmo(&p, 4 * P);
    for i in 0..3 {
        let (pmt, _) = pin_page(&p, d.bti, v, i);
        ok!(p.handle_close(pmt));
        assert_eq!(bti_info(&p, d.bti).quarantine_count, i + 1);
    }
    let (other, _) = pin_page(&p, b2, v, 3);
    ok!(p.handle_close(other));
    assert_eq!(bti_info(&p, b2).quarantine_count, 1, "each BTI has its own quarantine");
    assert_eq!(bti_info(&p, d.bti).quarantine_count, 3);
    ok!(p.bti_release_quarantine(d.bti));
    assert_eq!(bti_info(&p, d.bti).quarantine_count, 0);
    assert_eq!(bti_info(&p, b2).quarantine_count, 1);
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 3 * P));
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 3 * P, P), ZX_ERR_BAD_STATE);
    ok!(p.bti_release_quarantine(b2));
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 4 * P));
    assert_clean(&k);
    close_all(&p, &[v, b2]);
    d.close(&p);
    assert_no_leak(&k);
}

/// docs/reference.md only says that `ZX_INFO_BTI` reports `pmo_count` and `quarantine_count`. In
/// Zircon a PMT closed without unpin stays on the BTI's list of pinned memory objects while it
/// sits in the quarantine (`BusTransactionInitiatorDispatcher::Quarantine` keeps it in
/// `pinned_memory_`; only its destructor, after `ReleaseQuarantine`, removes it), so it counts
/// in both `pmo_count` and `quarantine_count` until released.
#[test]
fn a_quarantined_pmt_still_counts_in_pmo_count_as_in_zircon() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, P);
    let (pmt, _) = pin_page(&p, d.bti, v, 0);
    ok!(p.handle_close(pmt));
    assert_bti_counts(&p, d.bti, 1, 1);
    ok!(p.bti_release_quarantine(d.bti));
    assert_bti_counts(&p, d.bti, 0, 0);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn a_pmt_outlives_its_bti_handle() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 2 * P);
    let (pmt, _) = pin(&p, d.bti, RW, v, 0, 2 * P);
    ok!(p.handle_close(d.bti));
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, P), ZX_ERR_BAD_STATE);
    assert_clean(&k);
    unpin(&p, pmt);
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 2 * P));
    close_all(&p, &[v, d.iommu, d.root]);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// what pins block
// ---------------------------------------------------------------------------------------------

#[test]
fn decommit_over_a_pinned_page_is_bad_state_and_changes_nothing() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 4 * P);
    fill(&p, v, 0, 4 * P as usize, 0x5C);
    let (pmt, a) = pin_page(&p, d.bti, v, 2);
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 2 * P, P), ZX_ERR_BAD_STATE);
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 4 * P), ZX_ERR_BAD_STATE);
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, P, 2 * P), ZX_ERR_BAD_STATE);
    // All or nothing: the unpinned pages of the range are still there.
    assert_eq!(committed(&p, v), 4 * P);
    assert_bytes(&p, v, 0, 4 * P as usize, 0x5C);
    // The earlier checks of §4 still come first.
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 2 * P, 5 * P), ZX_ERR_OUT_OF_RANGE);
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 2 * P, 0));
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 2 * P + 1, P), ZX_ERR_INVALID_ARGS);
    assert_err!(op(&p, v, ZX_VMO_OP_DECOMMIT, 2 * P, P + 1), ZX_ERR_INVALID_ARGS);
    // Pages beside it can go.
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 2 * P));
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 3 * P, P));
    assert_eq!(committed(&p, v), P);
    assert_eq!(addr_of(&p, d.bti, v, 2), a);
    unpin(&p, pmt);
    ok!(op(&p, v, ZX_VMO_OP_DECOMMIT, 0, 4 * P));
    assert_eq!(committed(&p, v), 0);
    assert_bytes(&p, v, 0, 4 * P as usize, 0);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn decommit_in_a_cow_relation_is_not_supported_before_the_pin_check() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 2 * P);
    fill(&p, a, 0, 2 * P as usize, 1);
    let c = child(&p, a, SNAPSHOT, 0, 2 * P);
    let (pmt, _) = pin(&p, d.bti, R, c, 0, 2 * P);
    assert_err!(op(&p, c, ZX_VMO_OP_DECOMMIT, 0, P), ZX_ERR_NOT_SUPPORTED);
    assert_err!(op(&p, c, ZX_VMO_OP_DECOMMIT, 1, P), ZX_ERR_NOT_SUPPORTED);
    unpin(&p, pmt);
    close_all(&p, &[c, a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn shrinking_over_a_pinned_page_is_bad_state() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo_opts(&p, 4 * P, ZX_VMO_RESIZABLE);
    fill(&p, v, 0, 4 * P as usize, 0x6D);
    let (pmt, a) = pin_page(&p, d.bti, v, 2);
    for size in [0, P, 2 * P, P + 1] {
        assert_err!(p.vmo_set_size(v, size), ZX_ERR_BAD_STATE, "set_size({size:#x})");
    }
    assert_eq!(ok!(p.vmo_get_size(v)), 4 * P);
    assert_eq!(content_size(&p, v), 4 * P);
    assert_bytes(&p, v, 0, 4 * P as usize, 0x6D);
    // Cutting only past the pinned page works; so does growing.
    ok!(p.vmo_set_size(v, 3 * P));
    ok!(p.vmo_set_size(v, 2 * P + 1)); // rounds up to 3P: page 2 stays
    assert_eq!(ok!(p.vmo_get_size(v)), 3 * P);
    ok!(p.vmo_set_size(v, 8 * P));
    assert_eq!(addr_of(&p, d.bti, v, 2), a);
    assert_clean(&k);
    unpin(&p, pmt);
    ok!(p.vmo_set_size(v, 0));
    assert_eq!(vmo_bytes(&k), 0);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn shrinking_over_a_page_pinned_through_a_reference_is_bad_state() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo_opts(&p, 2 * P, ZX_VMO_RESIZABLE);
    let r = child(&p, v, REFERENCE | ZX_VMO_CHILD_RESIZABLE, 0, 0);
    let (pmt, _) = pin_page(&p, d.bti, r, 1);
    assert_err!(p.vmo_set_size(v, P), ZX_ERR_BAD_STATE);
    assert_err!(p.vmo_set_size(r, P), ZX_ERR_BAD_STATE);
    unpin(&p, pmt);
    ok!(p.vmo_set_size(r, P));
    assert_eq!(ok!(p.vmo_get_size(v)), P);
    close_all(&p, &[r, v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn shrinking_a_snapshot_child_over_its_pinned_page_is_bad_state() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 3 * P);
    fill(&p, a, 0, 3 * P as usize, 0x19);
    let c = child(&p, a, SNAPSHOT | ZX_VMO_CHILD_RESIZABLE, 0, 3 * P);
    let (pmt, _) = pin_page(&p, d.bti, c, 1);
    assert_err!(p.vmo_set_size(c, P), ZX_ERR_BAD_STATE);
    assert_eq!(ok!(p.vmo_get_size(c)), 3 * P);
    assert_bytes(&p, c, 0, 3 * P as usize, 0x19);
    ok!(p.vmo_set_size(c, 2 * P));
    unpin(&p, pmt);
    ok!(p.vmo_set_size(c, P));
    assert_bytes(&p, c, 0, P as usize, 0x19);
    assert_clean(&k);
    close_all(&p, &[c, a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn snapshots_of_a_vmo_with_a_pinned_page_are_bad_state() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 4 * P);
    fill(&p, v, 0, 4 * P as usize, 0x3E);
    let (pmt, _) = pin_page(&p, d.bti, v, 3);
    for opts in [SNAPSHOT, ALOW, MODIFIED, SNAPSHOT | ZX_VMO_CHILD_NO_WRITE] {
        assert_err!(p.vmo_create_child(v, opts, 0, 4 * P), ZX_ERR_BAD_STATE, "options {opts:#x}");
        // Any pinned page of the VMO counts, even outside the child's window.
        assert_err!(
            p.vmo_create_child(v, opts, 0, P),
            ZX_ERR_BAD_STATE,
            "options {opts:#x}, [0, P)"
        );
    }
    // Earlier checks of §5 still come first.
    assert_err!(p.vmo_create_child(v, SNAPSHOT, 1, P), ZX_ERR_INVALID_ARGS);
    // Slices and references share the pages, so they are fine.
    let s = child(&p, v, SLICE, 2 * P, 2 * P);
    let r = child(&p, v, REFERENCE, 0, 0);
    assert_eq!(vmo_info(&p, v).num_children, 2);
    assert_eq!(basic(&p, v).rights & ZX_RIGHT_MAP, ZX_RIGHT_MAP);
    assert_clean(&k);
    unpin(&p, pmt);
    let c = child(&p, v, SNAPSHOT, 0, 4 * P);
    assert_bytes(&p, c, 0, 4 * P as usize, 0x3E);
    close_all(&p, &[c, r, s, v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn zero_zeroes_a_pinned_page_in_place() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 3 * P);
    fill(&p, v, 0, 3 * P as usize, 0x9B);
    let (pmt, a) = pin_page(&p, d.bti, v, 1);
    ok!(op(&p, v, ZX_VMO_OP_ZERO, 0, 3 * P));
    assert_bytes(&p, v, 0, 3 * P as usize, 0);
    // Pages 0 and 2 are released (no parent shows through); page 1 stays, on the same frame.
    assert_eq!(committed(&p, v), P);
    assert_eq!(vmo_bytes(&k), P);
    let (pmt2, a2) = pin_page(&p, d.bti, v, 1);
    assert_eq!(a2, a, "the pinned page must be zeroed in place");
    // A partial ZERO of a pinned page zeroes just those bytes.
    fill(&p, v, P, P as usize, 0x44);
    ok!(op(&p, v, ZX_VMO_OP_ZERO, P + 100, 200));
    assert_bytes(&p, v, P, 100, 0x44);
    assert_bytes(&p, v, P + 100, 200, 0);
    assert_bytes(&p, v, P + 300, P as usize - 300, 0x44);
    assert_eq!(addr_of(&p, d.bti, v, 1), a);
    assert_clean(&k);
    unpin(&p, pmt);
    unpin(&p, pmt2);
    close_all(&p, &[v]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn zero_zeroes_a_pinned_page_of_a_snapshot_child_in_place() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 2 * P);
    fill(&p, a, 0, 2 * P as usize, 0xC3);
    let c = child(&p, a, SNAPSHOT, 0, 2 * P);
    let (pmt, ca) = pin_page(&p, d.bti, c, 0);
    ok!(op(&p, c, ZX_VMO_OP_ZERO, 0, 2 * P));
    assert_bytes(&p, c, 0, 2 * P as usize, 0);
    assert_bytes(&p, a, 0, 2 * P as usize, 0xC3);
    assert_eq!(addr_of(&p, d.bti, c, 0), ca);
    assert_clean(&k);
    unpin(&p, pmt);
    close_all(&p, &[c, a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn transfer_data_touching_a_pinned_page_is_bad_state_on_either_side() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let src = vmo(&p, 2 * P);
    let dst = vmo(&p, 2 * P);
    fill(&p, src, 0, 2 * P as usize, 0x51);
    fill(&p, dst, 0, 2 * P as usize, 0xD5);
    let (pmt, _) = pin_page(&p, d.bti, src, 1);
    assert_err!(p.vmo_transfer_data(dst, 0, 0, 2 * P, src, 0), ZX_ERR_BAD_STATE);
    // A range that misses the pinned page works.
    ok!(p.vmo_transfer_data(dst, 0, 0, P, src, 0));
    assert_bytes(&p, dst, 0, P as usize, 0x51);
    assert_bytes(&p, src, 0, P as usize, 0);
    unpin(&p, pmt);
    // Pinned on the dst side, through a slice.
    fill(&p, src, 0, 2 * P as usize, 0x52);
    let s = child(&p, dst, SLICE, P, P);
    let (pmt, _) = pin_page(&p, d.bti, s, 0);
    assert_err!(p.vmo_transfer_data(dst, 0, P, P, src, 0), ZX_ERR_BAD_STATE);
    assert_err!(p.vmo_transfer_data(s, 0, 0, P, src, 0), ZX_ERR_BAD_STATE);
    assert_bytes(&p, dst, P, P as usize, 0xD5);
    assert_bytes(&p, src, 0, 2 * P as usize, 0x52);
    assert_clean(&k);
    unpin(&p, pmt);
    ok!(p.vmo_transfer_data(dst, 0, P, P, src, 0));
    assert_bytes(&p, s, 0, P as usize, 0x52);
    close_all(&p, &[s, src, dst]);
    d.close(&p);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// pinned VMOs and children whose handles are gone
// ---------------------------------------------------------------------------------------------

#[test]
fn a_pinned_snapshot_child_without_handles_still_counts_as_a_child() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 2 * P);
    fill(&p, a, 0, 2 * P as usize, 0x1F);
    assert!(zero_children(&p, a));
    let c = child(&p, a, SNAPSHOT, 0, 2 * P);
    let (pmt, _) = pin(&p, d.bti, R, c, 0, P);
    ok!(p.handle_close(c));
    assert!(!zero_children(&p, a), "ZERO_CHILDREN must stay clear while the child is pinned");
    assert_eq!(vmo_info(&p, a).num_children, 1);
    assert_clean(&k);
    unpin(&p, pmt);
    assert!(zero_children(&p, a));
    assert_eq!(vmo_info(&p, a).num_children, 0);
    assert_bytes(&p, a, 0, 2 * P as usize, 0x1F);
    assert_eq!(vmo_bytes(&k), 2 * P);
    close_all(&p, &[a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn a_pinned_slice_without_handles_still_counts_until_its_quarantine_is_released() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 2 * P);
    let s = child(&p, a, SLICE, P, P);
    let (pmt, _) = pin_page(&p, d.bti, s, 0);
    ok!(p.handle_close(s));
    ok!(p.handle_close(pmt)); // quarantined
    assert!(!zero_children(&p, a));
    assert_eq!(vmo_info(&p, a).num_children, 1);
    assert_err!(op(&p, a, ZX_VMO_OP_DECOMMIT, P, P), ZX_ERR_BAD_STATE);
    assert_clean(&k);
    ok!(p.bti_release_quarantine(d.bti));
    assert!(zero_children(&p, a));
    assert_eq!(vmo_info(&p, a).num_children, 0);
    ok!(op(&p, a, ZX_VMO_OP_DECOMMIT, 0, 2 * P));
    close_all(&p, &[a]);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn closing_a_pinned_vmo_keeps_its_pinned_pages_until_unpinned() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 4 * P);
    fill(&p, v, 0, 4 * P as usize, 0x2B);
    let (pmt, _) = pin(&p, d.bti, R, v, P, 2 * P);
    ok!(p.handle_close(v));
    let held = vmo_bytes(&k);
    assert!(held >= 2 * P, "pinned pages must stay allocated: vmo_bytes {held:#x}");
    assert!(free_bytes(&k) <= k.kmem_stats().total_bytes - 2 * P);
    assert_clean(&k);
    unpin(&p, pmt);
    assert_no_leak(&k);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn closing_a_pinned_vmo_keeps_its_pages_until_the_quarantine_is_released() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let v = vmo(&p, 3 * P);
    let (pmt, _) = pin(&p, d.bti, RW, v, 0, 3 * P);
    ok!(p.handle_close(v));
    ok!(p.handle_close(pmt));
    assert_eq!(bti_info(&p, d.bti).quarantine_count, 1);
    assert!(vmo_bytes(&k) >= 3 * P, "quarantined pages must stay allocated");
    assert_clean(&k);
    ok!(p.bti_release_quarantine(d.bti));
    assert_eq!(bti_info(&p, d.bti).quarantine_count, 0);
    assert_no_leak(&k);
    d.close(&p);
    assert_no_leak(&k);
}

#[test]
fn a_pinned_child_whose_parent_and_handles_are_gone_is_freed_on_unpin() {
    let (k, p) = setup();
    let d = Dev::new(&p);
    let a = vmo(&p, 2 * P);
    fill(&p, a, 0, 2 * P as usize, 0x64);
    let c = child(&p, a, SNAPSHOT, 0, 2 * P);
    let (pmt, _) = pin_page(&p, d.bti, c, 1);
    close_all(&p, &[a, c]);
    assert!(vmo_bytes(&k) >= P);
    assert_clean(&k);
    unpin(&p, pmt);
    assert_no_leak(&k);
    d.close(&p);
    assert_no_leak(&k);
}
