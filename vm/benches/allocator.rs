//! Criterion benchmark for figure **B5** of `performance.md`: the page allocator, alone.
//!
//! - `B5_allocator/single`: `alloc(ZeroFill::No)` + `free` of one page. Target: ≤ 25 ns per
//!   pair.
//! - `B5_allocator/contig256`: `alloc_contiguous(256, 12, ZeroFill::No)` + `free_all` of a 256-page run.
//!   Target: ≤ 5 µs per run.
//! - `B5_allocator/memcpy_4k`: a hot 4 KiB memcpy, the yardstick the targets come from,
//!   measured in the same run so the other two can be read as multiples of it.
//!
//! Run with:
//!
//! ```text
//! cargo bench -p zx-vm --bench allocator
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use zx_vm::{PageAllocator, ZeroFill, PAGE_SIZE};

/// B5: one page and one 256-page run, allocated and freed.
fn b5_allocator(c: &mut Criterion) {
    let allocator = PageAllocator::new(256 << 20, 0x8000_0000);
    let mut group = c.benchmark_group("B5_allocator");
    group.bench_function("single", |b| {
        b.iter(|| allocator.free(black_box(allocator.alloc(ZeroFill::No).expect("alloc"))));
    });
    group.bench_function("contig256", |b| {
        b.iter(|| {
            allocator.free_all(black_box(
                allocator.alloc_contiguous(256, 12, ZeroFill::No).expect("run"),
            ));
        });
    });
    let src = vec![1u8; PAGE_SIZE];
    let mut dst = vec![0u8; PAGE_SIZE];
    group.bench_function("memcpy_4k", |b| {
        b.iter(|| {
            dst.copy_from_slice(black_box(&src));
            black_box(&mut dst);
        });
    });
    group.finish();
    assert_eq!(allocator.free_frames(), allocator.total_frames(), "every frame came back");
}

criterion_group! {
    name = allocator;
    config = Criterion::default()
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
        .sample_size(20);
    targets = b5_allocator
}
criterion_main!(allocator);
