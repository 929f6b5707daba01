//! Multi-threaded stress tests: several threads issue random syscalls against VMO families that
//! one process creates up front and every thread shares (writes, reads, snapshots of shared VMOs
//! and closes of those snapshots, transfers between shared VMOs, ZERO, COMMIT, DECOMMIT,
//! set_size on the resizable family, bti_pin + pmt_unpin).
//!
//! The work is bounded by an operation count per thread (not by wall time) and every thread's
//! choices come from its own seeded xorshift generator, so the work done is the same on every
//! run (the interleaving is not). Every status is checked against the ones docs/reference.md allows
//! for that call in this setting (never `ZX_ERR_INTERNAL`). Each thread also keeps private
//! "witness" snapshots of the non-resizable family and checks that their content never changes
//! while the other threads write, zero, pin and transfer around them (snapshot isolation under
//! concurrency). At the end: all threads joined, `check_invariants()` Ok, every handle closed,
//! and `free_bytes == total_bytes`.
//!
//! `stress_small` runs in CI; `soak` is 100 times the work:
//! `cargo test --release -p zx-conformance --test stress -- --ignored soak`.

use std::sync::{Arc, Mutex, OnceLock};
use std::thread;

use zx_conformance::*;
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Process, Status};

const PAGES: u64 = 16;
const SNAPSHOT: u32 = ZX_VMO_CHILD_SNAPSHOT;
const SLICE: u32 = ZX_VMO_CHILD_SLICE;
const REFERENCE: u32 = ZX_VMO_CHILD_REFERENCE;
const RESIZABLE: u32 = ZX_VMO_CHILD_RESIZABLE;
/// Most snapshots the shared pool holds at once.
const POOL_MAX: usize = 24;
/// Most witness snapshots a thread holds at once.
const WITNESS_MAX: usize = 3;
/// Most PMTs a thread holds at once.
const PINS_MAX: usize = 4;

/// A small deterministic PRNG (xorshift64*).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The objects every thread shares.
struct Shared {
    /// Non-resizable family: root, snapshot, snapshot of the snapshot, reference of the root.
    fixed: Vec<zx_handle_t>,
    /// A slice of the fixed root (cannot be snapshotted: NOT_SUPPORTED).
    slice: zx_handle_t,
    /// Resizable family: root, resizable snapshot, resizable reference of the root.
    resizable: Vec<zx_handle_t>,
    /// A plain VMO with no relatives (DECOMMIT works on it while no pool snapshot of it lives).
    plain: zx_handle_t,
    /// A contiguous VMO (pinnable; SNAPSHOT → INVALID_ARGS; transfer → NOT_SUPPORTED).
    contiguous: zx_handle_t,
    bti: zx_handle_t,
    root: zx_handle_t,
    iommu: zx_handle_t,
    /// Snapshots made by any thread, usable and closable by every thread.
    pool: Mutex<Vec<zx_handle_t>>,
}

impl Shared {
    fn new(p: &Process) -> Shared {
        let root = ok!(p.root_resource());
        let iommu = ok!(p.iommu_create(root, ZX_IOMMU_TYPE_DUMMY, &[0]));
        let bti = ok!(p.bti_create(iommu, 0, 7));

        let a = vmo(p, PAGES * P);
        fill(p, a, 0, (PAGES * P) as usize, 0xA0);
        let a1 = ok!(p.vmo_create_child(a, SNAPSHOT, 0, PAGES * P));
        fill(p, a1, P, P as usize, 0xA1);
        let a2 = ok!(p.vmo_create_child(a1, SNAPSHOT, 0, (PAGES + 2) * P));
        let aref = ok!(p.vmo_create_child(a, REFERENCE, 0, 0));
        let slice = ok!(p.vmo_create_child(a, SLICE, 4 * P, 8 * P));

        let b = vmo_opts(p, PAGES * P, ZX_VMO_RESIZABLE);
        fill(p, b, 0, (PAGES * P) as usize / 2, 0xB0);
        let b1 = ok!(p.vmo_create_child(b, SNAPSHOT | RESIZABLE, 0, PAGES * P));
        let bref = ok!(p.vmo_create_child(b, REFERENCE | RESIZABLE, 0, 0));

        let plain = vmo(p, PAGES * P);
        let contiguous = ok!(p.vmo_create_contiguous(bti, 4 * P, 0));

        Shared {
            fixed: vec![a, a1, a2, aref],
            slice,
            resizable: vec![b, b1, bref],
            plain,
            contiguous,
            bti,
            root,
            iommu,
            pool: Mutex::new(Vec::new()),
        }
    }

    /// Every shared VMO, the slice and the contiguous VMO included.
    fn all_vmos(&self) -> Vec<zx_handle_t> {
        let mut v = self.fixed.clone();
        v.push(self.slice);
        v.extend_from_slice(&self.resizable);
        v.push(self.plain);
        v.push(self.contiguous);
        v
    }

    fn close(self, p: &Process) {
        let mut all = self.all_vmos();
        all.extend(self.pool.into_inner().unwrap());
        all.extend([self.bti, self.iommu, self.root]);
        close_all(p, &all);
    }
}

/// `STRESS_TRACE=1` prints one `STAT <call> <status>` line per checked call (pipe through
/// `grep STAT | sort | uniq -c` to see which paths a run exercised).
fn trace() -> bool {
    static TRACE: OnceLock<bool> = OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("STRESS_TRACE").is_some())
}

/// Which handle an operation used: a pool handle may have been closed by another thread.
#[derive(Clone, Copy)]
struct Target {
    handle: zx_handle_t,
    from_pool: bool,
}

/// Asserts that `r`'s status is one of `allowed` (`ZX_OK` for `Ok`); a pool handle may also
/// give BAD_HANDLE.
#[track_caller]
fn check<T: std::fmt::Debug>(
    r: &Result<T, Status>,
    t: Target,
    allowed: &[zx_status_t],
    what: &str,
) {
    let got = match r {
        Ok(_) => ZX_OK,
        Err(s) => s.into_raw(),
    };
    if trace() {
        eprintln!("STAT {what} {got}");
    }
    assert_ne!(got, ZX_ERR_INTERNAL, "{what} on {:#x}: ZX_ERR_INTERNAL", t.handle);
    let fine = allowed.contains(&got) || (t.from_pool && got == ZX_ERR_BAD_HANDLE);
    assert!(fine, "{what} on {:#x}: status {} ({got}) not in {allowed:?}", t.handle, st(got));
}

/// A thread-private snapshot and the content it must keep.
struct Witness {
    handle: zx_handle_t,
    content: Vec<u8>,
}

struct Worker<'a> {
    p: &'a Process,
    shared: &'a Shared,
    rng: Rng,
    witnesses: Vec<Witness>,
    pins: Vec<zx_handle_t>,
    ops: u64,
}

impl Worker<'_> {
    /// A random VMO target: shared (any kind) or, sometimes, one from the pool.
    fn target(&mut self) -> Target {
        if self.rng.chance(25) {
            let pool = self.shared.pool.lock().unwrap();
            if !pool.is_empty() {
                let handle = pool[self.rng.index(pool.len())];
                return Target { handle, from_pool: true };
            }
        }
        let all = self.shared.all_vmos();
        Target { handle: all[self.rng.index(all.len())], from_pool: false }
    }

    /// A page-aligned (offset, length) pair that mostly fits a 16-page VMO, sometimes not.
    fn page_range(&mut self) -> (u64, u64) {
        let offset = self.rng.below(PAGES + 2) * P;
        let len = (1 + self.rng.below(4)) * P;
        (offset, len)
    }

    /// A byte-granular (offset, length) pair.
    fn byte_range(&mut self) -> (u64, usize) {
        let offset = self.rng.below((PAGES + 1) * P);
        let len = self.rng.below(2 * P + 1) as usize;
        (offset, len)
    }

    fn step(&mut self) {
        let p = self.p;
        match self.rng.below(100) {
            0..=19 => {
                let t = self.target();
                let (offset, len) = self.byte_range();
                let byte = self.rng.next() as u8;
                let r = p.vmo_write(t.handle, &vec![byte; len], offset);
                check(&r, t, &[ZX_OK, ZX_ERR_OUT_OF_RANGE, ZX_ERR_NO_MEMORY], "vmo_write");
            }
            20..=34 => {
                let t = self.target();
                let (offset, len) = self.byte_range();
                let mut buf = vec![0u8; len];
                let r = p.vmo_read(t.handle, &mut buf, offset);
                check(&r, t, &[ZX_OK, ZX_ERR_OUT_OF_RANGE], "vmo_read");
            }
            35..=41 => {
                // A shared snapshot into the pool, or a pool snapshot closed.
                let mut pool = self.shared.pool.lock().unwrap();
                if pool.len() >= POOL_MAX || (!pool.is_empty() && self.rng.chance(40)) {
                    let i = self.rng.index(pool.len());
                    let h = pool.swap_remove(i);
                    drop(pool);
                    ok!(p.handle_close(h));
                } else {
                    drop(pool);
                    let t = self.target();
                    let size = self.rng.below(PAGES + 3) * P;
                    let r = p.vmo_create_child(t.handle, SNAPSHOT, 0, size);
                    check(
                        &r,
                        t,
                        &[
                            ZX_OK,
                            ZX_ERR_NOT_SUPPORTED, // the slice
                            ZX_ERR_INVALID_ARGS,  // the contiguous VMO
                            ZX_ERR_BAD_STATE,     // a pinned page
                            ZX_ERR_NO_MEMORY,
                        ],
                        "vmo_create_child(SNAPSHOT)",
                    );
                    if let Ok(h) = r {
                        self.shared.pool.lock().unwrap().push(h);
                    }
                }
            }
            42..=51 => {
                let dst = self.target();
                let src = self.target();
                let (offset, len) = self.page_range();
                let src_offset = self.rng.below(PAGES + 2) * P;
                let r = p.vmo_transfer_data(dst.handle, 0, offset, len, src.handle, src_offset);
                let t = Target { handle: dst.handle, from_pool: dst.from_pool || src.from_pool };
                check(
                    &r,
                    t,
                    &[
                        ZX_OK,
                        ZX_ERR_OUT_OF_RANGE,
                        ZX_ERR_BAD_STATE,
                        ZX_ERR_NOT_SUPPORTED,
                        ZX_ERR_NO_MEMORY,
                    ],
                    "vmo_transfer_data",
                );
            }
            52..=58 => {
                let t = self.target();
                let (offset, len) = self.byte_range();
                let r = p.vmo_op_range(t.handle, ZX_VMO_OP_ZERO, offset, len as u64, &mut []);
                check(&r, t, &[ZX_OK, ZX_ERR_OUT_OF_RANGE, ZX_ERR_NO_MEMORY], "ZERO");
            }
            59..=64 => {
                let t = self.target();
                let (offset, len) = self.page_range();
                let r = p.vmo_op_range(t.handle, ZX_VMO_OP_COMMIT, offset, len, &mut []);
                check(&r, t, &[ZX_OK, ZX_ERR_OUT_OF_RANGE, ZX_ERR_NO_MEMORY], "COMMIT");
            }
            65..=67 => {
                let t = self.target();
                let (offset, len) = self.page_range();
                let r = p.vmo_op_range(t.handle, ZX_VMO_OP_DECOMMIT, offset, len, &mut []);
                check(
                    &r,
                    t,
                    &[ZX_OK, ZX_ERR_OUT_OF_RANGE, ZX_ERR_NOT_SUPPORTED, ZX_ERR_BAD_STATE],
                    "DECOMMIT",
                );
            }
            68..=74 => {
                let r = &self.shared.resizable;
                let t = Target { handle: r[self.rng.index(r.len())], from_pool: false };
                let size = self.rng.below(PAGES + 5) * P + self.rng.below(3) * 100;
                let res = p.vmo_set_size(t.handle, size);
                check(&res, t, &[ZX_OK, ZX_ERR_BAD_STATE, ZX_ERR_NO_MEMORY], "vmo_set_size");
            }
            75..=84 => {
                if self.pins.len() >= PINS_MAX || (!self.pins.is_empty() && self.rng.chance(50)) {
                    let i = self.rng.index(self.pins.len());
                    let pmt = self.pins.swap_remove(i);
                    ok!(p.pmt_unpin(pmt));
                } else {
                    let t = self.target();
                    let (offset, len) = self.page_range();
                    let options = [ZX_BTI_PERM_READ, ZX_BTI_PERM_WRITE, 3][self.rng.index(3)];
                    let mut addrs = vec![0; (len / P) as usize];
                    let r = p.bti_pin(self.shared.bti, options, t.handle, offset, len, &mut addrs);
                    check(
                        &r,
                        t,
                        &[ZX_OK, ZX_ERR_OUT_OF_RANGE, ZX_ERR_UNAVAILABLE, ZX_ERR_NO_MEMORY],
                        "bti_pin",
                    );
                    if let Ok(pmt) = r {
                        self.pins.push(pmt);
                    }
                }
            }
            85..=92 => self.witness_step(),
            _ => {
                let t = self.target();
                let r = p.object_get_info_vmo(t.handle);
                check(&r, t, &[ZX_OK], "object_get_info_vmo");
                if let Ok(info) = r {
                    assert!(info.committed_private_bytes <= info.committed_bytes);
                    assert!(info.committed_scaled_bytes <= info.committed_bytes);
                }
            }
        }
        self.ops += 1;
    }

    /// Creates, writes, verifies or closes a private snapshot of the non-resizable family.
    fn witness_step(&mut self) {
        let p = self.p;
        if self.witnesses.len() < WITNESS_MAX && self.rng.chance(50) {
            let fixed = &self.shared.fixed;
            let t = Target { handle: fixed[self.rng.index(fixed.len())], from_pool: false };
            let r = p.vmo_create_child(t.handle, SNAPSHOT, 0, PAGES * P);
            check(&r, t, &[ZX_OK, ZX_ERR_BAD_STATE, ZX_ERR_NO_MEMORY], "witness snapshot");
            if let Ok(handle) = r {
                let mut content = vec![0u8; (PAGES * P) as usize];
                ok!(p.vmo_read(handle, &mut content, 0));
                self.witnesses.push(Witness { handle, content });
            }
            return;
        }
        if self.witnesses.is_empty() {
            return;
        }
        let i = self.rng.index(self.witnesses.len());
        match self.rng.below(3) {
            0 => {
                let (offset, len) = self.byte_range();
                let offset = offset.min(PAGES * P - len as u64);
                let byte = self.rng.next() as u8;
                let w = &mut self.witnesses[i];
                match p.vmo_write(w.handle, &vec![byte; len], offset) {
                    Ok(()) => w.content[offset as usize..offset as usize + len].fill(byte),
                    Err(s) => assert_eq!(s.into_raw(), ZX_ERR_NO_MEMORY, "witness write: {s}"),
                }
            }
            1 => {
                let w = &self.witnesses[i];
                let mut now = vec![0u8; w.content.len()];
                ok!(p.vmo_read(w.handle, &mut now, 0));
                if now != w.content {
                    let at = now.iter().zip(&w.content).position(|(a, b)| a != b).unwrap();
                    panic!(
                        "witness snapshot {:#x} changed at byte {at:#x}: {:#x} != {:#x}",
                        w.handle, now[at], w.content[at]
                    );
                }
            }
            _ => {
                let w = self.witnesses.swap_remove(i);
                ok!(p.handle_close(w.handle));
            }
        }
    }

    fn finish(self) -> u64 {
        for w in self.witnesses {
            let mut now = vec![0u8; w.content.len()];
            ok!(self.p.vmo_read(w.handle, &mut now, 0));
            assert!(now == w.content, "witness snapshot {:#x} changed", w.handle);
            ok!(self.p.handle_close(w.handle));
        }
        for pmt in self.pins {
            ok!(self.p.pmt_unpin(pmt));
        }
        self.ops
    }
}

/// Runs `threads` workers for `ops` operations each (seeded by `seed`), then checks invariants
/// and leaks.
fn stress(threads: u64, ops: u64, seed: u64, ram_pages: u64) {
    let kernel =
        Kernel::new(KernelConfig { memory_bytes: ram_pages * P, ..KernelConfig::default() });
    let process = kernel.create_process();
    let shared = Arc::new(Shared::new(&process));

    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let p = process.clone();
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name(format!("stress-{t}"))
                .spawn(move || {
                    let mut w = Worker {
                        p: &p,
                        shared: &shared,
                        rng: Rng::new(seed ^ (t + 1).wrapping_mul(0xD1B5_4A32_D192_ED03)),
                        witnesses: Vec::new(),
                        pins: Vec::new(),
                        ops: 0,
                    };
                    for _ in 0..ops {
                        w.step();
                    }
                    w.finish()
                })
                .unwrap()
        })
        .collect();
    let mut total = 0;
    for w in workers {
        total += w.join().expect("a stress thread panicked");
    }
    assert_eq!(total, threads * ops);

    assert_clean(&kernel);
    let shared = Arc::into_inner(shared).expect("every worker is gone");
    shared.close(&process);
    assert_no_leak(&kernel);
}

#[test]
fn stress_small() {
    stress(4, 50_000, 0x5EED_0001, 192);
}

#[test]
#[ignore = "long soak: cargo test --release -p zx-conformance --test stress -- --ignored soak"]
fn soak() {
    stress(4, 5_000_000, 0x50AC_0001, 192);
}
