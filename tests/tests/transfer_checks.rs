//! Conformance tests for docs/reference.md §8, part 1: every check of `vmo_transfer_data`, in order,
//! and NO_MEMORY all or nothing.
//!
//! Shared helpers: `tests/src/transfer.rs`.

use zx_conformance::transfer::*;
use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Kernel, Process};

// ---------------------------------------------------------------------------------------------
// §8 check 1 and 2: options, then alignment (before any handle is looked up)
// ---------------------------------------------------------------------------------------------

#[test]
fn check_1_options_must_be_zero_before_anything_else() {
    let (k, p) = setup();
    let dst = seeded(&p, 2, 0x10);
    let src = seeded(&p, 2, 0x20);
    let before = observe(&k, &p, &[dst, src]);
    for options in [1u32, 2, 0x8000_0000, u32::MAX] {
        assert_err!(
            p.vmo_transfer_data(dst, options, 0, P, src, P),
            ZX_ERR_INVALID_ARGS,
            "options {options:#x}"
        );
        // Before the alignment check, the handles and the same-VMO shortcut.
        assert_err!(
            p.vmo_transfer_data(0, options, 1, 1, 0, 1),
            ZX_ERR_INVALID_ARGS,
            "options {options:#x}, bad handles"
        );
        assert_err!(
            p.vmo_transfer_data(dst, options, 0, P, dst, 0),
            ZX_ERR_INVALID_ARGS,
            "options {options:#x}, same VMO"
        );
        assert_err!(
            p.vmo_transfer_data(dst, options, 0, 0, src, 0),
            ZX_ERR_INVALID_ARGS,
            "options {options:#x}, length 0"
        );
    }
    assert_unchanged(&k, &p, &[dst, src], &before, "after INVALID_ARGS");
    finish(&k, &p, &[dst, src]);
}

#[test]
fn check_2_each_of_the_three_values_must_be_page_aligned() {
    let (k, p) = setup();
    let dst = seeded(&p, 4, 0x10);
    let src = seeded(&p, 4, 0x20);
    let ev = event(&p);
    let before = observe(&k, &p, &[dst, src]);
    for bad in [1u64, P / 2, P - 1, P + 1, 3 * P + 8] {
        assert_err!(
            p.vmo_transfer_data(dst, 0, bad, P, src, 0),
            ZX_ERR_INVALID_ARGS,
            "offset {bad:#x}"
        );
        assert_err!(
            p.vmo_transfer_data(dst, 0, 0, bad, src, 0),
            ZX_ERR_INVALID_ARGS,
            "length {bad:#x}"
        );
        assert_err!(
            p.vmo_transfer_data(dst, 0, 0, P, src, bad),
            ZX_ERR_INVALID_ARGS,
            "src_offset {bad:#x}"
        );
        // Alignment comes before the handles: bad, wrong-type and rights-less handles lose.
        assert_err!(
            p.vmo_transfer_data(0, 0, bad, P, 0, 0),
            ZX_ERR_INVALID_ARGS,
            "offset {bad:#x}, no handles"
        );
        assert_err!(
            p.vmo_transfer_data(ev, 0, 0, bad, ev, 0),
            ZX_ERR_INVALID_ARGS,
            "length {bad:#x}, events"
        );
        assert_err!(
            p.vmo_transfer_data(0, 0, 0, P, 0, bad),
            ZX_ERR_INVALID_ARGS,
            "src_offset {bad:#x}, no handles"
        );
        // ... and before the same-VMO and length-0 shortcuts.
        assert_err!(
            p.vmo_transfer_data(dst, 0, bad, P, dst, bad),
            ZX_ERR_INVALID_ARGS,
            "same VMO, same offset {bad:#x}"
        );
        assert_err!(
            p.vmo_transfer_data(dst, 0, bad, 0, src, 0),
            ZX_ERR_INVALID_ARGS,
            "length 0, offset {bad:#x}"
        );
        assert_err!(
            p.vmo_transfer_data(dst, 0, 0, 0, src, bad),
            ZX_ERR_INVALID_ARGS,
            "length 0, src_offset {bad:#x}"
        );
    }
    // Unaligned and out of range: INVALID_ARGS wins over OUT_OF_RANGE.
    assert_err!(p.vmo_transfer_data(dst, 0, TOP_PAGE + 1, P, src, 0), ZX_ERR_INVALID_ARGS);
    assert_err!(p.vmo_transfer_data(dst, 0, 0, u64::MAX, src, 0), ZX_ERR_INVALID_ARGS);
    assert_unchanged(&k, &p, &[dst, src], &before, "after INVALID_ARGS");
    finish(&k, &p, &[dst, src, ev]);
}

// ---------------------------------------------------------------------------------------------
// §8 checks 3 and 4: the dst handle (WRITE), then the src handle (READ and WRITE)
// ---------------------------------------------------------------------------------------------

#[test]
fn check_3_dst_handle_bad_handle_wrong_type_access_denied() {
    let (k, p) = setup();
    let dst = seeded(&p, 2, 0x10);
    let src = seeded(&p, 2, 0x20);
    let ev = event(&p);
    let closed = vmo(&p, 2 * P);
    ok!(p.handle_close(closed));
    let no_write = dup(&p, dst, VMO_RIGHTS & !ZX_RIGHT_WRITE);
    let write_only = dup(&p, dst, ZX_RIGHT_WRITE);
    let before = observe(&k, &p, &[dst, src]);

    assert_err!(p.vmo_transfer_data(ZX_HANDLE_INVALID, 0, 0, P, src, 0), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmo_transfer_data(closed, 0, 0, P, src, 0), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmo_transfer_data(0xFFFF_FFF3, 0, 0, P, src, 0), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmo_transfer_data(ev, 0, 0, P, src, 0), ZX_ERR_WRONG_TYPE);
    assert_err!(p.vmo_transfer_data(no_write, 0, 0, P, src, 0), ZX_ERR_ACCESS_DENIED);

    // The dst handle is looked up before the src handle: dst's error wins.
    assert_err!(p.vmo_transfer_data(ZX_HANDLE_INVALID, 0, 0, P, ev, 0), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmo_transfer_data(ev, 0, 0, P, ZX_HANDLE_INVALID, 0), ZX_ERR_WRONG_TYPE);
    assert_err!(p.vmo_transfer_data(no_write, 0, 0, P, ZX_HANDLE_INVALID, 0), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmo_transfer_data(no_write, 0, 0, P, ev, 0), ZX_ERR_ACCESS_DENIED);
    // ... and before the shortcuts: length 0, and the same VMO at the same offset.
    assert_err!(p.vmo_transfer_data(ev, 0, 0, 0, src, 0), ZX_ERR_WRONG_TYPE);
    assert_err!(p.vmo_transfer_data(no_write, 0, 0, 0, src, 0), ZX_ERR_ACCESS_DENIED);
    assert_err!(p.vmo_transfer_data(no_write, 0, P, P, dst, P), ZX_ERR_ACCESS_DENIED);
    assert_unchanged(&k, &p, &[dst, src], &before, "after handle errors");

    // WRITE alone is enough on dst.
    xfer(&p, write_only, 0, P, src, P);
    assert_pages(&p, dst, &[tag_byte(0x20, 1), tag_byte(0x10, 1)], "dst");
    assert_pages(&p, src, &[tag_byte(0x20, 0), 0], "src");
    finish(&k, &p, &[dst, src, ev, no_write, write_only]);
}

#[test]
fn check_4_src_handle_needs_read_and_write() {
    let (k, p) = setup();
    let dst = seeded(&p, 2, 0x10);
    let src = seeded(&p, 2, 0x20);
    let ev = event(&p);
    let no_read = dup(&p, src, VMO_RIGHTS & !ZX_RIGHT_READ);
    let no_write = dup(&p, src, VMO_RIGHTS & !ZX_RIGHT_WRITE);
    let read_only = dup(&p, src, ZX_RIGHT_READ);
    let write_only = dup(&p, src, ZX_RIGHT_WRITE);
    let read_write = dup(&p, src, ZX_RIGHT_READ | ZX_RIGHT_WRITE);
    let before = observe(&k, &p, &[dst, src]);

    assert_err!(p.vmo_transfer_data(dst, 0, 0, P, ZX_HANDLE_INVALID, 0), ZX_ERR_BAD_HANDLE);
    assert_err!(p.vmo_transfer_data(dst, 0, 0, P, ev, 0), ZX_ERR_WRONG_TYPE);
    for (h, what) in [
        (no_read, "no READ"),
        (no_write, "no WRITE"),
        (read_only, "READ only"),
        (write_only, "WRITE only"),
    ] {
        assert_err!(p.vmo_transfer_data(dst, 0, 0, P, h, 0), ZX_ERR_ACCESS_DENIED, "src {what}");
        // Rights come before the length-0 shortcut ...
        assert_err!(
            p.vmo_transfer_data(dst, 0, 0, 0, h, 0),
            ZX_ERR_ACCESS_DENIED,
            "src {what}, length 0"
        );
        // ... and before the same-VMO shortcut (h names src; use src as dst too).
        assert_err!(
            p.vmo_transfer_data(src, 0, P, P, h, P),
            ZX_ERR_ACCESS_DENIED,
            "src {what}, same VMO"
        );
        // ... and before every range check.
        assert_err!(
            p.vmo_transfer_data(dst, 0, 0, 100 * P, h, 0),
            ZX_ERR_ACCESS_DENIED,
            "src {what}, out of range"
        );
    }
    assert_unchanged(&k, &p, &[dst, src], &before, "after src handle errors");

    // READ|WRITE and nothing else is enough.
    xfer(&p, dst, 0, 2 * P, read_write, 0);
    assert_pages(&p, dst, &[tag_byte(0x20, 0), tag_byte(0x20, 1)], "dst");
    assert_pages(&p, src, &[0, 0], "src");
    finish(&k, &p, &[dst, src, ev, no_read, no_write, read_only, write_only, read_write]);
}

// ---------------------------------------------------------------------------------------------
// §8 check 5: the same VMO at the same offset, and length 0, are OK at once
// ---------------------------------------------------------------------------------------------

#[test]
fn check_5_same_vmo_same_offset_is_ok_with_nothing_checked_further() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let v = seeded(&p, 4, 0x30);
    let other_handle = dup(&p, v, VMO_RIGHTS);
    let contig = dev.contiguous(&p, 2);
    let phys = dev.physical(&p, 2);
    fill(&p, contig, 0, 2 * P as usize, 0x44);
    fill(&p, phys, 0, 2 * P as usize, 0x55);
    let (pmt, _) = dev.pin(&p, v, 1, 2);
    let before = observe(&k, &p, &[v, contig, phys]);

    // In range, and through another handle to the same VMO.
    ok!(p.vmo_transfer_data(v, 0, P, 2 * P, v, P));
    ok!(p.vmo_transfer_data(v, 0, 0, 4 * P, other_handle, 0));
    ok!(p.vmo_transfer_data(other_handle, 0, 2 * P, P, v, 2 * P));
    // A range far past the end, and one that overflows: nothing is checked.
    ok!(p.vmo_transfer_data(v, 0, 0, 1000 * P, v, 0));
    ok!(p.vmo_transfer_data(v, 0, 100 * P, P, v, 100 * P));
    ok!(p.vmo_transfer_data(v, 0, TOP_PAGE, TOP_PAGE, v, TOP_PAGE));
    // Pinned pages (1 and 2 are pinned) do not matter.
    ok!(p.vmo_transfer_data(v, 0, 0, 4 * P, v, 0));
    // Neither does being contiguous or physical.
    ok!(p.vmo_transfer_data(contig, 0, 0, 2 * P, contig, 0));
    ok!(p.vmo_transfer_data(phys, 0, 0, 2 * P, phys, 0));
    ok!(p.vmo_transfer_data(phys, 0, P, 100 * P, phys, P));
    assert_unchanged(&k, &p, &[v, contig, phys], &before, "same VMO, same offset");

    // The same VMO at a different offset is checked as usual.
    assert_err!(p.vmo_transfer_data(v, 0, 0, P, v, 100 * P), ZX_ERR_OUT_OF_RANGE);
    assert_err!(p.vmo_transfer_data(v, 0, 0, P, v, P), ZX_ERR_BAD_STATE);
    assert_err!(p.vmo_transfer_data(contig, 0, 0, P, contig, P), ZX_ERR_NOT_SUPPORTED);
    assert_unchanged(&k, &p, &[v, contig, phys], &before, "same VMO, other offset, failing");

    ok!(p.pmt_unpin(pmt));
    finish(&k, &p, &[v, other_handle, contig, phys]);
    dev.close(&p);
    assert_no_leak(&k);
}

#[test]
fn check_5_length_zero_is_ok_with_nothing_checked_further() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let dst = seeded(&p, 2, 0x10);
    let src = seeded(&p, 2, 0x20);
    let contig = dev.contiguous(&p, 1);
    let phys = dev.physical(&p, 1);
    let (pmt, _) = dev.pin(&p, src, 0, 2);
    let before = observe(&k, &p, &[dst, src, contig, phys]);

    ok!(p.vmo_transfer_data(dst, 0, 0, 0, src, 0));
    ok!(p.vmo_transfer_data(dst, 0, 2 * P, 0, src, 2 * P)); // at the end
    ok!(p.vmo_transfer_data(dst, 0, 100 * P, 0, src, 100 * P)); // past the end
    ok!(p.vmo_transfer_data(dst, 0, TOP_PAGE, 0, src, TOP_PAGE));
    ok!(p.vmo_transfer_data(dst, 0, 0, 0, src, P)); // src pinned
    ok!(p.vmo_transfer_data(phys, 0, 0, 0, src, 0)); // physical dst
    ok!(p.vmo_transfer_data(dst, 0, 0, 0, contig, 0)); // contiguous src
    ok!(p.vmo_transfer_data(contig, 0, 5 * P, 0, phys, 7 * P));
    assert_unchanged(&k, &p, &[dst, src, contig, phys], &before, "length 0");

    ok!(p.pmt_unpin(pmt));
    finish(&k, &p, &[dst, src, contig, phys]);
    dev.close(&p);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// §8 check 6: per side, src first: physical/contiguous, range, (pager), pinned
// ---------------------------------------------------------------------------------------------

#[test]
fn check_6_physical_is_not_supported_on_either_side_and_through_slices() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let phys = dev.physical(&p, 4);
    fill(&p, phys, 0, 4 * P as usize, 0x66);
    let phys_slice = child(&p, phys, SLICE, P, 2 * P);
    // A REFERENCE of a physical VMO cannot be made (Zircon: only paged VMOs have references;
    // docs/reference.md is silent), so only slices are checked here.
    assert_err!(p.vmo_create_child(phys, REFERENCE, 0, 0), ZX_ERR_NOT_SUPPORTED);
    let v = seeded(&p, 4, 0x30);
    let before = observe(&k, &p, &[phys, v]);

    for (h, what) in [(phys, "physical"), (phys_slice, "slice of physical")] {
        assert_err!(p.vmo_transfer_data(v, 0, 0, P, h, 0), ZX_ERR_NOT_SUPPORTED, "src {what}");
        assert_err!(p.vmo_transfer_data(h, 0, 0, P, v, 0), ZX_ERR_NOT_SUPPORTED, "dst {what}");
        // NOT_SUPPORTED comes before OUT_OF_RANGE on the same side.
        assert_err!(
            p.vmo_transfer_data(v, 0, 0, P, h, 100 * P),
            ZX_ERR_NOT_SUPPORTED,
            "src {what}, out of range"
        );
        assert_err!(
            p.vmo_transfer_data(h, 0, TOP_PAGE, 2 * P, v, 0),
            ZX_ERR_NOT_SUPPORTED,
            "dst {what}, overflow"
        );
    }
    // Physical on both sides.
    assert_err!(p.vmo_transfer_data(phys_slice, 0, 0, P, phys, 0), ZX_ERR_NOT_SUPPORTED);
    assert_unchanged(&k, &p, &[phys, v], &before, "physical");
    finish(&k, &p, &[phys_slice, phys, v]);
    dev.close(&p);
    assert_no_leak(&k);
}

#[test]
fn check_6_contiguous_is_not_supported_on_either_side_and_through_slices() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let contig = dev.contiguous(&p, 4);
    fill(&p, contig, 0, 4 * P as usize, 0x77);
    let contig_slice = child(&p, contig, SLICE, P, 2 * P);
    let v = seeded(&p, 4, 0x30);
    let (pmt, _) = dev.pin(&p, contig, 0, 4);
    let before = observe(&k, &p, &[contig, v]);

    for (h, what) in [(contig, "contiguous"), (contig_slice, "slice of contiguous")] {
        assert_err!(p.vmo_transfer_data(v, 0, 0, P, h, 0), ZX_ERR_NOT_SUPPORTED, "src {what}");
        assert_err!(p.vmo_transfer_data(h, 0, 0, P, v, 0), ZX_ERR_NOT_SUPPORTED, "dst {what}");
        // Before OUT_OF_RANGE and before BAD_STATE (the contiguous pages are pinned).
        assert_err!(
            p.vmo_transfer_data(v, 0, 0, P, h, 100 * P),
            ZX_ERR_NOT_SUPPORTED,
            "src {what}, out of range"
        );
        assert_err!(
            p.vmo_transfer_data(h, 0, 100 * P, P, v, 0),
            ZX_ERR_NOT_SUPPORTED,
            "dst {what}, out of range"
        );
    }
    // A slice and its contiguous parent are different VMOs: no same-VMO shortcut.
    assert_err!(p.vmo_transfer_data(contig_slice, 0, 0, P, contig, P), ZX_ERR_NOT_SUPPORTED);
    assert_unchanged(&k, &p, &[contig, v], &before, "contiguous");
    ok!(p.pmt_unpin(pmt));
    assert_unchanged(&k, &p, &[contig, v], &before, "contiguous, unpinned");
    finish(&k, &p, &[contig_slice, contig, v]);
    dev.close(&p);
    assert_no_leak(&k);
}

#[test]
fn check_6_range_out_of_range_on_either_side_overflow_included() {
    let (k, p) = setup();
    let dst = seeded(&p, 4, 0x10);
    let src = seeded(&p, 4, 0x20);
    let src_slice = child(&p, src, SLICE, P, 2 * P);
    let before = observe(&k, &p, &[dst, src]);

    // src side.
    assert_err!(
        p.vmo_transfer_data(dst, 0, 0, P, src, 4 * P),
        ZX_ERR_OUT_OF_RANGE,
        "src starts at its end"
    );
    assert_err!(
        p.vmo_transfer_data(dst, 0, 0, 2 * P, src, 3 * P),
        ZX_ERR_OUT_OF_RANGE,
        "src straddles its end"
    );
    assert_err!(
        p.vmo_transfer_data(dst, 0, 0, 5 * P, src, 0),
        ZX_ERR_OUT_OF_RANGE,
        "src longer than src"
    );
    assert_err!(
        p.vmo_transfer_data(dst, 0, 0, 2 * P, src, TOP_PAGE),
        ZX_ERR_OUT_OF_RANGE,
        "src_offset+length overflows"
    );
    assert_err!(
        p.vmo_transfer_data(dst, 0, 0, TOP_PAGE, src, 2 * P),
        ZX_ERR_OUT_OF_RANGE,
        "huge length"
    );
    // A slice's range is its own window, not its parent's.
    assert_err!(
        p.vmo_transfer_data(dst, 0, 0, 2 * P, src_slice, P),
        ZX_ERR_OUT_OF_RANGE,
        "past the slice's end"
    );
    assert_err!(
        p.vmo_transfer_data(dst, 0, 0, 3 * P, src_slice, 0),
        ZX_ERR_OUT_OF_RANGE,
        "longer than the slice"
    );
    // dst side.
    assert_err!(
        p.vmo_transfer_data(dst, 0, 4 * P, P, src, 0),
        ZX_ERR_OUT_OF_RANGE,
        "dst starts at its end"
    );
    assert_err!(
        p.vmo_transfer_data(dst, 0, 3 * P, 2 * P, src, 0),
        ZX_ERR_OUT_OF_RANGE,
        "dst straddles its end"
    );
    assert_err!(
        p.vmo_transfer_data(dst, 0, TOP_PAGE, 2 * P, src, 0),
        ZX_ERR_OUT_OF_RANGE,
        "offset+length overflows"
    );
    assert_err!(
        p.vmo_transfer_data(src_slice, 0, P, 2 * P, dst, 0),
        ZX_ERR_OUT_OF_RANGE,
        "past the dst slice's end"
    );
    // Both out of range.
    assert_err!(p.vmo_transfer_data(dst, 0, TOP_PAGE, 2 * P, src, TOP_PAGE), ZX_ERR_OUT_OF_RANGE);
    // The same VMO at different offsets is range checked.
    assert_err!(p.vmo_transfer_data(src, 0, 3 * P, 2 * P, src, 0), ZX_ERR_OUT_OF_RANGE);
    assert_unchanged(&k, &p, &[dst, src], &before, "OUT_OF_RANGE");

    // Exactly at the end is fine.
    xfer(&p, dst, 3 * P, P, src, 3 * P);
    assert_pages(
        &p,
        dst,
        &[tag_byte(0x10, 0), tag_byte(0x10, 1), tag_byte(0x10, 2), tag_byte(0x20, 3)],
        "dst",
    );
    assert_pages(&p, src, &[tag_byte(0x20, 0), tag_byte(0x20, 1), tag_byte(0x20, 2), 0], "src");
    finish(&k, &p, &[src_slice, dst, src]);
}

#[test]
fn check_6_pinned_page_on_either_side_is_bad_state() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let dst = seeded(&p, 4, 0x10);
    let src = seeded(&p, 4, 0x20);
    let before = observe(&k, &p, &[dst, src]);

    // A pinned page in the src range.
    let (pmt, _) = dev.pin(&p, src, 2, 1);
    assert_err!(
        p.vmo_transfer_data(dst, 0, 0, 4 * P, src, 0),
        ZX_ERR_BAD_STATE,
        "src page 2 pinned"
    );
    assert_err!(
        p.vmo_transfer_data(dst, 0, 0, P, src, 2 * P),
        ZX_ERR_BAD_STATE,
        "src page 2 pinned, 1 page"
    );
    // OUT_OF_RANGE comes before BAD_STATE on the same side.
    assert_err!(p.vmo_transfer_data(dst, 0, 0, 3 * P, src, 2 * P), ZX_ERR_OUT_OF_RANGE);
    assert_unchanged(&k, &p, &[dst, src], &before, "src pinned");
    // Pages beside the pinned one move.
    xfer(&p, dst, 0, 2 * P, src, 0);
    ok!(p.pmt_unpin(pmt));
    assert_pages(
        &p,
        dst,
        &[tag_byte(0x20, 0), tag_byte(0x20, 1), tag_byte(0x10, 2), tag_byte(0x10, 3)],
        "dst",
    );
    assert_pages(&p, src, &[0, 0, tag_byte(0x20, 2), tag_byte(0x20, 3)], "src");

    // A pinned page in the dst range.
    let before = observe(&k, &p, &[dst, src]);
    let (pmt, _) = dev.pin(&p, dst, 3, 1);
    assert_err!(
        p.vmo_transfer_data(dst, 0, 2 * P, 2 * P, src, 2 * P),
        ZX_ERR_BAD_STATE,
        "dst page 3 pinned"
    );
    assert_err!(
        p.vmo_transfer_data(dst, 0, 3 * P, P, src, 0),
        ZX_ERR_BAD_STATE,
        "dst page 3 pinned, src empty"
    );
    assert_err!(p.vmo_transfer_data(dst, 0, 3 * P, 2 * P, src, 0), ZX_ERR_OUT_OF_RANGE);
    assert_unchanged(&k, &p, &[dst, src], &before, "dst pinned");
    // A pinned page's PMT closed without unpin: still pinned (quarantine).
    ok!(p.handle_close(pmt));
    assert_err!(
        p.vmo_transfer_data(dst, 0, 3 * P, P, src, 3 * P),
        ZX_ERR_BAD_STATE,
        "dst page 3 quarantined"
    );
    assert_unchanged(&k, &p, &[dst, src], &before, "dst quarantined");
    ok!(p.bti_release_quarantine(dev.bti));
    xfer(&p, dst, 2 * P, 2 * P, src, 2 * P);
    assert_pages(
        &p,
        dst,
        &[tag_byte(0x20, 0), tag_byte(0x20, 1), tag_byte(0x20, 2), tag_byte(0x20, 3)],
        "dst",
    );
    assert_pages(&p, src, &[0, 0, 0, 0], "src");
    finish(&k, &p, &[dst, src]);
    dev.close(&p);
    assert_no_leak(&k);
}

#[test]
fn check_6_pins_through_slices_and_references_count() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let v = seeded(&p, 4, 0x40);
    let slice = child(&p, v, SLICE, 2 * P, 2 * P);
    let reference = child(&p, v, REFERENCE, 0, 0);
    let other = seeded(&p, 4, 0x50);
    let before = observe(&k, &p, &[v, other]);

    // Pinned through the slice (v's page 3), transferred through v or the reference.
    let (pmt, _) = dev.pin(&p, slice, 1, 1);
    assert_err!(p.vmo_transfer_data(other, 0, 0, P, v, 3 * P), ZX_ERR_BAD_STATE);
    assert_err!(p.vmo_transfer_data(v, 0, 3 * P, P, other, 0), ZX_ERR_BAD_STATE);
    assert_err!(p.vmo_transfer_data(other, 0, 0, 2 * P, reference, 2 * P), ZX_ERR_BAD_STATE);
    assert_err!(p.vmo_transfer_data(reference, 0, 2 * P, 2 * P, other, 0), ZX_ERR_BAD_STATE);
    ok!(p.pmt_unpin(pmt));
    // Pinned through v (page 2), transferred through the slice.
    let (pmt, _) = dev.pin(&p, v, 2, 1);
    assert_err!(p.vmo_transfer_data(other, 0, 0, P, slice, 0), ZX_ERR_BAD_STATE);
    assert_err!(p.vmo_transfer_data(slice, 0, 0, 2 * P, other, 0), ZX_ERR_BAD_STATE);
    // The slice's other page is not pinned.
    ok!(p.pmt_unpin(pmt));
    // Pinned through the reference.
    let (pmt, _) = dev.pin(&p, reference, 0, 1);
    assert_err!(p.vmo_transfer_data(other, 0, 0, P, v, 0), ZX_ERR_BAD_STATE);
    assert_unchanged(&k, &p, &[v, other], &before, "pins through children");
    xfer(&p, other, 0, P, slice, P);
    ok!(p.pmt_unpin(pmt));
    assert_pages(&p, v, &[tag_byte(0x40, 0), tag_byte(0x40, 1), tag_byte(0x40, 2), 0], "v");
    assert_pages(
        &p,
        other,
        &[tag_byte(0x40, 3), tag_byte(0x50, 1), tag_byte(0x50, 2), tag_byte(0x50, 3)],
        "other",
    );
    finish(&k, &p, &[slice, reference, v, other]);
    dev.close(&p);
    assert_no_leak(&k);
}

#[test]
fn check_6_a_pinned_page_of_a_snapshot_relative_does_not_block() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let parent = seeded(&p, 2, 0x60);
    let c = child(&p, parent, SNAPSHOT, 0, 2 * P);
    // Pinning the child forks page 0 into it; the parent's page 0 is not pinned.
    let (pmt, _) = dev.pin(&p, c, 0, 1);
    let dst = vmo(&p, 2 * P);
    xfer(&p, dst, 0, 2 * P, parent, 0);
    assert_pages(&p, dst, &[tag_byte(0x60, 0), tag_byte(0x60, 1)], "dst");
    assert_pages(&p, parent, &[0, 0], "parent");
    assert_pages(&p, c, &[tag_byte(0x60, 0), tag_byte(0x60, 1)], "child");
    // The child's own pinned page blocks a transfer out of the child.
    assert_err!(p.vmo_transfer_data(dst, 0, 0, P, c, 0), ZX_ERR_BAD_STATE);
    ok!(p.pmt_unpin(pmt));
    finish(&k, &p, &[c, parent, dst]);
    dev.close(&p);
    assert_no_leak(&k);
}

#[test]
fn check_6_src_side_is_checked_before_dst_side() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let phys = dev.physical(&p, 2);
    let contig = dev.contiguous(&p, 2);
    let v = seeded(&p, 4, 0x10);
    let w = seeded(&p, 4, 0x20);
    let (pmt_v, _) = dev.pin(&p, v, 0, 1);
    let (pmt_w, _) = dev.pin(&p, w, 0, 1);
    let before = observe(&k, &p, &[v, w]);

    // src NOT_SUPPORTED vs every dst error.
    assert_err!(
        p.vmo_transfer_data(v, 0, 100 * P, P, phys, 0),
        ZX_ERR_NOT_SUPPORTED,
        "src phys, dst out of range"
    );
    assert_err!(
        p.vmo_transfer_data(v, 0, 0, P, contig, 0),
        ZX_ERR_NOT_SUPPORTED,
        "src contig, dst pinned"
    );
    // src OUT_OF_RANGE vs dst NOT_SUPPORTED / BAD_STATE.
    assert_err!(
        p.vmo_transfer_data(phys, 0, 0, P, v, 100 * P),
        ZX_ERR_OUT_OF_RANGE,
        "src range, dst phys"
    );
    assert_err!(
        p.vmo_transfer_data(contig, 0, 0, P, v, TOP_PAGE),
        ZX_ERR_OUT_OF_RANGE,
        "src overflow, dst contig"
    );
    assert_err!(
        p.vmo_transfer_data(w, 0, 0, P, v, 100 * P),
        ZX_ERR_OUT_OF_RANGE,
        "src range, dst pinned"
    );
    // src BAD_STATE vs dst NOT_SUPPORTED / OUT_OF_RANGE.
    assert_err!(p.vmo_transfer_data(phys, 0, 0, P, v, 0), ZX_ERR_BAD_STATE, "src pinned, dst phys");
    assert_err!(
        p.vmo_transfer_data(contig, 0, 0, P, v, 0),
        ZX_ERR_BAD_STATE,
        "src pinned, dst contig"
    );
    assert_err!(
        p.vmo_transfer_data(w, 0, 100 * P, P, v, 0),
        ZX_ERR_BAD_STATE,
        "src pinned, dst out of range"
    );
    // src fine: the dst side decides.
    assert_err!(
        p.vmo_transfer_data(phys, 0, 100 * P, P, v, P),
        ZX_ERR_NOT_SUPPORTED,
        "dst phys and out of range"
    );
    assert_err!(
        p.vmo_transfer_data(w, 0, 100 * P, P, v, P),
        ZX_ERR_OUT_OF_RANGE,
        "dst out of range"
    );
    assert_err!(p.vmo_transfer_data(w, 0, 0, P, v, P), ZX_ERR_BAD_STATE, "dst pinned");
    assert_unchanged(&k, &p, &[v, w], &before, "ordering");

    ok!(p.pmt_unpin(pmt_v));
    ok!(p.pmt_unpin(pmt_w));
    finish(&k, &p, &[phys, contig, v, w]);
    dev.close(&p);
    assert_no_leak(&k);
}

// ---------------------------------------------------------------------------------------------
// §8 check 7: NO_MEMORY, all or nothing
// ---------------------------------------------------------------------------------------------

/// A kernel of 32 pages in which `src` (a snapshot child) shares 7 pages with its parent and
/// owns 1; dst has 2 pages of its own in the range. Returns (kernel, process, parent, src, dst)
/// with 11 pages in use.
fn shared_src_setup() -> (Kernel, Process, zx_handle_t, zx_handle_t, zx_handle_t) {
    let (k, p) = setup_with_pages(32);
    let parent = seeded(&p, 8, 0x80);
    let src = child(&p, parent, SNAPSHOT, 0, 8 * P);
    tag(&p, src, 0, 0xC0);
    let dst = vmo(&p, 8 * P);
    tag(&p, dst, 1, 0xD1);
    tag(&p, dst, 5, 0xD5);
    assert_eq!(vmo_bytes(&k), 11 * P, "setup: 8 parent pages + 1 fork + 2 dst pages");
    (k, p, parent, src, dst)
}

#[test]
fn check_7_no_memory_for_copies_leaves_both_sides_exactly_as_before() {
    let (k, p, parent, src, dst) = shared_src_setup();
    let slice = child(&p, dst, SLICE, 0, 8 * P);
    // Leave 4 pages free: the 7 shared pages of src need 7 copies (more than the 4 free pages
    // and the 2 dst pages that the transfer would release together).
    let filler = vmo(&p, 17 * P);
    fill(&p, filler, 0, 17 * P as usize, 0xFF);
    assert_eq!(free_bytes(&k), 4 * P);
    let handles = [parent, src, dst, slice, filler];
    let before = observe(&k, &p, &handles);

    assert_err!(p.vmo_transfer_data(dst, 0, 0, 8 * P, src, 0), ZX_ERR_NO_MEMORY);
    assert_unchanged(&k, &p, &handles, &before, "NO_MEMORY");
    assert_clean(&k);
    // Through a slice of dst, and at other offsets: the same.
    assert_err!(p.vmo_transfer_data(slice, 0, 0, 8 * P, src, 0), ZX_ERR_NO_MEMORY);
    assert_err!(p.vmo_transfer_data(dst, 0, P, 7 * P, src, P), ZX_ERR_NO_MEMORY);
    assert_unchanged(&k, &p, &handles, &before, "NO_MEMORY again");
    assert_clean(&k);

    // Free 2 filler pages: 6 shared pages need 6 copies, exactly what is free.
    ok!(p.vmo_op_range(filler, ZX_VMO_OP_DECOMMIT, 0, 2 * P, &mut []));
    assert_eq!(free_bytes(&k), 6 * P);
    xfer(&p, dst, 2 * P, 6 * P, src, 2 * P);
    assert_eq!(free_bytes(&k), P, "6 copies taken, dst's old page 5 released");
    let mut want_dst = vec![0, 0xD1];
    want_dst.extend((2..8).map(|i| tag_byte(0x80, i)));
    assert_pages(&p, dst, &want_dst, "dst after 6 copies");
    assert_pages(&p, src, &[0xC0, tag_byte(0x80, 1), 0, 0, 0, 0, 0, 0], "src after");
    let want_parent: Vec<u8> = (0..8).map(|i| tag_byte(0x80, i)).collect();
    assert_pages(&p, parent, &want_parent, "parent keeps its view");

    // Memory full: src's shared page 1 cannot be copied into an empty VMO, and src's private
    // page 0, which could move, must not.
    let last = vmo(&p, P);
    fill(&p, last, 0, P as usize, 0xFE);
    assert_eq!(free_bytes(&k), 0);
    let dst2 = vmo(&p, 2 * P);
    let handles = [parent, src, dst, dst2, slice, filler, last];
    let before = observe(&k, &p, &handles);
    assert_err!(p.vmo_transfer_data(dst2, 0, 0, 2 * P, src, 0), ZX_ERR_NO_MEMORY);
    assert_unchanged(&k, &p, &handles, &before, "NO_MEMORY with a full allocator");
    // The private page alone needs no memory.
    xfer(&p, dst2, 0, P, src, 0);
    assert_pages(&p, dst2, &[0xC0, 0], "dst2 page 0 moved without memory");
    assert_pages(&p, src, &[0, tag_byte(0x80, 1), 0, 0, 0, 0, 0, 0], "src");
    assert_eq!(free_bytes(&k), 0);
    finish(&k, &p, &[slice, dst, dst2, src, parent, filler, last]);
}

#[test]
fn check_7_no_memory_when_src_is_the_parent_of_a_snapshot() {
    let (k, p) = setup_with_pages(16);
    let parent = seeded(&p, 4, 0x90);
    let c = child(&p, parent, SNAPSHOT, 0, 4 * P);
    tag(&p, parent, 3, 0xA3); // the parent's own page 3; pages 0..3 shared with c
    let dst = vmo(&p, 4 * P);
    let filler = vmo(&p, 9 * P);
    fill(&p, filler, 0, 9 * P as usize, 0xFF);
    assert_eq!(free_bytes(&k), 2 * P, "5 + 9 of 16 pages in use");
    let handles = [parent, c, dst, filler];
    let before = observe(&k, &p, &handles);
    assert_err!(p.vmo_transfer_data(dst, 0, 0, 4 * P, parent, 0), ZX_ERR_NO_MEMORY);
    assert_unchanged(&k, &p, &handles, &before, "NO_MEMORY, parent src");
    // An error found earlier wins over NO_MEMORY.
    assert_err!(p.vmo_transfer_data(dst, 0, P, 4 * P, parent, 0), ZX_ERR_OUT_OF_RANGE);
    assert_unchanged(&k, &p, &handles, &before, "OUT_OF_RANGE");
    // One page more: the 3 copies can be had.
    ok!(p.vmo_op_range(filler, ZX_VMO_OP_DECOMMIT, 0, P, &mut []));
    xfer(&p, dst, 0, 4 * P, parent, 0);
    assert_eq!(free_bytes(&k), 0);
    assert_pages(&p, dst, &[tag_byte(0x90, 0), tag_byte(0x90, 1), tag_byte(0x90, 2), 0xA3], "dst");
    assert_pages(&p, parent, &[0, 0, 0, 0], "parent");
    let want_c: Vec<u8> = (0..4).map(|i| tag_byte(0x90, i)).collect();
    assert_pages(&p, c, &want_c, "child");
    finish(&k, &p, &[c, parent, dst, filler]);
}
