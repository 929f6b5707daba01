//! The measurements of figures B1–B11 of `performance.md`, each against its baseline in the
//! same process: samples of the figure and of its baseline alternate (which one goes first
//! swaps every round, so drift and noise hit both), and each side reports its median.
//!
//! A syscall that fails where the figure needs it to succeed is a bug of the kernel; the
//! measurement panics with the call's name.

use std::hint::black_box;
use std::sync::mpsc;
use std::sync::Barrier;
use std::thread;
use std::time::Instant;

use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Process};

use super::table::{ratio, Row};

const PAGE: u64 = ZX_PAGE_SIZE;

/// How many samples each figure takes.
///
/// ```
/// let quick = zxemu::bench::Plan::quick();
/// assert!(quick.rounds < zxemu::bench::Plan::full().rounds);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Samples of each side of a cheap figure.
    pub rounds: usize,
    /// Samples of each side of an expensive figure (B1 at 65536 pages).
    pub heavy_rounds: usize,
    /// Operations per thread in one B7 sample.
    pub scaling_ops: u64,
}

impl Plan {
    /// `zxemu bench --quick`: under a minute.
    ///
    /// ```
    /// assert_eq!(zxemu::bench::Plan::quick().heavy_rounds, 5);
    /// ```
    pub fn quick() -> Plan {
        Plan { rounds: 11, heavy_rounds: 5, scaling_ops: 50_000 }
    }

    /// `zxemu bench`: a few minutes.
    ///
    /// ```
    /// assert_eq!(zxemu::bench::Plan::full().rounds, 41);
    /// ```
    pub fn full() -> Plan {
        Plan { rounds: 41, heavy_rounds: 15, scaling_ops: 200_000 }
    }
}

/// The median of some samples (0 for none).
fn median(mut samples: Vec<f64>) -> f64 {
    if samples.is_empty() {
        return 0.0;
    }
    samples.sort_by(f64::total_cmp);
    let mid = samples.len() / 2;
    if samples.len() % 2 == 1 {
        samples[mid]
    } else {
        (samples[mid - 1] + samples[mid]) / 2.0
    }
}

/// Takes `rounds` samples of each side, alternating, and returns the medians
/// `(measured, baseline)`.
pub(super) fn interleaved(
    rounds: usize,
    mut measured: impl FnMut() -> f64,
    mut baseline: impl FnMut() -> f64,
) -> (f64, f64) {
    let (mut m, mut b) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for round in 0..rounds {
        if round % 2 == 0 {
            m.push(measured());
            b.push(baseline());
        } else {
            b.push(baseline());
            m.push(measured());
        }
    }
    (median(m), median(b))
}

/// Nanoseconds per operation of `n` calls of `op`.
pub(super) fn ns_per_op(n: u64, mut op: impl FnMut(u64)) -> f64 {
    let start = Instant::now();
    for i in 0..n {
        op(i);
    }
    start.elapsed().as_nanos() as f64 / n as f64
}

/// One hot 4 KiB memcpy (`pages` of them back to back), in ns: the yardstick the targets of
/// `performance.md` come from.
fn memcpy_ns(pages: usize, src: &[u8], dst: &mut [u8]) -> f64 {
    const REPEAT: u64 = 2000;
    let len = pages * PAGE as usize;
    ns_per_op(REPEAT / pages as u64 + 1, |_| {
        dst[..len].copy_from_slice(black_box(&src[..len]));
        black_box(&mut *dst);
    })
}

/// One page of a [`PageBuffer`].
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C, align(4096))]
struct AlignedPage([u8; PAGE as usize]);

/// A page-aligned buffer of whole pages, as a program reading or writing pages would use.
/// With an arbitrary alignment, a 4 KiB copy to or from a frame costs 2 to 6 times more
/// for some pairs of addresses (split cache lines, 4K aliasing), and such a figure
/// measures where `malloc` put the buffer instead of the kernel.
struct PageBuffer(Vec<AlignedPage>);

impl PageBuffer {
    fn filled(pages: usize, byte: u8) -> PageBuffer {
        PageBuffer(vec![AlignedPage([byte; PAGE as usize]); pages])
    }
}

impl std::ops::Deref for PageBuffer {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        bytemuck::cast_slice(&self.0)
    }
}

impl std::ops::DerefMut for PageBuffer {
    fn deref_mut(&mut self) -> &mut [u8] {
        bytemuck::cast_slice_mut(&mut self.0)
    }
}

fn kernel_with(memory_bytes: u64) -> (Kernel, Process) {
    let kernel = Kernel::new(KernelConfig { memory_bytes, ..KernelConfig::default() });
    let process = kernel.create_process();
    (kernel, process)
}

/// A root VMO of `pages` pages, all committed, each holding a non-zero byte.
fn committed_vmo(p: &Process, pages: u64) -> zx_handle_t {
    let vmo = p.vmo_create(pages * PAGE, 0).expect("vmo_create");
    p.vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, pages * PAGE, &mut []).expect("commit");
    for page in 0..pages {
        p.vmo_write(vmo, &[0xa5], page * PAGE).expect("vmo_write");
    }
    vmo
}

/// B1: `vmo_transfer_data` of N pages against read + write + decommit, in ns per page.
///
/// For N < 4096 one sample moves 4096 / N chunks of N pages (at their own offsets) so that
/// the clock is read around thousands of pages; between samples, outside the timing, the
/// pages go back to src with one transfer.
pub fn b1_transfer(plan: &Plan) -> Vec<Row> {
    let (_kernel, p) = kernel_with(1 << 30);
    let mut rows = Vec::new();
    for n in [1u64, 16, 256, 4096, 65536] {
        let total = n.max(4096);
        let chunks = total / n;
        let len = n * PAGE;
        let src = committed_vmo(&p, total);
        let dst = p.vmo_create(total * PAGE, 0).expect("vmo_create");
        let mut buffer = PageBuffer::filled(n as usize, 0);
        let reset = || {
            p.vmo_transfer_data(src, 0, 0, total * PAGE, dst, 0).expect("transfer back");
        };
        let transfer = || {
            let ns = ns_per_op(chunks, |i| {
                p.vmo_transfer_data(black_box(dst), 0, i * len, len, src, i * len)
                    .expect("vmo_transfer_data");
            });
            reset();
            ns / n as f64
        };
        let copy = || {
            let ns = ns_per_op(chunks, |i| {
                p.vmo_read(src, &mut buffer, i * len).expect("vmo_read");
                p.vmo_write(dst, black_box(&buffer), i * len).expect("vmo_write");
                p.vmo_op_range(src, ZX_VMO_OP_DECOMMIT, i * len, len, &mut []).expect("decommit");
            });
            reset();
            ns / n as f64
        };
        let rounds = if n >= 65536 { plan.heavy_rounds } else { plan.rounds };
        let (t, c) = interleaved(rounds, transfer, copy);
        let target = match n {
            1 => "ratio ≥ 4; ≤ 150 ns/page",
            4096 => "ratio ≥ 50; ≤ 10 ns/page",
            65536 => "ratio ≥ 50; ≤ 10 ns/page; ≤ 1.5× B1/4096",
            _ => "—",
        };
        rows.push(Row::new("B1", &n.to_string(), t, "ns/page", c, target).with_ratio(ratio(c, t)));
        p.handle_close(src).expect("handle_close");
        p.handle_close(dst).expect("handle_close");
    }
    rows
}

/// B2: `vmo_create_child(SNAPSHOT)` of a committed VMO of N pages against N = 1, in µs per
/// call (the child is closed after each call, outside the timing).
pub fn b2_snapshot(plan: &Plan) -> Vec<Row> {
    const CALLS: u32 = 20;
    let (_kernel, p) = kernel_with(1 << 30);
    let create = |parent: zx_handle_t, pages: u64| {
        let mut ns = 0.0;
        for _ in 0..CALLS {
            let start = Instant::now();
            let child = p
                .vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT, 0, pages * PAGE)
                .expect("vmo_create_child");
            ns += start.elapsed().as_nanos() as f64;
            p.handle_close(black_box(child)).expect("handle_close");
        }
        ns / f64::from(CALLS) / 1000.0
    };
    let one = committed_vmo(&p, 1);
    let mut rows = Vec::new();
    for n in [1u64, 4096, 65536] {
        let parent = committed_vmo(&p, n);
        let (t, t1) = interleaved(plan.rounds, || create(parent, n), || create(one, 1));
        let target = match n {
            1 => "≤ 2 µs",
            65536 => "ratio ≤ 2",
            _ => "—",
        };
        rows.push(Row::new("B2", &n.to_string(), t, "µs", t1, target));
        p.handle_close(parent).expect("handle_close");
    }
    rows
}

/// B3: first 1-byte writes into 4096 pages of a fresh snapshot child (each forks a page)
/// against the same writes into a fresh root VMO, in ns per page.
pub fn b3_fork(plan: &Plan) -> Vec<Row> {
    const PAGES: u64 = 4096;
    let (_kernel, p) = kernel_with(1 << 30);
    let parent = committed_vmo(&p, PAGES);
    let writes = |vmo: zx_handle_t| {
        let ns = ns_per_op(PAGES, |page| {
            p.vmo_write(vmo, black_box(&[0x5a]), page * PAGE).expect("vmo_write");
        });
        p.handle_close(vmo).expect("handle_close");
        ns
    };
    let fork = || {
        writes(
            p.vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT, 0, PAGES * PAGE)
                .expect("vmo_create_child"),
        )
    };
    let fresh = || writes(p.vmo_create(PAGES * PAGE, 0).expect("vmo_create"));
    let (f, z) = interleaved(plan.rounds, fork, fresh);
    let physics = ForkPhysics::new(PAGES as usize);
    let (f2, copy) = interleaved(plan.rounds, fork, || physics.ns_per_page());
    p.handle_close(parent).expect("handle_close");
    vec![
        Row::new("B3", &PAGES.to_string(), f, "ns/page", z, "ratio ≤ 1.5"),
        Row::new("B3", "physics", f2, "ns/page", copy, "ratio ≤ 1.15"),
    ]
}

/// What a fork cannot avoid: taking a frame from a page allocator and copying 4 KiB into it
/// from a page that is not in the cache. The source is `pages` pages written beforehand (as
/// large as the parent B3 forks from, so just as cold); the allocator is one of the
/// emulator's own, over RAM of its own.
struct ForkPhysics {
    allocator: zx_vm::PageAllocator,
    sources: Vec<zx_vm::Frame>,
}

impl ForkPhysics {
    fn new(pages: usize) -> ForkPhysics {
        let allocator = zx_vm::PageAllocator::new(2 * pages as u64 * PAGE, 0);
        let sources = (0..pages)
            .map(|i| {
                let mut frame = allocator.alloc(zx_vm::ZeroFill::Yes).expect("a source frame");
                allocator.bytes_mut(&mut frame)[0] = i as u8 | 1;
                frame
            })
            .collect();
        ForkPhysics { allocator, sources }
    }

    /// One frame allocation and one copy from the next source page, per page, in ns; the
    /// copies are freed afterwards, outside the timing.
    fn ns_per_page(&self) -> f64 {
        let mut copies = Vec::with_capacity(self.sources.len());
        let start = Instant::now();
        for source in &self.sources {
            let mut frame = self.allocator.alloc(zx_vm::ZeroFill::No).expect("a frame");
            self.allocator.copy(black_box(source), &mut frame);
            copies.push(frame);
        }
        let ns = start.elapsed().as_nanos() as f64 / self.sources.len() as f64;
        self.allocator.free_all(copies);
        ns
    }
}

impl Drop for ForkPhysics {
    fn drop(&mut self) {
        self.allocator.free_all(std::mem::take(&mut self.sources));
    }
}

/// B4: `vmo_read` of one page from the leaf of a snapshot chain of depth 1, 8, 64 (only the
/// root holds the page), and from a fresh VMO into which the leaf of another depth-64 chain
/// was flattened with `vmo_transfer_data`, against depth 1, in ns per read. (The flattened
/// chain is a separate one: the transfer leaves its leaf reading zero, which would no longer
/// read through the chain.)
pub fn b4_chain(plan: &Plan) -> Vec<Row> {
    const READS: u64 = 2000;
    let (_kernel, p) = kernel_with(64 << 20);
    let mut handles = Vec::new();
    let mut chain = |depth: usize| {
        let mut leaf = committed_vmo(&p, 1);
        handles.push(leaf);
        for _ in 0..depth {
            leaf = p.vmo_create_child(leaf, ZX_VMO_CHILD_SNAPSHOT, 0, PAGE).expect("snapshot");
            handles.push(leaf);
        }
        leaf
    };
    let leaves = [("1", chain(1)), ("8", chain(8)), ("64", chain(64))];
    let to_flatten = chain(64);
    let flat = p.vmo_create(PAGE, 0).expect("vmo_create");
    handles.push(flat);
    p.vmo_transfer_data(flat, 0, 0, PAGE, to_flatten, 0).expect("vmo_transfer_data (flatten)");
    let (mut buf_m, mut buf_b) = (PageBuffer::filled(1, 0), PageBuffer::filled(1, 0));
    for vmo in leaves.iter().map(|&(_, leaf)| leaf).chain([flat]) {
        p.vmo_read(vmo, &mut buf_m, 0).expect("vmo_read");
        assert_eq!(buf_m[0], 0xa5, "every measured VMO shows the root's page");
    }
    let read = |vmo: zx_handle_t, buf: &mut [u8]| {
        ns_per_op(READS, |_| p.vmo_read(black_box(vmo), black_box(&mut *buf), 0).expect("read"))
    };
    let depth1 = leaves[0].1;
    let mut rows = Vec::new();
    for (param, vmo, target) in [
        ("1", leaves[0].1, "—"),
        ("8", leaves[1].1, "—"),
        ("64", leaves[2].1, "ratio ≤ 4"),
        ("flattened", flat, "ratio ≤ 1.2"),
    ] {
        let (t, t1) =
            interleaved(plan.rounds, || read(vmo, &mut buf_m), || read(depth1, &mut buf_b));
        rows.push(Row::new("B4", param, t, "ns", t1, target));
    }
    for h in handles.into_iter().rev() {
        p.handle_close(h).expect("handle_close");
    }
    rows
}

/// B5: the page allocator directly: alloc + free of one page (ns per pair) and of a
/// 256-page contiguous run (µs per run); baselines: a hot memcpy of as many pages.
pub fn b5_allocator(plan: &Plan) -> Vec<Row> {
    use zx_vm::{PageAllocator, ZeroFill};
    const PAIRS: u64 = 20_000;
    const RUNS: u64 = 50;
    let allocator = PageAllocator::new(256 << 20, 0x8000_0000);
    let (src1, mut dst1) = (PageBuffer::filled(1, 1), PageBuffer::filled(1, 0));
    let (src256, mut dst256) = (PageBuffer::filled(256, 1), PageBuffer::filled(256, 0));
    let single = || {
        ns_per_op(PAIRS, |_| {
            allocator.free(black_box(allocator.alloc(ZeroFill::No).expect("alloc")));
        })
    };
    let (s, c1) = interleaved(plan.rounds, single, || memcpy_ns(1, &src1, &mut dst1));
    let run = || {
        ns_per_op(RUNS, |_| {
            allocator.free_all(black_box(
                allocator.alloc_contiguous(256, 12, ZeroFill::No).expect("run"),
            ));
        }) / 1000.0
    };
    let (r, c256) = interleaved(plan.rounds, run, || memcpy_ns(256, &src256, &mut dst256) / 1000.0);
    vec![
        Row::new("B5", "single", s, "ns", c1, "≤ 25 ns"),
        Row::new("B5", "contig256", r, "µs", c256, "≤ 5 µs"),
    ]
}

/// B6: the handle table: `handle_duplicate` + `handle_close` (ns per pair) and
/// `vmo_get_size` (ns per call); baseline: one hot 4 KiB memcpy.
pub fn b6_handles(plan: &Plan) -> Vec<Row> {
    const CALLS: u64 = 20_000;
    let (_kernel, p) = kernel_with(16 << 20);
    let vmo = p.vmo_create(PAGE, 0).expect("vmo_create");
    let (src, mut dst) = (PageBuffer::filled(1, 1), PageBuffer::filled(1, 0));
    let dup_close = || {
        ns_per_op(CALLS, |_| {
            let dup = p.handle_duplicate(vmo, ZX_RIGHT_SAME_RIGHTS).expect("handle_duplicate");
            p.handle_close(black_box(dup)).expect("handle_close");
        })
    };
    let (d, c1) = interleaved(plan.rounds, dup_close, || memcpy_ns(1, &src, &mut dst));
    let lookup = || {
        ns_per_op(CALLS, |_| {
            black_box(p.vmo_get_size(black_box(vmo)).expect("vmo_get_size"));
        })
    };
    let (l, c2) = interleaved(plan.rounds, lookup, || memcpy_ns(1, &src, &mut dst));
    p.handle_close(vmo).expect("handle_close");
    vec![
        Row::new("B6", "dup_close", d, "ns", c1, "≤ 100 ns"),
        Row::new("B6", "lookup", l, "ns", c2, "≤ 40 ns"),
    ]
}

/// A B7 worker: its own process and its own pair of one-page VMOs (`a` committed).
struct Worker {
    process: Process,
    a: zx_handle_t,
    b: zx_handle_t,
}

impl Worker {
    fn new(kernel: &Kernel) -> Worker {
        let process = kernel.create_process();
        let a = committed_vmo(&process, 1);
        let b = process.vmo_create(PAGE, 0).expect("vmo_create");
        Worker { process, a, b }
    }

    fn write(&self, _i: u64, page: &[u8]) {
        self.process.vmo_write(self.a, black_box(page), 0).expect("vmo_write");
    }

    /// Moves the page from `a` to `b` on even `i`, back on odd `i`.
    fn transfer(&self, i: u64, _page: &[u8]) {
        let (dst, src) = if i % 2 == 0 { (self.b, self.a) } else { (self.a, self.b) };
        self.process.vmo_transfer_data(dst, 0, 0, PAGE, src, 0).expect("vmo_transfer_data");
    }
}

/// Operations per second (in thousands) of `workers` running `ops` operations each, each
/// on its own thread, from a common start to the last one's end.
fn throughput(workers: &[Worker], ops: u64, op: fn(&Worker, u64, &[u8])) -> f64 {
    let barrier = Barrier::new(workers.len() + 1);
    let elapsed = thread::scope(|s| {
        let barrier = &barrier;
        let threads: Vec<_> = workers
            .iter()
            .map(|w| {
                s.spawn(move || {
                    let page = PageBuffer::filled(1, 0x3c);
                    barrier.wait();
                    for i in 0..ops {
                        op(w, i, &page);
                    }
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        for t in threads {
            t.join().expect("a B7 thread panicked");
        }
        start.elapsed()
    });
    ratio((workers.len() as u64 * ops) as f64, elapsed.as_secs_f64()) / 1000.0
}

/// B7: throughput of 2 threads against 1, each on its own process and VMOs: 4 KiB
/// `vmo_write`s, and one-page `vmo_transfer_data` back and forth, in kops/s.
pub fn b7_scaling(plan: &Plan) -> Vec<Row> {
    let (kernel, _p) = kernel_with(64 << 20);
    let workers = [Worker::new(&kernel), Worker::new(&kernel)];
    let mut rows = Vec::new();
    for (param, op) in
        [("write", Worker::write as fn(&Worker, u64, &[u8])), ("transfer", Worker::transfer)]
    {
        let (two, one) = interleaved(
            plan.rounds,
            || throughput(&workers, plan.scaling_ops, op),
            || throughput(&workers[..1], plan.scaling_ops, op),
        );
        rows.push(Row::new("B7", param, two, "kops/s", one, "ratio ≥ 1.7"));
    }
    rows
}

/// Reads or writes of one page at a time, by `threads` threads at once: thread `t` works on
/// page `t` (its own page, for writes) of `vmos[t % vmos.len()]`. Returns kops/s.
fn page_ops(p: &Process, vmos: &[zx_handle_t], threads: usize, ops: u64, write: bool) -> f64 {
    let barrier = Barrier::new(threads + 1);
    let elapsed = thread::scope(|s| {
        let barrier = &barrier;
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let vmo = vmos[t % vmos.len()];
                s.spawn(move || {
                    let mut page = PageBuffer::filled(1, 0x3c);
                    let offset = t as u64 * PAGE;
                    barrier.wait();
                    for _ in 0..ops {
                        if write {
                            p.vmo_write(vmo, black_box(&page), offset).expect("vmo_write");
                        } else {
                            p.vmo_read(vmo, black_box(&mut page), offset).expect("vmo_read");
                        }
                    }
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        for w in workers {
            w.join().expect("a B9 thread panicked");
        }
        start.elapsed()
    });
    ratio((threads as u64 * ops) as f64, elapsed.as_secs_f64()) / 1000.0
}

/// B9: 2 threads against 1 on one clone tree: 4 KiB reads of committed pages of one VMO,
/// reads of two snapshot siblings, and writes of disjoint (owned) pages of one VMO, in kops/s.
pub fn b9_one_tree(plan: &Plan) -> Vec<Row> {
    let (_kernel, p) = kernel_with(64 << 20);
    let vmo = committed_vmo(&p, 2);
    let siblings = [
        p.vmo_create_child(vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 2 * PAGE).expect("snapshot"),
        p.vmo_create_child(vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 2 * PAGE).expect("snapshot"),
    ];
    let writable = committed_vmo(&p, 2);
    let mut rows = Vec::new();
    let cases: [(&str, &[zx_handle_t], bool, &str); 3] = [
        ("one_vmo", &[vmo], false, "ratio ≥ 1.8"),
        ("siblings", &siblings, false, "ratio ≥ 1.8"),
        ("disjoint_writes", &[writable], true, "ratio ≥ 1.3"),
    ];
    for (param, vmos, write, target) in cases {
        let (two, one) = interleaved(
            plan.rounds,
            || page_ops(&p, vmos, 2, plan.scaling_ops, write),
            || page_ops(&p, vmos, 1, plan.scaling_ops, write),
        );
        rows.push(Row::new("B9", param, two, "kops/s", one, target));
    }
    for h in siblings.into_iter().chain([vmo, writable]) {
        p.handle_close(h).expect("handle_close");
    }
    rows
}

/// B10: `vmo_read` and `vmo_write` of 1 MiB of committed pages against a plain memcpy of
/// 1 MiB between two page-aligned buffers, in µs.
pub fn b10_bulk(plan: &Plan) -> Vec<Row> {
    const PAGES: usize = 256;
    const REPEAT: u64 = 20;
    let (_kernel, p) = kernel_with(64 << 20);
    let vmo = committed_vmo(&p, PAGES as u64);
    let mut buffer = PageBuffer::filled(PAGES, 0x11);
    let source = PageBuffer::filled(PAGES, 0x22);
    let mut copy_dst = PageBuffer::filled(PAGES, 0);
    let memcpy = |dst: &mut PageBuffer| {
        ns_per_op(REPEAT, |_| {
            dst.copy_from_slice(black_box(&source));
            black_box(&mut *dst);
        }) / 1000.0
    };
    let (read, copy_r) = interleaved(
        plan.rounds,
        || ns_per_op(REPEAT, |_| p.vmo_read(vmo, &mut buffer, 0).expect("vmo_read")) / 1000.0,
        || memcpy(&mut copy_dst),
    );
    let (write, copy_w) = interleaved(
        plan.rounds,
        || {
            ns_per_op(REPEAT, |_| p.vmo_write(vmo, black_box(&source), 0).expect("vmo_write"))
                / 1000.0
        },
        || memcpy(&mut copy_dst),
    );
    p.handle_close(vmo).expect("handle_close");
    vec![
        Row::new("B10", "read", read, "µs", copy_r, "ratio ≤ 1.2"),
        Row::new("B10", "write", write, "µs", copy_w, "ratio ≤ 1.2"),
    ]
}

/// Page faults served per B11 round-trip sample, and event round trips per baseline sample.
const B11_ROUND_TRIPS: u64 = 256;

/// What the B11 helper thread does next. It serves one sample at a time, so the faults and
/// the event round trips run between the same two threads.
enum B11Job {
    /// Answer `B11_ROUND_TRIPS` READ requests of `vmo` by supplying each page from `aux`.
    Serve { pager: zx_handle_t, port: zx_handle_t, vmo: zx_handle_t, aux: zx_handle_t },
    /// Answer `B11_ROUND_TRIPS` signals of `ping` with a signal of `pong`.
    Echo { ping: zx_handle_t, pong: zx_handle_t },
}

/// The B11 helper's side of one sample: the pager (take the packet, supply the page) or the
/// event echo (wait, clear, signal back).
fn b11_helper(p: &Process, job: B11Job) {
    match job {
        B11Job::Serve { pager, port, vmo, aux } => {
            for _ in 0..B11_ROUND_TRIPS {
                let packet = p.port_wait(port, ZX_TIME_INFINITE).expect("port_wait");
                let request = packet.page_request();
                assert_eq!((request.command, request.length), (ZX_PAGER_VMO_READ, PAGE));
                let offset = request.offset;
                p.pager_supply_pages(pager, vmo, offset, PAGE, aux, offset).expect("supply");
            }
        }
        B11Job::Echo { ping, pong } => {
            for _ in 0..B11_ROUND_TRIPS {
                p.object_wait_one(ping, ZX_USER_SIGNAL_0, ZX_TIME_INFINITE).expect("wait ping");
                p.object_signal(ping, ZX_USER_SIGNAL_0, 0).expect("clear ping");
                p.object_signal(pong, 0, ZX_USER_SIGNAL_0).expect("signal pong");
            }
        }
    }
}

/// Detaches a pager VMO, takes the COMPLETE packet that detaching queues (so that the port is
/// empty for the next sample), and closes the VMO.
fn b11_retire(p: &Process, pager: zx_handle_t, port: zx_handle_t, vmo: zx_handle_t) {
    p.pager_detach_vmo(pager, vmo).expect("pager_detach_vmo");
    let packet = p.port_wait(port, ZX_TIME_INFINITE).expect("port_wait for COMPLETE");
    assert_eq!(packet.page_request().command, ZX_PAGER_VMO_COMPLETE);
    p.handle_close(vmo).expect("handle_close");
}

/// B11 `round_trip`: a read of an absent page of a pager VMO, the READ packet taken by
/// `port_wait` on a second thread, `pager_supply_pages` of that page (from an aux VMO
/// committed beforehand), and the read returning, in µs per round trip; baseline: an event
/// round trip between the same two threads (signal, `object_wait_one` on the other side,
/// clear, signal back, `object_wait_one`).
fn b11_round_trip(plan: &Plan) -> Row {
    let (_kernel, p) = kernel_with(64 << 20);
    let pager = p.pager_create(0).expect("pager_create");
    let port = p.port_create(0).expect("port_create");
    let ping = p.event_create(0).expect("event_create");
    let pong = p.event_create(0).expect("event_create");
    let (jobs, inbox) = mpsc::channel::<B11Job>();
    let start_line = Barrier::new(2);
    let (fault, echo) = thread::scope(|s| {
        let (p, start_line) = (&p, &start_line);
        s.spawn(move || {
            for job in inbox {
                start_line.wait();
                b11_helper(p, job);
            }
        });
        let fault = || {
            // Not timed: a fresh VMO whose pages are all absent, and the pages to supply.
            let vmo = p.pager_create_vmo(pager, 0, port, 1, B11_ROUND_TRIPS * PAGE).expect("vmo");
            let aux = committed_vmo(p, B11_ROUND_TRIPS);
            jobs.send(B11Job::Serve { pager, port, vmo, aux }).expect("the helper is running");
            start_line.wait();
            let mut bytes = [0u8; 8];
            let ns = ns_per_op(B11_ROUND_TRIPS, |page| {
                p.vmo_read(vmo, black_box(&mut bytes), page * PAGE).expect("vmo_read");
            });
            assert_eq!(bytes[0], 0xa5, "the read returns the supplied page");
            b11_retire(p, pager, port, vmo);
            p.handle_close(aux).expect("handle_close");
            ns / 1000.0
        };
        let echo = || {
            jobs.send(B11Job::Echo { ping, pong }).expect("the helper is running");
            start_line.wait();
            ns_per_op(B11_ROUND_TRIPS, |_| {
                p.object_signal(ping, 0, ZX_USER_SIGNAL_0).expect("signal ping");
                p.object_wait_one(pong, ZX_USER_SIGNAL_0, ZX_TIME_INFINITE).expect("wait pong");
                p.object_signal(pong, ZX_USER_SIGNAL_0, 0).expect("clear pong");
            }) / 1000.0
        };
        let measured = interleaved(plan.rounds, fault, echo);
        drop(jobs); // the helper's loop ends
        measured
    });
    for h in [ping, pong, port, pager] {
        p.handle_close(h).expect("handle_close");
    }
    Row::new("B11", "round_trip", fault, "µs", echo, "≤ 5 µs; ratio ≤ 2")
}

/// B11 `supply_N`: `pager_supply_pages` of N pages from an aux VMO into the absent pages of a
/// pager VMO, ns per page, against `vmo_transfer_data` of N pages between two root VMOs (B1's
/// operation) in the same run. As in B1, one sample moves 4096 / N chunks of N pages. Before
/// each supply sample, outside the timing, the pager VMO is a fresh one and the aux VMO gets
/// its pages back the way the transfer's source does before each of its samples: moved in
/// whole by one `vmo_transfer_data` (from a VMO committed just before), so that both sides
/// start from page lists in the same state.
fn b11_supply(plan: &Plan) -> Vec<Row> {
    const TOTAL: u64 = 4096;
    let (_kernel, p) = kernel_with(1 << 28);
    let pager = p.pager_create(0).expect("pager_create");
    let port = p.port_create(0).expect("port_create");
    let aux = p.vmo_create(TOTAL * PAGE, 0).expect("vmo_create");
    let stage = p.vmo_create(TOTAL * PAGE, 0).expect("vmo_create");
    let src = committed_vmo(&p, TOTAL);
    let dst = p.vmo_create(TOTAL * PAGE, 0).expect("vmo_create");
    let mut rows = Vec::new();
    for n in [1u64, 16, 256, 4096] {
        let (chunks, len) = (TOTAL / n, n * PAGE);
        let supply = || {
            let vmo = p.pager_create_vmo(pager, 0, port, 1, TOTAL * PAGE).expect("vmo");
            p.vmo_op_range(stage, ZX_VMO_OP_COMMIT, 0, TOTAL * PAGE, &mut []).expect("commit");
            p.vmo_transfer_data(aux, 0, 0, TOTAL * PAGE, stage, 0).expect("refill aux");
            let ns = ns_per_op(chunks, |i| {
                p.pager_supply_pages(pager, black_box(vmo), i * len, len, aux, i * len)
                    .expect("pager_supply_pages");
            });
            b11_retire(&p, pager, port, vmo);
            ns / n as f64
        };
        let transfer = || {
            let ns = ns_per_op(chunks, |i| {
                p.vmo_transfer_data(black_box(dst), 0, i * len, len, src, i * len)
                    .expect("vmo_transfer_data");
            });
            p.vmo_transfer_data(src, 0, 0, TOTAL * PAGE, dst, 0).expect("transfer back");
            ns / n as f64
        };
        let (s, t) = interleaved(plan.rounds, supply, transfer);
        rows.push(Row::new("B11", &format!("supply_{n}"), s, "ns/page", t, "ratio ≤ 1.5"));
    }
    for h in [aux, stage, src, dst, port, pager] {
        p.handle_close(h).expect("handle_close");
    }
    rows
}

/// B11: the pager's fault round trip against an event round trip between the same two
/// threads, and `pager_supply_pages` of N pages against `vmo_transfer_data` of N pages.
pub fn b11_pager(plan: &Plan) -> Vec<Row> {
    let mut rows = vec![b11_round_trip(plan)];
    rows.extend(b11_supply(plan));
    rows
}

/// The process's resident memory in KiB (`VmRSS` of `/proc/self/status`), 0 where there is
/// none to read.
fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("VmRSS:")?.trim().trim_end_matches("kB").trim().parse().ok()
            })
        })
        .unwrap_or(0)
}

/// B8 `idle_rss`: the process's resident memory right after creating a kernel with the
/// default 256 MiB of RAM and nothing in it, in MiB; baseline: the same just before. Run it
/// before any other figure, while the process is still small.
pub fn b8_idle_rss() -> Row {
    let before = resident_kib();
    let kernel = Kernel::new(KernelConfig::default());
    let after = resident_kib();
    black_box(&kernel);
    drop(kernel);
    let mib = |kib: u64| kib as f64 / 1024.0;
    Row::new("B8", "idle_rss", mib(after), "MiB", mib(before), "≤ 16 MiB")
}

/// B8 `per_page`: bookkeeping bytes per committed page, for one VMO committing all 65536
/// pages of a 256 MiB RAM: (the VMO's `metadata_bytes` + the allocator's tables for that
/// RAM) / 65536; baseline: the page's own 4096 bytes.
pub fn b8_per_page() -> Row {
    const PAGES: u64 = 65536;
    let (kernel, p) = kernel_with(PAGES * PAGE);
    let vmo = p.vmo_create(PAGES * PAGE, 0).expect("vmo_create");
    p.vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, PAGES * PAGE, &mut []).expect("commit");
    let info = p.object_get_info_vmo(vmo).expect("object_get_info_vmo");
    let committed = info.committed_bytes / PAGE;
    let allocator = zx_kernel::introspect::allocator_metadata_bytes(&kernel);
    let per_page = ratio((info.metadata_bytes + allocator) as f64, committed as f64);
    p.handle_close(vmo).expect("handle_close");
    Row::new("B8", "per_page", per_page, "B/page", PAGE as f64, "≤ 32 B/page")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// B8 counts bytes, not time, so a test can hold it to its target: the page lists and
    /// the allocator's bitmap stay within 32 bytes per committed page.
    #[test]
    fn bookkeeping_per_committed_page_is_within_its_target() {
        let row = b8_per_page();
        assert!(row.value > 0.0 && row.value <= 32.0, "{} bytes per page", row.value);
    }

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(vec![4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(Vec::new()), 0.0);
    }

    #[test]
    fn interleaved_alternates_which_side_goes_first() {
        let order = std::cell::RefCell::new(Vec::new());
        let (m, b) = interleaved(
            4,
            || {
                order.borrow_mut().push('m');
                1.0
            },
            || {
                order.borrow_mut().push('b');
                2.0
            },
        );
        assert_eq!((m, b), (1.0, 2.0));
        assert_eq!(order.into_inner(), vec!['m', 'b', 'b', 'm', 'm', 'b', 'b', 'm']);
    }

    #[test]
    fn resident_memory_is_read_on_linux() {
        if cfg!(target_os = "linux") {
            assert!(resident_kib() > 0);
        }
    }
}
