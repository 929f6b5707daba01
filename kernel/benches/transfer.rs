//! Criterion benchmark for figure **B1** of `performance.md`: `vmo_transfer_data` of N
//! committed pages between two root VMOs, N = 1, 16, 256, 4096, 65536, against the copy a
//! user would write instead: `vmo_read` of the range into a buffer, `vmo_write` of the buffer
//! into dst, then `DECOMMIT` of the src range.
//!
//! Each N is one group (`B1_transfer_N`) holding both measurements (`transfer` and `copy`),
//! so the ratio copy / transfer is read from one run. Only the call(s) being compared are
//! timed (`iter_custom`): before every timed iteration, outside the timing, src holds N
//! committed pages and dst's range is empty (the pages are moved back from dst to src with
//! another transfer).
//!
//! Targets: copy / transfer ≥ 1 at N = 1 and ≥ 50 at N ≥ 4096; transfer ≤ 10 ns per page at
//! N ≥ 4096; per page, N = 65536 within 1.5× of N = 4096.
//!
//! Run with:
//!
//! ```text
//! cargo bench -p zx-kernel --bench transfer
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Process};

const PAGE: u64 = ZX_PAGE_SIZE;
const SIZES: [u64; 5] = [1, 16, 256, 4096, 65536];

/// A kernel with 1 GiB of emulated RAM (src and dst of 65536 pages each fit twice over) and
/// one process in it.
fn kernel_and_process() -> (Kernel, Process) {
    let kernel = Kernel::new(KernelConfig { memory_bytes: 1 << 30, ..KernelConfig::default() });
    let process = kernel.create_process();
    (kernel, process)
}

/// A root VMO of `pages` pages, every page committed with a non-zero, per-page byte.
fn committed_vmo(p: &Process, pages: u64) -> zx_handle_t {
    let vmo = p.vmo_create(pages * PAGE, 0).expect("vmo_create");
    let content: Vec<u8> =
        (0..pages).flat_map(|i| std::iter::repeat_n((i % 251) as u8 + 1, PAGE as usize)).collect();
    p.vmo_write(vmo, &content, 0).expect("vmo_write");
    vmo
}

fn committed(p: &Process, vmo: zx_handle_t) -> u64 {
    p.object_get_info_vmo(vmo).expect("object_get_info_vmo").committed_bytes
}

/// B1: one group per N, `transfer` against `copy`.
fn b1_transfer(c: &mut Criterion) {
    for pages in SIZES {
        let (kernel, p) = kernel_and_process();
        let len = pages * PAGE;
        let src = committed_vmo(&p, pages);
        let dst = p.vmo_create(len, 0).expect("vmo_create");
        let mut buffer = vec![0u8; len as usize];

        let mut group = c.benchmark_group(format!("B1_transfer_{pages}"));
        group.throughput(Throughput::Elements(pages));
        group.sampling_mode(SamplingMode::Flat);

        group.bench_function(BenchmarkId::from_parameter("transfer"), |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    p.vmo_transfer_data(black_box(dst), 0, 0, len, black_box(src), 0)
                        .expect("vmo_transfer_data");
                    timed += start.elapsed();
                    // Not timed: the pages go back, so src is committed again and dst empty.
                    p.vmo_transfer_data(src, 0, 0, len, dst, 0).expect("transfer back");
                }
                timed
            });
        });
        assert_eq!(committed(&p, src), len, "src is committed between iterations");
        assert_eq!(committed(&p, dst), 0, "dst is empty between iterations");

        group.bench_function(BenchmarkId::from_parameter("copy"), |b| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    p.vmo_read(black_box(src), &mut buffer, 0).expect("vmo_read");
                    p.vmo_write(black_box(dst), black_box(&buffer), 0).expect("vmo_write");
                    p.vmo_op_range(src, ZX_VMO_OP_DECOMMIT, 0, len, &mut []).expect("decommit");
                    timed += start.elapsed();
                    // Not timed: the copied pages go back to src, leaving dst empty.
                    p.vmo_transfer_data(src, 0, 0, len, dst, 0).expect("transfer back");
                }
                timed
            });
        });
        group.finish();

        // The data survived every round trip.
        let mut first = [0u8; 1];
        p.vmo_read(src, &mut first, (pages - 1) * PAGE).expect("vmo_read");
        assert_eq!(first[0], ((pages - 1) % 251) as u8 + 1, "src holds its data after B1_{pages}");
        assert_eq!(committed(&p, src), len);
        assert_eq!(committed(&p, dst), 0);
        p.handle_close(src).expect("handle_close");
        p.handle_close(dst).expect("handle_close");
        kernel.check_invariants().expect("invariants after B1");
        let stats = kernel.kmem_stats();
        assert_eq!(stats.free_bytes, stats.total_bytes, "no page leaked by B1_{pages}");
    }
}

criterion_group! {
    name = transfer;
    config = Criterion::default()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(10);
    targets = b1_transfer
}
criterion_main!(transfer);
