//! Criterion benchmark for figures **B9** and **B10** of `performance.md`.
//!
//! - `B9_<case>`: one clone tree used by 1 thread (`threads/1`) and by 2 (`threads/2`): 4 KiB
//!   `vmo_read`s of committed pages of one VMO (`one_vmo`), reads of two snapshot siblings
//!   (`siblings`), and 4 KiB `vmo_write`s of disjoint owned pages of one VMO
//!   (`disjoint_writes`). One iteration is one operation on every thread, and throughput
//!   counts operations, so the ratio of the two `elem/s` figures is the 2-thread / 1-thread
//!   throughput. Targets: ≥ 1.8 for the reads, ≥ 1.3 for the writes.
//! - `B10_<read|write>`: `vmo_read` / `vmo_write` of 1 MiB of committed pages against a
//!   plain memcpy of 1 MiB between page-aligned buffers (`memcpy`). Target: ≤ 1.2× each.
//!
//! Run with:
//!
//! ```text
//! cargo bench -p zx-kernel --bench one_tree
//! ```

use std::hint::black_box;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Process};

const PAGE: u64 = ZX_PAGE_SIZE;
const BULK_PAGES: u64 = 256;

/// A page-aligned page, so copies measure the kernel, not where `malloc` put a buffer.
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C, align(4096))]
struct AlignedPage([u8; PAGE as usize]);

fn kernel_and_process() -> (Kernel, Process) {
    let kernel = Kernel::new(KernelConfig { memory_bytes: 64 << 20, ..KernelConfig::default() });
    let process = kernel.create_process();
    (kernel, process)
}

fn committed_vmo(p: &Process, pages: u64) -> zx_handle_t {
    let vmo = p.vmo_create(pages * PAGE, 0).expect("vmo_create");
    p.vmo_write(vmo, &vec![0xa5; (pages * PAGE) as usize], 0).expect("vmo_write");
    vmo
}

/// `iters` operations on each of `threads` threads at once (thread `t` on page `t` of
/// `vmos[t % len]`), timed from a common start to the last thread's end.
fn run(p: &Process, vmos: &[zx_handle_t], threads: usize, iters: u64, write: bool) -> Duration {
    let barrier = Barrier::new(threads + 1);
    thread::scope(|s| {
        let barrier = &barrier;
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let vmo = vmos[t % vmos.len()];
                s.spawn(move || {
                    let mut page = AlignedPage([0x3c; PAGE as usize]);
                    barrier.wait();
                    for _ in 0..iters {
                        if write {
                            p.vmo_write(vmo, black_box(&page.0), t as u64 * PAGE).expect("write");
                        } else {
                            p.vmo_read(vmo, black_box(&mut page.0), t as u64 * PAGE).expect("read");
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
    })
}

fn b9_one_tree(c: &mut Criterion) {
    let (kernel, p) = kernel_and_process();
    let vmo = committed_vmo(&p, 2);
    let snapshot = || p.vmo_create_child(vmo, ZX_VMO_CHILD_SNAPSHOT, 0, 2 * PAGE).expect("child");
    let siblings = [snapshot(), snapshot()];
    let writable = committed_vmo(&p, 2);
    let cases: [(&str, &[zx_handle_t], bool); 3] = [
        ("one_vmo", &[vmo], false),
        ("siblings", &siblings, false),
        ("disjoint_writes", &[writable], true),
    ];
    for (name, vmos, write) in cases {
        let mut group = c.benchmark_group(format!("B9_{name}"));
        for threads in [1usize, 2] {
            group.throughput(Throughput::Elements(threads as u64));
            group.bench_function(BenchmarkId::new("threads", threads), |b| {
                b.iter_custom(|iters| run(&p, vmos, threads, iters, write));
            });
        }
        group.finish();
    }
    for h in siblings.into_iter().chain([vmo, writable]) {
        p.handle_close(h).expect("handle_close");
    }
    kernel.check_invariants().expect("invariants after B9");
}

fn b10_bulk(c: &mut Criterion) {
    let (kernel, p) = kernel_and_process();
    let vmo = committed_vmo(&p, BULK_PAGES);
    let pages = BULK_PAGES as usize;
    let mut buffer = vec![AlignedPage([0x11; PAGE as usize]); pages];
    let source = vec![AlignedPage([0x22; PAGE as usize]); pages];
    for (name, write) in [("read", false), ("write", true)] {
        let mut group = c.benchmark_group(format!("B10_{name}"));
        group.throughput(Throughput::Bytes(BULK_PAGES * PAGE));
        group.bench_function("vmo", |b| {
            b.iter(|| {
                if write {
                    let flat: &[u8] = bytemuck::cast_slice(&source);
                    p.vmo_write(vmo, black_box(flat), 0).expect("vmo_write");
                } else {
                    let flat: &mut [u8] = bytemuck::cast_slice_mut(&mut buffer);
                    p.vmo_read(vmo, black_box(flat), 0).expect("vmo_read");
                }
            });
        });
        group.bench_function("memcpy", |b| {
            b.iter(|| {
                buffer.copy_from_slice(black_box(&source));
                black_box(&mut buffer);
            });
        });
        group.finish();
    }
    p.handle_close(vmo).expect("handle_close");
    kernel.check_invariants().expect("invariants after B10");
}

criterion_group! {
    name = one_tree;
    config = Criterion::default()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(10);
    targets = b9_one_tree, b10_bulk
}
criterion_main!(one_tree);
