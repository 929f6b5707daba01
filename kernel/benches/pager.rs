//! Criterion benchmark for figure **B11** of `performance.md`: the user pager.
//!
//! - `B11_round_trip`: `fault` is a read of an absent page of a pager VMO, the READ packet
//!   taken by `port_wait` on a second thread, `pager_supply_pages` of the page (from an aux VMO
//!   committed beforehand) and the read returning; `event` is the baseline, an event round trip
//!   between the same two threads (signal, `object_wait_one` on the other side, clear, signal
//!   back, `object_wait_one`). Targets: `fault` ≤ 5 µs and ≤ 2× `event`.
//! - `B11_supply_N`, N = 1, 16, 256, 4096: `supply` is `pager_supply_pages` of N pages into the
//!   absent pages of a pager VMO; `transfer` is B1's `vmo_transfer_data` of N pages between two
//!   root VMOs. Target: `supply` within 1.5× of `transfer`.
//!
//! Only the calls being compared are timed (`iter_custom`): fresh pager VMOs, aux pages, the
//! helper thread's start and the detach that retires a VMO happen outside the timing.
//!
//! Run with:
//!
//! ```text
//! cargo bench -p zx-kernel --bench pager
//! ```

use std::hint::black_box;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Process};

const PAGE: u64 = ZX_PAGE_SIZE;
/// Round trips per batch: one pager VMO of this many absent pages is used up per batch.
const BATCH: u64 = 256;
/// Pages of the VMOs the supply and transfer measurements move pages between.
const TOTAL: u64 = 4096;

/// A kernel with 256 MiB of emulated RAM and one process, a pager and a port in it.
struct Setup {
    kernel: Kernel,
    p: Process,
    pager: zx_handle_t,
    port: zx_handle_t,
}

impl Setup {
    fn new() -> Setup {
        let kernel = Kernel::new(KernelConfig { memory_bytes: 1 << 28, ..KernelConfig::default() });
        let p = kernel.create_process();
        let pager = p.pager_create(0).expect("pager_create");
        let port = p.port_create(0).expect("port_create");
        Setup { kernel, p, pager, port }
    }

    /// A fresh pager VMO of `pages` absent pages.
    fn pager_vmo(&self, pages: u64) -> zx_handle_t {
        self.p.pager_create_vmo(self.pager, 0, self.port, 1, pages * PAGE).expect("pager vmo")
    }

    /// Detaches `vmo`, takes the COMPLETE packet that detaching queues, closes the VMO.
    fn retire(&self, vmo: zx_handle_t) {
        self.p.pager_detach_vmo(self.pager, vmo).expect("pager_detach_vmo");
        let packet = self.p.port_wait(self.port, ZX_TIME_INFINITE).expect("COMPLETE");
        assert_eq!(packet.page_request().command, ZX_PAGER_VMO_COMPLETE);
        self.p.handle_close(vmo).expect("handle_close");
    }
}

/// A root VMO of `pages` committed pages, each holding a non-zero byte.
fn committed_vmo(p: &Process, pages: u64) -> zx_handle_t {
    let vmo = p.vmo_create(pages * PAGE, 0).expect("vmo_create");
    p.vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, pages * PAGE, &mut []).expect("commit");
    for page in 0..pages {
        p.vmo_write(vmo, &[0xa5], page * PAGE).expect("vmo_write");
    }
    vmo
}

/// Runs `count` round trips: `mine` on this thread (timed from when both threads are ready)
/// and `theirs` on a helper thread.
fn two_threads(count: u64, mine: impl Fn(u64), theirs: impl Fn(u64) + Sync) -> Duration {
    let ready = Barrier::new(2);
    thread::scope(|s| {
        s.spawn(|| {
            ready.wait();
            for i in 0..count {
                theirs(i);
            }
        });
        ready.wait();
        let start = Instant::now();
        for i in 0..count {
            mine(i);
        }
        start.elapsed()
    })
}

/// B11 round trip: `fault` against `event`, in batches of [`BATCH`].
fn b11_round_trip(c: &mut Criterion) {
    let s = Setup::new();
    let mut group = c.benchmark_group("B11_round_trip");
    group.bench_function(BenchmarkId::from_parameter("fault"), |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let count = left.min(BATCH);
                left -= count;
                let vmo = s.pager_vmo(count);
                let aux = committed_vmo(&s.p, count);
                timed += two_threads(
                    count,
                    |page| {
                        let mut bytes = [0u8; 8];
                        s.p.vmo_read(vmo, black_box(&mut bytes), page * PAGE).expect("vmo_read");
                    },
                    |_| {
                        let packet = s.p.port_wait(s.port, ZX_TIME_INFINITE).expect("port_wait");
                        let offset = packet.page_request().offset;
                        s.p.pager_supply_pages(s.pager, vmo, offset, PAGE, aux, offset)
                            .expect("pager_supply_pages");
                    },
                );
                s.retire(vmo);
                s.p.handle_close(aux).expect("handle_close");
            }
            timed
        });
    });
    let ping = s.p.event_create(0).expect("event_create");
    let pong = s.p.event_create(0).expect("event_create");
    group.bench_function(BenchmarkId::from_parameter("event"), |b| {
        b.iter_custom(|iters| {
            two_threads(
                iters,
                |_| {
                    s.p.object_signal(ping, 0, ZX_USER_SIGNAL_0).expect("signal ping");
                    s.p.object_wait_one(pong, ZX_USER_SIGNAL_0, ZX_TIME_INFINITE).expect("pong");
                    s.p.object_signal(pong, ZX_USER_SIGNAL_0, 0).expect("clear pong");
                },
                |_| {
                    s.p.object_wait_one(ping, ZX_USER_SIGNAL_0, ZX_TIME_INFINITE).expect("ping");
                    s.p.object_signal(ping, ZX_USER_SIGNAL_0, 0).expect("clear ping");
                    s.p.object_signal(pong, 0, ZX_USER_SIGNAL_0).expect("signal pong");
                },
            )
        });
    });
    group.finish();
}

/// B11 supply: `supply` against `transfer`, one group per N.
fn b11_supply(c: &mut Criterion) {
    let s = Setup::new();
    let aux = s.p.vmo_create(TOTAL * PAGE, 0).expect("vmo_create");
    let stage = s.p.vmo_create(TOTAL * PAGE, 0).expect("vmo_create");
    let src = committed_vmo(&s.p, TOTAL);
    let dst = s.p.vmo_create(TOTAL * PAGE, 0).expect("vmo_create");
    for n in [1u64, 16, 256, 4096] {
        let len = n * PAGE;
        let chunks = TOTAL / n;
        let mut group = c.benchmark_group(format!("B11_supply_{n}"));
        group.throughput(Throughput::Elements(n));
        group.bench_function(BenchmarkId::from_parameter("supply"), |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    // Not timed: a fresh pager VMO and aux pages for up to `chunks` supplies,
                    // moved into aux whole as the transfer's source gets its pages back (so
                    // both sides start from page lists in the same state; docs/performance.md).
                    let count = left.min(chunks);
                    left -= count;
                    let vmo = s.pager_vmo(TOTAL);
                    s.p.vmo_op_range(stage, ZX_VMO_OP_COMMIT, 0, count * len, &mut [])
                        .expect("commit");
                    s.p.vmo_transfer_data(aux, 0, 0, count * len, stage, 0).expect("refill aux");
                    let start = Instant::now();
                    for i in 0..count {
                        s.p.pager_supply_pages(s.pager, black_box(vmo), i * len, len, aux, i * len)
                            .expect("pager_supply_pages");
                    }
                    timed += start.elapsed();
                    s.retire(vmo);
                }
                timed
            });
        });
        group.bench_function(BenchmarkId::from_parameter("transfer"), |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let count = left.min(chunks);
                    left -= count;
                    let start = Instant::now();
                    for i in 0..count {
                        s.p.vmo_transfer_data(black_box(dst), 0, i * len, len, src, i * len)
                            .expect("vmo_transfer_data");
                    }
                    timed += start.elapsed();
                    // Not timed: the pages go back, so src is committed again and dst empty.
                    s.p.vmo_transfer_data(src, 0, 0, count * len, dst, 0).expect("transfer back");
                }
                timed
            });
        });
        group.finish();
    }
    s.kernel.check_invariants().expect("invariants after B11");
}

criterion_group!(benches, b11_round_trip, b11_supply);
criterion_main!(benches);
