//! Shared helpers for the conformance tests.
//!
//! Everything here uses only the public API of `zx-kernel` (docs/reference.md §0): tests build on
//! these helpers so that every assertion prints the C name of the status it expected and the
//! one it got, and so that every test can end with the same invariant and leak checks.
#![forbid(unsafe_code)]

use std::fmt::Debug;

pub mod children;
pub mod pager;
pub mod pinning;
pub mod transfer;
pub mod vmar;

use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Process, Status};

/// The page size, as a `u64`.
pub const P: u64 = 4096;

/// The largest VMO size (docs/reference.md §1).
pub const MAX_SIZE: u64 = 0xFFFF_FFFF_FFFE_0000;

/// The default rights of a new VMO handle.
pub const VMO_RIGHTS: zx_rights_t = 0xD0EF;

/// The rights of the first handle to a resizable VMO.
pub const RESIZABLE_VMO_RIGHTS: zx_rights_t = 0xD0EF | 0x40_0000;

/// The `Status` for a raw `ZX_ERR_*` value.
pub fn st(raw: zx_status_t) -> Status {
    Status::from_raw(raw)
}

/// Asserts that `result` is `Err(expected)`, with a readable message naming both statuses.
#[track_caller]
pub fn expect_err<T: Debug>(result: Result<T, Status>, expected: zx_status_t, what: &str) {
    let want = st(expected);
    match result {
        Err(got) if got == want => {}
        Err(got) => panic!("{what}: expected {want} ({expected}), got {got} ({})", got.into_raw()),
        Ok(v) => panic!("{what}: expected {want} ({expected}), got Ok({v:?})"),
    }
}

/// Asserts that an expression returns `Err(ZX_ERR_...)`: `assert_err!(p.vmo_read(..), ZX_ERR_X)`.
#[macro_export]
macro_rules! assert_err {
    ($e:expr, $status:expr) => {
        $crate::expect_err($e, $status, stringify!($e))
    };
    ($e:expr, $status:expr, $($fmt:tt)+) => {
        $crate::expect_err($e, $status, &format!($($fmt)+))
    };
}

/// Unwraps a `Result<T, Status>`, panicking with the expression and the status name.
#[macro_export]
macro_rules! ok {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(s) => panic!("{} failed: {} ({})", stringify!($e), s, s.into_raw()),
        }
    };
}

/// A kernel with the default configuration and one process.
pub fn setup() -> (Kernel, Process) {
    let kernel = Kernel::new(KernelConfig::default());
    let process = kernel.create_process();
    (kernel, process)
}

/// A kernel whose RAM is `pages` pages, and one process.
pub fn setup_with_pages(pages: u64) -> (Kernel, Process) {
    let kernel = Kernel::new(KernelConfig { memory_bytes: pages * P, ..KernelConfig::default() });
    let process = kernel.create_process();
    (kernel, process)
}

/// Asserts that `kernel.check_invariants()` holds.
#[track_caller]
pub fn assert_clean(kernel: &Kernel) {
    if let Err(e) = kernel.check_invariants() {
        panic!("kernel invariants violated: {e}");
    }
}

/// After every handle is closed: invariants hold, all memory is back in the allocator.
#[track_caller]
pub fn assert_no_leak(kernel: &Kernel) {
    assert_clean(kernel);
    let s = kernel.kmem_stats();
    assert_eq!(
        s.free_bytes, s.total_bytes,
        "memory leaked: free_bytes {} != total_bytes {} (vmo_bytes {})",
        s.free_bytes, s.total_bytes, s.vmo_bytes
    );
    assert_eq!(s.vmo_bytes, 0, "vmo_bytes not 0 after closing everything");
}

/// Closes every handle in `handles` (each must close with OK).
#[track_caller]
pub fn close_all(p: &Process, handles: &[zx_handle_t]) {
    for &h in handles {
        if let Err(s) = p.handle_close(h) {
            panic!("handle_close({h:#x}) failed: {s}");
        }
    }
}

/// Creates a VMO, panicking on failure.
#[track_caller]
pub fn vmo(p: &Process, size: u64) -> zx_handle_t {
    match p.vmo_create(size, 0) {
        Ok(h) => h,
        Err(s) => panic!("vmo_create({size}, 0) failed: {s}"),
    }
}

/// Creates a VMO with options, panicking on failure.
#[track_caller]
pub fn vmo_opts(p: &Process, size: u64, options: u32) -> zx_handle_t {
    match p.vmo_create(size, options) {
        Ok(h) => h,
        Err(s) => panic!("vmo_create({size}, {options:#x}) failed: {s}"),
    }
}

/// Creates an event, panicking on failure.
#[track_caller]
pub fn event(p: &Process) -> zx_handle_t {
    match p.event_create(0) {
        Ok(h) => h,
        Err(s) => panic!("event_create(0) failed: {s}"),
    }
}

/// `ZX_INFO_HANDLE_BASIC` of a handle.
#[track_caller]
pub fn basic(p: &Process, h: zx_handle_t) -> zx_info_handle_basic_t {
    match p.object_get_info_handle_basic(h) {
        Ok(i) => i,
        Err(s) => panic!("object_get_info_handle_basic({h:#x}) failed: {s}"),
    }
}

/// The rights of a handle.
#[track_caller]
pub fn rights_of(p: &Process, h: zx_handle_t) -> zx_rights_t {
    basic(p, h).rights
}

/// The koid of the object a handle names.
#[track_caller]
pub fn koid_of(p: &Process, h: zx_handle_t) -> zx_koid_t {
    basic(p, h).koid
}

/// `ZX_INFO_VMO` of a VMO handle.
#[track_caller]
pub fn vmo_info(p: &Process, h: zx_handle_t) -> zx_info_vmo_t {
    match p.object_get_info_vmo(h) {
        Ok(i) => i,
        Err(s) => panic!("object_get_info_vmo({h:#x}) failed: {s}"),
    }
}

/// `committed_bytes` of a VMO.
#[track_caller]
pub fn committed(p: &Process, h: zx_handle_t) -> u64 {
    vmo_info(p, h).committed_bytes
}

/// A duplicate of `h` with exactly `rights`.
#[track_caller]
pub fn dup(p: &Process, h: zx_handle_t, rights: zx_rights_t) -> zx_handle_t {
    match p.handle_duplicate(h, rights) {
        Ok(d) => d,
        Err(s) => panic!("handle_duplicate({h:#x}, {rights:#x}) failed: {s}"),
    }
}

/// Reads `len` bytes at `offset`.
#[track_caller]
pub fn read_vec(p: &Process, h: zx_handle_t, offset: u64, len: usize) -> Vec<u8> {
    let mut buf = vec![0xEEu8; len];
    if let Err(s) = p.vmo_read(h, &mut buf, offset) {
        panic!("vmo_read({h:#x}, len {len}, offset {offset:#x}) failed: {s}");
    }
    buf
}

/// Writes `len` copies of `byte` at `offset`.
#[track_caller]
pub fn fill(p: &Process, h: zx_handle_t, offset: u64, len: usize, byte: u8) {
    let buf = vec![byte; len];
    if let Err(s) = p.vmo_write(h, &buf, offset) {
        panic!("vmo_write({h:#x}, len {len}, offset {offset:#x}) failed: {s}");
    }
}

/// Asserts that `[offset, offset+len)` reads as `byte` everywhere.
#[track_caller]
pub fn assert_bytes(p: &Process, h: zx_handle_t, offset: u64, len: usize, byte: u8) {
    let buf = read_vec(p, h, offset, len);
    if let Some(i) = buf.iter().position(|&b| b != byte) {
        panic!(
            "byte at offset {:#x} is {:#04x}, expected {byte:#04x} (range {offset:#x}+{len:#x})",
            offset + i as u64,
            buf[i]
        );
    }
}

/// A deterministic, position-dependent byte pattern (never all zero).
pub fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) | 1).collect()
}

/// `ZX_PROP_VMO_CONTENT_SIZE` of a VMO.
#[track_caller]
pub fn content_size(p: &Process, h: zx_handle_t) -> u64 {
    let mut buf = [0u8; 8];
    if let Err(s) = p.object_get_property(h, ZX_PROP_VMO_CONTENT_SIZE, &mut buf) {
        panic!("get ZX_PROP_VMO_CONTENT_SIZE failed: {s}");
    }
    u64::from_le_bytes(buf)
}

/// `ZX_PROP_NAME` of an object, all 32 bytes.
#[track_caller]
pub fn name_prop(p: &Process, h: zx_handle_t) -> [u8; 32] {
    let mut buf = [0xEEu8; 32];
    if let Err(s) = p.object_get_property(h, ZX_PROP_NAME, &mut buf) {
        panic!("get ZX_PROP_NAME failed: {s}");
    }
    buf
}

/// A name as the 32-byte, NUL-padded array the kernel stores.
pub fn padded_name(name: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let n = name.len().min(31);
    out[..n].copy_from_slice(&name[..n]);
    out
}

/// The four little-endian u64 fields of a `zx_vmo_lock_state_t`:
/// `(offset, size, discarded_offset, discarded_size)`.
pub fn lock_state(buf: &[u8]) -> (u64, u64, u64, u64) {
    let f = |i: usize| u64::from_le_bytes(buf[i * 8..i * 8 + 8].try_into().unwrap());
    (f(0), f(1), f(2), f(3))
}

/// `kmem_stats().free_bytes`.
pub fn free_bytes(k: &Kernel) -> u64 {
    k.kmem_stats().free_bytes
}

/// `kmem_stats().vmo_bytes`.
pub fn vmo_bytes(k: &Kernel) -> u64 {
    k.kmem_stats().vmo_bytes
}

/// Rounds up to a page.
pub fn round_up(x: u64) -> u64 {
    x.div_ceil(P) * P
}

/// `vmo_create_child`, panicking with the call's arguments on failure.
#[track_caller]
pub fn child(p: &Process, h: zx_handle_t, options: u32, offset: u64, size: u64) -> zx_handle_t {
    match p.vmo_create_child(h, options, offset, size) {
        Ok(c) => c,
        Err(s) => panic!("vmo_create_child({h:#x}, {options:#x}, {offset:#x}, {size:#x}): {s}"),
    }
}

/// A SNAPSHOT child of `[offset, offset+size)`.
#[track_caller]
pub fn snap(p: &Process, h: zx_handle_t, offset: u64, size: u64) -> zx_handle_t {
    child(p, h, ZX_VMO_CHILD_SNAPSHOT, offset, size)
}

/// Fills page `page` with `byte`.
#[track_caller]
pub fn tag(p: &Process, h: zx_handle_t, page: u64, byte: u8) {
    fill(p, h, page * P, P as usize, byte);
}

/// A VMO of `bytes.len()` pages where page `i` is filled with `bytes[i]` (0: left uncommitted).
#[track_caller]
pub fn tagged(p: &Process, bytes: &[u8], options: u32) -> zx_handle_t {
    let h = vmo_opts(p, bytes.len() as u64 * P, options);
    for (i, &b) in bytes.iter().enumerate() {
        if b != 0 {
            tag(p, h, i as u64, b);
        }
    }
    h
}

/// Reads the first `n` pages; each must be uniform; returns one byte per page.
#[track_caller]
pub fn pages(p: &Process, h: zx_handle_t, n: u64) -> Vec<u8> {
    let buf = read_vec(p, h, 0, (n * P) as usize);
    buf.chunks(P as usize)
        .enumerate()
        .map(|(i, c)| {
            if let Some(j) = c.iter().position(|&b| b != c[0]) {
                panic!(
                    "page {i} of {h:#x} is not uniform: byte {j} is {:#04x}, byte 0 is {:#04x}",
                    c[j], c[0]
                );
            }
            c[0]
        })
        .collect()
}

/// Ends a test: the invariants hold, every handle closes, and all memory is back.
#[track_caller]
pub fn finish(k: &Kernel, p: &Process, handles: &[zx_handle_t]) {
    assert_clean(k);
    close_all(p, handles);
    assert_no_leak(k);
}

/// Whether `ZX_VMO_ZERO_CHILDREN` is asserted on `h` right now (a poll).
#[track_caller]
pub fn zero_children(p: &Process, h: zx_handle_t) -> bool {
    match p.object_wait_one(h, ZX_VMO_ZERO_CHILDREN, ZX_TIME_INFINITE_PAST) {
        Ok(observed) => {
            assert_ne!(observed & ZX_VMO_ZERO_CHILDREN, 0, "Ok without the signal: {observed:#x}");
            true
        }
        Err(s) if s == st(ZX_ERR_TIMED_OUT) => false,
        Err(s) => panic!("object_wait_one(ZX_VMO_ZERO_CHILDREN) failed: {s}"),
    }
}

/// The root resource, a dummy IOMMU and one BTI on it, for tests of pinning and device memory.
pub struct Dev {
    /// The root resource.
    pub root: zx_handle_t,
    /// A dummy IOMMU.
    pub iommu: zx_handle_t,
    /// A BTI on it.
    pub bti: zx_handle_t,
}

impl Dev {
    /// Creates the three objects in `p`.
    #[track_caller]
    pub fn new(p: &Process) -> Dev {
        let root = ok!(p.root_resource());
        let iommu = ok!(p.iommu_create(root, ZX_IOMMU_TYPE_DUMMY, &[0]));
        let bti = ok!(p.bti_create(iommu, 0, 0x1d));
        Dev { root, iommu, bti }
    }

    /// A second BTI on the same IOMMU.
    #[track_caller]
    pub fn another_bti(&self, p: &Process) -> zx_handle_t {
        ok!(p.bti_create(self.iommu, 0, 0x2e))
    }

    /// A physical VMO of `pages` pages at the start of the default device window.
    #[track_caller]
    pub fn physical(&self, p: &Process, pages: u64) -> zx_handle_t {
        let base = KernelConfig::default().device_memory_base;
        ok!(p.vmo_create_physical(self.root, base, pages * P))
    }

    /// A contiguous VMO of `pages` pages.
    #[track_caller]
    pub fn contiguous(&self, p: &Process, pages: u64) -> zx_handle_t {
        ok!(p.vmo_create_contiguous(self.bti, pages * P, 0))
    }

    /// Closes the three handles.
    #[track_caller]
    pub fn close(&self, p: &Process) {
        close_all(p, &[self.bti, self.iommu, self.root]);
    }
}
