//! Helpers of the `vmo_transfer_data` conformance tests (`tests/tests/transfer_*.rs`).

use crate::*;
use zx_kernel::zx::*;
use zx_kernel::{Kernel, Process};

/// `ZX_VMO_CHILD_SNAPSHOT`.
pub const SNAPSHOT: u32 = ZX_VMO_CHILD_SNAPSHOT;
/// `ZX_VMO_CHILD_SLICE`.
pub const SLICE: u32 = ZX_VMO_CHILD_SLICE;
/// `ZX_VMO_CHILD_REFERENCE`.
pub const REFERENCE: u32 = ZX_VMO_CHILD_REFERENCE;
/// `ZX_BTI_PERM_READ`.
pub const R: u32 = ZX_BTI_PERM_READ;
/// The largest page-aligned u64: adding a page or more to it overflows.
pub const TOP_PAGE: u64 = !(P - 1);

/// Pinning through the shared [`Dev`] helper, as these tests use it.
pub trait PinPages {
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
pub fn tag_byte(seed: u8, i: u64) -> u8 {
    seed.wrapping_add((i as u8).wrapping_mul(7)) | 1
}

/// A root VMO of `pages` pages, page `i` filled with `tag_byte(seed, i)`.
#[track_caller]
pub fn seeded(p: &Process, pages: u64, seed: u8) -> zx_handle_t {
    let h = vmo(p, pages * P);
    for i in 0..pages {
        fill(p, h, i * P, P as usize, tag_byte(seed, i));
    }
    h
}

/// What each page of `h` holds, as one byte per page; panics on a page that is not uniform.
#[track_caller]
pub fn page_bytes(p: &Process, h: zx_handle_t, pages: u64) -> Vec<u8> {
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
pub fn assert_pages(p: &Process, h: zx_handle_t, expected: &[u8], what: &str) {
    let got = page_bytes(p, h, expected.len() as u64);
    assert_eq!(got, expected, "{what}: per-page bytes (expected left)");
}

/// `vmo_transfer_data(dst, 0, offset, length, src, src_offset)`, panicking on failure.
#[track_caller]
pub fn xfer(
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
pub struct Seen {
    bytes: Vec<Vec<u8>>,
    attribution: Vec<(u64, u64, u64, u64)>,
    vmo_bytes: u64,
    free_bytes: u64,
}

#[track_caller]
pub fn observe(k: &Kernel, p: &Process, handles: &[zx_handle_t]) -> Seen {
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
pub fn assert_unchanged(
    k: &Kernel,
    p: &Process,
    handles: &[zx_handle_t],
    before: &Seen,
    what: &str,
) {
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
