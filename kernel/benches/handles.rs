//! Criterion benchmark for figure **B6** of `performance.md`: the handle table.
//!
//! - `B6_handles/dup_close`: `handle_duplicate` + `handle_close` of a VMO handle. Target:
//!   ≤ 100 ns per pair.
//! - `B6_handles/lookup`: `vmo_get_size`, one lookup with its type and rights check. Target:
//!   ≤ 40 ns per call.
//! - `B6_handles/memcpy_4k`: a hot 4 KiB memcpy, the yardstick the targets come from, in the
//!   same run.
//!
//! Run with:
//!
//! ```text
//! cargo bench -p zx-kernel --bench handles
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig};

/// B6: duplicate + close, and a lookup.
fn b6_handles(c: &mut Criterion) {
    let kernel = Kernel::new(KernelConfig { memory_bytes: 16 << 20, ..KernelConfig::default() });
    let p = kernel.create_process();
    let vmo = p.vmo_create(ZX_PAGE_SIZE, 0).expect("vmo_create");
    let mut group = c.benchmark_group("B6_handles");
    group.bench_function("dup_close", |b| {
        b.iter(|| {
            let dup = p.handle_duplicate(vmo, ZX_RIGHT_SAME_RIGHTS).expect("handle_duplicate");
            p.handle_close(black_box(dup)).expect("handle_close");
        });
    });
    group.bench_function("lookup", |b| {
        b.iter(|| p.vmo_get_size(black_box(vmo)).expect("vmo_get_size"));
    });
    let src = vec![1u8; ZX_PAGE_SIZE as usize];
    let mut dst = vec![0u8; ZX_PAGE_SIZE as usize];
    group.bench_function("memcpy_4k", |b| {
        b.iter(|| {
            dst.copy_from_slice(black_box(&src));
            black_box(&mut dst);
        });
    });
    group.finish();
    p.handle_close(vmo).expect("handle_close");
    kernel.check_invariants().expect("invariants after B6");
}

criterion_group! {
    name = handles;
    config = Criterion::default()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(20);
    targets = b6_handles
}
criterion_main!(handles);
