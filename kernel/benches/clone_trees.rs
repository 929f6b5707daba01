//! Criterion benchmarks for the clone-tree figures of `performance.md`:
//!
//! - **B2** (`B2_snapshot_create`): `vmo_create_child(SNAPSHOT)` of a fully committed VMO of
//!   N = 1, 4096, 65536 pages. Only the create call is timed; the child is closed between
//!   iterations, outside the timing. Baseline: N = 1. Target: t(65536) / t(1) ≤ 2 and
//!   t(1) ≤ 2 µs.
//! - **B3** (`B3_first_write_4096_pages`): a 1-byte first write into each of 4096 pages of a
//!   fresh SNAPSHOT child of a fully committed parent (every write forks a page), against the
//!   same writes into a fresh root VMO (allocate + zero). Creating and closing the VMOs is not
//!   timed; throughput is per page. Target: fork / fresh ≤ 1.5.
//! - **B4** (`B4_chain_read`): `vmo_read` of one page from the leaf of a snapshot chain of
//!   depth d = 1, 8, 64 where only the root holds the page, and from the d = 64 leaf
//!   "flattened" into a fresh VMO. Baseline: d = 1. Target: t(64) / t(1) ≤ 4, flattened
//!   within 1.2× of d = 1.
//!
//! Run with:
//!
//! ```text
//! cargo bench -p zx-kernel --bench clone_trees
//! ```
//!
//! (append `-- B3` or another group name to run one figure only). Every figure is a ratio of
//! two measurements taken in the same run, read from criterion's output.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use zx_kernel::zx::*;
use zx_kernel::{Kernel, KernelConfig, Process};

const PAGE: u64 = ZX_PAGE_SIZE;

/// A kernel with 1 GiB of emulated RAM (so that 65536 committed pages plus their snapshots'
/// forks fit) and one process in it.
fn kernel_and_process() -> (Kernel, Process) {
    let kernel = Kernel::new(KernelConfig { memory_bytes: 1 << 30, ..KernelConfig::default() });
    let process = kernel.create_process();
    (kernel, process)
}

/// A root VMO of `pages` pages, every page committed and holding a non-zero byte.
fn committed_vmo(p: &Process, pages: u64) -> zx_handle_t {
    let vmo = p.vmo_create(pages * PAGE, 0).expect("vmo_create");
    p.vmo_op_range(vmo, ZX_VMO_OP_COMMIT, 0, pages * PAGE, &mut []).expect("commit");
    for page in 0..pages {
        p.vmo_write(vmo, &[0xa5], page * PAGE).expect("vmo_write");
    }
    let info = p.object_get_info_vmo(vmo).expect("object_get_info_vmo");
    assert_eq!(info.committed_bytes, pages * PAGE, "the parent is fully committed");
    vmo
}

/// B2: creating a snapshot must not touch every page of the parent.
fn b2_snapshot_create(c: &mut Criterion) {
    let mut group = c.benchmark_group("B2_snapshot_create");
    for pages in [1u64, 4096, 65536] {
        let (kernel, p) = kernel_and_process();
        let parent = committed_vmo(&p, pages);
        group.bench_with_input(BenchmarkId::from_parameter(pages), &pages, |b, &pages| {
            b.iter_custom(|iters| {
                let mut timed = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    let child = p
                        .vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT, 0, pages * PAGE)
                        .expect("vmo_create_child");
                    timed += start.elapsed();
                    // Not timed: closing the child merges the hidden node back.
                    p.handle_close(black_box(child)).expect("handle_close");
                }
                timed
            });
        });
        p.handle_close(parent).expect("handle_close");
        kernel.check_invariants().expect("invariants after B2");
    }
    group.finish();
}

const B3_PAGES: u64 = 4096;

/// Times a 1-byte write at the start of each of the first `B3_PAGES` pages of `vmo`.
fn first_writes(p: &Process, vmo: zx_handle_t) -> Duration {
    let start = Instant::now();
    for page in 0..B3_PAGES {
        p.vmo_write(vmo, black_box(&[0x5a]), page * PAGE).expect("vmo_write");
    }
    start.elapsed()
}

/// B3: forking a page on first write against allocating and zeroing a fresh one.
fn b3_first_write(c: &mut Criterion) {
    let mut group = c.benchmark_group("B3_first_write_4096_pages");
    group.throughput(Throughput::Elements(B3_PAGES));
    let (kernel, p) = kernel_and_process();
    let parent = committed_vmo(&p, B3_PAGES);

    group.bench_function("fork_snapshot_child", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                // Not timed: a fresh child that still shares all of the parent's pages.
                let child = p
                    .vmo_create_child(parent, ZX_VMO_CHILD_SNAPSHOT, 0, B3_PAGES * PAGE)
                    .expect("vmo_create_child");
                timed += first_writes(&p, child);
                p.handle_close(child).expect("handle_close");
            }
            timed
        });
    });

    group.bench_function("fresh_root_vmo", |b| {
        b.iter_custom(|iters| {
            let mut timed = Duration::ZERO;
            for _ in 0..iters {
                // Not timed: a fresh root VMO with no page committed.
                let vmo = p.vmo_create(B3_PAGES * PAGE, 0).expect("vmo_create");
                timed += first_writes(&p, vmo);
                p.handle_close(vmo).expect("handle_close");
            }
            timed
        });
    });

    p.handle_close(parent).expect("handle_close");
    kernel.check_invariants().expect("invariants after B3");
    group.finish();
}

/// A chain `root <- c1 <- ... <- cd` where each `ci` is a snapshot of the one before and only
/// the root holds the page; returns every handle, the leaf last.
fn snapshot_chain(p: &Process, depth: usize) -> Vec<zx_handle_t> {
    let mut chain = vec![committed_vmo(p, 1)];
    for _ in 0..depth {
        let previous = *chain.last().expect("the chain has a root");
        chain.push(p.vmo_create_child(previous, ZX_VMO_CHILD_SNAPSHOT, 0, PAGE).expect("snapshot"));
    }
    chain
}

/// Moves page 0 of `leaf` into a fresh root VMO that owns it, with `vmo_transfer_data` as
/// performance.md asks. A kernel without `vmo_transfer_data` (older versions answer
/// `NOT_SUPPORTED`) gets `vmo_read` of the leaf + `vmo_write` into the fresh VMO instead; the
/// "flattened" figure measures a read from a root VMO that holds the page itself either way,
/// and the bench prints which path it took.
fn flatten(p: &Process, leaf: zx_handle_t) -> zx_handle_t {
    let flat = p.vmo_create(PAGE, 0).expect("vmo_create");
    match p.vmo_transfer_data(flat, 0, 0, PAGE, leaf, 0) {
        Ok(()) => eprintln!("B4: flattened with vmo_transfer_data"),
        Err(status) => {
            eprintln!("B4: vmo_transfer_data answered {status}; flattened with read + write");
            let mut page = vec![0u8; PAGE as usize];
            p.vmo_read(leaf, &mut page, 0).expect("vmo_read");
            p.vmo_write(flat, &page, 0).expect("vmo_write");
        }
    }
    let info = p.object_get_info_vmo(flat).expect("object_get_info_vmo");
    assert_eq!(info.committed_private_bytes, PAGE, "the flattened VMO holds the page");
    flat
}

/// B4: reading through a chain of snapshots.
fn b4_chain_read(c: &mut Criterion) {
    let mut group = c.benchmark_group("B4_chain_read");
    let (kernel, p) = kernel_and_process();
    let mut buffer = vec![0u8; PAGE as usize];
    let mut handles = Vec::new();
    let mut deepest_leaf = ZX_HANDLE_INVALID;

    for depth in [1usize, 8, 64] {
        let chain = snapshot_chain(&p, depth);
        let leaf = *chain.last().expect("the chain has a leaf");
        p.vmo_read(leaf, &mut buffer, 0).expect("vmo_read");
        assert_eq!(buffer[0], 0xa5, "the leaf sees the root's page");
        let info = p.object_get_info_vmo(leaf).expect("object_get_info_vmo");
        // `committed_bytes` counts a shared page in every VMO that sees it; a page private to
        // the leaf would show in `committed_private_bytes`.
        assert_eq!(info.committed_private_bytes, 0, "only the root holds the page");
        group.bench_with_input(BenchmarkId::new("depth", depth), &leaf, |b, &leaf| {
            b.iter(|| p.vmo_read(black_box(leaf), black_box(&mut buffer), 0).expect("vmo_read"));
        });
        deepest_leaf = leaf;
        handles.extend(chain);
    }

    let flat = flatten(&p, deepest_leaf);
    p.vmo_read(flat, &mut buffer, 0).expect("vmo_read");
    assert_eq!(buffer[0], 0xa5, "the flattened VMO holds the leaf's content");
    group.bench_with_input(BenchmarkId::new("flattened", 64), &flat, |b, &flat| {
        b.iter(|| p.vmo_read(black_box(flat), black_box(&mut buffer), 0).expect("vmo_read"));
    });
    handles.push(flat);

    for handle in handles.into_iter().rev() {
        p.handle_close(handle).expect("handle_close");
    }
    kernel.check_invariants().expect("invariants after B4");
    group.finish();
}

criterion_group! {
    name = clone_trees;
    config = Criterion::default()
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1))
        .sample_size(20);
    targets = b2_snapshot_create, b3_first_write, b4_chain_read
}
criterion_main!(clone_trees);
