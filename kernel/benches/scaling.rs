//! Criterion benchmark for figure **B7** of `performance.md`: scaling from 1 to 2 threads.
//!
//! Each thread has its own process and its own pair of one-page VMOs, and does either 4 KiB
//! `vmo_write`s (`B7_write`) or one-page `vmo_transfer_data`s back and forth between its two
//! VMOs (`B7_transfer`). Each group holds `threads/1` and `threads/2`; one iteration is one
//! operation on every thread, timed from a common start to the last thread's end, and the
//! throughput is counted in operations (1 per iteration for one thread, 2 for two), so the
//! ratio of the two `elem/s` figures criterion prints is the 2-thread / 1-thread throughput.
//! Target: ≥ 1.7 for both (no global lock on the data path).
//!
//! Run with:
//!
//! ```text
//! cargo bench -p zx-kernel --bench scaling
//! ```

use std::hint::black_box;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Process};

const PAGE: u64 = ZX_PAGE_SIZE;

/// One thread's process and VMOs; `a` starts with its page committed, `b` empty.
struct Worker {
    process: Process,
    a: zx_handle_t,
    b: zx_handle_t,
}

impl Worker {
    fn new(kernel: &Kernel) -> Worker {
        let process = kernel.create_process();
        let a = process.vmo_create(PAGE, 0).expect("vmo_create");
        process.vmo_write(a, &[1], 0).expect("vmo_write");
        let b = process.vmo_create(PAGE, 0).expect("vmo_create");
        Worker { process, a, b }
    }
}

type Op = fn(&Worker, u64, &[u8]);

fn write(w: &Worker, _i: u64, page: &[u8]) {
    w.process.vmo_write(w.a, black_box(page), 0).expect("vmo_write");
}

/// Moves the page from `a` to `b` on even `i` and back on odd `i`.
fn transfer(w: &Worker, i: u64, _page: &[u8]) {
    let (dst, src) = if i % 2 == 0 { (w.b, w.a) } else { (w.a, w.b) };
    w.process.vmo_transfer_data(dst, 0, 0, PAGE, src, 0).expect("vmo_transfer_data");
}

/// Wall time of every worker running `iters` operations on its own thread.
fn run(workers: &[Worker], iters: u64, op: Op) -> Duration {
    let barrier = Barrier::new(workers.len() + 1);
    thread::scope(|s| {
        let barrier = &barrier;
        let threads: Vec<_> = workers
            .iter()
            .map(|w| {
                s.spawn(move || {
                    let page = vec![0x3cu8; PAGE as usize];
                    barrier.wait();
                    // An even count leaves each transfer pair as it started.
                    for i in 0..iters.next_multiple_of(2) {
                        op(w, i, &page);
                    }
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        for t in threads {
            t.join().expect("a worker panicked");
        }
        start.elapsed()
    })
}

/// B7: 1 and 2 threads, writes and transfers.
fn b7_scaling(c: &mut Criterion) {
    let kernel = Kernel::new(KernelConfig { memory_bytes: 64 << 20, ..KernelConfig::default() });
    let workers = [Worker::new(&kernel), Worker::new(&kernel)];
    for (name, op) in [("B7_write", write as Op), ("B7_transfer", transfer)] {
        let mut group = c.benchmark_group(name);
        for threads in [1usize, 2] {
            group.throughput(Throughput::Elements(threads as u64));
            group.bench_function(BenchmarkId::new("threads", threads), |b| {
                b.iter_custom(|iters| run(&workers[..threads], iters, op));
            });
        }
        group.finish();
    }
    kernel.check_invariants().expect("invariants after B7");
}

criterion_group! {
    name = scaling;
    config = Criterion::default()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(20);
    targets = b7_scaling
}
criterion_main!(scaling);
