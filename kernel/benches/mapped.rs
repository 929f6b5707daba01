//! Criterion benchmark for figure **B12** of `performance.md`: a hot mapped 8-byte load and
//! store through the software MMU, next to an 8-byte `vmo_read` / `vmo_write` of the same
//! committed page in the same run.
//!
//! - `B12_mapped/load`: `load_mapped_u64`. Target: ≤ 30 ns.
//! - `B12_mapped/store`: `store_mapped_u64` (no fork). Target: ≤ 2× `vmo_write_8`.
//! - `B12_mapped/vmo_read_8`, `B12_mapped/vmo_write_8`: the baselines.
//!
//! Run with:
//!
//! ```text
//! cargo bench -p zx-kernel --bench mapped
//! ```

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig};

/// B12: mapped load and store against vmo_read and vmo_write.
fn b12_mapped(c: &mut Criterion) {
    let kernel = Kernel::new(KernelConfig { memory_bytes: 16 << 20, ..KernelConfig::default() });
    let p = kernel.create_process();
    let vmo = p.vmo_create(ZX_PAGE_SIZE, 0).expect("vmo_create");
    p.vmo_write(vmo, &[1; 8], 0).expect("vmo_write");
    let root = p.vmar_root_self();
    let perms = ZX_VM_PERM_READ | ZX_VM_PERM_WRITE;
    let addr = p.vmar_map(root, perms, 0, vmo, 0, ZX_PAGE_SIZE).expect("vmar_map");
    let mut group = c.benchmark_group("B12_mapped");
    group.bench_function("load", |b| {
        b.iter(|| p.load_mapped_u64(black_box(addr)).expect("load_mapped_u64"));
    });
    group.bench_function("vmo_read_8", |b| {
        let mut buf = [0u8; 8];
        b.iter(|| {
            p.vmo_read(vmo, &mut buf, black_box(0)).expect("vmo_read");
            black_box(&buf);
        });
    });
    group.bench_function("store", |b| {
        b.iter(|| p.store_mapped_u64(black_box(addr), 7).expect("store_mapped_u64"));
    });
    group.bench_function("vmo_write_8", |b| {
        b.iter(|| p.vmo_write(vmo, black_box(&[7; 8]), 0).expect("vmo_write"));
    });
    group.finish();
    p.vmar_unmap(root, addr, ZX_PAGE_SIZE).expect("vmar_unmap");
    p.handle_close(vmo).expect("handle_close");
    kernel.check_invariants().expect("invariants after B12");
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(2)).warm_up_time(Duration::from_millis(500));
    targets = b12_mapped
}
criterion_main!(benches);
