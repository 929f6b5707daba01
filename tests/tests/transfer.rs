//! Conformance tests for docs/reference.md §8, `zx_vmo_transfer_data`: every error and the order in
//! which the checks run, the "stronger than Zircon" guarantees (all or nothing, NO_MEMORY
//! included; atomic to other threads; no page lost or duplicated; no deadlock), and the effect
//! of a transfer for every kind of VMO on either side: roots, SNAPSHOT children, parents of
//! snapshots, SLICEs and REFERENCEs.
//!
//! The zero-copy claim is checked through the physical addresses `bti_pin` reports (§7): the
//! address of a page read before the transfer (then unpinned) is the address of the same data
//! in dst afterwards, and `kmem_stats().vmo_bytes` does not grow for pages src owns alone.
//!
//! Every test ends with `check_invariants` and, once every handle is closed and every pin
//! released, a leak check (`free_bytes == total_bytes`, `vmo_bytes == 0`).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::Duration;

use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Process};

const SNAPSHOT: u32 = ZX_VMO_CHILD_SNAPSHOT;
const SLICE: u32 = ZX_VMO_CHILD_SLICE;
const REFERENCE: u32 = ZX_VMO_CHILD_REFERENCE;
const R: u32 = ZX_BTI_PERM_READ;
/// The largest page-aligned u64: adding a page or more to it overflows.
const TOP_PAGE: u64 = !(P - 1);

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

/// Pinning through the shared [`Dev`] helper, as these tests use it.
trait PinPages {
    fn pin(
        &self,
        p: &Process,
        vmo: zx_handle_t,
        first: u64,
        pages: u64,
    ) -> (zx_handle_t, Vec<zx_paddr_t>);
    fn addrs(&self, p: &Process, vmo: zx_handle_t, first: u64, pages: u64) -> Vec<zx_paddr_t>;
}

impl PinPages for Dev {
    /// Pins `pages` pages of `vmo` from page `first` for reading; returns the PMT and addresses.
    #[track_caller]
    fn pin(
        &self,
        p: &Process,
        vmo: zx_handle_t,
        first: u64,
        pages: u64,
    ) -> (zx_handle_t, Vec<zx_paddr_t>) {
        let mut addrs = vec![0; pages as usize];
        match p.bti_pin(self.bti, R, vmo, first * P, pages * P, &mut addrs) {
            Ok(pmt) => (pmt, addrs),
            Err(s) => panic!("bti_pin(vmo {vmo:#x}, page {first}, {pages} pages): {s}"),
        }
    }

    /// The physical addresses of `pages` pages of `vmo` from page `first`: pinned, then
    /// unpinned at once. (Pinning commits: only use this on pages the VMO owns.)
    #[track_caller]
    fn addrs(&self, p: &Process, vmo: zx_handle_t, first: u64, pages: u64) -> Vec<zx_paddr_t> {
        let (pmt, addrs) = self.pin(p, vmo, first, pages);
        ok!(p.pmt_unpin(pmt));
        addrs
    }
}

/// The byte that page `i` of a tagged VMO holds: never zero, different for neighbours.
fn tag_byte(seed: u8, i: u64) -> u8 {
    seed.wrapping_add((i as u8).wrapping_mul(7)) | 1
}

/// A root VMO of `pages` pages, page `i` filled with `tag_byte(seed, i)`.
#[track_caller]
fn tagged(p: &Process, pages: u64, seed: u8) -> zx_handle_t {
    let h = vmo(p, pages * P);
    for i in 0..pages {
        fill(p, h, i * P, P as usize, tag_byte(seed, i));
    }
    h
}

/// What each page of `h` holds, as one byte per page; panics on a page that is not uniform.
#[track_caller]
fn page_bytes(p: &Process, h: zx_handle_t, pages: u64) -> Vec<u8> {
    let all = read_vec(p, h, 0, (pages * P) as usize);
    all.chunks(P as usize)
        .enumerate()
        .map(|(i, page)| {
            let b = page[0];
            if let Some(j) = page.iter().position(|&x| x != b) {
                panic!(
                    "page {i} of {h:#x} is not uniform: byte {j} is {:#04x}, byte 0 {b:#04x}",
                    page[j]
                );
            }
            b
        })
        .collect()
}

/// Asserts the per-page content of `h`.
#[track_caller]
fn assert_pages(p: &Process, h: zx_handle_t, expected: &[u8], what: &str) {
    let got = page_bytes(p, h, expected.len() as u64);
    assert_eq!(got, expected, "{what}: per-page bytes (expected left)");
}

/// `vmo_transfer_data(dst, 0, offset, length, src, src_offset)`, panicking on failure.
#[track_caller]
fn xfer(
    p: &Process,
    dst: zx_handle_t,
    offset: u64,
    length: u64,
    src: zx_handle_t,
    src_offset: u64,
) {
    if let Err(s) = p.vmo_transfer_data(dst, 0, offset, length, src, src_offset) {
        panic!(
            "vmo_transfer_data(dst {dst:#x}, 0, {offset:#x}, {length:#x}, src {src:#x}, {src_offset:#x}): {s}"
        );
    }
}

/// Everything a failed transfer must leave as it was: the bytes and the `ZX_INFO_VMO`
/// attribution of each VMO, and the allocator's counts.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    bytes: Vec<Vec<u8>>,
    attribution: Vec<(u64, u64, u64, u64)>,
    vmo_bytes: u64,
    free_bytes: u64,
}

#[track_caller]
fn observe(k: &Kernel, p: &Process, handles: &[zx_handle_t]) -> Seen {
    let mut bytes = Vec::new();
    let mut attribution = Vec::new();
    for &h in handles {
        let size = ok!(p.vmo_get_size(h));
        bytes.push(read_vec(p, h, 0, size as usize));
        let i = vmo_info(p, h);
        attribution.push((
            i.size_bytes,
            i.committed_bytes,
            i.committed_private_bytes,
            i.committed_scaled_bytes,
        ));
    }
    let s = k.kmem_stats();
    Seen { bytes, attribution, vmo_bytes: s.vmo_bytes, free_bytes: s.free_bytes }
}

/// Asserts that nothing observable changed since `before`.
#[track_caller]
fn assert_unchanged(k: &Kernel, p: &Process, handles: &[zx_handle_t], before: &Seen, what: &str) {
    let now = observe(k, p, handles);
    for (i, (a, b)) in before.bytes.iter().zip(&now.bytes).enumerate() {
        if let Some(j) = a.iter().zip(b).position(|(x, y)| x != y) {
            panic!(
                "{what}: VMO #{i} ({:#x}) changed at byte {j:#x}: {:#04x} before, {:#04x} after",
                handles[i], a[j], b[j]
            );
        }
    }
    assert_eq!(
        before.attribution, now.attribution,
        "{what}: (size, committed, private, scaled) per VMO changed (before left)"
    );
    assert_eq!(before.vmo_bytes, now.vmo_bytes, "{what}: kmem vmo_bytes changed");
    assert_eq!(before.free_bytes, now.free_bytes, "{what}: kmem free_bytes changed");
}

// ---------------------------------------------------------------------------------------------
// §8 check 1 and 2: options, then alignment (before any handle is looked up)
// ---------------------------------------------------------------------------------------------

#[test]
fn check_1_options_must_be_zero_before_anything_else() {
    let (k, p) = setup();
    let dst = tagged(&p, 2, 0x10);
    let src = tagged(&p, 2, 0x20);
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
    let dst = tagged(&p, 4, 0x10);
    let src = tagged(&p, 4, 0x20);
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
    let dst = tagged(&p, 2, 0x10);
    let src = tagged(&p, 2, 0x20);
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
    let dst = tagged(&p, 2, 0x10);
    let src = tagged(&p, 2, 0x20);
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
    let v = tagged(&p, 4, 0x30);
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
    let dst = tagged(&p, 2, 0x10);
    let src = tagged(&p, 2, 0x20);
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
    let v = tagged(&p, 4, 0x30);
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
    let v = tagged(&p, 4, 0x30);
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
    let dst = tagged(&p, 4, 0x10);
    let src = tagged(&p, 4, 0x20);
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
    let dst = tagged(&p, 4, 0x10);
    let src = tagged(&p, 4, 0x20);
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
    let v = tagged(&p, 4, 0x40);
    let slice = child(&p, v, SLICE, 2 * P, 2 * P);
    let reference = child(&p, v, REFERENCE, 0, 0);
    let other = tagged(&p, 4, 0x50);
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
    let parent = tagged(&p, 2, 0x60);
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
    let v = tagged(&p, 4, 0x10);
    let w = tagged(&p, 4, 0x20);
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
    let parent = tagged(&p, 8, 0x80);
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
    let parent = tagged(&p, 4, 0x90);
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

// ---------------------------------------------------------------------------------------------
// Effects: root VMOs
// ---------------------------------------------------------------------------------------------

#[test]
fn root_to_root_moves_the_same_physical_pages_and_committed_bytes() {
    let (k, p) = setup();
    let dev = Dev::new(&p);
    let src = tagged(&p, 4, 0x20);
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
    let a = tagged(&p, 3, 0x11);
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
    let dst = tagged(&p, 4, 0x10);
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
    let v = tagged(&p, 6, 0x70);
    let addrs = dev.addrs(&p, v, 0, 4);
    xfer(&p, v, 2 * P, 4 * P, v, 0);
    assert_pages(&p, v, &[0, 0, t(0), t(1), t(2), t(3)], "forward");
    assert_eq!(committed(&p, v), 4 * P);
    assert_eq!(vmo_bytes(&k), 4 * P, "the 2 overwritten pages are released, none allocated");
    assert_eq!(dev.addrs(&p, v, 2, 4), addrs, "forward overlap moves the pages");

    // Backward: [2P, 6P) -> [0, 4P), through a second handle.
    let w = tagged(&p, 6, 0x70);
    let w2 = dup(&p, w, VMO_RIGHTS);
    xfer(&p, w, 0, 4 * P, w2, 2 * P);
    assert_pages(&p, w, &[t(2), t(3), t(4), t(5), 0, 0], "backward");
    assert_eq!(committed(&p, w), 4 * P);

    // One page apart: [0, 5P) -> [P, 6P) and back.
    let x = tagged(&p, 6, 0x70);
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
    let v = tagged(&p, 4, 0x71);
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
    let parent = tagged(&p, 3, 0xA0);
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
    let parent = tagged(&p, 3, 0xA4);
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
    let parent = tagged(&p, 2, 0xA8);
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
    let root = tagged(&p, 3, 0xAC);
    let c1 = child(&p, root, SNAPSHOT, 0, 3 * P);
    tag(&p, c1, 1, 0xC1);
    let c2 = child(&p, c1, SNAPSHOT, 0, 3 * P);
    let c3 = child(&p, c2, SNAPSHOT, 0, 3 * P);
    tag(&p, c3, 2, 0xC3);
    let dst = tagged(&p, 3, 0x10);
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
    let parent = tagged(&p, 2, 0xB4);
    let c = child(&p, parent, SNAPSHOT, 0, 4 * P);
    tag(&p, c, 3, 0xC3); // past the parent's end
    let dst = tagged(&p, 4, 0x10);
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
    let v = tagged(&p, 4, 0xB8);
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
    let parent = tagged(&p, 4, 0xBC);
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
    let parent = tagged(&p, 3, 0xC4);
    let c = child(&p, parent, SNAPSHOT, 0, 3 * P);
    let src = tagged(&p, 2, 0x24);
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
    let parent = tagged(&p, 3, 0xC8);
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
    let parent = tagged(&p, 3, 0xCC);
    let c = child(&p, parent, SNAPSHOT, 0, 3 * P);
    let src = tagged(&p, 3, 0x2C);
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
    let src2 = tagged(&p, 3, 0x3C);
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
    let src = tagged(&p, 4, 0x34);
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
    let src = tagged(&p, 4, 0x38);
    let dst = tagged(&p, 4, 0x18);
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
    let parent = tagged(&p, 2, 0xD0);
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
    let parent = tagged(&p, 4, 0xD4);
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
    let parent = tagged(&p, 3, 0xD8);
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
    let parent = tagged(&p, 2, 0xDC);
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
    let parent = tagged(&p, 4, 0xE0);
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
    let dst = tagged(&p, 4, 0x10);
    xfer(&p, dst, 0, 4 * P, parent, 0);
    assert_pages(&p, dst, &[a(0), 0, 0, 0], "dst");
    assert_pages(&p, parent, &[0, 0, 0, 0], "parent");
    assert_pages(&p, c, &[a(0), a(1), a(2), a(3)], "child");
    // The same for a resizable child that shrank and grew back.
    let c2 = child(&p, c, SNAPSHOT | ZX_VMO_CHILD_RESIZABLE, 0, 4 * P);
    ok!(p.vmo_set_size(c2, 2 * P));
    ok!(p.vmo_set_size(c2, 4 * P));
    let dst2 = tagged(&p, 4, 0x20);
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
    let parent = tagged(&p, 2, 0xE8);
    let c = child(&p, parent, SNAPSHOT, 0, 2 * P);
    ok!(p.handle_close(parent));
    let dst = vmo(&p, 2 * P);
    xfer(&p, dst, 0, 2 * P, c, 0);
    assert_pages(&p, dst, &[a(0), a(1)], "dst");
    assert_eq!(vmo_bytes(&k), 2 * P, "no copy once the parent is gone");
    // The child overwrote every page: the parent's old pages are its own alone.
    let parent2 = tagged(&p, 2, 0xEC);
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
    let src = tagged(&p, 2, 0xF0);
    let dst = vmo(&p, 2 * P);
    xfer(&p, dst, 0, 2 * P, src, 0);
    let snap = child(&p, dst, SNAPSHOT, 0, 2 * P);
    let src_snap = child(&p, src, SNAPSHOT, 0, 2 * P);
    assert_pages(&p, snap, &[s(0), s(1)], "snapshot of dst");
    assert_pages(&p, src_snap, &[0, 0], "snapshot of src");
    // Transfer again into dst: the snapshot keeps the first content.
    let src2 = tagged(&p, 2, 0xF4);
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
    let a = tagged(&p, 16, 0x61);
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
    let parent = tagged(&p, 8, 0x62);
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
